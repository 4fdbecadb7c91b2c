"""The checkers of notebook 06_inside_the_network: PASS right answers, hint at typical mistakes,
report unattempted student stubs."""

import numpy as np
import pytest
from check_helpers import errors, fails

from cnnlesson import checks
from cnnlesson.model import seed_cnn


def stub(*args):
    raise NotImplementedError("Exercise: write your answer here")


def assert_not_attempted(capsys, result, number):
    assert result.passed is False
    assert capsys.readouterr().out.startswith(f"[not attempted yet] Exercise 6.{number}")


# ---------------------------------------------------------------------------
# Exercise 6.1: receptive fields
# ---------------------------------------------------------------------------

RIGHT_RF = dict(rf_conv1=3, rf_pool1=4, rf_conv2=8, rf_pool2=10, rf_conv3=18)


@pytest.fixture(scope="module")
def model():
    return seed_cnn(1, seed=0)


def test_receptive_field_sizes_passes(model, capsys):
    assert checks.receptive_field_sizes(model, **RIGHT_RF).passed is True
    out = capsys.readouterr().out
    assert out.startswith("PASS Exercise 6.1: how much of the digit does one value see?: 3, 4")


def test_receptive_field_sizes_accepts_numpy_ints_and_a_colour_model():
    answers = RIGHT_RF | dict(rf_conv2=np.int64(8))
    assert checks.receptive_field_sizes(seed_cnn(3, seed=1), **answers).passed is True


@pytest.mark.parametrize("wrong, hint", [
    (dict(rf_conv1=1), r"combines 3x3 values of the layer before.*1 \+ \(3 - 1\) \* 1 = 3"),
    (dict(rf_conv1=9), "side of the square, not its number of pixels: a 3x3 window is 3"),
    (dict(rf_pool1=2), r"covers 2 neighbouring values.*3 \+ \(2 - 1\) \* 1 = 4"),
    (dict(rf_pool1=6), "the windows overlap"),
    (dict(rf_conv2=6), r"after one pooling, neighbouring values.*2 input pixels apart.*= 8"),
    (dict(rf_conv2=12), r"4 \+ \(3 - 1\) \* 2 = 8 pixels"),
    (dict(rf_pool2=9), r"after one pooling.*8 \+ \(2 - 1\) \* 2 = 10"),
    (dict(rf_conv3=12), r"after two poolings.*4 input pixels apart.*10 \+ \(3 - 1\) \* 4 = 18"),
    (dict(rf_conv3=26), r"size_out = size_in \+ \(k - 1\) \* jump_in"),
    (dict(rf_conv3=18.0), "rf_conv3 is 18.0, a float; it should be a whole number.*//"),
    (dict(rf_conv1=(3, 3)), "should be one whole number, the side of the square"),
    (dict(rf_conv1=True), "should be a whole number"),
])
def test_receptive_field_sizes_hints(model, wrong, hint):
    with fails(hint):
        checks.receptive_field_sizes(model, **(RIGHT_RF | wrong))


def test_receptive_field_sizes_not_attempted(model, capsys):
    assert_not_attempted(capsys, checks.receptive_field_sizes(
        model, **(RIGHT_RF | dict(rf_conv3=...))), 1)
    assert_not_attempted(capsys, checks.receptive_field_sizes(model, ..., ..., ..., ..., ...), 1)


# ---------------------------------------------------------------------------
# Exercise 6.2: cosine similarity
# ---------------------------------------------------------------------------


def right_cosine(a, b):
    return np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b))


def test_cosine_passes(capsys):
    assert checks.cosine(right_cosine).passed is True
    assert capsys.readouterr().out.startswith(
        "PASS Exercise 6.2: cosine similarity: opposite kernels give -1")


def test_cosine_passes_other_right_answers():
    assert checks.cosine(lambda a, b: float(a.ravel() @ b.ravel()) / np.sqrt(
        np.sum(a ** 2) * np.sum(b ** 2)))
    assert checks.cosine(lambda a, b: np.float32(right_cosine(a, b)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda a, b: np.sum(a * b), "SOBEL_X with itself.*plain dot product.*lengths \\(norms\\)"),
    (lambda a, b: np.sum(a * b) / np.linalg.norm(a), "norms of \\*both\\* kernels"),
    (lambda a, b: np.sum(a * b) / (np.sum(a * a) * np.sum(b * b)), "square root"),
    (lambda a, b: abs(right_cosine(a, b)), "-SOBEL_X.*keep the sign.*must give -1"),
    (lambda a, b: np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)),
     r"array of shape \(3, 3\).*matrix product"),
    (lambda a, b: right_cosine(a, b) + 0.1, r"cos\(a, b\) = sum\(a \* b\)"),
    (lambda a, b: None, "returned None"),
    (lambda a, b: "one", "my_cosine's result should be an array of numbers; got str"),
])
def test_cosine_hints(wrong, hint):
    with fails(hint):
        checks.cosine(wrong)


