"""Benchmark: the derivative engine's time per gallery expression, and its numpy code against autodiff.

Two parts, both run by hand (timings depend on the machine and on what else it runs):

* **engine** (`mcref.engine.derive` on every entry of `spec/derive-gallery.toml`, the gallery of
  "Derive your own"): each entry is derived `--repeats` times, SymPy's cache cleared before every call so
  that no call reuses the work of an earlier one; the table gives each entry's median and worst time, and
  the summary the median over entries and the worst single call. The time of the first call of the
  process (SymPy's import and warm-up) is given apart. Only CPython and the standard library, SymPy and
  mcref are needed.
* **autodiff** (`--autodiff`): the gradient code that `mcref.derive` writes for three gallery entries,
  run at large sizes in float64, against `jax.jit(jax.grad(f))` (compiled before timing) and
  `torch.autograd.grad` on CPU, each on the same expression written by hand in its library. All three
  are first checked to agree. Each is then timed in rounds that visit the three in a new random order
  each time, so a burst of load from elsewhere hits all of them; a contender's time is its median round.
  The ratio is the numpy code's time over the faster of JAX and PyTorch (below 1: numpy is faster).
  Needs torch and jax: install them in a separate environment (they switch on optional tests of the
  main one), e.g.

      python3 -m venv /tmp/venv-bench && /tmp/venv-bench/bin/pip install numpy sympy torch==2.13.0 jax jaxlib
      PYTHONPATH=. /tmp/venv-bench/bin/python benchmarks/engine_speed.py --autodiff

Threads are pinned to `--threads` (default 1) for every contender, as in `loss_gradient.py`.

    .venv/bin/python benchmarks/engine_speed.py                  # the engine table
    PYTHONPATH=. /tmp/venv-bench/bin/python benchmarks/engine_speed.py --autodiff --no-engine
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "spec" / "derive-gallery.toml"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="derives per gallery entry (default 5)")
    parser.add_argument("--autodiff", action="store_true", help="also time the generated code against jax and torch")
    parser.add_argument("--no-engine", action="store_true", help="skip the engine table")
    parser.add_argument("--rounds", type=int, default=15, help="timing rounds of the autodiff part (default 15)")
    parser.add_argument("--threads", type=int, default=1, help="threads for every contender (default 1)")
    return parser.parse_args(argv)


RUN = __name__ == "__main__"
ARGS = parse_args() if RUN else parse_args([])
if RUN:  # pin threads before numpy, torch or jax start their thread pools
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: ARGS.threads])

import numpy as np  # noqa: E402

import mcref  # noqa: E402


def gallery() -> list[dict[str, Any]]:
    return list(tomllib.loads(GALLERY.read_text(encoding="utf-8"))["entry"])


def machine() -> str:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import sympy

    return (
        f"{datetime.date.today().isoformat()}; {cpu} ({platform.machine()}), {os.cpu_count()} cores; "
        f"{platform.python_implementation()} {platform.python_version()}, SymPy {sympy.__version__}, "
        f"numpy {np.__version__}; {ARGS.threads} thread(s)"
    )


# ----- the engine -----


def engine_table() -> None:
    from sympy.core.cache import clear_cache

    entries = gallery()
    start = time.perf_counter()
    mcref.derive("x'*x", "x")  # loads the engine and warms it up (SymPy is imported already, by machine())
    first = time.perf_counter() - start
    rows = []
    for e in entries:
        times = []
        for _ in range(ARGS.repeats):
            clear_cache()
            t = time.perf_counter()
            mcref.derive(e["expr"], e["wrt"], e.get("shapes"))
            times.append(time.perf_counter() - t)
        rows.append((e["id"], e["expr"], e["wrt"], statistics.median(times), max(times)))
    print(f"engine: mcref.derive per gallery entry, {ARGS.repeats} runs each, SymPy's cache cleared before each")
    print(f"first call of the process (the engine loaded and warmed up, SymPy already imported): {first:.2f} s")
    print()
    print("| entry | expression | wrt | median (s) | worst (s) |")
    print("|---|---|---|---:|---:|")
    for entry_id, expr, wrt, med, worst in rows:
        print(f"| {entry_id} | `{expr}` | {wrt} | {med:.3f} | {worst:.3f} |")
    medians = [r[3] for r in rows]
    slowest = max(rows, key=lambda r: r[4])
    print()
    print(
        f"{len(rows)} entries: median of the entries' medians {statistics.median(medians):.3f} s, "
        f"slowest entry median {max(medians):.3f} s, worst single call {slowest[4]:.3f} s ({slowest[0]})"
    )


# ----- the generated code against jax and torch -----


def _generated(expr: str, wrt: str, shapes: str | None = None) -> tuple[Callable[..., Any], list[str]]:
    d = mcref.derive(expr, wrt, shapes)
    code: dict[str, Any] = {}
    exec(d.numpy, code)
    import inspect

    return code["grad_f"], list(inspect.signature(code["f"]).parameters)


def cases(rng: np.random.Generator) -> list[dict[str, Any]]:
    """Three gallery entries at large sizes: their point, and the same f written for jax and torch."""
    import jax.numpy as jnp
    import torch

    out = []
    # mco-logistic-regression: N samples of d features
    n, d = 20_000, 500
    point = {"y": np.sign(rng.normal(size=n)), "X": rng.normal(size=(n, d)) / np.sqrt(d), "w": rng.normal(size=d)}
    out.append(dict(
        id="mco-logistic-regression", size=f"X: {n}×{d}", wrt="w",
        expr="sum(log(exp(-y.*(X*w))+vector(1)))", point=point,
        jax=lambda y, X, w: jnp.sum(jnp.log(jnp.exp(-y * (X @ w)) + 1)),
        torch=lambda y, X, w: torch.sum(torch.log(torch.exp(-y * (X @ w)) + 1)),
    ))  # fmt: skip
    # mlp-W1: a 2000-wide hidden layer
    h, k, m = 2000, 2000, 100
    point = {
        "W2": rng.normal(size=(m, h)) / np.sqrt(h),
        "W1": rng.normal(size=(h, k)) / np.sqrt(k),
        "x": rng.normal(size=k),
        "b1": rng.normal(size=h),
        "b2": rng.normal(size=m),
        "y": rng.normal(size=m),
    }
    out.append(dict(
        id="mlp-W1", size=f"W1: {h}×{k}, W2: {m}×{h}", wrt="W1",
        expr="np.sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)", point=point,
        jax=lambda W2, W1, x, b1, b2, y: jnp.sum((W2 @ jnp.maximum(0, W1 @ x + b1) + b2 - y) ** 2),
        torch=lambda W2, W1, x, b1, b2, y: torch.sum((W2 @ torch.relu(W1 @ x + b1) + b2 - y) ** 2),
    ))  # fmt: skip
    # mco-trace-product: five n×n matrices, matrix products only
    n = 800
    point = {name: rng.normal(size=(n, n)) / np.sqrt(n) for name in ("A", "X", "B", "C")}
    out.append(dict(
        id="mco-trace-product", size=f"{n}×{n}", wrt="X", expr="tr(A*X'*B*X*C)", point=point,
        jax=lambda A, X, B, C: jnp.trace(A @ X.T @ B @ X @ C),
        torch=lambda A, X, B, C: torch.trace(A @ X.T @ B @ X @ C),
    ))  # fmt: skip
    return out


def _median_rounds(contenders: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():  # warm up (jax compiles here)
        fn()
    for _ in range(rounds):
        order = list(contenders)
        random.shuffle(order)
        for name in order:
            t = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def autodiff_table() -> None:
    import jax
    import torch

    jax.config.update("jax_enable_x64", True)
    torch.set_num_threads(ARGS.threads)
    rng = np.random.default_rng(0)
    print(f"autodiff: the generated grad_f against jax {jax.__version__} and torch {torch.__version__} (CPU), "
          f"float64, median of {ARGS.rounds} rounds")  # fmt: skip
    print()
    print("| entry | size | generated numpy (ms) | jax.grad, jit (ms) | torch autograd (ms) | numpy / faster |")
    print("|---|---|---:|---:|---:|---:|")
    for case in cases(rng):
        times = time_case(case, jax, torch)
        ratio = times["numpy"] / min(times["jax"], times["torch"])
        print(
            f"| {case['id']} | {case['size']} | {1e3 * times['numpy']:.2f} | {1e3 * times['jax']:.2f} | "
            f"{1e3 * times['torch']:.2f} | {ratio:.2f} |"
        )


def _by_name(f: Callable[..., Any], names: list[str]) -> Callable[..., Any]:
    """f called with its arguments in the order of `names` (the generated code's), whatever f's own order."""
    return lambda *a: f(**dict(zip(names, a, strict=True)))


def time_case(case: dict[str, Any], jax: Any, torch: Any) -> dict[str, float]:
    """Check that the three gradients agree, then time each (median of the rounds, in seconds)."""
    grad_f, names = _generated(case["expr"], case["wrt"])
    args = [case["point"][name] for name in names]
    k = names.index(case["wrt"])
    jax_grad = jax.jit(jax.grad(_by_name(case["jax"], names), argnums=k))
    jargs = [jax.numpy.asarray(a) for a in args]
    targs = [torch.from_numpy(np.ascontiguousarray(a)) for a in args]
    torch_f = _by_name(case["torch"], names)

    def torch_grad() -> Any:
        leaf = targs[k].detach().requires_grad_(True)
        (g,) = torch.autograd.grad(torch_f(*targs[:k], leaf, *targs[k + 1 :]), leaf)
        return g

    ours = grad_f(*args)
    for name, other in (("jax", np.asarray(jax_grad(*jargs))), ("torch", torch_grad().numpy())):
        if not np.allclose(ours, other, rtol=1e-8, atol=1e-10):
            sys.exit(f"{case['id']}: the generated gradient and {name}'s disagree")
    return _median_rounds(
        {"numpy": lambda: grad_f(*args), "jax": lambda: jax_grad(*jargs).block_until_ready(), "torch": torch_grad},
        ARGS.rounds,
    )


def main() -> None:
    print(f"machine: {machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print()
    if not ARGS.no_engine:
        engine_table()
        print()
    if ARGS.autodiff:
        autodiff_table()


if RUN:
    main()
