"""Argument checks shared by every public function.

Every public function in `mcref` converts its inputs with these helpers, so a
wrong shape, a wrong type or a non-finite value fails early with a message that
names the argument, what was expected and what was given. Integer input is
accepted and computed as float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# dtype kinds we convert to float64: signed/unsigned integers and floats.
_NUMERIC_KINDS = frozenset("iuf")


def _describe(value: Any) -> str:
    """A short description of what the caller passed, for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, np.generic):  # a numpy scalar, described like the 0-d array it is
        return f"an array of dtype {value.dtype} and shape ()"
    return f"{type(value).__name__} {value!r}"[:120]


def as_float_array(name: str, value: Any, *, copy: bool = True) -> FloatArray:
    """Convert `value` to a float64 array, or raise TypeError (ValueError if ragged or too large) naming `name`.

    With `copy=False` a float64 ndarray comes back as itself (no copy of a large
    input); the caller must then not write into it.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number or array of real numbers, got {_describe(value)}")
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of real numbers, got ragged input: {exc}") from None
    if arr.dtype.kind not in _NUMERIC_KINDS and not _plain_numbers(arr):
        # an ndarray's description already names its dtype
        dtype = "" if isinstance(value, (np.ndarray, np.generic)) else f" with dtype {arr.dtype}"
        raise TypeError(f"{name} must hold real numbers (int or float), got {_describe(value)}{dtype}")
    try:
        with np.errstate(over="raise"):
            return arr.astype(np.float64, copy=copy)
    except (OverflowError, FloatingPointError):  # an int beyond 1.8e308, or a longdouble overflow
        raise ValueError(f"{name} must fit in float64 (|value| <= 1.8e308), got {_describe(value)}") from None


def _plain_numbers(arr: np.ndarray) -> bool:
    """True for an object array of Python ints and floats, e.g. an int too big for int64."""
    return arr.dtype.kind == "O" and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in arr.flat
    )


def check_finite(name: str, arr: FloatArray) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {index[0] if len(index) == 1 else index}" if index else ""
        raise ValueError(f"{name} must be finite, got {arr[bad].flat[0]}{where}")


def vector(name: str, value: Any) -> FloatArray:
    """Check that `value` is a non-empty, finite 1-D array and return it as float64."""
    arr = as_float_array(name, value)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array (a vector of length n), got an array of shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name} must have at least one element, got an empty array of shape {arr.shape}")
    check_finite(name, arr)
    return arr


def matrix(name: str, value: Any, *, what: str = "a matrix", copy: bool = True, finite: bool = True) -> FloatArray:
    """Check that `value` is a non-empty, finite 2-D array and return it as float64.

    Args:
        name: The argument's name, for messages.
        value: The value passed.
        what: What the matrix stands for, in the message for a wrong ndim,
            e.g. "a Jacobian in numerator layout".
        copy: See `as_float_array`.
        finite: See `array`.
    """
    arr = as_float_array(name, value, copy=copy)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array ({what}), got an array of shape {arr.shape}")
    return array(name, arr, copy=False, finite=finite)


def scalar(name: str, value: Any) -> float:
    """Check that `value` is one finite real number and return it as a Python float.

    A numpy scalar (`np.float64(2.0)`) is accepted and, in messages, described
    like the 0-d array it is.
    """
    if isinstance(value, np.generic):
        value = np.asarray(value)
    arr = as_float_array(name, value)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar (a 0-d value), got an array of shape {arr.shape}")
    check_finite(name, arr)
    return float(arr)


def array(name: str, value: Any, *, copy: bool = True, finite: bool = True) -> FloatArray:
    """Check that `value` is a non-empty finite array of any ndim (0-d allowed).

    `copy=False`: see `as_float_array`. `finite=False` leaves the scan for NaN and
    inf to a caller that detects them on the way (see `mcref.paper.loss.grad_loss_blocked`).
    """
    arr = as_float_array(name, value, copy=copy)
    if arr.size == 0:
        raise ValueError(f"{name} must have at least one element, got an empty array of shape {arr.shape}")
    if finite:
        check_finite(name, arr)
    return arr


def same_length(**vectors: FloatArray) -> int:
    """Check that all given 1-D arrays have one length and return it."""
    lengths = {name: v.shape[0] for name, v in vectors.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has length {n}" for name, n in lengths.items())
        raise ValueError(f"{' and '.join(lengths)} must have the same length, got: {listed}")
    return next(iter(lengths.values()))


def integer(name: str, value: Any, *, low: int | None = None) -> int:
    """Check that `value` is an int (Python or numpy, not a bool), at least `low` if given.

    Raises:
        TypeError: If `value` is not an int; the message names `name`.
        ValueError: If `value < low`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        bound = "" if low is None else f" >= {low}"
        raise TypeError(f"{name} must be an int{bound}, got {type(value).__name__} {value!r}"[:160])
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def positive_float(name: str, value: Any) -> float:
    """Check that `value` is a finite real number > 0 (a step size or a tolerance)."""
    number = scalar(name, value)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {number}")
    return number


def nonnegative_float(name: str, value: Any) -> float:
    """Check that `value` is a finite real number >= 0."""
    number = scalar(name, value)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}")
    return number


def paired_vectors(w: Any, x: Any) -> tuple[FloatArray, FloatArray]:
    """Check that `w` and `x` are vectors of one length (the paper's element-wise setting)."""
    wv = vector("w", w)
    xv = vector("x", x)
    same_length(w=wv, x=xv)
    return wv, xv


def cotangent(v: Any, n: int, of: str, *, name: str = "v") -> FloatArray:
    """The `v` of a VJP whose forward output `of` is a vector of length n (`name`: its parameter name)."""
    arr = vector(name, v)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have the shape of the output of {of}, {(n,)}, got an array of shape {arr.shape}")
    return arr


def shaped_cotangent(v: Any, shape: tuple[int, ...], of: str, *, name: str = "v") -> FloatArray | float:
    """The `v` of a VJP whose forward output `of` has the given shape (a number for `()`)."""
    if shape == ():
        return scalar(name, v)
    arr = vector(name, v) if len(shape) == 1 else matrix(name, v) if len(shape) == 2 else array(name, v)
    if arr.shape != shape:
        raise ValueError(
            f"{name} must have the shape of the output of {of}, {shape}, got an array of shape {arr.shape}"
        )
    return arr


def scalar_cotangent(v: Any, *, name: str = "v") -> float:
    """The `v` of a VJP whose forward output is a scalar: one finite real number."""
    return scalar(name, v)


def finite_result(name: str, value: Any, where: str = "") -> Any:
    """`value` unchanged, or ValueError if it left float64 (an inf or NaN from finite inputs).

    For forward functions and helpers; a registered closed form or VJP needs
    no call, the registry guards it (`mcref.core.registry.finite_guard`).

    Args:
        name: What the value is, for the message, e.g. `"Wx + b"`.
        value: A number or an array.
        where: Optional context, e.g. `"at x = 800.0"`.
    """
    if not np.all(np.isfinite(value)):
        at = f" {where}" if where else ""
        raise ValueError(
            f"{name} is not finite{at}: it overflowed float64 (the inputs are too large, or a divisor too small)"
        )
    return value
