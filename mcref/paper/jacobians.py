"""Gradients and Jacobians (paper §3, §4 and §4.1, reference §8.1).

The paper's first vector-calculus example is a function of two variables,
f(x, y) = 3x²y. Its gradient collects the two partial derivatives in a row
(R1). A second function, g(x, y) = 2x + y⁸, has the gradient [2, 8y⁷] (G1).
Stacking the two gradients as rows gives the Jacobian of the vector function
[f, g] (R2). In general the Jacobian of m functions of n variables is the
m by n matrix whose row i is the gradient of function i
([`jacobian_from_gradients`][mcref.paper.jacobians.jacobian_from_gradients]). The
identity function has the identity matrix as its Jacobian (R3).

The functions of two variables take the point as one length-2 vector
`p = (x, y)`, so that a gradient is the `(1, 2)` Jacobian of a function of one
vector argument. Results are in numerator layout, as in the paper; the
denominator layout is the transpose (see `mcref.core.layout`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, elementwise, rule, vjp_of
from mcref.core.validate import FloatArray

# __all__ lists the rule functions (forward functions, closed forms and VJPs), which
# tests/test_validation.py sweeps with bad input through the registry.
# jacobian_from_gradients is public as well; tests/test_layout.py checks its input.
__all__ = [
    "grad_paper_f",
    "grad_paper_g",
    "identity",
    "jac_identity",
    "jac_paper_fg",
    "jacobian_from_gradients",
    "paper_f",
    "paper_fg",
    "paper_g",
    "vjp_identity",
    "vjp_paper_f",
    "vjp_paper_fg",
    "vjp_paper_g",
]

# the point (x, y), both coordinates drawn from [-2, 2]
_POINT = {"p": Arg(shape=(2,))}


def _point(p: ArrayLike) -> tuple[float, float]:
    """Check that `p` is the point (x, y), a finite vector of length 2, and unpack it."""
    arr = validate.vector("p", p)
    if arr.shape[0] != 2:
        raise ValueError(f"p must be the point (x, y), a vector of length 2, got length {arr.shape[0]}")
    return float(arr[0]), float(arr[1])



# ----- the general definition: a Jacobian is its gradients stacked as rows -----


def jacobian_from_gradients(gradients: Sequence[ArrayLike]) -> FloatArray:
    """Stack the gradients of m scalar functions, as rows, into their m by n Jacobian.

    This is the definition of the Jacobian in numerator layout: for
    y_i = f_i(x), i = 1..m, with x of length n, row i of dy/dx is the gradient
    of f_i, so entry (i, j) is the partial derivative of f_i with respect to x_j.

    Args:
        gradients: A non-empty sequence of m gradients, all with respect to the
            same n variables, each a `(1, n)` row (numerator layout, as the
            rules return it) or a length-n vector. A 2-D array is read as its
            rows.

    Returns:
        The Jacobian, a float64 array of shape `(m, n)`.

    Raises:
        TypeError: If `gradients` is not a sequence, or a gradient is not numeric.
        ValueError: If there is no gradient, a gradient is not a row or a
            vector or is not finite, or the gradients have different lengths.

    Examples:
        >>> from mcref.paper.jacobians import jacobian_from_gradients
        >>> print(jacobian_from_gradients([[[12.0, 12.0]], [2.0, 8.0]]))
        [[12. 12.]
         [ 2.  8.]]
    """
    if isinstance(gradients, np.ndarray):
        if gradients.ndim < 2:
            raise ValueError(
                "gradients must be a sequence of gradients; got one array of shape "
                f"{gradients.shape}: wrap a single gradient in a list, [g]"
            )
    elif isinstance(gradients, (str, bytes)) or not isinstance(gradients, Sequence):
        raise TypeError(
            f"gradients must be a sequence (a list or tuple) of gradients, got {type(gradients).__name__}"
        )
    if len(gradients) == 0:
        raise ValueError("gradients must hold at least one gradient, got an empty sequence")
    rows = []
    for i, g in enumerate(gradients):
        arr = validate.array(f"gradients[{i}]", g)
        if arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]
        elif arr.ndim != 1:
            raise ValueError(
                f"gradients[{i}] must be a (1, n) row or a length-n vector, got an array of shape {arr.shape}"
            )
        rows.append(arr)
    lengths = [r.shape[0] for r in rows]
    if len(set(lengths)) > 1:
        listed = ", ".join(f"gradients[{i}] has length {n}" for i, n in enumerate(lengths))
        raise ValueError(f"every gradient must have the same length n (one entry per variable), got: {listed}")
    return np.stack(rows)


# ----- R1, G1, R2: the paper's f(x, y) = 3x²y and g(x, y) = 2x + y⁸ -----


def paper_f(p: ArrayLike) -> np.float64:
    """The paper's f(x, y) = 3x²y, at the point p = (x, y).

    Args:
        p: The point (x, y), a vector of length 2.

    Returns:
        `3 * x**2 * y`, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x, y = _point(p)
    with np.errstate(over="ignore", invalid="ignore"):
        value = 3 * np.float64(x) ** 2 * y
    return np.float64(validate.finite_result("3x²y", np.asarray(value), f"at (x, y) = {(x, y)}"))


