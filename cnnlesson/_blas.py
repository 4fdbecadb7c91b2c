"""Keep numpy's OpenBLAS to one thread while training runs on our own threads.

When :func:`cnnlesson.train.fit` splits a batch over two threads, each may
call a matrix product large enough for OpenBLAS to start its own worker
threads: four busy threads on two cores, whose spinning slows everything.
:func:`single_threaded_blas` sets OpenBLAS to one thread for the duration of
a ``with`` block and restores the previous setting afterwards.

It finds the OpenBLAS library that numpy's wheels bundle (``numpy.libs`` or
``numpy/.dylibs``) with :mod:`ctypes`; with any other BLAS (conda's MKL,
Apple's Accelerate) it does nothing. No dependency is needed.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from pathlib import Path

import numpy as np

_PATTERNS = ("libscipy_openblas*", "libopenblas*")
_SET = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
        "openblas_set_num_threads64_", "openblas_set_num_threads")
_GET = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
        "openblas_get_num_threads64_", "openblas_get_num_threads")


@functools.lru_cache(maxsize=1)
def _functions():
    """Return ``(set_num_threads, get_num_threads)`` of numpy's OpenBLAS, or ``None``."""
    root = Path(np.__file__).resolve().parent
    folders = [root.parent / "numpy.libs", root / ".dylibs"]
    for folder in folders:
        if not folder.is_dir():
            continue
        for pattern in _PATTERNS:
            for lib_path in sorted(folder.glob(pattern)):
                try:
                    lib = ctypes.CDLL(str(lib_path))
                except OSError:
                    continue
                setter = next((getattr(lib, n) for n in _SET if hasattr(lib, n)), None)
                getter = next((getattr(lib, n) for n in _GET if hasattr(lib, n)), None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype = [ctypes.c_int], None
                    getter.argtypes, getter.restype = [], ctypes.c_int
                    return setter, getter
    return None


@contextlib.contextmanager
def single_threaded_blas(active: bool = True):
    """Inside the block, numpy's OpenBLAS uses one thread (a no-op if not found or not active)."""
    funcs = _functions() if active else None
    if funcs is None:
        yield
        return
    setter, getter = funcs
    previous = getter()
    setter(1)
    try:
        yield
    finally:
        setter(previous)
