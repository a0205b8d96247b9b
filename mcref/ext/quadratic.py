"""Extension: quadratic forms and norms (X9–X12), and a weight matrix's norm and decay (X35, X36).

* X9, the quadratic form f(x) = xᵀAx for any square A: the gradient is
  xᵀ(A + Aᵀ), because x appears twice and each appearance contributes.
* X10, the same form for a symmetric A, where A + Aᵀ = 2A and the gradient is
  2xᵀA. The shortcut needs the symmetry: for a non-symmetric A, 2xᵀA is
  wrong. The functions of this rule take a symmetric A and raise `ValueError`
  for any other, naming the largest asymmetry.
* X11, the squared Euclidean norm ‖x‖² = xᵀx: 2xᵀ, the case A = I.
* X12, the norm ‖x‖: xᵀ/‖x‖, the unit vector along x as a row. The norm has a
  kink at x = 0 (a cone's tip) and no derivative there; `norm` is fine at 0,
  while `grad_norm` and `vjp_norm` raise `ValueError`.
* X35, the Frobenius norm ‖W‖_F of an m by n matrix, X12 applied to its entries:
  W/‖W‖_F, for W ≠ 0.
* X36, the weight-decay penalty (λ/2)‖W‖_F², X11 applied to the entries: λW.

Gradients are rows of shape (1, n), numerator layout; the denominator-layout
gradient is the column, the transpose. For the matrix variable W of X35 and X36
the row has m·n entries, W read row by row (`W.reshape(-1)`), and the VJP is
shaped like W. The VJPs take the upstream derivative
v = ∂L/∂f, a scalar, and return v times the gradient as a vector of length n,
shaped like x. Scalar forward values are returned as `numpy.float64`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, reduction, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "frobenius_norm",
    "grad_frobenius_norm",
    "grad_norm",
    "grad_quadratic_form",
    "grad_quadratic_form_symmetric",
    "grad_squared_norm",
    "grad_weight_decay",
    "norm",
    "quadratic_form",
    "quadratic_form_symmetric",
    "squared_norm",
    "vjp_frobenius_norm",
    "vjp_norm",
    "vjp_quadratic_form",
    "vjp_quadratic_form_symmetric",
    "vjp_squared_norm",
    "vjp_weight_decay",
    "weight_decay",
]

SYMMETRY_RTOL = 1e-10
"""A matrix counts as symmetric when max |A_ij − A_ji| <= SYMMETRY_RTOL · max |A_ij|."""

_X = r"\mathbf{x}"



def _form(x: ArrayLike, A: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate (x, A) of xᵀAx: A is square, n by n, and x has length n."""
    x = validate.vector("x", x)
    A = validate.matrix("A", A)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix, n by n, got an array of shape {A.shape}")
    if x.shape[0] != A.shape[0]:
        raise ValueError(f"x must have length n = {A.shape[0]}, the size of A {A.shape}, got length {x.shape[0]}")
    return x, A


def _symmetric_form(x: ArrayLike, A: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """`_form`, and A must equal Aᵀ within SYMMETRY_RTOL."""
    x, A = _form(x, A)
    gap = np.abs(A - A.T)
    tol = SYMMETRY_RTOL * float(np.max(np.abs(A)))
    if gap.max() > tol:
        i, j = (int(k) for k in np.unravel_index(np.argmax(gap), gap.shape))
        i, j = min(i, j), max(i, j)
        raise ValueError(
            f"A must be symmetric (A = Aᵀ) for 2xᵀA to be the gradient of xᵀAx; its largest asymmetry is "
            f"|A[{i}, {j}] - A[{j}, {i}]| = {gap[i, j]:.6g}, above the tolerance {tol:.3g} "
            f"(SYMMETRY_RTOL times the largest |entry|); for a general A use X9, grad_quadratic_form: xᵀ(A + Aᵀ)"
        )
    return x, A


# ----- X9: the quadratic form, any square A -----


def quadratic_form(x: ArrayLike, A: ArrayLike) -> np.float64:
    """The quadratic form f(x) = xᵀAx = Σ_ij x_i A_ij x_j.

    Args:
        x: A vector of length n.
        A: A square matrix, shape `(n, n)`; any, symmetric or not.

    Returns:
        xᵀAx, as a float64 scalar.

    Raises:
        ValueError: If A is not square, x has the wrong length, or the value
            overflows float64.
    """
    x, A = _form(x, A)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.float64(validate.finite_result("xᵀAx", x @ A @ x))


_X9 = reduction(
    "X9",
    title="Quadratic form xᵀAx, general A",
    forward=quadratic_form,
    wrt="x",
    gradient=lambda x, A: x @ (A + A.T),
    latex=rf"\frac{{\partial ({_X}^T A {_X})}}{{\partial {_X}}} = {_X}^T (A + A^T)",
    latex_denominator=rf"\frac{{\partial ({_X}^T A {_X})}}{{\partial {_X}}} = (A + A^T) {_X}",
    args={"x": Arg(shape=("n",)), "A": Arg(shape=("n", "n"))},
    conditions=r"$A$ is any square $n \times n$ matrix; it need not be symmetric.",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_X}}} = v\, (A + A^T) {_X}",
    keywords=("quadratic form gradient", "xᵀAx", "x transpose A x", "general quadratic form"),
)


