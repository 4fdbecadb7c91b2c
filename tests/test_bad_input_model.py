"""Bad input to the network code (functional, layers, model, optim, train) ends in a clear error.

Every case below is a plausible learner mistake. Each must end in either a
correct result or an exception of an expected type whose message names the
problem (``must be`` / ``Hint`` / the layer's name): never a raw numpy error,
a ``MemoryError``, a hang, or a file left half-written. The table at the top is
run as one parametrised test; the cases that need files, interrupts or
monkeypatching follow.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlesson import _io
from cnnlesson import functional as F
from cnnlesson import layers as L
from cnnlesson import model as M
from cnnlesson import optim as O
from cnnlesson import train as T

RNG = np.random.default_rng(0)
X8 = RNG.normal(size=(2, 3, 8, 8)).astype(np.float32)
W = RNG.normal(size=(4, 3, 3, 3)).astype(np.float32)
B = np.zeros(4, np.float32)
X26 = RNG.normal(size=(8, 3, 26, 26)).astype(np.float32)
Y8 = np.arange(8) % 10
NHWC = np.zeros((2, 26, 26, 3), np.float32)

#: Words at least one of which every clear message contains.
CLEAR = ("must be", "Hint", "expects", "needs", "no layer named", "out of range",
         "called before forward", "diverged", "not a", "does not match", "folder",
         "no model file")


def _model():
    return M.seed_cnn()


def _fitted_model():
    m = M.seed_cnn()
    m.forward(X26)
    return m


def _fit(X=X26, y=Y8, **kw):
    m = M.seed_cnn()
    args = dict(epochs=1, batch_size=4, optimizer=O.SGD(m.parameters(), lr=0.01),
                progress=False)
    args.update(kw)
    return T.fit(m, X, y, **args)


# (id, call, expected exception type or None for "a correct result", text in the message)
CASES = [
    # -- functional: layouts, dtypes, NaN, empty, huge --------------------------------------------
    ("conv-nhwc", lambda: F.conv2d_forward(NHWC, W, B), ValueError, "hwc_to_chw"),
    ("conv-naive-nhwc", lambda: F.conv2d_forward_naive(NHWC, W, B), ValueError, "hwc_to_chw"),
    ("conv-nhwc-4ch", lambda: F.conv2d_forward(np.zeros((1, 20, 20, 4), np.float32),
                                              np.zeros((2, 4, 3, 3), np.float32),
                                              np.zeros(2, np.float32)), ValueError, "hwc_to_chw"),
    ("conv-single-image", lambda: F.conv2d_forward(X8[0], W, B), ValueError, "batch axis"),
    ("conv-padding-3000", lambda: F.conv2d_forward(X8, W, B, padding=3000), ValueError,
     "padding must be small enough"),
    ("conv-naive-padding-3000", lambda: F.conv2d_forward_naive(X8, W, B, padding=3000),
     ValueError, "padding must be small enough"),
    ("conv-huge-batch", lambda: F.conv2d_forward(
        np.broadcast_to(np.float32(0), (4000, 3, 200, 200)), W, B), ValueError, "fits in"),
    ("conv-no-filters", lambda: F.conv2d_forward(X8, W[:0], B[:0]), ValueError, "w must be"),
    ("conv-int", lambda: F.conv2d_forward(X8.astype(np.uint8), W, B), TypeError, "float"),
    ("conv-complex", lambda: F.conv2d_forward(X8.astype(complex), W, B), TypeError, "float"),
    ("conv-mixed-dtype", lambda: F.conv2d_forward(X8, W.astype(np.float64), B), TypeError,
     "dtype"),
    ("conv-nan", lambda: F.conv2d_forward(np.full_like(X8, np.nan), W, B), ValueError, "finite"),
    ("conv-list", lambda: F.conv2d_forward(X8.tolist(), W, B), TypeError, "numpy array"),
    ("conv-stride-0", lambda: F.conv2d_forward(X8, W, B, stride=0), ValueError, "stride"),
    ("conv-stride-float", lambda: F.conv2d_forward(X8, W, B, stride=1.0), TypeError, "stride"),
    ("conv-padding-neg", lambda: F.conv2d_forward(X8, W, B, padding=-1), ValueError, "padding"),
    ("conv-kernel-too-big", lambda: F.conv2d_forward(X8[:, :, :2, :2], W, B), ValueError,
     "must fit"),
    ("conv-empty-batch", lambda: F.conv2d_forward(X8[:0], W, B), None, None),
    ("conv-backward-no-cache", lambda: F.conv2d_backward(np.zeros(1), None), TypeError, "cache"),
    ("conv-backward-wrong-dout", lambda: F.conv2d_backward(
        np.zeros((2, 4, 5, 5), np.float32), F.conv2d_forward(X8, W, B)[1]), ValueError, "dout"),
    ("maxpool-nhwc", lambda: F.maxpool2d_forward(NHWC), ValueError, "hwc_to_chw"),
    ("maxpool-naive-nhwc", lambda: F.maxpool2d_forward_naive(NHWC), ValueError, "hwc_to_chw"),
    ("avgpool-nhwc", lambda: F.avgpool2d_forward(NHWC), ValueError, "hwc_to_chw"),
    ("maxpool-nhwc-gray", lambda: F.maxpool2d_forward(np.zeros((5, 28, 28, 1), np.float32)),
     ValueError, "hwc_to_chw"),
    ("maxpool-small-nchw-ok", lambda: F.maxpool2d_forward(np.zeros((2, 12, 3, 3), np.float32)),
     None, None),
    ("maxpool-size-huge", lambda: F.maxpool2d_forward(X8, size=10**9), ValueError, "size"),
    ("maxpool-stride-0", lambda: F.maxpool2d_forward(X8, stride=0), ValueError, "stride"),
    ("maxpool-nan", lambda: F.maxpool2d_forward(np.full_like(X8, np.inf)), ValueError, "finite"),
    ("maxpool-3d", lambda: F.maxpool2d_forward(X8[0]), ValueError, "4-D"),
    ("maxpool-backward-cache", lambda: F.maxpool2d_backward(X8, "cache"), TypeError, "cache"),
    ("avgpool-backward-cache", lambda: F.avgpool2d_backward(X8, None), TypeError, "cache"),
    ("relu-list", lambda: F.relu_forward([1.0, -1.0]), TypeError, "numpy array"),
    ("relu-nan", lambda: F.relu_forward(np.array([np.nan])), ValueError, "finite"),
    ("relu-int", lambda: F.relu_forward(np.array([1, -1])), TypeError, "float"),
    ("relu-empty", lambda: F.relu_forward(np.zeros(0)), None, None),
    ("relu-backward-shape", lambda: F.relu_backward(np.zeros(3), F.relu_forward(np.zeros(2))[1]),
     ValueError, "dout"),
    ("linear-4d", lambda: F.linear_forward(X8, W, B), ValueError, "flatten"),
    ("linear-transposed-w", lambda: F.linear_forward(np.zeros((2, 3)), np.zeros((4, 3)),
                                                     np.zeros(4)), ValueError, "w.T"),
    ("flatten-1d", lambda: F.flatten(np.zeros(3, np.float32)), ValueError, "batch axis"),
    ("sce-float-labels", lambda: F.softmax_cross_entropy(np.zeros((2, 3)), np.array([0., 1.])),
     TypeError, "integer"),
    ("sce-one-hot", lambda: F.softmax_cross_entropy(np.zeros((2, 3)), np.eye(3)[:2]),
     ValueError, "1-D"),
    ("sce-label-range", lambda: F.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
     ValueError, "class indices"),
    ("sce-nan", lambda: F.softmax_cross_entropy(np.array([[np.nan, 0.]]), np.array([0])),
     ValueError, "finite"),
    ("conv-output-size-0", lambda: F.conv_output_size(0, 3), ValueError, "positive"),
    ("conv-output-size-str", lambda: F.conv_output_size("26", 3), TypeError, "integer"),
    # -- layers ----------------------------------------------------------------------------------
    ("Conv2d-kernel-neg", lambda: L.Conv2d(3, 6, -1), ValueError, "kernel_size"),
    ("Conv2d-float-channels", lambda: L.Conv2d(3.0, 6, 3), TypeError, "in_channels"),
    ("Conv2d-kernel-triple", lambda: L.Conv2d(3, 6, (3, 3, 3)), ValueError, "pair"),
    ("Conv2d-dtype", lambda: L.Conv2d(3, 6, 3, dtype=np.int32), TypeError, "dtype"),
    ("Conv2d-dtype-str", lambda: L.Conv2d(3, 6, 3, dtype="banana"), TypeError, "dtype"),
    ("Conv2d-dtype-None", lambda: L.Conv2d(3, 6, 3, dtype=None), TypeError, "dtype"),
    ("Conv2d-padding-3000", lambda: L.Conv2d(3, 6, 3, padding=3000).forward(X8), ValueError,
     "padding must be small enough"),
    ("Conv2d-nhwc", lambda: L.Conv2d(3, 6, 3).forward(NHWC), ValueError, "hwc_to_chw"),
    ("Conv2d-seed-str", lambda: L.Conv2d(3, 6, 3, seed="x"), TypeError, "seed"),
    ("Linear-0", lambda: L.Linear(0, 3), ValueError, "in_features"),
    ("Linear-4d", lambda: L.Linear(4, 2).forward(X8), ValueError, "Flatten"),
    ("MaxPool2d-0", lambda: L.MaxPool2d(0), ValueError, "size"),
    ("MaxPool2d-nhwc", lambda: L.MaxPool2d(2).forward(NHWC), ValueError, "hwc_to_chw"),
    ("AvgPool2d-nhwc", lambda: L.AvgPool2d(2).forward(NHWC), ValueError, "hwc_to_chw"),
    ("ReLU-backward-first", lambda: L.ReLU().backward(np.zeros(3)), RuntimeError,
     "before forward"),
    ("Flatten-1d", lambda: L.Flatten().forward(np.zeros(3, np.float32)), ValueError, "2-D"),
    ("Parameter-list", lambda: L.Parameter("w", [1.0]), TypeError, "numpy array"),
    ("Parameter-grad-shape", lambda: L.Parameter("w", np.zeros(3), np.zeros(2)), ValueError,
     "grad"),
    ("as_generator-neg", lambda: L.as_generator(-1), ValueError, "seed"),
    ("check_float_dtype-None", lambda: L.check_float_dtype(None), TypeError, "dtype"),
    # -- model -----------------------------------------------------------------------------------
    ("model-index-99", lambda: _model()[99], IndexError, "positions 0 to 9"),
    ("model-index--99", lambda: _model()[-99], IndexError, "conv1"),
    ("model-name", lambda: _model()["conv9"], KeyError, "no layer named"),
    ("model-slice", lambda: _model()[1:3], TypeError, "key must be"),
    ("model-float-key", lambda: _model()[1.0], TypeError, "key must be"),
    ("softmax-nan", lambda: M.softmax(np.array([[np.nan, 1.0]], np.float32)), ValueError,
     "finite"),
    ("softmax-inf", lambda: M.softmax(np.array([[np.inf, 1.0]])), ValueError, "finite"),
    ("softmax-1d", lambda: M.softmax(np.zeros(3)), ValueError, "(N, K)"),
    ("softmax-list", lambda: M.softmax([[1.0, 2.0]]), TypeError, "numpy array"),
    ("forward-list", lambda: _model().forward([[1.0]]), TypeError, "numpy array"),
    ("forward-nhwc", lambda: _model().forward(NHWC), ValueError, "hwc_to_chw"),
    ("forward-nan", lambda: _model().forward(np.full_like(X26, np.nan)), ValueError, "finite"),
    ("forward-uint8", lambda: _model().forward(X26.astype(np.uint8)), TypeError, "255"),
    ("forward-float64", lambda: _model().forward(X26.astype(np.float64)), TypeError, "astype"),
    ("forward-one-image", lambda: _model().forward(X26[0]), ValueError, "x[None]"),
    ("forward-empty", lambda: _model().forward(X26[:0]), ValueError, "non-empty"),
    ("forward-too-small", lambda: _model().forward(X26[:, :, :4, :4]), ValueError, "conv2 needs"),
    ("backward-first", lambda: _model().backward(np.zeros((1, 10), np.float32)), RuntimeError,
     "before forward"),
    ("backward-wrong-shape", lambda: _fitted_model().backward(np.zeros((3, 10), np.float32)),
     ValueError, "dout"),
    ("backward-list", lambda: _fitted_model().backward([1.0]), TypeError, "numpy array"),
    ("predict-batch-0", lambda: _model().predict(X26, batch_size=0), ValueError, "batch_size"),
    ("predict-batch-float", lambda: _model().predict(X26, batch_size=2.5), ValueError,
     "batch_size"),
    ("predict-list", lambda: _model().predict([1, 2]), TypeError, "numpy array"),
    ("predict_proba-nan", lambda: _model().predict_proba(np.full_like(X26, np.nan)), ValueError,
     "finite"),
    ("activations-list", lambda: _model().activations([1]), TypeError, "numpy array"),
    ("summary-None", lambda: _model().summary(None), TypeError, "input_shape"),
    ("summary-hwc", lambda: _model().summary((26, 26, 3)), ValueError, "hwc_to_chw"),
    ("summary-batch-shape", lambda: _model().summary((8, 3, 26, 26)), ValueError, "x.shape[1:]"),
    ("astype-int", lambda: _model().astype(int), TypeError, "dtype"),
    ("astype-str", lambda: _model().astype("banana"), TypeError, "dtype"),
    ("save-None", lambda: _model().save(None), TypeError, "path"),
    ("save-int", lambda: _model().save(3), TypeError, "path"),
    ("load-None", lambda: _model().load(None), TypeError, "path"),
    ("load-bytes", lambda: _model().load(b"model.npz"), TypeError, "path"),
    ("Sequential-empty", lambda: M.Sequential(), ValueError, "at least one layer"),
    ("Sequential-list", lambda: M.Sequential([L.ReLU()]), TypeError, "Sequential(*layers)"),
    ("Sequential-class", lambda: M.Sequential(L.ReLU), TypeError, "ReLU()"),
    ("seed_cnn-0", lambda: M.seed_cnn(in_channels=0), ValueError, "in_channels"),
    ("seed_cnn-kernels", lambda: M.seed_cnn(first_kernels=np.zeros((5, 3, 3))), ValueError,
     "first_kernels"),
    # -- optim -----------------------------------------------------------------------------------
    ("SGD-model", lambda: O.SGD(_model(), lr=0.1), TypeError, "model.parameters()"),
    ("SGD-lr-nan", lambda: O.SGD(_model().parameters(), lr=float("nan")), ValueError, "lr"),
    ("SGD-lr-str", lambda: O.SGD(_model().parameters(), lr="0.1"), TypeError, "lr"),
    ("SGD-momentum-1", lambda: O.SGD(_model().parameters(), lr=0.1, momentum=1), ValueError,
     "momentum"),
    ("SGD-empty", lambda: O.SGD([], lr=0.1), ValueError, "params"),
    ("Adam-betas", lambda: O.Adam(_model().parameters(), betas=0.9), TypeError, "betas"),
    ("Adam-eps-0", lambda: O.Adam(_model().parameters(), eps=0), ValueError, "eps"),
    # -- train -----------------------------------------------------------------------------------
    ("fit-X-list", lambda: _fit(X=X26.tolist()), TypeError, "numpy array"),
    ("fit-y-float", lambda: _fit(y=Y8.astype(float)), TypeError, "integer"),
    ("fit-epochs-0", lambda: _fit(epochs=0), ValueError, "epochs"),
    ("fit-batch-0", lambda: _fit(batch_size=0), ValueError, "batch_size"),
    ("fit-nhwc", lambda: _fit(X=np.zeros((8, 26, 26, 3), np.float32)), ValueError,
     "hwc_to_chw"),
    ("fit-nan", lambda: _fit(X=np.full_like(X26, np.nan)), ValueError, "finite"),
    ("fit-optimizer-None", lambda: _fit(optimizer=None), TypeError, "optimizer"),
    ("fit-callback-int", lambda: _fit(callbacks=[3]), TypeError, "Callback"),
    ("fit-threads-0", lambda: _fit(threads=0), ValueError, "threads"),
    ("fit-threads-float", lambda: _fit(threads=1.5), TypeError, "threads"),
    ("fit-augment-bad", lambda: _fit(augment=lambda xb, rng: xb[:, :1]), TypeError, "augment"),
    ("fit-schedule-bad", lambda: _fit(schedule=lambda e, s: -1.0), ValueError, "schedule"),
    ("fit-validation-bad", lambda: _fit(validation=X26), TypeError, "validation"),
    ("evaluate-nan", lambda: T.evaluate(_model(), np.full_like(X26, np.nan), Y8), ValueError,
     "finite"),
    ("evaluate-y-2d", lambda: T.evaluate(_model(), X26, Y8[:, None]), ValueError, "1-D"),
    ("confusion-float", lambda: T.confusion_matrix(Y8.astype(float), Y8, 10), TypeError,
     "integer"),
    ("confusion-list", lambda: T.confusion_matrix([1], [1], 10), TypeError, "numpy array"),
    ("cosine-neg", lambda: T.cosine_schedule(-1, 10), ValueError, "lr_max"),
    ("one_cycle-0", lambda: T.one_cycle(0.1, 0), ValueError, "total_steps"),
    ("random_shift-neg", lambda: T.random_shift(-1), ValueError, "max_shift"),
    ("random_shift-list", lambda: T.random_shift(2)([1], np.random.default_rng(0)), TypeError,
     "numpy array"),
]


@pytest.mark.parametrize(("call", "exc", "text"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_gives_a_clear_error_or_a_correct_result(call, exc, text):
    if exc is None:
        call()
        return
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    assert text in msg, msg
    assert any(word in msg for word in CLEAR), msg


def test_the_diverging_fit_names_the_learning_rate():
    m = M.seed_cnn()
    with pytest.raises(FloatingPointError, match=r"lr=1e\+30.*smaller learning rate"):
        T.fit(m, X26, Y8, epochs=3, batch_size=2, optimizer=O.SGD(m.parameters(), lr=1e30),
              progress=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.lists(st.integers(0, 30), min_size=0, max_size=5),
       dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_]),
       size=st.integers(-2, 5), padding=st.integers(-1, 4))
def test_random_shapes_never_give_a_raw_error(shape, dtype, size, padding):
    """Any array shape/dtype and small ints: a correct result or a clear Value/TypeError."""
    x = np.ones(shape, dtype=dtype)
    for call in (lambda: F.maxpool2d_forward(x, size=size),
                 lambda: F.avgpool2d_forward(x, size=size),
                 lambda: F.conv2d_forward(x, W, B, padding=padding),
                 lambda: L.MaxPool2d(2).forward(x),
                 lambda: M.seed_cnn(in_channels=max(shape[1:2] or [1]) or 1).forward(x)):
        try:
            call()
        except (ValueError, TypeError) as e:
            assert any(word in str(e) for word in CLEAR), str(e)


# -- saving: atomic ----------------------------------------------------------------------------


def test_save_is_atomic_when_the_write_fails(tmp_path, monkeypatch):
    path = M.seed_cnn(seed=1).save(tmp_path / "net.npz")
    good = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cnnlesson._modelfile.np.savez", broken_savez)
    with pytest.raises(OSError, match="No space left"):
        M.seed_cnn(seed=2).save(path)
    assert path.read_bytes() == good  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz"]  # no temp file left
    monkeypatch.undo()
    M.seed_cnn(seed=1).load(path)


def test_save_is_atomic_on_ctrl_c_during_the_rename(tmp_path, monkeypatch):
    path = M.seed_cnn(seed=1).save(tmp_path / "net.npz")
    good = path.read_bytes()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_io.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        M.seed_cnn(seed=2).save(path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz"]


def test_save_refuses_folders(tmp_path):
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        M.seed_cnn().save(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        M.seed_cnn().save(tmp_path / "no" / "such" / "net.npz")
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(IsADirectoryError):
        M.seed_cnn().save(tmp_path / "d")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        M.seed_cnn().load(tmp_path / "d.npz")


def test_atomic_write_helpers(tmp_path):
    p = _io.atomic_write_text(tmp_path / "a.txt", "héllo\n")
    assert p.read_text(encoding="utf-8") == "héllo\n"
    _io.atomic_write_bytes(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    with pytest.raises(ValueError, match="mode"):
        with _io.atomic_open(p, "a"):
            pass
    assert os.listdir(tmp_path) == ["a.txt"]


# -- loading: damaged and hostile files --------------------------------------------------------


def _load_error(tmp_path, name: str, data: bytes | None = None, model=None) -> str:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    model = model or M.seed_cnn()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError) as info:
        model.load(path)
    for p, b in zip(model.parameters(), before, strict=True):  # nothing was loaded
        assert np.array_equal(p.data, b)
    return str(info.value)


def test_load_a_renamed_npy(tmp_path):
    np.save(tmp_path / "w.npy", np.zeros(3))
    (tmp_path / "w.npy").rename(tmp_path / "w.npz")
    msg = _load_error(tmp_path, "w.npz")
    assert "single .npy array" in msg and "Hint" in msg


def test_load_not_a_zip_and_empty(tmp_path):
    assert "not a zip" in _load_error(tmp_path, "t.npz", b"hello")
    assert "not a zip" in _load_error(tmp_path, "e.npz", b"")


def test_load_a_zip_bomb_reads_only_what_the_model_needs(tmp_path):
    """A member that expands to 1 GiB of zeros is refused without being expanded."""
    model = M.seed_cnn()
    path = tmp_path / "bomb.npz"
    good = model.save(tmp_path / "good.npz")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            if info.filename != "conv1.weight.npy":
                zf.writestr(info.filename, src.read(info))
        header = np.lib.format.header_data_from_array_1_0(np.zeros((6, 3, 3, 3), np.float32))
        header["shape"] = (2**28,)
        with zf.open("conv1.weight.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, header)
            chunk = bytes(2**24)
            for _ in range(64):
                f.write(chunk)
    assert path.stat().st_size < 3 * 2**20
    msg = _load_error(tmp_path, "bomb.npz", model=model)
    assert "shape mismatch: conv1.weight is (6, 3, 3, 3) in the model but (268435456,)" in msg


def test_load_a_lying_header_is_truncated(tmp_path):
    model = M.seed_cnn()
    good = model.save(tmp_path / "good.npz")
    path = tmp_path / "short.npz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "conv1.weight.npy":
                data = data[:-40]
            zf.writestr(info.filename, data)
    assert "truncated" in _load_error(tmp_path, "short.npz", model=model)


def test_load_wrong_member_names_and_non_arrays(tmp_path):
    model = M.seed_cnn()
    good = model.save(tmp_path / "good.npz")
    path = tmp_path / "renamed.npz"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as zf:
        for info in src.infolist():
            name = info.filename.replace("conv1.", "convA.")
            zf.writestr(name, src.read(info))
        zf.writestr("notes.txt", "hello")
    msg = _load_error(tmp_path, "renamed.npz", model=model)
    assert "missing in file: conv1.weight" in msg
    assert "not in model: convA.weight (file shape (6, 3, 3, 3))" in msg
    assert "not in model: notes.txt (not an array)" in msg


def test_load_wrong_dtype_and_object_members(tmp_path):
    model = M.seed_cnn()
    arrays = {p.name: p.data for p in model.parameters()}
    arrays["conv1.bias"] = np.zeros(6, np.int64)
    np.savez(tmp_path / "int.npz", __format__=np.array("cnnlesson-model-v1"), **arrays)
    assert "wrong dtype: conv1.bias has dtype int64" in _load_error(tmp_path, "int.npz")
    arrays["conv1.bias"] = np.array([None] * 6, dtype=object)
    np.savez(tmp_path / "obj.npz", __format__=np.array("cnnlesson-model-v1"), **arrays)
    msg = _load_error(tmp_path, "obj.npz")
    assert "is not a readable cnnlesson model file" in msg and "pickle" in msg


def test_load_too_many_members_and_huge_marker(tmp_path):
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(500):
            zf.writestr(f"m{i}.npy", b"")
    assert "members" in _load_error(tmp_path, "many.npz")
    np.savez(tmp_path / "marker.npz", __format__=np.array("x" * 300_000))
    assert "too large" in _load_error(tmp_path, "marker.npz")
    np.savez(tmp_path / "marker2.npz", __format__=np.zeros(3))
    assert "not a text value" in _load_error(tmp_path, "marker2.npz")


def test_load_a_header_that_does_not_match_the_architecture(tmp_path):
    path = M.seed_cnn(num_classes=4).save(tmp_path / "four.npz")
    msg = _load_error(tmp_path, "four.npz")
    assert "shape mismatch: linear1.weight is (108, 10) in the model but (108, 4)" in msg
    assert path.exists()


# -- interrupts: fit keeps its History, a step is all or nothing -------------------------------


class _StopAt(T.Callback):
    def __init__(self, step):
        self.stop = step

    def on_batch_end(self, state):
        if state.step == self.stop:
            raise KeyboardInterrupt


def test_ctrl_c_in_fit_keeps_the_history(capsys):
    m = M.seed_cnn()
    opt = O.SGD(m.parameters(), lr=0.01)
    with pytest.raises(KeyboardInterrupt) as info:
        T.fit(m, X26, Y8, epochs=5, batch_size=4, optimizer=opt, callbacks=[_StopAt(5)],
              progress=False)
    hist = m.history
    assert hist is info.value.history
    assert hist.epochs == 2 and len(hist.step_loss) == 5
    assert all(np.isfinite(hist.epoch_train_loss))
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "interrupted at epoch 3/5 after 5 steps" in out and "model.history" in out
    for layer in m.layers:  # caches freed
        assert layer._cache is None


def test_fit_stores_the_history_on_the_model():
    m = M.seed_cnn()
    hist = T.fit(m, X26, Y8, epochs=1, batch_size=4, optimizer=O.SGD(m.parameters(), lr=0.01),
                 progress=False)
    assert m.history is hist


@pytest.mark.parametrize("opt_cls", [lambda ps: O.SGD(ps, lr=0.1, momentum=0.9,
                                                      weight_decay=1e-3),
                                     lambda ps: O.Adam(ps, lr=0.1, weight_decay=1e-3)])
def test_interrupt_inside_step_updates_all_or_nothing(monkeypatch, opt_cls):
    m = M.seed_cnn()
    params = m.parameters()
    opt = opt_cls(params)
    for p in params:
        p.grad[...] = 1.0
    before = [p.data.copy() for p in params]
    state_before = [a.copy() for a in (getattr(opt, "velocity", None) or opt.m + opt.s)]
    original = type(opt)._update
    calls = []

    def update(self, i, p):
        calls.append(i)
        if i == 4:
            raise KeyboardInterrupt
        return original(self, i, p)

    monkeypatch.setattr(type(opt), "_update", update)
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    assert calls == [0, 1, 2, 3, 4]
    for p, b in zip(params, before, strict=True):  # none updated
        assert np.array_equal(p.data, b)
    state = getattr(opt, "velocity", None) or opt.m + opt.s
    for a, b in zip(state, state_before, strict=True):
        assert np.array_equal(a, b)
    assert opt.steps == 0
    monkeypatch.undo()
    opt.step()  # and then a full step updates every parameter
    assert all(not np.array_equal(p.data, b) for p, b in zip(params, before, strict=True))
    assert opt.steps == 1


def test_ctrl_c_during_the_commit_is_held_back_until_every_parameter_is_updated(monkeypatch):
    """A SIGINT arriving while the new values are copied in is raised after the copy."""
    import copy
    import signal

    m = M.seed_cnn()
    params = m.parameters()
    opt = O.Adam(params, lr=0.1)
    for p in params:
        p.grad[...] = 1.0
    twin = copy.deepcopy(opt)  # the same step, uninterrupted
    twin.step()
    real_copyto = np.copyto
    count = []

    def copyto(dst, src, **kw):
        count.append(1)
        if len(count) == 2:
            signal.raise_signal(signal.SIGINT)
        real_copyto(dst, src, **kw)

    monkeypatch.setattr(O.np, "copyto", copyto)
    with pytest.raises(KeyboardInterrupt):
        opt.step()
    assert len(count) == 3 * len(params)  # m, s and the weights of every parameter
    for p, q in zip(params, twin.params, strict=True):
        assert np.array_equal(p.data, q.data)
    assert opt.steps == 1
