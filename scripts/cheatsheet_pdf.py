"""Print the cheat sheet of a built mcref site to an A4 PDF with headless Chromium.

    python scripts/cheatsheet_pdf.py SITE_DIR [--out FILE] [--site-url URL] [--max-pages 12]

opens the cheat sheet page of SITE_DIR in a system Chromium driven by playwright
(no browser download), waits until its fonts have loaded, prints it with the
site's print stylesheet and writes `SITE_DIR/cheatsheet/mcref-cheatsheet.pdf`.
It exits with status 1 if printing fails or the PDF has more than `--max-pages`
pages (`MAX_PAGES`, 12, by default), and with status 2 if no Chromium or no playwright is
available.

The links in the PDF are what a reader of the file can follow: the browser is
given the site at its published address (`site_url`; playwright answers those
requests from SITE_DIR, nothing goes to the network), so a link to a rule is
`https://mcref.github.io/mcref/rules/elementwise/#R10`, not the address of a
server that is gone once the PDF is written. Without a site_url the links are
written relative to the PDF (`../rules/elementwise/#R10`), which works wherever
the PDF sits next to its site. By hand, `--site-url` defaults to the page's
canonical address (MkDocs writes one when site_url is set); `--site-url ""`
asks for relative links.

The Chromium is `$MCREF_CHROMIUM` if set, else the first of `chromium`,
`chromium-browser` and `/usr/bin/chromium` found, as in the test suite.

`hooks/cheatsheet.py` calls `make_pdf` at the end of every `mkdocs build` and
`mkdocs serve`; run this script by hand to redo the PDF of a site that is
already built.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import posixpath
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:  # playwright is imported when a PDF is made: the build loads this script without it
    from playwright.sync_api import PdfMargins

PAGE = "cheatsheet/"
PDF_NAME = "mcref-cheatsheet.pdf"
MAX_PAGES = 12  # 11 with the Matrix Cookbook part and the layers (2026-12-05): one page of room
# Where the browser is told the site is when it has no site_url: a name that never resolves
# (RFC 2606), so that the links the PDF would carry are recognised and made relative.
NO_SITE_URL = "http://mcref-pdf.invalid/"
# The math font is optional on screens (hooks/mathml.py, math_css): a page drawn before it came
# keeps the fallback. The printer is handed the stylesheets with the font blocking instead, so
# the PDF has the math font however late it comes (document.fonts.ready waits for it, below).
FONT_DISPLAY = b"font-display: optional;"
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


# A link's target in a PDF: `/URI (...)`, a literal string in which \\, ( and ) are escaped.
_URI = re.compile(rb"/URI\s*\(((?:[^()\\]|\\.)*)\)")


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


def pdf_links(pdf: bytes) -> list[str]:
    """The target of every link in a PDF as Chromium writes it: `/URI (...)` in plain objects.

    Chromium writes a link as an annotation object with a literal string, outside any
    compressed stream; a PDF with object streams (`/ObjStm`) raises instead of giving [].
    """
    if b"/ObjStm" in pdf:
        raise ValueError("this PDF keeps objects in compressed streams; read its links with a PDF library")
    return [_unescape(m.group(1)).decode("latin-1") for m in _URI.finditer(pdf)]


def _unescape(literal: bytes) -> bytes:
    return re.sub(rb"\\(.)", lambda m: m.group(1), literal)


def relative_links(pdf: bytes, base: str, page: str) -> bytes:
    """The PDF with each link into the site at `base` made relative to the page it was printed from.

    The rewrite keeps every byte offset (the cross-reference table counts them): the shorter
    relative string is padded with spaces after its closing parenthesis, where the PDF syntax
    allows any whitespace. A link that would grow, or one `base` still heads afterwards (written
    in a form this rewrite does not read), raises.
    """
    here = posixpath.dirname(page) if not page.endswith("/") else page.rstrip("/")

    def relative(m: re.Match[bytes]) -> bytes:
        target = _unescape(m.group(1)).decode("latin-1")
        if not target.startswith(base):
            return m.group(0)
        path, hash_, fragment = target[len(base) :].partition("#")
        rel = posixpath.relpath(path or ".", here or ".")
        if path.endswith("/") or not path:
            rel = rel.rstrip("/") + "/" if rel != "." else "./"
        literal = (rel + hash_ + fragment).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        new = b"/URI (" + literal.encode("latin-1") + b")"
        if len(new) > len(m.group(0)):
            raise ValueError(f"the relative link {rel!r} is longer than {target!r}")
        return new + b" " * (len(m.group(0)) - len(new))

    out = _URI.sub(relative, pdf)
    if base.encode("latin-1") in out:
        raise ValueError(f"{base} is still in the PDF, in a form this rewrite does not read")
    return out


def site_address(site_url: str | None) -> str:
    """The address the browser is given for the site: site_url with a final slash, or NO_SITE_URL."""
    if not site_url:
        return NO_SITE_URL
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"site_url must be an http(s) address such as https://example.org/docs/, got {site_url!r}")
    return site_url if site_url.endswith("/") else site_url + "/"


def canonical_site_url(html: str, page: str) -> str | None:
    """site_url as a built page states it: its canonical address without the page's own path."""
    found = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    if not found or not found.group(1).endswith(page):
        return None
    return found.group(1)[: len(found.group(1)) - len(page)]


