"""Tests of cnnlesson.train: the loop, its records, schedules, augmentation and snapshots."""

import math
import re

import numpy as np
import pytest

from cnnlesson import functional as F
from cnnlesson.layers import Conv2d, Flatten, Linear, ReLU
from cnnlesson.model import Sequential, seed_cnn
from cnnlesson.optim import SGD, Adam
from cnnlesson.train import (
    Callback,
    History,
    Snapshots,
    confusion_matrix,
    cosine_schedule,
    digits_recipe,
    evaluate,
    fit,
    one_cycle,
    random_shift,
)


def tiny_model(seed=0, dtype=np.float32):
    return Sequential(Conv2d(1, 2, 3, seed=seed, dtype=dtype), ReLU(), Flatten(),
                      Linear(2 * 6 * 6, 2, seed=seed + 1, dtype=dtype))


def tiny_data(n=32, seed=0):
    """8x8 images: class 0 is bright on the left half, class 1 on the right half."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 0.1, (n, 1, 8, 8))
    X[y == 0, :, :, :4] += 1
    X[y == 1, :, :, 4:] += 1
    return X.astype(np.float32), y


def small_seed_data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 26, 26)).astype(np.float32), rng.integers(0, 10, n)


# -- learning ----------------------------------------------------------------------------------


def test_fit_drives_the_training_loss_near_zero():
    X, y = tiny_data()
    model = tiny_model()
    hist = fit(model, X, y, epochs=30, batch_size=8, optimizer=Adam(model.parameters(), lr=0.05),
               progress=False)
    assert hist.step_loss[0] > 0.3
    assert hist.epoch_train_loss[-1] < 0.02
    loss, acc = evaluate(model, X, y)
    assert loss < 0.02 and acc == 1.0


def test_seed_cnn_memorises_random_labels():
    """Fitting noise needs every layer's gradient to be right; a broken backward fails this."""
    X, y = small_seed_data()
    model = seed_cnn(in_channels=1, seed=0)
    hist = fit(model, X, y, epochs=60, batch_size=8, optimizer=Adam(model.parameters(), lr=1e-2),
               progress=False)
    assert hist.epoch_train_loss[0] > 1.5
    assert evaluate(model, X, y)[1] == 1.0


def test_training_only_conv1_lowers_the_loss():
    """conv1 learns only if the gradient flows back through every later layer."""
    X, y = small_seed_data(24)
    model = seed_cnn(in_channels=1, seed=0)
    before = evaluate(model, X, y)[0]
    fit(model, X, y, epochs=40, batch_size=8, progress=False,
        optimizer=Adam(model["conv1"].parameters(), lr=3e-2))
    assert evaluate(model, X, y)[0] < before - 0.4


def test_history_lengths_and_values():
    X, y = tiny_data(30)
    model = tiny_model()
    hist = fit(model, X, y, epochs=3, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
               validation=(X[:10], y[:10]), progress=False)
    assert isinstance(hist, History) and hist.epochs == 3
    assert len(hist.step_loss) == len(hist.step_acc) == len(hist.step_lr) == 3 * 4
    assert len(hist.epoch_val_loss) == len(hist.epoch_val_acc) == 3
    assert hist.step_lr == [0.1] * 12
    # the epoch's training loss is the example-weighted mean of its batch losses (8, 8, 8, 6)
    w = np.array([8, 8, 8, 6])
    assert hist.epoch_train_loss[0] == pytest.approx(np.dot(hist.step_loss[:4], w) / 30)
    assert (hist.epoch_val_loss[-1], hist.epoch_val_acc[-1]) == evaluate(model, X[:10], y[:10])
    no_val = fit(model, X, y, epochs=1, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
                 progress=False)
    assert no_val.epoch_val_loss == [] and no_val.epoch_val_acc == []
    assert repr(no_val).startswith("History(1 epochs, 4 steps")


def test_progress_prints_one_rounded_line_per_epoch(capsys):
    X, y = tiny_data(16)
    model = tiny_model()
    hist = fit(model, X, y, epochs=2, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
               validation=(X, y))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    pattern = r"epoch 2/2  loss \d+\.\d\d  acc \d+%  val_loss \d+\.\d\d  val_acc \d+%"
    assert re.fullmatch(pattern, lines[1])
    assert f"loss {hist.epoch_train_loss[1]:.2f}" in lines[1]
    assert "\r" not in "".join(lines)
    fit(model, X, y, epochs=1, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
        progress=False)
    assert capsys.readouterr().out == ""


