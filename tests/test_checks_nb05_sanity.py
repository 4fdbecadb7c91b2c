"""Exercises 5.2, 5.4 and 5.6 of notebook 05: the softmax cross-entropy gradient, the loss
before training (near ln 10) and overfitting 50 digits."""

import math

import numpy as np
import pytest
from check_helpers import errors, fails, run_quietly

from cnnlesson import checks, functional, optim, train
from cnnlesson.checks.nb05_sanity import _initial_loss_on
from cnnlesson.datasets import load_digits
from cnnlesson.layers import Conv2d, Flatten, Linear, ReLU
from cnnlesson.model import Sequential, seed_cnn

# ---------------------------------------------------------------------------
# Exercise 5.2
# ---------------------------------------------------------------------------


def my_softmax_ce_grad(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def _onehot(y, k):
    return np.eye(k)[y]


def _p(z):
    z = z - z.max(axis=1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize("fn", [
    my_softmax_ce_grad,
    lambda z, y: functional.softmax_cross_entropy(z, y)[1],
    lambda z, y: (_p(z) - _onehot(y, z.shape[1])) / z.shape[0],
    lambda z, y: my_softmax_ce_grad(z, y).tolist(),
    lambda z, y: my_softmax_ce_grad(z.astype(np.float64), y).astype(np.float32),
])
def test_every_right_gradient_passes(fn):
    result, out, records = run_quietly(checks.softmax_ce_grad, fn)
    assert result.passed, out
    assert records[0]["id"] == "5.2" and records[0]["notebook"] == "05_classifier"


def _naive(z, y):
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return (p - _onehot(y, z.shape[1])) / len(y)


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("fn, hint", [
    (lambda z, y: my_softmax_ce_grad(z, y) * len(y), "N times too large"),
    (lambda z, y: _p(z) / len(y), "one-hot part is missing"),
    (lambda z, y: _p(z), "Two things are missing"),
    (lambda z, y: (_log_softmax(z) - _onehot(y, z.shape[1])) / len(y), "log-softmax"),
    (lambda z, y: -my_softmax_ce_grad(z, y), "sign is flipped"),
    (lambda z, y: -_onehot(y, z.shape[1]) / len(y), "softmax part p is"),
    (lambda z, y: (_p(z) - _onehot(y, z.shape[1])) / z.shape[1], "number of classes K"),
    (_naive, "NaN or inf.*Subtract each row's maximum"),
    (lambda z, y: my_softmax_ce_grad(z, y).sum(axis=1), "keep all K classes"),
    (lambda z, y: my_softmax_ce_grad(z, y) + 0.01, r"\(softmax\(z\) - one_hot\(y\)\) / N"),
    (lambda z, y: None, "None"),
    (lambda z, y: (1.0, my_softmax_ce_grad(z, y)), "ragged|shape"),
])
def test_gradient_slips_get_their_hint(fn, hint):
    with fails(hint):
        checks.softmax_ce_grad(fn)


def test_gradient_in_place_error_and_stub():
    def in_place(z, y):
        z -= z.max(axis=1, keepdims=True)
        return my_softmax_ce_grad(z, y)

    with fails("changed the logits array in place"):
        checks.softmax_ce_grad(in_place)
    with errors("KeyError"):
        checks.softmax_ce_grad(lambda z, y: {}["p"])
    result, out, _ = run_quietly(checks.softmax_ce_grad, ...)
    assert result.status == "not_attempted"

# ---------------------------------------------------------------------------
# Exercise 5.4
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = load_digits()
    return x, y


@pytest.fixture(scope="module")
def measured(digits):
    x, y = digits
    model = seed_cnn(in_channels=1, seed=0)
    loss, _ = functional.softmax_cross_entropy(model.forward(x[:500]), y[:500])
    return loss


def test_the_measured_loss_is_near_but_above_ln_10(measured):
    assert math.isclose(measured, _initial_loss_on(500), rel_tol=1e-6)
    assert math.log(10) < measured < 3.2


@pytest.mark.parametrize("form", [float, np.float32, np.float64, np.array, lambda v: [v],
                                  lambda v: round(v, 4)])
def test_every_right_initial_loss_passes(measured, form):
    for uniform in (math.log(10), np.log(np.float32(10)), 2.303, np.array(2.3026)):
        result, out, records = run_quietly(checks.initial_loss, form(measured), uniform)
        assert result.passed, out
        assert "near ln 10 = 2.303" in out and records[0]["id"] == "5.4"


@pytest.mark.parametrize("loss, uniform, hint", [
    ("ln10", "ln10", "that is ln 10, the loss of a network that gives every class 1/10"),
    (2.303, "ln10", "that is ln 10"),
    ("sum", "ln10", "sum over the 500 digits"),
    ("log2", "ln10", "log base 2"),
    ("log10", "ln10", "log base 10"),
    ("all", "ln10", "all 4,000 training digits"),
    (0.05, "ln10", "already trained"),
    (5.0, "ln10", r"softmax_cross_entropy\(model.forward\(X\), y\)"),
    ("ok", 1.0, "log10"),
    ("ok", math.log2(10), "log2"),
    ("ok", 0.1, "probability of the true class"),
    ("ok", -math.log(10), "MINUS"),
    ("ok", 10, "1/10"),
    ("ok", 2.0, "-ln\\(1/10\\)"),
    ("ok", "2.303", "without quotes"),
    ("2.93", "ln10", "without quotes"),
    (None, "ln10", "None"),
    (math.nan, "ln10", "finite"),
])
def test_initial_loss_slips_get_their_hint(measured, loss, uniform, hint):
    values = {"ln10": math.log(10), "ok": measured, "sum": 500 * measured,
              "log2": measured / math.log(2), "log10": measured / math.log(10),
              "all": _initial_loss_on(4000)}
    loss = values.get(loss, loss) if isinstance(loss, str) and loss in values else loss
    uniform = values.get(uniform, uniform) if isinstance(uniform, str) and uniform in values \
        else uniform
    with fails(hint):
        checks.initial_loss(loss, uniform)


def test_initial_loss_not_attempted(measured):
    result, out, _ = run_quietly(checks.initial_loss, measured, ...)
    assert result.status == "not_attempted" and "`uniform_loss` is still `...`" in out

# ---------------------------------------------------------------------------
# Exercise 5.6
# ---------------------------------------------------------------------------


def _trained(x, y, opt, lr, epochs):
    model = seed_cnn(in_channels=1, seed=0)
    with np.errstate(all="ignore"):
        train.fit(model, x, y, epochs=epochs, batch_size=10,
                  optimizer=opt(model.parameters(), lr=lr), progress=False)
    return model


@pytest.fixture(scope="module")
def overfit(digits):
    x, y = digits
    return _trained(x[:50], y[:50], optim.Adam, 0.01, 20)


def test_the_notebook_recipe_overfits_fast(digits):
    import time

    x, y = digits
    start = time.perf_counter()
    model = _trained(x[:50], y[:50], optim.Adam, 0.01, 20)
    result, out, _ = run_quietly(checks.overfit_small, model, x[:50], y[:50])
    assert result.passed, out
    assert time.perf_counter() - start < 5.0  # even on a loaded machine


def test_every_right_form_passes(overfit, digits):
    x, y = digits
    for args in [(overfit, x[:50], y[:50]), (overfit, x[:50].astype(np.float64), y[:50].tolist()),
                 (overfit, x[:50].tolist(), y[:50].astype(np.int32)),
                 (overfit.astype(np.float64), x[:50], y[:50].astype(float))]:
        result, out, records = run_quietly(checks.overfit_small, *args)
        assert result.passed, out
        assert "all 50 training digits right" in out and records[0]["id"] == "5.6"


def test_the_model_is_not_changed_by_the_check(overfit, digits):
    x, y = digits
    before = [p.data.copy() for p in overfit.parameters()]
    run_quietly(checks.overfit_small, overfit, x[:50], y[:50])
    assert all(np.array_equal(a, p.data) for a, p in zip(before, overfit.parameters(),
                                                          strict=True))


@pytest.mark.parametrize("setup, hint", [
    ("untrained", "moved only 0%.*too small"),
    ("lr too small", "too small or there were too few epochs"),
    ("lr too large", "learning rate is too large"),
    ("few epochs", "train for more epochs"),
    ("other images", "the loss is still high"),
    ("nan", "NaN or inf.*too large"),
    ("other design", "the loss is still high"),
])
def test_overfit_failures_say_why(digits, setup, hint):
    x, y = digits
    x50, y50 = x[:50], y[:50]
    if setup == "untrained":
        model = seed_cnn(in_channels=1, seed=0)
    elif setup == "lr too small":
        model = _trained(x50, y50, optim.SGD, 0.001, 10)
    elif setup == "lr too large":
        model = _trained(x50, y50, optim.SGD, 2.0, 10)
    elif setup == "few epochs":
        model = _trained(x50, y50, optim.Adam, 0.01, 3)
    elif setup == "other images":
        model = _trained(x[100:150], y[100:150], optim.Adam, 0.01, 20)
    elif setup == "nan":
        model = seed_cnn(in_channels=1, seed=0)
        model.parameters()[0].data[...] = np.nan
    else:
        model = Sequential(Conv2d(1, 2, 3, seed=0), ReLU(), Flatten(), Linear(2 * 24 * 24, 10,
                                                                              seed=0))
    with fails(hint):
        checks.overfit_small(model, x50, y50)


@pytest.mark.parametrize("args, hint", [
    (("model", "X", "y"), "should be your trained network"),
    ((None, "X", "y"), "should be your trained network"),
    (("net", np.zeros((49, 1, 26, 26)), "y"), r"shape \(50, 1, 26, 26\)"),
    (("net", np.zeros((50, 26, 26)), "y"), "4-D"),
    (("net", "X", np.zeros(49, dtype=int)), "50 labels"),
    (("net", "X", np.full(50, 1.5)), "whole numbers"),
    (("net", "X", -np.ones(50, dtype=int)), "whole numbers 0-9"),
    (("net", "X", np.ones(50, dtype=int)), "single class"),
    (("net", np.zeros((50, 3, 26, 26)), "y"), "could not process X"),
    (("net", "X", np.arange(50)), r"one score per class"),
    (("net", "X", np.array(["1"] * 50)), "strings"),
])
def test_overfit_bad_inputs_fail_with_a_hint(overfit, digits, args, hint):
    x, y = digits
    real = {"net": overfit, "X": x[:50], "y": y[:50]}
    args = [real.get(a, a) if isinstance(a, str) and a in real else a for a in args]
    with fails(hint):
        checks.overfit_small(*args)
