"""Gradients and Jacobians (paper §4.1, reference §8.1)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref import _validate
from mcref._validate import FloatArray
from mcref.registry import Arg, rule

__all__ = ["identity", "jac_identity"]


# ----- R3: the identity function -----


def identity(x: ArrayLike) -> FloatArray:
    """The identity function on vectors, f(x) = x.

    Args:
        x: A vector of length n.

    Returns:
        A float64 copy of `x`, shape `(n,)`.
    """
    return _validate.vector("x", x)


@rule(
    "R3",
    title="Jacobian of the identity function",
    section="4.1, 8.1",
    forward=identity,
    wrt="x",
    latex=r"\frac{\partial \mathbf{x}}{\partial \mathbf{x}} = I",
    latex_denominator=r"\frac{\partial \mathbf{x}}{\partial \mathbf{x}} = I",
    shape=("n", "n"),
    args={"x": Arg()},
)
def jac_identity(x: ArrayLike) -> FloatArray:
    """R3: the Jacobian of f(x) = x is the n by n identity matrix.

    Entry (i, j) is the partial of x_i with respect to x_j: 1 on the diagonal,
    0 off it, since x_i does not move when another entry moves.

    Args:
        x: The point, a vector of length n (only its length matters).

    Returns:
        The identity matrix, shape `(n, n)`, numerator layout.

    Examples:
        >>> from mcref.jacobians import jac_identity
        >>> print(jac_identity([5.0, -1.0, 2.0]))
        [[1. 0. 0.]
         [0. 1. 0.]
         [0. 0. 1.]]
    """
    n = _validate.vector("x", x).shape[0]
    return np.eye(n)
