"""Guided entry: the sections about the study itself, asked in this order: citation, sources,
id, design (and country), population (and the characteristics the registry's profile declares),
intervention and comparator; and the closing notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from evireg.cli.guided.characteristics import characteristic_check, characteristic_label
from evireg.cli.guided.checks import (
    HINTS,
    authors_check,
    compact,
    date_check,
    int_check,
    propose_id,
    string_check,
)
from evireg.cli.guided.questions import Questions
from evireg.records.base import Doi, Pmid, Registration, ShortText, Source, Year
from evireg.records.base import Text as LongText
from evireg.records.study import Design, Population, Regimen
from evireg.records.vocab import Blinding, ControlType, DesignKind, SourceKind, Timing

TRISTATE = {"yes": True, "no": False, "unknown": None}
SOURCE_IDS = {"abstract": "pubmed", "full_text": "fulltext", "trial_registry": "registry"}
SOURCE_WORDS = {"abstract": "Abstract", "full_text": "Full text", "trial_registry": "Trial registry record"}


class StudySections(Questions):
    """The sections that describe the study, each filling its part of `data`."""

    def section_citation(self) -> None:
        a = self.a
        a.heading("Citation")
        authors = a.required("Authors, separated by commas (e.g. Smith AB, Jones CD)", authors_check)
        citation = compact(
            {
                "authors": authors,
                "year": a.required("Year", int_check(Year)),
                "title": a.required("Title", string_check(LongText)),
                "journal": a.required("Journal (e.g. Lancet)", string_check(ShortText)),
                "volume": a.optional("Volume", string_check(ShortText)),
                "issue": a.optional("Issue", string_check(ShortText)),
                "pages": a.optional("Pages", string_check(ShortText)),
                "pmid": a.optional("PMID", string_check(Pmid, HINTS["pmid"])),
                "doi": a.optional("DOI", string_check(Doi, HINTS["doi"])),
                "registration": a.optional(
                    "Trial registration", string_check(Registration, HINTS["registration"])
                ),
            }
        )
        self.data["citation"] = citation

    def section_sources(self) -> None:
        a = self.a
        a.heading("Sources")
        a.note("List every source you read; each number you enter later names one of them.")
        sources: list[dict[str, Any]] = []
        while True:
            sources.append(self._source(sources))
            if not a.confirm("Add another source?", default=False):
                break
        self.data["sources"] = sources

    def _source(self, earlier: list[dict[str, Any]]) -> dict[str, Any]:
        a = self.a
        cit = self.data["citation"]
        taken = {s["id"] for s in earlier}
        kind = a.choice(
            "Kind of source", [k.value for k in SourceKind], default="abstract" if not earlier else None
        )
        proposed = SOURCE_IDS.get(kind)
        sid = a.required(
            "Source id (short, e.g. pubmed, fulltext, ctgov)",
            self._fresh_slug(taken, "source id"),
            default=proposed if proposed not in taken else None,
        )
        words = SOURCE_WORDS.get(kind)
        first_author = str(cit["authors"][0]).split()[0]
        text = a.required(
            "Source, in words",
            string_check(LongText),
            default=f"{words} of {first_author} {cit['year']}" if words else None,
        )
        # a paper's own abstract or full text carries the paper's identifiers
        own = kind in ("abstract", "full_text")
        while True:
            idents = compact(
                {
                    "pmid": a.optional(
                        "PMID", string_check(Pmid, HINTS["pmid"]), default=cit.get("pmid") if own else None
                    ),
                    "doi": a.optional(
                        "DOI", string_check(Doi, HINTS["doi"]), default=cit.get("doi") if own else None
                    ),
                    "url": a.optional(
                        "URL", string_check(Source.model_fields["url"].annotation, HINTS["url"])
                    ),
                }
            )
            if idents:
                break
            a.problem("a source needs at least one of PMID, DOI or URL")
        source = {"id": sid, "kind": kind, "citation": text, **idents}
        source["accessed"] = a.optional(
            "Accessed (YYYY-MM-DD)", date_check, default=dt.date.today().isoformat()
        )
        source = compact(source)
        self._settle(Source, source)
        return source

    def section_id(self) -> None:
        a = self.a
        a.heading("Study id")
        proposal = propose_id(self.data["citation"])
        sid = a.required("Study id (first author-year)", self._study_id_check, default=proposal)
        if sid in self.existing_ids:
            a.note(f"{sid!r} is already in the registry; writing will replace it (--replace)")
        self.data["id"] = sid

    def section_design(self) -> None:
        a = self.a
        a.heading("Design")
        kind = a.choice("Design", [k.value for k in DesignKind], default="rct")
        randomised = a.choice(
            "Randomised?", list(TRISTATE), default="yes" if kind == DesignKind.rct else "unknown"
        )
        design = {
            "kind": kind,
            "randomised": TRISTATE[randomised],
            "blinding": a.choice("Blinding", [b.value for b in Blinding]),
            "control_type": a.choice("Control", [c.value for c in ControlType]),
            "prospective": TRISTATE[
                a.choice(
                    "Prospective?", list(TRISTATE), default="yes" if kind == DesignKind.rct else "unknown"
                )
            ],
            "description": a.required("Design as the report describes it", string_check(LongText)),
            "provenance": self._provenance("the design"),
            "review_discrepancy": a.optional(
                "How a review's description of the design differs", string_check(LongText)
            ),
        }
        design = compact(design) | {"randomised": design["randomised"], "prospective": design["prospective"]}
        self._settle(Design, design)
        self.data["design"] = design
        self.data["country"] = a.optional("Country", string_check(ShortText))

    def section_population(self) -> None:
        a = self.a
        a.heading("Population")
        description = a.required("Population as the report describes it", string_check(LongText))
        provenance = self._provenance("the population")
        population = {"description": description, "provenance": provenance}
        self._settle(Population, population)
        self.data["population"] = population
        self.data["characteristics"] = self._characteristics(provenance) or None

    def _characteristics(self, population_at: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The profile's characteristics, each optional; read where the population was unless
        the user says otherwise, then each with its own source and locator."""
        a = self.a
        declared = self.profile.characteristics
        if not declared:
            return {}
        a.note("The study characteristics this registry records; Enter if the study does not report one.")
        values: dict[str, Any] = {}
        for c in declared:
            value = a.optional(characteristic_label(c), characteristic_check(c), tag="Enter if not reported")
            if value is not None:
                values[c.id] = value
        if not values:
            return {}
        where = f"{population_at['source']}: {population_at['locator']}"
        if a.confirm(f"Were they read where the population was ({where})?", default=True):
            return {cid: {"value": v, **population_at} for cid, v in values.items()}
        labels = {c.id: c.label for c in declared}
        return {cid: {"value": v, **self._provenance(labels[cid])} for cid, v in values.items()}

    def section_regimens(self) -> None:
        for part in ("intervention", "comparator"):
            self.data[part] = self._regimen(part)

    def _regimen(self, part: str) -> dict[str, Any]:
        a = self.a
        a.heading(part.capitalize())
        regimen = compact(
            {
                "description": a.required(f"The {part}, in words", string_check(LongText)),
                "product": a.optional("Product", string_check(ShortText)),
                "dose": a.optional("Dose", string_check(ShortText)),
                "schedule": a.optional("Schedule", string_check(LongText)),
                "timing": a.choice("Timing", [t.value for t in Timing], default=Timing.unknown.value),
                "provenance": self._provenance(f"the {part}"),
            }
        )
        self._settle(Regimen, regimen)
        return regimen

    def section_notes(self) -> None:
        self.a.heading("Notes")
        self.data["notes"] = self.a.optional("Notes on this study", string_check(LongText))
