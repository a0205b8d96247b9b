"""MkDocs hook: the gallery of "Derive your own", derived by the engine when the site is built.

A page places the gallery with a line of its own:

    {{ derive gallery }}

and this hook replaces it with every entry of `spec/derive-gallery.toml`, each derived by
`mcref.derive` (which proves its result exactly before it returns it): the input, f, the
derivative in both layouts with their shapes, the steps with a link to the rule
each one applied, what was proven, and the numpy code in a collapsible block. The math is written
as `$$...$$` like every rule statement (`hooks/rules.py`), so `hooks/mathml.py` renders it at build
time; a step's link goes to its rule's page and anchor (`mcref.core.registry.rule_pages`, as
`hooks/rules.py` places rules), so a link to a rule that is on no page fails the strict build. An
expression the engine refuses, a step citing an unregistered rule, or a duplicate entry fails the
build, naming the entry.

`tests/test_gallery.py` checks the page against a fresh `mcref.derive` of each entry and runs each
entry's numpy code against central differences.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

import mcref
from mcref.core.registry import rule_pages

GALLERY_FILE = Path(__file__).resolve().parent.parent / "spec" / "derive-gallery.toml"
GALLERY_MARKER = re.compile(r"^\{\{ derive gallery \}\}[ \t]*$", re.M)
_FIELDS = {"id", "group", "title", "expr", "wrt", "shapes", "note"}
_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_KIND = {"gradient": "Gradient", "jacobian": "Jacobian", "vjp": "Backprop form (VJP)"}


@dataclass(frozen=True)
class Entry:
    """One expression of the gallery, as `spec/derive-gallery.toml` gives it."""

    id: str
    group: str
    title: str
    expr: str
    wrt: str
    shapes: str | None = None
    note: str = ""


def entries(path: Path = GALLERY_FILE) -> list[Entry]:
    """The gallery's entries in the file's order; a malformed entry raises ValueError naming it."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: list[Entry] = []
    seen: set[str] = set()
    for k, raw in enumerate(data.get("entry", []), 1):
        where = f"{path.name}, entry {k} ({raw.get('id', 'no id')})"
        unknown = set(raw) - _FIELDS
        missing = {"id", "group", "title", "expr", "wrt"} - set(raw)
        if unknown or missing:
            raise ValueError(f"{where}: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
        if not _ID.fullmatch(raw["id"]) or raw["id"] in seen:
            raise ValueError(f"{where}: the id must be letters, digits and hyphens, and unique")
        if raw["title"][:1] != raw["title"][:1].upper():
            raise ValueError(f"{where}: titles are capitalised, got {raw['title']!r}")
        seen.add(raw["id"])
        out.append(Entry(**raw))
    return out


def derive(entry: Entry) -> Any:
    """The entry's derivative, from `mcref.derive`."""
    return mcref.derive(entry.expr, entry.wrt, entry.shapes)


def step_link(rule_id: str, pages: dict[str, str], src_uri: str) -> str:
    """The relative link from the page `src_uri` to a rule's section: its page and its ID as anchor."""
    page = pages.get(rule_id)
    if page is None:
        raise KeyError(f"rule {rule_id} is on no page of the site")
    return f"{posixpath.relpath(page, posixpath.dirname(src_uri) or '.')}#{rule_id}"


def _math_block(tex: str, indent: str = "") -> list[str]:
    return [f"{indent}$$", f"{indent}{tex}", f"{indent}$$", ""]


def formula(d: Any) -> str:
    """f and its derivative in both layouts, as one aligned display formula."""
    return (
        f"\\begin{{aligned}} f &= {d.latex} \\\\ \\text{{numerator layout}} &\\quad {d.numerator} \\\\ "
        f"\\text{{denominator layout}} &\\quad {d.denominator} \\end{{aligned}}"
    )


def entry_markdown(entry: Entry, d: Any, pages: dict[str, str], src_uri: str) -> str:
    """The markdown block of one derived entry (`d`: its `Derivative`) on the page `src_uri`.

    f and both layouts are one aligned formula, not content tabs, and names and shapes are plain
    text, not formulas: a page of fifty entries stays a page the browser lays out in few parts
    (hooks/sections.py splits a part after a number of formulas; docs/assets/a11y.js draws each part
    in an idle moment of its own before the page counts as settled).
    """
    declared = f" · declared: `{entry.shapes}`" if entry.shapes else ""
    syntax = "matrixcalculus.org's syntax" if d.syntax == "matrixcalculus" else "numpy syntax"
    symbols = "; ".join(f"{name}: {shape}" for name, shape in d.shapes.items())
    kind = _KIND.get(d.kind, d.kind)
    like = f" (shaped like {d.wrt})" if d.kind != "jacobian" else ""
    lines = [
        f"#### {entry.title} {{ #{entry.id} data-search-exclude }}",
        "",
        f"`{entry.expr}` with respect to `{d.wrt}`{declared} · {syntax}",
        "",
        *_math_block(formula(d)),
        f"f is {d.f_shape}; {symbols}. {kind} with respect to {d.wrt}: in the numerator layout (the paper's) of "
        f"shape {d.numerator_shape}, in the denominator layout of shape {d.denominator_shape}{like}.",
        "",
    ]
    if entry.note:
        lines += [entry.note, ""]
    lines += [
        "**Steps**, each citing the rule it applied:",
        "",
    ]
    for k, (sentence, rule_id) in enumerate(d.steps, 1):
        if rule_id is None:
            cite = "a gap: no registered rule states this step yet"
        else:
            try:
                r = mcref.get_rule(rule_id)
                link = step_link(rule_id, pages, src_uri)
            except KeyError as exc:
                raise PluginError(f"{src_uri}: gallery entry {entry.id}: step {k}: {exc.args[0]}") from None
            cite = f"[{rule_id}]({link}) {r.title}"
        lines.append(f"{k}. `{sentence}`: {cite}")
    lines += ["", f"**Proven** before it was shown: {d.checks[0]}.", ""]
    lines += ['??? example "numpy code"', "", "    ```python"]
    lines += [f"    {line}".rstrip() for line in d.numpy.rstrip("\n").split("\n")]
    lines += ["    ```", ""]
    return "\n".join(lines)


def gallery_markdown(src_uri: str, pages: dict[str, str], path: Path = GALLERY_FILE) -> str:
    """Every entry, derived, grouped under an h3 per group in the order the groups first appear."""
    items = entries(path)
    groups = list(dict.fromkeys(e.group for e in items))
    parts = []
    for group in groups:
        slug = "gallery-" + re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-")
        parts += [f"### {group} {{ #{slug} data-search-exclude }}", ""]
        for entry in (e for e in items if e.group == group):
            try:
                d = derive(entry)
            except ValueError as exc:  # DeriveError: the engine refused the expression
                raise PluginError(f"{src_uri}: gallery entry {entry.id} ({entry.expr!r}): {exc}") from None
            parts.append(entry_markdown(entry, d, pages, src_uri))
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any) -> str:
    if not GALLERY_MARKER.search(markdown):
        return markdown
    pages = rule_pages({f.src_uri: f.content_string for f in files.documentation_pages()})
    try:
        gallery = gallery_markdown(page.file.src_uri, pages)
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    return GALLERY_MARKER.sub(lambda _: gallery, markdown)


__all__ = ["Entry", "entries", "entry_markdown", "gallery_markdown", "step_link"]
