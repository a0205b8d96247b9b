"""The Cookbook's rules for differentials, (33) to (45), checked along curves.

Each identity dF = L(X, dX) is registered with the
[`along_curve`][mcref.core.registry.along_curve] kind: the forward function is
F at the point X(t) of a quadratic curve ([`curve`][mcref.cookbook.curves.curve]),
and the closed form is the rate dF/dt that the identity predicts when dX is
the curve's velocity X'(t). A differential has no layout: both tabs on the site
state the same identity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.cookbook.curves import T, conditioned, curve, matrix_curve_args
from mcref.cookbook.determinants import adjugate
from mcref.core import validate
from mcref.core.registry import Arg, along_curve, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "constant_along",
    "det_along",
    "det_along_invertible",
    "entries",
    "hadamard_along",
    "hermitian_along",
    "inverse_along",
    "jac_constant_along",
    "jac_det_along",
    "jac_det_along_invertible",
    "jac_entries",
    "jac_hadamard_along",
    "jac_hermitian_along",
    "jac_inverse_along",
    "jac_kron_along",
    "jac_log_det_along",
    "jac_product_along",
    "jac_scaled_along",
    "jac_sum_along",
    "jac_trace_along",
    "jac_transpose_along",
    "kron_along",
    "log_det_along",
    "product_along",
    "scaled_along",
    "sum_along",
    "trace_along",
    "transpose_along",
    "vjp_constant_along",
    "vjp_det_along",
    "vjp_det_along_invertible",
    "vjp_entries",
    "vjp_hadamard_along",
    "vjp_hermitian_along",
    "vjp_inverse_along",
    "vjp_kron_along",
    "vjp_log_det_along",
    "vjp_product_along",
    "vjp_scaled_along",
    "vjp_sum_along",
    "vjp_trace_along",
    "vjp_transpose_along",
]

_SQUARE = matrix_curve_args("X", ("n", "n"))


def _invertible_point(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """X(t) and X'(t) of a curve of square matrices, or ValueError if X(t) is not square or is singular."""
    with np.errstate(all="ignore"):
        X, dX, _ = curve(t, X0, X1, X2)
    validate.finite_result("X(t)", X)
    if X.shape[0] != X.shape[1]:
        raise ValueError(f"X0 must be a square matrix (X(t) is inverted), got shape {X.shape}")
    if not conditioned(X, 1e12):
        raise ValueError(f"X(t) must be invertible, got a singular (or nearly singular) matrix at t = {t}")
    return X, dX


def inverse_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """X(t)⁻¹ for the curve X(t) = X₀ + t X₁ + t² X₂ of square matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import inverse_along
        >>> print(inverse_along(0.0, 2 * np.eye(2), np.eye(2), np.zeros((2, 2))))
        [[0.5 0. ]
         [0.  0.5]]
    """
    X, _ = _invertible_point(t, X0, X1, X2)
    with np.errstate(all="ignore"):
        return validate.finite_result("X(t)^-1", np.linalg.inv(X))


