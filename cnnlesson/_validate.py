"""Input checks shared by every public function of :mod:`cnnlesson`.

Every message follows one pattern so that a learner can act on it::

    <parameter> must be <expected>; got <received>. <hint>

The helpers raise :class:`TypeError` for a wrong kind of object or dtype and
:class:`ValueError` for a wrong shape or value. They never coerce silently in a
way that could change an answer.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "describe",
    "check_array",
    "check_float_array",
    "check_finite",
    "check_positive_int",
    "check_nonnegative_int",
    "check_labels",
    "fail",
]

#: Layout names used in messages, by number of dimensions.
LAYOUTS = {
    1: "(N,)",
    2: "(N, D)",
    3: "(C, H, W)",
    4: "(N, C, H, W)",
}


def describe(x) -> str:
    """Return a short description of ``x`` for an error message."""
    if isinstance(x, np.ndarray):
        return f"array of shape {tuple(x.shape)} and dtype {x.dtype}"
    if isinstance(x, (list, tuple)):
        return f"{type(x).__name__} of length {len(x)}"
    return f"{type(x).__name__} {x!r}" if np.isscalar(x) else type(x).__name__


def fail(kind: type[Exception], name: str, expected: str, received: str, hint: str = "") -> None:
    """Raise ``kind`` with the course's standard message."""
    msg = f"{name} must be {expected}; got {received}."
    if hint:
        msg += f" Hint: {hint}"
    raise kind(msg)


def check_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None,
                layout: str | None = None, hint: str = "") -> np.ndarray:
    """Check that ``x`` is a numpy array with the right number of dimensions.

    Parameters
    ----------
    x : object
        The value to check.
    name : str
        The parameter name, used in the message.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    layout : str, optional
        The expected layout shown in the message, e.g. ``"(N, C, H, W)"``.
    hint : str, optional
        A suggestion appended to the message.

    Returns
    -------
    numpy.ndarray
        ``x`` itself.
    """
    if not isinstance(x, np.ndarray):
        fail(TypeError, name, "a numpy array", describe(x),
             hint or f"convert it with np.asarray({name}, dtype=np.float32)")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            if layout is None and len(allowed) == 1:
                layout = LAYOUTS.get(allowed[0])
            if layout:
                want += f" {layout}"
            fail(ValueError, name, want, f"shape {tuple(x.shape)}", hint)
    return x


def check_float_array(x, name: str, *, ndim: int | tuple[int, ...] | None = None,
                      layout: str | None = None, hint: str = "") -> np.ndarray:
    """Like :func:`check_array`, and also require a float32 or float64 dtype.

    Integer arrays (for example uint8 images from Pillow) are refused rather than
    converted, because the network ops would otherwise overflow or round
    silently.
    """
    check_array(x, name, ndim=ndim, layout=layout, hint=hint)
    if x.dtype not in (np.float32, np.float64):
        extra = ""
        if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            extra = (f"convert it first, e.g. {name}.astype(np.float32) / 255 for uint8 images "
                     "(cnnlesson.images.to_float does this)")
        else:
            extra = f"convert it with {name}.astype(np.float32)"
        fail(TypeError, name, "a float32 or float64 array", f"dtype {x.dtype}", extra)
    return x


def check_finite(x: np.ndarray, name: str, hint: str = "") -> np.ndarray:
    """Require every value of ``x`` to be finite (no NaN or infinity)."""
    if not np.all(np.isfinite(x)):
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        fail(ValueError, name, "finite (no NaN or inf)", f"{bad} non-finite value(s)",
             hint or "look for a division by zero or a learning rate that is too large upstream")
    return x


def check_positive_int(v, name: str, hint: str = "") -> int:
    """Require ``v`` to be an integer >= 1 (bool is refused); return it as ``int``."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        fail(TypeError, name, "a positive integer", describe(v), hint)
    if v < 1:
        fail(ValueError, name, "a positive integer (>= 1)", repr(int(v)), hint)
    return int(v)


def check_nonnegative_int(v, name: str, hint: str = "") -> int:
    """Require ``v`` to be an integer >= 0 (bool is refused); return it as ``int``."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        fail(TypeError, name, "a non-negative integer", describe(v), hint)
    if v < 0:
        fail(ValueError, name, "a non-negative integer (>= 0)", repr(int(v)), hint)
    return int(v)


def check_labels(y, name: str, n: int, num_classes: int) -> np.ndarray:
    """Require integer class labels of shape (n,) in ``[0, num_classes)``."""
    check_array(y, name, ndim=1, layout="(N,)",
                hint="labels are one integer class index per example")
    if not np.issubdtype(y.dtype, np.integer):
        fail(TypeError, name, "an integer array of class indices", f"dtype {y.dtype}",
             f"use {name}.astype(np.int64); one-hot labels are not accepted")
    if y.shape[0] != n:
        fail(ValueError, name, f"of shape ({n},) to match the batch", f"shape {tuple(y.shape)}",
             "give exactly one label per example")
    if n and (y.min() < 0 or y.max() >= num_classes):
        fail(ValueError, name, f"class indices in [0, {num_classes})",
             f"values from {int(y.min())} to {int(y.max())}",
             "labels must index the columns of the logits")
    return y
