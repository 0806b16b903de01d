"""What the studies a review pooled but the registry lacks would have to show: an inference.

When a printed pooled result cannot be recomputed because some of its studies have no data, the
printed estimate and CI still constrain those studies. In a fixed-effect inverse-variance view
the printed result is the precision-weighted combination of the studies the registry has (k)
and the missing ones taken as one block (m), on the analysis scale (log for ratios):

    w = 1 / SE^2,   w_m = w_p - w_k,   theta_m = (w_p theta_p - w_k theta_k) / w_m,   SE_m = w_m^-1/2

so the block's implied estimate and SE follow from the printed ones (theta_p, SE_p from the 95%
CI) and the known studies' IV pool. w_m <= 0 is itself a finding: adding studies to a fixed-
effect pool only narrows its CI, so a printed CI at least as wide as the known studies' own
cannot be such a pool. The block's SE is then held against what trials of that size could give:
a log odds ratio's variance is 1/(n1 p1 q1) + 1/(n2 p2 q2) >= 4/n1 + 4/n2 (event rate 1/2), and
splitting n1 + n2 participants into several trials only loses precision (n1 n2 / (n1 + n2) is
concave and of degree one, hence superadditive), so no trials with those arms can pool to a
smaller SE. Everything here is an inference from printed numbers, never data: the result says
so (``inference``), and printed MH results are approximated by inverse variance (see NOTE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from evireg.index.connection import records, sql_text
from evireg.review.claimcheck import Z95, rounding_interval
from evireg.review.pooling import pool_inputs
from evireg.review.question import Answer

if TYPE_CHECKING:
    import duckdb

    from evireg.stats import PoolResult

RATIOS = frozenset({"OR", "RR", "HR", "IRR", "RoM"})
NOTE = (
    "inference, not data: the printed pooled result is approximated as a fixed-effect, inverse-"
    "variance combination on the analysis scale (log for ratios) of the studies the registry has "
    "and the missing ones as one block; a printed Mantel-Haenszel or random-effects result is only "
    "approximately such a combination (the known studies' IV and MH pools, and the block implied "
    "with the MH pool instead, show how far)"
)


def implied_block(
    theta_p: float, se_p: float, theta_k: float | None, se_k: float | None
) -> tuple[float, float] | None:
    """The missing block's (estimate, SE) that, pooled with the known studies (theta_k, se_k;
    None when there are none) by inverse variance, gives (theta_p, se_p); None when w_m <= 0."""
    w_p = 1.0 / se_p**2
    w_k = 0.0 if theta_k is None or se_k is None else 1.0 / se_k**2
    w_m = w_p - w_k
    if not w_m > 0.0:
        return None
    return (w_p * theta_p - w_k * (theta_k or 0.0)) / w_m, 1.0 / math.sqrt(w_m)


def smallest_log_or_se(n_treat: int, n_ctrl: int) -> float:
    """The smallest SE a log odds ratio (of one trial or any pool of trials) with these arm
    totals can have: every event rate 1/2 (see the module docstring)."""
    return math.sqrt(4.0 / n_treat + 4.0 / n_ctrl)


def printed_scale(
    estimate: str, ci_low: str, ci_high: str, ratio: bool
) -> tuple[float, float, float, float] | None:
    """(theta_p, se_p, se_min, se_max) on the analysis scale from a printed estimate and 95% CI:
    se_min and se_max are the narrowest and widest the CI's rounding allows (inf when a ratio's
    lower limit may be 0); None when a ratio is not positive."""
    est, lo, hi = float(estimate), float(ci_low), float(ci_high)
    lo_lo, lo_hi = rounding_interval(ci_low)
    hi_lo, hi_hi = rounding_interval(ci_high)
    if not ratio:
        return est, (hi - lo) / (2 * Z95), max(hi_lo - lo_hi, 0.0) / (2 * Z95), (hi_hi - lo_lo) / (2 * Z95)
    if min(est, lo, hi) <= 0.0:
        return None
    wide = math.log(hi_hi) - math.log(lo_lo) if lo_lo > 0.0 else math.inf
    narrow = max(math.log(hi_lo) - math.log(lo_hi), 0.0)
    return math.log(est), (math.log(hi) - math.log(lo)) / (2 * Z95), narrow / (2 * Z95), wide / (2 * Z95)


@dataclass(frozen=True)
class Participants:
    intervention: int
    control: int
    exact: bool  # the missing studies' own randomised arms; else an upper bound from printed totals
    source: str


@dataclass(frozen=True)
class MissingBlock:
    """What the missing studies would jointly have to contribute (all of it an inference)."""

    missing: list[str]
    measure: str
    printed: dict[str, float]  # theta, se (analysis scale)
    known: dict[str, Any] | None  # k, studies, iv and mh pools, iv_minus_mh (analysis scale)
    block: dict[str, float] | None  # theta, se, se_max, estimate, ci_low, ci_high; None: w_m <= 0
    participants: Participants | None
    smallest_se: float | None
    possible: bool | None
    verdict: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        p = self.participants
        return {
            "inference": True,
            "missing_studies": self.missing,
            "measure": self.measure,
            "scale": "log" if self.measure in RATIOS else "raw",
            "printed": {k: _num(v) for k, v in self.printed.items()},
            "known": self.known,
            "would_show": None if self.block is None else {k: _num(v) for k, v in self.block.items()},
            "participants": None if p is None else {
                "intervention": p.intervention, "control": p.control,
                "bound": "exact" if p.exact else "at_most", "source": p.source,
            },
            "smallest_se": self.smallest_se,
            "possible": self.possible,
            "verdict": self.verdict,
            "note": NOTE,
        }


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _show(measure: str, theta: float, se: float) -> dict[str, float]:
    back = math.exp if measure in RATIOS else (lambda v: v)
    return {"estimate": back(theta), "ci_low": back(theta - Z95 * se), "ci_high": back(theta + Z95 * se)}


def _fmt(measure: str, theta: float, se: float) -> str:
    s = _show(measure, theta, se)
    return f"{measure} {s['estimate']:.2f} [{s['ci_low']:.2f}, {s['ci_high']:.2f}]"


def _pool(ans: Answer, subgroup: str | None, method: str) -> PoolResult | None:
    """The claim's known studies pooled by ``method`` with a fixed effect (95% CI)."""
    from evireg.stats.results import PoolResult

    rows = [i for i in ans.inputs if subgroup is None or i.subgroup == subgroup]
    q = replace(ans.question, by=None, method=method, model="fixed", level=95)
    res = pool_inputs(rows, q, ans.data_type)
    return res if isinstance(res, PoolResult) and res.k > 0 else None


