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
OPEN = sections_hook.OPEN


def test_the_body_of_each_top_level_heading_becomes_a_section() -> None:
    html = "<p>intro</p>\n<h2 id='a'>A</h2><p>a</p><h3 id='b'>B</h3><p>b <br> c</p>\n<p>d</p><h2>C</h2><p>c</p>"
    assert sections(html) == (
        "<p>intro</p>\n"
        "<h2 id='a'>A</h2>" + OPEN + "<p>a</p></section>"
        "<h3 id='b'>B</h3>" + OPEN + "<p>b <br> c</p>\n<p>d</p></section>"
        "<h2>C</h2>" + OPEN + "<p>c</p></section>"
    )


def test_headings_code_blocks_and_tabs_stay_outside_sections() -> None:
    """Material measures these while the page loads; inside a skipped section each
    measurement would lay out the whole section."""
    code = '<div class="language-python highlight"><pre><code>x = 1</code></pre></div>'
    tabs = '<div class="tabbed-set tabbed-alternate" data-tabs="1:2"><p>tab</p></div>'
    html = f"<h2>A</h2><p>a</p>{code}<p>b</p>{tabs}\n<h2>B</h2>\n<h3>C</h3><p>c</p>"
    assert sections(html) == (
        f"<h2>A</h2>{OPEN}<p>a</p></section>{code}{OPEN}<p>b</p></section>{tabs}\n"
        f"<h2>B</h2>\n<h3>C</h3>{OPEN}<p>c</p></section>"  # no empty section
    )


def test_a_rule_card_stays_together() -> None:
    """theme.css styles a rule as h3[data-rule] + p + .tabbed-set: the origin line stays
    next to its heading; a paragraph after an ordinary heading goes into a section."""
    tabs = '<div class="tabbed-set" data-tabs="1:2"><p>tab</p></div>'
    html = f'<h3 data-rule="R1" id="R1">R1</h3>\n<p>Paper 4.2</p>\n{tabs}<p>more</p><h3 id="x">X</h3><p>x</p>'
    assert sections(html) == (
        f'<h3 data-rule="R1" id="R1">R1</h3>\n<p>Paper 4.2</p>\n{tabs}{OPEN}<p>more</p></section>'
        f'<h3 id="x">X</h3>{OPEN}<p>x</p></section>'
    )


def test_the_cheat_sheet_block_is_split_inside() -> None:
    """The cheat sheet keeps all its tables in one block: with no top-level heading, the
    inside of that block gets the sections."""
    html = '<h1>Cheat sheet</h1><p>x</p><div class="mcref-cheatsheet"><h2>A</h2><table></table><h2>B</h2><p>b</p></div>'
    assert sections(html) == (
        '<h1>Cheat sheet</h1><p>x</p><div class="mcref-cheatsheet">'
        f"<h2>A</h2>{OPEN}<table></table></section><h2>B</h2>{OPEN}<p>b</p></section></div>"
    )
    other = '<p>x</p><div class="admonition"><h2>A</h2><p>a</p></div>'
    assert sections(other) == other


def test_a_long_part_is_cut_into_sections_of_a_few_formulas() -> None:
    formula = '<span class="math math-inline" data-tex="x"><math><mi>x</mi></math></span>'
    cap = sections_hook.MAX_SECTION_FORMULAS
    paragraphs = [f"<p>{formula * n}</p>" for n in (3, 4, 2, 0, 1, cap + 5, 1)]
    out = sections("<h2>A</h2>" + "".join(paragraphs))
    parts = re.findall(re.escape(OPEN) + r"(.*?)</section>", out)
    # every paragraph once, in order, and nothing else
    assert "".join(parts) == "".join(paragraphs)
    counts = [part.count(formula) for part in parts]
    # 3+4 fit; 2+0+1 fit; a paragraph over the cap is a section of its own; then the rest
    assert counts == [7, 3, cap + 5, 1]
    assert all(c <= cap for c, part in zip(counts, parts, strict=True) if part.count("<p>") > 1)


def test_only_pages_with_many_formulas_get_sections() -> None:
    formula = '<span class="math math-inline" data-tex="x"><math><mi>x</mi></math></span>'
    few = "<h2>A</h2><p>" + formula * (sections_hook.MIN_FORMULAS - 1) + "</p>"
    many = "<h2>A</h2><p>" + formula * sections_hook.MIN_FORMULAS + "</p>"
    assert sections_hook.on_page_content(few) == few
    assert sections_hook.on_page_content(many) == sections(many) != many


def test_nested_headings_comments_scripts_and_svg_do_not_split() -> None:
    html = (
        '<div class="admonition"><h2>inside</h2></div><!-- <h2> --><script>if (a <h2) {}</script>'
        '<svg><path d="M0 0"/></svg><h3>top</h3><style>p > a {}</style>'
        '<div><h3>deep</h3><pre class="highlight"></pre></div>'
    )
    out = sections(html)
    assert out.count(OPEN) == 1
    assert out.startswith(html[: html.index("<style>")])
    assert out.endswith(
        f'<h3>top</h3><style>p > a {{}}</style>{OPEN}<div><h3>deep</h3><pre class="highlight"></pre></div></section>'
    )


@pytest.mark.parametrize("html", ["", "<p>no headings</p>", "<div><h2>unbalanced</h2>", "</div><h2>x</h2>"])
def test_pages_without_top_level_headings_or_with_unbalanced_tags_are_left_alone(html: str) -> None:
    assert sections(html) == html


def test_built_rule_page_has_sections_between_its_headings(site) -> None:  # type: ignore[no-untyped-def]
    html = (site.path / "rules" / "elementwise" / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    assert article.count(OPEN) >= 10
    assert article.count("<section") == article.count("</section>")
    # every rule heading and every rule's tabs are outside the sections
    inside = re.findall(r"<section class=\"mcref-section\">(.*?)</section>", article, re.S)
    assert inside and not any(
        re.search(r'<h[23][ >]|class="tabbed-set|class="[^"]*\bhighlight\b', part) for part in inside
    )
    assert re.search(r'</(?:section|div)>\s*<h3 data-rule="R10" id="R10">', article), (
        "R10's heading is not between parts"
    )
    # and every rule's card is intact: heading, origin line, tabs, as adjacent siblings
    cards = re.findall(
        r'<h3 data-rule="(R\d+)"[^>]*>(?:(?!</h3>).)*</h3>\s*<p>(?:(?!</p>).)*</p>\s*<div class="tabbed-set',
        article,
        re.S,
    )
    assert len(cards) == len(re.findall(r"<h3 data-rule=", article)) >= 10
