"""Scalar expansion (paper §4.3, reference §8.3).

Adding a scalar z to a vector x, or multiplying x by z, applies the scalar to
every entry: x + z is x + 1z and xz is x ⊗ 1z, where 1 is the vector of n ones.
This is what numpy calls broadcasting. Writing the scalar as the vector 1z makes
both operations element-wise binary operators (see `mcref.paper.elementwise`), so
their Jacobians with respect to x are diagonal. With respect to the scalar z,
the derivative of an n-vector is an n by 1 column in numerator layout (a 1 by n
row in denominator layout).

The scalar z does not depend on x, and x does not depend on z.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, elementwise, rule, vjp_of
from mcref.core.validate import FloatArray

# __all__ lists the rule functions: forward functions, closed forms and VJPs, which
# tests/test_validation.py sweeps with bad input through the registry.
__all__ = [
    "add_scalar",
    "jac_add_scalar_x",
    "jac_add_scalar_z",
    "jac_multiply_scalar_x",
    "jac_multiply_scalar_z",
    "multiply_scalar",
    "vjp_add_scalar_x",
    "vjp_add_scalar_z",
    "vjp_multiply_scalar_x",
    "vjp_multiply_scalar_z",
]

_X = r"\mathbf{x}"
_ONES = r"\vec{\mathbf{1}}"
_ARGS = {"x": Arg(), "z": Arg(shape=())}


def _vector_and_scalar(x: ArrayLike, z: ArrayLike) -> tuple[FloatArray, float]:
    return validate.vector("x", x), validate.scalar("z", z)


def _vjp_statement(result: str) -> str:
    return rf"\mathbf{{v}}^T J = {result}"


# ----- the forward functions -----


def add_scalar(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """Add a scalar to every entry of a vector: y_i = x_i + z, that is y = x + 1z.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        The sum, shape `(n,)`.

    Raises:
        ValueError: If the sum overflows float64.
    """
    x, z = _vector_and_scalar(x, z)
    with np.errstate(over="ignore"):
        return validate.finite_result("x + z", x + z)


def multiply_scalar(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """Scale every entry of a vector by a scalar: y_i = x_i z, that is y = x ⊗ 1z.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        The product, shape `(n,)`.

    Raises:
        ValueError: If the product overflows float64.
    """
    x, z = _vector_and_scalar(x, z)
    with np.errstate(over="ignore"):
        return validate.finite_result("x z", x * z)


# ----- R14, R15: adding a scalar -----


_R14 = elementwise(
    "R14",
    title="Vector plus scalar, with respect to x",
    section="4.3, 8.3",
    forward=add_scalar,
    wrt="x",
    derivative=lambda x, z: 1.0,
    latex=rf"\frac{{\partial}}{{\partial {_X}}} ({_X} + z) = \operatorname{{diag}}({_ONES}) = I",
    args=_ARGS,
    conditions=r"$z$ is a scalar that does not depend on $\mathbf{x}$.",
    vjp_latex=_vjp_statement(r"\mathbf{v}^T"),
    keywords=("broadcasting", "add a scalar to a vector", "scalar addition"),
)


@_R14.jacobian
def jac_add_scalar_x(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R14: the Jacobian of x + z with respect to x is the identity.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        The identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.expansion import jac_add_scalar_x
        >>> print(jac_add_scalar_x([1.0, 2.0, 3.0], 10.0))
        [[1. 0. 0.]
         [0. 1. 0.]
         [0. 0. 1.]]
    """


