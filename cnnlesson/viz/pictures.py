"""Pictures of images, channels, kernels and feature maps."""

from __future__ import annotations

import numpy as np

from .._validate import describe, fail
from ._base import (
    SIGNED_CMAP,
    annotate_cells,
    cell_grid,
    check_axes,
    check_real_array,
    clean_axes,
    color_ramp,
    new_figure,
    symmetric_limit,
)

__all__ = ["show_image", "show_channels", "show_kernel", "show_conv_weights",
           "show_feature_maps", "shape_label"]


def shape_label(shape) -> str:
    """Write a layer's output shape the course's way: (C, H, W) -> "HxWxC", (D,) -> "D".

    Introduced in notebook 05_classifier.
    """
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        fail(TypeError, "shape", "a tuple of ints, e.g. (6, 24, 24)", describe(shape),
             "pass an array's .shape without the batch axis")
    if len(shape) == 3:
        c, h, w = shape
        return f"{h}x{w}x{c}"
    return "x".join(str(s) for s in shape)


def _check_image(image, name="image"):
    if isinstance(image, np.ndarray) and image.ndim in (2, 3) and \
            image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:  # before scanning the values
        fail(ValueError, name, f"at most {MAX_IMAGE_PIXELS // 10**6} megapixels (a screen "
             "shows about 2; more only makes drawing slow)",
             f"shape {tuple(image.shape)}",
             f"shrink it first, e.g. cnnlesson.images.resize({name}, (1024, 1024))")
    check_real_array(image, name, ndim=(2, 3), layout="(H, W) or (H, W, C)",
                     hint="one image, channels last; a network batch (N, C, H, W) needs "
                          "chw_to_hwc(x[0])")
    if 0 in image.shape:
        fail(ValueError, name, "a non-empty image (at least 1 x 1 pixel)",
             f"shape {tuple(image.shape)}", "check the slicing or cropping that produced it")
    if image.ndim == 3 and image.shape[2] not in (1, 3, 4):
        extra = ("the channels seem to come first (C, H, W); use chw_to_hwc(image)"
                 if image.shape[0] in (1, 3) else "colour images have 3 (RGB) or 4 (RGBA) "
                 "channels last")
        fail(ValueError, name, "(H, W), (H, W, 1), (H, W, 3) or (H, W, 4)",
             f"shape {tuple(image.shape)}", extra)
    return image


#: Largest picture :func:`show_image` draws (64 megapixels, e.g. 8000 x 8000): drawing a
#: 30000 x 30000 array takes many seconds and gigabytes for a screen of ~2 megapixels.
MAX_IMAGE_PIXELS = 64 * 10**6

#: Most panels :func:`show_conv_weights` and :func:`show_feature_maps` draw in one figure;
#: thousands of axes take minutes and are unreadable.
MAX_PANELS = 256


def _check_panels(n: int, name: str, shape, hint: str) -> None:
    if n == 0:
        fail(ValueError, name, "at least one panel to draw", f"shape {tuple(shape)}",
             "the array is empty; check the slicing that produced it")
    if n > MAX_PANELS:
        fail(ValueError, name, f"at most {MAX_PANELS} panels in one figure",
             f"shape {tuple(shape)} ({n} panels)", hint)


def _rgb_for_display(image: np.ndarray) -> np.ndarray:
    """uint8 stays; floats are clipped to [0, 1] (matplotlib's range for RGB)."""
    if image.dtype == np.uint8:
        return image
    if np.issubdtype(image.dtype, np.integer):
        fail(TypeError, "image", "uint8 (0..255) or float (0..1) for a colour image",
             f"dtype {image.dtype}", "use cnnlesson.images.to_float(image)")
    return np.clip(image, 0.0, 1.0)


