"""Human renderings of a review report and of an audit (rich for terminals, Markdown for sharing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from evireg.render import revman_format as rf
from evireg.render.columns import level_text, method_name
from evireg.render.pool import markdown as pool_markdown
from evireg.render.pool import rich_table
from evireg.render.totals import fmt_est
from evireg.review.question import Answer

if TYPE_CHECKING:
    from evireg.review.audit import AuditReport, ClaimAudit, Recomputed
    from evireg.review.harms import StudyHarms
    from evireg.review.report import Line, Report, Section, Sensitivity

VERDICT_STYLE = {"reproduced": "green", "differs": "red", "not_recomputable": "yellow"}


def line_cells(measure: str | None, line: Line) -> list[str]:
    p = "" if line.p is None else rf.fmt_p(line.p)
    i2 = "" if line.i2 is None else f"{line.i2:.0f}%"
    return [line.label, str(line.k), fmt_est(measure, line.estimate, line.ci_low, line.ci_high), p, i2]


def egger_text(section: Section | Sensitivity) -> str:
    """Egger's test as the policy of stats/sensitivity.py words it (as JSON and the funnel do)."""
    from evireg.stats.sensitivity import egger_too_few

    e = section.egger
    if e is None:  # under two studies the sensitivity analyses are not run at all
        return f"Egger's test: not run ({egger_too_few()})"
    if e.reason:
        return f"Egger's test: not run ({e.reason})"
    text = (
        f"Egger's test: intercept {e.intercept:.2f} (SE {e.se:.2f}), t = {e.t:.2f}, "
        f"df = {e.df} ({rf.fmt_p(e.p)})"
    )
    return f"{text}; {e.caveat}" if e.caveat else text


def _sensitivity_table(section: Section | Answer, title: str, lines: Sequence[Line]) -> Table:
    q = (section if isinstance(section, Answer) else section.answer).question
    m = q.measure
    t = Table(title=title, title_justify="left", header_style="bold", pad_edge=False, box=None)
    for c, j in (
        ("Analysis", "left"),
        ("k", "right"),
        (f"{m} [{level_text(q.level)} CI]", "right"),
        ("P", "right"),
        ("I²", "right"),
    ):
        t.add_column(c, justify=j)  # type: ignore[arg-type]
    for line in lines:
        t.add_row(*line_cells(m, line))
    return t


def report_rich(rep: Report, width: int) -> Group:
    parts: list[Any] = [
        Text(rep.title, style="bold"),
        Text(f"registry {short(rep.registry_hash)}", style="dim"),
    ]
    for s in rep.sections:
        parts.append(Text(""))
        parts.append(rich_table(s.answer, s.title, width))
        if s.model_note:
            parts.append(Text(f"Note: {s.model_note}", style="italic"))
        parts.append(_sensitivity_table(s, "Sensitivity", s.sensitivity))
        if s.leave_one_out:
            parts.append(_sensitivity_table(s, "Leave one out", s.leave_one_out))
        parts.append(Text(egger_text(s), style="dim"))
    if rep.harms:
        parts += [Text(""), harms_table(rep.harms)]
    return Group(*parts)


HARMS_HEAD = ["Study", "Adverse event", "Who", "Seriousness", "Intervention", "Control", "Source"]


def harms_rows(harms: Sequence[StudyHarms]) -> list[list[str]]:
    """Per study and harm: counts per arm role (participants / at risk), or the statement; a study
    without harms records says what was searched."""
    rows = []
    for st in harms:
        for h in st.harms:
            side: dict[str, list[str]] = {"intervention": [], "control": []}
            for a in h.arms:
                side.setdefault(a.role or "", []).append(a.text)
            what = h.term + (f' ("{h.quote}")' if h.quote and not h.arms else "")
            rows.append([st.study, what, h.who, h.seriousness.replace("_", "-"),
                         ", ".join(side["intervention"]) or "-", ", ".join(side["control"]) or "-",
                         f"{h.source_id}: {h.locator}"])
        if not st.harms and st.not_reported:
            rows.append([st.study, f"none recorded: {st.not_reported}", "", "", "", "", ""])
    return rows


def harms_table(harms: Sequence[StudyHarms]) -> Table:
    t = Table(title="Harms: what each study reports (participants with the event / at risk)",
              title_justify="left", header_style="bold", show_lines=True)
    for col in HARMS_HEAD:
        t.add_column(col, overflow="fold")
    for row in harms_rows(harms):
        t.add_row(*(Text(c) for c in row))
    return t


def short(h: str | None) -> str:
    return "unknown" if not h else h.split(":")[-1][:12]


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return out


