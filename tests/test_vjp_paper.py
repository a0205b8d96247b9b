"""The backprop forms (VJPs) of the paper's rules: what the generic tests cannot see.

tests/test_rules.py checks every VJP against v times the verified Jacobian, and
tests/test_validation.py sweeps bad values of every argument. This file checks
the conventions the VJPs share (name, signature, docstring, page formula), the
shape check on v, the shape of the result for a scalar variable, sizes at which
the Jacobian could not even be stored, overflow, and the ReLU kink.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

import mcref

# every paper rule whose Jacobian has more than one entry
PAPER_IDS = (
    "R1", "G1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13",
    "R14", "R15", "R16", "R17", "R18", "R19", "R20", "R22", "R23", "R26",
    "C6", "C7", "N2", "N4", "L1", "L3",
)  # fmt: skip
RULES = [mcref.get_rule(i) for i in PAPER_IDS]
N = 3


def _point(r: mcref.Rule, n: int = N, seed: int = 0) -> dict[str, object]:
    return r.sample(np.random.default_rng(seed), dict.fromkeys(r.dimensions, n))


def test_the_list_is_every_paper_rule_with_more_than_one_entry() -> None:
    paper = {r.id for r in mcref.all_rules() if r.origin == "paper" and r.shape != (1, 1)}
    # N6 (the vector ReLU) had its VJP first; tests/test_neuron.py covers it
    assert paper == {*PAPER_IDS, "N6"}


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_vjp_follows_the_conventions(r: mcref.Rule) -> None:
    fn = r.vjp
    assert fn is not None, f"{r.id} has no VJP"
    module = importlib.import_module(fn.__module__)
    assert fn.__module__ == r.forward.__module__ or fn.__module__ == r.derivative.__module__
    assert fn.__name__.startswith("vjp_") and fn.__name__ in module.__all__
    params = list(inspect.signature(fn).parameters)
    assert params == ["v", *inspect.signature(r.forward).parameters], f"{r.id}: {params}"
    doc = inspect.getdoc(fn) or ""
    assert doc.startswith(f"{r.id} backprop form: ")
    assert "Examples:" in doc and ">>> print(" in doc
    assert r.vjp_latex.startswith(("v^T J", "\\mathbf{v}^T J")), r.vjp_latex  # the site writes vᵀJ


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_result_is_shaped_like_the_variable(r: mcref.Rule) -> None:
    point = _point(r)
    out_shape = np.shape(r.forward(**point))
    v = np.ones(out_shape) if out_shape else 1.0
    got = r.vjp(v, **point)
    assert isinstance(got, (np.ndarray, np.float64)) and got.dtype == np.float64
    assert got.shape == np.shape(point[r.wrt])


SCALAR_VARIABLE = [r for r in RULES if np.shape(_point(r)[r.wrt]) == ()]


def test_scalar_variables_get_a_float64_scalar() -> None:
    assert {r.id for r in SCALAR_VARIABLE} == {"R15", "R17", "C6"}
    for r in SCALAR_VARIABLE:
        point = _point(r)
        got = r.vjp(np.ones(np.shape(r.forward(**point))), **point)
        assert type(got) is np.float64


VECTOR_OUTPUT = [r for r in RULES if np.shape(r.forward(**_point(r))) != ()]
SCALAR_OUTPUT = [r for r in RULES if np.shape(r.forward(**_point(r))) == ()]


@pytest.mark.parametrize("r", VECTOR_OUTPUT, ids=lambda r: r.id)
def test_v_of_the_wrong_length_is_refused(r: mcref.Rule) -> None:
    point = _point(r)
    (m,) = np.shape(r.forward(**point))
    with pytest.raises(
        ValueError, match=rf"^v must have the shape of the output of .+, \({m},\), got an array of shape \({m + 1},\)$"
    ):
        r.vjp(np.ones(m + 1), **point)


@pytest.mark.parametrize("r", SCALAR_OUTPUT, ids=lambda r: r.id)
def test_scalar_output_takes_a_scalar_v(r: mcref.Rule) -> None:
    point = _point(r)
    with pytest.raises(ValueError, match=r"^v must be a scalar \(a 0-d value\), got an array of shape \(1,\)$"):
        r.vjp([1.0], **point)
    want = r.vjp(2.0, **point)
    for v in (np.float64(2.0), np.array(2.0), 2, np.int32(2)):
        np.testing.assert_array_equal(r.vjp(v, **point), want)
    np.testing.assert_allclose(want, 2.0 * np.asarray(r.derivative(**point))[0], rtol=1e-14, atol=0)


def test_r26_v_has_the_length_of_the_output_not_of_x() -> None:
    r = mcref.get_rule("R26")
    point = r.sample(np.random.default_rng(3), {"n": 4, "k": 3, "m": 2})
    assert r.vjp(np.ones(2), **point).shape == (4,)
    with pytest.raises(
        ValueError, match=r"v must have the shape of the output of sin\(B tanh\(A x\)\), \(2,\), got .*\(4,\)"
    ):
        r.vjp(np.ones(4), **point)
    assert mcref.check_vjp(r, {"n": 5, "k": 2, "m": 3}).ok


# The Jacobian of these rules is n by n: at n = 200,000 it would need 320 GB.
BIG_N = 200_000
SQUARE = [r for r in RULES if r.shape == ("n", "n") and all(len(a.shape) < 2 for a in r.args.values())]


@pytest.mark.parametrize("r", SQUARE, ids=lambda r: r.id)
def test_vjp_runs_where_the_jacobian_cannot_be_stored(r: mcref.Rule) -> None:
    point = _point(r, BIG_N)
    v = np.random.default_rng(1).normal(size=BIG_N)
    got = r.vjp(v, **point)
    assert got.shape == (BIG_N,) and np.all(np.isfinite(got))
    # the entries agree with the small, verified case: a diagonal Jacobian acts entry by entry
    few = {k: (a[:3] if np.ndim(a) else a) for k, a in point.items()}
    np.testing.assert_allclose(got[:3], v[:3] @ r.derivative(**few), rtol=1e-12, atol=1e-300)


def test_overflow_raises_instead_of_returning_inf() -> None:
    from mcref.paper import chain, elementwise, expansion, jacobians, loss, neuron, reductions

    big = [1e200]
    cases = [
        lambda: elementwise.vjp_multiply_w(big, [1.0], big),
        lambda: elementwise.vjp_divide_w(big, [1.0], [1e-200]),
        lambda: elementwise.vjp_linear_times_w(big, [[1e200]], [1.0], [1.0]),
        lambda: expansion.vjp_add_scalar_z([1e308, 1e308], [1.0, 1.0], 0.0),
        lambda: expansion.vjp_multiply_scalar_x(big, [1.0], 1e200),
        lambda: reductions.vjp_dot_x(1e200, big, [1.0]),
        lambda: jacobians.vjp_paper_f(1e300, [1e10, 1.0]),
        lambda: chain.vjp_sin_of_squares([1.0], [1e155]),  # x² overflows
        lambda: neuron.vjp_affine_w(1e200, [1.0], big, 0.0),
        lambda: loss.vjp_loss_w(1e308, [1.0], 0.0, [[10.0]], [0.0]),
    ]
    for call in cases:
        with pytest.raises(ValueError, match=r"not finite|overflow"):
            call()


def test_divide_x_does_not_underflow_x_squared() -> None:
    from mcref.paper.elementwise import vjp_divide_x

    # x² = 1e-320 is a subnormal near 0; dividing by x twice keeps the result exact
    got = vjp_divide_x([1.0], [1e-170], [1e-160])
    np.testing.assert_allclose(got, [-1e150], rtol=1e-14)


def test_relu_neuron_passes_nothing_back_when_inactive() -> None:
    from mcref.paper.neuron import vjp_activation_w

    x = [3.0, 1.0, 4.0]
    # z = 0 exactly counts as inactive, as in the paper
    np.testing.assert_array_equal(vjp_activation_w(5.0, [1.0, 1.0, -1.0], x, 0.0), [0.0, 0.0, 0.0])
    # inactive: the gradient stops, even a v so large that v x would overflow
    np.testing.assert_array_equal(vjp_activation_w(1e308, [-1.0, 0.0, 0.0], x, 0.0), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(vjp_activation_w(2.0, [1.0, 0.0, 0.0], x, 0.0), [6.0, 2.0, 8.0])


def test_loss_vjps_agree_with_l1_l2() -> None:
    from mcref.paper.loss import augment, grad_loss_b, grad_loss_w, vjp_loss_augmented, vjp_loss_w

    rng = np.random.default_rng(7)
    X, y, w, b = rng.normal(size=(5, 3)), rng.uniform(0, 2, size=5), rng.normal(size=3), 0.3
    np.testing.assert_allclose(vjp_loss_w(-1.5, w, b, X, y), -1.5 * grad_loss_w(w, b, X, y)[0], rtol=1e-14)
    both = vjp_loss_augmented(-1.5, np.append(w, b), augment(X), y)
    np.testing.assert_allclose(both[:3], -1.5 * grad_loss_w(w, b, X, y)[0], rtol=1e-12)
    np.testing.assert_allclose(both[3], -1.5 * grad_loss_b(w, b, X, y)[0, 0], rtol=1e-12)
