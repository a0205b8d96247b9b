"""Scalar derivative rules (paper §2).

The paper opens with a review of the derivative rules for functions of one
real variable. Each is registered here as a rule whose variable is a scalar
`x` and whose derivative is a `(1, 1)` array, the one-by-one Jacobian, so the
generic tests check it with a one-dimensional central difference like every
other rule.

Rules with a constant (S1 constant, S2 multiplication by a constant, S3 power,
S8 linearity) are registered in general: the constant `c` or the exponent `n`
is an extra scalar argument that the tests draw at random. Rules that combine
two functions (S4 sum, S5 difference, S6 product, S7 chain) are registered as
the paper's example of the rule, since a rule about "any f and g" needs some
f and g to be checked.

Forward functions return a float64 scalar (`numpy.float64`); closed forms
return a float64 array of shape `(1, 1)`. A point outside a function's domain
(`ln` of zero, a real power of a negative number) or a value beyond float64
raises `ValueError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, rule
from mcref.core.validate import FloatArray

__all__ = [
    "c_times_x_plus_square",
    "constant",
    "d_c_times_x_plus_square",
    "d_constant",
    "d_log_of_square",
    "d_power",
    "d_square_minus_three_x",
    "d_square_plus_three_x",
    "d_square_times_x",
    "d_times_constant",
    "log_of_square",
    "power",
    "square_minus_three_x",
    "square_plus_three_x",
    "square_times_x",
    "times_constant",
]

# x and the constants are drawn from [-2, 2]; the power rule's x from [0.5, 2] (a real
# exponent needs x > 0), and ln(x²)'s x at |x| >= 0.5, away from its pole at 0.
_X = Arg(shape=())
_C = Arg(shape=())
_POSITIVE_X = Arg(shape=(), low=0.5, high=2.0)
_EXPONENT = Arg(shape=(), low=-3.0, high=3.0)
_NONZERO_X = Arg(shape=(), min_abs=0.5)
_SHAPE = (1, 1)


def _value(what: str, value: Any, **point: float) -> np.float64:
    """`value` as a float64 scalar, or ValueError if it overflowed float64."""
    out = np.float64(value)
    if not np.isfinite(out):
        at = ", ".join(f"{k}={v!r}" for k, v in point.items())
        raise ValueError(f"{what} overflows float64 at {at}")
    return out


def _derivative(what: str, value: Any, **point: float) -> FloatArray:
    """`value` as a (1, 1) float64 array, or ValueError if it overflowed float64."""
    return np.full(_SHAPE, _value(what, value, **point))


def _statement(general: str, example: str) -> str:
    """The general rule and the paper's example, side by side."""
    return rf"{general}, \qquad \text{{e.g.}} \quad {example}"


# ----- S1: the constant rule -----


def constant(x: ArrayLike, c: ArrayLike) -> np.float64:
    """The constant function f(x) = c.

    Args:
        x: The point, a scalar (the value does not depend on it).
        c: The constant, a scalar.

    Returns:
        `c`, as a float64 scalar.
    """
    validate.scalar("x", x)
    return np.float64(validate.scalar("c", c))


@rule(
    "S1",
    title="Constant rule",
    section="2",
    forward=constant,
    wrt="x",
    latex=_statement(r"\frac{d}{dx}\, c = 0", r"\frac{d}{dx}\, 99 = 0"),
    shape=_SHAPE,
    args={"x": _X, "c": _C},
    conditions=r"$c$ does not depend on $x$.",
    keywords=("derivative of a constant", "constant function", "always zero"),
)
def d_constant(x: ArrayLike, c: ArrayLike) -> FloatArray:
    """S1: the derivative of a constant is 0.

    Args:
        x: The point, a scalar.
        c: The constant, a scalar.

    Returns:
        `[[0.0]]`, shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.scalar import d_constant
        >>> print(d_constant(5.0, 99.0))
        [[0.]]
    """
    validate.scalar("x", x)
    validate.scalar("c", c)
    return np.zeros(_SHAPE)


# ----- S2: multiplication by a constant -----


def times_constant(x: ArrayLike, c: ArrayLike) -> np.float64:
    """The scaled identity f(x) = c x, the paper's example of c f(x) with f(x) = x.

    Args:
        x: The point, a scalar.
        c: The constant factor, a scalar.

    Returns:
        `c * x`, as a float64 scalar.

    Raises:
        ValueError: If `c * x` overflows float64.
    """
    x = validate.scalar("x", x)
    c = validate.scalar("c", c)
    with np.errstate(over="ignore"):
        return _value("c * x", np.float64(c) * x, x=x, c=c)


