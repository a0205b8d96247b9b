"""The engine's expression tree: nodes with shapes, their simplification and their printing.

Every value is two-dimensional: a vector of length n is the column (n, 1), a scalar is (1, 1), and a
dimension is either the integer 1 or a symbol (a string such as "n"). A node is an operation name,
its arguments, its shape and one datum (a name, a number or an exponent).

Operations: `var` (datum: name), `seed` (the cotangent G of a VJP; datum: name), `const` (a SymPy
number, possibly holding dimension symbols), `ones`, `eye`, `zero`, `add`, `smul` (a 1×1 factor
times any node), `matmul` (a chain), `T`, `had` (Hadamard product), `pow` (element-wise, datum: the
exponent), `fn` (element-wise function, datum: its name), and `sum`, `trace`, `det`, `logdet`, `inv`,
`norm` (2-norm or Frobenius), `sqnorm`, `softmax` (datum: None for a vector, 1 for each row of a
matrix, 0 for each column), `logsoftmax`, `lse`, `diagm` (vector to diagonal
matrix), `diagv` (diagonal of a matrix as a vector), `mpow` (the matrix power X^k; datum: the integer k).

Examples:
    >>> from mcref.engine.ir import T, add, latex, matmul, simplify, var
    >>> x = var("x", ("n", 1))
    >>> A = var("A", ("n", "n"))
    >>> g = simplify(add([matmul([A, x]), matmul([T(A), x])]))
    >>> print(latex(g))
    \\left(A + A^T\\right) x
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sympy

__all__ = [
    "ELEMENTWISE_FUNCTIONS",
    "Node",
    "T",
    "add",
    "const",
    "depends",
    "had",
    "latex",
    "matmul",
    "node",
    "ones",
    "shape_text",
    "simplify",
    "smul",
    "var",
    "walk",
]

Dim = Any  # str (a dimension symbol) or int (1, or a fixed size)
Shape = tuple[Dim, Dim]

ELEMENTWISE_FUNCTIONS = (
    "exp",
    "log",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "softplus",
    "abs",
    "sign",
    "sqrt",
    "step",
)


@dataclass(frozen=True)
class Node:
    """One node of the tree: operation, arguments, shape and datum (see the module docstring)."""

    op: str
    args: tuple[Node, ...]
    shape: Shape
    data: Any = None

    @property
    def is_scalar(self) -> bool:
        return self.shape == (1, 1)

    @property
    def is_col(self) -> bool:
        return self.shape[1] == 1 and self.shape[0] != 1

    @property
    def is_row(self) -> bool:
        return self.shape[0] == 1 and self.shape[1] != 1


def node(op: str, args: tuple[Node, ...] | list[Node], shape: Shape, data: Any = None) -> Node:
    if op == "pow":
        data = sympy.sympify(data)
    return Node(op, tuple(args), shape, data)


def var(name: str, shape: Shape, symmetric: bool = False) -> Node:
    return Node("var", (), shape, (name, symmetric))


def const(value: Any) -> Node:
    return Node("const", (), (1, 1), sympy.sympify(value))


def ones(shape: Shape) -> Node:
    return Node("ones", (), shape)


def zero(shape: Shape) -> Node:
    return Node("zero", (), shape)


def T(a: Node) -> Node:
    return Node("T", (a,), (a.shape[1], a.shape[0]))


def add(terms: list[Node]) -> Node:
    if len(terms) == 1:
        return terms[0]
    return Node("add", tuple(terms), terms[0].shape)


def smul(c: Node, a: Node) -> Node:
    return Node("smul", (c, a), a.shape)


def matmul(factors: list[Node]) -> Node:
    if len(factors) == 1:
        return factors[0]
    return Node("matmul", tuple(factors), (factors[0].shape[0], factors[-1].shape[1]))


def had(factors: list[Node]) -> Node:
    if len(factors) == 1:
        return factors[0]
    shape = next((f.shape for f in factors if not f.is_scalar), factors[0].shape)
    return Node("had", tuple(factors), shape)


def walk(n: Node) -> Iterator[Node]:
    yield n
    for a in n.args:
        yield from walk(a)


def depends(n: Node, name: str) -> bool:
    return any(m.op in ("var", "seed") and m.data[0] == name for m in walk(n))


def shape_text(shape: Shape) -> str:
    """A shape as readers write it: "scalar", "n" for a column, "1×n" for a row, "m×n"."""
    r, c = shape
    if (r, c) == (1, 1):
        return "scalar"
    if c == 1:
        return str(r)
    return f"{r}×{c}"


# ---------------------------------------------------------------- simplification


def _num(n: Node) -> Any:
    """The numeric coefficient of a node (1 when it has none)."""
    if n.op == "const":
        return n.data
    if n.op == "smul" and n.args[0].op == "const":
        return n.args[0].data
    return sympy.Integer(1)


def _rest(n: Node) -> Node | None:
    """The node without its numeric coefficient (None for a bare constant)."""
    if n.op == "const":
        return None
    if n.op == "smul" and n.args[0].op == "const":
        return n.args[1]
    return n


def _scale(coef: Any, n: Node | None, shape: Shape) -> Node:
    if n is None:
        if shape == (1, 1):
            return const(coef)
        return ones(shape) if coef == 1 else smul(const(coef), ones(shape))
    if coef == 1:
        return n
    if coef == 0:
        return zero(n.shape)
    return smul(const(coef), n)


def _transpose(a: Node) -> Node:
    """Aᵀ pushed down to the leaves."""
    if a.is_scalar:
        return a
    if a.op == "T":
        return a.args[0]
    if a.op == "var" and a.data[1]:
        return a
    if a.op in ("eye", "diagm"):
        return a
    if a.op in ("ones", "zero"):
        return Node(a.op, (), (a.shape[1], a.shape[0]))
    if a.op == "add":
        return add([_transpose(t) for t in a.args])
    if a.op == "smul":
        return smul(a.args[0], _transpose(a.args[1]))
    if a.op == "matmul":
        return matmul([_transpose(f) for f in reversed(a.args)])
    if a.op == "had":
        return had([f if f.is_scalar else _transpose(f) for f in a.args])
    if a.op in ("pow", "fn") and a.shape[1] != 1 and a.shape[0] != 1:
        return Node(a.op, (_transpose(a.args[0]),), (a.shape[1], a.shape[0]), a.data)
    if a.op == "mpow":  # (X^k)^T = (X^T)^k
        return Node("mpow", (_transpose(a.args[0]),), (a.shape[1], a.shape[0]), a.data)
    if a.op == "inv" and _transpose(a.args[0]) == a.args[0]:  # the inverse of a symmetric matrix (XᵀX too)
        return a
    return T(a)


def simplify(n: Node) -> Node:
    """Rewrite `n` the way a person writes it: transposes on the leaves, no identity factors, numbers
    collected, equal terms merged, a common right factor taken out of a sum."""
    for _ in range(20):
        m = _simplify(n)
        if m == n:
            return m
        n = m
    return n


def _simplify(n: Node) -> Node:
    args = tuple(_simplify(a) for a in n.args)
    n = Node(n.op, args, n.shape, n.data)
    op = n.op
    if op == "T":
        return _transpose(args[0])
    if op == "inv" and args[0].op == "T":
        return T(Node("inv", (args[0].args[0],), n.shape))
    if op == "inv" and args[0].op == "inv":  # (X^{-1})^{-1} = X
        return args[0].args[0]
    if op == "smul":
        c, a = args
        if c.op == "zero" or a.op == "zero" or (c.op == "const" and c.data == 0):
            return zero(n.shape)
        if c.op == "const" and c.data == 1:
            return a
        if a.is_scalar:
            return _scalar_product([c, a])
        if a.op == "smul":  # numbers outermost, other scalars multiplied together
            inner_c, inner = a.args
            if c.op == "const" and inner_c.op != "const":
                return n
            product = _scalar_product([c, inner_c])
            if product.op == "smul" and product.args[0].op == "const":
                return smul(product.args[0], smul(product.args[1], inner))
            return smul(product, inner)
        if c.op == "smul" and c.args[0].op == "const":
            return smul(c.args[0], smul(c.args[1], a))
        return n
    if op == "matmul":
        factors: list[Node] = []
        for f in args:
            factors.extend(f.args if f.op == "matmul" else (f,))
        if any(f.op == "zero" for f in factors):
            return zero(n.shape)
        if n.is_scalar and all(f.is_scalar for f in factors):
            return _scalar_product(factors)
        factors = [f for f in factors if f.op != "eye"] or [Node("eye", (), n.shape)]
        scalars = [f for f in factors if f.op in ("const", "smul")]
        if scalars:
            coefs = [f.args[0] if f.op == "smul" else f for f in scalars]
            rest = [f.args[1] if f.op == "smul" else f for f in factors if f.op != "const"]
            inner = matmul(rest) if rest else const(1)
            return smul(_scalar_product(coefs), inner)
        if len(factors) > 1 and not n.is_scalar:
            lone = [f for f in factors if f.is_scalar]
            if lone and len(lone) < len(factors):
                rest = [f for f in factors if not f.is_scalar]
                return smul(_scalar_product(lone), matmul(rest))
        factors = _cancel_inverses(factors)
        if not factors:
            return Node("eye", (), n.shape)
        return matmul(_powers(factors))
    if op == "had":
        factors = []
        for f in args:
            factors.extend(f.args if f.op == "had" else (f,))
        if any(f.op == "zero" for f in factors):
            return zero(n.shape)
        factors = [f for f in factors if f.op != "ones"] or [ones(n.shape)]
        scal = [f for f in factors if f.is_scalar and not n.is_scalar]
        if scal:
            rest = [f for f in factors if not (f.is_scalar and not n.is_scalar)] or [ones(n.shape)]
            return smul(_scalar_product(scal), had(rest))
        if any(f.op == "smul" for f in factors):
            coefs = [f.args[0] for f in factors if f.op == "smul"]
            rest = [f.args[1] if f.op == "smul" else f for f in factors]
            return smul(_scalar_product(coefs), had(rest))
        if n.is_scalar:
            return _scalar_product(factors)
        return _elementwise(had(factors))
    if op == "pow":
        a = args[0]
        if n.data == 1:
            return a
        if a.op == "const":
            return const(a.data**n.data)
        if a.op == "pow":
            return Node("pow", a.args, n.shape, a.data * n.data)
        if a.op == "norm" and n.data == 2:
            return Node("sqnorm", a.args, n.shape)
        return n
    if op == "add" and all(t.op == "diagm" or (t.op == "smul" and t.args[1].op == "diagm") for t in args):
        diagonals = [t.args[0] if t.op == "diagm" else smul(t.args[0], t.args[1].args[0]) for t in args]
        return Node("diagm", (add(diagonals),), n.shape)
    if op == "add":
        out = _collect(n.shape, args)
        if out.op == "add" and not n.is_scalar and any(m.op in ("had", "pow") for m in walk(out)):
            return _elementwise(out)
        return out
    if op in ("sum", "trace", "diagm", "diagv") and args[0].op == "smul" and args[0].args[0].op == "const":
        c, a = args[0].args
        return smul(c, Node(op, (a,), n.shape))
    if op == "diagv" and args[0].op == "matmul" and len(args[0].args) == 2:
        a, b = args[0].args
        if a.shape[1] == 1 and b.shape[0] == 1:  # diag(a bᵀ) = a ⊙ b
            return had([a, _transpose(b)])
    if op == "diagv" and args[0].op == "T":  # diag(Aᵀ) = diag(A)
        return Node("diagv", args[0].args, n.shape)
    if op == "trace" and args[0].op == "eye":
        return const(sympy.Symbol(str(args[0].shape[0])))
    return n


def _plain(n: Node) -> bool:
    """A symbol or its transpose: the factors whose repeats are written as a matrix power."""
    return n.op == "var" or (n.op == "T" and n.args[0].op == "var")


def _inverses(a: Node, b: Node) -> bool:
    """Whether a b = I: one is the other's inverse, or both are transposed and their bases are."""
    if a.op == "T" and b.op == "T":
        return _inverses(a.args[0], b.args[0])
    return (a.op == "inv" and a.args[0] == b) or (b.op == "inv" and b.args[0] == a)


