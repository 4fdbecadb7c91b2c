"""A kernel that learns itself: gradient descent on a single kernel (3x3 in the course).

The experiment of notebook 04_backprop, kept here so that the notebook holds no
logic. A hand-made kernel (say :data:`cnnlesson.filters.LAPLACIAN`) filters an
image; that filtered image is the *target*. A second kernel starts from random
numbers and is corrected step after step by gradient descent on the squared
error between its own output and the target::

    Y_t = correlate2d(X, K_t)            (cross-correlation, "valid", no bias)
    L_t = mean over (i, j) of (Y_t[i, j] - T[i, j]) ** 2
    K_{t+1} = K_t - lr * dL/dK

The gradient comes from :func:`cnnlesson.functional.conv2d_backward`, the same
backward pass a CNN layer uses, on the image as a batch of one gray image
``(1, 1, H, W)``. Since the target was made by a kernel of the same size, the
loss can reach zero and the learned kernel converges to the hand-made one.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import functional as F
from ._validate import check_array, check_finite, check_float_array, describe, fail
from .images import hwc_to_chw, load_photo, to_grayscale

__all__ = ["KernelFit", "learn_kernel", "kernel_learning_image", "log_spaced_steps"]


def kernel_learning_image(size: int = 48, *, standardize: bool = True) -> np.ndarray:
    """The course photo in gray at ``size`` x ``size`` pixels, ready for :func:`learn_kernel`.

    The whole photo is cut to a square around its centre and shrunk (see
    :func:`cnnlesson.images.load_photo`), then turned gray. With
    ``standardize=True`` (the default) the pixel values are shifted and scaled
    to mean 0 and standard deviation 1, as networks usually do with their
    inputs: gradient descent then converges several times faster than on
    values in [0, 1] and tolerates larger learning rates.

    Parameters
    ----------
    size : int, optional
        Height and width in pixels, at least 8. Default 48.
    standardize : bool, optional, keyword-only
        Return ``(gray - mean) / std`` instead of gray values in [0, 1].

    Returns
    -------
    numpy.ndarray
        float64 array of shape (size, size).

    Introduced in notebook 04_backprop.
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        fail(TypeError, "size", "an integer number of pixels", describe(size), "e.g. 48")
    if size < 8:
        fail(ValueError, "size", "at least 8 pixels", repr(int(size)),
             "a 3x3 kernel needs a reasonably large image to be learned from, e.g. 48")
    if not isinstance(standardize, (bool, np.bool_)):
        fail(TypeError, "standardize", "True or False", describe(standardize))
    gray = to_grayscale(load_photo(size=int(size))).astype(np.float64)
    if standardize:
        gray = (gray - gray.mean()) / gray.std()
    return gray


def log_spaced_steps(steps: int, per_decade: int = 10) -> list[int]:
    """Step numbers spread evenly on a log scale, for recording a run: dense early, sparse late.

    Learning changes a kernel fastest in the first steps, so recording at
    ``0, 1, 2, ..., 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100, ...`` shows
    the whole story in a few dozen frames. Every power of ten up to ``steps``
    is included, and so are 0 and ``steps``.

    Parameters
    ----------
    steps : int
        The last step, >= 1.
    per_decade : int, optional
        Points per factor of ten (default 10), >= 1.

    Returns
    -------
    list of int
        Increasing, no repeats, from 0 to ``steps``.

    Introduced in notebook 04_backprop.
    """
    steps = _check_int(steps, "steps", 1, "the number of steps of the run, e.g. 4000")
    per_decade = _check_int(per_decade, "per_decade", 1, "points per factor of ten, e.g. 10")
    top = int(np.ceil(np.log10(steps) * per_decade))
    marks = np.round(10.0 ** (np.arange(top + 1) / per_decade)).astype(int)
    return sorted({0, steps} | {int(m) for m in marks if m <= steps})


