"""Lighthouse's accessibility, best-practices and SEO audits score 1 on the served site.

axe (tests/test_accessibility.py) already checks every page; Lighthouse adds what a
reviewer's audit looks at beyond it: console errors and deprecated APIs, the document's
title, language, description and charset, crawlable links, a valid robots.txt, tap
targets and font sizes on a phone-sized screen. (Lighthouse audits a page once it is quiet,
which may be before or while docs/assets/a11y.js draws the parts skipped at load; the tap
targets are checked in each of those states, without Lighthouse's timing, by
test_tap_targets_pass_however_far_the_drawing_has_got in tests/test_accessibility.py.)
It runs against the built site served on 127.0.0.1, with the same system Chromium as
the other browser tests, on one page of each kind: the home page, a rule page, the longest
extension page, the cheat sheet and an executed notebook; and on a small page with known
faults, served on a port of its own, which shows the reading of the reports still finds
what is wrong.

Lighthouse runs once per session over all six pages (the `lighthouse_reports` fixture):
one node process, one Chromium, a run of Lighthouse's own for each page in turn
(tests/lighthouse_batch.mjs), which saves starting node and a browser five times. Each
test reads its page's report; if the batch as a whole failed (an exit status other than
0, a missing report), every test fails with the end of its stderr.

The performance category is left out here: its score depends on the machine's load,
so it is reported by the benchmark (benchmarks/site_speed.py), not asserted by a test.
One of its measures does not depend on load and is checked: cumulative layout shift,
on Lighthouse's emulated phone, at most 0.1.

Lighthouse and chrome-launcher are pinned in package.json (devDependencies); `./dev test`
installs them with npm ci. The JSON reports are saved under the session's temporary
folder, and a page's failure message names its report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import IN_CI, chromium_path
from tests.served_site import LIGHTHOUSE, LIGHTHOUSE_PAGES, lighthouse_batch, serve

# One batch per run: under pytest-xdist (./dev test) every test here goes to the same process.
pytestmark = pytest.mark.xdist_group("lighthouse")

CATEGORIES = ("accessibility", "best-practices", "seo")
AUDITS = ("network-requests", "cumulative-layout-shift")
CLS_CEILING = 0.1  # "good" in Google's Web Vitals
PAGES = LIGHTHOUSE_PAGES
BAD = "bad page"  # the key of the page with known faults among the session's reports
BAD_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"></head><body>'
    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">'
    '<a href="javascript:void(0)">here</a><script>console.error("boom")</script></body></html>'
)


def _page_id(page: str) -> str:
    return page or "home"


@dataclass
class Batch:
    """The session's one Lighthouse run over every page: its exit status, stderr and reports."""

    returncode: int
    stderr: str
    reports: dict[str, Path]  # a page of PAGES, or BAD -> its JSON report (the pages this session tests)

    def result(self, page: str) -> tuple[dict[str, Any], Path]:
        """The page's report, read; a failed batch or a missing report fails the test."""
        report = self.reports[page]
        if self.returncode != 0 or not report.is_file():
            pytest.fail(
                f"the Lighthouse batch failed (exit {self.returncode}; report for {_page_id(page)} "
                f"{'written' if report.is_file() else 'missing'}):\n{self.stderr[-3000:]}"
            )
        return json.loads(report.read_text(encoding="utf-8")), report


def _selected(session: pytest.Session) -> list[str]:
    """The pages (and BAD) whose tests this session runs: with `-k`, only those are audited."""
    names = {item.name for item in session.items}
    pages = [page for page in PAGES if f"test_lighthouse_scores_one[{_page_id(page)}]" in names]
    if "test_lighthouse_reports_a_bad_page" in names:
        pages.append(BAD)
    return pages or [*PAGES, BAD]


@pytest.fixture(scope="session")
def lighthouse_reports(
    request: pytest.FixtureRequest, base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Batch:
    """Lighthouse on the pages of PAGES and on the bad page, one after the other in one
    Chromium (tests/lighthouse_batch.mjs); the bad page has a server of its own."""
    if not LIGHTHOUSE.is_file():
        pytest.fail(f"{LIGHTHOUSE} is missing: lighthouse is a devDependency in package.json; ./dev test installs it")
    executable = chromium_path()
    if executable is None:
        if IN_CI:
            pytest.fail("No Chromium found, and CI=true makes a missing browser a failure")
        pytest.skip("No Chromium found (see tests/conftest.py for how to install one)")
    tmp = tmp_path_factory.mktemp("lighthouse")
    site = tmp / "bad-site"
    site.mkdir()
    (site / "index.html").write_text(BAD_PAGE, encoding="utf-8")
    reports = {page: tmp / f"{n}-{_page_id(page).strip('/').replace('/', '-')}.json" for n, page in enumerate(PAGES)}
    reports[BAD] = tmp / "bad-page.json"
    reports = {page: reports[page] for page in _selected(request.session)}
    with serve(site, prefix="/") as bad_url:
        urls = {**{page: base_url + page for page in PAGES}, BAD: bad_url}
        run = lighthouse_batch([(urls[key], reports[key]) for key in reports], executable, CATEGORIES, AUDITS)
    return Batch(run.returncode, run.stderr, reports)


def _shortfalls(result: dict[str, Any]) -> list[str]:
    """Each category below 1, with the audits in it that did not pass."""
    lines = []
    for key in CATEGORIES:
        category = result["categories"][key]
        if category["score"] == 1:
            continue
        lines.append(f"{category['title']}: {category['score']}")
        for ref in category["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref["weight"] > 0 and audit.get("score") is not None and audit["score"] < 1:
                lines.append(f"    {ref['id']} (weight {ref['weight']}): {audit['title']}")
    return lines


@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_lighthouse_scores_one(lighthouse_reports: Batch, base_url: str, path: str) -> None:
    result, report = lighthouse_reports.result(path)
    assert not result.get("runtimeError"), result["runtimeError"]
    assert result["finalDisplayedUrl"].startswith(base_url), result["finalDisplayedUrl"]
    # Lighthouse's browser is not confined to the local host as the playwright one is:
    # its own record of the page's requests must show that none left it.
    # (data: and blob: URLs are made inside the page and have no host.)
    local = urlsplit(base_url).netloc
    urls = [urlsplit(r["url"]) for r in result["audits"]["network-requests"]["details"]["items"]]
    assert any(u.netloc == local for u in urls), "no request to the local server recorded: the check is blind"
    elsewhere = sorted({u.geturl() for u in urls if u.scheme not in ("data", "blob") and u.netloc != local})
    assert not elsewhere, f"/{path} requested other hosts: {elsewhere[:10]}"
    # Layout shift, from the performance category: not a matter of machine load, and readers
    # feel it. Text in a web font that arrives late is laid out again when it lands, so a
    # formula on the first screen could move (hooks/mathml.py preloads the math font).
    shift = result["audits"]["cumulative-layout-shift"]
    assert shift["numericValue"] <= CLS_CEILING, f"/{path}: layout shift {shift['numericValue']:.3f} (report: {report})"
    problems = _shortfalls(result)
    assert not problems, f"Lighthouse on /{path} (full report: {report}):\n" + "\n".join(problems)


def test_lighthouse_reports_a_bad_page(lighthouse_reports: Batch) -> None:
    """The same run and reading, on a page with known faults, must report them."""
    result, _ = lighthouse_reports.result(BAD)
    problems = "\n".join(_shortfalls(result))
    for expected in ("image-alt", "html-has-lang", "document-title", "errors-in-console", "meta-description"):
        assert expected in problems, f"{expected} not reported:\n{problems}"
