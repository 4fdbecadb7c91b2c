"""The checkers of notebook 04_backprop: PASS right answers, hint at typical mistakes."""

import numpy as np
import pytest
from check_helpers import errors, fails

from cnnlesson import checks, filters
from cnnlesson.checks.nb04_backprop import (
    MAX_STEPS,
    _kernel_grad_cases,
    reference_kernel_grad,
    reference_update_step,
)


def stub(*args):
    raise NotImplementedError("Exercise")


# ---------------------------------------------------------------------------
# Exercise 4.1
# ---------------------------------------------------------------------------


def kernel_grad_loops(x, dout, *, swap=False, flip=False, average=False):
    h, w = x.shape
    oh, ow = dout.shape
    kh, kw = h - oh + 1, w - ow + 1
    dk = np.zeros((kw, kh) if swap else (kh, kw))
    for u in range(kh):
        for v in range(kw):
            total = 0.0
            for i in range(oh):
                for j in range(ow):
                    if flip:
                        total += dout[i, j] * x[i + kh - 1 - u, j + kw - 1 - v]
                    else:
                        total += dout[i, j] * x[i + u, j + v]
            if swap:
                dk[v, u] = total
            else:
                dk[u, v] = total
    return dk / dout.size if average else dk


def test_reference_kernel_grad_is_correlate2d_of_x_with_dout():
    for x, dout in _kernel_grad_cases():
        np.testing.assert_allclose(reference_kernel_grad(x, dout), filters.correlate2d(x, dout),
                                   atol=1e-12)
        np.testing.assert_allclose(kernel_grad_loops(x, dout), filters.correlate2d(x, dout),
                                   atol=1e-12)


def test_cases_include_non_square_kernels():
    shapes = [(x.shape[0] - d.shape[0] + 1, x.shape[1] - d.shape[1] + 1)
              for x, d in _kernel_grad_cases()]
    assert any(kh != kw for kh, kw in shapes)


def test_kernel_grad_passes(capsys):
    assert checks.kernel_grad_loops(kernel_grad_loops).passed is True
    assert capsys.readouterr().out == (
        "PASS Exercise 4.1: the kernel gradient with loops: matches conv2d_backward's dw on 4 "
        "cases, including non-square images and kernels\n")


def test_kernel_grad_with_correlate2d_passes():
    assert checks.kernel_grad_loops(filters.correlate2d).passed is True


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda x, d: kernel_grad_loops(x, d, swap=True), r"shape is transposed"),
    (lambda x, d: kernel_grad_loops(x, d, flip=True), r"rotated by 180 degrees.*x\[i \+ u"),
    (lambda x, d: kernel_grad_loops(x, d, average=True), r"divided by the number of output"),
    (lambda x, d: filters.convolve2d(x, d), r"You convolved \(dout flipped\)"),
    (lambda x, d: np.zeros_like(d), r"shaped like dout"),
    (lambda x, d: np.zeros_like(x), r"that would be dX"),
    (lambda x, d: np.zeros((2, 2)), r"should have shape \(3, 4\)"),
    (lambda x, d: kernel_grad_loops(x, d) + 0.1, r"Recall dK\[u, v\] = sum"),
])
def test_kernel_grad_wrong_answers_get_hints(wrong, hint):
    with fails(f"({hint})"):
        checks.kernel_grad_loops(wrong)


def test_kernel_grad_transposed_square_result_is_spotted():
    def transposed(x, d):
        g = kernel_grad_loops(x, d)
        return g.T if g.shape[0] == g.shape[1] else g

    with fails("transpose of the right one"):
        checks.kernel_grad_loops(transposed)


def test_kernel_grad_not_attempted(capsys):
    assert checks.kernel_grad_loops(stub).passed is False
    assert checks.kernel_grad_loops(...).passed is False
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(s.startswith("[not attempted yet] Exercise 4.1") for s in out)


def test_kernel_grad_bug_is_reported():
    with errors("your <lambda> raised IndexError: index 100 is out of bounds"):
        checks.kernel_grad_loops(lambda x, d: x[100])
    with fails("should be an array of numbers; got str"):
        checks.kernel_grad_loops(lambda x, d: "dk")


# ---------------------------------------------------------------------------
# Exercise 4.2
# ---------------------------------------------------------------------------


