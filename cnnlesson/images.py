"""Images as numpy arrays: the course photo, your own pictures, and layouts.

A picture on disk is a grid of pixels; in numpy it becomes an array of shape
``(H, W, 3)`` (height, width, red/green/blue channels) for a colour image or
``(H, W)`` for a grayscale one. This module loads pictures into that form,
converts between integer (0..255) and float (0..1) pixel values, makes
grayscale images, resizes and crops.

It is also the **one place** where layouts are converted: the filtering lesson
works on single images as loaded, ``(H, W)`` or ``(H, W, C)`` ("channels
last"), while the network works on batches ``(N, C, H, W)`` ("channels
first", as in PyTorch). :func:`hwc_to_chw` and :func:`chw_to_hwc` move the
channel axis, nothing else does.

The course photo
----------------
:func:`load_photo` returns the portrait of Rear Admiral Grace Hopper that ships
with matplotlib (``grace_hopper.jpg``), so the course needs no download. It is
in the public domain (see :data:`PHOTO_CREDIT`).

Many image-processing texts still use the "Lena" test picture. This course
does not: it is cut from a 1972 Playboy centrefold that was scanned and
spread without the model's consent, she has asked for it to be retired
("Losing Lena", 2019), it is not freely licensed, and Nature's journals (2018)
and the IEEE (2024) no longer accept it. A test image should be one that
everyone can use and share without harm.
"""

from __future__ import annotations

import os
from typing import BinaryIO

import numpy as np

from ._imagefile import read_image_file
from ._validate import (
    check_allocation,
    check_array,
    check_finite,
    check_not_chw,
    check_positive_int,
    describe,
    fail,
    looks_like_chw,
)

__all__ = [
    "PHOTO_CREDIT",
    "LUMA_WEIGHTS",
    "load_photo",
    "load_image",
    "to_float",
    "to_uint8",
    "to_grayscale",
    "split_channels",
    "resize",
    "center_crop",
    "hwc_to_chw",
    "chw_to_hwc",
]

#: Where the course photo comes from and why it may be used.
PHOTO_CREDIT = (
    "Grace M. Hopper (1906-1992), computer scientist and later Rear Admiral, U.S. Navy: "
    "official portrait of Commodore Grace M. Hopper, USNR, 20 January 1984, photograph by "
    "James S. Davis, U.S. Navy. Public domain as a work of the U.S. federal government. "
    "The file is matplotlib's bundled sample image 'grace_hopper.jpg'."
)

#: ITU-R BT.601 luma weights for (red, green, blue); they sum to 1.
#:
#: The weights follow how bright each primary *looks* to a human: the eye is
#: far more sensitive to green light (its sensitivity peaks near 555 nm, in the
#: green) than to red, and least to blue, so green counts most. An equal
#: ``(1/3, 1/3, 1/3)`` average would make pure blue look as bright as pure
#: green, which it is not. Read-only float64 array of shape (3,).
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float64)
LUMA_WEIGHTS.setflags(write=False)

_PHOTO_FILE = "grace_hopper.jpg"
_MODES = ("RGB", "L")


# ---------------------------------------------------------------------------
# small private helpers
# ---------------------------------------------------------------------------

def _check_size(size, name: str = "size") -> tuple[int, int]:
    """Return ``size`` as ``(H, W)``; an int ``s`` means ``(s, s)``."""
    hint = "give one int for a square, e.g. 26, or a pair (height, width), e.g. (26, 32)"
    if isinstance(size, (bool, np.bool_)):
        fail(TypeError, name, "an int or a pair (height, width)", describe(size), hint)
    if isinstance(size, (int, np.integer)):
        pair = (size, size)
    elif isinstance(size, (tuple, list)) and len(size) == 2:
        pair = tuple(size)
    else:
        fail(TypeError, name, "an int or a pair (height, width)", describe(size), hint)
    for v in pair:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            fail(TypeError, name, "an int or a pair of ints (height, width)", repr(size), hint)
        if v < 1:
            fail(ValueError, name, "positive (every side >= 1 pixel)", repr(size), hint)
    return int(pair[0]), int(pair[1])


