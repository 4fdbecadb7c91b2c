"""Exercise checkers for notebook 03_pooling.

* :func:`pool_by_hand`: Exercise 3.1, max and average pooling of :data:`HAND_POOL_INPUT`.
* :func:`maxpool_forward`: Exercise 3.2, ``my_maxpool(x, size)``.
* :func:`maxpool_backward`: an extra exercise (Exercise 3.3 of an earlier edition),
  ``my_maxpool_backward(x, dout, size)``; its record's id is ``"extra"``, so the class
  report does not mix it with today's 3.3 (in :mod:`cnnlesson.checks.nb03_receptive`).
"""

from __future__ import annotations

import numpy as np

from ..functional import (
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)
from ._core import call, exercise, expect_array, expect_shape

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "03_pooling"

__all__ = ["HAND_POOL_INPUT", "pool_by_hand", "maxpool_forward", "maxpool_backward"]

#: The 4x4 matrix of Exercise 3.1 (read-only).
HAND_POOL_INPUT = np.array([[1, 3, 4, 0],
                            [5, 2, 1, 1],
                            [0, 2, 6, 7],
                            [1, 1, 8, 3]], dtype=float)
HAND_POOL_INPUT.setflags(write=False)


def _pool(x, size, stride=None, kind="max"):
    x = np.asarray(x, dtype=float)[None, None]
    forward = maxpool2d_forward if kind == "max" else avgpool2d_forward
    return forward(x, size, stride)[0][0, 0]


# ---------------------------------------------------------------------------
# Exercise 3.1
# ---------------------------------------------------------------------------

@exercise("Exercise 3.1: pooling by hand")
def pool_by_hand(max_pooled, avg_pooled):
    """Check the 2x2, stride-2 max and average pooling of :data:`HAND_POOL_INPUT`.

    Parameters
    ----------
    max_pooled : array-like, shape (2, 2)
    avg_pooled : array-like, shape (2, 2)

    Introduced in notebook 03_pooling.
    """
    m = HAND_POOL_INPUT
    right_max, right_avg = _pool(m, 2), _pool(m, 2, kind="avg")
    for name, value, right in (("max_pooled", max_pooled, right_max),
                               ("avg_pooled", avg_pooled, right_avg)):
        got = expect_array(value, name)
        if got.shape == (3, 3):
            raise AssertionError(
                f"{name} has shape (3, 3): that is a stride of 1. With stride 2 the 2x2 windows "
                "do not overlap, so a 4x4 input gives 2x2.")
        got = expect_shape(got, (2, 2), what=name)
        if np.allclose(got, right):
            continue
        if name == "max_pooled" and np.allclose(got, right_avg):
            hint = "those are the averages; max pooling keeps the largest value of each window."
        elif name == "avg_pooled" and np.allclose(got, right_max):
            hint = "those are the maxima; average pooling keeps the mean of each window."
        elif np.allclose(got, right.T):
            hint = ("rows and columns are swapped: the first row of the answer comes from the "
                    "top two rows of the matrix.")
        elif name == "max_pooled" and np.allclose(got, -_pool(-m, 2)):
            hint = "those are the minima; take the largest value of each window."
        elif name == "avg_pooled" and np.allclose(got, right * 4):
            hint = "those are the sums; divide each by the 4 values of the window."
        else:
            hint = ("cut the matrix into four 2x2 blocks (top-left, top-right, bottom-left, "
                    "bottom-right) and reduce each block to one number.")
        raise AssertionError(f"{name} is not right. Hint: {hint}")
    return "max keeps the strongest value of each block, average blends the block"


# ---------------------------------------------------------------------------
# Exercise 3.2
# ---------------------------------------------------------------------------

def _forward_cases():
    rng = np.random.default_rng(3)
    return (
        (rng.standard_normal((4, 4)), 2),
        (rng.standard_normal((6, 8)), 2),
        (rng.standard_normal((5, 5)), 2),     # odd: the last row and column are dropped
        (rng.standard_normal((7, 6)), 3),     # 7 rows: the last row is dropped
        (-rng.uniform(1, 2, size=(4, 6)), 2),  # all negative: a maximum started at 0 fails
        (rng.standard_normal((3, 3)), 1),      # size 1 changes nothing
    )


