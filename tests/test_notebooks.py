"""The notebook pages: executed outputs, math rendered like on every page, links that resolve.

Three groups of tests:

* `hooks/notebook_math.py` on small HTML snippets shaped like mkdocs-jupyter's output
  (no build needed);
* tiny notebook projects built with the real mkdocs-jupyter and the real hooks, to show that
  a bad formula or a broken link in a notebook fails the strict build;
* the real site (the `site` fixture), for what a reader gets on each notebook page.

The site tests expect `hooks/notebook_math.py` to be listed in mkdocs.yml's `hooks:` before
`hooks/mathml.py`; `test_notebook_hook_runs_before_the_math_hook` says so when it is not.
"""

from __future__ import annotations

import html
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import markdown
import pytest
from mkdocs.exceptions import PluginError

from tests.conftest import ROOT, BuiltSite, mkdocs_build
from tests.page_visits import TWO_FRAMES, settle, without_search_documents

NOTEBOOKS = sorted(p.stem for p in (ROOT / "docs" / "notebooks").glob("*.py"))


def _load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"mcref_hook_{name}_nb", ROOT / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook("notebook_math")
mathml_hook = _load_hook("mathml")


# ----- the hook on snippets -----


def convert(text: str) -> str:
    """Markdown to HTML with the site's math, heading and code settings."""
    md = markdown.Markdown(
        extensions=["toc", "attr_list", "md_in_html", "pymdownx.arithmatex", "pymdownx.superfences"],
        extension_configs={"toc": {"permalink": True}, "pymdownx.arithmatex": {"generic": True}},
    )
    return md.convert(text)


def markdown_cell(body: str) -> str:
    """A markdown cell as nbconvert's lab template renders it, around `body`."""
    return (
        '<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell" id="cell-id=1">\n'
        '<div class="jp-Cell-inputWrapper" tabindex="0">\n'
        '<div class="jp-Collapser jp-InputCollapser jp-Cell-inputCollapser">\n</div>\n'
        '<div class="jp-InputArea jp-Cell-inputArea"><div class="jp-InputPrompt jp-InputArea-prompt">\n'
        '</div><div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" '
        f'data-mime-type="text/markdown">\n{body}\n</div>\n</div>\n</div>\n</div>'
    )


# a code cell whose source and outputs hold dollars, TeX and a markdown-rendered output
CODE_CELL = (
    '<div class="jp-Cell jp-CodeCell jp-Notebook-cell">\n'
    '<div class="jp-InputArea jp-Cell-inputArea"><div class="highlight-ipynb hl-python"><pre>'
    '<span class="nb">print</span>(<span class="s2">"$5 and $x$ and \\(y\\)"</span>)\n</pre></div>\n'
    '<div class="clipboard-copy-txt" id="cell-1">print("$5 and $x$ and \\(y\\)")</div></div>\n'
    '<div class="jp-OutputArea jp-Cell-outputArea"><div class="jp-OutputArea-child">\n'
    '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain"><pre>$5 and $x$\n</pre></div>\n'
    '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput jp-OutputArea-output" '
    'data-mime-type="text/markdown"><p>$z$ from IPython.display.Markdown</p></div>\n'
    "</div></div>\n</div>"
)

CLIPBOARD = "<script>\ndocument.addEventListener('clipboard-copy', function(event) {});\n</script>"
LOADERS = (
    '<!-- Load mathjax -->\n<script src=""> </script>\n<!-- MathJax configuration -->\n'
    '<script type="text/x-mathjax-config">\ninit_mathjax = function() { MathJax.Hub.Config({'
    "tex2jax: {inlineMath: [ ['$','$'] ]}}); }\n</script>\n<!-- End of mathjax configuration -->"
    '<script type="module">\nconst d = document.querySelectorAll(".jp-Mermaid > pre.mermaid");\n'
    'const mermaid = (await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/11/mermaid.esm.min.mjs"));\n'
    "</script>\n<!-- End of mermaid configuration -->"
)
STYLE = '<style type="text/css">\n.jupyter-wrapper::before { content: "<div class=\\"jp-MarkdownCell\\">"; }\n</style>'


