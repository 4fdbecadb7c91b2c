"""Unchecked hot-path kernels behind :mod:`cnnlesson.functional` and :mod:`cnnlesson.layers`.

These functions trust their caller: arrays are float32/float64 numpy arrays
of matching dtypes and consistent shapes, ints are valid, values are finite.
The public functions of :mod:`cnnlesson.functional` check all of that and then
call these; the layers check once per input shape and dtype and then call them
directly, so a training step spends its time computing, not re-validating.

Every ``*_backward`` kernel takes ``input_grad``: ``False`` skips the gradient
with respect to the input (returned as ``None``), as PyTorch does for the
image entering the first layer, which needs none.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "Conv2dCache",
    "MaxPool2dCache",
    "AvgPool2dCache",
    "ReluCache",
    "LinearCache",
]


# ----------------------------------------------------------------------------
# Caches (re-exported by cnnlesson.functional)
# ----------------------------------------------------------------------------


class Conv2dCache(NamedTuple):
    """What :func:`~cnnlesson.functional.conv2d_backward` needs from the forward pass.

    Attributes
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The input (not padded).
    w : numpy.ndarray, shape (F, C, KH, KW)
        The weights.
    stride : int
        The stride used.
    padding : int
        The zero padding used.
    cols : numpy.ndarray of shape (N, C*KH*KW, OH*OW), or None
        The unfolded input windows, kept by the vectorised forward pass so the
        backward pass need not rebuild them; ``None`` from the naive version.
    """

    x: np.ndarray
    w: np.ndarray
    stride: int
    padding: int
    cols: np.ndarray | None = None


class MaxPool2dCache(NamedTuple):
    """What :func:`~cnnlesson.functional.maxpool2d_backward` needs from the forward pass.

    Attributes
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The input.
    out : numpy.ndarray, shape (N, C, OH, OW)
        The pooled output (the maximum of each window).
    size : int
        The window size.
    stride : int
        The stride (already resolved: never None).
    """

    x: np.ndarray
    out: np.ndarray
    size: int
    stride: int


class AvgPool2dCache(NamedTuple):
    """What :func:`~cnnlesson.functional.avgpool2d_backward` needs from the forward pass.

    Attributes
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        The input.
    size : int
        The window size.
    stride : int
        The stride (already resolved: never None).
    """

    x: np.ndarray
    size: int
    stride: int


class ReluCache(NamedTuple):
    """What :func:`~cnnlesson.functional.relu_backward` needs: the input ``x`` of the forward."""

    x: np.ndarray


class LinearCache(NamedTuple):
    """What :func:`~cnnlesson.functional.linear_backward` needs: ``x`` (N, D) and ``w`` (D, M)."""

    x: np.ndarray
    w: np.ndarray


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

#: A 0-d zero per dtype: np.maximum(x, zero) takes numpy's fast same-dtype path,
#: which a Python int 0 misses.
_ZERO = {np.dtype(np.float32): np.zeros((), np.float32),
         np.dtype(np.float64): np.zeros((), np.float64)}

#: Batches of at most this many images compute the conv input gradient with a
#: single matrix product (fewer numpy calls); larger batches use one product
#: per kernel offset (smaller temporaries).
SINGLE_PRODUCT_MAX_BATCH = 4


def out_size(n: int, k: int, stride: int, padding: int = 0) -> int:
    """``(n + 2*padding - k) // stride + 1``, without checks."""
    return (n + 2 * padding - k) // stride + 1


def pad(x: np.ndarray, padding: int) -> np.ndarray:
    """Return ``x`` with ``padding`` zero rows and columns on each side (no copy if 0)."""
    if padding == 0:
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=x.dtype)
    out[:, :, padding:padding + h, padding:padding + w] = x
    return out


def window_slices(kernel_h: int, kernel_w: int, stride: int, out_h: int, out_w: int):
    """Yield ``(u, v, rows, cols)`` for each offset (u, v) inside a window, row-major.

    ``x[:, :, rows, cols]`` is the (out_h, out_w) grid of the values at offset
    (u, v) of every window: a strided view, no copy.
    """
    for u in range(kernel_h):
        for v in range(kernel_w):
            yield (u, v, slice(u, u + stride * (out_h - 1) + 1, stride),
                   slice(v, v + stride * (out_w - 1) + 1, stride))


