"""The Cookbook's section 2.8, structured matrices: (133) to (144).

A structured matrix (symmetric, diagonal, Toeplitz) is a linear function of a
few free parameters θ_k: X = Σ_k θ_k B_k, with B_k = ∂X/∂θ_k the matrix the book
calls the structure matrix S^ij. "The derivative with respect to X" then has two
readings, and the section's results must be read in the right one:

* **R1, the parameter partials.** ∂f/∂θ_k = Tr(Gᵀ B_k) = ⟨G, B_k⟩ (the book's
  (133)), where G is the gradient computed as if every entry of X were free. The
  book writes ∂f/∂θ_k at every position θ_k occupies: this is what its (138) to
  (144) give.
* **R2, the gradient inside the structure.** The matrix D of the structure with
  df = ⟨D, dX⟩ for every structured dX: the orthogonal projection of G onto the
  structure, which divides each partial by the number of positions of its
  parameter (for a symmetric X, D = (G + Gᵀ)/2). It is the gradient a descent
  method on structured matrices uses.

[`Structure`][mcref.cookbook.structured.Structure] describes a structure by
its basis and computes both readings. The rules differentiate with respect to
the parameters: each forward function reads the parameters of its structure
from a square matrix X, each at its first position in row-major order (the
upper triangle of a symmetric X, the first row and column of a Toeplitz one),
and ignores the other entries, so that the gradient with respect to X holds the
parameter partials at the first positions and zeros elsewhere. For a matrix X
that already has the structure, the forward function's value is f(X).

Examples:
    >>> import numpy as np
    >>> from mcref.cookbook.structured import Structure
    >>> sym = Structure.symmetric(2)
    >>> G = np.array([[1.0, 4.0], [0.0, 3.0]])
    >>> print(sym.parameter_gradient(G))  # R1: the book's matrix
    [[1. 4.]
     [4. 3.]]
    >>> print(sym.frobenius_gradient(G))  # R2: (G + G^T) / 2
    [[1. 2.]
     [2. 3.]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.curves import conditioned
from mcref.core import validate
from mcref.core.registry import Arg, reduction, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "Structure",
    "alpha",
    "bilinear_square_structured",
    "bilinear_square_symmetric",
    "chain_norm",
    "chain_trace",
    "det_symmetric",
    "grad_bilinear_square_structured",
    "grad_bilinear_square_symmetric",
    "grad_chain_norm",
    "grad_chain_trace",
    "grad_det_symmetric",
    "grad_log_det_symmetric",
    "grad_trace_diagonal",
    "grad_trace_symmetric",
    "grad_trace_symmetric_toeplitz",
    "grad_trace_symmetric_toeplitz_right",
    "grad_trace_toeplitz",
    "grad_trace_toeplitz_right",
    "jac_symmetric_matrix",
    "log_det_symmetric",
    "symmetric_matrix",
    "trace_diagonal",
    "trace_symmetric",
    "trace_symmetric_toeplitz",
    "trace_symmetric_toeplitz_right",
    "trace_toeplitz",
    "trace_toeplitz_right",
    "vjp_bilinear_square_structured",
    "vjp_bilinear_square_symmetric",
    "vjp_chain_norm",
    "vjp_chain_trace",
    "vjp_det_symmetric",
    "vjp_log_det_symmetric",
    "vjp_symmetric_matrix",
    "vjp_trace_diagonal",
    "vjp_trace_symmetric",
    "vjp_trace_symmetric_toeplitz",
    "vjp_trace_symmetric_toeplitz_right",
    "vjp_trace_toeplitz",
    "vjp_trace_toeplitz_right",
]


def _square(name: str, value: ArrayLike) -> FloatArray:
    M = validate.matrix(name, value)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    return M


def _same_square(names: tuple[str, str], first: FloatArray, second: FloatArray) -> None:
    if first.shape != second.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must be square matrices of one size (n, n), "
            f"got {names[0]} {first.shape} and {names[1]} {second.shape}"
        )


@dataclass(frozen=True)
class Structure:
    """A linear structure of n × n matrices: X = Σ_k θ_k B_k.

    Each basis matrix B_k holds 1 at the positions of the parameter θ_k and 0
    elsewhere, and the supports of the B_k do not overlap, so a parameter is
    the value of X at any of its positions. Make one with
    [`symmetric`][mcref.cookbook.structured.Structure.symmetric],
    [`diagonal`][mcref.cookbook.structured.Structure.diagonal],
    [`toeplitz`][mcref.cookbook.structured.Structure.toeplitz] or
    [`symmetric_toeplitz`][mcref.cookbook.structured.Structure.symmetric_toeplitz].

    Attributes:
        name: The structure's name.
        basis: The matrices B_k = ∂X/∂θ_k (the book's S^ij), shape `(k, n, n)`.
        rows: The row of each parameter's first position (row-major), shape `(k,)`.
        cols: The column of each parameter's first position, shape `(k,)`.
    """

    name: str
    basis: FloatArray
    rows: np.ndarray
    cols: np.ndarray

    @staticmethod
    def _from_labels(name: str, labels: np.ndarray) -> Structure:
        """The structure whose parameter at position (i, j) is `labels[i, j]` (labels 0..k-1, each used)."""
        k = int(labels.max()) + 1
        basis = (labels[None, :, :] == np.arange(k)[:, None, None]).astype(np.float64)
        flat = labels.ravel()
        # the first position of each label in row-major order
        first = np.full(k, flat.size)
        np.minimum.at(first, flat, np.arange(flat.size))
        rows, cols = np.divmod(first, labels.shape[1])
        return Structure(name, basis, rows, cols)

    @staticmethod
    def _size(n: int) -> tuple[np.ndarray, np.ndarray]:
        n = validate.integer("n", n, low=1)
        i, j = np.indices((n, n))
        return i, j

    @classmethod
    def symmetric(cls, n: int) -> Structure:
        """Symmetric n × n matrices: a parameter X_ij = X_ji for each i ≤ j, n(n+1)/2 in all.

        Examples:
            >>> from mcref.cookbook.structured import Structure
            >>> print(Structure.symmetric(3).basis.shape)
            (6, 3, 3)
        """
        i, j = cls._size(n)
        low, high = np.minimum(i, j), np.maximum(i, j)
        # number the pairs (low, high) of the upper triangle row by row
        n_ = i.shape[0]
        labels = low * n_ - low * (low - 1) // 2 + (high - low)
        return cls._from_labels("symmetric", labels)

    @classmethod
    def diagonal(cls, n: int) -> Structure:
        """Diagonal n × n matrices: a parameter X_ii for each i; the other entries are 0.

        Examples:
            >>> from mcref.cookbook.structured import Structure
            >>> print(Structure.diagonal(2).matrix([1.0, 2.0]))
            [[1. 0.]
             [0. 2.]]
        """
        i, j = cls._size(n)
        n_ = i.shape[0]
        # off the diagonal: label n, dropped below
        labels = np.where(i == j, i, n_)
        full = cls._from_labels("diagonal", labels)
        return Structure("diagonal", full.basis[:n_], full.rows[:n_], full.cols[:n_])

    @classmethod
    def toeplitz(cls, n: int) -> Structure:
        """Toeplitz n × n matrices: X_ij = t_(j−i), one parameter per diagonal, 2n − 1 in all.

        Examples:
            >>> from mcref.cookbook.structured import Structure
            >>> print(Structure.toeplitz(2).matrix([1.0, 2.0, 3.0]))
            [[2. 3.]
             [1. 2.]]
        """
        i, j = cls._size(n)
        return cls._from_labels("Toeplitz", j - i + i.shape[0] - 1)

    @classmethod
    def symmetric_toeplitz(cls, n: int) -> Structure:
        """Symmetric Toeplitz n × n matrices: X_ij = t_|i−j|, n parameters.

        Examples:
            >>> from mcref.cookbook.structured import Structure
            >>> print(Structure.symmetric_toeplitz(2).matrix([1.0, 2.0]))
            [[1. 2.]
             [2. 1.]]
        """
        i, j = cls._size(n)
        return cls._from_labels("symmetric Toeplitz", np.abs(i - j))

    @property
    def n(self) -> int:
        """The size of the matrices."""
        return int(self.basis.shape[1])

    @property
    def counts(self) -> FloatArray:
        """The number of positions of each parameter, ⟨B_k, B_k⟩, shape `(k,)`."""
        return self.basis.sum(axis=(1, 2))

    def _matrix_arg(self, name: str, value: ArrayLike) -> FloatArray:
        M = validate.matrix(name, value)
        if M.shape != (self.n, self.n):
            raise ValueError(f"{name} must have shape {(self.n, self.n)} for this structure, got shape {M.shape}")
        return M

    def matrix(self, theta: ArrayLike) -> FloatArray:
        """The structured matrix Σ_k θ_k B_k of a parameter vector θ of length k."""
        t = validate.vector("theta", theta)
        if t.shape[0] != self.basis.shape[0]:
            raise ValueError(
                f"theta must have length {self.basis.shape[0]} (one entry per parameter), got length {t.shape[0]}"
            )
        return np.einsum("k,kij->ij", t, self.basis)

    def parameters(self, X: ArrayLike) -> FloatArray:
        """The parameters read from X, each at its first position (row-major), shape `(k,)`."""
        return self._matrix_arg("X", X)[self.rows, self.cols]

    def read(self, X: ArrayLike) -> FloatArray:
        """The structured matrix whose parameters are read from X at their first positions.

        For X that has the structure, this is X itself; the entries of X at the
        other positions are not read.

        Examples:
            >>> from mcref.cookbook.structured import Structure
            >>> print(Structure.symmetric(2).read([[1.0, 2.0], [9.0, 3.0]]))
            [[1. 2.]
             [2. 3.]]
        """
        return self.matrix(self.parameters(X))

    def partials(self, G: ArrayLike) -> FloatArray:
        """∂f/∂θ_k = Tr(Gᵀ B_k) (the book's (133)) for the unstructured gradient G, shape `(k,)`."""
        return np.einsum("kij,ij->k", self.basis, self._matrix_arg("G", G))

    def spread(self, p: ArrayLike) -> FloatArray:
        """One number per parameter written at every position of it: Σ_k p_k B_k (= `matrix`)."""
        return self.matrix(p)

    def parameter_gradient(self, G: ArrayLike) -> FloatArray:
        """Reading R1: each ∂f/∂θ_k = ⟨G, B_k⟩ at every position of θ_k (the book's layout in 2.8)."""
        return self.spread(self.partials(G))

    def frobenius_gradient(self, G: ArrayLike) -> FloatArray:
        """Reading R2: the orthogonal projection of G onto the structure, Σ_k ⟨G, B_k⟩ / ⟨B_k, B_k⟩ B_k.

        It lies in the structure, and ⟨D, dX⟩ = ⟨G, dX⟩ = df for every structured dX.
        """
        return self.spread(self.partials(G) / self.counts)

    def at_first_positions(self, M: ArrayLike) -> FloatArray:
        """M at each parameter's first position and 0 elsewhere: the gradient with respect to X of
        a function that reads its parameters from X there, when M is the book's (R1) matrix."""
        M = self._matrix_arg("M", M)
        out = np.zeros_like(M)
        out[self.rows, self.cols] = M[self.rows, self.cols]
        return out


# ----- (133): the chain rule through a structure -----


def _basis(name: str, value: ArrayLike) -> FloatArray:
    B = validate.array(name, value)
    if B.ndim != 3 or B.shape[1] != B.shape[2]:
        raise ValueError(
            f"{name} must be a 3-D array (one n × n matrix per parameter, shape (k, n, n)), "
            f"got an array of shape {B.shape}"
        )
    return B


def bilinear_square_structured(theta: ArrayLike, B: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.float64:
    """f = aᵀ A² b at the structured matrix A = Σ_k θ_k B_k, for any basis B of shape (k, n, n).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import bilinear_square_structured
        >>> B = np.array([np.eye(2), [[0.0, 1.0], [1.0, 0.0]]])
        >>> print(bilinear_square_structured([1.0, 2.0], B, [1.0, 0.0], [0.0, 1.0]))
        4.0
    """
    t = validate.vector("theta", theta)
    Bs = _basis("B", B)
    av = validate.vector("a", a)
    bv = validate.vector("b", b)
    validate.same_length(a=av, b=bv)
    k, n = Bs.shape[0], Bs.shape[1]
    if t.shape[0] != k or av.shape[0] != n or bv.shape[0] != n:
        raise ValueError(
            f"aᵀA²b with A = Σ θ_k B_k needs theta (k,), B (k, n, n), a (n,) and b (n,), got theta {t.shape}, "
            f"B {Bs.shape}, a {av.shape} and b {bv.shape}"
        )
    A = np.einsum("k,kij->ij", t, Bs)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("aᵀA²b", av @ A @ A @ bv))


def _bilinear_square_structured_gradient(theta: FloatArray, B: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    A = np.einsum("k,kij->ij", theta, B)
    G = np.outer(a, A @ b) + np.outer(A.T @ a, b)  # ∂(aᵀA²b)/∂A with free entries
    return np.einsum("kij,ij->k", B, G)  # Tr(Gᵀ S^k) for each parameter


_MC133_LATEX = (
    r"\frac{\partial f}{\partial \theta_k} = \sum_{ij} \frac{\partial f}{\partial A_{ij}}"
    r"\frac{\partial A_{ij}}{\partial \theta_k} = \operatorname{Tr}\!\Big(\Big[\frac{\partial f}{\partial A}\Big]^T"
    r" B_k\Big),\quad f = \mathbf{a}^T A^2 \mathbf{b},\ A = \textstyle\sum_k \theta_k B_k"
)

_MC133 = reduction(
    "MC133",
    title="Derivative through a structure matrix",
    forward=bilinear_square_structured,
    wrt="theta",
    gradient=_bilinear_square_structured_gradient,
    latex=_MC133_LATEX + r",\quad \frac{\partial f}{\partial \boldsymbol{\theta}} \text{ is their row}",
    latex_denominator=_MC133_LATEX + r",\quad \frac{\partial f}{\partial \boldsymbol{\theta}} \text{ is their column}",
    vjp_latex=(
        r"\frac{\partial L}{\partial \theta_k} = v\,\operatorname{Tr}(G^T B_k),\quad "
        r"G = \mathbf{a}(A\mathbf{b})^T + A^T\mathbf{a}\mathbf{b}^T"
    ),
    args={
        "theta": Arg(shape=("k",), low=-1.0, high=1.0),
        "B": Arg(shape=("k", "n", "n"), low=-1.0, high=1.0),
        "a": Arg(shape=("n",)),
        "b": Arg(shape=("n",)),
    },
    section="2.8",
    conditions=(
        r"$A = \sum_k \theta_k B_k$ for any basis matrices $B_k = \partial A / \partial \theta_k$ (the book's "
        r"structure matrices $S^{ij}$, where the parameter is an entry $A_{ij}$); "
        r"$\partial f / \partial A$ is the gradient computed as if every entry of $A$ were free. "
        r"Checked for $f = \mathbf{a}^T A^2 \mathbf{b}$ with random $B_k$, so any linear structure is covered."
    ),
    keywords=("structured matrix derivative", "structure matrix S^ij", "structured parameters"),
    printed=(
        r"\frac{df}{dA_{ij}} = \sum_{kl}\frac{\partial f}{\partial A_{kl}}\frac{\partial A_{kl}}{\partial A_{ij}}"
        r" = \operatorname{Tr}\left[\left[\frac{\partial f}{\partial \mathbf{A}}\right]^T"
        r"\frac{\partial \mathbf{A}}{\partial A_{ij}}\right]"
    ),
)


@_MC133.jacobian
def grad_bilinear_square_structured(theta: ArrayLike, B: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC133: ∂f/∂θ_k = Tr(Gᵀ B_k) for f = aᵀA²b, A = Σ θ_k B_k, as a (1, k) row.

    A change dθ_k moves A by B_k dθ_k, so df = Σ_ij G_ij (B_k)_ij dθ_k = Tr(Gᵀ B_k) dθ_k,
    where G = a (Ab)ᵀ + Aᵀa bᵀ is the gradient of aᵀA²b with free entries.

    Args:
        theta: The parameters, shape `(k,)`.
        B: The basis, shape `(k, n, n)`.
        a: Shape `(n,)`.
        b: Shape `(n,)`.

    Returns:
        The partials Tr(Gᵀ B_k), shape `(1, k)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import grad_bilinear_square_structured
        >>> B = np.array([np.eye(2), [[0.0, 1.0], [1.0, 0.0]]])
        >>> print(grad_bilinear_square_structured([1.0, 2.0], B, [1.0, 0.0], [0.0, 1.0]))
        [[4. 2.]]
    """


@_MC133.vjp
def vjp_bilinear_square_structured(v: float, theta: ArrayLike, B: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC133, backprop form: v Tr(Gᵀ B_k) for each parameter, shape `(k,)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import vjp_bilinear_square_structured
        >>> B = np.array([np.eye(2), [[0.0, 1.0], [1.0, 0.0]]])
        >>> print(vjp_bilinear_square_structured(0.5, [1.0, 2.0], B, [1.0, 0.0], [0.0, 1.0]))
        [2. 1.]
    """


# ----- (136), (137): the chain rule for a matrix function U = f(X) -----


def chain_norm(X: ArrayLike, B: ArrayLike) -> np.float64:
    """g(U) = ½‖U‖²_F at U = X B Xᵀ, for X of shape (m, n) and B of shape (n, n).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import chain_norm
        >>> print(chain_norm([[1.0, 2.0]], np.eye(2)))
        12.5
    """
    Xm = validate.matrix("X", X)
    Bm = _square("B", B)
    if Bm.shape[0] != Xm.shape[1]:
        raise ValueError(f"X B Xᵀ needs X (m, n) and B (n, n), got X {Xm.shape} and B {Bm.shape}")
    with np.errstate(all="ignore"):
        U = Xm @ Bm @ Xm.T
        return np.float64(validate.finite_result("½‖XBXᵀ‖²", 0.5 * np.sum(U * U)))


def _chain_norm_gradient(X: FloatArray, B: FloatArray) -> FloatArray:
    m = X.shape[0]
    U = X @ B @ X.T
    dg = U  # ∂g/∂U for g = ½‖U‖²
    eye = np.eye(m)
    # ∂U_kl/∂X_ij = δ_ki (B Xᵀ)_jl + (X B)_kj δ_li, as an (m, m, m, n) array [k, l, i, j]
    dU = np.einsum("ki,jl->klij", eye, B @ X.T) + np.einsum("kj,li->klij", X @ B, eye)
    return np.einsum("kl,klij->ij", dg, dU)  # the sum over k and l of (136)


_MC136 = reduction(
    "MC136",
    title="Derivative of g(U) with U = f(X), entry by entry",
    forward=chain_norm,
    wrt="X",
    gradient=_chain_norm_gradient,
    latex=(
        r"\frac{\partial g(U)}{\partial x_{ij}} = \sum_{k=1}^{M}\sum_{l=1}^{N}"
        r"\frac{\partial g(U)}{\partial u_{kl}}\frac{\partial u_{kl}}{\partial x_{ij}},\quad "
        r"g = \tfrac12\lVert U \rVert_F^2,\ U = XBX^T"
    ),
    vjp_latex=(
        r"\frac{\partial L}{\partial X} = v \sum_{kl} u_{kl}\frac{\partial u_{kl}}{\partial X} = v\,(UXB^T + U^TXB)"
    ),
    args={"X": Arg(shape=("m", "n"), low=-1.0, high=1.0), "B": Arg(shape=("n", "n"), low=-1.0, high=1.0)},
    section="2.8",
    conditions=(
        r"Read entry by entry: the printed line sets the matrix $\partial g(U)/\partial X$ equal to its entry "
        r"$(i, j)$. Checked for $g(U) = \tfrac12\lVert U\rVert_F^2$ and $U = XBX^T$ with $X$ of shape "
        r"$m \times n$ (so $U$ is $m \times m$), by summing over the four-index array "
        r"$\partial u_{kl}/\partial x_{ij}$."
    ),
    keywords=("derivative of g(U) with U = f(X)", "function of a matrix function", "double sum over u_kl"),
    printed=(
        r"\frac{\partial g(\mathbf{U})}{\partial \mathbf{X}} = \frac{\partial g(\mathbf{U})}{\partial x_{ij}}"
        r" = \sum_{k=1}^{M}\sum_{l=1}^{N}\frac{\partial g(\mathbf{U})}{\partial u_{kl}}"
        r"\frac{\partial u_{kl}}{\partial x_{ij}}"
    ),
)


@_MC136.jacobian
def grad_chain_norm(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC136: ∂g/∂x_ij = Σ_kl (∂g/∂u_kl)(∂u_kl/∂x_ij) for g = ½‖U‖², U = XBXᵀ, as a (1, m n) row.

    ∂g/∂u_kl = u_kl, and ∂u_kl/∂x_ij = δ_ki (BXᵀ)_jl + (XB)_kj δ_li; the closed form
    sums their product over k and l, which gives U X Bᵀ + Uᵀ X B.

    Args:
        X: Shape `(m, n)`.
        B: Shape `(n, n)`.

    Returns:
        The gradient shaped like X, flattened row by row, shape `(1, m*n)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import grad_chain_norm
        >>> print(grad_chain_norm([[1.0, 2.0]], np.eye(2)))
        [[10. 20.]]
    """


@_MC136.vjp
def vjp_chain_norm(v: float, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC136, backprop form: v (U X Bᵀ + Uᵀ X B), shaped like X.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import vjp_chain_norm
        >>> print(vjp_chain_norm(0.5, [[1.0, 2.0]], np.eye(2)))
        [[ 5. 10.]]
    """


def chain_trace(X: ArrayLike, A: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.float64:
    """g(U) = aᵀ U b at U = X A X, for X of shape (m, n), A of shape (n, m), a of length m, b of length n.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import chain_trace
        >>> print(chain_trace([[1.0, 2.0]], [[1.0], [1.0]], [1.0], [1.0, 1.0]))
        9.0
    """
    Xm = validate.matrix("X", X)
    Am = validate.matrix("A", A)
    av = validate.vector("a", a)
    bv = validate.vector("b", b)
    m, n = Xm.shape
    if Am.shape != (n, m) or av.shape[0] != m or bv.shape[0] != n:
        raise ValueError(
            f"aᵀ(XAX)b needs X (m, n), A (n, m), a (m,) and b (n,), got X {Xm.shape}, A {Am.shape}, "
            f"a {av.shape} and b {bv.shape}"
        )
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("aᵀ(XAX)b", av @ Xm @ Am @ Xm @ bv))


def _chain_trace_gradient(X: FloatArray, A: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    m, n = X.shape
    dg = np.outer(a, b)  # ∂(aᵀUb)/∂U
    # ∂U/∂X_ij = J^ij A X + X A J^ij, one m × n matrix per entry: [i, j, k, l]
    dU = np.einsum("ik,jl->ijkl", np.eye(m), A @ X) + np.einsum("ki,jl->ijkl", X @ A, np.eye(n))
    return np.einsum("kl,ijkl->ij", dg, dU)  # Tr((∂g/∂U)ᵀ ∂U/∂X_ij)


_MC137 = reduction(
    "MC137",
    title="Derivative of g(U) with U = f(X), as a trace",
    forward=chain_trace,
    wrt="X",
    gradient=_chain_trace_gradient,
    latex=(
        r"\frac{\partial g(U)}{\partial X_{ij}} = \operatorname{Tr}\!\Big[\Big(\frac{\partial g(U)}{\partial U}\Big)^T"
        r"\frac{\partial U}{\partial X_{ij}}\Big],\quad g = \mathbf{a}^T U \mathbf{b},\ U = XAX"
    ),
    vjp_latex=(
        r"\frac{\partial L}{\partial X} = v\,\big(\mathbf{a}\mathbf{b}^T X^T A^T + A^T X^T \mathbf{a}\mathbf{b}^T\big)"
    ),
    args={
        "X": Arg(shape=("m", "n"), low=-1.0, high=1.0),
        "A": Arg(shape=("n", "m"), low=-1.0, high=1.0),
        "a": Arg(shape=("m",)),
        "b": Arg(shape=("n",)),
    },
    section="2.8",
    conditions=(
        r"$U$ a differentiable matrix function of $X$, $\partial U/\partial X_{ij}$ the matrix of the "
        r"derivatives of its entries. Checked for $g(U) = \mathbf{a}^T U \mathbf{b}$ and $U = XAX$ with $X$ of "
        r"shape $m \times n$ and $A$ of shape $n \times m$, where $\partial U/\partial X_{ij} = J^{ij}AX + XAJ^{ij}$."
    ),
    keywords=("trace form of the derivative of g(U)", "function of a matrix function"),
    printed=(
        r"\frac{\partial g(\mathbf{U})}{\partial X_{ij}} = \operatorname{Tr}\left[\left(\frac{\partial g(\mathbf{U})}"
        r"{\partial \mathbf{U}}\right)^T\frac{\partial \mathbf{U}}{\partial X_{ij}}\right]"
    ),
)


@_MC137.jacobian
def grad_chain_trace(X: ArrayLike, A: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC137: ∂g/∂X_ij = Tr((∂g/∂U)ᵀ ∂U/∂X_ij) for g = aᵀUb, U = XAX, as a (1, m n) row.

    ∂g/∂U = abᵀ and ∂U/∂X_ij = J^ij A X + X A J^ij; the trace pairs them entry by
    entry, which gives abᵀ XᵀAᵀ + AᵀXᵀ abᵀ.

    Args:
        X: Shape `(m, n)`.
        A: Shape `(n, m)`.
        a: Shape `(m,)`.
        b: Shape `(n,)`.

    Returns:
        The gradient shaped like X, flattened row by row, shape `(1, m*n)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import grad_chain_trace
        >>> print(grad_chain_trace([[1.0, 2.0]], [[1.0], [1.0]], [1.0], [1.0, 1.0]))
        [[6. 6.]]
    """


@_MC137.vjp
def vjp_chain_trace(v: float, X: ArrayLike, A: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC137, backprop form: v (abᵀXᵀAᵀ + AᵀXᵀabᵀ), shaped like X.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.structured import vjp_chain_trace
        >>> print(vjp_chain_trace(2.0, [[1.0, 2.0]], [[1.0], [1.0]], [1.0], [1.0, 1.0]))
        [[12. 12.]]
    """


# ----- the display after (137), MC137u in the list, rule MC137u: the structure matrix of a symmetric matrix -----


def symmetric_matrix(X: ArrayLike) -> FloatArray:
    """The symmetric matrix whose parameters A_ij, i ≤ j, are read from the upper triangle of X.

    Examples:
        >>> from mcref.cookbook.structured import symmetric_matrix
        >>> print(symmetric_matrix([[1.0, 2.0], [7.0, 3.0]]))
        [[1. 2.]
         [2. 3.]]
    """
    Xm = _square("X", X)
    return Structure.symmetric(Xm.shape[0]).read(Xm)


def _structure_matrices(n: int) -> FloatArray:
    """S^ij = J^ij + J^ji − J^ij J^ij for i ≤ j and 0 for i > j, as an (n, n, n, n) array [k, l, i, j]."""
    eye = np.eye(n)
    J = np.einsum("ki,lj->klij", eye, eye)  # (J^ij)_kl = δ_ki δ_lj
    JT = np.einsum("kj,li->klij", eye, eye)  # (J^ji)_kl
    JJ = np.einsum("klij,ij->klij", J, eye)  # J^ij J^ij = δ_ij J^ij
    return (J + JT - JJ) * np.triu(np.ones((n, n)))[None, None]


@rule(
    "MC137u",
    title="Structure matrix of a symmetric matrix",
    section="2.8",
    forward=symmetric_matrix,
    wrt="X",
    latex=(r"\frac{\partial A}{\partial A_{ij}} = S^{ij} = J^{ij} + J^{ji} - J^{ij}J^{ij},\quad i \le j"),
    shape=("n*n", "n*n"),
    args={"X": Arg(shape=("n", "n"), symmetric=True)},
    conditions=(
        r"$A$ symmetric, with its entries $A_{ij}$, $i \le j$, as the parameters, read here from the upper "
        r"triangle of $X$. The Jacobian holds $S^{ij}$, flattened, in the column of $(i, j)$ for $i \le j$, and "
        r"zeros in the columns of the entries below the diagonal, which are not parameters. "
        r"$J^{ij}J^{ij}$ is $J^{ii}$ on the diagonal and 0 off it."
    ),
    keywords=("symmetric structure matrix", "S^ij of a symmetric A"),
    printed=(r"\mathbf{S}^{ij} = \mathbf{J}^{ij} + \mathbf{J}^{ji} - \mathbf{J}^{ij}\mathbf{J}^{ij}"),
)
def jac_symmetric_matrix(X: ArrayLike) -> FloatArray:
    """MC137u (the display after (137)): ∂A/∂A_ij = S^ij = J^ij + J^ji − J^ij J^ij (i ≤ j), as an (n², n²) Jacobian.

    A_ij and A_ji both equal the parameter, so moving it moves both entries
    (J^ij + J^ji); on the diagonal the two are one entry, counted twice, and
    J^ij J^ij = J^ii removes the second count.

    Args:
        X: A square matrix, shape `(n, n)`; only its upper triangle is read.

    Returns:
        The Jacobian of A by X, both flattened row by row, shape `(n*n, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import jac_symmetric_matrix
        >>> print(jac_symmetric_matrix([[1.0, 2.0], [2.0, 3.0]]))
        [[1. 0. 0. 0.]
         [0. 1. 0. 0.]
         [0. 1. 0. 0.]
         [0. 0. 0. 1.]]
    """
    n = _square("X", X).shape[0]
    return _structure_matrices(n).reshape(n * n, n * n)


@vjp_of("MC137u", latex=r"\mathbf{v}^T J = \big[V + V^T - (V \circ I)\big]_{ij},\ i \le j;\ 0 \text{ below}")
def vjp_symmetric_matrix(V: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC137u, backprop form: Σ_kl V_kl (S^ij)_kl = (V + Vᵀ − V ∘ I)_ij for i ≤ j, 0 below, shaped like X.

    The same matrix as the book's (138): pulling a cotangent back through a
    symmetric structure gives the parameter partials.

    Examples:
        >>> from mcref.cookbook.structured import vjp_symmetric_matrix
        >>> print(vjp_symmetric_matrix([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]))
        [[1. 5.]
         [0. 4.]]
    """
    Xm = _square("X", X)
    Vm = validate.matrix("V", V)
    _same_square(("V", "X"), Vm, Xm)
    return np.triu(Vm + Vm.T - np.diag(np.diag(Vm)))


# ----- (138) to (141): symmetric matrices -----


def bilinear_square_symmetric(X: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.float64:
    """f = aᵀ A² b at the symmetric matrix A read from the upper triangle of X.

    Examples:
        >>> from mcref.cookbook.structured import bilinear_square_symmetric
        >>> print(bilinear_square_symmetric([[1.0, 2.0], [2.0, 3.0]], [1.0, 0.0], [0.0, 1.0]))
        8.0
    """
    A = symmetric_matrix(X)
    av = validate.vector("a", a)
    bv = validate.vector("b", b)
    validate.same_length(a=av, b=bv)
    if av.shape[0] != A.shape[0] or bv.shape[0] != A.shape[0]:
        raise ValueError(f"aᵀA²b needs A (n, n), a (n,) and b (n,), got A {A.shape}, a {av.shape} and b {bv.shape}")
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("aᵀA²b", av @ A @ A @ bv))


def _bilinear_square_symmetric_gradient(X: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    structure = Structure.symmetric(X.shape[0])
    A = structure.read(X)
    G = np.outer(a, A @ b) + np.outer(A.T @ a, b)  # ∂f/∂A with free entries
    book = G + G.T - np.diag(np.diag(G))  # (138)
    return structure.at_first_positions(book)


_SYMMETRIC_R1 = (
    r" The book's matrix holds $\partial f/\partial A_{ij}$, the partial derivative with respect to the "
    r"parameter $A_{ij} = A_{ji}$, at both $(i, j)$ and $(j, i)$ (reading R1); the check reads the parameters from "
    r"the upper triangle of the variable, so its gradient is that matrix above and on the diagonal and 0 below. "
    r"It is not the gradient inside the symmetric matrices (reading R2), which is $(G + G^T)/2$: see the page."
)

_MC138 = reduction(
    "MC138",
    title="Gradient with respect to a symmetric matrix",
    forward=bilinear_square_symmetric,
    wrt="X",
    gradient=_bilinear_square_symmetric_gradient,
    latex=(
        r"\frac{\partial f}{\partial A_{ij}} = \Big[G + G^T - \operatorname{diag}(G)\Big]_{ij},\ i \le j,\quad "
        r"G = \frac{\partial f}{\partial A}"
    ),
    vjp_latex=r"\frac{\partial L}{\partial A_{ij}} = v\,\big[G + G^T - \operatorname{diag}(G)\big]_{ij},\ i \le j",
    args={"X": Arg(shape=("n", "n"), low=-1.0, high=1.0, symmetric=True), "a": Arg(), "b": Arg()},
    section="2.8",
    conditions=(
        r"$A$ symmetric, with parameters $A_{ij}$, $i \le j$; $G$ is the gradient computed as if every entry "
        r"were free. Checked for $f = \mathbf{a}^T A^2 \mathbf{b}$, whose $G = \mathbf{a}(A\mathbf{b})^T + "
        r"A\mathbf{a}\mathbf{b}^T$ is not symmetric." + _SYMMETRIC_R1
    ),
    keywords=("derivative with respect to a symmetric matrix", "symmetric matrix derivative", "G + G^T - diag(G)"),
    printed=(
        r"\frac{df}{d\mathbf{A}} = \left[\frac{\partial f}{\partial \mathbf{A}}\right] + "
        r"\left[\frac{\partial f}{\partial \mathbf{A}}\right]^T - "
        r"\operatorname{diag}\left[\frac{\partial f}{\partial \mathbf{A}}\right]"
    ),
)


@_MC138.jacobian
def grad_bilinear_square_symmetric(X: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC138: ∂f/∂A_ij = [G + Gᵀ − diag G]_ij (i ≤ j) for f = aᵀA²b, A symmetric, as a (1, n²) row.

    By (133) with S^ij of the display after (137): off the diagonal the parameter sits at (i, j)
    and (j, i), so ∂f/∂A_ij = G_ij + G_ji; on the diagonal it is G_ii.

    Args:
        X: Shape `(n, n)`; the upper triangle holds the parameters of A.
        a: Shape `(n,)`.
        b: Shape `(n,)`.

    Returns:
        The matrix G + Gᵀ − diag G on and above the diagonal, 0 below, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_bilinear_square_symmetric
        >>> print(grad_bilinear_square_symmetric([[1.0, 2.0], [2.0, 3.0]], [1.0, 0.0], [0.0, 1.0]))
        [[2. 4. 0. 2.]]
    """


@_MC138.vjp
def vjp_bilinear_square_symmetric(v: float, X: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC138, backprop form: v [G + Gᵀ − diag G] on and above the diagonal, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_bilinear_square_symmetric
        >>> print(vjp_bilinear_square_symmetric(1.0, [[1.0, 2.0], [2.0, 3.0]], [1.0, 0.0], [0.0, 1.0]))
        [[2. 4.]
         [0. 2.]]
    """


def trace_symmetric(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(A S) at the symmetric matrix S read from the upper triangle of X; A any square matrix.

    Examples:
        >>> from mcref.cookbook.structured import trace_symmetric
        >>> print(trace_symmetric([[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0], [1.0, 1.0]]))
        10.0
    """
    Am = _square("A", A)
    S = symmetric_matrix(X)
    _same_square(("A", "X"), Am, S)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr(AX)", np.sum(Am * S.T)))


def _trace_symmetric_gradient(A: FloatArray, X: FloatArray) -> FloatArray:
    book = A + A.T - A * np.eye(A.shape[0])  # (139)
    return Structure.symmetric(A.shape[0]).at_first_positions(book)


_MC139 = reduction(
    "MC139",
    title="Gradient of Tr(AX) for a symmetric X",
    forward=trace_symmetric,
    wrt="X",
    gradient=_trace_symmetric_gradient,
    latex=r"\frac{\partial \operatorname{Tr}(AX)}{\partial X_{ij}} = \big[A + A^T - (A \circ I)\big]_{ij},\ i \le j",
    vjp_latex=r"\frac{\partial L}{\partial X_{ij}} = v\,\big[A + A^T - (A \circ I)\big]_{ij},\ i \le j",
    args={"A": Arg(shape=("n", "n")), "X": Arg(shape=("n", "n"), symmetric=True)},
    section="2.8",
    conditions=(
        r"$X$ symmetric with parameters $X_{ij}$, $i \le j$; $A$ any square matrix. The unstructured "
        r"gradient is $G = A^T$."
        + _SYMMETRIC_R1.replace("A_{ij} = A_{ji}", "X_{ij} = X_{ji}").replace(
            r"$\partial f/\partial A_{ij}$", r"$\partial f/\partial X_{ij}$"
        )
    ),
    keywords=("Tr(AX) for symmetric X", "trace of AX, X symmetric"),
    printed=(
        r"\frac{\partial \operatorname{Tr}(\mathbf{AX})}{\partial \mathbf{X}} = \mathbf{A} + \mathbf{A}^T - "
        r"(\mathbf{A}\circ\mathbf{I})"
    ),
)


@_MC139.jacobian
def grad_trace_symmetric(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC139: ∂Tr(AX)/∂X_ij = [A + Aᵀ − A ∘ I]_ij (i ≤ j) for a symmetric X, as a (1, n²) row.

    Tr(AX) = Σ_ij A_ji X_ij, so G = Aᵀ and (138) gives Aᵀ + A − A ∘ I.

    Args:
        A: Shape `(n, n)`.
        X: Shape `(n, n)`; its upper triangle holds the parameters.

    Returns:
        A + Aᵀ − A ∘ I on and above the diagonal, 0 below, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_trace_symmetric
        >>> print(grad_trace_symmetric([[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0], [1.0, 1.0]]))
        [[1. 5. 0. 4.]]
    """


@_MC139.vjp
def vjp_trace_symmetric(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC139, backprop form: v [A + Aᵀ − A ∘ I] on and above the diagonal, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_trace_symmetric
        >>> print(vjp_trace_symmetric(2.0, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0], [1.0, 1.0]]))
        [[ 2. 10.]
         [ 0.  8.]]
    """


def det_symmetric(X: ArrayLike) -> np.float64:
    """det S of the symmetric matrix S read from the upper triangle of X.

    Examples:
        >>> from mcref.cookbook.structured import det_symmetric
        >>> print(round(det_symmetric([[2.0, 1.0], [5.0, 3.0]]), 12))
        5.0
    """
    S = symmetric_matrix(X)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("det X", np.linalg.det(S)))


def _det_symmetric_gradient(X: FloatArray) -> FloatArray:
    structure = Structure.symmetric(X.shape[0])
    S = structure.read(X)
    inv = np.linalg.inv(S)
    book = np.linalg.det(S) * (2 * inv - inv * np.eye(S.shape[0]))  # (140)
    return structure.at_first_positions(book)


_MC140 = reduction(
    "MC140",
    title="Gradient of the determinant of a symmetric matrix",
    forward=det_symmetric,
    wrt="X",
    gradient=_det_symmetric_gradient,
    latex=(r"\frac{\partial \det X}{\partial X_{ij}} = \det(X)\big[2X^{-1} - (X^{-1} \circ I)\big]_{ij},\ i \le j"),
    vjp_latex=r"\frac{\partial L}{\partial X_{ij}} = v\det(X)\big[2X^{-1} - (X^{-1}\circ I)\big]_{ij},\ i \le j",
    args={"X": Arg(shape=("n", "n"), low=-1.0, high=1.0, symmetric=True, max_condition=1e3)},
    section="2.8",
    conditions=(
        r"$X$ symmetric and invertible, with parameters $X_{ij}$, $i \le j$. The unstructured gradient is "
        r"$G = \det(X)X^{-T} = \det(X)X^{-1}$ ((49)), which is symmetric, so (138) doubles it off the diagonal."
        + _SYMMETRIC_R1.replace("A_{ij} = A_{ji}", "X_{ij} = X_{ji}")
        .replace(r"$\partial f/\partial A_{ij}$", r"$\partial \det X/\partial X_{ij}$")
        .replace("$(G + G^T)/2$", r"$\det(X)X^{-1}$")
    ),
    keywords=("det of a symmetric X", "determinant of symmetric X gradient"),
    printed=(
        r"\frac{\partial \det(\mathbf{X})}{\partial \mathbf{X}} = \det(\mathbf{X})(2\mathbf{X}^{-1} - "
        r"(\mathbf{X}^{-1}\circ\mathbf{I}))"
    ),
)


@_MC140.jacobian
def grad_det_symmetric(X: ArrayLike) -> FloatArray:
    """MC140: ∂det X/∂X_ij = det(X)[2X⁻¹ − X⁻¹ ∘ I]_ij (i ≤ j) for a symmetric X, as a (1, n²) row.

    G = det(X) X⁻ᵀ = det(X) X⁻¹ is symmetric, so G + Gᵀ − diag G = 2G − G ∘ I.

    Args:
        X: Shape `(n, n)`; its upper triangle holds the parameters of an invertible symmetric matrix.

    Returns:
        det(X)(2X⁻¹ − X⁻¹ ∘ I) on and above the diagonal, 0 below, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_det_symmetric
        >>> print(grad_det_symmetric([[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[ 3. -2.  0.  2.]]
    """


@_MC140.vjp
def vjp_det_symmetric(v: float, X: ArrayLike) -> FloatArray:
    """MC140, backprop form: v det(X)[2X⁻¹ − X⁻¹ ∘ I] on and above the diagonal, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_det_symmetric
        >>> print(vjp_det_symmetric(1.0, [[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[ 3. -2.]
         [ 0.  2.]]
    """


def log_det_symmetric(X: ArrayLike) -> np.float64:
    """ln det S of the symmetric matrix S read from the upper triangle of X, which must have det S > 0.

    Examples:
        >>> from mcref.cookbook.structured import log_det_symmetric
        >>> print(round(log_det_symmetric([[2.0, 0.0], [9.0, 0.5]]), 12))
        0.0
    """
    S = symmetric_matrix(X)
    sign, logdet = np.linalg.slogdet(S)
    if sign <= 0:
        raise ValueError(f"ln det X needs det X > 0, got a symmetric matrix with det X = {np.linalg.det(S)}")
    return np.float64(logdet)


def _positive_determinant(X: ArrayLike) -> bool:
    S = Structure.symmetric(np.shape(X)[0]).read(X)
    return bool(np.linalg.slogdet(S)[0] > 0 and conditioned(S))


def _log_det_symmetric_gradient(X: FloatArray) -> FloatArray:
    structure = Structure.symmetric(X.shape[0])
    inv = np.linalg.inv(structure.read(X))
    book = 2 * inv - inv * np.eye(X.shape[0])  # (141)
    return structure.at_first_positions(book)


_MC141 = reduction(
    "MC141",
    title="Gradient of the log-determinant of a symmetric matrix",
    forward=log_det_symmetric,
    wrt="X",
    gradient=_log_det_symmetric_gradient,
    latex=r"\frac{\partial \ln\det X}{\partial X_{ij}} = \big[2X^{-1} - (X^{-1} \circ I)\big]_{ij},\ i \le j",
    vjp_latex=r"\frac{\partial L}{\partial X_{ij}} = v\,\big[2X^{-1} - (X^{-1}\circ I)\big]_{ij},\ i \le j",
    args={"X": Arg(shape=("n", "n"), low=-1.0, high=1.0, positive_definite=True)},
    domain=lambda X: _positive_determinant(X),
    section="2.8",
    conditions=(
        r"$X$ symmetric with $\det X > 0$ (drawn positive definite), parameters $X_{ij}$, $i \le j$; with "
        r"$\ln\lvert\det X\rvert$ the same holds for every invertible symmetric $X$. The unstructured gradient is "
        r"$X^{-1}$ ((57))."
        + _SYMMETRIC_R1.replace("A_{ij} = A_{ji}", "X_{ij} = X_{ji}")
        .replace(r"$\partial f/\partial A_{ij}$", r"$\partial \ln\det X/\partial X_{ij}$")
        .replace("$(G + G^T)/2$", r"$X^{-1}$")
    ),
    keywords=("log det of a symmetric X", "covariance log det gradient"),
    printed=(
        r"\frac{\partial \ln\det(\mathbf{X})}{\partial \mathbf{X}} = "
        r"2\mathbf{X}^{-1} - (\mathbf{X}^{-1}\circ\mathbf{I})"
    ),
)


@_MC141.jacobian
def grad_log_det_symmetric(X: ArrayLike) -> FloatArray:
    """MC141: ∂ln det X/∂X_ij = [2X⁻¹ − X⁻¹ ∘ I]_ij (i ≤ j) for a symmetric X, as a (1, n²) row.

    (140) divided by det X: G = X⁻¹ is symmetric, so (138) gives 2X⁻¹ − X⁻¹ ∘ I.

    Args:
        X: Shape `(n, n)`; its upper triangle holds the parameters of a symmetric matrix with det > 0.

    Returns:
        2X⁻¹ − X⁻¹ ∘ I on and above the diagonal, 0 below, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_log_det_symmetric
        >>> print(grad_log_det_symmetric([[2.0, 0.0], [0.0, 0.5]]))
        [[0.5 0.  0.  2. ]]
    """


@_MC141.vjp
def vjp_log_det_symmetric(v: float, X: ArrayLike) -> FloatArray:
    """MC141, backprop form: v [2X⁻¹ − X⁻¹ ∘ I] on and above the diagonal, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_log_det_symmetric
        >>> print(vjp_log_det_symmetric(2.0, [[2.0, 0.0], [0.0, 0.5]]))
        [[1. 0.]
         [0. 4.]]
    """


# ----- (142): diagonal matrices -----


def trace_diagonal(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(A D) at the diagonal matrix D read from the diagonal of X; A any square matrix.

    Examples:
        >>> from mcref.cookbook.structured import trace_diagonal
        >>> print(trace_diagonal([[1.0, 2.0], [3.0, 4.0]], [[1.0, 9.0], [9.0, 2.0]]))
        9.0
    """
    Am = _square("A", A)
    Xm = _square("X", X)
    _same_square(("A", "X"), Am, Xm)
    D = Structure.diagonal(Xm.shape[0]).read(Xm)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr(AX)", np.sum(Am * D.T)))


_MC142 = reduction(
    "MC142",
    title="Gradient of Tr(AX) for a diagonal X",
    forward=trace_diagonal,
    wrt="X",
    gradient=lambda A, X: A * np.eye(A.shape[0]),  # (142), already 0 off the diagonal
    latex=r"\frac{\partial \operatorname{Tr}(AX)}{\partial X} = A \circ I",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,(A \circ I)",
    args={"A": Arg(shape=("n", "n")), "X": Arg(shape=("n", "n"))},
    section="2.8",
    conditions=(
        r"$X$ diagonal, with parameters $X_{ii}$ read from the diagonal of the variable; $A$ any square "
        r"matrix. Each parameter has one position, so the two readings of a structured derivative agree: "
        r"$A \circ I$ is both the list of partials $\partial \operatorname{Tr}(AX)/\partial X_{ii} = A_{ii}$ and "
        r"the gradient inside the diagonal matrices."
    ),
    keywords=("Tr(AX) for diagonal X", "diagonal matrix gradient"),
    printed=r"\frac{\partial \operatorname{Tr}(\mathbf{AX})}{\partial \mathbf{X}} = \mathbf{A}\circ\mathbf{I}",
)


@_MC142.jacobian
def grad_trace_diagonal(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC142: ∂Tr(AX)/∂X = A ∘ I for a diagonal X, flattened into a (1, n²) row.

    Tr(AX) = Σ_i A_ii X_ii when X is diagonal.

    Args:
        A: Shape `(n, n)`.
        X: Shape `(n, n)`; its diagonal holds the parameters.

    Returns:
        A ∘ I flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_trace_diagonal
        >>> print(grad_trace_diagonal([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]]))
        [[1. 0. 0. 4.]]
    """


@_MC142.vjp
def vjp_trace_diagonal(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC142, backprop form: v (A ∘ I), shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_trace_diagonal
        >>> print(vjp_trace_diagonal(2.0, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]]))
        [[2. 0.]
         [0. 8.]]
    """


# ----- (143), (144): Toeplitz matrices -----


def alpha(A: ArrayLike) -> FloatArray:
    """The book's α(A) of (143): the Toeplitz matrix whose d-th diagonal holds the sum of the d-th diagonal of Aᵀ.

    Examples:
        >>> from mcref.cookbook.structured import alpha
        >>> print(alpha([[1.0, 2.0], [3.0, 4.0]]))
        [[5. 3.]
         [2. 5.]]
    """
    At = _square("A", A).T
    n = At.shape[0]
    i, j = np.indices((n, n))
    offset = (j - i + n - 1).ravel()  # diagonal j − i, shifted to 0 .. 2n − 2
    sums = np.bincount(offset, weights=At.ravel(), minlength=2 * n - 1)
    return sums[j - i + n - 1]


def _toeplitz_pair(A: ArrayLike, X: ArrayLike, structure: str) -> tuple[FloatArray, FloatArray]:
    Am = _square("A", A)
    Xm = _square("X", X)
    _same_square(("A", "X"), Am, Xm)
    make = Structure.toeplitz if structure == "toeplitz" else Structure.symmetric_toeplitz
    return Am, make(Xm.shape[0]).read(Xm)


def trace_toeplitz(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(A T) at the Toeplitz matrix T read from the first row and column of X; A any square matrix.

    Examples:
        >>> from mcref.cookbook.structured import trace_toeplitz
        >>> print(trace_toeplitz([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 9.0]]))
        17.0
    """
    Am, T = _toeplitz_pair(A, X, "toeplitz")
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr(AT)", np.sum(Am * T.T)))


def trace_toeplitz_right(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(T A) at the Toeplitz matrix T read from the first row and column of X; A any square matrix.

    Examples:
        >>> from mcref.cookbook.structured import trace_toeplitz_right
        >>> print(trace_toeplitz_right([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 9.0]]))
        17.0
    """
    Am, T = _toeplitz_pair(A, X, "toeplitz")
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr(TA)", np.trace(T @ Am)))


def _toeplitz_gradient(A: FloatArray, X: FloatArray) -> FloatArray:
    return Structure.toeplitz(A.shape[0]).at_first_positions(alpha(A))


_TOEPLITZ_PRINTED_ALPHA = (
    r" The book lists entries of $\alpha(A)$ as traces of minors of $A^T$: $\alpha_{11} = \operatorname{Tr}(A)$, "
    r"$\alpha_{12} = \operatorname{Tr}([A^T]_{n1})$, $\alpha_{21} = \operatorname{Tr}([A^T]_{1n})$ and "
    r"$\alpha_{1n} = A_{n1}$ agree with these sums; the indices of $\alpha_{13}$ and $\alpha_{31}$ as transcribed "
    r"here (not confirmed against a printed copy) do not, see the page."
)
_TOEPLITZ_R1 = (
    r" This is reading R1: the partial derivative with respect to the parameter of a diagonal, written at every "
    r"position of that diagonal; the check reads the parameters from the first row and column of the variable, so "
    r"its gradient is $\alpha(A)$ there and 0 elsewhere. The gradient inside the Toeplitz matrices (reading R2) "
    r"divides the $d$-th diagonal by its length $n - \lvert d\rvert$."
)
_TOEPLITZ_CONDITIONS = (
    r"$T$ an $n \times n$ Toeplitz matrix, $T_{ij} = t_{j-i}$, with its $2n - 1$ diagonals as the parameters; "
    r"$A$ any square matrix. $\alpha(A)$ is the Toeplitz matrix whose $d$-th diagonal holds the sum of the "
    r"$d$-th diagonal of $A^T$ (the book's words)." + _TOEPLITZ_R1 + _TOEPLITZ_PRINTED_ALPHA
)
_TOEPLITZ_PRINTED = (
    r"\frac{\partial \operatorname{Tr}(\mathbf{AT})}{\partial \mathbf{T}} = "
    r"\frac{\partial \operatorname{Tr}(\mathbf{TA})}{\partial \mathbf{T}} = \alpha(\mathbf{A})"
)

_MC143_1 = reduction(
    "MC143.1",
    title="Gradient of Tr(AT) for a Toeplitz T",
    forward=trace_toeplitz,
    wrt="X",
    gradient=_toeplitz_gradient,
    latex=r"\frac{\partial \operatorname{Tr}(AT)}{\partial t_{d}} = \sum_{j - i = d} (A^T)_{ij} = \alpha(A)_{i,i+d}",
    vjp_latex=r"\frac{\partial L}{\partial t_d} = v\,\alpha(A)_{i,i+d}",
    args={"A": Arg(shape=("n", "n")), "X": Arg(shape=("n", "n"))},
    section="2.8",
    conditions=_TOEPLITZ_CONDITIONS,
    keywords=("Toeplitz gradient", "Toeplitz matrix derivative", "Tr(AT) Toeplitz"),
    printed=_TOEPLITZ_PRINTED,
)


@_MC143_1.jacobian
def grad_trace_toeplitz(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC143.1: ∂Tr(AT)/∂t_d = sum of the d-th diagonal of Aᵀ for a Toeplitz T, as a (1, n²) row.

    Tr(AT) = Σ_ij (Aᵀ)_ij T_ij and T_ij = t_(j−i), so t_d collects the entries of Aᵀ
    on the diagonal j − i = d.

    Args:
        A: Shape `(n, n)`.
        X: Shape `(n, n)`; its first row and column hold the diagonals of T.

    Returns:
        α(A) on the first row and column, 0 elsewhere, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_trace_toeplitz
        >>> print(grad_trace_toeplitz([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 1.0]]))
        [[5. 3. 2. 0.]]
    """


@_MC143_1.vjp
def vjp_trace_toeplitz(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC143.1, backprop form: v α(A) on the first row and column, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_trace_toeplitz
        >>> print(vjp_trace_toeplitz(1.0, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 1.0]]))
        [[5. 3.]
         [2. 0.]]
    """


_MC143_2 = reduction(
    "MC143.2",
    title="Gradient of Tr(TA) for a Toeplitz T",
    forward=trace_toeplitz_right,
    wrt="X",
    gradient=_toeplitz_gradient,
    latex=r"\frac{\partial \operatorname{Tr}(TA)}{\partial t_{d}} = \sum_{j - i = d} (A^T)_{ij} = \alpha(A)_{i,i+d}",
    vjp_latex=r"\frac{\partial L}{\partial t_d} = v\,\alpha(A)_{i,i+d}",
    args={"A": Arg(shape=("n", "n")), "X": Arg(shape=("n", "n"))},
    section="2.8",
    conditions=r"As (143.1): $\operatorname{Tr}(TA) = \operatorname{Tr}(AT)$." + _TOEPLITZ_R1,
    keywords=("Tr(TA) Toeplitz",),
    printed=_TOEPLITZ_PRINTED,
)


@_MC143_2.jacobian
def grad_trace_toeplitz_right(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC143.2: ∂Tr(TA)/∂t_d = sum of the d-th diagonal of Aᵀ for a Toeplitz T, as a (1, n²) row.

    Tr(TA) = Tr(AT), so the partials are those of (143.1).

    Args:
        A: Shape `(n, n)`.
        X: Shape `(n, n)`; its first row and column hold the diagonals of T.

    Returns:
        α(A) on the first row and column, 0 elsewhere, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_trace_toeplitz_right
        >>> print(grad_trace_toeplitz_right([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 1.0]]))
        [[5. 3. 2. 0.]]
    """


@_MC143_2.vjp
def vjp_trace_toeplitz_right(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC143.2, backprop form: v α(A) on the first row and column, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_trace_toeplitz_right
        >>> print(vjp_trace_toeplitz_right(2.0, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 1.0]]))
        [[10.  6.]
         [ 4.  0.]]
    """


def trace_symmetric_toeplitz(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(A T) at the symmetric Toeplitz matrix T read from the first row of X; A any square matrix.

    Examples:
        >>> from mcref.cookbook.structured import trace_symmetric_toeplitz
        >>> print(trace_symmetric_toeplitz([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [9.0, 9.0]]))
        15.0
    """
    Am, T = _toeplitz_pair(A, X, "symmetric")
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr(AT)", np.sum(Am * T.T)))


def trace_symmetric_toeplitz_right(A: ArrayLike, X: ArrayLike) -> np.float64:
    """Tr(T A) at the symmetric Toeplitz matrix T read from the first row of X; A any square matrix.

    Examples:
        >>> from mcref.cookbook.structured import trace_symmetric_toeplitz_right
        >>> print(trace_symmetric_toeplitz_right([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [9.0, 9.0]]))
        15.0
    """
    Am, T = _toeplitz_pair(A, X, "symmetric")
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr(TA)", np.trace(T @ Am)))


def _symmetric_toeplitz_gradient(A: FloatArray, X: FloatArray) -> FloatArray:
    a = alpha(A)
    book = a + a.T - a * np.eye(A.shape[0])  # (144)
    return Structure.symmetric_toeplitz(A.shape[0]).at_first_positions(book)


_SYMMETRIC_TOEPLITZ_CONDITIONS = (
    r"$T$ an $n \times n$ symmetric Toeplitz matrix, $T_{ij} = t_{\lvert i-j\rvert}$, with its $n$ diagonals "
    r"$t_0, \dots, t_{n-1}$ as the parameters, read from the first row of the variable; $A$ any square matrix and "
    r"$\alpha(A)$ as in (143). Reading R1: $\partial \operatorname{Tr}(AT)/\partial t_d$ at every position of "
    r"$t_d$; the gradient inside the symmetric Toeplitz matrices divides it by the $2(n - d)$ positions of $t_d$ "
    r"($n$ for $d = 0$)."
)
_SYMMETRIC_TOEPLITZ_PRINTED = (
    r"\frac{\partial \operatorname{Tr}(\mathbf{AT})}{\partial \mathbf{T}} = "
    r"\frac{\partial \operatorname{Tr}(\mathbf{TA})}{\partial \mathbf{T}} = "
    r"\alpha(\mathbf{A}) + \alpha(\mathbf{A})^T - \alpha(\mathbf{A})\circ\mathbf{I}"
)
_SYMMETRIC_TOEPLITZ_LATEX = (
    r"\frac{\partial \operatorname{Tr}(%s)}{\partial t_d} = \big[\alpha(A) + \alpha(A)^T - "
    r"\alpha(A)\circ I\big]_{i,i+d},\ d \ge 0"
)

_MC144_1 = reduction(
    "MC144.1",
    title="Gradient of Tr(AT) for a symmetric Toeplitz T",
    forward=trace_symmetric_toeplitz,
    wrt="X",
    gradient=_symmetric_toeplitz_gradient,
    latex=_SYMMETRIC_TOEPLITZ_LATEX % "AT",
    vjp_latex=r"\frac{\partial L}{\partial t_d} = v\,\big[\alpha(A) + \alpha(A)^T - \alpha(A)\circ I\big]_{i,i+d}",
    args={"A": Arg(shape=("n", "n")), "X": Arg(shape=("n", "n"))},
    section="2.8",
    conditions=_SYMMETRIC_TOEPLITZ_CONDITIONS,
    keywords=("symmetric Toeplitz gradient", "Tr(AT) symmetric Toeplitz"),
    printed=_SYMMETRIC_TOEPLITZ_PRINTED,
)


@_MC144_1.jacobian
def grad_trace_symmetric_toeplitz(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC144.1: ∂Tr(AT)/∂t_d = [α + αᵀ − α ∘ I]_(i,i+d) for a symmetric Toeplitz T, as a (1, n²) row.

    t_d (d > 0) sits on the diagonals d and −d, so its partial is the sum of the
    two diagonal sums of Aᵀ: the entry of α + αᵀ there; t_0 only on the main one.

    Args:
        A: Shape `(n, n)`.
        X: Shape `(n, n)`; its first row holds the diagonals of T.

    Returns:
        α(A) + α(A)ᵀ − α(A) ∘ I on the first row, 0 elsewhere, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_trace_symmetric_toeplitz
        >>> print(grad_trace_symmetric_toeplitz([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [2.0, 1.0]]))
        [[5. 5. 0. 0.]]
    """


@_MC144_1.vjp
def vjp_trace_symmetric_toeplitz(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC144.1, backprop form: v [α + αᵀ − α ∘ I] on the first row, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_trace_symmetric_toeplitz
        >>> print(vjp_trace_symmetric_toeplitz(1.0, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [2.0, 1.0]]))
        [[5. 5.]
         [0. 0.]]
    """


_MC144_2 = reduction(
    "MC144.2",
    title="Gradient of Tr(TA) for a symmetric Toeplitz T",
    forward=trace_symmetric_toeplitz_right,
    wrt="X",
    gradient=_symmetric_toeplitz_gradient,
    latex=_SYMMETRIC_TOEPLITZ_LATEX % "TA",
    vjp_latex=r"\frac{\partial L}{\partial t_d} = v\,\big[\alpha(A) + \alpha(A)^T - \alpha(A)\circ I\big]_{i,i+d}",
    args={"A": Arg(shape=("n", "n")), "X": Arg(shape=("n", "n"))},
    section="2.8",
    conditions=r"As (144.1): $\operatorname{Tr}(TA) = \operatorname{Tr}(AT)$. " + _SYMMETRIC_TOEPLITZ_CONDITIONS,
    keywords=("Tr(TA) symmetric Toeplitz",),
    printed=_SYMMETRIC_TOEPLITZ_PRINTED,
)


@_MC144_2.jacobian
def grad_trace_symmetric_toeplitz_right(A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC144.2: ∂Tr(TA)/∂t_d = [α + αᵀ − α ∘ I]_(i,i+d) for a symmetric Toeplitz T, as a (1, n²) row.

    Tr(TA) = Tr(AT), so the partials are those of (144.1).

    Args:
        A: Shape `(n, n)`.
        X: Shape `(n, n)`; its first row holds the diagonals of T.

    Returns:
        α(A) + α(A)ᵀ − α(A) ∘ I on the first row, 0 elsewhere, flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.structured import grad_trace_symmetric_toeplitz_right
        >>> print(grad_trace_symmetric_toeplitz_right([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [2.0, 1.0]]))
        [[5. 5. 0. 0.]]
    """


@_MC144_2.vjp
def vjp_trace_symmetric_toeplitz_right(v: float, A: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC144.2, backprop form: v [α + αᵀ − α ∘ I] on the first row, shaped like X.

    Examples:
        >>> from mcref.cookbook.structured import vjp_trace_symmetric_toeplitz_right
        >>> print(vjp_trace_symmetric_toeplitz_right(2.0, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [2.0, 1.0]]))
        [[10. 10.]
         [ 0.  0.]]
    """
