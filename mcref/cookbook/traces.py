"""The Cookbook's section 2.5, derivatives of traces: the display after (98), and (99) to (128).

Every entry is the gradient of a number with respect to a matrix X, registered
with the [`reduction`][mcref.core.registry.reduction] kind and written, like the
book, shaped like X: [∂f/∂X]_ij = ∂f/∂X_ij. The numerator-layout statement is
its transpose. Each has a forward function of its own (the trace), so central
differences check the book's formula and nothing else.

Almost all of them follow from one fact: Tr(M dX) = ⟨Mᵀ, dX⟩, so once the
differential of a trace is brought to the form Tr(M dX), the gradient is Mᵀ.
The cyclic property Tr(PQ) = Tr(QP) and Tr(Pᵀ) = Tr(P) do the rest.

Matrix functions (the display after (98), and (128)) are computed here by a
Taylor series with scaling and squaring: e^M = (e^(M/2^s))^(2^s) with
‖M/2^s‖₁ ≤ 1/2, where the Taylor polynomial of degree 18 leaves a remainder
below 0.5¹⁹/19! < 2e-23 relative to e^(1/2), far below float64's rounding;
sin X and cos X are the imaginary and real parts of e^(iX) for a real X.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.curves import conditioned
from mcref.core import validate
from mcref.core.errata import erratum
from mcref.core.registry import Arg, reduction
from mcref.core.validate import FloatArray

__all__ = [
    "grad_trace",
    "grad_trace_a_inverse_b",
    "grad_trace_a_power",
    "grad_trace_affine_square",
    "grad_trace_axb",
    "grad_trace_axbx",
    "grad_trace_axbxtc",
    "grad_trace_axt",
    "grad_trace_axtb",
    "grad_trace_btxtcxb",
    "grad_trace_bxtx",
    "grad_trace_bxxt",
    "grad_trace_exp",
    "grad_trace_form_ratio",
    "grad_trace_inverse_form",
    "grad_trace_kron",
    "grad_trace_kron_self",
    "grad_trace_power",
    "grad_trace_quartic",
    "grad_trace_shifted_form_ratio",
    "grad_trace_sin",
    "grad_trace_square",
    "grad_trace_squared",
    "grad_trace_xa",
    "grad_trace_xbxt",
    "grad_trace_xta",
    "grad_trace_xtbx",
    "grad_trace_xtbxc",
    "grad_trace_xtx",
    "grad_trace_xtxb",
    "grad_trace_xxb",
    "grad_trace_xxt",
    "grad_trace_xxtb",
    "trace",
    "trace_a_inverse_b",
    "trace_a_power",
    "trace_affine_square",
    "trace_axb",
    "trace_axbx",
    "trace_axbxtc",
    "trace_axt",
    "trace_axtb",
    "trace_btxtcxb",
    "trace_bxtx",
    "trace_bxxt",
    "trace_exp",
    "trace_form_ratio",
    "trace_inverse_form",
    "trace_kron",
    "trace_kron_self",
    "trace_power",
    "trace_quartic",
    "trace_shifted_form_ratio",
    "trace_sin",
    "trace_square",
    "trace_squared",
    "trace_xa",
    "trace_xbxt",
    "trace_xta",
    "trace_xtbx",
    "trace_xtbxc",
    "trace_xtx",
    "trace_xtxb",
    "trace_xxb",
    "trace_xxt",
    "trace_xxtb",
    "vjp_trace",
    "vjp_trace_a_inverse_b",
    "vjp_trace_a_power",
    "vjp_trace_affine_square",
    "vjp_trace_axb",
    "vjp_trace_axbx",
    "vjp_trace_axbxtc",
    "vjp_trace_axt",
    "vjp_trace_axtb",
    "vjp_trace_btxtcxb",
    "vjp_trace_bxtx",
    "vjp_trace_bxxt",
    "vjp_trace_exp",
    "vjp_trace_form_ratio",
    "vjp_trace_inverse_form",
    "vjp_trace_kron",
    "vjp_trace_kron_self",
    "vjp_trace_power",
    "vjp_trace_quartic",
    "vjp_trace_shifted_form_ratio",
    "vjp_trace_sin",
    "vjp_trace_square",
    "vjp_trace_squared",
    "vjp_trace_xa",
    "vjp_trace_xbxt",
    "vjp_trace_xta",
    "vjp_trace_xtbx",
    "vjp_trace_xtbxc",
    "vjp_trace_xtx",
    "vjp_trace_xtxb",
    "vjp_trace_xxb",
    "vjp_trace_xxt",
    "vjp_trace_xxtb",
]


# ----- shared pieces: shapes, the trace as a float64 number, matrix functions, the book's notation -----


def _shaped(what: str, **named: tuple[Any, str]) -> list[FloatArray]:
    """Each matrix validated, and their shapes checked against the symbolic ones ("p m": p rows, m columns).

    A symbol that two shapes share must have one size; otherwise ValueError names what
    was expected and what was given, e.g. "Tr(AXB) needs A (p, m), X (m, n) and B (n, p), got ...".
    """
    mats = {name: validate.matrix(name, value) for name, (value, _) in named.items()}
    sizes: dict[str, int] = {}
    fits = True
    for name, (_, dims) in named.items():
        for symbol, size in zip(dims.split(), mats[name].shape, strict=True):
            fits = fits and sizes.setdefault(symbol, size) == size
    if not fits:
        want = ", ".join(f"{name} ({', '.join(dims.split())})" for name, (_, dims) in named.items())
        got = ", ".join(f"{name} {mats[name].shape}" for name in named)
        raise ValueError(f"{what} needs {want}, got {got}")
    return list(mats.values())


def _number(what: str, compute: Any) -> np.float64:
    """The value of `compute()` as a float64 number, refused if it overflowed."""
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result(what, compute()))


def _exponent(name: str, value: Any, low: int) -> int:
    """An integer exponent given as an int or an integral float (a float64 array of one entry too)."""
    k = validate.scalar(name, value)
    if k != int(k) or k < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {k}")
    return int(k)


def _invertible(name: str, M: FloatArray) -> FloatArray:
    """M itself, or ValueError if it overflowed or is singular (condition number above 1e12)."""
    validate.finite_result(name, M)
    with np.errstate(all="ignore"):
        singular = np.linalg.svd(M, compute_uv=False)
        singular_or_ill = not singular[-1] > 0 or singular[0] > 1e12 * singular[-1]
    if singular_or_ill:
        raise ValueError(f"{name} must be invertible, got a singular (or nearly singular) matrix")
    return M


def _expm(M: np.ndarray) -> np.ndarray:
    """e^M of a square (real or complex) matrix: Taylor of degree 18 on M / 2^s, then s squarings."""
    norm = float(np.linalg.norm(M, 1))
    if not np.isfinite(norm):
        raise ValueError("the matrix is too large for its exponential: its 1-norm overflows float64")
    s = int(np.ceil(np.log2(norm / 0.5))) if norm > 0.5 else 0
    A = M * 0.5**s  # exact: a power of two, subnormal at worst (s <= 1026)
    term = out = np.eye(M.shape[0], dtype=M.dtype)
    for j in range(1, 19):  # the terms of the series, not the entries: each step is a matrix product
        term = term @ A / j
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def _sinm(X: FloatArray) -> FloatArray:
    return np.asarray(_expm(1j * X).imag, dtype=np.float64)


def _cosm(X: FloatArray) -> FloatArray:
    return np.asarray(_expm(1j * X).real, dtype=np.float64)


_CAPITAL = re.compile(r"(?<!\\)(?<!\^)(?<!\^\{-)([A-Z])(?![a-z])")


def _book(tex: str) -> str:
    """A statement in the book's notation: every matrix letter bold (the T of a transpose and Tr stay)."""
    return _CAPITAL.sub(r"\\mathbf{\1}", tex)


def _grad(f: str) -> str:
    return rf"\frac{{\partial}}{{\partial X}}\operatorname{{Tr}}({f})"


def _vjp(gradient: str) -> str:
    return rf"\frac{{\partial L}}{{\partial X}} = v\,\big({gradient}\big)"


def _M(*shape: str, **limits: Any) -> Arg:
    """A matrix argument with entries in [-1, 1] (products and inverses stay where central differences resolve them)."""
    return Arg(shape=shape, low=-1.0, high=1.0, **limits)


def _square(name: str, value: ArrayLike) -> FloatArray:
    M = validate.matrix(name, value)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    return M


# ----- the display after (98): the trace of a matrix function -----


def trace_exp(X: ArrayLike) -> np.float64:
    """Tr(e^X) of a square matrix: the sum of e^λ over the eigenvalues λ of X.

    Examples:
        >>> from mcref.cookbook.traces import trace_exp
        >>> print(round(trace_exp([[0.0, 1.0], [0.0, 0.0]]), 12))
        2.0
    """
    X = _square("X", X)
    return _number("Tr(e^X)", lambda: np.trace(_expm(X)))


_MC98_1 = reduction(
    "MC98u",
    title="Gradient of the trace of a matrix function",
    forward=trace_exp,
    wrt="X",
    gradient=lambda X: _expm(X).T,
    latex=r"\frac{\partial \operatorname{Tr}(e^X)}{\partial X} = e^X",
    latex_denominator=r"\frac{\partial \operatorname{Tr}(e^X)}{\partial X} = (e^X)^T",
    vjp_latex=_vjp(r"(e^X)^T"),
    args={"X": _M("n", "n")},
    section="2.5",
    conditions=(
        r"$X$ square; $F$ a power series $F(X) = \sum_k c_k X^k$ and $f$ its derivative, "
        r"$f(X) = \sum_k k c_k X^{k-1}$. The rule checks $F = \exp$, whose derivative is itself; "
        r"(128) checks $F = \sin$. The book prints this display without a number, right after (98); "
        r"the ID is MC98u because the site's IDs are numbers (the Cookbook list calls the entry MC98u)."
    ),
    keywords=("trace of the exponential", "expm"),
    printed=_book(r"\frac{\partial \operatorname{Tr}(F(X))}{\partial X} = f(X)^T"),
)


@_MC98_1.jacobian
def grad_trace_exp(X: ArrayLike) -> FloatArray:
    """MC98u: ∂Tr(e^X)/∂X = (e^X)ᵀ, flattened row by row into a (1, n²) row.

    For F(X) = Σ c_k X^k, the differential of Tr(X^k) is k Tr(X^(k-1) dX) (the k
    factors of X^k move around the trace to the front), so d Tr F(X) = Tr(f(X) dX)
    and the gradient is f(X)ᵀ. For F = exp the derivative f is exp again.

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        (e^X)ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_exp
        >>> print(grad_trace_exp([[0.0, 1.0], [0.0, 0.0]]))
        [[1. 0. 1. 1.]]
    """


@_MC98_1.vjp
def vjp_trace_exp(v: float, X: ArrayLike) -> FloatArray:
    """MC98u, backprop form: v (e^X)ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_exp
        >>> print(vjp_trace_exp(2.0, [[0.0, 1.0], [0.0, 0.0]]))
        [[2. 0.]
         [2. 2.]]
    """


# ----- 2.5.1 first order -----


def trace(X: ArrayLike) -> np.float64:
    """Tr(X) of a square matrix.

    Examples:
        >>> from mcref.cookbook.traces import trace
        >>> print(trace([[1.0, 2.0], [3.0, 4.0]]))
        5.0
    """
    X = _square("X", X)
    return _number("Tr(X)", lambda: np.trace(X))


_MC99 = reduction(
    "MC99",
    title="Gradient of the trace",
    forward=trace,
    wrt="X",
    gradient=lambda X: np.eye(X.shape[0]),
    latex=_grad("X") + " = I",
    vjp_latex=_vjp("I"),
    args={"X": _M("n", "n")},
    section="2.5.1",
    conditions=r"$X$ square.",
    keywords=("derivative of trace", "trace gradient"),
    printed=_book(_grad("X") + " = I"),
)


