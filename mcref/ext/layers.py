"""Extension: the affine layer, the batched layer and the matrix product (X1–X8).

Beyond the paper, which stops at one neuron: the derivatives that a dense layer
needs in backpropagation, each with its vector-Jacobian product (VJP), the form
that reverse-mode autodiff actually computes.

* X1–X3, one sample in the column convention: y = Wx + b with W of shape
  (m, n), x of length n and b of length m.
* X4–X6, a batch of N samples as the rows of X, the convention of numpy and
  PyTorch: Y = XW + b with X of shape (N, n), W of shape (n, m), b of length m
  added to every row, and Y of shape (N, m).
* X7, X8, the matrix product C = AB with A of shape (p, q) and B of shape (q, r).
* X53, X54, diag: a vector onto a diagonal matrix, and the diagonal of a square
  matrix as a vector (`np.diag` either way); both linear, with 0/1 Jacobians.

**Matrices as variables.** A Jacobian with respect to a matrix, or of a matrix,
is stored as a 2-D array by flattening the matrix row by row (numpy's
`reshape(-1)`, the order [`numerical_jacobian`][mcref.core.numerical.numerical_jacobian]
uses). Entry `W[j, k]` of an (m, n) matrix is position `j*n + k`. Such a
Jacobian is a Kronecker product, `np.kron`; the paper's ⊗ is the element-wise
product, so the docs write kron(·, ·) to avoid the clash.

**VJPs.** `vjp_*(v, **point)` takes v shaped like the forward output (for the
loss L, v = ∂L/∂output, the upstream gradient) and returns vᵀJ shaped like the
variable, without forming J: for a matrix W the result is the matrix ∂L/∂W.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, elementwise, linear, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = [
    "affine",
    "batched_affine",
    "diag_matrix",
    "diagonal",
    "jac_affine_W",
    "jac_affine_b",
    "jac_affine_x",
    "jac_batched_W",
    "jac_batched_X",
    "jac_batched_b",
    "jac_diag_matrix",
    "jac_diagonal",
    "jac_matmul_A",
    "jac_matmul_B",
    "matmul",
    "vjp_affine_W",
    "vjp_affine_b",
    "vjp_affine_x",
    "vjp_batched_W",
    "vjp_batched_X",
    "vjp_batched_b",
    "vjp_diag_matrix",
    "vjp_diagonal",
    "vjp_matmul_A",
    "vjp_matmul_B",
]

_AFFINE_ARGS = {"W": Arg(shape=("m", "n")), "x": Arg(shape=("n",)), "b": Arg(shape=("m",))}
_BATCHED_ARGS = {"X": Arg(shape=("N", "n")), "W": Arg(shape=("n", "m")), "b": Arg(shape=("m",))}
_MATMUL_ARGS = {"A": Arg(shape=("p", "q")), "B": Arg(shape=("q", "r"))}

_Y = r"\mathbf{y}"
_Xv = r"\mathbf{x}"
_Bv = r"\mathbf{b}"
_DELTA = r"\boldsymbol{\delta}"



def _kron(a: FloatArray, b: FloatArray) -> FloatArray:
    """np.kron(a, b), with the -0.0 of a negative entry times a zero of I turned into 0.0 for printing."""
    return np.asarray(np.kron(a, b) + 0.0, dtype=np.float64)


def _upstream(name: str, value: ArrayLike, shape: tuple[int, ...], of: str) -> FloatArray:
    """The upstream gradient of a VJP: a finite array shaped like the forward output."""
    arr = validate.vector(name, value) if len(shape) == 1 else validate.matrix(name, value)
    if arr.shape != shape:
        raise ValueError(f"{name} must be shaped like {of}, {shape}, got an array of shape {arr.shape}")
    return arr


# ----- X1, X2, X3: one affine layer, y = Wx + b -----


def _affine(W: ArrayLike, x: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate (W, x, b) of y = Wx + b: W is (m, n), x has length n, b has length m."""
    W = validate.matrix("W", W)
    x = validate.vector("x", x)
    b = validate.vector("b", b)
    m, n = W.shape
    if x.shape[0] != n:
        raise ValueError(f"x must have length n = {n}, the number of columns of W {W.shape}, got length {x.shape[0]}")
    if b.shape[0] != m:
        raise ValueError(f"b must have length m = {m}, the number of rows of W {W.shape}, got length {b.shape[0]}")
    return W, x, b


