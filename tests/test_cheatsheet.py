"""The cheat sheet: every rule once, linked to its anchor, rendered, printable on A4 pages, the paper first.

The tests on the built site (`site`, `browser`) need hooks/cheatsheet.py in mkdocs.yml's hooks
and docs/assets/cheatsheet.css in its extra_css. The others build a small project of their own.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest

import mcref
from tests.conftest import IN_CI, ROOT, BuiltSite, chromium_path, mkdocs_build
from tests.served_site import SETTLED
from tests.test_site import tags

RULE_IDS = [r.id for r in mcref.all_rules()]
PAGE = "cheatsheet/index.html"
PDF = "cheatsheet/mcref-cheatsheet.pdf"


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


hook = load(ROOT / "hooks" / "cheatsheet.py", "mcref_test_cheatsheet_hook")
script = hook.pdf_script
MAX_PAGES = script.MAX_PAGES  # the budget the build enforces (scripts/cheatsheet_pdf.py)
PAPER_PAGES = 3  # the paper's part fits its first three pages, as before the Cookbook and the layers came


def need_chromium() -> None:
    """Skip without a browser, as the browser tests do; under CI=true the build has failed already."""
    if chromium_path() is None and not IN_CI:
        pytest.skip("No Chromium found: the build makes no PDF (see tests/conftest.py for how to get one)")


class _Sheet(HTMLParser):
    """The rows of the cheat sheet's tables: the first link of each row, and every id on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # > 0 inside div.mcref-cheatsheet
        self.divs = 0
        self.in_row = False
        self.in_link = False
        self.row_link: tuple[str, str] | None = None
        self.rows: list[tuple[str, str]] = []  # (link text, href)
        self.ids: list[str] = []
        self.links: list[str] = []
        self._text = ""
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "div":
            if self.depth:
                self.depth += 1
            elif "mcref-cheatsheet" in (a.get("class") or "").split():
                self.depth = 1
        if not self.depth:
            return
        if tag == "a":
            self.links.append(a.get("href") or "")
        if tag == "tr":
            self.in_row, self.row_link = True, None
        elif tag == "a" and self.in_row and self.row_link is None:
            self.in_link, self._text, self._href = True, "", a.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1
        if tag == "a" and self.in_link:
            self.in_link = False
            self.row_link = (self._text.strip(), self._href)
        if tag == "tr" and self.in_row:
            self.in_row = False
            if self.row_link is not None:
                self.rows.append(self.row_link)

    def handle_data(self, data: str) -> None:
        if self.in_link:
            self._text += data


def sheet(site: BuiltSite) -> _Sheet:
    parser = _Sheet()
    parser.feed((site.path / PAGE).read_text(encoding="utf-8"))
    return parser


@functools.cache  # the link checks below ask for each page many times
def anchors(html: Path) -> dict[str, str | None]:
    """id -> data-rule of every element with an id on a page (shared: read, do not change)."""
    return {str(a["id"]): a.get("data-rule") for _, a in tags(html) if a.get("id")}


# ----- the page on the built site -----


def test_every_rule_is_listed_exactly_once(site: BuiltSite) -> None:
    listed = [text for text, _ in sheet(site).rows]
    assert sorted(listed) == sorted(RULE_IDS), "the cheat sheet's rows are not the registry's rules"
    assert len(listed) == len(set(listed))


def test_every_rule_links_to_its_anchor(site: BuiltSite) -> None:
    here = PurePosixPath(PAGE).parent
    for rule_id, href in sheet(site).rows:
        path, _, fragment = href.partition("#")
        assert fragment == rule_id, f"{rule_id} links to {href}"
        target = site.path / str(here / path)
        if target.is_dir() or path.endswith("/"):
            target = target / "index.html"
        assert target.is_file(), f"{rule_id} links to {href}, which is not a page of the site"
        found = anchors(target)
        assert found.get(rule_id) == rule_id, f"{target.relative_to(site.path)} has no rule anchor {rule_id}"


def test_the_cheat_sheet_creates_no_rule_anchor(site: BuiltSite) -> None:
    assert sorted(set(sheet(site).ids) & set(RULE_IDS)) == []


