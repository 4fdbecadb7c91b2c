"""Exercise checkers for notebook 01_filtering.

Each checker compares the learner's answer with :func:`cnnlesson.filters.correlate2d` (the
sliding-window weighted sum, without flipping the kernel) and, when the answer is wrong, looks
for the usual mistakes (a flipped kernel, a window centred on the pixel instead of starting
there, rows and columns swapped, an output one pixel too small or too large) to give a hint.
"""

from __future__ import annotations

import numpy as np

from ..filters import correlate2d
from ._core import (
    LearnerError,
    NotAttempted,
    _short,
    call,
    exercise,
    expect_array,
    expect_close,
    expect_int,
    expect_int_tuple,
    expect_number,
)

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "01_filtering"

__all__ = ["output_pixel", "correlate_loops", "horizontal_edge_kernel", "output_sizes",
           "right_minus_left", "LINE_IMAGE"]

_FLIP_HINT = ("You flipped the kernel: that is convolution, which notebook 02 explains. "
              "Filtering (what CNNs compute) lays the kernel on the image as written.")
_SIZE_HINT = ("With valid padding the window must stay inside the image, so the output has "
              "H - KH + 1 rows and W - KW + 1 columns (a 26x26 image and a 3x3 kernel give 24x24).")


# ---------------------------------------------------------------------------
# Exercise 1.1
# ---------------------------------------------------------------------------

@exercise("Exercise 1.1: one output pixel by hand")
def output_pixel(value, image, kernel, row: int, col: int):
    """Check one output pixel of a valid filtering: ``correlate2d(image, kernel)[row, col]``.

    Parameters
    ----------
    value : float
        The learner's answer.
    image : numpy.ndarray
        (H, W) the small image of the exercise.
    kernel : numpy.ndarray
        (KH, KW) the kernel of the exercise.
    row, col : int
        The output position: the window's top-left corner is ``image[row, col]``.

    Introduced in notebook 01_filtering.
    """
    if value is Ellipsis:
        raise NotAttempted("`value` (your answer) is still `...`")
    image = expect_array(image, "image (the exercise's small image)", ndim=2, finite=True)
    kernel = expect_array(kernel, "kernel (the exercise's kernel)", ndim=2, finite=True)
    kh, kw = kernel.shape
    row, col = expect_int(row, "row"), expect_int(col, "col")
    if kh > image.shape[0] or kw > image.shape[1] or kernel.size == 0:
        raise AssertionError(f"the kernel {kernel.shape} must fit inside the image "
                             f"{image.shape}; pass the exercise's image and kernel.")
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    if not (0 <= row < out_h and 0 <= col < out_w):
        raise AssertionError(f"row={_short(row)}, col={_short(col)} is outside the "
                             f"{out_h}x{out_w} output; pass the exercise's row=1, col=2.")
    expected = correlate2d(image, kernel)[row, col]
    got = expect_number(value, "the answer")
    if np.isclose(got, expected):
        return f"output[{row}, {col}] = {expected:g}"

    # The usual slips, each with the value it would give (only hinted when it differs).
    patch = image[row:row + kh, col:col + kw]
    slips = [(np.sum(patch * kernel[::-1, ::-1]), _FLIP_HINT)]
    top, left = row - kh // 2, col - kw // 2
    if top >= 0 and left >= 0 and top + kh <= image.shape[0] and left + kw <= image.shape[1]:
        slips.append((np.sum(image[top:top + kh, left:left + kw] * kernel),
                      f"You centred the window on image[{row}, {col}]. With valid padding, "
                      f"output[{row}, {col}] comes from the window whose TOP-LEFT corner is "
                      f"image[{row}, {col}]: image[{row}:{row + kh}, {col}:{col + kw}]."))
    if col + kh <= image.shape[0] and row + kw <= image.shape[1]:
        slips.append((np.sum(image[col:col + kh, row:row + kw] * kernel),
                      "You swapped row and column: the first index counts rows (downward), "
                      "the second counts columns (to the right)."))
    slips.append((np.sum(patch) * np.sum(kernel),
                  "Multiply each pixel by the kernel weight at the same place, then add the "
                  "products: np.sum(patch * kernel)."))
    for slip_value, hint in slips:
        if np.isclose(got, slip_value) and not np.isclose(slip_value, expected):
            raise AssertionError(f"you got {got:.4g}, expected another value. {hint}")
    raise AssertionError(
        f"you got {got:.4g}; that is not the weighted sum of the window. Take the patch "
        f"image[{row}:{row + kh}, {col}:{col + kw}] (same shape as the kernel), multiply it "
        "element by element with the kernel and add all the products.")


