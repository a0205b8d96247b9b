"""The Cookbook's forms, (69) to (89): what the generic sweep of tests/test_rules.py cannot see.

The sweep draws W symmetric for (84) to (88), so it checks those rules only where the book's
stated condition holds; here the other side: for a non-symmetric W the printed 2W fails and
W + Wᵀ holds, and the functions refuse such a W. Also: the two formulas for the Jacobian of
XᵀBX, (79) and (80), agree; (75) holds with J^nm of the shape of Xᵀ; and the printed (89) is the
complex gradient of |a − xᴴb|², the reading its erratum gives.
"""

from __future__ import annotations

import numpy as np
import pytest

import mcref
from mcref.cookbook import forms

RNG = np.random.default_rng(89)
N, K = 3, 2


def _residual(x: np.ndarray, A: np.ndarray, s: np.ndarray, W: np.ndarray) -> float:
    r = x - A @ s
    return float(r @ W @ r)


def _point() -> dict[str, np.ndarray]:
    W = RNG.uniform(-2, 2, (N, N))
    return {"x": RNG.uniform(-2, 2, N), "A": RNG.uniform(-2, 2, (N, K)), "s": RNG.uniform(-2, 2, K), "W": W}


# rule: (variable, the printed gradient with 2W, the general gradient with W + Wᵀ)
WEIGHTED = {
    "MC84": ("s", lambda x, A, s, W: -2 * A.T @ W @ (x - A @ s), lambda x, A, s, W: -A.T @ (W + W.T) @ (x - A @ s)),
    "MC87": ("x", lambda x, A, s, W: 2 * W @ (x - A @ s), lambda x, A, s, W: (W + W.T) @ (x - A @ s)),
    "MC88": (
        "A",
        lambda x, A, s, W: -2 * np.outer(W @ (x - A @ s), s),
        lambda x, A, s, W: -np.outer((W + W.T) @ (x - A @ s), s),
    ),
}


@pytest.mark.parametrize("rule_id", WEIGHTED)
def test_the_symmetric_w_condition_on_both_sides(rule_id: str) -> None:
    wrt, printed, general = WEIGHTED[rule_id]
    point = _point()
    symmetric = {**point, "W": point["W"] + point["W"].T}
    for where, holds in ((symmetric, True), (point, False)):
        numeric = mcref.numerical_jacobian(_residual, wrt=wrt, **where).reshape(where[wrt].shape)
        assert np.allclose(printed(**where), numeric, rtol=1e-5, atol=1e-6) is holds
        np.testing.assert_allclose(general(**where), numeric, rtol=1e-5, atol=1e-6)
    # and the rule agrees with the printed form where the condition holds
    np.testing.assert_allclose(
        mcref.get_rule(rule_id).derivative(**symmetric).reshape(point[wrt].shape), printed(**symmetric)
    )


def test_the_distance_rules_too() -> None:
    """(85) and (86) are (87) and (84) with A = I."""
    x, s, W = RNG.uniform(-2, 2, N), RNG.uniform(-2, 2, N), RNG.uniform(-2, 2, (N, N))
    for wrt, sign in (("x", 1), ("s", -1)):
        numeric = mcref.numerical_jacobian(lambda x, s: (x - s) @ W @ (x - s), x, s, wrt=wrt).ravel()
        assert not np.allclose(sign * 2 * W @ (x - s), numeric, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(sign * (W + W.T) @ (x - s), numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda W: forms.weighted_residual([1.0, 2.0], [[1.0], [0.0]], [1.0], W),
        lambda W: forms.grad_weighted_residual_A([1.0, 2.0], [[1.0], [0.0]], [1.0], W),
        lambda W: forms.vjp_weighted_distance_s(1.0, [1.0, 2.0], [0.0, 1.0], W),
    ],
)
def test_a_non_symmetric_w_is_refused_by_name(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=r"W must be symmetric .* \|W\[0, 1\] - W\[1, 0\]\| = 2, .*W \+ Wᵀ"):
        call(np.array([[2.0, 1.0], [-1.0, 3.0]]))


def test_79_and_80_are_one_jacobian() -> None:
    X, B = RNG.uniform(-2, 2, (4, 3)), RNG.uniform(-2, 2, (4, 4))
    np.testing.assert_allclose(forms.jac_congruence(X, B), forms.jac_congruence_by_entry(X, B), atol=1e-12)


def test_75_with_J_nm_of_the_shape_of_X_transposed() -> None:
    """(J^nm A)_ij with J^nm the q×p single-entry matrix (1 at row n, column m) is the rule's Jacobian."""
    p, q, r = 2, 3, 4
    X, A = RNG.uniform(-2, 2, (p, q)), RNG.uniform(-2, 2, (p, r))
    single = np.eye(q * p).reshape(q, p, q, p).transpose(3, 2, 0, 1)  # single[m, n] = J^nm, shape (q, p)
    columns = (single @ A).reshape(p * q, q * r).T  # column (m, n) = J^nm A flattened
    np.testing.assert_allclose(columns, forms.jac_transposed_product(X, A))


def _complex_gradient(f: object, x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """∂f/∂Re x + i ∂f/∂Im x of a real-valued f of the pairs, by central differences."""
    J = mcref.numerical_jacobian(f, x, a, b, wrt=0).reshape(-1, 2)
    return J[:, 0] + 1j * J[:, 1]


def test_the_printed_89_is_the_gradient_of_the_squared_modulus() -> None:
    x, a, b = RNG.uniform(-1, 1, (3, 2)), RNG.uniform(-1, 1, 2), RNG.uniform(-1, 1, (3, 2))
    xc, bc = x[:, 0] + 1j * x[:, 1], b[:, 0] + 1j * b[:, 1]
    u = complex(a[0], a[1]) - np.conj(xc) @ bc

    def modulus_squared(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.hypot(*forms.complex_square(x, a, b)))  # |u²| = |u|²

    np.testing.assert_allclose(_complex_gradient(modulus_squared, x, a, b), -2 * bc * np.conj(u), atol=1e-6)
    assert not np.allclose(-2 * bc * np.conj(u), -4 * bc * u)  # and it is not the verified gradient of u²


def test_76_is_the_literal_sum_over_four_indices() -> None:
    """squared_sum computes (Σ X)²; the book's Σ_klmn X_kl X_mn, term by term, is the same number."""
    X = RNG.uniform(-2, 2, (2, 3))
    literal = np.einsum("kl,mn->klmn", X, X).sum()
    assert np.isclose(forms.squared_sum(X), literal)