@_X9.jacobian
def grad_quadratic_form(x: ArrayLike, A: ArrayLike) -> FloatArray:
    """X9: the gradient of xᵀAx is the row xᵀ(A + Aᵀ).

    f = Σ_ij x_i A_ij x_j, and x_k appears in two places: as x_i (giving
    Σ_j A_kj x_j = (Ax)_k) and as x_j (giving Σ_i x_i A_ik = (xᵀA)_k). The
    sum of the two is row k of xᵀ(A + Aᵀ).

    Args:
        x: A vector of length n.
        A: A square matrix, shape `(n, n)`.

    Returns:
        xᵀ(A + Aᵀ), shape `(1, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.quadratic import grad_quadratic_form
        >>> print(grad_quadratic_form([1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        [[ 8. 11.]]
    """


@_X9.vjp
def vjp_quadratic_form(v: ArrayLike, x: ArrayLike, A: ArrayLike) -> FloatArray:
    """X9, backprop form: v (A + Aᵀ)x, for the upstream derivative v = ∂L/∂f.

    Computed as v (Ax + Aᵀx), two matrix-vector products; A + Aᵀ is not formed.

    Args:
        v: The upstream derivative ∂L/∂f, a scalar.
        x: A vector of length n.
        A: A square matrix, shape `(n, n)`.

    Returns:
        v (A + Aᵀ)x, length n (shaped like x).

    Examples:
        >>> from mcref.ext.quadratic import vjp_quadratic_form
        >>> print(vjp_quadratic_form(0.5, [1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        [4.  5.5]
    """


# ----- X10: the quadratic form, symmetric A -----


def quadratic_form_symmetric(x: ArrayLike, A: ArrayLike) -> np.float64:
    """The quadratic form f(x) = xᵀAx, for a symmetric A only.

    The same value as [`quadratic_form`][mcref.ext.quadratic.quadratic_form]; the
    difference is the check, which makes the X10 rule honest about its
    condition.

    Args:
        x: A vector of length n.
        A: A symmetric matrix, shape `(n, n)`.

    Returns:
        xᵀAx, as a float64 scalar.

    Raises:
        ValueError: If A is not square, not symmetric (within
            `SYMMETRY_RTOL`), x has the wrong length, or the value overflows.
    """
    x, A = _symmetric_form(x, A)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.float64(validate.finite_result("xᵀAx", x @ A @ x))


_X10 = reduction(
    "X10",
    title="Quadratic form xᵀAx, symmetric A",
    forward=quadratic_form_symmetric,
    wrt="x",
    gradient=lambda x, A: 2 * (x @ A),
    latex=rf"\frac{{\partial ({_X}^T A {_X})}}{{\partial {_X}}} = 2 {_X}^T A \quad (A = A^T)",
    latex_denominator=rf"\frac{{\partial ({_X}^T A {_X})}}{{\partial {_X}}} = 2 A {_X} \quad (A = A^T)",
    args={"x": Arg(shape=("n",)), "A": Arg(shape=("n", "n"), symmetric=True)},
    conditions=(
        r"$A = A^T$. Then $A + A^T = 2A$ and X9 becomes $2\mathbf{x}^T A$. For a non-symmetric $A$, "
        r"$2\mathbf{x}^T A$ is wrong; `mcref` refuses such an $A$ with a `ValueError`."
    ),
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_X}}} = 2v\, A {_X}",
    keywords=("symmetric quadratic form", "symmetric matrix", "Hessian"),
)


