"""Forward/backward pairs for the layers of a small CNN, on NCHW batches.

Every operation comes as a pair:

* ``op_forward(inputs...) -> (out, cache)`` computes the output and returns a
  small named cache (a :class:`typing.NamedTuple`) holding what the backward
  pass needs;
* ``op_backward(dout, cache) -> gradients`` takes ``dout``, the gradient of
  the loss with respect to ``out``, and returns the gradients with respect to
  the inputs (chain rule, one layer at a time).

Layouts: batches and activations are ``(N, C, H, W)`` (batch, channels,
height, width); convolution weights are ``(F, C, KH, KW)`` (filters, input
channels, kernel height, kernel width); linear weights are ``(D, M)``
(in_features, out_features) so that ``out = x @ w + b``.

The convolution of a CNN layer is a *cross-correlation*: the kernel slides over
the input without being flipped, as in PyTorch and every deep-learning library.

Two versions of convolution and max-pooling are given. The ``*_naive``
functions (defined in :mod:`cnnlesson.naive`, re-exported here) are plain loops
written to be read; the others compute exactly the same numbers with
whole-array numpy operations and are hundreds of times faster. The tests check
that both agree.

dtypes: float32 and float64 both work. All array inputs of one call must share
one dtype, and outputs and gradients keep it. Integer arrays are refused (an
uint8 image must first be converted to float, e.g. with
:func:`cnnlesson.images.to_float`).
"""

from __future__ import annotations

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson._kernels import (
    AvgPool2dCache,
    Conv2dCache,
    LinearCache,
    MaxPool2dCache,
    ReluCache,
)
from cnnlesson._opchecks import (
    _check_cache,
    _check_conv_args,
    _check_dout,
    _check_pool_args,
    _check_stride_padding,
    _float_input,
    _same_dtype,
)
from cnnlesson._validate import (
    check_finite,
    check_labels,
    check_positive_int,
    fail,
)
from cnnlesson.naive import (  # the plain loops, re-exported
    conv2d_backward_naive,
    conv2d_forward_naive,
    maxpool2d_backward_naive,
    maxpool2d_forward_naive,
)

__all__ = [
    "Conv2dCache",
    "MaxPool2dCache",
    "AvgPool2dCache",
    "ReluCache",
    "LinearCache",
    "conv_output_size",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_forward_naive",
    "conv2d_backward_naive",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "maxpool2d_forward_naive",
    "maxpool2d_backward_naive",
    "avgpool2d_forward",
    "avgpool2d_backward",
    "relu_forward",
    "relu_backward",
    "linear_forward",
    "linear_backward",
    "flatten",
    "softmax_cross_entropy",
]


# ----------------------------------------------------------------------------
# Sizes
# ----------------------------------------------------------------------------


