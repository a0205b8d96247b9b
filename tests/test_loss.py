"""The loss of §6 (L1–L3), beyond the generic checks of every rule.

tests/test_rules.py checks L1–L3 against central differences and
tests/test_validation.py feeds them bad input. This file checks the rest: the
per-sample case split (erratum E7) and the readings of E12, the shapes of the
update (E13), the hat trick (L3 against L1 and L2), the kink convention,
vectorization over many samples, and the helpers that are not rules: grad_loss
(L1 and L2 as written) and grad_loss_blocked (the same numbers, computed in
blocks of rows for speed), which must agree and refuse bad input alike.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from mcref import numerical_jacobian
from mcref.paper import loss as loss_module
from mcref.paper.loss import (
    MARGIN,
    augment,
    grad_loss,
    grad_loss_augmented,
    grad_loss_b,
    grad_loss_blocked,
    grad_loss_w,
    gradient_step,
    loss,
    loss_augmented,
)
from tests.badinput import bad_values, wiring_values

RNG = np.random.default_rng(611)

# the page's data: five samples, three of them inactive
X5 = np.array([[2.0, 1.0], [0.0, 2.0], [1.0, 0.0], [-1.0, 1.0], [1.0, 2.0]])
Y5 = np.array([1.0, 2.0, 0.5, 1.0, 0.5])
W5 = np.array([1.0, -1.0])
B5 = 0.5


def _mixed(N: int, n: int, rng: np.random.Generator = RNG) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Random (w, b, X, y) with active and inactive samples, all away from the kink."""
    while True:
        w, b = rng.normal(size=n), float(rng.normal(scale=0.5))
        X, y = rng.normal(size=(N, n)), rng.uniform(0.0, 2.0, size=N)
        z = X @ w + b
        if (z > 0).any() and (z <= 0).any() and np.all(np.abs(z) > MARGIN):
            return w, b, X, y


def _per_sample(w, b, X, y):
    """The gradients by a plain loop over samples, written straight from the case split."""
    gw, gb = np.zeros(len(w)), 0.0
    for xi, yi in zip(X, y, strict=True):
        zi = w @ xi + b
        if zi > 0:
            gw += 2 * (zi - yi) * xi
            gb += 2 * (zi - yi)
    return gw / len(y), gb / len(y)


# ----- the closed forms -----


def test_the_page_data_has_active_and_inactive_samples() -> None:
    z = X5 @ W5 + B5
    np.testing.assert_array_equal(z > 0, [True, False, True, False, False])
    assert loss(W5, B5, X5, Y5) == pytest.approx(1.3)


