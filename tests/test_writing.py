"""Writing into a registry the way a team expects (issue 13): the bundled registry is read-only,
`add` takes any file name and keeps the user's bytes, adjudication keeps comments, `init`
writes a commented profile and record templates, and an example registry pools end to end."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evireg.errors import UserError
from evireg.index.add import add_files
from evireg.registry import paths
from evireg.registry.layout import init_registry
from evireg.registry.paths import BUNDLED_READ_ONLY, Registry, resolve
from evireg.registry.validate import load_file

from .conftest import FIXTURES, REGISTRY, give_profile

SMITH = FIXTURES / "valid" / "smith-2001.yaml"


def _tree(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file under root with the hash of its bytes (and every folder, as itself)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if any(rel == s or rel.startswith(s + "/") for s in skip):
            continue
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def _odd_study(tmp_path: Path, name: str = "my trial (draft).yaml") -> Path:
    """smith-2001 with comments, odd indentation and blank lines, under a name not its id."""
    text = SMITH.read_text()
    text = "# extraction notes: double-checked against the PDF, 3 May\n\n" + text
    text = text.replace("citation:\n", "citation:     # as printed on the first page\n", 1)
    text = text.replace("\nsources:", "\n\n\n# the sources we read\nsources:", 1)
    out = tmp_path / name
    out.write_text(text)
    return out


# --- 1. the bundled registry is read-only -------------------------------------------------------


def test_resolve_without_a_registry_is_the_bundled_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVIREG_REGISTRY", raising=False)
    assert resolve(None).bundled
    assert not resolve(REGISTRY).bundled  # named explicitly: the maintainers' curation copy
    monkeypatch.setenv("EVIREG_REGISTRY", str(REGISTRY))
    assert not resolve(None).bundled


def test_add_refuses_the_bundled_registry_and_changes_no_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "site-packages" / "registry"
    shutil.copytree(REGISTRY, bundled, ignore=shutil.ignore_patterns(".evireg"))
    monkeypatch.setattr(paths, "bundled_root", lambda: bundled)
    monkeypatch.delenv("EVIREG_REGISTRY", raising=False)
    before = _tree(bundled)
    reg = resolve(None)
    assert reg.writable  # the folder is writable: the refusal must not depend on permissions
    with pytest.raises(UserError) as e:
        add_files(reg, [_odd_study(tmp_path)])
    assert e.value.message == BUNDLED_READ_ONLY
    assert "evireg init PATH" in e.value.message and "--registry PATH" in e.value.message
    assert _tree(bundled) == before  # not even a lock file or an index


def test_add_without_a_registry_exits_1_with_the_init_hint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "EVIREG_REGISTRY"}
    before = _tree(REGISTRY, skip=(".evireg",))  # other tests may build the read index meanwhile
    r = subprocess.run(
        [sys.executable, "-m", "evireg", "add", str(_odd_study(tmp_path))],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert r.returncode == 1, r.stderr
    assert "the bundled registry is read-only" in r.stderr and "evireg init" in r.stderr
    assert "Traceback" not in r.stderr
    assert _tree(REGISTRY, skip=(".evireg",)) == before


def test_adjudication_refuses_the_bundled_registry(tmp_path: Path) -> None:
    from evireg.extraction.adjudicate import save_adjudication

    reg = Registry(tmp_path, bundled=True)
    with pytest.raises(UserError, match="bundled registry is read-only"):
        save_adjudication(reg, None, None)  # type: ignore[arg-type]  # refused before either is read
    assert list(tmp_path.iterdir()) == []


# --- 2 and 3. any file name; the user's bytes kept --------------------------------------------------


def test_add_files_any_name_under_its_id_byte_for_byte(tmp_path: Path) -> None:
    reg = init_registry(tmp_path / "reg")
    give_profile(reg.root)
    src = _odd_study(tmp_path)
    report = add_files(reg, [src])
    assert [(a.id, a.path.name) for a in report.added] == [("smith-2001", "smith-2001.yaml")]
    stored = reg.studies_dir / "smith-2001.yaml"
    assert stored.read_bytes() == src.read_bytes()
    rec, problems = load_file(stored)
    assert problems == [] and rec is not None

    edited = _odd_study(tmp_path, "smith v2.yml")
    edited.write_text(edited.read_text().replace("# the sources we read", "# the sources we read, again"))
    report = add_files(reg, [edited], replace=True)
    assert report.added[0].replaced
    assert stored.read_bytes() == edited.read_bytes()
    assert sorted(p.name for p in reg.studies_dir.iterdir() if not p.name.startswith(".")) == [
        "smith-2001.yaml"
    ]


def test_replacing_with_another_suffix_removes_the_old_file(tmp_path: Path) -> None:
    reg = init_registry(tmp_path / "reg")
    give_profile(reg.root)
    add_files(reg, [SMITH])
    lee = FIXTURES / "valid" / "lee-2010.json"
    add_files(reg, [lee])
    assert (reg.studies_dir / "lee-2010.json").read_bytes() == lee.read_bytes()
    yaml_lee = tmp_path / "lee as yaml.yaml"
    as_yaml = yaml.safe_dump(json.loads(lee.read_text()), sort_keys=False)
    yaml_lee.write_text("# converted by hand\n" + as_yaml)
    add_files(reg, [yaml_lee], replace=True)
    names = sorted(p.name for p in reg.studies_dir.iterdir() if not p.name.startswith("."))
    assert names == ["lee-2010.yaml", "smith-2001.yaml"]
    assert (reg.studies_dir / "lee-2010.yaml").read_bytes() == yaml_lee.read_bytes()


def test_a_file_inside_a_registry_keeps_the_id_rule(tmp_path: Path) -> None:
    reg = init_registry(tmp_path / "reg")
    give_profile(reg.root)
    add_files(reg, [SMITH])
    (reg.studies_dir / "smith-2001.yaml").rename(reg.studies_dir / "smith.yaml")
    from evireg.registry.loading import validate_paths

    report = validate_paths([reg.root])
    assert any("differs from the file name 'smith'" in p.message for p in report.problems)


def test_a_cli_add_from_any_name(tmp_path: Path) -> None:
    reg = init_registry(tmp_path / "reg")
    give_profile(reg.root)
    src = _odd_study(tmp_path, "trial.yaml")
    r = subprocess.run(
        [sys.executable, "-m", "evireg", "add", str(src), "-r", str(reg.root)],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr
    assert (reg.studies_dir / "smith-2001.yaml").read_bytes() == src.read_bytes()


# --- 4. adjudication keeps comments -------------------------------------------------------------


def test_adjudication_edits_a_commented_record_in_place(tmp_path: Path) -> None:
    import difflib

    from typer.testing import CliRunner

    import evireg.cli.app
    import evireg.cli.commands.extraction  # registers adjudicate

    root = tmp_path / "reg"
    reg = init_registry(root)
    give_profile(reg.root)
    shutil.copytree(FIXTURES / "extractions" / "smith-2001", root / "extractions" / "smith-2001")
    src = _odd_study(tmp_path)
    add_files(reg, [src])
    before = (reg.studies_dir / "smith-2001.yaml").read_text()
    resolutions = FIXTURES / "extractions" / "smith-2001-resolutions.yaml"
    r = CliRunner().invoke(
        evireg.cli.app.app,
        ["adjudicate", "smith-2001", "--resolutions", str(resolutions), "-r", str(root)],
        env={"EVIREG_REGISTRY": "", "COLUMNS": "200"},
    )
    assert r.exit_code == 0, r.stderr
    assert "replaced" in r.stderr
    after = (reg.studies_dir / "smith-2001.yaml").read_text()
    assert [line for line in before.splitlines() if "#" in line] == [
        line for line in after.splitlines() if "#" in line
    ]  # every comment survives, in place
    changed = [d for d in difflib.ndiff(before.splitlines(), after.splitlines()) if d[:1] in "+-"]
    assert changed == [  # only the one value that differs from the file changed
        '-   provenance: {source: pubmed, locator: "abstract, design"}',
        '+   provenance: {source: pubmed, locator: "full text, Methods, para 2"}',
    ]
    rec, problems = load_file(reg.studies_dir / "smith-2001.yaml")
    assert problems == [] and rec is not None
    assert rec.design.provenance.locator == "full text, Methods, para 2"
    assert rec.outcomes[0].arms[0].events == 12


def test_yamledit_keeps_comments_order_and_quotes() -> None:
    from evireg.registry.yamledit import edited, has_comments

    text = "# top\nb: '16'   # quoted\na:\n  - x: 1\n    y: [1, 2]  # flow\n  - x: 2\nwhen: 2020-01-02\n"
    assert has_comments(text) and not has_comments("a: 1\n")
    out = edited(text, {"b": "16", "a": [{"x": 1, "y": [1, 3]}, {"x": 2}], "when": "2020-01-02"})
    assert out == text.replace("[1, 2]", "[1, 3]")


# --- 5. init writes a commented profile and record templates -----------------------------------


PROFILE_KEYS = {"title", "outcomes", "characteristics", "arms", "defaults"}


def test_init_writes_a_commented_profile_and_templates(tmp_path: Path) -> None:
    reg = init_registry(tmp_path / "mine")
    profile = (reg.root / "evireg.yaml").read_text()
    data = yaml.safe_load(profile)
    assert set(data) == PROFILE_KEYS
    (outcome,) = data["outcomes"]
    assert outcome["data_type"] == "dichotomous" and outcome["direction"] in {
        "higher_is_better", "higher_is_worse"
    }
    (char,) = data["characteristics"]
    assert char["type"] == "category" and set(char["subgroups"]) <= set(char["values"])
    assert set(data["arms"]) == {"intervention", "control"}
    assert data["defaults"] == {"measure": "OR", "method": "MH", "model": "fixed", "level": 95}
    for line in profile.splitlines():  # every field explained
        if ":" in line and not line.lstrip().startswith("#"):
            assert "#" in line, line
    for name in ("study", "review"):
        text = (reg.root / "templates" / f"{name}.yaml").read_text()
        assert text.startswith("# A ") and isinstance(yaml.safe_load(text), dict)
    assert not list(reg.studies_dir.glob("*.yaml")) and not list(reg.reviews_dir.glob("*.yaml"))
    from evireg.registry.loading import validate_paths

    assert validate_paths([reg.root]).problems == []  # templates are not read as records


def test_the_review_template_validates() -> None:
    from evireg.registry.layout import skeleton_text
    from evireg.registry.validate import validate_data

    data = yaml.safe_load(skeleton_text("review.yaml"))
    _, problems = validate_data(data, "review.yaml", kind="review")
    assert problems == [] or all("outcome" in p.path for p in problems), problems


def test_the_study_template_validates() -> None:
    from evireg.registry.layout import skeleton_text
    from evireg.registry.validate import validate_data

    _, problems = validate_data(yaml.safe_load(skeleton_text("study.yaml")), "study.yaml", kind="study")
    assert problems == []


# --- 6. the example registry ---------------------------------------------------------------------

RM5 = Path("/work/shared/cochrane/Fleiss1993.rm5")


def test_the_example_registry_is_written(tmp_path: Path) -> None:
    from evireg.registry.layout import init_example

    reg = init_example(tmp_path / "fleiss")
    assert len(list(reg.studies_dir.glob("*.yaml"))) == 7
    assert (reg.reviews_dir / "fleiss-1993.yaml").is_file()
    profile = yaml.safe_load((reg.root / "evireg.yaml").read_text())
    assert [(o["id"], o["direction"], o["measure"]) for o in profile["outcomes"]] == [
        ("mortality", "higher_is_worse", "OR")
    ]
    for p in reg.studies_dir.glob("*.yaml"):  # every count carries its source
        (result,) = yaml.safe_load(p.read_text())["outcomes"]
        assert result["source"] == "rm5" and "DICH_DATA STUDY_ID=" in result["locator"]


@pytest.mark.skipif(not RM5.is_file(), reason="the RevMan 5 file is not on this machine")
def test_the_example_counts_are_the_rm5_files(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from evireg.registry.layout import init_example

    reg = init_example(tmp_path / "fleiss")
    rows = {}
    for d in ET.parse(RM5).getroot().iter("DICH_DATA"):
        counts = tuple(int(d.get(k) or 0) for k in ("EVENTS_1", "TOTAL_1", "EVENTS_2", "TOTAL_2"))
        rows.setdefault(d.get("STUDY_ID"), counts)  # the first analysis: mortality
    for p in reg.studies_dir.glob("*.yaml"):
        (result,) = yaml.safe_load(p.read_text())["outcomes"]
        study = result["locator"].rsplit("=", 1)[1]
        a, c = result["arms"]
        assert (a["events"], a["total"], c["events"], c["total"]) == rows[study]


def test_the_example_pools_to_the_rm5_files_printed_total(tmp_path: Path) -> None:
    import evireg
    from evireg.registry.layout import init_example
    from evireg.registry.loading import validate_paths

    reg = init_example(tmp_path / "fleiss")
    assert validate_paths([reg.root]).problems == []
    ans = evireg.open(reg.root).pool(outcome="mortality", measure="OR", method="MH", model="fixed")
    # Fleiss1993.rm5: EFFECT_SIZE 0.8968655609130709, CI_START 0.8405144008917793, CI_END 0.9569947088336491
    est = ans.overall
    assert (f"{est.estimate:.2f}", f"{est.ci_low:.2f}", f"{est.ci_high:.2f}") == ("0.90", "0.84", "0.96")
    assert abs(est.estimate - 0.8968655609130709) < 1e-9