def test_training_is_bit_identical_with_the_same_seed():
    X, y = small_seed_data(40)

    def run(seed):
        model = seed_cnn(in_channels=1, seed=0)
        opt = Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
        hist = fit(model, X, y, epochs=2, batch_size=16, optimizer=opt, seed=seed,
                   augment=random_shift(2), schedule=one_cycle(3e-3, 6), progress=False)
        return model, hist

    (m1, h1), (m2, h2), (_, h3) = run(5), run(5), run(6)
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    assert h1.step_loss == h2.step_loss and h1.epoch_train_acc == h2.epoch_train_acc
    assert h1.step_loss != h3.step_loss


def test_exploding_loss_raises_with_epoch_step_and_lr():
    X, y = small_seed_data(64)
    model = seed_cnn(in_channels=1, seed=0)
    with pytest.raises(FloatingPointError, match=r"^training diverged at epoch 1/5, step \d+: the "
                                                 r"loss is .* with learning rate lr=100\. Hint: "
                                                 r"use a smaller learning rate \(e\.g\. lr=10\)"):
        fit(model, X, y, epochs=5, batch_size=8, optimizer=SGD(model.parameters(), lr=100),
            progress=False)


def test_infinite_weights_raise_without_warnings():
    X, y = tiny_data()
    model = tiny_model()
    with pytest.raises(FloatingPointError, match=r"epoch 1/5, step 1: the weights became NaN or "
                                                 r"infinite with learning rate lr=1e\+39"):
        fit(model, X, y, epochs=5, batch_size=8, optimizer=SGD(model.parameters(), lr=1e39),
            progress=False)


# -- callbacks ---------------------------------------------------------------------------------


class Recorder(Callback):
    def __init__(self, log, tag=""):
        self.log, self.tag = log, tag

    def on_train_begin(self, state):
        self.log.append(f"{self.tag}train_begin")

    def on_epoch_begin(self, state):
        self.log.append(f"{self.tag}epoch_begin {state.epoch}")

    def on_batch_end(self, state):
        self.log.append(f"{self.tag}batch {state.step}")

    def on_epoch_end(self, state):
        self.log.append(f"{self.tag}epoch_end {state.epoch} {len(state.history.epoch_train_loss)}")

    def on_train_end(self, state):
        self.log.append(f"{self.tag}train_end")


def test_callbacks_are_called_in_order():
    X, y = tiny_data(16)
    model = tiny_model()
    log = []
    fit(model, X, y, epochs=2, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
        callbacks=[Recorder(log, "a:"), Recorder(log, "b:")], progress=False)
    assert log == [
        "a:train_begin", "b:train_begin",
        "a:epoch_begin 0", "b:epoch_begin 0", "a:batch 1", "b:batch 1", "a:batch 2", "b:batch 2",
        "a:epoch_end 0 1", "b:epoch_end 0 1",
        "a:epoch_begin 1", "b:epoch_begin 1", "a:batch 3", "b:batch 3", "a:batch 4", "b:batch 4",
        "a:epoch_end 1 2", "b:epoch_end 1 2",
        "a:train_end", "b:train_end"]


def test_a_callback_can_stop_training():
    class StopAt(Callback):
        def on_batch_end(self, state):
            assert state.steps_per_epoch == 4 and state.epochs == 5
            assert math.isfinite(state.batch_loss) and 0 <= state.batch_acc <= 1
            if state.step == 6:
                state.stop_training = True

    X, y = tiny_data(32)
    model = tiny_model()
    hist = fit(model, X, y, epochs=5, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
               callbacks=[StopAt()], progress=False)
    assert len(hist.step_loss) == 6 and hist.epochs == 2


# -- argument checks ---------------------------------------------------------------------------


def test_fit_argument_errors():
    X, y = tiny_data(16)
    model = tiny_model()
    opt = SGD(model.parameters(), lr=0.1)
    kw = dict(epochs=1, batch_size=8, optimizer=opt, progress=False)
    with pytest.raises(TypeError, match="X must be float32 like the model's weights.*astype"):
        fit(model, X.astype(np.float64), y, **kw)
    with pytest.raises(TypeError, match=r"X must be a float32 or float64 array.*uint8"):
        fit(model, (X * 255).astype(np.uint8), y, **kw)
    with pytest.raises(ValueError, match=r"y must be class indices in \[0, 2\)"):
        fit(model, X, y + 5, **kw)
    with pytest.raises(ValueError, match=r"y must be of shape \(16,\)"):
        fit(model, X, y[:5], **kw)
    with pytest.raises(ValueError, match="conv1 expects 1 input channels"):
        fit(model, np.repeat(X, 3, axis=1), y, **kw)
    with pytest.raises(ValueError, match="X must be finite"):
        fit(model, np.where(X > 1, np.nan, X).astype(np.float32), y, **kw)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit(model, X, y, **{**kw, "epochs": 0})
    with pytest.raises(TypeError, match=r"optimizer must be a cnnlesson.optim optimiser"):
        fit(model, X, y, **{**kw, "optimizer": "adam"})
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be a cnnlesson.train.Callback"):
        fit(model, X, y, callbacks=[print], **kw)
    with pytest.raises(TypeError, match=r"validation must be a pair \(X_val, y_val\)"):
        fit(model, X, y, validation=X, **kw)
    with pytest.raises(TypeError, match="augment must be a callable"):
        fit(model, X, y, augment=2, **kw)


