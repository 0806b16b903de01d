"""Guided entry: the sections about what the study found: its arms with their counts, the
outcome results per arm, and the outcomes it does not report. Outcomes and subgroups are offered
from the registry's profile: its outcome ids, and its category characteristics as subgroup
variables with their subgroup values."""

from __future__ import annotations

from typing import Any

from evireg.cli.guided.checks import compact, int_check, model_problem, string_check
from evireg.cli.guided.questions import Questions
from evireg.records.base import Count, ShortText
from evireg.records.base import Text as LongText
from evireg.records.study import Arm, ArmResult, NotReported, OutcomeResult, ReportedCount
from evireg.records.vocab import CharacteristicType, DataType, Role

NO_SUBGROUP = "none"


class ResultSections(Questions):
    """The sections of arms and results, each filling its part of `data`."""

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
            f"Id of the {role} arm (e.g. treatment, control)",
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
        # events and totals per arm are what can be entered here, so dichotomous outcomes only
        choices = self._outcome_choices(dichotomous_only=True)
        if not choices:
            a.note("The registry's profile declares no dichotomous outcome; no results to enter here.")
        while choices and a.confirm("Add an outcome result?"):
            results.append(self._result(results, choices))
        self.data["outcomes"] = results

    def _outcome_choices(self, *, dichotomous_only: bool) -> list[str]:
        """The profile's outcome ids, listed with their labels before they are offered."""
        outcomes = [
            o for o in self.profile.outcomes if not dichotomous_only or o.data_type == DataType.dichotomous
        ]
        if outcomes:
            self.a.note("Outcomes: " + "; ".join(f"{o.id} ({o.label})" for o in outcomes))
        return [o.id for o in outcomes]

    def _subgroup_variables(self) -> list[str]:
        return [
            c.id
            for c in self.profile.characteristics
            if c.type == CharacteristicType.category and c.subgroup_values
        ]

    def _outcome_key(self, outcomes: list[str], taken: set[tuple[str, str]], what: str) -> dict[str, Any]:
        """An outcome and, if the result is for part of the study, its subgroup (`variable`,
        `value`), as the record writes them; asked again while already `taken`."""
        a = self.a
        variables = self._subgroup_variables()
        while True:
            entry: dict[str, Any] = {"outcome": a.choice("Outcome", outcomes)}
            variable = NO_SUBGROUP
            if variables:
                by = [NO_SUBGROUP, *variables]
                variable = a.choice("Subgroup by (none: the whole study)", by, default=NO_SUBGROUP)
            if variable != NO_SUBGROUP:
                c = self.profile.characteristic(variable)
                assert c is not None  # offered from the profile
                value = a.choice(f"Subgroup of {c.label}", list(c.subgroup_values))
                entry["subgroup"] = {"variable": variable, "value": value}
            if _key(entry) not in taken:
                return entry
            a.problem(f"{_shown(entry)} is already {what}")

    def _result(self, earlier: list[dict[str, Any]], outcomes: list[str]) -> dict[str, Any]:
        a = self.a
        result = self._outcome_key(
            outcomes,
            {_key(r) for r in earlier},
            "entered (another source's values go under alternatives in the file)",
        )
        outcome = result["outcome"]
        whole = next((r for r in earlier if _key(r) == (outcome, NO_SUBGROUP)), None)
        result |= compact(
            {
                "definition": a.optional("How the study defines it", string_check(LongText)),
                "denominator": a.optional(
                    "Which count the totals are (e.g. randomised, analysed)", string_check(ShortText)
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
        outcomes: list[str] | None = None
        while a.confirm("Add an outcome that is not reported?", default=False):
            outcomes = outcomes or self._outcome_choices(dichotomous_only=False)
            item = self._outcome_key(outcomes, reported | {_key(i) for i in items}, "entered")
            item["reason"] = a.required("What was searched, and why it is missing", string_check(LongText))
            self._settle(NotReported, item)
            items.append(item)
        self.data["not_reported"] = items


def _key(entry: dict[str, Any]) -> tuple[str, str]:
    sub = entry.get("subgroup")
    return entry["outcome"], f"{sub['variable']}={sub['value']}" if sub else NO_SUBGROUP


def _shown(entry: dict[str, Any]) -> str:
    outcome, subgroup = _key(entry)
    return outcome if subgroup == NO_SUBGROUP else f"{outcome} ({subgroup})"