def conv_output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Number of window positions along one axis: ``floor((n + 2*padding - k) / stride) + 1``.

    Windows that would run past the (padded) edge are dropped, which is why
    the division rounds down.

    Parameters
    ----------
    n : int
        Input size along the axis (height or width), >= 1.
    k : int
        Kernel (or pooling window) size along the axis, >= 1.
    stride : int, default 1
        Step between windows, >= 1.
    padding : int, default 0
        Zeros added on each side, >= 0.

    Returns
    -------
    int
        The output size along the axis.

    Raises
    ------
    ValueError
        If the kernel is larger than the padded input (``k > n + 2*padding``).

    Examples
    --------
    >>> conv_output_size(26, 3)
    24
    >>> conv_output_size(24, 2, stride=2)
    12
    >>> conv_output_size(5, 3, stride=2, padding=1)
    3

    Introduced in notebook 02_convolution.
    """
    n = check_positive_int(n, "n", "n is the input height or width")
    k = check_positive_int(k, "k", "k is the kernel height or width")
    stride, padding = _check_stride_padding(stride, padding)
    if k > n + 2 * padding:
        fail(ValueError, "k", f"at most the padded input size n + 2*padding = {n + 2 * padding}",
             f"k={k}", "the kernel must fit inside the (padded) input: use a smaller kernel "
             "or more padding")
    return (n + 2 * padding - k) // stride + 1


# ----------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1,
                   padding: int = 0) -> tuple[np.ndarray, Conv2dCache]:
    """2-D convolution layer, forward pass (vectorised).

    As in every CNN library this is a *cross-correlation*: the kernel is not
    flipped. For each image ``n``, filter ``f`` and output position ``(i, j)``::

        out[n, f, i, j] = b[f] + sum over c, u, v of
                          x_padded[n, c, i*stride + u, j*stride + v] * w[f, c, u, v]

    The windows are unfolded into columns (a strided view copied once) and
    each image is handled by one matrix product. Windows that do not fit are
    dropped (see :func:`conv_output_size`).

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
        ``OH = conv_output_size(H, KH, stride, padding)``, likewise ``OW``.
    cache : Conv2dCache
        For :func:`conv2d_backward`.

    See Also
    --------
    conv2d_forward_naive : the same computation as plain loops.

    Introduced in notebook 02_convolution.
    """
    stride, padding, _, _ = _check_conv_args(x, w, b, stride, padding)
    return K.conv2d_forward(x, w, b, stride, padding)


def conv2d_backward(dout: np.ndarray,
                    cache: Conv2dCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-D convolution layer, backward pass (vectorised).

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, F, OH, OW)
        Gradient of the loss with respect to the forward output.
    cache : Conv2dCache
        From :func:`conv2d_forward` (or :func:`conv2d_forward_naive`).

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)
        Gradient with respect to ``x``. Each input value receives the sum of
        ``dout * w`` over every window that covers it.
    dw : numpy.ndarray, shape (F, C, KH, KW)
        Gradient with respect to ``w``: the input windows weighted by ``dout``,
        summed over the batch and positions.
    db : numpy.ndarray, shape (F,)
        Gradient with respect to ``b``: ``dout`` summed over batch and positions.

    Introduced in notebook 04_backprop.
    """
    _check_cache(cache, Conv2dCache, "conv2d_forward")
    x, w, stride, padding, cols = cache
    n, channels, height, width = x.shape
    num_filters, _, kernel_h, kernel_w = w.shape
    out_h = conv_output_size(height, kernel_h, stride, padding)
    out_w = conv_output_size(width, kernel_w, stride, padding)
    _check_dout(dout, (n, num_filters, out_h, out_w), x.dtype, "conv2d_forward")
    return K.conv2d_backward(dout, cache)


# ----------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------


def maxpool2d_forward(x: np.ndarray, size: int = 2,
                      stride: int | None = None) -> tuple[np.ndarray, MaxPool2dCache]:
    """Max-pooling, forward pass (vectorised): the largest value of each window.

    Each channel is pooled on its own over ``size x size`` windows placed
    every ``stride`` pixels. Windows that do not fit entirely inside the input
    are dropped (the output size rounds down, see :func:`conv_output_size`), so
    the last rows/columns of an odd-sized input may be ignored.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Input batch, float32 or float64.
    size : int, default 2
        Side of the square window.
    stride : int or None, default None
        Step between windows; ``None`` means ``stride = size`` (windows touch
        but do not overlap). ``stride < size`` gives overlapping windows.

    Returns
    -------
    out : numpy.ndarray, shape (N, C, OH, OW)
        ``OH = conv_output_size(H, size, stride)``, likewise ``OW``.
    cache : MaxPool2dCache
        For :func:`maxpool2d_backward`.

    Introduced in notebook 03_pooling.
    """
    size, stride, _, _ = _check_pool_args(x, size, stride)
    # The maximum of the size*size strided grids, one per offset in the window.
    return K.maxpool2d_forward(x, size, stride)


def maxpool2d_backward(dout: np.ndarray, cache: MaxPool2dCache) -> np.ndarray:
    """Max-pooling, backward pass (vectorised).

    The gradient of each window goes to the one input that was its maximum;
    the other inputs of the window get nothing from it. **Ties**: when several
    positions of a window share the maximal value (common on flat image
    backgrounds), the whole gradient goes to the *first* of them in row-major
    order within the window (the position ``np.argmax`` would pick), never to
    all of them. With overlapping windows an input can be the maximum of
    several windows; it then receives the sum of their gradients.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, C, OH, OW)
        Gradient of the loss with respect to the pooled output.
    cache : MaxPool2dCache
        From :func:`maxpool2d_forward` (or :func:`maxpool2d_forward_naive`).

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)
        Gradient with respect to ``x``; zero at inputs that were no window's
        maximum, and at rows/columns no window covered.

    Introduced in notebook 04_backprop.
    """
    _check_cache(cache, MaxPool2dCache, "maxpool2d_forward")
    x, out, size, stride = cache
    _check_dout(dout, out.shape, x.dtype, "maxpool2d_forward")
    return K.maxpool2d_backward(dout, cache)


