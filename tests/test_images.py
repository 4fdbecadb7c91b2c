"""Tests for cnnlesson.images: loading, pixel values, channels, geometry, layouts."""

import io

import numpy as np
import pytest
from PIL import Image, UnidentifiedImageError

from cnnlesson import images as I


@pytest.fixture(scope="module")
def photo():
    return I.load_photo()


def save_png(path, array):
    Image.fromarray(array).save(path, format="PNG")
    return path


def png_bytes(array):
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


RGB8 = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                 [[0, 0, 0], [255, 255, 255], [51, 102, 204]]], dtype=np.uint8)


# ---------------------------------------------------------------------------
# the course photo
# ---------------------------------------------------------------------------

def test_photo_shape_dtype_range(photo):
    assert photo.shape == (600, 512, 3)
    assert photo.dtype == np.float32
    assert photo.min() >= 0.0 and photo.max() <= 1.0
    assert photo.std() > 0.1  # a real picture, not a blank
    assert photo.flags.c_contiguous and photo.flags.writeable


def test_photo_is_a_fresh_array_each_time(photo):
    a = I.load_photo()
    a[:] = 0.0
    np.testing.assert_array_equal(I.load_photo(), photo)


@pytest.mark.parametrize("size, shape", [(26, (26, 26, 3)), ((20, 40), (20, 40, 3)),
                                         ([64, 32], (64, 32, 3))])
def test_photo_size(size, shape):
    small = I.load_photo(size)
    assert small.shape == shape and small.dtype == np.float32
    assert small.min() >= 0.0 and small.max() <= 1.0


def test_photo_size_crops_instead_of_stretching(photo):
    # the photo is 600 x 512; a 512 x 512 square is its centred crop, no resampling needed
    square = I.load_photo(512)
    np.testing.assert_allclose(square, photo[44:556], atol=1e-6)


def test_photo_credit():
    assert "Hopper" in I.PHOTO_CREDIT and "public domain" in I.PHOTO_CREDIT.lower()
    assert "grace_hopper.jpg" in I.PHOTO_CREDIT
    assert "Lena" in I.__doc__  # the module explains why not


# ---------------------------------------------------------------------------
# load_image
# ---------------------------------------------------------------------------

def test_load_image_png_rgb_exact(tmp_path):
    path = save_png(tmp_path / "pic.png", RGB8)
    for p in (path, str(path)):
        img = I.load_image(p)
        assert img.shape == (2, 3, 3) and img.dtype == np.float32
        np.testing.assert_array_equal(img, RGB8.astype(np.float32) / 255)


def test_load_image_mode_l_uses_luma_weights(tmp_path):
    path = save_png(tmp_path / "pic.png", RGB8)
    gray = I.load_image(path, mode="L")
    assert gray.shape == (2, 3) and gray.dtype == np.float32
    np.testing.assert_allclose(gray[0], [0.299, 0.587, 0.114], rtol=1e-6)
    np.testing.assert_allclose(gray, I.to_grayscale(RGB8 / 255.0), rtol=1e-6)


def test_load_image_gray_file(tmp_path):
    g = np.array([[0, 128, 255]], dtype=np.uint8)
    path = save_png(tmp_path / "gray.png", g)
    np.testing.assert_array_equal(I.load_image(path, mode="L"), g / np.float32(255))
    rgb = I.load_image(path)  # default RGB repeats the gray channel
    assert rgb.shape == (1, 3, 3)
    for c in range(3):
        np.testing.assert_array_equal(rgb[:, :, c], g / np.float32(255))


def test_load_image_16_bit_gray_is_not_clipped(tmp_path):
    g16 = np.array([[0, 1000, 65535]], dtype=np.uint16)
    path = save_png(tmp_path / "deep.png", g16)
    np.testing.assert_allclose(I.load_image(path, mode="L"), g16 / 65535.0, rtol=1e-6)
    assert I.load_image(path).shape == (1, 3, 3)


