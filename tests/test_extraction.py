"""Double data extraction: compare two extractors' records, adjudicate, see agreement in SQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import evireg.cli.app
import evireg.cli.commands.extraction  # registers compare and adjudicate
from evireg.extraction import (
    compare_extractions,
    extraction_problems,
    flatten,
    pick_pair,
    study_extractions,
    unflatten,
)
from evireg.index.query import run_query
from evireg.records.study import Study
from evireg.registry.layout import init_registry
from evireg.registry.paths import Registry
from evireg.registry.validate import load_file

from .conftest import FIXTURES, give_profile

EXTRACTIONS = FIXTURES / "extractions"
RESOLUTIONS = EXTRACTIONS / "smith-2001-resolutions.yaml"
CHANGED = {
    "arms[placebo].n_randomised.value": (21, 22),
    "outcomes[live_birth].arms[ivig].events": (12, 13),
    "design.provenance.locator": ("abstract, design", "full text, Methods, para 2"),
}
COMPARED = 78  # non-default fields of the smith-2001 fixture, keyed as in `evireg compare`


@pytest.fixture
def reg_root(tmp_path: Path) -> Path:
    """A fresh registry with alice's and bob's extractions of smith-2001 and no study records."""
    root = tmp_path / "reg"
    give_profile(init_registry(root).root)
    shutil.copytree(EXTRACTIONS / "smith-2001", root / "extractions" / "smith-2001")
    return root


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(evireg.cli.app.app, list(args), env={"EVIREG_REGISTRY": "", "COLUMNS": "200"})
    return r.exit_code, r.stdout, r.stderr


def folder(root: Path) -> Path:
    return root / "extractions" / "smith-2001"


def test_compare_finds_exactly_the_changed_fields(reg_root: Path) -> None:
    a, b = pick_pair(study_extractions(Registry(reg_root), "smith-2001"), None)
    assert (a.extractor, b.extractor) == ("alice", "bob")
    c = compare_extractions(a, b)
    assert {f.path: (f.a, f.b) for f in c.disagreements} == CHANGED  # the arm order is not one
    assert (c.compared, c.agreeing) == (COMPARED, COMPARED - 3)
    assert c.rate == pytest.approx((COMPARED - 3) / COMPARED)
    events = next(f for f in c.fields if f.path == "outcomes[live_birth].arms[ivig].events")
    assert events.provenance_a == events.provenance_b == ("pubmed", "abstract, results")


def test_order_and_spacing_are_not_disagreements(reg_root: Path) -> None:
    a, _ = pick_pair(study_extractions(Registry(reg_root), "smith-2001"), None)
    data = a.study.model_dump(mode="json", by_alias=True)
    data["arms"].reverse()
    data["sources"].reverse()
    data["outcomes"].reverse()
    data["notes"] = data["notes"].replace(" ", "\n  ", 2)
    other = type(a)("zed", None, Study.model_validate(data), a.file)
    c = compare_extractions(a, other)
    assert c.disagreements == [] and c.rate == 1.0


def test_unflatten_inverts_flatten() -> None:
    study = load_file(FIXTURES / "valid" / "smith-2001.yaml")[0]
    assert isinstance(study, Study)
    flat = {p: v.value for p, v in flatten(study).items()}
    assert Study.model_validate(unflatten(flat)).model_dump(exclude={"schema_"}) == study.model_dump(
        exclude={"schema_"}
    )  # $schema says where the file is, not what it holds


def test_compare_cli_formats(reg_root: Path) -> None:
    code, out, err = run("compare", "smith-2001", "-r", str(reg_root))
    assert code == 0 and "alice and bob agree on 75 of 78 fields (96.2%); 3 disagreements" in out
    assert "arms[placebo].n_randomised.value" in out and "✗" in out and "pubmed: abstract, results" in out
    code, out, _ = run("compare", "smith-2001", "-r", str(reg_root), "-f", "json", "--disagreements")
    doc = json.loads(out)
    assert (
        code == 0 and doc["fields_compared"] == COMPARED and doc["agreement_rate"] == pytest.approx(75 / 78)
    )
    assert {f["field_path"]: (f["value_a"], f["value_b"]) for f in doc["fields"]} == {
        k: tuple(v) for k, v in CHANGED.items()
    }
    code, out, err = run("compare", "smith-2001", "-r", str(reg_root), "-f", "csv", "--disagreements")
    assert code == 0 and out.count("\n") == 4 and "A = alice, B = bob" in err


def test_compare_two_files_accepts_a_plain_study(reg_root: Path) -> None:
    code, out, _ = run(
        "compare", str(folder(reg_root) / "bob.yaml"), str(FIXTURES / "valid" / "smith-2001.yaml")
    )
    assert code == 0 and "bob and smith-2001 agree on 75 of 78 fields" in out


def test_views_show_extractions_and_agreement(reg_root: Path) -> None:
    reg = Registry(reg_root)
    res = run_query(reg, "select study_id, extractor, extracted_on from extractions order by extractor")
    assert [(r[0], r[1], str(r[2])) for r in res.rows] == [
        ("smith-2001", "alice", "2026-01-12"),
        ("smith-2001", "bob", "2026-01-14"),
    ]
    res = run_query(reg, "select * from extraction_agreement")
    assert res.columns == [
        "study_id", "extractor_a", "extractor_b", "fields_compared", "fields_agreeing", "agreement_rate",
        "disagreements",
    ]  # fmt: skip
    ((study, ea, eb, compared, agreeing, rate, disagreements),) = res.rows
    assert (study, ea, eb, compared, agreeing) == ("smith-2001", "alice", "bob", COMPARED, COMPARED - 3)
    assert rate == pytest.approx(compare_extractions(*pick_pair(study_extractions(reg, study), None)).rate)
    assert sorted(disagreements) == sorted(CHANGED)
    res = run_query(
        reg,
        "select extractor, value, source_id, locator from extraction_fields "
        "where field_path = 'outcomes[live_birth].arms[ivig].events' order by extractor",
    )
    assert res.rows == [
        ("alice", "12", "pubmed", "abstract, results"),
        ("bob", "13", "pubmed", "abstract, results"),
    ]


def test_adjudicate_writes_record_and_log_and_keeps_originals(reg_root: Path) -> None:
    before = {p.name: p.read_bytes() for p in folder(reg_root).iterdir()}
    code, _, err = run("adjudicate", "smith-2001", "--resolutions", str(RESOLUTIONS), "-r", str(reg_root))
    assert code == 0, err
    assert "wrote" in err and "logged 3 decision(s)" in err
    assert {p.name: p.read_bytes() for p in folder(reg_root).iterdir() if p.name in before} == before

    study, problems = load_file(reg_root / "studies" / "smith-2001.yaml")
    assert not problems and isinstance(study, Study)
    assert study.design.provenance.locator == "full text, Methods, para 2"  # bob's
    assert {a.id: a.n_randomised.value for a in study.arms} == {"ivig": 20, "placebo": 21}  # alice's
    assert study.outcomes[0].arms[0].events == 12  # a given value
    assert [a.id for a in study.arms] == ["ivig", "placebo"]  # alice's order

    log = yaml.safe_load((folder(reg_root) / "adjudication.yaml").read_text())
    assert log["adjudicator"] == "carol" and log["fields_compared"] == COMPARED
    assert [(d["field_path"], d["choice"], d["value"]) for d in log["decisions"]] == [
        ("design.provenance.locator", "b", "full text, Methods, para 2"),
        ("arms[placebo].n_randomised.value", "a", 21),
        ("outcomes[live_birth].arms[ivig].events", "value", 12),
    ]
    assert all(d["reason"] for d in log["decisions"])
    assert log["extractor_b"]["extractor"] == "bob" and len(log["extractor_b"]["sha256"]) == 64

    reg = Registry(reg_root)
    assert extraction_problems(reg) == []  # the log is valid and is not taken for an extraction
    res = run_query(reg, "select field_path, chosen_extractor, adjudicator from adjudications order by 1")
    assert res.rows[0] == ("arms[placebo].n_randomised.value", "alice", "carol")
    res = run_query(reg, "select count(*) from extractions")
    assert res.rows == [(2,)]
    res = run_query(
        reg, "select events from outcome_results where arm_id = 'ivig' and subgroup_value is null"
    )
    assert res.rows == [(12,)]


def _resolutions(tmp_path: Path, drop: str | None = None, **values: object) -> Path:
    doc = yaml.safe_load(RESOLUTIONS.read_text())
    if drop:
        del doc["resolutions"][drop]
    for path, value in values.items():
        doc["resolutions"][path.replace("__", ".")] = {"choose": "value", "value": value, "reason": "test"}
    out = tmp_path / "res.yaml"
    out.write_text(yaml.safe_dump(doc))
    return out


def _nothing_written(root: Path) -> bool:
    return (
        not (root / "studies" / "smith-2001.yaml").exists()
        and not (folder(root) / "adjudication.yaml").exists()
    )


def test_adjudicate_refuses_a_missing_resolution(reg_root: Path, tmp_path: Path) -> None:
    res = _resolutions(tmp_path, drop="arms[placebo].n_randomised.value")
    code, _, err = run("adjudicate", "smith-2001", "--resolutions", str(res), "-r", str(reg_root))
    assert code == 1 and "Traceback" not in err
    assert "arms[placebo].n_randomised.value: no resolution: alice has 21, bob has 22" in err
    assert "1 problem(s) with the resolutions" in err
    assert _nothing_written(reg_root)

    code, _, err = run("adjudicate", "smith-2001", "-r", str(reg_root))  # no file: all three listed
    assert code == 1 and err.count("no resolution") == 3 and _nothing_written(reg_root)


def test_adjudicate_refuses_a_resolution_of_an_agreeing_field(reg_root: Path, tmp_path: Path) -> None:
    res = _resolutions(tmp_path, **{"arms[ivig]__n_randomised__value": 20})
    code, _, err = run("adjudicate", "smith-2001", "--resolutions", str(res), "-r", str(reg_root))
    assert code == 1 and "arms[ivig].n_randomised.value: not a disagreement" in err
    assert "did you mean 'arms[placebo].n_randomised.value'" in err and _nothing_written(reg_root)


def test_adjudicate_refuses_an_invalid_chosen_value(reg_root: Path, tmp_path: Path) -> None:
    res = _resolutions(tmp_path, **{"outcomes[live_birth]__arms[ivig]__events": 25})
    code, _, err = run("adjudicate", "smith-2001", "--resolutions", str(res), "-r", str(reg_root))
    assert code == 1 and "Traceback" not in err
    assert "outcomes[live_birth].arms[ivig]: events (25) exceed total (18)" in err
    assert "would not be a valid study" in err and _nothing_written(reg_root)


def test_adjudicate_interactively(reg_root: Path) -> None:
    r = CliRunner().invoke(
        evireg.cli.app.app,
        ["adjudicate", "smith-2001", "-i", "--adjudicator", "dan", "-r", str(reg_root)],
        input="b\nfull text\na\nabstract\nvalue\n12\nrechecked\n",
        env={"EVIREG_REGISTRY": ""},
    )
    assert r.exit_code == 0, r.stderr
    log = yaml.safe_load((folder(reg_root) / "adjudication.yaml").read_text())
    assert log["adjudicator"] == "dan" and [d["choice"] for d in log["decisions"]] == ["b", "a", "value"]


def test_an_invalid_extraction_is_reported_and_skipped(reg_root: Path) -> None:
    bad = (folder(reg_root) / "alice.yaml").read_text()
    bad = bad.replace("extractor: alice", "extractor: carol").replace(
        "events: 12, total: 18", "events: 25, total: 18"
    )
    (folder(reg_root) / "carol.yaml").write_text(bad)
    (folder(reg_root) / "dave.yaml").write_text("extractor: dave\nstudy: [unclosed\n")
    reg = Registry(reg_root)

    problems = extraction_problems(reg)
    where = {(Path(p.file).name, p.path) for p in problems}
    assert ("carol.yaml", "study.outcomes.0.arms.0") in where and ("dave.yaml", "") in where
    carol = next(p for p in problems if p.file.endswith("carol.yaml"))
    line = 1 + bad.splitlines().index("        - {arm: ivig, events: 25, total: 18}")
    assert "exceed total" in carol.message and carol.line == line

    res = run_query(reg, "select extractor_a, extractor_b, fields_compared from extraction_agreement")
    assert res.rows == [("alice", "bob", COMPARED)]  # the invalid ones are left out, the query works
    code, out, _ = run("query", "select count(*) as n from extractions", "-f", "csv", "-r", str(reg_root))
    assert code == 0 and out == "n\n2\n"

    code, _, err = run("compare", "smith-2001", "-r", str(reg_root))  # refuses, naming the problems
    assert code == 1 and "carol.yaml" in err and "fix them first" in err and "Traceback" not in err


def test_file_names_must_match_extractor_and_study(reg_root: Path) -> None:
    text = (folder(reg_root) / "alice.yaml").read_text()
    (folder(reg_root) / "erin.yaml").write_text(text)  # says extractor: alice
    other = reg_root / "extractions" / "jones-2003"
    other.mkdir()
    (other / "alice.yaml").write_text(text)  # holds study smith-2001
    messages = {
        (Path(p.file).parent.name, Path(p.file).name, p.path): p.message
        for p in extraction_problems(Registry(reg_root))
    }
    assert "differs from the file name 'erin'" in messages[("smith-2001", "erin.yaml", "extractor")]
    assert "differs from its folder 'jones-2003'" in messages[("jones-2003", "alice.yaml", "study.id")]
