"""The Cookbook's sections 2.6 and 2.7: the two-norm of a vector, (129) to (131), and the Frobenius
norm of a matrix, (132).

All of them come from d‖x‖² = 2xᵀdx: the norm is the square root of that, and the
unit vector (x − a)/‖x − a‖ is a quotient of the two. The Frobenius norm of a matrix
is the two-norm of its entries. For a complex matrix the book's gradient is
∂/∂Re X + i ∂/∂Im X, which the rule (132) checks on the real and imaginary parts
stacked into one real array.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, reduction, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "distance",
    "frobenius_squared",
    "grad_distance",
    "grad_frobenius_squared",
    "grad_norm_of_inner_product",
    "grad_squared_norm",
    "grad_trace_gram_complex",
    "jac_unit_direction",
    "norm_of_inner_product",
    "squared_norm",
    "trace_gram_complex",
    "unit_direction",
    "vjp_distance",
    "vjp_frobenius_squared",
    "vjp_norm_of_inner_product",
    "vjp_squared_norm",
    "vjp_trace_gram_complex",
    "vjp_unit_direction",
]


# ----- (129) and (130): the distance to a point and the unit vector towards it -----


def _difference(x: ArrayLike, a: ArrayLike) -> tuple[FloatArray, float]:
    """x − a and ‖x − a‖₂ for x and a of one length, or ValueError if it overflows."""
    x = validate.vector("x", x)
    a = validate.vector("a", a)
    validate.same_length(x=x, a=a)
    with np.errstate(all="ignore"):
        d = validate.finite_result("x - a", x - a)
        return d, float(validate.finite_result("‖x - a‖₂", np.linalg.norm(d)))


def _apart(x: ArrayLike, a: ArrayLike) -> tuple[FloatArray, float]:
    """x − a and its length, which must not be 0: the norm has no derivative at x = a."""
    d, length = _difference(x, a)
    if length == 0:
        raise ValueError("x must differ from a: ‖x - a‖₂ has no derivative at x = a, got x = a")
    return d, length


def distance(x: ArrayLike, a: ArrayLike) -> np.float64:
    """‖x − a‖₂, the Euclidean distance from x to a.

    Examples:
        >>> from mcref.cookbook.norms import distance
        >>> print(distance([4.0, 1.0], [1.0, -3.0]))
        5.0
    """
    return np.float64(_difference(x, a)[1])


_APART = {"x": Arg(), "a": Arg()}


def _far_apart(x: ArrayLike, a: ArrayLike) -> bool:
    """Domain: ‖x − a‖₂ >= 0.1, away from the kink of the norm at x = a."""
    return bool(np.linalg.norm(np.asarray(x, dtype=np.float64) - np.asarray(a, dtype=np.float64)) >= 0.1)


def _distance_gradient(x: FloatArray, a: FloatArray) -> FloatArray:
    d, length = _apart(x, a)
    return d / length


_MC129 = reduction(
    "MC129",
    title="Gradient of the distance to a point",
    forward=distance,
    wrt="x",
    gradient=_distance_gradient,
    latex=(
        r"\frac{\partial}{\partial\mathbf{x}}\lVert\mathbf{x} - \mathbf{a}\rVert_2"
        r" = \frac{(\mathbf{x} - \mathbf{a})^T}{\lVert\mathbf{x} - \mathbf{a}\rVert_2}"
    ),
    latex_denominator=(
        r"\frac{\partial}{\partial\mathbf{x}}\lVert\mathbf{x} - \mathbf{a}\rVert_2"
        r" = \frac{\mathbf{x} - \mathbf{a}}{\lVert\mathbf{x} - \mathbf{a}\rVert_2}"
    ),
    vjp_latex=(
        r"\frac{\partial L}{\partial\mathbf{x}}"
        r" = v\,\frac{\mathbf{x} - \mathbf{a}}{\lVert\mathbf{x} - \mathbf{a}\rVert_2}"
    ),
    args=_APART,
    section="2.6",
    conditions=(
        r"$\mathbf{x} \ne \mathbf{a}$: the norm has a kink at $\mathbf{x} = \mathbf{a}$, where the functions here "
        r"raise an error (checked where $\lVert\mathbf{x} - \mathbf{a}\rVert_2 \ge 0.1$)."
    ),
    domain=_far_apart,
    keywords=("derivative of euclidean distance", "gradient of the 2-norm", "norm of x - a"),
    printed=(
        r"\frac{\partial}{\partial\mathbf{x}}\lVert\mathbf{x}-\mathbf{a}\rVert_2"
        r" = \frac{\mathbf{x}-\mathbf{a}}{\lVert\mathbf{x}-\mathbf{a}\rVert_2}"
    ),
)


@_MC129.jacobian
def grad_distance(x: ArrayLike, a: ArrayLike) -> FloatArray:
    """MC129: ∂‖x − a‖₂ / ∂x = (x − a) / ‖x − a‖₂, as a (1, n) row.

    ‖x − a‖₂ = √u with u = (x − a)ᵀ(x − a), du = 2(x − a)ᵀdx, and d√u = du / (2√u).

    Args:
        x: Shape `(n,)`, not equal to a.
        a: Shape `(n,)`.

    Returns:
        The unit vector from a to x as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.norms import grad_distance
        >>> print(grad_distance([4.0, 1.0], [1.0, -3.0]))
        [[0.6 0.8]]
    """


@_MC129.vjp
def vjp_distance(v: float, x: ArrayLike, a: ArrayLike) -> FloatArray:
    """MC129, backprop form: v (x − a) / ‖x − a‖₂, shaped like x.

    Examples:
        >>> from mcref.cookbook.norms import vjp_distance
        >>> print(vjp_distance(10.0, [4.0, 1.0], [1.0, -3.0]))
        [6. 8.]
    """


def unit_direction(x: ArrayLike, a: ArrayLike) -> FloatArray:
    """(x − a) / ‖x − a‖₂, the unit vector from a towards x (x ≠ a).

    Examples:
        >>> from mcref.cookbook.norms import unit_direction
        >>> print(unit_direction([4.0, 1.0], [1.0, -3.0]))
        [0.6 0.8]
    """
    d, length = _apart(x, a)
    with np.errstate(all="ignore"):
        return validate.finite_result("(x - a)/‖x - a‖₂", d / length)


@rule(
    "MC130",
    title="Jacobian of the unit vector towards a point",
    forward=unit_direction,
    wrt="x",
    latex=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x} - \mathbf{a}}{\lVert\mathbf{x} - \mathbf{a}\rVert_2}"
        r" = \frac{I}{\lVert\mathbf{x} - \mathbf{a}\rVert_2}"
        r" - \frac{(\mathbf{x} - \mathbf{a})(\mathbf{x} - \mathbf{a})^T}{\lVert\mathbf{x} - \mathbf{a}\rVert_2^3}"
    ),
    shape=("n", "n"),
    args=_APART,
    section="2.6",
    conditions=(
        r"$\mathbf{x} \ne \mathbf{a}$ (checked where $\lVert\mathbf{x} - \mathbf{a}\rVert_2 \ge 0.1$). The Jacobian "
        r"is symmetric, so both layouts agree; it projects out the direction of $\mathbf{x} - \mathbf{a}$, along "
        r"which the unit vector does not change."
    ),
    domain=_far_apart,
    keywords=("derivative of normalized vector", "jacobian of x / ||x||", "unit vector derivative"),
    printed=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x}-\mathbf{a}}{\lVert\mathbf{x}-\mathbf{a}\rVert_2}"
        r" = \frac{\mathbf{I}}{\lVert\mathbf{x}-\mathbf{a}\rVert_2}"
        r" - \frac{(\mathbf{x}-\mathbf{a})(\mathbf{x}-\mathbf{a})^T}{\lVert\mathbf{x}-\mathbf{a}\rVert_2^3}"
    ),
)
def jac_unit_direction(x: ArrayLike, a: ArrayLike) -> FloatArray:
    """MC130: ∂/∂x (x − a)/‖x − a‖₂ = I/‖x − a‖₂ − (x − a)(x − a)ᵀ/‖x − a‖₂³, an (n, n) matrix.

    The quotient rule on d / ‖d‖ with d = x − a: dd / ‖d‖ − d (d‖d‖) / ‖d‖², and
    d‖d‖ = dᵀdd / ‖d‖ by (129).

    Args:
        x: Shape `(n,)`, not equal to a.
        a: Shape `(n,)`.

    Returns:
        The Jacobian, shape `(n, n)`.

    Examples:
        >>> from mcref.cookbook.norms import jac_unit_direction
        >>> print(jac_unit_direction([3.0, 0.0], [1.0, 0.0]))
        [[0.  0. ]
         [0.  0.5]]
    """
    d, length = _apart(x, a)
    return np.eye(d.shape[0]) / length - np.outer(d, d) / length**3


@vjp_of(
    "MC130",
    latex=(
        r"\mathbf{v}^T J = \frac{\mathbf{v}^T}{\lVert\mathbf{x} - \mathbf{a}\rVert_2}"
        r" - \frac{\mathbf{v}^T(\mathbf{x} - \mathbf{a})\,(\mathbf{x} - \mathbf{a})^T}"
        r"{\lVert\mathbf{x} - \mathbf{a}\rVert_2^3}"
    ),
)
def vjp_unit_direction(v: ArrayLike, x: ArrayLike, a: ArrayLike) -> FloatArray:
    """MC130, backprop form: v / ‖x − a‖₂ − (vᵀ(x − a)) (x − a) / ‖x − a‖₂³, shaped like x.

    Examples:
        >>> from mcref.cookbook.norms import vjp_unit_direction
        >>> print(vjp_unit_direction([1.0, 1.0], [3.0, 0.0], [1.0, 0.0]))
        [0.  0.5]
    """
    d, length = _apart(x, a)
    w = validate.cotangent(v, d.shape[0], "unit_direction")
    return w / length - (w @ d) * d / length**3


# ----- (131): the squared norm, two ways -----


def squared_norm(x: ArrayLike) -> np.float64:
    """‖x‖₂² = xᵀx.

    Examples:
        >>> from mcref.cookbook.norms import squared_norm
        >>> print(squared_norm([3.0, 4.0]))
        25.0
    """
    x = validate.vector("x", x)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("‖x‖²", x @ x))


def norm_of_inner_product(x: ArrayLike) -> np.float64:
    """‖xᵀx‖₂: the two-norm of the number xᵀx, which is |xᵀx| = xᵀx.

    Examples:
        >>> from mcref.cookbook.norms import norm_of_inner_product
        >>> print(norm_of_inner_product([3.0, 4.0]))
        25.0
    """
    x = validate.vector("x", x)
    with np.errstate(all="ignore"):
        # the 2-norm of a 1-vector is its absolute value
        return np.float64(validate.finite_result("‖xᵀx‖₂", np.linalg.norm(np.atleast_1d(x @ x))))


_SQUARED_PRINTED = (
    r"\frac{\partial\lVert\mathbf{x}\rVert_2^2}{\partial\mathbf{x}}"
    r" = \frac{\partial\lVert\mathbf{x}^T\mathbf{x}\rVert_2}{\partial\mathbf{x}} = 2\mathbf{x}"
)

_MC131_1 = reduction(
    "MC131.1",
    title="Gradient of the squared two-norm",
    forward=squared_norm,
    wrt="x",
    gradient=lambda x: 2 * x,
    latex=r"\frac{\partial\lVert\mathbf{x}\rVert_2^2}{\partial\mathbf{x}} = 2\mathbf{x}^T",
    latex_denominator=r"\frac{\partial\lVert\mathbf{x}\rVert_2^2}{\partial\mathbf{x}} = 2\mathbf{x}",
    vjp_latex=r"\frac{\partial L}{\partial\mathbf{x}} = 2v\,\mathbf{x}",
    args={"x": Arg()},
    section="2.6",
    conditions=r"Any $\mathbf{x}$; unlike the norm itself, its square is smooth at $\mathbf{x} = 0$.",
    keywords=("derivative of squared norm", "gradient of x^T x", "squared euclidean norm"),
    printed=_SQUARED_PRINTED,
)


@_MC131_1.jacobian
def grad_squared_norm(x: ArrayLike) -> FloatArray:
    """MC131.1: ∂‖x‖₂² / ∂x = 2x, as a (1, n) row.

    d(xᵀx) = dxᵀx + xᵀdx = 2xᵀdx.

    Args:
        x: Shape `(n,)`.

    Returns:
        2x as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.norms import grad_squared_norm
        >>> print(grad_squared_norm([3.0, 4.0]))
        [[6. 8.]]
    """


@_MC131_1.vjp
def vjp_squared_norm(v: float, x: ArrayLike) -> FloatArray:
    """MC131.1, backprop form: 2v x, shaped like x.

    Examples:
        >>> from mcref.cookbook.norms import vjp_squared_norm
        >>> print(vjp_squared_norm(0.5, [3.0, 4.0]))
        [3. 4.]
    """


_MC131_2 = reduction(
    "MC131.2",
    title="Gradient of the norm of an inner product",
    forward=norm_of_inner_product,
    wrt="x",
    gradient=lambda x: 2 * x,
    latex=r"\frac{\partial\lVert\mathbf{x}^T\mathbf{x}\rVert_2}{\partial\mathbf{x}} = 2\mathbf{x}^T",
    latex_denominator=r"\frac{\partial\lVert\mathbf{x}^T\mathbf{x}\rVert_2}{\partial\mathbf{x}} = 2\mathbf{x}",
    vjp_latex=r"\frac{\partial L}{\partial\mathbf{x}} = 2v\,\mathbf{x}",
    args={"x": Arg()},
    section="2.6",
    conditions=(
        r"Any $\mathbf{x}$. The two-norm of the number $\mathbf{x}^T\mathbf{x}$ is its absolute value, and "
        r"$\mathbf{x}^T\mathbf{x} \ge 0$, so this is $\lVert\mathbf{x}\rVert_2^2$ again: the second form of (131) "
        r"is the first written another way, not the norm of $\mathbf{x}$."
    ),
    keywords=("norm of x^T x", "derivative of |x^T x|"),
    printed=_SQUARED_PRINTED,
)


@_MC131_2.jacobian
def grad_norm_of_inner_product(x: ArrayLike) -> FloatArray:
    """MC131.2: ∂‖xᵀx‖₂ / ∂x = 2x, as a (1, n) row.

    ‖xᵀx‖₂ = |xᵀx| = xᵀx, since xᵀx is a number that is never negative.

    Args:
        x: Shape `(n,)`.

    Returns:
        2x as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.norms import grad_norm_of_inner_product
        >>> print(grad_norm_of_inner_product([3.0, 4.0]))
        [[6. 8.]]
    """


@_MC131_2.vjp
def vjp_norm_of_inner_product(v: float, x: ArrayLike) -> FloatArray:
    """MC131.2, backprop form: 2v x, shaped like x.

    Examples:
        >>> from mcref.cookbook.norms import vjp_norm_of_inner_product
        >>> print(vjp_norm_of_inner_product(0.5, [3.0, 4.0]))
        [3. 4.]
    """


# ----- (132): the squared Frobenius norm, of a real and of a complex matrix -----


def frobenius_squared(X: ArrayLike) -> np.float64:
    """‖X‖²_F = Σ_ij X_ij² of a real matrix.

    Examples:
        >>> from mcref.cookbook.norms import frobenius_squared
        >>> print(frobenius_squared([[1.0, 2.0], [3.0, 4.0]]))
        30.0
    """
    X = validate.matrix("X", X)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("‖X‖_F²", np.sum(X * X)))


_FROBENIUS_PRINTED = (
    r"\frac{\partial}{\partial\mathbf{X}}\lVert\mathbf{X}\rVert_F^2"
    r" = \frac{\partial}{\partial\mathbf{X}}\operatorname{Tr}(\mathbf{X}\mathbf{X}^H) = 2\mathbf{X}"
)

_MC132_1 = reduction(
    "MC132.1",
    title="Gradient of the squared Frobenius norm",
    forward=frobenius_squared,
    wrt="X",
    gradient=lambda X: 2 * X,
    latex=r"\frac{\partial}{\partial X}\lVert X\rVert_F^2 = 2X^T",
    latex_denominator=r"\frac{\partial}{\partial X}\lVert X\rVert_F^2 = 2X",
    vjp_latex=r"\frac{\partial L}{\partial X} = 2v\,X",
    args={"X": Arg(shape=("m", "n"))},
    section="2.7",
    conditions=r"$X$ real, of any shape $m \times n$.",
    keywords=("derivative of frobenius norm", "gradient of ||X||_F^2", "frobenius norm squared"),
    printed=_FROBENIUS_PRINTED,
)


@_MC132_1.jacobian
def grad_frobenius_squared(X: ArrayLike) -> FloatArray:
    """MC132.1: ∂‖X‖²_F / ∂X = 2X, flattened row by row into a (1, m n) row.

    ‖X‖²_F = Σ_ij X_ij², and each term depends on one entry: ∂/∂X_ij = 2X_ij.

    Args:
        X: A real matrix, shape `(m, n)`.

    Returns:
        2X flattened, shape `(1, m*n)`.

    Examples:
        >>> from mcref.cookbook.norms import grad_frobenius_squared
        >>> print(grad_frobenius_squared([[1.0, 2.0], [3.0, 4.0]]))
        [[2. 4. 6. 8.]]
    """


@_MC132_1.vjp
def vjp_frobenius_squared(v: float, X: ArrayLike) -> FloatArray:
    """MC132.1, backprop form: 2v X, shaped like X.

    Examples:
        >>> from mcref.cookbook.norms import vjp_frobenius_squared
        >>> print(vjp_frobenius_squared(0.5, [[1.0, 2.0], [3.0, 4.0]]))
        [[1. 2.]
         [3. 4.]]
    """


def trace_gram_complex(P: ArrayLike) -> np.float64:
    """Tr(X Xᴴ) of the complex matrix X = P[0] + i P[1], given as its real and imaginary parts stacked.

    Computed in complex arithmetic; the result is real (it is ‖X‖²_F).

    Args:
        P: Shape `(2, m, n)`: Re X, then Im X.

    Examples:
        >>> from mcref.cookbook.norms import trace_gram_complex
        >>> print(trace_gram_complex([[[1.0, 0.0]], [[0.0, 2.0]]]))  # X = [1, 2i]
        5.0
    """
    P = validate.array("P", P)
    if P.ndim != 3 or P.shape[0] != 2:
        raise ValueError(
            "P must be a 3-D array holding the real and imaginary parts of X stacked, shape (2, m, n), "
            f"got an array of shape {P.shape}"
        )
    with np.errstate(all="ignore"):
        X = P[0] + 1j * P[1]
        return np.float64(validate.finite_result("Tr(X Xᴴ)", np.trace(X @ X.conj().T).real))


_MC132_2 = reduction(
    "MC132.2",
    title="Complex gradient of the trace of X times its conjugate transpose",
    forward=trace_gram_complex,
    wrt="P",
    gradient=lambda P: 2 * P,
    latex=(
        r"\frac{\partial \operatorname{Tr}(XX^H)}{\partial\,\operatorname{Re}X}"
        r" + i\,\frac{\partial \operatorname{Tr}(XX^H)}{\partial\,\operatorname{Im}X} = 2X"
    ),
    vjp_latex=r"\frac{\partial L}{\partial X} = 2v\,X",
    args={"P": Arg(shape=(2, "m", "n"))},
    section="2.7",
    conditions=(
        r"$X$ complex, of any shape $m \times n$, with the book's complex gradient "
        r"$\partial/\partial\operatorname{Re}X + i\,\partial/\partial\operatorname{Im}X$ (twice the derivative "
        r"with respect to $X^*$). Checked on the real array $P$ of shape $2 \times m \times n$ that stacks "
        r"$\operatorname{Re}X$ and $\operatorname{Im}X$: the gradient with respect to $P$ is "
        r"$2P$, which stacks the real and imaginary parts of $2X$. A real $X$ is the case "
        r"$\operatorname{Im}X = 0$, where $\operatorname{Tr}(XX^H) = \operatorname{Tr}(XX^T)$. (The statement is "
        r"entry by entry, the same in both layouts.)"
    ),
    keywords=("complex gradient of frobenius norm", "Tr(X X^H) derivative", "Wirtinger derivative"),
    printed=_FROBENIUS_PRINTED,
)


@_MC132_2.jacobian
def grad_trace_gram_complex(P: ArrayLike) -> FloatArray:
    """MC132.2: the complex gradient of Tr(X Xᴴ) is 2X; for the stacked parts P, 2P, flattened into a (1, 2 m n) row.

    Tr(X Xᴴ) = Σ_ij |X_ij|² = Σ_ij (Re X_ij)² + (Im X_ij)², whose derivatives with respect
    to Re X_ij and Im X_ij are 2 Re X_ij and 2 Im X_ij: together, 2X.

    Args:
        P: Shape `(2, m, n)`: Re X, then Im X.

    Returns:
        2P flattened, shape `(1, 2*m*n)`.

    Examples:
        >>> from mcref.cookbook.norms import grad_trace_gram_complex
        >>> print(grad_trace_gram_complex([[[1.0, 0.0]], [[0.0, 2.0]]]))
        [[2. 0. 0. 4.]]
    """


@_MC132_2.vjp
def vjp_trace_gram_complex(v: float, P: ArrayLike) -> FloatArray:
    """MC132.2, backprop form: 2v P, shaped like P (the parts of 2vX).

    Examples:
        >>> from mcref.cookbook.norms import vjp_trace_gram_complex
        >>> print(vjp_trace_gram_complex(0.5, [[[1.0, 0.0]], [[0.0, 2.0]]]))
        [[[1. 0.]]
        <BLANKLINE>
         [[0. 2.]]]
    """
