"""The symmetric-matrix gradient: sym(G) is the gradient; the Cookbook's G + Gᵀ − I ⊗ G is not."""

from __future__ import annotations

import numpy as np
import pytest

from mcref.core.numerical import numerical_jacobian
from mcref.ext.symmetric import cookbook_symmetric_gradient, directional_derivative, symmetric_gradient


def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    B = rng.normal(size=(n, n))
    return B @ B.T + n * np.eye(n)


def _sym(rng: np.random.Generator, n: int) -> np.ndarray:
    S = rng.normal(size=(n, n))
    return S + S.T


def logdet(M: np.ndarray) -> float:
    return float(np.linalg.slogdet(M)[1])


# f, and its unconstrained gradient G(A) = ∂f/∂A_ij written by hand; C is a fixed random matrix
def _functions(C: np.ndarray) -> dict[str, tuple]:  # type: ignore[type-arg]
    return {
        "logdet": (logdet, lambda A: np.linalg.inv(A).T),
        "trace(CA)": (lambda A: float(np.trace(C @ A)), lambda A: C.T),
        "sum(A^2)": (lambda A: float(np.sum(A**2)), lambda A: 2 * A),
        "x^T A x": (lambda A: float(C[0] @ A @ C[0]), lambda A: np.outer(C[0], C[0])),
    }


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("name", ["logdet", "trace(CA)", "sum(A^2)", "x^T A x"])
def test_sym_g_is_the_gradient_on_symmetric_matrices(n: int, name: str) -> None:
    rng = np.random.default_rng([n, len(name)])
    f, grad = _functions(rng.normal(size=(n, n)))[name]
    A, S = _spd(rng, n), _sym(rng, n)
    G = grad(A)
    # the hand-written G is the unconstrained gradient (checked, not assumed)
    np.testing.assert_allclose(numerical_jacobian(f, A).reshape(n, n), G, rtol=1e-5, atol=1e-7)
    slope = directional_derivative(f, A, S)
    assert np.sum(symmetric_gradient(G) * S) == pytest.approx(slope, rel=1e-6, abs=1e-8)
    assert np.allclose(symmetric_gradient(G), symmetric_gradient(G).T)
    wrong = np.sum(cookbook_symmetric_gradient(G) * S)
    if n == 1:
        assert wrong == pytest.approx(slope, rel=1e-6, abs=1e-8)  # no off-diagonal entries to double
    else:
        assert abs(wrong - slope) > 1e-3 * max(1.0, abs(slope))


def test_cookbook_matrix_is_the_formula_on_the_page() -> None:
    """G + Gᵀ − I ⊗ G, with ⊗ element-wise (the Cookbook's G ∘ I), for a non-symmetric G."""
    rng = np.random.default_rng(7)
    for n in (1, 2, 4):
        G = rng.normal(size=(n, n))
        np.testing.assert_array_equal(cookbook_symmetric_gradient(G), G + G.T - np.eye(n) * G)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_cookbook_matrix_is_the_partials_of_a_parametrization(n: int) -> None:
    """∂f/∂a_ij for the free entries a_ij (i <= j) of a symmetric A are the Cookbook's entries."""
    rng = np.random.default_rng(n)
    A = _spd(rng, n)
    iu = np.triu_indices(n)

    def f_of_params(theta: np.ndarray) -> float:
        M = np.zeros((n, n))
        M[iu] = theta
        M = M + M.T - np.diag(np.diag(M))
        return logdet(M)

    partials = numerical_jacobian(f_of_params, A[iu])[0]
    expected = cookbook_symmetric_gradient(np.linalg.inv(A).T)[iu]
    np.testing.assert_allclose(partials, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("call", "exc", "pattern"),
    [
        (lambda: symmetric_gradient([[1.0, 2.0, 3.0]]), ValueError,
         r"G must be a square matrix, got an array of shape \(1, 3\)"),
        (lambda: cookbook_symmetric_gradient([1.0, 2.0]), ValueError, r"G must be a 2-D array .*shape \(2,\)"),
        (lambda: symmetric_gradient([[np.nan]]), ValueError, r"G must be finite, got nan"),
        (lambda: directional_derivative(logdet, np.eye(2), np.eye(3)), ValueError,
         r"A and S must have the same shape, got \(2, 2\) and \(3, 3\)"),
        (lambda: directional_derivative("f", np.eye(2), np.eye(2)), TypeError, r"f must be callable, got str"),
        (lambda: directional_derivative(lambda A: A, np.eye(2), np.eye(2)), ValueError,
         r"f\(A \+ tS\) must be a scalar"),
    ],
)
def test_bad_input(call, exc, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=pattern):
        call()