def avgpool2d_forward(x: np.ndarray, size: int = 2,
                      stride: int | None = None) -> tuple[np.ndarray, AvgPool2dCache]:
    """Average pooling, forward pass: the mean of each window.

    Windows are placed as in :func:`maxpool2d_forward`; windows that do not fit
    are dropped (the output size rounds down).

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        Input batch, float32 or float64.
    size : int, default 2
        Side of the square window.
    stride : int or None, default None
        Step between windows; ``None`` means ``stride = size``.

    Returns
    -------
    out : numpy.ndarray, shape (N, C, OH, OW)
    cache : AvgPool2dCache
        For :func:`avgpool2d_backward`.

    Introduced in notebook 03_pooling.
    """
    size, stride, _, _ = _check_pool_args(x, size, stride)
    return K.avgpool2d_forward(x, size, stride)


def avgpool2d_backward(dout: np.ndarray, cache: AvgPool2dCache) -> np.ndarray:
    """Average pooling, backward pass: each window shares its gradient equally.

    Every input of a window receives ``dout / size**2`` from it; with
    overlapping windows the shares add up.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, C, OH, OW)
    cache : AvgPool2dCache
        From :func:`avgpool2d_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, C, H, W)

    Introduced in notebook 04_backprop.
    """
    _check_cache(cache, AvgPool2dCache, "avgpool2d_forward")
    x, size, stride = cache
    out_h = conv_output_size(x.shape[2], size, stride)
    out_w = conv_output_size(x.shape[3], size, stride)
    _check_dout(dout, (*x.shape[:2], out_h, out_w), x.dtype, "avgpool2d_forward")
    return K.avgpool2d_backward(dout, cache)


# ----------------------------------------------------------------------------
# ReLU, flatten, linear
# ----------------------------------------------------------------------------


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, ReluCache]:
    """ReLU activation, forward pass: ``max(x, 0)`` elementwise.

    Parameters
    ----------
    x : numpy.ndarray, any shape
        Float32 or float64 input.

    Returns
    -------
    out : numpy.ndarray, same shape and dtype as ``x``
    cache : ReluCache
        For :func:`relu_backward`.

    Introduced in notebook 03_pooling.
    """
    _float_input(x, "x")
    check_finite(x, "x")
    return K.relu_forward(x)


def relu_backward(dout: np.ndarray, cache: ReluCache) -> np.ndarray:
    """ReLU activation, backward pass: pass ``dout`` where ``x > 0``, else 0.

    ReLU has no derivative at exactly 0; like the deep-learning libraries we
    use 0 there (an input of exactly 0 gets no gradient).

    Parameters
    ----------
    dout : numpy.ndarray, same shape as the input
    cache : ReluCache
        From :func:`relu_forward`.

    Returns
    -------
    dx : numpy.ndarray, same shape and dtype as the input

    Introduced in notebook 04_backprop.
    """
    _check_cache(cache, ReluCache, "relu_forward")
    _check_dout(dout, cache.x.shape, cache.x.dtype, "relu_forward")
    dx = K.relu_backward(dout, cache)
    dx += 0.0  # -0.0 (a negative dout times a closed gate) prints as 0.0
    return dx


def flatten(x: np.ndarray) -> np.ndarray:
    """Flatten each example of a batch into one row: (N, C, H, W) -> (N, C*H*W).

    The order is C-order (channel, then row, then column), so
    ``flatten(x).reshape(x.shape)`` gives ``x`` back; this is also how the
    gradient flows back. Returns a view when ``x`` is contiguous, else a copy.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
        (Any float array with a leading batch axis and 2 to 4 dimensions.)

    Returns
    -------
    numpy.ndarray, shape (N, C*H*W)

    Introduced in notebook 05_classifier.
    """
    _float_input(x, "x", ndim=(2, 3, 4), layout="(N, C, H, W)",
                 hint="flatten needs a leading batch axis; a single image x becomes x[None]")
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))  # not -1: N may be 0