def page(*cells: str) -> str:
    """A notebook page as mkdocs-jupyter renders it: scripts, styles, then the cells."""
    return (
        f'{CLIPBOARD}\n{STYLE}\n{LOADERS}<div class="jupyter-wrapper">\n'
        '<div class="jp-Notebook" data-jp-theme-light="true">\n' + "\n".join(cells) + "\n</div>\n</div>"
    )


def math_in(html_text: str) -> list[tuple[str, bool]]:
    """The formulas hooks/mathml.py would render, as (TeX, display)."""
    found = [(html.unescape(m.group(1)).strip(), True) for m in mathml_hook._DISPLAY.finditer(html_text)]
    return found + [(html.unescape(m.group(1)).strip(), False) for m in mathml_hook._INLINE.finditer(html_text)]


def test_markdown_cells_are_rendered_and_code_cells_are_left_alone() -> None:
    before = page(markdown_cell("<p>$a$ raw from nbconvert</p>"), CODE_CELL, markdown_cell("<p>$b$</p>"))
    after = hook.rewrite(before, ["Inline $a_1$ here.", "Display:\n\n$$\nb^2\n$$"], convert)
    assert CODE_CELL in after  # source, clipboard text and outputs byte for byte
    assert math_in(after) == [("b^2", True), ("a_1", False)]
    assert "raw from nbconvert" not in after


def test_tex_with_html_special_characters_reaches_the_renderer_unchanged() -> None:
    tex = r"f(z) = \begin{cases} 0 & z \le 0 \\ 1 & z > 0 \end{cases}, \quad a < b"
    after = hook.rewrite(page(markdown_cell("<p>x</p>")), [f"$$\n{tex}\n$$\n\nand ${tex}$"], convert)
    assert math_in(after) == [(tex, True), (tex, False)]
    bodies = [after[s:e] for s, e in hook.scan(after).bodies]
    assert " a < b" not in bodies[0] and "&lt;" in bodies[0]  # escaped in the HTML, unescaped for Temml


def test_escaped_dollars_are_literal_dollars() -> None:
    after = hook.rewrite(page(markdown_cell("<p>x</p>")), [r"It costs \$5, or \$10 with $n = 2$."], convert)
    assert math_in(after) == [("n = 2", False)]
    assert "It costs $5, or $10 with" in after


def test_dollars_in_inline_code_and_fences_of_a_markdown_cell_are_not_math() -> None:
    source = "Call `f($x$)`.\n\n```python\nprint('$y$')\n```\n"
    after = hook.rewrite(page(markdown_cell("<p>x</p>")), [source], convert)
    assert math_in(after) == []
    assert "<code>f($x$)</code>" in after


def test_nested_divs_in_a_cell_are_replaced_up_to_the_matching_end() -> None:
    nested = '<div class="admonition note"><div><p>$old$</p></div><div><div></div></div></div><p>$tail$</p>'
    before = page(markdown_cell(nested), CODE_CELL)
    after = hook.rewrite(before, ['<div markdown>\n\n$new$ inside an HTML block\n\n</div>\n\nand $more$'], convert)
    assert CODE_CELL in after
    assert "$old$" not in after and "$tail$" not in after
    assert math_in(after) == [("new", False), ("more", False)]
    cells = after[after.index('<div class="jupyter-wrapper">') :]  # the stylesheet mentions a div
    assert cells.count("<div") == cells.count("</div")


def test_a_markdown_output_of_a_code_cell_is_not_a_markdown_cell() -> None:
    scanner = hook.scan(page(CODE_CELL, markdown_cell("<p>x</p>")))
    assert len(scanner.bodies) == 1


