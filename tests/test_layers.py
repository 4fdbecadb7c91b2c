"""Tests of cnnlesson.layers: thin wrappers over cnnlesson.functional."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import functional as F
from cnnlesson.layers import (
    AvgPool2d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    Parameter,
    ReLU,
)
from cnnlesson.model import Sequential


def rand(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# -- Parameter ---------------------------------------------------------------------------------


def test_parameter_grad_starts_at_zero_and_has_same_shape_and_dtype():
    p = Parameter("w", np.ones((2, 3), dtype=np.float32))
    assert p.grad.shape == (2, 3) and p.grad.dtype == np.float32
    assert not p.grad.any()
    assert p.shape == (2, 3) and p.size == 6
    p.grad += 5
    p.zero_grad()
    assert not p.grad.any()
    assert repr(p) == "Parameter('w', shape 2x3, float32)"


def test_parameter_refuses_integer_data_and_bad_grad():
    with pytest.raises(TypeError, match="data must be a float32 or float64 array"):
        Parameter("w", np.ones(3, dtype=np.int64))
    with pytest.raises(ValueError, match=r"grad must be an array of shape \(3,\)"):
        Parameter("w", np.ones(3), grad=np.ones(4))


# -- construction ------------------------------------------------------------------------------


def test_conv_init_shapes_bias_and_repr():
    conv = Conv2d(3, 6, 3, seed=0)
    assert conv.weight.data.shape == (6, 3, 3, 3) and conv.weight.data.dtype == np.float32
    assert conv.bias.data.shape == (6,) and not conv.bias.data.any()
    assert repr(conv) == "Conv2d(3 -> 6, kernel 3x3, stride 1, padding 0)"
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
            conv.padding) == (3, 6, (3, 3), 1, 0)
    assert [p.name for p in conv.parameters()] == ["weight", "bias"]
    assert repr(Conv2d(1, 2, (3, 5), stride=2, padding=1)) == \
        "Conv2d(1 -> 2, kernel 3x5, stride 2, padding 1)"


def test_he_initialisation_std():
    conv = Conv2d(16, 64, 3, seed=1, dtype=np.float64)
    fan_in = 16 * 9
    assert conv.weight.data.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.05)
    assert abs(conv.weight.data.mean()) < 0.01
    lin = Linear(200, 300, seed=2)
    assert lin.weight.data.std() == pytest.approx(np.sqrt(2 / 200), rel=0.05)
    assert not lin.bias.data.any()


def test_seeded_init_is_reproducible_and_accepts_generators():
    a = Conv2d(3, 6, 3, seed=7).weight.data
    b = Conv2d(3, 6, 3, seed=7).weight.data
    c = Conv2d(3, 6, 3, seed=8).weight.data
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert np.array_equal(Linear(4, 5, seed=g1).weight.data, Linear(4, 5, seed=g2).weight.data)


def test_float64_layers():
    conv = Conv2d(2, 3, 3, seed=0, dtype=np.float64)
    assert conv.weight.data.dtype == np.float64 and conv.bias.grad.dtype == np.float64
    out = conv.forward(rand((1, 2, 5, 5)))
    assert out.dtype == np.float64


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(in_channels=0, out_channels=2, kernel_size=3), ValueError, "in_channels must be an int"),
    (dict(in_channels="3", out_channels=2, kernel_size=3), TypeError, "in_channels must be"),
    (dict(in_channels=1, out_channels=2, kernel_size=0), ValueError, "kernel_size must be a pos"),
    (dict(in_channels=1, out_channels=2, kernel_size=(3, 3, 3)), ValueError, "a pair"),
    (dict(in_channels=1, out_channels=2, kernel_size=3, stride=0), ValueError, "stride must"),
    (dict(in_channels=1, out_channels=2, kernel_size=3, padding=-1), ValueError, "padding must"),
    (dict(in_channels=1, out_channels=2, kernel_size=3, seed="x"), TypeError, "seed must be"),
    (dict(in_channels=1, out_channels=2, kernel_size=3, dtype=np.int32), TypeError,
     "dtype must be np.float32 or np.float64"),
])
def test_conv_constructor_errors(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        Conv2d(**kwargs)


def test_other_constructor_errors():
    with pytest.raises(ValueError, match="size must be an int >= 1"):
        MaxPool2d(0)
    with pytest.raises(ValueError, match="out_features must be an int >= 1"):
        Linear(3, 0)
    with pytest.raises(TypeError, match="dtype must be"):
        Linear(3, 2, dtype="float16")


# -- each layer against its functional op -----------------------------------------------------


def test_conv_forward_backward_match_functional():
    conv = Conv2d(2, 3, 3, stride=2, padding=1, seed=0, dtype=np.float64)
    x, dout = rand((2, 2, 7, 7), 1), rand((2, 3, 4, 4), 2)
    out = conv.forward(x)
    ref, cache = F.conv2d_forward(x, conv.weight.data, conv.bias.data, stride=2, padding=1)
    assert np.array_equal(out, ref)
    dx = conv.backward(dout)
    rdx, rdw, rdb = F.conv2d_backward(dout, cache)
    assert np.array_equal(dx, rdx)
    assert np.array_equal(conv.weight.grad, rdw) and np.array_equal(conv.bias.grad, rdb)


def test_linear_forward_backward_match_functional():
    lin = Linear(5, 4, seed=0, dtype=np.float64)
    x, dout = rand((3, 5), 1), rand((3, 4), 2)
    out = lin.forward(x)
    ref, cache = F.linear_forward(x, lin.weight.data, lin.bias.data)
    assert np.array_equal(out, ref)
    dx = lin.backward(dout)
    rdx, rdw, rdb = F.linear_backward(dout, cache)
    assert np.array_equal(dx, rdx)
    assert np.array_equal(lin.weight.grad, rdw) and np.array_equal(lin.bias.grad, rdb)


@pytest.mark.parametrize("layer, fwd, bwd", [
    (MaxPool2d(2), lambda x: F.maxpool2d_forward(x, 2), F.maxpool2d_backward),
    (MaxPool2d(3, stride=1), lambda x: F.maxpool2d_forward(x, 3, 1), F.maxpool2d_backward),
    (AvgPool2d(2), lambda x: F.avgpool2d_forward(x, 2), F.avgpool2d_backward),
    (ReLU(), F.relu_forward, F.relu_backward),
])
def test_parameterless_layers_match_functional(layer, fwd, bwd):
    x = rand((2, 3, 6, 6), 1)
    out = layer.forward(x)
    ref, cache = fwd(x)
    assert np.array_equal(out, ref)
    dout = rand(out.shape, 2)
    assert np.array_equal(layer.backward(dout), bwd(dout, cache))
    assert layer.parameters() == []


def test_flatten_round_trip():
    fl = Flatten()
    x = rand((2, 3, 4, 5))
    out = fl.forward(x)
    assert np.array_equal(out, F.flatten(x)) and out.shape == (2, 60)
    dout = rand((2, 60), 3)
    assert np.array_equal(fl.backward(dout), dout.reshape(x.shape))
    assert fl.output_shape((3, 4, 5)) == (60,)


def test_output_shape_matches_forward():
    x = rand((1, 3, 11, 9))
    for layer in [Conv2d(3, 4, 3, stride=2, padding=1, dtype=np.float64), MaxPool2d(2),
                  AvgPool2d(3, stride=2), ReLU(), Flatten()]:
        assert layer.output_shape(x.shape[1:]) == layer.forward(x).shape[1:]


# -- gradient accumulation and the cache -------------------------------------------------------


def test_backward_accumulates_until_zero_grad():
    conv = Conv2d(1, 2, 3, seed=0, dtype=np.float64)
    x, dout = rand((2, 1, 5, 5)), rand((2, 2, 3, 3), 1)
    conv.forward(x)
    conv.backward(dout)
    once = conv.weight.grad.copy(), conv.bias.grad.copy()
    conv.backward(dout)
    assert np.allclose(conv.weight.grad, 2 * once[0]) and np.allclose(conv.bias.grad, 2 * once[1])
    conv.zero_grad()
    assert not conv.weight.grad.any() and not conv.bias.grad.any()


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="Conv2d.backward was called before forward"):
        Conv2d(1, 2, 3).backward(np.zeros((1, 2, 3, 3), np.float32))
    model = Sequential(ReLU())
    with pytest.raises(RuntimeError, match="relu1.backward was called before forward"):
        model.backward(np.zeros((1, 2), np.float32))


def test_forward_without_cache_leaves_backward_state_alone():
    conv = Conv2d(1, 2, 3, seed=0, dtype=np.float64)
    x1, x2, dout = rand((2, 1, 5, 5), 1), rand((3, 1, 6, 6), 2), rand((2, 2, 3, 3), 3)
    conv.forward(x1)
    conv.forward(x2, keep_cache=False)
    dx = conv.backward(dout)
    _, cache = F.conv2d_forward(x1, conv.weight.data, conv.bias.data)
    assert np.array_equal(dx, F.conv2d_backward(dout, cache)[0])


def test_dout_of_wrong_shape():
    relu = ReLU()
    relu.forward(rand((2, 3)))
    with pytest.raises(ValueError, match=r"dout must be of shape \(2, 3\) \(the shape of ReLU's"):
        relu.backward(rand((3, 2)))


# -- input validation names the layer ---------------------------------------------------------


def test_channel_mismatch_names_the_layer():
    model = Sequential(Conv2d(1, 6, 3), ReLU(), Conv2d(12, 4, 3))
    x = np.zeros((2, 1, 9, 9), np.float32)
    with pytest.raises(ValueError, match=r"conv2 expects 12 input channels; got x of shape "
                                         r"\(2, 6, 7, 7\)"):
        model.forward(x)
    with pytest.raises(ValueError, match=r"Conv2d expects 3 input channels; got x of shape"):
        Conv2d(3, 6, 3).forward(np.zeros((1, 1, 5, 5), np.float32))


def test_wrong_layout_and_too_small_inputs():
    conv = Conv2d(3, 6, 3)
    with pytest.raises(ValueError, match=r"Conv2d expects 4-D input \(N, C, H, W\).*hwc_to_chw"):
        conv.forward(np.zeros((26, 26, 3), np.float32))
    with pytest.raises(ValueError, match="Conv2d needs an input of at least 3x3 pixels"):
        conv.forward(np.zeros((1, 3, 2, 8), np.float32))
    with pytest.raises(ValueError, match="MaxPool2d needs an input of at least 2x2"):
        MaxPool2d(2).forward(np.zeros((1, 3, 1, 8), np.float32))
    with pytest.raises(ValueError, match=r"Linear expects 108 input features; got x of shape "
                                         r"\(2, 100\)"):
        Linear(108, 10).forward(np.zeros((2, 100), np.float32))
    with pytest.raises(ValueError, match="put a Flatten layer before it"):
        Linear(108, 10).forward(np.zeros((2, 12, 3, 3), np.float32))
    with pytest.raises(ValueError, match="x must be a non-empty batch"):
        ReLU().forward(np.zeros((0, 3), np.float32))


def test_dtype_errors():
    conv = Conv2d(1, 2, 3)
    with pytest.raises(TypeError, match=r"x must be float32 like Conv2d's weights; got dtype "
                                        r"float64.*model.astype"):
        conv.forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array.*uint8"):
        conv.forward(np.zeros((1, 1, 5, 5), np.uint8))
    with pytest.raises(TypeError, match="x must be a numpy array"):
        ReLU().forward([[1.0, 2.0]])


def test_layer_astype_converts_params_and_grads():
    lin = Linear(3, 2, seed=0)
    assert lin.astype(np.float64) is lin
    assert lin.weight.data.dtype == np.float64 and lin.weight.grad.dtype == np.float64
    assert lin.dtype == np.float64 and ReLU().dtype is None


@settings(max_examples=30, deadline=None)
@given(c=st.integers(1, 3), f=st.integers(1, 3), k=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.integers(0, 2), h=st.integers(4, 9), w=st.integers(4, 9),
       pool=st.integers(1, 3))
def test_output_shape_agrees_with_forward_for_any_configuration(c, f, k, stride, padding, h, w,
                                                                 pool):
    conv = Conv2d(c, f, k, stride=stride, padding=padding, seed=0, dtype=np.float64)
    x = rand((2, c, h, w))
    out = conv.forward(x)
    assert out.shape[1:] == conv.output_shape((c, h, w))
    if min(out.shape[2:]) >= pool:
        for layer in (MaxPool2d(pool), AvgPool2d(pool, stride=1)):
            assert layer.forward(out).shape[1:] == layer.output_shape(out.shape[1:])
