"""The neuron of §5 (N1–N6), beyond the generic checks of every rule.

tests/test_rules.py and tests/test_validation.py already check every rule
against central differences and every argument against bad input. This file
checks what those cannot: the convention at the kink, the chain rule that ties
N4/N5 to N1–N3, the E8 point about the ReLU's Jacobian, and vectorization.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from mcref import numerical_jacobian
from mcref.paper import neuron
from mcref.paper.neuron import (
    MARGIN,
    activation,
    affine,
    grad_activation_b,
    grad_activation_w,
    grad_affine_b,
    grad_affine_w,
    jac_relu,
    relu,
    relu_derivative,
    relu_scalar,
)

RNG = np.random.default_rng(20261126)


# ----- the convention at the kink: 0 at z <= 0 -----


@pytest.mark.parametrize("z", [0.0, -0.0, 0, np.float64(0.0)])
def test_relu_derivative_is_zero_at_exactly_zero(z: float) -> None:
    out = relu_derivative(z)
    assert out.shape == (1, 1) and out.dtype == np.float64
    assert out[0, 0] == 0.0


def test_relu_derivative_is_a_step() -> None:
    assert relu_derivative(1e-300)[0, 0] == 1.0
    assert relu_derivative(-1e-300)[0, 0] == 0.0
    assert relu_derivative(5)[0, 0] == 1.0


def test_activation_gradients_take_the_zero_branch_at_exactly_zero() -> None:
    w, x, b = [1.0, -1.0], [2.0, 2.0], 0.0  # w · x + b = 0 exactly
    assert affine(w, x, b) == 0.0
    np.testing.assert_array_equal(grad_activation_w(w, x, b), [[0.0, 0.0]])
    np.testing.assert_array_equal(grad_activation_b(w, x, b), [[0.0]])
    # the affine part has no kink: its gradients do not care
    np.testing.assert_array_equal(grad_affine_w(w, x, b), [[2.0, 2.0]])
    np.testing.assert_array_equal(grad_affine_b(w, x, b), [[1.0]])


def test_jac_relu_puts_zero_on_the_diagonal_for_zero_entries() -> None:
    np.testing.assert_array_equal(jac_relu([0.0, -0.0, 3.0, -2.0]), np.diag([0.0, 0.0, 1.0, 0.0]))


def test_the_kink_is_why_checks_keep_a_margin() -> None:
    """A central difference across the corner averages the slopes; one side of it gives the derivative."""
    assert numerical_jacobian(relu_scalar, 0.0)[0, 0] == pytest.approx(0.5)
    for z in (MARGIN, -MARGIN):
        assert numerical_jacobian(relu_scalar, z)[0, 0] == pytest.approx(relu_derivative(z)[0, 0])


# ----- the chain rule ties the rules together -----


@pytest.mark.parametrize("n", [1, 2, 5, 50])
def test_activation_gradients_are_n1_times_the_affine_gradients(n: int) -> None:
    for _ in range(20):
        w, x, b = RNG.normal(size=n), RNG.normal(size=n), float(RNG.normal())
        slope = relu_derivative(affine(w, x, b))  # (1, 1)
        np.testing.assert_array_equal(grad_activation_w(w, x, b), slope @ grad_affine_w(w, x, b))
        np.testing.assert_array_equal(grad_activation_b(w, x, b), slope @ grad_affine_b(w, x, b))


def test_affine_gradient_is_ones_times_diag_x() -> None:
    """N2 by the route of §5: u = w ⊗ x, y = sum(u), so dy/dw = 1ᵀ diag(x) = xᵀ."""
    x = RNG.normal(size=6)
    np.testing.assert_allclose(np.ones((1, 6)) @ np.diag(x), grad_affine_w(RNG.normal(size=6), x, 0.3))


def test_activation_is_relu_of_affine() -> None:
    w, x, b = RNG.normal(size=4), RNG.normal(size=4), 0.1
    assert activation(w, x, b) == relu_scalar(affine(w, x, b))
    assert isinstance(activation(w, x, b), np.float64)


# ----- N6 and erratum E8 -----


def test_e8_the_column_is_only_the_diagonal() -> None:
    x = np.array([1.5, -0.5, 2.0, -1.0])
    v = np.array([1.0, 2.0, 3.0, 4.0])
    J = jac_relu(x)
    column = (x > 0).astype(float)  # what the paper's aside prints
    assert J.shape == (4, 4)
    np.testing.assert_array_equal(np.diag(J), column)
    np.testing.assert_array_equal(J - np.diag(np.diag(J)), np.zeros((4, 4)))  # nothing off the diagonal
    np.testing.assert_array_equal(J @ v, column * v)  # diag(c) v = c ⊗ v
    np.testing.assert_array_equal(v @ J, v * column)  # the backprop side: vᵀ J = (v ⊗ c)ᵀ
    assert np.ndim(column @ v) == 0 and column @ v != 0  # used as a matrix: a number, not J v
    assert np.outer(column, v).shape == (4, 4) and not np.array_equal(np.outer(column, v), J)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_e8_jacobian_product_is_the_elementwise_product_with_the_column(n: int) -> None:
    x = RNG.choice([-1.0, 1.0], size=n) * RNG.uniform(MARGIN, 2.0, size=n)
    v = RNG.normal(size=n)
    J = jac_relu(x)
    np.testing.assert_array_equal(J @ v, (x > 0) * v)
    np.testing.assert_allclose(J, numerical_jacobian(relu, x), atol=1e-9)


def test_relu_is_vectorized_and_matches_numpy() -> None:
    x = RNG.normal(size=100_000)
    np.testing.assert_array_equal(relu(x), np.maximum(x, 0.0))
    assert relu(x).shape == (100_000,)


# ----- shapes, types and errors -----


def test_shapes_and_types() -> None:
    w, x = [1, 2, 3], [4, 5, 6]  # integers are computed as float64
    assert isinstance(affine(w, x, 1), np.float64) and affine(w, x, 1) == 33.0
    assert isinstance(relu_scalar(-3), np.float64) and relu_scalar(-3) == 0.0
    assert grad_affine_w(w, x, 1).shape == (1, 3)
    assert grad_activation_w(w, x, 1).shape == (1, 3)
    assert grad_affine_b(w, x, 1).shape == (1, 1)
    assert jac_relu(x).shape == (3, 3)
    for out in (grad_affine_w(w, x, 1), grad_activation_b(w, x, 1), jac_relu(x), relu(x)):
        assert out.dtype == np.float64


def test_the_scalar_relu_refuses_a_vector_and_the_vector_relu_a_scalar() -> None:
    with pytest.raises(ValueError, match=r"z must be a scalar \(a 0-d value\), got an array of shape \(2,\)"):
        relu_scalar([1.0, 2.0])
    with pytest.raises(ValueError, match=r"x must be a 1-D array .*got an array of shape \(\)"):
        relu(1.0)


def test_mismatched_weights_and_input_are_named() -> None:
    with pytest.raises(ValueError, match=r"w and x must have the same length, got: w has length 2, x has length 3"):
        activation([1.0, 2.0], [1.0, 2.0, 3.0], 0.0)


def test_overflow_is_refused_not_returned() -> None:
    with pytest.raises(ValueError, match=r"w · x \+ b is not finite.*it overflowed float64"):
        affine([1e200, 1e200], [1e200, 1e200], 0.0)
    with pytest.raises(ValueError, match=r"overflowed"):
        grad_activation_w([1e200], [1e200], 0.0)


def test_no_python_loop_in_the_module() -> None:
    """Vectorized by construction: the module has no for/while loop and no comprehension."""
    tree = ast.parse(Path(neuron.__file__).read_text(encoding="utf-8"))
    loops = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    assert [type(node).__name__ for node in ast.walk(tree) if isinstance(node, loops)] == []


# ----- the backprop form of N6 -----


def test_vjp_relu_is_v_times_the_jacobian() -> None:
    from mcref.paper.neuron import vjp_relu

    x, v = np.array([1.0, 0.0, -2.0]), np.array([4.0, 5.0, 6.0])
    np.testing.assert_array_equal(vjp_relu(v, x), v @ jac_relu(x))
    np.testing.assert_array_equal(vjp_relu(v, x), [4.0, 0.0, 0.0])  # 0 at x = 0, the convention


def test_vjp_relu_lengths_must_match() -> None:
    from mcref.paper.neuron import vjp_relu

    with pytest.raises(ValueError,
                       match=r"v must have the shape of the output of relu, \(3,\), got an array of shape \(2,\)"):
        vjp_relu([1.0, 2.0], [1.0, 2.0, 3.0])


def test_inactive_gradient_is_plain_zeros_not_negative_zeros() -> None:
    out = grad_activation_w([1.0, 1.0], [-1.0, -2.0], 0.0)
    np.testing.assert_array_equal(out, [[0.0, 0.0]])
    assert not np.signbit(out).any()
