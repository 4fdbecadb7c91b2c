"""Exercises 2.1-2.3 of notebook 02: convolution from correlate2d and a flip, the
flip-invariant kernels, and a geometry that maps 26 to 13 (several right answers)."""

import numpy as np
import pytest
from check_helpers import errors, fails, run_quietly

from cnnlesson import checks, filters
from cnnlesson.checks.nb02_convolution import flip_invariant_truth, geometry_story
from cnnlesson.functional import conv_output_size

# ---------------------------------------------------------------------------
# Exercise 2.1
# ---------------------------------------------------------------------------


def my_convolve2d(image, kernel):
    return filters.correlate2d(image, kernel[::-1, ::-1])


@pytest.mark.parametrize("fn", [
    my_convolve2d,
    lambda i, k: filters.correlate2d(i, np.flip(k)),
    lambda i, k: filters.correlate2d(i, np.rot90(k, 2)),
    lambda i, k: filters.correlate2d(i, np.flipud(np.fliplr(k))).tolist(),
    lambda i, k: filters.correlate2d(i, k[::-1, ::-1]).astype(np.float32),
    # flipping the image and the result instead of the kernel is the same convolution
    lambda i, k: filters.correlate2d(i[::-1, ::-1].copy(), k)[::-1, ::-1],
])
def test_every_right_flip_passes(fn):
    result, out, records = run_quietly(checks.convolve_by_flip, fn)
    assert result.passed, out
    assert records[0]["id"] == "2.1" and records[0]["notebook"] == "02_convolution"


@pytest.mark.parametrize("fn, hint", [
    (lambda i, k: filters.correlate2d(i, k), "the flip is missing"),
    (lambda i, k: filters.correlate2d(i, k[::-1]), "only the rows"),
    (lambda i, k: filters.correlate2d(i, k[:, ::-1]), "only the columns"),
    (lambda i, k: filters.correlate2d(i, k.T), "transposed"),
    (lambda i, k: filters.correlate2d(i, np.rot90(k)), "only 90 degrees"),
    (lambda i, k: filters.correlate2d(i, np.rot90(k, -1)), "by 90 degrees"),
    (lambda i, k: filters.correlate2d(i[::-1, ::-1].copy(), k), "flipped the image"),
    (lambda i, k: filters.convolve2d(i, k), "calls filters.convolve2d"),
    (lambda i, k: filters.correlate2d(i, k[::-1, ::-1], padding="same"), "shape"),
    (lambda i, k: None, "None"),
])
def test_flip_slips_get_their_hint(fn, hint):
    with fails(hint):
        checks.convolve_by_flip(fn)
    assert filters.convolve2d.__name__ == "convolve2d"  # the spy is always removed


def test_flip_changing_the_kernel_in_place_fails():
    def in_place(image, kernel):
        kernel[:] = kernel[::-1, ::-1].copy()
        return filters.correlate2d(image, kernel)

    with fails("changed its inputs"):
        checks.convolve_by_flip(in_place)


def test_flip_learner_error_and_stub():
    def broken(image, kernel):
        return filters.correlate2d(image, kernel[::-1, ::-1], padding="nope")

    with errors("ValueError"):
        checks.convolve_by_flip(broken)
    result, out, _ = run_quietly(checks.convolve_by_flip, ...)
    assert result.status == "not_attempted"

# ---------------------------------------------------------------------------
# Exercise 2.2
# ---------------------------------------------------------------------------


TRUTH = {"identity", "box blur", "gaussian blur", "sharpen", "laplacian",
         "laplacian (4-neighbour)"}


def test_the_truth_is_computed_with_np_flip():
    assert flip_invariant_truth() == TRUTH
    assert set(filters.KERNELS) - TRUTH == {"sobel x", "sobel y"}


@pytest.mark.parametrize("names", [
    TRUTH, frozenset(TRUTH), sorted(TRUTH), tuple(TRUTH),
    {"IDENTITY", "BOX_BLUR", "GAUSSIAN_BLUR", "SHARPEN", "LAPLACIAN", "LAPLACIAN_4"},
    ["identity", "box_blur", "Gaussian Blur", "sharpen", "laplacian", "laplacian_4", "sharpen"],
    np.array(sorted(TRUTH)),
    {n for n, k in filters.KERNELS.items() if np.array_equal(np.flip(k), k)},
])
def test_every_right_set_passes(names):
    result, out, _ = run_quietly(checks.flip_invariant_kernels, names)
    assert result.passed, out


