"""Extension: softmax, log-softmax, cross-entropy (plain and label-smoothed) and log-sum-exp.

The softmax of a vector x of length n is the probability vector

    s = softmax(x),  s_i = e^(x_i) / Σ_j e^(x_j).

Unlike the activations of `mcref.ext.activations`, every s_i reads every x_j
(through the sum), so its Jacobian is full, not diagonal:

* X18, softmax: ∂s/∂x = diag(s) − s sᵀ, n by n and symmetric;
* X19, log-softmax: ∂ log s/∂x = I − 1⃗ sᵀ (denominator layout I − s 1⃗ᵀ);
* X20, cross-entropy of the softmax with respect to the logits,
  L(z, y) = −Σ_i y_i log softmax(z)_i: ∂L/∂z = (Σ_i y_i) sᵀ − yᵀ, which is
  (s − y)ᵀ for a target y that sums to 1 (one-hot or soft);
* X21, log-sum-exp: ∂/∂x log Σ_i e^(x_i) = softmax(x)ᵀ;
* X34, cross-entropy with label smoothing ε over K classes, the target y replaced by
  q = (1 − ε) y + ε/K: ∂L/∂z = (s − q)ᵀ.

Each rule has its backprop form attached (`vjp_softmax`, ...): vᵀJ computed
in O(n) without forming the n by n Jacobian. Scalar outputs (cross-entropy and
log-sum-exp) are returned as `numpy.float64`.

**Stability.** Every function subtracts max(x) before exponentiating, so e^t
is only taken for t <= 0: nothing overflows, whatever the size of x (softmax
of [1000, 0] is [1, 0], not NaN). `log_softmax` and `cross_entropy` never take
the log of a computed probability: they use log s_i = x_i − logsumexp(x),
which stays finite where s_i itself underflows to 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, rule, vjp_of
from mcref.core.validate import FloatArray

# __all__ lists the rule functions: forward functions, closed forms and VJPs, which
# tests/test_validation.py sweeps with bad input through the registry.
__all__ = [
    "cross_entropy",
    "grad_cross_entropy",
    "grad_logsumexp",
    "grad_smoothed_cross_entropy",
    "jac_log_softmax",
    "jac_softmax",
    "log_softmax",
    "logsumexp",
    "smoothed_cross_entropy",
    "softmax",
    "vjp_cross_entropy",
    "vjp_log_softmax",
    "vjp_logsumexp",
    "vjp_smoothed_cross_entropy",
    "vjp_softmax",
]

_X = r"\mathbf{x}"
_Z = r"\mathbf{z}"
_S = r"\mathbf{s}"
_Y = r"\mathbf{y}"
_ONES = r"\vec{\mathbf{1}}"
_SUM_Y = r"\big(\textstyle\sum_i y_i\big)"
_WHERE_S = rf",\qquad {_S} = \operatorname{{softmax}}({_X})"

# logits drawn in [-2, 2]; a target y drawn as a probability vector (non-negative, summing to 1)
_ARGS = {"x": Arg()}
_CE_ARGS = {"z": Arg(), "y": Arg(low=0.0, high=1.0, simplex=True)}


def _shifted(name: str, x: FloatArray) -> FloatArray:
    """x − max(x), every entry <= 0; ValueError if the entries span more than float64 holds."""
    with np.errstate(over="ignore"):
        t = x - x.max()
    if not np.all(np.isfinite(t)):
        raise ValueError(f"{name} spans too wide a range: max({name}) − min({name}) overflows float64")
    return t


def _softmax(name: str, x: FloatArray) -> FloatArray:
    e = np.exp(_shifted(name, x))
    return e / e.sum()


def _log_softmax(name: str, x: FloatArray) -> FloatArray:
    """log softmax(x) = (x − max) − log Σ e^(x − max); the sum is >= 1, so the log is finite."""
    t = _shifted(name, x)
    return t - np.log(np.exp(t).sum())


def _logits_and_target(z: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """z and y, vectors of one length, y with no negative entry."""
    z = validate.vector("z", z)
    y = validate.vector("y", y)
    validate.same_length(z=z, y=y)
    negative = np.flatnonzero(y < 0)
    if negative.size:
        i = int(negative[0])
        raise ValueError(f"y must be a target distribution with no negative entry, got y[{i}] = {y[i]}")
    return z, y


def _v_and_x(v: ArrayLike, x: ArrayLike) -> tuple[FloatArray, FloatArray]:
    v = validate.vector("v", v)
    x = validate.vector("x", x)
    validate.same_length(v=v, x=x)
    return v, x


# ----- the forward functions -----


def softmax(x: ArrayLike) -> FloatArray:
    """The softmax s_i = e^(x_i) / Σ_j e^(x_j), computed after subtracting max(x).

    Args:
        x: A vector of length n (logits).

    Returns:
        s, shape `(n,)`: non-negative entries summing to 1.
    """
    return _softmax("x", validate.vector("x", x))


def log_softmax(x: ArrayLike) -> FloatArray:
    """log softmax(x)_i = x_i − logsumexp(x), finite even where softmax(x)_i underflows to 0.

    Args:
        x: A vector of length n (logits).

    Returns:
        log s, shape `(n,)`, every entry <= 0.
    """
    return _log_softmax("x", validate.vector("x", x))


def cross_entropy(z: ArrayLike, y: ArrayLike) -> np.float64:
    """The cross-entropy of softmax(z) against a target y, L = −Σ_i y_i log softmax(z)_i.

    Computed from log-softmax (fused), never as the log of a computed
    probability, so it is finite for any finite logits.

    Args:
        z: The logits, a vector of length n.
        y: The target, a vector of length n with no negative entry: a one-hot
            label or a probability vector. A y that does not sum to 1 is used
            as given, not rescaled.

    Returns:
        L, a float64 scalar.

    Raises:
        ValueError: If an entry of `y` is negative; the message names it.
    """
    z, y = _logits_and_target(z, y)
    return np.float64(-(y @ _log_softmax("z", z)))


def logsumexp(x: ArrayLike) -> np.float64:
    """log Σ_i e^(x_i), computed as max(x) + log Σ_i e^(x_i − max(x)).

    Args:
        x: A vector of length n.

    Returns:
        The log-sum-exp, a float64 scalar, between max(x) and max(x) + log n.
    """
    x = validate.vector("x", x)
    t = _shifted("x", x)
    return np.float64(x.max() + np.log(np.exp(t).sum()))


# ----- X18: softmax -----


@rule(
    "X18",
    title="Softmax: diag(s) − ssᵀ",
    forward=softmax,
    wrt="x",
    latex=rf"\frac{{\partial {_S}}}{{\partial {_X}}} = \operatorname{{diag}}({_S}) - {_S}{_S}^T" + _WHERE_S,
    shape=("n", "n"),
    args=_ARGS,
    conditions=(
        r"None. The matrix is symmetric, so both layouts give the same array; each row and each column "
        r"sums to 0, because $\sum_i s_i = 1$ whatever $\mathbf{x}$ is."
    ),
    keywords=("softmax Jacobian", "softmax derivative", "normalized exponential"),
)
def jac_softmax(x: ArrayLike) -> FloatArray:
    """X18: the Jacobian of s = softmax(x) is diag(s) − s sᵀ.

    Args:
        x: A vector of length n (logits).

    Returns:
        The symmetric n by n matrix with s_i(1 − s_i) on the diagonal and
        −s_i s_j off it, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.softmax import jac_softmax
        >>> J = jac_softmax([0.0, 0.0])
        >>> print(J)
        [[ 0.25 -0.25]
         [-0.25  0.25]]
        >>> print(J.sum(axis=1))
        [0. 0.]
    """
    s = _softmax("x", validate.vector("x", x))
    return np.diag(s) - np.outer(s, s)


@vjp_of(
    "X18", latex=rf"\mathbf{{v}}^T J = \big({_S} \otimes (\mathbf{{v}} - (\mathbf{{v}} \cdot {_S})\,{_ONES})\big)^T"
)
def vjp_softmax(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X18 backprop: vᵀJ = (s ⊗ (v − (v · s)))ᵀ, in O(n), without forming diag(s) − s sᵀ.

    Args:
        v: The gradient flowing back into s = softmax(x), a vector of length n.
        x: A vector of length n (logits).

    Returns:
        The gradient with respect to x, shape `(n,)`.

    Examples:
        >>> from mcref.ext.softmax import vjp_softmax
        >>> print(vjp_softmax([1.0, 0.0], [0.0, 0.0]))
        [ 0.25 -0.25]
    """
    v, x = _v_and_x(v, x)
    s = _softmax("x", x)
    return s * (v - v @ s)


