"""X1–X12, layers, matrix products, quadratic forms and norms: what the generic tests do not cover.

The generic tests (tests/test_rules.py) give every dimension symbol the same
size, so every matrix they draw is square. Here the sizes differ, so that a
transpose in the wrong place changes a shape and fails. Also here: the
symmetric condition of X10, the kink of X12 at 0, the batched VJPs against the
per-sample sum, and bad input to the VJPs, which tests/test_validation.py does
not call.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import mcref
from mcref.core.registry import Arg
from mcref.ext import layers, quadratic
from mcref.ext.layers import (
    affine,
    batched_affine,
    jac_affine_W,
    vjp_affine_b,
    vjp_affine_W,
    vjp_affine_x,
    vjp_batched_b,
    vjp_batched_W,
    vjp_batched_X,
    vjp_matmul_A,
    vjp_matmul_B,
)
from mcref.ext.quadratic import (
    grad_norm,
    grad_quadratic_form,
    grad_quadratic_form_symmetric,
    norm,
    quadratic_form,
    quadratic_form_symmetric,
    vjp_norm,
    vjp_quadratic_form_symmetric,
)

IDS = [f"X{i}" for i in range(1, 13)]
# every dimension a different size, so that no two matrix shapes coincide by accident
UNEQUAL = ({"m": 2, "n": 3, "N": 5, "p": 2, "q": 3, "r": 4}, {"m": 4, "n": 1, "N": 3, "p": 5, "q": 1, "r": 2},
           {"m": 1, "n": 4, "N": 1, "p": 1, "q": 4, "r": 3})


def _sizes(rid: str, table: dict[str, int]) -> dict[str, int]:
    return {d: table[d] for d in mcref.get_rule(rid).dimensions}


def test_every_rule_of_these_modules_has_a_vjp() -> None:
    for rid in IDS:
        r = mcref.get_rule(rid)
        assert r.vjp is not None and r.vjp_latex, rid
        assert r.extension and r.section == ""
        assert r.vjp.__module__ in {"mcref.ext.layers", "mcref.ext.quadratic"}


@pytest.mark.parametrize("table", UNEQUAL, ids=lambda t: "-".join(f"{k}{v}" for k, v in t.items()))
@pytest.mark.parametrize("rid", IDS)
def test_unequal_sizes_closed_form_and_vjp(rid: str, table: dict[str, int]) -> None:
    """Non-square sizes: the closed form matches the numerics and the VJP is v times it, shaped like the variable."""
    r = mcref.get_rule(rid)
    sizes = _sizes(rid, table)
    # one seed: the generic sweep (tests/test_rules.py) already runs every rule at several points;
    # these tables add sizes of 1 in each position
    mcref.check_rule(r, sizes).raise_if_failed()
    mcref.check_vjp(r, sizes).raise_if_failed()
    point = r.sample(np.random.default_rng(7), sizes)
    out = np.asarray(r.forward(**point))
    got = np.asarray(r.vjp(np.ones(out.shape) if out.shape else 1.0, **point))
    assert got.shape == np.shape(point[r.wrt])
    assert np.asarray(r.derivative(**point)).shape == (out.size, np.size(point[r.wrt]))


def test_vjp_shapes_named() -> None:
    """The shapes a reader expects, spelled out once for each matrix VJP (N=5, n=3, m=2; p=2, q=3, r=4)."""
    rng = np.random.default_rng(0)
    W, x, b = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    delta = rng.normal(size=2)
    assert vjp_affine_x(delta, W, x, b).shape == (3,)
    assert vjp_affine_b(delta, W, x, b).shape == (2,)
    assert vjp_affine_W(delta, W, x, b).shape == (2, 3)
    X, Wb, bb = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    G = rng.normal(size=(5, 2))
    assert vjp_batched_X(G, X, Wb, bb).shape == (5, 3)
    assert vjp_batched_W(G, X, Wb, bb).shape == (3, 2)
    assert vjp_batched_b(G, X, Wb, bb).shape == (2,)
    A, B, GC = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    assert vjp_matmul_A(GC, A, B).shape == (2, 3)
    assert vjp_matmul_B(GC, A, B).shape == (3, 4)


def test_x3_is_a_three_index_object_flattened_row_major() -> None:
    rng = np.random.default_rng(3)
    m, n = 3, 4
    W, x, b = rng.normal(size=(m, n)), rng.normal(size=n), rng.normal(size=m)
    T = jac_affine_W(W, x, b).reshape(m, m, n)
    np.testing.assert_array_equal(T, np.einsum("ij,k->ijk", np.eye(m), x))
    # column j*n + k is the derivative by W[j, k]: move that one entry and only y[j] moves, by x[k]
    j, k, h = 1, 2, 1e-3
    moved = W.copy()
    moved[j, k] += h
    np.testing.assert_allclose((affine(moved, x, b) - affine(W, x, b)) / h, jac_affine_W(W, x, b)[:, j * n + k])


# ----- the batch against the per-sample sum -----


@pytest.mark.parametrize(("N", "n", "m"), [(1, 1, 1), (6, 3, 2), (4, 1, 5), (50, 7, 3)])
def test_batched_vjps_are_sums_of_per_sample_vjps(N: int, n: int, m: int) -> None:
    """XᵀG, G Wᵀ and 1ᵀG equal the one-sample VJPs of X1–X3 summed (or stacked) over the samples.

    Row sample s is the column layer y_s = W_col x_s + b with W_col = Wᵀ. The
    per-sample gradients are formed all at once with einsum, not in a loop.
    """
    rng = np.random.default_rng([N, n, m])
    X, W, b = rng.normal(size=(N, n)), rng.normal(size=(n, m)), rng.normal(size=m)
    G = rng.normal(size=(N, m))

    per_sample_W_col = np.einsum("sj,sk->sjk", G, X)      # δ_s x_sᵀ, each m by n like W_col
    np.testing.assert_allclose(vjp_batched_W(G, X, W, b), per_sample_W_col.sum(axis=0).T, rtol=1e-12, atol=1e-12)
    per_sample_x = np.einsum("kj,sj->sk", W, G)            # W_colᵀ δ_s = W δ_s, one row per sample
    np.testing.assert_allclose(vjp_batched_X(G, X, W, b), per_sample_x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vjp_batched_b(G, X, W, b), G.sum(axis=0), rtol=1e-12, atol=1e-12)

    # and the same numbers from the one-sample functions themselves, for a few samples
    for s in range(min(N, 3)):
        np.testing.assert_allclose(vjp_affine_W(G[s], W.T, X[s], b), per_sample_W_col[s], rtol=1e-12)
        np.testing.assert_allclose(vjp_affine_x(G[s], W.T, X[s], b), per_sample_x[s], rtol=1e-12)
        np.testing.assert_array_equal(vjp_affine_b(G[s], W.T, X[s], b), G[s])
    np.testing.assert_allclose(batched_affine(X, W, b)[0], affine(W.T, X[0], b), rtol=1e-12)


def test_batched_vjps_against_numerical_gradient_of_a_scalar_loss() -> None:
    rng = np.random.default_rng(11)
    X, W, b, T = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))

    def loss(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
        return float(np.sum(np.tanh(batched_affine(X, W, b)) * T))

    G = (1 - np.tanh(batched_affine(X, W, b)) ** 2) * T
    for name, vjp, value in (("X", vjp_batched_X, X), ("W", vjp_batched_W, W), ("b", vjp_batched_b, b)):
        numeric = mcref.numerical_jacobian(loss, X, W, b, wrt=name).reshape(value.shape)
        np.testing.assert_allclose(vjp(G, X, W, b), numeric, rtol=1e-6, atol=1e-8)


# ----- X10: the symmetric condition -----


def test_x10_refuses_a_non_symmetric_matrix_naming_the_largest_asymmetry() -> None:
    A = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 5.0], [0.0, 0.5, 1.0]])   # worst pair: A[1, 2] = 5 vs A[2, 1] = 0.5
    x = np.ones(3)
    pattern = re.escape("A must be symmetric (A = Aᵀ)") + r".*\|A\[1, 2\] - A\[2, 1\]\| = 4\.5, above the tolerance"
    for call in (lambda: quadratic_form_symmetric(x, A), lambda: grad_quadratic_form_symmetric(x, A),
                 lambda: vjp_quadratic_form_symmetric(1.0, x, A)):
        with pytest.raises(ValueError, match=pattern):
            call()
    with pytest.raises(ValueError, match="for a general A use X9"):
        grad_quadratic_form_symmetric(x, A.T)          # the transpose is just as asymmetric
    # X9 takes it, and 2xᵀA would have been wrong
    assert not np.allclose(grad_quadratic_form(x, A), 2 * x @ A)


def test_x10_tolerance_accepts_rounding_and_nothing_more() -> None:
    rng = np.random.default_rng(5)
    B = rng.normal(size=(6, 6)) * 1e3
    S = B @ B.T                                        # symmetric up to rounding
    x = rng.normal(size=6)
    np.testing.assert_allclose(grad_quadratic_form_symmetric(x, S), grad_quadratic_form(x, S), rtol=1e-9)
    tiny = S.copy()
    tiny[0, 1] += 1e-12 * np.abs(S).max()              # far inside the tolerance
    grad_quadratic_form_symmetric(x, tiny)
    off = S.copy()
    off[0, 1] += 1e-8 * np.abs(S).max()                # outside it
    with pytest.raises(ValueError, match=r"\|A\[0, 1\] - A\[1, 0\]\|"):
        grad_quadratic_form_symmetric(x, off)
    assert quadratic_form_symmetric([1.0], [[3.0]]) == 3.0
    assert grad_quadratic_form_symmetric([0.0, 0.0], np.zeros((2, 2))).tolist() == [[0.0, 0.0]]


def test_symmetric_arg_draws_symmetric_matrices_with_the_usual_entries() -> None:
    spec = Arg(shape=("n", "n"), symmetric=True)
    for n in (1, 2, 5):
        A = spec.draw(np.random.default_rng(n), {"n": n})
        np.testing.assert_array_equal(A, A.T)
        assert A.min() >= spec.low and A.max() <= spec.high
    away = Arg(shape=("n", "n"), symmetric=True, min_abs=0.5)
    A = away.draw(np.random.default_rng(0), {"n": 4})
    np.testing.assert_array_equal(A, A.T)
    assert np.abs(A).min() >= 0.5
    free = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(spec.constrain(free), [[0, 1, 2], [1, 4, 5], [2, 5, 8]])
    np.testing.assert_array_equal(Arg(shape=("n", "n")).constrain(free), free)
    # every point the registry samples for X10 is exactly symmetric
    r = mcref.get_rule("X10")
    for n in (1, 2, 3, 7):
        point = r.sample(np.random.default_rng(n), {"n": n})
        np.testing.assert_array_equal(point["A"], point["A"].T)


@pytest.mark.parametrize("shape", [("n",), ("m", "n"), ("n", "n", "n"), ()])
def test_symmetric_arg_needs_a_square_shape(shape: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match=re.escape("Arg(symmetric=True) needs a square shape such as ('n', 'n')")):
        Arg(shape=shape, symmetric=True)


# ----- X12: the kink at 0 -----


@pytest.mark.parametrize("zero", [[0.0], [0.0, 0.0, 0.0], [-0.0, 0.0]])
def test_x12_norm_is_defined_at_zero_but_its_derivative_is_not(zero: list[float]) -> None:
    assert norm(zero) == 0.0
    message = re.escape("the norm ‖x‖ has no derivative at x = 0 (a kink") + rf".*got x = 0 of length {len(zero)}$"
    with pytest.raises(ValueError, match=message):
        grad_norm(zero)
    with pytest.raises(ValueError, match=message):
        vjp_norm(1.0, zero)


def test_x12_near_zero_and_far_from_it_the_gradient_is_a_unit_row() -> None:
    for x in ([1e-300, -1e-300], [5e-324, 0.0], [1e300, 1e300], [3.0, -4.0]):
        g = grad_norm(x)
        assert g.shape == (1, 2)
        assert np.isclose(np.linalg.norm(g), 1.0)
    assert norm([3e300, 4e300]) == pytest.approx(5e300)
    assert norm([3e-300, 4e-300]) == pytest.approx(5e-300)
    np.testing.assert_allclose(grad_norm([5e-324, 0.0]), [[1.0, 0.0]])


def test_x12_kink_one_sided_slopes() -> None:
    """At 0 the slope is +1 leaving and -1 arriving along every direction: no derivative to find."""
    u = np.array([2.0, -1.0, 2.0]) / 3.0
    h = 1e-7
    assert (norm(h * u) - norm(np.zeros(3))) / h == pytest.approx(1.0)
    assert (norm(np.zeros(3)) - norm(-h * u)) / h == pytest.approx(-1.0)


# ----- the upstream gradient of the VJPs must have the output's shape (tests/test_validation.py covers the rest) -----

VJP_RULES = [mcref.get_rule(rid) for rid in IDS]


def _point(rid: str) -> tuple[dict[str, np.ndarray], object]:
    r = mcref.get_rule(rid)
    point = r.sample(np.random.default_rng(0), _sizes(rid, UNEQUAL[0]))
    out = np.asarray(r.forward(**point))
    return point, (np.ones(out.shape) if out.shape else 1.0)


@pytest.mark.parametrize("r", VJP_RULES, ids=lambda r: r.id)
def test_vjp_refuses_an_upstream_gradient_of_the_wrong_shape(r: mcref.Rule) -> None:
    point, v = _point(r.id)
    assert r.vjp is not None
    name = next(iter(inspect.signature(r.vjp).parameters))
    if np.ndim(v) == 0:
        with pytest.raises(ValueError, match=rf"{name} must be a scalar .*got an array of shape \(2,\)"):
            r.vjp(np.ones(2), **point)
    else:
        bigger = np.ones(tuple(s + 1 for s in np.shape(v)))
        with pytest.raises(ValueError, match=rf"{name} must (be shaped like|have the shape of the output of) "
                                             rf".*{re.escape(str(np.shape(v)))}, "
                                             rf"got an array of shape {re.escape(str(bigger.shape))}"):
            r.vjp(bigger, **point)
    bad = np.array(v, dtype=float)
    bad.flat[0] = np.nan
    with pytest.raises(ValueError, match=rf"{name} must be finite, got nan"):
        r.vjp(bad if bad.shape else float(bad), **point)
    with pytest.raises(TypeError, match=rf"{name} must be a real number or array of real numbers, got str"):
        r.vjp("v", **point)


@pytest.mark.parametrize("r", VJP_RULES, ids=lambda r: r.id)
def test_vjp_validates_the_point_like_the_closed_form(r: mcref.Rule) -> None:
    point, v = _point(r.id)
    assert r.vjp is not None
    for name in point:
        bad = dict(point)
        bad[name] = np.full(np.shape(point[name]), np.inf)
        with pytest.raises(ValueError, match=rf"^{name} must be finite, got inf"):
            r.vjp(v, **bad)
        wrong_ndim = np.ones((2,) * (np.ndim(point[name]) + 1))
        with pytest.raises(ValueError, match=rf"^{name} must be a (1|2)-D array"):
            r.vjp(v, **{**point, name: wrong_ndim})


# ----- shapes that do not fit, and overflow -----

MISFITS = {
    "affine-x": (lambda: affine(np.ones((2, 3)), np.ones(4), np.ones(2)),
                 r"x must have length n = 3, the number of columns of W \(2, 3\), got length 4"),
    "affine-b": (lambda: affine(np.ones((2, 3)), np.ones(3), np.ones(3)),
                 r"b must have length m = 2, the number of rows of W \(2, 3\), got length 3"),
    "batched-X": (lambda: batched_affine(np.ones((5, 2)), np.ones((3, 4)), np.ones(4)),
                  r"X must have n = 3 columns, the number of rows of W \(3, 4\) .*got shape \(5, 2\)"),
    "batched-b": (lambda: batched_affine(np.ones((5, 3)), np.ones((3, 4)), np.ones(3)),
                  r"b must have length m = 4, the number of columns of W \(3, 4\), got length 3"),
    "matmul": (lambda: layers.matmul(np.ones((2, 3)), np.ones((2, 3))),
               r"A and B must fit for the product AB: A has 3 columns and B has 2 rows"),
    "form-square": (lambda: quadratic_form(np.ones(2), np.ones((2, 3))),
                    r"A must be a square matrix, n by n, got an array of shape \(2, 3\)"),
    "form-length": (lambda: quadratic_form(np.ones(3), np.ones((2, 2))),
                    r"x must have length n = 2, the size of A \(2, 2\), got length 3"),
}


@pytest.mark.parametrize(("call", "pattern"), MISFITS.values(), ids=MISFITS.keys())
def test_shapes_that_do_not_fit_are_refused(call: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        call()  # type: ignore[operator]


def test_overflow_is_refused_not_returned_as_inf() -> None:
    big = np.full((2, 2), 1e200)
    with pytest.raises(ValueError, match="overflowed"):
        layers.matmul(big, big)
    with pytest.raises(ValueError, match="overflowed"):
        affine(big, np.full(2, 1e200), np.zeros(2))
    with pytest.raises(ValueError, match="overflowed"):
        quadratic_form(np.full(2, 1e200), np.eye(2))
    with pytest.raises(ValueError, match="overflowed"):
        quadratic.squared_norm(np.full(2, 1e200))
    assert np.isfinite(norm(np.full(2, 1e200)))        # the norm itself is scaled and does not overflow
