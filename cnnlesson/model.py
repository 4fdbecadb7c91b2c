"""Models: :class:`Sequential`, a chain of layers, and :func:`seed_cnn`, the course's network.

A :class:`Sequential` names its layers by kind and count (``conv1``, ``relu1``,
``pool1``, ``conv2``, ...), runs them forward in order and backward in reverse
order, and can describe itself (:meth:`Sequential.summary`), save its weights
to a ``.npz`` file and load them back.
"""

from __future__ import annotations

import copy
import numbers
import os
from pathlib import Path

import numpy as np

from cnnlesson._modelfile import FILE_FORMAT, UnreadableModelFile, read_model_file, write_model_file
from cnnlesson._modelfile import META_ARCH as _META_ARCH
from cnnlesson._modelfile import META_FORMAT as _META_FORMAT
from cnnlesson._validate import (
    check_finite,
    check_float_array,
    check_positive_int,
    describe,
    fail,
)
from cnnlesson.layers import (
    Conv2d,
    Flatten,
    Layer,
    Linear,
    MaxPool2d,
    Parameter,
    ReLU,
    as_generator,
    check_float_dtype,
)

__all__ = ["Sequential", "seed_cnn", "softmax"]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed stably by subtracting each row's maximum.

    Parameters
    ----------
    logits : numpy.ndarray
        Shape (N, K), float32 or float64.

    Returns
    -------
    numpy.ndarray
        Shape (N, K), same dtype; each row is positive and sums to 1.

    Introduced in notebook 05_classifier.
    """
    check_float_array(logits, "logits", ndim=2, layout="(N, K)")
    check_finite(logits, "logits", "the network produced NaN or inf: check the input for NaN "
                 "and the weights (a too large learning rate makes them blow up)")
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fmt_hwc(shape: tuple[int, ...]) -> str:
    if len(shape) == 3:
        c, h, w = shape
        return f"{h}x{w}x{c}"
    return "x".join(str(s) for s in shape)


def _fmt_nchw(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(["N", *(str(s) for s in shape)]) + ")"


class Sequential:
    """A network made of layers applied one after the other.

    Parameters
    ----------
    *layers : Layer
        The layers, in order. Each is named by kind and count: ``conv1``,
        ``relu1``, ``pool1`` (max pooling), ``avgpool1``, ``flatten1``,
        ``linear1``, ... A layer object may appear only once.

    Attributes
    ----------
    layers : list of Layer
        The layers in order.
    history : cnnlesson.train.History or None
        Set by :func:`cnnlesson.train.fit` when training starts and filled in
        as it goes, so the record of the epochs already run survives an
        interrupted ``fit`` (Ctrl-C): read it back with ``model.history``.

    Notes
    -----
    ``backward`` **adds** to each parameter's ``.grad`` (as PyTorch does); call
    :meth:`zero_grad` (or the optimiser's ``zero_grad``) before each step.

    Introduced in notebook 05_classifier.
    """

    def __init__(self, *layers: Layer):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            fail(TypeError, "layers", "passed one by one, Sequential(layer1, layer2, ...)",
                 describe(layers[0]), "unpack a list with Sequential(*layers)")
        if not layers:
            fail(ValueError, "layers", "at least one layer", "none")
        seen: set[int] = set()
        counts: dict[str, int] = {}
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                fail(TypeError, f"layers[{i}]", "a cnnlesson.layers.Layer (Conv2d, ReLU, ...)",
                     describe(layer), "create the layer object, e.g. ReLU() rather than ReLU")
            if id(layer) in seen:
                fail(ValueError, f"layers[{i}]", "a layer object not already in the model",
                     f"{layer!r} a second time",
                     "create a new layer object; one object keeps only one forward cache")
            seen.add(id(layer))
            counts[layer.kind] = counts.get(layer.kind, 0) + 1
            layer.name = f"{layer.kind}{counts[layer.kind]}"
        self.layers: list[Layer] = list(layers)
        self.history = None

    # -- access --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, key: int | str) -> Layer:
        """Return a layer by position (``model[0]``) or by name (``model["conv1"]``)."""
        if isinstance(key, str):
            for layer in self.layers:
                if layer.name == key:
                    return layer
            names = ", ".join(layer.name for layer in self.layers)
            raise KeyError(f"no layer named {key!r}; the layers are: {names}")
        if isinstance(key, bool) or not isinstance(key, numbers.Integral):
            fail(TypeError, "key", "a layer position (int) or name (str)", describe(key),
                 f"e.g. model[0] or model[{self.layers[0].name!r}]")
        n = len(self.layers)
        if not -n <= key < n:
            listing = ", ".join(f"{i}: {layer.name}" for i, layer in enumerate(self.layers))
            raise IndexError(
                f"layer index {int(key)} is out of range: this model has {n} layers, "
                f"positions 0 to {n - 1} (or -{n} to -1 from the end). The layers are: "
                f"{listing}. Hint: use a position from that list or a name, e.g. "
                f"model[{self.layers[0].name!r}]")
        return self.layers[key]

    @property
    def layer_names(self) -> list[str]:
        """The names of the layers, in order."""
        return [layer.name for layer in self.layers]

    def parameters(self) -> list[Parameter]:
        """Every :class:`Parameter` in layer order (``conv1.weight``, ``conv1.bias``, ...)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def num_parameters(self) -> int:
        """Total number of learnable values."""
        return sum(p.size for p in self.parameters())

    @property
    def dtype(self) -> np.dtype | None:
        """The dtype of the parameters (``None`` if the model has none)."""
        params = self.parameters()
        return params[0].data.dtype if params else None

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.parameters():
            p.zero_grad()

    def clear_cache(self) -> None:
        """Forget the caches of the last forward pass (frees their memory)."""
        for layer in self.layers:
            layer.clear_cache()

    # -- computing -----------------------------------------------------------------------------
    def forward(self, x: np.ndarray, *, keep_cache: bool = True) -> np.ndarray:
        """Run ``x`` through every layer.

        Parameters
        ----------
        x : numpy.ndarray
            Input batch, e.g. (N, C, H, W), in the model's dtype.
        keep_cache : bool, default True
            Remember what :meth:`backward` needs; ``False`` for pure inference.

        Returns
        -------
        numpy.ndarray
            The last layer's output, e.g. logits (N, K).

        Notes
        -----
        The input is checked for NaN/inf, and so is the output (NaN or inf
        there means the weights are broken). Each layer checks the shape and
        dtype of what it receives once per (shape, dtype) and trusts it after.
        """
        first = True
        for layer in self.layers:
            if not layer.standard:  # a subclass with its own forward
                x = layer.forward(x, keep_cache=keep_cache)
                first = False
                continue
            layer._check_x(x)
            if first:
                check_finite(x, "x", "the input contains NaN or inf; check how it was made "
                             "(e.g. a division by zero when normalising)")
                first = False
            x = layer._run(x, keep_cache)
        if not np.isfinite(x).all():
            raise ValueError(
                f"the output of {self.layers[-1].label} contains NaN or inf although the input "
                "is finite. Hint: the weights are probably NaN, inf or huge (training with a "
                "too large learning rate?); re-create the model or load saved weights")
        return x

    __call__ = forward

    def backward(self, dout: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate ``dout`` (gradient w.r.t. the output) through every layer.

        Parameter gradients are added to ``.grad``.

        Parameters
        ----------
        dout : numpy.ndarray
            Same shape as the last output of :meth:`forward`, e.g. (N, K).
        input_grad : bool, default True
            Also compute the gradient with respect to the input ``x``. Training
            does not need it (the images are not learned), so
            :func:`cnnlesson.train.fit` passes ``False`` and the first layer
            skips that work, as PyTorch does.

        Returns
        -------
        numpy.ndarray or None
            Gradient with respect to the input ``x``, same shape as ``x``;
            ``None`` when ``input_grad=False``.
        """
        if not isinstance(input_grad, bool):
            fail(TypeError, "input_grad", "True or False", describe(input_grad))
        for layer in self.layers:
            if layer._cache is None:
                raise RuntimeError(
                    f"{layer.label}.backward was called before forward. Hint: call "
                    "model.forward(x) first (with keep_cache=True, the default); backward uses "
                    "what the last forward pass remembered")
        last = self.layers[-1]
        check_float_array(dout, "dout")
        if dout.shape != last._out_shape:
            fail(ValueError, "dout", f"of shape {last._out_shape} (the shape of the model's "
                 "last output)", f"shape {tuple(dout.shape)}",
                 "pass the gradient of the loss with respect to the model's output")
        out_dtype = self.dtype
        if out_dtype is not None and dout.dtype != out_dtype:
            fail(TypeError, "dout", f"of dtype {out_dtype} like the model's weights",
                 f"dtype {dout.dtype}", f"use dout.astype(np.{out_dtype})")
        for i in range(len(self.layers) - 1, 0, -1):
            layer = self.layers[i]
            dout = (layer._backward(dout, layer._cache) if layer.standard
                    else layer.backward(dout))
        first = self.layers[0]
        if not first.standard:
            dx = first.backward(dout)
            return dx if input_grad else None
        if input_grad:
            return first._backward(dout, first._cache)
        if first.splittable and first.parameters():
            _, grads = first._grads(dout, first._cache, False)
            for p, g in zip(first.parameters(), grads, strict=True):
                p.grad += g
        else:
            first._backward(dout, first._cache)
        return None

    def _batched(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        check_float_array(x, "x")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size < 1:
            fail(ValueError, "batch_size", "a positive int", describe(batch_size))
        outs = [self.forward(x[i:i + batch_size], keep_cache=False)
                for i in range(0, max(len(x), 1), batch_size)]
        return np.concatenate(outs) if len(outs) > 1 else outs[0]

    def predict_proba(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Class probabilities (softmax of the logits) for a batch.

        Does not touch the caches used by :meth:`backward`.

        Parameters
        ----------
        x : numpy.ndarray
            Input batch (N, C, H, W).
        batch_size : int, default 256
            Examples processed at once (limits memory).

        Returns
        -------
        numpy.ndarray
            Shape (N, K); each row sums to 1.
        """
        return softmax(self._batched(x, batch_size))

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Predicted class index (the largest logit) for each example.

        Parameters
        ----------
        x : numpy.ndarray
            Input batch (N, C, H, W).
        batch_size : int, default 256

        Returns
        -------
        numpy.ndarray
            Shape (N,), int64.
        """
        return self._batched(x, batch_size).argmax(axis=1).astype(np.int64)

    def activations(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for ``x``, without touching the backward caches.

        Parameters
        ----------
        x : numpy.ndarray
            Input batch (N, C, H, W).

        Returns
        -------
        dict
            ``{layer name: output}`` in layer order; conv outputs are before
            the ReLU (the ReLU's output is under ``"reluK"``).

        Introduced in notebook 06_inside_the_network.
        """
        acts: dict[str, np.ndarray] = {}
        for layer in self.layers:
            x = layer.forward(x, keep_cache=False)
            acts[layer.name] = x
        return acts

    # -- description ---------------------------------------------------------------------------
    def output_shapes(self, input_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
        """Each layer's output shape for one example of shape ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            One example's shape, e.g. (C, H, W) = (3, 26, 26), without batch axis.

        Returns
        -------
        list of (str, tuple of int)
            ``(layer name, output shape without batch axis)`` in layer order.
        """
        shape = self._check_input_shape(input_shape)
        out = []
        for layer in self.layers:
            shape = layer.output_shape(shape)
            out.append((layer.name, shape))
        return out

    @staticmethod
    def _check_input_shape(input_shape) -> tuple[int, ...]:
        if not isinstance(input_shape, (tuple, list)) or not all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
                for s in input_shape):
            fail(TypeError if not isinstance(input_shape, (tuple, list)) else ValueError,
                 "input_shape", "a tuple of positive ints such as (C, H, W) = (3, 26, 26)",
                 describe(input_shape), "give one example's shape, without the batch axis")
        if len(input_shape) == 4:
            fail(ValueError, "input_shape", "one example's shape (C, H, W), without batch axis",
                 f"{tuple(input_shape)}", "drop the first (batch) number, e.g. x.shape[1:]")
        return tuple(int(s) for s in input_shape)

    def summary(self, input_shape: tuple[int, ...], *, show: bool = True) -> str:
        """A table of every layer's output shape and parameter count.

        Each output shape is shown twice: as ``H x W x C`` (height x width x
        channels, the way the course's diagrams draw a stack of feature maps)
        and in the code's NCHW order ``(N, C, H, W)``, where N is the batch size.

        Parameters
        ----------
        input_shape : tuple of int
            One example's shape (C, H, W), e.g. (3, 26, 26).
        show : bool, default True
            Also print the table. (In a notebook, end the line with ``;`` so the
            returned string is not displayed a second time.)

        Returns
        -------
        str
            The table.

        Introduced in notebook 05_classifier.
        """
        shapes = self.output_shapes(input_shape)
        rows = [("input", "", _fmt_hwc(tuple(input_shape)), _fmt_nchw(tuple(input_shape)), "")]
        for layer, (name, shape) in zip(self.layers, shapes, strict=True):
            n = sum(p.size for p in layer.parameters())
            rows.append((name, layer.describe(), _fmt_hwc(shape), _fmt_nchw(shape), f"{n:,}"))
        header = ("layer", "type", "output HxWxC", "output (N, C, H, W)", "params")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]

        def line(r):
            cells = [r[i].ljust(widths[i]) for i in range(4)] + [r[4].rjust(widths[4])]
            return "  ".join(cells).rstrip()

        rule = "-" * len(line(header))
        text = "\n".join([line(header), rule, *(line(r) for r in rows), rule,
                          f"total parameters: {self.num_parameters():,}"])
        if show:
            print(text)
        return text

    def __repr__(self) -> str:
        inner = "\n".join(f"  {layer.name}: {layer!r}" for layer in self.layers)
        return f"Sequential(\n{inner}\n)"

    # -- copies and dtype ----------------------------------------------------------------------
    def copy(self) -> Sequential:
        """An independent copy (same weights and gradients, no caches)."""
        new = copy.deepcopy(self)
        new.clear_cache()
        return new

    def astype(self, dtype) -> Sequential:
        """Return a **copy** of the model whose parameters have ``dtype``.

        Like ``numpy.ndarray.astype``, the model itself is left unchanged (an
        optimiser built on it keeps working). Typical use: a float64 copy for
        gradient checks, ``model.astype(np.float64)``.

        Parameters
        ----------
        dtype : np.float32 or np.float64

        Returns
        -------
        Sequential
            The converted copy.
        """
        dt = check_float_dtype(dtype)
        new = self.copy()
        for layer in new.layers:
            layer.astype(dt)
        return new

    # -- saving and loading --------------------------------------------------------------------
    def _architecture(self) -> str:
        return "; ".join(f"{layer.name}: {layer!r}" for layer in self.layers)

    def save(self, path) -> Path:
        """Save the parameters to a ``.npz`` file (no pickle), atomically.

        The file holds one array per parameter, under its name
        (``"conv1.weight"``, ...), plus a format marker and a text description
        of the architecture. The file is first written to a temporary file in
        the same folder and then renamed over ``path``, so an interrupt or a
        full disk never leaves a half-written file: the previous file stays
        intact.

        Parameters
        ----------
        path : str or pathlib.Path
            Destination; ``.npz`` is appended if missing (as ``numpy.savez`` does).

        Returns
        -------
        pathlib.Path
            The file written.

        Introduced in notebook 05_classifier.
        """
        path = _check_path(path)
        if path.is_dir():
            raise IsADirectoryError(f"cannot save the model to {str(path)!r}: it is a folder. "
                                    "Hint: give a file name, e.g. folder / 'model.npz'")
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        if path.is_dir():
            raise IsADirectoryError(f"cannot save the model to {str(path)!r}: it is a folder. "
                                    "Hint: give a file name, e.g. folder / 'model.npz'")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"cannot save the model to {str(path)!r}: the folder "
                                    f"{str(path.parent)!r} does not exist. Hint: create it "
                                    "first, e.g. Path(folder).mkdir(parents=True)")
        arrays = {p.name: p.data for p in self.parameters()}
        arrays[_META_FORMAT] = np.array(FILE_FORMAT)
        arrays[_META_ARCH] = np.array(self._architecture())
        write_model_file(path, arrays)
        return path

    def load(self, path) -> Sequential:
        """Load parameters saved by :meth:`save` into this model; return ``self``.

        Every parameter name and shape in the file must match this model
        exactly, otherwise nothing is loaded and a ``ValueError`` lists the
        differences. The names and the ``.npy`` headers (shape and dtype) are
        checked before any array is read, at most the bytes the model needs
        are read, and nothing is unpickled, so a damaged or hostile file gives
        a clear error. Values are converted to the model's dtype. Gradients
        are reset to 0.

        Parameters
        ----------
        path : str or pathlib.Path
            A ``.npz`` file written by :meth:`save` (``.npz`` may be omitted).

        Returns
        -------
        Sequential
            ``self``.

        Introduced in notebook 05_classifier.
        """
        path = _check_path(path)
        if not path.exists() and path.suffix != ".npz" \
                and path.with_name(path.name + ".npz").exists():
            path = path.with_name(path.name + ".npz")
        if not path.exists():
            raise FileNotFoundError(f"no model file at {str(path)!r}. Hint: check the path; "
                                    "model.save(path) returns the path it wrote")
        if path.is_dir():
            raise IsADirectoryError(f"{str(path)!r} is a folder, not a model file. Hint: give "
                                    "the .npz file that model.save wrote")
        params = {p.name: p for p in self.parameters()}
        try:
            arrays, arch, problems = read_model_file(path, {k: p.shape
                                                            for k, p in params.items()})
        except UnreadableModelFile as e:
            raise ValueError(
                f"{str(path)!r} is not a readable cnnlesson model file ({e})."
                " Hint: the file may be damaged or not written by model.save; save it again"
            ) from None
        except ValueError:
            raise ValueError(f"{str(path)!r} is not a cnnlesson model file (no "
                             f"{FILE_FORMAT!r} marker). Hint: load files written by "
                             "model.save") from None
        if problems:
            saved = f" The file was saved from: {arch}." if arch is not None else ""
            raise ValueError(
                f"{str(path)!r} does not match this model; nothing was loaded:\n  - "
                + "\n  - ".join(problems) + f"\nThis model is: {self._architecture()}.{saved}"
                " Hint: build the same architecture (e.g. the same seed_cnn(in_channels=...))"
                " before loading")
        for name, p in params.items():
            p.data[...] = arrays[name].astype(p.data.dtype)
            p.zero_grad()
        self.clear_cache()
        return self


