"""Every exercise checker answers every input with PASS, FAIL with a hint, ERROR (the learner's
code raised) or "not attempted": never a traceback, and PASS only for a right answer.

The right answers are the notebooks' solution cells (``### BEGIN SOLUTION`` blocks), copied
below; each is also given in its numpy forms (numpy scalars, 0-d arrays, arrays or lists for
sequences), which must pass too.
"""

import math

import numpy as np
import pytest
from check_helpers import run_quietly
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from cnnlesson import checks, filters
from cnnlesson.checks import _core
from cnnlesson.layers import Conv2d, Flatten, Linear, ReLU
from cnnlesson.model import Sequential, seed_cnn

# ---------------------------------------------------------------------------
# the notebooks' solutions
# ---------------------------------------------------------------------------

SMALL = np.array([[3, 0, 1, 2, 7, 4],
                  [1, 5, 8, 9, 3, 1],
                  [2, 7, 2, 5, 1, 3],
                  [0, 1, 3, 1, 7, 8],
                  [4, 2, 1, 6, 2, 8],
                  [2, 4, 5, 2, 3, 9]])
PIXEL = np.sum(SMALL[1:4, 2:5] * filters.SOBEL_X)


def my_correlate(image, kernel):
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def my_output_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def my_conv_multichannel(x, w, b):
    _, h, wd = x.shape
    f_count, _, kh, kw = w.shape
    out = np.zeros((f_count, h - kh + 1, wd - kw + 1))
    for f in range(f_count):
        for i in range(h - kh + 1):
            for j in range(wd - kw + 1):
                out[f, i, j] = np.sum(x[:, i:i + kh, j:j + kw] * w[f]) + b[f]
    return out


def my_maxpool(x, size):
    out_h, out_w = x.shape[0] // size, x.shape[1] // size
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = x[i * size:(i + 1) * size, j * size:(j + 1) * size].max()
    return out


def my_maxpool_backward(x, dout, size):
    dx = np.zeros(x.shape)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * size:(i + 1) * size, j * size:(j + 1) * size]
            r, c = np.unravel_index(np.argmax(window), window.shape)
            dx[i * size + r, j * size + c] += dout[i, j]
    return dx


def my_kernel_grad(x, dout):
    out_h, out_w = dout.shape
    kh, kw = x.shape[0] - out_h + 1, x.shape[1] - out_w + 1
    dk = np.zeros((kh, kw))
    for u in range(kh):
        for v in range(kw):
            for i in range(out_h):
                for j in range(out_w):
                    dk[u, v] += dout[i, j] * x[i + u, j + v]
    return dk


def my_numerical_grad(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        f_plus = f(x)
        x[index] = old - eps
        f_minus = f(x)
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def my_update_step(kernel, x, y_target, lr):
    diff = filters.correlate2d(x, kernel) - y_target
    loss = np.mean(diff ** 2)
    grad = filters.correlate2d(x, 2 * diff / diff.size)
    return kernel - lr * grad, loss


SHAPES = [(6, 24, 24), (6, 12, 12), (12, 10, 10), (12, 5, 5), (12, 3, 3), (108,), (10,)]
N_PARAMS = [6 * (3 * 3 * 3 + 1), 12 * (6 * 3 * 3 + 1), 12 * (12 * 3 * 3 + 1), 108 * 10 + 10]


def my_softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    exp_z = np.exp(z)
    sum_exp = exp_z.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(sum_exp[:, 0]) - z[rows, y]))
    dlogits = exp_z / sum_exp
    dlogits[rows, y] -= 1
    return loss, dlogits / n


def most_confused_pair(cm):
    off = cm.copy()
    np.fill_diagonal(off, 0)
    true_class, predicted = np.unravel_index(np.argmax(off), off.shape)
    return int(true_class), int(predicted)


CM = np.array([[50, 1, 0], [2, 40, 3], [7, 0, 45]])
MODEL = seed_cnn(in_channels=1, seed=0)
RF = (3, 4, 8, 10, 18)


def my_cosine(a, b):
    return np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b))


def my_occlude(x, top, left, patch, fill=0.0):
    out = x.copy()
    out[:, top:top + patch, left:left + patch] = fill
    return out


def most_important_patch(heatmap, stride):
    row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    return int(row) * stride, int(col) * stride


