"""The gradient of a neuron's activation (paper §5).

One neuron takes an input vector x, forms the affine value z = w · x + b and
passes it through the rectified linear unit, max(0, z):

    activation(w, x, b) = max(0, w · x + b).

The rules below differentiate each piece and then the whole:

* N1, the scalar ReLU: d max(0, z)/dz is 1 for z > 0 and 0 for z <= 0;
* N2 and N3, the affine part: xᵀ with respect to w, 1 with respect to b;
* N4 and N5, the activation, by the chain rule through z: the affine gradients
  when z > 0, zero when z <= 0;
* N6, the ReLU applied to every entry of a vector: the n by n Jacobian
  diag(1[x_i > 0]) (erratum E8: the paper writes only its diagonal, as a column).

**Convention at the kink.** max(0, z) has no derivative at z = 0. Like the
paper, every function here uses 0 there: a unit whose input is exactly 0 counts
as inactive. The numerical checks draw their points at least `MARGIN` away from
the kink, where the derivative exists and the convention plays no part.

Forward values that are scalars are returned as `numpy.float64`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, elementwise, reduction, rule, vjp_of
from mcref.core.validate import FloatArray

# __all__ lists the rule functions (forward functions, closed forms and VJPs), which
# tests/test_validation.py sweeps with bad input through the registry;
# tests/test_neuron.py checks vjp_relu at the kink as well.
__all__ = [
    "activation",
    "affine",
    "grad_activation_b",
    "grad_activation_w",
    "grad_affine_b",
    "grad_affine_w",
    "jac_relu",
    "relu",
    "relu_derivative",
    "relu_scalar",
    "vjp_activation_w",
    "vjp_affine_w",
    "vjp_relu",
]

MARGIN = 0.05
"""Random points of the numerical checks keep every ReLU input at least this far from 0."""

_W = r"\mathbf{w}"
_X = r"\mathbf{x}"
_Z = rf"{_W} \cdot {_X} + b"
_ACT = rf"\max(0, {_Z})"

_NEURON_ARGS = {"w": Arg(), "x": Arg(), "b": Arg(shape=(), low=-1.0, high=1.0)}


def _away_from_kink(w: FloatArray, x: FloatArray, b: float) -> bool:
    return bool(abs(np.dot(w, x) + b) > MARGIN)



def _neuron(w: ArrayLike, x: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray, float, float]:
    """Validate (w, x, b) and return them with z = w · x + b."""
    w = validate.vector("w", w)
    x = validate.vector("x", x)
    validate.same_length(w=w, x=x)
    b = validate.scalar("b", b)
    with np.errstate(over="ignore", invalid="ignore"):
        z = float(np.dot(w, x) + b)
    validate.finite_result("w · x + b", z, f"for w and x of length {w.shape[0]}")
    return w, x, b, z


def _v_times_x(v: float, x: FloatArray) -> FloatArray:
    """v x for the scalar cotangent v of a VJP, refusing an overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        back = v * x
    validate.finite_result("v x", back, f"for v = {v} and x of length {x.shape[0]}")
    return back


def _one(value: bool) -> FloatArray:
    return np.array([[1.0 if value else 0.0]])


# ----- the forward functions -----


def relu_scalar(z: ArrayLike) -> np.float64:
    """The rectified linear unit of one number, max(0, z).

    Args:
        z: A real number.

    Returns:
        max(0, z), a float64.
    """
    z = validate.scalar("z", z)
    return np.float64(max(0.0, z))


def relu(x: ArrayLike) -> FloatArray:
    """The rectified linear unit applied to every entry, max(0, x_i).

    Args:
        x: A vector of length n.

    Returns:
        The vector with every negative entry replaced by 0, shape `(n,)`.
    """
    x = validate.vector("x", x)
    return np.maximum(x, 0.0)


def affine(w: ArrayLike, x: ArrayLike, b: ArrayLike) -> np.float64:
    """The affine value of a neuron, z = w · x + b.

    Args:
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        w · x + b, a float64.

    Raises:
        ValueError: If w and x differ in length, or w · x + b overflows.
    """
    *_, z = _neuron(w, x, b)
    return np.float64(z)


