"""The gradient computation of one training step, optionally on two threads.

:func:`cnnlesson.train.fit` checks its data once and then calls
:meth:`StepRunner.gradients` for every batch. The runner goes through the
layers' unchecked kernels (``Layer._forward`` and ``Layer._grads``) and skips
the gradient with respect to the input images, which nothing needs.

Two threads, same numbers
-------------------------
A batch of at least :data:`MIN_SPLIT` examples is always cut the same way,
whatever the number of threads (:func:`piece_bounds`: an even number of
pieces of at most :data:`PIECE` examples), and the gradients of the pieces
are added in a fixed order, so the same seed gives bit-identical weights with
1 or 2 threads. (Cutting a batch changes the order of some additions compared
with one uncut batch: rounding only.)

* With two threads and at least :data:`PARALLEL_MIN` examples, each piece runs
  forward and backward on its own, the first half of the pieces on the calling
  thread and the second half on a helper thread (numpy releases the GIL inside
  its matrix products and most element-wise operations, so both cores work).
  The pieces are as large as the rule allows: every numpy call takes Python's
  lock (the GIL) back when it ends, and when the other thread holds it the
  call waits, so two threads making many short calls mostly wait for each
  other.
* Otherwise (fewer examples, whatever the number of threads) the cut batch
  runs as one: every layer works on all its examples at once (half the numpy
  calls of two pieces), and only the sums over the examples, the gradients of
  the weights and biases, are taken piece by piece
  (:func:`cnnlesson._kernels.sum_by_piece`). Everything else is computed
  example by example, so the result is that of the pieces up to what a
  matrix product's blocking may change in the last bits. (Measured with
  numpy's OpenBLAS: identical bits in float32, last-bit differences in
  float64, whose products round rows differently for different batch sizes.)

ReLU then max pooling
---------------------
A :class:`~cnnlesson.layers.ReLU` followed by a
:class:`~cnnlesson.layers.MaxPool2d` runs as pooling followed by ReLU: the
maximum of ``max(x, 0)`` over a window is ``max(max(x), 0)``, so the outputs
are the same numbers, and the ReLU then works on a quarter of the values (for
2x2 windows), forward and backward. The gradients are the same too: a window's
gradient goes to the same input (the first maximum) and is kept exactly when
that input is positive. (Only the sign of some zeros can differ.)
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson._blas import single_threaded_blas
from cnnlesson._memory import keep_freed_memory
from cnnlesson.layers import Conv2d, Linear, MaxPool2d, ReLU

#: Batches of at least this many examples are cut into pieces.
MIN_SPLIT = 32
#: The largest piece (see :func:`piece_bounds`). Larger pieces make fewer, longer numpy
#: calls, which two threads share better. Measured with two threads on 2 cores (seed
#: network): pieces of 32 take 9% longer than pieces of 128 at batch 256 (pieces of 64:
#: the same), and 8% longer than pieces of 64 at batch 128.
PIECE = 128
#: Batches of at least this many examples run their pieces on two threads (when
#: allowed). Smaller ones lose: at batch 32, two pieces of 16 on two threads took
#: 2.15 ms a step, on one thread 1.66 ms, and the batch run as one 1.42 ms.
PARALLEL_MIN = 64


def default_threads() -> int:
    """Threads used by ``fit(threads=None)``: the machine's cores, at most 2."""
    return max(1, min(2, os.cpu_count() or 1))


class _PoolThenRelu:
    """A ReLU layer followed by a max-pooling layer, computed in the other order.

    Same outputs and gradients (see the module's docstring), less work. Used by
    :class:`StepRunner` only for the course's own ``ReLU`` and ``MaxPool2d``.
    """

    standard = splittable = True

    def __init__(self, pool):
        self.pool = pool

    def parameters(self):
        return []

    def _forward(self, x):
        pooled, pool_cache = K.maxpool2d_forward(x, self.pool.size, self.pool.stride)
        out, relu_cache = K.relu_forward(pooled)
        return out, (pool_cache, relu_cache)

    def _grads(self, dout, cache, input_grad):
        if not input_grad:
            return None, []
        pool_cache, relu_cache = cache
        return K.maxpool2d_backward(K.relu_backward(dout, relu_cache), pool_cache), []


