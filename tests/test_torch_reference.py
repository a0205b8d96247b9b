"""The rules of today's networks (X28-X36) against PyTorch's own autograd, in float64.

Optional: PyTorch is not a test dependency (it is in the `bench` extra), and the whole file is
skipped where it is not installed. Where it is, every new rule's VJP is compared with what
`torch.autograd.grad` gives for the same function, built from torch's own operations (`gelu`,
`silu`, `HuberLoss`, `CrossEntropyLoss(label_smoothing=...)`, the Frobenius norm), at random
points and sizes. It is an independent check of the definitions as well as of the derivatives: a
mcref function that differentiated correctly the wrong variant of a loss (a sum instead of a mean,
smoothing over K − 1 classes) passes the central-difference sweep and fails here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch",
    reason="PyTorch is not installed: the optional cross-check against torch.autograd is skipped "
    "(pip install -e '.[bench]' to run it)",
)

from mcref.ext import activations as act  # noqa: E402 (after the skip, which must come first)
from mcref.ext import quadratic, regression  # noqa: E402
from mcref.ext import softmax as sm  # noqa: E402

F = torch.nn.functional
RTOL, ATOL = 1e-12, 1e-14
CASES = [(seed, n) for seed in range(4) for n in (1, 3, 8)]


def _t(a: Any) -> Any:
    """A float64 tensor that records its gradient."""
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=True)


def _grad(out: Any, wrt: Any, v: Any = 1.0) -> np.ndarray:
    """vᵀJ by torch: the gradient of out with respect to wrt, out weighted by v."""
    (g,) = torch.autograd.grad(out, wrt, grad_outputs=torch.as_tensor(np.asarray(v), dtype=torch.float64))
    return g.detach().numpy()


def _close(got: Any, want: Any) -> None:
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_gelu_and_its_tanh_form_match_torch(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    x, v = rng.normal(scale=3.0, size=n), rng.normal(size=n)
    for approximate, forward, vjp in (("none", act.gelu, act.vjp_gelu), ("tanh", act.gelu_tanh, act.vjp_gelu_tanh)):
        xt = _t(x)
        y = F.gelu(xt, approximate=approximate)
        _close(forward(x), y.detach().numpy())
        _close(vjp(v, x), _grad(y, xt, v))


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_silu_and_swish_match_torch(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    x, v, beta = rng.normal(scale=3.0, size=n), rng.normal(size=n), float(rng.uniform(-1.0, 3.0))
    xt = _t(x)
    y = F.silu(xt)
    _close(act.silu(x), y.detach().numpy())
    _close(act.vjp_silu(v, x), _grad(y, xt, v))
    # torch has no swish with a slope; write it with torch's sigmoid and differentiate both ways
    xt, bt = _t(x), _t(beta)
    y = xt * torch.sigmoid(bt * xt)
    _close(act.swish(x, beta), y.detach().numpy())
    gx, gb = torch.autograd.grad(y, (xt, bt), grad_outputs=torch.as_tensor(v))
    _close(act.vjp_swish_x(v, x, beta), gx.numpy())
    _close(act.vjp_swish_beta(v, x, beta), gb.numpy())


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_huber_matches_torch_huber_loss_with_its_mean(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    yhat, y, delta = rng.normal(scale=2.0, size=n), rng.normal(size=n), float(rng.uniform(0.3, 2.0))
    yt = _t(yhat)
    loss = torch.nn.HuberLoss(reduction="mean", delta=delta)(yt, torch.as_tensor(y))
    _close(regression.huber(yhat, y, delta), loss.item())
    _close(regression.vjp_huber(0.7, yhat, y, delta), _grad(loss, yt, 0.7))


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_label_smoothing_matches_torch_cross_entropy(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    K = n + 1
    z, eps = rng.normal(scale=2.0, size=K), float(rng.uniform(0.0, 0.5))
    k = int(rng.integers(K))
    soft = rng.uniform(size=K)
    soft /= soft.sum()
    smoothed = torch.nn.CrossEntropyLoss(label_smoothing=eps)
    for y, target in ((np.eye(K)[k], torch.tensor([k])), (soft, torch.as_tensor(soft)[None, :])):
        zt = _t(z[None, :])  # torch takes a batch of one sample
        loss = smoothed(zt, target)
        _close(sm.smoothed_cross_entropy(z, y, eps), loss.item())
        _close(sm.vjp_smoothed_cross_entropy(1.5, z, y, eps), _grad(loss, zt, 1.5)[0])


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_frobenius_norm_and_weight_decay_match_torch(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    W, lam = rng.normal(size=(n + 1, n)), float(rng.uniform(0.0, 1.0))
    Wt = _t(W)
    norm = torch.linalg.matrix_norm(Wt, ord="fro")
    _close(quadratic.frobenius_norm(W), norm.item())
    _close(quadratic.vjp_frobenius_norm(-2.0, W), _grad(norm, Wt, -2.0))
    Wt = _t(W)
    decay = 0.5 * lam * (Wt**2).sum()
    _close(quadratic.weight_decay(W, lam), decay.item())
    _close(quadratic.vjp_weight_decay(-2.0, W, lam), _grad(decay, Wt, -2.0))
