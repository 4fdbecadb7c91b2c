"""The fast training path (issue 14) computes the same gradients as the reference ops.

* layers run unchecked kernels after validating each input signature once;
* ``Sequential.backward(input_grad=False)`` skips the first layer's input gradient;
* ``fit`` goes through ``cnnlesson._step.StepRunner``: a batch of >= 32 examples is
  cut into pieces whose gradients are added in a fixed order, on 1 or 2 threads, with
  bit-identical results, also when a cut batch runs as one on one thread;
* a ReLU followed by max pooling runs as pooling then ReLU, with the same numbers;
* the kernels (strided unfold, ReLU by mask, single-product input gradient) agree with
  the naive loops to 1e-6 in float32 and 1e-12 in float64, ties included.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from cnnlesson import _blas, _kernels
from cnnlesson import functional as F
from cnnlesson._step import MIN_SPLIT, PARALLEL_MIN, StepRunner, _PoolThenRelu, piece_bounds
from cnnlesson.layers import Conv2d, Flatten, Layer, Linear, MaxPool2d, Parameter, ReLU
from cnnlesson.model import Sequential, seed_cnn
from cnnlesson.optim import SGD, Adam
from cnnlesson.train import fit

TOL = {np.float32: 1e-6, np.float64: 1e-12}


def _tied_model(dtype, seed=0):
    """seed_cnn whose weights are multiples of 1/4: conv outputs tie and hit exactly 0."""
    model = seed_cnn(in_channels=3, seed=seed, dtype=dtype)
    for p in model.parameters():
        p.data[...] = np.round(p.data * 4) / 4
    model["conv1"].bias.data[...] = -0.25
    return model


def _tied_batch(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(n, 3, 26, 26)).astype(dtype)
    x[:, :, :6] = 0  # flat background: every pooling window there is a tie
    return x, rng.integers(0, 10, n)


def _reference_grads(model, x, y):
    """Loss gradients through the naive loops and the public, checked ops (layer by layer)."""
    caches = []
    for layer in model.layers:
        if isinstance(layer, Conv2d):
            x, c = F.conv2d_forward_naive(x, layer.weight.data, layer.bias.data,
                                          layer.stride, layer.padding)
        elif isinstance(layer, MaxPool2d):
            x, c = F.maxpool2d_forward_naive(x, layer.size, layer.stride)
        elif isinstance(layer, ReLU):
            c = x
            x = np.where(x > 0, x, 0).astype(x.dtype)
        elif isinstance(layer, Flatten):
            c = x.shape
            x = F.flatten(x)
        else:
            x, c = F.linear_forward(x, layer.weight.data, layer.bias.data)
        caches.append(c)
    _, d = F.softmax_cross_entropy(x, y)
    grads = {}
    for layer, c in zip(reversed(model.layers), reversed(caches), strict=True):
        if isinstance(layer, Conv2d):
            d, dw, db = F.conv2d_backward_naive(d, c)
            grads[layer.weight.name], grads[layer.bias.name] = dw, db
        elif isinstance(layer, MaxPool2d):
            d = F.maxpool2d_backward_naive(d, c)
        elif isinstance(layer, ReLU):
            d = np.where(c > 0, d, 0).astype(d.dtype)
        elif isinstance(layer, Flatten):
            d = d.reshape(c)
        else:
            d, dw, db = F.linear_backward(d, c)
            grads[layer.weight.name], grads[layer.bias.name] = dw, db
    return grads, d


def _assert_close(a, b, dtype):
    scale = max(1.0, float(np.abs(b).max()))
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL[dtype] * scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 2, 5, MIN_SPLIT + 3])
def test_fit_step_gradients_match_the_naive_reference_with_ties(dtype, n):
    model = _tied_model(dtype)
    x, y = _tied_batch(n, dtype)
    ref, _ = _reference_grads(model, x, y)
    runner = StepRunner(model, threads=2, batch_size=n)
    try:
        logits, losses = runner.gradients(x, y)
    finally:
        runner.close()
    assert logits.shape == (n, 10) and losses.shape == (n,)
    for p in model.parameters():
        assert p.grad.dtype == dtype
        _assert_close(p.grad, ref[p.name], dtype)
    ref_loss, _ = F.softmax_cross_entropy(model.forward(x, keep_cache=False), y)
    assert float(np.mean(losses)) == ref_loss  # per-example losses, same mean


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sequential_backward_matches_reference_and_can_skip_the_input_gradient(dtype):
    model = _tied_model(dtype)
    x, y = _tied_batch(3, dtype)
    ref, ref_dx = _reference_grads(model, x, y)
    _, d = F.softmax_cross_entropy(model.forward(x), y)
    dx = model.backward(d)
    _assert_close(dx, ref_dx, dtype)
    full = {p.name: p.grad.copy() for p in model.parameters()}
    for p in model.parameters():
        _assert_close(p.grad, ref[p.name], dtype)
    model.zero_grad()
    model.forward(x)
    assert model.backward(d, input_grad=False) is None
    for p in model.parameters():
        assert np.array_equal(p.grad, full[p.name])


def test_backward_checks_its_arguments():
    model = seed_cnn()
    x = np.zeros((2, 3, 26, 26), np.float32)
    with pytest.raises(RuntimeError, match="conv1.backward was called before forward"):
        model.backward(np.zeros((2, 10), np.float32))
    model.forward(x)
    with pytest.raises(TypeError, match="dout must be of dtype float32"):
        model.backward(np.zeros((2, 10)))
    with pytest.raises(TypeError, match="input_grad must be True or False"):
        model.backward(np.zeros((2, 10), np.float32), input_grad=0)
    with pytest.raises(ValueError, match=r"dout must be of shape \(2, 10\)"):
        model.backward(np.zeros((2, 9), np.float32))


def test_forward_refuses_nan_weights_through_the_output_check():
    model = seed_cnn()
    model["conv2"].weight.data[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="output of linear1 contains NaN or inf"):
        model.forward(np.ones((1, 3, 26, 26), np.float32))
    with pytest.raises(ValueError, match="x must be finite"):  # a layer alone still checks x
        model["conv1"].forward(np.full((1, 3, 26, 26), np.nan, np.float32))


def test_layers_validate_each_new_signature():
    conv = Conv2d(3, 4, 3, seed=0)
    conv.forward(np.zeros((2, 3, 8, 8), np.float32))
    assert conv._checked is not None
    conv.forward(np.zeros((5, 3, 8, 8), np.float32))  # another batch size: same signature
    with pytest.raises(ValueError, match="expects 3 input channels"):
        conv.forward(np.zeros((2, 2, 8, 8), np.float32))
    with pytest.raises(TypeError, match="float32 like Conv2d's weights"):
        conv.forward(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match="non-empty batch"):
        conv.forward(np.zeros((0, 3, 8, 8), np.float32))
    conv.astype(np.float64)  # the weights' dtype is part of the signature
    conv.forward(np.zeros((2, 3, 8, 8)))
    with pytest.raises(TypeError, match="float64 like Conv2d's weights"):
        conv.forward(np.zeros((2, 3, 8, 8), np.float32))
    lin = Linear(4, 2, seed=0)
    lin.forward(np.zeros((1, 4), np.float32))
    lin.weight.data = np.zeros((5, 2), np.float32)  # replaced weights are checked again
    lin.weight.grad = np.zeros((5, 2), np.float32)
    with pytest.raises(ValueError, match=r"weight must be of shape \(4, 2\) to fit Linear"):
        lin.forward(np.zeros((1, 4), np.float32))


def _train(threads, dtype=np.float32, optimizer=SGD, batch_size=40, **kw):
    rng = np.random.default_rng(3)
    X = rng.random((100, 3, 26, 26)).astype(dtype)
    y = rng.integers(0, 10, 100)
    model = seed_cnn(seed=1, dtype=dtype)
    opt = optimizer(model.parameters(), lr=0.01)
    hist = fit(model, X, y, epochs=2, batch_size=batch_size, optimizer=opt, threads=threads,
               progress=False, **kw)
    return model, hist


@pytest.mark.parametrize(("optimizer", "batch_size"), [(SGD, 40), (Adam, 40), (SGD, 100)])
def test_fit_is_bit_identical_whatever_the_number_of_threads(optimizer, batch_size):
    assert len(piece_bounds(batch_size)) > 2  # the batches are cut
    m1, h1 = _train(1, optimizer=optimizer, batch_size=batch_size)
    m2, h2 = _train(2, optimizer=optimizer, batch_size=batch_size)
    m3, h3 = _train(None, optimizer=optimizer, batch_size=batch_size)
    for a, b, c in zip(m1.parameters(), m2.parameters(), m3.parameters(), strict=True):
        assert np.array_equal(a.data, b.data) and np.array_equal(a.data, c.data)
    assert h1.step_loss == h2.step_loss == h3.step_loss
    assert h1.epoch_train_acc == h2.epoch_train_acc


@pytest.mark.parametrize("n", [40, 130])
def test_cut_batches_give_the_gradient_of_the_whole_batch(n):
    rng = np.random.default_rng(0)
    x = rng.random((n, 3, 26, 26))
    y = rng.integers(0, 10, n)
    split = seed_cnn(seed=2, dtype=np.float64)
    whole = split.copy()
    runner = StepRunner(split, threads=2, batch_size=n)
    logits, losses = runner.gradients(x, y)
    runner.close()
    _assert_close(logits, whole.forward(x, keep_cache=False), np.float64)
    _, d = F.softmax_cross_entropy(whole.forward(x), y)
    whole.backward(d)
    for a, b in zip(split.parameters(), whole.parameters(), strict=True):
        _assert_close(a.grad, b.grad, np.float64)


def _runner_grads(model, x, y, threads=1, by_piece=True):
    runner = StepRunner(model, threads=threads, batch_size=len(x))
    runner.by_piece = runner.by_piece and by_piece
    try:
        logits, losses = runner.gradients(x, y)
    finally:
        runner.close()
    return logits, losses, {p.name: p.grad.copy() for p in model.parameters()}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [MIN_SPLIT, 47, PARALLEL_MIN - 1])
def test_a_cut_batch_run_as_one_gives_the_gradient_of_its_pieces(dtype, n):
    """Below PARALLEL_MIN the pieces are not run one by one: the batch runs as one and only
    the parameter gradients are summed piece by piece."""
    model = _tied_model(dtype)
    x, y = _tied_batch(n, dtype)
    x[: n // 2, :, 10:] = np.random.default_rng(1).random((n // 2, 3, 16, 26))  # not all ties
    assert StepRunner(model, threads=1, batch_size=n).by_piece
    whole = _runner_grads(model, x, y)
    pieces = _runner_grads(model, x, y, by_piece=False)
    _assert_close(whole[0], pieces[0], dtype)
    for name, g in whole[2].items():
        _assert_close(g, pieces[2][name], dtype)
    if dtype == np.float64:  # and it is the gradient of the whole batch
        ref, _ = _reference_grads(model, x, y)
        for name, g in whole[2].items():
            _assert_close(g, ref[name], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameter_gradients_summed_by_piece_are_the_sums_of_the_pieces(dtype):
    """Bit for bit: the same products, added in the order in which fit adds the pieces'."""
    rng = np.random.default_rng(0)
    x = rng.random((13, 3, 7, 6)).astype(dtype)
    w = rng.random((4, 3, 3, 3)).astype(dtype)
    out, cache = _kernels.conv2d_forward(x, w, np.zeros(4, dtype), 1, 1)
    dout = rng.standard_normal(out.shape).astype(dtype)
    h = rng.random((13, 20)).astype(dtype)
    lw = rng.random((20, 5)).astype(dtype)
    _, lcache = _kernels.linear_forward(h, lw, np.zeros(5, dtype))
    ldout = rng.standard_normal((13, 5)).astype(dtype)
    bounds = [0, 4, 9, 13]
    _, dw, db = _kernels.conv2d_backward(dout, cache, False, bounds)
    _, ldw, ldb = _kernels.linear_backward(ldout, lcache, False, bounds)
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        _, c = _kernels.conv2d_forward(x[a:b], w, np.zeros(4, dtype), 1, 1)
        _, pdw, pdb = _kernels.conv2d_backward(dout[a:b], c, False)
        _, pldw, pldb = _kernels.linear_backward(ldout[a:b], _kernels.LinearCache(h[a:b], lw),
                                                 False)
        parts.append((pdw, pdb, pldw, pldb))
    for i, got in enumerate((dw, db, ldw, ldb)):
        want = parts[0][i] + parts[1][i]
        want += parts[2][i]
        assert np.array_equal(got, want)
        assert not np.array_equal(got, (parts[0][i] + parts[2][i]) + parts[1][i])  # order


