"""The mcref command line: verify, list and show the registered rules; derive an expression.

    mcref verify [ID ...] [--sizes 1,2,3,7] [--fast N] [--seed S] [--quiet]
    mcref list [--prefix R]
    mcref show ID_OR_WORDS [--latex]
    mcref derive EXPR --wrt X [--shape A=n,n ...] [--symmetric A] [--latex] [--numpy]

`python -m mcref` runs the same program. `verify` checks every rule (or the
IDs given) against central differences at each size, and each rule's backprop
form (VJP) against its verified Jacobian; `--fast N` adds a fast-mode check at
size N, through random projections, for the rules whose arguments grow linearly
with one dimension (the element-wise rules, the activations, the reductions).
It prints a table on stdout, progress on stderr, and exits with 1 if any check
fails. An unknown rule ID exits with 2, as does any other usage error.

`list` prints the rules in the site's order (read from the repository's
mkdocs.yml and docs/; by ID in an installation without them). `show` takes an
ID in any case or words of a title, prints the rule's address on the site, and
draws its formulas in Unicode ([`tex_to_unicode`][mcref.cli.tex_to_unicode]);
`--latex` prints their source. `derive` runs the derivative engine
([`mcref.derive`][mcref.engine.derive.derive]) on an expression typed in numpy's
or matrixcalculus.org's syntax and prints the derivative in both layouts, its
steps with each rule's address, and what was proven; input it cannot read exits
with 2 and a caret under the column at fault. A reader that closes the output early
(`mcref list | head`) ends the program quietly, with status 141.

Examples:
    >>> from mcref.cli import main
    >>> print(main(["list", "--prefix", "R13"]))
    R13  Element-wise division, with respect to x
    0
"""

from __future__ import annotations

import argparse
import difflib
import doctest
import inspect
import math
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

import mcref
from mcref.core import validate
from mcref.core.check import check_backprop, check_jacobian
from mcref.core.errata import get_erratum
from mcref.core.registry import RULE_MARKER, Rule, all_rules, check_rule, check_vjp, dim_names, get_rule, rule_pages

__all__ = ["example_script", "main", "tex_to_unicode"]

DEFAULT_SIZES = (1, 2, 3, 7)
FAILED, USAGE = 1, 2
CLOSED = 128 + 13  # the reader closed stdout early: the status of a program that SIGPIPE ends


def example_script(rule: Rule | str) -> tuple[str, str]:
    """A rule's docstring example as a copyable script, and what it prints.

    Doctest prompts are removed; each printed output is kept under its
    `print(...)` as comment lines, as the rule's block on the site shows it.
    Every output line in the docstring must come from a `print(...)`, so the
    script prints exactly what the docstring shows.

    Args:
        rule: A rule or its ID.

    Returns:
        The script and its full printed output.

    Raises:
        TypeError: If `rule` is neither a rule nor a string.
        KeyError: If no rule has this ID.
        ValueError: If the docstring has no example, or shows output that does
            not come from a `print(...)`.

    Examples:
        >>> from mcref.cli import example_script
        >>> code, output = example_script("R10")
        >>> print("print(" in code and ">>>" not in code)
        True
        >>> print(output == "".join(line[2:] + "\\n" for line in code.splitlines() if line.startswith("# ")))
        True
    """
    r = _rule(rule)
    doc = inspect.getdoc(r.derivative) or ""
    examples = doctest.DocTestParser().get_examples(doc)
    if not examples:
        raise ValueError(f"rule {r.id}: {r.derivative.__qualname__} has no doctest example in its docstring")
    lines: list[str] = []
    output: list[str] = []
    for ex in examples:
        source = ex.source.rstrip("\n")
        if ex.want and not source.startswith("print("):
            raise ValueError(
                f"rule {r.id}: the docstring example line {source!r} shows output without print(); "
                "write it as print(...) so the script prints the same"
            )
        lines.append(source)
        if ex.want:
            lines.extend("# " + w if w else "#" for w in ex.want.rstrip("\n").split("\n"))
            output.append(ex.want)
    return "\n".join(lines) + "\n", "".join(output)


def _rule(rule: Any) -> Rule:
    if isinstance(rule, Rule):
        return rule
    if isinstance(rule, str):
        return get_rule(rule)
    raise TypeError(f"rule must be a Rule or a rule ID such as 'R10', got {type(rule).__name__}")


# ----- argument parsing -----


class _UsageError(Exception):
    """A problem with the command line that argparse cannot see (an unknown rule ID)."""


