"""The verification core itself, checked on functions whose derivatives we write by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mcref.core.numerical import ATOL, RTOL, STEP, compare_jacobians, numerical_jacobian

RNG = np.random.default_rng(20261126)


def test_stated_recipe() -> None:
    assert (STEP, RTOL, ATOL) == (1e-6, 1e-5, 1e-7)


def test_scalar_to_scalar_is_1_by_1() -> None:
    J = numerical_jacobian(lambda x: x**3, 2.0)
    assert J.shape == (1, 1)
    assert J[0, 0] == pytest.approx(12.0, rel=1e-9)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_vector_to_scalar_is_a_row(n: int) -> None:
    x = RNG.uniform(-2, 2, n)
    J = numerical_jacobian(lambda v: np.sum(v**2), x)
    assert J.shape == (1, n)
    np.testing.assert_allclose(J[0], 2 * x, rtol=1e-8, atol=1e-9)


def test_scalar_to_vector_is_a_column() -> None:
    t = 0.7
    J = numerical_jacobian(lambda s: np.array([np.sin(s), s**2, 3.0]), t)
    assert J.shape == (3, 1)
    np.testing.assert_allclose(J[:, 0], [np.cos(t), 2 * t, 0.0], rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (4, 2), (7, 7)])
def test_vector_to_vector_is_m_by_n(m: int, n: int) -> None:
    A = RNG.normal(size=(m, n))
    x = RNG.normal(size=n)
    J = numerical_jacobian(lambda v: np.tanh(A @ v), x)
    expected = (1 - np.tanh(A @ x) ** 2)[:, None] * A  # diag(1 - tanh²) A
    assert J.shape == (m, n)
    np.testing.assert_allclose(J, expected, rtol=1e-7, atol=1e-9)


def test_matrix_argument_is_flattened_row_major() -> None:
    X = RNG.normal(size=(2, 3))
    J = numerical_jacobian(lambda M: np.sum(M * np.arange(6.0).reshape(2, 3)), X)
    assert J.shape == (1, 6)
    np.testing.assert_allclose(J[0], np.arange(6.0), atol=1e-8)


def test_wrt_by_position_by_name_and_keyword_arguments() -> None:
    def f(a: np.ndarray, b: np.ndarray, scale: float = 1.0) -> np.ndarray:
        return scale * a * b**2

    a, b = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    by_pos = numerical_jacobian(f, a, b, wrt=1, scale=2.0)
    by_name = numerical_jacobian(f, a, b=b, wrt="b", scale=2.0)
    expected = np.diag(2.0 * a * 2 * b)
    np.testing.assert_allclose(by_pos, expected, rtol=1e-8)
    np.testing.assert_allclose(by_name, expected, rtol=1e-8)
    # a scalar keyword argument can itself be the variable
    by_scale = numerical_jacobian(f, a, b, scale=2.0, wrt="scale")
    np.testing.assert_allclose(by_scale[:, 0], a * b**2, rtol=1e-8)


def test_step_scales_with_magnitude() -> None:
    # at x = 1e6 a fixed step of 1e-6 would be lost in rounding; the scaled step is not
    J = numerical_jacobian(lambda x: x**2, 1e6)
    assert J[0, 0] == pytest.approx(2e6, rel=1e-8)


def test_input_is_not_modified() -> None:
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    numerical_jacobian(lambda v: v**2, x)
    np.testing.assert_array_equal(x, before)


def test_integer_input_is_differentiated_in_float64() -> None:
    J = numerical_jacobian(lambda v: v**2, [1, 2, 3])
    assert J.dtype == np.float64
    np.testing.assert_allclose(np.diag(J), [2.0, 4.0, 6.0], rtol=1e-8)


def test_comparison_passes_within_tolerance_and_reports_it() -> None:
    result = compare_jacobians([[1.0, 2.0]], [[1.0 + 1e-9, 2.0]], rule_id="T1")
    assert result.ok
    assert result.report().startswith("rule T1 passed")


def test_comparison_names_the_worst_entry() -> None:
    closed = np.array([[1.0, 2.0], [3.0, 4.0]])
    numeric = closed.copy()
    numeric[1, 0] = 3.5  # the bad one
    numeric[0, 1] = 2.0 + 1e-3  # also bad, but less so
    result = compare_jacobians(closed, numeric, rule_id="T2")
    assert not result.ok
    assert result.worst[0].index == (1, 0)
    assert (result.worst[0].claimed, result.worst[0].numerical) == (3.0, 3.5)
    assert result.failed == 2 and result.kind == "comparison"
    report = result.report()
    for fragment in ["T2 FAILED", "(1, 0)", "closed form 3.0", "numerical 3.5", "rtol=1e-05", "atol=1e-07"]:
        assert fragment in report


def test_tolerance_boundary() -> None:
    # allowed = atol + rtol * |numerical| = 1e-7 + 1e-5 * 100 = 1.0001e-3
    assert compare_jacobians([[100.0 + 0.9e-3]], [[100.0]]).ok
    assert not compare_jacobians([[100.0 + 1.1e-3]], [[100.0]]).ok


def test_comparison_fails_on_shape_even_with_equal_values() -> None:
    result = compare_jacobians([1.0, 2.0], [[1.0, 2.0]], rule_id="T3")
    assert not result.ok
    assert "shape (2,)" in result.report() and "shape (1, 2)" in result.report()
    with pytest.raises(AssertionError, match="T3 FAILED"):
        result.raise_if_failed()