def unfold(x_padded: np.ndarray, kernel_h: int, kernel_w: int, stride: int,
           out_h: int, out_w: int) -> np.ndarray:
    """Copy every window of ``x_padded`` into a column: (N, C*KH*KW, OH*OW).

    Column ``l`` of sample ``n`` holds the C*KH*KW input values under the kernel
    at output position ``l`` (row-major over (OH, OW)), ordered like
    ``w[f].ravel()``, so a convolution becomes a matrix product. The windows
    are first seen through one (N, C, KH, KW, OH, OW) strided view (no copy);
    the reshape makes the single copy.
    """
    n, c = x_padded.shape[:2]
    s_n, s_c, s_h, s_w = x_padded.strides
    shape = (n, c, kernel_h, kernel_w, out_h, out_w)
    strides = (s_n, s_c, s_h, s_w, s_h * stride, s_w * stride)
    if x_padded.flags.c_contiguous:  # the direct view: a fifth of as_strided's overhead
        view = np.ndarray(shape, x_padded.dtype, x_padded, 0, strides)
    else:
        view = as_strided(x_padded, shape=shape, strides=strides, writeable=False)
    return view.reshape(n, c * kernel_h * kernel_w, out_h * out_w)


# ----------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int,
                   padding: int) -> tuple[np.ndarray, Conv2dCache]:
    n, _, height, width = x.shape
    num_filters, _, kernel_h, kernel_w = w.shape
    out_h = out_size(height, kernel_h, stride, padding)
    out_w = out_size(width, kernel_w, stride, padding)
    cols = unfold(pad(x, padding), kernel_h, kernel_w, stride, out_h, out_w)
    # (F, C*KH*KW) @ (N, C*KH*KW, OH*OW) -> (N, F, OH*OW): one product per image.
    out = np.matmul(w.reshape(num_filters, -1), cols)
    out += b[:, None]
    return out.reshape(n, num_filters, out_h, out_w), Conv2dCache(x, w, stride, padding, cols)


def add_in_order(parts, out=None) -> np.ndarray:
    """``((parts[0] + parts[1]) + parts[2]) + ...`` (at least two parts), into ``out`` if given.

    The one order in which the gradients of the pieces of a batch are added, by
    :class:`cnnlesson._step.StepRunner` and by :func:`sum_by_piece`, so that both
    ways give the same bits.
    """
    total = np.add(parts[0], parts[1], out=out)
    for part in parts[2:]:
        total += part
    return total


def sum_by_piece(piece_sum, bounds) -> np.ndarray:
    """``piece_sum(a, b)`` for each piece ``[a, b)`` of ``bounds``, added by add_in_order."""
    return add_in_order([piece_sum(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)])


def conv2d_backward(dout: np.ndarray, cache: Conv2dCache, input_grad: bool = True,
                    bounds=None):
    """Return ``(dx or None, dw, db)``.

    ``bounds`` (at least three cuts, ``[0, ..., N]``): sum ``dw`` and ``db`` piece by
    piece, as if each piece of the batch had been run on its own (:func:`sum_by_piece`).
    """
    x, w, stride, padding, cols = cache
    n, _, height, width = x.shape
    num_filters, _, kernel_h, kernel_w = w.shape
    out_h, out_w = dout.shape[2:]
    if cols is None:  # cache from the naive forward pass
        cols = unfold(pad(x, padding), kernel_h, kernel_w, stride, out_h, out_w)
    dout_flat = dout.reshape(n, num_filters, out_h * out_w)
    # Per image: (F, OH*OW) @ (OH*OW, C*KH*KW), then summed over the batch.
    per_image = np.matmul(dout_flat, cols.transpose(0, 2, 1))
    if bounds is None:
        db = dout_flat.sum(axis=(0, 2))
        dw = per_image.sum(axis=0).reshape(w.shape)
    else:
        db = sum_by_piece(lambda a, b: dout_flat[a:b].sum(axis=(0, 2)), bounds)
        dw = sum_by_piece(lambda a, b: per_image[a:b].sum(axis=0), bounds).reshape(w.shape)
    if not input_grad:
        return None, dw, db
    dx_padded = input_gradient(dout, w, (height + 2 * padding, width + 2 * padding), stride)
    if padding:
        dx_padded = np.ascontiguousarray(
            dx_padded[:, :, padding:padding + height, padding:padding + width])
    return dx_padded, dw, db


