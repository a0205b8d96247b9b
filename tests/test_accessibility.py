"""Accessibility of the built site, checked in headless Chromium.

* axe-core (node_modules/axe-core, pinned in package.json) runs on the pages that between
  them show every kind of structure of the site (the axe sample, tests/page_visits.py), in
  the light scheme with its default rules, and on the pages that show every kind of text
  again after the page's toggle has switched it to the dark scheme with the rules that
  depend on colour (tests/page_visits.py says why that is the same as opening it dark).
  The one axe rule that depends on layout, that a box that scrolls takes focus, is checked
  on every page at 1280 and 375 px. Its
  default rules are (WCAG A and AA, and axe's best practices). Any violation fails, whatever
  its impact: the issue asks for nothing serious or critical, and the site has nothing
  minor either, so a new minor finding is a regression too.
* A page opens in the reader's colour scheme (a few pages, one of each kind).
* Every formula is MathML (hooks/mathml.py): the markup the browser draws is the one
  assistive technology reads, and each drawn formula is a math node in Chromium's
  accessibility tree.
* Every image has alt text.
* Keyboard: from the top of a page, Tab reaches the search box and the light/dark
  toggle, the toggle shows its focus, and Enter or Space on it switches the scheme.
  A formula or table that scrolls sideways at phone width can be reached by Tab.
* Tap targets on Lighthouse's phone: axe's target-size rule (WCAG 2.2, left out of axe's
  defaults, run by Lighthouse's audit) before a11y.js has drawn the skipped parts, part-way
  through and after, since Lighthouse does not wait for the drawing to finish.

Three of these rely on docs/assets/a11y.js, which fills gaps in Material 9.8: the
search dialog's name, focusable scroll boxes, and Space on the toggle.

The per-page checks (axe in both schemes, MathML, alt text) read the session's one visit
per page (tests/page_visits.py), which test_browser.py's checks read too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.page_visits import (
    AXE,
    DRAW_ALL,
    PHONE,
    SCHEME,
    SCHEMES,
    SKIPPABLE,
    TWO_FRAMES,
    PageVisits,
    axe_sample,
    colour_sample,
    each_page,
    run_axe,
    structure_kinds,
    text_kinds,
    visit_group,
    without_search_documents,
)
from tests.served_site import LIGHTHOUSE_PAGES, SETTLED
from tests.test_browser import HOLD_IDLE_CALLBACKS, PAGES

MAX_TABS = 10  # Tab presses from the top of the page to reach the search box and the toggle

FOCUSED = """
() => {
  const e = document.activeElement;
  const next = e && e.nextElementSibling;
  return {
    tag: e ? e.tagName.toLowerCase() : "",
    id: (e && e.id) || "",
    cls: (e && typeof e.className === "string") ? e.className : "",
    name: e ? (e.getAttribute("aria-label") || e.getAttribute("placeholder") || e.textContent.trim().slice(0, 40)) : "",
    palette: !!(e && e.closest("form[data-md-component='palette']")),
    search: !!(e && e.matches("input.md-search__input")),
    // the palette's radio inputs are invisible; Material draws their focus on the label after them
    labelOutline: next && next.tagName === "LABEL" ? getComputedStyle(next).outlineStyle : "",
  };
}
"""

# How many parts of the page are skipped (not drawn) right now
SKIPPED = """
() => [...document.querySelectorAll(".mcref-section, .tabbed-content")]
  .filter(e => e.firstElementChild && !e.firstElementChild.checkVisibility({contentVisibilityAuto: true})).length
