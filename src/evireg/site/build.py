"""`evireg site OUT`: a review published as a static website that a reader can check.

Plain files that open from ``file://`` or any static host (no server, no script, no network):
an index, a page per analysis (forest plot as SVG, RevMan's table with a footnote per study row
linking to its source, heterogeneity, subgroup differences, sensitivity analyses, and the
analysis's data as CSV and JSON), a page per study (every number with its source, locator and
derivation; what is not reported and why), the audit, the risk of bias, the summary of findings,
and the registry's export. The same registry gives byte-identical files.

The site is written into a staging folder beside OUT and moved into place when complete, so an
interrupted build leaves OUT as it was. OUT must be new, empty, or a site evireg made before (it
holds the marker file): nobody's other files are replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.site.pages import analysis_context, audit_context, slug
from evireg.site.studies import read_study_pages, review_row, review_study_ids, source_links

if TYPE_CHECKING:
    from jinja2 import Environment

    from evireg.registry.paths import Registry
    from evireg.review.report import Report

MARKER = ".evireg-site"
HERE = Path(__file__).parent


@dataclass(frozen=True)
class SiteInfo:
    """What `evireg site` wrote."""

    out: Path
    review: str
    pages: int
    files: int


def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a name the page context lacks is a bug, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["source_links"] = source_links
    env.filters["slug"] = slug
    return env


def _check_target(out: Path, registry_root: Path) -> None:
    """Where exports may go (never inside a registry), and only a folder that is new, empty or a
    site evireg wrote, since the whole folder is replaced."""
    from evireg.interop.targets import check_export_target

    check_export_target(registry_root, out)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UserError(
            f"{out}: the folder holds files that evireg did not write; give a new or empty folder "
            "(a site evireg made before is replaced)"
        )


def _figures(rep: Report, stage: Path) -> dict[str, str]:
    """The forest plot of each analysis with a study to plot, as SVG; analysis id -> file name."""
    from evireg.plots import forest_figure, require_matplotlib, save

    require_matplotlib()
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    for s in rep.sections:
        if not s.answer.inputs:
            continue
        name = f"{slug(s.analysis_id)}.svg"
        fig = forest_figure(s.answer)
        save(fig, stage / "analyses" / name)
        plt.close(fig)
        out[s.analysis_id] = name
    return out


def build_site(reg: Registry, out: Path, review: str | None = None) -> SiteInfo:
    """Write the site of ``review`` (default: the registry's only review) to ``out``."""
    from evireg.index.fresh import connect_readonly
    from evireg.review.analysis import default_review
    from evireg.review.audit import audit
    from evireg.review.report import build_report
    from evireg.review.rob import risk_of_bias
    from evireg.review.sof import build_sof

    out = Path(out)
    _check_target(out, reg.root)
    with connect_readonly(reg) as con:
        review = review or default_review(con)
        info = review_row(con, review)
        ids = review_study_ids(con, review)
        studies = read_study_pages(con, ids)
    rep = build_report(reg, review)
    checked = audit(reg, review)
    sof = build_sof(reg, review)
    rob = risk_of_bias(reg, None, review)

    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.site-"))
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(stage, 0o777 & ~mask)  # mkdtemp's 0700 would hide the site from a web server
    try:
        for folder in ("analyses", "studies", "data"):
            (stage / folder).mkdir()
        data_files = _write_data(reg, stage)
        pages = _write_pages(stage, rep, checked, sof, rob, studies, info, _figures(rep, stage), data_files)
        shutil.copy(HERE / "static" / "style.css", stage / "style.css")
        (stage / MARKER).write_text("This folder is a site written by `evireg site`; it is replaced whole.\n")
        files = sum(1 for p in stage.rglob("*") if p.is_file())
        _swap_in(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return SiteInfo(out, review, pages, files)


def _write_pages(
    stage: Path, rep: Report, checked: Any, sof: Any, rob: Any, studies: list[Any], info: dict[str, Any],
    figures: dict[str, str], data_files: list[str],
) -> int:
    from evireg.render import pool as rp
    from evireg.render.sof import layout as sof_layout
    from evireg.site.robpages import rob_context

    env = _environment()
    analyses = [analysis_context(s, figures.get(s.analysis_id)) for s in rep.sections]
    in_analysis: dict[str, list[tuple[str, str]]] = {}
    for s in rep.sections:
        for i in s.answer.inputs:
            entry = (slug(s.analysis_id), s.title)
            if entry not in in_analysis.setdefault(i.study, []):
                in_analysis[i.study].append(entry)
    for st in studies:
        st.analyses = in_analysis.get(st.study_id, [])
    common = {"review": info, "review_id": rep.review_id, "title": rep.title,
              "registry_hash": rep.registry_hash, "has_rob": bool(rob.tables), "has_sof": bool(sof.rows)}
    audit_ctx = audit_context(checked)
    pages: list[tuple[Path, str, dict[str, Any]]] = [
        (stage / "index.html", "index.html",
         {"analyses": analyses, "studies": studies, "audit": audit_ctx}),
        (stage / "audit.html", "audit.html", {"audit": audit_ctx}),
        (stage / "data.html", "data.html", {"files": data_files}),
    ]
    if sof.rows:
        heads, rows, notes = sof_layout(sof)
        pages.append((stage / "sof.html", "sof.html", {"heads": heads, "rows": rows, "notes": notes}))
    if rob.tables:
        pages.append((stage / "rob.html", "rob.html", rob_context(rob, rep, stage)))
    for a, s in zip(analyses, rep.sections, strict=True):
        base = stage / "analyses" / slug(a["id"])
        base.with_suffix(".csv").write_text(rp.csv_rows(s.answer))
        base.with_suffix(".json").write_text(rp.json_text(s.answer) + "\n")
        a["downloads"] = [f"{slug(a['id'])}.csv", f"{slug(a['id'])}.json"]
        pages.append((base.with_suffix(".html"), "analysis.html", {"a": a}))
    for st in studies:
        pages.append((stage / "studies" / f"{slug(st.study_id)}.html", "study.html", {"s": st}))
    for path, template, ctx in pages:
        depth = len(path.relative_to(stage).parts) - 1
        html = env.get_template(template).render(**common, **ctx, root="../" * depth, page=path.stem)
        path.write_text(html, encoding="utf-8")
    return len(pages)


def _write_data(reg: Registry, stage: Path) -> list[str]:
    """The registry's views as a Frictionless data package (CSV) and as Parquet; the files'
    paths under data/, sorted."""
    from evireg.interop.export import export_views

    package = export_views(reg, stage / "data", "datapackage")
    parquet = export_views(reg, stage / "data" / "parquet", "parquet")
    return sorted(str(p.relative_to(stage)) for p in [*package.files, *parquet.files])


def _swap_in(stage: Path, out: Path) -> None:
    """Put the finished site in place of ``out`` (moved aside first, removed last)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    try:
        os.replace(stage, out)
    except OSError:
        if old is not None:
            os.replace(old, out)  # the previous site stays as it was
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