@pytest.mark.parametrize(("N", "n"), [(1, 1), (2, 3), (7, 2), (40, 5)])
def test_gradients_match_a_per_sample_loop(N: int, n: int) -> None:
    for _ in range(10):
        w, b, X, y = (_mixed(N, n) if N > 1 else (RNG.normal(size=n), 0.1, RNG.normal(size=(N, n)), RNG.normal(size=N)))
        gw, gb = _per_sample(w, b, X, y)
        np.testing.assert_allclose(grad_loss_w(w, b, X, y), gw[None, :], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(grad_loss_b(w, b, X, y), [[gb]], rtol=1e-12, atol=1e-12)


def test_inactive_samples_do_not_count() -> None:
    """Changing the target or the input of an inactive sample leaves the gradient alone."""
    z = X5 @ W5 + B5
    y, X = Y5.copy(), X5.copy()
    y[~(z > 0)] += 100.0
    X[1] *= 3.0  # sample 1 stays inactive: z_1 = -6 + 0.5
    assert (X @ W5 + B5 > 0).tolist() == (z > 0).tolist()
    np.testing.assert_array_equal(grad_loss_w(W5, B5, X, y), grad_loss_w(W5, B5, X5, Y5))
    np.testing.assert_array_equal(grad_loss_b(W5, B5, X, y), grad_loss_b(W5, B5, X5, Y5))


def test_a_sample_on_the_kink_counts_as_inactive() -> None:
    X = np.array([[1.0, 1.0], [2.0, 0.0]])
    w, b, y = np.array([1.0, -1.0]), 0.0, np.array([3.0, 1.0])  # z = 0 and 2
    np.testing.assert_array_equal(grad_loss_w(w, b, X, y), [[(2 / 2) * (2 - 1) * 2.0, 0.0]])
    np.testing.assert_array_equal(grad_loss_b(w, b, X, y), [[(2 / 2) * (2 - 1)]])


def test_a_dead_neuron_has_zero_gradient() -> None:
    X = RNG.normal(size=(20, 3))
    w, b, y = np.zeros(3), -1.0, RNG.uniform(0, 2, size=20)  # every z_i = -1
    np.testing.assert_array_equal(grad_loss_w(w, b, X, y), np.zeros((1, 3)))
    np.testing.assert_array_equal(grad_loss_b(w, b, X, y), np.zeros((1, 1)))
    assert loss(w, b, X, y) == pytest.approx(np.mean(y**2))


# ----- E7: the case split belongs inside the sum -----


def test_e7_literal_formula_differs_and_the_numerics_side_with_l1() -> None:
    N = len(Y5)
    e = X5 @ W5 + B5 - Y5
    literal = (2 / N) * (e @ X5)
    correct = grad_loss_w(W5, B5, X5, Y5)[0]
    numeric = numerical_jacobian(loss, W5, B5, X5, Y5, wrt="w")[0]
    np.testing.assert_allclose(literal, [1.4, -4.4])
    np.testing.assert_allclose(correct, [0.8, 0.2])
    np.testing.assert_allclose(numeric, correct, rtol=1e-6)
    assert not np.allclose(numeric, literal)
    # the same for the bias
    numeric_b = numerical_jacobian(loss, W5, B5, X5, Y5, wrt="b")[0, 0]
    assert numeric_b == pytest.approx(grad_loss_b(W5, B5, X5, Y5)[0, 0]) == pytest.approx(0.6)
    assert (2 / N) * e.sum() == pytest.approx(-2.2)


def test_e7_literal_and_correct_agree_only_when_every_sample_is_active() -> None:
    b = 3.0  # lifts every sample above the kink
    assert np.all(X5 @ W5 + b > 0)
    e = X5 @ W5 + b - Y5
    np.testing.assert_allclose(grad_loss_w(W5, b, X5, Y5)[0], (2 / len(Y5)) * (e @ X5))


def test_e12_bias_derivative_is_twice_the_mean_error_only_when_all_active() -> None:
    e = X5 @ W5 + B5 - Y5
    active = X5 @ W5 + B5 > 0
    g = grad_loss_b(W5, B5, X5, Y5)[0, 0]
    assert g != pytest.approx(2 * e.mean())
    assert g != pytest.approx(2 * e[active].mean())  # not the mean over the active ones either
    assert g == pytest.approx(2 * e[active].sum() / len(Y5))
    e3 = X5 @ W5 + 3.0 - Y5
    assert grad_loss_b(W5, 3.0, X5, Y5)[0, 0] == pytest.approx(2 * e3.mean())


def test_e12_error_is_output_minus_target() -> None:
    """An output above its target gives a positive derivative, so a descent step lowers the output."""
    X, y = np.array([[1.0]]), np.array([0.5])
    w, b = np.array([2.0]), 0.0  # output 2 > target 0.5
    assert grad_loss_b(w, b, X, y)[0, 0] > 0
    new_w, new_b = gradient_step(w, b, X, y, lr=0.1)
    assert new_w @ X[0] + new_b < w @ X[0] + b


# ----- E13: the update transposes the gradient -----


def test_e13_gradient_step_shapes() -> None:
    w, b, X, y = _mixed(30, 4)
    g = grad_loss_w(w, b, X, y)
    assert g.shape == (1, 4)  # numerator layout: a row
    assert (w - 0.1 * g).shape == (1, 4)  # the untransposed update drifts to a 2-D row
    new_w, new_b = gradient_step(w, b, X, y, lr=0.1)
    assert new_w.shape == (4,) and new_w.dtype == np.float64
    assert isinstance(new_b, np.float64)
    np.testing.assert_array_equal(new_w, w - 0.1 * g.T[:, 0])
    assert new_b == b - 0.1 * grad_loss_b(w, b, X, y)[0, 0]


def test_gradient_step_matches_the_page() -> None:
    new_w, new_b = gradient_step(W5, B5, X5, Y5, lr=0.1)
    np.testing.assert_allclose(new_w, [0.92, -1.02])
    assert new_b == pytest.approx(0.44)


def test_training_lowers_the_loss_at_every_step() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1.0, 1.0, size=(500, 3))
    y = np.maximum(0.0, X @ np.array([1.5, -2.0, 0.5]) + 0.25)
    w, b = np.array([0.5, 0.5, 0.5]), 0.0
    losses = [loss(w, b, X, y)]
    for _ in range(40):
        w, b = gradient_step(w, b, X, y, lr=0.2)
        losses.append(loss(w, b, X, y))
    assert all(later < earlier for earlier, later in itertools.pairwise(losses))
    assert losses[-1] < 0.05 * losses[0]