def _cancel_inverses(factors: list[Node]) -> list[Node]:
    """Adjacent factors that are each other's inverses go: X^{-T} X^T -> I, A A^{-1} -> I."""
    out: list[Node] = []
    for f in factors:
        if out and _inverses(out[-1], f):
            out.pop()
        else:
            out.append(f)
    return out


def _powers(factors: list[Node]) -> list[Node]:
    """Repeated square symbols as matrix powers: X X -> X^2, X^2 X -> X^3, Xᵀ Xᵀ -> (Xᵀ)^2."""
    out: list[tuple[Node, int]] = []
    for f in factors:
        base, k = (f.args[0], f.data) if f.op == "mpow" else (f, 1)
        if out and out[-1][0] == base and _plain(base) and base.shape[0] == base.shape[1]:
            out[-1] = (base, out[-1][1] + k)
        else:
            out.append((base, k))
    return [b if k == 1 else Node("mpow", (b,), b.shape, k) for b, k in out]


def _scalar_product(factors: list[Node]) -> Node:
    """The product of 1×1 nodes: numbers multiplied into one coefficient in front, powers of the same
    factor combined (‖r‖ · ‖r‖⁻¹ = 1)."""
    coef: Any = sympy.Integer(1)
    powers: dict[Node, Any] = {}

    def take(p: Node, e: Any) -> None:
        nonlocal coef
        if p.op == "const":
            coef *= p.data**e
        elif p.op == "smul" or (p.op == "matmul" and all(a.is_scalar for a in p.args)):
            for a in p.args:
                take(a, e)
        elif p.op == "pow" and p.is_scalar:
            take(p.args[0], e * p.data)
        elif p.op == "ones":
            pass
        else:
            powers[p] = powers.get(p, 0) + e

    for f in factors:
        if f.op == "zero":
            return zero((1, 1))
        take(f, sympy.Integer(1))
    rest = [b if e == 1 else Node("pow", (b,), (1, 1), sympy.sympify(e)) for b, e in powers.items() if e != 0]
    rest.sort(key=lambda r: r.op == "pow")
    body = matmul(rest) if rest else None
    return _scale(coef, body, (1, 1))