def _stages(layers) -> list:
    """The layers the step runs, with each ReLU + MaxPool2d pair fused (exact classes only)."""
    stages = []
    i = 0
    while i < len(layers):
        if (i + 1 < len(layers) and type(layers[i]) is ReLU
                and type(layers[i + 1]) is MaxPool2d):
            stages.append(_PoolThenRelu(layers[i + 1]))
            i += 2
        else:
            stages.append(layers[i])
            i += 1
    return stages


def _piece(layers, x: np.ndarray, y: np.ndarray, denominator: int, split: bool,
           bounds=None):
    """Forward, loss and backward for one piece of a batch.

    Returns ``(logits, per-example losses, grads)``; ``grads`` lists, for each
    layer from the last to the first, the gradients of its parameters, or
    ``None`` for a layer that added them to ``.grad`` itself (custom layers,
    only when the batch is not split). With ``bounds`` the "piece" is a whole
    cut batch and the layers with parameters sum their gradients piece by piece
    (see :meth:`StepRunner.gradients`).
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
        if bounds is not None and layer.parameters():
            d, g = layer._grads(d, caches[i], i > 0, bounds)
        elif split or layer.splittable:
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
        self.stages = _stages(self.layers)
        self.params = [stage.parameters() for stage in reversed(self.stages)]
        # Can a cut batch run as one (see gradients)? Only through the course's own
        # Conv2d and Linear gradients, which know how to sum piece by piece.
        self.by_piece = self.splittable and all(
            not stage.parameters() or type(stage)._grads in (Conv2d._grads, Linear._grads)
            for stage in self.stages)
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
            logits, losses, grads = _piece(self.stages, xb, yb, n, False)
            for group, gs in zip(self.params, grads, strict=True):
                if gs is not None:
                    for p, g in zip(group, gs, strict=True):
                        np.copyto(p.grad, g)
            return logits, losses
        if n < PARALLEL_MIN and self.by_piece:
            # One thread anyway: every layer works on the whole batch at once (half the
            # numpy calls of two pieces) and the gradients of the parameters are summed
            # piece by piece, by the same K.add_in_order as below. 15% faster at batch 32.
            logits, losses, grads = _piece(self.stages, xb, yb, n, True, bounds)
            for group, gs in zip(self.params, grads, strict=True):
                for p, g in zip(group, gs, strict=True):
                    np.copyto(p.grad, g)
            return logits, losses
        k = len(bounds) - 1
        if self.pool is not None and n >= PARALLEL_MIN:
            later = self.pool.submit(_pieces, self.stages, xb, yb, bounds, k // 2, k)
            results = _pieces(self.stages, xb, yb, bounds, 0, k // 2) + later.result()
        else:
            results = _pieces(self.stages, xb, yb, bounds, 0, k)
        # Add the pieces' gradients in a fixed order: (((g0 + g1) + g2) + ...).
        for j, group in enumerate(self.params):
            for i, p in enumerate(group):
                K.add_in_order([r[2][j][i] for r in results], out=p.grad)
        return (np.concatenate([r[0] for r in results]),
                np.concatenate([r[1] for r in results]))


def piece_bounds(n: int) -> list[int]:
    """Where a batch of ``n`` examples is cut: ``[0, ..., n]``; depends on ``n`` only.

    Batches below :data:`MIN_SPLIT` stay whole; larger ones are cut into an even
    number of nearly equal pieces of at most :data:`PIECE` examples (at least 2):
    a batch of 32 to 256 examples gives two pieces, one per thread.
    """
    if n < MIN_SPLIT:
        return [0, n]
    k = 2 * -(-n // (2 * PIECE))
    return [n * i // k for i in range(k + 1)]


def _pieces(layers, xb, yb, bounds, first, last):
    n = xb.shape[0]
    return [_piece(layers, xb[bounds[i]:bounds[i + 1]], yb[bounds[i]:bounds[i + 1]], n, True)
            for i in range(first, last)]
