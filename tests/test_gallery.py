"""The gallery of "Derive your own" (docs/derive.md, hooks/derive_gallery.py, spec/derive-gallery.toml).

The built page must show what a fresh `mcref.derive` gives for each entry (f, both layouts, the shapes,
the steps' rules and links, the numpy code), every step's link must land on its rule, and each entry's
numpy code must agree with central differences at a random point, at sizes other than those of the
engine's exact check.
"""

from __future__ import annotations

import html
import inspect
import posixpath
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mkdocs.exceptions import PluginError

import mcref
from hooks import derive_gallery
from hooks.derive_gallery import Entry, entries, entry_markdown, step_link
from mcref.cli import main
from mcref.core.registry import rule_pages

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = entries()
SIZES = (4, 5, 6, 7)  # the exact check uses 2 and 3


@cache
def derived(entry_id: str) -> Any:
    entry = next(e for e in ENTRIES if e.id == entry_id)
    return mcref.derive(entry.expr, entry.wrt, entry.shapes)


def test_the_gallery_has_forty_entries_and_the_expressions_the_issue_names():
    assert len(ENTRIES) >= 40
    ids = {e.id for e in ENTRIES}
    named = {
        "mco-quadratic-form", "mco-logistic-regression", "mco-least-squares", "mco-trace-product",
        "neuron-w", "loss-w", "ridge", "logistic-cross-entropy", "softmax-cross-entropy-W", "mlp-W1",
        "attention-scores-Q", "layer-norm", "trace-XA", "determinant", "log-determinant", "inverse",
        "frobenius-distance",
    }  # fmt: skip
    assert named <= ids, named - ids
    assert derived("attention-scores-Q").kind == "vjp"


# ----- the built page -----


def _entry_html(page: str, entry_id: str) -> str:
    start = page.index(f'id="{entry_id}"')
    end = re.compile(r"<h[234]\b").search(page, start + 1)
    return page[start : end.start() if end else len(page)]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.fixture(scope="module")
def page(site) -> str:
    return (site.path / "derive" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_the_built_page_shows_a_fresh_derive(page, site, entry):
    d = derived(entry.id)
    part = _entry_html(page, entry.id)
    display = [html.unescape(t) for t in re.findall(r'class="math math-display" data-tex="([^"]*)"', part)]
    assert display == [
        rf"\begin{{aligned}} f &= {d.latex} \\ \text{{numerator layout}} &\quad {d.numerator} \\ "
        rf"\text{{denominator layout}} &\quad {d.denominator} \end{{aligned}}"
    ]
    text = " ".join(_text(part).split())
    assert f"f is {d.f_shape}; " in text
    assert f"in the numerator layout (the paper's) of shape {d.numerator_shape}, " in text
    assert f"in the denominator layout of shape {d.denominator_shape}" in text
    cited = [rule for _, rule in d.steps if rule is not None]
    assert [anchor for _, anchor in re.findall(r'<a href="([^"#]*)#([A-Z][A-Za-z0-9.]*)"', part)] == cited
    for href, anchor in re.findall(r'<a href="([^"#]*)#([A-Z][A-Za-z0-9.]*)"', part):
        target = site.path / posixpath.normpath(posixpath.join("derive", href)) / "index.html"
        assert target.is_file(), f"{entry.id}: the link {href}#{anchor} goes to no page"
        assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), f"{entry.id}: {href} has no #{anchor}"
    gaps = sum(rule is None for _, rule in d.steps)
    assert text.count("a gap: no registered rule states this step yet") == gaps
    code = re.search(r"<details[^>]*>.*?<code>(.*?)</code>", part, re.S)
    assert code is not None and _text(code.group(1)).rstrip("\n") == d.numpy.rstrip("\n")


# ----- the hook -----


def _pages() -> dict[str, str]:
    docs = ROOT / "docs"
    return {str(p.relative_to(docs)): p.read_text(encoding="utf-8") for p in docs.rglob("*.md")}


def test_every_step_link_goes_to_the_page_that_places_its_rule():
    pages = rule_pages(_pages())
    for entry in ENTRIES:
        for _, rule in derived(entry.id).steps:
            if rule is not None:
                link = step_link(rule, pages, "derive.md")
                assert link == f"{posixpath.relpath(pages[rule], '.')}#{rule}"


def test_a_step_citing_a_rule_on_no_page_fails_the_build():
    d = derived("mco-quadratic-form")
    pages = rule_pages(_pages())
    del pages["MC37"]
    with pytest.raises(PluginError, match="gallery entry mco-quadratic-form: step 1: rule MC37 is on no page"):
        entry_markdown(ENTRIES[0], d, pages, "derive.md")


