"""The shipped digit network (data/digits_model.npz), its loader and the script that makes it."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from cnnlesson.datasets import load_digits
from cnnlesson.model import seed_cnn
from cnnlesson.pretrained import DIGITS_MODEL_PATH, load_digits_model
from cnnlesson.train import evaluate

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "data" / "make_digits_model.py"
RECORD = json.loads(DIGITS_MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))

# How close a run on another numpy/BLAS build must come to the shipped network. Measured by
# retraining after changing every starting weight by one part in 10 million (last-bit noise,
# as a different summation order makes): per-parameter correlation 0.94 or more, the same
# answer on 98.8% of the test digits, test accuracy 97.8% vs 98.0%.
MIN_CORRELATION = 0.85
MIN_AGREEMENT = 0.97
MAX_ACCURACY_GAP = 0.01


def _script():
    spec = importlib.util.spec_from_file_location("make_digits_model", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def test_digits():
    return load_digits()[1]


def test_the_shipped_file_is_small_float32_and_needs_no_pickle():
    assert DIGITS_MODEL_PATH.name == "digits_model.npz" and DIGITS_MODEL_PATH.is_file()
    assert DIGITS_MODEL_PATH.stat().st_size < 20_000             # 12.5 KB of numbers + headers
    net = seed_cnn(1)
    shapes = {p.name: p.shape for p in net.parameters()}
    with np.load(DIGITS_MODEL_PATH, allow_pickle=False) as f:
        params = {k: f[k] for k in f.files if not k.startswith("__")}
    assert {k: v.shape for k, v in params.items()} == shapes
    assert all(v.dtype == np.float32 for v in params.values())
    assert sum(v.size for v in params.values()) == RECORD["parameters"] == net.num_parameters()
    assert sum(v.nbytes for v in params.values()) < 13_000
    assert _script().parameter_digest(params) == RECORD["parameter_sha256"]


def test_load_digits_model_is_the_trained_network(test_digits):
    X_test, y_test = test_digits
    model = load_digits_model()
    acc = evaluate(model, X_test, y_test)[1]
    assert acc >= 0.97
    assert abs(acc - RECORD["test_accuracy"]) <= 0.002      # a borderline digit may flip
    assert model["conv1"].weight.data.dtype == np.float32
    assert load_digits_model(str(DIGITS_MODEL_PATH)) is not model   # a fresh model each time


def test_load_digits_model_errors(tmp_path):
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        load_digits_model(3)
    with pytest.raises(FileNotFoundError, match="make_digits_model.py"):
        load_digits_model(tmp_path / "missing.npz")
    other = seed_cnn(3).save(tmp_path / "colour.npz")          # another architecture
    with pytest.raises(ValueError, match="does not match this model"):
        load_digits_model(other)


def test_the_script_refuses_to_overwrite_a_file_it_did_not_make(tmp_path):
    precious = tmp_path / "notes.npz"
    precious.write_bytes(b"not a model")
    with pytest.raises(SystemExit, match="refusing to overwrite"):
        _script().build(precious)                                  # fails before training
    assert precious.read_bytes() == b"not a model"
    with pytest.raises(SystemExit, match="must end in .npz"):
        _script().build(tmp_path / "model.pt")


def test_the_script_reproduces_the_shipped_file(tmp_path, test_digits):
    """Retrain (20-60 s): identical weights on the platform that made the file, else as good.

    Training is deterministic on one numpy/BLAS build and CPU, so there the parameters
    must match bit for bit (a mismatch means the training code changed: regenerate the
    file). Elsewhere the last bits of sums differ and grow over 3,780 steps, so the test
    asks for the same network up to that noise: see MIN_CORRELATION and friends above.
    """
    script = _script()
    out = tmp_path / "digits_model.npz"
    record = script.build(out)
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["parameter_sha256"] \
        == record["parameter_sha256"]
    if record["built_with"] == RECORD["built_with"]:
        assert record["parameter_sha256"] == RECORD["parameter_sha256"], (
            "same platform, different weights: the training code changed since "
            "data/digits_model.npz was made; run `python data/make_digits_model.py`")
        return
    X_test, y_test = test_digits
    new, shipped = load_digits_model(out), load_digits_model()
    for a, b in zip(new.parameters(), shipped.parameters(), strict=True):
        r = np.corrcoef(a.data.ravel(), b.data.ravel())[0, 1]
        assert r >= MIN_CORRELATION, f"{a.name}: correlation {r:.3f} with the shipped weights"
    agree = float(np.mean(new.predict(X_test) == shipped.predict(X_test)))
    assert agree >= MIN_AGREEMENT
    assert abs(record["test_accuracy"] - RECORD["test_accuracy"]) <= MAX_ACCURACY_GAP
