"""`evireg site`: the bundled review as a static website (issue 18), checked from its files. The
browser tests (test_site_browser.py) open the same site in Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import evireg
from evireg.cli.main import app

from .conftest import ROOT
from .site_checks import Page, broken_links, external, html_errors, pages

pytest.importorskip("matplotlib")


@pytest.fixture
def site(bundled_site: Path) -> Path:
    return bundled_site


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_site_has_every_page(site: Path) -> None:
    names = {str(p.relative_to(site)) for p in pages(site)}
    assert {"index.html", "audit.html", "rob.html", "sof.html", "data.html"} <= names
    assert "analyses/live-birth.html" in names
    studies = {p.stem for p in (ROOT / "registry" / "studies").glob("*.yaml")}
    shown = {n.removeprefix("studies/").removesuffix(".html") for n in names if n.startswith("studies/")}
    assert shown == studies
    assert (site / "analyses" / "live-birth.svg").stat().st_size > 1000
    assert (site / "data" / "datapackage.json").exists() and (site / "data" / "parquet").is_dir()


def test_every_page_parses_and_is_accessible(site: Path) -> None:
    for path in pages(site):
        assert html_errors(path) == [], path
        page = Page(path)
        assert all((img.get("alt") or "").strip() for img in page.images), path
        assert page.tables == page.captions, f"{path}: a table without a caption"
        assert page.tables == 0 or page.headers > 0, path
        text = path.read_text()
        assert '<html lang="en">' in text and 'name="viewport"' in text and 'href="#main"' in text


def test_every_internal_link_resolves(site: Path) -> None:
    assert broken_links(site) == []


def test_study_pages_link_only_to_their_own_sources(site: Path) -> None:
    reg = evireg.open(ROOT / "registry")
    for path in sorted((site / "studies").glob("*.html")):
        sid = path.stem
        allowed: set[str] = set()
        for row in reg.fetch("select pmid, doi, url from sources where study_id = $s", {"s": sid}).rows:
            allowed |= _addresses(dict(zip(("pmid", "doi", "url"), row, strict=True)))
        study = reg.fetch("select pmid, doi from studies where study_id = $s", {"s": sid}).rows[0]
        allowed |= _addresses({"pmid": study[0], "doi": study[1], "url": None})
        links = {h for h in Page(path).links if external(h)}
        assert links and links <= allowed, (sid, links - allowed)


def _addresses(row: dict[str, object]) -> set[str]:
    out = set()
    if row.get("pmid"):
        out.add(f"https://pubmed.ncbi.nlm.nih.gov/{row['pmid']}/")
    if row.get("doi"):
        out.add(f"https://doi.org/{row['doi']}")
    if row.get("url"):
        out.add(str(row["url"]))
    return out


def test_analysis_page_shows_the_json_answer(site: Path) -> None:
    html = (site / "analyses" / "live-birth.html").read_text()
    answer = json.loads((site / "analyses" / "live-birth.json").read_text())
    res = answer
    shown = f"{res['estimate']:.2f} [{res['ci_low']:.2f}, {res['ci_high']:.2f}]"
    assert shown == "2.04 [1.44, 2.87]"  # the review's live-birth analysis, as RevMan computes it
    assert f'<strong class="num" id="pooled">{shown}</strong>' in html
    assert "Mantel-Haenszel, fixed effect, 95% CI" in html and "M-H, Fixed" in html
    text = _text(html)
    for s in res["studies"]:
        counts = [s[k] for k in ("events_treat", "total_treat", "events_ctrl", "total_ctrl")]
        assert f"{' '.join(map(str, counts))} {s['weight']:.1f}%" in text, s["study"]
    assert "Heterogeneity: Chi² = 8.35, df = 7 (P = 0.30); I² = 16%" in text


def test_each_study_row_has_a_footnote_linking_to_its_source(site: Path) -> None:
    html = (site / "analyses" / "live-birth.html").read_text()
    answer = json.loads((site / "analyses" / "live-birth.json").read_text())
    for n, s in enumerate(answer["studies"], start=1):
        note = re.search(rf'<li id="fn-{n}">(.*?)</li>', html, re.S)
        assert note is not None and f">{s['study']}</a>" in note.group(1)
        src = s["source"]
        hrefs = set(re.findall(r'class="ext" href="([^"]+)"', note.group(1)))
        assert hrefs and hrefs == _addresses(src), s["study"]
        assert src["locator"] in note.group(1)


def test_the_same_registry_gives_the_same_files(site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    evireg.open(ROOT / "registry").site(again)
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    different = [f for f in files if (site / f).read_bytes() != (again / f).read_bytes()]
    assert different == []


def test_a_site_replaces_only_a_site(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = CliRunner().invoke(app, ["site", str(mine)], env={"EVIREG_REGISTRY": ""})
    assert r.exit_code == 1 and "did not write" in r.output and "Traceback" not in r.output
    assert (mine / "notes.txt").read_text() == "keep me"


def test_an_interrupted_build_leaves_the_old_site(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import evireg.site.build as build

    out = tmp_path / "out"
    shutil.copytree(site, out)  # a site evireg wrote (it holds the marker file)
    reg = evireg.open(ROOT / "registry")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args: object, **kw: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_figures", broken)  # after the data export, before the pages
    with pytest.raises(KeyboardInterrupt):
        reg.site(out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out"]  # no staging folder left behind


def test_site_of_an_imported_cochrane_review(tmp_path: Path) -> None:
    reg = evireg.init(tmp_path / "reg")
    data = ROOT / "tests" / "data" / "cochrane" / "CD003511_pub6.csv"
    args = ["import", "cochrane", str(data), "-r", str(reg.root)]
    r = CliRunner().invoke(app, args, env={"EVIREG_REGISTRY": ""})
    assert r.exit_code == 0, r.output
    info = reg.site(tmp_path / "site")
    assert info.pages > 10 and broken_links(tmp_path / "site") == []
    first = Page(tmp_path / "site" / "analyses" / "a1-1.html")
    assert first.images and first.tables >= 1
    for path in pages(tmp_path / "site"):
        assert html_errors(path) == [], path


def test_method_named_in_words() -> None:
    from evireg.render.columns import method_long

    hksj = method_long("IV", "random", 95, "REML", True)
    assert hksj == "Inverse variance, random effects (REML), HKSJ, 95% CI"
    assert method_long("MH", "random", 95, "REML") == "Inverse variance, random effects (REML), 95% CI"
    assert method_long("MH", "random", 99) == "Mantel-Haenszel, random effects (DerSimonian-Laird), 99% CI"
    assert method_long("Peto", "fixed", 95) == "Peto, fixed effect, 95% CI"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    css = (ROOT / "src" / "evireg" / "site" / "static" / "style.css").read_text()
    colours = dict(re.findall(r"--([a-z]+): (#[0-9a-f]{6})", css))
    for name in ("ink", "muted", "link", "ok", "bad", "warn"):
        for background in ("#ffffff", colours["band"]):
            assert _contrast(colours[name], background) >= 4.5, (name, background)
