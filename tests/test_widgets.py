"""Widgets: constructible without a browser; setting a control changes what is shown."""

import ipywidgets
import numpy as np
import pytest

from cnnlesson import filters, functional, widgets
from cnnlesson.train import Snapshot
from cnnlesson.widget_app import MAX_WIDTH_PX

RNG = np.random.default_rng(0)


def photo():
    return RNG.random((30, 24, 3)).astype(np.float32)


def gray_of(img):
    from cnnlesson.images import to_grayscale

    return to_grayscale(img).astype(np.float64)


def test_app_is_a_displayable_widget():
    app = widgets.convolution_explorer(RNG.random((8, 8)), filters.SOBEL_X)
    assert isinstance(app.widget, ipywidgets.VBox)
    assert isinstance(app.output, ipywidgets.Output)
    assert app.output in app.widget.children
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert app.redraws == 1 and app.figure is not None


# -- convolution explorer -------------------------------------------------------------------

def test_convolution_explorer_sliders_move_the_window():
    img = RNG.random((10, 9))
    app = widgets.convolution_explorer(img, filters.LAPLACIAN)
    out = filters.correlate2d(img, filters.LAPLACIAN)
    assert app.controls["i"].max == 7 and app.controls["j"].max == 6
    assert app.controls["i"].continuous_update is False
    assert app.result["sum"] == pytest.approx(out[0, 0])
    first = app.figure
    app.controls["i"].value = 5
    app.controls["j"].value = 2
    assert app.result["sum"] == pytest.approx(out[5, 2])
    assert app.result["window"].get_xy() == (1.5, 4.5)
    # moving the window changes the picture in place: no new figure
    assert app.figure is first and app.redraws == 3 and app.rebuilds == 1


def test_convolution_explorer_update_and_errors():
    img = RNG.random((8, 8))
    res = widgets.convolution_explorer_update(img, filters.SOBEL_Y, 1, 2)
    assert res["sum"] == pytest.approx(filters.correlate2d(img, filters.SOBEL_Y)[1, 2])
    with pytest.raises(ValueError, match="kernel must be at most the image's size 2x2"):
        widgets.convolution_explorer(img[:2, :2], filters.SOBEL_Y)
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\)"):
        widgets.convolution_explorer(photo(), filters.SOBEL_Y)


# -- kernel playground ----------------------------------------------------------------------

def test_kernel_playground_update_filters_the_gray_photo():
    img = photo()
    out = widgets.kernel_playground_update(img, filters.SOBEL_X)
    np.testing.assert_allclose(out, filters.correlate2d(gray_of(img), filters.SOBEL_X))
    u8 = (img * 255).astype(np.uint8)
    assert widgets.kernel_playground_update(u8, filters.IDENTITY).max() <= 1.0


def test_kernel_playground_preset_fills_boxes_with_one_redraw():
    img = photo()
    app = widgets.kernel_playground(img)
    assert set(app.controls) == {"preset", *[f"k{r}{c}" for r in range(3) for c in range(3)]}
    assert "sobel x" in app.controls["preset"].options
    np.testing.assert_allclose(app.result["filtered"], gray_of(img)[1:-1, 1:-1], atol=1e-6)
    before = app.redraws
    app.controls["preset"].value = "sobel x"
    assert app.redraws == before + 1
    boxes = np.array([[app.controls[f"k{r}{c}"].value for c in range(3)] for r in range(3)])
    np.testing.assert_array_equal(boxes, filters.SOBEL_X)
    expected = filters.correlate2d(gray_of(img), filters.SOBEL_X)
    np.testing.assert_allclose(app.result["filtered"], expected)
    np.testing.assert_allclose(app.result["images"][2].get_array(), expected)
    assert app.result["images"][2].get_cmap().name == "RdBu_r"  # sum 0: signed picture
    kernel_shown = [float(t.get_text()) for t in app.result["kernel_texts"]]
    np.testing.assert_allclose(kernel_shown, filters.SOBEL_X.ravel())


