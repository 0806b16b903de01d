"""GRADE certainty of a pooled answer, suggested from its data, and its absolute effects.

The suggestions follow the Cochrane Handbook (chapter 14) and the GRADE guidance on each domain;
where GRADE leaves a threshold to judgement, the rule used here is stated in the reason, so that
a reader can disagree with it.  A reviewer's own ratings, recorded in the review file, take
precedence over these suggestions.

* Start: high (randomised trials, and non-randomised studies assessed with ROBINS-I, as GRADE
  advises when ROBINS-I is used).
* Risk of bias: one level down when studies at high risk or with some concerns carry at least
  half of the weight; two levels when studies at high risk alone carry at least half.
* Inconsistency: one level down when I² >= 50% (substantial, Handbook 10.10.2) and the studies'
  estimates lie on both sides of the null or the prediction interval crosses it; two when
  I² >= 75% as well.
* Imprecision: one level down when the CI crosses the null, or when it does not but the
  participants are fewer than the optimal information size (alpha 0.05, power 80%, a relative
  risk reduction of 25% from the control risk; Guyatt et al. 2011); two levels when the CI
  crosses the null and spans both an appreciable benefit and an appreciable harm (ratio < 0.75
  and > 1.25).
* Publication bias: with 10 or more studies, one level down when Egger's test gives P < 0.10;
  with fewer, not assessable (no change, said so).
* Indirectness: only a recorded judgement (no suggestion from the data).

Absolute effects: the assumed control risk is the pooled control arms' risk (events / total);
the corresponding risk is ACR x RR for a risk ratio, OR x ACR / (1 - ACR + OR x ACR) for an odds
ratio (Handbook 14.1.5.1), ACR + RD for a risk difference; per 1,000, with the CI from the
pooled CI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evireg.stats import EggerResult, PoolResult

RATINGS = ("very low", "low", "moderate", "high")
SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very low": "⊕◯◯◯"}
APPRECIABLE = (0.75, 1.25)  # GRADE's default thresholds of an appreciable benefit and harm
OIS_RRR = 0.25


@dataclass(frozen=True)
class Downgrade:
    domain: str  # risk_of_bias | inconsistency | indirectness | imprecision | publication_bias
    levels: int  # 0 (assessed, not serious), 1 (serious), 2 (very serious)
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"domain": self.domain, "levels": self.levels, "reason": self.reason}


@dataclass(frozen=True)
class Certainty:
    start: str
    rating: str
    domains: list[Downgrade] = field(default_factory=list)
    source: str = "suggested from the data"  # or "the review's rating"

    @property
    def symbols(self) -> str:
        return SYMBOLS[self.rating]

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "rating": self.rating,
            "symbols": self.symbols,
            "source": self.source,
            "domains": [d.to_dict() for d in self.domains],
        }


def rating_after(start: str, domains: list[Downgrade]) -> str:
    """The rating left after the downgrades (never below very low)."""
    levels = sum(d.levels for d in domains)
    return RATINGS[max(0, RATINGS.index(start) - levels)]


def corresponding_risk(measure: str, acr: float, effect: float) -> float:
    """The intervention group's risk implied by a control risk and a relative or absolute effect."""
    if measure == "RR":
        return acr * effect
    if measure in ("OR", "Peto OR"):
        return effect * acr / (1.0 - acr + effect * acr)
    if measure == "RD":
        return acr + effect
    raise ValueError(f"no absolute effect for {measure}")


def per_1000(measure: str, acr: float, est: float, lo: float, hi: float) -> tuple[int, int, int, int]:
    """Assumed and corresponding risk per 1,000 (with the corresponding risk's CI), rounded."""
    cr = [corresponding_risk(measure, acr, x) for x in (est, lo, hi)]
    low, high = sorted(cr[1:])
    return round(1000 * acr), round(1000 * cr[0]), round(1000 * low), round(1000 * high)


def optimal_information_size(acr: float, rrr: float = OIS_RRR) -> int:
    """Participants (both arms) a single trial would need to detect a relative risk reduction
    ``rrr`` from the control risk with two-sided alpha 0.05 and power 80%."""
    z = 1.959963984540054 + 0.8416212335729143
    p1, p2 = acr, acr * (1.0 - rrr)
    per_arm = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    return 2 * math.ceil(per_arm)


def _risk_of_bias(res: PoolResult, overall: dict[str, str]) -> Downgrade:
    used = [s for s in res.studies if s.weight]
    if not overall or not used:
        return Downgrade("risk_of_bias", 0, "not assessed: no risk-of-bias judgements recorded")
    missing = [s.label for s in used if s.label not in overall]
    high = sum(s.weight or 0 for s in used if overall.get(s.label) == "high")
    concerns = sum(s.weight or 0 for s in used if overall.get(s.label) in ("some_concerns", "moderate"))
    serious = sum(s.weight or 0 for s in used if overall.get(s.label) in ("serious", "critical"))
    high += serious
    share = f"{high:.0f}% of the weight from studies at high risk, {concerns:.0f}% with some concerns"
    if missing:
        share += f"; not assessed: {', '.join(missing)}"
    if high >= 50:
        return Downgrade("risk_of_bias", 2, f"very serious: {share} (rule: high risk >= 50% of the weight)")
    if high + concerns >= 50:
        return Downgrade("risk_of_bias", 1, f"serious: {share} (rule: high risk or some concerns >= 50%)")
    return Downgrade("risk_of_bias", 0, f"not serious: {share}")


