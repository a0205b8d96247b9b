// The derivative engine of the Derive page, in a Web Worker (a module) so that the page never freezes.
//
// The page (assets/derive-live.js) starts this worker on the reader's first derivative and posts
//   {type: "derive", id, expr, wrt, shapes}
// ({type: "start"} starts the engine ahead of the first request.)
// The worker answers {type: "progress", text} while it loads, then {type: "ready", seconds}, and
// {type: "answer", id, result} for each request (result: the Derivative's fields, or {error}).
// Everything comes from the site's own files under assets/derive-live/ (hooks/pyodide_assets.py
// writes them): the Pyodide runtime, the SymPy and mpmath wheels, and mcref's numpy-free engine.

const assets = new URL("./derive-live/", import.meta.url);

const ANSWER = `
import json
from mcref.engine import DeriveError, derive

def mcref_live_answer(expr, wrt, shapes):
    try:
        d = derive(expr, wrt, shapes or None)
    except DeriveError as err:
        return json.dumps({"error": str(err)})
    keys = ("expr", "wrt", "kind", "latex", "numerator", "denominator", "f_shape", "wrt_shape",
            "numerator_shape", "denominator_shape", "shapes", "numpy", "checks", "syntax",
            "declared_symmetric", "check_call", "gradient", "kronecker", "kronecker_shape")
    out = {k: getattr(d, k) for k in keys}
    out["steps"] = [list(step) for step in d.steps]
    return json.dumps(out)
`;

let ready = null;

async function fetchBytes(name) {
  const response = await fetch(new URL(name, assets));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function boot() {
  const started = performance.now();
  const phases = {};
  let last = started;
  const say = (text) => {
    const now = performance.now();
    phases[text] = 0;
    const names = Object.keys(phases);
    if (names.length > 1) phases[names[names.length - 2]] = (now - last) / 1000;
    last = now;
    postMessage({ type: "progress", text });
  };
  say("loading the manifest");
  const manifest = await (await fetch(new URL("manifest.json", assets))).json();
  say(`starting Python (Pyodide ${manifest.pyodide}, WebAssembly)`);
  const { loadPyodide } = await import(new URL("pyodide.mjs", assets).href);
  const pyodide = await loadPyodide({ indexURL: assets.href, fullStdLib: false });
  say("unpacking SymPy and mpmath");
  const archives = await Promise.all(
    [...Object.keys(manifest.wheels), manifest.engine].map(async (name) => [name, await fetchBytes(name)]),
  );
  for (const [name, bytes] of archives) {
    pyodide.unpackArchive(bytes, name.endsWith(".whl") ? "wheel" : "zip");
  }
  say("importing the engine");
  await pyodide.runPythonAsync(ANSWER);
  const answer = pyodide.globals.get("mcref_live_answer");
  say("ready");
  delete phases.ready;
  postMessage({ type: "ready", seconds: (performance.now() - started) / 1000, phases });
  return answer;
}

function start() {
  ready ??= boot().catch((err) => {
    ready = null; // the next request tries again
    throw err;
  });
  return ready;
}

onmessage = async (event) => {
  const { type, id, expr, wrt, shapes } = event.data;
  if (type === "start") {
    start().catch((err) => postMessage({ type: "progress", text: `failed (${err.message || err})` }));
    return;
  }
  if (type !== "derive") return;
  try {
    const answer = await start();
    const started = performance.now();
    const result = JSON.parse(answer(expr, wrt, shapes));
    result.seconds = (performance.now() - started) / 1000;
    postMessage({ type: "answer", id, result });
  } catch (err) {
    postMessage({ type: "answer", id, result: { error: String(err && err.message ? err.message : err), internal: true } });
  }
};
