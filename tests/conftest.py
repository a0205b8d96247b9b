"""Shared fixtures: the built site, a local web server for it, and a headless browser."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from hypothesis import settings

from tests.served_site import CHROMIUM_ARGS, chromium_path, serve

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests: a fixed, reproducible run in CI; a fresh random one on a laptop.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40)
settings.register_profile("dev", deadline=None, max_examples=40)
settings.load_profile("ci" if IN_CI else "dev")


@dataclass(frozen=True)
class BuiltSite:
    path: Path
    returncode: int
    log: str

    def pages(self) -> list[Path]:
        """Every HTML page of the site, the 404 page included."""
        return sorted(self.path.rglob("*.html"))


def mkdocs_command(config: Path, site_dir: Path) -> list[str]:
    """`mkdocs build --strict` exactly as a reader runs it: no -q, which would hide warnings."""
    return [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site_dir)]


def mkdocs_env() -> dict[str, str]:
    """The environment of a build: this process's as it is now (tests set variables for a probe)."""
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def mkdocs_build(config: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    """Build `config` into `site_dir` and wait for it (the probe builds of the site tests)."""
    return subprocess.run(
        mkdocs_command(config, site_dir), cwd=config.parent, env=mkdocs_env(), capture_output=True, text=True,
        timeout=300,
    )


# The tests that need the built site or a browser run last, and the site is built in the background
# while the others (the library, its doctests and code blocks, the probe builds) run: the build is
# one process, and so is the rest of the suite, on a machine with two cores.
SITE_FIXTURES = frozenset({"built_site", "browser"})
BUILD_TIMEOUT = 600  # seconds, counted from when a test first waits for the build


def needs_site(item: pytest.Item) -> bool:
    return bool(SITE_FIXTURES & set(getattr(item, "fixturenames", ())))


@dataclass
class _Build:
    proc: subprocess.Popen[bytes]
    site: Path
    log: Path


_background: dict[str, _Build] = {}
_early = contextlib.ExitStack()  # what the early jobs need: the server of the built site

# The Lighthouse batch (tests/test_lighthouse.py) runs in processes of its own. Once the site is
# built, it is started while the tests that need no site are still running: those use one core,
# Lighthouse mostly waits (for the server, for each page to go quiet). It is started only if one of
# its tests is selected, and never once the browser tests have begun, some of which measure
# time-sensitive things such as layout shifts. Its tests collect the results. It runs at a lower
# priority (EARLY_NICENESS): the tests in the foreground are the run's critical path (the library
# tests, then the browser tests, one after the other), and the early job takes what CPU time those
# leave, until the end of the run if need be.
EARLY_NICENESS = 10
EARLY_LIGHTHOUSE = pytest.StashKey[Any]()
_EARLY_WANTED = pytest.StashKey[dict[str, bool]]()
_EARLY_STARTED = pytest.StashKey[bool]()
LIGHTHOUSE_TESTS = "tests/test_lighthouse.py::"


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they deselect
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=needs_site)  # stable: each group keeps its order


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start building the site if a selected test will need it (one process only: under
    pytest-xdist the workers share one build through a lock, see `built_site`)."""
    if session.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(needs_site(item) for item in session.items):
        folder = Path(tempfile.mkdtemp(prefix="mcref-site-"))
        site, log = folder / "site", folder / "build.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                mkdocs_command(ROOT / "mkdocs.yml", site), cwd=ROOT, env=mkdocs_env(), stdout=out,
                stderr=subprocess.STDOUT,
            )
        _background["site"] = _Build(proc, site, log)
        session.config.stash[_EARLY_WANTED] = {
            "lighthouse": any(item.nodeid.startswith(LIGHTHOUSE_TESTS) for item in session.items),
        }


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Start the early job (see EARLY_NICENESS) if the site is built and the tests that need no
    site are still running."""
    config = item.config
    build = _background.get("site")
    wanted = config.stash.get(_EARLY_WANTED, {})
    if (
        build is None or not any(wanted.values()) or config.stash.get(_EARLY_STARTED, False)
        or needs_site(item) or nextitem is None or needs_site(nextitem) or build.proc.poll() != 0
    ):
        return
    config.stash[_EARLY_STARTED] = True  # once, whether or not each job could start
    url = _early.enter_context(serve(build.site))
    if wanted["lighthouse"]:
        from tests.test_lighthouse import LighthouseRun, can_run, selected

        if can_run():  # (otherwise its fixture says what is missing)
            folder = Path(tempfile.mkdtemp(prefix="mcref-lighthouse-"))
            config.stash[EARLY_LIGHTHOUSE] = LighthouseRun(
                url, selected(item.session), folder, nice=EARLY_NICENESS
            )
            # the reports are kept when a test failed: its message names its report
            _early.callback(lambda: shutil.rmtree(folder, ignore_errors=True) if not item.session.testsfailed else None)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for key in (EARLY_LIGHTHOUSE,):
        early = session.config.stash.get(key, None)
        if early is not None and early.running():  # (its test was not reached)
            early.kill()
    _early.close()
    build = _background.pop("site", None)
    if build is not None:
        if build.proc.poll() is None:  # the run ended (or was stopped) before a test waited for it
            build.proc.kill()
            build.proc.wait()
        shutil.rmtree(build.site.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> BuiltSite:
    """The site, built once per run: in the background from the start of the run (above), or,
    under pytest-xdist, by the first worker to get here while the others wait for it and read
    the same folder. Either way a run builds (and runs the notebooks) once."""
    if worker_id == "master":  # not under xdist
        build = _background.get("site")
        if build is None:  # (a test asked for the site without being collected as needing it)
            site = tmp_path_factory.mktemp("site") / "site"
            proc = mkdocs_build(ROOT / "mkdocs.yml", site)
            return BuiltSite(site, proc.returncode, proc.stdout + proc.stderr)
        returncode = build.proc.wait(timeout=BUILD_TIMEOUT)
        return BuiltSite(build.site, returncode, build.log.read_text(encoding="utf-8", errors="replace"))
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's own
    site, record = shared / "site", shared / "site-build.json"
    with FileLock(str(shared / "site-build.lock")):
        if not record.is_file():
            proc = mkdocs_build(ROOT / "mkdocs.yml", site)
            record.write_text(json.dumps([proc.returncode, proc.stdout + proc.stderr]), encoding="utf-8")
    returncode, log = json.loads(record.read_text(encoding="utf-8"))
    return BuiltSite(site, returncode, log)


@pytest.fixture(scope="session")
def site(built_site: BuiltSite) -> BuiltSite:
    """The built site, for tests that need it to exist; fails at once if the build failed."""
    if built_site.returncode != 0:
        problems = [line for line in built_site.log.splitlines() if "WARNING" in line or "ERROR" in line]
        pytest.fail(
            f"mkdocs build --strict failed (exit {built_site.returncode}); the full log is in "
            "test_strict_build_passes_with_zero_warnings. First problems:\n" + "\n".join(problems[:10]),
            pytrace=False,
        )
    return built_site


@pytest.fixture(scope="session")
def base_url(site: BuiltSite) -> Iterator[str]:
    """The built site served on 127.0.0.1 at a free port, gzipped like a static host serves it."""
    with serve(site.path) as url:
        yield url


HOW_TO_GET_A_BROWSER = (
    "The browser tests drive a system Chromium through playwright (playwright's own browser "
    "download is not used). Install one and run the tests again:\n"
    "  Debian/Ubuntu:  sudo apt-get install chromium\n"
    "  Fedora:         sudo dnf install chromium\n"
    "  macOS:          brew install --cask chromium\n"
    "or point MCREF_CHROMIUM at any Chromium or Chrome executable."
)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        if IN_CI:
            pytest.fail("No Chromium found, and CI=true makes a missing browser a failure.\n" + HOW_TO_GET_A_BROWSER)
        pytest.skip("No Chromium found. " + HOW_TO_GET_A_BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            args=CHROMIUM_ARGS,
        )
        try:
            yield b
        finally:
            b.close()



@pytest.fixture(scope="session")
def colour_pages(built_site: BuiltSite) -> list[str]:
    """The pages whose colours axe checks in both schemes: every kind of text of the site is on
    one of them (tests/page_visits.py, `colour_sample`)."""
    from tests.page_visits import COLOUR_ALWAYS, colour_sample
    from tests.test_browser import PAGES

    return colour_sample(built_site.path, PAGES, COLOUR_ALWAYS)


@pytest.fixture(scope="session")
def axe_pages(built_site: BuiltSite, colour_pages: list[str]) -> list[str]:
    """The pages axe checks: the colour sample, and the pages that between them show every kind
    of structure of the site (tests/page_visits.py, `axe_sample`)."""
    from tests.page_visits import axe_sample
    from tests.test_browser import PAGES

    return axe_sample(built_site.path, PAGES, colour_pages)


@pytest.fixture(scope="session")
def page_visits(
    browser: object, base_url: str, colour_pages: list[str], axe_pages: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[object]:
    """Each built page opened once per width and colour scheme for the whole session
    (tests/page_visits.py); the browser and accessibility tests read the records."""
    from tests.page_visits import PageVisits
    from tests.test_browser import PAGES

    visits = PageVisits(
        browser, base_url, tmp_path_factory.mktemp("page-shots"), colours=colour_pages, order=PAGES, axe=axe_pages
    )
    yield visits
    visits.close()
