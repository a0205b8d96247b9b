"""Vector sum reductions (paper §4.4, and §5 for the dot product; reference §8.4).

Summing the entries of a vector function, y = sum(f(x)) = Σ_i f_i(x), gives a
scalar, so its derivative with respect to an n-vector is a 1 by n row, the
gradient (an n by 1 column in denominator layout). Differentiation is linear,
so the gradient of a sum is the sum of the gradients, the rows of ∂f/∂x:

    ∂y/∂x = [Σ_i ∂f_i/∂x_1, ..., Σ_i ∂f_i/∂x_n] = 1ᵀ ∂f/∂x,

the column sums of the Jacobian (R18). `sum_gradient` computes that row from a
given Jacobian. The other rules are cases of it: the plain sum (R19), the sum
of a scaled vector (R20, R21) and the dot product (R22, R23), which is the sum
of the element-wise product, w · x = sum(w ⊗ x).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, reduction, rule
from mcref.core.validate import FloatArray

# __all__ lists the rule functions (forward functions, closed forms and VJPs), which
# tests/test_validation.py sweeps with bad input through the registry.
# sum_gradient is public as well; it takes a Jacobian rather than a rule's
# arguments, so tests/test_reductions.py sweeps it.
__all__ = [
    "dot",
    "grad_dot_w",
    "grad_dot_x",
    "grad_scaled_total_x",
    "grad_scaled_total_z",
    "grad_sum_of_linear",
    "grad_total",
    "scaled_total",
    "sum_gradient",
    "sum_of_linear",
    "total",
    "vjp_dot_w",
    "vjp_dot_x",
    "vjp_scaled_total_x",
    "vjp_sum_of_linear",
    "vjp_total",
]

_X = r"\mathbf{x}"
_W = r"\mathbf{w}"
_ONES = r"\vec{\mathbf{1}}"


def _vjp_statement(result: str) -> str:
    return rf"v^T J = {result}"



def _sum(name: str, values: FloatArray) -> np.float64:
    """The sum of the entries as a numpy float64 scalar, refusing an overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        total_ = np.sum(values)
    return np.float64(validate.finite_result(name, total_))


def sum_gradient(jacobian: ArrayLike) -> FloatArray:
    """R18: the gradient of y = sum(f(x)), given the Jacobian ∂f/∂x.

    Entry j of the gradient is Σ_i ∂f_i/∂x_j, the sum of column j of the
    Jacobian; as a matrix product it is 1ᵀ ∂f/∂x. No assumption is made on f:
    its Jacobian may be full and need not be square.

    Args:
        jacobian: The Jacobian of f at x in numerator layout, shape `(m, n)`
            (m outputs, n inputs).

    Returns:
        The gradient of y as a row, shape `(1, n)`; its transpose, shape
        `(n, 1)`, is the denominator-layout gradient.

    Raises:
        TypeError: If `jacobian` is not numeric.
        ValueError: If `jacobian` is not a non-empty, finite 2-D array, or a
            column sum overflows float64.

    Examples:
        The column sums of a 2 by 3 Jacobian:

        >>> from mcref.paper.reductions import sum_gradient
        >>> print(sum_gradient([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
        [[5. 7. 9.]]
    """
    jac = validate.matrix("jacobian", jacobian)
    with np.errstate(over="ignore", invalid="ignore"):
        row = jac.sum(axis=0, keepdims=True)
    return validate.finite_result("the gradient", row)


# ----- R18: the sum of a vector function -----


