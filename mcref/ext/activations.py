"""Extension: element-wise activation functions and their diagonal Jacobians.

Each function here maps a vector x of length n to a vector of length n by
applying one scalar function f to every entry, y_i = f(x_i). Entry i of the
output reads only x_i, which is the paper's element-wise diagonal condition
(R5), so every Jacobian is the n by n diagonal matrix diag(f'(x)): it is its
own transpose, and numerator and denominator layout give the same array.

* X13, the logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ): diag(σ(x) ⊗ (1 − σ(x)));
* X14, tanh: diag(1 − tanh²(x));
* X15, softplus log(1 + eˣ): diag(σ(x));
* X16, exp: diag(eˣ);
* X17, log, for x > 0: diag(1/x).

The ReLU, max(0, x) applied to every entry, is rule N6 in `mcref.paper.neuron`.

In backprop a diagonal Jacobian is never formed: the vector-Jacobian product
vᵀJ is (v ⊗ f'(x))ᵀ, one multiplication per entry. Each rule has that form
attached (`vjp_sigmoid`, ...), called as `vjp(v, x)` and returning an array
shaped like x.

**Stability.** `sigmoid` never evaluates e^t for a positive t, so it neither
overflows nor returns NaN for any finite x (σ(1000) is 1.0, σ(−1000) is 0.0).
Its derivative is computed as σ(x)σ(−x), which equals σ(x)(1 − σ(x)) but keeps
its relative accuracy where 1 − σ(x) would round to 0. tanh′ is computed the
same way, as 4e/(1 + e)² with e = e^(−2|x|). `softplus` is
`np.logaddexp(0, x)`. `exp` raises ValueError where e^x overflows float64
(x > 709.78) rather than returning inf; `log` raises ValueError for an entry
x_i ≤ 0, naming its index.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, elementwise
from mcref.core.stable import sigmoid as _sigmoid
from mcref.core.validate import FloatArray

# __all__ lists the rule functions: forward functions, closed forms and VJPs, which
# tests/test_validation.py sweeps with bad input through the registry.
__all__ = [
    "exp",
    "jac_exp",
    "jac_log",
    "jac_sigmoid",
    "jac_softplus",
    "jac_tanh",
    "log",
    "sigmoid",
    "softplus",
    "tanh",
    "vjp_exp",
    "vjp_log",
    "vjp_sigmoid",
    "vjp_softplus",
    "vjp_tanh",
]

_X = r"\mathbf{x}"
_ONES = r"\vec{\mathbf{1}}"
EXP_MAX = float(np.log(np.finfo(np.float64).max))
"""The largest x whose e^x is finite in float64, about 709.78."""

# the generic tests draw x in [-2, 2]; a log argument in [0.5, 3], away from its pole at 0
_ARGS = {"x": Arg()}
_LOG_ARGS = {"x": Arg(low=0.5, high=3.0)}
_DIAGONAL = (
    "None: f acts on each entry alone, so $y_i$ reads only $x_i$, the "
    "[element-wise diagonal condition](../rules/elementwise.md#R5), and every "
    "off-diagonal entry is 0."
)


def _statement(f: str, derivative: str) -> str:
    return rf"\frac{{\partial {f}({_X})}}{{\partial {_X}}} = \operatorname{{diag}}\big({derivative}\big)"



def _x(x: ArrayLike) -> FloatArray:
    return validate.vector("x", x)


def _sigmoid_prime(x: FloatArray) -> FloatArray:
    """σ'(x) = σ(x)(1 − σ(x)), computed as σ(x)σ(−x): no cancellation where σ(x) is near 1."""
    return _sigmoid(x) * _sigmoid(-x)


def _tanh_prime(x: FloatArray) -> FloatArray:
    """1 − tanh²(x) = sech²(x) = 4e/(1 + e)² with e = e^(−2|x|): no overflow, no cancellation."""
    e = np.exp(-2.0 * np.abs(x))
    return 4.0 * e / (1.0 + e) ** 2


def _exp(x: FloatArray) -> FloatArray:
    """e^x, or ValueError naming the first entry where it overflows float64."""
    big = np.flatnonzero(x > EXP_MAX)
    if big.size:
        i = int(big[0])
        raise ValueError(f"exp(x) overflows float64 at x[{i}] = {x[i]}: e^x is finite only for x <= {EXP_MAX:.2f}")
    return np.exp(x)


def _positive(x: FloatArray) -> FloatArray:
    """x, or ValueError naming the first entry that is not > 0 (outside the domain of log)."""
    bad = np.flatnonzero(x <= 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"x must be > 0 (log is defined for positive numbers only), got x[{i}] = {x[i]}")
    return x


