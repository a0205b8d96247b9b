"""The mcref command line: verify, list and show the registered rules.

    mcref verify [ID ...] [--sizes 1,2,3,7] [--fast N] [--seed S] [--quiet]
    mcref list [--prefix R]
    mcref show ID

`python -m mcref` runs the same program. `verify` checks every rule (or the
IDs given) against central differences at each size, and each rule's backprop
form (VJP) against its verified Jacobian; `--fast N` adds a fast-mode check at
size N, through random projections, for the rules whose arguments grow linearly
with one dimension (the element-wise rules, the activations, the reductions).
It prints a table on stdout, progress on stderr, and exits with 1 if any check
fails. An unknown rule ID exits with 2, as does any other usage error.

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
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

import mcref
from mcref.core import validate
from mcref.core.check import check_backprop, check_jacobian
from mcref.core.registry import Rule, all_rules, check_rule, check_vjp, dim_names, get_rule

__all__ = ["example_script", "main"]

DEFAULT_SIZES = (1, 2, 3, 7)
FAILED, USAGE = 1, 2


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
        description="List the registered rules, one per line: ID and title, in the site's order.",
    )
    listing.add_argument("--prefix", metavar="P", help="only IDs starting with P, such as R or X1")

    show = commands.add_parser(
        "show",
        help="show one rule",
        description=(
            "Show one rule: its title, paper section (or 'extension'), the statement in both layouts as "
            "LaTeX source, the shapes, the conditions, the backprop form, and the example script shown on "
            "the site."
        ),
    )
    show.add_argument("id", metavar="ID", help="a rule ID, such as R10")
    return parser


def _lookup(rule_id: str) -> Rule:
    try:
        return get_rule(rule_id)
    except KeyError:
        ids = [r.id for r in all_rules()]
        close = difflib.get_close_matches(rule_id.upper(), ids, n=5, cutoff=0.5)
        same = [i for i in ids if i.upper() == rule_id.upper()]
        close = same + [c for c in close if c not in same]
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise _UsageError(f"unknown rule ID {rule_id!r}{hint} ('mcref list' shows them all)") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with these arguments (default: `sys.argv[1:]`) and return the exit code.

    Args:
        argv: The arguments after the program name, as strings.

    Returns:
        0 when everything passed, 1 when a check failed, 2 for a usage error
        (an unknown rule ID, a bad option).

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
        return _show(_lookup(args.id), sys.stdout)
    except _UsageError as exc:
        print(f"mcref {args.command}: {exc}", file=sys.stderr)
        return USAGE


# ----- list and show -----


def _list(prefix: str | None, out: TextIO) -> int:
    rules = [r for r in all_rules() if prefix is None or r.id.startswith(prefix)]
    if not rules:
        prefixes = sorted({r.id.rstrip("0123456789") for r in all_rules()})
        raise _UsageError(f"no rule ID starts with {prefix!r}; the prefixes are {', '.join(prefixes)}")
    width = max(len(r.id) for r in rules)
    for r in rules:
        print(f"{r.id.ljust(width)}  {r.title}", file=out)
    return 0


def _shape_text(shape: tuple[Any, ...]) -> str:
    return " x ".join(str(d).replace("*", "·") for d in shape)


def _show(r: Rule, out: TextIO) -> int:
    origin = "Extension, beyond the paper" if r.extension else f"Paper §{r.section}"
    derivative = f"{r.derivative.__module__}.{r.derivative.__name__}"
    forward = f"{r.forward.__module__}.{r.forward.__name__}"
    shape = _shape_text(r.shape)
    den = _shape_text(tuple(reversed(r.shape)))
    lines = [
        f"{r.id} · {r.title}",
        origin,
        f"Differentiates {forward} with respect to {r.wrt}; closed form {derivative}",
        "",
        f"Numerator layout (the paper's), shape {shape}:",
        f"  {r.latex}",
        f"Denominator layout, shape {den}:",
        f"  {r.latex_denominator}",
        "",
        "Arguments:",
    ]
    width = max(len(name) for name in r.args)
    for name, spec in r.args.items():
        drawn = f"values in [{spec.low:g}, {spec.high:g}]"
        if spec.min_abs:
            drawn += f", |value| >= {spec.min_abs:g}"
        if spec.simplex:
            drawn = "a probability vector"
        if spec.symmetric:
            drawn += ", symmetric"
        if len(spec.shape) == 0:
            kind = "scalar"
        elif len(spec.shape) == 1:
            kind = f"vector of length {_shape_text(spec.shape)}"
        else:
            kind = f"{_shape_text(spec.shape)} {'matrix' if len(spec.shape) == 2 else 'array'}"
        lines.append(f"  {name.ljust(width)}  {kind}; tested with {drawn}")
    lines += ["", f"Conditions: {r.conditions or 'none beyond the setup of its section.'}"]
    if r.vjp is not None:
        vjp = f"{r.vjp.__module__}.{r.vjp.__name__}"
        lines += ["", f"Backprop form (VJP), computed by {vjp} without forming the Jacobian:", f"  {r.vjp_latex}"]
    code, _ = example_script(r)
    lines += ["", "Example (each print's output is shown below it as comments):", "", code.rstrip("\n")]
    print("\n".join(lines), file=out)
    return 0


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
