"""The GRADE summary of findings table (`evireg sof`), for terminals (rich) and as Markdown.

The columns follow GRADEpro GDT's layout of a summary of findings table (Cochrane Handbook,
chapter 14): the outcome; the anticipated absolute effects, with the risk in the control group
and the risk with the intervention (its CI and the difference per 1,000); the relative effect;
the participants (studies); the certainty with its GRADE symbols; and comments.  The reasons for
rating down are lettered footnotes, and each domain's assessment is listed under the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from evireg.render import revman_format as rf

if TYPE_CHECKING:
    from evireg.review.sof import Absolute, SofRow, SummaryOfFindings

DOMAIN_NAMES = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
}
# Paraphrased from the GRADE working group's definitions of the four ratings.
EXPLANATIONS = [
    "* The risk with the intervention (and its 95% CI) follows from the assumed risk in the control "
    "group and the pooled relative effect (and its 95% CI). CI: confidence interval; OR: odds ratio; "
    "RR: risk ratio; MD: mean difference.",
    "GRADE ratings: high, the true effect is very probably close to the estimate; moderate, it is "
    "probably close but may differ substantially; low, it may differ substantially; very low, it is "
    "probably substantially different.",
    "A certainty marked (suggested) is evireg's suggestion from the data (rules in each reason); a "
    "reviewer's rating in the review file replaces it.",
]


def _letters(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if n == 0:
            return out
        n -= 1


def _relative(row: SofRow) -> str:
    if row.estimate is None:
        text = "not recomputable"
    else:
        est, lo, hi = (rf.fmt_ratio(x) for x in (row.estimate, row.ci_low, row.ci_high))
        text = f"{row.measure} {est} ({lo} to {hi})"
    if row.published:
        p = row.published
        text += f"; published {row.measure} {p.estimate} ({p.ci_low} to {p.ci_high})"
    return text


def _more(x: int) -> str:
    return f"{abs(x)} {'more' if x > 0 else 'fewer'}" if x else "0 more"


def _difference(a: Absolute) -> str:
    return f"{_more(a.difference)} per 1,000 ({_more(a.difference_low)} to {_more(a.difference_high)})"


def _risks(row: SofRow) -> tuple[str, str]:
    a = row.absolute
    if a is not None:
        return (
            f"{a.assumed} per 1,000",
            f"{a.corresponding} per 1,000 ({a.ci_low} to {a.ci_high}); {_difference(a)}",
        )
    if row.continuous:
        return "", row.continuous
    return "", "not estimable" if row.estimate is None else "no absolute effect for " + row.measure


def _certainty(row: SofRow, marks: str) -> str:
    c = row.certainty
    if c is None:
        return "not rated" + (f" {marks}" if marks else "")
    label = c.rating.capitalize() + (" (suggested)" if c.source != "the review's rating" else "")
    return f"{c.symbols} {label}" + (f" {marks}" if marks else "")


def _comments(row: SofRow) -> str:
    notes = list(row.notes)
    if row.absolute is not None:
        notes.insert(0, f"assumed risk from {row.absolute.basis}")
    return "; ".join(notes)


def layout(sof: SummaryOfFindings) -> tuple[list[str], list[list[str]], list[str]]:
    """The table's heading, its rows (cells as text) and the lettered footnotes."""
    head = [
        "Outcomes",
        f"Risk with {sof.control}*",
        f"Risk with {sof.intervention}*",
        "Relative effect (95% CI)",
        "№ of participants (studies)",
        "Certainty of the evidence (GRADE)",
        "Comments",
    ]
    rows: list[list[str]] = []
    letters: dict[str, str] = {}  # footnote text -> its letter (a note shared by rows is one footnote)

    def mark(text: str) -> str:
        return letters.setdefault(text, _letters(len(letters)))

    for r in sof.rows:
        marks = (
            [mark(f"{DOMAIN_NAMES[d.domain]}: {d.reason}") for d in r.certainty.domains if d.levels]
            if (r.certainty)
            else []
        )
        if r.not_rated:
            marks.append(mark(r.not_rated.capitalize()))
        method = " ".join(f"[{mark(n[0].upper() + n[1:])}]" for n in r.method_notes)
        control, treated = _risks(r)
        studies = f"{r.participants} ({r.k} {'study' if r.k == 1 else 'studies'})" if r.k else "0 (0 studies)"
        rows.append([
            f"{r.title} [{r.analysis_id}]",
            control,
            treated,
            _relative(r) + (f" {method}" if method else ""),
            studies,
            _certainty(r, " ".join(f"[{m}]" for m in marks)),
            _comments(r),
        ])  # fmt: skip
    return head, rows, [f"[{k}] {text}" for text, k in letters.items()]


def _assessment(r: SofRow) -> list[str]:
    if r.certainty is None:
        return [f"{r.title} [{r.analysis_id}]: {r.not_rated}"]
    c = r.certainty
    src = c.source
    out = [f"{r.title} [{r.analysis_id}]: {c.rating} ({src}; start {c.start})"]
    out += [f"  - {DOMAIN_NAMES[d.domain]} (-{d.levels}): {d.reason}" for d in c.domains]
    if r.suggested is not None:
        out.append(f"  - suggested from the data: {r.suggested.rating} {r.suggested.symbols}")
    return out


def markdown(sof: SummaryOfFindings) -> str:
    head, rows, footnotes = layout(sof)
    lines = [
        f"## Summary of findings: {sof.title}",
        "",
        f"{sof.intervention} compared with {sof.control.lower()}. Registry content hash "
        f"`{(sof.registry_hash or 'unknown')[:12]}`.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    lines += ["", *EXPLANATIONS, ""]
    if footnotes:
        lines += ["**Explanations**", "", *footnotes, ""]
    lines += ["**Certainty assessment**", ""]
    for r in sof.rows:
        lines += [x if x.startswith("  ") else f"- {x}" for x in _assessment(r)]
    return "\n".join(lines) + "\n"


WIDE = 120  # below this a terminal shows each outcome as a block of its own rather than a wide table


def rich(sof: SummaryOfFindings, width: int = WIDE) -> Group:
    head, rows, footnotes = layout(sof)
    parts: list[Text | Table] = [Text(f"Summary of findings: {sof.title}", style="bold")]
    if width >= WIDE:
        t = Table(header_style="bold", show_lines=True)
        for h in head:
            t.add_column(h, overflow="fold")
        for cells in rows:
            t.add_row(*map(Text, cells))  # Text: a footnote mark "[a]" is not rich markup
        parts.append(t)
    else:
        for cells in rows:
            t = Table(
                title=Text(cells[0]), title_justify="left", title_style="bold", show_header=False, box=None
            )
            t.add_column(style="dim")
            t.add_column(overflow="fold")
            for h, cell in zip(head[1:], cells[1:], strict=True):
                if cell:
                    t.add_row(Text(h), Text(cell))
            parts.append(t)
    parts += [Text(x) for x in EXPLANATIONS]
    parts += [Text(x) for x in footnotes]
    for row in sof.rows:
        parts += [Text(x) for x in _assessment(row)]
    return Group(*parts)
