"""cnnlesson.explain: occlusion, kernel similarity and drift, preparing your own pictures."""

import datetime
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image, ImageDraw

from cnnlesson import explain
from cnnlesson.datasets import load_digits
from cnnlesson.filters import LAPLACIAN, LAPLACIAN_4, SOBEL_X, SOBEL_Y
from cnnlesson.layers import Flatten, Linear, ReLU
from cnnlesson.model import Sequential, seed_cnn
from cnnlesson.optim import Adam
from cnnlesson.train import Snapshot, Snapshots, fit

# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def pixel_model(h=6, w=6, row=2, col=3, gain=10.0):
    """A classifier on (1, h, w) images whose class-0 logit is gain * x[row, col]."""
    lin = Linear(h * w, 2, seed=0, dtype=np.float64)
    lin.weight.data[...] = 0.0
    lin.bias.data[...] = 0.0
    lin.weight.data[row * w + col, 0] = gain
    return Sequential(Flatten(), lin)


def draw_seven(height=200, width=160, ink=30, paper=235, stroke=14):
    """A "7" drawn like a pen on paper: dark strokes on a light background, uint8 (H, W)."""
    im = Image.new("L", (width, height), paper)
    d = ImageDraw.Draw(im)
    d.line([(40, 40), (125, 40), (70, 165)], fill=ink, width=stroke)
    return np.asarray(im).copy()


def png_bytes(image):
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def center_of_mass(g):
    ys, xs = np.indices(g.shape)
    return (ys * g).sum() / g.sum(), (xs * g).sum() / g.sum()


def ink_box(g, thr=0.3):
    rows = np.flatnonzero((g > thr).any(axis=1))
    cols = np.flatnonzero((g > thr).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.fixture(scope="module")
def digits():
    return load_digits()


# ------------------------------------------------------------------------------------------------
# occlude
# ------------------------------------------------------------------------------------------------


def test_occlude_covers_the_patch_in_every_channel_and_copies():
    x = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6) + 1
    before = x.copy()
    out = explain.occlude(x, 1, 2, 3, fill=-1.5)
    np.testing.assert_array_equal(x, before)
    assert out.dtype == np.float32 and out.shape == x.shape
    mask = np.zeros((5, 6), bool)
    mask[1:4, 2:5] = True
    assert np.all(out[:, mask] == -1.5)
    np.testing.assert_array_equal(out[:, ~mask], x[:, ~mask])


def test_occlude_bottom_right_corner_fits():
    x = np.ones((1, 4, 4))
    out = explain.occlude(x, 2, 2, 2, fill=0.0)
    assert out[0, 2:, 2:].sum() == 0 and out.sum() == 12


def test_occlude_default_fill_is_the_mean_of_each_channel():
    x = np.zeros((2, 4, 4), dtype=np.float32)
    x[0, 0, 0] = 16.0                              # channel means 1 and 0.5
    x[1] = 0.5
    out = explain.occlude(x, 2, 2, 2)
    assert out.dtype == np.float32
    assert np.all(out[0, 2:, 2:] == 1.0) and np.all(out[1, 2:, 2:] == 0.5)
    np.testing.assert_array_equal(explain.occlude(x, 2, 2, 2, fill="mean"), out)
    assert out[0, 0, 0] == 16.0 and out.sum() == 16.0 + 4 * 1.0 + 16 * 0.5


def test_occlusion_map_with_the_mean_fill_tests_background_patches_too(digits):
    # the issue this default fixes: with fill=0 a background patch changes nothing by construction
    model = seed_cnn(1, seed=0)
    x = digits[1][0][0]                                        # a test digit, background 0
    zero = explain.occlusion_map(model, x, 0, patch=4, stride=2, fill=0.0)
    grey = explain.occlusion_map(model, x, 0, patch=4, stride=2)
    corner = explain.occlude(x, 0, 0, 4, fill=0.0)
    assert np.array_equal(corner, x) and zero[0, 0] == 0.0     # background patch: no change
    assert np.count_nonzero(grey == 0.0) < np.count_nonzero(zero == 0.0)
    assert grey[0, 0] != 0.0


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(x=np.ones((4, 4))), ValueError, r"x must be 3-D \(C, H, W\)"),
    (dict(x=np.ones((1, 4, 4), dtype=np.uint8)), TypeError, "x must be a float32 or float64"),
    (dict(patch=5), ValueError, "patch must be at most the image's height and width"),
    (dict(patch=0), ValueError, "patch must be a positive integer"),
    (dict(top=3), ValueError, r"\(top, left\) must be a position where the 2x2 patch fits"),
    (dict(left=-1), ValueError, "left must be a non-negative integer"),
    (dict(fill=np.nan), ValueError, "fill must be a finite number"),
    (dict(fill="0"), ValueError, 'fill must be a real number or "mean"'),
    (dict(fill=[0.0]), TypeError, 'fill must be a real number or "mean"'),
    (dict(fill=True), TypeError, 'fill must be a real number or "mean"'),
])
def test_occlude_errors(kwargs, err, msg):
    args = dict(x=np.ones((1, 4, 4)), top=0, left=0, patch=2, fill=0.0) | kwargs
    with pytest.raises(err, match=msg):
        explain.occlude(**args)


