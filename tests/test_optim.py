"""Tests of cnnlesson.optim: updates checked against hand-computed values."""

import math

import numpy as np
import pytest

from cnnlesson.layers import Parameter
from cnnlesson.model import seed_cnn
from cnnlesson.optim import SGD, Adam


def param(values, grad, dtype=np.float64):
    return Parameter("w", np.array(values, dtype=dtype), np.array(grad, dtype=dtype))


def test_plain_sgd_step():
    p = param([1.0, -2.0], [0.5, -1.0])
    SGD([p], lr=0.1).step()
    assert np.allclose(p.data, [1.0 - 0.05, -2.0 + 0.1])


def test_sgd_momentum_two_steps_by_hand():
    p = param([1.0], [2.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()                     # v = 2,            w = 1 - 0.2 = 0.8
    assert np.allclose(p.data, [0.8])
    p.grad[...] = 1.0
    opt.step()                     # v = 0.9*2 + 1 = 2.8, w = 0.8 - 0.28 = 0.52
    assert np.allclose(p.data, [0.52])
    assert np.allclose(opt.velocity[0], [2.8])


def test_sgd_weight_decay_is_added_to_the_gradient():
    p = param([2.0], [0.5])
    SGD([p], lr=0.1, weight_decay=0.01).step()   # g = 0.5 + 0.02 = 0.52
    assert np.allclose(p.data, [2.0 - 0.052])


def test_adam_two_steps_by_hand():
    g1 = np.array([0.2, -4.0])
    p = param([1.0, 1.0], g1)
    opt = Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # step 1: m_hat = g, s_hat = g^2, so the update is lr * g / (|g| + eps) ~ lr * sign(g)
    w1 = 1.0 - 0.01 * g1 / (np.abs(g1) + 1e-8)
    assert np.allclose(p.data, w1, rtol=0, atol=1e-15)
    assert np.allclose(p.data, [0.99, 1.01], atol=1e-9)
    p.grad[...] = [0.4, -4.0]
    opt.step()
    m = 0.9 * 0.1 * np.array([0.2, -4.0]) + 0.1 * np.array([0.4, -4.0])
    s = 0.999 * 0.001 * np.array([0.2, -4.0]) ** 2 + 0.001 * np.array([0.4, -4.0]) ** 2
    m_hat, s_hat = m / (1 - 0.9 ** 2), s / (1 - 0.999 ** 2)
    expected = w1 - 0.01 * m_hat / (np.sqrt(s_hat) + 1e-8)
    assert np.allclose(p.data, expected, rtol=0, atol=1e-12)


def test_adam_weight_decay_is_decoupled():
    p = param([2.0, -1.0], [0.0, 0.0])
    Adam([p], lr=0.1, weight_decay=0.5).step()   # zero gradient: only the decay acts
    assert np.allclose(p.data, [2.0 * 0.95, -1.0 * 0.95])


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
                                  lambda ps: Adam(ps, weight_decay=1e-3)])
def test_updates_are_in_place_and_keep_float32(make):
    model = seed_cnn()
    params = model.parameters()
    arrays = [p.data for p in params]
    for p in params:
        p.grad[...] = 1
    make(params).step()
    for p, a in zip(params, arrays, strict=True):
        assert p.data is a and p.data.dtype == np.float32
    assert model["linear1"].weight.data is arrays[-2]


def test_lr_can_be_changed_between_steps():
    p = param([0.0], [1.0])
    opt = SGD([p], lr=0.1)
    opt.step()
    opt.lr = 0.01
    opt.step()
    assert np.allclose(p.data, [-0.11])
    assert opt.lr == 0.01 and opt.steps == 2


def test_zero_grad():
    p, q = param([1.0], [3.0]), param([1.0], [4.0])
    Adam([p, q]).zero_grad()
    assert p.grad[0] == 0 and q.grad[0] == 0


def test_frozen_parameters_are_not_touched():
    model = seed_cnn()
    before = model["conv1"].weight.data.copy()
    for p in model.parameters():
        p.grad[...] = 1
    SGD(model.parameters()[2:], lr=0.1).step()
    assert np.array_equal(model["conv1"].weight.data, before)


@pytest.mark.parametrize("make, exc, msg", [
    (lambda ps: SGD(ps, lr=0), ValueError, r"lr must be a finite number > 0; got 0.0"),
    (lambda ps: SGD(ps, lr=-1), ValueError, "lr must be a finite number > 0"),
    (lambda ps: SGD(ps, lr=math.nan), ValueError, "lr must be a finite number > 0"),
    (lambda ps: SGD(ps, lr="0.1"), TypeError, "lr must be a real number"),
    (lambda ps: SGD(ps, lr=0.1, momentum=1.0), ValueError, "momentum must be a finite number"
                                                           r" >= 0 and < 1.*0.9"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), ValueError, "weight_decay must be"),
    (lambda ps: Adam(ps, betas=0.9), TypeError, r"betas must be a pair \(beta1, beta2\)"),
    (lambda ps: Adam(ps, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be a finite number"),
    (lambda ps: Adam(ps, eps=0), ValueError, "eps must be a finite number > 0"),
    (lambda ps: Adam([]), ValueError, "params must be a non-empty list"),
    (lambda ps: Adam(ps + ps), ValueError, r"params\[1\] must be listed once"),
    (lambda ps: Adam([np.zeros(3)]), TypeError, r"params\[0\] must be a Parameter.*"
                                                r"model.parameters\(\)"),
    (lambda ps: Adam(3), TypeError, "params must be a list of Parameter objects"),
])
def test_argument_errors(make, exc, msg):
    with pytest.raises(exc, match=msg):
        make([param([1.0], [1.0])])


def test_lr_setter_validates():
    opt = Adam([param([1.0], [1.0])])
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        opt.lr = 0.0


def test_a_single_parameter_is_accepted_and_reprs():
    p = param([1.0], [1.0])
    assert len(SGD(p, lr=0.1).params) == 1
    assert repr(SGD([p], lr=0.1)) == "SGD(lr=0.1, momentum=0, weight_decay=0, 1 parameters)"
    assert repr(Adam([p])).startswith("Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08")