def linear_forward(x: np.ndarray, w: np.ndarray,
                   b: np.ndarray) -> tuple[np.ndarray, LinearCache]:
    """Fully connected (linear) layer, forward pass: ``out = x @ w + b``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Batch of feature vectors, float32 or float64.
    w : numpy.ndarray, shape (D, M)
        Weights (in_features, out_features), same dtype as ``x``.
    b : numpy.ndarray, shape (M,)
        Biases, same dtype as ``x``.

    Returns
    -------
    out : numpy.ndarray, shape (N, M)
    cache : LinearCache
        For :func:`linear_backward`.

    Introduced in notebook 05_classifier.
    """
    _float_input(x, "x")
    _float_input(x, "x", ndim=2, layout="(N, D)",
                 hint=("flatten the feature maps first with flatten(x)" if x.ndim > 2 else
                       "a single feature vector v becomes v[None]"))
    _float_input(w, "w", ndim=2, layout="(D, M)",
                 hint="linear weights are (in_features, out_features) so that out = x @ w + b")
    _float_input(b, "b", ndim=1, layout="(M,)", hint="one bias per output feature")
    _same_dtype(w, "w", x)
    _same_dtype(b, "b", x)
    if w.shape[0] != x.shape[1]:
        raise ValueError(
            f"w must have D = {x.shape[1]} rows (in_features) to match x of shape {x.shape}; "
            f"got w of shape {w.shape}. Hint: w is (in_features, out_features); if yours is "
            "(out_features, in_features), use w.T")
    if b.shape != (w.shape[1],):
        fail(ValueError, "b", f"of shape (M,) = ({w.shape[1]},) to match w of shape {w.shape}",
             f"shape {b.shape}", "give one bias per output feature")
    check_finite(x, "x")
    check_finite(w, "w")
    check_finite(b, "b")
    return K.linear_forward(x, w, b)


def linear_backward(dout: np.ndarray,
                    cache: LinearCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fully connected (linear) layer, backward pass.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, M)
        Gradient of the loss with respect to the output.
    cache : LinearCache
        From :func:`linear_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
        ``dout @ w.T``
    dw : numpy.ndarray, shape (D, M)
        ``x.T @ dout``
    db : numpy.ndarray, shape (M,)
        ``dout`` summed over the batch.

    Introduced in notebook 05_classifier.
    """
    _check_cache(cache, LinearCache, "linear_forward")
    x, w = cache
    _check_dout(dout, (x.shape[0], w.shape[1]), x.dtype, "linear_forward")
    return K.linear_backward(dout, cache)


# ----------------------------------------------------------------------------
# Loss
# ----------------------------------------------------------------------------


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax followed by cross-entropy, averaged over the batch, and its gradient.

    ``loss = mean over n of ( log(sum_k exp(logits[n, k])) - logits[n, y[n]] )``,
    i.e. minus the mean log-probability of the correct class. Computed stably:
    the row maximum is subtracted before ``exp`` (log-sum-exp), so large
    logits never overflow.

    Parameters
    ----------
    logits : numpy.ndarray, shape (N, K)
        Unnormalised class scores, float32 or float64, N >= 1.
    y : numpy.ndarray of int, shape (N,)
        Correct class index of each example, in ``[0, K)``.

    Returns
    -------
    loss : float
        The mean cross-entropy (a Python float).
    dlogits : numpy.ndarray, shape (N, K)
        Gradient of ``loss`` with respect to ``logits``:
        ``(softmax(logits) - one_hot(y)) / N``, same dtype as ``logits``.

    Introduced in notebook 05_classifier.
    """
    _float_input(logits, "logits", ndim=2, layout="(N, K)",
                 hint="one row of K class scores per example")
    n, num_classes = logits.shape
    if n == 0 or num_classes == 0:
        fail(ValueError, "logits", "non-empty (at least one example and one class)",
             f"shape {logits.shape}", "the loss is a mean over the batch")
    check_finite(logits, "logits",
                 "the network produced NaN/inf: lower the learning rate or check the inputs")
    check_labels(y, "y", n, num_classes)
    # Stable: the row maximum is subtracted before exp (see _kernels).
    losses, dlogits = K.softmax_cross_entropy_rows(logits, y, n)
    return float(np.mean(losses)), dlogits
