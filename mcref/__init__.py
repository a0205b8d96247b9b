"""mcref: the matrix calculus you need for deep learning, as tested numpy functions.

Every rule of the reference is a registered pair of functions, a forward
function and its closed-form derivative, checked against central differences.

The package has four layers, and imports point down only:

* `mcref.core`: the registry, the numerical comparison, the checker, argument
  validation and layout conversions; it knows no rule;
* `mcref.paper`: the paper's rules, one module per section of its reference;
* `mcref.cookbook`: the Matrix Cookbook's chapter on derivatives, checked
  equation by equation (its rules have IDs `MCnn`);
* `mcref.ext`: the rules beyond the paper.

Beside them, `mcref.engine` derives a reader's own expression and proves the result exactly; it
imports the standard library and SymPy only, no numpy and no other part of mcref (it is meant to run
in a browser too). `mcref.derivation` adds the numerical check on top of it: `derive` (from there),
`Derivative` and `DeriveError` are re-exported here, and loaded on first use: the engine brings SymPy,
which would double the time `import mcref` takes.

This module re-exports the public API and nothing else: the names in
`__all__` below. Rule functions are imported from their modules, for example
`from mcref.paper.elementwise import jac_divide_x`.

Examples:
    >>> import numpy as np
    >>> import mcref
    >>> w, x = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    >>> print(mcref.paper.elementwise.jac_multiply_w(w, x))
    [[3. 0.]
     [0. 4.]]
    >>> mcref.check_rule("R10", 3).ok
    True
"""

import typing as _typing

from mcref import cookbook, core, ext, paper
from mcref.core.check import check_backprop, check_jacobian
from mcref.core.numerical import (
    ATOL,
    RTOL,
    STEP,
    CheckResult,
    JacobianMismatch,
    compare_jacobians,
    numerical_jacobian,
)
from mcref.core.registry import Arg, Rule, all_rules, check_rule, check_vjp, get_rule, rule, vjp_of

if _typing.TYPE_CHECKING:
    from mcref import engine
    from mcref.derivation import derive
    from mcref.engine import Derivative, DeriveError

_ENGINE_NAMES = frozenset({"Derivative", "DeriveError", "derive"})

__all__ = [
    "ATOL",
    "RTOL",
    "STEP",
    "Arg",
    "CheckResult",
    "Derivative",
    "DeriveError",
    "JacobianMismatch",
    "Rule",
    "all_rules",
    "check_backprop",
    "check_jacobian",
    "check_rule",
    "check_vjp",
    "compare_jacobians",
    "cookbook",
    "core",
    "derive",
    "engine",
    "ext",
    "get_rule",
    "numerical_jacobian",
    "paper",
    "rule",
    "vjp_of",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> _typing.Any:
    """Load the derivative engine (and SymPy) only when one of its names is first used."""
    import importlib

    if name == "derive":  # the engine's derive, checked numerically too (mcref.derivation)
        return importlib.import_module("mcref.derivation").derive
    if name == "engine" or name in _ENGINE_NAMES:
        engine = importlib.import_module("mcref.engine")
        return engine if name == "engine" else getattr(engine, name)
    raise AttributeError(f"module 'mcref' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, with the engine's before it is loaded."""
    return sorted(set(globals()) | _ENGINE_NAMES | {"engine"})
