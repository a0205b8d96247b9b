/* A search for a rule's ID (R1, S4, C2, E8, X13, MC49, ...) or a Cookbook equation number ("(49)",
 * "eq 49") lists that rule first.
 *
 * Material's search treats every word as a prefix, so "R1" also finds R10 to R19, and a page
 * whose sections carry several of those, or a section that mentions the ID in passing, can
 * rank above the rule itself: "R1" listed R14 and R12 first, "R2" listed R23, "E8" listed the
 * neuron rule that cites it. When the whole query is one ID and a result links to the section
 * of that name, its page's group is moved to the top of the list, and inside the group that
 * section becomes the one shown (it trades places with the one Material showed, so the
 * "N more on this page" count stays right) and gets the top score, which is what Enter in the
 * search box follows. The arrow keys follow the list as shown.
 *
 * tests/test_browser.py types every ID on the site into the search box and checks that its
 * section is the first one listed.
 */
(function () {
  "use strict";

  var ID = /^\s*([A-Za-z]{1,2}\d+(?:\.\d+|u)?)\s*$/;
  // a Cookbook equation as readers write it: "(101)", "eq 101", "eq. (101)", "equation 101"
  var EQUATION = /^\s*(?:\(\s*(\d+)\s*\)|(?:eq|eqn|equation)\.?\s*\(?\s*(\d+)\s*\)?)\s*$/i;

  function wanted(value) {
    var match = ID.exec(value);
    if (match) return match[1].toUpperCase();
    match = EQUATION.exec(value);
    return match ? "MC" + (match[1] || match[2]) : null;
  }

  // the section of that ID; for a Cookbook line that chains several forms (MC69.1, MC69.2), "MC69"
  // is the first of them
  function idSection(list, id) {
    var links = list.querySelectorAll("a.md-search-result__link");
    var form = null;
    for (var i = 0; i < links.length; i++) {
      if (links[i].hash === "#" + id) return links[i];
      if (!form && links[i].hash.indexOf("#" + id + ".") === 0) form = links[i];
    }
    return form;
  }

  function putFirst(list, input) {
    var id = wanted(input.value);
    if (!id) return;
    var link = idSection(list, id);
    if (!link) return;
    var item = link.closest(".md-search-result__item");
    if (!item || item.parentNode !== list) return;
    // the section Material shows for the page: the link after the page's own link
    var shown = item.children[1];
    if (shown && shown !== link && shown.matches("a.md-search-result__link")) {
      var mark = document.createComment("");
      link.parentNode.replaceChild(mark, link);
      item.replaceChild(link, shown);
      mark.parentNode.replaceChild(shown, mark);
    }
    if (list.firstElementChild !== item) list.insertBefore(item, list.firstElementChild);
    // Enter in the search box opens the result with the highest score (data-md-score on each
    // link's article), wherever it is listed: give this section the top score.
    var top = 0;
    var scored = list.querySelectorAll("a.md-search-result__link > [data-md-score]");
    for (var i = 0; i < scored.length; i++) top = Math.max(top, parseFloat(scored[i].getAttribute("data-md-score")) || 0);
    var own = link.firstElementChild;
    if (own && own.hasAttribute("data-md-score") && parseFloat(own.getAttribute("data-md-score")) < top) {
      own.setAttribute("data-md-score", String(top + 1));
    }
  }

  function setUp() {
    var list = document.querySelector(".md-search-result__list");
    var input = document.querySelector("input.md-search__input");
    if (!list || !input || list.hasAttribute("data-mcref-ids")) return;
    list.setAttribute("data-mcref-ids", "");
    // Material replaces the items on every keystroke, and adds more as the reader scrolls;
    // the moves above are themselves changes, but a second pass finds nothing to move.
    new MutationObserver(function () {
      putFirst(list, input);
    }).observe(list, {childList: true});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