"""


def _needs_axe() -> None:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: axe-core is a devDependency in package.json; ./dev test installs it (npm ci)")


def _open(browser: Any, url: str, scheme: str = "light", width: int = 1280) -> tuple[Any, Any]:
    """A fresh context and tab with `url` loaded (the search worker given no documents: nothing
    here searches; tests/page_visits.py says why)."""
    ctx = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    without_search_documents(ctx)
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    return ctx, page


# Once the page is idle, a11y.js draws every part of it (parts far from the screen are skipped
# while it loads, content-visibility: auto) and keeps wide formulas focusable; then it sets this
# attribute. axe audits the page from then on, as it is: nothing is forced visible for it.
MARKED = SETTLED


def _axe(page: Any, rules: list[str] | None = None) -> list[dict[str, Any]]:
    _needs_axe()
    return run_axe(page, rules)


def _describe(violation: dict[str, Any], nodes: int = 3) -> str:
    lines = [f"[{violation['impact']}] {violation['id']}: {violation['help']} ({len(violation['nodes'])} elements)"]
    for node in violation["nodes"][:nodes]:
        lines.append(f"    {node['target']}  {node['html'][:120]}\n      {node['summary']}")
    return "\n".join(lines)


def test_axe_finds_nothing(page_visits: PageVisits, colour_pages: list[str], axe_pages: list[str]) -> None:
    """Every axe rule in the light scheme on the axe sample (tests/page_visits.py, `axe_sample`:
    every kind of structure of the site is on one of its pages); the rules that depend on colour
    (COLOUR_RULES) only on the colour sample, where the next test also checks them dark: every
    kind of text of the site is on one of those pages."""
    _needs_axe()
    assert set(colour_pages) <= set(axe_pages)
    page_visits.expect(axe_pages)
    failures = []
    for path in axe_pages:
        seen = page_visits(path)
        colours = "with" if path in colour_pages else "without"
        if seen.opened_in != SCHEMES["light"]:
            failures.append(f"/{path} did not open the light scheme: {seen.opened_in}")
        elif not seen.settled or seen.axe is None:
            failures.append(f"/{path}: a11y.js did not mark the page within 5 s")
        elif seen.axe:
            found = "\n".join(_describe(v) for v in seen.axe)
            failures.append(f"axe on /{path} ({colours} the colour rules):\n{found}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", each_page(PAGES))
def test_every_box_that_scrolls_takes_keyboard_focus(page_visits: PageVisits, path: str) -> None:
    """axe's scrollable-region-focusable on every page, whether in the axe sample or not, at 1280 px
    and narrowed to 375 px: a box whose content scrolls must take focus itself or hold something
    that does, or a keyboard user cannot scroll it. Whether a box scrolls is a matter of layout,
    which differs from page to page and by width (tests/page_visits.py, `UNREACHABLE`)."""
    seen = page_visits(path)
    assert seen.settled, f"/{path}: a11y.js did not mark the page within 5 s"
    phone = page_visits(path, width=PHONE)
    problems = {width: found for width, found in ((1280, seen.unreachable), (PHONE, phone.unreachable)) if found}
    assert not problems, f"/{path}: boxes that scroll but cannot be reached by Tab: {problems}"


def test_colours_pass_in_the_dark_scheme(page_visits: PageVisits, colour_pages: list[str]) -> None:
    """axe's colour rules on the colour sample, switched to the dark scheme by the palette toggle."""
    _needs_axe()
    failures = []
    for path in colour_pages:
        seen = page_visits(path, scheme="dark")
        if seen.opened_in != SCHEMES["dark"]:
            failures.append(f"/{path} did not switch to the dark scheme: {seen.opened_in}")
        elif not seen.settled or seen.axe is None:
            failures.append(f"/{path} (dark): a11y.js did not mark the page within 5 s")
        elif seen.axe:
            failures.append(f"axe on /{path} (dark):\n" + "\n".join(_describe(v) for v in seen.axe))
    assert not failures, "\n".join(failures)


def test_the_colour_sample_covers_every_kind_of_text(tmp_path: Path) -> None:
    """A kind of text found on one page only brings that page into the sample; a page that shows
    nothing new stays out."""
    pages = {
        "a/": '<p>text <a class="x">link</a></p><math><mi>x</mi></math>',
        "b/": '<p>more text</p><div class="admonition warning"><p class="admonition-title">Careful</p></div>',
        "c/": "<p>again</p><p>and <a class='x'>a link</a></p>",
        "d/": "<p>again</p><p style='color: #eee'>pale</p>",
    }
    for path, html in pages.items():
        (tmp_path / path).mkdir()
        (tmp_path / path / "index.html").write_text(f"<html><body>{html}</body></html>", "utf-8")
    assert colour_sample(tmp_path, list(pages), ["a/"]) == ["a/", "b/", "d/"]  # d/: a colour of its own
    assert ("p.", "a.x") in text_kinds(pages["c/"])
    assert "math" in {kind for _, kind in text_kinds(pages["a/"])}  # a formula is one kind, whatever its symbols


