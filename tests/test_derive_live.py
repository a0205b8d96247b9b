"""The Derive page's in-browser engine (docs/assets/derive-live.js, hooks/pyodide_assets.py) in Chromium.

One page is opened for the module, with every host but 127.0.0.1 blocked and recorded: the engine
boots once (Pyodide, SymPy and mcref.engine from the site's own files, in a Web Worker), then each
expression is typed into the page and its answer, as the page shows it, is compared with
`mcref.engine.derive` run here in CPython on the same input: f and both layouts (the LaTeX each
rendered formula keeps in data-tex), the shapes, and the steps' rule IDs with their links.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from hooks.derive_gallery import entries
from mcref.engine import DeriveError, derive
from tests.conftest import IN_CI, BuiltSite
from tests.page_visits import AXE, NO_TRANSITIONS, PHONE, SCHEME, SCHEMES, TWO_FRAMES

PAGE = "derive/"
BOOT_TIMEOUT_MS = 180_000  # the first answer: the runtime's start on a shared, loaded machine
ANSWER_TIMEOUT_MS = 60_000

GALLERY = {e.id: e for e in entries()}
# the gallery's hardest: long results, VJPs with a Kronecker form, a kink, both syntaxes
FROM_GALLERY = [
    "layer-norm",
    "mlp-W1",
    "logistic-cross-entropy",
    "mco-logistic-regression",
    "attention-scores-Q",
    "inverse",
    "softmax-jacobian",
    "log-determinant",
    "mahalanobis",
    "quadratic-inverse",
    "bilinear-XtX",
    "mco-half-quadratic-symmetric",
    "loss-b",
    "rms-norm",
]
OURS = [
    ("x.T @ A @ x", "x", ""),
    ("np.trace(A @ X.T @ B @ X @ C)", "X", ""),
    ("np.sum(np.exp(W @ x + b))", "x", "W: m×n; x: n; b: m"),
    ("np.linalg.norm(A @ x - y)**2", "x", ""),
]
CASES = [(GALLERY[k].expr, GALLERY[k].wrt, GALLERY[k].shapes or "") for k in FROM_GALLERY] + OURS

# What the page shows, read in the page: the formulas' LaTeX, the shape lines, the steps.
READ_ANSWER = """
() => {
  const box = document.querySelector(".mcref-live__answer");
  const tabs = box.querySelector(".tabbed-set");
  return {
    answered: box.dataset.answered || null,
    error: box.querySelector(".mcref-live__error pre")?.textContent ?? null,
    f: box.querySelector(":scope > .math")?.dataset.tex ?? null,
    layouts: tabs ? [...tabs.querySelectorAll(".tabbed-block > .math")].map((m) => m.dataset.tex) : [],
    layoutShapes: tabs ? [...tabs.querySelectorAll(".tabbed-block > p")].map((p) => p.textContent) : [],
    labels: tabs ? [...tabs.querySelectorAll(".tabbed-labels label")].map((l) => l.textContent) : [],
    symbols: box.querySelector(".mcref-live__shapes")?.textContent ?? null,
    steps: [...box.querySelectorAll(".mcref-live__steps li")].map((li) => ({
      text: li.textContent, href: li.querySelector("a")?.href ?? null,
    })),
    notMathML: [...box.querySelectorAll(".math")].filter((m) => !m.querySelector(":scope > math")).length,
    checks: [...box.querySelectorAll(".mcref-live__checks li")].map((li) => li.textContent),
    code: box.querySelector(".mcref-live__code")?.textContent ?? null,
  };
}
"""

AXE_ON_THE_FORM = """
async () => {
  const result = await axe.run(document.querySelector(".mcref-live"), { resultTypes: ["violations"] });
  return result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.html.slice(0, 200)) }));
}
"""


class Live:
    """The one page of the module and what it recorded."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.requests: list[str] = []

    def answered(self) -> int:
        return int(self.page.evaluate("document.querySelector('.mcref-live__answer').dataset.answered || 0"))

    def ask(self, expr: str, wrt: str, shapes: str = "", timeout: int = ANSWER_TIMEOUT_MS) -> dict[str, Any]:
        """Type the input as a reader does, press Enter, and read the answer the page shows."""
        before = self.answered()
        page = self.page
        for field, value in (("#live-expr", expr), ("#live-wrt", wrt), ("#live-shapes", shapes)):
            page.fill(field, "")
            if value:
                page.type(field, value)
        page.press("#live-expr", "Enter")
        page.wait_for_function(
            "n => Number(document.querySelector('.mcref-live__answer').dataset.answered || 0) > n",
            arg=before,
            timeout=timeout,
        )
        answer: dict[str, Any] = page.evaluate(READ_ANSWER)
        return answer


