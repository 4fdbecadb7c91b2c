"""cnnlesson.functional: forward values and backward passes checked numerically.

Every backward pass is compared with central differences in float64. The
step is EPS = 1e-5 rather than numerical_gradient's default 1e-6: all these
ops are (piecewise) linear, so a larger step costs no accuracy, and it divides
the rounding noise of the difference quotient by 10 (at 1e-6 the elementwise
relative error of correct gradients reaches ~1e-6 on unlucky near-zero entries).
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnlesson import functional as fn
from cnnlesson.gradcheck import numerical_gradient, rel_error

EPS = 1e-5
TOL = 1e-6


def make_rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([2024, *key])


# ----------------------------------------------------------------------------
# conv_output_size
# ----------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "k", "stride", "padding", "expected"), [
    (26, 3, 1, 0, 24), (24, 2, 2, 0, 12), (5, 3, 2, 1, 3), (5, 2, 2, 0, 2),
    (7, 7, 1, 0, 1), (1, 3, 1, 1, 1), (4, 1, 3, 0, 2), (6, 5, 2, 2, 3),
])
def test_conv_output_size(n, k, stride, padding, expected):
    assert fn.conv_output_size(n, k, stride, padding) == expected
    assert type(fn.conv_output_size(n, k, stride, padding)) is int


def test_conv_output_size_accepts_numpy_integers():
    assert fn.conv_output_size(np.int64(26), np.int32(3)) == 24


# ----------------------------------------------------------------------------
# Convolution: values
# ----------------------------------------------------------------------------

X33 = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)   # [[1 2 3] [4 5 6] [7 8 9]]
W22 = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)


@pytest.mark.parametrize("forward", [fn.conv2d_forward, fn.conv2d_forward_naive])
def test_conv_hand_computed_is_cross_correlation(forward):
    out, _ = forward(X33, W22, np.array([0.5]))
    # out[0, 0] = 1*1 + 2*2 + 4*3 + 5*4: the kernel is NOT flipped (a true
    # convolution would give 1*4 + 2*3 + 4*2 + 5*1 = 23).
    expected = np.array([[37.0, 47.0], [67.0, 77.0]]) + 0.5
    np.testing.assert_array_equal(out[0, 0], expected)


@pytest.mark.parametrize("backward", [fn.conv2d_backward, fn.conv2d_backward_naive])
def test_conv_backward_hand_computed(backward):
    _, cache = fn.conv2d_forward(X33, W22, np.array([0.5]))
    dx, dw, db = backward(np.ones((1, 1, 2, 2)), cache)
    # dw[u, v] = sum of the inputs seen by kernel entry (u, v)
    np.testing.assert_array_equal(dw[0, 0], [[12.0, 16.0], [24.0, 28.0]])
    np.testing.assert_array_equal(db, [4.0])
    # dx = sum of the kernel entries that touched each input
    np.testing.assert_array_equal(dx[0, 0], [[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]])


@pytest.mark.parametrize("forward", [fn.conv2d_forward, fn.conv2d_forward_naive])
def test_conv_padding_and_stride_hand_computed(forward):
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    out, _ = forward(x, np.ones((1, 1, 3, 3)), np.zeros(1), padding=1)
    np.testing.assert_array_equal(out[0, 0], np.full((2, 2), 10.0))
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    out, _ = forward(x, np.full((1, 1, 1, 1), 2.0), np.zeros(1), stride=2)
    np.testing.assert_array_equal(out[0, 0], 2 * x[0, 0, ::2, ::2])
    # stride 2 on 6 columns with a 3-wide kernel: windows at 0 and 2; the last
    # column is dropped (floor).
    x = np.arange(24.0).reshape(1, 1, 4, 6)
    out, _ = forward(x, np.ones((1, 1, 1, 3)), np.zeros(1), stride=2)
    assert out.shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(out[0, 0], [[0 + 1 + 2, 2 + 3 + 4], [12 + 13 + 14, 14 + 15 + 16]])


@pytest.mark.parametrize("forward", [fn.conv2d_forward, fn.conv2d_forward_naive])
def test_conv_identity_kernel_returns_input(forward):
    x = make_rng(1).standard_normal((2, 3, 5, 4))
    w = np.eye(3).reshape(3, 3, 1, 1)  # filter f copies channel f
    out, _ = forward(x, w, np.zeros(3))
    np.testing.assert_array_equal(out, x)
    # a 3x3 kernel with a single 1 in the centre and padding 1 also copies
    w3 = np.zeros((3, 3, 3, 3))
    for f in range(3):
        w3[f, f, 1, 1] = 1.0
    out, _ = forward(x, w3, np.zeros(3), padding=1)
    np.testing.assert_array_equal(out, x)


def test_conv_sums_over_channels_and_adds_bias_per_filter():
    x = np.ones((1, 3, 4, 4))
    x[0, 1] = 2.0
    x[0, 2] = 3.0
    w = np.ones((2, 3, 2, 2))
    w[1] *= -1
    out, _ = fn.conv2d_forward(x, w, np.array([10.0, 20.0]))
    np.testing.assert_array_equal(out[0, 0], np.full((3, 3), 4 * 6 + 10.0))
    np.testing.assert_array_equal(out[0, 1], np.full((3, 3), -4 * 6 + 20.0))


def test_conv_does_not_modify_inputs_and_accepts_views():
    rng = make_rng(2)
    base = rng.standard_normal((5, 3, 2, 4))  # W, C, N, H order on purpose
    x = base.transpose(2, 1, 3, 0)             # non-contiguous (N=2, C=3, H=4, W=5)
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    copies = [a.copy() for a in (x, w, b)]
    out, cache = fn.conv2d_forward(x, w, b, stride=2, padding=1)
    grads = fn.conv2d_backward(np.ones_like(out), cache)
    for a, c in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)
    out_c, cache_c = fn.conv2d_forward(np.ascontiguousarray(x), w, b, stride=2, padding=1)
    np.testing.assert_allclose(out, out_c, rtol=1e-14, atol=1e-14)
    for g, g_c in zip(grads, fn.conv2d_backward(np.ones_like(out), cache_c), strict=True):
        np.testing.assert_allclose(g, g_c, rtol=1e-14, atol=1e-14)


def test_conv_caches_are_named_tuples_and_interchangeable():
    rng = make_rng(3)
    x, w, b = rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((3, 2, 3, 3)), np.zeros(3)
    out, fast = fn.conv2d_forward(x, w, b, stride=2, padding=1)
    _, naive = fn.conv2d_forward_naive(x, w, b, stride=2, padding=1)
    assert isinstance(fast, fn.Conv2dCache) and isinstance(naive, fn.Conv2dCache)
    assert fast.stride == 2 and fast.padding == 1 and fast.x is x and fast.w is w
    assert fast.cols is not None and naive.cols is None
    dout = rng.standard_normal(out.shape)
    for a, c in zip(fn.conv2d_backward(dout, naive), fn.conv2d_backward_naive(dout, fast),
                    strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------
# Convolution: gradients and naive == vectorised
# ----------------------------------------------------------------------------

KERNELS = [(1, 1), (3, 3), (5, 5), (3, 5), (5, 1)]
CONV_CASES = [(kh, kw, s, p) for kh, kw in KERNELS for s in (1, 2) for p in (0, 1, 2)]


def random_conv_problem(seed: int, kh: int, kw: int, stride: int, padding: int,
                        dtype=np.float64):
    """Random non-square problem with batch > 1 and C > 1 where the kernel fits."""
    rng = make_rng(seed, kh, kw, stride, padding)
    n, c, f = 2, int(rng.integers(2, 4)), int(rng.integers(2, 4))
    h = max(kh - 2 * padding, 1) + int(rng.integers(1, 5))
    w = max(kw - 2 * padding, 1) + int(rng.integers(1, 5))
    if h == w:
        w += 1
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weights = rng.standard_normal((f, c, kh, kw)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype)
    return rng, x, weights, b


@pytest.mark.parametrize(("kh", "kw", "stride", "padding"), CONV_CASES)
def test_conv_backward_matches_numerical_gradient(kh, kw, stride, padding):
    rng, x, w, b = random_conv_problem(0, kh, kw, stride, padding)
    out, cache = fn.conv2d_forward(x, w, b, stride, padding)
    assert out.shape == (x.shape[0], w.shape[0],
                         fn.conv_output_size(x.shape[2], kh, stride, padding),
                         fn.conv_output_size(x.shape[3], kw, stride, padding))
    dout = rng.standard_normal(out.shape)
    dx, dw, db = fn.conv2d_backward(dout, cache)
    num_dx = numerical_gradient(lambda v: fn.conv2d_forward(v, w, b, stride, padding)[0],
                                x, dout, eps=EPS)
    num_dw = numerical_gradient(lambda v: fn.conv2d_forward(x, v, b, stride, padding)[0],
                                w, dout, eps=EPS)
    num_db = numerical_gradient(lambda v: fn.conv2d_forward(x, w, v, stride, padding)[0],
                                b, dout, eps=EPS)
    assert rel_error(dx, num_dx) < TOL
    assert rel_error(dw, num_dw) < TOL
    assert rel_error(db, num_db) < TOL


@pytest.mark.parametrize(("kh", "kw", "stride", "padding"), CONV_CASES)
@pytest.mark.parametrize(("dtype", "tol"), [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_conv_naive_and_vectorised_agree(kh, kw, stride, padding, dtype, tol):
    rng, x, w, b = random_conv_problem(1, kh, kw, stride, padding, dtype)
    out, cache = fn.conv2d_forward(x, w, b, stride, padding)
    out_naive, cache_naive = fn.conv2d_forward_naive(x, w, b, stride, padding)
    assert out.dtype == out_naive.dtype == dtype
    np.testing.assert_allclose(out, out_naive, rtol=tol, atol=tol)
    dout = rng.standard_normal(out.shape).astype(dtype)
    for g, g_naive, like in zip(fn.conv2d_backward(dout, cache),
                                fn.conv2d_backward_naive(dout, cache_naive), (x, w, b),
                                strict=True):
        assert g.dtype == g_naive.dtype == dtype
        assert g.shape == g_naive.shape == like.shape
        np.testing.assert_allclose(g, g_naive, rtol=tol, atol=tol)


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "small_map"), [
    ((4, 3, 26, 26), (6, 3, 3, 3), 1, 0, False),    # the seed network's conv1
    ((4, 12, 5, 5), (12, 12, 3, 3), 1, 0, True),    # its conv3: 3x3 outputs
    ((3, 4, 5, 6), (2, 4, 3, 3), 2, 1, True),
    ((2, 2, 9, 7), (3, 2, 2, 3), 2, 2, False),
])
def test_conv_backward_both_memory_layouts(x_shape, w_shape, stride, padding, small_map):
    """conv2d_backward adds dx up in NCHW for large maps, in (H, W, N, C) for small ones."""
    out_size = (fn.conv_output_size(x_shape[2], w_shape[2], stride, padding)
                * fn.conv_output_size(x_shape[3], w_shape[3], stride, padding))
    assert (out_size <= x_shape[0] * x_shape[1]) == small_map
    rng = make_rng(11)
    for dtype, tol in [(np.float64, 1e-12), (np.float32, 1e-5)]:
        x = rng.standard_normal(x_shape).astype(dtype)
        w = rng.standard_normal(w_shape).astype(dtype)
        b = rng.standard_normal(w_shape[0]).astype(dtype)
        out, cache = fn.conv2d_forward(x, w, b, stride, padding)
        dout = rng.standard_normal(out.shape).astype(dtype)
        dx = fn.conv2d_backward(dout, cache)[0]
        assert dx.dtype == dtype and dx.flags.c_contiguous
        np.testing.assert_allclose(dx, fn.conv2d_backward_naive(dout, cache)[0], rtol=tol,
                                   atol=tol)


# ----------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------

POOL_CASES = [(2, None), (2, 2), (3, 3), (3, 2), (2, 1), (3, 1), (1, 1), (2, 3)]


def random_pool_input(seed: int, size: int, stride, dtype=np.float64):
    rng = make_rng(seed, size, stride or 0)
    shape = (2, 3, size + int(rng.integers(1, 6)), size + int(rng.integers(2, 7)))
    return rng, rng.standard_normal(shape).astype(dtype)


def test_maxpool_hand_computed():
    x = np.array([[1.0, 3.0, 2.0, 0.0, 9.0],
                  [4.0, 2.0, 1.0, 5.0, 9.0],
                  [0.0, 0.0, 7.0, 7.0, 9.0],
                  [0.0, 0.0, 7.0, 7.0, 9.0],
                  [9.0, 9.0, 9.0, 9.0, 9.0]]).reshape(1, 1, 5, 5)
    for forward, backward in [(fn.maxpool2d_forward, fn.maxpool2d_backward),
                              (fn.maxpool2d_forward_naive, fn.maxpool2d_backward_naive)]:
        out, cache = forward(x)
        # the 9s in the last row and column are in no complete window: dropped
        np.testing.assert_array_equal(out[0, 0], [[4.0, 5.0], [0.0, 7.0]])
        dx = backward(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2), cache)
        expected = np.zeros((5, 5))
        expected[1, 0] = 1.0   # the 4
        expected[1, 3] = 2.0   # the 5
        expected[2, 0] = 3.0   # all-zero window: its first position
        expected[2, 2] = 4.0   # four tied 7s: the first in row-major order
        np.testing.assert_array_equal(dx[0, 0], expected)


def test_maxpool_overlapping_hand_computed():
    # size 2, stride 1 on one row of 3 windows: the 5 is the max of two windows
    x = np.array([[1.0, 5.0, 2.0, 0.0], [0.0, 0.0, 0.0, 3.0]]).reshape(1, 1, 2, 4)
    out, cache = fn.maxpool2d_forward(x, size=2, stride=1)
    np.testing.assert_array_equal(out[0, 0], [[5.0, 5.0, 3.0]])
    dx = fn.maxpool2d_backward(np.array([[[[1.0, 10.0, 100.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0.0, 11.0, 0.0, 0.0], [0.0, 0.0, 0.0, 100.0]])


def test_maxpool_stride_defaults_to_size_and_cache_is_named():
    x = make_rng(4).standard_normal((2, 2, 6, 6))
    out, cache = fn.maxpool2d_forward(x, size=3)
    assert out.shape == (2, 2, 2, 2)
    assert isinstance(cache, fn.MaxPool2dCache)
    assert cache.size == 3 and cache.stride == 3 and cache.out is out
    np.testing.assert_array_equal(out, fn.maxpool2d_forward(x, size=3, stride=3)[0])


@pytest.mark.parametrize(("size", "stride"), POOL_CASES)
def test_maxpool_backward_matches_numerical_gradient(size, stride):
    rng, x = random_pool_input(0, size, stride)  # continuous values: no ties
    out, cache = fn.maxpool2d_forward(x, size, stride)
    dout = rng.standard_normal(out.shape)
    dx = fn.maxpool2d_backward(dout, cache)
    num = numerical_gradient(lambda v: fn.maxpool2d_forward(v, size, stride)[0], x, dout,
                             eps=EPS)
    assert rel_error(dx, num) < TOL


@pytest.mark.parametrize(("size", "stride"), POOL_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_maxpool_naive_and_vectorised_agree(size, stride, dtype):
    rng, x = random_pool_input(1, size, stride, dtype)
    out, cache = fn.maxpool2d_forward(x, size, stride)
    out_naive, cache_naive = fn.maxpool2d_forward_naive(x, size, stride)
    assert out.dtype == out_naive.dtype == dtype
    np.testing.assert_array_equal(out, out_naive)  # a max is exact
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = fn.maxpool2d_backward(dout, cache)
    dx_naive = fn.maxpool2d_backward_naive(dout, cache_naive)
    assert dx.dtype == dx_naive.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(dx, dx_naive, rtol=tol, atol=tol)


def test_avgpool_hand_computed():
    x = np.arange(20.0).reshape(1, 1, 4, 5)
    out, cache = fn.avgpool2d_forward(x)
    np.testing.assert_array_equal(out[0, 0], [[3.0, 5.0], [13.0, 15.0]])  # column 4 dropped
    assert isinstance(cache, fn.AvgPool2dCache) and cache.stride == 2
    dx = fn.avgpool2d_backward(np.array([[4.0, 8.0], [12.0, 16.0]]).reshape(1, 1, 2, 2), cache)
    expected = np.array([[1, 1, 2, 2, 0], [1, 1, 2, 2, 0], [3, 3, 4, 4, 0], [3, 3, 4, 4, 0.0]])
    np.testing.assert_array_equal(dx[0, 0], expected)


@pytest.mark.parametrize(("size", "stride"), POOL_CASES)
def test_avgpool_backward_matches_numerical_gradient(size, stride):
    rng, x = random_pool_input(2, size, stride)
    out, cache = fn.avgpool2d_forward(x, size, stride)
    # the mean of each window, computed independently with a loop
    s = size if stride is None else stride
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * s:i * s + size, j * s:j * s + size]
            np.testing.assert_allclose(out[:, :, i, j], window.mean(axis=(2, 3)), rtol=1e-13)
    dout = rng.standard_normal(out.shape)
    dx = fn.avgpool2d_backward(dout, cache)
    num = numerical_gradient(lambda v: fn.avgpool2d_forward(v, size, stride)[0], x, dout,
                             eps=EPS)
    assert rel_error(dx, num) < TOL


# ----------------------------------------------------------------------------
# ReLU, flatten, linear
# ----------------------------------------------------------------------------


def test_relu_values_and_gradient_at_zero_is_zero():
    x = np.array([[-2.0, -0.0, 0.0, 1e-300, 3.0]])
    out, cache = fn.relu_forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0, 1e-300, 3.0]])
    assert isinstance(cache, fn.ReluCache)
    dx = fn.relu_backward(np.full_like(x, 5.0), cache)
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 0.0, 5.0, 5.0]])


def test_relu_backward_matches_numerical_gradient():
    rng = make_rng(5)
    x = rng.standard_normal((2, 3, 4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # stay away from the kink
    out, cache = fn.relu_forward(x)
    dout = rng.standard_normal(out.shape)
    num = numerical_gradient(lambda v: fn.relu_forward(v)[0], x, dout, eps=EPS)
    assert rel_error(fn.relu_backward(dout, cache), num) < TOL


def test_flatten_order_and_view():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    flat = fn.flatten(x)
    assert flat.shape == (2, 12)
    np.testing.assert_array_equal(flat[1], np.arange(12.0, 24.0))  # channel, row, column
    assert np.shares_memory(flat, x)
    np.testing.assert_array_equal(flat.reshape(x.shape), x)
    np.testing.assert_array_equal(fn.flatten(x.transpose(0, 1, 3, 2))[0, :4], [0, 2, 1, 3])


def test_linear_hand_computed_and_gradients():
    x = np.array([[1.0, 2.0]])
    w = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    out, cache = fn.linear_forward(x, w, np.array([0.5, 0.0, 1.0]))
    np.testing.assert_array_equal(out, [[5.5, 2.0, 0.0]])
    assert isinstance(cache, fn.LinearCache)
    rng = make_rng(6)
    x, w, b = rng.standard_normal((4, 7)), rng.standard_normal((7, 3)), rng.standard_normal(3)
    out, cache = fn.linear_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = fn.linear_backward(dout, cache)
    assert rel_error(dx, numerical_gradient(lambda v: fn.linear_forward(v, w, b)[0], x, dout,
                                            eps=EPS)) < TOL
    assert rel_error(dw, numerical_gradient(lambda v: fn.linear_forward(x, v, b)[0], w, dout,
                                            eps=EPS)) < TOL
    assert rel_error(db, numerical_gradient(lambda v: fn.linear_forward(x, w, v)[0], b, dout,
                                            eps=EPS)) < TOL


# ----------------------------------------------------------------------------
# Softmax cross-entropy
# ----------------------------------------------------------------------------


def test_softmax_cross_entropy_values():
    logits = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
    y = np.array([0, 2])
    loss, dlogits = fn.softmax_cross_entropy(logits, y)
    assert type(loss) is float
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-(np.log(p[0, 0]) + np.log(p[1, 2])) / 2, rel=1e-14)
    expected = p.copy()
    expected[[0, 1], y] -= 1
    np.testing.assert_allclose(dlogits, expected / 2, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)


def test_softmax_cross_entropy_uniform_and_confident():
    loss, _ = fn.softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 5, 9]))
    assert loss == pytest.approx(np.log(10), rel=1e-14)
    loss, dlogits = fn.softmax_cross_entropy(np.array([[50.0, 0.0]]), np.array([0]))
    assert 0.0 <= loss < 1e-20
    np.testing.assert_allclose(dlogits, 0.0, atol=1e-20)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_is_stable_for_huge_logits(dtype):
    logits = np.array([[1000.0, 0.0, -1000.0], [3e4, 3e4, 3e4]], dtype=dtype)
    loss, dlogits = fn.softmax_cross_entropy(logits, np.array([1, 2]))
    # row 0: -log softmax_1 = 1000 (no overflow); row 1: uniform, log 3
    assert loss == pytest.approx((1000.0 + np.log(3)) / 2, rel=1e-6)
    assert dlogits.dtype == dtype and np.isfinite(dlogits).all()
    np.testing.assert_allclose(dlogits[0], [0.5, -0.5, 0.0], atol=1e-7)


def test_softmax_cross_entropy_gradient_matches_numerical():
    rng = make_rng(7)
    logits = rng.standard_normal((5, 4)) * 2
    y = rng.integers(0, 4, 5)
    _, dlogits = fn.softmax_cross_entropy(logits, y)
    num = numerical_gradient(lambda v: fn.softmax_cross_entropy(v, y)[0], logits, eps=EPS)
    assert rel_error(dlogits, num) < TOL


def test_softmax_cross_entropy_accepts_any_integer_label_dtype():
    logits = make_rng(8).standard_normal((3, 4))
    ref = fn.softmax_cross_entropy(logits, np.array([0, 3, 1]))[0]
    for dt in (np.int8, np.uint8, np.int32, np.int64):
        assert fn.softmax_cross_entropy(logits, np.array([0, 3, 1], dtype=dt))[0] == ref


# ----------------------------------------------------------------------------
# dtypes
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_op_keeps_the_input_dtype(dtype):
    rng = make_rng(9)
    x = rng.standard_normal((2, 3, 8, 7)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    out, cache = fn.conv2d_forward(x, w, b, padding=1)
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in fn.conv2d_backward(np.ones_like(out), cache))
    for forward, backward in [(fn.maxpool2d_forward, fn.maxpool2d_backward),
                              (fn.avgpool2d_forward, fn.avgpool2d_backward)]:
        p, c = forward(x, 2, 1)
        assert p.dtype == dtype and backward(np.ones_like(p), c).dtype == dtype
    r, c = fn.relu_forward(x)
    assert r.dtype == dtype and fn.relu_backward(np.ones_like(r), c).dtype == dtype
    flat = fn.flatten(x)
    assert flat.dtype == dtype
    lw = rng.standard_normal((flat.shape[1], 5)).astype(dtype)
    z, c = fn.linear_forward(flat, lw, np.zeros(5, dtype))
    assert z.dtype == dtype
    assert all(g.dtype == dtype for g in fn.linear_backward(np.ones_like(z), c))
    loss, dz = fn.softmax_cross_entropy(z, np.array([0, 4]))
    assert type(loss) is float and dz.dtype == dtype


def test_an_empty_batch_flows_through():
    x = np.zeros((0, 3, 8, 8))
    out, cache = fn.conv2d_forward(x, np.zeros((4, 3, 3, 3)), np.zeros(4), padding=1)
    assert out.shape == (0, 4, 8, 8)
    dx, dw, db = fn.conv2d_backward(out, cache)
    assert dx.shape == x.shape and not dw.any() and not db.any()
    pooled, cache = fn.maxpool2d_forward(out)
    assert fn.maxpool2d_backward(pooled, cache).shape == out.shape
    assert fn.flatten(pooled).shape == (0, 64)


# ----------------------------------------------------------------------------
# A small network, end to end
# ----------------------------------------------------------------------------


def test_gradients_through_a_small_network():
    """conv -> relu -> maxpool -> flatten -> linear -> softmax cross-entropy."""
    rng = make_rng(10)
    x = rng.standard_normal((3, 2, 8, 7))
    w1 = rng.standard_normal((3, 2, 3, 3)) * 0.5
    b1 = rng.standard_normal(3) * 0.1
    w2 = rng.standard_normal((3 * 4 * 3, 4)) * 0.3
    b2 = rng.standard_normal(4) * 0.1
    y = np.array([0, 3, 1])
    params = [x, w1, b1, w2, b2]

    def forward_backward(x, w1, b1, w2, b2, *, grads=True):
        a, c_conv = fn.conv2d_forward(x, w1, b1, stride=1, padding=1)
        r, c_relu = fn.relu_forward(a)
        p, c_pool = fn.maxpool2d_forward(r, 2)   # (3, 3, 4, 3): last row dropped
        z, c_lin = fn.linear_forward(fn.flatten(p), w2, b2)
        loss, dz = fn.softmax_cross_entropy(z, y)
        if not grads:
            return loss
        dflat, dw2, db2 = fn.linear_backward(dz, c_lin)
        dr = fn.maxpool2d_backward(dflat.reshape(p.shape), c_pool)
        dx, dw1, db1 = fn.conv2d_backward(fn.relu_backward(dr, c_relu), c_conv)
        return [dx, dw1, db1, dw2, db2]

    analytic = forward_backward(*params)
    for name, param, grad in zip(["x", "w1", "b1", "w2", "b2"], params, analytic, strict=True):
        num = numerical_gradient(lambda _: forward_backward(*params, grads=False), param,
                                 eps=EPS)
        # The loss is one scalar, so the numerical gradient carries an absolute
        # rounding noise of ~1e-11; entries below 1e-3 of the largest are judged
        # in absolute terms (see rel_error).
        floor = 1e-3 * np.abs(grad).max()
        assert rel_error(grad, num, floor=floor) < TOL, name
        assert np.count_nonzero(grad) > grad.size // 4, name  # the check is not vacuous
