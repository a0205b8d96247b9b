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

Search: every rule's `keywords` (the names readers type: ReLU, MSE, weight decay;
for a Cookbook rule also its equation number, "eq 49" and "MC49")
go into the search index as a field of the rule's own section, `keywords`, which
mkdocs.yml weighs like a title; the reader never sees them. A rule's section
weighs more than other parts of a page, and the API reference's pages less, so
that for the same words the rule comes before its page's introduction and before
the function that computes it.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

import mcref
from mcref.cli import example_script
from mcref.core.errata import Erratum, all_errata, get_erratum
from mcref.core.registry import RULE_MARKER, Rule, rule_pages, shape_tex

_placed: dict[str, str] = {}
_pages: dict[str, str] = {}  # every rule's page for this build, marker or module
_sections: dict[str, str] = {}  # every rule's section as the search index names it: "rules/neuron/#N6"

# The API reference's pages weigh this much in search, against 1 for every other page: its
# sections are titled with function names ("relu_derivative", "gradient_as_row") that a word
# typed into the box matches as a prefix, as strongly as a rule's title.
API_SEARCH_BOOST = 0.5
# A rule's own section weighs this much. Material multiplies the score of the top of a page (the
# part before its first heading) by up to 5 and that of a section by up to 2 (its boost for the
# query words found), and shows only the best part of each page: at weight 1 a search for "vector
# chain rule" or "quadratic form gradient" showed the rule's page and folded the rule itself
# under "more on this page". Above 5/2, the rule wins over its page's top for the same words.
RULE_SEARCH_BOOST = 3.0
# The derivative engine's inner modules (its parser, expression tree, adjoints, exact check) stay out
# of the search index: a reader uses mcref.derive, whose page (reference/mcref/engine/) is indexed.
# Every page downloads the index, and the rule page's transfer budget (tests/test_budget.py) has no
# room for 23 KiB of internals' docstrings.
ENGINE_INTERNALS = re.compile(r"reference/mcref/engine/(?!index\.md$)[^/]+(/index)?\.md$")


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
    for r in rules:
        _sections[r.id] = f"{page.url}#{r.id}"
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
    return "\n".join(parts + [rule_markdown(r, page.file.src_uri) for r in rules])


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


ERRATA_PAGE = "cookbook/errata.md"
ERRATUM_MARKER = re.compile(r"^\{\{ erratum ([A-Za-z]+[0-9]+(?:\.[0-9]+|u)?) \}\}[ \t]*$", re.M)
"""A line `{{ erratum MC51 }}` on the errata page, which presents the erratum of that rule."""


def _origin(r: Rule) -> str:
    if r.origin == "extension":
        return '<span class="mcref-extension">Extension, beyond the paper</span>'
    if r.origin == "cookbook":
        return f"Matrix Cookbook ({r.number}), §{r.section}"
    return f"Paper §{r.section}"


def _shapes(r: Rule) -> tuple[str, str, str]:
    """The numerator and denominator result shapes as TeX, and a note for the denominator tab."""
    numerator, denominator = r.layout_shapes()
    num, den = shape_tex(numerator), shape_tex(denominator)
    variable = r.args[r.wrt].shape if r.wrt in r.args else ()
    if numerator != r.shape:
        # the gradient of a number with respect to a matrix: shaped like the matrix in the gradient
        # (denominator) layout, transposed in the numerator layout; checked flattened row by row
        return num, den, (
            f" (shaped like ${r.wrt}$; the check compares the ${shape_tex(r.shape)}$ row of ${r.wrt}$ flattened row "
            "by row)"
        )
    if r.latex != r.latex_denominator:
        return num, den, ""
    if len(variable) == 0 and r.shape[1] == 1:
        return num, den, " (a derivative with respect to a number: the statement is the same in both layouts)"
    return num, den, " (the same matrix: it is its own transpose)"


def _cookbook_lines(r: Rule, src_uri: str) -> list[str]:
    """The statement as the Cookbook prints it, and its erratum when our check refutes it."""
    if not r.printed:
        return []
    # display math: a long printed line scrolls in its box instead of widening a phone's page
    lines = [f"**As printed in the Cookbook ({r.number}):**", "", "$$", r.printed, "$$", ""]
    e = get_erratum(r.id)
    if e is not None:
        link = posixpath.relpath(ERRATA_PAGE, posixpath.dirname(src_uri) or ".")
        label = "holds only under a condition the book does not state" if e.kind == "condition" else "is wrong"
        lines += [
            f'!!! warning "Erratum: the printed statement {label}"',
            "",
            f"    {e.summary} See [the errata]({link}#erratum-{r.id}) for the counterexample.",
            "",
        ]
    return lines


