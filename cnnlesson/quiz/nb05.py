"""Questions of notebook 05_classifier: three predictions and the questionnaire.

Every number here is checked against the package in ``tests/test_quiz_banks.py``.
"""

import math

from ._core import Question

NOTEBOOK = "05_classifier"

PREDICTIONS = [
    Question(
        "05.two_convs", "prediction", "two convolutions in a row",
        "Two 3x3 convolutions are applied one after the other, with **nothing** in between "
        "(no ReLU, no pooling). Can a **single** convolution give exactly the same result?",
        why="Each output of the second is a weighted sum of a 3x3 patch of the first, whose "
            "values are weighted sums of 3x3 patches of the image; together that is one "
            "weighted sum over a 5x5 patch. Notebook 02 said it: two filters in a row act "
            "like one combined filter.",
        choices=(("no, two layers always compute more than one",
                  "a weighted sum of weighted sums is still a weighted sum: without a "
                  "nonlinearity the two layers collapse into one."),
                 ("yes, with a 3x3 kernel",
                  "one output of the pair depends on pixels up to two steps from the centre "
                  "in each direction, more than a 3x3 window covers."),
                 ("yes, with a 5x5 kernel", ""),
                 ("yes, with a 9x9 kernel (3 x 3)",
                  "the reach adds up, it does not multiply: each 3x3 layer reaches one pixel "
                  "further on each side, 1 + 1 = 2, so the window is 5 wide.")),
        answer="c"),
    Question(
        "05.untrained_accuracy", "prediction", "accuracy before training",
        "The network is built with random weights and, before any training step, tested on "
        "the 1,000 held-out digits (100 of each of the 10 classes). About what accuracy do "
        "you expect?",
        why="Random weights know nothing about digits, so the network is about as right as "
            "a guess among 10 classes, around 10%; a random network often favours a few "
            "classes, so it may land a few points off.",
        choices=(("about 0%: it gets every digit wrong",
                  "getting every digit wrong would take knowledge too; a network that knows "
                  "nothing is right about as often as a guess."),
                 ("around 10%, about what guessing among 10 classes gives", ""),
                 ("about 50%", "nothing in random weights favours the right class: half "
                               "right would already be real knowledge."),
                 ("above 90%: the layers are built for images",
                  "the architecture alone does not know what a 3 looks like; that comes "
                  "from training.")),
        answer="b"),
    Question(
        "05.high_lr_loss", "prediction", "the loss at a rate that breaks",
        "Picture the batch loss over 32 steps at **lr = 2.0**, a rate that breaks training. "
        "Where does the loss end up?",
        why="The first huge steps push every unit after conv3 to negative inputs, so all "
            "those ReLUs output 0 and pass no gradient back. Only the last bias still learns, "
            "and the best it can do is predict the class frequencies: a loss near "
            "ln 10 ≈ 2.30, where it stays.",
        choices=(("close to 0, faster than with lr = 0.2",
                  "a larger step is not a better step: at 2.0 the first updates jump far past "
                  "any good weights."),
                 ("it falls steadily, a little slower than with lr = 0.2",
                  "look at the verdicts of the trial: at 2.0 the accuracy collapses to "
                  "chance, so the loss cannot be falling steadily."),
                 ("it becomes NaN at once", "that needs much larger rates (around 100 here); "
                                            "at 2.0 the loss stays a finite number."),
                 ("near ln 10 ≈ 2.3, and it stays there", "")),
        answer="d"),
]

PLACES = {
    "05.two_convs": ("## 1. The network from the article",
                     "### Why a ReLU after every convolution?"),
    "05.untrained_accuracy": ("### One training step, written out",
                              "net = seed_cnn(in_channels=1, seed=0)"),
    "05.high_lr_loss": ("### The learning rate",
                        "fig, ax = plt.subplots(figsize=(9, 4.2), layout=\"constrained\")"),
}

