"""Speed budgets, measured in the browser on the built site.

benchmarks/site_speed.py prints the figures; both take the measurements from tests/served_site.py.

These are budget checks, not timings of library code: they guard ceilings a reader would notice.
"""

from __future__ import annotations

import re
import urllib.request
from typing import Any

from tests.served_site import (
    EMPTY_PAGE,
    FONTS_READY_RATIO_CEILING,
    NO_MATH,
    RULE_PAGE,
    TRANSFER_BUDGET_KIB,
    compare_pages,
    delivered_html_has_math,
)


def test_formulas_are_in_the_html_as_delivered(base_url: str) -> None:
    assert delivered_html_has_math(base_url + RULE_PAGE)


def _get(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return response.read().decode("utf-8")


def test_the_page_without_math_is_the_same_page_without_formulas(base_url: str) -> None:
    """The comparison page keeps the prose and the TeX, and drops the MathML and the math font."""
    page, twin = _get(base_url + RULE_PAGE), _get(base_url + RULE_PAGE + NO_MATH)
    assert "<math" in page and "<math" not in twin
    assert "mcref-math.woff2" in page and "mcref-math.woff2" not in twin
    assert twin.count('class="mcref-no-math"') == page.count("<!--/mcref-math-->") > 50
    assert _prose(page, r'<(span|div) class="math math-.*?<!--/mcref-math-->') == _prose(
        twin, r'<(span|div) class="mcref-no-math">.*?</\1>'
    )
    assert len(twin) < 0.75 * len(page)  # the MathML is a good part of the page: the twin really drops it


def _prose(html: str, formula: str) -> list[str]:
    """The words of a page outside its formulas."""
    return re.sub(r"<[^>]+>", " ", re.sub(formula, " ", html, flags=re.S)).split()


def test_rule_page_budgets(browser: Any, base_url: str) -> None:
    figures = compare_pages(browser, base_url, runs=3)  # medians of 3: the benchmark takes 5 for its figures
    print(
        f"\nfirst visit /{RULE_PAGE}: {figures['rule_transfer_kib']:.0f} KiB, fonts ready "
        f"{figures['rule_fonts_ready_ms']:.0f} ms; without math {figures['no_math_fonts_ready_ms']:.0f} ms "
        f"(ratio {figures['ratio']:.2f}); /{EMPTY_PAGE} {figures['empty_fonts_ready_ms']:.0f} ms"
    )
    assert figures["rule_transfer_kib"] <= TRANSFER_BUDGET_KIB, figures
    # a generous ceiling; benchmarks/site_speed.py reports every rule page against the 1.5 target
    assert figures["ratio"] <= FONTS_READY_RATIO_CEILING, figures