def _check_image(image, name: str = "image", *, channels: tuple[int, ...] | None = None,
                 hint: str = "") -> np.ndarray:
    """Require a non-empty (H, W) or (H, W, C) numeric array; return it."""
    check_array(image, name, ndim=(2, 3), layout="(H, W) or (H, W, C)",
                hint=hint or "a single image is (H, W) for gray or (H, W, C) for colour")
    check_not_chw(image, name)
    if not (np.issubdtype(image.dtype, np.number) or image.dtype == np.bool_) or \
            np.issubdtype(image.dtype, np.complexfloating):
        fail(TypeError, name, "an array of real numbers", f"dtype {image.dtype}",
             f"convert it with np.asarray({name}, dtype=np.float32)")
    if 0 in image.shape:
        fail(ValueError, name, "a non-empty image (at least 1 pixel high and wide, 1 channel)",
             f"shape {tuple(image.shape)}",
             "the image is empty; check the slicing or cropping that produced it")
    if channels is not None and image.ndim == 3 and image.shape[2] not in channels:
        want = " or ".join(str(c) for c in channels)
        fail(ValueError, name, f"an image with {want} channels (last axis)",
             f"shape {tuple(image.shape)} ({image.shape[2]} channels)",
             hint or "colour images are (H, W, 3); if the channels come first, use chw_to_hwc")
    return image


def _crop_box(h: int, w: int, th: int, tw: int) -> tuple[int, int, int, int]:
    """Largest centred box of aspect ratio th:tw inside an h x w image: (top, left, bh, bw)."""
    if h * tw > w * th:  # the image is taller than the target shape: cut rows
        bh, bw = max(1, round(w * th / tw)), w
    else:  # wider (or equal): cut columns
        bh, bw = h, max(1, round(h * tw / th))
    return (h - bh) // 2, (w - bw) // 2, bh, bw


def _fit(image: np.ndarray, size) -> np.ndarray:
    """Crop the largest centred box with the aspect ratio of ``size``, then resize to it."""
    th, tw = _check_size(size)
    top, left, bh, bw = _crop_box(image.shape[0], image.shape[1], th, tw)
    return resize(image[top:top + bh, left:left + bw], (th, tw))


# ---------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------

def load_photo(size=None) -> np.ndarray:
    """Load the course photo, Grace Hopper's portrait, as floats in [0, 1].

    The picture is matplotlib's bundled sample ``grace_hopper.jpg`` (public
    domain, see :data:`PHOTO_CREDIT`), so nothing is downloaded. The course
    does not use the "Lena" picture: it is retired, was used without the
    model's consent and is not freely licensed.

    Parameters
    ----------
    size : int or tuple of int (H, W), optional
        If given, the photo is cut to the aspect ratio of ``size`` by keeping
        the largest centred box (nothing is stretched) and then resized to
        exactly ``size`` with :func:`resize`. An int means a square.

    Returns
    -------
    numpy.ndarray
        float32 array of shape (600, 512, 3), or ``(*size, 3)``, values in [0, 1].

    Introduced in notebook 00_start_here.
    """
    from matplotlib import cbook

    path = cbook.get_sample_data(_PHOTO_FILE, asfileobj=False)
    return load_image(path, mode="RGB", size=size)