def _answer_from(site: Path, base: str, errors: list[str]) -> Any:
    """A playwright route handler that answers requests under `base` from the built site."""

    def handle(route: Any) -> None:
        url = route.request.url
        if not url.startswith(base):
            errors.append(f"requested {url}, outside the site")
            route.abort()
            return
        rel = unquote(urlsplit(url).path)[len(urlsplit(base).path) :]
        target = (site / rel).resolve()
        if target.is_dir():
            target = target / "index.html"
        if site not in target.parents or not target.is_file():
            errors.append(f"failed to load {url}")
            route.fulfill(status=404, body="not found")
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        body = target.read_bytes()
        if target.suffix == ".css":  # a font the screen may do without, the printout waits for
            body = body.replace(FONT_DISPLAY, b"font-display: block;")
        route.fulfill(status=200, body=body, headers={"Content-Type": kind})

    return handle


def make_pdf(
    site_dir: Path | str, page: str = PAGE, out: Path | str | None = None, site_url: str | None = None
) -> PdfResult:
    """Print the cheat sheet of a built site to an A4 PDF.

    Args:
        site_dir: The built site.
        page: The cheat sheet's URL path within the site.
        out: Where to write the PDF; by default `PDF_NAME` in the page's directory.
        site_url: The site's published address (MkDocs' site_url): the PDF's links go there.
            None or "": links relative to the PDF.

    Raises:
        PdfUnavailable: If there is no playwright or no Chromium.
        ValueError: If site_url is not an http(s) address.
        RuntimeError: If the page is missing, a font fails to load, or Chromium fails.
    """
    start = time.perf_counter()
    site = Path(site_dir).resolve()
    html = site / page / "index.html" if page.endswith("/") else site / page
    if not html.is_file():
        raise RuntimeError(f"{html} does not exist: is {site} a built mcref site?")
    target = Path(out) if out is not None else html.parent / PDF_NAME
    base = site_address(site_url)
    reason = unavailable_reason()
    if reason is not None:
        raise PdfUnavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            # The printout is the page's HTML and CSS (the colour scheme is on <body> as built);
            # none of the site's scripts change it, and skipping them saves a second.
            tab = browser.new_page(java_script_enabled=False)
            errors: list[str] = []
            # The browser meets the site at its published address, answered from the built files:
            # the links it writes into the PDF are the ones a reader can follow.
            tab.route("**/*", _answer_from(site, base, errors))
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
    if base == NO_SITE_URL:
        pdf = relative_links(pdf, base, page)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(pdf)
    return PdfResult(target, count_pages(pdf), len(pdf), time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_dir", type=Path, help="a built site, e.g. site/")
    parser.add_argument("--page", default=PAGE, help=f"the cheat sheet's path in the site (default {PAGE})")
    parser.add_argument("--out", type=Path, help=f"where to write the PDF (default: {PDF_NAME} next to the page)")
    parser.add_argument(
        "--site-url",
        help="the site's published address, where the PDF's links go (default: the page's canonical address; "
        '"" for links relative to the PDF)',
    )
    parser.add_argument("--max-pages", type=int, default=MAX_PAGES, help=f"fail above this many pages ({MAX_PAGES})")
    args = parser.parse_args(argv)
    site_url = args.site_url
    html = args.site_dir / args.page / "index.html" if args.page.endswith("/") else args.site_dir / args.page
    if site_url is None and html.is_file():
        site_url = canonical_site_url(html.read_text(encoding="utf-8"), args.page)
    try:
        result = make_pdf(args.site_dir, args.page, args.out, site_url)
    except PdfUnavailable as exc:
        print(f"cannot make the cheat sheet PDF: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, ValueError) as exc:
        print(f"the cheat sheet PDF failed: {exc}", file=sys.stderr)
        return 1
    print(f"{result.path}: {result.pages} A4 page(s), {result.size / 1024:.0f} KiB, {result.seconds:.1f} s")
    if result.pages > args.max_pages:
        print(f"the cheat sheet must fit on {args.max_pages} A4 pages; it takes {result.pages}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