# ------------------------------------------------------------------------------------------------
# occlusion_map
# ------------------------------------------------------------------------------------------------


def test_occlusion_map_finds_the_one_pixel_the_model_uses():
    model = pixel_model(row=2, col=3, gain=10.0)
    x = np.ones((1, 6, 6))
    heat = explain.occlusion_map(model, x, target=0, patch=2, stride=1, fill=0.0)
    assert heat.shape == (5, 5)
    p = 1 / (1 + np.exp(-10.0))              # p(class 0) with the pixel at 1
    expected = np.zeros((5, 5))
    expected[1:3, 2:4] = p - 0.5            # every patch covering (2, 3) gives p = 0.5
    np.testing.assert_allclose(heat, expected, atol=1e-12)
    # the other class gains what class 0 loses
    np.testing.assert_allclose(explain.occlusion_map(model, x, 1, patch=2, fill=0.0), -expected,
                               atol=1e-12)


@pytest.mark.parametrize("fill", [0.5, "mean"])
def test_occlusion_map_matches_occlude_and_predict_proba(fill):
    model = seed_cnn(1, seed=3)
    x = np.random.default_rng(0).random((1, 26, 26), dtype=np.float32)
    heat = explain.occlusion_map(model, x, target=4, patch=5, stride=3, fill=fill,
                                 batch_size=7)
    assert heat.shape == ((26 - 5) // 3 + 1,) * 2 == (8, 8)
    base = model.predict_proba(x[None])[0, 4]
    for i, j in [(0, 0), (3, 5), (7, 7)]:
        occluded = explain.occlude(x, 3 * i, 3 * j, 5, fill=fill)
        want = base - model.predict_proba(occluded[None])[0, 4]
        assert heat[i, j] == pytest.approx(float(want), abs=1e-6)


def test_occlusion_map_is_zero_when_the_patch_changes_nothing():
    model = seed_cnn(1, seed=1)
    x = np.zeros((1, 26, 26), dtype=np.float32)
    heat = explain.occlusion_map(model, x, target=0, patch=4, stride=2, fill=0.0)
    assert heat.dtype == np.float64 and np.all(heat == 0)


def test_occlusion_map_accepts_float64_input_for_a_float32_model():
    model = seed_cnn(1, seed=1)
    x = np.random.default_rng(1).random((1, 26, 26))
    a = explain.occlusion_map(model, x, 2, patch=6, stride=5)
    b = explain.occlusion_map(model, x.astype(np.float32), 2, patch=6, stride=5)
    np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(model="net"), TypeError, "model must be a cnnlesson.model.Sequential"),
    (dict(x=np.ones((1, 1, 6, 6))), ValueError, r"x must be 3-D.*X_test\[0\] rather than"),
    (dict(x=np.ones((2, 1, 6, 6))), ValueError, "pass one image of the batch"),
    (dict(x=np.ones((1, 6, 6), dtype=np.int64)), TypeError, "x must be a float32 or float64"),
    (dict(x=np.full((1, 6, 6), np.nan)), ValueError, "x must be finite"),
    (dict(x=np.ones((1, 5, 5))), ValueError, "linear1 expects 36 input features"),
    (dict(target=2), ValueError, "target must be a class index from 0 to 1"),
    (dict(target=1.0), TypeError, "target must be a class index"),
    (dict(target=True), TypeError, "target must be a class index"),
    (dict(patch=7), ValueError, r"patch must be at most the image's height and width \(6, 6\)"),
    (dict(stride=0), ValueError, "stride must be a positive integer"),
    (dict(fill=np.inf), ValueError, "fill must be a finite number"),
    (dict(fill="blur"), ValueError, 'fill must be a real number or "mean"'),
])
def test_occlusion_map_errors(kwargs, err, msg):
    args = dict(model=pixel_model(), x=np.ones((1, 6, 6)), target=0, patch=2) | kwargs
    with pytest.raises(err, match=msg):
        explain.occlusion_map(**args)


