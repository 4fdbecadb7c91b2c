"""Exercise checkers for notebook 05_classifier: the softmax cross-entropy gradient and two
CS231n-style sanity checks of a training setup.

* :func:`softmax_ce_grad`: Exercise 5.2, ``my_softmax_ce_grad(logits, y)``, dL/dz derived and
  coded.
* :func:`initial_loss`: Exercise 5.4, the loss of the untrained network (near ln 10) and of a
  network that gives every class the same score (exactly ln 10).
* :func:`overfit_small`: Exercise 5.6, a network trained to 100% on 50 training digits.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..functional import softmax_cross_entropy
from ._core import _describe, _short, call, exercise, expect_array, expect_number
from .nb05_classifier import _xent_cases

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "05_classifier"

__all__ = ["softmax_ce_grad", "initial_loss", "overfit_small", "INITIAL_LOSS_SETUP",
           "OVERFIT_SIZE"]

LN10 = math.log(10.0)


# ---------------------------------------------------------------------------
# Exercise 5.2: dL/dz of softmax cross-entropy
# ---------------------------------------------------------------------------

def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _diagnose_grad(d, logits, y, want) -> str:
    n, k = logits.shape
    z = logits.astype(np.float64)
    p = _softmax(z)
    onehot = np.eye(k)[y]
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    candidates = (
        ((p - onehot), "It is N times too large: the loss is the MEAN over the N examples, so "
                       "each row's gradient is divided by N."),
        (p / n, "The one-hot part is missing: at the true class the derivative of -z_y adds "
                "-1, so dL/dz = (p - one_hot(y)) / N."),
        (p, "Two things are missing: the -1 at the true class (p - one_hot(y)) and the division "
            "by N (the loss is a mean)."),
        ((log_p - onehot) / n, "You used the log-probabilities (log-softmax); the derivative "
                               "uses the probabilities themselves: p = softmax(z)."),
        ((onehot - p) / n, "The sign is flipped: it is p - one_hot(y), because L = -log p_y "
                           "decreases when z_y grows."),
        (-onehot / n, "Only the -1 at the true class is there; the softmax part p is "
                      "missing: every class k gets p_k, and the true class p_y - 1."),
        ((p - onehot) / k, "You divided by the number of classes K; the loss is a mean over "
                           "the N examples, so divide by N."),
    )
    for candidate, hint in candidates:
        if d.shape == candidate.shape and np.allclose(d, candidate, rtol=1e-4, atol=1e-6):
            return hint
    del want
    return "dL/dz = (softmax(z) - one_hot(y)) / N, row by row."


@exercise("Exercise 5.2: the gradient of softmax cross-entropy")
def softmax_ce_grad(my_softmax_ce_grad):
    """Check ``my_softmax_ce_grad(logits, y) -> dL/dlogits`` against the package.

    Compared with the gradient of :func:`cnnlesson.functional.softmax_cross_entropy` on small
    batches, one example, huge logits (which need the max subtraction) and float32 logits.

    Parameters
    ----------
    my_softmax_ce_grad : callable
        ``(logits (N, K), y (N,) int) -> (N, K)``, ``(softmax(logits) - one_hot(y)) / N``.

    Introduced in notebook 05_classifier.
    """
    cases = _xent_cases()
    for what, logits, y in cases:
        _, want = softmax_cross_entropy(logits.copy(), y)
        given = logits.copy()
        with np.errstate(all="ignore"):
            out = call(my_softmax_ce_grad, given, y.copy())
        if not np.array_equal(given, logits):
            raise AssertionError("my_softmax_ce_grad changed the logits array in place; "
                                 "compute into new arrays (z = logits - ..., not "
                                 "logits -= ...).")
        d = expect_array(out, "my_softmax_ce_grad's result")
        if d.shape != want.shape:
            hint = (" (one number per example: keep all K classes)" if d.shape == (len(y),)
                    else "")
            raise AssertionError(f"for {what} the gradient has shape {d.shape}; it should have "
                                 f"the shape of the logits, {want.shape}{hint}.")
        if not np.all(np.isfinite(d)):
            raise AssertionError(f"for {what} the gradient contains NaN or inf: exp overflows "
                                 "for large logits. Subtract each row's maximum before exp; "
                                 "the probabilities do not change.")
        if not np.allclose(d, want, rtol=1e-4, atol=1e-6):
            raise AssertionError(f"for {what} the gradient is not right. "
                                 f"{_diagnose_grad(d, logits, y, want)}")
    return (f"(p - one_hot(y)) / N on {len(cases)} batches, large logits included: each row "
            "sums to 0, so raising every logit together changes nothing")


# ---------------------------------------------------------------------------
# Exercise 5.4: the loss before training
# ---------------------------------------------------------------------------

#: The fixed setup of Exercise 5.4.
INITIAL_LOSS_SETUP = {"model": "seed_cnn(in_channels=1, seed=0)",
                      "data": "the first 500 training digits of load_digits()"}


@functools.lru_cache(maxsize=2)
def _initial_loss_on(count: int) -> float:
    """The untrained seed-0 network's mean loss on the first ``count`` training digits."""
    from ..datasets import load_digits
    from ..model import seed_cnn

    (x, y), _ = load_digits()
    model = seed_cnn(in_channels=1, seed=0)
    loss, _ = softmax_cross_entropy(model.forward(x[:count], keep_cache=False), y[:count])
    return float(loss)