def load_image(path: str | os.PathLike | BinaryIO | bytes, *, mode: str = "RGB",
               size=None, max_side: int | None = None) -> np.ndarray:
    """Load any image file (yours!) as floats in [0, 1].

    Parameters
    ----------
    path : str, pathlib.Path, binary file object or bytes
        Where the image is. A file object or the raw bytes of a file also
        work, so an upload widget can be used directly:
        ``load_image(io.BytesIO(upload.value[0]["content"]))``.
    mode : {"RGB", "L"}, keyword-only
        ``"RGB"`` gives a colour image (H, W, 3); gray files are repeated into
        3 equal channels. ``"L"`` gives a grayscale image (H, W), computed
        with :data:`LUMA_WEIGHTS` in float precision (as :func:`to_grayscale`).
        An alpha (transparency) channel is dropped in both modes, so
        transparent areas show whatever colour is stored under them.
    size : int or tuple of int (H, W), optional, keyword-only
        If given, keep the largest centred box with the aspect ratio of
        ``size`` (nothing is stretched), then resize to exactly ``size``.
    max_side : int, optional, keyword-only
        If given, pictures whose longer side is larger are shrunk *while
        loading* so that it is ``max_side`` pixels (the aspect is kept):
        JPEG files are decoded directly at a smaller scale, others are
        reduced before the conversion to float. Use it for phone photos:
        a 10000 x 10000 picture then costs megabytes instead of gigabytes.

    Returns
    -------
    numpy.ndarray
        float32 array, (H, W, 3) for ``mode="RGB"`` or (H, W) for ``"L"``,
        values in [0, 1]:

        ==============================  ====================================
        pixels in the file              become
        ==============================  ====================================
        8-bit (most PNG, JPEG, GIF)     divided by 255
        16-bit gray (PNG, TIFF)         divided by 65535
        32-bit integer, all in 0..65535 divided by 65535 (16-bit data)
        float, all in [0, 1]            kept as they are
        float or 32-bit, other values   rescaled linearly: the smallest
                                        value becomes 0, the largest 1
                                        (a UserWarning says so)
        ==============================  ====================================

        A rotation stored in the file's EXIF data (phone photos) is applied.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is a folder, empty, not an image Pillow can decode,
        truncated or damaged (the original Pillow error is chained as
        ``__cause__``); if it has NaN or infinite pixels; if it would unpack
        to more than the course's 512 MiB limit for one array (a
        "decompression bomb", or a huge photo without ``max_side``); or if
        ``mode`` is not "RGB" or "L".
    TypeError
        If ``path`` is not a path, file object or bytes.

    Introduced in notebook 06_inside_the_network.
    """
    if not isinstance(mode, str) or mode not in _MODES:
        fail(ValueError, "mode", '"RGB" or "L"', repr(mode),
             'use "RGB" for colour (H, W, 3) or "L" for grayscale (H, W)')
    if size is not None:
        _check_size(size)
    if max_side is not None:
        max_side = check_positive_int(max_side, "max_side",
                                      "the longest side in pixels to keep, e.g. 1024")
    pixels, is_gray = read_image_file(path, max_side=max_side)
    if mode == "RGB" and is_gray:
        check_allocation(pixels.shape + (3,), np.float32, "path",
                         hint="pass max_side=1024 (or size=...) to shrink big pictures while "
                              "loading, or mode=\"L\" for one gray channel")
        image = np.repeat(pixels[:, :, None], 3, axis=2)
    elif mode == "RGB":
        image = pixels
    else:
        image = pixels if is_gray else to_grayscale(pixels)
    if size is not None:
        image = _fit(image, size)
    return np.ascontiguousarray(image, dtype=np.float32)


# ---------------------------------------------------------------------------
# pixel values
# ---------------------------------------------------------------------------

def _check_pixels(image, name: str = "image") -> np.ndarray:
    """Require a real-valued (or bool) numpy array of any shape."""
    check_array(image, name)
    if image.dtype != np.bool_ and (not np.issubdtype(image.dtype, np.number)
                                    or np.issubdtype(image.dtype, np.complexfloating)):
        fail(TypeError, name, "an array of real numbers (bool, integer or float)",
             f"dtype {image.dtype}", f"convert it with np.asarray({name}, dtype=np.float32)")
    return image


