"""Questions of notebook 03_pooling: two predictions and the questionnaire.

Every number here is checked against the package in ``tests/test_quiz_banks.py``.
"""

from ._core import Question

NOTEBOOK = "03_pooling"

PREDICTIONS = [
    Question(
        "03.odd_size", "prediction", "pooling a 25x25 map",
        "A **25x25** map is max-pooled with 2x2 windows and stride 2 (no padding). How many "
        "rows does the pooled map have?",
        why="Windows start at rows 0, 2, ..., 22; one starting at 24 would need row 25, "
            "which does not exist, so it is dropped: floor((25 - 2) / 2) + 1 = 12. Row 24 "
            "is never looked at.",
        answer=12, integer=True, unit="rows",
        slips=((13, "the 13th window would start at row 24 and need row 25, which does not "
                    "exist; windows that do not fit are dropped."),
               (24, "that is the stride-1 count; with stride 2 the windows skip every other "
                    "row."),
               (23, "that is 25 - 2; the room must still be divided by the stride.")),
        other="use notebook 02's formula floor((n - k) / s) + 1 with n = 25, k = 2, s = 2."),
    Question(
        "03.nudge_max", "prediction", "which inputs move a maximum",
        "A 2x2 window holds `[[1, 6], [3, 4]]` and max pooling outputs 6. Nudge **one** input "
        "at a time up by a tiny amount (0.001). For how many of the four inputs does the "
        "pooled output change?",
        why="Only the winner, 6, moves the maximum: 6.001 is the new maximum. Nudging 1, 3 or "
            "4 by 0.001 leaves 6 the largest, so the output does not move. That is why max "
            "pooling's gradient goes to one input per window.",
        answer=1, integer=True, unit="inputs",
        slips=((4, "the maximum only looks at the largest value: 4.001 is still smaller than "
                   "6, so nudging the 4 changes nothing."),
               (0, "nudging the 6 itself makes the maximum 6.001."),
               (2, "a tiny nudge of a loser cannot make it overtake 6; only one input "
                   "matters.")),
        other="for each input, ask whether the maximum of the window changes when that one "
              "value grows by 0.001."),
]

PLACES = {
    "03.odd_size": ("## 3. Average pooling",
                    "## 4. The output size of a pooling layer"),
    "03.nudge_max": ("### A primer for notebook 04: nudge one input",
                     "window = np.array([[1.0, 6.0], [3.0, 4.0]])"),
}

QUESTIONNAIRE = [
    Question(
        "03.q1", "quiz", "shape after pooling",
        "A batch of shape `(1, 6, 24, 24)` goes through 2x2 max pooling with stride 2. What "
        "is the output's shape?",
        why="Pooling works on each channel separately, so the 6 channels stay, and each map "
            "is halved: (1, 6, 12, 12).",
        choices=(("(1, 3, 12, 12)", "pooling does not combine channels: 6 maps in, 6 maps "
                                    "out."),
                 ("(1, 6, 23, 23)", "that would be stride 1; with stride 2 the windows do "
                                    "not overlap."),
                 ("(1, 6, 6, 6)", "a 2x2 window with stride 2 halves each side once, from "
                                  "24 to 12."),
                 ("(1, 6, 12, 12)", "")),
        answer="d"),
    Question(
        "03.q2", "quiz", "parameters of a pooling layer",
        "How many parameters does a 2x2 max-pooling layer on 6 channels have?",
        why="Pooling only takes the maximum of each window: there are no weights or biases to "
            "learn.",
        answer=0, integer=True, unit="parameters",
        slips=((24, "that would be a 2x2 weight per channel, but max pooling has no weights: "
                    "it only takes a maximum."),
               (4, "the 2x2 window is not a kernel of weights; it only says which values to "
                   "compare."),
               (6, "max pooling has no bias per channel either.")),
        other="what numbers would training have to change in a max-pooling layer?"),
    Question(
        "03.q3", "quiz", "overlapping windows",
        "A 24x24 map is max-pooled with **3x3** windows and **stride 2**. How many rows does "
        "the output have?",
        why="floor((24 - 3) / 2) + 1 = floor(10.5) + 1 = 11. The size is divided roughly by "
            "the stride, not by the window size.",
        answer=11, integer=True, unit="rows",
        slips=((8, "that divides by the window size (24 / 3); that only works when the "
                   "stride equals the window size."),
               (12, "24 / 2 ignores that the 3-pixel window needs room: use floor((n - k) / "
                    "s) + 1."),
               (10, "the first position counts too: + 1.")),
        other="use floor((n - k) / s) + 1."),
    Question(
        "03.q4", "quiz", "average pooling by hand",
        "Average pooling (2x2, stride 2) of the window `[[4, 0], [2, 6]]` gives which value?",
        why="The mean of the four values: (4 + 0 + 2 + 6) / 4 = 3.",
        answer=3.0, tol=1e-9,
        slips=((6.0, "6 is the maximum, what max pooling would keep."),
               (12.0, "12 is the sum; average pooling divides it by the 4 values."),
               (0.0, "that is the minimum; average pooling keeps the mean.")),
        other="add the four values and divide by 4."),
    Question(
        "03.q5", "quiz", "what pooling forgets",
        "After 2x2 max pooling, what can the next layer no longer tell?",
        why="Any position of the winning value inside the window gives the same output: the "
            "exact position within the window is lost, while the presence and rough position "
            "of the feature are kept.",
        choices=(("whether the feature was present", "the maximum keeps the strongest "
                                                     "response, so a present feature shows."),
                 ("which of the 4 pixels in the window held the maximum", ""),
                 ("roughly where the feature was", "each output still stands for one 2x2 "
                                                   "block, so the rough position is kept."),
                 ("which channel the feature came from", "pooling treats each channel on its "
                                                         "own; the channels are kept.")),
        answer="b"),
    Question(
        "03.q6", "quiz", "work saved by pooling",
        "The next conv layer (12 filters of 3x3 over 6 channels, no padding) runs either on "
        "the pooled 12x12 maps or, without pooling, on the 24x24 maps. How many times more "
        "multiply-adds does it need **without** pooling? (Two decimals are enough.)",
        why="Each output value costs the same 3 x 3 x 6 = 54 multiply-adds, so the ratio is "
            "the ratio of output sizes: 22 x 22 = 484 against 10 x 10 = 100, 4.84 times.",
        answer=4.84, tol=0.01,
        slips=((4.0, "the input has 4 times more pixels, but count the conv's outputs: a 3x3 "
                     "kernel gives 22x22 on 24x24 and 10x10 on 12x12."),
               (2.0, "the map is twice as tall and twice as wide, so the count of outputs "
                     "grows in both directions."),
               (2.2, "that is 22 / 10 along one side; the outputs form a square, so square "
                     "it.")),
        other="count the conv's output values in both cases (n - 3 + 1 per side) and divide; "
              "each output value costs the same number of multiply-adds."),
]
