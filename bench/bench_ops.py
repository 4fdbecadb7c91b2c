"""Benchmark: naive loops vs vectorised numpy for conv2d and max-pooling.

Times forward + backward on the layer shapes of the course's seed network
(26x26 inputs, conv 3x3 -> pool 2 -> conv 3x3 -> pool 2 -> conv 3x3), float32,
batch 64, and prints a table with the speed-up. Each time is the best of
several repeats (``time.perf_counter``), which filters out noise from other
processes. The naive versions are slow, so they run on a smaller batch and
their time is scaled linearly to batch 64 (the loops are linear in the batch);
the table says so.

Run from the repository root::

    python bench/bench_ops.py            # about 10-20 s
    python bench/bench_ops.py --repeats 10 --naive-batch 16

This is a benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np

from cnnlesson import functional as fn

BATCH = 64

#: (name, input shape, weight shape) of the seed network's conv layers.
CONV_LAYERS = [
    ("conv1", (BATCH, 3, 26, 26), (6, 3, 3, 3)),
    ("conv2", (BATCH, 6, 12, 12), (12, 6, 3, 3)),
    ("conv3", (BATCH, 12, 5, 5), (12, 12, 3, 3)),
]
#: (name, input shape) of its max-pool layers (size 2, stride 2).
POOL_LAYERS = [
    ("pool1", (BATCH, 6, 24, 24)),
    ("pool2", (BATCH, 12, 10, 10)),
]


def best_time(fn_: Callable[[], object], repeats: int) -> float:
    """Best wall-clock time of ``repeats`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn_()
        best = min(best, time.perf_counter() - start)
    return best


def conv_step(forward, backward, x, w, b, dout):
    def run():
        _, cache = forward(x, w, b)
        return backward(dout, cache)
    return run


def pool_step(forward, backward, x, dout):
    def run():
        _, cache = forward(x, 2)
        return backward(dout, cache)
    return run


def bench_rows(rng, repeats: int, naive_batch: int, naive_repeats: int):
    rows = []
    scale = BATCH / naive_batch
    for name, x_shape, w_shape in CONV_LAYERS:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = (rng.standard_normal(w_shape) * 0.3).astype(np.float32)
        b = np.zeros(w_shape[0], np.float32)
        out, _ = fn.conv2d_forward(x, w, b)
        dout = rng.standard_normal(out.shape).astype(np.float32)
        xs, ds = x[:naive_batch], dout[:naive_batch]
        # sanity: both versions compute the same thing
        fast = conv_step(fn.conv2d_forward, fn.conv2d_backward, xs, w, b, ds)()
        slow = conv_step(fn.conv2d_forward_naive, fn.conv2d_backward_naive, xs, w, b, ds)()
        for g_fast, g_slow in zip(fast, slow, strict=True):
            np.testing.assert_allclose(g_fast, g_slow, rtol=1e-4, atol=1e-4)
        t_fast = best_time(conv_step(fn.conv2d_forward, fn.conv2d_backward, x, w, b, dout),
                           repeats)
        t_slow = best_time(conv_step(fn.conv2d_forward_naive, fn.conv2d_backward_naive,
                                     xs, w, b, ds), naive_repeats) * scale
        rows.append((f"{name} conv {w_shape[2]}x{w_shape[3]}", x_shape, w_shape, t_slow, t_fast))
    for name, x_shape in POOL_LAYERS:
        x = np.maximum(rng.standard_normal(x_shape), 0).astype(np.float32)  # ReLU-like: ties
        out, _ = fn.maxpool2d_forward(x, 2)
        dout = rng.standard_normal(out.shape).astype(np.float32)
        xs, ds = x[:naive_batch], dout[:naive_batch]
        np.testing.assert_array_equal(
            pool_step(fn.maxpool2d_forward, fn.maxpool2d_backward, xs, ds)(),
            pool_step(fn.maxpool2d_forward_naive, fn.maxpool2d_backward_naive, xs, ds)())
        t_fast = best_time(pool_step(fn.maxpool2d_forward, fn.maxpool2d_backward, x, dout),
                           repeats)
        t_slow = best_time(pool_step(fn.maxpool2d_forward_naive, fn.maxpool2d_backward_naive,
                                     xs, ds), naive_repeats) * scale
        rows.append((f"{name} maxpool 2", x_shape, None, t_slow, t_fast))
    return rows


def conv_part_step(rng, repeats: int) -> float:
    """Vectorised forward + backward of the network's conv part at batch 64."""
    x = rng.random((BATCH, 3, 26, 26)).astype(np.float32)
    weights = [((rng.standard_normal(ws) * 0.3).astype(np.float32),
                np.zeros(ws[0], np.float32)) for _, _, ws in CONV_LAYERS]

    def run():
        caches = []
        a = x
        for i, (w, b) in enumerate(weights):
            a, c_conv = fn.conv2d_forward(a, w, b)
            a, c_relu = fn.relu_forward(a)
            c_pool = None
            if i < 2:
                a, c_pool = fn.maxpool2d_forward(a, 2)
            caches.append((c_conv, c_relu, c_pool))
        d = np.ones_like(a)
        for c_conv, c_relu, c_pool in reversed(caches):
            if c_pool is not None:
                d = fn.maxpool2d_backward(d, c_pool)
            d = fn.relu_backward(d, c_relu)
            d, _, _ = fn.conv2d_backward(d, c_conv)
        return d

    return best_time(run, repeats)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20,
                        help="repeats of each vectorised timing (best is kept)")
    parser.add_argument("--naive-batch", type=int, default=8,
                        help="batch size for the naive loops, scaled to 64")
    parser.add_argument("--naive-repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    print(f"numpy {np.__version__}, Python {platform.python_version()}, float32, batch {BATCH}")
    print(f"forward + backward, best of {args.repeats} (vectorised) / {args.naive_repeats} "
          f"(naive); naive timed on batch {args.naive_batch} and scaled x"
          f"{BATCH / args.naive_batch:g} to batch {BATCH}\n")
    header = (f"{'op':<18} {'input (N, C, H, W)':<20} {'weights':<16} "
              f"{'naive ms':>10} {'vectorised ms':>14} {'speed-up':>9}")
    print(header)
    print("-" * len(header))
    for label, x_shape, w_shape, t_slow, t_fast in bench_rows(rng, args.repeats,
                                                               args.naive_batch,
                                                               args.naive_repeats):
        print(f"{label:<18} {str(x_shape):<20} {str(w_shape or '-'):<16} "
              f"{t_slow * 1e3:>10.1f} {t_fast * 1e3:>14.2f} {t_slow / t_fast:>8.0f}x")
    t_step = conv_part_step(rng, args.repeats)
    print(f"\nconv part of the seed network (3 x conv+ReLU, 2 x maxpool), forward + backward, "
          f"vectorised, batch {BATCH}: {t_step * 1e3:.2f} ms per step")


if __name__ == "__main__":
    main()
