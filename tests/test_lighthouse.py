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
(tests/lighthouse_batch.mjs), which saves starting node and a browser five times. It is
started as soon as the site is built, beside the tests that need no site (tests/conftest.py,
EARLY_LIGHTHOUSE): Lighthouse waits for each page to go quiet, so most of its minute costs the
other tests nothing. Each test reads its page's report; if the batch as a whole failed (an exit status other than
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

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import EARLY_LIGHTHOUSE, IN_CI, BuiltSite, chromium_path
from tests.served_site import LIGHTHOUSE, LIGHTHOUSE_PAGES, serve, start_lighthouse_batch

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
    base_url: str  # the address the site was served at for the run
    seconds: float  # how long the run took

    def result(self, page: str) -> tuple[dict[str, Any], Path]:
        """The page's report, read; a failed batch or a missing report fails the test."""
        report = self.reports[page]
        if self.returncode != 0 or not report.is_file():
            pytest.fail(
                f"the Lighthouse batch failed (exit {self.returncode}; report for {_page_id(page)} "
                f"{'written' if report.is_file() else 'missing'}):\n{self.stderr[-3000:]}"
            )
        return json.loads(report.read_text(encoding="utf-8")), report


def selected(session: pytest.Session) -> list[str]:
    """The pages (and BAD) whose tests this session runs: with `-k`, only those are audited."""
    names = {item.name for item in session.items if item.nodeid.startswith("tests/test_lighthouse.py::")}
    pages = [page for page in PAGES if f"test_lighthouse_scores_one[{_page_id(page)}]" in names]
    if "test_lighthouse_reports_a_bad_page" in names:
        pages.append(BAD)
    return pages or [*PAGES, BAD]


def can_run() -> bool:
    """Lighthouse and a Chromium are installed (the fixture says what is missing when not)."""
    return LIGHTHOUSE.is_file() and chromium_path() is not None


class LighthouseRun:
    """Lighthouse on `keys` (pages of PAGES, and BAD) of the site served at `base_url`, one after the
    other in one Chromium (tests/lighthouse_batch.mjs), started at once in a process of its own; the
    bad page has a server of its own, kept until the run ends. `batch` waits for it. tests/conftest.py
    starts one early, beside the tests that need no site: Lighthouse spends most of its time waiting
    for each page to go quiet, which costs the other tests little."""

    def __init__(self, base_url: str, keys: list[str], folder: Path, nice: int = 0) -> None:
        executable = chromium_path()
        assert executable is not None, "can_run() says when there is no Chromium"
        self.base_url = base_url
        self._servers = contextlib.ExitStack()
        site = folder / "bad-site"
        site.mkdir()
        (site / "index.html").write_text(BAD_PAGE, encoding="utf-8")
        reports = {page: folder / f"{n}-{_page_id(page).strip('/').replace('/', '-')}.json"
                   for n, page in enumerate(PAGES)}
        reports[BAD] = folder / "bad-page.json"
        self.reports = {key: reports[key] for key in keys}
        bad_url = self._servers.enter_context(serve(site, prefix="/"))
        urls = {**{page: base_url + page for page in PAGES}, BAD: bad_url}
        try:
            self.run = start_lighthouse_batch(
                [(urls[key], self.reports[key]) for key in self.reports], executable, CATEGORIES, AUDITS, nice=nice
            )
        except BaseException:
            self._servers.close()
            raise

    def running(self) -> bool:
        return self.run.running()

    def kill(self) -> None:
        self.run.kill()
        self._servers.close()

    def batch(self) -> Batch:
        try:
            proc, seconds = self.run.result()
        finally:
            self._servers.close()
        return Batch(proc.returncode, proc.stderr, self.reports, self.base_url, seconds)


@pytest.fixture(scope="session")
def lighthouse_reports(
    request: pytest.FixtureRequest, site: BuiltSite, tmp_path_factory: pytest.TempPathFactory
) -> Batch:
    """The Lighthouse run started early (tests/conftest.py), or, if it was not, one run now. (It
    asks for the built site, which makes its tests run with the site's: tests/conftest.py.)"""
    run = request.config.stash.get(EARLY_LIGHTHOUSE, None)
    if run is None:
        if not LIGHTHOUSE.is_file():
            pytest.fail(f"{LIGHTHOUSE} is missing: it is a devDependency in package.json; ./dev test installs it")
        if chromium_path() is None:
            if IN_CI:
                pytest.fail("No Chromium found, and CI=true makes a missing browser a failure")
            pytest.skip("No Chromium found (see tests/conftest.py for how to install one)")
        base_url = request.getfixturevalue("base_url")
        run = LighthouseRun(base_url, selected(request.session), tmp_path_factory.mktemp("lighthouse"))
    return run.batch()


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
def test_lighthouse_scores_one(lighthouse_reports: Batch, path: str) -> None:
    result, report = lighthouse_reports.result(path)
    base_url = lighthouse_reports.base_url
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

