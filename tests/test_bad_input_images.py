"""Bad input for every public entry point of images, filters, gradcheck, datasets, setup_check,
the picture helpers of viz and the upload half of explain (issue 10).

Every case must end in a *clear error* (a TypeError/ValueError/FileNotFoundError whose message
names the parameter: "<name> must be ...; got ...", mostly with a hint) or a *correct result*
(checked here); never a raw traceback from numpy or Pillow, a hang, or a silent wrong answer.
The cases are split into ``test_clear_error`` and ``test_correct_result`` tables (plus upload,
file and property-based tests) so that the two outcomes can be counted.
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import struct
import time
import tracemalloc
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw

from cnnlesson import _validate, datasets, explain, filters, gradcheck, own_images, setup_check, viz
from cnnlesson import images as I
from cnnlesson.model import seed_cnn
from cnnlesson.viz import show_image, show_kernel

#: The course's error pattern: "<name> must be <expected>; got <received>."
CLEAR = r"\w+\]?'?\]? must be .+; got .+"

# ------------------------------------------------------------------------------------------------
# pictures and files
# ------------------------------------------------------------------------------------------------


def seven(height=200, width=160):
    """A "7" written with a pen on paper: dark strokes on light paper, uint8 (H, W)."""
    im = Image.new("L", (width, height), 235)
    ImageDraw.Draw(im).line([(40, 40), (125, 40), (70, 165)], fill=30, width=14)
    return np.asarray(im).copy()


def encode(array_or_image, fmt="PNG", **kw) -> bytes:
    im = array_or_image if isinstance(array_or_image, Image.Image) else \
        Image.fromarray(array_or_image)
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


@functools.cache
def bomb_png(width=20000, height=20000) -> bytes:
    """A valid 1-bit PNG of width x height black pixels: about 48 KB that unpack to 400 MB+."""
    row = b"\x00" * (1 + (width + 7) // 8)          # filter byte + packed pixels
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row * 500) for _ in range(height // 500)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + \
        _chunk(b"IEND", b"")


@functools.cache
def big_gray_png() -> bytes:
    """An 8000 x 8000 gray PNG: 64 MB decoded, 768 MB as float32 RGB."""
    return bomb_png(8000, 8000)


def truncated_png() -> bytes:
    data = encode(seven())
    return data[: len(data) // 2]


def float_tiff(values) -> bytes:
    return encode(np.asarray(values, dtype=np.float32), "TIFF")


def int32_tiff(values) -> bytes:
    return encode(np.asarray(values, dtype=np.int32), "TIFF")


def corrupt_jpeg() -> bytes:
    data = encode(np.stack([seven()] * 3, axis=2), "JPEG")
    return data[:300] + bytes(range(256)) * 4   # valid header, garbage scan data


def upload_value(data: bytes, name: str = "picture.png"):
    return ({"name": name, "type": "image/png", "size": len(data), "content": memoryview(data),
             "last_modified": datetime.datetime(2024, 1, 1)},)


BAD_FILES = {
    "empty": lambda: b"",
    "text": lambda: b"this is my homework, not a picture\n",
    "html": lambda: b"<!doctype html><html><body>404</body></html>",
    "zip": lambda: b"PK\x03\x04" + b"\x00" * 60,
    "png-signature-only": lambda: b"\x89PNG\r\n\x1a\n",
    "truncated-png": truncated_png,
    "corrupt-jpeg": corrupt_jpeg,
    "bomb-png-20000x20000": bomb_png,
    "nan-float-tiff": lambda: float_tiff([[0.0, np.nan], [0.5, 1.0]] * 8),
    "inf-float-tiff": lambda: float_tiff([[0.0, np.inf], [0.5, 1.0]] * 8),
    "blank-page": lambda: encode(np.full((40, 40), 200, np.uint8)),
}
BAD_FILE_MESSAGES = {
    "empty": r"0 bytes of data \(empty\), which is not a recognised image",
    "text": "not a recognised image",
    "html": "not a recognised image",
    "zip": "not a recognised image",
    "png-signature-only": "8 bytes of data, which is not a recognised image",
    "truncated-png": "complete image file.*truncated or damaged",
    "corrupt-jpeg": "complete image file.*truncated or damaged",
    "bomb-png-20000x20000": r"at most 178,956,970 pixels.*decompression bomb",
    "nan-float-tiff": r"finite pixel values.*1?\d NaN or infinite",
    "inf-float-tiff": r"finite pixel values.*NaN or infinite",
    "blank-page": "visible mark",
}


@pytest.fixture(scope="module")
def model():
    return seed_cnn(1, seed=0)


@pytest.fixture
def ax():
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def _chw(shape=(3, 64, 64)):
    return np.random.default_rng(0).random(shape).astype(np.float32)


PHOTO_LIKE = np.zeros((600, 512, 3))   # float64, as a learner's own array would be

# ------------------------------------------------------------------------------------------------
# clear errors
# ------------------------------------------------------------------------------------------------

E = pytest.param
CHW = r"looks like \(C, H, W\).*chw_to_hwc"
ERROR_CASES = [
    # --- images.load_image: what is passed
    E(lambda: I.load_image(None), TypeError, "path must be a file path, a file object or bytes",
      id="load_image-None"),
    E(lambda: I.load_image(3.5), TypeError, "got float 3.5", id="load_image-float"),
    E(lambda: I.load_image(np.zeros((4, 4))), TypeError, "path must be a file path",
      id="load_image-array"),
    E(lambda: I.load_image("no/such/picture.png"), FileNotFoundError, "does not exist",
      id="load_image-missing"),
    E(lambda: I.load_image("."), ValueError, "not a folder", id="load_image-folder"),
    E(lambda: I.load_image("https://example.com/seven.png"), ValueError,
      "got the web address 'https://example.com/seven.png'.*download", id="load_image-url"),
    E(lambda: I.load_image("a" * 5000), ValueError, "refuses as a file name",
      id="load_image-name-too-long"),
    E(lambda: I.load_image(io.StringIO("\x89PNG")), TypeError, "binary mode.*'rb'",
      id="load_image-text-file-object"),
    E(lambda: I.load_image(_closed_file()), ValueError, "an open file object",
      id="load_image-closed-file"),
    E(lambda: I.load_image(encode(seven()), mode="rgb"), ValueError, 'mode must be "RGB" or "L"',
      id="load_image-mode-lowercase"),
    E(lambda: I.load_image(encode(seven()), mode=None), ValueError, "mode must be",
      id="load_image-mode-None"),
    E(lambda: I.load_image(encode(seven()), size=0), ValueError, "size must be positive",
      id="load_image-size-0"),
    E(lambda: I.load_image(encode(seven()), size=2.5), TypeError, "size must be an int",
      id="load_image-size-float"),
    E(lambda: I.load_image(encode(seven()), size=(1, 2, 3)), TypeError, "size must be",
      id="load_image-size-triple"),
    E(lambda: I.load_image(encode(seven()), size=True), TypeError, "size must be",
      id="load_image-size-bool"),
    E(lambda: I.load_image(encode(seven()), size=100_000), ValueError,
      r"size must be small enough .*512\.0 MiB", id="load_image-size-huge"),
    E(lambda: I.load_image(encode(seven()), max_side=0), ValueError, "max_side must be a positive",
      id="load_image-max_side-0"),
    E(lambda: I.load_image(encode(seven()), max_side=1.5), TypeError, "max_side must be",
      id="load_image-max_side-float"),
    E(lambda: I.load_image(big_gray_png()), ValueError,
      r"path must be small enough .*512\.0 MiB.*max_side=1024", id="load_image-huge-no-max_side"),
    # --- images: pixel values
    E(lambda: I.to_float(None), TypeError, "image must be a numpy array", id="to_float-None"),
    E(lambda: I.to_float([0, 255]), TypeError, "image must be a numpy array", id="to_float-list"),
    E(lambda: I.to_float(np.array([1 + 2j])), TypeError, "real numbers.*complex128",
      id="to_float-complex"),
    E(lambda: I.to_float(np.array(["a"])), TypeError, "real numbers", id="to_float-str"),
    E(lambda: I.to_float(np.array([None])), TypeError, "real numbers.*object",
      id="to_float-object"),
    E(lambda: I.to_float(np.array([0, 128, 255])), TypeError, "astype\\(np.uint8\\)",
      id="to_float-int64"),
    E(lambda: I.to_uint8(np.array([np.nan])), ValueError, "finite", id="to_uint8-nan"),
    E(lambda: I.to_uint8(np.array([np.inf, 0.5])), ValueError, "finite", id="to_uint8-inf"),
    E(lambda: I.to_uint8(np.array([1j])), TypeError, "real numbers", id="to_uint8-complex"),
    # --- images: channels and layout
    E(lambda: I.to_grayscale(_chw()), ValueError, CHW, id="to_grayscale-chw"),
    E(lambda: I.to_grayscale(_chw((1, 28, 28))), ValueError, CHW, id="to_grayscale-chw-gray"),
    E(lambda: I.to_grayscale(np.zeros((8, 8, 5))), ValueError, "1 or 3 or 4 channels",
      id="to_grayscale-5-channels"),
    E(lambda: I.to_grayscale(np.zeros((2, 8, 8, 3))), ValueError, "2-D or 3-D",
      id="to_grayscale-batch"),
    E(lambda: I.to_grayscale(np.zeros((0, 8, 3))), ValueError, "non-empty",
      id="to_grayscale-empty"),
    E(lambda: I.to_grayscale(np.zeros((8, 8), complex)), TypeError, "real numbers",
      id="to_grayscale-complex"),
    E(lambda: I.to_grayscale(np.zeros((8, 8), object)), TypeError, "real numbers",
      id="to_grayscale-object"),
    E(lambda: I.to_grayscale("photo.png"), TypeError, "numpy array", id="to_grayscale-str"),
    E(lambda: I.split_channels(_chw()), ValueError, "3 channels.*chw_to_hwc",
      id="split_channels-chw"),
    E(lambda: I.split_channels(np.zeros((8, 8))), ValueError, "3-D", id="split_channels-gray"),
    E(lambda: I.hwc_to_chw(None), TypeError, "numpy array", id="hwc_to_chw-None"),
    E(lambda: I.hwc_to_chw(np.zeros(5)), ValueError, "2-D or 3-D or 4-D", id="hwc_to_chw-1d"),
    E(lambda: I.chw_to_hwc(np.zeros((8, 8))), ValueError, "3-D or 4-D", id="chw_to_hwc-2d"),
    E(lambda: I.hwc_to_chw(_chw()), ValueError, r"already channels first \(C, H, W\)",
      id="hwc_to_chw-twice"),
    E(lambda: I.hwc_to_chw(_chw((2, 3, 26, 26))), ValueError,
      r"already channels first \(N, C, H, W\)", id="hwc_to_chw-twice-batch"),
    E(lambda: I.chw_to_hwc(np.zeros((64, 64, 3))), ValueError,
      r"already channels last \(H, W, C\)", id="chw_to_hwc-twice"),
    E(lambda: I.chw_to_hwc(np.zeros((2, 26, 26, 1))), ValueError,
      r"already channels last \(N, H, W, C\)", id="chw_to_hwc-twice-batch"),
    E(lambda: I.chw_to_hwc(np.zeros((1, 8, 8)), squeeze="yes"), TypeError,
      "squeeze must be True or False", id="chw_to_hwc-squeeze-str"),
    # --- images: geometry
    E(lambda: I.resize(_chw(), 26), ValueError, CHW, id="resize-chw"),
    E(lambda: I.resize(np.zeros((8, 8), np.float32), 100_000), ValueError,
      r"size must be small enough .*37\.3 GiB", id="resize-100000"),
    E(lambda: I.resize(np.zeros((8, 8, 3), np.float32), (200_000, 1000)), ValueError,
      "size must be small enough", id="resize-tall"),
    E(lambda: I.resize(np.full((8, 8), np.nan), 4), ValueError, "finite", id="resize-nan"),
    E(lambda: I.resize(np.zeros((8, 8), np.int64), 4), TypeError, "uint8, float32 or float64",
      id="resize-int64"),
    E(lambda: I.resize(np.zeros((8, 8), bool), 4), TypeError, "to_float", id="resize-bool"),
    E(lambda: I.resize(np.zeros((8, 8)), -3), ValueError, "size must be positive",
      id="resize-negative"),
    E(lambda: I.resize(np.zeros((8, 8)), "26"), TypeError, "size must be an int",
      id="resize-str-size"),
    E(lambda: I.resize(np.zeros((8, 8)), None), TypeError, "size must be", id="resize-None-size"),
    E(lambda: I.resize(np.zeros((0, 8)), 4), ValueError, "non-empty", id="resize-empty"),
    E(lambda: I.center_crop(_chw(), 26), ValueError, CHW, id="center_crop-chw"),
    E(lambda: I.center_crop(np.zeros((8, 8)), 9), ValueError, "at most the image's",
      id="center_crop-larger"),
    E(lambda: I.center_crop(np.zeros((8, 8)), (0, 2)), ValueError, "positive",
      id="center_crop-zero"),
    E(lambda: I.center_crop(np.zeros((8, 8), object), 2), TypeError, "real numbers",
      id="center_crop-object"),
    # --- filters
    E(lambda: filters.correlate2d(_chw(), filters.LAPLACIAN), ValueError, CHW,
      id="correlate2d-chw"),
    E(lambda: filters.convolve2d(_chw((3, 100, 80)), filters.SOBEL_X), ValueError, CHW,
      id="convolve2d-chw"),
    E(lambda: filters.sobel(_chw()), ValueError, CHW, id="sobel-chw"),
    E(lambda: filters.laplacian(_chw((4, 32, 32))), ValueError, CHW, id="laplacian-chw-rgba"),
    E(lambda: filters.gradient_direction(_chw()), ValueError, CHW, id="gradient_direction-chw"),
    E(lambda: filters.correlate2d(PHOTO_LIKE, filters.BOX_BLUR, padding=3000), ValueError,
      r"padding must be small enough .*512\.0 MiB.*\(983\.7 MiB\)",
      id="correlate2d-padding-3000"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((3, 3)), 10**9), ValueError,
      "padding must be small enough", id="correlate2d-padding-1e9"),
    E(lambda: filters.correlate2d(np.zeros((1000, 1000)), np.ones((301, 301))), ValueError,
      r"kernel must be small enough for at most 4e\+09 multiply-adds",
      id="correlate2d-huge-work"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((3, 3)), -1), ValueError,
      "padding must be", id="correlate2d-padding-negative"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((3, 3)), "full"), ValueError,
      "padding must be", id="correlate2d-padding-full"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((3, 3)), 1.5), TypeError,
      "padding must be", id="correlate2d-padding-float"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((3, 3)), None), TypeError,
      "padding must be", id="correlate2d-padding-None"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((2, 2)), "same"), ValueError,
      "odd height and width", id="correlate2d-even-same"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), [[1, 2], [3]]), ValueError,
      "rectangular", id="correlate2d-ragged-kernel"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((3, 3), complex)), TypeError,
      "real numbers", id="correlate2d-complex-kernel"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), [[None]]), TypeError, "real numbers",
      id="correlate2d-object-kernel"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), "sobel"), TypeError, "kernel must be",
      id="correlate2d-str-kernel"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.full((3, 3), np.nan)), ValueError,
      "finite", id="correlate2d-nan-kernel"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((1, 3, 3))), ValueError,
      "2-D", id="correlate2d-3d-kernel"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((0, 3))), ValueError,
      "non-empty", id="correlate2d-empty-kernel"),
    E(lambda: filters.correlate2d(np.zeros((8, 8)), np.ones((9, 9))), ValueError,
      "no larger than the padded image", id="correlate2d-kernel-too-big"),
    E(lambda: filters.correlate2d(np.full((8, 8), np.inf), np.ones((3, 3))), ValueError,
      "finite", id="correlate2d-inf-image"),
    E(lambda: filters.correlate2d(np.zeros((8, 8), "U1"), np.ones((3, 3))), TypeError,
      "real numbers", id="correlate2d-str-image"),
    E(lambda: filters.correlate2d(None, np.ones((3, 3))), TypeError, "numpy array",
      id="correlate2d-None-image"),
    E(lambda: filters.sobel(np.zeros((8, 8)), return_components="yes"), TypeError,
      "return_components must be True or False", id="sobel-return_components"),
    E(lambda: filters.laplacian(np.zeros((8, 8)), neighbours=6), ValueError, "4 or 8",
      id="laplacian-6"),
    E(lambda: filters.laplacian(np.zeros((8, 8)), neighbours=4.0), TypeError, "int 4 or 8",
      id="laplacian-float"),
    E(lambda: filters.output_size(0, 3), ValueError, "n must be a positive", id="output_size-0"),
    E(lambda: filters.output_size(8, "3"), TypeError, "k must be a positive",
      id="output_size-str"),
    E(lambda: filters.output_size(2, 5), ValueError, "k must be at most", id="output_size-big-k"),
    # --- gradcheck
    E(lambda: gradcheck.numerical_gradient(lambda v: None, np.ones(2)), TypeError,
      "forget `return`", id="numerical_gradient-None"),
    E(lambda: gradcheck.numerical_gradient(lambda v: np.full(2, np.nan), np.ones(2)), ValueError,
      "NaN or inf from f at x", id="numerical_gradient-nan"),
    E(lambda: gradcheck.numerical_gradient(lambda v: v, np.ones(2, np.float32)), TypeError,
      "float64", id="numerical_gradient-float32"),
    E(lambda: gradcheck.numerical_gradient("f", np.ones(2)), TypeError, "f must be a function",
      id="numerical_gradient-not-callable"),
    E(lambda: gradcheck.numerical_gradient(lambda v: v, np.ones(2), eps=0.0), ValueError,
      "eps must be", id="numerical_gradient-eps-0"),
    E(lambda: gradcheck.rel_error(np.array([1j]), np.ones(1)), TypeError, "real numbers",
      id="rel_error-complex"),
    E(lambda: gradcheck.rel_error(np.array([None]), np.ones(1)), TypeError, "real numbers",
      id="rel_error-object"),
    E(lambda: gradcheck.rel_error(np.ones(2), np.ones(3)), ValueError, "shape",
      id="rel_error-shapes"),
    E(lambda: gradcheck.check_gradient(3, np.ones(1), np.ones(1)), TypeError,
      "name must be a str", id="check_gradient-name"),
    E(lambda: gradcheck.check_gradient("g", np.ones(1), np.ones(1), tol=-1), ValueError,
      "tol must be", id="check_gradient-tol"),
    # --- datasets
    E(lambda: datasets.load_digits(b"digits.npz"), TypeError, "path must be a str",
      id="load_digits-bytes"),
    E(lambda: datasets.make_shapes(0), ValueError, "n must be a positive", id="make_shapes-0"),
    E(lambda: datasets.make_shapes(2.5), TypeError, "n must be", id="make_shapes-float"),
    E(lambda: datasets.make_shapes(10**9), ValueError, r"n must be small enough .*512\.0 MiB",
      id="make_shapes-1e9"),
    E(lambda: datasets.make_shapes(2, size=100_000), ValueError, "size must be small enough",
      id="make_shapes-size-huge"),
    E(lambda: datasets.make_shapes(2, size=8), ValueError, "size must be at least",
      id="make_shapes-size-small"),
    E(lambda: datasets.make_shapes(2, seed=-1), ValueError, "seed must be",
      id="make_shapes-seed-negative"),
    # --- setup_check
    E(lambda: setup_check.brightness_demo(np.array([[None]])), TypeError, "photo must be",
      id="brightness_demo-object"),
    E(lambda: setup_check.brightness_demo(np.full((8, 8), np.nan)), ValueError, "finite",
      id="brightness_demo-nan"),
    E(lambda: setup_check.brightness_demo(_chw()), ValueError, CHW, id="brightness_demo-chw"),
    E(lambda: setup_check.brightness_demo(np.zeros((0, 8))), ValueError, "non-empty",
      id="brightness_demo-empty"),
    E(lambda: setup_check.brightness_demo(np.zeros((8, 8), complex)), TypeError,
      "real numbers", id="brightness_demo-complex"),
    E(lambda: setup_check.brightness_demo(value=2.0), ValueError, r"value must be a number",
      id="brightness_demo-value"),
    # --- explain: preparing your own picture
    E(lambda: explain.prepare_image(None), TypeError, "image must be a numpy array",
      id="prepare_image-None"),
    E(lambda: explain.prepare_image([[0, 1], [1, 0]]), TypeError, "image must be",
      id="prepare_image-list"),
    E(lambda: explain.prepare_image(_chw()), ValueError, CHW, id="prepare_image-chw"),
    E(lambda: explain.prepare_image(np.zeros((1, 1, 30, 30))), ValueError, "network batch",
      id="prepare_image-batch"),
    E(lambda: explain.prepare_image(np.zeros((30, 30), object)), TypeError, "real numbers",
      id="prepare_image-object"),
    E(lambda: explain.prepare_image(np.zeros((30, 30), complex)), TypeError, "real numbers",
      id="prepare_image-complex"),
    E(lambda: explain.prepare_image(np.zeros((30, 30), np.int64)), TypeError, "uint8",
      id="prepare_image-int64"),
    E(lambda: explain.prepare_image(np.full((30, 30), np.nan)), ValueError,
      "finite.*nan_to_num", id="prepare_image-nan"),
    E(lambda: explain.prepare_image(np.full((30, 30), 7.0)), ValueError, r"\[0, 1\]",
      id="prepare_image-0-255-floats"),
    E(lambda: explain.prepare_image(np.zeros((0, 30))), ValueError, "at least 2x2",
      id="prepare_image-empty"),
    E(lambda: explain.prepare_image(seven(), channels=2), ValueError, "channels must be 1 or 3",
      id="prepare_image-channels"),
    E(lambda: explain.prepare_image(seven(), size=4), ValueError, "size must be at least",
      id="prepare_image-size"),
    E(lambda: explain.prepare_image(seven(), invert="yes"), ValueError, "invert must be",
      id="prepare_image-invert"),
    E(lambda: explain.prepare_image(seven(), crop="middle"), ValueError, "crop must be",
      id="prepare_image-crop"),
    E(lambda: explain.prepare_image(np.broadcast_to(np.uint8(0), (20000, 20000, 3))),
      ValueError, r"image must be small enough .*4\.5 GiB.*resize", id="prepare_image-huge-array"),
    E(lambda: explain.read_upload(None), TypeError, "value must be upload.value",
      id="read_upload-None"),
    # --- viz picture helpers
    E(lambda: show_kernel(_ax(), np.zeros((512, 512))), ValueError,
      r"at most 32 x 32.*show_image", id="show_kernel-image"),
    E(lambda: show_kernel(_ax(), np.zeros((0, 3))), ValueError, "non-empty",
      id="show_kernel-empty"),
    E(lambda: show_kernel(_ax(), np.zeros((3, 3), complex)), TypeError, "real numbers",
      id="show_kernel-complex"),
    E(lambda: show_kernel(_ax(), np.full((3, 3), np.nan)), ValueError, "finite",
      id="show_kernel-nan"),
    E(lambda: show_kernel(_ax(), np.zeros((3, 3, 3))), ValueError, "2-D",
      id="show_kernel-3d"),
    E(lambda: show_image(_ax(), np.zeros((0, 3))), ValueError, "non-empty",
      id="show_image-empty"),
    E(lambda: show_image(_ax(), _chw()), ValueError, "chw_to_hwc", id="show_image-chw"),
    E(lambda: show_image(_ax(), np.broadcast_to(np.float32(0), (30000, 30000))), ValueError,
      r"at most 64 megapixels.*resize", id="show_image-huge"),
    E(lambda: viz.show_conv_weights(None, np.zeros((500, 500, 3, 3))), ValueError,
      r"at most 256 panels.*250000 panels", id="show_conv_weights-huge"),
    E(lambda: viz.show_conv_weights(None, np.zeros((2, 1, 300, 300))), ValueError,
      r"weights\[0, 0\] must be a kernel of at most 32 x 32", id="show_conv_weights-image"),
    E(lambda: viz.show_conv_weights(None, np.zeros((0, 1, 3, 3))), ValueError,
      "at least one panel", id="show_conv_weights-empty"),
    E(lambda: viz.show_conv_weights(None, np.zeros((2, 2, 3, 3)), channel_names=5), TypeError,
      "channel_names must be a list of 2 names", id="show_conv_weights-names-int"),
    E(lambda: viz.show_feature_maps(None, np.zeros((5000, 4, 4))), ValueError,
      "at most 256 panels", id="show_feature_maps-huge"),
    E(lambda: viz.show_feature_maps(None, np.zeros((0, 4, 4))), ValueError,
      "at least one panel", id="show_feature_maps-empty"),
    E(lambda: viz.show_feature_maps(None, np.zeros((24, 24, 3))), ValueError,
      r"looks like \(H, W, C\).*hwc_to_chw", id="show_feature_maps-hwc"),
    E(lambda: viz.show_feature_maps(None, np.zeros((6, 4, 4)), ncols=0), ValueError,
      "ncols must be a positive int", id="show_feature_maps-ncols-0"),
    E(lambda: viz.show_feature_maps(None, np.zeros((6, 4, 4)), ncols="3"), TypeError,
      "ncols must be a positive int", id="show_feature_maps-ncols-str"),
    E(lambda: viz.window_rectangle(_ax(), "a", 0, 1, 1), TypeError, "top must be a pixel",
      id="window_rectangle-str"),
    E(lambda: viz.window_rectangle(_ax(), 0, 0, 0, 1), ValueError, "height must be a positive",
      id="window_rectangle-zero-height"),
    E(lambda: viz.shape_label(None), TypeError, "shape must be a tuple of ints",
      id="shape_label-None"),
    E(lambda: viz.shape_label("abc"), TypeError, "shape must be a tuple of ints",
      id="shape_label-str"),
    # --- _validate's bound itself
    E(lambda: _validate.check_allocation((2**40, 2**40), np.float64, "n"), ValueError,
      "n must be small enough", id="check_allocation-overflow"),
]


def _closed_file():
    f = io.BytesIO(encode(seven()))
    f.close()
    return f


def _ax():
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


@pytest.mark.parametrize("call, kind, pattern", ERROR_CASES)
def test_clear_error(call, kind, pattern):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # no warning may leak out of a refused call either
        with pytest.raises(kind) as info:
            call()
    message = str(info.value)
    assert re.search(pattern, message, re.S), message
    assert re.search(CLEAR, message, re.S), f"not in the course's pattern: {message}"
    assert time.perf_counter() - start < 10, "refusing must be quick"


def test_load_digits_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist\. Hint: restore it"):
        datasets.load_digits(tmp_path / "digits.npz")
    (tmp_path / "digits.npz").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match=r"damaged or not the course's file"):
        datasets.load_digits(tmp_path / "digits.npz")


# ------------------------------------------------------------------------------------------------
# correct results (legitimate inputs that look odd must keep working)
# ------------------------------------------------------------------------------------------------

def _check_gray_3x3():
    out = filters.correlate2d(np.arange(9.0).reshape(3, 3), np.ones((3, 3)))
    assert out.shape == (1, 1) and out[0, 0] == 36


def _check_tiny_3x5x3():
    img = np.random.default_rng(1).random((3, 5, 3))
    out = filters.correlate2d(img, filters.IDENTITY, "same")
    np.testing.assert_allclose(out, img)


def _check_hwc_with_3_rows():
    img = np.ones((4, 20, 3))             # a 4-pixel-high colour strip: not (C, H, W)
    assert I.to_grayscale(img).shape == (4, 20)
    assert I.resize(img.astype(np.float32), (2, 10)).shape == (2, 10, 3)


def _check_chw_via_converter():
    x = _chw()
    out = filters.correlate2d(I.chw_to_hwc(x), filters.BOX_BLUR, "same")
    assert out.shape == (64, 64, 3)


def _check_bool_and_uint8_images():
    assert filters.correlate2d(np.eye(5, dtype=bool), np.ones((3, 3))).dtype == np.float64
    assert I.center_crop(np.zeros((8, 8, 3), np.uint8), 4).shape == (4, 4, 3)
    assert I.to_float(np.array([[0, 255]], np.uint8)).tolist() == [[0.0, 1.0]]


def _check_layout_converters_on_small_and_odd_shapes():
    assert I.chw_to_hwc(np.zeros((12, 3, 3))).shape == (3, 3, 12)     # a late feature map
    assert I.chw_to_hwc(np.zeros((6, 24, 24))).shape == (24, 24, 6)
    assert I.hwc_to_chw(np.zeros((3, 5, 3))).shape == (3, 3, 5)        # tiny: no guessing
    assert I.hwc_to_chw(np.zeros((2, 26, 26, 3))).shape == (2, 3, 26, 26)


def _check_empty_pixel_arrays():
    assert I.to_float(np.zeros((0, 3), np.uint8)).shape == (0, 3)
    assert I.to_uint8(np.zeros((0, 3))).shape == (0, 3)
    assert I.hwc_to_chw(np.zeros((2, 0, 3))).shape == (3, 2, 0)


def _check_resize_1x1_up():
    out = I.resize(np.full((1, 1), 0.25, np.float32), 5)
    np.testing.assert_allclose(out, 0.25)


def _check_padding_allowed_below_the_limit():
    out = filters.correlate2d(np.ones((10, 10)), np.ones((3, 3)), padding=300)
    assert out.shape == (608, 608)


def _check_shapes_and_digits_normal():
    X, y = datasets.make_shapes(20, seed=3)
    assert X.shape == (20, 3, 26, 26) and X.min() >= 0 and X.max() <= 1


def _check_prepare_bool_and_big_arrays():
    assert explain.prepare_image(np.eye(30, dtype=bool)).shape == (1, 1, 26, 26)
    big = np.asarray(Image.fromarray(seven()).resize((1500, 1800)))
    assert explain.prepare_image(big).shape == (1, 1, 26, 26)


def _check_numerical_gradient_accepts_lists_and_empty():
    assert np.allclose(gradcheck.numerical_gradient(lambda v: [v.sum(), 2.0], np.ones(2)), 1.0)
    assert gradcheck.numerical_gradient(lambda v: v.sum(), np.zeros((0, 2))).shape == (0, 2)


def _check_rel_error_nan_is_reported_as_nan():
    assert np.isnan(gradcheck.rel_error(np.array([np.nan]), np.ones(1)))


def _check_show_kernel_32():
    out = show_kernel(_ax(), np.ones((32, 32)), annotate=False)
    assert out["texts"] == []


def _check_brightness_demo_uint8_rgba():
    box = setup_check.brightness_demo(np.zeros((16, 16, 4), np.uint8))
    assert box.children[1].outputs


def _check_viz_panels_at_the_limits():
    assert viz.show_feature_maps(None, np.zeros((12, 3, 3)))["images"]        # a late layer
    assert len(viz.show_feature_maps(None, np.zeros((6, 24, 24)), ncols=3)["axes"]) == 6
    assert viz.show_conv_weights(None, np.zeros((6, 3, 3, 3)), rgb=True)["images"].shape == \
        (6, 3)
    assert viz.shape_label((6, 24, 24)) == "24x24x6"


def _check_read_upload_picks_the_last():
    name, data = explain.read_upload(upload_value(b"a", "a.png") + upload_value(b"b", "b.png"))
    assert (name, data) == ("b.png", b"b")


RESULT_CASES = [pytest.param(f, id=f.__name__[len("_check_"):]) for f in (
    _check_gray_3x3, _check_tiny_3x5x3, _check_hwc_with_3_rows, _check_chw_via_converter,
    _check_bool_and_uint8_images, _check_layout_converters_on_small_and_odd_shapes,
    _check_empty_pixel_arrays, _check_resize_1x1_up,
    _check_padding_allowed_below_the_limit, _check_shapes_and_digits_normal,
    _check_prepare_bool_and_big_arrays, _check_numerical_gradient_accepts_lists_and_empty,
    _check_rel_error_nan_is_reported_as_nan, _check_show_kernel_32,
    _check_brightness_demo_uint8_rgba, _check_viz_panels_at_the_limits,
    _check_read_upload_picks_the_last,
)]


@pytest.mark.parametrize("check", RESULT_CASES)
def test_correct_result(check):
    check()


# ------------------------------------------------------------------------------------------------
# files: every format and bit depth becomes floats in [0, 1], as documented
# ------------------------------------------------------------------------------------------------

def _in_unit_range(x):
    return x.dtype == np.float32 and np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1


FILE_RESULTS = {
    # name: (bytes, mode, expected first pixels or None)
    "png-8bit-gray": (lambda: encode(np.array([[0, 255]] * 4, np.uint8)), "L", [0.0, 1.0]),
    "png-16bit-gray": (lambda: encode(np.array([[0, 65535]] * 4, np.uint16)), "L", [0.0, 1.0]),
    "png-rgba": (lambda: encode(np.full((4, 4, 4), 255, np.uint8)), "RGB", [1.0, 1.0]),
    "png-1bit": (lambda: encode(Image.new("1", (8, 8), 1)), "L", [1.0, 1.0]),
    "png-la": (lambda: encode(Image.new("LA", (8, 8), (51, 0))), "L", [0.2, 0.2]),
    "gif-palette": (lambda: encode(Image.new("P", (8, 8), 0), "GIF"), "RGB", None),
    "bmp-rgb": (lambda: encode(np.zeros((8, 8, 3), np.uint8), "BMP"), "RGB", [0.0, 0.0]),
    "jpeg-cmyk": (lambda: encode(Image.new("CMYK", (8, 8), (0, 0, 0, 0)), "JPEG"), "RGB", None),
    "tiff-float-in-0-1": (lambda: float_tiff([[0.0, 0.25], [0.5, 1.0]]), "L", [0.0, 0.25]),
    "tiff-int32-16bit-range": (lambda: int32_tiff([[0, 65535], [0, 0]]), "L", [0.0, 1.0]),
}


@pytest.mark.parametrize("name", sorted(FILE_RESULTS))
def test_correct_result_for_every_kind_of_file(name):
    make, mode, first = FILE_RESULTS[name]
    x = I.load_image(make(), mode=mode)
    assert _in_unit_range(x), (x.dtype, x.min(), x.max())
    assert x.ndim == (3 if mode == "RGB" else 2)
    if first is not None:
        row = x[0, :2] if x.ndim == 2 else x[0, :2, 0]
        np.testing.assert_allclose(row, first, atol=1e-6)


@pytest.mark.parametrize("values, lo_hi", [
    ([[-2.0, 0.0], [3.0, 8.0]], (-2.0, 8.0)),
    ([[0.0, 255.0], [128.0, 7.0]], (0.0, 255.0)),
])
def test_float_tiff_outside_0_1_is_rescaled_with_a_warning(values, lo_hi):
    with pytest.warns(UserWarning, match=r"rescaled linearly so that the smallest is 0"):
        x = I.load_image(float_tiff(values), mode="L")
    lo, hi = lo_hi
    np.testing.assert_allclose(x, (np.array(values) - lo) / (hi - lo), atol=1e-6)


def test_int32_tiff_beyond_16_bits_is_rescaled_with_a_warning():
    with pytest.warns(UserWarning, match="32-bit integer pixel values from 0 to 7e\\+04"):
        x = I.load_image(int32_tiff([[0, 70000], [35000, 70000]]), mode="L")
    np.testing.assert_allclose(x, [[0, 1], [0.5, 1]], atol=1e-6)


# ------------------------------------------------------------------------------------------------
# uploads: a bad picture gives a message *in the widget*, never an exception
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_load_image_refuses_bad_files_clearly(name):
    if name == "blank-page":
        assert I.load_image(BAD_FILES[name]()).shape == (40, 40, 3)  # a fine picture
        return
    with pytest.raises(ValueError) as info:
        I.load_image(BAD_FILES[name]())
    assert re.search(BAD_FILE_MESSAGES[name], str(info.value), re.S), str(info.value)
    assert re.search(CLEAR, str(info.value), re.S)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_upload_gives_a_message_in_the_widget(model, name):
    data = BAD_FILES[name]()
    text, pred = explain.classify_upload(model, upload_value(data, f"{name}.png"))
    assert pred is None
    assert text.startswith(f"Could not use {name}.png: "), text
    assert re.search(BAD_FILE_MESSAGES[name], text, re.S), text
    assert "path must" not in text                      # an upload has no path

    box = explain.upload_classifier(model)
    upload, out = box.children
    upload.value = upload_value(data, f"{name}.png")    # as the browser does: the observer runs
    shown = "".join(o.get("text", "") for o in out.outputs)
    assert shown == text + "\n"


@pytest.mark.parametrize("value", [None, {}, [], ({"name": "x"},), ({"content": 3},), "a.png"])
def test_junk_upload_values_give_a_message(model, value):
    text, pred = explain.classify_upload(model, value)
    assert pred is None and text.startswith("No picture to classify: value")


def test_the_widget_shows_a_message_even_when_classify_itself_breaks(model, monkeypatch):
    box = explain.upload_classifier(model)

    def broken(*args, **kwargs):
        raise RuntimeError("something unexpected")

    monkeypatch.setattr(own_images, "classify_upload", broken)  # where the widget finds it
    text, pred = box.handle_upload({"new": upload_value(encode(seven()))})
    assert pred is None and "RuntimeError: something unexpected" in text
    assert box.children[1].outputs[-1]["text"] == text + "\n"


def test_a_good_upload_still_gives_a_prediction_and_replaces_the_old_message(model):
    box = explain.upload_classifier(model)
    upload, out = box.children
    upload.value = upload_value(b"", "empty.png")
    upload.value = upload_value(encode(seven()), "seven.png")
    texts = [o["text"] for o in out.outputs if "text" in o]
    assert len(texts) == 1 and texts[0].startswith("seven.png: the network says")


def test_a_big_photo_is_shrunk_while_decoding():
    """A 6000 x 6000 JPEG: the old path decoded it whole and made float copies (about 1 GB,
    several seconds); JPEG draft decoding at 1/4 scale keeps it small and quick."""
    def photo(side):
        im = Image.new("L", (side, side), 235)
        f = side / 6000
        ImageDraw.Draw(im).line([(1500 * f, 1500 * f), (4700 * f, 1500 * f),
                                 (2600 * f, 5000 * f)], fill=30, width=round(420 * f))
        return encode(Image.merge("RGB", (im, im, im)), "JPEG", quality=80)

    data = photo(6000)
    tracemalloc.start()
    try:
        start = time.perf_counter()
        x = explain.prepare_image(data)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert x.shape == (1, 1, 26, 26) and x.max() == 1.0
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert elapsed < 5.0, f"{elapsed:.1f} s"
    small = explain.prepare_image(photo(600))
    assert np.corrcoef(x.ravel(), small.ravel())[0, 1] > 0.95


def test_load_image_max_side_keeps_the_aspect_and_matches_a_plain_resize():
    data = encode(np.asarray(Image.fromarray(seven()).resize((800, 1000))))
    x = I.load_image(data, mode="L", max_side=100)
    assert x.shape == (100, 80)
    y = I.resize(I.load_image(data, mode="L"), (100, 80))
    assert np.abs(x - y).mean() < 0.02


# ------------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------------

SIDES = st.integers(1, 40)
CHANNELS = st.sampled_from([1, 3, 4])


@settings(max_examples=60, deadline=None)
@given(a=SIDES, b=SIDES, c=SIDES)
def test_property_layout_rule_for_3d_images(a, b, c):
    """correlate2d refuses exactly the shapes the rule calls (C, H, W), and filters the rest."""
    img = np.zeros((a, b, c))
    if _validate.looks_like_chw(img.shape):
        assert a in (1, 3, 4) and c not in (1, 3, 4) and min(b, c) >= 8
        with pytest.raises(ValueError, match="chw_to_hwc"):
            filters.correlate2d(img, np.ones((1, 1)))
    else:
        assert filters.correlate2d(img, np.ones((1, 1))).shape == (a, b, c)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 3), c=CHANNELS, h=st.integers(8, 40), w=st.integers(8, 40))
def test_property_nhwc_batches_are_flagged_nchw_are_not(n, c, h, w):
    assert _validate.looks_like_nhwc((n, h, w, c)) == (h not in (1, 3, 4))
    assert not _validate.looks_like_nhwc((n, c, h, w))


PREFIXES = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\x00",
            b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBP"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), tail=st.binary(max_size=300))
def test_property_random_bytes_are_refused_with_a_value_error(prefix, tail):
    try:
        x = I.load_image(prefix + tail)
    except ValueError as err:
        assert re.search(CLEAR, str(err), re.S), str(err)
    else:
        assert _in_unit_range(x)


@functools.cache
def _valid_files():
    rgb = np.stack([seven(60, 50)] * 3, axis=2)
    return [encode(seven(60, 50)), encode(rgb, "JPEG"), encode(rgb, "GIF"),
            float_tiff(seven(60, 50) / 255.0), encode(rgb, "WEBP")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, 4), cut=st.floats(0.0, 1.0), flip=st.integers(0, 10**6))
def test_property_damaged_uploads_never_raise(which, cut, flip):
    data = bytearray(_valid_files()[which])
    data = data[: max(1, int(len(data) * cut))]
    if flip % 3 == 0 and len(data) > 20:                 # also flip one byte
        data[flip % len(data)] ^= 0xFF
    text, pred = explain.classify_upload(_MODEL, upload_value(bytes(data)))
    assert isinstance(text, str) and text
    assert (pred is None) == text.startswith("Could not use")


_MODEL = seed_cnn(1, seed=0)

REAL_OR_NOT = st.sampled_from([np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64,
                               np.float16, np.float32, np.float64, np.bool_, np.complex64,
                               np.dtype("U2"), np.dtype("O")])


@settings(max_examples=80, deadline=None)
@given(dtype=REAL_OR_NOT, shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5),
       data=st.data())
def test_property_to_float_and_to_uint8_answer_every_dtype(dtype, shape, data):
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        x = np.empty(shape, dtype=object)
    elif dtype.kind == "U":
        x = np.full(shape, "ab")
    else:
        x = data.draw(hnp.arrays(dtype, shape))
    try:
        f = I.to_float(x)
    except TypeError as err:
        assert dtype.kind in "OUc" or dtype.itemsize > 2 and dtype.kind in "iu", err
        assert re.search(CLEAR, str(err))
    else:
        assert f.dtype in (np.float32, np.float64) and f.shape == x.shape
        if dtype.kind in "biu":   # divided by the dtype's max: int8/int16 minimum gives -1.00003
            assert np.all(np.abs(f) <= 1 + 1 / 127)
    try:
        u = I.to_uint8(x)
    except (TypeError, ValueError) as err:
        assert re.search(CLEAR, str(err))
        if isinstance(err, ValueError):
            assert not np.all(np.isfinite(x.astype(np.float64)))
    else:
        assert u.dtype == np.uint8 and u.shape == x.shape


@settings(max_examples=40, deadline=None)
@given(values=hnp.arrays(np.float32, (4, 5), elements=st.floats(-1e6, 1e6, width=32)))
def test_property_float_tiffs_load_into_0_1(values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        x = I.load_image(float_tiff(values), mode="L")
    assert _in_unit_range(x)
    lo, hi = float(values.min()), float(values.max())
    if 0 <= lo and hi <= 1:
        np.testing.assert_array_equal(x, values)
    elif hi > lo:
        assert x.min() == 0 and x.max() == pytest.approx(1)


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 10**6), w=st.integers(1, 10**6), c=CHANNELS)
def test_property_resize_either_fits_the_bound_or_refuses(h, w, c):
    img = np.zeros((4, 4, c), np.float32)
    if h * w * c * 4 > _validate.MAX_ALLOCATION_BYTES:
        with pytest.raises(ValueError, match="size must be small enough"):
            I.resize(img, (h, w))
    elif h * w <= 4096:
        assert I.resize(img, (h, w)).shape == (h, w, c)