def activation(w: ArrayLike, x: ArrayLike, b: ArrayLike) -> np.float64:
    """The output of a neuron with a ReLU, max(0, w · x + b).

    Args:
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        max(0, w · x + b), a float64.

    Raises:
        ValueError: If w and x differ in length, or w · x + b overflows.
    """
    *_, z = _neuron(w, x, b)
    return np.float64(max(0.0, z))


# ----- N1: the scalar ReLU -----


@rule(
    "N1",
    title="Derivative of max(0, z), 0 at z ≤ 0",
    section="5",
    forward=relu_scalar,
    wrt="z",
    latex=r"\frac{d}{dz} \max(0, z) = \begin{cases} 0 & z \le 0 \\ 1 & z > 0 \end{cases}",
    shape=(1, 1),
    args={"z": Arg(shape=(), min_abs=MARGIN)},
    conditions=(
        "$z \\ne 0$. At $z = 0$ the function has a corner (slope 0 on the left, 1 on the right) and no "
        "derivative; like the paper, mcref returns 0 there, so an input of exactly 0 counts as inactive."
    ),
    keywords=("ReLU", "ReLU derivative", "rectified linear unit", "step function", "Heaviside"),
)
def relu_derivative(z: ArrayLike) -> FloatArray:
    """N1: the derivative of max(0, z) is 1 for z > 0 and 0 for z <= 0.

    Args:
        z: A real number.

    Returns:
        `[[1.0]]` if z > 0, else `[[0.0]]` (0 at z = 0 by convention), shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.neuron import relu_derivative
        >>> print(relu_derivative(2.5), relu_derivative(-1.0), relu_derivative(0.0))
        [[1.]] [[0.]] [[0.]]
    """
    z = validate.scalar("z", z)
    return _one(z > 0)


# ----- N2, N3: the affine part -----


_N2 = reduction(
    "N2",
    title="Affine function w · x + b with respect to w = xᵀ",
    section="5",
    forward=affine,
    wrt="w",
    gradient=lambda w, x, b: x,
    latex=(
        rf"\frac{{\partial ({_Z})}}{{\partial {_W}}} = \vec{{\mathbf{{1}}}}^T \operatorname{{diag}}({_X})"
        rf" + \vec{{\mathbf{{0}}}}^T = {_X}^T"
    ),
    latex_denominator=rf"\frac{{\partial ({_Z})}}{{\partial {_W}}} = {_X}",
    args=_NEURON_ARGS,
    vjp_latex=rf"v^T J = v\, {_X}^T",
    keywords=("linear function", "weighted sum", "pre-activation", "w · x + b"),
)