def _sizes(text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in text.split(",")]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"sizes must be integers separated by commas, such as 1,2,3,7; got {text!r}"
        ) from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be integers >= 1, got {text!r}")
    return sizes


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: the text as an int >= low (`mcref.core.validate.integer`)."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}") from None
        try:
            return validate.integer("value", value, low=low)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}") from None

    return convert


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcref",
        description=(
            "The matrix calculus you need for deep learning, as tested numpy functions. "
            "Verify the registered rules against central differences, list them, or show one."
        ),
        epilog="Run 'mcref COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"mcref {mcref.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    verify = commands.add_parser(
        "verify",
        help="check rules against central differences",
        description=(
            "Check every registered rule, or the IDs given, against the numerical Jacobian by central "
            "differences in float64 (step 1e-6, rtol 1e-5, atol 1e-7) at each size, and each rule's "
            "backprop form (VJP) against v times its Jacobian. A rule without a dimension (a scalar rule) "
            "is checked at as many random points as sizes are given. Prints a table on stdout and progress "
            "on stderr; exits with 1 if any check fails."
        ),
    )
    verify.add_argument("ids", nargs="*", metavar="ID", help="rule IDs to check, such as R10 X13 (default: all)")
    verify.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        metavar="N,N,...",
        help="sizes of every dimension, comma-separated (default: 1,2,3,7)",
    )
    verify.add_argument(
        "--fast",
        type=_at_least(1),
        metavar="N",
        help=(
            "also check at size N in fast mode (random projections v^T J u, a few calls of f), for the rules "
            "with one dimension whose arguments grow linearly with it: element-wise rules, activations, "
            "reductions; through the VJP, so the N x N Jacobian is never formed"
        ),
    )
    verify.add_argument("--seed", type=_at_least(0), default=0, help="seed of the random points (default: 0)")
    verify.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    listing = commands.add_parser(
        "list",
        help="list rule IDs and titles",
        description=(
            "List the registered rules, one per line: ID and title, in the site's order: the pages in the order "
            "of the site's navigation, and on each page the rules in the order they appear (a page's 'More rules' "
            "last). That order is read from mkdocs.yml and docs/ of the repository mcref runs from; an "
            "installation without them lists the rules by ID (prefix, then number)."
        ),
    )
    listing.add_argument("--prefix", metavar="P", help="only IDs starting with P, such as R or X1")

    show = commands.add_parser(
        "show",
        help="show one rule",
        description=(
            "Show one rule: its title, paper section (or 'extension'), its address on the site, the statement in "
            "both layouts, the shapes, the conditions, the backprop form, and the example script shown on the "
            "site. The formulas are drawn in Unicode for a terminal; --latex prints their LaTeX source instead. "
            "The address is site_url from mkdocs.yml (or $MCREF_SITE_URL, as in the site's build), then the page "
            "that places the rule, then #ID. The rule is given by its ID in any case (R10, r10) or by words of its "
            "title (softmax); words that match several rules list them."
        ),
    )
    show.add_argument("query", nargs="+", metavar="ID_OR_WORDS", help="a rule ID such as R10, or title words")
    show.add_argument("--latex", action="store_true", help="print the formulas as LaTeX source, not Unicode")

    derive = commands.add_parser(
        "derive",
        help="derive an expression, proven before it is shown",
        description=(
            "Differentiate an expression with the derivative engine (mcref.derive): reverse mode over matrix "
            "differentials, each step citing the rule of this reference it applied, and the result proven exactly, "
            "entry by entry, on small explicit instances before it is printed. The expression is numpy's syntax "
            "(x.T @ A @ x, np.sum(np.exp(W @ x + b))) or matrixcalculus.org's (x'*A*x, norm2(X*w-y)^2). Undeclared "
            "one-letter names follow the letter convention: lowercase a vector, uppercase a matrix. Prints f and "
            "its shape, the derivative in both layouts with their shapes, the steps with each rule's address on "
            "the site, and what was proven; formulas are drawn in Unicode (--latex: their LaTeX source). Input the "
            "engine cannot read (a syntax error, an unknown name or function, a shape mismatch) exits with 2 and "
            "marks the column."
        ),
        epilog=(
            'Examples: mcref derive "x.T @ A @ x" --wrt x --symmetric A;  '
            'mcref derive "norm2(X*w-y)^2" --wrt w --numpy;  '
            'mcref derive "np.log(np.linalg.det(X))" --wrt X --shape X=n,n'
        ),
    )
    derive.add_argument("expr", metavar="EXPR", help="the expression, quoted for the shell")
    derive.add_argument("--wrt", required=True, metavar="X", help="the variable to differentiate with respect to")
    derive.add_argument(
        "--shape",
        action="append",
        default=[],
        type=_declaration,
        metavar="NAME=DIMS",
        help=(
            "declare a symbol's shape: A=m,n (or m×n) for a matrix, x=n for a vector, c=scalar; "
            "repeat for several symbols"
        ),
    )
    derive.add_argument(
        "--symmetric", action="append", default=[], metavar="NAME", help="declare a square matrix symmetric"
    )
    derive.add_argument(
        "--syntax",
        choices=("auto", "numpy", "matrixcalculus"),
        default="auto",
        help="how to read EXPR (default: auto, decided by its markers: @ .T np. for numpy; ' .* ^ tr for "
        "matrixcalculus.org's)",
    )
    derive.add_argument("--latex", action="store_true", help="print the formulas as LaTeX source, not Unicode")
    derive.add_argument("--numpy", action="store_true", help="also print numpy source for f and its derivative")
    return parser


def _declaration(text: str) -> tuple[str, str]:
    """An argparse type: NAME=DIMS as (name, dims), the name a Python identifier."""
    name, sep, dims = text.partition("=")
    name, dims = name.strip(), dims.strip()
    if not sep or not name.isidentifier() or not dims:
        raise argparse.ArgumentTypeError(f"expected NAME=DIMS such as A=n,n, x=n or c=scalar; got {text!r}")
    return name, dims


def _lookup(rule_id: str) -> Rule:
    try:
        return get_rule(rule_id)
    except KeyError as exc:
        raise _UsageError(f"{exc.args[0]}; 'mcref list' shows them all") from None


def _has_word(word: str, r: Rule) -> bool:
    """A word of the title or keywords starts with this one (a word of one or two letters: is it)."""
    end = r"\b" if len(word) <= 2 else ""
    return re.search(rf"\b{re.escape(word)}{end}", _words(r), re.I) is not None


