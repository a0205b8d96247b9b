"""Reverse mode over matrix differentials, with the mcref rule each step applies.

`RULES` is the one table from an operation to the differential it uses and the ID of the registered
mcref rule that states it (`tests/test_engine.py` checks that every ID is registered). An entry whose
ID is None is a gap: the engine applies a correct step that no registered rule states yet.

Examples:
    >>> from mcref.engine import ir
    >>> from mcref.engine.reverse import gradient
    >>> x = ir.var("x", ("n", 1))
    >>> g, steps = gradient(ir.node("sum", [ir.node("fn", [x], ("n", 1), "exp")], (1, 1)), "x", ir.const(1))
    >>> print(ir.latex(ir.simplify(g)))
    \\exp\\left(x\\right)
    >>> [rule for _, rule in steps]
    ['R19', 'X16']
"""

from __future__ import annotations

import sympy

from mcref.engine import ir
from mcref.engine.errors import DeriveError
from mcref.engine.ir import Node

__all__ = ["RULES", "adjoint", "gradient", "jacobian_from_vjp"]

# operation -> (the differential in words, the mcref rule ID that states it)
RULES: dict[str, tuple[str, str | None]] = {
    "add": ("d(U + V) = dU + dV", "MC35"),
    "smul": ("d(aU) = a dU, for a constant a", "MC34"),
    "smul:product": ("d(aU) = da U + a dU, a scalar read as a 1×1 matrix", "MC37"),
    "matmul": ("d(UV) = dU V + U dV", "MC37"),
    "T": ("d(U^T) = (dU)^T", "MC44"),
    "had": ("d(U ∘ V) = dU ∘ V + U ∘ dV", "MC38"),
    "pow": ("d(u^p) = p u^(p-1) du, entry by entry", "S3"),
    "sum": ("d sum(U) = sum(dU)", "R19"),
    "trace": ("d tr(U) = tr(dU)", "MC36"),
    "det": ("d det(X) = det(X) tr(X^(-1) dX)", "MC42"),
    "logdet": ("d log det(X) = tr(X^(-1) dX)", "MC43"),
    "inv": ("d(X^(-1)) = -X^(-1) dX X^(-1)", "MC40"),
    "norm": ("d‖x‖ = xᵀdx / ‖x‖", "X12"),
    "norm:F": ("d‖X‖_F = tr(XᵀdX) / ‖X‖_F", "X35"),
    "sqnorm": ("d‖x‖² = 2xᵀdx", "X11"),
    "sqnorm:F": ("d‖X‖_F² = 2 tr(XᵀdX)", "MC132.1"),
    "softmax": ("d softmax(x) = (diag(s) - ssᵀ) dx", "X18"),
    "softmax:axis": ("softmax of each row (or column): X18 on each, dS = S ∘ dX - S ∘ ((S ∘ dX) 1 1ᵀ)", "X18"),
    "logsoftmax": ("d log softmax(x) = (I - 1sᵀ) dx", "X19"),
    "lse": ("d logsumexp(x) = softmax(x)ᵀ dx", "X21"),
    "mpow": ("d(X^k) = Σ_r X^r dX X^(k-1-r), r = 0 … k-1", "MC90"),
    "diagm": ("d diag(u) = diag(du)", "X53"),
    "diagv": ("d diag(U) = diag(dU)", "X54"),
    "fn:exp": ("d exp(u) = exp(u) ∘ du", "X16"),
    "fn:log": ("d log(u) = du ⊘ u", "X17"),
    "fn:sigmoid": ("d σ(u) = σ(u) ∘ (1 - σ(u)) ∘ du", "X13"),
    "fn:tanh": ("d tanh(u) = (1 - tanh²(u)) ∘ du", "X14"),
    "fn:softplus": ("d softplus(u) = σ(u) ∘ du", "X15"),
    "fn:relu": ("d max(0, u) = step(u) ∘ du, with step(0) = 0", "N6"),
    "fn:sqrt": ("d √u = du ⊘ (2√u)", "S3"),
    "fn:sin": ("d sin(u) = cos(u) ∘ du", "X37"),
    "fn:cos": ("d cos(u) = -sin(u) ∘ du", "X38"),
    "fn:abs": ("d |u| = sign(u) ∘ du, away from 0", "X39"),
    "fn:sign": ("d sign(u) = 0, away from 0", "X51"),
    "fn:step": ("d step(u) = 0, away from 0", "X52"),
}


def _key(n: Node, wrt: str) -> str:
    if n.op == "smul" and ir.depends(n.args[0], wrt):
        return "smul:product"
    if n.op == "fn":
        return f"fn:{n.data}"
    if n.op == "softmax" and n.data is not None:
        return "softmax:axis"
    if n.op in ("norm", "sqnorm") and n.args[0].shape[1] != 1:
        return f"{n.op}:F"
    return n.op


