"""The checkers of notebook 03_pooling: PASS right answers, hint at typical mistakes."""

import numpy as np
import pytest
from check_helpers import fails

from cnnlesson import checks
from cnnlesson.checks.nb03_pooling import HAND_POOL_INPUT

RIGHT_MAX = [[5, 4], [2, 8]]
RIGHT_AVG = [[2.75, 1.5], [1, 6]]


def stub(*args):
    raise NotImplementedError("Exercise")


# ---------------------------------------------------------------------------
# Exercise 3.1
# ---------------------------------------------------------------------------


def test_hand_input_is_read_only():
    with pytest.raises(ValueError):
        HAND_POOL_INPUT[0, 0] = 9


def test_pool_by_hand_passes(capsys):
    assert checks.pool_by_hand(RIGHT_MAX, np.array(RIGHT_AVG)).passed is True
    assert capsys.readouterr().out.startswith("PASS Exercise 3.1")


@pytest.mark.parametrize("max_pooled, avg_pooled, hint", [
    (RIGHT_AVG, RIGHT_AVG, "max_pooled.*those are the averages"),
    (RIGHT_MAX, RIGHT_MAX, "avg_pooled.*those are the maxima"),
    (np.array(RIGHT_MAX).T, RIGHT_AVG, "rows and columns are swapped"),
    ([[1, 0], [0, 3]], RIGHT_AVG, "those are the minima"),
    (RIGHT_MAX, [[11, 6], [4, 24]], "those are the sums"),
    (np.ones((3, 3)), RIGHT_AVG, r"shape \(3, 3\): that is a stride of 1"),
    ([[5, 2, 1]], RIGHT_AVG, r"should have shape \(2, 2\)"),
    ([[5, 4], [2, 7]], RIGHT_AVG, "cut the matrix into four 2x2 blocks"),
])
def test_pool_by_hand_hints(max_pooled, avg_pooled, hint):
    with fails(hint):
        checks.pool_by_hand(max_pooled, avg_pooled)


def test_pool_by_hand_not_attempted(capsys):
    assert checks.pool_by_hand(..., ...).passed is False
    assert checks.pool_by_hand(RIGHT_MAX, ...).passed is False
    assert capsys.readouterr().out.count("[not attempted yet] Exercise 3.1") == 2


# ---------------------------------------------------------------------------
# Exercise 3.2
# ---------------------------------------------------------------------------


def pool_loops(x, size, *, start=None, ceil=False, stride=None, reduce=np.max):
    stride = stride or size
    h, w = x.shape
    if ceil:
        oh, ow = -(-h // size), -(-w // size)
    else:
        oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = x[i * stride:i * stride + size, j * stride:j * stride + size]
            out[i, j] = reduce(win) if start is None else max(start, win.max())
    return out


def test_maxpool_forward_passes(capsys):
    assert checks.maxpool_forward(pool_loops).passed is True
    assert capsys.readouterr().out.startswith("PASS Exercise 3.2")


@pytest.mark.parametrize("kwargs, hint", [
    (dict(ceil=True), "A window that does not fit entirely inside the input is dropped"),
    (dict(stride=1), "move one pixel at a time"),
    (dict(reduce=np.mean), "Those are window averages"),
    (dict(start=0.0), "start each window's maximum from its own values"),
    (dict(reduce=np.min), r"out\[i, j\] = x\[i\*size"),
])
def test_maxpool_forward_hints(kwargs, hint):
    with fails(hint):
        checks.maxpool_forward(lambda x, size: pool_loops(x, size, **kwargs))


def test_maxpool_forward_mutation_and_not_attempted(capsys):
    def mutating(x, size):
        out = pool_loops(x, size)
        x[0, 0] = 99.0
        return out

    with fails("changed its input"):
        checks.maxpool_forward(mutating)
    with fails("is None: did you forget to `return`"):
        checks.maxpool_forward(lambda x, size: None)
    assert checks.maxpool_forward(stub).passed is False
    assert checks.maxpool_forward(...).passed is False
    assert capsys.readouterr().out.count("[not attempted yet] Exercise 3.2") == 2


# ---------------------------------------------------------------------------
# Extra: max pooling, backward (Exercise 3.3 of an earlier edition)
# ---------------------------------------------------------------------------


def backward_loops(x, dout, size, *, rule="first", scale=True):
    dx = np.zeros_like(x, dtype=float)
    oh, ow = dout.shape
    for i in range(oh):
        for j in range(ow):
            rows, cols = slice(i * size, (i + 1) * size), slice(j * size, (j + 1) * size)
            win = x[rows, cols]
            g = dout[i, j] if scale else 1.0
            if rule == "first":
                r, c = np.unravel_index(np.argmax(win), win.shape)
                dx[i * size + r, j * size + c] += g
            elif rule == "last":
                k = win.size - 1 - np.argmax(win.ravel()[::-1])
                r, c = np.unravel_index(k, win.shape)
                dx[i * size + r, j * size + c] += g
            elif rule == "all":
                dx[rows, cols] += g * (win == win.max())
            elif rule == "split":
                m = win == win.max()
                dx[rows, cols] += g * m / m.sum()
            elif rule == "everywhere":
                dx[rows, cols] += g
            elif rule == "average":
                dx[rows, cols] += g / size**2
    return dx


def test_maxpool_backward_passes(capsys):
    assert checks.maxpool_backward(backward_loops).passed is True
    assert capsys.readouterr().out.startswith("PASS Extra: max pooling, backward")


@pytest.mark.parametrize("kwargs, hint", [
    (dict(rule="all"), "Send the gradient to only one position per window"),
    (dict(rule="split"), "send the whole gradient to only one position per window"),
    (dict(rule="last"), "pick the first one in row-major order"),
    (dict(rule="everywhere"), "only that one position gets dout"),
    (dict(rule="average"), "average-pooling backward pass"),
    (dict(scale=False), "multiply it by dout"),
])
def test_maxpool_backward_hints(kwargs, hint):
    with fails(hint):
        checks.maxpool_backward(lambda x, dout, size: backward_loops(x, dout, size, **kwargs))


def test_maxpool_backward_tie_case_is_named():
    with fails(r"\(it has ties\).*only one position per window"):
        checks.maxpool_backward(lambda x, dout, size: backward_loops(x, dout, size, rule="all"))


def test_maxpool_backward_wrong_shape_and_mutation(capsys):
    with fails("dx must have the shape of x"):
        checks.maxpool_backward(lambda x, dout, size: backward_loops(x, dout, size)[:-1])

    def mutating(x, dout, size):
        dx = backward_loops(x, dout, size)
        dout *= 2
        return dx

    with fails("changed x or dout"):
        checks.maxpool_backward(mutating)
    assert checks.maxpool_backward(stub).passed is False
    assert checks.maxpool_backward(...).passed is False
    assert capsys.readouterr().out.count("[not attempted yet] Extra: max pooling, backward") == 2
