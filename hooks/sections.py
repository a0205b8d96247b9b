"""MkDocs hook: wrap each part of a page under a top-level h2 or h3 in <section class="mcref-section">.

The stylesheet (docs/assets/mcref.css) gives these sections `content-visibility: auto`, so
the browser styles and lays out only the sections near the screen. A rule page holds
thousands of KaTeX elements; skipping the ones far below the fold brings its first paint
and fonts-ready time closer to those of a page without math (benchmarks/site_speed.py).
Find-in-page, anchors (#R10), the table of contents and printing see every section.

Only headings at the top level of the page body start a section: a heading inside a
block (an admonition, a tab, a notebook cell) stays where it is, and the HTML stays
well formed.
"""

from __future__ import annotations

import re
from typing import Any

SPLIT_AT = {"h2", "h3"}
OPEN = '<section class="mcref-section">'
CLOSE = "</section>"

# Elements without an end tag: they do not change the nesting depth.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

# A comment, a whole script or style element (their text may hold "<"), or a start or end
# tag (attribute values in built pages have ">" escaped).
_TAG = re.compile(
    r"<!--.*?-->|<script\b.*?</script>|<style\b.*?</style>|<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(/?)>", re.S | re.I
)


def top_level_headings(html: str) -> list[int] | None:
    """Offsets of the start tags of the h2/h3 elements at the top level of `html`, or None
    if its tags do not balance (then the page is left as it is)."""
    depth, found = 0, []
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if name is None or self_closing:  # a comment, script or style, or <path ... />
            continue
        name = name.lower()
        if name in VOID:
            continue
        if closing:
            depth -= 1
            if depth < 0:
                return None
        else:
            if depth == 0 and name in SPLIT_AT:
                found.append(match.start())
            depth += 1
    return found if depth == 0 else None


def sections(html: str) -> str:
    """The page body with every top-level h2/h3 and what follows it (up to the next) in a section."""
    cuts = top_level_headings(html)
    if not cuts:
        return html
    parts = [html[: cuts[0]]]
    for start, end in zip(cuts, [*cuts[1:], len(html)]):
        parts.append(OPEN + html[start:end] + CLOSE)
    return "".join(parts)


def on_page_content(html: str, **kwargs: Any) -> str:
    return sections(html)
