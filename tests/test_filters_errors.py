"""Every input check of cnnlesson.filters, with its message."""

import numpy as np
import pytest

from cnnlesson import filters as F

IMG = np.ones((5, 6))


# ---------------------------------------------------------------------------
# image
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [F.correlate2d, F.convolve2d])
def test_image_must_be_an_array(fn):
    with pytest.raises(TypeError, match=r"image must be a numpy array; got list of length 2"):
        fn([[1.0, 2.0], [3.0, 4.0]], F.BOX_BLUR)


@pytest.mark.parametrize("shape", [(5,), (2, 5, 6, 3)])
def test_image_must_be_2d_or_3d(shape):
    with pytest.raises(ValueError, match=r"image must be 2-D or 3-D \(H, W\) or \(H, W, C\); "
                                         rf"got shape \({shape[0]},.*Hint: .*conv2d_forward"):
        F.correlate2d(np.ones(shape), F.BOX_BLUR)


@pytest.mark.parametrize("bad", [np.array([["a", "b"], ["c", "d"]]),
                                 np.ones((3, 3), dtype=complex),
                                 np.ones((3, 3), dtype=object)])
def test_image_must_be_real(bad):
    with pytest.raises(TypeError, match=r"image must be an array of real numbers; got dtype"):
        F.correlate2d(bad, np.ones((1, 1)))


@pytest.mark.parametrize("shape", [(0, 4), (4, 0), (3, 3, 0)])
def test_image_must_not_be_empty(shape):
    with pytest.raises(ValueError, match=r"image must be a non-empty image .*; got shape"):
        F.correlate2d(np.ones(shape), np.ones((1, 1)))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_image_must_be_finite(value):
    img = IMG.copy()
    img[1, 2] = value
    with pytest.raises(ValueError, match=r"image must be finite \(no NaN or inf\); "
                                         r"got 1 non-finite value\(s\). Hint: .*nan_to_num"):
        F.correlate2d(img, F.BOX_BLUR)


# ---------------------------------------------------------------------------
# kernel
# ---------------------------------------------------------------------------

def test_kernel_must_be_array_or_list():
    with pytest.raises(TypeError, match=r"kernel must be a 2-D numpy array or a nested list "
                                        r"of numbers; got str 'sobel'"):
        F.correlate2d(IMG, "sobel")
    with pytest.raises(TypeError, match=r"kernel must be .*; got float 3.0"):
        F.correlate2d(IMG, 3.0)


@pytest.mark.parametrize("shape", [(3,), (1, 1, 3, 3)])
def test_kernel_must_be_2d(shape):
    with pytest.raises(ValueError, match=r"kernel must be 2-D \(KH, KW\); got shape .*"
                                         r"Hint: .*\(F, C, KH, KW\)"):
        F.correlate2d(IMG, np.ones(shape))


def test_kernel_must_be_rectangular():
    with pytest.raises(ValueError, match=r"kernel must be a rectangular 2-D grid") as info:
        F.correlate2d(IMG, [[1, 2, 3], [4, 5]])
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("bad", [np.array([["a"]]), np.ones((2, 2), dtype=complex)])
def test_kernel_must_be_real(bad):
    with pytest.raises(TypeError, match=r"kernel must be an array of real numbers; got dtype"):
        F.correlate2d(IMG, bad)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_kernel_must_not_be_empty(shape):
    with pytest.raises(ValueError, match=r"kernel must be non-empty \(at least 1x1\); got shape"):
        F.convolve2d(IMG, np.ones(shape))


def test_kernel_must_be_finite():
    k = np.ones((3, 3))
    k[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"kernel must be finite \(no NaN or inf\); "
                                         r"got 1 non-finite"):
        F.correlate2d(IMG, k)


def test_kernel_larger_than_padded_image_names_both_shapes():
    with pytest.raises(ValueError, match=r"kernel must be no larger than the padded image "
                                         r"\(5, 6\) \(image shape \(5, 6\), padding='valid'\); "
                                         r"got kernel shape \(7, 2\). Hint: .*more padding"):
        F.correlate2d(IMG, np.ones((7, 2)))
    with pytest.raises(ValueError, match=r"padded image \(7, 8\) \(image shape \(5, 6, 3\), "
                                         r"padding=1\); got kernel shape \(1, 9\)"):
        F.correlate2d(np.ones((5, 6, 3)), np.ones((1, 9)), 1)