def test_kernel_playground_editing_a_box_makes_it_custom():
    img = photo()
    app = widgets.kernel_playground(img)
    app.controls["preset"].value = "box blur"
    before = app.redraws
    app.controls["k11"].value = 1.0
    assert app.controls["preset"].value == "custom"
    assert app.redraws == before + 1
    k = filters.BOX_BLUR.copy()
    k[1, 1] = 1.0
    np.testing.assert_allclose(app.result["filtered"], filters.correlate2d(gray_of(img), k))
    app.controls["k00"].value = float("nan")
    assert app.error is not None and "kernel must be finite" in app.error
    app.controls["k00"].value = 0.0
    assert app.error is None


# -- pooling explorer -----------------------------------------------------------------------

def test_pooling_explorer_controls_change_the_pooled_map():
    x = RNG.random((8, 8))
    app = widgets.pooling_explorer(x)
    ref = functional.maxpool2d_forward(x[None, None], 2, 2)[0][0, 0]
    np.testing.assert_allclose(app.result["output"], ref)
    assert app.controls["i"].max == 3
    app.controls["mode"].value = "avg"
    ref = functional.avgpool2d_forward(x[None, None], 2, 2)[0][0, 0]
    np.testing.assert_allclose(app.result["output"], ref)
    app.controls["j"].value = 3
    before = app.redraws
    app.controls["size"].value = 3          # 8x8 -> 3x3: the window sliders follow
    assert app.redraws == before + 1
    assert app.result["output"].shape == (3, 3)
    assert app.controls["j"].max == 2 and app.controls["j"].value == 2
    app.controls["stride"].value = 1
    assert app.result["output"].shape == (6, 6) and app.controls["i"].max == 5
    with pytest.raises(ValueError, match="x must be at least 2x2"):
        widgets.pooling_explorer(np.zeros((1, 5)))


def test_pooling_explorer_update():
    x = RNG.random((6, 6))
    res = widgets.pooling_explorer_update(x, 3, 3, "max", 1, 1)
    assert res["value"] == x[3:6, 3:6].max()


# -- snapshot player ------------------------------------------------------------------------

def snapshots(n=4):
    rng = np.random.default_rng(1)
    return [Snapshot(step=5 * k, epoch=k / 4,
                     weights={"conv1": rng.normal(0, k + 1, (3, 1, 3, 3))},
                     feature_maps={"conv1": rng.normal(0, k + 1, (1, 3, 8, 8))},
                     loss=None if k == 0 else 1.0 / k, accuracy=None if k == 0 else 0.25 * k)
            for k in range(n)]


def test_snapshot_player_slider_shows_that_step():
    recs = snapshots()
    app = widgets.snapshot_player(recs)
    assert app.controls["index"].max == 3
    assert app.result.title.get_text().startswith("step 0 ")
    first = app.result.kernel_image.get_array().copy()
    app.controls["index"].value = 2
    assert app.result.title.get_text().startswith("step 10 ")
    shown = app.result.kernel_image.get_array()
    assert not np.allclose(np.nan_to_num(shown), np.nan_to_num(first))
    np.testing.assert_allclose(np.nanmax(np.abs(shown)), np.abs(recs[2].weights["conv1"]).max())
    wmax = max(np.abs(r.weights["conv1"]).max() for r in recs)
    assert app.result.kernel_image.get_clim() == (-wmax, wmax)


def test_snapshot_player_update_and_errors():
    view = widgets.snapshot_player_update(snapshots(), 3)
    assert view.index == 3 and "accuracy 75%" in view.title.get_text()
    with pytest.raises(ValueError, match="k must be a record index from 0 to 3"):
        widgets.snapshot_player_update(snapshots(), 4)
    with pytest.raises(ValueError, match="layer must be one of the recorded layers"):
        widgets.snapshot_player(snapshots(), layer="conv2")
    with pytest.raises(TypeError, match="layer must be a layer name"):
        widgets.snapshot_player(snapshots(), layer=1)


# -- what reaches the front end ------------------------------------------------------------

