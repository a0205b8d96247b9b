"""Element-wise binary operators on vectors (paper §4.2, reference §8.2).

The setting is y = f(w) ○ g(x), with y_i = f_i(w) ○ g_i(x) and ○ one of
+ − ⊗ ⊘ applied entry by entry. In general each f_i may read every w_j, so
the Jacobian is a full n by n matrix (R4). Since g(x) does not move with w,

    J_w = diag(∂(a ○ b)/∂a at a = f_i(w), b = g_i(x)) · ∂f/∂w,

and J_x is the same with ∂(a ○ b)/∂b and ∂g/∂x. The helpers
`elementwise_jacobian_w` and `elementwise_jacobian_x` build these from the
pieces.

When f_i reads only w_i and g_i reads only x_i (the paper's *element-wise
diagonal condition*), every partial ∂y_i/∂w_j with j ≠ i is zero and the
Jacobians are diagonal (R5); `diagonal_jacobian_w` and `diagonal_jacobian_x`
build them from the per-element derivatives f_i'(w_i) and g_i'(x_i). The plain
operators R6–R13 are the case f(w) = w, g(x) = x. The functions return
Jacobians in numerator layout; a diagonal matrix is its own transpose, so for
R5–R13 the denominator-layout Jacobian is the same array.

The paper writes ⊗ for the element-wise (Hadamard) product and ⊘ for
element-wise division; other references write ⊙ for the former.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, elementwise, rule, vjp_of
from mcref.core.validate import FloatArray

# __all__ lists the rule functions: the forward functions, the closed forms and the
# VJPs, which tests/test_validation.py sweeps with bad input through the registry. The
# four builders elementwise_jacobian_w/_x and diagonal_jacobian_w/_x are public
# as well (documented, importable); they take an operator and Jacobians rather
# than a rule's arguments, so tests/test_elementwise_general.py sweeps them.
__all__ = [
    "add",
    "diagonal_jacobian_w",
    "diagonal_jacobian_x",
    "divide",
    "elementwise_jacobian_w",
    "elementwise_jacobian_x",
    "jac_add_w",
    "jac_add_x",
    "jac_divide_w",
    "jac_divide_x",
    "jac_linear_times_w",
    "jac_multiply_w",
    "jac_multiply_x",
    "jac_sine_times_square_w",
    "jac_subtract_w",
    "jac_subtract_x",
    "linear_times",
    "multiply",
    "sine_times_square",
    "subtract",
    "vjp_add_w",
    "vjp_add_x",
    "vjp_divide_w",
    "vjp_divide_x",
    "vjp_linear_times_w",
    "vjp_multiply_w",
    "vjp_multiply_x",
    "vjp_sine_times_square_w",
    "vjp_subtract_w",
    "vjp_subtract_x",
]

_W = r"\mathbf{w}"
_X = r"\mathbf{x}"
# w is drawn anywhere in [-2, 2]; a divisor x is kept at |x| >= 0.5, away from its pole.
_ARGS = {"w": Arg(), "x": Arg()}
_DIV_ARGS = {"w": Arg(), "x": Arg(min_abs=0.5)}



def _nonzero_divisor(x: FloatArray) -> None:
    zero = np.flatnonzero(x == 0)
    if zero.size:
        raise ValueError(f"x must have no zero entry (it is a divisor), got x[{zero[0]}] = 0")


def _statement(op: str, wrt: str, result: str) -> str:
    return rf"\frac{{\partial ({_W} {op} {_X})}}{{\partial {wrt}}} = {result}"


def _vjp_statement(result: str) -> str:
    return rf"\mathbf{{v}}^T J = {result}"



# ----- the forward functions -----


def add(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise sum, y_i = w_i + x_i.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The sum, shape `(n,)`.

    Raises:
        ValueError: If the result overflows float64.
    """
    w, x = validate.paired_vectors(w, x)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("w + x", w + x)