def test_cosine_catches_a_function_that_changes_its_inputs():
    def normalising(a, b):
        a /= np.linalg.norm(a)
        b /= np.linalg.norm(b)
        return np.sum(a * b)

    with fails("changed its inputs"):
        checks.cosine(normalising)


def test_cosine_reports_a_crash_with_its_message():
    with errors(r"^your my_cosine raised ZeroDivisionError: division by zero\. Hint: "):
        def my_cosine(a, b):
            return 1 / 0
        checks.cosine(my_cosine)


def test_cosine_not_attempted(capsys):
    assert_not_attempted(capsys, checks.cosine(stub), 2)
    assert_not_attempted(capsys, checks.cosine(...), 2)


# ---------------------------------------------------------------------------
# Exercise 6.3: cover one patch
# ---------------------------------------------------------------------------


def right_occlude(x, top, left, patch, fill=0.0):
    out = x.copy()
    out[:, top:top + patch, left:left + patch] = fill
    return out


def test_occlude_patch_passes(capsys):
    assert checks.occlude_patch(right_occlude).passed is True
    assert capsys.readouterr().out.startswith("PASS Exercise 6.3: cover one patch: matches")


def in_place(x, top, left, patch, fill=0.0):
    x[:, top:top + patch, left:left + patch] = fill
    return x


def in_place_no_return(x, top, left, patch, fill=0.0):
    x[:, top:top + patch, left:left + patch] = fill


@pytest.mark.parametrize("wrong, hint", [
    (in_place, "changed the image it was given.*x.copy\\(\\)"),
    (in_place_no_return, "returned None and changed x itself"),
    (lambda x, t, c, p, f=0.0: right_occlude(x, c, t, p, f),
     r"top is the row \(axis 1"),
    (lambda x, t, c, p, f=0.0: right_occlude(x, t, c, p + 1, f),
     "covers exactly 3 rows.*end of a slice is not included"),
    (lambda x, t, c, p, f=0.0: right_occlude(x, t, c, max(p - 1, 1), f),
     "covers exactly 3 rows and 3 columns"),
    (lambda x, t, c, p, f=0.0: np.concatenate([right_occlude(x[:1], t, c, p, f), x[1:]]),
     "every channel"),
    (lambda x, t, c, p, f=0.0: right_occlude(x, t, c, p, 0.0), "write the `fill` value"),
    (lambda x, t, c, p, f=0.0: right_occlude(x, t, c, p, f)[0],
     r"whole image, shape \(2, 7, 9\)"),
    (lambda x, t, c, p, f=0.0: right_occlude(x, t, c, p, f) * 0.5, "copy x, then set"),
    (lambda x, t, c, p, f=0.0: None, "returned None; did you forget"),
])
def test_occlude_patch_hints(wrong, hint):
    with fails(hint):
        checks.occlude_patch(wrong)


def test_occlude_patch_not_attempted(capsys):
    assert_not_attempted(capsys, checks.occlude_patch(stub), 3)
    assert_not_attempted(capsys, checks.occlude_patch(...), 3)


# ---------------------------------------------------------------------------
# Exercise 6.4: the most important patch
# ---------------------------------------------------------------------------


def right_most_important(heatmap, stride):
    row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    return row * stride, col * stride


def test_most_important_patch_passes(capsys):
    assert checks.most_important_patch(right_most_important).passed is True
    assert capsys.readouterr().out.startswith(
        "PASS Exercise 6.4: where does covering hurt most?: found the most important patch")


def test_most_important_patch_accepts_lists_and_arrays():
    assert checks.most_important_patch(lambda h, s: list(right_most_important(h, s)))
    assert checks.most_important_patch(lambda h, s: np.array(right_most_important(h, s)))


def ignores_stride(heatmap, stride):
    return right_most_important(heatmap, 1)


@pytest.mark.parametrize("wrong, hint", [
    (lambda h, s: int(np.argmax(h)), "np.unravel_index"),
    (lambda h, s: right_most_important(h, s)[::-1], r"rows come first: return \(row, column\)"),
    (lambda h, s: right_most_important(-h, s), "smallest value.*probability \\*drops\\*"),
    (lambda h, s: right_most_important(np.abs(h), s), "large but negative"),
    (ignores_stride, r"position in the heat map; with stride=2.*\(5 \* 2, 1 \* 2\)"),
    (lambda h, s: (0, 0), "find the largest value with np.argmax"),
    (lambda h, s: (1.0, 2.0), r"a pair of whole numbers \(top, left\)"),
    (lambda h, s: None, "returned None"),
])
def test_most_important_patch_hints(wrong, hint):
    with fails(hint):
        checks.most_important_patch(wrong)


def test_most_important_patch_not_attempted(capsys):
    assert_not_attempted(capsys, checks.most_important_patch(stub), 4)
    assert_not_attempted(capsys, checks.most_important_patch(...), 4)


def test_every_checker_is_exported():
    from cnnlesson.checks import nb06_inside

    for name in nb06_inside.__all__:
        assert getattr(checks, name) is getattr(nb06_inside, name)