# ----- L3: the hat trick -----


@pytest.mark.parametrize(("N", "n"), [(1, 1), (5, 2), (9, 4), (200, 7)])
def test_l3_on_augmented_data_is_l1_and_l2_side_by_side(N: int, n: int) -> None:
    for _ in range(5):
        w, b, X, y = _mixed(N, n) if N > 1 else (RNG.normal(size=n), 0.7, RNG.normal(size=(N, n)), RNG.normal(size=N))
        X_hat, w_hat = augment(X), np.append(w, b)
        assert X_hat.shape == (N, n + 1)
        np.testing.assert_array_equal(X_hat[:, -1], np.ones(N))
        assert loss_augmented(w_hat, X_hat, y) == pytest.approx(loss(w, b, X, y), rel=1e-14)
        stacked = np.hstack([grad_loss_w(w, b, X, y), grad_loss_b(w, b, X, y)])
        hat = grad_loss_augmented(w_hat, X_hat, y)
        assert hat.shape == (1, n + 1)
        np.testing.assert_allclose(hat, stacked, rtol=1e-12, atol=1e-14)


def test_l3_on_augmented_data_matches_the_numerical_gradient() -> None:
    w, b, X, y = _mixed(12, 3)
    X_hat, w_hat = augment(X), np.append(w, b)
    numeric = numerical_jacobian(loss_augmented, w_hat, X_hat, y, wrt="w_hat")
    np.testing.assert_allclose(grad_loss_augmented(w_hat, X_hat, y), numeric, rtol=1e-6, atol=1e-8)


def test_e9_the_dot_product_value_does_not_care_about_row_or_column() -> None:
    w, b, x = RNG.normal(size=3), 0.4, RNG.normal(size=3)
    w_hat = np.append(w, b).reshape(-1, 1)  # a column
    x_hat = np.append(x, 1.0).reshape(-1, 1)  # a column, as it should be
    assert (w_hat.T @ x_hat).item() == pytest.approx(w @ x + b)
    assert (x_hat.T @ w_hat).item() == pytest.approx(w @ x + b)  # x̂ as the printed row: the same value


# ----- vectorization -----


def test_one_call_handles_a_hundred_thousand_samples() -> None:
    rng = np.random.default_rng(1)
    N, n = 100_000, 8
    X, y = rng.normal(size=(N, n)), rng.uniform(0, 2, size=N)
    w, b = rng.normal(size=n), 0.1
    z = X @ w + b
    active = z > 0
    assert 0.3 < active.mean() < 0.7
    # a different route to the same numbers: einsum over the active rows only
    want_w = 2 / N * np.einsum("i,ij->j", (z - y)[active], X[active])
    want_b = 2 / N * (z - y)[active].sum()
    np.testing.assert_allclose(grad_loss_w(w, b, X, y)[0], want_w, rtol=1e-10)
    np.testing.assert_allclose(grad_loss_b(w, b, X, y)[0, 0], want_b, rtol=1e-10)
    np.testing.assert_allclose(grad_loss_augmented(np.append(w, b), augment(X), y)[0, :n], want_w, rtol=1e-10)
    assert loss(w, b, X, y) == pytest.approx(np.mean((y - np.maximum(z, 0)) ** 2), rel=1e-12)
    new_w, _ = gradient_step(w, b, X, y, lr=0.01)
    assert new_w.shape == (n,)


def test_no_python_loop_over_samples_in_the_module() -> None:
    """Vectorized by construction: the only loop in the module is grad_loss_blocked's loop
    over blocks of rows, `for start in range(0, N, rows)`; no while loop, no comprehension."""
    tree = ast.parse(Path(loss_module.__file__).read_text(encoding="utf-8"))
    loops = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    found = [
        (fn.name, node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, loops)
    ]
    assert [name for name, _ in found] == ["grad_loss_blocked"], [ast.unparse(node)[:80] for _, node in found]
    loop = found[0][1]
    assert ast.unparse(loop.iter) == "range(0, N, rows)", ast.unparse(loop.iter)
    at_top = [node for node in tree.body if isinstance(node, loops)]
    assert at_top == []


# ----- grad_loss, the formula; grad_loss_blocked, the same numbers for speed -----


