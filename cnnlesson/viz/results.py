"""Pictures of training results: learning curves, confusion matrix, mistakes."""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_array, check_positive_int, describe, fail
from ._base import BAD_COLOR, OK_COLOR, check_axes, check_real_array, new_figure, text_color

__all__ = ["plot_history", "plot_confusion", "show_misclassified", "smooth"]

TRAIN_COLOR = "#0072b2"   # blue (Okabe-Ito)
VAL_COLOR = "#e69f00"     # orange (Okabe-Ito)


def smooth(values, window: int) -> np.ndarray:
    """Running mean over the last ``window`` values (shorter at the start).

    Parameters
    ----------
    values : sequence of float
        (T,) e.g. ``history.step_loss``.
    window : int
        Number of values averaged.

    Returns
    -------
    numpy.ndarray
        (T,) float64.

    Introduced in notebook 05_classifier.
    """
    v = np.asarray(values, dtype=np.float64)
    window = check_positive_int(window, "window")
    if v.size == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, v.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_history(axes, history):
    """Plot loss and accuracy curves of a training run (train and validation).

    Left: the loss of every step (faint) and of every epoch (training: mean
    over the epoch's batches; validation: measured after the epoch). Right:
    accuracy the same way. The x axis counts epochs, so a step half-way
    through the first epoch sits at 0.5 and the epoch averages at 1, 2, ...

    Parameters
    ----------
    axes : sequence of two Axes, or Figure, or None
        Loss axes and accuracy axes; a Figure gets two new axes; None makes a
        new figure.
    history : cnnlesson.train.History
        What :func:`cnnlesson.train.fit` returned.

    Returns
    -------
    dict
        ``"axes"`` (loss axes, accuracy axes) and ``"lines"`` (dict name ->
        Line2D: "step loss", "train loss", "val loss", "step acc",
        "train acc", "val acc"; only those with data).

    Introduced in notebook 05_classifier.
    """
    for attr in ("epoch_train_loss", "epoch_train_acc", "epoch_val_loss", "epoch_val_acc",
                 "step_loss"):
        if not hasattr(history, attr):
            fail(TypeError, "history", "a cnnlesson.train.History", describe(history),
                 "pass what fit(...) returned")
    from matplotlib.figure import FigureBase

    if axes is None or isinstance(axes, FigureBase):
        fig = new_figure((12, 4.5), axes)
        axes = fig.subplots(1, 2)
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != 2:
        fail(ValueError, "axes", "two Axes (loss, accuracy)", describe(axes),
             "make them with fig, axes = plt.subplots(1, 2)")
    ax_loss, ax_acc = (check_axes(a, "axes") for a in axes)
    n_ep = len(history.epoch_train_loss)
    lines = {}
    step_acc = getattr(history, "step_acc", [])
    for ax, steps, tr, va, what in (
            (ax_loss, history.step_loss, history.epoch_train_loss, history.epoch_val_loss,
             "loss"),
            (ax_acc, step_acc, history.epoch_train_acc, history.epoch_val_acc, "acc")):
        if len(steps) and n_ep:
            spe = len(steps) / n_ep
            xs = np.arange(1, len(steps) + 1) / spe
            lines[f"step {what}"], = ax.plot(xs, steps, color=TRAIN_COLOR, alpha=0.25, lw=1,
                                             label=f"each step ({what})")
        ep = np.arange(1, len(tr) + 1)
        if len(tr):
            lines[f"train {what}"], = ax.plot(ep, tr, "o-", color=TRAIN_COLOR,
                                              label="training (epoch mean)")
        if len(va):
            lines[f"val {what}"], = ax.plot(np.arange(1, len(va) + 1), va, "s--",
                                            color=VAL_COLOR, label="validation")
        ax.set_xlabel("epoch")
        ax.set_xlim(0, max(n_ep, 1) + 0.05)
        if len(tr) or len(steps):
            ax.legend(loc="upper right" if what == "loss" else "lower right")
        ax.grid(True, alpha=0.3)
    ax_loss.set_ylabel("cross-entropy loss")
    ax_loss.set_ylim(bottom=0)
    ax_loss.set_title("loss (lower is better)")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1.02)
    ax_acc.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax_acc.set_title("accuracy (higher is better)")
    from matplotlib.ticker import MaxNLocator

    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=min(max(n_ep, 1), 8), integer=True))
    return {"axes": (ax_loss, ax_acc), "lines": lines}


def _check_names(class_names, k: int):
    if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
        fail(TypeError, "class_names", "a sequence of names, one per class", describe(class_names),
             "e.g. cnnlesson.datasets.DIGIT_CLASSES")
    if len(class_names) != k:
        fail(ValueError, "class_names", f"{k} names (one per class)", describe(class_names))
    return [str(c) for c in class_names]


