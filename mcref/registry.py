"""The rule registry: every rule of the reference, paired with its closed form.

A rule is a pair of functions, the *forward* function being differentiated and
the *closed-form derivative*, plus what a reader and a test need to know about
it: a stable ID, a title, the paper section, the variable, the LaTeX statement in
both layouts, the shape of the result and the domain of each argument. Rule
modules register their derivatives with the [`rule`][mcref.registry.rule]
decorator; the tests, the site and the checks all read this one table.

Examples:
    >>> import mcref
    >>> r = mcref.get_rule("R10")
    >>> r.title
    'Hadamard product, with respect to w'
    >>> r.derivative_shape({"n": 3})
    (3, 3)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from mcref.numerical import ATOL, RTOL, JacobianComparison, compare_jacobians, numerical_jacobian

__all__ = ["Arg", "Rule", "all_rules", "check_rule", "get_rule", "rule"]

Dim = str | int
F = TypeVar("F", bound=Callable[..., Any])

_ID = re.compile(r"^[A-Z][A-Za-z]*[0-9]+$")
_RULES: dict[str, Rule] = {}


@dataclass(frozen=True)
class Arg:
    """The shape and sampling domain of one argument of a rule.

    Attributes:
        shape: Symbolic shape: `()` for a scalar, `("n",)` for a vector of
            length n. Symbols are filled in from a sizes mapping.
        low: Smallest value drawn.
        high: Largest value drawn.
        min_abs: Draw only values with `|value| >= min_abs`, to stay away from
            a pole or a kink at zero (for example a divisor).
    """

    shape: tuple[Dim, ...] = ("n",)
    low: float = -2.0
    high: float = 2.0
    min_abs: float = 0.0

    def concrete_shape(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The shape with every symbol replaced by its size."""
        return _concrete(self.shape, sizes)

    def draw(self, rng: np.random.Generator, sizes: Mapping[str, int]) -> Any:
        """A random value of this argument: a float for a scalar, else an array."""
        shape = self.concrete_shape(sizes)
        if self.min_abs > 0:
            top = max(abs(self.low), abs(self.high))
            values = rng.uniform(self.min_abs, top, size=shape) * rng.choice([-1.0, 1.0], size=shape)
            values = np.clip(values, self.low, self.high)
        else:
            values = rng.uniform(self.low, self.high, size=shape)
        return float(values) if shape == () else values


def _concrete(shape: tuple[Dim, ...], sizes: Mapping[str, int]) -> tuple[int, ...]:
    out = []
    for d in shape:
        if isinstance(d, int):
            out.append(d)
        elif d in sizes:
            out.append(int(sizes[d]))
        else:
            raise ValueError(f"no size given for dimension {d!r}; sizes were {dict(sizes)}")
    return tuple(out)


@dataclass(frozen=True)
class Rule:
    """One rule: a forward function, a variable, and its closed-form derivative.

    Attributes:
        id: Stable ID, e.g. `"R10"`; also the anchor of the rule on the site.
        title: Short name of the rule.
        section: The paper's section(s), e.g. `"4.2, 8.2"`.
        forward: The function being differentiated.
        wrt: Name of the argument of `forward` the derivative is taken with
            respect to.
        derivative: The closed form, called with the same arguments as
            `forward`; returns the Jacobian in numerator layout.
        latex: The statement in numerator layout (the paper's).
        latex_denominator: The statement in denominator layout.
        shape: Symbolic shape of the numerator-layout result, e.g. `("n", "n")`.
        args: Shape and sampling domain of every argument of `forward`.
        conditions: Assumptions under which the rule holds, in words.
    """

    id: str
    title: str
    section: str
    forward: Callable[..., Any]
    wrt: str
    derivative: Callable[..., Any]
    latex: str
    latex_denominator: str
    shape: tuple[Dim, ...]
    args: Mapping[str, Arg] = field(default_factory=dict)
    conditions: str = ""

    def derivative_shape(self, sizes: Mapping[str, int]) -> tuple[int, ...]:
        """The numerator-layout shape of the derivative for the given sizes."""
        return _concrete(self.shape, sizes)

    def sample(self, rng: np.random.Generator, sizes: Mapping[str, int]) -> dict[str, Any]:
        """Random arguments for `forward` and `derivative`, inside the rule's domain."""
        return {name: spec.draw(rng, sizes) for name, spec in self.args.items()}

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimension symbols the rule's shapes use, e.g. `("n",)`, sorted."""
        dims = [d for spec in self.args.values() for d in spec.shape] + list(self.shape)
        return tuple(sorted({d for d in dims if isinstance(d, str)}))

    @property
    def number(self) -> int:
        """The numeric part of the ID, for sorting (R6 before R10)."""
        return int(re.sub(r"\D", "", self.id))


