"""The built site served on 127.0.0.1, the system Chromium, and the speed measurements.

Shared by the test suite (tests/conftest.py, the browser, budget, link and Lighthouse
tests) and by `benchmarks/site_speed.py`, which prints the figures the tests only guard:
the tests never import from benchmarks/, the benchmark imports this module.

The Chromium and its launch flags are those of `scripts/cheatsheet_pdf.py`, which the
site build uses to print the cheat sheet: one definition for the build, the tests and
the benchmark.

Lighthouse (the Lighthouse test and the benchmark) goes through `lighthouse_batch()`:
one node process (tests/lighthouse_batch.mjs) that launches one Chromium and runs
Lighthouse on a list of pages in turn, one JSON report each.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import importlib.util
import io
import json
import mimetypes
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def _load_pdf_script() -> ModuleType:
    """scripts/cheatsheet_pdf.py (not a package: a script the build loads by path, as here)."""
    name = "mcref_cheatsheet_pdf_script"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "cheatsheet_pdf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


PDF_SCRIPT = _load_pdf_script()
# The system Chromium ($MCREF_CHROMIUM, else the first found on PATH) and its launch flags:
# no sandbox or GPU, no background traffic, and every host but 127.0.0.1 resolving to nothing.
CHROMIUM_ARGS: list[str] = PDF_SCRIPT.CHROMIUM_ARGS
chromium_path = PDF_SCRIPT.chromium_path

RULE_PAGE = "rules/elementwise/"  # the paper's rule page with the most transfer
NO_MATH = "no-math.html"  # <page>/no-math.html: the page without math, made up by the test server
EMPTY_PAGE = "404.html"  # the same theme, scripts and stylesheets, and almost nothing else
TRANSFER_BUDGET_KIB = 450
FONTS_READY_RATIO_BUDGET = 1.5  # the target (issue 5): rule page / the same page without math
FONTS_READY_RATIO_CEILING = 2.5  # what the browser tests guard: a regression alarm, not the target
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "core" / "index.js"  # pinned in package.json
LIGHTHOUSE_BATCH = ROOT / "tests" / "lighthouse_batch.mjs"  # runs it on several pages with one Chromium
LIGHTHOUSE_PAGES = ("", "rules/elementwise/", "extensions/network/", "cheatsheet/", "notebooks/neuron/")
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# The flags of the Chromium that tests/lighthouse_batch.mjs launches (chrome-launcher): the shared
# flags but the host-resolver rule. Lighthouse's own record of the page's requests is what the
# Lighthouse test checks for other hosts, so nothing must be hidden from it.
LIGHTHOUSE_CHROME_FLAGS = [
    "--headless=new", *(flag for flag in CHROMIUM_ARGS if not flag.startswith("--host-resolver-rules="))
]
# Set by docs/assets/a11y.js once the page is idle and every part of it is drawn.
SETTLED = "document.documentElement.hasAttribute('data-mcref-scroll-marked')"

_COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")
_FORMULA = re.compile(r'<(span|div) class="math math-(?:inline|display)" data-tex="([^"]*)".*?<!--/mcref-math-->', re.S)
_FONT_PRELOAD = re.compile(r'<link rel="preload"[^>]*as="font"[^>]*>')


def without_math(html: str) -> str:
    """The page with every formula replaced by its TeX source as plain text, and no font preloads."""
    html = _FONT_PRELOAD.sub("", html)
    return _FORMULA.sub(lambda m: f'<{m.group(1)} class="mcref-no-math">{m.group(2)}</{m.group(1)}>', html)


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that gzips text like a real host, mounts the site under the
    path of its site_url (as GitHub Pages serves a project site), and keeps quiet."""

    _cache: ClassVar[dict[str, bytes]] = {}  # shared by every request's handler
    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return os.path.join(self.directory, "__outside_the_site__")  # does not exist: a 404
        return super().translate_path("/" + path[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing page gets the site's own 404 page, as on GitHub Pages."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        fs_path = self.translate_path(self.path)
        if os.path.isdir(fs_path):
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the base class redirects /dir to /dir/
            fs_path = os.path.join(fs_path, "index.html")
        source, make = fs_path, lambda raw: raw
        if os.path.basename(fs_path) == NO_MATH and not os.path.exists(fs_path):
            source = os.path.join(os.path.dirname(fs_path), "index.html")
            make = lambda raw: without_math(raw.decode("utf-8")).encode("utf-8")  # noqa: E731
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (fs_path.endswith(_COMPRESSIBLE) and os.path.isfile(source)):
            return super().send_head()
        if source == fs_path and not accepts:
            return super().send_head()
        key = f"{fs_path}:{os.path.getmtime(source)}:{accepts}"
        body = self._cache.get(key)
        if body is None:
            body = make(Path(source).read_bytes())
            body = gzip.compress(body, compresslevel=6) if accepts else body
            self._cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(fs_path)[0] or "application/octet-stream")
        if accepts:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def site_path() -> str:
    """The path part of the site's site_url ("/mcref/"), where a host serves it."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r'^site_url:.*?"(https?://[^"]+)"', config, re.M)
    path = urlparse(match.group(1)).path if match else "/"
    return path if path.endswith("/") else path + "/"


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser or crawler that hangs up mid-response (normal when a page is closed) is not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(site: Path, prefix: str | None = None) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 at a free port, under `prefix` (default: the path of
    site_url); yields the base URL, ending in the prefix."""
    prefix = site_path() if prefix is None else prefix
    handler = functools.partial(type("Handler", (StaticHandler,), {"prefix": prefix}), directory=str(site))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def launch_browser(playwright: Any) -> Any:
    """The system Chromium, headless, with the shared flags."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def first_visit(browser: Any, url: str) -> dict[str, float]:
    """Load a page in a fresh context (cold cache): bytes on the wire and fonts-ready time.

    The bytes are counted once the page has settled (a11y.js's idle pass is done, or 5 s
    passed), which is after what the page fetches once loaded, without waiting for half a
    second of network silence."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes: dict[str, float] = {}
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        page.goto(url, wait_until="load")
        fonts_ready = page.evaluate("async () => { await document.fonts.ready; return performance.now(); }")
        with contextlib.suppress(Exception):  # a page without a11y.js never settles: count what came
            page.wait_for_function(SETTLED, timeout=5000)
        return {"transfer_kib": sum(sizes.values()) / 1024, "fonts_ready_ms": fonts_ready, "requests": len(sizes)}
    finally:
        ctx.close()


def delivered_html_has_math(url: str) -> bool:
    """The formulas are in the HTML the server sends, before any script runs."""
    import urllib.request

    with urllib.request.urlopen(url) as response:
        html = response.read().decode("utf-8")
    return "<math" in html and 'class="arithmatex"' not in html


def compare_pages(browser: Any, base_url: str, page: str = RULE_PAGE, runs: int = 5) -> dict[str, Any]:
    """Measure a rule page, the same page without math and the 404 page, alternately;
    medians of `runs` first visits each."""
    urls = {"rule": base_url + page, "no_math": base_url + page + NO_MATH, "empty": base_url + EMPTY_PAGE}
    seen: dict[str, list[dict[str, float]]] = {key: [] for key in urls}
    for url in urls.values():  # one visit each first, discarded: the server compresses each file once
        first_visit(browser, url)
    for _ in range(runs):
        for key, url in urls.items():
            seen[key].append(first_visit(browser, url))
    med = lambda key, what: statistics.median(x[what] for x in seen[key])  # noqa: E731
    return {
        "page": page,
        "rule_transfer_kib": med("rule", "transfer_kib"),
        "no_math_transfer_kib": med("no_math", "transfer_kib"),
        "empty_transfer_kib": med("empty", "transfer_kib"),
        "rule_fonts_ready_ms": med("rule", "fonts_ready_ms"),
        "no_math_fonts_ready_ms": med("no_math", "fonts_ready_ms"),
        "empty_fonts_ready_ms": med("empty", "fonts_ready_ms"),
        "ratio": med("rule", "fonts_ready_ms") / med("no_math", "fonts_ready_ms"),
        "ratio_to_empty": med("rule", "fonts_ready_ms") / med("empty", "fonts_ready_ms"),
        "rule_requests": med("rule", "requests"),
    }


class Background:
    """A command running in a process of its own, from now on; `result` waits for it. A thread
    reads its output as it comes (a full pipe would stall the process) and notes when it ended,
    so the time it took is its own, not the time until a test asked for it. `cleanup`, if any,
    runs once the process has ended. A `nice` above 0 lowers the priority of the process (and of
    what it starts): it then takes the CPU time the tests in the foreground leave."""

    def __init__(
        self, args: list[str], cwd: Path, env: dict[str, str] | None = None, cleanup: Any = None, nice: int = 0
    ) -> None:
        self._cleanup = cleanup
        self.start = time.monotonic()
        self.end: float | None = None
        self.proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=(lambda: os.nice(nice)) if nice > 0 else None,
        )
        self._output: tuple[str, str] = ("", "")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        self._output = self.proc.communicate()
        self.end = time.monotonic()

    def running(self) -> bool:
        return self.proc.poll() is None

    def result(self, timeout: float = 600) -> tuple[subprocess.CompletedProcess[str], float]:
        """The finished run and the seconds it ran (killed after `timeout` more seconds)."""
        self._reader.join(timeout)
        try:
            if self._reader.is_alive():
                self.proc.kill()
                self._reader.join()
        finally:
            if self._cleanup is not None:
                self._cleanup()
                self._cleanup = None
        out, err = self._output
        done = subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)
        return done, (self.end or time.monotonic()) - self.start

    def kill(self) -> None:
        if self.running():
            self.proc.kill()
        self.result()


