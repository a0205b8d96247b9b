"""The built site: strict build, rule anchors, math rendered at build time, examples as shown."""

from __future__ import annotations

import contextlib
import functools
import html
import importlib
import importlib.util
import inspect
import io
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

import mcref
from tests.conftest import ROOT, BuiltSite, mkdocs_build

RULE_IDS = [r.id for r in mcref.all_rules()]


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"mcref_hook_{name}", ROOT / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Tags(HTMLParser):
    """Collects (tag, attributes) of every start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@functools.cache  # the built pages do not change during a run, and several tests read every page
def tags(page: Path) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of a built page with its attributes, in order (shared: read, do not change)."""
    parser = _Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tags


# ----- the build -----


def test_strict_build_passes_with_zero_warnings(built_site: BuiltSite) -> None:
    assert built_site.returncode == 0, built_site.log
    noisy = [line for line in built_site.log.splitlines() if re.match(r"\s*(WARNING|ERROR)\b", line)]
    assert noisy == [], "\n".join(noisy)


def test_build_is_strict_by_config() -> None:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^strict: true", text, re.M)
    for key in ("omitted_files", "absolute_links", "unrecognized_links", "anchors"):
        assert re.search(rf"^\s+{key}: warn", text, re.M), key


def _mini_project(tmp_path: Path, page: str) -> Path:
    """A one-page site using the real hooks, to show what makes a build fail."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(page, encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: probe\nstrict: true\n"
        f"hooks:\n  - {ROOT / 'hooks' / 'rules.py'}\n  - {ROOT / 'hooks' / 'mathml.py'}\n"
        "markdown_extensions:\n  - attr_list\n  - pymdownx.arithmatex:\n      generic: true\n"
        "  - pymdownx.superfences\n  - pymdownx.tabbed:\n      alternate_style: true\n",
        encoding="utf-8",
    )
    return config


def test_invalid_tex_fails_the_build(tmp_path: Path) -> None:
    config = _mini_project(tmp_path, "# Bad\n\nA broken formula: $\\frac{a$.\n")
    proc = mkdocs_build(config, tmp_path / "site")
    assert proc.returncode != 0
    assert "Temml cannot render" in proc.stdout + proc.stderr
    assert "\\\\frac{a" in proc.stdout + proc.stderr or "\\frac{a" in proc.stdout + proc.stderr


def test_unknown_rule_marker_fails_the_build(tmp_path: Path) -> None:
    config = _mini_project(tmp_path, "# Rules\n\n{{ rule R999 }}\n")
    proc = mkdocs_build(config, tmp_path / "site")
    assert proc.returncode != 0
    assert "no rule with ID 'R999'" in proc.stdout + proc.stderr


def test_valid_tex_builds_in_the_probe(tmp_path: Path) -> None:
    """The two failure tests above fail for the reason they name, not because the probe is broken."""
    config = _mini_project(tmp_path, "# Good\n\n$\\frac{a}{b}$ and {{ rule R3 }} inline is not a marker.\n")
    proc = mkdocs_build(config, tmp_path / "site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "<mfrac><mi>a</mi><mi>b</mi></mfrac>" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


# ----- rule anchors -----


def test_every_rule_is_an_anchor_on_exactly_one_page(site: BuiltSite) -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for page in site.pages():
        for _, attrs in tags(page):
            if "data-rule" in attrs:
                rid = attrs["data-rule"]
                assert attrs.get("id") == rid, f"{page}: data-rule={rid} on an element with id={attrs.get('id')}"
                where[str(rid)].append(str(page.relative_to(site.path)))
    unregistered = sorted(set(where) - set(RULE_IDS))
    missing = sorted(set(RULE_IDS) - set(where))
    repeated = {rid: pages for rid, pages in where.items() if len(pages) > 1}
    assert unregistered == [], f"rule anchors on the site with no registered rule: {unregistered}"
    assert missing == [], f"registered rules with no anchor on the site: {missing}"
    assert repeated == {}, f"rules anchored on more than one page: {repeated}"


def test_no_page_uses_a_rule_id_as_an_anchor_without_being_the_rule(site: BuiltSite) -> None:
    # the rule prefixes in use (R, S, ...); errata anchors E1-E15 are not rules
    prefixes = "|".join(sorted({re.sub(r"[0-9]", "", rid) for rid in RULE_IDS}))
    pattern = re.compile(rf"^({prefixes})[0-9]+$")
    for page in site.pages():
        for _, attrs in tags(page):
            anchor = attrs.get("id") or ""
            if pattern.match(anchor):
                assert attrs.get("data-rule") == anchor, f"{page}: id={anchor} looks like a rule ID but is not one"


# ----- math and assets -----


# dotted names of the public modules: mcref.cli and every module of core, paper and ext
PUBLIC_MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for p in (ROOT / "mcref").rglob("*.py")
    if not p.stem.startswith("_")
)


def api_page(site: BuiltSite, dotted: str) -> Path:
    """Where api-autonav puts a module's page: reference/mcref/paper/elementwise/ for mcref.paper.elementwise."""
    return site.path / "reference" / Path(*dotted.split(".")) / "index.html"


