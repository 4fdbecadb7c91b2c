"""The checkers of notebook 05_classifier: PASS right answers, hint at typical mistakes."""

import numpy as np
import pytest
from check_helpers import fails

from cnnlesson import checks
from cnnlesson.checks.nb05_classifier import _confusion_cases
from cnnlesson.model import seed_cnn


def stub(*args):
    raise NotImplementedError("Exercise")


# ---------------------------------------------------------------------------
# Exercise 5.1
# ---------------------------------------------------------------------------

RIGHT_SHAPES = [(6, 24, 24), (6, 12, 12), (12, 10, 10), (12, 5, 5), (12, 3, 3), (108,), (10,)]
RIGHT_PARAMS = [168, 660, 1308, 1090]


def test_right_answers_agree_with_the_model():
    model = seed_cnn(in_channels=3)
    shapes = dict(model.output_shapes((3, 26, 26)))
    names = ["conv1", "pool1", "conv2", "pool2", "conv3", "flatten1", "linear1"]
    assert [shapes[n] for n in names] == RIGHT_SHAPES
    counts = [sum(p.size for p in model[n].parameters())
              for n in ("conv1", "conv2", "conv3", "linear1")]
    assert counts == RIGHT_PARAMS
    assert sum(RIGHT_PARAMS) == model.num_parameters()


def test_network_shapes_passes(capsys):
    assert checks.network_shapes(RIGHT_SHAPES, RIGHT_PARAMS).passed is True
    out = capsys.readouterr().out
    assert out == ("PASS Exercise 5.1: shapes and parameters of every layer: all 7 shapes and "
                   "4 parameter counts right (3,226 parameters in all)\n")


def test_network_shapes_accepts_lists_ints_and_a_dict(capsys):
    shapes = [list(s) for s in RIGHT_SHAPES[:5]] + [108, np.int64(10)]
    params = dict(zip(("conv1", "conv2", "conv3", "linear1"), RIGHT_PARAMS, strict=True))
    assert checks.network_shapes(shapes, params).passed is True


def _with(shapes, k, value):
    shapes = list(shapes)
    shapes[k] = value
    return shapes


@pytest.mark.parametrize("k, wrong, hint", [
    (0, (24, 24, 6), r"height x width x channels.*\(6, 24, 24\)"),
    (0, (6, 26, 26), "without padding.*26 - 3 \\+ 1 = 24"),
    (0, (6, 23, 23), "n - k \\+ 1"),
    (2, (72, 10, 10), "as many output channels as filters \\(12\\)"),
    (1, (6, 23, 23), "stride 2.*do not overlap.*24 / 2 = 12"),
    (1, (6, 8, 8), "halves.*24 / 2 = 12"),
    (1, (12, 12, 12), "each channel separately"),
    (5, (300,), "12 x 3 x 3 = 108"),
    (5, (12, 3, 3), "a vector"),
    (6, (1,), "one output \\(logit\\) per class"),
])
def test_network_shapes_wrong_shapes_get_hints(k, wrong, hint):
    with fails(hint):
        checks.network_shapes(_with(RIGHT_SHAPES, k, wrong), RIGHT_PARAMS)


@pytest.mark.parametrize("params, hint", [
    ([162, 660, 1308, 1090], "conv1 does not have 162.*biases are missing.*add 6"),
    ([60, 660, 1308, 1090], "EVERY one of its 3 input channels"),
    ([168, 648, 1308, 1090], "conv2 does not have 648.*biases are missing.*add 12"),
    ([168, 660, 1308, 1080], r"10 biases are missing.*108 x 10 \+ 10"),
    ([168, 660, 1308 * 100, 1090], "shared by every position"),
    ([168, 660, 1308], "4 numbers.*no parameters"),
    ({"conv1": 168}, "no entry for conv2, conv3, linear1"),
    ([168.0, 660, 1308, 1090], "whole number"),
])
def test_network_shapes_wrong_counts_get_hints(params, hint):
    with fails(hint):
        checks.network_shapes(RIGHT_SHAPES, params)


def test_network_shapes_wrong_structure():
    relus = RIGHT_SHAPES[:1] * 3 + RIGHT_SHAPES
    with fails("leave out the three ReLUs"):
        checks.network_shapes(relus, RIGHT_PARAMS)
    with fails("should have 7 entries"):
        checks.network_shapes(RIGHT_SHAPES[:4], RIGHT_PARAMS)
    with fails("is the string '24x24x6', not a list of 7 shapes: text in quotes is a string"):
        checks.network_shapes("24x24x6", RIGHT_PARAMS)
    with fails("a whole number"):
        checks.network_shapes(_with(RIGHT_SHAPES, 0, (6.0, 24, 24)), RIGHT_PARAMS)


