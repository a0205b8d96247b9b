"""Prove the test suite's power: plant known bugs one at a time and check that the suite fails on each.

    .venv/bin/python scripts/mutate.py                 # every mutation, each against its own test selection
    .venv/bin/python scripts/mutate.py --only wrong-sign,broken-link
    .venv/bin/python scripts/mutate.py --list          # the table of mutations, nothing run
    .venv/bin/python scripts/mutate.py --full          # each against the README's test command (slow)

The repository is copied to a temporary folder (the working tree as it is, with `.cache`, and
the `.venv` and `node_modules` links; not `.git`, so nothing here touches git). Each mutation
is one exact text replacement in one file: it is applied to the copy, the tests that should
catch it are run there, and the file is put back. A mutation is caught when pytest reports
failed tests (exit status 1); an error of another kind (no test collected, a crash) does not
count. Before the mutations, every selection is run once on the unchanged copy and must pass,
so a "caught" means the bug was caught, not that the tests were failing anyway
(`--no-clean-check` skips this).

By default each mutation names the selection of the suite that should catch it (a few seconds
for the library, a strict build and a few browser visits for the site; the site builds without
the cheat sheet's PDF). `--full` runs the README's test command instead (`./dev test -x`, with
PYTHONPATH set to the copy), which takes minutes per mutation: the final proof. When the set-up
is not warm (`./dev test` would install into the shared `.venv` first), it runs the command
`./dev test` ends in, `python -m pytest`, instead.

The script prints a markdown table (mutation, file, caught by, result) and exits with status 1
if any mutation survives. If an anchor is no longer in its file (the code moved), it stops at
once with "anchor not found", naming the mutation: update the anchor, not the test.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    name: str
    kind: str  # the kind of bug, in words
    path: str  # relative to the repository
    old: str  # exact text, found exactly once
    new: str
    selection: tuple[str, ...]  # pytest arguments that should catch it


BROWSER_LOAD = "tests/test_browser.py::test_page_loads_offline_with_math_rendered"

MUTATIONS = [
    Mutation(
        "transposed-jacobian", "a transposed Jacobian (X1: Wx + b by x returns Wᵀ)",
        "mcref/ext/layers.py",
        "    matrix=lambda W, x, b: W,\n",
        "    matrix=lambda W, x, b: W.T,\n",
        ("tests/test_rules.py", "-k", "X1"),
    ),
    Mutation(
        "missing-factor", "a missing factor (L1 loses the 2 of the square's derivative)",
        "mcref/paper/loss.py",
        '    return _row((2.0 / X.shape[0]) * (e @ X), "the gradient")\n',
        '    return _row((1.0 / X.shape[0]) * (e @ X), "the gradient")\n',
        ("tests/test_rules.py", "-k", "L1"),
    ),
    Mutation(
        "wrong-sign", "a wrong sign (R9: w - x by x returns +I)",
        "mcref/paper/elementwise.py",
        "    derivative=lambda w, x: -1.0,\n",
        "    derivative=lambda w, x: 1.0,\n",
        ("tests/test_rules.py", "-k", "R9"),
    ),
    Mutation(
        "wrong-shape", "a wrong shape (the reduction kind returns R23's gradient as a 1-D array, not a (1, n) row)",
        "mcref/core/registry.py",
        "        lambda point: grad(point).reshape(1, -1),\n",
        "        lambda point: grad(point).reshape(-1),\n",
        ("tests/test_rules.py", "-k", "R23"),
    ),
    Mutation(
        "wrong-vjp", "a wrong VJP (softmax's backprop form drops the term that couples the outputs)",
        "mcref/ext/softmax.py",
        "    return s * (v - v @ s)\n",
        "    return s * v\n",
        ("tests/test_rules.py", "-k", "X18"),
    ),
    Mutation(
        "unguarded-division", "an unguarded division (w ⊘ x no longer refuses a zero divisor)",
        "mcref/paper/elementwise.py",
        "    _nonzero_divisor(x)\n    with np.errstate(",
        "    with np.errstate(",
        ("tests/test_validation.py", "-k", "divide"),
    ),
    Mutation(
        "validator-forgets-an-argument", "a validator that forgets an argument (w and x of different lengths pass)",
        "mcref/core/validate.py",
        "    same_length(w=wv, x=xv)\n    return wv, xv\n",
        "    return wv, xv\n",
        ("tests/test_validation.py", "-k", "R10 and multiply"),
    ),
    Mutation(
        "unguarded-result", "an unguarded result (the registry's guard lets a non-finite closed form through)",
        "mcref/core/registry.py",
        "        _refuse_non_finite(rule_id, fn.__name__, result)\n",
        "        pass  # the guard forgot its check\n",
        ("tests/test_rules.py", "-k", "non_finite or guarded"),
    ),
    Mutation(
        "wrong-printed-output", "a docs code block whose printed output is wrong (README)",
        "README.md",
        "[[-0.0625  0.    ]\n [ 0.     -8.    ]]\nTrue\n",
        "[[-0.0625  0.    ]\n [ 0.     -8.    ]]\nFalse\n",
        ("README.md",),
    ),
    Mutation(
        "broken-page-link", "a broken page link (the home page links to a page that does not exist)",
        "docs/index.md",
        "](verification.md)",
        "](verifcation.md)",
        ("tests/test_site.py::test_strict_build_passes_with_zero_warnings",),
    ),
    Mutation(
        "preload-outside-the-site",
        "the math font's preload link one folder too high (the font still loads through the stylesheet)",
        "hooks/mathml.py",
        '''href="{"../" * depth}{ASSET_DIR}''',
        '''href="{"../" * (depth + 1)}{ASSET_DIR}''',
        ("tests/test_links.py::test_every_link_and_anchor_of_the_built_site_resolves",),
    ),
    Mutation(
        "missing-rule-anchor",
        "a missing rule anchor (rule headings lose their ID, which pages and the cheat sheet link to)",
        "hooks/rules.py",
        """f'### {r.id} · {r.title} {{ #{r.id} data-rule="{r.id}" }}',""",
        """f'### {r.id} · {r.title} {{ data-rule="{r.id}" }}',""",
        ("tests/test_site.py::test_strict_build_passes_with_zero_warnings",),
    ),
    Mutation(
        "raw-tex", "a formula left as raw TeX (escaped dollars on the notation page)",
        "docs/notation.md",
        "A bold lowercase letter such as $\\mathbf{x}$ is a vector",
        "A bold lowercase letter such as \\$\\mathbf{x}\\$ is a vector",
        (f"{BROWSER_LOAD}[notation/]",),
    ),
    Mutation(
        "external-request", "an external request (the site stylesheet imports a web font from another host)",
        "docs/assets/theme.css",
        "/* mcref's look: the palette, links, and each rule's block as a card.\n",
        "@import url('https://fonts.googleapis.com/css2?family=Inter');\n"
        "/* mcref's look: the palette, links, and each rule's block as a card.\n",
        (f"{BROWSER_LOAD}[home]",),
    ),
    Mutation(
        "missing-alt-text", "a missing alt text (the performance plot)",
        "docs/performance.md",
        "![Log-log plot of the time per gradient",
        "![](assets/performance.png)\n\n[Log-log plot of the time per gradient",
        ("tests/test_accessibility.py::test_images_have_alt_text[performance/]",),
    ),
    Mutation(
        "page-overflow", "a display formula that widens the page on a phone (no scroll box)",
        "docs/assets/mcref.css",
        # both axes: with overflow-y hidden, a visible overflow-x computes to auto
        ".md-typeset .math-display {\n  overflow-x: auto;\n  overflow-y: hidden;\n",
        ".md-typeset .math-display {\n  overflow: visible;\n",
        ("tests/test_browser.py::test_no_horizontal_overflow_at_phone_width[rules/elementwise/]",),
    ),
    Mutation(
        "dark-link-contrast", "links in the dark scheme too dark to read on its background",
        "docs/assets/theme.css",
        "  --md-typeset-a-color: #5fc4d4;           /* 7.6:1 on the page, 6.7:1 on code */",
        "  --md-typeset-a-color: #2a5560;",
        ("tests/test_accessibility.py::test_colours_pass_in_the_dark_scheme",),
    ),
    Mutation(
        "unnamed-link-off-the-axe-sample", "a link with no text on a page axe would not otherwise visit (notation)",
        "docs/notation.md",
        "The search box finds entries by plain words:",
        "See [](#clashes). The search box finds entries by plain words:",
        ("tests/test_accessibility.py::test_axe_finds_nothing",),
    ),
    Mutation(
        "engine-wrong-adjoint", "a wrong rule in the derivative engine (log det X by X returns X^{-1}, not X^{-T})",
        "mcref/engine/reverse.py",
        '        return ir.smul(g, ir.T(ir.node("inv", [x], x.shape)))\n',
        '        return ir.smul(g, ir.node("inv", [x], x.shape))\n',
        ("tests/test_engine.py",),
    ),
    Mutation(
        "gallery-shows-a-stale-layout", "the gallery of Derive your own shows the numerator layout as the denominator",
        "hooks/derive_gallery.py",
        '        f"\\\\text{{denominator layout}} &\\\\quad {d.denominator} \\\\end{{aligned}}"\n',
        '        f"\\\\text{{denominator layout}} &\\\\quad {d.numerator} \\\\end{{aligned}}"\n',
        ("tests/test_gallery.py::test_the_built_page_shows_a_fresh_derive",),
    ),
    Mutation(
        "cli-caret-off-by-one", "mcref derive marks the column after the one at fault",
        "mcref/cli.py",
        '    return [f"  {expr}", "  " + " " * (column - 1) + "^"]\n',
        '    return [f"  {expr}", "  " + " " * column + "^"]\n',
        ("tests/test_cli.py", "-k", "derive"),
    ),
]


class AnchorNotFound(RuntimeError):
    pass


def check_anchor(repo: Path, m: Mutation) -> str:
    text = (repo / m.path).read_text(encoding="utf-8")
    found = text.count(m.old)
    if found != 1:
        raise AnchorNotFound(
            f"anchor not found: mutation {m.name!r} expects its text exactly once in {m.path}, "
            f"found {found} times:\n{m.old}"
        )
    return text


def copy_repository(target: Path) -> Path:
    """The working tree (with .cache and the .venv / node_modules links), without .git and build output."""
    top = {".git", "site", "build", "dist", "mcref.egg-info"}  # only at the top: node_modules/temml has a dist/
    anywhere = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis")

    def skip(folder: str, names: list[str]) -> set[str]:
        return set(anywhere(folder, names)) | ({n for n in names if n in top} if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, target, symlinks=True, ignore=skip)
    return target


def environment(repo: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(repo), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("CI", None)  # a missing browser skips rather than fails, as on a laptop
    return env


def warm_setup(repo: Path) -> bool:
    """Whether `./dev test`'s set-up step would install nothing (the stamp matches, as dev computes it)."""
    want = hashlib.sha256(
        b"".join((repo / n).read_bytes() for n in ("pyproject.toml", "package.json", "package-lock.json"))
    )
    stamp = repo / ".venv" / ".mcref-installed"
    return stamp.is_file() and stamp.read_text().strip() == want.hexdigest()