@_N2.jacobian
def grad_affine_w(w: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """N2: the gradient of w · x + b with respect to w is xᵀ.

    Args:
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        x as a row, shape `(1, n)`.

    Examples:
        >>> from mcref.paper.neuron import grad_affine_w
        >>> print(grad_affine_w([1.0, -2.0, 0.5], [3.0, 1.0, 4.0], 0.5))
        [[3. 1. 4.]]
    """


@_N2.vjp
def vjp_affine_w(v: ArrayLike, w: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """N2 backprop form: vᵀJ = v xᵀ, the gradient xᵀ scaled by v, returned shaped like w.

    Args:
        v: The gradient flowing back into w · x + b, a real number.
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        v x, shape `(n,)` (shaped like w).

    Raises:
        ValueError: If w and x differ in length, or a value overflows float64.

    Examples:
        >>> from mcref.paper.neuron import vjp_affine_w
        >>> print(vjp_affine_w(2.0, [1.0, -2.0, 0.5], [3.0, 1.0, 4.0], 0.5))
        [6. 2. 8.]
    """


@rule(
    "N3",
    title="Affine function w · x + b with respect to b = 1",
    section="5",
    forward=affine,
    wrt="b",
    latex=rf"\frac{{\partial ({_Z})}}{{\partial b}} = 0 + 1 = 1",
    shape=(1, 1),
    args=_NEURON_ARGS,
    keywords=("bias", "pre-activation", "w · x + b"),
)
def grad_affine_b(w: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """N3: the derivative of w · x + b with respect to b is 1.

    Args:
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        `[[1.0]]`, shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.neuron import grad_affine_b
        >>> print(grad_affine_b([1.0, -2.0, 0.5], [3.0, 1.0, 4.0], 0.5))
        [[1.]]
    """
    _neuron(w, x, b)
    return np.ones((1, 1))


# ----- N4, N5: the activation, by the chain rule through z -----

_ACT_CONDITIONS = (
    "$\\mathbf{w} \\cdot \\mathbf{x} + b \\ne 0$. At $\\mathbf{w} \\cdot \\mathbf{x} + b = 0$ the activation "
    "has a corner and no derivative; like the paper, mcref takes the zero branch there (the neuron counts "
    "as inactive)."
)


@rule(
    "N4",
    title="Activation max(0, w · x + b) with respect to w",
    section="5",
    forward=activation,
    wrt="w",
    latex=(
        rf"\frac{{\partial}}{{\partial {_W}}} {_ACT} = "
        rf"\begin{{cases}} \vec{{\mathbf{{0}}}}^T & {_Z} \le 0 \\ {_X}^T & {_Z} > 0 \end{{cases}}"
    ),
    latex_denominator=(
        rf"\frac{{\partial}}{{\partial {_W}}} {_ACT} = "
        rf"\begin{{cases}} \vec{{\mathbf{{0}}}} & {_Z} \le 0 \\ {_X} & {_Z} > 0 \end{{cases}}"
    ),
    shape=(1, "n"),
    args=_NEURON_ARGS,
    conditions=_ACT_CONDITIONS,
    domain=_away_from_kink,
    keywords=("ReLU neuron", "neuron gradient", "single neuron", "weights"),
)
def grad_activation_w(w: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """N4: the gradient of max(0, w · x + b) with respect to w is xᵀ when active, else 0ᵀ.

    Args:
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        x as a row if w · x + b > 0, else a row of zeros (also at exactly 0),
        shape `(1, n)`.

    Examples:
        >>> from mcref.paper.neuron import grad_activation_w
        >>> x = [3.0, 1.0, 4.0]
        >>> print(grad_activation_w([1.0, -2.0, 0.5], x, 0.5))  # z = 3.5: active
        [[3. 1. 4.]]
        >>> print(grad_activation_w([-1.0, -2.0, 0.5], x, 0.5))  # z = -2.5: inactive
        [[0. 0. 0.]]
    """
    _, x, _, z = _neuron(w, x, b)
    return x.reshape(1, -1) if z > 0 else np.zeros((1, x.shape[0]))


@vjp_of(
    "N4",
    latex=rf"v^T J = \begin{{cases}} \vec{{\mathbf{{0}}}}^T & {_Z} \le 0 \\ v\, {_X}^T & {_Z} > 0 \end{{cases}}",
)
def vjp_activation_w(v: ArrayLike, w: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """N4 backprop form: vᵀJ = v xᵀ when the neuron is active, else 0 (also at exactly 0).

    An inactive ReLU stops the gradient: whatever v is, nothing flows back to w.

    Args:
        v: The gradient flowing back into max(0, w · x + b), a real number.
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        v x if w · x + b > 0, else zeros, shape `(n,)` (shaped like w).

    Raises:
        ValueError: If w and x differ in length, or a value overflows float64.

    Examples:
        >>> from mcref.paper.neuron import vjp_activation_w
        >>> x = [3.0, 1.0, 4.0]
        >>> print(vjp_activation_w(2.0, [1.0, -2.0, 0.5], x, 0.5))  # z = 3.5: active
        [6. 2. 8.]
        >>> print(vjp_activation_w(2.0, [-1.0, -2.0, 0.5], x, 0.5))  # z = -2.5: inactive
        [0. 0. 0.]
    """
    _, x, _, z = _neuron(w, x, b)
    v = validate.scalar("v", v)
    return _v_times_x(v, x) if z > 0 else np.zeros_like(x)


@rule(
    "N5",
    title="Activation max(0, w · x + b) with respect to b",
    section="5",
    forward=activation,
    wrt="b",
    latex=rf"\frac{{\partial}}{{\partial b}} {_ACT} = \begin{{cases}} 0 & {_Z} \le 0 \\ 1 & {_Z} > 0 \end{{cases}}",
    shape=(1, 1),
    args=_NEURON_ARGS,
    conditions=_ACT_CONDITIONS,
    domain=_away_from_kink,
    keywords=("ReLU neuron", "neuron bias gradient", "single neuron"),
)
def grad_activation_b(w: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """N5: the derivative of max(0, w · x + b) with respect to b is 1 when active, else 0.

    Args:
        w: The weights, a vector of length n.
        x: The input, a vector of length n.
        b: The bias, a real number.

    Returns:
        `[[1.0]]` if w · x + b > 0, else `[[0.0]]` (also at exactly 0), shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.neuron import grad_activation_b
        >>> x = [3.0, 1.0, 4.0]
        >>> print(grad_activation_b([1.0, -2.0, 0.5], x, 0.5), grad_activation_b([-1.0, -2.0, 0.5], x, 0.5))
        [[1.]] [[0.]]
    """
    *_, z = _neuron(w, x, b)
    return _one(z > 0)


# ----- N6: the ReLU applied to a vector (erratum E8) -----


_N6 = elementwise(
    "N6",
    title="Jacobian of element-wise max(0, x) = diag(1[x > 0]) (erratum E8)",
    section="5",
    forward=relu,
    wrt="x",
    derivative=lambda x: (x > 0).astype(np.float64),
    latex=(
        rf"\frac{{\partial \max(0, {_X})}}{{\partial {_X}}} = "
        r"\operatorname{diag}\big(\mathbb{1}[x_1 > 0], \dots, \mathbb{1}[x_n > 0]\big)"
    ),
    vjp_latex=r"\mathbf{v}^T J = (\mathbf{v} \otimes \mathbb{1}[\mathbf{x} > 0])^T",
    args={"x": Arg(min_abs=MARGIN)},
    conditions=(
        "Every $x_i \\ne 0$. The indicator $\\mathbb{1}[x_i > 0]$ is 1 when $x_i > 0$ and 0 otherwise, so an entry "
        "that is exactly 0 gets 0 on the diagonal, the paper's convention. The result is an $n \\times n$ "
        "matrix, not the column of 0s and 1s the paper prints (erratum E8): that column is only the diagonal, "
        "and it multiplies a vector element-wise ($\\otimes$), not as a matrix."
    ),
    keywords=("ReLU", "ReLU Jacobian", "ReLU backward", "ReLU backprop", "rectified linear unit", "indicator"),
)


@_N6.jacobian
def jac_relu(x: ArrayLike) -> FloatArray:
    """N6: the Jacobian of max(0, x), applied entry by entry, is diag(1[x_i > 0]).

    Args:
        x: A vector of length n.

    Returns:
        The diagonal matrix with 1 where x_i > 0 and 0 elsewhere (0 where
        x_i = 0, by convention), shape `(n, n)`.

    Examples:
        >>> from mcref.paper.neuron import jac_relu
        >>> print(jac_relu([2.0, -1.0, 0.5]))
        [[1. 0. 0.]
         [0. 0. 0.]
         [0. 0. 1.]]
    """


@_N6.vjp
def vjp_relu(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """N6 backprop: vᵀJ = (v ⊗ 1[x > 0])ᵀ, the paper's column of 0s and 1s used element-wise.

    Args:
        v: The gradient flowing back into max(0, x), a vector of length n.
        x: The input of the ReLU, a vector of length n.

    Returns:
        v with its entries zeroed where x_i <= 0, shape `(n,)`.

    Examples:
        >>> from mcref.paper.neuron import vjp_relu
        >>> print(vjp_relu([1.0, 2.0, 3.0], [2.0, -1.0, 0.5]))
        [1. 0. 3.]
    """
