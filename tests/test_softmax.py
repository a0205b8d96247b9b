"""Softmax, activations and losses (X13-X23): behaviour beyond the generic rule tests.

tests/test_rules.py already checks every closed form and VJP against central
differences, and tests/test_validation.py sweeps the forward functions, closed
forms and VJPs with generic bad input. This file checks what those cannot see:
stability at extreme inputs, structure of the Jacobians, targets that are
one-hot, soft or unnormalized, domain errors (log of x <= 0, labels outside
[0, 1], exp overflow), and vectorization over many samples.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

import mcref
from mcref.core.registry import Arg
from mcref.ext import activations as act
from mcref.ext import regression
from mcref.ext import softmax as sm

BIG = np.array([1000.0, -1000.0, 999.0, 0.0, -999.5])


@contextmanager
def no_float_trouble() -> Iterator[None]:
    """Any overflow, invalid operation (NaN) or division by zero raises; so does any warning.

    Underflow to 0 (e^-2000) is expected and allowed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


def _finite(value: Any) -> bool:
    return bool(np.all(np.isfinite(np.asarray(value))))


# ----- stability at |x| ~ 1000 -----


STABLE_VECTOR_FUNCTIONS: list[Callable[..., Any]] = [
    sm.softmax, sm.log_softmax, sm.logsumexp, sm.jac_softmax, sm.jac_log_softmax, sm.grad_logsumexp,
    act.sigmoid, act.tanh, act.softplus, act.jac_sigmoid, act.jac_tanh, act.jac_softplus,
]


@pytest.mark.parametrize("fn", STABLE_VECTOR_FUNCTIONS, ids=lambda f: f"{f.__module__}.{f.__name__}")
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_no_overflow_or_nan_at_large_inputs(fn: Callable[..., Any], sign: float) -> None:
    with no_float_trouble():
        out = fn(sign * BIG)
    assert _finite(out)


def test_softmax_of_large_logits_is_exact() -> None:
    with no_float_trouble():
        s = sm.softmax([1000.0, 1000.0, -1000.0])
        lse = sm.logsumexp([1000.0, 1000.0])
        logs = sm.log_softmax([0.0, -1000.0])
    np.testing.assert_allclose(s, [0.5, 0.5, 0.0])
    assert lse == pytest.approx(1000.0 + np.log(2.0), rel=1e-15)
    np.testing.assert_allclose(logs, [0.0, -1000.0])  # finite where softmax itself underflows to 0


def test_cross_entropy_is_stable_where_the_naive_log_is_not() -> None:
    z, y = np.array([0.0, -1000.0]), np.array([0.0, 1.0])
    with no_float_trouble():
        loss = sm.cross_entropy(z, y)
        grad = sm.grad_cross_entropy(z, y)
        back = sm.vjp_cross_entropy(1.0, z, y)
    assert loss == pytest.approx(1000.0)
    np.testing.assert_allclose(grad, [[1.0, -1.0]])
    np.testing.assert_allclose(back, [1.0, -1.0])
    with np.errstate(divide="ignore"):
        assert np.isinf(-(y @ np.log(sm.softmax(z))))  # the unfused form overflows to inf


def test_logistic_loss_is_stable_for_confident_predictions() -> None:
    X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0])
    w = np.array([1000.0, -1000.0])
    with no_float_trouble():
        loss = regression.logistic_loss(w, X, y)
        grad = regression.grad_logistic_loss(w, X, y)
    # per sample: softplus(1000) = 1000, softplus(-1000) ~ 0, softplus(1000) = 1000
    assert loss == pytest.approx(2000.0 / 3.0)
    np.testing.assert_allclose(grad, [[1.0 / 3.0, -1.0 / 3.0]])


def test_sigmoid_derivative_keeps_its_relative_accuracy_in_the_tails() -> None:
    # 1 - sigmoid(40) rounds to 0, but sigmoid'(40) = e^-40 / (1 + e^-40)^2 is about 4.25e-18
    for x in (40.0, -40.0, 700.0):
        want = np.exp(-abs(x)) / (1.0 + np.exp(-abs(x))) ** 2
        assert act.jac_sigmoid([x])[0, 0] == pytest.approx(want, rel=1e-12)
        assert act.jac_tanh([x / 2])[0, 0] == pytest.approx(4 * np.exp(-abs(x)) / (1 + np.exp(-abs(x))) ** 2, rel=1e-12)


