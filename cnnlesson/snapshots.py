"""Recording a network while it learns: :class:`Snapshots`, a callback of ``fit``.

Each :class:`Snapshot` holds the conv kernels (and optionally the feature
maps of a few probe images) at one moment of training, for notebook 06.
Training code records numbers and arrays only; the pictures are drawn by
:mod:`cnnlesson.viz`. Both names are also available from :mod:`cnnlesson.train`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnlesson._validate import (
    check_finite,
    check_float_array,
    check_positive_int,
    describe,
    fail,
)
from cnnlesson.history import Callback, TrainState
from cnnlesson.layers import Conv2d

__all__ = ["Snapshot", "Snapshots"]


@dataclass
class Snapshot:
    """What the network looked like at one moment of training.

    Attributes
    ----------
    step : int
        Optimiser steps done when recorded (0 = before training).
    epoch : float
        ``step / steps_per_epoch``: 1.5 means half-way through the second epoch.
    weights : dict
        Conv layer name -> copy of its weight, (F, C, KH, KW).
    feature_maps : dict
        Conv layer name -> its output on the probe images, before ReLU,
        (P, F, H, W). Empty when no probe was given.
    loss, accuracy : float or None
        Mean training loss and accuracy of the batches since the previous
        snapshot (``None`` for the snapshot before training).

    Introduced in notebook 06_inside_the_network.
    """

    step: int
    epoch: float
    weights: dict[str, np.ndarray]
    feature_maps: dict[str, np.ndarray]
    loss: float | None
    accuracy: float | None


class Snapshots(Callback):
    """A callback that records kernels and feature maps during training.

    A :class:`Snapshot` is recorded before training (step 0), every ``every``
    optimiser steps, and at the end of training.

    Memory is bounded: never more than ``max_snapshots`` records are kept.
    When one more would not fit, every other record is dropped (step 0 is
    kept) and ``every`` is doubled, so the records stay evenly spaced over the
    whole run. For the course's :func:`~cnnlesson.model.seed_cnn` in float32
    one snapshot takes 8,424 bytes of kernels (C = 3; 7,992 for C = 1) plus
    19,056 bytes per probe image (feature maps 24x24x6 + 10x10x12 + 3x3x12), so
    at most ``max_snapshots * (8,424 + 19,056 * P)`` bytes: 32 MB for the
    default 200 snapshots and P = 8 probe images. :attr:`nbytes` gives the
    actual size.

    Parameters
    ----------
    every : int
        Record every ``every`` optimiser steps (doubles when thinning).
    probe : numpy.ndarray, optional
        (P, C, H, W) images whose conv outputs are recorded; converted to the
        model's dtype. Computing them does not disturb training (the backward
        caches are left untouched).
    layers : list of str, optional
        Names of the conv layers to record (default: every ``Conv2d``).
    max_snapshots : int, default 200
        At least 2.

    Attributes
    ----------
    records : list of Snapshot

    Examples
    --------
    >>> snaps = Snapshots(every=10, probe=X_test[:4])          # doctest: +SKIP
    >>> fit(model, X, y, epochs=3, batch_size=64, optimizer=opt, callbacks=[snaps])
    ...                                                       # doctest: +SKIP
    >>> snaps.weights_over_time("conv1").shape                # (T, 6, 1, 3, 3) doctest: +SKIP

    Introduced in notebook 05_classifier.
    """

    def __init__(self, every: int, probe: np.ndarray | None = None, layers=None,
                 max_snapshots: int = 200):
        self.every = check_positive_int(every, "every", "record a snapshot every k steps")
        self.max_snapshots = check_positive_int(max_snapshots, "max_snapshots")
        if self.max_snapshots < 2:
            fail(ValueError, "max_snapshots", "at least 2", repr(self.max_snapshots),
                 "the first and the last state are always kept")
        if probe is not None:
            check_float_array(probe, "probe")
            if probe.ndim < 2 or probe.shape[0] == 0:
                fail(ValueError, "probe", "a non-empty batch (P, C, H, W)",
                     f"shape {probe.shape}", "a single image x becomes x[None]")
            check_finite(probe, "probe")
        self.probe = probe
        if layers is not None:
            if isinstance(layers, str):
                layers = [layers]
            layers = list(layers)
            for i, name in enumerate(layers):
                if not isinstance(name, str):
                    fail(TypeError, f"layers[{i}]", "a layer name such as 'conv1'",
                         describe(name))
        self.layers = layers
        self.records: list[Snapshot] = []
        self._names: list[str] = []
        self._probe: np.ndarray | None = None
        self._base = 0
        self._losses: list[float] = []
        self._accs: list[float] = []

    # -- recording -----------------------------------------------------------------------------
    def on_train_begin(self, state: TrainState) -> None:
        model = state.model
        convs = [layer.name for layer in model.layers if isinstance(layer, Conv2d)]
        if self.layers is None:
            self._names = convs
        else:
            for name in self.layers:
                if name not in convs:
                    fail(ValueError, "layers", f"names of conv layers of the model {convs}",
                         repr(name), "Snapshots records conv kernels; see model.summary(...)")
            self._names = list(self.layers)
        if self.probe is not None:
            model.output_shapes(tuple(self.probe.shape[1:]))  # clear error if it does not fit
            self._probe = self.probe.astype(model.dtype, copy=False)
        self._losses, self._accs = [], []
        if not self.records:
            self._record(state, self._base, force=True)

    def on_batch_end(self, state: TrainState) -> None:
        self._losses.append(state.batch_loss)
        self._accs.append(state.batch_acc)
        step = self._base + state.step
        if step % self.every == 0:
            self._record(state, step)

    def on_train_end(self, state: TrainState) -> None:
        step = self._base + state.step
        if self.records[-1].step != step:
            self._record(state, step, force=True)
        self._base = step  # a later fit() call continues the step count

    def _record(self, state: TrainState, step: int, force: bool = False) -> None:
        if len(self.records) >= self.max_snapshots:
            self.records = self.records[::2]
            self.every *= 2
            if step % self.every and not force:
                return  # not on the coarser grid
        model = state.model
        weights = {name: model[name].weight.data.copy() for name in self._names}
        maps: dict[str, np.ndarray] = {}
        if self._probe is not None:
            acts = model.activations(self._probe)
            maps = {name: acts[name].copy() for name in self._names}
        loss = float(np.mean(self._losses)) if self._losses else None
        acc = float(np.mean(self._accs)) if self._accs else None
        self._losses, self._accs = [], []
        spe = max(state.steps_per_epoch, 1)
        self.records.append(Snapshot(step=step, epoch=step / spe, weights=weights,
                                     feature_maps=maps, loss=loss, accuracy=acc))

    # -- reading -------------------------------------------------------------------------------
    def _check_name(self, name: str) -> None:
        if not self.records:
            raise ValueError("no snapshots recorded yet. Hint: pass this object to "
                             "fit(..., callbacks=[snapshots]) first")
        if name not in self.records[0].weights:
            fail(ValueError, "name", f"one of the recorded layers {list(self.records[0].weights)}",
                 repr(name))

    @property
    def steps(self) -> np.ndarray:
        """Step of each record, shape (T,), int64."""
        return np.array([r.step for r in self.records], dtype=np.int64)

    @property
    def epochs(self) -> np.ndarray:
        """Fractional epoch of each record, shape (T,)."""
        return np.array([r.epoch for r in self.records], dtype=np.float64)

    @property
    def losses(self) -> np.ndarray:
        """Recent training loss of each record, shape (T,); ``nan`` for step 0."""
        return np.array([np.nan if r.loss is None else r.loss for r in self.records])

    def weights_over_time(self, name: str) -> np.ndarray:
        """Stack a conv layer's kernels over the records: shape (T, F, C, KH, KW)."""
        self._check_name(name)
        return np.stack([r.weights[name] for r in self.records])

    def feature_maps_over_time(self, name: str) -> np.ndarray:
        """Stack a conv layer's probe outputs over the records: shape (T, P, F, H, W)."""
        self._check_name(name)
        if self.probe is None:
            raise ValueError("no probe images were given. Hint: Snapshots(every, probe=X[:8])")
        return np.stack([r.feature_maps[name] for r in self.records])

    @property
    def nbytes(self) -> int:
        """Bytes held by the recorded arrays."""
        return sum(a.nbytes for r in self.records
                   for a in (*r.weights.values(), *r.feature_maps.values()))

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return (f"Snapshots({len(self.records)} records, every {self.every} steps, "
                f"layers {self._names or self.layers or 'all conv'}, {self.nbytes:,} bytes)")