def _collect(shape: Shape, args: tuple[Node, ...]) -> Node:
    terms: list[Node] = []
    for t in args:
        terms.extend(t.args if t.op == "add" else (t,))
    coefs: dict[Node | None, Any] = {}
    for t in terms:
        if t.op == "zero":
            continue
        key = _rest(t)
        if key is not None and key.op == "smul" and key.args[1].op == "ones" and shape != (1, 1):
            key = key  # a broadcast scalar stays as it is
        coefs[key] = coefs.get(key, 0) + _num(t)
    kept = [(k, c) for k, c in coefs.items() if c != 0]
    if not kept:
        return zero(shape)
    # a common scalar factor first: s A x + s Aᵀ x = s (A x + Aᵀ x)
    if len(kept) > 1 and all(k is not None and k.op == "smul" for k, _ in kept):
        scalars = {k.args[0] for k, _ in kept if k is not None}
        if len(scalars) == 1:
            inner_terms = tuple(_scale(c, k.args[1], shape) for k, c in kept if k is not None)
            return smul(scalars.pop(), _collect(shape, inner_terms))
    # take a common right factor out of matrix products: A x + Aᵀ x = (A + Aᵀ) x
    if len(kept) > 1 and all(k is not None and k.op == "matmul" for k, _ in kept):
        lasts = {k.args[-1] for k, _ in kept if k is not None}
        if len(lasts) == 1:
            last = lasts.pop()
            inner = add([_scale(c, matmul(list(k.args[:-1])), shape) for k, c in kept if k is not None])
            return matmul([_collect(inner.shape, inner.args) if inner.op == "add" else inner, last])
        firsts = {k.args[0] for k, _ in kept if k is not None}
        if len(firsts) == 1:
            first = firsts.pop()
            inner = add([_scale(c, matmul(list(k.args[1:])), shape) for k, c in kept if k is not None])
            return matmul([first, _collect(inner.shape, inner.args) if inner.op == "add" else inner])
    out = [_scale(c, k, shape) for k, c in kept]
    out.sort(key=lambda t: (_num(t).is_negative is True, t.op == "T" and t.args[0].op == "var"))
    return add(out)