def test_exp_refuses_to_overflow() -> None:
    assert _finite(act.exp([709.0]))
    for fn in (act.exp, act.jac_exp):
        with pytest.raises(ValueError, match=r"exp\(x\) overflows float64 at x\[1\] = 710\.0"):
            fn([0.0, 710.0])
    with pytest.raises(ValueError, match=r"at x\[0\] = 1000\.0"):
        act.vjp_exp([1.0], [1000.0])


def test_softmax_refuses_logits_whose_range_overflows() -> None:
    with pytest.raises(ValueError, match=r"z spans too wide a range"):
        sm.cross_entropy([1e308, -1e308], [1.0, 0.0])


# ----- structure of the Jacobians -----


@pytest.mark.parametrize("n", [1, 2, 5, 20])
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_softmax_jacobian_rows_and_columns_sum_to_zero(n: int, scale: float) -> None:
    x = scale * np.random.default_rng(n).normal(size=n)
    J = sm.jac_softmax(x)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)
    np.testing.assert_array_equal(J, J.T)  # symmetric: both layouts agree
    # log-softmax: rows sum to 0 (each row is e_i - s); its columns do not in general
    np.testing.assert_allclose(sm.jac_log_softmax(x).sum(axis=1), 0.0, atol=1e-12)


def test_log_softmax_layouts_differ_by_a_transpose() -> None:
    x = np.array([3.0, 1.0, 0.0])
    s = sm.softmax(x)
    J = sm.jac_log_softmax(x)
    np.testing.assert_allclose(J, np.eye(3) - np.outer(np.ones(3), s))  # numerator: I - 1 s^T
    np.testing.assert_allclose(J.T, np.eye(3) - np.outer(s, np.ones(3)))  # denominator: I - s 1^T
    assert not np.allclose(J, J.T)


def test_softmax_jacobian_is_log_softmax_jacobian_scaled_by_s() -> None:
    # ds = diag(s) d(log s): a consistency check between X18 and X19
    x = np.array([0.3, -1.2, 2.0, 0.0])
    np.testing.assert_allclose(sm.jac_softmax(x), np.diag(sm.softmax(x)) @ sm.jac_log_softmax(x), atol=1e-15)


def test_logsumexp_gradient_is_a_probability_row() -> None:
    g = sm.grad_logsumexp([2.0, -1.0, 0.5])
    assert g.shape == (1, 3)
    assert g.sum() == pytest.approx(1.0) and np.all(g > 0)


@pytest.mark.parametrize(("jac", "fprime"), [
    (act.jac_sigmoid, lambda x: act.sigmoid(x) * (1 - act.sigmoid(x))),
    (act.jac_tanh, lambda x: 1 - np.tanh(x) ** 2),
    (act.jac_softplus, act.sigmoid),
    (act.jac_exp, np.exp),
])
def test_activation_jacobians_are_diagonal(jac: Callable[..., Any], fprime: Callable[..., Any]) -> None:
    x = np.linspace(-3, 3, 7)
    J = jac(x)
    np.testing.assert_allclose(J, np.diag(fprime(x)), rtol=1e-12, atol=1e-15)


# ----- cross-entropy: one-hot, soft and unnormalized targets -----


Z = np.array([2.0, 1.0, 0.1, -3.0])


@pytest.mark.parametrize("k", range(4))
def test_one_hot_target(k: int) -> None:
    y = np.eye(4)[k]
    s = sm.softmax(Z)
    assert sm.cross_entropy(Z, y) == pytest.approx(-np.log(s[k]))
    np.testing.assert_allclose(sm.grad_cross_entropy(Z, y), (s - y)[None, :], atol=1e-15)
    assert sm.grad_cross_entropy(Z, y)[0, k] < 0  # the true class is pulled up, all others pushed down
    assert np.all(np.delete(sm.grad_cross_entropy(Z, y)[0], k) > 0)


def test_soft_target() -> None:
    y = np.array([0.7, 0.2, 0.05, 0.05])
    s = sm.softmax(Z)
    assert sm.cross_entropy(Z, y) == pytest.approx(-(y * np.log(s)).sum())
    g = sm.grad_cross_entropy(Z, y)
    np.testing.assert_allclose(g, (s - y)[None, :], atol=1e-15)
    assert g.sum() == pytest.approx(0.0, abs=1e-15)
    # the loss is smallest, with a zero gradient, when the prediction equals the target
    np.testing.assert_allclose(sm.grad_cross_entropy(np.log(y), y), 0.0, atol=1e-15)