def test_formulas_are_rendered(site: BuiltSite) -> None:
    html = (site.path / PAGE).read_text(encoding="utf-8")
    body = html[html.index('class="mcref-cheatsheet"') :]
    assert 'class="arithmatex"' not in body and "<merror" not in body
    # a statement and a shape per rule at least, each one formula in MathML
    assert body.count("<math") >= 2 * len(RULE_IDS)
    text = re.sub(r'<span class="math math-inline"[^>]*>.*?</math></span>', "", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    raw = re.findall(r"\\[A-Za-z]+|\$", text)
    assert raw == [], f"raw TeX outside the formulas: {raw[:10]}"


def test_the_pdf_is_built_and_fits_on_five_a4_pages(site: BuiltSite) -> None:
    need_chromium()
    pdf = site.path / PDF
    assert pdf.is_file(), f"the build wrote no {PDF}; its log:\n{site.log[-3000:]}"
    pages = script.count_pages(pdf.read_bytes())
    assert 1 <= pages <= MAX_PAGES, f"the cheat sheet prints on {pages} A4 pages"
    # A4 is 595.28 x 841.89 pt; Chromium rounds the page to whole CSS pixels
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert len(boxes) == pages
    assert all(abs(float(w) - 595.28) < 2 and abs(float(h) - 841.89) < 2 for w, h in boxes), f"not A4: {boxes}"
    assert "mcref-cheatsheet.pdf" in sheet(site).links, "the page does not link to its PDF"


def test_the_paper_comes_first_and_each_part_starts_a_page(site: BuiltSite) -> None:
    """Printed, the paper's rules fill the first pages; the Cookbook's and the extensions' each begin
    a page of their own (read from the PDF's text by pypdf)."""
    need_chromium()
    pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extra (./dev test installs it)")
    texts = [page.extract_text() for page in pypdf.PdfReader(site.path / PDF).pages]
    ids = {rid: [i for i, text in enumerate(texts) if re.search(rf"(?<![\w.]){re.escape(rid)}(?![\w.])", text)]
           for rid in RULE_IDS}
    assert {rid: pages for rid, pages in ids.items() if len(pages) != 1} == {}, "a rule on no page or on two"
    where = {rid: pages[0] for rid, pages in ids.items()}
    paper = [where[r.id] for r in mcref.all_rules() if r.origin == "paper"]
    book = [where[r.id] for r in mcref.all_rules() if r.origin == "cookbook"]
    ext = [where[r.id] for r in mcref.all_rules() if r.origin == "extension"]
    assert max(paper) < PAPER_PAGES, f"the paper's rules run to page {max(paper) + 1}"
    assert max(paper) < min(book) and max(book) < min(ext)
    for first in (min(book), min(ext)):  # a part's first page opens with the part's heading
        assert re.match(r"\s*(Matrix Cookbook|Beyond the paper) · ", texts[first]), texts[first][:80]


def pdf_link_targets(pdf: Path) -> list[str]:
    """Every link annotation's target in a PDF, read by pypdf (not by the script's own reader)."""
    try:
        import pypdf
    except ImportError:
        if IN_CI:
            raise
        pytest.skip("pypdf is not installed: it is in the test extra (pip install -e '.[test]', or ./dev test)")
    targets = []
    for page in pypdf.PdfReader(pdf).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link":
                action = annotation["/A"].get_object()
                assert action["/S"] == "/URI", f"a link that is not to an address: {dict(action)}"
                targets.append(str(action["/URI"]))
    return targets


def unreachable_links(site: BuiltSite, links: list[str], printed_at: str) -> list[str]:
    """The links, resolved as a PDF viewer does against `printed_at`, that do not reach a page of
    the built site at `printed_at`'s site, or an anchor of that page."""
    root = printed_at.rsplit("cheatsheet/", 1)[0]
    bad = []
    for link in links:
        url = urljoin(printed_at, link)
        if not url.startswith(root):
            bad.append(f"{link}: not in the site ({root})")
            continue
        parts = urlsplit(url)
        target = site.path / unquote(parts.path)[len(urlsplit(root).path) :]
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            bad.append(f"{link}: no such page in the built site")
        elif parts.fragment and parts.fragment not in anchors(target):
            bad.append(f"{link}: {target.relative_to(site.path)} has no anchor {parts.fragment}")
    return bad


def test_every_link_in_the_pdf_reaches_its_page_and_anchor_at_site_url(site: BuiltSite) -> None:
    """The PDF is read away from the site: its links go to site_url (the page's canonical address
    says what it is), never to the local server it was printed from."""
    need_chromium()
    site_url = script.canonical_site_url((site.path / PAGE).read_text(encoding="utf-8"), "cheatsheet/")
    assert site_url and site_url.startswith("https://"), site_url
    links = pdf_link_targets(site.path / PDF)
    assert {link.rpartition("#")[2] for link in links} >= set(RULE_IDS), "a rule has no link in the PDF"
    assert all(link.startswith(site_url) for link in links), [x for x in links if not x.startswith(site_url)]
    assert unreachable_links(site, links, site_url + "cheatsheet/") == []


def test_the_script_makes_the_pdf_from_a_built_site(site: BuiltSite, tmp_path: Path) -> None:
    """By hand, with no site_url: the links are relative to the PDF and reach the site around it."""
    need_chromium()
    out = tmp_path / "sheet.pdf"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cheatsheet_pdf.py"), str(site.path), "--out", str(out),
         "--site-url", ""],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.is_file() and script.count_pages(out.read_bytes()) <= MAX_PAGES
    assert "A4 page(s)" in proc.stdout
    links = pdf_link_targets(out)  # pypdf reads the cross-reference table: the rewrite kept every offset
    assert len(links) > len(RULE_IDS) and all(link.startswith("../") for link in links), links[:5]
    # as read from the PDF in its place, cheatsheet/mcref-cheatsheet.pdf, on any host
    assert unreachable_links(site, links, "http://example.org/docs/cheatsheet/mcref-cheatsheet.pdf") == []


