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
    "check_not_chw",
    "check_not_nhwc",
    "check_allocation",
    "MAX_ALLOCATION_BYTES",
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


# ---------------------------------------------------------------------------
# layout mix-ups
# ---------------------------------------------------------------------------

#: Axis lengths that look like a channel axis (gray, RGB, RGBA).
CHANNEL_SIZES = (1, 3, 4)
#: Both spatial axes must be at least this long before a layout is called a mix-up,
#: so that genuinely tiny images (a 3x3 patch, a (3, 5, 3) toy) are never refused.
MIN_SPATIAL = 8


def looks_like_chw(shape) -> bool:
    """Return True if a 3-D ``shape`` meant as (H, W, C) is most likely (C, H, W).

    The rule: the leading axis is a channel count (1, 3 or 4), the trailing
    axis is not, and the two other axes are both at least
    :data:`MIN_SPATIAL` (8) long. So ``(3, 64, 64)`` is a mix-up while
    ``(64, 64, 3)``, ``(3, 3, 3)``, ``(3, 5, 3)`` and ``(4, 20, 3)`` are not.
    """
    shape = tuple(shape)
    return (len(shape) == 3 and shape[0] in CHANNEL_SIZES and shape[2] not in CHANNEL_SIZES
            and shape[1] >= MIN_SPATIAL and shape[2] >= MIN_SPATIAL)


def looks_like_nhwc(shape) -> bool:
    """Return True if a 4-D ``shape`` meant as (N, C, H, W) is most likely (N, H, W, C).

    The rule: the trailing axis is a channel count (1, 3 or 4), axis 1 is not,
    and axes 1 and 2 (H and W of a channels-last batch) are both at least
    :data:`MIN_SPATIAL` (8) long. So ``(64, 26, 26, 3)`` is a mix-up while
    ``(64, 3, 26, 26)``, ``(64, 12, 3, 3)`` and ``(2, 1, 4, 4)`` are not.
    """
    shape = tuple(shape)
    return (len(shape) == 4 and shape[3] in CHANNEL_SIZES and shape[1] not in CHANNEL_SIZES
            and shape[1] >= MIN_SPATIAL and shape[2] >= MIN_SPATIAL)


def check_not_chw(x, name: str, fix: str = "chw_to_hwc") -> None:
    """Refuse a single image that is channels-first where channels-last is expected.

    For functions that take one image as (H, W) or (H, W, C): a (C, H, W)
    array such as ``(3, 256, 256)`` would otherwise be read as a 3-pixel-high
    image with 256 channels and give a silently wrong answer.
    Uses :func:`looks_like_chw`; arrays that are not 3-D pass unchanged.

    Parameters
    ----------
    x : numpy.ndarray
        The image, any shape (only 3-D arrays are examined).
    name : str
        The parameter name, used in the message.
    fix : str, optional
        The conversion to suggest, default ``"chw_to_hwc"``
        (``cnnlesson.images.chw_to_hwc``).

    Raises
    ------
    ValueError
        ``"<name> must be (H, W) or (H, W, C) (channels last); got shape
        (3, 256, 256), which looks like (C, H, W). Hint: convert it with
        chw_to_hwc(<name>) ..."``
    """
    if isinstance(x, np.ndarray) and looks_like_chw(x.shape):
        fail(ValueError, name, "(H, W) or (H, W, C) (channels last)",
             f"shape {tuple(x.shape)}, which looks like (C, H, W) with {x.shape[0]} channel(s) "
             "first",
             f"convert it with {fix}({name}) (from cnnlesson.images); a network input "
             f"x[i] is channels first, e.g. {fix}(x[i], squeeze=True) for a gray one")


def check_not_nhwc(x, name: str, fix: str = "hwc_to_chw") -> None:
    """Refuse a batch that is channels-last where (N, C, H, W) is expected.

    For the network ops (conv, pooling, ...), which take NCHW batches: an
    (N, H, W, C) batch such as ``(64, 26, 26, 3)`` would otherwise be pooled
    or convolved over the wrong axes. Uses :func:`looks_like_nhwc`; arrays
    that are not 4-D pass unchanged.

    Parameters
    ----------
    x : numpy.ndarray
        The batch, any shape (only 4-D arrays are examined).
    name : str
        The parameter name, used in the message.
    fix : str, optional
        The conversion to suggest, default ``"hwc_to_chw"``
        (``cnnlesson.images.hwc_to_chw``).

    Raises
    ------
    ValueError
        ``"<name> must be 4-D (N, C, H, W) (channels first); got shape
        (64, 26, 26, 3), which looks like (N, H, W, C). Hint: convert it with
        hwc_to_chw(<name>) ..."``
    """
    if isinstance(x, np.ndarray) and looks_like_nhwc(x.shape):
        fail(ValueError, name, "4-D (N, C, H, W) (channels first)",
             f"shape {tuple(x.shape)}, which looks like (N, H, W, C) with {x.shape[3]} "
             "channel(s) last",
             f"convert it with {fix}({name}) (from cnnlesson.images)")


# ---------------------------------------------------------------------------
# allocation bound
# ---------------------------------------------------------------------------

#: The largest single array a course function will make: 512 MiB. A learner's
#: typo (``padding=3000``, ``resize(img, 100000)``) would otherwise ask for
#: gigabytes, freeze a laptop while it swaps, and end in a raw MemoryError.
#: Everything the course does needs well under 100 MiB.
MAX_ALLOCATION_BYTES = 512 * 2**20


def _fmt_bytes(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def check_allocation(shape, dtype, name: str, *, limit: int | None = None,
                     hint: str = "") -> int:
    """Refuse to make an array bigger than the course's limit; return its size in bytes.

    Call it *before* allocating, with the shape the function is about to
    make. The size is computed with Python integers, so it cannot overflow.

    Parameters
    ----------
    shape : tuple of int
        The shape about to be allocated.
    dtype : numpy dtype or type
        Its dtype, e.g. ``np.float32``.
    name : str
        The parameter that decides the size (e.g. ``"padding"``), used in the
        message.
    limit : int, optional, keyword-only
        Largest size in bytes; default :data:`MAX_ALLOCATION_BYTES` (512 MiB),
        read at call time.
    hint : str, optional, keyword-only
        A suggestion appended to the message.

    Returns
    -------
    int
        The number of bytes the array would take.

    Raises
    ------
    ValueError
        ``"padding must be small enough that the result fits in 512.0 MiB;
        got an array of shape (6512, 6512, 3) float32 (485.3 MiB) ..."``
    """
    n = int(np.dtype(dtype).itemsize)
    for s in shape:
        n *= int(s)
    cap = MAX_ALLOCATION_BYTES if limit is None else int(limit)
    if n > cap:
        fail(ValueError, name,
             f"small enough that the result fits in {_fmt_bytes(cap)} (the course's limit "
             "for one array, so that a typo cannot freeze the computer)",
             f"a request for an array of shape {tuple(int(s) for s in shape)} "
             f"{np.dtype(dtype)} ({_fmt_bytes(n)})",
             hint or f"check the value of {name}; the course's images are a few hundred "
                     "pixels wide")
    return n
