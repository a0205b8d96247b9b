"""One visit per built page and viewport: what the browser and accessibility tests read.

Opening a page is most of a browser test's time, and several tests look at the same page
in the same state: whether it loaded offline without errors, whether its math is drawn,
what axe finds, whether every image has alt text. The `page_visits` fixture
(tests/conftest.py) opens each (page, width, scheme) once per session, records all of
that, and the tests assert on the record, each naming the page it is about.

A visit waits for the `load` event, then `document.fonts.ready`, draws every part the
browser skipped while loading (`DRAW_ALL`), then waits for the mark docs/assets/a11y.js sets
once the page is idle and every part of it is drawn (`SETTLED`), never for network silence.
Every request to a host other than 127.0.0.1 is aborted and recorded from the first byte on
(a script or asset from another host is requested while the page is parsed, before `load`).

Material's search worker downloads the whole search index (1.1 MB) and builds its lunr index
on every page load, whether or not the reader searches. The visits hand it the site's own index
with its documents left out (`SEARCH_INDEX`: the same configuration, so the worker starts as it
does for a reader): measured on 25 pages opened one after another, 55 CPU-s with the real index,
40 with this (2026-12-06). Searching the real index is what tests/test_browser.py's search tests
check, on the pages they open.

One visit per page, in a 1280 px window, light scheme: everything but the colours of the dark
scheme, and the formulas cut off by their box. Then, in the same visit, the page is narrowed to
375 px and checked for horizontal overflow and cut-off formulas again (the phone layout is CSS
media queries and Material's resize handlers, which a narrowed window runs as a phone's first
layout does; a page load at 375 px cost about a second per page for the same answer). A page of
the colour sample is then widened again, switched to the dark scheme with the palette toggle, as
a reader switches, and axe checks the rules whose answer depends on colours (`COLOUR_RULES`);
every other axe rule reads the document, which is the same in both schemes. The site's colours
follow Material's `data-md-color-scheme` attribute only (docs/assets/theme.css has no
`prefers-color-scheme` query), so a switched page has the colours of one opened in the dark
scheme; a second load per page cost about 1.8 s each for the same answer. That a page does open
in the reader's scheme is checked by tests/test_accessibility.py on a few pages.

axe runs on a sample of the pages (`axe_sample`): the pages that between them show every kind of
structure of the site (elements by tag, classes, parent and the attributes axe reads; heading
steps, repeated ids and landmarks, broken references), 23 of 95 when it was introduced; its
colour rules (light, and the switch to dark) run only on the colour sample (`colour_sample`):
the pages that between them show every kind of text, 17 of 95, all in the axe sample. What
depends on layout rather than on the document is checked on every page: that a box that scrolls
takes focus (`UNREACHABLE`, axe's scrollable-region-focusable), at both widths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT
from tests.served_site import SETTLED

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = 1280, 375
SCHEMES = {"light": "default", "dark": "slate"}  # the colour scheme a reader asks for -> Material's name
SCHEME = "document.body.getAttribute('data-md-color-scheme')"
CLS_CEILING = 0.1  # "good" in Google's Web Vitals (tests/test_lighthouse.py checks it on a phone too)

# Run inside the page: what a reader would see go wrong with math.
CHECK_PAGE = """
async () => {
  await document.fonts.ready;
  const article = document.querySelector("article") || document.body;
  const formulas = [...article.querySelectorAll(".math")];
  const unrendered = formulas.filter(el => {
    const math = el.querySelector(":scope > math");
    if (!math || math.namespaceURI !== "http://www.w3.org/1998/Math/MathML") return true;
    const box = math.getBoundingClientRect();
    // formulas in inactive tabs are hidden; they still have to be MathML
    return el.offsetParent !== null && (box.width === 0 || box.height === 0);
  }).map(el => el.dataset.tex);
  const copy = article.cloneNode(true);
  copy.querySelectorAll(".math, pre, code, script, style").forEach(el => el.remove());
  const text = copy.textContent;
  const raw = text.match(/\\\\[a-zA-Z]+|\\$\\$|\\\\\\(|\\\\\\[/g) || [];
  const mathFonts = [...document.fonts].filter(f => f.family.replace(/"/g, "") === "mcref Math");
  return {
    formulas: formulas.length,
    unrendered,
    leftForBrowser: document.querySelectorAll(".arithmatex").length,
    errors: article.querySelectorAll("merror").length,
    raw,
    fontsLoaded: mathFonts.filter(f => f.status === "loaded").map(f => f.family),
    fontsFailed: mathFonts.filter(f => f.status === "error").map(f => f.family),
    shifts: window.__mcrefShifts || null,
  };
}
"""

# Installed before the page's own scripts: every layout shift while the page loads, with what
# moved (Chromium's Layout Instability API; "buffered" includes shifts before the observer ran).
RECORD_SHIFTS = """
window.__mcrefShifts = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.__mcrefShifts.push({value: e.value, at: Math.round(e.startTime), moved: e.sources.map(
      s => s.node
        ? (s.node.nodeName + "." + (s.node.className || "") + " " + (s.node.textContent || "").slice(0, 40))
        : "?")});
  }
}).observe({type: "layout-shift", buffered: true});
"""

OVERFLOW = """
() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll("article *")]
    .filter(el => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.right > doc.clientWidth + 1;
    })
    // an element inside a box that scrolls horizontally is fine: it scrolls in its own box
    .filter(el => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const style = getComputedStyle(p);
        // clipped or scrolling in its own box: not page overflow
        if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) return false;
        if (p === doc) break;
      }
      return true;
    })
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + "." + [...el.classList].join("."));
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide};
}
"""

# Every formula cut off by the box it scrolls in (its own, or the nearest around it that clips),
# among those shown (not in an inactive tab), with what tells a reader it scrolls: the scroll
# shades of docs/assets/mcref.css, background layers fixed to the box ("scroll") under covers
# that travel with the formula ("local").
CLIPPED = """
() => {
  const found = [];
  for (const formula of document.querySelectorAll("article .math")) {
    let box = null;
    for (let el = formula; el && el.tagName !== "ARTICLE"; el = el.parentElement) {
      if (getComputedStyle(el).overflowX !== "visible") { box = el; break; }
    }
    if (!box || box.scrollWidth <= box.clientWidth + 1 || box.getClientRects().length === 0) continue;
    const style = getComputedStyle(box);
    const attached = style.backgroundAttachment.split(",").map(s => s.trim());
    const layers = style.backgroundImage.match(/gradient[(]/g) || [];
    found.push({
      tex: (formula.dataset.tex || "").slice(0, 60),
      box: box.tagName.toLowerCase() + "." + [...box.classList].join("."),
      hidden: box.scrollWidth - box.clientWidth,
      shaded: layers.length >= 4 && attached.includes("local") && attached.includes("scroll"),
    });
  }
  return found;
}
"""

RUN_AXE = """
async (options) => {
  await document.fonts.ready;
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map(n => ({
      target: n.target.join(" "),
      html: n.html.slice(0, 300),
      summary: n.failureSummary.replace(/\\s+/g, " ").slice(0, 400),
    })),
  }));
}
"""
# RUN_AXE started in a task of its own and its promise kept in the page, not awaited (start_axe,
# axe_result): started in the evaluating task, axe ran to its end before the evaluation returned.
START_AXE = (
    "(options) => { window.__mcrefAxe = new Promise(go => setTimeout(go, 0)).then(() => ("
    + RUN_AXE.strip()
    + ")(options)); }"
)

# Every formula: one <math> element in the MathML namespace, not empty, and neither hidden nor
# taken out of the accessibility tree (aria-hidden on it or on anything around it).
CHECK_MATH = """
() => {
  const all = [...document.querySelectorAll(".math")];
  const problems = [];
  for (const f of all) {
    const maths = f.querySelectorAll("math");
    const math = maths[0];
    let why = null;
    if (maths.length !== 1) why = `${maths.length} <math> elements`;
    else if (math.namespaceURI !== "http://www.w3.org/1998/Math/MathML") why = "<math> is not MathML";
    else if (!math.textContent.trim()) why = "empty <math>";
    else if (math.closest("[aria-hidden='true']")) why = "the MathML is aria-hidden";
    else if (getComputedStyle(math).visibility === "hidden") why = "the MathML is invisible";
    if (why) problems.push(why + ": " + f.outerHTML.slice(0, 160));
  }
  return {count: all.length, problems: problems.slice(0, 10)};
}
"""

CHECK_IMAGES = """
() => [...document.querySelectorAll("img")]
  .filter(img => !(img.getAttribute("alt") || "").trim()
                 && img.getAttribute("role") !== "presentation" && img.getAttribute("aria-hidden") !== "true")
  .map(img => img.outerHTML.slice(0, 160))
