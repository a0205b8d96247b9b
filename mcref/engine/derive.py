"""`derive`: from an expression to its derivative in both layouts, its steps by rule, numpy code and
the proof that it is right."""

from __future__ import annotations

from dataclasses import dataclass

from mcref.engine import ir, kron
from mcref.engine.errors import DeriveError
from mcref.engine.exact import prove, prove_kronecker, prove_transpose
from mcref.engine.numpy_code import dim_sources, source
from mcref.engine.parse import parse
from mcref.engine.reverse import gradient, jacobian_from_vjp

__all__ = ["Derivative", "check_call", "derive"]


@dataclass(frozen=True)
class Derivative:
    """A derivative the engine found and proved.

    Attributes:
        expr: The input as typed.
        wrt: The variable.
        kind: "gradient" (scalar f), "jacobian" (vector f of a vector or a scalar), "vjp"
            (a matrix f, or a vector f of a matrix: the map G ↦ vᵀJ, written with G shaped like f), or
            "hessian" (`order=2`: a scalar f of a vector x; `numerator` and `denominator` are then the
            Hessian H, H_ij = ∂²f/∂x_i∂x_j, n×n and symmetric, so both layouts are the same matrix).
        latex: The parsed expression f in LaTeX.
        numerator: The derivative in numerator layout (a row for a gradient, m×n for a Jacobian).
        denominator: The derivative in denominator layout (shaped like the variable for a gradient).
        f_shape: f's shape ("scalar", "n", "m×n").
        wrt_shape: The variable's shape.
        numerator_shape: The shape of the numerator-layout derivative.
        denominator_shape: The shape of the denominator-layout derivative.
        shapes: Every symbol's inferred shape.
        steps: (the differential in words, the mcref rule ID it applied, None for a gap).
        numpy: A module text defining f and its derivative with numpy (`grad_f`, `jacobian_f`, `vjp_f`;
            `grad_f` and `hessian_f` for a Hessian).
        checks: What was proven before the result was returned: the exact checks here, and the numerical
            one last when it comes from `mcref.derive` (`mcref.derivation`).
        syntax: "numpy" or "matrixcalculus", how the text was read.
        declared_symmetric: The symbols declared symmetric.
        kronecker: For a VJP, where it is unambiguous, the whole Jacobian ∂vec f/∂vec X as Kronecker
            products (vec stacks columns; kron(A, B) is the Kronecker product, K the commutation matrix; see
            `mcref.engine.kron`); "" where the VJP has no such form (G inside an element-wise product,
            a symmetric variable).
        kronecker_shape: Its shape, entries of f × entries of X ("(n·r)×(m·p)"); "" with no Kronecker form.
        gradient: For a Hessian, the gradient it differentiates (denominator layout); otherwise "".
        check_call: One line that re-checks the result on the reader's own data with mcref's checker,
            using the names `numpy` defines and the symbols as variables (`x`, `A`, ...):
            `mcref.check_jacobian(f, grad_f, x, A, wrt="x").ok`, `mcref.check_backprop(...)` for a VJP.
    """

    expr: str
    wrt: str
    kind: str
    latex: str
    numerator: str
    denominator: str
    f_shape: str
    wrt_shape: str
    numerator_shape: str
    denominator_shape: str
    shapes: dict[str, str]
    steps: tuple[tuple[str, str | None], ...]
    numpy: str
    checks: tuple[str, ...]
    syntax: str
    declared_symmetric: tuple[str, ...] = ()
    check_call: str = ""
    gradient: str = ""
    kronecker: str = ""
    kronecker_shape: str = ""


HESSIAN_STEP = ("∇²f = ∂(∇f)/∂x: the Hessian is the Jacobian of the gradient, a symmetric matrix", "MC98")


def check_call(kind: str, names: list[str], wrt: str, symmetric: bool) -> str:
    """The one-line mcref check of a result (see `Derivative.check_call`).

    Examples:
        >>> from mcref.engine.derive import check_call
        >>> print(check_call("jacobian", ["W", "x"], "x", False))
        mcref.check_jacobian(f, jacobian_f, W, x, wrt="x", layout="numerator").ok
    """
    args = ", ".join(names)
    if kind == "vjp":
        return f'mcref.check_backprop(f, vjp_f, {args}, wrt="{wrt}").ok'
    if kind == "jacobian":
        return f'mcref.check_jacobian(f, jacobian_f, {args}, wrt="{wrt}", layout="numerator").ok'
    if symmetric:  # along symmetric directions: f and the gradient's symmetric part at the symmetric part
        at = ", ".join(f"({n} + {n}.T) / 2" if n == wrt else n for n in names)
        g = f"grad_f({at})"
        first = (
            f'mcref.check_jacobian(lambda {args}: f({at}), lambda {args}: ({g} + {g}.T) / 2, {args}, wrt="{wrt}").ok'
        )
    else:
        first = f'mcref.check_jacobian(f, grad_f, {args}, wrt="{wrt}").ok'
    if kind == "hessian":
        return first + f' and mcref.check_jacobian(grad_f, hessian_f, {args}, wrt="{wrt}", layout="numerator").ok'
    return first


