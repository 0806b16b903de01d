"""Guided entry (`evireg add` without a file), driven by scripted answers."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from evireg.cli.app import app
from evireg.cli.guided import propose_id, run_guided
from evireg.errors import UserError
from evireg.index.add import Added
from evireg.index.query import run_query
from evireg.records.study import Study
from evireg.registry.layout import init_registry
from evireg.registry.paths import Registry
from evireg.registry.validate import load_file

from .conftest import REGISTRY

INTERRUPT = "\x03"  # a scripted Ctrl-C: reading it raises KeyboardInterrupt


class Script(io.StringIO):
    """One answer per readline, as rich reads a stream; an empty string at the end, like EOF."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__()
        self.answers = list(answers)

    def readline(self, size: int | None = -1, /) -> str:
        if not self.answers:
            return ""
        answer = self.answers.pop(0)
        if answer == INTERRUPT:
            raise KeyboardInterrupt
        return answer + "\n"


def answers(
    *,
    pmid: tuple[str, ...] = ("11111111",),
    first_arm: tuple[str, ...] = ("ivig",),
    study_id: tuple[str, ...] = ("",),  # Enter: the proposed smith-2001
    ivig_live_birth: tuple[str, ...] = ("", "12", "18"),  # arm (Enter: ivig), events, total
    control_arm: str = "placebo",
    confirm: tuple[str, ...] = ("y",),
    population: tuple[str, ...] = (
        "Women with three or more miscarriages.",
        "",  # source: the only one
        "abstract, methods",
        "secondary",  # the profile's characteristics: type of recurrent miscarriage,
        "3",  # minimum number of prior losses,
        "",  # severity of implantation failure: not reported,
        "",  # read where the population was: yes
    ),
    outcomes: tuple[str, ...] | None = None,
    not_reported: tuple[str, ...] = (
        "y",
        "adverse_reaction",
        "",  # subgroup by: none
        "Abstract does not report adverse reactions.",
        "n",
    ),
) -> list[str]:
    """A complete study: two arms, one source, live birth and miscarriage, adverse reactions not
    reported (in the bundled registry's profile unless other answers are given). "" is Enter
    (take the default or skip). Wrong answers go before the right one."""
    citation = [
        "Smith AB, Jones CD",
        "2001",
        "A randomised trial of IVIG",
        "Hum Reprod",
        "16",
        "3",
        "100-105",
    ]
    citation += [*pmid, "10.1093/humrep/16.3.100", "NCT00000000"]
    sources = [
        "abstract",  # kind
        "pubmed",  # id
        "PubMed abstract of Smith 2001",
        "",  # PMID: the citation's
        "",  # DOI: the citation's
        "https://pubmed.ncbi.nlm.nih.gov/11111111/",
        "2026-01-15",  # accessed
        "n",  # another source?
    ]
    design = ["rct", "yes", "double_blind", "placebo", "yes", "Randomised, double-blind, placebo-controlled."]
    design += ["", "abstract, design", "", "Denmark"]  # source, locator, review discrepancy, country
    regimens = ["IVIG every 3 weeks", "Nordimmun", "0.5 g/kg", "every 3 weeks", "preconception"]
    regimens += ["", "abstract, methods"]
    regimens += ["Albumin 5% on the same schedule", "", "", "", "", "", "abstract, methods"]
    arms = [*first_arm, "IVIG", "20", "", "abstract, results", "", "", "no analysed numbers in the abstract"]
    arms += [control_arm, "Albumin placebo", "21", "", "abstract, results", ""]
    arms += ["", "no analysed numbers in the abstract", "n"]  # analysed not reported: reason; another arm?
    if outcomes is None:  # outcome, subgroup by (Enter: none), definition, denominator, source, locator
        results = ["y", "live_birth", "", "birth of a live child", "pregnant women", "", "abstract, results"]
        results += [*ivig_live_birth, "", "8", "19", ""]  # then placebo (Enter), events, total; derivation
        results += ["y", "miscarriage", "", "", "", "", "abstract, results"]
        results += ["", "6", "18", "", "11", "19", ""]
        outcomes = (*results, "n")
    notes = ["synthetic test study"]
    return [
        *citation,
        *sources,
        *study_id,
        *design,
        *population,
        *regimens,
        *arms,
        *outcomes,
        *not_reported,
        *notes,
        *confirm,
    ]


def run(root: Path, script: list[str], *, replace: bool = False) -> tuple[list[Added], str]:
    out = io.StringIO()
    stream = Script(script)
    added = run_guided(Registry(root), replace=replace, console=Console(file=out, width=120), stream=stream)
    assert stream.answers == [], "the script has answers the session never asked for"
    return added, out.getvalue()


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A new registry with the bundled registry's profile (its outcomes and characteristics)."""
    return init_registry(tmp_path / "reg", profile=(REGISTRY / "evireg.yaml").read_text()).root


def load_study(path: Path) -> Study:
    rec, problems = load_file(path)
    assert problems == []
    assert isinstance(rec, Study)
    return rec