def _words(r: Rule) -> str:
    """What a title search reads: the title, and the rule's search keywords when it has them."""
    keywords = getattr(r, "keywords", None) or ()  # a field a rule may carry for the site's search
    return " ".join([r.title, *([keywords] if isinstance(keywords, str) else keywords)])


def _find(query: Sequence[str]) -> list[Rule]:
    """The rule with this ID, or the rules whose title (or keywords) has every word of the query."""
    text = " ".join(query).strip()
    # a Cookbook equation as readers cite it: "(49)", "eq 49", "eq. (49)", "equation 49"
    equation = re.fullmatch(r"(?:\(\s*(\d+)\s*\)|(?:eq|eqn|equation)\.?\s*\(?\s*(\d+)\s*\)?)", text, re.I)
    if equation:
        number = int(equation.group(1) or equation.group(2))
        forms = [r for r in all_rules() if r.origin == "cookbook" and r.number == number]
        if forms:
            return forms
        raise _UsageError(f"no rule of the Matrix Cookbook checks its equation ({number}); 'mcref list --prefix MC' "
                          "shows those that do")
    if len(query) == 1:
        try:
            return [get_rule(text)]
        except KeyError:
            pass
    words = [w.lower() for w in text.split()]
    found = [r for r in all_rules() if all(_has_word(w, r) for w in words)]
    if found:
        return found
    vocabulary = sorted({w.lower() for r in all_rules() for w in re.findall(r"[A-Za-z][\w-]+", _words(r))})
    unknown = [w for w in words if not any(_has_word(w, r) for r in all_rules())]
    ids = difflib.get_close_matches(text.upper(), [r.id for r in all_rules()], n=3, cutoff=0.5)
    if re.fullmatch(r"[A-Za-z]+[0-9]+", text):  # meant as an ID: only IDs can be close
        close_ids = f"close IDs: {', '.join(ids)}" if ids else "no ID is close"
        raise _UsageError(f"no rule ID or title matches {text!r}; {close_ids}; 'mcref list' shows them all")
    hints = []
    for w in unknown:
        near = difflib.get_close_matches(w, vocabulary, n=3, cutoff=0.7)
        hints.append(f"did you mean {' or '.join(repr(c) for c in near)} for {w!r}?" if near else f"no title has {w!r}")
    if not unknown and len(words) > 1:
        hints.append("each word is in some title, but no title has them all")
    if ids:
        hints.append(f"close IDs: {', '.join(ids)}")
    hint = "; ".join(hints)
    raise _UsageError(f"no rule ID or title matches {text!r}; {hint}; 'mcref list' shows them all")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with these arguments (default: `sys.argv[1:]`) and return the exit code.

    Args:
        argv: The arguments after the program name, as strings.

    Returns:
        0 when everything passed, 1 when a check failed, 2 for a usage error
        (an unknown rule ID, a bad option), 141 when the reader of the
        output closed it early (`mcref list | head`), without a traceback.

    Raises:
        TypeError: If `argv` is not a sequence of strings.

    Examples:
        >>> from mcref.cli import main
        >>> print(main(["show", "R99"]))
        2
    """
    if argv is None:
        argv = sys.argv[1:]
    if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence):
        raise TypeError(f"argv must be a list of strings, got {type(argv).__name__}")
    bad = next((a for a in argv if not isinstance(a, str)), None)
    if bad is not None:
        raise TypeError(f"argv must be a list of strings, got an item of type {type(bad).__name__}: {bad!r}")
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:  # --help, --version, or a usage error: return its code instead of exiting
        return int(exc.code) if isinstance(exc.code, int) else USAGE
    try:
        if args.command == "verify":
            return _verify(args, sys.stdout, sys.stderr)
        if args.command == "list":
            return _list(args.prefix, sys.stdout)
        if args.command == "derive":
            return _derive(args, sys.stdout, sys.stderr)
        return _show_query(args.query, args.latex, sys.stdout)
    except _UsageError as exc:
        print(f"mcref {args.command}: {exc}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:
        # The reader of stdout stopped early (`mcref list | head`): stop quietly, as a program that
        # SIGPIPE ends does. Python flushes stdout again at exit, so point it at /dev/null first.
        _silence_stdout()
        return CLOSED


def _silence_stdout() -> None:
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's StringIO): nothing to flush
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


# ----- list and show -----


def _repository() -> Path | None:
    """The repository mcref runs from (its mkdocs.yml and docs/), or None for an installed copy."""
    root = Path(mcref.__file__).resolve().parent.parent
    return root if (root / "mkdocs.yml").is_file() and (root / "docs").is_dir() else None


def _nav_pages(root: Path) -> list[str]:
    """The pages of the site's navigation in order (`nav:` of mkdocs.yml), as paths under docs/."""
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    nav = re.search(r"^nav:\n((?:[ \t#].*\n|\n)*)", config, re.M)
    return re.findall(r"([\w./-]+\.md)\b", nav.group(1)) if nav else []


