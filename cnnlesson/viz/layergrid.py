"""One conv layer as a grid: a column per filter, a row per input channel, maps below.

``w[i, j]`` (a KH x KW kernel slice) is drawn in column ``i`` (filter ``i``)
and row ``j`` (input channel ``j``); each input channel's row is labelled with
its role (the input image, its red/green/blue channel, or "from conv1 filter
j" for a deeper layer). Below each column, separated by a small gap, is that
filter's feature map on the probe image: the sum, over the rows above, of each
kernel slice slid over its input channel (plus the bias). All kernels share
one symmetric diverging scale, all maps another; both are *fixed* Normalize
objects, so updating the grid to another moment of training changes the
pictures and never the scale.

:class:`LayerGrid` draws into one Axes whose data units are cells: cell
``(j, i)`` covers ``[i, i + s] x [j, j + s]`` with ``s`` about 0.75, so
kernels and maps of any size line up by column. Used by
:class:`~cnnlesson.viz.SnapshotView` (GIF and player) and
:class:`~cnnlesson.viz.LiveView`.
"""

from __future__ import annotations

import numpy as np

from .._validate import describe, fail

__all__ = ["LayerGrid", "channel_roles", "grid_mosaic"]

#: Vertical gap (in cells) between the kernel rows and the row of feature maps.
MAP_GAP = 0.45


def grid_mosaic(tiles: np.ndarray, gap: int) -> np.ndarray:
    """(R, C, h, w) tiles -> (R*(h+gap)-gap, C*(w+gap)-gap) image, NaN in the gaps.

    Vectorised (no Python loop over tiles), for redrawing during training.

    Introduced in notebook 05_classifier.
    """
    r, c, h, w = tiles.shape
    out = np.full((r, h + gap, c, w + gap), np.nan)
    out[:, :h, :, :w] = np.asarray(tiles, dtype=np.float64).transpose(0, 2, 1, 3)
    out = out.reshape(r * (h + gap), c * (w + gap))
    return out[:r * (h + gap) - gap, :c * (w + gap) - gap]


def _gap(n: int) -> int:
    """Pixels between tiles of size n: about a fifth of a tile (>= 1)."""
    return max(1, round(n / 5))


def channel_roles(layer: str, in_channels: int, previous: str | None = None) -> list[str]:
    """What each input channel of a conv layer is, as row labels.

    Parameters
    ----------
    layer : str
        The layer's name (used only for the generic labels).
    in_channels : int
        C, the layer's number of input channels.
    previous : str, optional
        The conv layer feeding this one (its filters are this layer's input
        channels), e.g. "conv1" for "conv2".

    Returns
    -------
    list of str
        C labels: ``["input image"]`` for one channel, ``["input red", "input
        green", "input blue"]`` for an RGB input, ``["from conv1 filter 0", ...]``
        when ``previous`` is given, else ``["input channel 0", ...]``.

    Introduced in notebook 05_classifier.
    """
    if previous is not None:
        return [f"from {previous} filter {j}" for j in range(in_channels)]
    if in_channels == 1:
        return ["input image"]
    if in_channels == 3:
        return ["input red", "input green", "input blue"]
    return [f"input channel {j}" for j in range(in_channels)]


def previous_conv(names: list[str], shapes: dict, layer: str) -> str | None:
    """The conv layer just before ``layer`` in ``names`` if its filters feed ``layer``."""
    if layer not in names:
        return None
    k = names.index(layer)
    if k == 0:
        return None
    prev = names[k - 1]
    return prev if shapes[prev][0] == shapes[layer][1] else None