def test_complete_study_is_written_and_indexed(root: Path) -> None:
    added, transcript = run(root, answers())
    path = root / "studies" / "smith-2001.yaml"
    assert added == [Added("smith-2001", "study", path, False)]
    study = load_study(path)
    assert study.citation.authors == ["Smith AB", "Jones CD"] and study.citation.pmid == "11111111"
    assert study.sources[0].pmid == "11111111" and str(study.sources[0].accessed) == "2026-01-15"
    assert [(a.id, a.role, a.n_randomised.value) for a in study.arms] == [
        ("ivig", "intervention", 20),
        ("placebo", "control", 21),
    ]
    analysed = study.arms[1].n_analysed
    assert analysed.value is None and analysed.reason == "no analysed numbers in the abstract"
    results = {o.outcome: [(r.arm, r.events, r.total) for r in o.arms] for o in study.outcomes}
    assert results == {
        "live_birth": [("ivig", 12, 18), ("placebo", 8, 19)],
        "miscarriage": [("ivig", 6, 18), ("placebo", 11, 19)],
    }
    assert all((o.source, o.locator) == ("pubmed", "abstract, results") for o in study.outcomes)
    assert [n.outcome for n in study.not_reported] == ["adverse_reaction"]
    assert study.country == "Denmark" and study.notes == "synthetic test study"
    chars = {k: (v.value, v.source, v.locator) for k, v in study.characteristics.items()}
    assert chars == {
        "rmc_type": ("secondary", "pubmed", "abstract, methods"),
        "min_prior_losses": (3, "pubmed", "abstract, methods"),
    }
    assert "Write this study?" in transcript and "ivig 12/18, placebo 8/19" in transcript
    assert "secondary (pubmed: abstract, methods)" in transcript  # the summary's characteristics
    result = run_query(Registry(root), "select study_id from studies")
    assert result.rows == [("smith-2001",)]


def test_wrong_answers_are_asked_again(root: Path) -> None:
    script = answers(
        pmid=("PMID12", "11111111"),
        first_arm=("IVIG arm", "ivig"),
        ivig_live_birth=("ivgi", "ivig", "19", "18", "12", "18"),  # an unknown arm, then events > total
    )
    _, transcript = run(root, script)
    assert "a PMID is 1 to 9 digits" in transcript
    assert "use lowercase letters, digits and single hyphens" in transcript
    assert "unknown arm 'ivgi'; the arms are ivig, placebo" in transcript
    assert "events (19) exceed total (18)" in transcript
    study = load_study(root / "studies" / "smith-2001.yaml")
    assert study.citation.pmid == "11111111"
    assert [(r.events, r.total) for r in study.outcomes[0].arms] == [(12, 18), (8, 19)]


def test_no_at_confirmation_writes_nothing(root: Path) -> None:
    before = snapshot(root)
    added, transcript = run(root, answers(confirm=("n", "")))  # then Enter: discard
    assert added == []
    assert "nothing was written" in transcript
    assert snapshot(root) == before


@pytest.mark.parametrize("where", ["Albumin placebo", "y"])  # mid-way (an arm), and at the confirmation
def test_interrupt_leaves_registry_byte_identical(root: Path, where: str) -> None:
    run_query(Registry(root), "select study_id from studies")  # an index exists too
    before = snapshot(root)
    script = answers()
    cut = len(script) - 1 if where == "y" else script.index(where)
    with pytest.raises(KeyboardInterrupt):
        run(root, [*script[:cut], INTERRUPT])
    assert snapshot(root) == before


def test_end_of_input_is_a_user_error(root: Path) -> None:
    before = snapshot(root)
    with pytest.raises(UserError, match="input ended"):
        run(root, answers()[:20])
    assert snapshot(root) == before


def test_a_section_can_be_entered_again_before_writing(root: Path) -> None:
    script = answers(confirm=("n", "arms"))
    start = script.index("IVIG") - 1
    arms = script[start : script.index("live_birth") - 1]
    arms[arms.index("placebo")] = "albumin"
    outcomes = script[script.index("live_birth") - 1 : script.index("adverse_reaction") - 1]
    # the outcomes still name arm 'placebo': validation flags them and offers that section (Enter)
    _, transcript = run(root, [*script, *arms, "", *outcomes, "y"])
    assert "unknown arm 'placebo'" in transcript
    study = load_study(root / "studies" / "smith-2001.yaml")
    assert [a.id for a in study.arms] == ["ivig", "albumin"]
    assert [r.arm for r in study.outcomes[1].arms] == ["ivig", "albumin"]


def test_an_id_already_in_the_registry_is_asked_again(root: Path) -> None:
    run(root, answers())
    added, transcript = run(root, answers(study_id=("smith-2001", "smith-2001b")))
    assert "'smith-2001' is already in the registry" in transcript
    assert [a.id for a in added] == ["smith-2001b"]
    assert {p.name for p in (root / "studies").glob("*.yaml")} == {"smith-2001.yaml", "smith-2001b.yaml"}


def test_replace_overwrites_the_same_id(root: Path) -> None:
    run(root, answers())
    added, _ = run(root, answers(), replace=True)
    assert [(a.id, a.replaced) for a in added] == [("smith-2001", True)]