def _transposes(n: Node) -> int:
    return sum(1 for m in walk(n) if m.op == "T")


# element-wise blocks are simplified as scalar algebra: each maximal non-element-wise part is a symbol
_EW = {"add", "had", "pow", "fn", "smul", "const", "ones"}


def _elementwise(n: Node) -> Node:
    leaves: dict[Node, sympy.Symbol] = {}

    def to_sym(m: Node) -> Any:
        if m.op == "add":
            return sympy.Add(*(to_sym(a) for a in m.args))
        if m.op == "had":
            return sympy.Mul(*(to_sym(a) for a in m.args))
        if m.op == "smul" and m.args[0].op == "const":
            return m.args[0].data * to_sym(m.args[1])
        if m.op == "const":
            return m.data
        if m.op == "ones":
            return sympy.Integer(1)
        if m.op == "pow":
            return to_sym(m.args[0]) ** m.data
        if m not in leaves:
            leaves[m] = sympy.Symbol(f"L{len(leaves)}", commutative=True)
        return leaves[m]

    expr = to_sym(n)
    best, cost = expr, sympy.count_ops(expr)
    for candidate in (sympy.expand(expr), sympy.factor_terms(sympy.expand(expr)), sympy.powsimp(expr)):
        c = sympy.count_ops(candidate)
        if c < cost or (candidate == 0 and expr != 0):
            best, cost = candidate, c
    expanded = best
    back = {s: m for m, s in leaves.items()}

    def from_sym(e: Any) -> Node:
        if e in back:
            return back[e]
        if e.is_Number:
            return _scale(e, None, n.shape)
        if e.is_Add:
            return add([from_sym(a) for a in e.args])
        if e.is_Mul:
            coef, parts = e.as_coeff_mul()
            body = had([from_sym(p) for p in parts]) if parts else None
            return _scale(coef, body, n.shape)
        if e.is_Pow and e.exp.is_Number:
            return Node("pow", (from_sym(e.base),), n.shape, e.exp)
        raise ValueError(f"internal: cannot rebuild {e}")

    try:
        return from_sym(expanded)
    except ValueError:
        return n


