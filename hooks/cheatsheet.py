"""MkDocs hook: the cheat sheet, generated from the rule registry, and its A4 PDF.

A page places the cheat sheet with a line of its own:

    {{ cheatsheet }}

and this hook replaces it with one compact table per section of the paper (§2
to §6, in order), then the extensions grouped by the page they are on. Each row
is one registered rule: its ID, linking to the rule's block on the page whose
`{{ rule ID }}` marker places it (found by scanning the pages, never listed by
hand), its statement in numerator layout, the shape of the result and, when the
rule has one, its backprop form. The formulas are written as `$...$`, so
`hooks/mathml.py` renders them like every other formula. The cheat sheet links
to the rule anchors and never creates one.

As soon as the cheat sheet page is written, the hook starts printing it to
`mcref-cheatsheet.pdf` next to it with `scripts/cheatsheet_pdf.py` (headless
Chromium), in a thread, while MkDocs writes the other pages; the build waits for
it at the end. The PDF's links go to `site_url` (relative to the PDF when the
site has none), never to the local address the page was printed from. Where that cannot work,
the page says so instead of linking to a file that is not there:

- no Chromium or no playwright: an INFO line, and the page says how to get the
  PDF; under `CI=true` (CI and the GitHub Pages deployment) the build fails
  instead, so a deployed site always has its PDF;
- `MCREF_CHEATSHEET_PDF=off`: no PDF, on purpose (a machine whose Chromium is
  broken);
- Chromium found but printing fails: the build fails;
- more than `MAX_PAGES` A4 pages (scripts/cheatsheet_pdf.py): a warning, which `--strict` turns into a failure.

A rule that no page places, an unknown section, or the marker on two pages
fails the build.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import posixpath
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

import mcref
from mcref.core import registry
from mcref.core.registry import Rule, shape_tex

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^\{\{ cheatsheet \}\}[ \t]*$", re.M)
# the same marker hooks/rules.py expands
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

log = get_plugin_logger("cheatsheet")

# The paper's sections, in its order: (label, heading, does a rule's first section belong here).
PAPER_GROUPS: tuple[tuple[str, str, Any], ...] = (
    ("§2", "Scalar derivative rules", lambda s: s == "2"),
    ("§3–4.1", "Gradients and Jacobians", lambda s: s in {"3", "4", "4.1"}),
    ("§4.2", "Element-wise binary operators", lambda s: s == "4.2"),
    ("§4.3", "Scalar expansion", lambda s: s == "4.3"),
    ("§4.4", "Vector sum reduction", lambda s: s == "4.4"),
    ("§4.5", "Chain rules", lambda s: s == "4.5" or s.startswith("4.5.")),
    ("§5", "The neuron", lambda s: s == "5" or s.startswith("5.")),
    ("§6", "The loss", lambda s: s == "6" or s.startswith("6.")),
)


PDF_SCRIPT = ROOT / "scripts" / "cheatsheet_pdf.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mcref_cheatsheet_pdf", PDF_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


pdf_script = _load_script()

_state: dict[str, Any] = {}


# ----- the tables -----


def table_tex(tex: str) -> str:
    """A formula as `$...$` that is safe inside a markdown table row.

    The table syntax splits cells at `|` before any math is seen, so the bars of
    norms and evaluation signs are written as `\\Vert` and `\\vert`, which Temml
    draws the same.
    """
    tex = " ".join(tex.split())
    tex = tex.replace(r"\|", r"\Vert ").replace("|", r"\vert ")
    if "$" in tex:
        raise PluginError(f"a formula for the cheat sheet contains '$': {tex!r}")
    return f"${tex}$"


def table_text(text: str) -> str:
    """Plain text for a table cell: markdown and HTML specials escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) for p in section.split("."))


def rule_pages(files: Files) -> dict[str, str]:
    """Each rule's page (its `src_uri`): where a `{{ rule ID }}` line places it, else its module's page."""
    return registry.rule_pages({f.src_uri: f.content_string for f in files.documentation_pages()})


def page_title(files: Files, src_uri: str) -> str:
    """The first `# ` heading of a page's markdown, or its file name."""
    f = files.get_file_from_path(src_uri)
    if f is not None:
        heading = re.search(r"^# (.+?)\s*$", f.content_string, re.M)
        if heading:
            return heading.group(1)
    return posixpath.splitext(posixpath.basename(src_uri))[0]


