"""Occlusion sensitivity: cover one patch of the input, watch the class probability drop.

Tools of notebook 06_inside_the_network (:func:`occlude`, :func:`occlusion_map`,
:func:`pixel_importance`); re-exported by :mod:`cnnlesson.explain`.

What covers the patch matters. Filling it with the background (0 for the
digits) changes nothing where the patch lies on background, so such patches
score exactly 0 by construction, which says nothing about whether the network
*looks* there. The default occluder is therefore neutral grey: the image's mean
value in each channel (``fill="mean"``; for the digits about 0.13, the same as
the data set's mean), which differs from both the ink and the background, so
every patch position is actually tested.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._model_checks import (
    _check_image_chw,
    _check_model,
    _check_real_number,
    _check_target,
    _num_classes,
)
from ._validate import (
    check_array,
    check_float_array,
    check_nonnegative_int,
    check_positive_int,
    describe,
    fail,
)

__all__ = ["MEAN", "occlude", "occlusion_map", "pixel_importance"]


#: The ``fill`` that covers a patch with the image's mean value in each channel.
MEAN = "mean"


def _check_fill(fill):
    """``"mean"`` or a finite real number (returned as float)."""
    if isinstance(fill, str):
        if fill != MEAN:
            fail(ValueError, "fill", 'a real number or "mean"', repr(fill),
                 'e.g. fill="mean" for a neutral grey, or 0 for the background')
        return fill
    if isinstance(fill, bool) or not isinstance(fill, numbers.Real):
        fail(TypeError, "fill", 'a real number or "mean"', describe(fill),
             'e.g. fill="mean" for a neutral grey, or 0 for the background')
    return _check_real_number(fill, "fill", 'e.g. fill="mean", or 0 for the background')


def _fill_values(x: np.ndarray, fill) -> np.ndarray:
    """(C,) the value written into each channel of a covered patch."""
    if fill == MEAN:
        return x.mean(axis=(1, 2), dtype=np.float64).astype(x.dtype)
    return np.full(x.shape[0], fill, dtype=x.dtype)


def occlude(x: np.ndarray, top: int, left: int, patch: int, fill=MEAN) -> np.ndarray:
    """Return a copy of ``x`` with one square patch covered by a constant.

    The patch covers rows ``top .. top + patch - 1`` and columns
    ``left .. left + patch - 1`` in every channel. ``x`` itself is not changed.

    Parameters
    ----------
    x : numpy.ndarray
        (C, H, W) one image, float32 or float64.
    top, left : int
        Row and column of the patch's top-left pixel; the whole patch must fit.
    patch : int
        Side of the square, in pixels.
    fill : float or "mean", default "mean"
        The value written into the patch: a number (0 is the digits'
        background), or "mean" for the mean of ``x`` in each channel, a neutral
        grey (see the module's introduction).

    Returns
    -------
    numpy.ndarray
        (C, H, W), same dtype as ``x``.

    Introduced in notebook 06_inside_the_network.
    """
    check_float_array(x, "x", ndim=3, layout="(C, H, W)",
                      hint="one image, channels first, e.g. X_test[0]")
    patch = check_positive_int(patch, "patch", "the side of the square patch, e.g. 4")
    top = check_nonnegative_int(top, "top")
    left = check_nonnegative_int(left, "left")
    fill = _check_fill(fill)
    _, h, w = x.shape
    if patch > min(h, w):
        fail(ValueError, "patch", f"at most the image's height and width ({h}, {w})",
             repr(patch), "use a patch smaller than the image")
    if top + patch > h or left + patch > w:
        fail(ValueError, "(top, left)", f"a position where the {patch}x{patch} patch fits in "
             f"the {h}x{w} image (top <= {h - patch}, left <= {w - patch})",
             repr((top, left)), "the patch may not hang over the edge")
    out = x.copy()
    out[:, top:top + patch, left:left + patch] = _fill_values(x, fill)[:, None, None]
    return out


def _positions(n: int, patch: int, stride: int) -> np.ndarray:
    return np.arange(0, n - patch + 1, stride)


def occlusion_map(model, x: np.ndarray, target: int, patch: int = 4, stride: int = 1,
                  fill=MEAN, *, batch_size: int = 256) -> np.ndarray:
    """How much the probability of ``target`` drops when each patch of ``x`` is covered.

    For every position ``(i, j)`` the patch whose top-left pixel is
    ``(i * stride, j * stride)`` is set to ``fill`` (:func:`occlude`), the
    occluded image goes through the model, and the result is

    ``p(target | x) - p(target | x with that patch covered)``.

    Positive values: covering those pixels hurts the answer (the network used
    them). Negative values: covering them makes ``target`` *more* likely.
    The model's caches are not touched.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
        A trained classifier.
    x : numpy.ndarray
        (C, H, W) one image, float32 or float64 (converted to the model's dtype).
    target : int
        The class whose probability is watched, e.g. the true label.
    patch : int, default 4
        Side of the square patch, at most ``min(H, W)``.
    stride : int, default 1
        Step between patch positions.
    fill : float or "mean", default "mean"
        The value put into the patch: "mean" is the mean of ``x`` in each
        channel (a neutral grey, so that covering background changes the input
        too); 0 is the digits' background, which leaves background patches
        unchanged, so they score exactly 0.
    batch_size : int, default 256
        Occluded images sent through the model at once.

    Returns
    -------
    numpy.ndarray
        (H', W') float64 with ``H' = (H - patch) // stride + 1`` (the same for W):
        entry ``[i, j]`` is the drop for the patch at ``(i * stride, j * stride)``.

    Introduced in notebook 06_inside_the_network.
    """
    _check_model(model)
    x = _check_image_chw(x, model)
    k = _num_classes(model, x.shape)
    target = _check_target(target, k)
    patch = check_positive_int(patch, "patch", "the side of the square patch, e.g. 4")
    stride = check_positive_int(stride, "stride", "e.g. 1 to try every position")
    fill = _check_fill(fill)
    batch_size = check_positive_int(batch_size, "batch_size")
    c, h, w = x.shape
    if patch > min(h, w):
        fail(ValueError, "patch", f"at most the image's height and width ({h}, {w})",
             repr(patch), "use a patch smaller than the image, e.g. 4")
    rows, cols = _positions(h, patch, stride), _positions(w, patch, stride)
    values = _fill_values(x, fill)[:, None, None]            # (C, 1, 1)
    base = float(model.predict_proba(x[None])[0, target])
    drops = np.empty((rows.size, cols.size), dtype=np.float64)
    flat = [(a, b) for a in range(rows.size) for b in range(cols.size)]
    for start in range(0, len(flat), batch_size):
        chunk = flat[start:start + batch_size]
        batch = np.repeat(x[None], len(chunk), axis=0)
        for n, (a, b) in enumerate(chunk):
            batch[n, :, rows[a]:rows[a] + patch, cols[b]:cols[b] + patch] = values
        p = model.predict_proba(batch)[:, target]
        for n, (a, b) in enumerate(chunk):
            drops[a, b] = base - float(p[n])
    return drops


def pixel_importance(heatmap: np.ndarray, image_shape, patch: int, stride: int = 1) -> np.ndarray:
    """Spread an occlusion map back onto the image's pixels, to lay it over the image.

    Each pixel gets the mean of the drops of all the patches that covered it.

    Parameters
    ----------
    heatmap : numpy.ndarray
        (H', W') the result of :func:`occlusion_map`.
    image_shape : tuple of int
        (H, W) of the image (a (C, H, W) shape is accepted too).
    patch, stride : int
        The values used for :func:`occlusion_map`.

    Returns
    -------
    numpy.ndarray
        (H, W) float64. Pixels no patch covered (possible when ``stride > 1``)
        are NaN, which matplotlib leaves blank.

    Introduced in notebook 06_inside_the_network.
    """
    check_array(heatmap, "heatmap", ndim=2, layout="(H', W')",
                hint="pass the array returned by occlusion_map")
    if heatmap.dtype == np.bool_ or not (np.issubdtype(heatmap.dtype, np.integer)
                                         or np.issubdtype(heatmap.dtype, np.floating)):
        fail(TypeError, "heatmap", "an array of real numbers", f"dtype {heatmap.dtype}")
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) not in (2, 3) or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
            for s in image_shape):
        fail(TypeError, "image_shape", "a tuple (H, W) or (C, H, W) of positive ints",
             describe(image_shape), "e.g. x.shape")
    h, w = (int(s) for s in image_shape[-2:])
    patch = check_positive_int(patch, "patch")
    stride = check_positive_int(stride, "stride")
    if patch > min(h, w):
        fail(ValueError, "patch", f"at most the image's height and width ({h}, {w})",
             repr(patch))
    rows, cols = _positions(h, patch, stride), _positions(w, patch, stride)
    if heatmap.shape != (rows.size, cols.size):
        fail(ValueError, "heatmap", f"of shape {(rows.size, cols.size)} for a {h}x{w} image, "
             f"patch={patch} and stride={stride}", f"shape {tuple(heatmap.shape)}",
             "use the same patch, stride and image as in occlusion_map")
    total = np.zeros((h, w))
    count = np.zeros((h, w))
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            total[r:r + patch, c:c + patch] += heatmap[a, b]
            count[r:r + patch, c:c + patch] += 1
    out = np.full((h, w), np.nan)
    covered = count > 0
    out[covered] = total[covered] / count[covered]
    return out