def test_load_image_rgba_drops_alpha(tmp_path):
    rgba = np.concatenate([RGB8, np.full((2, 3, 1), 7, dtype=np.uint8)], axis=2)
    path = save_png(tmp_path / "alpha.png", rgba)
    np.testing.assert_array_equal(I.load_image(path), RGB8 / np.float32(255))


def test_load_image_from_bytes_and_file_objects(tmp_path):
    data = png_bytes(RGB8)
    expected = RGB8 / np.float32(255)
    np.testing.assert_array_equal(I.load_image(io.BytesIO(data)), expected)  # upload widget
    np.testing.assert_array_equal(I.load_image(data), expected)
    np.testing.assert_array_equal(I.load_image(memoryview(data)), expected)
    path = tmp_path / "pic.png"
    path.write_bytes(data)
    with open(path, "rb") as fh:
        np.testing.assert_array_equal(I.load_image(fh), expected)
        assert not fh.closed  # the caller's file is left to the caller


def test_load_image_size(tmp_path):
    wide = np.zeros((4, 8), dtype=np.uint8)
    wide[:, 2:6] = 255  # only the centre 4 columns are white
    path = save_png(tmp_path / "wide.png", wide)
    square = I.load_image(path, mode="L", size=4)
    np.testing.assert_array_equal(square, np.ones((4, 4)))  # centre box kept, nothing squeezed
    assert I.load_image(path, size=(2, 4)).shape == (2, 4, 3)
    assert I.load_image(path, mode="L", size=(8, 8)).shape == (8, 8)


