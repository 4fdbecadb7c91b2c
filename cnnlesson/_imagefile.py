"""Reading picture files with Pillow safely: the private half of ``images.load_image``.

Everything a learner can upload goes through here, so every failure becomes a
``ValueError`` (or ``TypeError``/``FileNotFoundError``) in the course's
message pattern, never a raw Pillow traceback:

* not an image, an empty file, a truncated or damaged file -> ValueError;
* a "decompression bomb" (a small file that unpacks to gigabytes, e.g. a
  48 KB PNG of 20000 x 20000 pixels) -> ValueError, before anything is
  decoded;
* NaN or infinite pixels in a float TIFF -> ValueError.

Big photos are shrunk *while* decoding when the caller gives ``max_side``:
JPEG files are decoded directly at 1/2, 1/4 or 1/8 of their size (Pillow's
``draft``), other formats are reduced with a box filter (``thumbnail``)
before anything is converted to float, so a 10000 x 10000 photo costs tens of
megabytes, not gigabytes.

Pixel values (see :func:`cnnlesson.images.load_image`): 8-bit files are
divided by 255, 16-bit files by 65535, 32-bit integer files whose values lie
in 0..65535 by 65535; float files already in [0, 1] are kept; other float or
32-bit files are rescaled linearly so that their smallest value becomes 0 and
their largest 1, with a :class:`UserWarning` saying so.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

from ._validate import MAX_ALLOCATION_BYTES, check_allocation, describe, fail

__all__ = ["read_image_file"]

# Pillow modes holding one channel of 16-bit integers.
_16BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")
# Pillow modes that are already gray (no colour information to weigh).
_GRAY_8BIT_MODES = ("1", "L", "LA", "La")
# EXIF orientation tag value -> the Pillow transpose that undoes it (as ImageOps.exif_transpose).
_ORIENTATION = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
                6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}
_DAMAGED_HINT = ("the file may be truncated or damaged; open it in an image viewer, or save it "
                 "again as PNG or JPEG")


def _source(path):
    """Return (something Image.open accepts, a label for messages)."""
    hint_types = ("give a file path (str or pathlib.Path), a binary file object, or the bytes "
                  "of an image file, e.g. io.BytesIO(upload.value[0]['content'])")
    if isinstance(path, (bytes, bytearray, memoryview)):
        n = len(bytes(path))
        label = f"{n} bytes of data" + (" (empty)" if n == 0 else "")
        return io.BytesIO(bytes(path)), label
    if isinstance(path, (str, os.PathLike)):
        p = pathlib.Path(path)
        text = path if isinstance(path, str) else str(p)
        shown = text if len(text) <= 120 else text[:100] + "..."
        if isinstance(path, str) and path.lower().startswith(("http://", "https://")):
            fail(ValueError, "path", "a file on this computer", f"the web address '{shown}'",
                 "the course reads nothing from the internet; download the picture and give "
                 "the path of the saved file")
        try:
            exists, is_dir = p.exists(), p.is_dir()
        except (OSError, ValueError) as err:   # a name too long, or with a NUL character
            raise ValueError(
                f"path must be the path of an image file; got '{shown}', which the system "
                f"refuses as a file name ({err}). Hint: check what you passed; the bytes of a "
                "picture go in as bytes, not as a str") from err
        if not exists:
            fail(FileNotFoundError, "path", "an existing image file",
                 f"'{shown}', which does not exist",
                 f"check the spelling; relative paths start from the current folder "
                 f"'{pathlib.Path.cwd()}'")
        if is_dir:
            fail(ValueError, "path", "an image file, not a folder", f"'{p}', which is a folder",
                 f"give the path of one image file inside it, e.g. '{p / 'my_picture.png'}'")
        label = f"'{p}'" + (" (empty)" if p.stat().st_size == 0 else "")
        return p, label
    if isinstance(path, io.TextIOBase):
        fail(TypeError, "path", "a file opened in binary mode",
             f"the text-mode file object {describe(path)}",
             "open pictures with open(name, 'rb'), or just pass the file name")
    if hasattr(path, "read"):
        if getattr(path, "closed", False):
            fail(ValueError, "path", "an open file object", f"the closed file {describe(path)}",
                 "read it inside the `with open(...) as f:` block, or pass the file name")
        return path, f"the file object {describe(path)}"
    fail(TypeError, "path", "a file path, a file object or bytes", describe(path), hint_types)


def _open(path):
    """Open ``path`` lazily (header only); every failure becomes a clear error."""
    from PIL import Image, UnidentifiedImageError

    source, label = _source(path)
    try:
        with warnings.catch_warnings():
            # we bound the decoded size ourselves (see _check_decoded_size), in bytes
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(source), label
    except Image.DecompressionBombError as err:
        raise ValueError(
            f"path must be a picture of at most {Image.MAX_IMAGE_PIXELS * 2:,} pixels; got "
            f"{label}, which says it unpacks to more ({err}). Hint: a small file claiming a huge "
            "picture is a 'decompression bomb' that would fill the memory; if it is a real "
            "photo, shrink it in an image editor first") from err
    except UnidentifiedImageError as err:
        raise ValueError(
            f"path must be an image file Pillow can read (PNG, JPEG, GIF, BMP, TIFF, WebP, ...); "
            f"got {label}, which is not a recognised image. Hint: check that the file really is "
            "a picture (a text file renamed to .png is not) and that it is not empty") from err
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as err:
        raise ValueError(
            f"path must be a readable image file; got {label}, which could not be opened "
            f"({type(err).__name__}: {err}). Hint: {_DAMAGED_HINT}") from err


def _bytes_per_pixel(im) -> int:
    wide = 4 if im.mode in ("I", "F") else 2 if im.mode in _16BIT_MODES else 1
    return max(1, len(im.getbands())) * wide


def _decode(im, label: str, max_side: int | None):
    """Draft (JPEG), bound the size, decode; return the loaded Pillow image."""
    if max_side is not None and max(im.size) > max_side:
        f = max_side / max(im.size)
        try:  # JPEG only: decode at 1/2, 1/4 or 1/8 scale, never smaller than asked
            im.draft(im.mode, (max(1, round(im.width * f)), max(1, round(im.height * f))))
        except (OSError, ValueError):
            pass
    w, h = im.size
    nbytes = w * h * _bytes_per_pixel(im)
    if nbytes > MAX_ALLOCATION_BYTES:
        fail(ValueError, "path",
             f"a picture that fits in {MAX_ALLOCATION_BYTES // 2**20} MiB once decoded (the "
             "course's limit for one array)",
             f"{label}, a {w} x {h} {im.mode} picture needing {nbytes / 2**30:.1f} GiB",
             "shrink it in an image editor first; the course's networks look at 26 x 26 pixels")
    try:
        im.load()
    except Exception as err:  # noqa: BLE001 -- Pillow's decoders raise many kinds
        raise ValueError(
            f"path must be a complete image file; got {label}, which could not be decoded "
            f"({type(err).__name__}: {err}). Hint: {_DAMAGED_HINT}") from err
    return im


def _scale_wide(a: np.ndarray, what: str, label: str) -> np.ndarray:
    """Float or 32-bit pixels -> [0, 1] (see the module docstring); NaN/inf are refused."""
    finite = np.isfinite(a)
    if not finite.all():
        fail(ValueError, "path", "a picture with finite pixel values",
             f"{label}, a {what} picture with {int(a.size - np.count_nonzero(finite))} NaN or "
             "infinite pixel(s)",
             "NaN marks missing data; fill it in (e.g. np.nan_to_num) and save the picture "
             "again, or load the array yourself")
    lo, hi = float(a.min()), float(a.max())
    if what == "32-bit integer" and lo >= 0 and hi <= 65535:
        return (a / 65535).astype(np.float32)
    if lo >= 0 and hi <= 1:
        return a.astype(np.float32)
    warnings.warn(
        f"load_image: {label} holds {what} pixel values from {lo:.4g} to {hi:.4g}, not in "
        "[0, 1]; they were rescaled linearly so that the smallest is 0 and the largest 1",
        UserWarning, stacklevel=5)
    if hi == lo:
        return np.clip(a, 0.0, 1.0).astype(np.float32)
    return ((a.astype(np.float64) - lo) / (hi - lo)).astype(np.float32)


def read_image_file(path, *, max_side: int | None = None) -> tuple[np.ndarray, bool]:
    """Read ``path`` as float32 in [0, 1]; return ``(pixels, is_gray)``.

    ``pixels`` is (H, W) when ``is_gray`` else (H, W, 3); alpha is dropped, a
    rotation stored in the EXIF data is applied, and when ``max_side`` is
    given the longer side is at most ``max_side`` (aspect kept).
    """
    with warnings.catch_warnings():
        # Pillow's note on a damaged EXIF block means nothing to a learner: the EXIF data is
        # only read for the rotation, and a damaged picture gets a clear error anyway.
        warnings.filterwarnings("ignore", message="(?i)corrupt exif", category=UserWarning)
        return _read(path, max_side)


def _read(path, max_side):
    from PIL import Image

    im, label = _open(path)
    with im:
        im = _decode(im, label, max_side)
        try:
            orientation = im.getexif().get(0x0112, 1)
        except Exception:  # noqa: BLE001 -- a damaged EXIF block must not stop the picture
            orientation = 1
        try:
            if im.mode in ("F", "I") + _16BIT_MODES:
                what = "float" if im.mode == "F" else \
                    "16-bit" if im.mode in _16BIT_MODES else "32-bit integer"
                a = np.asarray(im.convert("I") if im.mode in _16BIT_MODES else im)
                check_allocation(a.shape, np.float64, "path")
                gray = (a / np.float32(65535)).astype(np.float32) if what == "16-bit" else \
                    _scale_wide(a, what, label)
                pil = Image.fromarray(gray, mode="F")
            elif im.mode in ("L", "RGB"):
                pil = im  # no copy: a 100-megapixel picture is 300 MB
            elif im.mode in _GRAY_8BIT_MODES:
                pil = im.convert("L")
            else:
                pil = im.convert("RGB")  # drops alpha, expands palettes, CMYK/YCbCr/LAB/HSV
        except ValueError as err:
            if str(err).startswith("path must"):
                raise
            raise ValueError(
                f"path must be a picture in a colour mode Pillow can convert to RGB; got "
                f"{label}, in mode {im.mode!r} ({err}). Hint: save it again as an ordinary "
                "RGB PNG or JPEG") from err
        if max_side is not None and max(pil.size) > max_side:
            f = max_side / max(pil.size)
            pil = pil.resize((max(1, round(pil.width * f)), max(1, round(pil.height * f))),
                             Image.Resampling.BILINEAR, reducing_gap=2.0)
        if orientation in _ORIENTATION:
            pil = pil.transpose(getattr(Image.Transpose, _ORIENTATION[orientation]))
        check_allocation((pil.height, pil.width, len(pil.getbands())), np.float32, "path",
                         hint="pass max_side=1024 (or size=...) to shrink big pictures while "
                              "loading")
        a = np.asarray(pil)
        if pil.mode == "F":
            return np.array(a, dtype=np.float32), True
        a = a.astype(np.float32) / np.float32(255)
        return a, pil.mode == "L"
