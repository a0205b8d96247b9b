"""The composing functions of mcref.paper.chain, beyond the generic rule tests.

The registered rules R24-R26 and C1-C7 are checked by tests/test_rules.py and
tests/test_validation.py like every rule. The functions that compose given
derivatives (single_variable_chain, total_derivative_chain, vector_chain,
diagonal_chain, chain_product, chain_cost) and the step-by-step function of C2
are not rules, so this module checks them: results against numerical Jacobians
of compositions at random points and sizes, shapes, the order of the factors,
and bad input.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import mcref
from mcref import numerical_jacobian
from mcref.paper import chain
from mcref.paper.chain import (
    chain_cost,
    chain_product,
    diagonal_chain,
    jac_two_layer,
    ln_sin_cube_squared_steps,
    single_variable_chain,
    total_derivative_chain,
    vector_chain,
    vjp_two_layer,
)

RNG = np.random.default_rng(20261126)
NAN, INF = float("nan"), float("inf")
REAL = r"must be a real number or array of real numbers"

COMPOSERS = (
    single_variable_chain,
    total_derivative_chain,
    vector_chain,
    diagonal_chain,
    chain_product,
    chain_cost,
    ln_sin_cube_squared_steps,
)


def test_composers_are_public_helpers_not_rule_functions() -> None:
    rule_functions = {f for r in mcref.all_rules() for f in (r.forward, r.derivative, r.vjp)}
    for fn in COMPOSERS:
        assert fn.__name__ in chain.__all__
        assert getattr(chain, fn.__name__) is fn
        assert fn not in rule_functions


# ----- small differentiable maps with known Jacobians, to compose -----


def _layer(rows: int, cols: int, rng: np.random.Generator):
    """x -> tanh(W x + c): its forward function and its Jacobian function."""
    W = rng.uniform(-1, 1, (rows, cols))
    c = rng.uniform(-1, 1, rows)

    def forward(x):
        return np.tanh(W @ np.asarray(x, dtype=float).reshape(cols) + c)

    def jacobian(x):
        y = forward(x)
        return (1 - y**2)[:, None] * W

    return forward, jacobian


# ----- single_variable_chain -----


@pytest.mark.parametrize("x", [-1.7, -0.3, 0.4, 1.9])
def test_single_variable_chain_matches_the_numerical_derivative(x: float) -> None:
    # y = sin(exp(x^2 / 3)) through u1 = x^2 / 3, u2 = exp(u1), y = sin(u2)
    u1 = x**2 / 3
    u2 = np.exp(u1)
    closed = single_variable_chain(np.cos(u2), u2, 2 * x / 3)
    numeric = numerical_jacobian(lambda t: np.sin(np.exp(t**2 / 3)), x)
    assert closed.shape == (1, 1) and closed.dtype == np.float64
    np.testing.assert_allclose(closed, numeric, rtol=1e-7, atol=1e-9)


def test_single_variable_chain_accepts_numbers_and_one_by_one_arrays() -> None:
    assert single_variable_chain(3).tolist() == [[3.0]]
    assert single_variable_chain(np.int64(2), [[3]], np.array(0.5)).tolist() == [[3.0]]
    assert single_variable_chain(2, 3).dtype == np.float64


def test_single_variable_chain_of_many_links_is_their_product() -> None:
    links = RNG.uniform(-2, 2, 9)
    assert single_variable_chain(*links)[0, 0] == pytest.approx(np.prod(links), rel=1e-14)


# ----- total_derivative_chain -----


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_total_derivative_chain_matches_the_numerical_derivative(k: int) -> None:
    # f(x, u) = x * sum(u) + sum(u^2), with u_i = sin(a_i x)
    a = RNG.uniform(-2, 2, k)
    x = float(RNG.uniform(-2, 2))

    def y(t):
        u = np.sin(a * t)
        return t * u.sum() + (u**2).sum()

    u = np.sin(a * x)
    df_du = (x + 2 * u)[None, :]
    du_dx = (a * np.cos(a * x))[:, None]
    closed = total_derivative_chain(df_du, du_dx, direct=u.sum())
    np.testing.assert_allclose(closed, numerical_jacobian(y, x), rtol=1e-7, atol=1e-9)

    # the aliased form: x as the last intermediate, with du/dx = 1 and no direct term
    aliased = total_derivative_chain(np.append(df_du, [[u.sum()]], axis=1), np.append(du_dx, [[1.0]], axis=0))
    np.testing.assert_allclose(aliased, closed, rtol=1e-14)


def test_total_derivative_chain_without_the_direct_term_is_the_one_path_answer() -> None:
    # y = x + x^2: the path through u1 = x^2 alone gives 2x, the direct path adds 1
    assert total_derivative_chain([[1.0]], [[2.0]]).tolist() == [[2.0]]
    assert total_derivative_chain([[1.0]], [[2.0]], direct=1.0).tolist() == [[3.0]]
    assert total_derivative_chain([[1, 1]], [[2], [1]], direct=[[0]]).tolist() == [[3.0]]


# ----- vector_chain -----


@pytest.mark.parametrize(("m", "k", "n"), [(1, 1, 1), (1, 3, 1), (1, 3, 4), (2, 1, 1), (2, 3, 1), (3, 5, 2), (7, 7, 7)])
def test_vector_chain_matches_the_numerical_jacobian_of_the_composition(m: int, k: int, n: int) -> None:
    g, dg = _layer(k, n, RNG)
    f, df = _layer(m, k, RNG)
    x = RNG.uniform(-2, 2, n)
    closed = vector_chain(df(g(x)), dg(x))
    numeric = numerical_jacobian(lambda t: f(g(t)), x)
    assert closed.shape == numeric.shape == (m, n)
    np.testing.assert_allclose(closed, numeric, rtol=1e-6, atol=1e-9)


def test_vector_chain_order_matters() -> None:
    A = RNG.uniform(-1, 1, (3, 3))
    B = RNG.uniform(-1, 1, (3, 3))
    # square Jacobians fit in both orders, but the products differ
    assert not np.allclose(vector_chain(A, B), vector_chain(B, A))


def test_vector_chain_names_both_shapes_and_the_order_when_they_do_not_line_up() -> None:
    outer, inner = np.ones((2, 3)), np.ones((3, 4))
    with pytest.raises(ValueError) as info:
        vector_chain(inner, outer)
    message = str(info.value)
    assert "df_dg has shape (3, 4)" in message and "it has shape (2, 3)" in message
    assert "must have 4 rows" in message and "the other way round" in message
    with pytest.raises(ValueError, match=r"must have 3 rows, but it has shape \(4, 5\)$"):
        vector_chain(np.ones((2, 3)), np.ones((4, 5)))  # no order fixes this one: no hint


# ----- diagonal_chain -----


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_diagonal_chain_is_the_vector_chain_of_two_diagonals(n: int) -> None:
    a, b = RNG.uniform(-2, 2, n), RNG.uniform(-2, 2, n)
    out = diagonal_chain(a, b)
    assert out.shape == (n, n)
    np.testing.assert_array_equal(out, vector_chain(np.diag(a), np.diag(b)))


@pytest.mark.parametrize("n", [1, 2, 5])
def test_diagonal_chain_matches_the_numerical_jacobian(n: int) -> None:
    # f_i = exp(g_i), g_i = cos(x_i)
    x = RNG.uniform(-2, 2, n)
    closed = diagonal_chain(np.exp(np.cos(x)), -np.sin(x))
    np.testing.assert_allclose(closed, numerical_jacobian(lambda t: np.exp(np.cos(t)), x), rtol=1e-7, atol=1e-9)


# ----- chain_product and chain_cost -----


@pytest.mark.parametrize("sizes", [[1, 1], [3, 2, 1], [1, 4, 3, 5], [2, 6, 1, 3, 4]])
def test_chain_product_matches_the_numerical_jacobian_in_both_orders(sizes: list[int]) -> None:
    # sizes = [output, ..., input]; one tanh layer per link
    layers = [_layer(sizes[i], sizes[i + 1], RNG) for i in range(len(sizes) - 1)]
    x = RNG.uniform(-2, 2, sizes[-1])
    points, jacobians = [x], []
    for forward, _ in reversed(layers):
        points.append(forward(points[-1]))
    for (_, jac), point in zip(reversed(layers), points, strict=False):
        jacobians.append(jac(point))
    jacobians.reverse()  # outermost first

    def whole(t):
        for forward, _ in reversed(layers):
            t = forward(t)
        return t

    numeric = numerical_jacobian(whole, x)
    for order in ("backward", "forward"):
        closed = chain_product(*jacobians, order=order)
        assert closed.shape == (sizes[0], sizes[-1])
        np.testing.assert_allclose(closed, numeric, rtol=1e-6, atol=1e-9)


def test_chain_product_of_one_jacobian_is_that_jacobian() -> None:
    J = RNG.uniform(-1, 1, (2, 3))
    np.testing.assert_array_equal(chain_product(J), J)
    np.testing.assert_array_equal(chain_product(J, order="forward"), J)


def test_chain_cost_counts_multiply_adds() -> None:
    shapes = [(1, 40), (40, 60), (60, 80), (80, 500)]
    assert chain_cost(shapes, "backward") == 40 * 60 + 60 * 80 + 80 * 500
    assert chain_cost(shapes, "forward") == 60 * 80 * 500 + 40 * 60 * 500 + 1 * 40 * 500
    assert chain_cost(shapes) == chain_cost(shapes, "backward")
    assert chain_cost([(3, 4)], "forward") == 0
    assert chain_cost([(2, 3), (3, 4)], "backward") == chain_cost([(2, 3), (3, 4)], "forward") == 24
    assert chain_cost([np.array([2, 3]).tolist(), (np.int64(3), 1)]) == 6
    assert isinstance(chain_cost([(2, 3), (3, 4)]), int)


def test_backward_is_cheaper_for_a_scalar_output_and_forward_for_a_scalar_input() -> None:
    wide = [(1, 100), (100, 100), (100, 1000)]
    assert chain_cost(wide, "backward") < chain_cost(wide, "forward")
    tall = [(1000, 100), (100, 100), (100, 1)]
    assert chain_cost(tall, "forward") < chain_cost(tall, "backward")


# ----- the steps of C2 -----


def test_steps_of_ln_sin_cube_squared() -> None:
    x = 1.2
    steps = ln_sin_cube_squared_steps(x)
    assert [s.name for s in steps] == ["u1", "u2", "u3", "u4"]
    u1, u2, u3, u4 = (s.value for s in steps)
    assert u1 == pytest.approx(x**3) and u2 == pytest.approx(np.sin(u1))
    assert u3 == pytest.approx(u2**2) and u4 == pytest.approx(np.log(u3))
    assert [s.local for s in steps] == pytest.approx([3 * x**2, np.cos(u1), 2 * u2, 1 / u3])
    assert [s.d_dx for s in steps] == pytest.approx(np.cumprod([s.local for s in steps]))
    # each running product is the derivative of that intermediate with respect to x
    partial = [lambda t: t**3, lambda t: np.sin(t**3), lambda t: np.sin(t**3) ** 2, lambda t: np.log(np.sin(t**3) ** 2)]
    for s, f in zip(steps, partial, strict=True):
        assert s.d_dx == pytest.approx(numerical_jacobian(f, x)[0, 0], rel=1e-7)
    closed = 6 * x**2 * np.cos(x**3) / np.sin(x**3)
    assert steps[-1].d_dx == pytest.approx(closed, rel=1e-12)
    assert chain.jac_ln_sin_cube_squared(x)[0, 0] == pytest.approx(closed, rel=1e-12)
    assert chain.ln_sin_cube_squared(x) == pytest.approx(np.log(np.sin(x**3) ** 2), rel=1e-12)


@pytest.mark.parametrize("x", [0.0, -0.0, 1e-120])  # 1e-120 cubed underflows to 0
def test_steps_refuse_a_zero_of_sin_x_cubed(x: float) -> None:
    with pytest.raises(ValueError, match=r"x must satisfy sin\(x³\) ≠ 0"):
        ln_sin_cube_squared_steps(x)


def test_steps_refuse_a_point_where_the_derivative_overflows() -> None:
    # sin(x^3)^2 is a subnormal number here: ln is finite but 1/u3 is not
    with pytest.raises(ValueError, match=r"x must keep ln\(sin\(x³\)²\) and its derivative finite"):
        ln_sin_cube_squared_steps(1.6e-54)


# ----- bad input, in the style of tests/test_validation.py -----

BAD = {
    # single_variable_chain
    "svc-none": (lambda: single_variable_chain(), ValueError, r"needs at least one link .*got none"),
    "svc-vector": (lambda: single_variable_chain(1.0, [1.0, 2.0]), ValueError,
                   r"links\[1\] must be a scalar or a \(1, 1\) array .*got an array of shape \(2,\)"),
    "svc-row": (lambda: single_variable_chain([[1.0, 2.0]], 1.0), ValueError,
                r"links\[0\] must be a scalar or a \(1, 1\) array .*got an array of shape \(1, 2\)"),
    "svc-nan": (lambda: single_variable_chain(1.0, NAN), ValueError, r"links\[1\] must be finite, got nan$"),
    "svc-inf": (lambda: single_variable_chain([[INF]]), ValueError,
                r"links\[0\] must be finite, got inf at index \(0, 0\)"),
    "svc-str": (lambda: single_variable_chain("2"), TypeError, rf"links\[0\] {REAL}, got str '2'"),
    "svc-None": (lambda: single_variable_chain(1.0, None), TypeError, rf"links\[1\] {REAL}, got NoneType None"),
    "svc-bool": (lambda: single_variable_chain(True), TypeError, r"links\[0\] must hold real numbers \(int or float\)"),
    "svc-complex": (lambda: single_variable_chain(np.array(1j)), TypeError,
                    r"links\[0\] must hold real numbers \(int or float\), got an array of dtype complex128"),
    "svc-empty": (lambda: single_variable_chain(np.empty((1, 0))), ValueError,
                  r"links\[0\] must have at least one element, got an empty array of shape \(1, 0\)"),
    "svc-overflow": (lambda: single_variable_chain(1e200, 1e200), ValueError,
                     r"the product of the links is not finite"),
    # total_derivative_chain
    "tdc-row-1d": (lambda: total_derivative_chain([1.0, 2.0], [[1.0], [2.0]]), ValueError,
                   r"df_du must be a \(1, k\) row .*got an array of shape \(2,\)$"),
    "tdc-swapped": (lambda: total_derivative_chain([[1.0], [2.0]], [[1.0, 2.0]]), ValueError,
                    r"df_du must be a \(1, k\) row .*got an array of shape \(2, 1\); this is a column: pass the row"),
    "tdc-col-row": (lambda: total_derivative_chain([[1.0, 2.0]], [[1.0, 2.0]]), ValueError,
                    r"du_dx must be a \(k, 1\) column .*got an array of shape \(1, 2\)"),
    "tdc-k-differs": (lambda: total_derivative_chain([[1.0, 2.0]], [[1.0], [2.0], [3.0]]), ValueError,
                      r"df_du has shape \(1, 2\) \(k = 2\) but du_dx has shape \(3, 1\) \(k = 3\)"),
    "tdc-direct-vector": (lambda: total_derivative_chain([[1.0]], [[1.0]], direct=[1.0, 2.0]), ValueError,
                          r"direct must be a scalar or a \(1, 1\) array .*got an array of shape \(2,\)"),
    "tdc-direct-nan": (lambda: total_derivative_chain([[1.0]], [[1.0]], direct=NAN), ValueError,
                       r"direct must be finite, got nan"),
    "tdc-row-str": (lambda: total_derivative_chain("a", [[1.0]]), TypeError, rf"df_du {REAL}, got str 'a'"),
    "tdc-col-None": (lambda: total_derivative_chain([[1.0]], None), TypeError, rf"du_dx {REAL}, got NoneType None"),
    "tdc-col-inf": (lambda: total_derivative_chain([[1.0]], [[-INF]]), ValueError,
                    r"du_dx must be finite, got -inf at index \(0, 0\)"),
    "tdc-ragged": (lambda: total_derivative_chain([[1.0, 2.0], [3.0]], [[1.0]]), ValueError,
                   r"df_du must be a rectangular array of real numbers, got ragged input"),
    "tdc-overflow": (lambda: total_derivative_chain([[1e300]], [[1e300]]), ValueError,
                     r"the total derivative is not finite"),
    # vector_chain
    "vc-1d": (lambda: vector_chain([1.0, 2.0], [[1.0], [2.0]]), ValueError,
              r"df_dg must be a 2-D array \(an \(m, k\) Jacobian of f by g, numerator layout\), "
              r"got an array of shape \(2,\)"),
    "vc-3d": (lambda: vector_chain(np.ones((2, 2)), np.ones((2, 2, 2))), ValueError,
              r"dg_dx must be a 2-D array \(a \(k, n\) Jacobian of g by x, numerator layout\), "
              r"got an array of shape \(2, 2, 2\)"),
    "vc-0d": (lambda: vector_chain(2.0, [[1.0]]), ValueError,
              r"df_dg must be a 2-D array .*got an array of shape \(\)"),
    "vc-empty": (lambda: vector_chain(np.empty((0, 2)), np.ones((2, 1))), ValueError,
                 r"df_dg must have at least one element, got an empty array of shape \(0, 2\)"),
    "vc-nan": (lambda: vector_chain([[1.0, NAN]], [[1.0], [2.0]]), ValueError,
               r"df_dg must be finite, got nan at index \(0, 1\)"),
    "vc-bool": (lambda: vector_chain([[1.0]], np.ones((1, 1), dtype=bool)), TypeError,
                r"dg_dx must hold real numbers \(int or float\), got an array of dtype bool"),
    "vc-complex": (lambda: vector_chain(np.ones((1, 1)) + 1j, [[1.0]]), TypeError,
                   r"df_dg must hold real numbers \(int or float\), got an array of dtype complex128"),
    "vc-list-with-str": (lambda: vector_chain([[1.0, "a"]], [[1.0]]), TypeError,
                         r"df_dg must hold real numbers \(int or float\), got list"),
    "vc-overflow": (lambda: vector_chain([[1e200]], [[1e200]]), ValueError, r"∂f/∂g · ∂g/∂x is not finite"),
    # diagonal_chain
    "dc-matrix": (lambda: diagonal_chain(np.eye(2), [1.0, 2.0]), ValueError,
                  r"df_dg must be a 1-D array \(a vector of length n\), got an array of shape \(2, 2\)"),
    "dc-lengths": (lambda: diagonal_chain([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError,
                   r"df_dg and dg_dx must have the same length, got: df_dg has length 2, dg_dx has length 3"),
    "dc-nan": (lambda: diagonal_chain([1.0, 2.0], [1.0, NAN]), ValueError, r"dg_dx must be finite, got nan at index 1"),
    "dc-empty": (lambda: diagonal_chain([], [1.0]), ValueError, r"df_dg must have at least one element"),
    "dc-str": (lambda: diagonal_chain([1.0], "x"), TypeError, rf"dg_dx {REAL}, got str 'x'"),
    "dc-overflow": (lambda: diagonal_chain([1e200], [1e200]), ValueError,
                    r"the product of the diagonals is not finite"),
    # chain_product
    "cp-none": (lambda: chain_product(), ValueError, r"chain_product needs at least one Jacobian, got none"),
    "cp-mismatch": (lambda: chain_product(np.ones((1, 2)), np.ones((2, 3)), np.ones((4, 1))), ValueError,
                    r"jacobians\[1\] and jacobians\[2\] do not line up: jacobians\[1\] has shape \(2, 3\), "
                    r"so jacobians\[2\] must have 3 rows, but it has shape \(4, 1\)"),
    "cp-1d": (lambda: chain_product(np.ones((1, 2)), np.ones(2)), ValueError,
              r"jacobians\[1\] must be a 2-D array .*got an array of shape \(2,\)"),
    "cp-order": (lambda: chain_product(np.ones((1, 1)), order="reverse"), ValueError,
                 r"order must be 'backward' or 'forward', got 'reverse'"),
    "cp-order-None": (lambda: chain_product(np.ones((1, 1)), order=None), ValueError,
                      r"order must be 'backward' or 'forward', got None"),
    "cp-order-array": (lambda: chain_product(np.ones((1, 1)), order=np.array(["forward", "x"])), ValueError,
                       r"order must be 'backward' or 'forward', got array"),
    "cp-nan": (lambda: chain_product(np.ones((1, 1)), [[NAN]]), ValueError, r"jacobians\[1\] must be finite, got nan"),
    "cp-str": (lambda: chain_product("J"), TypeError, rf"jacobians\[0\] {REAL}, got str 'J'"),
    # chain_cost
    "cc-empty": (lambda: chain_cost([]), ValueError, r"shapes must hold at least one \(rows, columns\) pair"),
    "cc-str": (lambda: chain_cost("1x2"), TypeError, r"shapes must be a sequence of \(rows, columns\) pairs, got str"),
    "cc-int": (lambda: chain_cost(3), TypeError, r"shapes must be a sequence .*got int"),
    "cc-array": (lambda: chain_cost(np.ones((2, 2), dtype=int)), TypeError, r"shapes must be a sequence .*got ndarray"),
    "cc-triple": (lambda: chain_cost([(1, 2, 3)]), TypeError,
                  r"shapes\[0\] must be a \(rows, columns\) pair of ints, got \(1, 2, 3\)"),
    "cc-float": (lambda: chain_cost([(1, 2.0)]), TypeError,
                 r"shapes\[0\] must be a \(rows, columns\) pair of ints, got \(1, 2\.0\)"),
    "cc-bool": (lambda: chain_cost([(True, 2)]), TypeError, r"shapes\[0\] must be a \(rows, columns\) pair of ints"),
    "cc-zero": (lambda: chain_cost([(1, 2), (2, 0)]), ValueError, r"shapes\[1\] must have sizes >= 1, got \(2, 0\)"),
    "cc-mismatch": (lambda: chain_cost([(1, 2), (3, 4)]), ValueError,
                    r"shapes\[0\] and shapes\[1\] do not line up: shapes\[0\] is \(1, 2\), "
                    r"so shapes\[1\] must have 2 rows, but it is \(3, 4\)"),
    "cc-order": (lambda: chain_cost([(1, 2)], "sideways"), ValueError,
                 r"order must be 'backward' or 'forward', got 'sideways'"),
    # ln_sin_cube_squared_steps
    "steps-vector": (lambda: ln_sin_cube_squared_steps([1.0, 2.0]), ValueError,
                     r"x must be a scalar \(a 0-d value\), got an array of shape \(2,\)"),
    "steps-nan": (lambda: ln_sin_cube_squared_steps(NAN), ValueError, r"x must be finite, got nan$"),
    "steps-str": (lambda: ln_sin_cube_squared_steps("1"), TypeError, rf"x {REAL}, got str '1'"),
    "steps-complex": (lambda: ln_sin_cube_squared_steps(np.complex128(1j)), TypeError,
                      r"x must hold real numbers \(int or float\), got an array of dtype complex128"),
    "steps-huge": (lambda: ln_sin_cube_squared_steps(1e200), ValueError,
                   r"x must keep ln\(sin\(x³\)²\) and its derivative finite"),
}


@pytest.mark.parametrize(("call", "exc", "pattern"), BAD.values(), ids=BAD.keys())
def test_bad_input(call, exc, pattern) -> None:
    with pytest.raises(exc, match=pattern):
        call()


@pytest.mark.parametrize("form", ["list", "int64", "int32"])
def test_integer_input_is_computed_as_float64(form: str) -> None:
    convert = {"list": lambda a: np.asarray(a).tolist(), "int64": lambda a: np.asarray(a, dtype=np.int64),
               "int32": lambda a: np.asarray(a, dtype=np.int32)}[form]
    cases = [
        (single_variable_chain, ([[2]], [[3]])),
        (total_derivative_chain, ([[1, 2]], [[3], [4]], [[5]])),
        (vector_chain, ([[1, 2], [3, 4]], [[5], [6]])),
        (diagonal_chain, ([1, -2, 3], [4, 5, -6])),
        (chain_product, ([[1, 2]], [[3, 4], [5, 6]], [[7], [8]])),
    ]
    for fn, args in cases:
        out = fn(*(convert(a) for a in args))
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, fn(*(np.asarray(a, dtype=np.float64) for a in args)))


def test_closed_forms_raise_outside_their_domain() -> None:
    with pytest.raises(ValueError, match=r"x must be nonzero \(ln\(x²\) is undefined at 0\), got x = 0\.0"):
        chain.jac_ln_sin_pair(0.0)
    with pytest.raises(ValueError, match=r"x must satisfy sin\(x³\) ≠ 0"):
        chain.jac_ln_sin_cube_squared(0)
    with pytest.raises(ValueError, match=r"x must satisfy sin\(x³\) ≠ 0"):
        chain.ln_sin_cube_squared(0.0)
    with pytest.raises(ValueError, match=r"eˣ is not finite at x = 800\.0"):
        chain.jac_x_plus_exp_times_sin(800.0)
    with pytest.raises(ValueError, match=r"x² is not finite at x = 1e\+200"):
        chain.x_plus_square(1e200)
    with pytest.raises(ValueError, match=r"sin\(x²\) is not finite at x = 1e\+200"):
        chain.sin_square(1e200)


def test_two_layer_shapes_must_fit() -> None:
    x, A, B = np.ones(3), np.ones((2, 3)), np.ones((4, 2))
    assert chain.jac_two_layer(x, A, B).shape == (4, 3)
    with pytest.raises(ValueError, match=re.escape("A must have one column per entry of x: x has length 2, "
                                                   "so A must have shape (k, 2), but it has shape (2, 3)")):
        chain.two_layer(np.ones(2), A, B)
    with pytest.raises(ValueError, match=re.escape("B must have one column per row of A (k = 2): "
                                                   "B must have shape (m, 2), but it has shape (4, 3)")):
        chain.jac_two_layer(x, A, np.ones((4, 3)))


def test_c6_is_a_column_and_c7_is_diagonal() -> None:
    x = 0.7
    J = chain.jac_ln_sin_pair(x)
    assert J.shape == (2, 1)
    np.testing.assert_allclose(J[:, 0], [2 / x, 3 * np.cos(3 * x)], rtol=1e-14)
    v = RNG.uniform(-2, 2, 5)
    D = chain.jac_sin_of_squares(v)
    np.testing.assert_array_equal(D, np.diag(np.diag(D)))
    np.testing.assert_allclose(np.diag(D), 2 * v * np.cos(v**2), rtol=1e-14)


# ----- R26 where tanh saturates -----


@pytest.mark.parametrize("z", [10.0, 19.0, 25.0, -30.0])
def test_two_layer_derivative_is_relatively_accurate_where_tanh_saturates(z: float) -> None:
    # At |A x| past ~19, tanh(A x) rounds to ±1 and 1 - tanh² to exactly 0; the true value, sech²,
    # is 1.3e-16 at 19. Central differences see a flat f there, so the check is relative, against
    # 1/cosh² computed independently: y = sin(b tanh(a x)), dy/dx = cos(b tanh(a x)) b sech²(a x) a.
    x, b = np.array([1.0]), 0.5
    A, B = np.array([[z]]), np.array([[b]])  # A x = z
    expected = np.cos(b * np.tanh(z)) * b / np.cosh(z) ** 2 * A[0, 0]
    assert expected != 0.0
    np.testing.assert_allclose(jac_two_layer(x, A, B), [[expected]], rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(vjp_two_layer(np.array([1.0]), x, A, B), [expected], rtol=1e-12, atol=0.0)