def test_an_expression_the_engine_refuses_fails_the_build(tmp_path):
    bad = tmp_path / "gallery.toml"
    bad.write_text('[[entry]]\nid = "bad"\ngroup = "G"\ntitle = "Bad"\nexpr = "x @ @ x"\nwrt = "x"\n', "utf-8")
    with pytest.raises(PluginError, match=r"derive.md: gallery entry bad \('x @ @ x'\): col 5: syntax error"):
        derive_gallery.gallery_markdown("derive.md", {}, bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id = "a"\ngroup = "G"\ntitle = "T"\nexpr = "x"\n', r"missing fields \['wrt'\]"),
        ('id = "a"\ngroup = "G"\ntitle = "T"\nexpr = "x"\nwrt = "x"\ncolour = "red"\n', r"unknown fields \['colour'\]"),
        ('id = "a b"\ngroup = "G"\ntitle = "T"\nexpr = "x"\nwrt = "x"\n', "letters, digits and hyphens"),
        ('id = "a"\ngroup = "G"\ntitle = "lower"\nexpr = "x"\nwrt = "x"\n', "titles are capitalised"),
    ],
)
def test_a_malformed_entry_is_refused(tmp_path, text, message):
    path = tmp_path / "gallery.toml"
    path.write_text("[[entry]]\n" + text, "utf-8")
    with pytest.raises(ValueError, match=message):
        entries(path)


def test_a_duplicate_id_is_refused(tmp_path):
    one = 'id = "a"\ngroup = "G"\ntitle = "T"\nexpr = "x"\nwrt = "x"\n'
    path = tmp_path / "gallery.toml"
    path.write_text(f"[[entry]]\n{one}[[entry]]\n{one}", "utf-8")
    with pytest.raises(ValueError, match="unique"):
        entries(path)


# ----- the numpy code against central differences -----


def _dims(shape: str) -> list[str]:
    return [] if shape == "scalar" else shape.split("×")


def sample(entry: Entry, d: Any, rng: np.random.Generator) -> dict[str, Any]:
    """A random point in the domain of every gallery entry: square matrices near 2I (a positive determinant,
    well conditioned), numbers in [0.5, 1.5] (a positive eps, d under a square root), the rest normal."""
    names = list(dict.fromkeys(dim for shape in d.shapes.values() for dim in _dims(shape)))
    sizes = {name: (int(name) if name.isdigit() else SIZES[k % len(SIZES)]) for k, name in enumerate(names)}
    symmetric = set(re.findall(r"(\w+)\s*:?\s*symmetric", entry.shapes or ""))
    point: dict[str, Any] = {}
    for name, shape in d.shapes.items():
        dims = [sizes[dim] for dim in _dims(shape)]
        if not dims:
            point[name] = float(rng.uniform(0.5, 1.5))
        elif len(dims) == 2 and dims[0] == dims[1]:
            a = 2 * np.eye(dims[0]) + 0.3 * rng.normal(size=dims)
            point[name] = (a + a.T) / 2 if name in symmetric else a
        else:
            point[name] = rng.normal(size=dims)
    return point


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_the_numpy_code_matches_central_differences(entry):
    d = derived(entry.id)
    code: dict[str, Any] = {}
    exec(d.numpy, code)
    f = code["f"]
    rng = np.random.default_rng(sum(map(ord, entry.id)))
    point = sample(entry, d, rng)
    args = [point[name] for name in inspect.signature(f).parameters]
    x = point[d.wrt]
    numerical = mcref.numerical_jacobian(f, *args, wrt=d.wrt)  # (entries of f, entries of x), row-major
    if d.kind == "gradient":
        ours = np.asarray(code["grad_f"](*args), dtype=float)
        assert ours.shape == np.shape(x)
        expected = numerical.reshape(np.shape(x))
    elif d.kind == "jacobian":
        ours = np.asarray(code["jacobian_f"](*args), dtype=float)
        expected = numerical
        assert ours.shape == numerical.shape
    else:
        g = rng.normal(size=np.shape(f(*args)))
        ours = np.asarray(code["vjp_f"](g, *args), dtype=float)
        assert ours.shape == np.shape(x)
        expected = (g.ravel() @ numerical).reshape(np.shape(x))
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6, err_msg=f"{entry.id}: {entry.expr}")


# ----- the command line example on the page -----


def test_the_page_shows_what_mcref_derive_prints(monkeypatch, capsys):
    """The `$ mcref derive ...` block of docs/derive.md is the command's output, at the default site address."""
    text = (ROOT / "docs" / "derive.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n\$ (mcref derive .*?)\n(.*?)```", text, re.S)
    assert block is not None
    monkeypatch.delenv("MCREF_SITE_URL", raising=False)
    assert main(shlex.split(block.group(1))[1:]) == 0
    assert capsys.readouterr().out == block.group(2)