"""

# Every box on the page that scrolls (its content is wider or taller than it, and it lets the reader
# scroll: overflow auto or scroll) but cannot be reached by Tab: neither it nor anything in it takes
# keyboard focus. This is axe's scrollable-region-focusable, answered from the layout, which differs
# by page and by width, so it runs on every page at both widths, axe sample or not.
UNREACHABLE = """
() => {
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex^='-'])";
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1) continue;
    const style = getComputedStyle(el);
    const scrolls = axis => ["auto", "scroll"].includes(axis);
    const wide = el.scrollWidth > el.clientWidth + 1 && scrolls(style.overflowX);
    const tall = el.scrollHeight > el.clientHeight + 1 && scrolls(style.overflowY);
    if (!(wide || tall) || !el.checkVisibility()) continue;
    if (el.tabIndex >= 0 && el.matches(FOCUSABLE)) continue;
    if ([...el.querySelectorAll(FOCUSABLE)].some(c => c.checkVisibility())) continue;
    found.push(el.tagName.toLowerCase() + "." + [...el.classList].join(".") + " " +
               (el.textContent || "").trim().slice(0, 50));
  }
  return found;
}
"""

# Every part the browser skipped while loading, drawn in one go (docs/assets/a11y.js draws them in
# idle moments, a few at a time, with the same class). The visits do this once the fonts are in,
# instead of waiting for a11y.js's idle drawing, which costs three to four times the CPU time
# (measured on 2026-12-06 over 30 pages: 0.4 CPU-s a page saved); a11y.js then finds every part
# drawn, measures the boxes that scroll and marks the page as usual. The state the checks read is the
# same: every part drawn. How a11y.js draws (in idle moments, a few at a time, moving nothing) has
# tests of its own in tests/test_browser.py; the layout-shift recorder sees this drawing too.
# The parts are those a11y.js draws: its SKIPPABLE selector, read from it.
_A11Y_JS = (ROOT / "docs" / "assets" / "a11y.js").read_text(encoding="utf-8")
_SKIPPABLE = re.search(r'var SKIPPABLE = "([^"]+)";', _A11Y_JS)
assert _SKIPPABLE, "docs/assets/a11y.js no longer says `var SKIPPABLE = \"...\";`: DRAW_ALL needs its selector"
SKIPPABLE = _SKIPPABLE.group(1)
DRAW_ALL = """
(skippable) => {
  const parts = document.querySelectorAll(skippable);
  parts.forEach(part => part.classList.add("mcref-shown"));
  return parts.length;
}
"""

# Colours that are still fading (Material animates a scheme switch) would be measured half-way.
TWO_FRAMES = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"

NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


# The pages always in the colour sample: the kinds of page Lighthouse audits, and those the
# reader's-scheme test opens (tests/test_accessibility.py); colour_sample adds what they miss.
COLOUR_ALWAYS = ["", "rules/elementwise/", "extensions/network/", "cheatsheet/", "notebooks/neuron/",
                 "reference/mcref/core/check/", "cookbook/determinants/"]

# axe's rules whose answer depends on the colour scheme: text contrast, and links told apart from
# the text around them by colour alone
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def run_axe(
    page: Any, rules: list[str] | None = None, settled: bool = True, without: list[str] | None = None
) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is once settled (nothing is forced visible for it).
    With `settled=False`, on the page as it is now, whatever a11y.js has drawn so far (what a
    tool that does not wait for the mark, such as Lighthouse, may meet)."""
    start_axe(page, rules, settled, without)
    return axe_result(page)


