"""LiveView: harmless outside a notebook, draws in place with a stub display, and never
alters training."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnlesson import datasets, model, optim, train
from cnnlesson.viz import LiveView
from cnnlesson.viz.live import in_notebook


@pytest.fixture(scope="module")
def digits():
    (X, y), _ = datasets.load_digits()
    return X[:96], y[:96]


class StubDisplay:
    """Stands in for IPython.display.display(obj, display_id=True) and its handle."""

    def __init__(self):
        self.shown = []
        self.updates = []

    def __call__(self, obj, display_id=True):
        assert display_id is True
        self.shown.append(obj)
        return self

    def update(self, obj):
        self.updates.append(obj)


def run(X, y, callbacks, epochs=1):
    m = model.seed_cnn(in_channels=1, seed=3)
    train.fit(m, X, y, epochs=epochs, batch_size=16, optimizer=optim.SGD(m.parameters(), 0.05),
              callbacks=callbacks, progress=False, seed=0)
    return m


def test_not_a_notebook_here():
    assert not in_notebook()


def test_liveview_outside_a_notebook_does_nothing(digits, capsys):
    X, y = digits
    lv = LiveView(every=2)
    run(X, y, [lv])
    assert not lv.active and lv.frames == 0 and lv.last_png is None
    assert capsys.readouterr().out == ""


def test_liveview_draws_in_place_and_does_not_change_training(digits):
    X, y = digits
    stub = StubDisplay()
    lv = LiveView(every=2, probe=X[0], display=stub, max_overhead=None)
    trained = run(X, y, [lv])
    assert lv.active
    assert len(stub.shown) == 1                 # one display ...
    assert len(stub.updates) == 6 // 2 - 1      # ... updated in place at steps 4 and 6
    assert lv.frames == 3 and lv.skipped == 0
    for obj in stub.shown + stub.updates:
        assert obj.format == "png"
    pic = Image.open(io.BytesIO(lv.last_png))
    assert pic.format == "PNG" and pic.size[0] > 400
    plain = run(X, y, [])
    for a, b in zip(trained.parameters(), plain.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_liveview_pictures_change_as_the_kernels_learn(digits):
    X, y = digits
    stub = StubDisplay()
    lv = LiveView(every=3, probe=X[:2], display=stub, max_overhead=None)
    run(X, y, [lv])
    pngs = [o.data for o in stub.shown + stub.updates]
    assert len(pngs) == 2 and pngs[0] != pngs[1]


def test_liveview_budget_skips_refreshes_but_draws_the_end(digits):
    X, y = digits
    stub = StubDisplay()
    lv = LiveView(every=1, display=stub, max_overhead=1e-6)
    run(X, y, [lv])
    assert lv.skipped == 6 and lv.frames == 1   # only the final picture
    assert len(stub.shown) == 1 and not stub.updates


def test_liveview_without_probe_or_conv_layer(digits):
    X, y = digits
    from cnnlesson.layers import Flatten, Linear
    m = model.Sequential(Flatten(), Linear(26 * 26, 10, seed=0))
    stub = StubDisplay()
    lv = LiveView(every=3, probe=X[0], display=stub, max_overhead=None)
    train.fit(m, X, y, epochs=1, batch_size=32, optimizer=optim.SGD(m.parameters(), 0.1),
              callbacks=[lv], progress=False)
    assert lv.frames == 1 and lv.last_png.startswith(b"\x89PNG")


def test_liveview_errors():
    with pytest.raises(ValueError, match="every must be a positive integer"):
        LiveView(every=0)
    with pytest.raises(ValueError, match=r"probe must be 3-D or 4-D \(C, H, W\) or"):
        LiveView(probe=np.zeros((26, 26), dtype=np.float32))
    with pytest.raises(TypeError, match="probe must be a float32 or float64 array"):
        LiveView(probe=np.zeros((1, 26, 26), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"max_overhead must be a fraction in \(0, 1\] or None"):
        LiveView(max_overhead=2)
    with pytest.raises(TypeError, match="display must be a callable"):
        LiveView(display="yes")