def test_the_axe_sample_takes_every_page_with_something_new(tmp_path: Path) -> None:
    """A page joins the axe sample when it has a kind of structure no chosen page has: an element
    new by its tag, classes, parent or the attributes axe reads, a link with no text, a jump in
    heading levels, an id used twice, a landmark twice, a reference to a missing id; a page with
    nothing new stays out, and a formula's symbols are not structure."""
    body = (
        "<h1>T</h1><h2>S</h2><h3>U</h3><nav>n</nav><p id='a'>x <a href='/a'>link</a></p><p id='b'>y</p>"
        "<span aria-labelledby='a'>s</span><math><mi>x</mi></math>"
    )
    pages = {
        "base/": body,
        "same/": body.replace("x <a", "z <a") + "<math><mfrac><mi>a</mi><mi>b</mi></mfrac></math>",
        "new-element/": body + "<p><button type='button'>Go</button></p>",
        "new-attribute/": body.replace("<a href", "<a title='t' href"),
        "new-role/": body.replace("<p id='b'>", "<p id='b' role='note'>"),
        "empty-link/": body.replace(">link<", "><"),
        "heading-jump/": body.replace("<h2>S</h2><h3>U</h3>", "<h3>U</h3><h2>S</h2>"),
        "no-h1/": body.replace("<h1>T</h1>", ""),
        "twice-id/": body.replace("id='b'", "id='a'"),
        "twice-landmark/": body.replace("<nav>n</nav>", "<nav>n</nav><nav>m</nav>"),
        "missing-id/": body.replace("aria-labelledby='a'", "aria-labelledby='c'"),
        "inline-style/": body.replace("<p id='b'>", "<p id='b' style='color: #eee'>"),
    }
    for path, html in pages.items():
        (tmp_path / path).mkdir()
        (tmp_path / path / "index.html").write_text(f"<html lang='en'><body>{html}</body></html>", "utf-8")
    chosen = axe_sample(tmp_path, list(pages), ["base/"])
    assert sorted(chosen) == sorted(set(pages) - {"same/"}), chosen
    assert structure_kinds(pages["base/"]) == structure_kinds(pages["same/"])


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("path", ["", "rules/elementwise/", "reference/mcref/core/check/", "notebooks/neuron/"])
def test_a_page_opens_in_the_readers_scheme(browser: Any, base_url: str, path: str, scheme: str) -> None:
    """A reader whose system is dark gets the dark scheme on the first paint of any kind of
    page (a text page, a rule page, an API page, a notebook), without touching the toggle."""
    ctx, page = _open(browser, base_url + path, scheme=scheme)
    try:
        assert page.evaluate(SCHEME) == SCHEMES[scheme], f"/{path} did not open in the {scheme} scheme"
    finally:
        ctx.close()


@pytest.mark.parametrize("path", each_page(PAGES))
def test_formulas_carry_mathml(page_visits: PageVisits, path: str) -> None:
    math = page_visits(path).math
    assert math is not None
    assert not math["problems"], f"/{path}: {len(math['problems'])}+ of {math['count']} formulas:\n" + "\n".join(
        math["problems"]
    )


@pytest.mark.parametrize("path", each_page(PAGES))
def test_images_have_alt_text(page_visits: PageVisits, path: str) -> None:
    missing = page_visits(path).images
    assert missing is not None
    assert not missing, f"/{path}: images without alt text:\n" + "\n".join(missing)


@visit_group("rules/elementwise/")
def test_rule_pages_have_formulas_to_check(page_visits: PageVisits) -> None:
    """The MathML check above is not vacuous."""
    math = page_visits("rules/elementwise/").math
    assert math is not None and math["count"] >= 20


@pytest.mark.parametrize("path", ["rules/elementwise/", "cheatsheet/", "notebooks/neuron/"])
def test_each_drawn_formula_is_a_math_node_for_screen_readers(browser: Any, base_url: str, path: str) -> None:
    """What a screen reader gets: Chromium's accessibility tree has one math node per formula on
    the page, once every part is drawn (formulas in a tab that is not chosen are not drawn and
    not in the tree either), with the formula's symbols as nodes inside it."""
    ctx, page = _open(browser, base_url + path)
    try:
        page.wait_for_function("document.documentElement.hasAttribute('data-mcref-drawn')")
        shown = page.evaluate("[...document.querySelectorAll('.math')].filter(f => f.checkVisibility()).length")
        cdp = ctx.new_cdp_session(page)
        nodes = [n for n in cdp.send("Accessibility.getFullAXTree")["nodes"] if not n.get("ignored")]
        roles = [n.get("role", {}).get("value") for n in nodes]
    finally:
        ctx.close()
    assert shown >= 20
    assert roles.count("MathMLMath") == shown, (roles.count("MathMLMath"), shown)
    assert roles.count("MathMLFraction") > 0 and roles.count("MathMLIdentifier") > shown


# ----- keyboard -----