def test_cli_interactive_reads_stdin(root: Path) -> None:
    stdin = "\n".join(answers()) + "\n"
    r = CliRunner().invoke(
        app, ["add", "--interactive", "-r", str(root)], input=stdin, env={"COLUMNS": "120"}
    )
    assert r.exit_code == 0, r.output
    assert "Write this study?" in r.stderr
    assert f"added study smith-2001 -> {root / 'studies' / 'smith-2001.yaml'}" in r.stderr
    load_study(root / "studies" / "smith-2001.yaml")


def test_cli_input_ending_early_exits_1(root: Path) -> None:
    r = CliRunner().invoke(app, ["add", "-i", "-r", str(root)], input="Smith AB\n2001\n")
    assert r.exit_code == 1
    assert "input ended before the study was complete" in r.stderr
    assert not list((root / "studies").glob("*.yaml"))


@pytest.mark.parametrize(
    ("first_author", "year", "expected"),
    [
        ("Smith AB", 2001, "smith-2001"),
        ("García-López J", 2010, "garcia-lopez-2010"),
        ("van der Berg A.B.", 1999, "van-der-berg-1999"),
        ("Li", 2020, "li-2020"),
    ],
)
def test_proposed_id(first_author: str, year: int, expected: str) -> None:
    assert propose_id({"authors": [first_author], "year": year}) == expected


def test_an_opened_registry_is_taken_too(root: Path) -> None:
    """The CLI passes the registry it opened through the public API."""
    import evireg.api

    stream = Script(answers())
    out = io.StringIO()
    added = run_guided(evireg.api.open(root), console=Console(file=out, width=120), stream=stream)
    assert [a.id for a in added] == ["smith-2001"] and stream.answers == []


def test_a_registry_with_problems_is_refused_before_any_question(root: Path) -> None:
    (root / "studies" / "broken.yaml").write_text("id: broken\n")
    stream = Script(answers())
    with pytest.raises(UserError, match="fix the registry's own problems"):
        run_guided(Registry(root), console=Console(file=io.StringIO()), stream=stream)
    assert len(stream.answers) == len(answers())


# A second registry about something else: the questions follow its profile (as in test_profile.py).
MORTALITY_PROFILE = """\
title: Synthetic mortality registry (test data)
outcomes:
  - id: mortality
    label: Mortality
    data_type: dichotomous
    direction: higher_is_worse
  - id: readmission
    label: Readmission within 30 days
    data_type: dichotomous
    direction: higher_is_worse
characteristics:
  - id: setting
    label: Care setting
    type: category
    values: [hospital, community]
  - id: mean_age
    label: Mean age in years
    type: number
    minimum: 18
arms:
  intervention: Treatment
  control: Usual care
"""


def test_the_questions_follow_the_registrys_profile(tmp_path: Path) -> None:
    root = init_registry(tmp_path / "mortality", profile=MORTALITY_PROFILE).root
    population = (
        "Adults admitted with pneumonia.", "", "abstract, methods",
        "clinic", "hospitl", "hospital",  # care setting: not a value, a typo, then one of its values
        "12", "64.5",  # mean age: below the minimum, then a number
        "n", "", "methods, Table 1", "", "abstract, methods",  # each read elsewhere: source, locator
    )
    outcomes = (
        "y", "live_birth", "mortality", "", "", "", "", "abstract, results",
        "", "12", "18", "", "8", "19", "",  # treatment then control arm: events, total; derivation
        "y", "mortality", "setting", "community", "", "", "", "abstract, results",  # a subgroup
        "", "5", "9", "", "4", "10", "",
        "n",
    )
    not_reported = ("y", "readmission", "", "The abstract does not report readmissions.", "n")
    script = answers(population=population, outcomes=outcomes, not_reported=not_reported)
    _, transcript = run(root, script)
    assert "Care setting [hospital/community] (Enter if not reported)" in transcript
    assert "Mean age in years (a number, at least 18)" in transcript
    assert "did you mean 'hospital'?" in transcript and "mean_age 12 is below its minimum 18" in transcript
    assert "Outcomes: mortality (Mortality); readmission (Readmission within 30 days)" in transcript
    assert "Subgroup by (none: the whole study)" in transcript and "Subgroup of Care setting" in transcript
    wording = transcript.lower()  # nothing of the bundled registry's topic is asked
    assert "miscarriage" not in wording and "rmc" not in wording and "prior losses" not in wording
    study = load_study(root / "studies" / "smith-2001.yaml")
    chars = {k: (v.value, v.source, v.locator) for k, v in study.characteristics.items()}
    assert chars == {
        "setting": ("hospital", "pubmed", "methods, Table 1"),
        "mean_age": (64.5, "pubmed", "abstract, methods"),
    }
    keys = [(o.outcome, o.subgroup.value if o.subgroup else None) for o in study.outcomes]
    assert keys == [("mortality", None), ("mortality", "community")]
    assert [n.outcome for n in study.not_reported] == ["readmission"]
    assert "hospital (pubmed: methods, Table 1)" in transcript
    result = run_query(Registry(root), "select study_id, setting from studies")
    assert result.rows == [("smith-2001", "hospital")]
