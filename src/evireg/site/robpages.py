"""The risk-of-bias page: per outcome and tool, the traffic-light figure (weighted by the outcome's
analysis when the report has one) and a table of every judgement with its support, the source it
was read in, who judged it and when. The judgements are the registry curators' own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evireg.site.pages import slug

if TYPE_CHECKING:
    from pathlib import Path

    from evireg.review.report import Report
    from evireg.review.rob import RobReport


def rob_context(rob: RobReport, rep: Report, stage: Path) -> dict[str, Any]:
    import matplotlib.pyplot as plt

    from evireg.plots import save
    from evireg.plots.rob import rob_figure

    answers = {s.answer.question.outcome: s.answer for s in rep.sections if s.answer.question.by is None}
    tables = []
    for t in rob.tables:
        name = f"rob-{slug(t.outcome)}-{slug(t.tool)}.svg"
        fig = rob_figure(t, answers.get(t.outcome))
        save(fig, stage / name)
        plt.close(fig)
        heads = [f"D{i}" for i in range(1, len(t.domains) + 1)] + ["Overall"]
        rows = []
        for s in t.studies:
            cells = []
            for h, j in zip(heads, [*s.domains, s.overall], strict=True):
                cells.append(
                    {
                        "head": h,
                        "label": j.label,
                        "symbol": j.symbol,
                        "judgement": j.judgement.replace("_", " "),
                        "support": j.support,
                        "source_id": j.source_id,
                        "locator": j.locator,
                        "overridden": j.domain == "overall" and s.overridden,
                    }
                )
            rows.append(
                {
                    "study": s.study_id,
                    "study_page": f"studies/{slug(s.study_id)}.html",
                    "assessor": s.assessor,
                    "assessed_on": s.assessed_on,
                    "cells": cells,
                }
            )
        tables.append(
            {
                "id": f"{slug(t.outcome)}-{slug(t.tool)}",
                "title": f"{t.outcome_label} ({t.outcome}): {t.tool_name}",
                "figure": name,
                "alt": f"Risk-of-bias traffic-light plot of {len(t.studies)} studies for {t.outcome_label} "
                f"({t.tool_name}), with the summary bar chart; the table below gives every judgement.",
                "domains": [(f"D{i}", label) for i, (_, label) in enumerate(t.domains, start=1)],
                "heads": heads,
                "rows": rows,
            }
        )
    return {"tables": tables}
