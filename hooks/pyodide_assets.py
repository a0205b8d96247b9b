"""MkDocs hook: the files the derivative engine needs to run in the reader's browser (docs/derive.md).

A page places the in-browser engine with a line of its own:

    {{ derive live }}

and this hook replaces it with the form (expression, variable, declarations) that
`docs/assets/derive-live.js` drives. After the build it writes, under `assets/derive-live/` of the
site, everything the page's Web Worker (`docs/assets/derive-worker.js`) loads on the reader's first
use, all from the site's own files, never from another host:

- the Pyodide runtime (the WebAssembly build of CPython and its standard library), copied from the
  pinned npm package in `node_modules/pyodide` (package.json pins it; `npm ci --omit=dev` installs it);
- the wheels of SymPy and mpmath at the pinned versions below, downloaded once by `pip download` into
  `.cache/pyodide-wheels/` and checked against their SHA-256;
- `mcref-engine-<hash>.zip`: the numpy-free engine (`mcref/engine/*.py` under a stub `mcref`
  package, so its own `mcref.engine` imports work), built from this repository at each build;
- Temml's browser build (`node_modules/temml/dist/temml.min.js`), which writes the answers as MathML;
- `manifest.json`: those files' names and sizes, and each rule's page and title (the steps link to
  them, as in the gallery).

No other page links to any of it, and the page fetches none of it before the reader asks for a
derivative. When the runtime or the wheels are missing, the page says so in place of the form (an
INFO line in the log); under `CI=true` (CI and the deployment) the build fails instead, so a
deployed site never ships the page without its engine. `MCREF_PYODIDE_DIR` points the build at
another copy of the npm package (a checkout whose node_modules predates the pin).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import posixpath
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

import mcref
from mcref.core.registry import rule_pages

ROOT = Path(__file__).resolve().parent.parent
MARKER = "{{ derive live }}"
ASSET_DIR = "assets/derive-live"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PYODIDE_VERSION = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["pyodide"]
# what the worker loads: the ES module, the runtime (its JS glue and the wasm), the standard library,
# and the lock file loadPyodide reads at start
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# SymPy as pyproject.toml's floor, mpmath within SymPy 1.14's range (<1.4); pure-Python wheels
WHEELS = {
    "sympy-1.14.0-py3-none-any.whl": "e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5",
    "mpmath-1.3.0-py3-none-any.whl": "a0b2b9fe80bbcd81a6647ff13108738cfb482d481d826cc0e02f5b35e5c88d2c",
}
WHEEL_CACHE = ROOT / ".cache" / "pyodide-wheels"
TEMML_JS = ROOT / "node_modules" / "temml" / "dist" / "temml.min.js"
ENGINE_DIR = ROOT / "mcref" / "engine"
ENGINE_STUB = '"""mcref in the browser: only its numpy-free derivative engine, mcref.engine."""\n'

log = get_plugin_logger("derive-live")
_state: dict[str, Any] = {}


def pyodide_dir() -> Path:
    return Path(os.environ.get("MCREF_PYODIDE_DIR") or ROOT / "node_modules" / "pyodide")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheels() -> list[Path]:
    """The pinned wheels in the cache, downloaded with pip the first time; each checked by its hash."""
    missing = [name for name in WHEELS if not (WHEEL_CACHE / name).exists()]
    if missing:
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        pins = [name.split("-")[0] + "==" + name.split("-")[1] for name in missing]
        log.info(f"downloading {', '.join(pins)} for the in-browser engine into {WHEEL_CACHE.relative_to(ROOT)}")
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(WHEEL_CACHE)]
        proc = subprocess.run(
            [*pip, *pins],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pip download {' '.join(pins)} failed: {proc.stderr.strip()[-300:]}")
    out = []
    for name, digest in WHEELS.items():
        path = WHEEL_CACHE / name
        if _sha256(path) != digest:
            path.unlink()
            raise RuntimeError(f"{path} differs from its pinned SHA-256 (removed: the next build refetches it)")
        out.append(path)
    return out


def _shown(path: Path) -> str:
    """A path as the page and the log show it: relative to the repository when inside it."""
    try:
        return path.absolute().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def unavailable_reason() -> str | None:
    """Why this build cannot ship the in-browser engine, or None when it can."""
    source = pyodide_dir()
    shown = _shown(source)
    if not (source / "package.json").exists():
        return f"the pinned Pyodide runtime is not installed ({shown} is missing: run npm ci --omit=dev)"
    version = json.loads((source / "package.json").read_text(encoding="utf-8")).get("version")
    if version != PYODIDE_VERSION:
        return f"{shown} holds Pyodide {version}, package.json pins {PYODIDE_VERSION} (run npm ci --omit=dev)"
    absent = [name for name in PYODIDE_FILES if not (source / name).exists()]
    if absent:
        return f"{shown} lacks {', '.join(absent)}"
    if not TEMML_JS.exists():
        return f"{_shown(TEMML_JS)} is missing (run npm ci --omit=dev)"
    try:
        wheels()
    except (OSError, RuntimeError) as exc:
        return f"the SymPy and mpmath wheels: {exc}"
    return None


def engine_zip() -> bytes:
    """The engine as a zip of `mcref/__init__.py` (a stub) and `mcref/engine/*.py`, byte-identical per source."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entries = [("mcref/__init__.py", ENGINE_STUB.encode())]
        entries += [(f"mcref/engine/{p.name}", p.read_bytes()) for p in sorted(ENGINE_DIR.glob("*.py"))]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _copy(source: Path, target: Path) -> None:
    """Copy unless the target is already this file (same size and time): the runtime is 14 MB."""
    if target.exists():
        a, b = source.stat(), target.stat()
        if a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime):
            return
    shutil.copy2(source, target)