# the exercises of issue 12 (understanding, not transcription)
RIGHT_MINUS_LEFT = np.array([[0, 0, 0], [-1, 0, 1], [0, 0, 0]])
FLIP_INVARIANT = {"identity", "box blur", "gaussian blur", "sharpen", "laplacian",
                  "laplacian (4-neighbour)"}
POOL_TIE_DX = np.array([[0.0, 2.0, 0.0, 0.0],
                        [0.0, 0.0, -1.0, 0.0],
                        [0.0, 4.0, 0.0, 3.0],
                        [0.0, 0.0, 0.0, 0.0]])


def my_convolve2d(image, kernel):
    return filters.correlate2d(image, kernel[::-1, ::-1])


def my_conv_input_grad(dout, kernel):
    kh, kw = kernel.shape
    return filters.correlate2d(np.pad(dout, ((kh - 1, kh - 1), (kw - 1, kw - 1))),
                               kernel[::-1, ::-1])


def my_conv_weight_grad(x, dout, kh, kw):
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return np.einsum("ncijuv,nfij->fcuv", windows, dout)


def my_softmax_ce_grad(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def _digits_setup():
    from cnnlesson import functional, optim, train
    from cnnlesson.datasets import load_digits

    (x, y), _ = load_digits()
    untrained = seed_cnn(in_channels=1, seed=0)
    loss, _ = functional.softmax_cross_entropy(untrained.forward(x[:500]), y[:500])
    model = seed_cnn(in_channels=1, seed=0)
    train.fit(model, x[:50], y[:50], epochs=20, batch_size=10,
              optimizer=optim.Adam(model.parameters(), lr=0.01), progress=False)
    return loss, model, x[:50].copy(), y[:50].copy()


INITIAL_LOSS, OVERFIT_MODEL, X50, Y50 = _digits_setup()
LN10 = math.log(10)


# ---------------------------------------------------------------------------
# every checker: its right answer, which arguments are values or functions, numpy forms
# ---------------------------------------------------------------------------

def _returning(fn, convert):
    """A solution whose result is converted (to a list, a numpy scalar, ...)."""
    def wrapped(*args):
        return convert(fn(*args))
    wrapped.__name__ = fn.__name__
    return wrapped


#: name -> (right arguments, indices of learner values, indices of learner functions,
#:          list of other right arguments in numpy / list forms)
CHECKERS = {
    "receptive_rows": (
        ((14, 17), (6, 13)), (0, 1), (),
        [(np.array([14, 17]), [np.int64(6), 13]),
         ([14, 17], np.array([6, 13], dtype=np.int16))]),
    "output_pixel": (
        (PIXEL, SMALL, filters.SOBEL_X, 1, 2), (0, 1, 2, 3, 4), (),
        [(int(PIXEL), SMALL, filters.SOBEL_X, 1, 2), (np.array(PIXEL), SMALL, filters.SOBEL_X,
                                                       np.int64(1), np.array(2)),
         (np.float32(PIXEL), SMALL.tolist(), filters.SOBEL_X.tolist(), 1, 2),
         (np.array([PIXEL]), SMALL, filters.SOBEL_X, 1, 2)]),
    "correlate_loops": (
        (my_correlate,), (), (0,),
        [(_returning(my_correlate, lambda a: a.tolist()),),
         (_returning(my_correlate, lambda a: a.astype(np.float32)),)]),
    "horizontal_edge_kernel": (
        (np.array([[-1.0], [1.0]]),), (0,), (),
        [([[-1], [1]],), (((-1,), (1,)),), (np.array([[-1], [1]], dtype=np.int8),),
         (filters.SOBEL_Y,), (filters.SOBEL_Y.astype(np.float32),), (-filters.SOBEL_Y,)]),
    "output_sizes": (
        ((24, 28), 3), (0, 1), (),
        [([24, 28], np.int64(3)), (np.array([24, 28]), np.array(3)),
         ((np.int64(24), np.int32(28)), np.array(3, dtype=np.uint8)),
         (np.array([24, 28], dtype=np.int16), np.array([3])[0])]),
    "output_size_formula": (
        (my_output_size,), (), (0,),
        [(_returning(my_output_size, np.int64),), (_returning(my_output_size, np.array),),
         (lambda n, k, s, p: np.floor_divide(n + 2 * p - k, s) + 1,)]),
    "multichannel_conv": (
        (my_conv_multichannel,), (), (0,),
        [(_returning(my_conv_multichannel, lambda a: a.tolist()),),
         (_returning(my_conv_multichannel, lambda a: a.astype(np.float32)),)]),
    "conv_parameter_count": (
        (660, 1216, 168), (0, 1, 2), (),
        [(np.int64(660), np.array(1216), np.int32(168)), (np.array(660), np.uint16(1216),
                                                          np.array(168, dtype=np.int16))]),
    "pool_by_hand": (
        (np.array([[5, 4], [2, 8]]), np.array([[2.75, 1.5], [1.0, 6.0]])), (0, 1), (),
        [([[5, 4], [2, 8]], [[2.75, 1.5], [1.0, 6.0]]),
         (np.array([[5.0, 4.0], [2.0, 8.0]], dtype=np.float32), ((2.75, 1.5), (1, 6)))]),
    "maxpool_forward": (
        (my_maxpool,), (), (0,),
        [(_returning(my_maxpool, lambda a: a.tolist()),)]),
    "maxpool_backward": (
        (my_maxpool_backward,), (), (0,),
        [(_returning(my_maxpool_backward, lambda a: a.tolist()),),
         (_returning(my_maxpool_backward, lambda a: a.astype(np.float32)),)]),
    "kernel_grad_loops": (
        (my_kernel_grad,), (), (0,),
        [(_returning(my_kernel_grad, lambda a: a.tolist()),)]),
    "numerical_grad": (
        (my_numerical_grad,), (), (0,),
        [(_returning(my_numerical_grad, lambda a: a.tolist()),)]),
    "learn_sobel_y": (
        (my_update_step, 0.1, 1500), (1, 2), (0,),
        [(_returning(my_update_step, lambda r: [r[0], np.array(r[1])]), np.array(0.1),
          np.int64(1500)),
         (_returning(my_update_step, lambda r: (r[0].tolist(), np.float64(r[1]))),
          np.float32(0.1), np.array(1500))]),
    "network_shapes": (
        (SHAPES, N_PARAMS), (0, 1), (),
        [([np.array(s) for s in SHAPES], np.array(N_PARAMS)),
         (tuple(list(s) for s in SHAPES[:5]) + (108, np.array(10)),
          dict(zip(("conv1", "conv2", "conv3", "linear1"), map(np.int64, N_PARAMS),
                   strict=True))),
         ([tuple(np.int64(v) for v in s) for s in SHAPES], [np.array(n) for n in N_PARAMS])]),
    "softmax_xent": (
        (my_softmax_cross_entropy,), (), (0,),
        [(_returning(my_softmax_cross_entropy, lambda r: [np.float64(r[0]), r[1]]),),
         (_returning(my_softmax_cross_entropy, lambda r: (np.array(r[0]), r[1])),)]),
    "learning_rates": (
        (1e-3, 0.2, 2.0), (0, 1, 2), (),
        [(np.float64(1e-3), np.array(0.2), np.float32(2.0)), (np.array([1e-3]), 0.2, 2)]),
    "confused_pair": (
        (most_confused_pair, CM), (1,), (0,),
        [(lambda cm: np.unravel_index(np.argmax(cm - np.diag(np.diag(cm))), cm.shape), CM),
         (lambda cm: np.array(most_confused_pair(cm)), CM.tolist()),
         (lambda cm: list(map(np.int64, most_confused_pair(cm))), CM.astype(float))]),
    "receptive_field_sizes": (
        (MODEL,) + RF, (0, 1, 2, 3, 4, 5), (),
        [(MODEL,) + tuple(np.int64(v) for v in RF), (MODEL,) + tuple(np.array(v) for v in RF)]),
    "cosine": (
        (my_cosine,), (), (0,),
        [(_returning(my_cosine, np.array),), (_returning(my_cosine, lambda v: np.array([v])),),
         (_returning(my_cosine, float),)]),
    "occlude_patch": (
        (my_occlude,), (), (0,),
        [(_returning(my_occlude, lambda a: a.tolist()),)]),
    "most_important_patch": (
        (most_important_patch,), (), (0,),
        [(lambda h, s: np.array(np.unravel_index(np.argmax(h), h.shape)) * s,),
         (lambda h, s: tuple(v * s for v in np.unravel_index(np.argmax(h), h.shape)),),
         (_returning(most_important_patch, list),)]),
    "right_minus_left": (
        (RIGHT_MINUS_LEFT, 3, 5), (0, 1, 2), (),
        [(RIGHT_MINUS_LEFT.tolist(), np.int64(3), np.array(5)),
         (RIGHT_MINUS_LEFT.astype(np.float32), np.array(3, dtype=np.uint8), np.int32(5)),
         (tuple(map(tuple, RIGHT_MINUS_LEFT)), 3, np.array([5])[0])]),
    "convolve_by_flip": (
        (my_convolve2d,), (), (0,),
        [(lambda i, k: filters.correlate2d(i, np.flip(k)).tolist(),),
         (lambda i, k: filters.correlate2d(i, np.rot90(k, 2)).astype(np.float32),)]),
    "flip_invariant_kernels": (
        (FLIP_INVARIANT,), (0,), (),
        [(sorted(FLIP_INVARIANT),), (np.array(sorted(FLIP_INVARIANT)),),
         ({"IDENTITY", "BOX_BLUR", "GAUSSIAN_BLUR", "SHARPEN", "LAPLACIAN", "LAPLACIAN_4"},),
         (tuple(n.upper() for n in FLIP_INVARIANT),)]),
    "choose_geometry": (
        (3, 2, 1), (0, 1, 2), (),
        [(np.int64(2), np.array(2), np.array(0)), (4, np.int32(2), np.uint8(1)),
         (np.array([1])[0], 2, 0), (14, 1, 0)]),
    "conv_input_grad": (
        (my_conv_input_grad,), (), (0,),
        [(_returning(my_conv_input_grad, lambda a: a.tolist()),),
         (_returning(my_conv_input_grad, lambda a: a.astype(np.float32)),)]),
    "conv_weight_grad": (
        (my_conv_weight_grad,), (), (0,),
        [(_returning(my_conv_weight_grad, lambda a: a.tolist()),),
         (_returning(my_conv_weight_grad, lambda a: a.astype(np.float32)),)]),
    "maxpool_backward_tie": (
        (POOL_TIE_DX[None, None],), (0,), (),
        [(POOL_TIE_DX,), (POOL_TIE_DX.tolist(),), (POOL_TIE_DX.astype(np.int64)[None, None],),
         (POOL_TIE_DX.astype(np.float32),)]),
    "softmax_ce_grad": (
        (my_softmax_ce_grad,), (), (0,),
        [(_returning(my_softmax_ce_grad, lambda a: a.tolist()),),
         (lambda z, y: checks.nb05_sanity.softmax_cross_entropy(z, y)[1],)]),
    "initial_loss": (
        (INITIAL_LOSS, LN10), (0, 1), (),
        [(np.float32(INITIAL_LOSS), np.array(LN10)), (np.array([INITIAL_LOSS]), 2.303),
         (float(INITIAL_LOSS), np.log(np.float32(10)))]),
    "overfit_small": (
        (OVERFIT_MODEL, X50, Y50), (0, 1, 2), (),
        [(OVERFIT_MODEL, X50.astype(np.float64), Y50.tolist()),
         (OVERFIT_MODEL, X50.tolist(), Y50.astype(np.int32)),
         (OVERFIT_MODEL, X50, Y50.astype(np.float64))]),
}

#: Slow checkers (they train): fewer junk cases.
SLOW = {"learn_sobel_y", "learning_rates"}


def public_checkers():
    return sorted(name for name in dir(checks)
                  if callable(getattr(checks, name)) and hasattr(getattr(checks, name), "title"))


def run(name, args):
    """Run one check; require exactly one printed line and one record, and no traceback."""
    result, out, records = run_quietly(getattr(checks, name), *args)
    assert isinstance(result, checks.CheckResult)
    assert len(records) == 1 and records[0] == result.record, (out, records)
    assert result.status in ("pass", "fail", "not_attempted", "error")
    assert out.startswith(("PASS ", "FAIL ", "ERROR ", "[not attempted yet] ")), out
    assert "Traceback" not in out
    assert _core.UNFORESEEN not in out, out
    return result, out


def test_every_public_checker_is_covered():
    assert public_checkers() == sorted(CHECKERS)


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_the_notebook_solution_passes(name):
    result, out = run(name, CHECKERS[name][0])
    assert result.status == "pass", out


NUMPY_FORMS = [(name, i) for name, spec in sorted(CHECKERS.items())
               for i in range(len(spec[3]))]


@pytest.mark.parametrize(("name", "i"), NUMPY_FORMS)
def test_numpy_and_list_forms_of_the_right_answer_pass(name, i):
    result, out = run(name, CHECKERS[name][3][i])
    assert result.status == "pass", out


def test_every_checker_has_numpy_forms():
    assert all(len(spec[3]) >= 1 for spec in CHECKERS.values())


# ---------------------------------------------------------------------------
# junk values
# ---------------------------------------------------------------------------

class _BadArray:
    """An object whose conversion to an array raises."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array here")

    def __len__(self):
        raise RuntimeError("no length either")


def _model_without_pooling():
    return Sequential(Conv2d(1, 4, 3), ReLU(), Conv2d(4, 4, 3), ReLU(), Flatten(),
                      Linear(4 * 22 * 22, 10))


JUNK_VALUES = {
    "None": None,
    "str": "abc",
    "empty str": "",
    "str number": "3",
    "negative str number": "-3",
    "bytes": b"3",
    "complex": 3 + 0j,
    "imaginary": 2j,
    "complex array": np.array([[1 + 1j], [-1 + 0j]]),
    "ragged list": [[1, 2], [3]],
    "nested ragged": [1, [2, 3]],
    "object array": np.array([1, "a"], dtype=object),
    "ragged object array": np.array([np.zeros(2), np.zeros(3)], dtype=object),
    "string array": np.array(["1", "2"]),
    "nan": math.nan,
    "numpy nan": np.float64("nan"),
    "inf": math.inf,
    "-inf": -math.inf,
    "nan array": np.full((2, 2), np.nan),
    "empty list": [],
    "empty array": np.zeros((0,)),
    "empty 2-D": np.zeros((0, 0)),
    "3-D array": np.zeros((3, 3, 3)),
    "wrong shape": np.ones((5, 7)),
    "huge int": 10 ** 100,
    "int too large for a float": 10 ** 400,
    "int array too large for floats": [[10 ** 400], [-10 ** 400]],
    "huge float": 1e300,
    "huge array": np.ones((400, 400)),
    "minus one": -1,
    "zero": 0,
    "dict": {"a": 1},
    "set": {1, 2},
    "bool": True,
    "function": lambda *a: 0,
    "0-d array 7": np.array(7),
    "triple": (1, 2, 3),
    "float for int": 3.5,
    "bad __array__": _BadArray(),
    "plain object": object(),
    "datetime": np.datetime64("2024-01-01"),
    "model without pooling": _model_without_pooling(),
}

#: Junk that happens to be a right answer at one position.
RIGHT_BY_ACCIDENT = {("learning_rates", 2, "huge int"), ("learning_rates", 2, "huge float"),
                     ("learning_rates", 2, "0-d array 7"), ("learning_rates", 2, "float for int"),
                     ("confused_pair", 1, "None"),         # cm is optional
                     ("confused_pair", 1, "huge array")}   # a 400-class matrix of ties

JUNK_VALUE_CASES = [
    (name, index, label) for name, spec in sorted(CHECKERS.items()) for index in spec[1]
    for label in JUNK_VALUES
    if (name, index, label) not in RIGHT_BY_ACCIDENT
    and (name not in SLOW or label in ("None", "str number", "complex", "nan", "dict",
                                       "0-d array 7", "huge int", "float for int",
                                       "object array"))
]


@pytest.mark.parametrize(("name", "index", "label"), JUNK_VALUE_CASES)
def test_junk_values_fail_with_a_hint(name, index, label):
    args = list(CHECKERS[name][0])
    args[index] = JUNK_VALUES[label]
    result, out = run(name, args)
    assert result.status == "fail", out
    assert out.startswith("FAIL ") and len(result.record["hint"]) > 10


@pytest.mark.parametrize(("name", "index"), [(name, index) for name, spec in
                                             sorted(CHECKERS.items())
                                             for index in spec[1] + spec[2]])
def test_an_ellipsis_is_not_attempted_and_named(name, index):
    import inspect

    args = list(CHECKERS[name][0])
    args[index] = ...
    result, out = run(name, args)
    assert result.status == "not_attempted", out
    param = list(inspect.signature(getattr(checks, name)).parameters)[index]
    assert f"`{param}` is still `...`" in out


# ---------------------------------------------------------------------------
# junk functions
# ---------------------------------------------------------------------------

def _raises(*args):
    raise ValueError("something broke")


def _stub(*args):
    raise NotImplementedError("Exercise: write your answer here")


def _recursive(*args):
    return _recursive(*args)


def _generator(*args):
    yield 1


def _first(*args):
    return args[0]


def _first_complex(*args):
    return np.asarray(args[0]) * (1 + 1j)


def _first_nan(*args):
    return np.full(np.shape(args[0]), np.nan)


def _first_as_strings(*args):
    return np.asarray(args[0]).astype(str)


JUNK_FUNCTIONS = {
    "None": (None, "fail"),
    "str": ("my_function", "fail"),
    "int": (3, "fail"),
    "dict": ({"f": 1}, "fail"),
    "list of functions": ([my_correlate], "fail"),
    "array": (np.array([1, 2]), "fail"),
    "raises": (_raises, "error"),
    "stub": (_stub, "not_attempted"),
    "recursion": (_recursive, "error"),
    "no arguments": (lambda: 0, "error"),
    "returns None": (lambda *a: None, "fail"),
    "returns str": (lambda *a: "junk", "fail"),
    "returns str number": (lambda *a: "0.5", "fail"),
    "returns nan": (lambda *a: math.nan, "fail"),
    "returns complex": (lambda *a: 1j, "fail"),
    "returns ragged": (lambda *a: [[1, 2], [3]], "fail"),
    "returns dict": (lambda *a: {"a": 1}, "fail"),
    "returns 0-d": (lambda *a: np.array(3), "fail"),
    "returns bool": (lambda *a: True, "fail"),
    "returns object": (lambda *a: object(), "fail"),
    "returns bad __array__": (lambda *a: _BadArray(), "fail"),
    "returns a generator": (_generator, "fail"),
    "returns a function": (lambda *a: _first, "fail"),
    "returns huge": (lambda *a: np.ones((300, 300)), "fail"),
    "returns empty": (lambda *a: np.zeros((0, 0)), "fail"),
    "returns junk pair": (lambda *a: (np.zeros(3), "x"), "fail"),
    "returns nan pair": (lambda *a: (math.nan, math.nan), "fail"),
    "returns strings pair": (lambda *a: ("1", "2"), "fail"),
    "returns float pair": (lambda *a: (1.0, 2.0), "fail"),
    "returns its input": (_first, "fail"),
    "returns complex input": (_first_complex, "fail"),
    "returns nan input": (_first_nan, "fail"),
    "returns input as strings": (_first_as_strings, "fail"),
}

JUNK_FUNCTION_CASES = [
    (name, index, label) for name, spec in sorted(CHECKERS.items()) for index in spec[2]
    for label in JUNK_FUNCTIONS
    if name not in SLOW or label in ("None", "raises", "stub", "returns None", "returns nan",
                                     "returns junk pair", "returns nan pair",
                                     "returns complex input", "returns str number")
]


@pytest.mark.parametrize(("name", "index", "label"), JUNK_FUNCTION_CASES)
def test_junk_functions_fail_or_error_cleanly(name, index, label):
    args = list(CHECKERS[name][0])
    function, expected = JUNK_FUNCTIONS[label]
    args[index] = function
    result, out = run(name, args)
    # Input functions may be accepted or refused, but junk never passes; learner code that
    # raises is an ERROR line, a stub "not attempted", anything else a FAIL with a hint.
    allowed = {expected} | ({"error"} if expected == "fail" else set())
    assert result.status in allowed, out
    if result.status == "error":
        assert out.count("\n") == 1, out


def test_junk_function_outcomes_are_mostly_fails():
    """The learner's function raised only where the junk function itself raises."""
    counts = {"fail": 0, "error": 0, "not_attempted": 0}
    for name, index, label in JUNK_FUNCTION_CASES:
        if name in SLOW:
            continue
        args = list(CHECKERS[name][0])
        args[index] = JUNK_FUNCTIONS[label][0]
        result, _ = run(name, args)
        counts[result.status] += 1
    assert counts["not_attempted"] == sum(1 for n, _, lab in JUNK_FUNCTION_CASES
                                          if lab == "stub" and n not in SLOW)
    assert counts["fail"] > counts["error"] > 0


# ---------------------------------------------------------------------------
# hypothesis: random junk in every value argument
# ---------------------------------------------------------------------------

_scalars = (st.none() | st.booleans() | st.integers(-10 ** 6, 10 ** 6) | st.integers()
            | st.floats(allow_nan=True, allow_infinity=True) | st.complex_numbers()
            | st.text(max_size=6) | st.binary(max_size=3))
_junk = st.recursive(
    _scalars,
    lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                   | st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8,
) | arrays(st.sampled_from([np.float64, np.int64, np.float32, np.complex128, np.bool_,
                            np.uint8, np.str_]),
           array_shapes(min_dims=0, max_dims=3, max_side=5))


def _int_like(v):
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "iu":
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    return None


def _int_seq(v):
    if isinstance(v, np.ndarray) and v.ndim == 1:
        v = list(v)
    if isinstance(v, (list, tuple)):
        items = [_int_like(x) for x in v]
        return None if any(x is None for x in items) else tuple(items)
    return None


def _real(v):
    if isinstance(v, np.ndarray) and v.size == 1 and v.dtype.kind in "iuf":
        v = v.reshape(())[()]
    if isinstance(v, (list, tuple)) and len(v) == 1:
        v = v[0]
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                                np.floating)):
        return None
    return float(v)


