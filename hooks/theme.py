"""MkDocs hook: three changes to Material's built assets, for speed; none changes the look.

1. One rule less in the palette stylesheet.

Material sets `data-md-color-switching` on <body> while its palette starts up on every page
load, and removes it a moment later. Its stylesheet hangs a rule on that attribute,
`[data-md-color-switching] *, ... {transition-duration: 0s !important}` (no transitions while
the colours switch), so each of the two changes made the browser restyle every element on the
page: on a rule page, thousands of KaTeX elements, twice, before the page finished loading.

This hook removes that rule from the built stylesheet. The effect it had comes instead from
the `mcref-switching` class, which overrides/main.html sets on <html> only while the scheme
really switches (docs/assets/theme.css).

2. Narrower selectors for content tabs in the main stylesheet. Material styles the n-th tab
and its panel with about 130 selectors such as
`.md-typeset .tabbed-set>input:nth-child(2):checked~.tabbed-labels>:nth-child(2)`. A browser
matches a selector from its right end, and `:nth-child(2)` alone names no tag or class, so it
tried each of those rules on every element of the page: on a rule page, over half of all
selector matching while the page loads (Chromium's selector statistics). The tab labels are
always <label> elements and the panels `.tabbed-block` (pymdownx.tabbed's markup), so the hook
writes `>label:nth-child(2)` and `>.tabbed-block:nth-child(2)`, which the browser tries only on
those elements. What the rules select is unchanged.

3. No <meta name="color-scheme"> from Material's script. Its palette appends that tag to <head>
and then fills it in (with the header's `color-scheme`: "normal", or "dark" for the slate
scheme), so that the page canvas and the root scrollbar follow the scheme. Chromium restyles
every element on the page whenever such a tag is added or changed, even to the value it
already had: twice on every page load, 10-30 ms each on a rule page. The hook removes the one
statement that appends the tag (Material still fills in the detached tag, to no effect), and
docs/assets/theme.css gives the root the same colour scheme with a rule instead:
`html:has(> body[data-md-color-scheme="slate"]) {color-scheme: dark}`.

If Material's files change shape and a pattern is not found, the build fails, so no change
can silently stop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

PALETTE_CSS = "assets/stylesheets/palette.*.min.css"
MAIN_CSS = "assets/stylesheets/main.*.min.css"
BUNDLE_JS = "assets/javascripts/bundle.*.min.js"
# [data-md-color-switching] *,[data-md-color-switching] :after,[data-md-color-switching] :before{...}
_SWITCHING_RULE = re.compile(r"\[data-md-color-switching\][^{}]*\{[^{}]*\}")


def without_switching_rule(css: str) -> str:
    """The stylesheet without its `[data-md-color-switching]` rule; an error if it has none."""
    reduced, count = _SWITCHING_RULE.subn("", css)
    if count != 1 or "data-md-color-switching" in reduced:
        raise PluginError(
            f"Material's palette stylesheet changed shape: expected one [data-md-color-switching] rule, "
            f"found {count}; see hooks/theme.py"
        )
    return reduced


# the child of .tabbed-labels / .tabbed-content that a tab rule selects, as Material writes it:
# `>:nth-child(2)`, `>:first-child`
_TAB_CHILD = {".tabbed-labels>:": ".tabbed-labels>label:", ".tabbed-content>:": ".tabbed-content>.tabbed-block:"}


def with_narrow_tab_selectors(css: str) -> str:
    """The stylesheet with each tab rule's last step naming the tab's element (see above)."""
    for wide, narrow in _TAB_CHILD.items():
        count = css.count(wide)
        if count < 10:
            raise PluginError(
                f"Material's main stylesheet changed shape: expected its tab rules to select `{wide}nth-child(n)`, "
                f"found {count}; see hooks/theme.py"
            )
        css = css.replace(wide, narrow)
    return css


# let o=x("meta",{name:"color-scheme"});document.head.appendChild(o);  (minified names vary)
_APPEND_COLOR_SCHEME = re.compile(
    r'(\blet (\w+)=\w+\("meta",\{name:"color-scheme"\}\);)document\.head\.appendChild\(\2\);'
)


def without_color_scheme_meta(js: str) -> str:
    """Material's bundle with the tag it makes for the colour scheme left out of the document."""
    reduced, count = _APPEND_COLOR_SCHEME.subn(r"\1", js)
    if count != 1:
        raise PluginError(
            f"Material's script changed shape: expected it to append one <meta name=\"color-scheme\">, "
            f"found {count}; see hooks/theme.py"
        )
    return reduced


def _rewrite(site_dir: str, pattern: str, change: Callable[[str], str]) -> None:
    sheets = sorted(Path(site_dir).glob(pattern))
    if len(sheets) != 1:
        raise PluginError(f"expected one Material file {pattern}, found {len(sheets)}")
    sheets[0].write_text(change(sheets[0].read_text(encoding="utf-8")), encoding="utf-8")


def on_post_build(config: MkDocsConfig, **kwargs: Any) -> None:
    _rewrite(config.site_dir, PALETTE_CSS, without_switching_rule)
    _rewrite(config.site_dir, MAIN_CSS, with_narrow_tab_selectors)
    _rewrite(config.site_dir, BUNDLE_JS, without_color_scheme_meta)
