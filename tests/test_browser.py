"""The built site as a reader meets it: every page in headless Chromium, offline.

The site is served on 127.0.0.1; every other host is blocked and recorded. Each
page must load with no JavaScript or console error, fetch nothing from another
host, show no raw TeX, and render every formula with KaTeX's own fonts. A
failure saves a screenshot and names it in the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT, BuiltSite


def page_urls() -> list[str]:
    """Site paths of every markdown page (directory URLs), plus the 404 page."""
    urls = []
    for md in sorted((ROOT / "docs").rglob("*.md")):
        rel = md.relative_to(ROOT / "docs").with_suffix("")
        if rel.name == "index":
            rel = rel.parent
        urls.append("" if str(rel) == "." else f"{rel.as_posix()}/")
    return urls + ["404.html"]


PAGES = page_urls()

# Run inside the page after load: what a reader would see go wrong with math.
CHECK_PAGE = """
async () => {
  await document.fonts.ready;
  const article = document.querySelector("article") || document.body;
  const formulas = [...article.querySelectorAll(".math")];
  const unrendered = formulas.filter(el => {
    const html = el.querySelector(".katex-html");
    if (!html) return true;
    const box = html.getBoundingClientRect();
    // formulas in inactive tabs are hidden; they still have to contain rendered KaTeX
    return el.offsetParent !== null && (box.width === 0 || box.height === 0);
  }).map(el => el.dataset.tex);
  const copy = article.cloneNode(true);
  copy.querySelectorAll(".math, .katex, pre, code, script, style").forEach(el => el.remove());
  const text = copy.textContent;
  const raw = text.match(/\\\\[a-zA-Z]+|\\$\\$|\\\\\\(|\\\\\\[/g) || [];
  const katexFonts = [...document.fonts].filter(f => f.family.replace(/"/g, "").startsWith("KaTeX"));
  return {
    formulas: formulas.length,
    unrendered,
    leftForBrowser: document.querySelectorAll(".arithmatex").length,
    errors: article.querySelectorAll(".katex-error").length,
    raw,
    fontsLoaded: katexFonts.filter(f => f.status === "loaded").map(f => f.family),
    fontsFailed: katexFonts.filter(f => f.status === "error").map(f => f.family),
  };
}
"""


def test_every_built_page_is_tested(site: BuiltSite) -> None:
    built = set()
    for html in site.pages():
        rel = html.relative_to(site.path).as_posix()
        if rel.startswith("assets/"):
            continue
        built.add(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    assert built == set(PAGES)


@pytest.fixture()
def visit(browser: Any, base_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Open a page in a fresh context; return what happened while it loaded."""
    contexts = []

    def open_page(path: str) -> tuple[Any, dict[str, list[str]]]:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(ctx)
        seen: dict[str, list[str]] = {"foreign": [], "js_errors": [], "console_errors": [], "failed": []}

        def route(r: Any) -> None:
            if urlparse(r.request.url).hostname == "127.0.0.1":
                r.continue_()
            else:
                seen["foreign"].append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("pageerror", lambda e: seen["js_errors"].append(str(e)))
        page.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: seen["failed"].append(r.url))
        page.goto(base_url + path, wait_until="networkidle")
        return page, seen

    yield open_page
    for ctx in contexts:
        ctx.close()


def _shot(page: Any, tmp_path: Path, path: str) -> str:
    target = tmp_path / (path.strip("/").replace("/", "_") or "home")
    target = target.with_suffix(".png")
    page.screenshot(path=str(target), full_page=True)
    return str(target)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_page_loads_offline_with_math_rendered(visit: Any, path: str, tmp_path: Path) -> None:
    page, seen = visit(path)
    report = page.evaluate(CHECK_PAGE)
    problems = []
    if seen["foreign"]:
        problems.append(f"requests to other hosts: {seen['foreign']}")
    if seen["js_errors"] or seen["console_errors"]:
        problems.append(f"JavaScript errors: {seen['js_errors']} console errors: {seen['console_errors']}")
    if seen["failed"]:
        problems.append(f"failed requests: {seen['failed']}")
    if report["leftForBrowser"] or report["errors"] or report["unrendered"]:
        problems.append(f"formulas not rendered: {report}")
    if report["raw"]:
        problems.append(f"raw TeX in the page text: {report['raw'][:10]}")
    if report["formulas"] and (not report["fontsLoaded"] or report["fontsFailed"]):
        problems.append(f"KaTeX fonts: loaded {report['fontsLoaded']}, failed {report['fontsFailed']}")
    if problems:
        shot = _shot(page, tmp_path, path)
        pytest.fail(f"/{path}: " + "; ".join(problems) + f"\nscreenshot: {shot}")


def test_rule_page_has_formulas_and_layout_tabs(visit: Any, tmp_path: Path) -> None:
    page, _ = visit("rules/elementwise/")
    heading = page.locator("#R10")
    assert heading.is_visible()
    assert "R10" in heading.inner_text()
    report = page.evaluate(CHECK_PAGE)
    assert report["formulas"] >= 8 * 2 + 4  # two layouts per rule plus the page's own formulas
    # switch every rule on the page to denominator layout with one click (linked tabs)
    page.get_by_text("Denominator layout").first.click()
    visible = page.locator(".tabbed-block:visible .math-display")
    assert visible.count() >= 8, _shot(page, tmp_path, "tabs")
