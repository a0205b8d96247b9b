"""The Cookbook's sections 2.4.1 and 2.4.2, first- and second-order forms: (69) to (89).

A *form* here is a number built from vectors and matrices that is linear
(first order) or quadratic (second order) in the variable: aᵀx, aᵀXb, xᵀBx,
(x − As)ᵀW(x − As). Their gradients are written in the book's layout, shaped
like the variable ([`reduction`][mcref.core.registry.reduction] with a vector
or matrix variable). The entry-wise statements (73) to (75), (79) and (80),
∂F_kl/∂X_ij for a matrix function F, are rules on F with its full Jacobian,
both F and X flattened row by row, built from the book's entry formula.

Equation (89) is complex. A complex vector is passed as real pairs, an array of
shape (n, 2) whose columns are the real and imaginary parts, and a complex
number as a pair of shape (2,); see
[`complex_square`][mcref.cookbook.forms.complex_square].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.errata import erratum
from mcref.core.registry import Arg, reduction, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "a_dot_x",
    "affine_form",
    "affine_quadratic",
    "bilinear",
    "bilinear_transposed",
    "complex_square",
    "congruence",
    "entries",
    "grad_a_dot_x",
    "grad_affine_form",
    "grad_affine_quadratic",
    "grad_bilinear",
    "grad_bilinear_transposed",
    "grad_gram_form",
    "grad_matrix_form",
    "grad_matrix_form_transposed",
    "grad_quadratic_form",
    "grad_squared_sum",
    "grad_weighted_distance_s",
    "grad_weighted_distance_x",
    "grad_weighted_gram_form",
    "grad_weighted_residual_A",
    "grad_weighted_residual_s",
    "grad_weighted_residual_x",
    "grad_x_dot_a",
    "gram_form",
    "jac_complex_square",
    "jac_congruence",
    "jac_congruence_by_entry",
    "jac_entries",
    "jac_right_product",
    "jac_transposed_product",
    "matrix_form",
    "matrix_form_transposed",
    "quadratic_form",
    "right_product",
    "squared_sum",
    "transposed_product",
    "vjp_a_dot_x",
    "vjp_affine_form",
    "vjp_affine_quadratic",
    "vjp_bilinear",
    "vjp_bilinear_transposed",
    "vjp_complex_square",
    "vjp_congruence",
    "vjp_congruence_by_entry",
    "vjp_entries",
    "vjp_gram_form",
    "vjp_matrix_form",
    "vjp_matrix_form_transposed",
    "vjp_quadratic_form",
    "vjp_right_product",
    "vjp_squared_sum",
    "vjp_transposed_product",
    "vjp_weighted_distance_s",
    "vjp_weighted_distance_x",
    "vjp_weighted_gram_form",
    "vjp_weighted_residual_A",
    "vjp_weighted_residual_s",
    "vjp_weighted_residual_x",
    "vjp_x_dot_a",
    "weighted_distance",
    "weighted_gram_form",
    "weighted_residual",
]

SYMMETRY_RTOL = 1e-10
"""W counts as symmetric when max |W_ij − W_ji| <= SYMMETRY_RTOL · max |W_ij| (rules (84) to (88))."""

_a, _b, _c, _d, _s, _x = (rf"\mathbf{{{v}}}" for v in "abcdsx")


def _number(name: str, value: FloatArray | float) -> np.float64:
    """A computed number as float64, or ValueError if it overflowed."""
    return np.float64(validate.finite_result(name, value))


def _square(name: str, value: ArrayLike) -> FloatArray:
    M = validate.matrix(name, value)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    return M


def _length(name: str, v: FloatArray, n: int, what: str) -> None:
    if v.shape[0] != n:
        raise ValueError(f"{name} must have length {n} ({what}), got length {v.shape[0]}")


def _rows(name: str, M: FloatArray, n: int, what: str) -> None:
    if M.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows ({what}), got shape {M.shape}")


# ----- 2.4.1, first order: (69) to (72) -----


def _paired(x: ArrayLike, a: ArrayLike) -> tuple[FloatArray, FloatArray]:
    xv, av = validate.vector("x", x), validate.vector("a", a)
    validate.same_length(x=xv, a=av)
    return xv, av


def x_dot_a(x: ArrayLike, a: ArrayLike) -> np.float64:
    """xᵀa for two vectors of one length.

    Examples:
        >>> from mcref.cookbook.forms import x_dot_a
        >>> print(x_dot_a([1.0, 2.0], [3.0, -1.0]))
        1.0
    """
    xv, av = _paired(x, a)
    with np.errstate(all="ignore"):
        return _number("xᵀa", xv @ av)


_MC69_1 = reduction(
    "MC69.1",
    title="Gradient of xᵀa",
    forward=x_dot_a,
    wrt="x",
    gradient=lambda x, a: a,
    latex=rf"\frac{{\partial {_x}^T{_a}}}{{\partial {_x}}} = {_a}^T",
    latex_denominator=rf"\frac{{\partial {_x}^T{_a}}}{{\partial {_x}}} = {_a}",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_x}}} = v\,{_a}",
    args={"x": Arg(shape=("n",)), "a": Arg(shape=("n",))},
    section="2.4.1",
    conditions=r"$\mathbf{x}$ and $\mathbf{a}$ are vectors of one length $n$; $\mathbf{a}$ is constant.",
    keywords=("inner product", "xᵀa", "xTa"),
    printed=(
        r"\frac{\partial\mathbf{x}^T\mathbf{a}}{\partial\mathbf{x}} = "
        r"\frac{\partial\mathbf{a}^T\mathbf{x}}{\partial\mathbf{x}} = \mathbf{a}"
    ),
)


@_MC69_1.jacobian
def grad_x_dot_a(x: ArrayLike, a: ArrayLike) -> FloatArray:
    """MC69.1: ∂(xᵀa)/∂x = a, as the row aᵀ.

    xᵀa = Σ_i x_i a_i, and x_i appears once, with the factor a_i.

    Args:
        x: A vector of length n.
        a: A vector of length n.

    Returns:
        aᵀ, shape `(1, n)` (numerator layout; the book's column a in its own).

    Examples:
        >>> from mcref.cookbook.forms import grad_x_dot_a
        >>> print(grad_x_dot_a([1.0, 2.0], [3.0, -1.0]))
        [[ 3. -1.]]
    """


@_MC69_1.vjp
def vjp_x_dot_a(v: float, x: ArrayLike, a: ArrayLike) -> FloatArray:
    """MC69.1, backprop form: v a, shaped like x.

    Examples:
        >>> from mcref.cookbook.forms import vjp_x_dot_a
        >>> print(vjp_x_dot_a(2.0, [1.0, 2.0], [3.0, -1.0]))
        [ 6. -2.]
    """


def a_dot_x(a: ArrayLike, x: ArrayLike) -> np.float64:
    """aᵀx for two vectors of one length.

    Examples:
        >>> from mcref.cookbook.forms import a_dot_x
        >>> print(a_dot_x([3.0, -1.0], [1.0, 2.0]))
        1.0
    """
    xv, av = _paired(x, a)
    with np.errstate(all="ignore"):
        return _number("aᵀx", av @ xv)


_MC69_2 = reduction(
    "MC69.2",
    title="Gradient of aᵀx",
    forward=a_dot_x,
    wrt="x",
    gradient=lambda a, x: a,
    latex=rf"\frac{{\partial {_a}^T{_x}}}{{\partial {_x}}} = {_a}^T",
    latex_denominator=rf"\frac{{\partial {_a}^T{_x}}}{{\partial {_x}}} = {_a}",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_x}}} = v\,{_a}",
    args={"a": Arg(shape=("n",)), "x": Arg(shape=("n",))},
    section="2.4.1",
    conditions=r"$\mathbf{a}$ and $\mathbf{x}$ are vectors of one length $n$; $\mathbf{a}$ is constant.",
    keywords=("gradient of a linear function", "aᵀx", "aTx", "dot product"),
    printed=(
        r"\frac{\partial\mathbf{x}^T\mathbf{a}}{\partial\mathbf{x}} = "
        r"\frac{\partial\mathbf{a}^T\mathbf{x}}{\partial\mathbf{x}} = \mathbf{a}"
    ),
)


@_MC69_2.jacobian
def grad_a_dot_x(a: ArrayLike, x: ArrayLike) -> FloatArray:
    """MC69.2: ∂(aᵀx)/∂x = a, as the row aᵀ.

    aᵀx is the same number as xᵀa (a number is its own transpose), so its
    gradient is the same: each x_i carries the factor a_i.

    Args:
        a: A vector of length n.
        x: A vector of length n.

    Returns:
        aᵀ, shape `(1, n)` (numerator layout; the book's column a in its own).

    Examples:
        >>> from mcref.cookbook.forms import grad_a_dot_x
        >>> print(grad_a_dot_x([3.0, -1.0], [1.0, 2.0]))
        [[ 3. -1.]]
    """


@_MC69_2.vjp
def vjp_a_dot_x(v: float, a: ArrayLike, x: ArrayLike) -> FloatArray:
    """MC69.2, backprop form: v a, shaped like x.

    Examples:
        >>> from mcref.cookbook.forms import vjp_a_dot_x
        >>> print(vjp_a_dot_x(2.0, [3.0, -1.0], [1.0, 2.0]))
        [ 6. -2.]
    """


def _bilinear_args(a: ArrayLike, X: ArrayLike, b: ArrayLike, *, transposed: bool) -> tuple[FloatArray, ...]:
    av, Xm, bv = validate.vector("a", a), validate.matrix("X", X), validate.vector("b", b)
    m, n = Xm.shape
    left, right = (n, m) if transposed else (m, n)
    if av.shape[0] != left or bv.shape[0] != right:
        form = "aᵀXᵀb" if transposed else "aᵀXb"
        raise ValueError(
            f"{form} with X of shape {Xm.shape} needs a of length {left} and b of length {right}, "
            f"got a of length {av.shape[0]} and b of length {bv.shape[0]}"
        )
    return av, Xm, bv


def bilinear(a: ArrayLike, X: ArrayLike, b: ArrayLike) -> np.float64:
    """aᵀXb for X of shape (m, n), a of length m and b of length n.

    Examples:
        >>> from mcref.cookbook.forms import bilinear
        >>> print(bilinear([1.0, 2.0], [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]], [1.0, 1.0, 1.0]))
        5.0
    """
    av, Xm, bv = _bilinear_args(a, X, b, transposed=False)
    with np.errstate(all="ignore"):
        return _number("aᵀXb", av @ Xm @ bv)


_MC70 = reduction(
    "MC70",
    title="Gradient of aᵀXb",
    forward=bilinear,
    wrt="X",
    gradient=lambda a, X, b: np.outer(a, b),
    latex=rf"\frac{{\partial {_a}^TX{_b}}}{{\partial X}} = {_b}{_a}^T",
    latex_denominator=rf"\frac{{\partial {_a}^TX{_b}}}{{\partial X}} = {_a}{_b}^T",
    vjp_latex=rf"\frac{{\partial L}}{{\partial X}} = v\,{_a}{_b}^T",
    args={"a": Arg(shape=("m",)), "X": Arg(shape=("m", "n")), "b": Arg(shape=("n",))},
    section="2.4.1",
    conditions=r"$X$ is $m \times n$, $\mathbf{a}$ has length $m$ and $\mathbf{b}$ length $n$.",
    keywords=("bilinear form", "aᵀXb", "aTXb", "outer product"),
    printed=r"\frac{\partial\mathbf{a}^T\mathbf{X}\mathbf{b}}{\partial\mathbf{X}} = \mathbf{a}\mathbf{b}^T",
)


@_MC70.jacobian
def grad_bilinear(a: ArrayLike, X: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC70: ∂(aᵀXb)/∂X = abᵀ, flattened row by row into a (1, m n) row.

    aᵀXb = Σ_ij a_i X_ij b_j, so the entry X_ij carries the factor a_i b_j,
    the (i, j) entry of the outer product abᵀ.

    Args:
        a: A vector of length m.
        X: Shape `(m, n)`.
        b: A vector of length n.

    Returns:
        abᵀ flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_bilinear
        >>> print(grad_bilinear([1.0, 2.0], [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]], [1.0, 3.0, 1.0]))
        [[1. 3. 1. 2. 6. 2.]]
    """


@_MC70.vjp
def vjp_bilinear(v: float, a: ArrayLike, X: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC70, backprop form: v abᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_bilinear
        >>> print(vjp_bilinear(2.0, [1.0, 2.0], [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]], [1.0, 3.0, 1.0]))
        [[ 2.  6.  2.]
         [ 4. 12.  4.]]
    """


def bilinear_transposed(a: ArrayLike, X: ArrayLike, b: ArrayLike) -> np.float64:
    """aᵀXᵀb for X of shape (m, n), a of length n and b of length m.

    Examples:
        >>> from mcref.cookbook.forms import bilinear_transposed
        >>> print(bilinear_transposed([1.0, 1.0, 1.0], [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]], [1.0, 2.0]))
        5.0
    """
    av, Xm, bv = _bilinear_args(a, X, b, transposed=True)
    with np.errstate(all="ignore"):
        return _number("aᵀXᵀb", av @ Xm.T @ bv)


_MC71 = reduction(
    "MC71",
    title="Gradient of aᵀXᵀb",
    forward=bilinear_transposed,
    wrt="X",
    gradient=lambda a, X, b: np.outer(b, a),
    latex=rf"\frac{{\partial {_a}^TX^T{_b}}}{{\partial X}} = {_a}{_b}^T",
    latex_denominator=rf"\frac{{\partial {_a}^TX^T{_b}}}{{\partial X}} = {_b}{_a}^T",
    vjp_latex=rf"\frac{{\partial L}}{{\partial X}} = v\,{_b}{_a}^T",
    args={"a": Arg(shape=("n",)), "X": Arg(shape=("m", "n")), "b": Arg(shape=("m",))},
    section="2.4.1",
    conditions=r"$X$ is $m \times n$, $\mathbf{a}$ has length $n$ and $\mathbf{b}$ length $m$.",
    keywords=("transposed bilinear form", "aᵀXᵀb", "aTXTb"),
    printed=r"\frac{\partial\mathbf{a}^T\mathbf{X}^T\mathbf{b}}{\partial\mathbf{X}} = \mathbf{b}\mathbf{a}^T",
)


@_MC71.jacobian
def grad_bilinear_transposed(a: ArrayLike, X: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC71: ∂(aᵀXᵀb)/∂X = baᵀ, flattened row by row into a (1, m n) row.

    aᵀXᵀb is a number, equal to its transpose bᵀXa: this is (70) with a and b
    swapped, so X_ij carries the factor b_i a_j.

    Args:
        a: A vector of length n.
        X: Shape `(m, n)`.
        b: A vector of length m.

    Returns:
        baᵀ flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_bilinear_transposed
        >>> print(grad_bilinear_transposed([1.0, 3.0, 1.0], [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]], [1.0, 2.0]))
        [[1. 3. 1. 2. 6. 2.]]
    """