def rule_markdown(r: Rule, src_uri: str = "") -> str:
    """The markdown block that presents one rule (`src_uri`: the page it goes on, for relative links)."""
    num, den, note = _shapes(r)
    qualname = f"{r.derivative.__module__}.{r.derivative.__name__}"
    code, _ = example_code(r)
    conditions = r.conditions or "None beyond the setup of this section."
    numerator = "Numerator layout (the paper's)"
    denominator = "Denominator layout (the Cookbook's)" if r.origin == "cookbook" else "Denominator layout"
    parts = [
        f'### {r.id} · {r.title} {{ #{r.id} data-rule="{r.id}" }}',
        "",
        f"{_origin(r)} · checked by [`{qualname}`][{qualname}] against central differences",
        "",
        f'=== "{numerator}"',
        "",
        "    $$",
        f"    {r.latex}",
        "    $$",
        "",
        f"    Result shape: ${num}$.",
        "",
        f'=== "{denominator}"',
        "",
        "    $$",
        f"    {r.latex_denominator}",
        "    $$",
        "",
        f"    Result shape: ${den}${note}.",
        "",
        f"**Conditions.** {conditions}",
        "",
        *_cookbook_lines(r, src_uri),
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
    _sections.clear()


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
        _sections[rule_id] = f"{page.url}#{rule_id}"
        return rule_markdown(r, page.file.src_uri)

    if page.file.src_uri.startswith("reference/"):
        # (front matter the search plugin reads; the API pages are generated, so it is set here)
        page.meta.setdefault("search", {}).setdefault("boost", API_SEARCH_BOOST)
        if ENGINE_INTERNALS.match(page.file.src_uri):
            page.meta["search"]["exclude"] = True
    more = _more_rules(markdown, page, files)  # before expanding: it reads this page's own markers
    markdown = RULE_MARKER.sub(expand, markdown) + more
    if COVERAGE_MARKER.search(markdown):
        table = coverage_markdown(page.file.src_uri, files)
        markdown = COVERAGE_MARKER.sub(lambda _: table, markdown)
    if page.file.src_uri == ERRATA_PAGE:
        markdown = _errata(markdown, page, files)
    elif ERRATUM_MARKER.search(markdown):
        raise PluginError(f"{page.file.src_uri}: an erratum marker belongs on {ERRATA_PAGE}")
    return markdown


COVERAGE_MARKER = re.compile(r"^\{\{ cookbook coverage \}\}[ \t]*$", re.M)
"""A line `{{ cookbook coverage }}`: the table of every Cookbook entry and what became of it."""
COVERAGE_FILE = Path(__file__).resolve().parent.parent / "spec" / "cookbook-ids.toml"


def coverage_markdown(src_uri: str, files: Files) -> str:
    """The table of the Cookbook's entries (spec/cookbook-ids.toml): each with its rules, errata or reason."""
    entries = tomllib.loads(COVERAGE_FILE.read_text(encoding="utf-8"))
    pages = placement(files)
    counts: dict[str, int] = {}
    rows = ["| Entry | § | Status | Rules |", "|---|---|---|---|"]
    for entry_id, entry in entries.items():
        status = entry["status"]
        number = entry_id[2:]
        cells = []
        for rule_id in entry.get("rules", []):
            link = posixpath.relpath(pages[rule_id], posixpath.dirname(src_uri) or ".")
            cells.append(f"[{rule_id}]({link}#{rule_id})")
        if status == "rule" and any(get_erratum(rule_id) for rule_id in entry.get("rules", [])):
            status = "erratum"
            link = posixpath.relpath(ERRATA_PAGE, posixpath.dirname(src_uri) or ".")
            cells += [f"[erratum]({link}#erratum-{rule_id})" for rule_id in entry["rules"] if get_erratum(rule_id)]
        counts[status] = counts.get(status, 0) + 1
        label = {"rule": "verified", "erratum": "verified, with an erratum", "not checkable": "not checkable",
                 "todo": "not yet checked"}[status]
        detail = ", ".join(cells) if cells else entry.get("reason", "")
        rows.append(f"| ({number}) | {entry['section']} | {label} | {detail} |")
    summary = (
        f"Of the {len(entries)} entries, {counts.get('rule', 0) + counts.get('erratum', 0)} are verified rules "
        f"({counts.get('erratum', 0)} of them with an erratum), {counts.get('not checkable', 0)} state nothing "
        f"to check, and {counts.get('todo', 0)} are not checked yet."
    )
    return summary + "\n\n" + "\n".join(rows) + "\n"


def erratum_markdown(e: Erratum, src_uri: str, rule_page: str) -> str:
    """The block that presents one erratum on the errata page: printed, verified, and the condition."""
    r = mcref.get_rule(e.rule)
    link = posixpath.relpath(rule_page, posixpath.dirname(src_uri) or ".")
    verdict = (
        f"**Holds only if** {e.condition} (the book does not say so)." if e.kind == "condition"
        else "**Wrong** in general" + (f"; it holds if {e.condition}." if e.condition else ".")
    )
    return "\n".join([
        f"### ({r.number}) · {r.title} {{ #erratum-{r.id} }}",
        "",
        f"{e.summary} The verified rule is [{r.id}]({link}#{r.id}).",
        "",
        "As printed:",
        "",
        "$$",
        e.printed,
        "$$",
        "",
        "Verified:",
        "",
        "$$",
        e.correct,
        "$$",
        "",
        verdict,
        "",
    ])


def _errata(markdown: str, page: Page, files: Files) -> str:
    """Expand the errata page's `{{ erratum ID }}` lines; every registered erratum must have one, once."""
    wanted = {e.rule: e for e in all_errata()}
    seen: set[str] = set()

    def expand(match: re.Match[str]) -> str:
        rule_id = match.group(1)
        if rule_id not in wanted:
            raise PluginError(f"{page.file.src_uri}: no erratum is registered for {rule_id}")
        if rule_id in seen:
            raise PluginError(f"{page.file.src_uri}: the erratum of {rule_id} is placed twice")
        seen.add(rule_id)
        return erratum_markdown(wanted[rule_id], page.file.src_uri, placement(files)[rule_id])

    markdown = ERRATUM_MARKER.sub(expand, markdown)
    missing = sorted(set(wanted) - seen)
    if missing:
        raise PluginError(f"{page.file.src_uri}: no `{{{{ erratum ID }}}}` line for the registered errata {missing}")
    return markdown


def index_rules(index: dict[str, Any], sections: dict[str, str]) -> None:
    """Give each rule's section in a search index (search/search_index.json, parsed) its keywords and boost.

    `sections` maps the ID of every rule the build placed to its section's location in the
    index ("rules/neuron/#N6"). Raises PluginError if the index does not weigh a `keywords`
    field (the search plugin's `fields` setting in mkdocs.yml) or a rule's section is not in
    it: either way the search would silently stop finding rules by the names readers use.
    """
    if "keywords" not in index.get("config", {}).get("fields", {}):
        raise PluginError("the search index weighs no 'keywords' field: add it to the search plugin's `fields`")
    entries = {doc["location"]: doc for doc in index["docs"]}
    for r in mcref.all_rules():
        if r.id not in sections:
            continue  # (not on this build's pages; the real site places every rule, or fails)
        doc = entries.get(sections[r.id])
        if doc is None:
            raise PluginError(f"rule {r.id}: its section {sections[r.id]} is not in the search index")
        doc["boost"] = RULE_SEARCH_BOOST
        words = list(r.keywords)
        if r.origin == "cookbook":
            # found by its equation number as readers write it: "(49)", "eq 49", "equation 49", "MC49"
            # (the search splits at parentheses; docs/assets/search-ids.js lists the rule first)
            words += [f"eq {r.number}", f"equation {r.number}", f"MC{r.number}"]
        if words:
            doc["keywords"] = ", ".join(words)


def on_post_build(config: MkDocsConfig, **kwargs: Any) -> None:
    if "material/search" not in config.plugins:
        return  # (a probe site on another theme: its search has no fields to weigh)
    # Material's search plugin has written its index by now (hooks run after the plugins).
    path = Path(config.site_dir) / "search" / "search_index.json"
    if not path.is_file():
        raise PluginError(f"{path} does not exist: the search plugin must run before hooks/rules.py")
    index = json.loads(path.read_text("utf-8"))
    index_rules(index, _sections)
    path.write_text(json.dumps(index, separators=(",", ":")), "utf-8")


__all__ = ["coverage_markdown", "erratum_markdown", "example_code", "rule_markdown", "shape_tex"]