def show_image(ax, image, title=None, *, cmap=None, vmin=None, vmax=None):
    """Show one image without ticks: gray for (H, W), true colour for (H, W, 3).

    Gray images use a fixed scale so brightness is honest: [0, 1] for floats in
    [0, 1], [0, 255] for uint8, otherwise from the minimum to the maximum
    (pass ``vmin``/``vmax`` to choose). Colour floats are clipped to [0, 1].

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    image : numpy.ndarray
        (H, W) gray, or (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA; uint8 or float.
    title : str, optional
        Axes title.
    cmap : str, optional
        Colormap for gray images (default "gray").
    vmin, vmax : float, optional
        Colour limits for gray images.

    Returns
    -------
    matplotlib.image.AxesImage
        The image artist.

    Introduced in notebook 00_start_here.
    """
    check_axes(ax)
    _check_image(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        if vmin is None and vmax is None:
            if image.dtype == np.uint8:
                vmin, vmax = 0, 255
            else:
                lo, hi = float(image.min()), float(image.max())
                vmin, vmax = (0.0, 1.0) if lo >= 0 and hi <= 1 else (lo, hi if hi > lo else lo + 1)
        im = ax.imshow(image, cmap=cmap or "gray", vmin=vmin, vmax=vmax,
                       interpolation="nearest")
    else:
        im = ax.imshow(_rgb_for_display(image), interpolation="nearest")
    clean_axes(ax)
    if title is not None:
        ax.set_title(title)
    return im


def show_channels(fig_or_axes, image):
    """Show a colour image's red, green and blue channels, its grayscale and itself.

    Each channel is drawn as the *amount* of its colour: the red channel on a
    black-to-red scale, and so on, all on the same fixed value scale, so a
    bright red panel means "lots of red light here".

    Parameters
    ----------
    fig_or_axes : matplotlib.figure.Figure or sequence of 5 Axes or None
        A figure (five axes are added in a row), five axes to draw into, or
        None for a new figure.
    image : numpy.ndarray
        (H, W, 3) RGB, uint8 or float in [0, 1].

    Returns
    -------
    list of matplotlib.image.AxesImage
        Five artists: red, green, blue, grayscale, composite.

    Introduced in notebook 01_filtering.
    """
    from ..images import split_channels, to_grayscale

    _check_image(image)
    if image.ndim != 3 or image.shape[2] != 3:
        fail(ValueError, "image", "an RGB image (H, W, 3)", f"shape {tuple(image.shape)}",
             "a gray image has no colour channels to split" if image.ndim == 2
             else "drop an alpha channel with image[..., :3]")
    if fig_or_axes is None or not isinstance(fig_or_axes, (list, tuple, np.ndarray)):
        fig = new_figure((15, 3.6), fig_or_axes)
        axes = list(fig.subplots(1, 5))
    else:
        axes = list(np.ravel(np.asarray(fig_or_axes, dtype=object)))
        if len(axes) != 5:
            fail(ValueError, "fig_or_axes", "a Figure or exactly 5 Axes",
                 describe(fig_or_axes), "make them with fig.subplots(1, 5)")
        for a in axes:
            check_axes(a, "fig_or_axes")
    top = 255.0 if image.dtype == np.uint8 else 1.0
    artists = []
    for a, ch, color, name in zip(axes[:3], split_channels(image), ("red", "green", "blue"),
                                  ("red", "green", "blue"), strict=True):
        im = a.imshow(ch, cmap=color_ramp(color), vmin=0, vmax=top, interpolation="nearest")
        clean_axes(a)
        a.set_title(f"{name} channel")
        artists.append(im)
    artists.append(show_image(axes[3], to_grayscale(image), "grayscale", vmin=0, vmax=top))
    artists.append(show_image(axes[4], image, "colour (all three)"))
    return artists


#: Largest kernel side :func:`show_kernel` draws: it writes a number in every
#: cell, and a picture-sized array (512 x 512 = 262,144 numbers) would hang.
MAX_KERNEL_SIDE = 32


def _check_kernel(kernel, name="kernel"):
    check_real_array(kernel, name, ndim=2, layout="(KH, KW)",
                     hint="one 2-D kernel; for a conv layer's weights use show_conv_weights")
    if 0 in kernel.shape:
        fail(ValueError, name, "a non-empty kernel (at least 1 x 1)",
             f"shape {tuple(kernel.shape)}", "check the slicing that produced it")
    if max(kernel.shape) > MAX_KERNEL_SIDE:
        fail(ValueError, name, f"a kernel of at most {MAX_KERNEL_SIDE} x {MAX_KERNEL_SIDE} "
             "weights (every weight gets a cell, and a number in it)",
             f"shape {tuple(kernel.shape)}",
             "this looks like an image or a feature map; draw it with show_image(ax, ...)")
    return kernel


def show_kernel(ax, kernel, annotate=True, vmax=None, *, cmap=SIGNED_CMAP, fontsize=None):
    """Draw one kernel as a heat map with its numbers written in the cells.

    Zero is white, positive weights red, negative blue, on the symmetric scale
    ``[-vmax, vmax]`` (by default ``vmax`` = the kernel's largest |weight|).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    kernel : numpy.ndarray
        (KH, KW) weights, at most 32 x 32 (:data:`MAX_KERNEL_SIDE`); larger
        arrays are images, see :func:`show_image`.
    annotate : bool, optional
        Write each weight in its cell (compact format, e.g. "-1", "8", "0.11").
    vmax : float, optional
        Half-width of the colour scale; pass the same value to several calls
        to compare kernels on one scale.
    cmap : str, optional
        Diverging colormap (default "RdBu_r").
    fontsize : float, optional
        Size of the cell numbers (default: fitted to the cell size).

    Returns
    -------
    dict
        ``"image"``: the AxesImage; ``"texts"``: list of the cell Text
        artists in row-major order (empty when ``annotate`` is False).

    Introduced in notebook 01_filtering.
    """
    check_axes(ax)
    _check_kernel(kernel)
    k = np.asarray(kernel, dtype=np.float64)
    m = symmetric_limit(k, vmax=vmax)
    im = ax.imshow(k, cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
    cell_grid(ax, *k.shape, color="0.6", lw=0.8)
    texts = annotate_cells(ax, k, im, fontsize=fontsize) if annotate else []
    return {"image": im, "texts": texts}


def show_conv_weights(fig, weights, rgb=False, *, annotate="auto", vmax=None, channel_names=None):
    """Draw all kernels of a conv layer on one shared symmetric colour scale.

    Rows are the layer's filters, columns its input channels. Every panel
    uses the same scale ``[-m, m]`` with ``m`` the largest |weight| of the
    whole layer (never a per-kernel stretch, which would make a weak kernel
    look as strong as a strong one), and one colorbar serves them all.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        The figure to draw into (None: a new figure sized for the grid).
    weights : numpy.ndarray
        (F, C, KH, KW) conv weights, e.g. ``model.layers[0].weight.data``.
    rgb : bool, optional
        For 3 input channels, add a column showing each filter as a colour
        picture (weight 0 = mid gray, on the shared scale).
    annotate : bool or "auto", optional
        Write the weights in the cells; "auto" does so for kernels of at most
        5x5 in grids of at most 40 panels.
    vmax : float, optional
        Half-width of the shared scale (default: largest |weight|); pass the
        same value to compare two layers or two moments of training.
    channel_names : sequence of str, optional
        Column titles (default "R", "G", "B" when ``rgb`` else "in 0", "in 1", ...).

    Returns
    -------
    dict
        ``"figure"``, ``"axes"`` (F x columns array), ``"images"`` (F x C
        array of AxesImage), ``"rgb_images"`` (list, empty unless ``rgb``),
        ``"colorbar"``, ``"vmax"`` (the shared half-width).

    Introduced in notebook 02_convolution.
    """
    check_real_array(weights, "weights", ndim=4, layout="(F, C, KH, KW)",
                     hint="pass a conv layer's weight array, e.g. layer.weight.data")
    if rgb is not False and rgb is not True:
        fail(TypeError, "rgb", "True or False", describe(rgb))
    w = np.asarray(weights, dtype=np.float64)
    f, c, kh, kw = w.shape
    _check_panels(f * c, "weights", w.shape,
                  "show a few filters at a time, e.g. weights[:8], or one input channel, "
                  "weights[:, :1]")
    _check_kernel(w[0, 0], "weights[0, 0]")   # empty or image-sized kernels
    if rgb and c != 3:
        fail(ValueError, "weights", "3 input channels for rgb=True",
             f"shape {tuple(w.shape)} ({c} channel(s))", "use rgb=False for this layer")
    m = symmetric_limit(w, vmax=vmax)
    ncols = c + (1 if rgb else 0)
    if annotate == "auto":
        annotate = kh * kw <= 25 and f * c <= 40
    if channel_names is None:
        channel_names = ["R", "G", "B"] if rgb else [f"in {k}" for k in range(c)]
    elif isinstance(channel_names, str) or not isinstance(channel_names, (list, tuple)):
        fail(TypeError, "channel_names", f"a list of {c} names (one per input channel)",
             describe(channel_names), 'e.g. ["R", "G", "B"]')
    elif len(channel_names) != c:
        fail(ValueError, "channel_names", f"{c} names (one per input channel)",
             describe(channel_names))
    cell = 1.25 if annotate else 0.9
    fig = new_figure((min(1.2 + cell * ncols + 1.0, 16), min(0.9 + cell * f, 20)), fig)
    axes = fig.subplots(f, ncols, squeeze=False)
    images = np.empty((f, c), dtype=object)
    for r in range(f):
        for k in range(c):
            out = show_kernel(axes[r, k], w[r, k], annotate=bool(annotate), vmax=m,
                              fontsize=float(np.clip(27 / max(kh, kw), 6, 11)))
            images[r, k] = out["image"]
        axes[r, 0].set_ylabel(f"filter {r}", rotation=0, ha="right", va="center")
    rgb_images = []
    if rgb:
        for r in range(f):
            pic = np.clip(np.moveaxis(w[r], 0, -1) / (2 * m) + 0.5, 0, 1)
            rgb_images.append(axes[r, c].imshow(pic, interpolation="nearest"))
            clean_axes(axes[r, c])
        axes[0, c].set_title("as colour")
    for k in range(c):
        axes[0, k].set_title(channel_names[k])
    cb = fig.colorbar(images[0, 0], ax=axes.ravel().tolist(), shrink=0.9, label="weight")
    return {"figure": fig, "axes": axes, "images": images, "rgb_images": rgb_images,
            "colorbar": cb, "vmax": m}


def show_feature_maps(fig, maps, title=None, *, ncols=None, vmax=None, colorbar=True):
    """Draw a layer's output channels for one image, on one shared scale.

    Signed maps (e.g. conv outputs before ReLU) use the diverging colormap on
    a symmetric scale; non-negative maps (after ReLU or pooling) use gray from
    0 (black) to the largest value (white). The figure title gives the
    layer's output shape, e.g. "conv1: 24x24x6".

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        The figure to draw into (None: a new figure).
    maps : numpy.ndarray
        (C, H, W) feature maps of one image, e.g. ``model.activations(x)["conv1"][0]``.
    title : str, optional
        Name of the layer; the shape is appended.
    ncols : int, optional
        Panels per row (default: up to 6).
    vmax : float, optional
        Upper end of the shared scale (default: largest |value|).
    colorbar : bool, optional
        Add one shared colorbar.

    Returns
    -------
    dict
        ``"figure"``, ``"axes"`` (list, one per channel), ``"images"`` (list of
        AxesImage), ``"title"`` (the figure title Text), ``"colorbar"`` (or None).

    Introduced in notebook 02_convolution.
    """
    check_real_array(maps, "maps", ndim=3, layout="(C, H, W)",
                     hint="pass one image's maps, e.g. activations['conv1'][0]")
    from .._validate import looks_like_chw

    if looks_like_chw(maps.shape[::-1]):
        fail(ValueError, "maps", "(C, H, W) (channels first)",
             f"shape {tuple(maps.shape)}, which looks like (H, W, C) with {maps.shape[2]} "
             "channel(s) last", "convert it with hwc_to_chw(maps) (from cnnlesson.images)")
    a = np.asarray(maps, dtype=np.float64)
    c, h, w = a.shape
    _check_panels(c if h and w else 0, "maps", a.shape,
                  "show a few channels at a time, e.g. maps[:24]")
    if ncols is None:
        ncols = min(c, 6)
    elif isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        fail(TypeError if not isinstance(ncols, (int, np.integer)) else ValueError, "ncols",
             "a positive int (panels per row)", describe(ncols), "e.g. ncols=6")
    nrows = -(-c // ncols)
    signed = bool(a.min() < 0)
    if signed:
        m = symmetric_limit(a, vmax=vmax)
        cmap, lo, hi = SIGNED_CMAP, -m, m
    else:
        cmap, lo = "gray", 0.0
        hi = symmetric_limit(a, vmax=vmax)
    fig = new_figure((min(2.2 * ncols + 1.2, 16), 2.3 * nrows + 0.8), fig)
    axs = fig.subplots(nrows, ncols, squeeze=False)
    images = []
    for k, ax in enumerate(axs.ravel()):
        if k >= c:
            ax.set_visible(False)
            continue
        images.append(ax.imshow(a[k], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest"))
        clean_axes(ax)
        ax.set_title(f"channel {k}", fontsize="medium")
    label = shape_label(a.shape)
    t = fig.suptitle(f"{title}: {label}" if title else label)
    cb = None
    if colorbar:
        cb = fig.colorbar(images[0], ax=axs.ravel().tolist(), shrink=0.8,
                          label="response" if signed else "activation")
    return {"figure": fig, "axes": list(axs.ravel()[:c]), "images": images, "title": t,
            "colorbar": cb}

