"""Guided entry of one study, field by field, with rich prompts.

Each answer is checked at once against the smallest piece of the record format that holds it (a
constrained string type such as `Pmid`, or a sub-model such as `ArmResult` or `ReportedCount`) and
re-asked with the problem in plain words. The record is built in memory only: nothing touches the
registry until the summary is confirmed, and then `entry.add_records` writes it, the same code path
as `evireg add FILE`. Ctrl-C or end of input before that leaves the registry as it was.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TextIO, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from rich.console import Console
from rich.prompt import Confirm, IntPrompt, Prompt
from rich.table import Table
from rich.text import Text, TextType

from evireg.errors import UserError
from evireg.index.add import Added, add_records
from evireg.records.models import (
    Arm,
    ArmResult,
    Count,
    Design,
    Doi,
    NotReported,
    OutcomeResult,
    Pmid,
    Population,
    Provenance,
    Regimen,
    Registration,
    ReportedCount,
    ShortText,
    Slug,
    Source,
    Study,
    Year,
)
from evireg.records.models import Text as LongText
from evireg.records.vocab import Blinding, ControlType, DesignKind, Outcome, RmcType, Role, SourceKind, Timing
from evireg.registry.files import Registry, record_files, validate_data
from evireg.registry.loading import load_registry

T = TypeVar("T")

ENTRY_LABEL = "<guided entry>"
NO_SUBGROUP = "none"
TRISTATE = {"yes": True, "no": False, "unknown": None}

# What a pattern means, said in words instead of the regular expression pydantic reports.
HINTS = {
    "slug": "use lowercase letters, digits and single hyphens, e.g. smith-2001",
    "pmid": "a PMID is 1 to 9 digits with no prefix, e.g. 11870141",
    "doi": "a DOI starts with 10. and a slash, e.g. 10.1093/humrep/17.3.809",
    "registration": "a trial registration such as NCT00000000, ISRCTN12345678 or UMIN000001234",
    "url": "a URL starts with http:// or https:// and has no spaces",
}
SOURCE_IDS = {"abstract": "pubmed", "full_text": "fulltext", "trial_registry": "registry"}
SOURCE_WORDS = {"abstract": "Abstract", "full_text": "Full text", "trial_registry": "Trial registry record"}

# Sections in the order they are asked; the first segment of a problem's path names its section.
SECTIONS = (
    "citation",
    "sources",
    "id",
    "design",
    "population",
    "regimens",
    "arms",
    "outcomes",
    "not-reported",
    "notes",
)
SECTION_OF = {
    "country": "design",
    "intervention": "regimens",
    "comparator": "regimens",
    "not_reported": "not-reported",
}


# --- checking one answer -------------------------------------------------------------------


def plain(error: ValidationError, hint: str | None = None) -> str:
    """pydantic's messages, without the regex noise when a hint says the same in words."""
    out: list[str] = []
    for err in error.errors():
        if hint and err["type"] == "string_pattern_mismatch":
            msg = hint
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in err["loc"])
        out.append(f"{where}: {msg}" if where else msg)
    return "; ".join(dict.fromkeys(out))


def string_check(tp: Any, hint: str | None = None) -> Callable[[str], str]:
    adapter: TypeAdapter[Any] = TypeAdapter(tp)

    def check(raw: str) -> str:
        try:
            return str(adapter.validate_python(raw))
        except ValidationError as e:
            raise ValueError(plain(e, hint)) from None

    return check


def int_check(tp: Any) -> Callable[[str], int]:
    adapter: TypeAdapter[Any] = TypeAdapter(tp)

    def check(raw: str) -> int:
        try:
            number = int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
        try:
            return int(adapter.validate_python(number))
        except ValidationError as e:
            raise ValueError(plain(e)) from None

    return check