# ------------------------------------------------------------------------------------------------
# pixel_importance
# ------------------------------------------------------------------------------------------------


def test_pixel_importance_of_one_pixel_patches_is_the_map_itself():
    heat = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(explain.pixel_importance(heat, (3, 4), patch=1), heat)


def test_pixel_importance_averages_the_covering_patches():
    heat = np.array([[1.0, 3.0]])                  # image 2x3, patch 2, stride 1
    out = explain.pixel_importance(heat, (1, 2, 3), patch=2)
    np.testing.assert_allclose(out, [[1, 2, 3], [1, 2, 3]])


def test_pixel_importance_leaves_uncovered_pixels_nan():
    heat = np.ones((2, 2))                         # image 5x5, patch 2, stride 3
    out = explain.pixel_importance(heat, (5, 5), patch=2, stride=3)
    assert np.isnan(out[2]).all() and np.isnan(out[:, 2]).all()
    assert np.nansum(out) == 16


def test_pixel_importance_round_trip_with_occlusion_map():
    model = pixel_model(row=2, col=3)
    heat = explain.occlusion_map(model, np.ones((1, 6, 6)), 0, patch=3, fill=0)
    pix = explain.pixel_importance(heat, (6, 6), patch=3)
    assert pix[2, 3] == pytest.approx(heat.max()) and pix[2, 3] == pytest.approx(pix.max())
    assert pix[5, 0] == 0 and pix[0, 0] < pix[2, 3]


@pytest.mark.parametrize("args, err, msg", [
    ((np.ones(4), (6, 6), 2), ValueError, "heatmap must be 2-D"),
    ((np.ones((4, 4), bool), (6, 6), 2), TypeError, "heatmap must be an array of real numbers"),
    ((np.ones((4, 4)), 6, 2), TypeError, r"image_shape must be a tuple \(H, W\)"),
    ((np.ones((4, 4)), (6, 6), 2), ValueError, r"heatmap must be of shape \(5, 5\)"),
    ((np.ones((4, 4)), (6, 6), 9), ValueError, "patch must be at most"),
])
def test_pixel_importance_errors(args, err, msg):
    with pytest.raises(err, match=msg):
        explain.pixel_importance(*args)


# ------------------------------------------------------------------------------------------------
# cosine_similarity
# ------------------------------------------------------------------------------------------------


def test_cosine_of_known_kernel_pairs():
    assert explain.cosine_similarity(SOBEL_X, SOBEL_X) == pytest.approx(1.0)
    assert explain.cosine_similarity(SOBEL_X, -SOBEL_X) == pytest.approx(-1.0)
    assert explain.cosine_similarity(SOBEL_X, SOBEL_Y) == pytest.approx(0.0, abs=1e-15)
    assert explain.cosine_similarity(SOBEL_X, SOBEL_X.T) == pytest.approx(0.0, abs=1e-15)
    assert explain.cosine_similarity(SOBEL_X, LAPLACIAN) == pytest.approx(0.0, abs=1e-15)
    # the two Laplacians: dot 4 + 4 * 1 = 8 ... (4*8 + 4*1) / (sqrt(72) * sqrt(20))
    want = (4 * 8 + 4) / (np.sqrt(72) * np.sqrt(20))
    assert explain.cosine_similarity(LAPLACIAN, LAPLACIAN_4) == pytest.approx(want)


def test_cosine_accepts_integers_and_any_shape():
    a = np.array([[1, 2], [3, 4]])
    assert explain.cosine_similarity(a, 3 * a) == pytest.approx(1.0)
    w = np.random.default_rng(0).normal(size=(6, 1, 3, 3))
    assert explain.cosine_similarity(w, w.astype(np.float32)) == pytest.approx(1.0, abs=1e-6)
    assert isinstance(explain.cosine_similarity(a, a), float)


finite = st.floats(-10, 10, allow_nan=False, width=64)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (3, 3), elements=finite), arrays(np.float64, (3, 3), elements=finite),
       st.floats(0.01, 100))
def test_cosine_properties(a, b, scale):
    if np.linalg.norm(a) < 1e-6 or np.linalg.norm(b) < 1e-6:
        return
    c = explain.cosine_similarity(a, b)
    assert -1.0 <= c <= 1.0
    assert explain.cosine_similarity(b, a) == pytest.approx(c, abs=1e-12)
    assert explain.cosine_similarity(scale * a, b) == pytest.approx(c, abs=1e-9)
    assert explain.cosine_similarity(-a, b) == pytest.approx(-c, abs=1e-12)