@exercise("Exercise 5.4: the loss before training")
def initial_loss(loss, uniform_loss):
    """Check the untrained network's loss and the loss of a network that knows nothing.

    ``loss`` is the mean cross-entropy of ``seed_cnn(in_channels=1, seed=0)``, untrained, on the
    first 500 training digits (about 2.93); ``uniform_loss`` the loss when every class gets the
    same score, so probability 1/10: exactly ln 10 (about 2.303).

    Parameters
    ----------
    loss : float
        The learner's measured loss.
    uniform_loss : float
        The learner's value for equal scores.

    Introduced in notebook 05_classifier.
    """
    measured = _initial_loss_on(500)
    value = expect_number(loss, "loss")
    if not math.isclose(value, measured, rel_tol=2e-4):
        if math.isclose(value, LN10, rel_tol=2e-3):
            hint = ("that is ln 10, the loss of a network that gives every class 1/10. Measure "
                    "the untrained network's actual loss: its random scores are not all equal.")
        elif math.isclose(value, 500 * measured, rel_tol=2e-4):
            hint = "that is the sum over the 500 digits; the loss is their mean."
        elif math.isclose(value, measured / math.log(2), rel_tol=2e-4):
            hint = "that uses log base 2; the loss uses the natural log (np.log)."
        elif math.isclose(value, measured / LN10, rel_tol=2e-4):
            hint = "that uses log base 10; the loss uses the natural log (np.log)."
        elif math.isclose(value, _initial_loss_on(4000), rel_tol=2e-4):
            hint = "that is the loss on all 4,000 training digits; use the first 500."
        elif value < 1.0:
            hint = ("that is far below ln 10: was the network already trained? Use a fresh "
                    "seed_cnn(in_channels=1, seed=0).")
        else:
            hint = (f"measure it with {INITIAL_LOSS_SETUP['model']} on "
                    f"{INITIAL_LOSS_SETUP['data']}: softmax_cross_entropy(model.forward(X), y).")
        raise AssertionError(f"loss is {value:.4g}, but the untrained network's loss is about "
                             f"{measured:.2f}: {hint}")
    uniform = expect_number(uniform_loss, "uniform_loss")
    if not math.isclose(uniform, LN10, abs_tol=1e-3):
        hint = {
            1.0: "that is log10(10); the loss uses the natural log: -ln(1/10) = ln 10.",
            round(math.log2(10), 2): "that is log2(10); the loss uses the natural log.",
            0.1: "0.1 is the probability of the true class; the loss is -ln(0.1).",
            round(-LN10, 2): "the loss is MINUS the log-probability: -ln(1/10) = +ln 10.",
            10.0: "with 10 equal scores each probability is 1/10, and the loss -ln(1/10).",
        }.get(round(uniform, 2), "with equal scores softmax gives every class 1/10, and the "
                                 "loss is -ln(1/10).")
        raise AssertionError(f"uniform_loss is {uniform:.4g}, which is not right: {hint}")
    return (f"the untrained network starts at {measured:.2f}, near ln 10 = {LN10:.3f} (every "
            "class about 1/10); it is a bit higher because its random scores are not all "
            "equal, so some wrong classes get more than 1/10. A first loss far from ln 10 "
            "points to a bug")


# ---------------------------------------------------------------------------
# Exercise 5.6: overfit 50 digits
# ---------------------------------------------------------------------------

#: How many training images Exercise 5.6 overfits.
OVERFIT_SIZE = 50

#: A recipe that reaches 100% on the first 50 training digits in about half a second.
_RECIPE = "plain SGD with lr=0.1 for 40 epochs of batches of 10"


def _relative_change(model) -> float | None:
    """``||w - w0|| / ||w0||`` against a fresh seed-0 network, or None for another design."""
    from ..model import seed_cnn

    try:
        start = seed_cnn(in_channels=1, seed=0).parameters()
        params = model.parameters()
        if len(start) != len(params) or any(np.shape(a.data) != np.shape(b.data)
                                            for a, b in zip(start, params, strict=True)):
            return None
        w0 = np.concatenate([p.data.ravel() for p in start]).astype(np.float64)
        w = np.concatenate([np.asarray(p.data).ravel() for p in params]).astype(np.float64)
    except Exception:  # noqa: BLE001 - an unusual model: no weight-change hint
        return None
    return float(np.linalg.norm(w - w0) / np.linalg.norm(w0))