def test_only_the_course_layers_sum_by_piece():
    class MyConv(Conv2d):
        def _grads(self, dout, cache, input_grad):
            return super()._grads(dout, cache, input_grad)

    model = Sequential(MyConv(1, 2, 3, seed=0), ReLU(), Flatten(), Linear(8, 3, seed=0))
    runner = StepRunner(model, threads=1, batch_size=40)
    assert runner.splittable and not runner.by_piece
    x = np.random.default_rng(0).random((40, 1, 4, 4)).astype(np.float32)
    runner.gradients(x, np.arange(40) % 3)  # the pieces, one by one
    runner.close()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("size", "stride"), [(2, 2), (3, 2), (3, 1), (2, 3)])
def test_relu_then_max_pooling_runs_fused_with_the_same_numbers(dtype, size, stride):
    """pool(relu(x)) = relu(pool(x)); the gradients agree too, ties and overlaps included."""
    rng = np.random.default_rng(size * 10 + stride)
    front = [Conv2d(2, 3, 3, seed=1, dtype=dtype), ReLU(), MaxPool2d(size, stride), Flatten()]
    features = Sequential(*front).forward(np.zeros((1, 2, 11, 10), dtype)).shape[1]
    model = Sequential(*front, Linear(features, 4, seed=2, dtype=dtype))
    for p in model.parameters():
        p.data[...] = np.round(p.data * 4) / 4  # ties between windows' values, exact zeros
    x = rng.integers(-1, 2, size=(5, 2, 11, 10)).astype(dtype)
    y = rng.integers(0, 4, 5)
    runner = StepRunner(model, threads=1, batch_size=5)
    assert any(isinstance(s, _PoolThenRelu) for s in runner.stages)
    runner.close()
    logits, _, grads = _runner_grads(model, x, y)
    model.zero_grad()
    ref_logits = model.forward(x)
    _, d = F.softmax_cross_entropy(ref_logits, y)
    model.backward(d)
    assert np.array_equal(logits, ref_logits)
    for p in model.parameters():
        assert np.array_equal(grads[p.name], p.grad), p.name


