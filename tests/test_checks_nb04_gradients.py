"""Exercises 4.3-4.5 of notebook 04: dL/dX as a full convolution with the flipped kernel, the
batched multi-channel dW, and max pooling's backward pass by hand with a tie."""

import numpy as np
import pytest
from check_helpers import errors, fails, run_quietly

from cnnlesson import checks, filters, functional
from cnnlesson.checks.nb04_gradients import (
    _input_grad_cases,
    reference_input_grad,
    reference_weight_grad,
)
from cnnlesson.gradcheck import numerical_gradient

# ---------------------------------------------------------------------------
# Exercise 4.3
# ---------------------------------------------------------------------------


def my_conv_input_grad(dout, kernel):
    kh, kw = kernel.shape
    padded = np.pad(dout, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return filters.correlate2d(padded, kernel[::-1, ::-1])


def loops_input_grad(dout, kernel):
    kh, kw = kernel.shape
    dx = np.zeros((dout.shape[0] + kh - 1, dout.shape[1] + kw - 1))
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i:i + kh, j:j + kw] += dout[i, j] * kernel
    return dx


def test_the_reference_is_the_numerical_gradient():
    for dout, kernel in _input_grad_cases():
        expected = reference_input_grad(dout, kernel)
        x = np.random.default_rng(1).normal(size=expected.shape)
        numeric = numerical_gradient(lambda v, k=kernel: filters.correlate2d(v, k), x, dout=dout)
        assert np.allclose(numeric, expected, atol=1e-7)
        assert np.allclose(my_conv_input_grad(dout, kernel), expected)


