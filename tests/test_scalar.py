"""The scalar rules of §2 beyond the generic checks: the paper's examples, domains and edge points.

The generic tests check S1–S8 against central differences at random points in
their sampling ranges. This module adds what those ranges leave out: the
paper's own example values, the power rule for an integer exponent at negative
and zero x, the domain errors, and overflow.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mcref
from mcref.paper import scalar

IDS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]


def _numeric(f, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    return float(mcref.numerical_jacobian(f, *args, **kwargs)[0, 0])


def test_all_eight_are_registered_for_section_2() -> None:
    for rule_id in IDS:
        r = mcref.get_rule(rule_id)
        assert r.section == "2"
        assert r.shape == (1, 1)
        assert r.args[r.wrt].shape == ()
        assert r.derivative.__module__ == "mcref.paper.scalar"


@pytest.mark.parametrize(
    ("derivative", "args", "paper_value"),
    [
        (scalar.d_constant, (2.0, 99.0), 0.0),  # d/dx 99 = 0
        (scalar.d_times_constant, (2.0, 3.0), 3.0),  # d/dx 3x = 3
        (scalar.d_power, (2.0, 3.0), 3 * 2.0**2),  # d/dx x³ = 3x²
        (scalar.d_square_plus_three_x, (2.0,), 2 * 2.0 + 3),  # 2x + 3
        (scalar.d_square_minus_three_x, (2.0,), 2 * 2.0 - 3),  # 2x - 3
        (scalar.d_square_times_x, (2.0,), 2.0**2 + 2.0 * 2 * 2.0),  # x² + x·2x = 3x²
        (scalar.d_log_of_square, (2.0,), 2 / 2.0),  # 2/x
        (scalar.d_c_times_x_plus_square, (2.0, 9.0), 9 + 18 * 2.0),  # 9 + 18x
    ],
    ids=IDS,
)
def test_paper_example_at_x_equal_2(derivative, args, paper_value) -> None:  # type: ignore[no-untyped-def]
    out = derivative(*args)
    assert out.shape == (1, 1) and out.dtype == np.float64
    assert out[0, 0] == pytest.approx(paper_value, rel=1e-15)


def test_forward_values() -> None:
    assert scalar.constant(5.0, 99) == 99.0
    assert scalar.times_constant(5.0, 3) == 15.0
    assert scalar.power(2.0, 3) == 8.0
    assert scalar.square_plus_three_x(2.0) == 10.0
    assert scalar.square_minus_three_x(2.0) == -2.0
    assert scalar.square_times_x(2.0) == 8.0
    assert scalar.log_of_square(np.e) == pytest.approx(2.0)
    assert scalar.log_of_square(-np.e) == pytest.approx(2.0)
    assert scalar.c_times_x_plus_square(2.0, 9.0) == 54.0
    for value in (scalar.constant(1, 2), scalar.power(2, 2), scalar.log_of_square(3)):
        assert isinstance(value, np.float64)


@pytest.mark.parametrize("n", [-3, -2, -1, 0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("x", [-1.75, -0.5, 0.75, 1.5])
def test_power_rule_with_an_integer_exponent_at_any_x(x: float, n: int) -> None:
    closed = scalar.d_power(x, n)
    numeric = mcref.numerical_jacobian(scalar.power, x, n)
    mcref.compare_jacobians(closed, numeric, rule_id="S3").raise_if_failed()


@given(st.floats(-2, 2), st.integers(0, 6))
def test_power_rule_integer_exponent_property(x: float, n: int) -> None:
    closed = scalar.d_power(x, n)
    mcref.compare_jacobians(closed, mcref.numerical_jacobian(scalar.power, x, n), rule_id="S3").raise_if_failed()


def test_power_rule_at_zero() -> None:
    # x**0 = 1 everywhere (its derivative is 0 even at x = 0), x**1 has slope 1, x**2 slope 0
    assert scalar.d_power(0.0, 0)[0, 0] == 0.0
    assert scalar.d_power(0.0, 1)[0, 0] == 1.0
    assert scalar.d_power(0.0, 2)[0, 0] == 0.0
    assert scalar.power(0.0, 0) == 1.0
    assert scalar.d_power(0.0, 2.0)[0, 0] == _numeric(scalar.power, 0.0, 2.0) == 0.0


def test_power_rule_accepts_a_whole_float_exponent_at_negative_x() -> None:
    assert scalar.power(-2.0, 3.0) == -8.0
    assert scalar.d_power(-2.0, 3.0)[0, 0] == 12.0


@pytest.mark.parametrize("fn", [scalar.power, scalar.d_power])
def test_power_rule_domain(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"x must be > 0 when the exponent n is not an integer .*got x=-2\.0, n=0\.5"):
        fn(-2.0, 0.5)
    with pytest.raises(ValueError, match=r"x must be > 0 when the exponent n is not an integer .*got x=0\.0, n=0\.5"):
        fn(0.0, 0.5)
    with pytest.raises(ValueError, match=r"x must be nonzero when the exponent n is negative .*got x=0\.0, n=-1\.0"):
        fn(0.0, -1)


@pytest.mark.parametrize("fn", [scalar.log_of_square, scalar.d_log_of_square])
@pytest.mark.parametrize("zero", [0.0, -0.0, 0])
def test_chain_rule_example_refuses_zero(fn, zero) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"x must be nonzero \(ln\(x\*\*2\) has a pole at x = 0\), got x=0\.0"):
        fn(zero)


def test_chain_rule_example_does_not_underflow() -> None:
    # x² underflows to 0 at x = 1e-200, but ln(x²) = 2 ln|x| is finite
    assert scalar.log_of_square(1e-200) == pytest.approx(2 * np.log(1e-200))
    assert scalar.d_log_of_square(-1e-200)[0, 0] == pytest.approx(-2e200)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: scalar.power(1e300, 3), r"x\*\*n overflows float64 at x=1e\+300, n=3\.0"),
        (lambda: scalar.power(1e-300, -3), r"x\*\*n overflows float64 at x=1e-300, n=-3\.0"),
        (lambda: scalar.d_power(1e200, 3), r"n \* x\*\*\(n - 1\) overflows float64 at x=1e\+200, n=3\.0"),
        (lambda: scalar.times_constant(1e300, 1e10), r"c \* x overflows float64 at x=1e\+300, c=10000000000\.0"),
        (lambda: scalar.square_plus_three_x(1e200), r"x\*\*2 \+ 3\*x overflows float64 at x=1e\+200"),
        (lambda: scalar.square_minus_three_x(-1e200), r"x\*\*2 - 3\*x overflows float64 at x=-1e\+200"),
        (lambda: scalar.square_times_x(1e150), r"x\*\*2 \* x overflows float64 at x=1e\+150"),
        (lambda: scalar.d_square_times_x(1e160), r"3 \* x\*\*2 overflows float64 at x=1e\+160"),
        (lambda: scalar.d_square_plus_three_x(1.7e308), r"2\*x \+ 3 overflows float64 at x=1\.7e\+308"),
        (lambda: scalar.d_log_of_square(1e-320), r"2 / x overflows float64 at x=1e-320"),
        (lambda: scalar.c_times_x_plus_square(1e200, 9.0),
         r"c \* \(x \+ x\*\*2\) overflows float64 at x=1e\+200, c=9\.0"),
        (lambda: scalar.c_times_x_plus_square(1e200, 0.0), r"c \* \(x \+ x\*\*2\) overflows float64"),
        (lambda: scalar.d_c_times_x_plus_square(1e308, 9.0),
         r"c \* \(1 \+ 2\*x\) overflows float64 at x=1e\+308, c=9\.0"),
    ],
)
def test_overflow_is_an_error_not_inf(call, pattern) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=pattern):
        call()


def test_linearity_matches_the_sum_of_scaled_derivatives() -> None:
    """S8 is S2 and S4's pattern together: c (x + x²) differentiates to c·1 + c·2x."""
    rng = np.random.default_rng(3)
    for x, c in rng.uniform(-2, 2, size=(10, 2)):
        by_parts = c * _numeric(lambda t: t, x) + c * _numeric(lambda t: t**2, x)
        assert scalar.d_c_times_x_plus_square(x, c)[0, 0] == pytest.approx(by_parts, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("rule_id", IDS)
def test_numpy_scalars_are_accepted_and_complex_ones_refused(rule_id: str) -> None:
    r = mcref.get_rule(rule_id)
    point = r.sample(np.random.default_rng(0), {})
    as_numpy = {k: np.float64(v) for k, v in point.items()}
    np.testing.assert_array_equal(r.derivative(**as_numpy), r.derivative(**point))
    assert r.forward(**as_numpy) == r.forward(**point)
    for fn in (r.forward, r.derivative):
        with pytest.raises(TypeError,
                           match=r"x must hold real numbers \(int or float\), got an array of dtype complex128"):
            fn(**{**point, "x": np.complex128(point["x"] + 1j)})
