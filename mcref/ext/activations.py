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
* X17, log, for x > 0: diag(1/x);
* X37 sin: diag(cos x); X38 cos: diag(−sin x);
* X39 |x|: diag(sign x), X51 sign and X52 the unit step 1[x > 0]: 0, each for x_i ≠ 0 (0 is returned at
  0, as numpy and PyTorch do).

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
from mcref.core.registry import Arg, elementwise, rule, vjp_of
from mcref.core.stable import normal_cdf as _normal_cdf
from mcref.core.stable import sigmoid as _sigmoid
from mcref.core.validate import FloatArray

# __all__ lists the rule functions: forward functions, closed forms and VJPs, which
# tests/test_validation.py sweeps with bad input through the registry.
__all__ = [
    "absolute",
    "cos",
    "exp",
    "gelu",
    "gelu_tanh",
    "jac_absolute",
    "jac_cos",
    "jac_exp",
    "jac_gelu",
    "jac_gelu_tanh",
    "jac_log",
    "jac_sigmoid",
    "jac_sign",
    "jac_silu",
    "jac_sin",
    "jac_softplus",
    "jac_step",
    "jac_swish_beta",
    "jac_swish_x",
    "jac_tanh",
    "log",
    "sigmoid",
    "sign",
    "silu",
    "sin",
    "softplus",
    "step",
    "swish",
    "tanh",
    "vjp_absolute",
    "vjp_cos",
    "vjp_exp",
    "vjp_gelu",
    "vjp_gelu_tanh",
    "vjp_log",
    "vjp_sigmoid",
    "vjp_sign",
    "vjp_silu",
    "vjp_sin",
    "vjp_softplus",
    "vjp_step",
    "vjp_swish_beta",
    "vjp_swish_x",
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


# ----- X28-X32: the smooth gates of today's networks, GELU and SiLU/swish -----
#
# Each multiplies x by a gate between 0 and 1 that rises smoothly with x: the normal CDF Φ(x)
# for GELU, its tanh approximation, and the sigmoid σ(βx) for swish (SiLU is β = 1). The product
# rule gives every derivative the form gate + x · gate', entry by entry.

_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_INV_SQRT_2PI = float(1.0 / np.sqrt(2.0 * np.pi))
GELU_TANH_CUBIC = 0.044715
"""The coefficient of x³ inside the tanh of the approximate GELU (Hendrycks and Gimpel, 2016)."""
_PDF_ZERO = 40.0
"""φ(x) = e^(−x²/2)/√(2π) underflows to 0 beyond |x| = 38.6; clipping x there changes no result."""
_TANH_GATE_SATURATES = 50.0
"""Beyond |x| = 50 the tanh-GELU gate is 0 or 1 and its slope 0 in float64 (e^(−9000)); clipping there
keeps x³ from overflowing and changes no result."""
_SIGMOID_SATURATES = 800.0
"""Beyond |t| = 800, σ(t) is 0 or 1 and σ(t)σ(−t) is 0 in float64; clipping there keeps βx finite."""


def _normal_pdf(x: FloatArray) -> FloatArray:
    """φ(x) = e^(−x²/2)/√(2π), the standard normal density, without overflowing x²."""
    t = np.clip(x, -_PDF_ZERO, _PDF_ZERO)
    return np.exp(-0.5 * t * t) * _INV_SQRT_2PI


def _gelu_prime(x: FloatArray) -> FloatArray:
    """d/dx xΦ(x) = Φ(x) + xφ(x)."""
    return _normal_cdf(x) + x * _normal_pdf(x)


def _tanh_gate_argument(t: FloatArray) -> FloatArray:
    """2u = 2√(2/π)(t + 0.044715t³): the gate ½(1 + tanh u) is σ(2u)."""
    return 2.0 * _SQRT_2_OVER_PI * (t + GELU_TANH_CUBIC * t**3)


def _gelu_tanh_prime(x: FloatArray) -> FloatArray:
    """d/dx xσ(2u) = σ(2u) + x σ(2u)σ(−2u) · 2u′, with 2u′ = 2√(2/π)(1 + 3 · 0.044715x²)."""
    t = np.clip(x, -_TANH_GATE_SATURATES, _TANH_GATE_SATURATES)
    w = _tanh_gate_argument(t)
    slope = 2.0 * _SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * t * t)
    return _sigmoid(w) + t * _sigmoid_prime(w) * slope


