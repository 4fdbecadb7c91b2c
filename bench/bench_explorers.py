"""Benchmark: kernel-side time of one interaction with each explorer of notebooks 01-03.

An interaction is what happens in the kernel when the learner moves a control: setting
``app.controls[name].value`` runs the explorer's update and renders the PNG that is sent to
the browser. The time does not include the trip to the browser and its drawing (the browser
test measures the on-screen response). Each explorer is driven through a fixed cycle of
settings after one warm-up cycle; the table gives the median and the slowest time per
interaction (wall clock), the median CPU time of the process per interaction (what the wall
time would be on an idle machine, as the work is single-threaded), how many interactions
redrew the figure from scratch, and the machine's load average (other processes skew the
wall-clock numbers).

Run from the repository root::

    python bench/bench_explorers.py              # about 10-30 s
    python bench/bench_explorers.py --cycles 5

This is a benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from cnnlesson import filters, widgets  # noqa: E402
from cnnlesson.images import load_photo, to_grayscale  # noqa: E402


def _scenarios():
    """(name, make_app, [(control, value), ...]) for every explorer."""
    photo = load_photo(size=128)
    gray = to_grayscale(photo).astype(np.float64)
    patch = gray[32:42, 48:58]
    corner = np.maximum(filters.correlate2d(gray[40:49, 60:69], filters.SOBEL_X), 0)
    corner = np.pad(corner, 1)[:8, :8]
    out = [
        ("convolution_explorer (01/02)",
         lambda: widgets.convolution_explorer(patch, filters.SOBEL_X),
         [("i", 3), ("j", 5), ("i", 7), ("j", 0)]),
        ("kernel_playground (01)",
         lambda: widgets.kernel_playground(photo),
         [("preset", "sobel x"), ("k11", 2.0), ("preset", "box blur"), ("k00", -1.0)]),
        ("pooling_explorer (03)",
         lambda: widgets.pooling_explorer(corner),
         [("i", 2), ("j", 3), ("mode", "avg"), ("size", 3), ("stride", 1), ("mode", "max"),
          ("size", 2), ("stride", 2)]),
    ]
    for name, factory, steps in _new_scenarios(photo, gray):
        out.append((name, factory, steps))
    return out


def _new_scenarios(photo, gray):
    """Explorers that may not exist in an older checkout (skipped there)."""
    found = []
    make = getattr(widgets, "flip_explorer", None)
    if make is not None:
        patch = gray[32:42, 48:58]
        found.append(("flip_explorer (02)", lambda make=make: make(patch, filters.SOBEL_X),
                      [("i", 3), ("flip", True), ("j", 5), ("flip", False)]))
    make = getattr(widgets, "geometry_explorer", None)
    if make is not None:
        found.append(("geometry_explorer (02)", lambda make=make: make(),
                      [("kernel", 5), ("stride", 2), ("padding", 1), ("size", 9),
                       ("kernel", 3), ("stride", 1), ("padding", 0), ("size", 7)]))
    make = getattr(widgets, "shift_explorer", None)
    if make is not None:
        found.append(("shift_explorer (03)",
                      lambda make=make: make(gray[20:, 30:], filters.SOBEL_X),
                      [("dx", 1), ("dx", 2), ("dy", 1), ("dx", 0), ("dy", 0)]))
    return found


def bench(cycles: int) -> list[tuple[str, list[float], list[float], int]]:
    rows = []
    for name, factory, steps in _scenarios():
        app = factory()
        start = {c: app.controls[c].value for c, _ in steps}
        times, cpu = [], []
        rebuilds = 0
        for cycle in range(cycles + 1):
            for control, value in steps:
                before = getattr(app, "rebuilds", None)
                t0, c0 = time.perf_counter(), time.process_time()
                app.controls[control].value = value
                took, cpu_took = time.perf_counter() - t0, time.process_time() - c0
                if cycle:  # the first cycle warms caches up
                    times.append(took)
                    cpu.append(cpu_took)
                    rebuilds += before is None or app.rebuilds != before
            for control, value in start.items():
                app.controls[control].value = value
        rows.append((name, times, cpu, rebuilds))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3, help="timed cycles per explorer")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    rows = bench(args.cycles)
    load_after = os.getloadavg()
    print(f"python {platform.python_version()}, matplotlib {matplotlib.__version__}, "
          f"{os.cpu_count()} cores; load average before {load[0]:.1f}, after "
          f"{load_after[0]:.1f} (1 min)")
    print(f"{'explorer':32s} {'n':>4s} {'median ms':>10s} {'max ms':>8s} {'CPU ms':>7s} "
          f"{'rebuilt':>8s}")
    for name, times, cpu, rebuilds in rows:
        print(f"{name:32s} {len(times):4d} {1000 * statistics.median(times):10.0f} "
              f"{1000 * max(times):8.0f} {1000 * statistics.median(cpu):7.0f} {rebuilds:8d}")


if __name__ == "__main__":
    main()
