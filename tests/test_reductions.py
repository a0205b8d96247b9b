"""R18-R23: sum reductions, beyond the generic check of the registry.

R18's builder `sum_gradient` is checked on several vector functions with full
and non-square Jacobians; the dot-product rules are checked along the paper's
route through u = w ⊗ x; R20 and R21 are tied to the scalar-expansion rules they
reduce; erratum E2 is pinned down; and `sum_gradient`'s bad input is swept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from mcref import compare_jacobians, numerical_jacobian
from mcref.paper import elementwise, expansion, reductions
from mcref.paper.reductions import sum_gradient

SIZES = (1, 2, 3, 7)


def _rng(*seed: int) -> np.random.Generator:
    return np.random.default_rng(list(seed))


def _functions(m: int, n: int) -> dict[str, tuple[Callable, Callable]]:
    """(f, its Jacobian) for f: R^n -> R^m whose Jacobian is full."""
    A = _rng(m, n, 1).uniform(-1, 1, (m, n))
    return {
        "A x": (lambda x: A @ x, lambda x: A),
        "tanh(A x)": (lambda x: np.tanh(A @ x), lambda x: (1 - np.tanh(A @ x) ** 2)[:, None] * A),
        "(A x)^2": (lambda x: (A @ x) ** 2, lambda x: (2 * (A @ x))[:, None] * A),
        "sin(A x) + x.x": (
            lambda x: np.sin(A @ x) + x @ x,
            lambda x: np.cos(A @ x)[:, None] * A + 2 * np.tile(x, (m, 1)),
        ),
    }


def _summed(f: Callable) -> Callable:
    """x -> sum(f(x)), with f fixed now rather than looked up when called."""
    return lambda x: f(x).sum()


@pytest.mark.parametrize("m", SIZES, ids=lambda m: f"m={m}")
@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_R18_sum_gradient_is_the_gradient_of_the_sum(m: int, n: int) -> None:
    x = _rng(m, n, 2).uniform(-2, 2, n)
    for name, (f, jac) in _functions(m, n).items():
        closed = sum_gradient(jac(x))
        assert closed.shape == (1, n)
        numeric = numerical_jacobian(_summed(f), x)
        result = compare_jacobians(closed, numeric, rule_id=f"R18 sum({name})")
        assert result.ok, result.report()


def test_R18_with_a_square_full_jacobian_of_x_sum_x() -> None:
    """f(x) = x sum(x): ∂f/∂x = sum(x) I + x 1ᵀ, full; y = sum(x)², gradient 2 sum(x) 1ᵀ."""
    x = np.array([0.5, -1.0, 2.0, 0.25])
    s = x.sum()
    jac = s * np.eye(4) + np.outer(x, np.ones(4))
    assert np.count_nonzero(jac) == 16
    np.testing.assert_allclose(sum_gradient(jac), np.full((1, 4), 2 * s))


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_R19_is_R18_for_the_identity(n: int) -> None:
    x = _rng(n, 3).uniform(-2, 2, n)
    np.testing.assert_array_equal(reductions.grad_total(x), sum_gradient(np.eye(n)))


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_R20_R21_are_the_column_sums_of_R16_R17(n: int) -> None:
    """sum(x z) reduces x z: its gradients are 1ᵀ times the scalar-expansion Jacobians."""
    rng = _rng(n, 4)
    x, z = rng.uniform(-2, 2, n), float(rng.uniform(-2, 2))
    by_x = sum_gradient(expansion.jac_multiply_scalar_x(x, z))  # 1^T (I z)
    by_z = sum_gradient(expansion.jac_multiply_scalar_z(x, z))  # 1^T x
    np.testing.assert_allclose(reductions.grad_scaled_total_x(x, z), by_x)
    np.testing.assert_allclose(reductions.grad_scaled_total_z(x, z), by_z)


def test_E2_the_derivative_with_respect_to_z_is_sum_x_not_n() -> None:
    x = np.array([1.0, 2.0, 4.0])
    closed = reductions.grad_scaled_total_z(x, 0.5)
    numeric = numerical_jacobian(reductions.scaled_total, x, 0.5, wrt="z")
    assert closed.shape == numeric.shape == (1, 1)
    assert closed[0, 0] == 7.0
    assert abs(numeric[0, 0] - 7.0) < 1e-6
    assert abs(numeric[0, 0] - len(x)) > 1  # the draft's n
    # n is the derivative of sum(x + z), the sum the draft computed by mistake
    assert abs(numerical_jacobian(lambda z: np.sum(x + z), 0.5)[0, 0] - len(x)) < 1e-6


@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_R22_R23_through_the_intermediate_u(n: int) -> None:
    """y = sum(u), u = w ⊗ x: dy/du = 1ᵀ (R19) and du/dx = diag(w) (R11) give 1ᵀ diag(w) = wᵀ."""
    rng = _rng(n, 5)
    w, x = rng.uniform(-2, 2, n), rng.uniform(-2, 2, n)
    u = w * x
    dy_du = reductions.grad_total(u)
    chain_x = dy_du @ elementwise.jac_multiply_x(w, x)
    chain_w = dy_du @ elementwise.jac_multiply_w(w, x)
    np.testing.assert_allclose(chain_x, reductions.grad_dot_x(w, x), rtol=0, atol=0)
    np.testing.assert_allclose(chain_w, reductions.grad_dot_w(w, x), rtol=0, atol=0)
    for wrt, closed in (("x", chain_x), ("w", chain_w)):
        numeric = numerical_jacobian(reductions.dot, w, x, wrt=wrt)
        assert compare_jacobians(closed, numeric).ok


def test_denominator_layout_is_a_column() -> None:
    """The gradients are rows (1, n); their denominator-layout forms are the (n, 1) transposes."""
    w, x = np.array([1.0, -2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    assert reductions.grad_dot_x(w, x).T.shape == (3, 1)
    np.testing.assert_array_equal(reductions.grad_dot_x(w, x).T[:, 0], w)


def test_forward_functions_return_numpy_scalars() -> None:
    for value in (
        reductions.total([1, 2, 3]),
        reductions.scaled_total([1, 2, 3], 2),
        reductions.dot([1, 2], [3, 4]),
        reductions.sum_of_linear([[1, 2]], [3, 4]),
    ):
        assert isinstance(value, np.float64)


# ----- bad input -----

NAN = float("nan")
BAD = {
    "1-d": ([1.0, 2.0], ValueError, r"jacobian must be a 2-D array \(a matrix\), got an array of shape \(2,\)"),
    "3-d": (np.ones((2, 2, 2)), ValueError, r"jacobian must be a 2-D array .*shape \(2, 2, 2\)"),
    "0-d": (1.0, ValueError, r"jacobian must be a 2-D array .*shape \(\)"),
    "empty": (np.empty((0, 3)), ValueError,
              r"jacobian must have at least one element, got an empty array of shape \(0, 3\)"),
    "nan": ([[1.0, NAN]], ValueError, r"jacobian must be finite, got nan at index \(0, 1\)"),
    "str": ("J", TypeError, r"jacobian must be a real number or array of real numbers, got str 'J'"),
    "None": (None, TypeError, r"jacobian must be a real number or array of real numbers, got NoneType None"),
    "complex": (np.eye(2) + 1j, TypeError,
                r"jacobian must hold real numbers \(int or float\), got an array of dtype complex128"),
    "bool": (np.eye(2, dtype=bool), TypeError, r"jacobian must hold real numbers .*dtype bool"),
    "ragged": ([[1.0, 2.0], [3.0]], ValueError,
               r"jacobian must be a rectangular array of real numbers, got ragged input"),
    "overflow": ([[1e308], [1e308]], ValueError, r"the gradient is not finite"),
}


@pytest.mark.parametrize(("value", "exc", "pattern"), BAD.values(), ids=BAD.keys())
def test_sum_gradient_bad_input(value: object, exc: type, pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        sum_gradient(value)


def test_sum_gradient_integer_input_is_float64() -> None:
    out = sum_gradient(np.array([[1, 2], [3, 4]], dtype=np.int32))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[4.0, 6.0]])


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: reductions.sum_of_linear(np.ones((2, 3)), [1.0, 2.0]),
         r"A must have n = 2 columns to multiply x \(length 2\), got shape \(2, 3\)"),
        (lambda: elementwise.linear_times(np.ones((2, 3)), [1.0, 2.0], [1.0, 2.0]),
         r"A must have shape \(n, n\) = \(2, 2\) to match the vectors, got shape \(2, 3\)"),
        (lambda: reductions.total([1e308, 1e308]), r"sum\(x\) is not finite"),
        (lambda: reductions.dot([1e200, 1.0], [1e200, 1.0]), r"w ⊗ x is not finite"),
        (lambda: reductions.scaled_total([1e300], 1e10), r"x z is not finite"),
        (lambda: expansion.multiply_scalar([1e300], 1e10), r"x z is not finite"),
        (lambda: expansion.add_scalar([1.7e308], 1.7e308), r"x \+ z is not finite"),
        (lambda: expansion.add_scalar([1.0], np.float64(NAN)), r"z must be finite, got nan$"),
        (lambda: expansion.add_scalar([1.0], np.complex128(1j)), r"z must hold real numbers .*dtype complex128"),
    ],
)
def test_shape_and_overflow_errors(call: Callable, pattern: str) -> None:
    with pytest.raises((ValueError, TypeError), match=pattern):
        call()