def _site_placement() -> tuple[list[str], dict[str, str]] | None:
    """Every rule ID in the site's order, and each rule's page (`src_uri`); None without the sources.

    A page places a rule with a `{{ rule ID }}` line; the rules of its module that no
    line places go to the end of the module's page, as `hooks/rules.py` builds it
    (`mcref.core.registry.rule_pages`).
    """
    root = _repository()
    if root is None:
        return None
    pages = {src: (root / "docs" / src).read_text(encoding="utf-8") for src in _nav_pages(root)
             if (root / "docs" / src).is_file()}
    placement = rule_pages(pages)
    order: list[str] = []
    for src, text in pages.items():
        marked = [m.group(1) for m in RULE_MARKER.finditer(text) if placement.get(m.group(1)) == src]
        order += [i for i in dict.fromkeys(marked) if i not in order]
        order += [r.id for r in all_rules() if placement.get(r.id) == src and r.id not in order]
    order += [r.id for r in all_rules() if r.id not in order]  # a module with no page: last, by ID
    return order, placement


def _site_url(root: Path) -> str:
    """mkdocs.yml's site_url, `!ENV [MCREF_SITE_URL, "default"]` read as the build reads it."""
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    line = re.search(r"^site_url:\s*(.*?)\s*(?:#.*)?$", config, re.M)
    value = line.group(1) if line else ""
    env = re.fullmatch(r"!ENV\s*\[\s*(\w+)\s*,\s*[\"']?(.*?)[\"']?\s*\]", value)
    if env:
        value = os.environ.get(env.group(1)) or env.group(2)
    value = value.strip("\"'")
    return value if value.endswith("/") else value + "/"


def _address(r: Rule, placed: tuple[list[str], dict[str, str]] | None = None) -> str:
    """The rule's address on the site, or why there is none (`placed`: `_site_placement()`, when known)."""
    root = _repository()
    placed = placed if placed is not None else _site_placement()
    if root is None or placed is None:
        return "unknown here: the site's sources (mkdocs.yml, docs/) are not next to this mcref"
    page = placed[1].get(r.id)
    if page is None:
        return f"none: no page places {r.id} or another rule of {r.derivative.__module__}"
    path = "" if page == "index.md" else re.sub(r"(^|/)index\.md$|\.md$", "/", page).lstrip("/")
    return f"{_site_url(root)}{path}#{r.id}"


def _list(prefix: str | None, out: TextIO) -> int:
    placed = _site_placement()
    rules = [get_rule(i) for i in placed[0]] if placed else list(all_rules())
    rules = [r for r in rules if prefix is None or r.id.startswith(prefix)]
    if not rules:
        prefixes = sorted({r.prefix for r in all_rules()})
        raise _UsageError(f"no rule ID starts with {prefix!r}; the prefixes are {', '.join(prefixes)}")
    width = max(len(r.id) for r in rules)
    for r in rules:
        print(f"{r.id.ljust(width)}  {r.title}", file=out)
    return 0


def _shape_text(shape: tuple[Any, ...]) -> str:
    parts = [str(d).replace("*", "·") for d in shape]
    if len(parts) > 1:  # (p+q) x p, not p+q x p
        parts = [f"({p})" if "+" in p and not (p.startswith("(") and p.endswith(")")) else p for p in parts]
    return " x ".join(parts)


def _show_query(query: Sequence[str], latex: bool, out: TextIO) -> int:
    found = _find(query)
    if len(found) == 1:
        return _show(found[0], out, latex=latex)
    width = max(len(r.id) for r in found)
    print(f"{len(found)} rules match {' '.join(query)!r}; show one with 'mcref show ID':", file=out)
    for r in found:
        print(f"  {r.id.ljust(width)}  {r.title}", file=out)
    return 0


def _math_text(text: str) -> str:
    """Markdown with $...$ formulas (a rule's conditions), the formulas drawn in Unicode."""
    return re.sub(r"\$([^$]+)\$", lambda m: tex_to_unicode(m.group(1)), text)


def _show(r: Rule, out: TextIO, *, latex: bool = False) -> int:
    math = (lambda tex: tex) if latex else tex_to_unicode
    origin = {
        "extension": "Extension, beyond the paper",
        "cookbook": f"Matrix Cookbook, equation ({r.number}), §{r.section}",
    }.get(r.origin, f"Paper §{r.section}")
    derivative = f"{r.derivative.__module__}.{r.derivative.__name__}"
    forward = f"{r.forward.__module__}.{r.forward.__name__}"
    numerator, denominator = r.layout_shapes()
    shape, den = _shape_text(numerator), _shape_text(denominator)
    book = " (the Cookbook's)" if r.origin == "cookbook" else ""
    lines = [
        f"{r.id} · {r.title}",
        origin,
        f"On the site: {_address(r)}",
        f"Differentiates {forward} with respect to {r.wrt}; closed form {derivative}",
        "",
        f"Numerator layout (the paper's), shape {shape}:",
        f"  {math(r.latex)}",
        f"Denominator layout{book}, shape {den}:",
        f"  {math(r.latex_denominator)}",
    ]
    if r.printed:
        lines += [f"As printed in the Cookbook ({r.number}):", f"  {math(r.printed)}"]
        e = get_erratum(r.id)
        if e is not None:
            lines += [f"Erratum: {_math_text(e.summary) if not latex else e.summary}"]
    lines += ["", "Arguments:"]
    width = max(len(name) for name in r.args)
    for name, spec in r.args.items():
        drawn = f"values in [{spec.low:g}, {spec.high:g}]"
        if spec.min_abs:
            drawn += f", |value| >= {spec.min_abs:g}"
        if spec.simplex:
            drawn = "a probability vector"
        if spec.symmetric:
            drawn += ", symmetric"
        if spec.positive_definite:
            drawn = "a symmetric positive definite matrix"
        if spec.max_condition:
            drawn += f", condition number <= {spec.max_condition:g}"
        if spec.integer:
            drawn = f"integers from {spec.low:g} to {spec.high:g}"
        if len(spec.shape) == 0:
            kind = "scalar"
        elif len(spec.shape) == 1:
            kind = f"vector of length {_shape_text(spec.shape)}"
        else:
            kind = f"{_shape_text(spec.shape)} {'matrix' if len(spec.shape) == 2 else 'array'}"
        lines.append(f"  {name.ljust(width)}  {kind}; tested with {drawn}")
    conditions = r.conditions if latex or not r.conditions else _math_text(r.conditions)
    lines += ["", f"Conditions: {conditions or 'none beyond the setup of its section.'}"]
    if r.vjp is not None:
        vjp = f"{r.vjp.__module__}.{r.vjp.__name__}"
        lines += ["", f"Backprop form (VJP), computed by {vjp} without forming the Jacobian:", f"  {math(r.vjp_latex)}"]
    code, _ = example_script(r)
    lines += ["", "Example (each print's output is shown below it as comments):", "", code.rstrip("\n")]
    print("\n".join(lines), file=out)
    return 0


