"""cnnlesson.gradcheck: numerical gradients, relative error and the notebook check line."""

from __future__ import annotations

import re

import numpy as np
import pytest

from cnnlesson import functional as fn
from cnnlesson.gradcheck import check_gradient, numerical_gradient, rel_error

# ----------------------------------------------------------------------------
# numerical_gradient
# ----------------------------------------------------------------------------


def test_scalar_function_known_gradient():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8, atol=1e-8)
    assert grad.dtype == np.float64 and grad.shape == x.shape


def test_python_float_result_is_accepted():
    x = np.array([0.3, -0.7])
    grad = numerical_gradient(lambda v: float(np.sin(v[0]) * v[1]), x)
    np.testing.assert_allclose(grad, [np.cos(0.3) * -0.7, np.sin(0.3)], rtol=1e-8)


def test_vector_function_with_dout_is_a_vector_jacobian_product():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    dout = rng.standard_normal(4)
    grad = numerical_gradient(lambda v: a @ v, x, dout)
    np.testing.assert_allclose(grad, a.T @ dout, rtol=1e-8, atol=1e-10)
    # dout=None means all ones
    np.testing.assert_allclose(numerical_gradient(lambda v: a @ v, x), a.sum(axis=0), rtol=1e-8)


def test_x_is_restored_exactly():
    x = np.random.default_rng(1).standard_normal((2, 3))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v ** 2), x)
    np.testing.assert_array_equal(x, before)


def test_x_is_restored_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 3:
            raise RuntimeError("boom")
        return v.sum()

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert calls[1][0] == 1.0 + 1e-5  # it did perturb in place (default eps)


def test_f_returning_a_view_of_x():
    x = np.arange(12.0).reshape(2, 1, 2, 3)
    dout = np.arange(12.0).reshape(2, 6)
    # flatten returns a view of x: the gradient must still be dout reshaped
    np.testing.assert_allclose(numerical_gradient(fn.flatten, x, dout), dout.reshape(x.shape),
                               rtol=1e-9)


def test_non_contiguous_x():
    base = np.random.default_rng(2).standard_normal((4, 3))
    x = base.T  # a non-contiguous view, perturbed through the view
    grad = numerical_gradient(lambda v: np.sum(v[0] * 2.0 + v[1] ** 2), x)
    expected = np.zeros_like(x)
    expected[0] = 2.0
    expected[1] = 2 * x[1]
    np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=1e-9)


def test_eps_is_used():
    x = np.array([1.0])
    g = numerical_gradient(lambda v: v[0] ** 3, x, eps=0.1)[0]
    assert g == pytest.approx(3.0 + 0.1 ** 2, rel=1e-12)  # (x+h)^3 - (x-h)^3 = 6x^2 h + 2 h^3


def test_float32_refused_with_hint():
    with pytest.raises(TypeError, match=r"x must be a float64 array; got dtype float32\. Hint: use "
                                        r"x\.astype\(np\.float64\).*float32"):
        numerical_gradient(np.sum, np.zeros(3, dtype=np.float32))


def test_integer_refused():
    with pytest.raises(TypeError, match=r"x must be a float64 array; got dtype int64"):
        numerical_gradient(np.sum, np.arange(3))


def test_list_refused():
    with pytest.raises(TypeError, match=r"x must be a numpy array; got list of length 2"):
        numerical_gradient(np.sum, [1.0, 2.0])


def test_read_only_refused():
    x = np.zeros(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match=r"x must be a writeable array .*Hint: pass a copy"):
        numerical_gradient(np.sum, x)


def test_f_not_callable():
    with pytest.raises(TypeError, match=r"f must be a function of x; got array of shape \(3,\)"):
        numerical_gradient(np.zeros(3), np.zeros(3))


def test_f_returning_a_tuple_gets_a_hint():
    with pytest.raises(TypeError, match=re.escape(
            "f must be a function returning an array or a scalar; got a function returning a "
            "tuple of length 2. Hint: keep only the output, e.g. lambda x: conv2d_forward(x, w, "
            "b)[0]")):
        numerical_gradient(lambda v: fn.relu_forward(v), np.ones((1, 2)))