def rule(
    id: str,
    *,
    title: str,
    section: str,
    forward: Callable[..., Any],
    wrt: str,
    latex: str,
    latex_denominator: str,
    shape: tuple[Dim, ...],
    args: Mapping[str, Arg],
    conditions: str = "",
) -> Callable[[F], F]:
    """Register the decorated function as the closed-form derivative of a rule.

    The decorated function is returned unchanged, with a `rule_id` attribute.
    Registering an ID twice is an error.
    """

    def decorate(derivative: F) -> F:
        if not _ID.match(id):
            raise ValueError(f"rule ID must look like 'R10' (letters then digits), got {id!r}")
        if id in _RULES:
            raise ValueError(f"rule {id} is already registered (by {_RULES[id].derivative.__qualname__})")
        if wrt not in args:
            raise ValueError(f"rule {id}: wrt={wrt!r} is not one of its arguments {list(args)}")
        _RULES[id] = Rule(
            id=id,
            title=title,
            section=section,
            forward=forward,
            wrt=wrt,
            derivative=derivative,
            latex=latex,
            latex_denominator=latex_denominator,
            shape=shape,
            args=dict(args),
            conditions=conditions,
        )
        derivative.rule_id = id  # type: ignore[attr-defined]
        return derivative

    return decorate


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, ordered by prefix and number (R3, R6, ..., R13)."""
    return tuple(sorted(_RULES.values(), key=lambda r: (re.sub(r"\d", "", r.id), r.number)))


def get_rule(rule_id: str) -> Rule:
    """The rule with this ID.

    Raises:
        TypeError: If `rule_id` is not a string.
        KeyError: If no rule has this ID; the message lists the known IDs.
    """
    if not isinstance(rule_id, str):
        raise TypeError(f"rule_id must be a string such as 'R10', got {type(rule_id).__name__}")
    try:
        return _RULES[rule_id]
    except KeyError:
        known = ", ".join(r.id for r in all_rules())
        raise KeyError(f"no rule with ID {rule_id!r}; known IDs: {known}") from None


def _size(name: str, value: Any) -> int:
    """A dimension size: an int (Python or numpy) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= 1, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def check_rule(
    rule: Rule | str,
    sizes: int | Mapping[str, int],
    *,
    seed: int = 0,
    rtol: float = RTOL,
    atol: float = ATOL,
) -> JacobianComparison:
    """Check a rule's closed form against the numerical Jacobian at a random point.

    Args:
        rule: A rule or its ID.
        sizes: The size of every dimension symbol, or one int used for all of them.
        seed: Seed of the random point.
        rtol: Relative tolerance.
        atol: Absolute tolerance.

    Returns:
        The comparison. Its shapes are the closed form's and the numerical
        Jacobian's; a closed form whose shape differs from the rule's declared
        shape fails.

    Examples:
        >>> from mcref import check_rule
        >>> check_rule("R13", 4, seed=1).ok
        True
    """
    if isinstance(rule, str):
        r = get_rule(rule)
    elif isinstance(rule, Rule):
        r = rule
    else:
        raise TypeError(f"rule must be a Rule or a rule ID such as 'R10', got {type(rule).__name__}")
    if isinstance(sizes, Mapping):
        sizes = {str(k): _size(f"sizes[{k!r}]", v) for k, v in sizes.items()}
    elif isinstance(sizes, bool) or not isinstance(sizes, (int, np.integer)):
        raise TypeError(f"sizes must be an int or a mapping of dimension names to ints, got {type(sizes).__name__}")
    else:
        sizes = dict.fromkeys(r.dimensions, _size("sizes", sizes))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    point = r.sample(np.random.default_rng(seed), sizes)
    closed = np.asarray(r.derivative(**point))
    numeric = numerical_jacobian(r.forward, wrt=r.wrt, **point)
    declared = r.derivative_shape(sizes)
    if closed.shape != declared:
        # report against the declared shape: a closed form of the wrong shape fails
        return JacobianComparison(r.id, False, closed.shape, declared, None, None, None, None, rtol, atol)
    return compare_jacobians(closed, numeric, rule_id=r.id, rtol=rtol, atol=atol)