# ----- the forward functions -----


def sigmoid(x: ArrayLike) -> FloatArray:
    """The logistic sigmoid σ(x_i) = 1 / (1 + e^(−x_i)) of every entry, without overflow.

    Args:
        x: A vector of length n.

    Returns:
        σ(x), shape `(n,)`, every entry in [0, 1].
    """
    return _sigmoid(_x(x))


def tanh(x: ArrayLike) -> FloatArray:
    """The hyperbolic tangent of every entry.

    Args:
        x: A vector of length n.

    Returns:
        tanh(x), shape `(n,)`, every entry in [−1, 1].
    """
    return np.tanh(_x(x))


def softplus(x: ArrayLike) -> FloatArray:
    """Softplus, log(1 + e^(x_i)) of every entry, computed as `np.logaddexp(0, x)`.

    Args:
        x: A vector of length n.

    Returns:
        softplus(x), shape `(n,)`, every entry > 0 (it rounds to 0 below about x = −745).
    """
    return np.logaddexp(0.0, _x(x))


def exp(x: ArrayLike) -> FloatArray:
    """The exponential e^(x_i) of every entry.

    Args:
        x: A vector of length n, every entry at most about 709.78.

    Returns:
        e^x, shape `(n,)`.

    Raises:
        ValueError: If e^(x_i) overflows float64 for some i; the message names it.
    """
    return _exp(_x(x))


def log(x: ArrayLike) -> FloatArray:
    """The natural logarithm of every entry.

    Args:
        x: A vector of length n with every entry > 0.

    Returns:
        log(x), shape `(n,)`.

    Raises:
        ValueError: If an entry is <= 0; the message names its index.
    """
    return np.log(_positive(_x(x)))


# ----- X13-X17: one element-wise rule each -----
#
# `elementwise` is given the element-wise derivative f'(x) and computes jac_<f>
# (the diagonal matrix of f'(x)) and vjp_<f> (v ⊗ f'(x)); the functions below each
# call are their public names and documentation only (empty bodies), registered
# by its two decorators. The forward function checks x (and the domain of exp and log).


_X13 = elementwise(
    "X13",
    title="Element-wise sigmoid: diag(σ(1 − σ))",
    forward=sigmoid,
    wrt="x",
    derivative=_sigmoid_prime,
    latex=_statement(r"\sigma", rf"\sigma({_X}) \otimes ({_ONES} - \sigma({_X}))"),
    diagonal_latex=rf"\sigma({_X}) \otimes ({_ONES} - \sigma({_X}))",
    args=_ARGS,
    conditions=_DIAGONAL + r" $\sigma(x) = 1/(1 + e^{-x})$, so $\sigma'(x) = \sigma(x)(1 - \sigma(x))$.",
    keywords=("logistic function", "sigmoid derivative", "logistic sigmoid"),
)


@_X13.jacobian
def jac_sigmoid(x: ArrayLike) -> FloatArray:
    """X13: the Jacobian of the element-wise sigmoid is diag(σ(x) ⊗ (1 − σ(x))).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with σ(x_i)(1 − σ(x_i)) on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_sigmoid
        >>> print(jac_sigmoid([0.0, 2.0]).round(6))
        [[0.25     0.      ]
         [0.       0.104994]]
    """


