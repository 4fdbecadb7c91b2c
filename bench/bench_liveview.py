"""How much does LiveView slow down training? (not part of the tests)

Trains the course's seed_cnn on a few thousand digits with and without a
LiveView, in this process where the notebook display is replaced by a stub
that only counts updates (so the drawing and PNG encoding are measured, not a
browser). Runs alternate, each configuration several times, and the median
wall-clock times are compared.

    python bench/bench_liveview.py [--n 3000] [--epochs 3] [--repeats 3] [--every 20]
                                   [--layer conv1]

matplotlib is warmed up first (fonts loaded), as it is in a notebook that has
drawn any figure.
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from cnnlesson import datasets, model, optim, train  # noqa: E402
from cnnlesson.viz import LiveView, figure_frame  # noqa: E402
from cnnlesson.viz.animation import _agg_figure  # noqa: E402


class _StubHandle:
    def __init__(self):
        self.updates = 0

    def update(self, obj):
        self.updates += 1


def _stub_display(obj, display_id=True):
    return _StubHandle()


def _warm_up():
    fig = _agg_figure((4, 3), 80)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("warm-up")
    figure_frame(fig)


def _run(X, y, *, epochs, live):
    m = model.seed_cnn(in_channels=1, seed=0)
    opt = optim.Adam(m.parameters(), lr=3e-3)
    t, c = time.perf_counter(), time.process_time()
    train.fit(m, X, y, epochs=epochs, batch_size=32, optimizer=opt,
              callbacks=[live] if live else [], progress=False, seed=0)
    return time.perf_counter() - t, time.process_time() - c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="training digits")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--every", type=int, default=20, help="LiveView refresh interval (steps)")
    ap.add_argument("--layer", default="conv1", help="conv layer the LiveView shows")
    args = ap.parse_args()
    (X, y), (Xte, _) = datasets.load_digits()
    X, y = X[:args.n], y[:args.n]
    _warm_up()
    _run(X[:256], y[:256], epochs=1, live=None)  # warm numpy too
    plain, with_live, cpu_plain, cpu_live, frames, skipped, render, share = ([] for _ in range(8))
    for _ in range(args.repeats):
        wall, cpu = _run(X, y, epochs=args.epochs, live=None)
        plain.append(wall)
        cpu_plain.append(cpu)
        lv = LiveView(every=args.every, probe=Xte[0], layer=args.layer, display=_stub_display)
        wall, cpu = _run(X, y, epochs=args.epochs, live=lv)
        with_live.append(wall)
        cpu_live.append(cpu)
        frames.append(lv.frames)
        skipped.append(lv.skipped)
        render.append(lv.render_seconds)
        share.append(lv.render_seconds / (wall - lv.render_seconds))
    a, b = statistics.median(plain), statistics.median(with_live)
    ca, cb = statistics.median(cpu_plain), statistics.median(cpu_live)
    steps = args.epochs * -(-args.n // 32)
    print(f"fit on {args.n} digits, {args.epochs} epochs ({steps} steps), batch 32, "
          f"LiveView(every={args.every}, layer={args.layer!r})")
    print(f"  without LiveView: median {a:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in plain)})")
    print(f"  with LiveView:    median {b:.3f} s  (runs: "
          f"{', '.join(f'{t:.3f}' for t in with_live)})")
    print(f"  pictures sent per run: {frames}, refreshes skipped by the budget: {skipped}, "
          f"drawing time per run: {', '.join(f'{t:.3f}' for t in render)} s")
    print(f"  drawing time / training time per run: "
          f"{', '.join(f'{100 * x:.1f} %' for x in share)}")
    print(f"  overhead, wall clock: {100 * (b - a) / a:+.1f} %;  CPU time of this process: "
          f"{100 * (cb - ca) / ca:+.1f} % (target: at most about 20 %)")
    print("  (wall-clock numbers are noisy when other programs share the cores; the CPU-time "
          "and drawing-share lines are the steadier measures)")


if __name__ == "__main__":
    main()
