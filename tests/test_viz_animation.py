"""GIF animations: they open as GIFs, have the right frames, stay small and are deterministic."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnlesson import datasets, filters, model, optim, train, viz
from cnnlesson.train import Snapshot


def decode(data: bytes):
    im = Image.open(io.BytesIO(data))
    assert im.format == "GIF"
    frames, durations = [], []
    for k in range(im.n_frames):
        im.seek(k)
        frames.append(np.asarray(im.convert("RGB")))
        durations.append(im.info["duration"])
    return frames, durations


# -- encoding -----------------------------------------------------------------------------------

def test_gif_bytes_round_trips_frames_exactly():
    rng = np.random.default_rng(0)
    colours = rng.integers(0, 256, size=(6, 3), dtype=np.uint8)
    frames = []
    for k in range(5):
        idx = np.zeros((20, 30), dtype=int)
        idx[k:k + 5, 2 * k:2 * k + 6] = 1 + k  # a moving, changing block
        idx[15:, :] = 5
        frames.append(colours[idx])
    data = viz.gif_bytes(frames, fps=5, hold_last=2.0)
    decoded, durations = decode(data)
    assert len(decoded) == 5
    for a, b in zip(frames, decoded, strict=True):
        np.testing.assert_array_equal(a, b)
    assert durations[:4] == [200] * 4 and durations[-1] == 2000
    assert viz.gif_bytes(frames, fps=5, hold_last=2.0) == data


def test_gif_bytes_errors():
    frame = np.zeros((4, 4, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="frames must be a non-empty list"):
        viz.gif_bytes([])
    with pytest.raises(TypeError, match=r"frames\[1\] must be an \(H, W, 3\) uint8 array"):
        viz.gif_bytes([frame, frame.astype(float)])
    with pytest.raises(ValueError, match=r"frames\[1\] must be the same size as the first"):
        viz.gif_bytes([frame, np.zeros((5, 4, 3), dtype=np.uint8)])
    with pytest.raises(ValueError, match=r"fps must be a number of frames per second"):
        viz.gif_bytes([frame], fps=0)


def test_save_and_show_gif(tmp_path, monkeypatch):
    frame = np.zeros((4, 4, 3), dtype=np.uint8)
    data = viz.gif_bytes([frame, frame + 200])
    path = viz.save_gif(data, tmp_path / "a.gif")
    assert open(path, "rb").read() == data
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    assert viz.show_gif(path) is None
    assert viz.show_gif(data) is None
    assert len(shown) == 2
    for obj in shown:
        bundle = obj._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        assert "image/gif" in bundle
    with pytest.raises(ValueError, match=r"path_or_bytes must be a GIF"):
        viz.show_gif(b"\x89PNG....")
    with pytest.raises(ValueError, match="missing file"):
        viz.show_gif(tmp_path / "nope.gif")
    with pytest.raises(TypeError, match="path_or_bytes must be a file path or GIF bytes"):
        viz.show_gif(3)


# -- the sliding window -------------------------------------------------------------------------

def test_animate_sliding_window_frames_size_determinism(tmp_path):
    img = np.random.default_rng(1).random((8, 8))
    path = tmp_path / "slide.gif"
    data = viz.animate_sliding_window(img, filters.SOBEL_X, path)
    assert path.read_bytes() == data
    assert len(data) < viz.MAX_GIF_BYTES
    frames, durations = decode(data)
    assert len(frames) == 6 * 6 + 1  # every window position, then the finished output
    assert durations[-1] > durations[0]
    assert viz.animate_sliding_window(img, filters.SOBEL_X) == data
    # the window moves: consecutive frames differ
    assert not np.array_equal(frames[0], frames[1])


def test_animate_sliding_window_limits_frames():
    img = np.random.default_rng(2).random((16, 16))
    data = viz.animate_sliding_window(img, filters.LAPLACIAN, max_frames=10)
    frames, _ = decode(data)
    assert len(frames) == 10
    assert len(data) < viz.MAX_GIF_BYTES
    with pytest.raises(ValueError, match="image must be at most 64x64 pixels"):
        viz.animate_sliding_window(np.zeros((80, 80)), filters.LAPLACIAN)
    with pytest.raises(ValueError, match="kernel must be at most the image's size"):
        viz.animate_sliding_window(np.zeros((2, 2)), filters.LAPLACIAN)


# -- training snapshots -------------------------------------------------------------------------

def fake_snapshots(n=5, f=4, c=1, seed=0):
    rng = np.random.default_rng(seed)
    recs = []
    for k in range(n):
        scale = 0.2 * (k + 1)  # the weights grow during "training"
        recs.append(Snapshot(step=10 * k, epoch=k / 2,
                             weights={"conv1": rng.normal(0, scale, (f, c, 3, 3))},
                             feature_maps={"conv1": rng.normal(0, scale, (2, f, 12, 12))},
                             loss=None if k == 0 else 2.0 / k,
                             accuracy=None if k == 0 else 0.2 * k))
    return recs


def test_snapshot_view_scale_is_fixed_over_all_frames():
    recs = fake_snapshots()
    fig = viz.animation._agg_figure((8, 4), 50)
    view = viz.SnapshotView(fig, recs, "conv1", probe_index=1,
                            probe=np.random.default_rng(0).random((2, 1, 14, 14)))
    wmax = max(np.abs(r.weights["conv1"]).max() for r in recs)
    fmax = max(np.abs(r.feature_maps["conv1"][1]).max() for r in recs)
    assert view.wmax == wmax and view.fmax == fmax
    for k in range(len(recs)):
        view.update(k)
        assert view.kernel_image.get_clim() == (-wmax, wmax)
        assert view.map_image.get_clim() == (-fmax, fmax)
        shown = view.kernel_image.get_array()
        np.testing.assert_allclose(np.nanmax(np.abs(shown)),
                                   np.abs(recs[k].weights["conv1"]).max())
        assert view.title.get_text().startswith(f"step {recs[k].step} ")
    assert "accuracy 80%" in view.title.get_text()
    with pytest.raises(ValueError, match="k must be a record index from 0 to 4"):
        view.update(5)


def test_animate_snapshots_frames_size_determinism(tmp_path):
    recs = fake_snapshots(n=6, c=3)
    data = viz.animate_snapshots(recs, path=tmp_path / "s.gif")
    frames, _ = decode(data)
    assert len(frames) == 6
    assert len(data) < viz.MAX_GIF_BYTES
    assert viz.animate_snapshots(recs) == data
    frames, _ = decode(viz.animate_snapshots(recs, max_frames=3))
    assert len(frames) == 3


def test_animate_snapshots_errors():
    recs = fake_snapshots(n=2)
    with pytest.raises(ValueError, match=r"layer must be one of the recorded layers \['conv1'\]"):
        viz.animate_snapshots(recs, layer="conv9")
    with pytest.raises(ValueError, match=r"probe_index must be an index of the 2 probe image"):
        viz.animate_snapshots(recs, probe_index=2)
    with pytest.raises(TypeError, match="snapshots must be a cnnlesson.train.Snapshots"):
        viz.animate_snapshots([1, 2])
    with pytest.raises(ValueError, match="snapshots must be at least one recorded Snapshot"):
        viz.animate_snapshots([])


def test_animate_snapshots_from_a_real_training_run():
    (X, y), _ = datasets.load_digits()
    m = model.seed_cnn(in_channels=1, seed=0)
    snaps = train.Snapshots(every=2, probe=X[:2])
    train.fit(m, X[:64], y[:64], epochs=1, batch_size=16, optimizer=optim.SGD(m.parameters(), 0.1),
              callbacks=[snaps], progress=False)
    data = viz.animate_snapshots(snaps, layer="conv2", probe_index=1)
    frames, _ = decode(data)
    assert len(frames) == len(snaps.records) == 3  # steps 0, 2, 4
    assert len(data) < viz.MAX_GIF_BYTES