def central(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        plus = f(x)
        x[i] = old - eps
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def central_on_copies(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad


def one_sided(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - base) / eps
        x[i] = old
    return grad


def not_restored(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        plus = f(x)
        x[i] -= 2 * eps
        minus = f(x)
        grad[i] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("right", [central, central_on_copies])
def test_numerical_grad_passes(right, capsys):
    assert checks.numerical_grad(right).passed is True
    assert capsys.readouterr().out == (
        "PASS Exercise 4.2: a gradient check of your own: central differences right on 4 "
        "functions, and x is left unchanged\n")


@pytest.mark.parametrize(("wrong", "hint"), [
    (one_sided, r"one-sided differences.*central difference"),
    (not_restored, r"x has changed\. Put each nudged entry back"),
    (lambda f, x, eps: 2 * central(f, x, eps), r"twice too large.*2 \* eps"),
    (lambda f, x, eps: central(f, x, eps) / 2, r"half the right one"),
    (lambda f, x, eps: -central(f, x, eps), r"wrong sign"),
    (lambda f, x, eps: central(f, x, eps).ravel(), r"should have shape \(3, 4\)"),
    (lambda f, x, eps: central(f, x, eps) + 1e-3, r"np\.ndindex"),
])
def test_numerical_grad_wrong_answers_get_hints(wrong, hint):
    with fails(hint):
        checks.numerical_grad(wrong)


def test_numerical_grad_only_first_index_wrong_is_caught():
    def first_only(f, x, eps=1e-5):
        g = central(f, x, eps)
        g[(0,) * x.ndim] += 1e-4
        return g

    with fails(r"entry \(0, 0\)"):
        checks.numerical_grad(first_only)


def test_numerical_grad_not_attempted(capsys):
    assert checks.numerical_grad(stub).passed is False
    assert checks.numerical_grad(...).passed is False
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(s.startswith("[not attempted yet] Exercise 4.2") for s in out)


# ---------------------------------------------------------------------------
# Exercise 4.3
# ---------------------------------------------------------------------------


def step_with(*, sign=-1.0, factor=2.0, mean=True, loss_after=False, loss_sum=False,
              flip=False, no_lr=False):
    def update(kernel, x, y_target, lr):
        diff = filters.correlate2d(x, kernel) - y_target
        loss = float(np.sum(diff**2) if loss_sum else np.mean(diff**2))
        dy = factor * diff / (diff.size if mean else 1)
        grad = (filters.convolve2d if flip else filters.correlate2d)(x, dy)
        new = kernel + sign * (1.0 if no_lr else lr) * grad
        if loss_after:
            loss = float(np.mean((filters.correlate2d(x, new) - y_target) ** 2))
        return new, loss

    return update


def test_reference_update_step_matches_the_package_learner():
    from cnnlesson.kernel_learning import learn_kernel

    x = np.random.default_rng(0).normal(size=(8, 7))
    k0 = np.random.default_rng(1).normal(size=(3, 3))
    fit = learn_kernel(x, filters.SOBEL_Y, steps=1, lr=0.03, init=k0)
    new, loss = reference_update_step(k0, x, filters.correlate2d(x, filters.SOBEL_Y), 0.03)
    np.testing.assert_allclose(new, fit.kernel, rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(fit.losses[0], rel=1e-10)


def test_learn_sobel_y_passes(capsys):
    assert checks.learn_sobel_y(reference_update_step, 0.1, 1500).passed is True
    assert capsys.readouterr().out == (
        "PASS Exercise 4.6: learn Sobel-y from examples: after 1500 steps with lr=0.1 the "
        "kernel is within 0.01 of SOBEL_Y\n")


def test_learn_sobel_y_with_an_in_place_update_passes():
    def in_place(kernel, x, y_target, lr):
        diff = filters.correlate2d(x, kernel) - y_target
        loss = np.mean(diff**2)
        kernel -= lr * filters.correlate2d(x, 2 * diff / diff.size)
        return kernel, loss

    assert checks.learn_sobel_y(in_place, 0.12, 1500).passed is True


@pytest.mark.parametrize(("wrong", "hint"), [
    (step_with(sign=+1.0), r"goes uphill"),
    (step_with(factor=1.0), r"half the right one.*2 \* diff"),
    (step_with(mean=False), r"Y\.size times too large"),
    (step_with(flip=True), r"transposed or flipped"),
    (step_with(no_lr=True), r"Multiply the gradient by the learning rate"),
    (step_with(loss_after=True), r"loss after the step"),
    (step_with(loss_sum=True), r"sum of the squared errors"),
    (step_with(factor=3.0), r"The step is K - lr \* dL/dK"),
    (lambda k, x, y, lr: k, r"should return two values, \(new_kernel, loss\)"),
    (lambda k, x, y, lr: (k, "big"), r"loss returned by my_update_step is the string 'big'"),
])
def test_learn_sobel_y_wrong_steps_get_hints(wrong, hint):
    with fails(hint):
        checks.learn_sobel_y(wrong, 0.1, 1500)


@pytest.mark.parametrize(("lr", "steps", "hint"), [
    (0.5, 2000, r"with lr=0.5 the loss exploded at step \d+.*smaller lr"),
    (0.16, 30, r"with lr=0.16 the loss grew from .* smaller lr"),
    (0.01, 100, r"after 100 steps with lr=0.01 the kernel is still .* away from SOBEL_Y.*"
                r"more steps or a larger lr"),
    (-0.1, 100, r"lr should be a positive number"),
    ("0.1", 100, r"lr is the string '0.1'.*write the number without quotes"),
    (0.1, 0, r"steps should be a positive whole number"),
    (0.1, 10.0, r"steps is 10.0, a float; it should be a whole number"),
    (0.1, MAX_STEPS + 1, r"more than this check runs"),
])
def test_learn_sobel_y_bad_lr_or_steps_get_hints(lr, steps, hint):
    with fails(f"(?s){hint}"):
        checks.learn_sobel_y(reference_update_step, lr, steps)


def test_learn_sobel_y_not_attempted(capsys):
    assert checks.learn_sobel_y(stub, 0.1, 1500).passed is False
    assert checks.learn_sobel_y(reference_update_step, ..., ...).passed is False
    assert checks.learn_sobel_y(reference_update_step, 0.1, ...).passed is False
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(s.startswith("[not attempted yet] Exercise 4.6") for s in out)


def test_checkers_are_exported():
    from cnnlesson.checks import nb04_backprop

    assert set(nb04_backprop.__all__) == {"kernel_grad_loops", "numerical_grad", "learn_sobel_y"}
    for name in nb04_backprop.__all__:
        assert getattr(checks, name) is getattr(nb04_backprop, name)
