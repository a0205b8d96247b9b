"""Bad input for every public function of mcref.

Each error must name the argument, what was expected and what was given. The
validators of `mcref.core.validate` are checked with every bad value once;
every rule function (forward, closed form, VJP), found through the registry,
with a few bad values per argument, enough to fail if it skips a validator.
So a new rule module is covered without editing this file.
"""

import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import mcref
from mcref.core import validate
from mcref.paper import elementwise
from tests.badinput import INF, NAN, bad_values, wiring_values

RULES = mcref.all_rules()
ROOT = Path(__file__).resolve().parent.parent
N = 3
# forward functions whose named arguments are divisors: a zero entry must be refused
DIVISORS = {elementwise.divide: ("x",)}


def _functions():
    """(rule, function) for every closed form, forward function and VJP, each once."""
    seen, out = set(), []
    for r in RULES:
        for fn in (r.forward, r.derivative, r.vjp):
            if fn is not None and fn not in seen:
                seen.add(fn)
                out.append((r, fn))
    return out


FUNCTIONS = _functions()


def _valid(r, fn=None):
    """A valid point for the rule's functions; a VJP also gets `v`, shaped like the forward output."""
    sizes = dict.fromkeys(r.dimensions, N)
    point = {k: np.asarray(v, dtype=np.float64) for k, v in r.sample(np.random.default_rng(0), sizes).items()}
    if fn is not None and fn is r.vjp:
        out_shape = np.shape(r.forward(**point))
        cotangent = next(iter(inspect.signature(fn).parameters))  # v, delta or G
        point = {cotangent: np.random.default_rng(1).uniform(0.5, 1.5, size=out_shape), **point}
    return point