def start_axe(
    page: Any, rules: list[str] | None = None, settled: bool = True, without: list[str] | None = None
) -> None:
    """Start `run_axe`'s audit in the page and return at once: the page's own process runs it
    while this one goes on (with another page); `axe_result` waits for its answer."""
    if not AXE.is_file():
        raise FileNotFoundError(
            f"{AXE} is missing: axe-core is a devDependency in package.json; ./dev test installs it (npm ci)"
        )
    if settled:
        page.wait_for_function(SETTLED, timeout=5000)
    if not page.evaluate("typeof axe !== 'undefined'"):  # once per page: a second run reuses it
        page.add_style_tag(content=NO_TRANSITIONS)
        page.add_script_tag(path=str(AXE))
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    if without:
        options["rules"] = {rule: {"enabled": False} for rule in without}
    page.evaluate(START_AXE, options)


def axe_result(page: Any) -> list[dict[str, Any]]:
    """The violations of the audit `start_axe` started in the page, once it has finished."""
    found: list[dict[str, Any]] = page.evaluate("window.__mcrefAxe")
    return found


def visit_group(path: str) -> Any:
    """The pytest-xdist group of the tests that read `path`'s visit: `./dev test` runs them in
    one worker (`--dist loadgroup`), so each page is still opened once per run."""
    return pytest.mark.xdist_group(f"page-{path.strip('/').replace('/', '-') or 'home'}")


def each_page(paths: list[str]) -> list[Any]:
    """`paths` as parameters of a test that reads their visits: named by page, grouped by page."""
    return [pytest.param(path, id=path or "home", marks=visit_group(path)) for path in paths]