def paper_g(p: ArrayLike) -> np.float64:
    """The paper's g(x, y) = 2x + y⁸, at the point p = (x, y).

    Args:
        p: The point (x, y), a vector of length 2.

    Returns:
        `2 * x + y**8`, as a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x, y = _point(p)
    with np.errstate(over="ignore"):
        value = 2 * np.float64(x) + np.float64(y) ** 8
    return np.float64(validate.finite_result("2x + y⁸", np.asarray(value), f"at (x, y) = {(x, y)}"))


def paper_fg(p: ArrayLike) -> FloatArray:
    """The vector function [f(x, y), g(x, y)] = [3x²y, 2x + y⁸], at the point p = (x, y).

    Args:
        p: The point (x, y), a vector of length 2.

    Returns:
        The two values, shape `(2,)`.

    Raises:
        ValueError: If a value overflows float64.
    """
    return np.array([paper_f(p), paper_g(p)])


@rule(
    "R1",
    title="Gradient of f(x, y) = 3x²y, a row",
    section="3, 8.1",
    forward=paper_f,
    wrt="p",
    latex=(
        r"\nabla f(x, y) = \left[ \frac{\partial f}{\partial x}, \frac{\partial f}{\partial y} \right]"
        r" = \begin{bmatrix} 6yx & 3x^2 \end{bmatrix}, \qquad f(x, y) = 3x^2 y"
    ),
    latex_denominator=(
        r"\frac{\partial f}{\partial \mathbf{p}} = \begin{bmatrix} \dfrac{\partial f}{\partial x} \\[1.5ex]"
        r" \dfrac{\partial f}{\partial y} \end{bmatrix} = \begin{bmatrix} 6yx \\ 3x^2 \end{bmatrix},"
        r" \qquad f(x, y) = 3x^2 y"
    ),
    shape=(1, 2),
    args=_POINT,
    conditions=r"None: $f$ is a polynomial. The point is one vector $\mathbf{p} = (x, y)$.",
    keywords=("partial derivatives", "gradient of a scalar function", "gradient as a row"),
)
def grad_paper_f(p: ArrayLike) -> FloatArray:
    """R1: the gradient of f(x, y) = 3x²y is the row [6yx, 3x²].

    Holding y constant, 3x²y is the constant 3y times x², with derivative 6yx;
    holding x constant, it is the constant 3x² times y, with derivative 3x².

    Args:
        p: The point (x, y), a vector of length 2.

    Returns:
        The gradient, shape `(1, 2)`, numerator layout.

    Raises:
        ValueError: If an entry overflows float64.

    Examples:
        >>> from mcref.paper.jacobians import grad_paper_f
        >>> print(grad_paper_f([2.0, 1.0]))
        [[12. 12.]]
    """
    x, y = _point(p)
    row = np.array([[6 * y * x, 3 * np.float64(x) ** 2]])
    return row


@vjp_of("R1", latex=r"v^T J = v\, \nabla f(x, y) = v \begin{bmatrix} 6yx & 3x^2 \end{bmatrix}")
def vjp_paper_f(v: ArrayLike, p: ArrayLike) -> FloatArray:
    """R1 backprop form: vᵀJ = v [6yx, 3x²], the gradient of 3x²y scaled by v, returned shaped like p.

    Args:
        v: The gradient flowing back into f(x, y), a real number.
        p: The point (x, y), a vector of length 2.

    Returns:
        v [6yx, 3x²], shape `(2,)` (shaped like p).

    Raises:
        ValueError: If an entry overflows float64.

    Examples:
        >>> from mcref.paper.jacobians import vjp_paper_f
        >>> print(vjp_paper_f(0.5, [2.0, 1.0]))
        [6. 6.]
    """
    x, y = _point(p)
    v = validate.scalar_cotangent(v)
    back = v * np.array([6 * y * x, 3 * np.float64(x) ** 2])
    return back


@rule(
    "G1",
    title="Gradient of g(x, y) = 2x + y⁸",
    section="4",
    forward=paper_g,
    wrt="p",
    latex=(
        r"\nabla g(x, y) = \left[ \frac{\partial g}{\partial x}, \frac{\partial g}{\partial y} \right]"
        r" = \begin{bmatrix} 2 & 8y^7 \end{bmatrix}, \qquad g(x, y) = 2x + y^8"
    ),
    latex_denominator=(
        r"\frac{\partial g}{\partial \mathbf{p}} = \begin{bmatrix} \dfrac{\partial g}{\partial x} \\[1.5ex]"
        r" \dfrac{\partial g}{\partial y} \end{bmatrix} = \begin{bmatrix} 2 \\ 8y^7 \end{bmatrix},"
        r" \qquad g(x, y) = 2x + y^8"
    ),
    shape=(1, 2),
    args=_POINT,
    conditions=r"None: $g$ is a polynomial. The point is one vector $\mathbf{p} = (x, y)$.",
    keywords=("partial derivatives", "gradient vector", "gradient example"),
)
def grad_paper_g(p: ArrayLike) -> FloatArray:
    """G1: the gradient of g(x, y) = 2x + y⁸ is the row [2, 8y⁷].

    Args:
        p: The point (x, y), a vector of length 2.

    Returns:
        The gradient, shape `(1, 2)`, numerator layout.

    Raises:
        ValueError: If an entry overflows float64.

    Examples:
        >>> from mcref.paper.jacobians import grad_paper_g
        >>> print(grad_paper_g([2.0, 1.0]))
        [[2. 8.]]
    """
    _, y = _point(p)
    row = np.array([[2.0, 8 * np.float64(y) ** 7]])
    return row


@vjp_of("G1", latex=r"v^T J = v\, \nabla g(x, y) = v \begin{bmatrix} 2 & 8y^7 \end{bmatrix}")
def vjp_paper_g(v: ArrayLike, p: ArrayLike) -> FloatArray:
    """G1 backprop form: vᵀJ = v [2, 8y⁷], the gradient of 2x + y⁸ scaled by v, returned shaped like p.

    Args:
        v: The gradient flowing back into g(x, y), a real number.
        p: The point (x, y), a vector of length 2.

    Returns:
        v [2, 8y⁷], shape `(2,)` (shaped like p).

    Raises:
        ValueError: If an entry overflows float64.

    Examples:
        >>> from mcref.paper.jacobians import vjp_paper_g
        >>> print(vjp_paper_g(0.5, [2.0, 1.0]))
        [1. 4.]
    """
    _, y = _point(p)
    v = validate.scalar_cotangent(v)
    back = v * np.array([2.0, 8 * np.float64(y) ** 7])
    return back


@rule(
    "R2",
    title="Jacobian of [f, g]: the gradients as rows",
    section="4, 4.1, 8.1",
    forward=paper_fg,
    wrt="p",
    latex=(
        r"\frac{\partial \mathbf{y}}{\partial \mathbf{x}}"
        r" = \begin{bmatrix} \nabla f_1(\mathbf{x}) \\ \vdots \\ \nabla f_m(\mathbf{x}) \end{bmatrix}"
        r" = \left[ \frac{\partial f_i(\mathbf{x})}{\partial x_j} \right]_{m \times n}"
        r" \text{, here } \begin{bmatrix} 6yx & 3x^2 \\ 2 & 8y^7 \end{bmatrix}"
    ),
    latex_denominator=(
        r"\left( \frac{\partial \mathbf{y}}{\partial \mathbf{x}} \right)^T"
        r" = \begin{bmatrix} \nabla f_1(\mathbf{x})^T & \cdots & \nabla f_m(\mathbf{x})^T \end{bmatrix}"
        r" = \left[ \frac{\partial f_j(\mathbf{x})}{\partial x_i} \right]_{n \times m}"
        r" \text{, here } \begin{bmatrix} 6yx & 2 \\ 3x^2 & 8y^7 \end{bmatrix}"
    ),
    shape=(2, 2),
    args=_POINT,
    conditions=(
        r"$\mathbf{y} = \mathbf{f}(\mathbf{x})$ has $m$ outputs $y_i = f_i(\mathbf{x})$ of $n$ inputs, each"
        r" differentiable at $\mathbf{x}$; row $i$ is the gradient of $f_i$"
        r" ([`jacobian_from_gradients`][mcref.paper.jacobians.jacobian_from_gradients] stacks them)."
        r" Checked here on the paper's instance, $\mathbf{y} = [f, g] = [3x^2y,\; 2x + y^8]$ of $\mathbf{x} = (x, y)$"
        r" ($m = n = 2$), and in"
        r" the test suite on instances of other shapes, with $m \ne n$, $m = 1$ and $n = 1$."
    ),
    keywords=("Jacobian matrix", "definition of the Jacobian", "stacked gradients", "vector-valued function"),
)
def jac_paper_fg(p: ArrayLike) -> FloatArray:
    """R2: the Jacobian of [f, g] = [3x²y, 2x + y⁸] stacks the gradients of f and g as rows.

    The general rule, for m functions of n variables, is
    [`jacobian_from_gradients`][mcref.paper.jacobians.jacobian_from_gradients]:
    row i of the m by n Jacobian is the gradient of f_i. This is the paper's
    m = n = 2 instance of it.

    Args:
        p: The point (x, y), a vector of length 2.

    Returns:
        `[[6yx, 3x²], [2, 8y⁷]]`, shape `(2, 2)`, numerator layout; the
        denominator layout is its transpose.

    Raises:
        ValueError: If an entry overflows float64.

    Examples:
        >>> from mcref.paper.jacobians import jac_paper_fg
        >>> print(jac_paper_fg([2.0, 1.0]))
        [[12. 12.]
         [ 2.  8.]]
    """
    return jacobian_from_gradients([grad_paper_f(p), grad_paper_g(p)])


@vjp_of(
    "R2",
    latex=(
        r"\mathbf{v}^T J = v_1 \nabla f(x, y) + v_2 \nabla g(x, y)"
        r" = \begin{bmatrix} 6yx\, v_1 + 2 v_2 & 3x^2 v_1 + 8y^7 v_2 \end{bmatrix}"
    ),
)
def vjp_paper_fg(v: ArrayLike, p: ArrayLike) -> FloatArray:
    """R2 backprop form: vᵀJ = v₁ ∇f + v₂ ∇g, each output's gradient weighted by its entry of v.

    Row i of J is the gradient of output i, so vᵀJ adds up the gradients of f
    and g scaled by v₁ and v₂: [6yx v₁ + 2 v₂, 3x² v₁ + 8y⁷ v₂].

    Args:
        v: The gradient flowing back into [f, g], a vector of length 2.
        p: The point (x, y), a vector of length 2.

    Returns:
        v₁ ∇fᵀ + v₂ ∇gᵀ, shape `(2,)` (shaped like p).

    Raises:
        ValueError: If an entry overflows float64.

    Examples:
        >>> from mcref.paper.jacobians import vjp_paper_fg
        >>> print(vjp_paper_fg([1.0, -1.0], [2.0, 1.0]))  # [12 - 2, 12 - 8]
        [10.  4.]
    """
    x, y = _point(p)
    v = validate.cotangent(v, 2, "[f, g]")
    back = v[0] * np.array([6 * y * x, 3 * np.float64(x) ** 2]) + v[1] * np.array([2.0, 8 * np.float64(y) ** 7])
    return back


# ----- R3: the identity function -----


def identity(x: ArrayLike) -> FloatArray:
    """The identity function on vectors, f(x) = x.

    Args:
        x: A vector of length n.

    Returns:
        A float64 copy of `x`, shape `(n,)`.
    """
    return validate.vector("x", x)


_R3 = elementwise(
    "R3",
    title="Jacobian of the identity function",
    section="4.1, 8.1",
    forward=identity,
    wrt="x",
    derivative=lambda x: 1.0,
    latex=r"\frac{\partial \mathbf{x}}{\partial \mathbf{x}} = I",
    args={"x": Arg()},
    vjp_latex=r"\mathbf{v}^T J = \mathbf{v}^T I = \mathbf{v}^T",
    keywords=("identity matrix", "derivative of x with respect to x"),
)


@_R3.jacobian
def jac_identity(x: ArrayLike) -> FloatArray:
    """R3: the Jacobian of f(x) = x is the n by n identity matrix.

    Entry (i, j) is the partial of x_i with respect to x_j: 1 on the diagonal,
    0 off it, since x_i does not move when another entry moves.

    Args:
        x: The point, a vector of length n (only its length matters).

    Returns:
        The identity matrix, shape `(n, n)`, numerator layout.

    Examples:
        >>> from mcref.paper.jacobians import jac_identity
        >>> print(jac_identity([5.0, -1.0, 2.0]))
        [[1. 0. 0.]
         [0. 1. 0.]
         [0. 0. 1.]]
    """


@_R3.vjp
def vjp_identity(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """R3 backprop form: vᵀJ = vᵀI = vᵀ: the identity passes the gradient back unchanged.

    Args:
        v: The gradient flowing back into f(x) = x, a vector of length n.
        x: The point, a vector of length n (only its length matters).

    Returns:
        A copy of v, shape `(n,)` (shaped like x).

    Examples:
        >>> from mcref.paper.jacobians import vjp_identity
        >>> print(vjp_identity([1.0, -2.0, 0.5], [5.0, -1.0, 2.0]))
        [ 1.  -2.   0.5]
    """
