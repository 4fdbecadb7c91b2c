"""Shared input checks for tools that take a trained model and one image (explain, occlusion).

Private: the public functions of :mod:`cnnlesson.explain`, :mod:`cnnlesson.occlusion`,
:mod:`cnnlesson.receptive` and :mod:`cnnlesson.channels` call these so that their error
messages agree.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import check_finite, check_float_array, describe, fail

__all__ = ["_check_model", "_check_real_number", "_check_image_chw", "_num_classes",
           "_check_target"]


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