def _known(
    ans: Answer, subgroup: str | None, measure: str
) -> tuple[PoolResult | None, dict[str, Any] | None]:
    """The known studies' IV pool, and its JSON with the MH pool beside it (2x2 data)."""
    iv = _pool(ans, subgroup, "IV")
    if iv is None:
        return None, None
    mh = _pool(ans, subgroup, "MH") if ans.data_type == "dichotomous" else None

    def side(r: PoolResult | None) -> dict[str, float] | None:
        if r is None:
            return None
        return {"theta": r.log_estimate, "se": r.se, **_show(measure, r.log_estimate, r.se)}

    return iv, {
        "k": iv.k,
        "studies": [s.label for s in iv.studies if s.weight is not None],
        "iv": side(iv),
        "mh": side(mh),
        "iv_minus_mh": None if mh is None else iv.log_estimate - mh.log_estimate,
    }


def participants(con: duckdb.DuckDBPyConnection, review: str, missing: list[str]) -> Participants | None:
    """The missing studies' arm totals: their own randomised arms when the registry knows them
    all; else at most the review's printed totals minus the fewest participants the registry
    counts for each of its other included studies (randomised, analysed or in any whole-study
    result: the fewest makes the bound generous to the review)."""
    rows = records(con, sql_text("missing_arms.sql"), {"review": review})
    if not rows:
        return None
    gone = set(missing)
    own = {(r["study_id"], r["role"]): r["randomised"] for r in rows if r["study_id"] in gone}
    roles = ("intervention", "control")
    if gone and all(own.get((s, role)) is not None for s in gone for role in roles):
        n1, n2 = (sum(int(own[(s, role)]) for s in gone) for role in roles)
        return Participants(n1, n2, True, "the missing studies' randomised arms")
    printed = (rows[0]["printed_intervention"], rows[0]["printed_control"])
    if None in printed:
        return None
    others = sorted({r["study_id"] for r in rows} - gone)
    fewest: dict[str, int] = {role: 0 for role in roles}
    uncounted: set[str] = set()
    for r in rows:
        if r["study_id"] in gone:
            continue
        known = [int(v) for v in (r["randomised"], r["analysed"], r["fewest_counted"]) if v is not None]
        if known:
            fewest[r["role"]] += min(known)
        else:
            uncounted.add(r["study_id"])
    n1, n2 = printed[0] - fewest["intervention"], printed[1] - fewest["control"]
    if n1 <= 0 or n2 <= 0:
        return None
    source = f"at most: the review's printed totals ({printed[0]} intervention, {printed[1]} control)"
    if others:
        source += (
            f" minus the fewest participants the registry counts for the other {len(others)} included "
            f"studies ({fewest['intervention']} intervention, {fewest['control']} control: randomised, "
            "analysed or in a whole-study result)"
        )
    if uncounted:
        source += f"; no count for {', '.join(sorted(uncounted))} (counted as 0)"
    return Participants(n1, n2, False, source)


