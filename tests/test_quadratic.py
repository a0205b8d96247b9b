"""The Frobenius norm and weight decay of a weight matrix (X35, X36): what the generic tests cannot see.

The row-by-row flattening of the gradient, the kink of the norm at W = 0, scaling against overflow,
the sign of λ, and the shrinking step that gives weight decay its name.
"""

from __future__ import annotations

import numpy as np
import pytest

from mcref.ext import quadratic

W = np.array([[1.0, -2.0, 0.0], [2.0, 0.0, 4.0]])  # ‖W‖_F = 5


def test_frobenius_norm_is_the_norm_of_the_entries() -> None:
    assert quadratic.frobenius_norm(W) == 5.0
    assert quadratic.frobenius_norm(W) == quadratic.norm(W.reshape(-1))
    np.testing.assert_array_equal(quadratic.grad_frobenius_norm(W), quadratic.grad_norm(W.reshape(-1)))


def test_the_gradients_are_read_row_by_row_and_the_vjps_are_shaped_like_W() -> None:
    np.testing.assert_allclose(quadratic.grad_frobenius_norm(W), [[0.2, -0.4, 0.0, 0.4, 0.0, 0.8]])
    np.testing.assert_allclose(quadratic.grad_weight_decay(W, 0.5), [[0.5, -1.0, 0.0, 1.0, 0.0, 2.0]])
    assert quadratic.vjp_frobenius_norm(1.0, W).shape == W.shape == quadratic.vjp_weight_decay(1.0, W, 0.5).shape
    np.testing.assert_allclose(quadratic.vjp_frobenius_norm(2.0, W), 2.0 * W / 5.0)
    np.testing.assert_allclose(quadratic.vjp_weight_decay(2.0, W, 0.5), W)


def test_the_frobenius_norm_has_a_kink_at_zero() -> None:
    Z = np.zeros((2, 3))
    assert quadratic.frobenius_norm(Z) == 0.0
    for call in (lambda: quadratic.grad_frobenius_norm(Z), lambda: quadratic.vjp_frobenius_norm(1.0, Z)):
        with pytest.raises(ValueError, match=r"no derivative at W = 0 .* got W = 0 of shape \(2, 3\)"):
            call()


def test_huge_and_tiny_entries_are_scaled_not_squared() -> None:
    with np.errstate(over="raise", under="raise"):
        assert quadratic.frobenius_norm(1e300 * W) == pytest.approx(5e300)
        assert quadratic.frobenius_norm(1e-300 * W) == pytest.approx(5e-300)
        np.testing.assert_allclose(quadratic.grad_frobenius_norm(1e-300 * W), quadratic.grad_frobenius_norm(W))
    with pytest.raises(ValueError, match=r"\(λ/2\)‖W‖_F² is not finite"):
        quadratic.weight_decay(1e300 * W, 1.0)


def test_weight_decay_shrinks_every_weight_by_one_factor() -> None:
    lam, eta = 0.1, 0.5
    step = W - eta * quadratic.vjp_weight_decay(1.0, W, lam)
    np.testing.assert_allclose(step, (1 - eta * lam) * W)
    assert quadratic.weight_decay(W, lam) == pytest.approx(lam / 2 * 25.0)


def test_lambda_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match=r"lam must be >= 0, got -0.1"):
        quadratic.weight_decay(W, -0.1)
    with pytest.raises(ValueError, match=r"lam must be >= 0, got -0.1"):
        quadratic.vjp_weight_decay(1.0, W, -0.1)
    assert quadratic.weight_decay(W, 0.0) == 0.0