def test_every_module_has_its_own_api_page(site: BuiltSite) -> None:
    """One page per module (a one-page reference was 1.2 MB and 34 000 elements, and Material's
    set-up script blocked it for over 3 s on Lighthouse's phone), generated from the package; the
    overview lists each page, the navigation reaches each, and each rule's "checked by" link lands
    on its module's page."""
    overview = (site.path / "reference" / "api" / "index.html").read_text("utf-8")
    home = (site.path / "index.html").read_text("utf-8")
    assert len(PUBLIC_MODULES) >= 20
    for dotted in PUBLIC_MODULES:
        page = api_page(site, dotted)
        assert page.is_file(), f"{dotted} has no API page (api-autonav in mkdocs.yml makes one per module)"
        text = page.read_text("utf-8")
        assert f'<h1 id="{dotted}"' in text, dotted
        assert f'title="{dotted}" href="../{"/".join(dotted.split("."))}/#{dotted}"' in overview, (
            f"the API overview does not list {dotted}"
        )
        # in the navigation of every page, so in the home page's
        assert f'href="reference/{"/".join(dotted.split("."))}/"' in home, dotted
    for r in mcref.all_rules():
        module, function = r.derivative.__module__, r.derivative.__name__
        page = api_page(site, module).read_text("utf-8")
        assert f'id="{module}.{function}"' in page, r.id
        rule_page = next(
            p for p in site.pages() if f'id="{r.id}"' in p.read_text("utf-8") and "cheatsheet" not in str(p)
        )
        assert f'reference/{"/".join(module.split("."))}/#{module}.{function}"' in rule_page.read_text("utf-8"), r.id


# Every module page the site published before the package had layers (reference/<name>/, anchors
# #mcref.<name>.<function>), and the module each became. The restructure's own flat pages
# (validate, stable, regression) were never published but cost nothing to keep.
OLD_API_PAGES = {
    "registry": "mcref.core.registry", "numerical": "mcref.core.numerical", "check": "mcref.core.check",
    "layout": "mcref.core.layout", "validate": "mcref.core.validate", "stable": "mcref.core.stable",
    "cli": "mcref.cli", "scalar": "mcref.paper.scalar", "jacobians": "mcref.paper.jacobians",
    "elementwise": "mcref.paper.elementwise", "expansion": "mcref.paper.expansion",
    "reductions": "mcref.paper.reductions", "chain": "mcref.paper.chain", "neuron": "mcref.paper.neuron",
    "loss": "mcref.paper.loss", "layers": "mcref.ext.layers", "quadratic": "mcref.ext.quadratic",
    "activations": "mcref.ext.activations", "softmax": "mcref.ext.softmax", "losses": "mcref.ext.regression",
    "regression": "mcref.ext.regression", "network": "mcref.ext.network", "symmetric": "mcref.ext.symmetric",
}

