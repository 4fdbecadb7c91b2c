"""Algebraic properties of convolution and pooling, over random shapes (hypothesis).

* conv is linear in x (for a fixed w, without bias) and in w (for a fixed x);
* the backward pass is the adjoint of the forward pass:
  <conv(x, w), y> = <x, dx(y)> = <w, dw(y)> (bias 0);
* output shapes follow conv_output_size;
* pooling: avg-pool is self-adjoint in the same sense, and max-pool routes each
  window's gradient to exactly one input (so gradients sum to sum(dout)).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import functional as fn

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def conv_problems(draw):
    n = draw(st.integers(1, 3))
    c = draw(st.integers(1, 3))
    f = draw(st.integers(1, 3))
    kh = draw(st.integers(1, 5))
    kw = draw(st.integers(1, 5))
    stride = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), 9))
    w = draw(st.integers(max(1, kw - 2 * padding), 9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    weights = rng.standard_normal((f, c, kh, kw))
    return rng, x, weights, stride, padding


def conv(x, w, stride, padding):
    return fn.conv2d_forward(x, w, np.zeros(w.shape[0]), stride, padding)


@SETTINGS
@given(conv_problems())
def test_output_shape_follows_conv_output_size(problem):
    _, x, w, stride, padding = problem
    out, _ = conv(x, w, stride, padding)
    assert out.shape == (x.shape[0], w.shape[0],
                         fn.conv_output_size(x.shape[2], w.shape[2], stride, padding),
                         fn.conv_output_size(x.shape[3], w.shape[3], stride, padding))


@SETTINGS
@given(conv_problems(), st.floats(-3, 3), st.floats(-3, 3))
def test_conv_is_linear_in_x(problem, a, c):
    rng, x1, w, stride, padding = problem
    x2 = rng.standard_normal(x1.shape)
    lhs = conv(a * x1 + c * x2, w, stride, padding)[0]
    rhs = a * conv(x1, w, stride, padding)[0] + c * conv(x2, w, stride, padding)[0]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


@SETTINGS
@given(conv_problems(), st.floats(-3, 3), st.floats(-3, 3))
def test_conv_is_linear_in_w(problem, a, c):
    rng, x, w1, stride, padding = problem
    w2 = rng.standard_normal(w1.shape)
    lhs = conv(x, a * w1 + c * w2, stride, padding)[0]
    rhs = a * conv(x, w1, stride, padding)[0] + c * conv(x, w2, stride, padding)[0]
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)


@SETTINGS
@given(conv_problems())
def test_conv_backward_is_the_adjoint(problem):
    rng, x, w, stride, padding = problem
    out, cache = conv(x, w, stride, padding)
    y = rng.standard_normal(out.shape)
    dx, dw, db = fn.conv2d_backward(y, cache)
    inner = np.sum(out * y)
    scale = np.sum(np.abs(out * y)) + 1e-300
    assert abs(inner - np.sum(x * dx)) <= 1e-12 * scale + 1e-300
    assert abs(inner - np.sum(w * dw)) <= 1e-12 * scale + 1e-300
    np.testing.assert_allclose(db, y.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-12)


@st.composite
def pool_problems(draw):
    size = draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.integers(1, 4)))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)),
             draw(st.integers(size, 10)), draw(st.integers(size, 10)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # a coarse grid of values makes ties common
    x = rng.integers(-2, 3, size=shape).astype(np.float64) * draw(st.sampled_from([1.0, 0.5]))
    return rng, x, size, stride


@SETTINGS
@given(pool_problems())
def test_pool_shapes_and_gradient_routing(problem):
    rng, x, size, stride = problem
    s = size if stride is None else stride
    expected_shape = (*x.shape[:2], fn.conv_output_size(x.shape[2], size, s),
                      fn.conv_output_size(x.shape[3], size, s))
    out, cache = fn.maxpool2d_forward(x, size, stride)
    assert out.shape == expected_shape
    dout = rng.uniform(0.5, 1.5, out.shape)
    dx = fn.maxpool2d_backward(dout, cache)
    assert abs(np.sum(dx) - np.sum(dout)) < 1e-12 * dout.size  # one route per window
    out_naive, cache_naive = fn.maxpool2d_forward_naive(x, size, stride)
    np.testing.assert_array_equal(out, out_naive)
    np.testing.assert_allclose(dx, fn.maxpool2d_backward_naive(dout, cache_naive), atol=1e-14)

    avg, avg_cache = fn.avgpool2d_forward(x, size, stride)
    assert avg.shape == expected_shape
    y = rng.standard_normal(avg.shape)
    dxa = fn.avgpool2d_backward(y, avg_cache)
    assert abs(np.sum(avg * y) - np.sum(x * dxa)) < 1e-12 * (np.sum(np.abs(avg * y)) + 1)
