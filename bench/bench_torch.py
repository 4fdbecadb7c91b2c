"""Compare one training step of the seed network with PyTorch CPU (not part of the tests).

The step, on both sides: the course's seed network (``seed_cnn``, 3 input
channels, float32), forward, softmax cross-entropy, backward (the input
images get no gradient) and a plain SGD update. Ours is the step that
:func:`cnnlesson.train.fit` runs (its ``StepRunner`` and finiteness checks);
PyTorch's is the same network built from ``torch.nn`` with the same initial
weights. PyTorch uses 2 threads (``torch.set_num_threads(2)``), ours
``--threads`` (default 2).

Timing: for each batch size, blocks of steps of the two libraries alternate,
with a rest of ``--rest`` seconds (default 0.2) between blocks, because after
a threaded BLAS call its worker threads spin for about 0.1 s and would slow
whatever runs next. Each block lasts about ``--block`` seconds; the time per
step is the median over ``--repeats`` blocks. The printed ratio is the median,
over the rounds, of ours / PyTorch within a round (below 1 means we are
faster).

On a machine shared with other busy processes PyTorch's OpenMP threads,
which spin while they wait, can make its 2-thread step 10-100 times slower
than on a quiet machine; ``OMP_WAIT_POLICY=PASSIVE python bench/bench_torch.py``
tames that (at some cost to PyTorch on a quiet machine). Compare on a quiet
machine for numbers to publish; ``--threads 1 --torch-threads 1`` compares one
core with one core.

PyTorch is never a dependency of the course. Install it in a separate
environment, e.g.::

    python3 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch numpy
    /tmp/torchvenv/bin/pip install --no-deps -e .
    /tmp/torchvenv/bin/python bench/bench_torch.py

Without PyTorch the script says so and exits with status 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np


def _load_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def ours_step(n: int, threads: int, seed: int = 0):
    """Return ``(step, model, X, y)`` for our fit step on a batch of ``n`` random images."""
    from cnnlesson._step import StepRunner
    from cnnlesson.model import seed_cnn
    from cnnlesson.optim import SGD

    rng = np.random.default_rng(seed)
    X = rng.random((n, 3, 26, 26), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model = seed_cnn(in_channels=3, seed=seed)
    opt = SGD(model.parameters(), lr=0.01)
    runner = StepRunner(model, threads, n)
    params = opt.params

    def step():
        logits, losses = runner.gradients(X, y)
        if not np.isfinite(logits).all():
            raise FloatingPointError("non-finite logits")
        loss = float(np.mean(losses))
        opt.step()
        if not all(np.isfinite(p.data).all() for p in params):
            raise FloatingPointError("non-finite weights")
        return loss

    return step, model, runner, X, y


def torch_step(torch, model, X, y):
    """The same network in PyTorch, initialised from ``model``'s weights."""
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(3, 6, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(12, 12, 3), nn.ReLU(), nn.Flatten(), nn.Linear(108, 10))
    convs = [m for m in net if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        for conv, name in zip(convs, ["conv1", "conv2", "conv3"], strict=True):
            conv.weight.copy_(torch.from_numpy(model[name].weight.data))
            conv.bias.copy_(torch.from_numpy(model[name].bias.data))
        net[-1].weight.copy_(torch.from_numpy(model["linear1"].weight.data.T.copy()))
        net[-1].bias.copy_(torch.from_numpy(model["linear1"].bias.data))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    xt = torch.from_numpy(X)  # requires_grad=False: conv1 skips its input gradient
    yt = torch.from_numpy(y)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def time_block(step, seconds: float, steps: int | None = None) -> tuple[float, int]:
    """Run ``step`` for about ``seconds`` (or exactly ``steps`` times); return s/step, steps."""
    if steps is None:
        t0 = time.perf_counter()
        steps = 0
        while time.perf_counter() - t0 < seconds:
            step()
            steps += 1
        return (time.perf_counter() - t0) / steps, steps
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps, steps


def compare(torch, n: int, threads: int, repeats: int, block: float, rest: float):
    ours, model, runner, X, y = ours_step(n, threads)
    theirs = torch_step(torch, model, X, y)
    first_ours, first_theirs = ours(), theirs()
    if abs(first_ours - first_theirs) > 1e-4 * max(1.0, abs(first_theirs)):
        print(f"  warning: first losses differ: ours {first_ours:.6f}, torch {first_theirs:.6f}")
    # Calibrate the number of steps per block on each side.
    _, n_ours = time_block(ours, block)
    time.sleep(rest)
    _, n_theirs = time_block(theirs, block)
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        time.sleep(rest)
        t_ours.append(time_block(ours, block, n_ours)[0])
        time.sleep(rest)
        t_theirs.append(time_block(theirs, block, n_theirs)[0])
    runner.close()
    # The machine's speed drifts (other virtual machines, clock changes): the ratio of the
    # two blocks of one round, measured a fraction of a second apart, is steadier than the
    # ratio of the two medians.
    ratio = statistics.median(a / b for a, b in zip(t_ours, t_theirs, strict=True))
    return statistics.median(t_ours), statistics.median(t_theirs), ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32, 64, 256])
    parser.add_argument("--threads", type=int, default=2, help="our threads (default 2)")
    parser.add_argument("--torch-threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--block", type=float, default=0.4, help="seconds per timed block")
    parser.add_argument("--rest", type=float, default=0.2, help="seconds between blocks")
    args = parser.parse_args(argv)

    torch = _load_torch()
    if torch is None:
        print("PyTorch is not installed in this environment: nothing to compare. Install it in "
              "a separate environment (see the top of bench/bench_torch.py); it is never a "
              "dependency of the course.")
        return 0
    torch.set_num_threads(args.torch_threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"numpy {np.__version__}, torch {torch.__version__} ({args.torch_threads} threads), "
          f"ours {args.threads} thread(s); Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start")
    print(f"{'batch':>5}  {'ours ms':>9}  {'torch ms':>9}  {'ours/torch':>10}")
    for n in args.batch_sizes:
        t_ours, t_theirs, ratio = compare(torch, n, args.threads, args.repeats, args.block,
                                          args.rest)
        print(f"{n:>5}  {t_ours * 1e3:>9.3f}  {t_theirs * 1e3:>9.3f}  {ratio:>10.2f}",
              flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} at the end (on a busy machine the numbers are skewed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
