"""The Cookbook's sections 2.4.3 and 2.4.4: higher order and non-linear forms, (90) to (95), and the
gradient and Hessian of a quadratic function, (96) to (98).

The derivatives of a matrix power rest on one product rule: d(Xⁿ) is the sum, over
the n places of the product X X ⋯ X, of the product with that factor replaced by
dX, Σ_r X^r (dX) X^{n−1−r}. The gradients are written in the book's layout,
shaped like the variable; (90), entry by entry, is the full Jacobian of X ↦ Xⁿ,
flattened row by row.

The numbers (92) to (98) are provisional: no outside source fixes them, and the
book's displays between (91) and (99) can be counted in two ways (see the spec of
the Cookbook entries). The numbers follow the reading in which the two rows of
(92) are one equation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.inverses import square
from mcref.core import validate
from mcref.core.errata import erratum
from mcref.core.registry import Arg, hessian, reduction, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "chained_bilinear",
    "grad_chained_bilinear",
    "grad_power_bilinear",
    "grad_power_gram",
    "grad_quadratic",
    "grad_quotient_of_forms",
    "grad_quotient_of_norms",
    "hess_quadratic",
    "jac_matrix_power",
    "matrix_power",
    "power_bilinear",
    "power_gram",
    "quadratic",
    "quadratic_gradient",
    "quotient_of_forms",
    "quotient_of_norms",
    "vjp_chained_bilinear",
    "vjp_hess_quadratic",
    "vjp_matrix_power",
    "vjp_power_bilinear",
    "vjp_power_gram",
    "vjp_quadratic",
    "vjp_quotient_of_forms",
    "vjp_quotient_of_norms",
]

_LARGEST_POWER = 32
_PROVISIONAL = r" The number is provisional: no outside source fixes (92) to (98), see the note at the top of the page."


def _exponent(n: Any) -> int:
    """The exponent n: an integer from 0 to 32 (an int, or a float with an integer value)."""
    value = validate.scalar("n", n)
    if value != round(value) or not 0 <= value <= _LARGEST_POWER:
        raise ValueError(f"n must be an integer from 0 to {_LARGEST_POWER}, got {value}")
    return round(value)


def _powers(X: FloatArray, n: int) -> FloatArray:
    """The stack X⁰, X¹, ..., X^{n−1}, shape (n, m, m) (empty for n = 0)."""
    m = X.shape[0]
    if n == 0:
        return np.empty((0, m, m))
    return np.stack([np.linalg.matrix_power(X, r) for r in range(n)])


def _sum_of_places(X: FloatArray, G: FloatArray, n: int) -> FloatArray:
    """Σ_r (X^r)ᵀ G (X^{n−1−r})ᵀ: the gradient through Xⁿ of a function whose gradient with respect to Xⁿ is G."""
    P = _powers(X, n)
    return np.einsum("rki,kl,rjl->ij", P, G, P[::-1])


# ----- (90): the matrix power, entry by entry -----


def matrix_power(X: ArrayLike, n: Any) -> FloatArray:
    """Xⁿ for a square matrix X and an integer n from 0 to 32 (X⁰ = I).

    Examples:
        >>> from mcref.cookbook.higher import matrix_power
        >>> print(matrix_power([[1.0, 1.0], [0.0, 1.0]], 3))
        [[1. 3.]
         [0. 1.]]
    """
    X = square("X", X)
    k = _exponent(n)
    with np.errstate(all="ignore"):
        return validate.finite_result("X^n", np.linalg.matrix_power(X, k))


_POWER_ARGS = {"X": Arg(shape=("m", "m"), low=-1.0, high=1.0), "n": Arg(shape=(), low=0, high=4, integer=True)}


@rule(
    "MC90",
    title="Derivative of a matrix power, entry by entry",
    forward=matrix_power,
    wrt="X",
    latex=(
        r"\frac{\partial (X^n)_{kl}}{\partial X_{ij}} = \sum_{r=0}^{n-1} (X^r J^{ij} X^{n-1-r})_{kl}"
        r" = \sum_{r=0}^{n-1} (X^r)_{ki}\,(X^{n-1-r})_{jl}"
    ),
    shape=("m*m", "m*m"),
    args=_POWER_ARGS,
    section="2.4.3",
    conditions=(
        r"$X$ square ($m \times m$), $n$ a non-negative integer (checked for $n$ = 0 to 4; for $n = 0$ the sum is "
        r"empty and $X^0 = I$ is constant). $J^{ij}$ is the matrix with a single 1 at $(i, j)$. The Jacobian has "
        r"row $(k, l)$ and column $(i, j)$, both flattened row by row. The statement entry by entry is the same in "
        r"both layouts."
    ),
    keywords=("derivative of matrix power", "jacobian of X^n", "power of a matrix derivative"),
    printed=(
        r"\frac{\partial(\mathbf{X}^n)_{kl}}{\partial X_{ij}}"
        r" = \sum_{r=0}^{n-1}(\mathbf{X}^r\mathbf{J}^{ij}\mathbf{X}^{n-1-r})_{kl}"
    ),
)
def jac_matrix_power(X: ArrayLike, n: Any) -> FloatArray:
    """MC90: ∂(Xⁿ)_kl / ∂X_ij = Σ_r (X^r)_ki (X^{n−1−r})_jl, as an (m², m²) Jacobian.

    Differentiate the product of n factors X by the product rule: one term per
    place r of the factor that moves, X^r (dX) X^{n−1−r}. With dX = J^{ij} the
    (k, l) entry is (X^r)_ki (X^{n−1−r})_jl.

    Args:
        X: A square matrix, shape `(m, m)`.
        n: The exponent, an integer from 0 to 32.

    Returns:
        The Jacobian, shape `(m*m, m*m)`.

    Examples:
        >>> from mcref.cookbook.higher import jac_matrix_power
        >>> print(jac_matrix_power([[1.0, 2.0], [3.0, 4.0]], 2))
        [[2. 3. 2. 0.]
         [2. 5. 0. 2.]
         [3. 0. 5. 3.]
         [0. 3. 2. 8.]]
    """
    X = square("X", X)
    k = _exponent(n)
    m = X.shape[0]
    P = _powers(X, k)
    return np.einsum("rki,rjl->klij", P, P[::-1]).reshape(m * m, m * m)


@vjp_of("MC90", latex=r"\frac{\partial L}{\partial X} = \sum_{r=0}^{n-1} (X^r)^T\, G\, (X^{n-1-r})^T")
def vjp_matrix_power(G: ArrayLike, X: ArrayLike, n: Any) -> FloatArray:
    """MC90, backprop form: G ↦ Σ_r (X^r)ᵀ G (X^{n−1−r})ᵀ for a cotangent G shaped like Xⁿ.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.higher import vjp_matrix_power
        >>> print(vjp_matrix_power(np.eye(2), [[1.0, 2.0], [3.0, 4.0]], 2))
        [[2. 6.]
         [4. 8.]]
    """
    X = square("X", X)
    k = _exponent(n)
    cot = validate.shaped_cotangent(G, X.shape, "matrix_power", name="G")
    return _sum_of_places(X, np.asarray(cot), k)


# ----- (91) and (92): bilinear forms in a matrix power -----


def _bilinear_args(a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    a = validate.vector("a", a)
    b = validate.vector("b", b)
    validate.same_length(a=a, b=b)
    X = square("X", X)
    if X.shape[0] != a.shape[0]:
        raise ValueError(
            f"needs X of shape {(a.shape[0],) * 2} for a and b of length {a.shape[0]}, got X of shape {X.shape}"
        )
    return a, X, b, _exponent(n)


def power_bilinear(a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> np.float64:
    """aᵀ Xⁿ b for vectors a, b of length m, a square X and an integer n from 0 to 32.

    Examples:
        >>> from mcref.cookbook.higher import power_bilinear
        >>> print(power_bilinear([1.0, 0.0], [[1.0, 1.0], [0.0, 1.0]], [0.0, 1.0], 3))
        3.0
    """
    a, X, b, k = _bilinear_args(a, X, b, n)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("aᵀXⁿb", a @ np.linalg.matrix_power(X, k) @ b))


_BILINEAR_ARGS = {"a": Arg(shape=("m",)), "X": _POWER_ARGS["X"], "b": Arg(shape=("m",)), "n": _POWER_ARGS["n"]}

_MC91 = reduction(
    "MC91",
    title="Gradient of a bilinear form in a matrix power",
    forward=power_bilinear,
    wrt="X",
    gradient=lambda a, X, b, n: _sum_of_places(X, np.outer(a, b), int(n)),
    latex=(
        r"\frac{\partial\, \mathbf{a}^T X^n \mathbf{b}}{\partial X}"
        r" = \sum_{r=0}^{n-1} X^{n-1-r}\,\mathbf{b}\mathbf{a}^T X^r"
    ),
    latex_denominator=(
        r"\frac{\partial\, \mathbf{a}^T X^n \mathbf{b}}{\partial X}"
        r" = \sum_{r=0}^{n-1} (X^r)^T\mathbf{a}\mathbf{b}^T (X^{n-1-r})^T"
    ),
    vjp_latex=r"\frac{\partial L}{\partial X} = v \sum_{r=0}^{n-1} (X^r)^T\mathbf{a}\mathbf{b}^T (X^{n-1-r})^T",
    args=_BILINEAR_ARGS,
    section="2.4.3",
    conditions=(
        r"$X$ square ($m \times m$), $\mathbf{a}, \mathbf{b}$ constant, $n$ a non-negative integer "
        r"(checked 0 to 4)."
    ),
    keywords=("derivative of a^T X^n b", "gradient of matrix power form", "bilinear form of a matrix power"),
    printed=(
        r"\frac{\partial}{\partial\mathbf{X}}\mathbf{a}^T\mathbf{X}^n\mathbf{b}"
        r" = \sum_{r=0}^{n-1}(\mathbf{X}^r)^T\mathbf{a}\mathbf{b}^T(\mathbf{X}^{n-1-r})^T"
    ),
)


@_MC91.jacobian
def grad_power_bilinear(a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> FloatArray:
    """MC91: ∂ aᵀXⁿb / ∂X = Σ_r (X^r)ᵀ a bᵀ (X^{n−1−r})ᵀ, flattened row by row into a (1, m²) row.

    d(aᵀXⁿb) = Σ_r aᵀ X^r (dX) X^{n−1−r} b = Σ_r Tr(X^{n−1−r} b aᵀ X^r dX); each term's
    gradient is the transpose of the matrix before dX.

    Args:
        a: Shape `(m,)`.
        X: Square, shape `(m, m)`.
        b: Shape `(m,)`.
        n: The exponent, an integer from 0 to 32.

    Returns:
        The gradient flattened, shape `(1, m*m)`.

    Examples:
        >>> from mcref.cookbook.higher import grad_power_bilinear
        >>> print(grad_power_bilinear([1.0, 0.0], [[1.0, 1.0], [0.0, 1.0]], [0.0, 1.0], 2))
        [[1. 2. 0. 1.]]
    """


@_MC91.vjp
def vjp_power_bilinear(v: float, a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> FloatArray:
    """MC91, backprop form: v Σ_r (X^r)ᵀ a bᵀ (X^{n−1−r})ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.higher import vjp_power_bilinear
        >>> print(vjp_power_bilinear(2.0, [1.0, 0.0], [[1.0, 1.0], [0.0, 1.0]], [0.0, 1.0], 2))
        [[2. 4.]
         [0. 2.]]
    """


def power_gram(a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> np.float64:
    """aᵀ (Xⁿ)ᵀ Xⁿ b for vectors a, b of length m, a square X and an integer n from 0 to 32.

    Examples:
        >>> from mcref.cookbook.higher import power_gram
        >>> print(power_gram([1.0, 0.0], [[1.0, 1.0], [0.0, 1.0]], [0.0, 1.0], 2))
        2.0
    """
    a, X, b, k = _bilinear_args(a, X, b, n)
    with np.errstate(all="ignore"):
        Y = np.linalg.matrix_power(X, k)
        return np.float64(validate.finite_result("aᵀ(Xⁿ)ᵀXⁿb", (Y @ a) @ (Y @ b)))


def _power_gram_gradient(a: FloatArray, X: FloatArray, b: FloatArray, n: Any) -> FloatArray:
    k = int(n)
    # the gradient with respect to Y = Xⁿ is Y (a bᵀ + b aᵀ), passed through Xⁿ as in (91)
    Y = np.linalg.matrix_power(X, k)
    return _sum_of_places(X, Y @ (np.outer(a, b) + np.outer(b, a)), k)


_MC92 = reduction(
    "MC92",
    title="Gradient of a Gram form in a matrix power",
    forward=power_gram,
    wrt="X",
    gradient=_power_gram_gradient,
    latex=(
        r"\frac{\partial\, \mathbf{a}^T (X^n)^T X^n \mathbf{b}}{\partial X}"
        r" = \sum_{r=0}^{n-1} \big[X^{n-1-r}\mathbf{a}\mathbf{b}^T (X^n)^T X^r"
        r" + X^{n-1-r}\mathbf{b}\mathbf{a}^T (X^n)^T X^r\big]"
    ),
    latex_denominator=(
        r"\frac{\partial\, \mathbf{a}^T (X^n)^T X^n \mathbf{b}}{\partial X}"
        r" = \sum_{r=0}^{n-1} \big[(X^r)^T X^n\mathbf{b}\mathbf{a}^T (X^{n-1-r})^T"
        r" + (X^r)^T X^n\mathbf{a}\mathbf{b}^T (X^{n-1-r})^T\big]"
    ),
    vjp_latex=(
        r"\frac{\partial L}{\partial X} = v \sum_{r=0}^{n-1} (X^r)^T X^n(\mathbf{a}\mathbf{b}^T"
        r" + \mathbf{b}\mathbf{a}^T)(X^{n-1-r})^T"
    ),
    args=_BILINEAR_ARGS,
    section="2.4.3",
    conditions=(
        r"$X$ square ($m \times m$), $\mathbf{a}, \mathbf{b}$ constant, $n$ a non-negative integer (checked 0 to 4). "
        r"With $Y = X^n$, the gradient with respect to $Y$ is $Y(\mathbf{a}\mathbf{b}^T + \mathbf{b}\mathbf{a}^T)$, "
        r"passed through the power as in (91). The first term of the sum as transcribed is the transpose of the "
        r"right one (see the errata)." + _PROVISIONAL
    ),
    keywords=("derivative of a^T (X^n)^T X^n b", "gradient of norm of matrix power", "Gram form of a matrix power"),
    printed=(
        r"\frac{\partial}{\partial\mathbf{X}}\mathbf{a}^T(\mathbf{X}^n)^T\mathbf{X}^n\mathbf{b}"
        r" = \sum_{r=0}^{n-1}\Big[\mathbf{X}^{n-1-r}\mathbf{a}\mathbf{b}^T(\mathbf{X}^n)^T\mathbf{X}^r"
        r" + (\mathbf{X}^r)^T\mathbf{X}^n\mathbf{a}\mathbf{b}^T(\mathbf{X}^{n-1-r})^T\Big]"
    ),
)


@_MC92.jacobian
def grad_power_gram(a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> FloatArray:
    """MC92: ∂ aᵀ(Xⁿ)ᵀXⁿb / ∂X = Σ_r (X^r)ᵀ Xⁿ (a bᵀ + b aᵀ) (X^{n−1−r})ᵀ, flattened into a (1, m²) row.

    With Y = Xⁿ, d(aᵀYᵀYb) = aᵀ(dY)ᵀY b + aᵀYᵀ(dY) b = Tr((a bᵀYᵀ + b aᵀYᵀ) dY), so the
    gradient with respect to Y is Y(a bᵀ + b aᵀ); (91) carries it through Xⁿ.

    Args:
        a: Shape `(m,)`.
        X: Square, shape `(m, m)`.
        b: Shape `(m,)`.
        n: The exponent, an integer from 0 to 32.

    Returns:
        The gradient flattened, shape `(1, m*m)`.

    Examples:
        >>> from mcref.cookbook.higher import grad_power_gram
        >>> print(grad_power_gram([1.0, 0.0], [[0.0, 0.0], [1.0, 0.0]], [1.0, 0.0], 1))
        [[0. 0. 2. 0.]]
    """


@_MC92.vjp
def vjp_power_gram(v: float, a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> FloatArray:
    """MC92, backprop form: v Σ_r (X^r)ᵀ Xⁿ (a bᵀ + b aᵀ) (X^{n−1−r})ᵀ, shaped like X.

    Examples:
        >>> from mcref.cookbook.higher import vjp_power_gram
        >>> print(vjp_power_gram(0.5, [1.0, 0.0], [[0.0, 0.0], [1.0, 0.0]], [1.0, 0.0], 1))
        [[0. 0.]
         [1. 0.]]
    """


def _printed_mc92(a: ArrayLike, X: ArrayLike, b: ArrayLike, n: Any) -> FloatArray:
    """(92) as transcribed: Σ_r [X^{n−1−r} a bᵀ (Xⁿ)ᵀ X^r + (X^r)ᵀ Xⁿ a bᵀ (X^{n−1−r})ᵀ]."""
    a, X, b, k = _bilinear_args(a, X, b, n)
    P = _powers(X, k)
    Y = np.linalg.matrix_power(X, k)
    first = np.einsum("rij,jl,rlk->ik", P[::-1], np.outer(a, b) @ Y.T, P)
    return (first + _sum_of_places(X, Y @ np.outer(a, b), k)).reshape(1, -1)


erratum(
    "MC92",
    summary=(
        r"As transcribed, the first term of the sum, $X^{n-1-r}\mathbf{a}\mathbf{b}^T(X^n)^TX^r$, is the transpose "
        r"of the right term $(X^r)^TX^n\mathbf{b}\mathbf{a}^T(X^{n-1-r})^T$, and the sum is wrong already for "
        r"$n = 1$. The transcription of (92) is not confirmed against a printed copy."
    ),
    printed=(
        r"\frac{\partial\, \mathbf{a}^T (X^n)^T X^n \mathbf{b}}{\partial X} = \sum_{r=0}^{n-1}"
        r"\big[X^{n-1-r}\mathbf{a}\mathbf{b}^T(X^n)^TX^r + (X^r)^TX^n\mathbf{a}\mathbf{b}^T(X^{n-1-r})^T\big]"
    ),
    correct=(
        r"\frac{\partial\, \mathbf{a}^T (X^n)^T X^n \mathbf{b}}{\partial X} = \sum_{r=0}^{n-1}"
        r"\big[(X^r)^TX^n\mathbf{b}\mathbf{a}^T(X^{n-1-r})^T + (X^r)^TX^n\mathbf{a}\mathbf{b}^T(X^{n-1-r})^T\big]"
    ),
    printed_form=_printed_mc92,
    counterexample={
        "a": np.array([1.0, 0.0]),
        "X": np.array([[0.0, 0.0], [1.0, 0.0]]),
        "b": np.array([1.0, 0.0]),
        "n": 1,
    },
)


# ----- (93): a bilinear form of two vector functions -----


def chained_bilinear(x: ArrayLike, A: ArrayLike, B: ArrayLike, C: ArrayLike) -> np.float64:
    """s(x)ᵀ A r(x) with s(x) = tanh(Bx) and r(x) = sin(Cx), for A (p, q), B (p, n) and C (q, n).

    Examples:
        >>> from mcref.cookbook.higher import chained_bilinear
        >>> print(chained_bilinear([0.0], [[1.0]], [[1.0]], [[1.0]]))
        0.0
    """
    x = validate.vector("x", x)
    A = validate.matrix("A", A)
    B = validate.matrix("B", B)
    C = validate.matrix("C", C)
    n = x.shape[0]
    if B.shape[1] != n or C.shape[1] != n or A.shape != (B.shape[0], C.shape[0]):
        raise ValueError(
            f"s(x)ᵀAr(x) needs x (n,), A (p, q), B (p, n) and C (q, n), got x {x.shape}, A {A.shape}, "
            f"B {B.shape} and C {C.shape}"
        )
    with np.errstate(all="ignore"):
        s, r = np.tanh(B @ x), np.sin(C @ x)
        return np.float64(validate.finite_result("s(x)ᵀAr(x)", s @ A @ r))


def _chained_bilinear_gradient(x: FloatArray, A: FloatArray, B: FloatArray, C: FloatArray) -> FloatArray:
    s, r = np.tanh(B @ x), np.sin(C @ x)
    ds = (1 - s**2)[:, None] * B  # ∂s/∂x, p x n
    dr = np.cos(C @ x)[:, None] * C  # ∂r/∂x, q x n
    return ds.T @ A @ r + dr.T @ A.T @ s


_MC93 = reduction(
    "MC93",
    title="Gradient of a bilinear form of two vector functions",
    forward=chained_bilinear,
    wrt="x",
    gradient=_chained_bilinear_gradient,
    latex=(
        r"\frac{\partial\, \mathbf{s}^T A\mathbf{r}}{\partial \mathbf{x}}"
        r" = \mathbf{r}^T A^T \frac{\partial \mathbf{s}}{\partial \mathbf{x}}"
        r" + \mathbf{s}^T A \frac{\partial \mathbf{r}}{\partial \mathbf{x}}"
    ),
    latex_denominator=(
        r"\frac{\partial\, \mathbf{s}^T A\mathbf{r}}{\partial \mathbf{x}}"
        r" = \Big[\frac{\partial \mathbf{s}}{\partial \mathbf{x}}\Big]^T A\mathbf{r}"
        r" + \Big[\frac{\partial \mathbf{r}}{\partial \mathbf{x}}\Big]^T A^T\mathbf{s}"
    ),
    vjp_latex=(
        r"\frac{\partial L}{\partial \mathbf{x}} = v\Big(\Big[\frac{\partial \mathbf{s}}{\partial \mathbf{x}}\Big]^T"
        r" A\mathbf{r} + \Big[\frac{\partial \mathbf{r}}{\partial \mathbf{x}}\Big]^T A^T\mathbf{s}\Big)"
    ),
    args={
        "x": Arg(shape=("n",)),
        "A": Arg(shape=("p", "q")),
        "B": Arg(shape=("p", "n"), low=-1.0, high=1.0),
        "C": Arg(shape=("q", "n"), low=-1.0, high=1.0),
    },
    section="2.4.3",
    conditions=(
        r"$\mathbf{s}(\mathbf{x}) \in \mathbb{R}^p$ and $\mathbf{r}(\mathbf{x}) \in \mathbb{R}^q$ differentiable, "
        r"$A$ a constant $p \times q$ matrix, and $\partial\mathbf{s}/\partial\mathbf{x}$ the $p \times n$ Jacobian. "
        r"A product rule for every $\mathbf{s}$ and $\mathbf{r}$; checked for $\mathbf{s} = \tanh(B\mathbf{x})$ and "
        r"$\mathbf{r} = \sin(C\mathbf{x})$, entry by entry, with constant $B$ ($p \times n$) and $C$ ($q \times n$)."
        + _PROVISIONAL
    ),
    keywords=(
        "product rule for a bilinear form",
        "derivative of s^T A r",
        "derivative of a bilinear form of functions",
    ),
    printed=(
        r"\frac{\partial}{\partial\mathbf{x}}\mathbf{s}^T\mathbf{A}\mathbf{r}"
        r" = \left[\frac{\partial\mathbf{s}}{\partial\mathbf{x}}\right]^T\mathbf{A}\mathbf{r}"
        r" + \left[\frac{\partial\mathbf{r}}{\partial\mathbf{x}}\right]^T\mathbf{A}^T\mathbf{s}"
    ),
)


@_MC93.jacobian
def grad_chained_bilinear(x: ArrayLike, A: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC93: ∂ sᵀAr / ∂x = [∂s/∂x]ᵀ A r + [∂r/∂x]ᵀ Aᵀ s, as a (1, n) row, for s = tanh(Bx), r = sin(Cx).

    By the product rule d(sᵀAr) = (ds)ᵀ A r + sᵀ A dr, with ds = [∂s/∂x] dx and
    dr = [∂r/∂x] dx. Here ∂s/∂x = diag(1 − s²) B and ∂r/∂x = diag(cos Cx) C.

    Args:
        x: Shape `(n,)`.
        A: Shape `(p, q)`.
        B: Shape `(p, n)`.
        C: Shape `(q, n)`.

    Returns:
        The gradient as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.higher import grad_chained_bilinear
        >>> print(grad_chained_bilinear([0.0], [[2.0]], [[1.0]], [[1.0]]))
        [[0.]]
    """


