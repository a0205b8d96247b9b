"""Extension: a two-layer network whose gradients are assembled from the registered rules (X24–X27).

A batch of N samples, one per row of X (N by n), goes through one hidden ReLU
layer of h units and a linear output layer of m units:

    Z1 = X W1 + b1        (N, h)   W1 is (n, h), b1 has length h, added to every row
    H  = max(0, Z1)       (N, h)   element-wise
    Ŷ  = H W2 + b2        (N, m)   W2 is (h, m), b2 has length m
    L  = (1/(N·m)) Σ_s Σ_j (Ŷ_sj − Y_sj)²

The loss is the mean squared error over all N·m entries. Since every sample
has m entries, this is also the mean over the samples of X22's per-sample loss
(1/m) Σ_j (ŷ_sj − y_sj)², and it is X22 applied to the flattened batch
vec_r(Ŷ), a vector of length N·m. The code uses the last form.

**Backward pass.** [`gradients`][mcref.ext.network.gradients] computes no formula
of its own for the MSE loss. It calls the registered VJPs, from the loss back
to the first layer:

1. X22, `regression.vjp_mse` on the flattened batch: G = ∂L/∂Ŷ = (2/(N·m))(Ŷ − Y);
2. X5 and X6, `layers.vjp_batched_W` and `vjp_batched_b`: ∂L/∂W2 = HᵀG, ∂L/∂b2 = 1ᵀG;
3. X4, `layers.vjp_batched_X`: ∂L/∂H = G W2ᵀ;
4. N6, `neuron.vjp_relu` on the flattened batch: Δ1 = ∂L/∂Z1 = (G W2ᵀ) ⊗ 1[Z1 > 0];
5. X5 and X6 again: ∂L/∂W1 = XᵀΔ1, ∂L/∂b1 = 1ᵀΔ1.

X22 and N6 are stated for one vector. Applying them to the flattened batch is
exact, not an approximation: the MSE over all entries is X22 at length N·m, and
the ReLU acts entry by entry, so its Jacobian on vec_r(Z1) is N6's
diag(1[vec_r(Z1) > 0]) at length N·h. Each VJP is one call on the whole batch:
there is no Python loop over samples.

**Rules.** X24–X27 register the four gradients, each as a `(1, k)` row in
numerator layout (the matrix gradients flattened row by row), with the whole
loss `network_loss(X, W1, b1, W2, b2, Y)` as the forward function. The generic
tests therefore check the assembled backward pass against central differences
of the loss. Each rule's VJP is the upstream scalar v times the gradient,
shaped like the parameter.

**Cross-entropy variant.** With `loss="cross_entropy"` the rows of Ŷ are
logits and the loss is the mean over the samples of X20's cross-entropy,
L = −(1/N) Σ_s Σ_j Y_sj log softmax(ŷ_s)_j, each row of Y a target
distribution. Only the first backward step changes: G = (1/N)(S − Y) for
targets that sum to 1 (S the row-wise softmax), in general X20's
(Σ_j Y_sj) s_s − y_s for every row, divided by N. X20's VJP takes one sample;
softmax does not act entry by entry, so the flattening trick does not apply,
and `gradients` evaluates X20's formula on every row at once. The variant is
not registered as rules; `tests/test_network.py` checks it against X20's VJP
row by row and against central differences of the whole loss.

**Convention at the kink.** A hidden unit with Z1_sk = 0 exactly counts as
inactive, as in N6: it passes no gradient. Random points of the checks keep
every entry of Z1 at least `MARGIN` = 0.05 away from 0, and the loss at most
`MAX_LOSS` = 50, where central differences are accurate enough for the
generic tolerances.

`__all__` lists the registered rule functions (the forward function, the four
closed forms and their VJPs), which the generic rule and bad-input tests walk,
and the two result types. [`forward_pass`][mcref.ext.network.forward_pass] and
[`gradients`][mcref.ext.network.gradients] are public too; `tests/test_network.py`
checks their input.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, rule, vjp_of
from mcref.core.validate import FloatArray
from mcref.ext import layers, regression
from mcref.paper import neuron

__all__ = [
    "Forward",
    "Gradients",
    "forward_pass",
    "grad_network_W1",
    "grad_network_W2",
    "grad_network_b1",
    "grad_network_b2",
    "gradients",
    "network_loss",
    "vjp_network_W1",
    "vjp_network_W2",
    "vjp_network_b1",
    "vjp_network_b2",
]

MARGIN = 0.05
"""Random points of the numerical checks keep every entry of Z1 = X W1 + b1 at least this far from 0."""

MAX_LOSS = 50.0
"""Random points of the numerical checks have a loss of at most this (see the rules' conditions)."""

LOSSES = ("mse", "cross_entropy")
"""The values of the `loss` keyword: X22's mean squared error (the registered rules) or X20's cross-entropy."""


class Forward(NamedTuple):
    """The intermediates of the forward pass, returned by [`forward_pass`][mcref.ext.network.forward_pass].

    Attributes:
        Z1: The hidden layer's input X W1 + b1, shape `(N, h)`.
        H: The hidden activations max(0, Z1), shape `(N, h)`.
        Yhat: The output H W2 + b2, shape `(N, m)`: predictions for the MSE
            loss, logits for the cross-entropy.
        loss: The loss L, a float64 scalar.
    """

    Z1: FloatArray
    H: FloatArray
    Yhat: FloatArray
    loss: np.float64


class Gradients(NamedTuple):
    """The gradients of the loss, each shaped like its parameter (denominator layout).

    Attributes:
        W1: ∂L/∂W1, shape `(n, h)`.
        b1: ∂L/∂b1, shape `(h,)`.
        W2: ∂L/∂W2, shape `(h, m)`.
        b2: ∂L/∂b2, shape `(m,)`.
    """

    W1: FloatArray
    b1: FloatArray
    W2: FloatArray
    b2: FloatArray


# ----- argument checks -----


def _network(
    X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, Y: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate every argument on its own, then check that the shapes chain."""
    X = validate.matrix("X", X)
    W1 = validate.matrix("W1", W1)
    b1 = validate.vector("b1", b1)
    W2 = validate.matrix("W2", W2)
    b2 = validate.vector("b2", b2)
    Y = validate.matrix("Y", Y)
    N, n = X.shape
    if W1.shape[0] != n:
        raise ValueError(
            f"X has n = {n} columns (features), so W1 must have {n} rows (W1 is n by h), "
            f"got W1 of shape {W1.shape}"
        )
    h = W1.shape[1]
    if b1.shape[0] != h:
        raise ValueError(f"W1 has h = {h} columns (hidden units), so b1 must have length {h}, got length {b1.shape[0]}")
    if W2.shape[0] != h:
        raise ValueError(
            f"W1 has h = {h} columns (hidden units), so W2 must have {h} rows (W2 is h by m), "
            f"got W2 of shape {W2.shape}"
        )
    m = W2.shape[1]
    if b2.shape[0] != m:
        raise ValueError(f"W2 has m = {m} columns (outputs), so b2 must have length {m}, got length {b2.shape[0]}")
    if Y.shape != (N, m):
        raise ValueError(
            f"Y must have shape (N, m) = ({N}, {m}): one row per row of X (N = {N}) and one column per "
            f"column of W2 (m = {m}), got shape {Y.shape}"
        )
    return X, W1, b1, W2, b2, Y


def _loss_name(loss: Any) -> str:
    if not isinstance(loss, str):
        raise TypeError(f"loss must be one of {LOSSES}, got {type(loss).__name__} {loss!r}"[:200])
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}"[:200])
    return loss


def _targets(Y: FloatArray) -> None:
    """Cross-entropy targets: no negative entry (a row need not sum to 1, as in X20)."""
    negative = np.argwhere(Y < 0)
    if negative.size:
        s, j = (int(i) for i in negative[0])
        raise ValueError(f"Y must hold target distributions with no negative entry, got Y[{s}, {j}] = {Y[s, j]}")


# ----- the cross-entropy head, row by row (X20's formula on every row at once) -----


def _row_log_softmax(Yhat: FloatArray) -> FloatArray:
    """log softmax of every row, after subtracting the row's maximum; finite for finite logits."""
    with np.errstate(over="ignore", invalid="ignore"):
        T = Yhat - Yhat.max(axis=1, keepdims=True)
    if not np.all(np.isfinite(T)):
        raise ValueError("a row of logits H W2 + b2 spans too wide a range: its max − min overflows float64")
    return T - np.log(np.exp(T).sum(axis=1, keepdims=True))


def _cross_entropy_rows(Yhat: FloatArray, Y: FloatArray) -> np.float64:
    """−(1/N) Σ_s Σ_j Y_sj log softmax(ŷ_s)_j: the mean of X20's loss over the rows."""
    with np.errstate(over="ignore", invalid="ignore"):
        loss = -np.sum(Y * _row_log_softmax(Yhat)) / Yhat.shape[0]
    if not np.isfinite(loss):
        raise ValueError("the cross-entropy overflows float64")
    return np.float64(loss)


def _vjp_cross_entropy_rows(v: float, Yhat: FloatArray, Y: FloatArray) -> FloatArray:
    """X20's VJP v((Σ_j y_j) s − y) on every row, for the mean over rows: the factor is v/N."""
    S = np.exp(_row_log_softmax(Yhat))
    with np.errstate(over="ignore", invalid="ignore"):
        G = v / Yhat.shape[0] * (S * Y.sum(axis=1, keepdims=True) - Y)
    if not np.all(np.isfinite(G)):
        raise ValueError("the gradient of the cross-entropy overflows float64")
    return G


# ----- the forward pass and the backward pass -----


def _forward(X: FloatArray, W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: FloatArray, Y: FloatArray,
             loss: str) -> Forward:
    Z1 = layers.batched_affine(X, W1, b1)
    H = neuron.relu(Z1.reshape(-1)).reshape(Z1.shape)
    Yhat = layers.batched_affine(H, W2, b2)
    if loss == "mse":
        value = regression.mse(Yhat.reshape(-1), Y.reshape(-1))
    else:
        value = _cross_entropy_rows(Yhat, Y)
    return Forward(Z1, H, Yhat, value)


def forward_pass(
    X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, Y: ArrayLike, *, loss: str = "mse"
) -> Forward:
    """The forward pass of the two-layer network, with every intermediate.

    Z1 = X W1 + b1, H = max(0, Z1), Ŷ = H W2 + b2, then the loss of Ŷ
    against Y: the mean squared error over all N·m entries (`loss="mse"`), or
    the mean over the rows of the softmax cross-entropy (`loss="cross_entropy"`).

    Args:
        X: The inputs, shape `(N, n)`: one sample per row.
        W1: The hidden layer's weights, shape `(n, h)`.
        b1: The hidden layer's bias, length h.
        W2: The output layer's weights, shape `(h, m)`.
        b2: The output layer's bias, length m.
        Y: The targets, shape `(N, m)`. For the cross-entropy, each row is a
            target distribution (one-hot or soft) with no negative entry.
        loss: `"mse"` or `"cross_entropy"`.

    Returns:
        The intermediates Z1, H, Ŷ and the loss, as a [`Forward`][mcref.ext.network.Forward].

    Raises:
        TypeError: If an argument is not numeric, or `loss` is not a string.
        ValueError: If an argument has the wrong ndim, is empty or not finite;
            if the shapes do not chain (the message names both sides); if
            `loss` is unknown; if a cross-entropy target is negative; or if a
            value overflows float64.

    Examples:
        >>> from mcref.ext.network import forward_pass
        >>> X = [[1.0, 2.0], [0.0, -1.0]]                 # N = 2 samples, n = 2 features
        >>> W1, b1 = [[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]], [0.0, 0.5, 1.0]    # h = 3
        >>> W2, b2 = [[1.0], [-1.0], [2.0]], [0.5]        # m = 1
        >>> Y = [[0.0], [1.0]]
        >>> out = forward_pass(X, W1, b1, W2, b2, Y)
        >>> print(out.H)
        [[2.  1.5 0. ]
         [0.  0.  2. ]]
        >>> print(out.Yhat)
        [[1. ]
         [4.5]]
        >>> print(out.loss)
        6.625
    """
    loss = _loss_name(loss)
    X, W1, b1, W2, b2, Y = _network(X, W1, b1, W2, b2, Y)
    if loss == "cross_entropy":
        _targets(Y)
    return _forward(X, W1, b1, W2, b2, Y, loss)


def network_loss(
    X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, Y: ArrayLike, *, loss: str = "mse"
) -> np.float64:
    """The loss of the two-layer network, a float64 scalar: the forward function of X24–X27.

    With `loss="mse"` (the default, and the registered rules),
    L = (1/(N·m)) Σ_s Σ_j (Ŷ_sj − Y_sj)², the mean of X22's per-sample loss
    over the N samples. With `loss="cross_entropy"`,
    L = −(1/N) Σ_s Σ_j Y_sj log softmax(ŷ_s)_j, the mean of X20's loss.

    Args:
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.
        loss: `"mse"` or `"cross_entropy"`.

    Returns:
        L, a float64 scalar.

    Raises:
        TypeError: If an argument is not numeric, or `loss` is not a string.
        ValueError: As [`forward_pass`][mcref.ext.network.forward_pass].
    """
    return forward_pass(X, W1, b1, W2, b2, Y, loss=loss).loss


def _backward(X: FloatArray, W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: FloatArray, Y: FloatArray,
              loss: str) -> Gradients:
    """The chain of VJPs, from the loss back to the first layer."""
    Z1, H, Yhat, _ = _forward(X, W1, b1, W2, b2, Y, loss)
    if loss == "mse":
        # X22 on the flattened batch: G = (2/(N·m))(Ŷ − Y), shaped like Ŷ
        G = regression.vjp_mse(1.0, Yhat.reshape(-1), Y.reshape(-1)).reshape(Yhat.shape)
    else:
        # X20 on every row, for the mean over the N rows
        G = _vjp_cross_entropy_rows(1.0, Yhat, Y)
    dW2 = layers.vjp_batched_W(G, H, W2, b2)      # X5: HᵀG          (h, m)
    db2 = layers.vjp_batched_b(G, H, W2, b2)      # X6: 1ᵀG          (m,)
    dH = layers.vjp_batched_X(G, H, W2, b2)       # X4: G W2ᵀ        (N, h)
    # N6 on the flattened batch: zero where Z1 <= 0
    dZ1 = neuron.vjp_relu(dH.reshape(-1), Z1.reshape(-1)).reshape(Z1.shape)
    dW1 = layers.vjp_batched_W(dZ1, X, W1, b1)    # X5: XᵀΔ1         (n, h)
    db1 = layers.vjp_batched_b(dZ1, X, W1, b1)    # X6: 1ᵀΔ1         (h,)
    return Gradients(dW1, db1, dW2, db2)


def gradients(
    X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, Y: ArrayLike, *, loss: str = "mse"
) -> Gradients:
    """All four gradients of the loss, by the chain of registered VJPs, in one backward pass.

    For the MSE loss: X22 gives G = ∂L/∂Ŷ = (2/(N·m))(Ŷ − Y); X5 and X6 give
    ∂L/∂W2 = HᵀG and ∂L/∂b2 = 1ᵀG; X4 gives ∂L/∂H = G W2ᵀ; N6 gives
    Δ1 = ∂L/∂Z1 = (G W2ᵀ) ⊗ 1[Z1 > 0]; X5 and X6 give ∂L/∂W1 = XᵀΔ1 and
    ∂L/∂b1 = 1ᵀΔ1. For the cross-entropy only G changes, to X20's
    (1/N)((Σ_j Y_sj) s_s − y_s) on every row s. Each step is one call on the
    whole batch.

    Args:
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.
        loss: `"mse"` or `"cross_entropy"`.

    Returns:
        The gradients, each shaped like its parameter, as a
        [`Gradients`][mcref.ext.network.Gradients] `(W1, b1, W2, b2)`.

    Raises:
        TypeError: If an argument is not numeric, or `loss` is not a string.
        ValueError: As [`forward_pass`][mcref.ext.network.forward_pass].

    Examples:
        >>> from mcref.ext.network import gradients
        >>> X = [[1.0, 2.0], [0.0, -1.0]]
        >>> W1, b1 = [[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]], [0.0, 0.5, 1.0]
        >>> W2, b2 = [[1.0], [-1.0], [2.0]], [0.5]
        >>> Y = [[0.0], [1.0]]
        >>> g = gradients(X, W1, b1, W2, b2, Y)
        >>> print(g.W2)
        [[2. ]
         [1.5]
         [7. ]]
        >>> print(g.b2)
        [4.5]
        >>> print(g.W1)
        [[ 1. -1.  0.]
         [ 2. -2. -7.]]
    """
    loss = _loss_name(loss)
    X, W1, b1, W2, b2, Y = _network(X, W1, b1, W2, b2, Y)
    if loss == "cross_entropy":
        _targets(Y)
    return _backward(X, W1, b1, W2, b2, Y, loss)


# ----- X24–X27: the four gradients, registered -----


def _checkable(X: Any, W1: Any, b1: Any, W2: Any, b2: Any, Y: Any) -> bool:
    """A point where central differences can check the rules to the generic tolerances.

    Every entry of Z1 = X W1 + b1 is at least MARGIN from the ReLU's kink at 0,
    and the loss is at most MAX_LOSS: a central difference of L has an absolute
    rounding error of about ε·L/step (ε = 2.2e-16, step 1e-6), which must stay
    well below the comparison's atol of 1e-7.
    """
    Z1 = np.asarray(X) @ np.asarray(W1) + np.asarray(b1)
    return bool(np.all(np.abs(Z1) > MARGIN)) and bool(network_loss(X, W1, b1, W2, b2, Y) <= MAX_LOSS)


# every argument drawn in [-1, 1]: Z1 is of order 1, so few draws land within MARGIN of the kink, and
# the loss is typically well under MAX_LOSS, so few draws are redrawn for it
_ARGS = {
    "X": Arg(("N", "n"), low=-1.0, high=1.0),
    "W1": Arg(("n", "h"), low=-1.0, high=1.0),
    "b1": Arg(("h",), low=-1.0, high=1.0),
    "W2": Arg(("h", "m"), low=-1.0, high=1.0),
    "b2": Arg(("m",), low=-1.0, high=1.0),
    "Y": Arg(("N", "m"), low=-1.0, high=1.0),
}

_G = r"G = \tfrac{2}{Nm}(\hat Y - Y)"
_DELTA = r"\Delta_1 = (G W_2^T) \otimes \mathbb{1}[Z_1 > 0]"
_ONES = r"\mathbf{1}_N"
_VEC = r"\operatorname{vec}_r"

_CONDITIONS = (
    r"$X$ is $N \times n$ (one sample per row), $W_1$ is $n \times h$, $\mathbf{b}_1$ has length $h$, "
    r"$W_2$ is $h \times m$, $\mathbf{b}_2$ has length $m$, $Y$ is $N \times m$; each bias is added to every "
    r"row. $Z_1 = XW_1 + \mathbf{b}_1$, $H = \max(0, Z_1)$, $\hat Y = HW_2 + \mathbf{b}_2$, and "
    r"$L = \frac{1}{Nm}\sum_{s,j} (\hat Y_{sj} - Y_{sj})^2$, the mean of [X22](losses.md#X22) over the "
    r"samples. $\otimes$ is element-wise and $\mathbf{1}_N$ is the column of $N$ ones. "
    r"At $Z_{1,sk} = 0$ the ReLU has no derivative; as in [N6](../rules/neuron.md#N6), the rule uses 0 "
    r"there (the unit counts as inactive). Random points keep every $|Z_{1,sk}| > 0.05$ and $L \le 50$ "
    r"([why](#checking-against-central-differences))."
)
_FLAT = r" The matrix gradient is flattened row by row, $\operatorname{vec}_r$."


def _check_v(v: ArrayLike) -> float:
    return validate.scalar("v", v)


@rule(
    "X24",
    title="Two-layer network, MSE loss: gradient with respect to W1",
    forward=network_loss,
    wrt="W1",
    latex=(
        rf"\frac{{\partial L}}{{\partial {_VEC}(W_1)}} = {_VEC}\big(X^T \Delta_1\big)^T, \qquad "
        rf"{_DELTA}, \quad {_G}"
    ),
    latex_denominator=(
        rf"\frac{{\partial L}}{{\partial {_VEC}(W_1)}} = {_VEC}\big(X^T \Delta_1\big), \qquad "
        r"\frac{\partial L}{\partial W_1} = X^T \big[(G W_2^T) \otimes \mathbb{1}[Z_1 > 0]\big] \ (n \times h)"
    ),
    shape=(1, "n*h"),
    args=_ARGS,
    conditions=_CONDITIONS + _FLAT,
    domain=_checkable,
    keywords=(
        "backpropagation", "backprop", "MLP", "multilayer perceptron", "hidden layer weights", "first layer weights",
    ),
)
def grad_network_W1(X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                    Y: ArrayLike) -> FloatArray:
    """X24: ∂L/∂W1 = XᵀΔ1 with Δ1 = (G W2ᵀ) ⊗ 1[Z1 > 0], flattened to a (1, n·h) row.

    Args:
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        The gradient of the MSE loss with respect to W1, row-major, shape `(1, n*h)`.

    Examples:
        >>> from mcref.ext.network import grad_network_W1
        >>> X = [[1.0, 2.0], [0.0, -1.0]]                 # N = 2, n = 2
        >>> W1, b1 = [[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]], [0.0, 0.5, 1.0]    # h = 3
        >>> W2, b2 = [[1.0], [-1.0], [2.0]], [0.5]        # m = 1
        >>> Y = [[0.0], [1.0]]
        >>> print(grad_network_W1(X, W1, b1, W2, b2, Y))
        [[ 1. -1.  0.  2. -2. -7.]]
    """
    return gradients(X, W1, b1, W2, b2, Y).W1.reshape(1, -1)


@vjp_of("X24", latex=r"v^T J \text{ shaped like } W_1 = v\, X^T \Delta_1")
def vjp_network_W1(v: ArrayLike, X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                   Y: ArrayLike) -> FloatArray:
    """X24 backprop: v XᵀΔ1, the upstream scalar v times ∂L/∂W1, shape `(n, h)`.

    Args:
        v: The gradient flowing back into the loss, a real number (1 at the top of backprop).
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        v ∂L/∂W1, shaped like W1.
    """
    v = _check_v(v)
    return v * gradients(X, W1, b1, W2, b2, Y).W1


@rule(
    "X25",
    title="Two-layer network, MSE loss: gradient with respect to b1",
    forward=network_loss,
    wrt="b1",
    latex=rf"\frac{{\partial L}}{{\partial \mathbf{{b}}_1}} = {_ONES}^T \Delta_1, \qquad {_DELTA}, \quad {_G}",
    latex_denominator=(
        rf"\frac{{\partial L}}{{\partial \mathbf{{b}}_1}} = \Delta_1^T {_ONES} "
        r"= \textstyle\sum_s \big[(G W_2^T) \otimes \mathbb{1}[Z_1 > 0]\big]_{s,:}^T"
    ),
    shape=(1, "h"),
    args=_ARGS,
    conditions=_CONDITIONS,
    domain=_checkable,
    keywords=("backpropagation", "backprop", "MLP", "multilayer perceptron", "hidden layer bias", "first layer bias"),
)
def grad_network_b1(X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                    Y: ArrayLike) -> FloatArray:
    """X25: ∂L/∂b1 = 1ᵀΔ1, the column sums of Δ1 = (G W2ᵀ) ⊗ 1[Z1 > 0], as a (1, h) row.

    Args:
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        The gradient of the MSE loss with respect to b1, shape `(1, h)`.

    Examples:
        >>> from mcref.ext.network import grad_network_b1
        >>> X = [[1.0, 2.0], [0.0, -1.0]]
        >>> W1, b1 = [[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]], [0.0, 0.5, 1.0]
        >>> W2, b2 = [[1.0], [-1.0], [2.0]], [0.5]
        >>> Y = [[0.0], [1.0]]
        >>> print(grad_network_b1(X, W1, b1, W2, b2, Y))
        [[ 1. -1.  7.]]
    """
    return gradients(X, W1, b1, W2, b2, Y).b1[np.newaxis, :]


@vjp_of("X25", latex=rf"v^T J = v\, {_ONES}^T \Delta_1")
def vjp_network_b1(v: ArrayLike, X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                   Y: ArrayLike) -> FloatArray:
    """X25 backprop: v 1ᵀΔ1, the upstream scalar v times ∂L/∂b1, shape `(h,)`.

    Args:
        v: The gradient flowing back into the loss, a real number.
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        v ∂L/∂b1, shaped like b1.
    """
    v = _check_v(v)
    return v * gradients(X, W1, b1, W2, b2, Y).b1


@rule(
    "X26",
    title="Two-layer network, MSE loss: gradient with respect to W2",
    forward=network_loss,
    wrt="W2",
    latex=(
        rf"\frac{{\partial L}}{{\partial {_VEC}(W_2)}} = {_VEC}\big(H^T G\big)^T, \qquad "
        rf"H = \max(0, Z_1), \quad {_G}"
    ),
    latex_denominator=(
        rf"\frac{{\partial L}}{{\partial {_VEC}(W_2)}} = {_VEC}\big(H^T G\big), \qquad "
        r"\frac{\partial L}{\partial W_2} = H^T G = \tfrac{2}{Nm} H^T (\hat Y - Y) \ (h \times m)"
    ),
    shape=(1, "h*m"),
    args=_ARGS,
    conditions=_CONDITIONS + _FLAT,
    domain=_checkable,
    keywords=(
        "backpropagation", "backprop", "MLP", "multilayer perceptron", "output layer weights", "second layer weights",
    ),
)
def grad_network_W2(X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                    Y: ArrayLike) -> FloatArray:
    """X26: ∂L/∂W2 = HᵀG with G = (2/(N·m))(Ŷ − Y), flattened to a (1, h·m) row.

    Args:
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        The gradient of the MSE loss with respect to W2, row-major, shape `(1, h*m)`.

    Examples:
        >>> from mcref.ext.network import grad_network_W2
        >>> X = [[1.0, 2.0], [0.0, -1.0]]
        >>> W1, b1 = [[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]], [0.0, 0.5, 1.0]
        >>> W2, b2 = [[1.0], [-1.0], [2.0]], [0.5]
        >>> Y = [[0.0], [1.0]]
        >>> print(grad_network_W2(X, W1, b1, W2, b2, Y))
        [[2.  1.5 7. ]]
    """
    return gradients(X, W1, b1, W2, b2, Y).W2.reshape(1, -1)


@vjp_of("X26", latex=r"v^T J \text{ shaped like } W_2 = v\, H^T G")
def vjp_network_W2(v: ArrayLike, X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                   Y: ArrayLike) -> FloatArray:
    """X26 backprop: v HᵀG, the upstream scalar v times ∂L/∂W2, shape `(h, m)`.

    Args:
        v: The gradient flowing back into the loss, a real number.
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        v ∂L/∂W2, shaped like W2.
    """
    v = _check_v(v)
    return v * gradients(X, W1, b1, W2, b2, Y).W2


@rule(
    "X27",
    title="Two-layer network, MSE loss: gradient with respect to b2",
    forward=network_loss,
    wrt="b2",
    latex=(
        rf"\frac{{\partial L}}{{\partial \mathbf{{b}}_2}} = {_ONES}^T G "
        r"= \tfrac{2}{Nm} \textstyle\sum_s (\hat{\mathbf{y}}_s - \mathbf{y}_s)^T"
    ),
    latex_denominator=(
        rf"\frac{{\partial L}}{{\partial \mathbf{{b}}_2}} = G^T {_ONES} "
        r"= \tfrac{2}{Nm} \textstyle\sum_s (\hat{\mathbf{y}}_s - \mathbf{y}_s)"
    ),
    shape=(1, "m"),
    args=_ARGS,
    conditions=_CONDITIONS + r" $\hat{\mathbf{y}}_s$ and $\mathbf{y}_s$ are row $s$ of $\hat Y$ and $Y$.",
    domain=_checkable,
    keywords=("backpropagation", "backprop", "MLP", "multilayer perceptron", "output layer bias", "second layer bias"),
)
def grad_network_b2(X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                    Y: ArrayLike) -> FloatArray:
    """X27: ∂L/∂b2 = 1ᵀG, the column sums of G = (2/(N·m))(Ŷ − Y), as a (1, m) row.

    Args:
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        The gradient of the MSE loss with respect to b2, shape `(1, m)`.

    Examples:
        >>> from mcref.ext.network import grad_network_b2
        >>> X = [[1.0, 2.0], [0.0, -1.0]]
        >>> W1, b1 = [[1.0, -1.0, 0.5], [0.5, 1.0, -1.0]], [0.0, 0.5, 1.0]
        >>> W2, b2 = [[1.0], [-1.0], [2.0]], [0.5]
        >>> Y = [[0.0], [1.0]]
        >>> print(grad_network_b2(X, W1, b1, W2, b2, Y))
        [[4.5]]
    """
    return gradients(X, W1, b1, W2, b2, Y).b2[np.newaxis, :]


@vjp_of("X27", latex=rf"v^T J = v\, {_ONES}^T G")
def vjp_network_b2(v: ArrayLike, X: ArrayLike, W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike,
                   Y: ArrayLike) -> FloatArray:
    """X27 backprop: v 1ᵀG, the upstream scalar v times ∂L/∂b2, shape `(m,)`.

    Args:
        v: The gradient flowing back into the loss, a real number.
        X: The inputs, shape `(N, n)`.
        W1: Shape `(n, h)`.
        b1: Length h.
        W2: Shape `(h, m)`.
        b2: Length m.
        Y: The targets, shape `(N, m)`.

    Returns:
        v ∂L/∂b2, shaped like b2.
    """
    v = _check_v(v)
    return v * gradients(X, W1, b1, W2, b2, Y).b2