@_MC99.jacobian
def grad_trace(X: ArrayLike) -> FloatArray:
    """MC99: ∂Tr(X)/∂X = I, flattened row by row into a (1, n²) row.

    Tr(X) = Σ_i X_ii: each diagonal entry counts once, the others not at all.

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        The identity flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace
        >>> print(grad_trace([[1.0, 2.0], [3.0, 4.0]]))
        [[1. 0. 0. 1.]]
    """


@_MC99.vjp
def vjp_trace(v: float, X: ArrayLike) -> FloatArray:
    """MC99, backprop form: v I, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace
        >>> print(vjp_trace(3.0, [[1.0, 2.0], [3.0, 4.0]]))
        [[3. 0.]
         [0. 3.]]
    """


def trace_xa(X: ArrayLike, A: ArrayLike) -> np.float64:
    """Tr(XA) for X of shape (m, n) and A of shape (n, m).

    Examples:
        >>> from mcref.cookbook.traces import trace_xa
        >>> print(trace_xa([[1.0, 2.0]], [[3.0], [4.0]]))
        11.0
    """
    X, A = _shaped("Tr(XA)", X=(X, "m n"), A=(A, "n m"))
    return _number("Tr(XA)", lambda: np.sum(X * A.T))


_MC100 = reduction(
    "MC100",
    title="Gradient of Tr(XA)",
    forward=trace_xa,
    wrt="X",
    gradient=lambda X, A: A.T,
    latex=_grad("XA") + " = A",
    latex_denominator=_grad("XA") + " = A^T",
    vjp_latex=_vjp("A^T"),
    args={"X": _M("m", "n"), "A": _M("n", "m")},
    section="2.5.1",
    conditions=r"$X$ is $m \times n$ and $A$ is $n \times m$.",
    keywords=("tr(XA)", "trace of XA"),
    printed=_book(_grad("XA") + " = A^T"),
)


