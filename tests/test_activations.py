"""GELU, SiLU/swish and the error function behind GELU (X28-X32): what the generic tests cannot see.

tests/test_rules.py checks every closed form and VJP against central differences on [-2, 2]
(the sampling range of the rules), and tests/test_validation.py feeds them bad input. This file
checks the vectorized erfc against the standard library's `math.erfc` across its range, the
GELU and SiLU values readers can look up, the stability of every new activation at extreme inputs,
and the identities between the rules (the tanh form as written, swish at beta = 1).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from mcref.core.stable import erfc, normal_cdf
from mcref.ext import activations as act


@contextmanager
def no_float_trouble() -> Iterator[None]:
    """Overflow, NaN and division by zero raise, and so does any warning; underflow to 0 is allowed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


# ----- the vectorized erfc against math.erfc -----


def _relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want) / want))


def test_erfc_matches_math_erfc_to_about_one_ulp_over_its_range() -> None:
    """Cody's approximation, evaluated on a whole array, against the C library one number at a time:
    the three ranges of |x| and their borders (0.46875, 4), negative x, and the tail down to 1e-308."""
    x = np.concatenate([np.linspace(-6.0, 26.5, 20_001), [-4.0, -0.46875, 0.0, 0.46875, 4.0, 1e-300, -1e-300]])
    want = np.array([math.erfc(t) for t in x])
    with no_float_trouble():
        got = erfc(x)
    assert _relative_error(got, want) < 2e-15


def test_erfc_far_tail_underflows_to_zero_and_huge_inputs_are_fine() -> None:
    x = np.array([27.0, 27.3, 30.0, 1e308, -30.0, -1e308])
    with no_float_trouble():
        got = erfc(x)
    np.testing.assert_allclose(got, [math.erfc(t) for t in x], rtol=0, atol=1e-322)
    assert got[2] == got[3] == 0.0 and got[4] == got[5] == 2.0


def test_normal_cdf_keeps_the_lower_tail() -> None:
    """Φ(x) = erfc(−x/√2)/2: tiny but accurate far below 0, where 1 + erf(x/√2) would be 0."""
    x = np.array([-37.0, -30.0, -8.0, -1.0, 0.0, 1.0, 8.0])
    want = np.array([0.5 * math.erfc(-t * math.sqrt(0.5)) for t in x])
    assert _relative_error(normal_cdf(x), want) < 2e-15
    assert normal_cdf(x)[0] > 0.0
    assert 0.5 * (1.0 + math.erf(-30.0 * math.sqrt(0.5))) == 0.0  # the form this avoids


# ----- known values -----


def test_gelu_and_its_derivative_at_known_points() -> None:
    # GELU(x) = xΦ(x); Φ(1) = 0.841344746068543, φ(1) = 0.241970724519143
    np.testing.assert_allclose(act.gelu([1.0, -1.0, 0.0]), [0.841344746068543, -0.158655253931457, 0.0], rtol=1e-14)
    np.testing.assert_allclose(
        np.diag(act.jac_gelu([1.0, -1.0, 0.0])),
        [0.841344746068543 + 0.241970724519143, 0.158655253931457 - 0.241970724519143, 0.5],
        rtol=1e-14,
    )


def test_gelu_derivative_is_zero_at_the_bottom_of_the_dip() -> None:
    """GELU has its minimum near x = -0.7518, where Φ(x) + xφ(x) = 0, and its value there is about -0.17."""
    x = np.linspace(-0.76, -0.74, 2001)
    d = np.diag(act.jac_gelu(x))
    assert d[0] < 0 < d[-1]
    x_min = x[np.argmin(np.abs(d))]
    assert x_min == pytest.approx(-0.7518, abs=2e-4)
    assert act.gelu([x_min])[0] == pytest.approx(-0.17, abs=0.001)


def test_gelu_tanh_equals_the_formula_as_written_where_that_does_not_cancel() -> None:
    x = np.linspace(-5.0, 5.0, 1001)
    u = np.sqrt(2.0 / np.pi) * (x + act.GELU_TANH_CUBIC * x**3)
    np.testing.assert_allclose(act.gelu_tanh(x), 0.5 * x * (1.0 + np.tanh(u)), rtol=1e-12, atol=1e-15)
    uprime = np.sqrt(2.0 / np.pi) * (1.0 + 3.0 * act.GELU_TANH_CUBIC * x**2)
    want = 0.5 * (1.0 + np.tanh(u)) + 0.5 * x * (1.0 - np.tanh(u) ** 2) * uprime
    np.testing.assert_allclose(np.diag(act.jac_gelu_tanh(x)), want, rtol=1e-10, atol=1e-14)


