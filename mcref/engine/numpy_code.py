"""numpy source for a tree: vectors are numpy's 1-D arrays, matrices 2-D, scalars numbers.

The engine only writes this text; it never runs it (numpy is not imported here).
"""

from __future__ import annotations

from typing import Any

import sympy

from mcref.engine.ir import Node

__all__ = ["HELPERS", "Printer", "dim_sources", "source"]

HELPERS = {
    "sigmoid": "def sigmoid(z):\n    return np.exp(-np.logaddexp(0, -z))\n",
    "softplus": "def softplus(z):\n    return np.logaddexp(0, z)\n",
    "relu": "def relu(z):\n    return np.maximum(0, z)\n",
    "step": "def step(z):\n    return np.greater(z, 0).astype(float)  # the derivative of relu, 0 at 0\n",
    "softmax": "def softmax(z):\n    e = np.exp(z - np.max(z))\n    return e / np.sum(e)\n",
    "softmax_axis": (
        "def softmax_axis(z, axis):\n    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
        "    return e / np.sum(e, axis=axis, keepdims=True)\n"
    ),
    "lse": "def logsumexp(z):\n    top = np.max(z)\n    return top + np.log(np.sum(np.exp(z - top)))\n",
    "logsoftmax": "def log_softmax(z):\n    return z - logsumexp(z)\n",
}
_NP_FN = {"exp": "np.exp", "log": "np.log", "sin": "np.sin", "cos": "np.cos", "tanh": "np.tanh",
          "abs": "np.abs", "sign": "np.sign", "sqrt": "np.sqrt", "sigmoid": "sigmoid", "relu": "relu",
          "softplus": "softplus", "step": "step"}  # fmt: skip


def dim_sources(shapes: dict[str, tuple[Any, Any]]) -> dict[str, str]:
    """Where the numpy code reads each dimension symbol: the first symbol that has it (`x.shape[0]`)."""
    out: dict[str, str] = {}
    for name, shape in shapes.items():
        for i, d in enumerate(shape):
            if isinstance(d, str) and d not in out:
                out[d] = f"{name}.shape[{i}]"
    return out


_LEAVES = frozenset({"var", "seed", "const", "ones", "zero", "eye"})


def _fresh(k: int, taken: set[str]) -> str:
    name = f"t{k}"
    while name in taken:
        name += "_"
    return name