def _inverse_rate(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    X, dX = _invertible_point(t, X0, X1, X2)
    inv = np.linalg.inv(X)
    return -inv @ dX @ inv


_MC40 = along_curve(
    "MC40",
    title="Differential of the inverse",
    forward=inverse_along,
    rate=_inverse_rate,
    latex=r"\partial(X^{-1}) = -X^{-1}\,(\partial X)\,X^{-1}",
    vjp_latex=r"\mathbf{v}^T J = \operatorname{Tr}\!\big(V^T\,(-X^{-1}\dot X X^{-1})\big)",
    value_shape=("n", "n"),
    args={"t": T, **_SQUARE},
    section="2",
    conditions=(
        r"$X$ square and invertible. Checked along $X(t) = X_0 + tX_1 + t^2X_2$, where $\partial X$ is the "
        r"velocity $\dot X = X_1 + 2tX_2$."
    ),
    domain=lambda t, X0, X1, X2: conditioned(curve(t, X0, X1, X2)[0], floor=0.05),
    keywords=("differential of inverse", "derivative of matrix inverse", "d(X^-1)"),
    printed=r"\partial(\mathbf{X}^{-1}) = -\mathbf{X}^{-1}(\partial\mathbf{X})\mathbf{X}^{-1}",
)


@_MC40.jacobian
def jac_inverse_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC40: d/dt X(t)⁻¹ = −X⁻¹ X'(t) X⁻¹, flattened row by row into an (n², 1) column.

    The Cookbook's (40): differentiating X X⁻¹ = I gives (dX) X⁻¹ + X d(X⁻¹) = 0,
    so d(X⁻¹) = −X⁻¹ (dX) X⁻¹.

    Args:
        t: The curve parameter.
        X0: The point at t = 0, shape `(n, n)`.
        X1: The velocity at t = 0, shape `(n, n)`.
        X2: Half the acceleration, shape `(n, n)`.

    Returns:
        −X⁻¹ X'(t) X⁻¹ flattened, shape `(n*n, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_inverse_along
        >>> print(jac_inverse_along(0.0, 2 * np.eye(2), np.ones((2, 2)), np.zeros((2, 2))))
        [[-0.25]
         [-0.25]
         [-0.25]
         [-0.25]]
    """


@_MC40.vjp
def vjp_inverse_along(v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC40, backprop form: Σ v_kl (dX⁻¹/dt)_kl for a cotangent V shaped like X⁻¹.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_inverse_along
        >>> print(vjp_inverse_along(np.eye(2), 0.0, 2 * np.eye(2), np.eye(2), np.zeros((2, 2))))
        -0.5
    """


def log_det_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> np.float64:
    """ln |det X(t)| for the curve X(t) = X₀ + t X₁ + t² X₂ (ln det X(t) where det X(t) > 0).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import log_det_along
        >>> print(round(log_det_along(0.0, np.diag([2.0, 0.5]), np.eye(2), np.zeros((2, 2))), 12))
        0.0
    """
    X, _ = _invertible_point(t, X0, X1, X2)
    return np.float64(np.linalg.slogdet(X)[1])


def _log_det_rate(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> float:
    X, dX = _invertible_point(t, X0, X1, X2)
    return float(np.trace(np.linalg.solve(X, dX)))


_MC43 = along_curve(
    "MC43",
    title="Differential of the log-determinant",
    forward=log_det_along,
    rate=_log_det_rate,
    latex=r"\partial(\ln\det X) = \operatorname{Tr}(X^{-1}\,\partial X)",
    value_shape=(),
    args={"t": T, **_SQUARE},
    section="2",
    conditions=(
        r"$X$ square with $\det X > 0$; for any invertible $X$ the same holds for "
        r"$\ln\lvert\det X\rvert$, which is what the check computes, so both signs of the determinant "
        r"are covered. Checked along $X(t) = X_0 + tX_1 + t^2X_2$, where $\partial X$ is the velocity $\dot X$."
    ),
    domain=lambda t, X0, X1, X2: conditioned(curve(t, X0, X1, X2)[0]),
    keywords=("differential of log det", "log determinant", "logdet"),
    printed=r"\partial(\ln(\det(\mathbf{X}))) = \operatorname{Tr}(\mathbf{X}^{-1}\partial\mathbf{X})",
)


@_MC43.jacobian
def jac_log_det_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC43: d/dt ln det X(t) = Tr(X⁻¹ X'(t)), as a 1 by 1 matrix.

    Jacobi's formula d det X = det X · Tr(X⁻¹ dX) (the Cookbook's (42)) divided by det X.

    Args:
        t: The curve parameter.
        X0: The point at t = 0, shape `(n, n)`.
        X1: The velocity at t = 0, shape `(n, n)`.
        X2: Half the acceleration, shape `(n, n)`.

    Returns:
        Tr(X⁻¹ X'(t)), shape `(1, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_log_det_along
        >>> print(jac_log_det_along(0.0, np.diag([2.0, 0.5]), np.eye(2), np.zeros((2, 2))))
        [[2.5]]
    """


@_MC43.vjp
def vjp_log_det_along(v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC43, backprop form: v · Tr(X⁻¹ X'(t)) for a number v.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_log_det_along
        >>> print(vjp_log_det_along(2.0, 0.0, np.diag([2.0, 0.5]), np.eye(2), np.zeros((2, 2))))
        5.0
    """


# ----- shared pieces of the rules below -----


def _on_curve(
    name: str, t: Any, P: ArrayLike, V: ArrayLike, A: ArrayLike, *, param: str = "t"
) -> tuple[FloatArray, FloatArray]:
    """M(t) and M'(t) of the curve M(t) = P + tV + t²A, with the arguments named `{name}0, {name}1, {name}2`."""
    validate.scalar(param, t)
    P = validate.matrix(f"{name}0", P)
    V = validate.matrix(f"{name}1", V)
    A = validate.matrix(f"{name}2", A)
    if V.shape != P.shape or A.shape != P.shape:
        raise ValueError(
            f"{name}0, {name}1 and {name}2 must have one shape (a curve of matrices), "
            f"got {P.shape}, {V.shape} and {A.shape}"
        )
    with np.errstate(all="ignore"):
        M, dM, _ = curve(t, P, V, A)
    validate.finite_result(f"{name}({param})", M)
    validate.finite_result(f"{name}'({param})", dM)
    return M, dM


def _square_on_curve(name: str, t: Any, P: ArrayLike, V: ArrayLike, A: ArrayLike) -> tuple[FloatArray, FloatArray]:
    M, dM = _on_curve(name, t, P, V, A)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name}0 must be a square matrix, got shape {M.shape}")
    return M, dM


def _finite(name: str, value: Any) -> FloatArray:
    return np.asarray(validate.finite_result(name, value), dtype=np.float64)


_MATRIX = matrix_curve_args("X", ("m", "n"))
_SECOND = matrix_curve_args("Y", ("m", "n"))


# ----- (32): the entries of a matrix are independent -----


def entries(X: ArrayLike) -> FloatArray:
    """The matrix X itself, as a function of its entries: the map whose Jacobian is (32).

    Examples:
        >>> from mcref.cookbook.differentials import entries
        >>> print(entries([[1, 2, 3]]))
        [[1. 2. 3.]]
    """
    return validate.matrix("X", X)


@rule(
    "MC32",
    title="The entries of a matrix are independent",
    section="2",
    forward=entries,
    wrt="X",
    latex=r"\frac{\partial X_{kl}}{\partial X_{ij}} = \delta_{ik}\,\delta_{lj}, \quad J = I_{mn}",
    shape=("m*n", "m*n"),
    args={"X": Arg(shape=("m", "n"))},
    conditions=(
        r"$X$ is $m \times n$ with independent entries (no symmetry or other structure; section 2.8 treats "
        r"structured matrices). Flattened row by row, the Jacobian of $X \mapsto X$ is the identity of size $mn$."
    ),
    keywords=("independent entries", "derivative of a matrix with respect to its entries", "Kronecker delta"),
    printed=r"\frac{\partial X_{kl}}{\partial X_{ij}} = \delta_{ik}\delta_{lj}",
)
def jac_entries(X: ArrayLike) -> FloatArray:
    """MC32: ∂X_kl/∂X_ij = δ_ik δ_lj, the Jacobian of X ↦ X flattened row by row, shape (mn, mn).

    Each entry of X moves only itself: changing X_ij changes X_kl exactly when (k, l) = (i, j).
    The four-index array δ_ik δ_lj is built from two identity matrices; with the rows
    indexed by (k, l) and the columns by (i, j), both row-major, it is the identity of size mn.

    Args:
        X: A matrix of shape `(m, n)`; only its shape matters.

    Returns:
        The identity of size mn, shape `(m*n, m*n)`.

    Examples:
        >>> from mcref.cookbook.differentials import jac_entries
        >>> print(jac_entries([[5.0, 6.0]]))
        [[1. 0.]
         [0. 1.]]
    """
    m, n = entries(X).shape
    # [k, l, i, j] = δ_ik δ_lj, the book's formula; rows (k, l) and columns (i, j), each row-major
    delta = np.einsum("ik,lj->klij", np.eye(m), np.eye(n))
    return delta.reshape(m * n, m * n)


@vjp_of("MC32", latex=r"\mathbf{v}^T J = \mathbf{v}: \text{the cotangent } G \text{ comes back unchanged}")
def vjp_entries(G: ArrayLike, X: ArrayLike) -> FloatArray:
    """MC32, backprop form: G ↦ G, a cotangent G shaped like X passes through unchanged.

    Examples:
        >>> from mcref.cookbook.differentials import vjp_entries
        >>> print(vjp_entries([[1.0, -2.0]], [[5.0, 6.0]]))
        [[ 1. -2.]]
    """
    shape = entries(X).shape
    return np.array(validate.shaped_cotangent(G, shape, "entries", name="G"), dtype=np.float64)


# ----- (33) to (35): constants, scalar multiples, sums -----


def constant_along(t: Any, A: ArrayLike) -> FloatArray:
    """A constant matrix A, seen as a curve in t that does not move.

    Examples:
        >>> from mcref.cookbook.differentials import constant_along
        >>> print(constant_along(0.3, [[1.0, 2.0]]))
        [[1. 2.]]
    """
    validate.scalar("t", t)
    return validate.matrix("A", A)


_MC33 = along_curve(
    "MC33",
    title="Differential of a constant",
    forward=constant_along,
    rate=lambda t, A: np.zeros_like(A),
    latex=r"\partial A = 0",
    vjp_latex=r"\mathbf{v}^T J = 0",
    value_shape=("m", "n"),
    args={"t": T, "A": Arg(shape=("m", "n"))},
    section="2",
    conditions=r"$A$ does not depend on the variable. Checked as the rate of change of $A$ along any $t$.",
    keywords=("differential of a constant", "constant matrix derivative is zero"),
    printed=r"\partial\mathbf{A} = 0",
)


@_MC33.jacobian
def jac_constant_along(t: Any, A: ArrayLike) -> FloatArray:
    """MC33: ∂A = 0, the zero column of shape (mn, 1).

    Args:
        t: The curve parameter.
        A: A constant matrix, shape `(m, n)`.

    Returns:
        Zeros, shape `(m*n, 1)`.

    Examples:
        >>> from mcref.cookbook.differentials import jac_constant_along
        >>> print(jac_constant_along(0.3, [[1.0, 2.0]]))
        [[0.]
         [0.]]
    """


@_MC33.vjp
def vjp_constant_along(v: ArrayLike, t: Any, A: ArrayLike) -> FloatArray:
    """MC33, backprop form: 0 for every cotangent V shaped like A.

    Examples:
        >>> from mcref.cookbook.differentials import vjp_constant_along
        >>> print(vjp_constant_along([[1.0, 1.0]], 0.3, [[1.0, 2.0]]))
        0.0
    """


def scaled_along(t: Any, alpha: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """α X(t) for a number α and the curve X(t) = X₀ + t X₁ + t² X₂.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import scaled_along
        >>> print(scaled_along(1.0, 2.0, np.ones((1, 2)), np.ones((1, 2)), np.zeros((1, 2))))
        [[4. 4.]]
    """
    a = validate.scalar("alpha", alpha)
    X, _ = _on_curve("X", t, X0, X1, X2)
    with np.errstate(all="ignore"):
        return _finite("alpha X(t)", a * X)


def _scaled_rate(t: Any, alpha: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    _, dX = _on_curve("X", t, X0, X1, X2)
    return alpha * dX


_MC34 = along_curve(
    "MC34",
    title="Differential of a scalar multiple",
    forward=scaled_along,
    rate=_scaled_rate,
    latex=r"\partial(\alpha X) = \alpha\,\partial X",
    vjp_latex=r"\mathbf{v}^T J = \alpha \operatorname{Tr}(V^T \dot X)",
    value_shape=("m", "n"),
    args={"t": T, "alpha": Arg(shape=()), **_MATRIX},
    section="2",
    conditions=(
        r"$\alpha$ a constant number, $X$ any $m \times n$ matrix. Checked along $X(t) = X_0 + tX_1 + t^2X_2$, "
        r"where $\partial X$ is the velocity $\dot X = X_1 + 2tX_2$."
    ),
    keywords=("differential of a scalar multiple", "linearity of the differential"),
    printed=r"\partial(\alpha\mathbf{X}) = \alpha\partial\mathbf{X}",
)


@_MC34.jacobian
def jac_scaled_along(t: Any, alpha: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC34: d/dt α X(t) = α X'(t), flattened row by row into an (mn, 1) column.

    A constant factor comes out of a limit of difference quotients unchanged.

    Args:
        t: The curve parameter.
        alpha: The constant factor.
        X0: The point at t = 0, shape `(m, n)`.
        X1: The velocity at t = 0, shape `(m, n)`.
        X2: Half the acceleration, shape `(m, n)`.

    Returns:
        α X'(t) flattened, shape `(m*n, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_scaled_along
        >>> print(jac_scaled_along(0.0, 3.0, np.zeros((1, 2)), np.array([[1.0, 2.0]]), np.zeros((1, 2))))
        [[3.]
         [6.]]
    """


@_MC34.vjp
def vjp_scaled_along(v: ArrayLike, t: Any, alpha: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC34, backprop form: Σ v_kl α X'(t)_kl for a cotangent V shaped like X.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_scaled_along
        >>> zero = np.zeros((1, 2))
        >>> print(vjp_scaled_along(np.ones((1, 2)), 0.0, 3.0, zero, np.array([[1.0, 2.0]]), zero))
        9.0
    """


def sum_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """X(t) + Y(t) for two curves of m by n matrices, X(t) = X₀ + t X₁ + t² X₂ and Y(t) likewise.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import sum_along
        >>> one, zero = np.ones((1, 2)), np.zeros((1, 2))
        >>> print(sum_along(1.0, one, one, zero, one, zero, zero))
        [[3. 3.]]
    """
    X, _ = _on_curve("X", t, X0, X1, X2)
    Y, _ = _on_curve("Y", t, Y0, Y1, Y2)
    if X.shape != Y.shape:
        raise ValueError(f"X and Y must have one shape (X + Y), got X {X.shape} and Y {Y.shape}")
    with np.errstate(all="ignore"):
        return _finite("X(t) + Y(t)", X + Y)


def _sum_rate(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike) -> Any:
    return _on_curve("X", t, X0, X1, X2)[1] + _on_curve("Y", t, Y0, Y1, Y2)[1]


_MC35 = along_curve(
    "MC35",
    title="Differential of a sum",
    forward=sum_along,
    rate=_sum_rate,
    latex=r"\partial(X + Y) = \partial X + \partial Y",
    vjp_latex=r"\mathbf{v}^T J = \operatorname{Tr}\!\big(V^T (\dot X + \dot Y)\big)",
    value_shape=("m", "n"),
    args={"t": T, **_MATRIX, **_SECOND},
    section="2",
    conditions=(
        r"$X$ and $Y$ of one shape $m \times n$. Checked along two curves $X(t)$ and $Y(t)$ through random matrices."
    ),
    keywords=("differential of a sum", "sum rule for matrices"),
    printed=r"\partial(\mathbf{X}+\mathbf{Y}) = \partial\mathbf{X}+\partial\mathbf{Y}",
)


@_MC35.jacobian
def jac_sum_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC35: d/dt (X(t) + Y(t)) = X'(t) + Y'(t), flattened row by row into an (mn, 1) column.

    The difference quotient of a sum is the sum of the difference quotients.

    Args:
        t: The curve parameter.
        X0: The point of X at t = 0, shape `(m, n)`; X1, X2 its velocity and half acceleration.
        X1: Shape `(m, n)`.
        X2: Shape `(m, n)`.
        Y0: The point of Y at t = 0, shape `(m, n)`; Y1, Y2 likewise.
        Y1: Shape `(m, n)`.
        Y2: Shape `(m, n)`.

    Returns:
        X'(t) + Y'(t) flattened, shape `(m*n, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_sum_along
        >>> one, zero = np.ones((1, 2)), np.zeros((1, 2))
        >>> print(jac_sum_along(0.0, zero, one, zero, zero, 2 * one, zero))
        [[3.]
         [3.]]
    """


@_MC35.vjp
def vjp_sum_along(
    v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC35, backprop form: Σ v_kl (X'(t) + Y'(t))_kl for a cotangent V shaped like X.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_sum_along
        >>> one, zero = np.ones((1, 2)), np.zeros((1, 2))
        >>> print(vjp_sum_along(one, 0.0, zero, one, zero, zero, 2 * one, zero))
        6.0
    """


# ----- (36) to (39): trace, products -----


def trace_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> np.float64:
    """Tr X(t) for the curve X(t) = X₀ + t X₁ + t² X₂ of square matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import trace_along
        >>> print(trace_along(1.0, np.eye(2), np.eye(2), np.zeros((2, 2))))
        4.0
    """
    X, _ = _square_on_curve("X", t, X0, X1, X2)
    with np.errstate(all="ignore"):
        return np.float64(_finite("Tr X(t)", np.trace(X)))


_MC36 = along_curve(
    "MC36",
    title="Differential of the trace",
    forward=trace_along,
    rate=lambda t, X0, X1, X2: np.trace(_square_on_curve("X", t, X0, X1, X2)[1]),
    latex=r"\partial \operatorname{Tr}(X) = \operatorname{Tr}(\partial X)",
    vjp_latex=r"\mathbf{v}^T J = v\,\operatorname{Tr}(\dot X)",
    value_shape=(),
    args={"t": T, **matrix_curve_args("X", ("n", "n"))},
    section="2",
    conditions=r"$X$ square. Checked along $X(t) = X_0 + tX_1 + t^2X_2$, where $\partial X$ is the velocity $\dot X$.",
    keywords=("differential of the trace", "trace is linear"),
    printed=r"\partial(\operatorname{Tr}(\mathbf{X})) = \operatorname{Tr}(\partial\mathbf{X})",
)


@_MC36.jacobian
def jac_trace_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC36: d/dt Tr X(t) = Tr X'(t), as a 1 by 1 matrix.

    The trace is a sum of entries, a linear map, so it commutes with the derivative.

    Args:
        t: The curve parameter.
        X0: The point at t = 0, shape `(n, n)`.
        X1: The velocity at t = 0, shape `(n, n)`.
        X2: Half the acceleration, shape `(n, n)`.

    Returns:
        Tr X'(t), shape `(1, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_trace_along
        >>> print(jac_trace_along(0.0, np.eye(2), np.diag([1.0, 2.0]), np.zeros((2, 2))))
        [[3.]]
    """


@_MC36.vjp
def vjp_trace_along(v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC36, backprop form: v Tr X'(t) for a number v.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_trace_along
        >>> print(vjp_trace_along(2.0, 0.0, np.eye(2), np.diag([1.0, 2.0]), np.zeros((2, 2))))
        6.0
    """


def product_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """X(t) Y(t) for curves of m by n matrices X(t) and n by p matrices Y(t).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import product_along
        >>> print(product_along(0.0, np.ones((1, 2)), np.zeros((1, 2)), np.zeros((1, 2)),
        ...                     np.ones((2, 1)), np.zeros((2, 1)), np.zeros((2, 1))))
        [[2.]]
    """
    X, _ = _on_curve("X", t, X0, X1, X2)
    Y, _ = _on_curve("Y", t, Y0, Y1, Y2)
    if X.shape[1] != Y.shape[0]:
        raise ValueError(f"X(t) Y(t) needs X (m, n) and Y (n, p), got X {X.shape} and Y {Y.shape}")
    with np.errstate(all="ignore"):
        return _finite("X(t) Y(t)", X @ Y)


def _product_rate(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    X, dX = _on_curve("X", t, X0, X1, X2)
    Y, dY = _on_curve("Y", t, Y0, Y1, Y2)
    return dX @ Y + X @ dY


_MC37 = along_curve(
    "MC37",
    title="Differential of a matrix product",
    forward=product_along,
    rate=_product_rate,
    latex=r"\partial(XY) = (\partial X)\,Y + X\,(\partial Y)",
    vjp_latex=r"\mathbf{v}^T J = \operatorname{Tr}\!\big(V^T (\dot X Y + X \dot Y)\big)",
    value_shape=("m", "p"),
    args={"t": T, **matrix_curve_args("X", ("m", "n")), **matrix_curve_args("Y", ("n", "p"))},
    section="2",
    conditions=(
        r"$X$ is $m \times n$ and $Y$ is $n \times p$; the order of the factors stays as it is (matrices do not "
        r"commute). Checked along two curves $X(t)$ and $Y(t)$."
    ),
    keywords=("product rule for matrices", "differential of a matrix product", "d(XY)"),
    printed=r"\partial(\mathbf{XY}) = (\partial\mathbf{X})\mathbf{Y}+\mathbf{X}(\partial\mathbf{Y})",
)


@_MC37.jacobian
def jac_product_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC37: d/dt X(t) Y(t) = X'(t) Y(t) + X(t) Y'(t), flattened row by row into an (mp, 1) column.

    Each entry (XY)_ik = Σ_j X_ij Y_jk is a sum of products of numbers, and the scalar
    product rule applied term by term keeps every factor in its place.

    Args:
        t: The curve parameter.
        X0: The point of X at t = 0, shape `(m, n)`.
        X1: Shape `(m, n)`.
        X2: Shape `(m, n)`.
        Y0: The point of Y at t = 0, shape `(n, p)`.
        Y1: Shape `(n, p)`.
        Y2: Shape `(n, p)`.

    Returns:
        X'Y + XY' flattened, shape `(m*p, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_product_along
        >>> print(jac_product_along(0.0, np.ones((1, 2)), np.ones((1, 2)), np.zeros((1, 2)),
        ...                         np.ones((2, 1)), np.zeros((2, 1)), np.zeros((2, 1))))
        [[2.]]
    """


@_MC37.vjp
def vjp_product_along(
    v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC37, backprop form: Σ v_ik (X'Y + XY')_ik for a cotangent V shaped like XY.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_product_along
        >>> print(vjp_product_along([[3.0]], 0.0, np.ones((1, 2)), np.ones((1, 2)), np.zeros((1, 2)),
        ...                         np.ones((2, 1)), np.zeros((2, 1)), np.zeros((2, 1))))
        6.0
    """


def hadamard_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """X(t) ∘ Y(t), the entry-by-entry product of two curves of m by n matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import hadamard_along
        >>> two, zero = 2 * np.ones((1, 2)), np.zeros((1, 2))
        >>> print(hadamard_along(0.0, two, zero, zero, np.array([[1.0, 3.0]]), zero, zero))
        [[2. 6.]]
    """
    X, _ = _on_curve("X", t, X0, X1, X2)
    Y, _ = _on_curve("Y", t, Y0, Y1, Y2)
    if X.shape != Y.shape:
        raise ValueError(f"X and Y must have one shape (X ∘ Y), got X {X.shape} and Y {Y.shape}")
    with np.errstate(all="ignore"):
        return _finite("X(t) ∘ Y(t)", X * Y)


def _hadamard_rate(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    X, dX = _on_curve("X", t, X0, X1, X2)
    Y, dY = _on_curve("Y", t, Y0, Y1, Y2)
    return dX * Y + X * dY


_MC38 = along_curve(
    "MC38",
    title="Differential of a Hadamard product",
    forward=hadamard_along,
    rate=_hadamard_rate,
    latex=r"\partial(X \circ Y) = (\partial X) \circ Y + X \circ (\partial Y)",
    vjp_latex=r"\mathbf{v}^T J = \operatorname{Tr}\!\big(V^T (\dot X \circ Y + X \circ \dot Y)\big)",
    value_shape=("m", "n"),
    args={"t": T, **_MATRIX, **_SECOND},
    section="2",
    conditions=r"$X$ and $Y$ of one shape $m \times n$. Checked along two curves $X(t)$ and $Y(t)$.",
    keywords=("differential of the Hadamard product", "entrywise product rule", "Schur product"),
    printed=(
        r"\partial(\mathbf{X}\circ\mathbf{Y}) = (\partial\mathbf{X})\circ\mathbf{Y}"
        r"+\mathbf{X}\circ(\partial\mathbf{Y})"
    ),
)


@_MC38.jacobian
def jac_hadamard_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC38: d/dt X(t) ∘ Y(t) = X'(t) ∘ Y(t) + X(t) ∘ Y'(t), flattened row by row into an (mn, 1) column.

    Entry by entry this is the scalar product rule, (X_ij Y_ij)' = X'_ij Y_ij + X_ij Y'_ij.

    Args:
        t: The curve parameter.
        X0: The point of X at t = 0, shape `(m, n)`.
        X1: Shape `(m, n)`.
        X2: Shape `(m, n)`.
        Y0: The point of Y at t = 0, shape `(m, n)`.
        Y1: Shape `(m, n)`.
        Y2: Shape `(m, n)`.

    Returns:
        X' ∘ Y + X ∘ Y' flattened, shape `(m*n, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_hadamard_along
        >>> one, zero = np.ones((1, 2)), np.zeros((1, 2))
        >>> print(jac_hadamard_along(0.0, one, one, zero, np.array([[1.0, 3.0]]), zero, zero))
        [[1.]
         [3.]]
    """


@_MC38.vjp
def vjp_hadamard_along(
    v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC38, backprop form: Σ v_ij (X' ∘ Y + X ∘ Y')_ij for a cotangent V shaped like X.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_hadamard_along
        >>> one, zero = np.ones((1, 2)), np.zeros((1, 2))
        >>> print(vjp_hadamard_along(one, 0.0, one, one, zero, np.array([[1.0, 3.0]]), zero, zero))
        4.0
    """


def kron_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """X(t) ⊗ Y(t), the Kronecker product of a curve of m by n matrices and one of p by q matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import kron_along
        >>> zero = np.zeros((1, 1))
        >>> print(kron_along(0.0, [[2.0]], zero, zero, [[1.0, 3.0]], np.zeros((1, 2)), np.zeros((1, 2))))
        [[2. 6.]]
    """
    X, _ = _on_curve("X", t, X0, X1, X2)
    Y, _ = _on_curve("Y", t, Y0, Y1, Y2)
    with np.errstate(all="ignore"):
        return _finite("X(t) ⊗ Y(t)", np.kron(X, Y))


def _kron_rate(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    X, dX = _on_curve("X", t, X0, X1, X2)
    Y, dY = _on_curve("Y", t, Y0, Y1, Y2)
    return np.kron(dX, Y) + np.kron(X, dY)


_MC39 = along_curve(
    "MC39",
    title="Differential of a Kronecker product",
    forward=kron_along,
    rate=_kron_rate,
    latex=r"\partial(X \otimes Y) = (\partial X) \otimes Y + X \otimes (\partial Y)",
    vjp_latex=r"\mathbf{v}^T J = \operatorname{Tr}\!\big(V^T (\dot X \otimes Y + X \otimes \dot Y)\big)",
    value_shape=("m*p", "n*q"),
    args={"t": T, **matrix_curve_args("X", ("m", "n")), **matrix_curve_args("Y", ("p", "q"))},
    section="2",
    conditions=(
        r"$X$ is $m \times n$ and $Y$ is $p \times q$, any shapes; $X \otimes Y$ is $mp \times nq$. Checked along "
        r"two curves $X(t)$ and $Y(t)$."
    ),
    keywords=("differential of the Kronecker product", "tensor product rule"),
    printed=(
        r"\partial(\mathbf{X}\otimes\mathbf{Y}) = (\partial\mathbf{X})\otimes\mathbf{Y}"
        r"+\mathbf{X}\otimes(\partial\mathbf{Y})"
    ),
)


@_MC39.jacobian
def jac_kron_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC39: d/dt X(t) ⊗ Y(t) = X'(t) ⊗ Y(t) + X(t) ⊗ Y'(t), flattened row by row into an (mpnq, 1) column.

    Every entry of X ⊗ Y is one product X_ij Y_kl, so the scalar product rule gives the
    two terms, each again a Kronecker product.

    Args:
        t: The curve parameter.
        X0: The point of X at t = 0, shape `(m, n)`.
        X1: Shape `(m, n)`.
        X2: Shape `(m, n)`.
        Y0: The point of Y at t = 0, shape `(p, q)`.
        Y1: Shape `(p, q)`.
        Y2: Shape `(p, q)`.

    Returns:
        X' ⊗ Y + X ⊗ Y' flattened, shape `(m*p*n*q, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_kron_along
        >>> zero = np.zeros((1, 1))
        >>> print(jac_kron_along(0.0, [[2.0]], [[1.0]], zero, [[1.0, 3.0]], np.zeros((1, 2)), np.zeros((1, 2))))
        [[1.]
         [3.]]
    """


@_MC39.vjp
def vjp_kron_along(
    v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC39, backprop form: Σ v_ab (X' ⊗ Y + X ⊗ Y')_ab for a cotangent V shaped like X ⊗ Y.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_kron_along
        >>> zero = np.zeros((1, 1))
        >>> row = np.zeros((1, 2))
        >>> print(vjp_kron_along([[1.0, 1.0]], 0.0, [[2.0]], [[1.0]], zero, [[1.0, 3.0]], row, row))
        4.0
    """


# ----- (41) and (42): the determinant -----


def det_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> np.float64:
    """det X(t) for the curve X(t) = X₀ + t X₁ + t² X₂ of square matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import det_along
        >>> print(round(det_along(1.0, np.eye(2), np.eye(2), np.zeros((2, 2))), 12))
        4.0
    """
    X, _ = _square_on_curve("X", t, X0, X1, X2)
    with np.errstate(all="ignore"):
        return np.float64(_finite("det X(t)", np.linalg.det(X)))


def _det_rate_adjugate(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> float:
    X, dX = _square_on_curve("X", t, X0, X1, X2)
    return float(np.trace(adjugate(X) @ dX))


_MC41 = along_curve(
    "MC41",
    title="Differential of the determinant, with the adjugate",
    forward=det_along,
    rate=_det_rate_adjugate,
    latex=r"\partial \det(X) = \operatorname{Tr}\!\big(\operatorname{adj}(X)\,\partial X\big)",
    vjp_latex=r"\mathbf{v}^T J = v\,\operatorname{Tr}\!\big(\operatorname{adj}(X)\,\dot X\big)",
    value_shape=(),
    args={"t": T, **matrix_curve_args("X", ("n", "n"))},
    section="2",
    conditions=(
        r"$X$ square, invertible or not: the adjugate (the transposed matrix of cofactors) exists for every "
        r"square matrix, and the formula holds at singular $X$ too, where (42) cannot be used. Checked along "
        r"$X(t) = X_0 + tX_1 + t^2X_2$, and at singular points by a test of its own."
    ),
    keywords=("differential of the determinant", "adjugate", "cofactor matrix", "Jacobi's formula"),
    printed=r"\partial(\det(\mathbf{X})) = \operatorname{Tr}(\operatorname{adj}(\mathbf{X})\partial\mathbf{X})",
)


@_MC41.jacobian
def jac_det_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC41: d/dt det X(t) = Tr(adj(X) X'(t)), as a 1 by 1 matrix.

    Expanding det X along row i, det X = Σ_j X_ij C_ij with the cofactors C_ij, which do not
    involve row i; so ∂ det X / ∂X_ij = C_ij = adj(X)_ji and d det X = Σ_ij adj(X)_ji dX_ij.
    The adjugate is computed from the singular value decomposition, so singular X is fine.

    Args:
        t: The curve parameter.
        X0: The point at t = 0, shape `(n, n)`.
        X1: The velocity at t = 0, shape `(n, n)`.
        X2: Half the acceleration, shape `(n, n)`.

    Returns:
        Tr(adj(X) X'(t)), shape `(1, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_det_along
        >>> singular = np.array([[1.0, 2.0], [2.0, 4.0]])
        >>> print(jac_det_along(0.0, singular, np.eye(2), np.zeros((2, 2))).round(12))
        [[5.]]
    """


@_MC41.vjp
def vjp_det_along(v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC41, backprop form: v Tr(adj(X) X'(t)) for a number v.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_det_along
        >>> print(vjp_det_along(2.0, 0.0, np.eye(2), np.eye(2), np.zeros((2, 2))).round(12))
        4.0
    """


def _det_rate_inverse(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> float:
    X, dX = _invertible_point(t, X0, X1, X2)
    return float(np.linalg.det(X) * np.trace(np.linalg.solve(X, dX)))


def det_along_invertible(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> np.float64:
    """det X(t) for a curve of invertible matrices (ValueError where X(t) is singular).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import det_along_invertible
        >>> print(round(det_along_invertible(0.0, np.diag([2.0, 3.0]), np.eye(2), np.zeros((2, 2))), 12))
        6.0
    """
    _invertible_point(t, X0, X1, X2)
    return det_along(t, X0, X1, X2)


_MC42 = along_curve(
    "MC42",
    title="Differential of the determinant (Jacobi's formula)",
    forward=det_along_invertible,
    rate=_det_rate_inverse,
    latex=r"\partial \det(X) = \det(X)\operatorname{Tr}(X^{-1}\,\partial X)",
    vjp_latex=r"\mathbf{v}^T J = v\,\det(X)\operatorname{Tr}(X^{-1}\dot X)",
    value_shape=(),
    args={"t": T, **_SQUARE},
    section="2",
    conditions=(
        r"$X$ square and invertible, where $\operatorname{adj}(X) = \det(X)X^{-1}$ turns (41) into (42). Checked "
        r"along $X(t) = X_0 + tX_1 + t^2X_2$, where $\partial X$ is the velocity $\dot X$."
    ),
    domain=lambda t, X0, X1, X2: conditioned(curve(t, X0, X1, X2)[0]),
    keywords=("Jacobi's formula", "differential of det", "derivative of determinant along a curve"),
    printed=(r"\partial(\det(\mathbf{X})) = \det(\mathbf{X})\operatorname{Tr}(\mathbf{X}^{-1}\partial\mathbf{X})"),
)


@_MC42.jacobian
def jac_det_along_invertible(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC42: d/dt det X(t) = det(X) Tr(X⁻¹ X'(t)), as a 1 by 1 matrix.

    For invertible X the adjugate of (41) is det(X) X⁻¹, and the factor det X comes out of the trace.

    Args:
        t: The curve parameter.
        X0: The point at t = 0, shape `(n, n)`.
        X1: The velocity at t = 0, shape `(n, n)`.
        X2: Half the acceleration, shape `(n, n)`.

    Returns:
        det(X) Tr(X⁻¹ X'(t)), shape `(1, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_det_along_invertible
        >>> print(jac_det_along_invertible(0.0, np.diag([2.0, 3.0]), np.eye(2), np.zeros((2, 2))).round(12))
        [[5.]]
    """


@_MC42.vjp
def vjp_det_along_invertible(v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC42, backprop form: v det(X) Tr(X⁻¹ X'(t)) for a number v.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_det_along_invertible
        >>> print(vjp_det_along_invertible(2.0, 0.0, np.diag([2.0, 3.0]), np.eye(2), np.zeros((2, 2))).round(12))
        10.0
    """


# ----- (44) and (45): transposes -----


def transpose_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """X(t)ᵀ for a curve of m by n matrices.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import transpose_along
        >>> print(transpose_along(0.0, [[1.0, 2.0]], np.zeros((1, 2)), np.zeros((1, 2))))
        [[1.]
         [2.]]
    """
    X, _ = _on_curve("X", t, X0, X1, X2)
    return np.ascontiguousarray(X.T)


_MC44 = along_curve(
    "MC44",
    title="Differential of the transpose",
    forward=transpose_along,
    rate=lambda t, X0, X1, X2: _on_curve("X", t, X0, X1, X2)[1].T,
    latex=r"\partial (X^T) = (\partial X)^T",
    vjp_latex=r"\mathbf{v}^T J = \operatorname{Tr}(V^T \dot X^T)",
    value_shape=("n", "m"),
    args={"t": T, **_MATRIX},
    section="2",
    conditions=r"$X$ any $m \times n$ matrix. Checked along $X(t) = X_0 + tX_1 + t^2X_2$.",
    keywords=("differential of the transpose", "derivative of transpose"),
    printed=r"\partial\mathbf{X}^T = (\partial\mathbf{X})^T",
)


@_MC44.jacobian
def jac_transpose_along(t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC44: d/dt X(t)ᵀ = X'(t)ᵀ, flattened row by row into an (nm, 1) column.

    Transposing moves entries without changing them, so it commutes with the derivative.

    Args:
        t: The curve parameter.
        X0: The point at t = 0, shape `(m, n)`.
        X1: The velocity at t = 0, shape `(m, n)`.
        X2: Half the acceleration, shape `(m, n)`.

    Returns:
        X'(t)ᵀ flattened, shape `(n*m, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_transpose_along
        >>> print(jac_transpose_along(0.0, np.zeros((2, 2)), [[1.0, 2.0], [3.0, 4.0]], np.zeros((2, 2))))
        [[1.]
         [3.]
         [2.]
         [4.]]
    """


@_MC44.vjp
def vjp_transpose_along(v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike) -> FloatArray:
    """MC44, backprop form: Σ v_ji X'(t)_ij for a cotangent V shaped like Xᵀ.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_transpose_along
        >>> print(vjp_transpose_along([[1.0], [1.0]], 0.0, np.zeros((1, 2)), [[1.0, 2.0]], np.zeros((1, 2))))
        3.0
    """


def hermitian_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """Z(t)ᴴ for the complex curve Z(t) = X(t) + i Y(t), as the real matrix [Re Z(t)ᴴ; Im Z(t)ᴴ].

    X(t) = X₀ + t X₁ + t² X₂ is the real part and Y(t) = Y₀ + t Y₁ + t² Y₂ the imaginary part,
    both m by n; the result stacks the real part of Z(t)ᴴ above its imaginary part, shape (2n, m).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import hermitian_along
        >>> zero = np.zeros((1, 2))
        >>> print(hermitian_along(0.0, [[1.0, 2.0]], zero, zero, [[3.0, 4.0]], zero, zero))
        [[ 1.]
         [ 2.]
         [-3.]
         [-4.]]
    """
    X, _ = _on_curve("X", t, X0, X1, X2)
    Y, _ = _on_curve("Y", t, Y0, Y1, Y2)
    if X.shape != Y.shape:
        raise ValueError(f"X and Y (the real and imaginary parts) must have one shape, got X {X.shape} and Y {Y.shape}")
    return _complex_stack((X + 1j * Y).conj().T)


def _complex_stack(Z: Any) -> FloatArray:
    """A complex matrix as the real matrix of its real part stacked above its imaginary part."""
    return np.vstack([Z.real, Z.imag]).astype(np.float64)


def _hermitian_rate(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    _, dX = _on_curve("X", t, X0, X1, X2)
    _, dY = _on_curve("Y", t, Y0, Y1, Y2)
    return _complex_stack((dX + 1j * dY).conj().T)


_MC45 = along_curve(
    "MC45",
    title="Differential of the conjugate transpose",
    forward=hermitian_along,
    rate=_hermitian_rate,
    latex=r"\partial (Z^H) = (\partial Z)^H",
    vjp_latex=(
        r"\mathbf{v}^T J = \operatorname{Tr}\!\left(V^T \begin{bmatrix} \operatorname{Re} \dot Z^H \\"
        r" \operatorname{Im} \dot Z^H \end{bmatrix}\right)"
    ),
    value_shape=("2*n", "m"),
    args={"t": T, **_MATRIX, **_SECOND},
    section="2",
    conditions=(
        r"$Z = X + iY$ complex $m \times n$ and the curve parameter $t$ real (the book writes $X$ for the "
        r"complex matrix). Conjugation and transposition are real-linear, so they commute with $d/dt$. "
        r"Checked along $Z(t) = X(t) + iY(t)$ with real curves $X(t)$ and $Y(t)$, comparing the real and "
        r"imaginary parts: $Z^H$ is stored as the real $2n \times m$ matrix with $\operatorname{Re} Z^H$ "
        r"above $\operatorname{Im} Z^H$."
    ),
    keywords=("differential of the conjugate transpose", "Hermitian transpose", "complex matrix derivative"),
    printed=r"\partial\mathbf{X}^H = (\partial\mathbf{X})^H",
)


@_MC45.jacobian
def jac_hermitian_along(
    t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC45: d/dt Z(t)ᴴ = Z'(t)ᴴ for Z = X + iY, as [Re; Im] flattened row by row into a (2nm, 1) column.

    Z(t)ᴴ = X(t)ᵀ − i Y(t)ᵀ: its real part moves with X'ᵀ and its imaginary part with −Y'ᵀ,
    which are the real and imaginary parts of (X' + iY')ᴴ. A real t is needed: conjugation
    is linear over the reals only.

    Args:
        t: The real curve parameter.
        X0: The real part of Z at t = 0, shape `(m, n)`.
        X1: Shape `(m, n)`.
        X2: Shape `(m, n)`.
        Y0: The imaginary part of Z at t = 0, shape `(m, n)`.
        Y1: Shape `(m, n)`.
        Y2: Shape `(m, n)`.

    Returns:
        Re Z'ᴴ above Im Z'ᴴ, flattened, shape `(2*n*m, 1)`.

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import jac_hermitian_along
        >>> zero = np.zeros((1, 1))
        >>> print(jac_hermitian_along(0.0, zero, [[1.0]], zero, zero, [[2.0]], zero))
        [[ 1.]
         [-2.]]
    """


@_MC45.vjp
def vjp_hermitian_along(
    v: ArrayLike, t: Any, X0: ArrayLike, X1: ArrayLike, X2: ArrayLike, Y0: ArrayLike, Y1: ArrayLike, Y2: ArrayLike
) -> FloatArray:
    """MC45, backprop form: Σ of V times [Re Z'ᴴ; Im Z'ᴴ] entry by entry, for V of shape (2n, m).

    Examples:
        >>> import numpy as np
        >>> from mcref.cookbook.differentials import vjp_hermitian_along
        >>> zero = np.zeros((1, 1))
        >>> print(vjp_hermitian_along(np.ones((2, 1)), 0.0, zero, [[1.0]], zero, zero, [[2.0]], zero))
        -1.0
    """
