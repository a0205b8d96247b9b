"""What the sweep cannot see in the Cookbook's (32) to (58): singular points, the exact point S = 0
of (47), both sides of the symmetry condition of (53), and every exponent of (58).

The generic sweep of tests/test_rules.py draws invertible, well-conditioned matrices and random
points; these tests pick the points that the statements single out.
"""

from __future__ import annotations

import numpy as np
import pytest

import mcref
from mcref.cookbook import determinants as dets
from mcref.cookbook import differentials as diffs
from mcref.core.numerical import compare_jacobians, numerical_jacobian

SINGULAR = np.array([[1.0, 2.0, 0.5], [2.0, 4.0, 1.0], [0.0, 1.0, -1.0]])  # row 2 = 2 row 1: det = 0


def test_the_adjugate_is_the_inverse_times_det_and_defined_at_singular_matrices() -> None:
    X = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, -1.0, 1.0]])
    np.testing.assert_allclose(dets.adjugate(X), np.linalg.det(X) * np.linalg.inv(X), atol=1e-12)
    adj = dets.adjugate(SINGULAR)
    np.testing.assert_allclose(SINGULAR @ adj, np.zeros((3, 3)), atol=1e-12)
    np.testing.assert_allclose(adj @ SINGULAR, np.zeros((3, 3)), atol=1e-12)
    assert np.abs(adj).max() > 0.5  # rank 2: the adjugate has rank 1, not 0
    # a 1 by 1 matrix has adjugate [1], even for [0]
    np.testing.assert_allclose(dets.adjugate([[0.0]]), [[1.0]])


def test_mc41_holds_at_a_singular_matrix_where_mc42_cannot_be_used() -> None:
    rng = np.random.default_rng(5)
    X1, X2 = rng.uniform(-1, 1, (3, 3)), rng.uniform(-0.5, 0.5, (3, 3))
    closed = diffs.jac_det_along(0.0, SINGULAR, X1, X2)
    numeric = numerical_jacobian(diffs.det_along, 0.0, SINGULAR, X1, X2, wrt="t")
    compare_jacobians(closed, numeric, rule_id="MC41 at a singular X").raise_if_failed()
    assert abs(closed[0, 0]) > 0.1  # the rate is not zero by accident
    with pytest.raises(ValueError, match=r"X\(t\) must be invertible"):
        diffs.det_along_invertible(0.0, SINGULAR, X1, X2)


def test_mc50_the_cofactor_identity_at_a_singular_matrix() -> None:
    numeric = numerical_jacobian(dets.det_any, SINGULAR, wrt="X").reshape(3, 3)
    closed = dets.grad_det_any(SINGULAR).reshape(3, 3)
    compare_jacobians(closed, numeric, rule_id="MC50 at a singular X").raise_if_failed()
    # the book's (50): sum_k d det X / d X_ik X_jk = delta_ij det X, with central differences on the left
    np.testing.assert_allclose(numeric @ SINGULAR.T, np.linalg.det(SINGULAR) * np.eye(3), atol=1e-7)


def test_mc47_is_the_book_identity_at_s_zero() -> None:
    X = np.array([[0.5, -1.0, 0.25], [1.0, 0.5, 0.0], [-0.5, 0.25, 1.0]])
    S = np.zeros((3, 3))
    # left: the sum over k of partials of det at X times row j, by the chain rule the S-gradient at 0
    left = numerical_jacobian(dets.det_row_combination, S, X, wrt="S").reshape(3, 3)
    partials = numerical_jacobian(dets.det, X, wrt="X").reshape(3, 3)
    np.testing.assert_allclose(left, partials @ X.T, atol=1e-7)
    # right: delta_ij det X, which the rule's closed form gives at S = 0
    np.testing.assert_allclose(left, np.linalg.det(X) * np.eye(3), atol=1e-7)
    np.testing.assert_allclose(dets.grad_det_row_combination(S, X).reshape(3, 3), np.linalg.det(X) * np.eye(3))


def _mc53_formula(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    M = X.T @ A @ X
    return (2 * np.linalg.det(M) * A @ X @ np.linalg.inv(M)).reshape(1, -1)


def test_mc53_needs_a_symmetric_a_and_mc54_does_not() -> None:
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    A = np.array([[2.0, 1.0, 0.0], [-1.0, 1.0, 0.5], [0.0, 0.0, 1.0]])  # not symmetric
    numeric = numerical_jacobian(dets.det_congruence, X, A, wrt="X")
    assert not compare_jacobians(_mc53_formula(X, A), numeric).ok
    compare_jacobians(dets.grad_det_congruence(X, A), numeric, rule_id="MC54").raise_if_failed()
    sym = (A + A.T) / 2
    numeric = numerical_jacobian(dets.det_congruence, X, sym, wrt="X")
    compare_jacobians(_mc53_formula(X, sym), numeric, rule_id="MC53 formula").raise_if_failed()
    compare_jacobians(dets.grad_det_congruence_symmetric(X, sym), numeric, rule_id="MC53").raise_if_failed()


@pytest.mark.parametrize("k", [-2, -1, 0, 1, 2, 3])
def test_mc58_every_exponent(k: int) -> None:
    X = np.array([[1.0, 0.5, 0.0], [-0.25, 1.0, 0.5], [0.0, 0.5, 1.0]])
    numeric = numerical_jacobian(dets.det_power, X, k, wrt="X")
    closed = dets.grad_det_power(X, k)
    compare_jacobians(closed, numeric, rule_id=f"MC58 k={k}").raise_if_failed()
    assert (np.abs(closed).max() == 0) == (k == 0)


def test_mc58_refuses_a_fractional_exponent() -> None:
    with pytest.raises(ValueError, match=r"k must be an integer \(the power of X\^k\), got 1\.5"):
        dets.det_power(np.eye(2), 1.5)


def test_mc56_the_function_of_the_pseudo_inverse_is_minus_ln_det_p_pt() -> None:
    P = np.array([[1.0, 0.0, 0.5], [0.0, 2.0, 1.0]])
    assert dets.log_det_gram_of_pinv(P) == pytest.approx(-np.log(np.linalg.det(P @ P.T)))
    X = np.linalg.pinv(P)
    np.testing.assert_allclose(np.linalg.pinv(X), P, atol=1e-12)  # P = X⁺ and X = P⁺
    np.testing.assert_allclose(dets.grad_log_det_gram_of_pinv(P).reshape(P.shape), -2 * X.T, atol=1e-12)


def test_mc45_is_checked_on_the_real_and_imaginary_parts() -> None:
    rng = np.random.default_rng(2)
    X0, X1, X2, Y0, Y1, Y2 = (rng.uniform(-1, 1, (2, 3)) for _ in range(6))
    t = 0.1
    Z = (X0 + t * X1 + t * t * X2) + 1j * (Y0 + t * Y1 + t * t * Y2)
    stacked = diffs.hermitian_along(t, X0, X1, X2, Y0, Y1, Y2)
    np.testing.assert_allclose(stacked[:3] + 1j * stacked[3:], Z.conj().T)
    mcref.check_rule("MC45", {"m": 2, "n": 3}).raise_if_failed()