def test_the_tanh_form_approximates_the_exact_gelu() -> None:
    x = np.linspace(-6.0, 6.0, 4001)
    gap = np.max(np.abs(act.gelu(x) - act.gelu_tanh(x)))
    assert 1e-4 < gap < 5e-4  # close, and not the same function


def test_swish_at_beta_one_is_silu_and_at_beta_zero_is_half_x() -> None:
    x = np.linspace(-4.0, 4.0, 9)
    np.testing.assert_array_equal(act.swish(x, 1.0), act.silu(x))
    np.testing.assert_array_equal(act.jac_swish_x(x, 1.0), act.jac_silu(x))
    np.testing.assert_allclose(act.swish(x, 0.0), x / 2)
    # d/dβ at β = 0: x² σ'(0) = x²/4
    np.testing.assert_allclose(act.jac_swish_beta(x, 0.0)[:, 0], x**2 / 4)


def test_silu_at_known_points() -> None:
    s2 = 1.0 / (1.0 + math.exp(-2.0))
    np.testing.assert_allclose(act.silu([2.0]), [2.0 * s2], rtol=1e-15)
    np.testing.assert_allclose(act.jac_silu([2.0]), [[s2 + 2.0 * s2 * (1.0 - s2)]], rtol=1e-15)


# ----- extreme inputs -----

EXTREME = np.array([1e308, -1e308, 1e200, -1e200, 1000.0, -1000.0, 60.0, -60.0, 0.0, 1e-300])

VECTOR_FUNCTIONS: list[Callable[..., Any]] = [
    act.gelu,
    act.gelu_tanh,
    act.silu,
    act.jac_gelu,
    act.jac_gelu_tanh,
    act.jac_silu,
    lambda x: act.vjp_gelu(np.ones_like(x), x),
    lambda x: act.vjp_gelu_tanh(np.ones_like(x), x),
    lambda x: act.swish(x, 3.0),
    lambda x: act.jac_swish_x(x, 1e300),
    lambda x: act.swish(x, -1e300),
]


@pytest.mark.parametrize("fn", VECTOR_FUNCTIONS, ids=range(len(VECTOR_FUNCTIONS)))
def test_no_overflow_or_nan_at_extreme_inputs(fn: Callable[..., Any]) -> None:
    with no_float_trouble():
        out = fn(EXTREME)
    assert np.all(np.isfinite(out))


def test_the_gates_saturate_to_the_identity_and_to_zero() -> None:
    """Far out the gates are exactly open (f(x) = x, f' = 1) or shut (f(x) = -0.0, f' = 0)."""
    x = np.array([1e200, 60.0, -60.0, -1e200])
    for f, jac in ((act.gelu, act.jac_gelu), (act.gelu_tanh, act.jac_gelu_tanh)):
        np.testing.assert_array_equal(f(x), [1e200, 60.0, 0.0, 0.0])
        np.testing.assert_array_equal(np.diag(jac(x)), [1.0, 1.0, 0.0, 0.0])


def test_tanh_gelu_keeps_the_tiny_negative_values() -> None:
    """At x = -10 the written form's 1 + tanh(u) cancels to 0; σ(2u) keeps the value, about -1.2e-37."""
    # ½(1 + tanh u) = σ(2u), and for u < 0 that is e^(2u)/(1 + e^(2u)), computed here in Python floats
    u = -math.sqrt(2.0 / math.pi) * (10.0 + act.GELU_TANH_CUBIC * 1000.0)
    want = -10.0 * math.exp(2 * u) / (1 + math.exp(2 * u))
    assert act.gelu_tanh([-10.0])[0] == pytest.approx(want, rel=1e-12)
    assert want < -1e-38


def test_swish_beta_derivative_overflow_is_refused_by_name() -> None:
    """x² σ'(βx) with x = 1e200 and β = 1e-300: x²/4 is beyond float64, a ValueError, not inf."""
    with pytest.raises(ValueError, match=r"^X32 jac_swish_beta: the result is not finite"):
        act.jac_swish_beta([1e200], 1e-300)
