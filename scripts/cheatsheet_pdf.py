"""Print the cheat sheet of a built mcref site to an A4 PDF with headless Chromium.

    python scripts/cheatsheet_pdf.py SITE_DIR [--out FILE] [--max-pages 4]

serves SITE_DIR on 127.0.0.1 at a free port, opens the cheat sheet page in a
system Chromium driven by playwright (no browser download), waits until its
fonts have loaded, prints it with the site's print stylesheet and writes
`SITE_DIR/cheatsheet/mcref-cheatsheet.pdf`. It exits with status 1 if printing
fails or the PDF has more than `--max-pages` pages (4 by default), and with
status 2 if no Chromium or no playwright is available.

The Chromium is `$MCREF_CHROMIUM` if set, else the first of `chromium`,
`chromium-browser` and `/usr/bin/chromium` found, as in the test suite.

`hooks/cheatsheet.py` calls `make_pdf` at the end of every `mkdocs build` and
`mkdocs serve`; run this script by hand to redo the PDF of a site that is
already built.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # playwright is imported when a PDF is made: the build loads this script without it
    from playwright.sync_api import PdfMargins

PAGE = "cheatsheet/"
PDF_NAME = "mcref-cheatsheet.pdf"
MAX_PAGES = 4
# Matches @page in docs/assets/cheatsheet.css, so the PDF and a reader's own print agree.
MARGIN: PdfMargins = {"top": "10mm", "bottom": "10mm", "left": "10mm", "right": "10mm"}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # any host but the local server resolves to nothing: the PDF cannot depend on the network
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

# Waits for every font the page uses, then reports any that failed.
_FONTS = """
async () => {
  await document.fonts.ready;
  return [...document.fonts].filter(f => f.status === "error").map(f => f.family);
}
"""


class PdfUnavailable(RuntimeError):
    """No Chromium or no playwright: the PDF cannot be made on this machine."""


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int
    size: int  # bytes
    seconds: float


def chromium_path() -> str | None:
    """The Chromium to drive: `$MCREF_CHROMIUM`, else the first one found on PATH."""
    for candidate in (os.environ.get("MCREF_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def unavailable_reason() -> str | None:
    """Why the PDF cannot be made here, or None if it can be tried."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[docs]')"
    if chromium_path() is None:
        return (
            "no Chromium found (install the `chromium` package, or set MCREF_CHROMIUM "
            "to a Chromium or Chrome executable)"
        )
    return None


def count_pages(pdf: bytes) -> int:
    """The number of pages of a PDF as Chromium writes it.

    Counts the page objects (`/Type /Page`, not `/Pages`) and checks the count
    against the page tree's `/Count`, so a PDF in a form this simple reader does
    not understand (compressed object streams) raises instead of giving 0.
    """
    if not pdf.startswith(b"%PDF-"):
        raise ValueError("not a PDF file")
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    counts = [int(n) for n in re.findall(rb"/Count\s+(\d+)", pdf)]
    if pages == 0 or not counts or max(counts) != pages:
        raise ValueError(f"cannot count the pages of this PDF: {pages} page objects, page-tree counts {counts}")
    return pages


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """Serve a directory on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_pdf(site_dir: Path | str, page: str = PAGE, out: Path | str | None = None) -> PdfResult:
    """Print the cheat sheet of a built site to an A4 PDF.

    Args:
        site_dir: The built site.
        page: The cheat sheet's URL path within the site.
        out: Where to write the PDF; by default `PDF_NAME` in the page's directory.

    Raises:
        PdfUnavailable: If there is no playwright or no Chromium.
        RuntimeError: If the page is missing, a font fails to load, or Chromium fails.
    """
    start = time.perf_counter()
    site = Path(site_dir).resolve()
    html = site / page / "index.html" if page.endswith("/") else site / page
    if not html.is_file():
        raise RuntimeError(f"{html} does not exist: is {site} a built mcref site?")
    target = Path(out) if out is not None else html.parent / PDF_NAME
    reason = unavailable_reason()
    if reason is not None:
        raise PdfUnavailable(reason)
    from playwright.sync_api import sync_playwright

    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            # The printout is the page's HTML and CSS (the colour scheme is on <body> as built);
            # none of the site's scripts change it, and skipping them saves a second.
            tab = browser.new_page(java_script_enabled=False)
            errors: list[str] = []
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("requestfailed", lambda r: errors.append(f"failed to load {r.url}"))
            tab.goto(base + page, wait_until="load")  # then fonts, below; every stylesheet is in by "load"
            # the print stylesheet may use fonts the screen does not: load them before printing
            tab.emulate_media(media="print")
            failed = tab.evaluate(_FONTS)
            if failed:
                errors.append(f"fonts failed to load: {failed}")
            if errors:
                raise RuntimeError(f"{base + page}: " + "; ".join(errors))
            pdf = tab.pdf(format="A4", print_background=True, margin=MARGIN)
        finally:
            browser.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf)
    return PdfResult(target, count_pages(pdf), len(pdf), time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, help="a built site, e.g. site/")
    parser.add_argument("--page", default=PAGE, help=f"the cheat sheet's path in the site (default {PAGE})")
    parser.add_argument("--out", type=Path, help=f"where to write the PDF (default: {PDF_NAME} next to the page)")
    parser.add_argument("--max-pages", type=int, default=MAX_PAGES, help=f"fail above this many pages ({MAX_PAGES})")
    args = parser.parse_args(argv)
    try:
        result = make_pdf(args.site_dir, args.page, args.out)
    except PdfUnavailable as exc:
        print(f"cannot make the cheat sheet PDF: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"the cheat sheet PDF failed: {exc}", file=sys.stderr)
        return 1
    print(f"{result.path}: {result.pages} A4 page(s), {result.size / 1024:.0f} KiB, {result.seconds:.1f} s")
    if result.pages > args.max_pages:
        print(f"the cheat sheet must fit on {args.max_pages} A4 pages; it takes {result.pages}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