class LayerGrid:
    """Draw a conv layer's kernels (filter x input-channel grid) and maps on one Axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (its ticks become the row and column labels).
    weights : numpy.ndarray
        (F, C, KH, KW) the layer's kernels to show first.
    maps : numpy.ndarray, optional
        (F, H, W) the layer's outputs (before ReLU) on one probe image; None:
        no row of maps.
    wmax : float
        Half-width of the kernels' fixed colour scale [-wmax, wmax].
    fmax : float, optional
        Half-width of the maps' fixed colour scale (required with ``maps``).
    channel_labels : list of str, optional
        C row labels (default :func:`channel_roles` with no previous layer).
    numbers : bool, optional
        Write each weight in its cell (readable for conv1; dense for conv3).
    cmap : matplotlib colormap, optional
        Default: the course's signed colormap with gaps drawn light gray.

    Attributes
    ----------
    kernel_image, map_image : matplotlib.image.AxesImage
        ``map_image`` is None without maps.
    wnorm, fnorm : matplotlib.colors.Normalize
        The fixed scales (the same objects for every update).
    number_texts : list of matplotlib.text.Text
        F*C*KH*KW texts when ``numbers`` (else empty).
    shape : tuple
        (F, C, KH, KW).

    Introduced in notebook 05_classifier.
    """

    def __init__(self, ax, weights, maps=None, *, wmax, fmax=None, channel_labels=None,
                 numbers=False, cmap=None):
        from matplotlib.colors import Normalize

        w = np.asarray(weights)
        if w.ndim != 4:
            fail(ValueError, "weights", "a 4-D array (F, C, KH, KW)", describe(w),
                 "pass a conv layer's weight, e.g. model['conv2'].weight.data")
        f, c, kh, kw = w.shape
        self.shape = (f, c, kh, kw)
        if channel_labels is None:
            channel_labels = channel_roles("", c)
        channel_labels = list(channel_labels)
        if len(channel_labels) != c:
            fail(ValueError, "channel_labels", f"{c} labels (one per input channel)",
                 f"{len(channel_labels)} labels")
        if maps is not None and fmax is None:
            fail(ValueError, "fmax", "a positive number when maps are given", "None")
        if cmap is None:
            from .snapshots import _signed_cmap_with_gaps

            cmap = _signed_cmap_with_gaps()
        self.ax = ax
        self.wnorm = Normalize(-float(wmax), float(wmax))
        self.fnorm = Normalize(-float(fmax), float(fmax)) if maps is not None else None
        self._kgap = _gap(max(kh, kw))
        sk = 1 - self._kgap / (kh + self._kgap)
        self.kernel_image = ax.imshow(self._kernel_mosaic(w), cmap=cmap, norm=self.wnorm,
                                      interpolation="nearest",
                                      extent=(0, f - self._kgap / (kw + self._kgap), c - (1 - sk),
                                              0))
        self.map_image = None
        bottom = c - (1 - sk)
        if maps is not None:
            m = np.asarray(maps)
            mh, mw = m.shape[1:]
            self._mgap = _gap(max(mh, mw))
            top = c + MAP_GAP
            self.map_image = ax.imshow(self._map_mosaic(m), cmap=cmap, norm=self.fnorm,
                                       interpolation="nearest",
                                       extent=(0, f - self._mgap / (mw + self._mgap),
                                               top + mh / (mh + self._mgap), top))
            bottom = top + mh / (mh + self._mgap)
        ax.set_xlim(-0.1, f - (1 - sk) + 0.1)
        ax.set_ylim(bottom + 0.1, -0.1)
        ax.set_aspect("equal")
        ax.set_anchor("N")
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
        ax.set_xticks(np.arange(f) + sk / 2, [str(i) for i in range(f)])
        ax.set_xlabel("filter", labelpad=4)
        yt = list(np.arange(c) + sk / 2)
        labels = list(channel_labels)
        if maps is not None:
            yt.append(c + MAP_GAP + 0.5 * mh / (mh + self._mgap))
            labels.append("feature map\n(probe image)")
        ax.set_yticks(yt, labels)
        ax.tick_params(length=0, pad=3)
        small = "small" if c <= 6 else "x-small"
        for t in ax.get_yticklabels():
            t.set_fontsize(small)
        for t in ax.get_xticklabels():
            t.set_fontsize(small if f <= 12 else "x-small")
        self.number_texts = []
        self._numbers = bool(numbers)
        if self._numbers:
            self._add_numbers(w)

    # -- mosaics -----------------------------------------------------------------------------
    def _kernel_mosaic(self, w):
        return grid_mosaic(np.asarray(w).transpose(1, 0, 2, 3), self._kgap)

    def _map_mosaic(self, m):
        return grid_mosaic(np.asarray(m)[None], self._mgap)

    # -- numbers in the cells ----------------------------------------------------------------
    def _add_numbers(self, w):
        f, c, kh, kw = self.shape
        pitch = kw + self._kgap
        ax = self.ax
        ax.apply_aspect()  # the drawn size, after the equal aspect shrank the axes
        fig = ax.get_figure(root=True)
        x0, x1 = ax.transData.transform([(0, 0), (1 / pitch, 0)])[:, 0]
        cell_pt = abs(x1 - x0) * 72 / fig.dpi
        size = float(np.clip(0.3 * cell_pt, 4.0, 12.0))
        for j in range(c):
            for i in range(f):
                for a in range(kh):
                    for b in range(kw):
                        self.number_texts.append(self.ax.text(
                            i + (b + 0.5) / pitch, j + (a + 0.5) / (kh + self._kgap), "",
                            ha="center", va="center", fontsize=size))
        self._set_numbers(w)

    def _set_numbers(self, w):
        from ._base import format_number, text_color

        cmap = self.kernel_image.get_cmap()
        vals = np.asarray(w, dtype=np.float64).transpose(1, 0, 2, 3).ravel()
        for t, v in zip(self.number_texts, vals, strict=True):
            t.set_text(format_number(v))
            t.set_color(text_color(cmap(self.wnorm(v))))

    # -- updates -----------------------------------------------------------------------------
    @property
    def dynamic(self) -> list:
        """The artists that change from one update to the next."""
        out = [self.kernel_image]
        if self.map_image is not None:
            out.append(self.map_image)
        return out + self.number_texts

    def set(self, weights, maps=None) -> list:
        """Show other weights (and maps) on the same fixed scales; return the changed artists."""
        self.kernel_image.set_data(self._kernel_mosaic(weights))
        if self.map_image is not None and maps is not None:
            self.map_image.set_data(self._map_mosaic(maps))
        if self._numbers:
            self._set_numbers(weights)
        return self.dynamic

    def set_limits(self, wmax=None, fmax=None) -> None:
        """Change the scales' half-widths (the live view widens them when weights outgrow them).

        The Normalize objects stay the same; only their limits change.
        """
        if wmax is not None:
            self.wnorm.vmin, self.wnorm.vmax = -float(wmax), float(wmax)
        if fmax is not None and self.fnorm is not None:
            self.fnorm.vmin, self.fnorm.vmax = -float(fmax), float(fmax)
