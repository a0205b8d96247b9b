"""Every registered rule against the numerical Jacobian.

One generic sweep walks the registry, so a new rule is checked the moment it is
registered: each rule once per size (n = 1, 2, 3, 7; a rule with several
dimensions gets a different size for each, so non-square shapes are covered),
its VJP once per size, and a hypothesis property at random sizes and points.
The recipe (step, tolerances) is the one stated in `mcref.core.numerical` and on
the site's "How formulas are checked" page.
"""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import mcref
from mcref.core.numerical import ATOL, RTOL, compare_jacobians, numerical_jacobian
from mcref.core.registry import Arg, Rule, finite_guard
from mcref.paper.elementwise import jac_divide_x, vjp_divide_x

RULES = mcref.all_rules()
SIZES = (1, 2, 3, 7)


def _sizes(r: Rule, n: int) -> dict[str, int]:
    """n for the first dimension symbol, n + 1 for the next, ...: distinct sizes, so a transposed
    or square-only closed form of a rule with several dimensions fails on shape."""
    return {d: n + i for i, d in enumerate(r.dimensions)}


def test_registry_is_not_empty_and_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert {"R3", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13"} <= set(ids)


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_rule_matches_numerical_jacobian(r: Rule, n: int) -> None:
    sizes = _sizes(r, n)
    point = r.sample(np.random.default_rng([n, r.number]), sizes)
    closed = np.asarray(r.derivative(**point))
    numeric = numerical_jacobian(r.forward, wrt=r.wrt, **point)

    # shapes are part of correctness: the declared shape, the closed form and the numerics agree
    assert closed.shape == r.derivative_shape(sizes), f"{r.id}: closed form has shape {closed.shape}"
    assert numeric.shape == r.derivative_shape(sizes), f"{r.id}: declared shape disagrees with the numerics"
    assert closed.dtype == np.float64
    compare_jacobians(closed, numeric, rule_id=r.id, rtol=RTOL, atol=ATOL).raise_if_failed()


def _values(spec: Arg) -> st.SearchStrategy[float]:
    if spec.integer:
        return st.integers(int(np.ceil(spec.low)), int(np.floor(spec.high)))  # type: ignore[return-value]
    if spec.min_abs > 0:
        pos = st.floats(spec.min_abs, spec.high)
        neg = st.floats(spec.low, -spec.min_abs)
        return pos | neg
    return st.floats(spec.low, spec.high)


@st.composite
def _points(draw: st.DrawFn, r: Rule) -> tuple[dict[str, int], dict[str, object]]:
    # up to 12 entries a side for vectors; a matrix argument up to 6 a side (36 entries), which keeps a
    # determinant or an inverse of random entries within what central differences resolve at rtol 1e-5
    matrices = [spec for spec in r.args.values() if len(spec.shape) >= 2]
    sizes = {s: draw(st.integers(1, 6 if matrices else 12)) for s in r.dimensions}
    assume(all(max(spec.concrete_shape(sizes)) <= 6 for spec in matrices))  # a side "p+q" too
    point: dict[str, object] = {}
    for name, spec in r.args.items():
        shape = spec.concrete_shape(sizes)
        if shape == ():
            point[name] = draw(_values(spec))
        else:
            point[name] = spec.constrain(draw(arrays(np.float64, shape, elements=_values(spec))))
    return sizes, point


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_rule_property(r: Rule) -> None:
    """Property: at any size 1..12 (1..6 with a matrix argument) and any point in the rule's domain,
    the closed form holds."""

    # a rule whose domain is a condition on a computed point (the point of a curve of matrices that must
    # stay invertible) filters more draws than hypothesis likes; the filter is the domain, not a shortcut
    @settings(suppress_health_check=[HealthCheck.filter_too_much])
    @given(_points(r))
    def check(case: tuple[dict[str, int], dict[str, object]]) -> None:
        sizes, point = case
        assume(r.inside(point))
        closed = np.asarray(r.derivative(**point))
        assert closed.shape == r.derivative_shape(sizes)
        numeric = numerical_jacobian(r.forward, wrt=r.wrt, **point)
        compare_jacobians(closed, numeric, rule_id=r.id).raise_if_failed()

    check()


def test_a_wrong_rule_is_caught() -> None:
    """The generic check can fail: a sign error in R13 is reported with its rule ID and entry."""
    r = mcref.get_rule("R13")
    wrong = Rule(**{**r.__dict__, "derivative": lambda w, x: -r.derivative(w, x)})
    result = mcref.check_rule(wrong, 3, seed=0)
    assert not result.ok
    assert "R13" in result.report() and "worst entry" in result.report()
    with pytest.raises(mcref.JacobianMismatch, match="R13 FAILED"):
        result.raise_if_failed()


def test_a_wrong_shape_is_caught() -> None:
    """A closed form that returns the diagonal as a vector instead of diag(x) fails on shape."""
    r = mcref.get_rule("R10")
    wrong = Rule(**{**r.__dict__, "derivative": lambda w, x: np.asarray(x, dtype=float)})
    result = mcref.check_rule(wrong, 3)
    assert not result.ok
    assert "shape (3,)" in result.report() and "(3, 3)" in result.report()


def test_check_rule_accepts_numpy_integer_sizes() -> None:
    assert mcref.check_rule("R10", np.int64(3)).ok
    assert mcref.check_rule("R10", {"n": np.int32(2)}, seed=np.int64(4)).ok



def test_get_rule_takes_any_case() -> None:
    assert mcref.get_rule("r10") is mcref.get_rule("R10")
    assert mcref.get_rule(" x13 ") is mcref.get_rule("X13")


def test_an_unknown_id_names_the_close_ones_not_all() -> None:
    with pytest.raises(KeyError) as caught:
        mcref.get_rule("R99")
    message = str(caught.value)
    assert "close IDs: R9, R19, MC99 (" in message, message  # MC99: the Cookbook's (99)
    # neither close nor a range end: not every ID is listed (whole IDs: X5 is part of the range end X50)
    assert not re.search(r"\bR11\b", message) and not re.search(r"\bX5\b", message)
    prefixes = sorted({r.prefix for r in RULES})  # MC51.2 and MC64u have the prefix MC
    for prefix in prefixes:  # each prefix's range, from its first to its last number
        numbers = [r.number for r in RULES if r.prefix == prefix]
        assert f"{prefix}{min(numbers)}" in message and f"{prefix}{max(numbers)}" in message


def test_a_title_word_given_as_an_id_names_the_rules_with_it() -> None:
    with pytest.raises(KeyError) as caught:
        mcref.get_rule("softmax")
    titled = [r.id for r in RULES if "softmax" in r.title.lower()]
    assert len(titled) >= 2
    assert f"rules whose title contains 'softmax': {', '.join(titled)}" in str(caught.value)


def test_check_rule_sizes_default_to_distinct_sizes() -> None:
    """Without sizes, the dimensions get 3, 4, 5, ...: a rule with two dimensions is checked non-square."""
    r = mcref.get_rule("X5")  # dimensions N, m, n; Jacobian (N m, n m)
    result = mcref.check_rule("X5")
    assert result.ok
    assert result.jacobian_shape == r.derivative_shape({"N": 3, "m": 4, "n": 5}) == (12, 20)
    # a transposed closed form fails by default on its shape, which a square check cannot see
    x1 = mcref.get_rule("X1")  # d(Wx + b)/dx = W, an m x n matrix
    transposed = Rule(**{**x1.__dict__, "derivative": lambda W, x, b: np.asarray(W, dtype=float).T})
    report = mcref.check_rule(transposed).report()
    assert "(4, 3)" in report and "(3, 4)" in report, report


WITH_VJP = [r for r in RULES if r.vjp is not None]


@pytest.mark.parametrize("r", WITH_VJP, ids=lambda r: r.id)
@pytest.mark.parametrize("n", SIZES, ids=lambda n: f"n={n}")
def test_vjp_matches_v_times_jacobian(r: Rule, n: int) -> None:
    """The backprop form vᵀJ, computed without J, equals v times the verified full Jacobian."""
    mcref.check_vjp(r, _sizes(r, n), seed=n).raise_if_failed()


def test_every_rule_with_more_than_one_entry_has_a_vjp() -> None:
    """Backprop form wherever it applies: a rule whose Jacobian is 1 x 1 is its own VJP (v times a
    number); every other rule must have a VJP that avoids forming the Jacobian."""
    missing = [r.id for r in RULES if r.vjp is None and r.shape != (1, 1)]
    assert missing == [], f"rules without a VJP: {missing}"


def test_every_derivative_and_vjp_is_guarded() -> None:
    """What users import is the guarded function: every registered closed form and VJP is the
    registry's finite guard around the function as written, and the module exports that object."""
    guard_code = finite_guard("R0", lambda: 0.0).__code__
    unguarded = []
    for r in RULES:
        for fn in (r.derivative, r.vjp):
            if fn is None:
                continue
            exported = getattr(sys.modules[fn.__module__], fn.__name__, None)
            if fn.__code__ is not guard_code or exported is not fn or not hasattr(fn, "__wrapped__"):
                unguarded.append(f"{r.id} {fn.__name__}")
    assert unguarded == []


def test_a_non_finite_result_raises_one_clear_error() -> None:
    """1/x² overflows for x = 1e-200: the Jacobian and the VJP both refuse it, with no RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^R13 jac_divide_x: the result is not finite \(-inf at index \(0, 0\)\)"):
            jac_divide_x([1.0], [1e-200])
        with pytest.raises(ValueError, match=r"^R13 vjp_divide_x: the result is not finite \(-inf at index 0\)"):
            vjp_divide_x([1.0], [1.0], [1e-200])


FORWARDS = list({id(r.forward): r for r in RULES}.values())


@pytest.mark.parametrize("r", FORWARDS, ids=lambda r: r.forward.__name__)
def test_forward_refuses_a_result_outside_float64(r: Rule) -> None:
    """The registry guards closed forms and VJPs; a forward function guards itself. At a point scaled
    towards the ends of float64 it returns a finite value or raises ValueError, never inf, NaN or a
    RuntimeWarning."""
    point = r.sample(np.random.default_rng(0), dict.fromkeys(r.dimensions, 3))
    for scale in (1e308, 1e200, 1e-300):
        with np.errstate(all="ignore"):
            scaled = {
                k: v if r.args[k].simplex else np.clip(np.asarray(v) * scale, -1e308, 1e308) for k, v in point.items()
            }
        try:
            out = r.forward(**scaled)
        except ValueError:
            continue
        assert np.all(np.isfinite(out)), f"{r.forward.__name__} returned {out} at scale {scale:g}"


def test_a_kind_refuses_a_stub_with_a_body() -> None:
    """The kind computes the Jacobian; a body written into the public function would be ignored silently."""
    from mcref.core.registry import elementwise

    kind = elementwise(
        "X901",
        title="t",
        forward=mcref.paper.jacobians.identity,
        wrt="x",
        derivative=lambda x: 1.0,
        latex="",
        args={"x": Arg()},
    )

    def jac_twice(x):  # type: ignore[no-untyped-def]
        """Claims 2I."""
        return 2 * np.eye(len(x))

    with pytest.raises(TypeError, match=r"jac_twice has a body, which a kind would ignore"):
        kind.jacobian(jac_twice)
    assert "X901" not in {r.id for r in mcref.all_rules()}
