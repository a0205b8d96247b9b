"""Benchmark: backprop's vector-Jacobian product against forming the Jacobian.

For the element-wise product y = w ⊗ x (rule R10), the Jacobian with respect to
w is diag(x), an n by n matrix, and backprop needs only vᵀJ = v ⊗ x. This script
times both for growing n and reports the memory the Jacobian would need, to show
where forming J stops being possible on this machine. It is a benchmark, not a
test: run it by hand,

    .venv/bin/python benchmarks/vjp_vs_jacobian.py

and it prints a markdown table (ratios measured in one run).
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from mcref.paper.elementwise import jac_multiply_w


def best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {total / 1024**3:.0f} GiB RAM, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    budget = total / 4  # form J only while it fits in a quarter of RAM
    print()
    print("| n | Jacobian size | form J, then vᵀJ | VJP v ⊗ x | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for n in [10**2, 10**3, 3 * 10**3, 10**4, 3 * 10**4, 6 * 10**4, 10**5, 10**6, 10**8]:
        w, x, v = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
        jac_bytes = 8 * n * n
        size = f"{jac_bytes / 1024**2:,.1f} MiB" if jac_bytes < 1024**3 else f"{jac_bytes / 1024**3:,.0f} GiB"
        t_vjp = best_of(lambda v=v, x=x: v * x)
        if jac_bytes <= budget:
            t_full = best_of(lambda v=v, w=w, x=x: v @ jac_multiply_w(w, x), repeat=3)
            print(f"| {n:,} | {size} | {t_full * 1e3:,.3f} ms | {t_vjp * 1e3:,.4f} ms | {t_full / t_vjp:,.0f}× |")
        elif jac_bytes <= total:
            print(f"| {n:,} | {size} | skipped: J alone would fill {jac_bytes / total:.0%} of RAM "
                  f"| {t_vjp * 1e3:,.4f} ms | — |")
        else:
            print(f"| {n:,} | {size} | impossible: J alone exceeds RAM | {t_vjp * 1e3:,.4f} ms | — |")


if __name__ == "__main__":
    main()
