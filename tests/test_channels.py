"""cnnlesson.channels and cnnlesson.viz.channels: the top input patches of every conv channel."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import viz
from cnnlesson.channels import (
    TopPatches,
    conv_layer_names,
    firing_rate,
    top_class_share,
    top_patches,
)
from cnnlesson.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU
from cnnlesson.model import Sequential, seed_cnn
from cnnlesson.receptive import receptive_fields
from cnnlesson.viz.channels import top_patches_mosaic


def brute_force(model, X, layer, k, fill=0.0):
    """Loops: for each channel, each image's best position, the k best images, their crops."""
    out = model.activations(X)[layer]
    rf = {r.name: r for r in receptive_fields(model)}[layer]
    n, f, hh, ww = out.shape
    c, h, w = X.shape[1:]
    s = rf.size
    patches = np.zeros((f, k, c, s, s), X.dtype)
    values = np.zeros((f, k))
    images = np.zeros((f, k), int)
    for ch in range(f):
        best = [(float(out[i, ch].max()), i) for i in range(n)]
        best.sort(key=lambda t: -t[0])              # stable: ties keep the image order
        for j, (v, i) in enumerate(best[:k]):
            r, q = divmod(int(np.argmax(out[i, ch])), ww)
            top, left, _ = rf.offset + r * rf.jump, rf.offset + q * rf.jump, s
            for a in range(s):
                for b in range(s):
                    y, x = top + a, left + b
                    inside = 0 <= y < h and 0 <= x < w
                    patches[ch, j, :, a, b] = X[i, :, y, x] if inside else fill
            values[ch, j], images[ch, j] = v, i
    return patches, values, images


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    X = rng.random((40, 1, 26, 26), dtype=np.float32)
    X[:, :, :, :5] = 0.0                        # some background, as in the digits
    return X


@pytest.mark.parametrize("layer", ["conv1", "conv2", "conv3"])
def test_top_patches_match_a_brute_force_loop(images, layer):
    model = seed_cnn(1, seed=2)
    top = top_patches(model, images, layer, k=5)
    patches, values, idx = brute_force(model, images, layer, 5)
    assert isinstance(top, TopPatches) and top.layer == layer
    assert top.size == {"conv1": 3, "conv2": 8, "conv3": 18}[layer]
    np.testing.assert_array_equal(top.image_index, idx)
    np.testing.assert_allclose(top.values, values, rtol=1e-6)
    np.testing.assert_array_equal(top.patches, patches)
    assert not top.clipped.any()                # seed_cnn has no padding: fields fit
    # strongest first, and the patch is where the origin says
    assert np.all(np.diff(top.values, axis=1) <= 0)
    t, left = top.origin[0, 0]
    np.testing.assert_array_equal(top.patches[0, 0],
                                  images[idx[0, 0], :, t:t + top.size, left:left + top.size])


def test_top_patches_find_the_pattern_a_channel_detects():
    # channel 0 answers to a bright pixel, channel 1 to a dark pixel on a bright field
    conv = Conv2d(1, 2, 3, seed=0, dtype=np.float64)
    conv.weight.data[...] = 0.0
    conv.bias.data[...] = 0.0
    conv.weight.data[0, 0, 1, 1] = 1.0
    conv.weight.data[1, 0, 1, 1] = -1.0
    model = Sequential(conv, ReLU(), Flatten(), Linear(2 * 6 * 6, 2, seed=0, dtype=np.float64))
    X = np.full((4, 1, 8, 8), 0.5)
    X[2, 0, 4, 5] = 1.0                          # the brightest pixel of all, in image 2
    X[3, 0, 2, 3] = 0.0                          # the darkest, in image 3
    top = top_patches(model, X, "conv1", k=1)
    assert top.image_index[:, 0].tolist() == [2, 3]
    assert top.patches[0, 0, 0, 1, 1] == 1.0 and top.patches[1, 0, 0, 1, 1] == 0.0
    assert top.origin[0, 0].tolist() == [3, 4] and top.position[0, 0].tolist() == [3, 4]
    np.testing.assert_allclose(top.values[:, 0], [1.0, 0.0])


def test_receptive_fields_clipped_at_the_border_are_padded_and_flagged():
    conv = Conv2d(1, 1, 3, padding=1, seed=0, dtype=np.float64)
    conv.weight.data[...] = 0.0
    conv.bias.data[...] = 0.0
    conv.weight.data[0, 0, 1, 1] = 1.0           # responds to the pixel at the centre
    model = Sequential(conv, ReLU(), Flatten(), Linear(16, 2, seed=0, dtype=np.float64))
    X = np.full((2, 1, 4, 4), 0.25)
    X[0, 0, 0, 0] = 1.0                          # corner: its 3x3 field hangs over the edge
    top = top_patches(model, X, "conv1", k=1, fill=-1.0)
    assert top.clipped[0, 0] and top.origin[0, 0].tolist() == [-1, -1]
    patch = top.patches[0, 0, 0]
    assert patch[1, 1] == 1.0
    assert np.all(patch[0] == -1.0) and np.all(patch[:, 0] == -1.0)
    np.testing.assert_array_equal(patch[1:, 1:], X[0, 0, :2, :2])
    fig, ax = plt.subplots()
    out = viz.show_top_patches(ax, top)
    assert "reach past the image border" in out["title"].get_text()