def run(repo: Path, selection: tuple[str, ...] | None, full: bool, dev: bool = True) -> tuple[int, float, str]:
    """Run pytest in the copy: the selection, or (full) the README's test command (`./dev test`, or
    without `dev` the pytest run it ends in). Returns (exit status, seconds, the output's last lines)."""
    env = environment(repo)
    if full:
        command = ["./dev", "test"] if dev else [str(repo / ".venv" / "bin" / "python"), "-m", "pytest"]
        command += ["-x", "-q", "-p", "no:cacheprovider"]
    else:
        env["MCREF_CHEATSHEET_PDF"] = "off"
        command = [str(repo / ".venv" / "bin" / "python"), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                   *(selection or ())]
    start = time.monotonic()
    proc = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=3600)
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
    return proc.returncode, time.monotonic() - start, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated mutation names")
    parser.add_argument("--full", action="store_true", help="run the README's test command for each mutation")
    parser.add_argument("--list", action="store_true", help="print the mutations and exit")
    parser.add_argument("--no-clean-check", action="store_true", help="do not first run each selection unmutated")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)

    chosen = MUTATIONS
    if args.only:
        names = set(args.only.split(","))
        unknown = names - {m.name for m in MUTATIONS}
        if unknown:
            parser.error(f"no mutation named {sorted(unknown)}; --list shows them")
        chosen = [m for m in MUTATIONS if m.name in names]
    for m in chosen:  # every anchor first, so a stale one stops the run before anything is copied
        check_anchor(ROOT, m)
    if args.list:
        for m in chosen:
            print(f"{m.name:32} {m.path:32} {' '.join(m.selection)}")
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="mcref-mutate-"))
    repo = copy_repository(tmp / "repo")
    dev = args.full and warm_setup(repo)
    if args.full and not dev:
        # ./dev test would reinstall into the (shared) .venv first: run what it then runs instead
        print(
            "the set-up is not warm (./dev test would install first): running the command ./dev test "
            "ends in, python -m pytest, in the copy",
            file=sys.stderr,
        )
    rows: list[tuple[Mutation, str, str]] = []
    try:
        if not args.no_clean_check:
            checked: list[tuple[str, ...] | None] = []  # None: the whole suite
            if args.full:
                checked.append(None)
            else:
                # selections of test paths only go together (the site is built once for them all)
                plain = sorted(
                    {arg for m in chosen if not any(a.startswith("-") for a in m.selection) for arg in m.selection}
                )
                if plain:
                    checked.append(tuple(plain))
                checked += sorted({m.selection for m in chosen if any(a.startswith("-") for a in m.selection)})
            for selection in checked:
                code, seconds, tail = run(repo, selection, args.full, dev)
                what = "the README test command" if selection is None else " ".join(selection)
                print(f"clean run of {what}: exit {code} in {seconds:.0f} s", file=sys.stderr)
                if code != 0:
                    print(f"the unmutated copy does not pass {what}; fix that first:\n{tail}", file=sys.stderr)
                    return 2
        for m in chosen:
            path = repo / m.path
            original = check_anchor(repo, m)
            path.write_text(original.replace(m.old, m.new, 1), encoding="utf-8")
            try:
                code, seconds, tail = run(repo, m.selection, args.full, dev)
            finally:
                path.write_text(original, encoding="utf-8")
            caught = code == 1
            result = f"caught ({seconds:.0f} s)" if caught else f"SURVIVED (pytest exit {code}, {seconds:.0f} s)"
            failed = [line for line in tail.splitlines() if line.startswith(("FAILED", "ERROR"))]
            by = "`./dev test`" if args.full else "`" + " ".join(m.selection) + "`"
            if failed:
                by += ": " + failed[0].split(" - ")[0].removeprefix("FAILED ").removeprefix("ERROR ")
            rows.append((m, by, result))
            print(f"{m.name}: {result}", file=sys.stderr)
            if not caught:
                print(tail, file=sys.stderr)
    finally:
        if args.keep:
            print(f"the copy is kept in {repo}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print("| mutation | file | caught by | result |")
    print("|---|---|---|---|")
    for m, by, result in rows:
        print(f"| {m.kind} | `{m.path}` | {by} | {result} |")
    survived = [m.name for m, _, result in rows if not result.startswith("caught")]
    print(
        f"\n{len(rows) - len(survived)} of {len(rows)} mutations caught"
        + (f"; survived: {survived}" if survived else "")
    )
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
