"""Questions of notebook 02_convolution: two predictions and the questionnaire.

Every number here is checked against the package in ``tests/test_quiz_banks.py``.
"""

from ._core import Question

NOTEBOOK = "02_convolution"

PREDICTIONS = [
    Question(
        "02.flip_kernels", "prediction", "kernels the flip leaves alone",
        "Convolution rotates the kernel by 180 degrees before sliding it. Of notebook 01's "
        "kernels (identity, box blur, Gaussian blur, sharpen, the two Laplacians, Sobel x, "
        "Sobel y), which come out of that rotation **unchanged**?",
        why="A kernel survives a half turn when each weight equals the one diagonally "
            "opposite it through the centre. The identity, the blurs, sharpen and both "
            "Laplacians are built that way; each Sobel kernel comes out with every sign "
            "changed, so convolving with it gives minus the filtered image.",
        choices=(("only the Laplacian",
                  "the Laplacian is one of them, but look at the blurs and sharpen too: is "
                  "each weight equal to the one opposite it through the centre?"),
                 ("Sobel x and Sobel y",
                  "turn Sobel x by half a turn: its -1, -2, -1 column lands on the right, so "
                  "every weight changes sign. The Sobel kernels are the ones that do change."),
                 ("none: a rotation always changes a kernel",
                  "a kernel that looks the same from both sides, like the box blur of nine "
                  "equal weights, cannot be changed by turning it."),
                 ("identity, both blurs, sharpen and both Laplacians", ""),
                 ("all of them: turning a kernel never changes what it is",
                  "a half turn moves each weight to the opposite side of the centre; for "
                  "Sobel x that swaps its negative and positive columns.")),
        answer="d"),
    Question(
        "02.stride_size", "prediction", "stride 2 on a 6-pixel row",
        "A 3-pixel window moves along a row of **6** pixels with **stride 2** and no padding, "
        "and a window that would run past the end is dropped. At how many positions does it "
        "stop?",
        why="It can start at pixels 0 and 2 (covering 0-2 and 2-4); a start at 4 would need "
            "pixels 4-6, and pixel 6 does not exist. floor((6 - 3) / 2) + 1 = 2.",
        answer=2, integer=True, unit="positions",
        slips=((4, "that is the stride-1 count, 6 - 3 + 1. With stride 2 the window skips "
                   "every other start."),
               (3, "the third window would start at pixel 4 and need pixel 6, which is past "
                   "the end of the row; it is dropped (round down)."),
               (1, "the first window at pixel 0 counts, and the room left, 6 - 3 = 3 pixels, "
                   "allows one more step of 2.")),
        other="list the starting pixels 0, 2, 4, ... and keep those whose whole window (3 "
              "pixels) fits inside the 6."),
]

PLACES = {
    "02.flip_kernels": ("## 1. Filtering and convolution: one flip apart",
                        "sobel_flipped = np.rot90(filters.SOBEL_X, 2)          # rotate by "
                        "180 degrees"),
    "02.stride_size": ("## 3. Stride and padding",
                       "cases = [(26, 3, 1, 0), (26, 3, 1, 1), (26, 5, 1, 2), (26, 3, 2, 0), "
                       "(26, 3, 2, 1),"),
}

