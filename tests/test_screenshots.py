"""Screenshots of the site's key views, left in build/screenshots/ for a person to review.

The look (palette, logo, rule cards; docs/assets/theme.css) is judged by eye; these
tests make the views to judge: the home page, a rule, the cheat sheet, a rule in the
dark scheme after using the toggle, and a rule at phone width. build/ is ignored by
git, so the pictures stay out of commits. Each test only checks that its picture was
written and is not blank (more than 10 KiB).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.served_site import SETTLED

SHOTS_DIR = ROOT / "build" / "screenshots"
MIN_BYTES = 10 * 1024
SCHEME = "document.body.getAttribute('data-md-color-scheme')"

# name: (page, viewport width, switch to the dark scheme with the toggle first)
VIEWS: dict[str, tuple[str, int, bool]] = {
    "home": ("", 1280, False),
    "rule-R10": ("rules/elementwise/#R10", 1280, False),
    "cheatsheet": ("cheatsheet/", 1280, False),
    "rule-R10-dark": ("rules/elementwise/#R10", 1280, True),
    "rule-R10-phone": ("rules/elementwise/#R10", 375, False),
}


@pytest.fixture(scope="module")
def shots_dir() -> Path:
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SHOTS_DIR


@pytest.mark.parametrize("name", list(VIEWS))
def test_screenshot(
    browser: Any, base_url: str, shots_dir: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, width, dark = VIEWS[name]
    target = shots_dir / f"{name}.png"
    target.unlink(missing_ok=True)  # a picture left from an earlier run must not pass for this one
    ctx = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
    try:
        page = ctx.new_page()
        page.goto(base_url + path, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_function(SETTLED)  # a11y.js's idle pass is done: the view as a reader gets it
        if dark:
            assert page.evaluate(SCHEME) == "default"
            page.locator("form[data-md-component='palette'] label:visible").first.click()
            page.wait_for_function(f"{SCHEME} === 'slate'")
            page.wait_for_timeout(400)  # Material fades the colours over 250 ms
            if "#" in path:
                page.locator("#" + path.split("#", 1)[1]).scroll_into_view_if_needed()
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(target))
    finally:
        ctx.close()
    with capsys.disabled():
        print(f"\nscreenshot for review in {shots_dir}/: {target.name}", end="")
    assert target.is_file(), f"{target} was not written"
    assert target.stat().st_size > MIN_BYTES, f"{target} is only {target.stat().st_size} bytes: a blank page?"