@pytest.mark.parametrize("a, b, err, msg", [
    ([1, 2], np.ones(2), TypeError, "a must be a numpy array"),
    (np.ones(2), np.ones(3), ValueError, r"b must be of the same shape as a \(2,\)"),
    (np.zeros((3, 3)), SOBEL_X, ValueError, "a must be not all zeros.*no direction"),
    (SOBEL_X, np.zeros((3, 3)), ValueError, "b must be not all zeros"),
    (np.ones(2, bool), np.ones(2), TypeError, "a must be an array of real numbers"),
    (np.ones(2), np.array([1.0, np.nan]), ValueError, "b must be finite"),
    (np.ones(0), np.ones(0), ValueError, "a must be a non-empty array"),
])
def test_cosine_errors(a, b, err, msg):
    with pytest.raises(err, match=msg):
        explain.cosine_similarity(a, b)


# ------------------------------------------------------------------------------------------------
# kernel_drift and edge_kernel_bank
# ------------------------------------------------------------------------------------------------


def record(step, w):
    return Snapshot(step=step, epoch=0.0, weights={"conv1": w}, feature_maps={}, loss=None,
                    accuracy=None)


def test_kernel_drift_on_known_records():
    w0 = np.random.default_rng(0).normal(size=(4, 2, 3, 3))
    w1 = w0 * np.array([2.0, 0.5, 1.0, 3.0])[:, None, None, None]  # scaled: no drift
    w2 = -w0
    w3 = w0.copy()
    w3[2] = np.random.default_rng(1).normal(size=(2, 3, 3))
    recs = [record(0, w0), record(5, w1), record(10, w2), record(15, w3)]
    d = explain.kernel_drift(recs)
    assert d.shape == (4, 4)
    np.testing.assert_allclose(d[0], 1)
    np.testing.assert_allclose(d[1], 1)
    np.testing.assert_allclose(d[2], -1)
    np.testing.assert_allclose(d[3, [0, 1, 3]], 1)
    assert d[3, 2] == pytest.approx(explain.cosine_similarity(w3[2], w0[2]))
    d_end = explain.kernel_drift(recs, reference=-1)
    np.testing.assert_allclose(d_end[-1], 1)
    assert d_end[0, 2] == pytest.approx(d[3, 2])


def test_kernel_drift_of_a_real_run(digits):
    (X, y), _ = digits
    model = seed_cnn(1, seed=0, first_kernels=explain.edge_kernel_bank())
    snaps = Snapshots(every=4, layers=["conv1"])
    fit(model, X[:96], y[:96], epochs=1, batch_size=16, optimizer=Adam(model.parameters()),
        callbacks=[snaps], progress=False)
    d = explain.kernel_drift(snaps)
    assert d.shape == (len(snaps.records), 6)
    np.testing.assert_allclose(d[0], 1.0)
    assert np.all(d[1:] < 1.0) and np.all(d > 0.5)   # six small Adam steps turn them a little
    start = explain.edge_kernel_bank()
    last = snaps.records[-1].weights["conv1"][:, 0]
    for f in range(6):
        assert d[-1, f] == pytest.approx(explain.cosine_similarity(last[f], start[f]), abs=1e-6)


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(snapshots="run"), TypeError, "snapshots must be a cnnlesson.train.Snapshots"),
    (dict(snapshots=[]), ValueError, "snapshots must be at least one recorded Snapshot"),
    (dict(snapshots=Snapshots(every=1)), ValueError, "at least one recorded Snapshot"),
    (dict(layer="conv2"), ValueError, r"layer must be one of the recorded layers \['conv1'\]"),
    (dict(layer=1), TypeError, "layer must be a layer name"),
    (dict(reference=2), ValueError, "reference must be a record index from -2 to 1"),
    (dict(reference=0.0), TypeError, "reference must be a record index"),
])
def test_kernel_drift_errors(kwargs, err, msg):
    w = np.ones((2, 1, 3, 3))
    args = dict(snapshots=[record(0, w), record(1, w)], layer="conv1", reference=0) | kwargs
    with pytest.raises(err, match=msg):
        explain.kernel_drift(**args)


def test_kernel_drift_refuses_a_zero_reference_filter():
    w = np.ones((2, 1, 3, 3))
    w[1] = 0
    with pytest.raises(ValueError, match="filter 1 all zeros in record 0"):
        explain.kernel_drift([record(0, w), record(1, np.ones_like(w))])


