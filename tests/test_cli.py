"""The mcref command line, in-process (main) and as a subprocess (python -m mcref, the mcref script)."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mcref
from mcref.cli import example_script, main
from mcref.core.registry import unregister
from mcref.paper import elementwise

ROOT = Path(__file__).resolve().parent.parent


def run(*argv: str) -> tuple[int, str, str]:
    """main(argv) in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def run_module(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m mcref ...` in a fresh process."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "mcref", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The verify table as {rule ID: its cells}."""
    lines = stdout.splitlines()
    assert lines[0].split()[:4] == ["rule", "sizes", "jacobian", "vjp"], lines[0]
    rows = {}
    for line in lines[1:]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells
    return rows


# ----- list -----


def test_list_prints_every_rule_once_in_order():
    code, out, err = run("list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [r.id for r in mcref.all_rules()]
    for line, r in zip(lines, mcref.all_rules(), strict=True):
        assert line.endswith("  " + r.title)


def test_list_prefix_filters():
    code, out, _ = run("list", "--prefix", "R1")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert ids == ["R1", "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17", "R18", "R19"]
    assert "R10  Hadamard product, with respect to w" in out.splitlines()


def test_list_unknown_prefix_is_a_usage_error():
    code, out, err = run("list", "--prefix", "Q")
    assert code == 2 and out == ""
    assert "no rule ID starts with 'Q'; the prefixes are C, G, L, N, R, S, X" in err


# ----- show -----


def _hook_example_code():
    spec = importlib.util.spec_from_file_location("mcref_hook_rules_for_cli", ROOT / "hooks" / "rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.example_code


def test_show_a_paper_rule():
    code, out, err = run("show", "R10")
    assert code == 0 and err == ""
    r = mcref.get_rule("R10")
    lines = out.splitlines()
    assert lines[0] == "R10 · Hadamard product, with respect to w"
    assert lines[1] == "Paper §4.2, 8.2"
    assert "Numerator layout (the paper's), shape n x n:" in lines
    assert "Denominator layout, shape n x n:" in lines
    assert "  " + r.latex in lines and "  " + r.latex_denominator in lines
    assert "  w  vector of length n; tested with values in [-2, 2]" in lines
    assert "mcref.paper.elementwise.jac_multiply_w" in out and "mcref.paper.elementwise.vjp_multiply_w" in out
    assert r.vjp_latex in out


def test_show_prints_the_example_as_the_site_shows_it():
    _, out, _ = run("show", "R13")
    script = out.split("Example (each print's output is shown below it as comments):\n\n", 1)[1]
    site_code, _ = _hook_example_code()(mcref.get_rule("R13"))
    assert script == site_code


def test_the_shown_example_prints_what_its_comments_say():
    _, out, _ = run("show", "X13")
    script = out.split("as comments):\n\n", 1)[1]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(script, "<mcref show X13>", "exec"), {})
    comments = [line[2:] if line.startswith("# ") else "" for line in script.splitlines() if line.startswith("#")]
    assert printed.getvalue().splitlines() == comments


def test_show_an_extension():
    code, out, _ = run("show", "X4")
    assert code == 0
    assert out.splitlines()[1] == "Extension, beyond the paper"
    assert "  X  N x n matrix; tested with values in [-2, 2]" in out.splitlines()


def test_show_a_scalar_rule_without_vjp():
    code, out, _ = run("show", "S3")
    assert code == 0 and "Backprop form" not in out and "scalar" in out


@pytest.mark.parametrize(
    ("given", "close"),
    [("R99", "close matches: R9, R19"), ("r10", "close matches: R10, "), ("x13", "close matches: X13")],
)
def test_show_unknown_id_exits_2_with_close_matches(given, close):
    code, out, err = run("show", given)
    assert code == 2 and out == ""
    assert f"mcref show: unknown rule ID {given!r}; {close}" in err
    assert "'mcref list' shows them all" in err


def test_show_an_id_with_no_close_match():
    code, _, err = run("show", "QQQQ999")
    assert code == 2 and "unknown rule ID 'QQQQ999' ('mcref list' shows them all)" in err


# ----- verify -----


def test_verify_some_rules_prints_a_table_and_progress():
    code, out, err = run("verify", "R10", "S3", "X1")
    assert code == 0
    rows = table_rows(out)
    assert list(rows) == ["R10", "S3", "X1"]
    assert rows["R10"][1] == "1,2,3,7" and rows["R10"][-1] == "pass"
    assert rows["S3"][1] == "-" and rows["S3"][3] == "-"  # a scalar rule, no VJP
    for cells in rows.values():
        assert float(cells[2]) < 1e-6  # the largest error of the closed form
    assert "3 rules checked: 3 passed, 0 failed" in out
    assert "[1/3] R10" in err and "[3/3] X1" in err and "done in" in err


def test_verify_quiet_prints_no_progress():
    code, _, err = run("verify", "R10", "--quiet")
    assert code == 0 and err == ""


def test_verify_sizes():
    code, out, _ = run("verify", "R13", "--sizes", "2,5", "-q")
    assert code == 0 and table_rows(out)["R13"][1] == "2,5"


def test_verify_fast_adds_a_column_for_the_rules_it_applies_to():
    code, out, _ = run("verify", "R10", "X13", "R18", "R21", "--fast", "2000", "-q")
    assert code == 0
    assert "fast n=2000" in out.splitlines()[0]
    rows = table_rows(out)
    assert rows["R10"][4] != "-" and rows["X13"][4] != "-"
    assert rows["R21"][4] != "-"  # no VJP, but a 1 x 1 closed form: checked through it
    assert rows["R18"][4] == "-"  # two dimensions: not a fast-mode rule
    assert "fast mode at n=2000 for 3" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "R10", "R999"], "mcref verify: unknown rule ID 'R999'"),
        (["verify", "--sizes", "1,x"], "sizes must be integers separated by commas"),
        (["verify", "--sizes", "0,2"], "sizes must be integers >= 1, got '0,2'"),
        (["verify", "--fast", "0"], "expected an integer >= 1, got 0"),
        (["verify", "--seed", "-1"], "expected an integer >= 0, got -1"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
        (["show"], "the following arguments are required: ID"),
    ],
)
def test_usage_errors_exit_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert message in err


# ----- verify with wrong rules -----


def _wrong_factor(w, x):
    """Z901: the Jacobian of w ⊗ x with respect to w, wrongly doubled.

    Examples:
        >>> print(1)
        1
    """
    return np.diag(2 * np.asarray(x, dtype=float))


def _right(w, x):
    return np.diag(np.asarray(x, dtype=float))


@pytest.fixture
def wrong_rules():
    """Register three wrong rules for one test, and leave the registry as it was."""
    before = mcref.all_rules()
    common = dict(
        forward=elementwise.multiply,
        wrt="w",
        latex="",
        latex_denominator="",
        shape=("n", "n"),
        args={"w": mcref.Arg(), "x": mcref.Arg()},
    )
    mcref.rule("Z901", title="wrong by a factor 2", **common)(_wrong_factor)
    mcref.rule("Z902", title="right Jacobian, wrong VJP", **common)(_right)
    mcref.vjp_of("Z902")(lambda v, w, x: -np.asarray(v) * np.asarray(x))

    def raising(w, x):
        raise RuntimeError("closed form broke")

    mcref.rule("Z903", title="raises", **common)(raising)
    try:
        yield
    finally:
        for rule_id in ("Z901", "Z902", "Z903"):
            unregister(rule_id)
        assert mcref.all_rules() == before


def test_verify_reports_a_wrong_rule_and_exits_1(wrong_rules):
    code, out, _ = run("verify", "R10", "Z901", "-q")
    assert code == 1
    rows = table_rows(out)
    assert rows["R10"][-1] == "pass" and rows["Z901"][-1] == "FAIL"
    assert "2 rules checked: 1 passed, 1 failed" in out
    assert "Z901 jacobian at n=1: rule Z901 FAILED: worst entry (0, 0)" in out


def test_verify_reports_a_wrong_vjp_and_a_raising_rule(wrong_rules):
    code, out, _ = run("verify", "Z902", "Z903", "--fast", "500", "-q")
    assert code == 1
    rows = table_rows(out)
    assert rows["Z902"][-1] == "FAIL" and rows["Z903"][-1] == "FAIL"
    assert "Z902 vjp at n=1: rule Z902 FAILED" in out
    assert "Z902 fast at n=500:\ncheck_backprop FAILED: fast mode" in out
    assert "Z903 jacobian at n=1: RuntimeError: closed form broke" in out


def test_verify_everything_fails_when_one_rule_is_wrong(wrong_rules):
    code, out, _ = run("verify", "-q", "--sizes", "2")
    assert code == 1
    rows = table_rows(out)
    assert set(rows) == {r.id for r in mcref.all_rules()}
    assert [i for i, cells in rows.items() if cells[-1] == "FAIL"] == ["Z901", "Z902", "Z903"]


def test_the_registry_is_clean_after_the_wrong_rules():
    assert not [r.id for r in mcref.all_rules() if r.id.startswith("Z")]


# ----- help -----


def test_help_lists_the_commands():
    code, out, _ = run("--help")
    assert code == 0
    for command in ("verify", "list", "show"):
        assert command in out
    assert "Run 'mcref COMMAND --help'" in out


@pytest.mark.parametrize(
    ("command", "phrases"),
    [
        ("verify", ["--sizes", "--fast", "--seed", "--quiet", "exits with 1 if any check fails", "backprop form"]),
        ("list", ["--prefix", "ID and title"]),
        ("show", ["LaTeX", "both layouts", "example script"]),
    ],
)
def test_every_command_has_help(command, phrases):
    code, out, _ = run(command, "--help")
    assert code == 0 and out.startswith(f"usage: mcref {command}")
    flat = " ".join(out.split())
    for phrase in phrases:
        assert phrase in flat, phrase


def test_version():
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"mcref {mcref.__version__}"


# ----- as a subprocess -----


def test_python_m_mcref_list_and_show():
    proc = run_module("list", "--prefix", "S")
    assert proc.returncode == 0 and proc.stderr == ""
    assert [line.split()[0] for line in proc.stdout.splitlines()] == [f"S{i}" for i in range(1, 9)]
    proc = run_module("show", "R99")
    assert proc.returncode == 2 and "unknown rule ID 'R99'; close matches: R9, R19" in proc.stderr


def test_python_m_mcref_verify_fast():
    proc = run_module("verify", "R6", "R13", "X16", "--fast", "100000")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = table_rows(proc.stdout)
    assert all(cells[-1] == "pass" for cells in rows.values()) and list(rows) == ["R6", "R13", "X16"]
    assert "mcref verify: [3/3] X16" in proc.stderr


def test_python_m_mcref_without_a_command_exits_2():
    proc = run_module()
    assert proc.returncode == 2 and "usage: mcref" in proc.stderr


def test_the_console_script_is_installed():
    script = Path(sys.executable).with_name("mcref")
    if not script.exists():
        pytest.skip(f"no mcref script next to {sys.executable}; install the package with pip to get it")
    proc = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"mcref {mcref.__version__}"


# ----- bad input to the public functions -----


def _no_example(w, x):
    """No example here."""


def _output_without_print(w, x):
    """Shows output without print.

    Examples:
        >>> 1 + 1
        2
    """


def test_example_script_bad_input():
    with pytest.raises(TypeError, match=r"rule must be a Rule or a rule ID such as 'R10', got int"):
        example_script(10)
    with pytest.raises(KeyError, match=r"no rule with ID 'R999'"):
        example_script("R999")
    r = mcref.get_rule("R10")
    with pytest.raises(ValueError, match=r"rule R10: _no_example has no doctest example in its docstring"):
        example_script(dataclasses.replace(r, derivative=_no_example))
    with pytest.raises(ValueError, match=r"rule R10: the docstring example line '1 \+ 1' shows output without print"):
        example_script(dataclasses.replace(r, derivative=_output_without_print))


def test_example_script_keeps_output_as_comments():
    code, output = example_script("R10")
    assert ">>>" not in code
    comments = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    assert output.splitlines() == comments


def test_main_bad_input():
    with pytest.raises(TypeError, match=r"argv must be a list of strings, got str"):
        main("list")
    with pytest.raises(TypeError, match=r"argv must be a list of strings, got an item of type int: 3"):
        main(["show", 3])
    with pytest.raises(TypeError, match=r"argv must be a list of strings, got list_iterator"):
        main(iter(["list"]))  # type: ignore[arg-type]