@dataclass
class KernelFit:
    """The result of :func:`learn_kernel`: the learned kernel and its history.

    Attributes
    ----------
    kernel : numpy.ndarray, shape (KH, KW)
        The kernel after the last step (float64).
    target_kernel : numpy.ndarray, shape (KH, KW)
        The hand-made kernel that produced the target (float64).
    lr : float
        The learning rate used.
    losses : numpy.ndarray, shape (steps + 1,)
        ``losses[t]`` is the mean squared error of the kernel after ``t``
        updates (``losses[0]``: the random start; ``losses[-1]``: the final
        kernel).
    errors : numpy.ndarray, shape (steps + 1,)
        ``errors[t]`` is the largest absolute difference between the kernel
        after ``t`` updates and ``target_kernel``.
    recorded_steps : list of int
        The steps at which a copy of the kernel was kept, increasing, always
        including 0 and the last step.
    kernels : list of numpy.ndarray, each (KH, KW)
        The kernel after ``recorded_steps[k]`` updates.
    outputs : list of numpy.ndarray, each (H', W')
        The image filtered by ``kernels[k]`` (``H' = H - KH + 1``), to watch
        the output approach the target.
    target : numpy.ndarray, shape (H', W')
        The target output: the image filtered by ``target_kernel``.

    Introduced in notebook 04_backprop.
    """

    kernel: np.ndarray
    target_kernel: np.ndarray
    lr: float
    losses: np.ndarray
    errors: np.ndarray
    recorded_steps: list[int] = field(default_factory=list)
    kernels: list[np.ndarray] = field(default_factory=list)
    outputs: list[np.ndarray] = field(default_factory=list)
    target: np.ndarray | None = None

    @property
    def steps(self) -> int:
        """Number of gradient descent updates made."""
        return len(self.losses) - 1

    @property
    def error(self) -> float:
        """Largest absolute difference between the final kernel and the target kernel."""
        return float(self.errors[-1])

    def steps_to_reach(self, error: float) -> int | None:
        """First step at which the kernel error is below ``error`` (None if never)."""
        below = np.flatnonzero(self.errors < error)
        return int(below[0]) if below.size else None

    def to_snapshots(self, layer: str = "conv1") -> list:
        """The recorded kernels as :class:`cnnlesson.train.Snapshot` records.

        So that the replay tools made for a whole network's training (e.g.
        :func:`cnnlesson.widgets.snapshot_player`) can replay this experiment:
        one snapshot per recorded step, with ``weights = {layer: (1, 1, KH, KW)}``,
        ``feature_maps = {layer: (1, 1, H', W')}`` (the image filtered by the
        kernel), ``loss`` the loss at that step and ``accuracy = None``. Every
        step uses the whole (single) image, so ``epoch`` equals ``step``.

        Parameters
        ----------
        layer : str, optional
            The layer name to file the kernel under, default ``"conv1"``.

        Returns
        -------
        list of cnnlesson.train.Snapshot

        Introduced in notebook 04_backprop.
        """
        from .train import Snapshot

        if not isinstance(layer, str) or not layer:
            fail(TypeError, "layer", "a non-empty str", describe(layer), 'e.g. "conv1"')
        return [Snapshot(step=s, epoch=float(s), weights={layer: k[None, None].copy()},
                         feature_maps={layer: out[None, None].copy()},
                         loss=float(self.losses[s]), accuracy=None)
                for s, k, out in zip(self.recorded_steps, self.kernels, self.outputs,
                                     strict=True)]

    def __repr__(self) -> str:
        return (f"KernelFit(steps={self.steps}, lr={self.lr:g}, "
                f"final loss={self.losses[-1]:.3g}, kernel error={self.error:.3g}, "
                f"{len(self.kernels)} recorded kernels)")


def _check_lr(lr) -> float:
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        fail(TypeError, "lr", "a positive number", describe(lr), "e.g. lr=0.1")
    if not np.isfinite(lr) or lr <= 0:
        fail(ValueError, "lr", "a positive finite number", repr(lr),
             "the learning rate is the size of each step, e.g. lr=0.1")
    return float(lr)


