"""hooks/pyodide_assets.py without a browser: the engine's zip stands alone, and a missing runtime is said."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from hooks import pyodide_assets
from tests.conftest import ROOT

# Run in a fresh interpreter with only the unpacked zip (and SymPy) to import from: numpy and the
# rest of mcref must not be needed, as under Pyodide.
NO_NUMPY = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("numpy is blocked: the browser has none")
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import mcref
from mcref.engine import derive
assert mcref.__file__.startswith(sys.argv[1]), mcref.__file__
print(derive("x'*A*x", "x", "A symmetric").denominator)
print(sorted(m for m in sys.modules if m == "mcref" or m.startswith("mcref.")))
"""


def test_the_engine_zip_is_the_engine_alone_and_runs_without_numpy(tmp_path: Path) -> None:
    data = pyodide_assets.engine_zip()
    assert data == pyodide_assets.engine_zip()  # byte-identical: its name is its hash
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    expected = ["mcref/__init__.py"] + [f"mcref/engine/{p.name}" for p in sorted((ROOT / "mcref/engine").glob("*.py"))]
    assert names == expected
    proc = subprocess.run([sys.executable, "-c", NO_NUMPY, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "2 A x"
    assert all(m == "mcref" or m.startswith("mcref.engine") for m in ast.literal_eval(lines[1]))


def test_a_missing_runtime_is_said_and_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCREF_PYODIDE_DIR", str(tmp_path / "nowhere"))
    reason = pyodide_assets.unavailable_reason()
    assert reason is not None and "nowhere is missing" in reason and "npm ci" in reason
    monkeypatch.setattr(pyodide_assets, "IN_CI", False)
    pyodide_assets.on_pre_build(config=None)  # type: ignore[arg-type]
    assert pyodide_assets._state["reason"] == reason
    monkeypatch.setattr(pyodide_assets, "IN_CI", True)
    with pytest.raises(PluginError, match="Under CI=true"):
        pyodide_assets.on_pre_build(config=None)  # type: ignore[arg-type]


def test_a_runtime_of_another_version_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "package.json").write_text('{"version": "0.1.0"}', encoding="utf-8")
    monkeypatch.setenv("MCREF_PYODIDE_DIR", str(tmp_path))
    reason = pyodide_assets.unavailable_reason()
    assert reason is not None and "0.1.0" in reason and pyodide_assets.PYODIDE_VERSION in reason


def test_a_wheel_with_another_hash_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyodide_assets, "WHEEL_CACHE", tmp_path)
    for name in pyodide_assets.WHEELS:
        (tmp_path / name).write_bytes(b"not the wheel")
    with pytest.raises(RuntimeError, match="differs from its pinned SHA-256"):
        pyodide_assets.wheels()
    assert not (tmp_path / next(iter(pyodide_assets.WHEELS))).exists()  # removed: the next build fetches it again