def _check_path(path) -> Path:
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        fail(TypeError, "path", "a file name (str or pathlib.Path)", describe(path),
             "e.g. model.save('my_model.npz')")
    path = Path(path)
    if str(path) in ("", "."):
        fail(ValueError, "path", "a file name", repr(str(path)), "e.g. 'my_model.npz'")
    return path


def _check_first_kernels(first_kernels, in_channels: int, dtype) -> np.ndarray:
    try:
        k = np.asarray(first_kernels)
    except (ValueError, TypeError):
        fail(TypeError, "first_kernels", "an array of shape (6, 3, 3) or (6, C, 3, 3)",
             describe(first_kernels), "stack six 3x3 kernels with np.stack")
    if k.dtype == np.bool_ or not (np.issubdtype(k.dtype, np.integer)
                                   or np.issubdtype(k.dtype, np.floating)):
        fail(TypeError, "first_kernels", "an array of real numbers", f"dtype {k.dtype}",
             "use a float array, e.g. np.stack([SOBEL_X, SOBEL_Y, ...])")
    if k.ndim == 3:
        if k.shape != (6, 3, 3):
            fail(ValueError, "first_kernels", "of shape (6, 3, 3) or (6, C, 3, 3): six 3x3 "
                 "kernels, one per conv1 filter", f"shape {k.shape}",
                 "conv1 has 6 filters; add or repeat kernels to make six")
        k = np.repeat(k[:, None].astype(np.float64), in_channels, axis=1) / in_channels
    elif k.ndim == 4:
        if k.shape != (6, in_channels, 3, 3):
            fail(ValueError, "first_kernels", f"of shape (6, 3, 3) or (6, {in_channels}, 3, 3)"
                 f" for in_channels={in_channels}", f"shape {k.shape}",
                 "give six 3x3 kernels, or one kernel per input channel for each of them")
    else:
        fail(ValueError, "first_kernels", "of shape (6, 3, 3) or (6, C, 3, 3)",
             f"shape {k.shape}", "stack six 3x3 kernels with np.stack")
    if not np.all(np.isfinite(k)):
        fail(ValueError, "first_kernels", "finite", "NaN or inf values")
    return k.astype(dtype)


