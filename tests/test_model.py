"""Tests of cnnlesson.model: Sequential and the course's seed network."""

import zipfile

import numpy as np
import pytest

from cnnlesson import functional as F
from cnnlesson.gradcheck import numerical_gradient, rel_error
from cnnlesson.layers import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU
from cnnlesson.model import Sequential, seed_cnn, softmax

SEED_SHAPES = ["24x24x6", "12x12x6", "10x10x12", "5x5x12", "3x3x12", "108", "10"]


def images(n=2, c=3, size=26, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).random((n, c, size, size)).astype(dtype)


# -- structure ---------------------------------------------------------------------------------


def test_seed_cnn_names_and_parameter_names():
    model = seed_cnn()
    assert model.layer_names == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3",
                                 "relu3", "flatten1", "linear1"]
    assert [p.name for p in model.parameters()] == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias",
        "linear1.weight", "linear1.bias"]
    assert model["conv1"].weight.data.shape == (6, 3, 3, 3)
    assert model["linear1"].weight.data.shape == (108, 10)
    assert model.num_parameters() == 168 + 660 + 1308 + 1090


def test_avgpool_and_mixed_naming():
    model = Sequential(Conv2d(1, 2, 3), AvgPool2d(2), MaxPool2d(2), ReLU(), Flatten(),
                       Linear(2, 3), Linear(3, 2))
    assert model.layer_names == ["conv1", "avgpool1", "pool1", "relu1", "flatten1", "linear1",
                                 "linear2"]


def test_getitem_by_index_and_name():
    model = seed_cnn()
    assert model[0] is model["conv1"] and model[-1] is model["linear1"]
    assert len(model) == 10 and list(model)[3] is model["conv2"]
    with pytest.raises(KeyError, match="no layer named 'conv9'; the layers are: conv1, relu1"):
        model["conv9"]
    with pytest.raises(TypeError, match="key must be a layer position"):
        model[1.5]


def test_sequential_construction_errors():
    with pytest.raises(TypeError, match=r"unpack a list with Sequential\(\*layers\)"):
        Sequential([ReLU(), ReLU()])
    with pytest.raises(TypeError, match=r"layers\[1\] must be a cnnlesson.layers.Layer.*ReLU\(\)"):
        Sequential(ReLU(), ReLU)
    relu = ReLU()
    with pytest.raises(ValueError, match=r"layers\[1\] must be a layer object not already"):
        Sequential(relu, relu)
    with pytest.raises(ValueError, match="layers must be at least one layer"):
        Sequential()


def test_repr():
    text = repr(seed_cnn(in_channels=1))
    assert text.splitlines()[1] == "  conv1: Conv2d(1 -> 6, kernel 3x3, stride 1, padding 0)"
    assert "  linear1: Linear(108 -> 10)" in text


# -- shapes and summary ------------------------------------------------------------------------


def test_output_shapes_of_seed_cnn():
    shapes = seed_cnn().output_shapes((3, 26, 26))
    assert shapes == [("conv1", (6, 24, 24)), ("relu1", (6, 24, 24)), ("pool1", (6, 12, 12)),
                      ("conv2", (12, 10, 10)), ("relu2", (12, 10, 10)), ("pool2", (12, 5, 5)),
                      ("conv3", (12, 3, 3)), ("relu3", (12, 3, 3)), ("flatten1", (108,)),
                      ("linear1", (10,))]
    x = images(1)
    acts = seed_cnn().activations(x)
    assert [(k, v.shape[1:]) for k, v in acts.items()] == shapes


def test_summary_shows_the_seven_shapes_both_layouts_and_counts(capsys):
    text = seed_cnn().summary((3, 26, 26))
    assert capsys.readouterr().out == text + "\n"
    for shape in SEED_SHAPES:
        assert shape in text
    assert "(N, 6, 24, 24)" in text and "(N, 108)" in text and "26x26x3" in text
    assert "output HxWxC" in text and "output (N, C, H, W)" in text
    conv1 = next(line for line in text.splitlines() if line.startswith("conv1"))
    assert conv1.split()[-1] == "168"
    assert text.splitlines()[-1] == "total parameters: 3,226"
    seed_cnn(in_channels=1).summary((1, 26, 26), show=False)
    assert capsys.readouterr().out == ""


