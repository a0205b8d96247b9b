"""Extension: mean squared error and Huber loss of a vector output, and logistic regression.

* X22, the mean squared error of a prediction ŷ of length m against a target
  y, L(ŷ, y) = (1/m) Σ_i (ŷ_i − y_i)²: ∂L/∂ŷ = (2/m)(ŷ − y)ᵀ, a `(1, m)` row.
* X23, the logistic-regression loss of weights w (length n) on N samples, the
  rows x_iᵀ of X (N by n), with labels y_i in [0, 1]:

      L(w) = −(1/N) Σ_i [y_i log σ(x_iᵀw) + (1 − y_i) log(1 − σ(x_iᵀw))],

  with gradient ∂L/∂w = (1/N)(σ(Xw) − y)ᵀ X, a `(1, n)` row.
* X33, the mean Huber loss with threshold δ > 0, L = (1/m) Σ_i h_δ(ŷ_i − y_i) with
  h_δ(r) = r²/2 for |r| <= δ and δ(|r| − δ/2) beyond: ∂L/∂ŷ = (1/m) clip(ŷ − y, −δ, δ)ᵀ.

The losses are scalars, returned as `numpy.float64`; their gradients are rows
in numerator layout (columns in denominator layout). Each rule has its
backprop form attached (`vjp_mse`, `vjp_logistic_loss`, `vjp_huber`): the upstream scalar v
times the gradient, shaped like the variable.

**Stability.** The logistic loss never takes the log of a computed sigmoid.
With z = x_iᵀw, −log σ(z) = softplus(−z) and −log(1 − σ(z)) = softplus(z), so
each sample contributes y_i softplus(−z_i) + (1 − y_i) softplus(z_i), with
softplus(t) = `np.logaddexp(0, t)`: finite for any finite z, where
log(σ(z)) with σ(z) rounded to 0 would be −inf. Everything is vectorized over
the N samples: one matrix-vector product, no Python loop.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, reduction, rule, vjp_of
from mcref.core.stable import sigmoid as _sigmoid
from mcref.core.validate import FloatArray

# __all__ lists the rule functions: forward functions, closed forms and VJPs, which
# tests/test_validation.py sweeps with bad input through the registry.
__all__ = [
    "grad_huber",
    "grad_logistic_loss",
    "grad_mse",
    "huber",
    "logistic_loss",
    "mse",
    "vjp_huber",
    "vjp_logistic_loss",
    "vjp_mse",
]

_YHAT = r"\hat{\mathbf{y}}"
_Y = r"\mathbf{y}"
_W = r"\mathbf{w}"

_MSE_ARGS = {"yhat": Arg(("m",)), "y": Arg(("m",))}
# weights and inputs in [-2, 2]; labels anywhere in [0, 1] (soft labels included)
_LOGISTIC_ARGS = {"w": Arg(("n",)), "X": Arg(("N", "n")), "y": Arg(("N",), low=0.0, high=1.0)}



def _prediction_and_target(yhat: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    yhat = validate.vector("yhat", yhat)
    y = validate.vector("y", y)
    validate.same_length(yhat=yhat, y=y)
    return yhat, y


def _logistic_inputs(w: ArrayLike, X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """w (n,), X (N, n) and y (N,) with every label in [0, 1]."""
    w = validate.vector("w", w)
    X = validate.matrix("X", X)
    y = validate.vector("y", y)
    N, n = X.shape
    if w.shape[0] != n:
        raise ValueError(f"X has n = {n} columns (features), so w must have length {n}, got length {w.shape[0]}")
    if y.shape[0] != N:
        raise ValueError(f"X has N = {N} rows (samples), so y must have length {N} (one label per row), "
                         f"got length {y.shape[0]}")
    outside = np.flatnonzero((y < 0) | (y > 1))
    if outside.size:
        i = int(outside[0])
        raise ValueError(f"y must hold labels in [0, 1], got y[{i}] = {y[i]}")
    return w, X, y


def _logits(w: FloatArray, X: FloatArray) -> FloatArray:
    with np.errstate(over="ignore", invalid="ignore"):
        z = X @ w
    return validate.finite_result("X @ w", z)


# ----- the forward functions -----


def mse(yhat: ArrayLike, y: ArrayLike) -> np.float64:
    """The mean squared error (1/m) Σ_i (ŷ_i − y_i)² of a prediction against a target.

    Args:
        yhat: The prediction ŷ, a vector of length m.
        y: The target, a vector of length m.

    Returns:
        L, a float64 scalar.

    Raises:
        ValueError: If the result overflows float64.
    """
    yhat, y = _prediction_and_target(yhat, y)
    with np.errstate(over="ignore", invalid="ignore"):
        loss = np.mean((yhat - y) ** 2)
    return np.float64(validate.finite_result("the mean squared error", np.asarray(loss)))


def logistic_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike) -> np.float64:
    """The mean logistic (binary cross-entropy) loss of weights w on the samples X with labels y.

    L(w) = −(1/N) Σ_i [y_i log σ(x_iᵀw) + (1 − y_i) log(1 − σ(x_iᵀw))],
    computed as (1/N) Σ_i [y_i softplus(−z_i) + (1 − y_i) softplus(z_i)]
    with z = Xw: finite for any finite z, and one vectorized pass over the
    samples.

    Args:
        w: The weights, a vector of length n.
        X: The samples, an N by n matrix, one sample per row.
        y: The labels, a vector of length N with every entry in [0, 1]
            (0/1 labels or soft labels).

    Returns:
        L, a float64 scalar.

    Raises:
        ValueError: If the shapes do not fit (X has n columns and N rows), or a
            label is outside [0, 1]; the message names it.
    """
    w, X, y = _logistic_inputs(w, X, y)
    z = _logits(w, X)
    return np.float64(np.mean(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


# ----- X22: mean squared error of a vector output -----


@rule(
    "X22",
    title="Mean squared error of a vector output: (2/m)(ŷ − y)ᵀ",
    forward=mse,
    wrt="yhat",
    latex=(
        rf"\frac{{\partial}}{{\partial {_YHAT}}} \frac{{1}}{{m}} \textstyle\sum_{{i=1}}^m (\hat y_i - y_i)^2 "
        rf"= \frac{{2}}{{m}} ({_YHAT} - {_Y})^T"
    ),
    latex_denominator=(
        rf"\frac{{\partial}}{{\partial {_YHAT}}} \frac{{1}}{{m}} \textstyle\sum_{{i=1}}^m (\hat y_i - y_i)^2 "
        rf"= \frac{{2}}{{m}} ({_YHAT} - {_Y})"
    ),
    shape=(1, "m"),
    args=_MSE_ARGS,
    conditions=r"None. $\hat{\mathbf{y}}$ and $\mathbf{y}$ have the same length $m$; the derivative is with "
    r"respect to the prediction $\hat{\mathbf{y}}$, the target $\mathbf{y}$ held fixed.",
    keywords=("MSE", "MSE gradient", "mean squared error", "L2 loss", "squared error", "regression loss"),
)
def grad_mse(yhat: ArrayLike, y: ArrayLike) -> FloatArray:
    """X22: the gradient of (1/m) Σ (ŷ_i − y_i)² with respect to ŷ is (2/m)(ŷ − y)ᵀ.

    Args:
        yhat: The prediction ŷ, a vector of length m.
        y: The target, a vector of length m.

    Returns:
        The gradient, a `(1, m)` row.

    Examples:
        >>> from mcref.ext.regression import grad_mse, mse
        >>> yhat, y = [1.0, 2.0, 4.0, 0.0], [1.0, 0.0, 2.0, 1.0]
        >>> print(mse(yhat, y))
        2.25
        >>> print(grad_mse(yhat, y))
        [[ 0.   1.   1.  -0.5]]
    """
    yhat, y = _prediction_and_target(yhat, y)
    return (2.0 / yhat.shape[0] * (yhat - y))[np.newaxis, :]


@vjp_of("X22", latex=rf"v^T J = \frac{{2v}}{{m}} ({_YHAT} - {_Y})^T")
def vjp_mse(v: ArrayLike, yhat: ArrayLike, y: ArrayLike) -> FloatArray:
    """X22 backprop: (2v/m)(ŷ − y), the upstream scalar v times the gradient, shaped like ŷ.

    Args:
        v: The gradient flowing back into the loss, a real number.
        yhat: The prediction ŷ, a vector of length m.
        y: The target, a vector of length m.

    Returns:
        The gradient with respect to ŷ, shape `(m,)`.
    """
    v = validate.scalar("v", v)
    yhat, y = _prediction_and_target(yhat, y)
    return 2.0 * v / yhat.shape[0] * (yhat - y)


# ----- X23: logistic regression -----


@rule(
    "X23",
    title="Logistic regression loss: (1/N)(σ(Xw) − y)ᵀX",
    forward=logistic_loss,
    wrt="w",
    latex=rf"\frac{{\partial L}}{{\partial {_W}}} = \frac{{1}}{{N}} \big(\sigma(X{_W}) - {_Y}\big)^T X",
    latex_denominator=rf"\frac{{\partial L}}{{\partial {_W}}} = \frac{{1}}{{N}} X^T \big(\sigma(X{_W}) - {_Y}\big)",
    shape=(1, "n"),
    args=_LOGISTIC_ARGS,
    conditions=(
        r"$X$ is $N \times n$, one sample per row; every label $y_i \in [0, 1]$ (0/1 or soft); "
        r"the functions raise ValueError otherwise. $L$ is the mean, not the sum, over the $N$ samples, "
        r"hence the $\frac{1}{N}$; $\sigma$ is applied entry by entry."
    ),
    keywords=("binary cross-entropy", "BCE", "log loss", "logistic loss", "sigmoid cross-entropy"),
)
def grad_logistic_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    """X23: the gradient of the mean logistic loss with respect to w is (1/N)(σ(Xw) − y)ᵀ X.

    Args:
        w: The weights, a vector of length n.
        X: The samples, an N by n matrix, one sample per row.
        y: The labels, a vector of length N with every entry in [0, 1].

    Returns:
        The gradient, a `(1, n)` row.

    Raises:
        ValueError: If the shapes do not fit, or a label is outside [0, 1].

    Examples:
        >>> from mcref.ext.regression import grad_logistic_loss
        >>> X = [[1.0, 2.0], [1.0, -1.0], [1.0, 0.0]]
        >>> y = [1.0, 0.0, 1.0]
        >>> print(grad_logistic_loss([0.0, 0.0], X, y))
        [[-0.16666667 -0.5       ]]
    """
    w, X, y = _logistic_inputs(w, X, y)
    residual = _sigmoid(_logits(w, X)) - y
    return (residual @ X / X.shape[0])[np.newaxis, :]


@vjp_of("X23", latex=rf"v^T J = \frac{{v}}{{N}} \big(\sigma(X{_W}) - {_Y}\big)^T X")
def vjp_logistic_loss(v: ArrayLike, w: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    """X23 backprop: (v/N) Xᵀ(σ(Xw) − y), the upstream scalar v times the gradient, shaped like w.

    Args:
        v: The gradient flowing back into the loss, a real number.
        w: The weights, a vector of length n.
        X: The samples, an N by n matrix, one sample per row.
        y: The labels, a vector of length N with every entry in [0, 1].

    Returns:
        The gradient with respect to w, shape `(n,)`.
    """
    v = validate.scalar("v", v)
    w, X, y = _logistic_inputs(w, X, y)
    return v / X.shape[0] * ((_sigmoid(_logits(w, X)) - y) @ X)


# ----- X33: the Huber loss -----


def _huber_inputs(yhat: ArrayLike, y: ArrayLike, delta: ArrayLike) -> tuple[FloatArray, float]:
    """The residual ŷ − y (checked finite) and the threshold δ > 0."""
    yhat, y = _prediction_and_target(yhat, y)
    delta = validate.positive_float("delta", delta)
    with np.errstate(over="ignore", invalid="ignore"):
        r = yhat - y
    return validate.finite_result("ŷ − y", r), delta


def huber(yhat: ArrayLike, y: ArrayLike, delta: ArrayLike) -> np.float64:
    """The mean Huber loss (1/m) Σ_i h_δ(ŷ_i − y_i) of a prediction against a target.

    h_δ(r) = r²/2 for |r| <= δ and δ(|r| − δ/2) beyond: quadratic near 0, linear in the tails.
    Computed as q(|r| − q/2) with q = min(|r|, δ), one formula for both pieces, so r² is never
    formed for a large residual. The mean matches PyTorch's `HuberLoss(reduction="mean")`.

    Args:
        yhat: The prediction ŷ, a vector of length m.
        y: The target, a vector of length m.
        delta: The threshold δ > 0 where the loss turns from quadratic to linear.

    Returns:
        L, a float64 scalar.

    Raises:
        ValueError: If δ <= 0, or the residual or the loss overflows float64.
    """
    r, delta = _huber_inputs(yhat, y, delta)
    a = np.abs(r)
    q = np.minimum(a, delta)
    with np.errstate(over="ignore", invalid="ignore"):
        loss = np.mean(q * (a - 0.5 * q))
    return np.float64(validate.finite_result("the Huber loss", np.asarray(loss)))


def _away_from_the_joins(yhat: FloatArray, y: FloatArray, delta: float) -> bool:
    """The residuals keep 1e-3 from ±δ, where the second derivative jumps: a central difference
    straddling a join is off by O(step), not O(step²)."""
    return bool(np.all(np.abs(np.abs(np.asarray(yhat) - np.asarray(y)) - delta) > 1e-3))


_X33 = reduction(
    "X33",
    title="Huber loss: clip(ŷ − y, −δ, δ)/m",
    forward=huber,
    wrt="yhat",
    gradient=lambda yhat, y, delta: np.clip(yhat - y, -delta, delta) / yhat.shape[0],
    latex=(
        rf"\frac{{\partial}}{{\partial {_YHAT}}} \frac{{1}}{{m}} \textstyle\sum_{{i=1}}^m h_\delta(\hat y_i - y_i) "
        rf"= \frac{{1}}{{m}} \operatorname{{clip}}({_YHAT} - {_Y}, -\delta, \delta)^T"
    ),
    latex_denominator=(
        rf"\frac{{\partial}}{{\partial {_YHAT}}} \frac{{1}}{{m}} \textstyle\sum_{{i=1}}^m h_\delta(\hat y_i - y_i) "
        rf"= \frac{{1}}{{m}} \operatorname{{clip}}({_YHAT} - {_Y}, -\delta, \delta)"
    ),
    vjp_latex=rf"v^T J = \frac{{v}}{{m}} \operatorname{{clip}}({_YHAT} - {_Y}, -\delta, \delta)^T",
    args={"yhat": Arg(("m",), low=-3.0, high=3.0), "y": Arg(("m",)), "delta": Arg(shape=(), low=0.5, high=1.5)},
    conditions=(
        r"$\delta > 0$; the functions raise ValueError otherwise. $h_\delta(r) = \tfrac12 r^2$ for "
        r"$|r| \le \delta$ and $\delta(|r| - \tfrac12\delta)$ beyond; $L$ is the mean over the $m$ entries, "
        r"hence the $\frac1m$ (PyTorch's `HuberLoss` with its default mean). The gradient is continuous, "
        r"so it holds at $|r_i| = \delta$ too; only the second derivative jumps there. The random points "
        r"of the checks keep every $|r_i|$ at least $10^{-3}$ from $\delta$, since a central difference "
        r"across a jump of the second derivative is accurate to $O(h)$ only."
    ),
    domain=_away_from_the_joins,
    keywords=("Huber loss", "smooth L1", "smooth L1 loss", "robust regression", "Huber gradient", "clipped residual"),
)


@_X33.jacobian
def grad_huber(yhat: ArrayLike, y: ArrayLike, delta: ArrayLike) -> FloatArray:
    """X33: the gradient of the mean Huber loss with respect to ŷ is clip(ŷ − y, −δ, δ)ᵀ/m.

    Inside the threshold each entry contributes its residual, as for the squared error; beyond
    it only the sign, times δ: an outlier pulls no harder than δ.

    Args:
        yhat: The prediction ŷ, a vector of length m.
        y: The target, a vector of length m.
        delta: The threshold δ > 0.

    Returns:
        The gradient, a `(1, m)` row.

    Examples:
        >>> from mcref.ext.regression import grad_huber, huber
        >>> yhat, y = [0.5, 3.0, -2.0, 1.0], [0.0, 0.0, 0.0, 1.0]
        >>> print(huber(yhat, y, 1.0))
        1.03125
        >>> print(grad_huber(yhat, y, 1.0))
        [[ 0.125  0.25  -0.25   0.   ]]
    """


@_X33.vjp
def vjp_huber(v: ArrayLike, yhat: ArrayLike, y: ArrayLike, delta: ArrayLike) -> FloatArray:
    """X33 backprop: (v/m) clip(ŷ − y, −δ, δ), the upstream scalar v times the gradient, shaped like ŷ.

    Args:
        v: The gradient flowing back into the loss, a real number.
        yhat: The prediction ŷ, a vector of length m.
        y: The target, a vector of length m.
        delta: The threshold δ > 0.

    Returns:
        The gradient with respect to ŷ, shape `(m,)`.
    """
