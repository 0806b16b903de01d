"""What a study page shows, read from the views in one query per view for all of a site's studies:
citation, sources with their links, characteristics, arms, every result per arm, the values other
sources give, what is not reported and why, and the risk-of-bias judgements. Every number keeps
the source, locator and derivation it came with."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evireg.index.connection import records, sql_text

if TYPE_CHECKING:
    import duckdb

Row = dict[str, Any]

VIEWS = {
    "sources": "site_sources.sql",
    "characteristics": "site_characteristics.sql",
    "arms": "site_arms.sql",
    "results": "site_results.sql",
    "alternatives": "site_alternatives.sql",
    "missing": "site_missing.sql",
    "rob": "site_rob.sql",
    "harms": "site_harms.sql",
}


def source_links(row: Row) -> list[tuple[str, str]]:
    """(text, address) of each way to reach a source: PubMed, the DOI resolver, its URL."""
    links = []
    if row.get("pmid"):
        links.append((f"PMID {row['pmid']}", f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/"))
    if row.get("doi"):
        links.append((f"doi:{row['doi']}", f"https://doi.org/{row['doi']}"))
    if row.get("url"):
        links.append(("web page", str(row["url"])))
    return links


@dataclass
class StudyPage:
    """One study's page: its row of the studies view, and its rows of every other view."""

    study: Row
    sources: list[Row] = field(default_factory=list)
    characteristics: list[Row] = field(default_factory=list)
    arms: list[Row] = field(default_factory=list)
    results: list[Row] = field(default_factory=list)
    alternatives: list[Row] = field(default_factory=list)
    missing: list[Row] = field(default_factory=list)
    rob: list[Row] = field(default_factory=list)
    harms: list[Row] = field(default_factory=list)
    analyses: list[tuple[str, str]] = field(default_factory=list)  # (analysis id, title) it is in

    @property
    def study_id(self) -> str:
        return str(self.study["study_id"])

    @property
    def heading(self) -> str:
        s = self.study
        return f"{s.get('first_author') or self.study_id} {s.get('year') or ''}".strip()

    def links(self) -> set[str]:
        """Every external address the page may link to: its sources' and its own identifiers."""
        out = {href for src in self.sources for _, href in source_links(src)}
        out |= {href for _, href in source_links(self.study)}
        return out


def read_study_pages(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[StudyPage]:
    """The pages of ``ids``, in that order (ids the registry has no record of are left out)."""
    rows = records(con, sql_text("site_studies.sql"), {"ids": ids})
    by_id = {str(r["study_id"]): StudyPage(r) for r in rows}
    for attr, sql in VIEWS.items():
        grouped: dict[str, list[Row]] = defaultdict(list)
        for r in records(con, sql_text(sql), {"ids": ids}):
            grouped[str(r["study_id"])].append(r)
        for sid, rows in grouped.items():
            if sid in by_id:
                setattr(by_id[sid], attr, rows)
    return [by_id[i] for i in ids if i in by_id]


def review_study_ids(con: duckdb.DuckDBPyConnection, review: str) -> list[str]:
    return [str(r["study_id"]) for r in records(con, sql_text("site_review_studies.sql"), {"review": review})]


def review_row(con: duckdb.DuckDBPyConnection, review: str) -> Row:
    rows = records(con, sql_text("site_review.sql"), {"review": review})
    return rows[0] if rows else {"review_id": review}
