"""The two-layer network (X24–X27), beyond the generic checks of every rule.

tests/test_rules.py checks X24–X27 against central differences with every
dimension set to one size, and tests/test_validation.py sweeps their arguments
with bad input. This file checks what those cannot: unequal sizes (where a
transpose in the wrong place shows), that the backward pass is assembled from
the registered VJPs with one call per step whatever the batch size, a batch of
10⁴ samples, the cross-entropy variant, the convention at the kink, and the
public helpers `forward_pass` and `gradients`, including shapes that do not
chain.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import mcref
from mcref import numerical_jacobian
from mcref.ext import layers, regression
from mcref.ext.network import (
    MARGIN,
    Forward,
    Gradients,
    forward_pass,
    grad_network_b1,
    grad_network_b2,
    grad_network_W1,
    grad_network_W2,
    gradients,
    network_loss,
    vjp_network_b1,
    vjp_network_b2,
    vjp_network_W1,
    vjp_network_W2,
)
from mcref.ext.softmax import cross_entropy, vjp_cross_entropy
from mcref.paper import neuron
from mcref.paper.chain import vector_chain

RULE_IDS = ("X24", "X25", "X26", "X27")
PARAMS = ("W1", "b1", "W2", "b2")
# no two sizes equal, and each size 1 somewhere
UNEQUAL = (
    {"N": 5, "n": 3, "h": 4, "m": 2},
    {"N": 2, "n": 4, "h": 3, "m": 1},
    {"N": 1, "n": 2, "h": 5, "m": 3},
    {"N": 6, "n": 1, "h": 2, "m": 4},
    {"N": 3, "n": 5, "h": 1, "m": 2},
)


def _point(sizes: dict[str, int], seed: int = 0, *, targets: str = "real", kink: bool = False
           ) -> dict[str, np.ndarray]:
    """A random point, with every entry of Z1 at least MARGIN from the kink unless `kink` allows it.

    `targets` is "real" (regression targets), "onehot" or "soft" (rows of a
    probability distribution), for the cross-entropy.
    """
    N, n, h, m = sizes["N"], sizes["n"], sizes["h"], sizes["m"]
    rng = np.random.default_rng([seed, N, n, h, m])
    for _ in range(1000):
        X, W1, b1 = rng.normal(size=(N, n)), rng.normal(size=(n, h)), rng.normal(size=h)
        if kink or np.all(np.abs(X @ W1 + b1) > MARGIN):
            break
    else:  # pragma: no cover
        raise RuntimeError("no point away from the kink")
    W2, b2 = rng.normal(size=(h, m)), rng.normal(size=m)
    if targets == "real":
        Y = rng.normal(size=(N, m))
    elif targets == "onehot":
        Y = np.eye(m)[rng.integers(0, m, size=N)]
    else:
        Y = rng.uniform(0.0, 1.0, size=(N, m))
        Y /= Y.sum(axis=1, keepdims=True)
    return {"X": X, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "Y": Y}


def _numerical(point: dict[str, np.ndarray], name: str, **kw: str) -> np.ndarray:
    """The numerical gradient of the whole loss with respect to one parameter, shaped like it."""
    return numerical_jacobian(network_loss, wrt=name, **point, **kw).reshape(point[name].shape)


def _sizes_id(sizes: dict[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in sizes.items())


# ----- unequal sizes -----


@pytest.mark.parametrize("sizes", UNEQUAL, ids=_sizes_id)
@pytest.mark.parametrize("rid", RULE_IDS)
def test_rule_and_vjp_at_unequal_sizes(rid: str, sizes: dict[str, int]) -> None:
    # one seed: the generic sweep (tests/test_rules.py) already runs every rule at several points;
    # these tables add sizes of 1 in each position
    mcref.check_rule(rid, sizes).raise_if_failed()
    mcref.check_vjp(rid, sizes).raise_if_failed()


@pytest.mark.parametrize("sizes", UNEQUAL, ids=_sizes_id)
def test_gradients_match_the_numerical_gradient_of_the_whole_loss(sizes: dict[str, int]) -> None:
    point = _point(sizes)
    g = gradients(**point)
    assert isinstance(g, Gradients) and g._fields == PARAMS
    for name in PARAMS:
        got = getattr(g, name)
        assert got.shape == point[name].shape and got.dtype == np.float64, name
        np.testing.assert_allclose(got, _numerical(point, name), rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("sizes", UNEQUAL, ids=_sizes_id)
def test_closed_forms_are_the_gradients_flattened_and_vjps_are_v_times_them(sizes: dict[str, int]) -> None:
    point = _point(sizes, seed=3)
    g = gradients(**point)
    closed = {"W1": grad_network_W1, "b1": grad_network_b1, "W2": grad_network_W2, "b2": grad_network_b2}
    vjps = {"W1": vjp_network_W1, "b1": vjp_network_b1, "W2": vjp_network_W2, "b2": vjp_network_b2}
    for name in PARAMS:
        row = closed[name](**point)
        assert row.shape == (1, point[name].size)
        np.testing.assert_array_equal(row, getattr(g, name).reshape(1, -1))
        np.testing.assert_allclose(vjps[name](-2.5, **point), -2.5 * getattr(g, name), rtol=1e-15, atol=0)


@pytest.mark.parametrize("sizes", UNEQUAL[:3], ids=_sizes_id)
def test_vjp_chain_equals_the_product_of_full_jacobians(sizes: dict[str, int]) -> None:
    """The backward pass is the vector chain rule R26 evaluated from the left; here it is evaluated in full."""
    point = _point(sizes, seed=4)
    X, W1, b1, W2, b2, Y = (point[k] for k in ("X", "W1", "b1", "W2", "b2", "Y"))
    Z1, H, Yhat, _ = forward_pass(**point)
    dL_dYhat = regression.grad_mse(Yhat.reshape(-1), Y.reshape(-1))           # (1, N·m), X22
    dYhat_dH = layers.jac_batched_X(H, W2, b2)                           # (N·m, N·h), X4
    dH_dZ1 = neuron.jac_relu(Z1.reshape(-1))                             # (N·h, N·h), N6
    dL_dZ1 = vector_chain(vector_chain(dL_dYhat, dYhat_dH), dH_dZ1)      # (1, N·h)
    want = {
        "W2": vector_chain(dL_dYhat, layers.jac_batched_W(H, W2, b2)),   # X5
        "b2": vector_chain(dL_dYhat, layers.jac_batched_b(H, W2, b2)),   # X6
        "W1": vector_chain(dL_dZ1, layers.jac_batched_W(X, W1, b1)),     # X5
        "b1": vector_chain(dL_dZ1, layers.jac_batched_b(X, W1, b1)),     # X6
    }
    closed = {"W1": grad_network_W1, "b1": grad_network_b1, "W2": grad_network_W2, "b2": grad_network_b2}
    for name in PARAMS:
        np.testing.assert_allclose(closed[name](**point), want[name], rtol=1e-12, atol=1e-15, err_msg=name)


# ----- the loss and the forward pass -----


def test_loss_is_the_mean_of_x22_over_the_samples_and_over_all_entries() -> None:
    point = _point({"N": 4, "n": 3, "h": 5, "m": 2}, seed=5)
    out = forward_pass(**point)
    assert isinstance(out, Forward)
    assert out.Z1.shape == (4, 5) and out.H.shape == (4, 5) and out.Yhat.shape == (4, 2)
    np.testing.assert_allclose(out.Z1, point["X"] @ point["W1"] + point["b1"], rtol=1e-15)
    np.testing.assert_array_equal(out.H, np.maximum(out.Z1, 0.0))
    np.testing.assert_allclose(out.Yhat, out.H @ point["W2"] + point["b2"], rtol=1e-15)
    per_sample = [regression.mse(yhat, y) for yhat, y in zip(out.Yhat, point["Y"], strict=True)]
    assert out.loss == pytest.approx(np.mean(per_sample), rel=1e-14)
    assert out.loss == pytest.approx(np.mean((out.Yhat - point["Y"]) ** 2), rel=1e-14)
    assert network_loss(**point) == out.loss
    assert isinstance(out.loss, np.float64)


# ----- assembled from the registered VJPs, vectorized over the batch -----


VJPS = {
    (regression, "vjp_mse"): 1,          # X22
    (layers, "vjp_batched_W"): 2,    # X5, for W2 and W1
    (layers, "vjp_batched_b"): 2,    # X6, for b2 and b1
    (layers, "vjp_batched_X"): 1,    # X4, for H
    (neuron, "vjp_relu"): 1,         # N6
}


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = dict.fromkeys((name for _, name in VJPS), 0)
    for module, name in VJPS:
        original = getattr(module, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize("N", [1, 10, 10_000])
def test_backward_pass_calls_each_registered_vjp_once_per_step_whatever_the_batch(
    monkeypatch: pytest.MonkeyPatch, N: int
) -> None:
    """One call per step of the table on the page, for 1 or 10⁴ samples alike: no loop over samples."""
    calls = _count_calls(monkeypatch)
    point = _point({"N": N, "n": 3, "h": 4, "m": 2}, seed=6, kink=True)   # no numerical check here
    gradients(**point)
    assert calls == {name: count for (_, name), count in VJPS.items()}


def test_cross_entropy_uses_the_same_chain_after_its_first_step(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_calls(monkeypatch)
    gradients(**_point({"N": 50, "n": 3, "h": 4, "m": 2}, seed=7, targets="onehot", kink=True), loss="cross_entropy")
    assert calls == {**{name: count for (_, name), count in VJPS.items()}, "vjp_mse": 0}


def test_a_batch_of_ten_thousand_in_one_call() -> None:
    N, n, h, m = 10_000, 5, 8, 3
    rng = np.random.default_rng(8)
    X, W1, b1 = rng.normal(size=(N, n)), rng.normal(size=(n, h)) / np.sqrt(n), rng.normal(size=h)
    W2, b2, Y = rng.normal(size=(h, m)) / np.sqrt(h), rng.normal(size=m), rng.normal(size=(N, m))
    g = gradients(X, W1, b1, W2, b2, Y)

    # the formulas, written out independently
    Z1 = X @ W1 + b1
    H = np.maximum(Z1, 0.0)
    G = 2.0 / (N * m) * (H @ W2 + b2 - Y)
    D = (G @ W2.T) * (Z1 > 0)
    for got, want in zip(g, (X.T @ D, D.sum(axis=0), H.T @ G, G.sum(axis=0)), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)

    # the mean over 10⁴ samples is the mean of the means over ten chunks of 10³
    chunks = [gradients(X[i : i + 1000], W1, b1, W2, b2, Y[i : i + 1000]) for i in range(0, N, 1000)]
    for k, name in enumerate(PARAMS):
        np.testing.assert_allclose(getattr(g, name), np.mean([c[k] for c in chunks], axis=0), rtol=1e-9,
                                   atol=1e-15, err_msg=name)
    loss = network_loss(X, W1, b1, W2, b2, Y)
    chunk_losses = [network_loss(X[i : i + 1000], W1, b1, W2, b2, Y[i : i + 1000]) for i in range(0, N, 1000)]
    assert loss == pytest.approx(np.mean(chunk_losses), rel=1e-12)


# ----- the cross-entropy variant -----


@pytest.mark.parametrize("targets", ["onehot", "soft"])
@pytest.mark.parametrize("sizes", UNEQUAL, ids=_sizes_id)
def test_cross_entropy_gradients_match_the_numerical_gradient(sizes: dict[str, int], targets: str) -> None:
    point = _point(sizes, seed=9, targets=targets)
    g = gradients(**point, loss="cross_entropy")
    for name in PARAMS:
        got = getattr(g, name)
        assert got.shape == point[name].shape, name
        want = _numerical(point, name, loss="cross_entropy")
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8, err_msg=name)


def test_cross_entropy_targets_need_not_sum_to_one() -> None:
    """As X20, a target row that does not sum to 1 is used as given, and the gradient is still exact."""
    point = _point({"N": 4, "n": 2, "h": 3, "m": 3}, seed=10, targets="soft")
    point["Y"] = point["Y"] * np.array([[0.5], [2.0], [1.0], [0.0]])
    g = gradients(**point, loss="cross_entropy")
    for name in PARAMS:
        np.testing.assert_allclose(getattr(g, name), _numerical(point, name, loss="cross_entropy"), rtol=1e-6,
                                   atol=1e-8, err_msg=name)


def test_cross_entropy_is_x20_on_every_row() -> None:
    """The batch head computes what X20's loss and VJP give one row at a time, with v = 1/N."""
    point = _point({"N": 7, "n": 3, "h": 4, "m": 5}, seed=11, targets="soft")
    N = 7
    out = forward_pass(**point, loss="cross_entropy")
    rows = list(zip(out.Yhat, point["Y"], strict=True))
    assert out.loss == pytest.approx(np.mean([cross_entropy(z, y) for z, y in rows]), rel=1e-13)
    G = np.stack([vjp_cross_entropy(1.0 / N, z, y) for z, y in rows])   # X20's VJP, row by row
    g = gradients(**point, loss="cross_entropy")
    np.testing.assert_allclose(g.b2, G.sum(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g.W2, out.H.T @ G, rtol=1e-12, atol=1e-15)


def test_cross_entropy_is_finite_for_huge_logits() -> None:
    point = _point({"N": 3, "n": 2, "h": 4, "m": 3}, seed=12, targets="onehot")
    point["W2"] = point["W2"] * 1e4
    out = forward_pass(**point, loss="cross_entropy")
    assert np.abs(out.Yhat).max() > 1000 and np.isfinite(out.loss)
    assert all(np.all(np.isfinite(grad)) for grad in gradients(**point, loss="cross_entropy"))


# ----- the convention at the kink -----


def test_a_hidden_unit_exactly_at_zero_counts_as_inactive() -> None:
    X = [[1.0, -1.0]]
    W1, b1 = [[1.0, 2.0], [1.0, 0.0]], [0.0, 0.5]        # Z1 = [0, 2.5]: unit 0 sits on the kink
    W2, b2, Y = [[3.0], [1.0]], [0.0], [[1.0]]
    out = forward_pass(X, W1, b1, W2, b2, Y)
    np.testing.assert_array_equal(out.Z1, [[0.0, 2.5]])
    g = gradients(X, W1, b1, W2, b2, Y)
    # unit 0 passes no gradient: its column of dL/dW1 and its entry of dL/db1 are 0
    np.testing.assert_array_equal(g.W1[:, 0], [0.0, 0.0])
    assert g.b1[0] == 0.0 and not np.signbit(g.b1[0])
    # unit 1 does: dL/dz = 2(ŷ − y) w2 = 2 · 1.5 · 1
    np.testing.assert_array_equal(g.b1, [0.0, 3.0])
    np.testing.assert_array_equal(g.W1[:, 1], [3.0, -3.0])


# ----- input -----


def test_integer_input_is_computed_as_float64() -> None:
    ints = {"X": [[1, 2], [0, -1]], "W1": [[1, -1, 2], [1, 1, -1]], "b1": [0, 1, 1], "W2": [[1], [-1], [2]],
            "b2": [1], "Y": [[0], [1]]}
    floats = {k: np.asarray(v, dtype=np.float64) for k, v in ints.items()}
    for got, want in zip(gradients(**ints), gradients(**floats), strict=True):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)
    assert forward_pass(**ints).loss == forward_pass(**floats).loss


