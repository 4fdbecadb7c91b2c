"""The gradient computation of one training step, optionally on two threads.

:func:`cnnlesson.train.fit` checks its data once and then calls
:meth:`StepRunner.gradients` for every batch. The runner goes through the
layers' unchecked kernels (``Layer._forward`` and ``Layer._grads``) and skips
the gradient with respect to the input images, which nothing needs.

Two threads, same numbers
-------------------------
A batch of at least :data:`MIN_SPLIT` examples is always cut the same way,
whatever the number of threads (:func:`piece_bounds`: an even number of
pieces of at most :data:`PIECE` examples). Each piece runs forward and
backward on its own; with two threads (and at least :data:`PARALLEL_MIN`
examples) the first half of the pieces runs on the calling thread and the
second half on a helper thread (numpy releases the
GIL inside its matrix products and most element-wise operations, so both
cores work). The pieces' gradients are then added in a fixed order, so the
same seed gives bit-identical weights with 1 or 2 threads. (Cutting a batch
changes the order of some additions compared with one uncut batch: rounding
only.) Small pieces also keep the unfolded windows in the CPU caches, which
makes even one thread faster than one big batch.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson._blas import single_threaded_blas
from cnnlesson._memory import keep_freed_memory

#: Batches of at least this many examples are cut into pieces.
MIN_SPLIT = 32
#: The largest piece (see :func:`piece_bounds`).
PIECE = 32
#: Batches of at least this many examples run their pieces on two threads (when
#: allowed); smaller ones gain nothing from it (measured: the pieces are too small).
PARALLEL_MIN = 64


def default_threads() -> int:
    """Threads used by ``fit(threads=None)``: the machine's cores, at most 2."""
    return max(1, min(2, os.cpu_count() or 1))


def _piece(layers, x: np.ndarray, y: np.ndarray, denominator: int, split: bool):
    """Forward, loss and backward for one piece of a batch.

    Returns ``(logits, per-example losses, grads)``; ``grads`` lists, for each
    layer from the last to the first, the gradients of its parameters, or
    ``None`` for a layer that added them to ``.grad`` itself (custom layers,
    only when the batch is not split).
    """
    caches = []
    for layer in layers:
        x, cache = layer._forward(x)
        caches.append(cache)
    logits = x
    losses, d = K.softmax_cross_entropy_rows(logits, y, denominator)
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        if split or layer.splittable:
            d, g = layer._grads(d, caches[i], i > 0)
        else:
            d, g = layer._backward(d, caches[i]), None
        grads.append(g)
    return logits, losses, grads


class StepRunner:
    """Computes the loss and the gradients of a batch for :func:`~cnnlesson.train.fit`.

    Parameters
    ----------
    model : Sequential
        Its parameters' ``.grad`` receive the gradients.
    threads : int
        1, or 2 to run the two halves of a split batch at the same time.
    batch_size : int
        The largest batch that will be passed (decides whether a thread is started).
    """

    def __init__(self, model, threads: int, batch_size: int):
        self.model = model
        self.layers = list(model.layers)
        self.splittable = all(layer.splittable for layer in self.layers)
        self.params = [layer.parameters() for layer in reversed(self.layers)]
        use_pool = threads > 1 and self.splittable and batch_size >= PARALLEL_MIN
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="cnnlesson") if use_pool else None
        keep_freed_memory()  # no fresh (page-faulting) memory on every step
        # The step's matrix products are small or thin: OpenBLAS's own threads gain little
        # and, next to our threads or a busy machine, cost a lot (they spin while waiting).
        self._blas = single_threaded_blas()
        self._blas.__enter__()

    def close(self) -> None:
        """Stop the helper thread, if any, and restore OpenBLAS's thread count."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        if self._blas is not None:
            self._blas.__exit__(None, None, None)
            self._blas = None

    def gradients(self, xb: np.ndarray, yb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Set every parameter's ``.grad`` to the gradient of the batch's mean loss.

        Returns ``(logits, per-example losses)``; nothing is checked for NaN here.
        """
        n = xb.shape[0]
        if not all(layer.standard for layer in self.layers):
            # A learner's layer with its own forward/backward: the plain, checked way.
            for group in self.params:
                for p in group:
                    p.grad[...] = 0
            logits = self.model.forward(xb)
            losses, d = K.softmax_cross_entropy_rows(logits, yb, n)
            self.model.backward(d, input_grad=False)
            return logits, losses
        bounds = piece_bounds(n) if self.splittable else [0, n]
        if len(bounds) == 2:
            for group in self.params:
                for p in group:
                    p.grad[...] = 0
            logits, losses, grads = _piece(self.layers, xb, yb, n, False)
            for group, gs in zip(self.params, grads, strict=True):
                if gs is not None:
                    for p, g in zip(group, gs, strict=True):
                        np.copyto(p.grad, g)
            return logits, losses
        k = len(bounds) - 1
        if self.pool is not None and n >= PARALLEL_MIN:
            later = self.pool.submit(_pieces, self.layers, xb, yb, bounds, k // 2, k)
            results = _pieces(self.layers, xb, yb, bounds, 0, k // 2) + later.result()
        else:
            results = _pieces(self.layers, xb, yb, bounds, 0, k)
        # Add the pieces' gradients in a fixed order: (((g0 + g1) + g2) + ...).
        for j, group in enumerate(self.params):
            for i, p in enumerate(group):
                np.add(results[0][2][j][i], results[1][2][j][i], out=p.grad)
                for r in results[2:]:
                    p.grad += r[2][j][i]
        return (np.concatenate([r[0] for r in results]),
                np.concatenate([r[1] for r in results]))


def piece_bounds(n: int) -> list[int]:
    """Where a batch of ``n`` examples is cut: ``[0, ..., n]``; depends on ``n`` only.

    Batches below :data:`MIN_SPLIT` stay whole; larger ones are cut into an even
    number of nearly equal pieces of at most :data:`PIECE` examples (at least 2),
    which also keeps each piece's arrays small enough to stay in the CPU caches.
    """
    if n < MIN_SPLIT:
        return [0, n]
    k = 2 * -(-n // (2 * PIECE))
    return [n * i // k for i in range(k + 1)]


def _pieces(layers, xb, yb, bounds, first, last):
    n = xb.shape[0]
    return [_piece(layers, xb[bounds[i]:bounds[i + 1]], yb[bounds[i]:bounds[i + 1]], n, True)
            for i in range(first, last)]
