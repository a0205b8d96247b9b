"""hooks/sections.py: each top-level h2/h3 part of a page becomes a section, nothing else moves."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("mcref_sections_hook", ROOT / "hooks" / "sections.py")
assert _spec and _spec.loader
sections_hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sections_hook)
sections = sections_hook.sections


def test_each_top_level_heading_starts_a_section() -> None:
    html = "<p>intro</p>\n<h2 id='a'>A</h2><p>a</p><h3 id='b'>B</h3><p>b <br> c</p><h2>C</h2><p>c</p>"
    out = sections(html)
    assert out == (
        "<p>intro</p>\n"
        '<section class="mcref-section"><h2 id=\'a\'>A</h2><p>a</p></section>'
        '<section class="mcref-section"><h3 id=\'b\'>B</h3><p>b <br> c</p></section>'
        '<section class="mcref-section"><h2>C</h2><p>c</p></section>'
    )


def test_nested_headings_comments_scripts_and_svg_do_not_split() -> None:
    html = (
        '<div class="admonition"><h2>inside</h2></div><!-- <h2> --><script>if (a <h2) {}</script>'
        '<svg><path d="M0 0"/></svg><h3>top</h3><style>p > a {}</style><div><h3>deep</h3></div>'
    )
    out = sections(html)
    assert out.count('<section class="mcref-section">') == 1
    assert out.startswith(html[: html.index("<h3>top</h3>")])
    assert out.endswith('<h3>top</h3><style>p > a {}</style><div><h3>deep</h3></div></section>')


@pytest.mark.parametrize("html", ["", "<p>no headings</p>", "<div><h2>unbalanced</h2>", "</div><h2>x</h2>"])
def test_pages_without_top_level_headings_or_with_unbalanced_tags_are_left_alone(html: str) -> None:
    assert sections(html) == html


def test_built_rule_page_has_one_section_per_top_level_heading(site) -> None:  # type: ignore[no-untyped-def]
    html = (site.path / "rules" / "elementwise" / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    opened = article.count('<section class="mcref-section">')
    headings = len(re.findall(r'<section class="mcref-section"><h[23][ >]', article))
    assert opened == headings >= 10
    assert article.count("<section") == article.count("</section>")