def test_optimizer_of_another_model_is_refused():
    X, y = tiny_data(16)
    model = tiny_model()
    opt = SGD(model.parameters(), lr=0.1)
    m64 = model.astype(np.float64)
    with pytest.raises(ValueError, match=r"optimizer must be built on this model's parameters.*"
                                         r"conv1.weight.*astype"):
        fit(m64, X.astype(np.float64), y, epochs=1, batch_size=8, optimizer=opt, progress=False)


def test_frozen_layer_stays_put():
    X, y = tiny_data(16)
    model = tiny_model()
    before = model["conv1"].weight.data.copy()
    fit(model, X, y, epochs=2, batch_size=8, optimizer=SGD(model["linear1"].parameters(), lr=0.1),
        progress=False)
    assert np.array_equal(model["conv1"].weight.data, before)


# -- schedules ---------------------------------------------------------------------------------


def test_schedule_sets_the_learning_rate_of_every_step():
    X, y = tiny_data(16)
    model = tiny_model()
    sched = cosine_schedule(0.1, 6, warmup=2)
    hist = fit(model, X, y, epochs=3, batch_size=8, optimizer=SGD(model.parameters(), lr=1.0),
               schedule=sched, progress=False)
    assert np.allclose(hist.step_lr, sched.values())
    seen = []
    fit(model, X, y, epochs=2, batch_size=8, optimizer=SGD(model.parameters(), lr=1.0),
        schedule=lambda e, s: seen.append((e, s)) or 0.01, progress=False)
    assert seen == [(0, 0), (0, 1), (1, 2), (1, 3)]


def test_cosine_schedule_values():
    v = cosine_schedule(1.0, 10, warmup=2, lr_min=0.1).values()
    assert np.allclose(v[:3], [0.5, 1.0, 1.0])
    assert np.all(np.diff(v[2:]) < 0) and v[-1] > 0.1
    assert cosine_schedule(1.0, 4)(0, 2) == pytest.approx(0.5)
    assert np.all(cosine_schedule(1.0, 5).values() > 0)


def test_one_cycle_values():
    s = one_cycle(1.0, 100, pct_start=0.3, div_factor=25, final_div_factor=1e4)
    v = s.values()
    assert v[0] == pytest.approx(1 / 25) and v.argmax() == 30 and v.max() == pytest.approx(1)
    assert v[-1] == pytest.approx(1 / 25 / 1e4)
    assert np.all(np.diff(v[:31]) > 0) and np.all(np.diff(v[30:]) < 0)


def test_schedule_errors():
    X, y = tiny_data(16)
    model = tiny_model()
    with pytest.raises(ValueError, match=r"schedule must be built for at least 6 steps \(3 epochs"
                                         r" x 2 steps per epoch\).*total_steps=6"):
        fit(model, X, y, epochs=3, batch_size=8, optimizer=SGD(model.parameters(), lr=1.0),
            schedule=cosine_schedule(0.1, 5), progress=False)
    with pytest.raises(ValueError, match="schedule must be a callable returning a finite "
                                         "learning rate > 0; got float -0.1 at epoch 0, step 0"):
        fit(model, X, y, epochs=1, batch_size=8, optimizer=SGD(model.parameters(), lr=1.0),
            schedule=lambda e, s: -0.1, progress=False)
    with pytest.raises(ValueError, match=r"step must be < total_steps = 5"):
        cosine_schedule(0.1, 5)(0, 5)
    with pytest.raises(ValueError, match="lr_max must be a finite number > 0"):
        one_cycle(0, 10)
    with pytest.raises(ValueError, match=r"warmup must be an int in \[0, total_steps\)"):
        cosine_schedule(0.1, 10, warmup=10)
    with pytest.raises(ValueError, match=r"pct_start must be a fraction in \(0, 1\)"):
        one_cycle(0.1, 10, pct_start=1.5)


# -- augmentation ------------------------------------------------------------------------------


