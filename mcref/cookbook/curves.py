"""Smooth curves through matrices, on which the Cookbook's differential identities are checked.

A differential identity such as d(X⁻¹) = −X⁻¹ (dX) X⁻¹ is a statement about every
perturbation dX. Along a curve X(t) it becomes a derivative with respect to the
number t, which central differences can check. The curves here are quadratic,
X(t) = X₀ + t X₁ + t² X₂, so that a second derivative (the Cookbook's (48)) is
not zero by accident and a first-order identity is tested away from t = 0.

Examples:
    >>> import numpy as np
    >>> from mcref.cookbook.curves import curve
    >>> X, dX, ddX = curve(0.5, np.eye(2), np.ones((2, 2)), np.zeros((2, 2)))
    >>> print(X)
    [[1.5 0.5]
     [0.5 1.5]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg
from mcref.core.validate import FloatArray

__all__ = ["T", "conditioned", "curve", "matrix_curve_args"]

T = Arg(shape=(), low=-0.25, high=0.25)
"""The curve parameter t: a number in [−0.25, 0.25]."""


def matrix_curve_args(name: str, shape: tuple[Any, ...]) -> dict[str, Arg]:
    """The three arguments `{name}0, {name}1, {name}2` of a quadratic curve of matrices of `shape`.

    The point X₀ is drawn from [−2, 2] (and kept away from singular for a square
    shape), the velocity X₁ from [−1, 1] and the curvature X₂ from [−0.5, 0.5].
    """
    square = len(shape) == 2 and shape[0] == shape[1]
    return {
        f"{name}0": Arg(shape=shape, max_condition=1e3 if square else 0.0),
        f"{name}1": Arg(shape=shape, low=-1.0, high=1.0),
        f"{name}2": Arg(shape=shape, low=-0.5, high=0.5),
    }


def curve(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The point, velocity and acceleration of X(t) = X₀ + t X₁ + t² X₂.

    Args:
        t: The curve parameter, a number.
        X0: The point at t = 0, a matrix.
        X1: The velocity at t = 0, the shape of X0.
        X2: Half the acceleration, the shape of X0.

    Returns:
        (X(t), X'(t), X''(t)) = (X₀ + t X₁ + t² X₂, X₁ + 2t X₂, 2 X₂).

    Raises:
        ValueError: If the three matrices do not have one shape, or a value is not finite.
    """
    t = validate.scalar("t", t)
    P = validate.matrix("X0", X0)
    V = validate.matrix("X1", X1)
    A = validate.matrix("X2", X2)
    if V.shape != P.shape or A.shape != P.shape:
        raise ValueError(
            f"X0, X1 and X2 must have one shape (a curve of matrices), got {P.shape}, {V.shape} and {A.shape}"
        )
    return P + t * V + t * t * A, V + 2 * t * A, 2 * A


def conditioned(M: ArrayLike, limit: float = 1e3, floor: float = 1e-3) -> bool:
    """Whether a square matrix is invertible with a condition number (2-norm) of at most `limit`
    and no singular value below `floor`.

    A domain predicate for rules whose curve must stay where float64 inverts well.
    """
    singular = np.linalg.svd(np.asarray(M, dtype=np.float64), compute_uv=False)
    # no singular value below the floor either: central differences step by 1e-6
    return bool(singular.size and singular[-1] >= floor and singular[0] <= limit * singular[-1])
