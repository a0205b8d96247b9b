"""The gradient of the neural network loss (paper §6).

A single ReLU neuron is fitted to N samples by least squares. The samples are
the rows of X, an N by n matrix (row i is the input x_i), and y holds the N
targets. The loss is the mean squared error

    C(w, b, X, y) = (1/N) Σ_i (y_i − max(0, w · x_i + b))².

Write z_i = w · x_i + b for sample i's affine value and e_i = z_i − y_i for its
error (output minus target, when the sample is active). A sample is *active*
when z_i > 0. Then

* L1: ∂C/∂w = (2/N) Σ over active i of e_i x_iᵀ, a 1 by n row;
* L2: ∂C/∂b = (2/N) Σ over active i of e_i, a 1 by 1 matrix;
* L3: with the bias folded into the weights, ŵ = [w; b] and x̂_i = [x_i; 1],
  ∂C/∂ŵ = (2/N) Σ over active i of e_i x̂_iᵀ, a 1 by (n + 1) row: L1 and L2 side by side.

L1 and L3 also have a backprop form (`vjp_loss_w`, `vjp_loss_augmented`): for
the upstream scalar v (1 when C is the final loss) it returns v times the
gradient, shaped like the weights, as reverse-mode autodiff does.

Inactive samples contribute nothing: their output is the constant 0, so a small
change of w or b does not move their term of the loss. Everything is computed
for all samples at once, with a matrix product and a 0/1 mask; there is no
Python loop over samples.

**Convention at the kink.** A sample with z_i = 0 exactly counts as inactive, as
in the paper. The numerical checks draw points where every |z_i| is more than
[`MARGIN`][mcref.paper.loss.MARGIN].

**How L3 is set up.** The augmented rule is stated for any matrix X̂ with one
sample per row and any weight vector ŵ of the same width m:
C(ŵ, X̂, y) = (1/N) Σ_i (y_i − max(0, ŵ · x̂_i))², the loss of a neuron without a
bias. [`augment`][mcref.paper.loss.augment] builds X̂ = [X, 1] from X; with that
last column of ones, ŵ · x̂_i = w · x_i + b and the L3 gradient is exactly L1
and L2 side by side. The rule does not need the ones column to hold, so the
generic tests draw every entry of X̂ at random, with its own width m. Naming
that width "n+1" (the registry's shape symbols accept it) would not bring the
ones column back: a random draw has none. `tests/test_loss.py` checks the
augmented case, X̂ = [X, 1], against L1 and L2.

Helpers that are not rules (public, but not swept through the registry):
[`augment`][mcref.paper.loss.augment];
[`grad_loss`][mcref.paper.loss.grad_loss], L1 and L2 from one call, written as
the formulas above; and
[`gradient_step`][mcref.paper.loss.gradient_step], one step of gradient descent.

**For speed** (the last section of the module):
[`grad_loss_blocked`][mcref.paper.loss.grad_loss_blocked] returns the same two
results as `grad_loss`, but reads X in blocks of rows that stay in cache, so
that a large X comes from memory once instead of three times. It is benchmark
engineering, not a statement of the rules: `gradient_step` trains with it, and
the Performance page times it against `grad_loss`, PyTorch and JAX.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mcref.core import validate
from mcref.core.registry import Arg, rule, vjp_of
from mcref.core.validate import FloatArray

# __all__ lists the rule functions (forward functions, closed forms and VJPs), which
# tests/test_validation.py sweeps with bad input through the registry. The
# helpers augment, grad_loss, grad_loss_blocked and gradient_step are public and
# documented too; tests/test_loss.py checks their input.
__all__ = [
    "augment",
    "grad_loss",
    "grad_loss_augmented",
    "grad_loss_b",
    "grad_loss_blocked",
    "grad_loss_w",
    "gradient_step",
    "loss",
    "loss_augmented",
    "vjp_loss_augmented",
    "vjp_loss_w",
]

MARGIN = 0.05
"""How far from the ReLU's kink the numerical checks draw their points.