def test_the_printer_gets_the_math_font_blocking(site: BuiltSite) -> None:
    """On screens the math font is optional (hooks/mathml.py, math_css: a late font would move the
    page); the stylesheet the printer is served makes it block, so the PDF waits for it."""
    served: dict[str, Any] = {}

    class Route:
        request = SimpleNamespace(url=script.NO_SITE_URL + "assets/math/math.css")

        def fulfill(self, **answer: Any) -> None:
            served.update(answer)

    errors: list[str] = []
    script._answer_from(site.path.resolve(), script.NO_SITE_URL, errors)(Route())
    built = (site.path / "assets" / "math" / "math.css").read_bytes()
    assert errors == [] and script.FONT_DISPLAY in built
    assert served["body"] == built.replace(script.FONT_DISPLAY, b"font-display: block;")


def test_relative_links_keep_every_byte_offset() -> None:
    base = script.NO_SITE_URL
    pdf = (b"%PDF-1.4\n1 0 obj <</S /URI /URI (" + base.encode() + b"rules/a/#R1)>>\n"
           b"2 0 obj <</S /URI /URI (https://arxiv.org/abs/1802.01528)>>\nxref\n")
    out = script.relative_links(pdf, base, "cheatsheet/")
    assert len(out) == len(pdf) and out.index(b"xref") == pdf.index(b"xref")
    assert script.pdf_links(out) == ["../rules/a/#R1", "https://arxiv.org/abs/1802.01528"]
    assert script.relative_links(pdf.replace(b"rules/a/", b""), base, "cheatsheet/").count(b"(../#R1)") == 1
    with pytest.raises(ValueError, match="still in the PDF"):
        script.relative_links(pdf + b"<" + base.encode() + b">", base, "cheatsheet/")
    with pytest.raises(ValueError, match="http"):
        script.site_address("mcref.github.io/mcref/")


# ----- in the browser -----


OVERFLOW = """
() => {
  const doc = document.documentElement;
  const sheet = document.querySelector(".mcref-cheatsheet");
  const outside = [...sheet.querySelectorAll(".math-inline")]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1)
    .map(el => el.dataset.tex);
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, outside};
}
"""


