"""The derivative engine (mcref/engine/): results, shapes, steps, bad input, the exact proof, the
no-numpy rule, and the numerical layer on top of it (mcref/derivation.py, `mcref.derive`).

The engine imports no numpy; this file does, for the numerical layer: every case goes through
`mcref.derive`, which runs the engine's `numpy` source at random points and checks it with mcref's
own checker, and the cross-checks compare it with the registered rules.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

import mcref
from mcref import derivation
from mcref.engine import Derivative, DeriveError, derive, reverse
from tests.conftest import ROOT

# (expression, variable, declarations, denominator LaTeX, numerator LaTeX,
#  shape of f, of the variable, of the denominator-layout and numerator-layout derivative)
CASES = [
    ("x.T @ A @ x", "x", None, "\\left(A + A^T\\right) x", "x^T \\left(A + A^T\\right)", "scalar", "n", "n", "1×n"),
    ("x.T @ A @ x", "x", "A symmetric", "2 A x", "2 x^T A", "scalar", "n", "n", "1×n"),
    ("x'*A*x", "x", None, "\\left(A + A^T\\right) x", "x^T \\left(A + A^T\\right)", "scalar", "n", "n", "1×n"),
    ("np.log(np.linalg.det(X))", "X", None, "X^{-T}", "X^{-1}", "scalar", "n×n", "n×n", "n×n"),
    ("logdet(X)", "X", None, "X^{-T}", "X^{-1}", "scalar", "n×n", "n×n", "n×n"),
    (
        "np.trace(A @ X.T @ B @ X @ C)",
        "X",
        None,
        "B X C A + B^T X A^T C^T",
        "A^T C^T X^T B^T + C A X^T B",
        "scalar",
        "k×m",
        "k×m",
        "m×k",
    ),
    (
        "np.linalg.norm(A @ x - y)**2",
        "x",
        None,
        "2 A^T \\left(A x - y\\right)",
        "2 \\left(x^T A^T - y^T\\right) A",
        "scalar",
        "m",
        "m",
        "1×m",
    ),
    (
        "norm2(A*x-b)",
        "x",
        None,
        "\\frac{1}{\\left\\lVert A x - b \\right\\rVert} A^T \\left(A x - b\\right)",
        "\\frac{1}{\\left\\lVert A x - b \\right\\rVert} \\left(x^T A^T - b^T\\right) A",
        "scalar",
        "m",
        "m",
        "1×m",
    ),
    (
        "np.sum(np.exp(W @ x + b))",
        "x",
        None,
        "W^T \\exp\\left(W x + b\\right)",
        "\\exp\\left(W x + b\\right)^T W",
        "scalar",
        "m",
        "m",
        "1×m",
    ),
    (
        "sum(exp(W*x+b))",
        "W",
        None,
        "\\exp\\left(W x + b\\right) x^T",
        "x \\exp\\left(W x + b\\right)^T",
        "scalar",
        "n×m",
        "n×m",
        "m×n",
    ),
    (
        "np.maximum(0, w @ x + b)",
        "w",
        "b: scalar",
        "\\operatorname{step}\\left(w^T x + b\\right) x",
        "\\operatorname{step}\\left(w^T x + b\\right) x^T",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    (
        "(np.maximum(0, w @ x + b) - y)**2",
        "w",
        "b: scalar; y: scalar",
        "2 \\left(\\operatorname{relu}\\left(w^T x + b\\right) - y\\right) \\operatorname{step}\\left(w^T x + b\\right) x",  # noqa: E501
        "2 \\left(\\operatorname{relu}\\left(w^T x + b\\right) - y\\right) \\operatorname{step}\\left(w^T x + b\\right) x^T",  # noqa: E501
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    (
        "-y @ np.log(softmax(z))",
        "z",
        None,
        "\\operatorname{sum}\\left(y\\right) \\operatorname{softmax}\\left(z\\right) - y",
        "\\operatorname{sum}\\left(y\\right) \\operatorname{softmax}\\left(z\\right)^T - y^T",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    (
        "np.sum(np.log(1 + np.exp(-y * (X @ w))))",
        "w",
        None,
        "-X^T \\left(\\sigma\\left(-y \\odot \\left(X w\\right)\\right) \\odot y\\right)",
        "-\\left(\\sigma\\left(-y \\odot \\left(X w\\right)\\right)^T \\odot y^T\\right) X",
        "scalar",
        "k",
        "k",
        "1×k",
    ),
    (
        "-(y @ np.log(sigmoid(X @ w)) + (1 - y) @ np.log(1 - sigmoid(X @ w)))",
        "w",
        None,
        "X^T \\left(\\sigma\\left(X w\\right) - y\\right)",
        "\\left(\\sigma\\left(X w\\right)^T - y^T\\right) X",
        "scalar",
        "k",
        "k",
        "1×k",
    ),
    (
        "np.linalg.norm(X @ w - y)**2 + alpha * w @ w",
        "w",
        None,
        "2 X^T \\left(X w - y\\right) + 2 \\alpha w",
        "2 \\left(w^T X^T - y^T\\right) X + 2 \\alpha w^T",
        "scalar",
        "m",
        "m",
        "1×m",
    ),
    (
        "np.sum((W2 @ np.tanh(W1 @ x + b1) - y)**2)",
        "W1",
        "W2: k×m; W1: m×n; x: n; b1: m; y: k",
        "2 \\left(\\left(W_{2}^T \\left(W_{2} \\tanh\\left(W_{1} x + b_{1}\\right) - y\\right)\\right) \\odot \\left(\\mathbf{1} - \\tanh\\left(W_{1} x + b_{1}\\right)^{\\circ 2}\\right)\\right) x^T",  # noqa: E501
        "2 x \\left(\\left(\\left(\\tanh\\left(W_{1} x + b_{1}\\right)^T W_{2}^T - y^T\\right) W_{2}\\right) \\odot \\left(\\mathbf{1}^T - \\left(\\tanh\\left(W_{1} x + b_{1}\\right)^{\\circ 2}\\right)^T\\right)\\right)",  # noqa: E501
        "scalar",
        "m×n",
        "m×n",
        "n×m",
    ),
    ("W @ x", "x", None, "W^T", "W", "n", "m", "m×n", "n×m"),
    (
        "softmax(x)",
        "x",
        None,
        "\\operatorname{diag}\\left(\\operatorname{softmax}\\left(x\\right)\\right) - \\operatorname{softmax}\\left(x\\right) \\operatorname{softmax}\\left(x\\right)^T",  # noqa: E501
        "\\operatorname{diag}\\left(\\operatorname{softmax}\\left(x\\right)\\right) - \\operatorname{softmax}\\left(x\\right) \\operatorname{softmax}\\left(x\\right)^T",  # noqa: E501
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "np.tanh(W @ x)",
        "x",
        None,
        "W^T \\operatorname{diag}\\left(\\mathbf{1} - \\tanh\\left(W x\\right)^{\\circ 2}\\right)",
        "\\operatorname{diag}\\left(\\mathbf{1} - \\tanh\\left(W x\\right)^{\\circ 2}\\right) W",
        "n",
        "m",
        "m×n",
        "n×m",
    ),
    (
        "x.*exp(x)",
        "x",
        None,
        "\\operatorname{diag}\\left(\\exp\\left(x\\right) \\odot \\left(\\mathbf{1} + x\\right)\\right)",
        "\\operatorname{diag}\\left(\\exp\\left(x\\right) \\odot \\left(\\mathbf{1} + x\\right)\\right)",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "np.diag(x) @ y",
        "x",
        None,
        "\\operatorname{diag}\\left(y\\right)",
        "\\operatorname{diag}\\left(y\\right)",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    ("A @ X @ B", "X", None, "G \\mapsto A^T G B^T", "G \\mapsto B G^T A", "n×r", "m×p", "m×p", "p×m"),
    (
        "np.linalg.inv(X)",
        "X",
        None,
        "G \\mapsto -X^{-T} G X^{-T}",
        "G \\mapsto -X^{-1} G^T X^{-1}",
        "n×n",
        "n×n",
        "n×n",
        "n×n",
    ),
    (
        "np.linalg.det(X)",
        "X",
        None,
        "\\det\\left(X\\right) X^{-T}",
        "\\det\\left(X\\right) X^{-1}",
        "scalar",
        "n×n",
        "n×n",
        "n×n",
    ),
    (
        "np.linalg.norm(x)",
        "x",
        None,
        "\\frac{1}{\\left\\lVert x \\right\\rVert} x",
        "\\frac{1}{\\left\\lVert x \\right\\rVert} x^T",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    (
        "np.linalg.norm(X)",
        "X",
        None,
        "\\frac{1}{\\left\\lVert X \\right\\rVert_F} X",
        "\\frac{1}{\\left\\lVert X \\right\\rVert_F} X^T",
        "scalar",
        "n×m",
        "n×m",
        "m×n",
    ),
    (
        "logsumexp(x)",
        "x",
        None,
        "\\operatorname{softmax}\\left(x\\right)",
        "\\operatorname{softmax}\\left(x\\right)^T",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    ("np.mean(x * x)", "x", None, "\\frac{2}{n} x", "\\frac{2}{n} x^T", "scalar", "n", "n", "1×n"),
    ("tr(X*A)", "X", None, "A^T", "A", "scalar", "n×m", "n×m", "m×n"),
    (
        "norm1(x)",
        "x",
        None,
        "\\operatorname{sign}\\left(x\\right)",
        "\\operatorname{sign}\\left(x\\right)^T",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    ("sum(vector(1)./x)", "x", None, "-x^{\\circ -2}", "-\\left(x^{\\circ -2}\\right)^T", "scalar", "n", "n", "1×n"),
    (
        "np.sqrt(x)",
        "x",
        None,
        "\\frac{1}{2} \\operatorname{diag}\\left(x^{\\circ - \\frac{1}{2}}\\right)",
        "\\frac{1}{2} \\operatorname{diag}\\left(x^{\\circ - \\frac{1}{2}}\\right)",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "np.sin(x) * np.cos(x)",
        "x",
        None,
        "\\operatorname{diag}\\left(\\cos\\left(x\\right)^{\\circ 2} - \\sin\\left(x\\right)^{\\circ 2}\\right)",
        "\\operatorname{diag}\\left(\\cos\\left(x\\right)^{\\circ 2} - \\sin\\left(x\\right)^{\\circ 2}\\right)",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "np.abs(x)",
        "x",
        None,
        "\\operatorname{diag}\\left(\\operatorname{sign}\\left(x\\right)\\right)",
        "\\operatorname{diag}\\left(\\operatorname{sign}\\left(x\\right)\\right)",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "np.trace(np.linalg.inv(X) @ A)",
        "X",
        None,
        "-X^{-T} A^T X^{-T}",
        "-X^{-1} A X^{-1}",
        "scalar",
        "n×n",
        "n×n",
        "n×n",
    ),
    (
        "softplus(W @ x)",
        "W",
        None,
        "G \\mapsto \\left(G \\odot \\sigma\\left(W x\\right)\\right) x^T",
        "G \\mapsto x \\left(G^T \\odot \\sigma\\left(W x\\right)^T\\right)",
        "n",
        "n×m",
        "n×m",
        "m×n",
    ),
    (
        "np.sum(relu(W @ x))",
        "W",
        None,
        "\\operatorname{step}\\left(W x\\right) x^T",
        "x \\operatorname{step}\\left(W x\\right)^T",
        "scalar",
        "n×m",
        "n×m",
        "m×n",
    ),
    ("x'*x", "x", None, "2 x", "2 x^T", "scalar", "n", "n", "1×n"),
    ("np.trace(X.T @ X)", "X", None, "2 X", "2 X^T", "scalar", "n×m", "n×m", "m×n"),
    ("a.T @ X @ b", "X", None, "a b^T", "b a^T", "scalar", "n×k", "n×k", "k×n"),
    (
        "x.^2",
        "x",
        None,
        "2 \\operatorname{diag}\\left(x\\right)",
        "2 \\operatorname{diag}\\left(x\\right)",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "sigmoid(w @ x)",
        "w",
        None,
        "\\sigma\\left(w^T x\\right) \\left(1 - \\sigma\\left(w^T x\\right)\\right) x",
        "\\sigma\\left(w^T x\\right) \\left(1 - \\sigma\\left(w^T x\\right)\\right) x^T",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    (
        "np.log(x) / n",
        "x",
        "n: scalar",
        "\\frac{1}{n} \\operatorname{diag}\\left(x^{\\circ -1}\\right)",
        "\\frac{1}{n} \\operatorname{diag}\\left(x^{\\circ -1}\\right)",
        "m",
        "m",
        "m×m",
        "m×m",
    ),
    (
        "np.log(np.linalg.det(X.T @ X))",
        "X",
        None,
        "2 X \\left(X^T X\\right)^{-1}",
        "2 \\left(X^T X\\right)^{-1} X^T",
        "scalar",
        "n×m",
        "n×m",
        "m×n",
    ),
    (
        "W2 @ relu(W1 @ x)",
        "W1",
        None,
        "G \\mapsto \\left(\\left(W_{2}^T G\\right) \\odot \\operatorname{step}\\left(W_{1} x\\right)\\right) x^T",
        "G \\mapsto x \\left(\\left(G^T W_{2}\\right) \\odot \\operatorname{step}\\left(W_{1} x\\right)^T\\right)",
        "n",
        "m×p",
        "m×p",
        "p×m",
    ),
    (
        "x / np.linalg.norm(x)",
        "x",
        None,
        "\\frac{1}{\\left\\lVert x \\right\\rVert} I - \\left\\lVert x \\right\\rVert^{-3} x x^T",
        "\\frac{1}{\\left\\lVert x \\right\\rVert} I - \\left\\lVert x \\right\\rVert^{-3} x x^T",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "np.sum(x) * x",
        "x",
        None,
        "\\mathbf{1} x^T + \\operatorname{sum}\\left(x\\right) I",
        "x \\mathbf{1}^T + \\operatorname{sum}\\left(x\\right) I",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
    (
        "(x - m).T @ np.linalg.inv(S) @ (x - m)",
        "S",
        "S symmetric",
        "-S^{-1} \\left(x - m\\right) \\left(x^T - m^T\\right) S^{-1}",
        "-S^{-1} \\left(x - m\\right) \\left(x^T - m^T\\right) S^{-1}",
        "scalar",
        "n×n",
        "n×n",
        "n×n",
    ),
    (
        "np.linalg.det(X) ** 2",
        "X",
        None,
        "2 \\det\\left(X\\right)^{2} X^{-T}",
        "2 \\det\\left(X\\right)^{2} X^{-1}",
        "scalar",
        "n×n",
        "n×n",
        "n×n",
    ),
    (
        "x.T @ np.linalg.inv(A) @ x",
        "A",
        None,
        "-A^{-T} x x^T A^{-T}",
        "-A^{-1} x x^T A^{-1}",
        "scalar",
        "n×n",
        "n×n",
        "n×n",
    ),
    (
        "softmax(Q @ k)",
        "Q",
        None,
        "G \\mapsto \\left(-\\left(\\operatorname{softmax}\\left(Q k\\right)^T G\\right) \\operatorname{softmax}\\left(Q k\\right) + \\operatorname{softmax}\\left(Q k\\right) \\odot G\\right) k^T",  # noqa: E501
        "G \\mapsto k \\left(-\\left(\\operatorname{softmax}\\left(Q k\\right)^T G\\right) \\operatorname{softmax}\\left(Q k\\right)^T + \\operatorname{softmax}\\left(Q k\\right)^T \\odot G^T\\right)",  # noqa: E501
        "n",
        "n×m",
        "n×m",
        "m×n",
    ),
    (
        "X.T @ X",
        "X",
        None,
        "G \\mapsto X \\left(G^T + G\\right)",
        "G \\mapsto \\left(G + G^T\\right) X^T",
        "m×m",
        "n×m",
        "n×m",
        "m×n",
    ),
    ("np.trace(X.T @ A @ X)", "X", "A symmetric", "2 A X", "2 X^T A", "scalar", "n×m", "n×m", "m×n"),
    (
        "np.log(x.T @ A @ x)",
        "x",
        None,
        "\\frac{1}{x^T A x} \\left(A + A^T\\right) x",
        "\\frac{1}{x^T A x} x^T \\left(A + A^T\\right)",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    ("x.T @ x / (y.T @ y)", "x", None, "\\frac{2}{y^T y} x", "\\frac{2}{y^T y} x^T", "scalar", "n", "n", "1×n"),
    (
        "np.mean(np.log(1 + np.exp(-y * (X @ w)))) + lam / 2 * w @ w",
        "w",
        None,
        "-\\frac{1}{n} X^T \\left(\\sigma\\left(-y \\odot \\left(X w\\right)\\right) \\odot y\\right) + \\lambda w",
        "-\\frac{1}{n} \\left(\\sigma\\left(-y \\odot \\left(X w\\right)\\right)^T \\odot y^T\\right) X + \\lambda w^T",
        "scalar",
        "k",
        "k",
        "1×k",
    ),
    (
        "(A @ x) * (B @ x)",
        "x",
        None,
        "A^T \\operatorname{diag}\\left(B x\\right) + B^T \\operatorname{diag}\\left(A x\\right)",
        "\\operatorname{diag}\\left(B x\\right) A + \\operatorname{diag}\\left(A x\\right) B",
        "n",
        "m",
        "m×n",
        "n×m",
    ),
    (
        "np.trace(np.linalg.inv(X) @ np.linalg.inv(X))",
        "X",
        None,
        "-2 X^{-T} X^{-T} X^{-T}",
        "-2 X^{-1} X^{-1} X^{-1}",
        "scalar",
        "n×n",
        "n×n",
        "n×n",
    ),
    (
        "exp(x)'*y",
        "x",
        None,
        "y \\odot \\exp\\left(x\\right)",
        "y^T \\odot \\exp\\left(x\\right)^T",
        "scalar",
        "n",
        "n",
        "1×n",
    ),
    (
        "np.linalg.norm(W @ x, 1)",
        "x",
        None,
        "W^T \\operatorname{sign}\\left(W x\\right)",
        "\\operatorname{sign}\\left(W x\\right)^T W",
        "scalar",
        "m",
        "m",
        "1×m",
    ),
    (
        "softplus(x) - np.log(sigmoid(x))",
        "x",
        None,
        "2 \\operatorname{diag}\\left(\\sigma\\left(x\\right)\\right) - I",
        "2 \\operatorname{diag}\\left(\\sigma\\left(x\\right)\\right) - I",
        "n",
        "n",
        "n×n",
        "n×n",
    ),
]


@pytest.mark.parametrize(("expr", "wrt", "shapes", "den", "num", "f_shape", "x_shape", "den_shape", "num_shape"), CASES)
def test_the_engine_derives(
    expr: str,
    wrt: str,
    shapes: str | None,
    den: str,
    num: str,
    f_shape: str,
    x_shape: str,
    den_shape: str,
    num_shape: str,
) -> None:
    d = mcref.derive(expr, wrt, shapes)  # the engine's result, checked numerically too
    assert (d.denominator, d.numerator) == (den, num)
    assert (d.f_shape, d.wrt_shape, d.denominator_shape, d.numerator_shape) == (f_shape, x_shape, den_shape, num_shape)
    assert d.checks and d.checks[0].startswith("exact: entry by entry")
    assert d.checks[-1].startswith("numerical: mcref.check_") and "at random points" in d.checks[-1]
    assert "\\top" not in d.denominator + d.numerator + d.latex
    assert d.steps, "every derivative shows its steps"


def test_the_kinds_of_result() -> None:
    assert derive("x.T @ x", "x").kind == "gradient"
    assert derive("W @ x", "x").kind == "jacobian"
    assert derive("A @ X", "X").kind == "vjp"
    assert derive("W @ x", "W").kind == "vjp"  # a vector of a matrix: the VJP form


def test_a_scalar_plus_a_vector_is_broadcast() -> None:
    d = derive("x.T @ A @ x + y", "x", "A: n×n; y: m")
    assert (d.kind, d.f_shape, d.numerator, d.numerator_shape) == (
        "jacobian",
        "m",
        "\\mathbf{1} x^T \\left(A + A^T\\right)",
        "m×n",
    )


def test_steps_cite_the_rules() -> None:
    assert [r for _, r in derive("np.log(np.linalg.det(X))", "X").steps] == ["MC43"]
    assert [r for _, r in derive("np.trace(A @ X.T @ B @ X @ C)", "X").steps] == ["MC36", "MC37", "MC44"]
    assert ("d(UV) = dU V + U dV", "MC37") in derive("x.T @ A @ x", "x").steps
    assert [r for _, r in derive("-y @ np.log(softmax(z))", "z").steps] == ["MC37", "X19"]
    assert "X15" in [r for _, r in derive("np.sum(np.log(1 + np.exp(-y * (X @ w))))", "w").steps]
    # np.diag either way: X53 (a vector onto a diagonal), X54 (the diagonal of a matrix), not S8 (scalar linearity)
    assert [r for _, r in derive("np.diag(x) @ y", "x").steps] == ["MC37", "X53"]
    assert [r for _, r in derive("np.sum(np.diag(X) * y)", "X").steps] == ["R19", "MC38", "X54"]
    # the element-wise rules that closed the engine's gaps: sin, cos, abs, and sign and step in Hessians
    assert [r for _, r in derive("np.sum(np.sin(x) + np.cos(x))", "x").steps] == ["R19", "MC35", "X37", "X38"]
    assert [r for _, r in derive("np.sum(np.abs(x))", "x", order=2).steps] == ["R19", "X39", "MC98", "X51"]
    assert [r for _, r in derive("np.sum(relu(x))", "x", order=2).steps] == ["R19", "N6", "MC98", "X52"]


def test_every_rule_id_the_engine_cites_is_registered() -> None:
    registered = {r.id for r in mcref.all_rules()}
    cited = {rid for _, rid in reverse.RULES.values() if rid is not None}
    assert cited <= registered, f"not registered: {sorted(cited - registered)}"
    # the gaps: steps no registered rule states yet (close one by registering the rule and citing it)
    gaps = sorted(k for k, (_, rid) in reverse.RULES.items() if rid is None)
    assert gaps == []


def test_the_result_object() -> None:
    d = derive("x'*A*x", "x")
    assert isinstance(d, Derivative) and d.syntax == "matrixcalculus"
    assert d.latex == "x^T A x"
    assert d.shapes == {"x": "n", "A": "n×n"}
    assert "def grad_f(x, A):" in d.numpy and "import numpy as np" in d.numpy
    assert mcref.derive is derivation.derive and mcref.DeriveError is DeriveError


@pytest.mark.parametrize(
    ("shapes", "expected"),
    [
        ("x: n; A: n×n", {"x": "n", "A": "n×n"}),
        ("x: n; A: n x n", {"x": "n", "A": "n×n"}),
        ({"x": "n", "A": "n,n"}, {"x": "n", "A": "n×n"}),
        ("A: m×n; x: n", {"A": "m×n", "x": "n"}),
    ],
)
def test_declarations(shapes: Any, expected: dict[str, str]) -> None:
    d = derive("A @ x", "x", shapes)
    assert {k: d.shapes[k] for k in expected} == expected


def test_a_scalar_declaration_and_greek_names() -> None:
    assert derive("c * x.T @ x", "x", "c: scalar").denominator == "2 c x"
    assert derive("alpha * x.T @ x", "x").shapes["alpha"] == "scalar"
    assert derive("lam / 2 * w @ w", "w").denominator == "\\lambda w"


@pytest.mark.parametrize(
    ("expr", "shapes", "message"),
    [
        ("x.T @ foo @ x", None, "col 7: unknown name 'foo'"),
        ("np.sum(np.frobnicate(x))", None, "col 8: unsupported function 'frobnicate'"),
        ("x.T @ (A @ x", None, "col 7: syntax error"),
        (
            "A @ x",
            "A: m×n; x: m",
            "col 1: A @ x needs A's columns (n) to match x's length (m); got A: m×n and x: m",
        ),
        (
            "A @ x + y",
            "A: n×n; y: m",
            "col 1: A @ x + y needs A @ x (n) and y (m) to have the same shape; got A @ x: n",
        ),
        ("x'*A*y", "A: m×n; x: m; y: m", "col 1: x'*A*y needs x'*A's columns (n) to match y's length (m)"),
        (
            "sum(exp(x)) + tr(A*B)",
            "A: m×n; B: m×n",
            "col 18: A*B needs A's columns (n) to match B's rows (m); got A: m×n and B: m×n",
        ),
        ("np.trace(W)", "W: m×n", "col 1: np.trace(W) needs a square matrix; got W: m×n"),
        ("x.T @ A @ x", "A: n×n; A symmetric; x: m", "needs"),
        ("x[0]", None, "col 1: unsupported syntax (Subscript)"),
        ("x.T @ A @ x * 2 ^ 3", None, "mixes numpy syntax"),
        ("sum(x^2)", None, "col 5: x^2: the matrix power needs a square matrix; got x: n; use .^"),
        ("tr(X^0) + x'*x", None, "col 4: X^0: the matrix power needs an integer exponent k >= 1; got 0"),
        ("np.linalg.matrix_power(X, 1.5) @ x", None, "col 27: np.linalg.matrix_power(X, 1.5): the matrix power needs"),
        ("np.linalg.matrix_power(W, 2) @ x", "W: m×n", "col 1: np.linalg.matrix_power(W, 2) needs a square matrix"),
        ("np.outer(x, A)", None, "col 13: np.outer(x, A): outer needs two vectors; got A: m×k"),
        ("np.sum(np.outer(x))", None, "col 8: np.outer(x): outer takes two arguments"),
        ("np.sum(softmax(X, axis=2)) + x @ x", None, "col 24: softmax(X, axis=2): softmax's axis must be 0, 1 or -1"),
        ("np.sum(np.exp(X, axis=1)) + x @ x", None, "col 8: np.exp(X, axis=1): keyword arguments are not supported"),
        ("sum(vector(2).*x)", None, "col 5: vector(2): only vector(1), the all-ones vector, is supported"),
        ("np.sum(x, axis=0)", None, "col 1: np.sum(x, axis=0): keyword arguments are not supported"),
        ("np.sum(softmax(X)) + x.T @ x", "X: n×n", "col 8: softmax(X) needs a vector; got X: n×n"),
        ("x ** y", None, "the exponent must be a number"),
        ("", None, "col 1: the expression is empty"),
    ],
)
def test_bad_input_names_the_column(expr: str, shapes: str | None, message: str) -> None:
    with pytest.raises(DeriveError) as err:
        derive(expr, "x", shapes)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


def test_bad_arguments() -> None:
    with pytest.raises(DeriveError, match="'z' does not occur"):
        derive("x.T @ x", "z")
    with pytest.raises(TypeError, match="must be a string"):
        derive(3, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="shapes must be"):
        derive("x.T @ x", "x", 3)  # type: ignore[arg-type]
    with pytest.raises(DeriveError, match="declared symmetric but its shape m×n is not square"):
        derive("x.T @ A @ x", "x", "A: m×n; A symmetric")


def test_the_numerical_layer_refuses_bad_arguments() -> None:
    with pytest.raises(TypeError, match="must be a string"):
        mcref.derive(3, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="wrt must be a string; got int"):
        mcref.derive("x @ x", 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="order must be 1 or 2; got 0"):
        mcref.derive("x @ x", "x", order=0)
    with pytest.raises(DeriveError, match="col 1: 'z' does not occur"):
        mcref.derive("x @ x", "z")
    for check in (derivation.check_numerically, derivation.points):
        with pytest.raises(TypeError, match=r"d must be a Derivative \(a result of mcref\.derive\); got str"):
            check("x @ x")  # type: ignore[arg-type]


def test_the_exact_check_catches_a_wrong_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted bug (the trace's adjoint transposed, the log's derivative off by a factor) is refused."""
    original = reverse.adjoint

    def wrong(n: Any, i: int, g: Any) -> Any:
        out = original(n, i, g)
        if n.op == "fn" and n.data == "log":
            return reverse.ir.smul(reverse.ir.const(2), out)
        if n.op == "matmul" and i == 0:
            return reverse.ir.T(out) if out.shape[0] == out.shape[1] else out
        return out

    monkeypatch.setattr(reverse, "adjoint", wrong)
    with pytest.raises(DeriveError, match="internal: the derived formula failed its exact check"):
        derive("np.sum(np.log(x))", "x")
    with pytest.raises(DeriveError, match="internal: the derived formula failed its exact check"):
        derive("np.trace(A @ X)", "A", "A: n×n; X: n×n")