def test_load_image_applies_exif_rotation():
    ex = Image.Exif()
    ex[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    a = np.array([[0, 40, 80], [120, 160, 200]], dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG", exif=ex)
    out = I.load_image(buf.getvalue(), mode="L")
    np.testing.assert_allclose(out * 255, np.rot90(a, k=-1), atol=1e-4)


def test_load_image_missing_file(tmp_path):
    missing = tmp_path / "nope.png"
    with pytest.raises(FileNotFoundError,
                       match=r"path must be an existing image file; got '.*nope\.png', which "
                             r"does not exist. Hint: check the spelling"):
        I.load_image(missing)


def test_load_image_directory(tmp_path):
    with pytest.raises(ValueError, match=r"path must be an image file, not a folder; got "
                                         r"'.*', which is a folder. Hint: give the path of one"):
        I.load_image(tmp_path)


def test_load_image_text_file(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture\n")
    with pytest.raises(ValueError, match=r"path must be an image file Pillow can read .*; got "
                                         r"'.*notes\.png', which is not a recognised image. "
                                         r"Hint:") as info:
        I.load_image(text)
    assert isinstance(info.value.__cause__, UnidentifiedImageError)


def test_load_image_empty_bytes():
    with pytest.raises(ValueError, match=r"got 0 bytes of data \(empty\), which is not a "
                       r"recognised image"):
        I.load_image(b"")


def test_load_image_truncated_file():
    data = png_bytes(np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"path must be a complete image file; got 200 bytes "
                                         r"of data, which could not be decoded") as info:
        I.load_image(data[:200])
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize("bad, shown", [(42, "int 42"), (None, "NoneType"),
                                        (np.zeros((2, 2)), "array of shape")])
def test_load_image_path_type(bad, shown):
    with pytest.raises(TypeError, match=rf"path must be a file path, a file object or bytes; "
                                        rf"got {shown}.*Hint: .*BytesIO"):
        I.load_image(bad)


@pytest.mark.parametrize("bad", ["rgb", "RGBA", "gray", 3])
def test_load_image_mode(bad, tmp_path):
    path = save_png(tmp_path / "pic.png", RGB8)
    with pytest.raises(ValueError, match=r'mode must be "RGB" or "L"; got .*Hint:'):
        I.load_image(path, mode=bad)


@pytest.mark.parametrize("bad, err, msg", [
    (0, ValueError, r"size must be positive \(every side >= 1 pixel\); got 0"),
    ((26, -1), ValueError, r"size must be positive .*; got \(26, -1\)"),
    (2.5, TypeError, r"size must be an int or a pair \(height, width\); got float 2.5"),
    ((26, 26, 3), TypeError, r"size must be an int or a pair .*; got tuple of length 3"),
    ((26.0, 26), TypeError, r"size must be an int or a pair of ints .*; got \(26.0, 26\)"),
    (True, TypeError, r"size must be an int or a pair .*; got bool True"),
])
def test_size_checks(bad, err, msg, tmp_path):
    path = save_png(tmp_path / "pic.png", RGB8)
    with pytest.raises(err, match=msg):
        I.load_image(path, size=bad)
    with pytest.raises(err, match=msg):
        I.load_photo(bad)
    with pytest.raises(err, match=msg):
        I.resize(np.ones((4, 4)), bad)
    with pytest.raises(err, match=msg):
        I.center_crop(np.ones((4, 4)), bad)


# ---------------------------------------------------------------------------
# to_float / to_uint8
# ---------------------------------------------------------------------------

def test_to_float_uint8():
    u = np.array([0, 1, 128, 255], dtype=np.uint8)
    f = I.to_float(u)
    assert f.dtype == np.float32
    np.testing.assert_allclose(f, [0.0, 1 / 255, 128 / 255, 1.0], rtol=1e-6)
    assert f[-1] == 1.0 and f[0] == 0.0


@pytest.mark.parametrize("dtype, value, expected", [
    (np.uint16, 65535, 1.0), (np.uint16, 257, 257 / 65535), (np.int16, 32767, 1.0),
    (np.int16, -32767, -1.0), (np.int8, 127, 1.0),
])
def test_to_float_other_integers_scaled_by_their_max(dtype, value, expected):
    out = I.to_float(np.array([[value]], dtype=dtype))
    assert out.dtype == np.float32
    assert out[0, 0] == pytest.approx(expected, rel=1e-6)


def test_to_float_bool():
    out = I.to_float(np.array([True, False]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_float_passes_floats_through(dtype):
    x = np.array([[0.5, 200.0]], dtype=dtype)  # not rescaled, even out of [0, 1]
    assert I.to_float(x) is x
    y = I.to_float(x, copy=True)
    assert y is not x and y.dtype == dtype
    np.testing.assert_array_equal(y, x)


def test_to_float_float16_becomes_float32():
    out = I.to_float(np.array([0.5], dtype=np.float16))
    assert out.dtype == np.float32 and out[0] == 0.5


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.uint64])
def test_to_float_refuses_wide_integers(dtype):
    with pytest.raises(TypeError, match=rf"image must be an image dtype \(uint8, uint16, int8, "
                                        rf"int16, bool or float\); got dtype {np.dtype(dtype)}. "
                                        r"Hint: .*astype\(np.uint8\)"):
        I.to_float(np.array([[0, 255]], dtype=dtype))


@pytest.mark.parametrize("fn", [I.to_float, I.to_uint8])
def test_pixel_converters_check_type(fn):
    with pytest.raises(TypeError, match=r"image must be a numpy array; got list of length 1"):
        fn([0.5])
    with pytest.raises(TypeError, match=r"image must be an array of real numbers .*; "
                                        r"got dtype complex128"):
        fn(np.ones(2, dtype=complex))


def test_to_uint8_clips_and_rounds():
    x = np.array([-1.0, 0.0, 0.2, 0.5, 1.0, 2.0])
    out = I.to_uint8(x)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [0, 0, 51, 128, 255, 255])


def test_to_uint8_round_trip_all_values():
    u = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(I.to_uint8(I.to_float(u)), u)
    np.testing.assert_array_equal(I.to_uint8(I.to_float(u).astype(np.float64)), u)


def test_to_uint8_other_inputs():
    u = np.array([3, 250], dtype=np.uint8)
    out = I.to_uint8(u)
    assert out is not u
    np.testing.assert_array_equal(out, u)
    np.testing.assert_array_equal(I.to_uint8(np.array([True, False])), [255, 0])
    np.testing.assert_array_equal(I.to_uint8(np.array([65535], dtype=np.uint16)), [255])


def test_to_uint8_refuses_nan():
    with pytest.raises(ValueError, match=r"image must be finite \(no NaN or inf\); got 1 "
                                         r"non-finite value\(s\). Hint: NaN or inf cannot"):
        I.to_uint8(np.array([0.5, np.nan]))


# ---------------------------------------------------------------------------
# grayscale and channels
# ---------------------------------------------------------------------------

def test_luma_weights():
    np.testing.assert_array_equal(I.LUMA_WEIGHTS, [0.299, 0.587, 0.114])
    assert I.LUMA_WEIGHTS.sum() == pytest.approx(1.0)
    assert not I.LUMA_WEIGHTS.flags.writeable


@pytest.mark.parametrize("channel, expected", [(0, 0.299), (1, 0.587), (2, 0.114)])
def test_grayscale_of_pure_colours(channel, expected):
    img = np.zeros((2, 3, 3))
    img[:, :, channel] = 1.0
    gray = I.to_grayscale(img)
    assert gray.shape == (2, 3) and gray.dtype == np.float64
    np.testing.assert_allclose(gray, expected, rtol=1e-12)


def test_grayscale_white_and_dtypes():
    white32 = np.ones((2, 2, 3), dtype=np.float32)
    gray = I.to_grayscale(white32)
    assert gray.dtype == np.float32
    np.testing.assert_allclose(gray, 1.0, rtol=1e-6)
    red8 = np.zeros((1, 1, 3), dtype=np.uint8)
    red8[..., 0] = 255
    gray8 = I.to_grayscale(red8)
    assert gray8.dtype == np.float64 and gray8[0, 0] == pytest.approx(0.299 * 255)


def test_grayscale_passes_2d_through_and_squeezes_one_channel():
    g = np.random.default_rng(0).random((3, 4))
    assert I.to_grayscale(g) is g
    out = I.to_grayscale(g[:, :, None])
    assert out.shape == (3, 4)
    np.testing.assert_array_equal(out, g)


def test_grayscale_rgba_drops_alpha():
    rng = np.random.default_rng(1)
    rgb = rng.random((3, 4, 3))
    rgba = np.concatenate([rgb, rng.random((3, 4, 1))], axis=2)
    np.testing.assert_array_equal(I.to_grayscale(rgba), I.to_grayscale(rgb))


def test_grayscale_errors():
    with pytest.raises(ValueError, match=r"image must be an image with 1 or 3 or 4 channels "
                                         r"\(last axis\); got shape \(4, 4, 5\) \(5 channels\)"):
        I.to_grayscale(np.ones((4, 4, 5)))
    with pytest.raises(ValueError, match=r"got shape \(3, 8, 8\), which looks like \(C, H, W\)"
                                         r".* Hint: .*chw_to_hwc"):
        I.to_grayscale(np.ones((3, 8, 8)))
    with pytest.raises(ValueError, match=r"image must be 2-D or 3-D \(H, W\) or \(H, W, C\); "
                                         r"got shape \(8,\)"):
        I.to_grayscale(np.ones(8))
    with pytest.raises(TypeError, match=r"image must be a numpy array; got list"):
        I.to_grayscale([[1.0]])
    with pytest.raises(TypeError, match=r"image must be an array of real numbers; got dtype <U1"):
        I.to_grayscale(np.array([["a"]]))
    with pytest.raises(ValueError, match=r"image must be a non-empty image \(at least 1 pixel high "
                                         r"and wide, 1 channel\); "
                                         r"got shape \(0, 4, 3\)"):
        I.to_grayscale(np.ones((0, 4, 3)))


def test_split_channels():
    img = np.arange(24).reshape(2, 4, 3)
    r, g, b = I.split_channels(img)
    for c, ch in enumerate((r, g, b)):
        assert ch.shape == (2, 4) and ch.dtype == img.dtype
        np.testing.assert_array_equal(ch, img[:, :, c])
    r[0, 0] = -1
    assert img[0, 0, 0] == 0  # copies, not views


def test_split_channels_errors():
    with pytest.raises(ValueError, match=r"image must be an RGB image with 3 channels "
                                         r"\(H, W, 3\); got shape \(2, 2, 4\). Hint: drop the "
                                         r"alpha channel"):
        I.split_channels(np.ones((2, 2, 4)))
    with pytest.raises(ValueError, match=r"got shape \(3, 5, 5\). Hint: .*chw_to_hwc"):
        I.split_channels(np.ones((3, 5, 5)))
    with pytest.raises(ValueError, match=r"image must be 3-D \(H, W, 3\); got shape \(5, 5\). "
                                         r"Hint: a grayscale"):
        I.split_channels(np.ones((5, 5)))
    with pytest.raises(TypeError, match=r"image must be a numpy array; got tuple"):
        I.split_channels((1, 2, 3))


# ---------------------------------------------------------------------------
# resize and center_crop
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6, 8), (6, 8, 3), (6, 8, 1)])
def test_resize_shapes(shape):
    img = np.random.default_rng(2).random(shape)
    assert I.resize(img, 4).shape == (4, 4) + shape[2:]
    assert I.resize(img, (3, 10)).shape == (3, 10) + shape[2:]


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_resize_keeps_dtype(dtype):
    img = (np.random.default_rng(3).random((5, 7, 3)) * 200).astype(dtype)
    assert I.resize(img, (9, 4)).dtype == dtype


