"""Check a derivative of your own against central differences, and diagnose the usual mistakes.

[`check_jacobian`][mcref.core.check.check_jacobian] takes a function and the
derivative you claim for it, as an array or as a function that returns one, and
compares the two with the same central differences that check every rule of
this site. [`check_backprop`][mcref.core.check.check_backprop] does the same for a
backprop function `vjp(v, ...)` that returns `vᵀJ` without forming `J`.

Two modes:

* `mode="full"` compares the whole Jacobian, entry by entry, with
  [`numerical_jacobian`][mcref.core.numerical.numerical_jacobian]: two calls of `f`
  per input entry.
* `mode="fast"` compares a few projections `vᵀJu` instead. `u` is a random
  unit vector with non-negative entries (as in PyTorch's `gradcheck` fast
  mode), scaled entry by entry by `max(1, |x_j|)` like the steps of full mode.
  The numerical side is one central difference of `f` along `u` (two calls of
  `f`, whatever the size of the input) dotted with `v`; the claimed side is
  `vᵀ(claimed)u`. `v` is a random unit vector whose signs follow the numerical
  `Ju`, so that the terms of a systematic mistake add up instead of
  cancelling. The tolerance is gradcheck's, `atol * ‖v‖₁ * ‖u‖₁ + rtol *
  |numerical|`: the most that an error of `atol` in every entry can add up to
  in the projection.

Evaluation is in float64 unless you ask otherwise. Every floating-point numpy
argument of lower precision is converted to float64 before `f` is called, with a
[`PrecisionWarning`][mcref.core.check.PrecisionWarning]; pass `dtype="float32"` to
check a float32 implementation deliberately, with the float32 step and
tolerances of [`DEFAULTS`][mcref.core.check.DEFAULTS].

Examples:
    >>> import numpy as np
    >>> from mcref.core.check import check_jacobian
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> result = check_jacobian(lambda x: np.sum(x**2), 2 * x, x)
    >>> print(result.ok, result.layout)
    True gradient
    >>> print(bool(check_jacobian(lambda x: np.sum(x**2), x, x)))
    False
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from mcref.core import validate
from mcref.core.numerical import (
    ATOL,
    RTOL,
    STEP,
    CheckResult,
    Entry,
    bind_variable,
    compare_jacobians,
    describe_shape,
    evaluate,
    format_number,
    numerical_jacobian,
)
from mcref.core.validate import FloatArray

__all__ = [
    "DEFAULTS",
    "Defaults",
    "PrecisionWarning",
    "check_backprop",
    "check_jacobian",
]


@dataclass(frozen=True)
class Defaults:
    """The step and tolerances used for one floating-point type.

    Attributes:
        step: Relative step of the central difference: entry `j` moves by
            `step * max(1, |x_j|)`.
        rtol: Relative tolerance.
        atol: Absolute tolerance.
    """

    step: float
    rtol: float
    atol: float


DEFAULTS: Mapping[str, Defaults] = MappingProxyType(
    {
        # mcref.core.numerical's recipe: truncation ~ h²/6 ~ 1e-13, rounding ~ eps/h ~ 2e-10
        "float64": Defaults(step=STEP, rtol=RTOL, atol=ATOL),
        # eps ~ 1.2e-7: the step near eps^(1/3) balances truncation (~4e-6) and rounding (~5e-5)
        "float32": Defaults(step=5e-3, rtol=1e-2, atol=1e-3),
        # eps ~ 9.8e-4: step near eps^(1/3); a pass means agreement to one or two digits
        "float16": Defaults(step=1e-1, rtol=1e-1, atol=5e-2),
    }
)
"""Step and tolerances by the precision `f` is evaluated in (the `dtype` argument)."""

_LOW = (np.float16, np.float32)
_MODES = ("full", "fast")
_LAYOUTS = ("auto", "numerator", "denominator")
_TOP = 3
_Scalar = TypeVar("_Scalar", bound=np.generic)


class PrecisionWarning(UserWarning):
    """Warned when a check meets float32 or float16 values.

    A central difference divides a tiny change of `f` by a tiny step; in
    float32 the rounding of `f` alone makes that quotient wrong by about
    `1e-7 / step`, 10% at the float64 step of `1e-6`, so a correct derivative
    fails. The checker therefore evaluates in float64 unless told otherwise.
    """


# ----- argument checks -----


def _choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    listed = ", ".join(repr(o) for o in options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {listed}, got {type(value).__name__} {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def _dtype(value: Any) -> str:
    listed = "'float64', 'float32' or 'float16'"
    if not isinstance(value, (str, np.dtype, type)):
        raise TypeError(f"dtype must be {listed} (a name or a numpy dtype), got {type(value).__name__} {value!r}")
    try:
        name = np.dtype(value).name
    except TypeError:
        raise ValueError(f"dtype must be {listed}, got {value!r}") from None
    if name not in DEFAULTS:
        raise ValueError(f"dtype must be {listed}, got {name}")
    return name


def _tolerances(dtype: str, step: Any, rtol: Any, atol: Any) -> tuple[float, float, float]:
    d = DEFAULTS[dtype]
    return (
        d.step if step is None else validate.positive_float("step", step),
        d.rtol if rtol is None else validate.nonnegative_float("rtol", rtol),
        d.atol if atol is None else validate.nonnegative_float("atol", atol),
    )


# ----- the function being checked, at its point -----


def _is_low(value: Any) -> bool:
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.type in _LOW


class _Problem:
    """f as a function of the one argument being differentiated, in the chosen precision, counting its calls."""

    def __init__(
        self, f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], wrt: Any, dtype: str
    ) -> None:
        self.dtype = dtype
        target = np.dtype(dtype)
        low = [_arg_label(f, args, kwargs, key) for key, v in _items(args, kwargs) if _is_low(v)]

        def cast(v: Any) -> Any:
            if isinstance(v, (np.ndarray, np.generic)) and v.dtype.kind == "f" and v.dtype != target:
                return np.asarray(v, dtype=target)
            return v

        self.args = tuple(cast(v) for v in args)
        self.kwargs = {k: cast(v) for k, v in kwargs.items()}
        self.name, value, call = bind_variable(f, self.args, self.kwargs, wrt)
        self.x64 = validate.array(self.name, value)  # float64, finite, numeric, non-empty
        self.x = self.x64.astype(target)
        self.x64 = self.x.astype(np.float64)  # the values f actually sees
        self.in_shape = self.x.shape
        self.calls = 0
        self._call = call
        self.sizes = _named_sizes(f, self.args, self.kwargs, self.name)
        if low and dtype == "float64":
            _warn(
                f"{', '.join(low)} {'has' if len(low) == 1 else 'have'} a lower precision than float64; "
                f"mcref converted {'it' if len(low) == 1 else 'them'} to float64 and checks there, because a "
                "central-difference check in float32 is unreliable (at the float64 step of 1e-6, float32 rounding "
                "alone moves the slope by several percent). "
                "This checks the formula; to check a float32 implementation deliberately, pass "
                f"dtype='float32' (step {DEFAULTS['float32'].step:g}, rtol {DEFAULTS['float32'].rtol:g}, "
                f"atol {DEFAULTS['float32'].atol:g})."
            )
        out = self.call(self.x)
        raw = getattr(out, "dtype", None)
        self.f0 = evaluate(lambda v: out, self.name, self.x)
        self.out_shape = self.f0.shape
        self.m, self.n = self.f0.size, self.x.size
        if raw is not None and np.dtype(raw).type in _LOW and np.dtype(raw).itemsize < target.itemsize:
            _warn(
                f"f returned {np.dtype(raw).name} values although {self.name} was {dtype}: it computes in "
                f"lower precision inside, so its rounding (about {np.finfo(raw).eps:.1g} relative) divided "
                f"by the step {DEFAULTS[dtype].step:g} swamps the numerical Jacobian and the check is "
                f"unreliable. Compute in {dtype}, or check deliberately with dtype='{np.dtype(raw).name}'."
            )

    def call(self, value: Any) -> Any:
        self.calls += 1
        return self._call(value)

    def cast(self, value64: FloatArray) -> Any:
        """A float64 point as f receives it, in the chosen precision."""
        return value64.astype(self.dtype) if self.dtype != "float64" else value64

    def numerical(self, step: float) -> FloatArray:
        """The full numerical Jacobian, `(m, n)`, from mcref.core.numerical."""

        def g(value: FloatArray) -> Any:
            return self.call(self.cast(value))

        if self.name.isidentifier():  # numerical_jacobian names the argument in its messages
            g.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
                [inspect.Parameter(self.name, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
            )
        return numerical_jacobian(g, self.x64, step=step)

    def project(
        self, seed: int, count: int, step: float, pull: Callable[[FloatArray], FloatArray] | None
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray | None]:
        """Fast mode: `count` projections vᵀJw, numerically and as claimed.

        Returns V (count, m) and W (count, n), whose rows are the unit vectors
        v and the directions w actually taken (u scaled by max(1, |x_j|), after
        rounding), the numerical projections, and the claimed ones
        `pull(v) · w`, where `pull(v)` is the claimed vᵀJ as a flat vector
        (None when there is no claim to pull through).

        u has random non-negative entries, as in gradcheck. v has random
        magnitudes and the signs of the numerical Jw, so the terms of vᵀJw add
        up instead of cancelling. Every second projection moves along the
        claimed vᵀJ of the one before it, with the same v: a mistake whose sign
        changes from entry to entry cancels in a random direction, but not in
        that one.
        """
        rng = np.random.default_rng(seed)
        R = _unit_rows(rng, count, self.m)
        U = _unit_rows(rng, count, self.n)
        scale = np.maximum(1.0, np.abs(self.x64.reshape(-1)))
        V, W, numerical = np.empty_like(R), np.empty_like(U), np.empty(count)
        claimed = np.empty(count) if pull is not None else None
        previous: tuple[FloatArray, FloatArray] | None = None  # (v, pull(v)) of the projection before
        for k in range(count):  # one central difference per projection: two calls of f
            along = previous is not None and k % 2 == 1 and bool(np.any(previous[1]))
            u = previous[1] / math.sqrt(_dot(previous[1], previous[1])) if along and previous else U[k]
            move = (step * scale * u).reshape(self.in_shape)
            plus, minus = self.cast(self.x64 + move), self.cast(self.x64 - move)
            f_plus = evaluate(self.call, self.name, plus).reshape(-1)
            f_minus = evaluate(self.call, self.name, minus).reshape(-1)
            if f_plus.size != self.m or f_minus.size != self.m:
                raise ValueError(f"f changed its output size from {self.m} to {f_plus.size} when {self.name} moved")
            slope = (f_plus - f_minus) / (2 * step)  # J w, for the step w actually taken
            W[k] = (np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)).reshape(-1) / (2 * step)
            if along and previous:
                V[k] = previous[0]
                pulled = previous[1]
            else:
                V[k] = np.where(slope < 0, -R[k], R[k])
                pulled = pull(V[k]) if pull is not None else np.zeros(0)
            numerical[k] = _dot(V[k], slope)
            if claimed is not None:
                claimed[k] = _dot(pulled, W[k])
                previous = (V[k], pulled)
        return V, W, numerical, claimed


def _warn(message: str) -> None:
    # stacklevel 4: _warn <- _Problem.__init__ <- check_jacobian / check_backprop <- the caller
    warnings.warn(message, PrecisionWarning, stacklevel=4)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """a · b for long vectors in one thread: `a @ b` goes to a multi-threaded BLAS, whose threads
    wait for each other and cost more than the product itself when other processes share the cores."""
    return float(np.einsum("i,i->", a, b))


def _unit_rows(rng: np.random.Generator, count: int, size: int) -> FloatArray:
    """`count` random unit vectors of length `size` with non-negative entries, as gradcheck draws them."""
    rows = rng.random((count, size)) + 1e-12  # never the zero vector
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _items(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[int | str, Any]]:
    return [*enumerate(args), *kwargs.items()]


def _arg_label(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], key: int | str) -> str:
    if isinstance(key, str):
        return key
    try:
        params = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    return params[key] if key < len(params) else f"argument {key}"


def _named_sizes(
    f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], wrt_name: str
) -> list[tuple[int, str]]:
    """Sizes that a wrong constant factor may be made of, with a name for each: axes of the array arguments."""
    found: list[tuple[int, str]] = []
    items = sorted(_items(args, kwargs), key=lambda kv: _arg_label(f, args, kwargs, kv[0]) != wrt_name)
    for key, value in items:
        try:
            shape = np.shape(value) if isinstance(value, (np.ndarray, list, tuple)) else ()
        except ValueError:  # a ragged list: no sizes to name
            shape = ()
        label = _arg_label(f, args, kwargs, key)
        for axis, size in enumerate(shape):
            if size > 2:
                found.append((int(size), f"the length of {label}" if len(shape) == 1 else f"{label}.shape[{axis}]"))
    return found


# ----- comparing candidates with the numerical side -----


class _Probe:
    """Compares numerator-layout candidates with the numerical side: entry by entry, or through projections."""

    def __init__(
        self,
        mode: str,
        numerical: FloatArray,
        rtol: float,
        atol: float,
        V: FloatArray | None = None,
        W: FloatArray | None = None,
    ) -> None:
        self.mode, self.numerical, self.rtol, self.atol = mode, numerical, rtol, atol
        self.V, self.W = V, W
        if mode == "full":
            self.allowed = atol + rtol * np.abs(numerical)
        else:
            assert V is not None and W is not None
            scaled = atol * np.abs(V).sum(axis=1) * np.abs(W).sum(axis=1)
            self.allowed = scaled + rtol * np.abs(numerical)

    def matrix(self, C: FloatArray) -> FloatArray:
        """What to compare for the numerator-layout matrix C."""
        if self.mode == "full":
            return C
        assert self.V is not None and self.W is not None  # set in fast mode, see __init__
        return np.einsum("km,kn,mn->k", self.V, self.W, C, optimize=True)

    def diag(self, d: FloatArray) -> FloatArray:
        """What to compare for diag(d), without forming it in fast mode."""
        if self.mode == "full":
            return np.diag(d)
        assert self.V is not None and self.W is not None  # set in fast mode, see __init__
        return (self.V * self.W * d).sum(axis=1)

    def agrees(self, values: FloatArray) -> bool:
        return bool(np.all(np.abs(values - self.numerical) <= self.allowed))

    def factor(self, values: FloatArray) -> float | None:
        """The constant c with c * values = numerical, if there is one (and it is not 1)."""
        norm = float(np.sum(values * values))
        if norm == 0.0:
            return None
        c = float(np.sum(values * self.numerical)) / norm
        if c == 0.0 or abs(c - 1.0) < 1e-9 or not self.agrees(c * values):
            return None
        return c


def _factor_text(c: float, sizes: list[tuple[int, str]]) -> str:
    """Name a constant factor c, where numerical = c * claimed."""
    a = abs(c)
    if math.isclose(a, 1.0, rel_tol=1e-4):  # c is -1: factor() never returns 1
        return "the sign is flipped: the numerical Jacobian is -1 times yours"
    reason = ""
    if math.isclose(a, 2.0, rel_tol=1e-4):
        reason = "a factor 2 is missing from yours"
    elif math.isclose(a, 0.5, rel_tol=1e-4):
        reason = "yours has an extra factor 2"
    else:
        for k, label in sizes:
            if math.isclose(a, k, rel_tol=1e-4):
                reason = (
                    f"a factor N is missing from yours, where N = {k} is {label}, "
                    "or you divided by N where f does not"
                )
                break
            if math.isclose(a, 1.0 / k, rel_tol=1e-4):
                reason = (
                    f"a factor 1/N is missing from yours, where N = {k} is {label}: "
                    "a mean differentiated as a sum?"
                )
                break
        else:
            k = round(1.0 / a)
            if k > 2 and math.isclose(a, 1.0 / k, rel_tol=1e-4):
                reason = f"a factor 1/{k} is missing from yours: a mean over {k} values differentiated as a sum?"
    parts = [part for part in ("the sign is flipped" if c < 0 else "", reason) if part]
    detail = "".join(f"; {part}" for part in parts)
    return f"off by a constant factor: the numerical Jacobian is {_ratio(c)} times yours{detail}"


def _ratio(c: float) -> str:
    """c as an integer or the reciprocal of one when it is close to one, else as a decimal."""
    sign, a = ("-" if c < 0 else ""), abs(c)
    if (k := round(a)) >= 2 and math.isclose(a, k, rel_tol=1e-4):
        return f"{sign}{k}"
    if (k := round(1.0 / a)) >= 2 and math.isclose(a, 1.0 / k, rel_tol=1e-4):
        return f"{sign}1/{k}"
    return f"{c:.6g}"


# ----- layouts -----


def _readings(shape: tuple[int, ...], p: _Problem) -> dict[str, bool]:
    """Which layouts a claimed array of this shape can be read in."""
    m, n = p.m, p.n
    return {
        "numerator": shape in {(m, n), p.out_shape + p.in_shape},
        "denominator": shape in {(n, m), p.in_shape + p.out_shape},
        "gradient": m == 1 and shape == p.in_shape,
    }


def _read(c: NDArray[_Scalar], layout: str, p: _Problem) -> NDArray[_Scalar]:
    """The claimed array as the numerator-layout (m, n) matrix (also used on an array of positions)."""
    if layout == "denominator":
        return c.reshape(p.n, p.m).T
    return c.reshape(p.m, p.n)


def _resolve_layout(c: FloatArray, asked: str, p: _Problem) -> tuple[str | None, list[str], bool]:
    """The layout to compare in, notes saying how it was chosen, and whether the shape fits both layouts."""
    fits = _readings(c.shape, p)
    shape = c.shape
    if fits["gradient"] and p.n > 1:
        note = f"read as a gradient shaped like {p.name}, {shape}: the same numbers in either layout"
        return "gradient", [note] if asked == "auto" else [], False
    num, den = fits["numerator"], fits["denominator"]
    same = num and den and np.array_equal(_read(c, "numerator", p), _read(c, "denominator", p))
    ambiguous = num and den and not same
    if asked != "auto":
        return (asked if fits[asked] else None), [], ambiguous
    if same:
        return "numerator", [f"layout auto: {shape} holds the same numbers in either layout"], False
    if ambiguous:
        return "numerator", [
            f"layout auto: the shape {shape} fits both layouts; compared in numerator layout (one row per "
            "output, mcref's convention); pass layout='denominator' for one row per input"
        ], True
    if num or den:
        chosen, rows = ("numerator", "one row per output") if num else ("denominator", "one row per input")
        return chosen, [f"layout auto: the shape {shape} was read as {chosen} layout ({rows})"], False
    return None, [], False


def _expected_shapes(p: _Problem) -> str:
    options = [f"{(p.m, p.n)} in numerator layout", f"{(p.n, p.m)} in denominator layout"]
    if p.out_shape + p.in_shape not in {(p.m, p.n), (p.n, p.m)} and not (p.m == 1 and p.out_shape == ()):
        options.append(f"{p.out_shape + p.in_shape} (output shape + input shape, as jax.jacobian returns it)")
    if p.m == 1 and p.in_shape not in {(p.m, p.n), (p.n, p.m)}:
        options.append(f"{p.in_shape} (a gradient shaped like {p.name})")
    return ", ".join(options[:-1]) + " or " + options[-1]


# ----- diagnosis -----


def _diagnose_fitted(C: FloatArray, probe: _Probe, p: _Problem, transposed: str) -> list[str]:
    """A claimed matrix that fits a layout but fails: the transpose, a constant factor.

    `transposed` says what a matching transpose means for the caller.
    """
    found: list[str] = []
    square = p.m == p.n and p.m > 1
    if square and probe.agrees(probe.matrix(C.T)):
        found.append(f"the transpose matches: {transposed}")
    c = probe.factor(probe.matrix(C))
    if c is not None:
        found.append(_factor_text(c, p.sizes))
    elif square and not found:
        c = probe.factor(probe.matrix(C.T))
        if c is not None:
            found.append("transposed and " + _factor_text(c, p.sizes))
    if probe.mode == "fast":
        found = [f"the projections are consistent with this: {d}" for d in found]
    return found


def _transpose_hint(layout: str) -> str:
    other = "denominator" if layout == "numerator" else "numerator"
    rows = "one row per input" if other == "denominator" else "one row per output"
    return f"yours is the Jacobian in {other} layout ({rows}); pass layout='{other}' or transpose it"


def _diagnose_shape(c: FloatArray, probe: _Probe, p: _Problem, asked: str) -> list[str]:
    """A claimed array whose shape fits the asked layout not at all: say what it looks like."""
    found = [
        f"the shape {c.shape} fits no layout{'' if asked == 'auto' else f' (asked: {asked})'}: "
        f"for f: {describe_shape(p.in_shape)} -> {describe_shape(p.out_shape)} "
        f"the derivative has shape {_expected_shapes(p)}"
    ]
    fits = _readings(c.shape, p)
    if asked != "auto":
        other = "denominator" if asked == "numerator" else "numerator"
        if fits[other]:
            matches = probe.agrees(probe.matrix(_read(c, other, p)))
            found.append(
                f"it has the {other}-layout shape; read in {other} layout it "
                f"{'matches' if matches else 'does not match either'}"
                + (f": pass layout='{other}' or 'auto'" if matches else "")
            )
            return found
    if c.ndim == 1 and c.size == p.n and p.m == p.n > 1:
        found.extend(_diagnose_diagonal(c, probe, p))
    elif p.m == 1 and c.shape == (p.n, p.n) and p.n > 1:
        found.extend(_diagnose_full_for_gradient(c, probe, p))
    elif c.size == p.m * p.n:
        for layout, flat in (("numerator", (p.m, p.n)), ("denominator", (p.n, p.m))):
            if probe.agrees(probe.matrix(_read(c.reshape(flat), layout, p))):
                found.append(
                    f"it has the right number of entries, {c.size}, and reshaped to {flat} "
                    f"({layout} layout) it matches: reshape it"
                )
                break
    return found


def _diagnose_diagonal(d: FloatArray, probe: _Probe, p: _Problem) -> list[str]:
    n = p.n
    if probe.agrees(probe.diag(d)):
        return [
            f"it matches as diag(v): the Jacobian is diagonal (f acts element-wise) and your vector of length "
            f"{n} is its diagonal; pass np.diag(v), the {n} x {n} matrix"
        ]
    if probe.mode == "full":
        J = probe.numerical
        diagonal = np.diag(J)
        off = J - np.diag(diagonal)
        i, j = (int(k) for k in np.unravel_index(int(np.argmax(np.abs(off))), off.shape))
        if bool(np.all(np.abs(d - diagonal) <= probe.allowed[np.arange(n), np.arange(n)])):
            return [
                f"only the diagonal given: your vector matches the diagonal of the Jacobian, but its "
                f"off-diagonal entries are not zero (the largest is {format_number(float(J[i, j]), 6)} at ({i}, {j})); "
                f"f is not element-wise, so pass the full {n} x {n} matrix"
            ]
        return [f"a vector of length {n} where the Jacobian is {n} x {n}; it matches neither diag(v) nor the diagonal"]
    return [
        f"a vector of length {n} where the Jacobian is {n} x {n}; as diag(v) the projections do not match "
        "(if f is not element-wise, its Jacobian is not diagonal)"
    ]


def _diagnose_full_for_gradient(C: FloatArray, probe: _Probe, p: _Problem) -> list[str]:
    n = p.n
    found = [
        f"a full Jacobian where a gradient was expected: f returns one number, so its derivative has {n} "
        f"entries, and yours is a matrix of shape {C.shape}, the Jacobian of a vector function"
    ]
    if probe.agrees(probe.matrix(C.sum(axis=0, keepdims=True))):
        found.append(
            "its column sums match the gradient: it is the Jacobian of the vector that f sums; "
            "the sum contributes a row of ones, 1ᵀJ (sum over axis 0)"
        )
    elif probe.agrees(probe.matrix(C.sum(axis=1)[None, :])):
        found.append("its row sums match the gradient: it is that Jacobian in denominator layout; sum over axis 1")
    return found


# ----- building the result -----


def _result(
    kind: str,
    mode: str,
    layout: str | None,
    claimed_shape: tuple[int, ...],
    values: FloatArray | None,
    probe: _Probe | None,
    index_of: Callable[[int], tuple[int, ...]],
    p: _Problem,
    tolerances: tuple[float, float, float],
    diagnosis: list[str],
    notes: list[str],
) -> CheckResult:
    step, rtol, atol = tolerances
    ok, max_error, failed = False, None, 0
    worst: tuple[Entry, ...] = ()
    if values is not None and probe is not None:
        if mode == "full":
            ok = compare_jacobians(values, probe.numerical, rtol=rtol, atol=atol).ok
        else:
            ok = probe.agrees(values)
        diff = np.abs(values - probe.numerical).reshape(-1)
        allowed = np.broadcast_to(probe.allowed, np.shape(values)).reshape(-1)
        # worst first: the entries that use the largest share of their allowance
        share = diff / allowed if np.all(allowed > 0) else diff - allowed
        order = np.argsort(-share, kind="stable")[:_TOP]
        flat_values, flat_num = values.reshape(-1), probe.numerical.reshape(-1)
        worst = tuple(
            Entry(index_of(int(k)), float(flat_values[k]), float(flat_num[k]), float(diff[k]), float(allowed[k]))
            for k in order
        )
        max_error, failed = float(diff.max()), int(np.sum(diff > allowed))
    if not ok and mode == "fast":
        diagnosis = [
            *diagnosis,
            "fast mode compares projections v^T J u only; run mode='full' (on a smaller input if the "
            "full Jacobian is too large) to see which entries are wrong",
        ]
    return CheckResult(
        ok=ok,
        kind=kind,
        mode=mode,
        layout=layout,
        claimed_shape=claimed_shape,
        jacobian_shape=(p.m, p.n),
        input_shape=p.in_shape,
        output_shape=p.out_shape,
        max_error=max_error,
        worst=worst,
        failed=failed,
        compared=0 if probe is None else int(np.size(probe.numerical)),
        rtol=rtol,
        atol=atol,
        step=step,
        dtype=p.dtype,
        calls=p.calls,
        diagnosis=tuple(diagnosis) if not ok else (),
        notes=tuple(notes),
    )


def _probe_for(
    p: _Problem,
    mode: str,
    tolerances: tuple[float, float, float],
    seed: int,
    projections: int,
    pull: Callable[[FloatArray], FloatArray] | None = None,
) -> tuple[_Probe, FloatArray | None]:
    """The numerical side, and in fast mode the claimed projections pulled through `pull`."""
    step, rtol, atol = tolerances
    if mode == "full":
        return _Probe("full", p.numerical(step), rtol, atol), None
    V, W, numerical, claimed = p.project(seed, projections, step, pull)
    return _Probe("fast", numerical, rtol, atol, V, W), claimed


def check_jacobian(
    f: Callable[..., Any],
    claimed: Any,
    /,
    *args: Any,
    wrt: int | str = 0,
    mode: str = "full",
    layout: str = "auto",
    rtol: float | None = None,
    atol: float | None = None,
    step: float | None = None,
    seed: int = 0,
    dtype: Any = "float64",
    projections: int = 3,
    **kwargs: Any,
) -> CheckResult:
    """Check a claimed Jacobian or gradient of `f` against central differences, and diagnose a failure.

    Args:
        f: The function, called as `f(*args, **kwargs)`; it may return a
            scalar or an array.
        claimed: Your derivative at this point: an array, or a function with
            the same signature as `f` that returns it. Accepted shapes, for
            `f`'s output with m entries and the argument with n entries:
            `(m, n)` (numerator layout), `(n, m)` (denominator layout),
            output shape + input shape (as `jax.jacobian` returns it) or its
            reverse, and for a function with one output a gradient shaped like
            the argument (as `jax.grad` and PyTorch's `.grad` give it).
        *args: Positional arguments of `f`.
        wrt: The argument to differentiate with respect to: a position in
            `args` or a parameter name. Defaults to the first.
        mode: `"full"` compares every entry of the Jacobian (two calls of `f`
            per input entry); `"fast"` compares `projections` random
            projections `vᵀJu` (two calls of `f` each).
        layout: `"auto"` infers the layout from the shape and says which it
            assumed; a square shape that fits both is compared in numerator
            layout. `"numerator"` or `"denominator"` states it.
        rtol: Relative tolerance; None for the default of `dtype` (see
            [`DEFAULTS`][mcref.core.check.DEFAULTS]).
        atol: Absolute tolerance per Jacobian entry; None for the default.
        step: Relative step: entry `j` moves by `step * max(1, |x_j|)`; None
            for the default.
        seed: Seed of the random projections (fast mode).
        dtype: The precision `f` is evaluated in: `"float64"` (default; every
            floating-point numpy argument is converted to it), or `"float32"`
            or `"float16"` to check an implementation in that precision
            deliberately.
        projections: Number of random projections in fast mode.
        **kwargs: Keyword arguments of `f`.

    Returns:
        A [`CheckResult`][mcref.core.numerical.CheckResult], true when the check
        passed; `print(result.report())` explains it.

    Raises:
        TypeError: If `f` is not callable, `claimed` or the argument is not
            numeric, or an option has the wrong type.
        ValueError: If an option has a wrong value, `wrt` names no argument, or
            a value is empty or not finite.

    Warns:
        PrecisionWarning: If an argument is float32 or float16 (it is converted
            to float64), or `f` returns lower-precision values than it was given.

    Examples:
        The Jacobian of the element-wise square is diag(2x); forgetting the 2 is
        caught and named:

        >>> import numpy as np
        >>> from mcref.core.check import check_jacobian
        >>> x = np.array([1.0, -2.0, 3.0])
        >>> print(check_jacobian(lambda x: x**2, np.diag(2 * x), x).ok)
        True
        >>> result = check_jacobian(lambda x: x**2, np.diag(x), x)
        >>> print(result.ok)
        False
        >>> print(result.diagnosis[0])
        off by a constant factor: the numerical Jacobian is 2 times yours; a factor 2 is missing from yours
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    mode = _choice("mode", mode, _MODES)
    layout = _choice("layout", layout, _LAYOUTS)
    dt = _dtype(dtype)
    step, rtol, atol = _tolerances(dt, step, rtol, atol)
    seed = validate.integer("seed", seed, low=0)
    projections = validate.integer("projections", projections, low=1)
    given = None if callable(claimed) else validate.array("claimed", claimed)
    p = _Problem(f, args, kwargs, wrt, dt)
    c = given if given is not None else validate.array("claimed's value", claimed(*p.args, **p.kwargs))
    used, notes, ambiguous = _resolve_layout(c, layout, p)
    tolerances = (step, rtol, atol)
    if used is None:
        probe, _ = _probe_for(p, mode, tolerances, seed, projections)
        diagnosis = _diagnose_shape(c, probe, p, layout)
        return _result("jacobian", mode, None, c.shape, None, probe, _plain, p, tolerances, diagnosis, notes)
    C = _read(c, used, p)
    probe, projected = _probe_for(p, mode, tolerances, seed, projections, pull=lambda v: v @ C)
    if mode == "full":
        values = C
        # entry k of the (m, n) matrix sits at this position of the array as given
        positions = _read(np.arange(c.size).reshape(c.shape), used, p).reshape(-1)

        def index_of(k: int) -> tuple[int, ...]:
            return tuple(int(i) for i in np.unravel_index(int(positions[k]), c.shape))

    else:
        assert projected is not None
        values, index_of = projected, _plain
    diagnosis = []
    if not probe.agrees(values):
        diagnosis = _diagnose_fitted(C, probe, p, _transpose_hint("numerator" if used == "gradient" else used))
    elif ambiguous and probe.agrees(probe.matrix(C.T)):
        notes.append("the Jacobian is symmetric here, so both layouts agree")
    return _result("jacobian", mode, used, c.shape, values, probe, index_of, p, tolerances, diagnosis, notes)


def _plain(k: int) -> tuple[int, ...]:
    return (k,)


def check_backprop(
    f: Callable[..., Any],
    vjp: Callable[..., Any],
    /,
    *args: Any,
    wrt: int | str = 0,
    mode: str = "full",
    rtol: float | None = None,
    atol: float | None = None,
    step: float | None = None,
    seed: int = 0,
    dtype: Any = "float64",
    projections: int = 3,
    **kwargs: Any,
) -> CheckResult:
    """Check a backprop function, `vjp(v, ...) = vᵀJ`, against central differences of `f`.

    The backprop form never forms the Jacobian, so this check scales to large
    inputs in fast mode: for random unit `u` and `v` it compares `vjp(v) · u`
    with `v · (f(x + hu) - f(x - hu)) / 2h`. Full mode builds the Jacobian row
    by row as `vjp(e_i)`, one call per output entry, and compares every entry.

    Args:
        f: The function, called as `f(*args, **kwargs)`.
        vjp: The backprop function, called as `vjp(v, *args, **kwargs)` with `v`
            shaped like `f`'s value (a float when `f` returns a scalar); it must
            return `vᵀJ` shaped like the argument differentiated.
        *args: Positional arguments of `f`.
        wrt: The argument to differentiate with respect to: a position in
            `args` or a parameter name. Defaults to the first.
        mode: `"full"` or `"fast"`, as for [`check_jacobian`][mcref.core.check.check_jacobian].
        rtol: Relative tolerance; None for the default of `dtype`.
        atol: Absolute tolerance per Jacobian entry; None for the default.
        step: Relative step; None for the default.
        seed: Seed of the random projections (fast mode).
        dtype: The precision `f` is evaluated in, as for `check_jacobian`.
        projections: Number of random projections in fast mode.
        **kwargs: Keyword arguments of `f`.

    Returns:
        A [`CheckResult`][mcref.core.numerical.CheckResult] with `layout="numerator"`:
        full mode compares the matrix whose row `i` is `vjp(e_i)`.

    Raises:
        TypeError: If `f` or `vjp` is not callable, a value is not numeric, or
            an option has the wrong type.
        ValueError: If an option has a wrong value, `wrt` names no argument, or
            a value is empty or not finite.

    Warns:
        PrecisionWarning: As for `check_jacobian`.

    Examples:
        The backprop form of the element-wise square at a hundred thousand
        entries, in seven calls of `f`:

        >>> import numpy as np
        >>> from mcref.core.check import check_backprop
        >>> x = np.linspace(-2.0, 2.0, 100_000)
        >>> result = check_backprop(lambda x: x**2, lambda v, x: 2 * x * v, x, mode="fast")
        >>> print(result.ok, result.calls)
        True 7
        >>> print(bool(check_backprop(lambda x: x**2, lambda v, x: x * v, x, mode="fast")))
        False
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not callable(vjp):
        raise TypeError(f"vjp must be callable, got {type(vjp).__name__}")
    mode = _choice("mode", mode, _MODES)
    dt = _dtype(dtype)
    step, rtol, atol = _tolerances(dt, step, rtol, atol)
    seed = validate.integer("seed", seed, low=0)
    projections = validate.integer("projections", projections, low=1)
    p = _Problem(f, args, kwargs, wrt, dt)
    tolerances = (step, rtol, atol)
    wrong_shape: list[tuple[int, ...]] = []

    def pull(v: FloatArray) -> FloatArray:
        cotangent: Any = float(v[0]) if p.out_shape == () else v.reshape(p.out_shape).astype(dt)
        g = validate.array("vjp's value", vjp(cotangent, *p.args, **p.kwargs))
        if g.shape != p.in_shape:
            wrong_shape.append(g.shape)
            return np.zeros(p.n)
        return g.reshape(-1)

    index_of: Callable[[int], tuple[int, ...]]
    if mode == "full":
        probe, _ = _probe_for(p, mode, tolerances, seed, projections)
        C = np.stack([pull(e) for e in np.eye(p.m)])  # row i is e_iᵀJ: one call of vjp per output entry
        values, index_of = C, lambda k: (k // p.n, k % p.n)
    else:
        probe, projected = _probe_for(p, mode, tolerances, seed, projections, pull=pull)
        assert projected is not None
        values, index_of = projected, _plain
    if wrong_shape:
        shape = wrong_shape[0]
        diagnosis = [
            f"vjp returned shape {shape}; it must return vᵀJ shaped like {p.name}, {p.in_shape}, "
            "as jax.vjp and PyTorch's .grad do"
        ]
        if math.prod(shape) == p.m * p.n and p.m > 1:
            diagnosis.append(f"it has {p.m} x {p.n} entries: a full Jacobian, not the product vᵀJ")
        return _result("vjp", mode, None, shape, None, None, _plain, p, tolerances, diagnosis, [])
    diagnosis = []
    if not probe.agrees(values):
        if mode == "full":
            diagnosis = _diagnose_fitted(values, probe, p, "vjp computes J v (a JVP), not vᵀJ")
        else:
            c = probe.factor(values)
            if c is not None:
                diagnosis = [f"the projections are consistent with this: {_factor_text(c, p.sizes)}"]
    return _result("vjp", mode, "numerator", p.in_shape, values, probe, index_of, p, tolerances, diagnosis, [])
