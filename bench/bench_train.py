"""Benchmark the learning machinery (not part of the tests).

1. One training step of the course's seed network (forward + softmax
   cross-entropy + backward + Adam update), float32, batch 64: time per step
   and images per second, best of several repeats.
2. The same step with the naive-loop conv and max-pool ops swapped in
   (``cnnlesson.functional.*_naive``), timed on a few steps: the speed ratio.
3. ``train_digits`` (the course's digits recipe, ``digits_recipe()``): test
   accuracy on the 1,000 held-out digits and the wall-clock training time.
4. ``train_shapes`` (6,000 training / 1,000 test shapes): test accuracy and time.
5. Peak memory of the process (``resource.getrusage`` maxrss).

    python bench/bench_train.py [--seeds 0 1 2] [--skip-digits] [--skip-shapes]

Wall-clock times depend on what else runs on the machine; run it on a quiet one.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import resource
import time

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson import functional as F
from cnnlesson.datasets import load_digits, make_shapes
from cnnlesson.model import seed_cnn
from cnnlesson.optim import Adam
from cnnlesson.train import digits_recipe, evaluate, shapes_recipe, train_digits, train_shapes


def make_step(model, X, y):
    opt = Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        logits = model.forward(X)
        _, dlogits = F.softmax_cross_entropy(logits, y)
        model.backward(dlogits, input_grad=False)  # as fit does: the image needs none
        opt.step()

    return step


def time_steps(step, n_steps: int, repeats: int) -> float:
    """Best time per step over ``repeats`` runs of ``n_steps`` steps, in seconds."""
    step()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n_steps):
            step()
        best = min(best, (time.perf_counter() - t0) / n_steps)
    return best


@contextlib.contextmanager
def naive_ops():
    """Swap the naive-loop conv and max-pool ops in for the kernels the layers call."""
    naive = {
        "conv2d_forward": F.conv2d_forward_naive,
        "conv2d_backward": lambda dout, cache, input_grad=True, bounds=None:
            F.conv2d_backward_naive(dout, cache),
        "maxpool2d_forward": F.maxpool2d_forward_naive,
        "maxpool2d_backward": F.maxpool2d_backward_naive,
    }
    saved = {n: getattr(K, n) for n in naive}
    try:
        for n, f in naive.items():
            setattr(K, n, f)
        yield
    finally:
        for n, f in saved.items():
            setattr(K, n, f)


def bench_step(batch: int = 64):
    rng = np.random.default_rng(0)
    print(f"\n== training step, seed network, float32, batch {batch} ==")
    for c in (1, 3):
        X = rng.random((batch, c, 26, 26), dtype=np.float32)
        y = rng.integers(0, 10, batch)
        fast = time_steps(make_step(seed_cnn(in_channels=c), X, y), 100, 5)
        with naive_ops():
            naive = time_steps(make_step(seed_cnn(in_channels=c), X, y), 2, 2)
        print(f"C={c}: vectorised {fast * 1e3:6.2f} ms/step ({batch / fast:8,.0f} images/s)   "
              f"naive loops {naive * 1e3:8.1f} ms/step ({batch / naive:6,.0f} images/s)   "
              f"naive/vectorised = {naive / fast:5.0f}x")


def bench_digits(seeds):
    (_, _), (X_test, y_test) = load_digits()
    print(f"\n== digits: train_digits(seed), recipe {digits_recipe()} ==")
    accs = []
    for seed in seeds:
        t0 = time.perf_counter()
        model, hist = train_digits(seed=seed, progress=False)
        dt = time.perf_counter() - t0
        loss, acc = evaluate(model, X_test, y_test)
        accs.append(acc)
        print(f"seed {seed}: test accuracy {acc:.1%} (loss {loss:.3f}), final train acc "
              f"{hist.epoch_train_acc[-1]:.1%}, wall time {dt:.1f} s "
              f"(incl. loading and per-epoch evaluation on the test set)")
    if len(accs) > 1:
        print(f"mean {np.mean(accs):.2%}, min {np.min(accs):.1%}, max {np.max(accs):.1%}")


def bench_shapes(seeds):
    X_test, y_test = make_shapes(1000, seed=1)
    print(f"\n== shapes: train_shapes(seed) 6000 train / 1000 test, recipe {shapes_recipe()} ==")
    for seed in seeds:
        t0 = time.perf_counter()
        model, _ = train_shapes(seed=seed, progress=False)
        dt = time.perf_counter() - t0
        loss, acc = evaluate(model, X_test, y_test)
        print(f"seed {seed}: test accuracy {acc:.1%} (loss {loss:.3f}), wall time {dt:.1f} s "
              "(incl. generating the data)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--skip-step", action="store_true")
    parser.add_argument("--skip-digits", action="store_true")
    parser.add_argument("--skip-shapes", action="store_true")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, python {platform.python_version()}, "
          f"{platform.machine()}")
    if not args.skip_step:
        bench_step()
    if not args.skip_digits:
        bench_digits(args.seeds)
    if not args.skip_shapes:
        bench_shapes(args.seeds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\npeak memory (maxrss): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
