"""Pooled answers laid out as RevMan lays out an analysis: study rows, subtotals, total, tests.

Human formats round as RevMan prints (ratios and Z to 2 decimals, I² whole percent, P floored at
0.00001); JSON keeps full precision. The forest column is drawn with text on a log scale.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from evireg.render import revman_format as rf
from evireg.render.columns import (
    ARM_COLUMNS,
    INPUT_COLUMNS,
    MARKDOWN_ARMS,
    RATIO,
    effect_header,
    level_text,
    measure_name,
    method_lines,
    method_text,
    number,
    study_cells,
)
from evireg.render.text_forest import axis_range, forest_bar
from evireg.render.totals import (
    difference_text,
    fmt_est,
    heterogeneity_text,
    overall_text,
    prediction_row,
    random_effects_lines,
)

if TYPE_CHECKING:
    from evireg.review.question import Answer, Input
    from evireg.stats import PoolResult


def _block_rows(
    res: PoolResult, inputs: Sequence[Input], notes: dict[tuple[str, str | None], int], subgroup: str | None
) -> list[dict[str, Any]]:
    rows = []
    for s in res.studies:
        n = notes.get((s.label, subgroup))
        rows.append(
            {
                "kind": "study",
                "study": s.label,
                "label": s.label + (f" [{n}]" if n else ""),
                "et": s.events_t,
                "nt": s.total_t,
                "ec": s.events_c,
                "nc": s.total_c,
                "cells": study_cells(s),
                "weight": s.weight,
                "est": None if s.excluded else s.estimate,
                "lo": None if s.excluded else s.ci_low,
                "hi": None if s.excluded else s.ci_high,
            }
        )
    return rows


def _total_row(label: str, res: PoolResult) -> dict[str, Any]:
    inc = [s for s in res.studies if not s.excluded]
    if res.data_type == "continuous":
        nt, nc = (sum(int(s.inputs[f"n_{arm}"]) for s in inc) for arm in ("treat", "ctrl"))
    else:
        nt, nc = sum(s.total_t for s in inc), sum(s.total_c for s in inc)
    return {
        "kind": "total",
        "label": label,
        "et": None,
        "nt": nt,
        "ec": None,
        "nc": nc,
        "weight": 100.0 if res.k else None,
        "est": res.estimate if res.k else None,
        "lo": res.ci_low if res.k else None,
        "hi": res.ci_high if res.k else None,
        "events": (sum(s.events_t for s in inc), sum(s.events_c for s in inc)),
        "lines": [heterogeneity_text(res), overall_text(res), *random_effects_lines(res)],
        "pi": prediction_row(res) if res.k else None,
    }


def layout(answer: Answer) -> list[dict[str, Any]]:
    """RevMan's row order: subgroup heading, its studies, subtotal; then the total."""
    from evireg.stats import SubgroupResult

    r = answer.result
    notes = footnote_numbers(answer)
    level = level_text(answer.question.level)
    if r is None:
        return []
    rows: list[dict[str, Any]] = []
    if isinstance(r, SubgroupResult):
        for name, sub in r.subgroups:
            rows.append({"kind": "heading", "label": name})
            rows += _block_rows(sub, answer.inputs, notes, name)
            rows.append(_total_row(f"Subtotal ({level} CI)", sub))
        rows.append(_total_row(f"Total ({level} CI)", r.overall))
    else:
        rows += _block_rows(r, answer.inputs, notes, None)
        rows.append(_total_row(f"Total ({level} CI)", r))
    return rows


def footnote_numbers(answer: Answer) -> dict[tuple[str, str | None], int]:
    return {(i.study, i.subgroup): n for n, i in enumerate(answer.inputs, start=1)}


def source_text(i: Input, max_derivation: int | None = None) -> str:
    ident = f"PMID {i.pmid}" if i.pmid else (f"doi {i.doi}" if i.doi else (i.url or ""))
    kind = f"{i.source_kind}, " if i.source_kind else ""
    text = f"{i.source_id} ({kind}{ident}): {i.locator}" if ident else f"{i.source_id}: {i.locator}"
    if i.derivation:
        d = i.derivation
        if max_derivation and len(d) > max_derivation:
            d = d[: max_derivation - 1].rstrip() + "…"
        text += f"; derived: {d}"
    if i.note:
        text += f"; {i.note}"
    return text


def footnotes(answer: Answer, max_derivation: int | None = None) -> list[str]:
    out = []
    for n, i in enumerate(answer.inputs, start=1):
        sg = f" ({i.subgroup})" if i.subgroup else ""
        out.append(f"[{n}] {i.study}{sg}: {source_text(i, max_derivation)}")
    return out


def no_data_lines(answer: Answer) -> list[str]:
    return [
        f"{n.study}{f' ({n.subgroup})' if n.subgroup else ''}: no data: {n.reason}" for n in answer.no_data
    ]


