"""The derivative engine against the reference's own rules (spec/engine-cross-checks.toml).

Every registered rule is classified there once: an expression in the engine's grammar (with the rule's
argument names), or the reason the grammar cannot write it. For each expression the engine's numpy code
is run at points drawn by the rule's own sampler (its domain: SPD, invertible, a simplex, an integer
exponent, away from a kink), at two sets of distinct sizes, and must give the rule's forward value and
the rule's closed form in numerator layout. The engine is called directly (`mcref.engine.derive`, which
proves its result exactly); `mcref.derive`'s numerical layer is not needed, the rule's closed form is the
reference here.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import cache
from typing import Any

import numpy as np
import pytest

import mcref
from mcref.core.registry import Rule
from mcref.engine import Derivative, DeriveError, derive
from tests.conftest import ROOT

SPEC = ROOT / "spec" / "engine-cross-checks.toml"
ENTRIES: dict[str, dict[str, Any]] = tomllib.loads(SPEC.read_text(encoding="utf-8"))
FIELDS = {"expr", "shapes", "order", "note", "gap", "gap_expr", "slow", "not_expressible"}
EXPRESSIBLE = sorted((rid for rid, e in ENTRIES.items() if "expr" in e), key=lambda rid: list(ENTRIES).index(rid))
GAPS = [rid for rid, e in ENTRIES.items() if "gap" in e]
SLOW = os.environ.get("MCREF_SLOW_ENGINE_CHECKS") == "1"  # also the entries marked slow (minutes)
SIZE_SETS = (2, 4)  # n for the first dimension symbol, n + 1 for the next, ...: distinct, so non-square
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")


def _sizes(r: Rule, n: int) -> dict[str, int]:
    return {d: n + i for i, d in enumerate(r.dimensions)}


@cache
def _engine(expr: str, wrt: str, shapes: str | None, order: int) -> tuple[Derivative, dict[str, Any]]:
    d = derive(expr, wrt, shapes, order=order)
    namespace: dict[str, Any] = {}
    exec(compile(d.numpy, f"<engine: {expr}>", "exec"), namespace)
    return d, namespace


def _filled(expr: str, point: dict[str, Any], sizes: dict[str, int]) -> str:
    """The expression with each {name} replaced by the rule's drawn number or a dimension's size."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        return repr(point[name]) if name in point else str(sizes[name])

    return _PLACEHOLDER.sub(value, expr)


def test_every_registered_rule_is_classified_once_and_every_entry_is_registered() -> None:
    registered = [r.id for r in mcref.all_rules()]
    text = SPEC.read_text(encoding="utf-8")
    headers = re.findall(r'^\[\s*"?([^"\]]+)"?\s*\]\s*$', text, re.M)
    assert len(headers) == len(set(headers)), sorted({h for h in headers if headers.count(h) > 1})
    assert sorted(set(registered) - set(ENTRIES)) == [], "registered rules missing from the spec"
    assert sorted(set(ENTRIES) - set(registered)) == [], "spec entries that are not registered rules"
    assert headers == registered, "the spec lists the rules in the registry's order"


@pytest.mark.parametrize("rule_id", list(ENTRIES))
def test_each_entry_is_an_expression_or_a_reason(rule_id: str) -> None:
    e = ENTRIES[rule_id]
    assert set(e) <= FIELDS, sorted(set(e) - FIELDS)
    assert ("expr" in e) != ("not_expressible" in e), "an entry has exactly one of expr and not_expressible"
    if "not_expressible" in e:
        assert set(e) == {"not_expressible"} and len(e["not_expressible"]) > 20
    if "gap" in e:
        assert "gap_expr" in e, "a gap names an expression the engine refuses today"
    r = mcref.get_rule(rule_id)
    for name in _PLACEHOLDER.findall(e.get("expr", "")):
        spec = r.args.get(name)
        assert (spec is not None and spec.shape == ()) or name in r.dimensions, f"{{{name}}} is not a number"


@pytest.mark.parametrize("rule_id", GAPS)
def test_each_gap_is_still_a_gap(rule_id: str) -> None:
    """The engine still refuses the gap's expression; when it does not, the entry's gap goes."""
    e = ENTRIES[rule_id]
    with pytest.raises(DeriveError):
        derive(e["gap_expr"], mcref.get_rule(rule_id).wrt, e.get("shapes"))


