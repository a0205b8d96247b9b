"""The public gradient checker, mcref.core.check: right and wrong derivatives, layouts, fast mode, precision.

Every expected value here is written out by hand or follows from a formula in the
test, never from the checker itself.
"""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pytest

import mcref
from mcref.core.check import DEFAULTS, PrecisionWarning, check_backprop, check_jacobian
from mcref.core.numerical import CheckResult

A = np.array([[1.0, 2.0, 0.0], [0.0, 3.0, -1.0], [4.0, 0.0, 1.0]])
X3 = np.array([0.5, -1.0, 2.0])
# a 4 x 3 design matrix, targets and weights for a mean squared error
XD = np.array([[1.0, 2.0, 0.0], [3.0, -1.0, 1.0], [0.0, 1.0, 2.0], [2.0, 2.0, -1.0]])
YD = np.array([1.0, 0.0, 2.0, -1.0])
WD = np.array([0.5, -1.0, 0.25])
# by hand: r = XD @ WD - YD = [-2.5, 2.75, -2.5, -0.25]; XDᵀr = [5.25, -10.75, -2.0]
GRAD_MSE = 2 * np.array([5.25, -10.75, -2.0]) / 4


def linear(x):
    return A @ x


def square(x):
    return x**2


def mse(w, X, y):
    r = X @ w - y
    return np.sum(r * r) / len(y)