def seed_cnn(in_channels: int = 3, num_classes: int = 10, seed=0, first_kernels=None, *,
             dtype=np.float32) -> Sequential:
    """The course's small CNN, for 26x26 images.

    ::

        26x26xC -> conv1 3x3 (6) -> relu1 -> pool1 2x2 -> conv2 3x3 (12) -> relu2
                -> pool2 2x2 -> conv3 3x3 (12) -> relu3 -> flatten1 (108) -> linear1 (K)

    Feature-map sizes: 24x24x6, 12x12x6, 10x10x12, 5x5x12, 3x3x12, 108, K.

    Parameters
    ----------
    in_channels : int, default 3
        C: 3 for colour images, 1 for grayscale digits.
    num_classes : int, default 10
        K, the number of outputs (logits).
    seed : None, int or numpy.random.Generator, default 0
        Randomness for the He initialisation (one generator, used layer by layer).
    first_kernels : array-like, optional
        Start conv1 from hand-made kernels (Sobel, Laplacian, ...) instead of
        random ones: shape (6, C, 3, 3), or (6, 3, 3) to use each kernel on
        every channel. A (6, 3, 3) bank is repeated over the C channels and
        divided by C, so that on an image whose channels are equal (a gray
        image) each filter responds exactly as the 3x3 kernel would on one
        channel. Integer kernels are accepted and converted.
    dtype : np.float32 or np.float64, default np.float32

    Returns
    -------
    Sequential

    Introduced in notebook 00_start_here.
    """
    check_positive_int(in_channels, "in_channels", "1 for grayscale, 3 for colour images")
    check_positive_int(num_classes, "num_classes")
    rng = as_generator(seed)
    model = Sequential(
        Conv2d(in_channels, 6, 3, seed=rng, dtype=dtype),
        ReLU(),
        MaxPool2d(2),
        Conv2d(6, 12, 3, seed=rng, dtype=dtype),
        ReLU(),
        MaxPool2d(2),
        Conv2d(12, 12, 3, seed=rng, dtype=dtype),
        ReLU(),
        Flatten(),
        Linear(12 * 3 * 3, num_classes, seed=rng, dtype=dtype),
    )
    if first_kernels is not None:
        model["conv1"].weight.data[...] = _check_first_kernels(first_kernels, in_channels,
                                                               model.dtype)
    return model

