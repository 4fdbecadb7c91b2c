"""Input checks of the public ops of :mod:`cnnlesson.functional` (private).

Each raises the course's standard ``TypeError``/``ValueError`` naming the
parameter, what was expected, what was received and a hint (see
:mod:`cnnlesson._validate`). The layers and the training loop call the
unchecked kernels of :mod:`cnnlesson._kernels` instead, after checking once.
"""

from __future__ import annotations

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson._validate import (
    check_allocation,
    check_array,
    check_finite,
    check_float_array,
    check_nonnegative_int,
    check_not_nhwc,
    check_positive_int,
    fail,
)

_BATCH_LAYOUT = "(N, C, H, W)"


def _batch_hint(x: np.ndarray) -> str:
    """A hint for an array that should have been an NCHW batch."""
    if x.ndim == 3:
        return ("use hwc_to_chw and add a batch axis: hwc_to_chw(image)[None] for one "
                "(H, W, C) image, x[None] for one (C, H, W) image")
    if x.ndim == 2:
        return ("a single grayscale (H, W) image becomes a batch of one with one channel "
                "with x[None, None]")
    return "batches and activations are (batch N, channels C, height H, width W)"


def _float_input(x, name: str, ndim: int | tuple[int, ...] | None = None,
                 layout: str | None = None, hint: str | None = None) -> np.ndarray:
    """Check type, dtype and number of dimensions, in that order."""
    check_array(x, name)
    check_float_array(x, name)
    if ndim is not None:
        check_array(x, name, ndim=ndim, layout=layout,
                    hint=hint if hint is not None else _batch_hint(x))
    return x


def _same_dtype(arr: np.ndarray, name: str, ref: np.ndarray, ref_name: str = "x") -> None:
    if arr.dtype != ref.dtype:
        raise TypeError(
            f"{name} must have dtype {ref.dtype} to match {ref_name}; got {arr.dtype}. "
            f"Hint: use {name}.astype({ref_name}.dtype) (all arrays of one operation "
            "share one dtype)")


def _check_cache(cache, cls: type, forward: str) -> None:
    if not isinstance(cache, cls):
        fail(TypeError, "cache", f"the {cls.__name__} returned by {forward}",
             type(cache).__name__,
             f"call {forward} first and pass the second value it returns")


def _check_dout(dout, shape: tuple[int, ...], dtype: np.dtype, forward: str) -> np.ndarray:
    """``dout`` must be a float array with the shape and dtype of the forward output."""
    check_array(dout, "dout")
    check_float_array(dout, "dout")
    if dout.shape != tuple(shape):
        fail(ValueError, "dout", f"of shape {tuple(shape)} (the shape of the {forward} output)",
             f"shape {tuple(dout.shape)}",
             "dout is the gradient of the loss with respect to the forward output, so it has "
             "exactly the output's shape")
    if dout.dtype != dtype:
        raise TypeError(
            f"dout must have dtype {dtype} to match the {forward} input; got {dout.dtype}. "
            f"Hint: use dout.astype(np.{dtype})")
    return dout


def _check_stride_padding(stride, padding) -> tuple[int, int]:
    stride = check_positive_int(
        stride, "stride", "stride is the step between windows (same for both axes), e.g. 1 or 2")
    padding = check_nonnegative_int(
        padding, "padding",
        "padding is the number of zero rows/columns added on each side, e.g. 0 or 1")
    return stride, padding