def _size(shape: tuple[object, object]) -> str:
    """The number of entries of a shape, as text: "(n·r)", "m"."""
    dims = [str(d) for d in shape if d != 1]
    return f"({'·'.join(dims)})" if len(dims) > 1 else dims[0] if dims else "1"


def _pick(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    return name


def derive(
    expr: str, wrt: str, shapes: dict[str, str] | str | None = None, *, syntax: str = "auto", order: int = 1
) -> Derivative:
    """Differentiate `expr` with respect to `wrt`, prove the result exactly, and return it.

    Args:
        expr: numpy syntax (`x.T @ A @ x`) or matrixcalculus.org's (`x'*A*x`); see `mcref.engine.parse`.
        wrt: The variable's name; it must occur in `expr`.
        shapes: Declarations, a dict {"A": "n,n"} or a string "x: n; A: n×n; A symmetric; c: scalar".
            Undeclared one-letter names follow the letter convention (lowercase vector, uppercase matrix).
        syntax: "auto" (decided by the text's markers), "numpy" or "matrixcalculus".
        order: 1 for the first derivative; 2 for the Hessian of a scalar f with respect to a vector: the
            Jacobian of the gradient, found by a second reverse pass over the gradient's tree and proven
            against second derivatives taken entry by entry.

    Returns:
        A `Derivative`, already proven on explicit instances (its `checks` say how).

    Raises:
        DeriveError: The text cannot be read (naming its column), or, never expected, the derived formula
            failed its exact check.
        TypeError: `expr` or `wrt` is not a string, or `shapes` has the wrong type.

    Examples:
        >>> from mcref.engine import derive
        >>> d = derive("x.T @ A @ x", "x")
        >>> print(d.denominator)
        \\left(A + A^T\\right) x
        >>> print(d.numerator, "|", d.numerator_shape)
        x^T \\left(A + A^T\\right) | 1×n
        >>> print(derive("x.T @ A @ x", "x", "A symmetric").denominator)
        2 A x
        >>> print(derive("np.log(np.linalg.det(X))", "X").denominator)
        X^{-T}
        >>> [rule for _, rule in derive("np.log(np.linalg.det(X))", "X").steps]
        ['MC43']
        >>> h = derive("np.sum(np.exp(A @ x))", "x", order=2)
        >>> print(h.kind, "|", h.gradient, "|", h.numerator, "|", h.numerator_shape)
        hessian | A^T \\exp\\left(A x\\right) | A^T \\operatorname{diag}\\left(\\exp\\left(A x\\right)\\right) A | m×m

        The numpy code, and one line that re-checks it on your own data with mcref's checker:

        >>> from mcref.engine import derive
        >>> d = derive("x.T @ A @ x", "x")
        >>> print([line.strip() for line in d.numpy.splitlines() if line.startswith(("def", "    return"))])
        ['def f(x, A):', 'return ((x @ A) @ x)', 'def grad_f(x, A):', 'return ((A + A.T) @ x)']
        >>> print(d.check_call)
        mcref.check_jacobian(f, grad_f, x, A, wrt="x").ok
    """
    if not isinstance(wrt, str):
        raise TypeError(f"wrt must be a string; got {type(wrt).__name__}")
    if isinstance(order, bool) or not isinstance(order, int):
        raise TypeError(f"order must be 1 or 2; got {type(order).__name__} {order!r}")
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2; got {order}")
    parsed = parse(expr, shapes, syntax)
    f = parsed.tree
    if wrt not in parsed.shapes:
        raise DeriveError(f"col 1: {wrt!r} does not occur in {expr!r}; its symbols are {', '.join(parsed.shapes)}")
    x_shape = parsed.shapes[wrt]
    f_shape = f.shape
    taken = set(parsed.shapes) | set(parsed.dims)
    seed_name: str | None = None
    grad_node: ir.Node | None = None
    if order == 2:
        if not f.is_scalar or x_shape[1] != 1:
            raise DeriveError(
                f"col 1: order=2 gives the Hessian of a scalar f with respect to a vector; got f: "
                f"{ir.shape_text(f_shape)} and {wrt}: {ir.shape_text(x_shape)}"
            )
        kind = "hessian"
        adj, steps = gradient(f, wrt, ir.const(1))
        grad_node = ir.simplify(adj)
        check_g, _ = prove(f, grad_node, "gradient", wrt, parsed.shapes, parsed.symmetric, None)
        v = _pick("v", taken)
        seed = ir.Node("seed", (), x_shape, (v, False))
        adj2, steps2 = gradient(grad_node, wrt, seed)
        steps.append(HESSIAN_STEP)
        steps += [s for s in steps2 if s not in steps]
        den = jacobian_from_vjp(adj2, v, x_shape[0])
        num = ir.simplify(ir.T(den))
        proven, proof_kind = num, "hessian"
    elif f.is_scalar:
        kind = "gradient"
        adj, steps = gradient(f, wrt, ir.const(1))
        den = ir.simplify(adj)
        num = ir.simplify(ir.T(den))
        proven, proof_kind = den, "gradient"
    elif f.shape[1] == 1 and x_shape[1] == 1:
        kind = "jacobian"
        v = _pick("v", taken)
        seed = ir.Node("seed", (), f.shape, (v, False))
        adj, steps = gradient(f, wrt, seed)
        den = jacobian_from_vjp(adj, v, f.shape[0])
        num = ir.simplify(ir.T(den))
        proven, proof_kind = num, "jacobian"
    else:
        kind = "vjp"
        seed_name = _pick("G", taken)
        seed = ir.Node("seed", (), f.shape, (seed_name, False))
        adj, steps = gradient(f, wrt, seed)
        den = ir.simplify(adj)
        num = ir.simplify(ir.T(den))
        proven, proof_kind = den, "vjp"
    check, flip = prove(f, proven, proof_kind, wrt, parsed.shapes, parsed.symmetric, seed_name)
    prove_transpose(den, num, wrt, parsed.shapes, parsed.symmetric, seed_name, flip)
    checks = [check, "exact: the numerator-layout form is the transpose of the denominator-layout form there"]
    if kind == "hessian":
        checks.insert(0, check_g.replace("exact: ", "exact (the gradient): ", 1))
    if wrt in parsed.symmetric:
        checks.append(
            f"{wrt} is symmetric: the free-matrix gradient G is shown; it was checked by its symmetric part "
            "(G + G^T)/2, the gradient along symmetric directions"
        )
    kron_tex = kron_shape = ""
    if kind == "vjp" and seed_name is not None and wrt not in parsed.symmetric:
        ts = kron.terms(den, seed_name)
        if ts is not None:
            checks.append(prove_kronecker(f, ts, wrt, parsed.shapes, parsed.symmetric, flip))
            kron_tex = kron.latex(ts, f_shape)
            kron_shape = f"{_size(f_shape)}×{_size(x_shape)}"
    if kind == "vjp":
        num_tex = f"{seed_name} \\mapsto " + ir.latex(num)
        den_tex = f"{seed_name} \\mapsto " + ir.latex(den)
        num_shape = ir.shape_text((x_shape[1], x_shape[0]))
        den_shape = ir.shape_text(x_shape)
    else:
        num_tex, den_tex = ir.latex(num), ir.latex(den)
        num_shape, den_shape = ir.shape_text(num.shape), ir.shape_text(den.shape)
    names = list(parsed.shapes)
    code = source(f, proven if kind != "vjp" else den, kind, names, wrt, dim_sources(parsed.shapes), grad_node)
    return Derivative(
        expr=expr,
        wrt=wrt,
        kind=kind,
        latex=ir.latex(f),
        numerator=num_tex,
        denominator=den_tex,
        f_shape=ir.shape_text(f_shape),
        wrt_shape=ir.shape_text(x_shape),
        numerator_shape=num_shape,
        denominator_shape=den_shape,
        shapes={k: ir.shape_text(s) for k, s in parsed.shapes.items()},
        steps=tuple(steps),
        numpy=code,
        checks=tuple(checks),
        syntax=parsed.syntax,
        declared_symmetric=tuple(sorted(parsed.symmetric)),
        check_call=check_call(kind, names, wrt, wrt in parsed.symmetric),
        gradient=ir.latex(grad_node) if grad_node is not None else "",
        kronecker=kron_tex,
        kronecker_shape=kron_shape,
    )