@pytest.mark.parametrize("names, hint", [
    (TRUTH | {"sobel x"}, "SOBEL_X flipped is -SOBEL_X"),
    (TRUTH | {"SOBEL_Y"}, "SOBEL_Y flipped is -SOBEL_Y"),
    (set(filters.KERNELS), "SOBEL_X flipped"),
    (TRUTH - {"laplacian"}, "'laplacian' is missing"),
    (TRUTH - {"box blur"}, "'box blur' is missing: every entry"),
    (TRUTH - {"identity", "sharpen"}, r"missing \(2 flip-invariant"),
    ({"sobel x", "sobel y"}, "SOBEL_X"),
    (set(), "empty"),
    ([], "empty"),
    ({"emboss"}, "not one of the named kernels"),
    ({"box blur", 3}, "kernel's name"),
    ("box blur", "one string"),
    (None, "None"),
    ({"box blur": 1}, "dict"),
    (3, "set of kernel names"),
    (np.array([1.0, 2.0]), "kernel's name"),
])
def test_flip_invariant_slips_get_their_hint(names, hint):
    with fails(hint):
        checks.flip_invariant_kernels(names)


def test_flip_invariant_not_attempted():
    result, out, _ = run_quietly(checks.flip_invariant_kernels, ...)
    assert result.status == "not_attempted" and "`names` is still `...`" in out

# ---------------------------------------------------------------------------
# Exercise 2.3
# ---------------------------------------------------------------------------


RIGHT_GEOMETRIES = [(k, s, p) for k in range(1, 30) for s in range(1, 6) for p in range(0, 8)
                    if k <= 26 + 2 * p and conv_output_size(26, k, s, p) == 13 and p < k
                    and s * 12 < 26 + p]


def test_several_geometries_are_right():
    assert {(2, 2, 0), (3, 2, 1), (4, 2, 1), (1, 2, 0), (14, 1, 0), (5, 2, 2)} <= set(
        RIGHT_GEOMETRIES)


@pytest.mark.parametrize("k, s, p", RIGHT_GEOMETRIES)
def test_every_right_geometry_passes_with_its_reason(k, s, p):
    result, out, _ = run_quietly(checks.choose_geometry, k, s, p)
    assert result.passed, out
    assert "13 of them" in out and f"k={k}, s={s}, p={p} works" in out


@pytest.mark.parametrize("args, reason", [
    ((2, 2, 0), "start at 0, 2, ..., 24 in the 26-pixel input: 13 of them"),
    ((3, 2, 1), "start at 0, 2, ..., 24 in the padded 28-pixel input"),
    ((2, 2, 0), "tile the image exactly"),
    ((1, 2, 0), "never seen"),
    ((np.int64(4), np.array(2), np.array([1])[0]), "13 of them"),
])
def test_right_answers_say_why(args, reason):
    result, out, _ = run_quietly(checks.choose_geometry, *args)
    assert result.passed and reason in out, out


@pytest.mark.parametrize("args, hint", [
    ((3, 2, 0), r"gives 12, not 13: windows of 3 start at 0, 2, ..., 22.*pad by 1"),
    ((2, 2, 1), r"gives 14, not 13.*one window too many"),
    ((3, 1, 1), r"gives 26.*stride 2 halves"),
    ((3, 1, 0), r"gives 24"),
    ((5, 2, 0), r"gives 11"),
    ((3, 3, 7), "entirely in the zeros"),
    ((2, 3, 6), "entirely in the zeros"),
    ((27, 1, 0), "does not fit"),
    ((0, 2, 0), "at least 1 pixel"),
    ((3, 0, 1), "stride >= 1"),
    ((3, 2, -1), "0 or more"),
    ((3.0, 2, 1), "a float"),
    (("3", 2, 1), "without quotes"),
    ((3, 2, 1.5), "whole number"),
    ((10 ** 100, 2, 0), "does not fit"),
    ((3, 10 ** 100, 1), "gives 1, not 13"),
])
def test_wrong_geometries_say_what_they_give(args, hint):
    with fails(hint):
        checks.choose_geometry(*args)


def test_geometry_story_matches_the_formula():
    for k, s, p in [(3, 2, 1), (2, 2, 0), (7, 3, 2), (1, 1, 0)]:
        n_out = conv_output_size(26, k, s, p)
        assert f": {n_out} of them" in geometry_story(26, k, s, p)


def test_geometry_not_attempted():
    result, out, _ = run_quietly(checks.choose_geometry, 3, ..., 1)
    assert result.status == "not_attempted" and "`stride` is still `...`" in out
