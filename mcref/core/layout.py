"""Converting derivatives between layouts, and to the shape frameworks use.

The same partial derivatives can be laid out two ways. In *numerator layout*
(the paper's, and `mcref`'s) the Jacobian of y in R^m with respect to x in R^n
is `(m, n)`: one row per output. In *denominator layout* it is the transpose,
`(n, m)`: one row per input. So converting between the two is a transpose of
a 2-D array, in either direction.

Deep-learning frameworks store the gradient of a scalar loss with the shape of
the variable it is taken with respect to: a length-n gradient for a length-n
vector, an `(m, n)` gradient for an `(m, n)` matrix. For a scalar loss that is
the denominator layout. `mcref` computes such a gradient as a `(1, k)` row,
with k the number of entries of the variable and a matrix variable flattened in
row-major (C) order, as [`numerical_jacobian`][mcref.core.numerical.numerical_jacobian]
does; [`gradient_like_input`][mcref.core.layout.gradient_like_input] reshapes that
row to the variable's shape and [`gradient_as_row`][mcref.core.layout.gradient_as_row]
goes back.

These are conversions, not rules: they have no derivative of their own.

Examples:
    >>> import numpy as np
    >>> from mcref.core.layout import gradient_like_input, to_denominator
    >>> row = np.array([[12.0, 12.0]])      # R1 at (x, y) = (2, 1), numerator layout
    >>> print(to_denominator(row))
    [[12.]
     [12.]]
    >>> print(gradient_like_input(row, (2,)))
    [12. 12.]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.validate import FloatArray

__all__ = ["gradient_as_row", "gradient_like_input", "to_denominator", "to_numerator"]


def to_denominator(jacobian: ArrayLike) -> FloatArray:
    """Convert a numerator-layout Jacobian to denominator layout: its transpose.

    Args:
        jacobian: A 2-D array: `(m, n)` for an m-vector by an n-vector, `(1, n)`
            for a gradient, `(m, 1)` for a derivative by a scalar.

    Returns:
        A float64 copy of the transpose, shape `(n, m)`.

    Raises:
        TypeError: If `jacobian` is not numeric.
        ValueError: If it is not 2-D, is empty or is not finite.

    Examples:
        >>> from mcref.core.layout import to_denominator
        >>> J = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]   # 2 outputs, 3 inputs
        >>> print(to_denominator(J))
        [[1. 4.]
         [2. 5.]
         [3. 6.]]
    """
    what = "a Jacobian in numerator layout; a gradient is a 2-D row or column"
    return validate.matrix("jacobian", jacobian, what=what).T.copy()


def to_numerator(jacobian: ArrayLike) -> FloatArray:
    """Convert a denominator-layout Jacobian to numerator layout: its transpose.

    The inverse of [`to_denominator`][mcref.core.layout.to_denominator].

    Args:
        jacobian: A 2-D array in denominator layout: `(n, m)` for an m-vector
            by an n-vector, `(n, 1)` for a gradient.

    Returns:
        A float64 copy of the transpose, shape `(m, n)`.

    Raises:
        TypeError: If `jacobian` is not numeric.
        ValueError: If it is not 2-D, is empty or is not finite.

    Examples:
        >>> from mcref.core.layout import to_numerator
        >>> print(to_numerator([[6.0], [12.0]]))   # a gradient column becomes a row
        [[ 6. 12.]]
    """
    what = "a Jacobian in denominator layout; a gradient is a 2-D row or column"
    return validate.matrix("jacobian", jacobian, what=what).T.copy()


def _shape(shape: Any) -> tuple[int, ...]:
    """`shape` as a tuple of ints >= 1: an int n means (n,), () means a scalar."""
    if isinstance(shape, (bool, np.bool_)):
        raise TypeError(f"shape must be an int or a sequence of ints, got {type(shape).__name__}")
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (Sequence, np.ndarray)):
        raise TypeError(f"shape must be an int or a sequence of ints, got {type(shape).__name__} {shape!r}")
    dims = []
    for d in shape:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"shape must hold ints, got {type(d).__name__} {d!r} in {tuple(shape)!r}")
        if d < 1:
            raise ValueError(f"shape must hold sizes >= 1, got {tuple(int(s) for s in shape)!r}")
        dims.append(int(d))
    return tuple(dims)


def gradient_like_input(gradient: ArrayLike, shape: int | Sequence[int]) -> FloatArray:
    """Reshape a numerator-layout gradient row to the shape of its variable, as frameworks store it.

    `jax.grad` and PyTorch's `.grad` give the gradient of a scalar with the
    shape of the variable; for a scalar loss this is the denominator layout.
    A matrix variable's entries are read in row-major (C) order, the order
    [`numerical_jacobian`][mcref.core.numerical.numerical_jacobian] uses.

    Args:
        gradient: The gradient of a scalar as a `(1, k)` row, numerator layout.
        shape: The variable's shape, with k entries in all: `n` or `(n,)` for a
            vector, `(m, n)` for a matrix, `()` for a scalar.

    Returns:
        A float64 array of shape `shape`.

    Raises:
        TypeError: If `gradient` is not numeric or `shape` is not ints.
        ValueError: If `gradient` is not a `(1, k)` row or is not finite, or
            `shape` does not hold k entries.

    Examples:
        >>> import numpy as np
        >>> from mcref.core.layout import gradient_like_input
        >>> print(gradient_like_input([[6.0, 12.0]], 2))
        [ 6. 12.]
        >>> row = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])   # d(loss)/dW for a 2 x 3 W
        >>> print(gradient_like_input(row, (2, 3)))
        [[1. 2. 3.]
         [4. 5. 6.]]
    """
    arr = validate.array("gradient", gradient)
    if arr.ndim != 2 or arr.shape[0] != 1:
        raise ValueError(
            "gradient must be a numerator-layout row of shape (1, k), the gradient of a scalar, "
            f"got an array of shape {arr.shape}; for a Jacobian with several rows use to_denominator"
        )
    dims = _shape(shape)
    k = arr.shape[1]
    size = math.prod(dims)
    if size != k:
        entries = "1 entry" if size == 1 else f"{size} entries"
        raise ValueError(f"shape {dims} holds {entries} but the gradient has {k} (shape {arr.shape})")
    return arr.reshape(dims).copy()


def gradient_as_row(gradient: ArrayLike) -> FloatArray:
    """Flatten a gradient shaped like its variable to a numerator-layout `(1, k)` row.

    The inverse of [`gradient_like_input`][mcref.core.layout.gradient_like_input]:
    the entries are read in row-major (C) order.

    Args:
        gradient: A gradient with the shape of its variable: a scalar, a
            length-n vector or an `(m, n)` matrix (any ndim).

    Returns:
        A float64 array of shape `(1, k)`, where k is the number of entries.

    Raises:
        TypeError: If `gradient` is not numeric.
        ValueError: If it is empty or not finite.

    Examples:
        >>> from mcref.core.layout import gradient_as_row
        >>> print(gradient_as_row([6.0, 12.0]))
        [[ 6. 12.]]
        >>> print(gradient_as_row([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
        [[1. 2. 3. 4. 5. 6.]]
    """
    return validate.array("gradient", gradient).reshape(1, -1)