def test_edge_kernel_bank():
    bank = explain.edge_kernel_bank()
    assert bank.shape == (6, 3, 3) and bank.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(bank, axis=(1, 2)), np.sqrt(2))
    for k, ref in enumerate([SOBEL_X, SOBEL_Y, -SOBEL_X, -SOBEL_Y, LAPLACIAN, LAPLACIAN_4]):
        assert explain.cosine_similarity(bank[k], ref) == pytest.approx(1.0)
    assert len(explain.EDGE_BANK_NAMES) == 6
    raw = explain.edge_kernel_bank(norm=None)
    np.testing.assert_array_equal(raw[4], LAPLACIAN)
    raw[0, 0, 0] = 99  # a copy, not the read-only constants
    np.testing.assert_allclose(np.linalg.norm(explain.edge_kernel_bank(3.0), axis=(1, 2)), 3.0)
    model = seed_cnn(1, first_kernels=bank)
    np.testing.assert_allclose(model["conv1"].weight.data[:, 0], bank, rtol=1e-6)


@pytest.mark.parametrize("norm, err, msg", [
    (0, ValueError, "norm must be a positive number"),
    (-1.0, ValueError, "norm must be a positive number"),
    ("1", TypeError, "norm must be a real number"),
    (np.nan, ValueError, "norm must be a finite number"),
])
def test_edge_kernel_bank_errors(norm, err, msg):
    with pytest.raises(err, match=msg):
        explain.edge_kernel_bank(norm)


# ------------------------------------------------------------------------------------------------
# prepare_image
# ------------------------------------------------------------------------------------------------


def test_prepare_a_pen_drawing_like_mnist():
    x = explain.prepare_image(draw_seven())
    assert x.shape == (1, 1, 26, 26) and x.dtype == np.float32
    g = x[0, 0]
    assert g.min() == 0.0 and g.max() == pytest.approx(1.0)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    assert np.all(border == 0)                    # black background, like the digits
    assert g[5, 14] > 0.5                         # the bar of the 7 is bright ink
    cy, cx = center_of_mass(g)
    # a 7 is top-heavy: its centre of mass can only come near (13, 13) with a 1-pixel border
    assert abs(cy - 13) <= 2 and abs(cx - 13) <= 1
    assert max(ink_box(g)) in (19, 20, 21)         # the longer side fills ~20/26


def test_prepare_puts_the_centre_of_mass_where_the_training_digits_have_it():
    im = Image.new("L", (120, 90), 255)
    ImageDraw.Draw(im).ellipse([10, 20, 50, 80], outline=0, width=8)    # an off-centre "0"
    g = explain.prepare_image(np.asarray(im))[0, 0]
    cy, cx = center_of_mass(g)
    assert abs(cy - 13) <= 0.51 and abs(cx - 13) <= 0.51   # whole-pixel placement
    h, w = ink_box(g)
    assert h in (19, 20, 21) and w in (13, 14, 15)     # 60 x 40 keeps its 3:2 aspect


def test_prepare_keeps_the_aspect_of_a_tall_thin_mark():
    im = np.full((300, 200), 255, np.uint8)
    im[50:250, 90:110] = 0                         # a bar 200 high, 20 wide: ratio 10
    g = explain.prepare_image(im)[0, 0]
    h, w = ink_box(g)
    assert h in (19, 20, 21) and w <= 3            # not stretched into a square


def test_prepare_does_not_invert_a_dark_background_and_auto_matches_forced():
    light = draw_seven()
    dark = 255 - light
    a = explain.prepare_image(light)
    b = explain.prepare_image(dark)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(explain.prepare_image(light, invert=True), a, atol=1e-6)
    np.testing.assert_allclose(explain.prepare_image(dark, invert=False), a, atol=1e-6)


def test_prepare_stretches_gray_paper_and_faint_ink():
    faint = draw_seven(ink=140, paper=190)
    np.testing.assert_allclose(explain.prepare_image(faint), explain.prepare_image(draw_seven()),
                               atol=1e-6)


def test_prepare_recovers_a_test_digit_from_a_photo_of_paper(digits):
    _, (X_test, _) = digits
    for i in range(5):
        digit = X_test[i, 0]
        big = np.asarray(Image.fromarray(digit).resize((130, 130), Image.Resampling.BILINEAR))
        paper = 0.85 - 0.7 * big                   # dark ink on light gray paper
        x = explain.prepare_image(paper.astype(np.float32))
        r = np.corrcoef(x.ravel(), digit.ravel())[0, 1]
        assert r > 0.85, (i, r)