def missing_would_show(
    con: duckdb.DuckDBPyConnection,
    review: str,
    measure: str,
    published: dict[str, str | None],
    subgroup: str | None,
    ans: Answer,
    missing: list[str],
) -> MissingBlock | None:
    """What ``missing`` (studies the claim's analysis lacks data for) would have to show for the
    printed estimate and CI to hold; None when nothing is missing or the claim prints no CI."""
    est, lo, hi = published["estimate"], published["ci_low"], published["ci_high"]
    if not missing or est is None or lo is None or hi is None:
        return None
    scale = printed_scale(est, lo, hi, measure in RATIOS)
    if scale is None:
        return None
    theta_p, se_p, se_min, se_max = scale
    iv, known = _known(ans, subgroup, measure)
    theta_k, se_k = (iv.log_estimate, iv.se) if iv is not None else (None, None)
    people = participants(con, review, missing)
    smallest = (
        smallest_log_or_se(people.intervention, people.control) if people and measure == "OR" else None
    )
    printed = {"theta": theta_p, "se": se_p, "se_min": se_min, "se_max": se_max}
    found = implied_block(theta_p, se_p, theta_k, se_k)
    n = len(missing)
    them = f"the {n} missing stud{'y' if n == 1 else 'ies'}"
    if found is None:
        assert iv is not None and se_k is not None  # w_m <= 0 needs known studies
        narrow = implied_block(theta_p, se_min, theta_k, se_k) if se_min > 0.0 else None
        verdict = (
            f"the printed CI (SE {se_p:.3f}) is no narrower than the {iv.k} studies the registry has give "
            f"by themselves (IV SE {se_k:.3f}); adding studies to a fixed-effect pool only narrows its CI, "
            f"so whatever {them} hold, the printed result cannot be a fixed-effect pool of these studies "
            "(it would need random effects, or other data for the known studies)"
        )
        if narrow is not None:
            verdict += f"; only the rounding of the printed CI (SE down to {se_min:.3f}) leaves room for them"
        summary = (
            f"inference: the printed CI (SE {se_p:.3f}) is wider than the {iv.k} known studies give alone "
            f"(SE {se_k:.3f}): no data from {them} can make it a fixed-effect pool"
        )
        return MissingBlock(list(missing), measure, printed, known, None, people, smallest,
                            None if narrow is not None else False, verdict, summary)
    theta_m, se_m = found
    mh = known["mh"] if known is not None else None
    # the same algebra with the known studies' MH pool standing in: how much the IV view matters
    via_mh = implied_block(theta_p, se_p, mh["theta"], mh["se"]) if mh is not None else None
    if known is not None:
        known["block_if_mh"] = None if via_mh is None else {
            "theta": via_mh[0], "se": via_mh[1], **_show(measure, *via_mh)
        }
    loose = implied_block(theta_p, se_max, theta_k, se_k) if math.isfinite(se_max) else None
    se_m_max = loose[1] if loose is not None else math.inf
    block = {"theta": theta_m, "se": se_m, "se_max": se_m_max, **_show(measure, theta_m, se_m)}
    shown = _fmt(measure, theta_m, se_m)
    verdict = f"{them} would have to show {shown}{'' if n == 1 else ' together'} (SE {se_m:.3f})"
    summary = f"inference: {them} would have to show {shown} (SE {se_m:.3f})"
    possible: bool | None = None
    if people is None:
        verdict += "; the registry cannot tell how many participants they hold, so not whether trials could"
    elif smallest is None:
        verdict += f"; a {measure} has no smallest SE for given arm sizes, so no bound applies"
    else:
        bound = "" if people.exact else "at most "
        size = f"{bound}{people.intervention} intervention / {people.control} control participants"
        allow = f"; {bound}{people.intervention} + {people.control} participants allow SE >= {smallest:.3f}"
        possible = bool(se_m_max >= smallest)
        if not possible:
            verdict += (
                f"; trials with {size} give a log OR an SE of at least {smallest:.3f} (every event rate "
                f"50%), more than that even at the widest rounding of the printed CI (SE {se_m_max:.3f}), "
                "so the printed result cannot follow from any data those studies could hold"
            )
            summary += f"{allow}: impossible"
        elif se_m < smallest:
            verdict += (
                f"; trials with {size} give a log OR an SE of at least {smallest:.3f} (every event rate "
                f"50%): only the widest rounding of the printed CI (SE up to {se_m_max:.3f}) leaves room "
                "for it"
            )
            summary += f"{allow}: possible only within the printed CI's rounding"
        else:
            share = (smallest / se_m) ** 2
            verdict += (
                f"; trials with {size} can give an SE as small as {smallest:.3f} (every event rate 50%), "
                f"so it is possible, but they would have to carry {share:.0%} of the most information "
                "trials of that size can"
            )
            summary += f"{allow}: possible, at {share:.0%} of their most information"
    return MissingBlock(
        list(missing), measure, printed, known, block, people, smallest, possible, verdict, summary
    )
