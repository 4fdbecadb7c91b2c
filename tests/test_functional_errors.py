"""Bad input to cnnlesson.functional gets a clear error naming the parameter.

One test per case; each asserts the exception type and the key parts of the
message (parameter, what was expected, what was received, the hint).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlesson import functional as fn


def x4(*shape, dtype=np.float64):
    return np.zeros(shape or (2, 3, 8, 8), dtype=dtype)


W = np.zeros((6, 3, 3, 3))
B = np.zeros(6)


def conv_cache():
    return fn.conv2d_forward(x4(2, 3, 6, 7), W, B)[1]


CONV_FORWARDS = [fn.conv2d_forward, fn.conv2d_forward_naive]
CONV_BACKWARDS = [fn.conv2d_backward, fn.conv2d_backward_naive]
POOL_FORWARDS = [fn.maxpool2d_forward, fn.maxpool2d_forward_naive, fn.avgpool2d_forward]


# ----------------------------------------------------------------------------
# conv2d
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("forward", CONV_FORWARDS)
def test_conv_x_wrong_ndim_hwc_image(forward):
    with pytest.raises(ValueError, match=re.escape(
            "x must be 4-D (N, C, H, W); got shape (26, 26, 3). Hint: use hwc_to_chw and add a "
            "batch axis")):
        forward(np.zeros((26, 26, 3)), W, B)


def test_conv_x_wrong_ndim_grayscale_image():
    with pytest.raises(ValueError, match=r"x must be 4-D .*got shape \(8, 8\).*x\[None, None\]"):
        fn.conv2d_forward(np.zeros((8, 8)), W, B)


def test_conv_x_not_an_array():
    with pytest.raises(TypeError, match=r"x must be a numpy array; got list.*np\.asarray"):
        fn.conv2d_forward([[[[0.0]]]], W, B)


@pytest.mark.parametrize("forward", CONV_FORWARDS)
def test_conv_integer_x_refused(forward):
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array; got dtype "
                                        r"uint8\. Hint: .*astype\(np\.float32\) / 255"):
        forward(x4(dtype=np.uint8), W, B)


def test_conv_integer_w_refused():
    with pytest.raises(TypeError, match=r"w must be a float32 or float64 array; got dtype int64"):
        fn.conv2d_forward(x4(), np.zeros((6, 3, 3, 3), dtype=np.int64), B)


def test_conv_w_wrong_ndim():
    with pytest.raises(ValueError, match=re.escape(
            "w must be 4-D (F, C, KH, KW); got shape (3, 3). Hint:") + r".*kernel\[None, None\]"):
        fn.conv2d_forward(x4(), np.zeros((3, 3)), B)


@pytest.mark.parametrize("forward", CONV_FORWARDS)
def test_conv_channel_mismatch_names_both_shapes(forward):
    with pytest.raises(ValueError, match=re.escape(
            "w must have C = 3 input channels to match x of shape (2, 3, 8, 8); got w of shape "
            "(6, 1, 3, 3) with 1. Hint:")):
        forward(x4(), np.zeros((6, 1, 3, 3)), B)


@pytest.mark.parametrize("b", [np.zeros(5), np.zeros((6, 1))])
def test_conv_bias_shape(b):
    with pytest.raises(ValueError, match=r"b must be .*\(F,\).*got shape"):
        fn.conv2d_forward(x4(), W, b)


def test_conv_bias_wrong_length_names_w():
    with pytest.raises(ValueError, match=re.escape(
            "b must be of shape (F,) = (6,) to match w of shape (6, 3, 3, 3); got shape (5,).")):
        fn.conv2d_forward(x4(), W, np.zeros(5))


@pytest.mark.parametrize("forward", CONV_FORWARDS)
def test_conv_kernel_larger_than_padded_input(forward):
    with pytest.raises(ValueError, match=re.escape(
            "w kernel (KH, KW) = (5, 5) must fit in the padded input (H + 2*padding, W + "
            "2*padding) = (4, 6); got x of shape (2, 3, 4, 6), w of shape (6, 3, 5, 5) and "
            "padding=0. Hint: use a smaller kernel, more padding")):
        forward(x4(2, 3, 4, 6), np.zeros((6, 3, 5, 5)), B)


def test_conv_kernel_fits_thanks_to_padding():
    out, _ = fn.conv2d_forward(x4(2, 3, 4, 6), np.zeros((6, 3, 5, 5)), B, padding=1)
    assert out.shape == (2, 6, 2, 4)


@pytest.mark.parametrize("stride", [1.0, 1.5, "2", True, None])
def test_conv_non_integer_stride(stride):
    with pytest.raises(TypeError, match=r"stride must be a positive integer; got .*Hint: stride "
                                        r"is the step"):
        fn.conv2d_forward(x4(), W, B, stride=stride)


@pytest.mark.parametrize("stride", [0, -1])
def test_conv_non_positive_stride(stride):
    with pytest.raises(ValueError, match=rf"stride must be a positive integer \(>= 1\); got "
                                         rf"{stride}\."):
        fn.conv2d_forward(x4(), W, B, stride=stride)


def test_conv_negative_padding():
    with pytest.raises(ValueError, match=r"padding must be a non-negative integer \(>= 0\); got "
                                         r"-1\. Hint: padding is the number of zero"):
        fn.conv2d_forward(x4(), W, B, padding=-1)


def test_conv_non_integer_padding():
    with pytest.raises(TypeError, match=r"padding must be a non-negative integer; got float 1\.0"):
        fn.conv2d_forward(x4(), W, B, padding=1.0)


@pytest.mark.parametrize("forward", CONV_FORWARDS)
def test_conv_dtype_mismatch_w(forward):
    with pytest.raises(TypeError, match=re.escape(
            "w must have dtype float32 to match x; got float64. Hint: use w.astype(x.dtype)")):
        forward(x4(dtype=np.float32), W, B.astype(np.float32))


def test_conv_dtype_mismatch_b():
    with pytest.raises(TypeError, match=re.escape(
            "b must have dtype float32 to match x; got float64. Hint: use b.astype(x.dtype)")):
        fn.conv2d_forward(x4(dtype=np.float32), W.astype(np.float32), B)


@pytest.mark.parametrize(("name", "bad"), [("x", np.nan), ("x", np.inf), ("w", np.nan),
                                           ("b", -np.inf)])
def test_conv_non_finite_inputs(name, bad):
    args = {"x": x4(), "w": W.copy(), "b": B.copy()}
    args[name].flat[3] = bad
    with pytest.raises(ValueError, match=rf"{name} must be finite \(no NaN or inf\); got 1 "
                                         r"non-finite value\(s\)\. Hint:"):
        fn.conv2d_forward(args["x"], args["w"], args["b"])


@pytest.mark.parametrize("backward", CONV_BACKWARDS)
def test_conv_dout_wrong_shape(backward):
    with pytest.raises(ValueError, match=re.escape(
            "dout must be of shape (2, 6, 4, 5) (the shape of the conv2d_forward")
            + r".*got shape \(2, 6, 5, 4\)\. Hint:"):
        backward(np.zeros((2, 6, 5, 4)), conv_cache())


def test_conv_dout_wrong_dtype():
    with pytest.raises(TypeError, match=re.escape(
            "dout must have dtype float64 to match the conv2d_forward input; got float32. "
            "Hint: use dout.astype(np.float64)")):
        fn.conv2d_backward(np.zeros((2, 6, 4, 5), dtype=np.float32), conv_cache())


def test_conv_dout_integer():
    with pytest.raises(TypeError, match=r"dout must be a float32 or float64 array; got dtype "
                                        r"int64"):
        fn.conv2d_backward(np.zeros((2, 6, 4, 5), dtype=np.int64), conv_cache())


@pytest.mark.parametrize("backward", CONV_BACKWARDS)
def test_conv_backward_needs_the_cache(backward):
    with pytest.raises(TypeError, match=r"cache must be the Conv2dCache returned by "
                                        r"conv2d_forward.*; got tuple\. Hint: call"):
        backward(np.zeros((2, 6, 4, 5)), (x4(), W))


# ----------------------------------------------------------------------------
# conv_output_size
# ----------------------------------------------------------------------------


def test_conv_output_size_kernel_too_large():
    with pytest.raises(ValueError, match=re.escape(
            "k must be at most the padded input size n + 2*padding = 5; got k=7. Hint: the "
            "kernel must fit")):
        fn.conv_output_size(3, 7, padding=1)


@pytest.mark.parametrize(("kwargs", "kind", "pattern"), [
    ({"n": 0, "k": 1}, ValueError, r"n must be a positive integer \(>= 1\); got 0"),
    ({"n": 5.0, "k": 1}, TypeError, r"n must be a positive integer; got float 5\.0"),
    ({"n": 5, "k": 0}, ValueError, r"k must be a positive integer \(>= 1\); got 0"),
    ({"n": 5, "k": 2, "stride": 0}, ValueError, r"stride must be a positive integer"),
    ({"n": 5, "k": 2, "padding": -2}, ValueError, r"padding must be a non-negative integer"),
])
def test_conv_output_size_bad_arguments(kwargs, kind, pattern):
    with pytest.raises(kind, match=pattern):
        fn.conv_output_size(**kwargs)


# ----------------------------------------------------------------------------
# pooling
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("forward", POOL_FORWARDS)
def test_pool_x_wrong_ndim(forward):
    with pytest.raises(ValueError, match=re.escape(
            "x must be 4-D (N, C, H, W); got shape (3, 8, 8). Hint: use hwc_to_chw and add a "
            "batch axis")):
        forward(np.zeros((3, 8, 8)))


@pytest.mark.parametrize("forward", POOL_FORWARDS)
def test_pool_integer_x_refused(forward):
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array; got dtype "
                                        r"int32\. Hint: convert it first"):
        forward(x4(dtype=np.int32))


@pytest.mark.parametrize("forward", POOL_FORWARDS)
def test_pool_window_larger_than_input(forward):
    with pytest.raises(ValueError, match=re.escape(
            "size must be at most the input height and width (H, W) = (3, 8); got size=4 for x "
            "of shape (2, 3, 3, 8). Hint:")):
        forward(x4(2, 3, 3, 8), size=4)


@pytest.mark.parametrize("forward", POOL_FORWARDS)
@pytest.mark.parametrize(("size", "kind"), [(0, ValueError), (-2, ValueError), (2.0, TypeError),
                                            (None, TypeError), (True, TypeError)])
def test_pool_bad_size(forward, size, kind):
    with pytest.raises(kind, match=r"size must be a positive integer"):
        forward(x4(), size=size)


@pytest.mark.parametrize("forward", POOL_FORWARDS)
@pytest.mark.parametrize(("stride", "kind"), [(0, ValueError), (1.5, TypeError)])
def test_pool_bad_stride(forward, stride, kind):
    with pytest.raises(kind, match=r"stride must be a positive integer.*None means stride = size"):
        forward(x4(), size=2, stride=stride)


@pytest.mark.parametrize("forward", POOL_FORWARDS)
def test_pool_non_finite_x(forward):
    x = x4()
    x[1, 2, 3, 4] = np.nan
    with pytest.raises(ValueError, match=r"x must be finite \(no NaN or inf\); got 1 "):
        forward(x)


@pytest.mark.parametrize(("forward", "backward", "cache_name"), [
    (fn.maxpool2d_forward, fn.maxpool2d_backward, "maxpool2d_forward"),
    (fn.maxpool2d_forward_naive, fn.maxpool2d_backward_naive, "maxpool2d_forward_naive"),
    (fn.avgpool2d_forward, fn.avgpool2d_backward, "avgpool2d_forward"),
])
def test_pool_dout_wrong_shape(forward, backward, cache_name):
    _, cache = forward(x4(2, 3, 7, 9), size=2)
    with pytest.raises(ValueError, match=re.escape(
            f"dout must be of shape (2, 3, 3, 4) (the shape of the {cache_name} output); "
            "got shape (2, 3, 4, 4).")):
        backward(np.zeros((2, 3, 4, 4)), cache)


@pytest.mark.parametrize(("forward", "backward"), [
    (fn.maxpool2d_forward, fn.maxpool2d_backward),
    (fn.avgpool2d_forward, fn.avgpool2d_backward),
])
def test_pool_dout_wrong_dtype(forward, backward):
    out, cache = forward(x4(dtype=np.float32))
    with pytest.raises(TypeError, match=r"dout must have dtype float32 .*; got float64"):
        backward(out.astype(np.float64), cache)


def test_pool_backward_needs_its_own_cache():
    _, avg_cache = fn.avgpool2d_forward(x4())
    with pytest.raises(TypeError, match=r"cache must be the MaxPool2dCache returned by "
                                        r"maxpool2d_forward; got AvgPool2dCache"):
        fn.maxpool2d_backward(np.zeros((2, 3, 4, 4)), avg_cache)


# ----------------------------------------------------------------------------
# relu, flatten, linear
# ----------------------------------------------------------------------------


def test_relu_integer_refused():
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array; got dtype int64"):
        fn.relu_forward(np.arange(3))


def test_relu_non_finite():
    with pytest.raises(ValueError, match=r"x must be finite"):
        fn.relu_forward(np.array([1.0, np.inf]))


def test_relu_dout_wrong_shape():
    _, cache = fn.relu_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=re.escape(
            "dout must be of shape (2, 3) (the shape of the relu_forward output); got shape "
            "(3, 2).")):
        fn.relu_backward(np.zeros((3, 2)), cache)


def test_relu_backward_needs_the_cache():
    with pytest.raises(TypeError, match=r"cache must be the ReluCache returned by relu_forward; "
                                        r"got ndarray"):
        fn.relu_backward(np.zeros(3), np.zeros(3))


def test_flatten_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"x must be 2-D or 3-D or 4-D \(N, C, H, W\); got shape "
                                         r"\(5,\)\. Hint: .*x\[None\]"):
        fn.flatten(np.zeros(5))


def test_flatten_integer_refused():
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array; got dtype uint8"):
        fn.flatten(np.zeros((2, 1, 3, 3), dtype=np.uint8))


def test_linear_x_not_flattened():
    with pytest.raises(ValueError, match=re.escape(
            "x must be 2-D (N, D); got shape (2, 12, 3, 3). Hint: flatten the feature maps "
            "first with flatten(x)")):
        fn.linear_forward(np.zeros((2, 12, 3, 3)), np.zeros((108, 10)), np.zeros(10))


def test_linear_in_features_mismatch():
    with pytest.raises(ValueError, match=re.escape(
            "w must have D = 108 rows (in_features) to match x of shape (2, 108); got w of shape "
            "(10, 108). Hint: w is (in_features, out_features); if yours is (out_features, "
            "in_features), use w.T")):
        fn.linear_forward(np.zeros((2, 108)), np.zeros((10, 108)), np.zeros(10))


def test_linear_w_wrong_ndim():
    with pytest.raises(ValueError, match=r"w must be 2-D \(D, M\); got shape \(108,\)\. Hint: "
                                         r"linear weights are \(in_features, out_features\)"):
        fn.linear_forward(np.zeros((2, 108)), np.zeros(108), np.zeros(10))


def test_linear_bias_shape():
    with pytest.raises(ValueError, match=re.escape(
            "b must be of shape (M,) = (10,) to match w of shape (108, 10); got shape (9,).")):
        fn.linear_forward(np.zeros((2, 108)), np.zeros((108, 10)), np.zeros(9))


def test_linear_dtype_mismatch():
    with pytest.raises(TypeError, match=re.escape(
            "w must have dtype float32 to match x; got float64. Hint: use w.astype(x.dtype)")):
        fn.linear_forward(np.zeros((2, 4), np.float32), np.zeros((4, 3)), np.zeros(3, np.float32))


@pytest.mark.parametrize("name", ["x", "w", "b"])
def test_linear_non_finite(name):
    args = {"x": np.zeros((2, 4)), "w": np.zeros((4, 3)), "b": np.zeros(3)}
    args[name][0] = np.nan
    with pytest.raises(ValueError, match=rf"{name} must be finite"):
        fn.linear_forward(**args)


def test_linear_dout_wrong_shape():
    _, cache = fn.linear_forward(np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=re.escape(
            "dout must be of shape (2, 3) (the shape of the linear_forward output); got shape "
            "(2, 4).")):
        fn.linear_backward(np.zeros((2, 4)), cache)


# ----------------------------------------------------------------------------
# softmax_cross_entropy
# ----------------------------------------------------------------------------

LOGITS = np.zeros((3, 4))


def test_softmax_logits_wrong_ndim():
    with pytest.raises(ValueError, match=r"logits must be 2-D \(N, K\); got shape \(4,\)\. Hint: "
                                         r"one row of K class scores per example"):
        fn.softmax_cross_entropy(np.zeros(4), np.array([0]))


def test_softmax_logits_integer_refused():
    with pytest.raises(TypeError, match=r"logits must be a float32 or float64 array; got dtype "
                                        r"int64"):
        fn.softmax_cross_entropy(np.zeros((3, 4), dtype=np.int64), np.array([0, 1, 2]))


def test_softmax_empty_batch():
    with pytest.raises(ValueError, match=r"logits must be non-empty .*; got shape \(0, 4\)"):
        fn.softmax_cross_entropy(np.zeros((0, 4)), np.zeros(0, dtype=np.int64))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_softmax_non_finite_logits(bad):
    logits = LOGITS.copy()
    logits[1, 2] = bad
    with pytest.raises(ValueError, match=r"logits must be finite \(no NaN or inf\); got 1 "
                                         r"non-finite value\(s\)\. Hint: .*learning rate"):
        fn.softmax_cross_entropy(logits, np.array([0, 1, 2]))


@pytest.mark.parametrize("y", [np.array([0, 4, 1]), np.array([0, -1, 1])])
def test_softmax_labels_out_of_range(y):
    with pytest.raises(ValueError, match=r"y must be class indices in \[0, 4\); got values from"):
        fn.softmax_cross_entropy(LOGITS, y)


def test_softmax_labels_float_dtype():
    with pytest.raises(TypeError, match=r"y must be an integer array of class indices; got dtype "
                                        r"float64\. Hint: use y\.astype\(np\.int64\)"):
        fn.softmax_cross_entropy(LOGITS, np.array([0.0, 1.0, 2.0]))


def test_softmax_labels_one_hot_refused():
    with pytest.raises(ValueError, match=r"y must be 1-D \(N,\); got shape \(3, 4\)"):
        fn.softmax_cross_entropy(LOGITS, np.eye(4, dtype=np.int64)[:3])


def test_softmax_labels_wrong_length():
    with pytest.raises(ValueError, match=re.escape(
            "y must be of shape (3,) to match the batch; got shape (2,).")):
        fn.softmax_cross_entropy(LOGITS, np.array([0, 1]))


def test_softmax_labels_not_an_array():
    with pytest.raises(TypeError, match=r"y must be a numpy array; got list of length 3"):
        fn.softmax_cross_entropy(LOGITS, [0, 1, 2])
