"""Exercise checkers for notebook 04_backprop.

* :func:`kernel_grad_loops`: Exercise 4.1, ``my_kernel_grad(x, dout)`` with loops.
* :func:`numerical_grad`: Exercise 4.2, ``my_numerical_grad(f, x, eps)`` by central differences.
* :func:`learn_sobel_y`: Exercise 4.6, ``my_update_step(kernel, x, y_target, lr)`` and a
  learning rate and number of steps that rediscover :data:`cnnlesson.filters.SOBEL_Y`.
"""

from __future__ import annotations

import numpy as np

from ..filters import SOBEL_Y, convolve2d, correlate2d
from ..functional import conv2d_backward, conv2d_forward
from ..gradcheck import numerical_gradient
from ..kernel_learning import kernel_learning_image
from ._core import _short, call, exercise, expect_array, expect_int, expect_number, expect_shape

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "04_backprop"

__all__ = ["kernel_grad_loops", "numerical_grad", "learn_sobel_y"]


def _close(a, b, rtol=1e-7, atol=1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


# ---------------------------------------------------------------------------
# Exercise 4.1
# ---------------------------------------------------------------------------

def reference_kernel_grad(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """``dL/dK`` for ``Y = correlate2d(x, K)`` (valid), from :func:`conv2d_backward`.

    Parameters
    ----------
    x : numpy.ndarray, shape (H, W)
    dout : numpy.ndarray, shape (H', W')

    Returns
    -------
    numpy.ndarray, shape (H - H' + 1, W - W' + 1)

    Introduced in notebook 04_backprop.
    """
    kh, kw = x.shape[0] - dout.shape[0] + 1, x.shape[1] - dout.shape[1] + 1
    x4 = x[None, None].astype(np.float64)
    _, cache = conv2d_forward(x4, np.zeros((1, 1, kh, kw)), np.zeros(1))
    return conv2d_backward(dout[None, None].astype(np.float64), cache)[1][0, 0]


def _kernel_grad_cases():
    rng = np.random.default_rng(41)
    # (H, W), (H', W'): non-square images and kernels catch swapped axes and transposes.
    shapes = (((6, 8), (4, 5)), ((7, 5), (3, 4)), ((4, 6), (4, 4)), ((5, 5), (3, 3)))
    return [(rng.normal(size=xs), rng.normal(size=ds)) for xs, ds in shapes]


def _diagnose_kernel_grad(got: np.ndarray, x: np.ndarray, dout: np.ndarray,
                          expected: np.ndarray) -> str:
    if _close(got, expected[::-1, ::-1]):
        return ("Your result is the right one rotated by 180 degrees: the kernel gradient is a "
                "correlation, x[i + u, j + v] (plus), not x[i - u, j - v].")
    if _close(got, convolve2d(x, dout)):
        return ("You convolved (dout flipped); the kernel gradient is a correlation: "
                "dK[u, v] = sum of dout[i, j] * x[i + u, j + v], dout used as it is.")
    if got.shape == expected.T.shape and _close(got, expected.T):
        return ("Your result is the transpose of the right one: the row offset u pairs with "
                "the row index i (x[i + u, j + v]), and the result is indexed [u, v].")
    if _close(got, expected / dout.size):
        return ("Your result is divided by the number of output pixels; dK sums the "
                "contributions of every output pixel, it does not average them.")
    return ("Recall dK[u, v] = sum over i, j of dout[i, j] * x[i + u, j + v], with i over the "
            "rows of dout and j over its columns.")


@exercise("Exercise 4.1: the kernel gradient with loops")
def kernel_grad_loops(my_kernel_grad):
    """Check ``my_kernel_grad(x, dout) -> dK`` against :func:`conv2d_backward`'s ``dw``.

    Parameters
    ----------
    my_kernel_grad : callable
        The learner's function: ``x`` (H, W) and ``dout`` (H', W') give the
        gradient of the loss with respect to the kernel, (H - H' + 1, W - W' + 1).

    Introduced in notebook 04_backprop.
    """
    cases = _kernel_grad_cases()
    for x, dout in cases:
        expected = reference_kernel_grad(x, dout)
        kh, kw = expected.shape
        got = call(my_kernel_grad, x.copy(), dout.copy())
        got = expect_array(got, f"my_kernel_grad(x of shape {x.shape}, dout of shape "
                                   f"{dout.shape})")
        if got.shape != expected.shape:
            if got.shape == (kw, kh):
                hint = ("The shape is transposed: the kernel has KH = H - H' + 1 rows and "
                        "KW = W - W' + 1 columns; check which index runs over rows.")
            elif got.shape == dout.shape:
                hint = ("You returned an array shaped like dout; dK has the kernel's shape, "
                        "(H - H' + 1, W - W' + 1).")
            elif got.shape == x.shape:
                hint = ("You returned an array shaped like x; that would be dX. dK has the "
                        "kernel's shape, (H - H' + 1, W - W' + 1).")
            else:
                hint = "dK has the kernel's shape, KH = H - H' + 1 by KW = W - W' + 1."
            raise AssertionError(
                f"for x of shape {x.shape} and dout of shape {dout.shape}, your dK has shape "
                f"{got.shape}; it should have shape {expected.shape}. {hint}")
        if not _close(got, expected):
            where = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
            raise AssertionError(
                f"for x of shape {x.shape} and dout of shape {dout.shape}, "
                f"dK{tuple(map(int, where))} is {got[where]:.4g} but conv2d_backward gives "
                f"{expected[where]:.4g}. "
                + _diagnose_kernel_grad(got, x, dout, expected))
    return (f"matches conv2d_backward's dw on {len(cases)} cases, "
            "including non-square images and kernels")


# ---------------------------------------------------------------------------
# Exercise 4.2
# ---------------------------------------------------------------------------

def _cube_sum(x):
    return float(np.sum(x ** 3))


def _neighbour_products(x):
    return float(np.sum(x[:, :-1] * x[:, 1:]) + np.sum(np.sin(x)))


def _conv_loss_factory():
    rng = np.random.default_rng(42)
    w = rng.normal(size=(1, 1, 2, 2))
    b = np.array([0.3])

    def conv_loss(x):
        out, _ = conv2d_forward(x[None, None], w, b)
        return float(0.5 * np.sum(out ** 2))

    return conv_loss


def _numerical_grad_cases():
    rng = np.random.default_rng(43)
    x1 = rng.uniform(-2.0, 2.0, size=(3, 4))
    x2 = rng.normal(size=(4, 3))
    x3 = rng.normal(size=(4, 5))
    x4 = rng.normal(size=6)
    return [
        ("sum(x**3)", _cube_sum, x1, 3 * x1 ** 2),
        ("sum of neighbour products + sum(sin(x))", _neighbour_products, x2, None),
        ("a convolution's squared output / 2", _conv_loss_factory(), x3, None),
        ("sum(x**3) on a 1-D x", _cube_sum, x4, 3 * x4 ** 2),
    ]


def _one_sided(f, x, eps, sign=1.0):
    g = np.zeros_like(x)
    base = f(x.copy())
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += sign * eps
        g[i] = sign * (f(xp) - base) / eps
    return g


@exercise("Exercise 4.2: a gradient check of your own")
def numerical_grad(my_numerical_grad):
    """Check ``my_numerical_grad(f, x, eps)``: central differences, ``x`` restored.

    Tested on functions with known gradients (``sum(x**3)``), a non-separable
    function and the loss of a small convolution, on 1-D and 2-D ``x``.

    Parameters
    ----------
    my_numerical_grad : callable
        The learner's function: a scalar function ``f``, an array ``x`` and a
        step ``eps`` give the array of ``df/dx``, shaped like ``x``.

    Introduced in notebook 04_backprop.
    """
    eps = 1e-5
    cases = _numerical_grad_cases()
    for name, f, x0, exact in cases:
        x = x0.copy()
        got = call(my_numerical_grad, f, x, eps)
        if not np.array_equal(x, x0):
            raise AssertionError(
                f"after my_numerical_grad(f, x, eps) for f = {name}, x has changed. Put each "
                "nudged entry back (x[i] = old value) before moving on to the next one, or "
                "the next differences are taken at the wrong point.")
        got = expect_array(got, "my_numerical_grad's result")
        if got.shape != x0.shape:
            expect_shape(got, x0.shape, f"for f = {name} and x of shape {x0.shape}, your gradient")
        if exact is None:
            exact = numerical_gradient(f, x0.copy(), eps=eps)
        if _close(got, exact, rtol=1e-6, atol=1e-7):
            continue
        if _close(got, _one_sided(f, x0, eps), rtol=1e-6, atol=1e-7) or \
                _close(got, _one_sided(f, x0, eps, -1.0), rtol=1e-6, atol=1e-7):
            hint = ("These are one-sided differences, whose error grows like eps. Use the "
                    "central difference (f(x + eps) - f(x - eps)) / (2 * eps): its error "
                    "grows like eps**2, so it is far more accurate.")
        elif _close(got, 2 * exact, rtol=1e-6, atol=1e-7):
            hint = ("Your gradient is twice too large: the two nudged points are 2 * eps "
                    "apart, so divide by 2 * eps.")
        elif _close(got, exact / 2, rtol=1e-6, atol=1e-7):
            hint = "Your gradient is half the right one: divide by 2 * eps, not 4 * eps."
        elif _close(got, -exact, rtol=1e-6, atol=1e-7):
            hint = "Your gradient has the wrong sign: it is f(x + eps) - f(x - eps), in that order."
        else:
            hint = ("For each index i: save x[i], set x[i] = old + eps and evaluate f, set "
                    "x[i] = old - eps and evaluate f, restore x[i] = old, and store "
                    "(f_plus - f_minus) / (2 * eps). np.ndindex(x.shape) runs over every "
                    "index of an array of any shape.")
        where = np.unravel_index(np.argmax(np.abs(got - exact)), got.shape)
        raise AssertionError(
            f"for f = {name}, entry {tuple(map(int, where))} is {got[where]:.8g} but the "
            f"gradient is {exact[where]:.8g}. {hint}")
    return f"central differences right on {len(cases)} functions, and x is left unchanged"


# ---------------------------------------------------------------------------
# Exercise 4.3
# ---------------------------------------------------------------------------

#: The largest number of steps the checker runs (a good learning rate needs about 1,500).
MAX_STEPS = 20_000

#: How close the learned kernel must get to SOBEL_Y (largest absolute difference).
SOBEL_TOLERANCE = 1e-2


def reference_update_step(kernel, x, y_target, lr):
    """One gradient descent step on ``L = mean((correlate2d(x, kernel) - y_target) ** 2)``.

    Returns
    -------
    new_kernel : numpy.ndarray, shape of ``kernel``
    loss : float
        The loss *before* the step.

    Introduced in notebook 04_backprop.
    """
    diff = correlate2d(x, kernel) - y_target
    loss = float(np.mean(diff ** 2))
    grad = correlate2d(x, 2.0 * diff / diff.size)
    return kernel - lr * grad, loss


def _unpack_step(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(
            f"{what} should return two values, (new_kernel, loss); got "
            f"{type(result).__name__}. End the function with `return new_kernel, loss`.")
    new_kernel = expect_array(result[0], "the new kernel")
    if new_kernel.shape != (3, 3):
        raise AssertionError(f"the new kernel returned by {what} has shape "
                             f"{new_kernel.shape}; it should keep the kernel's shape (3, 3).")
    raw = result[1]
    if isinstance(raw, np.ndarray) and raw.size != 1:
        raise AssertionError(f"the loss returned by {what} should be one number; got an array "
                             f"of shape {raw.shape}. Take the mean: np.mean(diff ** 2).")
    if isinstance(raw, (float, np.floating)) or (isinstance(raw, np.ndarray)
                                                 and raw.dtype.kind == "f"):
        loss = float(np.asarray(raw).reshape(()))  # NaN and inf are judged by the caller
    else:
        loss = expect_number(raw, f"the loss returned by {what}")
    return new_kernel, loss


def _check_one_step(my_update_step):
    rng = np.random.default_rng(44)
    x = rng.normal(size=(7, 9))
    y_target = correlate2d(x, rng.normal(size=(3, 3)))
    kernel = rng.normal(size=(3, 3))
    lr = 0.05
    expected, expected_loss = reference_update_step(kernel, x, y_target, lr)
    got, loss = _unpack_step(call(my_update_step, kernel.copy(), x.copy(), y_target.copy(), lr),
                             "my_update_step")
    expect_shape(got, (3, 3), "the new kernel")
    if not np.isclose(loss, expected_loss, rtol=1e-7):
        if np.isclose(loss, np.sum((correlate2d(x, kernel) - y_target) ** 2), rtol=1e-7):
            hint = "That is the sum of the squared errors; the loss is their mean."
        elif np.isclose(loss, float(np.mean((correlate2d(x, got) - y_target) ** 2)), rtol=1e-7):
            hint = "That is the loss after the step; return the loss computed before updating."
        else:
            hint = "The loss is np.mean((correlate2d(x, kernel) - y_target) ** 2)."
        raise AssertionError(
            f"on a test example your loss is {loss:.6g}; expected {expected_loss:.6g}. {hint}")
    step, expected_step = kernel - got, kernel - expected
    dy = 2.0 * (correlate2d(x, kernel) - y_target) / y_target.size
    if _close(step, expected_step):
        return
    hint = ("The step is K - lr * dL/dK with dL/dY = 2 * (Y - y_target) / Y.size and "
            "dL/dK = correlate2d(x, dL/dY).")
    if _close(step, -expected_step):
        hint = ("Your step goes uphill: it is kernel - lr * gradient (minus), because the "
                "gradient points to where the loss grows.")
    elif _close(step, expected_step / 2):
        hint = ("Your step is half the right one: the derivative of diff**2 is 2 * diff, "
                "so dL/dY = 2 * (Y - y_target) / Y.size.")
    elif _close(step, expected_step * (correlate2d(x, kernel).size)):
        hint = ("Your step is Y.size times too large: the loss is a mean, so its gradient "
                "carries the factor 1 / Y.size.")
    elif _close(step, lr * convolve2d(x, dy)) or _close(step, expected_step.T) \
            or _close(step, expected_step[::-1, ::-1]):
        hint = ("Your kernel gradient is transposed or flipped: dL/dK = correlate2d(x, dL/dY) "
                "(correlate, not convolve).")
    elif _close(step, expected_step / lr):
        hint = "Multiply the gradient by the learning rate lr."
    raise AssertionError(f"on a test example your new kernel is not right. {hint}")


@exercise("Exercise 4.6: learn Sobel-y from examples")
def learn_sobel_y(my_update_step, lr, steps):
    """Check one update step, then learn :data:`SOBEL_Y` with the learner's ``lr`` and ``steps``.

    The run starts from a random kernel (seed 0, He scale) on
    :func:`~cnnlesson.kernel_learning.kernel_learning_image` (48x48, standardised),
    with ``y_target = correlate2d(x, SOBEL_Y)``, and must end within
    :data:`SOBEL_TOLERANCE` of ``SOBEL_Y``.

    Parameters
    ----------
    my_update_step : callable
        ``(kernel (3, 3), x (H, W), y_target (H-2, W-2), lr) -> (new_kernel, loss)``.
    lr : float
        The learner's learning rate.
    steps : int
        The learner's number of steps, at most :data:`MAX_STEPS`.

    Introduced in notebook 04_backprop.
    """
    lr = expect_number(lr, "lr")
    if lr <= 0:
        raise AssertionError(f"lr should be a positive number, e.g. 0.05; got {lr!r}.")
    steps = expect_int(steps, "steps")
    if steps < 1:
        raise AssertionError(f"steps should be a positive whole number; got {steps!r}.")
    if steps > MAX_STEPS:
        raise AssertionError(
            f"steps={_short(steps)} is more than this check runs ({MAX_STEPS}); with a good "
            "learning rate about 1,500 steps are enough.")
    _check_one_step(my_update_step)

    x = kernel_learning_image(48)
    y_target = correlate2d(x, SOBEL_Y)
    kernel = np.random.default_rng(0).normal(0.0, np.sqrt(2.0 / 9.0), size=(3, 3))
    first_loss = None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(int(steps)):
            kernel, loss = _unpack_step(call(my_update_step, kernel, x, y_target, lr),
                                        "my_update_step")
            first_loss = loss if first_loss is None else first_loss
            if not (np.isfinite(loss) and np.all(np.isfinite(kernel))) or loss > 1e6 * first_loss:
                raise AssertionError(
                    f"with lr={lr:g} the loss exploded at step {t}: gradient descent diverged "
                    "because every step overshoots. Use a smaller lr; on this image it must "
                    "stay below about 0.14.")
    if loss > first_loss:
        raise AssertionError(
            f"with lr={lr:g} the loss grew from {first_loss:.3g} to {loss:.3g}: every step "
            "overshoots. Use a smaller lr; on this image it must stay below about 0.14.")
    error = float(np.max(np.abs(kernel - SOBEL_Y)))
    if error >= SOBEL_TOLERANCE:
        learned = np.array2string(np.round(kernel, 2) + 0.0, precision=2)
        raise AssertionError(
            f"after {steps} steps with lr={lr:g} the kernel is still {error:.2g} away from "
            f"SOBEL_Y (it must get within {SOBEL_TOLERANCE:g}); it is now\n{learned}\n"
            "Use more steps or a larger lr (below about 0.14, where it starts to diverge).")
    return f"after {steps} steps with lr={lr:g} the kernel is within {SOBEL_TOLERANCE:g} of SOBEL_Y"
