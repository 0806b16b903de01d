"""`evireg import cochrane`: the six real Cochrane analysis-data files import into valid
registries whose pooled study rows reproduce the printed ones; re-import changes nothing; a
changed file updates; bad rows are refused with file and row, leaving the registry byte-identical;
an import that fails midway writes nothing."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from evireg.cli.main import app

from .cochrane_rows import FILES, by_analysis, fit, read_rows

DATA = Path(__file__).parent / "data"
COCHRANE = DATA / "cochrane"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of a registry but its derived index."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".evireg" not in p.relative_to(root).parts
    }


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each of the six files imported once into its own fresh registry."""
    from evireg.interop.cochrane import read_cochrane
    from evireg.interop.imported_write import import_reviews

    out = {}
    for name in FILES:
        root = tmp_path_factory.mktemp("cochrane") / "reg"
        import_reviews(root, [read_cochrane(COCHRANE / name)])
        out[name] = root
    return out


def review_of(root: Path) -> dict:
    (path,) = (root / "reviews").glob("*.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", FILES)
def test_each_file_imports_into_a_valid_registry(imported: dict[str, Path], name: str) -> None:
    import evireg

    report = evireg.open(imported[name]).validate()
    assert report.problems == [] and report.records > 1
    review = review_of(imported[name])
    rows = sum(len(a["rows"]) for a in review["analyses"])
    assert rows == len(COCHRANE.joinpath(name).read_text(encoding="utf-8-sig").splitlines()) - 1


def test_ids_and_printed_strings(imported: dict[str, Path]) -> None:
    root = imported["CD015711_pub2.csv"]
    review = review_of(root)
    assert review["id"] == "cd015711-pub2"
    assert review["citation"]["doi"] == "10.1002/14651858.CD015711.pub2"
    a11 = review["analyses"][0]
    expected = "cd015711_pub2_a1_1_spectacle_independence_for_near_vision"
    assert (a11["number"], a11["outcome"]) == ("1.1", expected)
    assert a11.get("measure") is None  # the file does not state it
    row = a11["rows"][0]
    assert (row["study"], row["label"], row["estimate"], row["weight"]) == (
        "barisic-2008",
        "Barišić 2008",
        "1.058824",
        "0",
    )
    study = yaml.safe_load((root / "studies" / "barisic-2008.yaml").read_text(encoding="utf-8"))
    assert study["citation"]["year"] == 2008
    assert study["sources"][0] == {
        "id": "cd015711-pub2",
        "kind": "secondary",
        "citation": study["sources"][0]["citation"],
        "doi": "10.1002/14651858.CD015711.pub2",
    }
    assert study["arms"][0]["n_randomised"]["value"] is None
    sub = next(a for a in review["analyses"] if a.get("subgroups"))
    assert sub["subgroups"] == ["Near VA", "Intermediate VA", "Distance VA"]
    assert sub["subgroup_variable"] == "cd015711_pub2_a" + sub["number"].replace(".", "_") + "_subgroup"
    profile = yaml.safe_load((root / "evireg.yaml").read_text(encoding="utf-8"))
    char = next(c for c in profile["characteristics"] if c["id"] == sub["subgroup_variable"])
    assert list(char["value_labels"].values()) == ["Near VA", "Intermediate VA", "Distance VA"]
    ozulken = yaml.safe_load((root / "studies" / "ozulken-2021.yaml").read_text(encoding="utf-8"))
    results = [o for o in ozulken["outcomes"] if o.get("subgroup")]
    assert len(results) == 3  # one study in three subgroups of one analysis: one result each
    assert results and results[0]["locator"].startswith(f"Analysis {sub['number']}, subgroup 'Near VA', row ")


def test_risk_of_bias_becomes_study_level_assessments(imported: dict[str, Path]) -> None:
    study = yaml.safe_load(
        (imported["CD000478_pub5.csv"] / "studies" / "hawthorne-1992.yaml").read_text("utf-8")
    )
    assert all("risk_of_bias" not in o for o in study["outcomes"])
    rob = study["risk_of_bias"]
    assert len({a["outcome"] for a in rob}) == len(rob)  # once per outcome, subgroups or not
    first = rob[0]
    assert first["tool"] == "rob2" and first["domains"][0]["domain"] == "randomization"
    assert first["domains"][0]["judgement"] == "low" and "<p>" not in first["domains"][0]["reason"]
    assert first["assessor"].startswith("authors of ") and first["source"] == review_of(
        imported["CD000478_pub5.csv"]
    )["id"]
    assert first["locator"].startswith("Analysis ")
    for a in rob:
        assert {d["judgement"] for d in a["domains"]} <= {"low", "some_concerns", "high"}
        assert "overall" not in a or a["overall_reason"] == "as printed by the review"


