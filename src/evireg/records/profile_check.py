"""Records checked against their registry's profile: every outcome id, subgroup and
characteristic a study or review names must be declared there, with a value of the declared
type. Each problem is (field path, message) and names the valid choices, with a did-you-mean
when one is close, like the record checks themselves.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evireg.records.profile import BUILT_IN_COLUMNS, CharacteristicDef, Profile
from evireg.records.vocab import CharacteristicType, DataType

if TYPE_CHECKING:  # the record models load where records are checked, not where answers are read
    from evireg.records.review import Review
    from evireg.records.study import OutcomeResult, Study, Subgroup

Problems = list[tuple[str, str]]


def unknown(what: str, got: object, valid: Sequence[str], where: str = "the profile (evireg.yaml)") -> str:
    """`unknown outcome 'x'; did you mean 'y'? (valid: a, b)` in one place for every check."""
    close = difflib.get_close_matches(str(got), list(valid), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(valid) if valid else "none declared"
    return f"unknown {what} {got!r}{hint} ({where} declares: {listed})"


def value_problem(c: CharacteristicDef, value: object) -> str | None:
    """Why `value` is not a valid value of characteristic `c`, or None."""
    t = c.type
    if t == CharacteristicType.category:
        if not isinstance(value, str) or value not in (c.values or []):
            return unknown(f"value of {c.id}", value, c.values or [], "its profile entry")
        return None
    if t == CharacteristicType.boolean:
        ok = isinstance(value, bool)
    elif t == CharacteristicType.integer:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == CharacteristicType.number:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        return f"{c.id} is declared as {t} in the profile; got {value!r}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if c.minimum is not None and value < c.minimum:
            return f"{c.id} {value!r} is below its minimum {c.minimum}"
        if c.maximum is not None and value > c.maximum:
            return f"{c.id} {value!r} is above its maximum {c.maximum}"
    return None


def _subgroup(path: str, sg: Subgroup | None, profile: Profile) -> Problems:
    if sg is None:
        return []
    c = profile.characteristic(sg.variable)
    if c is None:
        return [(f"{path}.variable", unknown("characteristic", sg.variable, profile.characteristic_ids))]
    if c.type != CharacteristicType.category:
        return [(f"{path}.variable", f"{c.id} is a {c.type}; only a category's values form subgroups")]
    if sg.value not in c.subgroup_values:
        msg = unknown(f"subgroup of {c.id}", sg.value, c.subgroup_values, "its profile entry")
        return [(f"{path}.value", msg)]
    return []


def _outcome(path: str, outcome: str, profile: Profile) -> Problems:
    if profile.outcome(outcome) is None:
        return [(path, unknown("outcome", outcome, profile.outcome_ids))]
    return []


_EXPECTED = {
    DataType.dichotomous: "arms with events and total",
    DataType.continuous: "arms with n and mean/sd (or the statistics to derive them from)",
    DataType.generic: "an effect (measure, estimate with se or CI, or o_minus_e and variance)",
}


def _form(path: str, o: OutcomeResult, profile: Profile) -> Problems:
    """The result's form fits the outcome's declared data type (one message per result)."""
    d = profile.outcome(o.outcome)
    if d is None:
        return []
    if o.effect is not None:
        got = DataType.generic
    elif o.arms and all(a.is_continuous for a in o.arms):
        got = DataType.continuous
    elif o.arms and not any(a.is_continuous for a in o.arms):
        got = DataType.dichotomous
    else:
        return []  # no or mixed arms: the record's own checks say so
    if got == d.data_type:
        return []
    field = "effect" if got == DataType.generic else "arms"
    msg = (
        f"outcome {o.outcome!r} is declared {d.data_type} in the profile (evireg.yaml), so its "
        f"result needs {_EXPECTED[d.data_type]}; got {got} data"
    )
    return [(f"{path}.{field}", msg)]


def study_profile_errors(s: Study, profile: Profile) -> Problems:
    out: Problems = []
    for name, given in s.characteristics.items():
        c = profile.characteristic(name)
        if c is None:
            msg = unknown("characteristic", name, profile.characteristic_ids)
            out.append((f"characteristics.{name}", msg))
            continue
        if (problem := value_problem(c, given.value)) is not None:
            sub = ".value" if given.source is not None else ""  # a plain value has no `value` key
            out.append((f"characteristics.{name}{sub}", problem))
    for i, o in enumerate(s.outcomes):
        out += _outcome(f"outcomes.{i}.outcome", o.outcome, profile)
        out += _subgroup(f"outcomes.{i}.subgroup", o.subgroup, profile)
        out += _form(f"outcomes.{i}", o, profile)
    for i, nr in enumerate(s.not_reported):
        out += _outcome(f"not_reported.{i}.outcome", nr.outcome, profile)
        out += _subgroup(f"not_reported.{i}.subgroup", nr.subgroup, profile)
    for i, h in enumerate(s.harms):
        if h.who not in profile.harm_populations:
            out.append((f"harms.{i}.who", unknown("harm population", h.who, profile.harm_populations)))
    tool = profile.risk_of_bias.get(s.design.kind)
    for i, rob in enumerate(s.risk_of_bias):
        out += _outcome(f"risk_of_bias.{i}.outcome", rob.outcome, profile)
        if tool is not None and rob.tool != tool:
            out.append(
                (
                    f"risk_of_bias.{i}.tool",
                    f"a {s.design.kind} study is assessed with {tool} in this "
                    f"registry (evireg.yaml risk_of_bias), not {rob.tool}",
                )
            )
    return out


def review_profile_errors(r: Review, profile: Profile) -> Problems:
    out: Problems = []
    for i, a in enumerate(r.analyses):
        out += _outcome(f"analyses.{i}.outcome", a.outcome, profile)
        var = a.subgroup_variable
        if var is not None and var not in BUILT_IN_COLUMNS and profile.characteristic(var) is None:
            msg = unknown("characteristic", var, profile.characteristic_ids)
            out.append((f"analyses.{i}.subgroup_variable", msg))
    return out


def profile_errors(rec: Study | Review, profile: Profile) -> Problems:
    from evireg.records.study import Study

    if isinstance(rec, Study):
        return study_profile_errors(rec, profile)
    return review_profile_errors(rec, profile)
