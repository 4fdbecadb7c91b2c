"""What each channel looks for: the input patches that drive a conv channel hardest.

A conv channel's map says how strongly its pattern is present at every
position. To see *what* that pattern is, run a whole data set through the
network, find the images and positions where the channel responds most
strongly, and cut out the input pixels that response depends on: its
receptive field (3x3 pixels for conv1 of :func:`cnnlesson.model.seed_cnn`,
8x8 for conv2, 18x18 for conv3; see :func:`cnnlesson.receptive.receptive_fields`).
The top patches of a channel, side by side, show what it has learned to detect,
with evidence from many images instead of one.

* :func:`top_patches` finds, for every channel of one conv layer, the ``k``
  images with the strongest response anywhere (one patch per image) and cuts
  out their receptive fields, all channels at once with array operations.
* :func:`firing_rate` says how often each channel responds at all (its output
  after the ReLU is positive), over all positions of all images.
* :func:`top_class_share` says whether a channel's top images share a label:
  a channel whose strongest responses all come from 7s has become a detector
  of something typical of 7s.

The pictures are drawn by :func:`cnnlesson.viz.show_top_patches`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._model_checks import _check_model, _check_real_number
from ._validate import check_finite, check_float_array, check_positive_int, describe, fail
from .receptive import receptive_fields

__all__ = ["TopPatches", "top_patches", "firing_rate", "top_class_share", "conv_layer_names"]


class TopPatches(NamedTuple):
    """The strongest responses of every channel of one conv layer (see :func:`top_patches`).

    Attributes
    ----------
    layer : str
        The conv layer's name, e.g. "conv2".
    patches : numpy.ndarray
        (F, k, C, S, S) float32: for channel ``f``, its ``k`` top input patches,
        strongest first; ``S`` is the layer's receptive field.
    values : numpy.ndarray
        (F, k) float64, the channel's response (before the ReLU) at each patch.
    image_index : numpy.ndarray
        (F, k) int64, which image of ``X`` each patch comes from.
    position : numpy.ndarray
        (F, k, 2) int64, ``(row, col)`` of the response in the layer's map.
    origin : numpy.ndarray
        (F, k, 2) int64, ``(top, left)`` of the patch in the input image; may be
        negative or reach past the far edge when the receptive field is clipped.
    clipped : numpy.ndarray
        (F, k) bool, True where the receptive field reaches outside the image;
        the missing pixels hold ``fill``.
    size : int
        ``S``, the side of the receptive field in input pixels.
    fill : float
        The value put where a receptive field reaches outside the image.
    """

    layer: str
    patches: np.ndarray
    values: np.ndarray
    image_index: np.ndarray
    position: np.ndarray
    origin: np.ndarray
    clipped: np.ndarray
    size: int
    fill: float


def conv_layer_names(model) -> list[str]:
    """Names of the model's conv layers, in order (e.g. conv1, conv2, conv3).

    Parameters
    ----------
    model : cnnlesson.model.Sequential

    Returns
    -------
    list of str

    Introduced in notebook 06_inside_the_network.
    """
    from .layers import Conv2d

    _check_model(model)
    return [layer.name for layer in model.layers if isinstance(layer, Conv2d)]


def _check_layer(model, layer) -> str:
    names = conv_layer_names(model)
    if not isinstance(layer, str):
        fail(TypeError, "layer", f"a conv layer name, one of {names}", describe(layer))
    if layer not in names:
        fail(ValueError, "layer", f"one of the model's conv layers {names}", repr(layer),
             "top patches are defined for conv layers (their channels)")
    return layer


def _check_images(X, model) -> np.ndarray:
    check_float_array(X, "X", ndim=4, layout="(N, C, H, W)",
                      hint="a batch of network inputs, e.g. X_test")
    if X.shape[0] == 0:
        fail(ValueError, "X", "at least one image", f"shape {tuple(X.shape)}")
    check_finite(X, "X")
    model.output_shapes(tuple(X.shape[1:]))  # a clear error if the images do not fit
    return X.astype(model.dtype, copy=False)


def _layer_outputs(model, X: np.ndarray, layer: str, batch_size: int) -> np.ndarray:
    """The layer's output (before any ReLU) for all of ``X``, computed in batches."""
    stop = model.layer_names.index(layer)
    parts = []
    for start in range(0, X.shape[0], batch_size):
        x = X[start:start + batch_size]
        for lay in model.layers[:stop + 1]:
            x = lay.forward(x, keep_cache=False)
        parts.append(x)
    return np.concatenate(parts)


