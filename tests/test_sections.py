"""hooks/sections.py: each top-level h2/h3 part of a page becomes a section, nothing else moves.

The unit tests convert Markdown with the site's extensions and the hook's treeprocessor, as
MkDocs does for a page, and read the result back as an outline of the top level."""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import markdown
import pytest

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("mcref_sections_hook", ROOT / "hooks" / "sections.py")
assert _spec and _spec.loader
sections_hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sections_hook)
OPEN = f'<section class="{sections_hook.SECTION_CLASS}">'

# the extensions of mkdocs.yml that make what the hook reads
EXTENSIONS: list[Any] = [
    "admonition", "attr_list", "md_in_html", "tables", "toc",
    "pymdownx.arithmatex", "pymdownx.highlight", "pymdownx.superfences", "pymdownx.tabbed",
]
CONFIGS = {"pymdownx.arithmatex": {"generic": True}, "pymdownx.tabbed": {"alternate_style": True}}
TABS = '=== "One"\n\n    tab one\n\n=== "Two"\n\n    tab two\n'
CODE = "```python\nx = 1\n```\n"


def convert(text: str, sections: bool = True) -> str:
    extensions = EXTENSIONS + ([sections_hook.SectionsExtension()] if sections else [])
    return markdown.markdown(text, extensions=extensions, extension_configs=CONFIGS)


@pytest.fixture
def every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split whatever the number of formulas (the cases below are short)."""
    monkeypatch.setattr(sections_hook, "MIN_FORMULAS", 0)


class _Outline(HTMLParser):
    """The top level of a body: a name per element (`h2#a`, `p`, `div.highlight`, `<!--`),
    a list of such names per section; at any depth, the formulas in each section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Any] = []
        self.formulas: list[int] = []
        self.depth = 0
        self.section: list[str] | None = None

    def _add(self, name: str) -> None:
        (self.section if self.section is not None else self.items).append(name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self.section is not None and "arithmatex" in (a.get("class") or "").split():
            self.formulas[-1] += 1
        if tag == "section" and a.get("class") == sections_hook.SECTION_CLASS:
            assert self.section is None and self.depth == 0, "a section inside another or inside a block"
            self.section = []
            self.items.append(self.section)
            self.formulas.append(0)
            return
        if self.depth == 0:
            name = tag + (f"#{a['id']}" if a.get("id") else "")
            name += "".join(f".{c}" for c in (a.get("class") or "").split() if c in {"highlight", "tabbed-set"})
            self._add(name)
        if tag not in {"br", "hr", "img", "input"}:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "hr", "img", "input"}:
            return
        if tag == "section" and self.section is not None and self.depth == 0:
            assert self.section, "an empty section"
            self.section = None
            return
        self.depth -= 1

    def handle_comment(self, data: str) -> None:
        if self.depth == 0:
            self._add("<!--")


def outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    parser.close()
    assert parser.section is None and parser.depth == 0, "unbalanced output"
    return parser


def test_the_body_of_each_top_level_heading_becomes_a_section(every_page: None) -> None:
    out = convert("intro\n\n## A { #a }\n\na\n\n### B { #b }\n\nb  \nc\n\nd\n\n## C\n\nc\n")
    assert outline(out).items == ["p", "h2#a", ["p"], "h3#b", ["p", "p"], "h2#c", ["p"]]
    # the elements themselves are untouched: without the sections, the page is what it was
    assert out.replace(OPEN, "").replace("</section>", "") == convert(
        "intro\n\n## A { #a }\n\na\n\n### B { #b }\n\nb  \nc\n\nd\n\n## C\n\nc\n", sections=False
    )


def test_headings_code_blocks_and_tabs_stay_outside_sections(every_page: None) -> None:
    """Material measures these while the page loads; inside a skipped section each
    measurement would lay out the whole section. A code block is not an element of the
    tree when the treeprocessor runs (superfences stashes it): it is still found."""
    out = convert(f"## A\n\na\n\n{CODE}\nb\n\n{TABS}\n## B\n\n### C\n\nc\n")
    assert outline(out).items == [
        "h2#a", ["p"], "div.highlight", ["p"], "div.tabbed-set", "h2#b", "h3#c", ["p"],  # no empty section
    ]


def test_a_rule_card_stays_together(every_page: None) -> None:
    """theme.css styles a rule as h3[data-rule] + p + .tabbed-set: the origin line stays
    next to its heading; a paragraph after an ordinary heading goes into a section."""
    out = convert(f'### R1 · a rule {{ #R1 data-rule="R1" }}\n\nPaper 4.2\n\n{TABS}\nmore\n\n### X {{ #x }}\n\nx\n')
    assert outline(out).items == ["h3#R1", "p", "div.tabbed-set", ["p"], "h3#x", ["p"]]
    assert re.search(r'<h3 data-rule="R1" id="R1">R1 · a rule</h3>\s*<p>Paper 4.2</p>\s*<div class="tabbed-set', out)


def test_the_cheat_sheet_block_is_split_inside(every_page: None) -> None:
    """The cheat sheet keeps all its tables in one block (md_in_html): with no top-level
    heading, the inside of that block gets the sections. Another block is left alone."""
    table = "| a |\n|---|\n| $x$ |\n"
    block = '<div class="mcref-cheatsheet">'
    out = convert(f"# Cheat sheet\n\nx\n\n{block[:-1]} markdown>\n\n## A\n\n{table}\n## B\n\nb\n\n</div>\n")
    assert outline(out.replace(OPEN, "").replace("</section>", "")).items == ["h1#cheat-sheet", "p", "div"]
    inside = out[out.index(block) + len(block) : out.rindex("</div>")]
    assert outline(inside).items == ["h2#a", ["table"], "h2#b", ["p"]]
    other = "x\n\n!!! note\n\n    ## A\n\n    a\n"
    assert convert(other) == convert(other, sections=False)


