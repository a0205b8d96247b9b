"""Benchmark: how often fast mode catches a wrong backprop function, by the size of the mistake.

`check_backprop(..., mode="fast")` compares three random projections (13 calls of f).
This script measures its detection curve: for an element-wise f(x) = x + sin(x)/2
(|J_ii| between 0.5 and 1.5) at n = 10⁴, 10⁵ and 10⁶, the fraction of trials
(each with its own seed and point) in which the check fails for

* a VJP scaled by 1 + δ (every entry wrong by the relative δ), and
* a VJP with one entry, chosen at random, wrong by the relative δ,

and, as the false-alarm row, the fraction in which the right VJP fails. It is a
measurement, not a test: run it by hand,

    .venv/bin/python benchmarks/fast_check_detection.py            # 830 s on a busy two-core machine
    .venv/bin/python benchmarks/fast_check_detection.py --trials 0.2  # a fifth of the trials

and it prints a markdown table, copied into docs/check.md.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from mcref.core.check import check_backprop

SIZES = (10_000, 100_000, 1_000_000)
TRIALS = {10_000: 300, 100_000: 60, 1_000_000: 10}  # the check costs about 1 s at 10⁶ on one core
SCALED = (1e-9, 3e-9, 1e-8, 3e-8, 1e-7, 1e-3)  # around where detection sets in, and the target
ONE_ENTRY = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 1e-2)


def f(x: np.ndarray) -> np.ndarray:
    return x + 0.5 * np.sin(x)


def right(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    return v * (1.0 + 0.5 * np.cos(x))


def scaled(delta: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda v, x: (1.0 + delta) * right(v, x)


def one_entry(delta: float, k: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def vjp(v: np.ndarray, x: np.ndarray) -> np.ndarray:
        g = right(v, x)
        g[k] *= 1.0 + delta
        return g

    return vjp


def detection(n: int, trials: int, make: Callable[[int, np.random.Generator], Callable[..., np.ndarray]]) -> float:
    """The fraction of `trials` checks that fail; trial t uses seed t for the checker and for the point."""
    failed = 0
    for t in range(trials):
        rng = np.random.default_rng(1000 + t)
        x = rng.uniform(-2.0, 2.0, n)
        failed += not check_backprop(f, make(n, rng), x, mode="fast", seed=t).ok
    return failed / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=float, default=1.0, help="scale the number of trials (default 1)")
    args = parser.parse_args()
    trials = {n: max(1, round(t * args.trials)) for n, t in TRIALS.items()}
    start = time.perf_counter()
    rows: list[tuple[str, list[float]]] = []
    rows.append(("right VJP (false alarms)", [detection(n, trials[n], lambda n, rng: right) for n in SIZES]))
    for d in SCALED:
        rows.append((f"scaled by 1 + {d:.0e}", [detection(n, trials[n], lambda n, rng, d=d: scaled(d)) for n in SIZES]))
    for d in ONE_ENTRY:
        rows.append(
            (
                f"one entry off by {d:.0e}",
                [detection(n, trials[n], lambda n, rng, d=d: one_entry(d, int(rng.integers(n)))) for n in SIZES],
            )
        )
    head = "| mistake | " + " | ".join(f"n = 10^{round(np.log10(n))} ({trials[n]} trials)" for n in SIZES) + " |"
    print(head)
    print("|---|" + "---|" * len(SIZES))
    for label, values in rows:
        print(f"| {label} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
