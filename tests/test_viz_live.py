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
    assert len(stub.updates) == 6 // 2          # ... updated in place at steps 2, 4 and 6
    assert lv.frames == 4 and lv.skipped == 0   # and first drawn before training
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
    assert len(pngs) == 3 and pngs[0] != pngs[1] != pngs[2]


def test_liveview_budget_skips_refreshes_but_draws_the_end(digits):
    X, y = digits
    stub = StubDisplay()
    lv = LiveView(every=1, display=stub, max_overhead=1e-6)
    run(X, y, [lv])
    assert lv.skipped == 6 and lv.frames == 2   # only the first and the final picture
    assert len(stub.shown) == 1 and len(stub.updates) == 1


def test_liveview_without_probe_or_conv_layer(digits):
    X, y = digits
    from cnnlesson.layers import Flatten, Linear
    m = model.Sequential(Flatten(), Linear(26 * 26, 10, seed=0))
    stub = StubDisplay()
    lv = LiveView(every=3, probe=X[0], display=stub, max_overhead=None)
    train.fit(m, X, y, epochs=1, batch_size=32, optimizer=optim.SGD(m.parameters(), 0.1),
              callbacks=[lv], progress=False)
    assert lv.frames == 2 and lv.last_png.startswith(b"\x89PNG")


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


# -- any conv layer, a scale that only grows, validation, size ---------------------------------

class Recording(LiveView):
    """Remembers the colour scale and its Normalize object at every picture."""

    def _render(self):
        g = self.grid
        self.seen = getattr(self, "seen", [])
        self.seen.append((g.wnorm, g.kernel_image.norm, g.kernel_image.get_clim(),
                          g.map_image.get_clim() if g.map_image is not None else None,
                          self._title_text))
        return super()._render()


def test_liveview_conv2_grid_validation_curve_and_width(digits):
    X, y = digits
    stub = StubDisplay()
    lv = Recording(every=2, probe=X[0], layer="conv2", display=stub, max_overhead=None)
    m = model.seed_cnn(in_channels=1, seed=3)
    w_start = m["conv2"].weight.data.copy()
    hist = train.fit(m, X, y, epochs=2, batch_size=16, optimizer=optim.SGD(m.parameters(), 0.05),
                     validation=(X[:32], y[:32]), callbacks=[lv], progress=False, seed=0)
    assert lv.grid.shape == (12, 6, 3, 3)
    ax = lv.grid.ax
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows[:6] == [f"from conv1 filter {j}" for j in range(6)]
    assert lv.grid.kernel_image.get_array().shape == (6 * 4 - 1, 12 * 4 - 1)
    np.testing.assert_allclose(np.nanmax(np.abs(lv.grid.kernel_image.get_array())),
                               np.abs(m["conv2"].weight.data).max(), rtol=1e-6)
    pic = Image.open(io.BytesIO(lv.last_png))
    assert pic.size[0] >= 1200
    # the validation curve: one point per finished epoch, named in the legend
    xs, ys = lv._val_acc_line.get_data()
    assert list(xs) == [1, 2] and list(ys) == hist.epoch_val_acc
    assert "validation accuracy" in [t.get_text() for t in lv._ax_a.get_legend().get_texts()]
    assert "validation accuracy" in lv.seen[-1][4]
    # the scale starts at twice the initial largest |weight| and never shrinks
    first = lv.seen[0]
    assert first[2] == pytest.approx((-2 * np.abs(w_start).max(), 2 * np.abs(w_start).max()))
    assert all(s[0] is first[0] and s[1] is first[0] for s in lv.seen)   # one Normalize
    tops = [s[2][1] for s in lv.seen]
    assert tops == sorted(tops)
    if not lv.scale_steps:
        assert "(fixed until a value outgrows it)" in lv.seen[-1][4]


def test_liveview_scale_grows_in_steps_with_a_note(digits):
    X, y = digits
    stub = StubDisplay()
    lv = Recording(every=1, probe=X[0], display=stub, max_overhead=None)
    m = model.seed_cnn(in_channels=1, seed=3)
    train.fit(m, X, y, epochs=1, batch_size=16, optimizer=optim.SGD(m.parameters(), 2.0),
              callbacks=[lv], progress=False, seed=0)
    assert lv.scale_steps, "a large learning rate makes the weights outgrow the first scale"
    w_tops = [s[2][1] for s in lv.seen]
    m_tops = [s[3][1] for s in lv.seen]
    assert w_tops == sorted(w_tops) and m_tops == sorted(m_tops)      # never shrinks
    assert w_tops[-1] > w_tops[0]
    pairs = list(zip(w_tops, m_tops, strict=True))
    assert 2 <= len(set(pairs)) <= len(lv.scale_steps) + 1   # in a few steps, not every frame
    for k in range(1, len(pairs)):   # each widening is announced on that picture
        if pairs[k] != pairs[k - 1]:
            assert f"(grew at step {k})" in lv.seen[k][4]
    assert f"(grew at step {lv.scale_steps[-1]})" in lv.seen[-1][4]
    assert f"kernels \u00b1{lv.wmax:.2g}, maps \u00b1{lv.fmax:.2g}" in lv.seen[-1][4]
    _, losses = lv._loss_line.get_data()
    assert lv._ax_l.get_ylim()[1] >= np.max(losses)    # the loss axis grows too


def test_liveview_given_vmax_never_changes(digits):
    X, y = digits
    lv = Recording(every=1, display=StubDisplay(), max_overhead=None, vmax=0.05, numbers=True)
    run(X, y, [lv])
    assert {s[2] for s in lv.seen} == {(-0.05, 0.05)} and lv.scale_steps == []
    assert "(fixed)" in lv.seen[-1][4]
    assert len(lv.grid.number_texts) == 6 * 9


def test_liveview_layer_errors(digits):
    X, y = digits
    with pytest.raises(TypeError, match="layer must be a conv layer name"):
        LiveView(layer=2)
    with pytest.raises(ValueError, match=r"layer must be a conv layer of the model \['conv1', "
                                         r"'conv2', 'conv3'\]; got 'conv9'"):
        run(X, y, [LiveView(layer="conv9", display=StubDisplay())])
