"""The Cookbook's section 2.1, derivatives of a determinant: (46) to (58).

The gradients of this section are written in the book's layout, shaped like
the matrix variable ([`reduction`][mcref.core.registry.reduction] with a matrix
variable): [∂f/∂X]_ij = ∂f/∂X_ij.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.curves import T, conditioned, curve, matrix_curve_args
from mcref.core import validate
from mcref.core.errata import erratum
from mcref.core.registry import Arg, along_curve, reduction
from mcref.core.validate import FloatArray

__all__ = [
    "adjugate",
    "det",
    "det_any",
    "det_congruence",
    "det_curve",
    "det_curve_rate",
    "det_power",
    "det_product",
    "det_row_combination",
    "grad_det",
    "grad_det_any",
    "grad_det_congruence",
    "grad_det_congruence_square",
    "grad_det_congruence_symmetric",
    "grad_det_power",
    "grad_det_product",
    "grad_det_row_combination",
    "grad_log_abs_det",
    "grad_log_det_gram",
    "grad_log_det_gram_of_pinv",
    "jac_det_curve",
    "jac_det_curve_rate",
    "log_abs_det",
    "log_det_gram",
    "log_det_gram_of_pinv",
    "vjp_det",
    "vjp_det_any",
    "vjp_det_congruence",
    "vjp_det_congruence_square",
    "vjp_det_congruence_symmetric",
    "vjp_det_curve",
    "vjp_det_curve_rate",
    "vjp_det_power",
    "vjp_det_product",
    "vjp_det_row_combination",
    "vjp_log_abs_det",
    "vjp_log_det_gram",
    "vjp_log_det_gram_of_pinv",
]


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


def adjugate(X: ArrayLike) -> FloatArray:
    """adj(X), the transposed matrix of cofactors of a square matrix, singular or not.

    With the singular value decomposition X = U diag(s) Vᵀ, adj(X) = det(U) det(V) V diag(ŝ) Uᵀ
    where ŝ_i is the product of all singular values but s_i (products, no division, so a
    zero singular value is fine). It satisfies X adj(X) = adj(X) X = det(X) I, and equals
    det(X) X⁻¹ when X is invertible.

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        adj(X), shape `(n, n)`.

    Examples:
        >>> from mcref.cookbook.determinants import adjugate
        >>> print(adjugate([[1.0, 2.0], [3.0, 4.0]]).round(12))
        [[ 4. -2.]
         [-3.  1.]]
        >>> print(adjugate([[1.0, 2.0], [2.0, 4.0]]).round(12) + 0.0)  # singular: still defined
        [[ 4. -2.]
         [-2.  1.]]
    """
    X = _square("X", X)
    with np.errstate(all="ignore"):
        U, s, Vt = np.linalg.svd(X)
        # the product of the singular values before i times the product of those after i
        before = np.concatenate([[1.0], np.cumprod(s[:-1])])
        after = np.concatenate([np.cumprod(s[::-1][:-1])[::-1], [1.0]])
        sign = np.linalg.det(U) * np.linalg.det(Vt)
        adj = sign * (Vt.T * (before * after)) @ U.T
    return np.asarray(validate.finite_result("adj(X)", adj), dtype=np.float64)


# ----- (46) and (48): a determinant along a curve Y(x) -----


def _curve_point(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Y(x), Y'(x), Y''(x) of the curve Y(x) = Y₀ + x Y₁ + x² Y₂ of invertible square matrices."""
    validate.scalar("x", x)
    P = _square("Y0", Y0)
    V = validate.matrix("Y1", Y1)
    A = validate.matrix("Y2", Y2)
    if V.shape != P.shape or A.shape != P.shape:
        raise ValueError(
            f"Y0, Y1 and Y2 must have one shape (a curve of matrices), got {P.shape}, {V.shape} and {A.shape}"
        )
    with np.errstate(all="ignore"):
        Y, dY, ddY = curve(x, P, V, A)
    validate.finite_result("Y(x)", Y)
    validate.finite_result("Y'(x)", dY)
    if not conditioned(Y, 1e12):
        raise ValueError(f"Y(x) must be invertible, got a singular (or nearly singular) matrix at x = {x}")
    return Y, dY, ddY


_Y_CURVE = {"x": T, **matrix_curve_args("Y", ("n", "n"))}