def groups(rules: tuple[Rule, ...], pages: dict[str, str], files: Files) -> list[tuple[str, list[Rule]]]:
    """(heading, rules) for each section of the paper in order, then for each page of the Cookbook's
    rules in the order of the book's equations, then for each extension page."""
    paper: list[list[Rule]] = [[] for _ in PAPER_GROUPS]
    extension: dict[str, list[Rule]] = {}
    cookbook: dict[str, list[Rule]] = {}
    for r in rules:
        if r.origin != "paper":
            (cookbook if r.origin == "cookbook" else extension).setdefault(pages[r.id], []).append(r)
            continue
        first = r.section.split(",")[0].strip()
        for i, (_, _, belongs) in enumerate(PAPER_GROUPS):
            if belongs(first):
                paper[i].append(r)
                break
        else:
            raise PluginError(f"cheat sheet: rule {r.id} has section {r.section!r}, which no cheat sheet group covers")
    out: list[tuple[str, list[Rule]]] = []
    for (label, heading, _), members in zip(PAPER_GROUPS, paper, strict=True):
        if members:
            # the general rules first, then the paper's worked examples (G1, C1, ...), each in paper order
            members.sort(key=lambda r: (not r.id.startswith("R"), _section_key(r.section.split(",")[0]), r.number))
            out.append((f"{label} · {heading}", members))
    for src, members in sorted(cookbook.items(), key=lambda kv: min(r.number for r in kv[1])):
        members.sort(key=lambda r: (r.number, r.form))
        out.append((f"Matrix Cookbook · {page_title(files, src)}", members))
    for src, members in sorted(extension.items(), key=lambda kv: min(r.number for r in kv[1])):
        members.sort(key=lambda r: r.number)
        out.append((f"Beyond the paper · {page_title(files, src)}", members))
    return out


def section_id(heading: str) -> str:
    """A heading's anchor: `sec-4-2` for §4.2, `ext-losses` for an extension page, `mc-traces` for a
    page of the Cookbook's rules; never a rule ID."""
    label, _, name = heading.partition(" · ")
    words = label if label.startswith("§") else ("mc " if label == "Matrix Cookbook" else "ext ") + name
    slug = "-".join(re.findall(r"[a-z0-9]+", words.lower()))
    return ("sec-" + slug) if label.startswith("§") else slug


def row(r: Rule, href: str) -> str:
    title = r.title[:1].upper() + r.title[1:]
    vjp = table_tex(r.vjp_latex) if r.vjp_latex else "–"
    return (
        f"| [{r.id}]({href}) <span class=\"mcref-cs-title\">{table_text(title)}</span> "
        f"| {table_tex(r.latex)} | {table_tex(shape_tex(r.shape))} | {vjp} |"
    )


def pdf_line(planned: bool) -> str:
    if planned:
        return (
            '<p class="mcref-cs-pdf"><a href="' + pdf_script.PDF_NAME + '" download>Download as PDF (A4)</a>, '
            "or print this page: the print stylesheet lays it out the same way.</p>"
        )
    return (
        '<p class="mcref-cs-pdf">This build of the site has no PDF copy of the cheat sheet: the PDF is '
        "printed by headless Chromium when the site is built, and this build went without. Print this "
        "page instead: the print stylesheet lays it out on the same A4 pages.</p>"
    )


def cheatsheet_markdown(page: Page, files: Files, planned: bool) -> str:
    rules = mcref.all_rules()
    pages = rule_pages(files)
    missing = [r.id for r in rules if r.id not in pages]
    if missing:
        raise PluginError(
            f"cheat sheet: no page places rule(s) {', '.join(missing)}: no page has a {{{{ rule ID }}}} line for "
            "them or for any other rule of their module"
        )
    here = posixpath.dirname(page.file.src_uri)
    sections = [(heading, section_id(heading), members) for heading, members in groups(rules, pages, files)]
    paper = [f"[{h.replace(' · ', ' ')}](#{a})" for h, a, _ in sections if h.startswith("§")]
    book = [f"[{h.split(' · ', 1)[1]}](#{a})" for h, a, _ in sections if h.startswith("Matrix Cookbook")]
    beyond = [f"[{h.split(' · ', 1)[1]}](#{a})" for h, a, _ in sections if h.startswith("Beyond")]
    jump = "The paper: " + " · ".join(paper) + "."
    if book:
        jump += " The Matrix Cookbook: " + " · ".join(book) + "."
    jump += " Beyond the paper: " + " · ".join(beyond) + "."
    parts = ['<div class="mcref-cheatsheet" markdown>', "", pdf_line(planned), ""]
    parts += [f'<p class="mcref-cs-jump" markdown="span">{jump}</p>', ""]
    part = ""
    for heading, anchor, members in sections:
        # the Cookbook and the extensions each start a new printed page: the paper's part stays on
        # the first pages, as it was before the book was added
        starts = heading.split(" · ")[0] if not heading.startswith("§") else "§"
        first = " .mcref-cs-part" if starts != part and part else ""
        part = starts
        parts += [
            f"## {heading} {{ #{anchor}{first} }}",
            "",
            r"| Rule | Statement (numerator layout) | Shape | Backprop $\mathbf{v}^T J$ |",
            "|---|---|---|---|",
        ]
        for r in members:
            href = posixpath.relpath(pages[r.id], here or ".") + "#" + r.id
            parts.append(row(r, href))
        parts.append("")
    parts += ["</div>", ""]
    return "\n".join(parts)