@exercise("Exercise 5.6: overfit 50 digits")
def overfit_small(model, X, y):
    """Check that ``model`` classifies all 50 given training images correctly.

    A network that cannot reach 100% on 50 images has a bug or a bad learning rate (the
    CS231n sanity check). The hint tells a learning rate that is too small (the weights hardly
    moved from ``seed_cnn(in_channels=1, seed=0)``'s), too large (they moved a lot but the loss
    stayed high, or became NaN) or too few epochs. One forward pass: well under a second.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
        The learner's trained network.
    X : numpy.ndarray, shape (50, C, H, W)
        The 50 training images it was trained on.
    y : numpy.ndarray of int, shape (50,)
        Their labels.

    Introduced in notebook 05_classifier.
    """
    from ..model import Sequential

    if not isinstance(model, Sequential):
        raise AssertionError(f"model should be your trained network (a Sequential, e.g. "
                             f"seed_cnn(in_channels=1, seed=0) after fit); got "
                             f"{_describe(model)}.")
    x = expect_array(X, "X", ndim=4, finite=True)
    if x.shape[0] != OVERFIT_SIZE:
        raise AssertionError(f"X should hold the {OVERFIT_SIZE} training images, shape "
                             f"({OVERFIT_SIZE}, 1, 26, 26); it has shape {x.shape}.")
    labels = expect_array(y, "y", ndim=1, finite=True)
    if labels.shape != (OVERFIT_SIZE,) or not np.all(labels == np.round(labels)) \
            or np.any(labels < 0):
        raise AssertionError(f"y should hold the {OVERFIT_SIZE} labels, whole numbers 0-9, shape "
                             f"({OVERFIT_SIZE},); got {_describe(np.asarray(labels))}.")
    labels = labels.astype(np.int64)
    if len(np.unique(labels)) < 2:
        raise AssertionError("y holds a single class; overfit 50 digits of several classes, "
                             "e.g. X_train[:50], y_train[:50].")
    diverged = ("the model outputs NaN or inf: training diverged because the learning rate is "
                f"too large. Start from a fresh network with a smaller lr ({_RECIPE} works).")
    if not all(np.all(np.isfinite(np.asarray(p.data, dtype=float)))
               for p in model.parameters()):
        raise AssertionError(diverged)
    dtype = model.dtype or np.float32
    try:
        with np.errstate(all="ignore"):
            logits = np.asarray(model.forward(x.astype(dtype), keep_cache=False), dtype=float)
    except Exception as err:  # noqa: BLE001 - the model does not fit these images
        raise AssertionError(f"the model could not process X of shape {x.shape} "
                             f"({type(err).__name__}: {_short(str(err))}); pass the network "
                             "and the images it was trained on.") from None
    if logits.ndim != 2 or logits.shape[0] != OVERFIT_SIZE or logits.shape[1] <= labels.max():
        raise AssertionError(f"the model's output has shape {logits.shape}; it should give "
                             f"one score per class, ({OVERFIT_SIZE}, 10).")
    if not np.all(np.isfinite(logits)):
        raise AssertionError(diverged)
    loss, _ = softmax_cross_entropy(logits, labels)
    right = int(np.sum(np.argmax(logits, axis=1) == labels))
    if right == OVERFIT_SIZE:
        return (f"all {OVERFIT_SIZE} training digits right: the network and the training loop "
                "can learn; memorising is not generalising, though")
    change = _relative_change(model)
    seen = f"{right} of {OVERFIT_SIZE} right, loss {loss:.3g}"
    if change is not None and change < 0.15:
        hint = (f"the weights moved only {change:.0%} from where they started: the learning "
                "rate is too small or there were too few epochs (did you train at all?). "
                f"Try {_RECIPE}.")
    elif change is not None and change > 1.5 and loss > 1.0:
        hint = (f"the weights moved a lot ({change:.0%}) but the loss stayed high: the "
                "learning rate is too large, each step overshoots. Start again from a fresh "
                f"network with a smaller lr ({_RECIPE}).")
    elif loss > 1.5:
        hint = ("the loss is still high: use a larger learning rate or more epochs ("
                f"{_RECIPE} is enough), and train on exactly these images.")
    else:
        hint = ("almost there: train for more epochs; on 50 images the network can get every "
                "one right.")
    raise AssertionError(f"{seen}: {hint}")
