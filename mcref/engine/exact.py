"""The proof before the answer: an exact check on explicit small instances, independent of the rules.

Each dimension symbol gets its own size (2, 3, 4, ..., the variable's first), a declared symmetric
matrix gets symmetric entries, the variable's entries are SymPy symbols and every other symbol gets
random small rationals (a fixed seed). f is evaluated entry by entry in SymPy's scalar arithmetic,
each entry differentiated with `sympy.diff` (scalar differentiation, not the matrix rules), and
compared exactly with the engine's formula at the same instance. Where f holds relu, abs or sign
(piecewise), both sides are compared as values at a random rational point.
"""

from __future__ import annotations

import random
from functools import reduce
from typing import Any

import sympy

from mcref.engine import kron
from mcref.engine.errors import DeriveError
from mcref.engine.ir import Node, walk

__all__ = ["Instance", "evaluate", "instance", "prove", "prove_kronecker", "prove_transpose"]

SEED = 20261205
Instance = dict[str, Any]


def _rational(rng: random.Random) -> sympy.Rational:
    return sympy.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 4))


def instance(
    shapes: dict[str, tuple[Any, Any]],
    wrt: str,
    symmetric: set[str],
    extra: dict[str, tuple[Any, Any]],
    flip: bool = False,
) -> tuple[dict[str, int], Instance]:
    """Sizes for the dimensions and values for the symbols (the variable's entries are symbols).

    The variable's dimensions come first and get 2, 3, ...; `flip` hands the sizes out in the other
    order (for f defined only on tall matrices, such as log det(XᵀX))."""
    rng = random.Random(SEED)
    order = [d for d in shapes[wrt] if isinstance(d, str)]
    for s in [*shapes.values(), *extra.values()]:
        order += [d for d in s if isinstance(d, str) and d not in order]
    unique = list(dict.fromkeys(order))
    sizes = {d: 2 + (len(unique) - 1 - i if flip else i) for i, d in enumerate(unique)}
    env: Instance = {}
    for name, (r, c) in [*shapes.items(), *extra.items()]:
        nr, nc = sizes.get(r, r), sizes.get(c, c)
        if name == wrt:
            syms = [[sympy.Symbol(f"{name}_{i}_{j}", real=True) for j in range(nc)] for i in range(nr)]
            if name in symmetric:
                syms = [[syms[min(i, j)][max(i, j)] for j in range(nc)] for i in range(nr)]
            env[name] = sympy.Matrix(syms)
        else:
            vals = [[_rational(rng) for _ in range(nc)] for _ in range(nr)]
            if name in symmetric:
                vals = [[vals[min(i, j)][max(i, j)] for j in range(nc)] for i in range(nr)]
            env[name] = sympy.Matrix(vals)
    return sizes, env


def _ew(m: sympy.Matrix, f: Any) -> sympy.Matrix:
    return m.applyfunc(f)


def _sigmoid(u: Any) -> Any:
    return sympy.exp(u) / (1 + sympy.exp(u))


_FN = {
    "exp": sympy.exp,
    "log": sympy.log,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tanh": sympy.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda u: sympy.Max(0, u),
    "softplus": lambda u: sympy.log(1 + sympy.exp(u)),
    "abs": sympy.Abs,
    "sign": sympy.sign,
    "sqrt": sympy.sqrt,
    "step": lambda u: sympy.Heaviside(u, 0),
}


def evaluate(n: Node, env: Instance, sizes: dict[str, int]) -> sympy.Matrix:
    """The value of a node at an explicit instance, as a SymPy matrix."""
    op = n.op
    size = [sizes.get(d, d) for d in n.shape]
    if op in ("var", "seed"):
        return env[n.data[0]]
    if op == "const":
        return sympy.Matrix([[n.data.subs({sympy.Symbol(k): v for k, v in sizes.items()})]])
    if op == "ones":
        return sympy.ones(*size)
    if op == "zero":
        return sympy.zeros(*size)
    if op == "eye":
        return sympy.eye(size[0])
    a = [evaluate(x, env, sizes) for x in n.args]
    if op == "add":
        out = a[0]
        for b in a[1:]:
            out = out + b
        return out
    if op == "smul":
        return a[0][0, 0] * a[1]
    if op == "matmul":
        out = a[0]
        for b in a[1:]:
            out = out * b
        return out
    if op == "T":
        return a[0].T
    if op == "had":
        out = a[0]
        for b in a[1:]:
            if out.shape == (1, 1) and b.shape != (1, 1):
                out = out[0, 0] * b
            elif b.shape == (1, 1) and out.shape != (1, 1):
                out = b[0, 0] * out
            else:
                out = out.multiply_elementwise(b)
        return out
    if op == "pow":
        return _ew(a[0], lambda u: u**n.data)
    if op == "fn":
        return _ew(a[0], _FN[n.data])
    x = a[0]
    if op == "sum":
        return sympy.Matrix([[sum(x)]])
    if op == "trace":
        return sympy.Matrix([[x.trace()]])
    if op == "det":
        return sympy.Matrix([[x.det(method="berkowitz")]])
    if op == "logdet":
        return sympy.Matrix([[sympy.log(x.det(method="berkowitz"))]])
    if op == "inv":
        return x.adjugate(method="berkowitz") / x.det(method="berkowitz")
    if op == "norm":
        return sympy.Matrix([[sympy.sqrt(sum(u**2 for u in x))]])
    if op == "sqnorm":
        return sympy.Matrix([[sum(u**2 for u in x)]])
    if op == "softmax" and n.data is not None:  # each row (1) or column (0)
        e = x.applyfunc(sympy.exp)
        if n.data == 1:
            return sympy.Matrix(e.shape[0], e.shape[1], lambda i, j: e[i, j] / sum(e.row(i)))
        return sympy.Matrix(e.shape[0], e.shape[1], lambda i, j: e[i, j] / sum(e.col(j)))
    if op in ("softmax", "logsoftmax", "lse"):
        e = x.applyfunc(sympy.exp)
        total = sum(e)
        if op == "softmax":
            return e / total
        if op == "lse":
            return sympy.Matrix([[sympy.log(total)]])
        return x.applyfunc(lambda u: u - sympy.log(total))
    if op == "mpow":
        return x**n.data
    if op == "diagm":
        return sympy.diag(*list(x))
    if op == "diagv":
        return sympy.Matrix([x[i, i] for i in range(x.shape[0])])
    raise DeriveError(f"internal: cannot evaluate {op}")  # pragma: no cover