# ----- X19: log-softmax -----


@rule(
    "X19",
    title="Log-softmax: I − 1sᵀ",
    forward=log_softmax,
    wrt="x",
    latex=rf"\frac{{\partial \log {_S}}}{{\partial {_X}}} = I - {_ONES}\,{_S}^T" + _WHERE_S,
    latex_denominator=rf"\frac{{\partial \log {_S}}}{{\partial {_X}}} = I - {_S}\,{_ONES}^T" + _WHERE_S,
    shape=("n", "n"),
    args=_ARGS,
    conditions=(
        r"None. $\log$ is taken entry by entry. Row $i$ is $\mathbf{e}_i^T - \mathbf{s}^T$: "
        r"every row is $-\mathbf{s}^T$ plus a 1 on the diagonal, so each row sums to 0."
    ),
    keywords=("log softmax", "logsoftmax", "log-softmax gradient"),
)
def jac_log_softmax(x: ArrayLike) -> FloatArray:
    """X19: the Jacobian of log softmax(x) is I − 1⃗ sᵀ (numerator layout).

    Args:
        x: A vector of length n (logits).

    Returns:
        The n by n matrix with entry (i, j) equal to [i = j] − s_j, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.softmax import jac_log_softmax
        >>> print(jac_log_softmax([0.0, 0.0]))
        [[ 0.5 -0.5]
         [-0.5  0.5]]
        >>> print(jac_log_softmax([3.0, 1.0, 0.0]).round(4))
        [[ 0.1562 -0.1142 -0.042 ]
         [-0.8438  0.8858 -0.042 ]
         [-0.8438 -0.1142  0.958 ]]
    """
    s = _softmax("x", validate.vector("x", x))
    return np.eye(s.shape[0]) - s[np.newaxis, :]