Every sample's z_i = w · x_i + b (L1, L2), or ŵ · x̂_i (L3), is more than this far
from 0 at a random point of the checks (a draw that fails is redrawn), so that the
central differences never straddle the kink.
"""

# Weights and inputs in [-2, 2] and a bias in [-1, 1] make each z_i about as often
# positive as negative, so a random draw usually has active and inactive samples.
# Targets in [0, 2], as for a ReLU output.
_ARGS = {
    "w": Arg(("n",)),
    "b": Arg((), low=-1.0, high=1.0),
    "X": Arg(("N", "n")),
    "y": Arg(("N",), low=0.0, high=2.0),
}
_HAT_ARGS = {
    "w_hat": Arg(("m",)),
    "X_hat": Arg(("N", "m")),
    "y": Arg(("N",), low=0.0, high=2.0),
}

_ACTIVE = r"i:\, \mathbf{w} \cdot \mathbf{x}_i + b > 0"
_E = r"e_i = \mathbf{w} \cdot \mathbf{x}_i + b - y_i"
_HAT_ACTIVE = r"i:\, \hat{\mathbf{w}} \cdot \hat{\mathbf{x}}_i > 0"
_HAT_E = r"e_i = \hat{\mathbf{w}} \cdot \hat{\mathbf{x}}_i - y_i"

_CONDITIONS = (
    "No sample sits on the kink: $\\mathbf{w} \\cdot \\mathbf{x}_i + b \\ne 0$ for every $i$. A sample with "
    "$\\mathbf{w} \\cdot \\mathbf{x}_i + b = 0$ is counted as inactive (the paper's convention); there the two "
    "one-sided slopes of its term differ unless $y_i = 0$. $X$ is $N \\times n$ with one sample per row, "
    "$\\mathbf{y}$ has $N$ entries."
)


# ----- argument checks -----

# X is not copied when it is float64 already (it can be large; nothing here writes into it)
_SAMPLES = "a matrix of shape (N, n), one sample per row"


def _samples(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, *, w_name: str = "w", X_name: str = "X", finite_X: bool = True
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate weights, samples and targets, and check that their sizes fit together."""
    w = validate.vector(w_name, w)
    X = validate.matrix(X_name, X, what=_SAMPLES, copy=False, finite=finite_X)
    y = validate.vector("y", y)
    N, n = X.shape
    if w.shape[0] != n:
        raise ValueError(
            f"{w_name} and each row of {X_name} must have the same length, "
            f"got: {w_name} has length {w.shape[0]}, each row of {X_name} has length {n} "
            f"(one weight per feature; {X_name} has shape {X.shape}, y has length {y.shape[0]})"
        )
    if y.shape[0] != N:
        raise ValueError(
            f"y and each column of {X_name} must have the same length, "
            f"got: y has length {y.shape[0]}, each column of {X_name} has length {N} "
            f"(one target per sample; {X_name} has shape {X.shape}, {w_name} has length {w.shape[0]})"
        )
    return w, X, y


def _finite(what: str, value: Any) -> None:
    """Refuse a result that overflowed float64 although every input was finite (`validate.finite_result`)."""
    validate.finite_result(what, value)


def _affine(w: FloatArray, X: FloatArray, b: float) -> FloatArray:
    """z_i = w · x_i + b for every sample at once, shape (N,)."""
    with np.errstate(over="ignore", invalid="ignore"):
        z = X @ w + b
    _finite("w · x_i + b", z)
    return z


def _mean_square(y: FloatArray, z: FloatArray) -> np.float64:
    with np.errstate(over="ignore", invalid="ignore"):
        value = np.mean((y - np.maximum(z, 0.0)) ** 2)
    _finite("the loss", value)
    return np.float64(value)


