"""R2 in general: the Jacobian of m functions of n variables is their gradients stacked as rows.

The registry checks R2 on the paper's 2 × 2 instance [f, g]. Here the general
definition, `jacobian_from_gradients`, is checked on instances of other shapes
(m ≠ n, one output, one input) against central differences: the whole matrix,
and row i against the numerical gradient of f_i alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from mcref.core.numerical import compare_jacobians, numerical_jacobian
from mcref.paper.jacobians import jacobian_from_gradients


@pytest.mark.parametrize(("m", "n"), [(1, 1), (1, 4), (3, 1), (2, 5), (5, 2), (4, 4)])
def test_R2_stacked_gradients_are_the_jacobian(m: int, n: int) -> None:
    """f_i(x) = sin(a_i · x) + (c_i · x)², whose gradient is cos(a_i · x) a_iᵀ + 2 (c_i · x) c_iᵀ."""
    rng = np.random.default_rng([m, n])
    A, C, x = rng.normal(size=(m, n)), rng.normal(size=(m, n)), rng.normal(size=n)

    def f_i(i: int, x: np.ndarray) -> float:
        return float(np.sin(A[i] @ x) + (C[i] @ x) ** 2)

    gradients = [np.cos(A[i] @ x) * A[i] + 2 * (C[i] @ x) * C[i] for i in range(m)]
    J = jacobian_from_gradients(gradients)
    assert J.shape == (m, n)
    whole = numerical_jacobian(lambda x: np.sin(A @ x) + (C @ x) ** 2, x)
    result = compare_jacobians(J, whole, rule_id=f"R2 at m={m}, n={n}")
    assert result.ok, result.report()
    for i in range(m):  # row i is the gradient of f_i, a 1 × n row
        row = numerical_jacobian(lambda x, i=i: f_i(i, x), x)
        assert compare_jacobians(J[i : i + 1], row).ok, i
