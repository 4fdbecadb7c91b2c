"""Looking inside a trained network: what it reacts to, how its kernels moved, your own images.

Tools of notebook 06_inside_the_network:

* **Occlusion sensitivity** (:func:`occlude`, :func:`occlusion_map`,
  :func:`pixel_importance`): cover one square patch of the input with a
  constant, see how much the probability of a class drops, and repeat for
  every patch position. A large drop means the network needed those pixels
  for its answer.
* **Receptive fields** (:func:`receptive_fields`): how many input pixels one
  value of each layer depends on, and which ones.
* **Kernel similarity** (:func:`cosine_similarity`, :func:`kernel_drift`,
  :func:`edge_kernel_bank`): how alike two kernels are, whatever their size,
  and how far the first-layer kernels turn away from where they started
  during training, measured on a :class:`cnnlesson.train.Snapshots` record.
* **Your own pictures** (:func:`prepare_image`, :func:`predict_image`,
  :func:`classify_upload`, :func:`upload_classifier`): turn a photo or a
  drawing into a 26x26 input that looks like the training data (for digits:
  white ink on a black background, centred, about 20 pixels tall, as in
  MNIST), and ask the network what it sees.

(The module is called ``explain`` rather than ``inspect`` so that it does not
shadow Python's standard :mod:`inspect` module.)
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validate import (
    check_array,
    check_finite,
    check_float_array,
    check_nonnegative_int,
    check_positive_int,
    describe,
    fail,
)
from .filters import LAPLACIAN, LAPLACIAN_4, SOBEL_X, SOBEL_Y
from .images import LUMA_WEIGHTS, load_image, resize, to_float

__all__ = [
    "ReceptiveField",
    "receptive_fields",
    "occlude",
    "occlusion_map",
    "pixel_importance",
    "cosine_similarity",
    "kernel_drift",
    "EDGE_BANK_NAMES",
    "edge_kernel_bank",
    "prepare_image",
    "Prediction",
    "predict_image",
    "read_upload",
    "classify_upload",
    "show_prediction",
    "upload_classifier",
]

#: Fraction of the frame the digit's longer side fills after :func:`prepare_image`:
#: MNIST fits each digit into a 20x20 box of its 28x28 frame; our 26x26 crop keeps that box.
DIGIT_BOX_FRACTION = 20 / 26

#: A pixel counts as ink when it is brighter than this fraction of the strongest ink
#: (after the background has been moved to 0); used to find the digit's bounding box.
INK_THRESHOLD = 0.3

#: Smallest difference between the brightest mark and the background (on a 0..1 scale)
#: for an image to count as having a visible mark.
MIN_CONTRAST = 0.1

#: Pictures larger than this (longer side, in pixels) are shrunk first by
#: :func:`prepare_image`: a 26x26 result needs no more, and phone photos would be slow.
MAX_SIDE = 1024


# ------------------------------------------------------------------------------------------------
# small checks
# ------------------------------------------------------------------------------------------------

def _check_model(model):
    from .model import Sequential

    if not isinstance(model, Sequential):
        fail(TypeError, "model", "a cnnlesson.model.Sequential", describe(model),
             "build it with seed_cnn(...) and train it with fit(...)")
    return model


def _check_real_number(v, name: str, hint: str = "") -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        fail(TypeError, name, "a real number", describe(v), hint)
    if not np.isfinite(float(v)):
        fail(ValueError, name, "a finite number", repr(v), hint)
    return float(v)


def _check_image_chw(x, model, name: str = "x") -> np.ndarray:
    """One network input (C, H, W): float, finite, fits the model; returned in its dtype."""
    if isinstance(x, np.ndarray) and x.ndim == 4:
        hint = ("pass one image, e.g. X_test[0] rather than X_test[:1]" if x.shape[0] == 1
                else "pass one image of the batch, e.g. X_test[0]")
        fail(ValueError, name, "3-D (C, H, W), one image", f"shape {tuple(x.shape)}", hint)
    check_float_array(x, name, ndim=3, layout="(C, H, W)",
                      hint="one network input, channels first, e.g. X_test[0]")
    check_finite(x, name)
    model.output_shapes(tuple(x.shape))  # a clear error if the image does not fit the model
    return x.astype(model.dtype, copy=False)


def _num_classes(model, shape) -> int:
    out = model.output_shapes(tuple(shape))[-1][1]
    if len(out) != 1:
        fail(ValueError, "model", "a classifier whose output is (N, K) logits",
             f"output of shape (N, {', '.join(map(str, out))})", "end the model with Linear")
    return out[0]


def _check_target(target, k: int) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        fail(TypeError, "target", f"a class index (int from 0 to {k - 1})", describe(target),
             "e.g. the true label y_test[i] or the prediction model.predict(x[None])[0]")
    if not 0 <= target < k:
        fail(ValueError, "target", f"a class index from 0 to {k - 1}", repr(int(target)),
             f"the model has {k} classes")
    return int(target)


# ------------------------------------------------------------------------------------------------
# receptive fields
# ------------------------------------------------------------------------------------------------

class ReceptiveField(NamedTuple):
    """The input pixels one value of a layer depends on (see :func:`receptive_fields`).

    Attributes
    ----------
    name : str
        The layer's name, e.g. "conv2".
    size : int
        Side of the square of input pixels that one value of the layer sees.
    jump : int
        Distance, in input pixels, between the windows of two neighbouring values
        of the layer (the product of the strides so far).
    offset : int
        Input row (and column) of the top-left pixel of the window of value
        ``[0, 0]``; negative when zero padding reaches outside the image.

    Introduced in notebook 06_inside_the_network.
    """

    name: str
    size: int
    jump: int
    offset: int

    def box(self, row: int, col: int) -> tuple[int, int, int]:
        """``(top, left, size)`` of the input window of the value at ``(row, col)``."""
        row = check_nonnegative_int(row, "row")
        col = check_nonnegative_int(col, "col")
        return self.offset + row * self.jump, self.offset + col * self.jump, self.size


def _square(v, layer, what) -> int:
    if isinstance(v, tuple):
        if v[0] != v[1]:
            fail(ValueError, "model", "square kernels and windows only",
                 f"{layer.name} with {what} {v}", "receptive_fields assumes square windows")
        return int(v[0])
    return int(v)


def receptive_fields(model) -> list[ReceptiveField]:
    """How much of the input each layer's values see, layer by layer.

    A value of a conv or pooling layer with window ``k`` and stride ``s``
    combines ``k x k`` neighbouring values of the layer before. If those are
    ``jump`` input pixels apart and each sees ``size`` pixels, the new value
    sees

    ``size_out = size + (k - 1) * jump`` pixels, and ``jump_out = jump * s``.

    Zero padding ``p`` shifts the windows by ``-p * jump`` but does not change
    their size. ReLU changes nothing. The list stops at the first layer that
    is neither a conv, a pooling nor a ReLU (a Flatten, whose outputs see
    everything the last maps saw).

    Parameters
    ----------
    model : cnnlesson.model.Sequential

    Returns
    -------
    list of ReceptiveField
        One per layer up to the first Flatten, in order; e.g. for
        ``seed_cnn``: conv1 3, relu1 3, pool1 4, conv2 8, relu2 8, pool2 10,
        conv3 18, relu3 18.

    Introduced in notebook 06_inside_the_network.
    """
    from .layers import Conv2d, ReLU, _Pool2d

    _check_model(model)
    size, jump, offset = 1, 1, 0
    out = []
    for layer in model.layers:
        if isinstance(layer, Conv2d):
            k = _square(layer.kernel_size, layer, "kernel_size")
            s, p = int(layer.stride), int(layer.padding)
        elif isinstance(layer, _Pool2d):
            k, s, p = int(layer.size), int(layer.stride), 0
        elif isinstance(layer, ReLU):
            k, s, p = 1, 1, 0
        else:
            break
        size, offset, jump = size + (k - 1) * jump, offset - p * jump, jump * s
        out.append(ReceptiveField(layer.name, size, jump, offset))
    return out


# ------------------------------------------------------------------------------------------------
# occlusion
# ------------------------------------------------------------------------------------------------

def occlude(x: np.ndarray, top: int, left: int, patch: int, fill: float = 0.0) -> np.ndarray:
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
    fill : float, default 0
        The value written into the patch (0 is the digits' background).

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
    fill = _check_real_number(fill, "fill", "e.g. 0 for a black patch")
    _, h, w = x.shape
    if patch > min(h, w):
        fail(ValueError, "patch", f"at most the image's height and width ({h}, {w})",
             repr(patch), "use a patch smaller than the image")
    if top + patch > h or left + patch > w:
        fail(ValueError, "(top, left)", f"a position where the {patch}x{patch} patch fits in "
             f"the {h}x{w} image (top <= {h - patch}, left <= {w - patch})",
             repr((top, left)), "the patch may not hang over the edge")
    out = x.copy()
    out[:, top:top + patch, left:left + patch] = fill
    return out


def _positions(n: int, patch: int, stride: int) -> np.ndarray:
    return np.arange(0, n - patch + 1, stride)


def occlusion_map(model, x: np.ndarray, target: int, patch: int = 4, stride: int = 1,
                  fill: float = 0.0, *, batch_size: int = 256) -> np.ndarray:
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
    fill : float, default 0
        The value put into the patch (0 is the digits' background).
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
    fill = _check_real_number(fill, "fill", "e.g. 0 for a black patch")
    batch_size = check_positive_int(batch_size, "batch_size")
    c, h, w = x.shape
    if patch > min(h, w):
        fail(ValueError, "patch", f"at most the image's height and width ({h}, {w})",
             repr(patch), "use a patch smaller than the image, e.g. 4")
    rows, cols = _positions(h, patch, stride), _positions(w, patch, stride)
    base = float(model.predict_proba(x[None])[0, target])
    drops = np.empty((rows.size, cols.size), dtype=np.float64)
    flat = [(a, b) for a in range(rows.size) for b in range(cols.size)]
    for start in range(0, len(flat), batch_size):
        chunk = flat[start:start + batch_size]
        batch = np.repeat(x[None], len(chunk), axis=0)
        for n, (a, b) in enumerate(chunk):
            batch[n, :, rows[a]:rows[a] + patch, cols[b]:cols[b] + patch] = fill
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


# ------------------------------------------------------------------------------------------------
# kernel similarity
# ------------------------------------------------------------------------------------------------

def _check_real_array(a, name: str) -> np.ndarray:
    check_array(a, name, hint="convert it with np.asarray(...); e.g. a kernel (3, 3)")
    if a.dtype == np.bool_ or not (np.issubdtype(a.dtype, np.integer)
                                   or np.issubdtype(a.dtype, np.floating)):
        fail(TypeError, name, "an array of real numbers (integer or float)", f"dtype {a.dtype}")
    if a.size == 0:
        fail(ValueError, name, "a non-empty array", f"shape {tuple(a.shape)}")
    check_finite(a, name)
    return a


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    r"""Cosine of the angle between two kernels (or any two arrays of one shape).

    .. math:: \cos(a, b) = \frac{\sum_i a_i b_i}{\lVert a \rVert \, \lVert b \rVert}

    Both arrays are read as long vectors of numbers. The result is 1 when
    they point the same way (one is a positive multiple of the other), 0
    when they are unrelated (orthogonal), -1 when one is the negative of the
    other. Scaling either array does not change it: it compares the *pattern*
    of a kernel, not its strength.

    Parameters
    ----------
    a, b : numpy.ndarray
        Same shape, e.g. (3, 3) or (F, C, KH, KW); integer or float; neither
        may be all zeros.

    Returns
    -------
    float
        In [-1, 1] (computed in float64).

    Introduced in notebook 06_inside_the_network.
    """
    _check_real_array(a, "a")
    _check_real_array(b, "b")
    if a.shape != b.shape:
        fail(ValueError, "b", f"of the same shape as a {tuple(a.shape)}",
             f"shape {tuple(b.shape)}", "compare kernels of one size, e.g. two (3, 3) kernels")
    u = a.astype(np.float64).ravel()
    v = b.astype(np.float64).ravel()
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    for n, name in ((nu, "a"), (nv, "b")):
        if n == 0:
            fail(ValueError, name, "not all zeros", "an array of zeros",
                 "a zero kernel has no direction, so its angle to another kernel is undefined")
    return float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))


def kernel_drift(snapshots, layer: str = "conv1", reference: int = 0) -> np.ndarray:
    """Cosine similarity of each filter to itself at one recorded moment, over training.

    For record ``t`` and filter ``f``: ``cosine_similarity(W_t[f], W_ref[f])``
    where ``W_t`` is the layer's weight (F, C, KH, KW) in record ``t``. With
    ``reference=0`` (the snapshot before training) it says how far each
    kernel has turned away from where it started: 1 = same pattern (perhaps
    scaled), 0 = unrelated, -1 = reversed.

    Parameters
    ----------
    snapshots : cnnlesson.train.Snapshots or list of cnnlesson.train.Snapshot
        A recorded run (``fit(..., callbacks=[snapshots])``).
    layer : str, default "conv1"
        A recorded conv layer.
    reference : int, default 0
        Index of the record to compare with (0 = before training; -1 = the end).

    Returns
    -------
    numpy.ndarray
        (T, F) float64, T records and F filters. The matching steps are
        ``snapshots.steps`` (or ``[r.step for r in records]``). A filter that
        has become all zeros in some record gets 0 there (no direction left).

    Introduced in notebook 06_inside_the_network.
    """
    records = getattr(snapshots, "records", snapshots)
    if not isinstance(records, (list, tuple)) or not all(
            hasattr(r, "weights") and hasattr(r, "step") for r in records):
        fail(TypeError, "snapshots", "a cnnlesson.train.Snapshots (or a list of Snapshot)",
             describe(snapshots), "record a run with fit(..., callbacks=[Snapshots(every=10)])")
    if not records:
        fail(ValueError, "snapshots", "at least one recorded Snapshot", "none",
             "pass the Snapshots callback to fit(..., callbacks=[snaps]) first")
    if not isinstance(layer, str):
        fail(TypeError, "layer", "a layer name such as 'conv1'", describe(layer))
    if layer not in records[0].weights:
        fail(ValueError, "layer", f"one of the recorded layers {sorted(records[0].weights)}",
             repr(layer), "Snapshots(layers=...) chooses which conv layers are recorded")
    if isinstance(reference, bool) or not isinstance(reference, numbers.Integral):
        fail(TypeError, "reference", "a record index (int)", describe(reference))
    t = len(records)
    if not -t <= reference < t:
        fail(ValueError, "reference", f"a record index from {-t} to {t - 1}", repr(reference))
    w = np.stack([np.asarray(r.weights[layer], dtype=np.float64) for r in records])
    flat = w.reshape(t, w.shape[1], -1)                     # (T, F, C*KH*KW)
    ref = flat[reference]                                   # (F, C*KH*KW)
    ref_norm = np.linalg.norm(ref, axis=1)
    if np.any(ref_norm == 0):
        f = int(np.flatnonzero(ref_norm == 0)[0])
        fail(ValueError, "snapshots", f"a reference record whose {layer} filters are not zero",
             f"filter {f} all zeros in record {reference}",
             "a zero kernel has no direction; compare with another record")
    norms = np.linalg.norm(flat, axis=2) * ref_norm         # (T, F)
    dots = np.einsum("tfk,fk->tf", flat, ref)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
    return np.clip(cos, -1.0, 1.0)


#: Names of the kernels of :func:`edge_kernel_bank`, in order.
EDGE_BANK_NAMES = ("sobel x", "sobel y", "-sobel x", "-sobel y", "laplacian",
                   "laplacian (4-neighbour)")


def edge_kernel_bank(norm: float | None = float(np.sqrt(2.0))) -> np.ndarray:
    """Six hand-made edge kernels to start a first conv layer from.

    ``SOBEL_X``, ``SOBEL_Y``, ``-SOBEL_X``, ``-SOBEL_Y`` (edges of both
    polarities: the ReLU after the layer keeps only positive responses, so a
    dark-to-bright and a bright-to-dark edge need separate kernels),
    ``LAPLACIAN`` and ``LAPLACIAN_4`` (see :data:`EDGE_BANK_NAMES`).

    Each kernel is rescaled to the same length (L2 norm) ``norm``. The
    default ``sqrt(2)`` is the typical length of a randomly initialised
    3x3 kernel with one input channel: He initialisation draws 9 weights of
    variance ``2 / 9``, whose squares add up to 2 on average. So the
    hand-made start is neither louder nor quieter than a random one, and the
    comparison between the two is fair. ``norm=None`` keeps the textbook
    integer weights (a Laplacian's centre is 8, far larger than random
    weights of about 0.5).

    Parameters
    ----------
    norm : float or None, default sqrt(2)
        The L2 norm of every kernel, or None to keep the original weights.

    Returns
    -------
    numpy.ndarray
        (6, 3, 3) float64, for ``seed_cnn(..., first_kernels=bank)``.

    Introduced in notebook 06_inside_the_network.
    """
    bank = np.stack([SOBEL_X, SOBEL_Y, -SOBEL_X, -SOBEL_Y, LAPLACIAN, LAPLACIAN_4])
    if norm is None:
        return bank.copy()
    norm = _check_real_number(norm, "norm", "e.g. norm=np.sqrt(2), or None for the raw kernels")
    if norm <= 0:
        fail(ValueError, "norm", "a positive number", repr(norm),
             "e.g. norm=np.sqrt(2), or None for the raw kernels")
    return bank / np.linalg.norm(bank, axis=(1, 2), keepdims=True) * norm


# ------------------------------------------------------------------------------------------------
# your own pictures
# ------------------------------------------------------------------------------------------------

def _load_as_float_image(image) -> np.ndarray:
    """A float image (H, W) or (H, W, C) with values in [0, 1], from an array or a file."""
    if not isinstance(image, np.ndarray):
        if isinstance(image, (str, os.PathLike, bytes, bytearray, memoryview)) or \
                hasattr(image, "read"):
            return load_image(image, mode="RGB")
        fail(TypeError, "image", "a numpy array (H, W) or (H, W, 3), a file path, or the "
             "bytes of an image file", describe(image),
             "e.g. prepare_image('my_digit.png') or prepare_image(photo_array)")
    if image.ndim == 4:
        fail(ValueError, "image", "one picture (H, W) or (H, W, C)",
             f"shape {tuple(image.shape)}",
             "this looks like a network batch (N, C, H, W), which is already prepared")
    check_array(image, "image", ndim=(2, 3), layout="(H, W) or (H, W, C)",
                hint="a single picture, channels last, as loaded by load_image")
    if image.ndim == 3 and image.shape[2] not in (1, 3, 4):
        extra = ("the channels seem to come first (C, H, W); use chw_to_hwc(image)"
                 if image.shape[0] in (1, 3) else "a colour picture is (H, W, 3) or (H, W, 4)")
        fail(ValueError, "image", "(H, W), (H, W, 1), (H, W, 3) or (H, W, 4)",
             f"shape {tuple(image.shape)}", extra)
    if min(image.shape[:2]) < 2:
        fail(ValueError, "image", "at least 2x2 pixels", f"shape {tuple(image.shape)}")
    x = to_float(image)  # uint8 -> [0, 1]; clear errors for other dtypes
    check_finite(x, "image")
    if x.min() < 0 or x.max() > 1:
        fail(ValueError, "image", "float values in [0, 1]",
             f"values from {float(x.min()):.3g} to {float(x.max()):.3g}",
             "for 0..255 values use image.astype(np.uint8) or divide by 255")
    return x


def _gray(x: np.ndarray) -> np.ndarray:
    if x.ndim == 2:
        return x.astype(np.float64)
    if x.shape[2] == 1:
        return x[:, :, 0].astype(np.float64)
    return x[:, :, :3].astype(np.float64) @ LUMA_WEIGHTS


def _border(g: np.ndarray) -> np.ndarray:
    return np.concatenate([g[0], g[-1], g[1:-1, 0], g[1:-1, -1]])


def _center_square(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    return img[top:top + s, left:left + s]


def _frame_digit(g: np.ndarray, size: int) -> np.ndarray:
    """Cut the ink's bounding box, fit it into a square box of ~20/26 of the frame, and
    place it so that its centre of mass is at (size / 2, size / 2), as in MNIST."""
    ink = g > INK_THRESHOLD
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    g = g[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = g.shape
    side = max(h, w)                                   # pad to a square: keeps the aspect
    square = np.zeros((side, side))
    square[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = g
    box = max(1, round(size * DIGIT_BOX_FRACTION))
    small = resize(square, (box, box))
    small = np.clip(small / small.max(), 0.0, 1.0)     # thin strokes fade when shrunk
    total = small.sum()
    ys, xs = np.indices(small.shape)
    cy, cx = (ys * small).sum() / total, (xs * small).sum() / total
    # MNIST put the centre of mass at pixel (14, 14) of 28x28, which is (13, 13) of our 26x26
    # crop: size / 2. Keep one black pixel around the box (if the frame allows it).
    lo = 1 if size - box >= 2 else 0
    top = int(np.clip(round(size / 2 - cy), lo, size - box - lo))
    left = int(np.clip(round(size / 2 - cx), lo, size - box - lo))
    out = np.zeros((size, size))
    out[top:top + box, left:left + box] = small
    return out


def prepare_image(image, *, channels: int = 1, size: int = 26, invert="auto",
                  crop: str = "auto") -> np.ndarray:
    """Turn a picture (a photo, a scan, a drawing) into one network input like the training data.

    For ``channels=1`` (the digit network), the steps copy how MNIST digits
    look:

    1. **grayscale** (:data:`cnnlesson.images.LUMA_WEIGHTS`);
    2. **invert** when the background is light: MNIST digits are white ink on
       black, while a pen on paper gives dark ink on white. "auto" looks at
       the median brightness of the picture's outer border and inverts when
       it is above 0.5;
    3. **stretch the contrast**: the background level (that border median,
       raised by three times the noise measured on the border, so that the
       grain of the paper disappears too) becomes 0 and the strongest ink 1,
       so gray paper and faint pencil still give a black background and
       white strokes;
    4. **crop and resize, keeping the aspect**: ``crop="ink"`` cuts the box
       around the ink, pads it to a square (nothing is stretched), shrinks it
       to about 20/26 of the frame and places it with its centre of mass at
       pixel (13, 13) of 26x26 (where the training digits have theirs), as
       MNIST did, keeping a black border of at least one pixel;
       ``crop="center"`` keeps the largest centred square of the picture and
       resizes it to ``size``.

    For ``channels=3`` (a colour network) the picture keeps its colours: the
    largest centred square is resized to ``size``, values stay in [0, 1].

    Pictures whose longer side exceeds :data:`MAX_SIDE` pixels are first
    shrunk to it (keeping the aspect), which changes nothing visible at 26x26
    and keeps phone photos fast.

    Parameters
    ----------
    image : numpy.ndarray, str, pathlib.Path, bytes or binary file
        A picture (H, W), (H, W, 1), (H, W, 3) or (H, W, 4): uint8 (0..255) or
        float in [0, 1]; or a file that :func:`cnnlesson.images.load_image`
        can read, or its bytes (e.g. from an upload widget).
    channels : {1, 3}, default 1
        Input channels of the network.
    size : int, default 26
        Height and width of the result (the course's networks take 26).
    invert : "auto", True or False, default "auto"
        Whether to swap dark and light (``channels=1`` only).
    crop : {"auto", "ink", "center"}, default "auto"
        "auto" is "ink" for ``channels=1`` and "center" for ``channels=3``;
        "ink" needs ``channels=1``.

    Returns
    -------
    numpy.ndarray
        (1, channels, size, size) float32 in [0, 1], ready for
        ``model.predict_proba``.

    Raises
    ------
    ValueError
        If the picture has no visible mark (for ``channels=1``: its brightest
        and darkest parts differ by less than :data:`MIN_CONTRAST` from the
        background), or an argument is out of range.

    Introduced in notebook 06_inside_the_network.
    """
    if isinstance(channels, bool) or not isinstance(channels, numbers.Integral):
        fail(TypeError, "channels", "1 or 3", describe(channels),
             "1 for the digit network, 3 for a colour network")
    if channels not in (1, 3):
        fail(ValueError, "channels", "1 or 3", repr(channels),
             "1 for the digit network, 3 for a colour network")
    size = check_positive_int(size, "size", "the network's input size, 26")
    if size < 8:
        fail(ValueError, "size", "at least 8 pixels", repr(size), "the course's networks take 26")
    if not (isinstance(invert, str) and invert == "auto") and invert is not True \
            and invert is not False:
        fail(TypeError if not isinstance(invert, str) else ValueError, "invert",
             '"auto", True or False', describe(invert),
             '"auto" inverts pictures with a light background')
    if not isinstance(crop, str) or crop not in ("auto", "ink", "center"):
        fail(ValueError, "crop", '"auto", "ink" or "center"', describe(crop),
             '"ink" frames the digit like MNIST; "center" keeps the middle square')
    if channels == 3 and invert is True:
        fail(ValueError, "invert", "False or \"auto\" for channels=3", "True",
             "inverting is for the digit network (white ink on black); colour pictures keep "
             "their colours")
    if channels == 3 and crop == "ink":
        fail(ValueError, "crop", '"center" or "auto" for channels=3', '"ink"',
             "finding the ink works on grayscale digit pictures only")
    x = _load_as_float_image(image)
    h, w = x.shape[:2]
    if max(h, w) > MAX_SIDE:
        f = MAX_SIDE / max(h, w)
        x = resize(np.ascontiguousarray(x, dtype=np.float32),
                   (max(2, round(h * f)), max(2, round(w * f))))

    if channels == 3:
        rgb = x if x.ndim == 3 and x.shape[2] >= 3 else np.repeat(
            (x if x.ndim == 2 else x[:, :, 0])[:, :, None], 3, axis=2)
        rgb = np.ascontiguousarray(rgb[:, :, :3], dtype=np.float32)
        out = np.clip(resize(_center_square(rgb), (size, size)), 0.0, 1.0)
        return np.ascontiguousarray(np.moveaxis(out, -1, 0)[None], dtype=np.float32)

    g = _gray(x)
    border = _border(g)
    background = float(np.median(border))
    # the paper's grain: a robust estimate of the noise on the border (1.4826 * median absolute
    # deviation is the standard deviation for Gaussian noise); 3 of them above the background
    # still count as paper
    grain = 3.0 * 1.4826 * float(np.median(np.abs(border - background)))
    if invert == "auto":
        invert = background > 0.5
    if invert:
        g, background = 1.0 - g, 1.0 - background
    contrast = float(g.max()) - background
    if contrast < MIN_CONTRAST:
        fail(ValueError, "image", "a picture with a visible mark (ink brighter than the "
             f"background by at least {MIN_CONTRAST})",
             f"a contrast of {max(contrast, 0.0):.3f} after {'inverting' if invert else 'no'} "
             "inversion",
             "the picture looks blank; check it, or set invert=True/False if the automatic "
             "choice (from the border brightness) is wrong")
    floor = background + min(grain, contrast / 2)      # at and below: paper, becomes 0
    g = np.clip((g - floor) / (float(g.max()) - floor), 0.0, 1.0)
    if crop in ("auto", "ink"):
        g = _frame_digit(g, size)
    else:
        g = np.clip(resize(_center_square(g), (size, size)), 0.0, 1.0)
    return np.ascontiguousarray(g[None, None], dtype=np.float32)


@dataclass
class Prediction:
    """What the network said about one picture (see :func:`predict_image`).

    Attributes
    ----------
    image : numpy.ndarray
        (1, C, H, W) float32, the prepared input the network saw.
    probabilities : numpy.ndarray
        (K,) float64, one probability per class; they sum to 1.
    label : int
        The predicted class index (largest probability).
    class_names : tuple of str
        Names of the K classes.
    source : str or None
        Where the picture came from (e.g. the file name), for messages.

    Introduced in notebook 06_inside_the_network.
    """

    image: np.ndarray
    probabilities: np.ndarray
    label: int
    class_names: tuple[str, ...]
    source: str | None = None

    @property
    def name(self) -> str:
        """The predicted class's name."""
        return self.class_names[self.label]

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most likely classes as (name, probability), most likely first."""
        k = check_positive_int(k, "k")
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(self.class_names[i], float(self.probabilities[i])) for i in order]

    def __str__(self) -> str:
        (best, p), *rest = self.top(3)
        start = f"{self.source}: " if self.source else ""
        text = f"{start}the network says {best} (probability {p:.2f})"
        if rest:
            text += "; next: " + ", ".join(f"{n} ({q:.2f})" for n, q in rest)
        return text


def _input_channels(model) -> int:
    first = model.layers[0]
    c = getattr(first, "in_channels", None)
    if c is None:
        fail(ValueError, "model", "a network starting with a Conv2d layer", repr(first),
             "predict_image prepares pictures for a CNN such as seed_cnn(...)")
    return int(c)


def _check_class_names(class_names, k: int) -> tuple[str, ...]:
    if class_names is None:
        return tuple(str(i) for i in range(k))
    if isinstance(class_names, str) or not isinstance(class_names, (list, tuple)):
        fail(TypeError, "class_names", f"a list or tuple of {k} names", describe(class_names),
             "e.g. DIGIT_CLASSES from cnnlesson.datasets")
    if len(class_names) != k:
        fail(ValueError, "class_names", f"{k} names (one per model output)",
             describe(class_names), "e.g. DIGIT_CLASSES from cnnlesson.datasets")
    return tuple(str(n) for n in class_names)


def predict_image(model, image, class_names=None, *, source: str | None = None,
                  **prepare_kwargs) -> Prediction:
    """Prepare a picture like the training data and ask the model what it shows.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
        A trained CNN whose first layer is a Conv2d (its ``in_channels``
        chooses grayscale or colour preparation).
    image : numpy.ndarray, path, bytes or file
        Anything :func:`prepare_image` accepts.
    class_names : sequence of str, optional
        One name per class (default "0", "1", ...).
    source : str, optional
        A label for messages, e.g. the file name.
    **prepare_kwargs
        Passed to :func:`prepare_image` (``size``, ``invert``, ``crop``).

    Returns
    -------
    Prediction

    Introduced in notebook 06_inside_the_network.
    """
    _check_model(model)
    if "channels" in prepare_kwargs:
        fail(TypeError, "channels", "left out", "a value",
             "predict_image takes the channels from the model's first layer")
    x = prepare_image(image, channels=_input_channels(model), **prepare_kwargs)
    k = _num_classes(model, x.shape[1:])
    names = _check_class_names(class_names, k)
    proba = model.predict_proba(x.astype(model.dtype, copy=False))[0].astype(np.float64)
    return Prediction(image=x, probabilities=proba, label=int(np.argmax(proba)),
                      class_names=names, source=source)


def read_upload(value) -> tuple[str, bytes]:
    """The name and bytes of the newest file in an ``ipywidgets.FileUpload`` value.

    Parameters
    ----------
    value : tuple of dict
        ``upload.value`` of ipywidgets 8: one dict per file with at least the
        keys ``"name"`` and ``"content"`` (a memoryview or bytes).

    Returns
    -------
    (str, bytes)
        The last file's name and content.

    Raises
    ------
    ValueError
        If no file was uploaded.
    TypeError
        If ``value`` does not look like a FileUpload value.

    Introduced in notebook 06_inside_the_network.
    """
    if isinstance(value, dict):
        fail(TypeError, "value", "a tuple of file dicts (ipywidgets 8)",
             "a dict (the ipywidgets 7 format)", "upgrade ipywidgets: pip install 'ipywidgets>=8'")
    if not isinstance(value, (list, tuple)):
        fail(TypeError, "value", "upload.value, a tuple of file dicts", describe(value))
    if not value:
        fail(ValueError, "value", "at least one uploaded file", "none",
             "click the Upload button and choose an image file")
    last = value[-1]
    if not isinstance(last, dict) or "content" not in last:
        fail(TypeError, "value", "file dicts with a 'content' entry", describe(last),
             "pass upload.value of an ipywidgets.FileUpload")
    content = last["content"]
    if not isinstance(content, (bytes, bytearray, memoryview)):
        fail(TypeError, "value[-1]['content']", "bytes or a memoryview", describe(content))
    return str(last.get("name", "upload")), bytes(content)


def classify_upload(model, value, class_names=None) -> tuple[str, Prediction | None]:
    """The logic behind :func:`upload_classifier`: what to say about an upload.

    Never raises for a bad picture: the message explains the problem instead,
    because an exception inside a widget callback would be hidden from the
    learner.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
        A trained CNN.
    value : tuple of dict
        ``upload.value`` of an ``ipywidgets.FileUpload``.
    class_names : sequence of str, optional
        One name per class.

    Returns
    -------
    (str, Prediction or None)
        A one-line message and the prediction (None when the upload could
        not be used).

    Introduced in notebook 06_inside_the_network.
    """
    _check_model(model)
    try:
        name, data = read_upload(value)
    except (TypeError, ValueError) as err:
        return f"No picture to classify: {err}", None
    try:
        pred = predict_image(model, data, class_names, source=name)
    except (TypeError, ValueError) as err:
        return f"Could not use {name}: {err}", None
    return str(pred), pred


def show_prediction(axes, prediction: Prediction) -> dict:
    """Draw what the network saw and the probability it gives each class.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
        Left: the prepared input; right: a bar chart of the probabilities
        (the predicted class highlighted).
    prediction : Prediction
        From :func:`predict_image` or :func:`classify_upload`.

    Returns
    -------
    dict
        ``"image"`` (AxesImage) and ``"bars"`` (BarContainer).

    Introduced in notebook 06_inside_the_network.
    """
    from .viz._base import HIGHLIGHT, check_axes
    from .viz.pictures import show_image

    if not isinstance(prediction, Prediction):
        fail(TypeError, "prediction", "a Prediction", describe(prediction),
             "get one from predict_image(model, picture)")
    try:
        ax_img, ax_bar = axes
    except (TypeError, ValueError):
        fail(TypeError, "axes", "two matplotlib Axes", describe(axes),
             "make them with fig, axes = plt.subplots(1, 2)")
    check_axes(ax_img, "axes[0]")
    check_axes(ax_bar, "axes[1]")
    x = prediction.image[0]
    pic = x[0] if x.shape[0] == 1 else np.moveaxis(x, 0, -1)
    h, w = pic.shape[:2]
    im = show_image(ax_img, pic, f"what the network sees ({h}x{w})")
    k = len(prediction.class_names)
    colors = ["0.65"] * k
    colors[prediction.label] = HIGHLIGHT
    bars = ax_bar.bar(np.arange(k), prediction.probabilities, color=colors)
    ax_bar.set_xticks(np.arange(k), prediction.class_names)
    ax_bar.set_ylim(0, 1)
    ax_bar.set_ylabel("probability")
    ax_bar.set_title(f"prediction: {prediction.name}")
    return {"image": im, "bars": bars}


def upload_classifier(model, class_names=None):
    """An upload button that classifies your own picture with ``model``.

    Choose an image file (a photo of a digit written on paper works well:
    thick dark strokes on a light background); it is prepared with
    :func:`prepare_image`, and the prepared 26x26 input and the network's
    probabilities are shown below the button. Needs a running Jupyter
    kernel; the logic is in :func:`classify_upload`.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
        A trained CNN.
    class_names : sequence of str, optional
        One name per class.

    Returns
    -------
    ipywidgets.VBox
        The upload button and an output area; display it (or end a cell with it).
        ``widget.children[0]`` is the FileUpload, ``widget.children[1]`` the Output,
        and ``widget.handle_upload(change)`` the callback (handy for tests).

    Introduced in notebook 06_inside_the_network.
    """
    import ipywidgets as widgets

    _check_model(model)
    k = _num_classes(model, (_input_channels(model), 26, 26))
    names = _check_class_names(class_names, k)
    upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
    out = widgets.Output()

    def handle_upload(change):
        import matplotlib.pyplot as plt

        text, pred = classify_upload(model, change["new"], names)
        with out:
            out.clear_output(wait=True)
            print(text)
            if pred is not None:
                fig, axes = plt.subplots(1, 2, figsize=(9, 3.2),
                                         gridspec_kw={"width_ratios": [1, 2.2]})
                show_prediction(axes, pred)
                plt.show()
        return text, pred

    upload.observe(handle_upload, names="value")
    box = widgets.VBox([upload, out])
    box.handle_upload = handle_upload
    return box