def _zero(d: Any) -> bool:
    """Is d exactly zero? First as a rational function with each function application (exp(u), log(u),
    tanh(u), ...) read as an independent symbol, which suffices when it is zero that way and is fast;
    then by expansion, cancellation and SymPy's simplify."""
    if d == 0:
        return True
    calls = d.atoms(sympy.Function)
    if calls:
        # exp(c p) for a rational c and a primitive p is E_p^(c/g), g the gcd of p's coefficients c:
        # exp(2u), exp(-u) and exp(u) become powers of one symbol, the rest independent symbols
        groups: dict[Any, list[Any]] = {}
        parts: dict[Any, tuple[Any, Any]] = {}
        for c in calls:
            if isinstance(c, sympy.exp):
                coef, prim = c.args[0].as_content_primitive()
                if prim.could_extract_minus_sign():
                    coef, prim = -coef, -prim
                parts[c] = (coef, prim)
                groups.setdefault(prim, []).append(coef)
        base = {prim: (sympy.Dummy(), reduce(sympy.gcd, [abs(q) for q in qs])) for prim, qs in groups.items()}
        reps: dict[Any, Any] = {}
        for c in calls:
            if c in parts:
                coef, prim = parts[c]
                symbol, unit = base[prim]
                reps[c] = symbol ** (coef / unit)
            else:
                reps[c] = sympy.Dummy()
        if sympy.cancel(sympy.together(d.xreplace(reps))) == 0:
            return True
    elif sympy.cancel(sympy.together(d)) == 0:
        return True
    d = sympy.expand(d)
    if d == 0:
        return True
    if sympy.cancel(sympy.together(d)) == 0:
        return True
    return bool(sympy.simplify(d) == 0)