def input_gradient(dout: np.ndarray, w: np.ndarray, padded_hw: tuple[int, int],
                   stride: int) -> np.ndarray:
    """Gradient of conv2d with respect to the padded input, (N, C, H + 2p, W + 2p).

    The inputs under kernel offset (u, v) of every window form a strided grid
    of the padded input; each receives ``w[:, :, u, v]`` weighted by ``dout``
    and summed over the filters. Three memory layouts, same numbers up to
    rounding:

    * tiny batches (N <= 4), stride 1: a "full" correlation of ``dout``
      (padded by KH-1, KW-1) with the flipped kernels, i.e. one unfold and one
      (C, F*KH*KW) @ (F*KH*KW, H*W) product per image;
    * tiny batches, stride > 1: one (C*KH*KW, F) @ (F, OH*OW) product per image
      gives every offset's contribution at once, then KH*KW strided additions;
    * large maps (OH*OW > N*C, e.g. the first layer): NCHW, one
      (C, F) @ (F, OH*OW) product per image and offset;
    * small maps (late layers, e.g. 3x3 outputs): one (KH*KW*C, F) @
      (F, OH*OW*N) product for the whole batch, then KH*KW strided additions
      in a (C, H, W, N) layout, which run over contiguous rows of N values
      instead of rows of OW values. (Few numpy calls matter here: each one
      takes Python's lock, which the other training thread is waiting for.)

    The result is C-contiguous.
    """
    n, num_filters, out_h, out_w = dout.shape
    channels = w.shape[1]
    kernel_h, kernel_w = w.shape[2:]
    slices = window_slices(kernel_h, kernel_w, stride, out_h, out_w)
    dout_flat = dout.reshape(n, num_filters, out_h * out_w)
    if n <= SINGLE_PRODUCT_MAX_BATCH and stride == 1:
        # dx[n, c, i, j] = sum over f, u, v of
        #                  dout_padded[n, f, i + u, j + v] * w[f, c, KH-1-u, KW-1-v]
        dout_padded = np.zeros((n, num_filters, out_h + 2 * (kernel_h - 1),
                                out_w + 2 * (kernel_w - 1)), dtype=dout.dtype)
        dout_padded[:, :, kernel_h - 1:kernel_h - 1 + out_h,
                    kernel_w - 1:kernel_w - 1 + out_w] = dout
        cols = unfold(dout_padded, kernel_h, kernel_w, 1, *padded_hw)
        w_flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return np.matmul(w_flipped.reshape(channels, -1), cols).reshape(n, channels, *padded_hw)
    if n <= SINGLE_PRODUCT_MAX_BATCH:
        dcols = np.matmul(w.reshape(num_filters, -1).T, dout_flat).reshape(
            n, channels, kernel_h, kernel_w, out_h, out_w)
        dx = np.zeros((n, channels, *padded_hw), dtype=dout.dtype)
        for u, v, rows, columns in slices:
            dx[:, :, rows, columns] += dcols[:, :, u, v]
        return dx
    if out_h * out_w > n * channels:
        # Contiguous, so that every product goes to BLAS (numpy's fallback loop for
        # strided operands is many times slower).
        w_by_offset = np.ascontiguousarray(w.transpose(2, 3, 1, 0))  # (KH, KW, C, F)
        dx = np.zeros((n, channels, *padded_hw), dtype=dout.dtype)
        for u, v, rows, columns in slices:
            dx[:, :, rows, columns] += np.matmul(w_by_offset[u, v], dout_flat).reshape(
                n, channels, out_h, out_w)
        return dx
    w_rows = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(-1, num_filters)
    dout_cols = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(num_filters, -1)
    # by_offset[u, v, c, i, j, n] = sum over f of w[f, c, u, v] * dout[n, f, i, j]
    by_offset = (w_rows @ dout_cols).reshape(kernel_h, kernel_w, channels, out_h, out_w, n)
    dx = np.zeros((channels, *padded_hw, n), dtype=dout.dtype)
    for u, v, rows, columns in slices:
        dx[:, rows, columns] += by_offset[u, v]
    return np.ascontiguousarray(dx.transpose(3, 0, 1, 2))


# ----------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------


def maxpool2d_forward(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray,
                                                                      MaxPool2dCache]:
    out_h = out_size(x.shape[2], size, stride)
    out_w = out_size(x.shape[3], size, stride)
    grids = [x[:, :, rows, cols]
             for _, _, rows, cols in window_slices(size, size, stride, out_h, out_w)]
    if len(grids) == 1:
        out = grids[0].copy()
    else:  # the first two offsets make the output array: no separate copy
        out = np.maximum(grids[0], grids[1])
        for grid in grids[2:]:
            np.maximum(out, grid, out=out)
    return out, MaxPool2dCache(x, out, size, stride)