@dataclass
class PageVisit:
    """What one visit of one page saw. Fields a state does not collect stay None."""

    path: str
    width: int
    scheme: str
    opened_in: str = ""  # Material's scheme on <body> once loaded
    foreign: list[str] = field(default_factory=list)  # requests to other hosts (aborted)
    js_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # requests that failed (other hosts' included)
    settled: bool = False  # a11y.js marked the page within 5 s
    report: dict[str, Any] | None = None  # CHECK_PAGE (desktop, light)
    math: dict[str, Any] | None = None  # CHECK_MATH (desktop, light)
    images: list[str] | None = None  # CHECK_IMAGES (desktop, light)
    axe: list[dict[str, Any]] | None = None  # desktop, both schemes
    overflow: dict[str, Any] | None = None  # OVERFLOW (phone)
    clipped: list[dict[str, Any]] | None = None  # CLIPPED (desktop and phone, light)
    unreachable: list[str] | None = None  # UNREACHABLE (desktop and phone, light)
    screenshot: str | None = None  # taken when the load or overflow checks found a problem
    phone: PageVisit | None = None  # the desktop light visit narrowed to a phone's width
    dark: PageVisit | None = None  # the desktop light visit switched to the dark scheme

    def load_problems(self) -> list[str]:
        """What the offline, math and layout-shift check finds wrong (desktop, light)."""
        assert self.report is not None, "the desktop light visit records the page check"
        report, problems = self.report, []
        if self.foreign:
            problems.append(f"requests to other hosts: {self.foreign}")
        if self.js_errors or self.console_errors:
            problems.append(f"JavaScript errors: {self.js_errors} console errors: {self.console_errors}")
        if self.failed:
            problems.append(f"failed requests: {self.failed}")
        if report["leftForBrowser"] or report["errors"] or report["unrendered"]:
            problems.append(f"formulas not rendered: {report}")
        if report["raw"]:
            problems.append(f"raw TeX in the page text: {report['raw'][:10]}")
        if report["formulas"] and (not report["fontsLoaded"] or report["fontsFailed"]):
            problems.append(f"math font: loaded {report['fontsLoaded']}, failed {report['fontsFailed']}")
        return problems + layout_shift_problems(report)

    def unshaded_clipped(self) -> list[str]:
        """The formulas cut off at this width that do not show they scroll."""
        assert self.clipped is not None, "the light visits (desktop and phone) record the cut-off formulas"
        return [f"{c['tex']!r} in {c['box']} ({c['hidden']} px hidden)" for c in self.clipped if not c["shaded"]]

    def overflow_problems(self) -> list[str]:
        assert self.overflow is not None, "the phone visit records the overflow"
        if self.overflow["scrollWidth"] > self.overflow["clientWidth"] or self.overflow["wide"]:
            return [f"wider than a {self.width} px screen: {self.overflow}"]
        return []


def layout_shift_problems(report: dict[str, Any]) -> list[str]:
    shifts = report["shifts"]
    if shifts is None:
        return ["the layout-shift recorder did not run"]
    total = sum(shift["value"] for shift in shifts)
    if total <= CLS_CEILING:
        return []
    worst = sorted(shifts, key=lambda shift: -shift["value"])[:3]
    return [f"layout shifts add up to {total:.3f} (ceiling {CLS_CEILING}); largest: {worst}"]


SEARCH_INDEX = "/search/search_index.json"  # Material's, under the site's path
_search_stubs: dict[str, str] = {}  # the index's address -> the index without its documents


def _search_stub(route: Any) -> None:
    """Answer the search worker's request for the index with the index's configuration and no
    documents (see the module's docstring); the real index is read once per address."""
    url = route.request.url
    body = _search_stubs.get(url)
    if body is None:
        index = json.loads(route.fetch().text())
        body = _search_stubs[url] = json.dumps({"config": index["config"], "docs": []})
    route.fulfill(status=200, content_type="application/json", body=body)


def without_search_documents(ctx: Any) -> None:
    """Give the search worker of every page of the browser context `ctx` the index without its
    documents (see the module's docstring), for a test that opens pages and does not search."""
    ctx.route("**" + SEARCH_INDEX, _search_stub)


def settle(page: Any) -> None:
    """Wait for a page that has loaded to settle as a visit does: its fonts, every skipped part
    drawn in one go (`DRAW_ALL`), then a11y.js's mark."""
    page.evaluate("document.fonts.ready.then(() => true)")
    page.evaluate(DRAW_ALL, SKIPPABLE)
    page.wait_for_function(SETTLED, timeout=5000)


@dataclass
class _Opening:
    """A page whose visit has begun: its context, its tab (navigating, or loaded) and what it recorded."""

    path: str
    ctx: Any
    page: Any
    foreign: list[str]
    js_errors: list[str]
    console_errors: list[str]
    failed: list[str]


