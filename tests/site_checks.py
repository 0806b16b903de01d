"""What a published site must hold, checked from its files: HTML that parses without error,
figures with alt text, tables with captions and headers, and links that resolve (shared by the
site tests and the browser tests)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    """The ids, links, images and tables of one page."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.ids: list[str] = []
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.tables = 0
        self.captions = 0
        self.headers = 0
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        elif tag == "img":
            self.images.append(a)
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.headers += 1


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def external(href: str) -> bool:
    return urlsplit(href).scheme in ("http", "https")


def resolve(page: Path, href: str) -> tuple[Path, str]:
    """The file and fragment an internal link points to."""
    parts = urlsplit(href)
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
    return target, unquote(parts.fragment)


def broken_links(site: Path) -> list[str]:
    """Every internal link whose file, or whose #fragment in that file, does not exist."""
    parsed = {p.resolve(): Page(p) for p in pages(site)}
    out = []
    for path, page in parsed.items():
        for href in page.links:
            if external(href) or href.startswith("mailto:"):
                continue
            target, fragment = resolve(path, href)
            if not target.exists():
                out.append(f"{path.relative_to(site.resolve())}: {href} (no such file)")
            elif fragment and target.suffix == ".html" and fragment not in parsed[target].ids:
                out.append(f"{path.relative_to(site.resolve())}: {href} (no such id)")
    return out


def html_errors(path: Path) -> list[str]:
    """Parse errors by the HTML5 parsing algorithm (html5lib, strict), plus duplicate ids."""
    import html5lib

    parser = html5lib.HTMLParser(strict=False)
    parser.parse(path.read_bytes())
    errors = [f"{path.name}:{line}:{col}: {code}" for (line, col), code, _ in parser.errors]
    ids = Page(path).ids
    errors += [f"{path.name}: duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    return errors