@_X13.vjp
def vjp_sigmoid(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X13 backprop: vᵀJ = (v ⊗ σ(x) ⊗ (1 − σ(x)))ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into σ(x), a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.

    Examples:
        >>> from mcref.ext.activations import vjp_sigmoid
        >>> print(vjp_sigmoid([1.0, 2.0], [0.0, 0.0]))
        [0.25 0.5 ]
    """


_X14 = elementwise(
    "X14",
    title="Element-wise tanh: diag(1 − tanh²)",
    forward=tanh,
    wrt="x",
    derivative=_tanh_prime,
    latex=_statement(r"\tanh", rf"{_ONES} - \tanh^2({_X})"),
    diagonal_latex=rf"({_ONES} - \tanh^2({_X}))",
    args=_ARGS,
    conditions=_DIAGONAL + r" $\tanh^2(\mathbf{x})$ squares each entry.",
    keywords=("hyperbolic tangent", "tanh derivative"),
)


@_X14.jacobian
def jac_tanh(x: ArrayLike) -> FloatArray:
    """X14: the Jacobian of the element-wise tanh is diag(1 − tanh²(x)).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with 1 − tanh²(x_i) on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_tanh
        >>> print(jac_tanh([0.0, 1.0]).round(6))
        [[1.       0.      ]
         [0.       0.419974]]
    """


@_X14.vjp
def vjp_tanh(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X14 backprop: vᵀJ = (v ⊗ (1 − tanh²(x)))ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into tanh(x), a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_X15 = elementwise(
    "X15",
    title="Element-wise softplus: diag(σ(x))",
    forward=softplus,
    wrt="x",
    derivative=_sigmoid,
    latex=_statement(r"\operatorname{softplus}", rf"\sigma({_X})"),
    diagonal_latex=rf"\sigma({_X})",
    args=_ARGS,
    conditions=_DIAGONAL + r" $\operatorname{softplus}(x) = \log(1 + e^x)$, whose derivative is the sigmoid.",
    keywords=("smooth ReLU", "softplus derivative"),
)


@_X15.jacobian
def jac_softplus(x: ArrayLike) -> FloatArray:
    """X15: the Jacobian of the element-wise softplus is diag(σ(x)).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with σ(x_i) on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_softplus
        >>> print(jac_softplus([0.0, 2.0]).round(6))
        [[0.5      0.      ]
         [0.       0.880797]]
    """


@_X15.vjp
def vjp_softplus(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X15 backprop: vᵀJ = (v ⊗ σ(x))ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into softplus(x), a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_X16 = elementwise(
    "X16",
    title="Element-wise exp: diag(exp x)",
    forward=exp,
    wrt="x",
    derivative=lambda x: np.exp(x),
    latex=_statement(r"\exp", rf"e^{{{_X}}}"),
    diagonal_latex=rf"e^{{{_X}}}",
    args=_ARGS,
    conditions=_DIAGONAL + r" Every $x_i \le 709.78$, where $e^{x_i}$ still fits in float64; "
    "beyond it the functions raise ValueError.",
    keywords=("exponential", "exponential function", "exp"),
)


@_X16.jacobian
def jac_exp(x: ArrayLike) -> FloatArray:
    """X16: the Jacobian of the element-wise exponential is diag(e^x).

    Args:
        x: A vector of length n, every entry at most about 709.78.

    Returns:
        The diagonal matrix with e^(x_i) on its diagonal, shape `(n, n)`.

    Raises:
        ValueError: If e^(x_i) overflows float64 for some i.

    Examples:
        >>> from mcref.ext.activations import jac_exp
        >>> print(jac_exp([0.0, 1.0]).round(6))
        [[1.       0.      ]
         [0.       2.718282]]
    """


@_X16.vjp
def vjp_exp(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X16 backprop: vᵀJ = (v ⊗ e^x)ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into e^x, a vector of length n.
        x: A vector of length n, every entry at most about 709.78.

    Returns:
        The gradient with respect to x, shape `(n,)`.

    Raises:
        ValueError: If e^(x_i) overflows float64 for some i.
    """


_X17 = elementwise(
    "X17",
    title="Element-wise log: diag(1/x)",
    forward=log,
    wrt="x",
    derivative=lambda x: 1.0 / x,
    latex=_statement(r"\log", r"\dots \frac{1}{x_i} \dots"),
    vjp_latex=r"\mathbf{v}^T J = (\mathbf{v} \oslash \mathbf{x})^T",
    args=_LOG_ARGS,
    conditions=_DIAGONAL + r" Every $x_i > 0$; the functions raise ValueError naming the first "
    r"entry with $x_i \le 0$.",
    keywords=("natural logarithm", "logarithm", "ln", "log derivative"),
)


@_X17.jacobian
def jac_log(x: ArrayLike) -> FloatArray:
    """X17: the Jacobian of the element-wise natural log is diag(1/x_i), for x > 0.

    Args:
        x: A vector of length n with every entry > 0.

    Returns:
        The diagonal matrix with 1/x_i on its diagonal, shape `(n, n)`.

    Raises:
        ValueError: If an entry is <= 0; the message names its index.

    Examples:
        >>> from mcref.ext.activations import jac_log
        >>> print(jac_log([0.5, 4.0]))
        [[2.   0.  ]
         [0.   0.25]]
    """


@_X17.vjp
def vjp_log(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X17 backprop: vᵀJ = (v ⊘ x)ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into log(x), a vector of length n.
        x: A vector of length n with every entry > 0.

    Returns:
        The gradient with respect to x, shape `(n,)`.

    Raises:
        ValueError: If an entry of x is <= 0; the message names its index.
    """