@pytest.mark.parametrize("width", [375, 1280])
def test_no_horizontal_page_overflow(browser: Any, base_url: str, width: int, tmp_path: Path) -> None:
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = ctx.new_page()
        page.goto(base_url + "cheatsheet/", wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_function(SETTLED)  # every part of the sheet drawn, as a reader scrolling sees it
        report = page.evaluate(OVERFLOW)
        if report["scrollWidth"] > report["clientWidth"] or report["outside"]:
            shot = tmp_path / f"cheatsheet-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            pytest.fail(f"the cheat sheet is wider than a {width} px screen: {report}\nscreenshot: {shot}")
    finally:
        ctx.close()


PRINTED = """
() => {
  const shown = sel => [...document.querySelectorAll(sel)].some(el => getComputedStyle(el).display !== "none");
  return {
    chrome: [".md-header", ".md-sidebar", ".md-footer", ".md-search", ".mcref-cs-pdf"].filter(shown),
    ink: getComputedStyle(document.querySelector(".mcref-cheatsheet td")).color,
    paper: getComputedStyle(document.body).backgroundColor,
    fontSize: parseFloat(getComputedStyle(document.querySelector(".mcref-cheatsheet table")).fontSize),
    rowBreak: getComputedStyle(document.querySelector(".mcref-cheatsheet tr")).breakInside,
  };
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_print_shows_only_the_sheet_in_dark_ink(browser: Any, base_url: str, scheme: str) -> None:
    ctx = browser.new_context(color_scheme=scheme)
    try:
        page = ctx.new_page()
        page.goto(base_url + "cheatsheet/", wait_until="load")  # every stylesheet is in by then
        page.emulate_media(media="print")
        report = page.evaluate(PRINTED)
        assert report["chrome"] == [], f"printed with the page chrome: {report['chrome']}"
        assert report["fontSize"] <= 10, report  # 7pt is 9.33 px
        assert report["rowBreak"] == "avoid"
        # the dark (slate) scheme's light text would vanish on white paper; Material keeps it to screens
        assert report["paper"] in {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"}, report
        red, green, blue = (int(c) for c in re.findall(r"\d+", report["ink"])[:3])
        assert max(red, green, blue) < 80, f"printed text is not dark: {report['ink']}"
        # the print rules are scoped: another page prints with its navigation hidden by the theme only
        page.goto(base_url + "layout/", wait_until="load")
        assert page.evaluate("document.querySelector('.mcref-cheatsheet')") is None
    finally:
        ctx.close()


# ----- the hook on its own -----


def test_table_formulas_have_no_bare_bars() -> None:
    assert hook.table_tex(r"\|\mathbf{x}\|^2") == r"$\Vert \mathbf{x}\Vert ^2$"
    assert hook.table_tex(r"\Big|_{a=1}") == r"$\Big\vert _{a=1}$"
    for r in mcref.all_rules():
        for tex in (r.latex, r.vjp_latex):
            assert "|" not in hook.table_tex(tex) if tex else True


def test_every_rule_has_a_cheat_sheet_group() -> None:
    # groups() raises for a rule whose section no group covers; every rule lands in exactly one
    pages = {r.id: ("extensions/x.md" if r.extension else "rules/x.md") for r in mcref.all_rules()}

    class NoFiles:
        def get_file_from_path(self, path: str) -> None:
            return None

    grouped = hook.groups(mcref.all_rules(), pages, NoFiles())
    ids = [r.id for _, members in grouped for r in members]
    assert sorted(ids) == sorted(RULE_IDS)
    headings = [h for h, _ in grouped]
    assert headings[0].startswith("§2 ") and headings[-1].startswith("Beyond the paper")
    # the paper's sections keep its order
    paper = [h.split(" ")[0] for h in headings if h.startswith("§")]
    assert paper == [label for label, _, _ in hook.PAPER_GROUPS]


def test_no_browser_outside_ci_means_a_note_not_a_dead_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MCREF_CHEATSHEET_PDF", raising=False)
    monkeypatch.setattr(script, "unavailable_reason", lambda: "no Chromium found")
    monkeypatch.setattr(hook, "IN_CI", False)
    assert hook.pdf_plan() == (False, "no Chromium found")
    assert "href" not in hook.pdf_line(False)
    assert 'href="mcref-cheatsheet.pdf"' in hook.pdf_line(True)


def test_no_browser_under_ci_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.exceptions import PluginError

    monkeypatch.delenv("MCREF_CHEATSHEET_PDF", raising=False)
    monkeypatch.setattr(script, "unavailable_reason", lambda: "no Chromium found")
    monkeypatch.setattr(hook, "IN_CI", True)
    with pytest.raises(PluginError, match="no Chromium found"):
        hook.pdf_plan()
    monkeypatch.setenv("MCREF_CHEATSHEET_PDF", "off")
    assert hook.pdf_plan() == (False, "MCREF_CHEATSHEET_PDF=off")


def test_count_pages_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError):
        script.count_pages(b"not a pdf")
    with pytest.raises(ValueError):
        script.count_pages(b"%PDF-1.7\n1 0 obj <</Type /ObjStm /N 5>> stream ... endstream")
    two = (b"%PDF-1.4\n1 0 obj <</Type /Pages /Kids [2 0 R 3 0 R] /Count 2>>\n"
           b"2 0 obj <</Type /Page>>\n3 0 obj <</Type/Page>>\n")
    assert script.count_pages(two) == 2


# ----- small builds with the real hooks -----


def _project(tmp_path: Path, placed: list[str]) -> Path:
    """A site with every rule in `placed` on one page and the cheat sheet on another."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(
        "# Rules\n\n" + "".join(f"{{{{ rule {rid} }}}}\n\n" for rid in placed), encoding="utf-8"
    )
    (docs / "cheatsheet.md").write_text("# Cheat sheet\n\n{{ cheatsheet }}\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: probe\nstrict: true\n"
        # the rules' conditions link to pages this probe does not have
        "validation:\n  not_found: info\n  anchors: info\n"
        "hooks:\n"
        + "".join(f"  - {ROOT / 'hooks' / name}.py\n" for name in ("rules", "cheatsheet", "mathml"))
        + "markdown_extensions:\n  - attr_list\n  - md_in_html\n  - tables\n"
        "  - pymdownx.arithmatex:\n      generic: true\n"
        "  - pymdownx.superfences\n  - pymdownx.tabbed:\n      alternate_style: true\n",
        encoding="utf-8",
    )
    return config


