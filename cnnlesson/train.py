"""Training: the loop that makes a network learn, and what it records.

* :func:`fit` runs mini-batch gradient descent for a number of epochs and
  returns a :class:`History` (loss and accuracy per epoch and per step).
* :func:`evaluate` and :func:`confusion_matrix` measure a trained model.
* :class:`Callback` hooks into the loop; :class:`Snapshots` is a callback that
  records the conv kernels and feature maps as training goes, for notebook 06.
* :func:`random_shift` (data augmentation), :func:`cosine_schedule` and
  :func:`one_cycle` (learning-rate schedules) are optional ingredients of a
  good recipe; :func:`digits_recipe` / :func:`train_digits` hold the recipe the
  course uses on the digits.

Training code records numbers and arrays only; plotting lives in
:mod:`cnnlesson.viz`.
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np

from cnnlesson import functional as F
from cnnlesson._step import StepRunner, default_threads
from cnnlesson._validate import (
    check_finite,
    check_float_array,
    check_labels,
    check_positive_int,
    describe,
    fail,
)
from cnnlesson.history import Callback, History, TrainState
from cnnlesson.layers import as_generator
from cnnlesson.model import Sequential
from cnnlesson.optim import Optimizer
from cnnlesson.recipes import (
    digits_recipe,
    fit_recipe,
    shapes_recipe,
    train_digits,
    train_shapes,
)
from cnnlesson.schedules import RandomShift, Schedule, cosine_schedule, one_cycle, random_shift
from cnnlesson.snapshots import Snapshot, Snapshots

# History/TrainState/Callback, Snapshot(s), the augmentation and schedules and the recipes
# live in modules of their own (one idea each); they are re-exported here, where the course
# has always imported them from.
__all__ = [
    "History",
    "TrainState",
    "Callback",
    "Snapshot",
    "Snapshots",
    "fit",
    "evaluate",
    "confusion_matrix",
    "random_shift",
    "RandomShift",
    "cosine_schedule",
    "one_cycle",
    "Schedule",
    "digits_recipe",
    "shapes_recipe",
    "fit_recipe",
    "train_digits",
    "train_shapes",
]


# ------------------------------------------------------------------------------------------------
# ------------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------------


def _check_data(model: Sequential, X, y, xname: str, yname: str) -> int:
    """Validate a data set against the model; return the number of classes."""
    check_float_array(X, xname)
    if X.ndim < 2 or X.shape[0] == 0:
        fail(ValueError, xname, "a non-empty batch (N, C, H, W)", f"shape {X.shape}",
             "a single image x becomes x[None]")
    if X.dtype != model.dtype:
        fail(TypeError, xname, f"{model.dtype} like the model's weights", f"dtype {X.dtype}",
             f"use {xname}.astype(np.{model.dtype}) or model.astype(np.{X.dtype})")
    out = model.output_shapes(tuple(X.shape[1:]))[-1][1]
    if len(out) != 1:
        fail(ValueError, "model", "a classifier whose output is (N, K) logits",
             f"output of shape (N, {', '.join(map(str, out))})", "end the model with Linear")
    num_classes = out[0]
    check_labels(y, yname, X.shape[0], num_classes)
    check_finite(X, xname)
    return num_classes


def evaluate(model: Sequential, X: np.ndarray, y: np.ndarray,
             batch_size: int = 256) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on a data set.

    The backward caches of the model are left untouched.

    Parameters
    ----------
    model : Sequential
    X : numpy.ndarray
        (N, C, H, W), the model's dtype.
    y : numpy.ndarray of int
        (N,) class indices.
    batch_size : int, default 256
        Examples per forward pass (limits memory).

    Returns
    -------
    loss : float
    accuracy : float
        Fraction in [0, 1].

    Introduced in notebook 05_classifier.
    """
    if not isinstance(model, Sequential):
        fail(TypeError, "model", "a cnnlesson.model.Sequential", describe(model))
    _check_data(model, X, y, "X", "y")
    batch_size = check_positive_int(batch_size, "batch_size")
    total_loss = 0.0
    correct = 0
    n = X.shape[0]
    for i in range(0, n, batch_size):
        logits = model.forward(X[i:i + batch_size], keep_cache=False)
        loss, _ = F.softmax_cross_entropy(logits, y[i:i + batch_size])
        total_loss += loss * logits.shape[0]
        correct += int(np.count_nonzero(logits.argmax(axis=1) == y[i:i + batch_size]))
    return total_loss / n, correct / n


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true : numpy.ndarray of int
        (N,) true class indices.
    y_pred : numpy.ndarray of int
        (N,) predicted class indices (e.g. ``model.predict(X)``).
    num_classes : int
        K.

    Returns
    -------
    numpy.ndarray
        (K, K) int64; entry ``[i, j]`` counts examples of true class ``i``
        predicted as ``j`` (rows = true, columns = predicted). The diagonal
        holds the correct predictions.

    Introduced in notebook 05_classifier.
    """
    num_classes = check_positive_int(num_classes, "num_classes")
    if not isinstance(y_true, np.ndarray):
        fail(TypeError, "y_true", "a numpy array", describe(y_true))
    check_labels(y_true, "y_true", y_true.shape[0] if y_true.ndim else -1, num_classes)
    check_labels(y_pred, "y_pred", y_true.shape[0], num_classes)
    idx = y_true.astype(np.int64) * num_classes + y_pred.astype(np.int64)
    return np.bincount(idx, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes)


# ------------------------------------------------------------------------------------------------
# The training loop
# ------------------------------------------------------------------------------------------------


#: A batch loss above this means training has diverged: the network gives the right class a
#: probability below exp(-1e6). (An untrained 10-class network starts near ln 10 = 2.3.)
MAX_LOSS = 1e6


def _diverged(epoch: int, epochs: int, step: int, lr: float, what: str) -> FloatingPointError:
    return FloatingPointError(
        f"training diverged at epoch {epoch + 1}/{epochs}, step {step}: {what} with learning "
        f"rate lr={lr:g}. Hint: use a smaller learning rate (e.g. lr={lr / 10:g}) and "
        "re-create the model, whose weights are now unusable")


def _all_finite(params) -> bool:
    return all(np.isfinite(p.data).all() for p in params)


def _format_epoch(epoch: int, epochs: int, loss: float, acc: float,
                  val: tuple[float, float] | None) -> str:
    width = len(str(epochs))
    s = f"epoch {epoch + 1:>{width}}/{epochs}  loss {loss:.2f}  acc {acc:.0%}"
    if val is not None:
        s += f"  val_loss {val[0]:.2f}  val_acc {val[1]:.0%}"
    return s


def fit(model: Sequential, X: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int,
        optimizer: Optimizer, validation=None, callbacks=(), seed=0, progress: bool = True,
        augment=None, schedule=None, threads: int | None = None) -> History:
    """Train ``model`` by mini-batch gradient descent on ``(X, y)``.

    Each epoch visits every example once, in an order shuffled by a
    generator seeded with ``seed`` (the last batch may be smaller). Each step:
    zero the gradients, forward, softmax cross-entropy, backward, optimiser
    step. With the same seed, data, model and optimiser, two runs on the same
    machine give bit-identical weights and history.

    Parameters
    ----------
    model : Sequential
        Updated in place.
    X : numpy.ndarray
        Training inputs (N, C, H, W), in the model's dtype, finite.
    y : numpy.ndarray of int
        (N,) class indices.
    epochs : int
        Passes over the data.
    batch_size : int
        Examples per step.
    optimizer : Optimizer
        Built on (some of) this model's parameters, e.g. ``Adam(model.parameters())``.
        Parameters not given to it stay frozen.
    validation : (numpy.ndarray, numpy.ndarray), optional
        ``(X_val, y_val)`` evaluated after every epoch.
    callbacks : sequence of Callback
        Called in the order given (see :class:`Callback`).
    seed : int or numpy.random.Generator, default 0
        Seeds the shuffling and, independently, the augmentation.
    progress : bool or cnnlesson.progress.Progress, default True
        Show progress with a :class:`~cnnlesson.progress.Progress`: in a
        notebook or a terminal one line updated in place (epoch and step,
        loss, accuracy, time left), replaced at the end by a one-line summary
        such as ``trained 10/10 epochs (630 steps): loss 0.23  acc 93%  val_loss
        0.25  val_acc 92%``; in a file or pipe one line per epoch, e.g.
        ``epoch  3/10  loss 0.23  acc 93%  val_loss 0.25  val_acc 92%``.
        Values are rounded coarsely (loss to 0.01, accuracy to 1%) and the
        summary holds no times, so the text left is reproducible; the exact
        values are in the History. ``False`` shows nothing.
    augment : callable, optional
        ``augment(X_batch, rng) -> X_batch`` applied to every training batch,
        e.g. :func:`random_shift`. Must return the same shape and dtype.
    schedule : callable, optional
        ``schedule(epoch, step) -> lr``, called before every step (``step``
        counts the steps done so far), e.g. :func:`cosine_schedule`; sets
        ``optimizer.lr``.
    threads : int, optional
        1 or 2 (more are treated as 2): how many cores compute a step.
        Default: the machine's cores, at most 2. A batch of at least 32
        examples is always cut into the same pieces (two pieces up to 256
        examples, more of at most 128 above), whose gradients are added in a
        fixed order; with 2 threads, batches of at least 64 run half of their
        pieces on a second thread. The results are bit-identical whatever the
        number of threads.

    Returns
    -------
    History
        Also stored as ``model.history`` as soon as training starts.

    Raises
    ------
    FloatingPointError
        If training diverges: the loss or the weights become NaN or
        infinite, or a batch loss exceeds ``MAX_LOSS`` (1e6). The message
        names the epoch, the step and the learning rate.
    KeyboardInterrupt
        When you stop the cell (Ctrl-C, or the stop button of Jupyter),
        training stops after printing one line; nothing is lost: the
        History of the epochs already run (and the steps of the interrupted
        epoch, in ``step_loss``) is in ``model.history`` and in the
        exception's ``history`` attribute, and the weights are those after
        the last complete optimiser step (a step is all or nothing).

    Introduced in notebook 05_classifier.
    """
    if not isinstance(model, Sequential):
        fail(TypeError, "model", "a cnnlesson.model.Sequential", describe(model),
             "build it with Sequential(...) or seed_cnn(...)")
    _check_data(model, X, y, "X", "y")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size", "e.g. 32 or 64")
    if not isinstance(optimizer, Optimizer):
        fail(TypeError, "optimizer", "a cnnlesson.optim optimiser (SGD or Adam)",
             describe(optimizer), "e.g. optimizer=Adam(model.parameters(), lr=1e-3)")
    model_ids = {id(p) for p in model.parameters()}
    foreign = [p.name for p in optimizer.params if id(p) not in model_ids]
    if foreign:
        fail(ValueError, "optimizer", "built on this model's parameters",
             f"an optimiser holding parameters that are not this model's ({', '.join(foreign)})",
             "build it after the model, with optimizer=Adam(model.parameters()); note that "
             "model.astype(...) returns a new model with new parameters")
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            fail(TypeError, "validation", "a pair (X_val, y_val)", describe(validation))
        _check_data(model, validation[0], validation[1], "validation[0]", "validation[1]")
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    try:
        callbacks = list(callbacks)
    except TypeError:
        fail(TypeError, "callbacks", "a list of Callback objects", describe(callbacks))
    for i, cb in enumerate(callbacks):
        if not isinstance(cb, Callback):
            fail(TypeError, f"callbacks[{i}]", "a cnnlesson.train.Callback", describe(cb),
                 "subclass Callback and override the methods you need")
    progress_display = None
    if progress:  # one display updated in place (cnnlesson.progress), after the callbacks
        from cnnlesson.progress import Progress

        progress_display = progress if isinstance(progress, Progress) else Progress()
        callbacks.append(progress_display)
    if augment is not None and not callable(augment):
        fail(TypeError, "augment", "a callable (X_batch, rng) -> X_batch", describe(augment),
             "e.g. augment=random_shift(2)")
    if schedule is not None and not callable(schedule):
        fail(TypeError, "schedule", "a callable (epoch, step) -> lr", describe(schedule),
             "e.g. schedule=cosine_schedule(0.01, total_steps)")
    n = X.shape[0]
    steps_per_epoch = math.ceil(n / batch_size)
    total_steps = epochs * steps_per_epoch
    if isinstance(schedule, Schedule) and schedule.total_steps < total_steps:
        fail(ValueError, "schedule", f"built for at least {total_steps} steps ({epochs} epochs "
             f"x {steps_per_epoch} steps per epoch)", f"{schedule!r}",
             f"use total_steps={total_steps}")
    if threads is None:
        threads = default_threads()
    threads = min(check_positive_int(threads, "threads", "1, or 2 to use two cores"), 2)
    shuffle_rng, augment_rng = as_generator(seed).spawn(2)

    history = History()
    model.history = history
    state = TrainState(model=model, optimizer=optimizer, history=history, epochs=epochs,
                       steps_per_epoch=steps_per_epoch)
    try:
        _run(state, X, y, batch_size, validation, callbacks, progress, augment, schedule,
             shuffle_rng, augment_rng, threads)
    except KeyboardInterrupt as e:
        model.clear_cache()
        e.history = history
        if progress_display is not None:
            progress_display.end_line()
        print(f"Training interrupted at epoch {state.epoch + 1}/{epochs} after {state.step} "
              f"steps; the History of the {history.epochs} finished epoch(s) is in "
              "model.history.", flush=True)
        raise
    return history


def _run(state: TrainState, X, y, batch_size, validation, callbacks, progress, augment,
         schedule, shuffle_rng, augment_rng, threads) -> None:
    """The loop of :func:`fit`, after its checks."""
    runner = StepRunner(state.model, threads, batch_size)
    try:
        _epochs(state, runner, X, y, batch_size, validation, callbacks, progress, augment,
                schedule, shuffle_rng, augment_rng)
    finally:
        runner.close()


def _epochs(state, runner, X, y, batch_size, validation, callbacks, progress, augment,
            schedule, shuffle_rng, augment_rng) -> None:
    model, optimizer, history = state.model, state.optimizer, state.history
    epochs, steps_per_epoch = state.epochs, state.steps_per_epoch
    n = X.shape[0]
    params = optimizer.params  # the only parameters a step changes
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for cb in callbacks:
            cb.on_train_begin(state)
        for epoch in range(epochs):
            t0 = time.perf_counter()
            state.epoch = epoch
            for cb in callbacks:
                cb.on_epoch_begin(state)
            order = shuffle_rng.permutation(n)
            loss_sum = 0.0
            correct = 0
            seen = 0
            for b in range(steps_per_epoch):
                idx = order[b * batch_size:(b + 1) * batch_size]
                xb, yb = X[idx], y[idx]
                if augment is not None:
                    xb = _apply_augment(augment, xb, augment_rng)
                if schedule is not None:
                    _apply_schedule(schedule, optimizer, epoch, state.step)
                # Forward, loss and backward through the unchecked kernels (the data
                # were checked once above); the input images get no gradient.
                logits, losses = runner.gradients(xb, yb)
                if not np.isfinite(logits).all():
                    raise _diverged(epoch, epochs, state.step + 1, optimizer.lr,
                                    "the network produced NaN or infinite values")
                loss = float(np.mean(losses))
                if not math.isfinite(loss) or loss > MAX_LOSS:
                    raise _diverged(epoch, epochs, state.step + 1, optimizer.lr,
                                    f"the loss is {loss:.3g}")
                optimizer.step()
                if not _all_finite(params):
                    raise _diverged(epoch, epochs, state.step + 1, optimizer.lr,
                                    "the weights became NaN or infinite")
                state.step += 1
                hits = int(np.count_nonzero(logits.argmax(axis=1) == yb))
                acc = hits / len(yb)
                loss_sum += loss * len(yb)
                correct += hits
                seen += len(yb)
                history.step_loss.append(loss)
                history.step_acc.append(acc)
                history.step_lr.append(optimizer.lr)
                state.batch_loss, state.batch_acc = loss, acc
                for cb in callbacks:
                    cb.on_batch_end(state)
                if state.stop_training:
                    break
            history.epoch_train_loss.append(loss_sum / seen)
            history.epoch_train_acc.append(correct / seen)
            val = None
            if validation is not None:
                val = evaluate(model, validation[0], validation[1])
                history.epoch_val_loss.append(val[0])
                history.epoch_val_acc.append(val[1])
            history.epoch_seconds.append(time.perf_counter() - t0)
            for cb in callbacks:
                cb.on_epoch_end(state)
            if state.stop_training:
                break
        model.clear_cache()
        for cb in callbacks:
            cb.on_train_end(state)


def _apply_augment(augment, xb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = augment(xb, rng)
    if not isinstance(out, np.ndarray) or out.shape != xb.shape or out.dtype != xb.dtype:
        fail(TypeError, "augment", f"a callable returning an array of shape {xb.shape} and "
             f"dtype {xb.dtype} (like its input)", f"a callable returning {describe(out)}",
             "return the augmented batch, same shape and dtype")
    if not np.isfinite(out).all():
        fail(ValueError, "augment", "a callable returning finite values",
             "NaN or inf in its output")
    return out


def _apply_schedule(schedule, optimizer: Optimizer, epoch: int, step: int) -> None:
    lr = schedule(epoch, step)
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) \
            or lr <= 0:
        fail(ValueError, "schedule", "a callable returning a finite learning rate > 0",
             f"{describe(lr)} at epoch {epoch}, step {step}", "check the schedule's formula")
    optimizer.lr = float(lr)