def test_shape_errors_name_the_layer():
    model = seed_cnn()
    with pytest.raises(ValueError, match=r"conv1 expects 3 input channels; got an input of shape "
                                         r"\(1, 26, 26\)"):
        model.output_shapes((1, 26, 26))
    with pytest.raises(ValueError, match=r"input_shape must be one example's shape.*x.shape\[1:\]"):
        model.summary((8, 3, 26, 26))
    with pytest.raises(ValueError, match=r"conv1 expects 3 input channels; got an input of shape "
                                         r"\(26, 26, 3\). Hint: the channels look last"):
        model.summary((26, 26, 3))
    with pytest.raises(ValueError, match="conv3 needs an input of at least 3x3 pixels"):
        model.output_shapes((3, 16, 16))
    with pytest.raises(ValueError, match="conv1 expects 3 input channels; got x of shape"):
        model.predict(images(2, c=1))


# -- computing ---------------------------------------------------------------------------------


def test_predict_and_proba_match_forward_and_leave_caches_alone():
    model = seed_cnn(seed=3)
    x = images(5, seed=1)
    logits = model.forward(x)
    dlogits = np.random.default_rng(2).standard_normal(logits.shape).astype(np.float32)
    model.backward(dlogits)
    g1 = [p.grad.copy() for p in model.parameters()]
    proba = model.predict_proba(images(7, seed=4), batch_size=3)
    assert proba.shape == (7, 10) and np.allclose(proba.sum(axis=1), 1, atol=1e-6)
    assert np.array_equal(model.predict(x), logits.argmax(axis=1))
    assert model.predict(x).dtype == np.int64
    model.activations(images(2, seed=5))
    model.zero_grad()
    model.backward(dlogits)  # still uses the caches of the first forward
    for p, g in zip(model.parameters(), g1, strict=True):
        assert np.array_equal(p.grad, g)


def test_activations_are_in_order_and_conv_outputs_are_before_relu():
    model = seed_cnn()
    acts = model.activations(images(2))
    assert list(acts) == model.layer_names
    assert (acts["conv1"] < 0).any() and (acts["relu1"] >= 0).all()
    assert np.array_equal(acts["relu1"], np.maximum(acts["conv1"], 0))


def test_softmax_is_stable():
    p = softmax(np.array([[1000.0, 0.0], [0.0, 0.0]]))
    assert np.allclose(p, [[1, 0], [0.5, 0.5]])


def sampled_numerical_gradient(f, x, idx, eps=1e-5):
    """Central differences of the scalar f() at the flat positions idx of x (in place)."""
    flat = x.reshape(-1)
    grad = np.empty(len(idx))
    for j, i in enumerate(idx):
        orig = flat[i]
        flat[i] = orig + eps
        plus = f()
        flat[i] = orig - eps
        minus = f()
        flat[i] = orig
        grad[j] = (plus - minus) / (2 * eps)
    return grad


def test_whole_seed_cnn_gradient_check():
    """Backprop through the whole network equals central differences, for every parameter
    and for the input (float64, a batch of 2; at most 250 random entries per array)."""
    model = seed_cnn(in_channels=2, seed=1).astype(np.float64)
    rng = np.random.default_rng(0)
    for p in model.parameters():  # non-zero biases so their gradients are tested too
        if p.name.endswith("bias"):
            p.data[...] = rng.normal(0, 0.1, p.shape)
    x = rng.random((2, 2, 26, 26))
    y = np.array([3, 7])

    def loss():
        return F.softmax_cross_entropy(model.forward(x, keep_cache=False), y)[0]

    model.zero_grad()
    _, dlogits = F.softmax_cross_entropy(model.forward(x), y)
    dx = model.backward(dlogits)
    for name, value, grad in [*((p.name, p.data, p.grad) for p in model.parameters()),
                              ("x", x, dx)]:
        idx = np.arange(value.size)
        if value.size > 250:
            idx = rng.choice(value.size, 250, replace=False)
        num = sampled_numerical_gradient(loss, value, idx)
        ana = grad.reshape(-1)[idx]
        assert np.abs(num).max() > 0, name
        assert rel_error(ana, num, floor=1e-3 * np.abs(num).max()) < 1e-6, name