def _scaled_input(x: FloatArray, beta: FloatArray | float) -> FloatArray:
    """βx clipped to ±800, where σ has saturated: an overflowing product becomes ±800, not ±inf."""
    with np.errstate(over="ignore"):
        t = beta * x
    return np.clip(t, -_SIGMOID_SATURATES, _SIGMOID_SATURATES)


def _swish_prime_x(x: FloatArray, beta: FloatArray | float) -> FloatArray:
    """∂/∂x xσ(βx) = σ(βx) + βx σ(βx)σ(−βx)."""
    t = _scaled_input(x, beta)
    return _sigmoid(t) + t * _sigmoid_prime(t)


def _swish_prime_beta(x: FloatArray, beta: FloatArray | float) -> FloatArray:
    """∂/∂β xσ(βx) = x² σ(βx)σ(−βx), computed as (x σ′) x so that a huge x meets σ′ = 0 first."""
    return x * _sigmoid_prime(_scaled_input(x, beta)) * x


def _x_and_beta(x: ArrayLike, beta: ArrayLike) -> tuple[FloatArray, float]:
    return _x(x), validate.scalar("beta", beta)


def gelu(x: ArrayLike) -> FloatArray:
    """The exact GELU, x_i Φ(x_i) of every entry, Φ the standard normal CDF.

    Φ is computed by `mcref.core.stable.normal_cdf` (Cody's rational approximation of erfc,
    vectorized, relative error about 1e-15), not by a loop over `math.erf`.

    Args:
        x: A vector of length n.

    Returns:
        GELU(x), shape `(n,)`.
    """
    x = _x(x)
    return x * _normal_cdf(x)


def gelu_tanh(x: ArrayLike) -> FloatArray:
    """The tanh approximation of GELU, ½x_i(1 + tanh(√(2/π)(x_i + 0.044715x_i³))) of every entry.

    Computed as x σ(2u), the same number by ½(1 + tanh u) = σ(2u), with x clipped to ±50 inside
    the gate (where it is already exactly 0 or 1), so x³ never overflows.

    Args:
        x: A vector of length n.

    Returns:
        The approximate GELU of x, shape `(n,)`.
    """
    x = _x(x)
    t = np.clip(x, -_TANH_GATE_SATURATES, _TANH_GATE_SATURATES)
    return x * _sigmoid(_tanh_gate_argument(t))


def silu(x: ArrayLike) -> FloatArray:
    """SiLU, x_i σ(x_i) of every entry (swish with β = 1).

    Args:
        x: A vector of length n.

    Returns:
        SiLU(x), shape `(n,)`.
    """
    x = _x(x)
    return x * _sigmoid(x)


def swish(x: ArrayLike, beta: ArrayLike) -> FloatArray:
    """Swish, x_i σ(β x_i) of every entry, for a real β (trainable in the original paper).

    Args:
        x: A vector of length n.
        beta: The slope β of the gate, a real number; β = 1 is SiLU, β = 0 gives x/2.

    Returns:
        swish(x, β), shape `(n,)`.
    """
    x, beta = _x_and_beta(x, beta)
    return x * _sigmoid(_scaled_input(x, beta))