@vjp_of("X19", latex=rf"\mathbf{{v}}^T J = \mathbf{{v}}^T - \big(\textstyle\sum_i v_i\big)\, {_S}^T")
def vjp_log_softmax(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X19 backprop: vᵀJ = vᵀ − (Σ_i v_i) sᵀ, in O(n), without forming the Jacobian.

    Args:
        v: The gradient flowing back into log softmax(x), a vector of length n.
        x: A vector of length n (logits).

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """
    v, x = _v_and_x(v, x)
    return v - _softmax("x", x) * v.sum()


# ----- X20: cross-entropy of the softmax, with respect to the logits -----


@rule(
    "X20",
    title="Cross-entropy of softmax with respect to the logits: s − y",
    forward=cross_entropy,
    wrt="z",
    latex=(
        rf"\frac{{\partial L}}{{\partial {_Z}}} = {_SUM_Y}\,{_S}^T - {_Y}^T "
        rf"= ({_S} - {_Y})^T \text{{ when }} \textstyle\sum_i y_i = 1"
    ),
    latex_denominator=(
        rf"\frac{{\partial L}}{{\partial {_Z}}} = {_SUM_Y}\,{_S} - {_Y} "
        rf"= {_S} - {_Y} \text{{ when }} \textstyle\sum_i y_i = 1"
    ),
    shape=(1, "n"),
    args=_CE_ARGS,
    conditions=(
        r"$L = -\sum_i y_i \log s_i$ with $\mathbf{s} = \operatorname{softmax}(\mathbf{z})$, the logits "
        r"$\mathbf{z}$ being the variable. Every $y_i \ge 0$; the functions raise ValueError naming a "
        r"negative entry. "
        r"When $\sum_i y_i = 1$, as for a one-hot label or a soft target distribution, the gradient is "
        r"$(\mathbf{s} - \mathbf{y})^T$. A $\mathbf{y}$ that does not sum to 1 is not rejected or "
        r"rescaled: the loss is computed as written and the closed form returns the general "
        r"$\big(\sum_i y_i\big)\mathbf{s}^T - \mathbf{y}^T$, which is exact for any $\mathbf{y}$."
    ),
    keywords=(
        "cross-entropy", "softmax cross-entropy", "categorical cross-entropy", "negative log-likelihood", "NLL",
        "classification loss", "logits",
    ),
)
def grad_cross_entropy(z: ArrayLike, y: ArrayLike) -> FloatArray:
    """X20: the gradient of −Σ y_i log softmax(z)_i with respect to z is (Σ y_i) sᵀ − yᵀ, = (s − y)ᵀ if Σ y_i = 1.

    Args:
        z: The logits, a vector of length n.
        y: The target, a vector of length n with no negative entry (one-hot or
            a probability vector; any sum is accepted, see the conditions).

    Returns:
        The gradient, a `(1, n)` row.

    Raises:
        ValueError: If an entry of `y` is negative; the message names it.

    Examples:
        >>> from mcref.ext.softmax import grad_cross_entropy, softmax
        >>> z = [2.0, 1.0, 0.1]
        >>> print(softmax(z).round(4))
        [0.659  0.2424 0.0986]
        >>> print(grad_cross_entropy(z, [1.0, 0.0, 0.0]).round(4))
        [[-0.341   0.2424  0.0986]]
        >>> print(grad_cross_entropy(z, [0.7, 0.2, 0.1]).round(4))
        [[-0.041   0.0424 -0.0014]]
    """
    z, y = _logits_and_target(z, y)
    return (_softmax("z", z) * y.sum() - y)[np.newaxis, :]


@vjp_of("X20", latex=rf"v^T J = v\,\big({_SUM_Y}\,{_S} - {_Y}\big)^T")
def vjp_cross_entropy(v: ArrayLike, z: ArrayLike, y: ArrayLike) -> FloatArray:
    """X20 backprop: v ((Σ y_i) s − y), the upstream scalar v times the gradient, shaped like z.

    Args:
        v: The gradient flowing back into the loss, a real number (1 at the top of backprop).
        z: The logits, a vector of length n.
        y: The target, a vector of length n with no negative entry.

    Returns:
        The gradient with respect to z, shape `(n,)`.
    """
    v = validate.scalar("v", v)
    z, y = _logits_and_target(z, y)
    return v * (_softmax("z", z) * y.sum() - y)


# ----- X21: log-sum-exp -----


@rule(
    "X21",
    title="Log-sum-exp: softmax(x)ᵀ",
    forward=logsumexp,
    wrt="x",
    latex=rf"\frac{{\partial}}{{\partial {_X}}} \log \textstyle\sum_i e^{{x_i}} = \operatorname{{softmax}}({_X})^T",
    latex_denominator=(
        rf"\frac{{\partial}}{{\partial {_X}}} \log \textstyle\sum_i e^{{x_i}} = \operatorname{{softmax}}({_X})"
    ),
    shape=(1, "n"),
    args=_ARGS,
    conditions="None: log-sum-exp is smooth everywhere, and its gradient is a probability vector.",
    keywords=("logsumexp", "LSE", "smooth maximum"),
)
def grad_logsumexp(x: ArrayLike) -> FloatArray:
    """X21: the gradient of log Σ e^(x_i) is softmax(x)ᵀ.

    Args:
        x: A vector of length n.

    Returns:
        softmax(x) as a `(1, n)` row.

    Examples:
        >>> from mcref.ext.softmax import grad_logsumexp
        >>> print(grad_logsumexp([0.0, 0.0, 0.0, 0.0]))
        [[0.25 0.25 0.25 0.25]]
        >>> print(grad_logsumexp([1000.0, 0.0]))
        [[1. 0.]]
    """
    return _softmax("x", validate.vector("x", x))[np.newaxis, :]


@vjp_of("X21", latex=rf"v^T J = v\,\operatorname{{softmax}}({_X})^T")
def vjp_logsumexp(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X21 backprop: v softmax(x), the upstream scalar v times the gradient, shaped like x.

    Args:
        v: The gradient flowing back into log-sum-exp, a real number.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """
    v = validate.scalar("v", v)
    return v * _softmax("x", validate.vector("x", x))


# ----- X34: cross-entropy with label smoothing, with respect to the logits -----


def _smoothed_target(y: FloatArray, eps: ArrayLike) -> FloatArray:
    """q = (1 − ε) y + ε/K, with ε in [0, 1] checked."""
    eps = validate.scalar("eps", eps)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"eps must be in [0, 1] (the share of the target spread evenly over the classes), got {eps}")
    return (1.0 - eps) * y + eps / y.shape[0]