def test_resize_floats_are_not_clipped_or_quantised():
    img = np.full((6, 6), 3.25)
    img[:, 3:] = -2.0  # values far outside [0, 1]
    out = I.resize(img, (12, 12))
    assert out.min() == pytest.approx(-2.0) and out.max() == pytest.approx(3.25)
    np.testing.assert_allclose(I.resize(np.full((5, 7), 0.123456), (3, 2)), 0.123456,
                               rtol=1e-6)  # no 8-bit rounding


def test_resize_shrinking_averages():
    stripes = np.zeros((8, 8))
    stripes[:, ::2] = 1.0  # one-pixel stripes: a naive sample would be all 0 or all 1
    out = I.resize(stripes, (4, 4))
    np.testing.assert_allclose(out, 0.5, atol=0.15)


def test_resize_uint8_matches_rounded_float():
    img = np.random.default_rng(4).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    out = I.resize(img, (5, 4))
    ref = I.resize(img.astype(np.float64), (5, 4))
    np.testing.assert_array_equal(out, np.clip(np.rint(ref), 0, 255).astype(np.uint8))


def test_resize_same_size_keeps_values():
    img = np.random.default_rng(5).random((5, 6, 3))
    np.testing.assert_allclose(I.resize(img, (5, 6)), img, rtol=1e-6)