def open_page(browser: Any, base_url: str, path: str) -> _Opening:
    """Begin a visit of `path`: a fresh context (1280 px, light) that records requests to other hosts
    (and aborts them), script and console errors, failed requests and layout shifts; the navigation
    is started and left to run (`begin_visit` waits for the page to load)."""
    ctx = browser.new_context(viewport={"width": DESKTOP, "height": 900}, color_scheme="light")
    opening = _Opening(path, ctx, None, [], [], [], [])
    try:

        def route(r: Any) -> None:
            address = urlparse(r.request.url)
            if address.hostname == "127.0.0.1":
                _search_stub(r) if address.path.endswith(SEARCH_INDEX) else r.continue_()
            else:
                opening.foreign.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        ctx.add_init_script(RECORD_SHIFTS)
        page = opening.page = ctx.new_page()
        page.on("pageerror", lambda e: opening.js_errors.append(str(e)))
        page.on("console", lambda m: opening.console_errors.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: opening.failed.append(r.url))
        page.goto(base_url + path, wait_until="commit")
    except BaseException:
        ctx.close()
        raise
    return opening


@dataclass
class _Begun:
    """A visit whose page has loaded and been checked at 1280 px, its axe audit (if any) running."""

    opening: _Opening
    seen: PageVisit
    shots: Path
    colours: bool
    axe: bool
    auditing: bool  # start_axe was called: axe_result has the answer


def begin_visit(opening: _Opening, shots: Path, colours: bool = True, axe: bool = True) -> _Begun:
    """Wait for the page `open_page` began to load and settle, record what the tests need at
    1280 px, and start axe on it (`start_axe`); `end_visit` records the rest. With
    `colours=False` (a page outside the colour sample), axe leaves out its colour rules and the
    page is not switched to dark: `dark` stays None. With `axe=False` (a page outside the axe
    sample, `axe_sample`), axe does not run (`axe` stays None); the rest is recorded."""
    seen = PageVisit(opening.path, DESKTOP, "light")
    page = opening.page
    try:
        page.wait_for_load_state("load")
        try:
            settle(page)
            seen.settled = True
        except Exception:  # playwright's timeout: recorded, and the axe tests fail on it
            seen.settled = False
        seen.opened_in = page.evaluate(SCHEME)
        # what happened up to now, copied: axe's own work below is not the page's
        seen.foreign, seen.js_errors = list(opening.foreign), list(opening.js_errors)
        seen.console_errors, seen.failed = list(opening.console_errors), list(opening.failed)
        seen.report = page.evaluate(CHECK_PAGE)
        seen.math = page.evaluate(CHECK_MATH)
        seen.images = page.evaluate(CHECK_IMAGES)
        seen.clipped = page.evaluate(CLIPPED)
        seen.unreachable = page.evaluate(UNREACHABLE) if seen.settled else None
        if seen.load_problems():
            _screenshot(page, seen, shots)
        auditing = bool(axe and seen.settled and AXE.is_file())  # the axe tests say when it is missing
        if auditing:
            start_axe(page, without=None if colours else COLOUR_RULES)
    except BaseException:
        opening.ctx.close()
        raise
    return _Begun(opening, seen, shots, colours, axe, auditing)


def end_visit(begun: _Begun) -> PageVisit:
    """Finish a visit `begin_visit` began: axe's answer, then the `phone` and `dark` records (the
    same page narrowed, then, for a page of the colour sample, widened and switched to dark)."""
    seen, page = begun.seen, begun.opening.page
    try:
        if begun.auditing:
            seen.axe = axe_result(page)
        dark = begun.colours and begun.axe
        seen.phone = _narrowed(page, seen, begun.shots, widen=dark)
        if dark:
            seen.dark = _switched_to_dark(page, seen)
    finally:
        begun.opening.ctx.close()
    return seen


def _screenshot(page: Any, seen: PageVisit, shots: Path) -> None:
    target = shots / f"{(seen.path.strip('/').replace('/', '_') or 'home')}-{seen.width}-{seen.scheme}.png"
    page.screenshot(path=str(target), full_page=True)
    seen.screenshot = str(target)


def _narrowed(page: Any, desktop: PageVisit, shots: Path, widen: bool) -> PageVisit:
    """The open page narrowed to a phone's width: its horizontal overflow, once laid out again.
    With `widen`, the page is then widened back to the desktop width (for the dark switch);
    otherwise the visit ends narrow (laying the page out again cost about 0.2 CPU-s a page)."""
    phone = PageVisit(desktop.path, PHONE, desktop.scheme, opened_in=desktop.opened_in, settled=desktop.settled)
    page.set_viewport_size({"width": PHONE, "height": 900})
    page.evaluate(TWO_FRAMES)
    phone.overflow = page.evaluate(OVERFLOW)
    phone.clipped = page.evaluate(CLIPPED)
    phone.unreachable = page.evaluate(UNREACHABLE) if desktop.settled else None
    if phone.overflow_problems():
        _screenshot(page, phone, shots)
    if widen:
        page.set_viewport_size({"width": DESKTOP, "height": 900})
        page.evaluate(TWO_FRAMES)
    return phone


