"""Errata: statements of a source that our checks refute, each with the point that refutes it.

A rule of the registry holds the verified statement. When the source prints
something else (a wrong formula, or one that holds only under a condition it
does not state), the difference is registered here with
[`erratum`][mcref.core.errata.erratum]: the statement as printed and as
verified, in LaTeX, the printed formula as a function of the rule's arguments,
and a counterexample, the smallest point we found where the printed formula
and central differences disagree. The tests check every erratum both ways:
at its counterexample the printed formula fails and the rule passes; where a
stated `holds_when` point is given (the condition the source left out), the
printed formula passes there too, so the condition is checked on both sides.
The site shows each erratum on its rule and on the errata page.

Examples:
    >>> from mcref.core.errata import all_errata
    >>> isinstance(all_errata(), tuple)
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mcref.core.numerical import CheckResult, compare_jacobians, numerical_jacobian
from mcref.core.registry import all_rules, get_rule

__all__ = ["Erratum", "all_errata", "check_erratum", "erratum", "get_erratum"]

_ERRATA: dict[str, Erratum] = {}


@dataclass(frozen=True)
class Erratum:
    """A printed statement that fails, and what is true instead.

    Attributes:
        rule: The ID of the rule that holds the verified statement (`"MC51"`).
        summary: What is wrong, in one sentence of markdown.
        printed: The statement as printed, LaTeX.
        correct: The verified statement, LaTeX.
        kind: `"wrong"` when the printed formula fails in general, or
            `"condition"` when it holds only under a condition the source
            does not state (`condition` says which).
        condition: The condition under which the printed formula holds, in
            words (markdown); empty for `"wrong"` unless it holds in a special case.
        printed_form: The printed formula as a function of the rule's
            arguments, returning the derivative in the rule's own layout and
            shape (numerator layout: what `rule.derivative` returns).
        counterexample: The point (the rule's arguments by name) where the
            printed formula fails.
        holds_when: Optional: a point where the printed formula's condition
            holds, so that it passes there.
    """

    rule: str
    summary: str
    printed: str
    correct: str
    kind: str
    condition: str
    printed_form: Callable[..., Any]
    counterexample: Mapping[str, Any]
    holds_when: Mapping[str, Any] | None = None


def erratum(
    rule: str,
    *,
    summary: str,
    printed: str,
    correct: str,
    printed_form: Callable[..., Any],
    counterexample: Mapping[str, Any],
    kind: str = "wrong",
    condition: str = "",
    holds_when: Mapping[str, Any] | None = None,
) -> Erratum:
    """Register an erratum of a registered rule and return it.

    Raises:
        KeyError: If no rule has the ID `rule`.
        ValueError: If the rule already has an erratum, `kind` is neither
            `"wrong"` nor `"condition"`, or a `"condition"` erratum names no condition.
    """
    r = get_rule(rule)
    if r.id in _ERRATA:
        raise ValueError(f"rule {r.id} already has an erratum")
    if kind not in ("wrong", "condition"):
        raise ValueError(f"kind must be 'wrong' or 'condition', got {kind!r}")
    if kind == "condition" and not condition:
        raise ValueError(f"erratum of {r.id}: a 'condition' erratum must state the condition")
    found = Erratum(r.id, summary, printed, correct, kind, condition, printed_form, dict(counterexample),
                    None if holds_when is None else dict(holds_when))
    _ERRATA[r.id] = found
    return found


def all_errata() -> tuple[Erratum, ...]:
    """Every registered erratum, in the order of its rule's ID."""
    order = {r.id: i for i, r in enumerate(all_rules())}
    return tuple(sorted(_ERRATA.values(), key=lambda e: order.get(e.rule, len(order))))


def get_erratum(rule_id: str) -> Erratum | None:
    """The erratum of a rule, or None when the source prints it right."""
    return _ERRATA.get(get_rule(rule_id).id)


def check_erratum(e: Erratum, point: Mapping[str, Any] | None = None, *, printed: bool = True) -> CheckResult:
    """Compare the printed formula (or, with `printed=False`, the rule's closed form) with central differences.

    Args:
        e: The erratum.
        point: The point; by default its counterexample.
        printed: Check the printed formula (True) or the verified rule (False).

    Returns:
        The comparison: at the counterexample the printed formula's fails and the rule's passes.
    """
    r = get_rule(e.rule)
    where = dict(e.counterexample if point is None else point)
    claim = np.asarray((e.printed_form if printed else r.derivative)(**where), dtype=np.float64)
    numeric = numerical_jacobian(r.forward, wrt=r.wrt, **where)
    return compare_jacobians(claim.reshape(numeric.shape) if claim.size == numeric.size else claim, numeric,
                             rule_id=f"{r.id} as {'printed' if printed else 'verified'}")