def _right(name, index, value):
    """Is ``value`` at argument ``index`` (the others right) a right answer? An oracle kept
    deliberately simple and independent of the checkers' own coercion."""
    spec = CHECKERS[name][0]
    if name == "output_pixel":
        if index == 0:
            r = _real(value)
            return r is not None and math.isclose(r, PIXEL, rel_tol=1e-5, abs_tol=1e-8)
        if index in (3, 4):
            return _int_like(value) == spec[index]
        return False
    if name == "horizontal_edge_kernel":
        return "maybe"  # judged by the property check below
    if name == "output_sizes":
        return (_int_seq(value) == (24, 28)) if index == 0 else _int_like(value) == 3
    if name == "conv_parameter_count" or (name == "receptive_field_sizes" and index > 0):
        return _int_like(value) == spec[index]
    if name == "network_shapes":
        return False  # random junk is never seven shapes
    if name == "confused_pair":  # cm is optional, and any matrix of counts can be checked
        if value is None:
            return True
        try:
            arr = np.asarray(value)
        except ValueError:  # ragged
            return False
        return bool(arr.dtype.kind in "iuf" and arr.ndim == 2
                    and arr.shape[0] == arr.shape[1] >= 2 and np.all(np.isfinite(arr))
                    and np.all(arr >= 0) and np.all(arr == np.round(arr)))
    if name == "right_minus_left":
        if index == 0:
            try:
                arr = np.asarray(value)
                return bool(arr.dtype.kind in "iuf" and arr.shape == (3, 3)
                            and np.allclose(arr, RIGHT_MINUS_LEFT))
            except Exception:  # noqa: BLE001
                return False
        return _int_like(value) == spec[index]
    if name == "choose_geometry":
        v = _int_like(value)
        if v is None:
            return False
        k, s, p = [v if i == index else spec[i] for i in range(3)]
        if k < 1 or s < 1 or p < 0 or k > 26 + 2 * p or p >= k:
            return False
        out = (26 + 2 * p - k) // s + 1
        return out == 13 and s * 12 < 26 + p
    if name == "initial_loss":
        r = _real(value)
        if r is None:
            return False
        if index == 0:
            return math.isclose(r, INITIAL_LOSS, rel_tol=2e-4)
        return math.isclose(r, LN10, abs_tol=1e-3)
    if name == "maxpool_backward_tie":
        try:
            arr = np.asarray(value)
            return bool(arr.dtype.kind in "iuf" and arr.shape in ((4, 4), (1, 1, 4, 4))
                        and np.allclose(arr.reshape(4, 4), POOL_TIE_DX))
        except Exception:  # noqa: BLE001
            return False
    if name == "pool_by_hand":
        try:
            arr = np.asarray(value)
            return arr.dtype.kind in "iuf" and arr.shape == (2, 2) and np.allclose(
                arr, spec[index])
        except Exception:  # noqa: BLE001
            return False
    return False