QUESTIONNAIRE = [
    Question(
        "02.q1", "quiz", "convolution against filtering with Sobel x",
        "How does `filters.convolve2d(image, SOBEL_X)` compare with "
        "`filters.correlate2d(image, SOBEL_X)`?",
        why="Convolution turns the kernel by 180 degrees, and Sobel x turned is -Sobel x, so "
            "the result is the filtered image with every sign changed.",
        choices=(("one is minus the other", ""),
                 ("they are equal", "that holds for symmetric kernels such as the Laplacian; "
                                    "turning Sobel x changes its signs."),
                 ("one is the other transposed", "the flip turns the kernel, not the "
                                                 "image: rows stay rows."),
                 ("they are unrelated", "they differ only by the flip of the kernel, so "
                                        "they are closely related.")),
        answer="a"),
    Question(
        "02.q2", "quiz", "why layers skip the flip",
        "Why do CNN layers compute cross-correlation instead of flipping the kernel?",
        why="The kernel is learned: if a job needs a flipped kernel, the layer simply learns "
            "the flipped numbers. The flip would cost time and change nothing.",
        choices=(("cross-correlation detects more patterns than convolution",
                  "both detect the same patterns, one with the kernel turned; neither can do "
                  "something the other cannot."),
                 ("convolution shrinks the image and cross-correlation does not",
                  "both give the same output size; only the kernel's orientation differs."),
                 ("convolution only works on time signals",
                  "convolution works on images too (it is the flip that differs); the name "
                  "comes from signal processing, but nothing about it needs time."),
                 ("the learned kernel would just come out rotated, so the flip buys nothing", "")),
        answer="d"),
    Question(
        "02.q3", "quiz", "one kernel on a colour image",
        "A conv layer applies **one** 3x3x3 kernel to an RGB image. How many output maps "
        "does that kernel make?",
        why="It filters each channel with its own 3x3 slice and adds the three results (and "
            "its bias) into one map.",
        choices=(("1", ""),
                 ("3, one per colour channel", "the three per-channel results are added "
                                               "together, not kept apart."),
                 ("9, one per weight of a slice", "the weights are summed over in one "
                                                  "window; they do not make maps of their "
                                                  "own."),
                 ("27, one per weight", "all 27 weights contribute to the same output value "
                                        "at each position.")),
        answer="a"),
    Question(
        "02.q4", "quiz", "parameters of a conv layer",
        "How many parameters (weights and biases) does a conv layer with **8 filters of "
        "3x3** over **6 input channels** have?",
        why="Each filter has 6 x 3 x 3 = 54 weights and 1 bias: 8 x 55 = 440.",
        answer=440, integer=True, unit="parameters",
        slips=((432, "that counts the weights only; each filter also has one bias."),
               (80, "each filter has a 3x3 slice for every one of the 6 input channels."),
               (72, "each filter has a 3x3 slice for every one of the 6 input channels, plus "
                    "a bias."),
               (60, "there are 8 filters, each with 6 x 3 x 3 weights; the image size "
                    "does not matter but the filter count does.")),
        other="count the weights of one filter (channels x 3 x 3), add its bias, multiply by "
              "the number of filters."),
    Question(
        "02.q5", "quiz", "output size with a stride",
        "A 28x28 map, a 5x5 kernel, stride 2, no padding. How many rows does the output "
        "have?",
        why="floor((28 + 0 - 5) / 2) + 1 = floor(11.5) + 1 = 12.",
        answer=12, integer=True, unit="rows",
        slips=((24, "that is the stride-1 size; stride 2 skips every other position."),
               (11, "do not forget the first position: the formula ends with + 1."),
               (13, "round down: a window that would run past the border is dropped."),
               (14, "the size is not simply 28 / 2: the 5x5 window needs room, (28 - 5) / "
                    "2 rounded down, plus one.")),
        other="use n' = floor((n + 2p - k) / s) + 1."),
    Question(
        "02.q6", "quiz", "shift-equivariance",
        "The photo is shifted 5 pixels down before a conv layer. What happens to the "
        "layer's feature maps (away from the border)?",
        why="The same kernel is used at every position, so each response moves with the "
            "pattern that caused it: the maps shift 5 pixels down, values unchanged.",
        choices=(("nothing: the maps are the same as before",
                  "the maps are not blind to position: the responses move with the image."),
                 ("they shift 5 pixels down and their values change",
                  "the kernel is the same everywhere, so a pattern gives the same response "
                  "wherever it is."),
                 ("they shift 5 pixels down and are otherwise unchanged", ""),
                 ("they shift 5 x 3 = 15 pixels, three per kernel row",
                  "each output pixel is tied to one window position; moving the image by 5 "
                  "moves each window's content by 5.")),
        answer="c"),
]