def _counts(e: int | None, n: int | None) -> tuple[str, str]:
    return ("" if e is None else str(e), "" if n is None else str(n))


def _block_table(cols: list[tuple[str, str, int]], header: bool) -> Table:
    t = Table(show_header=header, header_style="bold", box=None, pad_edge=False, padding=(0, 1, 0, 0))
    for name, justify, w in cols:
        t.add_column(name, justify=justify, width=w, no_wrap=True, overflow="ellipsis")  # type: ignore[arg-type]
    return t


def arm_cells(kind: str, r: dict[str, Any], narrow: bool) -> list[str]:
    """The arms' cells of a study or total row, by data type."""
    if kind == "dichotomous":
        et, nt = _counts(r["et"], r["nt"])
        ec, nc = _counts(r["ec"], r["nc"])
        return [f"{et}/{nt}" if et else nt, f"{ec}/{nc}" if ec else nc] if narrow else [et, nt, ec, nc]
    width = len(ARM_COLUMNS[kind][1 if narrow else 0])
    if r["kind"] == "total":
        if kind != "continuous":
            return [""] * width
        nt, nc = str(r["nt"]), str(r["nc"])
        return [nt, nc] if narrow else ["", "", nt, "", "", nc]
    cells = r["cells"]
    names = INPUT_COLUMNS[kind]
    if kind == "continuous" and narrow:
        names = ["n_treat", "n_ctrl"]
    return [number(cells.get(n)) for n in names]