def test_div_text_inside_styles_and_scripts_does_not_move_the_boundaries() -> None:
    scanner = hook.scan(page(markdown_cell("<p>x</p>")))
    assert len(scanner.bodies) == 1


def test_a_different_number_of_cells_fails() -> None:
    with pytest.raises(PluginError, match="found 2 rendered markdown cells but the notebook has 1"):
        hook.rewrite(page(markdown_cell("<p>x</p>"), markdown_cell("<p>y</p>")), ["only one"], convert)


def test_a_cell_that_leaves_an_html_element_open_fails() -> None:
    with pytest.raises(PluginError, match="markdown cell 1 renders to unbalanced HTML"):
        hook.rewrite(page(markdown_cell("a"), markdown_cell("b")), ["<div>\nopen", "next"], convert)


@pytest.mark.parametrize("first", ["```python\nopen fence", "$$\na", "`open code", "    indented"])
def test_a_construct_left_open_in_one_cell_stays_in_that_cell(first: str) -> None:
    after = hook.rewrite(page(markdown_cell("a"), markdown_cell("b")), [first, "Next, $c$."], convert)
    bodies = [after[s:e] for s, e in hook.scan(after).bodies]
    assert "Next" not in bodies[0] and ("Next, " in bodies[1])
    assert math_in(bodies[1]) == [("c", False)]


def test_typesetting_loaders_are_removed_and_the_copy_script_kept() -> None:
    after = hook.rewrite(page(markdown_cell("<p>x</p>")), ["x"], convert)
    assert "MathJax" not in after and "mermaid" not in after and "<script src" not in after
    assert "mathjax" not in after.lower()
    assert CLIPBOARD in after and STYLE in after


# ----- tiny notebook projects, built for real -----

NOTEBOOK = '''# %% [markdown]
# # Probe
#
# A formula, ${tex}$, a [link](other.md#{anchor}) and a literal \\$3.

# %%
print("$x$ stays")
'''


def _notebook_project(tmp_path: Path, tex: str = "a < b", anchor: str = "there") -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "other.md").write_text("# Other\n\n## There\n", encoding="utf-8")
    (docs / "probe.py").write_text(NOTEBOOK.format(tex=tex, anchor=anchor), encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: probe\nstrict: true\n"
        "validation:\n  unrecognized_links: warn\n  anchors: warn\n"
        f"hooks:\n  - {ROOT / 'hooks' / 'notebook_math.py'}\n  - {ROOT / 'hooks' / 'mathml.py'}\n"
        "plugins:\n  - mkdocs-jupyter:\n      include: ['*.py']\n      execute: false\n"
        "markdown_extensions:\n  - toc:\n      permalink: true\n  - pymdownx.arithmatex:\n      generic: true\n"
        "nav:\n  - other.md\n  - probe.py\n",
        encoding="utf-8",
    )
    return config


