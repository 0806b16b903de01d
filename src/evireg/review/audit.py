"""A review's published claims held against the registry: recomputed, and checked against themselves."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.index.connection import records, sql_text
from evireg.index.fresh import connect_readonly
from evireg.index.profile_sql import read_profile
from evireg.registry.paths import Registry
from evireg.review.analysis import (
    Preread,
    analysis_data_type,
    answer_with,
    default_review,
    read_outcomes,
    stated_method,
)
from evireg.review.audit_analyses import AnalysisAudit, audit_analyses
from evireg.review.claimcheck import Consistency, check_claim, matches_printed, p_interval
from evireg.review.missing import MissingBlock, missing_would_show
from evireg.review.question import Answer, Question

if TYPE_CHECKING:
    import duckdb

    from evireg.stats import PoolResult


@dataclass(frozen=True)
class Recomputed:
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    z: float | None
    p: float | None
    k: int
    method: str
    model: str
    matches: dict[str, bool | None]

    @property
    def reproduced(self) -> bool:
        return all(v is not False for v in self.matches.values()) and self.k > 0


@dataclass(frozen=True)
class ClaimAudit:
    claim_id: str
    analysis_id: str
    outcome: str
    subgroup: str | None
    published: dict[str, str | None]
    recomputed: Recomputed | None
    alternatives: list[Recomputed]
    verdict: str
    differences: dict[str, float]
    consistency: Consistency
    missing_studies: list[str]
    locator: str
    missing_would_show: MissingBlock | None = None  # an inference, see review/missing.py
    harms: list[str] = field(default_factory=list)  # a harm outcome: what the harms records give it

    def to_dict(self) -> dict[str, Any]:
        c = self.consistency
        return {
            "claim_id": self.claim_id,
            "analysis_id": self.analysis_id,
            "outcome": self.outcome,
            "subgroup": self.subgroup,
            "published": self.published,
            "recomputed": _rec_dict(self.recomputed),
            "alternatives": [_rec_dict(a) for a in self.alternatives],
            "verdict": self.verdict,
            "differences": self.differences,
            "consistency": {
                "implied_z": c.implied_z,
                "implied_p": c.implied_p,
                "se": c.se,
                "implied_abs_z_range": list(c.implied_z_range) if c.implied_z_range else None,
                "consistent": c.consistent,
                "note": c.note,
            },
            "missing_studies": self.missing_studies,
            "locator": self.locator,
            "missing_would_show": None if (m := self.missing_would_show) is None else m.to_dict(),
            "harms": self.harms,
        }


def _rec_dict(r: Recomputed | None) -> dict[str, Any] | None:
    if r is None:
        return None
    d = asdict(r)
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


@dataclass(frozen=True)
class Totals:
    published: dict[str, int | None]
    registry: dict[str, int | None]
    unknown_arm_counts: list[str]
    agree: dict[str, bool | None]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AuditReport:
    review: str
    registry_hash: str | None
    claims: list[ClaimAudit]
    totals: Totals
    notes: list[str] = field(default_factory=list)
    # an imported review's analyses with their printed study rows (empty for a hand-entered one)
    analyses: list[AnalysisAudit] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        claims = all(c.verdict == "reproduced" and c.consistency.consistent is not False for c in self.claims)
        return claims and all(a.verdict == "reproduced" for a in self.analyses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "review": self.review,
            "registry_hash": self.registry_hash,
            "claims": [c.to_dict() for c in self.claims],
            "analyses": [a.to_dict() for a in self.analyses],
            "totals": self.totals.to_dict(),
            "notes": self.notes,
        }


def _pick(ans: Answer, subgroup: str | None) -> PoolResult | None:
    from evireg.stats import SubgroupResult

    r = ans.result
    if r is None:
        return None
    if isinstance(r, SubgroupResult):
        if subgroup is None:
            return r.overall
        return next((res for name, res in r.subgroups if name == subgroup), None)
    return r if subgroup is None else None


HETEROGENEITY = ("chi2", "i2", "tau2")


def _recompute(
    res: PoolResult | None, published: dict[str, str | None], method: str, model: str
) -> Recomputed | None:
    if res is None or res.k == 0:
        return None
    z = abs(res.z) if math.isfinite(res.z) else None
    p_ok: bool | None = None
    if published["p"] is not None:
        pi = p_interval(published["p"])
        p_ok = None if pi is None else bool(pi[0] - 1e-12 <= res.p <= pi[1] + 1e-12)
    matches = {
        "estimate": matches_printed(res.estimate, published["estimate"]),
        "ci_low": matches_printed(res.ci_low, published["ci_low"]),
        "ci_high": matches_printed(res.ci_high, published["ci_high"]),
        "z": matches_printed(z, published["z"]),
        "p": p_ok,
    }
    het = res.heterogeneity
    for key, value in (("chi2", het.q), ("i2", het.i2), ("tau2", het.tau2)):
        if key in published:
            matches[key] = matches_printed(value, published[key])
    return Recomputed(res.estimate, res.ci_low, res.ci_high, z, res.p, res.k, method, model, matches)


def audit_with(con: duckdb.DuckDBPyConnection, review: str, preread: Preread | None = None) -> AuditReport:
    claims = records(con, sql_text("audit_claims.sql"), {"review": review})
    info = records(con, sql_text("review_info.sql"), {"review": review})
    if not info:
        raise UserError(f"--review {review!r}: no such review in the registry")
    analyses = {a["analysis_id"]: a for a in info}
    # an imported analysis printed its own rows: only its studies can be missing from it
    row_studies: dict[str, set[str]] = {}
    for r in records(con, sql_text("audit_printed_rows.sql"), {"review": review}):
        row_studies.setdefault(r["analysis_id"], set()).add(r["study_id"])
    cache: dict[tuple[str, str], Answer] = {}
    harm_cache: dict[str, Any] = {}
    out: list[ClaimAudit] = []
    notes: list[str] = []
    for c in claims:
        a = analyses[c["analysis_id"]]
        kind = analysis_data_type(con, a["outcome"])
        method, why = stated_method(a["method"], a["software"], a["measure"], kind)
        if why and why not in notes:
            notes.append(why)
        models = ["fixed", "random"] if a["model"] in (None, "unknown") else [a["model"]]
        published = {
            "estimate": c["estimate_text"],
            "ci_low": c["ci_low_text"],
            "ci_high": c["ci_high_text"],
            "z": c["z_text"],
            "p": c["p_text"],
        }
        # printed heterogeneity (RevMan 5 files keep it with the totals): checked where given
        published |= {k: c[f"{k}_text"] for k in HETEROGENEITY if c[f"{k}_text"] is not None}
        recs: list[Recomputed] = []
        missing: list[str] = []
        for model in models:
            key = (a["analysis_id"], model)
            if key not in cache:
                q = Question(a["outcome"], a["subgroup_variable"], a["measure"], method, model, review=review)
                cache[key] = answer_with(con, q)
            ans = cache[key]
            in_analysis = row_studies.get(c["analysis_id"])
            missing = sorted(
                {
                    n.study
                    for n in ans.no_data
                    if (c["subgroup_value"] is None or n.subgroup in (None, c["subgroup_value"]))
                    and (in_analysis is None or n.study in in_analysis)
                }
            )
            rec = _recompute(_pick(ans, c["subgroup_value"]), published, method, model)
            if rec is not None:
                recs.append(rec)
        best = next((r for r in recs if r.reproduced), recs[0] if recs else None)
        alternatives = [r for r in recs if r is not best]
        if best is None:
            verdict = "not_recomputable"
        elif missing:
            verdict = "not_recomputable"  # the registry lacks data the review used
        else:
            verdict = "reproduced" if best.reproduced else "differs"
        diffs = (
            {}
            if best is None
            else {
                k: v - float(published[k] or "nan")
                for k, v in (
                    ("estimate", best.estimate),
                    ("ci_low", best.ci_low),
                    ("ci_high", best.ci_high),
                    ("z", best.z),
                )
                if v is not None and published[k] is not None
            }
        )
        consistency = check_claim(
            c["estimate_text"],
            c["ci_low_text"],
            c["ci_high_text"],
            c["z_text"],
            c["p_text"],
            ratio=a["measure"] not in ("RD", "MD", "SMD"),
        )
        out.append(
            ClaimAudit(
                c["claim_id"],
                c["analysis_id"],
                a["outcome"],
                c["subgroup_value"],
                published,
                best,
                alternatives,
                verdict,
                diffs,
                consistency,
                missing,
                c["locator"],
                (
                    missing_would_show(
                        con,
                        review,
                        a["measure"],
                        published,
                        c["subgroup_value"],
                        cache[(a["analysis_id"], models[0])],
                        missing,
                    )
                    if verdict == "not_recomputable"
                    else None
                ),
                _harm_lines(con, review, a["outcome"], harm_cache),
            )
        )
    h = con.execute(sql_text("registry_hash.sql")).fetchone()
    printed = audit_analyses(con, review, preread)
    return AuditReport(review, h[0] if h else None, out, _totals(con, review), notes, printed)


def _harm_lines(
    con: duckdb.DuckDBPyConnection, review: str, outcome: str, cache: dict[str, Any]
) -> list[str]:
    """For a harm outcome, what the review's harms records give it (review/harms.py explain)."""
    from evireg.index.profile_sql import read_profile
    from evireg.review.harms import explain, fitting, review_harms

    if "profile" not in cache:
        cache["profile"] = read_profile(con)
    o = cache["profile"].outcome(outcome)
    if o is None or o.harm is None:
        return []
    if "harms" not in cache:
        cache["harms"] = review_harms(con, review, cache["profile"])
    return explain(o.harm, cache["harms"], fitting(con, outcome))


