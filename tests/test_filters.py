"""Tests for cnnlesson.filters on images whose filtered result is known by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import filters as F
from cnnlesson.images import to_grayscale


def reference_correlate(image, kernel, padding):
    """Plain loops, written from the definition, independent of the package."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    if padding == "valid":
        ph = pw = 0
    elif padding == "same":
        ph, pw = (kh - 1) // 2, (kw - 1) // 2
    else:
        ph = pw = padding
    h, w = image.shape[:2]
    padded = np.zeros((h + 2 * ph, w + 2 * pw) + image.shape[2:])
    padded[ph:ph + h, pw:pw + w] = image
    out = np.zeros((h + 2 * ph - kh + 1, w + 2 * pw - kw + 1) + image.shape[2:])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = np.zeros(image.shape[2:])
            for a in range(kh):
                for b in range(kw):
                    total = total + kernel[a, b] * padded[i + a, j + b]
            out[i, j] = total
    return out


def vertical_step(h=5, w=6, left=0.0, right=1.0):
    """Left half ``left``, right half ``right``."""
    img = np.full((h, w), left)
    img[:, w // 2:] = right
    return img


# ---------------------------------------------------------------------------
# the named kernels
# ---------------------------------------------------------------------------

def test_kernels_dict_names_in_teaching_order():
    assert list(F.KERNELS) == ["identity", "box blur", "gaussian blur", "sharpen", "laplacian",
                               "laplacian (4-neighbour)", "sobel x", "sobel y"]
    assert F.KERNELS["laplacian"] is F.LAPLACIAN
    assert F.KERNELS["sobel y"] is F.SOBEL_Y


def test_kernel_values_as_documented():
    np.testing.assert_array_equal(F.LAPLACIAN, [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(F.LAPLACIAN_4, [[0, -1, 0], [-1, 4, -1], [0, -1, 0]])
    np.testing.assert_array_equal(F.SOBEL_X, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(F.SOBEL_Y, [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    np.testing.assert_array_equal(F.BOX_BLUR * 9, np.ones((3, 3)))
    np.testing.assert_array_equal(F.GAUSSIAN_BLUR * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(F.SHARPEN, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(F.IDENTITY, [[0, 0, 0], [0, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("name", list(F.KERNELS))
def test_kernels_are_read_only_float64(name):
    k = F.KERNELS[name]
    assert k.dtype == np.float64 and k.shape == (3, 3)
    with pytest.raises(ValueError, match="read-only"):
        k[1, 1] = 0.0


def test_kernel_sums():
    for k in (F.IDENTITY, F.BOX_BLUR, F.GAUSSIAN_BLUR, F.SHARPEN):
        assert k.sum() == pytest.approx(1.0)  # flat regions keep their brightness
    for k in (F.LAPLACIAN, F.LAPLACIAN_4, F.SOBEL_X, F.SOBEL_Y):
        assert k.sum() == 0.0  # flat regions give 0


def test_sharpen_is_identity_plus_laplacian_4():
    np.testing.assert_array_equal(F.SHARPEN, F.IDENTITY + F.LAPLACIAN_4)
    rng = np.random.default_rng(0)
    img = rng.random((7, 8))
    np.testing.assert_allclose(F.correlate2d(img, F.SHARPEN, "same"),
                               img + F.laplacian(img, neighbours=4), atol=1e-12)


# ---------------------------------------------------------------------------
# Sobel on step edges
# ---------------------------------------------------------------------------

def test_vertical_step_sobel_x_is_4_on_the_edge_columns():
    img = vertical_step()  # columns 0-2 are 0, columns 3-5 are 1
    expected = np.array([[0.0, 4.0, 4.0, 0.0]] * 3)
    np.testing.assert_array_equal(F.correlate2d(img, F.SOBEL_X), expected)
    np.testing.assert_array_equal(F.correlate2d(img, F.SOBEL_Y), np.zeros((3, 4)))


def test_horizontal_step_is_the_mirror_case():
    img = vertical_step().T  # rows 0-2 are 0, rows 3-5 are 1 (brighter downward)
    expected = np.array([[0.0, 0.0, 0.0], [4.0, 4.0, 4.0], [4.0, 4.0, 4.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(F.correlate2d(img, F.SOBEL_Y), expected)
    np.testing.assert_array_equal(F.correlate2d(img, F.SOBEL_X), np.zeros((4, 3)))


def test_flipping_the_step_flips_the_sign():
    dark_right = vertical_step(left=1.0, right=0.0)
    np.testing.assert_array_equal(F.correlate2d(dark_right, F.SOBEL_X),
                                  np.array([[0.0, -4.0, -4.0, 0.0]] * 3))
    dark_below = dark_right.T
    np.testing.assert_array_equal(F.correlate2d(dark_below, F.SOBEL_Y),
                                  np.array([[0.0] * 3, [-4.0] * 3, [-4.0] * 3, [0.0] * 3]))


def test_sobel_magnitude_and_components():
    img = vertical_step()
    res = F.sobel(img, padding="valid", return_components=True)
    assert isinstance(res, F.SobelResult)
    np.testing.assert_array_equal(res.gx, [[0.0, 4.0, 4.0, 0.0]] * 3)
    np.testing.assert_array_equal(res.gy, np.zeros((3, 4)))
    np.testing.assert_array_equal(res.magnitude, [[0.0, 4.0, 4.0, 0.0]] * 3)
    # the magnitude alone (the default) is the same array as the first component
    np.testing.assert_array_equal(F.sobel(img, padding="valid"), res.magnitude)
    assert not isinstance(F.sobel(img, padding="valid"), tuple)


def test_sobel_magnitude_is_hypot_of_components():
    rng = np.random.default_rng(1)
    img = rng.random((9, 7))
    mag, gx, gy = F.sobel(img, return_components=True)
    np.testing.assert_allclose(gx, F.correlate2d(img, F.SOBEL_X, "same"))
    np.testing.assert_allclose(gy, F.correlate2d(img, F.SOBEL_Y, "same"))
    np.testing.assert_allclose(mag, np.sqrt(gx**2 + gy**2))
    diagonal = np.add.outer(np.arange(6.0), np.arange(6.0))  # brighter down and right
    mag, gx, gy = F.sobel(diagonal, padding="valid", return_components=True)
    np.testing.assert_allclose(gx, 8.0)
    np.testing.assert_allclose(gy, 8.0)
    np.testing.assert_allclose(mag, 8.0 * np.sqrt(2.0))


def test_sobel_padding_option_changes_the_output():
    img = vertical_step()
    same = F.sobel(img)  # default "same"
    valid = F.sobel(img, padding="valid")
    assert same.shape == (5, 6) and valid.shape == (3, 4)
    np.testing.assert_array_equal(same[1:-1, 1:-1], valid)
    # zero padding makes the bright right border look like an edge too
    assert same[2, 5] > 0


def test_sobel_on_colour_uses_grayscale():
    rng = np.random.default_rng(2)
    rgb = rng.random((6, 7, 3))
    np.testing.assert_allclose(F.sobel(rgb), F.sobel(to_grayscale(rgb)))
    rgba = np.concatenate([rgb, rng.random((6, 7, 1))], axis=2)
    np.testing.assert_allclose(F.sobel(rgba), F.sobel(rgb))  # alpha is ignored


def test_gradient_direction_points_to_brighter_side():
    right = F.gradient_direction(vertical_step(), padding="valid")
    np.testing.assert_allclose(right[:, 1:3], 0.0)
    down = F.gradient_direction(vertical_step().T, padding="valid")
    np.testing.assert_allclose(down[1:3, :], np.pi / 2)
    left = F.gradient_direction(vertical_step(left=1.0, right=0.0), padding="valid")
    np.testing.assert_allclose(left[:, 1:3], np.pi)
    up = F.gradient_direction(vertical_step(left=1.0, right=0.0).T, padding="valid")
    np.testing.assert_allclose(up[1:3, :], -np.pi / 2)
    assert F.gradient_direction(vertical_step()).shape == (5, 6)


# ---------------------------------------------------------------------------
# Laplacian
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("neighbours", [4, 8])
def test_laplacian_of_constant_and_ramps_is_zero(neighbours):
    np.testing.assert_array_equal(
        F.laplacian(np.full((5, 6), 0.7), padding="valid", neighbours=neighbours),
        np.zeros((3, 4)))
    i, j = np.mgrid[0:6, 0:7].astype(np.float64)
    for ramp in (i, j, 2.0 * i - 3.0 * j + 1.0):
        np.testing.assert_allclose(
            F.laplacian(ramp, padding="valid", neighbours=neighbours), np.zeros((4, 5)),
            atol=1e-12)


def small_square():
    img = np.zeros((7, 7))
    img[2:5, 2:5] = 1.0
    return img


def test_laplacian_8_of_a_small_square():
    expected = np.array([
        [-1, -2, -3, -2, -1],
        [-2, 5, 3, 5, -2],
        [-3, 3, 0, 3, -3],
        [-2, 5, 3, 5, -2],
        [-1, -2, -3, -2, -1],
    ], dtype=np.float64)
    np.testing.assert_array_equal(F.laplacian(small_square(), padding="valid"), expected)
    np.testing.assert_array_equal(F.correlate2d(small_square(), F.LAPLACIAN), expected)


def test_laplacian_4_of_a_small_square():
    expected = np.array([
        [0, -1, -1, -1, 0],
        [-1, 2, 1, 2, -1],
        [-1, 1, 0, 1, -1],
        [-1, 2, 1, 2, -1],
        [0, -1, -1, -1, 0],
    ], dtype=np.float64)
    np.testing.assert_array_equal(
        F.laplacian(small_square(), padding="valid", neighbours=4), expected)


def test_laplacian_options_change_the_output():
    img = small_square()
    default = F.laplacian(img)
    assert default.shape == (7, 7)  # "same" by default
    np.testing.assert_array_equal(default, F.laplacian(img, padding="same", neighbours=8))
    assert not np.array_equal(default, F.laplacian(img, neighbours=4))
    assert F.laplacian(img, padding=2).shape == (9, 9)


def test_laplacian_on_colour_uses_grayscale():
    rgb = np.zeros((7, 7, 3))
    rgb[2:5, 2:5] = 1.0
    np.testing.assert_allclose(F.laplacian(rgb), F.laplacian(small_square()), atol=1e-12)


# ---------------------------------------------------------------------------
# identity and blurs
# ---------------------------------------------------------------------------

def test_identity_returns_the_image():
    rng = np.random.default_rng(3)
    img = rng.random((6, 5))
    np.testing.assert_array_equal(F.correlate2d(img, F.IDENTITY, "same"), img)
    np.testing.assert_array_equal(F.correlate2d(img, F.IDENTITY), img[1:-1, 1:-1])
    rgb = rng.random((6, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(F.correlate2d(rgb, F.IDENTITY, "same"), rgb)


@pytest.mark.parametrize("kernel", [F.BOX_BLUR, F.GAUSSIAN_BLUR, F.SHARPEN])
def test_constant_image_is_unchanged_by_weights_summing_to_one(kernel):
    np.testing.assert_allclose(F.correlate2d(np.full((5, 6), 0.4), kernel), 0.4, rtol=1e-12)


@pytest.mark.parametrize("kernel", [F.BOX_BLUR, F.GAUSSIAN_BLUR])
def test_blurs_preserve_the_mean(kernel):
    rng = np.random.default_rng(4)
    img = np.zeros((10, 12))
    img[1:-1, 1:-1] = rng.random((8, 10))  # a zero border: nothing is lost at the edges
    out = F.correlate2d(img, kernel, "same")
    assert out.mean() == pytest.approx(img.mean(), rel=1e-12)
    # and a blur never leaves the range of its input
    assert out.min() >= 0.0 and out.max() <= img.max()


def test_box_blur_averages_the_neighbourhood():
    img = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(F.correlate2d(img, F.BOX_BLUR),
                               [[img[:, 0:3].mean(), img[:, 1:4].mean()]])


# ---------------------------------------------------------------------------
# convolution versus correlation
# ---------------------------------------------------------------------------

def test_convolve_is_correlate_with_flipped_kernel():
    rng = np.random.default_rng(5)
    img = rng.random((8, 9))
    k = rng.standard_normal((3, 2))
    for padding in ("valid", 1):
        np.testing.assert_allclose(F.convolve2d(img, k, padding),
                                   F.correlate2d(img, k[::-1, ::-1], padding))
    assert not np.allclose(F.convolve2d(img, k), F.correlate2d(img, k))


@pytest.mark.parametrize("kernel", [F.LAPLACIAN, F.LAPLACIAN_4, F.BOX_BLUR, F.GAUSSIAN_BLUR,
                                    F.SHARPEN, F.IDENTITY])
def test_convolve_and_correlate_agree_for_symmetric_kernels(kernel):
    rng = np.random.default_rng(6)
    img = rng.random((7, 6))
    np.testing.assert_allclose(F.convolve2d(img, kernel, "same"),
                               F.correlate2d(img, kernel, "same"))


@pytest.mark.parametrize("kernel", [F.SOBEL_X, F.SOBEL_Y])
def test_convolve_flips_the_sign_of_sobel(kernel):
    rng = np.random.default_rng(7)
    img = rng.random((7, 6))
    np.testing.assert_allclose(F.convolve2d(img, kernel), -F.correlate2d(img, kernel))


def test_impulse_shows_the_flip():
    impulse = np.zeros((5, 5))
    impulse[2, 2] = 1.0
    k = np.arange(1.0, 10.0).reshape(3, 3)
    # convolution copies the kernel onto the impulse; correlation copies it rotated 180 degrees
    np.testing.assert_array_equal(F.convolve2d(impulse, k, "same")[1:4, 1:4], k)
    np.testing.assert_array_equal(F.correlate2d(impulse, k, "same")[1:4, 1:4], k[::-1, ::-1])


# ---------------------------------------------------------------------------
# against the loop reference
# ---------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), h=st.integers(1, 8), w=st.integers(1, 8),
       channels=st.sampled_from([None, 1, 3]), kh=st.integers(1, 4), kw=st.integers(1, 4),
       padding=st.sampled_from(["valid", "same", 0, 1, 2]))
def test_matches_loop_reference(seed, h, w, channels, kh, kw, padding):
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels is None else (h, w, channels)
    img = rng.standard_normal(shape)
    kernel = rng.standard_normal((kh, kw))
    if padding == "same" and (kh % 2 == 0 or kw % 2 == 0):
        with pytest.raises(ValueError, match="odd height and width"):
            F.correlate2d(img, kernel, padding)
        return
    if padding == "same":
        ph, pw = (kh - 1) // 2, (kw - 1) // 2
    else:
        ph = pw = 0 if padding == "valid" else padding
    if h + 2 * ph < kh or w + 2 * pw < kw:
        with pytest.raises(ValueError, match="no larger than the padded image"):
            F.correlate2d(img, kernel, padding)
        return
    expected = reference_correlate(img, kernel, padding)
    out = F.correlate2d(img, kernel, padding)
    assert out.shape == expected.shape
    assert out.shape[:2] == (F.output_size(h, kh, padding), F.output_size(w, kw, padding))
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(F.convolve2d(img, kernel, padding),
                               reference_correlate(img, kernel[::-1, ::-1], padding),
                               rtol=1e-10, atol=1e-12)
    out32 = F.correlate2d(img.astype(np.float32), kernel, padding)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, expected, rtol=1e-4, atol=1e-4)


def test_colour_is_filtered_per_channel():
    rng = np.random.default_rng(8)
    rgb = rng.random((6, 7, 3))
    out = F.correlate2d(rgb, F.SOBEL_X, 1)
    assert out.shape == (6, 7, 3)
    for c in range(3):
        np.testing.assert_allclose(out[:, :, c], F.correlate2d(rgb[:, :, c], F.SOBEL_X, 1))


# ---------------------------------------------------------------------------
# sizes and padding
# ---------------------------------------------------------------------------

def test_output_size_formula():
    assert F.output_size(26, 3) == 24
    assert F.output_size(26, 3, "valid") == 24
    assert F.output_size(26, 3, "same") == 26
    assert F.output_size(26, 5, "same") == 26
    assert F.output_size(26, 3, 0) == 24
    assert F.output_size(26, 3, 2) == 28
    assert F.output_size(26, 4, 1) == 25
    assert F.output_size(3, 3) == 1
    assert F.output_size(1, 3, 1) == 1


def test_padding_modes_change_the_output_size():
    img = np.ones((26, 26))
    assert F.correlate2d(img, F.BOX_BLUR).shape == (24, 24)
    assert F.correlate2d(img, F.BOX_BLUR, "valid").shape == (24, 24)
    assert F.correlate2d(img, F.BOX_BLUR, "same").shape == (26, 26)
    assert F.correlate2d(img, F.BOX_BLUR, 0).shape == (24, 24)
    assert F.correlate2d(img, F.BOX_BLUR, 2).shape == (28, 28)
    assert F.correlate2d(np.ones((26, 20, 3)), np.ones((5, 2)), 1).shape == (24, 21, 3)


def test_same_padding_with_non_square_odd_kernel():
    img = np.ones((4, 6))
    out = F.correlate2d(img, np.ones((1, 3)), "same")
    assert out.shape == (4, 6)
    np.testing.assert_array_equal(out[:, 0], 2.0)  # one zero column on the left
    np.testing.assert_array_equal(out[:, 1:-1], 3.0)
    np.testing.assert_array_equal(out[:, -1], 2.0)


def test_int_padding_adds_zeros_on_every_side():
    out = F.correlate2d(np.ones((2, 2)), np.ones((1, 1)), 1)
    np.testing.assert_array_equal(out, [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]])
    assert F.correlate2d(np.ones((2, 2)), np.ones((1, 1)), np.int64(2)).shape == (6, 6)


def test_small_image_fits_once_padded():
    # a 2x2 image cannot take a 3x3 kernel without padding, but can with "same"
    out = F.correlate2d(np.ones((2, 2)), F.BOX_BLUR, "same")
    np.testing.assert_allclose(out, np.full((2, 2), 4 / 9))


# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------

def test_uint8_is_not_rescaled_and_does_not_overflow():
    u = np.zeros((5, 5), dtype=np.uint8)
    u[2, 2] = 255
    out = F.laplacian(u)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, F.laplacian(u.astype(np.float64)))
    assert out[2, 2] == 8 * 255 == 2040  # would wrap around in uint8 arithmetic
    assert out[1, 1] == -255.0
    full = np.full((4, 4), 255, dtype=np.uint8)
    np.testing.assert_array_equal(F.correlate2d(full, F.LAPLACIAN), np.zeros((2, 2)))
    np.testing.assert_array_equal(F.correlate2d(full, np.ones((3, 3))), np.full((2, 2), 2295.0))


@pytest.mark.parametrize("dtype, expected", [
    (np.float32, np.float32), (np.float64, np.float64), (np.float16, np.float32),
    (np.uint8, np.float64), (np.int16, np.float64), (np.int64, np.float64),
    (np.bool_, np.float64),
])
def test_output_dtype_rules(dtype, expected):
    img = (np.arange(20).reshape(4, 5) % 2).astype(dtype)
    for fn in (F.correlate2d, F.convolve2d):
        out = fn(img, F.SOBEL_X)
        assert out.dtype == expected
        np.testing.assert_allclose(out, reference_correlate(img.astype(np.float64),
                                                            F.SOBEL_X if fn is F.correlate2d
                                                            else F.SOBEL_X[::-1, ::-1],
                                                            "valid"))
    assert F.sobel(img).dtype == expected
    assert F.laplacian(img).dtype == expected


def test_uint8_colour_sobel_keeps_the_value_scale():
    rgb = np.zeros((5, 6, 3), dtype=np.uint8)
    rgb[:, 3:] = 255
    gx = F.sobel(rgb, padding="valid", return_components=True).gx
    assert gx.dtype == np.float64
    np.testing.assert_allclose(gx, [[0.0, 4 * 255.0, 4 * 255.0, 0.0]] * 3)


def test_kernel_from_nested_lists_and_integers():
    img = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(F.correlate2d(img, [[1, -1]]), img[:, :-1] - img[:, 1:])
    np.testing.assert_array_equal(F.correlate2d(img, np.array([[2]], dtype=np.int8)), 2 * img)


def test_inputs_and_kernels_are_not_modified():
    rng = np.random.default_rng(9)
    img = rng.random((5, 5))
    before = img.copy()
    k = rng.random((3, 3))
    k_before = k.copy()
    F.correlate2d(img, k, "same")
    F.convolve2d(img, k, 2)
    F.sobel(img)
    np.testing.assert_array_equal(img, before)
    np.testing.assert_array_equal(k, k_before)


def test_output_is_a_fresh_contiguous_array():
    img = np.ones((6, 6, 3))
    out = F.correlate2d(img, F.IDENTITY, "same")
    assert out.flags.c_contiguous and out.flags.writeable
    assert not np.shares_memory(out, img)