def report_markdown(rep: Report) -> str:
    lines = [f"## {rep.title}", "", f"Registry content hash `{short(rep.registry_hash)}`.", ""]
    for s in rep.sections:
        lines.append(pool_markdown(s.answer, s.title))
        if s.model_note:
            lines += [f"*Note: {s.model_note}*", ""]
        m = s.answer.question.measure
        head = ["Analysis", "k", f"{m} [{level_text(s.answer.question.level)} CI]", "P", "I²"]
        lines += ["**Sensitivity**", "", *_md_table(head, [line_cells(m, x) for x in s.sensitivity]), ""]
        if s.leave_one_out:
            lines += [
                "**Leave one out**",
                "",
                *_md_table(head, [line_cells(m, x) for x in s.leave_one_out]),
                "",
            ]
        lines += [egger_text(s), ""]
    if rep.harms:
        lines += ["### Harms", "", "Participants with the event / at risk, as each study reports them.", "",
                  *_md_table(HARMS_HEAD, harms_rows(rep.harms)), ""]
    return "\n".join(lines)


# --- audit ----------------------------------------------------------------------------------


def _short(printed: str | None) -> str:
    """A printed number as shown: a value stored at full precision (a RevMan 5 file's totals)
    to 4 decimals, marked with ~ (the JSON keeps it whole); anything printed, as printed."""
    if printed is None:
        return ""
    text = printed.removeprefix("P = ")
    digits = text.partition(".")[2]
    if len(digits) < 10:
        return printed
    return ("P = " if printed.startswith("P = ") else "") + f"~{float(text):.4g}"


def published_text(c: ClaimAudit) -> str:
    p = c.published
    z = f", Z={_short(p['z'])}" if p["z"] else ""
    pt = f", {_short(p['p'])}" if p["p"] else ""
    het = "".join(f", {name}={_short(p[k])}" for k, name in (("chi2", "Chi²"), ("i2", "I²")) if p.get(k))
    return f"{_short(p['estimate'])} [{_short(p['ci_low'])}, {_short(p['ci_high'])}]{z}{pt}{het}"


def recomputed_text(r: Recomputed | None) -> str:
    if r is None:
        return "-"
    z = f", Z={rf.fmt_z(r.z)}" if r.z is not None else ""
    p = f", {rf.fmt_p(r.p)}" if r.p is not None else ""
    method = method_name(r.method, r.model)  # the audit recomputes with DL, never HKSJ
    return f"{fmt_est('OR', r.estimate, r.ci_low, r.ci_high)}{z}{p} (k={r.k}, {method})"


def claim_name(c: ClaimAudit) -> str:
    return c.claim_id + (f" ({c.subgroup})" if c.subgroup else "")


def claim_details(c: ClaimAudit) -> list[str]:
    out = []
    if c.recomputed is not None and c.verdict != "reproduced":
        off = [k for k, v in c.recomputed.matches.items() if v is False]
        if off:
            out.append("does not match at the printed digits: " + ", ".join(off))
    for alt in c.alternatives:
        out.append(f"also {alt.model}: {recomputed_text(alt)}")
    if c.missing_studies:
        out.append("registry lacks data for: " + ", ".join(c.missing_studies))
    if c.missing_would_show is not None:
        out.append(c.missing_would_show.summary)
    out += [f"harms records: {line}" if i == 0 else line for i, line in enumerate(c.harms)]
    cons = c.consistency
    if cons.implied_z is not None:
        out.append(
            f"printed CI implies SE(log) {cons.se:.3f}, |Z| {abs(cons.implied_z):.2f}, "
            f"P {cons.implied_p:.2g}: {cons.note}"
        )
    else:
        out.append(cons.note)
    return out


def totals_rows(a: AuditReport) -> list[list[str]]:
    t = a.totals
    rows = []
    for k in ("studies", "participants", "intervention", "control"):
        agree = t.agree[k]
        mark = "agree" if agree else ("differ" if agree is False else "cannot tell")
        pub, reg = t.published[k], t.registry[k]
        rows.append([k, "" if pub is None else str(pub), "" if reg is None else str(reg), mark])
    return rows


