"""MkDocs hook: render every formula to HTML with KaTeX when the site is built.

Authors write `$...$` and `$$...$$`; `pymdownx.arithmatex` (generic mode) wraps
them as `\\(...\\)` and `\\[...\\]` in `arithmatex` elements, and this hook
replaces each one by KaTeX's HTML (plus hidden MathML for screen readers).
The reader's browser runs no JavaScript for math and fetches nothing but the
site's own CSS and fonts, which this hook copies from the pinned npm package
into `assets/katex/`.

One `node` process renders every page of a build: it reads a JSON list of
formulas per line and answers with a JSON list. A formula KaTeX cannot parse
fails the build, naming the page and the formula.
"""

from __future__ import annotations

import atexit
import functools
import html
import json
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
KATEX_DIST = ROOT / "node_modules" / "katex" / "dist"
ASSET_DIR = "assets/katex"

# arithmatex generic output, before any other hook touches it
_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)
_SLOT = re.compile("\x00katex(\\d+)\x00")

# Read formulas as JSON lines, answer with rendered HTML or the parse error.
_RENDERER = r"""
const katex = require("katex");
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const answers = JSON.parse(line).map(([tex, display]) => {
    try {
      return { html: katex.renderToString(tex, {
        displayMode: display, throwOnError: true, strict: "error", output: "htmlAndMathml", trust: false,
      }) };
    } catch (err) {
      return { error: String(err.message || err) };
    }
  });
  process.stdout.write(JSON.stringify(answers) + "\n");
});
"""

_node: subprocess.Popen[str] | None = None