def start_lighthouse_batch(
    runs: list[tuple[str, Path]], chrome: str, categories: tuple[str, ...] = LIGHTHOUSE_CATEGORIES,
    audits: tuple[str, ...] = (), nice: int = 0,
) -> Background:
    """Start Lighthouse on each (url, report) of `runs` in turn, writing each JSON report to its
    path, with one node process and one Chromium (the one at `chrome`, launched with
    LIGHTHOUSE_CHROME_FLAGS) for all of them: tests/lighthouse_batch.mjs.

    Each page gets a run of its own with Lighthouse's defaults (a phone-sized screen,
    simulated slow CPU and network for the performance figures, a fresh tab and cleared
    cache); only the full-page screenshot, which nothing reads, is left out. `audits` adds
    single audits to the categories. The exit status is 0 when every report was written
    (a page's Lighthouse runtime error is in its report); stderr says what went wrong. `nice`:
    see `Background`."""
    job = {
        "chromePath": chrome,
        "chromeFlags": LIGHTHOUSE_CHROME_FLAGS,
        "categories": list(categories),
        "audits": list(audits),
        "runs": [{"url": url, "report": str(report)} for url, report in runs],
    }
    tmp = Path(tempfile.mkdtemp(prefix="mcref-lighthouse-job-"))
    job_file = tmp / "job.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    return Background(
        ["node", str(LIGHTHOUSE_BATCH), str(job_file)], cwd=ROOT,
        cleanup=functools.partial(shutil.rmtree, tmp, ignore_errors=True), nice=nice,
    )


def lighthouse_batch(
    runs: list[tuple[str, Path]], chrome: str, categories: tuple[str, ...] = LIGHTHOUSE_CATEGORIES,
    audits: tuple[str, ...] = (), timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """`start_lighthouse_batch`, waited for."""
    return start_lighthouse_batch(runs, chrome, categories, audits).result(timeout)[0]