# ----- derive -----

_COLUMN = re.compile(r"^col (\d+): ")
_KIND = {
    "gradient": "the gradient of a scalar f",
    "jacobian": "the Jacobian of a vector f",
    "vjp": (
        "the backprop form (VJP): G ↦ the gradient of sum(G ∘ f), G shaped like f (the full derivative "
        "has more than two indices)"
    ),
}


def _declarations(args: argparse.Namespace) -> dict[str, str] | None:
    """The --shape and --symmetric options as the engine's declarations {"A": "n,n symmetric"}."""
    shapes: dict[str, str] = {}
    for name, dims in args.shape:
        if name in shapes and shapes[name] != dims:
            raise _UsageError(f"--shape declares {name} twice: {shapes[name]!r} and {dims!r}")
        shapes[name] = dims
    for name in args.symmetric:
        if not name.isidentifier():
            raise _UsageError(f"--symmetric expects a name such as A, got {name!r}")
        shapes[name] = f"{shapes.get(name, '')} symmetric".strip()
    return shapes or None


def _caret(expr: str, message: str) -> list[str]:
    """The expression with a caret under the column a `col N:` message names (nothing for other messages)."""
    match = _COLUMN.match(message)
    if match is None or "\n" in expr:
        return []
    column = min(max(int(match.group(1)), 1), len(expr) + 1)
    return [f"  {expr}", "  " + " " * (column - 1) + "^"]


def _derive(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    shapes = _declarations(args)
    try:
        d = mcref.derive(args.expr, args.wrt, shapes, syntax=args.syntax)
    except mcref.DeriveError as exc:
        message = str(exc)
        print("\n".join([f"mcref derive: {message}", *_caret(args.expr, message)]), file=err)
        return USAGE
    math = (lambda tex: tex) if args.latex else tex_to_unicode
    syntax = {"numpy": "numpy's syntax", "matrixcalculus": "matrixcalculus.org's syntax"}.get(d.syntax, d.syntax)
    symbols = "; ".join(f"{name}: {shape}" for name, shape in d.shapes.items())
    like = f" (shaped like {d.wrt})" if d.kind != "jacobian" else ""
    lines = [
        f"f = {math(d.latex)}",
        f"  read in {syntax}; f is {d.f_shape}; {symbols}",
        "",
        f"Derivative with respect to {d.wrt} ({d.wrt_shape}): {_KIND.get(d.kind, d.kind)}",
        f"Numerator layout (the paper's), shape {d.numerator_shape}:",
        f"  {math(d.numerator)}",
        f"Denominator layout, shape {d.denominator_shape}{like}:",
        f"  {math(d.denominator)}",
        "",
        "Steps (reverse mode over differentials; each names the rule it applied):",
    ]
    placed = _site_placement()
    width = max((len(sentence) for sentence, _ in d.steps), default=0)
    for k, (sentence, rule_id) in enumerate(d.steps, 1):
        if rule_id is None:
            cite = "gap: no registered rule states this step yet"
        else:
            try:
                cite = f"{rule_id}  {_address(get_rule(rule_id), placed)}"
            except KeyError:
                cite = f"{rule_id}  (not a registered rule in this mcref)"
        lines.append(f"  {k:>2}. {sentence.ljust(width)}  {cite}")
    lines += ["", "Proven before it was shown:", *(f"  - {check}" for check in d.checks)]
    if d.check_call:
        lines += ["", "Check it again on your own data:", f"  {d.check_call}"]
    if args.numpy:
        lines += ["", "numpy:", "", d.numpy.rstrip("\n")]
    print("\n".join(lines), file=out)
    return 0


# ----- TeX to Unicode, for a terminal -----

# The TeX of the rule statements, drawn with Unicode for a terminal: `\frac{a}{b}` as a/b,
# scripts as Unicode sub- and superscripts where every character has one, `\mathbf` in
# mathematical bold, matrices as [a, b; c, d]. A command it does not know is left as it is
# (backslash and all), so a test over every rule's statement names the one to add here.
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SYMBOLS = {
    "cdot": "·", "times": "×", "otimes": "⊗", "oslash": "⊘", "odot": "⊙", "circ": "∘", "bigcirc": "◯",
    "oplus": "⊕", "sum": "∑", "prod": "∏", "int": "∫", "infty": "∞", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "equiv": "≡", "sim": "∼", "propto": "∝",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "setminus": "∖",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "mapsto": "↦", "Rightarrow": "⇒", "iff": "⇔",
    "pm": "±", "mp": "∓", "dots": "…", "ldots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱",
    "top": "⊤", "intercal": "⊺", "|": "‖", "Vert": "‖", "lVert": "‖", "rVert": "‖", "vert": "|",
    "lvert": "|", "rvert": "|", "mid": "|", "langle": "⟨", "rangle": "⟩", "lceil": "⌈", "rceil": "⌉",
    "lfloor": "⌊", "rfloor": "⌋", "forall": "∀", "exists": "∃", "prime": "′", "star": "⋆", "ast": "∗",
    "ell": "ℓ", "emptyset": "∅", "neg": "¬", "land": "∧", "lor": "∨", "colon": ":", "{": "{", "}": "}",
    "_": "_", "%": "%", "#": "#", "&": "&", "$": "$", "lbrace": "{", "rbrace": "}",
}
_PARTIAL = {"partial": "∂", "nabla": "∇"}  # written close to what they differentiate: ∂f, ∇f
_FUNCTIONS = {
    "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "sec", "csc", "cot", "exp",
    "log", "ln", "lg", "max", "min", "sup", "inf", "arg", "det", "dim", "ker", "lim", "Pr", "gcd", "deg",
}
_SPACES = {",": " ", ";": " ", ":": " ", " ": " ", "!": "", "quad": "\x02", "qquad": "\x03", "enspace": " ",
           "thinspace": " ", "medspace": " ", "thickspace": " ", "nobreakspace": " "}
_IGNORED = {  # sizes and styles: a terminal draws one size
    "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
    "Biggl", "Biggr", "textstyle", "displaystyle", "scriptstyle", "limits", "nolimits", "nonumber",
}
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
            "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "vec": ""}  # vec 1 is the bold 1 alone
_FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
_TEXT = {"text", "textrm", "textit", "textbf", "mbox", "mathrm", "mathit", "mathsf", "mathtt", "operatorname",
         "mathcal", "mathscr", "mathfrak"}
_BOLD = {"mathbf", "boldsymbol", "bm", "mathbfit"}
_SUPERSCRIPT = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW⊤βγδθφχ",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵀᵝᵞᵟᶿᵠᵡ",
    strict=True,
))
_SUBSCRIPT = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))
_DOUBLE_STRUCK = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ", "1": "𝟙", "0": "𝟘"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)
_FUNCTION_MARK = "\x01"  # before a function name: a space there when a letter or a bracket precedes it