def _renderer() -> subprocess.Popen[str]:
    global _node
    if _node is None or _node.poll() is not None:
        if not (KATEX_DIST / "katex.min.css").exists():
            raise PluginError(
                f"KaTeX is not installed in {ROOT / 'node_modules'}; run `npm ci` in {ROOT} "
                "(the README's commands do it for you)"
            )
        node = shutil.which("node")
        if node is None:
            raise PluginError("`node` is not on PATH; the site renders math with KaTeX at build time and needs Node.js")
        _node = subprocess.Popen(
            [node, "-e", _RENDERER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            encoding="utf-8",
        )
        atexit.register(_node.kill)
    return _node


def render(formulas: list[tuple[str, bool]]) -> list[dict[str, str]]:
    """Render (tex, display) pairs; each answer has `html` or `error`."""
    proc = _renderer()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(formulas) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise PluginError("the KaTeX renderer (node) exited unexpectedly")
    answers: list[dict[str, str]] = json.loads(line)
    return answers


COPY_TEX = "copy-tex.min.js"


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    css = f"{ASSET_DIR}/katex.css"
    if css not in config.extra_css:
        config.extra_css.insert(0, css)
    # KaTeX's copy-tex: copying a selection that contains formulas copies their LaTeX source.
    # 1.6 KiB; it typesets nothing.
    script = f"{ASSET_DIR}/{COPY_TEX}"
    if script not in [str(s) for s in config.extra_javascript]:
        config.extra_javascript.append(script)
    return config


def on_page_content(html_text: str, page: Page, **kwargs: Any) -> str:
    formulas: list[tuple[str, bool]] = []

    def keep(display: bool):  # type: ignore[no-untyped-def]
        def slot(match: re.Match[str]) -> str:
            formulas.append((html.unescape(match.group(1)).strip(), display))
            return f"\x00katex{len(formulas) - 1}\x00"

        return slot

    html_text = _INLINE.sub(keep(False), _DISPLAY.sub(keep(True), html_text))
    if not formulas:
        return html_text
    answers = render(formulas)
    errors = [f"  {tex!r}: {a['error']}" for (tex, _), a in zip(formulas, answers) if "error" in a]
    if errors:
        raise PluginError(f"{page.file.src_uri}: KaTeX cannot render {len(errors)} formula(s):\n" + "\n".join(errors))

    def fill(match: re.Match[str]) -> str:
        i = int(match.group(1))
        tex, display = formulas[i]
        rendered = answers[i]["html"]
        # keep the source on the element, for copy-as-LaTeX and for tests
        attr = html.escape(tex, quote=True)
        # the closing comment marks the formula's end for on_page_context (see below)
        if display:
            # focusable as delivered: a display formula may scroll sideways (docs/assets/a11y.js
            # keeps tabindex only on the ones that do, once the page is idle)
            return f'<div class="math math-display" data-tex="{attr}" tabindex="0">{rendered}</div><!--/mcref-math-->'
        return f'<span class="math math-inline" data-tex="{attr}">{rendered}</span><!--/mcref-math-->'

    return _SLOT.sub(fill, html_text)


def katex_css() -> str:
    """KaTeX's stylesheet, reduced to the woff2 fonts every current browser uses."""
    css = (KATEX_DIST / "katex.min.css").read_text(encoding="utf-8")
    # src:url(fonts/X.woff2) format("woff2"),url(fonts/X.woff) format("woff"),url(fonts/X.ttf) format("truetype")
    css = re.sub(r',url\(fonts/[^)]+\.woff\) format\("woff"\)', "", css)
    css = re.sub(r',url\(fonts/[^)]+\.ttf\) format\("truetype"\)', "", css)
    if ".woff)" in css or ".ttf)" in css:
        raise PluginError("KaTeX's CSS changed shape: could not reduce it to woff2 fonts")
    return css


def on_env(env: Any, config: MkDocsConfig, **kwargs: Any) -> Any:
    """Write KaTeX's CSS, fonts and copy-tex into the site before any page is written, so a
    page can be opened in a browser during the build (the cheat sheet's PDF is printed then)."""
    target = Path(config.site_dir) / ASSET_DIR
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    (target / "katex.css").write_text(katex_css(), encoding="utf-8")
    for font in (KATEX_DIST / "fonts").glob("*.woff2"):
        shutil.copy2(font, target / "fonts" / font.name)
    shutil.copy2(KATEX_DIST / "contrib" / COPY_TEX, target / COPY_TEX)
    return env


# Site search parses every page's HTML in Python, and would index each formula three times:
# KaTeX's glyphs, its MathML, and the TeX annotation. Before the search plugin reads a page,
# each rendered formula is swapped for its text on one line (see `linear`, e.g.
# "∂(w ⊗ x)/∂w = diag(x)") between two comments; on_post_page puts the formulas back. The index
# then shows each formula once, as text, and the search plugin parses a fraction of the markup.
_FORMULA = re.compile(r'<(span|div) class="math math-(?:inline|display)".*?<!--/mcref-math-->', re.S)
_STASHED = re.compile(r"<!--mcref-math (\d+)-->.*?<!--/mcref-math-->", re.S)
_MATHML = re.compile(r"<math\b.*?</math>", re.S)
_formulas: dict[str, list[str]] = {}

# Scripts that Unicode has as characters, up to three of them: x², xᵢ, Wᵀ, x⁻¹; other scripts are
# written x^(n × m), e^(cos x).
_SUPERSCRIPT = {
    **dict(zip("0123456789+−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾")),
    **dict(zip("abcdefghijklmoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")),
    "n": "ⁿ", "T": "ᵀ", "⊤": "ᵀ", "′": "′", "″": "″", "∗": "*", "*": "*",
}
_SUBSCRIPT = {
    **dict(zip("0123456789+−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")),
    **dict(zip("aehijklmnoprstuvx", "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")),
}
# accents over a letter, as combining characters: ŵ, x⃗, x̄
_ACCENT = {"^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "ˉ": "\u0304", "¯": "\u0304",
           "‾": "\u0305", "˙": "\u0307", "¨": "\u0308", "\u20d7": "\u20d7", "→": "\u20d7"}
_DOUBLE_STRUCK = dict(zip("RNZQC1", "ℝℕℤℚℂ𝟙"))
# operators written with a space on each side when they stand between two operands
_SPACED = set("=≠≈≡≤≥<>→↦∈∉⊂⊆+−±∓⊗⊘⊙⊕×⋅·∘○⇒⇔")
_BIG_OPERATORS = set("∑∏∫∮⋃⋂⨁⨂")
_BRACES = set("⏟⏞⎵⎴")


def _bracketed(text: str) -> str:
    """`text` in parentheses if it has a space or comma outside any brackets (a/b stays a/b)."""
    depth = 0
    for ch in text:
        depth += ch in "([{⟨"
        depth -= ch in ")]}⟩"
        if depth == 0 and ch in " ,;":
            return f"({text})"
    return text


def _script(base: str, script: str, table: dict[str, str], mark: str) -> str:
    script = " ".join(script.split())
    short = script.replace(" ", "")
    if short and len(short) <= 3 and all(ch in table for ch in short):
        return base + "".join(table[ch] for ch in short)
    return f"{base}{mark}{script if len(script) == 1 else '(' + script + ')'}"


def _linear(node: ET.Element) -> str:
    tag = node.tag.rpartition("}")[2]
    kids = list(node)
    text = (node.text or "").strip()
    if tag in ("annotation", "annotation-xml", "mphantom"):
        return ""
    if tag == "semantics":
        return _linear(kids[0]) if kids else ""
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        if tag == "mtext":
            return node.text or ""
        if node.get("mathvariant") == "double-struck":
            text = "".join(_DOUBLE_STRUCK.get(ch, ch) for ch in text)
        return "".join(ch for ch in text if ch not in "\u2061\u2062\u2063\u2064")
    if tag == "mspace":
        width = node.get("width", "")
        return " " if width.endswith("em") and float(width[:-2] or 0) >= 0.5 else ""
    if tag == "mfrac":
        num, den = (_linear(k).strip() for k in kids)
        return f"{_bracketed(num)}/{_bracketed(den)}"
    if tag == "msqrt":
        inner = _row(kids).strip()
        return "√" + (inner if len(inner) == 1 else f"({inner})")
    if tag == "mroot":
        return _script("", _linear(kids[1]), _SUPERSCRIPT, "^") + "√(" + _linear(kids[0]).strip() + ")"
    if tag == "msup":
        return _script(_linear(kids[0]), _linear(kids[1]), _SUPERSCRIPT, "^")
    if tag == "msub":
        return _script(_linear(kids[0]), _linear(kids[1]), _SUBSCRIPT, "_")
    if tag == "msubsup":
        return _script(_script(_linear(kids[0]), _linear(kids[1]), _SUBSCRIPT, "_"), _linear(kids[2]), _SUPERSCRIPT, "^")
    if tag == "mover" and node.get("accent") == "true" and _linear(kids[1]) in _ACCENT:
        return _linear(kids[0]) + _ACCENT[_linear(kids[1])]
    if tag in ("munder", "mover", "munderover"):
        base, *scripts = (_linear(k).strip() for k in kids)
        if _braced(kids[0]) and len(base) > 1:  # \underbrace{...}_{label}: the label is the whole's
            base = f"({base})"
        under = scripts[0] if tag != "mover" else ""
        over = scripts[-1] if tag != "munder" else ""
        if under and under not in _BRACES:
            base = _script(base, under, _SUBSCRIPT, "_")
        if over and over not in _BRACES and over not in _ACCENT:
            base = _script(base, over, _SUPERSCRIPT, "^")
        return base
    if tag == "mtable":
        return "; ".join(", ".join(_linear(cell).strip() for cell in row) for row in kids)
    return _row(kids)


def _braced(node: ET.Element) -> bool:
    """\\underbrace{...} or \\overbrace{...}"""
    return node.tag.rpartition("}")[2] in ("munder", "mover") and len(node) == 2 and node[1].text in _BRACES


def _wide(node: ET.Element) -> bool:
    """A fraction, a big operator such as ∑ᵢ, or a labelled brace: set off by a space from its
    neighbours."""
    tag = node.tag.rpartition("}")[2]
    if tag == "mfrac" or (len(node) and _braced(node[0])):
        return True
    if tag in ("munderover", "munder", "mover", "msubsup", "msub", "msup") and len(node):
        return _linear(node[0]).strip() in _BIG_OPERATORS
    return tag == "mo" and (node.text or "").strip() in _BIG_OPERATORS


def _flat(kids: list[ET.Element]) -> Iterator[ET.Element]:
    """The children, with plain groups (mrow, mstyle) opened up: `\\tfrac{1}{N} \\textstyle\\sum_i` is one row."""
    for kid in kids:
        if kid.tag.rpartition("}")[2] in ("mrow", "mstyle", "mpadded"):
            yield from _flat(list(kid))
        else:
            yield kid


def _row(kids: list[ET.Element]) -> str:
    """Children side by side; an operator between two operands gets a space on each side, and
    so does a fraction or a big operator next to an operand (1/N ∑ᵢ xᵢ, not 1/N∑ᵢxᵢ), and a
    function name before its argument (sin x)."""
    out = ""
    after_operand = previous_wide = applied = False
    for kid in _flat(kids):
        part = _linear(kid)
        tag = kid.tag.rpartition("}")[2]
        if tag == "mo" and part in _SPACED:
            out += f" {part} " if after_operand else part
            after_operand = previous_wide = False
            continue
        if tag == "mo" and part in (",", ";"):
            out += part + " "
            after_operand = previous_wide = False
            continue
        if tag == "mo" and kid.text == "\u2061":  # function application: sin x, diag(x)
            applied = True
            continue
        if not part.strip():
            out += part
            continue
        wide = _wide(kid)
        # a function's name: 2x cos x, not 2xcos x; maxᵢ xᵢ and vecᵣ(X) (a name with a script)
        scripted_name = tag in ("msub", "munder", "msup", "msubsup", "munderover") and len(kid[0]) > 0 and (
            kid[0][-1].text == "\u2061")
        named = scripted_name or (tag == "mi" and len(part) > 1 and part.isalpha())
        if (after_operand and (wide or previous_wide or named) and part[0] not in ")]}⟩′" and out[-1:] != "∂") or (
            applied and part[0] != "("
        ):
            out += " "
        out += part
        after_operand = part not in ("(", "[", "{", "⟨", "/")
        previous_wide, applied = wide, scripted_name
    return out


def linear(mathml: str) -> str:
    """A formula's MathML as text on one line, the way one types math in an email."""
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError as err:
        raise PluginError(f"KaTeX's MathML does not parse as XML ({err}): {mathml[:200]}") from err
    text = unicodedata.normalize("NFC", " ".join(_linear(root).split()))  # ŷ as one character
    return re.sub(r"\( ", "(", re.sub(r" ([),;])", r"\1", text))


def readable(formula_html: str) -> str:
    """The text of a formula for search, from its MathML (no TeX, no glyph soup)."""
    mathml = _MATHML.search(formula_html)
    return html.escape(linear(mathml.group(0)) if mathml else "", quote=False)


@event_priority(100)  # before the search plugin reads page.content
def on_page_context(context: Any, page: Page, **kwargs: Any) -> Any:
    if page.content and "<!--/mcref-math-->" in page.content:
        stash: list[str] = []

        def swap(match: re.Match[str]) -> str:
            stash.append(match.group(0))
            return f"<!--mcref-math {len(stash) - 1}-->{readable(match.group(0))}<!--/mcref-math-->"

        page.content = _FORMULA.sub(swap, page.content)
        _formulas[page.file.src_uri] = stash
    return context


def _restore_formulas(output: str, page: Page) -> str:
    stash = _formulas.pop(page.file.src_uri, None)
    if stash is None:
        return output
    restored, count = _STASHED.subn(lambda m: stash[int(m.group(1))], output)
    if count != len(stash):
        raise PluginError(f"{page.file.src_uri}: {len(stash)} formulas set aside for search, {count} put back")
    page.content = _STASHED.sub(lambda m: stash[int(m.group(1))], page.content or "")
    return restored


# The fonts nearly every formula uses; preloading them lets the browser fetch them while it
# parses the page instead of after the first layout.
PRELOAD = ("KaTeX_Main-Regular.woff2", "KaTeX_Math-Italic.woff2")
# The formulas a reader sees before scrolling. The fonts these use beyond PRELOAD (bold, the
# large sums and delimiters) are preloaded too: KaTeX's fonts are font-display: block, so text
# set in a font that arrives late is laid out with a fallback's metrics first and then moves.
FIRST_SCREEN = 12
_KATEX_HTML = re.compile(r'<span class="katex-html".*?<!--/mcref-math-->', re.S)
_CLASSES = re.compile(r'class="([^"]*)"')
# `.katex .mathbf{font-family:KaTeX_Main;font-weight:700}`, `.katex .op-symbol.large-op{...}`
_FONT_RULE = re.compile(r"\.katex ((?:\.[a-z0-9-]+)+)\{font-family:KaTeX_(\w+)((?:;[^;}]*)*)\}")


@functools.cache
def fonts_by_class() -> tuple[tuple[frozenset[str], str], ...]:
    """KaTeX's own stylesheet, read as: an element with these classes is set in this font file."""
    rules = []
    available = {font.name for font in (KATEX_DIST / "fonts").glob("*.woff2")}
    for match in _FONT_RULE.finditer(katex_css()):
        classes = frozenset(match.group(1).strip(".").split("."))
        bold, italic = "font-weight:700" in match.group(3), "font-style:italic" in match.group(3)
        face = ("Bold" if bold else "") + ("Italic" if italic else "") or "Regular"
        font = f"KaTeX_{match.group(2)}-{face}.woff2"
        if font in available:
            rules.append((classes, font))
    if not rules:
        raise PluginError("KaTeX's CSS changed shape: no class sets a font")
    return tuple(rules)


def first_screen_fonts(output: str) -> list[str]:
    """PRELOAD, then each other font that the page's first FIRST_SCREEN formulas are set in."""
    fonts = list(PRELOAD)
    for n, block in enumerate(_KATEX_HTML.finditer(output)):
        if n == FIRST_SCREEN:
            break
        for attr in _CLASSES.findall(block.group(0)):
            classes = set(attr.split())
            for needs, font in fonts_by_class():
                if needs <= classes and font not in fonts:
                    fonts.append(font)
    return fonts


@event_priority(100)  # put the formulas back before any other hook reads the page
def on_post_page(output: str, page: Page, config: MkDocsConfig, **kwargs: Any) -> str:
    output = _restore_formulas(output, page)
    if 'class="katex"' not in output:
        return output
    depth = page.url.count("/") if config.use_directory_urls else page.file.dest_uri.count("/")
    prefix = "../" * depth
    links = "".join(
        f'<link rel="preload" href="{prefix}{ASSET_DIR}/fonts/{font}" as="font" type="font/woff2" crossorigin>'
        for font in first_screen_fonts(output)
    )
    return output.replace("</title>", "</title>" + links, 1)


def on_shutdown(**kwargs: Any) -> None:
    global _node
    if _node is not None:
        _node.kill()
        _node.wait()
        _node = None
