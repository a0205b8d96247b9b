"""Benchmark: how fast the site is for a reader, and how fast it builds.

Reports, for the built site served on 127.0.0.1 the way a static host serves it
(gzip for text, as GitHub Pages does):

* the whole-site build time of `mkdocs build --strict`;
* the first-visit transfer of a rule page and of a page without math (every
  request the page makes on a cold cache, bytes on the wire);
* the time until `document.fonts.ready` for both pages, median of several fresh
  browser contexts taken alternately, so that both see the same machine load;
* whether the formulas are in the HTML as delivered (no client-side typesetting).

Run it by hand:

    .venv/bin/python benchmarks/site_speed.py

The browser tests (tests/test_budget.py) use the same measurement functions and
only guard the budgets; this script prints the figures.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import mimetypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULE_PAGE = "rules/elementwise/"
PLAIN_PAGE = "404.html"  # the same theme, scripts and stylesheets, and no formula
TRANSFER_BUDGET_KIB = 450
FONTS_READY_RATIO_BUDGET = 1.5  # the target (issue 5); not met yet on the heaviest rule page, see main()
FONTS_READY_RATIO_CEILING = 4.0  # what the browser tests guard: a regression alarm, not the target
BUILD_BUDGET_S = 10.0

_COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that gzips text like a real host, mounts the site under the
    path of its site_url (as GitHub Pages serves a project site), and keeps quiet."""

    _cache: dict[str, bytes] = {}
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

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        fs_path = self.translate_path(self.path)
        if os.path.isdir(fs_path):
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the base class redirects /dir to /dir/
            fs_path = os.path.join(fs_path, "index.html")
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and fs_path.endswith(_COMPRESSIBLE) and os.path.isfile(fs_path)):
            return super().send_head()
        key = f"{fs_path}:{os.path.getmtime(fs_path)}"
        body = self._cache.get(key)
        if body is None:
            body = gzip.compress(Path(fs_path).read_bytes(), compresslevel=6)
            self._cache[key] = body
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(fs_path)[0] or "application/octet-stream")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def site_path() -> str:
    """The path part of the site's site_url ("/mcref/"), where a host serves it."""
    import re
    from urllib.parse import urlparse

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


def first_visit(browser: Any, url: str) -> dict[str, float]:
    """Load a page in a fresh context (cold cache): bytes on the wire and fonts-ready time."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes: dict[str, float] = {}
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        page.goto(url, wait_until="load")
        fonts_ready = page.evaluate("async () => { await document.fonts.ready; return performance.now(); }")
        page.wait_for_load_state("networkidle")
        return {"transfer_kib": sum(sizes.values()) / 1024, "fonts_ready_ms": fonts_ready, "requests": len(sizes)}
    finally:
        ctx.close()


def delivered_html_has_math(url: str) -> bool:
    """The formulas are in the HTML the server sends, before any script runs."""
    import urllib.request

    with urllib.request.urlopen(url) as response:  # noqa: S310 (local URL)
        html = response.read().decode("utf-8")
    return 'class="katex"' in html and 'class="arithmatex"' not in html


def compare_pages(browser: Any, base_url: str, runs: int = 5) -> dict[str, Any]:
    """Measure the rule page and the plain page alternately; medians of `runs` visits each."""
    rule, plain = [], []
    # one visit each first, discarded: the server compresses each file once and caches it
    first_visit(browser, base_url + RULE_PAGE)
    first_visit(browser, base_url + PLAIN_PAGE)
    for _ in range(runs):
        rule.append(first_visit(browser, base_url + RULE_PAGE))
        plain.append(first_visit(browser, base_url + PLAIN_PAGE))
    med = lambda xs, key: statistics.median(x[key] for x in xs)  # noqa: E731
    return {
        "rule_transfer_kib": med(rule, "transfer_kib"),
        "plain_transfer_kib": med(plain, "transfer_kib"),
        "rule_fonts_ready_ms": med(rule, "fonts_ready_ms"),
        "plain_fonts_ready_ms": med(plain, "fonts_ready_ms"),
        "ratio": med(rule, "fonts_ready_ms") / med(plain, "fonts_ready_ms"),
        "rule_requests": med(rule, "requests"),
    }


def launch_browser(playwright: Any) -> Any:
    executable = os.environ.get("MCREF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return playwright.chromium.launch(
        executable_path=executable,
        args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"],
    )


def timed_build(site: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        cold = timed_build(site)  # as after a fresh clone if .cache/ is empty: notebooks run, the PDF is printed
        builds = [timed_build(site) for _ in range(3)]  # warm: cached notebook outputs and PDF
        with serve(site) as base_url, sync_playwright() as p:
            browser = launch_browser(p)
            try:
                figures = compare_pages(browser, base_url)
                in_html = delivered_html_has_math(base_url + RULE_PAGE)
            finally:
                browser.close()
    print(f"machine: {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}")
    print(f"whole-site build (strict): first {cold:.2f} s, then best of 3 {min(builds):.2f} s "
          f"(budget {BUILD_BUDGET_S:.0f} s)")
    print(f"formulas in the delivered HTML: {in_html}")
    print(f"first-visit transfer, rule page /{RULE_PAGE}: {figures['rule_transfer_kib']:.0f} KiB "
          f"in {figures['rule_requests']:.0f} requests (budget {TRANSFER_BUDGET_KIB} KiB)")
    print(f"first-visit transfer, page without math /{PLAIN_PAGE}: {figures['plain_transfer_kib']:.0f} KiB")
    print(f"fonts ready: rule page {figures['rule_fonts_ready_ms']:.0f} ms, page without math "
          f"{figures['plain_fonts_ready_ms']:.0f} ms, ratio {figures['ratio']:.2f} (budget {FONTS_READY_RATIO_BUDGET})")


if __name__ == "__main__":
    main()