def test_a_long_part_is_cut_into_sections_of_a_few_formulas(every_page: None) -> None:
    cap = sections_hook.MAX_SECTION_FORMULAS
    paragraphs = ["x " + "$x$ " * n for n in (3, 4, 2, 0, 1, cap + 5, 1)]
    out = outline(convert("## A\n\n" + "\n\n".join(paragraphs) + "\n"))
    # every paragraph once, in order, and nothing else
    assert out.items == ["h2#a", ["p", "p"], ["p", "p", "p"], ["p"], ["p"]]
    # 3+4 fit; 2+0+1 fit; a paragraph over the cap is a section of its own; then the rest
    assert out.formulas == [7, 3, cap + 5, 1]


def test_only_pages_with_many_formulas_get_sections() -> None:
    few = "## A\n\n" + "$x$ " * (sections_hook.MIN_FORMULAS - 1) + "\n"
    many = "## A\n\n" + "$x$ " * sections_hook.MIN_FORMULAS + "\n"
    assert convert(few) == convert(few, sections=False)
    assert outline(convert(many)).items == ["h2#a", ["p"]]


def test_only_markdown_pages_get_sections() -> None:
    """The hook adds its treeprocessor to the site's Markdown once, and switches it off for a
    notebook, whose cells hooks/notebook_math.py converts as one document cut at cell breaks."""
    config = SimpleNamespace(markdown_extensions=["toc"])
    for _ in range(2):  # `mkdocs serve` runs on_config again
        sections_hook.on_config(config)
    assert config.markdown_extensions == ["toc", sections_hook._extension]
    many = "## A\n\n" + "$x$ " * sections_hook.MIN_FORMULAS + "\n"
    converted = {}
    for src in ("notebooks/neuron.py", "rules/loss.md"):
        page = SimpleNamespace(file=SimpleNamespace(src_uri=src))
        assert sections_hook.on_page_markdown(many, page=page) == many
        converted[src] = markdown.markdown(many, extensions=["pymdownx.arithmatex", sections_hook._extension],
                                           extension_configs=CONFIGS)
    assert OPEN not in converted["notebooks/neuron.py"]
    assert OPEN in converted["rules/loss.md"]


def test_nested_headings_comments_scripts_and_raw_html_do_not_split(every_page: None) -> None:
    """What the tree holds as a stashed placeholder is judged by its first tag: a comment, a
    script or a style is no element and never begins or ends a section; a raw block with a
    heading inside stays whole."""
    out = convert(
        "!!! note\n\n    ## inside\n\n<!-- <h2> -->\n\n<script>if (a <h2) {}</script>\n\n"
        '<svg><path d="M0 0"/></svg>\n\n### top\n\n<style>p > a {}</style>\n\n'
        '<div><h3>deep</h3><pre class="highlight"></pre></div>\n\n'
        "<!--pytest-codeblocks:expected-output-->\n\n" + CODE
    )
    assert outline(out).items == [
        "div", "<!--", "script", "p", "h3#top", "style", ["div"], "<!--", "div.highlight",
    ]


@pytest.mark.parametrize(
    "text", ["", "no headings", "<div><h2>unbalanced</h2>", "</div><h2>x</h2>", "<div>\n\n## inside an open div\n\na\n"]
)
def test_pages_without_top_level_headings_or_with_unbalanced_tags_are_left_alone(text: str, every_page: None) -> None:
    assert convert(text) == convert(text, sections=False)


def test_a_stray_end_tag_stays_outside_the_sections(every_page: None) -> None:
    """The sections come from the tree, so they are balanced whatever raw HTML a page holds;
    a stray end tag stays where it was, between them."""
    out = convert("## A\n\na\n\n</div>\n\nb\n")
    assert out.replace(OPEN, "").replace("</section>", "") == convert("## A\n\na\n\n</div>\n\nb\n", sections=False)
    assert re.fullmatch(rf'<h2 id="a">A</h2>\n{OPEN}<p>a</p></section>\n</div>\n{OPEN}<p>b</p></section>', out)


def _body(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return html[html.index("<article") : html.index("</article>")]


def test_built_rule_page_has_sections_between_its_headings(site) -> None:  # type: ignore[no-untyped-def]
    article = _body(site.path / "rules" / "elementwise" / "index.html")
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


def test_built_pages_are_split_exactly_when_they_have_many_formulas(site) -> None:  # type: ignore[no-untyped-def]
    """The treeprocessor counts arithmatex's elements; hooks/mathml.py turns each into one
    <math>. A page is split when its built body holds at least MIN_FORMULAS of them, and a
    formula's end marker stays next to it, inside the same section. The notebooks, whose
    cells are not split, still hold fewer (if one grows past it, split it by another way)."""
    split = []
    for path in sorted(site.path.rglob("*.html")):
        article = _body(path) if "<article" in path.read_text(encoding="utf-8") else ""
        formulas = article.count("<math")
        many = formulas >= sections_hook.MIN_FORMULAS
        name = str(path.relative_to(site.path))
        assert (OPEN in article) == many, f"{name}: {formulas} formulas, sections: {OPEN in article}"
        if OPEN in article:
            split.append(name)
            sizes = [part.count("<math") for part in article.split(OPEN)[1:]]
            assert "</section><!--/mcref-math-->" not in article, f"{name}: a formula's end marker left its section"
            assert sizes
        if name.startswith("notebooks/"):
            assert not many, f"{name} has {formulas} formulas: its parts would not be split"
    assert "cheatsheet/index.html" in split and len(split) >= 15