# ---------------------------------------------------------------------------
# Exercise 1.2
# ---------------------------------------------------------------------------

def _correlate_cases():
    """(name, image, kernel) cases: a readable one first, then random and non-square ones."""
    rng = np.random.default_rng(12)
    cases = [("a 4x5 image of 0..19 with a 2x2 kernel",
              np.arange(20.0).reshape(4, 5), np.array([[1.0, 2.0], [3.0, 4.0]]))]
    for h, w, kh, kw in [(6, 6, 3, 3), (7, 9, 2, 3), (9, 6, 3, 2), (5, 8, 1, 4), (8, 5, 4, 1),
                         (6, 7, 6, 2), (4, 4, 4, 4)]:
        cases.append((f"a random {h}x{w} image with a random {kh}x{kw} kernel",
                      rng.normal(size=(h, w)), rng.normal(size=(kh, kw))))
    return cases


def _shape_hint(got, expected, image, kernel) -> str:
    (h, w), (kh, kw) = image.shape, kernel.shape
    if got == (h, w):
        return ("Your output has the image's size; with valid padding (no zeros added) the "
                "window cannot be centred on border pixels, so the output is smaller. "
                + _SIZE_HINT)
    if got == expected[::-1]:
        return "Height and width are swapped: rows go with H and KH, columns with W and KW."
    if got == (h - kh + 1, w - kh + 1) or got == (h - kw + 1, w - kw + 1):
        return ("Use the kernel's height KH for the rows and its width KW for the columns: "
                "kernels need not be square.")
    if got == (h - kh, w - kw):
        return "Your output is one pixel too small in each direction: don't forget the + 1. " \
               + _SIZE_HINT
    if got == (h - kh + 2, w - kw + 2):
        return "Your output is one pixel too large in each direction. " + _SIZE_HINT
    return _SIZE_HINT


@exercise("Exercise 1.2: the two-loop filter")
def correlate_loops(my_correlate):
    """Check a learner's ``my_correlate(image, kernel)`` (valid padding, no flip).

    It is compared with :func:`cnnlesson.filters.correlate2d` on a readable example, on random
    square and non-square images, and on non-square kernels (1xK, Kx1, as tall as the image).

    Parameters
    ----------
    my_correlate : callable
        ``my_correlate(image, kernel) -> (H - KH + 1, W - KW + 1) array`` for an (H, W) image
        and a (KH, KW) kernel.

    Introduced in notebook 01_filtering.
    """
    for name, image, kernel in _correlate_cases():
        image_in, kernel_in = image.copy(), kernel.copy()
        what = f"my_correlate on {name}"
        try:
            got = call(my_correlate, image_in, kernel_in)
        except LearnerError as err:
            if "broadcast" in str(err.error):
                err.hint = ("the patch you multiply with the kernel must have the kernel's "
                            "shape (KH, KW): image[i:i + KH, j:j + KW], with KH, KW = "
                            f"kernel.shape (kernels need not be square; this was {name}).")
            raise
        got = expect_array(got, what, ndim=2, finite=True)
        if not (np.array_equal(image_in, image) and np.array_equal(kernel_in, kernel)):
            raise AssertionError(f"{what} changed its input arrays. Write the results into a "
                                 "new output array and leave image and kernel as they are.")
        expected = correlate2d(image, kernel)
        if got.shape != expected.shape:
            raise AssertionError(f"{what} returned shape {got.shape}; expected "
                                 f"{expected.shape}. "
                                 + _shape_hint(got.shape, expected.shape, image, kernel))
        if np.allclose(got, expected):
            continue
        if np.allclose(got, correlate2d(image, kernel[::-1, ::-1])):
            raise AssertionError(f"{what}: {_FLIP_HINT}")
        if np.allclose(got, correlate2d(image, kernel[::-1, :])) or \
                np.allclose(got, correlate2d(image, kernel[:, ::-1])):
            raise AssertionError(f"{what}: you flipped the kernel along one axis. Use "
                                 "kernel[a, b] with image[i + a, j + b]: the same a and b.")
        if np.allclose(got, 0.0):
            raise AssertionError(f"{what} returned only zeros: did you fill the output array "
                                 "inside the loops (out[i, j] = ...)?")
        expect_close(got, expected, what=what,
                     hint="out[i, j] must be np.sum(image[i:i + KH, j:j + KW] * kernel): check "
                          "the slice bounds (height with KH, width with KW).")
    return "matches correlate2d on 8 images, square and not"


