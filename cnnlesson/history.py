"""What :func:`cnnlesson.train.fit` records, and how code hooks into it.

* :class:`History`: loss and accuracy per epoch and per step;
* :class:`TrainState`: the state passed to callbacks;
* :class:`Callback`: the base class of code that runs inside ``fit``.

All three are also available from :mod:`cnnlesson.train`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnnlesson.model import Sequential
from cnnlesson.optim import Optimizer

__all__ = ["History", "TrainState", "Callback"]


@dataclass
class History:
    """What :func:`fit` measured.

    Losses are mean cross-entropies; accuracies are fractions in [0, 1].
    The training values of an epoch are averages over that epoch's batches,
    measured *while* the weights changed (and on augmented images when
    ``augment`` is used), so they lag behind a clean :func:`evaluate`.

    Attributes
    ----------
    epoch_train_loss, epoch_train_acc : list of float
        One entry per epoch.
    epoch_val_loss, epoch_val_acc : list of float
        One entry per epoch, measured on ``validation`` after the epoch;
        empty when no validation set is given.
    step_loss, step_acc, step_lr : list of float
        One entry per optimiser step: batch loss, batch accuracy and the
        learning rate used.
    epoch_seconds : list of float
        Wall-clock time of each epoch (including validation).

    Introduced in notebook 05_classifier.
    """

    epoch_train_loss: list[float] = field(default_factory=list)
    epoch_train_acc: list[float] = field(default_factory=list)
    epoch_val_loss: list[float] = field(default_factory=list)
    epoch_val_acc: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    step_acc: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of epochs completed."""
        return len(self.epoch_train_loss)

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(no epochs)"
        s = (f"History({self.epochs} epochs, {len(self.step_loss)} steps, final train loss "
             f"{self.epoch_train_loss[-1]:.3f}, acc {self.epoch_train_acc[-1]:.1%}")
        if self.epoch_val_loss:
            s += f", val loss {self.epoch_val_loss[-1]:.3f}, val acc {self.epoch_val_acc[-1]:.1%}"
        return s + ")"


@dataclass
class TrainState:
    """The state of :func:`fit`, passed to every callback method.

    Attributes
    ----------
    model : Sequential
    optimizer : Optimizer
    history : History
        Filled in as training goes.
    epoch : int
        Current epoch, 0-based.
    epochs : int
        Number of epochs requested.
    step : int
        Optimiser steps done so far in this :func:`fit` call.
    steps_per_epoch : int
    batch_loss, batch_acc : float
        Loss and accuracy of the last batch (``nan`` before the first step).
    stop_training : bool
        Set it to ``True`` in a callback to stop after the current batch.

    Introduced in notebook 05_classifier.
    """

    model: Sequential
    optimizer: Optimizer
    history: History
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    steps_per_epoch: int = 0
    batch_loss: float = float("nan")
    batch_acc: float = float("nan")
    stop_training: bool = False


class Callback:
    """Base class for code that runs inside :func:`fit`; every method does nothing.

    Order of calls: ``on_train_begin``; then for each epoch ``on_epoch_begin``,
    ``on_batch_end`` after every optimiser step, ``on_epoch_end`` (after the
    epoch's History entries are written); finally ``on_train_end``. Each
    receives the :class:`TrainState`.

    Introduced in notebook 05_classifier.
    """

    def on_train_begin(self, state: TrainState) -> None:
        """Called once before the first step."""

    def on_epoch_begin(self, state: TrainState) -> None:
        """Called at the start of every epoch."""

    def on_batch_end(self, state: TrainState) -> None:
        """Called after every optimiser step."""

    def on_epoch_end(self, state: TrainState) -> None:
        """Called at the end of every epoch, after validation."""

    def on_train_end(self, state: TrainState) -> None:
        """Called once after the last step (not if training raised an error)."""
