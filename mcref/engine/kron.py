"""The Kronecker form of a matrix derivative, read off its VJP where that is unambiguous.

For a matrix (or vector) f of a matrix X, the whole derivative is the Jacobian
∂vec f/∂vec X, where vec stacks the columns (column-major, as in the Matrix Cookbook and in
Magnus and Neudecker; numpy's `order="F"`). The engine finds the VJP G ↦ X̄ first; when X̄ is a sum
of terms c P G Q or c P Gᵀ Q, with c a number and P, Q free of G, the identity
vec(P M Q) = kron(Qᵀ, P) vec M gives, term by term,

* c P G Q contributes c kron(Q, Pᵀ) to ∂vec f/∂vec X;
* c P Gᵀ Q contributes c K kron(Q, Pᵀ), with K the commutation matrix: K_{pq} vec(M) = vec(Mᵀ) for
  a p×q matrix M (it is the identity when M is a vector).

The Kronecker product is written kron(A, B) (numpy's `np.kron`), as on the site's layer pages: this
site keeps ⊗ for the paper's element-wise product. A VJP in which G
enters element-wise (G ⊙ σ(...)) or through a number (tr(G), sᵀG) has no Kronecker form of this
kind, and none is given. `exact.prove_kronecker` checks the result entry by entry.

Examples:
    >>> from mcref.engine import derive
    >>> print(derive("A @ X @ B", "X").kronecker)
    \\operatorname{kron}\\left(B^T, A\\right)
    >>> print(derive("X.T", "X").kronecker)
    K_{nm}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from mcref.engine import ir
from mcref.engine.ir import Node

__all__ = ["Term", "latex", "matrices", "terms"]


@dataclass(frozen=True)
class Term:
    """c · P G Q (or c · P Gᵀ Q when `transposed`): the coefficient, the factors P and Q (lists, empty
    for an identity)."""

    coef: Node | None
    left: tuple[Node, ...]
    transposed: bool
    right: tuple[Node, ...]


def _times(c: Node, d: Node | None) -> Node:
    return c if d is None else ir.smul(c, d)


def terms(e: Node, seed: str) -> list[Term] | None:
    """The terms of a VJP linear in the seed, or None when it is not a sum of c P G Q and c P Gᵀ Q."""
    if e.op == "seed" and e.data[0] == seed:
        return [Term(None, (), False, ())]
    if e.op == "T" and e.args[0].op == "seed" and e.args[0].data[0] == seed:
        return [Term(None, (), True, ())]
    if e.op == "add":
        out: list[Term] = []
        for t in e.args:
            if not ir.depends(t, seed):
                return None
            sub = terms(t, seed)
            if sub is None:
                return None
            out += sub
        return out
    if e.op == "smul":
        c, a = e.args
        if ir.depends(c, seed):
            return None
        sub = terms(a, seed)
        return None if sub is None else [Term(_times(c, t.coef), t.left, t.transposed, t.right) for t in sub]
    if e.op == "matmul":
        idx = [i for i, f in enumerate(e.args) if ir.depends(f, seed)]
        if len(idx) != 1 or e.args[idx[0]].is_scalar:
            return None
        i = idx[0]
        sub = terms(e.args[i], seed)
        if sub is None:
            return None
        left, right = e.args[:i], e.args[i + 1 :]
        return [Term(t.coef, (*left, *t.left), t.transposed, (*t.right, *right)) for t in sub]
    return None


def _eye(d: Any) -> Node:
    return ir.node("eye", [], (d, d))


def matrices(t: Term, f_shape: ir.Shape) -> tuple[Node, Node]:
    """Q and Pᵀ of a term as nodes (identities where P or Q is empty), simplified."""
    r, c = f_shape
    inner = (c, r) if t.transposed else (r, c)  # the shape of G (or Gᵀ) between P and Q
    p = ir.matmul(list(t.left)) if t.left else _eye(inner[0])
    q = ir.matmul(list(t.right)) if t.right else _eye(inner[1])
    return ir.simplify(q), ir.simplify(ir.T(p))


def _tex(n: Node) -> str:
    return f"I_{{{n.shape[0]}}}" if n.op == "eye" else ir.latex(n)


def latex(ts: list[Term], f_shape: ir.Shape) -> str:
    """∂vec f/∂vec X as a sum of Kronecker products (see the module docstring)."""
    r, c = f_shape
    parts: list[str] = []
    for t in ts:
        q, pt = matrices(t, f_shape)
        body = f"\\operatorname{{kron}}\\left({_tex(q)}, {_tex(pt)}\\right)"
        if q.op == "eye" and pt.op == "eye":
            body = ""
        if t.transposed and r != 1 and c != 1:
            k = f"K_{{{c}{r}}}"
            body = f"{k} {body}" if body else k
        body = body or f"I_{{{r}{c}}}"
        coef = ir.simplify(t.coef) if t.coef is not None else None
        if coef is None or (coef.op == "const" and coef.data == 1):
            parts.append(body)
        elif coef.op == "const" and coef.data == -1:
            parts.append("-" + body)
        else:
            text = ir.latex(coef)
            if coef.op == "add":
                text = r"\left(" + text + r"\right)"
            parts.append(f"{text} {body}")
    out = parts[0]
    for s in parts[1:]:
        out += " - " + s[1:] if s.startswith("-") else " + " + s
    return out


def kron(a: sympy.Matrix, b: sympy.Matrix) -> sympy.Matrix:
    """The Kronecker product of two explicit matrices."""
    ar, ac = a.shape
    br, bc = b.shape
    return sympy.Matrix(ar * br, ac * bc, lambda i, j: a[i // br, j // bc] * b[i % br, j % bc])


def commutation(p: int, q: int) -> sympy.Matrix:
    """K_{pq}: K vec(M) = vec(Mᵀ) for a p×q matrix M (vec stacks columns)."""
    k = sympy.zeros(p * q, p * q)
    for i in range(p):
        for j in range(q):
            k[j + i * q, i + j * p] = 1
    return k