def _tab_through(page: Any, presses: int = MAX_TABS) -> list[dict[str, Any]]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
    return seen


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_tab_reaches_search_and_colour_toggle(browser: Any, base_url: str, width: int) -> None:
    ctx, page = _open(browser, base_url + "rules/elementwise/", width=width)
    try:
        seen = _tab_through(page)
    finally:
        ctx.close()
    order = [f"{s['tag']}#{s['id']}.{s['cls']} {s['name']!r}" for s in seen]
    toggle = next((s for s in seen if s["palette"]), None)
    assert toggle, f"the light/dark toggle is not reached within {MAX_TABS} Tab presses: {order}"
    assert toggle["labelOutline"] not in ("", "none"), f"the focused toggle shows no focus outline: {toggle}"
    assert any(s["search"] for s in seen), f"the search box is not reached within {MAX_TABS} Tab presses: {order}"


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_keyboard_switches_colour_scheme(browser: Any, base_url: str, key: str) -> None:
    ctx, page = _open(browser, base_url + "rules/elementwise/")
    try:
        for _ in range(MAX_TABS):
            page.keyboard.press("Tab")
            if page.evaluate(FOCUSED)["palette"]:
                break
        else:
            pytest.fail("the toggle was not reached by Tab")
        before = page.evaluate(SCHEME)
        page.keyboard.press(key)
        page.wait_for_timeout(100)
        after = page.evaluate(SCHEME)
        assert {before, after} == {"default", "slate"}, f"{key} on the toggle: scheme {before} -> {after}"
        assert page.evaluate(FOCUSED)["palette"], "focus left the toggle"
        page.keyboard.press(key)  # and back
        page.wait_for_timeout(100)
        assert page.evaluate(SCHEME) == before
    finally:
        ctx.close()


SCROLL_BOXES = """
() => [...document.querySelectorAll(".math-display, .md-typeset__scrollwrap")].map(b => ({
  overflows: b.scrollWidth > b.clientWidth + 1,
  tabindex: b.getAttribute("tabindex"),
  name: b.getAttribute("aria-label") || "",
}))
"""


def test_wide_formulas_are_keyboard_scrollable_at_phone_width(browser: Any, base_url: str) -> None:
    """At 375 px some formulas on the element-wise page overflow: each such box, and only
    such a box, is in the Tab order with a name; axe agrees."""
    ctx, page = _open(browser, base_url + "rules/elementwise/", width=375)
    try:
        page.evaluate("document.fonts.ready")
        page.wait_for_function(MARKED, timeout=5000)  # a11y.js marks the boxes once the page is idle
        boxes = page.evaluate(SCROLL_BOXES)
        violations = _axe(page, ["scrollable-region-focusable", "aria-dialog-name", "landmark-unique"])
        page.set_viewport_size({"width": 1280, "height": 900})
        page.wait_for_timeout(200)
        wide = page.evaluate(SCROLL_BOXES)
    finally:
        ctx.close()
    overflowing = [b for b in boxes if b["overflows"]]
    assert overflowing, "no formula overflows at 375 px: this test no longer checks anything; pick another page"
    assert all(b["tabindex"] == "0" and b["name"] for b in overflowing), overflowing[:3]
    assert all(b["tabindex"] is None for b in boxes if not b["overflows"]), "a box that does not scroll is focusable"
    assert not violations, json.dumps(violations, indent=1)[:2000]
    assert sum(b["tabindex"] == "0" for b in wide) == sum(b["overflows"] for b in wide), "not re-marked on resize"


def test_display_formulas_are_focusable_as_delivered(site) -> None:  # type: ignore[no-untyped-def]
    """Before any script runs, a display formula that scrolls sideways can be reached by Tab."""
    html = (site.path / "rules" / "elementwise" / "index.html").read_text(encoding="utf-8")
    tags = re.findall(r'<div class="math math-display"[^>]*>', html)
    assert len(tags) >= 20
    assert all('tabindex="0"' in tag for tag in tags), [t for t in tags if 'tabindex="0"' not in t][:3]


def test_every_part_is_drawn_once_the_page_is_idle(browser: Any, base_url: str) -> None:
    """Parts far from the screen are skipped while the page loads; once it is idle they are
    all drawn, so an element is where hit-testing finds it (axe's colour checks rely on that)."""
    ctx, page = _open(browser, base_url + "rules/chain/")
    try:
        skipped_at_load = page.evaluate(SKIPPED)
        page.wait_for_function(MARKED, timeout=5000)
        skipped_when_idle = page.evaluate(SKIPPED)
        drawn = page.evaluate("document.documentElement.hasAttribute('data-mcref-drawn')")
    finally:
        ctx.close()
    assert skipped_at_load > 0, "no part is skipped at load: the page has no sections any more?"
    assert drawn and skipped_when_idle == 0


