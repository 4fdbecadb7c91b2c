"""Ingredients of a training recipe: data augmentation and learning-rate schedules.

* :func:`random_shift` (:class:`RandomShift`): shift each image by a few pixels;
* :func:`cosine_schedule` and :func:`one_cycle` (:class:`Schedule`): the
  learning rate as a function of the step.

All are passed to :func:`cnnlesson.train.fit` (``augment=``, ``schedule=``)
and are also available from :mod:`cnnlesson.train`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from cnnlesson._validate import (
    check_float_array,
    check_positive_int,
    describe,
    fail,
)

__all__ = ["RandomShift", "random_shift", "Schedule", "cosine_schedule", "one_cycle"]


class RandomShift:
    """Augmentation: shift each image by a random whole number of pixels.

    Each image of the batch moves independently by ``dy, dx`` drawn uniformly
    from ``-max_shift .. max_shift``; pixels that enter the frame are filled
    with 0 (``mode="constant"``, right for dark backgrounds such as the
    digits) or copied from the nearest edge (``mode="edge"``). Vectorised: one
    pad and one gather per batch.

    Call it as ``shift(X_batch, rng) -> shifted copy`` (N, C, H, W), same
    dtype; this is the ``augment`` signature of :func:`fit`.

    Introduced in notebook 05_classifier.
    """

    def __init__(self, max_shift: int = 2, mode: str = "constant"):
        if isinstance(max_shift, bool) or not isinstance(max_shift, numbers.Integral) \
                or max_shift < 0:
            fail(ValueError if isinstance(max_shift, numbers.Integral) else TypeError,
                 "max_shift", "a non-negative int (pixels)", describe(max_shift), "e.g. 2")
        if mode not in ("constant", "edge"):
            fail(ValueError, "mode", "'constant' or 'edge'", repr(mode))
        self.max_shift = int(max_shift)
        self.mode = mode

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        check_float_array(X, "X", ndim=4)
        k = self.max_shift
        if k == 0:
            return X.copy()
        n, c, h, w = X.shape
        padded = np.pad(X, ((0, 0), (0, 0), (k, k), (k, k)), mode=self.mode)
        oy = rng.integers(0, 2 * k + 1, size=n)
        ox = rng.integers(0, 2 * k + 1, size=n)
        # every HxW window of the padded images: (N, C, 2k+1, 2k+1, H, W), a view
        windows = np.lib.stride_tricks.sliding_window_view(padded, (h, w), axis=(2, 3))
        # image i takes its window at offset (oy[i], ox[i]): shape (N, C, H, W)
        return windows[np.arange(n), :, oy, ox]

    def __repr__(self):
        return f"random_shift(max_shift={self.max_shift}, mode={self.mode!r})"


def random_shift(max_shift: int = 2, mode: str = "constant") -> RandomShift:
    """Augmentation that shifts every image by up to ``max_shift`` pixels.

    Parameters
    ----------
    max_shift : int, default 2
        Largest shift in each direction, in pixels.
    mode : {"constant", "edge"}, default "constant"
        Fill with zeros or repeat the edge pixels.

    Returns
    -------
    RandomShift
        A callable ``(X_batch (N, C, H, W), rng) -> X_batch``, for ``fit(augment=...)``.

    Introduced in notebook 05_classifier.
    """
    return RandomShift(max_shift, mode)




class Schedule:
    """A learning-rate schedule: ``schedule(epoch, step) -> lr`` for step ``0 .. total_steps-1``.

    Subclasses define ``lr_at(step)``. :meth:`values` gives the whole curve
    (to plot it). Calling it past ``total_steps`` is an error, so a schedule
    built for the wrong number of steps is noticed (``fit`` checks up front).

    Introduced in notebook 05_classifier.
    """

    def __init__(self, lr_max: float, total_steps: int):
        if isinstance(lr_max, bool) or not isinstance(lr_max, numbers.Real) \
                or not math.isfinite(lr_max) or lr_max <= 0:
            fail(ValueError, "lr_max", "a finite number > 0", describe(lr_max))
        self.lr_max = float(lr_max)
        self.total_steps = check_positive_int(
            total_steps, "total_steps", "total_steps = epochs * steps_per_epoch")

    def lr_at(self, step: int) -> float:  # pragma: no cover - abstract
        """The learning rate of step ``step`` (0-based), without range checks."""
        raise NotImplementedError

    def __call__(self, epoch: int, step: int) -> float:
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
            fail(ValueError, "step", "a non-negative int", describe(step))
        if step >= self.total_steps:
            fail(ValueError, "step", f"< total_steps = {self.total_steps}", repr(int(step)),
                 "build the schedule with total_steps = epochs * ceil(N / batch_size)")
        return float(self.lr_at(int(step)))

    def values(self) -> np.ndarray:
        """The learning rate of every step, shape (total_steps,)."""
        return np.array([self.lr_at(s) for s in range(self.total_steps)])


class _Cosine(Schedule):
    def __init__(self, lr_max, total_steps, warmup, lr_min):
        super().__init__(lr_max, total_steps)
        if isinstance(warmup, bool) or not isinstance(warmup, numbers.Integral) \
                or not 0 <= warmup < self.total_steps:
            fail(ValueError, "warmup", f"an int in [0, total_steps) = [0, {self.total_steps})",
                 describe(warmup))
        if isinstance(lr_min, bool) or not isinstance(lr_min, numbers.Real) \
                or not 0 <= lr_min < self.lr_max:
            fail(ValueError, "lr_min", f"a number in [0, lr_max) = [0, {self.lr_max:g})",
                 describe(lr_min))
        self.warmup = int(warmup)
        self.lr_min = float(lr_min)

    def lr_at(self, step):
        if step < self.warmup:
            return self.lr_max * (step + 1) / self.warmup
        p = (step - self.warmup) / (self.total_steps - self.warmup)
        return self.lr_min + 0.5 * (self.lr_max - self.lr_min) * (1 + math.cos(math.pi * p))

    def __repr__(self):
        return (f"cosine_schedule(lr_max={self.lr_max:g}, total_steps={self.total_steps}, "
                f"warmup={self.warmup}, lr_min={self.lr_min:g})")


def cosine_schedule(lr_max: float, total_steps: int, warmup: int = 0,
                    lr_min: float = 0.0) -> Schedule:
    """Linear warm-up to ``lr_max``, then a half-cosine decay towards ``lr_min``.

    ``lr = lr_max * (step + 1) / warmup`` for the first ``warmup`` steps, then
    ``lr_min + (lr_max - lr_min) * (1 + cos(pi * p)) / 2`` with ``p`` going
    from 0 to (almost) 1 over the remaining steps. Every value is > 0.

    Parameters
    ----------
    lr_max : float
        Peak learning rate.
    total_steps : int
        ``epochs * steps_per_epoch`` of the :func:`fit` call.
    warmup : int, default 0
        Warm-up steps.
    lr_min : float, default 0
        Value approached at the end.

    Returns
    -------
    Schedule
        Callable ``(epoch, step) -> lr`` for ``fit(schedule=...)``.

    Introduced in notebook 05_classifier.
    """
    return _Cosine(lr_max, total_steps, warmup, lr_min)


class _OneCycle(Schedule):
    def __init__(self, lr_max, total_steps, pct_start, div_factor, final_div_factor):
        super().__init__(lr_max, total_steps)
        for v, name, lo in ((div_factor, "div_factor", 1.0),
                            (final_div_factor, "final_div_factor", 1.0)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v >= lo \
                    or not math.isfinite(v):
                fail(ValueError, name, f"a finite number >= {lo:g}", describe(v))
        if isinstance(pct_start, bool) or not isinstance(pct_start, numbers.Real) \
                or not 0 < pct_start < 1:
            fail(ValueError, "pct_start", "a fraction in (0, 1)", describe(pct_start))
        self.pct_start = float(pct_start)
        self.div_factor = float(div_factor)
        self.final_div_factor = float(final_div_factor)
        self.up_steps = max(1, round(self.pct_start * self.total_steps))

    def lr_at(self, step):
        lo = self.lr_max / self.div_factor
        end = lo / self.final_div_factor
        if step < self.up_steps:
            p = step / self.up_steps
            return lo + (self.lr_max - lo) * (1 - math.cos(math.pi * p)) / 2
        p = (step - self.up_steps) / max(1, self.total_steps - 1 - self.up_steps)
        return end + (self.lr_max - end) * (1 + math.cos(math.pi * min(p, 1.0))) / 2

    def __repr__(self):
        return (f"one_cycle(lr_max={self.lr_max:g}, total_steps={self.total_steps}, "
                f"pct_start={self.pct_start:g}, div_factor={self.div_factor:g}, "
                f"final_div_factor={self.final_div_factor:g})")


def one_cycle(lr_max: float, total_steps: int, pct_start: float = 0.25,
              div_factor: float = 25.0, final_div_factor: float = 1e4) -> Schedule:
    """The one-cycle schedule: rise from ``lr_max / div_factor`` to ``lr_max``, then fall.

    A half-cosine rise over the first ``pct_start`` of the steps, then a
    half-cosine fall to ``lr_max / (div_factor * final_div_factor)`` at the
    last step (as ``torch.optim.lr_scheduler.OneCycleLR`` with cosine
    annealing, without momentum cycling).

    Parameters
    ----------
    lr_max : float
        Peak learning rate.
    total_steps : int
        ``epochs * steps_per_epoch`` of the :func:`fit` call.
    pct_start : float, default 0.25
        Fraction of the steps spent rising.
    div_factor : float, default 25
        Initial learning rate is ``lr_max / div_factor``.
    final_div_factor : float, default 1e4
        Final learning rate is the initial one divided by this.

    Returns
    -------
    Schedule
        Callable ``(epoch, step) -> lr`` for ``fit(schedule=...)``.

    Introduced in notebook 05_classifier.
    """
    return _OneCycle(lr_max, total_steps, pct_start, div_factor, final_div_factor)
