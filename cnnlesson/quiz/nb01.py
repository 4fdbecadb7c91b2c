"""Questions of notebook 01_filtering: three predictions and the questionnaire.

Every number here is checked against the package in ``tests/test_quiz_banks.py``.
"""

from ._core import Question

NOTEBOOK = "01_filtering"

PREDICTIONS = [
    Question(
        "01.output_rows", "prediction", "rows of a valid filter output",
        "The next figure slides a 3x3 kernel over a 10x10 crop, visiting only the positions "
        "where the whole kernel lies inside the crop. How many **rows** will the output have?",
        why="The kernel's top row can start at rows 0, 1, ..., 7 of the crop (at row 8 its "
            "bottom row would hang below the crop), so 10 - 3 + 1 = 8 positions, 8 rows.",
        answer=8, integer=True, unit="rows",
        slips=((10, "that would keep the size, but a 3x3 window does not fit around the "
                    "border pixels: it must stay inside the crop."),
               (7, "count the starting rows again: the top row of the window can start at "
                   "row 0 as well as at row 7, and both count."),
               (9, "one too many: count the rows where the window's top row can start, "
                   "remembering its bottom row must stay inside the crop.")),
        other="count the rows where the window's top row can start so that all three of its "
              "rows lie inside the 10 rows of the crop."),
    Question(
        "01.flat_laplacian", "prediction", "the Laplacian on a flat image",
        "An image is 0.5 everywhere. We filter it with the Laplacian "
        "`[[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]`. What will output pixel `[0, 0]` be?",
        why="Every pixel under the window is 0.5, so the output is 0.5 times the sum of the "
            "weights, and 8 - 8 x 1 = 0: a kernel whose weights add up to 0 ignores flat areas.",
        answer=0.0, tol=1e-9,
        slips=((0.5, "that is what a kernel whose weights add up to 1 (a blur) gives. Add up "
                     "the Laplacian's nine weights first."),
               (4.0, "that is the centre alone (8 x 0.5); the eight neighbours add -1 x 0.5 "
                     "each."),
               (-4.0, "that is the eight neighbours alone; the centre adds 8 x 0.5."),
               (8.0, "the output is a sum of weight times pixel, and every pixel is 0.5, not 1.")),
        other="multiply each of the nine weights by the pixel under it (always 0.5) and add "
              "the nine products."),
    Question(
        "01.same_corner", "prediction", "the corner of a same-padded flat image",
        "A 5x5 image is 1 everywhere. We filter it with the same Laplacian and **\"same\"** "
        "padding, so a border of zeros is added first. What will the **top-left corner** of "
        "the output be?",
        why="At the corner, the window covers the pixel itself and 3 image neighbours (each "
            "1); its other 5 neighbours are padding zeros. So 8 x 1 - 3 x 1 = 5: a false edge "
            "made by the black frame.",
        answer=5.0, tol=1e-9,
        slips=((0.0, "that is the answer inside the image, or with \"valid\" padding. At the "
                     "corner some neighbours are padding zeros, so they no longer cancel the "
                     "centre."),
               (3.0, "that is a pixel on an edge (not a corner): it has 5 image neighbours. A "
                     "corner pixel has only 3."),
               (8.0, "the corner pixel still has 3 neighbours inside the image, each "
                     "subtracting 1."),
               (-5.0, "check the sign: the centre weight is +8 and the neighbours are -1.")),
        other="count how many of the corner pixel's 8 neighbours lie inside the image (the "
              "others are padding zeros), then add 8 x 1 and -1 for each of those."),
]

#: Where each prediction goes: (section heading, first line of the cell it must precede).
PLACES = {
    "01.output_rows": ("## 3. Filtering: slide a kernel, sum the products",
                       "patch = gray[348:358, 189:199]  # 10x10 crop across the collar edge"),
    "01.flat_laplacian": ("## 3. Filtering: slide a kernel, sum the products",
                          "## 4. A gallery of kernels, read from their numbers"),
    "01.same_corner": ('## 6. Borders: "valid" and "same" padding',
                       "bright = np.ones((5, 5))"),
}