def test_resize_errors():
    with pytest.raises(TypeError, match=r"image must be a uint8, float32 or float64 array; "
                                        r"got dtype int64. Hint: .*to_float"):
        I.resize(np.ones((4, 4), dtype=np.int64), 2)
    with pytest.raises(TypeError, match=r"got dtype bool"):
        I.resize(np.ones((4, 4), dtype=bool), 2)
    with pytest.raises(ValueError, match=r"image must be 2-D or 3-D .*got shape \(2, 4, 4, 3\)"):
        I.resize(np.ones((2, 4, 4, 3)), 2)
    bad = np.ones((4, 4))
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"image must be finite .*Hint: NaN or inf cannot be "
                                         r"interpolated"):
        I.resize(bad, 2)


def test_center_crop():
    img = np.arange(5 * 6).reshape(5, 6)
    out = I.center_crop(img, (3, 2))
    np.testing.assert_array_equal(out, img[1:4, 2:4])
    assert I.center_crop(img, 2).shape == (2, 2)
    np.testing.assert_array_equal(I.center_crop(img, (4, 5)), img[0:4, 0:5])  # odd extra: end
    rgb = np.arange(4 * 4 * 3).reshape(4, 4, 3)
    np.testing.assert_array_equal(I.center_crop(rgb, 2), rgb[1:3, 1:3])
    out[0, 0] = -1
    assert img.min() == 0  # a copy
    assert I.center_crop(img, (5, 6)).shape == (5, 6)