def _check_conv_args(x, w, b, stride, padding) -> tuple[int, int, int, int]:
    """Validate conv2d arguments; return (stride, padding, OH, OW)."""
    _float_input(x, "x", ndim=4, layout=_BATCH_LAYOUT)
    _float_input(w, "w", ndim=4, layout="(F, C, KH, KW)",
                 hint="conv weights are (filters F, input channels C, kernel height KH, kernel "
                      "width KW); a single (KH, KW) kernel becomes kernel[None, None]")
    _float_input(b, "b", ndim=1, layout="(F,)",
                 hint="one bias per filter, e.g. b = np.zeros(w.shape[0], dtype=x.dtype)")
    _same_dtype(w, "w", x)
    _same_dtype(b, "b", x)
    if 0 in w.shape:
        fail(ValueError, "w", "(F, C, KH, KW) with every size >= 1", f"shape {w.shape}",
             "a conv layer needs at least one filter, one channel and a 1x1 kernel")
    if w.shape[1] != x.shape[1]:
        if x.shape[3] == w.shape[1]:
            fail(ValueError, "x", f"(N, C, H, W) with C = {w.shape[1]} channels first, to "
                 f"match w of shape {w.shape}", f"shape {x.shape}, which looks like "
                 f"(N, H, W, C) with the {x.shape[3]} channels last",
                 "convert the batch with hwc_to_chw(x) (from cnnlesson.images)")
        check_not_nhwc(x, "x")
        raise ValueError(
            f"w must have C = {x.shape[1]} input channels to match x of shape {x.shape}; "
            f"got w of shape {w.shape} with {w.shape[1]}. Hint: w is (F, C, KH, KW) and its C "
            "must equal the number of channels of x (axis 1)")
    if b.shape != (w.shape[0],):
        fail(ValueError, "b", f"of shape (F,) = ({w.shape[0]},) to match w of shape {w.shape}",
             f"shape {b.shape}", "give one bias per filter")
    stride, padding = _check_stride_padding(stride, padding)
    _, _, height, width = x.shape
    _, _, kernel_h, kernel_w = w.shape
    if kernel_h > height + 2 * padding or kernel_w > width + 2 * padding:
        raise ValueError(
            f"w kernel (KH, KW) = ({kernel_h}, {kernel_w}) must fit in the padded input "
            f"(H + 2*padding, W + 2*padding) = ({height + 2 * padding}, {width + 2 * padding}); "
            f"got x of shape {x.shape}, w of shape {w.shape} and padding={padding}. "
            "Hint: use a smaller kernel, more padding or a larger input")
    out_h = (height + 2 * padding - kernel_h) // stride + 1
    out_w = (width + 2 * padding - kernel_w) // stride + 1
    _check_conv_memory(x, w, padding, out_h, out_w)
    check_finite(x, "x")
    check_finite(w, "w")
    check_finite(b, "b")
    return stride, padding, out_h, out_w


def _check_conv_memory(x: np.ndarray, w: np.ndarray, padding: int, out_h: int,
                       out_w: int) -> None:
    """Refuse a convolution whose padded input or unfolded windows would be huge."""
    n, channels, height, width = x.shape
    num_filters, _, kernel_h, kernel_w = w.shape
    name = "padding" if padding > max(height, width) else "x"
    hint = ("padding is the number of zero rows/columns added on each side; it is usually "
            "0 or (kernel size - 1) // 2, e.g. 1 for a 3x3 kernel") if name == "padding" else (
            "process the batch in smaller pieces, e.g. 64 images at a time")
    check_allocation((n, channels, height + 2 * padding, width + 2 * padding), x.dtype, name,
                     hint=hint)
    check_allocation((n, channels * kernel_h * kernel_w, out_h * out_w), x.dtype, name,
                     hint=hint)
    check_allocation((n, num_filters, out_h, out_w), x.dtype, name, hint=hint)


def _check_pool_args(x, size, stride) -> tuple[int, int, int, int]:
    """Validate pooling arguments; return (size, stride, OH, OW)."""
    _float_input(x, "x", ndim=4, layout=_BATCH_LAYOUT)
    check_not_nhwc(x, "x")
    size = check_positive_int(size, "size", "size is the side of the square window, e.g. 2")
    if stride is None:
        stride = size
    stride = check_positive_int(
        stride, "stride", "stride is the step between windows, e.g. 2; None means stride = size")
    _, _, height, width = x.shape
    if size > height or size > width:
        fail(ValueError, "size", f"at most the input height and width (H, W) = {(height, width)}",
             f"size={size} for x of shape {x.shape}", "use a smaller window or a larger input")
    check_finite(x, "x")
    return (size, stride,
            K.out_size(height, size, stride), K.out_size(width, size, stride))