def smoothed_cross_entropy(z: ArrayLike, y: ArrayLike, eps: ArrayLike) -> np.float64:
    """Cross-entropy with label smoothing: L = −Σ_i q_i log softmax(z)_i, q = (1 − ε) y + ε/K.

    The target y (one-hot or a distribution over the K classes) gives up a share ε of its mass,
    which is spread evenly over the K classes. The result is
    [`cross_entropy`][mcref.ext.softmax.cross_entropy] against q, computed the same fused way;
    it matches PyTorch's `CrossEntropyLoss(label_smoothing=eps)` for one sample.

    Args:
        z: The logits, a vector of length K.
        y: The target, a vector of length K with no negative entry (one-hot or a probability
            vector).
        eps: The smoothing ε, a number in [0, 1]; 0 is plain cross-entropy.

    Returns:
        L, a float64 scalar.

    Raises:
        ValueError: If an entry of `y` is negative, or ε is outside [0, 1].
    """
    z, y = _logits_and_target(z, y)
    q = _smoothed_target(y, eps)
    return np.float64(-(q @ _log_softmax("z", z)))


@rule(
    "X34",
    title="Label-smoothed cross-entropy: s − q",
    forward=smoothed_cross_entropy,
    wrt="z",
    latex=(
        rf"\frac{{\partial L}}{{\partial {_Z}}} = ({_S} - \mathbf{{q}})^T, \qquad "
        rf"\mathbf{{q}} = (1 - \varepsilon)\,{_Y} + \tfrac{{\varepsilon}}{{K}} {_ONES}"
    ),
    latex_denominator=(
        rf"\frac{{\partial L}}{{\partial {_Z}}} = {_S} - \mathbf{{q}}, \qquad "
        rf"\mathbf{{q}} = (1 - \varepsilon)\,{_Y} + \tfrac{{\varepsilon}}{{K}} {_ONES}"
    ),
    shape=(1, "K"),
    args={"z": Arg(("K",)), "y": Arg(("K",), low=0.0, high=1.0, simplex=True), "eps": Arg(shape=(), low=0.0, high=0.5)},
    conditions=(
        r"$L = -\sum_i q_i \log s_i$ with $\mathbf{s} = \operatorname{softmax}(\mathbf{z})$ over $K$ classes, "
        r"and $0 \le \varepsilon \le 1$. The target $\mathbf{y}$ sums to 1 (one-hot or soft), so $\mathbf{q}$ "
        r"does too, and [X20](#X20) applied to $\mathbf{q}$ gives $(\mathbf{s} - \mathbf{q})^T$. For a "
        r"$\mathbf{y}$ that does not sum to 1 the closed form returns X20's general "
        r"$\big(\sum_i q_i\big)\mathbf{s}^T - \mathbf{q}^T$, exact for any $\mathbf{y} \ge 0$."
    ),
    keywords=(
        "label smoothing", "label-smoothed cross-entropy", "smoothed labels", "soft targets",
        "cross-entropy with label smoothing",
    ),
)
def grad_smoothed_cross_entropy(z: ArrayLike, y: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X34: the gradient of the label-smoothed cross-entropy with respect to z is (s − q)ᵀ.

    q = (1 − ε) y + ε/K is the smoothed target; the gradient is X20's with q in place of y,
    (Σ q_i) sᵀ − qᵀ, which is (s − q)ᵀ when y sums to 1.

    Args:
        z: The logits, a vector of length K.
        y: The target, a vector of length K with no negative entry.
        eps: The smoothing ε in [0, 1].

    Returns:
        The gradient, a `(1, K)` row.

    Examples:
        >>> from mcref.ext.softmax import grad_smoothed_cross_entropy, smoothed_cross_entropy
        >>> z, y = [2.0, 1.0, 0.1], [1.0, 0.0, 0.0]
        >>> print(round(float(smoothed_cross_entropy(z, y, 0.1)), 6))
        0.513697
        >>> print(grad_smoothed_cross_entropy(z, y, 0.1).round(4))
        [[-0.2743  0.2091  0.0652]]
    """
    z, y = _logits_and_target(z, y)
    q = _smoothed_target(y, eps)
    return (_softmax("z", z) * q.sum() - q)[np.newaxis, :]


@vjp_of("X34", latex=rf"v^T J = v\,({_S} - \mathbf{{q}})^T")
def vjp_smoothed_cross_entropy(v: ArrayLike, z: ArrayLike, y: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X34 backprop: v (s − q), the upstream scalar v times the gradient, shaped like z.

    Args:
        v: The gradient flowing back into the loss, a real number.
        z: The logits, a vector of length K.
        y: The target, a vector of length K with no negative entry.
        eps: The smoothing ε in [0, 1].

    Returns:
        The gradient with respect to z, shape `(K,)`.
    """
    v = validate.scalar("v", v)
    z, y = _logits_and_target(z, y)
    q = _smoothed_target(y, eps)
    return v * (_softmax("z", z) * q.sum() - q)