def test_prepare_from_path_bytes_file_and_arrays_agree(tmp_path):
    img = draw_seven()
    path = tmp_path / "seven.png"
    Image.fromarray(img).save(path)
    want = explain.prepare_image(img)
    np.testing.assert_array_equal(explain.prepare_image(path), want)
    np.testing.assert_array_equal(explain.prepare_image(str(path)), want)
    np.testing.assert_array_equal(explain.prepare_image(png_bytes(img)), want)
    np.testing.assert_array_equal(explain.prepare_image(io.BytesIO(png_bytes(img))), want)
    rgb = np.repeat(img[:, :, None], 3, axis=2)
    np.testing.assert_allclose(explain.prepare_image(rgb), want, atol=1e-6)
    rgba = np.concatenate([rgb, np.full_like(img[:, :, None], 255)], axis=2)
    np.testing.assert_allclose(explain.prepare_image(rgba), want, atol=1e-6)
    np.testing.assert_allclose(explain.prepare_image(img / 255.0), want, atol=1e-6)


def test_prepare_center_crop_for_gray_and_colour():
    rng = np.random.default_rng(0)
    photo = rng.random((40, 60, 3)).astype(np.float32)
    x = explain.prepare_image(photo, channels=3)
    assert x.shape == (1, 3, 26, 26) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 1
    photo[:, :10] = 0                              # outside the centred 40x40 square
    np.testing.assert_array_equal(explain.prepare_image(photo, channels=3), x)
    gray = explain.prepare_image(draw_seven(), crop="center", size=32)
    assert gray.shape == (1, 1, 32, 32)
    colour_from_gray = explain.prepare_image(draw_seven(), channels=3)
    assert colour_from_gray.shape == (1, 3, 26, 26)


@pytest.mark.parametrize("image, kwargs, err, msg", [
    (np.full((30, 30), 200, np.uint8), {}, ValueError, "image must be a picture with a visible"),
    (draw_seven(), dict(invert=False), ValueError, "set invert=True/False"),
    (np.ones((30, 30)) * 2, {}, ValueError, r"image must be float values in \[0, 1\].*255"),
    (np.ones((30, 30, 2)), {}, ValueError, r"image must be \(H, W\), \(H, W, 1\)"),
    (np.ones((3, 30, 30)), {}, ValueError, r"looks like \(C, H, W\).*chw_to_hwc\(image\)"),
    (np.ones((1, 1, 26, 26)), {}, ValueError, "already prepared"),
    (np.ones((1, 30)), {}, ValueError, "image must be at least 2x2 pixels"),
    (np.array([[0.5, np.nan], [0, 0]]), {}, ValueError, "image must be finite"),
    (np.ones((4, 4), np.int64), {}, TypeError, "image must be an image dtype"),
    ([[0, 1], [1, 0]], {}, TypeError, "image must be a numpy array.*a file path"),
    ("no_such_file.png", {}, FileNotFoundError, "path must be an existing image file"),
    (b"not a picture", {}, ValueError, "not a recognised image"),
    (draw_seven(), dict(channels=2), ValueError, "channels must be 1 or 3"),
    (draw_seven(), dict(channels=1.0), TypeError, "channels must be 1 or 3"),
    (draw_seven(), dict(size=4), ValueError, "size must be at least 8 pixels"),
    (draw_seven(), dict(size=0), ValueError, "size must be a positive integer"),
    (draw_seven(), dict(invert="yes"), ValueError, 'invert must be "auto", True or False'),
    (draw_seven(), dict(invert=1), TypeError, 'invert must be "auto", True or False'),
    (draw_seven(), dict(crop="middle"), ValueError, 'crop must be "auto", "ink" or "center"'),
    (draw_seven(), dict(channels=3, invert=True), ValueError, "colour pictures keep"),
    (draw_seven(), dict(channels=3, crop="ink"), ValueError, "grayscale digit pictures only"),
])
def test_prepare_errors(image, kwargs, err, msg):
    with pytest.raises(err, match=msg):
        explain.prepare_image(image, **kwargs)


# ------------------------------------------------------------------------------------------------
# predictions and the upload widget
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model():
    return seed_cnn(1, seed=0)


def test_predict_image(model):
    pred = explain.predict_image(model, draw_seven(), list("abcdefghij"), source="seven.png")
    assert pred.image.shape == (1, 1, 26, 26)
    assert pred.probabilities.shape == (10,) and pred.probabilities.sum() == pytest.approx(1)
    np.testing.assert_allclose(pred.probabilities, model.predict_proba(pred.image)[0], rtol=1e-6)
    assert pred.label == int(np.argmax(pred.probabilities))
    assert pred.name == "abcdefghij"[pred.label]
    top = pred.top(3)
    assert [n for n, _ in top][0] == pred.name and top[0][1] >= top[1][1] >= top[2][1]
    text = str(pred)
    assert text.startswith(f"seven.png: the network says {pred.name} (probability ")
    assert "; next: " in text
    assert explain.predict_image(model, draw_seven()).class_names[3] == "3"


