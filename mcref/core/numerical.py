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
    "FAST_Z",
    "RTOL",
    "STEP",
    "CheckResult",
    "Entry",
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

FAST_Z = 6.0
"""Fast mode of [`check_jacobian`][mcref.core.check.check_jacobian] passes a projection whose error is
within FAST_Z times its estimated error scale: a false alarm has probability at most 2 exp(-FAST_Z²/2)."""


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
        raise TypeError(
            f"wrt={wrt!r} needs a function with an inspectable signature, got {f!r}; pass wrt as a position"
        )
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

        Differentiating with respect to the second argument, by name (each
        example imports what it uses, so that it runs when copied on its own):

        >>> from mcref.core.numerical import numerical_jacobian
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
    """Raised by [`CheckResult.raise_if_failed`][mcref.core.numerical.CheckResult.raise_if_failed]."""


@dataclass(frozen=True)
class Entry:
    """One compared entry of a check: a Jacobian entry (full mode) or a projection (fast mode).

    Attributes:
        index: Full mode: the index into the claimed array as you passed it
            (into the `(m, n)` matrix of rows `vjp(e_i)` for
            [`check_backprop`][mcref.core.check.check_backprop]). Fast mode:
            `(k,)` for projection `k`.
        claimed: Your value.
        numerical: The central-difference value.
        error: `|claimed - numerical|`.
        allowed: The largest error this entry may have to pass.
    """

    index: tuple[int, ...]
    claimed: float
    numerical: float
    error: float
    allowed: float


@dataclass(frozen=True)
class CheckResult:
    """The outcome of every comparison in mcref, with the same fields and methods for all of them.

    Made by [`check_jacobian`][mcref.core.check.check_jacobian] and
    [`check_backprop`][mcref.core.check.check_backprop] (your derivative against
    central differences), and by
    [`compare_jacobians`][mcref.core.numerical.compare_jacobians],
    [`check_rule`][mcref.core.registry.check_rule] and
    [`check_vjp`][mcref.core.registry.check_vjp] (two arrays compared entry by
    entry, `kind="comparison"`).

    It is true when the check passed, so `assert check_jacobian(...)` works;
    [`report`][mcref.core.numerical.CheckResult.report] explains it and
    [`raise_if_failed`][mcref.core.numerical.CheckResult.raise_if_failed] turns a failure
    into an exception.

    Attributes:
        ok: True when every compared entry is within its tolerance.
        kind: `"jacobian"` (check_jacobian), `"vjp"` (check_backprop) or
            `"comparison"` (compare_jacobians, check_rule, check_vjp).
        mode: `"full"` or `"fast"`.
        layout: How the claimed array was read: `"numerator"` (one row per
            output), `"denominator"` (one row per input), `"gradient"` (shaped
            like the input, for a function with one output), or None when its
            shape fits none of these.
        claimed_shape: Shape of the claimed array (of `vjp`'s value for
            `check_backprop`; of the closed form for a comparison).
        jacobian_shape: Shape `(m, n)` of the Jacobian in numerator layout
            (for a comparison: the shape of the numerical side, or the shape
            the rule declares).
        input_shape: Shape of the argument differentiated (`()` for a comparison).
        output_shape: Shape of `f`'s value (`()` for a comparison).
        max_error: Largest `|claimed - numerical|` over the compared entries;
            None when nothing could be compared.
        worst: The compared entries that used the largest share of their
            tolerance, worst first (at most three).
        failed: Number of compared entries outside their tolerance.
        compared: Number of compared entries (`m * n` in full mode, the number
            of projections in fast mode).
        rtol: Relative tolerance used.
        atol: Absolute tolerance used (per Jacobian entry). In fast mode
            both are 0 unless given: the tolerance is estimated (see
            [`check_jacobian`][mcref.core.check.check_jacobian]), and a given
            rtol or atol widens it.
        step: Relative step of the central differences (None for a
            comparison, which is given both arrays).
        dtype: The precision `f` was evaluated in.
        calls: How many times `f` was called.
        diagnosis: When the check failed: what the mistake looks like.
        notes: How the check was run (the layout assumed, the fast-mode caveat).
        rule_id: The rule being checked, or None.
    """

    ok: bool
    kind: str
    mode: str
    layout: str | None
    claimed_shape: tuple[int, ...]
    jacobian_shape: tuple[int, ...]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    max_error: float | None
    worst: tuple[Entry, ...]
    failed: int
    compared: int
    rtol: float
    atol: float
    step: float | None
    dtype: str
    calls: int
    diagnosis: tuple[str, ...]
    notes: tuple[str, ...]
    rule_id: str | None = None

    def __bool__(self) -> bool:
        return self.ok

    @classmethod
    def comparison(
        cls,
        claimed_shape: tuple[int, ...],
        expected_shape: tuple[int, ...],
        worst: tuple[Entry, ...] = (),
        *,
        ok: bool = False,
        max_error: float | None = None,
        failed: int = 0,
        rule_id: str | None = None,
        rtol: float = 0.0,
        atol: float = 0.0,
    ) -> CheckResult:
        """The result of comparing two arrays entry by entry (`kind="comparison"`); with no
        `worst` entry, a failure because the shapes differ."""
        return cls(
            ok=ok, kind="comparison", mode="full", layout="numerator", claimed_shape=claimed_shape,
            jacobian_shape=expected_shape, input_shape=(), output_shape=(), max_error=max_error, worst=worst,
            failed=failed, compared=int(np.prod(expected_shape)) if worst else 0, rtol=rtol, atol=atol,
            step=None, dtype="float64", calls=0, diagnosis=(), notes=(), rule_id=rule_id,
        )

    def report(self) -> str:
        """A readable account: verdict, tolerance, the worst entries as a table, diagnosis and notes.

        A comparison (`kind="comparison"`) is reported in one paragraph: the
        rule, the verdict, the worst entry and the tolerance.
        """
        if self.kind == "comparison":
            return self._comparison_report()
        name = "check_jacobian" if self.kind == "jacobian" else "check_backprop"
        verdict = "passed" if self.ok else "FAILED"
        m, n = self.jacobian_shape
        if self.kind == "vjp":
            layout = "rows vjp(e_i)" if self.mode == "full" else "vjp(v) . u"
            layout = layout if self.layout else "vjp's value has the wrong shape"
        elif self.layout == "gradient":
            layout = "gradient shaped like the input"
        else:
            layout = f"{self.layout} layout" if self.layout else "no layout fits"
        calls = f"{self.calls} call{'s' if self.calls != 1 else ''} of f"
        lines = [
            f"{name} {verdict}: {self.mode} mode, {layout}, Jacobian {m} x {n}, "
            f"f: {describe_shape(self.input_shape)} -> {describe_shape(self.output_shape)}, {calls}"
        ]
        if self.mode == "full":
            rule = f"|claimed - numerical| <= atol + rtol * |numerical|, rtol {self.rtol:g}, atol {self.atol:g}"
        else:
            rule = (
                f"|claimed - numerical| <= {FAST_Z:g} x the estimated error of each v^T J u (central differences at "
                "steps h and 2h, and rounding)"
            )
            if self.rtol or self.atol:
                rule += f" + rtol * |numerical| + atol * |v|_2 * |u|_2, rtol {self.rtol:g}, atol {self.atol:g}"
        lines.append(f"tolerance: {rule}; step {self.step:g}; {self.dtype}")
        if self.worst:
            what = "entries" if self.mode == "full" else "projections"
            lines.append(
                f"max |error| {format_number(self.max_error, 3)}; "
                f"{self.failed} of {self.compared} {what} outside the tolerance"
            )
            lines.append(f"worst {what}:")
            lines.extend("  " + row for row in _table(self.worst, self.mode))
        if self.diagnosis:
            lines.append("diagnosis:")
            lines.extend(f"  - {d}" for d in self.diagnosis)
        if self.notes:
            lines.append("notes:")
            lines.extend(f"  - {d}" for d in self.notes)
        return "\n".join(lines)

    def _comparison_report(self) -> str:
        who = f"rule {self.rule_id}" if self.rule_id else "Jacobian check"
        verdict = "passed" if self.ok else "FAILED"
        if not self.worst:
            return (
                f"{who} {verdict}: the closed form has shape {self.claimed_shape} "
                f"but the numerical Jacobian has shape {self.jacobian_shape}"
            )
        e = self.worst[0]
        return (
            f"{who} {verdict}: worst entry {e.index}: closed form {e.claimed!r}, "
            f"numerical {e.numerical!r}, |difference| {e.error:.3g} (max over all entries {self.max_error:.3g}); "
            f"tolerance |difference| <= atol + rtol * |numerical| with rtol={self.rtol:g}, atol={self.atol:g}"
        )

    def raise_if_failed(self) -> None:
        """Raise [`JacobianMismatch`][mcref.core.numerical.JacobianMismatch] with the report if the check failed."""
        if not self.ok:
            raise JacobianMismatch(self.report())


