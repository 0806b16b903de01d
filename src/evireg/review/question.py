"""What is asked and what comes back: a question about one outcome, the study rows that answer
it (each with where its numbers were read), the studies that could not, and the pooled result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evireg.stats import PoolResult, SubgroupResult


@dataclass(frozen=True)
class Question:
    """An outcome question.  ``measure``/``method`` None: the outcome's default (the profile's
    measure, else the data type's: OR and MH for 2x2 data, MD and IV for continuous data);
    an answer carries the question with them filled in.  ``level`` is a percentage."""

    outcome: str
    by: str | None = None
    measure: str | None = None
    method: str | None = None
    model: str | None = None
    tau2_method: str = "DL"
    hksj: bool = False
    where: str | None = None
    review: str | None = None
    level: int | None = None


_SOURCE_FIELDS = (
    "source_id", "locator", "derivation", "source_kind", "pmid", "doi", "url", "citation", "note",
)


@dataclass(frozen=True)
class Input:
    """One contributing study row (its input columns by data type: a 2x2, two arms' means, SDs and
    sizes, an effect estimate and SE, or O - E and its variance) and where its numbers were read.

    ``values`` holds the columns as ``evireg.stats.data.COLUMNS`` names them; for generic rows
    ``estimate`` and ``se`` are on the analysis scale (log for ratio measures) and ``measure``
    names what they estimate."""

    study: str
    subgroup: str | None
    values: dict[str, float | int]
    source_id: str
    locator: str
    derivation: str | None
    source_kind: str | None = None
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None
    citation: str | None = None
    note: str | None = None
    year: int | None = None
    data_type: str = "dichotomous"
    measure: str | None = None

    def _count(self, name: str) -> int:
        return int(self.values.get(name, 0))

    @property
    def events_treat(self) -> int:
        return self._count("events_treat")

    @property
    def total_treat(self) -> int:
        return self._count("total_treat")

    @property
    def events_ctrl(self) -> int:
        return self._count("events_ctrl")

    @property
    def total_ctrl(self) -> int:
        return self._count("total_ctrl")

    def source(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _SOURCE_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """The row as the JSON's provenance lists it: its input columns in the row itself."""
        out: dict[str, Any] = {"study": self.study, "subgroup": self.subgroup, **self.values}
        out.update(self.source())
        out["year"] = self.year
        if self.data_type != "dichotomous":
            out["data_type"] = self.data_type
        if self.measure is not None:
            out["measure"] = self.measure
        return out


@dataclass(frozen=True)
class NoData:
    study: str
    subgroup: str | None
    reason: str


@dataclass(frozen=True)
class Labels:
    """How tables and figures name an answer's sides, from the registry's profile: the arm
    labels, the outcome's label, and its direction (which side of the null favours the
    intervention)."""

    intervention: str = "Intervention"
    control: str = "Control"
    outcome: str | None = None
    direction: str | None = None  # higher_is_better | higher_is_worse; None: unknown
    unit: str | None = None  # of a continuous outcome, e.g. "g": headings say Mean Difference (g)

    def favours(self) -> tuple[str, str]:
        """Whom the left and the right of a forest plot's axis favour: below the null an event is
        rarer with the intervention, which is good when more of the outcome is worse."""
        if self.direction == "higher_is_worse":
            return self.intervention, self.control
        if self.direction == "higher_is_better":
            return self.control, self.intervention
        return f"lower {self.outcome or 'outcome'}", f"higher {self.outcome or 'outcome'}"


@dataclass(frozen=True)
class Answer:
    question: Question
    registry_hash: str | None
    inputs: list[Input]
    no_data: list[NoData]
    result: PoolResult | SubgroupResult | None
    notes: list[str] = field(default_factory=list)
    # Not part of the JSON (to_dict): answers from CSV rows have none, so figures fall back.
    labels: Labels = field(default_factory=Labels, compare=False)
    data_type: str = "dichotomous"
    # study id -> its overall risk-of-bias judgement of the outcome (review/rob.py); empty when
    # the outcome has no assessment, and then left out of the JSON as it always was.
    rob: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def overall(self) -> PoolResult | None:
        from evireg.stats import SubgroupResult

        return self.result.overall if isinstance(self.result, SubgroupResult) else self.result

    # The pooled numbers of the whole analysis, so that `answer.estimate` reads as it does in
    # the JSON; NaN when no study could be pooled.
    def _overall_value(self, name: str) -> float:
        res = self.overall
        return float("nan") if res is None else float(getattr(res, name))

    @property
    def estimate(self) -> float:
        return self._overall_value("estimate")

    @property
    def ci_low(self) -> float:
        return self._overall_value("ci_low")

    @property
    def ci_high(self) -> float:
        return self._overall_value("ci_high")

    @property
    def se(self) -> float:
        return self._overall_value("se")

    @property
    def z(self) -> float:
        return self._overall_value("z")

    @property
    def p(self) -> float:
        return self._overall_value("p")

    @property
    def k(self) -> int:
        return 0 if self.overall is None else int(self.overall.k)

    @property
    def subgroups(self) -> list[tuple[str, PoolResult]]:
        """(name, result) per subgroup; empty without `by`."""
        from evireg.stats import SubgroupResult

        return list(self.result.subgroups) if isinstance(self.result, SubgroupResult) else []

    def to_frame(self) -> Any:
        """One row per study and subgroup (pandas DataFrame): its effect, CI, weight, input
        counts and the source and locator of its numbers."""
        import pandas as pd

        d = self.to_dict()
        blocks = [(sg["name"], sg["studies"]) for sg in d["subgroups"]] or [(None, d["studies"])]
        rows = []
        for name, studies in blocks:
            for s in studies:
                src = s.get("source") or {}
                row = {k: v for k, v in s.items() if k != "source"}
                rows.append({"subgroup": name, **row, "source_id": src.get("source_id"),
                             "locator": src.get("locator")})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        from evireg.stats import SubgroupResult

        q = self.question
        if self.result is None:
            out: dict[str, Any] = {
                "data_type": self.data_type,
                "measure": q.measure,
                "method": q.method,
                "model": q.model,
                "k": 0,
                "estimate": None,
                "ci_low": None,
                "ci_high": None,
                "log_estimate": None,
                "se": None,
                "z": None,
                "p": None,
                "heterogeneity": None,
                "prediction_interval": None,
                "studies": [],
                "subgroups": [],
                "subgroup_difference": None,
            }
        else:
            out = self.result.to_dict()
        by_label = {(i.study, i.subgroup): i for i in self.inputs}
        groups = (
            [(None, out)]
            if not isinstance(self.result, SubgroupResult)
            else [(None, out)] + [(sg["name"], sg) for sg in out["subgroups"]]
        )
        for name, block in groups:
            names = [i.subgroup for i in self.inputs] if name is None else [name] * len(block["studies"])
            for s, sg in zip(block["studies"], names, strict=False):
                inp = by_label.get((s["study"], sg))
                s["source"] = inp.source() if inp else None
        out["question"] = asdict(q)
        out["no_data"] = [asdict(n) for n in self.no_data]
        out["notes"] = [*out.get("notes", []), *self.notes]
        inputs = [i.to_dict() for i in self.inputs]
        out["provenance"] = {"registry_hash": self.registry_hash, "inputs": inputs}
        if self.rob:
            out["risk_of_bias"] = dict(sorted(self.rob.items()))
        return out
