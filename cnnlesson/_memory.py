"""Keep freed memory in the process so that training does not page-fault on every step.

A training step allocates and frees the same few megabytes of arrays again
and again (the unfolded windows, the activations and their gradients). With
glibc's default settings, freed blocks above 128 KiB go straight back to the
operating system, so every step asks for fresh pages, and the kernel must
zero each one on first touch: measured on the seed network at batch 64, that
made the step about twice as slow. :func:`keep_freed_memory` raises glibc's
trim and mmap thresholds (to 256 MiB and 32 MiB) so that freed blocks are
reused instead. The process keeps up to its peak working set (a few tens of
megabytes for the course's networks) instead of returning it.

It is called by :func:`cnnlesson.train.fit` and changes a process-wide
setting once; on systems without glibc (macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

#: glibc's mallopt parameter numbers (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 256 * 2**20
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value on 64-bit systems

_done = False


def keep_freed_memory() -> bool:
    """Set glibc's malloc to keep freed memory (once per process); return True if it did."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and bool(
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    return _done