def form_html() -> str:
    """The form and the answer's place; docs/assets/derive-live.js (a module) gives them life."""
    return f"""<link rel="stylesheet" href="@BASE@assets/derive-live.css">
<div class="mcref-live" data-search-exclude data-assets="{ASSET_DIR}/">
<form class="mcref-live__form" novalidate>
<p><label for="live-expr">Expression</label>
<input id="live-expr" name="expr" type="text" spellcheck="false" autocomplete="off" autocapitalize="off"
 value="x.T @ A @ x" aria-describedby="live-legend"></p>
<p class="mcref-live__row"><span><label for="live-wrt">With respect to</label>
<input id="live-wrt" name="wrt" type="text" spellcheck="false" autocomplete="off" autocapitalize="off" value="x"></span>
<span><label for="live-shapes">Declarations (optional)</label>
<input id="live-shapes" name="shapes" type="text" spellcheck="false" autocomplete="off" autocapitalize="off"
 placeholder="x: n; A: n×n; A symmetric"></span></p>
<p><button type="submit" class="md-button md-button--primary">Derive</button>
<span class="mcref-live__status" role="status" aria-live="polite"></span></p>
</form>
<p id="live-legend" class="mcref-live__legend">numpy's syntax (<code>@</code>, <code>.T</code>,
<code>np.sum</code>, <code>np.linalg.norm</code>, <code>*</code> and <code>/</code> entry by entry) or
matrixcalculus.org's (<code>x'*A*x</code>, <code>.*</code>, <code>tr</code>, <code>logdet</code>,
<code>norm2</code>). Examples:
<button type="button" class="mcref-live__example">np.sum(np.exp(W @ x + b))</button>
<button type="button" class="mcref-live__example" data-wrt="w">np.linalg.norm(X @ w - y)**2</button>
<button type="button" class="mcref-live__example" data-wrt="X">np.log(np.linalg.det(X))</button>
<button type="button" class="mcref-live__example" data-wrt="X">np.trace(A @ X.T @ B @ X @ C)</button></p>
<div class="mcref-live__answer" aria-live="polite"></div>
<details class="mcref-live__recent" hidden><summary>Recent expressions</summary><ul></ul></details>
</div>
<script type="module" src="@BASE@assets/derive-live.js"></script>
"""


def on_pre_build(config: MkDocsConfig, **kwargs: Any) -> None:
    _state.clear()
    _state["reason"] = unavailable_reason()
    if _state["reason"] is not None and IN_CI:
        raise PluginError(
            f"in-browser engine: {_state['reason']}. Under CI=true the Derive page must ship with its engine."
        )
    if _state["reason"] is not None:
        log.info(f"no in-browser engine on the Derive page in this build: {_state['reason']}")


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files, **kwargs: Any) -> str:
    if MARKER not in markdown:
        return markdown
    if _state.get("page") not in (None, page.file.src_uri):
        raise PluginError(f"{page.file.src_uri}: the in-browser engine is already placed on {_state['page']}")
    _state["page"] = page.file.src_uri
    _state["pages"] = {f.src_uri: f.content_string for f in files.documentation_pages()}
    _state["urls"] = {f.src_uri: f.url for f in files.documentation_pages()}
    reason = _state.get("reason")
    if reason is not None:
        note = (
            '!!! warning "The in-browser engine is not part of this build"\n\n'
            f"    {html.escape(reason)}. The gallery below and `mcref derive` on the command line work as usual."
        )
        return markdown.replace(MARKER, note)
    base = posixpath.relpath(".", posixpath.dirname(page.url.rstrip("/") + "/x") or ".")
    base = "" if base == "." else base + "/"
    return markdown.replace(MARKER, form_html().replace("@BASE@", base))


def manifest(engine_name: str, wheel_paths: list[Path]) -> dict[str, Any]:
    pages = rule_pages(_state["pages"])
    urls = _state["urls"]
    rules = {rid: {"url": f"{urls[src]}#{rid}", "title": mcref.get_rule(rid).title} for rid, src in pages.items()}
    source = pyodide_dir()
    runtime = {name: (source / name).stat().st_size for name in PYODIDE_FILES}
    return {
        "pyodide": PYODIDE_VERSION,
        "runtime": runtime,
        "wheels": {p.name: p.stat().st_size for p in wheel_paths},
        "engine": engine_name,
        "rules": rules,
    }


def on_post_build(config: MkDocsConfig, **kwargs: Any) -> None:
    if _state.get("page") is None or _state.get("reason") is not None:
        return
    target = Path(config.site_dir) / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    source = pyodide_dir()
    for name in PYODIDE_FILES:
        _copy(source / name, target / name)
    wheel_paths = wheels()
    for path in wheel_paths:
        _copy(path, target / path.name)
    _copy(TEMML_JS, target / TEMML_JS.name)
    data = engine_zip()
    engine_name = f"mcref-engine-{hashlib.sha256(data).hexdigest()[:12]}.zip"
    for old in target.glob("mcref-engine-*.zip"):
        if old.name != engine_name:
            old.unlink()
    (target / engine_name).write_bytes(data)
    (target / "manifest.json").write_text(json.dumps(manifest(engine_name, wheel_paths)), encoding="utf-8")
    names = [*PYODIDE_FILES, *(p.name for p in wheel_paths), engine_name]
    total = sum((target / name).stat().st_size for name in names)
    log.info(f"wrote {ASSET_DIR}: Pyodide {PYODIDE_VERSION}, SymPy, mpmath and the engine, {total / 2**20:.1f} MiB")


__all__ = ["engine_zip", "form_html", "unavailable_reason", "wheels"]
