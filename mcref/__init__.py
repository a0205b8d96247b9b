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

from mcref import elementwise, jacobians
from mcref.numerical import (
    ATOL,
    RTOL,
    STEP,
    JacobianComparison,
    JacobianMismatch,
    compare_jacobians,
    numerical_jacobian,
)
from mcref.registry import Arg, Rule, all_rules, check_rule, get_rule, rule

__all__ = [
    "ATOL",
    "RTOL",
    "STEP",
    "Arg",
    "JacobianComparison",
    "JacobianMismatch",
    "Rule",
    "all_rules",
    "check_rule",
    "compare_jacobians",
    "elementwise",
    "get_rule",
    "jacobians",
    "numerical_jacobian",
    "rule",
]

__version__ = "0.1.0"