def _inconsistency(res: PoolResult, ratio: bool) -> Downgrade:
    h = res.heterogeneity
    if res.k < 2 or not math.isfinite(h.i2):
        return Downgrade("inconsistency", 0, "not applicable: a single study")
    null = 1.0 if ratio else 0.0
    sides = {
        s.estimate > null
        for s in res.studies
        if s.weight and math.isfinite(s.estimate) and s.estimate != null
    }
    pi = res.prediction_interval
    crosses = len(sides) > 1 or (pi is not None and pi[0] < null < pi[1])
    text = f"I² = {h.i2:.0f}%" + ("; estimates on both sides of the null" if len(sides) > 1 else "")
    if h.i2 >= 75 and crosses:
        return Downgrade(
            "inconsistency",
            2,
            f"very serious: {text} (rule: I² >= 75% and the effects disagree in direction)",
        )
    if h.i2 >= 50 and crosses:
        return Downgrade(
            "inconsistency", 1, f"serious: {text} (rule: I² >= 50% and the effects disagree in direction)"
        )
    return Downgrade("inconsistency", 0, f"not serious: {text}")


def _imprecision(res: PoolResult, ratio: bool, participants: int, acr: float | None) -> Downgrade:
    null = 1.0 if ratio else 0.0
    lo, hi = res.ci_low, res.ci_high
    ci = f"CI {lo:.2f} to {hi:.2f}"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return Downgrade("imprecision", 0, "not assessable: no pooled CI")
    if lo < null < hi:
        if ratio and lo < APPRECIABLE[0] and hi > APPRECIABLE[1]:
            return Downgrade(
                "imprecision",
                2,
                f"very serious: {ci} crosses the null and spans both an appreciable "
                "benefit and harm (0.75 and 1.25)",
            )
        return Downgrade("imprecision", 1, f"serious: {ci} crosses the null")
    if acr is not None and 0 < acr < 1:
        ois = optimal_information_size(acr)
        if participants < ois:
            return Downgrade(
                "imprecision",
                1,
                f"serious: {participants} participants, fewer than the optimal "
                f"information size of {ois} (25% relative risk reduction, alpha 0.05, power 80%)",
            )
        return Downgrade(
            "imprecision",
            0,
            f"not serious: {ci}; {participants} participants >= {ois} (optimal information size)",
        )
    return Downgrade("imprecision", 0, f"not serious: {ci} excludes the null")


def _publication_bias(res: PoolResult, egger: EggerResult | None) -> Downgrade:
    from evireg.stats.sensitivity import EGGER_LOW_POWER_K

    if res.k < EGGER_LOW_POWER_K or egger is None or egger.reason is not None:
        return Downgrade(
            "publication_bias",
            0,
            f"not assessable: {res.k} studies (tests need at least 10; Handbook 13.3.5.4)",
        )
    if egger.p < 0.10:
        return Downgrade("publication_bias", 1, f"suspected: Egger's test P = {egger.p:.3f} (rule: P < 0.10)")
    return Downgrade("publication_bias", 0, f"not detected: Egger's test P = {egger.p:.3f}")


def suggest(
    res: PoolResult,
    *,
    ratio: bool,
    participants: int,
    acr: float | None,
    overall_rob: dict[str, str],
    egger: EggerResult | None,
    indirectness: Downgrade | None = None,
) -> Certainty:
    """GRADE certainty suggested from a pooled result (see the module docstring for the rules).
    ``overall_rob`` maps a study label to its overall risk-of-bias judgement."""
    domains = [
        _risk_of_bias(res, overall_rob),
        _inconsistency(res, ratio),
        indirectness or Downgrade("indirectness", 0, "no judgement recorded"),
        _imprecision(res, ratio, participants, acr),
        _publication_bias(res, egger),
    ]
    return Certainty("high", rating_after("high", domains), domains)


def suggest_unverified(ci_low: float, ci_high: float, *, ratio: bool) -> Certainty:
    """A suggestion for a published result the registry holds no data for.  Nothing behind it
    can be checked, so risk of bias is rated down two levels (rule: evidence whose studies
    cannot be read cannot be judged free of bias); imprecision is judged from the published CI
    alone (crossing the null as in :func:`suggest`; a CI that excludes the null but reaches from a
    trivial effect (within 0.75 to 1.25) to an appreciable one, one level); inconsistency and
    publication bias cannot be assessed without the studies."""
    null = 1.0 if ratio else 0.0
    ci = f"published CI {ci_low:.2f} to {ci_high:.2f}"
    if ci_low < null < ci_high:
        wide = ratio and ci_low < APPRECIABLE[0] and ci_high > APPRECIABLE[1]
        imp = Downgrade(
            "imprecision",
            2 if wide else 1,
            f"{'very serious' if wide else 'serious'}: {ci} "
            "crosses the null" + (" and spans an appreciable benefit and harm" if wide else ""),
        )
    elif (
        ratio
        and (APPRECIABLE[0] < ci_low < APPRECIABLE[1] or APPRECIABLE[0] < ci_high < APPRECIABLE[1])
        and (ci_high > APPRECIABLE[1] or ci_low < APPRECIABLE[0])
    ):
        imp = Downgrade(
            "imprecision",
            1,
            f"serious: {ci} reaches from a trivial effect (0.75 to 1.25) to an appreciable one",
        )
    else:
        imp = Downgrade("imprecision", 0, f"not serious: {ci}")
    domains = [
        Downgrade(
            "risk_of_bias",
            2,
            "very serious: no study's data for this outcome could be read, so the risk of "
            "bias behind the published result cannot be judged",
        ),
        Downgrade("inconsistency", 0, "not assessable: no study results in the registry"),
        Downgrade("indirectness", 0, "no judgement recorded"),
        imp,
        Downgrade("publication_bias", 0, "not assessable: no study results in the registry"),
    ]
    return Certainty(
        "high",
        rating_after("high", domains),
        domains,
        source="suggested from the published result (no data in the registry)",
    )
