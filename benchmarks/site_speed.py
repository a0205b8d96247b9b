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

The browser tests (tests/test_budget.py) use the same measurement functions, from
tests/served_site.py (the tests never import from benchmarks/), and only guard the
budgets; this script prints the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the shared helpers live in tests/served_site.py
    sys.path.insert(0, str(ROOT))

from tests.served_site import (  # noqa: E402
    EMPTY_PAGE,
    FONTS_READY_RATIO_BUDGET,
    LIGHTHOUSE,
    LIGHTHOUSE_CATEGORIES,
    LIGHTHOUSE_PAGES,
    RULE_PAGE,
    TRANSFER_BUDGET_KIB,
    chromium_path,
    compare_pages,
    delivered_html_has_math,
    launch_browser,
    lighthouse_batch,
    serve,
)

RULE_PAGES = (  # every page that states rules, for the fonts-ready comparison
    "rules/scalar/", "rules/jacobians/", "rules/elementwise/", "rules/expansion/", "rules/reductions/",
    "rules/chain/", "rules/neuron/", "rules/loss/", "extensions/layers/", "extensions/quadratic/",
    "extensions/activations/", "extensions/softmax/", "extensions/losses/", "extensions/network/",
    "extensions/symmetric/",
)
OTHER_PAGES = ("cheatsheet/",)  # every rule's statement on one page: measured the same way, reported apart
BUILD_BUDGET_S = 10.0


def lighthouse_figures(base_url: str, chrome: str) -> list[dict[str, Any]]:
    """Lighthouse's four scores and its main timings for each page of LIGHTHOUSE_PAGES (one
    batch: one node process and one Chromium for all the pages, each page a run of its own)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(base_url + page, Path(tmp) / f"{n}.json") for n, page in enumerate(LIGHTHOUSE_PAGES)]
        batch = lighthouse_batch(runs, chrome)
        for page, (_, report) in zip(LIGHTHOUSE_PAGES, runs, strict=True):
            if not report.is_file():
                rows.append({"page": page or "(home)", "error": batch.stderr.strip().splitlines()[-1:]})
                continue
            result = json.loads(report.read_text(encoding="utf-8"))
            if result.get("runtimeError"):
                rows.append({"page": page or "(home)", "error": result["runtimeError"].get("message")})
                continue
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
            executable = chromium_path() or "/usr/bin/chromium"
            audits = lighthouse_figures(base_url, executable) if LIGHTHOUSE.is_file() else []
    print(f"machine: {os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; load average {os.getloadavg()[0]:.2f}")
    print(f"whole-site build (strict): first {cold:.2f} s, then best of 3 {min(builds):.2f} s "
          f"(budget {BUILD_BUDGET_S:.0f} s)")
    print(f"formulas in the delivered HTML: {in_html}")
    print(f"first-visit transfer, rule page /{RULE_PAGE}: {heaviest['rule_transfer_kib']:.0f} KiB "
          f"in {heaviest['rule_requests']:.0f} requests (budget {TRANSFER_BUDGET_KIB} KiB); "
          f"without math {heaviest['no_math_transfer_kib']:.0f} KiB; "
          f"/{EMPTY_PAGE} {heaviest['empty_transfer_kib']:.0f} KiB")
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