def _switched_to_dark(page: Any, light: PageVisit) -> PageVisit:
    """The open page switched to the dark scheme by its palette toggle: axe's colour rules.
    `opened_in` holds the scheme the page is in after the switch."""
    dark = PageVisit(light.path, DESKTOP, "dark", settled=light.settled)
    page.emulate_media(color_scheme="dark")  # the reader's system, as a dark-scheme reader's is
    toggle = page.locator("form[data-md-component='palette'] label:visible").first
    if page.evaluate(SCHEME) != SCHEMES["dark"]:
        toggle.click()
    dark.opened_in = page.evaluate(SCHEME)
    if light.settled and AXE.is_file():
        dark.axe = run_axe(page, COLOUR_RULES)
    return dark


# The kinds of text of a page, for the colour sample: an element that holds text of its own, named
# by its tag, classes and inline style and those of its parent (a link in a table cell, a token in a
# code block, the title of a warning). Text inside <math> is named by the formula's box: every formula is drawn
# in the same colours, whatever its symbols.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)  # elements with no end tag


class _TextKinds(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.kinds: set[tuple[str, str]] = set()
        self.skip = 0  # inside <script>, <style> or <math>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = " ".join(sorted((dict(attrs).get("class") or "").split()))
        style = dict(attrs).get("style")  # an inline style may set a colour
        self.stack.append(f"{tag}.{classes}" + (f"[style={style}]" if style else ""))
        if tag in ("script", "style", "math") or self.skip:
            if tag == "math":
                self.kinds.add((self.stack[-2] if len(self.stack) > 1 else "", "math"))
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not self.stack:
            return
        self.stack.pop()
        if self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.skip or not data.strip() or not self.stack:
            return
        self.kinds.add((self.stack[-2] if len(self.stack) > 1 else "", self.stack[-1]))


def text_kinds(html: str) -> set[tuple[str, str]]:
    """The kinds of text a built page shows (see `_TextKinds`)."""
    parser = _TextKinds()
    parser.feed(html)
    return parser.kinds


def colour_sample(site: Path, paths: list[str], always: list[str]) -> list[str]:
    """The pages whose colours axe checks, in both schemes: `always`, then, greedily, the page
    that shows the most kinds of text (`text_kinds`) not yet shown, until every kind of text on
    the site is on a sampled page.

    Colour contrast is a matter of the stylesheet and of the element a text sits in, and the
    pages share one stylesheet: a kind of text that passes on one page passes on every page.
    axe's colour rules cost about as much as all its other rules together (measured on four
    pages: 1.5-3.8 s of 2.7-5.9 s), and they run twice, light and dark; checking each kind of
    text once instead of on every page keeps the suite fast without leaving any text unchecked.
    """
    kinds = {p: text_kinds(_html(site, p)) for p in paths}
    return _greedy(kinds, paths, always)



# The structure of a page, for the axe sample: what axe's rules other than the colour rules read.
# An element is named by its tag, its classes, the attributes axe reads (with the value where the
# value matters: a role, a type, an inline style, a tabindex's sign), whether it is empty where emptiness is a
# fault (a link, a button, a heading with no text), and its parent's tag and classes. A page adds
# the rules that look across the page: each step between heading levels, whether it has an h1,
# a landmark that occurs more than once, an id used twice, and a reference (aria-labelledby,
# for, ...) to an id the page does not have. Inside <math> only the <math> element itself counts:
# formulas are written by one program (hooks/mathml.py), whatever their symbols.
_AXE_VALUED = frozenset({"role", "type", "scope", "lang", "aria-hidden", "aria-modal", "aria-level", "dir",
                         "aria-expanded", "aria-checked", "aria-selected", "aria-current", "display", "style"})
_AXE_PRESENT = frozenset({"alt", "title", "href", "for", "name", "headers", "accesskey", "aria-label",
                          "aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "placeholder",
                          "value", "label", "open", "hidden", "disabled", "checked", "src", "id"})
_MUST_NOT_BE_EMPTY = frozenset({"a", "button", "h1", "h2", "h3", "h4", "h5", "h6", "th", "label", "summary",
                                "title", "option", "dt", "caption", "legend"})
_LANDMARKS = frozenset({"header", "footer", "nav", "main", "aside", "form", "section"})
_IDREFS = ("aria-labelledby", "aria-describedby", "aria-controls", "aria-owns", "for", "headers")


class _StructureKinds(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, list[bool]]] = []  # tag, kind, [has text or a named child]
        self.kinds: set[str] = set()
        self.math = 0
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.refs: list[str] = []
        self.landmarks: list[str] = []

    def _name(self, tag: str, attrs: dict[str, str | None]) -> str:
        classes = ".".join(sorted((attrs.get("class") or "").split()))
        parts = [f"{tag}.{classes}"]
        for key in sorted(attrs):
            if key in _AXE_VALUED or (key == "tabindex"):
                value = attrs[key] or ""
                if key == "tabindex":
                    value = "-" if value.strip().startswith("-") else ("0" if value.strip() == "0" else "+")
                parts.append(f"{key}={value}")
            elif key in _AXE_PRESENT or key.startswith("aria-"):
                parts.append(key if (attrs[key] or "").strip() else f"{key}=''")
        return " ".join(parts)

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        if self.math:
            if tag not in _VOID:
                self.math += 1
            return
        if attrs.get("id"):
            self.ids.append(attrs["id"] or "")
        for key in _IDREFS:
            self.refs.extend((attrs.get(key) or "").split())
        name = self._name(tag, attrs)
        parent = self.stack[-1][1].split(" ")[0] if self.stack else ""
        self.kinds.add(f"{parent} > {name}")
        if tag in ("img", "svg") or attrs.get("aria-label"):
            for entry in self.stack:
                entry[2][0] = True  # a named child names its parents
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
        if tag in _LANDMARKS or attrs.get("role") in {"navigation", "banner", "contentinfo", "main", "complementary",
                                                      "search", "region", "form"}:
            self.landmarks.append(name)
        if tag == "math":
            self.math = 1
            for entry in self.stack:
                entry[2][0] = True
            return
        if tag not in _VOID:
            self.stack.append((tag, name, [False]))

    def handle_endtag(self, tag: str) -> None:
        if self.math:
            self.math -= 1
            return
        if tag in _VOID:
            return
        while self.stack:  # (an end tag closes what HTML's optional end tags left open)
            open_tag, name, filled = self.stack.pop()
            if open_tag in _MUST_NOT_BE_EMPTY and not filled[0]:
                self.kinds.add(f"empty {name}")
            if open_tag == tag:
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.math:
            for entry in self.stack:
                entry[2][0] = True

    def page_kinds(self) -> set[str]:
        kinds = set(self.kinds)
        if 1 not in self.headings:
            kinds.add("no h1")
        kinds.update(f"heading h{a} -> h{b}" for a, b in zip(self.headings, self.headings[1:], strict=False)
                     if b > a + 1)
        kinds.update(f"landmark twice: {name}" for name in set(self.landmarks) if self.landmarks.count(name) > 1)
        kinds.update(f"id twice: {i}" for i in set(self.ids) if self.ids.count(i) > 1)
        ids = set(self.ids)
        kinds.update(f"missing id: {r}" for r in set(self.refs) if r not in ids)
        return kinds