VALID = _point({"N": 4, "n": 3, "h": 5, "m": 2}, seed=13)
PUBLIC = [network_loss, forward_pass, gradients, grad_network_W1, grad_network_b2]

MISMATCHES = {
    "X-columns-vs-W1-rows": (
        {"W1": np.ones((2, 5))},
        r"X has n = 3 columns (features), so W1 must have 3 rows (W1 is n by h), got W1 of shape (2, 5)",
    ),
    "W1-columns-vs-b1": (
        {"b1": np.ones(4)},
        r"W1 has h = 5 columns (hidden units), so b1 must have length 5, got length 4",
    ),
    "W1-columns-vs-W2-rows": (
        {"W2": np.ones((4, 2))},
        r"W1 has h = 5 columns (hidden units), so W2 must have 5 rows (W2 is h by m), got W2 of shape (4, 2)",
    ),
    "W2-columns-vs-b2": (
        {"b2": np.ones(3)},
        r"W2 has m = 2 columns (outputs), so b2 must have length 2, got length 3",
    ),
    "Y-rows-vs-X-rows": (
        {"Y": np.ones((3, 2))},
        r"Y must have shape (N, m) = (4, 2): one row per row of X (N = 4) and one column per column of W2 "
        r"(m = 2), got shape (3, 2)",
    ),
    "Y-columns-vs-W2-columns": (
        {"Y": np.ones((4, 3))},
        r"Y must have shape (N, m) = (4, 2): one row per row of X (N = 4) and one column per column of W2 "
        r"(m = 2), got shape (4, 3)",
    ),
    "Y-transposed": ({"Y": np.ones((2, 4))}, r"Y must have shape (N, m) = (4, 2)"),
    "W1-transposed": ({"W1": np.ones((5, 3))}, r"so W1 must have 3 rows (W1 is n by h), got W1 of shape (5, 3)"),
}


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("change", "message"), MISMATCHES.values(), ids=MISMATCHES.keys())
def test_shapes_that_do_not_chain_are_refused(fn, change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        fn(**{**VALID, **change})


@pytest.mark.parametrize(("change", "message"), MISMATCHES.values(), ids=MISMATCHES.keys())
def test_vjp_refuses_shapes_that_do_not_chain(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        vjp_network_W2(1.0, **{**VALID, **change})


def _helper_bad_values():
    """A few bad values for every argument of forward_pass and gradients (tests/badinput.py)."""
    from tests.badinput import wiring_values

    for fn in (forward_pass, gradients):
        for name, value in VALID.items():
            for case, bad, exc, pattern in wiring_values(name, value):
                yield pytest.param(fn, name, bad, exc, pattern, id=f"{fn.__name__}-{name}-{case}")


@pytest.mark.parametrize(("fn", "name", "bad", "exc", "pattern"), list(_helper_bad_values()))
def test_helpers_bad_argument(fn, name: str, bad, exc: type[Exception], pattern: str) -> None:
    fn(**VALID)
    with pytest.raises(exc, match=pattern):
        fn(**{**VALID, name: bad})


@pytest.mark.parametrize("fn", [network_loss, forward_pass, gradients], ids=lambda f: f.__name__)
def test_unknown_loss_is_refused(fn) -> None:
    with pytest.raises(ValueError, match=r"loss must be one of \('mse', 'cross_entropy'\), got 'ce'"):
        fn(**VALID, loss="ce")
    with pytest.raises(TypeError, match=r"loss must be one of \('mse', 'cross_entropy'\), got NoneType None"):
        fn(**VALID, loss=None)


@pytest.mark.parametrize("fn", [network_loss, forward_pass, gradients], ids=lambda f: f.__name__)
def test_cross_entropy_refuses_a_negative_target(fn) -> None:
    Y = np.full((4, 2), 0.5)
    Y[2, 1] = -0.25
    with pytest.raises(ValueError,
                       match=r"Y must hold target distributions with no negative entry, got Y\[2, 1\] = -0\.25"):
        fn(**{**VALID, "Y": Y}, loss="cross_entropy")
    fn(**{**VALID, "Y": Y})  # a regression target may be negative


def test_overflow_is_an_error_not_inf() -> None:
    big = {**VALID, "X": VALID["X"] * 1e200, "W1": VALID["W1"] * 1e200}
    with pytest.raises(ValueError, match=r"overflowed"):
        gradients(**big)
    with pytest.raises(ValueError, match=r"overflowed"):
        network_loss(**big)


def test_vjp_refuses_a_non_scalar_v() -> None:
    with pytest.raises(ValueError, match=r"v must be a scalar \(a 0-d value\), got an array of shape \(2,\)"):
        vjp_network_b1([1.0, 2.0], **VALID)
