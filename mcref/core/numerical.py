"""The verification core: numerical Jacobians by central differences, and the comparison.

Every closed-form derivative in `mcref` is checked against
[`numerical_jacobian`][mcref.core.numerical.numerical_jacobian] by
[`compare_jacobians`][mcref.core.numerical.compare_jacobians]. The recipe is fixed and stated:

* float64 throughout;
* central differences, `(f(x + h e_j) - f(x - h e_j)) / 2h`, with
  `h = STEP * max(1, |x_j|)` and `STEP = 1e-6`;
* an entry passes when `|closed - numerical| <= ATOL + RTOL * |numerical|`,
  with `RTOL = 1e-5` and `ATOL = 1e-7`.

The truncation error of a central difference is about `h**2 / 6 * |f'''|`
(about 1e-13 here) and the rounding error about `eps * |f| / h` (about 1e-10), so
the tolerances leave a margin of a hundred or more for smooth functions whose
values are of order one.

Jacobians are in numerator layout, as in the paper: for an output with `m`
entries and an input with `n` entries the result has shape `(m, n)`. A scalar
output gives a `(1, n)` row (the gradient); a scalar input gives an `(m, 1)`
column. Matrix arguments and results are flattened in row-major (C) order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mcref.core import validate
from mcref.core.validate import FloatArray

__all__ = [
    "ATOL",
    "RTOL",
    "STEP",
    "JacobianComparison",
    "JacobianMismatch",
    "compare_jacobians",
    "numerical_jacobian",
]

STEP = 1e-6
"""Relative step of the central difference: `h = STEP * max(1, |x_j|)`."""

RTOL = 1e-5
"""Relative tolerance of [`compare_jacobians`][mcref.core.numerical.compare_jacobians]."""

ATOL = 1e-7
"""Absolute tolerance of [`compare_jacobians`][mcref.core.numerical.compare_jacobians]."""


def bind_variable(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], wrt: int | str
) -> tuple[str, Any, Callable[[Any], Any]]:
    """Find the argument to differentiate: its name, its value, and `f` as a function of it alone."""
    if isinstance(wrt, bool) or not isinstance(wrt, (int, str)):
        raise TypeError(f"wrt must be a parameter name (str) or a position (int), got {type(wrt).__name__}")
    try:
        sig: inspect.Signature | None = inspect.signature(f)
    except (TypeError, ValueError):  # some builtins have no signature; call them as given
        sig = None
    if sig is not None:
        try:
            sig.bind(*args, **kwargs)
        except TypeError as exc:
            name = getattr(f, "__name__", repr(f))
            raise TypeError(f"the arguments do not match the signature {name}{sig}: {exc}") from None
    if isinstance(wrt, int):
        if not 0 <= wrt < len(args):
            raise ValueError(f"wrt={wrt} is not the position of a positional argument; {len(args)} were given")
        label = f"argument {wrt}"
        if sig is not None:
            positional = [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if wrt < len(positional):
                label = positional[wrt].name
        return label, args[wrt], lambda v: f(*args[:wrt], v, *args[wrt + 1 :], **kwargs)
    if wrt in kwargs:
        return wrt, kwargs[wrt], lambda v: f(*args, **{**kwargs, wrt: v})
    if sig is None:
        raise TypeError(f"wrt={wrt!r} needs a function with an inspectable signature, got {f!r}; pass wrt as a position")
    bound = sig.bind(*args, **kwargs)
    params = list(sig.parameters.values())
    param = sig.parameters.get(wrt)
    if param is None or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
        named = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        raise ValueError(f"wrt={wrt!r} is not a parameter of {getattr(f, '__name__', f)}; its parameters are {named}")
    index = params.index(param)
    if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD) and index < len(args):
        _, value, call = bind_variable(f, args, kwargs, index)  # given by position
        return wrt, value, call
    bound.apply_defaults()
    return wrt, bound.arguments[wrt], lambda v: f(*args, **{**kwargs, wrt: v})


def evaluate(call: Callable[[Any], Any], name: str, value: FloatArray) -> FloatArray:
    out = call(value)
    try:
        result = validate.as_float_array("f's value", out)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"f must return real numbers; at {name}={value!r}: {exc}") from None
    if not np.all(np.isfinite(result)):
        raise ValueError(
            f"f returned a non-finite value at {name}={value!r} (it returned {out!r}); pick a point inside its domain"
        )
    return result


def numerical_jacobian(
    f: Callable[..., Any], *args: Any, wrt: int | str = 0, step: float = STEP, **kwargs: Any
) -> FloatArray:
    """The Jacobian of `f` with respect to one argument, by central differences.

    Args:
        f: The function to differentiate. It may return a scalar or an array.
        *args: Positional arguments of `f`.
        wrt: The argument to differentiate with respect to: a position in `args`
            or a parameter name. Defaults to the first argument.
        step: The relative step; entry `j` is moved by `step * max(1, |x_j|)`.
        **kwargs: Keyword arguments of `f`.

    Returns:
        A float64 array of shape `(m, n)` in numerator layout, where `m` is the
        number of entries of `f`'s output and `n` that of the argument.

    Raises:
        TypeError: If `f` cannot be called with the arguments, or the argument
            is not numeric.
        ValueError: If `wrt` names no argument, the argument is empty or not
            finite, `step` is not positive, or `f` leaves its domain.

    Examples:
        The derivative of `x**3` at 2 is 12, a 1 by 1 Jacobian:

        >>> from mcref.core.numerical import numerical_jacobian
        >>> J = numerical_jacobian(lambda x: x**3, 2.0)
        >>> J.shape
        (1, 1)
        >>> round(float(J[0, 0]), 6)
        12.0

        Differentiating with respect to the second argument, by name:

        >>> J = numerical_jacobian(lambda w, x: w * x, [1.0, 2.0], [3.0, 4.0], wrt="x")
        >>> print(J.round(6))
        [[1. 0.]
         [0. 2.]]
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    step = validate.positive_float("step", step)
    name, value, call = bind_variable(f, args, kwargs, wrt)
    x0 = validate.array(name, value)
    m = evaluate(call, name, x0).size
    n = x0.size
    flat = x0.reshape(-1)
    h = step * np.maximum(1.0, np.abs(flat))
    jac = np.empty((m, n))
    # One column per input entry: two calls of a black-box f each, as every
    # finite-difference checker does (gradcheck, check_grads).
    for j in range(n):
        plus = flat.copy()
        minus = flat.copy()
        plus[j] += h[j]
        minus[j] -= h[j]
        f_plus = evaluate(call, name, plus.reshape(x0.shape)).reshape(-1)
        f_minus = evaluate(call, name, minus.reshape(x0.shape)).reshape(-1)
        # use the step actually taken after rounding, not the nominal one
        if f_plus.size != m or f_minus.size != m:
            raise ValueError(f"f changed its output size from {m} to {f_plus.size} when {name} moved")
        jac[:, j] = (f_plus - f_minus) / (plus[j] - minus[j])
    return jac