def structure_kinds(html: str) -> set[str]:
    """The kinds of structure a built page has (see `_StructureKinds`)."""
    parser = _StructureKinds()
    parser.feed(html)
    parser.close()
    return parser.page_kinds()


def _greedy(kinds: dict[str, set[str]], paths: list[str], always: list[str]) -> list[str]:
    """`always`, then the page with the most kinds not yet chosen, until every kind is on a chosen page."""
    chosen = [p for p in always if p in kinds]
    seen = set().union(*(kinds[p] for p in chosen)) if chosen else set()
    while True:
        best = max((p for p in paths if p not in chosen), key=lambda p: len(kinds[p] - seen), default=None)
        if best is None or not kinds[best] - seen:
            return chosen
        chosen.append(best)
        seen |= kinds[best]


_MATH = re.compile(r"(<math\b[^>]*>).*?</math>", re.S)


def _html(site: Path, path: str) -> str:
    """A built page's HTML with each formula's content left out (its <math> tag stays): neither
    sample looks inside a formula, and parsing them was most of the time it took."""
    html = (site / path / "index.html" if not path.endswith(".html") else site / path).read_text("utf-8")
    return _MATH.sub(r"\1</math>", html)


def axe_sample(site: Path, paths: list[str], always: list[str]) -> list[str]:
    """The pages axe checks: `always` (the colour sample), then, greedily, the page with the most
    kinds of structure (`structure_kinds`) not yet on a chosen page, until every kind on the site is.

    axe's rules read the document: an element's tag, attributes, text and place, and across the
    page the headings, landmarks and ids. The pages are made by one theme from a few kinds of
    source (a hand-written page, a rule page, an API page from one template, a notebook), so most
    pages show nothing another has not: an element of a kind that passes on one page passes on every
    page. A page with anything new (a new element, attribute, heading step, repeated landmark or id,
    or a broken reference) is in the sample, and axe judges it. What depends on layout rather than
    on the document (a box that scrolls must take focus) is checked on every page
    (`UNREACHABLE`), and so are images' alt text and the math (`CHECK_IMAGES`, `CHECK_MATH`).
    """
    kinds = {p: structure_kinds(_html(site, p)) for p in paths}
    return _greedy(kinds, paths, always)