def _point(N: int, n: int) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """A random point with active and inactive samples (any point when N = 1)."""
    if N > 1:
        return _mixed(N, n)
    return RNG.normal(size=n), 0.1, RNG.normal(size=(N, n)), RNG.normal(size=N)


@pytest.mark.parametrize(("N", "n"), [(1, 1), (2, 3), (7, 2), (40, 5), (1000, 64)])
def test_grad_loss_is_the_rule_functions(N: int, n: int) -> None:
    """The plain formula is L1 and L2 exactly: the same expressions, so the same bits."""
    for _ in range(3):
        w, b, X, y = _point(N, n)
        grad_w, grad_b = grad_loss(w, b, X, y)
        assert grad_w.shape == (1, n) and grad_b.shape == (1, 1)
        assert grad_w.dtype == grad_b.dtype == np.float64
        np.testing.assert_array_equal(grad_w, grad_loss_w(w, b, X, y))
        np.testing.assert_array_equal(grad_b, grad_loss_b(w, b, X, y))


@pytest.mark.parametrize("rows", [1, 3, 4, 4096])
@pytest.mark.parametrize(("N", "n"), [(1, 1), (2, 3), (7, 2), (12, 3), (14, 3), (40, 5), (1000, 64)])
def test_grad_loss_blocked_is_grad_loss(N: int, n: int, rows: int) -> None:
    """Blocks of `rows` rows: one block, several full ones (12 = 4 × 3), and a ragged last
    block (14 rows in blocks of 3 or 4, 1000 in blocks of 3, ...)."""
    for _ in range(3):
        w, b, X, y = _point(N, n)
        grad_w, grad_b = grad_loss_blocked(w, b, X, y, block_bytes=8 * n * rows)
        assert grad_w.shape == (1, n) and grad_b.shape == (1, 1)
        assert grad_w.dtype == grad_b.dtype == np.float64
        want_w, want_b = grad_loss(w, b, X, y)
        np.testing.assert_allclose(grad_w, want_w, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(grad_b, want_b, rtol=1e-12, atol=1e-14)


def test_grad_loss_blocked_default_blocks_with_a_ragged_last_one() -> None:
    """At the default BLOCK_BYTES, 10,000 samples of 64 features are blocks of 4,096, 4,096 and 1,808 rows."""
    rng = np.random.default_rng(7)
    N, n = 10_000, 64
    X, y = rng.normal(size=(N, n)), rng.uniform(0, 2, size=N)
    w, b = rng.normal(size=n) / 8, 0.1
    assert [len(r) for r in np.array_split(np.arange(N), [4096, 8192])] == [4096, 4096, 1808]
    assert loss_module.BLOCK_BYTES // (8 * n) == 4096
    for got, want in zip(grad_loss_blocked(w, b, X, y), grad_loss(w, b, X, y), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_grad_loss_blocked_blocks_cover_a_million_samples() -> None:
    """The block size the Performance page states: 4,096 rows of 64 features, 245 blocks for 10^6 samples."""
    assert loss_module.BLOCK_BYTES // (8 * 64) == 4096
    assert len(range(0, 10**6, 4096)) == 245


@pytest.mark.parametrize("fn", [grad_loss, grad_loss_blocked])
def test_grad_loss_reads_x_without_changing_it(fn) -> None:
    w, b, X, y = _mixed(50, 4)
    before = X.copy()
    X.flags.writeable = False  # neither may need to write into X
    fn(w, b, X, y)
    np.testing.assert_array_equal(X, before)


def _refusals(*args: object, block_bytes: int = 8 * 3 * 3) -> tuple[str, str]:
    """The exception and message of grad_loss and of grad_loss_blocked (blocks of 3 rows of 3
    features by default) for the same arguments; both must raise."""
    got = []
    for fn, extra in ((grad_loss, {}), (grad_loss_blocked, {"block_bytes": block_bytes})):
        with pytest.raises((ValueError, TypeError)) as info:
            fn(*args, **extra)
        got.append((info.type.__name__, str(info.value)))
    return got[0], got[1]


@pytest.mark.parametrize(("name", "bad", "exc", "pattern"), [
    pytest.param(name, bad, exc, pattern, id=f"{name}-{case}")
    for name, v in {"w": W5, "b": np.asarray(B5), "X": X5, "y": Y5}.items()
    for case, bad, exc, pattern in bad_values(name, np.asarray(v, dtype=np.float64))
])
def test_grad_loss_blocked_refuses_bad_input_as_grad_loss(name: str, bad: object, exc: type, pattern: str) -> None:
    args = {"w": W5, "b": B5, "X": X5, "y": Y5, name: bad}
    plain, blocked = _refusals(*args.values(), block_bytes=8 * 2 * 2)
    assert blocked == plain
    assert plain[0] == exc.__name__ and re.search(pattern, plain[1]), plain


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        ((W5, B5, X5, np.append(Y5, 1.0)), r"^y and each column of X must have the same length, got: y has length 6"),
        (([1.0], B5, X5, Y5), r"^w and each row of X must have the same length, got: w has length 1"),
        ((W5, B5, X5[0], Y5), r"^X must be a 2-D array .*got an array of shape \(2,\)"),
        (([1e200], 0.0, [[1e200]], [0.0]), r"^w · x_i \+ b is not finite: it overflowed float64"),
        (([1.0], 0.0, [[1e200]], [-1e200]), r"^the gradient is not finite: it overflowed float64"),  # e x overflows
        (([1.0], 0.0, [[1e308]], [-1e308]), r"^an error z_i − y_i is not finite: it overflowed float64"),
    ],
)
def test_sizes_that_do_not_fit_and_overflow_are_refused_alike(args: tuple, pattern: str) -> None:
    plain, blocked = _refusals(*args)
    assert blocked == plain
    assert plain[0] == "ValueError" and re.search(pattern, plain[1]), plain