# ---------------------------------------------------------------------------
# Exercise 1.3
# ---------------------------------------------------------------------------

_STEP_SIZE = 16


def _step_images():
    """A flat image, a horizontal edge (dark above, bright below) and a vertical edge."""
    n = _STEP_SIZE
    flat = np.full((n, n), 0.6)
    horizontal = np.zeros((n, n))
    horizontal[n // 2:, :] = 1.0
    return flat, horizontal, horizontal.T.copy()


@exercise("Exercise 1.3: a horizontal-edge detector")
def horizontal_edge_kernel(kernel):
    """Check a kernel meant to find horizontal edges (brightness changing from top to bottom).

    The kernel is applied with :func:`cnnlesson.filters.correlate2d` to three analytic
    16x16 images: a flat gray image, a horizontal step (dark top half, bright bottom half) and a
    vertical step (dark left half, bright right half). It passes when it answers (about) 0 on the
    flat image and on the vertical edge, and strongly on the horizontal edge: a largest
    absolute response of at least 0.2 times the sum of the kernel's absolute weights (Sobel y
    reaches 0.5). Either sign counts.

    Parameters
    ----------
    kernel : array-like
        (KH, KW) kernel, at most 9x9.

    Introduced in notebook 01_filtering.
    """
    k = expect_array(kernel, "your kernel", ndim=2, finite=True)
    if k.size == 0:
        raise AssertionError("your kernel is empty.")
    if max(k.shape) > 9:
        raise AssertionError(f"your kernel has shape {k.shape}; keep it small (at most 9x9), "
                             "e.g. 3x3 like the Sobel kernels.")
    scale = float(np.sum(np.abs(k)))
    if scale == 0.0:
        raise AssertionError("your kernel is all zeros, so it answers 0 everywhere, even on "
                             "edges.")
    flat, horizontal, vertical = _step_images()
    tol = 1e-6 * scale
    on_flat = correlate2d(flat, k)
    if np.max(np.abs(on_flat)) > tol:
        raise AssertionError(
            f"on a flat gray image (every pixel 0.6) your kernel answers "
            f"{float(on_flat.flat[0]):.3g} instead of 0: its entries add up to "
            f"{float(np.sum(k)):.3g}. A kernel whose entries sum to 0 answers 0 on flat regions.")
    if k.shape[0] == 1:
        raise AssertionError("your kernel has a single row, so it never sees two rows at once "
                             "and cannot notice brightness changing from top to bottom.")
    on_vertical = correlate2d(vertical, k)
    if np.max(np.abs(on_vertical)) > tol:
        raise AssertionError(
            f"your kernel also responds to a VERTICAL edge (up to "
            f"{float(np.max(np.abs(on_vertical))):.3g}). Make every column of the kernel add up "
            "to 0, as in Sobel y, so that left-right changes cancel out.")
    strength = float(np.max(np.abs(correlate2d(horizontal, k))))
    if strength < 0.2 * scale:
        raise AssertionError(
            f"your kernel barely responds to a horizontal edge (strongest answer {strength:.3g} "
            f"for weights whose absolute values add up to {scale:.3g}). Compare the rows "
            "above with the rows below: negative weights on top, positive weights at the "
            "bottom (or the other way round).")
    return (f"0 on flat areas and on the vertical edge, {strength:.3g} on the horizontal "
            "edge")


# ---------------------------------------------------------------------------
# Extra: output sizes (Exercise 1.4 of an earlier edition; its record's id is "extra",
# so the class report does not mix it with today's 1.4)
# ---------------------------------------------------------------------------

@exercise("Extra: output sizes")
def output_sizes(valid_shape, same_padding):
    """Check the two answers of the output-size exercise (an extra, not in the notebook).

    Parameters
    ----------
    valid_shape : tuple of int
        (height, width) of a 26x32 image (26 rows, 32 columns) filtered with a 3x5 kernel
        (3 rows, 5 columns) and valid padding: (24, 28).
    same_padding : int
        The padding p (zeros on every side) that keeps a 7x7 kernel's output at the image's
        size: 3.

    Introduced in notebook 01_filtering.
    """
    valid_shape = expect_int_tuple(valid_shape, "valid_shape", 2, example="(10, 12)",
                                   slash_hint=True)
    same_padding = expect_int(same_padding, "same_padding", slash_hint=True)
    hint = {
        (28, 24): "Height and width are swapped: the 26 rows meet the kernel's 3 rows.",
        (23, 27): "One too small: the output size is H - KH + 1, don't forget the + 1.",
        (25, 29): "One too large: the output size is H - KH + 1, not H - KH + 2.",
        (24, 30): "Use the kernel's width (5) for the columns: 32 - 5 + 1.",
        (22, 28): "Use the kernel's height (3) for the rows: 26 - 3 + 1.",
        (26, 32): "That is the image's size; valid padding adds no border, so the output "
                  "shrinks.",
    }.get(valid_shape, "Rows: H - KH + 1. Columns: W - KW + 1.")
    if valid_shape != (24, 28):
        raise AssertionError(f"valid_shape is {_short(valid_shape)}, which is not right. {hint}")
    hint = {
        6: "p zeros are added on EACH side, so the padded image grows by 2p = K - 1 = 6: p = 3.",
        7: "The output size is H + 2p - K + 1; it equals H when 2p = K - 1.",
        0: "p = 0 is valid padding, which shrinks the image by K - 1 = 6 pixels.",
    }.get(same_padding, "The output size is H + 2p - K + 1; set it equal to H and solve for p.")
    if same_padding != 3:
        raise AssertionError(f"same_padding is {_short(same_padding)}, which is not right. {hint}")
    return "26x32 with 3x5 gives 24x28; a 7x7 kernel needs p = 3 for 'same'"


# ---------------------------------------------------------------------------
# Exercise 1.4 (new): a kernel that compares neighbours, and where its output peaks
# ---------------------------------------------------------------------------

#: A 5x8 dark image with one bright vertical line in column 5 (Exercise 1.4's prediction).
LINE_IMAGE = np.zeros((5, 8))
LINE_IMAGE[:, 5] = 1.0
LINE_IMAGE.setflags(write=False)

#: The kernel whose output is "pixel to the right minus pixel to the left" of the window's centre.
RIGHT_MINUS_LEFT = np.array([[0.0, 0.0, 0.0], [-1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
RIGHT_MINUS_LEFT.setflags(write=False)

#: Output columns of ``correlate2d(LINE_IMAGE, RIGHT_MINUS_LEFT)`` with the largest and the
#: smallest value.
LINE_LARGEST, LINE_SMALLEST = 3, 5


def _ramp_story(k: np.ndarray) -> str:
    """What the kernel gives on two ramps, for a hint."""
    cols = np.tile(np.arange(8.0), (6, 1))
    on_cols = correlate2d(cols, k)
    on_rows = correlate2d(cols.T.copy(), k)
    return (f"On the image I[i, j] = j (brightness growing by 1 per column) your kernel "
            f"gives {float(on_cols[0, 0]):.3g} (right minus left is 2 there); on I[i, j] = i "
            f"(growing downward) it gives {float(on_rows[0, 0]):.3g} (should be 0).")


def _diagnose_neighbour_kernel(k: np.ndarray) -> str:
    r = RIGHT_MINUS_LEFT
    slips = (
        (-r, "This is left minus right: under correlate2d the weight in column 2 of the "
             "kernel multiplies the pixel to the RIGHT of the centre, so it gets +1."),
        (np.roll(r, -1, axis=0), "Your weights sit in the top row, so they compare the "
                                 "neighbours of the pixel ABOVE the centre; use the middle row."),
        (np.roll(r, 1, axis=0), "Your weights sit in the bottom row, so they compare the "
                                "neighbours of the pixel BELOW the centre; use the middle row."),
        (r.T, "This compares the pixel below with the pixel above (a vertical difference); "
              "left and right neighbours are in the middle ROW, columns 0 and 2."),
        (-r.T, "This compares the pixel above with the pixel below (a vertical difference); "
               "left and right neighbours are in the middle ROW, columns 0 and 2."),
        (r / 2, "That is half the difference (an average slope); the exercise asks for the "
                "difference itself, so use weights -1 and +1."),
        (np.array([[0, 0, 0], [0, -1, 1], [0, 0, 0]]),
         "This is the right neighbour minus the CENTRE pixel; the exercise compares the right "
         "neighbour with the LEFT one, and the centre is not used."),
        (np.array([[0, 0, 0], [-1, 1, 0], [0, 0, 0]]),
         "This is the centre minus the left neighbour; the exercise compares the right "
         "neighbour with the left one, and the centre is not used."),
    )
    for slip, hint in slips:
        if k.shape == slip.shape and np.allclose(k, slip):
            return hint
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    ratio = float(np.sum(k * sobel) / np.sum(sobel * sobel))
    if ratio != 0 and np.allclose(k, ratio * sobel):
        return ("That is (a multiple of) Sobel x, which also mixes in the rows above and "
                "below; the exercise wants only the two neighbours on the centre's row.")
    if abs(float(k[1, 1])) > 1e-9:
        return ("The centre weight should be 0: the centre pixel is not part of 'right minus "
                "left'. " + _ramp_story(k))
    return ("Lay the kernel on a 3x3 window: weight k[1, 2] multiplies the pixel right of the "
            "centre, k[1, 0] the pixel left of it. " + _ramp_story(k))


@exercise("Exercise 1.4: a kernel that compares neighbours")
def right_minus_left(neighbour_kernel, largest_column, smallest_column):
    """Check a 3x3 kernel computing "right neighbour minus left neighbour", and a prediction.

    ``correlate2d(image, kernel)[i, j]`` must equal ``image[i + 1, j + 2] - image[i + 1, j]``:
    the pixel right of the window's centre minus the pixel left of it (the kernel is checked
    entry by entry, with hints from two ramp images). Then, on :data:`LINE_IMAGE` (a bright
    vertical line in column 5 of a dark 5x8 image), the output column where that filtered image
    is largest (3) and the one where it is smallest (5): output column ``j`` belongs to the
    window whose centre is image column ``j + 1``.

    Parameters
    ----------
    neighbour_kernel : array-like
        (3, 3) kernel.
    largest_column, smallest_column : int
        Output columns (0 to 5) of the largest and the smallest value of
        ``correlate2d(LINE_IMAGE, neighbour_kernel)``.

    Introduced in notebook 01_filtering.
    """
    k = expect_array(neighbour_kernel, "your kernel", ndim=2, finite=True)
    if k.shape != (3, 3):
        raise AssertionError(f"your kernel has shape {k.shape}; the exercise asks for a 3x3 "
                             "kernel (3 rows, 3 columns), centred on the pixel it describes.")
    if not np.allclose(k, RIGHT_MINUS_LEFT, atol=1e-9):
        raise AssertionError(f"your kernel does not give 'right minus left'. "
                             f"{_diagnose_neighbour_kernel(k)}")
    out_w = LINE_IMAGE.shape[1] - 2
    answers = {}
    for name, value in (("largest_column", largest_column),
                        ("smallest_column", smallest_column)):
        col = expect_int(value, name)
        if not 0 <= col < out_w:
            raise AssertionError(f"{name} is {_short(col)}; the filtered 5x8 image has "
                                 f"8 - 3 + 1 = {out_w} columns, numbered 0 to {out_w - 1} "
                                 "(output column j belongs to the window centred on image "
                                 "column j + 1).")
        answers[name] = col
    largest, smallest = answers["largest_column"], answers["smallest_column"]
    centre_hint = ("Output column j belongs to the window whose top-left corner is image "
                   "column j, so its centre is image column j + 1 (not j).")
    if largest != LINE_LARGEST:
        hint = {
            4: "Image column 4 is the centre whose right neighbour is the line. " + centre_hint,
            5: "At the line itself both neighbours are dark, so the difference is 0 there; "
               "the difference is largest where the RIGHT neighbour is the line.",
            2: "Image column 2 is not next to the line. " + centre_hint,
        }.get(largest, "Find the centre column whose right neighbour is the line (column 5), "
                       "then turn it into an output column. " + centre_hint)
        raise AssertionError(f"largest_column is {_short(largest)}, which is not right. {hint}")
    if smallest != LINE_SMALLEST:
        hint = {
            4: "At the line itself both neighbours are dark, so the difference is 0 there; "
               "it is most negative where the LEFT neighbour is the line.",
            3: "That is where the output is largest: the line is the right neighbour there.",
        }.get(smallest, "Find the centre column whose LEFT neighbour is the line, then turn "
                        "it into an output column. " + centre_hint)
        raise AssertionError(f"smallest_column is {_short(smallest)}, which is not right. "
                             f"{hint}")
    return ("the kernel gives right minus left, and on the line image output column 3 "
            "(centre column 4, line on its right) is largest, column 5 (centre 6) smallest")