def _fn(name: str, a: Node) -> Node:
    return ir.node("fn", [a], a.shape, name)


def _power(x: Node, r: int) -> Node:
    """X^r as a node: I, X, or the matrix power."""
    return ir.node("eye", [], x.shape) if r == 0 else x if r == 1 else ir.node("mpow", [x], x.shape, r)


def _inner(a: Node, b: Node) -> Node:
    """⟨a, b⟩ as a 1×1 node."""
    if a.is_scalar:
        return ir.matmul([a, b])
    if a.shape[1] == 1:
        return ir.matmul([ir.T(a), b])
    if a.shape[0] == 1:
        return ir.matmul([a, ir.T(b)])
    return ir.node("trace", [ir.matmul([ir.T(a), b])], (1, 1))


def adjoint(n: Node, i: int, g: Node) -> Node:
    """The adjoint of argument i of n, given the adjoint g of n (shaped like n)."""
    op, a = n.op, n.args
    x = a[0] if a else n
    if op == "add":
        return g
    if op == "smul":
        return _inner(g, a[1]) if i == 0 else ir.smul(a[0], g)
    if op == "matmul":
        left, right = list(a[:i]), list(a[i + 1 :])
        parts = [ir.T(ir.matmul(left))] if left else []
        parts.append(g)
        if right:
            parts.append(ir.T(ir.matmul(right)))
        return ir.matmul(parts)
    if op == "T":
        return ir.T(g)
    if op == "had":
        others = [f for j, f in enumerate(a) if j != i]
        if x.shape != a[i].shape and a[i].is_scalar:  # a scalar inside a Hadamard product of arrays
            return _inner(g, ir.had(others))
        return ir.had([g, *others])
    if op == "pow":
        return ir.had([g, ir.smul(ir.const(n.data), ir.node("pow", [x], x.shape, n.data - 1))])
    if op == "sum":
        return ir.smul(g, ir.ones(x.shape))
    if op == "trace":
        return ir.smul(g, ir.node("eye", [], x.shape))
    if op == "det":
        return ir.smul(ir.matmul([g, n]), ir.T(ir.node("inv", [x], x.shape)))
    if op == "logdet":
        return ir.smul(g, ir.T(ir.node("inv", [x], x.shape)))
    if op == "inv":
        return ir.smul(ir.const(-1), ir.matmul([ir.T(n), g, ir.T(n)]))
    if op == "norm":
        return ir.smul(ir.matmul([g, ir.node("pow", [n], n.shape, -1)]), x)
    if op == "sqnorm":
        return ir.smul(ir.smul(ir.const(2), g), x)
    if op == "softmax" and n.data is not None:  # row by row (1) or column by column (0): X18 on each
        r, c = n.shape
        sg = ir.had([n, g])
        if n.data == 1:
            sums = ir.matmul([sg, ir.ones((c, 1)), ir.ones((1, c))])
        else:
            sums = ir.matmul([ir.ones((r, 1)), ir.ones((1, r)), sg])
        return ir.add([sg, ir.smul(ir.const(-1), ir.had([n, sums]))])
    if op == "softmax":
        return ir.add([ir.had([n, g]), ir.smul(ir.const(-1), ir.smul(_inner(n, g), n))])
    if op == "logsoftmax":
        s = ir.node("softmax", [x], x.shape)
        return ir.add([g, ir.smul(ir.const(-1), ir.smul(ir.node("sum", [g], (1, 1)), s))])
    if op == "lse":
        return ir.smul(g, ir.node("softmax", [x], x.shape))
    if op == "mpow":
        return ir.add([ir.matmul([ir.T(_power(x, r)), g, ir.T(_power(x, n.data - 1 - r))]) for r in range(n.data)])
    if op == "diagm":
        return ir.node("diagv", [g], x.shape)
    if op == "diagv":
        return ir.node("diagm", [g], x.shape)
    if op == "fn":
        name = n.data
        if name == "exp":
            return ir.had([g, n])
        if name == "log":
            return ir.had([g, ir.node("pow", [x], x.shape, -1)])
        if name == "sigmoid":
            return ir.had([g, n, ir.add([ir.ones(x.shape), ir.smul(ir.const(-1), n)])])
        if name == "tanh":
            return ir.had([g, ir.add([ir.ones(x.shape), ir.smul(ir.const(-1), ir.node("pow", [n], n.shape, 2))])])
        if name == "softplus":
            return ir.had([g, _fn("sigmoid", x)])
        if name == "relu":
            return ir.had([g, _fn("step", x)])
        if name == "sqrt":
            return ir.had(
                [g, ir.smul(ir.const(sympy.Rational(1, 2)), ir.node("pow", [x], x.shape, sympy.Rational(-1, 2)))]
            )
        if name == "sin":
            return ir.had([g, _fn("cos", x)])
        if name == "cos":
            return ir.had([g, ir.smul(ir.const(-1), _fn("sin", x))])
        if name == "abs":
            return ir.had([g, _fn("sign", x)])
        if name in ("sign", "step"):
            return ir.zero(x.shape)
    raise DeriveError(f"internal: no differential for {op}")


