"""The Cookbook's section 2.2, derivatives of an inverse: (59) to (64) and the display after (64).

Everything here follows from one identity: differentiating X X⁻¹ = I gives
d(X⁻¹) = −X⁻¹ (dX) X⁻¹. Along a curve it is (59); entry by entry it is the
4-index Jacobian (60); paired with a scalar function through the trace it gives
the gradients (61) to (64) and the chain rule after (64). The gradients are
written in the book's layout, shaped like the matrix variable.

The unnumbered display after (64) is registered as `MC64u`, the spec's name for
it; its number is that of the equation it follows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.curves import T, curve
from mcref.core import validate
from mcref.core.registry import Arg, along_curve, reduction, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "bilinear_inverse",
    "det_inverse",
    "grad_bilinear_inverse",
    "grad_det_inverse",
    "grad_inverse_chain",
    "grad_trace_inverse_product",
    "grad_trace_inverse_sum",
    "inverse",
    "inverse_chain",
    "inverse_of",
    "invertible",
    "jac_inverse",
    "jac_inverse_of",
    "square",
    "trace_inverse_product",
    "trace_inverse_sum",
    "vjp_bilinear_inverse",
    "vjp_det_inverse",
    "vjp_inverse",
    "vjp_inverse_chain",
    "vjp_inverse_of",
    "vjp_trace_inverse_product",
    "vjp_trace_inverse_sum",
]

# an invertible matrix drawn from [-2, 2], kept where float64 and central differences resolve its inverse
_INVERTIBLE = Arg(shape=("n", "n"), max_condition=1e3)


def _resolved(*matrices: ArrayLike) -> bool:
    """A domain predicate: every matrix has ‖M⁻¹‖₂ <= 5 (no singular value below 0.2) and a condition number
    of at most 1e3.

    Central differences of X ↦ X⁻¹ with a step h err by about h²‖X⁻¹‖⁴ (the third derivative), so an
    inverse that is merely computable is not enough for a check at a relative tolerance of 1e-5.
    """
    for M in matrices:
        singular = np.linalg.svd(np.asarray(M, dtype=np.float64), compute_uv=False)
        if not (singular.size and singular[-1] >= 0.2 and singular[0] <= 1e3 * singular[-1]):
            return False
    return True


def square(name: str, value: ArrayLike) -> FloatArray:
    """`value` as a float64 square matrix, or ValueError naming `name` and the shape it got.

    Examples:
        >>> from mcref.cookbook.inverses import square
        >>> print(square("X", [[1, 2], [3, 4]]))
        [[1. 2.]
         [3. 4.]]
    """
    M = validate.matrix(name, value)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    return M


def invertible(name: str, value: ArrayLike) -> FloatArray:
    """`value` as a float64 square matrix that float64 can invert, or ValueError.

    A matrix whose condition number (2-norm) exceeds 1e12, or cannot be computed,
    counts as singular: its inverse would carry no correct digit.

    Examples:
        >>> from mcref.cookbook.inverses import invertible
        >>> invertible("X", [[1.0, 2.0], [2.0, 4.0]])
        Traceback (most recent call last):
        ...
        ValueError: X must be invertible, got a singular (or nearly singular) matrix of shape (2, 2)
    """
    M = square(name, value)
    with np.errstate(all="ignore"):
        singular = np.linalg.svd(M, compute_uv=False)
        fine = np.all(np.isfinite(singular)) and singular[-1] > 0 and singular[0] / 1e12 <= singular[-1]
    if not fine:
        raise ValueError(f"{name} must be invertible, got a singular (or nearly singular) matrix of shape {M.shape}")
    return M


def _inv(name: str, value: ArrayLike) -> FloatArray:
    """The inverse of an invertible matrix argument, refused if it leaves float64."""
    M = invertible(name, value)
    with np.errstate(all="ignore"):
        return validate.finite_result(f"{name}^-1", np.linalg.inv(M))


# ----- (59): the inverse along a curve -----


def _curve_point(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Y(x) and Y'(x) of the curve Y(x) = Y₀ + x Y₁ + x² Y₂ of invertible matrices."""
    x = validate.scalar("x", x)
    P = square("Y0", Y0)
    V = validate.matrix("Y1", Y1)
    A = validate.matrix("Y2", Y2)
    if V.shape != P.shape or A.shape != P.shape:
        raise ValueError(
            f"Y0, Y1 and Y2 must have one shape (a curve of matrices), got {P.shape}, {V.shape} and {A.shape}"
        )
    with np.errstate(all="ignore"):
        Y, dY, _ = curve(x, P, V, A)
    validate.finite_result("Y(x)", Y)
    return invertible("Y(x)", Y), dY