def to_float(image: np.ndarray, *, copy: bool = False) -> np.ndarray:
    """Convert integer pixel values to floats in [0, 1].

    ========================  ===============================================
    input dtype               result
    ========================  ===============================================
    uint8                     float32, divided by 255 (0..255 -> 0..1)
    uint16, int8, int16       float32, divided by the dtype's max (65535,
                              127, 32767); negative values stay negative
    bool                      float32, False -> 0.0, True -> 1.0
    float32, float64          unchanged: the same array object, not copied
                              (``copy=True`` returns a copy); the values
                              are *not* rescaled, so floats in 0..255 stay so
    float16                   float32, values unchanged
    ========================  ===============================================

    Wider integer dtypes (int32, int64, uint32, uint64) are refused: they are
    what ``np.array([[0, 128, 255]])`` makes from Python ints, and dividing by
    their max (about 9.2e18 for int64) would silently give zeros.

    Parameters
    ----------
    image : numpy.ndarray
        Any shape, e.g. (H, W), (H, W, C) or a batch.
    copy : bool, optional, keyword-only
        Return a copy even when ``image`` is already float32 or float64.

    Returns
    -------
    numpy.ndarray
        Same shape as ``image``, float32 (float64 if ``image`` was float64).

    Introduced in notebook 01_filtering.
    """
    _check_pixels(image)
    dt = image.dtype
    if dt in (np.float32, np.float64):
        return image.copy() if copy else image
    if np.issubdtype(dt, np.floating):
        return image.astype(np.float32)
    if dt == np.bool_:
        return image.astype(np.float32)
    if dt.itemsize > 2:
        fail(TypeError, "image", "an image dtype (uint8, uint16, int8, int16, bool or float)",
             f"dtype {dt}",
             "if the values are 0..255, use image.astype(np.uint8) first (np.array of Python "
             "ints gives int64), or divide yourself: image / 255")
    return image.astype(np.float32) / np.float32(np.iinfo(dt).max)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Convert an image to uint8 0..255 for saving or display.

    Floats are taken to be in [0, 1]: they are clipped to [0, 1], multiplied by
    255 and rounded to the nearest integer. uint8 input is copied unchanged;
    other integer and bool inputs go through :func:`to_float` first.

    Parameters
    ----------
    image : numpy.ndarray
        Any shape, e.g. (H, W) or (H, W, C); float values must be finite.

    Returns
    -------
    numpy.ndarray
        uint8 array of the same shape.

    Introduced in notebook 01_filtering.
    """
    _check_pixels(image)
    if image.dtype == np.uint8:
        return image.copy()
    x = to_float(image)
    check_finite(x, "image", "NaN or inf cannot be turned into a pixel value; fix them first")
    return np.rint(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


# ---------------------------------------------------------------------------
# channels
# ---------------------------------------------------------------------------

def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Turn a colour image into a grayscale one with the BT.601 luma weights.

    ``gray = 0.299 * R + 0.587 * G + 0.114 * B`` (:data:`LUMA_WEIGHTS`): green
    counts most because the human eye is most sensitive to green light, so a
    green pixel looks brighter than a red or blue pixel of the same value.

    Only the channels change, never the value scale: an image in [0, 1] gives
    gray values in [0, 1], an image in 0..255 gives 0..255.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3) RGB; (H, W, 4) RGBA, whose alpha (transparency) channel is
        dropped; (H, W, 1), whose single channel is returned; or (H, W),
        which is already gray and is returned as is (the same object).

    Returns
    -------
    numpy.ndarray
        (H, W). float32 and float64 inputs keep their dtype (float16 gives
        float32); integer and bool inputs give float64 with the values not
        rescaled (use :func:`to_float` first to get 0..1).

    Introduced in notebook 01_filtering.
    """
    _check_image(image, channels=(1, 3, 4),
                 hint="colour images are (H, W, 3) RGB or (H, W, 4) RGBA; if the channels "
                      "come first (C, H, W), use chw_to_hwc")
    if image.ndim == 2:
        return image
    if image.dtype in (np.float32, np.float64):
        dtype = image.dtype
    else:  # float16 -> float32 as in to_float; integers and bool -> float64, values kept
        dtype = np.float32 if np.issubdtype(image.dtype, np.floating) else np.float64
    if image.shape[2] == 1:
        return image[:, :, 0].astype(dtype)
    rgb = image[:, :, :3].astype(dtype, copy=False)
    return np.ascontiguousarray(rgb @ LUMA_WEIGHTS.astype(dtype))


