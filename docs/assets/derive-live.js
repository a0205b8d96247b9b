// "Try it here" on the Derive page: the form that hooks/pyodide_assets.py places ({{ derive live }}).
//
// Nothing heavy is fetched until the reader types in the form or asks for a derivative: then the engine starts in a Web
// Worker (assets/derive-worker.js: Pyodide, SymPy and mcref.engine, all from the site's own files),
// and Temml's browser build writes the answer's formulas as MathML, in the same markup the build
// writes (class "math", data-tex for copy-as-LaTeX, the layouts as the site's content tabs).
// The inputs live in the address (#live:expr=...&wrt=...&shapes=...), so a result can be shared,
// and the last expressions are kept in localStorage.

const root = document.querySelector(".mcref-live");
const assets = new URL("./derive-live/", import.meta.url);
const site = new URL("../", import.meta.url);
const RECENT_KEY = "mcref-derive-recent";
const RECENT_MAX = 8;
const HASH = "#live:";

const form = root.querySelector("form");
const fields = { expr: form.elements.expr, wrt: form.elements.wrt, shapes: form.elements.shapes };
const status = root.querySelector(".mcref-live__status");
const answerBox = root.querySelector(".mcref-live__answer");
const recentBox = root.querySelector(".mcref-live__recent");

let worker = null;
let manifest = null;
let temml = null; // the promise of Temml's browser build
let temmlLib = null;
let latest = 0;
let layout = 0; // the tab last chosen: 0 numerator, 1 denominator
let tabsMade = 0;
const pending = new Map();

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
};

function loadTemml() {
  temml ??= new Promise((resolve, reject) => {
    const script = el("script", { src: new URL("temml.min.js", assets).href });
    script.onload = () => resolve(window.temml);
    script.onerror = () => reject(new Error("Temml did not load"));
    document.head.append(script);
  });
  return temml;
}

async function loadManifest() {
  manifest ??= fetch(new URL("manifest.json", assets)).then((r) => r.json());
  return manifest;
}

function startWorker() {
  if (worker) return worker;
  const mb = (n) => (n / 1e6).toFixed(0);
  status.textContent = "Starting the engine in your browser (once; a download of about 20 MB)…";
  loadManifest().then((m) => {
    const total = [...Object.values(m.runtime), ...Object.values(m.wheels)].reduce((a, b) => a + b, 0);
    if (!worker.ready) status.textContent = `Starting the engine in your browser (once; ${mb(total)} MB)…`;
  });
  worker = new Worker(new URL("./derive-worker.js", import.meta.url), { type: "module" });
  worker.ready = false;
  worker.onmessage = (event) => {
    const message = event.data;
    if (message.type === "progress" && !worker.ready) {
      status.textContent = `Starting the engine: ${message.text}…`;
    } else if (message.type === "ready") {
      worker.ready = true;
      worker.bootSeconds = message.seconds;
      if (pending.size === 0) status.textContent = `The engine is ready (it started in ${message.seconds.toFixed(1)} s).`;
      else status.textContent = "Deriving…";
      root.dataset.bootPhases = JSON.stringify(message.phases);
    } else if (message.type === "answer") {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      if (resolve) resolve(message.result);
    }
  };
  worker.onerror = (event) => {
    status.textContent = `The engine could not start: ${event.message || "a Web Worker error"}`;
    for (const resolve of pending.values()) resolve({ error: "the engine could not start", internal: true });
    pending.clear();
    worker = null;
  };
  return worker;
}

function ask(expr, wrt, shapes) {
  const id = ++latest;
  const w = startWorker();
  return new Promise((resolve) => {
    pending.set(id, resolve);
    w.postMessage({ type: "derive", id, expr, wrt, shapes });
  }).then((result) => ({ id, result }));
}

function math(tex, display = true) {
  const wrap = el(display ? "div" : "span", { class: `math math-${display ? "display" : "inline"}`, "data-tex": tex });
  if (display) wrap.setAttribute("tabindex", "0");
  try {
    wrap.innerHTML = temmlLib.renderToString(tex, {
      displayMode: display, throwOnError: true, strict: false, trust: false, xml: true,
      wrap: display ? "none" : "tex",
    });
  } catch (err) {
    wrap.append(el("code", { text: tex }));
  }
  return wrap;
}