# ----- the build -----


def pdf_plan() -> tuple[bool, str]:
    """Whether this build will print the PDF, and why not when it will not."""
    if os.environ.get("MCREF_CHEATSHEET_PDF", "").lower() in {"0", "off", "no", "false"}:
        return False, "MCREF_CHEATSHEET_PDF=off"
    reason = pdf_script.unavailable_reason()
    if reason is None:
        return True, ""
    if IN_CI:
        raise PluginError(
            f"cheat sheet PDF: {reason}. Under CI=true the PDF is required, so that no deployed site "
            "links to a missing file; set MCREF_CHEATSHEET_PDF=off to build without it on purpose."
        )
    return False, reason


def on_pre_build(config: MkDocsConfig, **kwargs: Any) -> None:
    planned, reason = pdf_plan()
    _state.clear()
    _state.update(planned=planned, reason=reason, page=None)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any) -> str:
    if not MARKER.search(markdown):
        return markdown
    if _state.get("page") not in (None, page.file.src_uri):
        raise PluginError(f"{page.file.src_uri}: the cheat sheet is already placed on {_state['page']}")
    _state["page"] = page.file.src_uri
    _state["url"] = page.url
    _state["dest"] = page.file.dest_uri
    table = cheatsheet_markdown(page, files, _state.get("planned", False))
    return MARKER.sub(lambda _: table, markdown, count=1)


def _cache_path(site: Path, dest: str, site_url: str | None) -> Path:
    """Where the PDF of this exact cheat sheet is kept between builds.

    The key covers everything the printout depends on: the page's HTML, every stylesheet and
    font of the site, the printing script, and site_url (where the PDF's links go). Printing
    takes seconds; a rebuild that leaves the cheat sheet unchanged reuses the file.
    """
    digest = hashlib.sha256((site_url or "").encode() + b"\0")
    inputs = [site / dest, PDF_SCRIPT]
    inputs += sorted(site.glob("assets/**/*.css")) + sorted(site.glob("assets/**/*.woff2"))
    for path in inputs:
        digest.update(path.read_bytes())
    return ROOT / ".cache" / "cheatsheet-pdf" / f"{digest.hexdigest()[:20]}.pdf"


@event_priority(-100)  # last, so that the HTML written here is the page's final HTML
def on_post_page(output: str, page: Page, config: MkDocsConfig, **kwargs: Any) -> str:
    """Write the cheat sheet page now (MkDocs writes the same again later) and start its PDF.

    Every stylesheet, font and script the page needs is in the site by now: MkDocs copies
    the static files before it writes any page, and hooks/mathml.py writes the math stylesheet and font at on_env.
    """
    if page.file.src_uri != _state.get("page") or not _state.get("planned"):
        return output
    site = Path(config.site_dir)
    written = site / _state["dest"]
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(output, encoding="utf-8")
    out = written.parent / pdf_script.PDF_NAME
    cached = _cache_path(site, _state["dest"], config.site_url)
    if cached.is_file():
        shutil.copy2(cached, out)
        _state["pdf"] = ("cached", cached)
        return output
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cheatsheet-pdf")
    job = pool.submit(pdf_script.make_pdf, site, _state["url"], out, config.site_url)
    _state["pdf"] = ("printing", job, out, cached)
    pool.shutdown(wait=False)
    return output


def on_post_build(config: MkDocsConfig, **kwargs: Any) -> None:
    if _state.get("page") is None:
        return
    if not _state["planned"]:
        log.info(f"no PDF of the cheat sheet in this build: {_state['reason']}")
        return
    job = _state.pop("pdf", None)
    if job is None:
        raise PluginError("cheat sheet PDF: the cheat sheet page was never written, so it was not printed")
    if job[0] == "cached":
        log.info(f"reused the cheat sheet PDF printed for an identical page ({job[1].name})")
        return
    _, future, out, cached = job
    try:
        result = future.result()
    except Exception as exc:  # a browser that is there but fails is a real error
        raise PluginError(f"cheat sheet PDF: {exc}") from exc
    if result.pages <= pdf_script.MAX_PAGES:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out, cached)
    log.info(
        f"wrote {out.relative_to(config.site_dir)}: {result.pages} A4 page(s), "
        f"{result.size / 1024:.0f} KiB, in {result.seconds:.1f} s (while the other pages were written)"
    )
    if result.pages > pdf_script.MAX_PAGES:
        log.warning(
            f"the cheat sheet prints on {result.pages} A4 pages, more than {pdf_script.MAX_PAGES}: "
            "tighten docs/assets/cheatsheet.css"
        )


def on_build_error(**kwargs: Any) -> None:
    job = _state.pop("pdf", None)
    if job is not None and job[0] == "printing":
        job[1].cancel()


__all__ = ["cheatsheet_markdown", "groups", "rule_pages", "shape_tex", "table_tex"]
