"""Benchmark: how fast the site is for a reader, and how fast it builds.

Reports, for the built site served on 127.0.0.1 the way a static host serves it
(gzip for text, as GitHub Pages does):

* the whole-site build time of `mkdocs build --strict`;
* the first-visit transfer of a rule page (every request the page makes on a
  cold cache, bytes on the wire);
* the time until `document.fonts.ready` of each rule page and of the same page
  without math, median of several fresh browser contexts taken alternately, so
  that both see the same machine load. The page without math is the rule page
  with every formula replaced by its TeX source as plain text (same prose, same
  theme, scripts and stylesheets, no MathML and no math font); the test
  server makes it up on request as `<page>/no-math.html`. The site's 404 page,
  which has almost nothing on it, is measured too, for scale;
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULE_PAGE = "rules/elementwise/"  # the paper's rule page with the most transfer
RULE_PAGES = (  # every page that states rules, for the fonts-ready comparison
    "rules/scalar/", "rules/jacobians/", "rules/elementwise/", "rules/expansion/", "rules/reductions/",
    "rules/chain/", "rules/neuron/", "rules/loss/", "extensions/layers/", "extensions/quadratic/",
    "extensions/activations/", "extensions/softmax/", "extensions/losses/", "extensions/network/",
    "extensions/symmetric/",
)
OTHER_PAGES = ("cheatsheet/",)  # every rule's statement on one page: measured the same way, reported apart
NO_MATH = "no-math.html"  # <page>/no-math.html: the page without math, made up by the test server
EMPTY_PAGE = "404.html"  # the same theme, scripts and stylesheets, and almost nothing else
TRANSFER_BUDGET_KIB = 450
FONTS_READY_RATIO_BUDGET = 1.5  # the target (issue 5): rule page / the same page without math
FONTS_READY_RATIO_CEILING = 2.5  # what the browser tests guard: a regression alarm, not the target
BUILD_BUDGET_S = 10.0
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"  # pinned in package.json
LIGHTHOUSE_PAGES = ("", "rules/elementwise/", "extensions/network/", "cheatsheet/", "notebooks/neuron/")
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

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


def browser_path() -> str:
    return os.environ.get("MCREF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def launch_browser(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=browser_path(),
        args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"],
    )


def lighthouse(
    url: str, report: Path, chrome: str, categories: tuple[str, ...] = LIGHTHOUSE_CATEGORIES,
    audits: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Run Lighthouse (its defaults: a phone-sized screen, simulated slow CPU and network for
    the performance figures) on `url` with the Chromium at `chrome`; the JSON report goes to
    `report`. `audits` adds single audits to the categories."""
    command = [
        "node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
        "--only-categories=" + ",".join(categories),
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
    ]
    if audits:
        command.append("--only-audits=" + ",".join(audits))
    return subprocess.run(
        command, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, text=True, timeout=300, check=False
    )


def lighthouse_figures(base_url: str, chrome: str) -> list[dict[str, Any]]:
    """Lighthouse's four scores and its main timings for each page of LIGHTHOUSE_PAGES."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in LIGHTHOUSE_PAGES:
            report = Path(tmp) / "report.json"
            run = lighthouse(base_url + page, report, chrome)
            if run.returncode != 0:
                rows.append({"page": page or "(home)", "error": run.stderr.strip().splitlines()[-1:]})
                continue
            result = json.loads(report.read_text(encoding="utf-8"))
            audits = result["audits"]
            rows.append({
                "page": page or "(home)",
                **{key: result["categories"][key]["score"] for key in LIGHTHOUSE_CATEGORIES},
                **{key: audits[key]["numericValue"] for key in (
                    "first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                    "cumulative-layout-shift")},
            })
    return rows


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
                in_html = delivered_html_has_math(base_url + RULE_PAGE)
                heaviest = compare_pages(browser, base_url, RULE_PAGE)
                pages = [compare_pages(browser, base_url, page) for page in RULE_PAGES]
                others = [compare_pages(browser, base_url, page) for page in OTHER_PAGES]
            finally:
                browser.close()
            audits = lighthouse_figures(base_url, browser_path()) if LIGHTHOUSE.is_file() else []
    print(f"machine: {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; load average {os.getloadavg()[0]:.2f}")
    print(f"whole-site build (strict): first {cold:.2f} s, then best of 3 {min(builds):.2f} s "
          f"(budget {BUILD_BUDGET_S:.0f} s)")
    print(f"formulas in the delivered HTML: {in_html}")
    print(f"first-visit transfer, rule page /{RULE_PAGE}: {heaviest['rule_transfer_kib']:.0f} KiB "
          f"in {heaviest['rule_requests']:.0f} requests (budget {TRANSFER_BUDGET_KIB} KiB); "
          f"without math {heaviest['no_math_transfer_kib']:.0f} KiB; /{EMPTY_PAGE} {heaviest['empty_transfer_kib']:.0f} KiB")
    print(f"\nfonts ready, median of 5 first visits each (budget: rule page <= {FONTS_READY_RATIO_BUDGET}x "
          "the same page without math):\n")
    print("| page | rule page | without math | ratio | 404 page | ratio to 404 |")
    print("|---|---:|---:|---:|---:|---:|")
    for f in pages + others:
        print(f"| {f['page']} | {f['rule_fonts_ready_ms']:.0f} ms | {f['no_math_fonts_ready_ms']:.0f} ms | "
              f"{f['ratio']:.2f} | {f['empty_fonts_ready_ms']:.0f} ms | {f['ratio_to_empty']:.2f} |")
    within = sum(f["ratio"] <= FONTS_READY_RATIO_BUDGET for f in pages)
    print(f"\n{within} of {len(pages)} rule pages within {FONTS_READY_RATIO_BUDGET}x of the same page without math; "
          f"worst {max(f['ratio'] for f in pages):.2f} ({max(pages, key=lambda f: f['ratio'])['page']}); "
          + "; ".join(f"{f['page']} {f['ratio']:.2f}" for f in others))
    if not audits:
        print(f"\nLighthouse: not run ({LIGHTHOUSE} is missing; npm ci installs it)")
        return
    print("\nLighthouse (its defaults: phone screen, simulated slow 4G and 4x slower CPU; scores 0 to 1):\n")
    print("| page | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in audits:
        if "error" in r:
            print(f"| {r['page']} | failed: {r['error']} |")
            continue
        print(f"| {r['page']} | {r['performance']:.2f} | {r['accessibility']:.2f} | {r['best-practices']:.2f} | "
              f"{r['seo']:.2f} | {r['first-contentful-paint']:.0f} ms | {r['largest-contentful-paint']:.0f} ms | "
              f"{r['total-blocking-time']:.0f} ms | {r['cumulative-layout-shift']:.3f} |")


if __name__ == "__main__":
    main()