def test_random_shift_moves_each_image_by_at_most_k_pixels():
    rng = np.random.default_rng(0)
    X = rng.random((20, 2, 7, 9)).astype(np.float32)
    out = random_shift(2)(X, np.random.default_rng(1))
    assert out.shape == X.shape and out.dtype == X.dtype
    shifts = set()
    for x, o in zip(X, out, strict=True):
        padded = np.pad(x, ((0, 0), (2, 2), (2, 2)))
        match = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if np.array_equal(o, padded[:, 2 - dy:2 - dy + 7, 2 - dx:2 - dx + 9])]
        assert len(match) == 1
        shifts.add(match[0])
    assert len(shifts) > 5  # images move independently
    again = random_shift(2)(X, np.random.default_rng(1))
    assert np.array_equal(out, again)


def test_random_shift_edge_mode_and_zero_shift():
    X = np.arange(2 * 1 * 4 * 4, dtype=np.float64).reshape(2, 1, 4, 4)
    out = random_shift(1, mode="edge")(X, np.random.default_rng(0))
    assert set(np.unique(out)) <= set(np.unique(X))  # only existing values, no zeros added
    same = random_shift(0)(X, np.random.default_rng(0))
    assert np.array_equal(same, X) and same is not X
    assert repr(random_shift(3)) == "random_shift(max_shift=3, mode='constant')"
    with pytest.raises(ValueError, match="max_shift must be a non-negative int"):
        random_shift(-1)
    with pytest.raises(ValueError, match="mode must be 'constant' or 'edge'"):
        random_shift(1, mode="wrap")


def test_augment_is_applied_and_checked():
    X, y = tiny_data(16)
    model = tiny_model()
    seen = []

    def spy(xb, rng):
        seen.append(xb.shape)
        return xb[:, :, ::-1].copy()

    fit(model, X, y, epochs=1, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
        augment=spy, progress=False)
    assert seen == [(8, 1, 8, 8), (8, 1, 8, 8)]
    with pytest.raises(TypeError, match=r"augment must be a callable returning an array of shape "
                                        r"\(8, 1, 8, 8\) and dtype float32"):
        fit(model, X, y, epochs=1, batch_size=8, optimizer=SGD(model.parameters(), lr=0.1),
            augment=lambda xb, rng: xb[:, :, 1:], progress=False)


# -- evaluation --------------------------------------------------------------------------------


def test_evaluate_matches_a_direct_computation():
    X, y = tiny_data(21)
    model = tiny_model()
    logits = model.forward(X, keep_cache=False)
    loss, _ = F.softmax_cross_entropy(logits, y)
    got = evaluate(model, X, y, batch_size=4)
    assert got[0] == pytest.approx(loss, rel=1e-6)
    assert got[1] == np.mean(logits.argmax(axis=1) == y)


def test_confusion_matrix():
    cm = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert cm.dtype == np.int64
    with pytest.raises(ValueError, match=r"y_pred must be class indices in \[0, 3\)"):
        confusion_matrix(np.array([0, 1]), np.array([0, 3]), 3)
    with pytest.raises(ValueError, match=r"y_pred must be of shape \(2,\)"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 3)


# -- snapshots ---------------------------------------------------------------------------------


def test_snapshots_record_step_zero_every_k_steps_and_the_end():
    X, y = small_seed_data(20)
    model = seed_cnn(in_channels=1, seed=0)
    w0 = model["conv1"].weight.data.copy()
    probe = X[:3]
    snaps = Snapshots(every=2, probe=probe)
    hist = fit(model, X, y, epochs=3, batch_size=8, optimizer=Adam(model.parameters(), lr=1e-2),
               callbacks=[snaps], progress=False)              # 3 steps per epoch, 9 steps
    assert snaps.steps.tolist() == [0, 2, 4, 6, 8, 9]
    assert np.allclose(snaps.epochs, [0, 2 / 3, 4 / 3, 2, 8 / 3, 3])
    first, last = snaps.records[0], snaps.records[-1]
    assert first.loss is None and first.accuracy is None
    assert last.loss == pytest.approx(hist.step_loss[8])  # the batches since step 8
    assert snaps.records[1].loss == pytest.approx(np.mean(hist.step_loss[:2]))
    assert np.array_equal(first.weights["conv1"], w0)
    assert np.array_equal(last.weights["conv3"], model["conv3"].weight.data)
    assert snaps.weights_over_time("conv1").shape == (6, 6, 1, 3, 3)
    maps = snaps.feature_maps_over_time("conv2")
    assert maps.shape == (6, 3, 12, 10, 10)
    assert np.array_equal(maps[-1], model.activations(probe)["conv2"])  # before ReLU
    assert (maps[-1] < 0).any()
    assert sorted(first.weights) == ["conv1", "conv2", "conv3"]
    assert np.isnan(snaps.losses[0]) and np.isfinite(snaps.losses[1:]).all()