def _on_invertible_curve(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> bool:
    return conditioned(curve(x, Y0, Y1, Y2)[0])


def det_curve(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> np.float64:
    """det Y(x) for the curve Y(x) = Y₀ + x Y₁ + x² Y₂ of invertible square matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import det_curve
        >>> print(round(det_curve(1.0, np.eye(2), np.eye(2), np.zeros((2, 2))), 12))
        4.0
    """
    Y, _, _ = _curve_point(x, Y0, Y1, Y2)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("det Y(x)", np.linalg.det(Y)))


def det_curve_rate(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> np.float64:
    """d det Y(x) / dx = det(Y) Tr(Y⁻¹ Y'), the verified first derivative (46), as a number.

    The forward function of (48): its derivative in x is the second derivative of det Y(x).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import det_curve_rate
        >>> print(round(det_curve_rate(0.0, np.diag([2.0, 3.0]), np.eye(2), np.zeros((2, 2))), 12))
        5.0
    """
    Y, dY, _ = _curve_point(x, Y0, Y1, Y2)
    with np.errstate(all="ignore"):
        rate = np.linalg.det(Y) * np.trace(np.linalg.solve(Y, dY))
    return np.float64(validate.finite_result("d det Y(x)/dx", rate))


_MC46 = along_curve(
    "MC46",
    title="Derivative of a determinant along a curve",
    forward=det_curve,
    rate=det_curve_rate,
    latex=(
        r"\frac{\partial \det(Y)}{\partial x}"
        r" = \det(Y)\operatorname{Tr}\!\Big[Y^{-1}\frac{\partial Y}{\partial x}\Big]"
    ),
    vjp_latex=r"\mathbf{v}^T J = v\,\det(Y)\operatorname{Tr}\!\big[Y^{-1} Y'(x)\big]",
    value_shape=(),
    args=_Y_CURVE,
    wrt="x",
    section="2.1",
    conditions=(
        r"$Y(x)$ square, invertible and differentiable in the number $x$. Checked along "
        r"$Y(x) = Y_0 + xY_1 + x^2Y_2$ through random matrices."
    ),
    domain=_on_invertible_curve,
    keywords=("derivative of a determinant with respect to a scalar", "determinant of a matrix function"),
    printed=(
        r"\frac{\partial\det(\mathbf{Y})}{\partial x} = \det(\mathbf{Y})"
        r"\operatorname{Tr}\left[\mathbf{Y}^{-1}\frac{\partial\mathbf{Y}}{\partial x}\right]"
    ),
)


@_MC46.jacobian
def jac_det_curve(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    """MC46: d det Y(x) / dx = det(Y) Tr(Y⁻¹ Y'(x)), as a 1 by 1 matrix.

    Jacobi's formula, ∂ det Y = det(Y) Tr(Y⁻¹ ∂Y) (the book's (42)), with ∂Y = Y'(x) dx.

    Args:
        x: The curve parameter.
        Y0: The point at x = 0, shape `(n, n)`.
        Y1: The velocity at x = 0, shape `(n, n)`.
        Y2: Half the acceleration, shape `(n, n)`.

    Returns:
        det(Y) Tr(Y⁻¹ Y'), shape `(1, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import jac_det_curve
        >>> print(jac_det_curve(0.0, np.diag([2.0, 3.0]), np.eye(2), np.zeros((2, 2))).round(12))
        [[5.]]
    """


@_MC46.vjp
def vjp_det_curve(v: ArrayLike, x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    """MC46, backprop form: v det(Y) Tr(Y⁻¹ Y') for a number v.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import vjp_det_curve
        >>> print(vjp_det_curve(2.0, 0.0, np.diag([2.0, 3.0]), np.eye(2), np.zeros((2, 2))).round(12))
        10.0
    """


def _det_second_rate(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> float:
    Y, dY, ddY = _curve_point(x, Y0, Y1, Y2)
    A = np.linalg.solve(Y, dY)  # Y⁻¹ Y'
    return float(np.linalg.det(Y) * (np.trace(np.linalg.solve(Y, ddY)) + np.trace(A) ** 2 - np.trace(A @ A)))


_MC48 = along_curve(
    "MC48",
    title="Second derivative of a determinant along a curve",
    forward=det_curve_rate,
    rate=_det_second_rate,
    latex=(
        r"\frac{\partial^2 \det(Y)}{\partial x^2} = \det(Y)\Big[\operatorname{Tr}\!\big(Y^{-1} Y''\big)"
        r" + \operatorname{Tr}\!\big(Y^{-1} Y'\big)^2 - \operatorname{Tr}\!\big(Y^{-1} Y' Y^{-1} Y'\big)\Big]"
    ),
    vjp_latex=r"\mathbf{v}^T J = v\,\frac{\partial^2 \det(Y)}{\partial x^2}",
    value_shape=(),
    args=_Y_CURVE,
    wrt="x",
    section="2.1",
    conditions=(
        r"$Y(x)$ square, invertible and twice differentiable; $Y' = \partial Y/\partial x$ and "
        r"$Y'' = \partial^2 Y/\partial x^2$. Checked as the derivative in $x$ of the verified first derivative (46), "
        r"along $Y(x) = Y_0 + xY_1 + x^2Y_2$, whose $Y'' = 2Y_2$ is not zero."
    ),
    domain=_on_invertible_curve,
    keywords=("second derivative of a determinant", "curvature of det"),
    printed=(
        # the book's one line, broken in four (aligned) so that it fits a phone's width
        r"\begin{aligned} &\frac{\partial^2\det(\mathbf{Y})}{\partial x^2} = \det(\mathbf{Y})\Big["
        r" \\ &\quad \operatorname{Tr}\left[\mathbf{Y}^{-1}"
        r"\frac{\partial\frac{\partial\mathbf{Y}}{\partial x}}{\partial x}\right]"
        r" \\ &\quad + \operatorname{Tr}\left[\mathbf{Y}^{-1}\frac{\partial\mathbf{Y}}{\partial x}\right]"
        r"\operatorname{Tr}\left[\mathbf{Y}^{-1}\frac{\partial\mathbf{Y}}{\partial x}\right]"
        r" \\ &\quad - \operatorname{Tr}\left[\left(\mathbf{Y}^{-1}\frac{\partial\mathbf{Y}}{\partial x}\right)"
        r"\left(\mathbf{Y}^{-1}\frac{\partial\mathbf{Y}}{\partial x}\right)\right]\Big] \end{aligned}"
    ),
)


@_MC48.jacobian
def jac_det_curve_rate(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    """MC48: d² det Y(x) / dx², as a 1 by 1 matrix.

    Differentiate (46), det(Y) Tr(Y⁻¹Y'), by the product rule: the factor det Y gives
    det(Y) Tr(Y⁻¹Y') again (so its square), and the trace gives Tr(Y⁻¹Y'') plus
    Tr((Y⁻¹)' Y') with (Y⁻¹)' = −Y⁻¹ Y' Y⁻¹ (the book's (40)).

    Args:
        x: The curve parameter.
        Y0: The point at x = 0, shape `(n, n)`.
        Y1: The velocity at x = 0, shape `(n, n)`.
        Y2: Half the acceleration, shape `(n, n)`.

    Returns:
        det(Y) [Tr(Y⁻¹Y'') + Tr(Y⁻¹Y')² − Tr(Y⁻¹Y'Y⁻¹Y')], shape `(1, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import jac_det_curve_rate
        >>> print(jac_det_curve_rate(0.0, np.eye(2), np.eye(2), np.zeros((2, 2))).round(12))
        [[2.]]
    """


@_MC48.vjp
def vjp_det_curve_rate(v: ArrayLike, x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    """MC48, backprop form: v times the second derivative, for a number v.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import vjp_det_curve_rate
        >>> print(vjp_det_curve_rate(3.0, 0.0, np.eye(2), np.eye(2), np.zeros((2, 2))).round(12))
        6.0
    """


# ----- (47) and (50): the cofactor identity -----


def det_row_combination(S: ArrayLike, X: ArrayLike) -> np.float64:
    """det((I + S) X): the determinant after adding S_ij times row j of X to each row i.

    At S = 0 its gradient in S is the left side of the Cookbook's (47),
    Σ_k ∂det X/∂X_ik X_jk (the chain rule: ∂((I + S)X)_ik/∂S_ij = X_jk).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import det_row_combination
        >>> print(round(det_row_combination(np.zeros((2, 2)), [[2.0, 1.0], [1.0, 3.0]]), 12))
        5.0
    """
    S = _square("S", S)
    X = _square("X", X)
    if S.shape != X.shape:
        raise ValueError(f"S and X must have one shape (n, n), got S {S.shape} and X {X.shape}")
    with np.errstate(all="ignore"):
        value = np.linalg.det((np.eye(len(S)) + S) @ X)
    return np.float64(validate.finite_result("det((I + S) X)", value))


def _row_combination_gradient(S: FloatArray, X: FloatArray) -> FloatArray:
    A = np.eye(len(S)) + S
    return np.linalg.det(A @ X) * np.linalg.inv(A).T


_MC47 = reduction(
    "MC47",
    title="Cofactor identity: partials of the determinant against a row",
    forward=det_row_combination,
    wrt="S",
    gradient=_row_combination_gradient,
    latex=(
        r"\sum_k \frac{\partial \det X}{\partial X_{ik}} X_{jk} = \delta_{ij}\det X"
        r" = \frac{\partial \det((I + S)X)}{\partial S_{ij}}\Big|_{S = 0}"
    ),
    latex_denominator=(
        r"\frac{\partial \det X}{\partial X}\, X^T = \det(X)\, I"
        r" = \frac{\partial \det((I + S)X)}{\partial S}\Big|_{S = 0}"
    ),
    vjp_latex=r"\frac{\partial L}{\partial S} = v\,\det((I + S)X)\,(I + S)^{-T}",
    args={
        "S": Arg(shape=("n", "n"), low=-0.1, high=0.1),
        "X": Arg(shape=("n", "n"), low=-1.0, high=1.0, max_condition=1e3),
    },
    section="2.1",
    conditions=(
        r"$X$ square. The sum over $k$ is the rate of change of $\det X$ when $s$ times row $j$ is added to "
        r"row $i$, which is the derivative in $S_{ij}$ of $\det((I + S)X)$ at $S = 0$: the rule checks that "
        r"function's gradient, $\det((I + S)X)(I + S)^{-T}$, for small $S$, and at $S = 0$ it is the book's "
        r"$\delta_{ij}\det X$ (built from (49): $\det(X)X^{-T}X^T = \det(X)I$). For $i = j$ it is the expansion "
        r"of $\det X$ along row $i$; for $i \ne j$ an expansion with a repeated row, which is 0."
    ),
    domain=lambda S, X: conditioned(np.eye(len(np.asarray(S))) + np.asarray(S)),
    keywords=("cofactor expansion", "alien cofactors", "determinant row operation", "Laplace expansion"),
    printed=r"\sum_k\frac{\partial\det(\mathbf{X})}{\partial X_{ik}}X_{jk} = \delta_{ij}\det(\mathbf{X})",
)


@_MC47.jacobian
def grad_det_row_combination(S: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC47: ∂ det((I + S)X) / ∂S = det((I + S)X) (I + S)⁻ᵀ, flattened row by row; det(X) I at S = 0.

    By the chain rule and (49), the gradient is G(Y) Xᵀ with Y = (I + S)X and G(Y) = det(Y) Y⁻ᵀ,
    that is det(Y) (I + S)⁻ᵀ X⁻ᵀ Xᵀ = det(Y) (I + S)⁻ᵀ. At S = 0 its entry (i, j) is the
    book's Σ_k ∂det X/∂X_ik X_jk, and the value is δ_ij det X.

    Args:
        S: The weights of the row operations, shape `(n, n)`, with I + S invertible.
        X: A square matrix, shape `(n, n)`.

    Returns:
        det((I + S)X) (I + S)⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import grad_det_row_combination
        >>> print(grad_det_row_combination(np.zeros((2, 2)), [[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[5. 0. 0. 5.]]
    """


@_MC47.vjp
def vjp_det_row_combination(v: float, S: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC47, backprop form: v det((I + S)X) (I + S)⁻ᵀ, shaped like S.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import vjp_det_row_combination
        >>> print(vjp_det_row_combination(2.0, np.zeros((2, 2)), [[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[10.  0.]
         [ 0. 10.]]
    """


def det_any(X: ArrayLike) -> np.float64:
    """det X of any square matrix, singular or not (the forward function of (50)).

    Examples:
        >>> from mcref.cookbook.determinants import det_any
        >>> print(round(det_any([[1.0, 2.0], [2.0, 4.0]]), 12) + 0.0)
        0.0
    """
    return det(X)


_MC50 = reduction(
    "MC50",
    title="Gradient of the determinant by cofactors",
    forward=det_any,
    wrt="X",
    gradient=lambda X: adjugate(X).T,
    latex=(
        r"\frac{\partial \det X}{\partial X} = \operatorname{adj}(X), \quad"
        r" \operatorname{adj}(X)^T X^T = \det(X)\, I"
    ),
    latex_denominator=(
        r"\frac{\partial \det X}{\partial X} = \operatorname{adj}(X)^T, \quad"
        r" \sum_k \frac{\partial \det X}{\partial X_{ik}} X_{jk} = \delta_{ij}\det X"
    ),
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,\operatorname{adj}(X)^T",
    args={"X": Arg(shape=("n", "n"), low=-1.0, high=1.0)},
    section="2.1",
    conditions=(
        r"$X$ square, singular or not. The book repeats (47) here; read as a matrix identity it says the "
        r"gradient $C = \partial\det X/\partial X$ satisfies $CX^T = \det(X)I$. The rule checks "
        r"$C = \operatorname{adj}(X)^T$, the matrix of cofactors, for every square $X$; then "
        r"$CX^T = (X\operatorname{adj}(X))^T = \det(X)I$ is the defining property of the adjugate."
    ),
    keywords=("cofactor matrix", "adjugate", "gradient of a singular determinant"),
    printed=r"\sum_k\frac{\partial\det(\mathbf{X})}{\partial X_{ik}}X_{jk} = \delta_{ij}\det(\mathbf{X})",
)


@_MC50.jacobian
def grad_det_any(X: ArrayLike) -> FloatArray:
    """MC50: ∂ det X / ∂X = adj(X)ᵀ, the cofactor matrix, flattened row by row into a (1, n²) row.

    Expanding along row i, det X = Σ_k X_ik C_ik where no cofactor C_ik involves row i, so
    ∂ det X/∂X_ik = C_ik, and Σ_k C_ik X_jk is an expansion of det X (i = j) or of a
    matrix with two equal rows (i ≠ j, so 0): the book's δ_ij det X.

    Args:
        X: A square matrix, shape `(n, n)`, singular or not.

    Returns:
        adj(X)ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import grad_det_any
        >>> X = np.array([[1.0, 2.0], [2.0, 4.0]])  # singular: det X = 0
        >>> C = grad_det_any(X).reshape(2, 2)
        >>> print(C.round(12) + 0.0)
        [[ 4. -2.]
         [-2.  1.]]
        >>> print((C @ X.T).round(12) + 0.0)  # δ_ij det X, with det X = 0
        [[0. 0.]
         [0. 0.]]
    """


@_MC50.vjp
def vjp_det_any(v: float, X: ArrayLike) -> FloatArray:
    """MC50, backprop form: v adj(X)ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_det_any
        >>> print(vjp_det_any(2.0, [[1.0, 2.0], [3.0, 4.0]]).round(12))
        [[ 8. -6.]
         [-4.  2.]]
    """


# ----- (52) to (54): det(XᵀAX) -----


def det_congruence(X: ArrayLike, A: ArrayLike) -> np.float64:
    """det(XᵀAX) for X of shape (n, k) and A of shape (n, n).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import det_congruence
        >>> print(round(det_congruence([[1.0], [1.0]], [[2.0, 0.0], [0.0, 3.0]]), 12))
        5.0
    """
    X = validate.matrix("X", X)
    A = _square("A", A)
    if A.shape[0] != X.shape[0]:
        raise ValueError(f"det(X^T A X) needs X (n, k) and A (n, n), got X {X.shape} and A {A.shape}")
    with np.errstate(all="ignore"):
        value = np.linalg.det(X.T @ A @ X)
    return np.float64(validate.finite_result("det(X^T A X)", value))


def _congruence_invertible(X: ArrayLike, A: ArrayLike) -> bool:
    X = np.asarray(X, dtype=np.float64)
    return conditioned(X.T @ np.asarray(A, dtype=np.float64) @ X)


_MC52 = reduction(
    "MC52",
    title="Gradient of det(XᵀAX) for square X",
    forward=det_congruence,
    wrt="X",
    gradient=lambda X, A: 2 * np.linalg.det(X.T @ A @ X) * np.linalg.inv(X).T,
    latex=r"\frac{\partial \det(X^TAX)}{\partial X} = 2\det(X^TAX)\, X^{-1}",
    latex_denominator=r"\frac{\partial \det(X^TAX)}{\partial X} = 2\det(X^TAX)\, X^{-T}",
    vjp_latex=r"\frac{\partial L}{\partial X} = 2v\det(X^TAX)\, X^{-T}",
    args={
        "X": Arg(shape=("n", "n"), low=-1.0, high=1.0, max_condition=1e2),
        "A": Arg(shape=("n", "n"), low=-1.0, high=1.0),
    },
    section="2.1",
    conditions=(
        r"$X$ square and invertible, $A$ any square matrix of the same size (singular or not: "
        r"$\det(X^TAX) = \det(A)\det(X)^2$, so $A$ only scales the determinant of $X$ squared)."
    ),
    keywords=("derivative of det(X^T A X)", "congruence determinant, square X"),
    printed=(
        r"\frac{\partial\det(\mathbf{X}^T\mathbf{A}\mathbf{X})}{\partial\mathbf{X}}"
        r" = 2\det(\mathbf{X}^T\mathbf{A}\mathbf{X})\mathbf{X}^{-T}"
    ),
)


@_MC52.jacobian
def grad_det_congruence_square(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC52: ∂ det(XᵀAX) / ∂X = 2 det(XᵀAX) X⁻ᵀ for square invertible X, flattened row by row.

    For square X, det(XᵀAX) = det(A) det(X)², and the gradient of det(X)² is
    2 det(X) · det(X) X⁻ᵀ by (49).

    Args:
        X: A square invertible matrix, shape `(n, n)`.
        A: A square matrix, shape `(n, n)`.

    Returns:
        2 det(XᵀAX) X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import grad_det_congruence_square
        >>> print(grad_det_congruence_square(2 * np.eye(2), np.eye(2)).round(12))
        [[16.  0.  0. 16.]]
    """


@_MC52.vjp
def vjp_det_congruence_square(v: float, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC52, backprop form: 2 v det(XᵀAX) X⁻ᵀ, shaped like X.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import vjp_det_congruence_square
        >>> print(vjp_det_congruence_square(0.5, 2 * np.eye(2), np.eye(2)).round(12))
        [[8. 0.]
         [0. 8.]]
    """


def _congruence_gradient(X: FloatArray, A: FloatArray) -> FloatArray:
    M = X.T @ A @ X
    return np.linalg.det(M) * (A @ X @ np.linalg.inv(M) + A.T @ X @ np.linalg.inv(M).T)


_TALL = {
    "X": Arg(shape=("k+p", "k"), low=-1.0, high=1.0, max_condition=30.0),
}

_MC53 = reduction(
    "MC53",
    title="Gradient of det(XᵀAX) for tall X and symmetric A",
    forward=det_congruence,
    wrt="X",
    gradient=lambda X, A: 2 * np.linalg.det(X.T @ A @ X) * A @ X @ np.linalg.inv(X.T @ A @ X),
    latex=r"\frac{\partial \det(X^TAX)}{\partial X} = 2\det(X^TAX)\,(X^TAX)^{-1}X^TA",
    latex_denominator=r"\frac{\partial \det(X^TAX)}{\partial X} = 2\det(X^TAX)\,AX(X^TAX)^{-1}",
    vjp_latex=r"\frac{\partial L}{\partial X} = 2v\det(X^TAX)\,AX(X^TAX)^{-1}",
    args={**_TALL, "A": Arg(shape=("k+p", "k+p"), low=-1.0, high=1.0, symmetric=True)},
    section="2.1",
    conditions=(
        r"$X$ is $n \times k$ with $k < n$ (drawn as $(k + p) \times k$), $A$ is $n \times n$ and symmetric, "
        r"and $X^TAX$ is invertible. The symmetry of $A$ is needed: for a non-symmetric $A$ the formula fails "
        r"(a test shows it) and (54) holds instead."
    ),
    domain=_congruence_invertible,
    keywords=("derivative of det(X^T A X) symmetric", "congruence determinant, symmetric A", "projected determinant"),
    printed=(
        r"\frac{\partial\det(\mathbf{X}^T\mathbf{A}\mathbf{X})}{\partial\mathbf{X}}"
        r" = 2\det(\mathbf{X}^T\mathbf{A}\mathbf{X})\mathbf{A}\mathbf{X}(\mathbf{X}^T\mathbf{A}\mathbf{X})^{-1}"
    ),
)


@_MC53.jacobian
def grad_det_congruence_symmetric(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC53: ∂ det(XᵀAX) / ∂X = 2 det(XᵀAX) AX(XᵀAX)⁻¹ for symmetric A, flattened row by row.

    The general gradient (54) has two terms, AXM⁻¹ and AᵀXM⁻ᵀ with M = XᵀAX; for a
    symmetric A, M is symmetric too and the two terms are equal.

    Args:
        X: Shape `(n, k)` with k < n.
        A: A symmetric matrix, shape `(n, n)`, with XᵀAX invertible.

    Returns:
        2 det(XᵀAX) AX(XᵀAX)⁻¹ flattened, shape `(1, n*k)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.determinants import grad_det_congruence_symmetric
        >>> print(grad_det_congruence_symmetric([[1.0], [0.0]], [[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[4. 2.]]
    """


@_MC53.vjp
def vjp_det_congruence_symmetric(v: float, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC53, backprop form: 2 v det(XᵀAX) AX(XᵀAX)⁻¹, shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_det_congruence_symmetric
        >>> print(vjp_det_congruence_symmetric(1.0, [[1.0], [0.0]], [[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[4.]
         [2.]]
    """


_MC54 = reduction(
    "MC54",
    title="Gradient of det(XᵀAX) for tall X and any A",
    forward=det_congruence,
    wrt="X",
    gradient=_congruence_gradient,
    latex=(
        r"\frac{\partial \det(X^TAX)}{\partial X} = \det(X^TAX)\big((X^TAX)^{-T}X^TA^T"
        r" + (X^TAX)^{-1}X^TA\big)"
    ),
    latex_denominator=(
        r"\frac{\partial \det(X^TAX)}{\partial X} = \det(X^TAX)\big(AX(X^TAX)^{-1}"
        r" + A^TX(X^TA^TX)^{-1}\big)"
    ),
    vjp_latex=r"\frac{\partial L}{\partial X} = v\det(X^TAX)\big(AX(X^TAX)^{-1} + A^TX(X^TA^TX)^{-1}\big)",
    args={**_TALL, "A": Arg(shape=("k+p", "k+p"), low=-1.0, high=1.0)},
    section="2.1",
    conditions=(
        r"$X$ is $n \times k$ (drawn with $k < n$; square $X$ works too), $A$ any $n \times n$ matrix, and "
        r"$X^TAX$ invertible; note $X^TA^TX = (X^TAX)^T$."
    ),
    domain=_congruence_invertible,
    keywords=("derivative of det(X^T A X) general", "congruence determinant, nonsymmetric A"),
    printed=(
        # the book's one line, broken in three (aligned) so that it fits a phone's width
        r"\begin{aligned} &\frac{\partial\det(\mathbf{X}^T\mathbf{A}\mathbf{X})}{\partial\mathbf{X}}"
        r" = \det(\mathbf{X}^T\mathbf{A}\mathbf{X})\Big("
        r" \\ &\quad \mathbf{A}\mathbf{X}(\mathbf{X}^T\mathbf{A}\mathbf{X})^{-1}"
        r" \\ &\quad + \mathbf{A}^T\mathbf{X}(\mathbf{X}^T\mathbf{A}^T\mathbf{X})^{-1}\Big) \end{aligned}"
    ),
)


@_MC54.jacobian
def grad_det_congruence(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC54: ∂ det(XᵀAX) / ∂X = det(M) (AXM⁻¹ + AᵀXM⁻ᵀ) with M = XᵀAX, flattened row by row.

    Jacobi's formula: d det M = det(M) Tr(M⁻¹ dM) with dM = dXᵀ AX + XᵀA dX. The first trace
    Tr(M⁻¹ dXᵀ AX) = Tr(AXM⁻¹ dXᵀ) pairs dX with AᵀXM⁻ᵀ, the second pairs it with AXM⁻¹.

    Args:
        X: Shape `(n, k)`.
        A: Shape `(n, n)`, with XᵀAX invertible.

    Returns:
        det(M) (AXM⁻¹ + AᵀXM⁻ᵀ) flattened, shape `(1, n*k)`.

    Examples:
        >>> from mcref.cookbook.determinants import grad_det_congruence
        >>> print(grad_det_congruence([[1.0], [0.0]], [[2.0, 1.0], [0.0, 3.0]]).round(12))
        [[4. 1.]]
    """


@_MC54.vjp
def vjp_det_congruence(v: float, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC54, backprop form: v det(M) (AXM⁻¹ + AᵀXM⁻ᵀ), shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_det_congruence
        >>> print(vjp_det_congruence(1.0, [[1.0], [0.0]], [[2.0, 1.0], [0.0, 3.0]]).round(12))
        [[4.]
         [1.]]
    """


# ----- (55) and (56): ln det(XᵀX) -----


def log_det_gram(X: ArrayLike) -> np.float64:
    """ln det(XᵀX) for X of shape (n, k) with full column rank.

    Examples:
        >>> from mcref.cookbook.determinants import log_det_gram
        >>> print(round(log_det_gram([[1.0], [1.0]]), 12))
        0.69314718056
    """
    X = validate.matrix("X", X)
    with np.errstate(all="ignore"):
        G = X.T @ X
        _, logdet = np.linalg.slogdet(G)
    validate.finite_result("X^T X", G)
    if X.shape[1] > X.shape[0] or np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError(f"X must have full column rank (X^T X invertible), got a rank-deficient X of shape {X.shape}")
    return np.float64(validate.finite_result("ln det(X^T X)", logdet))


_MC55 = reduction(
    "MC55",
    title="Gradient of ln det(XᵀX)",
    forward=log_det_gram,
    wrt="X",
    gradient=lambda X: 2 * np.linalg.pinv(X).T,
    latex=r"\frac{\partial \ln\det(X^TX)}{\partial X} = 2X^+",
    latex_denominator=r"\frac{\partial \ln\det(X^TX)}{\partial X} = 2(X^+)^T",
    vjp_latex=r"\frac{\partial L}{\partial X} = 2v\,(X^+)^T",
    args=_TALL,
    section="2.1",
    conditions=(
        r"$X$ is $n \times k$ with full column rank $k$ (drawn tall, $(k + p) \times k$), so that "
        r"$X^+ = (X^TX)^{-1}X^T$."
    ),
    keywords=("derivative of log det of the Gram matrix", "pseudo-inverse", "ln det(X^T X)"),
    printed=r"\frac{\partial\ln\det(\mathbf{X}^T\mathbf{X})}{\partial\mathbf{X}} = 2(\mathbf{X}^+)^T",
)


@_MC55.jacobian
def grad_log_det_gram(X: ArrayLike) -> FloatArray:
    """MC55: ∂ ln det(XᵀX) / ∂X = 2(X⁺)ᵀ, flattened row by row into a (1, nk) row.

    With G = XᵀX, d ln det G = Tr(G⁻¹ dG) = Tr(G⁻¹(dXᵀX + XᵀdX)) = 2 Tr(G⁻¹XᵀdX), which pairs
    dX with 2XG⁻¹ = 2(X⁺)ᵀ.

    Args:
        X: Shape `(n, k)`, full column rank.

    Returns:
        2(X⁺)ᵀ flattened, shape `(1, n*k)`.

    Examples:
        >>> from mcref.cookbook.determinants import grad_log_det_gram
        >>> print(grad_log_det_gram([[1.0], [1.0]]).round(12))
        [[1. 1.]]
    """


@_MC55.vjp
def vjp_log_det_gram(v: float, X: ArrayLike) -> FloatArray:
    """MC55, backprop form: 2v(X⁺)ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_log_det_gram
        >>> print(vjp_log_det_gram(3.0, [[1.0], [1.0]]).round(12))
        [[3.]
         [3.]]
    """


def log_det_gram_of_pinv(P: ArrayLike) -> np.float64:
    """ln det(XᵀX) as a function of P = X⁺: X = P⁺ for P of shape (k, n) with full row rank.

    The pseudo-inverse is its own inverse on matrices of full rank, so P ranges over the
    k by n matrices of rank k and X = P⁺ over the n by k matrices of rank k.

    Examples:
        >>> from mcref.cookbook.determinants import log_det_gram_of_pinv
        >>> print(round(log_det_gram_of_pinv([[0.5, 0.5]]), 12))  # X = [1, 1]^T
        0.69314718056
    """
    P = validate.matrix("P", P)
    with np.errstate(all="ignore"):
        G = P @ P.T
    validate.finite_result("P P^T", G)
    if P.shape[0] > P.shape[1] or np.linalg.matrix_rank(P) < P.shape[0]:
        raise ValueError(
            f"P = X^+ must have full row rank (P P^T invertible), got a rank-deficient P of shape {P.shape}"
        )
    return log_det_gram(np.linalg.pinv(P))


_MC56 = reduction(
    "MC56",
    title="Gradient of ln det(XᵀX) with respect to the pseudo-inverse",
    forward=log_det_gram_of_pinv,
    wrt="P",
    gradient=lambda P: -2 * np.linalg.pinv(P).T,
    latex=r"\frac{\partial \ln\det(X^TX)}{\partial X^+} = -2X, \quad X = (X^+)^+",
    latex_denominator=r"\frac{\partial \ln\det(X^TX)}{\partial X^+} = -2X^T, \quad X = (X^+)^+",
    vjp_latex=r"\frac{\partial L}{\partial X^+} = -2v\,X^T",
    args={"P": Arg(shape=("k", "k+p"), low=-1.0, high=1.0, max_condition=30.0)},
    section="2.1",
    conditions=(
        r"The variable is $P = X^+$, a $k \times n$ matrix of full row rank $k < n$, and $X = P^+$ (the "
        r"pseudo-inverse maps the full-rank matrices of one shape one to one onto those of the transposed "
        r"shape, so $X$ is a function of $P$). Then $X^TX = (PP^T)^{-1}$ and $\ln\det(X^TX) = -\ln\det(PP^T)$, "
        r"whose gradient $-2(PP^T)^{-1}P = -2(P^+)^T$ is the book's $-2X^T$."
    ),
    keywords=("derivative with respect to the pseudo-inverse", "ln det(X^T X) by X^+"),
    printed=r"\frac{\partial\ln\det(\mathbf{X}^T\mathbf{X})}{\partial\mathbf{X}^+} = -2\mathbf{X}^T",
)


@_MC56.jacobian
def grad_log_det_gram_of_pinv(P: ArrayLike) -> FloatArray:
    """MC56: ∂ ln det(XᵀX) / ∂X⁺ = −2Xᵀ with X = P⁺, flattened row by row into a (1, kn) row.

    For P of full row rank, X = P⁺ = Pᵀ(PPᵀ)⁻¹ and XᵀX = (PPᵀ)⁻¹PPᵀ(PPᵀ)⁻¹ = (PPᵀ)⁻¹, so
    the function is −ln det(PPᵀ), with gradient −2(PPᵀ)⁻¹P = −2Xᵀ by (55) applied to Pᵀ.

    Args:
        P: The pseudo-inverse X⁺, shape `(k, n)`, full row rank.

    Returns:
        −2Xᵀ = −2(P⁺)ᵀ flattened, shape `(1, k*n)`.

    Examples:
        >>> from mcref.cookbook.determinants import grad_log_det_gram_of_pinv
        >>> print(grad_log_det_gram_of_pinv([[0.5, 0.5]]).round(12))
        [[-2. -2.]]
    """


@_MC56.vjp
def vjp_log_det_gram_of_pinv(v: float, P: ArrayLike) -> FloatArray:
    """MC56, backprop form: −2vXᵀ with X = P⁺, shaped like P.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_log_det_gram_of_pinv
        >>> print(vjp_log_det_gram_of_pinv(0.5, [[0.5, 0.5]]).round(12))
        [[-1. -1.]]
    """


# ----- (57) and (58) -----


def log_abs_det(X: ArrayLike) -> np.float64:
    """ln |det X| of an invertible square matrix, either sign of det X.

    Examples:
        >>> from mcref.cookbook.determinants import log_abs_det
        >>> print(round(log_abs_det([[0.0, 2.0], [1.0, 0.0]]), 12))  # det X = -2
        0.69314718056
    """
    X = _square("X", X)
    with np.errstate(all="ignore"):
        sign, logdet = np.linalg.slogdet(X)
    if sign == 0 or not np.isfinite(logdet):
        raise ValueError("X must be invertible (ln |det X| of a singular matrix is -inf), got det X = 0")
    return np.float64(logdet)


_MC57 = reduction(
    "MC57",
    title="Gradient of ln |det X|",
    forward=log_abs_det,
    wrt="X",
    gradient=lambda X: np.linalg.inv(X).T,
    latex=r"\frac{\partial \ln\lvert\det X\rvert}{\partial X} = X^{-1}",
    latex_denominator=r"\frac{\partial \ln\lvert\det X\rvert}{\partial X} = X^{-T}",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,X^{-T}",
    args={"X": Arg(shape=("n", "n"), low=-1.0, high=1.0, max_condition=1e3)},
    section="2.1",
    conditions=(
        r"$X$ square and invertible, with $\det X$ of either sign: the absolute value makes the log defined, and "
        r"$\ln\lvert\det X\rvert$ has the same derivative as $\ln\det X$ where both exist. The book's two forms "
        r"$(X^{-1})^T$ and $(X^T)^{-1}$ are one matrix."
    ),
    keywords=("derivative of log abs det", "log determinant gradient", "inverse transpose"),
    printed=(r"\frac{\partial\ln|\det(\mathbf{X})|}{\partial\mathbf{X}} = (\mathbf{X}^{-1})^T = (\mathbf{X}^T)^{-1}"),
)


@_MC57.jacobian
def grad_log_abs_det(X: ArrayLike) -> FloatArray:
    """MC57: ∂ ln |det X| / ∂X = X⁻ᵀ, flattened row by row into a (1, n²) row.

    Divide (49), det(X) X⁻ᵀ, by det X: the chain rule for ln |u| has 1/u for either sign of u.

    Args:
        X: A square invertible matrix, shape `(n, n)`.

    Returns:
        X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.determinants import grad_log_abs_det
        >>> print(grad_log_abs_det([[0.0, 2.0], [1.0, 0.0]]).round(12))
        [[0.  0.5 1.  0. ]]
    """


@_MC57.vjp
def vjp_log_abs_det(v: float, X: ArrayLike) -> FloatArray:
    """MC57, backprop form: v X⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_log_abs_det
        >>> print(vjp_log_abs_det(2.0, [[0.0, 2.0], [1.0, 0.0]]).round(12))
        [[0. 1.]
         [2. 0.]]
    """


def _exponent(k: Any) -> int:
    value = validate.scalar("k", k)
    if value != round(value):
        raise ValueError(f"k must be an integer (the power of X^k), got {value}")
    return int(value)


def det_power(X: ArrayLike, k: Any) -> np.float64:
    """det(Xᵏ) for a square invertible X and an integer k (negative k uses X⁻¹).

    Examples:
        >>> from mcref.cookbook.determinants import det_power
        >>> print(round(det_power([[2.0, 1.0], [1.0, 3.0]], -1), 12))
        0.2
    """
    X = _square("X", X)
    power = _exponent(k)
    if np.linalg.matrix_rank(X) < len(X):
        raise ValueError("X must be invertible (the rule's X^-T), got a singular (or nearly singular) matrix")
    with np.errstate(all="ignore"):
        value = np.linalg.det(np.linalg.matrix_power(X, power))
    return np.float64(validate.finite_result("det(X^k)", value))


_MC58 = reduction(
    "MC58",
    title="Gradient of det(Xᵏ)",
    forward=det_power,
    wrt="X",
    gradient=lambda X, k: int(k) * np.linalg.det(np.linalg.matrix_power(X, int(k))) * np.linalg.inv(X).T,
    latex=r"\frac{\partial \det(X^k)}{\partial X} = k\det(X^k)\, X^{-1}",
    latex_denominator=r"\frac{\partial \det(X^k)}{\partial X} = k\det(X^k)\, X^{-T}",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,k\det(X^k)\, X^{-T}",
    args={
        "X": Arg(shape=("n", "n"), low=-1.0, high=1.0, max_condition=1e2),
        "k": Arg(shape=(), low=-2, high=3, integer=True),
    },
    section="2.1",
    conditions=(
        r"$X$ square and invertible, $k$ any integer (checked for $k = -2, \dots, 3$, with $k = 0$ giving "
        r"$\det(I) = 1$ and a zero gradient). $\det(X^k) = (\det X)^k$, so the chain rule and (49) give it. "
        r"The check draws $X$ where $\lvert\det(X^k)\rvert \le 100$: a larger value "
        r"would drown the small entries of the gradient in the rounding of central differences."
    ),
    domain=lambda X, k: abs(np.linalg.det(np.asarray(X, dtype=np.float64))) ** int(k) <= 100.0,
    keywords=("derivative of determinant of matrix power", "det(X^k)"),
    printed=(r"\frac{\partial\det(\mathbf{X}^k)}{\partial\mathbf{X}} = k\det(\mathbf{X}^k)\mathbf{X}^{-T}"),
)


@_MC58.jacobian
def grad_det_power(X: ArrayLike, k: Any) -> FloatArray:
    """MC58: ∂ det(Xᵏ) / ∂X = k det(Xᵏ) X⁻ᵀ, flattened row by row into a (1, n²) row.

    det(Xᵏ) = (det X)ᵏ; its derivative is k (det X)ᵏ⁻¹ times the gradient det(X) X⁻ᵀ of (49).

    Args:
        X: A square invertible matrix, shape `(n, n)`.
        k: An integer.

    Returns:
        k det(Xᵏ) X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.determinants import grad_det_power
        >>> print(grad_det_power([[2.0, 0.0], [0.0, 1.0]], 2).round(12))
        [[4. 0. 0. 8.]]
    """


@_MC58.vjp
def vjp_det_power(v: float, X: ArrayLike, k: Any) -> FloatArray:
    """MC58, backprop form: v k det(Xᵏ) X⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.determinants import vjp_det_power
        >>> print(vjp_det_power(1.0, [[2.0, 0.0], [0.0, 1.0]], -1).round(12) + 0.0)
        [[-0.25  0.  ]
         [ 0.   -0.5 ]]
    """
