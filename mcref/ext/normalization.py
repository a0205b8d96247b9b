"""Extension: layer normalization and batch normalization (X40–X45).

Both layers standardize their input, then scale and shift it by learned
parameters. They differ in what they average over.

* X40–X42, **layer normalization** of one vector x of length n: with the mean
  μ = (1/n) Σ_i x_i, the biased variance (1/n) Σ_i (x_i − μ)² and
  σ = sqrt(variance + ε),

      x̂ = (x − μ) / σ,    y = γ ⊗ x̂ + β,

  where γ and β have length n and ⊗ is the element-wise product.
* X43–X45, **batch normalization** in training mode, for a batch X of shape
  (N, n), one sample per row: every column (feature) j is standardized with its
  own batch mean and biased batch variance, Ŷ_sj = (X_sj − μ_j) / σ_j, and
  Y = γ ⊗ X̂ + β with γ and β of length n broadcast over the rows.

Every output entry reads every input entry it is averaged with, through μ and
σ, so the Jacobians with respect to the input are full (layer norm) or block
structured (batch norm), never diagonal. With respect to γ and β they are
diagonal (layer norm) or stacked diagonals (batch norm).

**ε.** `eps` is an argument of every function, a number >= 0 (frameworks use
1e-5 by default). It keeps σ away from 0 for a constant input; with `eps = 0`
a constant input (σ = 0) raises ValueError. The checks draw ε from
[0.001, 0.1], where central differences stay accurate however close together
the entries of x are.

**Matrices as variables** are flattened row by row, as in
[`mcref.ext.layers`][mcref.ext.layers]: entry X_sj of an (N, n) matrix is
position s·n + j. A VJP takes the upstream gradient shaped like the output and
returns the gradient shaped like the variable, without forming the Jacobian.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, elementwise, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "batch_norm",
    "jac_batch_norm_X",
    "jac_batch_norm_beta",
    "jac_batch_norm_gamma",
    "jac_layer_norm_beta",
    "jac_layer_norm_gamma",
    "jac_layer_norm_x",
    "layer_norm",
    "vjp_batch_norm_X",
    "vjp_batch_norm_beta",
    "vjp_batch_norm_gamma",
    "vjp_layer_norm_beta",
    "vjp_layer_norm_gamma",
    "vjp_layer_norm_x",
]

_EPS = Arg(shape=(), low=1e-3, high=0.1)
_LN_ARGS = {"x": Arg(("n",)), "gamma": Arg(("n",)), "beta": Arg(("n",)), "eps": _EPS}
_BN_ARGS = {"X": Arg(("N", "n")), "gamma": Arg(("n",)), "beta": Arg(("n",)), "eps": _EPS}

_X = r"\mathbf{x}"
_XH = r"\hat{\mathbf{x}}"
_GAMMA = r"\boldsymbol{\gamma}"
_BETA = r"\boldsymbol{\beta}"
_ONES = r"\vec{\mathbf{1}}"
_G = r"\mathbf{g}"
_DY_DGAMMA = r"\frac{\partial Y_{sj}}{\partial \gamma_k} = \delta_{jk}\, \hat{X}_{sj} "


def _standardize(name: str, X: FloatArray, eps: float, axis: int) -> tuple[FloatArray, FloatArray]:
    """(X − mean) / σ along `axis` and σ = sqrt(biased variance + eps), σ with `axis` removed.

    Raises ValueError if the variance overflows float64, or if σ = 0 (a constant input with eps = 0).
    """
    with np.errstate(all="ignore"):
        centred = X - X.mean(axis=axis, keepdims=True)
        sigma = np.sqrt((centred**2).mean(axis=axis, keepdims=True) + eps)
    if not (np.all(np.isfinite(centred)) and np.all(np.isfinite(sigma))):
        raise ValueError(f"the variance of {name} overflows float64: its entries are too large")
    if np.any(sigma == 0):
        raise ValueError(
            f"{name} has a constant {'row' if axis == 1 else 'column' if X.ndim == 2 else 'value'} and eps = 0, "
            "so σ = 0 would be a divisor: give eps > 0"
        )
    return centred / sigma, np.squeeze(sigma, axis=axis)


def _cotangent(name: str, value: ArrayLike, shape: tuple[int, ...], of: str) -> FloatArray:
    """The upstream gradient of a VJP: a finite array shaped like the forward output."""
    arr = validate.vector(name, value) if len(shape) == 1 else validate.matrix(name, value)
    if arr.shape != shape:
        raise ValueError(f"{name} must be shaped like the output of {of}, {shape}, got an array of shape {arr.shape}")
    return arr


# ----- X40, X41, X42: layer normalization of one vector -----


def _layer(
    x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, float]:
    """Validate (x, γ, β, ε) and return (x, γ, β, x̂, σ)."""
    x = validate.vector("x", x)
    gamma = validate.vector("gamma", gamma)
    beta = validate.vector("beta", beta)
    validate.same_length(x=x, gamma=gamma, beta=beta)
    e = validate.nonnegative_float("eps", eps)
    xhat, sigma = _standardize("x", x, e, axis=0)
    return x, gamma, beta, xhat, float(sigma)


def layer_norm(x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """Layer normalization y = γ ⊗ (x − μ)/σ + β of one vector, σ = sqrt(biased variance + ε).

    Args:
        x: The input, a vector of length n.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0, added to the variance (1e-5 in most frameworks).

    Returns:
        y, shape `(n,)`.

    Raises:
        ValueError: If the lengths differ, eps < 0, x is constant with eps = 0, or y overflows.
    """
    _, gamma, beta, xhat, _ = _layer(x, gamma, beta, eps)
    with np.errstate(all="ignore"):
        return validate.finite_result("γ ⊗ x̂ + β", gamma * xhat + beta)


_LN_SETUP = (
    r"$\mathbf{x}$, $\boldsymbol{\gamma}$ and $\boldsymbol{\beta}$ have length $n$; $\mu$ is the mean of "
    r"$\mathbf{x}$, $\sigma = \sqrt{\tfrac{1}{n}\sum_i (x_i - \mu)^2 + \varepsilon}$ with the biased variance "
    r"and $\varepsilon \ge 0$, and $\hat{\mathbf{x}} = (\mathbf{x} - \mu)/\sigma$."
)


@rule(
    "X40",
    title="Layer normalization, with respect to the input x",
    forward=layer_norm,
    wrt="x",
    latex=(
        rf"\frac{{\partial \mathbf{{y}}}}{{\partial {_X}}} = \frac{{1}}{{\sigma}} \operatorname{{diag}}({_GAMMA})"
        rf"\Big(I - \frac{{1}}{{n}} {_ONES}{_ONES}^T - \frac{{1}}{{n}} {_XH}{_XH}^T\Big)"
    ),
    latex_denominator=(
        rf"\frac{{\partial \mathbf{{y}}}}{{\partial {_X}}} = \frac{{1}}{{\sigma}}"
        rf"\Big(I - \frac{{1}}{{n}} {_ONES}{_ONES}^T - \frac{{1}}{{n}} {_XH}{_XH}^T\Big)\operatorname{{diag}}({_GAMMA})"
    ),
    shape=("n", "n"),
    args=_LN_ARGS,
    conditions=(
        _LN_SETUP + r" Entry $(i, j)$ is $\frac{\gamma_i}{\sigma}\big(\delta_{ij} - \frac{1}{n} - "
        r"\frac{\hat{x}_i \hat{x}_j}{n}\big)$: the symmetric matrix in the brackets, row $i$ scaled by "
        r"$\gamma_i / \sigma$. With "
        r"$\varepsilon = 0$ a constant $\mathbf{x}$ ($\sigma = 0$) has no derivative and raises ValueError."
    ),
    keywords=("layer normalization", "LayerNorm", "layer norm backward", "normalization layer", "transformer"),
)
def jac_layer_norm_x(x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X40: ∂y/∂x = (1/σ) diag(γ) (I − 11ᵀ/n − x̂x̂ᵀ/n) for y = γ ⊗ (x − μ)/σ + β.

    Moving x_j moves μ by 1/n and σ by x̂_j/n; the quotient rule on
    x̂_i = (x_i − μ)/σ gives ∂x̂_i/∂x_j = (δ_ij − 1/n − x̂_i x̂_j/n)/σ, and γ_i
    scales row i.

    Args:
        x: The input, length n.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        The Jacobian, shape `(n, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.normalization import jac_layer_norm_x
        >>> x, gamma, beta = [1.0, 2.0, 6.0], [1.0, 1.0, 2.0], [0.0, 0.0, 0.0]
        >>> J = jac_layer_norm_x(x, gamma, beta, 0.0)
        >>> print(J.round(3))    # row i is scaled by gamma_i / sigma
        [[ 0.176 -0.22   0.044]
         [-0.22   0.276 -0.055]
         [ 0.088 -0.11   0.022]]
        >>> print(J.sum(axis=1).round(12) + 0.0)    # adding a constant to x changes nothing
        [0. 0. 0.]
    """
    _, gamma, _, xhat, sigma = _layer(x, gamma, beta, eps)
    n = xhat.shape[0]
    inner = np.eye(n) - 1.0 / n - np.outer(xhat, xhat) / n
    return (gamma / sigma)[:, None] * inner