QUESTIONNAIRE = [
    Question(
        "05.q1", "quiz", "the loss of a uniform guess",
        "An untrained network gives each of the 10 classes probability 1/10. What is its "
        "cross-entropy loss $-\\log p_y$ (natural log)? Two decimals are enough.",
        why="-log(1/10) = ln 10 ≈ 2.30. A first loss far from this value hints at a bug.",
        answer=math.log(10), tol=0.005,
        slips=((0.1, "that is the probability of the true class; the loss is minus its "
                     "logarithm."),
               (1.0, "that is log base 10; the loss uses the natural logarithm."),
               (-math.log(10), "check the sign: the loss is minus the log, and log(0.1) "
                               "is negative, so the loss is positive."),
               (0.0, "a loss of 0 needs probability 1 for the true class.")),
        other="compute -ln(0.1)."),
    Question(
        "05.q2", "quiz", "softmax of equal logits",
        "The logits of 4 classes are `[2, 2, 2, 2]`. What probability does softmax give "
        "each class?",
        why="Equal logits give equal exponentials, so each class gets 1/4 = 0.25, whatever "
            "the common value.",
        answer=0.25, tol=1e-6,
        slips=((0.5, "the four probabilities must add up to 1."),
               (2.0, "softmax turns logits into probabilities, numbers between 0 and 1 that "
                     "add up to 1."),
               (1.0, "the four probabilities must add up to 1, not each be 1.")),
        other="softmax makes the probabilities positive, adding up to 1, and keeps the "
              "logits' order; what does that leave for four equal logits?"),
    Question(
        "05.q3", "quiz", "the gradient at the true class",
        "For one example, softmax gives the true class probability 0.7. What is "
        "$\\partial L / \\partial z$ for the **true** class's logit?",
        why="∂L/∂z_k = p_k - [k = y]; for the true class that is 0.7 - 1 = -0.3: raising "
            "that logit lowers the loss.",
        answer=-0.3, tol=1e-6,
        slips=((0.7, "that is the gradient for a wrong class with probability 0.7; at the "
                     "true class subtract 1."),
               (0.3, "check the sign: p - 1 is negative, since raising the true logit lowers "
                     "the loss."),
               (-0.7, "p - 1 with p = 0.7 is -0.3.")),
        other="use ∂L/∂z_k = p_k - [k = y]."),
    Question(
        "05.q4", "quiz", "parameters of a linear layer",
        "A linear layer takes the 108 flattened values to **20** outputs instead of 10. How "
        "many parameters does it have?",
        why="A weight for every (input, output) pair and a bias per output: "
            "108 x 20 + 20 = 2,180.",
        answer=2180, integer=True, unit="parameters",
        slips=((2160, "that counts the weights only; each output also has a bias."),
               (1090, "that is the 10-output layer; here there are 20 outputs."),
               (2268, "one bias per output, not per input: 108 x 20 + 20."),
               (128, "each of the 20 outputs has its own weight for each of the 108 inputs: "
                     "they multiply.")),
        other="use D x M + M with D inputs and M outputs."),
    Question(
        "05.q5", "quiz", "why a ReLU between layers",
        "Why does the network put a ReLU after every convolution?",
        why="Without a nonlinearity, stacked linear maps collapse into one linear map, so "
            "depth would add nothing; ReLU lets units switch on and off.",
        choices=(("to make the maps smaller", "ReLU keeps the shape; pooling makes maps "
                                              "smaller."),
                 ("to turn the scores into probabilities", "that is softmax, at the very "
                                                           "end."),
                 ("without it, stacked layers would collapse into a single linear layer", ""),
                 ("to make the gradient larger", "ReLU passes the gradient unchanged or "
                                                 "blocks it; it never enlarges it.")),
        answer="c"),
    Question(
        "05.q6", "quiz", "why zero_grad",
        "Why does every training step call `opt.zero_grad()` before `model.backward(...)`?",
        why="`backward` adds to `.grad`; without clearing, every step would use the sum of "
            "all previous gradients.",
        choices=(("backward adds to .grad, so old gradients must be cleared", ""),
                 ("it sets the weights back to 0", "it clears the gradients, not the "
                                                   "weights; the weights keep what they "
                                                   "learned."),
                 ("it sets the learning rate for the step", "the learning rate belongs to "
                                                            "the optimiser and its "
                                                            "schedule."),
                 ("it makes the loss 0 before the forward pass", "the loss is computed "
                                                                 "fresh from each batch.")),
        answer="a"),
]
