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
from mcref.core import validate
from mcref.core.registry import along_curve
from mcref.core.validate import FloatArray

__all__ = [
    "inverse_along",
    "jac_inverse_along",
    "jac_log_det_along",
    "log_det_along",
    "vjp_inverse_along",
    "vjp_log_det_along",
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
    domain=lambda t, X0, X1, X2: conditioned(curve(t, X0, X1, X2)[0]),
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