def top_patches(model, X: np.ndarray, layer: str = "conv1", k: int = 9, *, fill=0.0,
                batch_size: int = 500) -> TopPatches:
    """The ``k`` input patches that make each channel of a conv layer respond most.

    Every image of ``X`` goes through the network up to ``layer``. For each
    channel and each image, the strongest response (before the ReLU) over all
    positions is kept; the ``k`` images with the largest of these win, so the
    ``k`` patches of a channel come from ``k`` different images. Each patch is
    the receptive field of the winning position: the square of input pixels
    that response depends on. Where it reaches past the image's border (only
    possible with zero padding), the missing pixels are set to ``fill`` and
    :attr:`TopPatches.clipped` says so.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
        A network with square conv and pooling windows, e.g. ``seed_cnn(1)``.
    X : numpy.ndarray
        (N, C, H, W) images, float32 or float64, e.g. the 1,000 test digits.
    layer : str, default "conv1"
        A conv layer of ``model``.
    k : int, default 9
        Patches per channel, at most N.
    fill : float, default 0
        Value for pixels outside the image (0 is the digits' background).
    batch_size : int, default 500
        Images sent through the network at once (bounds the memory used).

    Returns
    -------
    TopPatches
        ``patches`` (F, k, C, S, S), ``values`` (F, k), ``image_index`` (F, k), ...;
        strongest first for every channel.

    Examples
    --------
    >>> top = top_patches(model, X_test, "conv2", k=8)           # doctest: +SKIP
    >>> top.patches.shape                                          # (12, 8, 1, 8, 8) doctest: +SKIP

    Introduced in notebook 06_inside_the_network.
    """
    _check_model(model)
    X = _check_images(X, model)
    layer = _check_layer(model, layer)
    k = check_positive_int(k, "k", "the number of patches per channel, e.g. 9")
    n = X.shape[0]
    if k > n:
        fail(ValueError, "k", f"at most the number of images ({n})", repr(k),
             "pass more images or ask for fewer patches")
    fill = _check_real_number(fill, "fill", "e.g. 0, the digits' background")
    batch_size = check_positive_int(batch_size, "batch_size")
    rf = {r.name: r for r in receptive_fields(model)}.get(layer)
    if rf is None:
        fail(ValueError, "layer", "a conv layer before the first Flatten", repr(layer))

    out = _layer_outputs(model, X, layer, batch_size)          # (N, F, H', W')
    f, hh, ww = out.shape[1:]
    flat = out.reshape(n, f, hh * ww)
    best_pos = flat.argmax(axis=2)                             # (N, F) first maximum
    best_val = np.take_along_axis(flat, best_pos[..., None], axis=2)[..., 0]   # (N, F)
    # k strongest images per channel; a stable sort keeps ties in image order
    order = np.argsort(-best_val.T.astype(np.float64), axis=1, kind="stable")[:, :k]  # (F, k)
    channels = np.arange(f)[:, None]
    values = best_val.T[channels, order].astype(np.float64)   # (F, k)
    pos = best_pos.T[channels, order]                          # (F, k)
    rows, cols = pos // ww, pos % ww
    top = rf.offset + rows * rf.jump                           # (F, k) input coordinates
    left = rf.offset + cols * rf.jump
    s = rf.size
    c, h, w = X.shape[1:]
    clipped = (top < 0) | (left < 0) | (top + s > h) | (left + s > w)

    # pad by s on every side, then gather every patch at once: (F, k, S, S, C)
    padded = np.full((n, c, h + 2 * s, w + 2 * s), fill, dtype=X.dtype)
    padded[:, :, s:s + h, s:s + w] = X
    r_idx = (top + s)[..., None, None] + np.arange(s)[:, None]      # (F, k, S, 1)
    c_idx = (left + s)[..., None, None] + np.arange(s)[None, :]     # (F, k, 1, S)
    gathered = padded[order[..., None, None], :, r_idx, c_idx]     # (F, k, S, S, C)
    patches = np.ascontiguousarray(np.moveaxis(gathered, -1, 2))   # (F, k, C, S, S)
    return TopPatches(layer, patches, values, order.astype(np.int64),
                      np.stack([rows, cols], axis=-1).astype(np.int64),
                      np.stack([top, left], axis=-1).astype(np.int64), clipped, int(s), fill)


