"""The course's central pictures: one window of a filter, one window of pooling."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .._validate import check_nonnegative_int, check_positive_int, describe, fail
from ._base import (
    HIGHLIGHT,
    SIGNED_CMAP,
    annotate_cells,
    cell_grid,
    check_axes,
    check_real_array,
    format_number,
    image_scale,
    new_figure,
    symmetric_limit,
)
from .pictures import show_kernel

__all__ = ["show_window_calculation", "show_pool_window", "window_rectangle"]

#: Images up to this many pixels get their values written in the cells.
ANNOTATE_MAX_PIXELS = 196


def window_rectangle(ax, top: int, left: int, height: int, width: int, *, color=HIGHLIGHT,
                     lw=3.0):
    """Outline the cells ``[top, top+height) x [left, left+width)`` of an image on ``ax``.

    Returns the Rectangle patch (move it with ``set_xy((left - 0.5, top - 0.5))``).

    Introduced in notebook 01_filtering.
    """
    check_axes(ax)
    for v, name in ((top, "top"), (left, "left")):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float, np.floating)):
            fail(TypeError, name, "a pixel index (int)", describe(v), "e.g. top=2, left=3")
    for v, name in ((height, "height"), (width, "width")):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float, np.floating)):
            fail(TypeError, name, "a positive number of pixels", describe(v), "e.g. 3")
        if not v > 0:
            fail(ValueError, name, "a positive number of pixels", repr(v), "e.g. 3")
    r = Rectangle((left - 0.5, top - 0.5), width, height, fill=False, edgecolor=color,
                  linewidth=lw, zorder=5)
    ax.add_patch(r)
    return r


def _check_small_image(image, name="image"):
    check_real_array(image, name, ndim=2, layout="(H, W)",
                     hint="use a small grayscale crop, e.g. to_grayscale(photo)[100:110, 80:90]")
    return np.asarray(image, dtype=np.float64)


def _check_position(i, j, out_h, out_w, what="output"):
    i = check_nonnegative_int(i, "i")
    j = check_nonnegative_int(j, "j")
    if i >= out_h:
        fail(ValueError, "i", f"a row of the {out_h}x{out_w} {what} (0 to {out_h - 1})",
             repr(i), "the window must fit inside the input")
    if j >= out_w:
        fail(ValueError, "j", f"a column of the {out_h}x{out_w} {what} (0 to {out_w - 1})",
             repr(j), "the window must fit inside the input")
    return i, j


def _draw_map(ax, values, *, cmap, lo, hi, annotate, fontsize=None):
    im = ax.imshow(values, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    cell_grid(ax, *values.shape, color="0.75", lw=0.6)
    texts = annotate_cells(ax, values, im, fontsize=fontsize) if annotate else []
    return im, texts


def _big_map_fontsize(h, w):
    """Cell font size for the large input/output panels (fitted to about 5 inches)."""
    return float(np.clip(108 / max(h, w), 6, 14))


def _symbol(fig, spec, text, size=30):
    ax = fig.add_subplot(spec)
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=size, transform=ax.transAxes)
    return ax


def show_window_calculation(fig, image, kernel, i, j, *, annotate=None):
    """Show how one output pixel of a filter is computed.

    Top row: the input with the kernel's window at output position ``(i, j)``
    outlined, and the output map ``correlate2d(image, kernel)`` ("valid", no
    padding) with that pixel outlined. Bottom row: the patch under the
    window, the kernel, their elementwise products, and the sum of the
    products, which is the output pixel.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        The figure to draw into (None: a new 12x8 inch figure).
    image : numpy.ndarray
        (H, W) small grayscale image, e.g. an 8x8 to 12x12 crop.
    kernel : numpy.ndarray
        (KH, KW) kernel, at most the image's size.
    i, j : int
        Output position (row, column); the window's top-left input pixel is
        ``image[i, j]``.
    annotate : bool, optional
        Write the values in the input and output cells (default: when the
        image has at most 196 pixels).

    Returns
    -------
    dict
        ``"figure"``; ``"sum"`` (float, the output pixel value); ``"output"``
        ((H-KH+1, W-KW+1) array); ``"patch"``, ``"products"`` ((KH, KW)
        arrays); the AxesImages ``"input_image"``, ``"output_image"``,
        ``"patch_image"``, ``"kernel_image"``, ``"products_image"``; the
        Rectangles ``"window"`` and ``"pixel"``; the Text ``"sum_text"``;
        ``"axes"`` (dict of the named Axes).

    Introduced in notebook 01_filtering.
    """
    from ..filters import correlate2d

    img = _check_small_image(image)
    check_real_array(kernel, "kernel", ndim=2, layout="(KH, KW)")
    k = np.asarray(kernel, dtype=np.float64)
    (h, w), (kh, kw) = img.shape, k.shape
    if kh > h or kw > w:
        fail(ValueError, "kernel", f"at most the image's size {h}x{w}", f"shape {k.shape}",
             "use a larger crop or a smaller kernel")
    out = correlate2d(img, k, padding="valid")
    oh, ow = out.shape
    i, j = _check_position(i, j, oh, ow)
    if annotate is None:
        annotate = h * w <= ANNOTATE_MAX_PIXELS
    patch = img[i:i + kh, j:j + kw]
    products = patch * k
    total = float(products.sum())

    fig = new_figure((12, 8.5), fig)
    gs = fig.add_gridspec(2, 7, width_ratios=[3, 0.55, 3, 0.55, 3, 0.55, 2.6],
                          height_ratios=[1.5, 1])
    ax_in = fig.add_subplot(gs[0, 0:3])
    _symbol(fig, gs[0, 3], "\u2192", 36)
    ax_out = fig.add_subplot(gs[0, 4:7])
    ax_patch = fig.add_subplot(gs[1, 0])
    _symbol(fig, gs[1, 1], "\u00d7")
    ax_k = fig.add_subplot(gs[1, 2])
    _symbol(fig, gs[1, 3], "=")
    ax_prod = fig.add_subplot(gs[1, 4])
    ax_sum = fig.add_subplot(gs[1, 5:7])
    ax_sum.axis("off")

    cmap, lo, hi = image_scale(img)
    im_in, _ = _draw_map(ax_in, img, cmap=cmap, lo=lo, hi=hi, annotate=annotate,
                         fontsize=_big_map_fontsize(h, w))
    ax_in.set_title(f"input {h}x{w}, window at ({i}, {j})")
    window = window_rectangle(ax_in, i, j, kh, kw)

    ocmap, olo, ohi = image_scale(out)
    im_out, _ = _draw_map(ax_out, out, cmap=ocmap, lo=olo, hi=ohi, annotate=annotate,
                          fontsize=_big_map_fontsize(h, w))
    ax_out.set_title(f"output {oh}x{ow} (correlate2d, valid)")
    pixel = window_rectangle(ax_out, i, j, 1, 1)

    im_patch, _ = _draw_map(ax_patch, patch, cmap=cmap, lo=lo, hi=hi, annotate=True)
    ax_patch.set_title("patch under window")
    window_rectangle(ax_patch, 0, 0, kh, kw, lw=5)
    kart = show_kernel(ax_k, k)
    ax_k.set_title("kernel")
    pm = symmetric_limit(products)
    im_prod, _ = _draw_map(ax_prod, products, cmap=SIGNED_CMAP, lo=-pm, hi=pm, annotate=True)
    ax_prod.set_title("products")
    sum_text = ax_sum.text(0.02, 0.5, f"sum\n= {format_number(total)}", ha="left",
                           va="center", fontsize=26, transform=ax_sum.transAxes,
                           bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": HIGHLIGHT,
                                 "lw": 3})
    shown_sum = sum(float(format_number(p)) for p in products.ravel())
    if abs(shown_sum - float(format_number(total))) > 1e-9:
        ax_sum.text(0.02, 0.08, "(numbers rounded;\nthe sum uses\nexact values)",
                    ha="left", va="bottom", fontsize=10, color="0.3",
                    transform=ax_sum.transAxes)
    fig.suptitle(f"output[{i}, {j}] = sum of patch \u00d7 kernel = {format_number(total)}")
    return {
        "figure": fig, "sum": total, "output": out, "patch": patch, "products": products,
        "input_image": im_in, "output_image": im_out, "patch_image": im_patch,
        "kernel_image": kart["image"], "products_image": im_prod, "window": window,
        "pixel": pixel, "sum_text": sum_text,
        "axes": {"input": ax_in, "output": ax_out, "patch": ax_patch, "kernel": ax_k,
                 "products": ax_prod, "sum": ax_sum},
    }


def pool2d(x: np.ndarray, size: int, stride: int, mode: str) -> np.ndarray:
    """Pool one (H, W) map with :mod:`cnnlesson.functional` (max or average).

    Returns
    -------
    numpy.ndarray
        (H', W') float64, H' = (H - size) // stride + 1.

    Introduced in notebook 03_pooling.
    """
    from .. import functional as F

    fn = F.maxpool2d_forward if mode == "max" else F.avgpool2d_forward
    out, _ = fn(np.asarray(x, dtype=np.float64)[None, None], size=size, stride=stride)
    return out[0, 0]


def _check_mode(mode):
    if mode not in ("max", "avg"):
        fail(ValueError, "mode", '"max" or "avg"', describe(mode),
             "max pooling keeps the largest value, average pooling the mean")
    return mode


def show_pool_window(fig, x, size, stride, i, j, mode="max", *, annotate=None):
    """Show how one output pixel of max (or average) pooling is computed.

    Left: the input with the pooling window at output position ``(i, j)``
    outlined (its top-left input pixel is ``x[i*stride, j*stride]``) and, for
    max pooling, the winning cell marked. Middle: the window's values with the
    maximum highlighted. Right: the pooled map with that pixel outlined.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        The figure to draw into (None: a new figure).
    x : numpy.ndarray
        (H, W) one feature map or small grayscale image.
    size, stride : int
        Window size and step, as in ``maxpool2d_forward``.
    i, j : int
        Output position.
    mode : {"max", "avg"}
        Max or average pooling.
    annotate : bool, optional
        Write the values in the input and output cells (default: when ``x``
        has at most 196 pixels).

    Returns
    -------
    dict
        ``"figure"``; ``"value"`` (float, the output pixel); ``"output"``
        (pooled (H', W') array); ``"window_values"`` ((size, size) array);
        ``"argmax"`` ((row, col) in ``x`` of the maximum, max mode only, else
        None); AxesImages ``"input_image"``, ``"window_image"``,
        ``"output_image"``; Rectangles ``"window"``, ``"pixel"``, ``"winner"``
        (None for avg); ``"axes"``.

    Introduced in notebook 03_pooling.
    """
    a = _check_small_image(x, "x")
    size = check_positive_int(size, "size")
    stride = check_positive_int(stride, "stride")
    _check_mode(mode)
    h, w = a.shape
    if size > h or size > w:
        fail(ValueError, "size", f"at most the map's size {h}x{w}", repr(size),
             "a pooling window must fit inside the map")
    out = pool2d(a, size, stride, mode)
    oh, ow = out.shape
    i, j = _check_position(i, j, oh, ow, "pooled map")
    if annotate is None:
        annotate = h * w <= ANNOTATE_MAX_PIXELS
    top, left = i * stride, j * stride
    win = a[top:top + size, left:left + size]
    value = float(out[i, j])

    fig = new_figure((13, 5.2), fig)
    gs = fig.add_gridspec(1, 5, width_ratios=[3.2, 0.5, max(1.2, 0.5 * size + 0.6), 0.5, 3.2])
    ax_in = fig.add_subplot(gs[0, 0])
    _symbol(fig, gs[0, 1], "\u2192", 32)
    ax_win = fig.add_subplot(gs[0, 2])
    _symbol(fig, gs[0, 3], "\u2192", 32)
    ax_out = fig.add_subplot(gs[0, 4])

    cmap, lo, hi = image_scale(a)
    im_in, _ = _draw_map(ax_in, a, cmap=cmap, lo=lo, hi=hi, annotate=annotate,
                         fontsize=_big_map_fontsize(h, w) * 0.85)
    ax_in.set_title(f"input {h}x{w}")
    window = window_rectangle(ax_in, top, left, size, size)
    im_win, wtexts = _draw_map(ax_win, win, cmap=cmap, lo=lo, hi=hi, annotate=True)
    argmax = winner = None
    if mode == "max":
        r, c = np.unravel_index(int(np.argmax(win)), win.shape)
        argmax = (top + int(r), left + int(c))
        winner = window_rectangle(ax_win, int(r), int(c), 1, 1, lw=4)
        window_rectangle(ax_in, argmax[0], argmax[1], 1, 1, lw=1.5)
        wtexts[r * size + c].set_fontweight("bold")
        ax_win.set_title(f"max = {format_number(value)}")
    else:
        ax_win.set_title(f"mean = {format_number(value)}")
    im_out, _ = _draw_map(ax_out, out, cmap=cmap, lo=lo, hi=hi, annotate=annotate)
    pixel = window_rectangle(ax_out, i, j, 1, 1)
    ax_out.set_title(f"{mode} pool {size}, stride {stride}: {oh}x{ow}")
    fig.suptitle(f"output[{i}, {j}] = {mode} of the {size}x{size} window at "
                 f"({top}, {left}) = {format_number(value)}")
    return {"figure": fig, "value": value, "output": out, "window_values": win,
            "argmax": argmax, "input_image": im_in, "window_image": im_win,
            "output_image": im_out, "window": window, "pixel": pixel, "winner": winner,
            "axes": {"input": ax_in, "window": ax_win, "output": ax_out}}