def inverse_of(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    """Y(x)⁻¹ for the curve Y(x) = Y₀ + x Y₁ + x² Y₂ of square matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.inverses import inverse_of
        >>> print(inverse_of(1.0, np.eye(2), np.eye(2), np.zeros((2, 2))))
        [[0.5 0. ]
         [0.  0.5]]
    """
    Y, _ = _curve_point(x, Y0, Y1, Y2)
    with np.errstate(all="ignore"):
        return validate.finite_result("Y(x)^-1", np.linalg.inv(Y))


def _inverse_rate(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    Y, dY = _curve_point(x, Y0, Y1, Y2)
    inv = np.linalg.inv(Y)
    return -inv @ dY @ inv


_MC59 = along_curve(
    "MC59",
    title="Derivative of an inverse with respect to a number",
    forward=inverse_of,
    rate=_inverse_rate,
    wrt="x",
    latex=r"\frac{\partial Y^{-1}}{\partial x} = -Y^{-1}\,\frac{\partial Y}{\partial x}\,Y^{-1}",
    vjp_latex=(
        r"\mathbf{v}^T J = \operatorname{Tr}\!\Big(V^T\big(-Y^{-1}\tfrac{\partial Y}{\partial x}Y^{-1}\big)\Big)"
    ),
    value_shape=("n", "n"),
    args={
        "x": T,
        "Y0": Arg(shape=("n", "n"), max_condition=1e3),
        "Y1": Arg(shape=("n", "n"), low=-1.0, high=1.0),
        "Y2": Arg(shape=("n", "n"), low=-0.5, high=0.5),
    },
    section="2.2",
    conditions=(
        r"$Y(x)$ square and invertible, differentiable in the number $x$. Checked along the quadratic curve "
        r"$Y(x) = Y_0 + xY_1 + x^2Y_2$."
    ),
    domain=lambda x, Y0, Y1, Y2: _resolved(curve(x, Y0, Y1, Y2)[0]),
    keywords=("derivative of inverse matrix", "inverse of a matrix function", "d/dx inverse"),
    printed=(
        r"\frac{\partial\mathbf{Y}^{-1}}{\partial x} = -\mathbf{Y}^{-1}\frac{\partial\mathbf{Y}}{\partial x}"
        r"\mathbf{Y}^{-1}"
    ),
)


@_MC59.jacobian
def jac_inverse_of(x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    """MC59: d/dx Y(x)⁻¹ = −Y⁻¹ Y'(x) Y⁻¹, flattened row by row into an (n², 1) column.

    Differentiating Y(x) Y(x)⁻¹ = I by the product rule gives Y' Y⁻¹ + Y (Y⁻¹)' = 0;
    multiply on the left by Y⁻¹.

    Args:
        x: The number Y depends on.
        Y0: The value at x = 0, shape `(n, n)`.
        Y1: The first-order coefficient, shape `(n, n)`.
        Y2: The second-order coefficient, shape `(n, n)`.

    Returns:
        −Y⁻¹ Y'(x) Y⁻¹ flattened, shape `(n*n, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.inverses import jac_inverse_of
        >>> print(jac_inverse_of(0.0, 2 * np.eye(2), np.eye(2), np.zeros((2, 2))).ravel() + 0.0)
        [-0.25  0.    0.   -0.25]
    """


@_MC59.vjp
def vjp_inverse_of(v: ArrayLike, x: Any, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> FloatArray:
    """MC59, backprop form: Σ v_kl (dY⁻¹/dx)_kl for a cotangent V shaped like Y⁻¹.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.inverses import vjp_inverse_of
        >>> print(vjp_inverse_of(np.eye(2), 0.0, 2 * np.eye(2), np.eye(2), np.zeros((2, 2))))
        -0.5
    """


# ----- (60): the inverse, entry by entry -----


def inverse(X: ArrayLike) -> FloatArray:
    """X⁻¹ of an invertible matrix.

    Examples:
        >>> from mcref.cookbook.inverses import inverse
        >>> print(inverse([[2.0, 0.0], [0.0, 4.0]]))
        [[0.5  0.  ]
         [0.   0.25]]
    """
    return _inv("X", X)


@rule(
    "MC60",
    title="Derivative of the inverse, entry by entry",
    forward=inverse,
    wrt="X",
    latex=(
        r"\frac{\partial (X^{-1})_{kl}}{\partial X_{ij}} = -(X^{-1})_{ki}\,(X^{-1})_{jl},"
        r"\quad J = -X^{-1} \otimes X^{-T}"
    ),
    latex_denominator=(
        r"\frac{\partial (X^{-1})_{kl}}{\partial X_{ij}} = -(X^{-1})_{ki}\,(X^{-1})_{jl},"
        r"\quad J^T = -X^{-T} \otimes X^{-1}"
    ),
    shape=("n*n", "n*n"),
    args={"X": _INVERTIBLE},
    domain=lambda X: _resolved(X),
    section="2.2",
    conditions=(
        r"$X$ square and invertible. The Jacobian has row $(k, l)$ and column $(i, j)$, both flattened row by row, "
        r"which makes it the Kronecker product $-X^{-1} \otimes X^{-T}$."
    ),
    keywords=("derivative of matrix inverse", "jacobian of inverse", "inverse entry derivative"),
    printed=(r"\frac{\partial(\mathbf{X}^{-1})_{kl}}{\partial X_{ij}} = -(\mathbf{X}^{-1})_{ki}(\mathbf{X}^{-1})_{jl}"),
)
def jac_inverse(X: ArrayLike) -> FloatArray:
    """MC60: ∂(X⁻¹)_kl / ∂X_ij = −(X⁻¹)_ki (X⁻¹)_jl, as an (n², n²) Jacobian.

    Read the (k, l) entry of d(X⁻¹) = −X⁻¹ (dX) X⁻¹ with dX = J^{ij}, the matrix
    with one 1 at (i, j): it is −(X⁻¹)_ki (X⁻¹)_jl. Row (k, l) and column (i, j)
    are flattened row by row, so the Jacobian is −X⁻¹ ⊗ X⁻ᵀ.

    Args:
        X: A square invertible matrix, shape `(n, n)`.

    Returns:
        The Jacobian, shape `(n*n, n*n)`.

    Examples:
        >>> from mcref.cookbook.inverses import jac_inverse
        >>> print(jac_inverse([[2.0, 0.0], [0.0, 4.0]]) + 0.0)
        [[-0.25    0.      0.      0.    ]
         [ 0.     -0.125   0.      0.    ]
         [ 0.      0.     -0.125   0.    ]
         [ 0.      0.      0.     -0.0625]]
    """
    inv = _inv("X", X)
    n = inv.shape[0]
    return -np.einsum("ki,jl->klij", inv, inv).reshape(n * n, n * n)


@vjp_of("MC60", latex=r"\frac{\partial L}{\partial X} = -X^{-T}\, G\, X^{-T}")
def vjp_inverse(G: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC60, backprop form: G ↦ −X⁻ᵀ G X⁻ᵀ for a cotangent G shaped like X⁻¹.

    Σ_kl G_kl (−(X⁻¹)_ki (X⁻¹)_jl) = −(X⁻ᵀ G X⁻ᵀ)_ij.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.inverses import vjp_inverse
        >>> print(vjp_inverse(np.ones((2, 2)), [[2.0, 0.0], [0.0, 4.0]]))
        [[-0.25   -0.125 ]
         [-0.125  -0.0625]]
    """
    inv = _inv("X", X)
    cot = validate.shaped_cotangent(G, inv.shape, "inverse", name="G")
    return -inv.T @ cot @ inv.T


# ----- (61) to (64): gradients through the inverse -----


def bilinear_inverse(a: ArrayLike, X: ArrayLike, b: ArrayLike) -> np.float64:
    """aᵀ X⁻¹ b for vectors a, b of length n and an invertible (n, n) matrix X.

    Examples:
        >>> from mcref.cookbook.inverses import bilinear_inverse
        >>> print(bilinear_inverse([1.0, 1.0], [[2.0, 0.0], [0.0, 4.0]], [1.0, 1.0]))
        0.75
    """
    a = validate.vector("a", a)
    b = validate.vector("b", b)
    validate.same_length(a=a, b=b)
    inv = _inv("X", X)
    if inv.shape[0] != a.shape[0]:
        raise ValueError(
            f"aᵀX⁻¹b needs X of shape {(a.shape[0],) * 2} for a and b of length {a.shape[0]}, "
            f"got X of shape {inv.shape}"
        )
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("aᵀX⁻¹b", a @ inv @ b))


def _bilinear_inverse_gradient(a: FloatArray, X: FloatArray, b: FloatArray) -> FloatArray:
    inv_t = np.linalg.inv(X).T
    return -inv_t @ np.outer(a, b) @ inv_t


_MC61 = reduction(
    "MC61",
    title="Gradient of a bilinear form in the inverse",
    forward=bilinear_inverse,
    wrt="X",
    gradient=_bilinear_inverse_gradient,
    latex=r"\frac{\partial\, \mathbf{a}^T X^{-1} \mathbf{b}}{\partial X} = -X^{-1}\mathbf{b}\mathbf{a}^T X^{-1}",
    latex_denominator=(
        r"\frac{\partial\, \mathbf{a}^T X^{-1} \mathbf{b}}{\partial X} = -X^{-T}\mathbf{a}\mathbf{b}^T X^{-T}"
    ),
    vjp_latex=r"\frac{\partial L}{\partial X} = -v\, X^{-T}\mathbf{a}\mathbf{b}^T X^{-T}",
    args={"a": Arg(), "X": _INVERTIBLE, "b": Arg()},
    domain=lambda a, X, b: _resolved(X),
    section="2.2",
    conditions=r"$X$ square and invertible, $\mathbf{a}$ and $\mathbf{b}$ constant vectors of its size.",
    keywords=("derivative of a^T X^-1 b", "bilinear form of the inverse", "gradient of inverse quadratic form"),
    printed=(
        r"\frac{\partial\mathbf{a}^T\mathbf{X}^{-1}\mathbf{b}}{\partial\mathbf{X}}"
        r" = -\mathbf{X}^{-T}\mathbf{a}\mathbf{b}^T\mathbf{X}^{-T}"
    ),
)


@_MC61.jacobian
def grad_bilinear_inverse(a: ArrayLike, X: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC61: ∂ aᵀX⁻¹b / ∂X = −X⁻ᵀ a bᵀ X⁻ᵀ, flattened row by row into a (1, n²) row.

    d(aᵀX⁻¹b) = −aᵀX⁻¹ (dX) X⁻¹b = −Tr(X⁻¹b aᵀX⁻¹ dX), and the matrix that the trace
    pairs with dX, transposed, is the gradient −X⁻ᵀ a bᵀ X⁻ᵀ.

    Args:
        a: Shape `(n,)`.
        X: Square and invertible, shape `(n, n)`.
        b: Shape `(n,)`.

    Returns:
        −X⁻ᵀ a bᵀ X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.inverses import grad_bilinear_inverse
        >>> print(grad_bilinear_inverse([1.0, 0.0], [[2.0, 0.0], [0.0, 4.0]], [0.0, 1.0]))
        [[ 0.    -0.125  0.     0.   ]]
    """


@_MC61.vjp
def vjp_bilinear_inverse(v: float, a: ArrayLike, X: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC61, backprop form: −v X⁻ᵀ a bᵀ X⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.inverses import vjp_bilinear_inverse
        >>> print(vjp_bilinear_inverse(2.0, [1.0, 0.0], [[2.0, 0.0], [0.0, 4.0]], [0.0, 1.0]))
        [[ 0.   -0.25]
         [ 0.    0.  ]]
    """


def det_inverse(X: ArrayLike) -> np.float64:
    """det(X⁻¹) = 1 / det X of an invertible matrix.

    Examples:
        >>> from mcref.cookbook.inverses import det_inverse
        >>> print(round(det_inverse([[2.0, 0.0], [0.0, 4.0]]), 12))
        0.125
    """
    inv = _inv("X", X)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("det(X^-1)", np.linalg.det(inv)))


_MC62 = reduction(
    "MC62",
    title="Gradient of the determinant of the inverse",
    forward=det_inverse,
    wrt="X",
    gradient=lambda X: -np.linalg.det(np.linalg.inv(X)) * np.linalg.inv(X).T,
    latex=r"\frac{\partial \det(X^{-1})}{\partial X} = -\det(X^{-1})\, X^{-1}",
    latex_denominator=r"\frac{\partial \det(X^{-1})}{\partial X} = -\det(X^{-1})\, X^{-T}",
    vjp_latex=r"\frac{\partial L}{\partial X} = -v\,\det(X^{-1})\, X^{-T}",
    args={"X": _INVERTIBLE},
    # and |det X| >= 0.05: det(X^-1) = 1/det X stays below 20, where central differences keep their digits
    domain=lambda X: _resolved(X) and abs(np.linalg.det(np.asarray(X, dtype=np.float64))) >= 0.05,
    section="2.2",
    conditions=r"$X$ square and invertible.",
    keywords=("derivative of det of inverse", "determinant of the inverse", "gradient of 1/det"),
    printed=(r"\frac{\partial\det(\mathbf{X}^{-1})}{\partial\mathbf{X}} = -\det(\mathbf{X}^{-1})(\mathbf{X}^{-1})^T"),
)


@_MC62.jacobian
def grad_det_inverse(X: ArrayLike) -> FloatArray:
    """MC62: ∂ det(X⁻¹) / ∂X = −det(X⁻¹) X⁻ᵀ, flattened row by row into a (1, n²) row.

    det(X⁻¹) = (det X)⁻¹, so its gradient is −(det X)⁻² times the gradient det(X) X⁻ᵀ
    of the determinant, which is −det(X⁻¹) X⁻ᵀ.

    Args:
        X: Square and invertible, shape `(n, n)`.

    Returns:
        −det(X⁻¹) X⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.inverses import grad_det_inverse
        >>> print(grad_det_inverse([[2.0, 0.0], [0.0, 4.0]]) + 0.0)
        [[-0.0625   0.       0.      -0.03125]]
    """


@_MC62.vjp
def vjp_det_inverse(v: float, X: ArrayLike) -> FloatArray:
    """MC62, backprop form: −v det(X⁻¹) X⁻ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.inverses import vjp_det_inverse
        >>> print(vjp_det_inverse(-16.0, [[2.0, 0.0], [0.0, 4.0]]))
        [[1.  0. ]
         [0.  0.5]]
    """


def trace_inverse_product(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> np.float64:
    """Tr(A X⁻¹ B) for A of shape (p, n), an invertible X of shape (n, n) and B of shape (n, p).

    Examples:
        >>> from mcref.cookbook.inverses import trace_inverse_product
        >>> print(trace_inverse_product([[1.0, 1.0]], [[2.0, 0.0], [0.0, 4.0]], [[1.0], [1.0]]))
        0.75
    """
    A = validate.matrix("A", A)
    inv = _inv("X", X)
    B = validate.matrix("B", B)
    n = inv.shape[0]
    if A.shape[1] != n or B.shape[0] != n or B.shape[1] != A.shape[0]:
        raise ValueError(
            f"Tr(AX⁻¹B) needs A (p, n), X (n, n) and B (n, p), got A {A.shape}, X {inv.shape} and B {B.shape}"
        )
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("Tr(AX⁻¹B)", np.trace(A @ inv @ B)))


def _trace_inverse_product_gradient(A: FloatArray, X: FloatArray, B: FloatArray) -> FloatArray:
    inv = np.linalg.inv(X)
    return -(inv @ B @ A @ inv).T


_MC63 = reduction(
    "MC63",
    title="Gradient of the trace of a product with the inverse",
    forward=trace_inverse_product,
    wrt="X",
    gradient=_trace_inverse_product_gradient,
    latex=r"\frac{\partial \operatorname{Tr}(AX^{-1}B)}{\partial X} = -X^{-1}BAX^{-1}",
    latex_denominator=r"\frac{\partial \operatorname{Tr}(AX^{-1}B)}{\partial X} = -(X^{-1}BAX^{-1})^T",
    vjp_latex=r"\frac{\partial L}{\partial X} = -v\,(X^{-1}BAX^{-1})^T",
    args={
        "A": Arg(shape=("p", "n"), low=-1.0, high=1.0),
        "X": _INVERTIBLE,
        "B": Arg(shape=("n", "p"), low=-1.0, high=1.0),
    },
    domain=lambda A, X, B: _resolved(X),
    section="2.2",
    conditions=r"$X$ square ($n \times n$) and invertible; $A$ is $p \times n$ and $B$ is $n \times p$, constant.",
    keywords=("derivative of trace of inverse", "gradient of Tr(A X^-1 B)", "trace of inverse product"),
    printed=(
        r"\frac{\partial\operatorname{Tr}(\mathbf{A}\mathbf{X}^{-1}\mathbf{B})}{\partial\mathbf{X}}"
        r" = -(\mathbf{X}^{-1}\mathbf{B}\mathbf{A}\mathbf{X}^{-1})^T"
    ),
)


@_MC63.jacobian
def grad_trace_inverse_product(A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC63: ∂ Tr(AX⁻¹B) / ∂X = −(X⁻¹BAX⁻¹)ᵀ, flattened row by row into a (1, n²) row.

    d Tr(AX⁻¹B) = −Tr(A X⁻¹ (dX) X⁻¹ B) = −Tr(X⁻¹BAX⁻¹ dX) by the cyclic trace, so the
    gradient is the transpose of −X⁻¹BAX⁻¹.

    Args:
        A: Shape `(p, n)`.
        X: Square and invertible, shape `(n, n)`.
        B: Shape `(n, p)`.

    Returns:
        −(X⁻¹BAX⁻¹)ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.inverses import grad_trace_inverse_product
        >>> print(grad_trace_inverse_product([[1.0, 0.0]], [[2.0, 0.0], [0.0, 4.0]], [[0.0], [1.0]]) + 0.0)
        [[ 0.    -0.125  0.     0.   ]]
    """


@_MC63.vjp
def vjp_trace_inverse_product(v: float, A: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC63, backprop form: −v (X⁻¹BAX⁻¹)ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.inverses import vjp_trace_inverse_product
        >>> print(vjp_trace_inverse_product(8.0, [[1.0, 0.0]], [[2.0, 0.0], [0.0, 4.0]], [[0.0], [1.0]]) + 0.0)
        [[ 0. -1.]
         [ 0.  0.]]
    """


def trace_inverse_sum(X: ArrayLike, A: ArrayLike) -> np.float64:
    """Tr((X + A)⁻¹) for square X and A of one shape with X + A invertible.

    Examples:
        >>> from mcref.cookbook.inverses import trace_inverse_sum
        >>> print(trace_inverse_sum([[1.0, 0.0], [0.0, 3.0]], [[1.0, 0.0], [0.0, 1.0]]))
        0.75
    """
    X = square("X", X)
    A = validate.matrix("A", A)
    if A.shape != X.shape:
        raise ValueError(f"Tr((X + A)⁻¹) needs A of the shape of X, {X.shape}, got {A.shape}")
    with np.errstate(all="ignore"):
        inv = _inv("X + A", validate.finite_result("X + A", X + A))
        return np.float64(validate.finite_result("Tr((X + A)⁻¹)", np.trace(inv)))


def _trace_inverse_sum_gradient(X: FloatArray, A: FloatArray) -> FloatArray:
    inv = np.linalg.inv(X + A)
    return -(inv @ inv).T


_MC64 = reduction(
    "MC64",
    title="Gradient of the trace of the inverse of a sum",
    forward=trace_inverse_sum,
    wrt="X",
    gradient=_trace_inverse_sum_gradient,
    latex=r"\frac{\partial \operatorname{Tr}((X + A)^{-1})}{\partial X} = -(X + A)^{-1}(X + A)^{-1}",
    latex_denominator=(
        r"\frac{\partial \operatorname{Tr}((X + A)^{-1})}{\partial X} = -\big((X + A)^{-1}(X + A)^{-1}\big)^T"
    ),
    vjp_latex=r"\frac{\partial L}{\partial X} = -v\,\big((X + A)^{-1}(X + A)^{-1}\big)^T",
    args={"X": Arg(shape=("n", "n")), "A": Arg(shape=("n", "n"), low=-1.0, high=1.0)},
    section="2.2",
    conditions=r"$X$ and $A$ square of one size, $A$ constant, $X + A$ invertible.",
    domain=lambda X, A: _resolved(np.asarray(X) + np.asarray(A)),
    keywords=("derivative of trace of inverse", "gradient of Tr((X+A)^-1)", "trace of inverse of a sum"),
    printed=(
        r"\frac{\partial\operatorname{Tr}((\mathbf{X}+\mathbf{A})^{-1})}{\partial\mathbf{X}}"
        r" = -((\mathbf{X}+\mathbf{A})^{-1}(\mathbf{X}+\mathbf{A})^{-1})^T"
    ),
)


@_MC64.jacobian
def grad_trace_inverse_sum(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC64: ∂ Tr((X + A)⁻¹) / ∂X = −((X + A)⁻²)ᵀ, flattened row by row into a (1, n²) row.

    With M = X + A, d Tr(M⁻¹) = −Tr(M⁻¹ (dX) M⁻¹) = −Tr(M⁻² dX).

    Args:
        X: Shape `(n, n)`.
        A: Shape `(n, n)`, with X + A invertible.

    Returns:
        −((X + A)⁻¹(X + A)⁻¹)ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.inverses import grad_trace_inverse_sum
        >>> print(grad_trace_inverse_sum([[1.0, 0.0], [0.0, 3.0]], [[1.0, 0.0], [0.0, 1.0]]) + 0.0)
        [[-0.25    0.      0.     -0.0625]]
    """


@_MC64.vjp
def vjp_trace_inverse_sum(v: float, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC64, backprop form: −v ((X + A)⁻¹(X + A)⁻¹)ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.inverses import vjp_trace_inverse_sum
        >>> print(vjp_trace_inverse_sum(-4.0, [[1.0, 0.0], [0.0, 3.0]], [[1.0, 0.0], [0.0, 1.0]]))
        [[1.   0.  ]
         [0.   0.25]]
    """


# ----- the display after (64): the chain rule through W = A⁻¹ -----


def inverse_chain(A: ArrayLike, C: ArrayLike) -> np.float64:
    """J = ½‖A⁻¹ − C‖²_F: a scalar function of W = A⁻¹, for an invertible A and C of its shape.

    Examples:
        >>> from mcref.cookbook.inverses import inverse_chain
        >>> print(inverse_chain([[2.0, 0.0], [0.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]))
        0.15625
    """
    W = _inv("A", A)
    C = validate.matrix("C", C)
    if C.shape != W.shape:
        raise ValueError(f"½‖A⁻¹ − C‖² needs C of the shape of A, {W.shape}, got {C.shape}")
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("½‖A⁻¹ − C‖²", 0.5 * np.sum((W - C) ** 2)))


def _inverse_chain_gradient(A: FloatArray, C: FloatArray) -> FloatArray:
    W = np.linalg.inv(A)
    dJ_dW = W - C  # the gradient of ½‖W − C‖² with respect to W
    return -W.T @ dJ_dW @ W.T


_MC64_1 = reduction(
    "MC64u",
    title="Gradient through the inverse of the variable",
    forward=inverse_chain,
    wrt="A",
    gradient=_inverse_chain_gradient,
    latex=(
        r"\frac{\partial J}{\partial A} = -A^{-1}\,\frac{\partial J}{\partial W}\,A^{-1},\quad W = A^{-1};"
        r"\ \ J = \tfrac12\lVert W - C\rVert_F^2:\ \frac{\partial J}{\partial A} = -A^{-1}(W - C)^T A^{-1}"
    ),
    latex_denominator=(
        r"\frac{\partial J}{\partial A} = -A^{-T}\,\frac{\partial J}{\partial W}\,A^{-T},\quad W = A^{-1};"
        r"\ \ J = \tfrac12\lVert W - C\rVert_F^2:\ \frac{\partial J}{\partial A} = -A^{-T}(W - C)A^{-T}"
    ),
    vjp_latex=r"\frac{\partial L}{\partial A} = -v\,A^{-T}(A^{-1} - C)A^{-T}",
    args={"A": _INVERTIBLE, "C": Arg(shape=("n", "n"), low=-1.0, high=1.0)},
    domain=lambda A, C: _resolved(A),
    section="2.2",
    conditions=(
        r"The unnumbered display after (64). $A$ square and invertible, $J$ a differentiable function of "
        r"$W = A^{-1}$. The identity holds for every $J$; it is checked for one that is not linear in $W$, "
        r"$J(W) = \tfrac12\lVert W - C\rVert_F^2$ with a constant $C$, whose gradient is "
        r"$\partial J/\partial W = W - C$."
    ),
    keywords=("precision matrix gradient", "gradient through W = A^-1", "derivative via the inverse"),
    printed=(
        r"\frac{\partial J}{\partial\mathbf{A}} = -\mathbf{A}^{-T}\frac{\partial J}{\partial\mathbf{W}}"
        r"\mathbf{A}^{-T},\quad \mathbf{W} = \mathbf{A}^{-1}"
    ),
)


@_MC64_1.jacobian
def grad_inverse_chain(A: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC64u: ∂J/∂A = −A⁻ᵀ (∂J/∂W) A⁻ᵀ for W = A⁻¹, here with J = ½‖W − C‖²_F, flattened into a (1, n²) row.

    dJ = Tr((∂J/∂W)ᵀ dW) and dW = −A⁻¹ (dA) A⁻¹, so dJ = −Tr(A⁻¹ (∂J/∂W)ᵀ A⁻¹ dA),
    whose gradient is −A⁻ᵀ (∂J/∂W) A⁻ᵀ. For J = ½‖W − C‖²_F, ∂J/∂W = W − C.

    Args:
        A: Square and invertible, shape `(n, n)`.
        C: Shape `(n, n)`.

    Returns:
        −A⁻ᵀ (A⁻¹ − C) A⁻ᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.inverses import grad_inverse_chain
        >>> print(grad_inverse_chain([[2.0, 0.0], [0.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]))
        [[-0.125     0.        0.       -0.015625]]
    """


@_MC64_1.vjp
def vjp_inverse_chain(v: float, A: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC64u, backprop form: −v A⁻ᵀ (A⁻¹ − C) A⁻ᵀ, shaped like A.

    Examples:
        >>> from mcref.cookbook.inverses import vjp_inverse_chain
        >>> print(vjp_inverse_chain(-8.0, [[2.0, 0.0], [0.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]) + 0.0)
        [[1.    0.   ]
         [0.    0.125]]
    """
