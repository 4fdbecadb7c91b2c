"""The exercise checkers of notebook 01_filtering: they pass right answers, catch the usual
mistakes with a hint that names them, and report unattempted student stubs."""

import numpy as np
import pytest
from check_helpers import errors, fails
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cnnlesson import checks, filters

# ---------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------

SMALL = np.array([[3, 0, 1, 2, 7, 4],
                  [1, 5, 8, 9, 3, 1],
                  [2, 7, 2, 5, 1, 3],
                  [0, 1, 3, 1, 7, 8],
                  [4, 2, 1, 6, 2, 8],
                  [2, 4, 5, 2, 3, 9]], dtype=float)
KERNEL = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)


def stub(*args):
    raise NotImplementedError("Exercise: write your answer here")


def loops(image, kernel):
    """The reference answer to Exercise 1.2."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def assert_not_attempted(capsys, result, title="Exercise 1."):
    assert result.passed is False
    assert capsys.readouterr().out.startswith(f"[not attempted yet] {title}")


# ---------------------------------------------------------------------------
# Exercise 1.1: one output pixel
# ---------------------------------------------------------------------------

def test_output_pixel_passes_the_weighted_sum(capsys):
    value = np.sum(SMALL[1:4, 2:5] * KERNEL)
    assert checks.output_pixel(value, SMALL, KERNEL, row=1, col=2).passed is True
    assert capsys.readouterr().out == (
        f"PASS Exercise 1.1: one output pixel by hand: output[1, 2] = {value:g}\n")


def test_output_pixel_accepts_an_int_and_a_numpy_scalar():
    value = filters.correlate2d(SMALL, KERNEL)[1, 2]
    assert checks.output_pixel(int(value), SMALL, KERNEL, 1, 2)
    assert checks.output_pixel(np.float32(value), SMALL, KERNEL, 1, 2)


@pytest.mark.parametrize(("wrong", "hint"), [
    (np.sum(SMALL[1:4, 2:5] * KERNEL[::-1, ::-1]), "flipped the kernel: that is convolution"),
    (np.sum(SMALL[0:3, 1:4] * KERNEL), r"centred the window on image\[1, 2\]"),
    (np.sum(SMALL[2:5, 1:4] * KERNEL), "swapped row and column"),
    (np.sum(SMALL[1:4, 2:5]) * np.sum(KERNEL) + 1.0, "not the weighted sum of the window"),
])
def test_output_pixel_names_the_mistake(wrong, hint):
    with fails(hint):
        checks.output_pixel(wrong, SMALL, KERNEL, 1, 2)


def test_output_pixel_hints_at_multiplying_elementwise():
    kernel = np.array([[1.0, 2.0], [0.0, 1.0]])
    wrong = np.sum(SMALL[1:3, 2:4]) * np.sum(kernel)
    with fails(r"np.sum\(patch \* kernel\)"):
        checks.output_pixel(wrong, SMALL, kernel, 1, 2)


def test_output_pixel_refuses_an_array():
    with fails("should be one number"):
        checks.output_pixel(SMALL[1:4, 2:5] * KERNEL, SMALL, KERNEL, 1, 2)


def test_output_pixel_not_attempted(capsys):
    assert_not_attempted(capsys, checks.output_pixel(..., SMALL, KERNEL, 1, 2))


# ---------------------------------------------------------------------------
# Exercise 1.2: the two-loop filter
# ---------------------------------------------------------------------------

def test_correlate_loops_passes_the_reference_loops(capsys):
    assert checks.correlate_loops(loops).passed is True
    assert capsys.readouterr().out == ("PASS Exercise 1.2: the two-loop filter: matches "
                                       "correlate2d on 8 images, square and not\n")


def test_correlate_loops_passes_the_package_and_a_list_answer():
    assert checks.correlate_loops(filters.correlate2d)
    assert checks.correlate_loops(lambda im, k: loops(im, k).tolist())


def test_correlate_loops_catches_a_flipped_kernel():
    def convolve(image, kernel):
        return loops(image, kernel[::-1, ::-1])

    with fails("You flipped the kernel: that is convolution, "
                                             "which notebook 02 explains"):
        checks.correlate_loops(convolve)


def test_correlate_loops_catches_a_one_axis_flip():
    with fails("flipped the kernel along one axis"):
        checks.correlate_loops(lambda im, k: loops(im, k[:, ::-1]))


def test_correlate_loops_off_by_one_output():
    def too_small(image, kernel):
        kh, kw = kernel.shape
        out = np.zeros((image.shape[0] - kh, image.shape[1] - kw))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
        return out

    with fails(r"returned shape \(2, 3\); expected \(3, 4\)\. "
                                             r"Your output is one pixel too small.*H - KH \+ 1"):
        checks.correlate_loops(too_small)


def test_correlate_loops_image_sized_output():
    def same_size(image, kernel):
        out = np.zeros_like(image)
        valid = loops(image, kernel)
        out[:valid.shape[0], :valid.shape[1]] = valid
        return out

    with fails("has the image's size.*H - KH \\+ 1"):
        checks.correlate_loops(same_size)


def test_correlate_loops_square_kernel_assumption():
    def square_only(image, kernel):
        k = kernel.shape[0]
        out = np.zeros((image.shape[0] - k + 1, image.shape[1] - k + 1))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.sum(image[i:i + k, j:j + k] * kernel)
        return out

    # The square-kernel cases pass; the 2x3 kernel then fails to broadcast.
    with errors(r"your square_only raised ValueError.*"
                r"must have the kernel's shape \(KH, KW\).*"
                r"kernels need not be square.*2x3 kernel"):
        checks.correlate_loops(square_only)


def test_correlate_loops_square_output_size_assumption():
    def square_size(image, kernel):
        # The output is sized with KH for both axes (right values, extra zero columns).
        kh, kw = kernel.shape
        return np.pad(loops(image, kernel), ((0, 0), (0, max(kw - kh, 0))))

    with fails(r"2x3 kernel returned shape \(6, 8\); expected "
                                             r"\(6, 7\)\. .*kernels need not be square"):
        checks.correlate_loops(square_size)


def test_correlate_loops_swapped_shape():
    with fails("Height and width are swapped"):
        checks.correlate_loops(lambda im, k: loops(im, k).T)


def test_correlate_loops_wrong_values_point_at_the_slice():
    def shifted(image, kernel):
        out = loops(image, kernel)
        out[0, 0] += 1.0
        return out

    with fails(r"index \(0, 0\).*image\[i:i \+ KH, j:j \+ KW\]"):
        checks.correlate_loops(shifted)


def test_correlate_loops_all_zeros_and_missing_return():
    with fails("only zeros"):
        checks.correlate_loops(lambda im, k: np.zeros_like(loops(im, k)))
    with fails("did you forget to `return`"):
        checks.correlate_loops(lambda im, k: None)


def test_correlate_loops_refuses_changing_the_input():
    def in_place(image, kernel):
        out = loops(image, kernel)
        image *= 2
        return out

    with fails("changed its input arrays"):
        checks.correlate_loops(in_place)


def test_correlate_loops_learner_error_becomes_a_hint():
    def broken(image, kernel):
        return image[: kernel.shape[0]] * kernel

    with errors("your broken raised ValueError"):
        checks.correlate_loops(broken)


def test_correlate_loops_not_attempted(capsys):
    assert_not_attempted(capsys, checks.correlate_loops(stub))
    assert_not_attempted(capsys, checks.correlate_loops(...))


# ---------------------------------------------------------------------------
# Exercise 1.3: a horizontal-edge detector
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kernel", [
    filters.SOBEL_Y, -filters.SOBEL_Y, [[-1], [1]], [[1, 1, 1], [-1, -1, -1]],
    [[-1, -1, -1], [0, 0, 0], [1, 1, 1]], [[-1], [2], [-1]],
])
def test_horizontal_edge_kernel_passes_good_detectors(kernel, capsys):
    assert checks.horizontal_edge_kernel(kernel).passed is True
    assert capsys.readouterr().out.startswith(
        "PASS Exercise 1.3: a horizontal-edge detector: 0 on flat areas and on the vertical "
        "edge")


def test_horizontal_edge_kernel_reports_the_strength(capsys):
    checks.horizontal_edge_kernel(filters.SOBEL_Y)
    assert capsys.readouterr().out.rstrip().endswith("4 on the horizontal edge")


@pytest.mark.parametrize(("kernel", "hint"), [
    (filters.SOBEL_X, "also responds to a VERTICAL edge.*every column"),
    (filters.LAPLACIAN, "also responds to a VERTICAL edge"),
    (filters.BOX_BLUR, "flat gray image.*answers 0.6 instead of 0.*add up to 1.*sum to 0"),
    ([[0, 1], [0, 2]], "entries add up to 3"),
    ([[-1, 1]], "single row"),
    ([[1, -1], [-1, 1]], "barely responds to a horizontal edge"),
    (np.zeros((3, 3)), "all zeros"),
    (np.ones((11, 3)), "at most 9x9"),
    ([1, -1], "2-D array"),
    ("sobel", "array of numbers"),
    ([[np.nan, 1], [0, 1]], "NaN or inf"),
])
def test_horizontal_edge_kernel_names_the_mistake(kernel, hint):
    with fails(hint):
        checks.horizontal_edge_kernel(kernel)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 5), st.integers(1, 5)),
              elements=st.integers(-4, 4).map(float)))
def test_horizontal_edge_kernel_refuses_kernels_that_see_vertical_change(kernel):
    """Any kernel with a column that does not sum to 0 answers on the flat image or on the
    vertical edge, so the checker must refuse it."""
    if np.all(kernel.sum(axis=0) == 0):
        kernel[0, 0] += 1.0
    with fails("flat gray image|VERTICAL edge"):
        checks.horizontal_edge_kernel(kernel)


def test_horizontal_edge_kernel_not_attempted(capsys):
    assert_not_attempted(capsys, checks.horizontal_edge_kernel(...))


# ---------------------------------------------------------------------------
# Extra: output sizes (Exercise 1.4 of an earlier edition)
# ---------------------------------------------------------------------------

def test_output_sizes_passes(capsys):
    assert checks.output_sizes((24, 28), 3).passed is True
    assert checks.output_sizes([24, np.int64(28)], 3).passed is True
    assert capsys.readouterr().out.startswith("PASS Extra: output sizes")


@pytest.mark.parametrize(("shape", "pad", "hint"), [
    ((28, 24), 3, "swapped"),
    ((23, 27), 3, "don't forget the \\+ 1"),
    ((25, 29), 3, "not H - KH \\+ 2"),
    ((26, 32), 3, "valid padding adds no border"),
    ((24, 30), 3, "kernel's width"),
    ((24, 28), 6, "EACH side"),
    ((24, 28), 0, "p = 0 is valid padding"),
    ((24, 28), 2, "solve for p"),
    (24, 3, "a tuple of whole numbers such as \\(10, 12\\); got one number"),
])
def test_output_sizes_names_the_mistake(shape, pad, hint):
    with fails(hint):
        checks.output_sizes(shape, pad)


def test_output_sizes_not_attempted(capsys):
    assert_not_attempted(capsys, checks.output_sizes(..., 3), "Extra: output sizes")
    assert_not_attempted(capsys, checks.output_sizes((24, 28), ...), "Extra: output sizes")
    assert checks.output_sizes((24, 28), 1).record["id"] == "extra"  # not today's 1.4


def test_all_checkers_are_exported():
    from cnnlesson.checks import nb01_filtering

    for name in nb01_filtering.__all__:
        assert getattr(checks, name) is getattr(nb01_filtering, name)