def affine(W: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """The affine layer y = Wx + b, one sample as a column.

    Args:
        W: The weights, shape `(m, n)`: one row per output.
        x: The input, a vector of length n.
        b: The bias, a vector of length m.

    Returns:
        y, shape `(m,)`.

    Raises:
        ValueError: If the shapes do not fit together, or y overflows float64.
    """
    W, x, b = _affine(W, x, b)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("Wx + b", W @ x + b)


_X1 = linear(
    "X1",
    title="Affine layer y = Wx + b, with respect to x",
    forward=affine,
    wrt="x",
    matrix=lambda W, x, b: W,
    latex=rf"\frac{{\partial (W{_Xv} + {_Bv})}}{{\partial {_Xv}}} = W",
    latex_denominator=rf"\frac{{\partial (W{_Xv} + {_Bv})}}{{\partial {_Xv}}} = W^T",
    shape=("m", "n"),
    args=_AFFINE_ARGS,
    conditions=r"$W$ is $m \times n$, $\mathbf{x}$ has length $n$, $\mathbf{b}$ has length $m$.",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_Xv}}} = W^T {_DELTA}",
    keywords=("linear layer", "dense layer", "fully connected layer", "input gradient"),
)


@_X1.jacobian
def jac_affine_x(W: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """X1: the Jacobian of y = Wx + b with respect to x is W.

    y_i = Σ_k W_ik x_k + b_i, so ∂y_i/∂x_j = W_ij: the Jacobian is W itself,
    m by n, whatever x and b are.

    Args:
        W: The weights, shape `(m, n)`.
        x: The input, length n.
        b: The bias, length m.

    Returns:
        A copy of W, shape `(m, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_affine_x
        >>> W, x, b = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 2.0, -1.0], [0.5, 0.5]
        >>> print(jac_affine_x(W, x, b))
        [[1. 2. 3.]
         [4. 5. 6.]]
    """


@_X1.vjp
def vjp_affine_x(delta: ArrayLike, W: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """X1, backprop form: ∂L/∂x = Wᵀδ, for the upstream gradient δ = ∂L/∂y.

    Args:
        delta: The upstream gradient ∂L/∂y, length m.
        W: The weights, shape `(m, n)`.
        x: The input, length n.
        b: The bias, length m.

    Returns:
        Wᵀδ, length n (shaped like x).

    Examples:
        >>> from mcref.ext.layers import vjp_affine_x
        >>> W, x, b = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 2.0, -1.0], [0.5, 0.5]
        >>> delta = [1.0, -1.0]    # dL/dy
        >>> print(vjp_affine_x(delta, W, x, b))
        [-3. -3. -3.]
    """


_X2 = elementwise(
    "X2",
    title="Affine layer y = Wx + b, with respect to b",
    forward=affine,
    wrt="b",
    derivative=lambda W, x, b: 1.0,
    latex=rf"\frac{{\partial (W{_Xv} + {_Bv})}}{{\partial {_Bv}}} = I_m",
    args=_AFFINE_ARGS,
    conditions=r"$W$ is $m \times n$, $\mathbf{x}$ has length $n$, $\mathbf{b}$ has length $m$.",
    vjp_latex=rf"\frac{{\partial L}}{{\partial {_Bv}}} = {_DELTA}",
    keywords=("linear layer", "dense layer", "fully connected layer", "bias gradient", "gradient of the bias"),
)


@_X2.jacobian
def jac_affine_b(W: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """X2: the Jacobian of y = Wx + b with respect to b is the m by m identity.

    y_i = Σ_k W_ik x_k + b_i reads b_i once, with coefficient 1, and no other b_j.

    Args:
        W: The weights, shape `(m, n)`.
        x: The input, length n.
        b: The bias, length m.

    Returns:
        The identity, shape `(m, m)`.

    Examples:
        >>> from mcref.ext.layers import jac_affine_b
        >>> W, x, b = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 2.0, -1.0], [0.5, 0.5]
        >>> print(jac_affine_b(W, x, b))
        [[1. 0.]
         [0. 1.]]
    """


@_X2.vjp
def vjp_affine_b(delta: ArrayLike, W: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """X2, backprop form: ∂L/∂b = δ, the upstream gradient passed through unchanged.

    Args:
        delta: The upstream gradient ∂L/∂y, length m.
        W: The weights, shape `(m, n)`.
        x: The input, length n.
        b: The bias, length m.

    Returns:
        δ, length m (shaped like b).

    Examples:
        >>> from mcref.ext.layers import vjp_affine_b
        >>> W, x, b = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 2.0, -1.0], [0.5, 0.5]
        >>> delta = [1.0, -1.0]    # dL/dy
        >>> print(vjp_affine_b(delta, W, x, b))
        [ 1. -1.]
    """


@rule(
    "X3",
    title="Affine layer y = Wx + b, with respect to W",
    forward=affine,
    wrt="W",
    latex=(
        r"\frac{\partial y_i}{\partial W_{jk}} = \delta_{ij}\, x_k, \qquad "
        rf"\frac{{\partial {_Y}}}{{\partial \operatorname{{vec}}_r(W)}} = \operatorname{{kron}}(I_m, {_Xv}^T)"
    ),
    latex_denominator=(
        rf"\frac{{\partial {_Y}}}{{\partial \operatorname{{vec}}_r(W)}} = \operatorname{{kron}}(I_m, {_Xv})"
    ),
    shape=("m", "m*n"),
    args=_AFFINE_ARGS,
    conditions=(
        r"$\delta_{ij}$ is the Kronecker delta (1 if $i = j$, else 0). The full Jacobian has three "
        r"indices, one for $\mathbf{y}$ and two for $W$; it is stored with $W$ flattened row by row, "
        r"$\operatorname{vec}_r(W)$, so column $j n + k$ holds $\partial \mathbf{y} / \partial W_{jk}$."
    ),
    keywords=("linear layer", "dense layer", "fully connected layer", "weight gradient", "outer product"),
)
def jac_affine_W(W: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """X3: the Jacobian of y = Wx + b with respect to W, flattened to m by m·n.

    y_i = Σ_k W_ik x_k + b_i reads only row i of W, so ∂y_i/∂W_jk = δ_ij x_k:
    a 3-index object of shape (m, m, n) that is zero unless j = i. Flattening W
    row by row (column j·n + k is W_jk) turns it into kron(I_m, xᵀ): block
    row i holds xᵀ in block column i and zeros elsewhere.

    Args:
        W: The weights, shape `(m, n)`.
        x: The input, length n.
        b: The bias, length m.

    Returns:
        kron(I_m, xᵀ), shape `(m, m*n)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_affine_W
        >>> W, x, b = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 2.0, -1.0], [0.5, 0.5]
        >>> print(jac_affine_W(W, x, b))
        [[ 1.  2. -1.  0.  0.  0.]
         [ 0.  0.  0.  1.  2. -1.]]
    """
    W, x, _ = _affine(W, x, b)
    return _kron(np.eye(W.shape[0]), x[None, :])


@vjp_of("X3", latex=rf"\frac{{\partial L}}{{\partial W}} = {_DELTA}\, {_Xv}^T")
def vjp_affine_W(delta: ArrayLike, W: ArrayLike, x: ArrayLike, b: ArrayLike) -> FloatArray:
    """X3, backprop form: ∂L/∂W = δxᵀ, an outer product shaped like W.

    Contracting δ_i with ∂y_i/∂W_jk = δ_ij x_k leaves δ_j x_k; the 3-index
    Jacobian is never formed.

    Args:
        delta: The upstream gradient ∂L/∂y, length m.
        W: The weights, shape `(m, n)`.
        x: The input, length n.
        b: The bias, length m.

    Returns:
        δxᵀ, shape `(m, n)` (shaped like W).

    Examples:
        >>> from mcref.ext.layers import vjp_affine_W
        >>> W, x, b = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [1.0, 2.0, -1.0], [0.5, 0.5]
        >>> delta = [1.0, -1.0]    # dL/dy
        >>> print(vjp_affine_W(delta, W, x, b))
        [[ 1.  2. -1.]
         [-1. -2.  1.]]
    """
    W, x, b = _affine(W, x, b)
    d = _upstream("delta", delta, b.shape, "y = Wx + b")
    return np.outer(d, x)


# ----- X4, X5, X6: a batch of samples as rows, Y = XW + b -----


def _batched(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate (X, W, b) of Y = XW + b: X is (N, n), W is (n, m), b has length m."""
    X = validate.matrix("X", X)
    W = validate.matrix("W", W)
    b = validate.vector("b", b)
    n, m = W.shape
    if X.shape[1] != n:
        raise ValueError(
            f"X must have n = {n} columns, the number of rows of W {W.shape} (one column per input feature), "
            f"got shape {X.shape}"
        )
    if b.shape[0] != m:
        raise ValueError(f"b must have length m = {m}, the number of columns of W {W.shape}, got length {b.shape[0]}")
    return X, W, b


def batched_affine(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    """The batched layer Y = XW + b: N samples as the rows of X, b added to every row.

    Args:
        X: The inputs, shape `(N, n)`: one sample per row.
        W: The weights, shape `(n, m)`: one column per output.
        b: The bias, length m.

    Returns:
        Y, shape `(N, m)`.

    Raises:
        ValueError: If the shapes do not fit together, or Y overflows float64.
    """
    X, W, b = _batched(X, W, b)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("XW + b", X @ W + b)


def _grad_Y(G: ArrayLike, X: FloatArray, W: FloatArray) -> FloatArray:
    return _upstream("G", G, (X.shape[0], W.shape[1]), "Y = XW + b")


_BATCH_CONDITIONS = (
    r"$X$ is $N \times n$ (one sample per row), $W$ is $n \times m$, $\mathbf{b}$ has length $m$ and is "
    r"added to every row. $Y$ and the matrix variable are flattened row by row, $\operatorname{vec}_r$."
)


@rule(
    "X4",
    title="Batched layer Y = XW + b, with respect to X",
    forward=batched_affine,
    wrt="X",
    latex=(
        r"\frac{\partial Y_{sj}}{\partial X_{tk}} = \delta_{st} W_{kj}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \operatorname{vec}_r(X)} = \operatorname{kron}(I_N, W^T)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \operatorname{vec}_r(X)} = \operatorname{kron}(I_N, W)"
    ),
    shape=("N*m", "N*n"),
    args=_BATCHED_ARGS,
    conditions=_BATCH_CONDITIONS,
    keywords=("mini-batch", "batched linear layer", "dense layer", "input gradient"),
)
def jac_batched_X(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    """X4: the Jacobian of Y = XW + b with respect to X, flattened to N·m by N·n.

    Y_sj = Σ_k X_sk W_kj + b_j reads only row s of X, so
    ∂Y_sj/∂X_tk = δ_st W_kj: sample s's output depends on sample s's input
    alone, and the flattened Jacobian is block diagonal, kron(I_N, Wᵀ).

    Args:
        X: The inputs, shape `(N, n)`.
        W: The weights, shape `(n, m)`.
        b: The bias, length m.

    Returns:
        kron(I_N, Wᵀ), shape `(N*m, N*n)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_batched_X
        >>> X, W, b = [[1.0, 2.0], [3.0, 4.0]], [[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0]
        >>> print(jac_batched_X(X, W, b))
        [[ 1.   2.   0.   0. ]
         [-1.   0.5  0.   0. ]
         [ 0.   0.   1.   2. ]
         [ 0.   0.  -1.   0.5]]
    """
    X, W, _ = _batched(X, W, b)
    return _kron(np.eye(X.shape[0]), W.T)


@vjp_of("X4", latex=r"\frac{\partial L}{\partial X} = G W^T")
def vjp_batched_X(G: ArrayLike, X: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    """X4, backprop form: ∂L/∂X = G Wᵀ, for the upstream gradient G = ∂L/∂Y.

    Args:
        G: The upstream gradient ∂L/∂Y, shape `(N, m)`.
        X: The inputs, shape `(N, n)`.
        W: The weights, shape `(n, m)`.
        b: The bias, length m.

    Returns:
        G Wᵀ, shape `(N, n)` (shaped like X).

    Examples:
        >>> from mcref.ext.layers import vjp_batched_X
        >>> X, W, b = [[1.0, 2.0], [3.0, 4.0]], [[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0]
        >>> G = [[1.0, 0.0], [0.0, 1.0]]    # dL/dY
        >>> print(vjp_batched_X(G, X, W, b))
        [[ 1.   2. ]
         [-1.   0.5]]
    """
    X, W, b = _batched(X, W, b)
    g = _grad_Y(G, X, W)
    return g @ W.T


@rule(
    "X5",
    title="Batched layer Y = XW + b, with respect to W",
    forward=batched_affine,
    wrt="W",
    latex=(
        r"\frac{\partial Y_{sj}}{\partial W_{kl}} = X_{sk}\, \delta_{jl}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \operatorname{vec}_r(W)} = \operatorname{kron}(X, I_m)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \operatorname{vec}_r(W)} = \operatorname{kron}(X^T, I_m)"
    ),
    shape=("N*m", "n*m"),
    args=_BATCHED_ARGS,
    conditions=_BATCH_CONDITIONS,
    keywords=("mini-batch", "batched linear layer", "dense layer", "weight gradient"),
)
def jac_batched_W(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    """X5: the Jacobian of Y = XW + b with respect to W, flattened to N·m by n·m.

    Y_sj = Σ_k X_sk W_kj + b_j reads only column j of W, with coefficients
    from row s of X, so ∂Y_sj/∂W_kl = X_sk δ_jl, which flattens to kron(X, I_m).

    Args:
        X: The inputs, shape `(N, n)`.
        W: The weights, shape `(n, m)`.
        b: The bias, length m.

    Returns:
        kron(X, I_m), shape `(N*m, n*m)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_batched_W
        >>> X, W, b = [[1.0, 2.0], [3.0, 4.0]], [[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0]
        >>> print(jac_batched_W(X, W, b))
        [[1. 0. 2. 0.]
         [0. 1. 0. 2.]
         [3. 0. 4. 0.]
         [0. 3. 0. 4.]]
    """
    X, W, _ = _batched(X, W, b)
    return _kron(X, np.eye(W.shape[1]))


@vjp_of("X5", latex=r"\frac{\partial L}{\partial W} = X^T G")
def vjp_batched_W(G: ArrayLike, X: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    """X5, backprop form: ∂L/∂W = XᵀG, the sum over samples of x_s g_sᵀ.

    Args:
        G: The upstream gradient ∂L/∂Y, shape `(N, m)`.
        X: The inputs, shape `(N, n)`.
        W: The weights, shape `(n, m)`.
        b: The bias, length m.

    Returns:
        XᵀG, shape `(n, m)` (shaped like W).

    Examples:
        >>> from mcref.ext.layers import vjp_batched_W
        >>> X, W, b = [[1.0, 2.0], [3.0, 4.0]], [[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0]
        >>> G = [[1.0, 0.0], [0.0, 1.0]]    # dL/dY
        >>> print(vjp_batched_W(G, X, W, b))
        [[1. 3.]
         [2. 4.]]
    """
    X, W, b = _batched(X, W, b)
    g = _grad_Y(G, X, W)
    return X.T @ g


@rule(
    "X6",
    title="Batched layer Y = XW + b, with respect to b",
    forward=batched_affine,
    wrt="b",
    latex=(
        r"\frac{\partial Y_{sj}}{\partial b_l} = \delta_{jl}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \mathbf{b}} = \operatorname{kron}(\mathbf{1}_N, I_m)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(Y)}{\partial \mathbf{b}} = \operatorname{kron}(\mathbf{1}_N^T, I_m)"
    ),
    shape=("N*m", "m"),
    args=_BATCHED_ARGS,
    conditions=_BATCH_CONDITIONS + r" $\mathbf{1}_N$ is the column of $N$ ones.",
    keywords=("mini-batch", "batched linear layer", "batch bias gradient", "sum over the batch"),
)
def jac_batched_b(X: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    """X6: the Jacobian of Y = XW + b with respect to b: N identities stacked, N·m by m.

    The bias is broadcast: b_j is added to column j of every row, so
    ∂Y_sj/∂b_l = δ_jl for every sample s, and the flattened Jacobian stacks N
    copies of I_m, kron(1_N, I_m).

    Args:
        X: The inputs, shape `(N, n)`.
        W: The weights, shape `(n, m)`.
        b: The bias, length m.

    Returns:
        kron(1_N, I_m), shape `(N*m, m)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_batched_b
        >>> X, W, b = [[1.0, 2.0], [3.0, 4.0]], [[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0]
        >>> print(jac_batched_b(X, W, b))
        [[1. 0.]
         [0. 1.]
         [1. 0.]
         [0. 1.]]
    """
    X, W, _ = _batched(X, W, b)
    return np.tile(np.eye(W.shape[1]), (X.shape[0], 1))


@vjp_of("X6", latex=r"\frac{\partial L}{\partial \mathbf{b}} = \mathbf{1}_N^T G = \sum_s G_{s,:}")
def vjp_batched_b(G: ArrayLike, X: ArrayLike, W: ArrayLike, b: ArrayLike) -> FloatArray:
    """X6, backprop form: ∂L/∂b = 1ᵀG, the column sums of G.

    A broadcast forward is a sum backward: b reaches every row, so its
    gradient adds up the contributions of every sample.

    Args:
        G: The upstream gradient ∂L/∂Y, shape `(N, m)`.
        X: The inputs, shape `(N, n)`.
        W: The weights, shape `(n, m)`.
        b: The bias, length m.

    Returns:
        The column sums of G, length m (shaped like b).

    Examples:
        >>> from mcref.ext.layers import vjp_batched_b
        >>> X, W, b = [[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]], [[1.0, -1.0], [2.0, 0.5]], [0.0, 1.0]
        >>> G = [[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]    # dL/dY, one row per sample
        >>> print(vjp_batched_b(G, X, W, b))
        [3. 3.]
    """
    X, W, b = _batched(X, W, b)
    g = _grad_Y(G, X, W)
    return g.sum(axis=0)


# ----- X7, X8: the matrix product C = AB -----


def _matmul(A: ArrayLike, B: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate (A, B) of C = AB: A is (p, q), B is (q, r)."""
    A = validate.matrix("A", A)
    B = validate.matrix("B", B)
    if A.shape[1] != B.shape[0]:
        raise ValueError(
            f"A and B must fit for the product AB: A has {A.shape[1]} columns and B has {B.shape[0]} rows "
            f"(A has shape {A.shape}, B has shape {B.shape})"
        )
    return A, B


def matmul(A: ArrayLike, B: ArrayLike) -> FloatArray:
    """The matrix product C = AB.

    Args:
        A: Shape `(p, q)`.
        B: Shape `(q, r)`.

    Returns:
        C, shape `(p, r)`.

    Raises:
        ValueError: If A's columns and B's rows differ in number, or C overflows float64.
    """
    A, B = _matmul(A, B)
    with np.errstate(over="ignore", invalid="ignore"):
        return validate.finite_result("AB", A @ B)


_MATMUL_CONDITIONS = (
    r"$A$ is $p \times q$ and $B$ is $q \times r$. $C$ and the matrix variable are flattened row by row, "
    r"$\operatorname{vec}_r$."
)


@rule(
    "X7",
    title="Matrix product C = AB, with respect to A",
    forward=matmul,
    wrt="A",
    latex=(
        r"\frac{\partial C_{ik}}{\partial A_{ab}} = \delta_{ia} B_{bk}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(C)}{\partial \operatorname{vec}_r(A)} = \operatorname{kron}(I_p, B^T)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(C)}{\partial \operatorname{vec}_r(A)} = \operatorname{kron}(I_p, B)"
    ),
    shape=("p*r", "p*q"),
    args=_MATMUL_ARGS,
    conditions=_MATMUL_CONDITIONS,
    keywords=("matrix multiplication", "matmul", "matrix product backward"),
)
def jac_matmul_A(A: ArrayLike, B: ArrayLike) -> FloatArray:
    """X7: the Jacobian of C = AB with respect to A, flattened to p·r by p·q.

    C_ik = Σ_b A_ib B_bk reads only row i of A, so ∂C_ik/∂A_ab = δ_ia B_bk,
    which flattens to kron(I_p, Bᵀ). X4 is this rule with A = X and B = W.

    Args:
        A: Shape `(p, q)`.
        B: Shape `(q, r)`.

    Returns:
        kron(I_p, Bᵀ), shape `(p*r, p*q)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_matmul_A
        >>> A, B = [[1.0, 2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        >>> print(jac_matmul_A(A, B))
        [[1. 4.]
         [2. 5.]
         [3. 6.]]
    """
    A, B = _matmul(A, B)
    return _kron(np.eye(A.shape[0]), B.T)


@vjp_of("X7", latex=r"\frac{\partial L}{\partial A} = G B^T")
def vjp_matmul_A(G: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """X7, backprop form: ∂L/∂A = G Bᵀ, for the upstream gradient G = ∂L/∂C.

    Args:
        G: The upstream gradient ∂L/∂C, shape `(p, r)`.
        A: Shape `(p, q)`.
        B: Shape `(q, r)`.

    Returns:
        G Bᵀ, shape `(p, q)` (shaped like A).

    Examples:
        >>> from mcref.ext.layers import vjp_matmul_A
        >>> A, B = [[1.0, 2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        >>> G = [[1.0, 0.0, -1.0]]    # dL/dC
        >>> print(vjp_matmul_A(G, A, B))
        [[-2. -2.]]
    """
    A, B = _matmul(A, B)
    g = _upstream("G", G, (A.shape[0], B.shape[1]), "C = AB")
    return g @ B.T


@rule(
    "X8",
    title="Matrix product C = AB, with respect to B",
    forward=matmul,
    wrt="B",
    latex=(
        r"\frac{\partial C_{ik}}{\partial B_{ab}} = A_{ia}\, \delta_{kb}, \qquad "
        r"\frac{\partial \operatorname{vec}_r(C)}{\partial \operatorname{vec}_r(B)} = \operatorname{kron}(A, I_r)"
    ),
    latex_denominator=(
        r"\frac{\partial \operatorname{vec}_r(C)}{\partial \operatorname{vec}_r(B)} = \operatorname{kron}(A^T, I_r)"
    ),
    shape=("p*r", "q*r"),
    args=_MATMUL_ARGS,
    conditions=_MATMUL_CONDITIONS,
    keywords=("matrix multiplication", "matmul", "matrix product backward"),
)
def jac_matmul_B(A: ArrayLike, B: ArrayLike) -> FloatArray:
    """X8: the Jacobian of C = AB with respect to B, flattened to p·r by q·r.

    C_ik = Σ_a A_ia B_ak reads only column k of B, so ∂C_ik/∂B_ab = A_ia δ_kb,
    which flattens to kron(A, I_r). X5 is this rule with A = X and B = W.

    Args:
        A: Shape `(p, q)`.
        B: Shape `(q, r)`.

    Returns:
        kron(A, I_r), shape `(p*r, q*r)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_matmul_B
        >>> A, B = [[1.0, 2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        >>> print(jac_matmul_B(A, B))
        [[1. 0. 0. 2. 0. 0.]
         [0. 1. 0. 0. 2. 0.]
         [0. 0. 1. 0. 0. 2.]]
    """
    A, B = _matmul(A, B)
    return _kron(A, np.eye(B.shape[1]))


@vjp_of("X8", latex=r"\frac{\partial L}{\partial B} = A^T G")
def vjp_matmul_B(G: ArrayLike, A: ArrayLike, B: ArrayLike) -> FloatArray:
    """X8, backprop form: ∂L/∂B = AᵀG, for the upstream gradient G = ∂L/∂C.

    Args:
        G: The upstream gradient ∂L/∂C, shape `(p, r)`.
        A: Shape `(p, q)`.
        B: Shape `(q, r)`.

    Returns:
        AᵀG, shape `(q, r)` (shaped like B).

    Examples:
        >>> from mcref.ext.layers import vjp_matmul_B
        >>> A, B = [[1.0, 2.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        >>> G = [[1.0, 0.0, -1.0]]    # dL/dC
        >>> print(vjp_matmul_B(G, A, B))
        [[ 1.  0. -1.]
         [ 2.  0. -2.]]
    """
    A, B = _matmul(A, B)
    g = _upstream("G", G, (A.shape[0], B.shape[1]), "C = AB")
    return A.T @ g


# ----- X53, X54: diag, from a vector to a diagonal matrix and back -----
#
# Both maps are linear and only move entries: each Jacobian is a 0/1 selection matrix, and the
# derivative engine (mcref.derive) cites them for np.diag.


def diag_matrix(x: ArrayLike) -> FloatArray:
    """diag(x): the n by n matrix with x on its diagonal and 0 elsewhere (`np.diag` of a vector).

    Args:
        x: A vector of length n.

    Returns:
        diag(x), shape `(n, n)`.
    """
    return np.diag(validate.vector("x", x))


def diagonal(X: ArrayLike) -> FloatArray:
    """diag(X): the diagonal of a square matrix as a vector (`np.diag` of a matrix).

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        (X_11, ..., X_nn), shape `(n,)`.

    Raises:
        ValueError: If X is not square.
    """
    X = validate.matrix("X", X)
    if X.shape[0] != X.shape[1]:
        raise ValueError(f"X must be square, (n, n), got shape {X.shape}")
    return np.diagonal(X).copy()


def _selection(n: int) -> FloatArray:
    """The (n·n, n) matrix E with E[i·n + i, i] = 1: row-major vec(diag(x)) = E x."""
    E = np.zeros((n * n, n))
    E[np.arange(n) * (n + 1), np.arange(n)] = 1.0
    return E


@rule(
    "X53",
    title="Jacobian of diag(x), a vector onto a diagonal matrix",
    forward=diag_matrix,
    wrt="x",
    latex=(
        r"\frac{\partial \operatorname{diag}(\mathbf{x})_{ij}}{\partial x_k} = \delta_{ij}\,\delta_{ik}, \qquad "
        r"d \operatorname{diag}(\mathbf{x}) = \operatorname{diag}(d\mathbf{x})"
    ),
    shape=("n*n", "n"),
    args={"x": Arg(shape=("n",))},
    conditions=(
        r"diag is linear, so its Jacobian is the constant 0/1 matrix that puts $x_k$ at entry $(k, k)$; the "
        r"output is flattened row by row, $\operatorname{vec}_r$, an $n^2 \times n$ matrix."
    ),
    keywords=("diag", "diagonal matrix", "np.diag", "diag derivative"),
)
def jac_diag_matrix(x: ArrayLike) -> FloatArray:
    """X53: the Jacobian of diag(x), flattened row by row, is the (n², n) selection matrix.

    Args:
        x: A vector of length n.

    Returns:
        E with E[i·n + i, i] = 1 and 0 elsewhere, shape `(n*n, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_diag_matrix
        >>> print(jac_diag_matrix([5.0, 7.0]))
        [[1. 0.]
         [0. 0.]
         [0. 0.]
         [0. 1.]]
    """
    return _selection(validate.vector("x", x).shape[0])


@vjp_of("X53", latex=r"\frac{\partial L}{\partial \mathbf{x}} = \operatorname{diag}(G)")
def vjp_diag_matrix(G: ArrayLike, x: ArrayLike) -> FloatArray:
    """X53 backprop: ∂L/∂x = diag(G), the diagonal of the upstream gradient G = ∂L/∂diag(x).

    Args:
        G: The upstream gradient, shape `(n, n)`.
        x: A vector of length n.

    Returns:
        The diagonal of G, shape `(n,)`.

    Examples:
        >>> from mcref.ext.layers import vjp_diag_matrix
        >>> print(vjp_diag_matrix([[1.0, 2.0], [3.0, 4.0]], [5.0, 7.0]))
        [1. 4.]
    """
    n = validate.vector("x", x).shape[0]
    return np.diagonal(_upstream("G", G, (n, n), "diag(x)")).copy()


@rule(
    "X54",
    title="Jacobian of diag(X), the diagonal of a square matrix",
    forward=diagonal,
    wrt="X",
    latex=(
        r"\frac{\partial \operatorname{diag}(X)_k}{\partial X_{ij}} = \delta_{ki}\,\delta_{kj}, \qquad "
        r"d \operatorname{diag}(X) = \operatorname{diag}(dX)"
    ),
    shape=("n", "n*n"),
    args={"X": Arg(shape=("n", "n"))},
    conditions=(
        r"$X$ is $n \times n$ and is flattened row by row, $\operatorname{vec}_r$. diag is linear, so the "
        r"Jacobian is constant: the transpose of [X53](#X53)'s, $n \times n^2$."
    ),
    keywords=("diagonal of a matrix", "np.diagonal", "diag of a matrix derivative"),
)
def jac_diagonal(X: ArrayLike) -> FloatArray:
    """X54: the Jacobian of the diagonal of X (flattened row by row) is the (n, n²) selection matrix.

    Args:
        X: A square matrix, shape `(n, n)`.

    Returns:
        Eᵀ with Eᵀ[i, i·n + i] = 1 and 0 elsewhere, shape `(n, n*n)`, numerator layout.

    Examples:
        >>> from mcref.ext.layers import jac_diagonal
        >>> print(jac_diagonal([[1.0, 2.0], [3.0, 4.0]]))
        [[1. 0. 0. 0.]
         [0. 0. 0. 1.]]
    """
    return _selection(diagonal(X).shape[0]).T


@vjp_of("X54", latex=r"\frac{\partial L}{\partial X} = \operatorname{diag}(\mathbf{g})")
def vjp_diagonal(g: ArrayLike, X: ArrayLike) -> FloatArray:
    """X54 backprop: ∂L/∂X = diag(g), the upstream gradient g = ∂L/∂diag(X) put on a diagonal.

    Args:
        g: The upstream gradient, a vector of length n.
        X: A square matrix, shape `(n, n)`.

    Returns:
        diag(g), shape `(n, n)` (shaped like X).

    Examples:
        >>> from mcref.ext.layers import vjp_diagonal
        >>> print(vjp_diagonal([1.0, -2.0], [[1.0, 2.0], [3.0, 4.0]]))
        [[ 1.  0.]
         [ 0. -2.]]
    """
    n = diagonal(X).shape[0]
    return np.diag(_upstream("g", g, (n,), "diag(X)"))
