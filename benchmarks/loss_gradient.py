"""Benchmark: the paper's loss gradient (L1 and L2) against a loop, autodiff and the two-pass bound.

The loss is C(w, b, X, y) = (1/N) Σ_i (y_i − max(0, w · x_i + b))² (paper §6), with
N samples of d = 64 features in float64. For each N this script times ∂C/∂w and
∂C/∂b together, computed by

* the paper's sum as a Python loop over the samples (small N only);
* mcref's rule functions `grad_loss_w` and `grad_loss_b`: two validated calls;
* `mcref.paper.loss.grad_loss`, the plain formula of both: one validation (which
  scans X for NaN and inf), then z = Xw + b and eᵀX over all of X;
* `mcref.paper.loss.grad_loss_blocked`, the function to train with: the same
  numbers, with no separate scan of X and z = Xw + b and eᵀX computed block by
  block while each block of rows is in cache (and, to show what the blocks buy,
  the same in a single block: `one block`);
* PyTorch autograd on CPU (torch.float64, `torch.autograd.grad`);
* JAX, `jax.jit(jax.grad(...))` with float64 enabled, compiled before timing;
* the two-pass bound: X @ w, then e @ X, into preallocated arrays. A method that
  computes z for every sample before it forms eᵀX reads X from memory twice, so
  when X is larger than the caches this is the least time it can take (PyTorch,
  JAX, the rule functions and grad_loss all work that way). grad_loss_blocked
  goes below it by reading each block of rows from memory once.

All contenders are first checked to agree (np.allclose). Then each is timed in
rounds that visit every contender once, in a new random order each round, so a
burst of load from elsewhere on a shared machine hits all of them; a
contender's time is its best round (per call). Threads are pinned to the same
count for everyone: the process is bound to that many CPUs and
OMP/OpenBLAS/MKL/torch are told to use that many.

It is a benchmark, not a test: run it by hand,

    .venv/bin/python benchmarks/loss_gradient.py                        # one thread, writes the plot
    .venv/bin/python benchmarks/loss_gradient.py --threads 2 --no-plot  # two threads for everyone

and it prints the machine, then markdown tables (times, ratios, and what the
parts of grad_loss_blocked cost at every N), then the headline ratio: grad_loss's
time over grad_loss_blocked's.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
D = 64
SIZES = (10**3, 10**4, 10**5, 10**6)
LOOP_MAX_N = 10**5  # the per-sample loop takes about a second at 10^5; larger N are skipped, not extrapolated


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for every contender (default 1: on a shared machine the steadiest)",
    )
    parser.add_argument(
        "--repeat", type=int, default=21, help="rounds; each contender's best round is reported (default 21)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="the values of N")
    parser.add_argument(
        "--plot", type=Path, default=ROOT / "docs" / "assets" / "performance.png", help="where to write the plot"
    )
    parser.add_argument("--no-plot", action="store_true", help="do not write the plot")
    return parser.parse_args(argv)


def parse_args_defaults() -> argparse.Namespace:
    return parse_args([])


RUN = __name__ == "__main__"  # imported (by a test, say), the module pins nothing and reads no command line
ARGS = parse_args() if RUN else parse_args_defaults()
if RUN:  # pin threads before numpy, torch or jax start their thread pools
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: ARGS.threads])  # confines JAX's compiled code too

import numpy as np  # noqa: E402

from mcref.paper.loss import BLOCK_BYTES, grad_loss, grad_loss_b, grad_loss_blocked, grad_loss_w  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - the bench extra is missing
    torch = None
else:
    if RUN:
        torch.set_num_threads(ARGS.threads)
        torch.set_num_interop_threads(1)

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # pragma: no cover - the bench extra is missing or jax did not install
    jax = None
else:
    jax.config.update("jax_enable_x64", True)


# ----- (a) mcref: the two rule functions, grad_loss, grad_loss_blocked and what its blocks buy -----


def two_rule_calls(w, b, X, y):  # type: ignore[no-untyped-def]
    """L1 and L2 through their rule functions: two calls, each validating X and computing Xw."""
    return grad_loss_w(w, b, X, y), grad_loss_b(w, b, X, y)


def one_block(w, b, X, y):  # type: ignore[no-untyped-def]
    """grad_loss_blocked's checks and arithmetic with all of X as one block: z = Xw + b, then eᵀX.

    X is read from memory twice (too large for any cache), which is the two-pass bound.
    """
    return grad_loss_blocked(w, b, X, y, block_bytes=X.nbytes)


def fused_bare(w, b, X, y):  # type: ignore[no-untyped-def]
    """The unblocked arithmetic alone: no validation, no checks."""
    z = X @ w + b
    e = np.where(z > 0, z - y, 0.0)
    return (2.0 / X.shape[0]) * (e @ X), (2.0 / X.shape[0]) * e.sum()


# ----- (b) the paper's sum, one sample at a time -----


def per_sample_loop(w, b, X, y):  # type: ignore[no-untyped-def]
    """(2/N) Σ over active i of e_i x_i and of e_i, transcribed as a loop over the samples."""
    N = X.shape[0]
    grad_w, grad_b = np.zeros(X.shape[1]), 0.0
    for i in range(N):
        z_i = w @ X[i] + b
        if z_i > 0:
            e_i = z_i - y[i]
            grad_w += e_i * X[i]
            grad_b += e_i
    return (2.0 / N) * grad_w, (2.0 / N) * grad_b


# ----- (c) PyTorch autograd, (d) JAX -----


def torch_contender(w, b, X, y):  # type: ignore[no-untyped-def]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)  # shares memory with X and y: no copy
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)

    def grad():  # type: ignore[no-untyped-def]
        C = ((yt - torch.relu(Xt @ wt + bt)) ** 2).mean()
        return torch.autograd.grad(C, (wt, bt))

    return grad, lambda out: (out[0].numpy(), out[1].item())


def jax_contender(w, b, X, y):  # type: ignore[no-untyped-def]
    Xj, yj, wj, bj = (jax.device_put(jnp.asarray(a)) for a in (X, y, w, np.float64(b)))

    def C(w, b, X, y):  # type: ignore[no-untyped-def]
        return jnp.mean((y - jax.nn.relu(X @ w + b)) ** 2)  # relu: derivative 0 at 0, the paper's convention

    g = jax.jit(jax.grad(C, argnums=(0, 1)))
    jax.block_until_ready(g(wj, bj, Xj, yj))  # compile before timing

    def grad():  # type: ignore[no-untyped-def]
        return jax.block_until_ready(g(wj, bj, Xj, yj))

    return grad, lambda out: (np.asarray(out[0]), float(out[1]))


# ----- (e) the two-pass bound -----


def two_pass_contender(w, b, X, y):  # type: ignore[no-untyped-def]
    z, g = np.empty(X.shape[0]), np.empty(X.shape[1])
    e = np.random.default_rng(1).normal(size=X.shape[0])

    def passes():  # type: ignore[no-untyped-def]
        np.matmul(X, w, out=z)
        np.matmul(e, X, out=g)

    return passes


# ----- timing -----


def per_call(fn: Callable[[], Any], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": f"{cpu} ({platform.machine()}), {os.cpu_count()} cores, {ram:.0f} GiB RAM",
        "software": (
            f"Python {platform.python_version()}, numpy {np.__version__} ({blas['name']} {blas.get('version', '')}), "
            + (f"torch {torch.__version__}, " if torch else "torch not installed, ")
            + (f"jax {jax.__version__}" if jax else "jax not installed (skipped)")
        ),
        "threads": (
            f"{ARGS.threads} (process bound to {len(os.sched_getaffinity(0))} CPU(s); "
            f"OMP/OPENBLAS/MKL_NUM_THREADS={ARGS.threads}"
            + (f", torch.set_num_threads({torch.get_num_threads()})" if torch else "")
            + ")"
        ),
    }


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "skipped"
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.1f} ms"
    return f"{seconds * 1e6:,.0f} µs"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "—"
    return f"{a / b:,.2f}×" if a / b < 100 else f"{a / b:,.0f}×"


def measure(N: int, rng: np.random.Generator, order_rng: np.random.Generator) -> dict[str, float]:
    """Check every contender against mcref's L1 and L2 at N samples, then time them all in interleaved rounds.

    Returns each contender's best time per call. A function of its own so that the contenders' closures
    see this N's data and nothing else, and so that X, with every closure and tensor built on it, is
    freed on return, before the next (larger) N is drawn.
    """
    X = rng.normal(size=(N, D))  # C-contiguous float64
    w = rng.normal(size=D) / np.sqrt(D)
    b = 0.1
    y = np.maximum(0.0, X @ rng.normal(size=D) / np.sqrt(D)) + 0.1 * rng.normal(size=N)

    calls: dict[str, Callable[[], Any]] = {
        "L1 + L2 calls": lambda: two_rule_calls(w, b, X, y),
        "grad_loss": lambda: grad_loss(w, b, X, y),
        "grad_loss_blocked": lambda: grad_loss_blocked(w, b, X, y),
        "one block": lambda: one_block(w, b, X, y),
        "fused, no checks": lambda: fused_bare(w, b, X, y),
    }
    unpack: dict[str, Callable[[Any], tuple[np.ndarray, float]]] = {
        name: (lambda out: (np.ravel(out[0]), float(np.ravel(out[1])[0]))) for name in calls
    }
    if N <= LOOP_MAX_N:
        calls["loop"] = lambda: per_sample_loop(w, b, X, y)
        unpack["loop"] = lambda out: (out[0], float(out[1]))
    if torch is not None:
        calls["torch"], unpack["torch"] = torch_contender(w, b, X, y)
    if jax is not None:
        calls["jax"], unpack["jax"] = jax_contender(w, b, X, y)

    # Agreement first: every contender against mcref's registered, verified L1 and L2.
    ref_w, ref_b = grad_loss_w(w, b, X, y)[0], grad_loss_b(w, b, X, y)[0, 0]
    for name, fn in calls.items():
        got_w, got_b = unpack[name](fn())
        assert np.allclose(got_w, ref_w, rtol=1e-9, atol=1e-12), f"{name} disagrees on dC/dw at N = {N}"
        assert np.allclose(got_b, ref_b, rtol=1e-9, atol=1e-12), f"{name} disagrees on dC/db at N = {N}"
    active = float(np.mean(X @ w + b > 0))
    calls["two-pass bound"] = two_pass_contender(w, b, X, y)
    calls["one read of X"] = X.sum  # a streaming read at memory speed, for scale

    # Calls per timing so that one timing lasts at least ~5 ms (a single call when it is slower).
    number = {}
    for name, fn in calls.items():
        once = per_call(fn, 1)
        number[name] = max(1, int(0.005 / max(once, 1e-7)))
    best = dict.fromkeys(calls, float("inf"))
    order = list(calls)
    gc.disable()
    try:
        for _ in range(ARGS.repeat):
            order_rng.shuffle(order)  # a new order each round, so no contender always follows the same one
            for name in order:
                time.sleep(0.002)  # let the thread pools of the previous contender go idle
                best[name] = min(best[name], per_call(calls[name], number[name]))
    finally:
        gc.enable()
    print(
        f"N = {N:,}: all contenders agree; {active:.0%} of samples active; "
        + ", ".join(f"{k} {fmt(v)}" for k, v in best.items()),
        flush=True,
    )
    return best


def main() -> None:
    info = machine()
    print(f"date: {info['date']}")
    print(f"machine: {info['cpu']}")
    print(f"software: {info['software']}")
    print(f"threads: {info['threads']}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(
        f"timing: best of {ARGS.repeat} interleaved rounds; d = {D}, float64; per-sample loop for N <= {LOOP_MAX_N:,}"
    )
    if jax is None:
        print("JAX: not installed, its column is skipped")
    if torch is None:
        print("PyTorch: not installed, its column is skipped")
    print(flush=True)

    main_names = ["loop", "L1 + L2 calls", "grad_loss", "grad_loss_blocked", "torch", "jax", "two-pass bound"]
    variant_names = ["fused, no checks", "grad_loss", "one block", "grad_loss_blocked"]
    results: dict[int, dict[str, float | None]] = {}
    rng, order_rng = np.random.default_rng(0), np.random.default_rng(1)
    for N in ARGS.sizes:
        best = measure(N, rng, order_rng)
        results[N] = {name: best.get(name) for name in main_names + variant_names + ["one read of X"]}
        gc.collect()

    print(f"\nload average at end: {os.getloadavg()[0]:.2f}\n")
    print("Times (best round, per call):\n")
    print("| N | " + " | ".join(main_names) + " |")
    print("|---:|" + "---:|" * len(main_names))
    for N, r in results.items():
        print(f"| {N:,} | " + " | ".join(fmt(r[k]) for k in main_names) + " |")

    names = [k for k in main_names if k != "two-pass bound"]
    print("\nTime / two-pass bound (1 is the bound; lower is faster):\n")
    print("| N | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for N, r in results.items():
        print(f"| {N:,} | " + " | ".join(ratio(r[k], r["two-pass bound"]) for k in names) + " |")

    names = [k for k in main_names if k != "torch"]
    print("\nSpeed-up over PyTorch autograd (PyTorch's time / this time; above 1 is faster):\n")
    print("| N | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for N, r in results.items():
        print(f"| {N:,} | " + " | ".join(ratio(r["torch"], r[k]) for k in names) + " |")

    print(
        f"\nWhat grad_loss_blocked's parts cost (time / two-pass bound): the arithmetic in two whole passes, then "
        "grad_loss (the same with its checks, which scan X), then grad_loss_blocked in one block (no scan of X), "
        f"then grad_loss_blocked itself (in blocks of {BLOCK_BYTES // (8 * D):,} rows):\n"
    )
    print("| N | one read of X | two-pass bound | " + " | ".join(variant_names) + " |")
    print("|---:|---:|---:|" + "---:|" * len(variant_names))
    for N, r in results.items():
        bound = r["two-pass bound"]
        print(
            f"| {N:,} | {fmt(r['one read of X'])} ({ratio(r['one read of X'], bound)}) | {fmt(bound)} | "
            + " | ".join(f"{fmt(r[k])} ({ratio(r[k], bound)})" for k in variant_names)
            + " |"
        )

    largest = max(results)
    r = results[largest]
    print(f"\nTargets at N = {largest:,}:")
    disturbed = r["fused, no checks"] / r["two-pass bound"]
    print(
        f"  (sanity: 'fused, no checks' is the bound's two products plus a few length-N steps, {disturbed:.2f}× the "
        "bound in this run; well above 1.1 means other load disturbed the run)"
    )
    for name in ("L1 + L2 calls", "grad_loss", "grad_loss_blocked"):
        within = r[name] / r["two-pass bound"]
        line = f"  {name}: {within:.2f}× the two-pass bound (target <= 1.15: {'met' if within <= 1.15 else 'missed'})"
        if r["torch"] is not None:
            faster = r["torch"] / r[name]
            line += f"; {faster:.2f}× faster than PyTorch autograd (target >= 2: {'met' if faster >= 2 else 'missed'})"
        print(line)

    print("\nHeadline: grad_loss's time / grad_loss_blocked's (above 1: the blocked version is faster):")
    for N, r in results.items():
        print(
            f"  N = {N:,}: {fmt(r['grad_loss'])} / {fmt(r['grad_loss_blocked'])} = "
            f"{ratio(r['grad_loss'], r['grad_loss_blocked'])}"
        )

    if not ARGS.no_plot:
        plot(results, info)


def plot(results: dict[int, dict[str, float | None]], info: dict[str, str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {
        "loop": ("per-sample Python loop", "tab:gray", "o", "-"),
        "L1 + L2 calls": ("grad_loss_w + grad_loss_b (the rule functions)", "tab:red", "s", "-"),
        "grad_loss": ("mcref.paper.loss.grad_loss (the formula)", "tab:purple", "x", ":"),
        "grad_loss_blocked": ("mcref.paper.loss.grad_loss_blocked", "tab:blue", "D", "-"),
        "torch": ("PyTorch autograd", "tab:orange", "^", "-"),
        "jax": ("jax.jit(jax.grad)", "tab:green", "v", "-"),
        "two-pass bound": ("two-pass bound (X @ w, e @ X)", "black", None, "--"),
    }
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    for key, (label, color, marker, line) in styles.items():
        points = [(N, r[key]) for N, r in results.items() if r.get(key) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), label=label, color=color, marker=marker, linestyle=line, markersize=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"N (samples; d = {D} features, float64)")
    ax.set_ylabel("time per gradient (s), best of rounds")
    threads = f"{ARGS.threads} thread" + ("s" if ARGS.threads > 1 else "")
    ax.set_title(f"∂C/∂w and ∂C/∂b together; {threads}, {info['date']}", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    ARGS.plot.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    from PIL import Image  # a dependency of matplotlib

    # a 64-colour palette keeps the file small (the site asks for < 80 KiB) and looks the same
    Image.open(buffer).convert("RGB").quantize(colors=64).save(ARGS.plot, optimize=True)
    print(f"\nplot: {ARGS.plot} ({ARGS.plot.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    sys.exit(main())
