"""Build ``data/digits_model.npz``: the course's digit network, trained by the course's recipe.

Trains ``seed_cnn(in_channels=1, seed=0)`` on the 4,000 training digits with
``cnnlesson.train.train_digits(seed=0)`` (the recipe of ``digits_recipe()``: Adam,
one-cycle schedule, 60 epochs, shifts of up to 2 pixels), exactly the run of
notebook 05, and writes

* ``digits_model.npz``: the 3,118 trained parameters, float32, saved with
  ``Sequential.save`` (one array per parameter, no pickle; about 13 KB);
* ``digits_model.json``: what it was built with (Python, numpy, BLAS, the CPU's
  SIMD extensions), the test accuracy and the parameter checksums, so that a
  later run can tell "same platform, must be identical" from "another build,
  must be as good".

Both files are written atomically (a temporary file in the same folder, then a
rename). An existing ``.npz`` is replaced only if it is a cnnlesson model file.

Usage::

    python data/make_digits_model.py                 # writes data/digits_model.npz (+ .json)
    python data/make_digits_model.py -o /tmp/model.npz

Training takes about 20-60 seconds on a laptop.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "digits_model.npz"
SEED = 0


def platform_fingerprint() -> dict:
    """What decides the last bits of a training run: Python, numpy, BLAS, CPU features."""
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "machine": platform.machine(), "system": platform.system()}
    try:
        config = np.show_config(mode="dicts")
    except TypeError:  # numpy < 1.26 has no mode argument
        config = {}
    blas = config.get("Build Dependencies", {}).get("blas", {})
    info["blas"] = f"{blas.get('name', '?')} {blas.get('version', '?')}"
    info["simd"] = sorted(config.get("SIMD Extensions", {}).get("found", []))
    return info


def parameter_digest(arrays: dict) -> str:
    """SHA-256 over the parameters' names, shapes, dtypes and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}{a.shape}{a.dtype}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def train():
    """Train the network exactly as notebook 05 does; return ``(model, test accuracy)``."""
    from cnnlesson.datasets import load_digits
    from cnnlesson.train import evaluate, train_digits

    model, _ = train_digits(seed=SEED, progress=False)
    (_, _), (X_test, y_test) = load_digits()
    return model, float(evaluate(model, X_test, y_test)[1])


def _is_model_file(path: Path) -> bool:
    try:
        with np.load(path, allow_pickle=False) as f:
            return "__format__" in f.files
    except Exception:  # noqa: BLE001 - anything unreadable is "not ours"
        return False


def _atomic_replace(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(output: Path = DEFAULT_OUTPUT) -> dict:
    """Train and write ``output`` (.npz) and its ``.json`` next to it; return the JSON record."""
    output = Path(output)
    if output.suffix != ".npz":
        raise SystemExit(f"{output} must end in .npz")
    if output.exists() and not _is_model_file(output):
        raise SystemExit(f"{output} exists and is not a cnnlesson model file; refusing to "
                         "overwrite it (choose another --output)")
    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    model, acc = train()
    seconds = time.perf_counter() - start
    arrays = {p.name: p.data for p in model.parameters()}
    record = {
        "what": "seed_cnn(in_channels=1, seed=0) trained by cnnlesson.train.train_digits(seed=0)",
        "parameters": int(sum(a.size for a in arrays.values())),
        "test_accuracy": round(acc, 4),
        "parameter_sha256": parameter_digest(arrays),
        "built_with": platform_fingerprint(),
    }

    def write_npz(tmp: Path) -> None:
        written = model.save(tmp)
        if Path(written) != tmp:  # pragma: no cover - save keeps a .npz name as it is
            os.replace(written, tmp)

    _atomic_replace(output, write_npz)
    _atomic_replace(output.with_suffix(".json"), lambda tmp: tmp.write_text(
        json.dumps(record, indent=2) + "\n", encoding="utf-8"))
    record["seconds"] = seconds
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT,
                        help="the .npz to write (default: data/digits_model.npz); the .json "
                             "record goes next to it")
    args = parser.parse_args(argv)
    record = build(args.output)
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size:,} bytes) and {args.output.with_suffix('.json').name}: "
          f"test accuracy {record['test_accuracy']:.1%}, trained in {record['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
