"""Exercise checkers for notebook 05_classifier.

* :func:`network_shapes`: Exercise 5.1, the output shape of every layer of the course's network
  and the parameter count of every layer that learns.
* :func:`softmax_xent`: Exercise 5.3, ``my_softmax_cross_entropy(logits, y)`` with its gradient.
* :func:`learning_rates`: Exercise 5.5, three learning rates that are too low, good and too high,
  verified by :func:`learning_rate_trial`, a tiny deterministic training run.
* :func:`confused_pair`: Exercise 5.7, ``most_confused_pair(cm)`` on several confusion matrices.
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings

import numpy as np

from ..functional import softmax_cross_entropy
from ._core import (
    NotAttempted,
    _describe,
    _short,
    _type_hint,
    call,
    exercise,
    expect_array,
    expect_int,
    expect_int_tuple,
    expect_number,
)
from .lr_trial import LR_TRIAL_SETUP, LRTrial, learning_rate_trial

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "05_classifier"

__all__ = [
    "network_shapes",
    "softmax_xent",
    "LRTrial",
    "LR_TRIAL_SETUP",
    "learning_rate_trial",
    "learning_rates",
    "confused_pair",
]


# ---------------------------------------------------------------------------
# Exercise 5.1
# ---------------------------------------------------------------------------

#: The layers whose output shape Exercise 5.1 asks for (the ReLUs keep the shape).
SHAPE_LAYERS = ("conv1", "pool1", "conv2", "pool2", "conv3", "flatten1", "linear1")
#: The layers with parameters, in the order of Exercise 5.1's ``n_params``.
PARAM_LAYERS = ("conv1", "conv2", "conv3", "linear1")


@functools.lru_cache(maxsize=1)
def _article_network():
    """Shapes (C, H, W) of SHAPE_LAYERS and parameter details of the 26x26x3 network."""
    from ..layers import Conv2d, Linear
    from ..model import seed_cnn

    model = seed_cnn(in_channels=3, num_classes=10, seed=0)
    shapes = dict(model.output_shapes((3, 26, 26)))
    counts, parts = {}, {}
    for name in PARAM_LAYERS:
        layer = model[name]
        counts[name] = sum(p.size for p in layer.parameters())
        if isinstance(layer, Conv2d):
            f, c, kh, kw = layer.weight.shape
            parts[name] = {"filters": f, "in": c, "k": kh * kw}
        else:
            assert isinstance(layer, Linear)
            d, m = layer.weight.shape
            parts[name] = {"filters": m, "in": d, "k": 1}
    return tuple(shapes[n] for n in SHAPE_LAYERS), counts, parts


def _as_shape(value, name):
    if value is Ellipsis:
        raise NotAttempted("`shapes` still contains `...`")
    scalar = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 \
        and value.dtype.kind in "iu" else value
    if isinstance(scalar, numbers.Integral) and not isinstance(scalar, (bool, np.bool_)):
        return (int(scalar),)
    return expect_int_tuple(value, f"the shape of {name}", example="(6, 24, 24)")


def _as_list(value, what, example):
    """A list, tuple or 1-D array as a list; anything else fails with a hint."""
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return list(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    raise AssertionError(f"{what} should be a list such as {example}; got "
                         f"{_describe(value)}.")


def _shape_hint(name, got, want, prev):
    """Explain a wrong shape for layer ``name``; ``prev`` is the (right) input shape."""
    if len(want) == 3 and len(got) == 3 and got == (want[1], want[2], want[0]):
        return (f"{got} looks like height x width x channels. The code uses channels first, "
                f"(C, H, W) as in NCHW, so write {want}.")
    if len(got) != len(want):
        if len(want) == 1:
            return (f"{name} outputs a vector, a shape with one number such as "
                    f"({want[0]},).")
        return f"{name} outputs a stack of feature maps: give (channels, height, width)."
    if name.startswith("conv"):
        c_in, n_in = prev[0], prev[1]
        if got[1:] == (n_in, n_in):
            return (f"a 3x3 conv without padding cannot centre its window on the border pixels, "
                    f"so the maps shrink: {n_in} - 3 + 1 = {want[1]}.")
        if got[1:] != want[1:]:
            return (f"count the window positions: a 3x3 window fits n - k + 1 = "
                    f"{n_in} - 3 + 1 = {want[1]} times across {n_in} pixels.")
        if got[0] == c_in * want[0]:
            return (f"each filter sums over all {c_in} input channels and gives ONE map, so "
                    f"there are as many output channels as filters ({want[0]}).")
        return f"the number of output channels is the number of filters, {want[0]}."
    if name.startswith("pool"):
        n_in = prev[1]
        if got[0] != want[0]:
            return ("pooling works on each channel separately, so the number of channels "
                    "does not change.")
        if got[1] == n_in - 1:
            return ("2x2 max pooling moves its window 2 pixels at a time (stride 2), so the "
                    f"windows do not overlap and the size is halved: {n_in} / 2 = {want[1]}.")
        return f"2x2 pooling with stride 2 halves the height and width: {n_in} / 2 = {want[1]}."
    if name.startswith("flatten"):
        return (f"flatten lines up every value of the last maps, channels x height x width = "
                f"{prev[0]} x {prev[1]} x {prev[2]} = {want[0]}.")
    return f"the last layer has one output (logit) per class, {want[0]} of them."


def _param_hint(name, got, want, parts):
    f, c, k = parts["filters"], parts["in"], parts["k"]
    if name.startswith("linear"):
        if got == c * f:
            return f"it looks like the {f} biases are missing: one per output, {c} x {f} + {f}."
        return (f"a linear layer has one weight per (input, output) pair plus one bias per "
                f"output: {c} x {f} + {f}.")
    if got == f * c * k:
        return (f"it looks like the biases are missing: each of the {f} filters has one bias, "
                f"so add {f}.")
    if got in (f * k + f, f * k):
        return (f"each filter has a 3x3 kernel for EVERY one of its {c} input channels, so it "
                f"has {c} x 3 x 3 = {c * k} weights (and one bias).")
    return (f"{name} has {f} filters of shape {c}x3x3 (one 3x3 kernel per input channel) and "
            "one bias per filter; the weights are shared by every position, so the image size "
            "does not enter.")


@exercise("Exercise 5.1: shapes and parameters of every layer")
def network_shapes(shapes, n_params):
    """Check the predicted output shapes and parameter counts of the 26x26x3 network.

    Parameters
    ----------
    shapes : sequence of tuple of int
        Seven shapes without the batch axis, channels first: the outputs of conv1, pool1,
        conv2, pool2, conv3, flatten1, linear1 (the ReLUs keep the shape and are left out).
    n_params : sequence of int or dict
        Parameter counts of conv1, conv2, conv3, linear1 (a list in that order or a dict
        keyed by those names).

    Introduced in notebook 05_classifier.
    """
    want_shapes, want_counts, parts = _article_network()
    hint = _type_hint(shapes, "shapes", f"a list of {len(SHAPE_LAYERS)} shapes")
    if hint:
        raise AssertionError(hint)
    if not isinstance(shapes, (list, tuple, np.ndarray)) or (isinstance(shapes, np.ndarray)
                                                              and shapes.ndim == 0):
        raise AssertionError(f"shapes should be a list of {len(SHAPE_LAYERS)} shapes; got "
                             f"{type(shapes).__name__}.")
    shapes = _as_list(shapes, "shapes", "[(6, 24, 24), ...]")
    if len(shapes) == len(SHAPE_LAYERS) + 3:
        raise AssertionError(f"shapes has {len(shapes)} entries; leave out the three ReLUs "
                             f"(they keep the shape) and list {', '.join(SHAPE_LAYERS)}.")
    if len(shapes) != len(SHAPE_LAYERS):
        raise AssertionError(f"shapes should have {len(SHAPE_LAYERS)} entries, one for each of "
                             f"{', '.join(SHAPE_LAYERS)}; it has {len(shapes)}.")
    prev = (3, 26, 26)
    for name, got, want in zip(SHAPE_LAYERS, shapes, want_shapes, strict=True):
        got = _as_shape(got, name)
        if got != want:
            raise AssertionError(f"the output of {name} is not {got}. "
                                 + _shape_hint(name, got, want, prev))
        prev = want
    if isinstance(n_params, dict):
        missing = [n for n in PARAM_LAYERS if n not in n_params]
        if missing:
            raise AssertionError(f"n_params has no entry for {', '.join(missing)}.")
        counts = [n_params[n] for n in PARAM_LAYERS]
    elif isinstance(n_params, (list, tuple)) or (isinstance(n_params, np.ndarray)
                                                 and n_params.ndim == 1):
        if len(n_params) != len(PARAM_LAYERS):
            raise AssertionError(f"n_params should have {len(PARAM_LAYERS)} numbers, for "
                                 f"{', '.join(PARAM_LAYERS)} (ReLU, pooling and flatten have "
                                 f"no parameters); it has {len(n_params)}.")
        counts = list(n_params)
    else:
        raise AssertionError(f"n_params should be a list of {len(PARAM_LAYERS)} numbers; got "
                             f"{_describe(n_params)}.")
    for name, got in zip(PARAM_LAYERS, counts, strict=True):
        if got is Ellipsis:
            raise NotAttempted("`n_params` still contains `...`")
        got = expect_int(got, f"the parameter count of {name}")
        if got != want_counts[name]:
            raise AssertionError(f"{name} does not have {_short(got)} parameters. "
                                 + _param_hint(name, got, want_counts[name], parts[name]))
    total = sum(want_counts.values())
    return f"all 7 shapes and 4 parameter counts right ({total:,} parameters in all)"


# ---------------------------------------------------------------------------
# Exercise 5.2
# ---------------------------------------------------------------------------

def _xent_cases():
    rng = np.random.default_rng(5)
    cases = [
        ("a batch of 4 examples, 10 classes", rng.normal(size=(4, 10)),
         np.array([3, 0, 9, 3])),
        ("one example, 3 classes", np.array([[2.0, -1.0, 0.5]]), np.array([2])),
        ("a batch of 6 examples, 5 classes", rng.normal(scale=3.0, size=(6, 5)),
         rng.integers(0, 5, size=6)),
        ("large logits (around 1000)", np.array([[1000.0, 1001.0, 999.0],
                                                 [1002.0, 1000.0, 1000.5]]),
         np.array([1, 0])),
        ("very negative logits (around -1000)", np.array([[-1000.0, -1003.0, -999.0]]),
         np.array([1])),
        ("rows on very different scales", np.array([[800.0, 801.0, 799.0],
                                                    [0.5, -0.5, 0.0]]),
         np.array([2, 1])),
        ("float32 logits", rng.normal(size=(3, 4)).astype(np.float32), np.array([0, 3, 1])),
    ]
    return cases


def _call_quietly(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return call(fn, *args)


@exercise("Exercise 5.3: softmax cross-entropy")
def softmax_xent(my_softmax_cross_entropy):
    """Check ``my_softmax_cross_entropy(logits, y) -> (loss, dlogits)``.

    Compared with :func:`cnnlesson.functional.softmax_cross_entropy` on small batches,
    huge positive and negative logits (which overflow without the max subtraction) and
    rows of very different scales (which need each row's own maximum).

    Parameters
    ----------
    my_softmax_cross_entropy : callable
        ``(logits (N, K), y (N,) int) -> (loss: float, dlogits (N, K))``; the loss is the
        batch mean of ``-log p(true class)`` and ``dlogits = (p - one_hot(y)) / N``.

    Introduced in notebook 05_classifier.
    """
    for what, logits, y in _xent_cases():
        want_loss, want_d = softmax_cross_entropy(logits.copy(), y)
        given = logits.copy()
        out = _call_quietly(my_softmax_cross_entropy, given, y.copy())
        if out is None:
            raise AssertionError("your function returned None; did you forget the `return`?")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise AssertionError("your function should return two things, `loss, dlogits`; it "
                                 f"returned {type(out).__name__}.")
        if not np.array_equal(given, logits):
            raise AssertionError("your function changed the logits array in place; compute "
                                 "into new arrays (e.g. z = logits - ..., not logits -= ...).")
        loss, d_raw = out
        if isinstance(loss, np.ndarray) and loss.size != 1:
            raise AssertionError(f"the loss should be one number; for {what} it is "
                                 f"{np.shape(loss)!r}. Hint: take the mean over the batch.")
        if isinstance(loss, (float, np.floating)) or (isinstance(loss, np.ndarray)
                                                      and loss.dtype.kind == "f"):
            loss = float(np.asarray(loss).reshape(()))  # inf and NaN get their own hints
        else:
            loss = expect_number(loss, "the loss")
        n = logits.shape[0]
        if not math.isfinite(loss) and "different scales" in what:
            raise AssertionError(
                f"for {what} your loss is {loss}. Subtract each row's OWN maximum (max over "
                "axis=1 with keepdims=True): with one maximum for the whole batch, the second "
                "row's logits become about -800, exp underflows to 0 and its log is -inf.")
        if not math.isfinite(loss):
            raise AssertionError(
                f"for {what} your loss is {loss}. exp(1000) overflows to inf (and exp(-1000) "
                "underflows to 0, whose log is -inf). Subtract each row's maximum from the "
                "logits before exp: the probabilities do not change, and the largest logit "
                "becomes 0.")
        if not math.isclose(loss, want_loss, rel_tol=1e-5, abs_tol=1e-6):
            if n > 1 and math.isclose(loss, n * want_loss, rel_tol=1e-5):
                hint = "it is N times too large: take the mean over the batch, not the sum."
            elif math.isclose(loss, -want_loss, rel_tol=1e-5):
                hint = "it has the wrong sign: the loss is MINUS the log-probability."
            elif "different scales" in what:
                hint = ("subtract each row's OWN maximum (max over axis=1 with "
                        "keepdims=True), not one maximum for the whole batch.")
            else:
                hint = ("the loss is the batch mean of -log p[n, y[n]], with p the softmax "
                        "of each row: p = exp(z) / sum(exp(z)) along axis=1.")
            raise AssertionError(f"for {what} your loss is {loss:.6g}; expected "
                                 f"{want_loss:.6g}. Hint: {hint}")
        d = expect_array(d_raw, "dlogits")
        if d.shape != want_d.shape:
            raise AssertionError(f"for {what} dlogits has shape {d.shape}; it should have the "
                                 f"shape of the logits, {want_d.shape}.")
        if not np.all(np.isfinite(d)):
            raise AssertionError(f"for {what} dlogits contains NaN or inf. Subtract each "
                                 "row's maximum before exp.")
        if not np.allclose(d, want_d, rtol=1e-4, atol=1e-6):
            if n > 1 and np.allclose(d, n * want_d, rtol=1e-4, atol=1e-6):
                hint = "it is N times too large: the loss is a mean, so divide by N."
            elif np.allclose(d, -want_d, rtol=1e-4, atol=1e-6):
                hint = "it has the wrong sign: it is p - one_hot(y), not one_hot(y) - p."
            elif np.allclose(d, want_d + np.eye(logits.shape[1])[y] / n, rtol=1e-4,
                             atol=1e-6):
                hint = ("it looks like the -1 at the true class is missing: "
                        "dlogits = (p - one_hot(y)) / N.")
            else:
                hint = "dlogits = (p - one_hot(y)) / N, with p the softmax of each row."
            raise AssertionError(f"for {what} dlogits is not right. Hint: {hint}")
        d_dtype = np.asarray(d_raw).dtype
        if d_dtype != want_d.dtype and logits.dtype == np.float32:
            raise AssertionError("for float32 logits dlogits should stay float32 (it is "
                                 f"{d_dtype}), like the network's other arrays.")
    return ("loss and gradient match the package, even for logits of +-1000 "
            "(the max subtraction at work)")


# ---------------------------------------------------------------------------
# Exercise 5.3
# ---------------------------------------------------------------------------

def _check_lr(lr, name):
    if isinstance(lr, (list, tuple)) or (isinstance(lr, np.ndarray) and lr.size != 1):
        raise AssertionError(f"{name} should be a number such as 0.01; got "
                             f"{_describe(lr)}.")
    lr = expect_number(lr, name)
    if lr <= 0:
        raise AssertionError(f"{name} should be a positive, finite number; got {lr!r}.")
    return lr


@exercise("Exercise 5.5: too low, good, too high")
def learning_rates(lr_too_low, lr_good, lr_too_high):
    """Check three learning rates by running :func:`learning_rate_trial` on each.

    Parameters
    ----------
    lr_too_low : float
        A rate at which 32 SGD steps barely move the network ("too slow").
    lr_good : float
        A rate at which the network reaches 50% accuracy in 32 steps ("learns").
    lr_too_high : float
        A rate at which training breaks (diverges, or the network collapses to chance).

    Introduced in notebook 05_classifier.
    """
    low = _check_lr(lr_too_low, "lr_too_low")
    good = _check_lr(lr_good, "lr_good")
    high = _check_lr(lr_too_high, "lr_too_high")
    if not low < good < high:
        raise AssertionError(f"the three rates should be in increasing order, lr_too_low < "
                             f"lr_good < lr_too_high; got {low:g}, {good:g}, {high:g}.")
    trials = {}
    for name, lr, want in (("lr_too_low", low, "too slow"), ("lr_good", good, "learns"),
                           ("lr_too_high", high, "breaks")):
        t = learning_rate_trial(lr)
        trials[name] = t
        if t.verdict == want:
            continue
        if name == "lr_too_low":
            hint = ("it is learning already; to see a rate that is too low, make it 10 or 100 "
                    "times smaller until 32 steps barely change the weights.")
        elif name == "lr_good":
            if t.verdict == "breaks":
                hint = "that is too large: training broke. Try a smaller rate."
            elif t.weight_change < 0.2:
                hint = ("the steps are too small to get far in 32 steps; try a larger rate "
                        "(x3 or x10).")
            else:
                hint = ("close, but it did not reach 50% accuracy in 32 steps; try a rate "
                        "2-3 times smaller or larger.")
        else:
            hint = ("the network still copes with this rate; increase it (x3, x10) until "
                    "training breaks: accuracy falls to chance and stays there, or the loss "
                    "becomes NaN.")
        raise AssertionError(f"{name} = {lr:g} gives: {t.describe()}, not '{want}'. Hint: {hint}")
    # Only the verdicts: the rounded numbers can differ between BLAS builds.
    return "; ".join(f"lr={trials[n].lr:g} {trials[n].verdict}"
                     for n in ("lr_too_low", "lr_good", "lr_too_high"))


# ---------------------------------------------------------------------------
# Exercise 5.4
# ---------------------------------------------------------------------------

def _confusion_cases():
    """Confusion matrices (rows = true, columns = predicted) with a unique answer."""
    cases = [
        np.array([[50, 1, 0],
                  [2, 40, 3],
                  [7, 0, 45]]),
        np.array([[90, 0, 2, 0],
                  [0, 80, 0, 0],
                  [6, 0, 70, 1],
                  [0, 9, 0, 60]]),
        np.array([[0, 3],
                  [1, 0]]),
        np.array([[5, 0, 0, 0, 0],
                  [0, 5, 0, 0, 0],
                  [0, 0, 5, 0, 0],
                  [0, 0, 0, 5, 0],
                  [4, 0, 0, 0, 5]]),
    ]
    rng = np.random.default_rng(54)
    for _ in range(3):
        cm = rng.integers(0, 6, size=(10, 10))
        cm[np.diag_indices(10)] = rng.integers(80, 100, size=10)
        i, j = rng.choice(10, size=2, replace=False)
        cm[i, j] = 12
        cases.append(cm)
    return cases


def _confused_pairs(cm):
    off = np.array(cm, dtype=np.int64)
    np.fill_diagonal(off, -1)
    top = off.max()
    return {(int(i), int(j)) for i, j in zip(*np.nonzero(off == top), strict=True)}


@exercise("Exercise 5.7: the most confused pair")
def confused_pair(most_confused_pair, cm=None):
    """Check ``most_confused_pair(cm) -> (true class, predicted class)``.

    The answer is the off-diagonal cell with the largest count (any of them on a tie).

    Parameters
    ----------
    most_confused_pair : callable
        The learner's function.
    cm : numpy.ndarray, optional
        A (K, K) confusion matrix from the notebook, checked as well.

    Introduced in notebook 05_classifier.
    """
    cases = _confusion_cases()
    if cm is not None:
        matrix = expect_array(cm, "cm (the notebook's confusion matrix)", ndim=2, finite=True)
        if matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
            raise AssertionError(f"cm should be a square (K, K) confusion matrix with K >= 2; "
                                 f"it has shape {matrix.shape}. Pass the notebook's `cm`.")
        if np.any(matrix < 0) or not np.all(matrix == np.round(matrix)):
            raise AssertionError("cm should hold counts (whole numbers >= 0); pass the "
                                 "notebook's `cm`.")
        cases.append(matrix.astype(np.int64))
    for cm_k in cases:
        given = cm_k.copy()
        got = call(most_confused_pair, given)
        if not np.array_equal(given, cm_k):
            raise AssertionError("your function changed the confusion matrix it was given "
                                 "(e.g. np.fill_diagonal on it, which works in place); work "
                                 "on a copy: off = cm.copy().")
        if got is None:
            raise AssertionError("your function returned None; did you forget the `return`?")
        single = got.item() if isinstance(got, np.ndarray) and got.ndim == 0 else got
        if isinstance(single, (numbers.Integral, np.integer)) and not isinstance(single, bool):
            raise AssertionError(f"your function returned one number ({single}); turn a flat "
                                 "index into (row, column) with np.unravel_index(k, cm.shape) "
                                 "and return the pair.")
        pair = expect_int_tuple(got, "your function's answer (true class, predicted class)", 2,
                                example="(3, 5)")
        want = _confused_pairs(cm_k)
        if pair in want:
            continue
        if (pair[1], pair[0]) in want:
            hint = ("it is the right cell read the wrong way round: rows are the TRUE class and "
                    "columns the PREDICTED class, so cm[i, j] counts i's mistaken for j.")
        elif pair[0] == pair[1]:
            hint = ("that is a diagonal cell, a correct prediction; set the diagonal aside "
                    "(e.g. a copy with np.fill_diagonal(off, 0)) before taking the largest.")
        else:
            hint = "look for the largest count OFF the diagonal (i != j)."
        raise AssertionError(f"for the {cm_k.shape[0]}x{cm_k.shape[1]} matrix\n{cm_k}\nyou "
                             f"return {pair}; expected {sorted(want)[0]}. Hint: {hint}")
    return f"right on {len(cases)} confusion matrices"
