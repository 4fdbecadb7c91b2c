"""The gradient computation of one training step, optionally on two threads.

:func:`cnnlesson.train.fit` checks its data once and then calls
:meth:`StepRunner.gradients` for every batch. The runner goes through the
layers' unchecked kernels (``Layer._forward`` and ``Layer._grads``) and skips
the gradient with respect to the input images, which nothing needs.

Two threads, same numbers
-------------------------
A batch of at least :data:`MIN_SPLIT` examples is always cut into the same
two halves, whatever the number of threads; each half runs forward and
backward on its own (numpy releases the GIL inside its matrix products and
most element-wise operations, so two halves can use two cores), and the two
gradients are added in a fixed order (first half + second half). With one
thread the two halves simply run one after the other. So the same seed gives
bit-identical weights with 1 or 2 threads. (The split itself changes the
order of some additions compared with one unsplit batch, by rounding only.)
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson._blas import single_threaded_blas

#: Batches of at least this many examples are cut into two halves.
MIN_SPLIT = 32


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
        use_pool = threads > 1 and self.splittable and batch_size >= MIN_SPLIT
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="cnnlesson") if use_pool else None
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
        if n < MIN_SPLIT or not self.splittable:
            for group in self.params:
                for p in group:
                    p.grad[...] = 0
            logits, losses, grads = _piece(self.layers, xb, yb, n, False)
            for group, gs in zip(self.params, grads, strict=True):
                if gs is not None:
                    for p, g in zip(group, gs, strict=True):
                        np.copyto(p.grad, g)
            return logits, losses
        h = (n + 1) // 2
        if self.pool is not None:
            second = self.pool.submit(_piece, self.layers, xb[h:], yb[h:], n, True)
            first = _piece(self.layers, xb[:h], yb[:h], n, True)
            second = second.result()
        else:
            first = _piece(self.layers, xb[:h], yb[:h], n, True)
            second = _piece(self.layers, xb[h:], yb[h:], n, True)
        for group, g0, g1 in zip(self.params, first[2], second[2], strict=True):
            for p, a, b in zip(group, g0, g1, strict=True):
                np.add(a, b, out=p.grad)
        return np.concatenate([first[0], second[0]]), np.concatenate([first[1], second[1]])