@rule(
    "S2",
    title="Multiplication by a constant",
    section="2",
    forward=times_constant,
    wrt="x",
    latex=_statement(r"\frac{d}{dx}\, c f = c \frac{df}{dx}", r"\frac{d}{dx}\, 3x = 3"),
    shape=_SHAPE,
    args={"x": _X, "c": _C},
    conditions=r"$c$ does not depend on $x$. Checked with $f(x) = x$, so $\frac{d}{dx}\, c x = c$.",
    keywords=("constant multiple rule", "constant factor", "scalar multiple"),
)
def d_times_constant(x: ArrayLike, c: ArrayLike) -> FloatArray:
    """S2: the derivative of c x is c (the constant factor comes out of d/dx).

    Args:
        x: The point, a scalar.
        c: The constant factor, a scalar.

    Returns:
        `[[c]]`, shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.scalar import d_times_constant
        >>> print(d_times_constant(5.0, 3.0))
        [[3.]]
    """
    validate.scalar("x", x)
    return np.full(_SHAPE, validate.scalar("c", c))


# ----- S3: the power rule -----


def _power_domain(x: float, n: float) -> None:
    if not float(n).is_integer() and x <= 0:
        raise ValueError(
            f"x must be > 0 when the exponent n is not an integer (x**n is not a real number otherwise), "
            f"got x={x!r}, n={n!r}"
        )
    if x == 0 and n < 0:
        raise ValueError(
            f"x must be nonzero when the exponent n is negative (x**n has a pole at 0), got x=0.0, n={n!r}"
        )


def power(x: ArrayLike, n: ArrayLike) -> np.float64:
    """The power function f(x) = x**n.

    An integer exponent (a whole number, given as int or float) works for any x,
    except x = 0 with n < 0; any other real exponent needs x > 0.

    Args:
        x: The point, a scalar.
        n: The exponent, a scalar.

    Returns:
        `x**n`, as a float64 scalar.

    Raises:
        ValueError: Outside the domain above, or if `x**n` overflows float64.
    """
    x = validate.scalar("x", x)
    n = validate.scalar("n", n)
    _power_domain(x, n)
    with np.errstate(over="ignore"):
        return _value("x**n", np.power(np.float64(x), n), x=x, n=n)


@rule(
    "S3",
    title="Power rule",
    section="2",
    forward=power,
    wrt="x",
    latex=_statement(r"\frac{d}{dx}\, x^n = n x^{n-1}", r"\frac{d}{dx}\, x^3 = 3x^2"),
    shape=_SHAPE,
    args={"x": _POSITIVE_X, "n": _EXPONENT},
    conditions=(
        r"For a real exponent $n$, $x > 0$ (so the checks draw $x$ from $[0.5, 2]$ and $n$ from $[-3, 3]$). "
        r"For an integer $n$ the rule holds at every $x$, except $x = 0$ when $n < 0$; "
        r"the functions raise ValueError outside these domains."
    ),
    keywords=("polynomial", "monomial", "exponent", "x to the n"),
)
def d_power(x: ArrayLike, n: ArrayLike) -> FloatArray:
    """S3: the derivative of x**n is n x**(n - 1).

    Args:
        x: The point, a scalar (> 0 unless `n` is a whole number).
        n: The exponent, a scalar.

    Returns:
        `[[n * x**(n - 1)]]`, shape `(1, 1)`; `[[0.0]]` when `n` is 0.

    Raises:
        ValueError: Outside the domain of [`power`][mcref.paper.scalar.power], or on overflow.

    Examples:
        >>> from mcref.paper.scalar import d_power
        >>> print(d_power(2.0, 3))
        [[12.]]
        >>> print(d_power(-2.0, 3))
        [[12.]]
        >>> print(d_power(4.0, 0.5))
        [[0.25]]
    """
    x = validate.scalar("x", x)
    n = validate.scalar("n", n)
    _power_domain(x, n)
    if n == 0:  # x**0 = 1 is constant; n x**(n-1) would be 0 * inf at x = 0
        return np.zeros(_SHAPE)
    return _derivative("n * x**(n - 1)", n * np.power(np.float64(x), n - 1), x=x, n=n)


# ----- S4, S5: sum and difference (the paper's examples) -----