_X28 = elementwise(
    "X28",
    title="Element-wise GELU, exact",
    forward=gelu,
    wrt="x",
    derivative=_gelu_prime,
    latex=_statement(r"\operatorname{GELU}", rf"\Phi({_X}) + {_X} \otimes \varphi({_X})"),
    vjp_latex=rf"\mathbf{{v}}^T J = (\mathbf{{v}} \otimes \operatorname{{GELU}}'({_X}))^T",
    args=_ARGS,
    conditions=_DIAGONAL + r" $\operatorname{GELU}(x) = x\,\Phi(x)$, where $\Phi$ is the standard normal "
    r"CDF and $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$ its density: the derivative of $\Phi$ is $\varphi$. "
    r"This is the exact GELU; "
    r"the tanh approximation is [X29](#X29).",
    keywords=("GELU", "Gaussian error linear unit", "GELU derivative", "derivative of GELU", "exact GELU", "erf GELU"),
)


@_X28.jacobian
def jac_gelu(x: ArrayLike) -> FloatArray:
    """X28: the Jacobian of the element-wise GELU xΦ(x) is diag(Φ(x) + x ⊗ φ(x)).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with Φ(x_i) + x_i φ(x_i) on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import gelu, jac_gelu
        >>> print(gelu([-1.0, 0.0, 1.0]).round(6))
        [-0.158655  0.        0.841345]
        >>> print(jac_gelu([-1.0, 0.0, 1.0]).round(6))
        [[-0.083315  0.        0.      ]
         [ 0.        0.5       0.      ]
         [ 0.        0.        1.083315]]
    """