class JacobianMismatch(AssertionError):
    """Raised by [`JacobianComparison.raise_if_failed`][mcref.core.numerical.JacobianComparison.raise_if_failed]."""


@dataclass(frozen=True)
class JacobianComparison:
    """The outcome of comparing a closed-form Jacobian with a numerical one.

    Attributes:
        rule_id: The rule being checked, or None for an anonymous check.
        ok: True when the shapes agree and every entry is within tolerance.
        closed_shape: Shape of the closed form.
        numerical_shape: Shape of the numerical Jacobian.
        worst_index: Index of the entry furthest outside (or closest to) its
            tolerance; None when the shapes differ.
        closed_value: The closed form at `worst_index`.
        numerical_value: The numerical Jacobian at `worst_index`.
        max_abs_error: The largest absolute difference over all entries.
        rtol: Relative tolerance used.
        atol: Absolute tolerance used.
    """

    rule_id: str | None
    ok: bool
    closed_shape: tuple[int, ...]
    numerical_shape: tuple[int, ...]
    worst_index: tuple[int, ...] | None
    closed_value: float | None
    numerical_value: float | None
    max_abs_error: float | None
    rtol: float
    atol: float

    def report(self) -> str:
        """A one-paragraph, human-readable account of the comparison."""
        who = f"rule {self.rule_id}" if self.rule_id else "Jacobian check"
        verdict = "passed" if self.ok else "FAILED"
        if self.closed_shape != self.numerical_shape:
            return (
                f"{who} {verdict}: the closed form has shape {self.closed_shape} "
                f"but the numerical Jacobian has shape {self.numerical_shape}"
            )
        return (
            f"{who} {verdict}: worst entry {self.worst_index}: closed form {self.closed_value!r}, "
            f"numerical {self.numerical_value!r}, |difference| {abs(self.closed_value - self.numerical_value):.3g}"  # type: ignore[operator]
            f" (max over all entries {self.max_abs_error:.3g}); "
            f"tolerance |difference| <= atol + rtol * |numerical| with rtol={self.rtol:g}, atol={self.atol:g}"
        )

    def raise_if_failed(self) -> None:
        """Raise [`JacobianMismatch`][mcref.core.numerical.JacobianMismatch] with the report if the check failed."""
        if not self.ok:
            raise JacobianMismatch(self.report())