def _check_int(v, name: str, lowest: int, hint: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        fail(TypeError, name, "an integer", describe(v), hint)
    if v < lowest:
        fail(ValueError, name, f"an integer >= {lowest}", repr(int(v)), hint)
    return int(v)


def _as_kernel(k, name: str) -> np.ndarray:
    if isinstance(k, (list, tuple)):
        try:
            k = np.array(k, dtype=np.float64)
        except (TypeError, ValueError):
            fail(ValueError, name, "a rectangular 2-D grid of numbers", describe(k),
                 "every row needs the same number of entries")
    check_array(k, name, ndim=2, layout="(KH, KW)",
                hint="one 2-D kernel, e.g. cnnlesson.filters.LAPLACIAN")
    if k.dtype == np.bool_ or not np.issubdtype(k.dtype, np.number) \
            or np.issubdtype(k.dtype, np.complexfloating):
        fail(TypeError, name, "an array of real numbers", f"dtype {k.dtype}")
    k = k.astype(np.float64)
    check_finite(k, name, "every kernel weight must be a finite number")
    return k


def _record_plan(steps: int, record_every, record_at) -> list[int]:
    if record_every is not None and record_at is not None:
        raise ValueError("record_every and record_at cannot both be given; got both. "
                         "Hint: pass record_every=k for every k-th step, or record_at=[...] "
                         "for chosen steps")
    if record_at is not None:
        if isinstance(record_at, (str, bytes)) or not isinstance(record_at, (Sequence,
                                                                              np.ndarray)):
            fail(TypeError, "record_at", "a sequence of step numbers", describe(record_at),
                 "e.g. record_at=[0, 10, 100, 1000]")
        plan = set()
        for s in record_at:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
                fail(TypeError, "record_at", "a sequence of integers",
                     f"an entry {describe(s)}", "step numbers are whole numbers")
            if not 0 <= s <= steps:
                fail(ValueError, "record_at", f"step numbers between 0 and steps={steps}",
                     repr(int(s)), "step t means the kernel after t updates")
            plan.add(int(s))
    else:
        if record_every is None:
            record_every = max(1, steps // 50)
        every = _check_int(record_every, "record_every", 1,
                           "keep a copy of the kernel every k steps, e.g. record_every=50")
        plan = set(range(0, steps + 1, every))
    plan.update((0, steps))
    return sorted(plan)


def _diverged(what: str, step: int, lr: float):
    raise FloatingPointError(
        f"gradient descent diverged at step {step}: {what} with learning rate lr={lr:g}. "
        f"Hint: each step overshoots the minimum; use a smaller learning rate, "
        f"e.g. lr={lr / 10:g}")


def learn_kernel(image: np.ndarray, target_kernel, *, steps: int, lr: float, seed=0,
                 init=None, record_every: int | None = None,
                 record_at: Sequence[int] | None = None) -> KernelFit:
    """Learn a kernel by gradient descent so that it filters ``image`` like ``target_kernel``.

    The target is ``T = correlate2d(image, target_kernel)`` ("valid", no
    padding). Starting from ``init`` (or random numbers), each of the
    ``steps`` updates computes ``Y = correlate2d(image, K)`` with
    :func:`cnnlesson.functional.conv2d_forward` (bias fixed at 0), the loss
    ``L = mean((Y - T) ** 2)``, its gradient ``dL/dY = 2 (Y - T) / Y.size``,
    the kernel gradient ``dL/dK`` with
    :func:`cnnlesson.functional.conv2d_backward`, and ``K <- K - lr * dL/dK``.
    Computation is in float64 whatever the input dtype.

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W)
        A gray image, float32 or float64, finite. Standardised values (mean 0,
        std 1, see :func:`kernel_learning_image`) converge fastest.
    target_kernel : numpy.ndarray or nested list, shape (KH, KW)
        The hand-made kernel to rediscover, e.g. ``filters.LAPLACIAN``.
    steps : int, keyword-only
        Number of gradient descent updates, >= 1.
    lr : float, keyword-only
        Learning rate, > 0. Too large a value makes the loss explode (an
        error is raised); for a standardised image about 0.1 works.
    seed : int, optional, keyword-only
        Seed of the random start (normal, std ``sqrt(2 / (KH * KW))``, the
        He initialisation of :class:`cnnlesson.layers.Conv2d`). Ignored when
        ``init`` is given.
    init : numpy.ndarray, shape (KH, KW), optional, keyword-only
        Starting kernel instead of a random one (not modified).
    record_every : int, optional, keyword-only
        Keep a copy of the kernel every ``record_every`` steps (default:
        about 50 copies over the run). Step 0 and the last step are always kept.
    record_at : sequence of int, optional, keyword-only
        Keep copies at exactly these steps (plus 0 and the last one) instead,
        e.g. log-spaced steps to see the fast start of learning.

    Returns
    -------
    KernelFit
        Final kernel, loss and kernel error at every step, recorded kernels
        and outputs.

    Raises
    ------
    FloatingPointError
        If the loss stops being a finite number (gradient descent diverged):
        the message suggests a smaller ``lr``, as :func:`cnnlesson.train.fit` does.
    TypeError, ValueError
        For bad arguments.

    Introduced in notebook 04_backprop.
    """
    check_float_array(image, "image", ndim=2, layout="(H, W)",
                      hint="learn_kernel takes one gray image; use "
                           "cnnlesson.images.to_grayscale for a colour one")
    check_finite(image, "image")
    target_kernel = _as_kernel(target_kernel, "target_kernel")
    kh, kw = target_kernel.shape
    h, w = image.shape
    if kh > h or kw > w:
        fail(ValueError, "target_kernel", f"no larger than the image {(h, w)}",
             f"shape {(kh, kw)}", "use a larger image or a smaller kernel")
    steps = _check_int(steps, "steps", 1, "the number of gradient descent updates, e.g. 2000")
    lr = _check_lr(lr)
    if init is None:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
            fail(TypeError, "seed", "an integer", describe(seed), "e.g. seed=0")
        rng = np.random.default_rng(int(seed))
        kernel = rng.normal(0.0, np.sqrt(2.0 / (kh * kw)), size=(kh, kw))
    else:
        kernel = _as_kernel(init, "init").copy()
        if kernel.shape != target_kernel.shape:
            fail(ValueError, "init", f"of the target kernel's shape {(kh, kw)}",
                 f"shape {kernel.shape}", "the learned kernel has the target's size")
    plan = _record_plan(steps, record_every, record_at)

    x = hwc_to_chw(image.astype(np.float64))[None]          # (1, 1, H, W)
    bias = np.zeros(1)
    # The target T = correlate2d(image, target_kernel), computed by the same forward pass
    # as the learned kernel's output, so that the loss is exactly 0 at the target kernel.
    t4, _ = F.conv2d_forward(x, target_kernel[None, None].copy(), bias)   # (1, 1, H', W')
    target = t4[0, 0]
    w4 = kernel[None, None].copy()                         # (1, 1, KH, KW)
    losses = np.empty(steps + 1)
    errors = np.empty(steps + 1)
    fit = KernelFit(kernel=w4[0, 0], target_kernel=target_kernel, lr=lr, losses=losses,
                    errors=errors, target=target)
    next_record = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            out, cache = F.conv2d_forward(x, w4, bias)
            diff = out - t4
            loss = float(np.mean(diff * diff))
            if not np.isfinite(loss):
                _diverged(f"the loss became {loss}", t, lr)
            losses[t] = loss
            errors[t] = float(np.max(np.abs(w4[0, 0] - target_kernel)))
            if next_record < len(plan) and plan[next_record] == t:
                fit.recorded_steps.append(t)
                fit.kernels.append(w4[0, 0].copy())
                fit.outputs.append(out[0, 0].copy())
                next_record += 1
            if t == steps:
                break
            _, dw, _ = F.conv2d_backward(2.0 * diff / diff.size, cache)
            w4 -= lr * dw
            if not np.all(np.isfinite(w4)):
                _diverged("the kernel weights became infinite", t + 1, lr)
    fit.kernel = w4[0, 0].copy()
    return fit