REDIRECT_STUB = "<title>Redirecting...</title>"  # what mkdocs-redirects writes for an old address


def test_old_api_addresses_redirect_to_the_new_page_and_anchor(site: BuiltSite) -> None:
    """reference/elementwise/#mcref.elementwise.multiply, and the one-page reference's
    reference/api/#mcref.elementwise.multiply, still reach the function. The old page redirects
    (mkdocs-redirects), keeping the anchor; the script in overrides/main.html then turns
    #mcref.<old>.<name> into <the page's module>.<name> (or, on the overview, goes on to the page
    its table links as mcref.<...>.<old>). Here: each redirect lands on the module's page, and every
    name an old anchor can hold is there under the new one. tests/test_browser.py follows one."""
    overview = (site.path / "reference" / "api" / "index.html").read_text("utf-8")
    for old, new in OLD_API_PAGES.items():
        stub = site.path / "reference" / old / "index.html"
        assert stub.is_file() and REDIRECT_STUB in stub.read_text("utf-8"), f"reference/{old}/ no longer redirects"
        target = re.search(r'location\.href="([^"]+)"\+\(anchor', stub.read_text("utf-8"))
        assert target, f"reference/{old}/ is not a redirect that keeps the #anchor"
        landing = (stub.parent / target.group(1) / "index.html").resolve()
        assert landing == api_page(site, new).resolve(), f"reference/{old}/ goes to {target.group(1)}"
        text = landing.read_text("utf-8")
        assert f'<h1 id="{new}"' in text
        source = importlib.import_module(new)
        names = [
            n for n, v in vars(source).items()
            if not n.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v)) and v.__module__ == new
            and v.__doc__  # mkdocstrings shows only what has a docstring, so only these had an anchor
        ]
        assert names, new
        for name in names:
            assert f'id="{new}.{name}"' in text, f"#mcref.{old}.{name} has nowhere to land on {new}'s page"
        # the one-page reference's anchors go through the overview's table (the script picks
        # the link whose title ends in the old name; losses was renamed regression)
        leaf = "regression" if old == "losses" else old
        assert re.findall(rf'title="(mcref(?:\.\w+)*\.{leaf})"', overview) == [new], old


def test_math_is_rendered_at_build_time(site: BuiltSite) -> None:
    """Every formula is MathML in the page as delivered: one <math> per formula wrapper, no
    arithmatex markup left for a script, no error element."""
    total = 0
    for page in site.pages():
        html = page.read_text(encoding="utf-8")
        assert 'class="arithmatex"' not in html, f"{page}: a formula was left for the browser"
        assert "<merror" not in html, f"{page}: Temml reported an error"
        wrappers = html.count('class="math math-inline"') + html.count('class="math math-display"')
        assert html.count("<math") == wrappers, f"{page}: {html.count('<math')} <math> for {wrappers} formulas"
        total += wrappers
    assert total > 1000


def test_no_asset_is_loaded_from_another_host(site: BuiltSite) -> None:
    for page in site.pages():
        for tag, attrs in tags(page):
            if tag in {"script", "img", "iframe", "source", "video", "audio"}:
                url = attrs.get("src") or ""
            elif tag == "link" and attrs.get("rel") not in {"canonical", "alternate"}:
                url = attrs.get("href") or ""
            else:
                continue
            assert not re.match(r"^(https?:)?//", url), f"{page.name}: <{tag}> loads {url}"
    css = (site.path / "assets" / "math" / "math.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", css) and ".woff2" in css


def test_the_math_fonts_are_shipped(site: BuiltSite) -> None:
    css = (site.path / "assets" / "math" / "math.css").read_text(encoding="utf-8")
    urls = re.findall(r"url\('([^']+\.woff2)'\)", css)
    assert sorted(urls) == ["Temml.woff2", "mcref-math.woff2"], urls
    for url in urls:
        assert (site.path / "assets" / "math" / url).is_file(), url
    assert 'font-family: "mcref Math", math;' in css