def test_figure_lives_in_the_output_widget_state_and_changes_with_a_control(capsys):
    """The picture travels in Output.outputs (widget state), never as a cell display message:
    nbval has no widget front end, so anything displayed inside the Output would land in the
    cell's own outputs and break the stored-output comparison."""
    app = widgets.kernel_playground(photo())
    (before,) = app.output.outputs
    assert before["output_type"] == "display_data"
    assert before["data"]["text/plain"].startswith("<Figure size")
    app.controls["preset"].value = "sobel x"
    (after,) = app.output.outputs
    assert after["data"]["image/png"] != before["data"]["image/png"]
    assert capsys.readouterr().out == ""


def test_an_invalid_entry_shows_its_message_in_the_output():
    app = widgets.kernel_playground(photo())
    box = next(c for name, c in app.controls.items() if name != "preset")
    box.value = float("nan")
    (shown,) = app.output.outputs
    assert shown["output_type"] == "stream" and app.error and app.error in shown["text"]


# -- a notebook opened before its cells run -------------------------------------------------

def _png_pixels(b64):
    import base64
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"))


def test_saved_explorer_carries_a_note_and_a_captioned_still_picture():
    """JupyterLab shows an untrusted saved widget output in its richest safe form: without
    image/png that was the text/plain repr 'VBox(children=(...'."""
    app = widgets.kernel_playground(photo())
    bundle = app._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.STILL_NOTE
    assert "VBox" not in bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    still = _png_pixels(bundle["image/png"])
    figure = _png_pixels(app.output.outputs[0]["data"]["image/png"])
    # the figure, below a caption band of the same width
    assert still.shape[1] == figure.shape[1] and still.shape[0] > figure.shape[0] + 20
    band = still.shape[0] - figure.shape[0]
    np.testing.assert_array_equal(still[band:], figure)
    assert (still[:band].mean(axis=2) < 128).any()  # dark caption text on a light band
    app.controls["preset"].value = "sobel x"       # the still follows the current picture
    again = _png_pixels(app._repr_mimebundle_()["image/png"])
    assert not np.array_equal(again, still)


def test_still_box_is_a_vbox_and_without_a_picture_gives_only_the_note():
    box = widgets.StillBox([ipywidgets.IntSlider(), ipywidgets.Output()])
    assert isinstance(box, ipywidgets.VBox)
    bundle = box._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.STILL_NOTE and "image/png" not in bundle


def test_an_error_message_gives_no_still_picture():
    app = widgets.kernel_playground(photo())
    app.controls["k00"].value = float("nan")
    assert "image/png" not in app._repr_mimebundle_()


def test_brightness_demo_of_notebook_00_is_saved_with_a_still_picture():
    from cnnlesson import setup_check

    box = setup_check.brightness_demo(np.full((4, 4, 3), 0.5))
    bundle = box._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.STILL_NOTE and "image/png" in bundle



# -- instant response: only what changed is redrawn, and the picture is the same ------------

def _shown(app):
    return _png_pixels(app.output.outputs[0]["data"]["image/png"])


def _same_as_drawn_afresh(app, tolerance=0.005):
    """The refreshed picture against the figure drawn from scratch at the same settings."""
    refreshed = _shown(app)
    app._background = None  # forces a full redraw
    app.update()
    fresh = _shown(app)
    assert refreshed.shape == fresh.shape
    differ = np.any(refreshed != fresh, axis=2).mean()
    assert differ < tolerance, f"{differ:.2%} of the pixels differ from a fresh drawing"


def test_convolution_explorer_refresh_matches_a_fresh_drawing():
    img = RNG.random((10, 10))
    app = widgets.convolution_explorer(img, filters.SOBEL_X)
    for i, j in [(3, 5), (7, 0), (2, 2)]:
        with app.hold():
            app.controls["i"].value, app.controls["j"].value = i, j
        assert app.rebuilds == 1
        np.testing.assert_allclose(app.result["products"], img[i:i + 3, j:j + 3] * filters.SOBEL_X)
        texts = [t.get_text() for t in app.result["axes"]["products"].texts]
        assert texts[0] == widgets_format(img[i, j] * filters.SOBEL_X[0, 0])
    _same_as_drawn_afresh(app)


def widgets_format(v):
    from cnnlesson.viz._base import format_number

    return format_number(v)


