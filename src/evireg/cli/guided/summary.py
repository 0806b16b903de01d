"""Guided entry: the summary shown before a study is written, as rich tables; the study's
characteristics are named by the registry's profile."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from evireg.cli.guided.characteristics import shown
from evireg.records.base import Provenance
from evireg.records.profile import Profile
from evireg.records.study import CharacteristicValue, OutcomeResult, ReportedCount, Study


def _where(prov: Provenance | OutcomeResult | ReportedCount | CharacteristicValue) -> str:
    return f"{prov.source}: {prov.locator}" if prov.source else ""


def _labelled(pairs: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{k} {v}" for k, v in pairs if v is not None)


def _count_text(c: ReportedCount) -> str:
    return f"not reported ({c.reason})" if c.value is None else f"{c.value} ({_where(c)})"


def _yes_no(flag: bool | None) -> str:
    return {True: "yes", False: "no", None: "not stated"}[flag]


def _characteristic_text(v: CharacteristicValue) -> str:
    return f"{shown(v.value)} ({_where(v)})" if v.source else shown(v.value)


def summary_tables(s: Study, profile: Profile) -> list[Table]:
    """What will be written: the study, its arms with counts, its results with their sources."""
    c, d, p = s.citation, s.design, s.population
    issue = f"({c.issue})" if c.issue else ""
    place = f" {c.volume or ''}{issue}{':' + c.pages if c.pages else ''}".rstrip()
    rows: list[tuple[str, str]] = [
        ("Citation", f"{', '.join(c.authors)} ({c.year}). {c.title}. {c.journal}{place}"),
        ("Identifiers", _labelled([("PMID", c.pmid), ("DOI", c.doi), ("registration", c.registration)])),
    ]
    for src in s.sources:
        ids = _labelled([("PMID", src.pmid), ("DOI", src.doi), ("URL", src.url), ("accessed", src.accessed)])
        rows.append((f"Source {src.id}", f"{src.kind}: {src.citation}; {ids}"))
    design = (
        f"{d.kind}; randomised {_yes_no(d.randomised)}; {d.blinding}; control {d.control_type}; "
        f"prospective {_yes_no(d.prospective)}"
    )
    rows += [
        ("Design", f"{design} ({_where(d.provenance)})"),
        ("Country", s.country or ""),
        ("Population", f"{p.description} ({_where(p.provenance)})"),
    ]
    for cid, given in s.characteristics.items():
        declared = profile.characteristic(cid)
        rows.append((declared.label if declared else cid, _characteristic_text(given)))
    rows += [
        ("Intervention", f"{s.intervention.description} ({_where(s.intervention.provenance)})"),
        ("Comparator", f"{s.comparator.description} ({_where(s.comparator.provenance)})"),
    ]
    for nr in s.not_reported:
        part = f" ({nr.subgroup.variable}: {nr.subgroup.value})" if nr.subgroup else ""
        rows.append((f"Not reported: {nr.outcome}{part}", nr.reason))
    rows.append(("Notes", s.notes or ""))

    # cells are Text, not str: user answers may contain [brackets] that rich would read as markup
    study = Table(title=Text(f"Study {s.id}"), show_header=False)
    study.add_column("field", style="bold")
    study.add_column("value")
    for field, value in rows:
        study.add_row(Text(field), Text(value))

    arms = Table(title=Text("Arms"))
    for col in ("arm", "role", "label", "randomised", "analysed"):
        arms.add_column(col)
    for arm in s.arms:
        cells = (arm.id, arm.role, arm.label, _count_text(arm.n_randomised), _count_text(arm.n_analysed))
        arms.add_row(*(Text(x) for x in cells))

    results = Table(title=Text("Outcome results"))
    for col in ("outcome", "subgroup", "events/total", "source", "derivation"):
        results.add_column(col)
    for o in s.outcomes:
        per_arm = ", ".join(f"{r.arm} {r.events}/{r.total}" for r in o.arms)
        subgroup = f"{o.subgroup.variable}: {o.subgroup.value}" if o.subgroup else ""
        results.add_row(*(Text(x) for x in (o.outcome, subgroup, per_arm, _where(o), o.derivation or "")))
    return [study, arms, results]