def test_the_math_font_draws_every_character_of_every_formula(site: BuiltSite) -> None:
    """The font is cut to what the formulas use: every character in a built page's MathML is in
    it (Chromium draws a one-letter <mi> in its mathematical italic form, so those are too), and
    the font is renamed, as the GUST Font License asks of a changed font."""
    from fontTools.ttLib import TTFont

    font = TTFont(site.path / "assets" / "math" / "mcref-math.woff2")
    cmap = font.getBestCmap()
    mathml = load_hook("mathml")
    missing: dict[str, str] = {}
    for page in site.pages():
        for m in re.finditer(r"<math\b.*?</math>", page.read_text(encoding="utf-8"), re.S):
            for text in re.findall(r">([^<]+)<", m.group(0)):
                for ch in html.unescape(text):
                    if ch.isspace() and ch not in " \u00a0":
                        continue
                    for need in filter(None, (ch, mathml._italic(ch))):
                        if ord(need) not in cmap:
                            missing[need] = page.relative_to(site.path).as_posix()
        # a root's radical sign is drawn from the font, though no text holds it
        if ("<msqrt" in page.read_text(encoding="utf-8") or "<mroot" in page.read_text(encoding="utf-8")) and (
            0x221A not in cmap
        ):
            missing["\u221a"] = page.relative_to(site.path).as_posix()
    assert not missing, missing
    assert "MATH" in font, "the cut font lost its MATH table (stretchy delimiters, fractions, scripts)"
    names = {record.nameID: str(record) for record in font["name"].names}
    assert names[1] == "mcref Math" and "Latin Modern" not in names[4], names
    assert len(cmap) < 600 and (site.path / "assets" / "math" / "mcref-math.woff2").stat().st_size < 100 * 1024


def test_a_character_the_math_font_lacks_fails_the_build() -> None:
    """A formula with a symbol Latin Modern Math does not have would be drawn in whatever font
    the reader's system has: the font cut fails instead, naming the symbol."""
    from mkdocs.exceptions import PluginError

    mathml = load_hook("mathml")
    with pytest.raises(PluginError, match="no glyph for \U00013000"):
        mathml.cut_font({"x", "\U00013000"})
    assert mathml._italic("x") == "𝑥" and mathml._italic("h") == "ℎ" and mathml._italic("β") == "𝛽"
    assert mathml._italic("1") is None


def test_temml_stylesheet_changes_fail_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mathml = load_hook("mathml")
    css = mathml.math_css()
    assert "Latin Modern Math" not in css.split("*/", 1)[1]  # only the licence comment names it
    assert "src: url('mcref-math.woff2') format('woff2');" in css
    original = (mathml.TEMML_DIST / "Temml-Latin-Modern.css").read_text(encoding="utf-8")
    dist = tmp_path / "dist"
    dist.mkdir()
    # a later Temml that names its font file differently
    (dist / "Temml-Latin-Modern.css").write_text(
        original.replace("latinmodernmath.woff2", "lm-math.woff2"), encoding="utf-8"
    )
    monkeypatch.setattr(mathml, "TEMML_DIST", dist)
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="changed shape"):
        mathml.math_css()


def test_the_math_font_is_preloaded_on_pages_with_math(site: BuiltSite) -> None:
    for page in (site.path / "index.html", site.path / "notebooks" / "neuron" / "index.html"):
        preloads = [a["href"] for t, a in tags(page) if t == "link" and a.get("rel") == "preload"]
        assert [Path(href or "").name for href in preloads] == ["mcref-math.woff2"], preloads
        assert (page.parent / (preloads[0] or "")).resolve().is_file()
    page = site.path / "404.html"  # no formula on it: nothing to preload
    assert "<math" not in page.read_text(encoding="utf-8")
    assert not [a for t, a in tags(page) if t == "link" and a.get("rel") == "preload"]