def test_fit_threads_argument():
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        _train(0)
    with pytest.raises(TypeError, match="threads must be a positive integer"):
        _train("2")
    m, _ = _train(8, batch_size=16)  # more than 2 means 2; small batches are not split
    assert all(np.isfinite(p.data).all() for p in m.parameters())


def test_custom_layers_written_with_backward_only_still_train():
    """A learner's layers that define _forward and _backward (the documented way)."""

    class Double(Layer):
        kind = "double"

        def _forward(self, x):
            return 2 * x, None

        def _backward(self, dout, cache):
            return 2 * dout

    class Scale(Layer):
        kind = "scale"

        def __init__(self):
            super().__init__()
            self.s = Parameter("s", np.ones(1, np.float32))

        def _named_parameters(self):
            return [("s", self.s)]

        def _forward(self, x):
            return x * self.s.data, x

        def _backward(self, dout, cache):
            self.s.grad += (dout * cache).sum()
            return dout * self.s.data

    class Half(Layer):
        """Overrides forward and backward themselves (no _forward at all)."""

        kind = "half"

        def forward(self, x, *, keep_cache=True):
            self._cache = ()
            self._out_shape = x.shape
            return x / 2

        def backward(self, dout):
            return dout / 2

    double, scale, half = Double(), Scale(), Half()
    assert double.splittable and not scale.splittable and not half.standard
    X = np.random.default_rng(0).random((40, 1, 3, 4)).astype(np.float32)
    y = np.arange(40) % 3
    for layers in ([Flatten(), Linear(12, 3, seed=0), double],
                   [Flatten(), scale, Linear(12, 3, seed=0)],
                   [Flatten(), half, Linear(12, 3, seed=0), half.__class__()]):
        model = Sequential(*layers)
        before = [p.data.copy() for p in model.parameters()]
        fit(model, X, y, epochs=1, batch_size=40, optimizer=SGD(model.parameters(), lr=0.1),
            progress=False, threads=2)
        assert all(not np.array_equal(p.data, b)
                   for p, b in zip(model.parameters(), before, strict=True))


