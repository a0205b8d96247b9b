"""The chain rules (paper §4.5, reference §8.5).

A composite function is differentiated by naming its pieces, differentiating
each piece with respect to its own input, and multiplying the results. This
module does that in two layers.

**Composing functions** take derivatives you already have and combine them,
checking that the shapes line up:

* [`single_variable_chain`][mcref.paper.chain.single_variable_chain]: dy/dx = dy/du · du/dx,
  for one link or a chain of several scalar links (R24);
* [`total_derivative_chain`][mcref.paper.chain.total_derivative_chain]: the direct
  term plus the `(1, k) @ (k, 1)` product over the intermediates (R25);
* [`vector_chain`][mcref.paper.chain.vector_chain]: `(m, k) @ (k, n)`, outer Jacobian
  first (R26);
* [`diagonal_chain`][mcref.paper.chain.diagonal_chain]: the element-wise special
  case, diag(a) diag(b) = diag(a ⊗ b), from the two diagonals;
* [`chain_product`][mcref.paper.chain.chain_product] and
  [`chain_cost`][mcref.paper.chain.chain_cost]: a chain of many Jacobians multiplied
  from the output end (backward) or the input end (forward), and what each
  order costs in multiply-adds.

**Registered rules** apply them to concrete compositions: R24, R25 and R26 on
functions of our own choosing, and C1 to C7, the worked examples of §4.5. Each
closed form is computed *by* the composing function from the pieces, so the
generic numerical test checks the composing functions too.

Every closed form is a 2-D float64 array in numerator layout. The rules whose
Jacobian has more than one entry (R26, C6, C7) also have a backprop form,
`vjp_*(v, ...)`, that returns vᵀJ shaped like the variable without forming J.
`__all__` lists the registered rule functions (forward functions, closed forms
and VJPs), which the generic rule and bad-input tests walk, and the composing
functions, which have tests of their own (`tests/test_chain.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "chain_cost",
    "chain_product",
    "diagonal_chain",
    "exp_cos",
    "jac_exp_cos",
    "jac_ln_sin_cube_squared",
    "jac_ln_sin_pair",
    "jac_sin_of_squares",
    "jac_sin_square",
    "jac_sin_x_plus_square",
    "jac_two_layer",
    "jac_x_plus_exp_times_sin",
    "jac_x_plus_square",
    "jac_x_times_square",
    "ln_sin_cube_squared",
    "ln_sin_cube_squared_steps",
    "ln_sin_pair",
    "sin_of_squares",
    "sin_square",
    "sin_x_plus_square",
    "single_variable_chain",
    "total_derivative_chain",
    "two_layer",
    "vector_chain",
    "vjp_ln_sin_pair",
    "vjp_sin_of_squares",
    "vjp_two_layer",
    "x_plus_exp_times_sin",
    "x_plus_square",
    "x_times_square",
]

_SCALAR = {"x": Arg(shape=())}

# ======================================================================
# Argument checks
# ======================================================================


def _one_by_one(name: str, value: Any) -> float:
    """A derivative of a scalar by a scalar: a number or a (1, 1) array."""
    arr = validate.array(name, value)
    if arr.shape not in ((), (1, 1)):
        raise ValueError(
            f"{name} must be a scalar or a (1, 1) array (a derivative of a scalar by a scalar), "
            f"got an array of shape {arr.shape}"
        )
    return float(arr.reshape(()))



# ======================================================================
# The composing functions
# ======================================================================


def single_variable_chain(*links: ArrayLike) -> FloatArray:
    """R24 as a function: multiply the local derivatives along one path from x to y.

    For y = f(u) with u = g(x), `single_variable_chain(dy_du, du_dx)` is
    dy/dx = dy/du · du/dx. For a longer path x → u₁ → … → uₖ → y, pass every
    local derivative, outermost first: `single_variable_chain(dy_duk, …,
    du2_du1, du1_dx)`. Scalars commute, so the order does not change the
    value; it is the order in which the rule is written.

    Args:
        *links: One or more derivatives of a scalar by a scalar, each a number
            or a `(1, 1)` array.

    Returns:
        dy/dx, shape `(1, 1)`.

    Raises:
        TypeError: If a link is not numeric.
        ValueError: If no link is given, a link is not a scalar or `(1, 1)`,
            is not finite, or the product overflows.

    Examples:
        >>> from mcref.paper.chain import single_variable_chain
        >>> print(single_variable_chain(2.0, 3.0))
        [[6.]]
        >>> print(single_variable_chain([[0.5]], 4.0, -1.0))
        [[-2.]]
    """
    if not links:
        raise ValueError("single_variable_chain needs at least one link (a derivative dy/du), got none")
    values = np.array([_one_by_one(f"links[{i}]", d) for i, d in enumerate(links)])
    with np.errstate(over="ignore", invalid="ignore"):
        product = np.prod(values)
    validate.finite_result("the product of the links", product, f"for links {values.tolist()}")
    return np.full((1, 1), product)


def total_derivative_chain(df_du: ArrayLike, du_dx: ArrayLike, direct: ArrayLike = 0.0) -> FloatArray:
    """R25 as a function: the total derivative of f(x, u₁, …, uₖ) with respect to x.

    ∂f/∂x = (direct ∂f/∂x) + Σᵢ ∂f/∂uᵢ · ∂uᵢ/∂x, which is the direct term plus
    the `(1, k) @ (k, 1)` product of the row of partials ∂f/∂u with the column
    ∂u/∂x. In the aliased form, where x itself is listed as the last
    intermediate u_{k+1} = x (so that ∂u_{k+1}/∂x = 1), the direct term is
    inside the product and `direct` is left at 0.

    Args:
        df_du: The partials ∂f/∂u₁ … ∂f/∂uₖ, each taken with every other
            argument of f held fixed: a `(1, k)` row.
        du_dx: The derivatives du₁/dx … duₖ/dx: a `(k, 1)` column.
        direct: ∂f/∂x for x where it appears directly as an argument of f,
            with every uᵢ held fixed: a number or a `(1, 1)` array.

    Returns:
        The total derivative, shape `(1, 1)`.

    Raises:
        TypeError: If an argument is not numeric.
        ValueError: If `df_du` is not a row, `du_dx` not a column, their
            lengths k differ, a value is not finite, or the result overflows.

    Examples:
        y = x + x² with u₁ = x² and f(x, u₁) = x + u₁, at x = 3: the direct
        term is 1, ∂f/∂u₁ = 1 and du₁/dx = 2x = 6.

        >>> from mcref.paper.chain import total_derivative_chain
        >>> print(total_derivative_chain([[1.0]], [[6.0]], direct=1.0))
        [[7.]]
        >>> print(total_derivative_chain([[1.0, 1.0]], [[6.0], [1.0]]))  # aliased: u₂ = x
        [[7.]]
    """
    row = validate.array("df_du", df_du)
    col = validate.array("du_dx", du_dx)
    if row.ndim != 2 or row.shape[0] != 1:
        hint = ""
        if row.ndim == 2 and row.shape[1] == 1:
            hint = "; this is a column: pass the row of partials ∂f/∂u first and the column ∂u/∂x second"
        raise ValueError(
            f"df_du must be a (1, k) row (the partials of f by u_1..u_k), got an array of shape {row.shape}{hint}"
        )
    if col.ndim != 2 or col.shape[1] != 1:
        raise ValueError(
            f"du_dx must be a (k, 1) column (the derivatives du_1/dx..du_k/dx), got an array of shape {col.shape}"
        )
    d = _one_by_one("direct", direct)
    if row.shape[1] != col.shape[0]:
        raise ValueError(
            f"df_du and du_dx must have one entry per intermediate u_i: df_du has shape {row.shape} "
            f"(k = {row.shape[1]}) but du_dx has shape {col.shape} (k = {col.shape[0]})"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        total = d + row @ col
    return validate.finite_result("the total derivative", total, "for these partials")


def vector_chain(df_dg: ArrayLike, dg_dx: ArrayLike) -> FloatArray:
    """R26 as a function: the Jacobian of f(g(x)) is ∂f/∂g · ∂g/∂x.

    In numerator layout ∂f/∂g is `(m, k)` and ∂g/∂x is `(k, n)`, so the product
    is `(m, n)`. Matrix products do not commute: the outer function's Jacobian
    comes first, and the k columns of ∂f/∂g must meet the k rows of ∂g/∂x.
    Every case of the chain-rule shape table fits: a scalar is a `(1, 1)`
    array, a gradient a `(1, k)` row, a derivative by a scalar a `(k, 1)`
    column.

    Args:
        df_dg: The Jacobian of the outer function f with respect to its input
            g, shape `(m, k)`.
        dg_dx: The Jacobian of the inner function g with respect to x, shape
            `(k, n)`.

    Returns:
        ∂f/∂x, shape `(m, n)`.

    Raises:
        TypeError: If an argument is not numeric.
        ValueError: If an argument is not 2-D, is not finite, the inner sizes
            differ (the message says whether they would fit the other way
            round), or the product overflows.

    Examples:
        >>> from mcref.paper.chain import vector_chain
        >>> df_dg = [[1.0, 0.0, 2.0]]        # (1, 3): f is a scalar of a 3-vector g
        >>> dg_dx = [[1.0], [2.0], [3.0]]    # (3, 1): g is a 3-vector of a scalar x
        >>> print(vector_chain(df_dg, dg_dx))
        [[7.]]
        >>> print(vector_chain(dg_dx, df_dg).shape)  # the other order is a different, 3 by 3 product
        (3, 3)
    """
    outer = validate.matrix("df_dg", df_dg, what="an (m, k) Jacobian of f by g, numerator layout")
    inner = validate.matrix("dg_dx", dg_dx, what="a (k, n) Jacobian of g by x, numerator layout")
    _inner_sizes_agree(("df_dg", outer), ("dg_dx", inner))
    with np.errstate(over="ignore", invalid="ignore"):
        product = outer @ inner
    return validate.finite_result("∂f/∂g · ∂g/∂x", product, f"for shapes {outer.shape} and {inner.shape}")


def _inner_sizes_agree(left: tuple[str, FloatArray], right: tuple[str, FloatArray]) -> None:
    (lname, a), (rname, b) = left, right
    if a.shape[1] == b.shape[0]:
        return
    hint = ""
    if b.shape[1] == a.shape[0]:
        hint = "; they fit the other way round, but the outer Jacobian (nearer the output) must come first"
    raise ValueError(
        f"{lname} and {rname} do not line up: {lname} has shape {a.shape}, so {rname} must have "
        f"{a.shape[1]} rows, but it has shape {b.shape}{hint}"
    )


def diagonal_chain(df_dg: ArrayLike, dg_dx: ArrayLike) -> FloatArray:
    """The element-wise special case of R26: diag(∂fᵢ/∂gᵢ) · diag(∂gᵢ/∂xᵢ) = diag(∂fᵢ/∂gᵢ · ∂gᵢ/∂xᵢ).

    When fᵢ reads only gᵢ and gᵢ reads only xᵢ, both Jacobians are diagonal
    and so is their product; its diagonal is the entry-wise product of the two
    diagonals. Only the diagonals are needed, as vectors.

    Args:
        df_dg: The diagonal of ∂f/∂g, the values ∂fᵢ/∂gᵢ: a vector of length n.
        dg_dx: The diagonal of ∂g/∂x, the values ∂gᵢ/∂xᵢ: a vector of length n.

    Returns:
        The diagonal Jacobian ∂f/∂x, shape `(n, n)`.

    Raises:
        TypeError: If an argument is not numeric.
        ValueError: If an argument is not a non-empty finite vector, the
            lengths differ, or a product overflows.

    Examples:
        >>> from mcref.paper.chain import diagonal_chain
        >>> print(diagonal_chain([1.0, 2.0, -1.0], [3.0, 0.5, 4.0]))
        [[ 3.  0.  0.]
         [ 0.  1.  0.]
         [ 0.  0. -4.]]
    """
    a = validate.vector("df_dg", df_dg)
    b = validate.vector("dg_dx", dg_dx)
    validate.same_length(df_dg=a, dg_dx=b)
    with np.errstate(over="ignore", invalid="ignore"):
        product = a * b
    return np.diag(validate.finite_result("the product of the diagonals", product, "for these diagonals"))


_ORDERS = ("backward", "forward")


def _order(order: Any) -> str:
    if not isinstance(order, str) or order not in _ORDERS:
        raise ValueError(f"order must be 'backward' or 'forward', got {order!r}")
    return order


def chain_product(*jacobians: ArrayLike, order: str = "backward") -> FloatArray:
    """The Jacobian of a chain of functions: the product of their Jacobians, outermost first.

    For y = fₗ(… f₂(f₁(x)) …) the chain rule gives J = Jₗ ⋯ J₂ J₁, with Jᵢ the
    Jacobian of fᵢ in numerator layout. Matrix multiplication is associative,
    so the result does not depend on where one starts, but the work does:

    * `order="backward"` multiplies from the output end, ((Jₗ Jₗ₋₁) Jₗ₋₂) ⋯;
      every partial product is the derivative of y with respect to an
      intermediate, as in backpropagation;
    * `order="forward"` multiplies from the input end, Jₗ (⋯ (J₂ J₁)); every
      partial product is the derivative of an intermediate with respect to x.

    [`chain_cost`][mcref.paper.chain.chain_cost] counts the multiply-adds of each.

    Args:
        *jacobians: One or more 2-D Jacobians, outermost (nearest the output)
            first; the columns of each must match the rows of the next.
        order: `"backward"` (from the output) or `"forward"` (from the input).

    Returns:
        The Jacobian of the whole chain, shape `(rows of the first, columns of the last)`.

    Raises:
        TypeError: If a Jacobian is not numeric.
        ValueError: If none is given, one is not 2-D or not finite, two
            neighbours do not line up, `order` is unknown, or a product
            overflows.

    Examples:
        >>> import numpy as np
        >>> from mcref.paper.chain import chain_product
        >>> J3, J2, J1 = np.ones((1, 2)), np.full((2, 3), 2.0), np.arange(6.0).reshape(3, 2)
        >>> print(chain_product(J3, J2, J1))
        [[24. 36.]]
        >>> print(np.array_equal(chain_product(J3, J2, J1, order="forward"), chain_product(J3, J2, J1)))
        True
    """
    order = _order(order)
    if not jacobians:
        raise ValueError("chain_product needs at least one Jacobian, got none")
    mats = [
        validate.matrix(f"jacobians[{i}]", j, what="a Jacobian in numerator layout") for i, j in enumerate(jacobians)
    ]
    for i in range(len(mats) - 1):
        _inner_sizes_agree((f"jacobians[{i}]", mats[i]), (f"jacobians[{i + 1}]", mats[i + 1]))
    with np.errstate(over="ignore", invalid="ignore"):
        if order == "backward":
            acc = mats[0]
            for m in mats[1:]:
                acc = acc @ m
        else:
            acc = mats[-1]
            for m in reversed(mats[:-1]):
                acc = m @ acc
    return validate.finite_result("the product of the Jacobians", acc, f"for shapes {[m.shape for m in mats]}")


def chain_cost(shapes: Sequence[tuple[int, int]], order: str = "backward") -> int:
    """The number of multiply-adds [`chain_product`][mcref.paper.chain.chain_product] spends on a chain.

    Multiplying an `(a, b)` matrix by a `(b, c)` matrix takes a·b·c
    multiply-adds. Only the shapes matter, so huge chains can be costed
    without building them.

    Args:
        shapes: The `(rows, columns)` of each Jacobian, outermost first, e.g.
            `[(1, 100), (100, 1000)]`.
        order: `"backward"` (from the output) or `"forward"` (from the input).

    Returns:
        The total count of multiply-adds, a Python int (0 for a single
        Jacobian).

    Raises:
        TypeError: If `shapes` is not a sequence of pairs of ints.
        ValueError: If it is empty, a size is below 1, neighbours do not line
            up, or `order` is unknown.

    Examples:
        A scalar loss (1 by 100) after two layers (100 by 100, 100 by 1000):

        >>> from mcref.paper.chain import chain_cost
        >>> shapes = [(1, 100), (100, 100), (100, 1000)]
        >>> print(chain_cost(shapes, "backward"), chain_cost(shapes, "forward"))
        110000 10100000
    """
    order = _order(order)
    if isinstance(shapes, (str, bytes, np.ndarray)) or not isinstance(shapes, Sequence):
        raise TypeError(f"shapes must be a sequence of (rows, columns) pairs, got {type(shapes).__name__}")
    if len(shapes) == 0:
        raise ValueError("shapes must hold at least one (rows, columns) pair, got an empty sequence")
    dims: list[tuple[int, int]] = []
    for i, s in enumerate(shapes):
        if (
            not isinstance(s, (tuple, list))
            or len(s) != 2
            or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in s)
        ):
            raise TypeError(f"shapes[{i}] must be a (rows, columns) pair of ints, got {s!r}")
        if min(s) < 1:
            raise ValueError(f"shapes[{i}] must have sizes >= 1, got {tuple(int(d) for d in s)}")
        dims.append((int(s[0]), int(s[1])))
    for i in range(len(dims) - 1):
        if dims[i][1] != dims[i + 1][0]:
            raise ValueError(
                f"shapes[{i}] and shapes[{i + 1}] do not line up: shapes[{i}] is {dims[i]}, so shapes[{i + 1}] "
                f"must have {dims[i][1]} rows, but it is {dims[i + 1]}"
            )
    total = 0
    if order == "backward":
        rows = dims[0][0]
        for inner, cols in dims[1:]:
            total += rows * inner * cols
    else:
        cols = dims[-1][1]
        for rows, inner in reversed(dims[:-1]):
            total += rows * inner * cols
    return total


# ======================================================================
# R24: the single-variable chain rule, on y = exp(cos x)
# ======================================================================


def _x(x: ArrayLike) -> float:
    # a numpy scalar (np.float64(1.0), np.complex128(1j)) is reported like the 0-d array it is
    return validate.scalar("x", np.asarray(x) if isinstance(x, np.generic) else x)


def exp_cos(x: ArrayLike) -> np.float64:
    """y = e^{cos x}, a chain of two one-parameter functions.

    Args:
        x: A scalar.

    Returns:
        `exp(cos(x))`, a float64 scalar.
    """
    return np.float64(np.exp(np.cos(_x(x))))


@rule(
    "R24",
    title="Single-variable chain rule",
    section="4.5.1, 8.5",
    forward=exp_cos,
    wrt="x",
    latex=(
        r"\frac{dy}{dx} = \frac{dy}{du}\,\frac{du}{dx}"
        r"\qquad \text{e.g. } y = e^{u},\ u = \cos x:\quad \frac{dy}{dx} = e^{\cos x}\,(-\sin x)"
    ),
    latex_denominator=(
        r"\frac{dy}{dx} = \frac{du}{dx}\,\frac{dy}{du}"
        r"\qquad \text{e.g. } y = e^{u},\ u = \cos x:\quad \frac{dy}{dx} = (-\sin x)\,e^{\cos x}"
    ),
    shape=(1, 1),
    args=_SCALAR,
    conditions=(
        "$y$ depends on $x$ through a single path: every intermediate function has exactly one "
        "parameter. Each link must be differentiable at the point reached."
    ),
    keywords=("chain rule", "composition", "intermediate variable"),
)
def jac_exp_cos(x: ArrayLike) -> FloatArray:
    """R24: dy/dx = dy/du · du/dx, shown on y = e^u with u = cos x.

    The links are dy/du = e^u and du/dx = −sin x; their product is
    dy/dx = −e^{cos x} sin x.

    Args:
        x: A scalar.

    Returns:
        dy/dx, shape `(1, 1)`.

    Examples:
        >>> from mcref.paper.chain import jac_exp_cos
        >>> print(jac_exp_cos(1.0).round(6))
        [[-1.444407]]
    """
    x = _x(x)
    u = np.cos(x)
    return single_variable_chain(np.exp(u), -np.sin(x))


# ======================================================================
# C1, C2: worked single-variable examples
# ======================================================================


def sin_square(x: ArrayLike) -> np.float64:
    """y = sin(x²).

    Args:
        x: A scalar.

    Returns:
        `sin(x**2)`, a float64 scalar.

    Raises:
        ValueError: If x² overflows float64.
    """
    x = _x(x)
    with np.errstate(over="ignore", invalid="ignore"):
        y = np.sin(np.float64(x) ** 2)
    return np.float64(validate.finite_result("sin(x²)", y, f"at x = {x!r}"))


@rule(
    "C1",
    title="Chain rule on sin(x²)",
    section="4.5.1",
    forward=sin_square,
    wrt="x",
    latex=r"\frac{d}{dx}\sin(x^2) = \frac{d \sin u}{du}\,\frac{du}{dx} = \cos(u)\,2x = 2x\cos(x^2), \quad u = x^2",
    latex_denominator=r"\frac{d}{dx}\sin(x^2) = \frac{du}{dx}\,\frac{d \sin u}{du} = 2x\cos(x^2), \quad u = x^2",
    shape=(1, 1),
    args=_SCALAR,
    conditions="None: both links are smooth everywhere.",
    keywords=("chain rule example", "sine"),
)
def jac_sin_square(x: ArrayLike) -> FloatArray:
    """C1: d/dx sin(x²) = 2x cos(x²), with u = x².

    Args:
        x: A scalar.

    Returns:
        dy/dx, shape `(1, 1)`.

    Raises:
        ValueError: If x² overflows float64.

    Examples:
        >>> from mcref.paper.chain import jac_sin_square
        >>> print(jac_sin_square(1.5).round(6))
        [[-1.884521]]
    """
    x = _x(x)
    u = np.float64(x) ** 2
    dy_du = np.cos(u)
    return single_variable_chain(dy_du, 2 * x)


class ChainStep(NamedTuple):
    """One intermediate of a chain, as computed by
    [`ln_sin_cube_squared_steps`][mcref.paper.chain.ln_sin_cube_squared_steps].

    Attributes:
        name: The intermediate's name, e.g. `"u2"`.
        expression: What it is in terms of the previous one, e.g. `"sin(u1)"`.
        value: Its value at the point.
        local: Its derivative with respect to its own parameter (the previous
            intermediate, or x for the first), at the point.
        local_expression: That derivative as a formula, e.g. `"cos(u1)"`.
        d_dx: Its derivative with respect to x: the product of the local
            derivatives so far.
    """

    name: str
    expression: str
    value: float
    local: float
    local_expression: str
    d_dx: float


def ln_sin_cube_squared_steps(x: ArrayLike) -> tuple[ChainStep, ...]:
    """The four intermediates of y = ln(sin(x³)²), with their local derivatives, at x.

    u₁ = x³, u₂ = sin u₁, u₃ = u₂², u₄ = ln u₃ = y. The local derivatives are
    3x², cos u₁, 2u₂ and 1/u₃; multiplying them gives dy/dx (the `d_dx` of the
    last step).

    Args:
        x: A scalar with sin(x³) ≠ 0.

    Returns:
        Four [`ChainStep`][mcref.paper.chain.ChainStep] records, from u₁ to u₄.

    Raises:
        ValueError: If sin(x³) is 0, or so close to 0 that a value or a
            derivative is not finite in float64.

    Examples:
        >>> from mcref.paper.chain import ln_sin_cube_squared_steps
        >>> for s in ln_sin_cube_squared_steps(1.0):
        ...     print(s.name, s.expression, round(s.value, 4), s.local_expression, round(s.local, 4))
        u1 x³ 1.0 3x² 3.0
        u2 sin(u1) 0.8415 cos(u1) 0.5403
        u3 u2² 0.7081 2·u2 1.6829
        u4 ln(u3) -0.3452 1/u3 1.4123
    """
    x = _x(x)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        u1 = np.float64(x) ** 3
        u2 = np.sin(u1)
        u3 = u2**2
        if u3 == 0:
            raise ValueError(f"x must satisfy sin(x³) ≠ 0 (ln(sin(x³)²) is undefined there), got x = {x!r}")
        u4 = np.log(u3)
        values = np.array([u1, u2, u3, u4])
        local = np.array([3 * np.float64(x) ** 2, np.cos(u1), 2 * u2, 1 / u3])
        running = np.cumprod(local)
    if not (np.all(np.isfinite(values)) and np.all(np.isfinite(running))):
        raise ValueError(
            f"x must keep ln(sin(x³)²) and its derivative finite in float64, got x = {x!r} "
            f"(sin(x³) = {float(u2)!r}, too close to 0 or x too large)"
        )
    names = (("u1", "x³", "3x²"), ("u2", "sin(u1)", "cos(u1)"), ("u3", "u2²", "2·u2"), ("u4", "ln(u3)", "1/u3"))
    return tuple(
        ChainStep(n, e, float(v), float(d), de, float(r))
        for (n, e, de), v, d, r in zip(names, values, local, running, strict=True)
    )


def ln_sin_cube_squared(x: ArrayLike) -> np.float64:
    """y = ln(sin(x³)²).

    Args:
        x: A scalar with sin(x³) ≠ 0.

    Returns:
        `log(sin(x**3)**2)`, a float64 scalar.

    Raises:
        ValueError: If sin(x³) is 0 or too close to 0 for float64.
    """
    return np.float64(ln_sin_cube_squared_steps(x)[-1].value)


def _sin_cube_away_from_zero(x: float) -> bool:
    # |sin(x³)| >= 0.1 keeps the derivative (about 6x² cot(x³)) and its central difference tame
    return bool(abs(np.sin(x**3)) >= 0.1)


@rule(
    "C2",
    title="Chain rule on ln(sin(x³)²), step by step",
    section="4.5.1",
    forward=ln_sin_cube_squared,
    wrt="x",
    latex=(
        r"\frac{dy}{dx} = \frac{dy}{du_3}\frac{du_3}{du_2}\frac{du_2}{du_1}\frac{du_1}{dx}"
        r" = \frac{1}{u_3}\cdot 2u_2 \cdot \cos(u_1) \cdot 3x^2 = \frac{6x^2\cos(x^3)}{\sin(x^3)}"
    ),
    latex_denominator=(
        r"\frac{dy}{dx} = \frac{du_1}{dx}\frac{du_2}{du_1}\frac{du_3}{du_2}\frac{dy}{du_3}"
        r" = 3x^2 \cdot \cos(u_1) \cdot 2u_2 \cdot \frac{1}{u_3} = \frac{6x^2\cos(x^3)}{\sin(x^3)}"
    ),
    shape=(1, 1),
    args={"x": Arg(shape=(), min_abs=0.5)},
    conditions=(
        r"$\sin(x^3) \ne 0$, i.e. $x^3$ is not a multiple of $\pi$ ($x = 0$ included); the functions "
        r"raise ValueError there. Tests draw $x$ with $|\sin(x^3)| \ge 0.1$."
    ),
    domain=_sin_cube_away_from_zero,
    keywords=("chain rule example", "nested functions", "logarithm"),
)
def jac_ln_sin_cube_squared(x: ArrayLike) -> FloatArray:
    """C2: d/dx ln(sin(x³)²) = 6x² cos(x³) / sin(x³), as the product of four local derivatives.

    Args:
        x: A scalar with sin(x³) ≠ 0.

    Returns:
        dy/dx, shape `(1, 1)`.

    Raises:
        ValueError: If sin(x³) is 0 or too close to 0 for float64.

    Examples:
        >>> from mcref.paper.chain import jac_ln_sin_cube_squared
        >>> print(jac_ln_sin_cube_squared(1.0).round(6))
        [[3.852556]]
    """
    steps = ln_sin_cube_squared_steps(x)
    return single_variable_chain(*(s.local for s in reversed(steps)))


# ======================================================================
# R25: the total-derivative chain rule, on y = (x + eˣ) sin x
# ======================================================================


def _exp(x: float) -> np.float64:
    with np.errstate(over="ignore"):
        e = np.exp(np.float64(x))
    return np.float64(validate.finite_result("eˣ", e, f"at x = {x!r}"))


def x_plus_exp_times_sin(x: ArrayLike) -> np.float64:
    """y = f(x, u₁, u₂) = x·u₁ + u₁·u₂ with u₁ = sin x and u₂ = eˣ, that is (x + eˣ) sin x.

    Args:
        x: A scalar.

    Returns:
        `(x + exp(x)) * sin(x)`, a float64 scalar.

    Raises:
        ValueError: If eˣ overflows float64.
    """
    x = _x(x)
    u1, u2 = np.sin(x), _exp(x)
    return np.float64(validate.finite_result("(x + eˣ) sin x", x * u1 + u1 * u2, f"at x = {x!r}"))


@rule(
    "R25",
    title="Single-variable total-derivative chain rule",
    section="4.5.2, 8.5",
    forward=x_plus_exp_times_sin,
    wrt="x",
    latex=(
        r"\frac{\partial f(x, u_1, \dots, u_k)}{\partial x} = \frac{\partial f}{\partial x}"
        r" + \sum_{i=1}^{k} \frac{\partial f}{\partial u_i}\frac{\partial u_i}{\partial x}"
        r" = \frac{\partial f}{\partial \mathbf{u}}\frac{\partial \mathbf{u}}{\partial x}"
        r"\ \ (u_{k+1} = x)"
    ),
    latex_denominator=(
        r"\frac{\partial f(x, u_1, \dots, u_k)}{\partial x} = \frac{\partial f}{\partial x}"
        r" + \sum_{i=1}^{k} \frac{\partial u_i}{\partial x}\frac{\partial f}{\partial u_i}"
        r" = \frac{\partial \mathbf{u}}{\partial x}\frac{\partial f}{\partial \mathbf{u}}"
        r"\ \ (u_{k+1} = x)"
    ),
    shape=(1, 1),
    args=_SCALAR,
    conditions=(
        r"$x$ is a scalar and $f$ reaches it along several paths: directly and through "
        r"intermediates $u_i(x)$. Each partial $\partial f / \partial u_i$ holds every other argument "
        r"of $f$ fixed. In numerator layout $\partial f / \partial \mathbf{u}$ is a $1 \times (k+1)$ "
        r"row and $\partial \mathbf{u} / \partial x$ a $(k+1) \times 1$ column. "
        r"Checked on $f = x u_1 + u_1 u_2$ with $u_1 = \sin x$, $u_2 = e^x$."
    ),
    keywords=("total derivative", "multivariable chain rule", "law of total derivative"),
)
def jac_x_plus_exp_times_sin(x: ArrayLike) -> FloatArray:
    """R25: the total derivative, shown on f(x, u₁, u₂) = x·u₁ + u₁·u₂ with u₁ = sin x, u₂ = eˣ.

    The direct term is ∂f/∂x = u₁; the partials ∂f/∂u₁ = x + u₂ and
    ∂f/∂u₂ = u₁ meet du₁/dx = cos x and du₂/dx = eˣ. The total is
    sin x + (x + eˣ) cos x + eˣ sin x.

    Args:
        x: A scalar.

    Returns:
        df/dx, shape `(1, 1)`.

    Raises:
        ValueError: If eˣ overflows float64.

    Examples:
        >>> from mcref.paper.chain import jac_x_plus_exp_times_sin
        >>> print(jac_x_plus_exp_times_sin(0.0))
        [[1.]]
        >>> print(jac_x_plus_exp_times_sin(1.0).round(6))
        [[5.137823]]
    """
    x = _x(x)
    u1, u2 = np.sin(x), _exp(x)
    df_du = np.array([[x + u2, u1]])
    du_dx = np.array([[np.cos(x)], [u2]])
    return total_derivative_chain(df_du, du_dx, direct=u1)


# ======================================================================
# C3, C4, C5: worked total-derivative examples
# ======================================================================


def _square(x: float) -> np.float64:
    with np.errstate(over="ignore"):
        s = np.float64(x) ** 2
    return np.float64(validate.finite_result("x²", s, f"at x = {x!r}"))


def x_plus_square(x: ArrayLike) -> np.float64:
    """y = x + x².

    Args:
        x: A scalar.

    Returns:
        `x + x**2`, a float64 scalar.

    Raises:
        ValueError: If x² overflows float64.
    """
    x = _x(x)
    return np.float64(x + _square(x))


@rule(
    "C3",
    title="Total derivative of x + x²",
    section="4.5.2",
    forward=x_plus_square,
    wrt="x",
    latex=(
        r"u_1 = x^2,\ u_2 = x + u_1:\quad \frac{d u_2}{dx} = \frac{\partial u_2}{\partial x}"
        r" + \frac{\partial u_2}{\partial u_1}\frac{\partial u_1}{\partial x} = 1 + 1 \cdot 2x = 1 + 2x"
    ),
    latex_denominator=(
        r"u_1 = x^2,\ u_2 = x + u_1:\quad \frac{d u_2}{dx} = \frac{\partial u_2}{\partial x}"
        r" + \frac{\partial u_1}{\partial x}\frac{\partial u_2}{\partial u_1} = 1 + 2x \cdot 1 = 1 + 2x"
    ),
    shape=(1, 1),
    args=_SCALAR,
    conditions=(
        r"None. The single-variable rule alone would give $2x$: it follows only the path through "
        r"$u_1$ and misses the direct term $\partial u_2 / \partial x = 1$."
    ),
    keywords=("total derivative example",),
)
def jac_x_plus_square(x: ArrayLike) -> FloatArray:
    """C3: d/dx (x + x²) = 1 + 2x by the total-derivative chain rule.

    Args:
        x: A scalar.

    Returns:
        dy/dx, shape `(1, 1)`.

    Raises:
        ValueError: If x² overflows float64.

    Examples:
        >>> from mcref.paper.chain import jac_x_plus_square
        >>> print(jac_x_plus_square(1.0))
        [[3.]]
    """
    x = _x(x)
    return total_derivative_chain([[1.0]], [[2 * x]], direct=1.0)


def sin_x_plus_square(x: ArrayLike) -> np.float64:
    """y = sin(x + x²).

    Args:
        x: A scalar.

    Returns:
        `sin(x + x**2)`, a float64 scalar.

    Raises:
        ValueError: If x² overflows float64.
    """
    return np.float64(np.sin(x_plus_square(x)))


@rule(
    "C4",
    title="Chain rule on sin(x + x²)",
    section="4.5.2",
    forward=sin_x_plus_square,
    wrt="x",
    latex=(
        r"u_1 = x^2,\ u_2 = x + u_1,\ y = \sin u_2:\quad \frac{dy}{dx} = \frac{dy}{du_2}\,\frac{du_2}{dx}"
        r" = \cos(x + x^2)\,(1 + 2x)"
    ),
    latex_denominator=(
        r"u_1 = x^2,\ u_2 = x + u_1,\ y = \sin u_2:\quad \frac{dy}{dx} = \frac{du_2}{dx}\,\frac{dy}{du_2}"
        r" = (1 + 2x)\cos(x + x^2)"
    ),
    shape=(1, 1),
    args=_SCALAR,
    conditions=r"None. $du_2/dx = 1 + 2x$ is a total derivative ([C3](#C3)); the outer link is single-variable.",
    keywords=("chain rule example", "sine"),
)
def jac_sin_x_plus_square(x: ArrayLike) -> FloatArray:
    """C4: d/dx sin(x + x²) = cos(x + x²)(1 + 2x).

    The inner total derivative du₂/dx = 1 + 2x feeds the single-variable link
    dy/du₂ = cos u₂.

    Args:
        x: A scalar.

    Returns:
        dy/dx, shape `(1, 1)`.

    Raises:
        ValueError: If x² overflows float64.

    Examples:
        >>> from mcref.paper.chain import jac_sin_x_plus_square
        >>> print(jac_sin_x_plus_square(1.0).round(6))
        [[-1.248441]]
    """
    x = _x(x)
    u2 = x + _square(x)
    du2_dx = total_derivative_chain([[1.0]], [[2 * x]], direct=1.0)
    return single_variable_chain(np.cos(u2), du2_dx)


def x_times_square(x: ArrayLike) -> np.float64:
    """y = x · x².

    Args:
        x: A scalar.

    Returns:
        `x * x**2`, a float64 scalar.

    Raises:
        ValueError: If the value overflows float64.
    """
    x = _x(x)
    with np.errstate(over="ignore", invalid="ignore"):
        y = x * _square(x)
    return np.float64(validate.finite_result("x·x²", y, f"at x = {x!r}"))


@rule(
    "C5",
    title="Total derivative of x · x²",
    section="4.5.2",
    forward=x_times_square,
    wrt="x",
    latex=(
        r"u_1 = x^2,\ u_2 = x u_1:\quad \frac{d u_2}{dx} = \frac{\partial u_2}{\partial x}"
        r" + \frac{\partial u_2}{\partial u_1}\frac{\partial u_1}{\partial x} = u_1 + x \cdot 2x = 3x^2"
    ),
    latex_denominator=(
        r"u_1 = x^2,\ u_2 = x u_1:\quad \frac{d u_2}{dx} = \frac{\partial u_2}{\partial x}"
        r" + \frac{\partial u_1}{\partial x}\frac{\partial u_2}{\partial u_1} = u_1 + 2x \cdot x = 3x^2"
    ),
    shape=(1, 1),
    args=_SCALAR,
    conditions=(
        r"None. The direct term $\partial u_2 / \partial x = u_1$ holds $u_1$ fixed;"
        r" it is the product rule's first half."
    ),
    keywords=("total derivative example",),
)
def jac_x_times_square(x: ArrayLike) -> FloatArray:
    """C5: d/dx (x · x²) = x² + 2x·x = 3x², by the total derivative.

    Args:
        x: A scalar.

    Returns:
        dy/dx, shape `(1, 1)`.

    Raises:
        ValueError: If a value overflows float64.

    Examples:
        >>> from mcref.paper.chain import jac_x_times_square
        >>> print(jac_x_times_square(2.0))
        [[12.]]
    """
    x = _x(x)
    u1 = _square(x)
    return total_derivative_chain([[x]], [[2 * x]], direct=u1)


# ======================================================================
# R26: the vector chain rule, on y = sin(B tanh(A x))
# ======================================================================


def _layers(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = validate.vector("x", x)
    A = validate.matrix("A", A, what="the k by n matrix of the inner map")
    B = validate.matrix("B", B, what="the m by k matrix of the outer map")
    if A.shape[1] != x.shape[0]:
        raise ValueError(
            f"A must have one column per entry of x: x has length {x.shape[0]}, so A must have shape "
            f"(k, {x.shape[0]}), but it has shape {A.shape}"
        )
    if B.shape[1] != A.shape[0]:
        raise ValueError(
            f"B must have one column per row of A (k = {A.shape[0]}): B must have shape (m, {A.shape[0]}), "
            f"but it has shape {B.shape}"
        )
    return x, A, B


def _sech2(z: FloatArray) -> FloatArray:
    """1 − tanh²(z), computed as sech²(z) = 4e/(1 + e)² with e = e^(−2|z|).

    Written as 1 − g² it cancels: once tanh(z) rounds to ±1 (|z| > 19.1) it is
    exactly 0, while sech²(19) is 1.3e-16. This form has no cancellation and no
    overflow (the same form as X14's derivative).
    """
    e = np.exp(-2.0 * np.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def two_layer(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """y = f(g(x)) with g(x) = tanh(A x), from Rⁿ to Rᵏ, and f(g) = sin(B g), from Rᵏ to Rᵐ.

    Args:
        x: A vector of length n.
        A: A `(k, n)` matrix; not differentiated.
        B: An `(m, k)` matrix; not differentiated.

    Returns:
        y, shape `(m,)`.

    Raises:
        ValueError: If the shapes of `x`, `A` and `B` do not fit together, or
            a value overflows float64.
    """
    x, A, B = _layers(x, A, B)
    with np.errstate(over="ignore", invalid="ignore"):
        y = np.sin(B @ np.tanh(A @ x))
    return validate.finite_result("sin(B tanh(A x))", y, "at this point")


@rule(
    "R26",
    title="Vector chain rule",
    section="4.5.3, 8.5",
    forward=two_layer,
    wrt="x",
    latex=(
        r"\frac{\partial}{\partial \mathbf{x}} \mathbf{f}(\mathbf{g}(\mathbf{x}))"
        r" = \frac{\partial \mathbf{f}}{\partial \mathbf{g}}\frac{\partial \mathbf{g}}{\partial \mathbf{x}}"
        r" \qquad (m \times k)(k \times n)"
    ),
    latex_denominator=(
        r"\frac{\partial}{\partial \mathbf{x}} \mathbf{f}(\mathbf{g}(\mathbf{x}))"
        r" = \frac{\partial \mathbf{g}}{\partial \mathbf{x}}\frac{\partial \mathbf{f}}{\partial \mathbf{g}}"
        r" \qquad (n \times k)(k \times m)"
    ),
    shape=("m", "n"),
    args={"x": Arg(("n",)), "A": Arg(("k", "n")), "B": Arg(("m", "k"))},
    conditions=(
        r"$\mathbf{g}: \mathbb{R}^n \to \mathbb{R}^k$ and $\mathbf{f}: \mathbb{R}^k \to \mathbb{R}^m$ "
        r"are differentiable; any of $n$, $k$, $m$ may be 1, which gives every case of the shape table "
        r"below. The factors do not commute: the outer Jacobian comes first in numerator layout, last "
        r"in denominator layout. Checked on $\mathbf{g} = \tanh(A\mathbf{x})$, "
        r"$\mathbf{f} = \sin(B\mathbf{g})$, for which $\frac{\partial \mathbf{f}}{\partial \mathbf{g}} = "
        r"\operatorname{diag}(\cos(B\mathbf{g}))\,B$ and $\frac{\partial \mathbf{g}}{\partial \mathbf{x}} = "
        r"\operatorname{diag}(\vec{\mathbf{1}} - \mathbf{g} \otimes \mathbf{g})\,A$."
    ),
    keywords=("multivariate chain rule", "Jacobian chain rule", "composition of vector functions", "backpropagation"),
)
def jac_two_layer(x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """R26: ∂f/∂x = ∂f/∂g · ∂g/∂x, shown on f(g) = sin(B g) after g(x) = tanh(A x).

    ∂g/∂x = diag(1 − g ⊗ g) A is `(k, n)` and ∂f/∂g = diag(cos(B g)) B is
    `(m, k)`; their product is the `(m, n)` Jacobian.

    Args:
        x: A vector of length n.
        A: A `(k, n)` matrix; not differentiated.
        B: An `(m, k)` matrix; not differentiated.

    Returns:
        ∂y/∂x, shape `(m, n)`.

    Raises:
        ValueError: If the shapes of `x`, `A` and `B` do not fit together, or
            a value overflows float64.

    Examples:
        >>> import numpy as np
        >>> from mcref.paper.chain import jac_two_layer
        >>> x = np.array([1.0, -0.5])                          # n = 2
        >>> A = np.array([[0.5, 1.0], [-1.0, 0.5], [0.2, 0.3]])  # k = 3
        >>> B = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])   # m = 2
        >>> print(jac_two_layer(x, A, B).round(4))
        [[0.8945 1.5905]
         [0.299  0.0991]]
    """
    x, A, B = _layers(x, A, B)
    z = A @ x
    g = np.tanh(z)
    dg_dx = _sech2(z)[:, None] * A
    df_dg = np.cos(B @ g)[:, None] * B
    return vector_chain(df_dg, dg_dx)


@vjp_of(
    "R26",
    latex=(
        r"\mathbf{v}^T J = \mathbf{u}^T \frac{\partial \mathbf{g}}{\partial \mathbf{x}},"
        r" \quad \mathbf{u}^T = \mathbf{v}^T \frac{\partial \mathbf{f}}{\partial \mathbf{g}};"
        r" \text{ here } \mathbf{u} = B^T {\big( \cos(B\mathbf{g}) \otimes \mathbf{v} \big)},"
        r" \quad \mathbf{v}^T J"
        r" = {\big( (\vec{\mathbf{1}} - \mathbf{g} \otimes \mathbf{g}) \otimes \mathbf{u} \big)}^T A"
    ),
)
def vjp_two_layer(v: ArrayLike, x: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """R26 backprop form: vᵀJ = (vᵀ ∂f/∂g) ∂g/∂x, the chain rule run from the output back.

    The VJP of a composition is the composition of the VJPs, outer first: v
    goes back through f = sin(B g), giving u = Bᵀ(cos(B g) ⊗ v) of length k,
    and u goes back through g = tanh(A x), giving Aᵀ((1 − g ⊗ g) ⊗ u) of
    length n. Only vectors are passed along; neither the (m, k) nor the
    (k, n) Jacobian is formed.

    Args:
        v: The gradient flowing back into y = sin(B tanh(A x)), a vector of length m.
        x: A vector of length n.
        A: A `(k, n)` matrix; not differentiated.
        B: An `(m, k)` matrix; not differentiated.

    Returns:
        vᵀ ∂y/∂x as a vector, shape `(n,)` (shaped like x).

    Raises:
        ValueError: If the shapes of `v`, `x`, `A` and `B` do not fit
            together, or a value overflows float64.

    Examples:
        >>> import numpy as np
        >>> from mcref.paper.chain import jac_two_layer, vjp_two_layer
        >>> x = np.array([1.0, -0.5])                          # n = 2
        >>> A = np.array([[0.5, 1.0], [-1.0, 0.5], [0.2, 0.3]])  # k = 3
        >>> B = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])   # m = 2
        >>> v = np.array([1.0, -1.0])
        >>> print(vjp_two_layer(v, x, A, B).round(4))
        [0.5955 1.4914]
        >>> print(np.allclose(vjp_two_layer(v, x, A, B), v @ jac_two_layer(x, A, B)))
        True
    """
    x, A, B = _layers(x, A, B)
    v = validate.cotangent(v, B.shape[0], "sin(B tanh(A x))")
    z = A @ x
    g = np.tanh(z)
    u = (np.cos(B @ g) * v) @ B  # back through f: (∂f/∂g)ᵀ v, length k
    back = (_sech2(z) * u) @ A  # back through g: (∂g/∂x)ᵀ u, length n
    return back


# ======================================================================
# C6: the vector example g(x) = [x², 3x], f = [ln g₁, sin g₂]
# ======================================================================


def ln_sin_pair(x: ArrayLike) -> FloatArray:
    """y = f(g(x)) = [ln g₁, sin g₂] with g(x) = [x², 3x], that is [ln(x²), sin(3x)].

    Args:
        x: A nonzero scalar.

    Returns:
        y, shape `(2,)`.

    Raises:
        ValueError: If x is 0 (ln 0 is undefined) or x² is not finite in float64.
    """
    x = _x(x)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        g1 = np.float64(x) ** 2
        if g1 == 0:
            raise ValueError(f"x must be nonzero (ln(x²) is undefined at 0), got x = {x!r}")
        y = np.array([np.log(g1), np.sin(3 * np.float64(x))])
    return validate.finite_result("[ln(x²), sin(3x)]", y, f"at x = {x!r}")


@rule(
    "C6",
    title="Vector chain rule on g(x) = [x², 3x], f = [ln g₁, sin g₂]",
    section="4.5.3",
    forward=ln_sin_pair,
    wrt="x",
    latex=(
        r"\frac{\partial \mathbf{y}}{\partial x} = \frac{\partial \mathbf{f}}{\partial \mathbf{g}}"
        r"\frac{\partial \mathbf{g}}{\partial x} = \begin{bmatrix} 1/g_1 & 0 \\ 0 & \cos g_2 \end{bmatrix}"
        r"\begin{bmatrix} 2x \\ 3 \end{bmatrix} = \begin{bmatrix} 2/x \\ 3\cos(3x) \end{bmatrix}"
    ),
    latex_denominator=(
        r"\frac{\partial \mathbf{y}}{\partial x} = \frac{\partial \mathbf{g}}{\partial x}"
        r"\frac{\partial \mathbf{f}}{\partial \mathbf{g}} = \begin{bmatrix} 2x & 3 \end{bmatrix}"
        r"\begin{bmatrix} 1/g_1 & 0 \\ 0 & \cos g_2 \end{bmatrix} = \begin{bmatrix} 2/x & 3\cos(3x) \end{bmatrix}"
    ),
    shape=(2, 1),
    args={"x": Arg(shape=(), min_abs=0.5)},
    conditions=r"$x \ne 0$, so that $g_1 = x^2 > 0$ and $\ln g_1$ is defined; the functions raise ValueError at 0.",
    keywords=("vector chain rule example",),
)
def jac_ln_sin_pair(x: ArrayLike) -> FloatArray:
    """C6: the 2 by 1 Jacobian [2/x, 3 cos(3x)]ᵀ of [ln(x²), sin(3x)], by the vector chain rule.

    ∂f/∂g = diag(1/g₁, cos g₂) is 2 by 2 and ∂g/∂x = [2x, 3]ᵀ is 2 by 1.

    Args:
        x: A nonzero scalar.

    Returns:
        ∂y/∂x, shape `(2, 1)`.

    Raises:
        ValueError: If x is 0 or a value is not finite in float64.

    Examples:
        >>> from mcref.paper.chain import jac_ln_sin_pair
        >>> print(jac_ln_sin_pair(1.0).round(6))
        [[ 2.      ]
         [-2.969977]]
    """
    x = _x(x)
    ln_sin_pair(x)  # the domain check
    g = np.array([np.float64(x) ** 2, 3 * x])
    df_dg = np.diag([1 / g[0], np.cos(g[1])])
    dg_dx = np.array([[2 * x], [3.0]])
    return vector_chain(df_dg, dg_dx)


@vjp_of(
    "C6",
    latex=(
        r"\mathbf{v}^T J = \mathbf{v}^T \frac{\partial \mathbf{f}}{\partial \mathbf{g}}"
        r" \frac{\partial \mathbf{g}}{\partial x}"
        r" = \frac{2}{x} v_1 + 3\cos(3x)\, v_2"
    ),
)
def vjp_ln_sin_pair(v: ArrayLike, x: ArrayLike) -> np.float64:
    """C6 backprop form: vᵀJ = (2/x) v₁ + 3 cos(3x) v₂, a scalar like x.

    Back through f, v becomes (∂f/∂g)ᵀ v = [v₁/g₁, cos(g₂) v₂]; back through
    g, the dot product with ∂g/∂x = [2x, 3] gives 2x v₁/x² + 3 cos(3x) v₂.

    Args:
        v: The gradient flowing back into y = [ln(x²), sin(3x)], a vector of length 2.
        x: A nonzero scalar.

    Returns:
        vᵀ ∂y/∂x, a float64 scalar (shaped like x).

    Raises:
        ValueError: If x is 0 or a value is not finite in float64.

    Examples:
        >>> from mcref.paper.chain import vjp_ln_sin_pair
        >>> print(vjp_ln_sin_pair([1.0, 0.0], 0.5), vjp_ln_sin_pair([1.0, 1.0], 1.0).round(6))
        4.0 -0.969977
    """
    x = _x(x)
    ln_sin_pair(x)  # the domain check
    v = validate.cotangent(v, 2, "[ln(x²), sin(3x)]")
    back = 2.0 * v[0] / x + 3.0 * np.cos(3 * x) * v[1]
    return np.float64(back)


# ======================================================================
# C7: the element-wise special case, f_i = sin(g_i), g_i = x_i²
# ======================================================================


def sin_of_squares(x: ArrayLike) -> FloatArray:
    """y = f(g(x)) with gᵢ = xᵢ² and fᵢ = sin gᵢ, entry by entry.

    Args:
        x: A vector of length n.

    Returns:
        `sin(x**2)`, shape `(n,)`.

    Raises:
        ValueError: If an xᵢ² overflows float64.
    """
    x = validate.vector("x", x)
    with np.errstate(over="ignore", invalid="ignore"):
        y = np.sin(x**2)
    return validate.finite_result("sin(x²)", y, "at this x")


@rule(
    "C7",
    title="Element-wise special case: a diagonal chain",
    section="4.5.3",
    forward=sin_of_squares,
    wrt="x",
    latex=(
        r"\frac{\partial \mathbf{f}}{\partial \mathbf{g}}\frac{\partial \mathbf{g}}{\partial \mathbf{x}}"
        r" = \operatorname{diag}\left(\frac{\partial f_i}{\partial g_i}\right)"
        r"\operatorname{diag}\left(\frac{\partial g_i}{\partial x_i}\right)"
        r" = \operatorname{diag}\left(\frac{\partial f_i}{\partial g_i}\frac{\partial g_i}{\partial x_i}\right)"
        r" = \operatorname{diag}\left(\cos(x_i^2)\, 2x_i\right)"
    ),
    latex_denominator=(
        r"\frac{\partial \mathbf{g}}{\partial \mathbf{x}}\frac{\partial \mathbf{f}}{\partial \mathbf{g}}"
        r" = \operatorname{diag}\left(\frac{\partial g_i}{\partial x_i}\right)"
        r"\operatorname{diag}\left(\frac{\partial f_i}{\partial g_i}\right)"
        r" = \operatorname{diag}\left(\frac{\partial f_i}{\partial g_i}\frac{\partial g_i}{\partial x_i}\right)"
        r" = \operatorname{diag}\left(\cos(x_i^2)\, 2x_i\right)"
    ),
    shape=("n", "n"),
    args={"x": Arg()},
    conditions=(
        r"$f_i$ depends on $g_i$ alone and $g_i$ on $x_i$ alone (the element-wise diagonal "
        r"condition of [§4.2](elementwise.md) for both maps). Checked on $g_i = x_i^2$, $f_i = \sin g_i$."
    ),
    keywords=("element-wise chain rule", "composition of element-wise functions", "diagonal Jacobians"),
)
def jac_sin_of_squares(x: ArrayLike) -> FloatArray:
    """C7: the diagonal chain diag(cos(xᵢ²)) · diag(2xᵢ) = diag(2xᵢ cos(xᵢ²)).

    Args:
        x: A vector of length n.

    Returns:
        ∂y/∂x, a diagonal matrix of shape `(n, n)`.

    Raises:
        ValueError: If an xᵢ² overflows float64.

    Examples:
        >>> from mcref.paper.chain import jac_sin_of_squares
        >>> print(jac_sin_of_squares([0.0, 1.0, -1.5]).round(4))
        [[0.     0.     0.    ]
         [0.     1.0806 0.    ]
         [0.     0.     1.8845]]
    """
    x = validate.vector("x", x)
    df_dg = np.cos(x**2)
    return diagonal_chain(df_dg, 2 * x)


@vjp_of("C7", latex=r"\mathbf{v}^T J = (\mathbf{v} \otimes \cos(\mathbf{x}^2) \otimes 2\mathbf{x})^T")
def vjp_sin_of_squares(v: ArrayLike, x: ArrayLike) -> FloatArray:
    """C7 backprop form: vᵀJ = (v ⊗ cos(x²) ⊗ 2x)ᵀ, one product per entry.

    A diagonal chain backpropagates entry by entry: v is multiplied by the
    diagonal of ∂f/∂g, then by the diagonal of ∂g/∂x.

    Args:
        v: The gradient flowing back into sin(x²), a vector of length n.
        x: A vector of length n.

    Returns:
        v ⊗ cos(x²) ⊗ 2x, shape `(n,)` (shaped like x).

    Raises:
        ValueError: If an xᵢ² or the result overflows float64.

    Examples:
        >>> from mcref.paper.chain import vjp_sin_of_squares
        >>> print(vjp_sin_of_squares([2.0, 1.0, -1.0], [0.0, 1.0, -1.5]).round(4))
        [ 0.      1.0806 -1.8845]
    """
    x = validate.vector("x", x)
    v = validate.cotangent(v, x.shape[0], "sin(x²)")
    back = v * np.cos(x**2) * (2 * x)
    return back
