"""The layout conversions of `mcref.core.layout` and the Jacobian-from-gradients helper of `mcref.paper.jacobians`.

These are helpers, not registered rules (they have no derivative of their own),
so the generic rule tests do not see them: this module checks their shapes, their
round trips, their errors, and that they agree with the numerical Jacobian of
registered rules.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import mcref
from mcref.core.layout import gradient_as_row, gradient_like_input, to_denominator, to_numerator
from mcref.paper.jacobians import jacobian_from_gradients

NAN, INF = float("nan"), float("inf")
FINITE = st.floats(-1e6, 1e6)


# ----- to_denominator / to_numerator -----


@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (4, 1), (2, 3), (3, 2)])
def test_layout_conversion_is_the_transpose(shape: tuple[int, int]) -> None:
    J = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    D = to_denominator(J)
    assert D.shape == shape[::-1] and D.dtype == np.float64
    np.testing.assert_array_equal(D, J.T)
    np.testing.assert_array_equal(to_numerator(D), J)


@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=FINITE))
def test_layout_round_trip(J: np.ndarray) -> None:
    np.testing.assert_array_equal(to_numerator(to_denominator(J)), J)
    np.testing.assert_array_equal(to_denominator(to_numerator(J)), J)


def test_conversions_return_a_new_array() -> None:
    J = np.array([[1.0, 2.0], [3.0, 4.0]])
    for convert in (to_denominator, to_numerator):
        out = convert(J)
        out[0, 0] = 99.0
        assert J[0, 0] == 1.0


def test_conversions_accept_integers_and_lists() -> None:
    out = to_denominator([[1, 2, 3]])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0], [2.0], [3.0]])


# ----- gradient_like_input / gradient_as_row -----


@pytest.mark.parametrize(
    ("shape", "expected"),
    [(3, (3,)), ((3,), (3,)), ([2, 3], (2, 3)), ((2, 3), (2, 3)), ((), ()), ((1,), (1,)), ((2, 1, 3), (2, 1, 3))],
)
def test_gradient_like_input_shapes(shape: object, expected: tuple[int, ...]) -> None:
    k = int(np.prod(expected))
    row = np.arange(1.0, k + 1).reshape(1, k)
    out = gradient_like_input(row, shape)  # type: ignore[arg-type]
    assert out.shape == expected and out.dtype == np.float64
    np.testing.assert_array_equal(out.reshape(-1), row[0])  # row-major order
    np.testing.assert_array_equal(gradient_as_row(out), row)


def test_gradient_like_input_accepts_numpy_integer_shapes() -> None:
    out = gradient_like_input([[1.0, 2.0, 3.0, 4.0]], (np.int64(2), np.int32(2)))
    np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0]])
    assert gradient_like_input([[5.0]], np.int64(1)).shape == (1,)


@given(arrays(np.float64, st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple), elements=FINITE))
def test_gradient_round_trip(g: np.ndarray) -> None:
    row = gradient_as_row(g)
    assert row.shape == (1, g.size)
    np.testing.assert_array_equal(gradient_like_input(row, g.shape), g)


def test_gradient_as_row_of_a_scalar() -> None:
    np.testing.assert_array_equal(gradient_as_row(2.5), [[2.5]])
    np.testing.assert_array_equal(gradient_like_input([[2.5]], ()), np.float64(2.5))


# ----- agreement with the numerical Jacobian of registered rules -----


@pytest.mark.parametrize("point", [[2.0, 1.0], [-0.5, 1.5], [1.25, -2.0]])
@pytest.mark.parametrize("rule_id", ["R1", "G1"])
def test_converted_gradient_of_a_rule_is_the_numerical_gradient_transposed(rule_id: str, point: list[float]) -> None:
    r = mcref.get_rule(rule_id)
    closed = r.derivative(point)
    numeric = mcref.numerical_jacobian(r.forward, point)
    assert closed.shape == numeric.shape == (1, 2)
    np.testing.assert_allclose(to_denominator(closed), numeric.T, rtol=mcref.RTOL, atol=mcref.ATOL)
    assert to_denominator(closed).shape == (2, 1)
    # shaped like the input p, as jax.grad and PyTorch's .grad give it
    np.testing.assert_allclose(
        gradient_like_input(closed, np.shape(point)), numeric.T[:, 0], rtol=mcref.RTOL, atol=mcref.ATOL
    )


def test_denominator_layout_of_r2_is_the_papers_transpose() -> None:
    x, y = 2.0, 1.0
    J = mcref.get_rule("R2").derivative([x, y])
    np.testing.assert_array_equal(to_denominator(J), [[6 * y * x, 2.0], [3 * x**2, 8 * y**7]])
    np.testing.assert_allclose(to_denominator(J), mcref.numerical_jacobian(mcref.paper.jacobians.paper_fg, [x, y]).T,
                               rtol=mcref.RTOL, atol=mcref.ATOL)


@pytest.mark.parametrize("rule_id", ["R1", "G1", "R2", "R3", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"])
def test_rules_convert_to_denominator_layout(rule_id: str) -> None:
    """The denominator-layout shape the site shows for a rule is what to_denominator gives."""
    r = mcref.get_rule(rule_id)
    sizes = dict.fromkeys(r.dimensions, 3)
    point = r.sample(np.random.default_rng(0), sizes)
    closed = np.asarray(r.derivative(**point))
    numeric = mcref.numerical_jacobian(r.forward, wrt=r.wrt, **point)
    den = to_denominator(closed)
    assert den.shape == tuple(reversed(r.derivative_shape(sizes)))
    np.testing.assert_allclose(den, numeric.T, rtol=mcref.RTOL, atol=mcref.ATOL)


def test_weight_gradient_shaped_like_w() -> None:
    """For L = u · (W x), dL/dW laid out like W is the outer product u xᵀ."""
    rng = np.random.default_rng(0)
    W, x, u = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    row = mcref.numerical_jacobian(lambda W: u @ W @ x, W)
    assert row.shape == (1, 12)
    np.testing.assert_allclose(gradient_like_input(row, W.shape), np.outer(u, x), rtol=1e-6, atol=1e-8)
    # and y = W x has the Jacobian W in numerator layout, Wᵀ in denominator layout
    J = mcref.numerical_jacobian(lambda x: W @ x, x)
    np.testing.assert_allclose(J, W, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(to_denominator(J), W.T, rtol=1e-6, atol=1e-8)


# ----- errors -----

REAL = r"must be a real number or array of real numbers"
ERRORS = {
    "den-1d": (lambda: to_denominator([1.0, 2.0]), ValueError,
               r"jacobian must be a 2-D array \(a Jacobian in numerator layout; .*\), got an array of shape \(2,\)"),
    "den-0d": (lambda: to_denominator(1.0), ValueError, r"jacobian must be a 2-D array .*got an array of shape \(\)"),
    "den-3d": (lambda: to_denominator(np.ones((1, 2, 3))), ValueError, r"got an array of shape \(1, 2, 3\)"),
    "num-1d": (lambda: to_numerator([1.0]), ValueError,
               r"jacobian must be a 2-D array \(a Jacobian in denominator layout; .*\), got an array of shape \(1,\)"),
    "den-empty": (lambda: to_denominator(np.empty((0, 2))), ValueError,
                  r"jacobian must have at least one element, got an empty array of shape \(0, 2\)"),
    "den-nan": (lambda: to_denominator([[1.0, NAN]]), ValueError,
                r"jacobian must be finite, got nan at index \(0, 1\)"),
    "num-inf": (lambda: to_numerator([[INF], [1.0]]), ValueError,
                r"jacobian must be finite, got inf at index \(0, 0\)"),
    "den-str": (lambda: to_denominator("J"), TypeError, rf"jacobian {REAL}, got str 'J'"),
    "num-None": (lambda: to_numerator(None), TypeError, rf"jacobian {REAL}, got NoneType None"),
    "den-bool": (lambda: to_denominator([[True]]), TypeError, r"jacobian must hold real numbers .*dtype bool"),
    "den-complex": (lambda: to_denominator(np.ones((2, 2)) * 1j), TypeError, r"dtype complex128"),
    "den-ragged": (lambda: to_denominator([[1.0, 2.0], [3.0]]), ValueError, r"jacobian must be a rectangular array"),
    "like-1d": (lambda: gradient_like_input([1.0, 2.0], 2), ValueError,
                r"gradient must be a numerator-layout row of shape \(1, k\), .*got an array of shape \(2,\); "
                r"for a Jacobian with several rows use to_denominator"),
    "like-2rows": (lambda: gradient_like_input(np.ones((2, 2)), (2, 2)), ValueError,
                   r"gradient must be a numerator-layout row .*got an array of shape \(2, 2\)"),
    "like-column": (lambda: gradient_like_input(np.ones((3, 1)), 3), ValueError, r"got an array of shape \(3, 1\)"),
    "like-wrong-size": (lambda: gradient_like_input(np.ones((1, 6)), (2, 2)), ValueError,
                        r"shape \(2, 2\) holds 4 entries but the gradient has 6 \(shape \(1, 6\)\)"),
    "like-wrong-n": (lambda: gradient_like_input(np.ones((1, 2)), 3), ValueError,
                     r"shape \(3,\) holds 3 entries but the gradient has 2"),
    "like-scalar-shape": (lambda: gradient_like_input(np.ones((1, 2)), ()), ValueError,
                          r"shape \(\) holds 1 entry but the gradient has 2"),
    "like-shape-float": (lambda: gradient_like_input(np.ones((1, 2)), 2.0), TypeError,
                         r"shape must be an int or a sequence of ints, got float 2\.0"),
    "like-shape-str": (lambda: gradient_like_input(np.ones((1, 2)), "2"), TypeError,
                       r"shape must be an int or a sequence of ints, got str '2'"),
    "like-shape-None": (lambda: gradient_like_input(np.ones((1, 2)), None), TypeError,
                        r"shape must be an int or a sequence of ints, got NoneType None"),
    "like-shape-bool": (lambda: gradient_like_input(np.ones((1, 1)), True), TypeError,
                        r"shape must be an int or a sequence of ints, got bool"),
    "like-shape-float-dim": (lambda: gradient_like_input(np.ones((1, 2)), (2.0,)), TypeError,
                             r"shape must hold ints, got float 2\.0 in \(2\.0,\)"),
    "like-shape-zero": (lambda: gradient_like_input(np.ones((1, 2)), (2, 0)), ValueError,
                        r"shape must hold sizes >= 1, got \(2, 0\)"),
    "like-shape-negative": (lambda: gradient_like_input(np.ones((1, 2)), -2), ValueError,
                            r"shape must hold sizes >= 1, got \(-2,\)"),
    "like-nan": (lambda: gradient_like_input([[1.0, NAN]], 2), ValueError,
                 r"gradient must be finite, got nan at index \(0, 1\)"),
    "like-str": (lambda: gradient_like_input("g", 1), TypeError, rf"gradient {REAL}, got str 'g'"),
    "row-empty": (lambda: gradient_as_row([]), ValueError,
                  r"gradient must have at least one element, got an empty array of shape \(0,\)"),
    "row-inf": (lambda: gradient_as_row([1.0, -INF]), ValueError, r"gradient must be finite, got -inf at index 1"),
    "row-None": (lambda: gradient_as_row(None), TypeError, rf"gradient {REAL}, got NoneType None"),
    "row-ragged": (lambda: gradient_as_row([[1.0], [2.0, 3.0]]), ValueError, r"gradient must be a rectangular array"),
    # jacobian_from_gradients
    "stack-empty": (lambda: jacobian_from_gradients([]), ValueError,
                    r"gradients must hold at least one gradient, got an empty sequence"),
    "stack-int": (lambda: jacobian_from_gradients(5), TypeError,
                  r"gradients must be a sequence \(a list or tuple\) of gradients, got int"),
    "stack-str": (lambda: jacobian_from_gradients("ab"), TypeError, r"gradients must be a sequence .*, got str"),
    "stack-None": (lambda: jacobian_from_gradients(None), TypeError, r"gradients must be a sequence .*, got NoneType"),
    "stack-one-array": (lambda: jacobian_from_gradients(np.array([1.0, 2.0])), ValueError,
                        r"gradients must be a sequence of gradients; got one array of shape \(2,\): "
                        r"wrap a single gradient in a list, \[g\]"),
    "stack-lengths": (lambda: jacobian_from_gradients([[1.0, 2.0], [[1.0, 2.0, 3.0]]]), ValueError,
                      r"every gradient must have the same length n \(one entry per variable\), "
                      r"got: gradients\[0\] has length 2, gradients\[1\] has length 3"),
    "stack-matrix": (lambda: jacobian_from_gradients([np.ones((2, 2))]), ValueError,
                     r"gradients\[0\] must be a \(1, n\) row or a length-n vector, got an array of shape \(2, 2\)"),
    "stack-column": (lambda: jacobian_from_gradients([[1.0, 2.0], np.ones((2, 1))]), ValueError,
                     r"gradients\[1\] must be a \(1, n\) row .*got an array of shape \(2, 1\)"),
    "stack-scalar": (lambda: jacobian_from_gradients([1.0, 2.0]), ValueError,
                     r"gradients\[0\] must be a \(1, n\) row or a length-n vector, got an array of shape \(\)"),
    "stack-nan": (lambda: jacobian_from_gradients([[1.0, NAN]]), ValueError,
                  r"gradients\[0\] must be finite, got nan at index 1"),
    "stack-empty-row": (lambda: jacobian_from_gradients([[]]), ValueError,
                        r"gradients\[0\] must have at least one element, got an empty array of shape \(0,\)"),
    "stack-str-row": (lambda: jacobian_from_gradients([[1.0, 2.0], "ab"]), TypeError,
                      rf"gradients\[1\] {REAL}, got str 'ab'"),
    "stack-bool-row": (lambda: jacobian_from_gradients([[True, False]]), TypeError,
                       r"gradients\[0\] must hold real numbers \(int or float\), .*dtype bool"),
}


@pytest.mark.parametrize(("call", "exc", "pattern"), ERRORS.values(), ids=ERRORS.keys())
def test_bad_input(call, exc, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=pattern):
        call()


# ----- jacobian_from_gradients: the definition of R2 -----


def test_stacking_gradients_gives_the_jacobian() -> None:
    rows = [np.array([[1.0, 2.0, 3.0]]), [4, 5, 6], (7.0, 8.0, 9.0)]
    J = jacobian_from_gradients(rows)
    assert J.shape == (3, 3) and J.dtype == np.float64
    np.testing.assert_array_equal(J, np.arange(1.0, 10.0).reshape(3, 3))
    # a tuple of rows, one row, and a 2-D array read as its rows
    np.testing.assert_array_equal(jacobian_from_gradients(([1.0, 2.0],)), [[1.0, 2.0]])
    np.testing.assert_array_equal(jacobian_from_gradients(np.eye(2)), np.eye(2))


def test_stacking_does_not_alias_its_input() -> None:
    g = np.array([[1.0, 2.0]])
    J = jacobian_from_gradients([g])
    J[0, 0] = 99.0
    assert g[0, 0] == 1.0


@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_stacking_rows_of_a_jacobian_gives_it_back(m: int, n: int, data: st.DataObject) -> None:
    J = data.draw(arrays(np.float64, (m, n), elements=FINITE))
    as_rows = [J[i : i + 1] for i in range(m)]
    as_vectors = [J[i] for i in range(m)]
    np.testing.assert_array_equal(jacobian_from_gradients(as_rows), J)
    np.testing.assert_array_equal(jacobian_from_gradients(as_vectors), J)


def test_r2_is_r1_and_g1_stacked() -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        p = rng.uniform(-2, 2, size=2)
        stacked = jacobian_from_gradients([mcref.get_rule("R1").derivative(p), mcref.get_rule("G1").derivative(p)])
        np.testing.assert_array_equal(mcref.get_rule("R2").derivative(p), stacked)


def test_numerical_jacobian_of_several_functions_is_their_gradients_stacked() -> None:
    """The definition holds numerically for functions of three variables too."""
    x = np.array([0.5, -1.0, 2.0])
    fs = [lambda x: x[0] * x[1], lambda x: np.sin(x[2]) + x[0], lambda x: x @ x]
    grads = [mcref.numerical_jacobian(f, x) for f in fs]
    J = mcref.numerical_jacobian(lambda x: np.array([f(x) for f in fs]), x)
    assert J.shape == (3, 3)
    np.testing.assert_allclose(jacobian_from_gradients(grads), J, rtol=1e-9, atol=1e-12)