def test_predict_image_colour_model():
    pred = explain.predict_image(seed_cnn(3, seed=0), np.random.default_rng(0).random((30, 40, 3)))
    assert pred.image.shape == (1, 3, 26, 26)
    assert str(pred).startswith("the network says ")


@pytest.mark.parametrize("args, kwargs, err, msg", [
    (("not a model", np.ones((8, 8))), {}, TypeError, "model must be a cnnlesson"),
    ((None, draw_seven(), ["a", "b"]), {}, ValueError, "class_names must be 10 names"),
    ((None, draw_seven(), "0123456789"), {}, TypeError, "class_names must be a list or tuple"),
    ((None, draw_seven()), dict(channels=3), TypeError, "takes the channels from the model"),
])
def test_predict_image_errors(model, args, kwargs, err, msg):
    args = (model if args[0] is None else args[0], *args[1:])
    with pytest.raises(err, match=msg):
        explain.predict_image(*args, **kwargs)


def test_predict_image_needs_a_conv_first():
    dense = Sequential(Flatten(), Linear(676, 10, seed=0), ReLU())
    with pytest.raises(ValueError, match="model must be a network starting with a Conv2d"):
        explain.predict_image(dense, draw_seven())


def upload_value(data, name="seven.png"):
    return ({"name": name, "type": "image/png", "size": len(data),
             "content": memoryview(data), "last_modified": datetime.datetime(2024, 1, 1)},)


def test_read_upload():
    data = png_bytes(draw_seven())
    assert explain.read_upload(upload_value(data)) == ("seven.png", data)
    two = upload_value(b"old", "old.png") + upload_value(data, "new.png")
    assert explain.read_upload(two) == ("new.png", data)


@pytest.mark.parametrize("value, err, msg", [
    ((), ValueError, "value must be at least one uploaded file.*click the Upload button"),
    ({"a.png": {}}, TypeError, "ipywidgets 7 format"),
    ("a.png", TypeError, "value must be upload.value"),
    (({"name": "a"},), TypeError, "file dicts with a 'content' entry"),
    (({"name": "a", "content": "text"},), TypeError, "content'\\] must be bytes"),
])
def test_read_upload_errors(value, err, msg):
    with pytest.raises(err, match=msg):
        explain.read_upload(value)


def test_classify_upload_messages(model):
    text, pred = explain.classify_upload(model, upload_value(png_bytes(draw_seven())))
    assert pred is not None and text == str(pred) and text.startswith("seven.png: the network")
    text, pred = explain.classify_upload(model, ())
    assert pred is None and text.startswith("No picture to classify: value must be")
    text, pred = explain.classify_upload(model, upload_value(b"hello", "notes.txt"))
    assert pred is None and text.startswith("Could not use notes.txt: the file must be an image")
    blank = png_bytes(np.full((20, 20), 128, np.uint8))
    text, pred = explain.classify_upload(model, upload_value(blank, "blank.png"))
    assert pred is None and "visible mark" in text


def test_upload_classifier_widget_runs_its_callback(model):
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    box = explain.upload_classifier(model, [str(k) for k in range(10)])
    upload, out = box.children
    assert isinstance(box, widgets.VBox)
    assert isinstance(upload, widgets.FileUpload) and isinstance(out, widgets.Output)
    assert upload.accept == "image/*" and upload.multiple is False
    n_figs = len(plt.get_fignums())
    upload.value = upload_value(png_bytes(draw_seven()))   # as the browser would
    printed = "".join(o.get("text", "") for o in out.outputs)
    assert printed.startswith("seven.png: the network says ")
    text, pred = box.handle_upload({"new": ()})
    assert pred is None and "No picture" in text
    assert [o["text"] for o in out.outputs] == [text + "\n"]   # the old message is replaced
    plt.close("all")
    assert n_figs == 0 or len(plt.get_fignums()) == 0


def test_upload_classifier_errors(model):
    with pytest.raises(TypeError, match="model must be a cnnlesson"):
        explain.upload_classifier(None)
    with pytest.raises(ValueError, match="class_names must be 10 names"):
        explain.upload_classifier(model, ["a"])


