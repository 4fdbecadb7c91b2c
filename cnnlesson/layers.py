"""Layers: thin stateful wrappers around the forward/backward pairs of :mod:`cnnlesson.functional`.

A layer remembers the cache of its last :meth:`~Layer.forward` call so that
:meth:`~Layer.backward` can use it, and owns its weights as :class:`Parameter`
objects (``.data`` and ``.grad``). No arithmetic of the network lives here:
every computation is delegated to :mod:`cnnlesson.functional`.

Gradients **accumulate**, as in PyTorch: ``backward`` *adds* the new gradient
to ``Parameter.grad``, so two backward passes give the sum of both gradients.
Call ``zero_grad()`` (on the optimiser or the model) before each training step;
:func:`cnnlesson.train.fit` does this for you.

Layouts follow the course conventions: activations are NCHW, conv weights are
(F, C, KH, KW), linear weights are (in_features, out_features) so that
``y = x @ w + b``. "Conv" means cross-correlation (no kernel flip), as in every
deep-learning library.
"""

from __future__ import annotations

import numbers

import numpy as np

from cnnlesson import _kernels as K
from cnnlesson import functional as F
from cnnlesson._opchecks import _check_conv_memory
from cnnlesson._validate import check_finite, check_float_array, describe, fail, looks_like_nhwc
from cnnlesson.parameter import Parameter, as_generator, check_float_dtype

__all__ = [
    "Parameter",
    "Layer",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "ReLU",
    "Flatten",
    "Linear",
    "as_generator",
    "check_float_dtype",
]


def _pair(v, name: str) -> tuple[int, int]:
    """Return ``(v, v)`` for an int, or the pair itself, each a positive int."""
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            fail(ValueError, name, "an int or a pair (height, width)", describe(v))
        vals = tuple(v)
    else:
        vals = (v, v)
    for item in vals:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            fail(TypeError, name, "a positive int or a pair of positive ints", describe(v))
        if item < 1:
            fail(ValueError, name, "a positive int (>= 1)", repr(v))
    return int(vals[0]), int(vals[1])


