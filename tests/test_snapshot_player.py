"""The snapshot player: a layer menu over every recorded conv layer, fixed scales, wide figures."""

import numpy as np
import pytest
from test_viz_layergrid import SHAPES, seed_snapshots

from cnnlesson import datasets, model, optim, train, widgets


def test_layer_menu_lists_the_recorded_layers_and_switches_the_grid():
    recs = seed_snapshots(n=4)
    app = widgets.snapshot_player(recs)
    menu = app.controls["layer"]
    assert list(menu.options) == ["conv1", "conv2", "conv3"] and menu.value == "conv1"
    assert app.result.layer == "conv1" and app.result.grid.shape == SHAPES["conv1"]
    app.controls["index"].value = 2
    menu.value = "conv2"
    view = app.result
    assert view.layer == "conv2" and view.index == 2 and view.grid.shape == SHAPES["conv2"]
    assert view.title.get_text().startswith("step 20 ")
    rows = [t.get_text() for t in view.axes["grid"].get_yticklabels()]
    assert rows[:6] == [f"from conv1 filter {j}" for j in range(6)]
    wmax = max(np.abs(r.weights["conv2"]).max() for r in recs)
    assert view.kernel_image.get_clim() == pytest.approx((-wmax, wmax))
    rebuilds = app.rebuilds
    app.controls["index"].value = 3     # same layer: updated in place, the same fixed limits
    assert app.rebuilds == rebuilds and app.result is view
    assert app.result.kernel_image.get_clim() == pytest.approx((-wmax, wmax))
    np.testing.assert_allclose(np.nanmax(np.abs(view.kernel_image.get_array())),
                               np.abs(recs[3].weights["conv2"]).max(), rtol=1e-6)
    # each layer's figure is sized for it, at least 1200 px wide at the course's 100 dpi
    w1 = app.figure.get_size_inches()
    menu.value = "conv3"
    w3 = app.figure.get_size_inches()
    assert w1[0] * 100 >= 1200 and w3[0] * 100 >= 1200 and w3[1] > w1[1]


def test_player_starts_on_the_layer_given_with_numbers_and_fixed_vmax():
    recs = seed_snapshots(n=2)
    app = widgets.snapshot_player(recs, layer="conv3", vmax=0.5)
    assert app.controls["layer"].value == "conv3"
    assert app.result.kernel_image.get_clim() == (-0.5, 0.5)
    view = widgets.snapshot_player_update(recs, 0, "conv1", numbers=True)
    assert len(view.grid.number_texts) == 6 * 9
    assert view.grid.number_texts[0].get_text() != ""
    view = widgets.snapshot_player_update(recs, 1, "conv2", fmax=3.0)
    assert view.map_image.get_clim() == (-3.0, 3.0) and view.index == 1


def test_player_errors():
    recs = seed_snapshots(n=2)
    with pytest.raises(ValueError, match=r"layer must be one of the recorded layers "
                                         r"\['conv1', 'conv2', 'conv3'\]; got 'conv4'"):
        widgets.snapshot_player(recs, layer="conv4")
    with pytest.raises(TypeError, match="layer must be a layer name"):
        widgets.snapshot_player(recs, layer=None)
    with pytest.raises(ValueError, match="k must be a record index from 0 to 1"):
        widgets.snapshot_player_update(recs, 2, "conv2")


def test_player_on_a_real_run_records_every_layer():
    (X, y), _ = datasets.load_digits()
    m = model.seed_cnn(in_channels=1, seed=0)
    snaps = train.Snapshots(every=2, probe=X[:2])
    train.fit(m, X[:32], y[:32], epochs=1, batch_size=16,
              optimizer=optim.SGD(m.parameters(), 0.1), callbacks=[snaps], progress=False)
    app = widgets.snapshot_player(snaps, layer="conv2", probe_index=1)
    assert app.result.probe_image is not None
    assert app.controls["index"].max == len(snaps.records) - 1 == 1
    np.testing.assert_array_equal(app.result.grid.kernel_image.get_array()[:3, :3],
                                  snaps.records[0].weights["conv2"][0, 0])


def test_player_picture_is_at_least_1200_px_wide():
    import base64
    import io

    from PIL import Image

    recs = seed_snapshots(n=2)
    app = widgets.snapshot_player(recs, layer="conv2")
    pngs = [o["data"]["image/png"] for o in app.output.outputs if "image/png" in o.get("data", {})]
    assert pngs, "the player shows its picture in its Output"
    width = Image.open(io.BytesIO(base64.b64decode(pngs[-1]))).size[0]
    assert width >= 1200, width