@_MC93.vjp
def vjp_chained_bilinear(v: float, x: ArrayLike, A: ArrayLike, B: ArrayLike, C: ArrayLike) -> FloatArray:
    """MC93, backprop form: v ([∂s/∂x]ᵀ A r + [∂r/∂x]ᵀ Aᵀ s), shaped like x.

    Examples:
        >>> from mcref.cookbook.higher import vjp_chained_bilinear
        >>> print(vjp_chained_bilinear(1.0, [0.0], [[2.0]], [[1.0]], [[1.0]]))
        [0.]
    """


# ----- (94) and (95): a quotient of two squared norms -----


def _quotient_args(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = validate.vector("x", x)
    A = validate.matrix("A", A)
    B = validate.matrix("B", B)
    if A.shape[1] != x.shape[0] or B.shape[1] != x.shape[0]:
        raise ValueError(
            f"the quotient needs x (n,), A (m, n) and B (p, n), got x {x.shape}, A {A.shape} and B {B.shape}"
        )
    with np.errstate(all="ignore"):
        below = validate.finite_result("(Bx)ᵀ(Bx)", (B @ x) @ (B @ x))
    if below == 0:
        raise ValueError("the quotient needs Bx ≠ 0 (its denominator (Bx)ᵀ(Bx)), got Bx = 0")
    return x, A, B


def quotient_of_norms(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> np.float64:
    """(Ax)ᵀ(Ax) / (Bx)ᵀ(Bx) for x of length n, A (m, n) and B (p, n), with Bx ≠ 0.

    Examples:
        >>> from mcref.cookbook.higher import quotient_of_norms
        >>> print(quotient_of_norms([1.0, 1.0], [[1.0, 1.0]], [[1.0, 0.0]]))
        4.0
    """
    x, A, B = _quotient_args(x, A, B)
    with np.errstate(all="ignore"):
        Ax, Bx = A @ x, B @ x
        return np.float64(validate.finite_result("(Ax)ᵀ(Ax)/(Bx)ᵀ(Bx)", (Ax @ Ax) / (Bx @ Bx)))


def quotient_of_forms(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> np.float64:
    """xᵀAᵀAx / xᵀBᵀBx for x of length n, A (m, n) and B (p, n), with Bx ≠ 0: (94)'s quotient in (95)'s form.

    Examples:
        >>> from mcref.cookbook.higher import quotient_of_forms
        >>> print(quotient_of_forms([1.0, 1.0], [[1.0, 1.0]], [[1.0, 0.0]]))
        4.0
    """
    x, A, B = _quotient_args(x, A, B)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("xᵀAᵀAx/xᵀBᵀBx", (x @ A.T @ A @ x) / (x @ B.T @ B @ x)))


def _quotient_gradient(x: FloatArray, A: FloatArray, B: FloatArray) -> FloatArray:
    AtAx, BtBx = A.T @ (A @ x), B.T @ (B @ x)
    top, below = x @ AtAx, x @ BtBx
    return 2 * AtAx / below - 2 * top * BtBx / below**2


_QUOTIENT_ARGS = {
    "x": Arg(shape=("n",)),
    "A": Arg(shape=("m", "n"), low=-1.0, high=1.0),
    "B": Arg(shape=("p", "n"), low=-1.0, high=1.0),
}
_QUOTIENT_CONDITIONS = (
    r"$A$ is $m \times n$, $B$ is $p \times n$, both constant, and $B\mathbf{x} \ne 0$ (checked where "
    r"$(B\mathbf{x})^T(B\mathbf{x}) \ge 1/2$)."
)
_QUOTIENT_LATEX = (
    r" = \frac{2A^TA\mathbf{x}}{\mathbf{x}^TB^TB\mathbf{x}}"
    r" - \frac{2\,\mathbf{x}^TA^TA\mathbf{x}\; B^TB\mathbf{x}}{(\mathbf{x}^TB^TB\mathbf{x})^2}"
)

# the same gradient as a row (numerator layout)
_QUOTIENT_ROW = (
    r" = \frac{2\mathbf{x}^TA^TA}{\mathbf{x}^TB^TB\mathbf{x}}"
    r" - \frac{2\,\mathbf{x}^TA^TA\mathbf{x}\; \mathbf{x}^TB^TB}{(\mathbf{x}^TB^TB\mathbf{x})^2}"
)


def _denominator_away_from_zero(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> bool:
    Bx = np.asarray(B, dtype=np.float64) @ np.asarray(x, dtype=np.float64)
    return bool(Bx @ Bx >= 0.5)


_MC94 = reduction(
    "MC94",
    title="Gradient of a quotient of squared norms",
    forward=quotient_of_norms,
    wrt="x",
    gradient=_quotient_gradient,
    latex=r"\frac{\partial}{\partial\mathbf{x}}\frac{(A\mathbf{x})^T(A\mathbf{x})}{(B\mathbf{x})^T(B\mathbf{x})}"
    + _QUOTIENT_ROW,
    latex_denominator=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{(A\mathbf{x})^T(A\mathbf{x})}{(B\mathbf{x})^T(B\mathbf{x})}"
        + _QUOTIENT_LATEX
    ),
    vjp_latex=(
        r"\frac{\partial L}{\partial \mathbf{x}} = v\Big(\frac{2A^TA\mathbf{x}}{\mathbf{x}^TB^TB\mathbf{x}}"
        r" - \frac{2\,\mathbf{x}^TA^TA\mathbf{x}\; B^TB\mathbf{x}}{(\mathbf{x}^TB^TB\mathbf{x})^2}\Big)"
    ),
    args=_QUOTIENT_ARGS,
    section="2.4.3",
    conditions=(
        _QUOTIENT_CONDITIONS + r" (94) only rewrites the quotient as $\mathbf{x}^TA^TA\mathbf{x} / "
        r"\mathbf{x}^TB^TB\mathbf{x}$; the gradient is that of (95), here checked on the quotient as written in (94)."
        + _PROVISIONAL
    ),
    domain=_denominator_away_from_zero,
    keywords=("quotient of squared norms", "gradient of a ratio of norms", "derivative of |Ax|^2 / |Bx|^2"),
    printed=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{(\mathbf{A}\mathbf{x})^T(\mathbf{A}\mathbf{x})}"
        r"{(\mathbf{B}\mathbf{x})^T(\mathbf{B}\mathbf{x})}"
        r" = \frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x}^T\mathbf{A}^T\mathbf{A}\mathbf{x}}"
        r"{\mathbf{x}^T\mathbf{B}^T\mathbf{B}\mathbf{x}}"
    ),
)


@_MC94.jacobian
def grad_quotient_of_norms(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC94: the gradient of (Ax)ᵀ(Ax) / (Bx)ᵀ(Bx), as a (1, n) row.

    The quotient rule with ∂(xᵀMx)/∂x = 2Mx for the symmetric M = AᵀA and M = BᵀB:
    2AᵀAx / xᵀBᵀBx − 2 xᵀAᵀAx BᵀBx / (xᵀBᵀBx)².

    Args:
        x: Shape `(n,)`, with Bx ≠ 0.
        A: Shape `(m, n)`.
        B: Shape `(p, n)`.

    Returns:
        The gradient as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.higher import grad_quotient_of_norms
        >>> print(grad_quotient_of_norms([1.0, 1.0], [[1.0, 1.0]], [[1.0, 0.0]]))
        [[-4.  4.]]
    """


@_MC94.vjp
def vjp_quotient_of_norms(v: float, x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC94, backprop form: v times the gradient, shaped like x.

    Examples:
        >>> from mcref.cookbook.higher import vjp_quotient_of_norms
        >>> print(vjp_quotient_of_norms(0.5, [1.0, 1.0], [[1.0, 1.0]], [[1.0, 0.0]]))
        [-2.  2.]
    """


_MC95 = reduction(
    "MC95",
    title="Gradient of a quotient of quadratic forms",
    forward=quotient_of_forms,
    wrt="x",
    gradient=_quotient_gradient,
    latex=r"\frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x}^TA^TA\mathbf{x}}{\mathbf{x}^TB^TB\mathbf{x}}"
    + _QUOTIENT_ROW,
    latex_denominator=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x}^TA^TA\mathbf{x}}{\mathbf{x}^TB^TB\mathbf{x}}"
        + _QUOTIENT_LATEX
    ),
    vjp_latex=(
        r"\frac{\partial L}{\partial \mathbf{x}} = v\Big(\frac{2A^TA\mathbf{x}}{\mathbf{x}^TB^TB\mathbf{x}}"
        r" - \frac{2\,\mathbf{x}^TA^TA\mathbf{x}\; B^TB\mathbf{x}}{(\mathbf{x}^TB^TB\mathbf{x})^2}\Big)"
    ),
    args=_QUOTIENT_ARGS,
    section="2.4.3",
    conditions=(
        _QUOTIENT_CONDITIONS + r" As transcribed, the first denominator reads $\mathbf{x}^TBB\mathbf{x}$, which "
        r"is right only for a symmetric $B$ (see the errata)." + _PROVISIONAL
    ),
    domain=_denominator_away_from_zero,
    keywords=("Rayleigh quotient gradient", "generalized Rayleigh quotient", "derivative of ratio of quadratic forms"),
    printed=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x}^T\mathbf{A}^T\mathbf{A}\mathbf{x}}"
        r"{\mathbf{x}^T\mathbf{B}^T\mathbf{B}\mathbf{x}}"
        r" = 2\frac{\mathbf{A}^T\mathbf{A}\mathbf{x}}{\mathbf{x}^T\mathbf{B}\mathbf{B}\mathbf{x}}"
        r" - 2\frac{\mathbf{x}^T\mathbf{A}^T\mathbf{A}\mathbf{x}\,\mathbf{B}^T\mathbf{B}\mathbf{x}}"
        r"{(\mathbf{x}^T\mathbf{B}^T\mathbf{B}\mathbf{x})^2}"
    ),
)


