/* Keyboard and screen-reader fixes for three gaps in Material for MkDocs 9.8.
 *
 * 1. The search dialog (div.md-search, role="dialog") has no accessible name.
 * 2. A formula, table or code block wider than its column scrolls inside its own box; a box
 *    that scrolls must be focusable, or keyboard users cannot scroll it. Display formulas are
 *    delivered focusable (tabindex="0", hooks/mathml.py), so that holds before any script
 *    runs; once the page is idle, each box is measured and keeps tabindex="0", with a role
 *    and a name, while (and only while) it overflows, and again whenever the window is
 *    resized. (Material makes a code block that scrolls focusable when the page loads, but not
 *    when a narrower window makes it scroll: the Derive page's gallery did that at 375 px.)
 *    Measuring needs the whole page drawn: the parts far from the screen are skipped while
 *    the page loads (content-visibility, docs/assets/mcref.css), and a skipped part is drawn
 *    with a placeholder height, so an element in it is not where hit-testing (and axe's
 *    colour checks) would look for it. So once the page is idle, every skipped part is
 *    drawn (class mcref-shown), a few at a time in idle moments, so that no single task
 *    holds up the page (drawing a whole cheat sheet at once took 0.25 s, over 1 s on a slow
 *    phone); when all are drawn, <html> gets data-mcref-drawn and the boxes are measured.
 * 3. Material switches the colour scheme on Enter only; Space, the usual key for a
 *    toggle, does nothing. Space now does what Enter does.
 * 4. Material puts each code block's copy button in an unnamed <nav>: a page with code
 *    has a row of identical "navigation" landmarks that lead nowhere. Those <nav>s get
 *    role="none"; the button keeps its own name ("Copy to clipboard").
 *
 * tests/test_accessibility.py checks all four with axe-core and the keyboard.
 */
(function () {
  "use strict";

  // (the cheat sheet's formulas are inline, each in a box of its own that scrolls when a part
  // of it is too wide for its cell: docs/assets/cheatsheet.css)
  var SCROLLERS = ".math-display, .md-typeset__scrollwrap, .mcref-cheatsheet td .math-inline, .md-typeset pre > code";

  function nameSearchDialog() {
    var dialog = document.querySelector(".md-search[role='dialog']");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
  }

  function unlandmarkCodeButtons() {
    var navs = document.querySelectorAll("nav.md-code__nav:not([role])");
    for (var i = 0; i < navs.length; i++) navs[i].setAttribute("role", "none");
  }

  function labelFor(box) {
    if (box.tagName === "CODE") return "Code (scrolls sideways)";
    return box.classList.contains("math") ? "Formula (scrolls sideways)" : "Table (scrolls sideways)";
  }

  // Parts of the page the browser may skip while it loads (docs/assets/mcref.css).
  var SKIPPABLE = ".md-typeset .mcref-section, .md-typeset .tabbed-set > .tabbed-content";
  var drawing = false;

  // Draw every skipped part, in document order, as many per idle moment as fit in it (at
  // least one), laying each out on the spot so the time it takes counts in that moment. Between
  // moments the browser handles input, so the reader never waits for more than one part.
  // (Every moment also costs the browser a repaint, so this takes more time in all than
  // drawing everything in one go; but that was one task of up to 0.25 s, over 1 s on a slow
  // phone, during which the page did not respond.) Then wait for any fonts the new parts
  // need, and call `done`.
  function drawAll(done) {
    var parts = document.querySelectorAll(SKIPPABLE);
    var next = 0;
    function step(deadline) {
      do {
        if (next >= parts.length) {
          // an attribute no stylesheet uses: marking the end restyles nothing
          document.documentElement.setAttribute("data-mcref-drawn", "");
          if (document.fonts && document.fonts.ready) document.fonts.ready.then(done);
          else done();
          return;
        }
        var part = parts[next++];
        part.classList.add("mcref-shown");
        void part.offsetHeight;
      } while (deadline && deadline.timeRemaining() > 10);
      whenIdle(step);
    }
    whenIdle(step);
  }

  function markScrollers() {
    unlandmarkCodeButtons();
    var root = document.documentElement;
    if (!root.hasAttribute("data-mcref-drawn")) {
      if (!drawing) {
        drawing = true;
        drawAll(markScrollers);
      }
      return;
    }
    var boxes = document.querySelectorAll(SCROLLERS);
    // Measure every box first, then change attributes: one layout, not one per box.
    var scrolls = [];
    for (var i = 0; i < boxes.length; i++) scrolls.push(boxes[i].scrollWidth > boxes[i].clientWidth + 1);
    for (var j = 0; j < boxes.length; j++) {
      var box = boxes[j];
      if (scrolls[j]) {
        if (!box.hasAttribute("data-mcref-scroll")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "group"); // named, but not a landmark: a page may have many
          box.setAttribute("aria-label", labelFor(box));
          box.setAttribute("data-mcref-scroll", "");
        }
      } else if (box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.removeAttribute("data-mcref-scroll");
      }
    }
    document.documentElement.setAttribute("data-mcref-scroll-marked", "");
  }

  // Measuring forces a layout of the whole page; do it once the page has loaded and the
  // browser is idle, not while the page is still being drawn for the first time.
  function whenIdle(fn) {
    if (window.requestIdleCallback) window.requestIdleCallback(fn, {timeout: 1000});
    else window.setTimeout(fn, 50);
  }

  function spaceTogglesPalette(event) {
    if (event.key !== " " || event.altKey || event.ctrlKey || event.metaKey) return;
    var form = event.target instanceof Element && event.target.closest("form[data-md-component='palette']");
    if (!form) return;
    // The current scheme's input is the one whose label (the visible button) is not hidden;
    // Material does not keep it checked, so `checked` cannot tell.
    var inputs = form.querySelectorAll("input");
    for (var i = 0; i < inputs.length; i++) {
      var label = inputs[i].nextElementSibling;
      if (label && label.tagName === "LABEL" && !label.hidden) {
        event.preventDefault();
        var next = inputs[(i + 1) % inputs.length];
        next.click();
        next.focus();
        return;
      }
    }
  }

  var pending = 0;
  function onResize() {
    if (pending) return;
    pending = window.requestAnimationFrame(function () {
      pending = 0;
      markScrollers();
    });
  }

  function afterLoad(fn) {
    if (document.readyState === "complete") fn();
    else window.addEventListener("load", fn, {once: true});
  }

  function setUp() {
    nameSearchDialog();
    unlandmarkCodeButtons();
    // Drawing the skipped parts and measuring waits until the page has loaded and its fonts
    // are in (fonts change widths). Asking for document.fonts.ready makes the browser style
    // the page on the spot, so it is asked only after the load.
    afterLoad(function () {
      if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { whenIdle(markScrollers); });
      else whenIdle(markScrollers);
    });
  }

  document.addEventListener("keydown", spaceTogglesPalette);
  window.addEventListener("resize", onResize);
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setUp); // Material's page-ready signal (also after instant navigation)
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
