"""Guard: no code block in the docs or README escapes the test suite unnoticed.

pytest-codeblocks runs a fenced block only when its info string is exactly
`python` (or `sh` / `bash`, which it runs as shell commands). A block fenced as
`py`, `pycon`, `python3` or `python title="x.py"` is passed over in silence, and
a `~~~` fence is not seen at all. This guard reads every markdown file the way
pytest-codeblocks does and fails on each of those, so a copyable snippet cannot
go untested, and README's shell commands cannot be executed by the test run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

MARKDOWN = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
RUN_AS_SHELL = {"sh", "bash", "zsh"}
# the languages a reader would take for Python, and that pytest-codeblocks would skip
PYTHONISH = re.compile(r"^\{?\.?(py|python[0-9.]*|pycon|ipython[0-9]*|python-repl)\b", re.I)
# languages we allow for blocks that are not code to run
NOT_RUN = {"text", "shell", "console", "yaml", "toml", "json", "markdown", "md", "html", "css", "javascript", "js"}
SKIP = re.compile(r"<!--\s*(pytest\.mark\.(skip|skipif|xfail)|pytest-codeblocks:(skip|skipif|expect-exception))")


def fences(path: Path) -> list[tuple[int, str, str]]:
    """(line number, fence characters, info string) of every opening fence, nested ones excluded."""
    found = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*(`{3,}|~{3,})(.*)$", lines[i])
        if m:
            fence, info = m.group(1), m.group(2).strip()
            found.append((i + 1, fence, info))
            i += 1
            while i < len(lines) and not re.match(rf"^\s*{re.escape(fence[0]) * len(fence)}\s*$", lines[i]):
                i += 1
        i += 1
    return found


def fence_problems(path: Path) -> list[str]:
    """What is wrong with the fences of one markdown file, one line per problem."""
    problems = []
    for line, fence, info in fences(path):
        where = f"{path.name}:{line}"
        if fence.startswith("~"):
            problems.append(f"{where}: a ~~~ fence is invisible to pytest-codeblocks; use ```")
        elif info == "python":
            continue
        elif PYTHONISH.match(info):
            problems.append(f"{where}: ```{info} is skipped by pytest-codeblocks; write exactly ```python")
        elif info in RUN_AS_SHELL:
            problems.append(f"{where}: ```{info} would be executed by the test run; use ```shell or ```console")
        elif info == "":
            problems.append(f"{where}: a fence without a language; say what it is (```python, ```text, ...)")
        elif info.split()[0] not in NOT_RUN:
            problems.append(f"{where}: unknown fence language {info!r}; add it to NOT_RUN if it is not code to run")
    return problems


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fence_is_run_or_plainly_not_code(path: Path) -> None:
    problems = fence_problems(path)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_skipped_block_says_why(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for m in SKIP.finditer(text):
        line = text[m.start() : text.index("-->", m.start())]
        assert "reason=" in line, f"{path.relative_to(ROOT)}: {line}--> needs reason='...'"


def test_docs_and_readme_are_collected(pytestconfig: pytest.Config) -> None:
    """The markdown files are part of every test run, with --codeblocks on."""
    assert pytestconfig.getoption("codeblocks"), "run pytest with --codeblocks (pyproject addopts)"
    paths = pytestconfig.getini("testpaths")
    assert "docs" in paths and "README.md" in paths


def test_guard_catches_what_it_claims(tmp_path: Path) -> None:
    sample = tmp_path / "sample.md"
    sample.write_text(
        "```py\nx = 1\n```\n\n"
        '```python title="a.py"\nx = 1\n```\n\n'
        "~~~python\nx = 1\n~~~\n\n"
        "````markdown\n```py\nnested, not a fence of this file\n```\n````\n\n"
        "```bash\nrm -rf /\n```\n\n"
        "```\nno language\n```\n\n"
        "```python\nprint('fine')\n```\n",
        encoding="utf-8",
    )
    infos = [info for _, _, info in fences(sample)]
    assert infos == ["py", 'python title="a.py"', "python", "markdown", "bash", "", "python"]
    problems = fence_problems(sample)
    assert [p.split(":")[1] for p in problems] == ["1", "5", "9", "19", "23"]
