/* Copying a selection that holds formulas copies their LaTeX source: $...$ inline and
 * $$...$$ on a line of its own for a displayed formula, with the words around them as they
 * are. A formula the selection only partly covers is copied whole. The source comes from the
 * formula's data-tex attribute (hooks/mathml.py puts it there). Typesets nothing. */
(() => {
  "use strict";

  const FORMULA = ".math[data-tex]";

  const formulaOf = (node) => {
    const el = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    return el ? el.closest(FORMULA) : null;
  };

  const asTex = (el) => el.classList.contains("math-display")
    ? `\n$$${el.dataset.tex}$$\n`
    : `$${el.dataset.tex}$`;

  document.addEventListener("copy", (event) => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0 || !event.clipboardData) return;
    const range = selection.getRangeAt(0).cloneRange();
    const start = formulaOf(range.startContainer);
    const end = formulaOf(range.endContainer);
    if (start) range.setStartBefore(start);
    if (end) range.setEndAfter(end);
    const fragment = range.cloneContents();
    const formulas = fragment.querySelectorAll(FORMULA);
    if (formulas.length === 0) return;
    formulas.forEach((el) => el.replaceWith(document.createTextNode(asTex(el))));
    const holder = document.createElement("div");
    holder.appendChild(fragment);
    event.clipboardData.setData("text/plain", holder.textContent);
    event.clipboardData.setData("text/html", holder.innerHTML);
    event.preventDefault();
  });
})();