@pytest.fixture(scope="module")
def live(browser: Any, base_url: str, site: BuiltSite) -> Iterator[Live]:
    html = (site.path / PAGE / "index.html").read_text(encoding="utf-8")
    if 'class="mcref-live"' not in html:
        reason = "the site was built without the in-browser engine (node_modules/pyodide missing? see the page)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    live = Live(page, base_url)

    def route(r: Any) -> None:
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            live.foreign.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page.on("console", lambda m: live.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: live.page_errors.append(str(e)))
    ctx.on("request", lambda r: live.requests.append(r.url))  # the page's and its worker's
    page.goto(base_url + PAGE, wait_until="load")
    try:
        yield live
    finally:
        ctx.close()


def test_no_other_page_links_the_engine(site: BuiltSite) -> None:
    """Only the Derive page loads its script and stylesheet; the runtime is fetched by its worker alone."""
    linking = sorted(
        str(p.relative_to(site.path)) for p in site.path.rglob("*.html") if "derive-live" in p.read_text("utf-8")
    )
    assert linking == [f"{PAGE}index.html"]


def _fetched_engine(requests: list[str]) -> list[str]:
    return [u for u in requests if "/assets/derive-live/" in u or "derive-worker" in u]


def test_nothing_of_the_engine_is_fetched_before_first_use(live: Live) -> None:
    live.page.wait_for_timeout(500)
    assert _fetched_engine(live.requests) == []
    assert live.page.inner_text(".mcref-live__status") == ""


def test_the_input_takes_typing_while_the_engine_loads(live: Live) -> None:
    page = live.page
    page.fill("#live-expr", "")
    page.type("#live-expr", "np.sum(")  # the first keystroke starts the engine
    page.wait_for_function("document.querySelector('.mcref-live__status').textContent.startsWith('Starting')")
    page.type("#live-expr", "np.exp(W @ x + b))", delay=20)
    status = page.inner_text(".mcref-live__status")
    assert page.input_value("#live-expr") == "np.sum(np.exp(W @ x + b))"
    assert status.startswith("Starting the engine"), status  # typed while it loaded, not after
    answer = live.ask("np.sum(np.exp(W @ x + b))", "x", timeout=BOOT_TIMEOUT_MS)
    d = derive("np.sum(np.exp(W @ x + b))", "x")
    assert answer["error"] is None, answer["error"]
    assert answer["layouts"] == [d.numerator, d.denominator]
    assert any("/assets/derive-live/pyodide.asm.wasm" in u for u in live.requests)