@pytest.mark.parametrize("block", [0, 2, 4])
@pytest.mark.parametrize("token", [np.nan, np.inf, -np.inf])
def test_a_non_finite_x_is_found_in_any_block(token: float, block: int) -> None:
    """grad_loss_blocked does not scan X up front when no weight is 0: a NaN or inf shows up
    in z instead, and the message still names the entry of X, as grad_loss's scan does."""
    w, b, X, y = _mixed(14, 3)  # blocks of rows 0-2, 3-5, ..., 12-13
    X[3 * block + 1, 2] = token
    plain, blocked = _refusals(w, b, X, y)
    assert blocked == plain == ("ValueError", f"X must be finite, got {token} at index ({3 * block + 1}, 2)")


def test_a_non_finite_x_is_found_behind_a_zero_weight() -> None:
    """0 × NaN is NaN but a BLAS may skip a zero weight, and 0 × inf is NaN too: a zero
    weight sends X through the full scan before anything else."""
    w, b, X, y = _mixed(10, 3)
    w[1] = 0.0
    X[7, 1] = np.inf
    plain, blocked = _refusals(w, b, X, y)
    assert blocked == plain == ("ValueError", "X must be finite, got inf at index (7, 1)")


@pytest.mark.parametrize(
    ("block_bytes", "exc", "pattern"),
    [
        (0, ValueError, r"^block_bytes must be >= 1 \(bytes of X per block\), got 0$"),
        (-8, ValueError, r"^block_bytes must be >= 1 \(bytes of X per block\), got -8$"),
        (2.5, TypeError, r"^block_bytes must be an integer \(bytes of X per block\), got float 2.5$"),
        (True, TypeError, r"^block_bytes must be an integer \(bytes of X per block\), got bool True$"),
        ("4096", TypeError, r"^block_bytes must be an integer \(bytes of X per block\), got str '4096'$"),
    ],
)
def test_block_bytes_must_be_a_positive_integer(block_bytes: object, exc: type, pattern: str) -> None:
    with pytest.raises(exc, match=pattern):
        grad_loss_blocked(W5, B5, X5, Y5, block_bytes=block_bytes)


def test_fewer_bytes_than_a_row_still_reads_a_row_at_a_time() -> None:
    np.testing.assert_allclose(grad_loss_blocked(W5, B5, X5, Y5, block_bytes=1)[0], grad_loss_w(W5, B5, X5, Y5))
    np.testing.assert_allclose(
        grad_loss_blocked(W5, B5, X5, Y5, block_bytes=np.int64(16))[1], grad_loss_b(W5, B5, X5, Y5)
    )


# ----- sizes that do not fit, with messages that say so -----


def test_weights_longer_than_a_sample() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape(
            "w and each row of X must have the same length, got: w has length 3, each row of X has length 2 "
            "(one weight per feature; X has shape (5, 2), y has length 5)"
        ),
    ):
        loss([1.0, 2.0, 3.0], 0.0, X5, Y5)