def test_snapshot_losses_average_the_batches_since_the_previous_one():
    X, y = small_seed_data(16)
    model = seed_cnn(in_channels=1, seed=0)
    snaps = Snapshots(every=2, layers=["conv1"])
    hist = fit(model, X, y, epochs=2, batch_size=4, optimizer=SGD(model.parameters(), lr=0.01),
               callbacks=[snaps], progress=False)
    assert snaps.records[1].loss == pytest.approx(np.mean(hist.step_loss[0:2]))
    assert snaps.records[2].accuracy == pytest.approx(np.mean(hist.step_acc[2:4]))
    assert list(snaps.records[1].weights) == ["conv1"] and snaps.records[1].feature_maps == {}


def test_snapshots_do_not_change_training():
    X, y = small_seed_data(24)

    def run(callbacks):
        model = seed_cnn(in_channels=1, seed=0)
        fit(model, X, y, epochs=2, batch_size=8, optimizer=Adam(model.parameters(), lr=1e-2),
            callbacks=callbacks, progress=False)
        return model

    a = run([])
    b = run([Snapshots(every=1, probe=X[:2].astype(np.float64))])
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)


def test_snapshots_thin_out_and_stay_bounded():
    X, y = small_seed_data(16)
    model = seed_cnn(in_channels=1, seed=0)
    snaps = Snapshots(every=1, probe=X[:1], max_snapshots=5)
    sizes = []

    class Watch(Callback):
        def on_batch_end(self, state):
            sizes.append(len(snaps.records))

    fit(model, X, y, epochs=5, batch_size=4, optimizer=SGD(model.parameters(), lr=0.01),
        callbacks=[snaps, Watch()], progress=False)               # 20 steps
    assert max(sizes) <= 5 and len(snaps.records) <= 5
    steps = snaps.steps
    assert steps[0] == 0 and steps[-1] == 20
    assert snaps.every == 8
    assert np.all(np.diff(steps[:-1]) == snaps.every)


def test_snapshots_memory_matches_the_documented_bound():
    X = np.random.default_rng(0).random((8, 3, 26, 26)).astype(np.float32)
    y = np.zeros(8, dtype=np.int64)
    model = seed_cnn()
    snaps = Snapshots(every=1, probe=X[:2])
    fit(model, X, y, epochs=1, batch_size=8, optimizer=SGD(model.parameters(), lr=0.01),
        callbacks=[snaps], progress=False)
    assert len(snaps) == 2
    assert snaps.nbytes == 2 * (8424 + 19056 * 2)


def test_second_fit_continues_the_step_count():
    X, y = small_seed_data(8)
    model = seed_cnn(in_channels=1, seed=0)
    snaps = Snapshots(every=2)
    for _ in range(2):
        fit(model, X, y, epochs=1, batch_size=4, optimizer=SGD(model.parameters(), lr=0.01),
            callbacks=[snaps], progress=False)
    assert snaps.steps.tolist() == [0, 2, 4]


def test_snapshots_errors():
    with pytest.raises(ValueError, match="every must be a positive integer"):
        Snapshots(every=0)
    with pytest.raises(ValueError, match="max_snapshots must be at least 2"):
        Snapshots(every=1, max_snapshots=1)
    with pytest.raises(TypeError, match="probe must be a float32 or float64 array"):
        Snapshots(every=1, probe=np.zeros((1, 1, 26, 26), np.uint8))
    snaps = Snapshots(every=1, layers=["relu1"])
    X, y = small_seed_data(4)
    model = seed_cnn(in_channels=1)
    with pytest.raises(ValueError, match=r"layers must be names of conv layers of the model "
                                         r"\['conv1', 'conv2', 'conv3'\]; got 'relu1'"):
        fit(model, X, y, epochs=1, batch_size=4, optimizer=SGD(model.parameters(), lr=0.01),
            callbacks=[snaps], progress=False)
    with pytest.raises(ValueError, match="no snapshots recorded yet"):
        Snapshots(every=1).weights_over_time("conv1")


# -- the digits recipe -------------------------------------------------------------------------


def test_digits_recipe_is_well_formed():
    recipe = digits_recipe()
    assert recipe["epochs"] * math.ceil(4000 / recipe["batch_size"]) > 0
    assert set(recipe) >= {"epochs", "batch_size", "lr", "weight_decay", "max_shift"}