def test_notebook_probe_builds_with_math_and_a_checked_link(tmp_path: Path) -> None:
    proc = mkdocs_build(_notebook_project(tmp_path), tmp_path / "site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    built = (tmp_path / "site" / "probe" / "index.html").read_text(encoding="utf-8")
    assert 'class="math math-inline" data-tex="a &lt; b"' in built
    assert 'href="../other/#there"' in built
    assert "a literal $3." in built and "$x$ stays" in built
    assert "MathJax" not in built and '<script src=""' not in built


def test_broken_anchor_in_a_notebook_fails_the_build(tmp_path: Path) -> None:
    proc = mkdocs_build(_notebook_project(tmp_path, anchor="nowhere"), tmp_path / "site")
    assert proc.returncode != 0
    assert "does not contain an anchor '#nowhere'" in proc.stdout + proc.stderr


def test_bad_tex_in_a_notebook_fails_the_build(tmp_path: Path) -> None:
    proc = mkdocs_build(_notebook_project(tmp_path, tex=r"\frac{a"), tmp_path / "site")
    assert proc.returncode != 0
    assert "Temml cannot render" in proc.stdout + proc.stderr


# ----- the real site -----


def test_notebook_hook_runs_before_the_math_hook() -> None:
    hooks = re.findall(r"^\s*-\s*(hooks/\S+\.py)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    assert "hooks/notebook_math.py" in hooks, f"register hooks/notebook_math.py in mkdocs.yml; hooks: {hooks}"
    assert hooks.index("hooks/notebook_math.py") < hooks.index("hooks/mathml.py"), hooks


class _Page(HTMLParser):
    """What the tests look for in a built notebook page."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.toc: list[str] = []
        self.prose: list[str] = []  # text of markdown cells outside formulas and code
        self.outputs: list[str] = []  # text of code cell outputs
        self.output_types: list[str] = []
        self._script: dict[str, str | None] | None = None

    def _inside(self, cls: str) -> bool:
        return any(cls in classes for _, classes in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "script":
            self._script = a
            self.scripts.append((a, ""))
            return
        if tag == "img":
            self.images.append(a)
        if tag == "a" and a.get("href"):
            if "md-nav__link" in (a.get("class") or "") and self._inside("md-nav--secondary"):
                self.toc.append(str(a["href"]))
            elif self._inside("jp-MarkdownCell"):
                self.links.append(str(a["href"]))
        if tag in {"img", "br", "hr", "input", "meta", "link", "source", "path"}:
            return
        classes = set((a.get("class") or "").split())
        if "jp-OutputArea-output" in classes:
            self.output_types.append(str(a.get("data-mime-type")))
        self.stack.append((tag, classes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts[-1] = (self.scripts[-1][0], self.scripts[-1][1] + data)
            return
        if any(tag in {"style"} for tag, _ in self.stack):
            return
        if self._inside("jp-MarkdownCell") and not (
            self._inside("math") or any(tag in {"code", "pre"} for tag, _ in self.stack)
        ):
            self.prose.append(data)
        if self._inside("jp-OutputArea-output"):
            self.outputs.append(data)


def parse(site: BuiltSite, name: str) -> tuple[str, _Page]:
    text = (site.path / "notebooks" / name / "index.html").read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(text)
    parsed.close()
    return text, parsed


CHECK_LINES = {"neuron": [r"L1 passed", r"L2 passed"], "network": [r"X24-X27 passed"]}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_shows_its_executed_outputs(site: BuiltSite, name: str) -> None:
    _, p = parse(site, name)
    plots = [img for img in p.images if (img.get("src") or "").startswith("data:image/png;base64,")]
    assert len(plots) >= 1, "no inline PNG plot"
    assert all((img.get("alt") or "").strip() for img in plots), "a plot has no text alternative"
    # width and height as delivered, so the page keeps the plot's room before it is decoded (no layout shift)
    assert all((img.get("width") or "").isdigit() and (img.get("height") or "").isdigit() for img in plots), (
        "a plot has no width and height attributes"
    )
    out = "".join(p.outputs)
    for pattern in [*CHECK_LINES.get(name, []), r"passed \(max \|difference\| \d"]:
        assert re.search(pattern, out), f"the gradient check's printed result ({pattern}) is missing"
    assert "FAILED" not in out and "Traceback" not in out
    assert "application/vnd.jupyter.stderr" not in p.output_types, "a cell wrote to stderr (a warning?)"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_math_is_rendered_at_build_time(site: BuiltSite, name: str) -> None:
    text, p = parse(site, name)
    prose = "".join(p.prose)
    assert "$" not in prose, "raw $ left in a markdown cell: " + prose[max(0, prose.find("$") - 60) :][:120]
    for raw in ("\\(", "\\[", "\\frac", "\\mathbf"):
        assert raw not in prose, f"raw TeX {raw!r} in a markdown cell"
    assert 'class="arithmatex"' not in text and "merror" not in text
    assert text.count('class="math math-inline"') >= 5
    assert text.count("<math") == text.count('class="math math-')
    assert text.count('class="math math-display"') >= 2


# MathJax, KaTeX or Temml or an auto-render script, Mermaid, RequireJS
TYPESETTERS = re.compile(r"mathjax|katex|temml|auto-render|mermaid|require(\.min)?\.js", re.I)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_loads_no_typesetting_script_and_nothing_external(site: BuiltSite, name: str) -> None:
    _, p = parse(site, name)
    for attrs, body in p.scripts:
        src = attrs.get("src")
        if src is not None:
            assert src.strip(), "a <script> with an empty src (nbconvert's MathJax loader)"
            assert not re.match(r"^(https?:)?//", src), f"a script from another host: {src}"
            assert not TYPESETTERS.search(src), f"a script that typesets in the browser: {src}"
        assert not re.search(r"MathJax|mermaid|renderMathInElement|import\(", body), body[:200]
        assert (attrs.get("type") or "text/javascript") in {"text/javascript", "application/json", "module"}
    for img in p.images:
        assert not re.match(r"^(https?:)?//", img.get("src") or ""), img.get("src")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_links_in_a_notebook_resolve_to_pages_and_anchors(site: BuiltSite, name: str) -> None:
    _, p = parse(site, name)
    assert p.links, "the notebook links to no page"
    here = site.path / "notebooks" / name
    for href in p.links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue
        target = (here / parts.path).resolve() if parts.path else here
        target = target / "index.html" if target.is_dir() else target
        assert target.is_file(), f"{href} points to no built page"
        if parts.fragment:
            ids = _Page()
            ids.feed(target.read_text(encoding="utf-8"))
            assert parts.fragment in ids.ids, f"{href}: no element with id {parts.fragment!r}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_table_of_contents_points_at_the_headings(site: BuiltSite, name: str) -> None:
    _, p = parse(site, name)
    assert p.toc, "the notebook page has no table of contents"
    for href in p.toc:
        assert href.lstrip("#") in p.ids, f"table of contents entry {href} has no heading"


PAGE_BUDGET_KIB = 1200  # JupyterLab's CSS, inlined by mkdocs-jupyter, is about 575 KiB of it


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_page_weight(site: BuiltSite, name: str) -> None:
    text, p = parse(site, name)
    size = len(text.encode("utf-8")) / 1024
    plots = [len(img.get("src") or "") / 1024 for img in p.images]
    assert size < PAGE_BUDGET_KIB, f"notebooks/{name}/ is {size:.0f} KiB; plots (base64) {plots} KiB"
    assert all(kib < 100 for kib in plots), f"a plot is over 100 KiB: {plots}; use a smaller figure or dpi"


# ----- hooks/notebook_prefetch.py: notebooks run side by side, once each -----

TIMED_NOTEBOOK = '''# %% [markdown]
# # {name}

# %%
import time
start = time.time()
time.sleep(1.5)
open({log!r}, "a").write(f"{name} {{start}} {{time.time()}}\\n")
{extra}
print("ran {name}")
'''


def _prefetch_project(tmp_path: Path, fail: bool = False) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    log = tmp_path / "runs.log"
    for name in ("one", "two"):
        extra = 'raise RuntimeError("cell failed on purpose")' if fail and name == "two" else ""
        (docs / f"{name}.py").write_text(TIMED_NOTEBOOK.format(name=name, log=str(log), extra=extra), encoding="utf-8")
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: probe\nstrict: true\n"
        f"hooks:\n  - {ROOT / 'hooks' / 'notebook_prefetch.py'}\n"
        "plugins:\n  - mkdocs-jupyter:\n      include: ['*.py']\n      execute: true\n      allow_errors: false\n"
        f"      cache_dir: {tmp_path / 'cache'}\n"
        "nav:\n  - index.md\n  - one.py\n  - two.py\n",
        encoding="utf-8",
    )
    return config, log


def _runs(log: Path) -> dict[str, tuple[float, float]]:
    runs = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        name, start, end = line.split()
        assert name not in runs, f"{name} ran twice:\n{log.read_text()}"
        runs[name] = (float(start), float(end))
    return runs


@pytest.mark.parametrize("prefetch", ["on", "off"])
def test_notebooks_run_once_each_and_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefetch: str
) -> None:
    monkeypatch.setenv("MCREF_NOTEBOOK_PREFETCH", prefetch)
    config, log = _prefetch_project(tmp_path)
    proc = mkdocs_build(config, tmp_path / "site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = _runs(log)
    assert set(runs) == {"one", "two"}
    overlap = min(runs["one"][1], runs["two"][1]) - max(runs["one"][0], runs["two"][0])
    if prefetch == "on":
        assert overlap > 0.5, f"the notebooks ran one after the other: {runs}"
    else:
        assert overlap < 0, f"without the prefetch the plugin runs them in turn: {runs}"
    for name in ("one", "two"):
        page = (tmp_path / "site" / name / "index.html").read_text(encoding="utf-8")
        assert f"ran {name}" in page


def test_a_notebook_that_fails_in_the_background_fails_the_build(tmp_path: Path) -> None:
    config, _ = _prefetch_project(tmp_path, fail=True)
    proc = mkdocs_build(config, tmp_path / "site")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "two.py: executing the notebook failed" in out and "cell failed on purpose" in out


# ----- hooks/notebook_css.py: JupyterLab's stylesheet cut to what a notebook page can use -----

NOTEBOOK_CSS = _load_hook("notebook_css")


def test_a_rule_is_kept_only_if_its_classes_are_on_the_page() -> None:
    css = ".a{x:1}.b{x:2}.a .b{x:3}.a,.c{x:4}div.a>p{x:5}[data-x] .a{x:6}"
    assert NOTEBOOK_CSS.prune(css, {"a"}) == ".a{x:1}.a{x:4}div.a>p{x:5}[data-x] .a{x:6}"
    assert NOTEBOOK_CSS.prune(css, {"a", "b"}) == ".a{x:1}.b{x:2}.a .b{x:3}.a{x:4}div.a>p{x:5}[data-x] .a{x:6}"


def test_classes_inside_parentheses_do_not_count_and_their_commas_do_not_split() -> None:
    css = ".a:not(.z){x:1}.a:is(.y, .z){x:2}:where(.q) .a{x:3}.z:is(.a){x:4}"
    assert NOTEBOOK_CSS.prune(css, {"a"}) == ".a:not(.z){x:1}.a:is(.y, .z){x:2}:where(.q) .a{x:3}"


def test_grouping_rules_are_cut_inside_and_other_at_rules_are_kept_whole() -> None:
    css = (
        '@charset "UTF-8";@media (max-width: 10px){.a{x:1}.z{x:2}}@media print{.z{x:3}}'
        "@font-face{font-family:F;src:url(f.woff2)}@keyframes k{0%{opacity:0}to{opacity:1}}"
        '@supports (display:grid){.z{x:4}}.a::before{content:"{.z}"}'
    )
    assert NOTEBOOK_CSS.prune(css, {"a"}) == (
        '@charset "UTF-8";@media (max-width: 10px){.a{x:1}}'
        "@font-face{font-family:F;src:url(f.woff2)}@keyframes k{0%{opacity:0}to{opacity:1}}"
        '.a::before{content:"{.z}"}'
    )


def test_unbalanced_braces_fail_loudly() -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        NOTEBOOK_CSS.prune(".a{x:1", {"a"})


def _jupyterlab_css() -> str:
    import mkdocs_jupyter

    return (Path(mkdocs_jupyter.__file__).parent / "templates" / "mkdocs_html" / "assets" / "index.css").read_text(
        "utf-8"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_pages_carry_the_cut_stylesheet(site: BuiltSite, name: str) -> None:
    page = (site.path / "notebooks" / name / "index.html").read_text("utf-8")
    styles = [m.group(2) for m in NOTEBOOK_CSS._STYLE.finditer(page)]
    whole = _jupyterlab_css()
    assert len(whole) > 500_000 and whole.strip() not in [s.strip() for s in styles]
    cut = max(styles, key=len)
    assert ".jupyter-wrapper{" in cut and 50_000 < len(cut) < 0.3 * len(whole), len(cut)
    assert len(page) < 400_000, len(page)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_cut_stylesheet_draws_the_page_like_the_whole_one(
    site: BuiltSite, browser: Any, base_url: str, tmp_path: Path, name: str
) -> None:
    """The same pixels, in both colour schemes, at desktop and phone width, with the cut
    stylesheet (as built) and with JupyterLab's whole one put back in its place."""
    page = site.path / "notebooks" / name / "index.html"
    built = page.read_text("utf-8")
    cut = max((m for m in NOTEBOOK_CSS._STYLE.finditer(built)), key=lambda m: len(m.group(2)))
    whole_page = built[: cut.start(2)] + "\n" + _jupyterlab_css() + built[cut.end(2) :]
    for scheme in ("light", "dark"):
        for width, shots in _cut_and_whole(browser, base_url, name, whole_page, scheme, site.path).items():
            if shots[0] != shots[1]:
                for label, shot in zip(("cut", "whole"), shots, strict=True):
                    (tmp_path / f"{name}-{scheme}-{width}-{label}.png").write_bytes(shot)
                pytest.fail(f"{name} ({scheme}, {width} px) differs with the cut stylesheet; see {tmp_path}")


def _cut_and_whole(
    browser: Any, base_url: str, name: str, whole_page: str, scheme: str, site: Path
) -> dict[int, list[bytes]]:
    """Full-page screenshots of a notebook page as built and with the whole stylesheet, at 1280 px,
    then narrowed to 375 px (as tests/page_visits.py narrows a page: the same layout as a load at
    that width, for half the loads). The second page is answered from memory at an address next to
    the first, so its relative links reach the same files, and the built site, which other tests
    read at the same time, is never written to."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    without_search_documents(ctx)
    # The math font is optional on screens (hooks/mathml.py): a page drawn before it came keeps the
    # fallback, and the two pages could differ by that alone. Here both wait for it.
    display = mathml_hook.FONT_DISPLAY.encode()
    math_css = (site / "assets" / "math" / "math.css").read_bytes()
    assert display in math_css
    ctx.route(
        base_url + "assets/math/math.css",
        lambda route: route.fulfill(
            status=200, content_type="text/css", body=math_css.replace(display, b"font-display: block;")
        ),
    )
    ctx.route(
        base_url + f"notebooks/{name}/whole-css.html",
        lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=whole_page),
    )
    try:
        shots: dict[int, list[bytes]] = {1280: [], 375: []}
        for url in (f"notebooks/{name}/", f"notebooks/{name}/whole-css.html"):
            tab = ctx.new_page()  # one at a time: a tab behind another gets no animation frames
            # every stylesheet and inline plot is in by "load"; then the fonts, and every part
            # drawn, so both pages are shot in the same settled state
            tab.goto(base_url + url, wait_until="load")
            settle(tab)
            for width, taken in shots.items():
                tab.set_viewport_size({"width": width, "height": 900})
                tab.evaluate(TWO_FRAMES)
                # The header's search box is masked: its placeholder is drawn a pixel differently
                # now and then whatever the stylesheet (1 page load in 2 to 5 on a busy machine,
                # waiting for network silence or not), and no JupyterLab rule reaches it.
                taken.append(
                    tab.screenshot(
                        full_page=True, animations="disabled", caret="hide", mask=[tab.locator(".md-search__form")]
                    )
                )
            tab.close()
        return shots
    finally:
        ctx.close()