def _cross_check(
    r: Rule, d: Derivative, code: dict[str, Any], point: dict[str, Any], sizes: dict[str, int], rng: np.random.Generator
) -> None:
    assert set(d.shapes) <= set(r.args), f"symbols {sorted(d.shapes)}, not among the rule's {sorted(r.args)}"
    assert r.wrt in d.shapes
    args = {name: point[name] for name in d.shapes}
    x = point[r.wrt]
    closed = np.asarray(r.derivative(**point))
    assert closed.shape == r.derivative_shape(sizes)
    value, expected = np.asarray(code["f"](**args)), np.asarray(r.forward(**point))
    if d.kind == "hessian":  # the forward function of a Hessian rule is the gradient
        value = np.asarray(code["grad_f"](**args))
    assert value.shape == expected.shape, f"f: {value.shape} against the rule's {expected.shape}"
    np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-11, err_msg="f")
    if d.kind == "gradient":
        ours = np.asarray(code["grad_f"](**args))
        assert ours.shape == np.shape(x), f"the gradient is shaped {ours.shape}, the variable {np.shape(x)}"
        ours = ours.reshape(1, -1)  # numerator layout: a row, a matrix variable row by row
    elif d.kind in ("jacobian", "hessian"):
        ours = np.asarray(code["jacobian_f" if d.kind == "jacobian" else "hessian_f"](**args))
        if np.ndim(x) == 0:  # a vector by a number: a column
            assert ours.shape == (expected.size,), ours.shape
            ours = ours.reshape(-1, 1)
    else:  # the VJP G -> vᵀJ: against G contracted with the closed form, and with the rule's own VJP
        G = rng.normal(size=expected.shape)
        ours = np.asarray(code["vjp_f"](G, **args))
        assert ours.shape == np.shape(x), f"the VJP is shaped {ours.shape}, the variable {np.shape(x)}"
        if r.vjp is not None:
            np.testing.assert_allclose(ours, np.asarray(r.vjp(G, **point)), rtol=1e-8, atol=1e-10, err_msg="vjp")
        np.testing.assert_allclose(
            ours.reshape(-1), np.reshape(G, -1) @ closed, rtol=1e-8, atol=1e-10, err_msg="vjp against J"
        )
        return
    assert ours.shape == closed.shape, f"the engine's derivative is {ours.shape}, the rule's {closed.shape}"
    np.testing.assert_allclose(ours, closed, rtol=1e-8, atol=1e-10, err_msg="the derivative")


@pytest.mark.parametrize("rule_id", EXPRESSIBLE)
def test_the_engine_agrees_with_the_registered_rule(rule_id: str) -> None:
    e, r = ENTRIES[rule_id], mcref.get_rule(rule_id)
    if "slow" in e and not SLOW:
        pytest.skip(f"slow ({e['slow']}); MCREF_SLOW_ENGINE_CHECKS=1 runs it")
    for n in SIZE_SETS:
        sizes = _sizes(r, n)
        rng = np.random.default_rng([n, r.number, 8])
        for _ in range(40):
            point = r.sample(rng, sizes)
            try:
                d, code = _engine(_filled(e["expr"], point, sizes), r.wrt, e.get("shapes"), e.get("order", 1))
            except DeriveError:
                if "gap" not in e:
                    raise
                continue  # a draw in the gap (a matrix power with k <= 0): draw again
            _cross_check(r, d, code, point, sizes, rng)
            break
        else:
            pytest.fail(f"{rule_id}: no point the engine reads in 40 draws at {sizes}")


def test_the_page_states_the_counts_of_the_spec() -> None:
    """docs/derive.md says how many rules the engine is checked against; the numbers are this file's."""
    page = " ".join((ROOT / "docs" / "derive.md").read_text(encoding="utf-8").split())
    m = re.search(r"(\d+) of the (\d+) rules are written there, and the other (\d+) need", page)
    assert m, "the sentence with the counts is gone from docs/derive.md"
    written, total, other = (int(g) for g in m.groups())
    assert (written, total, other) == (len(EXPRESSIBLE), len(ENTRIES), len(ENTRIES) - len(EXPRESSIBLE))
    slow = re.search(r"The (\d+) on which the engine's exact check is slow", page)
    assert slow and int(slow.group(1)) == sum("slow" in ENTRIES[rid] for rid in EXPRESSIBLE)