def test_network_shapes_not_attempted(capsys):
    assert checks.network_shapes(..., RIGHT_PARAMS).passed is False
    assert checks.network_shapes(RIGHT_SHAPES, ...).passed is False
    assert checks.network_shapes(_with(RIGHT_SHAPES, 3, ...), RIGHT_PARAMS).passed is False
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    assert all(line.startswith("[not attempted yet] Exercise 5.1") for line in out)


# ---------------------------------------------------------------------------
# Exercise 5.3 (was 5.2)
# ---------------------------------------------------------------------------

def right_xent(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), y]))
    d = p.copy()
    d[np.arange(n), y] -= 1
    return loss, d / n


def naive_xent(logits, y):  # no max subtraction
    n = logits.shape[0]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), y] -= 1
    return -np.mean(np.log(p[np.arange(n), y])), d / n


def _global(logits, y):
    n = logits.shape[0]
    z = logits - logits.max()
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(n), y] -= 1
    return -np.mean(np.log(p[np.arange(n), y])), d / n


def sum_xent(logits, y):
    loss, d = right_xent(logits, y)
    return loss * logits.shape[0], d


def grad_sum_xent(logits, y):
    loss, d = right_xent(logits, y)
    return loss, d * logits.shape[0]


def no_onehot_xent(logits, y):
    loss, d = right_xent(logits, y)
    d = d.copy()
    d[np.arange(len(y)), y] += 1 / len(y)
    return loss, d


def in_place_xent(logits, y):
    logits -= logits.max(axis=1, keepdims=True)
    return right_xent(logits, y)


def float64_xent(logits, y):
    loss, d = right_xent(logits.astype(np.float64), y)
    return loss, d


def test_softmax_xent_passes(capsys):
    assert checks.softmax_xent(right_xent).passed is True
    assert capsys.readouterr().out.startswith("PASS Exercise 5.3: softmax cross-entropy")


def test_softmax_xent_naive_overflow_is_caught_without_warnings(recwarn):
    with fails("large logits.*overflows.*Subtract each row's max"):
        checks.softmax_xent(naive_xent)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("wrong, hint", [
    (_global, "different scales.*each row's OWN maximum"),
    (sum_xent, "N times too large: take the mean"),
    (lambda lg, y: (-right_xent(lg, y)[0], right_xent(lg, y)[1]), "wrong sign"),
    (grad_sum_xent, "dlogits.*N times too large"),
    (lambda lg, y: (right_xent(lg, y)[0], -right_xent(lg, y)[1]), "p - one_hot"),
    (no_onehot_xent, "-1 at the true class is missing"),
    (in_place_xent, "changed the logits array in place"),
    (float64_xent, "should stay float32"),
    (lambda lg, y: right_xent(lg, y)[0], "should return two things"),
    (lambda lg, y: None, "forget the `return`"),
    (lambda lg, y: (right_xent(lg, y)[0], right_xent(lg, y)[1].T), "shape of the logits"),
    (lambda lg, y: (np.ones(3), right_xent(lg, y)[1]), "one number"),
    (lambda lg, y: (right_xent(lg, y)[0] + 0.5, right_xent(lg, y)[1]), "batch mean of -log"),
])
def test_softmax_xent_wrong_answers_get_hints(wrong, hint):
    with fails(hint):
        checks.softmax_xent(wrong)


def test_softmax_xent_not_attempted(capsys):
    assert checks.softmax_xent(stub).passed is False
    assert checks.softmax_xent(...).passed is False
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert all(line.startswith("[not attempted yet] Exercise 5.3") for line in out)


# ---------------------------------------------------------------------------
# Exercise 5.5 (was 5.3)
# ---------------------------------------------------------------------------

def test_learning_rate_trial_verdicts_and_determinism():
    slow = checks.learning_rate_trial(1e-3)
    good = checks.learning_rate_trial(0.2)
    broken = checks.learning_rate_trial(2.0)
    assert (slow.verdict, good.verdict, broken.verdict) == ("too slow", "learns", "breaks")
    assert slow.weight_change < 0.05 and good.accuracy >= 0.5 and broken.accuracy < 0.2
    assert broken.dead_fraction == 1.0  # every unit after conv3 went silent
    assert len(good.history.step_loss) == 32
    again = checks.learning_rate_trial(0.2)
    assert again.history.step_loss == good.history.step_loss
    assert good.describe().startswith("lr=0.2: accuracy ")


