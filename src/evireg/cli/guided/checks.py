"""Guided entry: checking one answer against the smallest piece of the record format that holds
it (a constrained string type such as `Pmid`, or a sub-model such as `ArmResult`), with the
problem said in plain words; and the study id proposed from the citation."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from evireg.records.base import ShortText

# What a pattern means, said in words instead of the regular expression pydantic reports.
HINTS = {
    "slug": "use lowercase letters, digits and single hyphens, e.g. smith-2001",
    "pmid": "a PMID is 1 to 9 digits with no prefix, e.g. 11870141",
    "doi": "a DOI starts with 10. and a slash, e.g. 10.1000/xyz123",
    "registration": "a trial registration such as NCT00000000, ISRCTN12345678 or UMIN000001234",
    "url": "a URL starts with http:// or https:// and has no spaces",
}


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