QUESTIONNAIRE = [
    Question(
        "01.q1", "quiz", "how many numbers in a photo",
        "A colour photo has shape `(600, 512, 3)`. How many numbers does the array hold?",
        why="One number per row, column and colour channel: 600 x 512 x 3 = 921,600.",
        answer=921600, integer=True, unit="numbers",
        slips=((307200, "that counts the pixels (600 x 512), but each pixel holds three "
                        "numbers, red, green and blue."),
               (1115, "the sizes of the axes multiply, they do not add: every row has 512 "
                      "pixels of 3 numbers.")),
        other="multiply the sizes of the three axes."),
    Question(
        "01.q2", "quiz", "a kernel for edges",
        "Which of these kernels answers **0 on a flat region** of any brightness?",
        why="Sobel y's weights add up to 0 (its top row is -1, -2, -1, its bottom row 1, 2, "
            "1), so on a flat region the products cancel; it only reacts where the brightness "
            "changes.",
        choices=(("box blur", "its nine weights are 1/9 each and add up to 1: on a flat "
                              "region it returns the region's own value, not 0."),
                 ("sharpen", "its weights (5 in the centre, -1 at the four sides) add up to "
                             "1, so a flat region keeps its value."),
                 ("Sobel y", ""),
                 ("Gaussian blur", "like every blur its weights add up to 1, so flat regions "
                                   "keep their brightness.")),
        answer="c"),
    Question(
        "01.q3", "quiz", "what Sobel x finds",
        "Sobel x takes the column on the right minus the column on the left. Which edges "
        "give it its strongest answers?",
        why="It measures how the brightness changes from left to right, which is largest "
            "where a dark region meets a bright one side by side: along a vertical edge.",
        choices=(("vertical edges, such as the side of a face", ""),
                 ("horizontal edges, such as the brim of a hat",
                  "along a horizontal edge the brightness changes from top to bottom; the "
                  "left and right columns of the window see the same values and cancel."),
                 ("flat regions", "its weights add up to 0, so it answers 0 on flat regions."),
                 ("it answers equally to edges in every direction",
                  "that is the gradient magnitude, which combines Sobel x and Sobel y. One "
                  "Sobel kernel sees one direction of change.")),
        answer="a"),
    Question(
        "01.q4", "quiz", "valid output size",
        "A 26x26 image is filtered with a **5x5** kernel and \"valid\" padding (no padding). "
        "How many rows does the output have?",
        why="The kernel fits at 26 - 5 + 1 = 22 vertical positions.",
        answer=22, integer=True, unit="rows",
        slips=((24, "that is the size for a 3x3 kernel; a 5x5 kernel needs two more rows of "
                    "room."),
               (21, "the first position counts too: H - K + 1."),
               (26, "without padding the output shrinks; keeping the size needs padding."),
               (23, "use H - K + 1 with K = 5: the window's top row can start at rows 0 to "
                    "21.")),
        other="use the rule of section 6: H - K + 1."),
    Question(
        "01.q5", "quiz", "same padding for 5x5",
        "How many rows and columns of zeros $p$ must be added on each side so that a **5x5** "
        "kernel keeps a 26x26 image at 26x26?",
        why="H + 2p - K + 1 = H needs 2p = K - 1 = 4, so p = 2.",
        answer=2, integer=True, unit="pixels per side",
        slips=((4, "4 is the total the image must grow by, but padding is added on each side, "
                   "top and bottom: 2 + 2."),
               (1, "p = 1 is enough for a 3x3 kernel; a 5x5 kernel reaches two pixels past "
                   "the centre."),
               (5, "that would make the output larger than the input: 26 + 10 - 5 + 1.")),
        other="solve H + 2p - K + 1 = H for p, with K = 5."),
    Question(
        "01.q6", "quiz", "grayscale of pure green",
        "With the luma weights $0.299R + 0.587G + 0.114B$, what gray value does a pure green "
        "pixel `(0, 1, 0)` get?",
        why="Only the green term is nonzero: 0.587 x 1. Green counts most because our eyes "
            "are most sensitive to it.",
        answer=0.587, tol=0.0005,
        slips=((1 / 3, "that is the plain average of the three channels; the course's "
                       "grayscale weighs them by how bright they look to us."),
               (1.0, "only one of the three channels is on, and its weight is less than 1."),
               (0.299, "0.299 is the weight of red, the first channel."),
               (0.114, "0.114 is the weight of blue, the third channel.")),
        other="multiply each channel by its weight and add the three products."),
]
