"""Receptive fields: which input pixels one value of a conv or pooling layer depends on.

Used by notebook 06_inside_the_network, by :mod:`cnnlesson.occlusion` and by
:mod:`cnnlesson.channels` (which crops each channel's top patches to its receptive field).
"""

from __future__ import annotations

from typing import NamedTuple

from ._model_checks import _check_model
from ._validate import check_nonnegative_int, fail

__all__ = ["ReceptiveField", "receptive_fields"]


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