@_MC100.jacobian
def grad_trace_xa(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC100: ∂Tr(XA)/∂X = Aᵀ, flattened row by row into a (1, m n) row.

    Tr(XA) = Σ_ij X_ij A_ji, so the entry (i, j) of the gradient is A_ji.

    Args:
        X: Shape `(m, n)`.
        A: Shape `(n, m)`.

    Returns:
        Aᵀ flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xa
        >>> print(grad_trace_xa([[1.0, 2.0]], [[3.0], [4.0]]))
        [[3. 4.]]
    """


@_MC100.vjp
def vjp_trace_xa(v: float, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC100, backprop form: v Aᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xa
        >>> print(vjp_trace_xa(2.0, [[1.0, 2.0]], [[3.0], [4.0]]))
        [[6. 8.]]
    """


def trace_axb(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(AXB) for A of shape (p, m), X of shape (m, n) and B of shape (n, p).

    Examples:
        >>> from mcref.cookbook.traces import trace_axb
        >>> print(trace_axb([[1.0, 2.0]], [[1.0], [1.0]], [[3.0]]))
        9.0
    """
    A, X, B = _shaped("Tr(AXB)", A=(A, "p m"), X=(X, "m n"), B=(B, "n p"))
    return _number("Tr(AXB)", lambda: np.trace(A @ X @ B))


_MC101 = reduction(
    "MC101",
    title="Gradient of Tr(AXB)",
    forward=trace_axb,
    wrt="X",
    gradient=lambda A, X, B: A.T @ B.T,
    latex=_grad("AXB") + " = BA",
    latex_denominator=_grad("AXB") + " = A^TB^T",
    vjp_latex=_vjp("A^TB^T"),
    args={"A": _M("p", "m"), "X": _M("m", "n"), "B": _M("n", "p")},
    section="2.5.1",
    conditions=r"$A$ is $p \times m$, $X$ is $m \times n$, $B$ is $n \times p$.",
    keywords=("tr(AXB)", "trace AXB", "trace of a product"),
    printed=_book(_grad("AXB") + " = A^TB^T"),
)


@_MC101.jacobian
def grad_trace_axb(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC101: ∂Tr(AXB)/∂X = AᵀBᵀ, flattened row by row into a (1, m n) row.

    Tr(A dX B) = Tr(BA dX), and Tr(M dX) pairs dX with Mᵀ = AᵀBᵀ.

    Args:
        A: Shape `(p, m)`.
        X: Shape `(m, n)`.
        B: Shape `(n, p)`.

    Returns:
        AᵀBᵀ flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_axb
        >>> print(grad_trace_axb([[1.0, 2.0]], [[1.0], [1.0]], [[3.0]]))
        [[3. 6.]]
    """


@_MC101.vjp
def vjp_trace_axb(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC101, backprop form: v AᵀBᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_axb
        >>> print(vjp_trace_axb(2.0, [[1.0, 2.0]], [[1.0], [1.0]], [[3.0]]))
        [[ 6.]
         [12.]]
    """


def trace_axtb(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(AXᵀB) for A of shape (p, n), X of shape (m, n) and B of shape (m, p).

    Examples:
        >>> from mcref.cookbook.traces import trace_axtb
        >>> print(trace_axtb([[1.0]], [[1.0], [2.0]], [[3.0], [4.0]]))
        11.0
    """
    A, X, B = _shaped("Tr(AX^TB)", A=(A, "p n"), X=(X, "m n"), B=(B, "m p"))
    return _number("Tr(AX^TB)", lambda: np.trace(A @ X.T @ B))


_MC102 = reduction(
    "MC102",
    title="Gradient of Tr(AX^TB)",
    forward=trace_axtb,
    wrt="X",
    gradient=lambda A, X, B: B @ A,
    latex=_grad("AX^TB") + " = A^TB^T",
    latex_denominator=_grad("AX^TB") + " = BA",
    vjp_latex=_vjp("BA"),
    args={"A": _M("p", "n"), "X": _M("m", "n"), "B": _M("m", "p")},
    section="2.5.1",
    conditions=r"$A$ is $p \times n$, $X$ is $m \times n$, $B$ is $m \times p$.",
    keywords=("tr(AXTB)", "trace with a transpose"),
    printed=_book(_grad("AX^TB") + " = BA"),
)


@_MC102.jacobian
def grad_trace_axtb(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC102: ∂Tr(AXᵀB)/∂X = BA, flattened row by row into a (1, m n) row.

    Tr(A dXᵀ B) = Tr(Bᵀ dX Aᵀ) (transpose inside the trace) = Tr(AᵀBᵀ dX),
    which pairs dX with BA.

    Args:
        A: Shape `(p, n)`.
        X: Shape `(m, n)`.
        B: Shape `(m, p)`.

    Returns:
        BA flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_axtb
        >>> print(grad_trace_axtb([[1.0]], [[1.0], [2.0]], [[3.0], [4.0]]))
        [[3. 4.]]
    """


@_MC102.vjp
def vjp_trace_axtb(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC102, backprop form: v BA, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_axtb
        >>> print(vjp_trace_axtb(2.0, [[1.0]], [[1.0], [2.0]], [[3.0], [4.0]]))
        [[6.]
         [8.]]
    """


def trace_xta(X: ArrayLike, A: ArrayLike) -> np.float64:
    """Tr(XᵀA) = Σ X_ij A_ij for X and A of one shape (m, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_xta
        >>> print(trace_xta([[1.0, 2.0]], [[3.0, 4.0]]))
        11.0
    """
    X, A = _shaped("Tr(X^TA)", X=(X, "m n"), A=(A, "m n"))
    return _number("Tr(X^TA)", lambda: np.sum(X * A))


_MC103 = reduction(
    "MC103",
    title="Gradient of Tr(X^TA)",
    forward=trace_xta,
    wrt="X",
    gradient=lambda X, A: A,
    latex=_grad("X^TA") + " = A^T",
    latex_denominator=_grad("X^TA") + " = A",
    vjp_latex=_vjp("A"),
    args={"X": _M("m", "n"), "A": _M("m", "n")},
    section="2.5.1",
    conditions=r"$X$ and $A$ of one shape, $m \times n$.",
    keywords=("tr(XTA)", "inner product of matrices"),
    printed=_book(_grad("X^TA") + " = A"),
)


@_MC103.jacobian
def grad_trace_xta(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC103: ∂Tr(XᵀA)/∂X = A, flattened row by row into a (1, m n) row.

    Tr(XᵀA) = Σ_ij X_ij A_ij is the Frobenius inner product ⟨X, A⟩, linear in X with coefficients A.

    Args:
        X: Shape `(m, n)`.
        A: Shape `(m, n)`.

    Returns:
        A flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xta
        >>> print(grad_trace_xta([[1.0, 2.0]], [[3.0, 4.0]]))
        [[3. 4.]]
    """


@_MC103.vjp
def vjp_trace_xta(v: float, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC103, backprop form: v A, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xta
        >>> print(vjp_trace_xta(2.0, [[1.0, 2.0]], [[3.0, 4.0]]))
        [[6. 8.]]
    """


def trace_axt(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(AXᵀ) = Σ A_ij X_ij for A and X of one shape (m, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_axt
        >>> print(trace_axt([[3.0, 4.0]], [[1.0, 2.0]]))
        11.0
    """
    A, X = _shaped("Tr(AX^T)", A=(A, "m n"), X=(X, "m n"))
    return _number("Tr(AX^T)", lambda: np.sum(A * X))


_MC104 = reduction(
    "MC104",
    title="Gradient of Tr(AX^T)",
    forward=trace_axt,
    wrt="X",
    gradient=lambda A, X: A,
    latex=_grad("AX^T") + " = A^T",
    latex_denominator=_grad("AX^T") + " = A",
    vjp_latex=_vjp("A"),
    args={"A": _M("m", "n"), "X": _M("m", "n")},
    section="2.5.1",
    conditions=r"$A$ and $X$ of one shape, $m \times n$.",
    keywords=("tr(AXT)",),
    printed=_book(_grad("AX^T") + " = A"),
)


@_MC104.jacobian
def grad_trace_axt(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC104: ∂Tr(AXᵀ)/∂X = A, flattened row by row into a (1, m n) row.

    Tr(AXᵀ) = Tr(XAᵀ) = Tr(XᵀA) (a transpose, then the cyclic property): (103) again.

    Args:
        A: Shape `(m, n)`.
        X: Shape `(m, n)`.

    Returns:
        A flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_axt
        >>> print(grad_trace_axt([[3.0, 4.0]], [[1.0, 2.0]]))
        [[3. 4.]]
    """


@_MC104.vjp
def vjp_trace_axt(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC104, backprop form: v A, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_axt
        >>> print(vjp_trace_axt(2.0, [[3.0, 4.0]], [[1.0, 2.0]]))
        [[6. 8.]]
    """


def trace_kron(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(A ⊗ X) for square A of shape (p, p) and square X of shape (n, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_kron
        >>> print(trace_kron([[1.0, 5.0], [5.0, 2.0]], [[4.0]]))
        12.0
    """
    A, X = _shaped("Tr(A ⊗ X)", A=(A, "p p"), X=(X, "n n"))
    return _number("Tr(A ⊗ X)", lambda: np.trace(np.kron(A, X)))


_MC105 = reduction(
    "MC105",
    title="Gradient of the trace of a Kronecker product",
    forward=trace_kron,
    wrt="X",
    gradient=lambda A, X: np.trace(A) * np.eye(X.shape[0]),
    latex=_grad(r"A \otimes X") + r" = \operatorname{Tr}(A)\, I",
    vjp_latex=_vjp(r"\operatorname{Tr}(A)\, I"),
    args={"A": _M("p", "p"), "X": _M("n", "n")},
    section="2.5.1",
    conditions=r"$A$ is $p \times p$ and $X$ is $n \times n$ (the trace needs both square).",
    keywords=("trace of Kronecker product", "tr(A kron X)"),
    printed=_book(_grad(r"A \otimes X") + r" = \operatorname{Tr}(A)I"),
)


@_MC105.jacobian
def grad_trace_kron(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC105: ∂Tr(A ⊗ X)/∂X = Tr(A) I, flattened row by row into a (1, n²) row.

    The diagonal blocks of A ⊗ X are A_ii X, so Tr(A ⊗ X) = Tr(A) Tr(X), and (99) gives the rest.

    Args:
        A: Shape `(p, p)`.
        X: Shape `(n, n)`.

    Returns:
        Tr(A) I flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_kron
        >>> print(grad_trace_kron([[1.0, 5.0], [5.0, 2.0]], [[4.0]]))
        [[3.]]
    """


@_MC105.vjp
def vjp_trace_kron(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC105, backprop form: v Tr(A) I, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_kron
        >>> print(vjp_trace_kron(2.0, [[1.0, 5.0], [5.0, 2.0]], [[4.0]]))
        [[6.]]
    """


# ----- 2.5.2 second order -----


def trace_square(X: ArrayLike) -> np.float64:
    """Tr(X²) of a square matrix.

    Examples:
        >>> from mcref.cookbook.traces import trace_square
        >>> print(trace_square([[1.0, 2.0], [3.0, 4.0]]))
        29.0
    """
    X = _square("X", X)
    return _number("Tr(X^2)", lambda: np.sum(X * X.T))


_MC106 = reduction(
    "MC106",
    title="Gradient of Tr(X^2)",
    forward=trace_square,
    wrt="X",
    gradient=lambda X: 2 * X.T,
    latex=_grad("X^2") + " = 2X",
    latex_denominator=_grad("X^2") + " = 2X^T",
    vjp_latex=_vjp("2X^T"),
    args={"X": _M("n", "n")},
    section="2.5.2",
    conditions=r"$X$ square.",
    keywords=("trace of X squared", "tr(XX)"),
    printed=_book(_grad("X^2") + " = 2X^T"),
)


@_MC106.jacobian
def grad_trace_square(X: ArrayLike) -> FloatArray:
    """MC106: ∂Tr(X²)/∂X = 2Xᵀ, flattened row by row into a (1, n²) row.

    d Tr(XX) = Tr(dX X) + Tr(X dX) = 2 Tr(X dX), which pairs dX with 2Xᵀ.

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        2Xᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_square
        >>> print(grad_trace_square([[1.0, 2.0], [3.0, 4.0]]))
        [[2. 6. 4. 8.]]
    """


@_MC106.vjp
def vjp_trace_square(v: float, X: ArrayLike) -> FloatArray:
    """MC106, backprop form: 2v Xᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_square
        >>> print(vjp_trace_square(0.5, [[1.0, 2.0], [3.0, 4.0]]))
        [[1. 3.]
         [2. 4.]]
    """


def trace_xxb(X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(X²B) for square X and B of one size.

    Examples:
        >>> from mcref.cookbook.traces import trace_xxb
        >>> print(trace_xxb([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 0.0]]))
        7.0
    """
    X, B = _shaped("Tr(X^2B)", X=(X, "n n"), B=(B, "n n"))
    return _number("Tr(X^2B)", lambda: np.trace(X @ X @ B))


_MC107 = reduction(
    "MC107",
    title="Gradient of Tr(X^2B)",
    forward=trace_xxb,
    wrt="X",
    gradient=lambda X, B: (X @ B + B @ X).T,
    latex=_grad("X^2B") + " = XB + BX",
    latex_denominator=_grad("X^2B") + " = (XB + BX)^T",
    vjp_latex=_vjp("(XB + BX)^T"),
    args={"X": _M("n", "n"), "B": _M("n", "n")},
    section="2.5.2",
    conditions=r"$X$ and $B$ square, $n \times n$.",
    keywords=("tr(XXB)", "tr(X2B)"),
    printed=_book(_grad("X^2B") + " = (XB+BX)^T"),
)


@_MC107.jacobian
def grad_trace_xxb(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC107: ∂Tr(X²B)/∂X = (XB + BX)ᵀ, flattened row by row into a (1, n²) row.

    d Tr(XXB) = Tr(dX XB) + Tr(X dX B) = Tr((XB + BX) dX).

    Args:
        X: Shape `(n, n)`.
        B: Shape `(n, n)`.

    Returns:
        (XB + BX)ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xxb
        >>> print(grad_trace_xxb([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 0.0]]))
        [[2. 3. 2. 0.]]
    """


@_MC107.vjp
def vjp_trace_xxb(v: float, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC107, backprop form: v (XB + BX)ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xxb
        >>> print(vjp_trace_xxb(2.0, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 0.0]]))
        [[4. 6.]
         [4. 0.]]
    """


# (108) to (110): three orderings of one trace, Tr(XᵀBX) = Tr(BXXᵀ) = Tr(XXᵀB), X of shape (n, m)

_FORM_N = {"X": _M("n", "m"), "B": _M("n", "n")}


def trace_xtbx(X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(XᵀBX) for X of shape (n, m) and B of shape (n, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_xtbx
        >>> print(trace_xtbx([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        7.0
    """
    X, B = _shaped("Tr(X^TBX)", X=(X, "n m"), B=(B, "n n"))
    return _number("Tr(X^TBX)", lambda: np.trace(X.T @ B @ X))


_MC108 = reduction(
    "MC108",
    title="Gradient of Tr(X^TBX)",
    forward=trace_xtbx,
    wrt="X",
    gradient=lambda X, B: B @ X + B.T @ X,
    latex=_grad("X^TBX") + " = X^TB^T + X^TB",
    latex_denominator=_grad("X^TBX") + " = BX + B^TX",
    vjp_latex=_vjp("BX + B^TX"),
    args=_FORM_N,
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $B$ is $n \times n$ (any, not only symmetric).",
    keywords=("tr(XTBX)", "trace of quadratic form"),
    printed=_book(_grad("X^TBX") + " = BX+B^TX"),
)


@_MC108.jacobian
def grad_trace_xtbx(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC108: ∂Tr(XᵀBX)/∂X = BX + BᵀX, flattened row by row into a (1, n m) row.

    d Tr(XᵀBX) = Tr(dXᵀ BX) + Tr(XᵀB dX): the first is ⟨BX, dX⟩, the second
    ⟨BᵀX, dX⟩.

    Args:
        X: Shape `(n, m)`.
        B: Shape `(n, n)`.

    Returns:
        BX + BᵀX flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xtbx
        >>> print(grad_trace_xtbx([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[4. 5.]]
    """


@_MC108.vjp
def vjp_trace_xtbx(v: float, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC108, backprop form: v (BX + BᵀX), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xtbx
        >>> print(vjp_trace_xtbx(2.0, [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[ 8.]
         [10.]]
    """


def trace_bxxt(B: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(BXXᵀ) for B of shape (n, n) and X of shape (n, m).

    Examples:
        >>> from mcref.cookbook.traces import trace_bxxt
        >>> print(trace_bxxt([[1.0, 1.0], [0.0, 1.0]], [[1.0], [2.0]]))
        7.0
    """
    B, X = _shaped("Tr(BXX^T)", B=(B, "n n"), X=(X, "n m"))
    return _number("Tr(BXX^T)", lambda: np.trace(B @ X @ X.T))


_MC109 = reduction(
    "MC109",
    title="Gradient of Tr(BXX^T)",
    forward=trace_bxxt,
    wrt="X",
    gradient=lambda B, X: B @ X + B.T @ X,
    latex=_grad("BXX^T") + " = X^TB^T + X^TB",
    latex_denominator=_grad("BXX^T") + " = BX + B^TX",
    vjp_latex=_vjp("BX + B^TX"),
    args={"B": _FORM_N["B"], "X": _FORM_N["X"]},
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $B$ is $n \times n$.",
    keywords=("tr(BXXT)",),
    printed=_book(_grad("BXX^T") + " = BX+B^TX"),
)


@_MC109.jacobian
def grad_trace_bxxt(B: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC109: ∂Tr(BXXᵀ)/∂X = BX + BᵀX, flattened row by row into a (1, n m) row.

    Tr(BXXᵀ) = Tr(XᵀBX) by the cyclic property, so this is (108).

    Args:
        B: Shape `(n, n)`.
        X: Shape `(n, m)`.

    Returns:
        BX + BᵀX flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_bxxt
        >>> print(grad_trace_bxxt([[1.0, 1.0], [0.0, 1.0]], [[1.0], [2.0]]))
        [[4. 5.]]
    """


@_MC109.vjp
def vjp_trace_bxxt(v: float, B: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC109, backprop form: v (BX + BᵀX), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_bxxt
        >>> print(vjp_trace_bxxt(2.0, [[1.0, 1.0], [0.0, 1.0]], [[1.0], [2.0]]))
        [[ 8.]
         [10.]]
    """


def trace_xxtb(X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(XXᵀB) for X of shape (n, m) and B of shape (n, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_xxtb
        >>> print(trace_xxtb([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        7.0
    """
    X, B = _shaped("Tr(XX^TB)", X=(X, "n m"), B=(B, "n n"))
    return _number("Tr(XX^TB)", lambda: np.trace(X @ X.T @ B))


_MC110 = reduction(
    "MC110",
    title="Gradient of Tr(XX^TB)",
    forward=trace_xxtb,
    wrt="X",
    gradient=lambda X, B: B @ X + B.T @ X,
    latex=_grad("XX^TB") + " = X^TB^T + X^TB",
    latex_denominator=_grad("XX^TB") + " = BX + B^TX",
    vjp_latex=_vjp("BX + B^TX"),
    args=_FORM_N,
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $B$ is $n \times n$.",
    keywords=("tr(XXTB)",),
    printed=_book(_grad("XX^TB") + " = BX+B^TX"),
)


@_MC110.jacobian
def grad_trace_xxtb(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC110: ∂Tr(XXᵀB)/∂X = BX + BᵀX, flattened row by row into a (1, n m) row.

    Tr(XXᵀB) = Tr(XᵀBX) by the cyclic property, so this is (108).

    Args:
        X: Shape `(n, m)`.
        B: Shape `(n, n)`.

    Returns:
        BX + BᵀX flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xxtb
        >>> print(grad_trace_xxtb([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[4. 5.]]
    """


@_MC110.vjp
def vjp_trace_xxtb(v: float, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC110, backprop form: v (BX + BᵀX), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xxtb
        >>> print(vjp_trace_xxtb(2.0, [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[ 8.]
         [10.]]
    """


# (111) to (113): Tr(XBXᵀ) = Tr(BXᵀX) = Tr(XᵀXB), X of shape (n, m) and B of shape (m, m)

_FORM_M = {"X": _M("n", "m"), "B": _M("m", "m")}


def trace_xbxt(X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(XBXᵀ) for X of shape (n, m) and B of shape (m, m).

    Examples:
        >>> from mcref.cookbook.traces import trace_xbxt
        >>> print(trace_xbxt([[1.0, 2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        7.0
    """
    X, B = _shaped("Tr(XBX^T)", X=(X, "n m"), B=(B, "m m"))
    return _number("Tr(XBX^T)", lambda: np.trace(X @ B @ X.T))


_MC111 = reduction(
    "MC111",
    title="Gradient of Tr(XBX^T)",
    forward=trace_xbxt,
    wrt="X",
    gradient=lambda X, B: X @ B.T + X @ B,
    latex=_grad("XBX^T") + " = BX^T + B^TX^T",
    latex_denominator=_grad("XBX^T") + " = XB^T + XB",
    vjp_latex=_vjp("XB^T + XB"),
    args=_FORM_M,
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $B$ is $m \times m$ (any, not only symmetric).",
    keywords=("tr(XBXT)",),
    printed=_book(_grad("XBX^T") + " = XB^T+XB"),
)


@_MC111.jacobian
def grad_trace_xbxt(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC111: ∂Tr(XBXᵀ)/∂X = XBᵀ + XB, flattened row by row into a (1, n m) row.

    d Tr(XBXᵀ) = Tr(dX BXᵀ) + Tr(XB dXᵀ) = ⟨XBᵀ, dX⟩ + ⟨XB, dX⟩.

    Args:
        X: Shape `(n, m)`.
        B: Shape `(m, m)`.

    Returns:
        XBᵀ + XB flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xbxt
        >>> print(grad_trace_xbxt([[1.0, 2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[4. 5.]]
    """


@_MC111.vjp
def vjp_trace_xbxt(v: float, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC111, backprop form: v (XBᵀ + XB), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xbxt
        >>> print(vjp_trace_xbxt(2.0, [[1.0, 2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[ 8. 10.]]
    """


def trace_bxtx(B: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(BXᵀX) for B of shape (m, m) and X of shape (n, m).

    Examples:
        >>> from mcref.cookbook.traces import trace_bxtx
        >>> print(trace_bxtx([[1.0, 1.0], [0.0, 1.0]], [[1.0, 2.0]]))
        7.0
    """
    B, X = _shaped("Tr(BX^TX)", B=(B, "m m"), X=(X, "n m"))
    return _number("Tr(BX^TX)", lambda: np.trace(B @ X.T @ X))


_MC112 = reduction(
    "MC112",
    title="Gradient of Tr(BX^TX)",
    forward=trace_bxtx,
    wrt="X",
    gradient=lambda B, X: X @ B.T + X @ B,
    latex=_grad("BX^TX") + " = BX^T + B^TX^T",
    latex_denominator=_grad("BX^TX") + " = XB^T + XB",
    vjp_latex=_vjp("XB^T + XB"),
    args={"B": _FORM_M["B"], "X": _FORM_M["X"]},
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $B$ is $m \times m$.",
    keywords=("tr(BXTX)",),
    printed=_book(_grad("BX^TX") + " = XB^T+XB"),
)


@_MC112.jacobian
def grad_trace_bxtx(B: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC112: ∂Tr(BXᵀX)/∂X = XBᵀ + XB, flattened row by row into a (1, n m) row.

    Tr(BXᵀX) = Tr(XBXᵀ) by the cyclic property, so this is (111).

    Args:
        B: Shape `(m, m)`.
        X: Shape `(n, m)`.

    Returns:
        XBᵀ + XB flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_bxtx
        >>> print(grad_trace_bxtx([[1.0, 1.0], [0.0, 1.0]], [[1.0, 2.0]]))
        [[4. 5.]]
    """


@_MC112.vjp
def vjp_trace_bxtx(v: float, B: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC112, backprop form: v (XBᵀ + XB), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_bxtx
        >>> print(vjp_trace_bxtx(2.0, [[1.0, 1.0], [0.0, 1.0]], [[1.0, 2.0]]))
        [[ 8. 10.]]
    """


def trace_xtxb(X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(XᵀXB) for X of shape (n, m) and B of shape (m, m).

    Examples:
        >>> from mcref.cookbook.traces import trace_xtxb
        >>> print(trace_xtxb([[1.0, 2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        7.0
    """
    X, B = _shaped("Tr(X^TXB)", X=(X, "n m"), B=(B, "m m"))
    return _number("Tr(X^TXB)", lambda: np.trace(X.T @ X @ B))


_MC113 = reduction(
    "MC113",
    title="Gradient of Tr(X^TXB)",
    forward=trace_xtxb,
    wrt="X",
    gradient=lambda X, B: X @ B.T + X @ B,
    latex=_grad("X^TXB") + " = BX^T + B^TX^T",
    latex_denominator=_grad("X^TXB") + " = XB^T + XB",
    vjp_latex=_vjp("XB^T + XB"),
    args=_FORM_M,
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $B$ is $m \times m$.",
    keywords=("tr(XTXB)",),
    printed=_book(_grad("X^TXB") + " = XB^T+XB"),
)


@_MC113.jacobian
def grad_trace_xtxb(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC113: ∂Tr(XᵀXB)/∂X = XBᵀ + XB, flattened row by row into a (1, n m) row.

    Tr(XᵀXB) = Tr(XBXᵀ) by the cyclic property, so this is (111).

    Args:
        X: Shape `(n, m)`.
        B: Shape `(m, m)`.

    Returns:
        XBᵀ + XB flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xtxb
        >>> print(grad_trace_xtxb([[1.0, 2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[4. 5.]]
    """


@_MC113.vjp
def vjp_trace_xtxb(v: float, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC113, backprop form: v (XBᵀ + XB), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xtxb
        >>> print(vjp_trace_xtxb(2.0, [[1.0, 2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[ 8. 10.]]
    """


def trace_axbx(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(AXBX) for X of shape (n, m) and A, B of shape (m, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_axbx
        >>> print(trace_axbx([[1.0, 0.0]], [[1.0], [2.0]], [[0.0, 1.0]]))
        2.0
    """
    A, X, B = _shaped("Tr(AXBX)", A=(A, "m n"), X=(X, "n m"), B=(B, "m n"))
    return _number("Tr(AXBX)", lambda: np.trace(A @ X @ B @ X))


_MC114 = reduction(
    "MC114",
    title="Gradient of Tr(AXBX)",
    forward=trace_axbx,
    wrt="X",
    gradient=lambda A, X, B: A.T @ X.T @ B.T + B.T @ X.T @ A.T,
    latex=_grad("AXBX") + " = BXA + AXB",
    latex_denominator=_grad("AXBX") + " = A^TX^TB^T + B^TX^TA^T",
    vjp_latex=_vjp("A^TX^TB^T + B^TX^TA^T"),
    args={"A": _M("m", "n"), "X": _M("n", "m"), "B": _M("m", "n")},
    section="2.5.2",
    conditions=r"$X$ is $n \times m$; $A$ and $B$ are $m \times n$.",
    keywords=("tr(AXBX)",),
    printed=_book(_grad("AXBX") + " = A^TX^TB^T+B^TX^TA^T"),
)


@_MC114.jacobian
def grad_trace_axbx(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC114: ∂Tr(AXBX)/∂X = AᵀXᵀBᵀ + BᵀXᵀAᵀ, flattened row by row into a (1, n m) row.

    d Tr(AXBX) = Tr(A dX BX) + Tr(AXB dX) = Tr((BXA + AXB) dX); the gradient is its transpose.

    Args:
        A: Shape `(m, n)`.
        X: Shape `(n, m)`.
        B: Shape `(m, n)`.

    Returns:
        AᵀXᵀBᵀ + BᵀXᵀAᵀ flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_axbx
        >>> print(grad_trace_axbx([[1.0, 0.0]], [[1.0], [2.0]], [[0.0, 1.0]]))
        [[2. 1.]]
    """


@_MC114.vjp
def vjp_trace_axbx(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC114, backprop form: v (AᵀXᵀBᵀ + BᵀXᵀAᵀ), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_axbx
        >>> print(vjp_trace_axbx(2.0, [[1.0, 0.0]], [[1.0], [2.0]], [[0.0, 1.0]]))
        [[4.]
         [2.]]
    """


def trace_xtx(X: ArrayLike) -> np.float64:
    """Tr(XᵀX), the squared Frobenius norm, for X of shape (m, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_xtx
        >>> print(trace_xtx([[1.0, 2.0], [3.0, 4.0]]))
        30.0
    """
    X = validate.matrix("X", X)
    return _number("Tr(X^TX)", lambda: np.trace(X.T @ X))


_MC115_1 = reduction(
    "MC115.1",
    title="Gradient of Tr(X^TX)",
    forward=trace_xtx,
    wrt="X",
    gradient=lambda X: 2 * X,
    latex=_grad("X^TX") + " = 2X^T",
    latex_denominator=_grad("X^TX") + " = 2X",
    vjp_latex=_vjp("2X"),
    args={"X": _M("m", "n")},
    section="2.5.2",
    conditions=r"$X$ of any shape $m \times n$.",
    keywords=("sum of squared entries", "tr(XTX)"),
    printed=_book(_grad("X^TX") + " = " + _grad("XX^T") + " = 2X"),
)


@_MC115_1.jacobian
def grad_trace_xtx(X: ArrayLike) -> FloatArray:
    """MC115.1: ∂Tr(XᵀX)/∂X = 2X, flattened row by row into a (1, m n) row.

    Tr(XᵀX) = Σ_ij X_ij², whose partial derivatives are 2X_ij.

    Args:
        X: Shape `(m, n)`.

    Returns:
        2X flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xtx
        >>> print(grad_trace_xtx([[1.0, 2.0], [3.0, 4.0]]))
        [[2. 4. 6. 8.]]
    """


@_MC115_1.vjp
def vjp_trace_xtx(v: float, X: ArrayLike) -> FloatArray:
    """MC115.1, backprop form: 2v X, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xtx
        >>> print(vjp_trace_xtx(0.5, [[1.0, 2.0], [3.0, 4.0]]))
        [[1. 2.]
         [3. 4.]]
    """


def trace_xxt(X: ArrayLike) -> np.float64:
    """Tr(XXᵀ), the squared Frobenius norm again, for X of shape (m, n).

    Examples:
        >>> from mcref.cookbook.traces import trace_xxt
        >>> print(trace_xxt([[1.0, 2.0], [3.0, 4.0]]))
        30.0
    """
    X = validate.matrix("X", X)
    return _number("Tr(XX^T)", lambda: np.trace(X @ X.T))


_MC115_2 = reduction(
    "MC115.2",
    title="Gradient of Tr(XX^T)",
    forward=trace_xxt,
    wrt="X",
    gradient=lambda X: 2 * X,
    latex=_grad("XX^T") + " = 2X^T",
    latex_denominator=_grad("XX^T") + " = 2X",
    vjp_latex=_vjp("2X"),
    args={"X": _M("m", "n")},
    section="2.5.2",
    conditions=r"$X$ of any shape $m \times n$.",
    keywords=("tr(XXT)",),
    printed=_book(_grad("X^TX") + " = " + _grad("XX^T") + " = 2X"),
)


@_MC115_2.jacobian
def grad_trace_xxt(X: ArrayLike) -> FloatArray:
    """MC115.2: ∂Tr(XXᵀ)/∂X = 2X, flattened row by row into a (1, m n) row.

    Tr(XXᵀ) = Tr(XᵀX) = Σ_ij X_ij², so the gradient is 2X as in (115.1).

    Args:
        X: Shape `(m, n)`.

    Returns:
        2X flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xxt
        >>> print(grad_trace_xxt([[1.0, 2.0], [3.0, 4.0]]))
        [[2. 4. 6. 8.]]
    """


@_MC115_2.vjp
def vjp_trace_xxt(v: float, X: ArrayLike) -> FloatArray:
    """MC115.2, backprop form: 2v X, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xxt
        >>> print(vjp_trace_xxt(0.5, [[1.0, 2.0], [3.0, 4.0]]))
        [[1. 2.]
         [3. 4.]]
    """


def trace_btxtcxb(B: ArrayLike, X: ArrayLike, C: ArrayLike) -> np.float64:
    """Tr(BᵀXᵀCXB) for X of shape (n, m), C of shape (n, n) and B of shape (m, p).

    Examples:
        >>> from mcref.cookbook.traces import trace_btxtcxb
        >>> print(trace_btxtcxb([[1.0]], [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        7.0
    """
    B, X, C = _shaped("Tr(B^TX^TCXB)", B=(B, "m p"), X=(X, "n m"), C=(C, "n n"))
    return _number("Tr(B^TX^TCXB)", lambda: np.trace(B.T @ X.T @ C @ X @ B))


_MC116 = reduction(
    "MC116",
    title="Gradient of Tr(B^TX^TCXB)",
    forward=trace_btxtcxb,
    wrt="X",
    gradient=lambda B, X, C: C.T @ X @ B @ B.T + C @ X @ B @ B.T,
    latex=_grad("B^TX^TCXB") + " = BB^TX^TC + BB^TX^TC^T",
    latex_denominator=_grad("B^TX^TCXB") + " = C^TXBB^T + CXBB^T",
    vjp_latex=_vjp("C^TXBB^T + CXBB^T"),
    args={"B": _M("m", "p"), "X": _M("n", "m"), "C": _M("n", "n")},
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $C$ is $n \times n$, $B$ is $m \times p$.",
    keywords=("tr(BTXTCXB)", "weighted quadratic trace"),
    printed=_book(_grad("B^TX^TCXB") + " = C^TXBB^T+CXBB^T"),
)


@_MC116.jacobian
def grad_trace_btxtcxb(B: ArrayLike, X: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC116: ∂Tr(BᵀXᵀCXB)/∂X = CᵀXBBᵀ + CXBBᵀ, flattened row by row into a (1, n m) row.

    Tr(BᵀXᵀCXB) = Tr(XᵀCX BBᵀ), which is (117) with B → C and C → BBᵀ (symmetric).

    Args:
        B: Shape `(m, p)`.
        X: Shape `(n, m)`.
        C: Shape `(n, n)`.

    Returns:
        CᵀXBBᵀ + CXBBᵀ flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_btxtcxb
        >>> print(grad_trace_btxtcxb([[1.0]], [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[4. 5.]]
    """


@_MC116.vjp
def vjp_trace_btxtcxb(v: float, B: ArrayLike, X: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC116, backprop form: v (CᵀXBBᵀ + CXBBᵀ), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_btxtcxb
        >>> print(vjp_trace_btxtcxb(2.0, [[1.0]], [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]]))
        [[ 8.]
         [10.]]
    """


def trace_xtbxc(X: ArrayLike, B: ArrayLike, C: ArrayLike) -> np.float64:
    """Tr(XᵀBXC) for X of shape (n, m), B of shape (n, n) and C of shape (m, m).

    Examples:
        >>> from mcref.cookbook.traces import trace_xtbxc
        >>> print(trace_xtbxc([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]], [[3.0]]))
        21.0
    """
    X, B, C = _shaped("Tr(X^TBXC)", X=(X, "n m"), B=(B, "n n"), C=(C, "m m"))
    return _number("Tr(X^TBXC)", lambda: np.trace(X.T @ B @ X @ C))


_MC117 = reduction(
    "MC117",
    title="Gradient of Tr(X^TBXC)",
    forward=trace_xtbxc,
    wrt="X",
    gradient=lambda X, B, C: B @ X @ C + B.T @ X @ C.T,
    latex=_grad("X^TBXC") + " = C^TX^TB^T + CX^TB",
    latex_denominator=_grad("X^TBXC") + " = BXC + B^TXC^T",
    vjp_latex=_vjp("BXC + B^TXC^T"),
    args={"X": _M("n", "m"), "B": _M("n", "n"), "C": _M("m", "m")},
    section="2.5.2",
    conditions=r"$X$ is $n \times m$, $B$ is $n \times n$, $C$ is $m \times m$.",
    keywords=("tr(XTBXC)",),
    printed=_book(r"\frac{\partial}{\partial X}\operatorname{Tr}[X^TBXC] = BXC+B^TXC^T"),
)


@_MC117.jacobian
def grad_trace_xtbxc(X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC117: ∂Tr(XᵀBXC)/∂X = BXC + BᵀXCᵀ, flattened row by row into a (1, n m) row.

    d Tr(XᵀBXC) = Tr(dXᵀ BXC) + Tr(XᵀB dX C) = ⟨BXC, dX⟩ + ⟨BᵀXCᵀ, dX⟩.

    Args:
        X: Shape `(n, m)`.
        B: Shape `(n, n)`.
        C: Shape `(m, m)`.

    Returns:
        BXC + BᵀXCᵀ flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_xtbxc
        >>> print(grad_trace_xtbxc([[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]], [[3.0]]))
        [[12. 15.]]
    """


@_MC117.vjp
def vjp_trace_xtbxc(v: float, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC117, backprop form: v (BXC + BᵀXCᵀ), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_xtbxc
        >>> print(vjp_trace_xtbxc(2.0, [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]], [[3.0]]))
        [[24.]
         [30.]]
    """


def trace_axbxtc(A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> np.float64:
    """Tr(AXBXᵀC) for A of shape (p, n), X (n, m), B (m, m) and C (n, p).

    Examples:
        >>> from mcref.cookbook.traces import trace_axbxtc
        >>> print(trace_axbxtc([[1.0, 0.0]], [[1.0], [2.0]], [[3.0]], [[0.0], [1.0]]))
        6.0
    """
    A, X, B, C = _shaped("Tr(AXBX^TC)", A=(A, "p n"), X=(X, "n m"), B=(B, "m m"), C=(C, "n p"))
    return _number("Tr(AXBX^TC)", lambda: np.trace(A @ X @ B @ X.T @ C))


_MC118 = reduction(
    "MC118",
    title="Gradient of Tr(AXBX^TC)",
    forward=trace_axbxtc,
    wrt="X",
    gradient=lambda A, X, B, C: A.T @ C.T @ X @ B.T + C @ A @ X @ B,
    latex=_grad("AXBX^TC") + " = BX^TCA + B^TX^TA^TC^T",
    latex_denominator=_grad("AXBX^TC") + " = A^TC^TXB^T + CAXB",
    vjp_latex=_vjp("A^TC^TXB^T + CAXB"),
    args={"A": _M("p", "n"), "X": _M("n", "m"), "B": _M("m", "m"), "C": _M("n", "p")},
    section="2.5.2",
    conditions=r"$A$ is $p \times n$, $X$ is $n \times m$, $B$ is $m \times m$, $C$ is $n \times p$.",
    keywords=("tr(AXBXTC)",),
    printed=_book(_grad("AXBX^TC") + " = A^TC^TXB^T+CAXB"),
)


@_MC118.jacobian
def grad_trace_axbxtc(A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC118: ∂Tr(AXBXᵀC)/∂X = AᵀCᵀXBᵀ + CAXB, flattened row by row into a (1, n m) row.

    d Tr(AXBXᵀC) = Tr(BXᵀCA dX) + Tr(CAXB dXᵀ): the first pairs dX with AᵀCᵀXBᵀ,
    the second (a trace against dXᵀ) with CAXB itself.

    Args:
        A: Shape `(p, n)`.
        X: Shape `(n, m)`.
        B: Shape `(m, m)`.
        C: Shape `(n, p)`.

    Returns:
        AᵀCᵀXBᵀ + CAXB flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_axbxtc
        >>> print(grad_trace_axbxtc([[1.0, 0.0]], [[1.0], [2.0]], [[3.0]], [[0.0], [1.0]]))
        [[6. 3.]]
    """


@_MC118.vjp
def vjp_trace_axbxtc(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC118, backprop form: v (AᵀCᵀXBᵀ + CAXB), shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_axbxtc
        >>> print(vjp_trace_axbxtc(2.0, [[1.0, 0.0]], [[1.0], [2.0]], [[3.0]], [[0.0], [1.0]]))
        [[12.]
         [ 6.]]
    """


def trace_affine_square(A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> np.float64:
    """Tr[(AXB + C)(AXB + C)ᵀ] = ‖AXB + C‖²_F for A (p, n), X (n, m), B (m, q) and C (p, q).

    Examples:
        >>> from mcref.cookbook.traces import trace_affine_square
        >>> print(trace_affine_square([[1.0, 1.0]], [[1.0], [2.0]], [[1.0]], [[-1.0]]))
        4.0
    """
    A, X, B, C = _shaped("Tr[(AXB+C)(AXB+C)^T]", A=(A, "p n"), X=(X, "n m"), B=(B, "m q"), C=(C, "p q"))
    return _number("Tr[(AXB+C)(AXB+C)^T]", lambda: np.sum((A @ X @ B + C) ** 2))


_MC119 = reduction(
    "MC119",
    title="Gradient of Tr[(AXB+C)(AXB+C)^T]",
    forward=trace_affine_square,
    wrt="X",
    gradient=lambda A, X, B, C: 2 * A.T @ (A @ X @ B + C) @ B.T,
    latex=r"\frac{\partial}{\partial X}\operatorname{Tr}[(AXB+C)(AXB+C)^T] = 2B(AXB+C)^TA",
    latex_denominator=r"\frac{\partial}{\partial X}\operatorname{Tr}[(AXB+C)(AXB+C)^T] = 2A^T(AXB+C)B^T",
    vjp_latex=_vjp("2A^T(AXB+C)B^T"),
    args={"A": _M("p", "n"), "X": _M("n", "m"), "B": _M("m", "q"), "C": _M("p", "q")},
    section="2.5.2",
    conditions=r"$A$ is $p \times n$, $X$ is $n \times m$, $B$ is $m \times q$, $C$ is $p \times q$.",
    keywords=("least squares matrix gradient", "least squares residual"),
    printed=_book(r"\frac{\partial}{\partial X}\operatorname{Tr}[(AXB+C)(AXB+C)^T] = 2A^T(AXB+C)B^T"),
)


@_MC119.jacobian
def grad_trace_affine_square(A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC119: ∂‖AXB + C‖²_F/∂X = 2Aᵀ(AXB + C)Bᵀ, flattened row by row into a (1, n m) row.

    With R = AXB + C, d Tr(RRᵀ) = 2 Tr(Rᵀ dR) = 2 Tr(Rᵀ A dX B) = ⟨2AᵀRBᵀ, dX⟩.

    Args:
        A: Shape `(p, n)`.
        X: Shape `(n, m)`.
        B: Shape `(m, q)`.
        C: Shape `(p, q)`.

    Returns:
        2Aᵀ(AXB + C)Bᵀ flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_affine_square
        >>> print(grad_trace_affine_square([[1.0, 1.0]], [[1.0], [2.0]], [[1.0]], [[-1.0]]))
        [[4. 4.]]
    """


@_MC119.vjp
def vjp_trace_affine_square(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC119, backprop form: 2v Aᵀ(AXB + C)Bᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_affine_square
        >>> print(vjp_trace_affine_square(0.5, [[1.0, 1.0]], [[1.0], [2.0]], [[1.0]], [[-1.0]]))
        [[2.]
         [2.]]
    """


def trace_kron_self(X: ArrayLike) -> np.float64:
    """Tr(X ⊗ X) of a square matrix.

    Examples:
        >>> from mcref.cookbook.traces import trace_kron_self
        >>> print(trace_kron_self([[1.0, 2.0], [3.0, 4.0]]))
        25.0
    """
    X = _square("X", X)
    return _number("Tr(X ⊗ X)", lambda: np.trace(np.kron(X, X)))


_MC120_PRINTED = _book(_grad(r"X \otimes X") + r" = \frac{\partial}{\partial X}\operatorname{Tr}(X)"
                       r"\operatorname{Tr}(X) = 2\operatorname{Tr}(X)I")

_MC120_1 = reduction(
    "MC120.1",
    title="Gradient of Tr(X ⊗ X)",
    forward=trace_kron_self,
    wrt="X",
    gradient=lambda X: 2 * np.trace(X) * np.eye(X.shape[0]),
    latex=_grad(r"X \otimes X") + r" = 2\operatorname{Tr}(X)\, I",
    vjp_latex=_vjp(r"2\operatorname{Tr}(X)\, I"),
    args={"X": _M("n", "n")},
    section="2.5.2",
    conditions=r"$X$ square.",
    keywords=("tr(X kron X)", "trace of Kronecker square"),
    printed=_MC120_PRINTED,
)


@_MC120_1.jacobian
def grad_trace_kron_self(X: ArrayLike) -> FloatArray:
    """MC120.1: ∂Tr(X ⊗ X)/∂X = 2 Tr(X) I, flattened row by row into a (1, n²) row.

    Tr(X ⊗ X) = Tr(X)² (the diagonal blocks are X_ii X), and d Tr(X)² = 2 Tr(X) Tr(dX).

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        2 Tr(X) I flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_kron_self
        >>> print(grad_trace_kron_self([[1.0, 2.0], [3.0, 4.0]]))
        [[10.  0.  0. 10.]]
    """


@_MC120_1.vjp
def vjp_trace_kron_self(v: float, X: ArrayLike) -> FloatArray:
    """MC120.1, backprop form: 2v Tr(X) I, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_kron_self
        >>> print(vjp_trace_kron_self(0.5, [[1.0, 2.0], [3.0, 4.0]]))
        [[5. 0.]
         [0. 5.]]
    """


def trace_squared(X: ArrayLike) -> np.float64:
    """Tr(X) Tr(X) of a square matrix.

    Examples:
        >>> from mcref.cookbook.traces import trace_squared
        >>> print(trace_squared([[1.0, 2.0], [3.0, 4.0]]))
        25.0
    """
    X = _square("X", X)
    return _number("Tr(X)^2", lambda: np.trace(X) ** 2)


_MC120_2 = reduction(
    "MC120.2",
    title="Gradient of Tr(X)Tr(X)",
    forward=trace_squared,
    wrt="X",
    gradient=lambda X: 2 * np.trace(X) * np.eye(X.shape[0]),
    latex=r"\frac{\partial}{\partial X}\operatorname{Tr}(X)\operatorname{Tr}(X) = 2\operatorname{Tr}(X)\, I",
    vjp_latex=_vjp(r"2\operatorname{Tr}(X)\, I"),
    args={"X": _M("n", "n")},
    section="2.5.2",
    conditions=r"$X$ square.",
    keywords=("trace times trace", "square of the trace"),
    printed=_MC120_PRINTED,
)


@_MC120_2.jacobian
def grad_trace_squared(X: ArrayLike) -> FloatArray:
    """MC120.2: ∂Tr(X)²/∂X = 2 Tr(X) I, flattened row by row into a (1, n²) row.

    The chain rule on t², with dt/dX = I from (99).

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        2 Tr(X) I flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_squared
        >>> print(grad_trace_squared([[1.0, 2.0], [3.0, 4.0]]))
        [[10.  0.  0. 10.]]
    """


@_MC120_2.vjp
def vjp_trace_squared(v: float, X: ArrayLike) -> FloatArray:
    """MC120.2, backprop form: 2v Tr(X) I, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_squared
        >>> print(vjp_trace_squared(0.5, [[1.0, 2.0], [3.0, 4.0]]))
        [[5. 0.]
         [0. 5.]]
    """


# ----- 2.5.3 higher order -----

_K = Arg(shape=(), low=1, high=4, integer=True)


def trace_power(X: ArrayLike, k: Any) -> np.float64:
    """Tr(X^k) of a square matrix, for an integer k >= 1.

    Examples:
        >>> from mcref.cookbook.traces import trace_power
        >>> print(trace_power([[1.0, 2.0], [3.0, 4.0]], 3))
        155.0
    """
    X = _square("X", X)
    k = _exponent("k", k, 1)
    return _number("Tr(X^k)", lambda: np.trace(np.linalg.matrix_power(X, k)))


_MC121 = reduction(
    "MC121",
    title="Gradient of Tr(X^k)",
    forward=trace_power,
    wrt="X",
    gradient=lambda X, k: int(k) * np.linalg.matrix_power(X, int(k) - 1).T,
    latex=_grad("X^k") + " = kX^{k-1}",
    latex_denominator=_grad("X^k") + " = k(X^{k-1})^T",
    vjp_latex=_vjp("k(X^{k-1})^T"),
    args={"X": _M("n", "n"), "k": _K},
    section="2.5.3",
    conditions=r"$X$ square, $k \ge 1$ an integer (checked for $k = 1, \dots, 4$).",
    keywords=("trace of X to the power k", "trace of matrix power", "tr(Xk)"),
    printed=_book(_grad("X^k") + " = k(X^{k-1})^T"),
)


@_MC121.jacobian
def grad_trace_power(X: ArrayLike, k: Any) -> FloatArray:
    """MC121: ∂Tr(X^k)/∂X = k (X^(k-1))ᵀ, flattened row by row into a (1, n²) row.

    d(X^k) = Σ_r X^r dX X^(k-1-r); under the trace each term moves around to
    Tr(X^(k-1) dX), and there are k of them.

    Args:
        X: A square matrix, shape `(n, n)`.
        k: An integer, at least 1.

    Returns:
        k (X^(k-1))ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_power
        >>> print(grad_trace_power([[1.0, 2.0], [3.0, 4.0]], 3))
        [[21. 45. 30. 66.]]
    """


@_MC121.vjp
def vjp_trace_power(v: float, X: ArrayLike, k: Any) -> FloatArray:
    """MC121, backprop form: v k (X^(k-1))ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_power
        >>> print(vjp_trace_power(2.0, [[1.0, 2.0], [3.0, 4.0]], 2))
        [[ 4. 12.]
         [ 8. 16.]]
    """


def _power_sum_gradient(A: FloatArray, X: FloatArray, k: Any) -> FloatArray:
    """Σ_{r=0}^{k-1} (X^r A X^(k-1-r))ᵀ, from the stack of powers X⁰ ... X^(k-1) in one einsum."""
    k = int(k)
    if k == 0:
        return np.zeros_like(X)
    powers = [np.eye(X.shape[0])]
    for _ in range(k - 1):  # the k powers of X, not the entries
        powers.append(powers[-1] @ X)
    P = np.stack(powers)
    return np.einsum("rij,jl,rlm->im", P, A, P[::-1]).T


def trace_a_power(A: ArrayLike, X: ArrayLike, k: Any) -> np.float64:
    """Tr(AX^k) for square A and X of one size and an integer k >= 0.

    Examples:
        >>> from mcref.cookbook.traces import trace_a_power
        >>> print(trace_a_power([[1.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]], 2))
        7.0
    """
    A, X = _shaped("Tr(AX^k)", A=(A, "n n"), X=(X, "n n"))
    k = _exponent("k", k, 0)
    return _number("Tr(AX^k)", lambda: np.trace(A @ np.linalg.matrix_power(X, k)))


_MC122 = reduction(
    "MC122",
    title="Gradient of Tr(AX^k)",
    forward=trace_a_power,
    wrt="X",
    gradient=_power_sum_gradient,
    latex=_grad("AX^k") + r" = \sum_{r=0}^{k-1} X^rAX^{k-r-1}",
    latex_denominator=_grad("AX^k") + r" = \sum_{r=0}^{k-1} (X^rAX^{k-r-1})^T",
    vjp_latex=_vjp(r"\sum_{r=0}^{k-1} (X^rAX^{k-r-1})^T"),
    args={"A": _M("n", "n"), "X": _M("n", "n"), "k": Arg(shape=(), low=0, high=4, integer=True)},
    section="2.5.3",
    conditions=(
        r"$A$ and $X$ square, $k \ge 0$ an integer (checked for $k = 0, \dots, 4$; for $k = 0$ the sum is empty)."
    ),
    keywords=("tr(AXk)",),
    printed=_book(_grad("AX^k") + r" = \sum_{r=0}^{k-1}(X^rAX^{k-r-1})^T"),
)


@_MC122.jacobian
def grad_trace_a_power(A: ArrayLike, X: ArrayLike, k: Any) -> FloatArray:
    """MC122: ∂Tr(AX^k)/∂X = Σ_{r=0}^{k-1} (X^r A X^(k-1-r))ᵀ, flattened row by row into a (1, n²) row.

    d Tr(AX^k) = Σ_r Tr(A X^r dX X^(k-1-r)) = Σ_r Tr(X^(k-1-r) A X^r dX); the
    gradient is the transpose of the sum, and reindexing r ↔ k-1-r gives the book's order.

    Args:
        A: Shape `(n, n)`.
        X: Shape `(n, n)`.
        k: An integer, at least 0.

    Returns:
        The sum flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_a_power
        >>> print(grad_trace_a_power([[1.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]], 2))
        [[2. 3. 2. 0.]]
    """


@_MC122.vjp
def vjp_trace_a_power(v: float, A: ArrayLike, X: ArrayLike, k: Any) -> FloatArray:
    """MC122, backprop form: v Σ_r (X^r A X^(k-1-r))ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_a_power
        >>> print(vjp_trace_a_power(2.0, [[1.0, 0.0], [0.0, 0.0]], [[1.0, 2.0], [3.0, 4.0]], 2))
        [[4. 6.]
         [4. 0.]]
    """


def trace_quartic(B: ArrayLike, X: ArrayLike, C: ArrayLike) -> np.float64:
    """Tr[BᵀXᵀCXXᵀCXB] for X of shape (n, m), C of shape (n, n) and B of shape (m, p).

    Examples:
        >>> from mcref.cookbook.traces import trace_quartic
        >>> print(trace_quartic([[1.0]], [[1.0], [1.0]], [[1.0, 0.0], [0.0, 2.0]]))
        9.0
    """
    B, X, C = _shaped("Tr[B^TX^TCXX^TCXB]", B=(B, "m p"), X=(X, "n m"), C=(C, "n n"))
    return _number("Tr[B^TX^TCXX^TCXB]", lambda: np.trace(B.T @ X.T @ C @ X @ X.T @ C @ X @ B))


def _quartic_gradient(B: FloatArray, X: FloatArray, C: FloatArray) -> FloatArray:
    D = B @ B.T
    return (C @ X @ X.T @ C @ X @ D + C.T @ X @ D @ X.T @ C.T @ X
            + C @ X @ D @ X.T @ C @ X + C.T @ X @ X.T @ C.T @ X @ D)


_MC123 = reduction(
    "MC123",
    title="Gradient of Tr[B^TX^TCXX^TCXB]",
    forward=trace_quartic,
    wrt="X",
    gradient=_quartic_gradient,
    latex=r"\frac{\partial}{\partial X}\operatorname{Tr}[B^TX^TCXX^TCXB] = BB^TX^TC^TXX^TC^T + X^TCXBB^TX^TC "
    r"+ X^TC^TXBB^TX^TC^T + BB^TX^TCXX^TC",
    latex_denominator=r"\frac{\partial}{\partial X}\operatorname{Tr}[B^TX^TCXX^TCXB] = CXX^TCXBB^T "
    r"+ C^TXBB^TX^TC^TX + CXBB^TX^TCX + C^TXX^TC^TXBB^T",
    vjp_latex=_vjp(r"CXX^TCXBB^T + C^TXBB^TX^TC^TX + CXBB^TX^TCX + C^TXX^TC^TXBB^T"),
    args={"B": _M("m", "p"), "X": _M("n", "m"), "C": _M("n", "n")},
    section="2.5.3",
    conditions=r"$X$ is $n \times m$, $C$ is $n \times n$ (any), $B$ is $m \times p$.",
    keywords=("quartic trace", "fourth order trace", "tr(BTXTCXXTCXB)"),
    printed=_book(
        r"\frac{\partial}{\partial X}\operatorname{Tr}[B^TX^TCXX^TCXB] = CXX^TCXBB^T+C^TXBB^TX^TC^TX"
        r"+CXBB^TX^TCX+C^TXX^TC^TXBB^T"
    ),
)


@_MC123.jacobian
def grad_trace_quartic(B: ArrayLike, X: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC123: the gradient of Tr[BᵀXᵀCXXᵀCXB], four terms, flattened row by row into a (1, n m) row.

    With M = XᵀCX and D = BBᵀ the trace is Tr(MMD), so d Tr = Tr(dM S) with
    S = MD + DM, and dM = dXᵀCX + XᵀC dX gives the gradient CXS + CᵀXSᵀ:
    CXXᵀCXBBᵀ + CᵀXBBᵀXᵀCᵀX + CXBBᵀXᵀCX + CᵀXXᵀCᵀXBBᵀ, the book's four terms.

    Args:
        B: Shape `(m, p)`.
        X: Shape `(n, m)`.
        C: Shape `(n, n)`.

    Returns:
        The gradient flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_quartic
        >>> print(grad_trace_quartic([[1.0]], [[1.0], [1.0]], [[1.0, 0.0], [0.0, 2.0]]))
        [[12. 24.]]
    """


@_MC123.vjp
def vjp_trace_quartic(v: float, B: ArrayLike, X: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC123, backprop form: v times the four-term gradient, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_quartic
        >>> print(vjp_trace_quartic(0.5, [[1.0]], [[1.0], [1.0]], [[1.0, 0.0], [0.0, 2.0]]))
        [[ 6.]
         [12.]]
    """


# ----- 2.5.4 other -----


def trace_a_inverse_b(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(AX⁻¹B) for A of shape (p, n), invertible X of shape (n, n) and B of shape (n, p).

    Examples:
        >>> from mcref.cookbook.traces import trace_a_inverse_b
        >>> print(trace_a_inverse_b([[1.0, 1.0]], [[2.0, 0.0], [0.0, 4.0]], [[1.0], [1.0]]))
        0.75
    """
    A, X, B = _shaped("Tr(AX^-1B)", A=(A, "p n"), X=(X, "n n"), B=(B, "n p"))
    _invertible("X", X)
    return _number("Tr(AX^-1B)", lambda: np.trace(A @ np.linalg.solve(X, B)))


_MC124 = reduction(
    "MC124",
    title="Gradient of Tr(AX^-1B)",
    forward=trace_a_inverse_b,
    wrt="X",
    gradient=lambda A, X, B: -(np.linalg.inv(X) @ B @ A @ np.linalg.inv(X)).T,
    latex=_grad("AX^{-1}B") + " = -X^{-1}BAX^{-1}",
    latex_denominator=_grad("AX^{-1}B") + " = -(X^{-1}BAX^{-1})^T = -X^{-T}A^TB^TX^{-T}",
    vjp_latex=_vjp("-X^{-T}A^TB^TX^{-T}"),
    args={"A": _M("p", "n"), "X": _M("n", "n", max_condition=1e3), "B": _M("n", "p")},
    section="2.5.4",
    conditions=r"$X$ is $n \times n$ and invertible, $A$ is $p \times n$, $B$ is $n \times p$. The same "
    r"statement as (63).",
    keywords=("derivative of trace of inverse", "tr(AX-1B)"),
    printed=_book(_grad("AX^{-1}B") + " = -(X^{-1}BAX^{-1})^T = -X^{-T}A^TB^TX^{-T}"),
)


@_MC124.jacobian
def grad_trace_a_inverse_b(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC124: ∂Tr(AX⁻¹B)/∂X = −(X⁻¹BAX⁻¹)ᵀ, flattened row by row into a (1, n²) row.

    d(X⁻¹) = −X⁻¹ dX X⁻¹ (the book's (40)), so d Tr(AX⁻¹B) = −Tr(X⁻¹BAX⁻¹ dX).

    Args:
        A: Shape `(p, n)`.
        X: Shape `(n, n)`, invertible.
        B: Shape `(n, p)`.

    Returns:
        −X⁻ᵀAᵀBᵀX⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_a_inverse_b
        >>> print(grad_trace_a_inverse_b([[1.0, 1.0]], [[2.0, 0.0], [0.0, 4.0]], [[1.0], [1.0]]))
        [[-0.25   -0.125  -0.125  -0.0625]]
    """


@_MC124.vjp
def vjp_trace_a_inverse_b(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC124, backprop form: −v X⁻ᵀAᵀBᵀX⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_a_inverse_b
        >>> print(vjp_trace_a_inverse_b(2.0, [[1.0, 1.0]], [[2.0, 0.0], [0.0, 4.0]], [[1.0], [1.0]]))
        [[-0.5   -0.25 ]
         [-0.25  -0.125]]
    """


def _symmetric(name: str, M: FloatArray, entry: str) -> FloatArray:
    """M itself, or ValueError: the book's formula (entry) assumes a symmetric M."""
    gap = float(np.max(np.abs(M - M.T)))
    if gap > 1e-12 * max(1.0, float(np.max(np.abs(M)))):
        raise ValueError(
            f"{name} must be symmetric for the gradient of {entry} (the book assumes it), "
            f"got a matrix with max |{name} - {name}^T| = {gap:.3g}"
        )
    return M


def _inverse_of(name: str, M: FloatArray) -> FloatArray:
    return np.asarray(np.linalg.inv(_invertible(name, M)), dtype=np.float64)


def trace_inverse_form(X: ArrayLike, C: ArrayLike, A: ArrayLike) -> np.float64:
    """Tr[(XᵀCX)⁻¹A] for X of shape (n, k), C of shape (n, n), A of shape (k, k), XᵀCX invertible.

    Examples:
        >>> from mcref.cookbook.traces import trace_inverse_form
        >>> print(trace_inverse_form([[1.0], [1.0]], [[1.0, 0.0], [0.0, 1.0]], [[4.0]]))
        2.0
    """
    X, C, A = _shaped("Tr[(X^TCX)^-1A]", X=(X, "n k"), C=(C, "n n"), A=(A, "k k"))
    with np.errstate(all="ignore"):
        N = _invertible("X^TCX", X.T @ C @ X)
    return _number("Tr[(X^TCX)^-1A]", lambda: np.trace(np.linalg.solve(N, A)))


def _inverse_form_gradient(X: FloatArray, C: FloatArray, A: FloatArray) -> FloatArray:
    Ni = _inverse_of("X^TCX", X.T @ _symmetric("C", C, "(125)") @ X)
    return -(C @ X @ Ni) @ (A + A.T) @ Ni


def _form_domain(X: Any, C: Any, A: Any = 0.0) -> bool:
    """Whether N = A + XᵀCX is well conditioned (at most 100) with no singular value below 0.1: f is
    computed through a solve with N, whose rounding (about 1e-16 cond(N) |f|) central differences divide
    by their step; at cond(N) = 1e3 a constant f (square invertible X in (126)) showed a slope of 2.5e-7,
    above the tolerance. The derivative carries N⁻¹ twice, so a small singular value scales its large
    entries and the differences' error with them: at σ_min(N) = 0.016 (f = -64, entries up to 512) an
    entry that is 0 came out as -1.2e-7, above the absolute tolerance of 1e-7."""
    X, C = np.asarray(X), np.asarray(C)
    return conditioned(np.asarray(A) + X.T @ C @ X, 100.0, floor=0.1)


_MC125 = reduction(
    "MC125",
    title="Gradient of Tr[(X^TCX)^-1A]",
    forward=trace_inverse_form,
    wrt="X",
    gradient=_inverse_form_gradient,
    latex=r"\frac{\partial}{\partial X}\operatorname{Tr}[(X^TCX)^{-1}A] = -(X^TCX)^{-1}(A+A^T)(X^TCX)^{-1}X^TC",
    latex_denominator=r"\frac{\partial}{\partial X}\operatorname{Tr}[(X^TCX)^{-1}A] = "
    r"-CX(X^TCX)^{-1}(A+A^T)(X^TCX)^{-1}",
    vjp_latex=_vjp("-CX(X^TCX)^{-1}(A+A^T)(X^TCX)^{-1}"),
    args={"X": _M("n", "k"), "C": _M("n", "n", symmetric=True), "A": _M("k", "k")},
    section="2.5.4",
    conditions=(
        r"$C$ symmetric, as the book states ($n \times n$); $X$ is $n \times k$ with $X^TCX$ invertible "
        r"(so $k \le n$); $A$ is $k \times k$, any. For a $C$ that is not symmetric the gradient is "
        r"$-CXN^{-1}AN^{-1} - C^TXN^{-T}A^TN^{-T}$ with $N = X^TCX$, and the printed form fails: the "
        r"condition is needed (tests/test_traces.py checks both sides)."
    ),
    domain=lambda X, C, A: _form_domain(X, C),
    keywords=("trace of inverse of XTCX", "inverse quadratic form trace"),
    printed=_book(
        r"\frac{\partial}{\partial X}\operatorname{Tr}[(X^TCX)^{-1}A] = -(CX(X^TCX)^{-1})(A+A^T)(X^TCX)^{-1}"
    ),
)


@_MC125.jacobian
def grad_trace_inverse_form(X: ArrayLike, C: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC125: ∂Tr[(XᵀCX)⁻¹A]/∂X = −CX N⁻¹(A + Aᵀ)N⁻¹ with N = XᵀCX, for symmetric C; a (1, n k) row.

    d Tr(N⁻¹A) = −Tr(N⁻¹ dN N⁻¹A) with dN = dXᵀCX + XᵀC dX. For symmetric C the
    two halves give −CX N⁻¹AN⁻¹ and −CX N⁻¹AᵀN⁻¹ (N is symmetric too).

    Args:
        X: Shape `(n, k)`, with XᵀCX invertible.
        C: Shape `(n, n)`, symmetric.
        A: Shape `(k, k)`.

    Returns:
        The gradient flattened, shape `(1, n*k)`.

    Raises:
        ValueError: If C is not symmetric (the formula assumes it).

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_inverse_form
        >>> print(grad_trace_inverse_form([[1.0], [1.0]], [[1.0, 0.0], [0.0, 1.0]], [[4.0]]))
        [[-2. -2.]]
    """


@_MC125.vjp
def vjp_trace_inverse_form(v: float, X: ArrayLike, C: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC125, backprop form: −v CX N⁻¹(A + Aᵀ)N⁻¹, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_inverse_form
        >>> print(vjp_trace_inverse_form(0.5, [[1.0], [1.0]], [[1.0, 0.0], [0.0, 1.0]], [[4.0]]))
        [[-1.]
         [-1.]]
    """


def trace_form_ratio(X: ArrayLike, B: ArrayLike, C: ArrayLike) -> np.float64:
    """Tr[(XᵀCX)⁻¹(XᵀBX)] for X of shape (n, k), B and C of shape (n, n), XᵀCX invertible.

    Examples:
        >>> from mcref.cookbook.traces import trace_form_ratio
        >>> print(trace_form_ratio([[1.0], [1.0]], [[3.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]))
        2.0
    """
    X, B, C = _shaped("Tr[(X^TCX)^-1(X^TBX)]", X=(X, "n k"), B=(B, "n n"), C=(C, "n n"))
    with np.errstate(all="ignore"):
        N = _invertible("X^TCX", X.T @ C @ X)
    return _number("Tr[(X^TCX)^-1(X^TBX)]", lambda: np.trace(np.linalg.solve(N, X.T @ B @ X)))


def _form_ratio_gradient(X: FloatArray, B: FloatArray, C: FloatArray) -> FloatArray:
    _symmetric("B", B, "(126)")
    Ni = _inverse_of("X^TCX", X.T @ _symmetric("C", C, "(126)") @ X)
    return -2 * C @ X @ Ni @ X.T @ B @ X @ Ni + 2 * B @ X @ Ni


_MC126 = reduction(
    "MC126",
    title="Gradient of Tr[(X^TCX)^-1(X^TBX)]",
    forward=trace_form_ratio,
    wrt="X",
    gradient=_form_ratio_gradient,
    latex=r"\frac{\partial}{\partial X}\operatorname{Tr}[(X^TCX)^{-1}(X^TBX)] = "
    r"-2(X^TCX)^{-1}X^TBX(X^TCX)^{-1}X^TC + 2(X^TCX)^{-1}X^TB",
    latex_denominator=r"\frac{\partial}{\partial X}\operatorname{Tr}[(X^TCX)^{-1}(X^TBX)] = "
    r"-2CX(X^TCX)^{-1}X^TBX(X^TCX)^{-1} + 2BX(X^TCX)^{-1}",
    vjp_latex=_vjp("-2CX(X^TCX)^{-1}X^TBX(X^TCX)^{-1} + 2BX(X^TCX)^{-1}"),
    args={"X": _M("n", "k"), "B": _M("n", "n", symmetric=True), "C": _M("n", "n", symmetric=True)},
    section="2.5.4",
    conditions=(
        r"$B$ and $C$ symmetric, as the book states ($n \times n$); $X$ is $n \times k$ with $X^TCX$ "
        r"invertible. Both conditions are needed: with either matrix not symmetric the printed form "
        r"fails (tests/test_traces.py checks both sides)."
    ),
    domain=lambda X, B, C: _form_domain(X, C),
    keywords=("generalized Rayleigh quotient trace", "trace ratio gradient"),
    printed=_book(
        r"\frac{\partial}{\partial X}\operatorname{Tr}[(X^TCX)^{-1}(X^TBX)] = "
        r"-2CX(X^TCX)^{-1}X^TBX(X^TCX)^{-1}+2BX(X^TCX)^{-1}"
    ),
)


@_MC126.jacobian
def grad_trace_form_ratio(X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC126: ∂Tr[N⁻¹XᵀBX]/∂X = −2CXN⁻¹XᵀBXN⁻¹ + 2BXN⁻¹ with N = XᵀCX, for symmetric B and C.

    The product rule: the derivative through N⁻¹ is (125) with A = XᵀBX (symmetric,
    so A + Aᵀ = 2XᵀBX), and the derivative through XᵀBX is (108) weighted by N⁻¹: 2BXN⁻¹.

    Args:
        X: Shape `(n, k)`, with XᵀCX invertible.
        B: Shape `(n, n)`, symmetric.
        C: Shape `(n, n)`, symmetric.

    Returns:
        The gradient flattened, shape `(1, n*k)`.

    Raises:
        ValueError: If B or C is not symmetric (the formula assumes both).

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_form_ratio
        >>> print(grad_trace_form_ratio([[1.0], [1.0]], [[3.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]))
        [[ 1. -1.]]
    """


@_MC126.vjp
def vjp_trace_form_ratio(v: float, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC126, backprop form: v times the gradient, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_form_ratio
        >>> print(vjp_trace_form_ratio(2.0, [[1.0], [1.0]], [[3.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]))
        [[ 2.]
         [-2.]]
    """


def trace_shifted_form_ratio(A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> np.float64:
    """Tr[(A + XᵀCX)⁻¹(XᵀBX)] for A (k, k), X (n, k), B and C (n, n), A + XᵀCX invertible.

    Examples:
        >>> from mcref.cookbook.traces import trace_shifted_form_ratio
        >>> B, C = [[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]
        >>> print(trace_shifted_form_ratio([[1.0]], [[1.0], [1.0]], B, C))
        1.5
    """
    A, X, B, C = _shaped("Tr[(A+X^TCX)^-1(X^TBX)]", A=(A, "k k"), X=(X, "n k"), B=(B, "n n"), C=(C, "n n"))
    with np.errstate(all="ignore"):
        N = _invertible("A + X^TCX", A + X.T @ C @ X)
    return _number("Tr[(A+X^TCX)^-1(X^TBX)]", lambda: np.trace(np.linalg.solve(N, X.T @ B @ X)))


def _shifted_ratio_gradient(A: FloatArray, X: FloatArray, B: FloatArray, C: FloatArray) -> FloatArray:
    P = X.T @ _symmetric("B", B, "(127)") @ X
    Ni = _inverse_of("A + X^TCX", A + X.T @ _symmetric("C", C, "(127)") @ X)
    return -C @ X @ (Ni @ P @ Ni + Ni.T @ P @ Ni.T) + B @ X @ (Ni + Ni.T)


def _printed_mc127(A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """The Cookbook's (127) as printed: −2CXN⁻¹XᵀBXN⁻¹ + 2BXN⁻¹ with N = A + XᵀCX."""
    A, X, B, C = (np.asarray(M, dtype=np.float64) for M in (A, X, B, C))
    Ni = np.linalg.inv(A + X.T @ C @ X)
    return -2 * C @ X @ Ni @ X.T @ B @ X @ Ni + 2 * B @ X @ Ni


_MC127 = reduction(
    "MC127",
    title="Gradient of Tr[(A+X^TCX)^-1(X^TBX)]",
    forward=trace_shifted_form_ratio,
    wrt="X",
    gradient=_shifted_ratio_gradient,
    latex=r"\frac{\partial}{\partial X}\operatorname{Tr}[N^{-1}(X^TBX)] = -(N^{-T}X^TBXN^{-T} + N^{-1}X^TBXN^{-1})X^TC"
    r" + (N^{-T} + N^{-1})X^TB",
    latex_denominator=r"\frac{\partial}{\partial X}\operatorname{Tr}[N^{-1}(X^TBX)] = "
    r"-CX(N^{-1}X^TBXN^{-1} + N^{-T}X^TBXN^{-T}) + BX(N^{-1} + N^{-T})",
    vjp_latex=_vjp("-CX(N^{-1}X^TBXN^{-1} + N^{-T}X^TBXN^{-T}) + BX(N^{-1} + N^{-T})"),
    args={"A": _M("k", "k"), "X": _M("n", "k"), "B": _M("n", "n", symmetric=True),
          "C": _M("n", "n", symmetric=True)},
    section="2.5.4",
    conditions=(
        r"$N = A + X^TCX$ invertible; $B$ and $C$ symmetric, as the book states ($n \times n$); $X$ is "
        r"$n \times k$ (wide too: $N$ can be invertible when $X^TCX$ is not); $A$ is $k \times k$, any. "
        r"For a symmetric $A$, $N^{-T} = N^{-1}$ and this is the printed "
        r"$-2CXN^{-1}X^TBXN^{-1} + 2BXN^{-1}$; for any other $A$ the printed form fails (see the errata)."
    ),
    domain=lambda A, X, B, C: _form_domain(X, C, A),
    keywords=("regularized trace ratio", "trace of inverse of A plus XTCX"),
    printed=_book(
        r"\frac{\partial}{\partial X}\operatorname{Tr}[(A+X^TCX)^{-1}(X^TBX)] = "
        r"-2CX(A+X^TCX)^{-1}X^TBX(A+X^TCX)^{-1}+2BX(A+X^TCX)^{-1}"
    ),
)


@_MC127.jacobian
def grad_trace_shifted_form_ratio(A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC127: the gradient of Tr[N⁻¹XᵀBX], N = A + XᵀCX, for symmetric B and C and any A; a (1, n k) row.

    As in (126), but N is symmetric only when A is: d Tr(N⁻¹P) with P = XᵀBX is
    −Tr(N⁻¹ dN N⁻¹P) + Tr(N⁻¹ dP), which pairs dX with
    −CX(N⁻¹PN⁻¹ + N⁻ᵀPN⁻ᵀ) + BX(N⁻¹ + N⁻ᵀ).

    Args:
        A: Shape `(k, k)`.
        X: Shape `(n, k)`.
        B: Shape `(n, n)`, symmetric.
        C: Shape `(n, n)`, symmetric.

    Returns:
        The gradient flattened, shape `(1, n*k)`.

    Raises:
        ValueError: If B or C is not symmetric.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_shifted_form_ratio
        >>> B, C = [[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]
        >>> print(grad_trace_shifted_form_ratio([[1.0]], [[1.0], [1.0]], B, C))
        [[0.5 1. ]]
    """


@_MC127.vjp
def vjp_trace_shifted_form_ratio(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC127, backprop form: v times the gradient, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_shifted_form_ratio
        >>> B, C = [[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]
        >>> print(vjp_trace_shifted_form_ratio(2.0, [[1.0]], [[1.0], [1.0]], B, C))
        [[1.]
         [2.]]
    """


erratum(
    "MC127",
    summary=(
        r"The printed form holds only when $A$ is symmetric as well as $B$ and $C$; the book states the "
        r"symmetry of $B$ and $C$ only, and for any other $A$ the matrix $A + X^TCX$ is not symmetric and "
        r"the formula is wrong."
    ),
    printed=_MC127.registration["printed"],
    correct=_MC127.registration["latex_denominator"] + r",\quad N = A + X^TCX",
    kind="condition",
    condition=r"$A$ symmetric (so that $N = A + X^TCX$ is)",
    printed_form=_printed_mc127,
    counterexample={
        "A": np.array([[1.0, 1.0], [0.0, 1.0]]),
        "X": np.array([[1.0, 0.0]]),
        "B": np.array([[1.0]]),
        "C": np.array([[1.0]]),
    },
    holds_when={
        "A": np.array([[1.0, 1.0], [1.0, 2.0]]),
        "X": np.array([[1.0, 0.0]]),
        "B": np.array([[1.0]]),
        "C": np.array([[1.0]]),
    },
)


def trace_sin(X: ArrayLike) -> np.float64:
    """Tr(sin X) of a square matrix, sin as a power series (the sum of sin λ over the eigenvalues).

    Examples:
        >>> from mcref.cookbook.traces import trace_sin
        >>> print(round(trace_sin([[0.0, 1.0], [0.0, 0.0]]), 12))
        0.0
    """
    X = _square("X", X)
    return _number("Tr(sin X)", lambda: np.trace(_sinm(X)))


_MC128 = reduction(
    "MC128",
    title="Gradient of the trace of the matrix sine",
    forward=trace_sin,
    wrt="X",
    gradient=lambda X: _cosm(X).T,
    latex=r"\frac{\partial \operatorname{Tr}(\sin(X))}{\partial X} = \cos(X)",
    latex_denominator=r"\frac{\partial \operatorname{Tr}(\sin(X))}{\partial X} = \cos(X)^T",
    vjp_latex=_vjp(r"\cos(X)^T"),
    args={"X": _M("n", "n")},
    section="2.5.4",
    conditions=r"$X$ square; $\sin$ and $\cos$ are matrix functions (power series), not entry by entry.",
    keywords=("trace of matrix sine", "tr(sin X)", "matrix cosine"),
    printed=_book(r"\frac{\partial \operatorname{Tr}(\sin(X))}{\partial X} = \cos(X)^T"),
)


@_MC128.jacobian
def grad_trace_sin(X: ArrayLike) -> FloatArray:
    """MC128: ∂Tr(sin X)/∂X = (cos X)ᵀ, flattened row by row into a (1, n²) row.

    The display after (98) with F = sin, whose derivative is f = cos:
    term by term, Tr(X^(2j+1)) contributes (2j+1)(X^(2j))ᵀ.

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        (cos X)ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.traces import grad_trace_sin
        >>> print(grad_trace_sin([[0.0, 1.0], [0.0, 0.0]]))
        [[1. 0. 0. 1.]]
    """


@_MC128.vjp
def vjp_trace_sin(v: float, X: ArrayLike) -> FloatArray:
    """MC128, backprop form: v (cos X)ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.traces import vjp_trace_sin
        >>> print(vjp_trace_sin(2.0, [[0.0, 1.0], [0.0, 0.0]]))
        [[2. 0.]
         [0. 2.]]
    """