def test_target_not_summing_to_one_uses_the_general_form() -> None:
    """Documented: y is not rescaled; the gradient is (sum y) s - y, not s - y."""
    y = np.array([2.0, 0.0, 0.5, 0.0])
    s = sm.softmax(Z)
    g = sm.grad_cross_entropy(Z, y)
    np.testing.assert_allclose(g, (y.sum() * s - y)[None, :], atol=1e-15)
    assert not np.allclose(g, s - y)
    assert sm.cross_entropy(Z, y) == pytest.approx(-(y * sm.log_softmax(Z)).sum())
    numeric = mcref.numerical_jacobian(sm.cross_entropy, Z, y, wrt="z")
    mcref.compare_jacobians(g, numeric, rule_id="X20").raise_if_failed()
    np.testing.assert_allclose(sm.vjp_cross_entropy(2.0, Z, y), 2.0 * g[0])


def test_zero_target_gives_zero_loss_and_gradient() -> None:
    y = np.zeros(4)
    assert sm.cross_entropy(Z, y) == 0.0
    np.testing.assert_array_equal(sm.grad_cross_entropy(Z, y), np.zeros((1, 4)))


@pytest.mark.parametrize("fn", [sm.cross_entropy, sm.grad_cross_entropy])
def test_negative_target_entry_is_refused(fn: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match=r"y must be a target distribution with no negative entry, got y\[2\] = -0\.1"):
        fn(Z, [0.6, 0.5, -0.1, 0.0])
    with pytest.raises(ValueError, match=r"got y\[0\] = -1\.0"):
        sm.vjp_cross_entropy(1.0, Z, [-1.0, 1.0, 1.0, 0.0])


def test_sampler_draws_probability_vectors_for_the_target() -> None:
    r = mcref.get_rule("X20")
    for seed in range(5):
        for n in (1, 2, 7):
            y = r.sample(np.random.default_rng(seed), {"n": n})["y"]
            assert y.shape == (n,) and np.all(y >= 0) and y.sum() == pytest.approx(1.0)


def test_simplex_arg_needs_a_non_negative_vector() -> None:
    with pytest.raises(ValueError, match=r"simplex=True\) needs a vector shape, low >= 0, high > 0 and no min_abs"):
        Arg(low=-1.0, high=1.0, simplex=True)
    for bad in (Arg(low=0.0, high=1.0, min_abs=0.1), Arg(shape=(), low=0.0, high=1.0), Arg(low=0.0, high=0.0)):
        with pytest.raises(ValueError, match=r"simplex=True\) needs"):
            Arg(shape=bad.shape, low=bad.low, high=bad.high, min_abs=bad.min_abs, simplex=True)


def test_simplex_constrain_normalizes_any_non_negative_draw() -> None:
    spec = Arg(low=0.0, high=1.0, simplex=True)
    with no_float_trouble():  # an all-zero draw is not 0/0
        np.testing.assert_allclose(spec.constrain(np.zeros(4)), np.full(4, 0.25))
        np.testing.assert_allclose(spec.constrain(np.array([0.0, 3.0, 1.0])), [0.0, 0.75, 0.25])
        np.testing.assert_allclose(spec.constrain(np.array([5e-324, 0.0])), [1.0, 0.0])
    # without simplex nothing changes
    assert Arg(low=-1.0).draw(np.random.default_rng(0), {"n": 3}).sum() != pytest.approx(1.0)


# ----- log: outside its domain -----


@pytest.mark.parametrize("fn", [act.log, act.jac_log, lambda x: act.vjp_log(np.ones(len(x)), x)],
                         ids=["log", "jac_log", "vjp_log"])
@pytest.mark.parametrize(("x", "index", "value"), [
    ([1.0, 0.0, 2.0], 1, "0.0"),
    ([1.0, 2.0, -0.5], 2, "-0.5"),
    ([-3.0, -1.0], 0, "-3.0"),
    ([1.0, -0.0], 1, "-0.0"),
])
def test_log_of_a_non_positive_entry_names_its_index(
    fn: Callable[..., Any], x: list[float], index: int, value: str
) -> None:
    with pytest.raises(
        ValueError, match=rf"x must be > 0 \(log is defined for positive numbers only\), got x\[{index}\] = {value}$"
    ):
        fn(x)


def test_log_of_tiny_positive_numbers_is_fine() -> None:
    x = np.array([1e-300, 5e-324])
    assert _finite(act.log(x)) and np.all(act.log(x) < -690)


# ----- the VJPs: results and input checks -----


VECTOR_VJPS = [
    (act.vjp_sigmoid, act.jac_sigmoid),
    (act.vjp_tanh, act.jac_tanh),
    (act.vjp_softplus, act.jac_softplus),
    (act.vjp_exp, act.jac_exp),
    (act.vjp_log, act.jac_log),
    (sm.vjp_softmax, sm.jac_softmax),
    (sm.vjp_log_softmax, sm.jac_log_softmax),
]