@pytest.mark.parametrize("fn", [
    my_conv_input_grad, loops_input_grad,
    lambda d, k: filters.convolve2d(np.pad(d, ((k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2)),
                                    k),
    lambda d, k: my_conv_input_grad(d, k).tolist(),
    lambda d, k: my_conv_input_grad(d, k).astype(np.float32),
])
def test_every_right_input_grad_passes(fn):
    result, out, records = run_quietly(checks.conv_input_grad, fn)
    assert result.passed, out
    assert records[0]["id"] == "4.3" and records[0]["notebook"] == "04_backprop"


def _padded(d, k):
    return np.pad(d, ((k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2))


@pytest.mark.parametrize("fn, hint", [
    (lambda d, k: filters.correlate2d(_padded(d, k), k), "not flipped"),
    (lambda d, k: filters.correlate2d(_padded(d, k), k[::-1]), "rows only"),
    (lambda d, k: filters.correlate2d(_padded(d, k), k[:, ::-1]), "columns only"),
    (lambda d, k: filters.correlate2d(_padded(d, k), k.T), "transposed"),
    (lambda d, k: -my_conv_input_grad(d, k), "wrong sign"),
    (lambda d, k: filters.correlate2d(d, k[::-1, ::-1]), "'valid' correlation"),
    (lambda d, k: filters.correlate2d(d, k[::-1, ::-1], padding="same"), "shape of dout"),
    (lambda d, k: filters.correlate2d(np.pad(d, k.shape[0]), k[::-1, ::-1]), "padded by KH"),
    (lambda d, k: filters.convolve2d(d, k, padding=k.shape[0] - 1), "not square"),
    (lambda d, k: filters.convolve2d(d, k, padding=k.shape[1] - 1), "not square"),
    (lambda d, k: np.ones(k.shape), "kernel's shape"),
    (lambda d, k: 2 * my_conv_input_grad(d, k), "Pad dout with KH - 1"),
    (lambda d, k: None, "None"),
])
def test_input_grad_slips_get_their_hint(fn, hint):
    with fails(hint):
        checks.conv_input_grad(fn)


def test_input_grad_in_place_error_and_stub():
    def in_place(dout, kernel):
        dout *= 1.0
        dout[0, 0] += 1.0
        return my_conv_input_grad(dout, kernel)

    with fails("changed dout or kernel"):
        checks.conv_input_grad(in_place)
    with errors("IndexError"):
        checks.conv_input_grad(lambda d, k: d[100, 100])
    result, out, _ = run_quietly(checks.conv_input_grad, ...)
    assert result.status == "not_attempted"

# ---------------------------------------------------------------------------
# Exercise 4.4
# ---------------------------------------------------------------------------


def my_conv_weight_grad(x, dout, kh, kw):
    n, c = x.shape[:2]
    f = dout.shape[1]
    dw = np.zeros((f, c, kh, kw))
    for i in range(n):
        for fi in range(f):
            for ci in range(c):
                dw[fi, ci] += filters.correlate2d(x[i, ci], dout[i, fi])
    return dw


def einsum_weight_grad(x, dout, kh, kw):
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return np.einsum("ncijuv,nfij->fcuv", windows, dout)


def test_the_weight_reference_agrees_with_the_forward_pass():
    rng = np.random.default_rng(3)
    x, dout = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(2, 4, 4, 4))
    w = rng.normal(size=(4, 3, 2, 3))
    numeric = numerical_gradient(
        lambda v: functional.conv2d_forward(x, v, np.zeros(4))[0], w, dout=dout)
    assert np.allclose(reference_weight_grad(x, dout, 2, 3), numeric, atol=1e-7)


@pytest.mark.parametrize("fn", [
    my_conv_weight_grad, einsum_weight_grad,
    lambda *a: my_conv_weight_grad(*a).tolist(),
    lambda *a: my_conv_weight_grad(*a).astype(np.float32),
])
def test_every_right_weight_grad_passes(fn):
    result, out, records = run_quietly(checks.conv_weight_grad, fn)
    assert result.passed, out
    assert records[0]["id"] == "4.4"


@pytest.mark.parametrize("fn, hint", [
    (lambda *a: my_conv_weight_grad(*a) / a[0].shape[0], "divided by N"),
    (lambda x, d, kh, kw: my_conv_weight_grad(x[:1], d[:1], kh, kw), "Only the first image"),
    (lambda *a: my_conv_weight_grad(*a).transpose(1, 0, 2, 3), "axes are swapped"),
    (lambda *a: my_conv_weight_grad(*a)[:, :, ::-1, ::-1], "rotated by 180"),
    (lambda *a: -my_conv_weight_grad(*a), "wrong sign"),
    (lambda x, d, kh, kw: np.stack([my_conv_weight_grad(x[i:i + 1], d[i:i + 1], kh, kw)
                                    for i in range(len(x))]), "sum over the batch"),
    (lambda *a: my_conv_weight_grad(*a).sum(axis=1), "channel axis is missing"),
    (lambda *a: my_conv_weight_grad(*a).transpose(0, 1, 3, 2), "KH and KW are swapped"),
    (lambda *a: np.zeros((2, 2)), r"weights' shape \(F, C, KH, KW\)"),
    (lambda *a: 3 * my_conv_weight_grad(*a), "one correlation per"),
])
def test_weight_grad_slips_get_their_hint(fn, hint):
    with fails(hint):
        checks.conv_weight_grad(fn)


def test_weight_grad_swapped_values_when_c_equals_f():
    calls = []

    def swapped_when_square(x, dout, kh, kw):
        calls.append(1)
        right = my_conv_weight_grad(x, dout, kh, kw)
        return right.transpose(1, 0, 2, 3) if right.shape[0] == right.shape[1] else right

    with fails("filter and channel indices are swapped"):
        checks.conv_weight_grad(swapped_when_square)
    assert len(calls) == 2

# ---------------------------------------------------------------------------
# Exercise 4.5
# ---------------------------------------------------------------------------


RIGHT_DX = np.array([[0.0, 2.0, 0.0, 0.0],
                     [0.0, 0.0, -1.0, 0.0],
                     [0.0, 4.0, 0.0, 3.0],
                     [0.0, 0.0, 0.0, 0.0]])


def test_the_right_dx_is_the_package_s():
    _, cache = functional.maxpool2d_forward(checks.POOL_TIE_X.copy(), size=2)
    dx = functional.maxpool2d_backward(checks.POOL_TIE_DOUT.copy(), cache)
    assert np.array_equal(dx[0, 0], RIGHT_DX)
    window = checks.POOL_TIE_X[0, 0, :2, :2]
    assert np.sum(window == window.max()) == 2  # the tie


@pytest.mark.parametrize("dx", [
    RIGHT_DX, RIGHT_DX[None, None], RIGHT_DX.tolist(), RIGHT_DX.astype(np.int64),
    RIGHT_DX.astype(np.float32)[None, None], [list(map(int, row)) for row in RIGHT_DX],
])
def test_every_right_dx_passes(dx):
    result, out, records = run_quietly(checks.maxpool_backward_tie, dx)
    assert result.passed, out
    assert records[0]["id"] == "4.5"


def _window_fill(values):
    """(4, 4) with each 2x2 window set from the (2, 2) per-window arrays in ``values``."""
    out = np.zeros((4, 4))
    for (i, j), block in values.items():
        out[2 * i:2 * i + 2, 2 * j:2 * j + 2] = block
    return out


@pytest.mark.parametrize("dx, hint", [
    (RIGHT_DX + np.array([[0, 0, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
     "full dout to BOTH"),
    (RIGHT_DX + np.array([[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
     "split the tied window"),
    (RIGHT_DX + np.array([[0, -2, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
     "chose the second 3"),
    (np.kron(checks.POOL_TIE_DOUT[0, 0], np.ones((2, 2))), "Every position"),
    (np.kron(checks.POOL_TIE_DOUT[0, 0], np.ones((2, 2))) / 4, "average pooling"),
    ((RIGHT_DX != 0).astype(float), "mask of the winners"),
    (_window_fill({(0, 0): [[2, 0], [0, 0]], (0, 1): [[0, -1], [0, 0]],
                   (1, 0): [[4, 0], [0, 0]], (1, 1): [[0, 0], [0, 3]]}), "smallest value"),
    (RIGHT_DX * 2, r"wrong at 4 position\(s\), first at \(0, 1\)"),
    (RIGHT_DX[:2], r"shape of x, \(1, 1, 4, 4\)"),
    (np.zeros((1, 1, 2, 2)), "shape of x"),
    (None, "None"),
    (RIGHT_DX + 0j, "complex"),
    (np.full((4, 4), np.nan), "NaN"),
])
def test_pool_tie_slips_get_their_hint(dx, hint):
    with fails(hint):
        checks.maxpool_backward_tie(dx)


def test_pool_tie_inputs_are_read_only():
    with pytest.raises(ValueError):
        checks.POOL_TIE_X[0, 0, 0, 0] = 9.0
    with pytest.raises(ValueError):
        checks.POOL_TIE_DOUT[0, 0, 0, 0] = 9.0
