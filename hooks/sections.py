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
block (an admonition, a tab, a notebook cell) stays where it is, and the HTML stays well
formed. The one exception is a page whose parts are all in one block, the cheat sheet:
there the inside of the block is split the same way.

Why a hook and not markup: `content-visibility` needs an element around each part, and no
official mechanism makes one. attr_list and md_in_html (or pymdownx.blocks) would have every
page wrap its parts by hand, around blocks that hooks/rules.py and hooks/cheatsheet.py
generate, and a part's length in formulas is only known once the math is rendered; Material has
no setting for it. The hook reads only the markup of pymdownx (tabbed-set, highlight) and of the
site's own hooks, no private API.
"""

from __future__ import annotations

import re
from typing import Any

HEADINGS = {"h2", "h3"}
# A page with fewer formulas is drawn whole: skipping parts of it saves little, and until the
# page is idle a skipped part has a placeholder height (see docs/assets/a11y.js).
MIN_FORMULAS = 50
# The browser draws a skipped section once any of it comes within a screen and a half of the
# screen, and then draws all of it: a long part of a page is cut into sections of at most this
# many formulas, so that a part that starts just inside that reach is not drawn to its end.
MAX_SECTION_FORMULAS = 8
OPEN = '<section class="mcref-section">'
CLOSE = "</section>"

# Elements without an end tag: they do not change the nesting depth.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

# A comment, a whole script or style element (their text may hold "<"), or a start or end
# tag (attribute values in built pages have ">" escaped).
_TAG = re.compile(
    r"<!--.*?-->|<script\b.*?</script>|<style\b.*?</style>|<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(/?)>", re.S | re.I
)
# A block that holds a whole page's parts: its inside is treated as a page body. The cheat
# sheet's tables (hooks/cheatsheet.py) are all in one such block.
_CONTAINER = re.compile(r'\bclass="(?:[^"]*\s)?mcref-cheatsheet(?:\s[^"]*)?"')

_FORMULA = "<math"  # one per formula in the MathML hook's output

# Code blocks and content tabs (a rule's two layouts): Material measures both as it sets them up.
_MEASURED = re.compile(r'\bclass="(?:[^"]*\s)?(?:highlight|tabbed-set)(?:\s[^"]*)?"')


def top_level_elements(html: str) -> list[tuple[int, int, str]] | None:
    """(start, end, start tag) of each element at the top level of `html`, in order, or
    None if its tags do not balance (then the page is left as it is). Text, comments and
    scripts between them are not elements."""
    depth, found, start, tag = 0, [], 0, ""
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if name is None:  # a comment, script or style
            continue
        if self_closing or name.lower() in VOID:
            if depth == 0:
                found.append((match.start(), match.end(), match.group(0)))
            continue
        if closing:
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                found.append((start, match.end(), tag))
        else:
            if depth == 0:
                start, tag = match.start(), match.group(0)
            depth += 1
    return found if depth == 0 else None


def _is_heading(tag: str) -> bool:
    return re.match(r"<(\w+)", tag).group(1).lower() in HEADINGS  # type: ignore[union-attr]


def _is_paragraph(tag: str) -> bool:
    return re.match(r"<(\w+)", tag).group(1).lower() == "p"  # type: ignore[union-attr]


def _stays_outside(tag: str) -> bool:
    return _is_heading(tag) or bool(_MEASURED.search(tag))


def _inside_containers(html: str, elements: list[tuple[int, int, str]]) -> str:
    """`html` with the inside of each top-level container (see _CONTAINER) in sections."""
    out, pos = [], 0
    for start, end, tag in elements:
        if _CONTAINER.search(tag):
            inner_start = start + len(tag)
            inner_end = html.rindex("</", start, end)
            out.append(html[pos:inner_start] + sections(html[inner_start:inner_end]))
            pos = inner_end
    out.append(html[pos:])
    return "".join(out)


def _chunks(html: str, run: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The elements of `run` in consecutive groups of at most MAX_SECTION_FORMULAS formulas
    (an element with more is a group by itself)."""
    chunks: list[list[tuple[int, int]]] = []
    count = 0
    for start, end in run:
        formulas = html.count(_FORMULA, start, end)
        if not chunks or count + formulas > MAX_SECTION_FORMULAS:
            chunks.append([])
            count = 0
        chunks[-1].append((start, end))
        count += formulas
    return chunks


def sections(html: str) -> str:
    """The page body with the elements after each top-level h2/h3 (up to the next heading
    or code block) in a section; nothing before the first heading moves. A page without
    top-level headings gets sections inside its top-level containers (the cheat sheet)."""
    elements = top_level_elements(html)
    if not elements:
        return html
    first = next((i for i, (_, _, tag) in enumerate(elements) if _is_heading(tag)), None)
    if first is None:
        return _inside_containers(html, elements)
    out, pos = [html[: elements[first][0]]], elements[first][0]
    run: list[tuple[int, int]] = []  # (start, end) of the elements of the open section

    def flush() -> None:
        nonlocal pos
        for chunk in _chunks(html, run):
            out.append(html[pos : chunk[0][0]] + OPEN + html[chunk[0][0] : chunk[-1][1]] + CLOSE)
            pos = chunk[-1][1]
        run.clear()

    after_rule = False  # the previous element is a rule's heading (h3 data-rule="R10")
    for start, end, tag in elements[first:]:
        # A rule's card is its heading, the origin line after it and its tabs, styled as
        # siblings (h3[data-rule] + p + .tabbed-set in theme.css): the origin line stays out too.
        if _stays_outside(tag) or (after_rule and _is_paragraph(tag)):
            flush()
            out.append(html[pos:end])
            pos = end
        else:
            run.append((start, end))
        after_rule = _is_heading(tag) and "data-rule=" in tag
    flush()
    out.append(html[pos:])
    return "".join(out)


def on_page_content(html: str, **kwargs: Any) -> str:
    if html.count(_FORMULA) < MIN_FORMULAS:
        return html
    return sections(html)