def _edge_kernel_is_right(value):
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.ndim != 2 or arr.size == 0 or max(arr.shape) > 9:
        return False
    k = arr.astype(float)
    return bool(np.all(np.isfinite(k)) and k.shape[0] > 1
                and np.allclose(k.sum(axis=0), 0, atol=1e-9 * max(1, np.abs(k).sum()))
                and np.abs(k).sum() > 0)


HYPOTHESIS_CASES = [(name, index) for name, spec in sorted(CHECKERS.items())
                    for index in spec[1] if name not in SLOW]


@pytest.mark.parametrize(("name", "index"), HYPOTHESIS_CASES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_junk)
def test_random_junk_never_raises_and_passes_only_right_answers(name, index, value):
    args = list(CHECKERS[name][0])
    args[index] = value
    result, out = run(name, args)
    if result.status == "pass":
        right = _right(name, index, value)
        if right == "maybe":
            assert _edge_kernel_is_right(value), (value, out)
        else:
            assert right, (value, out)
    else:
        assert result.status in ("fail", "not_attempted"), out


FUNCTION_CASES = [(name, index) for name, spec in sorted(CHECKERS.items())
                  for index in spec[2] if name not in SLOW]


@pytest.mark.parametrize(("name", "index"), FUNCTION_CASES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(returned=_junk)
def test_a_function_returning_random_junk_never_passes(name, index, returned):
    args = list(CHECKERS[name][0])
    args[index] = lambda *a, **k: returned
    result, out = run(name, args)
    assert result.status == "fail", out


# ---------------------------------------------------------------------------
# the wrong answers that used to pass
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "args", "hint"), [
    ("output_sizes", ((24, 28), "3"), "that is a string, write the number without quotes"),
    ("output_sizes", ((24, 28), 3.0), r"use // for integer division"),
    ("output_sizes", ((24.0, 28.0), 3), r"use // for integer division"),
    ("output_pixel", (str(PIXEL), SMALL, filters.SOBEL_X, 1, 2), "without quotes"),
    ("conv_parameter_count", ("660", 1216, 168), "without quotes"),
    ("conv_parameter_count", (-3.0 + 663, 1216, 168), "a float"),
    ("horizontal_edge_kernel", (np.array([[-1.0], [1.0]]) + 1j,), "complex"),
    ("horizontal_edge_kernel", ([["-1"], ["1"]],), "without quotes"),
    ("receptive_field_sizes", (MODEL, 3, 4, 8, 10, "18"), "without quotes"),
    ("receptive_field_sizes", (MODEL, 3, 4.0, 8, 10, 18), r"//"),
    ("learning_rates", (1e-3, "0.2", 2.0), "without quotes"),
    ("choose_geometry", ("3", 2, 1), "without quotes"),
    ("choose_geometry", (3.0, 2, 1), "a float"),
    ("right_minus_left", (RIGHT_MINUS_LEFT, "3", 5), "without quotes"),
    ("right_minus_left", (RIGHT_MINUS_LEFT.astype(str), 3, 5), "without quotes|strings"),
    ("initial_loss", (str(INITIAL_LOSS), LN10), "without quotes"),
    ("initial_loss", (INITIAL_LOSS + 0j, LN10), "complex"),
    ("maxpool_backward_tie", (POOL_TIE_DX + 0j,), "complex"),
    ("flip_invariant_kernels", ("identity",), "one string"),
])
def test_wrong_answers_that_used_to_pass_now_fail(name, args, hint):
    import re

    result, out = run(name, args)
    assert result.status == "fail", out
    assert re.search(hint, result.record["hint"]), out


