"""The project's entry points: README's two commands, and CI running the test one verbatim."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```shell\n(.*?)\n```", text, re.S)


def test_readme_has_exactly_two_commands() -> None:
    assert readme_commands() == ["./dev serve", "./dev test"]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = readme_commands()[1]
    lines = [line.strip() for line in ci.splitlines()]
    assert test_command in lines
    assert lines[-1] == test_command, "the test command should be the last step, so its exit code is CI's"
    assert "set -euo pipefail" in ci and "CI=true" in ci


def test_package_is_typed() -> None:
    assert (ROOT / "mcref" / "py.typed").is_file()
