"""The picture of what each channel looks for: its top input patches in one grid.

Draws a :class:`cnnlesson.channels.TopPatches` (from
:func:`cnnlesson.channels.top_patches`) as one image: a row per channel, the
average of its top patches first, then the patches themselves, strongest first.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb

from .._validate import describe, fail
from ._base import OK_COLOR, check_axes

__all__ = ["show_top_patches", "top_patches_mosaic"]

#: Colour of the lines between patches (visible on black background and white ink alike).
GAP_COLOR = OK_COLOR


def _check_top(top):
    from ..channels import TopPatches

    if not isinstance(top, TopPatches):
        fail(TypeError, "top", "the TopPatches returned by cnnlesson.channels.top_patches",
             describe(top), "e.g. top = top_patches(model, X_test, 'conv2')")
    return top


def _check_channels(channels, f: int) -> np.ndarray:
    if channels is None:
        return np.arange(f)
    idx = np.asarray(channels)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        fail(TypeError, "channels", "a non-empty list of channel numbers (ints)",
             describe(channels), f"e.g. channels=[0, 1, 2] (the layer has {f})")
    if idx.min() < 0 or idx.max() >= f:
        fail(ValueError, "channels", f"channel numbers from 0 to {f - 1}",
             repr(idx.tolist()), f"the layer has {f} channels")
    return idx


def top_patches_mosaic(top, channels=None, *, show_mean: bool = True):
    """The grid of :func:`show_top_patches` as one RGB image, without drawing it.

    Parameters
    ----------
    top : cnnlesson.channels.TopPatches
    channels : sequence of int, optional
        Which channels (rows) to show, default all.
    show_mean : bool, default True
        Put the average of each channel's patches in the first column.

    Returns
    -------
    image : numpy.ndarray
        (H, W, 3) float64 in [0, 1].
    row_centers, col_centers : numpy.ndarray
        Pixel centres of the rows (one per channel) and columns (mean first, if shown).
    gap : int
        Pixels between two patches.

    Introduced in notebook 06_inside_the_network.
    """
    top = _check_top(top)
    if show_mean is not True and show_mean is not False:
        fail(TypeError, "show_mean", "True or False", describe(show_mean))
    p = np.asarray(top.patches, dtype=np.float64)          # (F, k, C, S, S)
    idx = _check_channels(channels, p.shape[0])
    p = p[idx]
    f, k, c, s, _ = p.shape
    if c not in (1, 3):
        fail(ValueError, "top", "patches with 1 (gray) or 3 (RGB) channels",
             f"{c} channels", "show one input channel at a time")
    lo, hi = float(min(p.min(), 0.0)), float(max(p.max(), 1.0))
    p = (p - lo) / (hi - lo)                                # [0, 1] keeps [0, 1] data unchanged
    tiles = np.moveaxis(p, 2, -1)                           # (F, k, S, S, C)
    if show_mean:
        tiles = np.concatenate([tiles.mean(axis=1, keepdims=True), tiles], axis=1)
    if c == 1:
        tiles = np.repeat(tiles, 3, axis=-1)
    zoom = -(-12 // s)                                      # small patches: blow pixels up
    if zoom > 1:
        tiles = np.repeat(np.repeat(tiles, zoom, axis=2), zoom, axis=3)
    s = s * zoom
    gap = max(1, s // 8)
    lead = 2 * gap if show_mean else gap                    # wider gap after the mean column
    ncols = tiles.shape[1]
    col_left = np.array([j * (s + gap) + (lead - gap if (show_mean and j > 0) else 0)
                         for j in range(ncols)])
    width = int(col_left[-1] + s)
    height = f * (s + gap) - gap
    img = np.empty((height, width, 3))
    img[:] = to_rgb(GAP_COLOR)
    for i in range(f):
        for j in range(ncols):
            img[i * (s + gap):i * (s + gap) + s, col_left[j]:col_left[j] + s] = tiles[i, j]
    row_centers = np.arange(f) * (s + gap) + (s - 1) / 2
    col_centers = col_left + (s - 1) / 2
    return img, row_centers, col_centers, gap


def show_top_patches(ax, top, *, channels=None, show_mean: bool = True, title=None,
                     values: bool = False):
    """Draw what each channel of a conv layer looks for: its top input patches.

    One row per channel. The first column (with ``show_mean``) is the pixel-wise
    average of the channel's top patches: what they have in common. Then the
    ``k`` patches, strongest response first, each the channel's receptive field
    cut out of a different image. Patches are drawn in their own grey levels
    (0 = black background, 1 = white ink for the digits), never rescaled per
    patch, separated by thin blue lines.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    top : cnnlesson.channels.TopPatches
        From :func:`cnnlesson.channels.top_patches`.
    channels : sequence of int, optional
        Which channels (rows) to show, default all.
    show_mean : bool, default True
        Put the average of each row's patches first.
    title : str, optional
        Default: "<layer>: <S>x<S>-pixel patches, top <k> of each channel" on two
        lines; a note is added when some receptive fields reach past the image border.
    values : bool, default False
        Label each row with its strongest response.

    Returns
    -------
    dict
        ``"image"`` (AxesImage), ``"title"`` (Text), ``"mosaic"`` (the (H, W, 3) image).

    Introduced in notebook 06_inside_the_network.
    """
    check_axes(ax)
    top = _check_top(top)
    if title is not None and not isinstance(title, str):
        fail(TypeError, "title", "a str or None", describe(title))
    idx = _check_channels(channels, top.patches.shape[0])
    img, rows, cols, _ = top_patches_mosaic(top, idx, show_mean=show_mean)
    im = ax.imshow(img, interpolation="nearest")
    k = top.patches.shape[1]
    ax.set_yticks(rows)
    labels = [f"ch {f}" + (f"  ({top.values[f, 0]:.1f})" if values else "") for f in idx]
    ax.set_yticklabels(labels)
    ax.set_xticks(cols)
    ax.set_xticklabels((["mean"] if show_mean else []) + [str(j + 1) for j in range(k)])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    if title is None:
        title = f"{top.layer}: {top.size}x{top.size}-pixel patches,\ntop {k} of each channel"
        n_clipped = int(top.clipped[idx].sum())
        if n_clipped:
            title += (f"\n({n_clipped} reach past the image border; the missing pixels are "
                      f"set to {top.fill:g})")
    t = ax.set_title(title)
    return {"image": im, "title": t, "mosaic": img}
