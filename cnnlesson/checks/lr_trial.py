"""The learning-rate experiment of notebook 05_classifier (Exercise 5.5).

:func:`learning_rate_trial` trains a fresh small network for 32 SGD steps at one learning rate
and says whether that rate is too slow, learns, or breaks training; the checker
:func:`cnnlesson.checks.learning_rates` runs it on the learner's three rates.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["LRTrial", "LR_TRIAL_SETUP", "learning_rate_trial"]

#: The fixed experiment of :func:`learning_rate_trial`.
LR_TRIAL_SETUP = {
    "examples": 512,        # the first 512 training digits
    "epochs": 2,
    "batch_size": 32,       # so 2 x 16 = 32 optimiser steps
    "model": "seed_cnn(in_channels=1, seed=0)",
    "optimizer": "SGD (no momentum)",
}

#: Verdict thresholds: accuracy on the 512 digits after 32 steps, relative weight change.
_LEARNS_ACC = 0.5
_STUCK_ACC = 0.2
_TOO_SLOW_CHANGE = 0.05
_BROKEN_CHANGE = 0.5


@dataclass
class LRTrial:
    """The outcome of one :func:`learning_rate_trial`.

    Attributes
    ----------
    lr : float
        The learning rate tried.
    history : cnnlesson.train.History
        What was recorded (partial if training diverged).
    accuracy : float
        Accuracy on the 512 training digits after training (0 if it diverged).
    weight_change : float
        ``||w_after - w_before|| / ||w_before||`` over all parameters (inf if it diverged).
    dead_fraction : float
        Fraction of the 108 ReLU units after conv3 that output 0 for every one of the 512
        digits ("dead" units, through which no gradient flows any more).
    diverged : bool
        True if the loss or the weights became NaN or infinite.
    verdict : str
        ``"too slow"``, ``"learns"``, ``"breaks"`` or ``"in between"``.

    Introduced in notebook 05_classifier.
    """

    lr: float
    history: object
    accuracy: float
    weight_change: float
    dead_fraction: float
    diverged: bool
    verdict: str

    def describe(self) -> str:
        """One line describing what happened, with rounded numbers."""
        if self.diverged:
            return f"lr={self.lr:g}: diverged (the loss became NaN or infinite)"
        moved = (f"{self.weight_change:.0%}" if self.weight_change < 10
                 else f"x{self.weight_change:.0e} (blew up)")
        return (f"lr={self.lr:g}: accuracy {self.accuracy:.0%}, weights moved {moved}, "
                f"dead units {self.dead_fraction:.0%} -> {self.verdict}")


@functools.lru_cache(maxsize=1)
def _lr_trial_data():
    from ..datasets import load_digits

    (x, y), _ = load_digits()
    n = LR_TRIAL_SETUP["examples"]
    x, y = x[:n].copy(), y[:n].copy()
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def learning_rate_trial(lr: float) -> LRTrial:
    """Train a fresh small network for 32 SGD steps at learning rate ``lr``; report the result.

    The experiment is fixed and deterministic (:data:`LR_TRIAL_SETUP`): ``seed_cnn(
    in_channels=1, seed=0)``, plain SGD, the first 512 training digits, 2 epochs of batches of
    32, shuffling seed 0. It takes a fraction of a second.

    Verdicts: ``"breaks"`` if training diverged, or if accuracy stayed at chance level
    (< 20%) although the weights moved by more than 50%; ``"too slow"`` if accuracy is < 20%
    and the weights moved by less than 5%; ``"learns"`` if accuracy reached 50%;
    ``"in between"`` otherwise.

    Parameters
    ----------
    lr : float
        Learning rate, > 0.

    Returns
    -------
    LRTrial

    Introduced in notebook 05_classifier.
    """
    from ..model import seed_cnn
    from ..optim import SGD
    from ..train import Callback, evaluate, fit

    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) \
            or lr <= 0:
        raise ValueError(f"lr must be a finite number > 0; got {lr!r}. Hint: e.g. 0.01")
    x, y = _lr_trial_data()
    model = seed_cnn(in_channels=1, seed=0)
    before = np.concatenate([p.data.ravel() for p in model.parameters()]).astype(np.float64)

    class _Keep(Callback):
        def __init__(self):
            self.history = None

        def on_train_begin(self, state):
            self.history = state.history

    keep = _Keep()
    diverged = False
    with np.errstate(all="ignore"):
        try:
            history = fit(model, x, y, epochs=LR_TRIAL_SETUP["epochs"],
                          batch_size=LR_TRIAL_SETUP["batch_size"],
                          optimizer=SGD(model.parameters(), lr=float(lr)), seed=0,
                          progress=False, callbacks=[keep])
            _, acc = evaluate(model, x, y)
        except (FloatingPointError, ValueError):  # NaN/inf in training or in the logits
            diverged, history = True, keep.history
        after = np.concatenate([p.data.ravel() for p in model.parameters()]).astype(np.float64)
        change = float(np.linalg.norm(after - before) / np.linalg.norm(before))
        if diverged or not math.isfinite(change):
            return LRTrial(float(lr), history, 0.0, math.inf, 1.0, True, "breaks")
        relu3 = model.activations(x)["relu3"].reshape(len(x), -1)
    dead = float(np.mean(np.all(relu3 == 0, axis=0)))
    if acc < _STUCK_ACC and change > _BROKEN_CHANGE:
        verdict = "breaks"
    elif acc < _STUCK_ACC and change < _TOO_SLOW_CHANGE:
        verdict = "too slow"
    elif acc >= _LEARNS_ACC:
        verdict = "learns"
    else:
        verdict = "in between"
    return LRTrial(float(lr), history, float(acc), change, dead, False, verdict)
