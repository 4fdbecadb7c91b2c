"""The convolution and max-pooling pairs as plain loops: slow, written to be read.

Each function here computes, one output value at a time, exactly what its
vectorised twin in :mod:`cnnlesson.functional` computes with whole-array numpy
operations (hundreds of times faster); the tests check that both agree to the
last rounding. Notebooks 02 to 04 read these loops before they use the fast
versions. :mod:`cnnlesson.functional` re-exports them, so
``functional.conv2d_forward_naive`` and friends work too.

Conventions as in :mod:`cnnlesson.functional`: NCHW batches, (F, C, KH, KW)
weights, a cross-correlation (no kernel flip), float32 or float64.
"""

from __future__ import annotations

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson._kernels import Conv2dCache, MaxPool2dCache
from cnnlesson._opchecks import _check_cache, _check_conv_args, _check_dout, _check_pool_args

__all__ = [
    "conv2d_forward_naive",
    "conv2d_backward_naive",
    "maxpool2d_forward_naive",
    "maxpool2d_backward_naive",
]


def conv2d_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1,
                         padding: int = 0) -> tuple[np.ndarray, Conv2dCache]:
    """2-D convolution layer, forward pass, as plain loops (slow; written to be read).

    Slides every filter over every image of the batch. At each position the
    filter and the window of input under it are multiplied elementwise and
    summed: a cross-correlation (the kernel is not flipped), as in every CNN.
    Gives the same result as :func:`cnnlesson.functional.conv2d_forward`.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Input batch, float32 or float64.
    w : numpy.ndarray, shape (F, C, KH, KW)
        Filters, same dtype as ``x``.
    b : numpy.ndarray, shape (F,)
        One bias per filter, same dtype as ``x``.
    stride : int, default 1
        Step between windows, the same for both axes.
    padding : int, default 0
        Zero rows/columns added on each side of the input.

    Returns
    -------
    out : numpy.ndarray, shape (N, F, OH, OW)
        The feature maps, one per filter.
    cache : Conv2dCache
        For :func:`conv2d_backward_naive` (or :func:`cnnlesson.functional.conv2d_backward`).

    Introduced in notebook 02_convolution.
    """
    stride, padding, out_h, out_w = _check_conv_args(x, w, b, stride, padding)
    batch_size = x.shape[0]
    num_filters, _, kernel_h, kernel_w = w.shape

    x_padded = K.pad(x, padding)  # zeros around the border
    out = np.zeros((batch_size, num_filters, out_h, out_w), dtype=x.dtype)
    for n in range(batch_size):              # every image
        for f in range(num_filters):         # every filter
            for i in range(out_h):           # every output row
                for j in range(out_w):       # every output column
                    top = i * stride         # where the window starts in the input
                    left = j * stride
                    # The window covers all channels: shape (C, KH, KW), like w[f].
                    window = x_padded[n, :, top:top + kernel_h, left:left + kernel_w]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, Conv2dCache(x, w, stride, padding, None)


def conv2d_backward_naive(dout: np.ndarray,
                          cache: Conv2dCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-D convolution layer, backward pass, as plain loops (slow; written to be read).

    Each output value was ``sum(window * w[f]) + b[f]``, so by the chain rule
    its gradient ``g = dout[n, f, i, j]`` flows back

    * to the window of the input:  ``g * w[f]``,
    * to the filter:               ``g * window``,
    * to the bias:                 ``g``,

    and contributions from every position add up. Gives the same result as
    :func:`cnnlesson.functional.conv2d_backward`.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, F, OH, OW)
        Gradient of the loss with respect to the forward output.
    cache : Conv2dCache
        From :func:`conv2d_forward_naive` (or :func:`cnnlesson.functional.conv2d_forward`).

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)
    dw : numpy.ndarray, shape (F, C, KH, KW)
    db : numpy.ndarray, shape (F,)

    Introduced in notebook 04_backprop.
    """
    _check_cache(cache, Conv2dCache, "conv2d_forward_naive")
    x, w, stride, padding = cache.x, cache.w, cache.stride, cache.padding
    batch_size, _, height, width = x.shape
    num_filters, _, kernel_h, kernel_w = w.shape
    out_h = K.out_size(height, kernel_h, stride, padding)
    out_w = K.out_size(width, kernel_w, stride, padding)
    _check_dout(dout, (batch_size, num_filters, out_h, out_w), x.dtype, "conv2d_forward_naive")

    x_padded = K.pad(x, padding)
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.zeros(num_filters, dtype=x.dtype)
    for n in range(batch_size):
        for f in range(num_filters):
            for i in range(out_h):
                for j in range(out_w):
                    top = i * stride
                    left = j * stride
                    window = x_padded[n, :, top:top + kernel_h, left:left + kernel_w]
                    g = dout[n, f, i, j]
                    dx_padded[n, :, top:top + kernel_h, left:left + kernel_w] += g * w[f]
                    dw[f] += g * window
                    db[f] += g
    # Drop the padding: the border zeros are not inputs.
    dx = dx_padded[:, :, padding:padding + height, padding:padding + width]
    return dx.copy(), dw, db


def maxpool2d_forward_naive(x: np.ndarray, size: int = 2,
                            stride: int | None = None) -> tuple[np.ndarray, MaxPool2dCache]:
    """Max-pooling, forward pass, as plain loops (slow; written to be read).

    Same result and arguments as :func:`cnnlesson.functional.maxpool2d_forward`.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Input batch.
    size : int, default 2
        Side of the square window.
    stride : int or None, default None
        Step between windows; ``None`` means ``stride = size``.

    Returns
    -------
    out : numpy.ndarray, shape (N, C, OH, OW)
    cache : MaxPool2dCache

    Introduced in notebook 03_pooling.
    """
    size, stride, out_h, out_w = _check_pool_args(x, size, stride)
    batch_size, channels = x.shape[:2]
    out = np.zeros((batch_size, channels, out_h, out_w), dtype=x.dtype)
    for n in range(batch_size):              # every image
        for c in range(channels):            # every channel, pooled on its own
            for i in range(out_h):           # every output row
                for j in range(out_w):       # every output column
                    top = i * stride
                    left = j * stride
                    window = x[n, c, top:top + size, left:left + size]
                    out[n, c, i, j] = window.max()
    return out, MaxPool2dCache(x, out, size, stride)


def maxpool2d_backward_naive(dout: np.ndarray, cache: MaxPool2dCache) -> np.ndarray:
    """Max-pooling, backward pass, as plain loops (slow; written to be read).

    Each window sends its gradient to the position of its maximum, found with
    ``np.argmax`` (which picks the first maximal position in row-major order
    when there is a tie). Same result as :func:`cnnlesson.functional.maxpool2d_backward`.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, C, OH, OW)
    cache : MaxPool2dCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)

    Introduced in notebook 04_backprop.
    """
    _check_cache(cache, MaxPool2dCache, "maxpool2d_forward_naive")
    x, out, size, stride = cache
    _check_dout(dout, out.shape, x.dtype, "maxpool2d_forward_naive")
    batch_size, channels, out_h, out_w = out.shape
    dx = np.zeros_like(x)
    for n in range(batch_size):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    top = i * stride
                    left = j * stride
                    window = x[n, c, top:top + size, left:left + size]
                    # Row and column of the (first) maximum inside the window.
                    r, s = np.unravel_index(np.argmax(window), window.shape)
                    # += because overlapping windows may share their maximum.
                    dx[n, c, top + r, left + s] += dout[n, c, i, j]
    return dx
