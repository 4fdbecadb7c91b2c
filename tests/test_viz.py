"""Static figures of cnnlesson.viz: panels, labels, colour scales and numbers."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnnlesson import filters, functional, viz
from cnnlesson.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU
from cnnlesson.model import Sequential, seed_cnn
from cnnlesson.train import History

RNG = np.random.default_rng(0)


def small_image(h=10, w=10, seed=1):
    return np.random.default_rng(seed).random((h, w))


# -- style and numbers ------------------------------------------------------------------------

def test_use_course_style_sets_values_and_is_idempotent():
    with mpl.rc_context():
        first = viz.use_course_style()
        snapshot = {k: mpl.rcParams[k] for k in first}
        viz.use_course_style()
        assert {k: mpl.rcParams[k] for k in first} == snapshot
        assert mpl.rcParams["font.size"] >= 12
        assert mpl.rcParams["image.interpolation"] == "nearest"


@pytest.mark.parametrize("value, text", [
    (-1.0, "-1"), (8.0, "8"), (1 / 9, "0.11"), (0.5, "0.5"), (12.5, "12.5"), (123.4, "123"),
    (-0.001, "0"), (0.0, "0"), (-2.25, "-2.25"),
])
def test_format_number(value, text):
    assert viz.format_number(value) == text


# -- images and channels ----------------------------------------------------------------------

def test_show_image_gray_fixed_scale_no_ticks():
    fig, ax = plt.subplots()
    im = viz.show_image(ax, small_image() * 0.3, "dark")
    assert im.get_clim() == (0.0, 1.0)  # a dark picture stays dark
    assert im.get_cmap().name == "gray"
    assert ax.get_xticks().size == 0 and ax.get_yticks().size == 0
    assert ax.get_title() == "dark"
    im8 = viz.show_image(ax, (small_image() * 255).astype(np.uint8))
    assert im8.get_clim() == (0, 255)


def test_show_image_rgb_is_clipped_and_channels_first_refused():
    fig, ax = plt.subplots()
    rgb = RNG.random((6, 5, 3)) * 1.5
    im = viz.show_image(ax, rgb)
    assert im.get_array().max() <= 1.0
    with pytest.raises(ValueError, match=r"image must be .*got shape \(3, 6, 5\).*chw_to_hwc"):
        viz.show_image(ax, np.moveaxis(rgb, -1, 0))
    with pytest.raises(TypeError, match="image must be a numpy array"):
        viz.show_image(ax, [[0, 1], [1, 0]])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        viz.show_image(fig, rgb)


def test_show_channels_draws_each_channel_in_its_colour():
    rgb = RNG.random((8, 7, 3)).astype(np.float32)
    fig = plt.figure()
    artists = viz.show_channels(fig, rgb)
    assert len(artists) == 5 and len(fig.axes) == 5
    titles = [a.get_title() for a in fig.axes]
    assert titles[:3] == ["red channel", "green channel", "blue channel"]
    assert "grayscale" in titles[3]
    for k, (im, rgb_top) in enumerate(zip(artists[:3], [(1, 0, 0), (0, 0.5, 0), (0, 0, 1)],
                                          strict=True)):
        np.testing.assert_array_equal(im.get_array(), rgb[:, :, k])
        assert im.get_clim() == (0, 1)
        np.testing.assert_allclose(im.get_cmap()(0.0)[:3], (0, 0, 0))
        np.testing.assert_allclose(im.get_cmap()(1.0)[:3], rgb_top, atol=0.01)
    with pytest.raises(ValueError, match=r"image must be an RGB image \(H, W, 3\)"):
        viz.show_channels(None, rgb[:, :, 0])
    with pytest.raises(ValueError, match="exactly 5 Axes"):
        viz.show_channels(list(plt.subplots(1, 3)[1]), rgb)


# -- kernels ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(filters.KERNELS))
def test_show_kernel_numbers_equal_values_and_scale_is_symmetric(name):
    k = filters.KERNELS[name]
    fig, ax = plt.subplots()
    out = viz.show_kernel(ax, k)
    m = np.abs(k).max()
    assert out["image"].get_clim() == (-m, m)
    assert out["image"].get_cmap().name == viz.SIGNED_CMAP
    texts = out["texts"]
    assert len(texts) == k.size
    for t, v in zip(texts, k.ravel(), strict=True):
        assert float(t.get_text()) == pytest.approx(round(float(v), 2), abs=1e-12)
        r, c = divmod(texts.index(t), k.shape[1])
        assert t.get_position() == (c, r)


def test_show_kernel_text_colour_contrasts_with_cell():
    fig, ax = plt.subplots()
    texts = viz.show_kernel(ax, filters.LAPLACIAN)["texts"]
    assert texts[4].get_color() == "white"   # the 8: darkest red
    assert texts[0].get_color() == "black"   # a -1: pale blue


def test_show_kernel_shared_vmax_and_no_annotation():
    fig, ax = plt.subplots()
    out = viz.show_kernel(ax, filters.BOX_BLUR, annotate=False, vmax=2.0)
    assert out["texts"] == [] and out["image"].get_clim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match="vmax must be a positive finite number"):
        viz.show_kernel(ax, filters.BOX_BLUR, vmax=0)
    with pytest.raises(ValueError, match=r"kernel must be 2-D \(KH, KW\).*show_conv_weights"):
        viz.show_kernel(ax, np.zeros((2, 1, 3, 3)))
    with pytest.raises(ValueError, match="kernel must be finite"):
        viz.show_kernel(ax, np.array([[np.nan, 0.0]]))


def test_show_conv_weights_one_shared_symmetric_scale():
    w = RNG.normal(size=(4, 3, 3, 3))
    w[2] *= 5  # one strong filter must not be re-stretched
    out = viz.show_conv_weights(None, w, rgb=True)
    m = np.abs(w).max()
    assert out["vmax"] == m
    images = out["images"]
    assert images.shape == (4, 3)
    for im in images.ravel():
        assert im.get_clim() == (-m, m)
        assert im.get_cmap().name == viz.SIGNED_CMAP
    assert len(out["rgb_images"]) == 4
    assert out["axes"].shape == (4, 4)
    fig = out["figure"]
    assert sum(1 for a in fig.axes if a.get_label() == "<colorbar>") == 1
    assert [a.get_title() for a in out["axes"][0]] == ["R", "G", "B", "as colour"]
    # a zero weight is mid-gray in the colour column
    zero = np.zeros((1, 3, 3, 3))
    zero[0, 0, 0, 0] = 1.0
    pic = viz.show_conv_weights(None, zero, rgb=True)["rgb_images"][0].get_array()
    np.testing.assert_allclose(pic[1, 1], 0.5)


def test_show_conv_weights_errors_and_plain_layout():
    out = viz.show_conv_weights(None, RNG.normal(size=(2, 5, 3, 3)))
    assert out["axes"].shape == (2, 5) and out["rgb_images"] == []
    assert out["axes"][0, 4].get_title() == "in 4"
    with pytest.raises(ValueError, match="weights must be 3 input channels for rgb=True"):
        viz.show_conv_weights(None, RNG.normal(size=(2, 5, 3, 3)), rgb=True)
    with pytest.raises(ValueError, match=r"weights must be 4-D \(F, C, KH, KW\)"):
        viz.show_conv_weights(None, RNG.normal(size=(3, 3)))
    with pytest.raises(TypeError, match="weights must be an array of real numbers"):
        viz.show_conv_weights(None, np.zeros((1, 1, 3, 3), dtype=complex))


def test_show_feature_maps_labels_shape_and_shares_scale():
    maps = RNG.normal(size=(6, 24, 24))
    out = viz.show_feature_maps(None, maps, title="conv1")
    assert out["title"].get_text() == "conv1: 24x24x6"
    assert len(out["images"]) == 6
    m = np.abs(maps).max()
    assert all(im.get_clim() == (-m, m) for im in out["images"])
    relu = np.maximum(maps, 0)
    out = viz.show_feature_maps(None, relu)
    assert out["title"].get_text() == "24x24x6"
    assert all(im.get_clim() == (0.0, relu.max()) for im in out["images"])
    assert out["images"][0].get_cmap().name == "gray"
    with pytest.raises(ValueError, match=r"maps must be 3-D \(C, H, W\).*activations"):
        viz.show_feature_maps(None, maps[None])


# -- the sliding window and pooling -----------------------------------------------------------

@pytest.mark.parametrize("i, j", [(0, 0), (3, 5), (7, 7)])
def test_window_calculation_sum_equals_correlate2d(i, j):
    img = small_image()
    out = viz.show_window_calculation(None, img, filters.SOBEL_X, i, j)
    expected = filters.correlate2d(img, filters.SOBEL_X)[i, j]
    assert out["sum"] == pytest.approx(expected, abs=1e-12)
    np.testing.assert_allclose(out["output"], filters.correlate2d(img, filters.SOBEL_X))
    np.testing.assert_array_equal(out["patch"], img[i:i + 3, j:j + 3])
    np.testing.assert_allclose(out["products"], img[i:i + 3, j:j + 3] * filters.SOBEL_X)
    assert viz.format_number(expected) in out["sum_text"].get_text()
    assert out["window"].get_xy() == (j - 0.5, i - 0.5)
    assert out["window"].get_width() == 3 and out["window"].get_height() == 3
    assert out["pixel"].get_xy() == (j - 0.5, i - 0.5)
    assert set(out["axes"]) == {"input", "output", "patch", "kernel", "products", "sum"}
    assert out["axes"]["output"].get_title().startswith("output 8x8")


def test_window_calculation_with_integer_values_has_exact_numbers():
    img = np.arange(64, dtype=float).reshape(8, 8) % 5
    out = viz.show_window_calculation(None, img, filters.LAPLACIAN, 2, 3)
    texts = [t.get_text() for t in out["axes"]["products"].texts]
    np.testing.assert_allclose([float(t) for t in texts], out["products"].ravel())
    assert not any("rounded" in t.get_text() for t in out["axes"]["sum"].texts)


def test_window_calculation_errors():
    img = small_image()
    with pytest.raises(ValueError, match=r"i must be a row of the 8x8 output \(0 to 7\); got 8"):
        viz.show_window_calculation(None, img, filters.SOBEL_X, 8, 0)
    with pytest.raises(ValueError, match="j must be a non-negative integer"):
        viz.show_window_calculation(None, img, filters.SOBEL_X, 0, -1)
    with pytest.raises(ValueError, match="kernel must be at most the image's size 2x2"):
        viz.show_window_calculation(None, img[:2, :2], filters.SOBEL_X, 0, 0)
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\).*grayscale crop"):
        viz.show_window_calculation(None, np.zeros((5, 5, 3)), filters.SOBEL_X, 0, 0)
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        viz.show_window_calculation("fig", img, filters.SOBEL_X, 0, 0)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_window_value_matches_functional(mode):
    x = small_image(9, 9)
    out = viz.show_pool_window(None, x, 3, 2, 1, 2, mode=mode)
    fwd = functional.maxpool2d_forward if mode == "max" else functional.avgpool2d_forward
    ref = fwd(x[None, None], size=3, stride=2)[0][0, 0]
    np.testing.assert_allclose(out["output"], ref)
    assert out["value"] == pytest.approx(ref[1, 2])
    np.testing.assert_array_equal(out["window_values"], x[2:5, 4:7])
    assert out["window"].get_xy() == (4 - 0.5, 2 - 0.5)
    if mode == "max":
        r, c = out["argmax"]
        assert x[r, c] == ref[1, 2] and out["winner"] is not None
    else:
        assert out["argmax"] is None and out["winner"] is None


def test_pool_window_errors():
    x = small_image(6, 6)
    with pytest.raises(ValueError, match='mode must be "max" or "avg"'):
        viz.show_pool_window(None, x, 2, 2, 0, 0, mode="min")
    with pytest.raises(ValueError, match=r"i must be a row of the 3x3 pooled map"):
        viz.show_pool_window(None, x, 2, 2, 3, 0)
    with pytest.raises(ValueError, match="size must be at most the map's size 6x6"):
        viz.show_pool_window(None, x, 7, 2, 0, 0)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        viz.show_pool_window(None, x, 2, 0, 0, 0)


# -- the network diagram ----------------------------------------------------------------------

def _texts(artists):
    return [t.get_text() for t in artists]


def test_draw_network_seed_cnn_labels_come_from_the_model():
    fig, ax = plt.subplots()
    out = viz.draw_network(ax, seed_cnn(), (3, 26, 26))
    assert _texts(out["shape_texts"]) == ["26x26x3", "24x24x6", "12x12x6", "10x10x12",
                                          "5x5x12", "3x3x12", "108", "10"]
    assert _texts(out["op_texts"]) == ["conv 3x3 (6)\n+ ReLU", "max pool 2",
                                       "conv 3x3 (12)\n+ ReLU", "max pool 2",
                                       "conv 3x3 (12)\n+ ReLU", "flatten", "linear (10)"]
    assert len(out["blocks"]) == 8 and len(out["arrows"]) == 7
    assert out["shapes"] == seed_cnn().output_shapes((3, 26, 26))
    # blocks shrink with the maps
    heights = [b.get_height() for b in out["blocks"][:6]]
    assert heights == sorted(heights, reverse=True)


def test_draw_network_other_model_other_labels():
    model = Sequential(Conv2d(1, 4, 5, stride=1, padding=1, seed=0), ReLU(), MaxPool2d(2, 1),
                       Flatten(), Linear(4 * 23 * 23, 7, seed=0))
    out = viz.draw_network(None, model, (1, 26, 26))
    assert _texts(out["shape_texts"]) == ["26x26x1", "24x24x4", "23x23x4", "2116", "7"]
    assert _texts(out["op_texts"])[:2] == ["conv 5x5 (4), pad 1\n+ ReLU",
                                           "max pool 2, stride 1"]
    with pytest.raises(TypeError, match="model must be a cnnlesson.model.Sequential"):
        viz.draw_network(None, [Conv2d(1, 2, 3)], (1, 8, 8))
    with pytest.raises(ValueError, match="input_shape"):
        viz.draw_network(None, model, (8, 1, 26, 26))


# -- training results -------------------------------------------------------------------------

def _history(val=True):
    h = History(epoch_train_loss=[1.5, 0.8, 0.5], epoch_train_acc=[0.5, 0.7, 0.8],
                step_loss=list(np.linspace(2.3, 0.4, 12)), step_acc=list(np.linspace(0, 0.9, 12)))
    if val:
        h.epoch_val_loss, h.epoch_val_acc = [1.2, 0.9, 0.7], [0.6, 0.7, 0.75]
    return h


def test_plot_history_curves():
    fig, axes = plt.subplots(1, 2)
    out = viz.plot_history(axes, _history())
    lines = out["lines"]
    assert set(lines) == {"step loss", "train loss", "val loss", "step acc", "train acc",
                          "val acc"}
    np.testing.assert_allclose(lines["val acc"].get_ydata(), [0.6, 0.7, 0.75])
    np.testing.assert_allclose(lines["train loss"].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(lines["step loss"].get_xdata()[[0, -1]], [0.25, 3.0])
    assert "loss" in axes[0].get_ylabel() and axes[1].get_ylabel() == "accuracy"
    out = viz.plot_history(None, _history(val=False))
    assert "val loss" not in out["lines"] and "train loss" in out["lines"]
    with pytest.raises(TypeError, match="history must be a cnnlesson.train.History"):
        viz.plot_history(None, {"loss": [1]})
    with pytest.raises(ValueError, match=r"axes must be two Axes \(loss, accuracy\)"):
        viz.plot_history(list(plt.subplots(1, 3)[1]), _history())


def test_plot_confusion_numbers_and_errors():
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig, ax = plt.subplots()
    out = viz.plot_confusion(ax, cm, ["a", "b", "c"])
    assert [[t.get_text() for t in row] for row in out["texts"]] == cm.astype(str).tolist()
    assert out["image"].get_clim() == (0, 9)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    out = viz.plot_confusion(None, cm, ["a", "b", "c"], normalize=True)
    np.testing.assert_allclose(out["values"].sum(axis=1), 1.0)
    with pytest.raises(ValueError, match=r"cm must be square \(K, K\)"):
        viz.plot_confusion(None, cm[:2], ["a", "b", "c"])
    with pytest.raises(ValueError, match="class_names must be 3 names"):
        viz.plot_confusion(None, cm, ["a", "b"])
    with pytest.raises(ValueError, match="cm must be counts"):
        viz.plot_confusion(None, -cm, ["a", "b", "c"])


def test_show_misclassified_grid_and_labels():
    X = RNG.random((10, 1, 8, 8)).astype(np.float32)
    y = np.arange(10) % 3
    pred = y.copy()
    pred[[1, 4, 7]] = (pred[[1, 4, 7]] + 1) % 3
    names = ["cat", "dog", "owl"]
    out = viz.show_misclassified(None, X, y, pred, names, max_n=2)
    np.testing.assert_array_equal(out["indices"], [1, 4])
    assert out["n_wrong"] == 3 and len(out["images"]) == 2
    assert out["titles"][0].get_text() == f"true: {names[y[1]]}\npred: {names[pred[1]]}"
    np.testing.assert_array_equal(out["images"][0].get_array(), X[1, 0])
    assert "3 of 10" in out["figure"]._suptitle.get_text()
    none = viz.show_misclassified(None, RNG.random((3, 3, 8, 8)), y[:3], y[:3], names)
    assert none["images"] == [] and none["n_wrong"] == 0
    assert "0 of 3" in none["figure"]._suptitle.get_text()
    out = viz.show_misclassified(None, RNG.random((2, 3, 8, 8)), np.array([0, 1]),
                                 np.array([1, 1]), names)
    assert out["images"][0].get_array().shape == (8, 8, 3)
    with pytest.raises(ValueError, match=r"X must be 4-D \(N, C, H, W\)"):
        viz.show_misclassified(None, X[0], y, pred, names)
    with pytest.raises(ValueError, match=r"y_pred must be of shape \(10,\)"):
        viz.show_misclassified(None, X, y, pred[:3], names)
    with pytest.raises(TypeError, match="y_true must be integer class indices"):
        viz.show_misclassified(None, X, y.astype(float), pred, names)
    with pytest.raises(ValueError, match=r"y_true must be class indices in \[0, 2\)"):
        viz.show_misclassified(None, X, y, pred, names[:2])


def test_annotated_kernel_grid_draws_into_a_subfigure():
    import matplotlib.pyplot as plt

    from cnnlesson import viz

    fig = plt.figure(figsize=(8, 4))
    left, _ = fig.subfigures(1, 2)
    weights = np.random.default_rng(0).normal(size=(2, 1, 3, 3))
    viz.show_conv_weights(left, weights)
    texts = [t for ax in left.axes for t in ax.texts]
    assert texts, "the kernel cells carry their numbers"
