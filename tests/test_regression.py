"""The Huber loss (X33): what the generic tests cannot see.

The pieces of h_δ and their joins, the cap on an outlier's pull, the threshold's domain, and large
residuals that would overflow r² in the written form.
"""

from __future__ import annotations

import numpy as np
import pytest

from mcref.ext import regression


def test_huber_is_half_the_squared_error_inside_and_linear_outside() -> None:
    y = np.zeros(4)
    small = np.array([0.3, -0.2, 0.9, 0.0])  # every |r| <= δ = 1
    assert regression.huber(small, y, 1.0) == pytest.approx(np.mean(small**2) / 2)
    np.testing.assert_allclose(regression.grad_huber(small, y, 1.0), regression.grad_mse(small, y) / 2)
    big = np.array([3.0, -5.0, 10.0, 2.0])  # every |r| > δ = 0.5
    assert regression.huber(big, y, 0.5) == pytest.approx(np.mean(0.5 * (np.abs(big) - 0.25)))
    np.testing.assert_allclose(regression.grad_huber(big, y, 0.5), [0.5 * np.sign(big) / 4])


def test_value_and_slope_are_continuous_at_the_joins() -> None:
    delta, eps = 0.7, 1e-9
    y = np.zeros(1)
    for r in (delta, -delta):
        below, above = np.array([r * (1 - eps)]), np.array([r * (1 + eps)])
        assert regression.huber(below, y, delta) == pytest.approx(regression.huber(above, y, delta), rel=1e-8)
        np.testing.assert_allclose(
            regression.grad_huber(below, y, delta), regression.grad_huber(above, y, delta), rtol=1e-8
        )
        assert regression.grad_huber(np.array([r]), y, delta)[0, 0] == pytest.approx(r)  # m = 1: the gradient is r


def test_an_outliers_pull_is_capped_at_delta_over_m() -> None:
    yhat, y = np.array([0.0, 0.0, 1e6]), np.zeros(3)
    g = regression.grad_huber(yhat, y, 2.0)
    assert g[0, 2] == pytest.approx(2.0 / 3)
    np.testing.assert_allclose(regression.vjp_huber(3.0, yhat, y, 2.0), 3.0 * g[0])


def test_large_residuals_do_not_overflow_the_square() -> None:
    """The written form evaluates ½r² on every entry; q(|r| − q/2) with q = min(|r|, δ) never does."""
    yhat, y = np.array([1e200, -1e200]), np.zeros(2)
    with np.errstate(over="raise", invalid="raise"):
        assert regression.huber(yhat, y, 1.0) == pytest.approx(1e200 - 0.5)
        np.testing.assert_allclose(regression.grad_huber(yhat, y, 1.0), [[0.5, -0.5]])
    with pytest.raises(ValueError, match=r"ŷ − y is not finite"):
        regression.huber([1e308], [-1e308], 1.0)


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_delta_must_be_positive(delta: float) -> None:
    for fn in (regression.huber, regression.grad_huber):
        with pytest.raises(ValueError, match=rf"delta must be > 0, got {delta}"):
            fn([1.0, 2.0], [0.0, 0.0], delta)
    with pytest.raises(ValueError, match=rf"delta must be > 0, got {delta}"):
        regression.vjp_huber(1.0, [1.0, 2.0], [0.0, 0.0], delta)