@pytest.mark.parametrize(("vjp", "jac"), VECTOR_VJPS, ids=lambda f: f.__name__)
def test_vector_vjp_checks_its_inputs(vjp: Callable[..., Any], jac: Callable[..., Any]) -> None:
    x = np.array([0.5, 1.0, 2.0])
    with pytest.raises(
        ValueError,
        match=r"v and x must have the same length, got: v has length 2, x has length 3"
        r"|v must have the shape of the output of \w+, \(3,\), got an array of shape \(2,\)",
    ):
        vjp([1.0, 2.0], x)
    with pytest.raises(ValueError, match=r"v must be finite, got nan at index 1"):
        vjp([1.0, np.nan, 0.0], x)
    with pytest.raises(ValueError, match=r"v must be a 1-D array"):
        vjp(1.0, x)
    with pytest.raises(TypeError, match=r"x must be a real number or array of real numbers, got str"):
        vjp([1.0, 2.0, 3.0], "abc")
    assert vjp([1, 2, 3], [1, 2, 3]).dtype == np.float64


SCALAR_VJPS = [
    (sm.vjp_cross_entropy, sm.grad_cross_entropy, {"z": Z, "y": np.array([0.1, 0.2, 0.3, 0.4])}),
    (sm.vjp_logsumexp, sm.grad_logsumexp, {"x": Z}),
    (regression.vjp_mse, regression.grad_mse, {"yhat": Z, "y": np.ones(4)}),
    (
        regression.vjp_logistic_loss,
        regression.grad_logistic_loss,
        {"w": np.array([0.5, -1.0]), "X": np.arange(8.0).reshape(4, 2) / 4, "y": np.array([0.0, 1.0, 1.0, 0.5])},
    ),
]


@pytest.mark.parametrize(("vjp", "grad", "point"), SCALAR_VJPS, ids=lambda f: getattr(f, "__name__", ""))
def test_scalar_vjp_is_v_times_the_gradient(
    vjp: Callable[..., Any], grad: Callable[..., Any], point: dict[str, Any]
) -> None:
    np.testing.assert_allclose(vjp(-2.5, **point), -2.5 * grad(**point)[0], rtol=1e-14)
    assert vjp(1.0, **point).shape == next(iter(point.values())).shape
    with pytest.raises(ValueError, match=r"v must be a scalar \(a 0-d value\), got an array of shape \(1,\)"):
        vjp([1.0], **point)
    with pytest.raises(ValueError, match=r"v must be finite, got inf"):
        vjp(np.inf, **point)


# ----- losses: shapes, labels, vectorization -----


def test_mse_gradient_and_loss() -> None:
    yhat, y = np.array([1.0, 2.0, 4.0, 0.0]), np.array([1.0, 0.0, 2.0, 1.0])
    assert regression.mse(yhat, y) == 2.25
    np.testing.assert_array_equal(regression.grad_mse(yhat, y), [[0.0, 1.0, 1.0, -0.5]])
    np.testing.assert_array_equal(regression.grad_mse(y, y), np.zeros((1, 4)))


def test_logistic_shapes_are_checked() -> None:
    X, y, w = np.ones((4, 3)), np.zeros(4), np.zeros(3)
    with pytest.raises(ValueError, match=r"X has n = 3 columns \(features\), so w must have length 3, got length 2"):
        regression.logistic_loss(w[:2], X, y)
    with pytest.raises(ValueError, match=r"X has N = 4 rows \(samples\), so y must have length 4 .*got length 5"):
        regression.grad_logistic_loss(w, X, np.zeros(5))
    with pytest.raises(ValueError, match=r"X must be a 2-D array \(a matrix\), got an array of shape \(3,\)"):
        regression.logistic_loss(w, w, y)


@pytest.mark.parametrize("bad", [-0.5, 1.5])
def test_logistic_labels_must_be_in_the_unit_interval(bad: float) -> None:
    y = np.array([0.0, 1.0, bad])
    for fn in (regression.logistic_loss, regression.grad_logistic_loss):
        with pytest.raises(ValueError, match=rf"y must hold labels in \[0, 1\], got y\[2\] = {bad}"):
            fn(np.zeros(2), np.ones((3, 2)), y)


def test_logistic_loss_equals_the_textbook_formula_where_that_is_finite() -> None:
    rng = np.random.default_rng(1)
    X, w = rng.normal(size=(50, 3)), rng.normal(size=3)
    y = rng.uniform(size=50)  # soft labels
    p = act.sigmoid(X @ w)
    textbook = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert regression.logistic_loss(w, X, y) == pytest.approx(textbook, rel=1e-12)