def test_dout_wrong_shape():
    with pytest.raises(ValueError, match=re.escape(
            "dout must be of shape (2, 3) (the shape of f(x)); got shape (3, 2).")):
        numerical_gradient(lambda v: v * 2, np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize(("eps", "kind"), [(0.0, ValueError), (-1e-6, ValueError),
                                           (np.inf, ValueError), ("1e-6", TypeError),
                                           (True, TypeError)])
def test_bad_eps(eps, kind):
    with pytest.raises(kind, match=r"eps must be a positive"):
        numerical_gradient(np.sum, np.zeros(2), eps=eps)


# ----------------------------------------------------------------------------
# rel_error
# ----------------------------------------------------------------------------


def test_rel_error_values():
    a = np.array([1.0, 2.0, 0.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1.0], [-1.0]) == 1.0                        # opposite signs
    assert rel_error([1.0, 100.0], [1.0, 101.0]) == pytest.approx(1 / 201)  # the worst entry
    assert rel_error([0.0], [1e-10]) == pytest.approx(1e-2)      # below the floor: 1e-10 / 1e-8
    assert rel_error([0.0], [1e-10], floor=1e-4) == pytest.approx(1e-6)
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
    assert type(rel_error(a, a + 1)) is float


def test_rel_error_is_symmetric_and_scale_free():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(10), rng.standard_normal(10)
    assert rel_error(a, b) == rel_error(b, a)
    assert rel_error(1e6 * a, 1e6 * b) == pytest.approx(rel_error(a, b), rel=1e-12)


def test_rel_error_nan_is_reported():
    assert np.isnan(rel_error([1.0, np.nan], [1.0, 1.0]))


def test_rel_error_shape_mismatch():
    with pytest.raises(ValueError, match=re.escape(
            "b must be of the shape of a, (2, 3); got shape (3, 2).")):
        rel_error(np.zeros((2, 3)), np.zeros((3, 2)))


def test_rel_error_bad_floor():
    with pytest.raises(ValueError, match=r"floor must be a positive float; got float 0\.0"):
        rel_error([1.0], [1.0], floor=0.0)


def test_rel_error_non_numeric():
    with pytest.raises(TypeError, match=r"a must be an array of real numbers; got str"):
        rel_error("abc", [1.0])


# ----------------------------------------------------------------------------
# check_gradient
# ----------------------------------------------------------------------------


def test_check_gradient_pass_line_is_machine_independent(capsys):
    a = np.array([1.0, 2.0])
    assert check_gradient("conv2d dw", a, a + 1e-12) is True
    assert capsys.readouterr().out == "conv2d dw: relative error < 1e-6 -> PASS\n"
    assert check_gradient("conv2d dx", a, a * (1 + 4e-10), show_value=True) is True
    assert capsys.readouterr().out == "conv2d dx: relative error 2e-10 -> PASS\n"


def test_check_gradient_fail_line(capsys):
    assert check_gradient("relu dx", np.array([1.0]), np.array([0.5])) is False
    assert capsys.readouterr().out == "relu dx: relative error 3e-1 (tolerance 1e-6) -> FAIL\n"
    assert check_gradient("x", np.array([1.0]), np.array([np.nan])) is False
    assert capsys.readouterr().out == "x: relative error nan (tolerance 1e-6) -> FAIL\n"


def test_check_gradient_tol_and_floor(capsys):
    assert check_gradient("w", np.array([1.0]), np.array([1.001]), tol=1e-2) is True
    assert capsys.readouterr().out == "w: relative error < 1e-2 -> PASS\n"
    assert check_gradient("w", np.array([0.0]), np.array([1e-9])) is False
    assert check_gradient("w", np.array([0.0]), np.array([1e-9]), floor=1e-2) is True


def test_check_gradient_bad_input():
    with pytest.raises(ValueError, match=re.escape(
            "numeric must be of the shape of analytic, (2,); got shape (3,).")):
        check_gradient("w", np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match=r"name must be a str; got int"):
        check_gradient(3, np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"tol must be a positive float"):
        check_gradient("w", np.zeros(2), np.zeros(2), tol=0)
    with pytest.raises(TypeError, match=r"analytic must be a numpy array; got list"):
        check_gradient("w", [0.0], np.zeros(1))


def test_a_wrong_backward_pass_is_caught(capsys):
    """The check has teeth: a conv backward that flips the kernel fails."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 2, 5, 6))
    w = rng.standard_normal((3, 2, 3, 3))
    b = np.zeros(3)
    out, cache = fn.conv2d_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    numeric = numerical_gradient(lambda v: fn.conv2d_forward(v, w, b)[0], x, dout, eps=1e-5)
    right, _, _ = fn.conv2d_backward(dout, cache)
    flipped = fn.Conv2dCache(x, w[:, :, ::-1, ::-1], cache.stride, cache.padding, cache.cols)
    wrong, _, _ = fn.conv2d_backward(dout, flipped)
    assert check_gradient("conv2d dx", right, numeric)
    assert not check_gradient("conv2d dx (flipped kernel)", wrong, numeric)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "conv2d dx: relative error < 1e-6 -> PASS"
    assert lines[1].endswith("-> FAIL")


def test_numerical_gradient_names_a_forgotten_return():
    def loss(v):
        (v ** 2).sum()   # no return: f gives None

    with pytest.raises(TypeError, match=r"f must be a function returning an array or a scalar; "
                       r"got a function returning None\. Hint: did you forget `return`\?"):
        numerical_gradient(loss, np.ones(3))


@pytest.mark.parametrize("f, kind, msg", [
    (lambda v: np.log(v - 1.0), ValueError, r"got NaN or inf from f at x\."),
    (lambda v: np.sqrt(v - 1.0 - 1e-9) if v[1] < 1.0 else v.sum(), ValueError,
     r"got NaN or inf from f at x\[1\] - eps"),
    (lambda v: "loss", TypeError, r"real numbers .*got a function returning str 'loss'"),
    (lambda v: v.astype(complex), TypeError, "real numbers .*dtype complex128"),
    (lambda v: [[1.0], [1.0, 2.0]], TypeError, "real numbers .*list of length 2"),
])
def test_numerical_gradient_refuses_bad_outputs_of_f(f, kind, msg):
    x = np.ones(3)
    with np.errstate(all="ignore"), pytest.raises(kind, match=msg):
        numerical_gradient(f, x)
    assert np.array_equal(x, np.ones(3))   # restored even after the error


def test_numerical_gradient_refuses_nan_inputs_and_huge_arrays():
    with pytest.raises(ValueError, match=r"x must be finite \(no NaN or inf\); got 1 non-finite"):
        numerical_gradient(lambda v: v.sum(), np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"dout must be finite"):
        numerical_gradient(lambda v: v, np.ones(2), np.array([1.0, np.inf]))
    with pytest.raises(TypeError, match=r"dout must be an array of real numbers; got dtype"):
        numerical_gradient(lambda v: v, np.ones(2), np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"x must be at most 100,000 entries .*1,000,000"):
        numerical_gradient(lambda v: v.sum(), np.zeros((1000, 1000)))
    # lists of numbers and empty inputs still work
    assert np.allclose(numerical_gradient(lambda v: [v.sum(), 1.0], np.ones(2)), [1.0, 1.0])
    assert numerical_gradient(lambda v: v.sum(), np.zeros((0, 3))).shape == (0, 3)