@pytest.mark.parametrize(("expr", "wrt", "shapes"), CASES, ids=[f"{e} by {w}" for e, w, _ in CASES])
def test_the_page_answers_as_the_engine_does_in_python(live: Live, expr: str, wrt: str, shapes: str) -> None:
    d = derive(expr, wrt, shapes or None)
    answer = live.ask(expr, wrt, shapes, timeout=BOOT_TIMEOUT_MS)
    assert answer["error"] is None, answer["error"]
    assert answer["f"] == f"f = {d.latex}"
    assert answer["labels"] == ["Numerator layout (the paper's)", "Denominator layout"]
    assert answer["layouts"] == [d.numerator, d.denominator]
    assert answer["layoutShapes"][0] == f"Shape {d.numerator_shape}."
    assert answer["layoutShapes"][1].startswith(f"Shape {d.denominator_shape}")
    symbols = "; ".join(f"{name}: {shape}" for name, shape in d.shapes.items())
    assert answer["symbols"].startswith(f"Shapes: {symbols}")
    assert answer["notMathML"] == 0  # every formula drawn by Temml, none left as text
    assert [s["text"].split(": ", 1)[0] for s in answer["steps"]] == [sentence for sentence, _ in d.steps]
    for step, (_, rule_id) in zip(answer["steps"], d.steps, strict=True):
        assert step["href"] is not None and step["href"].endswith(f"/#{rule_id}"), step
        assert urlparse(step["href"]).hostname == "127.0.0.1"
    assert answer["checks"] == list(d.checks)
    assert answer["code"] == d.numpy


def test_the_answer_is_axe_clean_and_fits_a_phone(live: Live) -> None:
    """axe-core on the form with an answer shown (light, then dark), and the page at 375 px."""
    page = live.page
    live.ask(GALLERY["layer-norm"].expr, GALLERY["layer-norm"].wrt, GALLERY["layer-norm"].shapes or "")
    page.add_style_tag(content=NO_TRANSITIONS)
    page.add_script_tag(path=str(AXE))
    toggle = page.locator("form[data-md-component='palette'] label:visible").first
    for scheme in (SCHEMES["light"], SCHEMES["dark"]):
        if page.evaluate(SCHEME) != scheme:
            toggle.click()  # as a reader switches (tests/page_visits.py)
        page.evaluate(TWO_FRAMES)
        violations = page.evaluate(AXE_ON_THE_FORM)
        assert violations == [], (scheme, violations)
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    page.set_viewport_size({"width": PHONE, "height": 800})
    try:
        page.evaluate(TWO_FRAMES)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
        assert page.evaluate("document.querySelector('.mcref-live').getBoundingClientRect().right") <= PHONE
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_a_syntax_error_shows_its_column(live: Live) -> None:
    expr = "x.T @ A @ (x"
    with pytest.raises(DeriveError) as err:
        derive(expr, "x")
    answer = live.ask(expr, "x")
    lines = answer["error"].split("\n")
    assert lines[0] == str(err.value) and lines[0].startswith("col 11: ")
    assert lines[1:] == [f"  {expr}", "  " + " " * 10 + "^"]


def test_a_shape_mismatch_names_both_shapes(live: Live) -> None:
    answer = live.ask("A @ x + y", "x", "A: m×n; x: n; y: k")
    assert answer["error"].startswith("col 1: ") and "A @ x: m and y: k" in answer["error"]
    assert answer["f"] is None  # an error, never an answer


def test_the_url_and_recent_expressions_keep_the_input(live: Live) -> None:
    live.ask("np.linalg.norm(X - A)", "X")
    page = live.page
    fragment = page.evaluate("location.hash")
    assert fragment.startswith("#live:") and "wrt=X" in fragment
    recent = json.loads(page.evaluate("localStorage.getItem('mcref-derive-recent')"))
    assert recent[0] == {"expr": "np.linalg.norm(X - A)", "wrt": "X", "shapes": ""}
    # a shared link derives on opening (the browser's cache is warm: same context)
    shared = page.context.new_page()
    try:
        shared.goto(live.base_url + PAGE + fragment, wait_until="load")
        shared.wait_for_function(
            "document.querySelector('.mcref-live__answer').dataset.answered === '1'", timeout=BOOT_TIMEOUT_MS
        )
        assert shared.input_value("#live-expr") == "np.linalg.norm(X - A)"
        tex = shared.evaluate("document.querySelector('.mcref-live__answer .tabbed-block > .math').dataset.tex")
        assert tex == derive("np.linalg.norm(X - A)", "X").numerator
    finally:
        shared.close()


def test_nothing_left_the_machine_and_no_console_error(live: Live) -> None:
    assert live.foreign == []
    assert live.console_errors == []
    assert live.page_errors == []