def plot_confusion(ax, cm, class_names, *, normalize=False):
    """Draw a confusion matrix: rows = true class, columns = predicted class.

    Every cell shows its count (or, with ``normalize=True``, the fraction of
    that true class), so the diagonal holds the correct answers and every
    other cell a kind of mistake.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Where to draw (None: a new figure).
    cm : numpy.ndarray
        (K, K) counts, e.g. from :func:`cnnlesson.train.confusion_matrix`.
    class_names : sequence of str
        K names.
    normalize : bool, optional
        Show each row as fractions of its true class.

    Returns
    -------
    dict
        ``"image"`` (AxesImage), ``"texts"`` ((K, K) nested list of Text),
        ``"values"`` (the (K, K) array drawn).

    Introduced in notebook 05_classifier.
    """
    check_real_array(cm, "cm", ndim=2, layout="(K, K)",
                     hint="use cnnlesson.train.confusion_matrix(y_true, y_pred, K)")
    if cm.shape[0] != cm.shape[1]:
        fail(ValueError, "cm", "square (K, K)", f"shape {tuple(cm.shape)}")
    if np.any(cm < 0):
        fail(ValueError, "cm", "counts (no negative values)", f"minimum {cm.min()}")
    k = cm.shape[0]
    names = _check_names(class_names, k)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(1.8 + 0.62 * k, 1.4 + 0.6 * k), layout="constrained")
    check_axes(ax)
    vals = np.asarray(cm, dtype=np.float64)
    if normalize:
        rows = vals.sum(axis=1, keepdims=True)
        vals = np.divide(vals, rows, out=np.zeros_like(vals), where=rows > 0)
    top = float(vals.max()) if vals.size and vals.max() > 0 else 1.0
    im = ax.imshow(vals, cmap="Blues", vmin=0, vmax=top, interpolation="nearest")
    cmap, norm = im.get_cmap(), im.norm
    fs = 12 if k <= 10 else 9
    texts = []
    for r in range(k):
        row = []
        for c in range(k):
            v = vals[r, c]
            s = f"{v:.2f}".lstrip("0") if normalize and v else (
                "0" if normalize else f"{int(round(v))}")
            color = text_color(cmap(norm(v)))
            row.append(ax.text(c, r, s, ha="center", va="center", fontsize=fs, color=color,
                               fontweight="bold" if r == c else "normal"))
        texts.append(row)
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0,
                  ha="right" if max(map(len, names)) > 2 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("confusion matrix" + (" (fraction of each true class)" if normalize else ""))
    return {"image": im, "texts": texts, "values": vals}


def _example_image(x: np.ndarray) -> np.ndarray:
    """One (C, H, W) example as something imshow draws: (H, W) or (H, W, 3)."""
    from ..images import chw_to_hwc

    img = chw_to_hwc(x, squeeze=True)
    return np.clip(img, 0, 1) if img.ndim == 3 else img


def show_misclassified(fig, X, y_true, y_pred, class_names, max_n=16, *, ncols=None):
    """Show a grid of the examples the model got wrong, with true and predicted labels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        The figure to draw into (None: a new figure).
    X : numpy.ndarray
        (N, C, H, W) the examples, values in [0, 1], C = 1 or 3.
    y_true, y_pred : numpy.ndarray
        (N,) integer class indices.
    class_names : sequence of str
        One name per class.
    max_n : int, optional
        Show at most this many mistakes (the first ones, in data order).
    ncols : int, optional
        Panels per row (default: up to 8).

    Returns
    -------
    dict
        ``"figure"``, ``"indices"`` (array of the shown examples' indices in
        X), ``"images"`` (list of AxesImage), ``"titles"`` (list of Text),
        ``"n_wrong"`` (total number of mistakes).

    Introduced in notebook 05_classifier.
    """
    check_real_array(X, "X", ndim=4, layout="(N, C, H, W)",
                     hint="a batch of examples; add a batch axis with x[None]")
    n = X.shape[0]
    if X.shape[1] not in (1, 3):
        fail(ValueError, "X", "1 (gray) or 3 (RGB) channels (N, C, H, W)",
             f"shape {tuple(X.shape)}", "if the channels come last, use hwc_to_chw")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        check_array(y, name, ndim=1, layout="(N,)")
        if not np.issubdtype(y.dtype, np.integer):
            fail(TypeError, name, "integer class indices", f"dtype {y.dtype}",
                 "use model.predict(X), which returns class indices")
        if y.shape[0] != n:
            fail(ValueError, name, f"of shape ({n},) to match X", f"shape {tuple(y.shape)}")
    names = list(class_names) if not isinstance(class_names, str) else None
    if names is None or not names:
        fail(TypeError, "class_names", "a sequence of names", describe(class_names))
    k = len(names)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if n and (y.min() < 0 or y.max() >= k):
            fail(ValueError, name, f"class indices in [0, {k})",
                 f"values from {int(y.min())} to {int(y.max())}",
                 "class_names needs one name per class")
    if isinstance(max_n, bool) or not isinstance(max_n, numbers.Integral):
        fail(TypeError, "max_n", "a positive integer", describe(max_n))
    max_n = check_positive_int(max_n, "max_n")
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[:max_n]
    if ncols is None:
        ncols = max(1, min(8, len(shown)))
    nrows = max(1, -(-len(shown) // ncols))
    fig = new_figure((1.9 * ncols + 0.4, 2.25 * nrows + 0.7), fig)
    images, titles = [], []
    if len(shown) == 0:
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center", fontsize=16,
                transform=ax.transAxes)
    else:
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, idx in zip(axes, shown, strict=False):
            img = _example_image(X[idx])
            if img.ndim == 2:
                images.append(ax.imshow(img, cmap="gray", vmin=0, vmax=1,
                                        interpolation="nearest"))
            else:
                images.append(ax.imshow(img, interpolation="nearest"))
            ax.set_xticks([])
            ax.set_yticks([])
            t = ax.set_title(f"true: {names[y_true[idx]]}\npred: {names[y_pred[idx]]}",
                             fontsize=11, color=BAD_COLOR)
            titles.append(t)
        for ax in axes[len(shown):]:
            ax.axis("off")
    fig.suptitle(f"{len(wrong)} of {n} examples misclassified"
                 + (f" (first {len(shown)} shown)" if len(shown) < len(wrong) else ""),
                 color=OK_COLOR if not len(wrong) else "black")
    return {"figure": fig, "indices": shown, "images": images, "titles": titles,
            "n_wrong": int(len(wrong))}
