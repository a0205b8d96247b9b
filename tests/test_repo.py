"""The project's entry points: README's two commands, and CI running the test one verbatim."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from tests.conftest import ROOT

SETUP_FILES = ("pyproject.toml", "package.json", "package-lock.json")  # ./dev redoes its set-up when they change


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


# ----- ./dev's set-up: what each command installs, with stand-ins that record their calls -----


def _stand_ins(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A virtual environment and an npm whose programs only write their arguments to a log."""
    log, venv, path = tmp_path / "calls.log", tmp_path / "venv", tmp_path / "path"
    (venv / "bin").mkdir(parents=True)
    path.mkdir()
    record = f'#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n'
    for program in [venv / "bin" / name for name in ("python", "mkdocs", "ruff", "mypy")] + [path / "npm"]:
        program.write_text(record, encoding="utf-8")
        program.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in {"MCREF_TEST_WORKERS", "MCREF_SITE_URL"}}
    env.update(MCREF_VENV=str(venv), PATH=f"{path}{os.pathsep}{os.environ['PATH']}")
    return log, venv, env


def _dev(env: dict[str, str], log: Path, *args: str) -> tuple[list[str], str]:
    """Run ./dev; the calls it made (one line each) and its stderr."""
    log.write_text("", encoding="utf-8")
    proc = subprocess.run([str(ROOT / "dev"), *args], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [line.rstrip() for line in log.read_text(encoding="utf-8").splitlines()], proc.stderr


def test_dev_serve_installs_what_the_site_needs_and_test_everything(tmp_path: Path) -> None:
    log, venv, env = _stand_ins(tmp_path)
    want = hashlib.sha256(b"".join((ROOT / f).read_bytes() for f in SETUP_FILES)).hexdigest()
    pip = "python -m pip install --quiet"

    calls, err = _dev(env, log, "serve", "-a", "127.0.0.1:8001")
    assert calls == [
        f"{pip} --upgrade pip",
        f"{pip} -e .[docs]",  # no test extra
        "npm ci --omit=dev --no-audit --no-fund --loglevel=error",  # Temml; not axe-core, not Lighthouse
        "mkdocs serve --strict -a 127.0.0.1:8000 -a 127.0.0.1:8001",  # extra arguments go to mkdocs, the last -a wins
    ]
    assert "serving the site at http://127.0.0.1:8001/mcref/" in err
    assert (venv / ".mcref-installed").read_text(encoding="utf-8").split() == [want, "docs"]
    assert _dev(env, log, "serve")[0] == ["mkdocs serve --strict -a 127.0.0.1:8000"]  # set up once
    for site_url, address in [("https://example.org/fork", "http://127.0.0.1:8000/fork/"),
                              ("https://example.org", "http://127.0.0.1:8000/")]:  # a fork's site_url: its path
        assert f"serving the site at {address} " in _dev({**env, "MCREF_SITE_URL": site_url}, log, "serve")[1]

    calls, _ = _dev(env, log, "test", "-x")
    assert calls == [
        f"{pip} --upgrade pip",
        f"{pip} -e .[docs,test]",
        "npm ci --no-audit --no-fund --loglevel=error",  # every package, the test tools too
        "ruff check --quiet .",
        "mypy",
        "python -m pytest -n 0 --dist loadgroup -x",
    ]
    assert (venv / ".mcref-installed").read_text(encoding="utf-8").split() == [want, "test"]
    assert _dev(env, log, "build")[0] == ["mkdocs build --strict -d site"]  # the test set-up serves the build


def test_dev_without_a_command_prints_its_header() -> None:
    proc = subprocess.run([str(ROOT / "dev")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    header = (ROOT / "dev").read_text(encoding="utf-8").splitlines()[1:]
    header = header[: next(i for i, line in enumerate(header) if not line.startswith("#"))]
    assert proc.stdout.splitlines() == [re.sub(r"^# ?", "", line) for line in header]
    for command in ("./dev serve", "./dev test", "./dev build", "npm ci --omit=dev", "-a 127.0.0.1:8001"):
        assert command in proc.stdout, command
