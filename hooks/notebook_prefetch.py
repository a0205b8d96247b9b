"""MkDocs hook: execute the notebooks in the background, side by side, from the start of the build.

mkdocs-jupyter executes each notebook when MkDocs reaches its page, one after the
other, while nothing else happens: about two seconds each, most of it spent waiting for
a Jupyter kernel. This hook starts every notebook that is not in mkdocs-jupyter's cache
as soon as the files are known, each in a thread of its own, using the plugin's own
render (so the HTML, the cache key and the cache file are exactly the plugin's). When
MkDocs reaches a notebook's page, the hook waits for that notebook's run; the plugin
then finds its result in the cache. A notebook that fails fails the build, as before.

It relies on mkdocs-jupyter 0.26's `on_pre_page` replacing `page.render` with a function
that reads and writes its cache (tests/test_notebooks.py checks that a build uses the
prefetched result). `MCREF_NOTEBOOK_PREFETCH=off` turns it off. Because it relies on those
internals, mkdocs-jupyter is pinned exactly in pyproject.toml's docs extra.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.notebook_prefetch")

_pool: ThreadPoolExecutor | None = None
_runs: dict[str, Future[float]] = {}


def _enabled() -> bool:
    return os.environ.get("MCREF_NOTEBOOK_PREFETCH", "").lower() not in {"0", "off", "no", "false"}


def _render(plugin: Any, page: Page, config: MkDocsConfig, files: Files) -> float:
    """Render one notebook through the plugin, on a page object of our own; returns seconds."""
    start = time.perf_counter()
    plugin.on_pre_page(page, config=config, files=files)
    page.render(config, files)
    return time.perf_counter() - start


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    global _pool
    _runs.clear()
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not plugin.config["cache"] or not _enabled():
        return files
    notebooks = [f for f in files if plugin.should_include(f)]
    if not notebooks:
        return files
    _pool = ThreadPoolExecutor(max_workers=len(notebooks), thread_name_prefix="notebook")
    for file in notebooks:
        owner = file.page
        page = Page(None, file, config)  # a stand-in; the real page, made later for the nav, is not touched
        file.page = owner  # Page() claims the file: give it back before MkDocs builds the nav
        _runs[file.src_uri] = _pool.submit(_render, plugin, page, config, files)
    return files


def on_pre_page(page: Page, **kwargs: Any) -> Page:
    run = _runs.pop(page.file.src_uri, None)
    if run is not None:
        waited = time.perf_counter()
        try:
            seconds = run.result()
        except Exception as exc:
            raise PluginError(f"{page.file.src_uri}: executing the notebook failed: {exc}") from exc
        log.debug(f"{page.file.src_uri}: executed in the background in {seconds:.1f} s, "
                  f"waited {time.perf_counter() - waited:.1f} s for it")
    return page


def on_post_build(**kwargs: Any) -> None:
    _shutdown()


def on_build_error(**kwargs: Any) -> None:
    _shutdown()


def _shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
    _runs.clear()