def _bold(text: str) -> str:
    out = []
    for c in text:
        if "A" <= c <= "Z":
            out.append(chr(0x1D400 + ord(c) - ord("A")))
        elif "a" <= c <= "z":
            out.append(chr(0x1D41A + ord(c) - ord("a")))
        elif "0" <= c <= "9":
            out.append(chr(0x1D7CE + ord(c) - ord("0")))
        elif "α" <= c <= "ω":
            out.append(chr(0x1D6C2 + ord(c) - ord("α")))
        elif "Α" <= c <= "Ω":
            out.append(chr(0x1D6A8 + ord(c) - ord("Α")))
        else:
            out.append(c)
    return "".join(out)


def _tidy(text: str) -> str:
    """Spaces as a reader expects them: one at a time, none inside brackets or before a comma."""
    text = re.sub(rf"(?<=[\w)\]}}′]){_FUNCTION_MARK}", " ", text).replace(_FUNCTION_MARK, "")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"([(\[{⟨]) ", r"\1", text)
    text = re.sub(r" ([)\]}⟩,;:])", r"\1", text)
    text = re.sub(" ?\x02 ?", "  ", text)  # \quad and \qquad: two and three spaces, whatever surrounds them
    return re.sub(" ?\x03 ?", "   ", text).strip(" ")


def _needs_brackets(text: str) -> bool:
    """True when a fraction's part has a space or an operator outside brackets (a - b, not f(a - b))."""
    depth = 0
    for i, c in enumerate(text):
        if c in "([{⟨":
            depth += 1
        elif c in ")]}⟩":
            depth -= 1
        elif depth == 0 and (c == " " or (i > 0 and c in "+−=,·⊗⊘⊙×/")):
            return True
    return False


def _script(text: str, table: dict[str, str], mark: str) -> str:
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    if text in {"⊤", "⊺"}:
        return "ᵀ"
    return f"{mark}{text}" if len(text) == 1 else f"{mark}({text})"