def _linear_args(A: ArrayLike, x: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = validate.vector("x", x)
    A = validate.matrix("A", A)
    if A.shape[1] != x.shape[0]:
        raise ValueError(
            f"A must have n = {x.shape[0]} columns to multiply x (length {x.shape[0]}), got shape {A.shape}"
        )
    return A, x


def sum_of_linear(A: ArrayLike, x: ArrayLike) -> np.float64:
    """The R18 instance y = sum(A x), where f(x) = A x has a full m by n Jacobian A.

    Args:
        A: A matrix of shape `(m, n)`.
        x: A vector of length n.

    Returns:
        y, a scalar (numpy float64).

    Raises:
        ValueError: If the shapes do not fit, or the result overflows float64.
    """
    A, x = _linear_args(A, x)
    with np.errstate(over="ignore", invalid="ignore"):
        f_x = A @ x
    return _sum("sum(A x)", validate.finite_result("A x", f_x))


_R18 = reduction(
    "R18",
    title="Gradient of the sum of a vector function",
    section="4.4, 8.4",
    forward=sum_of_linear,
    wrt="x",
    gradient=lambda A, x: A.sum(axis=0),
    latex=(
        r"\frac{\partial y}{\partial \mathbf{x}} = \left[ \sum_i \frac{\partial f_i(\mathbf{x})}{\partial x_1},"
        r" \dots, \sum_i \frac{\partial f_i(\mathbf{x})}{\partial x_n} \right]"
        rf" = {_ONES}^T \frac{{\partial \mathbf{{f}}}}{{\partial {_X}}}"
    ),
    latex_denominator=(
        r"\frac{\partial y}{\partial \mathbf{x}} = \begin{bmatrix} \sum_i \frac{\partial f_i(\mathbf{x})}{\partial x_1}"
        r" \\ \vdots \\ \sum_i \frac{\partial f_i(\mathbf{x})}{\partial x_n} \end{bmatrix}"
    ),
    args={"A": Arg(("m", "n")), "x": Arg()},
    conditions=(
        r"$y = \operatorname{sum}(\mathbf{f}(\mathbf{x})) = \sum_i f_i(\mathbf{x})$ for any differentiable"
        r" $\mathbf{f} : \mathbb{R}^n \to \mathbb{R}^m$; each $f_i$ may read every $x_j$. Checked on the"
        r" instance $\mathbf{f}(\mathbf{x}) = A\mathbf{x}$ with $A$ of shape $m \times n$, whose gradient is"
        r" $\vec{\mathbf{1}}^T A$, the column sums of $A$."
    ),
    vjp_latex=_vjp_statement(
        r"v\, \vec{\mathbf{1}}^T \frac{\partial \mathbf{f}}{\partial \mathbf{x}}"
        r" \text{, here } v\, \vec{\mathbf{1}}^T A"
    ),
    keywords=("sum of the outputs",),
)


@_R18.jacobian
def grad_sum_of_linear(A: ArrayLike, x: ArrayLike) -> FloatArray:
    """R18: the gradient of sum(A x) with respect to x is 1ᵀ A, the column sums of A.

    Built by [`sum_gradient`][mcref.paper.reductions.sum_gradient] from the Jacobian
    of f(x) = A x, which is A itself.

    Args:
        A: A matrix of shape `(m, n)`.
        x: A vector of length n.

    Returns:
        The gradient as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.paper.reductions import grad_sum_of_linear
        >>> A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        >>> print(grad_sum_of_linear(A, [1.0, 0.0, -1.0]))
        [[5. 7. 9.]]
    """


@_R18.vjp
def vjp_sum_of_linear(v: ArrayLike, A: ArrayLike, x: ArrayLike) -> FloatArray:
    """R18 backprop form: vᵀJ = v 1ᵀA, v times the column sums of A, for y = sum(A x).

    The sum sends the same v back to each of the m outputs of f; f then passes
    that vector back through its own VJP, here Aᵀ.

    Args:
        v: The gradient flowing back into y, a real number.
        A: A matrix of shape `(m, n)`.
        x: A vector of length n.

    Returns:
        v times the column sums of A, shape `(n,)` (shaped like x).

    Raises:
        ValueError: If the result overflows float64.

    Examples:
        >>> from mcref.paper.reductions import vjp_sum_of_linear
        >>> A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        >>> print(vjp_sum_of_linear(2.0, A, [1.0, 0.0, -1.0]))
        [10. 14. 18.]
    """


# ----- R19: the plain sum -----


def total(x: ArrayLike) -> np.float64:
    """The sum of the entries of a vector, y = sum(x) = Σ_i x_i.

    Args:
        x: A vector of length n.

    Returns:
        y, a scalar (numpy float64).

    Raises:
        ValueError: If the sum overflows float64.
    """
    return _sum("sum(x)", validate.vector("x", x))


_R19 = reduction(
    "R19",
    title="Gradient of the sum of a vector",
    section="4.4, 8.4",
    forward=total,
    wrt="x",
    gradient=lambda x: 1.0,
    latex=rf"\nabla_{{{_X}}} \operatorname{{sum}}({_X}) = [1, 1, \dots, 1] = {_ONES}^T",
    latex_denominator=rf"\nabla_{{{_X}}} \operatorname{{sum}}({_X}) = {_ONES}",
    args={"x": Arg()},
    conditions=r"The case $\mathbf{f}(\mathbf{x}) = \mathbf{x}$ of R18.",
    vjp_latex=_vjp_statement(rf"v {_ONES}^T"),
    keywords=("sum of the entries", "reduce sum", "summation", "np.sum"),
)


@_R19.jacobian
def grad_total(x: ArrayLike) -> FloatArray:
    """R19: the gradient of sum(x) is a row of ones.

    Args:
        x: A vector of length n.

    Returns:
        The row of ones, shape `(1, n)`.

    Examples:
        >>> from mcref.paper.reductions import grad_total
        >>> print(grad_total([4.0, -2.0, 7.0]))
        [[1. 1. 1.]]
    """


@_R19.vjp
def vjp_total(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """R19 backprop form: vᵀJ = v 1ᵀ: the sum sends the same v back to every entry.

    Args:
        v: The gradient flowing back into sum(x), a real number.
        x: A vector of length n.

    Returns:
        The vector [v, ..., v], shape `(n,)` (shaped like x).

    Examples:
        >>> from mcref.paper.reductions import vjp_total
        >>> print(vjp_total(2.5, [4.0, -2.0, 7.0]))
        [2.5 2.5 2.5]
    """


# ----- R20, R21: the sum of a scaled vector -----


def scaled_total(x: ArrayLike, z: ArrayLike) -> np.float64:
    """The sum of a vector scaled by a scalar, y = sum(x z) = Σ_i x_i z.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        y, a scalar (numpy float64).

    Raises:
        ValueError: If the result overflows float64.
    """
    x = validate.vector("x", x)
    z = validate.scalar("z", z)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = x * z
    return _sum("sum(x z)", validate.finite_result("x z", scaled))


_SCALED_ARGS = {"x": Arg(), "z": Arg(shape=())}


_R20 = reduction(
    "R20",
    title="Gradient of the sum of a scaled vector, with respect to x",
    section="4.4, 8.4",
    forward=scaled_total,
    wrt="x",
    gradient=lambda x, z: z,
    latex=rf"\frac{{\partial}}{{\partial {_X}}} \operatorname{{sum}}({_X} z) = [z, z, \dots, z] = z {_ONES}^T",
    latex_denominator=(
        rf"\frac{{\partial}}{{\partial {_X}}} \operatorname{{sum}}({_X} z)"
        r" = \begin{bmatrix} z \\ \vdots \\ z \end{bmatrix} = z \vec{\mathbf{1}}"
    ),
    args=_SCALED_ARGS,
    conditions=r"$z$ is a scalar that does not depend on $\mathbf{x}$.",
    vjp_latex=_vjp_statement(rf"v z {_ONES}^T"),
    keywords=("scaled sum",),
)


@_R20.jacobian
def grad_scaled_total_x(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R20: the gradient of sum(x z) with respect to x is a row full of z.

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        The row [z, ..., z], shape `(1, n)`.

    Examples:
        >>> from mcref.paper.reductions import grad_scaled_total_x
        >>> print(grad_scaled_total_x([4.0, -2.0, 7.0], 0.5))
        [[0.5 0.5 0.5]]
    """


@_R20.vjp
def vjp_scaled_total_x(v: ArrayLike, x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R20 backprop form: vᵀJ = v z 1ᵀ, the same v z for every entry.

    Args:
        v: The gradient flowing back into sum(x z), a real number.
        x: A vector of length n.
        z: A scalar.

    Returns:
        The vector [v z, ..., v z], shape `(n,)` (shaped like x).

    Raises:
        ValueError: If v z overflows float64.

    Examples:
        >>> from mcref.paper.reductions import vjp_scaled_total_x
        >>> print(vjp_scaled_total_x(2.0, [4.0, -2.0, 7.0], 0.5))
        [1. 1. 1.]
    """


@rule(
    "R21",
    title="Derivative of the sum of a scaled vector, with respect to z",
    section="4.4, 8.4",
    forward=scaled_total,
    wrt="z",
    latex=rf"\frac{{\partial}}{{\partial z}} \operatorname{{sum}}({_X} z) = \sum_i x_i = \operatorname{{sum}}({_X})",
    shape=(1, 1),
    args=_SCALED_ARGS,
    conditions=(
        r"$\mathbf{x}$ does not depend on $z$. A scalar by a scalar: $1 \times 1$ in both layouts."
    ),
    keywords=("scaled sum",),
)
def grad_scaled_total_z(x: ArrayLike, z: ArrayLike) -> FloatArray:
    """R21: the derivative of sum(x z) with respect to z is sum(x) (not n: erratum E2).

    Args:
        x: A vector of length n.
        z: A scalar.

    Returns:
        sum(x) as a 1 by 1 array, shape `(1, 1)`.

    Raises:
        ValueError: If the sum overflows float64.

    Examples:
        >>> from mcref.paper.reductions import grad_scaled_total_z
        >>> print(grad_scaled_total_z([4.0, -2.0, 7.0], 0.5))
        [[9.]]
    """
    x = validate.vector("x", x)
    validate.scalar("z", z)
    return np.full((1, 1), _sum("sum(x)", x))


# ----- R22, R23: the dot product -----


def dot(w: ArrayLike, x: ArrayLike) -> np.float64:
    """The dot product, y = w · x = Σ_i w_i x_i = sum(w ⊗ x).

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        y, a scalar (numpy float64).

    Raises:
        ValueError: If the result overflows float64.
    """
    w, x = validate.paired_vectors(w, x)
    with np.errstate(over="ignore", invalid="ignore"):
        u = w * x
    return _sum("w · x", validate.finite_result("w ⊗ x", u))


_DOT_ARGS = {"w": Arg(), "x": Arg()}


_R22 = reduction(
    "R22",
    title="Gradient of the dot product, with respect to x",
    section="5, 8.4",
    forward=dot,
    wrt="x",
    gradient=lambda w, x: w,
    latex=(
        rf"\frac{{\partial ({_W} \cdot {_X})}}{{\partial {_X}}}"
        rf" = \frac{{\partial y}}{{\partial \mathbf{{u}}}} \frac{{\partial \mathbf{{u}}}}{{\partial {_X}}}"
        rf" = {_ONES}^T \operatorname{{diag}}({_W}) = {_W}^T"
    ),
    latex_denominator=(
        rf"\frac{{\partial ({_W} \cdot {_X})}}{{\partial {_X}}} = \operatorname{{diag}}({_W}) {_ONES} = {_W}"
    ),
    args=_DOT_ARGS,
    conditions=(
        r"$\mathbf{w}$ does not depend on $\mathbf{x}$. Here $\mathbf{u} = \mathbf{w} \otimes \mathbf{x}$"
        r" and $y = \operatorname{sum}(\mathbf{u})$."
    ),
    vjp_latex=_vjp_statement(rf"v {_W}^T"),
    keywords=("dot product", "inner product", "scalar product", "w transpose x", "linear function"),
)


@_R22.jacobian
def grad_dot_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R22: the gradient of w · x with respect to x is wᵀ, a row.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        `w` as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.paper.reductions import grad_dot_x
        >>> print(grad_dot_x([1.0, -2.0, 3.0], [4.0, 5.0, 6.0]))
        [[ 1. -2.  3.]]
    """


@_R22.vjp
def vjp_dot_x(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R22 backprop form: vᵀJ = v wᵀ, returned shaped like x.

    Args:
        v: The gradient flowing back into w · x, a real number.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        v w, shape `(n,)` (shaped like x).

    Raises:
        ValueError: If v w overflows float64.

    Examples:
        >>> from mcref.paper.reductions import vjp_dot_x
        >>> print(vjp_dot_x(2.0, [1.0, -2.0, 3.0], [4.0, 5.0, 6.0]))
        [ 2. -4.  6.]
    """


_R23 = reduction(
    "R23",
    title="Gradient of the dot product, with respect to w",
    section="5, 8.4",
    forward=dot,
    wrt="w",
    gradient=lambda w, x: x,
    latex=(
        rf"\frac{{\partial ({_W} \cdot {_X})}}{{\partial {_W}}}"
        rf" = {_ONES}^T \operatorname{{diag}}({_X}) = {_X}^T"
    ),
    latex_denominator=(
        rf"\frac{{\partial ({_W} \cdot {_X})}}{{\partial {_W}}} = \operatorname{{diag}}({_X}) {_ONES} = {_X}"
    ),
    args=_DOT_ARGS,
    conditions=r"$\mathbf{x}$ does not depend on $\mathbf{w}$.",
    vjp_latex=_vjp_statement(rf"v {_X}^T"),
    keywords=("inner product", "scalar product", "weighted sum", "linear function"),
)


@_R23.jacobian
def grad_dot_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R23: the gradient of w · x with respect to w is xᵀ, a row.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        `x` as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.paper.reductions import grad_dot_w
        >>> print(grad_dot_w([1.0, -2.0, 3.0], [4.0, 5.0, 6.0]))
        [[4. 5. 6.]]
    """


@_R23.vjp
def vjp_dot_w(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R23 backprop form: vᵀJ = v xᵀ, returned shaped like w.

    Args:
        v: The gradient flowing back into w · x, a real number.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        v x, shape `(n,)` (shaped like w).

    Raises:
        ValueError: If v x overflows float64.

    Examples:
        >>> from mcref.paper.reductions import vjp_dot_w
        >>> print(vjp_dot_w(2.0, [1.0, -2.0, 3.0], [4.0, 5.0, 6.0]))
        [ 8. 10. 12.]
    """
