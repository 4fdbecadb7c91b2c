"""Exercise checkers for notebook 04_backprop: the input gradient, the batched weight gradient
and max pooling's backward pass.

* :func:`conv_input_grad`: Exercise 4.3, ``my_conv_input_grad(dout, kernel)``, dL/dX as a full
  convolution of ``dout`` with the flipped kernel.
* :func:`conv_weight_grad`: Exercise 4.4, ``my_conv_weight_grad(x, dout, kh, kw)``, dL/dW of a
  multi-channel conv layer on a batch.
* :func:`maxpool_backward_tie`: Exercise 4.5, max pooling's backward pass by hand on a 4x4 map
  with a tie (:data:`POOL_TIE_X`, :data:`POOL_TIE_DOUT`).
"""

from __future__ import annotations

import numpy as np

from ..filters import correlate2d
from ..functional import conv2d_backward, conv2d_forward, maxpool2d_backward, maxpool2d_forward
from ..gradcheck import numerical_gradient
from ._core import call, exercise, expect_array

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "04_backprop"

__all__ = ["conv_input_grad", "conv_weight_grad", "maxpool_backward_tie", "POOL_TIE_X",
           "POOL_TIE_DOUT"]


def _close(a, b, rtol=1e-7, atol=1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


# ---------------------------------------------------------------------------
# Exercise 4.3: dL/dX, a full convolution with the flipped kernel
# ---------------------------------------------------------------------------

def reference_input_grad(dout: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``dL/dX`` of ``Y = correlate2d(X, kernel)`` (valid, stride 1), from :func:`conv2d_backward`.

    Parameters
    ----------
    dout : numpy.ndarray, shape (H', W')
    kernel : numpy.ndarray, shape (KH, KW)

    Returns
    -------
    numpy.ndarray, shape (H' + KH - 1, W' + KW - 1)

    Introduced in notebook 04_backprop.
    """
    kh, kw = kernel.shape
    x = np.zeros((1, 1, dout.shape[0] + kh - 1, dout.shape[1] + kw - 1))
    _, cache = conv2d_forward(x, kernel[None, None].astype(np.float64), np.zeros(1))
    return conv2d_backward(dout[None, None].astype(np.float64), cache)[0][0, 0]


def _pad(a, rows, cols):
    return np.pad(a, ((rows, rows), (cols, cols)))


def _input_grad_cases():
    rng = np.random.default_rng(403)
    # (H', W'), (KH, KW): non-square maps and kernels catch one padding for both axes.
    shapes = (((4, 5), (3, 3)), ((3, 6), (2, 3)), ((5, 4), (3, 2)), ((3, 3), (4, 4)))
    return [(rng.normal(size=ds), rng.normal(size=ks)) for ds, ks in shapes]


def _diagnose_input_grad(got, dout, kernel, expected) -> str:
    (oh, ow), (kh, kw) = dout.shape, kernel.shape
    if got.shape != expected.shape:
        if oh >= kh and ow >= kw and got.shape == (oh - kh + 1, ow - kw + 1):
            return ("That is a 'valid' correlation, which shrinks dout further; dX has the "
                    "shape of X, so pad dout with KH - 1 rows and KW - 1 columns of zeros on "
                    "each side first (a 'full' convolution).")
        if got.shape == dout.shape:
            return ("Your dX has the shape of dout (a 'same' padding of KH // 2?); dX has the "
                    f"shape of X, (H' + KH - 1, W' + KW - 1) = {expected.shape}: pad by KH - 1 "
                    "and KW - 1.")
        if got.shape == (oh + kh + 1, ow + kw + 1):
            return ("You padded by KH and KW; the full padding is KH - 1 rows and KW - 1 "
                    "columns on each side.")
        one_padding = {(oh + 2 * p - kh + 1, ow + 2 * p - kw + 1) for p in (kh - 1, kw - 1)}
        if kh != kw and got.shape in one_padding:
            return ("The kernel is not square here: pad the rows by KH - 1 and the columns by "
                    "KW - 1, e.g. np.pad(dout, ((KH - 1, KH - 1), (KW - 1, KW - 1))).")
        if got.shape == kernel.shape:
            return "That has the kernel's shape: it would be dL/dK. dL/dX has the shape of X."
        return (f"dX has the shape of X: (H' + KH - 1, W' + KW - 1) = {expected.shape} for "
                f"dout {dout.shape} and a kernel {kernel.shape}.")
    padded = _pad(dout, kh - 1, kw - 1)
    candidates = (
        (correlate2d(padded, kernel), "The kernel is not flipped: dX is the full correlation "
                                      "of dout with the kernel rotated by 180 degrees, "
                                      "kernel[::-1, ::-1]."),
        (correlate2d(padded, kernel[::-1, :]), "You flipped the kernel's rows only; rotate it "
                                               "by 180 degrees: kernel[::-1, ::-1]."),
        (correlate2d(padded, kernel[:, ::-1]), "You flipped the kernel's columns only; rotate "
                                               "it by 180 degrees: kernel[::-1, ::-1]."),
        (-expected, "Your dX has the wrong sign."),
    )
    if kh == kw:
        candidates += ((correlate2d(padded, kernel.T), "You transposed the kernel; rotate it by "
                                                       "180 degrees instead: "
                                                       "kernel[::-1, ::-1]."),)
    for candidate, hint in candidates:
        if _close(got, candidate):
            return hint
    return ("Pad dout with KH - 1 rows and KW - 1 columns of zeros on every side, then "
            "correlate it with kernel[::-1, ::-1] (valid): dX[p, q] = sum over u, v of "
            "dout[p - u, q - v] * kernel[u, v].")


@exercise("Exercise 4.3: dL/dX, a full convolution with the flipped kernel")
def conv_input_grad(my_conv_input_grad):
    """Check ``my_conv_input_grad(dout, kernel) -> dX`` (one channel, stride 1, no padding).

    Compared with the input gradient of :func:`cnnlesson.functional.conv2d_backward` on
    non-square maps and kernels, and on the first case also with a numerical gradient of
    ``L(X) = sum(correlate2d(X, kernel) * dout)``.

    Parameters
    ----------
    my_conv_input_grad : callable
        ``(dout (H', W'), kernel (KH, KW)) -> dX (H' + KH - 1, W' + KW - 1)``.

    Introduced in notebook 04_backprop.
    """
    cases = _input_grad_cases()
    for index, (dout, kernel) in enumerate(cases):
        dout_in, kernel_in = dout.copy(), kernel.copy()
        got = call(my_conv_input_grad, dout_in, kernel_in)
        if not (np.array_equal(dout_in, dout) and np.array_equal(kernel_in, kernel)):
            raise AssertionError("my_conv_input_grad changed dout or kernel; work on copies "
                                 "(np.pad and kernel[::-1, ::-1] make new arrays).")
        got = expect_array(got, f"my_conv_input_grad(dout of shape {dout.shape}, kernel of "
                                f"shape {kernel.shape})")
        expected = reference_input_grad(dout, kernel)
        numeric = expected
        if index == 0:  # also nudge each pixel of X and measure L = sum(Y * dout)
            x0 = np.random.default_rng(404).normal(size=expected.shape)
            numeric = numerical_gradient(lambda v, k=kernel: correlate2d(v, k), x0, dout=dout)
        if not (_close(got, expected) and _close(got, numeric, rtol=1e-6, atol=1e-7)):
            detail = (f"for dout of shape {dout.shape} and a kernel of shape {kernel.shape}, "
                      f"your dX (shape {got.shape}) differs from conv2d_backward's (shape "
                      f"{expected.shape}).")
            raise AssertionError(f"{detail} {_diagnose_input_grad(got, dout, kernel, expected)}")
    return (f"matches conv2d_backward's dx on {len(cases)} cases (non-square kernels "
            "included) and a numerical gradient")


# ---------------------------------------------------------------------------
# Exercise 4.4: dL/dW for several channels, several filters and a batch
# ---------------------------------------------------------------------------

def reference_weight_grad(x: np.ndarray, dout: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """``dL/dW`` of a stride-1, unpadded conv layer, from :func:`conv2d_backward`.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
    dout : numpy.ndarray, shape (N, F, H - kh + 1, W - kw + 1)
    kh, kw : int

    Returns
    -------
    numpy.ndarray, shape (F, C, kh, kw)

    Introduced in notebook 04_backprop.
    """
    w = np.zeros((dout.shape[1], x.shape[1], kh, kw))
    _, cache = conv2d_forward(x.astype(np.float64), w, np.zeros(dout.shape[1]))
    return conv2d_backward(dout.astype(np.float64), cache)[1]


def _weight_grad_cases():
    rng = np.random.default_rng(44)
    # (N, C, H, W), (F, KH, KW): C != F catches swapped axes; C == F catches swapped values.
    specs = (((3, 2, 6, 7), (4, 3, 2)), ((2, 3, 5, 5), (3, 3, 3)), ((4, 1, 5, 6), (2, 2, 3)))
    cases = []
    for (n, c, h, w), (f, kh, kw) in specs:
        x = rng.normal(size=(n, c, h, w))
        dout = rng.normal(size=(n, f, h - kh + 1, w - kw + 1))
        cases.append((x, dout, kh, kw))
    return cases


def _diagnose_weight_grad(got, x, dout, kh, kw, expected) -> str:
    n, c = x.shape[:2]
    f = dout.shape[1]
    if got.shape != expected.shape:
        if got.shape == (c, f, kh, kw):
            return ("The filter and channel axes are swapped: dW has the weights' shape "
                    "(F, C, KH, KW), filter first.")
        if got.shape == (n, f, c, kh, kw):
            return ("You kept one gradient per image; every image used the same weights, so "
                    "sum over the batch axis (axis 0).")
        if got.shape == (f, kh, kw):
            return ("The channel axis is missing: every filter has one kernel per input "
                    "channel, dW[f, c] = sum over n of correlate2d(x[n, c], dout[n, f]).")
        if got.shape == (f, c, kw, kh):
            return "KH and KW are swapped: dW[f, c] has KH rows and KW columns."
        return (f"dW has the weights' shape (F, C, KH, KW) = {expected.shape}.")
    first = reference_weight_grad(x[:1], dout[:1], kh, kw)
    candidates = (
        (expected / n, "Your dW is divided by N: the loss already carries any averaging in "
                       "dout, so the layer SUMS the contributions of the batch."),
        (first, "Only the first image counts: every image used the same weights, so add up "
                "the contributions of all N images."),
        (expected[:, :, ::-1, ::-1], "Your result is rotated by 180 degrees: dW is a "
                                     "correlation, x[n, c, i + u, j + v] (plus), no flip."),
        (-expected, "Your dW has the wrong sign."),
    )
    if c == f:
        candidates += ((expected.transpose(1, 0, 2, 3),
                        "The filter and channel indices are swapped: dW[f, c] pairs input "
                        "channel c with the gradient of filter f, dout[:, f]."),)
    for candidate, hint in candidates:
        if _close(got, candidate):
            return hint
    return ("dW[f, c] = sum over n of correlate2d(x[n, c], dout[n, f]): one correlation per "
            "(filter, channel) pair, added up over the batch.")


@exercise("Exercise 4.4: the weight gradient of a batch")
def conv_weight_grad(my_conv_weight_grad):
    """Check ``my_conv_weight_grad(x, dout, kh, kw) -> dW`` against :func:`conv2d_backward`.

    Parameters
    ----------
    my_conv_weight_grad : callable
        ``(x (N, C, H, W), dout (N, F, H - kh + 1, W - kw + 1), kh, kw) -> (F, C, kh, kw)``.

    Introduced in notebook 04_backprop.
    """
    cases = _weight_grad_cases()
    for x, dout, kh, kw in cases:
        x_in, dout_in = x.copy(), dout.copy()
        got = call(my_conv_weight_grad, x_in, dout_in, kh, kw)
        if not (np.array_equal(x_in, x) and np.array_equal(dout_in, dout)):
            raise AssertionError("my_conv_weight_grad changed x or dout; build a new array "
                                 "for dW.")
        got = expect_array(got, "my_conv_weight_grad's result")
        expected = reference_weight_grad(x, dout, kh, kw)
        if not _close(got, expected):
            detail = (f"for x of shape {x.shape}, dout of shape {dout.shape} and {kh}x{kw} "
                      f"kernels, your dW (shape {got.shape}) differs from conv2d_backward's "
                      f"(shape {expected.shape}).")
            raise AssertionError(
                f"{detail} {_diagnose_weight_grad(got, x, dout, kh, kw, expected)}")
    return (f"matches conv2d_backward's dw on {len(cases)} batches (several channels and "
            "filters)")


# ---------------------------------------------------------------------------
# Exercise 4.5: max pooling's backward pass by hand, with a tie
# ---------------------------------------------------------------------------

#: The (1, 1, 4, 4) map of Exercise 4.5: its top-left 2x2 window has a tie (two 3s).
POOL_TIE_X = np.array([[1.0, 3.0, 2.0, 0.0],
                       [3.0, 2.0, 5.0, 4.0],
                       [0.0, 6.0, 1.0, 3.0],
                       [2.0, 1.0, 2.0, 0.0]])[None, None]
POOL_TIE_X.setflags(write=False)

#: The upstream gradient of Exercise 4.5, (1, 1, 2, 2): one value per 2x2 window.
POOL_TIE_DOUT = np.array([[2.0, -1.0],
                          [4.0, 3.0]])[None, None]
POOL_TIE_DOUT.setflags(write=False)


def _pool_tie_reference() -> np.ndarray:
    _, cache = maxpool2d_forward(POOL_TIE_X.copy(), size=2)
    return maxpool2d_backward(POOL_TIE_DOUT.copy(), cache)


def _per_window(pick) -> np.ndarray:
    """(4, 4): each 2x2 window of POOL_TIE_X filled by ``pick(window, dout) -> (2, 2)``."""
    x, g = POOL_TIE_X[0, 0], POOL_TIE_DOUT[0, 0]
    out = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            win = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            out[2 * i:2 * i + 2, 2 * j:2 * j + 2] = pick(win, g[i, j])
    return out


def _pool_tie_slips():
    def last(w, g):
        m = np.zeros((2, 2))
        k = 3 - int(np.argmax(w.ravel()[::-1]))
        m[np.unravel_index(k, (2, 2))] = g
        return m

    def first(w, g):
        m = np.zeros((2, 2))
        m[np.unravel_index(np.argmax(w), (2, 2))] = 1.0
        return m

    def at_min(w, g):
        m = np.zeros((2, 2))
        m[np.unravel_index(np.argmin(w), (2, 2))] = g
        return m

    return (
        (_per_window(lambda w, g: (w == w.max()) * g),
         "The tied window (top left, two 3s) gives its full dout to BOTH 3s. Raising both by "
         "a tiny eps raises the maximum by eps, not 2 eps, so the window's gradients must add "
         "up to its dout: give it all to the first maximum in reading order."),
        (_per_window(lambda w, g: (w == w.max()) * g / np.sum(w == w.max())),
         "You split the tied window's dout between its two 3s. That adds up correctly, but "
         "the package (like every framework) gives the whole dout to ONE position: the first "
         "maximum in reading order (left to right, then top to bottom)."),
        (_per_window(last),
         "In the tied window you chose the second 3; the package chooses the FIRST maximum "
         "in reading order (left to right along row 0 first), the one np.argmax picks."),
        (_per_window(lambda w, g: np.full((2, 2), g)),
         "Every position of each window received dout; only the window's maximum influenced "
         "the pooled value, so only that position gets dout and the other three get 0."),
        (_per_window(lambda w, g: np.full((2, 2), g / 4)),
         "That is average pooling's backward pass (dout / 4 everywhere); max pooling routes "
         "the whole dout to the window's maximum."),
        (_per_window(first),
         "That is the mask of the winners; each winner receives its window's dout, not 1."),
        (_per_window(at_min),
         "You sent dout to each window's smallest value; it goes to the largest."),
    )


@exercise("Exercise 4.5: max pooling backward, by hand, with a tie")
def maxpool_backward_tie(dx):
    """Check ``dx``, max pooling's input gradient for :data:`POOL_TIE_X` and :data:`POOL_TIE_DOUT`.

    2x2 windows, stride 2. The answer is compared with
    :func:`cnnlesson.functional.maxpool2d_backward`; both (1, 1, 4, 4) and (4, 4) arrays are
    accepted.

    Parameters
    ----------
    dx : array-like
        (1, 1, 4, 4) or (4, 4): the gradient of the loss with respect to ``POOL_TIE_X``.

    Introduced in notebook 04_backprop.
    """
    got = expect_array(dx, "dx", finite=True)
    if got.shape not in ((1, 1, 4, 4), (4, 4)):
        raise AssertionError(f"dx should have the shape of x, (1, 1, 4, 4) (or (4, 4)); it "
                             f"has {got.shape}. Every input gets a gradient, 0 for most.")
    got = got.reshape(4, 4)
    right = _pool_tie_reference()[0, 0]
    if np.allclose(got, right):
        return ("each window's dout went to its maximum only, and the tied window's 2 to its "
                "first 3 (row 0, column 1)")
    for slip, hint in _pool_tie_slips():
        if np.allclose(got, slip):
            raise AssertionError(hint)
    wrong = [(int(i), int(j)) for i, j in zip(*np.nonzero(~np.isclose(got, right)), strict=True)]
    return_hint = ("Find each 2x2 window's maximum, put that window's dout there and 0 "
                   "everywhere else; in a tie, the first maximum in reading order wins.")
    raise AssertionError(f"dx is wrong at {len(wrong)} position(s), first at {wrong[0]}. "
                         f"{return_hint}")
