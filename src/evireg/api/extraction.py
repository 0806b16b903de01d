"""Double data extraction through the public API: two extraction files compared outside a
registry, and one study's adjudication (`evireg compare FILE FILE`, `evireg adjudicate`).

The registry's own methods (:meth:`evireg.Registry.compare`, ``.adjudication``,
``.save_adjudication``) start from here; this module never imports them back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from evireg.api.options import PathLike
from evireg.errors import InvalidRecords, UserError

if TYPE_CHECKING:
    from evireg.extraction import Comparison
    from evireg.records.extraction_files import Resolution
    from evireg.records.study import Study
    from evireg.registry.paths import Registry as Paths


def compare_files(a: PathLike, b: PathLike) -> Comparison:
    """Field-level agreement of two extraction files, or plain study records, outside a registry.

    Parameters
    ----------
    a, b : the two files (YAML or JSON), both of one study.

    Returns
    -------
    Comparison : every field path with both values, whether they agree, and where each was read.

    Raises
    ------
    UserError : for a missing file; InvalidRecords, with each problem, for an invalid one.
    """
    from evireg.extraction import compare_extractions, load_extraction

    loaded = []
    for path in (Path(a), Path(b)):
        if not path.is_file():
            raise UserError(f"{path}: no such file (give a study id, or two files)")
        ext, problems = load_extraction(path, in_registry=False)
        if ext is None:
            raise InvalidRecords(f"{path}: not a valid extraction or study record", problems)
        loaded.append(ext)
    first, second = loaded
    if first.extractor == second.extractor:
        # Two plain records named study.yaml, or two copies of alice.yaml: the reader must still
        # tell the sides apart, so each is named by as much of its path as makes it distinct.
        label_a, label_b = distinct_labels(first.file, second.file)
        first, second = replace(first, extractor=label_a), replace(second, extractor=label_b)
    return compare_extractions(first, second)


def distinct_labels(a: Path, b: Path) -> tuple[str, str]:
    """The shortest trailing parts of two paths that differ (`x/study.yaml`, `y/study.yaml`),
    or the name numbered #1 and #2 for one file given twice."""
    pa, pb = a.resolve().parts, b.resolve().parts
    for n in range(1, max(len(pa), len(pb)) + 1):
        la, lb = "/".join(pa[-n:]), "/".join(pb[-n:])
        if la != lb:
            return la, lb
    return f"{a.name}#1", f"{b.name}#2"


@dataclass
class Adjudication:
    """One study's adjudication under way (see :meth:`evireg.Registry.adjudication`): its two
    extractions compared, and the resolutions so far, to which more may be added (field path ->
    Resolution) before :meth:`record` and :meth:`evireg.Registry.save_adjudication`."""

    comparison: Comparison
    resolutions: dict[str, Resolution]
    adjudicator: str | None  # as the resolution file names them
    source: Path | None  # the resolution file, if any

    def record(self) -> Study:
        """The study both extractions agree on, with each disagreement resolved as chosen.

        Raises
        ------
        UserError : listing each disagreement left unresolved (or resolved to no purpose), or
            the problems of the study that the resolutions would make.
        """
        from evireg.extraction import adjudicate

        return adjudicate(self.comparison, self.resolutions, str(self.source or "resolutions"))


@dataclass(frozen=True)
class Adjudicated:
    """What :meth:`evireg.Registry.save_adjudication` wrote."""

    record_file: Path
    log_file: Path
    replaced: bool  # whether the study had a record before
    decisions: int  # the disagreements resolved, each logged with its reason


def start(paths: Paths, study: str, comparison: Comparison, resolutions: PathLike | None) -> Adjudication:
    """The adjudication of ``study`` (compared already) with the resolutions of the file
    ``resolutions``, or of ``extractions/STUDY/resolutions.yaml`` if there is one."""
    from evireg.extraction import RESOLUTIONS_NAME, ResolutionFile, extractions_dir, load_resolutions

    default = extractions_dir(paths) / study / f"{RESOLUTIONS_NAME}.yaml"
    source = Path(resolutions) if resolutions else (default if default.is_file() else None)
    if source is not None and not source.is_file():
        raise UserError(f"{source}: no such resolution file")
    rfile = load_resolutions(source) if source else ResolutionFile()
    return Adjudication(comparison, dict(rfile.resolutions), rfile.adjudicator, source)