# each validator with a valid value of the kind it checks; `array` takes any ndim
VALIDATORS = {
    "vector": (validate.vector, np.array([1.0, -2.0, 3.0])),
    "matrix": (validate.matrix, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    "scalar": (validate.scalar, np.array(1.5)),
    "array": (validate.array, np.ones((2, 2, 2))),
}


def _validator_cases():
    for label, (check, v) in VALIDATORS.items():
        for case, bad, exc, pattern in bad_values("arg", v):
            if label == "array" and case in ("too-many-dims", "0-d"):
                continue
            yield pytest.param(check, bad, exc, pattern, id=f"{label}-{case}")


@pytest.mark.parametrize(("check", "bad", "exc", "pattern"), list(_validator_cases()))
def test_validator_refuses(check, bad, exc, pattern):
    with pytest.raises(exc, match=pattern):
        check("arg", bad)


@pytest.mark.parametrize("label", VALIDATORS)
def test_validator_accepts_ints_as_float64(label):
    check, v = VALIDATORS[label]
    for form in (v.astype(np.int64), v.astype(np.int32), v.astype(np.int64).tolist()):
        out = check("arg", form)
        assert np.asarray(out).dtype == np.float64
        np.testing.assert_array_equal(out, v.astype(np.int64).astype(np.float64))


def _refuses(fn, args, exc, pattern) -> str | None:
    """None if fn(**args) raises `exc` with a message matching `pattern`, else what happened."""
    try:
        fn(**args)
    except exc as error:
        return None if re.search(pattern, str(error)) else f"{type(error).__name__}: {error}"
    except Exception as error:  # (the wrong exception is what gets reported)
        return f"{type(error).__name__} instead of {exc.__name__}: {error}"
    return f"no error (expected {exc.__name__} matching {pattern!r})"


def _length_groups(r):
    """The vector arguments of `r` declared with one length symbol, in groups of two or more: they must agree."""
    by_length: dict = {}
    for name, spec in r.args.items():
        if len(spec.shape) == 1:
            by_length.setdefault(spec.shape, []).append(name)
    return [names for names in by_length.values() if len(names) > 1]


def _integer_point(r, fn):
    """The valid point rounded away from zero to integers (keeping signs, off a divisor's zero)."""
    ints = {k: np.where(v < 0, np.floor(v), np.ceil(v)).astype(np.int64) for k, v in _valid(r, fn).items()}
    if r.origin == "cookbook" and not r.inside({k: ints[k] * 1.0 for k in r.args}):
        # rounding made a matrix of ±1 entries singular (a rule with an inverse): add its size on the
        # diagonal of each square matrix, which keeps the entries integers and makes it invertible
        ints = {k: a + a.shape[0] * np.eye(a.shape[0], dtype=np.int64) if a.ndim == 2 and a.shape[0] == a.shape[1]
                else a for k, a in ints.items()}
        assert r.inside({k: ints[k] * 1.0 for k in r.args}), ints
    return ints


@pytest.mark.parametrize(("r", "fn"), FUNCTIONS, ids=[f"{r.id}-{fn.__name__}" for r, fn in FUNCTIONS])
def test_function_validates_every_argument(r, fn):
    """One function's wiring, all of it in one test (one per function keeps the suite's item count, and
    so its time, in proportion to what is new code): a valid point is accepted and computed in float64;
    each argument, corrupted alone with a wrong ndim, a NaN and a string, is refused by name (the
    validators themselves are tested with every bad value above); vectors that share a length symbol
    must agree; a divisor's zero is refused; integer input (lists of ints) gives the float64 result."""
    valid = _valid(r, fn)
    # the baseline: only the corrupted argument is wrong in the cases below
    out = fn(**valid)
    assert out.dtype == np.float64 and np.all(np.isfinite(out))
    failures = []
    for name, v in valid.items():
        for case, bad, exc, pattern in wiring_values(name, v):
            problem = _refuses(fn, {**_valid(r, fn), name: bad}, exc, pattern)
            if problem:
                failures.append(f"{name} {case}: {problem}")
    for vectors in _length_groups(r):
        for name in vectors:
            args = _valid(r, fn)
            args[name] = np.append(args[name], 1.0)
            others = "".join(rf".*{o} has length {N}\b" for o in vectors if o != name)
            pattern = rf"must have the same length, got: (?=.*{name} has length {N + 1}){others}"
            problem = _refuses(fn, args, ValueError, pattern)
            if problem:
                failures.append(f"{name} one longer than {vectors}: {problem}")
    for name in DIVISORS.get(r.forward, ()):
        for zero in (0.0, -0.0):
            args = _valid(r, fn)
            args[name][1] = zero
            pattern = rf"{name} must have no zero entry \(it is a divisor\), got {name}\[1\] = 0"
            problem = _refuses(fn, args, ValueError, pattern)
            if problem:
                failures.append(f"{name}[1] = {zero}: {problem}")
    assert failures == [], f"{r.id} {fn.__name__}:\n" + "\n".join(failures)
    ints = _integer_point(r, fn)
    out = fn(**{k: a.tolist() for k, a in ints.items()})
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, fn(**{k: a.astype(np.float64) for k, a in ints.items()}))


def test_every_kind_of_wiring_case_is_exercised():
    """The cases above that only some functions have (shared lengths, divisors) exist somewhere."""
    assert any(_length_groups(r) for r, _ in FUNCTIONS)
    assert any(DIVISORS.get(r.forward) for r, _ in FUNCTIONS)


def test_int_beyond_int64_is_accepted_and_one_beyond_float64_is_refused():
    big = 2**70  # numpy holds it as dtype object
    out = elementwise.add([big, 1], [1, 1])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [float(big) + 1.0, 2.0])
    with pytest.raises(ValueError, match=r"x must fit in float64 \(\|value\| <= 1\.8e308\), got list \[1"):
        elementwise.add([1.0], [2**1100])


