/* Keyboard and screen-reader fixes for three gaps in Material for MkDocs 9.8.
 *
 * 1. The search dialog (div.md-search, role="dialog") has no accessible name.
 * 2. A formula or table wider than its column scrolls inside its own box; a box that
 *    scrolls must be focusable, or keyboard users cannot scroll it. Such boxes get
 *    tabindex="0" and a name while (and only while) they overflow.
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

  var SCROLLERS = ".math-display, .md-typeset__scrollwrap";

  function nameSearchDialog() {
    var dialog = document.querySelector(".md-search[role='dialog']");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
  }

  function unlandmarkCodeButtons() {
    var navs = document.querySelectorAll("nav.md-code__nav:not([role])");
    for (var i = 0; i < navs.length; i++) navs[i].setAttribute("role", "none");
  }

  function labelFor(box) {
    return box.classList.contains("math-display") ? "Formula (scrolls sideways)" : "Table (scrolls sideways)";
  }

  function markScrollers() {
    unlandmarkCodeButtons();
    var boxes = document.querySelectorAll(SCROLLERS);
    // Measure every box first, then change attributes: one layout, not one per box.
    var scrolls = [];
    for (var i = 0; i < boxes.length; i++) scrolls.push(boxes[i].scrollWidth > boxes[i].clientWidth + 1);
    for (var j = 0; j < boxes.length; j++) {
      var box = boxes[j];
      if (scrolls[j]) {
        if (box.getAttribute("tabindex") !== "0") {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", labelFor(box));
          box.setAttribute("data-mcref-scroll", "");
        }
      } else if (box.hasAttribute("data-mcref-scroll")) {
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
    else window.setTimeout(fn, 200);
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

  function setUp() {
    nameSearchDialog();
    unlandmarkCodeButtons();
    whenIdle(markScrollers);
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
  // Fonts change widths: re-measure once they are in. (Asking for document.fonts.ready
  // makes the browser style the page on the spot, so ask only once the page has loaded.)
  window.addEventListener("load", function () {
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { whenIdle(markScrollers); });
  });
})();
