"""The mcref command line, in-process (main) and as a subprocess (python -m mcref, the mcref script)."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mcref
from mcref.cli import example_script, main, tex_to_unicode
from mcref.core.registry import unregister
from mcref.paper import elementwise

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str, str]:
    """main(argv) in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def run_module(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m mcref ...` in a fresh process."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "mcref", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The verify table as {rule ID: its cells}."""
    lines = stdout.splitlines()
    assert lines[0].split()[:4] == ["rule", "sizes", "jacobian", "vjp"], lines[0]
    rows = {}
    for line in lines[1:]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells
    return rows


# ----- list -----


def test_list_prints_every_rule_once():
    code, out, err = run("list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(r.id for r in mcref.all_rules())
    for line in lines:
        assert line.endswith("  " + mcref.get_rule(line.split()[0]).title)


def site_order(site_path: Path) -> list[str]:
    """The rule anchors of the built site, page by page in the order of its navigation."""
    home = (site_path / "index.html").read_text(encoding="utf-8")
    pages = dict.fromkeys(re.findall(r'<a href="([^"#]*)" class="md-nav__link', home))
    order = []
    for href in pages:
        page = site_path / href / "index.html" if href not in ("", ".") else site_path / "index.html"
        if page.is_file():
            order += re.findall(r'data-rule="([A-Z]+[0-9]+(?:\.[0-9]+|u)?)"', page.read_text(encoding="utf-8"))
    return order


def test_list_is_in_the_order_of_the_built_site(site):
    """`mcref list` says it lists in the site's order: the pages of the navigation, each page's rules in turn."""
    _, out, _ = run("list")
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids == site_order(site.path)
    assert ids != [r.id for r in mcref.all_rules()]  # not ID order: the check can fail


def test_every_address_is_a_rule_anchor_of_the_built_site(site, monkeypatch):
    """Each rule's "On the site" address: $MCREF_SITE_URL (else mkdocs.yml's site_url), its page, #ID."""
    monkeypatch.setenv("MCREF_SITE_URL", "https://example.org/fork/")
    pages: dict[Path, str] = {}  # each page read once, not once per rule
    for r in mcref.all_rules():
        _, out, _ = run("show", r.id)
        address = next(line for line in out.splitlines() if line.startswith("On the site: "))[13:]
        assert address.startswith("https://example.org/fork/") and address.endswith(f"/#{r.id}"), address
        page = site.path / address.removeprefix("https://example.org/fork/").split("#")[0] / "index.html"
        html = pages[page] if page in pages else pages.setdefault(page, page.read_text(encoding="utf-8"))
        assert f'data-rule="{r.id}" id="{r.id}"' in html, (r.id, address)


def test_list_prefix_filters():
    code, out, _ = run("list", "--prefix", "R1")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert sorted(ids) == ["R1", "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17", "R18", "R19"]
    _, everything, _ = run("list")
    assert ids == [line.split()[0] for line in everything.splitlines() if line.startswith("R1")]  # same order
    assert "R10  Hadamard product, with respect to w" in out.splitlines()


def test_list_unknown_prefix_is_a_usage_error():
    code, out, err = run("list", "--prefix", "Q")
    assert code == 2 and out == ""
    assert "no rule ID starts with 'Q'; the prefixes are C, G, L, MC, N, R, S, X" in err


# ----- show -----


def _hook_example_code():
    spec = importlib.util.spec_from_file_location("mcref_hook_rules_for_cli", ROOT / "hooks" / "rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.example_code


def test_show_a_paper_rule():
    code, out, err = run("show", "R10")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "R10 · Hadamard product, with respect to w"
    assert lines[1] == "Paper §4.2, 8.2"
    assert lines[2] == "On the site: https://mcref.github.io/mcref/rules/elementwise/#R10"
    assert "Numerator layout (the paper's), shape n x n:" in lines
    assert "Denominator layout, shape n x n:" in lines
    assert lines.count("  ∂(𝐰 ⊗ 𝐱)/∂𝐰 = diag(𝐱)") == 2  # both layouts, drawn in Unicode
    assert "  𝐯ᵀ J = (𝐯 ⊗ 𝐱)ᵀ" in lines
    assert "  w  vector of length n; tested with values in [-2, 2]" in lines
    assert "mcref.paper.elementwise.jac_multiply_w" in out and "mcref.paper.elementwise.vjp_multiply_w" in out
    assert "\\" not in out.split("Example")[0]


def test_show_latex_prints_the_source():
    code, out, _ = run("show", "R10", "--latex")
    r = mcref.get_rule("R10")
    assert code == 0
    assert "  " + r.latex in out.splitlines() and "  " + r.latex_denominator in out.splitlines()
    assert "  " + r.vjp_latex in out.splitlines()


def test_show_draws_the_conditions_in_unicode():
    r = next(r for r in mcref.all_rules() if "$" in (r.conditions or ""))
    _, out, _ = run("show", r.id)
    conditions = next(line for line in out.splitlines() if line.startswith("Conditions: "))
    assert "$" not in conditions and "\\" not in conditions, conditions
    _, source, _ = run("show", r.id, "--latex")
    assert f"Conditions: {r.conditions}" in source


def test_show_takes_the_id_in_any_case():
    assert run("show", "r10")[1] == run("show", "R10")[1]


def test_show_takes_a_title_word():
    code, out, _ = run("show", "Hadamard", "w")
    assert code == 0 and out.startswith("R10 · Hadamard product, with respect to w\n")
    code, out, _ = run("show", "softmax")
    matching = [r for r in mcref.all_rules() if "softmax" in r.title.lower()]
    assert code == 0 and len(matching) > 1
    assert out.splitlines()[0] == f"{len(matching)} rules match 'softmax'; show one with 'mcref show ID':"
    assert sorted(line.split()[0] for line in out.splitlines()[1:]) == sorted(r.id for r in matching)


def test_show_suggests_close_title_words():
    code, out, err = run("show", "sofmax")
    assert code == 2 and out == ""
    assert "mcref show: no rule ID or title matches 'sofmax'; did you mean 'softmax'" in err


def test_show_prints_the_example_as_the_site_shows_it():
    _, out, _ = run("show", "R13")
    script = out.split("Example (each print's output is shown below it as comments):\n\n", 1)[1]
    site_code, _ = _hook_example_code()(mcref.get_rule("R13"))
    assert script == site_code


def test_the_shown_example_prints_what_its_comments_say():
    _, out, _ = run("show", "X13")
    script = out.split("as comments):\n\n", 1)[1]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(script, "<mcref show X13>", "exec"), {})
    comments = [line[2:] if line.startswith("# ") else "" for line in script.splitlines() if line.startswith("#")]
    assert printed.getvalue().splitlines() == comments


def test_show_an_extension():
    code, out, _ = run("show", "X4")
    assert code == 0
    assert out.splitlines()[1] == "Extension, beyond the paper"
    assert "  X  N x n matrix; tested with values in [-2, 2]" in out.splitlines()


def test_show_a_cookbook_rule_by_its_equation_number_with_its_erratum():
    """A Cookbook rule is found as readers cite its equation, and says what the book prints and what is wrong."""
    for query in (["(51)"], ["eq", "51"], ["eq.", "(51)"], ["equation", "51"], ["MC51"]):
        code, out, _ = run("show", *query)
        assert code == 0, query
        lines = out.splitlines()
        assert lines[0] == "MC51 · Gradient of det(AXB)" and lines[1] == "Matrix Cookbook, equation (51), §2.1", query
    # the book's layout is named, shaped like X; a sum of dimensions is bracketed
    assert "Denominator layout (the Cookbook's), shape (p+q) x (p+q):" in lines
    assert "  ∂det(𝐀𝐗𝐁)/∂𝐗 = det(𝐀𝐗𝐁)(𝐗⁻¹)ᵀ = det(𝐀𝐗𝐁)(𝐗ᵀ)⁻¹" in lines
    erratum = "Erratum: The printed det(AXB) X⁻ᵀ holds only for square invertible A and B"
    assert any(line.startswith(erratum) for line in lines)
    code, _, err = run("show", "(1000)")
    assert code == 2 and "no rule of the Matrix Cookbook checks its equation (1000)" in err


def test_show_a_scalar_rule_without_vjp():
    code, out, _ = run("show", "S3")
    assert code == 0 and "Backprop form" not in out and "scalar" in out


@pytest.mark.parametrize(("given", "close"), [("R99", "close IDs: R9, R19, MC99"), ("X99", "close IDs: X9, X49, X39")])
def test_show_unknown_id_exits_2_with_close_ids(given, close):
    code, out, err = run("show", given)
    assert code == 2 and out == ""
    assert f"mcref show: no rule ID or title matches {given!r}; {close}; 'mcref list' shows them all" in err


def test_show_words_with_no_close_match():
    code, _, err = run("show", "QQQQ999")
    assert code == 2 and "no rule ID or title matches 'QQQQ999'; no ID is close;" in err
    code, _, err = run("show", "frobnicate")
    assert code == 2 and "no rule ID or title matches 'frobnicate'; no title has 'frobnicate';" in err


# ----- TeX drawn in Unicode -----


def _statements():
    for r in mcref.all_rules():
        for kind, tex in (("latex", r.latex), ("latex_denominator", r.latex_denominator), ("vjp_latex", r.vjp_latex)):
            if tex:
                yield r.id, kind, tex
        for formula in re.findall(r"\$([^$]+)\$", r.conditions or ""):
            yield r.id, "conditions", formula


def test_every_statement_is_drawn_without_tex_left():
    """Every rule's statements (both layouts, the VJP, the conditions' formulas): no backslash and no TeX
    script group left, so the converter knows every command the rules use; a new one fails here by name."""
    left = {}
    for rule_id, kind, tex in _statements():
        text = tex_to_unicode(tex)
        if "\\" in text or "^{" in text or "_{" in text:
            left[f"{rule_id} {kind}"] = text
    assert left == {}


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"\frac{\partial y}{\partial \mathbf{x}}", "∂y/∂𝐱"),  # \frac, \partial, \mathbf
        (r"\frac{d u_2}{dx}", "du₂/dx"),
        (r"\frac{d \sin u}{du}", "(d sin u)/du"),  # a space above the bar: brackets
        (r"\frac{6x^2\cos(x^3)}{\sin(x^3)}", "(6x² cos(x³))/sin(x³)"),
        (r"\tfrac{2}{Nm}(\hat Y - Y)", "2/(Nm) (Ŷ − Y)"),  # a product below the bar, \hat, the minus sign
        (r"\frac{dy}{du}\frac{du}{dx}", "dy/du du/dx"),  # two fractions side by side stay apart
        (r"\mathbf{x}^\top A", "𝐱ᵀ A"),  # ^\top
        (r"J^T \mathbf{v}", "Jᵀ 𝐯"),
        (r"x^{n-1}", "xⁿ⁻¹"),
        (r"e^{\cos x}", "e^(cos x)"),  # no Unicode superscript for every character: ^(...)
        (r"\sum_{i=1}^{k} u_i", "∑ᵢ₌₁ᵏ uᵢ"),
        (r"\mathbf{1}_N^T", "𝟏_Nᵀ"),
        (r"\operatorname{diag}\left( \frac{\partial f_i}{\partial g_i} \right)", "diag(∂fᵢ/∂gᵢ)"),  # \left, \right
        (r"\operatorname{vec}_r(W)", "vecᵣ(W)"),
        (r"\mathbf{w} \odot \mathbf{x} \otimes \mathbf{y} \oslash \mathbf{z}", "𝐰 ⊙ 𝐱 ⊗ 𝐲 ⊘ 𝐳"),
        (r"\mathbf{w} \cdot \mathbf{x} \in \mathbb{R}", "𝐰 · 𝐱 ∈ ℝ"),
        (r"\mathbb{1}[x > 0]", "𝟙[x > 0]"),
        (r"\mathrm{d}x \, \text{ for all } x", "dx for all x"),
        (r"\sigma(\mathbf{x}) \otimes (\vec{\mathbf{1}} - \sigma(\mathbf{x}))", "σ(𝐱) ⊗ (𝟏 − σ(𝐱))"),
        (r"\Delta_1 = \boldsymbol{\delta}\, \mathbf{x}^T", "Δ₁ = 𝛅 𝐱ᵀ"),
        (r"\|\mathbf{x}\| \ne 0", "‖𝐱‖ ≠ 0"),
        (r"\begin{bmatrix} 6yx & 3x^2 \\ 2 & 8y^7 \end{bmatrix}", "[6yx, 3x²; 2, 8y⁷]"),
        (r"\begin{bmatrix} \dfrac{\partial f}{\partial x} \\[1.5ex] 1 \end{bmatrix}", "[∂f/∂x; 1]"),
        (r"\begin{cases} 0 & z \le 0 \\ 1 & z > 0 \end{cases}", "{0 if z ≤ 0; 1 if z > 0}"),
        (r"a \quad b \qquad c", "a  b   c"),
        (r"2x\cos(x^2)", "2x cos(x²)"),  # a function name after a letter gets a space
        (r"\big(\textstyle\sum_i y_i\big)", "(∑ᵢ yᵢ)"),
    ],
)
def test_tex_to_unicode(tex, text):
    assert tex_to_unicode(tex) == text


def test_tex_to_unicode_keeps_an_unknown_command_visible():
    assert tex_to_unicode(r"\frobnicate{x} + 1") == r"\frobnicate x + 1"


def test_tex_to_unicode_bad_input():
    with pytest.raises(TypeError, match=r"tex must be a string of TeX, got bytes"):
        tex_to_unicode(b"x^2")


# ----- verify -----


def test_verify_some_rules_prints_a_table_and_progress():
    code, out, err = run("verify", "R10", "S3", "X1")
    assert code == 0
    rows = table_rows(out)
    assert list(rows) == ["R10", "S3", "X1"]
    assert rows["R10"][1] == "1,2,3,7" and rows["R10"][-1] == "pass"
    assert rows["S3"][1] == "-" and rows["S3"][3] == "-"  # a scalar rule, no VJP
    for cells in rows.values():
        assert float(cells[2]) < 1e-6  # the largest error of the closed form
    assert "3 rules checked: 3 passed, 0 failed" in out
    assert "[1/3] R10" in err and "[3/3] X1" in err and "done in" in err


def test_verify_quiet_prints_no_progress():
    code, _, err = run("verify", "R10", "--quiet")
    assert code == 0 and err == ""


def test_verify_sizes():
    code, out, _ = run("verify", "R13", "--sizes", "2,5", "-q")
    assert code == 0 and table_rows(out)["R13"][1] == "2,5"


def test_verify_fast_adds_a_column_for_the_rules_it_applies_to():
    code, out, _ = run("verify", "R10", "X13", "R18", "R21", "--fast", "2000", "-q")
    assert code == 0
    assert "fast n=2000" in out.splitlines()[0]
    rows = table_rows(out)
    assert rows["R10"][4] != "-" and rows["X13"][4] != "-"
    assert rows["R21"][4] != "-"  # no VJP, but a 1 x 1 closed form: checked through it
    assert rows["R18"][4] == "-"  # two dimensions: not a fast-mode rule
    assert "fast mode at n=2000 for 3" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "R10", "R999"], "mcref verify: no rule with ID 'R999'; close IDs: R9, R19"),
        (["verify", "--sizes", "1,x"], "sizes must be integers separated by commas"),
        (["verify", "--sizes", "0,2"], "sizes must be integers >= 1, got '0,2'"),
        (["verify", "--fast", "0"], "expected an integer >= 1, got 0"),
        (["verify", "--seed", "-1"], "expected an integer >= 0, got -1"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
        (["show"], "the following arguments are required: ID_OR_WORDS"),
        (["derive", "x'*x"], "the following arguments are required: --wrt"),
        (["derive", "x'*x", "--wrt", "x", "--shape", "x:n"], "expected NAME=DIMS such as A=n,n, x=n or c=scalar; "
         "got 'x:n'"),
        (["derive", "x'*x", "--wrt", "x", "--shape", "x=n", "--shape", "x=m"], "mcref derive: --shape declares x "
         "twice: 'n' and 'm'"),
        (["derive", "x'*x", "--wrt", "x", "--syntax", "matlab"], "invalid choice: 'matlab'"),
    ],
)
def test_usage_errors_exit_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err


# ----- derive -----


def test_derive_prints_f_both_layouts_shapes_steps_and_proof():
    code, out, err = run("derive", "x.T @ A @ x", "--wrt", "x", "--shape", "A=n,n")
    assert code == 0 and err == ""
    d = mcref.derive("x.T @ A @ x", "x", {"A": "n,n"})
    lines = out.splitlines()
    assert lines[1] == "  read in numpy's syntax; f is scalar; x: n; A: n×n"
    assert "Derivative with respect to x (n): the gradient of a scalar f" in lines
    assert lines[lines.index("Numerator layout (the paper's), shape 1×n:") + 1] == "  xᵀ (A + Aᵀ)"
    assert lines[lines.index("Denominator layout, shape n (shaped like x):") + 1] == "  (A + Aᵀ) x"
    steps = [line for line in lines if re.match(r"\s+\d+\. ", line)]
    assert [line.split()[-2] for line in steps] == [rule for _, rule in d.steps] == ["MC37", "MC44"]
    assert all(line.split()[-1].endswith(f"/cookbook/differentials/#{line.split()[-2]}") for line in steps)
    proven = lines[lines.index("Proven before it was shown:") + 1 : lines.index("Check it again on your own data:") - 1]
    assert proven == [f"  - {check}" for check in d.checks] and d.checks[0].startswith("exact: entry by entry")
    assert any(check.startswith("numerical: mcref.check_jacobian") for check in d.checks)
    assert lines[-1] == f"  {d.check_call}" == '  mcref.check_jacobian(f, grad_f, x, A, wrt="x").ok'


def test_derive_step_addresses_are_those_of_show():
    """Each step's address is the one `mcref show` prints for its rule."""
    code, out, _ = run("derive", "sum(log(exp(-y.*(X*w))+vector(1)))", "--wrt", "w")
    assert code == 0
    cited = re.findall(r"^\s+\d+\. .*?  ([A-Z]+[0-9.]+)  (\S+)$", out, re.M)
    assert [rule for rule, _ in cited] == ["R19", "X17", "MC35", "X16", "MC38", "MC37"]
    for rule, address in cited:
        _, shown, _ = run("show", rule)
        assert f"On the site: {address}\n" in shown


def test_derive_symmetric_and_latex():
    code, out, _ = run("derive", "x'*A*x", "--wrt", "x", "--symmetric", "A", "--latex")
    assert code == 0
    d = mcref.derive("x'*A*x", "x", "A symmetric")
    assert d.denominator == "2 A x"
    assert f"\n  {d.numerator}\n" in out and f"\n  {d.denominator}\n" in out and "matrixcalculus.org's syntax" in out


def test_derive_names_a_gap_step(monkeypatch):
    """A step no registered rule states is printed as a gap (the engine has none left today: norm1's
    step cites X39, so a gap is planted)."""
    d = mcref.derive("norm1(x)", "x")
    assert [rule for _, rule in d.steps] == ["R19", "X39"]
    gap = tuple((sentence, None if rule == "X39" else rule) for sentence, rule in d.steps)
    monkeypatch.setattr(mcref, "derive", lambda *a, **k: dataclasses.replace(d, steps=gap))
    code, out, _ = run("derive", "norm1(x)", "--wrt", "x")
    assert code == 0
    assert re.search(r"d \|u\| = sign\(u\) ∘ du, away from 0\s+gap: no registered rule states this step yet", out)


def test_derive_vjp_kind():
    code, out, _ = run("derive", "np.linalg.inv(X)", "--wrt", "X")
    assert code == 0
    assert "the backprop form (VJP): G ↦ the gradient of sum(G ∘ f), G shaped like f" in out
    assert "  G ↦ −X⁻ᵀ G X⁻ᵀ" in out.splitlines()


def test_derive_numpy_prints_code_that_runs():
    code, out, _ = run("derive", "norm2(X*w-y)^2", "--wrt", "w", "--numpy")
    assert code == 0
    source = out.split("\nnumpy:\n\n", 1)[1]
    assert source.rstrip("\n") == mcref.derive("norm2(X*w-y)^2", "w").numpy.rstrip("\n")
    namespace: dict = {}
    exec(source, namespace)
    rng = np.random.default_rng(0)
    X, w, y = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=5)
    numerical = mcref.numerical_jacobian(lambda w: namespace["f"](X, w, y), w)
    np.testing.assert_allclose(namespace["grad_f"](X, w, y), numerical.ravel(), rtol=1e-6, atol=1e-8)


def test_derive_shows_the_check_call_when_the_engine_gives_one(monkeypatch):
    d = mcref.derive("x'*x", "x")
    code, out, _ = run("derive", "x'*x", "--wrt", "x")
    assert code == 0 and f"Check it again on your own data:\n  {d.check_call}\n" in out
    assert d.check_call == 'mcref.check_jacobian(f, grad_f, x, wrt="x").ok'
    monkeypatch.setattr(mcref, "derive", lambda *a, **k: dataclasses.replace(d, check_call=""))
    assert "Check it again" not in run("derive", "x'*x", "--wrt", "x")[1]


@pytest.mark.parametrize(
    ("expr", "shape", "message", "column"),
    [
        ("x.T @ @ x", [], "mcref derive: col 7: syntax error", 7),
        ("foo(x) + x", [], "mcref derive: col 1: unsupported function 'foo'", 1),
        ("x'*A*y", ["--shape", "A=m,n", "--shape", "x=m", "--shape", "y=m"],
         "mcref derive: col 1: x'*A*y needs x'*A's columns (n) to match y's length (m)", 1),
    ],
)
def test_derive_bad_input_marks_the_column_and_exits_2(expr, shape, message, column):
    code, out, err = run("derive", expr, "--wrt", "x", *shape)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith(message) and "Traceback" not in err
    assert lines[1] == f"  {expr}" and lines[2] == "  " + " " * (column - 1) + "^"


def test_derive_bad_declaration_has_no_caret():
    code, out, err = run("derive", "x'*A*x", "--wrt", "x", "--shape", "A=m,n", "--symmetric", "A")
    assert code == 2 and out == ""
    assert err == "mcref derive: shapes: A is declared symmetric but its shape m×n is not square\n"


def test_derive_unknown_variable():
    code, _, err = run("derive", "x'*x", "--wrt", "z")
    assert code == 2 and err.startswith("mcref derive: col 1: 'z' does not occur in \"x'*x\"")


# ----- verify with wrong rules -----


def _wrong_factor(w, x):
    """Z901: the Jacobian of w ⊗ x with respect to w, wrongly doubled.

    Examples:
        >>> print(1)
        1
    """
    return np.diag(2 * np.asarray(x, dtype=float))


def _right(w, x):
    return np.diag(np.asarray(x, dtype=float))


@pytest.fixture
def wrong_rules():
    """Register three wrong rules for one test, and leave the registry as it was."""
    before = mcref.all_rules()
    common = dict(
        forward=elementwise.multiply,
        wrt="w",
        latex="",
        latex_denominator="",
        shape=("n", "n"),
        args={"w": mcref.Arg(), "x": mcref.Arg()},
    )
    mcref.rule("Z901", title="wrong by a factor 2", **common)(_wrong_factor)
    mcref.rule("Z902", title="right Jacobian, wrong VJP", **common)(_right)
    mcref.vjp_of("Z902")(lambda v, w, x: -np.asarray(v) * np.asarray(x))

    def raising(w, x):
        raise RuntimeError("closed form broke")

    mcref.rule("Z903", title="raises", **common)(raising)
    try:
        yield
    finally:
        for rule_id in ("Z901", "Z902", "Z903"):
            unregister(rule_id)
        assert mcref.all_rules() == before


def test_verify_reports_a_wrong_rule_and_exits_1(wrong_rules):
    code, out, _ = run("verify", "R10", "Z901", "-q")
    assert code == 1
    rows = table_rows(out)
    assert rows["R10"][-1] == "pass" and rows["Z901"][-1] == "FAIL"
    assert "2 rules checked: 1 passed, 1 failed" in out
    assert "Z901 jacobian at n=1: rule Z901 FAILED: worst entry (0, 0)" in out


def test_verify_reports_a_wrong_vjp_and_a_raising_rule(wrong_rules):
    code, out, _ = run("verify", "Z902", "Z903", "--fast", "500", "-q")
    assert code == 1
    rows = table_rows(out)
    assert rows["Z902"][-1] == "FAIL" and rows["Z903"][-1] == "FAIL"
    assert "Z902 vjp at n=1: rule Z902 FAILED" in out
    assert "Z902 fast at n=500:\ncheck_backprop FAILED: fast mode" in out
    assert "Z903 jacobian at n=1: RuntimeError: closed form broke" in out


def test_verify_everything_fails_when_one_rule_is_wrong(wrong_rules):
    code, out, _ = run("verify", "-q", "--sizes", "2")
    assert code == 1
    rows = table_rows(out)
    assert set(rows) == {r.id for r in mcref.all_rules()}
    assert [i for i, cells in rows.items() if cells[-1] == "FAIL"] == ["Z901", "Z902", "Z903"]


def test_the_registry_is_clean_after_the_wrong_rules():
    assert not [r.id for r in mcref.all_rules() if r.id.startswith("Z")]


# ----- help -----


def test_help_lists_the_commands():
    code, out, _ = run("--help")
    assert code == 0
    for command in ("verify", "list", "show", "derive"):
        assert command in out
    assert "Run 'mcref COMMAND --help'" in out


@pytest.mark.parametrize(
    ("command", "phrases"),
    [
        ("verify", ["--sizes", "--fast", "--seed", "--quiet", "exits with 1 if any check fails", "backprop form"]),
        ("list", ["--prefix", "ID and title", "in the site's order", "by ID"]),
        ("show", ["--latex", "LaTeX source", "both layouts", "example script", "site_url from mkdocs.yml", "#ID"]),
        ("derive", ["--wrt", "--shape", "--symmetric", "--numpy", "--latex", "both layouts", "proven exactly",
                    "matrixcalculus.org", "marks the column"]),
    ],
)
def test_every_command_has_help(command, phrases):
    code, out, _ = run(command, "--help")
    assert code == 0 and out.startswith(f"usage: mcref {command}")
    flat = " ".join(out.split())
    for phrase in phrases:
        assert phrase in flat, phrase


def test_version():
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"mcref {mcref.__version__}"


# ----- as a subprocess -----


def test_python_m_mcref_list_and_show():
    proc = run_module("list", "--prefix", "S")
    assert proc.returncode == 0 and proc.stderr == ""
    assert [line.split()[0] for line in proc.stdout.splitlines()] == [f"S{i}" for i in range(1, 9)]
    proc = run_module("show", "R99")
    assert proc.returncode == 2 and "no rule ID or title matches 'R99'; close IDs: R9, R19" in proc.stderr


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback():
    """`mcref list | head`: the reader goes away; mcref stops quietly with SIGPIPE's status, 141."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for argv in (["list"], ["show", "R10"], ["derive", "x'*x", "--wrt", "x"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "mcref", *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        proc.stdout.close()  # the reader closes its end before mcref writes: every write fails (EPIPE)
        _, err = proc.communicate(timeout=60)
        assert (proc.returncode, err.decode()) == (141, "")


def test_python_m_mcref_verify_fast():
    proc = run_module("verify", "R6", "R13", "X16", "--fast", "100000")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = table_rows(proc.stdout)
    assert all(cells[-1] == "pass" for cells in rows.values()) and list(rows) == ["R6", "R13", "X16"]
    assert "mcref verify: [3/3] X16" in proc.stderr


def test_python_m_mcref_derive():
    proc = run_module("derive", "np.log(np.linalg.det(X))", "--wrt", "X")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "  X⁻ᵀ\n" in proc.stdout and re.search(r"MC43  \S+#MC43\n", proc.stdout)
    proc = run_module("derive", "np.sum(x @ )", "--wrt", "x")
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-2:] == ["  np.sum(x @ )", "  " + " " * 11 + "^"]


def test_python_m_mcref_without_a_command_exits_2():
    proc = run_module()
    assert proc.returncode == 2 and "usage: mcref" in proc.stderr


def test_the_console_script_is_installed():
    script = Path(sys.executable).with_name("mcref")
    if not script.exists():
        pytest.skip(f"no mcref script next to {sys.executable}; install the package with pip to get it")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"mcref {mcref.__version__}"


# ----- bad input to the public functions -----


def _no_example(w, x):
    """No example here."""


def _output_without_print(w, x):
    """Shows output without print.

    Examples:
        >>> 1 + 1
        2
    """


def test_example_script_bad_input():
    with pytest.raises(TypeError, match=r"rule must be a Rule or a rule ID such as 'R10', got int"):
        example_script(10)
    with pytest.raises(KeyError, match=r"no rule with ID 'R999'"):
        example_script("R999")
    r = mcref.get_rule("R10")
    with pytest.raises(ValueError, match=r"rule R10: _no_example has no doctest example in its docstring"):
        example_script(dataclasses.replace(r, derivative=_no_example))
    with pytest.raises(ValueError, match=r"rule R10: the docstring example line '1 \+ 1' shows output without print"):
        example_script(dataclasses.replace(r, derivative=_output_without_print))


def test_example_script_keeps_output_as_comments():
    code, output = example_script("R10")
    assert ">>>" not in code
    comments = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    assert output.splitlines() == comments


def test_main_bad_input():
    with pytest.raises(TypeError, match=r"argv must be a list of strings, got str"):
        main("list")
    with pytest.raises(TypeError, match=r"argv must be a list of strings, got an item of type int: 3"):
        main(["show", 3])
    with pytest.raises(TypeError, match=r"argv must be a list of strings, got list_iterator"):
        main(iter(["list"]))  # type: ignore[arg-type]