# Public functions that are not a rule's forward, closed form or VJP: each has its own bad-input
# tests, in the file named beside it. Everything a module exports must be a rule function or here.
HELPERS = {
    "mcref.core.numerical.numerical_jacobian",  # tests/test_validation.py
    "mcref.core.numerical.compare_jacobians",  # tests/test_validation.py
    "mcref.core.registry.rule",  # tests/test_validation.py
    "mcref.core.registry.vjp_of",  # tests/test_validation.py
    "mcref.core.registry.all_rules",  # tests/test_rules.py
    "mcref.core.registry.get_rule",  # tests/test_validation.py
    "mcref.core.registry.check_rule",  # tests/test_validation.py
    "mcref.core.registry.check_vjp",  # tests/test_validation.py
    "mcref.paper.jacobians.jacobian_from_gradients",  # tests/test_layout.py
    "mcref.core.layout.to_denominator",  # tests/test_layout.py
    "mcref.core.layout.to_numerator",  # tests/test_layout.py
    "mcref.core.layout.gradient_like_input",  # tests/test_layout.py
    "mcref.core.layout.gradient_as_row",  # tests/test_layout.py
    "mcref.ext.symmetric.symmetric_gradient",  # tests/test_symmetric.py
    "mcref.ext.symmetric.cookbook_symmetric_gradient",  # tests/test_symmetric.py
    "mcref.ext.symmetric.directional_derivative",  # tests/test_symmetric.py
    "mcref.paper.elementwise.elementwise_jacobian_w",  # tests/test_elementwise_general.py
    "mcref.paper.elementwise.elementwise_jacobian_x",  # tests/test_elementwise_general.py
    "mcref.paper.elementwise.diagonal_jacobian_w",  # tests/test_elementwise_general.py
    "mcref.paper.elementwise.diagonal_jacobian_x",  # tests/test_elementwise_general.py
    "mcref.paper.reductions.sum_gradient",  # tests/test_reductions.py
    "mcref.paper.chain.single_variable_chain",  # tests/test_chain.py
    "mcref.paper.chain.total_derivative_chain",  # tests/test_chain.py
    "mcref.paper.chain.vector_chain",  # tests/test_chain.py
    "mcref.paper.chain.diagonal_chain",  # tests/test_chain.py
    "mcref.paper.chain.chain_product",  # tests/test_chain.py
    "mcref.paper.chain.chain_cost",  # tests/test_chain.py
    "mcref.paper.chain.ln_sin_cube_squared_steps",  # tests/test_chain.py
    "mcref.paper.loss.augment",  # tests/test_loss.py
    "mcref.paper.loss.grad_loss",  # tests/test_loss.py
    "mcref.paper.loss.gradient_step",  # tests/test_loss.py
    "mcref.ext.network.forward_pass",  # tests/test_network.py
    "mcref.ext.network.gradients",  # tests/test_network.py
    "mcref.core.check.check_jacobian",  # tests/test_check.py
    "mcref.core.check.check_backprop",  # tests/test_check.py
    "mcref.cli.main",  # tests/test_cli.py
    "mcref.cli.example_script",  # tests/test_cli.py
    "mcref.cli.tex_to_unicode",  # tests/test_cli.py
    "mcref.derivation.derive",  # tests/test_engine.py
    "mcref.derivation.check_numerically",  # tests/test_engine.py
    "mcref.derivation.points",  # tests/test_engine.py
}


def _public_functions():
    import pkgutil

    for info in pkgutil.iter_modules(mcref.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"mcref.{info.name}")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", obj


def test_every_public_function_is_covered():
    tested = {fn for _, fn in FUNCTIONS}
    missing = [name for name, fn in _public_functions() if fn not in tested and name not in HELPERS]
    assert missing == [], (
        f"public functions with no bad-input test: add them to HELPERS with their test file: {missing}"
    )


# ----- the core: numerical_jacobian, compare_jacobians, check_rule, get_rule, rule -----


def _f(w, x):
    return w * x


def _register(rule_id, wrt="x"):
    decorate = mcref.rule(rule_id, title="t", section="0", forward=_f, wrt=wrt, latex="", latex_denominator="",
                          shape=("n", "n"), args={"w": mcref.Arg(), "x": mcref.Arg()})
    return decorate(lambda w, x: np.diag(w))