def split_channels(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split an RGB image into its red, green and blue channels.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W, 3), any dtype.

    Returns
    -------
    tuple of numpy.ndarray
        ``(red, green, blue)``, each an (H, W) copy with the dtype of ``image``.

    Introduced in notebook 01_filtering.
    """
    check_array(image, "image", ndim=3, layout="(H, W, 3)",
                hint="a grayscale (H, W) image has only one channel; nothing to split")
    if image.shape[2] != 3:
        extra = ("drop the alpha channel first: image[..., :3]" if image.shape[2] == 4
                 else "if the channels come first (3, H, W), use chw_to_hwc")
        fail(ValueError, "image", "an RGB image with 3 channels (H, W, 3)",
             f"shape {tuple(image.shape)}", extra)
    return tuple(image[:, :, c].copy() for c in range(3))


# ---------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------

def resize(image: np.ndarray, size) -> np.ndarray:
    """Resize an image to exactly ``size`` with Pillow's bilinear filter.

    When shrinking, Pillow widens the bilinear filter to cover every source
    pixel that falls into an output pixel (an area-weighted average), so
    small versions do not flicker or alias. Each channel is resized as a
    32-bit float image, so float values are neither rounded to 8 bits nor
    clipped to [0, 1]; values outside [0, 1] survive (bilinear weights are
    non-negative, so no new extremes appear). The aspect ratio is *not* kept:
    use :func:`center_crop` first, or the ``size`` argument of
    :func:`load_image`, to avoid stretching.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C), uint8, float32 or float64.
    size : int or tuple of int (H, W)
        The new height and width; an int means a square.

    Returns
    -------
    numpy.ndarray
        (size_h, size_w) or (size_h, size_w, C), same dtype as ``image``
        (uint8 results are rounded; float64 is computed in float32 precision).

    Introduced in notebook 01_filtering.
    """
    _check_image(image)
    if image.dtype not in (np.uint8, np.float32, np.float64):
        fail(TypeError, "image", "a uint8, float32 or float64 array", f"dtype {image.dtype}",
             "convert it with to_float(image)")
    th, tw = _check_size(size)
    if image.dtype != np.uint8:
        check_finite(image, "image", "NaN or inf cannot be interpolated; fix them first")
    check_allocation((th, tw, 1 if image.ndim == 2 else image.shape[2]), np.float32, "size",
                     hint=f"check the value of size={size!r}; the course's pictures are a few "
                          "hundred pixels wide")
    from PIL import Image

    planes = image[:, :, None] if image.ndim == 2 else image
    out = np.empty((th, tw, planes.shape[2]), dtype=np.float32)
    for c in range(planes.shape[2]):
        pil = Image.fromarray(np.ascontiguousarray(planes[:, :, c], dtype=np.float32))
        out[:, :, c] = np.asarray(pil.resize((tw, th), Image.Resampling.BILINEAR))
    if image.ndim == 2:
        out = out[:, :, 0]
    if image.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out, dtype=image.dtype)


def center_crop(image: np.ndarray, size) -> np.ndarray:
    """Cut the centred ``size`` box out of an image.

    When the extra rows (or columns) are odd in number, the extra one is
    dropped at the bottom (or right).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, C), any dtype.
    size : int or tuple of int (H, W)
        The height and width to keep, at most the image's; an int means a square.

    Returns
    -------
    numpy.ndarray
        A contiguous copy of shape (size_h, size_w) or (size_h, size_w, C).

    Introduced in notebook 01_filtering.
    """
    _check_image(image)
    th, tw = _check_size(size)
    h, w = image.shape[:2]
    if th > h or tw > w:
        fail(ValueError, "size", f"at most the image's height and width ({h}, {w})",
             f"{(th, tw)}", "center_crop only cuts; use resize to make an image larger")
    top, left = (h - th) // 2, (w - tw) // 2
    return image[top:top + th, left:left + tw].copy()


# ---------------------------------------------------------------------------
# layouts: the one place the channel axis moves
# ---------------------------------------------------------------------------

def hwc_to_chw(x: np.ndarray) -> np.ndarray:
    """Move the channel axis first: (H, W, C) -> (C, H, W), (N, H, W, C) -> (N, C, H, W).

    Loaded images are "channels last"; the network wants "channels first".

    ========================  ==================
    input                     output
    ========================  ==================
    (H, W) gray image         (1, H, W)
    (H, W, C) image           (C, H, W)
    (N, H, W, C) batch        (N, C, H, W)
    ========================  ==================

    A 3-D input is always taken as *one* image (H, W, C), never as a batch of
    gray images (N, H, W); for such a batch add the channel axis yourself:
    ``x[:, None]`` gives (N, 1, H, W).

    Parameters
    ----------
    x : numpy.ndarray
        (H, W), (H, W, C) or (N, H, W, C), any dtype.

    Returns
    -------
    numpy.ndarray
        A C-contiguous array of the same dtype (a copy unless ``x`` has a
        single channel and is contiguous already).

    Raises
    ------
    ValueError
        If ``x`` already looks channels first, e.g. (3, 64, 64) or
        (N, 3, 26, 26) (the rule of :func:`cnnlesson._validate.looks_like_chw`:
        a channel count 1, 3 or 4 first, not last, and both other axes >= 8):
        converting twice would silently mix height and channels.

    Introduced in notebook 02_convolution.
    """
    check_array(x, "x", ndim=(2, 3, 4), layout="(H, W), (H, W, C) or (N, H, W, C)",
                hint="hwc_to_chw takes one image or a batch with channels last")
    if looks_like_chw(x.shape[-3:]) and x.ndim >= 3:
        want = "(H, W, C)" if x.ndim == 3 else "(N, H, W, C)"
        have = "(C, H, W)" if x.ndim == 3 else "(N, C, H, W)"
        fail(ValueError, "x", f"{want} (channels last)",
             f"shape {tuple(x.shape)}, which is already channels first {have}",
             "use it as it is; converting again would mix height and channels")
    if x.ndim == 2:
        return np.ascontiguousarray(x[None, :, :])
    return np.ascontiguousarray(np.moveaxis(x, -1, -3))


def chw_to_hwc(x: np.ndarray, *, squeeze: bool = False) -> np.ndarray:
    """Move the channel axis last: (C, H, W) -> (H, W, C), (N, C, H, W) -> (N, H, W, C).

    The inverse of :func:`hwc_to_chw`, e.g. to show a network input with
    matplotlib. A single channel is kept as an axis of length 1, so
    ``(1, H, W)`` gives ``(H, W, 1)``; pass ``squeeze=True`` to get ``(H, W)``
    (what ``plt.imshow`` wants for a gray image).

    Parameters
    ----------
    x : numpy.ndarray
        (C, H, W) or (N, C, H, W), any dtype. A 3-D input is always one image.
    squeeze : bool, optional, keyword-only
        Drop the channel axis when it has length 1: (1, H, W) -> (H, W) and
        (N, 1, H, W) -> (N, H, W). Inputs with more channels are unaffected.

    Returns
    -------
    numpy.ndarray
        (H, W, C) or (N, H, W, C) (or without C, see ``squeeze``), a
        C-contiguous array of the same dtype.

    Raises
    ------
    ValueError
        If ``x`` already looks channels last, e.g. (64, 64, 3) or
        (N, 26, 26, 3): a channel count 1, 3 or 4 last, not first, and both
        other axes >= 8.

    Introduced in notebook 02_convolution.
    """
    check_array(x, "x", ndim=(3, 4), layout="(C, H, W) or (N, C, H, W)",
                hint="a 2-D (H, W) image has no channel axis to move; use it as it is")
    if looks_like_chw(x.shape[-3:][::-1]):
        want = "(C, H, W)" if x.ndim == 3 else "(N, C, H, W)"
        have = "(H, W, C)" if x.ndim == 3 else "(N, H, W, C)"
        fail(ValueError, "x", f"{want} (channels first)",
             f"shape {tuple(x.shape)}, which is already channels last {have}",
             "use it as it is (show_image and the filters take channels last); converting "
             "again would mix width and channels")
    if not isinstance(squeeze, (bool, np.bool_)):
        fail(TypeError, "squeeze", "True or False", describe(squeeze))
    out = np.moveaxis(x, -3, -1)
    if squeeze and out.shape[-1] == 1:
        out = out[..., 0]
    return np.ascontiguousarray(out)
