"""Every example in a docstring runs when a reader copies it on its own.

The API pages show a docstring's `Examples:` as separate code blocks wherever
prose stands between two groups of `>>>` lines. The doctests (`--doctest-modules`)
run a docstring's groups one after another in one namespace, so a group that
uses a name only an earlier group imported passes there and raises NameError
when copied. This test runs each group in a fresh namespace.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import mcref

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _groups(docstring: str) -> list[list[doctest.Example]]:
    """The docstring's examples, split wherever prose stands between them."""
    groups: list[list[doctest.Example]] = [[]]
    for part in doctest.DocTestParser().parse(docstring):
        if isinstance(part, doctest.Example):
            groups[-1].append(part)
        elif part.strip():
            groups.append([])
    return [g for g in groups if g]


def _failing_groups() -> list[str]:
    failing = []
    for info in pkgutil.walk_packages(mcref.__path__, "mcref."):
        module = importlib.import_module(info.name)
        for test in doctest.DocTestFinder().find(module, info.name, globs={}):
            for k, group in enumerate(_groups(test.docstring or "")):
                runner = doctest.DocTestRunner(optionflags=_FLAGS)
                runner.run(doctest.DocTest(group, {}, test.name, None, 0, None), out=lambda _: None)
                if runner.failures:
                    failing.append(f"{test.name}, example group {k + 1}: {group[0].source.strip()}")
    return failing


def test_each_docstring_example_runs_on_its_own() -> None:
    failing = _failing_groups()
    assert failing == [], "examples that fail in a fresh namespace (import what they use):\n" + "\n".join(failing)
