"""An optional second opinion on X40–X50: PyTorch's autograd, in float64, at random points.

The generic sweep (tests/test_rules.py) already checks every closed form against central
differences and every VJP against vᵀJ. This file compares the same functions with an independent
implementation of the same layers: `F.layer_norm`, `F.batch_norm(training=True)`,
`F.scaled_dot_product_attention` and `F.conv1d`, differentiated by `torch.autograd`. It checks the
forward values (the definitions agree: biased variance, ε inside the square root, 1/√d, no filter
flip), every VJP against `torch.autograd.grad` and every closed-form Jacobian against
`torch.autograd.functional.jacobian`, flattened row by row like mcref's.

torch is not a dependency of mcref or of its test extra: without it, this file is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mcref
from mcref.ext import attention, convolution, normalization

torch = pytest.importorskip(
    "torch", reason="torch is not installed: the optional cross-check against PyTorch's autograd is skipped"
)
F = torch.nn.functional

SEEDS = (0, 1, 2)
EPS = 1e-5


def _layer_norm(x: Any, gamma: Any, beta: Any) -> Any:
    return F.layer_norm(x, (x.shape[0],), weight=gamma, bias=beta, eps=EPS)


def _batch_norm(X: Any, gamma: Any, beta: Any) -> Any:
    return F.batch_norm(X, None, None, weight=gamma, bias=beta, training=True, eps=EPS)


def _attention(Q: Any, K: Any, V: Any) -> Any:
    # a batch dimension of 1 around the 2-D matrices; the default scale is 1/√d
    return F.scaled_dot_product_attention(Q[None], K[None], V[None])[0]


def _conv1d(x: Any, w: Any) -> Any:
    return F.conv1d(x[None, None, :], w[None, None, :])[0, 0]


# rule ID -> (torch function of the tensors, the variable's name, the tensors' shapes, mcref's extra arguments)
CASES: dict[str, tuple[Callable[..., Any], str, dict[str, tuple[int, ...]], dict[str, float]]] = {
    "X40": (_layer_norm, "x", {"x": (7,), "gamma": (7,), "beta": (7,)}, {"eps": EPS}),
    "X41": (_layer_norm, "gamma", {"x": (7,), "gamma": (7,), "beta": (7,)}, {"eps": EPS}),
    "X42": (_layer_norm, "beta", {"x": (7,), "gamma": (7,), "beta": (7,)}, {"eps": EPS}),
    "X43": (_batch_norm, "X", {"X": (5, 3), "gamma": (3,), "beta": (3,)}, {"eps": EPS}),
    "X44": (_batch_norm, "gamma", {"X": (5, 3), "gamma": (3,), "beta": (3,)}, {"eps": EPS}),
    "X45": (_batch_norm, "beta", {"X": (5, 3), "gamma": (3,), "beta": (3,)}, {"eps": EPS}),
    "X46": (_attention, "Q", {"Q": (3, 4), "K": (5, 4), "V": (5, 2)}, {}),
    "X47": (_attention, "K", {"Q": (3, 4), "K": (5, 4), "V": (5, 2)}, {}),
    "X48": (_attention, "V", {"Q": (3, 4), "K": (5, 4), "V": (5, 2)}, {}),
    "X49": (_conv1d, "x", {"x": (9,), "w": (4,)}, {}),
    "X50": (_conv1d, "w", {"x": (9,), "w": (4,)}, {}),
}


def test_every_new_rule_has_a_case() -> None:
    new = {
        r.id
        for r in mcref.all_rules()
        if r.derivative.__module__ in {m.__name__ for m in (normalization, attention, convolution)}
    }
    assert new == set(CASES)


def _point(shapes: dict[str, tuple[int, ...]], seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=shape) for name, shape in shapes.items()}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rule_id", sorted(CASES, key=lambda i: int(i[1:])))
def test_vjp_and_jacobian_match_torch_autograd(rule_id: str, seed: int) -> None:
    fn, wrt, shapes, extra = CASES[rule_id]
    r = mcref.get_rule(rule_id)
    point = _point(shapes, seed)
    tensors = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in point.items()}
    out = fn(**tensors)

    # the same layer: the forward values agree
    np.testing.assert_allclose(r.forward(**point, **extra), out.detach().numpy(), rtol=1e-12, atol=1e-12)

    # the backprop form against autograd's vector-Jacobian product
    v = np.random.default_rng(100 + seed).normal(size=tuple(out.shape))
    (want,) = torch.autograd.grad(out, tensors[wrt], grad_outputs=torch.tensor(v, dtype=torch.float64))
    got = r.vjp(v, **point, **extra)
    assert got.shape == point[wrt].shape
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-12)

    # the closed-form Jacobian against autograd's full Jacobian, flattened row by row
    def of_variable(t: Any) -> Any:
        return fn(**{**tensors, wrt: t})

    full = torch.autograd.functional.jacobian(of_variable, tensors[wrt].detach()).numpy()
    closed = r.derivative(**point, **extra)
    np.testing.assert_allclose(closed, full.reshape(closed.shape), rtol=1e-10, atol=1e-12)
    assert full.size == closed.size
