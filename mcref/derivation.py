"""`mcref.derive`: the engine's result, proven exactly, then checked numerically with mcref's checker.

[`mcref.engine.derive`][mcref.engine.derive.derive] (no numpy) proves each result exactly. This layer
runs the numpy code it wrote and checks it with [`check_jacobian`][mcref.core.check.check_jacobian]
([`check_backprop`][mcref.core.check.check_backprop] for a VJP), full mode, at random points of two
sets of sizes, each dimension symbol a size of its own (n=3, m=4, ... and n=5, m=2, ...). The points
lie where f is defined: symbols under `log`, `sqrt` or a negative or fractional power get entries in
[0.5, 1.5] (scalars too), others standard normal ones; a square matrix under `det`, `logdet` or an
inverse is U + nI, U's entries in [-1, 1] (a positive determinant); a symmetric one is drawn
symmetric, and a symmetric variable is checked along symmetric directions. A point where a `log`
argument is not positive or a `det` argument has a condition number above 1e6 is drawn again (five
times), else its sizes are left out (log det(XᵀX) needs a tall X); one set at least is checked. A
failure raises [`DeriveError`][mcref.engine.errors.DeriveError].
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from mcref.core.check import check_backprop, check_jacobian
from mcref.core.numerical import ATOL, RTOL, STEP, CheckResult
from mcref.engine import ir
from mcref.engine.derive import Derivative
from mcref.engine.derive import derive as derive_exactly
from mcref.engine.errors import DeriveError
from mcref.engine.numpy_code import Printer, dim_sources
from mcref.engine.parse import parse

__all__ = ["check_numerically", "derive", "points"]

_SEED = 20261205  # the same points every time
_MAX_CONDITION = 1e6  # for a matrix inside a det, logdet or inverse at a checked point
_TRIES = 5


def derive(
    expr: str, wrt: str, shapes: dict[str, str] | str | None = None, *, syntax: str = "auto", order: int = 1
) -> Derivative:
    """[`mcref.engine.derive`][mcref.engine.derive.derive] (same arguments), then the numerical check.

    Returns:
        A [`Derivative`][mcref.engine.derive.Derivative]; its last `checks` entry states the numerical
        check (checker, step, tolerances, sizes), and `check_call` re-checks it on your own data.

    Raises:
        DeriveError: As the engine's, or the numpy code failed its numerical check (never expected).

    Examples:
        >>> import mcref
        >>> import numpy as np
        >>> d = mcref.derive("x.T @ A @ x", "x")
        >>> print(d.denominator, "|", d.checks[-1].split("points, ")[1])
        \\left(A + A^T\\right) x | n=3 and n=2
        >>> print(d.check_call)
        mcref.check_jacobian(f, grad_f, x, A, wrt="x").ok
        >>> scope = {"mcref": mcref, "x": np.array([1.0, -2.0]), "A": np.array([[1.0, 2.0], [0.0, 3.0]])}
        >>> exec(d.numpy, scope)
        >>> eval(d.check_call, scope)
        True
    """
    d = derive_exactly(expr, wrt, shapes, syntax=syntax, order=order)
    return dataclasses.replace(d, checks=(*d.checks, check_numerically(d)))


def _derivative(d: Any) -> None:
    if not isinstance(d, Derivative):
        raise TypeError(f"d must be a Derivative (a result of mcref.derive); got {type(d).__name__}")


def _names(n: ir.Node) -> set[str]:
    return {m.data[0] for m in ir.walk(n) if m.op == "var"}


def _needs(tree: ir.Node) -> tuple[set[str], set[str], list[ir.Node], list[ir.Node]]:
    """Symbols drawn positive, symbols drawn as U + nI, and the nodes whose arguments are checked at a point."""
    positive: set[str] = set()
    dominant: set[str] = set()
    signed: list[ir.Node] = []
    square: list[ir.Node] = []
    for n in ir.walk(tree):
        fractional = n.op == "pow" and not (n.data.is_integer and n.data > 0)
        if (n.op == "fn" and n.data in ("log", "sqrt")) or fractional:
            positive |= _names(n.args[0])
            signed.append(n.args[0])
        if n.op in ("det", "logdet", "inv"):
            dominant |= _names(n.args[0])
            square.append(n.args[0])
        if n.op == "logdet":
            signed.append(n)  # log det needs det > 0: checked through the determinant below
    return positive, dominant, signed, square


def _size_sets(dims: list[Any]) -> list[dict[str, int]]:
    """Two assignments, each giving every dimension symbol a size of its own: 3, 4, 5, ... and ..., 8, 5, 2."""
    names = [d for d in dims if isinstance(d, str)]
    k = len(names)
    return [{d: 3 + i for i, d in enumerate(names)}, {d: 2 + 3 * (k - 1 - i) for i, d in enumerate(names)}]


def _draw(
    shapes: dict[str, tuple[Any, Any]],
    sizes: dict[str, int],
    positive: set[str],
    dominant: set[str],
    symmetric: set[str],
    rng: np.random.Generator,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, (r, c) in shapes.items():
        nr, nc = sizes.get(r, r), sizes.get(c, c)
        if (nr, nc) == (1, 1):
            values[name] = float(rng.uniform(0.5, 1.5))
            continue
        square = nr == nc and name in dominant
        if square:
            m = rng.uniform(-1.0, 1.0, size=(nr, nc))
        elif name in positive:
            m = rng.uniform(0.5, 1.5, size=(nr, nc))
        else:
            m = rng.standard_normal(size=(nr, nc))
        if name in symmetric:
            m = (m + m.T) / 2
        if square:
            m = m + nr * np.eye(nr)
        values[name] = m[:, 0] if nc == 1 else m
    return values


def _defined(namespace: dict[str, Any], values: dict[str, Any], signed: list[str], square: list[str]) -> bool:
    """Does the point lie where f is defined and well conditioned?"""
    scope = {**namespace, **values}
    with np.errstate(all="ignore"):
        try:
            for code in signed:
                v = np.asarray(eval(code, scope))  # the engine's own numpy text, not the reader's
                if not np.all(np.isfinite(v)) or np.any(v <= 1e-3):
                    return False
            for code in square:
                v = np.asarray(eval(code, scope))
                if not np.all(np.isfinite(v)) or np.linalg.cond(v) > _MAX_CONDITION:
                    return False
            return bool(np.all(np.isfinite(namespace["f"](**values))))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            return False


def _expected(shape: tuple[int, int]) -> tuple[int, ...]:
    """numpy's shape for a node's shape: () for a scalar, (r,) for a column, (r, c) otherwise."""
    r, c = shape
    return () if (r, c) == (1, 1) else (r,) if c == 1 else (r, c)


def _sym(a: Any) -> Any:
    return (a + a.T) / 2


def points(d: Derivative, namespace: dict[str, Any] | None = None) -> list[tuple[dict[str, int], dict[str, Any]]]:
    """Random points where f is defined, one per set of sizes: [(sizes, f's arguments by name), ...].

    `namespace` is `d.numpy` already run (run here when None). Scalars are floats, vectors 1-D.

    Examples:
        >>> import mcref
        >>> from mcref.derivation import points
        >>> [(sizes, {k: v.shape for k, v in values.items()}) for sizes, values in points(mcref.derive("W @ x", "x"))]
        [({'n': 3, 'm': 4}, {'W': (3, 4), 'x': (4,)}), ({'n': 5, 'm': 2}, {'W': (5, 2), 'x': (2,)})]
    """
    _derivative(d)
    if namespace is None:
        namespace = {}
        exec(compile(d.numpy, "<mcref.derive>", "exec"), namespace)  # the engine's own code
    parsed = parse(d.expr, dict(d.shapes), d.syntax)
    shapes = parsed.shapes
    positive, dominant, signed_nodes, square_nodes = _needs(parsed.tree)
    printer = Printer(dim_sources(shapes))
    signed = [printer.p(n if n.op != "logdet" else ir.node("det", n.args, (1, 1))) for n in signed_nodes]
    square = [printer.p(n) for n in square_nodes]
    dims = list(dict.fromkeys(d_ for s in shapes.values() for d_ in s))
    rng = np.random.default_rng(_SEED)
    found = []
    for sizes in _size_sets(dims):
        for _ in range(_TRIES):
            values = _draw(shapes, sizes, positive, dominant, set(d.declared_symmetric), rng)
            if _defined(namespace, values, signed, square):
                found.append((sizes, values))
                break
    return found


def check_numerically(d: Derivative) -> str:
    """Run `d.numpy` and check its derivative with mcref's checker; return what was checked, or raise.

    Args:
        d: A result of [`mcref.engine.derive`][mcref.engine.derive.derive].

    Returns:
        The sentence for `checks`: the checker, its step and tolerances, the sizes.

    Raises:
        DeriveError: The numpy code's derivative disagrees with central differences, has the wrong shape,
            or no point in f's domain was found.
        TypeError: `d` is not a `Derivative`.
    """
    _derivative(d)
    namespace: dict[str, Any] = {}
    exec(compile(d.numpy, "<mcref.derive>", "exec"), namespace)  # the engine's own code
    found = points(d, namespace)
    if not found:
        raise DeriveError(
            "the numerical check found no point where f is defined and well conditioned at the sizes it tried; "
            "the engine returns no formula it could not check"
        )
    parsed = parse(d.expr, dict(d.shapes), d.syntax)
    shapes = parsed.shapes
    symmetric = set(d.declared_symmetric)
    positive, dominant, _, _ = _needs(parsed.tree)
    checked: list[str] = []
    for sizes, values in found:
        _check_at(d, namespace, values, list(shapes), sizes, shapes)
        checked.append(", ".join(f"{k}={v}" for k, v in sizes.items()) or "the declared sizes")
    drawn = []
    if positive:
        drawn.append(f"{', '.join(sorted(positive))} drawn positive (under log, sqrt or a negative power)")
    square_names = sorted(k for k in dominant if shapes[k][0] == shapes[k][1] and shapes[k] != (1, 1))
    if square_names:
        drawn.append(f"{', '.join(square_names)} drawn as U + nI (inside det, logdet or an inverse)")
    if symmetric:
        drawn.append(f"{', '.join(sorted(symmetric))} drawn symmetric")
    how = "check_backprop" if d.kind == "vjp" else "check_jacobian"
    return (
        f"numerical: mcref.{how} on the numpy code (central differences, step {STEP:g}, rtol {RTOL:g}, "
        f"atol {ATOL:g}) at random points, {' and '.join(checked)}" + "".join(f"; {s}" for s in drawn)
    )


def _check_at(
    d: Derivative,
    namespace: dict[str, Any],
    values: dict[str, Any],
    names: list[str],
    sizes: dict[str, int],
    shapes: dict[str, tuple[Any, Any]],
) -> None:
    wrt = d.wrt
    f = namespace["f"]
    x_shape = np.shape(values[wrt])
    f_shape = np.shape(f(**values))
    symmetric = wrt in d.declared_symmetric

    def on_symmetric(g: Callable[..., Any], *, part: bool = False) -> Callable[..., Any]:
        """g at the symmetric part of the variable (and, with `part`, the symmetric part of its value)."""

        def h(*args: Any) -> Any:
            kw = dict(zip(names, args, strict=True))
            kw[wrt] = _sym(kw[wrt])
            out = g(**kw)
            return _sym(out) if part else out

        h.__signature__ = inspect.signature(f)  # type: ignore[attr-defined]
        return h

    args = [values[k] for k in names]
    results: list[tuple[str, CheckResult]] = []
    if d.kind in ("gradient", "hessian"):
        grad_f = namespace["grad_f"]
        _shape(d, "grad_f", np.shape(grad_f(*args)), x_shape, sizes)
        if symmetric:
            results.append(("grad_f", check_jacobian(on_symmetric(f), on_symmetric(grad_f, part=True), *args, wrt=wrt)))
        else:
            results.append(("grad_f", check_jacobian(f, grad_f, *args, wrt=wrt)))
    if d.kind == "hessian":
        hessian_f = namespace["hessian_f"]
        n = int(np.prod(x_shape))
        _shape(d, "hessian_f", np.shape(hessian_f(*args)), (n, n), sizes)
        second = check_jacobian(namespace["grad_f"], hessian_f, *args, wrt=wrt, layout="numerator")
        results.append(("hessian_f", second))
    if d.kind == "jacobian":
        jacobian_f = namespace["jacobian_f"]
        m, n = int(np.prod(f_shape)), int(np.prod(x_shape))
        _shape(d, "jacobian_f", np.shape(jacobian_f(*args)), _expected((m, n)), sizes)
        results.append(("jacobian_f", check_jacobian(f, jacobian_f, *args, wrt=wrt, layout="numerator")))
    if d.kind == "vjp":
        vjp_f = namespace["vjp_f"]
        _shape(d, "vjp_f", np.shape(vjp_f(np.ones(f_shape), *args)), x_shape, sizes)
        results.append(("vjp_f", check_backprop(f, vjp_f, *args, wrt=wrt)))
    for what, result in results:
        if not result.ok:
            where = ", ".join(f"{k}={v}" for k, v in sizes.items())
            raise DeriveError(
                f"internal: the numpy code's {what} failed its numerical check at {where}; this is a bug in the "
                f"engine, please report it\n{result.report()}"
            )


def _shape(d: Derivative, what: str, got: tuple[int, ...], want: tuple[int, ...], sizes: dict[str, int]) -> None:
    if tuple(got) != tuple(want):
        where = ", ".join(f"{k}={v}" for k, v in sizes.items())
        raise DeriveError(
            f"internal: the numpy code's {what} returned shape {tuple(got)}, expected {tuple(want)} at {where} "
            f"(f = {d.expr}); this is a bug in the engine, please report it"
        )
