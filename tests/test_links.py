"""Every link and every file a built page refers to resolves, #anchors included.

`mkdocs build --strict` with `validation:` already fails on a broken markdown link or
anchor. This test also covers what mkdocs does not see: raw HTML links (`<a href>` in
markdown, templates, the 404 page, the redirect pages of old addresses), links inside
executed notebooks, autorefs to the API pages, and the scripts, stylesheets, images and
fonts the pages load (`src`, `href` of `<link>`, `srcset`, and `url()` in the site's own
stylesheets), plus every address of the sitemap.

It reads the built files the way the test server serves them (tests/served_site.py) and
GitHub Pages does: the site lives at the path of its site_url (`/mcref/`), a folder's
address serves its `index.html` (with or without the final slash), and an absolute address
on the site's own host is a file of the site. Addresses on other hosts are left alone here
(a page that loads anything from another host fails the browser tests, which block and
record every such request). A #fragment must name an `id` (or an `<a name>`) of the page it
points into; `#` and `#top` are the top of any page, as in HTML.

The pages are parsed once for the whole run (tests/test_site.py, `tags`), as the other site
tests read them: about 2.5 s for the 118 HTML files. This replaced a crawl of the served
site by linkchecker, which cost 45 to 60 CPU-s a run (and two patches to its anchor
plugin) for the same answer on the pages it reached, which were only those linked from
the home page.

A small site with known breaks shows the check reports each kind of break it looks for.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from tests.conftest import BuiltSite
from tests.test_site import tags

# The attributes that hold an address, by tag (srcset is read apart: it holds several).
ADDRESSES = {
    "a": "href", "area": "href", "link": "href", "script": "src", "img": "src", "iframe": "src",
    "source": "src", "video": "src", "audio": "src", "track": "src", "embed": "src", "object": "data",
}
# <link rel=...> whose href is a hint to the browser, not a file it needs
HINTS = {"preconnect", "dns-prefetch"}
# schemes that name no file: left alone (javascript: is not among them, and is reported)
NO_FILE = ("mailto:", "tel:", "data:", "blob:")
# url(...) in a stylesheet, quoted or not; a quoted one may hold parentheses and the other quote
# (an SVG data: URL with its own url(#id) inside is one address, which is left alone)
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]*))\s*\)""")


def _file(site: Path, path: str) -> Path | None:
    """The file a path inside the site (no leading slash) is served from, or None."""
    target = site / unquote(path)
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _ids(page: Path) -> set[str]:
    return {
        value for tag, attrs in tags(page) for name, value in attrs.items()
        if value is not None and (name == "id" or (name == "name" and tag == "a"))
    }


class _Site:
    """The built site at `site`, published at `site_url`: resolves addresses to its files."""

    def __init__(self, site: Path, site_url: str) -> None:
        self.site, self.url = site, site_url if site_url.endswith("/") else site_url + "/"
        self.host, self.path = urlsplit(self.url).netloc, urlsplit(self.url).path

    def page_url(self, page: Path) -> str:
        """The address `page` is served at (a folder's index.html at the folder's)."""
        relative = page.relative_to(self.site).as_posix()
        return self.url + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)

    def problem(self, source: str, address: str) -> str | None:
        """What is wrong with `address`, read on the page served at `source`; None if it resolves."""
        address = address.strip()
        if address.lower().startswith(NO_FILE):
            return None
        absolute = urljoin(source, address)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            return f"{address!r}: not an address a reader can follow"
        if parts.netloc != self.host:
            return None  # another host (see the module docstring)
        if not parts.path.startswith(self.path) and parts.path + "/" != self.path:
            return f"{address!r} leads outside the site ({self.path})"
        target = _file(self.site, parts.path[len(self.path) :])
        if target is None:
            return f"{address!r}: no such file ({absolute})"
        fragment = unquote(parts.fragment)
        if fragment and fragment != "top" and target.suffix == ".html" and fragment not in _ids(target):
            return f"{address!r}: no anchor #{fragment} on {self.page_url(target)}"
        return None


def _addresses(page: Path) -> Iterator[str]:
    for tag, attrs in tags(page):
        name = ADDRESSES.get(tag)
        value = attrs.get(name) if name else None
        if value is not None and not (tag == "link" and HINTS & set((attrs.get("rel") or "").split())):
            yield value
        srcset = attrs.get("srcset")
        if srcset:
            yield from (candidate.split()[0] for candidate in srcset.split(",") if candidate.strip())