@settings(max_examples=15, deadline=None)
@given(k=st.integers(1, 6), n=st.integers(6, 12), seed=st.integers(0, 5))
def test_top_patches_shapes_and_distinct_images(k, n, seed):
    model = seed_cnn(1, seed=seed)
    X = np.random.default_rng(seed).random((n, 1, 26, 26), dtype=np.float32)
    top = top_patches(model, X, "conv2", k=k, batch_size=4)
    assert top.patches.shape == (12, k, 1, 8, 8)
    assert top.values.shape == top.image_index.shape == top.clipped.shape == (12, k)
    assert top.position.shape == top.origin.shape == (12, k, 2)
    for row in top.image_index:                   # one patch per image
        assert len(set(row.tolist())) == k


def test_top_patches_of_colour_images_keep_their_channels():
    model = seed_cnn(3, seed=0)
    X = np.random.default_rng(1).random((10, 3, 26, 26))
    top = top_patches(model, X, "conv1", k=3)
    assert top.patches.shape == (6, 3, 3, 3, 3) and top.patches.dtype == np.float32
    img, rows, cols, _ = top_patches_mosaic(top)
    assert img.shape[-1] == 3 and len(rows) == 6 and len(cols) == 4


def test_firing_rate_counts_positive_responses(images):
    model = seed_cnn(1, seed=0)
    for layer in conv_layer_names(model):
        want = (model.activations(images)[layer] > 0).mean(axis=(0, 2, 3))
        np.testing.assert_allclose(firing_rate(model, images, layer, batch_size=7), want)


def test_conv_layer_names():
    assert conv_layer_names(seed_cnn(1)) == ["conv1", "conv2", "conv3"]
    assert conv_layer_names(Sequential(MaxPool2d(2), Flatten(), Linear(4, 2))) == []


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(model="net"), TypeError, "model must be a cnnlesson.model.Sequential"),
    (dict(X=np.ones((1, 26, 26), np.float32)), ValueError, r"X must be 4-D"),
    (dict(X=np.ones((3, 1, 26, 26), np.uint8)), TypeError, "X must be a float32 or float64"),
    (dict(X=np.zeros((0, 1, 26, 26), np.float32)), ValueError, "X must be at least one image"),
    (dict(layer="relu1"), ValueError, r"layer must be one of the model's conv layers"),
    (dict(layer=1), TypeError, "layer must be a conv layer name"),
    (dict(k=0), ValueError, "k must be a positive integer"),
    (dict(k=4), ValueError, r"k must be at most the number of images \(3\)"),
    (dict(fill="black"), TypeError, "fill must be a real number"),
])
def test_top_patches_errors(kwargs, err, msg):
    args = dict(model=seed_cnn(1), X=np.ones((3, 1, 26, 26), np.float32), layer="conv1",
                k=2) | kwargs
    with pytest.raises(err, match=msg):
        top_patches(**args)


def test_show_top_patches_draws_one_mosaic_with_labels(images):
    top = top_patches(seed_cnn(1, seed=0), images, "conv2", k=4)
    fig, ax = plt.subplots()
    out = viz.show_top_patches(ax, top, channels=[0, 5], values=True)
    assert set(out) == {"image", "title", "mosaic"}
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("ch 0") and labels[1].startswith("ch 5")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["mean", "1", "2", "3", "4"]
    assert "conv2" in out["title"].get_text() and "8x8" in out["title"].get_text()
    img = out["mosaic"]
    assert img.ndim == 3 and img.shape[2] == 3 and 0 <= img.min() and img.max() <= 1
    # the mean column is the mean of the row's patches (gray values in [0, 1] kept as they are)
    s = 16                                        # 8 px patches drawn 2x
    np.testing.assert_allclose(img[:s, :s, 0], np.kron(top.patches[0, :, 0].mean(0),
                                                       np.ones((2, 2))), atol=1e-6)
    without = top_patches_mosaic(top, show_mean=False)[0]
    assert without.shape[1] < img.shape[1]


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(top="patches"), TypeError, "top must be the TopPatches"),
    (dict(channels=[12]), ValueError, "channels must be channel numbers from 0 to 11"),
    (dict(channels=[0.5]), TypeError, "channels must be a non-empty list"),
    (dict(show_mean="yes"), TypeError, "show_mean must be True or False"),
    (dict(title=3), TypeError, "title must be a str"),
])
def test_show_top_patches_errors(images, kwargs, err, msg):
    fig, ax = plt.subplots()
    args = dict(ax=ax, top=top_patches(seed_cnn(1), images, "conv2", k=2)) | kwargs
    with pytest.raises(err, match=msg):
        viz.show_top_patches(**args)


def test_top_class_share_counts_the_labels_of_the_top_images():
    top = TopPatches("conv1", np.zeros((2, 4, 1, 3, 3), np.float32), np.zeros((2, 4)),
                     np.array([[0, 1, 2, 3], [4, 5, 0, 1]]), np.zeros((2, 4, 2), int),
                     np.zeros((2, 4, 2), int), np.zeros((2, 4), bool), 3, 0.0)
    labels = np.array([7, 7, 7, 1, 2, 2])
    classes, share = top_class_share(top, labels)
    assert classes.tolist() == [7, 2] and share.tolist() == [0.75, 0.5]   # tie 2-2: smaller
    with pytest.raises(ValueError, match="labels must be non-negative labels for every image"):
        top_class_share(top, labels[:3])
    with pytest.raises(TypeError, match="labels must be a 1-D array of int labels"):
        top_class_share(top, labels.astype(float))
    with pytest.raises(TypeError, match="top must be the TopPatches"):
        top_class_share("top", labels)