def _active_errors(y: FloatArray, z: FloatArray) -> FloatArray:
    """e_i = z_i − y_i on active samples (z_i > 0) and 0 on the others, shape (N,)."""
    with np.errstate(over="ignore", invalid="ignore"):
        masked = np.where(z > 0, z - y, 0.0)
    _finite("an error z_i − y_i", masked)
    return masked


def _weighted_errors(v: float, e: FloatArray, X: FloatArray) -> FloatArray:
    """(2v/N) eᵀX: the active errors, scaled by the upstream v, back through the samples; shape (n,)."""
    with np.errstate(over="ignore", invalid="ignore"):
        back = (2.0 * v / X.shape[0]) * (e @ X)
    _finite("v times the gradient", back)
    return back


def _row(values: FloatArray, what: str) -> FloatArray:
    _finite(what, values)
    return values.reshape(1, -1)


def _away_from_kink(w: FloatArray, b: float, X: FloatArray, y: FloatArray) -> bool:
    return bool(np.all(np.abs(X @ w + b) > MARGIN))


def _hat_away_from_kink(w_hat: FloatArray, X_hat: FloatArray, y: FloatArray) -> bool:
    return bool(np.all(np.abs(X_hat @ w_hat) > MARGIN))


# ----- the forward functions -----


def loss(w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> np.float64:
    """The mean squared error of a ReLU neuron, C = (1/N) Σ_i (y_i − max(0, w · x_i + b))².

    Args:
        w: The weights, a vector of length n.
        b: The bias, a real number.
        X: The samples, shape `(N, n)`, one sample x_iᵀ per row.
        y: The targets, a vector of length N.

    Returns:
        The loss, a float64.

    Raises:
        ValueError: If the sizes of w, X and y do not fit together, or a value
            overflows float64.

    Examples:
        >>> from mcref.paper.loss import loss
        >>> X = [[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]
        >>> print(round(float(loss([0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0])), 6))  # (2.25 + 1 + 0) / 3
        1.083333
    """
    w, X, y = _samples(w, X, y)
    b = validate.scalar("b", b)
    return _mean_square(y, _affine(w, X, b))


def loss_augmented(w_hat: ArrayLike, X_hat: ArrayLike, y: ArrayLike) -> np.float64:
    """The loss with the bias folded into the weights, C = (1/N) Σ_i (y_i − max(0, ŵ · x̂_i))².

    With `X_hat = augment(X)` and `w_hat = [w, b]` this equals `loss(w, b, X, y)`.

    Args:
        w_hat: The augmented weights [w; b], a vector of length m (m = n + 1).
        X_hat: The augmented samples, shape `(N, m)`, one sample x̂_i = [x_i; 1]
            per row (see [`augment`][mcref.paper.loss.augment]).
        y: The targets, a vector of length N.

    Returns:
        The loss, a float64.

    Raises:
        ValueError: If the sizes of w_hat, X_hat and y do not fit together, or a
            value overflows float64.
    """
    w_hat, X_hat, y = _samples(w_hat, X_hat, y, w_name="w_hat", X_name="X_hat")
    return _mean_square(y, _affine(w_hat, X_hat, 0.0))


# ----- L1, L2: the gradients with respect to w and b -----


@rule(
    "L1",
    title="Gradient of the loss C with respect to w",
    section="6.1",
    forward=loss,
    wrt="w",
    latex=(
        rf"\frac{{\partial C}}{{\partial \mathbf{{w}}}} = \frac{{2}}{{N}} \sum_{{{_ACTIVE}}} e_i \, \mathbf{{x}}_i^T,"
        rf" \qquad {_E}"
    ),
    latex_denominator=(
        rf"\frac{{\partial C}}{{\partial \mathbf{{w}}}} = \frac{{2}}{{N}} \sum_{{{_ACTIVE}}} e_i \, \mathbf{{x}}_i,"
        rf" \qquad {_E}"
    ),
    shape=(1, "n"),
    args=_ARGS,
    conditions=_CONDITIONS,
    domain=_away_from_kink,
    keywords=("squared error loss", "neuron loss", "training a neuron", "gradient descent", "weights"),
)
def grad_loss_w(w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    """L1: ∂C/∂w = (2/N) Σ over active samples of e_i x_iᵀ, with e_i = w · x_i + b − y_i.

    Computed for all samples at once as (2/N) (e ⊗ a)ᵀ X, where a_i = 1[z_i > 0].

    Args:
        w: The weights, a vector of length n.
        b: The bias, a real number.
        X: The samples, shape `(N, n)`, one sample x_iᵀ per row.
        y: The targets, a vector of length N.

    Returns:
        The gradient as a row, shape `(1, n)`. A sample with w · x_i + b <= 0
        contributes nothing.

    Examples:
        >>> from mcref.paper.loss import grad_loss_w
        >>> X = [[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]  # z = 2, -0.5, -0.5: sample 0 active
        >>> print(grad_loss_w([0.5, 1.0], -0.5, X, [2.0, 1.0, 0.0]))  # e_0 = 0
        [[0. 0.]]
        >>> print(grad_loss_w([0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0]))  # e_0 = 1.5
        [[1. 2.]]
    """
    w, X, y = _samples(w, X, y)
    b = validate.scalar("b", b)
    e = _active_errors(y, _affine(w, X, b))
    return _row((2.0 / X.shape[0]) * (e @ X), "the gradient")


@vjp_of("L1", latex=rf"v^T J = \frac{{2v}}{{N}} \sum_{{{_ACTIVE}}} e_i \, \mathbf{{x}}_i^T, \qquad {_E}")
def vjp_loss_w(v: ArrayLike, w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    """L1 backprop form: vᵀJ = (2v/N) Σ over active samples of e_i x_iᵀ, returned shaped like w.

    Computed for all samples at once as (2v/N) Xᵀ(e ⊗ a), where a_i = 1[z_i > 0].

    Args:
        v: The gradient flowing back into the loss C, a real number (1 when C is the final loss).
        w: The weights, a vector of length n.
        b: The bias, a real number.
        X: The samples, shape `(N, n)`, one sample x_iᵀ per row.
        y: The targets, a vector of length N.

    Returns:
        v times the gradient, shape `(n,)` (shaped like w). A sample with
        w · x_i + b <= 0 contributes nothing.

    Raises:
        ValueError: If the sizes of w, X and y do not fit together, or a value
            overflows float64.

    Examples:
        >>> from mcref.paper.loss import vjp_loss_w
        >>> X = [[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]  # z = 2, -0.5, -0.5: sample 0 active
        >>> print(vjp_loss_w(1.0, [0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0]))  # e_0 = 1.5
        [1. 2.]
        >>> print(vjp_loss_w(0.5, [0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0]))
        [0.5 1. ]
    """
    w, X, y = _samples(w, X, y)
    b = validate.scalar("b", b)
    v = validate.scalar("v", v)
    return _weighted_errors(v, _active_errors(y, _affine(w, X, b)), X)


@rule(
    "L2",
    title="Derivative of the loss C with respect to b",
    section="6.2",
    forward=loss,
    wrt="b",
    latex=rf"\frac{{\partial C}}{{\partial b}} = \frac{{2}}{{N}} \sum_{{{_ACTIVE}}} e_i, \qquad {_E}",
    shape=(1, 1),
    args=_ARGS,
    conditions=_CONDITIONS,
    domain=_away_from_kink,
    keywords=("squared error loss", "neuron loss", "bias"),
)
def grad_loss_b(w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    """L2: ∂C/∂b = (2/N) Σ over active samples of e_i, with e_i = w · x_i + b − y_i.

    Args:
        w: The weights, a vector of length n.
        b: The bias, a real number.
        X: The samples, shape `(N, n)`, one sample x_iᵀ per row.
        y: The targets, a vector of length N.

    Returns:
        The derivative, shape `(1, 1)`. A sample with w · x_i + b <= 0
        contributes nothing.

    Examples:
        >>> from mcref.paper.loss import grad_loss_b
        >>> X = [[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]  # z = 2, -0.5, -0.5: sample 0 active
        >>> print(grad_loss_b([0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0]))  # (2/3) e_0, e_0 = 1.5
        [[1.]]
    """
    w, X, y = _samples(w, X, y)
    b = validate.scalar("b", b)
    e = _active_errors(y, _affine(w, X, b))
    return _row(np.array([(2.0 / X.shape[0]) * e.sum()]), "the derivative")


# ----- L3: the augmented weights (the hat trick, erratum E9) -----


@rule(
    "L3",
    title="Gradient of the loss with respect to the augmented ŵ = [w; b]",
    section="6.2",
    forward=loss_augmented,
    wrt="w_hat",
    latex=(
        rf"\frac{{\partial C}}{{\partial \hat{{\mathbf{{w}}}}}} = \frac{{2}}{{N}} \sum_{{{_HAT_ACTIVE}}} "
        rf"e_i \, \hat{{\mathbf{{x}}}}_i^T, \qquad {_HAT_E}, \quad "
        r"\hat{\mathbf{w}} = \begin{bmatrix} \mathbf{w} \\ b \end{bmatrix}, \quad "
        r"\hat{\mathbf{x}}_i = \begin{bmatrix} \mathbf{x}_i \\ 1 \end{bmatrix}"
    ),
    latex_denominator=(
        rf"\frac{{\partial C}}{{\partial \hat{{\mathbf{{w}}}}}} = \frac{{2}}{{N}} \sum_{{{_HAT_ACTIVE}}} "
        rf"e_i \, \hat{{\mathbf{{x}}}}_i, \qquad {_HAT_E}, \quad "
        r"\hat{\mathbf{w}} = \begin{bmatrix} \mathbf{w} \\ b \end{bmatrix}, \quad "
        r"\hat{\mathbf{x}}_i = \begin{bmatrix} \mathbf{x}_i \\ 1 \end{bmatrix}"
    ),
    shape=(1, "m"),
    args=_HAT_ARGS,
    conditions=(
        "No sample sits on the kink: $\\hat{\\mathbf{w}} \\cdot \\hat{\\mathbf{x}}_i \\ne 0$ for every $i$ (a "
        "sample with $\\hat{\\mathbf{w}} \\cdot \\hat{\\mathbf{x}}_i = 0$ counts as inactive). $\\hat{X}$ is "
        "$N \\times m$ with one sample $\\hat{\\mathbf{x}}_i^T$ per row; "
        "with $\\hat{X} = [X \\;\\; \\vec{\\mathbf{1}}]$ "
        "and $m = n + 1$ the result is $\\partial C / \\partial \\mathbf{w}$ (L1) followed by "
        "$\\partial C / \\partial b$ (L2). The formula holds for any $\\hat{X}$, so the checks draw it freely. "
        "$\\hat{\\mathbf{x}}_i$ is a column, like $\\hat{\\mathbf{w}}$ (erratum E9)."
    ),
    domain=_hat_away_from_kink,
    keywords=("bias trick", "augmented weight vector", "absorbing the bias", "homogeneous coordinates"),
)
def grad_loss_augmented(w_hat: ArrayLike, X_hat: ArrayLike, y: ArrayLike) -> FloatArray:
    """L3: ∂C/∂ŵ = (2/N) Σ over active samples of e_i x̂_iᵀ, with e_i = ŵ · x̂_i − y_i.

    Args:
        w_hat: The augmented weights [w; b], a vector of length m (m = n + 1).
        X_hat: The augmented samples, shape `(N, m)`, one sample x̂_i = [x_i; 1]
            per row (see [`augment`][mcref.paper.loss.augment]).
        y: The targets, a vector of length N.

    Returns:
        The gradient as a row, shape `(1, m)`. With X_hat = augment(X) and
        w_hat = [w, b] it is [∂C/∂w, ∂C/∂b].

    Examples:
        >>> from mcref.paper.loss import augment, grad_loss_augmented
        >>> X_hat = augment([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]])
        >>> print(X_hat)
        [[ 1.   2.   1. ]
         [-1.   0.5  1. ]
         [ 2.  -1.   1. ]]
        >>> print(grad_loss_augmented([0.5, 1.0, -0.5], X_hat, [0.5, 1.0, 0.0]))  # [L1, L2]
        [[1. 2. 1.]]
    """
    w_hat, X_hat, y = _samples(w_hat, X_hat, y, w_name="w_hat", X_name="X_hat")
    e = _active_errors(y, _affine(w_hat, X_hat, 0.0))
    return _row((2.0 / X_hat.shape[0]) * (e @ X_hat), "the gradient")


@vjp_of(
    "L3",
    latex=rf"v^T J = \frac{{2v}}{{N}} \sum_{{{_HAT_ACTIVE}}} e_i \, \hat{{\mathbf{{x}}}}_i^T, \qquad {_HAT_E}",
)
def vjp_loss_augmented(v: ArrayLike, w_hat: ArrayLike, X_hat: ArrayLike, y: ArrayLike) -> FloatArray:
    """L3 backprop form: vᵀJ = (2v/N) Σ over active samples of e_i x̂_iᵀ, returned shaped like ŵ.

    Args:
        v: The gradient flowing back into the loss C, a real number (1 when C is the final loss).
        w_hat: The augmented weights [w; b], a vector of length m (m = n + 1).
        X_hat: The augmented samples, shape `(N, m)`, one sample x̂_i = [x_i; 1]
            per row (see [`augment`][mcref.paper.loss.augment]).
        y: The targets, a vector of length N.

    Returns:
        v times the gradient, shape `(m,)` (shaped like w_hat). With
        X_hat = augment(X) it is v [∂C/∂w, ∂C/∂b].

    Raises:
        ValueError: If the sizes of w_hat, X_hat and y do not fit together, or
            a value overflows float64.

    Examples:
        >>> from mcref.paper.loss import augment, vjp_loss_augmented
        >>> X_hat = augment([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]])
        >>> print(vjp_loss_augmented(1.0, [0.5, 1.0, -0.5], X_hat, [0.5, 1.0, 0.0]))  # [L1, L2]
        [1. 2. 1.]
    """
    w_hat, X_hat, y = _samples(w_hat, X_hat, y, w_name="w_hat", X_name="X_hat")
    v = validate.scalar("v", v)
    return _weighted_errors(v, _active_errors(y, _affine(w_hat, X_hat, 0.0)), X_hat)


# ----- helpers: the augmented samples, one step of gradient descent -----


def augment(X: ArrayLike) -> FloatArray:
    """The augmented samples X̂ = [X, 1]: each sample x_i gets a last entry 1.

    Then ŵ · x̂_i = w · x_i + b for ŵ = [w, b], so the bias becomes one more weight.

    Args:
        X: The samples, shape `(N, n)`, one sample per row.

    Returns:
        X with a column of ones appended, shape `(N, n + 1)`.

    Examples:
        >>> from mcref.paper.loss import augment
        >>> print(augment([[1, 2], [3, 4]]))
        [[1. 2. 1.]
         [3. 4. 1.]]
    """
    X = validate.matrix("X", X, what=_SAMPLES, copy=False)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def grad_loss(w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """L1 and L2 together: ∂C/∂w and ∂C/∂b from one call, written as the rules state them.

    With z = Xw + b and the errors of the active samples, e_i = z_i − y_i where
    z_i > 0 and e_i = 0 where z_i <= 0,

        ∂C/∂w = (2/N) eᵀX  (L1, the sum of e_i x_iᵀ as one product),
        ∂C/∂b = (2/N) Σ_i e_i  (L2).

    The results are those of `grad_loss_w(w, b, X, y)` and `grad_loss_b(w, b, X, y)`,
    bit for bit; the inputs are checked, and z and e computed, once for both.
    [`grad_loss_blocked`][mcref.paper.loss.grad_loss_blocked] returns the same
    numbers faster when X is large.

    Args:
        w: The weights, a vector of length n.
        b: The bias, a real number.
        X: The samples, shape `(N, n)`, one sample x_iᵀ per row.
        y: The targets, a vector of length N.

    Returns:
        ∂C/∂w as a row, shape `(1, n)`, and ∂C/∂b, shape `(1, 1)`, as the rules L1
        and L2 state them.

    Raises:
        ValueError: If the sizes of w, X and y do not fit together, an input holds
            NaN or inf, or a value overflows float64.
        TypeError: If an input is not an array of real numbers.

    Examples:
        >>> from mcref.paper.loss import grad_loss
        >>> X = [[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]  # z = 2, -0.5, -0.5: sample 0 active
        >>> grad_w, grad_b = grad_loss([0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0])  # e = 1.5, 0, 0
        >>> print(grad_w, grad_b)
        [[1. 2.]] [[1.]]
    """
    w, X, y = _samples(w, X, y)
    b = validate.scalar("b", b)
    e = _active_errors(y, _affine(w, X, b))  # e_i = z_i − y_i on active samples, 0 on the others
    N = X.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused by _row, with a message
        grad_w, grad_b = (2.0 / N) * (e @ X), (2.0 / N) * e.sum()
    return _row(grad_w, "the gradient"), _row(np.array([grad_b]), "the derivative")


def gradient_step(
    w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, lr: ArrayLike
) -> tuple[FloatArray, np.float64]:
    """One step of gradient descent on the loss: w ← w − η (∂C/∂w)ᵀ and b ← b − η ∂C/∂b.

    ∂C/∂w is a 1 by n row (L1) while w is a column of n entries, so the update
    transposes the gradient (erratum E13); here w is a 1-D array and the row is
    flattened to match it. Both derivatives come from
    [`grad_loss_blocked`][mcref.paper.loss.grad_loss_blocked], the fast form of
    [`grad_loss`][mcref.paper.loss.grad_loss], since training calls this many times.

    Args:
        w: The weights, a vector of length n.
        b: The bias, a real number.
        X: The samples, shape `(N, n)`, one sample per row.
        y: The targets, a vector of length N.
        lr: The learning rate η, a real number > 0.

    Returns:
        The new weights, shape `(n,)`, and the new bias, a float64.

    Examples:
        >>> from mcref.paper.loss import gradient_step
        >>> X = [[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]
        >>> w, b = gradient_step([0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0], lr=0.1)
        >>> print(w, b)
        [0.4 0.8] -0.6
    """
    w = validate.vector("w", w)
    b = validate.scalar("b", b)
    lr = validate.scalar("lr", lr)
    if lr <= 0:
        raise ValueError(f"lr must be > 0 (a learning rate), got {lr}")
    grad_w, grad_b = grad_loss_blocked(w, b, X, y)  # grad_loss's (1, n) and (1, 1), computed faster
    new_w = w - lr * grad_w.T[:, 0]  # the transpose E13 asks for: a column, stored as a 1-D array
    new_b = np.float64(b - lr * grad_b[0, 0])
    _finite("the updated weights", new_w)
    _finite("the updated bias", new_b)
    return new_w, new_b


# ----- for speed: grad_loss with X read in cache-sized blocks of rows -----
#
# Everything above states the rules. What follows computes the same L1 and L2 as
# grad_loss, reorganised so that a large X is read from memory once: benchmark
# engineering, kept here because gradient_step trains with it and it shares this
# module's argument checks. docs/performance.md measures what it buys.

BLOCK_BYTES = 2 * 1024 * 1024
"""`grad_loss_blocked` reads X in blocks of rows of about this many bytes (by default),
small enough to stay in a core's cache."""


def grad_loss_blocked(
    w: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, *, block_bytes: int = BLOCK_BYTES
) -> tuple[FloatArray, FloatArray]:
    """[`grad_loss`][mcref.paper.loss.grad_loss], computed with X read once from memory, in blocks of rows.

    The same numbers as `grad_loss(w, b, X, y)` (up to rounding: the sums are
    added block by block), and a bad argument is refused with the same message
    (when several are bad, the one named may differ). It costs about one read of
    X from memory instead of grad_loss's three (a scan for NaN and inf, then
    z = Xw + b, then eᵀX):

    * the inputs are checked once and X is not copied;
    * X is read in blocks of rows of about `block_bytes`: each block's z, e and eᵀX
      are done while the block is still in cache, and added to running sums. The
      loop runs over blocks (245 of them for a million samples of 64 features at
      the default `BLOCK_BYTES`), never over samples;
    * X is not scanned for NaN or inf in a pass of its own. Each entry of X enters z
      multiplied by its weight, so when no weight is 0 a NaN or inf in X makes z
      non-finite, and a non-finite z sends X through the full check, which names the
      first bad entry, as `grad_loss` does. When a weight is 0, X is scanned up front.

    Args:
        w: The weights, a vector of length n.
        b: The bias, a real number.
        X: The samples, shape `(N, n)`, one sample x_iᵀ per row. A float64 array is
            read in place, never written.
        y: The targets, a vector of length N.
        block_bytes: About how many bytes of X each block holds (at least one row).
            The default suits a core with 1 MiB or more of cache; `X.nbytes` makes a
            single block, which is `grad_loss` without its separate scan of X.

    Returns:
        ∂C/∂w as a row, shape `(1, n)`, and ∂C/∂b, shape `(1, 1)`, as the rules L1
        and L2 state them.

    Raises:
        ValueError: If the sizes of w, X and y do not fit together, an input holds
            NaN or inf, a value overflows float64, or `block_bytes` is not positive.
        TypeError: If an input is not an array of real numbers, or `block_bytes`
            is not an integer.

    Examples:
        >>> from mcref.paper.loss import grad_loss_blocked
        >>> X = [[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]]  # z = 2, -0.5, -0.5: sample 0 active
        >>> grad_w, grad_b = grad_loss_blocked([0.5, 1.0], -0.5, X, [0.5, 1.0, 0.0], block_bytes=16)  # 1 row a block
        >>> print(grad_w, grad_b)
        [[1. 2.]] [[1.]]
    """
    if isinstance(block_bytes, bool) or not isinstance(block_bytes, (int, np.integer)):
        raise TypeError(
            f"block_bytes must be an integer (bytes of X per block), got {type(block_bytes).__name__} {block_bytes!r}"
        )
    if block_bytes < 1:
        raise ValueError(f"block_bytes must be >= 1 (bytes of X per block), got {block_bytes}")
    w, X, y = _samples(w, X, y, finite_X=False)
    b = validate.scalar("b", b)
    N, n = X.shape
    if not w.all():
        validate.check_finite("X", X)  # a zero weight would hide a NaN or inf in its column
    rows = max(1, int(block_bytes) // (8 * n))
    sum_ex = np.zeros(n)
    sum_e = 0.0
    z = np.empty(min(rows, N))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, N, rows):
            block = X[start : start + rows]
            zb = z[: block.shape[0]]
            np.matmul(block, w, out=zb)
            zb += b
            if not np.isfinite(zb).all():
                validate.check_finite("X", X)  # names the first NaN or inf in X, if there is one
                _finite("w · x_i + b", zb)  # otherwise z overflowed
            e = _active_errors(y[start : start + rows], zb)
            sum_ex += e @ block
            sum_e += e.sum()
    return _row((2.0 / N) * sum_ex, "the gradient"), _row(np.array([(2.0 / N) * sum_e]), "the derivative")