# ---------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 2), (3, 4), (4, 3)])
def test_same_padding_needs_an_odd_kernel(shape):
    with pytest.raises(ValueError, match=r'kernel must be of odd height and width for '
                                         r'padding="same"; got shape '
                                         rf'\({shape[0]}, {shape[1]}\). Hint: .*"valid"'):
        F.correlate2d(IMG, np.ones(shape), "same")


@pytest.mark.parametrize("bad", ["full", "SAME", ""])
def test_padding_string_must_be_known(bad):
    with pytest.raises(ValueError, match=r'padding must be "valid", "same" or a non-negative '
                                         rf"int; got '{bad}'. Hint:"):
        F.correlate2d(IMG, F.BOX_BLUR, bad)


@pytest.mark.parametrize("bad, shown", [(1.0, "float 1.0"), (True, "bool True"),
                                        (None, "NoneType"), ((1, 1), "tuple of length 2")])
def test_padding_type(bad, shown):
    with pytest.raises(TypeError, match=rf'padding must be "valid", "same" or a non-negative '
                                        rf"int; got {shown}"):
        F.correlate2d(IMG, F.BOX_BLUR, bad)


def test_padding_must_not_be_negative():
    with pytest.raises(ValueError, match=r"padding must be .*; got -1"):
        F.convolve2d(IMG, F.BOX_BLUR, -1)


# ---------------------------------------------------------------------------
# output_size
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n, k, err, msg", [
    (0, 3, ValueError, r"n must be a positive integer \(>= 1\); got 0"),
    (26, 0, ValueError, r"k must be a positive integer \(>= 1\); got 0"),
    (26.0, 3, TypeError, r"n must be a positive integer; got float 26.0"),
    (26, True, TypeError, r"k must be a positive integer; got bool True"),
])
def test_output_size_checks_its_numbers(n, k, err, msg):
    with pytest.raises(err, match=msg):
        F.output_size(n, k)


def test_output_size_kernel_too_large():
    with pytest.raises(ValueError, match=r"k must be at most the padded size n \+ 2p = 4; "
                                         r"got 5. Hint: the kernel does not fit"):
        F.output_size(2, 5, 1)


def test_output_size_same_needs_odd_kernel():
    with pytest.raises(ValueError, match=r'k must be odd for padding="same"; got 4'):
        F.output_size(26, 4, "same")


def test_output_size_checks_padding():
    with pytest.raises(ValueError, match=r"padding must be .*; got 'full'"):
        F.output_size(26, 3, "full")


# ---------------------------------------------------------------------------
# sobel, gradient_direction, laplacian
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [F.sobel, F.gradient_direction, F.laplacian])
def test_edge_detectors_check_the_image(fn):
    with pytest.raises(TypeError, match=r"image must be a numpy array; got list"):
        fn([[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"image must be 2-D or 3-D \(H, W\) or \(H, W, C\); "
                                         r"got shape \(1, 3, 4, 4\)"):
        fn(np.ones((1, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"image must be an image with 1 or 3 or 4 channels "
                                         r"\(last axis\); got shape \(4, 4, 5\)"):
        fn(np.ones((4, 4, 5)))
    with pytest.raises(ValueError, match=r"image must be an image with .*got shape \(3, 6, 6\)"
                                         r" \(6 channels\). Hint: .*chw_to_hwc"):
        fn(np.ones((3, 6, 6)))
    bad = np.ones((4, 4))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"image must be finite"):
        fn(bad)


def test_sobel_return_components_must_be_bool():
    with pytest.raises(TypeError, match=r"return_components must be True or False; got str"):
        F.sobel(IMG, return_components="yes")


def test_sobel_checks_padding():
    with pytest.raises(ValueError, match=r"padding must be .*; got 'full'"):
        F.sobel(IMG, padding="full")


@pytest.mark.parametrize("bad, err, msg", [
    (6, ValueError, r"neighbours must be 4 or 8; got 6. Hint:"),
    (0, ValueError, r"neighbours must be 4 or 8; got 0"),
    (8.0, TypeError, r"neighbours must be the int 4 or 8; got float 8.0"),
    (True, TypeError, r"neighbours must be the int 4 or 8; got bool True"),
    ("8", TypeError, r"neighbours must be the int 4 or 8; got str '8'"),
])
def test_laplacian_neighbours(bad, err, msg):
    with pytest.raises(err, match=msg):
        F.laplacian(IMG, neighbours=bad)