def prove(
    f: Node,
    formula: Node,
    kind: str,
    wrt: str,
    shapes: dict[str, tuple[Any, Any]],
    symmetric: set[str],
    seed_name: str | None,
) -> tuple[str, bool]:
    """Check `formula` against f differentiated entry by entry; return what was checked (and whether
    the sizes were flipped), or raise.

    kind: "gradient" (formula shaped like the variable), "jacobian" (numerator layout), "hessian" (the
    n×n matrix of second derivatives of a scalar f), or "vjp" (formula holds the seed `seed_name`,
    shaped like f).
    """
    extra = {seed_name: f.shape} if seed_name else {}
    for flip in (False, True):
        sizes, env = instance(shapes, wrt, symmetric, extra, flip)
        fv = evaluate(f, env, sizes)
        if not fv.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            break
    else:
        raise DeriveError(
            "the exact check found f undefined (a singular matrix, a division by zero) at every small instance it"
            " tried; the engine returns no formula it could not prove"
        )
    xs = env[wrt]
    got = evaluate(formula, env, sizes)
    variables = list(dict.fromkeys(xs))
    piecewise = any(m.op == "fn" and m.data in ("relu", "abs", "sign", "step") for m in walk(f))
    point: dict[Any, Any] = {}
    if piecewise:  # compared at a point off every kink: relu, abs, sign and step differ from SymPy's there
        rng = random.Random(SEED + 1)
        kinks = {
            a
            for m in (fv, got)
            for c in m.atoms(sympy.Max, sympy.Heaviside, sympy.Abs, sympy.sign)
            for a in c.args
            if a.free_symbols & set(variables)
        }
        for _ in range(50):
            point = {s: _rational(rng) for s in variables}
            if all(a.subs(point) != 0 for a in kinks):
                break

    def d(e: Any, s: Any) -> Any:
        return sympy.diff(e, s)

    if kind == "jacobian":
        want = sympy.Matrix(len(fv), len(variables), lambda i, j: d(list(fv)[i], variables[j]))
    elif kind == "hessian":  # second derivatives of the scalar f, entry by entry
        first = [d(fv[0, 0], s) for s in variables]
        want = sympy.Matrix(len(variables), len(variables), lambda i, j: d(first[i], variables[j]))
    else:
        g = env[seed_name] if seed_name else sympy.Matrix([[1]])
        total = sum((g[i, j] * fv[i, j] for i in range(fv.shape[0]) for j in range(fv.shape[1])), sympy.Integer(0))
        want = xs.applyfunc(lambda s: d(total, s))
        if wrt in symmetric:  # a gradient with respect to a symmetric matrix, read as a free matrix
            want = sympy.Matrix(xs.shape[0], xs.shape[1], lambda i, j: d(total, xs[i, j]) / (1 if i == j else 2))
    if wrt in symmetric and kind not in (
        "jacobian",
        "hessian",
    ):  # the free-matrix gradient, symmetrized, is the one that counts
        got = (got + got.T) / 2
    if got.shape != want.shape:
        raise DeriveError(
            f"internal: the derived formula failed its exact check: shape {got.shape} against {want.shape}"
        )
    for a, b in zip(got, want, strict=True):
        diff = a - b
        if point:
            diff = diff.subs(point)
        if not _zero(diff):
            raise DeriveError(
                f"internal: the derived formula failed its exact check against entry-by-entry differentiation "
                f"(entry {a} against {b}); this is a bug in the engine, please report it"
            )
    where = ", ".join(f"{k}={v}" for k, v in sizes.items() if isinstance(k, str))
    how = "at a random rational point (piecewise f)" if point else "symbolically in the variable's entries"
    what = "second derivatives entry by entry" if kind == "hessian" else "entry by entry"
    return f"exact: {what} at {where or 'the given sizes'}, other symbols random rationals, {how}", flip


def prove_transpose(
    a: Node,
    b: Node,
    wrt: str,
    shapes: dict[str, tuple[Any, Any]],
    symmetric: set[str],
    seed_name: str | None,
    flip: bool = False,
) -> None:
    """Check that the simplified b is exactly aᵀ on the instance `prove` uses (the other layout is
    printed from b, so it is proven too)."""
    seed_shape = _seed_shape(a, seed_name) if seed_name else None
    extra = {seed_name: seed_shape} if seed_name and seed_shape else {}  # no seed: a zero derivative
    sizes, env = instance(shapes, wrt, symmetric, extra, flip)
    va, vb = evaluate(a, env, sizes), evaluate(b, env, sizes)
    if va.T.shape != vb.shape or not all(_zero(x - y) for x, y in zip(va.T, vb, strict=True)):
        raise DeriveError("internal: the two layouts of the derived formula disagree; this is a bug in the engine")


def _seed_shape(n: Node, name: str) -> tuple[Any, Any] | None:
    return next((m.shape for m in walk(n) if m.op == "seed" and m.data[0] == name), None)


def prove_kronecker(
    f: Node,
    terms: list[kron.Term],
    wrt: str,
    shapes: dict[str, tuple[Any, Any]],
    symmetric: set[str],
    flip: bool = False,
) -> str:
    """Check the Kronecker form against ∂vec f/∂vec X taken entry by entry (vec stacks columns) on the
    instance `prove` uses; return what was checked, or raise."""
    sizes, env = instance(shapes, wrt, symmetric, {}, flip)
    fv = evaluate(f, env, sizes)
    xs = env[wrt]
    vec_f = [fv[i, j] for j in range(fv.shape[1]) for i in range(fv.shape[0])]
    vec_x = [xs[i, j] for j in range(xs.shape[1]) for i in range(xs.shape[0])]
    want = sympy.Matrix(len(vec_f), len(vec_x), lambda p, q: sympy.diff(vec_f[p], vec_x[q]))
    got = sympy.zeros(len(vec_f), len(vec_x))
    r, c = fv.shape
    for t in terms:
        q, pt = kron.matrices(t, f.shape)
        block = kron.kron(evaluate(q, env, sizes), evaluate(pt, env, sizes))
        if t.transposed:
            block = kron.commutation(c, r) * block
        if t.coef is not None:
            block = evaluate(t.coef, env, sizes)[0, 0] * block
        got += block
    if got.shape != want.shape or not all(_zero(a - b) for a, b in zip(got, want, strict=True)):
        raise DeriveError("internal: the Kronecker form failed its exact check; this is a bug in the engine")
    where = ", ".join(f"{k}={v}" for k, v in sizes.items() if isinstance(k, str))
    return f"exact: the Kronecker form equals ∂vec f/∂vec {wrt} entry by entry at {where or 'the given sizes'}"