# Lighthouse's phone (Lighthouse 12's default mobile screen, a Moto G Power), on which its
# accessibility audit runs axe's target-size rule, which axe's defaults leave out.
LIGHTHOUSE_PHONE: dict[str, Any] = {
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
}
# Draw every other part that is still skipped, as a11y.js would have part-way through.
DRAW_EVERY_OTHER = """
() => [...document.querySelectorAll(".mcref-section:not(.mcref-shown), .tabbed-content:not(.mcref-shown)")]
  .filter((e, i) => i % 2 === 0).map(e => (e.classList.add("mcref-shown"), e.offsetHeight)).length
"""


@pytest.mark.parametrize("path", LIGHTHOUSE_PAGES, ids=lambda p: p or "home")
def test_tap_targets_pass_however_far_the_drawing_has_got(browser: Any, base_url: str, path: str) -> None:
    """axe's target-size rule (WCAG 2.2: a target at least 24 px, or 24 px clear of the next
    one) on Lighthouse's phone, in the three states Lighthouse's audit may meet, since it does
    not wait for a11y.js's mark: no part drawn by a11y.js yet (its idle callbacks held), every
    other part drawn, and every part drawn. A skipped part has a placeholder height, but
    whatever in it is measured is laid out at full size: unless the part clips it, its links
    lie over the next parts' links, and the audit failed on the cheat sheet in CI."""
    _needs_axe()
    ctx = browser.new_context(**LIGHTHOUSE_PHONE)
    without_search_documents(ctx)
    try:
        ctx.add_init_script(HOLD_IDLE_CALLBACKS)
        page = ctx.new_page()
        page.goto(base_url + path, wait_until="load")
        page.evaluate(TWO_FRAMES)
        assert page.evaluate("document.querySelectorAll('.mcref-shown').length") == 0, "drawing was not held"
        skipped = page.evaluate(SKIPPED)
        found = {"none drawn": run_axe(page, ["target-size"], settled=False)}
        page.evaluate(DRAW_EVERY_OTHER)
        found["every other part drawn"] = run_axe(page, ["target-size"], settled=False)
        page.evaluate(DRAW_ALL, SKIPPABLE)  # the rest, in one go rather than a few per idle moment
        page.evaluate("window.__mcrefRelease()")
        found["all drawn"] = run_axe(page, ["target-size"])
        left = page.evaluate(SKIPPED)
    finally:
        ctx.close()
    if path == "cheatsheet/":
        assert skipped > 5, f"only {skipped} parts of the cheat sheet skipped at load: this no longer tests them"
    assert left == 0
    problems = [f"{state}: " + _describe(v) for state, vs in found.items() for v in vs]
    assert not problems, f"/{path} at 412 px:\n" + "\n".join(problems)


def test_search_dialog_has_a_name(browser: Any, base_url: str) -> None:
    ctx, page = _open(browser, base_url)
    try:
        name = page.evaluate("document.querySelector('.md-search[role=dialog]').getAttribute('aria-label')")
    finally:
        ctx.close()
    assert name == "Search"


def test_copy_buttons_are_not_navigation_landmarks(browser: Any, base_url: str) -> None:
    """Material wraps each code block's copy button in an unnamed <nav>; a11y.js takes the
    landmark role away, so landmark navigation lists the page's real regions only."""
    ctx, page = _open(browser, base_url + "verification/")
    try:
        page.wait_for_function(MARKED, timeout=5000)
        roles = page.evaluate("[...document.querySelectorAll('nav.md-code__nav')].map(n => n.getAttribute('role'))")
        violations = _axe(page, ["landmark-unique", "aria-allowed-role"])
        button = page.locator("nav.md-code__nav button[data-md-type='copy']").first.get_attribute("title")
    finally:
        ctx.close()
    assert len(roles) >= 2, "this page no longer has two code blocks: pick another"
    assert set(roles) == {"none"}, roles
    assert not violations, json.dumps(violations, indent=1)[:2000]
    assert button == "Copy to clipboard"


def test_axe_is_the_pinned_version() -> None:
    _needs_axe()
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["axe-core"]
    header = AXE.read_text(encoding="utf-8")[:200]
    assert f"axe v{pinned}" in header, header
