"""The Cookbook's section 2.3, derivatives of eigenvalues and eigenvectors: (65) to (68).

(65) and (66) differentiate the sum and the product of the eigenvalues of any
square matrix: they are the trace and the determinant, whatever the eigenvalues
(complex ones come in conjugate pairs for a real matrix). (67) and (68) are
differentials of one eigenvalue and its eigenvector of a symmetric matrix; they
are checked along a curve of symmetric matrices A(t) = A₀ + t A₁ + t² A₂, where
the eigenvalues are simple. An eigenvector is defined up to its sign, so the
functions here fix it: each unit eigenvector has its entry of largest magnitude
positive (the convention of scikit-learn's `svd_flip`). Where that entry is
clear of the others, the sign is constant near the point, and the eigenvector
is a smooth function of t.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.curves import T, curve
from mcref.cookbook.determinants import det
from mcref.cookbook.inverses import square
from mcref.core import validate
from mcref.core.registry import Arg, along_curve, reduction
from mcref.core.validate import FloatArray

__all__ = [
    "eigenvalue_product",
    "eigenvalue_sum",
    "eigenvectors_along",
    "grad_det_as_product",
    "grad_eigenvalue_product",
    "grad_eigenvalue_sum",
    "grad_trace_as_sum",
    "jac_eigenvalues_along",
    "jac_eigenvectors_along",
    "symmetric_eigenvalues_along",
    "trace",
    "unit_eigenvectors",
    "vjp_det_as_product",
    "vjp_eigenvalue_product",
    "vjp_eigenvalue_sum",
    "vjp_eigenvalues_along",
    "vjp_eigenvectors_along",
    "vjp_trace_as_sum",
]


# ----- (65) and (66): the sum and the product of the eigenvalues -----


def eigenvalue_sum(X: ArrayLike) -> np.float64:
    """Σ eig(X), the sum of the eigenvalues of a real square matrix (a real number).

    Examples:
        >>> from mcref.cookbook.eigenvalues import eigenvalue_sum
        >>> print(round(eigenvalue_sum([[0.0, -1.0], [1.0, 0.0]]), 12))  # eigenvalues i and -i
        0.0
    """
    X = square("X", X)
    with np.errstate(all="ignore"):
        values = np.linalg.eigvals(X)
        return np.float64(validate.finite_result("Σ eig(X)", np.sum(values).real))


def trace(X: ArrayLike) -> np.float64:
    """Tr X of a square matrix.

    Examples:
        >>> from mcref.cookbook.eigenvalues import trace
        >>> print(trace([[1.0, 2.0], [3.0, 4.0]]))
        5.0
    """
    X = square("X", X)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr X", np.trace(X)))


_SUM_PRINTED = (
    r"\frac{\partial}{\partial\mathbf{X}}\sum\operatorname{eig}(\mathbf{X})"
    r" = \frac{\partial}{\partial\mathbf{X}}\operatorname{Tr}(\mathbf{X}) = \mathbf{I}"
)

_MC65_1 = reduction(
    "MC65.1",
    title="Gradient of the sum of the eigenvalues",
    forward=eigenvalue_sum,
    wrt="X",
    gradient=lambda X: np.eye(X.shape[0]),
    latex=r"\frac{\partial}{\partial X}\sum_i \lambda_i(X) = I",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\, I",
    args={"X": Arg(shape=("n", "n"))},
    section="2.3",
    conditions=(
        r"$X$ real and square; its eigenvalues may be complex or repeated. Their sum is $\operatorname{Tr} X$, "
        r"a linear function of $X$, so the gradient is $I$ in both layouts."
    ),
    keywords=("derivative of sum of eigenvalues", "eigenvalue sum gradient", "trace is the sum of eigenvalues"),
    printed=_SUM_PRINTED,
)


@_MC65_1.jacobian
def grad_eigenvalue_sum(X: ArrayLike) -> FloatArray:
    """MC65.1: ∂ Σ eig(X) / ∂X = I, flattened row by row into a (1, n²) row.

    The eigenvalues of X are the roots of its characteristic polynomial, and the
    sum of the roots is the coefficient Tr X (with its sign), so Σ λ_i = Tr X.

    Args:
        X: A real square matrix, shape `(n, n)`.

    Returns:
        I flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.eigenvalues import grad_eigenvalue_sum
        >>> print(grad_eigenvalue_sum([[0.0, -1.0], [1.0, 0.0]]))
        [[1. 0. 0. 1.]]
    """


@_MC65_1.vjp
def vjp_eigenvalue_sum(v: float, X: ArrayLike) -> FloatArray:
    """MC65.1, backprop form: v I, shaped like X.

    Examples:
        >>> from mcref.cookbook.eigenvalues import vjp_eigenvalue_sum
        >>> print(vjp_eigenvalue_sum(2.0, [[0.0, -1.0], [1.0, 0.0]]))
        [[2. 0.]
         [0. 2.]]
    """


_MC65_2 = reduction(
    "MC65.2",
    title="Gradient of the trace, as the sum of the eigenvalues",
    forward=trace,
    wrt="X",
    gradient=lambda X: np.eye(X.shape[0]),
    latex=r"\frac{\partial}{\partial X}\operatorname{Tr}(X) = I",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\, I",
    args={"X": Arg(shape=("n", "n"))},
    section="2.3",
    conditions=r"$X$ square. The second form of (65): the sum of the eigenvalues written as the trace.",
    keywords=("derivative of trace", "trace gradient identity"),
    printed=_SUM_PRINTED,
)


@_MC65_2.jacobian
def grad_trace_as_sum(X: ArrayLike) -> FloatArray:
    """MC65.2: ∂ Tr X / ∂X = I, flattened row by row into a (1, n²) row.

    Tr X = Σ_i X_ii, so ∂ Tr X / ∂X_ij is 1 on the diagonal (i = j) and 0 elsewhere.

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        I flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.eigenvalues import grad_trace_as_sum
        >>> print(grad_trace_as_sum([[1.0, 2.0], [3.0, 4.0]]))
        [[1. 0. 0. 1.]]
    """


@_MC65_2.vjp
def vjp_trace_as_sum(v: float, X: ArrayLike) -> FloatArray:
    """MC65.2, backprop form: v I, shaped like X.

    Examples:
        >>> from mcref.cookbook.eigenvalues import vjp_trace_as_sum
        >>> print(vjp_trace_as_sum(3.0, [[1.0, 2.0], [3.0, 4.0]]))
        [[3. 0.]
         [0. 3.]]
    """


def eigenvalue_product(X: ArrayLike) -> np.float64:
    """Π eig(X), the product of the eigenvalues of a real square matrix (a real number).

    Examples:
        >>> from mcref.cookbook.eigenvalues import eigenvalue_product
        >>> print(round(eigenvalue_product([[0.0, -2.0], [2.0, 0.0]]), 12))  # eigenvalues 2i and -2i
        4.0
    """
    X = square("X", X)
    with np.errstate(all="ignore"):
        values = np.linalg.eigvals(X)
        return np.float64(validate.finite_result("Π eig(X)", np.prod(values).real))


def _det_gradient(X: FloatArray) -> FloatArray:
    return np.linalg.det(X) * np.linalg.inv(X).T


_PRODUCT_PRINTED = (
    r"\frac{\partial}{\partial\mathbf{X}}\prod\operatorname{eig}(\mathbf{X})"
    r" = \frac{\partial}{\partial\mathbf{X}}\det(\mathbf{X}) = \det(\mathbf{X})\mathbf{X}^{-T}"
)
# entries in [-1, 1], as for the determinant (MC49): det X and its gradient stay of moderate size
_INVERTIBLE = Arg(shape=("n", "n"), low=-1.0, high=1.0, max_condition=1e3)

_MC66_1 = reduction(
    "MC66.1",
    title="Gradient of the product of the eigenvalues",
    forward=eigenvalue_product,
    wrt="X",
    gradient=_det_gradient,
    latex=r"\frac{\partial}{\partial X}\prod_i \lambda_i(X) = \det(X)\, X^{-1}",
    latex_denominator=r"\frac{\partial}{\partial X}\prod_i \lambda_i(X) = \det(X)\, X^{-T}",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,\det(X)\, X^{-T}",
    args={"X": _INVERTIBLE},
    section="2.3",
    conditions=(
        r"$X$ real, square and invertible; its eigenvalues may be complex or repeated. Their product is "
        r"$\det X$. For a singular $X$ the gradient is the transposed adjugate instead."
    ),
    keywords=("derivative of product of eigenvalues", "eigenvalue product gradient", "determinant from eigenvalues"),
    printed=_PRODUCT_PRINTED,
)


@_MC66_1.jacobian
def grad_eigenvalue_product(X: ArrayLike) -> FloatArray:
    """MC66.1: ∂ Π eig(X) / ∂X = det(X) X⁻ᵀ, flattened row by row into a (1, n²) row.

    The product of the roots of the characteristic polynomial det(λI − X) is its
    constant term up to sign, det X; its gradient is Jacobi's det(X) X⁻ᵀ.

    Args:
        X: A real square invertible matrix, shape `(n, n)`.

    Returns:
        det(X) X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.eigenvalues import grad_eigenvalue_product
        >>> print(grad_eigenvalue_product([[0.0, -2.0], [2.0, 0.0]]).round(12) + 0.0)
        [[ 0. -2.  2.  0.]]
    """


@_MC66_1.vjp
def vjp_eigenvalue_product(v: float, X: ArrayLike) -> FloatArray:
    """MC66.1, backprop form: v det(X) X⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.eigenvalues import vjp_eigenvalue_product
        >>> print(vjp_eigenvalue_product(0.5, [[0.0, -2.0], [2.0, 0.0]]).round(12) + 0.0)
        [[ 0. -1.]
         [ 1.  0.]]
    """


_MC66_2 = reduction(
    "MC66.2",
    title="Gradient of the determinant, as the product of the eigenvalues",
    forward=det,
    wrt="X",
    gradient=_det_gradient,
    latex=r"\frac{\partial}{\partial X}\det(X) = \det(X)\, X^{-1}",
    latex_denominator=r"\frac{\partial}{\partial X}\det(X) = \det(X)\, X^{-T}",
    vjp_latex=r"\frac{\partial L}{\partial X} = v\,\det(X)\, X^{-T}",
    args={"X": _INVERTIBLE},
    section="2.3",
    conditions=r"$X$ square and invertible. The second form of (66), the same statement as (49).",
    keywords=("determinant gradient", "derivative of det via eigenvalues"),
    printed=_PRODUCT_PRINTED,
)


@_MC66_2.jacobian
def grad_det_as_product(X: ArrayLike) -> FloatArray:
    """MC66.2: ∂ det X / ∂X = det(X) X⁻ᵀ, flattened row by row into a (1, n²) row.

    Expanding det X along row i, det X = Σ_j X_ij C_ij with cofactors C_ij that do
    not contain X_ij, so ∂ det X / ∂X_ij = C_ij, and the cofactor matrix is det(X) X⁻ᵀ.

    Args:
        X: A square invertible matrix, shape `(n, n)`.

    Returns:
        det(X) X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.eigenvalues import grad_det_as_product
        >>> print(grad_det_as_product([[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[ 3. -1. -1.  2.]]
    """


@_MC66_2.vjp
def vjp_det_as_product(v: float, X: ArrayLike) -> FloatArray:
    """MC66.2, backprop form: v det(X) X⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.eigenvalues import vjp_det_as_product
        >>> print(vjp_det_as_product(2.0, [[2.0, 1.0], [1.0, 3.0]]).round(12))
        [[ 6. -2.]
         [-2.  4.]]
    """


# ----- (67) and (68): an eigenvalue and its eigenvector of a symmetric matrix, along a curve -----


def _symmetric(name: str, value: ArrayLike) -> FloatArray:
    M = square(name, value)
    with np.errstate(all="ignore"):
        apart = np.abs(M - M.T) > 1e-12 * np.maximum(1.0, np.abs(M))
    if apart.any():
        i, j = (int(k) for k in np.argwhere(apart)[0])
        raise ValueError(f"{name} must be symmetric, got {name}[{i}, {j}] = {M[i, j]} and {name}[{j}, {i}] = {M[j, i]}")
    return M


def _symmetric_point(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """A(t) and A'(t) of the curve A(t) = A₀ + t A₁ + t² A₂ of symmetric matrices."""
    t = validate.scalar("t", t)
    P, V, W = _symmetric("A0", A0), _symmetric("A1", A1), _symmetric("A2", A2)
    if V.shape != P.shape or W.shape != P.shape:
        raise ValueError(
            f"A0, A1 and A2 must have one shape (a curve of matrices), got {P.shape}, {V.shape} and {W.shape}"
        )
    with np.errstate(all="ignore"):
        A, dA, _ = curve(t, P, V, W)
    return validate.finite_result("A(t)", A), dA


def unit_eigenvectors(A: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The eigenvalues of a symmetric matrix in ascending order and its unit eigenvectors, signed.

    Column i of the second result is the eigenvector of the i-th eigenvalue, of
    unit length, with its entry of largest magnitude positive.

    Examples:
        >>> from mcref.cookbook.eigenvalues import unit_eigenvectors
        >>> values, vectors = unit_eigenvectors([[2.0, 1.0], [1.0, 2.0]])
        >>> print(values.round(12))
        [1. 3.]
        >>> print((vectors * 2**0.5).round(12))
        [[ 1.  1.]
         [-1.  1.]]
    """
    A = _symmetric("A", A)
    with np.errstate(all="ignore"):
        values, vectors = np.linalg.eigh(validate.finite_result("A", A))
    validate.finite_result("the eigenvectors of A", vectors)
    largest = np.argmax(np.abs(vectors), axis=0)
    signs = np.where(vectors[largest, np.arange(vectors.shape[1])] < 0, -1.0, 1.0)
    return validate.finite_result("the eigenvalues of A", values), vectors * signs


def _well_separated(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> bool:
    """Domain: the eigenvalues of A(t) are at least 0.1 apart, and in every eigenvector the entry of
    largest magnitude leads the next by at least 0.05 (so its sign convention is constant nearby)."""
    values, vectors = unit_eigenvectors(curve(t, A0, A1, A2)[0])
    if values.size > 1 and np.min(np.diff(values)) < 0.1:
        return False
    if vectors.shape[0] > 1:
        top = np.sort(np.abs(vectors), axis=0)
        if np.min(top[-1] - top[-2]) < 0.05:
            return False
    return True


_SYMMETRIC_CURVE = {
    "t": T,
    "A0": Arg(shape=("n", "n"), symmetric=True),
    "A1": Arg(shape=("n", "n"), low=-1.0, high=1.0, symmetric=True),
    "A2": Arg(shape=("n", "n"), low=-0.5, high=0.5, symmetric=True),
}


def symmetric_eigenvalues_along(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    """The eigenvalues λ₁ <= ... <= λₙ of A(t) = A₀ + t A₁ + t² A₂, for symmetric A₀, A₁, A₂.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.eigenvalues import symmetric_eigenvalues_along
        >>> print(symmetric_eigenvalues_along(0.5, np.diag([1.0, 3.0]), np.eye(2), np.zeros((2, 2))))
        [1.5 3.5]
    """
    A, _ = _symmetric_point(t, A0, A1, A2)
    return unit_eigenvectors(A)[0]


def _eigenvalue_rate(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    A, dA = _symmetric_point(t, A0, A1, A2)
    _, V = unit_eigenvectors(A)
    return np.einsum("ki,kl,li->i", V, dA, V)


_MC67 = along_curve(
    "MC67",
    title="Differential of an eigenvalue of a symmetric matrix",
    forward=symmetric_eigenvalues_along,
    rate=_eigenvalue_rate,
    latex=r"\partial\lambda_i = \mathbf{v}_i^T\,(\partial A)\,\mathbf{v}_i",
    vjp_latex=r"\mathbf{v}^T J = \sum_i w_i\, \mathbf{v}_i^T \dot A\, \mathbf{v}_i",
    value_shape=("n",),
    args=_SYMMETRIC_CURVE,
    section="2.3",
    conditions=(
        r"$A$ real symmetric, $\lambda_i$ a simple eigenvalue and $\mathbf{v}_i$ its eigenvector of unit length, "
        r"$\mathbf{v}_i^T\mathbf{v}_i = 1$. Checked for all $i$ at once, the eigenvalues in ascending order, along "
        r"$A(t) = A_0 + tA_1 + t^2A_2$ with symmetric $A_0, A_1, A_2$, where the eigenvalues are at least 0.1 "
        r"apart; $\partial A$ is the velocity $\dot A$. (In the backprop form, $w$ is the cotangent of the "
        r"eigenvalues.)"
    ),
    domain=_well_separated,
    keywords=("eigenvalue derivative", "eigenvalue perturbation", "Hellmann-Feynman", "derivative of eigenvalues"),
    printed=r"\partial\lambda_i = \mathbf{v}_i^T\partial(\mathbf{A})\mathbf{v}_i",
)


@_MC67.jacobian
def jac_eigenvalues_along(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    """MC67: d/dt λ_i(A(t)) = v_iᵀ A'(t) v_i for every i, as an (n, 1) column.

    Differentiate A v_i = λ_i v_i: (dA) v_i + A dv_i = (dλ_i) v_i + λ_i dv_i. Multiply
    on the left by v_iᵀ: since v_iᵀ A = λ_i v_iᵀ for a symmetric A, the dv_i terms
    cancel, and v_iᵀ v_i = 1 leaves dλ_i = v_iᵀ (dA) v_i.

    Args:
        t: The curve parameter.
        A0: The point at t = 0, symmetric, shape `(n, n)`.
        A1: The velocity at t = 0, symmetric, shape `(n, n)`.
        A2: Half the acceleration, symmetric, shape `(n, n)`.

    Returns:
        v_iᵀ A'(t) v_i for i = 1, ..., n, shape `(n, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.eigenvalues import jac_eigenvalues_along
        >>> print(jac_eigenvalues_along(0.0, np.diag([1.0, 3.0]), np.diag([5.0, 7.0]), np.zeros((2, 2))))
        [[5.]
         [7.]]
    """


@_MC67.vjp
def vjp_eigenvalues_along(w: ArrayLike, t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    """MC67, backprop form: Σ_i w_i v_iᵀ A'(t) v_i for a cotangent w of the eigenvalues.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.eigenvalues import vjp_eigenvalues_along
        >>> print(vjp_eigenvalues_along([1.0, 1.0], 0.0, np.diag([1.0, 3.0]), np.diag([5.0, 7.0]), np.zeros((2, 2))))
        12.0
    """


def eigenvectors_along(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    """The unit eigenvectors of A(t) = A₀ + t A₁ + t² A₂ (symmetric), as columns in ascending order of eigenvalue.

    Each has its entry of largest magnitude positive.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.eigenvalues import eigenvectors_along
        >>> print(eigenvectors_along(0.0, np.diag([3.0, 1.0]), np.eye(2), np.zeros((2, 2))))
        [[0. 1.]
         [1. 0.]]
    """
    A, _ = _symmetric_point(t, A0, A1, A2)
    return unit_eigenvectors(A)[1]


def _eigenvector_rate(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    A, dA = _symmetric_point(t, A0, A1, A2)
    values, V = unit_eigenvectors(A)
    n = values.shape[0]
    # (λ_i I − A)⁺ for every i at once: a stack of n pseudo-inverses of symmetric matrices
    shifted = values[:, None, None] * np.eye(n) - A
    pinv = np.linalg.pinv(shifted, rcond=1e-10, hermitian=True)
    # column i of the rate is (λ_i I − A)⁺ A' v_i
    return np.einsum("ikl,lm,mi->ki", pinv, dA, V)


_MC68 = along_curve(
    "MC68",
    title="Differential of an eigenvector of a symmetric matrix",
    forward=eigenvectors_along,
    rate=_eigenvector_rate,
    latex=r"\partial\mathbf{v}_i = (\lambda_i I - A)^{+}\,(\partial A)\,\mathbf{v}_i",
    vjp_latex=(r"\mathbf{v}^T J = \sum_i \mathbf{w}_i^T (\lambda_i I - A)^{+}\dot A\,\mathbf{v}_i"),
    value_shape=("n", "n"),
    args=_SYMMETRIC_CURVE,
    section="2.3",
    conditions=(
        r"$A$ real symmetric, $\lambda_i$ simple, $\mathbf{v}_i$ of unit length and with a sign that does not "
        r"jump (here: its entry of largest magnitude is positive); $^{+}$ is the pseudo-inverse. Checked for all "
        r"eigenvectors at once, as the columns of a matrix in ascending order of eigenvalue, along "
        r"$A(t) = A_0 + tA_1 + t^2A_2$ with symmetric $A_0, A_1, A_2$, where the eigenvalues are at least 0.1 "
        r"apart and the largest entry of each eigenvector leads the next by 0.05. (In the backprop form, "
        r"$\mathbf{w}_i$ is column $i$ of the cotangent.)"
    ),
    domain=_well_separated,
    keywords=("eigenvector derivative", "eigenvector perturbation", "derivative of eigenvectors"),
    printed=r"\partial\mathbf{v}_i = (\lambda_i\mathbf{I} - \mathbf{A})^{+}\partial(\mathbf{A})\mathbf{v}_i",
)


@_MC68.jacobian
def jac_eigenvectors_along(t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    """MC68: d/dt v_i(A(t)) = (λ_i I − A)⁺ A'(t) v_i, the columns flattened row by row into an (n², 1) column.

    From (dA) v_i + A dv_i = (dλ_i) v_i + λ_i dv_i: (λ_i I − A) dv_i = (dA) v_i − (dλ_i) v_i.
    The unit length gives v_iᵀ dv_i = 0, so dv_i lies in the range of the symmetric
    λ_i I − A, whose pseudo-inverse undoes it there and maps v_i, its null space, to 0:
    dv_i = (λ_i I − A)⁺ (dA) v_i.

    Args:
        t: The curve parameter.
        A0: The point at t = 0, symmetric, shape `(n, n)`.
        A1: The velocity at t = 0, symmetric, shape `(n, n)`.
        A2: Half the acceleration, symmetric, shape `(n, n)`.

    Returns:
        The matrix with columns (λ_i I − A)⁺ A'(t) v_i, flattened, shape `(n*n, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.eigenvalues import jac_eigenvectors_along
        >>> A1 = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> print(jac_eigenvectors_along(0.0, np.diag([1.0, 3.0]), A1, np.zeros((2, 2))).ravel() + 0.0)
        [ 0.   0.5 -0.5  0. ]
    """


@_MC68.vjp
def vjp_eigenvectors_along(W: ArrayLike, t: Any, A0: ArrayLike, A1: ArrayLike, A2: ArrayLike) -> FloatArray:
    """MC68, backprop form: Σ_i w_iᵀ (λ_i I − A)⁺ A'(t) v_i, with w_i column i of the cotangent W.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.eigenvalues import vjp_eigenvectors_along
        >>> A1 = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> print(vjp_eigenvectors_along([[0.0, 0.0], [1.0, 0.0]], 0.0, np.diag([1.0, 3.0]), A1, np.zeros((2, 2))))
        -0.5
    """
