"""MkDocs hook: one rule less in Material's palette stylesheet.

Material sets `data-md-color-switching` on <body> while its palette starts up on every page
load, and removes it a moment later. Its stylesheet hangs a rule on that attribute,
`[data-md-color-switching] *, ... {transition-duration: 0s !important}` (no transitions while
the colours switch), so each of the two changes made the browser restyle every element on the
page: on a rule page, thousands of KaTeX elements, twice, before the page finished loading.

This hook removes that rule from the built stylesheet. The effect it had comes instead from
the `mcref-switching` class, which overrides/main.html sets on <html> only while the scheme
really switches (docs/assets/theme.css). If Material's stylesheet changes shape and the rule
is not found, the build fails, so the removal can never silently stop.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

PALETTE_CSS = "assets/stylesheets/palette.*.min.css"
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


def on_post_build(config: MkDocsConfig, **kwargs: Any) -> None:
    sheets = sorted(Path(config.site_dir).glob(PALETTE_CSS))
    if len(sheets) != 1:
        raise PluginError(f"expected one Material palette stylesheet ({PALETTE_CSS}), found {len(sheets)}")
    sheet = sheets[0]
    sheet.write_text(without_switching_rule(sheet.read_text(encoding="utf-8")), encoding="utf-8")