def test_learning_rate_trial_reports_divergence():
    t = checks.learning_rate_trial(1e4)
    assert t.diverged and t.verdict == "breaks"
    assert "diverged" in t.describe()


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), "0.1", True])
def test_learning_rate_trial_refuses_bad_rates(lr):
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        checks.learning_rate_trial(lr)


def test_learning_rates_passes(capsys):
    assert checks.learning_rates(1e-3, 0.05, 2.0).passed is True
    out = capsys.readouterr().out
    assert out == ("PASS Exercise 5.5: too low, good, too high: lr=0.001 too slow; "
                   "lr=0.05 learns; lr=2 breaks\n")


@pytest.mark.parametrize("rates, hint", [
    ((0.05, 0.2, 2.0), "lr_too_low = 0.05 gives.*learning already"),
    ((1e-4, 0.001, 2.0), "lr_good = 0.001.*steps are too small"),
    ((1e-4, 0.7, 2.0), "lr_good = 0.7.*training broke"),
    ((1e-4, 0.05, 0.2), "lr_too_high = 0.2.*still copes"),
    ((0.1, 0.05, 2.0), "increasing order"),
    ((1e-3, 0.05, -1.0), "positive, finite"),
    ((1e-3, "0.05", 2.0), "lr_good is the string '0.05'.*without quotes"),
])
def test_learning_rates_wrong_answers_get_hints(rates, hint):
    with fails(hint):
        checks.learning_rates(*rates)


def test_learning_rates_not_attempted(capsys):
    assert checks.learning_rates(..., 0.05, 2.0).passed is False
    assert capsys.readouterr().out.startswith("[not attempted yet] Exercise 5.5")


# ---------------------------------------------------------------------------
# Exercise 5.7 (was 5.4)
# ---------------------------------------------------------------------------

def right_pair(cm):
    off = cm.copy()
    np.fill_diagonal(off, 0)
    return np.unravel_index(np.argmax(off), off.shape)


def test_confusion_cases_have_one_answer_each():
    for cm in _confusion_cases():
        off = cm.copy()
        np.fill_diagonal(off, -1)
        assert np.count_nonzero(off == off.max()) == 1
        assert cm.max() > off.max() or cm.shape == (2, 2)  # a diagonal cell is larger


def test_confused_pair_passes(capsys):
    assert checks.confused_pair(right_pair).passed is True
    assert capsys.readouterr().out == ("PASS Exercise 5.7: the most confused pair: right on 7 "
                                       "confusion matrices\n")
    cm = np.array([[9, 1, 0], [0, 9, 0], [0, 0, 9]])
    assert checks.confused_pair(right_pair, cm).passed is True
    assert "right on 8" in capsys.readouterr().out


def test_confused_pair_accepts_any_tied_answer():
    def last_of_ties(cm):
        off = cm.copy()
        np.fill_diagonal(off, -1)
        i, j = np.nonzero(off == off.max())
        return int(i[-1]), int(j[-1])

    assert checks.confused_pair(last_of_ties, np.array([[5, 2], [2, 5]])).passed is True


def in_place_pair(cm):
    np.fill_diagonal(cm, 0)
    return np.unravel_index(np.argmax(cm), cm.shape)


@pytest.mark.parametrize("wrong, hint", [
    (lambda cm: right_pair(cm)[::-1], "wrong way round: rows are the TRUE class"),
    (lambda cm: np.unravel_index(np.argmax(cm), cm.shape), "diagonal cell"),
    (in_place_pair, "changed the confusion matrix"),
    (lambda cm: int(np.argmax(cm - np.diag(np.diag(cm)))), "np.unravel_index"),
    (lambda cm: None, "forget the `return`"),
    (lambda cm: (0, 1, 2), "should have 2 entries, like \\(3, 5\\); it has 3"),
    (lambda cm: "0->1", "is the string '0->1'"),
    (lambda cm: (1, 0) if cm.shape[0] > 2 else (0, 1), "OFF the diagonal"),
])
def test_confused_pair_wrong_answers_get_hints(wrong, hint):
    with fails(f"(?s){hint}"):
        checks.confused_pair(wrong)


def test_confused_pair_not_attempted(capsys):
    assert checks.confused_pair(stub).passed is False
    assert checks.confused_pair(...).passed is False
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert all(line.startswith("[not attempted yet] Exercise 5.7") for line in out)