def test_more_targets_than_samples() -> None:
    with pytest.raises(
        ValueError,
        match=re.escape(
            "y and each column of X must have the same length, got: y has length 6, each column of X has length 5 "
            "(one target per sample; X has shape (5, 2), w has length 2)"
        ),
    ):
        grad_loss_w(W5, B5, X5, np.append(Y5, 1.0))


def test_augmented_sizes_name_the_augmented_arguments() -> None:
    with pytest.raises(
        ValueError, match=r"w_hat and each row of X_hat must have the same length, got: w_hat has length 2"
    ):
        grad_loss_augmented(W5, augment(X5), Y5)  # forgot to append b
    with pytest.raises(ValueError, match=r"y and each column of X_hat must have the same length, got: y has length 4"):
        loss_augmented(np.append(W5, B5), augment(X5), Y5[:4])


@pytest.mark.parametrize(
    ("X", "shape"),
    [(np.array([1.0, 2.0]), "(2,)"), (np.ones((2, 5, 2)), "(2, 5, 2)"), (3.0, "()")],
)
def test_samples_must_be_a_matrix(X: object, shape: str) -> None:
    message = (rf"X must be a 2-D array \(a matrix of shape \(N, n\), one sample per row\), "
               rf"got an array of shape {re.escape(shape)}")
    for fn in (loss, grad_loss_w, grad_loss_b):
        with pytest.raises(ValueError, match=message):
            fn(W5, B5, X, Y5)


def test_a_single_sample_must_still_be_a_row_of_a_matrix() -> None:
    np.testing.assert_array_equal(grad_loss_w([1.0, 1.0], 0.0, [[1.0, 2.0]], [0.0]), [[6.0, 12.0]])
    with pytest.raises(ValueError, match=r"X must be a 2-D array"):
        grad_loss_w([1.0, 1.0], 0.0, [1.0, 2.0], [0.0])


def test_overflow_is_refused_not_returned() -> None:
    with pytest.raises(ValueError, match=r"overflowed"):
        loss([1e200], 0.0, [[1e200]], [0.0])
    with pytest.raises(ValueError, match=r"overflowed"):
        loss([1e150], 0.0, [[1e10]], [0.0])  # z is finite, its square is not
    with pytest.raises(ValueError, match=r"overflowed"):
        grad_loss_w([1e200], 0.0, [[1e200]], [0.0])


def test_integer_input_is_computed_as_float64() -> None:
    X, y = [[2, 1], [0, 2], [1, 0]], [1, 2, 0]
    assert isinstance(loss([1, -1], 1, X, y), np.float64)
    np.testing.assert_array_equal(
        grad_loss_w([1, -1], 1, X, y), grad_loss_w([1.0, -1.0], 1.0, np.array(X, float), np.array(y, float))
    )
    assert augment([[1, 2]]).dtype == np.float64


# ----- bad input for the helpers, which the generic validation tests do not reach -----

_STEP_ARGS = {"w": W5, "b": np.asarray(B5), "X": X5, "y": Y5, "lr": np.asarray(0.1)}


_GRAD_ARGS = {"w": W5, "b": np.asarray(B5), "X": X5, "y": Y5}


def _helper_cases():
    for name, v in _GRAD_ARGS.items():
        for case, bad, exc, pattern in wiring_values(name, np.asarray(v, dtype=np.float64)):
            yield pytest.param(grad_loss, _GRAD_ARGS, name, bad, exc, pattern, id=f"grad_loss-{name}-{case}")
    for name, v in _STEP_ARGS.items():
        for case, bad, exc, pattern in wiring_values(name, np.asarray(v, dtype=np.float64)):
            yield pytest.param(gradient_step, _STEP_ARGS, name, bad, exc, pattern, id=f"gradient_step-{name}-{case}")
    for case, bad, exc, pattern in wiring_values("X", X5):
        yield pytest.param(augment, {"X": X5}, "X", bad, exc, pattern, id=f"augment-X-{case}")


@pytest.mark.parametrize(("fn", "valid", "name", "bad", "exc", "pattern"), list(_helper_cases()))
def test_helper_bad_argument(fn, valid, name, bad, exc, pattern) -> None:
    fn(**valid)  # the baseline is accepted
    with pytest.raises(exc, match=pattern):
        fn(**{**valid, name: bad})


@pytest.mark.parametrize("lr", [0.0, -0.1])
def test_learning_rate_must_be_positive(lr: float) -> None:
    with pytest.raises(ValueError, match=rf"lr must be > 0 \(a learning rate\), got {re.escape(str(lr))}"):
        gradient_step(W5, B5, X5, Y5, lr=lr)
