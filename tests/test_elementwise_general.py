"""R4 and R5: the Jacobian of y = f(w) ○ g(x), built from its pieces.

The registry checks R4 and R5 on one instance each. Here the four builders of
`mcref.paper.elementwise` are checked against central differences on many more f, g
pairs and on every operator; the diagonal condition is shown to fail when g_i
reads several x_j; and the builders' bad input is swept as test_validation.py
sweeps the rule functions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mcref import compare_jacobians, numerical_jacobian
from mcref.paper import elementwise
from mcref.paper.elementwise import (
    diagonal_jacobian_w,
    diagonal_jacobian_x,
    elementwise_jacobian_w,
    elementwise_jacobian_x,
)

Fn = Callable[[np.ndarray], np.ndarray]
OPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
}
SIZES = (1, 2, 3, 7)

# ----- element-wise pairs: f_i reads only w_i, g_i reads only x_i; (f, f') -----
# every g is kept away from zero on [-2, 2], so each pair also works as a divisor

ELEMENTWISE_F: dict[str, tuple[Fn, Fn]] = {
    "identity": (lambda v: v, np.ones_like),
    "sin": (np.sin, np.cos),
    "cube": (lambda v: v**3, lambda v: 3 * v**2),
    "tanh": (np.tanh, lambda v: 1 - np.tanh(v) ** 2),
}
ELEMENTWISE_G: dict[str, tuple[Fn, Fn]] = {
    "exp": (np.exp, np.exp),
    "square+1": (lambda v: v**2 + 1, lambda v: 2 * v),
    "cosh": (np.cosh, np.sinh),
    "3+sin": (lambda v: 3 + np.sin(v), np.cos),
}


def _point(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, n])
    return rng.uniform(-2, 2, n), rng.uniform(-2, 2, n)


def _check(closed: np.ndarray, numeric: np.ndarray, label: str) -> None:
    assert closed.shape == numeric.shape, label
    result = compare_jacobians(closed, numeric, rule_id=label)
    assert result.ok, result.report()


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("f_name", ELEMENTWISE_F)
@pytest.mark.parametrize("g_name", ELEMENTWISE_G)
@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_R5_diagonal_builders_match_the_numerics(op: str, f_name: str, g_name: str, n: int) -> None:
    f, df = ELEMENTWISE_F[f_name]
    g, dg = ELEMENTWISE_G[g_name]
    w, x = _point(n, seed=len(f_name) + 7 * len(g_name))

    def y(w: np.ndarray, x: np.ndarray) -> np.ndarray:
        return OPS[op](f(w), g(x))

    J_w = diagonal_jacobian_w(op, f(w), g(x), df(w))
    J_x = diagonal_jacobian_x(op, f(w), g(x), dg(x))
    _check(J_w, numerical_jacobian(y, w, x, wrt="w"), f"R5 {f_name}{op}{g_name} w")
    _check(J_x, numerical_jacobian(y, w, x, wrt="x"), f"R5 {f_name}{op}{g_name} x")
    # diagonal: nothing off the diagonal
    for J in (J_w, J_x):
        assert np.array_equal(J, np.diag(np.diag(J)))


# ----- general pairs: f_i reads several w_j; (f, ∂f/∂w as a matrix) -----


def _matrix(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng([seed, n, 99]).uniform(-1, 1, (n, n))


def _general_f(n: int) -> dict[str, tuple[Fn, Callable[[np.ndarray], np.ndarray]]]:
    A = _matrix(n, 1)
    return {
        "A w": (lambda w: A @ w, lambda w: A),
        "w sum(w)": (lambda w: w * w.sum(), lambda w: np.diag(np.full(n, w.sum())) + np.outer(w, np.ones(n))),
        "tanh(A w)": (lambda w: np.tanh(A @ w), lambda w: (1 - np.tanh(A @ w) ** 2)[:, None] * A),
        "cumsum(w)": (np.cumsum, lambda w: np.tril(np.ones((n, n)))),
    }


def _general_g(n: int) -> dict[str, tuple[Fn, Callable[[np.ndarray], np.ndarray]]]:
    B = _matrix(n, 2)
    # positive everywhere, so it can be a divisor
    return {
        "2 + (B x)^2": (lambda x: 2 + (B @ x) ** 2, lambda x: (2 * (B @ x))[:, None] * B),
        "exp(B x)": (lambda x: np.exp(B @ x), lambda x: np.exp(B @ x)[:, None] * B),
        "1 + |x|^2": (lambda x: np.full(n, 1 + x @ x), lambda x: np.tile(2 * x, (n, 1))),
    }


def _combined(
    operator: Callable[[np.ndarray, np.ndarray], np.ndarray], f: Fn, g: Fn
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """y(w, x) = operator(f(w), g(x)) with this f and g bound now, not looked up from the loop when y is called."""

    def y(w: np.ndarray, x: np.ndarray) -> np.ndarray:
        return operator(f(w), g(x))

    return y


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_R4_general_builders_match_the_numerics(op: str, n: int) -> None:
    w, x = _point(n, seed=3)
    for f_name, (f, jf) in _general_f(n).items():
        for g_name, (g, jg) in _general_g(n).items():
            y = _combined(OPS[op], f, g)
            label = f"R4 {f_name} {op} {g_name}"
            _check(elementwise_jacobian_w(op, f(w), g(x), jf(w)), numerical_jacobian(y, w, x, wrt="w"), label + " w")
            _check(elementwise_jacobian_x(op, f(w), g(x), jg(x)), numerical_jacobian(y, w, x, wrt="x"), label + " x")


def test_R4_jacobian_is_full_for_the_registered_instance() -> None:
    A = _matrix(4, 5)
    w, x = _point(4, seed=5)
    J = elementwise.jac_linear_times_w(A, w, x)
    assert np.count_nonzero(J) == 16
    np.testing.assert_allclose(J, np.diag(x) @ A, rtol=0, atol=0)


def test_R4_accepts_a_non_square_jacobian() -> None:
    """f: R^k -> R^n with k != n: the result has f's Jacobian's shape, (n, k)."""
    A = np.arange(6.0).reshape(2, 3) - 2.0
    w = np.array([0.5, -1.0, 2.0])
    x = np.array([3.0, -4.0])
    J = elementwise_jacobian_w("*", A @ w, x, A)
    assert J.shape == (2, 3)
    _check(J, numerical_jacobian(lambda w: (A @ w) * x, w), "R4 non-square")


@pytest.mark.parametrize("op", OPS)
def test_R4_with_a_diagonal_jacobian_is_R5(op: str) -> None:
    w, x = _point(5, seed=8)
    f, df = ELEMENTWISE_F["sin"]
    g, dg = ELEMENTWISE_G["exp"]
    np.testing.assert_array_equal(
        elementwise_jacobian_w(op, f(w), g(x), np.diag(df(w))), diagonal_jacobian_w(op, f(w), g(x), df(w))
    )
    np.testing.assert_array_equal(
        elementwise_jacobian_x(op, f(w), g(x), np.diag(dg(x))), diagonal_jacobian_x(op, f(w), g(x), dg(x))
    )


@pytest.mark.parametrize(
    ("op", "jac_w", "jac_x"),
    [
        ("+", elementwise.jac_add_w, elementwise.jac_add_x),
        ("-", elementwise.jac_subtract_w, elementwise.jac_subtract_x),
        ("*", elementwise.jac_multiply_w, elementwise.jac_multiply_x),
        ("/", elementwise.jac_divide_w, elementwise.jac_divide_x),
    ],
)
def test_R5_with_f_and_g_the_identity_gives_the_operator_table(op: str, jac_w: Callable, jac_x: Callable) -> None:
    """R6-R13 are R5 with f(w) = w and g(x) = x."""
    w, x = _point(4, seed=9)
    ones = np.ones(4)
    np.testing.assert_allclose(diagonal_jacobian_w(op, w, x, ones), jac_w(w, x), rtol=1e-15)
    np.testing.assert_allclose(diagonal_jacobian_x(op, w, x, ones), jac_x(w, x), rtol=1e-15)


# ----- the diagonal condition failing -----


def test_diagonal_condition_failing_gives_a_full_jacobian() -> None:
    """y_i = w_i (x_1 + ... + x_n): g_i reads every x_j, so J_x is full and R5's formula is wrong."""
    w = np.array([1.0, 2.0, 3.0])
    x = np.array([0.5, -1.0, 2.0])

    def mixed(w: np.ndarray, x: np.ndarray) -> np.ndarray:
        return w * x.sum()

    numeric = numerical_jacobian(mixed, w, x, wrt="x")
    assert np.all(np.abs(numeric - np.diag(np.diag(numeric))).sum(axis=1) > 0.5), "off-diagonal entries"
    g_x = np.full(3, x.sum())
    # the general R4 form, with the true ∂g/∂x (all ones), is right
    _check(elementwise_jacobian_x("*", w, g_x, np.ones((3, 3))), numeric, "R4 counterexample")
    # R5's diagonal, taking only ∂g_i/∂x_i = 1, is not
    assert not compare_jacobians(diagonal_jacobian_x("*", w, g_x, np.ones(3)), numeric).ok


