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
* `mode="fast"` compares `projections` (default 3) random projections
  `vᵀJw` instead, at a bounded cost: `1 + 4 * projections` calls of `f`
  (13 by default) and `projections` calls of the claim's VJP, whatever the
  size of the input. The note below gives the design and its guarantees.

Fast mode, the design. For projection k, `u ~ N(0, I_n)` and `v ~ N(0, I_m)`
are drawn independently (seeded). Entry `j` moves by `± h s_j u_j` and by
`± 2h s_j u_j`, with `s_j = max(1, |x_j|)` as in full mode; `w = s ∘ u` is the
move as actually taken, after rounding. `D(h) = (f(x + h w) - f(x - h w)) / 2h`
is the numerical `J w`, so the numerical projection is `v · D(h)` and the
claimed one `g · w`, where `g = vᵀ(claimed)` or `vjp(v)`.

*Error estimate.* Per output entry `i`, the truncation error of `D_i(h)` is
`c_i h² + O(h⁴)` and that of `D_i(2h)` is `4 c_i h²`, so `|D_i(h) - D_i(2h)|`
is at least three times the first when truncation dominates, and it carries
the rounding of both. A floor adds the rounding model: `KAPPA = 4` units of
eps in each value of `f`, and in `x` (`ê_i = |D_i(h) - D_i(2h)| + KAPPA eps
(|f_i(x+hw)| + |f_i(x-hw)| + 2 (‖x‖/‖w‖) |D_i(h)|) / 2h`). The projection's
error scale is `s_k = sqrt(Σ_i v_i² ê_i² + Σ_j (KAPPA eps g_j w_j)²)` (the
second sum is the claim's own rounding in its dtype), and a projection passes
when `|claimed - numerical| <= Z s_k + r_k`, with `Z = 6` and `r_k = (log2(m +
n) + 2) eps (Σ |v_i D_i| + Σ |g_j w_j|)`, the rounding bound of the two dot
products under numpy's pairwise summation. A given `rtol` or `atol` widens
this by `rtol |numerical| + atol ‖v‖ ‖w‖`; by default both are 0.

*False alarms.* The numerical side's error is `v · e`, where `e = D(h) - J w`
is fixed by `u` and `x`. The signs of `v` are independent of `e` and of
`|v|`, so by Hoeffding's inequality `P(|v · e| > Z sqrt(Σ v_i² e_i²)) <= 2
exp(-Z²/2) = 3e-8` per projection whenever `ê_i >= |e_i|`.

*Detection.* With `δ(v) = g - vᵀJ` the error of the claim, `claimed -
numerical = δ(v) · w - v · e`, and given `v`, `δ(v) · w = Σ_j δ_j s_j u_j` is
Gaussian with standard deviation `σ = ‖δ(v) ∘ s‖`. A projection misses only if
`|N(0, 1)| < 2t/σ` (`t = Z s_k + r_k`), probability at most `1.6 t / σ`, and
all `K` projections miss with that probability to the power `K`:

- (a) a VJP scaled by `1 + 1e-3`: `σ = 1e-3 ‖vᵀJ ∘ s‖`, about `1e-3 ‖J‖_F`; for
  an element-wise `f` with `|J_ii| >= 0.5` on `n = 10⁶` entries, `σ >= 0.5`
  while `t` is about `1.5e-5`: a miss has probability below `1e-4` per
  projection, `1e-12` for three.
- (b) one entry `k` wrong by relative `1e-2`: `δ(v)·w = 1e-2 (vᵀJ)_k s_k u_k`,
  for an element-wise `f` `1e-2 J_kk s_k v_k u_k`, a product of two
  Gaussians: `P(|v_k u_k| < a)` is about `(2a/π)(ln(1/a) + 1.3)`. At
  `n = 10⁶`, `|J_kk| >= 0.5`: `a = 2t / (5e-3) ≈ 6e-3`, a miss has probability
  about `0.025` per projection and `2e-5` for three, below the `1e-3` asked.
  `t` grows like `sqrt(m)` (the sum over outputs), so a single entry stays
  visible while `1e-2 |J_kk|` is well above `Z sqrt(m) KAPPA eps / h`.

A wrong entry whose own size is tiny next to the rounding of `f` (a
gradient entry of `1e-12` in a loss of size 1) is below any finite
difference's resolution and is not claimed. `benchmarks/fast_check_detection.py`
measures the detection curve; docs/check.md shows it.

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
    FAST_Z,
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
KAPPA = 4.0
"""Fast mode's rounding model: each value of f (and of the claim) is taken as accurate to KAPPA eps of itself."""
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


def _tolerances(dtype: str, mode: str, step: Any, rtol: Any, atol: Any) -> tuple[float, float, float]:
    """Step, rtol and atol: the defaults of `dtype` in full mode; in fast mode the tolerance is estimated,
    and rtol and atol are 0 unless given (they then widen the estimate)."""
    d = DEFAULTS[dtype]
    full = mode == "full"
    return (
        d.step if step is None else validate.positive_float("step", step),
        (d.rtol if full else 0.0) if rtol is None else validate.nonnegative_float("rtol", rtol),
        (d.atol if full else 0.0) if atol is None else validate.nonnegative_float("atol", atol),
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
        self.f = f
        self.notes: list[str] = []
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
            inside = (
                f"f returned {np.dtype(raw).name} values although {self.name} was {dtype}: it computes in "
                f"lower precision inside, so its rounding (about {np.finfo(raw).eps:.1g} relative) divided "
                f"by the step {DEFAULTS[dtype].step:g} swamps the numerical Jacobian and the check is "
                f"unreliable. Compute in {dtype}, or check deliberately with dtype='{np.dtype(raw).name}'."
            )
            self.notes.append(inside)  # in the report too: a failure is explained where it is read
            _warn(inside)

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
    ) -> _Projections:
        """Fast mode: `count` projections vᵀJw, numerically and as claimed, each with its error estimate.

        u and v are standard Gaussian vectors (entries N(0, 1), not normalised),
        drawn independently of each other and of f. The step moves entry `j` by
        `step * max(1, |x_j|) * u_j`, the same size as full mode's steps. `w` is
        that move as actually taken after rounding, divided by `2 * step`.
        Each projection evaluates f at x ± h u and at x ± 2h u (four calls):
        the difference of the two central differences, entry by entry of the
        output, estimates the truncation and rounding error of the first (see
        the module's note on fast mode).
        """
        rng = np.random.default_rng(seed)
        V = rng.standard_normal((count, self.m))
        U = rng.standard_normal((count, self.n))
        scale = np.maximum(1.0, np.abs(self.x64.reshape(-1)))
        eps = float(np.finfo(self.dtype).eps)
        W = np.empty_like(U)
        numerical, spread, rounding = np.empty(count), np.empty(count), np.empty(count)
        claimed = np.empty(count) if pull is not None else None
        for k in range(count):  # two central differences per projection: four calls of f
            move = step * scale * U[k]
            slopes, floor = [], np.zeros(self.m)
            for s in (1, 2):
                shift = (s * move).reshape(self.in_shape)
                plus, minus = self.cast(self.x64 + shift), self.cast(self.x64 - shift)
                f_plus = evaluate(self.call, self.name, plus).reshape(-1)
                f_minus = evaluate(self.call, self.name, minus).reshape(-1)
                if f_plus.size != self.m or f_minus.size != self.m:
                    raise ValueError(f"f changed its output size from {self.m} to {f_plus.size} when {self.name} moved")
                slopes.append((f_plus - f_minus) / (2 * s * step))  # J w, for the step w actually taken
                if s == 1:
                    taken = np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)
                    W[k] = taken.reshape(-1) / (2 * step)
                    # f's own rounding, divided by the step: KAPPA eps of each value, and the effect of a
                    # relative error of KAPPA eps in x (an inner x² near π makes sin(x²) ~ 0 but not its error)
                    reach = float(np.linalg.norm(self.x64)) / max(float(np.linalg.norm(W[k])), 1e-300)
                    values = np.abs(f_plus) + np.abs(f_minus) + 2 * reach * np.abs(slopes[0])
                    floor = KAPPA * eps * values / (2 * step)
            estimate = np.abs(slopes[0] - slopes[1]) + floor  # per output entry: bounds |error of slopes[0]|
            numerical[k] = _dot(V[k], slopes[0])
            terms = float(np.sum(np.abs(V[k] * slopes[0])))
            variance = float(np.sum((V[k] * estimate) ** 2))
            if claimed is not None and pull is not None:
                gw = pull(V[k]) * W[k]
                claimed[k] = float(np.sum(gw))
                terms += float(np.sum(np.abs(gw)))
                variance += float(np.sum((KAPPA * eps * gw) ** 2))  # the claim's own rounding in its dtype
            spread[k] = math.sqrt(variance)
            # pairwise summation: each dot product is exact to (log2(length) + 2) eps of its terms
            rounding[k] = (math.log2(self.m + self.n) + 2) * float(np.finfo(np.float64).eps) * terms
        return _Projections(V, W, numerical, claimed, spread, rounding)


@dataclass(frozen=True)
class _Projections:
    """What fast mode measured: rows v and w, the numerical and claimed vᵀJw, and the error estimates."""

    V: FloatArray
    W: FloatArray
    numerical: FloatArray
    claimed: FloatArray | None
    spread: FloatArray  # s_k: the error's standard scale, from the two steps and the rounding model
    rounding: FloatArray  # the rounding of the two dot products


def _warn(message: str) -> None:
    # stacklevel 4: _warn <- _Problem.__init__ <- check_jacobian / check_backprop <- the caller
    warnings.warn(message, PrecisionWarning, stacklevel=4)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """a · b by numpy's pairwise summation, whose rounding is bounded by (log2(n) + 2) eps times the sum
    of |a_i b_i| (fast mode's tolerance relies on it); `a @ b` goes to a multi-threaded BLAS, whose
    threads wait for each other when other processes share the cores."""
    return float(np.sum(a * b))


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
        projections: _Projections | None = None,
    ) -> None:
        self.mode, self.numerical, self.rtol, self.atol = mode, numerical, rtol, atol
        self.V = self.W = None
        if mode == "full":
            self.allowed = atol + rtol * np.abs(numerical)
        else:
            assert projections is not None
            P = projections
            self.V, self.W = P.V, P.W
            # the estimated error of each projection; rtol and atol only widen it when given
            norms = np.linalg.norm(P.V, axis=1) * np.linalg.norm(P.W, axis=1)
            self.allowed = FAST_Z * P.spread + P.rounding + rtol * np.abs(numerical) + atol * norms

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


def _factor_text(c: float, sizes: list[tuple[int, str]], p: _Problem | None = None) -> str:
    """Name a constant factor c, where numerical = c * claimed.

    A size N is offered as a missing 1/N only when f averages over that axis (its value stays
    the same when the axis is repeated), and as a missing N only when f sums over it (its value
    doubles): see `_reduces`.
    """
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
            if math.isclose(a, k, rel_tol=1e-4) and p is not None and _reduces(p, k) == "sum":
                reason = (
                    f"a factor N is missing from yours, where N = {k} is {label}, over which f sums "
                    "(or you divided by N where f does not)"
                )
                break
            if math.isclose(a, 1.0 / k, rel_tol=1e-4) and p is not None and _reduces(p, k) == "mean":
                reason = (
                    f"a factor 1/N is missing from yours, where N = {k} is {label}, over which f averages: "
                    "a mean differentiated as a sum?"
                )
                break
    # a negative factor other than -1 is not "a flipped sign": the size is wrong as well
    sign = " (of the opposite sign)" if c < 0 else ""
    detail = f"; {reason}" if reason else ""
    return f"off by a constant factor: the numerical Jacobian is {_ratio(c)} times yours{sign}{detail}"


def _reduces(p: _Problem, k: int) -> str | None:
    """Whether f averages ("mean") or sums ("sum") over the axes of length k of its arguments.

    Every axis of length k of every array argument is repeated twice (np.tile along it) and f is
    called once more: a mean over that axis gives the same value, a sum twice the value. None when
    f refuses the repeated arguments or its value changes otherwise.
    """

    def doubled(v: Any) -> Any:
        if not isinstance(v, np.ndarray) or k not in v.shape:
            return v
        return np.tile(v, tuple(2 if size == k else 1 for size in v.shape))

    try:
        p.calls += 1
        out = p.f(*(doubled(v) for v in p.args), **{name: doubled(v) for name, v in p.kwargs.items()})
        value = validate.as_float_array("f's value", out)
    except Exception:  # any refusal means: not a reduction over this axis
        return None
    if value.shape != p.f0.shape:
        return None
    scale = float(np.max(np.abs(p.f0))) or 1.0
    if np.allclose(value, p.f0, rtol=1e-9, atol=1e-12 * scale):
        return "mean"
    if np.allclose(value, 2 * p.f0, rtol=1e-9, atol=1e-12 * scale):
        return "sum"
    return None


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
        note = f"layout auto: the shape {shape} was read as {chosen} layout ({rows})"
        if den and p.m > 1:
            note += "; auto fails a Jacobian that fits only transposed, pass layout='denominator' to accept it"
        return chosen, [note], False
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
    single = np.size(probe.numerical) == 1  # one number: any wrong value is "a constant factor" of it
    c = None if single else probe.factor(probe.matrix(C))
    if c is not None:
        found.append(_factor_text(c, p.sizes, p))
    elif square and not found:
        c = probe.factor(probe.matrix(C.T))
        if c is not None:
            found.append("transposed and " + _factor_text(c, p.sizes, p))
    if probe.mode == "full" and not found:
        found.extend(_diagnose_entries(C, probe, p))
    if probe.mode == "fast":
        found = [f"the projections are consistent with this: {d}" for d in found]
    return found


_KINK_COLUMNS = 10  # one-sided differences cost two calls of f per column: look at this many at most


def _diagnose_kinks(C: FloatArray, probe: _Probe, p: _Problem, step: float) -> list[str]:
    """Full mode: failing entries whose central difference straddles a kink of f.

    For each failing column j (at most _KINK_COLUMNS), the one-sided differences
    (f(x + h e_j) - f(x)) / h and (f(x) - f(x - h e_j)) / h are compared: for a smooth f
    they differ by about h f'', for a kink within h of x_j by the jump of the slope. An
    entry is put down to a kink when the two differ by more than 1% (and far more than
    the tolerance) and yours lies between them (a one-sided derivative, or a convention
    such as ReLU's 0 at 0). Returns [] unless every failing entry is such a one, so that
    a wrong derivative near a kink is still diagnosed as wrong.
    """
    if probe.mode != "full":
        return []
    bad = np.argwhere(np.abs(C - probe.numerical) > probe.allowed)
    columns = sorted({int(j) for _, j in bad})
    if not columns or len(columns) > _KINK_COLUMNS:
        return []
    flat = p.x64.reshape(-1)
    f0 = p.f0.reshape(-1)
    found = []
    for j in columns:
        h = step * max(1.0, abs(float(flat[j])))
        sides = []
        for sign in (1.0, -1.0):
            moved = flat.copy()
            moved[j] += sign * h
            point = p.cast(moved.reshape(p.in_shape))
            taken = float(np.asarray(point, dtype=np.float64).reshape(-1)[j] - flat[j])
            sides.append((evaluate(p.call, p.name, point).reshape(-1) - f0) / taken)
        right, left = sides
        for i in (int(i) for i, jj in bad if jj == j):
            r, lft, c, allowed = float(right[i]), float(left[i]), float(C[i, j]), float(probe.allowed[i, j])
            jump = abs(r - lft)
            between = min(r, lft) - allowed <= c <= max(r, lft) + allowed
            if not (jump > 0.01 * (abs(r) + abs(lft)) and jump > 100 * allowed and between):
                return []
            index = ", ".join(str(int(t)) for t in np.unravel_index(j, p.in_shape))
            where = f"{p.name}[{index}]" if p.in_shape else p.name
            entry = "" if p.m * p.n == 1 else f"entry ({i}, {j}): "
            found.append(
                f"{entry}{where} = {format_number(float(flat[j]), 6)} is within one step (h = {h:.3g}) of a kink, "
                f"a point where f is not differentiable: the one-sided differences are {format_number(lft, 6)} to "
                f"the left and {format_number(r, 6)} to the right, and the central difference averages them "
                f"({format_number(float(probe.numerical[i, j]), 6)}). Yours, {format_number(c, 6)}, lies between "
                "the one-sided slopes, so this is not a wrong derivative: move the point more than h away from "
                "the kink to check it"
            )
    return found


def _diagnose_entries(C: FloatArray, probe: _Probe, p: _Problem) -> list[str]:
    """Full mode, no pattern found: a gradient of a matrix given transposed, or a single wrong entry."""
    if p.m == 1 and len(p.in_shape) == 2 and p.in_shape[0] == p.in_shape[1] > 1:
        G = C.reshape(p.in_shape)
        if probe.agrees(G.T.reshape(1, -1)):
            return [
                f"the transpose matches: your gradient is transposed; for {p.name} of shape {p.in_shape} "
                f"entry (i, j) of the gradient is the derivative by {p.name}[i, j] (pass G.T)"
            ]
    bad = np.abs(C - probe.numerical) > probe.allowed
    if C.size > 1 and int(bad.sum()) == 1:
        i, j = (int(t) for t in np.argwhere(bad)[0])
        where = f"{p.name}[{', '.join(str(int(t)) for t in np.unravel_index(j, p.in_shape))}]"
        entry = f"the derivative by {where}" if p.m == 1 else f"({i}, {j}) of the Jacobian (numerator layout)"
        return [
            f"one entry differs: {entry}, yours "
            f"{format_number(float(C[i, j]), 6)}, numerical {format_number(float(probe.numerical[i, j]), 6)}; "
            "every other entry matches"
        ]
    return []


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
        found.extend(_diagnose_column_sums(c, probe, p))
    elif p.m == 1 and c.shape == (p.n, p.n) and p.n > 1:
        found.extend(_diagnose_full_for_gradient(c, probe, p))
    elif p.m == 1 and len(p.in_shape) == 2 and c.shape == p.in_shape[::-1]:
        # the gradient of a matrix argument, shaped like its transpose: found[0] does not apply
        matches = probe.agrees(probe.matrix(c.T.reshape(1, -1)))
        return [
            f"the shape {c.shape} is the transpose of {p.name}'s shape {p.in_shape}: "
            + (
                f"the transpose matches: your gradient is transposed (entry (i, j) of the gradient is the "
                f"derivative by {p.name}[i, j]); pass G.T"
                if matches
                else "transposed, it does not match either"
            )
        ]
    elif c.size == p.m * p.n:
        for layout, flat in (("numerator", (p.m, p.n)), ("denominator", (p.n, p.m))):
            if probe.agrees(probe.matrix(_read(c.reshape(flat), layout, p))):
                found.append(
                    f"it has the right number of entries, {c.size}, and reshaped to {flat} "
                    f"({layout} layout) it matches: reshape it"
                )
                break
        else:
            found.extend(_diagnose_column_major(c, probe, p))
    if c.size == p.n and p.m > 1 and p.m != p.n:
        found.extend(_diagnose_column_sums(c, probe, p))
    return found


def _diagnose_column_major(c: FloatArray, probe: _Probe, p: _Problem) -> list[str]:
    """The derivative by a matrix argument flattened column by column (vec, Fortran order)."""
    if len(p.in_shape) < 2:
        return []
    # read c as the input-shaped block of each output, flattened in Fortran order
    blocks = c.reshape(p.m, p.n) if c.ndim != 1 or p.m > 1 else c.reshape(1, p.n)
    C = np.stack([row.reshape(p.in_shape, order="F").reshape(-1) for row in blocks])
    if probe.agrees(probe.matrix(C)):
        return [
            f"read column by column it matches: yours is flattened column-major (vec, Fortran order, "
            f"as .ravel(order='F') or MATLAB give it), and mcref flattens {p.name} row-major; pass it "
            f"shaped like {p.name}, {p.in_shape}, or flatten with .ravel()"
        ]
    return []


def _diagnose_column_sums(c: FloatArray, probe: _Probe, p: _Problem) -> list[str]:
    """A vector of length n where f has m > 1 outputs: the column sums 1ᵀJ, the gradient of sum(f)?"""
    if probe.mode != "full" or c.size != p.n or p.m == 1:
        return []
    sums = probe.numerical.sum(axis=0)
    allowed = probe.allowed.sum(axis=0)
    if bool(np.all(np.abs(c.reshape(-1) - sums) <= allowed)):
        return [
            f"it matches the column sums of the Jacobian, 1ᵀJ: the gradient of sum(f), what backprop "
            f"returns for v = 1; f returns {p.m} values, so its Jacobian is {p.m} x {p.n}, one row per output"
        ]
    return []


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
    refuse: bool = False,
) -> CheckResult:
    """The CheckResult; `refuse` fails it whatever the comparison says (a transposed Jacobian in auto)."""
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
    ok = ok and not refuse
    notes = [*p.notes, *notes]
    if not ok and mode == "fast" and not refuse:
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
    P = p.project(seed, projections, step, pull)
    return _Probe("fast", P.numerical, rtol, atol, P), P.claimed


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
            projections `vᵀJw` (four calls of `f` each, `1 + 4 * projections`
            in all; see the module description for the tolerance and what it
            detects).
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
    step, rtol, atol = _tolerances(dt, mode, step, rtol, atol)
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
    # auto never passes a transposed Jacobian: only its shape says "denominator", and a mistake has the same
    # shape. A gradient of a scalar f as an (n, 1) column is the one unambiguous denominator shape.
    transposed = layout == "auto" and used == "denominator" and p.m > 1
    if not probe.agrees(values):
        diagnosis = _diagnose_kinks(C, probe, p, step) or _diagnose_fitted(
            C, probe, p, _transpose_hint("numerator" if used == "gradient" else used)
        )
        if transposed:
            diagnosis = [f"read in denominator layout (its shape {c.shape} is the transposed one), it does not "
                         "match either", *diagnosis]
    elif transposed:
        diagnosis = [
            f"the transpose matches: your {c.shape} array is the Jacobian in denominator layout (one row per "
            f"input); layout='auto' reads a Jacobian only as {(p.m, p.n)}, one row per output, so that a "
            "transposed Jacobian is not taken for a right one; pass layout='denominator' to state it, or "
            "transpose it"
        ]
    elif ambiguous and probe.agrees(probe.matrix(C.T)):
        notes.append("the Jacobian is symmetric here, so both layouts agree")
    if diagnosis == [] and callable(claimed) and not probe.agrees(values):
        diagnosis = _diagnose_symmetric_only(f, claimed, p, dict(wrt=wrt, mode=mode, layout=layout, seed=seed,
                                                                 dtype=dtype, projections=projections))
    return _result(
        "jacobian", mode, used, c.shape, values, probe, index_of, p, tolerances, diagnosis, notes, refuse=transposed
    )


def _diagnose_symmetric_only(
    f: Callable[..., Any], claimed: Callable[..., Any], p: _Problem, options: dict[str, Any]
) -> list[str]:
    """A claim that is right once a square matrix argument M is replaced by its symmetric part (M + Mᵀ)/2.

    The usual case: 2Ax for the gradient of xᵀAx, which is (A + Aᵀ)x. Each square argument other
    than the variable is tried, with the same check (its calls of f are counted).
    """
    found: list[str] = []
    for key, value in _items(p.args, p.kwargs):
        label = _arg_label(f, p.args, p.kwargs, key)
        if label == p.name or not isinstance(value, np.ndarray) or value.ndim != 2:
            continue
        if value.shape[0] != value.shape[1] or value.shape[0] < 2 or np.allclose(value, value.T):
            continue
        symmetric = (value + value.T) / 2
        args = tuple(symmetric if k == key else v for k, v in enumerate(p.args))
        kwargs: dict[str, Any] = {k: symmetric if k == key else v for k, v in p.kwargs.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PrecisionWarning)
            try:
                inner = check_jacobian(f, claimed, *args, **options, **kwargs)
            except (TypeError, ValueError):
                continue
        p.calls += inner.calls
        if inner.ok:
            found.append(
                f"your claim is right only for symmetric {label}: with {label} replaced by its symmetric part "
                f"({label} + {label}ᵀ)/2 it matches, but {label} is not symmetric; where {label} appears in a "
                f"quadratic form both {label} and {label}ᵀ enter the derivative (the gradient of xᵀ{label}x "
                f"is ({label} + {label}ᵀ)x, not 2{label}x)"
            )
    return found


def _vjp_call_failed(vjp: Callable[..., Any], p: _Problem, exc: Exception) -> str:
    """The message for a vjp that raised: the calling convention, and the order of its parameters if it shows."""
    shape = "a float" if p.out_shape == () else f"shape {p.out_shape}"
    text = (
        f"vjp raised {type(exc).__name__} when called as vjp(v, *args, **kwargs), with v first ({shape}, "
        f"shaped like f's value) and then f's arguments ({p.name} has shape {p.in_shape}): {exc}"
    )
    try:
        names = list(inspect.signature(vjp).parameters)
    except (TypeError, ValueError):
        names = []
    if names and names[0] != "v" and "v" in names[1:]:
        text += f". Its parameters are ({', '.join(names)}): v must come first, as vjp(v, {p.name}, ...)"
    else:
        text += ". If your function takes f's arguments first and v last, reorder its parameters: vjp(v, ...)"
    return text


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
    inputs in fast mode: for random Gaussian `w` and `v` it compares `vjp(v) · w`
    with `v · (f(x + hw) - f(x - hw)) / 2h`, within an estimate of that
    difference's own error (see the module description). Full mode builds the Jacobian row
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
        entries, in thirteen calls of `f` (one at x, four per projection):

        >>> import numpy as np
        >>> from mcref.core.check import check_backprop
        >>> x = np.linspace(-2.0, 2.0, 100_000)
        >>> result = check_backprop(lambda x: x**2, lambda v, x: 2 * x * v, x, mode="fast")
        >>> print(result.ok, result.calls)
        True 13
        >>> print(bool(check_backprop(lambda x: x**2, lambda v, x: x * v, x, mode="fast")))
        False
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not callable(vjp):
        raise TypeError(f"vjp must be callable, got {type(vjp).__name__}")
    mode = _choice("mode", mode, _MODES)
    dt = _dtype(dtype)
    step, rtol, atol = _tolerances(dt, mode, step, rtol, atol)
    seed = validate.integer("seed", seed, low=0)
    projections = validate.integer("projections", projections, low=1)
    p = _Problem(f, args, kwargs, wrt, dt)
    tolerances = (step, rtol, atol)
    wrong_shape: list[tuple[int, ...]] = []

    def pull(v: FloatArray) -> FloatArray:
        cotangent: Any = float(v[0]) if p.out_shape == () else v.reshape(p.out_shape).astype(dt)
        try:
            value = vjp(cotangent, *p.args, **p.kwargs)
        except (ValueError, TypeError, IndexError) as exc:  # numpy's shape errors, a wrong signature
            raise type(exc)(_vjp_call_failed(vjp, p, exc)) from exc
        g = validate.array("vjp's value", value)
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
            diagnosis = _diagnose_kinks(values, probe, p, step) or _diagnose_fitted(
                values, probe, p, "vjp computes J v (a JVP), not vᵀJ"
            )
        else:
            c = probe.factor(values)
            if c is not None:
                diagnosis = [f"the projections are consistent with this: {_factor_text(c, p.sizes, p)}"]
    return _result("vjp", mode, "numerator", p.in_shape, values, probe, index_of, p, tolerances, diagnosis, [])