def test_symmetric_variable_is_checked_as_symmetric() -> None:
    d = derive("np.trace(A @ X)", "X", "X: n×n; X symmetric; A: n×n")
    assert d.denominator == "A^T"  # the free gradient; its symmetric part is what the check compares
    assert len(d.checks) == 3 and "(G + G^T)/2" in d.checks[2]
    assert "transpose of the denominator-layout form" in d.checks[1]


def test_a_number_as_a_dimension() -> None:
    d = derive("A @ x", "x", "x: 3")
    assert d.shapes == {"A": "n×3", "x": "3"} and d.numerator == "A"
    with pytest.raises(DeriveError, match="col 1: A @ x needs A's columns \\(2\\) to match x's length \\(3\\)"):
        derive("A @ x", "x", "x: 3; A: 2×2")


def test_the_engine_runs_without_numpy() -> None:
    """mcref.engine imports no numpy and nothing else of mcref: it runs with numpy made unimportable."""
    code = textwrap.dedent(
        f"""
        import sys, types
        sys.modules["numpy"] = None
        pkg = types.ModuleType("mcref")
        pkg.__path__ = [{str(ROOT / "mcref")!r}]
        sys.modules["mcref"] = pkg
        import mcref.engine
        for expr, wrt in [("x.T @ A @ x", "x"), ("np.log(np.linalg.det(X))", "X"), ("softmax(x)", "x"),
                          ("np.linalg.norm(A @ x - y)**2", "x")]:
            print(mcref.engine.derive(expr, wrt).denominator)
        assert not any(m == "numpy" or m.startswith("numpy.") for m, v in sys.modules.items() if v is not None)
        assert sorted(m for m in sys.modules if m.startswith("mcref.") and not m.startswith("mcref.engine")) == []
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "\\left(A + A^T\\right) x",
        "X^{-T}",
        "\\operatorname{diag}\\left(\\operatorname{softmax}\\left(x\\right)\\right) - "
        "\\operatorname{softmax}\\left(x\\right) \\operatorname{softmax}\\left(x\\right)^T",
        "2 A^T \\left(A x - y\\right)",
    ]


def test_import_mcref_leaves_sympy_unloaded_until_the_engine_is_used() -> None:
    """`import mcref` does not pay for SymPy; `mcref.derive` loads the engine on first use."""
    code = textwrap.dedent(
        """
        import sys
        import mcref
        print("sympy" in sys.modules, "mcref.engine" in sys.modules)
        print(mcref.derive("x.T @ x", "x").denominator, "sympy" in sys.modules)
        from mcref import DeriveError
        print(DeriveError is mcref.engine.DeriveError)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["False False", "2 x True", "True"]


# ------------------------------------------------------------------ the numerical layer


def test_the_numerical_check_states_its_sizes_and_draws() -> None:
    """Distinct sizes per dimension (non-square), and the domain of log and det respected."""
    d = mcref.derive("np.sum(np.exp(W @ x + b))", "x")
    assert d.checks[:2] == derive("np.sum(np.exp(W @ x + b))", "x").checks[:2]
    assert d.checks[-1] == (
        "numerical: mcref.check_jacobian on the numpy code (central differences, step 1e-06, rtol 1e-05, atol 1e-07)"
        " at random points, n=3, m=4 and n=5, m=2"
    )
    d = mcref.derive("np.log(np.linalg.det(X)) + np.sum(np.log(x))", "X")
    assert d.checks[-1].endswith("n=3, k=4 and n=5, k=2; x drawn positive (under log, sqrt or a negative power); "
                                 "X drawn as U + nI (inside det, logdet or an inverse)")  # fmt: skip
    assert "A drawn symmetric" in mcref.derive("x.T @ A @ x", "x", "A symmetric").checks[-1]
    assert mcref.derive("A @ X @ B", "X").checks[-1].startswith("numerical: mcref.check_backprop")
    # log det(XᵀX) needs a tall X: the wide sizes are left out, the tall ones checked
    assert mcref.derive("np.log(np.linalg.det(X.T @ X))", "X").checks[-1].split("points, ")[1] == "n=5, m=2"


@pytest.mark.parametrize(
    ("expr", "wrt", "planted", "message"),
    [
        ("x.T @ A @ x", "x", ("return ((A + A.T) @ x)", "return ((A + A) @ x)"), "grad_f failed its numerical check"),
        ("W @ x", "x", ("return W\n", "return W.T\n"), "jacobian_f returned shape (4, 3), expected (3, 4)"),
        ("A @ X @ B", "X", ("return ((A.T @ G) @ B.T)", "return ((A.T @ G) @ B.T) * 1.001"), "vjp_f failed"),
        ("np.sum(np.exp(W @ x + b))", "x", ("return (W.T @", "return (1.0001 * W.T @"), "grad_f failed"),
    ],
)
def test_the_numerical_check_catches_wrong_code(expr: str, wrt: str, planted: tuple[str, str], message: str) -> None:
    """The exact check proves the formula; the numerical one catches a wrong numpy text of it."""
    d = derive(expr, wrt)
    assert planted[0] in d.numpy, d.numpy
    wrong = dataclasses.replace(d, numpy=d.numpy.replace(*planted))
    with pytest.raises(DeriveError, match=re.escape(message)):
        derivation.check_numerically(wrong)
    assert derivation.check_numerically(d).startswith("numerical:")


# (expression, variable, declarations, gradient LaTeX, Hessian LaTeX, Hessian shape, rule IDs cited)
HESSIANS = [
    ("x.T @ A @ x", "x", None, "\\left(A + A^T\\right) x", "A + A^T", "n×n", ["MC37", "MC44", "MC98"]),
    ("x.T @ A @ x + b @ x", "x", "A symmetric", "2 A x + b", "2 A", "n×n", ["MC35", "MC37", "MC44", "MC98", "MC34"]),
    (
        "np.sum(np.exp(A @ x))",
        "x",
        None,
        "A^T \\exp\\left(A x\\right)",
        "A^T \\operatorname{diag}\\left(\\exp\\left(A x\\right)\\right) A",
        "m×m",
        ["R19", "X16", "MC37", "MC98"],
    ),
    (
        "logsumexp(x)",
        "x",
        None,
        "\\operatorname{softmax}\\left(x\\right)",
        "\\operatorname{diag}\\left(\\operatorname{softmax}\\left(x\\right)\\right) - "
        "\\operatorname{softmax}\\left(x\\right) \\operatorname{softmax}\\left(x\\right)^T",
        "n×n",
        ["X21", "MC98", "X18"],
    ),
    (
        "-(y @ np.log(sigmoid(X @ w)) + (1 - y) @ np.log(1 - sigmoid(X @ w)))",
        "w",
        None,
        "X^T \\left(\\sigma\\left(X w\\right) - y\\right)",
        "X^T \\operatorname{diag}\\left(\\sigma\\left(X w\\right) \\odot \\left(\\mathbf{1} - "
        "\\sigma\\left(X w\\right)\\right)\\right) X",
        "k×k",
        ["MC34", "MC35", "MC37", "X17", "X13", "MC98"],
    ),
    (
        "np.sum(np.log(1 + np.exp(-y * (X @ w))))",
        "w",
        None,
        "-X^T \\left(\\sigma\\left(-y \\odot \\left(X w\\right)\\right) \\odot y\\right)",
        "X^T \\operatorname{diag}\\left(\\sigma\\left(-y \\odot \\left(X w\\right)\\right) \\odot "
        "y^{\\circ 2} \\odot \\left(\\mathbf{1} - \\sigma\\left(-y \\odot \\left(X w\\right)\\right)"
        "\\right)\\right) X",
        "k×k",
        ["R19", "X15", "MC38", "MC37", "MC98", "MC34", "X13"],
    ),
    (
        "np.linalg.norm(A @ x - y)**2",
        "x",
        None,
        "2 A^T \\left(A x - y\\right)",
        "2 A^T A",
        "m×m",
        ["X11", "MC35", "MC37", "MC98", "MC34"],
    ),
    ("np.sum(relu(W @ x))", "x", None, "W^T \\operatorname{step}\\left(W x\\right)", "0", "m×m", None),
]


@pytest.mark.parametrize(
    ("expr", "wrt", "shapes", "grad", "hess", "shape", "rules"), HESSIANS, ids=[h[0] for h in HESSIANS]
)
def test_the_hessian_of_a_scalar(
    expr: str, wrt: str, shapes: str | None, grad: str, hess: str, shape: str, rules: list[str] | None
) -> None:
    d = mcref.derive(expr, wrt, shapes, order=2)
    assert (d.kind, d.gradient, d.numerator, d.denominator) == ("hessian", grad, hess, hess)
    assert (d.f_shape, d.numerator_shape, d.denominator_shape) == ("scalar", shape, shape)
    assert d.checks[0].startswith("exact (the gradient): entry by entry")
    assert d.checks[1].startswith("exact: second derivatives entry by entry")
    assert d.checks[-1].startswith("numerical: mcref.check_jacobian")
    assert "def grad_f(" in d.numpy and "def hessian_f(" in d.numpy
    assert " and mcref.check_jacobian(grad_f, hessian_f, " in d.check_call
    assert ("∇²f = ∂(∇f)/∂x: the Hessian is the Jacobian of the gradient, a symmetric matrix", "MC98") in d.steps
    if rules is not None:
        assert [r for _, r in d.steps] == rules


def test_the_hessian_refuses_what_it_does_not_cover() -> None:
    with pytest.raises(DeriveError, match="col 1: order=2 gives the Hessian of a scalar f with respect to a vector; "
                       "got f: n and x: m"):  # fmt: skip
        derive("W @ x", "x", order=2)
    with pytest.raises(DeriveError, match="got f: scalar and X: n×m"):
        derive("np.sum(X)", "X", order=2)
    with pytest.raises(ValueError, match="order must be 1 or 2; got 3"):
        derive("x @ x", "x", order=3)
    with pytest.raises(TypeError, match="order must be 1 or 2; got str '2'"):
        derive("x @ x", "x", order="2")  # type: ignore[arg-type]


def test_the_exact_check_catches_a_wrong_hessian(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Hessian off by a factor of 2 (the gradient right) is refused by the second-derivative check."""
    original = reverse.jacobian_from_vjp

    def doubled(vjp: Any, v: str, rows: Any = None) -> Any:
        return reverse.ir.smul(reverse.ir.const(2), original(vjp, v, rows))

    module = importlib.import_module("mcref.engine.derive")  # the module, not the function mcref.engine.derive
    monkeypatch.setattr(module, "jacobian_from_vjp", doubled)
    with pytest.raises(DeriveError, match="internal: the derived formula failed its exact check"):
        derive("np.sum(np.exp(A @ x))", "x", order=2)


# (expression, variable, the VJP, the Kronecker form of ∂vec f/∂vec X, its shape)
KRONECKER = [
    ("A @ X @ B", "X", "G \\mapsto A^T G B^T", "\\operatorname{kron}\\left(B^T, A\\right)", "(n·r)×(m·p)"),
    ("X.T", "X", "G \\mapsto G^T", "K_{nm}", "(m·n)×(n·m)"),
    (
        "np.linalg.inv(X)",
        "X",
        "G \\mapsto -X^{-T} G X^{-T}",
        "-\\operatorname{kron}\\left(X^{-T}, X^{-1}\\right)",
        "(n·n)×(n·n)",
    ),
    (
        "X @ X",
        "X",
        "G \\mapsto G X^T + X^T G",
        "\\operatorname{kron}\\left(X^T, I_{n}\\right) + \\operatorname{kron}\\left(I_{n}, X\\right)",
        "(n·n)×(n·n)",
    ),
    (
        "X.T @ X",
        "X",
        "G \\mapsto X \\left(G^T + G\\right)",
        "K_{mm} \\operatorname{kron}\\left(I_{m}, X^T\\right) + \\operatorname{kron}\\left(I_{m}, X^T\\right)",
        "(m·m)×(n·m)",
    ),
    ("W @ x", "W", "G \\mapsto G x^T", "\\operatorname{kron}\\left(x^T, I_{n}\\right)", "n×(n·m)"),
    (
        "2 * X @ A + X",
        "X",
        "G \\mapsto 2 G A^T + G",
        "2 \\operatorname{kron}\\left(A^T, I_{n}\\right) + I_{nm}",
        "(n·m)×(n·m)",
    ),
    ("np.exp(X)", "X", "G \\mapsto G \\odot \\exp\\left(X\\right)", "", ""),  # G element-wise: none
]


@pytest.mark.parametrize(("expr", "wrt", "vjp", "kron", "shape"), KRONECKER, ids=[k[0] for k in KRONECKER])
def test_the_kronecker_form(expr: str, wrt: str, vjp: str, kron: str, shape: str) -> None:
    d = derive(expr, wrt)
    assert (d.kind, d.denominator, d.kronecker, d.kronecker_shape) == ("vjp", vjp, kron, shape)
    proven = [c for c in d.checks if "Kronecker" in c]
    sizes = d.checks[0].split(" at ")[1].split(", other")[0]  # the instance of the exact check
    assert proven == ([f"exact: the Kronecker form equals ∂vec f/∂vec {wrt} entry by entry at {sizes}"] if kron else [])


def test_no_kronecker_form_where_it_would_be_ambiguous() -> None:
    """A symmetric variable (free or symmetric entries?) and a gradient or Jacobian get none."""
    assert derive("X @ X", "X", "X symmetric").kronecker == ""
    assert derive("x.T @ A @ x", "x").kronecker == "" and derive("W @ x", "x").kronecker == ""


def test_the_exact_check_catches_a_wrong_kronecker_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kronecker factors in the row-major order (P ⊗ Qᵀ's mirror image) are refused."""
    from mcref.engine import kron

    original = kron.matrices
    monkeypatch.setattr(kron, "matrices", lambda t, shape: tuple(reversed(original(t, shape))))
    with pytest.raises(DeriveError, match="internal: the Kronecker form failed its exact check"):
        derive("A @ X @ B", "X")


# matrix powers and outer products: (expression, variable, the derivative, the steps' rule IDs)
POWERS = [
    ("np.trace(np.linalg.matrix_power(X, 3))", "X", "3 \\left(X^T\\right)^{2}", ["MC36", "MC90"]),
    ("tr(X^2)", "X", "2 X^T", ["MC36", "MC90"]),
    (
        "a'*X^3*b",
        "X",
        "a b^T \\left(X^T\\right)^{2} + X^T a b^T X^T + \\left(X^T\\right)^{2} a b^T",
        ["MC37", "MC90"],
    ),
    (
        "np.linalg.matrix_power(X, 3)",
        "X",
        "G \\mapsto G \\left(X^T\\right)^{2} + X^T G X^T + \\left(X^T\\right)^{2} G",
        ["MC90"],
    ),
    ("np.trace(X @ X @ X)", "X", "3 \\left(X^T\\right)^{2}", ["MC36", "MC37"]),
    ("np.outer(x, y)", "y", "G \\mapsto G^T x", ["MC37", "MC44"]),
    ("np.sum(np.outer(x, y) * A)", "x", "A y", ["R19", "MC38", "MC37"]),
]


@pytest.mark.parametrize(("expr", "wrt", "den", "rules"), POWERS, ids=[p[0] for p in POWERS])
def test_matrix_powers_and_outer_products(expr: str, wrt: str, den: str, rules: list[str]) -> None:
    d = mcref.derive(expr, wrt)
    assert d.denominator == den and [r for _, r in d.steps] == rules
    assert d.wrt_shape == d.denominator_shape  # the gradient or VJP is shaped like the variable
    assert d.checks[-1].startswith("numerical: mcref.check_")


def test_the_matrix_power_in_both_syntaxes() -> None:
    d = derive("np.linalg.matrix_power(X, 3)", "X")
    assert (d.latex, d.f_shape, d.wrt_shape) == ("X^{3}", "n×n", "n×n")
    assert "np.linalg.matrix_power(X, 3)" in d.numpy
    assert d.kronecker == (
        "\\operatorname{kron}\\left(\\left(X^T\\right)^{2}, I_{n}\\right) + "
        "\\operatorname{kron}\\left(X^T, X\\right) + \\operatorname{kron}\\left(I_{n}, X^{2}\\right)"
    )
    assert derive("X^3", "X").denominator == d.denominator  # matrixcalculus.org's ^ on a matrix
    assert derive("np.linalg.matrix_power(X, 1)", "X").denominator == "G \\mapsto G"
    outer = derive("np.outer(x, y)", "x")
    assert (outer.latex, outer.f_shape, outer.kronecker) == (
        "x y^T",
        "n×m",
        "\\operatorname{kron}\\left(y, I_{n}\\right)",
    )


def test_softmax_along_an_axis_of_a_matrix() -> None:
    """softmax(X, axis=1) normalizes each row (X18 on each), axis=0 each column; attention is the use."""
    s_row = "\\operatorname{softmax}_{\\mathrm{row}}\\left(X\\right)"
    d = mcref.derive("softmax(X, axis=1)", "X")
    assert (d.kind, d.latex, d.f_shape, d.wrt_shape, d.denominator_shape) == ("vjp", s_row, "n×m", "n×m", "n×m")
    assert d.denominator == (
        f"G \\mapsto {s_row} \\odot \\left(G - \\left({s_row} \\odot G\\right) \\mathbf{{1}} \\mathbf{{1}}^T\\right)"
    )
    assert [r for _, r in d.steps] == ["X18"] and d.kronecker == ""  # G enters element-wise: no Kronecker form
    assert "softmax_axis(X, axis=1)" in d.numpy
    col = mcref.derive("softmax(X, axis=0)", "X")
    assert "\\mathbf{1} \\mathbf{1}^T \\left(" in col.denominator and "_{\\mathrm{col}}" in col.latex
    assert mcref.derive("softmax(X, axis=-1)", "X").denominator == d.denominator
    assert derive("softmax(x, axis=0)", "x").numerator == derive("softmax(x)", "x").numerator  # a vector: X18
    att = mcref.derive("softmax(Q @ K.T / np.sqrt(d), axis=-1) @ V", "Q", "d: scalar")
    assert att.wrt_shape == att.denominator_shape and att.checks[-1].startswith("numerical: mcref.check_backprop")


CHECK_CALLS = [
    ("x.T @ A @ x", "x", None),
    ("np.log(np.linalg.det(X))", "X", None),
    ("W @ x", "x", None),
    ("A @ X @ B", "X", None),
    ("np.trace(A @ X)", "X", "X: n×n; X symmetric; A: n×n"),
    ("(x - m).T @ np.linalg.inv(S) @ (x - m)", "S", "S symmetric"),
    ("np.sum(np.log(1 + np.exp(-y * (X @ w))))", "w", None),
    ("x * 3", "x", None),
]


@pytest.mark.parametrize(("expr", "wrt", "shapes"), CHECK_CALLS, ids=[c[0] for c in CHECK_CALLS])
def test_the_check_call_reverifies_on_the_readers_data(expr: str, wrt: str, shapes: str | None) -> None:
    """The numpy source plus the one-line check, run on random data: it passes, and fails on a wrong derivative."""
    d = mcref.derive(expr, wrt, shapes)
    assert d.check_call.startswith(("mcref.check_jacobian(", "mcref.check_backprop(")) and d.check_call.endswith(".ok")
    assert "\n" not in d.check_call
    for _, values in derivation.points(d):
        scope: dict[str, Any] = {"mcref": mcref, **values}
        exec(d.numpy, scope)
        assert eval(d.check_call, scope) is True
        name = next(k for k in ("grad_f", "jacobian_f", "vjp_f") if k in scope)
        right = scope[name]
        scope[name] = lambda *a, right=right: 1.01 * right(*a)  # a derivative off by 1 %
        assert eval(d.check_call, scope) is False


def test_the_numpy_code_computes_a_repeated_part_once_and_scales_a_vector_not_an_outer_product() -> None:
    """The generated gradient names a part it needs twice (the logistic loss's exponential, the
    network's pre-activation) and puts a number on a factor of an outer product, not on the matrix
    it makes (mcref.derive runs this code against central differences before it answers)."""
    logistic = derive("sum(log(exp(-y.*(X*w))+vector(1)))", "w").numpy.split("def grad_f")[1]
    assert logistic.count("np.exp(") == 1 and "    t1 = np.exp(" in logistic
    network = derive("np.sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)", "W1").numpy.split("def grad_f")[1]
    assert "    t1 = ((W1 @ x) + b1)" in network and network.count("W1 @ x") == 1
    assert "return np.outer((2 * (" in network


def test_a_zero_derivative_a_number_variable_and_a_point_off_the_kinks() -> None:
    """Found by the cross-checks against the registered rules (tests/test_engine_rules.py): a matrix f
    whose derivative is zero, a gradient with respect to a number, ReLU's derivative at a number, and a
    ReLU whose argument has a constant term (the exact check drew its point on a kink and failed)."""
    code: dict[str, Any] = {}
    exec(derive("A + 0 * t", "t", "t: scalar").numpy, code)  # was StopIteration
    assert code["vjp_f"](np.ones((2, 3)), np.ones((2, 3)), 0.5) == 0.0
    exec(derive("np.sum(x * z)", "z", "z: scalar").numpy, code)  # was a 1-entry array, from np.ones((1, n)) @ x
    assert np.shape(code["grad_f"](np.array([1.0, 2.0, 4.0]), 0.5)) == ()
    assert code["grad_f"](np.array([1.0, 2.0, 4.0]), 0.5) == 7
    exec(derive("relu(z)", "z", "z: scalar").numpy, code)  # was AttributeError: a bool has no astype
    assert code["grad_f"](1.5) == 1.0 and code["grad_f"](-1.5) == 0.0
    d = derive("np.sum((y - relu(X @ w + b))**2)", "w", "b: scalar")  # was "internal: ... failed its exact check"
    assert d.denominator.startswith("-2 X^T \\left(\\operatorname{step}\\left(X w + b")
