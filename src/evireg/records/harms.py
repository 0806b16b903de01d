"""Harms as trials report them (ClinicalTrials.gov's adverse-event module, CONSORT Harms 2022):
per adverse-event term, its seriousness, who had it, and per arm the participants with the event,
the number of events and the number at risk, each read in a source at a locator.

A statement without counts ("no serious adverse events were observed") is recorded as what it
is, a statement with its quote. A count of zero may stand beside it only for an arm the statement
covers and whose number at risk is known, with the derivation written out; any other arm is left
without a count, and says why.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from evireg.records.base import Count, Ident, Record, ShortText, Slug, Text


class Seriousness(StrEnum):
    serious = "serious"
    non_serious = "non_serious"
    any = "any"  # the source does not grade it, or counts serious and non-serious together


class Collection(StrEnum):
    systematic = "systematic"  # asked of every participant at set times
    spontaneous = "spontaneous"  # recorded when reported
    not_reported = "not_reported"


class HarmArm(Record):
    """One arm's numbers for one adverse event."""

    arm: Slug = Field(description="an arm id of the study")
    participants: Count | None = Field(default=None, description="participants with the event")
    events: Count | None = Field(default=None, description="number of events, where reported")
    at_risk: Count | None = Field(default=None, description="participants at risk (the denominator)")
    derivation: Text | None = Field(default=None, description="how a count was derived from what was printed")
    reason: Text | None = Field(default=None, description="why a count is missing")


class Harm(Record):
    """One adverse event (or a statement about harms) as one source reports it."""

    term: ShortText = Field(description="the adverse event as the source words it")
    preferred_term: ShortText | None = Field(default=None, description="a MedDRA-style preferred term")
    seriousness: Seriousness
    who: Ident = Field(description="who experienced it: one of the profile's harm populations")
    time_frame: ShortText | None = None
    collection: Collection = Collection.not_reported
    source: Slug
    locator: ShortText
    quote: Text | None = Field(default=None, description="the statement as printed (needed without counts)")
    arms: list[HarmArm] = Field(default_factory=list, description="per arm; empty for a bare statement")
    notes: Text | None = None


def harm_errors(harms: list[Harm], arm_ids: set[str], sources: set[str]) -> list[tuple[str, str]]:
    """(field path, message) of each inconsistency of a study's harms."""
    out: list[tuple[str, str]] = []
    for i, h in enumerate(harms):
        path = f"harms.{i}"
        if h.source not in sources:
            out.append((f"{path}.source", f"unknown source {h.source!r}; add it to `sources`"))
        counted = [a for a in h.arms if a.participants is not None or a.events is not None]
        if not counted and not h.quote:
            out.append((path, "a harm without counts is a statement: give its `quote`"))
        seen: set[str] = set()
        for j, a in enumerate(h.arms):
            where = f"{path}.arms.{j}"
            if a.arm not in arm_ids:
                out.append((f"{where}.arm", f"unknown arm {a.arm!r} (have: {sorted(arm_ids)})"))
            if a.arm in seen:
                out.append((f"{where}.arm", f"arm {a.arm!r} is given twice"))
            seen.add(a.arm)
            if a.participants is not None and a.at_risk is not None and a.participants > a.at_risk:
                msg = f"{a.participants} with the event exceed {a.at_risk} at risk"
                out.append((f"{where}.participants", msg))
            if a.participants == 0 and h.quote and a.derivation is None:
                out.append((f"{where}.derivation", "a zero read from a statement needs its derivation"))
            if a.participants is None and a.events is None and a.reason is None:
                out.append((f"{where}.reason", "say why this arm has no count"))
    return out