@_MC95.jacobian
def grad_quotient_of_forms(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC95: ∂/∂x xᵀAᵀAx / xᵀBᵀBx = 2AᵀAx / xᵀBᵀBx − 2 xᵀAᵀAx BᵀBx / (xᵀBᵀBx)², as a (1, n) row.

    The quotient rule: d(u/w) = du/w − u dw/w², with du = 2xᵀAᵀA dx and dw = 2xᵀBᵀB dx.

    Args:
        x: Shape `(n,)`, with Bx ≠ 0.
        A: Shape `(m, n)`.
        B: Shape `(p, n)`.

    Returns:
        The gradient as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.higher import grad_quotient_of_forms
        >>> print(grad_quotient_of_forms([1.0, 1.0], [[1.0, 1.0]], [[1.0, 0.0]]))
        [[-4.  4.]]
    """


@_MC95.vjp
def vjp_quotient_of_forms(v: float, x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """MC95, backprop form: v times the gradient, shaped like x.

    Examples:
        >>> from mcref.cookbook.higher import vjp_quotient_of_forms
        >>> print(vjp_quotient_of_forms(-1.0, [1.0, 1.0], [[1.0, 1.0]], [[1.0, 0.0]]))
        [ 4. -4.]
    """


def _printed_mc95(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """(95) as transcribed: 2AᵀAx / xᵀBBx − 2 xᵀAᵀAx BᵀBx / (xᵀBᵀBx)² (B square)."""
    x, A, B = _quotient_args(x, A, B)
    AtAx, BtBx = A.T @ (A @ x), B.T @ (B @ x)
    return (2 * AtAx / (x @ B @ B @ x) - 2 * (x @ AtAx) * BtBx / (x @ BtBx) ** 2).reshape(1, -1)


erratum(
    "MC95",
    summary=(
        r"As transcribed, the first denominator is $\mathbf{x}^TBB\mathbf{x}$ where the quotient rule gives "
        r"$\mathbf{x}^TB^TB\mathbf{x}$; the two agree for a symmetric $B$, and the printed form needs a square $B$ "
        r"at all. The transcription of (95) is not confirmed against a printed copy."
    ),
    printed=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x}^TA^TA\mathbf{x}}{\mathbf{x}^TB^TB\mathbf{x}}"
        r" = \frac{2A^TA\mathbf{x}}{\mathbf{x}^TBB\mathbf{x}}"
        r" - \frac{2\,\mathbf{x}^TA^TA\mathbf{x}\; B^TB\mathbf{x}}{(\mathbf{x}^TB^TB\mathbf{x})^2}"
    ),
    correct=(
        r"\frac{\partial}{\partial\mathbf{x}}\frac{\mathbf{x}^TA^TA\mathbf{x}}{\mathbf{x}^TB^TB\mathbf{x}}"
        + _QUOTIENT_LATEX
    ),
    kind="condition",
    condition=r"$B$ square and symmetric (then $\mathbf{x}^TBB\mathbf{x} = \mathbf{x}^TB^TB\mathbf{x}$)",
    printed_form=_printed_mc95,
    counterexample={
        "x": np.array([0.0, 1.0]),
        "A": np.array([[0.0, 1.0]]),
        "B": np.array([[1.0, 1.0], [0.0, 1.0]]),
    },
    holds_when={
        "x": np.array([0.0, 1.0]),
        "A": np.array([[0.0, 1.0]]),
        "B": np.array([[1.0, 1.0], [1.0, 2.0]]),
    },
)


# ----- (96) to (98): the gradient and the Hessian of a quadratic function -----


def _quadratic_args(x: ArrayLike, A: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = validate.vector("x", x)
    b = validate.vector("b", b)
    validate.same_length(x=x, b=b)
    A = square("A", A)
    if A.shape[0] != x.shape[0]:
        raise ValueError(f"xᵀAx + bᵀx needs A of shape {(x.shape[0],) * 2} for x of length {x.shape[0]}, got {A.shape}")
    return x, A, b


def quadratic(x: ArrayLike, A: ArrayLike, b: ArrayLike) -> np.float64:
    """f(x) = xᵀAx + bᵀx, the Cookbook's (96), for any square A.

    Examples:
        >>> from mcref.cookbook.higher import quadratic
        >>> print(quadratic([1.0, 2.0], [[1.0, 1.0], [0.0, 1.0]], [1.0, -1.0]))
        6.0
    """
    x, A, b = _quadratic_args(x, A, b)
    with np.errstate(all="ignore"):
        return np.float64(validate.finite_result("xᵀAx + bᵀx", x @ A @ x + b @ x))


def quadratic_gradient(x: ArrayLike, A: ArrayLike, b: ArrayLike) -> FloatArray:
    """∇f(x) = (A + Aᵀ)x + b, the verified gradient (97) of f(x) = xᵀAx + bᵀx, as a vector.

    Examples:
        >>> from mcref.cookbook.higher import quadratic_gradient
        >>> print(quadratic_gradient([1.0, 2.0], [[1.0, 1.0], [0.0, 1.0]], [1.0, -1.0]))
        [5. 4.]
    """
    x, A, b = _quadratic_args(x, A, b)
    with np.errstate(all="ignore"):
        return validate.finite_result("(A + Aᵀ)x + b", (A + A.T) @ x + b)


_QUADRATIC_ARGS = {"x": Arg(shape=("n",)), "A": Arg(shape=("n", "n")), "b": Arg(shape=("n",))}

_MC97 = reduction(
    "MC97",
    title="Gradient of a quadratic function",
    forward=quadratic,
    wrt="x",
    gradient=lambda x, A, b: (A + A.T) @ x + b,
    latex=r"\nabla_{\mathbf{x}} f = \frac{\partial f}{\partial \mathbf{x}} = \mathbf{x}^T(A + A^T) + \mathbf{b}^T",
    latex_denominator=(
        r"\nabla_{\mathbf{x}} f = \frac{\partial f}{\partial \mathbf{x}} = (A + A^T)\mathbf{x} + \mathbf{b}"
    ),
    vjp_latex=r"\frac{\partial L}{\partial \mathbf{x}} = v\,\big((A + A^T)\mathbf{x} + \mathbf{b}\big)",
    args=_QUADRATIC_ARGS,
    section="2.4.4",
    conditions=r"$f(\mathbf{x}) = \mathbf{x}^TA\mathbf{x} + \mathbf{b}^T\mathbf{x}$ (96), $A$ any $n \times n$ matrix."
    + _PROVISIONAL,
    keywords=("gradient of quadratic function", "gradient of x^T A x + b^T x", "nabla f"),
    printed=(
        r"\nabla_{\mathbf{x}}f = \frac{\partial f}{\partial\mathbf{x}} = (\mathbf{A}+\mathbf{A}^T)\mathbf{x}+\mathbf{b}"
    ),
)


@_MC97.jacobian
def grad_quadratic(x: ArrayLike, A: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC97: ∇(xᵀAx + bᵀx) = (A + Aᵀ)x + b, as a (1, n) row.

    d(xᵀAx) = dxᵀ A x + xᵀ A dx = xᵀ(Aᵀ + A) dx, and d(bᵀx) = bᵀ dx.

    Args:
        x: Shape `(n,)`.
        A: Shape `(n, n)`.
        b: Shape `(n,)`.

    Returns:
        The gradient as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.cookbook.higher import grad_quadratic
        >>> print(grad_quadratic([1.0, 2.0], [[1.0, 1.0], [0.0, 1.0]], [1.0, -1.0]))
        [[5. 4.]]
    """


@_MC97.vjp
def vjp_quadratic(v: float, x: ArrayLike, A: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC97, backprop form: v ((A + Aᵀ)x + b), shaped like x.

    Examples:
        >>> from mcref.cookbook.higher import vjp_quadratic
        >>> print(vjp_quadratic(2.0, [1.0, 2.0], [[1.0, 1.0], [0.0, 1.0]], [1.0, -1.0]))
        [10.  8.]
    """


_MC98 = hessian(
    "MC98",
    title="Hessian of a quadratic function",
    forward=quadratic_gradient,
    wrt="x",
    matrix=lambda x, A, b: A + A.T,
    latex=r"\frac{\partial^2 f}{\partial \mathbf{x}\,\partial \mathbf{x}^T} = A + A^T",
    vjp_latex=r"\mathbf{v}^T J = \mathbf{v}^T(A + A^T)",
    args=_QUADRATIC_ARGS,
    section="2.4.4",
    conditions=(
        r"$f(\mathbf{x}) = \mathbf{x}^TA\mathbf{x} + \mathbf{b}^T\mathbf{x}$ (96), $A$ any $n \times n$ matrix. "
        r"Checked as the Jacobian of the verified gradient (97); the Hessian is symmetric, so both layouts agree."
        + _PROVISIONAL
    ),
    keywords=("Hessian of quadratic form", "second derivative of x^T A x", "Hessian matrix"),
    printed=r"\frac{\partial^2f}{\partial\mathbf{x}\partial\mathbf{x}^T} = \mathbf{A}+\mathbf{A}^T",
)


@_MC98.jacobian
def hess_quadratic(x: ArrayLike, A: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC98: ∂²f / ∂x∂xᵀ = A + Aᵀ for f(x) = xᵀAx + bᵀx, an (n, n) matrix.

    The gradient (A + Aᵀ)x + b is linear in x with matrix A + Aᵀ.

    Args:
        x: Shape `(n,)`.
        A: Shape `(n, n)`.
        b: Shape `(n,)`.

    Returns:
        A + Aᵀ, shape `(n, n)`.

    Examples:
        >>> from mcref.cookbook.higher import hess_quadratic
        >>> print(hess_quadratic([1.0, 2.0], [[1.0, 1.0], [0.0, 1.0]], [1.0, -1.0]))
        [[2. 1.]
         [1. 2.]]
    """


@_MC98.vjp
def vjp_hess_quadratic(v: ArrayLike, x: ArrayLike, A: ArrayLike, b: ArrayLike) -> FloatArray:
    """MC98, backprop form: vᵀ(A + Aᵀ), shaped like x.

    Examples:
        >>> from mcref.cookbook.higher import vjp_hess_quadratic
        >>> print(vjp_hess_quadratic([1.0, 0.0], [1.0, 2.0], [[1.0, 1.0], [0.0, 1.0]], [1.0, -1.0]))
        [2. 1.]
    """
