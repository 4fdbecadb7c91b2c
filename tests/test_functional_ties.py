"""Max-pooling with ties: each window's gradient goes to exactly one position.

On real digits about a third of the first-layer pooling windows hold an exact
tie (flat background, or ReLU zeros). The rule (documented in
maxpool2d_backward) is: the first maximal position in row-major order within
the window, as np.argmax picks.

Central differences at an exact tie measure a kink (they give 1/2), so they
cannot check this directly. Instead we subtract a tiny ramp, DELTA times the
row-major index, which breaks every tie in favour of the first position
without changing which value is largest elsewhere (inputs are on an integer
grid and DELTA * x.size << 1). The analytic gradient at the tied input must
equal the numerical gradient at the ramped input (EPS << DELTA, so the
perturbation never reorders the window), and the analytic gradient there.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlesson import functional as fn
from cnnlesson.gradcheck import numerical_gradient, rel_error

DELTA = 1e-4
EPS = 1e-7

POOLS = [(2, 2), (3, 3), (3, 2), (2, 1), (3, 1)]


def tied_input(seed: int) -> np.ndarray:
    """Integer-valued batch full of ties, with whole flat zero regions."""
    rng = np.random.default_rng([77, seed])
    x = rng.integers(0, 3, size=(2, 3, 9, 8)).astype(np.float64)
    x[0, 0] = 0.0               # a whole channel of background
    x[1, 1, :5, :6] = 0.0       # a flat zero block
    x[1, 2, 3:, 2:] = 2.0       # a flat non-zero block
    return x


def ramp(x: np.ndarray) -> np.ndarray:
    assert DELTA * x.size < 0.1, "the ramp must not reorder distinct values"
    return x - DELTA * np.arange(x.size, dtype=np.float64).reshape(x.shape)


def windows(x: np.ndarray, size: int, stride: int):
    """Yield (i, j, window view) for every pooling window of x."""
    out_h = fn.conv_output_size(x.shape[2], size, stride)
    out_w = fn.conv_output_size(x.shape[3], size, stride)
    for i in range(out_h):
        for j in range(out_w):
            yield i, j, x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]


def test_the_test_inputs_really_are_tied():
    x = tied_input(0)
    tied = total = 0
    for _, _, win in windows(x, 2, 2):
        flat = win.reshape(*win.shape[:2], -1)
        tied += int(((flat == flat.max(axis=2, keepdims=True)).sum(axis=2) > 1).sum())
        total += flat.shape[0] * flat.shape[1]
    assert tied > total // 2


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("backward", [fn.maxpool2d_backward, fn.maxpool2d_backward_naive])
def test_one_nonzero_per_window_carrying_its_whole_gradient(size, backward):
    x = tied_input(1)
    out, cache = fn.maxpool2d_forward(x, size)
    dout = np.random.default_rng(3).uniform(0.5, 1.5, out.shape)  # never zero
    dx = backward(dout, cache)
    covered = np.zeros(x.shape, dtype=bool)
    for i, j, win in windows(dx, size, size):
        flat = win.reshape(*win.shape[:2], -1)
        np.testing.assert_array_equal(np.count_nonzero(flat, axis=2), 1)
        np.testing.assert_array_equal(flat.sum(axis=2), dout[:, :, i, j])
        # ...at the first maximal position (row-major), as np.argmax picks
        xflat = x[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size].reshape(flat.shape)
        np.testing.assert_array_equal(np.argmax(flat != 0, axis=2), np.argmax(xflat, axis=2))
        covered[:, :, i * size:(i + 1) * size, j * size:(j + 1) * size] = True
    assert not dx[~covered].any()  # rows/columns dropped by the floor get nothing


@pytest.mark.parametrize(("size", "stride"), POOLS)
@pytest.mark.parametrize("seed", [0, 1])
def test_tied_gradient_equals_numerical_gradient_of_ramped_input(size, stride, seed):
    x = tied_input(seed)
    x_ramp = ramp(x)
    out, cache = fn.maxpool2d_forward(x, size, stride)
    out_ramp, cache_ramp = fn.maxpool2d_forward(x_ramp, size, stride)
    # the ramp picks the same windows' values, up to the ramp itself
    np.testing.assert_allclose(out_ramp, out, atol=0.1)
    dout = np.random.default_rng([seed, size, stride]).standard_normal(out.shape)
    dx = fn.maxpool2d_backward(dout, cache)
    num = numerical_gradient(lambda v: fn.maxpool2d_forward(v, size, stride)[0], x_ramp, dout,
                             eps=EPS)
    assert rel_error(dx, num) < 1e-6
    np.testing.assert_array_equal(dx, fn.maxpool2d_backward(dout, cache_ramp))
    np.testing.assert_allclose(fn.maxpool2d_backward_naive(dout, cache), dx, rtol=1e-14,
                               atol=1e-14)
    # every window sends its gradient somewhere, exactly once
    assert dx.sum() == pytest.approx(dout.sum(), rel=1e-12)


@pytest.mark.parametrize(("size", "stride"), POOLS)
def test_sending_the_gradient_to_every_tied_position_would_fail(size, stride):
    """The check above has teeth: the classic 'mask = (x == max)' bug fails it."""
    x = tied_input(2)
    out, _ = fn.maxpool2d_forward(x, size, stride)
    dout = np.ones_like(out)
    wrong = np.zeros_like(x)
    for i, j, win in windows(x, size, stride):
        mask = win == out[:, :, i:i + 1, j:j + 1]
        wrong[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += mask
    num = numerical_gradient(lambda v: fn.maxpool2d_forward(v, size, stride)[0], ramp(x), dout,
                             eps=EPS)
    assert rel_error(wrong, num) > 0.1


def test_all_zero_input_after_relu():
    """A blank image through ReLU: every window is a tie of zeros."""
    x = -np.abs(np.random.default_rng(5).standard_normal((2, 2, 6, 6)))
    r, relu_cache = fn.relu_forward(x)
    out, pool_cache = fn.maxpool2d_forward(r, 2)
    np.testing.assert_array_equal(out, 0.0)
    dr = fn.maxpool2d_backward(np.ones_like(out), pool_cache)
    np.testing.assert_array_equal(dr[:, :, ::2, ::2], 1.0)  # first position of each window
    assert dr.sum() == out.size
    np.testing.assert_array_equal(fn.relu_backward(dr, relu_cache), 0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_negative_zero_ties_with_zero(dtype):
    x = np.array([[-0.0, 0.0], [0.0, -1.0]], dtype=dtype).reshape(1, 1, 2, 2)
    for forward, backward in [(fn.maxpool2d_forward, fn.maxpool2d_backward),
                              (fn.maxpool2d_forward_naive, fn.maxpool2d_backward_naive)]:
        out, cache = forward(x)
        dx = backward(np.ones_like(out), cache)
        np.testing.assert_array_equal(dx[0, 0], [[1.0, 0.0], [0.0, 0.0]])
