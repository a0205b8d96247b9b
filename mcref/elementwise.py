"""Element-wise binary operators on vectors (paper §4.2, reference §8.2).

For y = w ○ x with ○ one of + − ⊗ ⊘ applied entry by entry, y_i depends on
w_i and x_i only. Every partial ∂y_i/∂w_j with j ≠ i is therefore zero and
both Jacobians are diagonal n by n matrices: this is the paper's *element-wise
diagonal condition*. The functions below return those Jacobians in numerator
layout; since a diagonal matrix is its own transpose, the denominator-layout
Jacobian is the same array.

The paper writes ⊗ for the element-wise (Hadamard) product and ⊘ for
element-wise division; other references write ⊙ for the former.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref import _validate
from mcref._validate import FloatArray
from mcref.registry import Arg, rule

__all__ = [
    "add",
    "divide",
    "jac_add_w",
    "jac_add_x",
    "jac_divide_w",
    "jac_divide_x",
    "jac_multiply_w",
    "jac_multiply_x",
    "jac_subtract_w",
    "jac_subtract_x",
    "multiply",
    "subtract",
]

_W = r"\mathbf{w}"
_X = r"\mathbf{x}"
# w is drawn anywhere in [-2, 2]; a divisor x is kept at |x| >= 0.5, away from its pole.
_ARGS = {"w": Arg(), "x": Arg()}
_DIV_ARGS = {"w": Arg(), "x": Arg(min_abs=0.5)}


def _pair(w: ArrayLike, x: ArrayLike) -> tuple[FloatArray, FloatArray]:
    w = _validate.vector("w", w)
    x = _validate.vector("x", x)
    _validate.same_length(w=w, x=x)
    return w, x


def _nonzero_divisor(x: FloatArray) -> None:
    zero = np.flatnonzero(x == 0)
    if zero.size:
        raise ValueError(f"x must have no zero entry (it is a divisor), got x[{zero[0]}] = 0")


def _statement(op: str, wrt: str, result: str) -> str:
    return rf"\frac{{\partial ({_W} {op} {_X})}}{{\partial {wrt}}} = {result}"


# ----- the forward functions -----


def add(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise sum, y_i = w_i + x_i.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The sum, shape `(n,)`.
    """
    w, x = _pair(w, x)
    return w + x


