"""Questions of notebook 06_inside_the_network: the questionnaire (06 has no predictions).

Every number here is checked against the package in ``tests/test_quiz_banks.py``.
"""

from ._core import Question

NOTEBOOK = "06_inside_the_network"

PREDICTIONS: list = []
PLACES: dict = {}

QUESTIONNAIRE = [
    Question(
        "06.q1", "quiz", "a receptive field",
        "The values of a layer each see 4x4 input pixels and sit 2 pixels apart. A 3x3 "
        "convolution on top of them: how many pixels wide is the square seen by one of its "
        "values?",
        why="r + (k - 1) j = 4 + (3 - 1) x 2 = 8: the window adds two more steps of 2 "
            "pixels to the 4 pixels of one value.",
        answer=8, integer=True, unit="pixels",
        slips=((6, "the values sit 2 pixels apart, so each extra step of the window adds 2 "
                   "pixels, not 1."),
               (12, "neighbouring fields overlap: the width grows by (k - 1) x j, it is not "
                    "k times the field."),
               (7, "use r + (k - 1) j with r = 4, k = 3, j = 2.")),
        other="use r_out = r + (k - 1) j."),
    Question(
        "06.q2", "quiz", "how many numbers reach the linear layer",
        "conv3's output is 3x3x12. How many numbers does `flatten1` hand to the linear "
        "layer?",
        why="Flattening lines up every value of every map: 3 x 3 x 12 = 108.",
        answer=108, integer=True, unit="numbers",
        slips=((12, "every channel keeps all 9 of its values; flattening does not take one "
                    "number per channel."),
               (9, "there are 12 maps of 9 values each."),
               (18, "the sizes multiply: 3 x 3 x 12.")),
        other="multiply the three sizes of conv3's output."),
    Question(
        "06.q3", "quiz", "cosine of opposite kernels",
        "What is the cosine similarity of `SOBEL_X` and `-SOBEL_X`?",
        why="One is the other times -1, so the two vectors point in opposite directions: "
            "cosine -1. They find the same edges with opposite signs.",
        answer=-1.0, tol=1e-6,
        slips=((1.0, "1 means one kernel is a positive multiple of the other; here the "
                     "multiple is -1."),
               (0.0, "0 means nothing in common; these two have exactly the same pattern, "
                     "with the sign reversed.")),
        other="one kernel is the other times -1; what does the cosine of the angle between "
              "opposite vectors give?"),
    Question(
        "06.q4", "quiz", "which layer became class-specific",
        "Comparing each channel's top digits before and after training, which layer's "
        "channels became most specific to particular digit classes?",
        why="conv3 sees 18x18 pixels, most of a digit; after training, more than half of "
            "a conv3 channel's top digits share one label (on average), while conv1 and "
            "conv2 find pieces, such as edges and stroke ends, that many digits share.",
        choices=(("conv1", "a 3x3 window sees an edge or a bit of ink; such pieces occur in "
                           "every digit."),
                 ("conv2", "8x8 pieces of strokes, a slant, a stroke end, occur in many "
                           "classes; conv2's top patches stay mixed."),
                 ("conv3", ""),
                 ("none: channels never depend on the class",
                  "after training, conv3 channels' top digits share one label far more "
                  "often than random digits would.")),
        answer="c"),
    Question(
        "06.q5", "quiz", "covering with grey",
        "Occlusion sensitivity covers a patch of the digit. Why cover it with the image's "
        "mean grey rather than black?",
        why="Black is the background value: on background a black patch changes nothing, so "
            "those places would score 0 by construction. Grey really changes the input "
            "everywhere, so every position is tested.",
        choices=(("grey patches are faster to compute", "the cost is the same: one forward "
                                                        "pass per covered image."),
                 ("the network was trained on grey digits", "the digits are white ink on "
                                                            "black."),
                 ("black would always make the network wrong", "black on background is "
                                                               "exactly what the image "
                                                               "already has."),
                 ("on background, a black patch would change nothing, so it could not "
                  "test those places", "")),
        answer="d"),
    Question(
        "06.q6", "quiz", "preparing your own picture",
        "Your photo shows a dark digit on white paper. Why does `explain.prepare_image` "
        "invert it?",
        why="The network learned only from MNIST digits, white ink on black; a dark-on-light "
            "picture would be something it has never seen.",
        choices=(("to save memory", "inverting changes the values, not the size."),
                 ("because the network only knows white digits on a black background", ""),
                 ("because cameras store images upside down", "inverting the brightness is "
                                                              "not flipping the picture."),
                 ("so that the digit is centred", "centring is a separate step (the centre "
                                                  "of mass goes to the middle).")),
        answer="b"),
]