class Counting:
    """f with a counter of its calls."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def diagnosis(result: CheckResult) -> str:
    return "\n".join(result.diagnosis)


# ----- right derivatives pass -----


def test_the_hand_computed_mse_gradient_is_right():
    r = XD @ WD - YD
    np.testing.assert_allclose(r, [-2.5, 2.75, -2.5, -0.25])
    np.testing.assert_allclose(XD.T @ r, [5.25, -10.75, -2.0])


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_right_derivatives_pass(mode):
    assert check_jacobian(linear, A, X3, mode=mode)
    assert check_jacobian(square, np.diag(2 * X3), X3, mode=mode)
    assert check_jacobian(mse, GRAD_MSE, WD, XD, YD, mode=mode)
    assert check_jacobian(np.sin, lambda x: np.diag(np.cos(x)), X3, mode=mode)
    assert check_backprop(linear, lambda v, x: A.T @ v, X3, mode=mode)


def test_a_passing_result_is_true_and_raise_if_failed_is_silent():
    result = check_jacobian(linear, A, X3)
    assert result.ok and bool(result) is True
    assert result.diagnosis == ()
    assert result.failed == 0 and result.compared == 9
    assert result.max_error is not None and result.max_error < 1e-8
    result.raise_if_failed()


def test_claimed_may_be_a_function_with_the_signature_of_f():
    seen = []

    def claimed(w, X, y):
        seen.append((w.copy(), X.shape, y.shape))
        return 2 * X.T @ (X @ w - y) / len(y)

    assert check_jacobian(mse, claimed, WD, XD, YD)
    assert len(seen) == 1 and np.array_equal(seen[0][0], WD) and seen[0][1:] == ((4, 3), (4,))


def test_wrt_by_name_and_by_position_with_keyword_arguments():
    # d(mse)/dy = -(2/N) r, by hand: r = [-2.5, 2.75, -2.5, -0.25]
    grad_y = -2 * np.array([-2.5, 2.75, -2.5, -0.25]) / 4
    assert check_jacobian(mse, grad_y, WD, XD, YD, wrt="y")
    assert check_jacobian(mse, grad_y, WD, XD, YD, wrt=2)
    assert check_jacobian(mse, grad_y, WD, X=XD, y=YD, wrt="y")


# ----- wrong derivatives fail, with a diagnosis -----


def test_transposed_jacobian_fails_and_the_transpose_is_named():
    result = check_jacobian(linear, A.T, X3)
    assert not result.ok and result.layout == "numerator"
    assert "the transpose matches" in diagnosis(result)
    assert "layout='denominator'" in diagnosis(result)
    assert any("fits both layouts" in note for note in result.notes)
    # stated as denominator layout, the same array passes
    assert check_jacobian(linear, A.T, X3, layout="denominator")
    assert not check_jacobian(linear, A, X3, layout="denominator")


def test_missing_factor_two():
    result = check_jacobian(square, np.diag(X3), X3)
    assert not result.ok
    assert "the numerical Jacobian is 2 times yours" in diagnosis(result)
    assert "a factor 2 is missing from yours" in diagnosis(result)


def test_extra_factor_two():
    result = check_jacobian(square, np.diag(4 * X3), X3)
    assert "1/2 times yours; yours has an extra factor 2" in diagnosis(result)


def test_missing_one_over_n_names_the_size_it_comes_from():
    result = check_jacobian(mse, 4 * GRAD_MSE, WD, XD, YD)
    assert not result.ok
    assert "1/4 times yours" in diagnosis(result)
    # named by f's parameter, X, not by the caller's variable
    assert "a factor 1/N is missing from yours, where N = 4 is X.shape[0], over which f averages: a mean" in (
        diagnosis(result)
    )


def test_extra_one_over_n():
    def total(w, X, y):
        r = X @ w - y
        return np.sum(r * r)

    result = check_jacobian(total, GRAD_MSE, WD, XD, YD)  # the mean's gradient for a sum
    assert "the numerical Jacobian is 4 times yours" in diagnosis(result)
    assert "a factor N is missing from yours, where N = 4 is X.shape[0], over which f sums" in diagnosis(result)


def test_sign_error():
    result = check_jacobian(linear, -A, X3)
    assert diagnosis(result) == "the sign is flipped: the numerical Jacobian is -1 times yours"


def test_sign_and_factor_together():
    # -2 is not "a flipped sign": the size is wrong as well
    result = check_jacobian(square, np.diag(-X3), X3)
    assert diagnosis(result) == (
        "off by a constant factor: the numerical Jacobian is -2 times yours (of the opposite sign); "
        "a factor 2 is missing from yours"
    )
    assert "flipped" not in diagnosis(check_jacobian(linear, -1.5 * A, X3))


def test_one_over_n_only_for_an_axis_that_f_averages():
    # f sums over the 4 rows of X and divides by 4 for another reason (not a mean over an axis of length 4
    # alone: repeating the rows doubles f); the factor 1/4 is then named as a number, not as a mean
    def quarter_total(w, X, y):
        r = X @ w - y
        return np.sum(r * r) / 4.0

    result = check_jacobian(quarter_total, 4 * GRAD_MSE, WD, XD, YD)
    assert "1/4 times yours" in diagnosis(result)
    assert "1/N" not in diagnosis(result) and "mean" not in diagnosis(result)


def test_a_one_entry_comparison_offers_no_constant_factor():
    result = check_jacobian(lambda x: x**3, 2.0, 1.5)  # the true value is 6.75: any number is a "factor" of it
    assert not result.ok and "factor" not in diagnosis(result)


def test_an_unnamed_factor_is_reported_as_a_number():
    result = check_jacobian(linear, 1.5 * A, X3)
    assert "off by a constant factor: the numerical Jacobian is 0.666667 times yours" in diagnosis(result)


def test_no_common_mistake_gives_no_false_diagnosis():
    wrong = A.copy()
    wrong[0, 1] += 1.0
    wrong[2, 0] -= 0.5
    result = check_jacobian(linear, wrong, X3)
    assert not result.ok and result.diagnosis == ()
    assert result.failed == 2


def test_a_single_wrong_entry_is_named_with_its_index():
    wrong = A.copy()
    wrong[1, 2] = 1.0  # the right value is -1
    result = check_jacobian(linear, wrong, X3)
    assert diagnosis(result) == (
        "one entry differs: (1, 2) of the Jacobian (numerator layout), yours 1, numerical -1; every other entry matches"
    )
    grad = GRAD_MSE.copy()
    grad[2] += 0.1
    assert "one entry differs: the derivative by w[2], yours -0.9, numerical -1" in diagnosis(
        check_jacobian(mse, grad, WD, XD, YD)
    )


def test_a_point_within_a_step_of_a_kink_is_named_and_told_apart_from_a_wrong_derivative():
    x = np.array([0.5, 0.0, -1.0])  # ReLU at 0: the central difference gives 0.5, the convention 0
    result = check_jacobian(lambda x: np.maximum(x, 0.0), np.diag((x > 0) * 1.0), x)
    assert not result.ok
    assert diagnosis(result) == (
        "entry (1, 1): x[1] = 0 is within one step (h = 1e-06) of a kink, a point where f is not differentiable: "
        "the one-sided differences are 0 to the left and 1 to the right, and the central difference averages "
        "them (0.5). Yours, 0, lies between the one-sided slopes, so this is not a wrong derivative: move the "
        "point more than h away from the kink to check it"
    )
    assert "kink" in diagnosis(check_backprop(lambda x: np.maximum(x, 0.0), lambda v, x: v * (x > 0), x))
    assert "kink" in diagnosis(check_jacobian(np.abs, 1.0, 3e-7))  # |x| within h of 0, not at it
    # a wrong derivative at the same point is not put down to the kink
    assert "kink" not in diagnosis(check_jacobian(lambda x: np.maximum(x, 0.0), np.diag((x > 0) * 2.0), x))
    assert "kink" not in diagnosis(check_jacobian(lambda x: np.maximum(x, 0.0), 3.0, 0.0))
    # nor is a smooth function with a wrong derivative
    assert "kink" not in diagnosis(check_jacobian(square, np.diag(X3 + 1e-3), X3))


def test_a_claim_right_only_for_symmetric_a_is_named():
    # f(x) = xᵀAx has gradient (A + Aᵀ)x; 2Ax is right only when A is symmetric
    def quadratic(x, M):
        return x @ M @ x

    result = check_jacobian(quadratic, lambda x, M: 2 * M @ x, X3, A)
    assert "right only for symmetric M" in diagnosis(result)
    assert "factor" not in diagnosis(result)
    assert check_jacobian(quadratic, lambda x, M: (M + M.T) @ x, X3, A)


def test_a_column_major_matrix_gradient_is_recognised():
    W = np.arange(6.0).reshape(2, 3)
    G = 2 * W  # the gradient of sum(W²)
    result = check_jacobian(lambda W: np.sum(W * W), G.ravel(order="F"), W)
    assert "flattened column-major" in diagnosis(result)
    assert "fits no layout" in diagnosis(result)  # the shape is still refused, with the reason after it


def test_a_transposed_matrix_gradient_is_named_not_fits_no_layout():
    W = np.arange(6.0).reshape(2, 3)
    result = check_jacobian(lambda W: np.sum(W**3), 3 * (W**2).T, W)
    assert diagnosis(result).startswith("the shape (3, 2) is the transpose of W's shape (2, 3): the transpose matches")
    assert "fits no layout" not in diagnosis(result)
    S = np.array([[1.0, 2.0], [-1.0, 0.5]])  # square: the transposed gradient has the right shape
    square_result = check_jacobian(lambda W: np.sum(W**3) + W[0, 1], 3 * (S**2).T + np.array([[0, 0], [1, 0]]), S)
    assert "the transpose matches: your gradient is transposed" in diagnosis(square_result)


def test_column_sums_given_where_the_jacobian_is_needed():
    B = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    result = check_jacobian(lambda x: B @ np.sin(x), np.ones(2) @ B * np.cos(X3), X3)  # 1ᵀJ, length 3
    assert "it matches the column sums of the Jacobian, 1ᵀJ" in diagnosis(result)
    square_result = check_jacobian(linear, A.sum(axis=0), X3)
    assert "column sums" in diagnosis(square_result)


def test_a_backprop_function_with_its_arguments_swapped_gets_a_clear_message():
    B = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(ValueError, match=r"vjp raised ValueError when called as vjp\(v, \*args, \*\*kwargs\), with v "
                       r"first \(shape \(2,\)") as info:
        check_backprop(lambda x: B @ x, lambda x, v: B.T @ v, X3)
    assert "Its parameters are (x, v): v must come first, as vjp(v, x, ...)" in str(info.value)
    assert "matmul" in str(info.value)  # numpy's own message comes after ours


def test_diagonal_vector_for_an_elementwise_function_matches_as_diag():
    result = check_jacobian(np.sin, np.cos(X3), X3)
    assert not result.ok and result.layout is None
    assert "it matches as diag(v)" in diagnosis(result)
    assert "np.diag(v)" in diagnosis(result)


def test_only_the_diagonal_given_where_the_jacobian_is_full():
    def f(x):
        return A @ np.sin(x)

    # J = A diag(cos x); its diagonal is A_ii cos(x_i), its largest off-diagonal entry is A[2, 0] cos(x_0)
    result = check_jacobian(f, np.diag(A) * np.cos(X3), X3)
    assert not result.ok
    text = diagnosis(result)
    assert "only the diagonal given" in text
    assert f"the largest is {4 * np.cos(0.5):.6g} at (2, 0)" in text


def test_full_jacobian_given_where_a_gradient_is_expected():
    result = check_jacobian(lambda x: np.sum(x**2), np.diag(2 * X3), X3)
    assert not result.ok and result.layout is None
    text = diagnosis(result)
    assert "a full Jacobian where a gradient was expected" in text
    assert "column sums match the gradient" in text


def test_a_shape_that_fits_nothing_lists_the_shapes_that_would():
    result = check_jacobian(linear, np.ones((2, 5)), X3)
    assert not result.ok and result.layout is None and result.max_error is None and result.worst == ()
    text = diagnosis(result)
    assert "the shape (2, 5) fits no layout" in text
    assert "(3, 3) in numerator layout" in text and "(3, 3) in denominator layout" in text


def test_a_flattened_jacobian_is_recognised():
    B = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    result = check_jacobian(lambda x: B @ x, B.reshape(-1), X3)
    assert "reshaped to (2, 3) (numerator layout) it matches" in diagnosis(result)


# ----- layouts -----


def test_gradient_in_every_accepted_shape():
    g = GRAD_MSE
    cases = {(3,): "gradient", (1, 3): "numerator", (3, 1): "denominator"}
    for shape, layout in cases.items():
        result = check_jacobian(mse, g.reshape(shape), WD, XD, YD)
        assert result.ok and result.layout == layout, shape


def test_rectangular_jacobian_in_both_layouts_with_auto():
    B = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # f: R^3 -> R^2, numerator Jacobian B (2, 3)
    num = check_jacobian(lambda x: B @ x, B, X3)
    den = check_jacobian(lambda x: B @ x, B.T, X3)
    assert num.ok and num.layout == "numerator"
    # auto does not pass a Jacobian that fits only transposed: it fails with the transpose named
    assert not den.ok and den.layout == "denominator"
    assert "the transpose matches: your (3, 2) array is the Jacobian in denominator layout" in diagnosis(den)
    assert "read as denominator layout" in den.notes[0]
    assert check_jacobian(lambda x: B @ x, B.T, X3, layout="denominator")
    wrong = check_jacobian(lambda x: B @ x, 2 * B.T, X3)
    assert "it does not match either" in diagnosis(wrong) and "a factor 2" in diagnosis(wrong)


def test_a_stated_layout_that_does_not_fit_says_which_does():
    B = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    result = check_jacobian(lambda x: B @ x, B.T, X3, layout="numerator")
    assert not result.ok
    assert "it has the denominator-layout shape; read in denominator layout it matches" in diagnosis(result)


def test_a_symmetric_jacobian_says_both_layouts_agree():
    S = A + A.T
    result = check_jacobian(lambda x: S @ x, S, X3)
    assert result.ok


def test_jax_style_jacobian_of_a_matrix_argument_reports_indices_into_the_given_array():
    # f(W) = W @ c for W (3, 2): dy_i/dW_jk = [i == j] c_k; as jax.jacobian returns it, shape (3, 3, 2)
    c = np.array([2.0, -1.0])
    W = np.arange(6.0).reshape(3, 2)
    J = np.einsum("ij,k->ijk", np.eye(3), c)
    assert check_jacobian(lambda W: W @ c, J, W).layout == "numerator"
    assert check_jacobian(lambda W: W @ c, J.transpose(1, 2, 0), W).layout == "denominator"
    wrong = J.copy()
    wrong[1, 1, 0] += 0.5
    result = check_jacobian(lambda W: W @ c, wrong, W)
    assert not result.ok and result.worst[0].index == (1, 1, 0)
    assert result.worst[0].claimed == pytest.approx(2.5) and result.worst[0].numerical == pytest.approx(2.0)


def test_gradient_of_a_matrix_argument_shaped_like_it():
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    result = check_jacobian(lambda W: np.sum(W * W), 2 * W, W)  # square W: the gradient shape (2, 2)
    assert result.ok and result.layout == "gradient"


# ----- the result: worst entries and the report -----


def test_the_worst_entries_are_listed_worst_first_with_their_values():
    wrong = A.copy()
    wrong[0, 1] += 1.0  # |error| / allowed = 1 / (1e-7 + 2e-5 * 2) ~ 49751
    wrong[2, 2] += 0.8  # 0.8 / (1e-7 + 1e-5 * 1) ~ 79208: the largest share of its allowance
    wrong[1, 1] += 0.25  # 0.25 / (1e-7 + 1e-5 * 3) ~ 8306
    result = check_jacobian(linear, wrong, X3)
    assert [e.index for e in result.worst] == [(2, 2), (0, 1), (1, 1)]
    top = result.worst[0]
    assert top.claimed == 1.8 and top.numerical == pytest.approx(1.0, abs=1e-8)
    assert top.error == pytest.approx(0.8, abs=1e-8) and top.allowed == pytest.approx(1e-7 + 1e-5, rel=1e-6)
    assert result.failed == 3 and result.max_error == pytest.approx(1.0, abs=1e-8)


def test_report_is_an_aligned_table():
    # shares of the allowance: 3 / 6.01e-5 > 2 / 4.01e-5 > 1 / 2.01e-5, so (2, 2) comes first
    result = check_jacobian(square, np.diag(np.array([1.0, 2.0, 3.0])), np.array([1.0, 2.0, 3.0]))
    assert result.report() == "\n".join(
        [
            # 2 + 2 * 3 calls for the numerical Jacobian, 2 for the one-sided differences of the kink test
            "check_jacobian FAILED: full mode, numerator layout, Jacobian 3 x 3, f: (3,) -> (3,), 10 calls of f",
            "tolerance: |claimed - numerical| <= atol + rtol * |numerical|, "
            "rtol 1e-05, atol 1e-07; step 1e-06; float64",
            "max |error| 3; 3 of 9 entries outside the tolerance",
            "worst entries:",
            "  index   claimed  numerical  |error|   allowed",
            "  (2, 2)        3          6        3  6.01e-05",
            "  (1, 1)        2          4        2  4.01e-05",
            "  (0, 0)        1          2        1  2.01e-05",
            "diagnosis:",
            "  - off by a constant factor: the numerical Jacobian is 2 times yours; a factor 2 is missing from yours",
            "notes:",
            "  - layout auto: (3, 3) holds the same numbers in either layout",
        ]
    )


def test_raise_if_failed_raises_with_the_report():
    result = check_jacobian(linear, -A, X3)
    with pytest.raises(mcref.JacobianMismatch, match="check_jacobian FAILED") as info:
        result.raise_if_failed()
    assert "the sign is flipped" in str(info.value)
    assert bool(result) is False


def test_the_result_is_frozen():
    result = check_jacobian(linear, A, X3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.ok = False  # type: ignore[misc]


# ----- fast mode -----

BIG = 100_000


def big_x():
    return np.random.default_rng(0).uniform(-2.0, 2.0, BIG)


def test_fast_mode_at_a_hundred_thousand_entries_costs_a_handful_of_calls():
    x = big_x()
    f = Counting(np.sin)
    result = check_backprop(f, lambda v, x: np.cos(x) * v, x, mode="fast")
    assert result.ok and result.mode == "fast" and result.compared == 3
    assert f.calls == result.calls == 13  # one evaluation at x, four per projection (steps h and 2h)

    g = Counting(lambda x: np.sum(np.sin(x)))
    result = check_jacobian(g, np.cos(x), x, mode="fast")  # a gradient of 10^5 entries
    assert result.ok and result.layout == "gradient"
    assert g.calls == 13


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        (lambda v, x: 2 * np.cos(x) * v, "1/2 times yours"),
        (lambda v, x: -np.cos(x) * v, "the sign is flipped"),
        (lambda v, x: np.sin(x) * v, None),
    ],
    ids=["factor", "sign", "wrong-function"],
)
def test_fast_mode_catches_wrong_backprop_at_a_hundred_thousand_entries(wrong, expected):
    result = check_backprop(np.sin, wrong, big_x(), mode="fast")
    assert not result.ok
    text = diagnosis(result)
    assert "run mode='full'" in text
    if expected:
        assert "the projections are consistent with this" in text and expected in text


def test_fast_mode_catches_a_symmetric_derivative_whose_signs_cancel():
    # J = diag(2x) with x symmetric about 0: with v >= 0 the projections of a factor error would cancel
    x = np.linspace(-2.0, 2.0, BIG)
    assert check_backprop(square, lambda v, x: 2 * x * v, x, mode="fast")
    assert not check_backprop(square, lambda v, x: x * v, x, mode="fast")


def test_fast_mode_missing_one_over_n_on_a_large_gradient():
    x = big_x()

    def mean_square(x):
        return np.sum(x * x) / len(x)

    assert check_jacobian(mean_square, 2 * x / BIG, x, mode="fast")
    result = check_jacobian(mean_square, 2 * x, x, mode="fast")
    assert not result.ok and f"1/N is missing from yours, where N = {BIG} is the length of x" in diagnosis(result)
    assert f"the numerical Jacobian is 1/{BIG} times yours" in diagnosis(result)


def test_fast_mode_diagonal_vector_at_a_hundred_thousand_entries():
    x = big_x()
    result = check_jacobian(np.tanh, 1 - np.tanh(x) ** 2, x, mode="fast")
    assert not result.ok and "it matches as diag(v)" in diagnosis(result)


def test_fast_mode_agrees_with_full_mode_on_small_problems():
    for claimed, ok in [(A, True), (A.T, False), (2 * A, False), (-A, False)]:
        full = check_jacobian(linear, claimed, X3, mode="full")
        fast = check_jacobian(linear, claimed, X3, mode="fast")
        assert full.ok is fast.ok is ok


def test_fast_mode_is_seeded():
    one = check_jacobian(linear, 2 * A, X3, mode="fast", seed=1)
    again = check_jacobian(linear, 2 * A, X3, mode="fast", seed=1)
    other = check_jacobian(linear, 2 * A, X3, mode="fast", seed=2)
    assert one == again
    assert one.worst != other.worst


def test_fast_mode_tolerance_is_the_estimated_error_of_the_projection():
    # a linear f has no truncation error: the allowance is rounding only (eps / h ~ 2e-10 times the values,
    # times 6), and rtol/atol are 0 unless given, when they widen it
    result = check_jacobian(linear, A, X3, mode="fast")
    assert result.ok and (result.rtol, result.atol) == (0.0, 0.0)
    assert all(0 < e.allowed < 1e-6 for e in result.worst)
    widened = check_jacobian(linear, A, X3, mode="fast", rtol=0.5)
    assert all(e.allowed >= 0.5 * abs(e.numerical) for e in widened.worst)
    # a curved f: the two steps see its truncation error, which enters the allowance
    curved = check_jacobian(np.exp, lambda x: np.diag(np.exp(x)), X3, mode="fast", step=1e-3)
    assert curved.ok and all(e.allowed > 1e-6 for e in curved.worst)


def test_fast_mode_sees_a_small_scaling_and_one_wrong_entry_at_a_hundred_thousand_entries():
    # the targets, at n = 10^5: a VJP scaled by 1 + 1e-3, and one entry of it off by 1e-2 relative;
    # f has |J_ii| >= 0.5 so that the wrong entry is not a tiny one
    x = big_x()

    def f(x):
        return x + 0.5 * np.sin(x)

    def right(v, x):
        return v * (1.0 + 0.5 * np.cos(x))

    def one_wrong(v, x):
        g = right(v, x)
        g[12_345] *= 1.01
        return g

    assert check_backprop(f, right, x, mode="fast")
    assert not check_backprop(f, lambda v, x: (1 + 1e-3) * right(v, x), x, mode="fast")
    assert not check_backprop(f, one_wrong, x, mode="fast")


def test_full_mode_calls_f_twice_per_input_entry():
    f = Counting(linear)
    result = check_jacobian(f, A, X3)
    assert f.calls == result.calls == 2 + 2 * 3  # at x (checker and core), then two per entry


# ----- precision -----


def test_defaults_by_precision():
    assert DEFAULTS["float64"].step == mcref.STEP
    assert DEFAULTS["float64"].rtol == mcref.RTOL and DEFAULTS["float64"].atol == mcref.ATOL
    assert DEFAULTS["float32"].rtol >= 1e3 * mcref.RTOL and DEFAULTS["float32"].step >= 1e3 * mcref.STEP
    assert set(DEFAULTS) == {"float64", "float32", "float16"}
    assert issubclass(PrecisionWarning, UserWarning)


def test_float32_input_is_converted_to_float64_with_a_warning():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return x**2

    x32 = X3.astype(np.float32)
    with pytest.warns(PrecisionWarning, match=r"x has a lower precision than float64; mcref converted it to float64"):
        result = check_jacobian(f, np.diag(2 * X3), x32)
    assert result.ok and result.dtype == "float64"
    assert set(seen) == {np.dtype(np.float64)}


def test_other_float32_arguments_are_converted_too():
    with pytest.warns(PrecisionWarning, match=r"X, y have a lower precision"):
        result = check_jacobian(mse, GRAD_MSE, WD, XD.astype(np.float32), YD.astype(np.float16))
    assert result.ok


def test_f_computing_in_float32_inside_is_warned_about_and_fails_at_the_float64_step():
    def f(x):
        x = np.asarray(x, dtype=np.float32)
        return x * x * x

    x = np.array([1.1, -0.7])
    with pytest.warns(PrecisionWarning, match=r"f returned float32 values although x was float64"):
        result = check_jacobian(f, np.diag(3 * x**2), x)
    assert not result.ok  # float32 rounding / 1e-6 is far beyond rtol 1e-5
    assert "f returned float32 values although x was float64: it computes in lower precision inside" in (
        result.report()
    )  # the explanation is in the report, where the failure is read, not only in the warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deliberate float32 check warns about nothing
        deliberate = check_jacobian(f, np.diag(3 * x**2), x, dtype="float32")
    assert deliberate.ok and deliberate.dtype == "float32"
    assert (deliberate.step, deliberate.rtol, deliberate.atol) == (5e-3, 1e-2, 1e-3)


def test_a_deliberate_float32_check_evaluates_f_in_float32():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return np.tanh(x)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check_jacobian(f, lambda x: np.diag(1 - np.tanh(x) ** 2), X3, dtype=np.float32, mode="fast")
    assert result.ok
    assert set(seen) == {np.dtype(np.float32)}


def test_tolerances_and_step_can_be_given():
    result = check_jacobian(linear, A, X3, rtol=0.5, atol=0.25, step=1e-4)
    assert (result.rtol, result.atol, result.step) == (0.5, 0.25, 1e-4)
    assert check_jacobian(linear, A + 0.2, X3, rtol=0.0, atol=0.25)


# ----- check_backprop -----


def test_backprop_full_mode_builds_the_jacobian_row_by_row():
    result = check_backprop(linear, lambda v, x: A.T @ v, X3)
    assert result.ok and result.compared == 9 and result.kind == "vjp"


def test_backprop_that_computes_jv_is_named():
    result = check_backprop(linear, lambda v, x: A @ v, X3)
    assert not result.ok and "vjp computes J v (a JVP), not vᵀJ" in diagnosis(result)


def test_backprop_of_a_scalar_function_gets_a_float_v():
    seen = []

    def vjp(v, x):
        seen.append(type(v))
        return 3 * x**2 * v

    assert check_backprop(lambda x: np.sum(x**3), vjp, X3)
    assert check_backprop(lambda x: np.sum(x**3), vjp, X3, mode="fast")
    assert set(seen) == {float}


def test_backprop_of_the_wrong_shape_fails_with_the_shape_it_needs():
    result = check_backprop(linear, lambda v, x: (A.T @ v)[None, :], X3)
    assert not result.ok and result.layout is None
    assert "vjp returned shape (1, 3); it must return vᵀJ shaped like x, (3,)" in diagnosis(result)
    full = check_backprop(linear, lambda v, x: A, X3)
    assert "a full Jacobian, not the product vᵀJ" in diagnosis(full)


def test_registered_rules_pass_through_check_backprop_and_check_jacobian():
    for rule_id in ("R10", "R13", "X13", "X18"):
        r = mcref.get_rule(rule_id)
        point = r.sample(np.random.default_rng(3), dict.fromkeys(r.dimensions, 5))
        assert check_jacobian(r.forward, r.derivative, wrt=r.wrt, **point), rule_id
        assert check_backprop(r.forward, r.vjp, wrt=r.wrt, mode="fast", **point), rule_id


# ----- bad input -----

F = linear
BAD = {
    "f-not-callable": (lambda: check_jacobian(3, A, X3), TypeError, r"f must be callable, got int"),
    "claimed-str": (lambda: check_jacobian(F, "J", X3), TypeError,
                    r"claimed must be a real number or array of real numbers, got str 'J'"),
    "claimed-nan": (lambda: check_jacobian(F, [[np.nan]], X3), ValueError, r"claimed must be finite, got nan"),
    "claimed-empty": (lambda: check_jacobian(F, np.empty((0, 3)), X3), ValueError,
                      r"claimed must have at least one element, got an empty array of shape \(0, 3\)"),
    "claimed-returns-inf": (lambda: check_jacobian(F, lambda x: A + np.inf, X3), ValueError,
                            r"claimed's value must be finite, got inf"),
    "mode-unknown": (lambda: check_jacobian(F, A, X3, mode="slow"), ValueError,
                     r"mode must be one of 'full', 'fast', got 'slow'"),
    "mode-int": (lambda: check_jacobian(F, A, X3, mode=1), TypeError, r"mode must be one of 'full', 'fast', got int 1"),
    "layout-unknown": (lambda: check_jacobian(F, A, X3, layout="row"), ValueError,
                       r"layout must be one of 'auto', 'numerator', 'denominator', got 'row'"),
    "dtype-int32": (lambda: check_jacobian(F, A, X3, dtype="int32"), ValueError,
                    r"dtype must be 'float64', 'float32' or 'float16', got int32"),
    "dtype-nonsense": (lambda: check_jacobian(F, A, X3, dtype="double-ish"), ValueError,
                       r"dtype must be 'float64', 'float32' or 'float16', got 'double-ish'"),
    "dtype-number": (lambda: check_jacobian(F, A, X3, dtype=64), TypeError,
                     r"dtype must be 'float64', 'float32' or 'float16' \(a name or a numpy dtype\), got int 64"),
    "rtol-negative": (lambda: check_jacobian(F, A, X3, rtol=-1.0), ValueError, r"rtol must be >= 0, got -1\.0"),
    "atol-str": (lambda: check_jacobian(F, A, X3, atol="0"), TypeError,
                 r"atol must be a real number or array of real numbers, got str '0'"),
    "step-zero": (lambda: check_jacobian(F, A, X3, step=0.0), ValueError, r"step must be > 0, got 0\.0"),
    "seed-negative": (lambda: check_jacobian(F, A, X3, seed=-1), ValueError, r"seed must be >= 0, got -1"),
    "seed-float": (lambda: check_jacobian(F, A, X3, seed=1.5), TypeError, r"seed must be an int >= 0, got float 1\.5"),
    "projections-zero": (lambda: check_jacobian(F, A, X3, projections=0), ValueError,
                         r"projections must be >= 1, got 0"),
    "wrt-unknown": (lambda: check_jacobian(mse, GRAD_MSE, WD, XD, YD, wrt="z"), ValueError,
                    r"wrt='z' is not a parameter of mse; its parameters are \['w', 'X', 'y'\]"),
    "x-nan": (lambda: check_jacobian(F, A, [1.0, np.nan, 2.0]), ValueError, r"x must be finite, got nan at index 1"),
    "x-str": (lambda: check_jacobian(F, A, "abc"), TypeError,
              r"x must be a real number or array of real numbers, got str 'abc'"),
    "f-returns-nan": (lambda: check_jacobian(lambda x: x * np.nan, A, X3), ValueError,
                      r"f returned a non-finite value at x="),
    "args-do-not-bind": (lambda: check_jacobian(mse, GRAD_MSE, WD), TypeError,
                         r"the arguments do not match the signature mse\(w, X, y\)"),
    "bp-f-not-callable": (lambda: check_backprop(None, lambda v, x: v, X3), TypeError,
                          r"f must be callable, got NoneType"),
    "bp-vjp-not-callable": (lambda: check_backprop(F, A, X3), TypeError, r"vjp must be callable, got ndarray"),
    "bp-vjp-returns-str": (lambda: check_backprop(F, lambda v, x: "g", X3), TypeError,
                           r"vjp's value must be a real number or array of real numbers, got str 'g'"),
    "bp-mode-unknown": (lambda: check_backprop(F, lambda v, x: v, X3, mode="quick"), ValueError,
                        r"mode must be one of 'full', 'fast', got 'quick'"),
    "bp-dtype": (lambda: check_backprop(F, lambda v, x: v, X3, dtype="complex128"), ValueError,
                 r"dtype must be 'float64', 'float32' or 'float16', got complex128"),
    "bp-projections-bool": (lambda: check_backprop(F, lambda v, x: v, X3, projections=True), TypeError,
                            r"projections must be an int >= 1, got bool True"),
}


@pytest.mark.parametrize(("call", "exc", "pattern"), BAD.values(), ids=BAD.keys())
def test_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_error_messages_name_the_argument_of_f():
    def f(weights):
        return weights * 2

    with pytest.raises(ValueError, match=re.escape("weights must be finite, got inf at index 0")):
        check_jacobian(f, np.eye(2) * 2, np.array([np.inf, 1.0]))