def test_diagonal_condition_failing_in_w() -> None:
    """f(w) = cumsum(w): f_i reads w_1..w_i, so J_w is lower triangular, not diagonal."""
    w, x = _point(4, seed=11)

    def y(w: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.cumsum(w) * np.exp(x)

    numeric = numerical_jacobian(y, w, x, wrt="w")
    assert np.all(np.abs(np.tril(numeric, -1)[np.tril_indices(4, -1)]) > 1e-3)
    np.testing.assert_allclose(np.triu(numeric, 1), 0, atol=1e-9)
    _check(elementwise_jacobian_w("*", np.cumsum(w), np.exp(x), np.tril(np.ones((4, 4)))), numeric, "R4 cumsum")


# ----- bad input to the builders -----

F, G, J, D = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0], np.eye(3), [1.0, 1.0, 1.0]
BUILDERS = {
    "elementwise_jacobian_w": (elementwise_jacobian_w, "df_dw", J),
    "elementwise_jacobian_x": (elementwise_jacobian_x, "dg_dx", J),
    "diagonal_jacobian_w": (diagonal_jacobian_w, "df", D),
    "diagonal_jacobian_x": (diagonal_jacobian_x, "dg", D),
}


def _bad_cases():
    nan = float("nan")
    for label, (fn, jname, jac) in BUILDERS.items():
        jac = np.asarray(jac)
        want_j = "must be a 2-D array" if jac.ndim == 2 else "must be a 1-D array"
        cases = [
            ("op-int", {"op": 3}, TypeError, r"op must be one of '\+', '-', '\*', '/' \(a str\), got int 3"),
            ("op-None", {"op": None}, TypeError, r"op must be one of .* \(a str\), got NoneType None"),
            ("op-unknown", {"op": "%"}, ValueError, r"op must be one of '\+', '-', '\*', '/' .*got '%'"),
            ("op-otimes", {"op": "⊗"}, ValueError, r"use '\*' for ⊗ .*got '⊗'"),
            ("f_w-2d", {"f_w": np.ones((3, 3))}, ValueError, r"f_w must be a 1-D array.*shape \(3, 3\)"),
            ("g_x-empty", {"g_x": []}, ValueError, r"g_x must have at least one element"),
            ("g_x-nan", {"g_x": [4.0, nan, 6.0]}, ValueError, r"g_x must be finite, got nan at index 1"),
            ("f_w-str", {"f_w": "abc"}, TypeError, r"f_w must be a real number or array of real numbers, got str"),
            ("g_x-complex", {"g_x": np.array(G) + 1j}, TypeError, r"g_x must hold real numbers.*complex128"),
            ("f_w-longer", {"f_w": [1.0, 2.0, 3.0, 4.0]}, ValueError,
             r"f_w and g_x must have the same length, got: f_w has length 4, g_x has length 3"),
            (f"{jname}-3d", {jname: np.stack([jac, jac])}, ValueError, rf"{jname} {want_j}.*got an array of shape"),
            (f"{jname}-None", {jname: None}, TypeError, rf"{jname} must be a real number or array"),
            (f"{jname}-inf", {jname: jac + np.inf}, ValueError, rf"{jname} must be finite, got inf"),
            (f"{jname}-bool", {jname: jac.astype(bool)}, TypeError, rf"{jname} must hold real numbers.*bool"),
        ]
        if jac.ndim == 2:
            cases.append((f"{jname}-rows", {jname: np.eye(2, 3)}, ValueError,
                          rf"{jname} must have n = 3 rows \(one per entry of (f_w|g_x)\), got shape \(2, 3\)"))
        else:
            cases.append((f"{jname}-length", {jname: [1.0, 1.0]}, ValueError,
                          rf"{jname} must have length n = 3 \(one per entry of (f_w|g_x)\), got length 2"))
        for divisor in (0.0, -0.0):
            cases.append((f"zero-divisor-{divisor}", {"op": "/", "g_x": [4.0, divisor, 6.0]}, ValueError,
                          r"g_x must have no zero entry \(it is a divisor\), got g_x\[1\] = 0"))
        huge = {"op": "*", "f_w": [1e300, 1.0, 1.0], "g_x": [1e300, 1.0, 1.0], jname: jac * 1e10}
        cases.append(("overflow", huge, ValueError,
                      r"the Jacobian is not finite: it overflowed float64"))
        cases.append(("tiny-divisor", {"op": "/", "g_x": [1e-310, 1.0, 1.0]}, ValueError,
                      r"the Jacobian is not finite"))
        for case, change, exc, pattern in cases:
            yield pytest.param(fn, jname, jac, change, exc, pattern, id=f"{label}-{case}")


@pytest.mark.parametrize(("fn", "jname", "jac", "change", "exc", "pattern"), list(_bad_cases()))
def test_builder_bad_input(fn: Callable, jname: str, jac: np.ndarray, change: dict, exc: type, pattern: str) -> None:
    args = {"op": "*", "f_w": F, "g_x": G, jname: jac, **change}
    with pytest.raises(exc, match=pattern):
        fn(**args)


@pytest.mark.parametrize("label", BUILDERS)
def test_builder_integer_input_is_float64(label: str) -> None:
    fn, _, jac = BUILDERS[label]
    ints = np.asarray(jac).astype(np.int64)
    for op in OPS:
        out = fn(op, [1, 2, 3], [4, 5, 6], ints)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, fn(op, [1.0, 2.0, 3.0], [4.0, 5.0, 6.0], ints.astype(float)))