# -- kernels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 0), (1, 2), (3, 1)])
def test_strided_unfold_equals_sliding_window_view(stride, padding):
    x = np.random.default_rng(0).random((2, 3, 9, 8))
    xp = _kernels.pad(x, padding)
    oh = _kernels.out_size(9, 3, stride, padding)
    ow = _kernels.out_size(8, 2, stride, padding)
    ref = sliding_window_view(xp, (3, 2), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :oh, :ow]
    ref = ref.transpose(0, 1, 4, 5, 2, 3).reshape(2, 3 * 3 * 2, oh * ow)
    assert np.array_equal(_kernels.unfold(xp, 3, 2, stride, oh, ow), ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 2, 3, 40])
@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1)])
def test_every_input_gradient_layout_matches_the_naive_loops(dtype, n, stride, padding,
                                                              monkeypatch):
    rng = np.random.default_rng(n)
    x = rng.integers(-2, 3, size=(n, 4, 7, 7)).astype(dtype)
    w = rng.integers(-2, 3, size=(5, 4, 3, 3)).astype(dtype) / 2
    b = np.zeros(5, dtype)
    out, cache = F.conv2d_forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape).astype(dtype)
    ref = F.conv2d_backward_naive(dout, cache)
    for single in (0, 10**6):  # never / always the single-product layout
        monkeypatch.setattr(_kernels, "SINGLE_PRODUCT_MAX_BATCH", single)
        got = F.conv2d_backward(dout, cache)
        for a, r in zip(got, ref, strict=True):
            assert a.dtype == dtype and a.flags.c_contiguous
            _assert_close(a, r, dtype)


