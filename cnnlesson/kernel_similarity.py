"""How alike two kernels are, and how far learned kernels move during training.

Tools of notebook 06_inside_the_network, also available from
:mod:`cnnlesson.explain`:

* :func:`cosine_similarity`: the cosine of the angle between two kernels
  read as vectors, whatever their size;
* :func:`kernel_drift`: how far each first-layer kernel turns away from where
  it started, step by step, measured on a :class:`cnnlesson.train.Snapshots`
  record;
* :func:`edge_kernel_bank` and :data:`EDGE_BANK_NAMES`: the hand-made edge
  kernels of notebook 01, to compare learned kernels with.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._model_checks import _check_real_number
from ._validate import check_array, check_finite, describe, fail
from .filters import LAPLACIAN, LAPLACIAN_4, SOBEL_X, SOBEL_Y

__all__ = ["cosine_similarity", "kernel_drift", "EDGE_BANK_NAMES", "edge_kernel_bank"]


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