function tabs(panels) {
  const n = ++tabsMade;
  const set = el("div", { class: "tabbed-set tabbed-alternate", "data-tabs": `live${n}:${panels.length}` });
  const labels = el("div", { class: "tabbed-labels" });
  const content = el("div", { class: "tabbed-content" });
  panels.forEach(([label, ...body], k) => {
    const input = el("input", { id: `__live_${n}_${k}`, name: `__live_${n}`, type: "radio" });
    if (k === layout) input.setAttribute("checked", "checked");
    input.addEventListener("change", () => { layout = k; });
    set.append(input);
    labels.append(el("label", { for: input.id, text: label }));
    content.append(el("div", { class: "tabbed-block" }, ...body));
  });
  set.append(labels, content);
  return set;
}

const KIND = {
  gradient: "Gradient of a scalar f",
  jacobian: "Jacobian of a vector f",
  vjp: "Backprop form (VJP): G ↦ the gradient of sum(G ∘ f), G shaped like f",
  hessian: "Hessian of a scalar f",
};

function copyButton(text) {
  const button = el("button", { type: "button", class: "mcref-live__example mcref-live__copy", text: "Copy the code" });
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Copy failed: select the code instead";
    }
  });
  return button;
}

function renderAnswer(d, rules) {
  const out = [];
  out.push(el("p", {}, el("strong", { text: "f" }), ` (${d.f_shape}), read in ${d.syntax === "matrixcalculus" ? "matrixcalculus.org's" : "numpy's"} syntax:`));
  out.push(math(`f = ${d.latex}`));
  const like = d.kind === "jacobian" ? "" : ` (shaped like ${d.wrt})`;
  out.push(el("p", {}, el("strong", { text: KIND[d.kind] || d.kind }), ` with respect to ${d.wrt} (${d.wrt_shape}):`));
  out.push(tabs([
    ["Numerator layout (the paper's)", math(d.numerator), el("p", { text: `Shape ${d.numerator_shape}.` })],
    ["Denominator layout", math(d.denominator), el("p", { text: `Shape ${d.denominator_shape}${like}.` })],
  ]));
  if (d.gradient) out.push(el("p", { text: "The gradient it differentiates:" }), math(d.gradient));
  if (d.kronecker) {
    out.push(el("p", { text: `The whole Jacobian ∂vec f/∂vec ${d.wrt} as a Kronecker form (${d.kronecker_shape}):` }), math(d.kronecker));
  }
  const symbols = Object.entries(d.shapes).map(([name, shape]) => `${name}: ${shape}`).join("; ");
  const symmetric = d.declared_symmetric.length ? `; symmetric: ${d.declared_symmetric.join(", ")}` : "";
  out.push(el("p", { class: "mcref-live__shapes", text: `Shapes: ${symbols}${symmetric}.` }));
  const steps = el("ol", { class: "mcref-live__steps" });
  for (const [sentence, id] of d.steps) {
    const item = el("li", {}, el("code", { text: sentence }), ": ");
    const rule = id && rules[id];
    if (rule) item.append(el("a", { href: new URL(rule.url, site).href, text: id }), ` ${rule.title}`);
    else item.append(id ? id : "a gap: no registered rule states this step yet");
    steps.append(item);
  }
  out.push(el("p", {}, el("strong", { text: "Steps" }), ", each citing the rule it applied:"), steps);
  const checks = el("ul", { class: "mcref-live__checks" });
  for (const check of d.checks) checks.append(el("li", { text: check }));
  out.push(el("p", {}, el("strong", { text: "Proven" }), " in your browser before it was shown (exact checks; numpy's numerical check runs only in Python):"), checks);
  // the code scrolls sideways in its <code> (Material's style): focusable, so keys can scroll it
  const code = el("pre", { class: "mcref-live__code" },
    el("code", { class: "language-python", tabindex: "0", "aria-label": "numpy code", text: d.numpy }));
  out.push(el("p", {}, el("strong", { text: "numpy code" }), " for f and its derivative:"), code, copyButton(d.numpy));
  if (d.check_call) out.push(el("p", { text: "Re-check it on your own data with mcref: " }, el("code", { text: d.check_call })));
  return out;
}