class PageVisits:
    """Each page visited once, on first request, and kept for the session; a request for the
    phone width or the dark scheme is answered from that visit (see the module's docstring).
    axe runs on the pages of `axe` (the axe sample) only, and of those only the pages of `colours`
    (the colour sample, which the axe sample includes) are checked for colours and switched to dark."""

    # Pages loading at once: the one being checked and the next ones of `order`. A page spends most
    # of its visit waiting (for its fonts, and for a11y.js to draw its parts in idle moments), so
    # the next pages load and settle while this one is checked; axe's work is the CPU's. Measured
    # on test_axe_finds_nothing's 84 pages, in one run on a busy machine: 383 s one page at a time,
    # 279 s with two pages ahead. axe's audit of a page (1 to 3 s of one core, in the page's own
    # process) is started and not waited for (`start_axe`): while it runs, the next page is begun
    # (`begin_visit`: loaded, settled, checked, its own audit started), and only then is the first
    # page's visit ended (`end_visit`). On the axe sample's 23 pages, in alternating runs on
    # 2026-12-06: 70.6, 75.1 and 74.0 s waiting for each audit; 59.8, 62.2 and 62.3 s with this.
    AHEAD = 2

    def __init__(
        self, browser: Any, base_url: str, shots: Path, colours: list[str] | None = None,
        order: list[str] | None = None, axe: list[str] | None = None,
    ) -> None:
        self.browser, self.base_url, self.shots = browser, base_url, shots
        self.colours = colours
        self.axe = axe  # the axe sample (every page when None)
        self.order = list(order or [])  # the order the tests ask for the pages in (the next are opened early)
        self._done: dict[str, PageVisit] = {}
        self._opening: dict[str, _Opening] = {}
        self._begun: dict[str, _Begun] = {}  # the next page: loaded and checked, its axe audit running

    def _open_ahead(self, path: str) -> None:
        if path not in self.order:
            return
        at = self.order.index(path)
        for ahead in self.order[at + 1 : at + 1 + self.AHEAD]:
            if ahead not in self._done and ahead not in self._opening and ahead not in self._begun:
                self._opening[ahead] = open_page(self.browser, self.base_url, ahead)

    def _begin(self, path: str) -> _Begun:
        colours = self.colours is None or path in self.colours
        axe = self.axe is None or path in self.axe
        return begin_visit(self._opening.pop(path), self.shots, colours=colours, axe=axe)

    def expect(self, paths: list[str]) -> None:
        """The pages a test is about to ask for, in its order: they are opened ahead first (a test
        that reads a sample of the pages would otherwise wait for each of them in turn: 94 s for
        the axe sample's 23 pages, 67 s with this)."""
        self.order = [*paths, *(p for p in self.order if p not in paths)]

    def close(self) -> None:
        """Close the pages opened or begun ahead that no test asked for."""
        for opening in [*self._opening.values(), *(begun.opening for begun in self._begun.values())]:
            opening.ctx.close()
        self._opening.clear()
        self._begun.clear()

    def __call__(self, path: str, width: int = DESKTOP, scheme: str = "light") -> PageVisit:
        if (width, scheme) not in {(DESKTOP, "light"), (DESKTOP, "dark"), (PHONE, "light")}:
            raise ValueError(f"a visit records {DESKTOP} px light, {PHONE} px light and {DESKTOP} px dark, "
                             f"not {width} px {scheme}")
        if path not in self._done:
            begun = self._begun.pop(path, None)
            if begun is None and path not in self._opening:
                self._opening[path] = open_page(self.browser, self.base_url, path)
            self._open_ahead(path)  # (the next pages load while this one does)
            begun = begun or self._begin(path)
            # While this page's axe audit runs in its own tab, the next page of the order is begun:
            # two pages' work on the two cores (see the comment on AHEAD).
            at = self.order.index(path) if path in self.order else len(self.order)
            following = self.order[at + 1] if at + 1 < len(self.order) else None
            if begun.auditing and following in self._opening:
                self._begun[following] = self._begin(following)
            self._done[path] = end_visit(begun)
        seen = self._done[path]
        found = seen.phone if width == PHONE else seen.dark if scheme == "dark" else seen
        assert found is not None, f"/{path} is not in the colour sample: it has no dark visit"
        return found
