"""Your own pictures through a trained network: prepare, classify, upload.

Tools of notebook 06_inside_the_network, also available from
:mod:`cnnlesson.explain`: :func:`prepare_image` turns a photo or a drawing
into a 26x26 input that looks like the training data (for digits: white ink
on a black background, centred, about 20 pixels tall, as in MNIST);
:func:`predict_image` asks the network what it sees; :func:`classify_upload`
and :func:`upload_classifier` do the same for a file chosen in the browser,
and never raise: every problem becomes a message for the learner.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass

import numpy as np

from ._model_checks import _check_model, _num_classes
from ._validate import check_array, check_finite, check_positive_int, describe, fail
from .images import LUMA_WEIGHTS, load_image, resize, to_float

__all__ = [
    "DIGIT_BOX_FRACTION",
    "INK_THRESHOLD",
    "MIN_CONTRAST",
    "MAX_SIDE",
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


def _load_as_float_image(image) -> np.ndarray:
    """A float image (H, W) or (H, W, C) with values in [0, 1], from an array or a file."""
    if not isinstance(image, np.ndarray):
        if isinstance(image, (str, os.PathLike, bytes, bytearray, memoryview)) or \
                hasattr(image, "read"):
            # shrink big photos while decoding (JPEG draft / reduce), before any float copy
            return load_image(image, mode="RGB", max_side=MAX_SIDE)
        fail(TypeError, "image", "a numpy array (H, W) or (H, W, 3), a file path, or the "
             "bytes of an image file", describe(image),
             "e.g. prepare_image('my_digit.png') or prepare_image(photo_array)")
    if image.ndim == 4:
        fail(ValueError, "image", "one picture (H, W) or (H, W, C)",
             f"shape {tuple(image.shape)}",
             "this looks like a network batch (N, C, H, W), which is already prepared")
    check_array(image, "image", ndim=(2, 3), layout="(H, W) or (H, W, C)",
                hint="a single picture, channels last, as loaded by load_image")
    from ._validate import check_not_chw

    check_not_chw(image, "image")
    if image.ndim == 3 and image.shape[2] not in (1, 3, 4):
        extra = ("the channels seem to come first (C, H, W); use chw_to_hwc(image)"
                 if image.shape[0] in (1, 3) else "a colour picture is (H, W, 3) or (H, W, 4)")
        fail(ValueError, "image", "(H, W), (H, W, 1), (H, W, 3) or (H, W, 4)",
             f"shape {tuple(image.shape)}", extra)
    if min(image.shape[:2]) < 2:
        fail(ValueError, "image", "at least 2x2 pixels", f"shape {tuple(image.shape)}")
    from ._validate import check_allocation

    check_allocation(image.shape, np.float32, "image",
                     hint="shrink the array first, e.g. cnnlesson.images.resize(image, (1024, "
                          "768)), or pass the picture's file, which is shrunk while loading")
    x = to_float(image)  # uint8 -> [0, 1]; clear errors for other dtypes
    check_finite(x, "image", "NaN or inf are not pixel values; replace them, e.g. with "
                             "np.nan_to_num(image)")
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

    Never raises for a bad upload: an empty, damaged or truncated file, a text
    file, a "decompression bomb" (a tiny file claiming a huge picture), a float
    picture with NaN pixels or a blank page all give a message that explains
    the problem instead, because an exception inside a widget callback would be
    hidden from the learner. Big photos are shrunk while decoding
    (:data:`MAX_SIDE`), so a 10000 x 10000 photo takes well under a second.

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
    except (TypeError, ValueError, FileNotFoundError) as err:
        text = str(err)
        if text.startswith("path must"):  # load_image's wording; an upload has no path
            text = "the file must" + text[len("path must"):]
        return f"Could not use {name}: {text}", None
    except Exception as err:  # noqa: BLE001 -- promised: a bad upload never raises
        return (f"Could not use {name}: reading it failed with {type(err).__name__}: {err}. "
                "Hint: save the picture again as PNG or JPEG and upload that"), None
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
    cnnlesson.widget_app.StillBox
        An ``ipywidgets.VBox`` of the upload button and an output area; display it (or
        end a cell with it).
        ``widget.children[0]`` is the FileUpload, ``widget.children[1]`` the Output,
        and ``widget.handle_upload(change)`` the callback (handy for tests).

    Introduced in notebook 06_inside_the_network.
    """
    import ipywidgets as widgets

    from cnnlesson import widget_app

    _check_model(model)
    k = _num_classes(model, (_input_channels(model), 26, 26))
    names = _check_class_names(class_names, k)
    upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload")
    out = widgets.Output()

    def handle_upload(change):
        # Everything goes into ``out`` (append_stdout works with or without a kernel): an
        # exception raised here would vanish in the widget machinery, unseen by the learner.
        import matplotlib.pyplot as plt

        try:
            text, pred = classify_upload(model, change["new"], names)
        except Exception as err:  # noqa: BLE001 -- never lose a message in a callback
            text, pred = f"Could not classify the upload: {type(err).__name__}: {err}", None
        out.outputs = ()
        out.append_stdout(text + "\n")
        if pred is not None:
            try:
                with out:
                    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2),
                                             gridspec_kw={"width_ratios": [1, 2.2]})
                    show_prediction(axes, pred)
                    plt.show()
            except Exception as err:  # noqa: BLE001
                plt.close("all")
                out.append_stdout(f"(could not draw the figure: {type(err).__name__}: {err})\n")
        return text, pred

    upload.observe(handle_upload, names="value")
    # a StillBox: a notebook opened before running shows a note, not 'VBox(children=...'
    box = widget_app.StillBox([upload, out])
    box.handle_upload = handle_upload
    return box
