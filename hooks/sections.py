"""MkDocs hook: wrap the body of each top-level h2/h3 part of a page in <section class="mcref-section">
(several, if the part is long: at most MAX_SECTION_FORMULAS formulas each).

The stylesheet (docs/assets/mcref.css) gives these sections `content-visibility: auto`, so
the browser styles and lays out only the sections near the screen. A rule page holds
thousands of MathML elements; skipping the ones far below the fold brings its first paint
and fonts-ready time closer to those of a page without math (benchmarks/site_speed.py).
Find-in-page, anchors (#R10), the table of contents and printing see every section.

Some elements stay outside the sections, because Material's script measures them while
the page loads, and measuring anything inside a skipped section makes the browser lay
out that whole section on the spot (one forced layout per element, thousands of elements
each): the headings (the table of contents reads where each one is), the code blocks
(each is measured to see whether it scrolls) and the content tabs (their labels are
measured; docs/assets/mcref.css skips a tab's formulas by themselves). A rule's origin
line, the paragraph right after its heading, stays outside too: the heading, that line
and the rule's tabs are styled as one card of adjacent siblings. So a section holds what
lies between those elements.

Pages with fewer than MIN_FORMULAS formulas are left alone.

Only elements at the top level of the page body count: a heading or code block inside a
block (an admonition, a tab) stays where it is. The one exception is a page whose parts are
all in one block, the cheat sheet: there the inside of the block is split the same way.

Why a treeprocessor: no markup makes these sections. attr_list and md_in_html would have
every page wrap its parts by hand, around blocks that hooks/rules.py and hooks/cheatsheet.py
generate, and a part's length in formulas is known only once its math is parsed; Material
has no setting for it. So a Python-Markdown treeprocessor, the library's own extension
point, moves the elements of each Markdown page's tree into sections before the tree is
serialized: no HTML is parsed back with patterns. `on_config` appends the extension to
`config.markdown_extensions` (as mkdocstrings adds its own) rather than naming a module in
mkdocs.yml: MkDocs loads the hook's file by path, a `markdown_extensions:` entry would need
the repository on `sys.path`, and the switch below needs a hook event anyway.

The treeprocessor runs after the inline patterns, attr_list and toc (priority 3: below
toc's 5, above mkdocs' title and link processors at 1 and 0), so it sees each formula as an
`arithmatex` element (hooks/mathml.py replaces exactly these, each by one `<math>`, in
`on_page_content`, once the tree is serialized), each rule heading with its `data-rule`
attribute (hooks/rules.py writes a rule as Markdown), the tabs as `div.tabbed-set`, and the
cheat sheet as a real `div.mcref-cheatsheet` (hooks/cheatsheet.py writes it with the
`markdown` attribute, so md_in_html parses its inside). Two kinds of block are no element
yet, only a `<p>` holding a placeholder into Python-Markdown's raw-HTML stash: a fenced code
block, which superfences has already highlighted, and raw HTML (comments such as the
`pytest-codeblocks` markers, HTML written in a page). For those the treeprocessor reads the
first tag of the stashed HTML with the standard library's HTML parser: a `div.highlight` is
a code block and stays outside; a stash that opens with no tag (a comment) or with a script
or style is not content and, like text between elements, never begins or ends a section;
one that opens with an end tag (a block closed apart from its start) stays outside, so the
sections are balanced whatever raw HTML a page holds.

Only Markdown pages are split: `on_page_markdown` switches the treeprocessor on for a page
whose source is Markdown and off for the notebooks (mkdocs-jupyter pages, from `.py`
files). hooks/notebook_math.py renders a notebook's markdown cells with the site's
Markdown set-up, as one document that it cuts again at the cell breaks, which a section
must not span; and a notebook's headings are inside its cells, so the page never had a
top-level part to split. Both notebooks hold fewer than MIN_FORMULAS formulas;
tests/test_sections.py says so when one reaches it, as skipping its far parts would then pay
(and need a page hook that reads the cells with html.parser). mkdocstrings converts
docstrings with the site's extensions too: a docstring would get sections only inside its
own block, and none holds MIN_FORMULAS formulas.

The treeprocessor reads only the markup of pymdownx (tabbed-set, highlight, arithmatex),
of md_in_html and of the site's own hooks, and Python-Markdown's public placeholder format
(`markdown.util.HTML_PLACEHOLDER_RE`); Material has no setting for any of it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import HTML_PLACEHOLDER_RE
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page
from mkdocs.utils import is_markdown_file

HEADINGS = {"h2", "h3"}
# A page with fewer formulas is drawn whole: skipping parts of it saves little, and until the
# page is idle a skipped part has a placeholder height (see docs/assets/a11y.js).
MIN_FORMULAS = 50
# The browser draws a skipped section once any of it comes within a screen and a half of the
# screen, and then draws all of it: a long part of a page is cut into sections of at most this
# many formulas, so that a part that starts just inside that reach is not drawn to its end.
MAX_SECTION_FORMULAS = 8
SECTION_CLASS = "mcref-section"
# After the inline patterns (20), attr_list (8) and toc (5); before mkdocs' title and links (1, 0).
PRIORITY = 3

# A block that holds a whole page's parts: its inside is split like a page body. The cheat
# sheet's tables (hooks/cheatsheet.py) are all in one such block.
CONTAINER = "mcref-cheatsheet"
# Code blocks and content tabs (a rule's two layouts): Material measures both as it sets them up.
MEASURED = {"highlight", "tabbed-set"}
# Raw blocks that are no content of a part: like a comment, they never begin or end a section.
NOT_CONTENT = {"script", "style"}
# A formula as arithmatex marks it (hooks/mathml.py turns each into one <math>).
FORMULA = "arithmatex"


class _FirstTag(HTMLParser):
    """The first tag of a piece of HTML, if the HTML begins with one (after blanks); an end
    tag is named with its slash (`/div`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tag: tuple[str, dict[str, str]] | None = None
        self.before = False  # something other than blanks came before it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.tag is None and not self.before:
            self.tag = (tag, {k: v or "" for k, v in attrs})
        self.before = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.before = self.before or bool(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if not self.before:
            self.tag = ("/" + tag, {})  # a stray end tag: see _stays_outside
        self.before = True

    def handle_comment(self, data: str) -> None:
        self.before = True

    def handle_decl(self, decl: str) -> None:
        self.before = True

    def handle_pi(self, data: str) -> None:
        self.before = True


def _stashed(el: ET.Element, md: Markdown) -> str | ET.Element | None:
    """What a placeholder paragraph stands for: the raw HTML (or md_in_html element) in the
    stash, or None if `el` is not a placeholder."""
    if el.tag != "p" or len(el) or el.text is None:
        return None
    match = HTML_PLACEHOLDER_RE.fullmatch(el.text.strip())
    if match is None:
        return None
    index = int(match.group(1))
    blocks = md.htmlStash.rawHtmlBlocks
    return blocks[index] if index < len(blocks) else None


def _tag(el: ET.Element, md: Markdown) -> tuple[str, dict[str, str]] | None:
    """The tag name and attributes `el` will have in the page, or None if it is no content (a
    stashed comment, script or style): a placeholder paragraph becomes the HTML it stands for."""
    stashed = _stashed(el, md)
    if stashed is None:
        return el.tag, dict(el.attrib)
    if isinstance(stashed, ET.Element):
        return stashed.tag, dict(stashed.attrib)
    parser = _FirstTag()
    parser.feed(stashed)
    parser.close()
    if parser.tag is None or parser.tag[0] in NOT_CONTENT:
        return None
    return parser.tag


def _classes(attrs: dict[str, str]) -> set[str]:
    return set(attrs.get("class", "").split())


def count_formulas(el: ET.Element) -> int:
    """The formulas in `el` and below it (stashed raw HTML holds none: arithmatex does not read it)."""
    return sum(1 for e in el.iter() if FORMULA in (e.get("class") or "").split())


def _stays_outside(name: str, attrs: dict[str, str]) -> bool:
    """A heading, a code block or tabs; or raw HTML that opens with an end tag (it closes a block
    opened in an earlier raw block): outside, it leaves every section balanced."""
    return name in HEADINGS or bool(_classes(attrs) & MEASURED) or name.startswith("/")


# One element of a part with the non-elements (stashed comments) just before it.
_Item = tuple[list[ET.Element], ET.Element]


def _chunks(run: list[_Item]) -> list[list[_Item]]:
    """The items of `run` in consecutive groups of at most MAX_SECTION_FORMULAS formulas (an
    element with more is a group by itself)."""
    chunks: list[list[_Item]] = []
    count = 0
    for item in run:
        formulas = count_formulas(item[1])
        if not chunks or count + formulas > MAX_SECTION_FORMULAS:
            chunks.append([])
            count = 0
        chunks[-1].append(item)
        count += formulas
    return chunks


def split(parent: ET.Element, md: Markdown) -> None:
    """Put the elements after each h2/h3 child of `parent` (up to the next heading or code
    block) in sections; nothing before the first heading moves. Without such a heading, the
    inside of each container child (the cheat sheet) is split instead."""
    children = list(parent)
    tags = [_tag(child, md) for child in children]
    first = next((i for i, tag in enumerate(tags) if tag and tag[0] in HEADINGS), None)
    if first is None:
        for child, tag in zip(children, tags, strict=True):
            if tag and CONTAINER in _classes(tag[1]) and _stashed(child, md) is None:
                split(child, md)
        return

    out = children[:first]
    run: list[_Item] = []  # the elements of the open section
    pending: list[ET.Element] = []  # non-elements since the last element

    def flush() -> None:
        for chunk in _chunks(run):
            section = ET.Element("section", {"class": SECTION_CLASS})
            out.extend(chunk[0][0])  # a comment before a section stays before it
            section.append(chunk[0][1])
            for before, el in chunk[1:]:
                section.extend(before)
                section.append(el)
            # what follows the last element (a line break) follows the section
            section.tail, chunk[-1][1].tail = chunk[-1][1].tail, None
            out.append(section)
        run.clear()

    after_rule = False  # the previous element is a rule's heading (h3 data-rule="R10")
    for child, tag in zip(children[first:], tags[first:], strict=True):
        if tag is None:
            pending.append(child)
            continue
        name, attrs = tag
        # A rule's card is its heading, the origin line after it and its tabs, styled as
        # siblings (h3[data-rule] + p + .tabbed-set in theme.css): the origin line stays out too.
        if _stays_outside(name, attrs) or (after_rule and name == "p"):
            flush()
            out.extend(pending)
            out.append(child)
        else:
            run.append((pending, child))
        pending = []
        after_rule = name in HEADINGS and "data-rule" in attrs
    flush()
    out.extend(pending)
    parent[:] = out


class SectionsTreeprocessor(Treeprocessor):
    """Splits the page (see the module docstring) when its extension is switched on."""

    def __init__(self, md: Markdown, extension: SectionsExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: ET.Element) -> None:
        if self.extension.enabled and count_formulas(root) >= MIN_FORMULAS:
            split(root, self.md)


class SectionsExtension(Extension):
    """The sections treeprocessor for each Markdown instance MkDocs makes; `enabled` says
    whether the document being converted is a page to split."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enabled = True

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(SectionsTreeprocessor(md, self), "mcref-sections", PRIORITY)


_extension = SectionsExtension()


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    if not any(isinstance(ext, SectionsExtension) for ext in config.markdown_extensions):
        config.markdown_extensions.append(_extension)
    return config


def on_page_markdown(markdown: str, page: Page, **kwargs: Any) -> str:
    # the page's Markdown is converted next; a notebook's cells are converted later, switched off
    _extension.enabled = is_markdown_file(page.file.src_uri)
    return markdown
