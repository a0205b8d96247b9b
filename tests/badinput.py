"""Bad values for an argument, shared by the bad-input tests.

`bad_values` is the full list, for the validators of `mcref.core.validate`,
which every public function calls: each is checked with all of it once
(tests/test_validation.py). `wiring_values` is the short list for a function's
arguments: one wrong ndim, one non-finite value and one wrong type are enough
to show that the function passes the argument through a validator, and they
fail for a function that forgets one.
"""

import re

import numpy as np

NAN, INF = float("nan"), float("inf")
# what the message says is expected, by the ndim the argument should have
EXPECTED = {0: "must be a scalar", 1: "must be a 1-D array", 2: "must be a 2-D array"}


def bad_values(name, v):
    """(case, bad value, exception, pattern) for argument `name` whose valid value is `v`."""
    k = min(1, v.size - 1)
    idx = tuple(int(i) for i in np.unravel_index(k, v.shape))
    where = "" if not idx else f" at index {idx[0] if len(idx) == 1 else idx}"
    want = EXPECTED.get(v.ndim, f"must be a {v.ndim}-D array")
    stacked = np.stack([v, v])
    yield "too-many-dims", stacked, ValueError, rf"{name} {want}.*got an array of shape {re.escape(str(stacked.shape))}"
    if v.ndim:
        yield "0-d", float(v.flat[0]), ValueError, rf"{name} {want}.*got an array of shape \(\)"
        empty = np.empty((0, *v.shape[1:]))
        yield (
            "empty",
            empty,
            ValueError,
            rf"{name} must have at least one element, got an empty array of shape {re.escape(str(empty.shape))}",
        )
    for case, token in [("nan", NAN), ("inf", INF), ("-inf", -INF)]:
        bad = v.copy()
        bad.flat[k] = token
        yield case, bad, ValueError, rf"{name} must be finite, got {re.escape(str(token))}{re.escape(where)}$"
    yield "str", "abc", TypeError, rf"{name} must be a real number or array of real numbers, got str 'abc'"
    yield "None", None, TypeError, rf"{name} must be a real number or array of real numbers, got NoneType None"
    yield (
        "list-with-str",
        [1.0, "a"],
        TypeError,
        rf"{name} must hold real numbers \(int or float\), got list \[1\.0, 'a'\] with dtype <U",
    )
    yield (
        "bool",
        np.ones(v.shape, dtype=bool),
        TypeError,
        rf"{name} must hold real numbers \(int or float\), got an array of dtype bool",
    )
    yield (
        "complex",
        v + 1j,
        TypeError,
        rf"{name} must hold real numbers \(int or float\), got an array of dtype complex128",
    )
    yield (
        "ragged",
        [[1.0, 2.0], [3.0]],
        ValueError,
        rf"{name} must be a rectangular array of real numbers, got ragged input",
    )


WIRING = ("too-many-dims", "nan", "str")


def wiring_values(name, v):
    """The few cases of `bad_values` that show a function validates argument `name`."""
    return [case for case in bad_values(name, v) if case[0] in WIRING]
