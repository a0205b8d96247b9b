"""MkDocs hook: pull each rule's statement, shapes and example from the registry.

A page places a rule with a line of its own:

    {{ rule R10 }}

and this hook replaces it with the rule's heading (anchored by its ID), its
statement in numerator and denominator layout as content tabs, the shapes, its
conditions and the example from the derivative's docstring. The LaTeX and the
example are written once, in `mcref`; the page cannot drift from the code that
CI checks. An unknown ID, a rule placed twice, or a docstring example that is
not in the expected form fails the build.

A rule that no line places still appears: at the end of the page that places
most of the other rules of its module (`mcref.core.registry.rule_pages`), under
"More rules". So a rule added to a module is on the site, verified and in the
cheat sheet, without touching a page; a `{{ rule ID }}` line moves it into the
text where it is explained.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

import mcref
from mcref.cli import example_script
from mcref.core.registry import RULE_MARKER, Rule, rule_pages, shape_tex

_placed: dict[str, str] = {}
_pages: dict[str, str] = {}  # every rule's page for this build, marker or module


def placement(files: Files) -> dict[str, str]:
    """Each rule's page (`src_uri`), by marker or by module, computed once per build."""
    if not _pages:
        _pages.update(rule_pages({f.src_uri: f.content_string for f in files.documentation_pages()}))
    return _pages


def _more_rules(markdown: str, page: Page, files: Files) -> str:
    """The rules that belong to this page by their module and that no line places, as a closing part."""
    placed_here = set(RULE_MARKER.findall(markdown))
    rules = [
        r
        for r in mcref.all_rules()
        if placement(files).get(r.id) == page.file.src_uri and r.id not in placed_here
    ]
    if not rules:
        return ""
    modules = sorted({f"`{r.derivative.__module__}`" for r in rules})
    parts = [
        "",
        "## More rules { #more-rules }",
        "",
        f"Registered in {', '.join(modules)} and verified like every rule on this page; the text above does not "
        "discuss them yet.",
        "",
    ]
    return "\n".join(parts + [rule_markdown(r) for r in rules])


def example_code(r: Rule) -> tuple[str, str]:
    """The docstring example of a rule as a copyable script and its printed output.

    The conversion lives in the library (`mcref.cli.example_script`, also used by
    `mcref show`), so the site and the command line show the same script; here a
    docstring that breaks its rules fails the build.
    """
    try:
        return example_script(r)
    except ValueError as exc:
        raise PluginError(str(exc)) from None


def _vjp_lines(r: Rule) -> list[str]:
    """The backprop form of a rule, when it has one attached."""
    if r.vjp is None:
        return []
    name = f"{r.vjp.__module__}.{r.vjp.__name__}"
    formula = f" ${r.vjp_latex}$." if r.vjp_latex else ""
    return [f"**Backprop form (VJP).**{formula} Computed by [`{name}`][{name}] without forming the Jacobian.", ""]


def rule_markdown(r: Rule) -> str:
    """The markdown block that presents one rule."""
    num = shape_tex(r.shape)
    den = shape_tex(tuple(reversed(r.shape)))
    qualname = f"{r.derivative.__module__}.{r.derivative.__name__}"
    code, _ = example_code(r)
    conditions = r.conditions or "None beyond the setup of this section."
    origin = (
        '<span class="mcref-extension">Extension, beyond the paper</span>' if r.extension else f"Paper §{r.section}"
    )
    same_matrix = " (the same matrix: it is its own transpose)" if r.latex == r.latex_denominator else ""
    parts = [
        f'### {r.id} · {r.title} {{ #{r.id} data-rule="{r.id}" }}',
        "",
        f"{origin} · checked by [`{qualname}`][{qualname}] against central differences",
        "",
        '=== "Numerator layout (the paper\'s)"',
        "",
        "    $$",
        f"    {r.latex}",
        "    $$",
        "",
        f"    Result shape: ${num}$.",
        "",
        '=== "Denominator layout"',
        "",
        "    $$",
        f"    {r.latex_denominator}",
        "    $$",
        "",
        f"    Result shape: ${den}${same_matrix}.",
        "",
        f"**Conditions.** {conditions}",
        "",
        *_vjp_lines(r),
        '```python title="Example"',
        code.rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(parts)


def on_pre_build(config: MkDocsConfig, **kwargs: Any) -> None:
    _placed.clear()
    _pages.clear()


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any) -> str:
    def expand(match: re.Match[str]) -> str:
        rule_id = match.group(1)
        try:
            r = mcref.get_rule(rule_id)
        except KeyError as exc:
            raise PluginError(f"{page.file.src_uri}: {exc.args[0]}") from None
        if rule_id in _placed:
            raise PluginError(f"{page.file.src_uri}: rule {rule_id} is already placed on {_placed[rule_id]}")
        _placed[rule_id] = page.file.src_uri
        return rule_markdown(r)

    more = _more_rules(markdown, page, files)  # before expanding: it reads this page's own markers
    return RULE_MARKER.sub(expand, markdown) + more


__all__ = ["example_code", "rule_markdown", "shape_tex"]