def test_a_build_without_the_pdf_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe places every rule but R10, which no line places: it goes to its module's page."""
    monkeypatch.setenv("MCREF_CHEATSHEET_PDF", "off")
    config = _project(tmp_path, [rid for rid in RULE_IDS if rid != "R10"])
    proc = mkdocs_build(config, tmp_path / "site")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    more = page.index('id="more-rules"')
    assert page.count('id="R10"') == 1 and page.index('id="R10"') > more, "R10 is not under More rules"
    assert "Registered in <code>mcref.paper.elementwise</code>" in page[more:]
    assert "no PDF of the cheat sheet in this build: MCREF_CHEATSHEET_PDF=off" in log
    html = (tmp_path / "site" / "cheatsheet" / "index.html").read_text(encoding="utf-8")
    assert "mcref-cheatsheet.pdf" not in html and "Print this page" in html
    assert not (tmp_path / "site" / "cheatsheet" / "mcref-cheatsheet.pdf").exists()
    assert all(f'href="../#{rid}"' in html for rid in RULE_IDS)


def test_a_rule_on_no_page_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scalar rules' module has no rule on any page, so no page can take them."""
    monkeypatch.setenv("MCREF_CHEATSHEET_PDF", "off")
    scalar = [r.id for r in mcref.all_rules() if r.derivative.__module__ == "mcref.paper.scalar"]
    config = _project(tmp_path, [rid for rid in RULE_IDS if rid not in scalar])
    proc = mkdocs_build(config, tmp_path / "site")
    assert proc.returncode != 0
    assert f"no page places rule(s) {', '.join(scalar)}: no page has" in proc.stdout + proc.stderr