class _TexReader:
    """A reader over the tokens of one formula; each method returns the Unicode of what it read."""

    def __init__(self, tex: str) -> None:
        self.tokens = _TOKEN.findall(tex)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def skip_spaces(self) -> None:
        while (token := self.peek()) is not None and token.isspace():
            self.pos += 1

    def sequence(self, stops: frozenset[str] = frozenset()) -> str:
        """Read up to the end, a closing brace, or one of `stops` (left unread)."""
        out: list[str] = []
        while (token := self.peek()) is not None and token != "}" and token not in stops:
            if token.startswith("\\end"):
                break
            if token in "^_":
                self.next()
                argument = _tidy(self.argument())
                out.append(_script(argument, _SUPERSCRIPT if token == "^" else _SUBSCRIPT, token))
            else:
                out.append(self.item())
        return "".join(out)

    def argument(self) -> str:
        """One argument: a group `{...}`, a command with its own arguments, or one character."""
        self.skip_spaces()
        token = self.peek()
        if token is None:
            return ""
        if token == "{":
            self.next()
            text = self.sequence()
            if self.peek() == "}":
                self.next()
            return text
        return self.item()

    def raw_group(self) -> str:
        """The text of a group as written (for \\text and \\operatorname)."""
        self.skip_spaces()
        if self.peek() != "{":
            return self.next() if self.peek() is not None else ""
        self.next()
        depth, out = 0, []
        while (token := self.peek()) is not None and not (token == "}" and depth == 0):
            depth += {"{": 1, "}": -1}.get(token, 0)
            out.append(_SPACES.get(token[1:], token[1:]) if token.startswith("\\") and len(token) == 2 else token)
            self.next()
        if self.peek() == "}":
            self.next()
        return "".join(out)

    def item(self) -> str:
        token = self.next()
        if token == "{":
            text = self.sequence()
            if self.peek() == "}":
                self.next()
            return text
        if token.isspace():
            return " "
        if token == "-":
            return "−"
        if token == "'":
            return "′"
        if token == "~":
            return " "
        if not token.startswith("\\"):
            return token
        name = token[1:]
        if name == "\\":  # a row break outside a matrix
            return "; "
        if name in _SPACES:
            return _SPACES[name]
        if name in _IGNORED:
            if self.peek() == ".":  # \left. and \right. draw nothing
                self.next()
            return ""
        if name in _GREEK:
            return _GREEK[name]
        if name in _PARTIAL:
            self.skip_spaces()
            return _PARTIAL[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _FUNCTIONS:
            return _FUNCTION_MARK + name
        if name in _FRACTIONS:
            top, bottom = (re.sub(r"^d (\S+)$", r"d\1", _tidy(self.argument())) for _ in range(2))  # d u -> du
            top = f"({top})" if _needs_brackets(top) else top
            # a product of letters below the bar is bracketed: 2/(Nm), but dy/dx
            product = re.fullmatch(r"[A-Za-z]{2,}", bottom) and not bottom.startswith("d")
            bottom = f"({bottom})" if _needs_brackets(bottom) or product else bottom
            return f" {top}/{bottom} "
        if name == "sqrt":
            body = _tidy(self.argument())
            return f"√({body})" if len(body) > 1 else f"√{body}"
        if name in _TEXT:
            if self.peek() == "*":  # \operatorname*
                self.next()
            text = self.raw_group()
            return _FUNCTION_MARK + text if name == "operatorname" else text
        if name in _BOLD:
            return _bold(self.argument())
        if name == "mathbb":
            body = self.argument()
            return "".join(_DOUBLE_STRUCK.get(c, c) for c in body)
        if name in _ACCENTS:
            return unicodedata.normalize("NFC", self.argument() + _ACCENTS[name])
        if name == "begin":
            return self.environment(self.raw_group())
        return token + " "  # unknown: kept, so a test can name it

    def environment(self, kind: str) -> str:
        rows: list[list[str]] = [[]]
        while True:
            cell = _tidy(self.sequence(frozenset({"&", "\\\\"})))
            rows[-1].append(cell)
            token = self.peek()
            if token is None:
                break
            self.next()
            if token == "&":
                continue
            if token == "\\\\":
                self.skip_spaces()
                if self.peek() == "[":  # \\[1.5ex]: extra space between rows
                    while self.peek() not in (None, "]"):
                        self.next()
                    if self.peek() == "]":
                        self.next()
                rows.append([])
                continue
            if token.startswith("\\end"):
                self.raw_group()
                break
            if token == "}":  # a stray brace: keep reading the environment
                continue
        rows = [row for row in rows if any(row)]
        if kind == "cases":
            return "{" + "; ".join(" if ".join(c for c in row if c) for row in rows) + "}"
        body = "; ".join(", ".join(row) for row in rows)
        return {"pmatrix": f"({body})", "vmatrix": f"|{body}|", "Vmatrix": f"‖{body}‖"}.get(kind, f"[{body}]")


def tex_to_unicode(tex: str) -> str:
    """A formula's TeX as Unicode text, for a terminal.

    Covers the TeX the rule statements use: fractions (as a/b, with brackets
    where needed), sub- and superscripts (Unicode ones where every character has
    one, else `_(...)` and `^(...)`), a transpose (`^T`, or the other spelling
    some sources use) as ᵀ, `\\mathbf` in
    mathematical bold, `\\mathbb`, `\\operatorname`, `\\text`, Greek letters, the
    operators (∂, ∇, ∑, ⊗, ⊘, ·, ∈, ...), accents, matrices as `[a, b; c, d]` and
    `cases` as `{ a if p; b if q }`; sizes (`\\left`, `\\big`) and spacing are
    dropped or kept as spaces. A command it does not know is kept as written.

    Args:
        tex: The formula, without `$` delimiters.

    Returns:
        The formula on one line.

    Raises:
        TypeError: If `tex` is not a string.

    Examples:
        >>> from mcref.cli import tex_to_unicode
        >>> print(tex_to_unicode(r"\\frac{\\partial (\\mathbf{w} \\otimes \\mathbf{x})}{\\partial \\mathbf{w}}"))
        ∂(𝐰 ⊗ 𝐱)/∂𝐰
        >>> print(tex_to_unicode(r"\\mathbf{v}^T J = \\sum_{i=1}^{n} v_i x_i^2"))
        𝐯ᵀ J = ∑ᵢ₌₁ⁿ vᵢ xᵢ²
        >>> print(tex_to_unicode(r"\\begin{bmatrix}1 & 0 \\\\ 0 & \\cos t \\end{bmatrix} \\in \\mathbb{R}^{2\\times2}"))
        [1, 0; 0, cos t] ∈ ℝ^(2×2)
    """
    if not isinstance(tex, str):
        raise TypeError(f"tex must be a string of TeX, got {type(tex).__name__}")
    reader = _TexReader(tex)
    out = []
    while reader.peek() is not None:
        out.append(reader.sequence())
        if reader.peek() is not None:  # a stray closing brace or \end: keep it visible
            out.append(reader.next())
    return _tidy("".join(out))


# ----- verify -----


@dataclass
class _Row:
    """One rule's line of the table."""

    rule: Rule
    sizes: str
    jacobian: float | None = None
    vjp: float | None = None
    fast: float | None = None
    has_vjp: bool = False
    has_fast: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _fast_eligible(r: Rule) -> bool:
    """One dimension, and every argument and the Jacobian's row or VJP small: memory linear in N."""
    if len(r.dimensions) != 1:
        return False
    for spec in r.args.values():
        if sum(len(dim_names(d)) for d in spec.shape) > 1 or any(
            isinstance(d, str) and not d.isidentifier() for d in spec.shape
        ):
            return False
    # without a VJP the closed form itself is formed: only when it has one row or one column
    return r.vjp is not None or 1 in r.shape


def _worse(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None and not math.isnan(v)]
    return max(values) if values else None


def _check_rule(r: Rule, sizes: tuple[int, ...], seed: int, fast: int | None) -> _Row:
    scalar = not r.dimensions
    row = _Row(r, "-" if scalar else ",".join(str(n) for n in sizes), has_vjp=r.vjp is not None)
    # a rule without dimensions gets as many random points as there are sizes
    runs = [(1, seed + i) for i in range(len(sizes))] if scalar else [(n, seed) for n in sizes]
    for n, s in runs:
        where = f"seed {s}" if scalar else f"n={n}"
        for kind, check in (("jacobian", check_rule), ("vjp", check_vjp)):
            if kind == "vjp" and r.vjp is None:
                continue
            try:
                result = check(r, n, seed=s)
            except Exception as exc:  # a rule that raises fails; the table goes on
                row.problems.append(f"{r.id} {kind} at {where}: {type(exc).__name__}: {exc}")
                continue
            setattr(row, kind, _worse(getattr(row, kind), result.max_error))
            if not result.ok:
                row.problems.append(f"{r.id} {kind} at {where}: {result.report()}")
    if fast is not None and _fast_eligible(r):
        row.has_fast = True
        try:
            point = r.sample(np.random.default_rng(seed), dict.fromkeys(r.dimensions, fast))
            if r.vjp is not None:
                result = check_backprop(r.forward, r.vjp, wrt=r.wrt, mode="fast", seed=seed, **point)
            else:
                result = check_jacobian(r.forward, r.derivative, wrt=r.wrt, mode="fast", seed=seed, **point)
        except Exception as exc:
            row.problems.append(f"{r.id} fast at n={fast}: {type(exc).__name__}: {exc}")
        else:
            row.fast = result.max_error
            if not result.ok:
                row.problems.append(f"{r.id} fast at n={fast}:\n" + result.report())
    return row


def _error_text(value: float | None, applies: bool) -> str:
    if not applies:
        return "-"
    return "n/a" if value is None else f"{value:.1e}"


def _verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rules = [_lookup(i) for i in dict.fromkeys(args.ids)] if args.ids else list(all_rules())
    start = time.perf_counter()
    live = not args.quiet and err.isatty()
    rows = []
    for k, r in enumerate(rules, 1):
        if not args.quiet:
            message = f"mcref verify: [{k}/{len(rules)}] {r.id}"
            print(f"\r{message:<40}" if live else message, end="" if live else "\n", file=err, flush=True)
        rows.append(_check_rule(r, args.sizes, args.seed, args.fast))
    if live:
        print("\r" + " " * 40 + "\r", end="", file=err, flush=True)

    head = ["rule", "sizes", "jacobian", "vjp"] + ([f"fast n={args.fast}"] if args.fast else []) + ["result"]
    table = [
        [row.rule.id, row.sizes, _error_text(row.jacobian, True), _error_text(row.vjp, row.has_vjp)]
        + ([_error_text(row.fast, row.has_fast)] if args.fast else [])
        + ["pass" if row.ok else "FAIL"]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [head, *table]) for i in range(len(head))]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip(), file=out)
    for line in table:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip(), file=out)
    failed = [row for row in rows if not row.ok]
    print(file=out)
    print("columns: the largest |closed form - numerical| over the sizes (fast: over the projections)", file=out)
    fast_note = f"; fast mode at n={args.fast} for {sum(r.has_fast for r in rows)}" if args.fast else ""
    print(
        f"{len(rows)} rules checked: {len(rows) - len(failed)} passed, {len(failed)} failed "
        f"(VJP for {sum(r.has_vjp for r in rows)}{fast_note})",
        file=out,
    )
    for row in failed:
        print(file=out)
        for problem in row.problems:
            print(problem, file=out)
    if not args.quiet:
        print(f"mcref verify: done in {time.perf_counter() - start:.1f} s", file=err)
    return FAILED if failed else 0
