"""MkDocs hook: cut the JupyterLab stylesheet that mkdocs-jupyter writes into every notebook
page down to the rules that page can use.

mkdocs-jupyter puts JupyterLab's whole stylesheet (its `index.css`, 560 KB) inline in each
notebook page, for widgets, menus and panels a static notebook never shows: a notebook page was
770 KB of HTML (164 KB gzipped), and Lighthouse's first paint on it came 0.7 s after the other
pages'. This hook keeps a style rule only if one of its selectors can match the page: every
class the selector names (outside parentheses) is a class some element of the page has.
On the two notebooks the stylesheet drops to about 125 KB and the page to about 320 KB (114 KB
gzipped). Rules inside @media, @supports, @layer and @container are cut the same way; other at-rules (@font-face,
@keyframes, @charset, ...) are kept whole. Selectors are read conservatively: tags,
attributes, ids and anything inside :not(), :is(), :has() ... do not count against a rule.

tests/test_notebooks.py draws each notebook page with the cut stylesheet and with the whole
one, in both colour schemes and at desktop and phone width, and requires the same pixels.

Why a hook: mkdocs-jupyter has no option to leave the stylesheet out or to link it instead of
inlining it (its nbconvert template writes it into the page), and a stylesheet added with
`extra_css` cannot take rules away. The hook relies on that template's inline <style>, so
mkdocs-jupyter is pinned exactly in pyproject.toml's docs extra.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

# A <style> block this long is JupyterLab's stylesheet (the others are a few KB).
MIN_LENGTH = 100_000
_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S | re.I)
_CLASS_ATTR = re.compile(r'\bclass="([^"]*)"')
_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
_PARENS = re.compile(r"\([^()]*\)")
_GROUPING = ("@media", "@supports", "@layer", "@container")


def _blocks(css: str) -> list[tuple[str, str | None]]:
    """Split a stylesheet into its top-level parts: (prelude, body) for a block,
    (statement, None) for a statement at-rule such as @charset or @import."""
    parts: list[tuple[str, str | None]] = []
    i, n = 0, len(css)
    while i < n:
        brace = css.find("{", i)
        semi = css.find(";", i)
        if brace < 0:
            rest = css[i:].strip()
            if rest:
                parts.append((rest, None))
            break
        if css[i:].lstrip().startswith("@") and 0 <= semi < brace:
            parts.append((css[i : semi + 1].strip(), None))
            i = semi + 1
            continue
        depth, k = 1, brace + 1
        while depth and k < n:
            c = css[k]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c in "\"'":
                k += 1
                while k < n and css[k] != c:
                    k += 2 if css[k] == "\\" else 1
            k += 1
        if depth:
            raise ValueError("unbalanced braces in the notebook stylesheet")
        parts.append((css[i:brace].strip(), css[brace + 1 : k - 1]))
        i = k
    return parts


def _can_match(selector: str, classes: set[str]) -> bool:
    previous = None
    while previous != selector:  # drop the inside of every (...), innermost first
        previous, selector = selector, _PARENS.sub("", selector)
    return all(name in classes for name in _CLASS.findall(selector))


def _selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas (not those inside :is(...) and the like)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(prelude):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    parts.append(prelude[start:])
    return parts


def prune(css: str, classes: set[str]) -> str:
    """The rules of `css` that can match a page whose elements have `classes`."""
    kept = []
    for prelude, body in _blocks(css):
        if body is None:
            kept.append(prelude)
        elif prelude.lower().startswith(_GROUPING):
            inner = prune(body, classes)
            if inner:
                kept.append(prelude + "{" + inner + "}")
        elif prelude.startswith("@"):
            kept.append(prelude + "{" + body + "}")
        else:
            selectors = [s for s in _selectors(prelude) if _can_match(s, classes)]
            if selectors:
                kept.append(",".join(selectors) + "{" + body + "}")
    return "".join(kept)


def page_classes(html: str) -> set[str]:
    """Every class an element of the page has (style blocks left out)."""
    found: set[str] = set()
    for match in _CLASS_ATTR.finditer(_STYLE.sub("", html)):
        found.update(match.group(1).split())
    return found


def on_post_page(output: str, page: Page, config: MkDocsConfig, **kwargs: Any) -> str:
    if 'class="jupyter-wrapper"' not in output:
        return output
    classes = page_classes(output)

    def cut(match: re.Match[str]) -> str:
        open_tag, css, close_tag = match.groups()
        if len(css) < MIN_LENGTH:
            return match.group(0)
        return open_tag + prune(css, classes) + close_tag

    return _STYLE.sub(cut, output)