def test_gradcheck_helper_agrees_on_a_small_network():
    """The same check with cnnlesson.gradcheck.numerical_gradient on every entry."""
    model = Sequential(Conv2d(1, 2, 3, seed=0, dtype=np.float64), ReLU(), MaxPool2d(2),
                       Flatten(), Linear(8, 3, seed=1, dtype=np.float64))
    rng = np.random.default_rng(1)
    x = rng.random((2, 1, 6, 6))
    y = np.array([0, 2])

    def loss(_):
        return F.softmax_cross_entropy(model.forward(x, keep_cache=False), y)[0]

    _, dlogits = F.softmax_cross_entropy(model.forward(x), y)
    dx = model.backward(dlogits)
    for p in model.parameters():
        assert rel_error(p.grad, numerical_gradient(loss, p.data), floor=1e-6) < 1e-6, p.name
    assert rel_error(dx, numerical_gradient(loss, x), floor=1e-6) < 1e-6


# -- dtype and copies --------------------------------------------------------------------------


def test_astype_returns_a_converted_copy():
    model = seed_cnn()
    m64 = model.astype(np.float64)
    assert m64 is not model and m64.dtype == np.float64 and model.dtype == np.float32
    assert m64.layer_names == model.layer_names
    assert [p.name for p in m64.parameters()] == [p.name for p in model.parameters()]
    for a, b in zip(model.parameters(), m64.parameters(), strict=True):
        assert np.array_equal(a.data.astype(np.float64), b.data) and a is not b
    out = m64.forward(images(1, dtype=np.float64))
    assert out.dtype == np.float64
    with pytest.raises(TypeError, match="x must be float32 like conv1's weights"):
        model.forward(images(1, dtype=np.float64))
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64"):
        model.astype(np.int16)


# -- saving and loading ------------------------------------------------------------------------


def test_save_load_round_trip_is_exact(tmp_path):
    model = seed_cnn(seed=1)
    path = model.save(tmp_path / "net")
    assert path == tmp_path / "net.npz" and path.exists()
    other = seed_cnn(seed=2)
    other.parameters()[0].grad += 1
    assert other.load(tmp_path / "net") is other  # ".npz" may be left out, like np.savez
    for a, b in zip(model.parameters(), other.parameters(), strict=True):
        assert np.array_equal(a.data, b.data) and a.data.dtype == b.data.dtype
        assert not b.grad.any()
    with np.load(path, allow_pickle=False) as f:
        assert "conv1.weight" in f.files and "__architecture__" in f.files


def test_load_into_float64_model_converts(tmp_path):
    model = seed_cnn(seed=1)
    path = model.save(tmp_path / "net.npz")
    m64 = seed_cnn(seed=5, dtype=np.float64).load(path)
    assert m64.dtype == np.float64
    assert np.array_equal(m64["conv2"].weight.data, model["conv2"].weight.data.astype(np.float64))


def test_mismatched_file_lists_every_difference_and_loads_nothing(tmp_path):
    path = seed_cnn(in_channels=3).save(tmp_path / "rgb.npz")
    gray = seed_cnn(in_channels=1, seed=4)
    before = [p.data.copy() for p in gray.parameters()]
    with pytest.raises(ValueError) as info:
        gray.load(path)
    msg = str(info.value)
    assert "does not match this model; nothing was loaded" in msg
    assert "shape mismatch: conv1.weight is (6, 1, 3, 3) in the model but (6, 3, 3, 3)" in msg
    assert "conv2.weight" not in msg  # only real differences are listed
    assert "The file was saved from: conv1: Conv2d(3 -> 6" in msg
    for p, b in zip(gray.parameters(), before, strict=True):
        assert np.array_equal(p.data, b)

    small = Sequential(Flatten(), Linear(3 * 26 * 26, 10))
    with pytest.raises(ValueError) as info:
        small.load(path)
    msg = str(info.value)
    assert "missing in file: linear1.weight" not in msg  # present, but with another shape
    assert "shape mismatch: linear1.weight is (2028, 10) in the model but (108, 10)" in msg
    assert "not in model: conv1.weight (file shape (6, 3, 3, 3))" in msg


