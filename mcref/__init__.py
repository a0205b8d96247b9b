"""mcref: the matrix calculus you need for deep learning, as tested numpy functions.

Every rule of the reference is a registered pair of functions, a forward
function and its closed-form derivative, checked against central differences.

Examples:
    >>> import numpy as np
    >>> import mcref
    >>> w, x = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    >>> print(mcref.elementwise.jac_multiply_w(w, x))
    [[3. 0.]
     [0. 4.]]
    >>> mcref.check_rule("R10", 3).ok
    True
"""

from mcref import (
    activations,
    chain,
    check,
    elementwise,
    expansion,
    jacobians,
    layers,
    layout,
    loss,
    losses,
    network,
    neuron,
    quadratic,
    reductions,
    scalar,
    softmax,
    symmetric,
)
from mcref.numerical import (
    ATOL,
    RTOL,
    STEP,
    JacobianComparison,
    JacobianMismatch,
    compare_jacobians,
    numerical_jacobian,
)
from mcref.registry import Arg, Rule, all_rules, check_rule, check_vjp, get_rule, rule, vjp_of

__all__ = [
    "ATOL",
    "RTOL",
    "STEP",
    "Arg",
    "JacobianComparison",
    "JacobianMismatch",
    "Rule",
    "activations",
    "all_rules",
    "chain",
    "check",
    "check_rule",
    "check_vjp",
    "compare_jacobians",
    "elementwise",
    "expansion",
    "get_rule",
    "jacobians",
    "layers",
    "layout",
    "loss",
    "losses",
    "network",
    "neuron",
    "numerical_jacobian",
    "quadratic",
    "reductions",
    "rule",
    "scalar",
    "softmax",
    "symmetric",
    "vjp_of",
]

__version__ = "0.1.0"