def _diagnose_forward(x, size, got) -> str:
    right = _pool(x, size)
    oh, ow = right.shape
    ceil_shape = (-(-x.shape[0] // size), -(-x.shape[1] // size))
    if got.shape == ceil_shape and got.shape != right.shape:
        return ("A window that does not fit entirely inside the input is dropped: the output has "
                f"H // size = {oh} rows and W // size = {ow} columns here.")
    if got.shape == (x.shape[0] - size + 1, x.shape[1] - size + 1) and size > 1:
        return ("Your windows move one pixel at a time; here the stride equals the window "
                "size, so start window (i, j) at row i*size and column j*size.")
    if got.shape != right.shape:
        return f"For a {x.shape} input and size {size} the output has shape {right.shape}."
    if np.allclose(got, _pool(x, size, kind="avg")):
        return "Those are window averages; take the maximum of each window."
    if np.allclose(got, np.maximum(right, 0)):
        return ("The negative maxima came out as 0: start each window's maximum from its own "
                "values (e.g. window.max()), not from 0.")
    if np.allclose(got, right.T):
        return "Rows and columns are swapped."
    return "out[i, j] = x[i*size:(i+1)*size, j*size:(j+1)*size].max()."


@exercise("Exercise 3.2: max pooling, forward")
def maxpool_forward(my_maxpool):
    """Check ``my_maxpool(x, size)`` against :func:`cnnlesson.functional.maxpool2d_forward`.

    Parameters
    ----------
    my_maxpool : callable
        The learner's function ``(x (H, W), size) -> (H // size, W // size)`` with
        ``stride = size``.

    Introduced in notebook 03_pooling.
    """
    cases = _forward_cases()
    for x, size in cases:
        x_in = x.copy()
        got = expect_array(call(my_maxpool, x_in, size), "my_maxpool's output")
        if not np.array_equal(x_in, x):
            raise AssertionError("my_maxpool changed its input x; write into a new array.")
        right = _pool(x, size)
        if got.shape != right.shape or not np.allclose(got, right):
            raise AssertionError(
                f"for x of shape {x.shape} and size={size}, your output (shape {got.shape}) "
                f"differs from maxpool2d_forward's (shape {right.shape}). "
                + _diagnose_forward(x, size, got))
    return (f"matches functional.maxpool2d_forward on {len(cases)} inputs, "
            "odd sizes and negative values included")


# ---------------------------------------------------------------------------
# Exercise 3.3
# ---------------------------------------------------------------------------

def _backward_cases():
    rng = np.random.default_rng(4)
    x_distinct = rng.permutation(16).reshape(4, 4).astype(float)
    flat = np.full((4, 4), 0.5)                      # every window is a 4-way tie
    partly = np.array([[1, 3, 3, 0, 2],
                       [3, 0, 1, 3, 2],
                       [2, 2, 0, 0, 9],
                       [2, 1, 0, 0, 9],
                       [7, 7, 7, 7, 7]], dtype=float)  # ties inside windows; the odd edge drops
    odd = rng.standard_normal((7, 7))
    cases = []
    for x, size in ((x_distinct, 2), (flat, 2), (partly, 2), (odd, 3), (odd, 2)):
        oh, ow = x.shape[0] // size, x.shape[1] // size
        dout = rng.uniform(1.0, 2.0, size=(oh, ow)).round(2)
        cases.append((x, dout, size))
    return cases


def _backward_ref(x, dout, size):
    _, cache = maxpool2d_forward(np.asarray(x, dtype=float)[None, None], size)
    return maxpool2d_backward(np.asarray(dout, dtype=float)[None, None], cache)[0, 0]


def _windows_mask(x, size, pick):
    """A 0/1 array marking, per window, the positions chosen by ``pick(window) -> mask``."""
    mask = np.zeros_like(x)
    oh, ow = x.shape[0] // size, x.shape[1] // size
    for i in range(oh):
        for j in range(ow):
            win = x[i * size:(i + 1) * size, j * size:(j + 1) * size]
            mask[i * size:(i + 1) * size, j * size:(j + 1) * size] = pick(win)
    return mask


def _upsample(dout, size, shape):
    full = np.zeros(shape)
    oh, ow = dout.shape
    full[:oh * size, :ow * size] = np.kron(dout, np.ones((size, size)))
    return full


def _diagnose_backward(x, dout, size, got) -> str:
    if got.shape != x.shape:
        return (f"dx must have the shape of x, {x.shape}: every input gets a gradient (zero for "
                "most).")
    spread = _upsample(dout, size, x.shape)
    all_max = _windows_mask(x, size, lambda w: (w == w.max()).astype(float))
    counts = _upsample(_pool(all_max, size, kind="avg") * size * size, size, x.shape)
    last = _windows_mask(x, size, lambda w: _last_max_mask(w))
    if np.allclose(got, spread * all_max):
        return ("Where a window has several equal maxima (a tie) you send the gradient to all "
                "of them. Send the gradient to only one position per window: the first maximum "
                "in row-major order, the one np.argmax picks.")
    if np.allclose(got, np.divide(spread * all_max, counts, out=np.zeros_like(got),
                                  where=counts > 0)):
        return ("A tie's gradient is split among the equal maxima; send the whole gradient to "
                "only one position per window: the first maximum, as np.argmax picks it.")
    if np.allclose(got, spread * last):
        return ("On ties you pick the last maximum; pick the first one in row-major order "
                "(np.argmax does), so the result matches the package.")
    if np.allclose(got, spread):
        return ("Every position of the window received the gradient; only the window's maximum "
                "influenced the output, so only that one position gets dout, the others get 0.")
    if np.allclose(got, spread / (size * size)):
        return "That is the average-pooling backward pass; max pooling routes dout to the winner."
    if np.allclose(got, _windows_mask(x, size, _first_max_mask)):
        return "The mask is right; multiply it by dout so each winner receives its window's dout."
    return ("For each window find the position of its maximum (np.argmax, then np.unravel_index) "
            "and put that window's dout there; everything else stays 0.")


def _first_max_mask(w):
    m = np.zeros_like(w)
    m[np.unravel_index(np.argmax(w), w.shape)] = 1.0
    return m


def _last_max_mask(w):
    flat = w.ravel()
    k = flat.size - 1 - int(np.argmax(flat[::-1]))
    m = np.zeros_like(w)
    m[np.unravel_index(k, w.shape)] = 1.0
    return m


@exercise("Extra: max pooling, backward")
def maxpool_backward(my_maxpool_backward):
    """Check ``my_maxpool_backward(x, dout, size)`` against the package's backward pass.

    Parameters
    ----------
    my_maxpool_backward : callable
        The learner's function ``(x (H, W), dout (H // size, W // size), size) -> dx (H, W)``,
        stride = size, ties resolved by "first maximum in row-major order wins".

    Introduced in notebook 03_pooling.
    """
    cases = _backward_cases()
    for x, dout, size in cases:
        x_in, dout_in = x.copy(), dout.copy()
        got = expect_array(call(my_maxpool_backward, x_in, dout_in, size),
                              "my_maxpool_backward's output")
        if not (np.array_equal(x_in, x) and np.array_equal(dout_in, dout)):
            raise AssertionError("my_maxpool_backward changed x or dout; write into a new array "
                                 "(np.zeros_like(x)).")
        right = _backward_ref(x, dout, size)
        if got.shape != right.shape or not np.allclose(got, right):
            tie = " (it has ties)" if not np.allclose(_windows_mask(
                x, size, lambda w: (w == w.max()).astype(float)),
                _windows_mask(x, size, _first_max_mask)) else ""
            raise AssertionError(
                f"for x of shape {x.shape}{tie} and size={size}, your dx differs from "
                "maxpool2d_backward's. " + _diagnose_backward(x, dout, size, got))
    return (f"matches functional.maxpool2d_backward on {len(cases)} inputs, ties and dropped "
            "edges included")