def _int_arg(v, name: str, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        fail(TypeError, name, f"an int >= {minimum}", describe(v))
    if v < minimum:
        fail(ValueError, name, f"an int >= {minimum}", repr(int(v)))
    return int(v)


class Layer:
    """Base class of every layer.

    Subclasses implement ``_forward(x) -> (out, cache)``, ``_backward(dout,
    cache) -> dx`` (adding parameter gradients into ``.grad``) and
    ``_output_shape(shape)``. The base class handles the cache, the
    backward-before-forward error and the ``dout`` shape check.

    The course's layers implement ``_grads(dout, cache, input_grad) -> (dx,
    [gradient of each parameter])`` instead of ``_backward``: it returns the
    parameter gradients rather than adding them, which lets
    :func:`cnnlesson.train.fit` split a batch over two threads. (``Conv2d`` and
    ``Linear`` also take ``bounds``, to sum their gradients piece by piece.)

    Checks: :meth:`forward` validates the input's shape and dtype once per
    (shape, dtype) seen and then trusts it (the check is remembered until the
    parameters change shape or dtype); it checks the values for NaN/inf on
    every call. :meth:`backward` checks ``dout`` on every call.

    Attributes
    ----------
    name : str or None
        Set by :class:`cnnlesson.model.Sequential` (``"conv1"``, ``"relu2"``, ...).
    kind : str
        Prefix used for automatic names (``"conv"``, ``"pool"``, ...).

    Introduced in notebook 05_classifier.
    """

    kind = "layer"

    def __init__(self):
        self._name: str | None = None
        self._cache = None
        self._out_shape: tuple[int, ...] | None = None
        self._checked: tuple | None = None  # last input signature that passed the checks

    # -- naming --------------------------------------------------------------------------------
    @property
    def name(self) -> str | None:
        """The layer's name in its model (``None`` for a layer not in a model)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        for attr, p in self._named_parameters():
            p.name = f"{value}.{attr}" if value else attr

    @property
    def label(self) -> str:
        """The name if set, otherwise the class name (used in error messages)."""
        return self._name or type(self).__name__

    def _named_parameters(self) -> list[tuple[str, Parameter]]:
        return []

    def parameters(self) -> list[Parameter]:
        """Return the layer's :class:`Parameter` objects (empty for layers without weights)."""
        return [p for _, p in self._named_parameters()]

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0."""
        for p in self.parameters():
            p.zero_grad()

    @property
    def dtype(self) -> np.dtype | None:
        """The dtype of the parameters, or ``None`` for a layer without parameters."""
        params = self.parameters()
        return params[0].data.dtype if params else None

    def astype(self, dtype) -> Layer:
        """Convert the parameters (data and grad) to ``dtype`` in place; return ``self``."""
        dt = check_float_dtype(dtype)
        for p in self.parameters():
            p.data = p.data.astype(dt)
            p.grad = p.grad.astype(dt)
        self.clear_cache()
        return self

    def clear_cache(self) -> None:
        """Forget the cache of the last forward pass."""
        self._cache = None
        self._out_shape = None

    def __setstate__(self, state):
        # Copies and pickles made before ``_checked`` existed still work.
        self.__dict__.update(state)
        self.__dict__.setdefault("_checked", None)

    # -- forward / backward --------------------------------------------------------------------
    def forward(self, x: np.ndarray, *, keep_cache: bool = True) -> np.ndarray:
        """Compute the layer's output for a batch.

        Parameters
        ----------
        x : numpy.ndarray
            Input batch, float32 or float64 (same dtype as the layer's weights);
            (N, C, H, W) for conv and pooling layers, (N, D) for ``Linear``.
        keep_cache : bool, default True
            Remember what ``backward`` needs. ``False`` leaves the layer's
            state untouched (used for inference and for probes during training).

        Returns
        -------
        numpy.ndarray
            The output batch, same dtype as ``x``.
        """
        self._check_x(x)
        check_finite(x, "x", f"the input of {self.label} contains NaN or inf; check the data "
                     "(and the previous layers' weights)")
        return self._run(x, keep_cache)

    def _run(self, x: np.ndarray, keep_cache: bool) -> np.ndarray:
        """Forward pass with the cheap checks only (used by :class:`Sequential`)."""
        out, cache = self._forward(x)
        if keep_cache:
            self._cache = cache
            self._out_shape = out.shape
        return out

    __call__ = forward

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Backpropagate ``dout`` through the last forward pass.

        Parameter gradients are **added** to ``.grad`` (call ``zero_grad()``
        between steps).

        Parameters
        ----------
        dout : numpy.ndarray
            Gradient of the loss with respect to the last output; same shape
            as that output.

        Returns
        -------
        numpy.ndarray
            Gradient with respect to the last input ``x``, same shape as ``x``.
        """
        if self._cache is None:
            raise RuntimeError(
                f"{self.label}.backward was called before forward. Hint: call forward(x) "
                "first; backward uses what the last forward pass remembered")
        check_float_array(dout, "dout")
        if dout.shape != self._out_shape:
            fail(ValueError, "dout", f"of shape {self._out_shape} (the shape of {self.label}'s "
                 "last output)", f"shape {tuple(dout.shape)}",
                 "pass the gradient of the loss with respect to this layer's output")
        return self._backward(dout, self._cache)

    def _backward(self, dout, cache):
        """Add the parameter gradients to ``.grad``; return dx."""
        dx, grads = self._grads(dout, cache, True)
        for p, g in zip(self.parameters(), grads, strict=True):
            p.grad += g
        return dx

    def _grads(self, dout, cache, input_grad: bool):
        """Return ``(dx or None, [gradient of each parameter, in parameters() order])``.

        The default serves layers written with ``_backward`` only, when they have no
        parameters.
        """
        if type(self)._backward is Layer._backward or self.parameters():
            raise NotImplementedError(f"{type(self).__name__} must define _grads")
        return self._backward(dout, cache), []

    @property
    def standard(self) -> bool:
        """True unless a subclass overrides ``forward`` or ``backward`` themselves.

        :class:`~cnnlesson.model.Sequential` and :func:`~cnnlesson.train.fit` then go
        through ``_forward``/``_backward`` directly; otherwise they call the overrides.
        """
        cls = type(self)
        return cls.forward is Layer.forward and cls.backward is Layer.backward

    @property
    def splittable(self) -> bool:
        """True if the layer computes its gradients with ``_grads`` (needed to split a batch)."""
        return self.standard and (type(self)._grads is not Layer._grads or not self.parameters())

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Return the output shape (without batch axis) for an input of shape ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            Shape of one example, e.g. (C, H, W).

        Returns
        -------
        tuple of int
            Shape of the layer's output for one example.
        """
        shape = tuple(int(s) for s in input_shape)
        self._check_shape(shape, f"an input of shape {shape}")
        return self._output_shape(shape)

    # -- checks --------------------------------------------------------------------------------
    def _signature(self, x: np.ndarray) -> tuple:
        """What the structural checks depend on: the input's per-example shape and dtype and
        the parameters' shapes and dtypes."""
        return (x.shape[1:], x.dtype, *((p.data.shape, p.data.dtype)
                                        for p in self.parameters()))

    def _check_x(self, x) -> None:
        """Check type, dtype and shape of ``x``; skipped for a signature already checked."""
        if not isinstance(x, np.ndarray):
            fail(TypeError, "x", "a numpy array", describe(x),
                 "convert it with np.asarray(x, dtype=np.float32)")
        if x.ndim >= 1 and x.shape[0] > 0:
            sig = self._signature(x)
            if sig == self._checked:
                return
        else:
            sig = None
        self._check_x_fully(x)
        self._checked = sig

    def _param_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape each parameter must have, by attribute name."""
        return {}

    def _check_x_fully(self, x: np.ndarray) -> None:
        for attr, shape in self._param_shapes().items():
            p = getattr(self, attr)
            if not isinstance(p.data, np.ndarray) or p.data.shape != shape:
                fail(ValueError, p.name, f"of shape {shape} to fit {self!r}", describe(p.data),
                     f"change the values in place, e.g. {self.label}.{attr}.data[...] = new, "
                     "or build a new layer with the sizes you want")
            check_float_array(p.data, p.name)
        check_float_array(x, "x")
        dt = self.dtype
        if dt is not None and x.dtype != dt:
            fail(TypeError, "x", f"{dt} like {self.label}'s weights", f"dtype {x.dtype}",
                 f"convert the input with x.astype(np.{dt}) or the model with "
                 f"model.astype(np.{x.dtype})")
        if x.ndim < 1 or x.shape[0] == 0:
            fail(ValueError, "x", "a non-empty batch", f"shape {tuple(x.shape)}")
        self._check_shape(tuple(x.shape[1:]), f"x of shape {tuple(x.shape)}")

    def _check_shape(self, shape: tuple[int, ...], what: str) -> None:
        """Check one example's shape; ``what`` describes the input in messages."""

    def _check_nchw(self, shape: tuple[int, ...], what: str) -> None:
        if len(shape) != 3:
            raise ValueError(
                f"{self.label} expects 4-D input (N, C, H, W); got {what}. Hint: a single "
                "(C, H, W) image needs a batch axis, x[None]; an (H, W, C) image needs "
                "cnnlesson.images.hwc_to_chw first")

    def _forward(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def _output_shape(self, shape):
        return shape

    def describe(self) -> str:
        """A short description for model summaries, e.g. ``"Conv2d 3x3, 3->6"``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Conv2d(Layer):
    """2-D convolution layer (cross-correlation, no kernel flip) over NCHW batches.

    Parameters
    ----------
    in_channels : int
        C, the number of channels of the input.
    out_channels : int
        F, the number of filters (output channels).
    kernel_size : int or (int, int)
        KH and KW (one int means a square kernel).
    stride : int, default 1
    padding : int, default 0
        Zeros added on each side of H and W.
    seed : None, int or numpy.random.Generator
        Randomness for the He initialisation: weights are drawn from a normal
        distribution with standard deviation ``sqrt(2 / (C * KH * KW))``, biases
        start at 0.
    dtype : np.float32 or np.float64, default np.float32

    Attributes
    ----------
    weight : Parameter
        ``weight.data`` has shape (F, C, KH, KW).
    bias : Parameter
        ``bias.data`` has shape (F,).

    Introduced in notebook 05_classifier.
    """

    kind = "conv"

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride: int = 1,
                 padding: int = 0, *, seed=None, dtype=np.float32):
        super().__init__()
        self.in_channels = _int_arg(in_channels, "in_channels", 1)
        self.out_channels = _int_arg(out_channels, "out_channels", 1)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _int_arg(stride, "stride", 1)
        self.padding = _int_arg(padding, "padding", 0)
        dt = check_float_dtype(dtype)
        rng = as_generator(seed)
        kh, kw = self.kernel_size
        fan_in = self.in_channels * kh * kw
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(self.out_channels, self.in_channels,
                                                           kh, kw))
        self.weight = Parameter("weight", w.astype(dt))
        self.bias = Parameter("bias", np.zeros(self.out_channels, dtype=dt))

    def _named_parameters(self):
        return [("weight", self.weight), ("bias", self.bias)]

    def _check_shape(self, shape, what):
        self._check_nchw(shape, what)
        c, h, w = shape
        if c != self.in_channels:
            hint = ("the previous layer's out_channels (or the image's channels) must equal "
                    "this layer's in_channels")
            if w == self.in_channels:
                hint = ("the channels look last, (H, W, C); the network wants (C, H, W): "
                        "convert with cnnlesson.images.hwc_to_chw")
            raise ValueError(
                f"{self.label} expects {self.in_channels} input channels; got {what}. "
                f"Hint: {hint}")
        kh, kw = self.kernel_size
        p = self.padding
        if h + 2 * p < kh or w + 2 * p < kw:
            raise ValueError(
                f"{self.label} needs an input of at least {kh - 2 * p}x{kw - 2 * p} pixels for "
                f"its {kh}x{kw} kernel with padding {p}; got {what}. Hint: use larger images, "
                "fewer pooling layers or more padding")

    def _output_shape(self, shape):
        _, h, w = shape
        kh, kw = self.kernel_size
        return (self.out_channels,
                F.conv_output_size(h, kh, self.stride, self.padding),
                F.conv_output_size(w, kw, self.stride, self.padding))

    def _param_shapes(self):
        kh, kw = self.kernel_size
        return {"weight": (self.out_channels, self.in_channels, kh, kw),
                "bias": (self.out_channels,)}

    def _check_x_fully(self, x):
        super()._check_x_fully(x)
        # The padded input and the unfolded windows must fit in memory.
        _check_conv_memory(x, self.weight.data, self.padding,
                             *self._output_shape(tuple(x.shape[1:]))[1:])

    def _forward(self, x):
        return K.conv2d_forward(x, self.weight.data, self.bias.data, self.stride, self.padding)

    def _grads(self, dout, cache, input_grad, bounds=None):
        dx, dw, db = K.conv2d_backward(dout, cache, input_grad, bounds)
        return dx, [dw, db]

    def describe(self):
        kh, kw = self.kernel_size
        extra = ""
        if self.stride != 1:
            extra += f", stride {self.stride}"
        if self.padding:
            extra += f", pad {self.padding}"
        return f"Conv2d {kh}x{kw}, {self.in_channels}->{self.out_channels}{extra}"

    def __repr__(self):
        kh, kw = self.kernel_size
        return (f"Conv2d({self.in_channels} -> {self.out_channels}, kernel {kh}x{kw}, "
                f"stride {self.stride}, padding {self.padding})")


class _Pool2d(Layer):
    kind = "pool"

    def __init__(self, size: int = 2, stride: int | None = None):
        super().__init__()
        self.size = _int_arg(size, "size", 1)
        self.stride = self.size if stride is None else _int_arg(stride, "stride", 1)

    def _check_shape(self, shape, what):
        self._check_nchw(shape, what)
        if looks_like_nhwc((1, *shape)):
            raise ValueError(
                f"{self.label} expects (N, C, H, W) batches, channels first; got {what}, which "
                "looks like (N, H, W, C) with the channels last. Hint: convert it with "
                "hwc_to_chw (from cnnlesson.images)")
        _, h, w = shape
        if h < self.size or w < self.size:
            raise ValueError(
                f"{self.label} needs an input of at least {self.size}x{self.size} pixels for "
                f"its {self.size}x{self.size} window; got {what}. Hint: use larger images or "
                "fewer pooling layers")

    def _output_shape(self, shape):
        c, h, w = shape
        return (c, F.conv_output_size(h, self.size, self.stride),
                F.conv_output_size(w, self.size, self.stride))

    def describe(self):
        extra = f", stride {self.stride}" if self.stride != self.size else ""
        return f"{type(self).__name__} {self.size}x{self.size}{extra}"

    def __repr__(self):
        return f"{type(self).__name__}(size {self.size}, stride {self.stride})"


class MaxPool2d(_Pool2d):
    """Max pooling over ``size x size`` windows of each channel.

    Parameters
    ----------
    size : int, default 2
        Window height and width.
    stride : int, optional
        Step between windows; defaults to ``size`` (non-overlapping windows).

    Introduced in notebook 05_classifier.
    """

    kind = "pool"

    def _forward(self, x):
        return K.maxpool2d_forward(x, self.size, self.stride)

    def _grads(self, dout, cache, input_grad):
        return (K.maxpool2d_backward(dout, cache) if input_grad else None), []


class AvgPool2d(_Pool2d):
    """Average pooling over ``size x size`` windows of each channel.

    Parameters
    ----------
    size : int, default 2
        Window height and width.
    stride : int, optional
        Step between windows; defaults to ``size`` (non-overlapping windows).

    Introduced in notebook 05_classifier.
    """

    kind = "avgpool"

    def _forward(self, x):
        return K.avgpool2d_forward(x, self.size, self.stride)

    def _grads(self, dout, cache, input_grad):
        return (K.avgpool2d_backward(dout, cache) if input_grad else None), []


class ReLU(Layer):
    """Rectified linear unit, ``max(x, 0)`` element-wise; any input shape.

    Introduced in notebook 04_backprop.
    """

    kind = "relu"

    def _forward(self, x):
        return K.relu_forward(x)

    def _grads(self, dout, cache, input_grad):
        return (K.relu_backward(dout, cache) if input_grad else None), []


class Flatten(Layer):
    """Reshape each example to a vector: (N, C, H, W) -> (N, C*H*W), in C, H, W order.

    Introduced in notebook 05_classifier.
    """

    kind = "flatten"

    def _check_shape(self, shape, what):
        if len(shape) < 1:
            raise ValueError(f"{self.label} expects at least 2-D input (N, ...); got {what}")

    def _output_shape(self, shape):
        return (int(np.prod(shape)),)

    def _forward(self, x):
        return x.reshape(x.shape[0], -1), x.shape

    def _grads(self, dout, cache, input_grad):
        return (dout.reshape(cache) if input_grad else None), []


class Linear(Layer):
    """Fully connected layer, ``y = x @ w + b``.

    Parameters
    ----------
    in_features : int
        D, the length of each input vector.
    out_features : int
        M, the length of each output vector.
    seed : None, int or numpy.random.Generator
        Randomness for the He initialisation (normal, std ``sqrt(2 / D)``; bias 0).
    dtype : np.float32 or np.float64, default np.float32

    Attributes
    ----------
    weight : Parameter
        ``weight.data`` has shape (D, M).
    bias : Parameter
        ``bias.data`` has shape (M,).

    Introduced in notebook 05_classifier.
    """

    kind = "linear"

    def __init__(self, in_features: int, out_features: int, *, seed=None, dtype=np.float32):
        super().__init__()
        self.in_features = _int_arg(in_features, "in_features", 1)
        self.out_features = _int_arg(out_features, "out_features", 1)
        dt = check_float_dtype(dtype)
        rng = as_generator(seed)
        w = rng.normal(0.0, np.sqrt(2.0 / self.in_features),
                       size=(self.in_features, self.out_features))
        self.weight = Parameter("weight", w.astype(dt))
        self.bias = Parameter("bias", np.zeros(self.out_features, dtype=dt))

    def _named_parameters(self):
        return [("weight", self.weight), ("bias", self.bias)]

    def _param_shapes(self):
        return {"weight": (self.in_features, self.out_features), "bias": (self.out_features,)}

    def _check_shape(self, shape, what):
        if len(shape) != 1:
            raise ValueError(
                f"{self.label} expects 2-D input (N, {self.in_features}); got {what}. Hint: put "
                "a Flatten layer before it")
        if shape[0] != self.in_features:
            raise ValueError(
                f"{self.label} expects {self.in_features} input features; got {what}. Hint: "
                "in_features must equal the size of the flattened previous output "
                "(see model.summary(input_shape))")

    def _output_shape(self, shape):
        return (self.out_features,)

    def _forward(self, x):
        return K.linear_forward(x, self.weight.data, self.bias.data)

    def _grads(self, dout, cache, input_grad, bounds=None):
        dx, dw, db = K.linear_backward(dout, cache, input_grad, bounds)
        return dx, [dw, db]

    def describe(self):
        return f"Linear {self.in_features}->{self.out_features}"

    def __repr__(self):
        return f"Linear({self.in_features} -> {self.out_features})"