function renderError(message, expr, internal) {
  const box = el("div", { class: "admonition failure mcref-live__error", role: "alert" });
  box.append(el("p", { class: "admonition-title", text: internal ? "The engine failed" : "Cannot derive this" }));
  const lines = [message];
  const column = /^col (\d+): /.exec(message);
  if (column && !expr.includes("\n")) {
    const c = Math.min(Math.max(Number(column[1]), 1), expr.length + 1);
    lines.push(`  ${expr}`, `  ${" ".repeat(c - 1)}^`);
  }
  box.append(el("pre", {}, el("code", { text: lines.join("\n") })));
  return [box];
}

function readRecent() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(list) ? list.filter((r) => r && typeof r.expr === "string") : [];
  } catch {
    return [];
  }
}

function remember(input) {
  const same = (r) => r.expr === input.expr && r.wrt === input.wrt && r.shapes === input.shapes;
  const list = [input, ...readRecent().filter((r) => !same(r))].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // storage refused (private mode): the list is only shown, not kept
  }
  showRecent(list);
}

function fill(input) {
  fields.expr.value = input.expr;
  fields.wrt.value = input.wrt || "";
  fields.shapes.value = input.shapes || "";
}

function showRecent(list = readRecent()) {
  const ul = recentBox.querySelector("ul");
  ul.replaceChildren();
  for (const input of list) {
    const label = `${input.expr} (by ${input.wrt}${input.shapes ? `; ${input.shapes}` : ""})`;
    const button = el("button", { type: "button", class: "mcref-live__example", text: label });
    button.addEventListener("click", () => { fill(input); derive(); });
    ul.append(el("li", {}, button));
  }
  recentBox.hidden = list.length === 0;
}

function readHash() {
  if (!location.hash.startsWith(HASH)) return null;
  const params = new URLSearchParams(location.hash.slice(HASH.length));
  const expr = params.get("expr");
  return expr ? { expr, wrt: params.get("wrt") || "", shapes: params.get("shapes") || "" } : null;
}

function writeHash(input) {
  const params = new URLSearchParams({ expr: input.expr, wrt: input.wrt });
  if (input.shapes) params.set("shapes", input.shapes);
  history.replaceState(null, "", HASH + params.toString());
}

async function derive() {
  const input = { expr: fields.expr.value.trim(), wrt: fields.wrt.value.trim(), shapes: fields.shapes.value.trim() };
  if (!input.expr || !input.wrt) {
    answerBox.replaceChildren(...renderError("Type an expression and the variable to differentiate by.", "", false));
    return;
  }
  const started = performance.now();
  const cold = !worker || !worker.ready;
  root.setAttribute("aria-busy", "true");
  if (!cold) status.textContent = "Deriving…";
  const [{ id, result }, rules, lib] = await Promise.all([
    ask(input.expr, input.wrt, input.shapes), loadManifest().then((m) => m.rules), loadTemml(),
  ]);
  if (id !== latest) return; // a newer request is on its way
  temmlLib = lib;
  root.removeAttribute("aria-busy");
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (result.error) {
    answerBox.replaceChildren(...renderError(result.error, input.expr, result.internal));
    status.textContent = "";
  } else {
    answerBox.replaceChildren(...renderAnswer(result, rules));
    status.textContent = cold
      ? `Answered in ${seconds} s, the engine's start included.`
      : `Answered in ${seconds} s.`;
    remember(input);
  }
  answerBox.dataset.answered = String(id);
  writeHash(input);
}

// The reader's first keystroke in the form starts the engine, so that it loads while they type.
form.addEventListener("input", () => startWorker().postMessage({ type: "start" }), { once: true });
form.addEventListener("submit", (event) => {
  event.preventDefault();
  derive();
});
for (const button of root.querySelectorAll(".mcref-live__legend .mcref-live__example")) {
  button.addEventListener("click", () => {
    fill({ expr: button.textContent, wrt: button.dataset.wrt || "x", shapes: button.dataset.shapes || "" });
    fields.expr.focus();
  });
}
showRecent();
const shared = readHash();
if (shared) {
  fill(shared);
  derive();
}