def test_conv_forward_takes_non_contiguous_inputs():
    rng = np.random.default_rng(0)
    x = rng.random((6, 9, 8, 3)).transpose(0, 3, 1, 2)  # NCHW view of an NHWC array
    w = rng.random((4, 3, 3, 3))
    b = rng.random(4)
    for view in (x, x[:, :, ::2], x[::2]):
        out, _ = F.conv2d_forward(view, w, b)
        ref, _ = F.conv2d_forward(np.ascontiguousarray(view), w, b)
        assert np.array_equal(out, ref)


def test_relu_backward_by_mask_equals_where():
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, size=(4, 3, 5, 5)).astype(np.float32)  # many exact zeros
    dout = rng.standard_normal(x.shape).astype(np.float32)
    out, cache = F.relu_forward(x)
    assert np.array_equal(out, np.maximum(x, 0)) and out.dtype == np.float32
    dx = F.relu_backward(dout, cache)
    assert np.array_equal(dx, np.where(x > 0, dout, 0)) and dx.dtype == np.float32
    assert not np.signbit(dx[x <= 0]).any()  # no -0.0 for a learner to wonder about


def test_maxpool_backward_kernel_ties_and_uncovered_edges():
    x = np.zeros((1, 1, 5, 5))  # all tied; the last row/column is no window's
    out, cache = F.maxpool2d_forward(x, 2)
    dx = F.maxpool2d_backward(np.ones_like(out), cache)
    ref = F.maxpool2d_backward_naive(np.ones_like(out), cache)
    assert np.array_equal(dx, ref) and dx[0, 0, 4].sum() == 0 and dx.sum() == 4


def test_single_threaded_blas_restores_the_setting():
    funcs = _blas._functions()
    if funcs is None:
        pytest.skip("numpy does not use a bundled OpenBLAS here")
    setter, getter = funcs
    before = getter()
    with _blas.single_threaded_blas():
        assert getter() == 1
    assert getter() == before
    with _blas.single_threaded_blas(active=False):
        assert getter() == before


def test_keep_freed_memory_is_idempotent():
    from cnnlesson import _memory

    first = _memory.keep_freed_memory()
    assert _memory.keep_freed_memory() == first  # once per process, same answer
    x = np.ones((64, 3, 26, 26), np.float32)
    assert float(x.sum()) == 64 * 3 * 26 * 26  # memory still behaves