def subtract(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise difference, y_i = w_i - x_i.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The difference, shape `(n,)`.

    Raises:
        ValueError: If the result overflows float64.
    """
    w, x = validate.paired_vectors(w, x)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("w − x", w - x)


def multiply(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise (Hadamard) product, y_i = w_i x_i, written w ⊗ x in the paper.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The product, shape `(n,)`.

    Raises:
        ValueError: If the result overflows float64.
    """
    w, x = validate.paired_vectors(w, x)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("w ⊗ x", w * x)


def divide(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """Element-wise quotient, y_i = w_i / x_i, written w ⊘ x in the paper.

    Args:
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        The quotient, shape `(n,)`.

    Raises:
        ValueError: If an entry of `x` is zero, or the result overflows float64.
    """
    w, x = validate.paired_vectors(w, x)
    _nonzero_divisor(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("w ⊘ x", w / x)


# ----- R4, R5: building the Jacobian of f(w) ○ g(x) from its pieces -----
#
# These helpers take values and Jacobians the caller already has, so they are
# not rules themselves; the rules R4 and R5 below call them on concrete f and g,
# and tests/test_elementwise_general.py checks them on many more.

_OPERATORS = ("+", "-", "*", "/")


def _operator(op: object) -> str:
    if not isinstance(op, str):
        raise TypeError(f"op must be one of '+', '-', '*', '/' (a str), got {type(op).__name__} {op!r}"[:160])
    if op not in _OPERATORS:
        raise ValueError(f"op must be one of '+', '-', '*', '/' (use '*' for ⊗ and '/' for ⊘), got {op!r}"[:160])
    return op



def _square(name: str, value: ArrayLike, n: int) -> FloatArray:
    """An n by n matrix, for a rule whose vectors have length n."""
    arr = validate.matrix(name, value)
    if arr.shape != (n, n):
        raise ValueError(f"{name} must have shape (n, n) = ({n}, {n}) to match the vectors, got shape {arr.shape}")
    return arr



def _operands(op: object, f_w: ArrayLike, g_x: ArrayLike) -> tuple[str, FloatArray, FloatArray]:
    op = _operator(op)
    a = validate.vector("f_w", f_w)
    b = validate.vector("g_x", g_x)
    validate.same_length(f_w=a, g_x=b)
    if op == "/":
        zero = np.flatnonzero(b == 0)
        if zero.size:
            raise ValueError(f"g_x must have no zero entry (it is a divisor), got g_x[{zero[0]}] = 0")
    return op, a, b


def _partial_a(op: str, a: FloatArray, b: FloatArray) -> FloatArray:
    """∂(a ○ b)/∂a, entry by entry."""
    with np.errstate(divide="ignore", over="ignore"):
        return {"+": np.ones_like(a), "-": np.ones_like(a), "*": b, "/": 1.0 / b}[op]


def _partial_b(op: str, a: FloatArray, b: FloatArray) -> FloatArray:
    """∂(a ○ b)/∂b, entry by entry."""
    if op == "/":
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return -a / b**2
    return {"+": np.ones_like(a), "-": -np.ones_like(a), "*": a}[op]


def _rows(name: str, value: ArrayLike, n: int, of: str) -> FloatArray:
    jac = validate.matrix(name, value)
    if jac.shape[0] != n:
        raise ValueError(f"{name} must have n = {n} rows (one per entry of {of}), got shape {jac.shape}")
    return jac


def _per_element(name: str, value: ArrayLike, n: int, of: str) -> FloatArray:
    d = validate.vector(name, value)
    if d.shape[0] != n:
        raise ValueError(f"{name} must have length n = {n} (one per entry of {of}), got length {d.shape[0]}")
    return d


def elementwise_jacobian_w(op: str, f_w: ArrayLike, g_x: ArrayLike, df_dw: ArrayLike) -> FloatArray:
    """R4: the Jacobian of y = f(w) ○ g(x) with respect to w, from its pieces.

    Row i of the result is the gradient of y_i = f_i(w) ○ g_i(x). Only the left
    operand moves with w, so by the chain rule row i is ∂(a ○ b)/∂a, taken at
    a = f_i(w) and b = g_i(x), times row i of ∂f/∂w:

        J_w = diag(∂(a ○ b)/∂a) · ∂f/∂w.

    No diagonal condition is assumed: if f_i reads several w_j, J_w is full.

    Args:
        op: The element-wise operator: `"+"`, `"-"`, `"*"` (the paper's ⊗)
            or `"/"` (the paper's ⊘).
        f_w: The values f(w), a vector of length n.
        g_x: The values g(x), a vector of length n (no zero entry for `"/"`).
        df_dw: The Jacobian of f at w in numerator layout, shape `(n, k)`; in
            the paper's setting w also has length n, so k = n.

    Returns:
        The Jacobian ∂y/∂w in numerator layout, shape `(n, k)`.

    Raises:
        TypeError: If `op` is not a string, or an array is not numeric.
        ValueError: If `op` is not one of the four operators, the shapes do
            not fit together, `g_x` has a zero entry for `"/"`, or the result
            overflows float64.

    Examples:
        With f(w) = A w, every y_i reads every w_j and the Jacobian is full:

        >>> import numpy as np
        >>> from mcref.paper.elementwise import elementwise_jacobian_w
        >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> w, x = np.array([1.0, -1.0]), np.array([2.0, 5.0])
        >>> print(elementwise_jacobian_w("*", A @ w, x, A))
        [[ 2.  4.]
         [15. 20.]]
    """
    op, a, b = _operands(op, f_w, g_x)
    jac = _rows("df_dw", df_dw, a.shape[0], "f_w")
    with np.errstate(over="ignore", invalid="ignore"):
        out = _partial_a(op, a, b)[:, None] * jac
    return validate.finite_result("the Jacobian", out)


def elementwise_jacobian_x(op: str, f_w: ArrayLike, g_x: ArrayLike, dg_dx: ArrayLike) -> FloatArray:
    """R4: the Jacobian of y = f(w) ○ g(x) with respect to x, from its pieces.

    The mirror image of
    [`elementwise_jacobian_w`][mcref.paper.elementwise.elementwise_jacobian_w]: only
    the right operand moves with x, so J_x = diag(∂(a ○ b)/∂b) · ∂g/∂x.

    Args:
        op: The element-wise operator: `"+"`, `"-"`, `"*"` or `"/"`.
        f_w: The values f(w), a vector of length n.
        g_x: The values g(x), a vector of length n (no zero entry for `"/"`).
        dg_dx: The Jacobian of g at x in numerator layout, shape `(n, k)`.

    Returns:
        The Jacobian ∂y/∂x in numerator layout, shape `(n, k)`.

    Raises:
        TypeError: If `op` is not a string, or an array is not numeric.
        ValueError: If `op` is not one of the four operators, the shapes do
            not fit together, `g_x` has a zero entry for `"/"`, or the result
            overflows float64.

    Examples:
        For w − g(x) the partial of a − b in b is −1, so J_x = −∂g/∂x:

        >>> import numpy as np
        >>> from mcref.paper.elementwise import elementwise_jacobian_x
        >>> B = np.array([[1.0, 2.0], [1.0, 3.0]])
        >>> print(elementwise_jacobian_x("-", [1.0, 1.0], [4.0, 6.0], B))
        [[-1. -2.]
         [-1. -3.]]
    """
    op, a, b = _operands(op, f_w, g_x)
    jac = _rows("dg_dx", dg_dx, a.shape[0], "g_x")
    with np.errstate(over="ignore", invalid="ignore"):
        out = _partial_b(op, a, b)[:, None] * jac
    return validate.finite_result("the Jacobian", out)


def diagonal_jacobian_w(op: str, f_w: ArrayLike, g_x: ArrayLike, df: ArrayLike) -> FloatArray:
    """R5: the diagonal Jacobian of y = f(w) ○ g(x) with respect to w.

    Valid under the element-wise diagonal condition: f_i reads only w_i and
    g_i reads only x_i. Then ∂f/∂w = diag(f_i'(w_i)) and entry i of the
    diagonal is ∂(a ○ b)/∂a · f_i'(w_i), taken at a = f_i(w_i), b = g_i(x_i).

    Args:
        op: The element-wise operator: `"+"`, `"-"`, `"*"` or `"/"`.
        f_w: The values f_i(w_i), a vector of length n.
        g_x: The values g_i(x_i), a vector of length n (no zero entry for `"/"`).
        df: The per-element derivatives f_i'(w_i), a vector of length n.

    Returns:
        The diagonal Jacobian ∂y/∂w, shape `(n, n)`; it is its own transpose,
        so it serves both layouts.

    Raises:
        TypeError: If `op` is not a string, or an array is not numeric.
        ValueError: If `op` is not one of the four operators, the lengths
            differ, `g_x` has a zero entry for `"/"`, or the result overflows
            float64.

    Examples:
        y = sin(w) ⊗ x², so the diagonal is cos(w_i) x_i²:

        >>> import numpy as np
        >>> from mcref.paper.elementwise import diagonal_jacobian_w
        >>> w, x = np.array([0.0, np.pi]), np.array([3.0, 2.0])
        >>> print(diagonal_jacobian_w("*", np.sin(w), x**2, np.cos(w)))
        [[ 9.  0.]
         [ 0. -4.]]
    """
    op, a, b = _operands(op, f_w, g_x)
    d = _per_element("df", df, a.shape[0], "f_w")
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.diag(_partial_a(op, a, b) * d)
    return validate.finite_result("the Jacobian", out)


def diagonal_jacobian_x(op: str, f_w: ArrayLike, g_x: ArrayLike, dg: ArrayLike) -> FloatArray:
    """R5: the diagonal Jacobian of y = f(w) ○ g(x) with respect to x.

    The mirror image of
    [`diagonal_jacobian_w`][mcref.paper.elementwise.diagonal_jacobian_w]: entry i of
    the diagonal is ∂(a ○ b)/∂b · g_i'(x_i).

    Args:
        op: The element-wise operator: `"+"`, `"-"`, `"*"` or `"/"`.
        f_w: The values f_i(w_i), a vector of length n.
        g_x: The values g_i(x_i), a vector of length n (no zero entry for `"/"`).
        dg: The per-element derivatives g_i'(x_i), a vector of length n.

    Returns:
        The diagonal Jacobian ∂y/∂x, shape `(n, n)`.

    Raises:
        TypeError: If `op` is not a string, or an array is not numeric.
        ValueError: If `op` is not one of the four operators, the lengths
            differ, `g_x` has a zero entry for `"/"`, or the result overflows
            float64.

    Examples:
        y = w ⊘ exp(x): the partial of a/b in b is −a/b², times g'(x) = exp(x):

        >>> import numpy as np
        >>> from mcref.paper.elementwise import diagonal_jacobian_x
        >>> w, x = np.array([2.0, 3.0]), np.array([0.0, 0.0])
        >>> print(diagonal_jacobian_x("/", w, np.exp(x), np.exp(x)))
        [[-2.  0.]
         [ 0. -3.]]
    """
    op, a, b = _operands(op, f_w, g_x)
    d = _per_element("dg", dg, a.shape[0], "g_x")
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.diag(_partial_b(op, a, b) * d)
    return validate.finite_result("the Jacobian", out)


def linear_times(A: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """The R4 instance y = (A w) ⊗ x, where f(w) = A w reads every w_j.

    Args:
        A: A matrix of shape `(n, n)`.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        y, shape `(n,)`.
    """
    A, w, x = _linear_args(A, w, x)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("y", (A @ w) * x)


def _linear_args(A: ArrayLike, w: ArrayLike, x: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    w, x = validate.paired_vectors(w, x)
    A = _square("A", A, w.shape[0])
    return A, w, x


@rule(
    "R4",
    title="General Jacobian of f(w) ○ g(x)",
    section="4.2, 8.2",
    forward=linear_times,
    wrt="w",
    latex=(
        r"J_{\mathbf{w}} = \left[ \frac{\partial}{\partial w_j} \big( f_i(\mathbf{w}) \bigcirc g_i(\mathbf{x}) \big)"
        r" \right]_{n \times n} = \operatorname{diag}\left( \frac{\partial (a \bigcirc b)}{\partial a}"
        r" \Big|_{a = f_i(\mathbf{w}),\, b = g_i(\mathbf{x})} \right) \frac{\partial \mathbf{f}}{\partial \mathbf{w}}"
    ),
    latex_denominator=(
        r"J_{\mathbf{w}}^T = \left[ \frac{\partial}{\partial w_i} \big( f_j(\mathbf{w}) \bigcirc g_j(\mathbf{x}) \big)"
        r" \right]_{n \times n} = \left( \frac{\partial \mathbf{f}}{\partial \mathbf{w}} \right)^{T}"
        r" \operatorname{diag}\left( \frac{\partial (a \bigcirc b)}{\partial a}"
        r" \Big|_{a = f_i(\mathbf{w}),\, b = g_i(\mathbf{x})} \right)"
    ),
    shape=("n", "n"),
    args={"A": Arg(("n", "n")), "w": Arg(), "x": Arg()},
    conditions=(
        r"None on $\mathbf{f}$: $f_i$ may read every $w_j$. $\mathbf{g}(\mathbf{x})$ does not depend on"
        r" $\mathbf{w}$. $J_{\mathbf{x}}$ is the same with $\partial (a \bigcirc b) / \partial b$ and"
        r" $\partial \mathbf{g} / \partial \mathbf{x}$. Checked on the instance"
        r" $\mathbf{f}(\mathbf{w}) = A\mathbf{w}$, $\mathbf{g}(\mathbf{x}) = \mathbf{x}$, $\bigcirc = \otimes$,"
        r" where $J_{\mathbf{w}} = \operatorname{diag}(\mathbf{x}) A$ is a full matrix."
    ),
    keywords=("element-wise binary operator", "general element-wise operation"),
)
def jac_linear_times_w(A: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R4: the Jacobian of (A w) ⊗ x with respect to w is diag(x) A, a full matrix.

    Built by [`elementwise_jacobian_w`][mcref.paper.elementwise.elementwise_jacobian_w]
    from f(w) = A w, g(x) = x and ∂f/∂w = A: row i is x_i times row i of A.

    Args:
        A: A matrix of shape `(n, n)`.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        diag(x) A, shape `(n, n)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.paper.elementwise import jac_linear_times_w
        >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> print(jac_linear_times_w(A, [1.0, -1.0], [2.0, 5.0]))
        [[ 2.  4.]
         [15. 20.]]
    """
    A, w, x = _linear_args(A, w, x)
    f_w = A @ w
    return elementwise_jacobian_w("*", f_w, x, A)


@vjp_of(
    "R4",
    latex=(
        r"\mathbf{v}^T J_{\mathbf{w}} = \mathbf{u}^T \frac{\partial \mathbf{f}}{\partial \mathbf{w}},"
        r" \quad \mathbf{u} = \frac{\partial (a \bigcirc b)}{\partial a} \otimes \mathbf{v}"
        r" \text{, here } (\mathbf{x} \otimes \mathbf{v})^T A"
    ),
)
def vjp_linear_times_w(v: ArrayLike, A: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R4 backprop form: vᵀJ = (x ⊗ v)ᵀA for y = (A w) ⊗ x, without forming diag(x) A.

    In general v is first scaled entry by entry by ∂(a ○ b)/∂a, the diagonal
    factor of J_w, and then passed back through ∂f/∂w; here the scale is x and
    ∂f/∂w = A.

    Args:
        v: The gradient flowing back into y, a vector of length n.
        A: A matrix of shape `(n, n)`.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        Aᵀ(x ⊗ v), shape `(n,)` (shaped like w).

    Raises:
        ValueError: If the result overflows float64.

    Examples:
        >>> import numpy as np
        >>> from mcref.paper.elementwise import vjp_linear_times_w
        >>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> print(vjp_linear_times_w([1.0, 1.0], A, [1.0, -1.0], [2.0, 5.0]))  # the column sums of diag(x) A
        [17. 24.]
    """
    A, w, x = _linear_args(A, w, x)
    v = validate.cotangent(v, w.shape[0], "(A w) ⊗ x")
    back = (x * v) @ A
    return back


def sine_times_square(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """The R5 instance y = sin(w) ⊗ x², where f_i reads only w_i and g_i only x_i.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        y, shape `(n,)`.
    """
    w, x = validate.paired_vectors(w, x)
    with np.errstate(over="ignore"):
        return validate.finite_result("y", np.sin(w) * x**2)


@rule(
    "R5",
    title="Element-wise diagonal condition: a diagonal Jacobian",
    section="4.2, 8.2",
    forward=sine_times_square,
    wrt="w",
    latex=(
        r"\frac{\partial \mathbf{y}}{\partial \mathbf{w}} = \operatorname{diag}\left("
        r" \frac{\partial}{\partial w_1} \big( f_1(w_1) \bigcirc g_1(x_1) \big), \dots,"
        r" \frac{\partial}{\partial w_n} \big( f_n(w_n) \bigcirc g_n(x_n) \big) \right)"
    ),
    shape=("n", "n"),
    args=_ARGS,
    conditions=(
        r"The element-wise diagonal condition: $f_i$ reads at most $w_i$ and $g_i$ at most $x_i$."
        r" $\partial \mathbf{y} / \partial \mathbf{x}$ is the same with $x_i$ in place of $w_i$."
        r" Checked on the instance $\mathbf{y} = \sin(\mathbf{w}) \otimes \mathbf{x}^2$, where the"
        r" diagonal is $\cos(w_i)\, x_i^2$."
    ),
    keywords=("diagonal Jacobian", "element-wise function", "diagonal matrix"),
)
def jac_sine_times_square_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R5: the Jacobian of sin(w) ⊗ x² with respect to w is diag(cos(w_i) x_i²).

    Built by [`diagonal_jacobian_w`][mcref.paper.elementwise.diagonal_jacobian_w]
    from f_i(w_i) = sin(w_i), g_i(x_i) = x_i² and f_i'(w_i) = cos(w_i).

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The diagonal matrix with cos(w_i) x_i² on its diagonal, shape `(n, n)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.paper.elementwise import jac_sine_times_square_w
        >>> print(jac_sine_times_square_w([0.0, np.pi], [3.0, 2.0]))
        [[ 9.  0.]
         [ 0. -4.]]
    """
    w, x = validate.paired_vectors(w, x)
    g_x = x**2
    return diagonal_jacobian_w("*", np.sin(w), g_x, np.cos(w))


@vjp_of(
    "R5",
    latex=_vjp_statement(
        r"\mathbf{u}^T \text{ for } \mathbf{u} = \mathbf{v} \otimes \left[ \frac{\partial}{\partial w_i}"
        r" \big( f_i(w_i) \bigcirc g_i(x_i) \big) \right]_{i=1}^{n}"
        r" \text{, here } \mathbf{v} \otimes \cos(\mathbf{w}) \otimes \mathbf{x}^2"
    ),
)
def vjp_sine_times_square_w(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R5 backprop form: vᵀJ = (v ⊗ cos(w) ⊗ x²)ᵀ for y = sin(w) ⊗ x², one product per entry.

    A diagonal Jacobian multiplies v entry by entry by its diagonal, so only
    the n per-element derivatives are computed, never the n by n matrix.

    Args:
        v: The gradient flowing back into y, a vector of length n.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        v ⊗ cos(w) ⊗ x², shape `(n,)` (shaped like w).

    Raises:
        ValueError: If the result overflows float64.

    Examples:
        >>> import numpy as np
        >>> from mcref.paper.elementwise import vjp_sine_times_square_w
        >>> print(vjp_sine_times_square_w([1.0, 0.5], [0.0, np.pi], [3.0, 2.0]))
        [ 9. -2.]
    """
    w, x = validate.paired_vectors(w, x)
    v = validate.cotangent(v, w.shape[0], "sin(w) ⊗ x²")
    back = v * np.cos(w) * x**2
    return back


# ----- R6-R13: the plain operators, f(w) = w and g(x) = x -----
#
# Each is an element-wise rule: y_i reads only w_i and x_i, so the Jacobian is the
# diagonal matrix of ∂y_i/∂w_i (or ∂y_i/∂x_i). `elementwise` is given that diagonal
# and computes both the Jacobian and the VJP; the functions below it are their
# public names and documentation only (empty bodies), registered by its two
# decorators. The forward function checks the arguments.


_IDENTITY = r"\operatorname{diag}(\vec{\mathbf{1}}) = I"


_R6 = elementwise(
    "R6",
    title="Element-wise sum, with respect to w",
    section="4.2, 8.2",
    forward=add,
    wrt="w",
    derivative=lambda w, x: 1.0,
    latex=_statement("+", _W, _IDENTITY),
    vjp_latex=_vjp_statement(r"\mathbf{v}^T"),
    args=_ARGS,
    keywords=("vector addition", "add two vectors", "w + x"),
)


@_R6.jacobian
def jac_add_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R6: the Jacobian of w + x with respect to w is the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.elementwise import jac_add_w
        >>> print(jac_add_w([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 1.]]
    """


@_R6.vjp
def vjp_add_w(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R6 backprop form: vᵀJ = vᵀI = vᵀ: the sum passes the gradient on to w unchanged.

    Args:
        v: The gradient flowing back into w + x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        A copy of v, shape `(n,)` (shaped like w).

    Examples:
        >>> from mcref.paper.elementwise import vjp_add_w
        >>> print(vjp_add_w([1.0, -2.0], [1.0, 2.0], [3.0, 4.0]))
        [ 1. -2.]
    """


_R7 = elementwise(
    "R7",
    title="Element-wise sum, with respect to x",
    section="4.2, 8.2",
    forward=add,
    wrt="x",
    derivative=lambda w, x: 1.0,
    latex=_statement("+", _X, _IDENTITY),
    vjp_latex=_vjp_statement(r"\mathbf{v}^T"),
    args=_ARGS,
    keywords=("vector addition", "add two vectors", "w + x"),
)


@_R7.jacobian
def jac_add_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R7: the Jacobian of w + x with respect to x is the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.elementwise import jac_add_x
        >>> print(jac_add_x([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 1.]]
    """


@_R7.vjp
def vjp_add_x(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R7 backprop form: vᵀJ = vᵀI = vᵀ: the sum passes the gradient on to x unchanged.

    Args:
        v: The gradient flowing back into w + x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        A copy of v, shape `(n,)` (shaped like x).

    Examples:
        >>> from mcref.paper.elementwise import vjp_add_x
        >>> print(vjp_add_x([1.0, -2.0], [1.0, 2.0], [3.0, 4.0]))
        [ 1. -2.]
    """


_R8 = elementwise(
    "R8",
    title="Element-wise difference, with respect to w",
    section="4.2, 8.2",
    forward=subtract,
    wrt="w",
    derivative=lambda w, x: 1.0,
    latex=_statement("-", _W, _IDENTITY),
    vjp_latex=_vjp_statement(r"\mathbf{v}^T"),
    args=_ARGS,
    keywords=("vector subtraction", "subtract two vectors", "w − x"),
)


@_R8.jacobian
def jac_subtract_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R8: the Jacobian of w − x with respect to w is the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.elementwise import jac_subtract_w
        >>> print(jac_subtract_w([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 1.]]
    """


@_R8.vjp
def vjp_subtract_w(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R8 backprop form: vᵀJ = vᵀI = vᵀ: the difference passes the gradient on to w unchanged.

    Args:
        v: The gradient flowing back into w − x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        A copy of v, shape `(n,)` (shaped like w).

    Examples:
        >>> from mcref.paper.elementwise import vjp_subtract_w
        >>> print(vjp_subtract_w([1.0, -2.0], [1.0, 2.0], [3.0, 4.0]))
        [ 1. -2.]
    """


_R9 = elementwise(
    "R9",
    title="Element-wise difference, with respect to x",
    section="4.2, 8.2",
    forward=subtract,
    wrt="x",
    derivative=lambda w, x: -1.0,
    latex=_statement("-", _X, r"\operatorname{diag}(-\vec{\mathbf{1}}) = -I"),
    vjp_latex=_vjp_statement(r"-\mathbf{v}^T"),
    args=_ARGS,
    keywords=("vector subtraction", "subtract two vectors", "w − x"),
)


@_R9.jacobian
def jac_subtract_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R9: the Jacobian of w − x with respect to x is minus the identity.

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        Minus the identity matrix, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.elementwise import jac_subtract_x
        >>> print(jac_subtract_x([1.0, 2.0], [3.0, 4.0]))
        [[-1.  0.]
         [ 0. -1.]]
    """


@_R9.vjp
def vjp_subtract_x(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R9 backprop form: vᵀJ = −vᵀI = −vᵀ: the subtracted operand gets the gradient with its sign flipped.

    Args:
        v: The gradient flowing back into w − x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        −v, shape `(n,)` (shaped like x).

    Examples:
        >>> from mcref.paper.elementwise import vjp_subtract_x
        >>> print(vjp_subtract_x([1.0, -2.0], [1.0, 2.0], [3.0, 4.0]))
        [-1.  2.]
    """


_R10 = elementwise(
    "R10",
    title="Hadamard product, with respect to w",
    section="4.2, 8.2",
    forward=multiply,
    wrt="w",
    derivative=lambda w, x: x,
    latex=_statement(r"\otimes", _W, r"\operatorname{diag}(\mathbf{x})"),
    diagonal_latex=r"\mathbf{x}",
    args=_ARGS,
    keywords=("element-wise multiplication", "elementwise product", "entrywise product", "Schur product"),
)


@_R10.jacobian
def jac_multiply_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R10: the Jacobian of w ⊗ x with respect to w is diag(x).

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The diagonal matrix with `x` on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.elementwise import jac_multiply_w
        >>> print(jac_multiply_w([1.0, 2.0], [3.0, 4.0]))
        [[3. 0.]
         [0. 4.]]
    """


@_R10.vjp
def vjp_multiply_w(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R10 backprop form: vᵀJ = vᵀ diag(x) = (v ⊗ x)ᵀ, n products instead of an n by n matrix.

    Args:
        v: The gradient flowing back into w ⊗ x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        v ⊗ x, shape `(n,)` (shaped like w).

    Raises:
        ValueError: If the result overflows float64.

    Examples:
        >>> from mcref.paper.elementwise import vjp_multiply_w
        >>> print(vjp_multiply_w([1.0, -2.0], [1.0, 2.0], [3.0, 4.0]))
        [ 3. -8.]
    """


_R11 = elementwise(
    "R11",
    title="Hadamard product, with respect to x",
    section="4.2, 8.2",
    forward=multiply,
    wrt="x",
    derivative=lambda w, x: w,
    latex=_statement(r"\otimes", _X, r"\operatorname{diag}(\mathbf{w})"),
    diagonal_latex=r"\mathbf{w}",
    args=_ARGS,
    keywords=("element-wise multiplication", "elementwise product", "entrywise product", "Schur product"),
)


@_R11.jacobian
def jac_multiply_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R11: the Jacobian of w ⊗ x with respect to x is diag(w).

    Args:
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        The diagonal matrix with `w` on its diagonal, shape `(n, n)`.

    Examples:
        >>> from mcref.paper.elementwise import jac_multiply_x
        >>> print(jac_multiply_x([1.0, 2.0], [3.0, 4.0]))
        [[1. 0.]
         [0. 2.]]
    """


@_R11.vjp
def vjp_multiply_x(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R11 backprop form: vᵀJ = vᵀ diag(w) = (v ⊗ w)ᵀ, n products instead of an n by n matrix.

    Args:
        v: The gradient flowing back into w ⊗ x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n.

    Returns:
        v ⊗ w, shape `(n,)` (shaped like x).

    Raises:
        ValueError: If the result overflows float64.

    Examples:
        >>> from mcref.paper.elementwise import vjp_multiply_x
        >>> print(vjp_multiply_x([1.0, -2.0], [1.0, 2.0], [3.0, 4.0]))
        [ 1. -4.]
    """


_R12 = elementwise(
    "R12",
    title="Element-wise division, with respect to w",
    section="4.2, 8.2",
    forward=divide,
    wrt="w",
    derivative=lambda w, x: 1.0 / x,
    latex=_statement(r"\oslash", _W, r"\operatorname{diag}\left(\dots \frac{1}{x_i} \dots\right)"),
    vjp_latex=_vjp_statement(r"(\mathbf{v} \oslash \mathbf{x})^T"),
    args=_DIV_ARGS,
    conditions=r"Every $x_i \ne 0$; the functions raise ValueError otherwise.",
    keywords=("element-wise division", "elementwise division", "entrywise quotient", "quotient rule"),
)


@_R12.jacobian
def jac_divide_w(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R12: the Jacobian of w ⊘ x with respect to w is diag(1/x_i).

    Args:
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        The diagonal matrix with 1/x_i on its diagonal, shape `(n, n)`.

    Raises:
        ValueError: If an entry of `x` is zero.

    Examples:
        >>> from mcref.paper.elementwise import jac_divide_w
        >>> print(jac_divide_w([1.0, 2.0], [4.0, -0.5]))
        [[ 0.25  0.  ]
         [ 0.   -2.  ]]
    """


@_R12.vjp
def vjp_divide_w(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R12 backprop form: vᵀJ = vᵀ diag(1/x_i) = (v ⊘ x)ᵀ.

    Args:
        v: The gradient flowing back into w ⊘ x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        v ⊘ x, shape `(n,)` (shaped like w).

    Raises:
        ValueError: If an entry of `x` is zero, or the result overflows float64.

    Examples:
        >>> from mcref.paper.elementwise import vjp_divide_w
        >>> print(vjp_divide_w([1.0, 2.0], [1.0, 2.0], [4.0, -0.5]))
        [ 0.25 -4.  ]
    """


_R13 = elementwise(
    "R13",
    title="Element-wise division, with respect to x",
    section="4.2, 8.2",
    forward=divide,
    wrt="x",
    derivative=lambda w, x: -(w / x) / x,  # x² alone would underflow to 0 for |x| below about 1e-154
    latex=_statement(r"\oslash", _X, r"\operatorname{diag}\left(\dots \frac{-w_i}{x_i^2} \dots\right)"),
    vjp_latex=_vjp_statement(r"-(\mathbf{v} \otimes \mathbf{w} \oslash \mathbf{x}^2)^T"),
    args=_DIV_ARGS,
    conditions=r"Every $x_i \ne 0$; the functions raise ValueError otherwise.",
    keywords=("elementwise division", "entrywise quotient", "quotient rule"),
)


@_R13.jacobian
def jac_divide_x(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R13: the Jacobian of w ⊘ x with respect to x is diag(−w_i/x_i²).

    Args:
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        The diagonal matrix with −w_i/x_i² on its diagonal, shape `(n, n)`.

    Raises:
        ValueError: If an entry of `x` is zero.

    Examples:
        >>> from mcref.paper.elementwise import jac_divide_x
        >>> print(jac_divide_x([1.0, 2.0], [4.0, -0.5]))
        [[-0.0625  0.    ]
         [ 0.     -8.    ]]
    """


@_R13.vjp
def vjp_divide_x(v: ArrayLike, w: ArrayLike, x: ArrayLike) -> FloatArray:
    """R13 backprop form: vᵀJ = vᵀ diag(−w_i/x_i²) = −(v ⊗ w ⊘ x²)ᵀ.

    Args:
        v: The gradient flowing back into w ⊘ x, a vector of length n.
        w: A vector of length n.
        x: A vector of length n with no zero entry.

    Returns:
        −v ⊗ w ⊘ x², shape `(n,)` (shaped like x).

    Raises:
        ValueError: If an entry of `x` is zero, or the result overflows float64.

    Examples:
        >>> from mcref.paper.elementwise import vjp_divide_x
        >>> print(vjp_divide_x([1.0, 2.0], [1.0, 2.0], [4.0, -0.5]))
        [ -0.0625 -16.    ]
    """