def test_show_prediction_draws_image_and_bars(model):
    import matplotlib.pyplot as plt

    pred = explain.predict_image(model, draw_seven())
    fig, axes = plt.subplots(1, 2)
    out = explain.show_prediction(axes, pred)
    assert out["image"].get_array().shape == (26, 26)
    heights = [b.get_height() for b in out["bars"]]
    np.testing.assert_allclose(heights, pred.probabilities)
    assert axes[1].get_title() == f"prediction: {pred.name}"
    with pytest.raises(TypeError, match="prediction must be a Prediction"):
        explain.show_prediction(axes, pred.probabilities)
    with pytest.raises(TypeError, match="axes must be two matplotlib Axes"):
        explain.show_prediction(axes[0], pred)
    with pytest.raises(TypeError, match=r"axes\[1\] must be a matplotlib Axes"):
        explain.show_prediction([axes[0], "x"], pred)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------
# receptive fields
# ------------------------------------------------------------------------------------------------


def test_receptive_fields_of_the_course_network():
    rfs = explain.receptive_fields(seed_cnn(1))
    assert [(r.name, r.size, r.jump, r.offset) for r in rfs] == [
        ("conv1", 3, 1, 0), ("relu1", 3, 1, 0), ("pool1", 4, 2, 0), ("conv2", 8, 2, 0),
        ("relu2", 8, 2, 0), ("pool2", 10, 4, 0), ("conv3", 18, 4, 0), ("relu3", 18, 4, 0)]
    assert rfs[-1].box(2, 2) == (8, 8, 18)     # the last conv3 value sees rows 8..25


def test_receptive_fields_match_the_gradient_support():
    """The input pixels with a non-zero gradient are exactly the predicted window."""
    from cnnlesson.layers import AvgPool2d, Conv2d

    model = Sequential(Conv2d(1, 2, 3, seed=0, dtype=np.float64), AvgPool2d(2),
                       Conv2d(2, 2, 5, stride=2, padding=2, seed=1, dtype=np.float64),
                       AvgPool2d(3, stride=1), Flatten())
    rf = explain.receptive_fields(model)
    assert [r.name for r in rf] == ["conv1", "avgpool1", "conv2", "avgpool2"]
    last = rf[-1]
    assert (last.size, last.jump, last.offset) == (4 + 4 * 2 + 2 * 4, 4, -4)
    x = np.random.default_rng(0).random((1, 1, 30, 30))
    out = model.layers[0].forward(x)
    for layer in model.layers[1:4]:
        out = layer.forward(out)
    for i, j in [(0, 0), (1, 2), (2, 1)]:
        dout = np.zeros_like(out)
        dout[0, 0, i, j] = 1.0
        dx = dout
        for layer in reversed(model.layers[:4]):
            dx = layer.backward(dx)
        rows = np.flatnonzero(np.abs(dx[0, 0]).sum(axis=1) > 0)
        cols = np.flatnonzero(np.abs(dx[0, 0]).sum(axis=0) > 0)
        top, left, size = last.box(i, j)
        assert (rows[0], rows[-1]) == (max(top, 0), min(top + size - 1, 29))
        assert (cols[0], cols[-1]) == (max(left, 0), min(left + size - 1, 29))


def test_receptive_fields_errors():
    from cnnlesson.layers import Conv2d

    with pytest.raises(TypeError, match="model must be a cnnlesson.model.Sequential"):
        explain.receptive_fields([Conv2d(1, 2, 3)])
    with pytest.raises(ValueError, match=r"square kernels and windows only; got conv1 with "
                                         r"kernel_size \(3, 5\)"):
        explain.receptive_fields(Sequential(Conv2d(1, 2, (3, 5))))
    with pytest.raises(ValueError, match="row must be a non-negative integer"):
        explain.receptive_fields(seed_cnn(1))[0].box(-1, 0)
    assert explain.receptive_fields(Sequential(Flatten(), Linear(4, 2))) == []


def test_prepare_removes_the_grain_of_the_paper():
    clean = draw_seven()
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 8, clean.shape), 0, 255)
    x = explain.prepare_image(noisy.astype(np.uint8))[0, 0]
    assert np.all(x[:5] == 0) and np.all(x[:, :5] == 0) and np.all(x[-1] == 0)  # paper: exactly 0
    assert np.corrcoef(x.ravel(), explain.prepare_image(clean)[0, 0].ravel())[0, 1] > 0.97


def test_prepare_shrinks_a_phone_sized_photo_first():
    import time

    big = np.asarray(Image.fromarray(draw_seven()).resize((1600, 2000), Image.Resampling.NEAREST))
    start = time.perf_counter()
    x = explain.prepare_image(big)
    assert time.perf_counter() - start < 2.0
    assert x.shape == (1, 1, 26, 26)
    assert np.corrcoef(x.ravel(), explain.prepare_image(draw_seven()).ravel())[0, 1] > 0.97
    assert explain.MAX_SIDE == 1024
