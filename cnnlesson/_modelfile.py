"""Reading and writing the ``.npz`` files of :meth:`cnnlesson.model.Sequential.save`.

Writing is atomic (see :mod:`cnnlesson._io`). Reading never trusts the file:
it refuses anything that is not a zip archive (naming a renamed ``.npy``),
checks the member names and each ``.npy`` header (dtype and shape) against
the model *before* reading any array data, reads at most the bytes the model
needs (so a "zip bomb" cannot fill the memory) and never unpickles.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np

from cnnlesson._io import atomic_open

#: Marker stored in every saved model file.
FILE_FORMAT = "cnnlesson-model-v1"
META_FORMAT = "__format__"
META_ARCH = "__architecture__"
#: Largest text member (format marker, architecture) read from a file.
MAX_META_BYTES = 1 << 20
#: Largest ``.npy`` header read (numpy's own default limit is 10,000 bytes).
MAX_HEADER_BYTES = 1 << 16
#: A model file never has more members than this beyond the model's parameters.
EXTRA_MEMBERS = 100


class UnreadableModelFile(ValueError):
    """The file is damaged or is not an ``.npz`` archive of plain arrays."""


def write_model_file(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` to ``path``, atomically."""
    with atomic_open(path, "wb") as f:
        np.savez(f, **arrays)


def _read_header(fp, name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(
                fp, max_header_size=MAX_HEADER_BYTES)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(
                fp, max_header_size=MAX_HEADER_BYTES)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, EOFError, OSError, SyntaxError, TypeError) as e:
        raise UnreadableModelFile(f"member {name!r} is not a valid .npy array ({e})") from None
    if dtype.hasobject:
        raise UnreadableModelFile(
            f"member {name!r} holds Python objects (dtype {dtype}), which are never loaded "
            "because reading them would run code (pickle)")
    return tuple(int(s) for s in shape), bool(fortran), dtype


def _read_data(fp, name: str, shape, fortran: bool, dtype: np.dtype) -> np.ndarray:
    nbytes = math.prod(shape) * dtype.itemsize
    data = fp.read(nbytes)
    if len(data) != nbytes:
        raise UnreadableModelFile(f"member {name!r} is truncated")
    arr = np.frombuffer(data, dtype=dtype)
    return arr.reshape(shape, order="F" if fortran else "C")


def read_model_file(path: Path, expected: dict[str, tuple[int, ...]]):
    """Read a model file, checking it against the parameters ``expected``.

    Parameters
    ----------
    path : pathlib.Path
        An existing file.
    expected : dict
        ``{parameter name: shape}`` of the model that will receive the values.

    Returns
    -------
    arrays : dict
        ``{parameter name: array}`` for every member that matches a parameter
        in name, shape and (float) dtype.
    architecture : str or None
        The text description stored by ``save``.
    problems : list of str
        One line per difference between the file and the model (missing
        names, extra names, shapes, dtypes, non-finite values); empty when
        the file fits.

    Raises
    ------
    UnreadableModelFile
        Not a zip archive (e.g. a renamed ``.npy``), a damaged archive, a
        member that is not a plain array or larger than the model needs.
    ValueError
        A readable archive without the cnnlesson marker (message starts
        "is not a cnnlesson model file").
    """
    with open(path, "rb") as f:
        head = f.read(6)
    if head == b"\x93NUMPY":
        raise UnreadableModelFile(
            "it is a single .npy array (perhaps renamed to .npz), not an .npz archive")
    if not zipfile.is_zipfile(path):
        raise UnreadableModelFile("it is not a zip (.npz) archive")
    try:
        with zipfile.ZipFile(path) as zf:
            return _read_archive(zf, expected)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, KeyError,
            NotImplementedError, RuntimeError) as e:
        raise UnreadableModelFile(f"{type(e).__name__}: {e}") from None


def _read_archive(zf: zipfile.ZipFile, expected: dict[str, tuple[int, ...]]):
    infos = zf.infolist()
    if len(infos) > len(expected) + EXTRA_MEMBERS:
        raise UnreadableModelFile(f"it has {len(infos)} members, far more than the model's "
                                  f"{len(expected)} parameters")
    members: dict[str, zipfile.ZipInfo] = {}
    problems: list[str] = []
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            problems.append(f"not in model: {info.filename} (not an array)")
            continue
        members[info.filename[:-4]] = info
    if META_FORMAT not in members:
        raise ValueError("no marker")
    fmt = _read_meta(zf, members.pop(META_FORMAT))
    if fmt != FILE_FORMAT:
        raise ValueError("wrong marker")
    arch = _read_meta(zf, members.pop(META_ARCH)) if META_ARCH in members else None

    arrays: dict[str, np.ndarray] = {}
    for name in expected:
        if name not in members:
            problems.append(f"missing in file: {name} (model shape {expected[name]})")
    for name, info in members.items():
        with zf.open(info) as fp:
            shape, fortran, dtype = _read_header(fp, name)
            if name not in expected:
                problems.append(f"not in model: {name} (file shape {shape})")
            elif shape != expected[name]:
                problems.append(f"shape mismatch: {name} is {expected[name]} in the model "
                                f"but {shape} in the file")
            elif dtype.kind != "f" or dtype.itemsize > 8:
                problems.append(f"wrong dtype: {name} has dtype {dtype} in the file")
            else:
                arr = _read_data(fp, name, shape, fortran, dtype)
                if not np.all(np.isfinite(arr)):
                    problems.append(f"non-finite values: {name} contains NaN or inf in the file")
                arrays[name] = arr
    return arrays, arch, problems


def _read_meta(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    name = info.filename[:-4]
    if info.file_size > MAX_META_BYTES:
        raise UnreadableModelFile(f"member {name!r} is {info.file_size:,} bytes, far too large")
    with zf.open(info) as fp:
        shape, fortran, dtype = _read_header(fp, name)
        if shape != () or dtype.kind != "U" or dtype.itemsize > MAX_META_BYTES:
            raise UnreadableModelFile(f"member {name!r} is not a text value")
        return str(_read_data(fp, name, shape, fortran, dtype)[()])