def test_center_crop_too_large():
    with pytest.raises(ValueError, match=r"size must be at most the image's height and width "
                                         r"\(5, 6\); got \(6, 6\). Hint: .*resize"):
        I.center_crop(np.ones((5, 6)), 6)


# ---------------------------------------------------------------------------
# layouts
# ---------------------------------------------------------------------------

def test_hwc_to_chw_single_image():
    x = np.arange(4 * 5 * 3, dtype=np.float32).reshape(4, 5, 3)
    y = I.hwc_to_chw(x)
    assert y.shape == (3, 4, 5) and y.dtype == np.float32 and y.flags.c_contiguous
    for c in range(3):
        np.testing.assert_array_equal(y[c], x[:, :, c])
    back = I.chw_to_hwc(y)
    assert back.flags.c_contiguous
    np.testing.assert_array_equal(back, x)


def test_hwc_to_chw_batch():
    x = np.random.default_rng(6).random((2, 4, 5, 3))
    y = I.hwc_to_chw(x)
    assert y.shape == (2, 3, 4, 5) and y.flags.c_contiguous
    np.testing.assert_array_equal(y[1, 2], x[1, :, :, 2])
    np.testing.assert_array_equal(I.chw_to_hwc(y), x)


def test_gray_image_gets_a_channel_axis():
    g = np.arange(12.0).reshape(3, 4)
    y = I.hwc_to_chw(g)
    assert y.shape == (1, 3, 4)
    np.testing.assert_array_equal(y[0], g)
    assert I.chw_to_hwc(y).shape == (3, 4, 1)
    np.testing.assert_array_equal(I.chw_to_hwc(y, squeeze=True), g)


def test_squeeze_option():
    assert I.chw_to_hwc(np.ones((2, 1, 3, 4)), squeeze=True).shape == (2, 3, 4)
    assert I.chw_to_hwc(np.ones((2, 1, 3, 4))).shape == (2, 3, 4, 1)
    assert I.chw_to_hwc(np.ones((3, 5, 6)), squeeze=True).shape == (5, 6, 3)  # no-op for C > 1


def test_layout_results_are_fresh_arrays():
    x = np.ones((4, 5, 3))
    assert not np.shares_memory(I.hwc_to_chw(x), x)
    y = np.ones((3, 4, 5))
    assert not np.shares_memory(I.chw_to_hwc(y), y)


def test_layout_errors():
    with pytest.raises(ValueError, match=r"x must be 2-D or 3-D or 4-D \(H, W\), \(H, W, C\) or "
                                         r"\(N, H, W, C\); got shape \(5,\)"):
        I.hwc_to_chw(np.ones(5))
    with pytest.raises(ValueError, match=r"got shape \(1, 2, 3, 4, 5\)"):
        I.hwc_to_chw(np.ones((1, 2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"x must be 3-D or 4-D \(C, H, W\) or \(N, C, H, W\); "
                                         r"got shape \(4, 4\). Hint: a 2-D"):
        I.chw_to_hwc(np.ones((4, 4)))
    with pytest.raises(TypeError, match=r"x must be a numpy array; got list"):
        I.hwc_to_chw([[1.0]])
    with pytest.raises(TypeError, match=r"x must be a numpy array; got list"):
        I.chw_to_hwc([[[1.0]]])
    with pytest.raises(TypeError, match=r"squeeze must be True or False; got int 1"):
        I.chw_to_hwc(np.ones((1, 2, 2)), squeeze=1)