def square_plus_three_x(x: ArrayLike) -> np.float64:
    """The paper's sum example, f(x) = x² + 3x.

    Args:
        x: The point, a scalar.

    Returns:
        `x**2 + 3*x`, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x = validate.scalar("x", x)
    with np.errstate(over="ignore"):
        return _value("x**2 + 3*x", np.float64(x) ** 2 + 3 * x, x=x)


@rule(
    "S4",
    title="Sum rule",
    section="2",
    forward=square_plus_three_x,
    wrt="x",
    latex=_statement(r"\frac{d}{dx}(f + g) = \frac{df}{dx} + \frac{dg}{dx}", r"\frac{d}{dx}(x^2 + 3x) = 2x + 3"),
    shape=_SHAPE,
    args={"x": _X},
    conditions=r"$f$ and $g$ are differentiable at $x$. Checked with the paper's $f = x^2$, $g = 3x$.",
    keywords=("derivative of a sum", "addition rule", "sum of functions"),
)
def d_square_plus_three_x(x: ArrayLike) -> FloatArray:
    """S4: the derivative of x² + 3x is 2x + 3, the sum of the two derivatives.

    Args:
        x: The point, a scalar.

    Returns:
        `[[2*x + 3]]`, shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.scalar import d_square_plus_three_x
        >>> print(d_square_plus_three_x(2.0))
        [[7.]]
    """
    x = validate.scalar("x", x)
    return _derivative("2*x + 3", 2 * np.float64(x) + 3, x=x)


def square_minus_three_x(x: ArrayLike) -> np.float64:
    """The paper's difference example, f(x) = x² − 3x.

    Args:
        x: The point, a scalar.

    Returns:
        `x**2 - 3*x`, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x = validate.scalar("x", x)
    with np.errstate(over="ignore"):
        return _value("x**2 - 3*x", np.float64(x) ** 2 - 3 * x, x=x)


@rule(
    "S5",
    title="Difference rule",
    section="2",
    forward=square_minus_three_x,
    wrt="x",
    latex=_statement(r"\frac{d}{dx}(f - g) = \frac{df}{dx} - \frac{dg}{dx}", r"\frac{d}{dx}(x^2 - 3x) = 2x - 3"),
    shape=_SHAPE,
    args={"x": _X},
    conditions=r"$f$ and $g$ are differentiable at $x$. Checked with the paper's $f = x^2$, $g = 3x$.",
    keywords=("derivative of a difference", "subtraction rule"),
)
def d_square_minus_three_x(x: ArrayLike) -> FloatArray:
    """S5: the derivative of x² − 3x is 2x − 3, the difference of the two derivatives.

    Args:
        x: The point, a scalar.

    Returns:
        `[[2*x - 3]]`, shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.scalar import d_square_minus_three_x
        >>> print(d_square_minus_three_x(2.0))
        [[1.]]
    """
    x = validate.scalar("x", x)
    return _derivative("2*x - 3", 2 * np.float64(x) - 3, x=x)


# ----- S6: the product rule (the paper's example) -----