def compare_jacobians(
    closed: Any, numerical: Any, *, rule_id: str | None = None, rtol: float = RTOL, atol: float = ATOL
) -> JacobianComparison:
    """Compare a closed-form Jacobian with a numerical one, entry by entry.

    An entry passes when `|closed - numerical| <= atol + rtol * |numerical|`.
    Shapes must agree exactly: a `(1, n)` gradient is not a `(n,)` vector.

    Args:
        closed: The closed-form Jacobian.
        numerical: The numerical Jacobian, usually from
            [`numerical_jacobian`][mcref.core.numerical.numerical_jacobian].
        rule_id: The ID of the rule being checked, for the report.
        rtol: Relative tolerance.
        atol: Absolute tolerance.

    Returns:
        A [`JacobianComparison`][mcref.core.numerical.JacobianComparison]; call
        `raise_if_failed()` on it to turn a failure into an exception.

    Raises:
        TypeError: If either Jacobian is not numeric.
        ValueError: If either is empty or not finite, or a tolerance is negative.

    Examples:
        >>> from mcref.core.numerical import compare_jacobians
        >>> result = compare_jacobians([[2.0, 0.0]], [[2.0, 1e-3]], rule_id="demo")
        >>> result.ok
        False
        >>> print(result.report())  # doctest: +ELLIPSIS
        rule demo FAILED: worst entry (0, 1): closed form 0.0, numerical 0.001, |difference| 0.001 ...
    """
    if rule_id is not None and not isinstance(rule_id, str):
        raise TypeError(f"rule_id must be a string or None, got {type(rule_id).__name__}")
    rtol = validate.nonnegative_float("rtol", rtol)
    atol = validate.nonnegative_float("atol", atol)
    c = validate.array("closed", closed)
    n = validate.array("numerical", numerical)
    if c.shape != n.shape:
        return JacobianComparison(rule_id, False, c.shape, n.shape, None, None, None, None, rtol, atol)
    diff = np.abs(c - n)
    allowed = atol + rtol * np.abs(n)
    # the worst entry is the one that uses the largest share of its allowance
    share = diff / allowed if np.all(allowed > 0) else diff - allowed
    flat = int(np.argmax(share))
    idx = tuple(int(i) for i in np.unravel_index(flat, c.shape))
    return JacobianComparison(
        rule_id=rule_id,
        ok=bool(np.all(diff <= allowed)),
        closed_shape=c.shape,
        numerical_shape=n.shape,
        worst_index=idx,
        closed_value=float(c[idx]),
        numerical_value=float(n[idx]),
        max_abs_error=float(diff.max()),
        rtol=rtol,
        atol=atol,
    )