def broken_links(site: Path, site_url: str) -> list[str]:
    """Every address in the built site at `site` (published at `site_url`) that does not resolve,
    each with the page or file it is on."""
    where = _Site(site, site_url)
    problems = []
    for page in sorted(site.rglob("*.html")):
        source = where.page_url(page)
        for address in _addresses(page):
            found = where.problem(source, address)
            if found:
                problems.append(f"{page.relative_to(site)}: {found}")
    for sheet in sorted(site.rglob("*.css")):
        source = where.page_url(sheet)
        for match in CSS_URL.finditer(sheet.read_text(encoding="utf-8")):
            found = where.problem(source, next(group for group in match.groups() if group is not None))
            if found:
                problems.append(f"{sheet.relative_to(site)}: {found}")
    sitemap = site / "sitemap.xml"
    if sitemap.is_file():
        for loc in ET.parse(sitemap).getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
            found = where.problem(where.url, loc.text or "")
            if found:
                problems.append(f"sitemap.xml: {found}")
    return problems


def site_url_of(site: Path) -> str:
    """The site_url the site was built with: its home page's canonical address."""
    for tag, attrs in tags(site / "index.html"):
        if tag == "link" and attrs.get("rel") == "canonical" and attrs.get("href"):
            return str(attrs["href"])
    raise AssertionError(f"{site / 'index.html'} has no <link rel=canonical>: the site_url cannot be read")


def test_every_link_and_anchor_of_the_built_site_resolves(built_site: BuiltSite) -> None:
    site = built_site.path
    pages = built_site.pages()
    assert len(pages) > 90, f"only {len(pages)} pages built"
    problems = broken_links(site, site_url_of(site))
    assert not problems, f"{len(problems)} broken links:\n" + "\n".join(problems[:50])


def test_the_check_reports_each_kind_of_break(tmp_path: Path) -> None:
    """A missing page, a missing anchor on another page and on the same one, a missing script,
    image, stylesheet, srcset candidate and font, a folder without an index, an address outside
    the site, a javascript: link and a sitemap entry to nowhere are each reported; what resolves
    (relative, folder and absolute addresses, the site's own host, #top, other hosts) is not."""
    site = tmp_path
    (site / "guide").mkdir()
    (site / "empty").mkdir()
    (site / "assets").mkdir()
    (site / "assets" / "ok.css").write_text(
        "@font-face { src: url('fonts/gone.woff2') } a { background: url(data:image/gif;base64,R0lG) }"
        " b { mask: url(\"data:image/svg+xml,<svg><use href='url(%23a)'/></svg>\") }",
        encoding="utf-8",
    )
    (site / "guide" / "index.html").write_text('<h2 id="here">Here</h2><a name="old">old</a>', encoding="utf-8")
    (site / "index.html").write_text(
        '<html><head><link rel="canonical" href="https://example.org/docs/">'
        '<link rel="stylesheet" href="assets/ok.css"><link rel="stylesheet" href="assets/gone.css">'
        '<link rel="preconnect" href="https://fonts.example.com"><script src="/docs/assets/gone.js"></script>'
        '</head><body><h1 id="start">Home</h1>'
        '<a href="guide/#here">fine</a> <a href="guide#old">fine</a> <a href="#start">fine</a> <a href="#top">fine</a>'
        '<a href="/docs/guide/">fine</a> <a href="https://example.org/docs/guide/#here">fine</a>'
        '<a href="https://elsewhere.example.com/x#y">another host</a> <a href="mailto:a@example.org">mail</a>'
        '<a href="guide/#gone">missing anchor on another page</a> <a href="#nowhere">missing anchor here</a>'
        '<a href="missing/">missing page</a> <a href="empty/">folder without index</a>'
        '<a href="/elsewhere/">outside the site</a> <a href="javascript:void(0)">script</a>'
        '<img src="assets/gone.png" alt=""> <img srcset="assets/ok.css 1x, assets/gone@2x.png 2x" alt="">'
        "</body></html>",
        encoding="utf-8",
    )
    (site / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://example.org/docs/guide/</loc></url><url><loc>https://example.org/docs/old/</loc></url>"
        "</urlset>",
        encoding="utf-8",
    )
    assert site_url_of(site) == "https://example.org/docs/"
    found = broken_links(site, site_url_of(site))
    expected = [
        "index.html: 'assets/gone.css': no such file",
        "index.html: '/docs/assets/gone.js': no such file",
        "index.html: 'guide/#gone': no anchor #gone on https://example.org/docs/guide/",
        "index.html: '#nowhere': no anchor #nowhere on https://example.org/docs/",
        "index.html: 'missing/': no such file",
        "index.html: 'empty/': no such file",
        "index.html: '/elsewhere/' leads outside the site",
        "index.html: 'javascript:void(0)': not an address",
        "index.html: 'assets/gone.png': no such file",
        "index.html: 'assets/gone@2x.png': no such file",
        "assets/ok.css: 'fonts/gone.woff2': no such file",
        "sitemap.xml: 'https://example.org/docs/old/': no such file",
    ]
    for start in expected:
        assert sum(problem.startswith(start) for problem in found) == 1, (start, found)
    assert len(found) == len(expected), found