class Printer:
    """Prints nodes as numpy expressions, collecting the helpers they use."""

    def __init__(self, dim_source: dict[str, str]) -> None:
        self.dim_source = dim_source
        self.helpers: set[str] = set()
        self.named: dict[Node, str] = {}  # parts already computed into a local name (`body`)

    def dim(self, d: Any) -> str:
        return self.dim_source.get(d, str(d)) if isinstance(d, str) else str(d)

    def shape(self, n: Node) -> str:
        r, c = n.shape
        if c == 1 or r == 1:  # a column or a row: a 1-D array, as vectors are (1ᵀx is then a number)
            return f"({self.dim(r if c == 1 else c)},)"
        return f"({self.dim(r)}, {self.dim(c)})"

    def body(self, root: Node, taken: set[str]) -> str:
        """The lines of a function body that returns `root`: a part that occurs more than once is
        computed once into a local name (t1, t2, ...; a name in `taken` is skipped), innermost first."""
        counts: dict[Node, int] = {}
        order: list[Node] = []

        def visit(n: Node) -> None:
            if n.op in _LEAVES or (n.op == "T" and n.args[0].op in _LEAVES):
                return
            counts[n] = counts.get(n, 0) + 1
            if counts[n] == 1:
                for a in n.args:
                    visit(a)
                order.append(n)  # after its arguments

        visit(root)
        self.named = {}
        lines = []
        for n in order:
            if counts[n] > 1 and n != root:
                name = _fresh(len(self.named) + 1, taken)
                lines.append(f"    {name} = {self.p(n)}")
                self.named[n] = name
        lines.append(f"    return {self.p(root)}")
        self.named = {}
        return "\n".join(lines)

    def p(self, n: Node) -> str:
        if n in self.named:
            return self.named[n]
        op = n.op
        if op in ("var", "seed"):
            return str(n.data[0])
        if op == "const":
            v = sympy.sympify(n.data)
            if v.free_symbols:
                text = str(v)
                for d in sorted(v.free_symbols, key=str):
                    text = text.replace(str(d), self.dim(str(d)))
                return f"({text})"
            return str(v) if v.is_Integer else f"({v.p}/{v.q})" if v.is_Rational else str(float(v))
        if op == "ones":
            return "1.0" if n.is_scalar else f"np.ones({self.shape(n)})"
        if op == "zero":
            return "0.0" if n.is_scalar else f"np.zeros({self.shape(n)})"
        if op == "eye":
            return f"np.eye({self.dim(n.shape[0])})"
        a = n.args
        if op == "add":
            return "(" + " + ".join(self.p(t) for t in a) + ")"
        if op == "smul":
            c, body = a
            if body.op == "matmul" and not body.is_scalar:
                # the number goes on a vector factor, not on the matrix the product makes (c u vᵀ)
                at = next((i for i, f in enumerate(body.args) if 1 in f.shape and not f.is_scalar), None)
                if at is not None:
                    factors = list(body.args)
                    factors[at] = Node("smul", (c, factors[at]), factors[at].shape)
                    return self.p(Node("matmul", tuple(factors), body.shape))
            return f"({self.p(c)} * {self.p(body)})"
        if op == "T":
            x = a[0]
            return self.p(x) if x.shape[1] == 1 or x.shape[0] == 1 else f"{self.p(x)}.T"
        if op == "matmul":
            cur, shape = self.p(a[0]), a[0].shape
            for f in a[1:]:
                if shape == (1, 1) or f.is_scalar:
                    cur = f"({cur} * {self.p(f)})"
                elif shape[1] == 1 and f.shape[0] == 1:
                    cur = f"np.outer({cur}, {self.p(f)})"
                else:
                    cur = f"({cur} @ {self.p(f)})"
                shape = (shape[0], f.shape[1])
            return cur
        if op == "had":
            return "(" + " * ".join(self.p(f) for f in a) + ")"
        if op == "pow":
            return f"({self.p(a[0])} ** {self.p(Node('const', (), (1, 1), n.data))})"
        if op == "fn":
            if n.data in HELPERS:
                self.helpers.add(n.data)
            return f"{_NP_FN[n.data]}({self.p(a[0])})"
        arg = self.p(a[0])
        simple = {"sum": "np.sum", "trace": "np.trace", "det": "np.linalg.det", "inv": "np.linalg.inv",
                  "norm": "np.linalg.norm", "diagm": "np.diag", "diagv": "np.diag"}  # fmt: skip
        if op in simple:
            return f"{simple[op]}({arg})"
        if op == "mpow":
            return f"np.linalg.matrix_power({arg}, {n.data})"
        if op == "logdet":
            return f"np.linalg.slogdet({arg})[1]"
        if op == "sqnorm":
            return f"np.sum({arg} ** 2)"
        if op == "softmax" and n.data is not None:
            self.helpers.add("softmax_axis")
            return f"softmax_axis({arg}, axis={n.data})"
        if op in ("softmax", "lse", "logsoftmax"):
            self.helpers.add(op)
            if op == "logsoftmax":
                self.helpers.add("lse")
            return {"softmax": "softmax", "lse": "logsumexp", "logsoftmax": "log_softmax"}[op] + f"({arg})"
        raise ValueError(f"internal: no numpy form for {op}")  # pragma: no cover


def source(
    f: Node,
    result: Node,
    kind: str,
    names: list[str],
    wrt: str,
    dim_source: dict[str, str],
    gradient: Node | None = None,
) -> str:
    """A module text with `f(...)` and the derivative function (`grad_f`, `jacobian_f`, `vjp_f`, or for a
    Hessian `grad_f` and `hessian_f`)."""
    pr = Printer(dim_source)
    taken = set(names) | {"G"}
    body_f = pr.body(f, taken)
    body_d = pr.body(result, taken)
    body_g = pr.body(gradient, taken) if gradient is not None else ""
    args = ", ".join(names)
    doc = {
        "gradient": f"The gradient of f with respect to {wrt}, shaped like {wrt} (denominator layout).",
        "jacobian": f"The Jacobian of f with respect to {wrt}, numerator layout: one row per entry of f.",
        "vjp": f"The VJP G ↦ vᵀJ of f with respect to {wrt}: G shaped like f, the result like {wrt}.",
        "hessian": f"The Hessian of f with respect to {wrt}: H[i, j] = ∂²f/∂{wrt}[i]∂{wrt}[j], symmetric.",
    }[kind]
    fname = {"gradient": "grad_f", "jacobian": "jacobian_f", "vjp": "vjp_f", "hessian": "hessian_f"}[kind]
    grad = ""
    if gradient is not None:
        doc_g = f"The gradient of f with respect to {wrt}, shaped like {wrt} (denominator layout)."
        grad = f'\n\ndef grad_f({args}):\n    """{doc_g}"""\n{body_g}\n'

    dargs = f"G, {args}" if kind == "vjp" else args
    helpers = "".join("\n\n" + HELPERS[h] for h in sorted(pr.helpers))
    return (
        "import numpy as np"
        + helpers
        + f"\n\n\ndef f({args}):\n{body_f}\n"
        + grad
        + f'\n\ndef {fname}({dargs}):\n    """{doc}"""\n{body_d}\n'
    )
