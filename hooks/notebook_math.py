"""MkDocs hook: math and links in notebook pages, rendered like on every other page.

mkdocs-jupyter renders a notebook's markdown cells with nbconvert's own
markdown (mistune), which leaves `$...$` as raw text for a client-side MathJax,
resolves no `.md` links, and turns an escaped `\\$` into a bare `$` that can no
longer be told apart from a formula's delimiter. This hook, for notebook pages
only, renders each markdown cell again from the notebook's source with the
site's own Python-Markdown configuration (`pymdownx.arithmatex` included) and
mkdocs's link handling, and puts the result in place of nbconvert's. So, in a
notebook as on any page:

* `$...$` and `$$...$$` become arithmatex's generic markup, which
  `hooks/mathml.py` renders at build time (and fails the build on bad TeX). It
  must therefore run after this hook: list this hook first in `hooks:`.
* `\\$` is a literal dollar; `$` in inline code, code blocks, code cells and
  their outputs is left alone (only markdown cells are touched).
* links are written `[L1](../rules/loss.md#L1)`; mkdocs rewrites them to the
  built page's URL and its `validation:` settings check the page and the
  anchor, as for any page. Links into a notebook's headings are checked too.
* heading ids come from the site's `toc` settings, and the page's table of
  contents is taken from the same rendering, so the two always agree.

Cell boundaries are found with an HTML parser that counts nested `<div>`s and
skips `<script>`/`<style>` bodies, not with a regex. The number of rendered
markdown cells must equal the number in the source, and each cell must render
to balanced HTML, or the build fails.

The hook also removes what nbconvert adds for client-side rendering: the
MathJax loader (`<script src="">` with mkdocs-jupyter's default
`custom_mathjax_url: ""`, a CDN URL otherwise) with its configuration block,
and the Mermaid loader, an inline module that imports Mermaid from a CDN when a
diagram is present. The copy-to-clipboard script of the code cells stays.

The cells are rendered by mkdocs's own public `Page.render`, called on the
notebook's page with the cells as its markdown: the same Python-Markdown set-up,
link handling and records (the anchors the page holds, its links into other
pages, its table of contents) as for any page, with no private class of
mkdocs. mkdocs-jupyter replaces `render` on each notebook page object with its
own (which runs nbconvert), so the hook calls the class's method, `Page.render`,
and puts the page's source back afterwards.

mkdocs-jupyter's own options cannot replace the hook: `custom_mathjax_url` and
`include_requirejs` only choose which client-side loader nbconvert writes, and it
has no option to render markdown cells with the site's Python-Markdown. The hook
relies on the plugin's internals (the HTML shape of its markdown cells, its
`NotebookFile` class, its replacing `render` per page), so mkdocs-jupyter is
pinned exactly in pyproject.toml's docs extra; tests/test_notebooks.py fails
loudly if the shape changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

# Placed between cells so that all of a notebook's markdown is rendered as one
# document (unique heading ids across cells, as in the table of contents) and
# then split again. A raw HTML comment passes through Python-Markdown untouched.
CELL_BREAK = "<!-- mcref-notebook-cell-break -->"

# the comments nbconvert puts around the loaders
_LOADER_COMMENTS = re.compile(r"<!-- (?:Load mathjax|MathJax configuration|End of mathjax configuration"
                              r"|End of mermaid configuration) -->")


def _classes(attrs: list[tuple[str, str | None]]) -> set[str]:
    for name, value in attrs:
        if name == "class" and value:
            return set(value.split())
    return set()


class _NotebookScanner(HTMLParser):
    """Finds, as character offsets, the body of each markdown cell and the client-side loader scripts.

    A markdown cell is `<div class="jp-Cell jp-MarkdownCell ...">` holding
    `<div class="... jp-MarkdownOutput ...">`; its body is what lies between
    that div's start tag and the `</div>` matching it. Only divs are counted
    for the matching, and HTMLParser treats `<script>` and `<style>` content as
    text, so a `<div` in a stylesheet or a script cannot confuse the count. A
    `jp-MarkdownOutput` in a code cell's output (IPython's `Markdown(...)`) is
    not a markdown cell and is ignored.
    """

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._divs: list[str] = []  # a role per open div: "cell", "body" or ""
        self._body_start: int | None = None
        self._script: tuple[int, dict[str, str | None]] | None = None
        self._script_text: list[str] = []
        self.bodies: list[tuple[int, int]] = []
        self.loaders: list[tuple[int, int]] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._script = (self._offset(), dict(attrs))
            self._script_text = []
            return
        if tag != "div":
            return
        classes = _classes(attrs)
        role = ""
        if "jp-MarkdownCell" in classes:
            role = "cell"
        elif "jp-MarkdownOutput" in classes and "cell" in self._divs and "body" not in self._divs:
            role = "body"
            self._body_start = self._offset() + len(self.get_starttag_text() or "")
        self._divs.append(role)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            start, attrs = self._script
            end = self._offset() + len("</script>")
            if _is_loader(attrs, "".join(self._script_text)):
                self.loaders.append((start, end))
            self._script = None
            return
        if tag != "div" or not self._divs:
            return
        role = self._divs.pop()
        if role == "body":
            assert self._body_start is not None
            self.bodies.append((self._body_start, self._offset()))
            self._body_start = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)


def _is_loader(attrs: dict[str, str | None], body: str) -> bool:
    """A script that fetches code (any `src`) or typesets math or diagrams in the browser."""
    kind = (attrs.get("type") or "").lower()
    return "src" in attrs or "mathjax" in kind or "mermaid" in body or "MathJax" in body


def scan(html: str) -> _NotebookScanner:
    scanner = _NotebookScanner(html)
    scanner.feed(html)
    scanner.close()
    return scanner


def markdown_cells(source_path: str) -> list[str]:
    """The source of every markdown cell of a notebook (jupytext reads `.py` and `.ipynb`), in order."""
    import jupytext  # installed with mkdocs-jupyter; imported here so the hook loads without it

    notebook = jupytext.read(source_path)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            if cell.get("attachments"):
                raise PluginError(f"{source_path}: markdown cell attachments are not supported; put images in docs/")
            cells.append(cell.source)
    return cells


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Balance(HTMLParser):
    """Records the first element of a fragment that is closed out of order or left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problem = self.problem or f"</{tag}> closes " + (f"<{self.open[-1]}>" if self.open else "nothing")
        else:
            self.open.pop()