def test_logistic_regression_is_vectorized_over_a_hundred_thousand_samples() -> None:
    N, n = 100_000, 8
    rng = np.random.default_rng(2)
    X = rng.normal(size=(N, n))
    y = (rng.uniform(size=N) < 0.5).astype(float)
    w = rng.normal(size=n)

    start = time.perf_counter()
    loss = regression.logistic_loss(w, X, y)
    grad = regression.grad_logistic_loss(w, X, y)
    back = regression.vjp_logistic_loss(1.0, w, X, y)
    elapsed = time.perf_counter() - start

    assert np.isfinite(loss) and grad.shape == (1, n) and back.shape == (n,)
    np.testing.assert_allclose(back, grad[0], rtol=1e-13)
    # one call equals the sample-weighted mean of the gradients of ten chunks
    chunks = np.array_split(np.arange(N), 10)
    parts = sum(len(c) * regression.grad_logistic_loss(w, X[c], y[c]) for c in chunks) / N
    np.testing.assert_allclose(grad, parts, rtol=1e-10)
    # a Python loop over 1e5 samples takes seconds; three vectorized passes take milliseconds
    assert elapsed < 2.0, f"three calls on N = {N} took {elapsed:.2f} s: is there a loop over samples?"


def test_mse_and_cross_entropy_accept_long_vectors() -> None:
    m = 100_000
    rng = np.random.default_rng(4)
    yhat, y = rng.normal(size=m), rng.normal(size=m)
    np.testing.assert_allclose(regression.vjp_mse(1.0, yhat, y), 2 / m * (yhat - y))
    z = rng.normal(size=m)
    target = np.zeros(m)
    target[17] = 1.0
    with no_float_trouble():
        g = sm.vjp_cross_entropy(1.0, z, target)
    np.testing.assert_allclose(g, sm.softmax(z) - target, atol=1e-15)


# ----- X34: cross-entropy with label smoothing -----


def test_label_smoothing_is_cross_entropy_against_the_smoothed_target() -> None:
    z, y, eps = np.array([2.0, 1.0, 0.1, -3.0]), np.eye(4)[1], 0.2
    q = (1 - eps) * y + eps / 4
    assert q.sum() == pytest.approx(1.0)
    assert sm.smoothed_cross_entropy(z, y, eps) == pytest.approx(sm.cross_entropy(z, q), rel=1e-15)
    np.testing.assert_allclose(sm.grad_smoothed_cross_entropy(z, y, eps), sm.grad_cross_entropy(z, q), atol=1e-16)
    np.testing.assert_allclose(sm.grad_smoothed_cross_entropy(z, y, eps), (sm.softmax(z) - q)[None, :], atol=1e-15)
    # eps = 0 is plain cross-entropy; eps = 1 is the uniform target
    assert sm.smoothed_cross_entropy(z, y, 0.0) == sm.cross_entropy(z, y)
    np.testing.assert_allclose(sm.grad_smoothed_cross_entropy(z, y, 1.0), (sm.softmax(z) - 0.25)[None, :], atol=1e-15)


def test_label_smoothing_gradient_vanishes_at_a_finite_gap() -> None:
    """With smoothing, the loss is smallest where softmax(z) = q, a finite point: log q is one."""
    y, eps = np.eye(3)[0], 0.1
    q = (1 - eps) * y + eps / 3
    np.testing.assert_allclose(sm.grad_smoothed_cross_entropy(np.log(q), y, eps), 0.0, atol=1e-15)


def test_label_smoothing_is_stable_for_confident_logits() -> None:
    z, y = np.array([0.0, -1000.0, 5.0]), np.eye(3)[1]
    with no_float_trouble():
        loss = sm.smoothed_cross_entropy(z, y, 0.1)
        grad = sm.grad_smoothed_cross_entropy(z, y, 0.1)
    assert np.isfinite(loss) and loss > 900
    assert _finite(grad)


@pytest.mark.parametrize("eps", [-0.1, 1.5])
def test_label_smoothing_refuses_eps_outside_zero_one(eps: float) -> None:
    for call in (
        lambda: sm.smoothed_cross_entropy([1.0, 2.0], [1.0, 0.0], eps),
        lambda: sm.grad_smoothed_cross_entropy([1.0, 2.0], [1.0, 0.0], eps),
        lambda: sm.vjp_smoothed_cross_entropy(1.0, [1.0, 2.0], [1.0, 0.0], eps),
    ):
        with pytest.raises(ValueError, match=rf"eps must be in \[0, 1\] .*, got {eps}"):
            call()