def date_check(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a date as YYYY-MM-DD") from None


def authors_check(raw: str) -> list[str]:
    sep = ";" if ";" in raw else ","
    names = [n.strip() for n in raw.split(sep) if n.strip()]
    if not names:
        raise ValueError("give at least one author")
    one = string_check(ShortText)
    return [one(n) for n in names]


def model_problem(model: type[BaseModel], data: dict[str, Any]) -> str | None:
    """The section's own model catches what single fields cannot (e.g. a source with no identifier)."""
    try:
        model.model_validate(data)
    except ValidationError as e:
        return plain(e)
    return None


def compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def propose_id(citation: dict[str, Any]) -> str:
    """`<first author's surname>-<year>`: drop trailing initials, fold accents, slugify."""
    words = str(citation["authors"][0]).split()
    if len(words) > 1 and re.fullmatch(r"(?:[A-Z]\.?-?){1,4}", words[-1]):
        words = words[:-1]
    folded = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore").decode().lower()
    surname = re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "study"
    return f"{surname}-{citation['year']}"


# --- reading answers -----------------------------------------------------------------------


class _Lines:
    """rich returns `stream.readline()` raw: strip the newline so that Enter picks the default as it
    does with input(), echo the answer so that a scripted transcript reads like a session, and turn
    end of input into EOFError (input() does that itself) instead of an endless run of empty answers."""

    @classmethod
    def get_input(
        cls, console: Console, prompt: TextType, password: bool, stream: TextIO | None = None
    ) -> str:
        line = console.input(prompt, password=password, stream=stream)
        if stream is None:
            return line
        if line == "":
            raise EOFError
        line = line.rstrip("\r\n")
        console.print(Text(line), highlight=False)
        return line


class _Ask(_Lines, Prompt):
    pass


class _AskInt(_Lines, IntPrompt):
    pass


class _AskYesNo(_Lines, Confirm):
    pass


class Asker:
    """Every question of the session goes through here, so tests can script the answers (`stream`)
    and read the transcript (`console`); without a stream answers come from stdin."""

    def __init__(self, console: Console, stream: TextIO | None = None) -> None:
        self.console = console
        self.stream = stream

    def heading(self, title: str) -> None:
        self.console.rule(Text(title, style="bold"))

    def note(self, message: str) -> None:
        self.console.print(Text(message, style="dim"))

    def problem(self, message: str) -> None:
        self.console.print(Text(message, style="red"))

    def _line(self, label: str, default: str | None, choices: Sequence[str] | None = None) -> str:
        prompt = _Ask(
            Text(label),
            console=self.console,
            choices=list(choices) if choices else None,
            show_default=default is not None,
        )
        answer = (
            prompt(stream=self.stream) if default is None else prompt(default=default, stream=self.stream)
        )
        # rich takes the default only for an exactly empty line; blanks mean Enter too
        return answer.strip() or (default or "")

    def required(self, label: str, check: Callable[[str], T], *, default: str | None = None) -> T:
        while True:
            raw = self._line(label, default)
            if not raw:
                self.problem("an answer is needed here")
                continue
            try:
                return check(raw)
            except ValueError as e:
                self.problem(str(e))

    def optional(
        self, label: str, check: Callable[[str], T], *, default: str | None = None, tag: str = "optional"
    ) -> T | None:
        """Empty skips; `-` drops a proposed default."""
        while True:
            raw = self._line(f"{label} ({tag})", default)
            if not raw or raw == "-":
                return None
            try:
                return check(raw)
            except ValueError as e:
                self.problem(str(e))

    def choice(self, label: str, choices: Sequence[str], *, default: str | None = None) -> str:
        # rich re-asks until the answer is one of the choices
        return self._line(label, default, choices)

    def number(self, label: str) -> int:
        return _AskInt(Text(label), console=self.console)(stream=self.stream)

    def confirm(self, label: str, *, default: bool | None = None) -> bool:
        prompt = _AskYesNo(Text(label), console=self.console)
        return prompt(stream=self.stream) if default is None else prompt(default=default, stream=self.stream)


# --- the session ---------------------------------------------------------------------------


class Session:
    """Asks section by section into `data`, a plain dict in the record format."""

    def __init__(self, asker: Asker, existing_ids: set[str], replace: bool) -> None:
        self.a = asker
        self.existing_ids = existing_ids
        self.replace = replace
        self.data: dict[str, Any] = {}

    # sections ---------------------------------------------------------------------------

    def enter(self, section: str) -> None:
        steps: dict[str, Callable[[], None]] = {
            "citation": self.section_citation,
            "sources": self.section_sources,
            "id": self.section_id,
            "design": self.section_design,
            "population": self.section_population,
            "regimens": self.section_regimens,
            "arms": self.section_arms,
            "outcomes": self.section_outcomes,
            "not-reported": self.section_not_reported,
            "notes": self.section_notes,
        }
        steps[section]()

    def section_citation(self) -> None:
        a = self.a
        a.heading("Citation")
        authors = a.required("Authors, separated by commas (e.g. Smith AB, Jones CD)", authors_check)
        citation = compact(
            {
                "authors": authors,
                "year": a.required("Year", int_check(Year)),
                "title": a.required("Title", string_check(LongText)),
                "journal": a.required("Journal (e.g. Hum Reprod)", string_check(ShortText)),
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
        population = compact(
            {
                "rmc_type": a.choice("Recurrent miscarriage type", [r.value for r in RmcType]),
                "min_prior_losses": a.optional(
                    "Minimum number of prior losses",
                    int_check(Population.model_fields["min_prior_losses"].annotation),
                ),
                "description": a.required("Population as the report describes it", string_check(LongText)),
                "provenance": self._provenance("the population"),
            }
        )
        self._settle(Population, population)
        self.data["population"] = population

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

    def section_arms(self) -> None:
        a = self.a
        a.heading("Arms")
        a.note("First the intervention arm, then a control arm; more arms may follow.")
        arms: list[dict[str, Any]] = []
        for role in (Role.intervention, Role.control):
            arms.append(self._arm(role.value, arms))
        while a.confirm("Add another arm?", default=False):
            arms.append(self._arm(a.choice("Role", [r.value for r in Role]), arms))
        self.data["arms"] = arms

    def _arm(self, role: str, earlier: list[dict[str, Any]]) -> dict[str, Any]:
        a = self.a
        taken = {x["id"] for x in earlier}
        aid = a.required(
            f"Id of the {role} arm (e.g. ivig, placebo)",
            self._fresh_slug(taken, "arm id"),
            default=role if role not in taken else None,
        )
        label = a.required(f"Label of arm {aid}", string_check(ShortText))
        randomised = self.count(f"Randomised in {aid}")
        analysed = self.count(f"Analysed in {aid}")
        n_rand, n_anal = randomised["value"], analysed["value"]
        if n_rand is not None and n_anal is not None and n_anal > n_rand and "derivation" not in analysed:
            a.problem(f"analysed ({n_anal}) exceeds randomised ({n_rand}); say why")
            analysed["derivation"] = a.required("Why analysed exceeds randomised", string_check(LongText))
        arm = {"id": aid, "role": role, "label": label, "n_randomised": randomised, "n_analysed": analysed}
        self._settle(Arm, arm)
        return arm

    def count(self, label: str) -> dict[str, Any]:
        """An arm count: a number with its source and locator, or not reported with a reason (never 0)."""
        a = self.a
        value = a.optional(label, int_check(Count), tag="Enter if not reported")
        if value is None:
            reason = a.required(f"{label} is not reported: why?", string_check(LongText))
            return {"value": None, "reason": reason}
        count = compact(
            {
                "value": value,
                **self._provenance(label.lower()),
                "derivation": a.optional(
                    "Derivation, if computed rather than printed", string_check(LongText)
                ),
            }
        )
        self._settle(ReportedCount, count)
        return count

    def section_outcomes(self) -> None:
        a = self.a
        a.heading("Outcome results")
        results: list[dict[str, Any]] = []
        while a.confirm("Add an outcome result?"):
            results.append(self._result(results))
        self.data["outcomes"] = results

    def _outcome_key(self, taken: set[tuple[str, str]], what: str) -> tuple[str, str]:
        a = self.a
        while True:
            outcome = a.choice("Outcome", [o.value for o in Outcome])
            subgroup = a.choice(
                "Subgroup by recurrent miscarriage type",
                [NO_SUBGROUP, "primary", "secondary"],
                default=NO_SUBGROUP,
            )
            if (outcome, subgroup) not in taken:
                return outcome, subgroup
            a.problem(f"{outcome} ({subgroup}) is already {what}")

    def _result(self, earlier: list[dict[str, Any]]) -> dict[str, Any]:
        a = self.a
        outcome, subgroup = self._outcome_key(
            {_key(r) for r in earlier}, "entered (another source's values go under alternatives in the file)"
        )
        whole = next((r for r in earlier if _key(r) == (outcome, NO_SUBGROUP)), None)
        result: dict[str, Any] = {"outcome": outcome}
        if subgroup != NO_SUBGROUP:
            result["subgroup"] = {"variable": "rmc_type", "value": subgroup}
        result |= compact(
            {
                "definition": a.optional("How the study defines it", string_check(LongText)),
                "denominator": a.optional(
                    "Which count the totals are (e.g. randomised, pregnant women)", string_check(ShortText)
                ),
            }
        )
        result |= self._provenance(f"the {outcome} result")
        result["arms"] = self._result_arms({r["arm"]: r["total"] for r in whole["arms"]} if whole else {})
        over = self._over_randomised(result["arms"])
        if over:
            a.problem(f"{over}; say how in the derivation")
            result["derivation"] = a.required("Derivation", string_check(LongText))
        else:
            derivation = a.optional("Derivation, if computed rather than printed", string_check(LongText))
            if derivation is not None:
                result["derivation"] = derivation
        self._settle(OutcomeResult, result)
        return result

    def _result_arms(self, whole: dict[str, int]) -> list[dict[str, Any]]:
        """Events and total per arm; stops when every arm is entered or, once an intervention and a
        control arm are covered, when the user says so."""
        a = self.a
        roles = {arm["id"]: arm["role"] for arm in self.data["arms"]}
        rows: list[dict[str, Any]] = []
        while True:
            used = [r["arm"] for r in rows]
            remaining = [aid for aid in roles if aid not in used]
            covered = {roles[u] for u in used} == {Role.intervention.value, Role.control.value}
            if not remaining or (covered and not a.confirm("Add a result for another arm?", default=False)):
                return rows
            arm = a.required("Arm", self._arm_ref_check(list(roles), used), default=remaining[0])
            while True:
                events = a.number(f"Events in {arm}")
                row: dict[str, Any] = {"arm": arm, "events": events, "total": a.number(f"Total in {arm}")}
                problem = model_problem(ArmResult, row)
                if problem is None and arm in whole and row["total"] > whole[arm]:
                    problem = f"subgroup total ({row['total']}) exceeds the whole-study total ({whole[arm]})"
                if problem is None:
                    break
                a.problem(f"{problem}; enter events and total for {arm} again")
            rows.append(row)

    def _over_randomised(self, rows: list[dict[str, Any]]) -> str | None:
        randomised = {arm["id"]: arm["n_randomised"]["value"] for arm in self.data["arms"]}
        for r in rows:
            n = randomised.get(r["arm"])
            if n is not None and r["total"] > n:
                return f"total ({r['total']}) exceeds arm {r['arm']!r} randomised ({n})"
        return None

    def section_not_reported(self) -> None:
        a = self.a
        a.heading("Outcomes not reported")
        reported = {_key(r) for r in self.data.get("outcomes", [])}
        items: list[dict[str, Any]] = []
        while a.confirm("Add an outcome that is not reported?", default=False):
            outcome, subgroup = self._outcome_key(reported | {_key(i) for i in items}, "entered")
            item: dict[str, Any] = {"outcome": outcome}
            if subgroup != NO_SUBGROUP:
                item["subgroup"] = {"variable": "rmc_type", "value": subgroup}
            item["reason"] = a.required("What was searched, and why it is missing", string_check(LongText))
            self._settle(NotReported, item)
            items.append(item)
        self.data["not_reported"] = items

    def section_notes(self) -> None:
        self.a.heading("Notes")
        self.data["notes"] = self.a.optional("Notes on this study", string_check(LongText))

    # shared questions -------------------------------------------------------------------

    def _provenance(self, what: str) -> dict[str, Any]:
        a = self.a
        ids = [s["id"] for s in self.data["sources"]]
        prov = {
            "source": a.choice(f"Source of {what}", ids, default=ids[0]),
            "locator": a.required("Locator (e.g. abstract, results; Table 2)", string_check(ShortText)),
        }
        self._settle(Provenance, prov)
        return prov

    def _settle(self, model: type[BaseModel], data: dict[str, Any]) -> None:
        problem = model_problem(model, data)
        if problem:  # each field was checked on entry, so this is a bug (or a new model rule), not a typo
            raise RuntimeError(f"guided entry built an invalid {model.__name__}: {problem}")

    def _fresh_slug(self, taken: set[str], what: str) -> Callable[[str], str]:
        slug = string_check(Slug, HINTS["slug"])

        def check(raw: str) -> str:
            value = slug(raw)
            if value in taken:
                raise ValueError(f"{what} {value!r} is already used here; pick another")
            return value

        return check

    def _study_id_check(self, raw: str) -> str:
        value = string_check(Slug, HINTS["slug"])(raw)
        if value in self.existing_ids and not self.replace:
            raise ValueError(
                f"{value!r} is already in the registry; pick another id (e.g. {value}b), "
                "or start again with --replace to overwrite it"
            )
        return value

    def _arm_ref_check(self, arm_ids: list[str], used: list[str]) -> Callable[[str], str]:
        def check(raw: str) -> str:
            if raw not in arm_ids:
                raise ValueError(f"unknown arm {raw!r}; the arms are {', '.join(arm_ids)}")
            if raw in used:
                raise ValueError(f"arm {raw!r} already has a result here")
            return raw

        return check

    # the whole record -------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        order = (
            "id",
            "citation",
            "sources",
            "design",
            "country",
            "population",
            "intervention",
            "comparator",
            "arms",
            "outcomes",
            "not_reported",
            "notes",
        )
        return {k: self.data[k] for k in order if self.data.get(k) is not None}

    def run(self) -> Study | None:
        """The validated study the user confirmed, or None when they discard it."""
        a = self.a
        a.note(
            "Guided entry of one study. Enter accepts the value in parentheses; optional answers may be "
            "left empty ('-' drops a proposed one). Ctrl-C stops without writing anything."
        )
        for section in SECTIONS:
            self.enter(section)
        while True:
            rec, problems = validate_data(self.record(), ENTRY_LABEL, kind="study")
            if problems:
                a.heading("Problems")
                for p in problems:
                    a.problem(f"{p.path}: {p.message}")
                flagged = list(dict.fromkeys(section_of(p.path) for p in problems))
                pick = a.choice("Section to enter again", [*flagged, "discard"], default=flagged[0])
            else:
                assert isinstance(rec, Study)  # kind="study"
                for table in summary_tables(rec):
                    a.console.print(table)
                if a.confirm("Write this study?"):
                    return rec
                pick = a.choice(
                    "Enter a section again, or discard the study", [*SECTIONS, "discard"], default="discard"
                )
            if pick == "discard":
                return None
            self.enter(pick)


def _key(entry: dict[str, Any]) -> tuple[str, str]:
    sub = entry.get("subgroup")
    return entry["outcome"], sub["value"] if sub else NO_SUBGROUP


def section_of(path: str) -> str:
    head = path.split(".", 1)[0]
    return head if head in SECTIONS else SECTION_OF.get(head, "citation")


# --- summary -------------------------------------------------------------------------------


def _where(prov: Provenance | OutcomeResult | ReportedCount) -> str:
    return f"{prov.source}: {prov.locator}" if prov.source else ""


def _labelled(pairs: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{k} {v}" for k, v in pairs if v is not None)


def _count_text(c: ReportedCount) -> str:
    return f"not reported ({c.reason})" if c.value is None else f"{c.value} ({_where(c)})"


def _yes_no(flag: bool | None) -> str:
    return {True: "yes", False: "no", None: "not stated"}[flag]


def summary_tables(s: Study) -> list[Table]:
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
    losses = f", at least {p.min_prior_losses} prior losses" if p.min_prior_losses else ""
    rows += [
        ("Design", f"{design} ({_where(d.provenance)})"),
        ("Country", s.country or ""),
        ("Population", f"{p.rmc_type}{losses}: {p.description} ({_where(p.provenance)})"),
        ("Intervention", f"{s.intervention.description} ({_where(s.intervention.provenance)})"),
        ("Comparator", f"{s.comparator.description} ({_where(s.comparator.provenance)})"),
    ]
    rows += [(f"Not reported: {nr.outcome}", nr.reason) for nr in s.not_reported]
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
        subgroup = o.subgroup.value if o.subgroup else ""
        results.add_row(*(Text(x) for x in (o.outcome, subgroup, per_arm, _where(o), o.derivation or "")))
    return [study, arms, results]


# --- entry point ---------------------------------------------------------------------------


def run_guided(
    reg: Registry,
    *,
    replace: bool = False,
    console: Console | None = None,
    stream: TextIO | None = None,
) -> list[Added]:
    """Ask for one study and add it to `reg` once confirmed; [] when the user discards it.

    Prompts go to `console` (default: stderr, keeping stdout for data); answers come from `stream`
    (default: stdin). Nothing is written before the confirmation."""
    con = console or Console(stderr=True)
    # refuse before the user types a whole study that add_records would then reject
    if not reg.writable:
        raise UserError(f"{reg.root}: this registry is read-only; start your own with `evireg init PATH`")
    if load_registry(reg).problems:
        raise UserError(f"{reg.root}: fix the registry's own problems before adding (run `evireg validate`)")
    existing = {f.stem for f in record_files(reg) if f.parent == reg.studies_dir}
    session = Session(Asker(con, stream), existing, replace)
    try:
        study = session.run()
    except EOFError:
        raise UserError("input ended before the study was complete; nothing was written") from None
    if study is None:
        con.print("discarded; nothing was written")
        return []
    return add_records(reg, [(ENTRY_LABEL, study)], replace=replace)
