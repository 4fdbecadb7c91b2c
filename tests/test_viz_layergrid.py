"""Every conv layer drawn as a filter x input-channel grid: shape, labels, one shared fixed
scale per kind of value, the same norm on every frame, GIFs of conv2, and the figure's width."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnlesson import viz
from cnnlesson.train import Snapshot
from cnnlesson.viz.animation import _agg_figure
from cnnlesson.viz.layergrid import LayerGrid, channel_roles, grid_mosaic, previous_conv
from cnnlesson.viz.snapshots import mosaic

SHAPES = {"conv1": (6, 1, 3, 3), "conv2": (12, 6, 3, 3), "conv3": (12, 12, 3, 3)}
MAPS = {"conv1": (24, 24), "conv2": (10, 10), "conv3": (3, 3)}


def seed_snapshots(n=5, probes=2, seed=0):
    """Records shaped like the seed network's, with weights growing over 'training'."""
    rng = np.random.default_rng(seed)
    recs = []
    for k in range(n):
        scale = 0.2 * (k + 1)
        weights = {name: rng.normal(0, scale, s).astype(np.float32) for name, s in SHAPES.items()}
        maps = {name: rng.normal(0, 3 * scale, (probes, SHAPES[name][0], *MAPS[name]))
                .astype(np.float32) for name in SHAPES}
        recs.append(Snapshot(step=10 * k, epoch=k / 2, weights=weights, feature_maps=maps,
                             loss=None if k == 0 else 2.0 / k,
                             accuracy=None if k == 0 else 0.2 * k))
    return recs


def decode(data):
    im = Image.open(io.BytesIO(data))
    frames = []
    for k in range(im.n_frames):
        im.seek(k)
        frames.append(np.asarray(im.convert("RGB")))
    return frames


# -- pieces ------------------------------------------------------------------------------------

def test_grid_mosaic_matches_the_loop_version():
    tiles = np.random.default_rng(0).normal(size=(3, 4, 5, 2))
    for gap in (1, 2):
        np.testing.assert_array_equal(grid_mosaic(tiles, gap), mosaic(tiles, gap))


def test_channel_roles_and_previous_layer():
    assert channel_roles("conv1", 1) == ["input image"]
    assert channel_roles("conv1", 3) == ["input red", "input green", "input blue"]
    assert channel_roles("conv2", 6, "conv1")[5] == "from conv1 filter 5"
    assert channel_roles("x", 4) == [f"input channel {j}" for j in range(4)]
    shapes = SHAPES
    names = list(shapes)
    assert previous_conv(names, shapes, "conv2") == "conv1"
    assert previous_conv(names, shapes, "conv3") == "conv2"
    assert previous_conv(names, shapes, "conv1") is None
    assert previous_conv(["conv1", "conv3"], shapes, "conv3") is None  # 6 filters, 12 inputs


# -- the grid ------------------------------------------------------------------------------------

def test_layer_grid_shape_labels_and_one_shared_scale():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(12, 6, 3, 3))
    maps = rng.normal(size=(12, 10, 10))
    fig = _agg_figure((13, 6), 50)
    ax = fig.add_subplot()
    labels = channel_roles("conv2", 6, "conv1")
    grid = LayerGrid(ax, w, maps, wmax=2.5, fmax=4.0, channel_labels=labels)
    # one image holds all 72 kernel slices: 6 rows (input channels) x 12 columns (filters)
    shown = grid.kernel_image.get_array()
    assert shown.shape == (6 * 4 - 1, 12 * 4 - 1)
    np.testing.assert_array_equal(shown[4:7, 8:11], w[2, 1])     # row j=1, column i=2
    gaps = np.ma.getmaskarray(shown) | np.isnan(np.ma.getdata(shown))
    assert gaps[3, :].all() and gaps[:, 3].all() and not gaps[4:7, 8:11].any()
    assert grid.map_image.get_array().shape == (10, 12 * 12 - 2)
    # one symmetric scale for every kernel, another for every map
    assert grid.kernel_image.get_clim() == (-2.5, 2.5)
    assert grid.map_image.get_clim() == (-4.0, 4.0)
    assert grid.kernel_image.norm is grid.wnorm and grid.map_image.norm is grid.fnorm
    assert grid.kernel_image.get_cmap().name.startswith("RdBu_r")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[:6] == labels and ticks[6].startswith("feature map")
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(i) for i in range(12)]
    assert ax.get_xlabel() == "filter"
    # kernel and map columns line up: filter i's cells both start at x = i
    left, r, _, _ = grid.kernel_image.get_extent()
    lm, rm, _, _ = grid.map_image.get_extent()
    assert left == lm == 0 and abs(r - 11.75) < 1e-9 and abs(rm - 12 + 2 / 12) < 1e-9


def test_layer_grid_numbers_and_updates_keep_the_norm():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(2, 3, 3, 3))
    fig = _agg_figure((6, 4), 50)
    grid = LayerGrid(fig.add_subplot(), w, None, wmax=3.0, numbers=True)
    assert len(grid.number_texts) == 2 * 3 * 9 and grid.map_image is None
    assert grid.number_texts[0].get_text() == viz.format_number(w[0, 0, 0, 0])
    norm = grid.wnorm
    w2 = 2 * w
    changed = grid.set(w2)
    assert grid.kernel_image.norm is norm and grid.kernel_image.get_clim() == (-3.0, 3.0)
    assert grid.number_texts[1].get_text() == viz.format_number(w2[0, 0, 0, 1])
    assert changed[0] is grid.kernel_image and len(changed) == 1 + 54
    grid.set_limits(wmax=5.0)
    assert grid.kernel_image.norm is norm and grid.kernel_image.get_clim() == (-5.0, 5.0)