@vjp_of(
    "X40",
    latex=(
        rf"\frac{{\partial L}}{{\partial {_X}}} = \frac{{1}}{{\sigma}}\big({_G} - \operatorname{{mean}}({_G})\,{_ONES} "
        rf"- \operatorname{{mean}}({_G} \otimes {_XH})\, {_XH}\big),\ {_G} = \mathbf{{v}} \otimes {_GAMMA}"
    ),
)
def vjp_layer_norm_x(v: ArrayLike, x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X40, backprop form: ∂L/∂x = (g − mean(g) − x̂ (g · x̂)/n)/σ with g = v ⊗ γ, in O(n).

    Args:
        v: The upstream gradient ∂L/∂y, length n.
        x: The input, length n.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        ∂L/∂x, shape `(n,)`.

    Examples:
        >>> from mcref.ext.normalization import vjp_layer_norm_x
        >>> x, gamma, beta = [1.0, 2.0, 6.0], [1.0, 1.0, 2.0], [0.0, 0.0, 0.0]
        >>> print(vjp_layer_norm_x([1.0, 0.0, 0.0], x, gamma, beta, 0.0).round(3))
        [ 0.176 -0.22   0.044]
    """
    _, gamma, _, xhat, sigma = _layer(x, gamma, beta, eps)
    g = _cotangent("v", v, xhat.shape, "layer_norm") * gamma
    n = xhat.shape[0]
    return (g - g.mean() - xhat * (g @ xhat) / n) / sigma


_X41 = elementwise(
    "X41",
    title="Layer normalization, with respect to the scale γ",
    forward=layer_norm,
    wrt="gamma",
    derivative=lambda x, gamma, beta, eps: _layer(x, gamma, beta, eps)[3],
    latex=rf"\frac{{\partial \mathbf{{y}}}}{{\partial {_GAMMA}}} = \operatorname{{diag}}({_XH})",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_GAMMA}}} = \mathbf{{v}} \otimes {_XH}",
    args=_LN_ARGS,
    conditions=_LN_SETUP,
    keywords=("layer normalization", "LayerNorm", "layer norm gamma gradient", "scale parameter", "gain"),
)


@_X41.jacobian
def jac_layer_norm_gamma(x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X41: ∂y/∂γ = diag(x̂): y_i = γ_i x̂_i + β_i reads γ_i alone, with coefficient x̂_i.

    Args:
        x: The input, length n.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        diag(x̂), shape `(n, n)`.

    Examples:
        >>> from mcref.ext.normalization import jac_layer_norm_gamma
        >>> print(jac_layer_norm_gamma([1.0, 3.0], [1.0, 1.0], [0.0, 0.0], 0.0))
        [[-1.  0.]
         [ 0.  1.]]
    """


@_X41.vjp
def vjp_layer_norm_gamma(v: ArrayLike, x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X41, backprop form: ∂L/∂γ = v ⊗ x̂.

    Args:
        v: The upstream gradient ∂L/∂y, length n.
        x: The input, length n.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        v ⊗ x̂, shape `(n,)`.

    Examples:
        >>> from mcref.ext.normalization import vjp_layer_norm_gamma
        >>> print(vjp_layer_norm_gamma([2.0, 5.0], [1.0, 3.0], [1.0, 1.0], [0.0, 0.0], 0.0))
        [-2.  5.]
    """


_X42 = elementwise(
    "X42",
    title="Layer normalization, with respect to the shift β",
    forward=layer_norm,
    wrt="beta",
    derivative=lambda x, gamma, beta, eps: 1.0,
    latex=rf"\frac{{\partial \mathbf{{y}}}}{{\partial {_BETA}}} = I_n",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_BETA}}} = \mathbf{{v}}",
    args=_LN_ARGS,
    conditions=_LN_SETUP,
    keywords=("layer normalization", "LayerNorm", "layer norm beta gradient", "shift parameter", "bias"),
)


@_X42.jacobian
def jac_layer_norm_beta(x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X42: ∂y/∂β = I: y_i reads β_i alone, with coefficient 1.

    Args:
        x: The input, length n.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        The identity, shape `(n, n)`.

    Examples:
        >>> from mcref.ext.normalization import jac_layer_norm_beta
        >>> print(jac_layer_norm_beta([1.0, 3.0], [1.0, 1.0], [0.0, 0.0], 1e-5))
        [[1. 0.]
         [0. 1.]]
    """


@_X42.vjp
def vjp_layer_norm_beta(v: ArrayLike, x: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X42, backprop form: ∂L/∂β = v, the upstream gradient unchanged.

    Args:
        v: The upstream gradient ∂L/∂y, length n.
        x: The input, length n.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        v, shape `(n,)`.

    Examples:
        >>> from mcref.ext.normalization import vjp_layer_norm_beta
        >>> print(vjp_layer_norm_beta([2.0, 5.0], [1.0, 3.0], [1.0, 1.0], [0.0, 0.0], 1e-5))
        [2. 5.]
    """


# ----- X43, X44, X45: batch normalization in training mode -----


def _batch(
    X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate (X, γ, β, ε) and return (X, γ, β, X̂, σ), σ of length n (one per column)."""
    X = validate.matrix("X", X)
    gamma = validate.vector("gamma", gamma)
    beta = validate.vector("beta", beta)
    n = validate.same_length(gamma=gamma, beta=beta)
    if X.shape[1] != n:
        raise ValueError(
            f"X must have n = {n} columns, one per entry of gamma and beta (one column per feature), "
            f"got shape {X.shape}"
        )
    e = validate.nonnegative_float("eps", eps)
    Xhat, sigma = _standardize("X", X, e, axis=0)
    return X, gamma, beta, Xhat, sigma


def batch_norm(X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """Batch normalization in training mode: each column of X standardized with its batch statistics.

    Y_sj = γ_j (X_sj − μ_j)/σ_j + β_j, with μ_j the mean of column j and
    σ_j = sqrt(its biased variance + ε).

    Args:
        X: The batch, shape `(N, n)`: one sample per row, one feature per column.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0, added to every variance (1e-5 in most frameworks).

    Returns:
        Y, shape `(N, n)`.

    Raises:
        ValueError: If the shapes do not fit, eps < 0, a column is constant with eps = 0, or Y overflows.
    """
    _, gamma, beta, Xhat, _ = _batch(X, gamma, beta, eps)
    with np.errstate(all="ignore"):
        return validate.finite_result("γ ⊗ X̂ + β", gamma * Xhat + beta)


_BN_SETUP = (
    r"$X$ is $N \times n$, one sample per row; $\boldsymbol{\gamma}$ and $\boldsymbol{\beta}$ have length $n$ "
    r"and are broadcast over the rows. Column $j$ has the batch mean $\mu_j$ and "
    r"$\sigma_j = \sqrt{\tfrac{1}{N}\sum_s (X_{sj} - \mu_j)^2 + \varepsilon}$ (biased variance, "
    r"$\varepsilon \ge 0$), and $\hat{X}_{sj} = (X_{sj} - \mu_j)/\sigma_j$. Matrices are flattened row by row, "
    r"$\operatorname{vec}_r$."
)


@rule(
    "X43",
    title="Batch normalization, with respect to the batch X",
    forward=batch_norm,
    wrt="X",
    latex=(
        r"\frac{\partial Y_{sj}}{\partial X_{tk}} = \delta_{jk}\, \frac{\gamma_j}{\sigma_j}"
        r"\Big(\delta_{st} - \frac{1}{N} - \frac{\hat{X}_{sj} \hat{X}_{tj}}{N}\Big)"
    ),
    shape=("N*n", "N*n"),
    args=_BN_ARGS,
    conditions=(
        _BN_SETUP + r" Features do not mix ($\delta_{jk}$); samples do, through the batch mean and variance. "
        r"The flattened matrix is symmetric, so both layouts give the same array. "
        r"Row $sn + j$ is nonzero only in the $N$ columns $tn + j$ of feature $j$. With $\varepsilon = 0$ a "
        r"constant column ($\sigma_j = 0$) raises ValueError."
    ),
    keywords=("batch normalization", "BatchNorm", "batch norm backward", "normalization layer", "mini-batch"),
)
def jac_batch_norm_X(X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X43: the Jacobian of batch normalization with respect to X, flattened to N·n by N·n.

    Column j of Y reads column j of X alone, through the batch statistics of
    that column: ∂Y_sj/∂X_tk = δ_jk (γ_j/σ_j)(δ_st − 1/N − X̂_sj X̂_tj/N),
    layer normalization's matrix (X40) for each feature, over the batch.

    Args:
        X: The batch, shape `(N, n)`.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        The Jacobian, shape `(N*n, N*n)`, numerator layout.

    Examples:
        >>> from mcref.ext.normalization import jac_batch_norm_X
        >>> X = [[1.0, 0.0], [2.0, 4.0], [6.0, 2.0]]    # three samples, two features
        >>> J = jac_batch_norm_X(X, [1.0, 2.0], [0.0, 0.0], 0.0)
        >>> print(J.shape)
        (6, 6)
        >>> print(J[0::2, 0::2].round(3))    # feature 0 over the batch: X40's matrix, n = N = 3
        [[ 0.176 -0.22   0.044]
         [-0.22   0.276 -0.055]
         [ 0.044 -0.055  0.011]]
        >>> print(J[0::2, 1::2] + 0.0)    # feature 0 does not read feature 1
        [[0. 0. 0.]
         [0. 0. 0.]
         [0. 0. 0.]]
    """
    _, gamma, _, Xhat, sigma = _batch(X, gamma, beta, eps)
    N, n = Xhat.shape
    # inner[s, j, t] = δ_st − 1/N − X̂_sj X̂_tj / N, for feature j
    inner = np.eye(N)[:, None, :] - 1.0 / N - Xhat[:, :, None] * Xhat.T[None, :, :] / N
    scaled = (gamma / sigma)[None, :, None] * inner
    return (scaled[:, :, :, None] * np.eye(n)[None, :, None, :]).reshape(N * n, N * n)


@vjp_of(
    "X43",
    latex=(
        r"\frac{\partial L}{\partial X_{tj}} = \frac{\gamma_j}{\sigma_j}\big(G_{tj} - \operatorname{mean}_s G_{sj}"
        r" - \hat{X}_{tj} \operatorname{mean}_s (G_{sj} \hat{X}_{sj})\big)"
    ),
)
def vjp_batch_norm_X(G: ArrayLike, X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X43, backprop form: ∂L/∂X = (γ/σ) ⊗ (G − mean_s G − X̂ ⊗ mean_s(G ⊗ X̂)), column by column.

    The compact form of the batch-norm backward pass: two column means of the
    upstream gradient, no N·n by N·n matrix.

    Args:
        G: The upstream gradient ∂L/∂Y, shape `(N, n)`.
        X: The batch, shape `(N, n)`.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        ∂L/∂X, shape `(N, n)` (shaped like X).

    Examples:
        >>> from mcref.ext.normalization import vjp_batch_norm_X
        >>> X = [[1.0, 0.0], [3.0, 5.0], [2.0, 1.0]]
        >>> G = [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
        >>> dX = vjp_batch_norm_X(G, X, [1.0, 2.0], [0.0, 0.0], 0.0)
        >>> print(dX.round(4) + 0.0)
        [[ 0.2041  0.    ]
         [ 0.2041  0.    ]
         [-0.4082  0.    ]]
        >>> print(dX.sum(axis=0).round(12) + 0.0)    # every column of the gradient sums to 0
        [0. 0.]
    """
    _, gamma, _, Xhat, sigma = _batch(X, gamma, beta, eps)
    g = _cotangent("G", G, Xhat.shape, "batch_norm") * gamma
    return (g - g.mean(axis=0) - Xhat * (g * Xhat).mean(axis=0)) / sigma


@rule(
    "X44",
    title="Batch normalization, with respect to the scale γ",
    forward=batch_norm,
    wrt="gamma",
    latex=_DY_DGAMMA + r"\text{ at } (sn + j,\ k)",
    latex_denominator=_DY_DGAMMA + r"\text{ at } (k,\ sn + j)",
    shape=("N*n", "n"),
    args=_BN_ARGS,
    conditions=_BN_SETUP + r" Block row $s$ ($n \times n$) of the flattened Jacobian is "
    r"$\operatorname{diag}(\hat{X}_{s,:})$, the standardized sample $s$ on the diagonal.",
    keywords=("batch normalization", "BatchNorm", "batch norm gamma gradient", "scale parameter"),
)
def jac_batch_norm_gamma(X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X44: the Jacobian of batch normalization with respect to γ: N diagonal blocks diag(X̂_s) stacked, N·n by n.

    Args:
        X: The batch, shape `(N, n)`.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        The Jacobian, shape `(N*n, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.normalization import jac_batch_norm_gamma
        >>> X = [[1.0, 0.0], [3.0, 5.0]]
        >>> print(jac_batch_norm_gamma(X, [1.0, 2.0], [0.0, 0.0], 0.0) + 0.0)
        [[-1.  0.]
         [ 0. -1.]
         [ 1.  0.]
         [ 0.  1.]]
    """
    _, _, _, Xhat, _ = _batch(X, gamma, beta, eps)
    N, n = Xhat.shape
    return (Xhat[:, :, None] * np.eye(n)[None, :, :]).reshape(N * n, n)


@vjp_of("X44", latex=r"\frac{\partial L}{\partial \gamma_j} = \sum_s G_{sj} \hat{X}_{sj}")
def vjp_batch_norm_gamma(G: ArrayLike, X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X44, backprop form: ∂L/∂γ = the column sums of G ⊗ X̂.

    Args:
        G: The upstream gradient ∂L/∂Y, shape `(N, n)`.
        X: The batch, shape `(N, n)`.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        ∂L/∂γ, shape `(n,)`.

    Examples:
        >>> from mcref.ext.normalization import vjp_batch_norm_gamma
        >>> X, G = [[1.0, 0.0], [3.0, 5.0]], [[1.0, 1.0], [3.0, 0.0]]
        >>> print(vjp_batch_norm_gamma(G, X, [1.0, 2.0], [0.0, 0.0], 0.0))
        [ 2. -1.]
    """
    _, _, _, Xhat, _ = _batch(X, gamma, beta, eps)
    return (_cotangent("G", G, Xhat.shape, "batch_norm") * Xhat).sum(axis=0)


@rule(
    "X45",
    title="Batch normalization, with respect to the shift β",
    forward=batch_norm,
    wrt="beta",
    latex=(
        r"\frac{\partial Y_{sj}}{\partial \beta_k} = \delta_{jk}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \boldsymbol{\beta}} = \operatorname{kron}(\mathbf{1}_N, I_n)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \boldsymbol{\beta}} = "
        r"\operatorname{kron}(\mathbf{1}_N^T, I_n)"
    ),
    shape=("N*n", "n"),
    args=_BN_ARGS,
    conditions=_BN_SETUP + r" $\mathbf{1}_N$ is the column of $N$ ones.",
    keywords=("batch normalization", "BatchNorm", "batch norm beta gradient", "shift parameter"),
)
def jac_batch_norm_beta(X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X45: the Jacobian of batch normalization with respect to β: N identities stacked, N·n by n.

    Args:
        X: The batch, shape `(N, n)`.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        kron(1_N, I_n), shape `(N*n, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.normalization import jac_batch_norm_beta
        >>> X = [[1.0, 0.0], [3.0, 5.0]]
        >>> print(jac_batch_norm_beta(X, [1.0, 2.0], [0.0, 0.0], 1e-5))
        [[1. 0.]
         [0. 1.]
         [1. 0.]
         [0. 1.]]
    """
    _, _, _, Xhat, _ = _batch(X, gamma, beta, eps)
    N, n = Xhat.shape
    return np.tile(np.eye(n), (N, 1))


@vjp_of("X45", latex=r"\frac{\partial L}{\partial \boldsymbol{\beta}} = \mathbf{1}_N^T G = \sum_s G_{s,:}")
def vjp_batch_norm_beta(G: ArrayLike, X: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: ArrayLike) -> FloatArray:
    """X45, backprop form: ∂L/∂β = the column sums of G.

    Args:
        G: The upstream gradient ∂L/∂Y, shape `(N, n)`.
        X: The batch, shape `(N, n)`.
        gamma: The scale γ, length n.
        beta: The shift β, length n.
        eps: ε >= 0.

    Returns:
        ∂L/∂β, shape `(n,)`.

    Examples:
        >>> from mcref.ext.normalization import vjp_batch_norm_beta
        >>> X, G = [[1.0, 0.0], [3.0, 5.0]], [[1.0, 1.0], [3.0, 0.0]]
        >>> print(vjp_batch_norm_beta(G, X, [1.0, 2.0], [0.0, 0.0], 1e-5))
        [4. 1.]
    """
    _, _, _, Xhat, _ = _batch(X, gamma, beta, eps)
    return _cotangent("G", G, Xhat.shape, "batch_norm").sum(axis=0)
