"""Risk-of-bias tables (`evireg rob`): per outcome and tool, studies by domains with robvis's
symbols, then footnotes with each judgement's support and provenance (Markdown); the same as
JSON (every field) and CSV (one row per judgement, as the risk_of_bias view has them)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from evireg.review.rob import Judgement, RobReport, RobTable

LEGEND = "+ low  ! some concerns / moderate  − high / serious  × critical  ? no information"
CSV_COLUMNS = ["outcome", "tool", "study_id", "domain", "domain_label", "judgement", "support",
               "source_id", "locator", "assessor", "assessed_on", "overridden"]


def _heads(t: RobTable) -> list[str]:
    return [f"D{i}" for i in range(1, len(t.domains) + 1)] + ["Overall"]


def _title(t: RobTable) -> str:
    return f"{t.outcome_label} ({t.outcome}): {t.tool_name}"


def _empty(rep: RobReport) -> str:
    return "no risk-of-bias assessments" + (f" of the studies of {rep.review}" if rep.review else "")


def rich_tables(rep: RobReport) -> Group:
    parts: list[Text | Table] = []
    for t in rep.tables:
        table = Table(title=_title(t), title_justify="left", header_style="bold", box=None, pad_edge=False)
        table.add_column("Study")
        for h in _heads(t):
            table.add_column(h, justify="center")
        for s in t.studies:
            mark = "*" if s.overridden else ""
            table.add_row(s.study_id, *[j.symbol for j in s.domains], s.overall.symbol + mark)
        parts.append(table)
        names = "; ".join(f"D{i} {label}" for i, (_, label) in enumerate(t.domains, start=1))
        overridden = any(s.overridden for s in t.studies)
        parts.append(Text(names + ("\n* overall judged by the assessor, not the tool's algorithm"
                                   if overridden else ""), style="dim"))
    parts.append(Text(LEGEND if rep.tables else _empty(rep), style="dim"))
    return Group(*parts)


def _provenance(j: Judgement) -> str:
    return f" ({j.source_id}: {j.locator})" if j.source_id else ""


def markdown(rep: RobReport) -> str:
    if not rep.tables:
        return _empty(rep) + "\n"
    lines = []
    for t in rep.tables:
        heads = _heads(t)
        head = "| Study | " + " | ".join(heads) + " |"
        lines += [f"### {_title(t)}", "", head, "|---" * (len(heads) + 1) + "|"]
        notes: list[str] = []
        for s in t.studies:
            cells = []
            for h, j in zip(heads, [*s.domains, s.overall], strict=True):
                judged = j.judgement.replace("_", " ")
                over = " (overridden)" if j.domain == "overall" and s.overridden else ""
                when = f", {s.assessed_on}" if s.assessed_on else ""
                notes.append(
                    f"[{len(notes) + 1}] {s.study_id}, {h} ({j.label}): {judged}{over}. "
                    f"{j.support or 'No support given.'}{_provenance(j)}; assessed by {s.assessor}{when}"
                )
                cells.append(f"{j.symbol} [{len(notes)}]")
            lines.append(f"| {s.study_id} | " + " | ".join(cells) + " |")
        names = "; ".join(f"D{i}: {label}" for i, (_, label) in enumerate(t.domains, start=1))
        lines += ["", names + ".  ", LEGEND, "", *[f"{n}  " for n in notes], ""]
    return "\n".join(lines)


def json_text(rep: RobReport) -> str:
    return json.dumps(rep.to_dict(), indent=2, ensure_ascii=False)


def csv_text(rep: RobReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for t in rep.tables:
        for s in t.studies:
            for j in [*s.domains, s.overall]:
                w.writerow([t.outcome, t.tool, s.study_id, j.domain, j.label, j.judgement, j.support or "",
                            j.source_id or "", j.locator or "", s.assessor, s.assessed_on or "",
                            s.overridden if j.domain == "overall" else ""])
    return buf.getvalue()