# ---------------------------------------------------------------- LaTeX

_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
}  # fmt: skip

_FN_TEX = {
    "exp": r"\exp",
    "log": r"\log",
    "sin": r"\sin",
    "cos": r"\cos",
    "tanh": r"\tanh",
    "sigmoid": r"\sigma",
    "relu": r"\operatorname{relu}",
    "softplus": r"\operatorname{softplus}",
    "sign": r"\operatorname{sign}",
    "step": r"\operatorname{step}",
}


def name_tex(name: str) -> str:
    if name == "lam":
        return r"\lambda"
    if name in _GREEK:
        return "\\" + name
    if len(name) > 1 and "_" not in name:
        return name[0] + "_{" + name[1:] + "}" if name[1:].isdigit() else r"\mathrm{" + name + "}"
    return name


def _atomic(n: Node) -> bool:
    if n.op in ("pow", "mpow"):
        return True  # its LaTeX brackets a compound base itself
    return n.op in ("var", "seed", "ones", "eye", "fn", "sum", "trace", "det", "logdet", "norm", "sqnorm",
                    "softmax", "logsoftmax", "lse", "diagm", "diagv", "inv", "T", "zero") or (
        n.op == "const" and n.data.is_Integer and n.data >= 0)  # fmt: skip


def _wrap(n: Node) -> str:
    s = latex(n)
    return s if _atomic(n) else r"\left(" + s + r"\right)"


def _base(n: Node) -> str:
    """`n` as the base of a superscript: bracketed unless it is a plain symbol or call (a base that
    carries a superscript of its own, X^{-1} or X^T, is bracketed: X^{-1}^T is no TeX)."""
    s = latex(n)
    return s if _atomic(n) and n.op not in ("T", "inv", "pow", "mpow", "ones") else r"\left(" + s + r"\right)"