def _check_balanced(part: str, number: int) -> None:
    checker = _Balance()
    checker.feed(part)
    checker.close()
    problem = checker.problem or (f"<{checker.open[-1]}> is never closed" if checker.open else None)
    if problem:
        raise PluginError(
            f"markdown cell {number} renders to unbalanced HTML ({problem}); close every HTML element "
            "in the cell that opens it"
        )


def render_cells(sources: Sequence[str], convert: Callable[[str], str]) -> list[str]:
    """Render the cells as one document and split it again at the cell breaks.

    Python-Markdown ends every block at the blank lines around a break, and
    escapes a break that lands inside code or math, so a cell cannot run into
    the next one unnoticed: either the number of parts is wrong or a part is
    unbalanced HTML (an HTML element a cell leaves open), and both fail.
    """
    for i, text in enumerate(sources):
        if CELL_BREAK in text:
            raise PluginError(f"markdown cell {i + 1} contains the hook's cell separator {CELL_BREAK!r}")
    joined = f"\n\n{CELL_BREAK}\n\n".join(sources)
    parts = convert(joined).split(CELL_BREAK)
    if len(parts) != len(sources):
        raise PluginError(
            f"the {len(sources)} markdown cells came back as {len(parts)} after rendering; "
            "a cell must not end inside a construct that continues into the next one"
        )
    for number, part in enumerate(parts, start=1):
        _check_balanced(part, number)
    return [part.strip("\n") for part in parts]


def strip_loaders(html: str) -> str:
    """Remove nbconvert's MathJax and Mermaid loader scripts (and their marker comments)."""
    loaders = scan(html).loaders
    for start, end in reversed(loaders):
        html = html[:start] + html[end:]
    return _LOADER_COMMENTS.sub("", html)


def rewrite(html: str, sources: Sequence[str], convert: Callable[[str], str]) -> str:
    """Put each markdown cell, rendered by `convert`, in place of nbconvert's rendering of it.

    Args:
        html: A notebook page as mkdocs-jupyter renders it.
        sources: The markdown cells' sources, in order.
        convert: Markdown to HTML for the whole joined document (the site's Python-Markdown).

    Returns:
        The page with its markdown cells re-rendered and the loader scripts removed.
    """
    html = strip_loaders(html)
    bodies = scan(html).bodies
    if len(bodies) != len(sources):
        raise PluginError(
            f"found {len(bodies)} rendered markdown cells but the notebook has {len(sources)}; "
            "mkdocs-jupyter's HTML has changed shape"
        )
    rendered = render_cells(sources, convert)
    out = []
    position = 0
    for (start, end), body in zip(bodies, rendered, strict=True):
        out.append(html[position:start])
        out.append(f"\n{body}\n")
        position = end
    out.append(html[position:])
    return "".join(out)


def site_renderer(page: Page, config: MkDocsConfig, files: Files) -> Callable[[str], str]:
    """Markdown to HTML as mkdocs renders any page, for this page: `Page.render` on `page` with the
    text as its source. It records the page's anchors, links and table of contents as it goes."""

    def convert(text: str) -> str:
        source = page.markdown
        page.markdown = text
        try:
            Page.render(page, config, files)  # the class's method: mkdocs-jupyter replaced the page's own
        finally:
            page.markdown = source
        return page.content or ""

    return convert


def is_notebook(page: Page) -> bool:
    """A page that mkdocs-jupyter renders: its file is wrapped in the plugin's `NotebookFile`."""
    return type(page.file).__name__ == "NotebookFile" and page.file.abs_src_path is not None


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any) -> str:
    if not is_notebook(page):
        return html
    if 'class="jp-Notebook"' not in html:
        raise PluginError(f"{page.file.src_uri}: expected a notebook rendered by mkdocs-jupyter")
    try:
        return rewrite(html, markdown_cells(str(page.file.abs_src_path)), site_renderer(page, config, files))
    except PluginError as exc:
        raise PluginError(f"{page.file.src_uri}: {exc}") from None
