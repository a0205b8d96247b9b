"""From the text a reader types to the engine's tree, with every shape inferred.

Two syntaxes are read:

* **numpy**: `x.T @ A @ x`, `np.sum(np.exp(W @ x + b))`; `*`, `/` and `**` are element-wise, `@` is
  the matrix product, and a vector on either side of `@` works as numpy's 1-D arrays do (`x @ A @ x`
  is xᵀAx);
* **matrixcalculus.org**: `x'*A*x`, `sum(exp(W*x+b))`; `*` is the matrix product, `'` transposes,
  `.*`, `./`, `.^` are element-wise, `vector(1)` and `matrix(1)` are all-ones, and `X^k` on a square
  matrix is the matrix power (an integer k >= 1; numpy's `np.linalg.matrix_power(X, k)`).

`np.outer(x, y)` is the matrix x yᵀ of two vectors, and `softmax(X, axis=1)` (scipy's keyword) the softmax
of each row of a matrix (`axis=0`: of each column).

A text is matrixcalculus.org's when it has `'`, `.*`, `./`, `.^`, `^` or one of its function names
(`tr`, `logdet`, `norm1`, `norm2`, `vector`, `matrix`) and numpy's when it has `@`, `np.`, `.T` or `**`
(both kinds of marker together is an error); with neither, `*` is read as matrixcalculus.org reads it,
the matrix product, which is the same thing as numpy's `*` whenever one side is a scalar.

Undeclared names follow matrixcalculus.org's letter convention: a lowercase letter is a vector, an
uppercase letter a matrix (a letter followed by digits too: `W1`, `b2`), and a Greek letter's name
(`alpha`, `lambda`, `lam`, ...) a scalar; any other name must be declared. Dimensions are symbols,
unified as the expression is read (`A @ x` makes A's columns x's length); a conflict is a
`DeriveError` naming both shapes and the column.

The text is parsed with `ast.parse` and never evaluated.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

import sympy

from mcref.engine import ir
from mcref.engine.errors import DeriveError
from mcref.engine.ir import Node

__all__ = ["Parsed", "detect_syntax", "parse", "parse_shapes"]

GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "kappa", "lambda", "lam", "mu", "nu",
         "rho", "sigma", "tau", "phi", "psi", "omega", "xi", "zeta"}  # fmt: skip
_MC_FUNCTIONS = {"tr", "logdet", "norm1", "norm2", "vector", "matrix"}
_DIM_POOL = ["n", "m", "k", "p", "q", "r", "s", "t", "d", "l", "u", "v", "w", "a", "b", "c"]


class Dim:
    """A dimension being inferred: a union-find cell with a name that is hard (declared) or soft."""

    def __init__(self, name: str | int, hard: bool, order: int = 0) -> None:
        self.parent: Dim | None = None
        self.name = name
        self.hard = hard
        self.order = order  # among soft names, the one handed out first wins

    def root(self) -> Dim:
        d = self
        while d.parent is not None:
            d = d.parent
        return d

    def __str__(self) -> str:
        return str(self.root().name)


def _unify(a: Dim, b: Dim) -> bool:
    ra, rb = a.root(), b.root()
    if ra is rb:
        return True
    if ra.name == rb.name and (ra.hard or rb.hard or isinstance(ra.name, int)):
        rb.parent = ra
        ra.hard = ra.hard or rb.hard
        return True
    for fixed, other in ((ra, rb), (rb, ra)):  # a number: a soft dimension may take any size but 1
        if isinstance(fixed.name, int):
            if isinstance(other.name, int) or other.hard or fixed.name == 1:
                return False
            other.parent = fixed
            return True
    if ra.hard and rb.hard:
        return False
    if rb.hard or (not ra.hard and rb.order < ra.order):
        ra, rb = rb, ra
    rb.parent = ra
    return True


@dataclass
class Decl:
    shape: tuple[str | int, str | int] | None = None
    symmetric: bool = False


@dataclass
class Parsed:
    """What the parser hands on: the tree, the variables' shapes and the text's syntax."""

    tree: Node
    syntax: str
    shapes: dict[str, tuple[Any, Any]]
    symmetric: set[str]
    dims: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- declarations


def _parse_dims(spec: str, where: str) -> tuple[str | int, str | int]:
    spec = spec.strip()
    if spec in ("scalar", "", "1"):
        return (1, 1)
    parts = [p.strip() for p in re.split(r"×|,|\*|\s+x\s+|(?<=\w)x(?=\d)", spec) if p.strip()]
    dims: list[str | int] = []
    for p in parts:
        if p.isdigit():
            dims.append(int(p))
        elif p.isidentifier():
            dims.append(p)
        else:
            raise DeriveError(f"shapes: cannot read the dimension {p!r} in {where!r}; write e.g. 'A: m×n' or 'x: n'")
    if len(dims) == 1:
        return (dims[0], 1)
    if len(dims) == 2:
        return (dims[0], dims[1])
    raise DeriveError(f"shapes: {where!r} has {len(dims)} dimensions; the engine handles scalars, vectors, matrices")


def parse_shapes(shapes: dict[str, str] | str | None) -> dict[str, Decl]:
    """Read declarations: a dict {"A": "n,n"} or one string "x: n; A: n×n; A symmetric".

    Examples:
        >>> from mcref.engine.parse import parse_shapes
        >>> d = parse_shapes("x: n; A: n x n; A symmetric; c: scalar")
        >>> d["A"].shape, d["A"].symmetric, d["c"].shape
        (('n', 'n'), True, (1, 1))
    """
    decls: dict[str, Decl] = {}
    if shapes is None:
        return decls
    if isinstance(shapes, dict):
        items = [(str(k), str(v)) for k, v in shapes.items()]
    elif isinstance(shapes, str):
        items = []
        for part in re.split(r"[;\n]", shapes):
            part = part.strip()
            if not part:
                continue
            if ":" in part:
                k, v = part.split(":", 1)
            else:
                k, _, v = part.partition(" ")
            items.append((k.strip(), v.strip()))
    else:
        raise TypeError(f"shapes must be a dict, a string or None; got {type(shapes).__name__}")
    for name, spec in items:
        if not name.isidentifier():
            raise DeriveError(f"shapes: {name!r} is not a name")
        d = decls.setdefault(name, Decl())
        words = spec.replace(",", " , ").split()
        if "symmetric" in words:
            d.symmetric = True
            spec = re.sub(r"[,\s]*symmetric[,\s]*", " ", spec).strip()
        if spec:
            d.shape = _parse_dims(spec, f"{name}: {spec}")
    for name, d in decls.items():
        if d.symmetric and d.shape is not None and d.shape[0] != d.shape[1]:
            raise DeriveError(
                f"shapes: {name} is declared symmetric but its shape {d.shape[0]}×{d.shape[1]} is not square"
            )
    return decls


# ---------------------------------------------------------------- syntax


def detect_syntax(text: str) -> str:
    """Say "numpy" or "matrixcalculus", by the markers listed in the module docstring.

    Examples:
        >>> from mcref.engine.parse import detect_syntax
        >>> detect_syntax("x.T @ A @ x"), detect_syntax("x'*A*x"), detect_syntax("sum(exp(x))")
        ('numpy', 'matrixcalculus', 'matrixcalculus')
    """
    names = set(re.findall(r"[A-Za-z_]\w*", text))
    mc = "'" in text or ".*" in text or "./" in text or ".^" in text or "^" in text or bool(names & _MC_FUNCTIONS)
    np_ = "@" in text or "np." in text or "numpy." in text or ".T" in text or "**" in text
    if mc and np_:
        raise DeriveError(
            "col 1: the text mixes numpy syntax (@, np., .T, **) and matrixcalculus.org's (', .*, ^, tr); use one"
        )
    return "numpy" if np_ else "matrixcalculus"


def _prelex(text: str) -> tuple[str, list[int], set[int]]:
    """matrixcalculus.org's syntax in Python's: the new text, the original column of each of its
    characters, and the columns of `^` (matrix power, refused on a matrix)."""
    out: list[str] = []
    origin: list[int] = []
    carets: set[int] = set()
    i = 0
    while i < len(text):
        two = text[i : i + 2]
        if two in (".*", "./"):
            out.append(two[1])
            origin.append(i)
            i += 2
        elif two == ".^":
            out += ["*", "*"]
            origin += [i, i]
            i += 2
        elif text[i] == "^":
            out += ["*", "*"]
            origin += [i, i]
            carets.add(len(out) - 2)
            i += 1
        elif text[i] == "*":
            out.append("@")
            origin.append(i)
            i += 1
        elif text[i] == "'":
            out += [".", "T"]
            origin += [i, i]
            i += 1
        else:
            out.append(text[i])
            origin.append(i)
            i += 1
    return "".join(out), origin, carets


# ---------------------------------------------------------------- the parser

_FUNCS = {
    "exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tanh": "tanh", "sigmoid": "sigmoid",
    "expit": "sigmoid", "relu": "relu", "softplus": "softplus", "abs": "abs", "absolute": "abs",
    "sign": "sign", "sqrt": "sqrt", "power": "power", "sum": "sum", "mean": "mean", "trace": "trace",
    "tr": "trace", "det": "det", "logdet": "logdet", "inv": "inv", "inverse": "inv", "norm": "norm",
    "norm2": "norm", "norm1": "norm1", "softmax": "softmax", "logsumexp": "logsumexp", "lse": "logsumexp",
    "diag": "diag", "maximum": "maximum", "max": "maximum", "vector": "vector", "matrix": "matrix",
    "dot": "dot", "outer": "outer", "matrix_power": "matrix_power",
}  # fmt: skip
_SPECIAL = {"vector", "matrix", "maximum", "power", "dot", "outer", "matrix_power"}
_PREFIXES = ("np.linalg.", "numpy.linalg.", "np.", "numpy.", "linalg.", "scipy.special.", "special.")


class _Parser:
    def __init__(self, text: str, syntax: str, decls: dict[str, Decl]) -> None:
        self.text = text
        self.syntax = syntax
        self.decls = decls
        if syntax == "matrixcalculus":
            self.src, self.origin, self.carets = _prelex(text)
        else:
            self.src, self.origin, self.carets = text, list(range(len(text))), set()
        self.src_bytes = self.src.encode("utf-8")
        self.symbols: dict[str, tuple[Dim, Dim]] = {}
        taken = {str(d) for decl in decls.values() if decl.shape for d in decl.shape}
        taken |= set(re.findall(r"[A-Za-z_]\w*", text))
        self.pool = [p for p in _DIM_POOL if p not in taken]
        self.used = 0

    # positions ----------------------------------------------------
    def _char(self, byte_offset: int) -> int:
        return len(self.src_bytes[:byte_offset].decode("utf-8", errors="ignore"))

    def col(self, n: ast.AST) -> int:
        i = self._char(getattr(n, "col_offset", 0))
        return self.origin[min(i, len(self.origin) - 1)] + 1 if self.origin else 1

    def segment(self, n: ast.AST) -> str:
        a = self._char(getattr(n, "col_offset", 0))
        b = self._char(getattr(n, "end_col_offset", 0) or 0)
        if not self.origin or b <= a:
            return self.text
        return self.text[self.origin[a] : self.origin[min(b, len(self.origin)) - 1] + 1].strip()

    def fail(self, n: ast.AST, msg: str) -> DeriveError:
        return DeriveError(f"col {self.col(n)}: {msg}")

    # dimensions ---------------------------------------------------
    def fresh(self) -> Dim:
        if self.used < len(self.pool):
            name = self.pool[self.used]
        else:
            name = f"d{self.used}"
        self.used += 1
        return Dim(name, hard=False, order=self.used)

    def shape_str(self, s: tuple[Dim, Dim]) -> str:
        r, c = (d.root().name for d in s)
        return ir.shape_text((r, c))

    # symbols ------------------------------------------------------
    def symbol(self, name: str, n: ast.AST) -> tuple[Dim, Dim]:
        if name in self.symbols:
            return self.symbols[name]
        decl = self.decls.get(name)
        if decl is not None and decl.shape is not None:
            shape = tuple(Dim(d, hard=True) for d in decl.shape)
        elif decl is not None and decl.symmetric:
            d = self.fresh()
            shape = (d, d)
        elif name in GREEK:
            shape = (Dim(1, True), Dim(1, True))
        elif re.fullmatch(r"[a-z][0-9_]*", name):
            shape = (self.fresh(), Dim(1, True))
        elif re.fullmatch(r"[A-Z][0-9_]*", name):
            shape = (self.fresh(), self.fresh())
        else:
            hint = f"declare its shape (e.g. '{name}: n') or use a single letter"
            raise self.fail(n, f"unknown name {name!r}: {hint}")
        # shared dimension objects for declared names: same symbol, same Dim
        self.symbols[name] = shape  # type: ignore[assignment]
        return shape  # type: ignore[return-value]

    def unify(self, a: Dim, b: Dim, n: ast.AST, msg: str) -> None:
        if not _unify(a, b):
            raise self.fail(n, msg)

    # tree ---------------------------------------------------------
    def run(self) -> _Pre:
        try:
            tree = ast.parse(self.src.strip() and self.src, mode="eval")
        except SyntaxError as err:
            off = (err.offset or 1) - 1
            col = self.origin[min(off, len(self.origin) - 1)] + 1 if self.origin else 1
            raise DeriveError(f"col {col}: syntax error: {err.msg}") from None
        # hard dims declared with the same name are one dimension
        by_name: dict[str, Dim] = {}
        pre = self.expr(tree.body)
        for shape in self.symbols.values():
            for d in shape:
                r = d.root()
                if isinstance(r.name, str) and r.hard:
                    if r.name in by_name and by_name[r.name].root() is not r:
                        _unify(by_name[r.name], r)
                    by_name.setdefault(r.name, r)
        return pre

    def expr(self, n: ast.expr) -> _Pre:
        """A pre-node: (op, args, shape as Dims, data, ast node)."""
        if isinstance(n, ast.Name):
            s = self.symbol(n.id, n)
            return _Pre("var", [], s, n.id, n)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            return _Pre("const", [], (Dim(1, True), Dim(1, True)), sympy.Rational(str(n.value)), n)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            a = self.expr(n.operand)
            if isinstance(n.op, ast.UAdd):
                return a
            return _Pre(
                "smul", [_Pre("const", [], (Dim(1, True), Dim(1, True)), sympy.Integer(-1), n), a], a.shape, None, n
            )
        if isinstance(n, ast.Attribute) and n.attr == "T":
            a = self.expr(n.value)
            return _Pre("T", [a], (a.shape[1], a.shape[0]), None, n)
        if isinstance(n, ast.BinOp):
            return self.binop(n)
        if isinstance(n, ast.Call):
            return self.call(n)
        kind = type(n).__name__
        raise self.fail(n, f"unsupported syntax ({kind}) in {self.segment(n)!r}")

    def _is_scalar(self, p: _Pre) -> bool:
        return all(isinstance(d.root().name, int) and d.root().name == 1 for d in p.shape)

    def _is_vec(self, p: _Pre) -> bool:
        r, c = (d.root().name for d in p.shape)
        return c == 1 and r != 1

    def _is_row(self, p: _Pre) -> bool:
        r, c = (d.root().name for d in p.shape)
        return r == 1 and c != 1

    def as_col(self, p: _Pre) -> _Pre:
        """numpy reads a row as a 1-D array: element-wise, it is the vector."""
        if self.syntax == "numpy" and self._is_row(p):
            return _Pre("T", [p], (p.shape[1], p.shape[0]), None, p.node)
        return p

    def binop(self, n: ast.BinOp) -> _Pre:
        a, b = self.expr(n.left), self.expr(n.right)
        seg = self.segment(n)
        sa, sb = self.segment(n.left), self.segment(n.right)
        if isinstance(n.op, ast.MatMult):
            if self._is_scalar(a) or self._is_scalar(b):
                if self.syntax == "numpy":
                    raise self.fail(n, f"{seg}: @ needs two arrays; use * to scale by the scalar")
                return self.scale(a, b, n) if self._is_scalar(a) else self.scale(b, a, n)
            if self.syntax == "numpy":
                if self._is_vec(a) and (self._is_vec(b) or not self._is_row(b)):
                    a = _Pre("T", [a], (a.shape[1], a.shape[0]), None, n.left)
                if self._is_row(b):
                    b = _Pre("T", [b], (b.shape[1], b.shape[0]), None, n.right)
            what = "length" if self._is_vec(b) else "rows"
            self.unify(
                a.shape[1],
                b.shape[0],
                n,
                f"{seg} needs {sa}'s columns ({a.shape[1]}) to match {sb}'s {what} ({b.shape[0]}); "
                f"got {sa}: {self.shape_str(a.shape)} and {sb}: {self.shape_str(b.shape)}",
            )
            out = _Pre("matmul", [a, b], (a.shape[0], b.shape[1]), None, n)
            if self.syntax == "numpy" and self._is_row(out):
                out = _Pre("T", [out], (out.shape[1], out.shape[0]), None, n)
            return out
        if isinstance(n.op, ast.Pow):
            if not (isinstance(n.right, ast.Constant) or isinstance(n.right, ast.UnaryOp)) or not self._is_scalar(b):
                raise self.fail(n.right, f"{seg}: the exponent must be a number; got {sb}")
            if b.op != "const":
                if b.op == "smul" and b.args[1].op == "const":
                    b = _Pre("const", [], b.shape, -b.args[1].data, n.right)
                else:
                    raise self.fail(n.right, f"{seg}: the exponent must be a number; got {sb}")
            caret = self._char(n.left.end_col_offset or 0)
            if (
                self.syntax == "matrixcalculus"
                and not self._is_scalar(a)
                and any(c in self.carets for c in range(caret, caret + 4))
            ):
                return self.matrix_power(a, b.data, n, seg, sa)
            a = self.as_col(a)
            return _Pre("pow", [a], a.shape, b.data, n)
        op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}.get(type(n.op))
        if op is None:
            raise self.fail(n, f"unsupported operator in {seg!r}")
        a, b = self.as_col(a), self.as_col(b)
        if op == "*" and (self._is_scalar(a) or self._is_scalar(b)):
            return self.scale(a, b, n) if self._is_scalar(a) else self.scale(b, a, n)
        if op == "/" and self._is_scalar(b):
            inv = _Pre("pow", [b], b.shape, sympy.Integer(-1), n.right)
            return self.scale(inv, a, n)
        if op == "/" and self._is_scalar(a):
            inv = _Pre("pow", [b], b.shape, sympy.Integer(-1), n.right)
            return self.scale(a, inv, n)
        if self._is_scalar(a) != self._is_scalar(b):  # scalar ± array: the scalar on every entry
            s, arr = (a, b) if self._is_scalar(a) else (b, a)
            bc = _Pre("smul", [s, _Pre("ones", [], arr.shape, None, s.node)], arr.shape, None, s.node)
            a, b = (bc, b) if s is a else (a, bc)
        for i in (0, 1):
            self.unify(
                a.shape[i],
                b.shape[i],
                n,
                f"{seg} needs {sa} ({self.shape_str(a.shape)}) and {sb} ({self.shape_str(b.shape)}) to have the "
                f"same shape; got {sa}: {self.shape_str(a.shape)} and {sb}: {self.shape_str(b.shape)}",
            )
        if op == "+":
            return _Pre("add", [a, b], a.shape, None, n)
        if op == "-":
            neg = _Pre(
                "smul", [_Pre("const", [], (Dim(1, True), Dim(1, True)), sympy.Integer(-1), n), b], b.shape, None, n
            )
            return _Pre("add", [a, neg], a.shape, None, n)
        if op == "*":
            return _Pre("had", [a, b], a.shape, None, n)
        return _Pre("had", [a, _Pre("pow", [b], b.shape, sympy.Integer(-1), n.right)], a.shape, None, n)

    def matrix_power(self, a: _Pre, k: Any, n: ast.AST, seg: str, sa: str) -> _Pre:
        """X^k for a square matrix X and an integer k >= 1 (X^1 is X)."""
        if not (sympy.sympify(k).is_integer and k >= 1):
            raise self.fail(n, f"{seg}: the matrix power needs an integer exponent k >= 1; got {k}")
        if self._is_vec(a) or self._is_row(a):
            raise self.fail(n, f"{seg}: the matrix power needs a square matrix; got {sa}: {self.shape_str(a.shape)}; "
                            "use .^ (matrixcalculus.org) or ** (numpy) for element-wise")  # fmt: skip
        self.unify(a.shape[0], a.shape[1], n, f"{seg} needs a square matrix; got {sa}: {self.shape_str(a.shape)}")
        return a if k == 1 else _Pre("mpow", [a], a.shape, int(k), n)

    def scale(self, s: _Pre, a: _Pre, n: ast.AST) -> _Pre:
        if self._is_scalar(a):
            return _Pre("matmul", [s, a], a.shape, None, n)
        return _Pre("smul", [s, a], a.shape, None, n)

    def func_name(self, f: ast.expr) -> str:
        dotted = ast.unparse(f) if isinstance(f, (ast.Name, ast.Attribute)) else ""
        for p in _PREFIXES:
            if dotted.startswith(p):
                dotted = dotted[len(p) :]
                break
        if dotted not in _FUNCS:
            raise self.fail(f, f"unsupported function {dotted or self.segment(f)!r}; the engine knows "
                            + ", ".join(sorted(set(_FUNCS.values()) - _SPECIAL))
                            + ", maximum(0, .), power, dot, outer, matrix_power, vector(1), matrix(1)")  # fmt: skip
        return _FUNCS[dotted]

    def call(self, n: ast.Call) -> _Pre:
        name = self.func_name(n.func)
        axis: int | None = None
        if name == "softmax" and len(n.keywords) == 1 and n.keywords[0].arg == "axis":
            k = n.keywords[0].value
            text = self.segment(k) if isinstance(k, (ast.Constant, ast.UnaryOp)) else ""
            if text not in ("0", "1", "-1"):
                raise self.fail(k, f"{self.segment(n)}: softmax's axis must be 0, 1 or -1; got {self.segment(k)}")
            axis = 0 if text == "0" else 1
        elif n.keywords:
            raise self.fail(n, f"{self.segment(n)}: keyword arguments are not supported")
        args = n.args
        seg = self.segment(n)
        if name in ("vector", "matrix"):
            if len(args) != 1 or not (isinstance(args[0], ast.Constant) and args[0].value == 1):
                raise self.fail(n, f"{seg}: only {name}(1), the all-ones {name}, is supported")
            shape = (self.fresh(), Dim(1, True)) if name == "vector" else (self.fresh(), self.fresh())
            return _Pre("ones", [], shape, None, n)
        if name == "maximum":
            if len(args) != 2 or not (isinstance(args[0], ast.Constant) and args[0].value == 0):
                raise self.fail(n, f"{seg}: only maximum(0, z), the ReLU, is supported")
            a = self.as_col(self.expr(args[1]))
            return _Pre("fn", [a], a.shape, "relu", n)
        if name == "power":
            if len(args) != 2:
                raise self.fail(n, f"{seg}: power takes two arguments")
            return self.binop(ast.BinOp(left=args[0], op=ast.Pow(), right=args[1], **_pos(n)))
        if name == "dot":
            if len(args) != 2:
                raise self.fail(n, f"{seg}: dot takes two arguments")
            return self.binop(ast.BinOp(left=args[0], op=ast.MatMult(), right=args[1], **_pos(n)))
        if name == "outer":
            if len(args) != 2:
                raise self.fail(n, f"{seg}: outer takes two arguments")
            a, b = (self.as_col(self.expr(x)) for x in args)
            for x, p in zip(args, (a, b), strict=True):
                if not self._is_vec(p):
                    raise self.fail(
                        x, f"{seg}: outer needs two vectors; got {self.segment(x)}: {self.shape_str(p.shape)}"
                    )
            bt = _Pre("T", [b], (b.shape[1], b.shape[0]), None, args[1])
            return _Pre("matmul", [a, bt], (a.shape[0], b.shape[0]), None, n)
        if name == "matrix_power":
            if len(args) != 2:
                raise self.fail(n, f"{seg}: matrix_power takes two arguments, a matrix and an integer")
            a = self.expr(args[0])
            k = args[1]
            if not (isinstance(k, ast.Constant) and isinstance(k.value, int) and not isinstance(k.value, bool)):
                raise self.fail(k, f"{seg}: the matrix power needs an integer exponent k >= 1; got {self.segment(k)}")
            return self.matrix_power(a, k.value, n, seg, self.segment(args[0]))
        if name == "norm" and len(args) == 2:
            if isinstance(args[1], ast.Constant) and args[1].value == 1:
                name, args = "norm1", args[:1]
            elif isinstance(args[1], ast.Constant) and args[1].value == 2:
                args = args[:1]
            elif isinstance(args[1], ast.Constant) and args[1].value == "fro":
                args = args[:1]
        if len(args) != 1:
            raise self.fail(n, f"{seg}: {name} takes one argument here; got {len(args)}")
        a = self.as_col(self.expr(args[0]))
        s1 = (Dim(1, True), Dim(1, True))
        sa = self.segment(args[0])
        if name in ir.ELEMENTWISE_FUNCTIONS:
            return _Pre("fn", [a], a.shape, name, n)
        if name == "sum":
            return _Pre("sum", [a], s1, None, n)
        if name == "mean":
            r, c = a.shape
            return _Pre("mean", [a], s1, (r, c), n)
        if name == "norm":
            return _Pre("norm", [a], s1, None, n)
        if name == "norm1":
            return _Pre("sum", [_Pre("fn", [a], a.shape, "abs", n)], s1, None, n)
        if name in ("trace", "det", "logdet", "inv"):
            self.unify(a.shape[0], a.shape[1], n, f"{seg} needs a square matrix; got {sa}: {self.shape_str(a.shape)}")
            return _Pre(name, [a], s1 if name != "inv" else a.shape, None, n)
        if name == "softmax" and axis is not None and not (self._is_vec(a) or self._is_scalar(a)):
            return _Pre("softmax", [a], a.shape, axis, n)  # each row (axis=1) or column (axis=0) of a matrix
        if name in ("softmax", "logsumexp"):
            if not (self._is_vec(a) or self._is_scalar(a)):
                raise self.fail(n, f"{seg} needs a vector; got {sa}: {self.shape_str(a.shape)}")
            return _Pre("softmax" if name == "softmax" else "lse", [a], a.shape if name == "softmax" else s1, None, n)
        if name == "diag":
            if self._is_vec(a):
                return _Pre("diagm", [a], (a.shape[0], a.shape[0]), None, n)
            self.unify(
                a.shape[0],
                a.shape[1],
                n,
                f"{seg} needs a vector or a square matrix; got {sa}: {self.shape_str(a.shape)}",
            )
            return _Pre("diagv", [a], (a.shape[0], Dim(1, True)), None, n)
        if name == "log" and a.op == "softmax":
            return _Pre("logsoftmax", a.args, a.shape, None, n)
        raise self.fail(n, f"unsupported function {name!r}")  # pragma: no cover


def _pos(n: ast.AST) -> dict[str, Any]:
    return {k: getattr(n, k) for k in ("lineno", "col_offset", "end_lineno", "end_col_offset")}


@dataclass
class _Pre:
    op: str
    args: list[_Pre]
    shape: tuple[Dim, Dim]
    data: Any
    node: Any


def _dim(d: Dim) -> str | int:
    return d.root().name


def _build(p: _Pre, symmetric: set[str]) -> Node:
    shape = (_dim(p.shape[0]), _dim(p.shape[1]))
    args = [_build(a, symmetric) for a in p.args]
    if p.op == "var":
        return ir.var(p.data, shape, p.data in symmetric)
    if p.op == "const":
        return ir.const(p.data)
    if p.op == "mean":
        r, c = (_dim(d) for d in p.data)
        size = sympy.Symbol(r) if isinstance(r, str) else sympy.Integer(r)
        size *= sympy.Symbol(c) if isinstance(c, str) else sympy.Integer(c)
        return ir.smul(ir.const(1 / size), ir.node("sum", args, (1, 1)))
    if p.op == "pow" and p.data == 2 and args[0].op == "norm":  # ‖a‖² has a rule of its own
        return ir.node("sqnorm", args[0].args, shape)
    if p.op == "fn" and p.data == "log" and args[0].op in ("softmax", "det") and args[0].data is None:  # X19, MC43
        return ir.node("logsoftmax" if args[0].op == "softmax" else "logdet", args[0].args, shape)
    if p.op == "fn" and p.data == "log" and args[0].op == "add" and len(args[0].args) == 2:
        one, e = args[0].args if args[0].args[1].op == "fn" else reversed(args[0].args)
        is_one = (one.op == "const" and one.data == 1) or (
            one.op == "smul" and one.args[0].op == "const" and one.args[0].data == 1 and one.args[1].op == "ones"
        )
        if is_one and e.op == "fn" and e.data == "exp":  # log(1 + exp(u)) is softplus(u), rule X15
            return ir.node("fn", e.args, shape, "softplus")
    return ir.node(p.op, args, shape, p.data)


def parse(text: str, shapes: dict[str, str] | str | None = None, syntax: str = "auto") -> Parsed:
    """Parse `text` into the engine's tree with every shape inferred (see the module docstring).

    Examples:
        >>> from mcref.engine.parse import parse
        >>> p = parse("x.T @ A @ x", "A: n×n")
        >>> p.syntax, p.shapes["x"], p.tree.shape
        ('numpy', ('n', 1), (1, 1))
        >>> parse("x'*A*x").shapes
        {'x': ('n', 1), 'A': ('n', 'n')}
    """
    if not isinstance(text, str):
        raise TypeError(f"the expression must be a string; got {type(text).__name__}")
    if not text.strip():
        raise DeriveError("col 1: the expression is empty")
    if "\n" in text.strip():
        raise DeriveError("col 1: the expression must be one line")
    if syntax == "auto":
        syntax = detect_syntax(text)
    elif syntax not in ("numpy", "matrixcalculus"):
        raise ValueError(f"syntax must be 'auto', 'numpy' or 'matrixcalculus'; got {syntax!r}")
    decls = parse_shapes(shapes)
    p = _Parser(text, syntax, decls)
    pre = p.run()
    if syntax == "numpy" and p._is_row(pre):
        pre = _Pre("T", [pre], (pre.shape[1], pre.shape[0]), None, pre.node)
    symmetric = {k for k, d in decls.items() if d.symmetric}
    tree = _build(pre, symmetric)
    out_shapes = {k: (_dim(s[0]), _dim(s[1])) for k, s in p.symbols.items()}
    for k in symmetric & set(out_shapes):
        if out_shapes[k][0] != out_shapes[k][1]:
            raise DeriveError(f"shapes: {k} is declared symmetric but is used as {ir.shape_text(out_shapes[k])}")
    dims: list[str] = []
    for m in ir.walk(tree):
        for d in m.shape:
            if isinstance(d, str) and d not in dims:
                dims.append(d)
    return Parsed(tree, syntax, out_shapes, symmetric & set(out_shapes), dims)