def latex(n: Node) -> str:
    """The LaTeX of a node: transposes as ^T, products by juxtaposition, Hadamard products as ⊙."""
    op = n.op
    if op in ("var", "seed"):
        return name_tex(n.data[0])
    if op == "const":
        text = sympy.latex(n.data)
        return "-" + text[2:] if text.startswith("- ") else text
    if op == "ones":
        return "1" if n.is_scalar else r"\mathbf{1}^T" if n.is_row else r"\mathbf{1}"
    if op == "eye":
        return "I"
    if op == "zero":
        return "0"
    if op == "T":
        a = n.args[0]
        if a.op == "T":  # (a^T)^T as typed: a
            return latex(a.args[0])
        if a.op == "inv":
            return _base(a.args[0]) + "^{-T}"
        return _base(a) + "^T"
    if op == "inv":
        return _base(n.args[0]) + "^{-1}"
    if op == "mpow":
        base = n.args[0]
        text = latex(base) if base.op in ("var", "seed") else r"\left(" + latex(base) + r"\right)"
        return text + "^{" + str(n.data) + "}"
    if op == "add":
        out = latex(n.args[0])
        for t in n.args[1:]:
            s = latex(t)
            out += " - " + s[1:].lstrip() if s.startswith("-") else " + " + s
        return out
    if op == "smul":
        c, a = n.args
        body = _wrap(a) if a.op not in ("matmul", "had", "smul") else latex(a)
        if a.op == "matmul" and a.args[0].op == "add":
            body = latex(a)
        if c.op == "pow" and c.data == -1:
            return r"\frac{1}{" + latex(c.args[0]) + "} " + body
        if c.op == "smul" and c.args[0].op == "const" and c.args[1].op == "pow" and c.args[1].data == -1:
            k = c.args[0].data
            sign, k = ("-", -k) if k.is_negative else ("", k)
            return sign + r"\frac{" + sympy.latex(k) + "}{" + latex(c.args[1].args[0]) + "} " + body
        if c.op == "const" and a.op == "smul" and a.args[0].op == "pow" and a.args[0].data == -1:
            k = c.data
            sign, k = ("-", -k) if k.is_negative else ("", k)
            inner = a.args[1]
            rest = latex(inner) if inner.op in ("matmul", "had", "smul") else _wrap(inner)
            return sign + r"\frac{" + sympy.latex(k) + "}{" + latex(a.args[0].args[0]) + "} " + rest
        if c.op == "const":
            if c.data == -1:
                return "-" + body
            if c.data.is_Rational and c.data < 0:
                return "-" + sympy.latex(-c.data) + " " + body
            return latex(c) + " " + body
        if c.op == "add" or (c.op == "matmul" and not all(f.is_scalar for f in c.args)):
            return _wrap(c) + " " + body  # (sᵀg) s, not sᵀ g s
        return latex(c) + " " + body
    if op == "matmul":
        return " ".join(latex(f) if f.op == "matmul" else _wrap(f) for f in n.args)
    if op == "had":
        num = [f for f in n.args if not (f.op == "pow" and f.data < 0)]
        den = [Node("pow", f.args, f.shape, -f.data) for f in n.args if f.op == "pow" and f.data < 0]
        s = r" \odot ".join(_wrap(f) for f in num) or r"\mathbf{1}"
        for d in den:
            s += r" \oslash " + _wrap(simplify(d))
        return s
    if op == "pow":
        a = n.args[0]
        if n.data == sympy.Rational(1, 2):
            return r"\sqrt{" + latex(a) + "}"
        if n.is_scalar:
            if n.data == -1:
                return r"\frac{1}{" + latex(a) + "}"
            return _base(a) + "^{" + sympy.latex(n.data) + "}"
        return _base(a) + r"^{\circ " + sympy.latex(n.data) + "}"
    if op == "fn":
        a = n.args[0]
        if n.data == "abs":
            return r"\left|" + latex(a) + r"\right|"
        if n.data == "sqrt":
            return r"\sqrt{" + latex(a) + "}"
        return _FN_TEX[n.data] + r"\left(" + latex(a) + r"\right)"
    a = n.args[0]
    if op == "sum":
        return r"\operatorname{sum}\left(" + latex(a) + r"\right)"
    if op == "trace":
        return r"\operatorname{tr}\left(" + latex(a) + r"\right)"
    if op == "det":
        return r"\det\left(" + latex(a) + r"\right)"
    if op == "logdet":
        return r"\log\det\left(" + latex(a) + r"\right)"
    if op == "norm":
        return r"\left\lVert " + latex(a) + r" \right\rVert" + ("" if a.shape[1] == 1 else "_F")
    if op == "sqnorm":
        return r"\left\lVert " + latex(a) + r" \right\rVert" + ("" if a.shape[1] == 1 else "_F") + "^2"
    if op == "softmax":
        along = {None: "", 1: r"_{\mathrm{row}}", 0: r"_{\mathrm{col}}"}[n.data]
        return r"\operatorname{softmax}" + along + r"\left(" + latex(a) + r"\right)"
    if op == "logsoftmax":
        return r"\log\operatorname{softmax}\left(" + latex(a) + r"\right)"
    if op == "lse":
        return r"\operatorname{logsumexp}\left(" + latex(a) + r"\right)"
    if op in ("diagm", "diagv"):
        return r"\operatorname{diag}\left(" + latex(a) + r"\right)"
    raise ValueError(f"internal: no LaTeX for {op}")
