"""The shared input checks produce the course's message pattern."""

import numpy as np
import pytest

from cnnlesson import _validate as v


def test_check_array_names_parameter_expected_and_received():
    with pytest.raises(ValueError, match=r"^x must be 4-D \(N, C, H, W\); got shape "
                       r"\(26, 26, 3\)\. Hint: add a batch axis$"):
        v.check_array(np.zeros((26, 26, 3)), "x", ndim=4, hint="add a batch axis")
    with pytest.raises(TypeError, match=r"x must be a numpy array; got list of length 2"):
        v.check_array([1, 2], "x")
    with pytest.raises(ValueError, match=r"image must be 2-D or 3-D; got shape \(1, 2, 3, 4\)"):
        v.check_array(np.zeros((1, 2, 3, 4)), "image", ndim=(2, 3))


def test_check_float_array_refuses_integers_with_a_hint():
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array; got dtype uint8\. "
                       r"Hint: convert it first, e\.g\. x\.astype\(np\.float32\) / 255"):
        v.check_float_array(np.zeros((1, 1, 2, 2), np.uint8), "x", ndim=4)
    with pytest.raises(TypeError, match="got dtype float16"):
        v.check_float_array(np.zeros(3, np.float16), "x")
    x = np.zeros(3, np.float32)
    assert v.check_float_array(x, "x") is x


def test_check_finite_counts_bad_values():
    with pytest.raises(ValueError, match=r"w must be finite \(no NaN or inf\); got 2 non-finite"):
        v.check_finite(np.array([1.0, np.nan, np.inf]), "w")


@pytest.mark.parametrize("bad, kind, text", [
    (0, ValueError, "positive integer \\(>= 1\\); got 0"),
    (2.0, TypeError, "positive integer; got float 2.0"),
    (True, TypeError, "positive integer; got bool True"),
])
def test_check_positive_int(bad, kind, text):
    with pytest.raises(kind, match=f"stride must be a {text}"):
        v.check_positive_int(bad, "stride")
    assert v.check_positive_int(np.int64(3), "stride") == 3


def test_check_nonnegative_int():
    with pytest.raises(ValueError,
                       match=r"padding must be a non-negative integer \(>= 0\); got -1"):
        v.check_nonnegative_int(-1, "padding")
    assert v.check_nonnegative_int(0, "padding") == 0


def test_check_labels():
    with pytest.raises(ValueError, match=r"class indices in \[0, 10\); got values from 0 to 10"):
        v.check_labels(np.array([0, 10]), "y", 2, 10)
    with pytest.raises(TypeError, match="integer array of class indices; got dtype float64"):
        v.check_labels(np.array([0.0, 1.0]), "y", 2, 10)
    with pytest.raises(ValueError, match=r"y must be of shape \(3,\) to match the batch"):
        v.check_labels(np.array([0, 1]), "y", 3, 10)


@pytest.mark.parametrize("shape, flagged", [
    ((3, 64, 64), True), ((1, 28, 28), True), ((4, 100, 80), True),
    ((64, 64, 3), False), ((3, 3, 3), False), ((3, 5, 3), False), ((4, 20, 3), False),
    ((3, 7, 64), False), ((3, 64, 4), False), ((64, 64), False), ((1, 3, 64, 64), False),
])
def test_check_not_chw_flags_only_likely_mixups(shape, flagged):
    x = np.zeros(shape, np.float32)
    assert v.looks_like_chw(shape) is flagged
    if flagged:
        with pytest.raises(ValueError, match=r"image must be \(H, W\) or \(H, W, C\) \(channels "
                           r"last\); got shape .*looks like \(C, H, W\).*chw_to_hwc\(image\)"):
            v.check_not_chw(x, "image")
    else:
        assert v.check_not_chw(x, "image") is None


@pytest.mark.parametrize("shape, flagged", [
    ((64, 26, 26, 3), True), ((2, 28, 28, 1), True), ((1, 24, 24, 4), True),
    ((64, 3, 26, 26), False), ((64, 12, 3, 3), False), ((2, 1, 4, 4), False),
    ((2, 6, 12, 12), False), ((5, 5, 5, 3), False), ((3, 64, 64), False),
])
def test_check_not_nhwc_flags_only_likely_mixups(shape, flagged):
    x = np.zeros(shape, np.float32)
    assert v.looks_like_nhwc(shape) is flagged
    if flagged:
        with pytest.raises(ValueError, match=r"x must be 4-D \(N, C, H, W\) \(channels first\); "
                           r"got shape .*looks like \(N, H, W, C\).*hwc_to_chw\(x\)"):
            v.check_not_nhwc(x, "x")
    else:
        assert v.check_not_nhwc(x, "x") is None


def test_check_allocation_bounds_and_reports_sizes():
    assert v.check_allocation((2, 3), np.float32, "size") == 24
    assert v.check_allocation((v.MAX_ALLOCATION_BYTES // 8,), np.float64, "n") == \
        v.MAX_ALLOCATION_BYTES
    with pytest.raises(ValueError, match=r"padding must be small enough that the result fits in "
                       r"512\.0 MiB .*got a request for an array of shape \(1, 3, 6512, 6512\) "
                       r"float64 \(970\.6 MiB\)\. Hint: check the value of padding"):
        v.check_allocation((1, 3, 6512, 6512), np.float64, "padding")
    # Python integers: a product far beyond int64 does not overflow into a small number
    with pytest.raises(ValueError, match="size must be small enough"):
        v.check_allocation((2**40, 2**40), np.float32, "size")
    with pytest.raises(ValueError, match=r"fits in 1\.0 KiB"):
        v.check_allocation((1025,), np.uint8, "n", limit=1024)