@_MC71.vjp
def vjp_bilinear_transposed(v: float, a: ArrayLike, X: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC71, backprop form: v baᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_bilinear_transposed
        >>> print(vjp_bilinear_transposed(1.0, [1.0, 3.0, 1.0], [[1.0, 0.0, 2.0], [0.0, 1.0, 0.0]], [1.0, 2.0]))
        [[1. 3. 1.]
         [2. 6. 2.]]
    """


def _form_args(a: ArrayLike, X: ArrayLike) -> tuple[FloatArray, FloatArray]:
    av, Xm = validate.vector("a", a), _square("X", X)
    _length("a", av, Xm.shape[0], f"the size of X {Xm.shape}")
    return av, Xm


def matrix_form(a: ArrayLike, X: ArrayLike) -> np.float64:
    """aᵀXa for a square X of shape (n, n) and a of length n.

    Examples:
        >>> from mcref.cookbook.forms import matrix_form
        >>> print(matrix_form([1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        15.0
    """
    av, Xm = _form_args(a, X)
    with np.errstate(all="ignore"):
        return _number("aᵀXa", av @ Xm @ av)


_MC72_1 = reduction(
    "MC72.1",
    title="Gradient of aᵀXa",
    forward=matrix_form,
    wrt="X",
    gradient=lambda a, X: np.outer(a, a),
    latex=rf"\frac{{\partial {_a}^TX{_a}}}{{\partial X}} = {_a}{_a}^T",
    vjp_latex=rf"\frac{{\partial L}}{{\partial X}} = v\,{_a}{_a}^T",
    args={"a": Arg(shape=("n",)), "X": Arg(shape=("n", "n"))},
    section="2.4.1",
    conditions=(
        r"$X$ is square, $n \times n$, and need not be symmetric; $\mathbf{a}$ has length $n$. "
        r"$\mathbf{a}\mathbf{a}^T$ is symmetric, so both layouts state the same matrix."
    ),
    keywords=("aᵀXa", "aTXa"),
    printed=(
        r"\frac{\partial\mathbf{a}^T\mathbf{X}\mathbf{a}}{\partial\mathbf{X}} = "
        r"\frac{\partial\mathbf{a}^T\mathbf{X}^T\mathbf{a}}{\partial\mathbf{X}} = \mathbf{a}\mathbf{a}^T"
    ),
)


@_MC72_1.jacobian
def grad_matrix_form(a: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC72.1: ∂(aᵀXa)/∂X = aaᵀ, flattened row by row into a (1, n²) row.

    It is (70) with b = a: X_ij carries the factor a_i a_j.

    Args:
        a: A vector of length n.
        X: A square matrix, shape `(n, n)`.

    Returns:
        aaᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_matrix_form
        >>> print(grad_matrix_form([1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        [[1. 2. 2. 4.]]
    """


@_MC72_1.vjp
def vjp_matrix_form(v: float, a: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC72.1, backprop form: v aaᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_matrix_form
        >>> print(vjp_matrix_form(0.5, [1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        [[0.5 1. ]
         [1.  2. ]]
    """


def matrix_form_transposed(a: ArrayLike, X: ArrayLike) -> np.float64:
    """aᵀXᵀa for a square X of shape (n, n) and a of length n (the same number as aᵀXa).

    Examples:
        >>> from mcref.cookbook.forms import matrix_form_transposed
        >>> print(matrix_form_transposed([1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        15.0
    """
    av, Xm = _form_args(a, X)
    with np.errstate(all="ignore"):
        return _number("aᵀXᵀa", av @ Xm.T @ av)


_MC72_2 = reduction(
    "MC72.2",
    title="Gradient of aᵀXᵀa",
    forward=matrix_form_transposed,
    wrt="X",
    gradient=lambda a, X: np.outer(a, a),
    latex=rf"\frac{{\partial {_a}^TX^T{_a}}}{{\partial X}} = {_a}{_a}^T",
    vjp_latex=rf"\frac{{\partial L}}{{\partial X}} = v\,{_a}{_a}^T",
    args={"a": Arg(shape=("n",)), "X": Arg(shape=("n", "n"))},
    section="2.4.1",
    conditions=r"$X$ is square, $n \times n$, and need not be symmetric; $\mathbf{a}$ has length $n$.",
    keywords=("aᵀXᵀa", "aTXTa"),
    printed=(
        r"\frac{\partial\mathbf{a}^T\mathbf{X}\mathbf{a}}{\partial\mathbf{X}} = "
        r"\frac{\partial\mathbf{a}^T\mathbf{X}^T\mathbf{a}}{\partial\mathbf{X}} = \mathbf{a}\mathbf{a}^T"
    ),
)


@_MC72_2.jacobian
def grad_matrix_form_transposed(a: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC72.2: ∂(aᵀXᵀa)/∂X = aaᵀ, flattened row by row into a (1, n²) row.

    It is (71) with b = a, and baᵀ = aaᵀ: transposing X does not move the
    gradient, because aaᵀ is symmetric.

    Args:
        a: A vector of length n.
        X: A square matrix, shape `(n, n)`.

    Returns:
        aaᵀ flattened, shape `(1, n*n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_matrix_form_transposed
        >>> print(grad_matrix_form_transposed([1.0, -1.0], [[1.0, 3.0], [0.0, 2.0]]))
        [[ 1. -1. -1.  1.]]
    """


@_MC72_2.vjp
def vjp_matrix_form_transposed(v: float, a: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC72.2, backprop form: v aaᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_matrix_form_transposed
        >>> print(vjp_matrix_form_transposed(2.0, [1.0, -1.0], [[1.0, 3.0], [0.0, 2.0]]))
        [[ 2. -2.]
         [-2.  2.]]
    """


# ----- 2.4.1, entry-wise: (73) to (75) -----


def _cotangent(G: ArrayLike, shape: tuple[int, ...], of: str) -> FloatArray:
    return np.asarray(validate.shaped_cotangent(G, shape, of, name="G"), dtype=np.float64)


def entries(X: ArrayLike) -> FloatArray:
    """X itself, as a function of X: the map whose derivative (73) states.

    Examples:
        >>> from mcref.cookbook.forms import entries
        >>> print(entries([[1, 2]]))
        [[1. 2.]]
    """
    return validate.matrix("X", X)


@rule(
    "MC73",
    title="Derivative of a matrix by one of its entries",
    section="2.4.1",
    forward=entries,
    wrt="X",
    latex=(
        r"\frac{\partial X}{\partial X_{ij}} = J^{ij}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(X)}{\partial \operatorname{vec}_r(X)} = I_{mn}"
    ),
    shape=("m*n", "m*n"),
    args={"X": Arg(shape=("m", "n"))},
    conditions=(
        r"$X$ is $m \times n$ with independent entries; $J^{ij}$ is the $m \times n$ matrix with a 1 at "
        r"$(i, j)$ and zeros elsewhere. Column $(i, j)$ of the flattened Jacobian is $J^{ij}$ flattened "
        r"row by row, so the Jacobian is the identity."
    ),
    keywords=("single-entry matrix", "matrix by one of its entries", "Jij"),
    printed=r"\frac{\partial\mathbf{X}}{\partial X_{ij}} = \mathbf{J}^{ij}",
)
def jac_entries(X: ArrayLike) -> FloatArray:
    """MC73: ∂X/∂X_ij = J^ij, the single-entry matrix; flattened, the identity of size m n.

    Built from the entry formula ∂X_kl/∂X_ij = δ_ik δ_lj, the Cookbook's (32):
    the 4-index array δ_ik δ_lj, with (k, l) and (i, j) each flattened row by row.

    Args:
        X: Shape `(m, n)`.

    Returns:
        The Jacobian, shape `(m*n, m*n)`: column i n + j is J^ij flattened.

    Examples:
        >>> from mcref.cookbook.forms import jac_entries
        >>> print(jac_entries([[5.0, 7.0]]))
        [[1. 0.]
         [0. 1.]]
    """
    m, n = validate.matrix("X", X).shape
    return np.einsum("ik,lj->klij", np.eye(m), np.eye(n)).reshape(m * n, m * n)


@vjp_of("MC73", latex=r"\frac{\partial L}{\partial X} = G")
def vjp_entries(G: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC73, backprop form: G itself, for the upstream gradient G = ∂L/∂X of the same shape.

    Examples:
        >>> from mcref.cookbook.forms import vjp_entries
        >>> print(vjp_entries([[1.0, -2.0]], [[5.0, 7.0]]))
        [[ 1. -2.]]
    """
    Xm = validate.matrix("X", X)
    return _cotangent(G, Xm.shape, "entries").copy()


def _product_args(X: ArrayLike, A: ArrayLike, *, transposed: bool) -> tuple[FloatArray, FloatArray]:
    Xm, Am = validate.matrix("X", X), validate.matrix("A", A)
    inner = Xm.shape[0] if transposed else Xm.shape[1]
    if Am.shape[0] != inner:
        form, need = ("XᵀA", "rows as X") if transposed else ("XA", "rows as X has columns")
        raise ValueError(
            f"{form} needs A with as many {need} ({inner}), got X of shape {Xm.shape} and A of shape {Am.shape}"
        )
    return Xm, Am


def right_product(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """XA for X of shape (p, q) and A of shape (q, r).

    Examples:
        >>> from mcref.cookbook.forms import right_product
        >>> print(right_product([[1.0, 2.0]], [[1.0], [1.0]]))
        [[3.]]
    """
    Xm, Am = _product_args(X, A, transposed=False)
    with np.errstate(all="ignore"):
        return validate.finite_result("XA", Xm @ Am)


@rule(
    "MC74",
    title="Entry-wise derivative of XA",
    section="2.4.1",
    forward=right_product,
    wrt="X",
    latex=(
        r"\frac{\partial (XA)_{ij}}{\partial X_{mn}} = \delta_{im} A_{nj} = (J^{mn}A)_{ij}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(XA)}{\partial \operatorname{vec}_r(X)} = I_p \otimes A^T"
    ),
    latex_denominator=(
        r"\frac{\partial (XA)_{ij}}{\partial X_{mn}} = \delta_{im} A_{nj} = (J^{mn}A)_{ij}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(XA)}{\partial \operatorname{vec}_r(X)} = I_p \otimes A"
    ),
    shape=("p*r", "p*q"),
    args={"X": Arg(shape=("p", "q")), "A": Arg(shape=("q", "r"))},
    conditions=(
        r"$X$ is $p \times q$ and $A$ is $q \times r$; $J^{mn}$ is $p \times q$, the shape of $X$. "
        r"$XA$ and $X$ are flattened row by row."
    ),
    keywords=("derivative of XA entry by entry", "derivative of a matrix product", "Kronecker product"),
    printed=(
        r"\frac{\partial(\mathbf{XA})_{ij}}{\partial X_{mn}} = \delta_{im}(\mathbf{A})_{nj} = "
        r"(\mathbf{J}^{mn}\mathbf{A})_{ij}"
    ),
)
def jac_right_product(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC74: ∂(XA)_ij/∂X_mn = δ_im A_nj, flattened into a (p r, p q) Jacobian.

    (XA)_ij = Σ_k X_ik A_kj reads only row i of X, and X_in with the factor A_nj.
    The 4-index array is built from that formula and flattened row by row; it
    is the Kronecker product I_p ⊗ Aᵀ.

    Args:
        X: Shape `(p, q)`.
        A: Shape `(q, r)`.

    Returns:
        The Jacobian, shape `(p*r, p*q)`.

    Examples:
        >>> from mcref.cookbook.forms import jac_right_product
        >>> print(jac_right_product([[1.0, 2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
        [[1. 4.]
         [2. 5.]
         [3. 6.]]
    """
    Xm, Am = _product_args(X, A, transposed=False)
    p, q = Xm.shape
    r = Am.shape[1]
    return np.einsum("im,nj->ijmn", np.eye(p), Am).reshape(p * r, p * q)


@vjp_of("MC74", latex=r"\frac{\partial L}{\partial X} = G A^T")
def vjp_right_product(G: ArrayLike, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC74, backprop form: ∂L/∂X = G Aᵀ, for the upstream gradient G = ∂L/∂(XA) of shape (p, r).

    Σ_ij G_ij δ_im A_nj = Σ_j G_mj A_nj.

    Examples:
        >>> from mcref.cookbook.forms import vjp_right_product
        >>> print(vjp_right_product([[1.0, 0.0, -1.0]], [[1.0, 2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
        [[-2. -2.]]
    """
    Xm, Am = _product_args(X, A, transposed=False)
    return _cotangent(G, (Xm.shape[0], Am.shape[1]), "right_product") @ Am.T


def transposed_product(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """XᵀA for X of shape (p, q) and A of shape (p, r).

    Examples:
        >>> from mcref.cookbook.forms import transposed_product
        >>> print(transposed_product([[1.0, 2.0]], [[3.0]]))
        [[3.]
         [6.]]
    """
    Xm, Am = _product_args(X, A, transposed=True)
    with np.errstate(all="ignore"):
        return validate.finite_result("XᵀA", Xm.T @ Am)


@rule(
    "MC75",
    title="Entry-wise derivative of XᵀA",
    section="2.4.1",
    forward=transposed_product,
    wrt="X",
    latex=r"\frac{\partial (X^TA)_{ij}}{\partial X_{mn}} = \delta_{in} A_{mj} = (J^{nm}A)_{ij}",
    shape=("q*r", "p*q"),
    args={"X": Arg(shape=("p", "q")), "A": Arg(shape=("p", "r"))},
    conditions=(
        r"$X$ is $p \times q$ and $A$ is $p \times r$, so $X^TA$ is $q \times r$. Here $J^{nm}$ is "
        r"$q \times p$, the shape of $X^T$, not of $X$ as in (73): the 1 sits at row $n$, column $m$. "
        r"With that reading the printed statement holds for every shape (checked with $p \ne q \ne r$)."
    ),
    keywords=("derivative of X transpose A entry by entry", "transposed matrix product"),
    printed=(
        r"\frac{\partial(\mathbf{X}^T\mathbf{A})_{ij}}{\partial X_{mn}} = \delta_{in}(\mathbf{A})_{mj} = "
        r"(\mathbf{J}^{nm}\mathbf{A})_{ij}"
    ),
)
def jac_transposed_product(X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC75: ∂(XᵀA)_ij/∂X_mn = δ_in A_mj, flattened into a (q r, p q) Jacobian.

    (XᵀA)_ij = Σ_k X_ki A_kj reads only column i of X, and X_mi with the factor
    A_mj. The 4-index array is built from that formula and flattened row by row.

    Args:
        X: Shape `(p, q)`.
        A: Shape `(p, r)`.

    Returns:
        The Jacobian, shape `(q*r, p*q)`.

    Examples:
        >>> from mcref.cookbook.forms import jac_transposed_product
        >>> print(jac_transposed_product([[1.0, 2.0]], [[3.0]]))
        [[3. 0.]
         [0. 3.]]
    """
    Xm, Am = _product_args(X, A, transposed=True)
    p, q = Xm.shape
    r = Am.shape[1]
    return np.einsum("in,mj->ijmn", np.eye(q), Am).reshape(q * r, p * q)


@vjp_of("MC75", latex=r"\frac{\partial L}{\partial X} = A G^T")
def vjp_transposed_product(G: ArrayLike, X: ArrayLike, A: ArrayLike) -> FloatArray:
    """MC75, backprop form: ∂L/∂X = A Gᵀ, for the upstream gradient G = ∂L/∂(XᵀA) of shape (q, r).

    Σ_ij G_ij δ_in A_mj = Σ_j A_mj G_nj.

    Examples:
        >>> from mcref.cookbook.forms import vjp_transposed_product
        >>> print(vjp_transposed_product([[1.0], [-1.0]], [[1.0, 2.0]], [[3.0]]))
        [[ 3. -3.]]
    """
    Xm, Am = _product_args(X, A, transposed=True)
    return Am @ _cotangent(G, (Xm.shape[1], Am.shape[1]), "transposed_product").T


# ----- 2.4.2, second order: (76) to (78) -----


def squared_sum(X: ArrayLike) -> np.float64:
    """Σ_klmn X_kl X_mn, the sum over every pair of entries, which is (Σ_kl X_kl)².

    Examples:
        >>> from mcref.cookbook.forms import squared_sum
        >>> print(squared_sum([[1.0, 2.0], [3.0, -1.0]]))
        25.0
    """
    Xm = validate.matrix("X", X)
    with np.errstate(all="ignore"):
        return _number("Σ X_kl X_mn", np.sum(Xm) ** 2)


_MC76 = reduction(
    "MC76",
    title="Gradient of the sum of all products of two entries",
    forward=squared_sum,
    wrt="X",
    gradient=lambda X: 2 * np.sum(X),
    latex=r"\frac{\partial}{\partial X_{ij}} \sum_{klmn} X_{kl}X_{mn} = 2\sum_{kl} X_{kl}",
    vjp_latex=r"\frac{\partial L}{\partial X} = 2v\,\Big(\sum_{kl} X_{kl}\Big)\,\mathbf{1}\mathbf{1}^T",
    args={"X": Arg(shape=("m", "n"))},
    section="2.4.2",
    conditions=(
        r"$X$ is $m \times n$, any shape. The four indices run over all entries independently, so the "
        r"sum is $(\sum_{kl} X_{kl})^2$, and every entry of the gradient is the same number: the gradient "
        r"is $2(\sum_{kl}X_{kl})\,\mathbf{1}\mathbf{1}^T$, symmetric in layout."
    ),
    keywords=("derivative of squared sum of entries", "sum over all index pairs", "square of the sum"),
    printed=r"\frac{\partial}{\partial X_{ij}}\sum_{klmn}X_{kl}X_{mn} = 2\sum_{kl}X_{kl}",
)


@_MC76.jacobian
def grad_squared_sum(X: ArrayLike) -> FloatArray:
    """MC76: ∂/∂X_ij Σ_klmn X_kl X_mn = 2 Σ_kl X_kl for every (i, j), as a (1, m n) row.

    X_ij appears once as X_kl, paired with every X_mn (giving Σ_mn X_mn), and
    once as X_mn, paired with every X_kl: twice the sum of all entries.

    Args:
        X: Shape `(m, n)`.

    Returns:
        2 ΣX in every entry, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_squared_sum
        >>> print(grad_squared_sum([[1.0, 2.0], [3.0, -1.0]]))
        [[10. 10. 10. 10.]]
    """


@_MC76.vjp
def vjp_squared_sum(v: float, X: ArrayLike) -> FloatArray:
    """MC76, backprop form: 2 v ΣX in every entry, shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_squared_sum
        >>> print(vjp_squared_sum(0.5, [[1.0, 2.0, 0.0]]))
        [[3. 3. 3.]]
    """


def _gram_args(b: ArrayLike, X: ArrayLike, c: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    bv, Xm, cv = validate.vector("b", b), validate.matrix("X", X), validate.vector("c", c)
    validate.same_length(b=bv, c=cv)
    _length("b", bv, Xm.shape[1], f"the number of columns of X {Xm.shape}")
    return bv, Xm, cv


def gram_form(b: ArrayLike, X: ArrayLike, c: ArrayLike) -> np.float64:
    """bᵀXᵀXc for X of shape (m, n) and b, c of length n.

    Examples:
        >>> from mcref.cookbook.forms import gram_form
        >>> print(gram_form([1.0, 0.0], [[1.0, 2.0], [0.0, 1.0]], [0.0, 1.0]))
        2.0
    """
    bv, Xm, cv = _gram_args(b, X, c)
    with np.errstate(all="ignore"):
        return _number("bᵀXᵀXc", (Xm @ bv) @ (Xm @ cv))


_MC77 = reduction(
    "MC77",
    title="Gradient of bᵀXᵀXc",
    forward=gram_form,
    wrt="X",
    gradient=lambda b, X, c: X @ (np.outer(b, c) + np.outer(c, b)),
    latex=rf"\frac{{\partial {_b}^TX^TX{_c}}}{{\partial X}} = ({_b}{_c}^T + {_c}{_b}^T)X^T",
    latex_denominator=rf"\frac{{\partial {_b}^TX^TX{_c}}}{{\partial X}} = X({_b}{_c}^T + {_c}{_b}^T)",
    vjp_latex=rf"\frac{{\partial L}}{{\partial X}} = v\,X({_b}{_c}^T + {_c}{_b}^T)",
    args={"b": Arg(shape=("n",)), "X": Arg(shape=("m", "n")), "c": Arg(shape=("n",))},
    section="2.4.2",
    conditions=r"$X$ is $m \times n$ (any shape), $\mathbf{b}$ and $\mathbf{c}$ have length $n$.",
    keywords=("Gram matrix form", "bᵀXᵀXc", "bTXTXc"),
    printed=(
        r"\frac{\partial\mathbf{b}^T\mathbf{X}^T\mathbf{X}\mathbf{c}}{\partial\mathbf{X}} = "
        r"\mathbf{X}(\mathbf{b}\mathbf{c}^T + \mathbf{c}\mathbf{b}^T)"
    ),
)


@_MC77.jacobian
def grad_gram_form(b: ArrayLike, X: ArrayLike, c: ArrayLike) -> FloatArray:
    """MC77: ∂(bᵀXᵀXc)/∂X = X(bcᵀ + cbᵀ), flattened row by row into a (1, m n) row.

    bᵀXᵀXc = (Xb)ᵀ(Xc). A change dX changes it by (dX b)ᵀXc + (Xb)ᵀ dX c, which
    is the trace pairing of dX with Xc bᵀ + Xb cᵀ = X(cbᵀ + bcᵀ).

    Args:
        b: A vector of length n.
        X: Shape `(m, n)`.
        c: A vector of length n.

    Returns:
        X(bcᵀ + cbᵀ) flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_gram_form
        >>> print(grad_gram_form([1.0, 0.0], [[1.0, 2.0], [0.0, 1.0]], [0.0, 1.0]))
        [[2. 1. 1. 0.]]
    """


@_MC77.vjp
def vjp_gram_form(v: float, b: ArrayLike, X: ArrayLike, c: ArrayLike) -> FloatArray:
    """MC77, backprop form: v X(bcᵀ + cbᵀ), shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_gram_form
        >>> print(vjp_gram_form(2.0, [1.0, 0.0], [[1.0, 2.0], [0.0, 1.0]], [0.0, 1.0]))
        [[4. 2.]
         [2. 0.]]
    """


def _affine_args(*values: ArrayLike) -> tuple[FloatArray, ...]:
    x, B, b, C, D, d = values
    xv, Bm, bv = validate.vector("x", x), validate.matrix("B", B), validate.vector("b", b)
    Cm, Dm, dv = validate.matrix("C", C), validate.matrix("D", D), validate.vector("d", d)
    n = xv.shape[0]
    p, q = Cm.shape
    if Bm.shape != (p, n) or Dm.shape != (q, n) or bv.shape != (p,) or dv.shape != (q,):
        raise ValueError(
            f"(Bx + b)ᵀC(Dx + d) with x of length {n} and C of shape {Cm.shape} needs B {(p, n)}, b {(p,)}, "
            f"D {(q, n)} and d {(q,)}, got B {Bm.shape}, b {bv.shape}, D {Dm.shape} and d {dv.shape}"
        )
    return xv, Bm, bv, Cm, Dm, dv


def affine_form(x: ArrayLike, B: ArrayLike, b: ArrayLike, C: ArrayLike, D: ArrayLike, d: ArrayLike) -> np.float64:
    """(Bx + b)ᵀC(Dx + d) for x of length n, B (p, n), b (p,), C (p, q), D (q, n) and d (q,).

    Examples:
        >>> from mcref.cookbook.forms import affine_form
        >>> print(affine_form([1.0], [[1.0]], [1.0], [[2.0]], [[3.0]], [0.0]))
        12.0
    """
    xv, Bm, bv, Cm, Dm, dv = _affine_args(x, B, b, C, D, d)
    with np.errstate(all="ignore"):
        return _number("(Bx + b)ᵀC(Dx + d)", (Bm @ xv + bv) @ Cm @ (Dm @ xv + dv))


def _affine_gradient(
    x: FloatArray, B: FloatArray, b: FloatArray, C: FloatArray, D: FloatArray, d: FloatArray
) -> FloatArray:
    return B.T @ (C @ (D @ x + d)) + D.T @ (C.T @ (B @ x + b))


_MC78 = reduction(
    "MC78",
    title="Gradient of (Bx + b)ᵀC(Dx + d)",
    forward=affine_form,
    wrt="x",
    gradient=_affine_gradient,
    latex=(
        rf"\frac{{\partial (B{_x} + {_b})^TC(D{_x} + {_d})}}{{\partial {_x}}} = "
        rf"(D{_x} + {_d})^TC^TB + (B{_x} + {_b})^TCD"
    ),
    latex_denominator=(
        rf"\frac{{\partial (B{_x} + {_b})^TC(D{_x} + {_d})}}{{\partial {_x}}} = "
        rf"B^TC(D{_x} + {_d}) + D^TC^T(B{_x} + {_b})"
    ),
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_x}}} = v\,\big(B^TC(D{_x} + {_d}) + D^TC^T(B{_x} + {_b})\big)",
    args={
        "x": Arg(shape=("n",)),
        "B": Arg(shape=("p", "n")),
        "b": Arg(shape=("p",)),
        "C": Arg(shape=("p", "q")),
        "D": Arg(shape=("q", "n")),
        "d": Arg(shape=("q",)),
    },
    section="2.4.2",
    conditions=(
        r"$\mathbf{x}$ has length $n$, $B$ is $p \times n$, $C$ is $p \times q$ and $D$ is $q \times n$; "
        r"$C$ need not be square or symmetric."
    ),
    keywords=("product of two affine functions", "(Bx+b)ᵀC(Dx+d)"),
    printed=(
        r"\frac{\partial(\mathbf{B}\mathbf{x}+\mathbf{b})^T\mathbf{C}(\mathbf{D}\mathbf{x}+\mathbf{d})}"
        r"{\partial\mathbf{x}} = \mathbf{B}^T\mathbf{C}(\mathbf{D}\mathbf{x}+\mathbf{d}) + "
        r"\mathbf{D}^T\mathbf{C}^T(\mathbf{B}\mathbf{x}+\mathbf{b})"
    ),
)


@_MC78.jacobian
def grad_affine_form(x: ArrayLike, B: ArrayLike, b: ArrayLike, C: ArrayLike, D: ArrayLike, d: ArrayLike) -> FloatArray:
    """MC78: the gradient of (Bx + b)ᵀC(Dx + d) is Bᵀ C(Dx + d) + Dᵀ Cᵀ(Bx + b), as a (1, n) row.

    With u = Bx + b and w = Dx + d, the product rule gives d(uᵀCw) = (B dx)ᵀCw +
    uᵀC(D dx): the first term pairs dx with BᵀCw, the second with DᵀCᵀu.

    Args:
        x: A vector of length n.
        B: Shape `(p, n)`.
        b: A vector of length p.
        C: Shape `(p, q)`.
        D: Shape `(q, n)`.
        d: A vector of length q.

    Returns:
        BᵀC(Dx + d) + DᵀCᵀ(Bx + b) as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_affine_form
        >>> print(grad_affine_form([1.0], [[1.0]], [1.0], [[2.0]], [[3.0]], [0.0]))
        [[18.]]
    """


@_MC78.vjp
def vjp_affine_form(
    v: float, x: ArrayLike, B: ArrayLike, b: ArrayLike, C: ArrayLike, D: ArrayLike, d: ArrayLike
) -> FloatArray:
    """MC78, backprop form: v (BᵀC(Dx + d) + DᵀCᵀ(Bx + b)), shaped like x.

    Examples:
        >>> from mcref.cookbook.forms import vjp_affine_form
        >>> print(vjp_affine_form(0.5, [1.0], [[1.0]], [1.0], [[2.0]], [[3.0]], [0.0]))
        [9.]
    """


# ----- 2.4.2, entry-wise: (79) and (80) -----


def _congruence_args(X: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray]:
    Xm, Bm = validate.matrix("X", X), _square("B", B)
    _rows("X", Xm, Bm.shape[0], f"the size of B {Bm.shape}")
    return Xm, Bm


def congruence(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """XᵀBX for X of shape (n, m) and a square B of shape (n, n).

    Examples:
        >>> from mcref.cookbook.forms import congruence
        >>> print(congruence([[1.0, 0.0], [1.0, 1.0]], [[1.0, 2.0], [0.0, 1.0]]))
        [[4. 3.]
         [1. 1.]]
    """
    Xm, Bm = _congruence_args(X, B)
    with np.errstate(all="ignore"):
        return validate.finite_result("XᵀBX", Xm.T @ Bm @ Xm)


_CONGRUENCE_ARGS = {"X": Arg(shape=("n", "m")), "B": Arg(shape=("n", "n"))}
_CONGRUENCE_VJP = r"\frac{\partial L}{\partial X} = B^TXG + BXG^T"


@rule(
    "MC79",
    title="Entry-wise derivative of XᵀBX",
    section="2.4.2",
    forward=congruence,
    wrt="X",
    latex=(r"\frac{\partial (X^TBX)_{kl}}{\partial X_{ij}} = \delta_{lj}(X^TB)_{ki} + \delta_{kj}(BX)_{il}"),
    shape=("m*m", "n*m"),
    args=_CONGRUENCE_ARGS,
    conditions=(
        r"$X$ is $n \times m$ and $B$ is $n \times n$, any square matrix (not necessarily symmetric). "
        r"The Jacobian is this 4-index array with $(k, l)$ and $(i, j)$ each flattened row by row."
    ),
    keywords=("congruence transform derivative", "XᵀBX entry by entry"),
    printed=(
        r"\frac{\partial(\mathbf{X}^T\mathbf{B}\mathbf{X})_{kl}}{\partial X_{ij}} = "
        r"\delta_{lj}(\mathbf{X}^T\mathbf{B})_{ki} + \delta_{kj}(\mathbf{B}\mathbf{X})_{il}"
    ),
)
def jac_congruence(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC79: ∂(XᵀBX)_kl/∂X_ij = δ_lj (XᵀB)_ki + δ_kj (BX)_il, flattened into an (m², n m) Jacobian.

    (XᵀBX)_kl = Σ_ab X_ak B_ab X_bl. X_ij is X_ak when (a, k) = (i, j), which
    leaves Σ_b B_ib X_bl = (BX)_il, and X_bl when (b, l) = (i, j), which leaves
    Σ_a X_ak B_ai = (XᵀB)_ki. The 4-index array is built from this formula.

    Args:
        X: Shape `(n, m)`.
        B: Shape `(n, n)`.

    Returns:
        The Jacobian, shape `(m*m, n*m)`.

    Examples:
        >>> from mcref.cookbook.forms import jac_congruence
        >>> print(jac_congruence([[2.0]], [[3.0]]))
        [[12.]]
    """
    Xm, Bm = _congruence_args(X, B)
    n, m = Xm.shape
    eye = np.eye(m)
    J = np.einsum("lj,ki->klij", eye, Xm.T @ Bm) + np.einsum("kj,il->klij", eye, Bm @ Xm)
    return J.reshape(m * m, n * m)


@vjp_of("MC79", latex=_CONGRUENCE_VJP)
def vjp_congruence(G: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC79, backprop form: ∂L/∂X = BᵀXG + BXGᵀ, for the upstream gradient G = ∂L/∂(XᵀBX) of shape (m, m).

    Σ_kl G_kl (δ_lj (XᵀB)_ki + δ_kj (BX)_il) = Σ_k (XᵀB)_ki G_kj + Σ_l (BX)_il G_jl.

    Examples:
        >>> from mcref.cookbook.forms import vjp_congruence
        >>> print(vjp_congruence([[1.0]], [[2.0]], [[3.0]]))
        [[12.]]
    """
    Xm, Bm = _congruence_args(X, B)
    g = _cotangent(G, (Xm.shape[1], Xm.shape[1]), "congruence")
    return Bm.T @ Xm @ g + Bm @ Xm @ g.T


@rule(
    "MC80",
    title="Derivative of XᵀBX by one entry of X",
    section="2.4.2",
    forward=congruence,
    wrt="X",
    latex=r"\frac{\partial (X^TBX)}{\partial X_{ij}} = X^TBJ^{ij} + J^{ji}BX",
    shape=("m*m", "n*m"),
    args=_CONGRUENCE_ARGS,
    conditions=(
        r"$X$ is $n \times m$, $B$ is $n \times n$; $J^{ij}$ is $n \times m$ (the shape of $X$) and "
        r"$J^{ji}$ is $m \times n$. Column $(i, j)$ of the flattened Jacobian is this $m \times m$ matrix "
        r"flattened row by row: the same Jacobian as (79), written one matrix per entry of $X$."
    ),
    keywords=("congruence by one entry", "XᵀBX per entry"),
    printed=(
        r"\frac{\partial(\mathbf{X}^T\mathbf{B}\mathbf{X})}{\partial X_{ij}} = "
        r"\mathbf{X}^T\mathbf{B}\mathbf{J}^{ij} + \mathbf{J}^{ji}\mathbf{B}\mathbf{X}"
    ),
)
def jac_congruence_by_entry(X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC80: ∂(XᵀBX)/∂X_ij = XᵀBJ^ij + J^ji BX, one m×m matrix per entry of X, as an (m², n m) Jacobian.

    The product rule on Xᵀ B X with ∂X/∂X_ij = J^ij (73) and ∂Xᵀ/∂X_ij = J^ji.
    Computed from the formula itself, on the stack of all n m single-entry matrices.

    Args:
        X: Shape `(n, m)`.
        B: Shape `(n, n)`.

    Returns:
        The Jacobian, shape `(m*m, n*m)`: column i m + j is XᵀBJ^ij + J^ji BX flattened.

    Examples:
        >>> from mcref.cookbook.forms import jac_congruence_by_entry
        >>> print(jac_congruence_by_entry([[1.0], [0.0]], [[1.0, 2.0], [0.0, 1.0]]))
        [[2. 2.]]
    """
    Xm, Bm = _congruence_args(X, B)
    n, m = Xm.shape
    single = np.eye(n * m).reshape(n * m, n, m)  # single[i m + j] = J^ij
    per_entry = (Xm.T @ Bm) @ single + single.transpose(0, 2, 1) @ (Bm @ Xm)
    return per_entry.reshape(n * m, m * m).T


@vjp_of("MC80", latex=_CONGRUENCE_VJP)
def vjp_congruence_by_entry(G: ArrayLike, X: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC80, backprop form: ∂L/∂X_ij = Tr(Gᵀ(XᵀBJ^ij + J^ji BX)), which is BᵀXG + BXGᵀ.

    Examples:
        >>> from mcref.cookbook.forms import vjp_congruence_by_entry
        >>> print(vjp_congruence_by_entry([[1.0]], [[1.0], [0.0]], [[1.0, 2.0], [0.0, 1.0]]))
        [[2.]
         [2.]]
    """
    Xm, Bm = _congruence_args(X, B)
    g = _cotangent(G, (Xm.shape[1], Xm.shape[1]), "congruence")
    # Tr(Gᵀ XᵀB J^ij) = (BᵀXG)_ij and Tr(Gᵀ J^ji BX) = (BXGᵀ)_ij
    return (Xm.T @ Bm).T @ g + (Bm @ Xm) @ g.T


# ----- 2.4.2, quadratic forms: (81) to (83) -----


def quadratic_form(x: ArrayLike, B: ArrayLike) -> np.float64:
    """xᵀBx for x of length n and any square B of shape (n, n).

    Examples:
        >>> from mcref.cookbook.forms import quadratic_form
        >>> print(quadratic_form([1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        15.0
    """
    xv, Bm = validate.vector("x", x), _square("B", B)
    _length("x", xv, Bm.shape[0], f"the size of B {Bm.shape}")
    with np.errstate(all="ignore"):
        return _number("xᵀBx", xv @ Bm @ xv)


_MC81 = reduction(
    "MC81",
    title="Gradient of the quadratic form xᵀBx",
    forward=quadratic_form,
    wrt="x",
    gradient=lambda x, B: (B + B.T) @ x,
    latex=rf"\frac{{\partial {_x}^TB{_x}}}{{\partial {_x}}} = {_x}^T(B + B^T)",
    latex_denominator=rf"\frac{{\partial {_x}^TB{_x}}}{{\partial {_x}}} = (B + B^T){_x}",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_x}}} = v\,(B + B^T){_x}",
    args={"x": Arg(shape=("n",)), "B": Arg(shape=("n", "n"))},
    section="2.4.2",
    conditions=r"$B$ is any square $n \times n$ matrix; for a symmetric $B$ the gradient is $2B\mathbf{x}$.",
    keywords=("gradient of xᵀBx", "xᵀBx", "xTBx"),
    printed=(
        r"\frac{\partial\mathbf{x}^T\mathbf{B}\mathbf{x}}{\partial\mathbf{x}} = "
        r"(\mathbf{B}+\mathbf{B}^T)\mathbf{x}"
    ),
)


@_MC81.jacobian
def grad_quadratic_form(x: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC81: ∂(xᵀBx)/∂x = (B + Bᵀ)x, as the row xᵀ(B + Bᵀ).

    x enters twice: d(xᵀBx) = dxᵀ Bx + xᵀB dx, and both terms are numbers, so
    the first is xᵀBᵀdx; together (xᵀ(B + Bᵀ)) dx.

    Args:
        x: A vector of length n.
        B: Shape `(n, n)`.

    Returns:
        xᵀ(B + Bᵀ), shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_quadratic_form
        >>> print(grad_quadratic_form([1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        [[ 8. 11.]]
    """


@_MC81.vjp
def vjp_quadratic_form(v: float, x: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC81, backprop form: v (B + Bᵀ)x, shaped like x.

    Examples:
        >>> from mcref.cookbook.forms import vjp_quadratic_form
        >>> print(vjp_quadratic_form(2.0, [1.0, 2.0], [[1.0, 3.0], [0.0, 2.0]]))
        [16. 22.]
    """


def _weighted_gram_args(b: ArrayLike, X: ArrayLike, D: ArrayLike, c: ArrayLike) -> tuple[FloatArray, ...]:
    bv, Xm, Dm, cv = validate.vector("b", b), validate.matrix("X", X), _square("D", D), validate.vector("c", c)
    validate.same_length(b=bv, c=cv)
    _rows("X", Xm, Dm.shape[0], f"the size of D {Dm.shape}")
    _length("b", bv, Xm.shape[1], f"the number of columns of X {Xm.shape}")
    return bv, Xm, Dm, cv


def weighted_gram_form(b: ArrayLike, X: ArrayLike, D: ArrayLike, c: ArrayLike) -> np.float64:
    """bᵀXᵀDXc for X of shape (n, m), D of shape (n, n) and b, c of length m.

    Examples:
        >>> from mcref.cookbook.forms import weighted_gram_form
        >>> print(weighted_gram_form([1.0], [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]], [2.0]))
        14.0
    """
    bv, Xm, Dm, cv = _weighted_gram_args(b, X, D, c)
    with np.errstate(all="ignore"):
        return _number("bᵀXᵀDXc", (Xm @ bv) @ Dm @ (Xm @ cv))


_MC82 = reduction(
    "MC82",
    title="Gradient of bᵀXᵀDXc",
    forward=weighted_gram_form,
    wrt="X",
    gradient=lambda b, X, D, c: D.T @ X @ np.outer(b, c) + D @ X @ np.outer(c, b),
    latex=rf"\frac{{\partial {_b}^TX^TDX{_c}}}{{\partial X}} = {_c}{_b}^TX^TD + {_b}{_c}^TX^TD^T",
    latex_denominator=rf"\frac{{\partial {_b}^TX^TDX{_c}}}{{\partial X}} = D^TX{_b}{_c}^T + DX{_c}{_b}^T",
    vjp_latex=rf"\frac{{\partial L}}{{\partial X}} = v\,(D^TX{_b}{_c}^T + DX{_c}{_b}^T)",
    args={"b": Arg(shape=("m",)), "X": Arg(shape=("n", "m")), "D": Arg(shape=("n", "n")), "c": Arg(shape=("m",))},
    section="2.4.2",
    conditions=r"$X$ is $n \times m$, $D$ is any $n \times n$ matrix, $\mathbf{b}$ and $\mathbf{c}$ have length $m$.",
    keywords=("weighted Gram form", "bᵀXᵀDXc", "bTXTDXc"),
    printed=(
        r"\frac{\partial\mathbf{b}^T\mathbf{X}^T\mathbf{D}\mathbf{X}\mathbf{c}}{\partial\mathbf{X}} = "
        r"\mathbf{D}^T\mathbf{X}\mathbf{b}\mathbf{c}^T + \mathbf{D}\mathbf{X}\mathbf{c}\mathbf{b}^T"
    ),
)


@_MC82.jacobian
def grad_weighted_gram_form(b: ArrayLike, X: ArrayLike, D: ArrayLike, c: ArrayLike) -> FloatArray:
    """MC82: ∂(bᵀXᵀDXc)/∂X = DᵀXbcᵀ + DXcbᵀ, flattened row by row into a (1, n m) row.

    bᵀXᵀDXc = (Xb)ᵀD(Xc). The change (dX b)ᵀD Xc pairs dX with DXc bᵀ, and
    (Xb)ᵀD dX c pairs it with DᵀXb cᵀ.

    Args:
        b: A vector of length m.
        X: Shape `(n, m)`.
        D: Shape `(n, n)`.
        c: A vector of length m.

    Returns:
        DᵀXbcᵀ + DXcbᵀ flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_weighted_gram_form
        >>> print(grad_weighted_gram_form([1.0], [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]], [2.0]))
        [[ 8. 10.]]
    """


@_MC82.vjp
def vjp_weighted_gram_form(v: float, b: ArrayLike, X: ArrayLike, D: ArrayLike, c: ArrayLike) -> FloatArray:
    """MC82, backprop form: v (DᵀXbcᵀ + DXcbᵀ), shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_weighted_gram_form
        >>> print(vjp_weighted_gram_form(0.5, [1.0], [[1.0], [2.0]], [[1.0, 1.0], [0.0, 1.0]], [2.0]))
        [[4.]
         [5.]]
    """


def affine_quadratic(X: ArrayLike, b: ArrayLike, c: ArrayLike, D: ArrayLike) -> np.float64:
    """(Xb + c)ᵀD(Xb + c) for X of shape (n, m), b of length m, c of length n and D of shape (n, n).

    Examples:
        >>> from mcref.cookbook.forms import affine_quadratic
        >>> print(affine_quadratic([[1.0, 0.0]], [2.0, 5.0], [1.0], [[2.0]]))
        18.0
    """
    Xm, bv, cv, Dm = validate.matrix("X", X), validate.vector("b", b), validate.vector("c", c), _square("D", D)
    _length("b", bv, Xm.shape[1], f"the number of columns of X {Xm.shape}")
    _length("c", cv, Xm.shape[0], f"the number of rows of X {Xm.shape}")
    _rows("X", Xm, Dm.shape[0], f"the size of D {Dm.shape}")
    with np.errstate(all="ignore"):
        r = Xm @ bv + cv
        return _number("(Xb + c)ᵀD(Xb + c)", r @ Dm @ r)


_MC83 = reduction(
    "MC83",
    title="Gradient of (Xb + c)ᵀD(Xb + c)",
    forward=affine_quadratic,
    wrt="X",
    gradient=lambda X, b, c, D: np.outer((D + D.T) @ (X @ b + c), b),
    latex=rf"\frac{{\partial}}{{\partial X}}(X{_b} + {_c})^TD(X{_b} + {_c}) = {_b}(X{_b} + {_c})^T(D + D^T)",
    latex_denominator=(
        rf"\frac{{\partial}}{{\partial X}}(X{_b} + {_c})^TD(X{_b} + {_c}) = (D + D^T)(X{_b} + {_c}){_b}^T"
    ),
    vjp_latex=rf"\frac{{\partial L}}{{\partial X}} = v\,(D + D^T)(X{_b} + {_c}){_b}^T",
    args={"X": Arg(shape=("n", "m")), "b": Arg(shape=("m",)), "c": Arg(shape=("n",)), "D": Arg(shape=("n", "n"))},
    section="2.4.2",
    conditions=(
        r"$X$ is $n \times m$, $\mathbf{b}$ has length $m$, $\mathbf{c}$ length $n$, and $D$ is any "
        r"$n \times n$ matrix (for a symmetric $D$, $D + D^T = 2D$)."
    ),
    keywords=("(Xb+c)ᵀD(Xb+c)", "quadratic form of an affine function of a matrix"),
    printed=(
        r"\frac{\partial}{\partial\mathbf{X}}(\mathbf{X}\mathbf{b}+\mathbf{c})^T\mathbf{D}"
        r"(\mathbf{X}\mathbf{b}+\mathbf{c}) = (\mathbf{D}+\mathbf{D}^T)(\mathbf{X}\mathbf{b}+\mathbf{c})\mathbf{b}^T"
    ),
)


@_MC83.jacobian
def grad_affine_quadratic(X: ArrayLike, b: ArrayLike, c: ArrayLike, D: ArrayLike) -> FloatArray:
    """MC83: ∂/∂X (Xb + c)ᵀD(Xb + c) = (D + Dᵀ)(Xb + c)bᵀ, flattened row by row into a (1, n m) row.

    With r = Xb + c, the gradient of rᵀDr with respect to r is (D + Dᵀ)r (81),
    and dr = dX b, so the pairing with dX is the outer product (D + Dᵀ)r bᵀ.

    Args:
        X: Shape `(n, m)`.
        b: A vector of length m.
        c: A vector of length n.
        D: Shape `(n, n)`.

    Returns:
        (D + Dᵀ)(Xb + c)bᵀ flattened, shape `(1, n*m)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_affine_quadratic
        >>> print(grad_affine_quadratic([[1.0, 0.0]], [2.0, 5.0], [1.0], [[2.0]]))
        [[24. 60.]]
    """


@_MC83.vjp
def vjp_affine_quadratic(v: float, X: ArrayLike, b: ArrayLike, c: ArrayLike, D: ArrayLike) -> FloatArray:
    """MC83, backprop form: v (D + Dᵀ)(Xb + c)bᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.forms import vjp_affine_quadratic
        >>> print(vjp_affine_quadratic(0.5, [[1.0, 0.0]], [2.0, 5.0], [1.0], [[2.0]]))
        [[12. 30.]]
    """


# ----- 2.4.2, weighted residuals with a symmetric W: (84) to (88) -----


def _symmetric(W: ArrayLike, n: int) -> FloatArray:
    """W as a symmetric (n, n) matrix, or ValueError naming the shape or the largest asymmetry."""
    Wm = _square("W", W)
    if Wm.shape[0] != n:
        raise ValueError(f"W must have shape {(n, n)} (x has length {n}), got shape {Wm.shape}")
    gap = np.abs(Wm - Wm.T)
    tol = SYMMETRY_RTOL * float(np.max(np.abs(Wm)))
    if gap.max() > tol:
        i, j = (int(k) for k in np.unravel_index(np.argmax(gap), gap.shape))
        i, j = min(i, j), max(i, j)
        raise ValueError(
            f"W must be symmetric (W = Wᵀ), as the Cookbook's (84) to (88) assume; its largest asymmetry is "
            f"|W[{i}, {j}] - W[{j}, {i}]| = {gap[i, j]:.6g}, above {tol:.3g}. For any W, replace 2W by W + Wᵀ "
            f"in the gradient (MC81, MC83)"
        )
    return Wm


def _residual_args(x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> tuple[FloatArray, ...]:
    xv, Am, sv = validate.vector("x", x), validate.matrix("A", A), validate.vector("s", s)
    if Am.shape != (xv.shape[0], sv.shape[0]):
        raise ValueError(
            f"x - As with x of length {xv.shape[0]} and s of length {sv.shape[0]} needs A of shape "
            f"{(xv.shape[0], sv.shape[0])}, got A of shape {Am.shape}"
        )
    return xv, Am, sv, _symmetric(W, xv.shape[0])


def weighted_residual(x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> np.float64:
    """(x − As)ᵀW(x − As) for x of length n, A of shape (n, k), s of length k and a symmetric W (n, n).

    Raises:
        ValueError: If a shape does not fit, or W is not symmetric (the message names the largest asymmetry).

    Examples:
        >>> from mcref.cookbook.forms import weighted_residual
        >>> print(weighted_residual([3.0, 1.0], [[1.0], [0.0]], [1.0], [[2.0, 1.0], [1.0, 1.0]]))
        13.0
    """
    xv, Am, sv, Wm = _residual_args(x, A, s, W)
    with np.errstate(all="ignore"):
        r = xv - Am @ sv
        return _number("(x - As)ᵀW(x - As)", r @ Wm @ r)


_RESIDUAL_ARGS = {
    "x": Arg(shape=("n",)),
    "A": Arg(shape=("n", "k")),
    "s": Arg(shape=("k",)),
    "W": Arg(shape=("n", "n"), symmetric=True),
}
_SYMMETRIC_W = (
    r"$W$ symmetric, as the book states; the functions refuse a non-symmetric $W$. Without the symmetry "
    r"the gradient has $W + W^T$ where it shows $2W$ (the printed form then fails, see the page)."
)
_RESIDUAL = r"(\mathbf{x} - A\mathbf{s})"
_RESIDUAL_BOOK = r"(\mathbf{x}-\mathbf{A}\mathbf{s})"


_MC84 = reduction(
    "MC84",
    title="Gradient of a weighted least-squares residual with respect to s",
    forward=weighted_residual,
    wrt="s",
    gradient=lambda x, A, s, W: -2 * A.T @ (W @ (x - A @ s)),
    latex=rf"\frac{{\partial}}{{\partial {_s}}}{_RESIDUAL}^TW{_RESIDUAL} = -2{_RESIDUAL}^TWA",
    latex_denominator=rf"\frac{{\partial}}{{\partial {_s}}}{_RESIDUAL}^TW{_RESIDUAL} = -2A^TW{_RESIDUAL}",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_s}}} = -2v\,A^TW{_RESIDUAL}",
    args=_RESIDUAL_ARGS,
    section="2.4.2",
    conditions=rf"$A$ is $n \times k$, $\mathbf{{x}}$ has length $n$ and $\mathbf{{s}}$ length $k$. {_SYMMETRIC_W}",
    keywords=("weighted least squares gradient", "(x-As)ᵀW(x-As)", "normal equations"),
    printed=(
        rf"\frac{{\partial}}{{\partial\mathbf{{s}}}}{_RESIDUAL_BOOK}^T\mathbf{{W}}{_RESIDUAL_BOOK} = "
        rf"-2\mathbf{{A}}^T\mathbf{{W}}{_RESIDUAL_BOOK}"
    ),
)


@_MC84.jacobian
def grad_weighted_residual_s(x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC84: ∂/∂s (x − As)ᵀW(x − As) = −2AᵀW(x − As), for a symmetric W, as a (1, k) row.

    With r = x − As, the gradient of rᵀWr in r is (W + Wᵀ)r = 2Wr, and dr = −A ds.

    Args:
        x: A vector of length n.
        A: Shape `(n, k)`.
        s: A vector of length k.
        W: A symmetric matrix, shape `(n, n)`.

    Returns:
        −2(x − As)ᵀWA, shape `(1, k)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_weighted_residual_s
        >>> print(grad_weighted_residual_s([3.0, 1.0], [[1.0], [0.0]], [1.0], [[2.0, 1.0], [1.0, 1.0]]))
        [[-10.]]
    """


@_MC84.vjp
def vjp_weighted_residual_s(v: float, x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC84, backprop form: −2v AᵀW(x − As), shaped like s.

    Examples:
        >>> from mcref.cookbook.forms import vjp_weighted_residual_s
        >>> print(vjp_weighted_residual_s(0.5, [3.0, 1.0], [[1.0], [0.0]], [1.0], [[2.0, 1.0], [1.0, 1.0]]))
        [-5.]
    """


def weighted_distance(x: ArrayLike, s: ArrayLike, W: ArrayLike) -> np.float64:
    """(x − s)ᵀW(x − s) for x, s of length n and a symmetric W of shape (n, n).

    Examples:
        >>> from mcref.cookbook.forms import weighted_distance
        >>> print(weighted_distance([3.0, 1.0], [1.0, 0.0], [[2.0, 1.0], [1.0, 1.0]]))
        13.0
    """
    xv, sv = validate.vector("x", x), validate.vector("s", s)
    validate.same_length(x=xv, s=sv)
    Wm = _symmetric(W, xv.shape[0])
    with np.errstate(all="ignore"):
        r = xv - sv
        return _number("(x - s)ᵀW(x - s)", r @ Wm @ r)


_DISTANCE_ARGS = {"x": Arg(shape=("n",)), "s": Arg(shape=("n",)), "W": Arg(shape=("n", "n"), symmetric=True)}
_DIFF = r"(\mathbf{x} - \mathbf{s})"
_DIFF_BOOK = r"(\mathbf{x}-\mathbf{s})"


_MC85 = reduction(
    "MC85",
    title="Gradient of a weighted squared distance with respect to x",
    forward=weighted_distance,
    wrt="x",
    gradient=lambda x, s, W: 2 * W @ (x - s),
    latex=rf"\frac{{\partial}}{{\partial {_x}}}{_DIFF}^TW{_DIFF} = 2{_DIFF}^TW",
    latex_denominator=rf"\frac{{\partial}}{{\partial {_x}}}{_DIFF}^TW{_DIFF} = 2W{_DIFF}",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_x}}} = 2v\,W{_DIFF}",
    args=_DISTANCE_ARGS,
    section="2.4.2",
    conditions=rf"$\mathbf{{x}}$ and $\mathbf{{s}}$ have length $n$. {_SYMMETRIC_W}",
    keywords=("Mahalanobis distance gradient", "(x-s)ᵀW(x-s)", "weighted squared distance"),
    printed=(
        rf"\frac{{\partial}}{{\partial\mathbf{{x}}}}{_DIFF_BOOK}^T\mathbf{{W}}{_DIFF_BOOK} = "
        rf"2\mathbf{{W}}{_DIFF_BOOK}"
    ),
)


@_MC85.jacobian
def grad_weighted_distance_x(x: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC85: ∂/∂x (x − s)ᵀW(x − s) = 2W(x − s), for a symmetric W, as a (1, n) row.

    (81) with B = W and the variable shifted by s: (W + Wᵀ)(x − s) = 2W(x − s).

    Args:
        x: A vector of length n.
        s: A vector of length n.
        W: A symmetric matrix, shape `(n, n)`.

    Returns:
        2(x − s)ᵀW, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_weighted_distance_x
        >>> print(grad_weighted_distance_x([3.0, 1.0], [1.0, 0.0], [[2.0, 1.0], [1.0, 1.0]]))
        [[10.  6.]]
    """


@_MC85.vjp
def vjp_weighted_distance_x(v: float, x: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC85, backprop form: 2v W(x − s), shaped like x.

    Examples:
        >>> from mcref.cookbook.forms import vjp_weighted_distance_x
        >>> print(vjp_weighted_distance_x(0.5, [3.0, 1.0], [1.0, 0.0], [[2.0, 1.0], [1.0, 1.0]]))
        [5. 3.]
    """


_MC86 = reduction(
    "MC86",
    title="Gradient of a weighted squared distance with respect to s",
    forward=weighted_distance,
    wrt="s",
    gradient=lambda x, s, W: -2 * W @ (x - s),
    latex=rf"\frac{{\partial}}{{\partial {_s}}}{_DIFF}^TW{_DIFF} = -2{_DIFF}^TW",
    latex_denominator=rf"\frac{{\partial}}{{\partial {_s}}}{_DIFF}^TW{_DIFF} = -2W{_DIFF}",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_s}}} = -2v\,W{_DIFF}",
    args=_DISTANCE_ARGS,
    section="2.4.2",
    conditions=rf"$\mathbf{{x}}$ and $\mathbf{{s}}$ have length $n$. {_SYMMETRIC_W}",
    keywords=("Mahalanobis distance gradient in the mean", "gradient with respect to the mean"),
    printed=(
        rf"\frac{{\partial}}{{\partial\mathbf{{s}}}}{_DIFF_BOOK}^T\mathbf{{W}}{_DIFF_BOOK} = "
        rf"-2\mathbf{{W}}{_DIFF_BOOK}"
    ),
)


@_MC86.jacobian
def grad_weighted_distance_s(x: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC86: ∂/∂s (x − s)ᵀW(x − s) = −2W(x − s), for a symmetric W, as a (1, n) row.

    The form depends on x − s only, and d(x − s) = −ds: (85) with the sign turned.

    Args:
        x: A vector of length n.
        s: A vector of length n.
        W: A symmetric matrix, shape `(n, n)`.

    Returns:
        −2(x − s)ᵀW, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_weighted_distance_s
        >>> print(grad_weighted_distance_s([3.0, 1.0], [1.0, 0.0], [[2.0, 1.0], [1.0, 1.0]]))
        [[-10.  -6.]]
    """


@_MC86.vjp
def vjp_weighted_distance_s(v: float, x: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC86, backprop form: −2v W(x − s), shaped like s.

    Examples:
        >>> from mcref.cookbook.forms import vjp_weighted_distance_s
        >>> print(vjp_weighted_distance_s(0.5, [3.0, 1.0], [1.0, 0.0], [[2.0, 1.0], [1.0, 1.0]]))
        [-5. -3.]
    """


_MC87 = reduction(
    "MC87",
    title="Gradient of a weighted least-squares residual with respect to x",
    forward=weighted_residual,
    wrt="x",
    gradient=lambda x, A, s, W: 2 * W @ (x - A @ s),
    latex=rf"\frac{{\partial}}{{\partial {_x}}}{_RESIDUAL}^TW{_RESIDUAL} = 2{_RESIDUAL}^TW",
    latex_denominator=rf"\frac{{\partial}}{{\partial {_x}}}{_RESIDUAL}^TW{_RESIDUAL} = 2W{_RESIDUAL}",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_x}}} = 2v\,W{_RESIDUAL}",
    args=_RESIDUAL_ARGS,
    section="2.4.2",
    conditions=rf"$A$ is $n \times k$, $\mathbf{{x}}$ has length $n$ and $\mathbf{{s}}$ length $k$. {_SYMMETRIC_W}",
    keywords=("weighted residual gradient", "gradient in the data vector"),
    printed=(
        rf"\frac{{\partial}}{{\partial\mathbf{{x}}}}{_RESIDUAL_BOOK}^T\mathbf{{W}}{_RESIDUAL_BOOK} = "
        rf"2\mathbf{{W}}{_RESIDUAL_BOOK}"
    ),
)


@_MC87.jacobian
def grad_weighted_residual_x(x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC87: ∂/∂x (x − As)ᵀW(x − As) = 2W(x − As), for a symmetric W, as a (1, n) row.

    With r = x − As, dr = dx, and the gradient of rᵀWr in r is 2Wr.

    Args:
        x: A vector of length n.
        A: Shape `(n, k)`.
        s: A vector of length k.
        W: A symmetric matrix, shape `(n, n)`.

    Returns:
        2(x − As)ᵀW, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_weighted_residual_x
        >>> print(grad_weighted_residual_x([3.0, 1.0], [[1.0], [0.0]], [1.0], [[2.0, 1.0], [1.0, 1.0]]))
        [[10.  6.]]
    """


@_MC87.vjp
def vjp_weighted_residual_x(v: float, x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC87, backprop form: 2v W(x − As), shaped like x.

    Examples:
        >>> from mcref.cookbook.forms import vjp_weighted_residual_x
        >>> print(vjp_weighted_residual_x(0.5, [3.0, 1.0], [[1.0], [0.0]], [1.0], [[2.0, 1.0], [1.0, 1.0]]))
        [5. 3.]
    """


_MC88 = reduction(
    "MC88",
    title="Gradient of a weighted least-squares residual with respect to A",
    forward=weighted_residual,
    wrt="A",
    gradient=lambda x, A, s, W: -2 * np.outer(W @ (x - A @ s), s),
    latex=rf"\frac{{\partial}}{{\partial A}}{_RESIDUAL}^TW{_RESIDUAL} = -2{_s}{_RESIDUAL}^TW",
    latex_denominator=rf"\frac{{\partial}}{{\partial A}}{_RESIDUAL}^TW{_RESIDUAL} = -2W{_RESIDUAL}{_s}^T",
    vjp_latex=rf"\frac{{\partial L}}{{\partial A}} = -2v\,W{_RESIDUAL}{_s}^T",
    args=_RESIDUAL_ARGS,
    section="2.4.2",
    conditions=(
        rf"$A$ is $n \times k$ (the variable), $\mathbf{{x}}$ has length $n$ and $\mathbf{{s}}$ length $k$. "
        rf"{_SYMMETRIC_W}"
    ),
    keywords=("least squares gradient in the matrix", "gradient with respect to the design matrix"),
    printed=(
        rf"\frac{{\partial}}{{\partial\mathbf{{A}}}}{_RESIDUAL_BOOK}^T\mathbf{{W}}{_RESIDUAL_BOOK} = "
        rf"-2\mathbf{{W}}{_RESIDUAL_BOOK}\mathbf{{s}}^T"
    ),
)


@_MC88.jacobian
def grad_weighted_residual_A(x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC88: ∂/∂A (x − As)ᵀW(x − As) = −2W(x − As)sᵀ, for a symmetric W, flattened into a (1, n k) row.

    With r = x − As, dr = −dA s, and the gradient 2Wr of rᵀWr pairs with −dA s
    as the outer product −2Wr sᵀ.

    Args:
        x: A vector of length n.
        A: Shape `(n, k)`.
        s: A vector of length k.
        W: A symmetric matrix, shape `(n, n)`.

    Returns:
        −2W(x − As)sᵀ flattened, shape `(1, n*k)`.

    Examples:
        >>> from mcref.cookbook.forms import grad_weighted_residual_A
        >>> print(grad_weighted_residual_A([3.0, 1.0], [[1.0], [0.0]], [1.0], [[2.0, 1.0], [1.0, 1.0]]))
        [[-10.  -6.]]
    """


@_MC88.vjp
def vjp_weighted_residual_A(v: float, x: ArrayLike, A: ArrayLike, s: ArrayLike, W: ArrayLike) -> FloatArray:
    """MC88, backprop form: −2v W(x − As)sᵀ, shaped like A.

    Examples:
        >>> from mcref.cookbook.forms import vjp_weighted_residual_A
        >>> print(vjp_weighted_residual_A(0.5, [3.0, 1.0], [[1.0], [0.0]], [1.0], [[2.0, 1.0], [1.0, 1.0]]))
        [[-5.]
         [-3.]]
    """


# ----- 2.4.2, complex: (89) -----


def _pairs(name: str, value: ArrayLike) -> FloatArray:
    """A complex vector given as real pairs, shape (n, 2): columns Re and Im."""
    M = validate.matrix(name, value)
    if M.shape[1] != 2:
        raise ValueError(
            f"{name} must be a complex vector as real pairs, shape (n, 2) (columns Re, Im), got shape {M.shape}"
        )
    return M


def _complex_args(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, complex, np.ndarray]:
    xp, ap, bp = _pairs("x", x), validate.vector("a", a), _pairs("b", b)
    if ap.shape != (2,):
        raise ValueError(f"a must be a complex number as a real pair (Re, Im), shape (2,), got shape {ap.shape}")
    if bp.shape != xp.shape:
        raise ValueError(f"x and b must have one shape (n, 2), got x {xp.shape} and b {bp.shape}")
    return xp[:, 0] + 1j * xp[:, 1], complex(ap[0], ap[1]), bp[:, 0] + 1j * bp[:, 1]


def _residual(x: np.ndarray, a: complex, b: np.ndarray) -> complex:
    """a − xᴴb = a − Σ conj(x_i) b_i."""
    return complex(a - np.conj(x) @ b)


def complex_square(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """(a − xᴴb)² for complex x, b of length n and a complex number a, as a real pair (Re, Im).

    Complex values are passed as real pairs: x and b of shape (n, 2) (columns
    Re and Im), a of shape (2,).

    Examples:
        >>> from mcref.cookbook.forms import complex_square
        >>> print(complex_square([[0.0, 0.0]], [0.0, 1.0], [[1.0, 0.0]]))  # (i - 0)^2 = -1
        [-1.  0.]
    """
    xc, ac, bc = _complex_args(x, a, b)
    with np.errstate(all="ignore"):
        u = _residual(xc, ac, bc)
        return validate.finite_result("(a - xᴴb)^2", np.array([(u * u).real, (u * u).imag]))


def _jacobian_of_conjugate_function(c: np.ndarray) -> FloatArray:
    """The real (2, 2n) Jacobian of a function f(x) of conj(x) alone, from c_k = ∂f/∂conj(x_k).

    df = Σ c_k d conj(x_k) = Σ c_k (d Re x_k − i d Im x_k), so d Re f = Re c dRe x + Im c dIm x
    and d Im f = Im c dRe x − Re c dIm x.
    """
    return np.stack([np.stack([c.real, c.imag], 1).ravel(), np.stack([c.imag, -c.real], 1).ravel()])


@rule(
    "MC89",
    title="Complex gradient of (a − xᴴb)²",
    section="2.4.2",
    forward=complex_square,
    wrt="x",
    latex=(
        rf"\frac{{\partial (a - {_x}^H{_b})^2}}{{\partial \operatorname{{Re}} {_x}}} + "
        rf"i\,\frac{{\partial (a - {_x}^H{_b})^2}}{{\partial \operatorname{{Im}} {_x}}} = -4{_b}(a - {_x}^H{_b})"
    ),
    shape=(2, "n*2"),
    args={"x": Arg(shape=("n", 2)), "a": Arg(shape=(2,)), "b": Arg(shape=("n", 2))},
    conditions=(
        r"$\mathbf{x}, \mathbf{b} \in \mathbb{C}^n$ and $a \in \mathbb{C}$, passed as real pairs: "
        r"$\mathbf{x}$ and $\mathbf{b}$ of shape $n \times 2$ (real and imaginary parts), $a$ of shape 2. "
        r"The gradient is the book's complex one, $\partial/\partial\operatorname{Re}\mathbf{x} + "
        r"i\,\partial/\partial\operatorname{Im}\mathbf{x} = 2\,\partial/\partial\mathbf{x}^*$. "
        r"The value $(a - \mathbf{x}^H\mathbf{b})^2$ is a complex number that depends on $\mathbf{x}^*$ "
        r"only, so this gradient fixes its whole real Jacobian, which is what is checked: shape "
        r"$2 \times 2n$, the value's (Re, Im) by the pairs of $\mathbf{x}$ row by row. "
        r"The printed $-2\mathbf{b}(a - \mathbf{x}^H\mathbf{b})^*$ is the gradient of "
        r"$\lvert a - \mathbf{x}^H\mathbf{b}\rvert^2$ instead (see the errata)."
    ),
    keywords=(
        "complex gradient",
        "complex vector",
        "conjugate transpose",
        "Wirtinger derivative",
    ),
    printed=(
        r"\frac{\partial(a-\mathbf{x}^H\mathbf{b})^2}{\partial\mathbf{x}} = "
        r"-2\mathbf{b}(a-\mathbf{x}^H\mathbf{b})^*"
    ),
)
def jac_complex_square(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC89: the complex gradient of (a − xᴴb)² is −4b(a − xᴴb); as a real (2, 2n) Jacobian.

    u = a − Σ conj(x_k) b_k depends on conj(x) only, with ∂u/∂conj(x_k) = −b_k,
    so ∂u²/∂conj(x_k) = −2u b_k and the book's gradient ∂/∂Re + i ∂/∂Im =
    2 ∂/∂conj(x) gives −4b u. A function of conj(x) alone has d f = Σ c_k d conj(x_k)
    with c_k = ∂f/∂conj(x_k); its real Jacobian follows from c.

    Args:
        x: Complex vector of length n as real pairs, shape `(n, 2)`.
        a: Complex number as a real pair, shape `(2,)`.
        b: Complex vector of length n as real pairs, shape `(n, 2)`.

    Returns:
        The Jacobian of (Re, Im) of (a − xᴴb)² by (Re x_1, Im x_1, Re x_2, ...), shape `(2, 2n)`.

    Examples:
        >>> from mcref.cookbook.forms import jac_complex_square
        >>> print(jac_complex_square([[0.0, 0.0]], [1.0, 1.0], [[1.0, 0.0]]))  # a = 1 + i, x = 0, b = 1
        [[-2. -2.]
         [-2.  2.]]
    """
    xc, ac, bc = _complex_args(x, a, b)
    return _jacobian_of_conjugate_function(-2 * _residual(xc, ac, bc) * bc)


@vjp_of("MC89", latex=rf"\mathbf{{v}}^T J = -2\,w^*\,(a - {_x}^H{_b})\,{_b}, \quad w = v_1 + i v_2")
def vjp_complex_square(v: ArrayLike, x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC89, backprop form: for v = (v₁, v₂) on (Re, Im) of the value, the pairs of conj(w) c with w = v₁ + i v₂.

    With c_k = ∂f/∂conj(x_k) = −2(a − xᴴb) b_k, v₁ dRe f + v₂ dIm f =
    Re(conj(w) df), so the entry for (Re x_k, Im x_k) is (Re, Im) of conj(w) c_k.

    Examples:
        >>> from mcref.cookbook.forms import vjp_complex_square
        >>> print(vjp_complex_square([1.0, 0.0], [[0.0, 0.0]], [1.0, 1.0], [[1.0, 0.0]]))
        [[-2. -2.]]
    """
    xc, ac, bc = _complex_args(x, a, b)
    vv = validate.cotangent(v, 2, "complex_square")
    c = np.conj(vv[0] + 1j * vv[1]) * (-2 * _residual(xc, ac, bc)) * bc
    return np.stack([c.real, c.imag], 1)


def _printed_mc89(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatArray:
    """The Cookbook's (89) as printed, −2b(a − xᴴb)*, read as ∂/∂Re + i ∂/∂Im of (a − xᴴb)²."""
    xc, ac, bc = _complex_args(x, a, b)
    return _jacobian_of_conjugate_function(-np.conj(_residual(xc, ac, bc)) * bc)


erratum(
    "MC89",
    summary=(
        r"With the book's complex gradient $\partial/\partial\operatorname{Re}\mathbf{x} + "
        r"i\,\partial/\partial\operatorname{Im}\mathbf{x}$, the gradient of $(a - \mathbf{x}^H\mathbf{b})^2$ is "
        r"$-4\mathbf{b}(a - \mathbf{x}^H\mathbf{b})$. The printed $-2\mathbf{b}(a - \mathbf{x}^H\mathbf{b})^*$ "
        r"is the gradient of the squared modulus $\lvert a - \mathbf{x}^H\mathbf{b}\rvert^2$, the real cost of "
        r"a complex least-squares fit: the left side should read $\lvert a - \mathbf{x}^H\mathbf{b}\rvert^2$."
    ),
    printed=(
        r"\frac{\partial (a - \mathbf{x}^H\mathbf{b})^2}{\partial \mathbf{x}} = "
        r"-2\mathbf{b}(a - \mathbf{x}^H\mathbf{b})^*"
    ),
    correct=(
        r"\frac{\partial (a - \mathbf{x}^H\mathbf{b})^2}{\partial \mathbf{x}} = "
        r"-4\mathbf{b}(a - \mathbf{x}^H\mathbf{b}),"
        r"\qquad \frac{\partial \lvert a - \mathbf{x}^H\mathbf{b}\rvert^2}{\partial \mathbf{x}} = "
        r"-2\mathbf{b}(a - \mathbf{x}^H\mathbf{b})^*"
    ),
    printed_form=_printed_mc89,
    # n = 1, x = 0, a = i, b = 1: the square is -1 + 0i near x = 0, the printed gradient 2i, the true one -4i
    counterexample={"x": np.array([[0.0, 0.0]]), "a": np.array([0.0, 1.0]), "b": np.array([[1.0, 0.0]])},
)
