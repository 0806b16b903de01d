"""The context of each page of a review's site, as plain values a template prints: the analysis
table in RevMan's row order with a footnote per study row, the audit's claims, the summary of
findings, the risk-of-bias tables. Numbers are formatted here, as the text report formats them,
so that a page and `evireg report` print the same digits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evireg.render import revman_format as rf
from evireg.render.columns import (
    MARKDOWN_ARMS,
    effect_header,
    level_text,
    measure_name,
    method_long,
    method_name,
)
from evireg.render.pool import arm_cells, footnote_numbers, layout, rob_column
from evireg.render.report import (
    claim_details,
    claim_name,
    egger_text,
    line_cells,
    published_text,
    recomputed_text,
    totals_rows,
)
from evireg.render.totals import difference_text, fmt_est
from evireg.site.studies import source_links

if TYPE_CHECKING:
    from evireg.review.audit import AuditReport
    from evireg.review.question import Answer
    from evireg.review.report import Section

SENSITIVITY_HEAD = ["Analysis", "k", "{m} [{level} CI]", "P", "I²"]


def slug(text: str) -> str:
    """A file or anchor name from an id: letters, digits, - and _ kept, the rest as -."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text) or "-"


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False


def _footnotes(answer: Answer) -> list[dict[str, Any]]:
    out = []
    for n, i in enumerate(answer.inputs, start=1):
        links = source_links({"pmid": i.pmid, "doi": i.doi, "url": i.url})
        out.append(
            {
                "n": n,
                "study": i.study,
                "study_page": f"../studies/{slug(i.study)}.html",
                "subgroup": i.subgroup,
                "source_id": i.source_id,
                "source_kind": i.source_kind,
                "citation": i.citation,
                "locator": i.locator,
                "derivation": i.derivation,
                "note": i.note,
                "links": links,
            }
        )
    return out


def _table(answer: Answer) -> dict[str, Any]:
    """RevMan's analysis table: heading, study, subtotal and total rows, each a list of cells."""
    q = answer.question
    kind = answer.data_type
    effect = effect_header(
        q.measure, q.method, q.model, q.level, answer.labels.unit, tau2_method=q.tau2_method, hksj=q.hksj
    )
    rob = rob_column(answer)
    # the profile's arm labels (an arm called Drug heads "Drug events"), as the forest plot does
    arms = [h.replace("Treat", answer.labels.intervention or "Treat", 1).replace(
        "Ctrl", answer.labels.control or "Ctrl", 1) for h in MARKDOWN_ARMS[kind]]
    head = ["Study or Subgroup", *arms, "Weight", effect, *(["Risk of bias"] if rob else [])]
    rows: list[dict[str, Any]] = []
    notes = footnote_numbers(answer)
    for r in layout(answer):
        if r["kind"] == "heading":
            rows.append({"kind": "heading", "label": str(r["label"]), "span": len(head)})
            continue
        cells = [
            *(Cell(c, True) for c in arm_cells(kind, r, narrow=False)),
            Cell(rf.fmt_weight(r["weight"]), True),
            Cell(fmt_est(q.measure, r["est"], r["lo"], r["hi"]), True),
        ]
        if rob:
            judged = answer.rob.get(r["study"], "") if r["kind"] == "study" else ""
            cells.append(Cell(f"{rob(r)} {judged.replace('_', ' ')}".strip()))
        row: dict[str, Any] = {"kind": r["kind"], "cells": cells}
        if r["kind"] == "study":
            row["study"] = r["study"]
            row["study_page"] = f"../studies/{slug(r['study'])}.html"
            subgroup = next((x["label"] for x in rows[::-1] if x["kind"] == "heading"), None)
            row["note"] = notes.get((r["study"], subgroup)) or notes.get((r["study"], None))
        else:
            row["label"] = r["label"]
        rows.append(row)
        if r["kind"] == "total":
            if kind == "dichotomous":
                ev = r["events"]
                counts = [Cell(str(ev[0]), True), Cell(""), Cell(str(ev[1]), True), Cell("")]
                blank = [Cell("")] * (len(head) - 1 - len(counts))
                rows.append({"kind": "events", "label": "Total events", "cells": [*counts, *blank]})
            if r["pi"]:
                label, lo, hi = r["pi"]
                blank = [Cell("")] * len(MARKDOWN_ARMS[kind])
                rows.append(
                    {"kind": "pi", "label": label,
                     "cells": [*blank, Cell(""), Cell(rf.fmt_ci(lo, hi), True), *([Cell("")] if rob else [])]}
                )
            rows.append({"kind": "tests", "lines": r["lines"], "span": len(head)})
    return {"head": head, "rows": rows}


def analysis_context(section: Section, figure: str | None) -> dict[str, Any]:
    answer = section.answer
    q = answer.question
    res = answer.overall
    summary = None
    if res is not None and res.k:
        summary = fmt_est(q.measure, res.estimate, res.ci_low, res.ci_high)
    m = q.measure or ""
    sens_head = [h.format(m=m, level=level_text(q.level)) for h in SENSITIVITY_HEAD]
    name = measure_name(q.measure, answer.labels.unit)
    k = res.k if res is not None else 0
    short = method_name(q.method, q.model, q.tau2_method, q.hksj)
    alt = (
        f"Forest plot of {section.title}: {name} {summary} by {short}"
        f" from {k} studies; the table below gives every number the plot shows."
        if summary
        else f"Forest plot of {section.title}: no study could be pooled."
    )
    return {
        "id": section.analysis_id,
        "title": section.title,
        "summary": summary,
        "measure_name": name,
        "method": short,
        "method_long": method_long(q.method, q.model, q.level, q.tau2_method, q.hksj),
        "model_note": section.model_note,
        "figure": figure,
        "alt": alt,
        "table": _table(answer),
        "difference": difference_text(answer),
        "footnotes": _footnotes(answer),
        "no_data": [
            {"study": n.study, "study_page": f"../studies/{slug(n.study)}.html", "subgroup": n.subgroup,
             "reason": n.reason}
            for n in answer.no_data
        ],
        "notes": answer.notes,
        "sensitivity_head": sens_head,
        "sensitivity": [line_cells(q.measure, x) for x in section.sensitivity],
        "leave_one_out": [line_cells(q.measure, x) for x in section.leave_one_out],
        "egger": egger_text(section),
        "k": k,
        "data_type": answer.data_type,
    }


def audit_context(a: AuditReport) -> dict[str, Any]:
    from evireg.render.audit_analyses import analysis_line, row_details

    cons = {True: "yes", False: "NO", None: "n/a"}
    return {
        "review": a.review,
        "claims": [
            {
                "name": claim_name(c),
                "analysis": c.analysis_id,
                "published": published_text(c),
                "recomputed": recomputed_text(c.recomputed),
                "verdict": c.verdict,
                "consistent": cons[c.consistency.consistent],
                "locator": c.locator,
                "details": claim_details(c),
            }
            for c in a.claims
        ],
        "totals": totals_rows(a) if a.claims else [],
        "unknown_arm_counts": a.totals.unknown_arm_counts if a.claims else [],
        "analyses": [
            {"line": analysis_line(x), "rows": [row_details(r) for r in x.rows]} for x in a.analyses
        ],
        "notes": a.notes,
    }