def maxpool2d_backward(dout: np.ndarray, cache: MaxPool2dCache) -> np.ndarray:
    x, out, size, stride = cache
    out_h, out_w = out.shape[2:]
    overlapping = stride < size
    covers_all = (stride == size and stride * out_h == x.shape[2]
                  and stride * out_w == x.shape[3])
    # Every input is written exactly once when the windows tile x: no zero-fill needed.
    dx = np.empty_like(x) if covers_all else np.zeros_like(x)
    # Visit the offsets of the window in row-major order; a window's gradient
    # goes to the first offset holding its maximum, then the window is "taken".
    taken = np.zeros(out.shape, dtype=bool)
    is_max = np.empty(out.shape, dtype=bool)
    routed = np.empty(out.shape, dtype=x.dtype) if overlapping else None
    last = size * size - 1
    for k, (_, _, rows, cols) in enumerate(window_slices(size, size, stride, out_h, out_w)):
        if k == last:  # the last offset takes every window not yet taken
            mask = np.logical_not(taken, out=is_max)
        elif k == 0:  # nothing is taken yet: the maxima at offset 0 take their windows
            mask = np.equal(x[:, :, rows, cols], out, out=taken)
        else:
            np.equal(x[:, :, rows, cols], out, out=is_max)
            mask = np.greater(is_max, taken, out=is_max)  # is the maximum and not yet taken
            taken |= is_max
        if overlapping:  # the strided grids of two offsets can share inputs
            np.multiply(dout, mask, out=routed)
            dx[:, :, rows, cols] += routed
        else:  # each input belongs to exactly one window and one offset
            np.multiply(dout, mask, out=dx[:, :, rows, cols])
    return dx


def avgpool2d_forward(x: np.ndarray, size: int, stride: int) -> tuple[np.ndarray,
                                                                      AvgPool2dCache]:
    out_h = out_size(x.shape[2], size, stride)
    out_w = out_size(x.shape[3], size, stride)
    out = np.zeros((*x.shape[:2], out_h, out_w), dtype=x.dtype)
    for _, _, rows, cols in window_slices(size, size, stride, out_h, out_w):
        out += x[:, :, rows, cols]
    out *= 1.0 / (size * size)
    return out, AvgPool2dCache(x, size, stride)


def avgpool2d_backward(dout: np.ndarray, cache: AvgPool2dCache) -> np.ndarray:
    x, size, stride = cache
    out_h, out_w = dout.shape[2:]
    share = dout * (1.0 / (size * size))
    dx = np.zeros_like(x)
    for _, _, rows, cols in window_slices(size, size, stride, out_h, out_w):
        dx[:, :, rows, cols] += share
    return dx


# ----------------------------------------------------------------------------
# ReLU, linear
# ----------------------------------------------------------------------------


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, ReluCache]:
    return np.maximum(x, _ZERO[x.dtype]), ReluCache(x)


def relu_backward(dout: np.ndarray, cache: ReluCache) -> np.ndarray:
    # dout * mask is several times faster than np.where(mask, dout, 0); an input of
    # exactly 0 gets no gradient (the product is 0, or -0.0 for a negative dout).
    return dout * (cache.x > 0)


def linear_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray,
                                                                         LinearCache]:
    out = x @ w
    out += b
    return out, LinearCache(x, w)


def linear_backward(dout: np.ndarray, cache: LinearCache, input_grad: bool = True,
                    bounds=None):
    """Return ``(dx or None, dw, db)``; ``bounds`` as in :func:`conv2d_backward`."""
    x, w = cache
    dx = dout @ w.T if input_grad else None
    if bounds is None:
        return dx, x.T @ dout, dout.sum(axis=0)
    return (dx, sum_by_piece(lambda a, b: x[a:b].T @ dout[a:b], bounds),
            sum_by_piece(lambda a, b: dout[a:b].sum(axis=0), bounds))


# ----------------------------------------------------------------------------
# Loss
# ----------------------------------------------------------------------------


def softmax_cross_entropy_rows(logits: np.ndarray, y: np.ndarray,
                               denominator: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-example cross-entropies and ``(softmax - one_hot(y)) / denominator``.

    ``denominator`` is the size of the whole batch, so that a batch split into
    pieces gives, piece by piece, exactly the rows of the unsplit gradient.
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # largest entry of each row is 0
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1, keepdims=True)  # >= 1, so the log is safe
    rows = np.arange(n)
    losses = np.log(sum_exp[:, 0]) - shifted[rows, y]
    dlogits = exp / sum_exp  # the softmax probabilities
    dlogits[rows, y] -= 1
    dlogits /= denominator
    return losses, dlogits