@_X10.jacobian
def grad_quadratic_form_symmetric(x: ArrayLike, A: ArrayLike) -> FloatArray:
    """X10: for a symmetric A, the gradient of xᵀAx is the row 2xᵀA.

    It is X9 with Aᵀ = A. It is wrong for a non-symmetric A, so a non-symmetric
    A is refused.

    Args:
        x: A vector of length n.
        A: A symmetric matrix, shape `(n, n)`.

    Returns:
        2xᵀA, shape `(1, n)`, numerator layout.

    Raises:
        ValueError: If A is not symmetric (the message names its largest asymmetry).

    Examples:
        >>> from mcref.ext.quadratic import grad_quadratic_form_symmetric
        >>> print(grad_quadratic_form_symmetric([1.0, 2.0], [[1.0, 3.0], [3.0, 2.0]]))
        [[14. 14.]]
    """


@_X10.vjp
def vjp_quadratic_form_symmetric(v: ArrayLike, x: ArrayLike, A: ArrayLike) -> FloatArray:
    """X10, backprop form: 2v Ax, for a symmetric A and the upstream derivative v = ∂L/∂f.

    Args:
        v: The upstream derivative ∂L/∂f, a scalar.
        x: A vector of length n.
        A: A symmetric matrix, shape `(n, n)`.

    Returns:
        2v Ax, length n (shaped like x).

    Raises:
        ValueError: If A is not symmetric.

    Examples:
        >>> from mcref.ext.quadratic import vjp_quadratic_form_symmetric
        >>> print(vjp_quadratic_form_symmetric(0.5, [1.0, 2.0], [[1.0, 3.0], [3.0, 2.0]]))
        [7. 7.]
    """


# ----- X11, X12: the squared norm and the norm -----