def format_number(value: float | None, digits: int) -> str:
    """`value` with `digits` significant digits for a report ("-" for None, "0" for -0)."""
    if value is None:
        return "-"
    text = f"{value:.{digits}g}"
    return "0" if text == "-0" else text


def describe_shape(shape: tuple[int, ...]) -> str:
    """A shape for a report: "scalar" for `()`, else the tuple."""
    return "scalar" if shape == () else str(shape)


def _table(entries: tuple[Entry, ...], mode: str) -> list[str]:
    head = ["index" if mode == "full" else "projection", "claimed", "numerical", "|error|", "allowed"]
    rows = [
        [
            str(e.index) if mode == "full" else f"v{e.index[0] + 1}^T J u{e.index[0] + 1}",
            format_number(e.claimed, 6),
            format_number(e.numerical, 6),
            format_number(e.error, 3),
            format_number(e.allowed, 3),
        ]
        for e in entries
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in [head, *rows]
    ]


def compare_jacobians(
    closed: Any, numerical: Any, *, rule_id: str | None = None, rtol: float = RTOL, atol: float = ATOL
) -> CheckResult:
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
        A [`CheckResult`][mcref.core.numerical.CheckResult] of kind
        `"comparison"`: `worst[0]` is the entry that used the largest share of
        its tolerance; call `raise_if_failed()` on it to turn a failure into an
        exception.

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
        return CheckResult.comparison(c.shape, n.shape, rule_id=rule_id, rtol=rtol, atol=atol)
    diff = np.abs(c - n)
    allowed = atol + rtol * np.abs(n)
    # the worst entry is the one that uses the largest share of its allowance
    share = diff / allowed if np.all(allowed > 0) else diff - allowed
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(share)), c.shape))
    worst = Entry(idx, float(c[idx]), float(n[idx]), float(diff[idx]), float(allowed[idx]))
    return CheckResult.comparison(
        c.shape,
        n.shape,
        (worst,),
        ok=bool(np.all(diff <= allowed)),
        max_error=float(diff.max()),
        failed=int(np.sum(diff > allowed)),
        rule_id=rule_id,
        rtol=rtol,
        atol=atol,
    )
