"""What a layer learns: :class:`Parameter`, and the helpers every layer uses for its arguments.

:func:`check_float_dtype` accepts float32 or float64 and nothing else;
:func:`as_generator` turns a seed into a :class:`numpy.random.Generator`.
All three are also available from :mod:`cnnlesson.layers`.
"""

from __future__ import annotations

import numbers

import numpy as np

from cnnlesson._validate import check_float_array, describe, fail

__all__ = ["Parameter", "check_float_dtype", "as_generator"]

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise TypeError.

    Introduced in notebook 05_classifier (used by every layer's ``dtype`` argument).
    """
    dt = None
    if dtype is not None:  # np.dtype(None) would silently mean float64
        try:
            dt = np.dtype(dtype)
        except TypeError:
            dt = None
    if dt is None or dt not in _FLOAT_DTYPES:
        fail(TypeError, name, "np.float32 or np.float64", repr(dtype),
             "the network computes in float32 (fast) or float64 (for gradient checks)")
    return dt


def as_generator(seed, name: str = "seed") -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from ``None``, an int or a Generator.

    ``None`` gives fresh, unpredictable randomness; an int or a Generator gives
    reproducible results. The global ``np.random`` state is never used.

    Introduced in notebook 05_classifier (the ``seed`` argument of every layer).
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        fail(TypeError, name, "None, an int or a numpy.random.Generator", describe(seed),
             "e.g. seed=0 for reproducible results")
    if seed < 0:
        fail(ValueError, name, "a non-negative int", repr(int(seed)))
    return np.random.default_rng(int(seed))


class Parameter:
    """A learnable array and the gradient of the loss with respect to it.

    Parameters
    ----------
    name : str
        Name such as ``"conv1.weight"`` (set by :class:`cnnlesson.model.Sequential`;
        a layer that is not in a model names them ``"weight"`` and ``"bias"``).
    data : numpy.ndarray
        The values, any shape, float32 or float64. Optimisers update it in place.
    grad : numpy.ndarray, optional
        Same shape and dtype as ``data``; zeros if not given. ``backward``
        passes *add* to it (call ``zero_grad()`` between steps).

    Introduced in notebook 05_classifier.
    """

    __slots__ = ("name", "data", "grad")

    def __init__(self, name: str, data: np.ndarray, grad: np.ndarray | None = None):
        check_float_array(data, "data")
        self.name = str(name)
        self.data = data
        if grad is None:
            grad = np.zeros_like(data)
        elif not isinstance(grad, np.ndarray) or grad.shape != data.shape \
                or grad.dtype != data.dtype:
            fail(ValueError, "grad", f"an array of shape {data.shape} and dtype {data.dtype}",
                 describe(grad), "the gradient has the same shape and dtype as the data")
        self.grad = grad

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``data``."""
        return self.data.shape

    @property
    def size(self) -> int:
        """Number of values in ``data``."""
        return int(self.data.size)

    def zero_grad(self) -> None:
        """Set every gradient value to 0 (in place)."""
        self.grad[...] = 0

    def __repr__(self) -> str:
        shape = "x".join(str(s) for s in self.data.shape)
        return f"Parameter({self.name!r}, shape {shape}, {self.data.dtype})"