def squared_norm(x: ArrayLike) -> np.float64:
    """The squared Euclidean norm ‖x‖² = xᵀx = Σ_i x_i².

    Args:
        x: A vector of length n.

    Returns:
        ‖x‖², as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x = validate.vector("x", x)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.float64(validate.finite_result("‖x‖²", x @ x))


_X11 = reduction(
    "X11",
    title="Squared norm ‖x‖²",
    forward=squared_norm,
    wrt="x",
    gradient=lambda x: 2 * x,
    latex=rf"\frac{{\partial \|{_X}\|^2}}{{\partial {_X}}} = 2 {_X}^T",
    latex_denominator=rf"\frac{{\partial \|{_X}\|^2}}{{\partial {_X}}} = 2 {_X}",
    args={"x": Arg(shape=("n",))},
    conditions=r"None: $\|\mathbf{x}\|^2 = \mathbf{x}^T I \mathbf{x}$ is a polynomial, X10 with $A = I$.",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_X}}} = 2v\, {_X}",
    keywords=(
        "sum of squares", "L2 norm squared", "L2 regularization", "ridge",
        "squared Euclidean norm",
    ),
)


@_X11.jacobian
def grad_squared_norm(x: ArrayLike) -> FloatArray:
    """X11: the gradient of ‖x‖² = Σ_i x_i² is the row 2xᵀ.

    Args:
        x: A vector of length n.

    Returns:
        2xᵀ, shape `(1, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.quadratic import grad_squared_norm
        >>> print(grad_squared_norm([3.0, -4.0]))
        [[ 6. -8.]]
    """


@_X11.vjp
def vjp_squared_norm(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X11, backprop form: 2v x, for the upstream derivative v = ∂L/∂f.

    Args:
        v: The upstream derivative ∂L/∂f, a scalar.
        x: A vector of length n.

    Returns:
        2v x, length n (shaped like x).

    Examples:
        >>> from mcref.ext.quadratic import vjp_squared_norm
        >>> print(vjp_squared_norm(0.5, [3.0, -4.0]))
        [ 3. -4.]
    """


def _scaled(x: FloatArray) -> tuple[float, FloatArray]:
    """(s, x / s) with s = max |x_i| > 0, so that squaring x / s cannot overflow or underflow."""
    s = float(np.max(np.abs(x)))
    return s, x / s


def norm(x: ArrayLike) -> np.float64:
    """The Euclidean norm ‖x‖ = √(Σ_i x_i²).

    Defined everywhere, 0 included; computed with x scaled by its largest
    entry, so that large or tiny entries do not overflow or underflow.

    Args:
        x: A vector of length n.

    Returns:
        ‖x‖, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x = validate.vector("x", x)
    if not x.any():
        return np.float64(0.0)
    s, u = _scaled(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.float64(validate.finite_result("‖x‖", s * np.sqrt(u @ u)))


def _unit(x: ArrayLike) -> FloatArray:
    """x / ‖x‖, or a ValueError at the kink x = 0."""
    x = validate.vector("x", x)
    if not x.any():
        raise ValueError(
            "the norm ‖x‖ has no derivative at x = 0 (a kink: the tip of a cone, with slope 1 in every "
            f"direction); got x = 0 of length {x.shape[0]}"
        )
    _, u = _scaled(x)
    return u / np.sqrt(u @ u)


@rule(
    "X12",
    title="Norm ‖x‖, kink at 0",
    forward=norm,
    wrt="x",
    latex=rf"\frac{{\partial \|{_X}\|}}{{\partial {_X}}} = \frac{{{_X}^T}}{{\|{_X}\|}} \quad ({_X} \ne \mathbf{{0}})",
    latex_denominator=(
        rf"\frac{{\partial \|{_X}\|}}{{\partial {_X}}} = \frac{{{_X}}}{{\|{_X}\|}} \quad ({_X} \ne \mathbf{{0}})"
    ),
    shape=(1, "n"),
    args={"x": Arg(shape=("n",), min_abs=0.5)},
    conditions=(
        r"$\mathbf{x} \ne \mathbf{0}$. At $\mathbf{0}$ the norm has a kink (the tip of a cone) and no "
        r"derivative: every direction leaves it with slope 1. `norm` is defined there; `grad_norm` and "
        r"`vjp_norm` raise `ValueError`. Random points keep every entry at least 0.5 from 0."
    ),
    keywords=("Euclidean norm", "L2 norm", "length of a vector", "magnitude", "unit vector"),
)
def grad_norm(x: ArrayLike) -> FloatArray:
    """X12: the gradient of ‖x‖ is the row xᵀ/‖x‖, for x ≠ 0.

    By the chain rule through ‖x‖ = √s with s = ‖x‖²: (1 / 2√s) · 2xᵀ.

    Args:
        x: A nonzero vector of length n.

    Returns:
        xᵀ/‖x‖, shape `(1, n)`, numerator layout: a unit row.

    Raises:
        ValueError: At x = 0, where the norm has a kink and no derivative.

    Examples:
        >>> from mcref.ext.quadratic import grad_norm
        >>> print(grad_norm([3.0, -4.0]))
        [[ 0.6 -0.8]]
    """
    return _unit(x)[None, :]


@vjp_of("X12", latex=rf"\frac{{\partial L}}{{\partial {_X}}} = v\, \frac{{{_X}}}{{\|{_X}\|}}")
def vjp_norm(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """X12, backprop form: v x/‖x‖, for the upstream derivative v = ∂L/∂f and x ≠ 0.

    Args:
        v: The upstream derivative ∂L/∂f, a scalar.
        x: A nonzero vector of length n.

    Returns:
        v x/‖x‖, length n (shaped like x).

    Raises:
        ValueError: At x = 0, where the norm has no derivative.

    Examples:
        >>> from mcref.ext.quadratic import vjp_norm
        >>> print(vjp_norm(2.0, [3.0, -4.0]))
        [ 1.2 -1.6]
    """
    u = _unit(x)
    v = validate.scalar("v", v)
    return v * u


# ----- X35, X36: a weight matrix's Frobenius norm and its weight-decay penalty -----
#
# A matrix variable: the Jacobian of a scalar is a (1, m*n) row over vec_r(W), the entries read
# row by row (numpy's reshape(-1)), and the VJP returns an array shaped like W.

_VEC_W = r"\operatorname{vec}_r(W)"


def _matrix_unit(W: ArrayLike) -> FloatArray:
    """W / ‖W‖_F, or a ValueError at the kink W = 0."""
    W = validate.matrix("W", W)
    if not W.any():
        raise ValueError(
            "the Frobenius norm ‖W‖_F has no derivative at W = 0 (a kink: the tip of a cone, with slope 1 in "
            f"every direction); got W = 0 of shape {W.shape}"
        )
    s = float(np.max(np.abs(W)))
    U = W / s
    return U / np.sqrt(np.sum(U * U))


def frobenius_norm(W: ArrayLike) -> np.float64:
    """The Frobenius norm ‖W‖_F = √(Σ_ij W_ij²) of a matrix: the Euclidean norm of its entries.

    Defined everywhere, 0 included; computed with W scaled by its largest entry, like
    [`norm`][mcref.ext.quadratic.norm], so large or tiny entries do not overflow or underflow.

    Args:
        W: A matrix, shape `(m, n)`.

    Returns:
        ‖W‖_F, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    W = validate.matrix("W", W)
    if not W.any():
        return np.float64(0.0)
    s = float(np.max(np.abs(W)))
    U = W / s
    with np.errstate(over="ignore", invalid="ignore"):
        return np.float64(validate.finite_result("‖W‖_F", s * np.sqrt(np.sum(U * U))))


@rule(
    "X35",
    title="Frobenius norm ‖W‖_F, kink at 0",
    forward=frobenius_norm,
    wrt="W",
    latex=(
        rf"\frac{{\partial \|W\|_F}}{{\partial {_VEC_W}}} = \frac{{{_VEC_W}^T}}{{\|W\|_F}} "
        r"\quad (W \ne 0)"
    ),
    latex_denominator=(
        rf"\frac{{\partial \|W\|_F}}{{\partial {_VEC_W}}} = \frac{{{_VEC_W}}}{{\|W\|_F}}, \qquad "
        r"\frac{\partial \|W\|_F}{\partial W} = \frac{W}{\|W\|_F} \ (m \times n)"
    ),
    shape=(1, "m*n"),
    args={"W": Arg(("m", "n"), min_abs=0.5)},
    conditions=(
        r"$W \ne 0$. $\|W\|_F = \sqrt{\sum_{ij} W_{ij}^2}$ is the norm [X12](#X12) of the $mn$ entries, so "
        r"its gradient is the unit matrix $W / \|W\|_F$; the row above lists it entry by entry, row by row "
        r"($\operatorname{vec}_r$). At $W = 0$ the norm has a kink and no derivative: `frobenius_norm` is "
        r"defined there, `grad_frobenius_norm` and `vjp_frobenius_norm` raise `ValueError`. Random points "
        r"keep every entry at least 0.5 from 0."
    ),
    keywords=("Frobenius norm", "matrix norm", "Frobenius norm gradient", "Hilbert-Schmidt norm", "weight norm"),
)
def grad_frobenius_norm(W: ArrayLike) -> FloatArray:
    """X35: the gradient of ‖W‖_F is W/‖W‖_F, flattened row by row to a (1, m·n) row, for W ≠ 0.

    The norm reads the mn entries as one long vector, so the gradient is X12's unit vector,
    read back as a matrix: every entry W_ij contributes W_ij/‖W‖_F.

    Args:
        W: A nonzero matrix, shape `(m, n)`.

    Returns:
        vec_r(W)ᵀ/‖W‖_F, shape `(1, m*n)`, numerator layout.

    Raises:
        ValueError: At W = 0, where the norm has a kink and no derivative.

    Examples:
        >>> from mcref.ext.quadratic import frobenius_norm, grad_frobenius_norm
        >>> W = [[1.0, -2.0, 2.0], [0.0, 4.0, 0.0]]
        >>> print(frobenius_norm(W))
        5.0
        >>> print(grad_frobenius_norm(W))
        [[ 0.2 -0.4  0.4  0.   0.8  0. ]]
    """
    return _matrix_unit(W).reshape(1, -1)


@vjp_of("X35", latex=r"\frac{\partial L}{\partial W} = v\, \frac{W}{\|W\|_F}")
def vjp_frobenius_norm(v: ArrayLike, W: ArrayLike) -> FloatArray:
    """X35, backprop form: v W/‖W‖_F, shaped like W, for the upstream derivative v = ∂L/∂f and W ≠ 0.

    Args:
        v: The upstream derivative ∂L/∂f, a scalar.
        W: A nonzero matrix, shape `(m, n)`.

    Returns:
        v W/‖W‖_F, shape `(m, n)` (shaped like W).

    Raises:
        ValueError: At W = 0, where the norm has no derivative.

    Examples:
        >>> from mcref.ext.quadratic import vjp_frobenius_norm
        >>> print(vjp_frobenius_norm(10.0, [[3.0, 0.0], [0.0, -4.0]]))
        [[ 6.  0.]
         [ 0. -8.]]
    """
    U = _matrix_unit(W)
    v = validate.scalar("v", v)
    return v * U


def _decay_inputs(W: ArrayLike, lam: ArrayLike) -> tuple[FloatArray, float]:
    return validate.matrix("W", W), validate.nonnegative_float("lam", lam)


def weight_decay(W: ArrayLike, lam: ArrayLike) -> np.float64:
    """The weight-decay (L2) penalty (λ/2)‖W‖_F² = (λ/2) Σ_ij W_ij² of a weight matrix.

    Args:
        W: The weights, shape `(m, n)`.
        lam: The strength λ >= 0.

    Returns:
        (λ/2)‖W‖_F², as a float64 scalar.

    Raises:
        ValueError: If λ < 0, or the value overflows float64.
    """
    W, lam = _decay_inputs(W, lam)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.float64(validate.finite_result("(λ/2)‖W‖_F²", 0.5 * lam * np.sum(W * W)))


@rule(
    "X36",
    title="Weight decay (λ/2)‖W‖_F²",
    forward=weight_decay,
    wrt="W",
    latex=rf"\frac{{\partial}}{{\partial {_VEC_W}}} \frac{{\lambda}}{{2}} \|W\|_F^2 = \lambda\, {_VEC_W}^T",
    latex_denominator=(
        rf"\frac{{\partial}}{{\partial {_VEC_W}}} \frac{{\lambda}}{{2}} \|W\|_F^2 = \lambda\, {_VEC_W}, \qquad "
        r"\frac{\partial}{\partial W} \frac{\lambda}{2} \|W\|_F^2 = \lambda W \ (m \times n)"
    ),
    shape=(1, "m*n"),
    args={"W": Arg(("m", "n")), "lam": Arg(shape=(), low=0.0, high=2.0)},
    conditions=(
        r"$\lambda \ge 0$ is a constant; the functions raise ValueError for a negative one. The penalty is "
        r"[X11](#X11) applied to the $mn$ entries and scaled by $\lambda/2$, which cancels the 2 of the "
        r"square. A plain gradient step on it, $W \leftarrow W - \eta\lambda W$, shrinks every weight by "
        r"the factor $1 - \eta\lambda$, hence the name."
    ),
    keywords=("weight decay", "L2 penalty", "weight penalty", "ridge penalty", "squared Frobenius norm"),
)
def grad_weight_decay(W: ArrayLike, lam: ArrayLike) -> FloatArray:
    """X36: the gradient of (λ/2)‖W‖_F² is λW, flattened row by row to a (1, m·n) row.

    Args:
        W: The weights, shape `(m, n)`.
        lam: The strength λ >= 0.

    Returns:
        λ vec_r(W)ᵀ, shape `(1, m*n)`, numerator layout.

    Examples:
        >>> from mcref.ext.quadratic import grad_weight_decay, weight_decay
        >>> W = [[1.0, -2.0], [0.5, 0.0]]
        >>> print(weight_decay(W, 0.1))
        0.2625
        >>> print(grad_weight_decay(W, 0.1))
        [[ 0.1  -0.2   0.05  0.  ]]
    """
    W, lam = _decay_inputs(W, lam)
    return (lam * W).reshape(1, -1)


@vjp_of("X36", latex=r"\frac{\partial L}{\partial W} = v\, \lambda W")
def vjp_weight_decay(v: ArrayLike, W: ArrayLike, lam: ArrayLike) -> FloatArray:
    """X36, backprop form: v λW, shaped like W, for the upstream derivative v = ∂L/∂f.

    Args:
        v: The upstream derivative ∂L/∂f, a scalar (1 when the penalty is added to the loss).
        W: The weights, shape `(m, n)`.
        lam: The strength λ >= 0.

    Returns:
        v λW, shape `(m, n)` (shaped like W).
    """
    v = validate.scalar("v", v)
    W, lam = _decay_inputs(W, lam)
    return v * lam * W
