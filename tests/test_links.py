"""Every link on the served site resolves, #anchors included: linkchecker over HTTP.

`mkdocs build --strict` with `validation:` already fails on a broken markdown link or
anchor. This test also covers what mkdocs does not see: raw HTML links (`<a href>` in
markdown, templates, the 404 page), links inside executed notebooks, and autorefs to
the API pages. linkchecker crawls the site from its home page (and from the 404 page,
which nothing links to) as the test server serves it, with its AnchorCheck plugin on
and external URLs left alone (checkextern=0), and must report no error and no warning.

Two adjustments keep the run short. Measured on 2026-11-26 over 543 URLs and 30 pages
of up to 1.2 MB of KaTeX markup: stock linkchecker had not finished after 11 minutes;
with the first adjustment alone it took 2 min 51 s, with the second alone 8 min 52 s,
with both 19 s (and 29 to 33 s for the 753 URLs the test server's /mcref/ paths give).

* AnchorCheck downloads and parses a page again for every #fragment that points into
  it (its cache key includes the fragment when the plugin is on); the API reference
  (one page then) was the target of 441 fragments. The runner below keeps each page's list of anchors
  after the first parse and checks each fragment against it with the plugin's own
  `check_anchor`; `nofollow=[#]` stops linkchecker from parsing a page again for links
  under every #fragment URL (the page itself, without a fragment, is still crawled).
* linkchecker waits 0.1 to 0.6 s between two requests to one host, unless the server
  answers with a `LinkChecker` header; the test server is ours and local, so the
  runner removes that floor (maxrequestspersecond=1000).

A small fixture site with known breaks proves that this setup still reports a missing
page and a missing anchor on another page and on the same page.

Two threads, not ten: the crawl is CPU-bound in one Python process (parsing pages), and more
threads only contend for the interpreter. Measured on 2026-12-06 over the 95 pages, one run
each on a quiet machine: 60 CPU-s with 10 threads, 53 with 4, 47 with 2, 45 with 1, with the
wall time close to the CPU time in each.

linkchecker writes into $HOME, so HOME points at a temporary directory. Run as root
(as CI does), stock linkchecker switches to the user nobody, a guard for crawling the web
as root; nobody may not be able to enter the checkout (a fresh clone under a 0700
directory) to load linkchecker's plugins. It crawls only our own server on 127.0.0.1
here, so the runner keeps the user it was started as.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EARLY_LINKCHECK, BuiltSite
from tests.served_site import Background, serve

CONFIG = textwrap.dedent(
    """\
    [checking]
    threads=2
    maxrequestspersecond=1000
    [filtering]
    checkextern=0
    nofollow=[#]
    [output]
    status=0
    [AnchorCheck]
    """
)

# linkchecker, with AnchorCheck parsing each page once and no politeness delay (see the module docstring).
RUNNER = textwrap.dedent(
    """\
    import collections, sys, threading
    from linkcheck.director.aggregator import Aggregate
    from linkcheck.htmlutil import linkparse
    from linkcheck.plugins import anchorcheck

    _anchors, _guard = {}, threading.Lock()
    _locks = collections.defaultdict(threading.Lock)

    def check(self, url_data):
        page = url_data.url.split("#", 1)[0]
        with _guard:
            lock = _locks[page]
        with lock:
            found = _anchors.get(page)
            if found is None:
                found = anchorcheck.UrlAnchorCheck()
                linkparse.find_links(url_data.get_soup(), found.add_anchor, linkparse.AnchorTags)
                _anchors[page] = found
        found.check_anchor(url_data)

    anchorcheck.AnchorCheck.check = check
    Aggregate.wait_time_min_default = Aggregate.wait_time_max_default = 0.0

    from linkcheck.command import linkchecker as command
    command.drop_privileges = lambda: None  # only 127.0.0.1 is crawled (see the module docstring)
    sys.argv[0] = "linkchecker"
    sys.exit(command.linkchecker())
    """
)

SUMMARY = re.compile(r"(\d+) links? in (\d+) URLs? checked\. (\d+) warnings? found\. (\d+) errors? found\.")


@contextlib.contextmanager
def linkchecker_home() -> Iterator[Path]:
    """A fresh HOME with the configuration file."""
    home = Path(tempfile.mkdtemp(prefix="mcref-linkchecker-"))
    try:
        (home / "linkcheckerrc").write_text(CONFIG, encoding="utf-8")
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


class LinkcheckerRun:
    """linkchecker crawling `urls` in a process of its own, started at once: `result` waits for it."""

    def __init__(self, *urls: str, nice: int = 0) -> None:
        spec = importlib.util.find_spec("linkcheck")
        if spec is None or spec.origin is None:
            pytest.fail(
                "linkchecker is not installed; it is in the test extras, which ./dev test installs", pytrace=False
            )
        self._home = linkchecker_home()
        home = self._home.__enter__()
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
        }
        self.run = Background(
            [sys.executable, "-c", RUNNER, "-f", str(home / "linkcheckerrc"), "--no-status", *urls],
            cwd=home, env=env, cleanup=lambda: self._home.__exit__(None, None, None), nice=nice,
        )

    def running(self) -> bool:
        return self.run.running()

    def kill(self) -> None:
        self.run.kill()

    def result(self, timeout: float = 600) -> tuple[subprocess.CompletedProcess[str], float]:
        """The finished run and the seconds it ran."""
        return self.run.result(timeout)


def run_linkchecker(*urls: str) -> tuple[subprocess.CompletedProcess[str], float]:
    return LinkcheckerRun(*urls).result()


def summary(proc: subprocess.CompletedProcess[str]) -> dict[str, int]:
    match = SUMMARY.search(proc.stdout)
    assert match, f"no summary line in linkchecker's output (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    links, urls, warnings, errors = map(int, match.groups())
    return {"links": links, "urls": urls, "warnings": warnings, "errors": errors}


def test_linkchecker_setup_reports_broken_pages_and_anchors(tmp_path: Path) -> None:
    """The configuration and runner above do catch what they are meant to catch."""
    (tmp_path / "index.html").write_text(
        '<html><body><h1 id="top">Home</h1>'
        '<a href="other.html#here">fine</a> <a href="#top">fine too</a>'
        '<a href="other.html#gone">missing anchor on another page</a>'
        '<a href="#nowhere">missing anchor on this page</a>'
        '<a href="missing.html">missing page</a></body></html>',
        encoding="utf-8",
    )
    (tmp_path / "other.html").write_text('<html><body><p id="here">x</p></body></html>', encoding="utf-8")
    with serve(tmp_path, prefix="/") as url:
        proc, _ = run_linkchecker(url)
    found = summary(proc)
    report = proc.stdout
    text = " ".join(report.split())  # the text output wraps long lines
    assert proc.returncode == 1, report
    missing_page = rf"Real URL {re.escape(url)}missing\.html .*?Result Error: 404"
    assert found["errors"] == 1 and re.search(missing_page, text), report
    assert found["warnings"] == 2, report
    assert "Anchor `gone' (decoded: `gone') not found" in text, report
    assert "Anchor `nowhere' (decoded: `nowhere') not found" in text, report


def test_served_site_has_no_broken_link_or_anchor(
    site: BuiltSite, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    """The crawl may have begun early, while the tests that need no site ran (tests/conftest.py
    starts it as soon as the site is built); otherwise it runs now."""
    run = request.config.stash.get(EARLY_LINKCHECK, None)
    when = "started early, beside the tests that need no site"
    if run is None:
        base_url = request.getfixturevalue("base_url")
        run, when = LinkcheckerRun(base_url, base_url + "404.html"), "run now"
    proc, seconds = run.result()
    found = summary(proc)
    with capsys.disabled():
        print(
            f"\nlinkchecker: {found['urls']} URLs ({found['links']} links) checked in {seconds:.1f} s, "
            f"{found['warnings']} warnings, {found['errors']} errors ({when})"
        )
    assert proc.returncode == 0 and found["errors"] == 0 and found["warnings"] == 0, (
        f"linkchecker found {found['errors']} errors and {found['warnings']} warnings "
        f"(exit {proc.returncode}) in {seconds:.1f} s:\n{proc.stdout}\n{proc.stderr}"
    )
    # a crawl that stopped at the home page would also report nothing
    assert found["urls"] > 200, f"only {found['urls']} URLs checked: the crawl did not reach the site\n{proc.stdout}"
