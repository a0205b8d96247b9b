"""The Cookbook's traces (mcref/cookbook/traces.py): what the generic sweep cannot see.

The sweep checks (125) and (126) where the book says they hold, with B and C drawn
symmetric. Here the other side: with a C (or, in (126), a B) that is not symmetric the
printed formula fails against central differences, so the condition the book states is
needed, and the functions refuse such a matrix instead of returning a wrong gradient.
And the matrix functions of (98u) and (128), computed by a series, agree with the
eigenvalues of a symmetric matrix and with the closed form on a Jordan block.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mcref
from mcref.cookbook import traces

RNG = np.random.default_rng(125)
X = RNG.uniform(-1.0, 1.0, (4, 2))
SYM = (lambda M: M + M.T)(RNG.uniform(-1.0, 1.0, (4, 4)))
ASYM = RNG.uniform(-1.0, 1.0, (4, 4))
A = RNG.uniform(-1.0, 1.0, (2, 2))


def _printed_125(X: Any, C: Any, A: Any) -> Any:
    Ni = np.linalg.inv(X.T @ C @ X)
    return -(C @ X @ Ni) @ (A + A.T) @ Ni


def _printed_126(X: Any, B: Any, C: Any) -> Any:
    Ni = np.linalg.inv(X.T @ C @ X)
    return -2 * C @ X @ Ni @ X.T @ B @ X @ Ni + 2 * B @ X @ Ni


TRACE_INVERSE_FORM = (traces.trace_inverse_form, _printed_125, traces.grad_trace_inverse_form)
FORM_RATIO = (traces.trace_form_ratio, _printed_126, traces.grad_trace_form_ratio)
CASES = {
    # name: (forward, the book's formula, the gradient function, the point, the argument that is not symmetric)
    "MC125-C": (*TRACE_INVERSE_FORM, {"X": X, "C": ASYM, "A": A}, "C"),
    "MC126-C": (*FORM_RATIO, {"X": X, "B": SYM, "C": ASYM}, "C"),
    "MC126-B": (*FORM_RATIO, {"X": X, "B": ASYM, "C": SYM}, "B"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_symmetry_the_book_states_is_needed(case: tuple[Callable[..., Any], ...]) -> None:
    forward, printed, gradient, point, name = case
    numeric = mcref.numerical_jacobian(forward, wrt="X", **point).reshape(X.shape)
    assert not np.allclose(printed(**point), numeric, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match=rf"{name} must be symmetric for the gradient of \(12[56]\)"):
        gradient(**point)
    # and on the side where the book says it holds: the same point with the matrix made symmetric
    fixed = {**point, name: SYM}
    numeric = mcref.numerical_jacobian(forward, wrt="X", **fixed).reshape(X.shape)
    np.testing.assert_allclose(printed(**fixed), numeric, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gradient(**fixed).reshape(X.shape), numeric, rtol=1e-5, atol=1e-7)


def test_the_matrix_functions_agree_with_the_eigenvalues() -> None:
    S = 3.0 * SYM  # a symmetric matrix of norm well above 1/2, so the series is scaled and squared
    lam, V = np.linalg.eigh(S)
    np.testing.assert_allclose(traces.trace_exp(S), np.exp(lam).sum(), rtol=1e-12)
    np.testing.assert_allclose(traces.trace_sin(S), np.sin(lam).sum(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(traces.vjp_trace_exp(1.0, S), V @ np.diag(np.exp(lam)) @ V.T, rtol=1e-12)
    np.testing.assert_allclose(traces.vjp_trace_sin(1.0, S), V @ np.diag(np.cos(lam)) @ V.T, atol=1e-12)


def test_the_matrix_functions_of_a_jordan_block() -> None:
    # not diagonalizable: e^J = e^a [[1, 1], [0, 1]], and cos J = [[cos a, -sin a], [0, cos a]]
    a = 2.5
    J = np.array([[a, 1.0], [0.0, a]])
    np.testing.assert_allclose(traces.vjp_trace_exp(1.0, J), np.exp(a) * np.array([[1.0, 0.0], [1.0, 1.0]]),
                               rtol=1e-12)
    np.testing.assert_allclose(traces.vjp_trace_sin(1.0, J), np.array([[np.cos(a), 0.0], [-np.sin(a), np.cos(a)]]),
                               atol=1e-12)
