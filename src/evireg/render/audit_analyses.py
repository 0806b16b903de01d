"""Human renderings of the audit of an imported review's analyses and of the audit of many reviews.

One line per analysis (rows reproduced, differing and not recomputable; the measure, level and
method inferred), then every row that is not reproduced in full: what was printed, what the
registry gives and the difference.  ``evireg audit --all`` ends with a summary table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from evireg.review.audit import AuditReport
    from evireg.review.audit_analyses import AnalysisAudit, RowAudit
    from evireg.review.audit_summary import AuditSummary

VERDICT_STYLE = {"reproduced": "green", "differs": "red", "not_recomputable": "yellow"}
VERDICT_MARK = {"reproduced": "ok  ", "differs": "DIFF", "not_recomputable": "n/a "}


def _num(x: str | float | None) -> str:
    """A printed number as printed, a recomputed one to 6 significant digits."""
    if x is None:
        return "-"
    return x if isinstance(x, str) else f"{x:.6g}"


def analysis_line(a: AnalysisAudit) -> str:
    c = a.counts
    parts = [f"{c['reproduced']}/{len(a.rows)} rows reproduced"]
    if c["differs"]:
        parts.append(f"{c['differs']} differ")
    if c["not_recomputable"]:
        parts.append(f"{c['not_recomputable']} not recomputable")
    inf = a.inferred
    how = inf.get("label") or "options not inferred"
    sure = "" if inf.get("unambiguous") or not inf.get("label") else ", ambiguous"
    return f"{a.title}: {', '.join(parts)} ({how}{sure})"


def _values(d: dict[str, Any] | None) -> str:
    if d is None:
        return "-"
    weight = "" if d["weight"] is None else f", weight {_num(d['weight'])}"
    return f"{_num(d['estimate'])} [{_num(d['ci_low'])}, {_num(d['ci_high'])}]{weight}"


def row_details(r: RowAudit) -> str:
    where = f" ({r.subgroup})" if r.subgroup else ""
    head = f"{r.label}{where}: printed {_values(r.published)}"
    if r.verdict == "not_recomputable":
        return f"{head}; not recomputable: {r.reason}"
    diffs = ", ".join(f"{k} {v:+.6g}" for k, v in r.differences.items())
    return f"{head}; registry {_values(r.recomputed)}; {r.reason}" + (f" ({diffs})" if diffs else "")


def _notes(a: AnalysisAudit) -> list[str]:
    return [*a.inferred.get("notes", []), *a.notes]


def analyses_rich(analyses: Sequence[AnalysisAudit]) -> list[Any]:
    parts: list[Any] = [Text("Printed study rows vs the registry", style="bold")]
    for a in analyses:
        line = Text(f"{VERDICT_MARK[a.verdict]} ", style=VERDICT_STYLE[a.verdict])
        line.append(analysis_line(a), style="default")
        parts.append(line)
        details = [f"    - {n}" for n in _notes(a)]
        details += [f"    {row_details(r)}" for r in a.rows if r.verdict != "reproduced"]
        if details:
            parts.append(Text("\n".join(details)))
    return parts


def analyses_markdown(analyses: Sequence[AnalysisAudit]) -> list[str]:
    lines = ["**Printed study rows vs the registry**", ""]
    for a in analyses:
        lines.append(f"- {a.verdict}: {analysis_line(a)}")
        lines += [f"  - {n}" for n in _notes(a)]
        lines += [f"  - {row_details(r)}" for r in a.rows if r.verdict != "reproduced"]
    return [*lines, ""]


def _summary_rows(s: AuditSummary) -> list[list[str]]:
    pct = s.percent_reproduced
    rows = [
        ["reviews", str(s.reviews)],
        ["analyses", str(s.analyses)],
        ["printed study rows", str(s.rows)],
        ["reproduced", f"{s.reproduced} ({'-' if pct is None else f'{pct:.1f}%'})"],
        ["differ", str(s.differs)],
        ["not recomputable", str(s.not_recomputable)],
    ]
    if s.claims:
        rows.append(["claims reproduced", f"{s.claims_reproduced} of {s.claims}"])
    rows += [[f"cause: {c}", str(n)] for c, n in s.causes]
    rows += [[f"inferred: {m}", f"{n} analyses"] for m, n in s.methods]
    return rows


def summary_rich(s: AuditSummary) -> Group:
    t = Table(title="Audit of every review", title_justify="left", show_header=False)
    t.add_column("")
    t.add_column("", justify="right")
    for row in _summary_rows(s):
        t.add_row(*row)
    return Group(t)


def summary_markdown(s: AuditSummary) -> str:
    lines = ["## Audit of every review", "", "| | |", "|---|---:|"]
    lines += [f"| {a} | {b} |" for a, b in _summary_rows(s)]
    return "\n".join(lines) + "\n"


def _review_line(rep: AuditReport) -> str | None:
    """A review that is not clean, in one line (None for a clean one)."""
    if rep.clean:
        return None
    rows = [r for a in rep.analyses for r in a.rows]
    ok = sum(r.verdict == "reproduced" for r in rows)
    off = [a.title for a in rep.analyses if a.verdict != "reproduced"]
    claims = [c for c in rep.claims if c.verdict != "reproduced" or c.consistency.consistent is False]
    parts = [f"{ok}/{len(rows)} rows reproduced"] if rows else []
    if off:
        parts.append("analyses not reproduced: " + "; ".join(off))
    if claims:
        parts.append(f"{len(claims)} of {len(rep.claims)} claims not reproduced or not self-consistent")
    return f"{rep.review}: {', '.join(parts)}"


def all_rich(reports: Sequence[AuditReport]) -> Group:
    """``audit --all``: the reviews that are not clean, one line each, then the summary table."""
    from evireg.review.audit_summary import summarise

    summary = summarise(reports)
    lines = [x for x in (_review_line(r) for r in reports) if x]
    parts: list[Any] = []
    if lines:
        parts.append(Text("Reviews not fully reproduced", style="bold"))
        parts.append(Text("\n".join(lines)))
    return Group(*parts, summary_rich(summary))


def all_markdown(reports: Sequence[AuditReport]) -> str:
    from evireg.review.audit_summary import summarise

    summary = summarise(reports)
    lines = [f"- {x}" for x in (_review_line(r) for r in reports) if x]
    head = ["**Reviews not fully reproduced**", "", *lines, ""] if lines else []
    return "\n".join(head) + summary_markdown(summary)