def _totals(con: duckdb.DuckDBPyConnection, review: str) -> Totals:
    (row,) = records(con, sql_text("audit_totals.sql"), {"review": review})
    published = {k: row[f"published_{k}"] for k in ("studies", "participants", "intervention", "control")}
    registry = {k: row[f"registry_{k}"] for k in ("studies", "participants", "intervention", "control")}
    unknown = list(row["unknown_arm_counts"] or [])
    agree = {
        k: (None if published[k] is None or (unknown and k != "studies") else published[k] == registry[k])
        for k in published
    }
    return Totals(published, registry, unknown, agree)


def audit(reg: Registry, review: str | None = None) -> AuditReport:
    with connect_readonly(reg) as con:
        return audit_with(con, review or default_review(con))


def audit_all(reg: Registry, progress: Callable[[int, int, str], None] | None = None) -> list[AuditReport]:
    """Every review of the registry audited, in id order, on all cores when there are many;
    ``progress(done, total, review)`` is called as reviews finish (the CLI draws a bar from it)."""
    from concurrent.futures import as_completed

    from evireg.registry.loading import worker_count, worker_pool
    from evireg.review.analysis import review_ids

    with connect_readonly(reg) as con:  # fresh before any worker opens it
        ids = review_ids(con)
    workers = worker_count()
    if progress is not None:
        progress(0, len(ids), ids[0] if ids else "")
    if workers == 1 or len(ids) < PARALLEL_FROM:
        chunks = [ids]
        results = [_audit_chunk(reg, ids, progress)]
    else:
        # contiguous chunks, a few per worker: each reads only its reviews' outcome rows, and the
        # bar moves as chunks finish
        size = -(-len(ids) // (4 * workers))
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        results = [[] for _ in chunks]
        done = 0
        with worker_pool(workers) as pool:
            futures = {pool.submit(_audit_chunk, reg, chunk): n for n, chunk in enumerate(chunks)}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                done += len(chunks[futures[fut]])
                if progress is not None:
                    progress(done, len(ids), "")
    out = [r for chunk in results for r in chunk]
    if progress is not None and ids:
        progress(len(ids), len(ids), "")
    return out


PARALLEL_FROM = 20  # reviews: fewer are audited in one process (starting workers costs more)


def _audit_chunk(
    reg: Registry, ids: list[str], progress: Callable[[int, int, str], None] | None = None
) -> list[AuditReport]:
    """Some reviews audited on one connection; their outcome rows read in one query per type."""
    with connect_readonly(reg) as con:
        profile = read_profile(con)
        outcomes = [
            str(r[0]) for r in con.execute(sql_text("review_outcomes.sql"), {"reviews": ids}).fetchall()
        ]
        preread = read_outcomes(con, [o for o in outcomes if profile.outcome(o) is not None], profile)
        out = []
        for i, rid in enumerate(ids):
            if progress is not None and i:
                progress(i, len(ids), rid)
            out.append(audit_with(con, rid, preread))
        return out