def test_missing_names_are_listed(tmp_path):
    path = Sequential(Flatten(), Linear(4, 2)).save(tmp_path / "a.npz")
    with pytest.raises(ValueError, match="missing in file: linear2.weight"):
        Sequential(Flatten(), Linear(4, 2), Linear(2, 2)).load(path)


def test_corrupted_and_foreign_files_give_clear_errors(tmp_path):
    model = seed_cnn()
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ValueError, match="is not a readable cnnlesson model file"):
        model.load(garbage)
    good = model.save(tmp_path / "good.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(ValueError, match="is not a readable cnnlesson model file"):
        model.load(truncated)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.zeros(3))
    with pytest.raises(ValueError, match="is not a cnnlesson model file"):
        model.load(foreign)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __format__=np.array("cnnlesson-model-v1"),
             obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="is not a readable cnnlesson model file"):
        model.load(pickled)
    with pytest.raises(FileNotFoundError, match="no model file at"):
        model.load(tmp_path / "nothing.npz")
    assert zipfile.is_zipfile(good)


def test_file_with_nan_is_refused(tmp_path):
    model = seed_cnn()
    model["conv2"].bias.data[0] = np.nan
    path = model.save(tmp_path / "nan.npz")
    with pytest.raises(ValueError, match="non-finite values: conv2.bias"):
        seed_cnn().load(path)


# -- seed_cnn ----------------------------------------------------------------------------------


def test_seed_cnn_is_reproducible():
    a, b, c = seed_cnn(seed=0), seed_cnn(seed=0), seed_cnn(seed=1)
    assert all(np.array_equal(p.data, q.data)
               for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not np.array_equal(a["conv1"].weight.data, c["conv1"].weight.data)
    assert seed_cnn(num_classes=4)["linear1"].weight.data.shape == (108, 4)


def test_first_kernels_bank_is_shared_over_channels():
    bank = np.random.default_rng(0).standard_normal((6, 3, 3))
    model = seed_cnn(in_channels=3, first_kernels=bank)
    w = model["conv1"].weight.data
    assert w.shape == (6, 3, 3, 3)
    assert np.allclose(w, np.repeat(bank[:, None], 3, axis=1) / 3)
    gray = images(1, c=1)
    out = model.activations(np.repeat(gray, 3, axis=1))["conv1"]
    ref, _ = F.conv2d_forward(gray, bank[:, None].astype(np.float32), np.zeros(6, np.float32))
    assert np.allclose(out, ref, atol=1e-5)


def test_first_kernels_full_and_integer_and_list():
    full = np.random.default_rng(1).standard_normal((6, 1, 3, 3))
    model = seed_cnn(in_channels=1, first_kernels=full)
    assert np.allclose(model["conv1"].weight.data, full)
    sobel = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    model = seed_cnn(in_channels=1, first_kernels=[sobel] * 6)
    assert model["conv1"].weight.data.dtype == np.float32
    assert np.array_equal(model["conv1"].weight.data[2, 0], np.array(sobel, np.float32))


@pytest.mark.parametrize("kernels, exc, msg", [
    (np.zeros((4, 3, 3)), ValueError, r"first_kernels must be of shape \(6, 3, 3\).*got shape "
                                      r"\(4, 3, 3\)"),
    (np.zeros((6, 1, 3, 3)), ValueError, r"\(6, 3, 3, 3\) for in_channels=3"),
    (np.zeros((6, 5, 5)), ValueError, "first_kernels must be of shape"),
    (np.zeros((6, 9)), ValueError, "first_kernels must be of shape"),
    (np.full((6, 3, 3), np.nan), ValueError, "first_kernels must be finite"),
    (np.zeros((6, 3, 3), dtype=bool), TypeError, "first_kernels must be an array of real"),
])
def test_first_kernels_errors(kernels, exc, msg):
    with pytest.raises(exc, match=msg):
        seed_cnn(first_kernels=kernels)


def test_seed_cnn_argument_errors():
    with pytest.raises(ValueError, match="in_channels must be a positive integer"):
        seed_cnn(in_channels=0)
    with pytest.raises(TypeError, match="num_classes must be a positive integer"):
        seed_cnn(num_classes=2.5)