W, X, J = [1.0, 2.0], [3.0, 4.0], [[1.0, 0.0]]
NJ, CJ, CR = mcref.numerical_jacobian, mcref.compare_jacobians, mcref.check_rule
FIRST = next(r for r in RULES if r.dimensions)  # a rule with a dimension symbol, for the sizes cases
REAL = r"must be a real number or array of real numbers"
CORE = {
    "nj-f-not-callable": (lambda: NJ(3, W), TypeError, r"f must be callable, got int"),
    "nj-wrt-unknown-name": (lambda: NJ(_f, W, X, wrt="y"), ValueError,
                            r"wrt='y' is not a parameter of _f; its parameters are \['w', 'x'\]"),
    "nj-wrt-position-too-big": (lambda: NJ(_f, W, X, wrt=2), ValueError,
                                r"wrt=2 is not the position of a positional argument; 2 were given"),
    "nj-wrt-negative": (lambda: NJ(_f, W, X, wrt=-1), ValueError, r"wrt=-1 is not the position .*; 2 were given"),
    "nj-wrt-float": (lambda: NJ(_f, W, X, wrt=1.0), TypeError,
                     r"wrt must be a parameter name \(str\) or a position \(int\), got float"),
    "nj-wrt-bool": (lambda: NJ(_f, W, X, wrt=True), TypeError, r"wrt must be a parameter name .*, got bool"),
    "nj-wrt-None": (lambda: NJ(_f, W, X, wrt=None), TypeError, r"wrt must be a parameter name .*, got NoneType"),
    "nj-step-zero": (lambda: NJ(_f, W, X, step=0), ValueError, r"step must be > 0, got 0\.0"),
    "nj-step-negative": (lambda: NJ(_f, W, X, step=-1e-6), ValueError, r"step must be > 0, got -1e-06"),
    "nj-step-nan": (lambda: NJ(_f, W, X, step=NAN), ValueError, r"step must be finite, got nan"),
    "nj-step-str": (lambda: NJ(_f, W, X, step="1e-6"), TypeError, rf"step {REAL}, got str '1e-6'"),
    "nj-step-vector": (lambda: NJ(_f, W, X, step=[1e-6, 1e-6]), ValueError,
                       r"step must be a scalar .*got an array of shape \(2,\)"),
    "nj-f-returns-nan": (lambda: NJ(lambda x: x * NAN, W), ValueError,
                         r"f returned a non-finite value at x=array\(\[1\., 2\.\]\)"),
    "nj-args-do-not-bind": (lambda: NJ(_f, W), TypeError,
                            r"the arguments do not match the signature _f\(w, x\): missing a required argument: 'x'"),
    "nj-arg-nan": (lambda: NJ(_f, W, [3.0, NAN], wrt="x"), ValueError, r"x must be finite, got nan at index 1"),
    "nj-arg-empty": (lambda: NJ(_f, [], X), ValueError,
                     r"w must have at least one element, got an empty array of shape \(0,\)"),
    "nj-arg-str": (lambda: NJ(_f, "ab", X), TypeError, rf"w {REAL}, got str 'ab'"),
    "cj-rtol-negative": (lambda: CJ(J, J, rtol=-1e-5), ValueError, r"rtol must be >= 0, got -1e-05"),
    "cj-atol-negative": (lambda: CJ(J, J, atol=-1.0), ValueError, r"atol must be >= 0, got -1\.0"),
    "cj-rtol-str": (lambda: CJ(J, J, rtol="0"), TypeError, rf"rtol {REAL}, got str '0'"),
    "cj-atol-inf": (lambda: CJ(J, J, atol=INF), ValueError, r"atol must be finite, got inf"),
    "cj-closed-str": (lambda: CJ("J", J), TypeError, rf"closed {REAL}, got str 'J'"),
    "cj-numerical-None": (lambda: CJ(J, None), TypeError, rf"numerical {REAL}, got NoneType None"),
    "cj-closed-nan": (lambda: CJ([[1.0, NAN]], J), ValueError, r"closed must be finite, got nan at index \(0, 1\)"),
    "cj-numerical-neg-inf": (lambda: CJ(J, [[-INF, 0.0]]), ValueError,
                             r"numerical must be finite, got -inf at index \(0, 0\)"),
    "cj-closed-empty": (lambda: CJ(np.empty((0, 2)), J), ValueError,
                        r"closed must have at least one element, got an empty array of shape \(0, 2\)"),
    "cj-numerical-bool": (lambda: CJ(J, [[True, False]]), TypeError, r"numerical must hold real numbers .*dtype bool"),
    "cr-unknown-id": (lambda: CR("R999", 3), KeyError,
                      r"no rule with ID 'R999'; close IDs: R9, R19(, MC99)? \(the IDs are "),
    "cr-sizes-str": (lambda: CR(FIRST, "3"), TypeError,
                     r"sizes must be an int or a mapping of dimension names to ints, got str"),
    "cr-sizes-float": (lambda: CR(FIRST, 3.0), TypeError, r"sizes must be an int or a mapping .*, got float"),
    "cr-sizes-bool": (lambda: CR(FIRST, True), TypeError, r"sizes must be an int or a mapping .*, got bool"),
    "cr-sizes-list": (lambda: CR(FIRST, [3]), TypeError, r"sizes must be an int or a mapping .*, got list"),
    "cr-sizes-zero": (lambda: CR(FIRST.id, 0), ValueError, r"sizes must be >= 1, got 0"),
    "cr-sizes-negative": (lambda: CR(FIRST.id, -2), ValueError, r"sizes must be >= 1, got -2"),
    "cr-sizes-missing-symbol": (lambda: CR(FIRST, {"zz": 3}), ValueError,
                                r"no size given for dimension '\w+'; sizes were \{'zz': 3\}"),
    "cr-rule-int": (lambda: CR(10, 3), TypeError, r"rule must be a Rule or a rule ID such as 'R10', got int"),
    "cr-sizes-value-zero": (lambda: CR(FIRST, {"n": 0}), ValueError, r"sizes\['n'\] must be >= 1, got 0"),
    "cr-sizes-value-float": (lambda: CR(FIRST, {"n": 2.5}), TypeError,
                             r"sizes\['n'\] must be an int >= 1, got float 2\.5"),
    "cr-seed-str": (lambda: CR(FIRST, 3, seed="a"), TypeError, r"seed must be an int, got str"),
    "cj-rule-id-int": (lambda: CJ([[1.0]], [[1.0]], rule_id=5), TypeError,
                       r"rule_id must be a string or None, got int"),
    "cr-rtol-negative": (lambda: CR(FIRST, 3, rtol=-1.0), ValueError, r"rtol must be >= 0, got -1\.0"),
    "gr-int": (lambda: mcref.get_rule(10), TypeError, r"rule_id must be a string such as 'R10', got int"),
    "gr-None": (lambda: mcref.get_rule(None), TypeError, r"rule_id must be a string such as 'R10', got NoneType"),
    "gr-unknown": (lambda: mcref.get_rule("r10x"), KeyError, r"no rule with ID 'r10x'; close IDs: R10\b"),
    "rule-bad-id": (lambda: _register("10R"), ValueError,
                    r"rule ID must look like 'R10' \(letters then digits\), 'MC51.2' \(a form\) or 'MC64u', got '10R'"),
    "rule-duplicate-id": (lambda: _register(FIRST.id), ValueError,
                          rf"rule {FIRST.id} is already registered \(by {re.escape(FIRST.derivative.__qualname__)}\)"),
    "rule-wrt-not-an-arg": (lambda: _register("Z1", wrt="y"), ValueError,
                            r"rule Z1: wrt='y' is not one of its arguments \['w', 'x'\]"),
}


@pytest.mark.parametrize(("call", "exc", "pattern"), CORE.values(), ids=CORE.keys())
def test_core_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_core_integer_input_is_computed_as_float64():
    jac = NJ(_f, [1, 2], [3, 4], wrt="x")
    assert jac.dtype == np.float64
    np.testing.assert_array_equal(jac, NJ(_f, [1.0, 2.0], [3.0, 4.0], wrt="x"))
    assert CJ([[1, 0]], [[1, 1]]) == CJ([[1.0, 0.0]], [[1.0, 1.0]])
    assert CJ(J, J, rtol=0, atol=1) == CJ(J, J, rtol=0.0, atol=1.0)