def test_kernel_playground_refresh_matches_a_fresh_drawing_and_recovers_from_errors():
    app = widgets.kernel_playground(photo())
    app.controls["preset"].value = "sobel x"
    app.controls["k11"].value = float("nan")
    assert app.error is not None
    app.controls["k11"].value = 2.0
    assert app.error is None and app.result["images"][2].get_cmap().name == "gray"
    k = filters.SOBEL_X.copy()
    k[1, 1] = 2.0
    np.testing.assert_allclose(app.result["filtered"], filters.correlate2d(gray_of(photo_now(app)),
                                                                           k))
    assert app.result["images"][1].axes.get_title() == "kernel (sum 2)"
    _same_as_drawn_afresh(app)


def photo_now(app):
    return app.result["images"][0].get_array()


def test_pooling_explorer_refresh_matches_a_fresh_drawing_for_every_control():
    x = RNG.random((8, 8))
    app = widgets.pooling_explorer(x)
    for name, value in [("i", 2), ("mode", "avg"), ("size", 3), ("stride", 1), ("j", 4),
                        ("mode", "max")]:
        app.controls[name].value = value
        v = app.values
        top, left = v["i"] * v["stride"], v["j"] * v["stride"]
        win = x[top:top + v["size"], left:left + v["size"]]
        assert app.result["value"] == pytest.approx(win.max() if v["mode"] == "max"
                                                    else win.mean())
        assert app.result["window"].get_xy() == (left - 0.5, top - 0.5)
        assert app.result["window"].get_width() == v["size"]
    assert app.rebuilds == 1
    # a new size keeps the panels' boxes (a fresh drawing sizes them to the window), so the
    # picture is compared with a fresh one after moves and mode changes at a fixed size
    app._background = None
    app.update()
    for name, value in [("i", 1), ("mode", "avg"), ("j", 0)]:
        app.controls[name].value = value
    assert app.rebuilds == 2
    # the window panel's numbers are sized to the laid-out panel (a fresh drawing sizes them
    # before the layout), so a few percent of the pixels, around those numbers, differ
    _same_as_drawn_afresh(app, tolerance=0.06)


def test_convolution_explorer_gif_shows_each_step_readably():
    import io

    from PIL import Image

    img = RNG.random((10, 10))
    data = widgets.convolution_explorer_gif(img, filters.LAPLACIAN, max_frames=6)
    gif = Image.open(io.BytesIO(data))
    assert gif.n_frames == 6 and gif.size[0] >= 900      # wide enough to read the numbers
    frames = []
    for k in (0, 5):
        gif.seek(k)
        frames.append(np.asarray(gif.convert("RGB")))
    assert not np.array_equal(frames[0], frames[1])
    # the right edge is background, nothing is cut off there
    assert (frames[0][:, -3:] > 200).all()
    with pytest.raises(ValueError, match="max_frames must be an int from 2 to 64"):
        widgets.convolution_explorer_gif(img, filters.LAPLACIAN, max_frames=1)


def test_pictures_are_rendered_at_most_max_width_pixels_wide():
    img = RNG.random((8, 8))
    app = widgets.convolution_explorer(img, filters.SOBEL_X)      # a 12-inch figure
    assert 900 <= _shown(app).shape[1] <= MAX_WIDTH_PX
    def draw(fig, i):
        return widgets.convolution_explorer_update(img, filters.SOBEL_X, i, 0, fig)

    narrow = widgets.WidgetApp({"i": ipywidgets.IntSlider(0, 0, 5)}, draw, figsize=(12, 8.5),
                               max_width=600)
    assert _shown(narrow).shape[1] <= 600


def test_no_label_of_the_explorers_leaves_the_picture():
    from test_explorers import _texts_outside

    img = RNG.random((10, 10))
    apps = [(widgets.convolution_explorer(img, filters.SOBEL_X), {"i": 7, "j": 7}),
            (widgets.kernel_playground(photo()), {"preset": "sobel x"}),
            (widgets.pooling_explorer(img[:8, :8]), {"size": 4, "stride": 1, "mode": "avg"})]
    for app, chosen in apps:
        for name, value in chosen.items():
            app.controls[name].value = value
        assert app.error is None and _texts_outside(app) == []