def test_layer_grid_errors():
    fig = _agg_figure((4, 3), 40)
    ax = fig.add_subplot()
    with pytest.raises(ValueError, match=r"weights must be a 4-D array \(F, C, KH, KW\)"):
        LayerGrid(ax, np.zeros((3, 3)), wmax=1)
    with pytest.raises(ValueError, match="channel_labels must be 2 labels"):
        LayerGrid(ax, np.zeros((1, 2, 3, 3)), wmax=1, channel_labels=["a"])
    with pytest.raises(ValueError, match="fmax must be a positive number when maps are given"):
        LayerGrid(ax, np.zeros((1, 1, 3, 3)), np.zeros((1, 4, 4)), wmax=1)


# -- SnapshotView and the GIF, for every layer ----------------------------------------------------

@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3"])
def test_snapshot_view_every_layer_fixed_norm_on_every_frame(layer):
    recs = seed_snapshots()
    fig = _agg_figure(viz.snapshot_figsize(recs, layer), 40)
    view = viz.SnapshotView(fig, recs, layer, probe_index=1,
                            probe=np.random.default_rng(0).random((2, 1, 26, 26)))
    wmax = max(float(np.abs(r.weights[layer]).max()) for r in recs)
    fmax = max(float(np.abs(r.feature_maps[layer][1]).max()) for r in recs)
    assert view.wmax == pytest.approx(wmax) and view.fmax == pytest.approx(fmax)
    knorm, mnorm = view.kernel_image.norm, view.map_image.norm
    for k in range(len(recs)):
        view.update(k)
        assert view.kernel_image.norm is knorm and view.map_image.norm is mnorm
        assert view.kernel_image.get_clim() == pytest.approx((-wmax, wmax))
        assert view.map_image.get_clim() == pytest.approx((-fmax, fmax))
    f, c = SHAPES[layer][:2]
    assert view.kernel_image.get_array().shape == (c * 4 - 1, f * 4 - 1)
    rows = [t.get_text() for t in view.axes["grid"].get_yticklabels()]
    expected = {"conv1": "input image", "conv2": "from conv1 filter 0",
                "conv3": "from conv2 filter 0"}[layer]
    assert rows[0] == expected and len(rows) == c + 1
    note = view.scale_note.get_text()
    assert note == (f"colour scales fixed across all 5 frames: kernels \u00b1{wmax:.2g}, "
                    f"feature maps \u00b1{fmax:.2g}")


def test_snapshot_view_given_vmax_and_default_width():
    recs = seed_snapshots(n=2)
    fig = _agg_figure(viz.snapshot_figsize(recs, "conv2"), 100)
    view = viz.SnapshotView(fig, recs, "conv2", vmax=0.62, fmax=5)
    assert view.kernel_image.get_clim() == (-0.62, 0.62)
    assert view.map_image.get_clim() == (-5, 5)
    assert "kernels \u00b10.62" in view.scale_note.get_text()
    for layer in SHAPES:
        w, _ = viz.snapshot_figsize(recs, layer)
        assert w * 100 >= 1200      # at the course's 100 dpi
    with pytest.raises(ValueError, match="vmax must be a positive finite number"):
        viz.SnapshotView(_agg_figure((13, 5), 30), recs, "conv2", vmax=-1)


def test_conv2_gif_is_deterministic_wide_and_small():
    recs = seed_snapshots(n=4)
    data = viz.animate_snapshots(recs, layer="conv2", probe_index=1)
    assert data == viz.animate_snapshots(recs, layer="conv2", probe_index=1)
    frames = decode(data)
    assert len(frames) == 4 and frames[0].shape[1] >= 1200
    assert len(data) < viz.MAX_GIF_BYTES
    assert not np.array_equal(frames[0], frames[-1])
    numbered = viz.animate_snapshots(recs, layer="conv1", numbers=True, max_frames=2)
    assert len(decode(numbered)) == 2 and numbered != viz.animate_snapshots(
        recs, layer="conv1", max_frames=2)


def test_a_gif_too_big_drops_frames_until_it_fits(monkeypatch):
    recs = seed_snapshots(n=6)
    full = viz.animate_snapshots(recs, layer="conv3", dpi=40)
    assert len(decode(full)) == 6
    monkeypatch.setattr(viz.animation, "MAX_GIF_BYTES", int(len(full) * 0.8))
    small = viz.animate_snapshots(recs, layer="conv3", dpi=40)
    frames = decode(small)
    assert len(small) <= int(len(full) * 0.8) and 2 <= len(frames) < 6
    last = decode(full)[-1].astype(int)      # the end is always kept (same up to the palette)
    assert np.abs(frames[-1].astype(int) - last).mean() < 2
    assert np.abs(frames[-2].astype(int) - last).mean() > 5


def test_figure_height_constant_matches_the_grid():
    from cnnlesson.viz import layergrid, snapshots
    assert snapshots._MAP_ROWS == 1 + layergrid.MAP_GAP