def gradient(f: Node, wrt: str, seed: Node) -> tuple[Node, list[tuple[str, str | None]]]:
    """The adjoint of the variable `wrt` when `f`'s adjoint is `seed` (1 for a scalar f, a symbol G
    for a VJP), and the steps used, each once, in the order they were first applied."""
    contributions: list[Node] = []
    steps: list[tuple[str, str | None]] = []

    def visit(n: Node, g: Node) -> None:
        if n.op == "var":
            if n.data[0] == wrt:
                contributions.append(g)
            return
        if not ir.depends(n, wrt):
            return
        step = RULES[_key(n, wrt)]
        if step not in steps:
            steps.append(step)
        for i, a in enumerate(n.args):
            if ir.depends(a, wrt):
                visit(a, adjoint(n, i, g))

    visit(f, seed)
    shape = next(m.shape for m in ir.walk(f) if m.op == "var" and m.data[0] == wrt)
    return (ir.add(contributions) if contributions else ir.zero(shape)), steps


def _extract(e: Node, v: str) -> Node:
    """M such that e = M v, for an expression e linear in the column vector v (or its transpose)."""
    if e.op == "seed" and e.data[0] == v:
        return ir.node("eye", [], (e.shape[0], e.shape[0]))
    if e.op == "add":
        return ir.add([_extract(t, v) for t in e.args if ir.depends(t, v)])
    if e.is_scalar and e.op == "matmul" and len(e.args) > 1 and not ir.depends(e.args[-1], v):
        # a 1×1 product ending in a constant: read it transposed, e = eᵀ
        return _extract_t(e, v)
    if e.op == "matmul":
        idx = [i for i, f in enumerate(e.args) if ir.depends(f, v)]
        if idx == [len(e.args) - 1]:
            return ir.matmul([*e.args[:-1], _extract(e.args[-1], v)])
        if e.is_scalar:
            return _extract_t(e, v)
        if len(idx) == 1 and e.shape[1] == 1 and e.args[idx[0]].shape[0] == 1:
            # P (r v) with a row r: the part from the cotangent on is a number, e = (P r) v
            i = idx[0]
            return ir.matmul([*e.args[:i], _extract(ir.matmul(list(e.args[i:])), v)])
    if e.op == "smul":
        c, a = e.args
        if ir.depends(c, v) and not ir.depends(a, v):
            return ir.matmul([a, _extract(c, v)])
        if ir.depends(a, v) and not ir.depends(c, v):
            return ir.smul(c, _extract(a, v))
    if e.op == "had" and e.shape[1] == 1:
        idx = [i for i, f in enumerate(e.args) if ir.depends(f, v)]
        if len(idx) == 1:
            others = [f for j, f in enumerate(e.args) if j != idx[0]]
            return ir.matmul(
                [ir.node("diagm", [ir.had(others)], (e.shape[0], e.shape[0])), _extract(e.args[idx[0]], v)]
            )
    if e.op == "T" and e.is_scalar:
        return _extract(e.args[0], v)
    if e.op == "sum" and e.args[0].shape[1] == 1:
        return ir.matmul([ir.T(ir.ones(e.args[0].shape)), _extract(e.args[0], v)])
    raise DeriveError(f"internal: cannot write {ir.latex(e)} as a matrix times the cotangent")


def _extract_t(e: Node, v: str) -> Node:
    t = ir.simplify(_transpose_scalar(e))
    if t == e:
        raise DeriveError(f"internal: cannot write {ir.latex(e)} as a matrix times the cotangent")
    return _extract(t, v)


def _transpose_scalar(e: Node) -> Node:
    return ir.matmul([ir.T(f) for f in reversed(e.args)])


def jacobian_from_vjp(vjp: Node, v: str, rows: ir.Dim = None) -> Node:
    """The denominator-layout Jacobian M (so that the VJP is M v) from a VJP linear in the seed v
    (`rows`, the seed's length, shapes M when the VJP is 0)."""
    e = ir.simplify(vjp)
    if e.op == "zero" and rows is not None:
        return ir.zero((e.shape[0], rows))
    return ir.simplify(_extract(e, v))
