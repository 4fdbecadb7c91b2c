"""Questions of notebook 04_backprop: four predictions and the questionnaire.

Every number here is checked against the package in ``tests/test_quiz_banks.py``.
"""

from ._core import Question

NOTEBOOK = "04_backprop"

PREDICTIONS = [
    Question(
        "04.big_lr", "prediction", "a learning rate six times larger",
        "The line-fitting loop above used a learning rate of 0.2 and brought the loss from "
        "6.8 down to about 0.06. Run the same 30 steps from the same start with **lr = 1.2**. "
        "What happens to the loss?",
        why="Each step overshoots the bottom of the valley and lands higher on the other "
            "side, further out every time: the loss grows without bound (above a billion "
            "after 30 steps).",
        choices=(("it falls faster than with 0.2, since each step is bigger",
                  "bigger steps help only while they do not jump past the lowest point; at "
                  "1.2 each step overshoots by more than it gained."),
                 ("it ends about where lr = 0.2 ends",
                  "the step size changes the path completely; too large a step does not "
                  "settle in the valley."),
                 ("it grows enormously: each step overshoots further", ""),
                 ("it stays exactly at its starting value",
                  "the parameters do move, by a lot: that is the problem.")),
        answer="c"),
    Question(
        "04.dk_shape", "prediction", "the shape of the kernel gradient",
        "An input $X$ of 6x7, a kernel $K$ of 3x3, so the output $Y$ and its upstream "
        "gradient $G$ are 4x5. What shape will $\\partial L / \\partial K$ have?",
        why="There is one partial derivative per kernel entry, so the gradient has the "
            "kernel's shape, 3x3; the formula X ⋆ G gives (6 - 4 + 1) x (7 - 5 + 1) = 3x3.",
        choices=(("3x3, the shape of K", ""),
                 ("4x5, the shape of G", "G has one entry per output pixel; the kernel "
                                         "gradient needs one entry per kernel weight."),
                 ("6x7, the shape of X", "that is the shape of the input's gradient, dL/dX."),
                 ("1x1: it is one number", "each of the 9 kernel entries gets its own "
                                           "derivative; the bias's gradient is the single "
                                           "number.")),
        answer="a"),
    Question(
        "04.tie_winners", "prediction", "a four-way tie",
        "Every value of a 2x2 window is 0.5 (a four-way tie), and the gradient arriving at "
        "its pooled output is 1. In the package's max pooling, how many of the four inputs "
        "receive a **nonzero** gradient?",
        why="The package sends the whole gradient to one input, the first maximum in "
            "row-major order (the one `np.argmax` picks). Raising all four values by a tiny "
            "amount raises the maximum by that amount once, so the window's gradients must "
            "add up to 1, not to 4.",
        answer=1, integer=True, unit="inputs",
        slips=((4, "then the four gradients would add up to 4, but raising all four inputs "
                   "by a tiny amount raises the maximum only once. The package picks one "
                   "winner."),
               (0, "the pooled output does depend on the window: raise all four values and "
                   "it rises too, so the gradient cannot vanish."),
               (2, "there is no reason to pick two; the package picks one winner, the first "
                   "in reading order.")),
        other="how much does the maximum rise when all four inputs rise by a tiny amount? "
              "The gradients of the window must add up to that."),
    Question(
        "04.dead_window", "prediction", "a window that ReLU zeroed",
        "In the next figure, the bottom-left 2x2 window of the conv output is "
        "`[[-3.0, -1.5], [-0.3, -2.0]]`: all negative. It goes through ReLU, then 2x2 max "
        "pooling, and its pooled output receives an upstream gradient of 30. What is the "
        "**total** gradient that reaches those four conv outputs?",
        why="ReLU turns the four values into zeros; pooling sends the 30 to one of the tied "
            "zeros, and the ReLU gate blocks it there, because that input was negative. So "
            "0 reaches the conv outputs: this window cannot learn from this example.",
        answer=0.0, tol=1e-9,
        slips=((30.0, "pooling does route the 30 to one winner, but the ReLU gate comes "
                      "next: it passes gradient only where its input was positive."),
               (7.5, "the gradient is not split evenly, and the ReLU gate blocks it anyway."),
               (120.0, "pooling sends the gradient to one input, not to all four; and the "
                       "ReLU gate then blocks it.")),
        other="follow the 30 backwards: pooling sends it to one winner, then ReLU passes it "
              "only where its input was positive."),
]

PLACES = {
    "04.big_lr": ("## 1. Gradient descent, on the smallest possible example",
                  "The learning rate matters. Too small and the descent crawls; too large "
                  "and each step"),
    "04.dk_shape": ("### Checking the formulas numerically",
                    "X = rng.normal(size=(6, 7))         # input, H x W = 6 x 7"),
    "04.tie_winners": ("### Pooling's backward pass",
                       "flat = np.full((1, 1, 4, 4), 0.5)"),
    "04.dead_window": ("## 3. ReLU and max pooling on the way back",
                       "y_small = np.array([[ 1.0, -2.0,  3.0,  0.5],"),
}