# How a formula reads in a search result: typed math on one line, written out by hand here.
SEARCH_TEXT = {
    r"\frac{d}{dx}(f+g) = \frac{df}{dx}+\frac{dg}{dx}": "d/dx (f + g) = df/dx + dg/dx",
    r"\frac{\partial (\mathbf{w} \otimes \mathbf{x})}{\partial \mathbf{w}} "
    r"= \operatorname{diag}(\mathbf{x})": "∂(w ⊗ x)/∂w = diag(x)",
    r"\frac{1}{N}\sum_{i=1}^{N} (y_i - \hat y_i)^2": "1/N ∑ᵢ₌₁^N (yᵢ − ŷᵢ)²",
    r"\begin{bmatrix} 6yx & 3x^2 \\ 2 & 8y^7 \end{bmatrix}": "[6yx, 3x²; 2, 8y⁷]",
    r"\mathbf{x}^\top A^{-1} \vec{x} \hat{\mathbf{w}}": "xᵀA⁻¹x\u20d7ŵ",
    r"X \in \mathbb{R}^{N \times n}, \; W_{n \times m}": "X ∈ ℝ^(N × n), W_(n × m)",
    r"\max(0, z) = \begin{cases} 0 & z \le 0 \\ z & z > 0 \end{cases}": "max(0, z) = {0, z ≤ 0; z, z > 0",
    r"e^{\cos x} (-\sin x) = 2x\cos(x^2)": "e^(cos x)(−sin x) = 2x cos(x²)",
    r"\tfrac{2}{Nm} \textstyle\sum_s \max_i x_i \operatorname{vec}_r(X)": "2/Nm ∑ₛ maxᵢ xᵢ vecᵣ(X)",
    r"\underbrace{\frac{\partial L}{\partial Y}}_{1 \times m} \sqrt{x + 1}": "(∂L/∂Y)_(1 × m) √(x + 1)",
}


def test_a_formula_reads_as_typed_math_in_search() -> None:
    """Search indexes each formula as the text of its MathML written on one line: fractions as a/b,
    scripts as Unicode where it has them, matrices as [a, b; c, d]; never TeX or glyph runs."""
    mathml = load_hook("mathml")
    answers = mathml.render([(tex, True) for tex in SEARCH_TEXT] + [(tex, False) for tex in SEARCH_TEXT])
    for n, (tex, expected) in enumerate(SEARCH_TEXT.items()):
        for answer in (answers[n], answers[n + len(SEARCH_TEXT)]):  # displayed, and inline (cut into rows)
            assert html.unescape(mathml.readable(answer["html"])) == expected, tex
    assert mathml.readable(answers[5]["html"]).count("&") == 0  # escaped for HTML only where needed
    assert "&gt;" in mathml.readable(answers[6]["html"])


# ----- rule examples pulled from the docstrings -----


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_example_runs_as_shown(rule_id: str) -> None:
    """The example block on a rule's page prints exactly the output shown under it as comments."""
    hook = load_hook("rules")
    code, expected = hook.example_code(mcref.get_rule(rule_id))
    shown = "\n".join(
        line[2:] if line.startswith("# ") else line[1:] for line in code.splitlines() if line.startswith("#")
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"<example {rule_id}>", "exec"), {"__name__": "__main__"})
    assert out.getvalue() == expected
    assert shown + "\n" == expected


def test_every_erratum_has_a_permanent_anchor(site: BuiltSite) -> None:
    ids = {attrs.get("id") for _, attrs in tags(site.path / "errata" / "index.html")}
    missing = [f"E{i}" for i in range(1, 16) if f"E{i}" not in ids]
    assert missing == []


def test_pages_are_marked_as_scripted_in_head_and_stay_no_js_without_scripts(site: BuiltSite) -> None:
    for page in site.pages():
        text = page.read_text(encoding="utf-8")
        if REDIRECT_STUB in text:
            continue  # an old address: no theme, it only sends the reader on
        head = text.split("</head>", 1)[0]
        assert '<html lang="en" class="no-js">' in head, page  # what a reader without JavaScript gets
        assert 'root.classList.add("js", "js-focus-visible")' in head, page