@pytest.mark.parametrize(("name", "function", "hint"), [
    ("cosine", lambda a, b: str(my_cosine(a, b)), "got str"),
    ("cosine", lambda a, b: my_cosine(a, b) + 0j, "complex"),
    ("occlude_patch", lambda *a: my_occlude(*a).astype(str), "strings"),
    ("occlude_patch", lambda *a: my_occlude(*a) + 0j, "complex"),
    ("multichannel_conv", lambda *a: my_conv_multichannel(*a) + 0j, "complex"),
    ("confused_pair", lambda cm: tuple(str(v) for v in most_confused_pair(cm)), "string"),
    ("confused_pair", lambda cm: tuple(v + 0.4 for v in most_confused_pair(cm)),
     "a whole number"),
    ("most_important_patch", lambda h, s: tuple(float(v) for v in most_important_patch(h, s)),
     "a whole number"),
    ("output_size_formula", lambda n, k, s, p: (n + 2 * p - k) / s + 1, "use // for integer"),
    ("softmax_xent", lambda *a: (str(my_softmax_cross_entropy(*a)[0]),
                                 my_softmax_cross_entropy(*a)[1]), "without quotes"),
    ("softmax_xent", lambda *a: (my_softmax_cross_entropy(*a)[0] + 0j,
                                 my_softmax_cross_entropy(*a)[1]), "complex"),
])
def test_wrong_function_results_that_used_to_pass_now_fail(name, function, hint):
    import re

    result, out = run(name, (function,) + tuple(CHECKERS[name][0][1:]))
    assert result.status == "fail", out
    assert re.search(hint, result.record["hint"]), out