def audit_rich(a: AuditReport) -> Group:
    from evireg.render.audit_analyses import analyses_rich

    if a.analyses and not a.claims:  # an imported review: its printed rows are what there is to check
        return Group(Text(f"Audit of {a.review}", style="bold"), *analyses_rich(a.analyses), *_notes_rich(a))
    t = Table(
        title=f"Audit of {a.review}: published claims vs the registry",
        title_justify="left",
        header_style="bold",
        show_lines=True,
    )
    for col in ("Claim", "Published", "Recomputed", "Verdict", "Self-consistent"):
        t.add_column(col, overflow="fold")
    for c in a.claims:
        cons = c.consistency.consistent
        t.add_row(
            claim_name(c),
            published_text(c),
            recomputed_text(c.recomputed),
            Text(c.verdict, style=VERDICT_STYLE[c.verdict]),
            Text("yes" if cons else ("NO" if cons is False else "n/a"), style="green" if cons else "red"),
        )
    parts: list[Any] = [t]
    for c in a.claims:
        parts.append(Text(f"{claim_name(c)} [{c.locator}]", style="bold"))
        parts.append(Text("\n".join(f"  - {d}" for d in claim_details(c))))
    tt = Table(
        title="Printed totals vs registry (randomised women per arm role)",
        title_justify="left",
        header_style="bold",
    )
    for col in ("Count", "Published", "Registry", ""):
        tt.add_column(col)
    for row in totals_rows(a):
        tt.add_row(*row)
    parts.append(tt)
    if a.totals.unknown_arm_counts:
        parts.append(
            Text("arm counts not reported for: " + ", ".join(a.totals.unknown_arm_counts), style="dim")
        )
    if a.analyses:
        parts += analyses_rich(a.analyses)
    return Group(*parts, *_notes_rich(a))


def _notes_rich(a: AuditReport) -> list[Text]:
    return [Text("\n".join(a.notes), style="dim")] if a.notes else []


def audit_markdown(a: AuditReport) -> str:
    from evireg.render.audit_analyses import analyses_markdown

    if a.analyses and not a.claims:
        body = [f"## Audit of {a.review}", "", *analyses_markdown(a.analyses), *[f"{n}  " for n in a.notes]]
        return "\n".join(body) + "\n"
    lines = [
        f"## Audit of {a.review}",
        "",
        *_md_table(
            ["Claim", "Published", "Recomputed", "Verdict", "Self-consistent"],
            [
                [
                    claim_name(c),
                    published_text(c),
                    recomputed_text(c.recomputed),
                    c.verdict,
                    {True: "yes", False: "NO", None: "n/a"}[c.consistency.consistent],
                ]
                for c in a.claims
            ],
        ),
        "",
    ]
    for c in a.claims:
        lines += [f"**{claim_name(c)}** ({c.locator})", "", *[f"- {d}" for d in claim_details(c)], ""]
    lines += [
        "**Printed totals vs registry**",
        "",
        *_md_table(["Count", "Published", "Registry", ""], totals_rows(a)),
        "",
    ]
    if a.totals.unknown_arm_counts:
        lines += ["Arm counts not reported for: " + ", ".join(a.totals.unknown_arm_counts), ""]
    if a.analyses:
        lines += analyses_markdown(a.analyses)
    lines += [f"{n}  " for n in a.notes]
    return "\n".join(lines) + "\n"


def _method_caption(answer: Answer) -> str:
    """The analysis every line varies, named as RevMan names it: "IV, Random (REML), HKSJ, 95% CI"."""
    q = answer.question
    name = method_name(q.method, q.model, q.tau2_method, q.hksj)
    return f"{name}, {level_text(q.level)} CI"


def sensitivity_rich(answer: Answer, sens: Sensitivity, title: str) -> Group:
    parts: list[Any] = [
        Text(title, style="bold"),
        Text(_method_caption(answer), style="dim"),
        _sensitivity_table(answer, "Alternative analyses", sens.lines),
    ]
    if sens.leave_one_out:
        parts.append(_sensitivity_table(answer, "Leave one out", sens.leave_one_out))
    if sens.cumulative:
        parts.append(_sensitivity_table(answer, "Cumulative, by year of publication", sens.cumulative))
    parts.append(Text(egger_text(sens), style="dim"))
    return Group(*parts)


def sensitivity_markdown(answer: Answer, sens: Sensitivity, title: str) -> str:
    m = answer.question.measure
    head = ["Analysis", "k", f"{m} [{level_text(answer.question.level)} CI]", "P", "I²"]
    lines = [f"### {title}", "", f"*{_method_caption(answer)}*", ""]
    for name, block in (
        ("Alternative analyses", sens.lines),
        ("Leave one out", sens.leave_one_out),
        ("Cumulative, by year of publication", sens.cumulative),
    ):
        if block:
            lines += [f"**{name}**", "", *_md_table(head, [line_cells(m, x) for x in block]), ""]
    lines.append(egger_text(sens))
    return "\n".join(lines) + "\n"