@_X28.vjp
def vjp_gelu(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X28 backprop: vᵀJ = (v ⊗ (Φ(x) + x ⊗ φ(x)))ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into GELU(x), a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_X29 = elementwise(
    "X29",
    title="Element-wise GELU, tanh form",
    forward=gelu_tanh,
    wrt="x",
    derivative=_gelu_tanh_prime,
    latex=_statement(
        r"\operatorname{GELU}_{\tanh}",
        rf"\tfrac12\big({_ONES} + \tanh \mathbf{{u}}\big) + \tfrac12 {_X} \otimes "
        rf"\big({_ONES} - \tanh^2 \mathbf{{u}}\big) \otimes \mathbf{{u}}'",
    ),
    vjp_latex=rf"\mathbf{{v}}^T J = (\mathbf{{v}} \otimes \operatorname{{GELU}}_{{\tanh}}'({_X}))^T",
    args=_ARGS,
    conditions=_DIAGONAL + r" $\operatorname{GELU}_{\tanh}(x) = \tfrac12 x\,(1 + \tanh u)$ with "
    r"$u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)$ and $u' = \sqrt{2/\pi}\,(1 + 0.134145\,x^2)$, entry by entry. "
    r"It approximates the exact GELU [X28](#X28) to within about $5 \times 10^{-4}$; this rule "
    r"differentiates the approximation itself, not the exact GELU.",
    keywords=("GELU tanh", "approximate GELU", "gelu_new", "GELU tanh approximation", "fast GELU"),
)


@_X29.jacobian
def jac_gelu_tanh(x: ArrayLike) -> FloatArray:
    """X29: the Jacobian of the tanh-approximate GELU, diag(½(1 + tanh u) + ½x(1 − tanh² u)u′).

    With u = √(2/π)(x + 0.044715x³). Computed as σ(2u) + x σ(2u)σ(−2u) · 2u′, the same number
    without cancellation, by ½(1 + tanh u) = σ(2u).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix of the derivative, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import gelu_tanh, jac_gelu_tanh
        >>> print(gelu_tanh([-1.0, 0.0, 1.0]).round(6))
        [-0.158808  0.        0.841192]
        >>> print(jac_gelu_tanh([-1.0, 0.0, 1.0]).round(6))
        [[-0.082964  0.        0.      ]
         [ 0.        0.5       0.      ]
         [ 0.        0.        1.082964]]
    """


@_X29.vjp
def vjp_gelu_tanh(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X29 backprop: v times the derivative of the tanh-approximate GELU, entry by entry.

    Args:
        v: The gradient flowing back into the approximate GELU of x, a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_X30 = elementwise(
    "X30",
    title="Element-wise SiLU xσ(x)",
    forward=silu,
    wrt="x",
    derivative=lambda x: _swish_prime_x(x, 1.0),
    latex=_statement(
        r"\operatorname{SiLU}", rf"\sigma({_X}) + {_X} \otimes \sigma({_X}) \otimes ({_ONES} - \sigma({_X}))"
    ),
    vjp_latex=rf"\mathbf{{v}}^T J = (\mathbf{{v}} \otimes \operatorname{{SiLU}}'({_X}))^T",
    args=_ARGS,
    conditions=_DIAGONAL + r" $\operatorname{SiLU}(x) = x\,\sigma(x)$, the sigmoid-weighted linear unit, "
    r"swish [X31](#X31) with $\beta = 1$.",
    keywords=("SiLU", "swish", "sigmoid linear unit", "SiLU derivative", "swish derivative"),
)


@_X30.jacobian
def jac_silu(x: ArrayLike) -> FloatArray:
    """X30: the Jacobian of the element-wise SiLU xσ(x) is diag(σ(x) + x ⊗ σ(x) ⊗ (1 − σ(x))).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with σ(x_i)(1 + x_i(1 − σ(x_i))) on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_silu, silu
        >>> print(silu([-1.0, 0.0, 2.0]).round(6))
        [-0.268941  0.        1.761594]
        >>> print(jac_silu([-1.0, 0.0, 2.0]).round(6))
        [[0.072329 0.       0.      ]
         [0.       0.5      0.      ]
         [0.       0.       1.090784]]
    """


@_X30.vjp
def vjp_silu(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X30 backprop: vᵀJ = (v ⊗ (σ(x) + x ⊗ σ(x) ⊗ (1 − σ(x))))ᵀ, without forming the Jacobian.

    Args:
        v: The gradient flowing back into SiLU(x), a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_SWISH_ARGS = {"x": Arg(), "beta": Arg(shape=(), low=-1.0, high=3.0)}
_S_BETA = rf"\sigma(\beta {_X})"

_X31 = elementwise(
    "X31",
    title="Swish xσ(βx), with respect to x",
    forward=swish,
    wrt="x",
    derivative=_swish_prime_x,
    latex=_statement(
        r"\operatorname{swish}_\beta", rf"{_S_BETA} + \beta {_X} \otimes {_S_BETA} \otimes ({_ONES} - {_S_BETA})"
    ),
    vjp_latex=rf"\mathbf{{v}}^T J = (\mathbf{{v}} \otimes \partial_x \operatorname{{swish}}_\beta({_X}))^T",
    args=_SWISH_ARGS,
    conditions=_DIAGONAL + r" $\operatorname{swish}_\beta(x) = x\,\sigma(\beta x)$ for any real $\beta$, "
    r"held fixed here; $\beta = 1$ is SiLU [X30](#X30). The derivative with respect to $\beta$ is [X32](#X32).",
    keywords=("swish", "swish beta", "parametric swish", "swish activation"),
)


@_X31.jacobian
def jac_swish_x(x: ArrayLike, beta: ArrayLike) -> FloatArray:
    """X31: the Jacobian of xσ(βx) with respect to x is diag(σ(βx) + βx ⊗ σ(βx) ⊗ (1 − σ(βx))).

    Args:
        x: A vector of length n.
        beta: The slope β, a real number.

    Returns:
        The diagonal matrix of ∂y_i/∂x_i, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_swish_x, swish
        >>> print(swish([-1.0, 0.0, 2.0], 2.0).round(6))
        [-0.119203  0.        1.964028]
        >>> print(jac_swish_x([-1.0, 0.0, 2.0], 2.0).round(6))
        [[-0.090784  0.        0.      ]
         [ 0.        0.5       0.      ]
         [ 0.        0.        1.052665]]
    """


@_X31.vjp
def vjp_swish_x(v: ArrayLike, x: ArrayLike, beta: ArrayLike) -> FloatArray:
    """X31 backprop: v times ∂swish/∂x entry by entry, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into swish(x, β), a vector of length n.
        x: A vector of length n.
        beta: The slope β, a real number.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


@rule(
    "X32",
    title="Swish xσ(βx), with respect to β",
    forward=swish,
    wrt="beta",
    latex=(
        rf"\frac{{\partial \operatorname{{swish}}_\beta({_X})}}{{\partial \beta}} = "
        rf"{_X} \otimes {_X} \otimes {_S_BETA} \otimes ({_ONES} - {_S_BETA})"
    ),
    latex_denominator=(
        rf"\frac{{\partial \operatorname{{swish}}_\beta({_X})}}{{\partial \beta}} = "
        rf"\big({_X} \otimes {_X} \otimes {_S_BETA} \otimes ({_ONES} - {_S_BETA})\big)^T"
    ),
    shape=("n", 1),
    args=_SWISH_ARGS,
    conditions=(
        r"None: $\beta$ is one number shared by every entry, so $\partial y_i / \partial \beta = x_i \cdot "
        r"\sigma'(\beta x_i) \cdot x_i$ and the derivative is a column of $n$ entries (a row in denominator "
        r"layout). Its VJP adds the entries up: every output sends its share back to the one $\beta$."
    ),
    keywords=("swish beta gradient", "trainable beta", "learnable swish"),
)
def jac_swish_beta(x: ArrayLike, beta: ArrayLike) -> FloatArray:
    """X32: the derivative of xσ(βx) with respect to the scalar β, the column x ⊗ x ⊗ σ(βx) ⊗ (1 − σ(βx)).

    Args:
        x: A vector of length n.
        beta: The slope β, a real number.

    Returns:
        ∂y/∂β, shape `(n, 1)`, numerator layout.

    Raises:
        ValueError: If an entry x_i² σ′(βx_i) overflows float64 (a huge x with a tiny β).

    Examples:
        >>> from mcref.ext.activations import jac_swish_beta
        >>> print(jac_swish_beta([-1.0, 0.0, 2.0], 0.5).round(6))
        [[0.235004]
         [0.      ]
         [0.786448]]
    """
    x, beta = _x_and_beta(x, beta)
    return _swish_prime_beta(x, beta)[:, np.newaxis]


@vjp_of(
    "X32",
    latex=r"\mathbf{v}^T J = \textstyle\sum_i v_i\, x_i^2\, \sigma(\beta x_i)\big(1 - \sigma(\beta x_i)\big)",
)
def vjp_swish_beta(v: ArrayLike, x: ArrayLike, beta: ArrayLike) -> np.float64:
    """X32 backprop: vᵀJ = Σ_i v_i x_i² σ′(βx_i), a number, shaped like β.

    Args:
        v: The gradient flowing back into swish(x, β), a vector of length n.
        x: A vector of length n.
        beta: The slope β, a real number.

    Returns:
        The gradient with respect to β, a float64 scalar.

    Examples:
        >>> from mcref.ext.activations import vjp_swish_beta
        >>> print(round(float(vjp_swish_beta([1.0, 1.0, 1.0], [-1.0, 0.0, 2.0], 0.5)), 6))
        1.021451
    """
    x, beta = _x_and_beta(x, beta)
    v = validate.cotangent(v, x.shape[0], "swish")
    return np.float64(v @ _swish_prime_beta(x, beta))


# ----- X37-X39, X51, X52: sine, cosine, absolute value, sign and step, entry by entry -----
#
# The derivative engine (mcref.derive) cites these when an expression holds np.sin, np.cos, np.abs,
# np.sign, or the step that the ReLU's derivative brings into a Hessian.

_KINK = 0.05
_ZERO = r"\operatorname{diag}(\vec{\mathbf{0}}) = 0"
"""Random points of the numerical checks keep every input of abs, sign and step at least this far from 0."""
_AT_ZERO = (
    " Every $x_i \\ne 0$: at 0 the function has a {what} and no derivative. mcref returns {value} there, "
    "as numpy's `np.sign` and PyTorch's autograd do, and its checks draw every $x_i$ at least 0.05 away from 0."
)


def sin(x: ArrayLike) -> FloatArray:
    """The sine of every entry.

    Args:
        x: A vector of length n.

    Returns:
        sin(x), shape `(n,)`.
    """
    return np.sin(_x(x))


def cos(x: ArrayLike) -> FloatArray:
    """The cosine of every entry.

    Args:
        x: A vector of length n.

    Returns:
        cos(x), shape `(n,)`.
    """
    return np.cos(_x(x))


def absolute(x: ArrayLike) -> FloatArray:
    """The absolute value |x_i| of every entry.

    Args:
        x: A vector of length n.

    Returns:
        |x|, shape `(n,)`.
    """
    return np.abs(_x(x))


def sign(x: ArrayLike) -> FloatArray:
    """The sign of every entry: -1, 0 or 1.

    Args:
        x: A vector of length n.

    Returns:
        sign(x), shape `(n,)`.
    """
    return np.sign(_x(x))


def step(x: ArrayLike) -> FloatArray:
    """The unit step of every entry: 1 where x_i > 0, else 0 (the ReLU's derivative, 0 at 0).

    Args:
        x: A vector of length n.

    Returns:
        1[x > 0] as floats, shape `(n,)`.
    """
    return (_x(x) > 0).astype(np.float64)


_X37 = elementwise(
    "X37",
    title="Element-wise sine: diag(cos x)",
    forward=sin,
    wrt="x",
    derivative=lambda x: np.cos(x),
    latex=_statement(r"\sin", rf"\cos({_X})"),
    diagonal_latex=rf"\cos({_X})",
    args=_ARGS,
    conditions=_DIAGONAL + r" Angles in radians: $\frac{d}{dx}\sin x = \cos x$.",
    keywords=("sine", "sin derivative", "trigonometric"),
)


@_X37.jacobian
def jac_sin(x: ArrayLike) -> FloatArray:
    """X37: the Jacobian of the element-wise sine is diag(cos x).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with cos(x_i) on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_sin
        >>> print(jac_sin([0.0, 1.0]).round(6))
        [[1.       0.      ]
         [0.       0.540302]]
    """


@_X37.vjp
def vjp_sin(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X37 backprop: vᵀJ = (v ⊗ cos x)ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into sin(x), a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_X38 = elementwise(
    "X38",
    title="Element-wise cosine: diag(−sin x)",
    forward=cos,
    wrt="x",
    derivative=lambda x: -np.sin(x),
    latex=_statement(r"\cos", rf"-\sin({_X})"),
    diagonal_latex=rf"(-\sin({_X}))",
    args=_ARGS,
    conditions=_DIAGONAL + r" Angles in radians: $\frac{d}{dx}\cos x = -\sin x$.",
    keywords=("cosine", "cos derivative", "trigonometric"),
)


@_X38.jacobian
def jac_cos(x: ArrayLike) -> FloatArray:
    """X38: the Jacobian of the element-wise cosine is diag(−sin x).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with −sin(x_i) on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_cos
        >>> print(jac_cos([1.0, 2.0]).round(6))
        [[-0.841471  0.      ]
         [ 0.       -0.909297]]
    """


@_X38.vjp
def vjp_cos(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X38 backprop: vᵀJ = (−v ⊗ sin x)ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into cos(x), a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_X39 = elementwise(
    "X39",
    title="Element-wise absolute value: diag(sign x), away from 0",
    forward=absolute,
    wrt="x",
    derivative=lambda x: np.sign(x),
    latex=(
        rf"\frac{{\partial \lvert {_X} \rvert}}{{\partial {_X}}} = "
        rf"\operatorname{{diag}}\big(\operatorname{{sign}}({_X})\big)"
    ),
    diagonal_latex=rf"\operatorname{{sign}}({_X})",
    args={"x": Arg(min_abs=_KINK)},
    conditions=_DIAGONAL + _AT_ZERO.format(what="corner (slope −1 on the left, 1 on the right)", value="0"),
    keywords=("absolute value", "abs derivative", "L1 norm", "modulus"),
)


@_X39.jacobian
def jac_absolute(x: ArrayLike) -> FloatArray:
    """X39: the Jacobian of the element-wise absolute value is diag(sign x), for x_i ≠ 0.

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with sign(x_i) on its diagonal (0 where x_i = 0, by convention), shape `(n, n)`.

    Examples:
        >>> from mcref.ext.activations import jac_absolute
        >>> print(jac_absolute([2.0, -0.5]))
        [[ 1.  0.]
         [ 0. -1.]]
    """


@_X39.vjp
def vjp_absolute(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X39 backprop: vᵀJ = (v ⊗ sign x)ᵀ, without forming the n by n Jacobian.

    Args:
        v: The gradient flowing back into |x|, a vector of length n.
        x: A vector of length n.

    Returns:
        The gradient with respect to x, shape `(n,)`.
    """


_X51 = elementwise(
    "X51",
    title="Element-wise sign: a zero Jacobian, away from 0",
    forward=sign,
    wrt="x",
    derivative=lambda x: 0.0,
    latex=rf"\frac{{\partial \operatorname{{sign}}({_X})}}{{\partial {_X}}} = " + _ZERO,
    vjp_latex=r"\mathbf{v}^T J = \vec{\mathbf{0}}^T",
    args={"x": Arg(min_abs=_KINK)},
    conditions=_DIAGONAL
    + r" sign is constant on each side of 0."
    + _AT_ZERO.format(what="jump from −1 to 1", value="0"),
    keywords=("sign function", "signum", "sign derivative"),
)


@_X51.jacobian
def jac_sign(x: ArrayLike) -> FloatArray:
    """X51: the Jacobian of the element-wise sign is the n by n zero matrix, for x_i ≠ 0.

    Args:
        x: A vector of length n.

    Returns:
        Zeros, shape `(n, n)` (also at x_i = 0, by convention).

    Examples:
        >>> from mcref.ext.activations import jac_sign
        >>> print(jac_sign([2.0, -0.5]))
        [[0. 0.]
         [0. 0.]]
    """


@_X51.vjp
def vjp_sign(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X51 backprop: vᵀJ = 0, shaped like x.

    Args:
        v: The gradient flowing back into sign(x), a vector of length n.
        x: A vector of length n.

    Returns:
        Zeros, shape `(n,)`.
    """


_X52 = elementwise(
    "X52",
    title="Element-wise unit step: a zero Jacobian, away from 0",
    forward=step,
    wrt="x",
    derivative=lambda x: 0.0,
    latex=rf"\frac{{\partial\, \mathbb{{1}}[{_X} > 0]}}{{\partial {_X}}} = " + _ZERO,
    vjp_latex=r"\mathbf{v}^T J = \vec{\mathbf{0}}^T",
    args={"x": Arg(min_abs=_KINK)},
    conditions=_DIAGONAL
    + r" The step $\mathbb{1}[x > 0]$ is the ReLU's derivative ([N6](../rules/neuron.md#N6)), constant on each "
    + "side of 0, so the ReLU's second derivative is 0 there."
    + _AT_ZERO.format(what="jump from 0 to 1", value="0"),
    keywords=("Heaviside step", "unit step", "step function derivative", "ReLU second derivative"),
)


@_X52.jacobian
def jac_step(x: ArrayLike) -> FloatArray:
    """X52: the Jacobian of the element-wise unit step 1[x > 0] is the n by n zero matrix, for x_i ≠ 0.

    Args:
        x: A vector of length n.

    Returns:
        Zeros, shape `(n, n)` (also at x_i = 0, by convention).

    Examples:
        >>> from mcref.ext.activations import jac_step
        >>> print(jac_step([2.0, -0.5, 1.0]).shape)
        (3, 3)
    """


@_X52.vjp
def vjp_step(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X52 backprop: vᵀJ = 0, shaped like x.

    Args:
        v: The gradient flowing back into 1[x > 0], a vector of length n.
        x: A vector of length n.

    Returns:
        Zeros, shape `(n,)`.
    """
