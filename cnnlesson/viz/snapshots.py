"""One picture of a training snapshot: a layer's kernels and a probe's feature maps.

Used frame by frame by :func:`cnnlesson.viz.animate_snapshots` and step by
step by :func:`cnnlesson.widgets.snapshot_player`. Any recorded conv layer is
drawn as a filter x input-channel grid (:mod:`cnnlesson.viz.layergrid`). The
colour scales are fixed over *all* snapshots of a run (and said so on the
figure), so a kernel that grows looks stronger.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_nonnegative_int, describe, fail
from ._base import SIGNED_CMAP, clean_axes, symmetric_limit

__all__ = ["SnapshotView", "snapshot_records", "mosaic", "snapshot_figsize", "tile_grid",
           "kernel_blocks"]


def snapshot_records(snapshots) -> list:
    """The list of Snapshot records of a ``Snapshots`` callback (or a list of them).

    Introduced in notebook 06_inside_the_network.
    """
    recs = getattr(snapshots, "records", snapshots)
    if isinstance(recs, (list, tuple)) and recs and all(
            hasattr(r, "weights") and hasattr(r, "step") for r in recs):
        return list(recs)
    if isinstance(recs, (list, tuple)) and not recs:
        fail(ValueError, "snapshots", "at least one recorded Snapshot", "none",
             "pass the Snapshots callback to fit(..., callbacks=[snaps]) first")
    fail(TypeError, "snapshots", "a cnnlesson.train.Snapshots (or a list of Snapshot)",
         describe(snapshots), "record them with Snapshots(every=k, probe=X[:4]) during fit")
    return []  # pragma: no cover


def mosaic(tiles: np.ndarray, gap: int = 1) -> np.ndarray:
    """Arrange (R, C, h, w) tiles into one 2-D image with NaN gaps between them.

    Returns
    -------
    numpy.ndarray
        (R*(h+gap)-gap, C*(w+gap)-gap) float64; NaN in the gaps.

    Introduced in notebook 06_inside_the_network.
    """
    r, c, h, w = tiles.shape
    out = np.full((r * (h + gap) - gap, c * (w + gap) - gap), np.nan)
    for i in range(r):
        for j in range(c):
            out[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = tiles[i, j]
    return out


def tile_grid(blocks: np.ndarray, ncols: int, gap: int = 1) -> np.ndarray:
    """Arrange (F, h, w) blocks into a grid of ``ncols`` columns with NaN gaps.

    Returns
    -------
    numpy.ndarray
        (R*(h+gap)-gap, ncols*(w+gap)-gap) float64 with R = ceil(F / ncols).

    Introduced in notebook 06_inside_the_network.
    """
    f, h, w = blocks.shape
    rows = -(-f // ncols)
    tiles = np.full((rows * ncols, h, w), np.nan)
    tiles[:f] = blocks
    return mosaic(tiles.reshape(rows, ncols, h, w), gap)


def kernel_blocks(w: np.ndarray) -> np.ndarray:
    """(F, C, KH, KW) weights -> (F, KH, C*(KW+1)-1): each filter's channels side by side.

    Introduced in notebook 06_inside_the_network.
    """
    return np.stack([mosaic(np.asarray(k, dtype=np.float64)[None]) for k in w])


def _probe_image(x: np.ndarray) -> np.ndarray:
    from ..images import chw_to_hwc

    img = chw_to_hwc(np.asarray(x), squeeze=True)
    return np.clip(img, 0, 1)


class SnapshotView:
    """A figure showing one snapshot of a layer, updatable to any other snapshot of the run.

    Layout: the probe image (if known) on the left; then the layer drawn by
    :class:`~cnnlesson.viz.layergrid.LayerGrid`: one column per filter, one
    row per input channel (labelled with its role: the input image, or "from
    conv1 filter j" for conv2), and below each column that filter's feature
    map on the probe image (conv output before ReLU). Kernels share one
    symmetric diverging scale, maps another; both are *fixed* over all
    records (the largest |value| of the whole run, or ``vmax`` / ``fmax``),
    so a kernel that grows looks stronger. The figure says so in its bottom
    line, e.g. "colour scales fixed across all 31 frames: kernels ±0.62,
    feature maps ±3.1".

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw into (:func:`snapshot_figsize` gives a size).
    snapshots : cnnlesson.train.Snapshots or list of Snapshot
        The recorded run.
    layer : str
        A recorded conv layer, e.g. "conv1", "conv2", "conv3".
    probe_index : int
        Which probe image's feature maps to show.
    probe : numpy.ndarray, optional
        (P, C, H, W) the probe images, to draw the one shown (default:
        ``snapshots.probe`` when available).
    vmax, fmax : float, optional
        Fix the kernels' (maps') scale to [-vmax, vmax] instead of the run's
        largest |weight| (|response|).
    numbers : bool, optional
        Write each weight in its cell.
    channel_labels : list of str, optional
        One label per input channel (default: their roles, see
        :func:`~cnnlesson.viz.layergrid.channel_roles`).

    Attributes
    ----------
    records, figure, layer, wmax, fmax, kernel_image, map_image, title, grid, tile_labels
        ``grid`` is the :class:`~cnnlesson.viz.layergrid.LayerGrid`;
        ``tile_labels`` its number texts (empty unless ``numbers``).

    Introduced in notebook 06_inside_the_network.
    """

    def __init__(self, fig, snapshots, layer="conv1", probe_index=0, probe=None, *, vmax=None,
                 fmax=None, numbers=False, channel_labels=None):
        from .layergrid import LayerGrid, channel_roles, previous_conv

        self.records = snapshot_records(snapshots)
        if not isinstance(layer, str):
            fail(TypeError, "layer", "a layer name such as 'conv1'", describe(layer))
        first = self.records[0]
        if layer not in first.weights:
            fail(ValueError, "layer", f"one of the recorded layers {sorted(first.weights)}",
                 repr(layer), "Snapshots(layers=...) chooses which conv layers are recorded")
        self.layer = layer
        self.probe_index = check_nonnegative_int(probe_index, "probe_index")
        has_maps = bool(first.feature_maps) and layer in first.feature_maps
        if has_maps:
            p = first.feature_maps[layer].shape[0]
            if self.probe_index >= p:
                fail(ValueError, "probe_index", f"an index of the {p} probe image(s) (0 to "
                     f"{p - 1})", repr(self.probe_index))
        if probe is None:
            probe = getattr(snapshots, "probe", None)
        self.has_maps = has_maps
        self.figure = fig
        ws = [r.weights[layer] for r in self.records]
        self.wmax = symmetric_limit(*ws, vmax=vmax)
        if has_maps:
            if fmax is not None:
                self.fmax = symmetric_limit(vmax=fmax)
            else:
                self.fmax = symmetric_limit(*[r.feature_maps[layer][self.probe_index]
                                              for r in self.records])
        else:
            self.fmax = None
        f, c, kh, kw = ws[0].shape
        self.shape = (f, c, kh, kw)
        if channel_labels is None:
            names = list(first.weights)
            shapes = {k: v.shape for k, v in first.weights.items()}
            channel_labels = channel_roles(layer, c, previous_conv(names, shapes, layer))

        show_probe = probe is not None and has_maps
        # widths (inches) that let the grid fill its column, so the colour bars sit beside it
        # and a layer with few filters leaves the spare width empty at the right
        fw, fh = fig.get_size_inches()
        box_h = max(fh - 2.3, 1.0)
        rows = c + (_MAP_ROWS if has_maps else 0)
        colorbars = 2.2 if has_maps else 1.1
        probe_w = min(2.6, box_h) if show_probe else 0.0
        room = max(fw - probe_w - colorbars, 1.0)
        grid_w = min(room, box_h * f / rows + 2.0)   # + the row labels
        ratios = ([probe_w] if show_probe else []) + [grid_w + colorbars]
        if room - grid_w > 0.5:
            ratios.append(room - grid_w)
        gs = fig.add_gridspec(1, len(ratios), width_ratios=ratios)
        ax_p = fig.add_subplot(gs[0, 0]) if show_probe else None
        ax_g = fig.add_subplot(gs[0, 1 if show_probe else 0])
        self.axes = {"grid": ax_g}
        self.probe_image = None
        if show_probe:
            self.axes["probe"] = ax_p
            img = _probe_image(probe[self.probe_index])
            self.probe_image = ax_p.imshow(img, cmap="gray", vmin=0, vmax=1,
                                           interpolation="nearest")
            clean_axes(ax_p)
            ax_p.set_anchor("N")
            ax_p.set_title(f"probe image {self.probe_index}", fontsize="medium")
        maps0 = first.feature_maps[layer][self.probe_index] if has_maps else None
        self.grid = LayerGrid(ax_g, ws[0], maps0, wmax=self.wmax, fmax=self.fmax,
                              channel_labels=channel_labels, numbers=numbers)
        self.kernel_image = self.grid.kernel_image
        self.map_image = self.grid.map_image
        self.tile_labels = self.grid.number_texts
        ax_g.set_title(f"{layer}: {f} filter{'s' if f > 1 else ''} x {c} input "
                       f"channel{'s' if c > 1 else ''} of {kh}x{kw}", fontsize="medium", pad=8)
        shrink = 0.9 if c > 2 else 1.0
        # constrained layout puts the colorbar added last next to the grid: the kernels'
        if has_maps:
            fig.colorbar(self.map_image, ax=ax_g, location="right", shrink=shrink, pad=0.02,
                         aspect=15, label="feature map response")
        fig.colorbar(self.kernel_image, ax=ax_g, location="right", shrink=shrink, pad=0.02,
                     aspect=15, label="kernel weight")
        note = (f"colour scales fixed across all {len(self.records)} frames: kernels "
                f"\u00b1{self.wmax:.2g}")
        if has_maps:
            note += f", feature maps \u00b1{self.fmax:.2g}"
        self.scale_note = fig.supxlabel(note, fontsize="medium")
        self.title = fig.suptitle(self._title(0))
        self.index = 0
        # constrained layout settles in two passes with fixed-aspect panels: run the
        # first now so the displayed (second) one leaves room for every title
        fig.draw_without_rendering()

    def _title(self, k):
        r = self.records[k]
        s = f"step {r.step} (epoch {r.epoch:.2f})"
        if r.loss is not None:
            s += f", loss {r.loss:.3f}"
        if r.accuracy is not None:
            s += f", accuracy {r.accuracy:.0%}"
        elif r.step == 0:
            s += ", before training"
        return s

    def update(self, k):
        """Show record number ``k`` (0 = the first snapshot); return the changed artists."""
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            fail(TypeError, "k", "a record index (int)", describe(k))
        if not 0 <= k < len(self.records):
            fail(ValueError, "k", f"a record index from 0 to {len(self.records) - 1}", repr(k))
        k = int(k)
        r = self.records[k]
        maps = r.feature_maps[self.layer][self.probe_index] if self.has_maps else None
        changed = self.grid.set(r.weights[self.layer], maps)
        self.title.set_text(self._title(k))
        self.index = k
        return [*changed, self.title]


#: Height of the row of feature maps, with its gap, in kernel rows.
_MAP_ROWS = 1.45   # = 1 + layergrid.MAP_GAP

#: Default figure width (inches): 1300 px at the course's 100 dpi.
FIG_WIDTH = 13.0


def snapshot_figsize(snapshots, layer="conv1", probe=True):
    """A figure size (inches) that fits a :class:`SnapshotView` of ``layer``.

    13 inches wide (1300 px at 100 dpi, readable when projected); tall enough
    for one row per input channel plus the row of feature maps.

    Introduced in notebook 06_inside_the_network.
    """
    from .layergrid import MAP_GAP

    first = snapshot_records(snapshots)[0]
    if layer not in first.weights:
        return (FIG_WIDTH, 5.0)  # SnapshotView will explain the bad layer name
    f, c = first.weights[layer].shape[:2]
    maps = first.feature_maps.get(layer) if first.feature_maps else None
    show = probe and maps is not None
    avail = FIG_WIDTH - (2.6 if show else 0.0) - 2.0 - (2.2 if maps is not None else 1.1)
    unit = min(1.3, avail / f)
    rows = c + (MAP_GAP + 1 if maps is not None else 0)
    return (FIG_WIDTH, float(np.clip(unit * rows + 2.3, 4.0, 12.0)))


def _signed_cmap_with_gaps():
    import matplotlib as mpl

    cmap = mpl.colormaps[SIGNED_CMAP].with_extremes(bad="0.86")
    return cmap