def square_times_x(x: ArrayLike) -> np.float64:
    """The paper's product example, f(x) = x² · x.

    Args:
        x: The point, a scalar.

    Returns:
        `x**2 * x`, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x = validate.scalar("x", x)
    with np.errstate(over="ignore"):
        return _value("x**2 * x", np.float64(x) ** 2 * x, x=x)


@rule(
    "S6",
    title="Product rule",
    section="2",
    forward=square_times_x,
    wrt="x",
    latex=_statement(
        r"\frac{d}{dx}(f g) = f \frac{dg}{dx} + \frac{df}{dx} g",
        r"\frac{d}{dx}(x^2 x) = x^2 \cdot 1 + 2x \cdot x = 3x^2",
    ),
    shape=_SHAPE,
    args={"x": _X},
    conditions=r"$f$ and $g$ are differentiable at $x$. Checked with the paper's $f = x^2$, $g = x$.",
    keywords=("derivative of a product", "Leibniz rule"),
)
def d_square_times_x(x: ArrayLike) -> FloatArray:
    """S6: the derivative of x² · x is x² · 1 + 2x · x = 3x².

    Args:
        x: The point, a scalar.

    Returns:
        `[[3 * x**2]]`, shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.scalar import d_square_times_x
        >>> print(d_square_times_x(2.0))
        [[12.]]
    """
    x = validate.scalar("x", x)
    xf = np.float64(x)
    # the product rule term by term: f dg/dx + df/dx g with f = x², g = x
    return _derivative("3 * x**2", xf**2 * 1.0 + (2 * xf) * xf, x=x)


# ----- S7: the chain rule (the paper's example) -----


def _nonzero_x(x: float) -> None:
    if x == 0:
        raise ValueError("x must be nonzero (ln(x**2) has a pole at x = 0), got x=0.0")


def log_of_square(x: ArrayLike) -> np.float64:
    """The paper's chain-rule example, f(x) = ln(x²).

    Computed as `2 ln|x|`, which is equal for x ≠ 0 and does not underflow
    when x² would.

    Args:
        x: The point, a nonzero scalar.

    Returns:
        `ln(x**2)`, as a float64 scalar.

    Raises:
        ValueError: If `x` is zero.
    """
    x = validate.scalar("x", x)
    _nonzero_x(x)
    return np.float64(2.0 * np.log(abs(x)))


@rule(
    "S7",
    title="Chain rule",
    section="2",
    forward=log_of_square,
    wrt="x",
    latex=_statement(
        r"\frac{d}{dx} f(g(x)) = \frac{df(u)}{du} \frac{du}{dx}, \; u = g(x)",
        r"\frac{d}{dx} \ln(x^2) = \frac{1}{x^2} \, 2x = \frac{2}{x}",
    ),
    shape=_SHAPE,
    args={"x": _NONZERO_X},
    conditions=(
        r"$g$ is differentiable at $x$ and $f$ at $u = g(x)$. Checked with the paper's "
        r"$f(u) = \ln u$, $u = x^2$, which needs $x \ne 0$; the functions raise ValueError at $x = 0$."
    ),
    keywords=("composition", "composite function", "function of a function", "nested functions"),
)
def d_log_of_square(x: ArrayLike) -> FloatArray:
    """S7: the derivative of ln(x²) is (1/x²) · 2x = 2/x, by the chain rule with u = x².

    Args:
        x: The point, a nonzero scalar.

    Returns:
        `[[2 / x]]`, shape `(1, 1)`.

    Raises:
        ValueError: If `x` is zero, or `2 / x` overflows float64.

    Examples:
        >>> from mcref.paper.scalar import d_log_of_square
        >>> print(d_log_of_square(2.0))
        [[1.]]
        >>> print(d_log_of_square(-0.5))
        [[-4.]]
    """
    x = validate.scalar("x", x)
    _nonzero_x(x)
    # df/du = 1/u at u = x², times du/dx = 2x, simplified to 2/x
    return _derivative("2 / x", 2.0 / np.float64(x), x=x)


# ----- S8: d/dx is linear -----


def c_times_x_plus_square(x: ArrayLike, c: ArrayLike) -> np.float64:
    """The paper's linearity example with its 9 made a constant c: f(x) = c (x + x²).

    Args:
        x: The point, a scalar.
        c: The constant factor, a scalar (the paper's example has c = 9).

    Returns:
        `c * (x + x**2)`, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x = validate.scalar("x", x)
    c = validate.scalar("c", c)
    xf = np.float64(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return _value("c * (x + x**2)", c * (xf + xf**2), x=x, c=c)


@rule(
    "S8",
    title="Linearity of d/dx",
    section="2",
    forward=c_times_x_plus_square,
    wrt="x",
    latex=_statement(
        r"\frac{d}{dx}\, c\,(x + x^2) = c \left( \frac{dx}{dx} + \frac{dx^2}{dx} \right) = c\,(1 + 2x)",
        r"\frac{d}{dx}\, 9(x + x^2) = 9 + 18x",
    ),
    shape=_SHAPE,
    args={"x": _X, "c": _C},
    conditions=r"$c$ does not depend on $x$; the paper's example is $c = 9$.",
    keywords=("linearity of differentiation", "linear operator"),
)
def d_c_times_x_plus_square(x: ArrayLike, c: ArrayLike) -> FloatArray:
    """S8: d/dx is linear, so the derivative of c (x + x²) is c (1 + 2x); with c = 9, 9 + 18x.

    Args:
        x: The point, a scalar.
        c: The constant factor, a scalar.

    Returns:
        `[[c * (1 + 2*x)]]`, shape `(1, 1)`.

    Raises:
        ValueError: If the value overflows float64.

    Examples:
        >>> from mcref.paper.scalar import d_c_times_x_plus_square
        >>> print(d_c_times_x_plus_square(2.0, 9.0))
        [[45.]]
    """
    x = validate.scalar("x", x)
    c = validate.scalar("c", c)
    # the constant comes out, then the sum rule: c (d/dx x + d/dx x²)
    return _derivative("c * (1 + 2*x)", c * (1.0 + 2 * np.float64(x)), x=x, c=c)
