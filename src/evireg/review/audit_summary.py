"""What the audits of many reviews add up to: how many printed rows reproduce, and why the others do not.

``evireg audit --all`` audits every review of a registry; this is its summary table: reviews,
analyses, rows, the share reproduced, the commonest causes of difference (a differing row's
cause, or why a row could not be recomputed) and the methods inferred.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evireg.review.audit import AuditReport


@dataclass(frozen=True)
class AuditSummary:
    reviews: int
    analyses: int
    rows: int
    reproduced: int
    differs: int
    not_recomputable: int
    claims: int
    claims_reproduced: int
    causes: list[tuple[str, int]]  # commonest first
    methods: list[tuple[str, int]]  # inferred method per analysis, commonest first

    @property
    def percent_reproduced(self) -> float | None:
        return 100.0 * self.reproduced / self.rows if self.rows else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reviews": self.reviews,
            "analyses": self.analyses,
            "rows": self.rows,
            "reproduced": self.reproduced,
            "differs": self.differs,
            "not_recomputable": self.not_recomputable,
            "percent_reproduced": self.percent_reproduced,
            "claims": self.claims,
            "claims_reproduced": self.claims_reproduced,
            "causes": [{"cause": c, "rows": n} for c, n in self.causes],
            "methods": [{"method": m, "analyses": n} for m, n in self.methods],
        }


def _cause(reason: str | None) -> str:
    # a not-recomputable reason names the study's own gap after a colon; the summary counts kinds
    return (reason or "unknown").split(":")[0]


def summarise(reports: Sequence[AuditReport], top: int = 5) -> AuditSummary:
    verdicts: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    methods: Counter[str] = Counter()
    analyses = 0
    for rep in reports:
        for a in rep.analyses:
            analyses += 1
            methods[str(a.inferred.get("label") or "not inferred")] += 1
            for r in a.rows:
                verdicts[r.verdict] += 1
                if r.verdict != "reproduced":
                    causes[_cause(r.reason)] += 1
    claims = [c for rep in reports for c in rep.claims]
    return AuditSummary(
        reviews=len(reports),
        analyses=analyses,
        rows=sum(verdicts.values()),
        reproduced=verdicts["reproduced"],
        differs=verdicts["differs"],
        not_recomputable=verdicts["not_recomputable"],
        claims=len(claims),
        claims_reproduced=sum(c.verdict == "reproduced" for c in claims),
        causes=causes.most_common(top),
        methods=methods.most_common(top),
    )