def rich_table(answer: Answer, title: str, width: int = 80) -> Group:
    """The analysis as RevMan draws it; each subgroup block is a table of the same columns."""
    q = answer.question
    kind = answer.data_type
    ratio = q.measure in RATIO
    rows = layout(answer)
    values = [v for r in rows for v in (r.get("lo"), r.get("hi")) if v is not None]
    axis = axis_range(values, ratio)
    narrow = width < 110
    labels = [str(r["label"]) for r in rows] + [r["pi"][0] for r in rows if r.get("pi")]
    label_w = min(max([len(x) for x in labels] + [17]), 21 if narrow else 30)
    arm_cols = ARM_COLUMNS[kind][1 if narrow else 0]
    arm_w = sum(w + 1 for _, _, w in arm_cols) - 2
    rob = rob_column(answer)
    bar_w = max(15, min(41, width - label_w - arm_w - 6 - 18 - 7 - (4 if rob else 0))) if narrow else 41
    mid = "1" if ratio else "0"
    ends = (f"{axis[0]:g}", f"{axis[1]:g}")  # 0.01 ... 100
    gap = max(1, (bar_w - len(ends[0]) - len(ends[1]) - len(mid)) // 2)
    axis_head = (
        f"{ends[0]}{' ' * gap}{mid}{' ' * (bar_w - len(ends[0]) - len(ends[1]) - len(mid) - gap)}{ends[1]}"
    )
    name = measure_name(q.measure, answer.labels.unit)
    effect_w = 19 if narrow else 20
    method_w = len(rf_method(q))
    if not narrow and method_w > effect_w:
        # a wide terminal with room to spare shows the method on one line
        spare = width - (label_w + arm_w + 2 + 7 + effect_w + 1 + bar_w + (4 if rob else 0))
        effect_w = method_w if spare >= method_w - effect_w else effect_w
    method = method_lines(rf_method(q), effect_w)  # narrow: "IV, Random (REML)," / "HKSJ, 95% CI"
    cols = [
        ("Study or Subgroup", "left", label_w),
        *arm_cols,
        ("Weight", "right", 6),
        ("\n".join([name, *method]), "right", effect_w),
        ("\n".join([name, *[""] * (len(method) - 1), axis_head]), "left", bar_w),
        *([("RoB", "center", 3)] if rob else []),
    ]
    parts: list[Any] = [Text(title, style="bold")]
    table = _block_table(cols, header=True)

    def flush(extra: list[str]) -> None:
        nonlocal table
        parts.append(table)
        if extra:
            parts.append(Text("\n".join(f"  {line}" for line in extra), style="dim"))
        table = _block_table(cols, header=False)

    for r in rows:
        if r["kind"] == "heading":
            table.add_row(Text(str(r["label"]), style="bold"), *[""] * (len(cols) - 1))
            continue
        bold = "bold" if r["kind"] == "total" else ""
        table.add_row(
            Text(r["label"], style=bold),
            *arm_cells(kind, r, narrow),
            rf.fmt_weight(r["weight"]),
            Text(fmt_est(q.measure, r["est"], r["lo"], r["hi"]), style=bold),
            forest_bar(r["est"], r["lo"], r["hi"], axis, bar_w, ratio, r["kind"] == "total"),
            *([rob(r)] if rob else []),
        )
        if r["kind"] == "total":
            if kind == "dichotomous":
                ev = r["events"]
                table.add_row(
                    Text("Total events", style="dim"),
                    *([str(ev[0]), str(ev[1])] if narrow else [str(ev[0]), "", str(ev[1]), ""]),
                    "",
                    "",
                    "",
                    *([""] if rob else []),
                )
            if r["pi"]:
                label, lo, hi = r["pi"]
                table.add_row(
                    Text(label, style="dim"),
                    *[""] * len(arm_cols),
                    "",
                    rf.fmt_ci(lo, hi),
                    forest_bar(r["est"], lo, hi, axis, bar_w, ratio).replace("■", "─"),
                    *([""] if rob else []),
                )
            flush(r["lines"])
    if table.row_count:
        parts.append(table)
    diff = difference_text(answer)
    if diff:
        parts.append(Text(diff))
    notes = (
        footnotes(answer, max_derivation=100)
        + [f"- {_clip(n, 160)}" for n in no_data_lines(answer)]
        + answer.notes
    )
    if notes:
        parts.append(Text("\n".join(notes), style="dim"))
    return Group(*parts)


def rob_column(answer: Answer) -> Callable[[dict[str, Any]], str] | None:
    """The cell of the "RoB" column (each study's overall risk-of-bias symbol, as RevMan Web shows
    it beside the forest plot), or None when the outcome has no assessment: then the table is
    exactly as it was."""
    if not answer.rob:
        return None
    from evireg.review.rob import symbol

    return lambda r: symbol(answer.rob.get(r["study"])) if r["kind"] == "study" else ""


def rf_method(q: Any) -> str:
    """The question's method as RevMan names it (see render/columns.py method_name)."""
    return method_text(q.method, q.model, q.level, tau2_method=q.tau2_method, hksj=q.hksj)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def markdown(answer: Answer, title: str) -> str:
    q = answer.question
    kind = answer.data_type
    head = [
        "Study or Subgroup",
        *MARKDOWN_ARMS[kind],
        "Weight",
        effect_header(
            q.measure, q.method, q.model, q.level, answer.labels.unit, tau2_method=q.tau2_method, hksj=q.hksj
        ),
    ]
    rob = rob_column(answer)
    if rob:
        head.append("RoB")
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in layout(answer):
        if r["kind"] == "heading":
            lines.append(f"| **{r['label']}** |" + " |" * (len(head) - 1))
            continue
        b = "**" if r["kind"] == "total" else ""
        arms = " | ".join(arm_cells(kind, r, narrow=False))
        w = rf.fmt_weight(r["weight"])
        rob_cell = f" {rob(r)} |" if rob else ""
        lines.append(
            f"| {b}{r['label']}{b} | {arms} | {w} | {b}{fmt_est(q.measure, r['est'], r['lo'], r['hi'])}{b} |"
            + rob_cell
        )
        if r["kind"] == "total":
            if r["pi"]:
                label, lo, hi = r["pi"]
                arms_blank = " | ".join([""] * len(MARKDOWN_ARMS[kind]))
                lines.append(f"| {label} | {arms_blank} | | {rf.fmt_ci(lo, hi)} |" + (" |" if rob else ""))
            lines += [f"| {line} |" + " |" * (len(head) - 1) for line in r["lines"]]
    diff = difference_text(answer)
    if diff:
        lines += ["", diff]
    notes = footnotes(answer) + [f"- {n}" for n in no_data_lines(answer)] + answer.notes
    if notes:
        lines += ["", *[f"{n}  " for n in notes]]
    return "\n".join(lines) + "\n"


def csv_rows(answer: Answer) -> str:
    """One row per study, subtotal and total; the input columns are the data type's."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    inputs = INPUT_COLUMNS[answer.data_type]
    w.writerow(
        [
            "subgroup",
            "study",
            *inputs,
            "weight",
            "estimate",
            "ci_low",
            "ci_high",
            "excluded",
            "source_id",
            "locator",
        ]
    )
    d = answer.to_dict()
    blank = [""] * len(inputs)
    blocks = [(sg["name"], sg) for sg in d["subgroups"]] or [("", d)]
    for name, block in blocks:
        for s in block["studies"]:
            src = s.get("source") or {}
            w.writerow(
                [
                    name,
                    s["study"],
                    *(s.get(c) for c in inputs),
                    s["weight"],
                    s["estimate"],
                    s["ci_low"],
                    s["ci_high"],
                    s["excluded"] or "",
                    src.get("source_id", ""),
                    src.get("locator", ""),
                ]
            )
        if name:
            w.writerow(
                [
                    name,
                    "Subtotal",
                    *blank,
                    100.0,
                    block["estimate"],
                    block["ci_low"],
                    block["ci_high"],
                    "",
                    "",
                    "",
                ]
            )
    w.writerow(["", "Total", *blank, 100.0, d["estimate"], d["ci_low"], d["ci_high"], "", "", ""])
    return buf.getvalue()


def json_text(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), indent=2)
