"""Extension: a 1-D convolution layer as a matrix product (X49, X50).

Deep-learning libraries call this operation a convolution (PyTorch's
`conv1d`), but they compute a cross-correlation: the filter slides along the
input without being flipped. With an input x of length n, a filter w of length
k <= n, no padding and stride 1 ("valid"), the output has n − k + 1 entries:

    y_i = Σ_{j=1..k} w_j x_{i+j−1},   i = 1, ..., n − k + 1,

numpy's `np.correlate(x, w, mode="valid")`. y is linear in x and linear in w,
so each Jacobian is a matrix that does not depend on the variable:

* X49: y = T(w) x, with T(w) the banded Toeplitz matrix whose row i holds w in
  columns i, ..., i + k − 1: T(w)_it = w_(t−i+1).
* X50: y = H(x) w, with H(x)_ij = x_(i+j−1): row i is the window of x under
  the filter at position i. H(x) is constant along its anti-diagonals, a
  Hankel matrix.

The VJPs never form either matrix. For the upstream gradient g = ∂L/∂y,
∂L/∂x = T(w)ᵀg is the *full convolution* of g with w (`np.convolve(g, w)`,
length n) and ∂L/∂w = H(x)ᵀg is the *valid cross-correlation* of x with g
(`np.correlate(x, g, mode="valid")`, length k): the backward pass of a
convolution layer is two more convolutions.

**Lengths.** The registry's shapes are names joined by + and *, so the
checks write the input length as n = m + k: the output then has m + 1 entries.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, rule, vjp_of
from mcref.core.validate import FloatArray

__all__ = ["conv1d", "jac_conv1d_w", "jac_conv1d_x", "vjp_conv1d_w", "vjp_conv1d_x"]

_ARGS = {"x": Arg(("m+k",)), "w": Arg(("k",))}

_SETUP = (
    r"$\mathbf{x}$ has length $n$ and the filter $\mathbf{w}$ length $k \le n$; the output has $n - k + 1$ "
    r"entries (valid, stride 1, the filter not flipped: a cross-correlation, what deep-learning libraries call "
    r"a convolution). The result shape writes $n = m + k$, so the output has $m + 1$ entries. Indices start at 1."
)


def _signal_and_filter(x: ArrayLike, w: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = validate.vector("x", x)
    w = validate.vector("w", w)
    if w.shape[0] > x.shape[0]:
        raise ValueError(
            f"w must be no longer than x for a valid convolution: w has length {w.shape[0]}, x has length {x.shape[0]}"
        )
    return x, w


def _upstream(g: ArrayLike, x: FloatArray, w: FloatArray) -> FloatArray:
    out = x.shape[0] - w.shape[0] + 1
    return validate.cotangent(g, out, "conv1d", name="g")


def conv1d(x: ArrayLike, w: ArrayLike) -> FloatArray:
    """The valid 1-D convolution of deep learning (a cross-correlation): y_i = Σ_j w_j x_(i+j−1).

    Args:
        x: The input, a vector of length n.
        w: The filter, a vector of length k <= n.

    Returns:
        y, shape `(n - k + 1,)`.

    Raises:
        ValueError: If w is longer than x, or y overflows float64.
    """
    x, w = _signal_and_filter(x, w)
    with np.errstate(all="ignore"):
        return validate.finite_result("conv1d(x, w)", np.correlate(x, w, mode="valid"))


@rule(
    "X49",
    title="Convolution in 1-D, with respect to the input x",
    forward=conv1d,
    wrt="x",
    latex=(
        r"\frac{\partial \mathbf{y}}{\partial \mathbf{x}} = T(\mathbf{w}), \qquad "
        r"T(\mathbf{w})_{it} = \frac{\partial y_i}{\partial x_t} = w_{t - i + 1}"
    ),
    latex_denominator=(
        r"\frac{\partial \mathbf{y}}{\partial \mathbf{x}} = T(\mathbf{w})^T, \qquad T(\mathbf{w})_{it} = w_{t - i + 1}"
    ),
    shape=("m+1", "m+k"),
    args=_ARGS,
    conditions=_SETUP + r" $w_{t - i + 1}$ is 0 unless $1 \le t - i + 1 \le k$: row $i$ of $T(\mathbf{w})$ holds "
    r"$\mathbf{w}^T$ in columns $i$ to $i + k - 1$, a banded Toeplitz matrix (constant along each diagonal).",
    keywords=("convolution", "conv1d", "cross-correlation", "Toeplitz matrix", "convolution backward", "CNN"),
)
def jac_conv1d_x(x: ArrayLike, w: ArrayLike) -> FloatArray:
    """X49: the Jacobian of y = conv1d(x, w) with respect to x is the Toeplitz matrix T(w), (n − k + 1) by n.

    y_i = Σ_j w_j x_(i+j−1) reads x_t with coefficient w_(t−i+1) when that
    index lies in 1..k: row i is w placed at columns i..i+k−1, zeros elsewhere.

    Args:
        x: The input, length n.
        w: The filter, length k <= n.

    Returns:
        T(w), shape `(n - k + 1, n)`, numerator layout.

    Examples:
        >>> from mcref.ext.convolution import jac_conv1d_x
        >>> print(jac_conv1d_x([1.0, 2.0, 3.0, 4.0], [1.0, -1.0]))
        [[ 1. -1.  0.  0.]
         [ 0.  1. -1.  0.]
         [ 0.  0.  1. -1.]]
    """
    x, w = _signal_and_filter(x, w)
    n, k = x.shape[0], w.shape[0]
    lag = np.arange(n)[None, :] - np.arange(n - k + 1)[:, None]  # t − i, 0-based: the filter tap that meets x_t
    return np.where((lag >= 0) & (lag < k), w[np.clip(lag, 0, k - 1)], 0.0)


@vjp_of(
    "X49",
    latex=(
        r"\frac{\partial L}{\partial \mathbf{x}} = T(\mathbf{w})^T \mathbf{g} "
        r"= \operatorname{conv}_{\text{full}}(\mathbf{g}, \mathbf{w})"
    ),
)
def vjp_conv1d_x(g: ArrayLike, x: ArrayLike, w: ArrayLike) -> FloatArray:
    """X49, backprop form: ∂L/∂x = T(w)ᵀg, the full convolution of g with w (`np.convolve`), length n.

    Args:
        g: The upstream gradient ∂L/∂y, length n − k + 1.
        x: The input, length n.
        w: The filter, length k <= n.

    Returns:
        ∂L/∂x, shape `(n,)`.

    Examples:
        >>> from mcref.ext.convolution import vjp_conv1d_x
        >>> print(vjp_conv1d_x([1.0, 0.0, 2.0], [1.0, 2.0, 3.0, 4.0], [1.0, -1.0]))
        [ 1. -1.  2. -2.]
    """
    x, w = _signal_and_filter(x, w)
    return np.convolve(_upstream(g, x, w), w, mode="full")


@rule(
    "X50",
    title="Convolution in 1-D, with respect to the filter w",
    forward=conv1d,
    wrt="w",
    latex=(
        r"\frac{\partial \mathbf{y}}{\partial \mathbf{w}} = H(\mathbf{x}), \qquad "
        r"H(\mathbf{x})_{ij} = \frac{\partial y_i}{\partial w_j} = x_{i + j - 1}"
    ),
    latex_denominator=(
        r"\frac{\partial \mathbf{y}}{\partial \mathbf{w}} = H(\mathbf{x})^T, \qquad H(\mathbf{x})_{ij} = x_{i + j - 1}"
    ),
    shape=("m+1", "k"),
    args=_ARGS,
    conditions=_SETUP + r" Row $i$ of $H(\mathbf{x})$ is the window of $\mathbf{x}$ under the filter at position "
    r"$i$; $H(\mathbf{x})$ is constant along each anti-diagonal, a Hankel matrix.",
    keywords=("convolution", "conv1d", "cross-correlation", "filter gradient", "kernel gradient", "Hankel matrix"),
)
def jac_conv1d_w(x: ArrayLike, w: ArrayLike) -> FloatArray:
    """X50: the Jacobian of y = conv1d(x, w) with respect to w is H(x), the windows of x, (n − k + 1) by k.

    Args:
        x: The input, length n.
        w: The filter, length k <= n.

    Returns:
        H(x), shape `(n - k + 1, k)`, numerator layout.

    Examples:
        >>> from mcref.ext.convolution import jac_conv1d_w
        >>> print(jac_conv1d_w([1.0, 2.0, 3.0, 4.0], [1.0, -1.0]))
        [[1. 2.]
         [2. 3.]
         [3. 4.]]
    """
    x, w = _signal_and_filter(x, w)
    return sliding_window_view(x, w.shape[0]).copy()


@vjp_of(
    "X50",
    latex=(
        r"\frac{\partial L}{\partial \mathbf{w}} = H(\mathbf{x})^T \mathbf{g} "
        r"= \operatorname{corr}_{\text{valid}}(\mathbf{x}, \mathbf{g})"
    ),
)
def vjp_conv1d_w(g: ArrayLike, x: ArrayLike, w: ArrayLike) -> FloatArray:
    """X50, backprop form: ∂L/∂w = H(x)ᵀg, the valid cross-correlation of x with g (`np.correlate`), length k.

    Args:
        g: The upstream gradient ∂L/∂y, length n − k + 1.
        x: The input, length n.
        w: The filter, length k <= n.

    Returns:
        ∂L/∂w, shape `(k,)`.

    Examples:
        >>> from mcref.ext.convolution import vjp_conv1d_w
        >>> print(vjp_conv1d_w([1.0, 0.0, 2.0], [1.0, 2.0, 3.0, 4.0], [1.0, -1.0]))
        [ 7. 10.]
    """
    x, w = _signal_and_filter(x, w)
    return np.correlate(x, _upstream(g, x, w), mode="valid")
