"""The flip, geometry and shift explorers: right numbers, in-place updates, clear errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import filters, functional, widgets

RNG = np.random.default_rng(3)


# -- flip ------------------------------------------------------------------------------------

def test_flip_explorer_shows_both_operations_at_the_same_window():
    img = RNG.random((10, 10))
    app = widgets.flip_explorer(img, filters.SOBEL_X)
    corr, conv = filters.correlate2d(img, filters.SOBEL_X), filters.convolve2d(img, filters.SOBEL_X)
    np.testing.assert_allclose(app.result["correlation"], corr)
    np.testing.assert_allclose(app.result["convolution"], conv)
    app.controls["i"].value, app.controls["j"].value = 4, 6
    assert app.result["sum"] == pytest.approx(corr[4, 6])
    app.controls["flip"].value = True
    assert app.result["sum"] == pytest.approx(conv[4, 6])
    np.testing.assert_allclose(app.result["products"],
                               img[4:7, 6:9] * np.rot90(filters.SOBEL_X, 2))
    on_k, on_flipped = app.result["in_use"]
    assert not on_k.get_visible() and on_flipped.get_visible()
    assert "convolution[4, 6]" in app.result["sum_text"].get_text()
    assert app.result["window"].get_xy() == (5.5, 3.5)
    assert app.rebuilds == 1 and app.redraws == 4


def test_flip_figure_refuses_bad_input():
    with pytest.raises(ValueError, match="kernel must be at most the image's size"):
        widgets.flip_figure(None, np.zeros((2, 2)), filters.SOBEL_X)
    with pytest.raises(ValueError, match="image must be at most 400 pixels"):
        widgets.flip_explorer(np.zeros((30, 30)), filters.SOBEL_X)
    with pytest.raises(ValueError, match=r"i, j must be a position of the 8x8 output"):
        widgets.flip_figure(None, np.zeros((10, 10)), filters.SOBEL_X, 8, 0)


# -- kernel size, stride, padding -------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 16), k=st.integers(1, 9), s=st.integers(1, 6), p=st.integers(0, 4))
def test_geometry_report_agrees_with_conv2d_forward(n, k, s, p):
    rep = widgets.geometry_report(n, k, s, p)
    if n + 2 * p < k:
        assert rep["size"] == 0 and not rep["valid"] and "does not fit" in rep["problems"][0]
        return
    assert rep["size"] == functional.conv_output_size(n, k, stride=s, padding=p)
    out, _ = functional.conv2d_forward(np.zeros((1, 1, n, n)), np.zeros((1, 1, k, k)),
                                       np.zeros(1), stride=s, padding=p)
    assert out.shape[2] == rep["size"]
    assert rep["starts"] == list(range(0, s * rep["size"], s))
    assert rep["starts"][-1] + k + len(rep["unused"]) == n + 2 * p
    assert (len(rep["unused"]) > 0) == ((n + 2 * p - k) % s != 0)


def test_geometry_explorer_explains_settings_that_do_not_work():
    app = widgets.geometry_explorer(n=7, kernel=3)
    assert app.result["report"]["size"] == 5 and app.controls["window"].max == 24
    app.controls["stride"].value = 2
    assert app.result["report"]["size"] == 3 and app.controls["window"].max == 8
    app.controls["kernel"].value = 9                  # no longer fits: explained, not raised
    assert app.error is None and app.result["report"]["size"] == 0
    assert "does not fit" in app.result["axes"]["text"].texts[0].get_text()
    assert app.result["suptitle"].get_text().endswith("no output")
    app.controls["padding"].value = 4                 # fits again: (7 + 8 - 9) // 2 + 1
    assert app.result["report"]["size"] == 4 and app.result["report"]["valid"]
    app.controls["kernel"].value = 3                  # padding 4 >= kernel 3: a warning
    assert any("Padding 4" in t for t in app.result["report"]["problems"])
    assert app.rebuilds == 1


def test_geometry_report_flags_ignored_input_pixels():
    rep = widgets.geometry_report(6, 3, 2, 0)         # windows at 0, 2: pixel 5 never used
    assert rep["size"] == 2 and rep["unused"] == [5]
    assert "1 of them real input pixels" in rep["problems"][0]
    with pytest.raises(ValueError, match="stride must be"):
        widgets.geometry_report(6, 3, 0, 0)
    with pytest.raises(ValueError, match="n must be an int from 1 to 16"):
        widgets.geometry_figure(None, n=40)


# -- shift -----------------------------------------------------------------------------------

def _scene():
    rng = np.random.default_rng(7)
    img = np.zeros((80, 80))
    for _ in range(40):                                # bright bars: edges everywhere
        r, c = rng.integers(0, 74, 2)
        img[r:r + 6, c:c + 2] = 1.0
    return img


def test_shift_changes_no_shift_is_no_change_and_pooling_tolerates_one_pixel():
    from cnnlesson.images import load_photo, to_grayscale

    img = to_grayscale(load_photo(size=128))[20:, 30:]   # the face, as notebook 03 uses it
    zero = widgets.shift_changes(img, filters.SOBEL_X, 0, 0)
    assert all(v == 0 for v in zero.values())
    one = widgets.shift_changes(img, filters.SOBEL_X, 0, 1)
    assert one["max pool 2"] < one["every 2nd pixel"]
    assert one["avg pool 2"] < one["every 2nd pixel"]


def test_shift_explorer_updates_the_shifted_row_in_place():
    img = _scene()
    app = widgets.shift_explorer(img, filters.SOBEL_X, size=64)
    assert app.result["changes"]["feature map"] == 0
    app.controls["dx"].value = 1
    expected = widgets.shift_changes(img, filters.SOBEL_X, 0, 1, size=64)
    assert app.result["changes"] == pytest.approx(expected)
    widths = [b.get_width() for b in app.result["bars"]]
    assert widths == pytest.approx(list(expected.values()))
    shown = app.result["rows"][1]["images"][2].get_array()
    np.testing.assert_allclose(shown, app.result["after"][1])
    assert app.rebuilds == 1
    with pytest.raises(ValueError, match="image must be at least 67 pixels"):
        widgets.shift_explorer(img[:60, :60], filters.SOBEL_X, size=64)


# -- nothing is cut off at the figure's edges -------------------------------------------------

def _texts_outside(app):
    from matplotlib.text import Text

    fig = app.figure
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        box = t.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            out.append(t.get_text())
    return out


def test_no_label_of_the_new_explorers_leaves_the_picture():
    from cnnlesson.images import load_photo, to_grayscale

    face = to_grayscale(load_photo(size=128))[20:, 30:]
    apps = [(widgets.flip_explorer(face[12:22, 18:28], filters.SOBEL_X), {"flip": True, "i": 7}),
            (widgets.geometry_explorer(), {"size": 16, "kernel": 9, "padding": 4, "stride": 6}),
            (widgets.shift_explorer(face, filters.SOBEL_X), {"dx": 3, "dy": 3})]
    for app, chosen in apps:
        with app.hold():
            for name, value in chosen.items():
                app.controls[name].value = value
        assert app.error is None
        assert _texts_outside(app) == [], type(app.result)