def subtract(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise difference, y_i = w_i - x_i.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The difference, shape `(n,)`.
    """
    w, x = _pair(w, x)
    return w - x


def multiply(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise (Hadamard) product, y_i = w_i x_i, written w ⊗ x in the paper.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The product, shape `(n,)`.
    """
    w, x = _pair(w, x)
    return w * x


def divide(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise quotient, y_i = w_i / x_i, written w ⊘ x in the paper.

    Args:
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        The quotient, shape `(n,)`.

    Raises:
        ValueError: If an entry of `x` is zero.
    """
    w, x = _pair(w, x)
    _nonzero_divisor(x)
    return w / x


# ----- R6, R7: addition -----


@rule(
    "R6",
    title="Element-wise sum, with respect to w",
    section="4.2, 8.2",
    forward=add,
    wrt="w",
    latex=_statement("+", _W, r"\operatorname{diag}(\vec{\mathbf{1}}) = I"),
    latex_denominator=_statement("+", _W, r"I"),
    shape=("n", "n"),
    args=_ARGS,
)
def jac_add_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R6: the Jacobian of w + x with respect to w is the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.elementwise import jac_add_w
        >>> print(jac_add_w([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 1.]]
    """
    w, _ = _pair(w, x)
    return np.eye(w.shape[0])


@rule(
    "R7",
    title="Element-wise sum, with respect to x",
    section="4.2, 8.2",
    forward=add,
    wrt="x",
    latex=_statement("+", _X, r"\operatorname{diag}(\vec{\mathbf{1}}) = I"),
    latex_denominator=_statement("+", _X, r"I"),
    shape=("n", "n"),
    args=_ARGS,
)
def jac_add_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R7: the Jacobian of w + x with respect to x is the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.elementwise import jac_add_x
        >>> print(jac_add_x([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 1.]]
    """
    _, x = _pair(w, x)
    return np.eye(x.shape[0])


# ----- R8, R9: subtraction -----


@rule(
    "R8",
    title="Element-wise difference, with respect to w",
    section="4.2, 8.2",
    forward=subtract,
    wrt="w",
    latex=_statement("-", _W, r"\operatorname{diag}(\vec{\mathbf{1}}) = I"),
    latex_denominator=_statement("-", _W, r"I"),
    shape=("n", "n"),
    args=_ARGS,
)
def jac_subtract_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R8: the Jacobian of w − x with respect to w is the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.elementwise import jac_subtract_w
        >>> print(jac_subtract_w([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 1.]]
    """
    w, _ = _pair(w, x)
    return np.eye(w.shape[0])


@rule(
    "R9",
    title="Element-wise difference, with respect to x",
    section="4.2, 8.2",
    forward=subtract,
    wrt="x",
    latex=_statement("-", _X, r"\operatorname{diag}(-\vec{\mathbf{1}}) = -I"),
    latex_denominator=_statement("-", _X, r"-I"),
    shape=("n", "n"),
    args=_ARGS,
)
def jac_subtract_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R9: the Jacobian of w − x with respect to x is minus the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        Minus the identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.elementwise import jac_subtract_x
        >>> print(jac_subtract_x([1.0, 2.0], [3.0, 4.0]))
        [[-1.  0.]
         [ 0. -1.]]
    """
    _, x = _pair(w, x)
    return np.diag(np.full(x.shape[0], -1.0))


# ----- R10, R11: Hadamard product -----


@rule(
    "R10",
    title="Hadamard product, with respect to w",
    section="4.2, 8.2",
    forward=multiply,
    wrt="w",
    latex=_statement(r"\otimes", _W, r"\operatorname{diag}(\mathbf{x})"),
    latex_denominator=_statement(r"\otimes", _W, r"\operatorname{diag}(\mathbf{x})"),
    shape=("n", "n"),
    args=_ARGS,
)
def jac_multiply_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R10: the Jacobian of w ⊗ x with respect to w is diag(x).

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The diagonal matrix with `x` on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.elementwise import jac_multiply_w
        >>> print(jac_multiply_w([1.0, 2.0], [3.0, 4.0]))
        [[3. 0.]
         [0. 4.]]
    """
    _, x = _pair(w, x)
    return np.diag(x)


@rule(
    "R11",
    title="Hadamard product, with respect to x",
    section="4.2, 8.2",
    forward=multiply,
    wrt="x",
    latex=_statement(r"\otimes", _X, r"\operatorname{diag}(\mathbf{w})"),
    latex_denominator=_statement(r"\otimes", _X, r"\operatorname{diag}(\mathbf{w})"),
    shape=("n", "n"),
    args=_ARGS,
)
def jac_multiply_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R11: the Jacobian of w ⊗ x with respect to x is diag(w).

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The diagonal matrix with `w` on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.elementwise import jac_multiply_x
        >>> print(jac_multiply_x([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 2.]]
    """
    w, _ = _pair(w, x)
    return np.diag(w)


# ----- R12, R13: element-wise division -----


@rule(
    "R12",
    title="Element-wise division, with respect to w",
    section="4.2, 8.2",
    forward=divide,
    wrt="w",
    latex=_statement(r"\oslash", _W, r"\operatorname{diag}\left(\dots \frac{1}{x_i} \dots\right)"),
    latex_denominator=_statement(r"\oslash", _W, r"\operatorname{diag}\left(\dots \frac{1}{x_i} \dots\right)"),
    shape=("n", "n"),
    args=_DIV_ARGS,
    conditions=r"Every $x_i \ne 0$; the functions raise ValueError otherwise.",
)
def jac_divide_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R12: the Jacobian of w ⊘ x with respect to w is diag(1/x_i).

    Args:
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        The diagonal matrix with 1/x_i on its diagonal, shape `(n, n)`.

    Raises:
        ValueError: If an entry of `x` is zero.

    Examples:
        >>> from mcref.elementwise import jac_divide_w
        >>> print(jac_divide_w([1.0, 2.0], [4.0, -0.5]))
        [[ 0.25  0.  ]
         [ 0.   -2.  ]]
    """
    _, x = _pair(w, x)
    _nonzero_divisor(x)
    return np.diag(1.0 / x)


@rule(
    "R13",
    title="Element-wise division, with respect to x",
    section="4.2, 8.2",
    forward=divide,
    wrt="x",
    latex=_statement(r"\oslash", _X, r"\operatorname{diag}\left(\dots \frac{-w_i}{x_i^2} \dots\right)"),
    latex_denominator=_statement(r"\oslash", _X, r"\operatorname{diag}\left(\dots \frac{-w_i}{x_i^2} \dots\right)"),
    shape=("n", "n"),
    args=_DIV_ARGS,
    conditions=r"Every $x_i \ne 0$; the functions raise ValueError otherwise.",
)
def jac_divide_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R13: the Jacobian of w ⊘ x with respect to x is diag(−w_i/x_i²).

    Args:
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        The diagonal matrix with −w_i/x_i² on its diagonal, shape `(n, n)`.

    Raises:
        ValueError: If an entry of `x` is zero.

    Examples:
        >>> from mcref.elementwise import jac_divide_x
        >>> print(jac_divide_x([1.0, 2.0], [4.0, -0.5]))
        [[-0.0625  0.    ]
         [ 0.     -8.    ]]
    """
    w, x = _pair(w, x)
    _nonzero_divisor(x)
    return np.diag(-w / x**2)