QUESTIONNAIRE = [
    Question(
        "04.q1", "quiz", "one gradient descent step",
        "A weight is $w = 2$, the loss's derivative there is $\\partial L/\\partial w = 4$ and "
        "the learning rate is $\\eta = 0.1$. What is $w$ after one step of gradient descent?",
        why="w - η ∂L/∂w = 2 - 0.1 x 4 = 1.6: a step against the slope.",
        answer=1.6, tol=1e-6,
        slips=((2.4, "that steps uphill: to make the loss smaller, subtract the gradient."),
               (-2.0, "the gradient is scaled by the learning rate before it is subtracted."),
               (0.4, "that is the size of the step, η x 4; subtract it from w."),
               (1.96, "multiply the gradient by the learning rate once: 0.1 x 4 = 0.4.")),
        other="use w ← w - η ∂L/∂w."),
    Question(
        "04.q2", "quiz", "what training changes",
        "During training, which of these does gradient descent change?",
        why="Only the parameters, the kernel entries, weights and biases, move; the images "
            "and labels are the fixed ground truth.",
        choices=(("the training images", "the data are what the world showed us; they stay "
                                         "fixed."),
                 ("the weights and biases", ""),
                 ("the labels", "the labels are the ground truth the loss compares with; "
                                "changing them would be cheating."),
                 ("the formula of the loss", "the loss is chosen once; training makes its "
                                             "value small by moving the parameters.")),
        answer="b"),
    Question(
        "04.q3", "quiz", "the bias gradient",
        "A one-filter conv layer receives the upstream gradient "
        "$G = $ `[[1, 2], [3, -1]]`. What is $\\partial L / \\partial b$, the gradient of its "
        "bias?",
        why="The bias is added to every output with coefficient 1, so its gradient is the "
            "sum of G: 1 + 2 + 3 - 1 = 5.",
        answer=5.0, tol=1e-9,
        slips=((1.25, "that is the mean; the bias takes part in every output, and the chain "
                      "rule adds all the contributions."),
               (7.0, "check the sign of the last entry: it is -1."),
               (1.0, "the bias touches every output, not only the first.")),
        other="the bias appears in every output with coefficient 1; add up what the chain "
              "rule gives for each output."),
    Question(
        "04.q4", "quiz", "ReLU on the way back",
        "ReLU's input was `y = [-2, 3]` and the gradient arriving at its output is `[5, 7]`. "
        "What gradient does ReLU pass back to `y`?",
        why="ReLU has slope 0 where its input was negative and 1 where it was positive: it "
            "blocks the 5 and passes the 7.",
        choices=(("[5, 7]", "the slope of ReLU is 0 where its input was negative, so the first "
                            "gradient is blocked."),
                 ("[0, 3]", "ReLU passes the arriving gradient, not its own input value."),
                 ("[-10, 21]", "the gradient is gated (multiplied by 0 or 1), not multiplied "
                               "by the input."),
                 ("[0, 7]", "")),
        answer="d"),
    Question(
        "04.q5", "quiz", "the input gradient",
        "Which operation gives $\\partial L / \\partial X$, the gradient for a conv layer's "
        "input?",
        why="Each input pixel collects the gradient of every output it helped make, weighted "
            "by the kernel entry it met; the kernel indices run backwards, which is a full "
            "convolution of G with K (a correlation with K turned 180 degrees).",
        choices=(("X ⋆ G, a correlation of the input with G", "that is the kernel's "
                                                                "gradient, ∂L/∂K."),
                 ("the sum of G", "that is the bias's gradient."),
                 ("a full convolution of G with the kernel K", ""),
                 ("G itself", "G has the output's shape, smaller than X; each input pixel "
                              "collects contributions from several outputs.")),
        answer="c"),
    Question(
        "04.q6", "quiz", "why a central difference",
        "Why does a gradient check use the central difference $(f(x+ε) - f(x-ε))/(2ε)$ "
        "rather than $(f(x+ε) - f(x))/ε$?",
        why="The one-sided difference is off by about ε f''/2; in the central one that term "
            "cancels, leaving an error of about ε² f'''/6, far smaller.",
        choices=(("its error shrinks like ε² instead of ε", ""),
                 ("it needs fewer evaluations of f",
                  "it needs more: two new evaluations per entry, where the one-sided "
                  "difference reuses f(x) and needs one."),
                 ("it works without float64", "rounding hurts both; that is why checks use "
                                              "float64."),
                 ("it gives the exact derivative", "it is still an estimate, just a much "
                                                   "better one.")),
        answer="a"),
]
