"""The Cookbook's section 2.1, derivatives of a determinant: (46) to (58).

The gradients of this section are written in the book's layout, shaped like
the matrix variable ([`reduction`][mcref.core.registry.reduction] with a matrix
variable): [∂f/∂X]_ij = ∂f/∂X_ij.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.curves import conditioned
from mcref.core import validate
from mcref.core.errata import erratum
from mcref.core.registry import Arg, reduction
from mcref.core.validate import FloatArray

__all__ = ["det", "det_product", "grad_det", "grad_det_product", "vjp_det", "vjp_det_product"]


def _square(name: str, value: ArrayLike) -> FloatArray:
    M = validate.matrix(name, value)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    return M


def det(X: ArrayLike) -> np.float64:
    """det X of a square matrix.

    Examples:
        >>> from mcref.cookbook.determinants import det
        >>> print(round(det([[2.0, 1.0], [1.0, 3.0]]), 12))
        5.0
    """
    X = _square("X", X)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("det X", np.linalg.det(X)))


_MC49 = reduction(
    "MC49",
    title="Gradient of the determinant",
    forward=det,
    wrt="X",
    gradient=lambda X: np.linalg.det(X) * np.linalg.inv(X).T,
    latex=r"\frac{\partial \det X}{\partial X} = \det(X)\, X^{-1}",
    latex_denominator=r"\frac{\partial \det X}{\partial X} = \det(X)\, X^{-T}",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,\det(X)\,X^{-T}",
    args={"X": Arg(shape=("n", "n"), low=-1.0, high=1.0, max_condition=1e3)},
    section="2.1",
    conditions=r"$X$ square and invertible (for a singular $X$ the gradient is the transposed adjugate, (41)).",
    keywords=("derivative of determinant", "Jacobi's formula", "det gradient"),
    printed=r"\frac{\partial\det(\mathbf{X})}{\partial\mathbf{X}} = \det(\mathbf{X})(\mathbf{X}^{-1})^T",
)


@_MC49.jacobian
def grad_det(X: ArrayLike) -> FloatArray:
    """MC49: ∂ det X / ∂X = det(X) X⁻ᵀ, flattened row by row into a (1, n²) row.

    From Jacobi's formula d det X = det(X) Tr(X⁻¹ dX) = ⟨det(X) X⁻ᵀ, dX⟩.

    Args:
        X: A square invertible matrix, shape `(n, n)`.

    Returns:
        det(X) X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.determinants import grad_det
        >>> print(grad_det([[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[ 3. -1. -1.  2.]]
    """


@_MC49.vjp
def vjp_det(v: float, X: ArrayLike) -> FloatArray:
    """MC49, backprop form: v det(X) X⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_det
        >>> print(vjp_det(2.0, [[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[ 6. -2.]
         [-2.  4.]]
    """


def det_product(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> np.float64:
    """det(AXB) for A of shape (p, n), X of shape (n, n) and B of shape (n, p).

    Examples:
        >>> from mcref.cookbook.determinants import det_product
        >>> print(round(det_product([[1.0, 0.0]], [[2.0, 1.0], [1.0, 3.0]], [[1.0], [1.0]]), 12))
        3.0
    """
    A = validate.matrix("A", A)
    X = _square("X", X)
    B = validate.matrix("B", B)
    if A.shape[1] != X.shape[0] or B.shape[0] != X.shape[1] or B.shape[1] != A.shape[0]:
        raise ValueError(
            f"det(AXB) needs A (p, n), X (n, n) and B (n, p), got A {A.shape}, X {X.shape} and B {B.shape}"
        )
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("det(AXB)", np.linalg.det(A @ X @ B)))


def _det_product_gradient(A: FloatArray, X: FloatArray, B: FloatArray) -> FloatArray:
    M = A @ X @ B
    return np.linalg.det(M) * A.T @ np.linalg.inv(M).T @ B.T


_MC51 = reduction(
    "MC51",
    title="Gradient of det(AXB)",
    forward=det_product,
    wrt="X",
    gradient=_det_product_gradient,
    latex=r"\frac{\partial \det(AXB)}{\partial X} = \det(AXB)\, B\,(AXB)^{-1} A",
    latex_denominator=r"\frac{\partial \det(AXB)}{\partial X} = \det(AXB)\, A^T (AXB)^{-T} B^T",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,\det(AXB)\, A^T (AXB)^{-T} B^T",
    args={
        "A": Arg(shape=("p", "p+q"), low=-1.0, high=1.0),
        "X": Arg(shape=("p+q", "p+q"), low=-1.0, high=1.0),
        "B": Arg(shape=("p+q", "p"), low=-1.0, high=1.0),
    },
    section="2.1",
    conditions=(
        r"$A$ is $p \times n$, $X$ is $n \times n$, $B$ is $n \times p$ with $p \le n$, and $AXB$ is invertible. "
        r"Only when $A$ and $B$ are square and invertible ($p = n$) does it simplify to the printed "
        r"$\det(AXB)\,X^{-T}$; the book does not say so (see the errata)."
    ),
    domain=lambda A, X, B: conditioned(np.asarray(A) @ np.asarray(X) @ np.asarray(B)),
    keywords=("derivative of det(AXB)", "determinant of a product"),
    printed=(
        r"\frac{\partial\det(\mathbf{AXB})}{\partial\mathbf{X}} = \det(\mathbf{AXB})(\mathbf{X}^{-1})^T"
        r" = \det(\mathbf{AXB})(\mathbf{X}^T)^{-1}"
    ),
)


@_MC51.jacobian
def grad_det_product(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC51: ∂ det(AXB) / ∂X = det(AXB) Aᵀ (AXB)⁻ᵀ Bᵀ, flattened row by row into a (1, n²) row.

    With M = AXB, d det M = det(M) Tr(M⁻¹ A (dX) B) = ⟨det(M) Aᵀ M⁻ᵀ Bᵀ, dX⟩.
    For square invertible A and B, Aᵀ M⁻ᵀ Bᵀ = X⁻ᵀ, the form the Cookbook prints.

    Args:
        A: Shape `(p, n)`.
        X: Shape `(n, n)`.
        B: Shape `(n, p)`, with AXB invertible.

    Returns:
        det(AXB) Aᵀ (AXB)⁻ᵀ Bᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.determinants import grad_det_product
        >>> print(grad_det_product([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [0.0]]))
        [[1. 0. 0. 0.]]
    """


@_MC51.vjp
def vjp_det_product(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC51, backprop form: v det(AXB) Aᵀ (AXB)⁻ᵀ Bᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_det_product
        >>> print(vjp_det_product(1.0, [[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [0.0]]))
        [[1. 0.]
         [0. 0.]]
    """


def _printed_mc51(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """The Cookbook's (51) as printed: det(AXB) X⁻ᵀ."""
    return det_product(A, X, B) * np.linalg.inv(np.asarray(X, dtype=np.float64)).T


erratum(
    "MC51",
    summary=(
        r"The printed $\det(AXB)\,X^{-T}$ holds only for square invertible $A$ and $B$; with $A$ of shape "
        r"$p \times n$ and $p < n$ (so that $AXB$ is a smaller square matrix) it is wrong."
    ),
    printed=r"\frac{\partial \det(AXB)}{\partial X} = \det(AXB)\,X^{-T}",
    correct=r"\frac{\partial \det(AXB)}{\partial X} = \det(AXB)\, A^T (AXB)^{-T} B^T",
    kind="condition",
    condition=r"$A$ and $B$ square and invertible",
    printed_form=_printed_mc51,
    counterexample={"A": np.array([[1.0, 0.0]]), "X": np.eye(2), "B": np.array([[1.0], [0.0]])},
    holds_when={
        "A": np.array([[2.0, 1.0], [0.0, 1.0]]),
        "X": np.array([[1.0, 2.0], [0.5, 3.0]]),
        "B": np.array([[1.0, 0.0], [1.0, 1.0]]),
    },
)
