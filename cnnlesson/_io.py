"""Atomic file writes: a reader (or a crash) never sees a half-written file.

Every write goes to a temporary file in the destination's own folder (so the
final rename stays on one file system), is flushed and ``fsync``-ed, and then
replaces the destination with :func:`os.replace`, which is atomic on POSIX and
Windows. If anything fails before the rename (an exception, Ctrl-C, a full
disk), the temporary file is removed and the previous file is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_text"]


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb"):
    """Open a temporary file that replaces ``path`` when the ``with`` block succeeds.

    Parameters
    ----------
    path : str or pathlib.Path
        The destination file.
    mode : {"wb", "w"}
        Binary or text (UTF-8) writing.

    Yields
    ------
    file object
        Write the whole content to it inside the ``with`` block.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w'; got {mode!r}")
    path = Path(path)
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp creates the file as 0600; give it the mode an ordinary open() would have
        # (the existing file's mode, or 0666 less the umask), so a save does not hide it.
        os.chmod(tmp, _final_mode(path))
        kwargs = {} if mode == "wb" else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # Make the rename itself durable where the platform allows it.
    with contextlib.suppress(OSError, AttributeError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _final_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    with atomic_open(path, "w") as f:
        f.write(text)
    return Path(path)
