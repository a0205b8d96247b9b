"""Benchmark: the Derive page's in-browser engine (issue 19), in headless Chromium on 127.0.0.1.

Reports, for the built site served the way tests/served_site.py serves it (gzip for text):

* cold: the time from pressing Enter to the first answer on a first visit (an empty browser cache:
  the runtime, SymPy and the engine are fetched, compiled and imported); a fresh context each run;
* warm: the same on a second visit, a new page in the same context (the browser's HTTP cache and
  its cache of compiled WebAssembly hold the runtime);
* later answers: the time from Enter to the answer for the gallery's median expression (the entry
  whose CPython time is the median of the gallery's, measured here first), once the engine runs,
  and the median and worst over every gallery entry.
* the one-time download: the bytes the worker fetched, on the wire and unpacked.

Run it by hand (the targets of issue 19: under 8 s cold, under 1 s per later answer):

    .venv/bin/python benchmarks/derive_live.py [--site DIR] [--runs N]

Without --site it builds the site first (strict, no cheat sheet PDF). Timings depend on the machine
and its load: the figures on docs/derive.md say where and when they were taken.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the shared helpers live in tests/ and hooks/
    sys.path.insert(0, str(ROOT))

from hooks.derive_gallery import entries  # noqa: E402
from mcref.engine import derive  # noqa: E402
from tests.served_site import launch_browser, serve  # noqa: E402

PAGE = "derive/"
ANSWERED = "n => Number(document.querySelector('.mcref-live__answer').dataset.answered || 0) > n"


def median_entry() -> Any:
    """The gallery entry whose CPython derive time (median of 3) is the gallery's median."""
    timed = []
    for e in entries():
        times = []
        for _ in range(3):
            start = time.perf_counter()
            derive(e.expr, e.wrt, e.shapes)
            times.append(time.perf_counter() - start)
        timed.append((statistics.median(times), e))
    timed.sort(key=lambda t: t[0])
    return timed[len(timed) // 2][1]


def answer(page: Any, expr: str, wrt: str, shapes: str | None, timeout: int = 180_000) -> float:
    """Seconds from Enter to the answer shown."""
    before = int(page.evaluate("document.querySelector('.mcref-live__answer').dataset.answered || 0"))
    page.fill("#live-expr", expr)
    page.fill("#live-wrt", wrt)
    page.fill("#live-shapes", shapes or "")
    start = time.perf_counter()
    page.press("#live-expr", "Enter")
    page.wait_for_function(ANSWERED, arg=before, timeout=timeout, polling=20)
    seconds = time.perf_counter() - start
    error = page.evaluate("document.querySelector('.mcref-live__error pre')?.textContent ?? null")
    if error:
        raise RuntimeError(f"{expr!r}: {error}")
    return seconds


def visit(ctx: Any, base_url: str, entry: Any) -> tuple[Any, float, dict[str, float]]:
    """A new page of `ctx` on the Derive page, and the time to its first answer."""
    page = ctx.new_page()
    page.goto(base_url + PAGE, wait_until="load")
    seconds = answer(page, entry.expr, entry.wrt, entry.shapes)
    phases = json.loads(page.get_attribute(".mcref-live", "data-boot-phases") or "{}")
    return page, seconds, phases


def build(site: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MCREF_CHEATSHEET_PDF": "off"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)


def measure(site: Path, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    entry = median_entry()
    gallery = entries()
    out: dict[str, Any] = {"median_entry": f"{entry.id}: {entry.expr} by {entry.wrt}"}
    with serve(site) as base_url, sync_playwright() as p:
        browser = launch_browser(p)
        try:
            cold, warm, later, boots = [], [], [], []
            wire: dict[str, int] = {}
            for run in range(runs):
                ctx = browser.new_context()
                sizes: dict[str, int] = {}
                if run == 0:

                    def record(response: Any, sizes: dict[str, int] = sizes) -> None:
                        if "/assets/derive-live/" in response.url:  # by URL: a worker's response may come twice
                            sizes[response.url] = int(response.headers.get("content-length", "0"))

                    ctx.on("response", record)
                first, seconds, phases = visit(ctx, base_url, entry)
                cold.append(seconds)
                boots.append(phases)
                wire = wire or sizes
                first.close()
                second, seconds, _ = visit(ctx, base_url, entry)
                warm.append(seconds)
                later += [answer(second, entry.expr, entry.wrt, entry.shapes) for _ in range(5)]
                if run == 0:
                    each = [answer(second, e.expr, e.wrt, e.shapes) for e in gallery]
                ctx.close()
        finally:
            browser.close()
    unpacked = sum(f.stat().st_size for f in (site / "assets" / "derive-live").iterdir() if f.name != "manifest.json")
    out.update(
        cold_s=[round(s, 2) for s in cold],
        warm_s=[round(s, 2) for s in warm],
        boot_phases_cold_s=boots,
        later_median_entry_s=round(statistics.median(later), 3),
        later_gallery_median_s=round(statistics.median(each), 3),
        later_gallery_worst_s=round(max(each), 3),
        download_wire_mb=round(sum(wire.values()) / 1e6, 1),
        download_unpacked_mb=round(unpacked / 1e6, 1),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    parser.add_argument("--runs", type=int, default=3, help="cold and warm visits, each in a fresh context")
    args = parser.parse_args()
    if args.site is not None:
        figures = measure(args.site, args.runs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp) / "site")
            figures = measure(Path(tmp) / "site", args.runs)
    print(json.dumps(figures, indent=2))
    print(
        f"\nfirst answer: cold median {statistics.median(figures['cold_s']):.1f} s, "
        f"warm median {statistics.median(figures['warm_s']):.1f} s; later answers: "
        f"{figures['later_median_entry_s']:.2f} s for the median entry ({figures['median_entry']}), "
        f"gallery median {figures['later_gallery_median_s']:.2f} s, worst {figures['later_gallery_worst_s']:.2f} s; "
        f"one-time download {figures['download_wire_mb']} MB on the wire "
        f"({figures['download_unpacked_mb']} MB unpacked)"
    )


if __name__ == "__main__":
    main()
