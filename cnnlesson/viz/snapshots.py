"""One picture of a training snapshot: a layer's kernels and a probe's feature maps.

Used frame by frame by :func:`cnnlesson.viz.animate_snapshots` and step by
step by :func:`cnnlesson.widgets.snapshot_player`. The colour scales are fixed
over *all* snapshots of a run, so a kernel that grows looks stronger.
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
    """A figure showing one snapshot, updatable to any other snapshot of the run.

    Layout: the probe image (if known) on the left; then one row per filter
    of ``layer``: its kernel slices (one per input channel) and its feature
    map on the probe image (conv output before ReLU). Both use the diverging
    colormap with a symmetric scale fixed over all records.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw into.
    snapshots : cnnlesson.train.Snapshots or list of Snapshot
        The recorded run.
    layer : str
        A recorded conv layer, e.g. "conv1".
    probe_index : int
        Which probe image's feature maps to show.
    probe : numpy.ndarray, optional
        (P, C, H, W) the probe images, to draw the one shown (default:
        ``snapshots.probe`` when available).

    Attributes
    ----------
    records, figure, wmax, fmax, kernel_image, map_image, title, tile_labels

    Introduced in notebook 06_inside_the_network.
    """

    def __init__(self, fig, snapshots, layer="conv1", probe_index=0, probe=None):
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
        self.wmax = symmetric_limit(*ws)
        self.fmax = (symmetric_limit(*[r.feature_maps[layer][self.probe_index]
                                       for r in self.records]) if has_maps else None)
        f, c, kh, kw = ws[0].shape
        self.shape = (f, c, kh, kw)

        show_probe = probe is not None and has_maps
        map_hw = first.feature_maps[layer].shape[2:] if has_maps else None
        self.ncols = _grid_columns(self.shape, map_hw, show_probe)
        ratios, names = _layout(self.shape, map_hw, show_probe, self.ncols)
        gs = fig.add_gridspec(1, len(names), width_ratios=ratios)
        self.axes = {name: fig.add_subplot(gs[0, k]) for k, name in enumerate(names)}
        self.tile_labels = []
        self.probe_image = None
        if show_probe:
            ax = self.axes["probe"]
            img = _probe_image(probe[self.probe_index])
            self.probe_image = ax.imshow(img, cmap="gray", vmin=0, vmax=1,
                                         interpolation="nearest")
            clean_axes(ax)
            ax.set_title(f"probe image {self.probe_index}")
        cmap = _signed_cmap_with_gaps()
        axk = self.axes["kernels"]
        self.kernel_image = axk.imshow(self._kernel_mosaic(0), cmap=cmap, vmin=-self.wmax,
                                       vmax=self.wmax, interpolation="nearest")
        axk.set_axis_off()
        axk.set_title(f"{layer} kernels\n" + (f"({c} input channels side by side)" if c > 1
                                               else "(one per filter)"), fontsize="medium")
        self._number_tiles(axk, kh, c * (kw + 1) - 1, _kernel_gap(c))
        fig.colorbar(self.kernel_image, ax=axk, location="bottom", shrink=0.8, pad=0.03,
                     aspect=25, label="weight")
        self.map_image = None
        if has_maps:
            axm = self.axes["maps"]
            self.map_image = axm.imshow(self._map_mosaic(0), cmap=cmap, vmin=-self.fmax,
                                        vmax=self.fmax, interpolation="nearest")
            axm.set_axis_off()
            axm.set_title("feature maps\n(before ReLU)", fontsize="medium")
            self._number_tiles(axm, *map_hw, _MAP_GAP)
            fig.colorbar(self.map_image, ax=axm, location="bottom", shrink=0.8, pad=0.03,
                         aspect=25, label="response")
        self.title = fig.suptitle(self._title(0))
        self.index = 0
        # constrained layout settles in two passes with fixed-aspect panels: run the
        # first now so the displayed (second) one leaves room for every title
        fig.draw_without_rendering()

    def _number_tiles(self, ax, h, w, gap):
        """Write each filter's number at the top-left corner of its tile."""
        f = self.shape[0]
        for k in range(f):
            r, c = divmod(k, self.ncols)
            label = ax.text(c * (w + gap) - 0.5, r * (h + gap) - 0.5, str(k),
                            fontsize="x-small", ha="left", va="top", color="black",
                            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                                  "alpha": 0.8})
            self.tile_labels.append(label)

    def _kernel_mosaic(self, k):
        w = np.asarray(self.records[k].weights[self.layer], dtype=np.float64)
        return tile_grid(kernel_blocks(w), self.ncols, gap=_kernel_gap(w.shape[1]))

    def _map_mosaic(self, k):
        m = np.asarray(self.records[k].feature_maps[self.layer][self.probe_index],
                       dtype=np.float64)
        return tile_grid(m, self.ncols, gap=_MAP_GAP)

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
        self.kernel_image.set_data(self._kernel_mosaic(k))
        changed = [self.kernel_image, self.title]
        if self.map_image is not None:
            self.map_image.set_data(self._map_mosaic(k))
            changed.append(self.map_image)
        self.title.set_text(self._title(k))
        self.index = k
        return changed


_MAP_GAP = 2


def _kernel_gap(c: int) -> int:
    """Gap between filters in the kernel mosaic: wider than the 1 between channels."""
    return 1 if c == 1 else 3
_TARGET_ASPECT = 3.6   # width / height of the whole picture that reads best


def _mosaic_aspect(f, ncols, h, w, gap):
    rows = -(-f // ncols)
    return (ncols * (w + gap) - gap) / (rows * (h + gap) - gap)


def _layout(shape, map_hw, show_probe, ncols):
    """Width ratios making the probe, kernel and map panels equally tall."""
    f, c, kh, kw = shape
    ratios, names = [], []
    if show_probe:
        ratios.append(1.0)
        names.append("probe")
    ratios.append(_mosaic_aspect(f, ncols, kh, c * (kw + 1) - 1, _kernel_gap(c)))
    names.append("kernels")
    if map_hw is not None:
        ratios.append(max(0.8, _mosaic_aspect(f, ncols, *map_hw, _MAP_GAP)))
        names.append("maps")
    return ratios, names


def _grid_columns(shape, map_hw, show_probe):
    """Filters per row (the same in both mosaics), so the picture is about 3.6 : 1."""
    f = shape[0]
    best = min(range(1, f + 1), key=lambda n: (abs(np.log(
        sum(_layout(shape, map_hw, show_probe, n)[0]) / _TARGET_ASPECT)), n))
    return best


def snapshot_figsize(snapshots, layer="conv1", probe=True):
    """A figure size (inches) that fits a :class:`SnapshotView` of ``layer``.

    Introduced in notebook 06_inside_the_network.
    """
    first = snapshot_records(snapshots)[0]
    if layer not in first.weights:
        return (8.0, 5.0)  # SnapshotView will explain the bad layer name
    w = first.weights[layer]
    maps = first.feature_maps.get(layer) if first.feature_maps else None
    map_hw = maps.shape[2:] if maps is not None else None
    show = probe and maps is not None
    ratios, _ = _layout(w.shape, map_hw, show, _grid_columns(w.shape, map_hw, show))
    h_ax = 3.0
    return (min(16.0, h_ax * sum(ratios) + 0.4 * len(ratios) + 0.6), h_ax + 1.5)


def _signed_cmap_with_gaps():
    import matplotlib as mpl

    cmap = mpl.colormaps[SIGNED_CMAP].with_extremes(bad="0.78")
    return cmap