@_R14.vjp
def vjp_add_scalar_x(v: ArrayLike, x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R14 backprop form: vᵀJ = vᵀI = vᵀ: adding z passes the gradient on to x unchanged.

    Args:
        v: The gradient flowing back into x + z, a vector of length n.
        x: A vector of length n.
        z: A scalar.

    Returns:
        A copy of v, shape `(n,)` (shaped like x).

    Examples:
        >>> from mcref.paper.expansion import vjp_add_scalar_x
        >>> print(vjp_add_scalar_x([1.0, -2.0, 0.5], [1.0, 2.0, 3.0], 10.0))
        [ 1.  -2.   0.5]
    """


@rule(
    "R15",
    title="Vector plus scalar, with respect to z",
    section="4.3, 8.3",
    forward=add_scalar,
    wrt="z",
    latex=rf"\frac{{\partial}}{{\partial z}} ({_X} + z) = {_ONES}",
    latex_denominator=rf"\frac{{\partial}}{{\partial z}} ({_X} + z) = {_ONES}^T",
    shape=("n", 1),
    args=_ARGS,
    conditions=(
        r"$\mathbf{x}$ does not depend on $z$. The result is a column of $n$ ones in numerator layout"
        r" and a row in denominator layout."
    ),
    keywords=("broadcasting", "add a scalar to a vector", "scalar addition"),
)
def jac_add_scalar_z(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R15: the derivative of x + z with respect to the scalar z is a column of ones.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        The vector of ones as a column, shape `(n, 1)`.

    Examples:
        >>> from mcref.paper.expansion import jac_add_scalar_z
        >>> print(jac_add_scalar_z([1.0, 2.0, 3.0], 10.0))
        [[1.]
         [1.]
         [1.]]
    """
    x, _ = _vector_and_scalar(x, z)
    return np.ones((x.shape[0], 1))


@vjp_of("R15", latex=rf"\mathbf{{v}}^T J = \mathbf{{v}}^T {_ONES} = \sum_i v_i")
def vjp_add_scalar_z(v: ArrayLike, x: ArrayLike, z: ArrayLike) -> np.float64:
    """R15 backprop form: vᵀJ = vᵀ1 = Σ_i v_i: z reaches every entry, so its gradient adds them up.

    A broadcast forward is a sum backward: z was copied into all n entries of
    x + z, and each copy sends its share of the gradient back.

    Args:
        v: The gradient flowing back into x + z, a vector of length n.
        x: A vector of length n.
        z: A scalar.

    Returns:
        The sum of the entries of v, a float64 scalar (shaped like z).

    Raises:
        ValueError: If the sum overflows float64.

    Examples:
        >>> from mcref.paper.expansion import vjp_add_scalar_z
        >>> print(vjp_add_scalar_z([1.0, -2.0, 0.5], [1.0, 2.0, 3.0], 10.0))
        -0.5
    """
    x, _ = _vector_and_scalar(x, z)
    v = validate.cotangent(v, x.shape[0], "x + z")
    return np.float64(np.sum(v))


# ----- R16, R17: multiplying by a scalar -----


_R16 = elementwise(
    "R16",
    title="Vector times scalar, with respect to x",
    section="4.3, 8.3",
    forward=multiply_scalar,
    wrt="x",
    derivative=lambda x, z: z,
    latex=rf"\frac{{\partial}}{{\partial {_X}}} ({_X} z) = \operatorname{{diag}}({_ONES} z) = I z",
    args=_ARGS,
    conditions=r"$z$ is a scalar that does not depend on $\mathbf{x}$.",
    vjp_latex=_vjp_statement(r"z \mathbf{v}^T"),
    keywords=("broadcasting", "scalar multiplication", "scalar times vector", "scaling a vector"),
)


@_R16.jacobian
def jac_multiply_scalar_x(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R16: the Jacobian of x z with respect to x is I z, z on the diagonal.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        The identity matrix times z, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.expansion import jac_multiply_scalar_x
        >>> print(jac_multiply_scalar_x([1.0, 2.0, 3.0], 2.5))
        [[2.5 0.  0. ]
         [0.  2.5 0. ]
         [0.  0.  2.5]]
    """


@_R16.vjp
def vjp_multiply_scalar_x(v: ArrayLike, x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R16 backprop form: vᵀJ = vᵀ(I z) = z vᵀ, returned shaped like x.

    Args:
        v: The gradient flowing back into x z, a vector of length n.
        x: A vector of length n.
        z: A scalar.

    Returns:
        z v, shape `(n,)` (shaped like x).

    Raises:
        ValueError: If the product overflows float64.

    Examples:
        >>> from mcref.paper.expansion import vjp_multiply_scalar_x
        >>> print(vjp_multiply_scalar_x([1.0, -2.0, 0.5], [1.0, 2.0, 3.0], 2.5))
        [ 2.5  -5.    1.25]
    """


@rule(
    "R17",
    title="Vector times scalar, with respect to z",
    section="4.3, 8.3",
    forward=multiply_scalar,
    wrt="z",
    latex=rf"\frac{{\partial}}{{\partial z}} ({_X} z) = {_X}",
    latex_denominator=rf"\frac{{\partial}}{{\partial z}} ({_X} z) = {_X}^T",
    shape=("n", 1),
    args=_ARGS,
    conditions=(
        r"$\mathbf{x}$ does not depend on $z$. The result is $\mathbf{x}$ as a column in numerator"
        r" layout and $\mathbf{x}^T$, a row, in denominator layout."
    ),
    keywords=("broadcasting", "scalar multiplication", "scalar times vector", "scaling a vector"),
)
def jac_multiply_scalar_z(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R17: the derivative of x z with respect to the scalar z is x, as a column.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        `x` as a column, shape `(n, 1)`.

    Examples:
        >>> from mcref.paper.expansion import jac_multiply_scalar_z
        >>> print(jac_multiply_scalar_z([1.0, 2.0, 3.0], 2.5))
        [[1.]
         [2.]
         [3.]]
    """
    x, _ = _vector_and_scalar(x, z)
    return x.reshape(-1, 1)


@vjp_of("R17", latex=rf"\mathbf{{v}}^T J = \mathbf{{v}}^T {_X} = {_X} \cdot \mathbf{{v}}")
def vjp_multiply_scalar_z(v: ArrayLike, x: ArrayLike, z: ArrayLike) -> np.float64:
    """R17 backprop form: vᵀJ = vᵀx = x · v, a scalar like z.

    Args:
        v: The gradient flowing back into x z, a vector of length n.
        x: A vector of length n.
        z: A scalar.

    Returns:
        x · v, a float64 scalar (shaped like z).

    Raises:
        ValueError: If the dot product overflows float64.

    Examples:
        >>> from mcref.paper.expansion import vjp_multiply_scalar_z
        >>> print(vjp_multiply_scalar_z([1.0, -2.0, 0.5], [1.0, 2.0, 3.0], 2.5))
        -1.5
    """
    x, _ = _vector_and_scalar(x, z)
    v = validate.cotangent(v, x.shape[0], "x z")
    return np.float64(np.dot(x, v))