def firing_rate(model, X: np.ndarray, layer: str = "conv1", *, batch_size: int = 500
                ) -> np.ndarray:
    """How often each channel of a conv layer responds: the fraction of positive outputs.

    A ReLU passes only positive responses on, so a channel whose output is
    positive at 4% of the positions is silent on 96% of every picture. Counted
    over every position of every image of ``X``.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
    X : numpy.ndarray
        (N, C, H, W) images, float32 or float64.
    layer : str, default "conv1"
        A conv layer of ``model``.
    batch_size : int, default 500
        Images sent through the network at once.

    Returns
    -------
    numpy.ndarray
        (F,) float64 in [0, 1], one fraction per channel.

    Introduced in notebook 06_inside_the_network.
    """
    _check_model(model)
    X = _check_images(X, model)
    layer = _check_layer(model, layer)
    batch_size = check_positive_int(batch_size, "batch_size")
    out = _layer_outputs(model, X, layer, batch_size)
    return (out > 0).mean(axis=(0, 2, 3), dtype=np.float64)



def top_class_share(top: TopPatches, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most common label among each channel's top images, and its share.

    Parameters
    ----------
    top : TopPatches
        From :func:`top_patches`.
    labels : numpy.ndarray
        (N,) int labels of the images ``top`` was computed on, e.g. ``y_test``.

    Returns
    -------
    classes : numpy.ndarray
        (F,) int64, the most common label among each channel's ``k`` top images
        (the smallest one on a tie).
    share : numpy.ndarray
        (F,) float64 in [1/k, 1], the fraction of the ``k`` images with that label.
        With 10 balanced classes a channel that ignores the class has a share near
        the largest of k random draws (about 0.2-0.3 for k = 16).

    Introduced in notebook 06_inside_the_network.
    """
    if not isinstance(top, TopPatches):
        fail(TypeError, "top", "the TopPatches returned by top_patches", describe(top))
    labels = np.asarray(labels) if isinstance(labels, (list, tuple)) else labels
    if not isinstance(labels, np.ndarray) or labels.ndim != 1 \
            or not np.issubdtype(labels.dtype, np.integer):
        fail(TypeError, "labels", "a 1-D array of int labels (N,)", describe(labels),
             "the labels of the images top_patches saw, e.g. y_test")
    if labels.size <= int(top.image_index.max()) or labels.min() < 0:
        fail(ValueError, "labels", "non-negative labels for every image top_patches saw",
             f"{labels.size} labels (min {labels.min()}), image index up to "
             f"{int(top.image_index.max())}", "pass the labels that match X, e.g. y_test")
    picked = labels[top.image_index]                                  # (F, k)
    counts = np.stack([np.bincount(row, minlength=int(labels.max()) + 1) for row in picked])
    classes = counts.argmax(axis=1)
    share = counts.max(axis=1) / picked.shape[1]
    return classes.astype(np.int64), share.astype(np.float64)
