"""`evireg import rm5`: Fleiss1993.rm5 imports with its method stated, its 7 printed study rows
and printed total kept as published, and `evireg pool` gives the printed MH odds ratio; a file
with a DTD or entities, or not well-formed, is refused without writing anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from evireg.cli.main import app

RM5 = Path(__file__).parent / "data" / "Fleiss1993.rm5"
URL = "https://cran.r-project.org/package=meta"
OUTCOME = "fleiss1993_a1_1_aspirin_for_preventing_death_after"


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.output


@pytest.fixture(scope="module")
def fleiss(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rm5") / "reg"
    code, _, out = run("import", "rm5", str(RM5), "-r", str(root), "--url", URL)
    assert code == 0, out
    return root


def test_the_analysis_keeps_the_stated_method_rows_and_total(fleiss: Path) -> None:
    review = yaml.safe_load((fleiss / "reviews" / "fleiss1993.yaml").read_text(encoding="utf-8"))
    a = review["analyses"][0]
    assert (a["outcome"], a["measure"], a["method"], a["model"], a["level"]) == (
        OUTCOME,
        "OR",
        "MH",
        "fixed",
        95,
    )
    assert [r["study"] for r in a["rows"]] == [
        "mrc-1-1974",
        "cdp-1976",
        "mrc-2-1979",
        "gasp-1979",
        "paris-1980",
        "amis-1980",
        "isis-2-1988",
    ]
    assert a["rows"][0]["estimate"] == "0.7197141500975687" and a["rows"][-1]["weight"] == "72.87984024392564"
    (claim,) = review["claims"]
    assert (claim["estimate"], claim["ci_low"], claim["ci_high"], claim["z"], claim["k"]) == (
        "0.8968655609130709",
        "0.8405144008917793",
        "0.9569947088336491",
        "3.287633061337987",
        7,
    )
    assert "Chi² = 9.946055983220074" in a["notes"] and "I² = 39.67458045558399" in a["notes"]


def test_pool_gives_the_printed_total_and_rows(fleiss: Path) -> None:
    code, stdout, out = run(
        "pool", "-r", str(fleiss), "--outcome", OUTCOME, "--measure", "OR", "--format", "json"
    )
    assert code == 0, out
    res = json.loads(stdout)
    assert [round(res[k], 3) for k in ("estimate", "ci_low", "ci_high")] == [0.897, 0.841, 0.957]
    assert round(abs(res["z"]), 2) == 3.29 and round(res["heterogeneity"]["q"], 2) == 9.95
    review = yaml.safe_load((fleiss / "reviews" / "fleiss1993.yaml").read_text(encoding="utf-8"))
    printed = {r["study"]: r for r in review["analyses"][0]["rows"]}
    assert len(res["studies"]) == 7
    for s in res["studies"]:
        p = printed[s["study"]]
        assert s["estimate"] == pytest.approx(float(p["estimate"]), rel=1e-9)
        assert s["weight"] == pytest.approx(float(p["weight"]), rel=1e-9)


def test_reimport_changes_nothing(fleiss: Path) -> None:
    before = {p: p.read_bytes() for p in fleiss.rglob("*.yaml")}
    code, _, out = run("import", "rm5", str(RM5), "-r", str(fleiss), "--url", URL)
    assert code == 0 and "nothing changed" in out
    assert {p: p.read_bytes() for p in fleiss.rglob("*.yaml")} == before


def test_a_file_without_doi_is_identified_by_its_hash(tmp_path: Path) -> None:
    import hashlib

    import yaml

    reg = tmp_path / "reg"
    code, _, out = run("import", "rm5", str(RM5), "-r", str(reg))
    assert code == 0, out
    (review,) = (reg / "reviews").glob("*.yaml")
    (source,) = yaml.safe_load(review.read_text())["sources"]
    assert source["sha256"] == hashlib.sha256(RM5.read_bytes()).hexdigest()
    assert "doi" not in source and "url" not in source and "SHA-256" in source["citation"]


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (
            lambda t: t.replace(
                b"<COCHRANE_REVIEW ", b'<!DOCTYPE x [<!ENTITY e "boom">]>\n<COCHRANE_REVIEW ', 1
            ),
            "declares a DTD or entities",
        ),
        (lambda t: t.replace(b"</DICH_OUTCOME>", b"</DICH_OUTCOM>", 1), "not well-formed"),
    ],
)
def test_bad_xml_is_refused(tmp_path: Path, edit, expect: str) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.rm5"
    bad.write_bytes(edit(RM5.read_bytes()))
    code, _, out = run("import", "rm5", str(bad), "-r", str(tmp_path / "reg"), "--url", URL)
    assert code == 1 and expect in out and "Traceback" not in out
    assert not (tmp_path / "reg").exists()
    if "well-formed" in expect:
        assert f"{bad}:" in out  # with the line
