"""MkDocs hook: write every formula as MathML with Temml when the site is built.

Authors write `$...$` and `$$...$$`; `pymdownx.arithmatex` (generic mode) wraps
them as `\\(...\\)` and `\\[...\\]` in `arithmatex` elements, and this hook
replaces each one by Temml's MathML. The browser draws MathML itself (MathML Core:
Chromium 109+, Firefox, Safari), and the same markup is what assistive technology
reads: one copy of each formula, no hidden second one. The reader's browser runs
no JavaScript for math and fetches nothing but the site's own CSS and one math font.

The font is Latin Modern Math (vendor/latinmodern-math/, GUST Font License), cut at
build time to the characters the site's formulas use and renamed "mcref Math" (the
license asks that a changed font carry a new name): about 65 KiB for the whole site,
fetched once and preloaded on every page with math. On screens it is optional
(`font-display: optional`, see `math_css`): a page drawn before it arrives keeps the
fallback math font instead of moving when it comes. Temml's stylesheet comes from
the pinned npm package.

One `node` process renders every page of a build: it reads a JSON list of formulas
per line and answers with a JSON list. A formula Temml cannot parse fails the build,
naming the page and the formula.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import html
import io
import json
import os
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
TEMML_DIST = ROOT / "node_modules" / "temml" / "dist"
FONT_SOURCE = ROOT / "vendor" / "latinmodern-math" / "latinmodern-math.otf"
FONT_FAMILY = "mcref Math"
FONT_DISPLAY = "font-display: optional;"  # (see math_css)
FONT_FILE = "mcref-math.woff2"
ASSET_DIR = "assets/math"
CSS_FILE = "math.css"
FONT_CACHE = ROOT / ".cache" / "math-font"
FONT_CACHE_KEEP = 8  # the site's font and those of the test suite's probe builds

# arithmatex generic output, before any other hook touches it
_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_DISPLAY = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)
_SLOT = re.compile("\x00mathml(\\d+)\x00")

# Read formulas as JSON lines, answer with MathML or the parse error. Inline formulas are cut
# into rows after each top-level relation or operator (wrap: "tex"), as TeX allows a line break
# there; Temml's stylesheet lets Chromium break between those rows.
_RENDERER = r"""
const temml = require("temml");
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const answers = JSON.parse(line).map(([tex, display]) => {
    try {
      return { html: temml.renderToString(tex, {
        displayMode: display, throwOnError: true, strict: true, trust: false, xml: true,
        wrap: display ? "none" : "tex",
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
        if not (TEMML_DIST / "temml.cjs").exists():
            raise PluginError(
                f"Temml is not installed in {ROOT / 'node_modules'}; run `npm ci` in {ROOT} "
                "(the README's commands do it for you)"
            )
        node = shutil.which("node")
        if node is None:
            raise PluginError(
                "`node` is not on PATH; the site writes its math with Temml at build time and needs Node.js"
            )
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
    """Render (tex, display) pairs; each answer has `html` (MathML) or `error`."""
    proc = _renderer()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps(formulas) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise PluginError("the Temml renderer (node) exited unexpectedly")
    answers: list[dict[str, str]] = json.loads(line)
    return answers


# Every character the site's formulas draw, for the font; filled as pages are rendered, which
# MkDocs does for every page before it writes any (on_env comes in between).
_characters: set[str] = set()
_MATH_TEXT = re.compile(r">([^<]+)<")


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    css = f"{ASSET_DIR}/{CSS_FILE}"
    if css not in config.extra_css:
        config.extra_css.insert(0, css)
    _characters.clear()
    return config


def on_page_content(html_text: str, page: Page, **kwargs: Any) -> str:
    formulas: list[tuple[str, bool]] = []

    def keep(display: bool):  # type: ignore[no-untyped-def]
        def slot(match: re.Match[str]) -> str:
            formulas.append((html.unescape(match.group(1)).strip(), display))
            return f"\x00mathml{len(formulas) - 1}\x00"

        return slot

    html_text = _INLINE.sub(keep(False), _DISPLAY.sub(keep(True), html_text))
    if not formulas:
        return html_text
    answers = render(formulas)
    errors = [f"  {tex!r}: {a['error']}" for (tex, _), a in zip(formulas, answers, strict=True) if "error" in a]
    if errors:
        raise PluginError(f"{page.file.src_uri}: Temml cannot render {len(errors)} formula(s):\n" + "\n".join(errors))
    for answer in answers:
        for text in _MATH_TEXT.findall(answer["html"]):
            _characters.update(html.unescape(text))
        if "<msqrt" in answer["html"] or "<mroot" in answer["html"]:
            # the radical sign is never written in the MathML text: the browser draws it from the
            # font, and a font cut without it draws √d as a bare d
            _characters.add("\u221a")

    def fill(match: re.Match[str]) -> str:
        i = int(match.group(1))
        tex, display = formulas[i]
        rendered = answers[i]["html"]
        # keep the source on the element, for copy-as-LaTeX (docs/assets/copy-math.js) and tests
        attr = html.escape(tex, quote=True)
        # the closing comment marks the formula's end for on_page_context (see below)
        if display:
            # focusable as delivered: a display formula may scroll sideways (docs/assets/a11y.js
            # keeps tabindex only on the ones that do, once the page is idle)
            return f'<div class="math math-display" data-tex="{attr}" tabindex="0">{rendered}</div><!--/mcref-math-->'
        return f'<span class="math math-inline" data-tex="{attr}">{rendered}</span><!--/mcref-math-->'

    return _SLOT.sub(fill, html_text)


def math_css() -> str:
    """Temml's stylesheet for Latin Modern, pointed at the site's cut of the font."""
    css = (TEMML_DIST / "Temml-Latin-Modern.css").read_text(encoding="utf-8")
    # The font is optional: a page uses it if it is there by the first drawing (it is preloaded,
    # and cached after the first page), and otherwise keeps the fallback math font rather than
    # drawing every formula again when it arrives. That redrawing moved the text of
    # rules/elementwise/ by a layout shift of 0.104 (Web Vitals' ceiling is 0.1) when the font came
    # a second late (tests/test_browser.py, test_a_late_math_font_moves_nothing). The cheat sheet's
    # PDF is printed with the font whenever it comes (scripts/cheatsheet_pdf.py, FONT_DISPLAY).
    changes = (
        ("  font-family: Latin Modern Math;\n  src: url('./latinmodernmath.woff2');",
         f"  font-family: \"{FONT_FAMILY}\";\n  src: url('{FONT_FILE}') format('woff2');\n  {FONT_DISPLAY}"),
        ('font-family: "Latin Modern Math", math;', f'font-family: "{FONT_FAMILY}", math;'),
    )
    for old, new in changes:
        if css.count(old) != 1:
            raise PluginError(f"Temml's Temml-Latin-Modern.css changed shape: {old!r} is not in it once")
        css = css.replace(old, new)
    return css


# Chromium draws a one-letter <mi> in its italic form from Unicode's mathematical alphabets
# (x as 𝑥, α as 𝛼), so the font needs those too.
def _italic(ch: str) -> str | None:
    if ch == "h":
        return "\u210e"  # ℎ, the Planck constant, stands in the alphabet's gap
    if "a" <= ch <= "z":
        return chr(0x1D44E + ord(ch) - ord("a"))
    if "A" <= ch <= "Z":
        return chr(0x1D434 + ord(ch) - ord("A"))
    if "α" <= ch <= "ω":
        return chr(0x1D6FC + ord(ch) - ord("α"))
    return {"ı": "\U0001d6a4", "ȷ": "\U0001d6a5", "ϵ": "\U0001d716", "ϑ": "\U0001d717", "ϕ": "\U0001d719",
            "ϱ": "\U0001d71a", "ϖ": "\U0001d71b"}.get(ch)


def font_characters(characters: set[str]) -> set[str]:
    """The characters to keep in the font: those drawn, their italic forms, and the spaces."""
    keep = {ch for ch in characters if not ch.isspace()} | {" ", "\u00a0"}
    keep |= {it for ch in characters if (it := _italic(ch))}
    return keep


def cut_font(characters: set[str]) -> bytes:
    """Latin Modern Math cut to `characters` (with the glyph variants and parts its MATH table
    builds stretched and large symbols from), renamed, as woff2."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]  # FontForge's timestamp: nothing a browser reads
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # copyright and license stay with the font
    font = TTFont(FONT_SOURCE)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(ch) for ch in characters))
    subsetter.subset(font)
    missing = sorted(ch for ch in characters if ord(ch) not in font.getBestCmap())
    if missing:
        raise PluginError(f"Latin Modern Math has no glyph for {' '.join(missing)} ({', '.join(map(ascii, missing))})")
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 16):
            record.string = FONT_FAMILY
        elif record.nameID in (3, 4):
            record.string = f"{FONT_FAMILY} Regular"
        elif record.nameID == 6:
            record.string = FONT_FAMILY.replace(" ", "") + "-Regular"
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed by a build beside this one
        return 0.0


def _font(characters: set[str]) -> bytes:
    """cut_font, kept in .cache/ by the characters and the source font (it takes about a second)."""
    digest = hashlib.sha256("".join(sorted(characters)).encode("utf-8"))
    digest.update(FONT_SOURCE.read_bytes())
    digest.update(Path(__file__).read_bytes())
    cached = FONT_CACHE / f"{digest.hexdigest()[:20]}.woff2"
    with contextlib.suppress(FileNotFoundError):
        return cached.read_bytes()
    data = cut_font(characters)
    # Builds may run side by side (the test suite builds the site while its probe builds run), so
    # a font is written whole under a name of its own and then renamed, and only the oldest of
    # more than FONT_CACHE_KEEP cached fonts are removed (a reader that loses the race recomputes).
    FONT_CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, cached)
    fonts = sorted(FONT_CACHE.glob("*.woff2"), key=_mtime)
    for old in fonts[:-FONT_CACHE_KEEP]:
        old.unlink(missing_ok=True)
    return data


def on_env(env: Any, config: MkDocsConfig, **kwargs: Any) -> Any:
    """Write the math stylesheet and fonts into the site before any page is written, so a page
    can be opened in a browser during the build (the cheat sheet's PDF is printed then)."""
    target = Path(config.site_dir) / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    (target / CSS_FILE).write_text(math_css(), encoding="utf-8")
    (target / FONT_FILE).write_bytes(_font(font_characters(_characters)))
    # Temml's own small font: the prime (′) and script capitals, set in it by Temml's stylesheet
    shutil.copy2(TEMML_DIST / "Temml.woff2", target / "Temml.woff2")
    return env


# Site search parses every page's HTML in Python, and would index each formula as the
# characters of its MathML run together ("∂f∂x" for ∂f/∂x). Before the search plugin reads a page,
# each rendered formula is swapped for its text on one line (see `linear`, e.g.
# "∂(w ⊗ x)/∂w = diag(x)") between two comments; on_post_page puts the formulas back. The index
# then shows each formula once, as text, and the search plugin parses a fraction of the markup.
# Material's `data-search-exclude` could only leave a formula out of the index, and a hidden text
# copy for the index would be a second copy of every formula for find-in-page and copying.
_FORMULA = re.compile(r'<(span|div) class="math math-(?:inline|display)".*?<!--/mcref-math-->', re.S)
_STASHED = re.compile(r"<!--mcref-math (\d+)-->.*?<!--/mcref-math-->", re.S)
_MATHML = re.compile(r"<math\b.*?</math>", re.S)
_formulas: dict[str, list[str]] = {}

# Scripts that Unicode has as characters, up to three of them: x², xᵢ, Wᵀ, x⁻¹; other scripts are
# written x^(n × m), e^(cos x).
_SUPERSCRIPT = {
    **dict(zip("0123456789+−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾", strict=True)),
    **dict(zip("abcdefghijklmoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ", strict=True)),
    "n": "ⁿ", "T": "ᵀ", "⊤": "ᵀ", "′": "′", "″": "″", "∗": "*", "*": "*",
}
_SUBSCRIPT = {
    **dict(zip("0123456789+−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True)),
    **dict(zip("aehijklmnoprstuvx", "ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)),
}
# accents over a letter, as combining characters: ŵ, x⃗, x̄
_ACCENT = {"^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "ˉ": "\u0304", "¯": "\u0304",
           "‾": "\u0305", "˙": "\u0307", "¨": "\u0308", "\u20d7": "\u20d7", "→": "\u20d7"}
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


def _plain(ch: str) -> str:
    """A letter or digit from Unicode's mathematical alphabets as its plain self (𝐰 is searched
    for as w), except the double-struck ones, which mean something else (𝟙, the ones vector)."""
    if "\U0001d400" <= ch <= "\U0001d7ff" and "DOUBLE-STRUCK" not in unicodedata.name(ch, ""):
        return unicodedata.normalize("NFKC", ch)
    return ch


def _linear(node: ET.Element) -> str:
    tag = node.tag.rpartition("}")[2]
    kids = list(node)
    text = (node.text or "").strip()
    if tag == "mphantom":
        return ""
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        if tag == "mtext":
            return node.text or ""
        return "".join(_plain(ch) for ch in text if ch not in "\u2061\u2062\u2063\u2064")
    if tag == "mspace":
        width = node.get("width", "")
        return " " if width.endswith("em") and float(width[:-2] or 0) >= 0.15 else ""  # \, and wider
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
        subscripted = _script(_linear(kids[0]), _linear(kids[1]), _SUBSCRIPT, "_")
        return _script(subscripted, _linear(kids[2]), _SUPERSCRIPT, "^")
    if tag == "mover" and len(kids) == 2 and _linear(kids[1]) in _ACCENT:  # an accent: ŷ, x⃗
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
            # a space (\, or the thin space TeX puts before an operator name), unless it would
            # follow ∂, an opening bracket or a slash: ∂max(0, x), ∂vecᵣ(W), sinh x/cosh x
            if not (part and (not out.strip() or out[-1] in "∂/([{⟨ ")):
                out += part
            continue
        wide = _wide(kid)
        # a function's name: 2x cos x, not 2xcos x; maxᵢ xᵢ and vecᵣ(X) (a name with a script)
        base = kid[0] if tag in ("msub", "munder", "msup", "msubsup", "munderover") and len(kid) else None
        scripted_name = base is not None and (
            (len(base) > 0 and base[-1].text == "\u2061")  # the name's own function application mark
            or (
                base.tag.rpartition("}")[2] == "mi"
                and len(name := (base.text or "").strip()) > 1
                and name.isalpha()
            )
        )
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
        raise PluginError(f"Temml's MathML does not parse as XML ({err}): {mathml[:200]}") from err
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


@event_priority(100)  # put the formulas back before any other hook reads the page
def on_post_page(output: str, page: Page, config: MkDocsConfig, **kwargs: Any) -> str:
    output = _restore_formulas(output, page)
    if "<math" not in output:
        return output
    # The math font is on every page with math: fetched while the page is parsed, not after
    # the first layout finds a formula (until a font arrives, the browser draws no text in it).
    depth = page.url.count("/") if config.use_directory_urls else page.file.dest_uri.count("/")
    link = f'<link rel="preload" href="{"../" * depth}{ASSET_DIR}/{FONT_FILE}" as="font" type="font/woff2" crossorigin>'
    return output.replace("</title>", "</title>" + link, 1)


def on_shutdown(**kwargs: Any) -> None:
    global _node
    if _node is not None:
        _node.kill()
        _node.wait()
        _node = None
