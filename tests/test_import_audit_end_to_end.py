"""Import the six Cochrane reviews and the RevMan 5 file, then audit them: every printed study row,
weight and total must follow from the registry, with the inferred method of every analysis listed.

The inferred methods are held to what tests/test_revman_weights.py found independently (by fitting
each analysis's printed weights with the statistics library alone)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evireg.cli.main import app

DATA = Path(__file__).parent / "data"
COCHRANE = DATA / "cochrane"
RM5 = DATA / "Fleiss1993.rm5"


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def six(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six CSVs imported into ONE registry with one command."""
    reg = tmp_path_factory.mktemp("six") / "reg"
    code, _, err = run("import", "cochrane", *map(str, sorted(COCHRANE.glob("*.csv"))), "-r", str(reg))
    assert code == 0, err
    return reg


@pytest.fixture(scope="module")
def audited(six: Path) -> list[dict[str, Any]]:
    """`audit --all` of the six, as JSON."""
    code, out, err = run("audit", "--all", "-r", str(six), "--format", "json")
    assert code == 0, err
    return list(json.loads(out))


def test_every_printed_row_of_the_six_reviews_reproduces(audited: list[dict[str, Any]]) -> None:
    assert sorted(r["review"] for r in audited) == [
        "cd000478-pub5",
        "cd001909-pub4",
        "cd003511-pub6",
        "cd007572-pub4",
        "cd015087-pub2",
        "cd015711-pub2",
    ]
    rows = [row for r in audited for a in r["analyses"] for row in a["rows"]]
    assert len(rows) == 422
    assert Counter(row["verdict"] for row in rows) == {"reproduced": 422}
    assert sum(len(r["analyses"]) for r in audited) == 120
    # a printed weight was compared wherever the analysis was pooled
    weighed = [row for row in rows if row["recomputed"]["weight"] is not None]
    assert len(weighed) > 300
    # RevMan left a row empty only where no effect can be estimated, and evireg agrees why
    empty = [row for row in rows if row["published"]["estimate"] is None]
    assert empty and all(row["reason"].startswith("not estimable in both") for row in empty)


def test_the_inferred_method_of_every_analysis_is_listed(audited: list[dict[str, Any]]) -> None:
    by_review = {r["review"]: r["analyses"] for r in audited}
    for analyses in by_review.values():
        for a in analyses:
            assert a["verdict"] == "reproduced"
            inf = a["inferred"]
            assert inf["measure"] and inf["level"] in (90, 95, 99) and inf["label"]
    # what the weights test found: CD000478 and CD001909 are MH fixed throughout; 7.1 of CD000478 is RD
    pooled = [a for a in by_review["cd000478-pub5"] if a["inferred"]["scope"] != "not pooled"]
    assert {a["inferred"]["method"] for a in pooled} <= {"MH"}
    assert (
        next(a for a in by_review["cd000478-pub5"] if a["analysis_id"] == "7.1")["inferred"]["measure"]
        == "RD"
    )
    levels = {a["analysis_id"]: a["inferred"]["level"] for a in by_review["cd001909-pub4"]}
    assert {k for k, v in levels.items() if v == 99} == {f"3.{i}" for i in range(1, 8)}
    # CD003511 1.4 fits only MH random (DerSimonian-Laird)
    a14 = next(a for a in by_review["cd003511-pub6"] if a["analysis_id"] == "1.4")
    assert (a14["inferred"]["method"], a14["inferred"]["model"]) == ("MH", "random")


def test_fleiss_rm5_rows_total_z_and_chi2(tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    code, _, err = run("import", "rm5", str(RM5), "-r", str(reg))
    assert code == 0, err
    code, out, err = run("audit", "-r", str(reg), "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    (a11,) = [a for a in d["analyses"] if a["analysis_id"] == "1.1"]
    assert a11["counts"]["reproduced"] == 7 and a11["verdict"] == "reproduced"
    (claim,) = d["claims"]
    assert claim["verdict"] == "reproduced" and claim["missing_studies"] == []
    rec, pub = claim["recomputed"], claim["published"]
    # the printed total OR 0.897 [0.841, 0.957], its Z and Chi² (stored at full precision)
    assert (round(rec["estimate"], 3), round(rec["ci_low"], 3), round(rec["ci_high"], 3)) == (
        0.897,
        0.841,
        0.957,
    )
    assert all(rec["matches"][k] for k in ("estimate", "ci_low", "ci_high", "z", "p", "chi2", "i2"))
    assert float(pub["chi2"]) == pytest.approx(9.946056, abs=1e-6)


def test_audit_all_on_two_processes_gives_the_serial_answer(
    six: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evireg
    from evireg.review import audit

    serial = [r.to_dict() for r in evireg.open(six).audit_all()]
    monkeypatch.setattr(audit, "PARALLEL_FROM", 2)
    monkeypatch.setenv("EVIREG_WORKERS", "2")
    seen: list[int] = []
    parallel = [r.to_dict() for r in evireg.open(six).audit_all(lambda done, total, _: seen.append(done))]
    assert parallel == serial and seen[-1] == 6 and seen == sorted(seen)