def _printed(review: dict, number: str) -> dict[tuple[str, str | None], tuple[float, float, float]]:
    a = next(a for a in review["analyses"] if a["number"] == number)
    return {
        (r["study"], r.get("subgroup")): (float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"]))
        for r in a["rows"]
        if "estimate" in r
    }  # an empty printed row: not estimable


def _fitted(name: str) -> list[tuple[str, str, str]]:
    """(file, analysis, measure) of every 95% analysis whose measure tests/cochrane_rows.py infers
    and whose rows it reproduces in full (the audit explains the others)."""
    out = []
    for number, rows in by_analysis(read_rows(name)).items():
        best = fit(rows)
        if (
            best is not None
            and best[1] == 0.95
            and not best[2]
            and best[0] in ("OR", "RR", "RD", "MD", "SMD")
        ):
            out.append((name, number, best[0]))
    return out


CASES = [c for n in ("CD000478_pub5.csv", "CD015087_pub2.csv", "CD007572_pub4.csv") for c in _fitted(n)]


def test_the_cases_cover_the_conventions() -> None:
    assert ("CD000478_pub5.csv", "7.1", "RD") in CASES  # zero and double-zero cells
    assert ("CD015087_pub2.csv", "4.6", "RR") in CASES  # every participant had the event in both arms
    assert {m for _, _, m in CASES} >= {"RR", "RD", "MD", "SMD"}


@pytest.mark.parametrize(("name", "number", "measure"), CASES)
def test_pool_reproduces_printed_rows(
    imported: dict[str, Path], name: str, number: str, measure: str
) -> None:
    import evireg

    root = imported[name]
    review = review_of(root)
    a = next(a for a in review["analyses"] if a["number"] == number)
    printed = _printed(review, number)
    ans = evireg.open(root).pool(
        a["outcome"], measure=measure, by=a.get("subgroup_variable"), review=review["id"]
    )
    result = ans.result
    groups = list(result.subgroups) if a.get("subgroup_variable") else [(None, result)]  # type: ignore[union-attr]
    got = {(s.label, name): (s.estimate, s.ci_low, s.ci_high) for name, res in groups for s in res.studies}
    assert len(got) >= len(printed) > 0
    labels = {v: k for k, v in _value_labels(root, a).items()}
    for (study, subgroup), want in printed.items():
        key = (study, labels.get(subgroup, subgroup) if subgroup else None)
        assert got.get(key, got.get((study, subgroup))) == pytest.approx(want, abs=0.5e-6 * 1.0001), key


def _value_labels(root: Path, a: dict) -> dict[str, str]:
    if not a.get("subgroup_variable"):
        return {}
    profile = yaml.safe_load((root / "evireg.yaml").read_text(encoding="utf-8"))
    char = next(c for c in profile["characteristics"] if c["id"] == a["subgroup_variable"])
    return dict(char["value_labels"])


def test_cli_imports_all_six_then_reimport_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "reg"
    code, out = run("import", "cochrane", *(str(COCHRANE / f) for f in FILES), "-r", str(root))
    assert code == 0, out
    before = snapshot(root)
    code, out = run("import", "cochrane", *(str(COCHRANE / f) for f in FILES), "-r", str(root))
    assert code == 0 and "nothing changed" in out
    assert snapshot(root) == before


def test_a_changed_file_updates_what_changed(tmp_path: Path) -> None:
    from evireg.interop.cochrane import read_cochrane
    from evireg.interop.imported_write import import_reviews

    src = tmp_path / "CD015711_pub2.csv"
    shutil.copyfile(COCHRANE / "CD015711_pub2.csv", src)
    root = tmp_path / "reg"
    import_reviews(root, [read_cochrane(src)])
    before = snapshot(root)
    text = src.read_text(encoding="utf-8")
    src.write_text(text.replace("1.058824,0.818886,1.369064", "1.058825,0.818886,1.369064"), encoding="utf-8")
    report = import_reviews(root, [read_cochrane(src)])
    after = snapshot(root)
    assert report.written == ["reviews/cd015711-pub2.yaml"]
    assert {k for k in after if after[k] != before.get(k)} == {"reviews/cd015711-pub2.yaml"}
    assert "1.058825" in after["reviews/cd015711-pub2.yaml"].decode()


def test_gzip_bom_crlf_and_entities(tmp_path: Path) -> None:
    text = (
        (COCHRANE / "CD015711_pub2.csv").read_text(encoding="utf-8").replace("Near VA", "Near&nbsp;&amp; VA")
    )
    src = tmp_path / "CD015711_pub2.csv.gz"
    src.write_bytes(gzip.compress(("\ufeff" + text.replace("\r\n", "\n").replace("\n", "\r\n")).encode()))
    code, out = run("import", "cochrane", str(src), "-r", str(tmp_path / "reg"))
    assert code == 0, out
    review = review_of(tmp_path / "reg")
    assert "Near & VA" in next(a for a in review["analyses"] if a.get("subgroups"))["subgroups"]


def test_generic_rows_say_how_their_measure_was_chosen(tmp_path: Path) -> None:
    code, out = run(
        "import", "cochrane", str(DATA / "import" / "CD999999_pub1.csv"), "-r", str(tmp_path / "r")
    )
    assert code == 0, out
    alpha = yaml.safe_load((tmp_path / "r" / "studies" / "alpha-2001.yaml").read_text(encoding="utf-8"))
    hr, pain = alpha["outcomes"]
    assert hr["effect"] == {"measure": "HR", "estimate": -0.2, "se": 0.1, "scale": "log"}
    assert "ratio" in hr["derivation"] and "says HR" in hr["derivation"]
    assert pain["effect"] == {"measure": "MD", "estimate": -1.5, "se": 0.5}
    beta = yaml.safe_load((tmp_path / "r" / "studies" / "beta-2003.yaml").read_text(encoding="utf-8"))
    relapse = beta["outcomes"][1]
    assert relapse["effect"]["measure"] == "RR" and "does not say which" in relapse["derivation"]
    gamma = yaml.safe_load((tmp_path / "r" / "studies" / "gamma-2005.yaml").read_text(encoding="utf-8"))
    assert gamma["outcomes"][0]["effect"] == {"measure": "HR", "o_minus_e": -4.2, "variance": 10.5}
    review = review_of(tmp_path / "r")
    assert all(a.get("measure") is None for a in review["analyses"])


BAD = {
    "missing column": (lambda t: t.replace("Experimental N,", "Experimental n,", 1), "missing column"),
    "text in a count": (lambda t: t.replace(",16,38,", ",sixteen,38,", 1), "not a whole number"),
    "events above N": (lambda t: t.replace(",16,38,", ",40,38,", 1), "exceed"),
    "unknown applicability": (
        lambda t: t.replace("SUBGROUP_AND_OVERALL", "OVERALL_ONLY", 1),
        "Applicability",
    ),
    "duplicated row": (lambda t: t.replace("\n", "\n" + t.splitlines()[1] + "\n", 1), "given twice"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_refused_and_the_registry_unchanged(tmp_path: Path, case: str) -> None:
    from evireg.interop.cochrane import read_cochrane
    from evireg.interop.imported_write import import_reviews

    root = tmp_path / "reg"
    import_reviews(root, [read_cochrane(COCHRANE / "CD003511_pub6.csv")])
    before = snapshot(root)
    edit, expect = BAD[case]
    bad = tmp_path / "CD000478_pub5.csv"
    bad.write_text(edit((COCHRANE / "CD000478_pub5.csv").read_text(encoding="utf-8")), encoding="utf-8")
    code, out = run("import", "cochrane", str(bad), "-r", str(root))
    assert code == 1 and expect in out and "Traceback" not in out
    assert str(bad) in out and ("row " in out or "header" in out)
    assert snapshot(root) == before


def test_an_import_that_fails_midway_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evireg.interop.cochrane import read_cochrane
    from evireg.interop.imported_write import import_reviews
    from evireg.registry import journal

    root = tmp_path / "reg"
    import_reviews(root, [read_cochrane(COCHRANE / "CD003511_pub6.csv")])
    before = snapshot(root)
    real, calls = journal.stage, []

    def failing(target: Path, text: str | bytes) -> Path:
        calls.append(target)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real(target, text)

    monkeypatch.setattr(journal, "stage", failing)
    with pytest.raises(OSError):
        import_reviews(root, [read_cochrane(COCHRANE / "CD000478_pub5.csv")])
    monkeypatch.undo()
    assert len(calls) == 2
    assert snapshot(root) == before
