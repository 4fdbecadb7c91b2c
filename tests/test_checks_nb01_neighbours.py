"""Exercise 1.4 (right minus left, and where it peaks on a line): every right form passes, each
usual slip fails with its own hint, nothing raises."""

import numpy as np
import pytest
from check_helpers import fails, run_quietly

from cnnlesson import checks, filters
from cnnlesson.checks.nb01_filtering import LINE_LARGEST, LINE_SMALLEST, RIGHT_MINUS_LEFT

K = [[0, 0, 0], [-1, 0, 1], [0, 0, 0]]


def test_the_answers_are_what_the_filter_computes():
    out = filters.correlate2d(checks.LINE_IMAGE, RIGHT_MINUS_LEFT)
    assert int(np.argmax(out[0])) == LINE_LARGEST == 3
    assert int(np.argmin(out[0])) == LINE_SMALLEST == 5
    rng = np.random.default_rng(0)
    image = rng.normal(size=(6, 7))
    assert np.allclose(filters.correlate2d(image, RIGHT_MINUS_LEFT),
                       image[1:-1, 2:] - image[1:-1, :-2])


@pytest.mark.parametrize("kernel, big, small", [
    (K, 3, 5), (np.array(K), np.int64(3), np.array(5)), (np.array(K, dtype=np.float32), 3, 5),
    (tuple(map(tuple, K)), np.array([3])[0], np.uint8(5)), (np.array(K) + 0.0, 3, 5),
])
def test_every_right_form_passes(kernel, big, small):
    result, out, records = run_quietly(checks.right_minus_left, kernel, big, small)
    assert result.passed, out
    assert out.startswith("PASS Exercise 1.4: a kernel that compares neighbours")
    assert records[0]["id"] == "1.4"


@pytest.mark.parametrize("kernel, hint", [
    ([[0, 0, 0], [1, 0, -1], [0, 0, 0]], "left minus right"),
    ([[-1, 0, 1], [0, 0, 0], [0, 0, 0]], "top row"),
    ([[0, 0, 0], [0, 0, 0], [-1, 0, 1]], "bottom row"),
    ([[0, -1, 0], [0, 0, 0], [0, 1, 0]], "vertical difference"),
    ([[0, 1, 0], [0, 0, 0], [0, -1, 0]], "vertical difference"),
    ([[0, 0, 0], [-0.5, 0, 0.5], [0, 0, 0]], "half the difference"),
    ([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "Sobel x"),
    ([[0, 0, 0], [0, -1, 1], [0, 0, 0]], "minus the CENTRE"),
    ([[0, 0, 0], [-1, 1, 0], [0, 0, 0]], "centre minus the left"),
    ([[0, 0, 0], [-1, 2, 1], [0, 0, 0]], "centre weight should be 0"),
    ([[1, 0, 0], [-1, 0, 1], [0, 0, 0]], r"I\[i, j\] = i"),
    ([[-1, 1]], r"3x3"),
    (np.zeros((5, 5)), r"3x3"),
])
def test_kernel_slips_get_their_hint(kernel, hint):
    with fails(hint):
        checks.right_minus_left(kernel, 3, 5)


@pytest.mark.parametrize("big, small, hint", [
    (4, 5, "Image column 4 is the centre"),
    (5, 5, "both neighbours are dark"),
    (6, 4, "numbered 0 to 5 .*centred on image column j \\+ 1"),
    (2, 5, "centre is image column j \\+ 1"),
    (0, 5, "Find the centre column"),
    (3, 6, "numbered 0 to 5"),
    (3, 4, "most negative where the LEFT"),
    (3, 3, "That is where the output is largest"),
    (3, 0, "Find the centre column whose LEFT"),
    (1, 5, "Find the centre column whose right neighbour"),
    (7, 5, "numbered 0 to 5"),
    (-1, 5, "numbered 0 to 5"),
    (3.0, 5, "a float"),
    ("3", 5, "without quotes"),
    (3, 5.5, "whole number"),
])
def test_column_slips_get_their_hint(big, small, hint):
    with fails(hint):
        checks.right_minus_left(K, big, small)


def test_not_attempted_names_the_answer():
    result, out, _ = run_quietly(checks.right_minus_left, K, ..., 5)
    assert result.status == "not_attempted" and "`largest_column` is still `...`" in out
    result, out, _ = run_quietly(checks.right_minus_left, ..., ..., ...)
    assert result.status == "not_attempted"


def test_the_line_image_is_read_only():
    with pytest.raises(ValueError):
        checks.LINE_IMAGE[0, 0] = 1.0
