"""Guided entry: the question for one study characteristic the registry's profile declares, said
and checked by its declared type (a category's values, a whole number or number within the declared
bounds, yes/no, or text), so that the session asks what this registry records and nothing else."""

from __future__ import annotations

import math
from collections.abc import Callable

from evireg.records.profile import CharacteristicDef
from evireg.records.profile_check import value_problem
from evireg.records.vocab import CharacteristicType

Value = str | int | float | bool

YES = ("yes", "y", "true")
NO = ("no", "n", "false")
TEXT_MAX = 300  # as the record format's characteristic values


def _bounds(c: CharacteristicDef) -> str:
    low, high = c.minimum, c.maximum
    if low is not None and high is not None:
        return f", {low} to {high}"
    if low is not None:
        return f", at least {low}"
    if high is not None:
        return f", at most {high}"
    return ""


def characteristic_label(c: CharacteristicDef) -> str:
    """The prompt: the profile's label and what kind of answer it takes."""
    t = c.type
    if t == CharacteristicType.category:
        return f"{c.label} [{'/'.join(c.values or [])}]"
    if t == CharacteristicType.integer:
        return f"{c.label} (a whole number{_bounds(c)})"
    if t == CharacteristicType.number:
        return f"{c.label} (a number{_bounds(c)})"
    if t == CharacteristicType.boolean:
        return f"{c.label} [yes/no]"
    return c.label


def _parse(c: CharacteristicDef, raw: str) -> Value:
    t = c.type
    if t == CharacteristicType.integer:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a whole number") from None
    if t == CharacteristicType.number:
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{raw!r} is not a finite number")
        # a whole number stays an int, as it would read from a YAML file
        return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number
    if t == CharacteristicType.boolean:
        if raw.lower() in YES:
            return True
        if raw.lower() in NO:
            return False
        raise ValueError(f"{raw!r}: answer yes or no")
    if t == CharacteristicType.text and len(raw) > TEXT_MAX:
        raise ValueError(f"at most {TEXT_MAX} characters, got {len(raw)}")
    return raw


def characteristic_check(c: CharacteristicDef) -> Callable[[str], Value]:
    """The answer as the declared type, or ValueError saying (as validation would) what is wrong."""

    def check(raw: str) -> Value:
        value = _parse(c, raw)
        problem = value_problem(c, value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return check


def shown(value: Value) -> str:
    """A value as the summary shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
