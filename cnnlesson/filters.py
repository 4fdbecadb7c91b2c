"""Hand-made image filters: named kernels, cross-correlation and convolution.

A *filter* slides a small grid of numbers, the *kernel*, over an image. At
each position it multiplies the kernel with the pixels under it and adds the
products up; the sums form the output image. Different kernels find different
things: edges, blur, sharpness. A CNN's first layer does exactly this, except
that it *learns* its kernels.

Named kernels
-------------
Every kernel is a read-only float64 array (``arr.setflags(write=False)``), so
that a notebook cannot change it by accident; use ``kernel.copy()`` to edit one.
:data:`KERNELS` lists them by display name in teaching order::

    IDENTITY            BOX_BLUR            GAUSSIAN_BLUR        SHARPEN
    [[0, 0, 0],         [[1, 1, 1],         [[1, 2, 1],          [[ 0, -1,  0],
     [0, 1, 0],          [1, 1, 1],          [2, 4, 2],           [-1,  5, -1],
     [0, 0, 0]]          [1, 1, 1]] / 9      [1, 2, 1]] / 16      [ 0, -1,  0]]

    LAPLACIAN           LAPLACIAN_4         SOBEL_X              SOBEL_Y
    [[-1, -1, -1],      [[ 0, -1,  0],      [[-1, 0, 1],         [[-1, -2, -1],
     [-1,  8, -1],       [-1,  4, -1],       [-2, 0, 2],          [ 0,  0,  0],
     [-1, -1, -1]]       [ 0, -1,  0]]       [-1, 0, 1]]          [ 1,  2,  1]]

Sign convention (under :func:`correlate2d`, the operation a CNN computes):
``SOBEL_X`` is positive where brightness increases to the right and
``SOBEL_Y`` is positive where brightness increases downward, i.e. with the
row index (image rows are numbered from the top). :func:`convolve2d` flips
the kernel, which flips both signs.

Correlation or convolution?
---------------------------
:func:`correlate2d` lays the kernel on the image as written.
:func:`convolve2d` first rotates the kernel by 180 degrees (flips it in both
axes), which is the textbook definition of convolution. For symmetric
kernels (blurs, sharpen, Laplacians) the two agree; for Sobel kernels they
differ in sign. The "convolutional" layers of a CNN compute
:func:`correlate2d`: no flip. Since the kernels are learned, the flip would
only mirror what is learned, so libraries skip it and keep the name.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import check_allocation, check_array, check_finite, describe, fail
from .images import _check_image as _check_single_image
from .images import to_grayscale

__all__ = [
    "IDENTITY",
    "BOX_BLUR",
    "GAUSSIAN_BLUR",
    "SHARPEN",
    "LAPLACIAN",
    "LAPLACIAN_4",
    "SOBEL_X",
    "SOBEL_Y",
    "KERNELS",
    "SobelResult",
    "output_size",
    "correlate2d",
    "convolve2d",
    "sobel",
    "gradient_direction",
    "laplacian",
]


#: The most multiply-adds :func:`correlate2d` will do in one call (4e9, some
#: seconds on a laptop): a huge kernel on a big image would otherwise run for
#: hours and look like a hang.
MAX_MULTIPLY_ADDS = 4 * 10**9


def _kernel(rows, scale: float = 1.0) -> np.ndarray:
    k = np.array(rows, dtype=np.float64) / scale
    k.setflags(write=False)
    return k


#: Identity: copies the image unchanged (under "same" padding)::
#:
#:     [[0, 0, 0],
#:      [0, 1, 0],
#:      [0, 0, 0]]
IDENTITY = _kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]])

#: Box blur: the plain average of the 3x3 neighbourhood; weights sum to 1::
#:
#:     [[1, 1, 1],
#:      [1, 1, 1],
#:      [1, 1, 1]] / 9
BOX_BLUR = _kernel([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 9.0)

#: Gaussian blur: a weighted average favouring the centre; weights sum to 1::
#:
#:     [[1, 2, 1],
#:      [2, 4, 2],
#:      [1, 2, 1]] / 16
GAUSSIAN_BLUR = _kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16.0)

#: Sharpen: ``IDENTITY + LAPLACIAN_4``, the pixel plus its difference from its
#: neighbours; weights sum to 1, so flat regions are unchanged::
#:
#:     [[ 0, -1,  0],
#:      [-1,  5, -1],
#:      [ 0, -1,  0]]
SHARPEN = _kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])

#: Laplacian (8-neighbour): how much a pixel differs from all 8 neighbours;
#: weights sum to 0, so flat regions and straight ramps give 0::
#:
#:     [[-1, -1, -1],
#:      [-1,  8, -1],
#:      [-1, -1, -1]]
LAPLACIAN = _kernel([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])

#: Laplacian (4-neighbour): as :data:`LAPLACIAN` with the 4 side neighbours only::
#:
#:     [[ 0, -1,  0],
#:      [-1,  4, -1],
#:      [ 0, -1,  0]]
LAPLACIAN_4 = _kernel([[0, -1, 0], [-1, 4, -1], [0, -1, 0]])

#: Sobel x: horizontal change. Under :func:`correlate2d` it is positive where
#: brightness increases to the right (and :func:`convolve2d` flips the sign)::
#:
#:     [[-1, 0, 1],
#:      [-2, 0, 2],
#:      [-1, 0, 1]]
SOBEL_X = _kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])

#: Sobel y: vertical change. Under :func:`correlate2d` it is positive where
#: brightness increases downward, i.e. with the row index (and
#: :func:`convolve2d` flips the sign)::
#:
#:     [[-1, -2, -1],
#:      [ 0,  0,  0],
#:      [ 1,  2,  1]]
SOBEL_Y = _kernel([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])

#: The named kernels by display name, in teaching order.
KERNELS: dict[str, np.ndarray] = {
    "identity": IDENTITY,
    "box blur": BOX_BLUR,
    "gaussian blur": GAUSSIAN_BLUR,
    "sharpen": SHARPEN,
    "laplacian": LAPLACIAN,
    "laplacian (4-neighbour)": LAPLACIAN_4,
    "sobel x": SOBEL_X,
    "sobel y": SOBEL_Y,
}

_PADDING_EXPECTED = '"valid", "same" or a non-negative int'
_PADDING_HINT = ('"valid" adds no border, "same" adds zeros so that the output has the '
                 "image's size (odd kernels only), an int p adds p rows/columns of zeros "
                 "on every side")


class SobelResult(NamedTuple):
    """What :func:`sobel` returns with ``return_components=True``.

    Attributes
    ----------
    magnitude : numpy.ndarray
        (H', W') edge strength ``sqrt(gx**2 + gy**2)``, never negative.
    gx : numpy.ndarray
        (H', W') response to :data:`SOBEL_X`: positive where brightness
        increases to the right.
    gy : numpy.ndarray
        (H', W') response to :data:`SOBEL_Y`: positive where brightness
        increases downward.
    """

    magnitude: np.ndarray
    gx: np.ndarray
    gy: np.ndarray


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------

def _check_padding(padding) -> str | int:
    """Return ``padding`` as "valid", "same" or an int >= 0."""
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            fail(ValueError, "padding", _PADDING_EXPECTED, repr(padding), _PADDING_HINT)
        return padding
    if isinstance(padding, (bool, np.bool_)) or not isinstance(padding, numbers.Integral):
        fail(TypeError, "padding", _PADDING_EXPECTED, describe(padding), _PADDING_HINT)
    if padding < 0:
        fail(ValueError, "padding", _PADDING_EXPECTED, repr(int(padding)), _PADDING_HINT)
    return int(padding)


def _pad_amounts(padding, kernel_shape: tuple[int, int]) -> tuple[int, int]:
    """Rows and columns of zeros added on each side, for a kernel of ``kernel_shape``."""
    padding = _check_padding(padding)
    if padding == "valid":
        return 0, 0
    if padding == "same":
        kh, kw = kernel_shape
        if kh % 2 == 0 or kw % 2 == 0:
            fail(ValueError, "kernel", 'of odd height and width for padding="same"',
                 f"shape {kernel_shape}",
                 "an even kernel has no centre pixel, so the output cannot stay centred "
                 'on the image; use padding="valid" or an int')
        return (kh - 1) // 2, (kw - 1) // 2
    return padding, padding


def _check_image(image, name: str = "image") -> np.ndarray:
    """Require a finite (H, W) or (H, W, C) real array; return it as float.

    Integer and bool images become float64 with their values kept (no
    rescaling); float16 becomes float32; float32 and float64 are kept.
    """
    _check_single_image(image, name,
                        hint="filters work on one image, (H, W) gray or (H, W, C) colour; for a "
                             "batch, filter each image or use cnnlesson.functional.conv2d_forward")
    dt = image.dtype
    if dt not in (np.float32, np.float64):
        image = image.astype(np.float32 if np.issubdtype(dt, np.floating) else np.float64)
    check_finite(image, name, "NaN or inf would spread over every window that touches them; "
                              "replace them first, e.g. with np.nan_to_num")
    return image


def _check_kernel(kernel) -> np.ndarray:
    """Require a finite, non-empty 2-D real kernel (arrays or nested lists); return it."""
    if not isinstance(kernel, np.ndarray):
        if not isinstance(kernel, (list, tuple)):
            fail(TypeError, "kernel", "a 2-D numpy array or a nested list of numbers",
                 describe(kernel), "e.g. np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]])")
        try:
            kernel = np.array(kernel)
        except ValueError as err:
            raise ValueError(
                "kernel must be a rectangular 2-D grid of numbers; got rows of different "
                "lengths. Hint: every row of the kernel needs the same number of entries"
            ) from err
    dt = kernel.dtype
    if dt != np.bool_ and (not np.issubdtype(dt, np.number)
                           or np.issubdtype(dt, np.complexfloating)):
        fail(TypeError, "kernel", "an array of real numbers", f"dtype {dt}",
             "write the kernel with numbers only, e.g. np.array([[1, 0], [0, -1]])")
    check_array(kernel, "kernel", ndim=2, layout="(KH, KW)",
                hint="these filters apply one 2-D kernel to one image; a CNN's (F, C, KH, KW) "
                     "weights are applied by cnnlesson.functional.conv2d_forward")
    if kernel.size == 0:
        fail(ValueError, "kernel", "non-empty (at least 1x1)", f"shape {tuple(kernel.shape)}",
             "a kernel needs at least one weight")
    kernel = kernel.astype(np.float64, copy=False)
    check_finite(kernel, "kernel", "every kernel weight must be a finite number")
    return kernel


# ---------------------------------------------------------------------------
# sliding a kernel
# ---------------------------------------------------------------------------

def output_size(n: int, k: int, padding="valid") -> int:
    """Length of a filter's output along one axis.

    ``n' = n + 2p - k + 1``, where ``p`` is the padding added on each side:
    0 for ``"valid"``, ``(k - 1) // 2`` for ``"same"`` (so ``n' = n`` for odd
    ``k``), or the int given. Example: a 26-pixel side with a 3-pixel kernel
    gives 24 ("valid"), 26 ("same") or 28 (padding=2).

    Parameters
    ----------
    n : int
        Image height or width, >= 1.
    k : int
        Kernel height or width, >= 1.
    padding : {"valid", "same"} or int, optional
        As in :func:`correlate2d`.

    Returns
    -------
    int
        The output height or width, >= 1.

    Raises
    ------
    ValueError
        If the kernel does not fit in the padded image (``n + 2p < k``) or
        ``padding="same"`` is used with an even ``k``.

    Introduced in notebook 01_filtering.
    """
    for v, name in ((n, "n"), (k, "k")):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
            fail(TypeError, name, "a positive integer", describe(v))
        if v < 1:
            fail(ValueError, name, "a positive integer (>= 1)", repr(int(v)))
    padding = _check_padding(padding)
    if padding == "same" and k % 2 == 0:
        fail(ValueError, "k", 'odd for padding="same"', repr(int(k)),
             "an even kernel has no centre pixel; use \"valid\" or an int padding")
    p = 0 if padding == "valid" else (k - 1) // 2 if padding == "same" else padding
    out = int(n) + 2 * p - int(k) + 1
    if out < 1:
        fail(ValueError, "k", f"at most the padded size n + 2p = {n + 2 * p}", repr(int(k)),
             "the kernel does not fit inside the image; use a smaller kernel or more padding")
    return out


def correlate2d(image: np.ndarray, kernel, padding="valid") -> np.ndarray:
    """Slide ``kernel`` over ``image`` and sum the products (cross-correlation).

    ``out[i, j] = sum over (a, b) of kernel[a, b] * padded[i + a, j + b]``:
    the kernel is used exactly as written, not flipped. This is what a CNN's
    "convolutional" layer computes. Colour images are filtered one channel at
    a time with the same kernel.

    The output size along each axis is ``H' = H + 2p - KH + 1`` (and
    ``W' = W + 2p - KW + 1``), see :func:`output_size`. For example a 26x26
    image and a 3x3 kernel give 24x24 with ``padding="valid"``.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) gray or (H, W, C) colour image, finite values.
    kernel : numpy.ndarray or nested list
        (KH, KW) real-valued kernel of any size, odd or even, square or not.
    padding : {"valid", "same"} or int, optional
        ``"valid"`` (default): no padding, the kernel stays inside the image.
        ``"same"``: zeros around the image so that the output has the image's
        size; needs an odd KH and KW (a ValueError otherwise) and adds
        ``(KH - 1) // 2`` rows at top and bottom and ``(KW - 1) // 2`` columns
        at left and right. An int ``p >= 0``: ``p`` rows/columns of zeros on
        every side.

    Returns
    -------
    numpy.ndarray
        (H', W') for a gray image, (H', W', C) for a colour one. Its dtype:
        float32 stays float32 and float64 stays float64; integer images (for
        example uint8 from Pillow) and bool images become float64 with their
        values kept, not rescaled (255 stays 255 and sums never overflow);
        float16 becomes float32. The kernel is cast to that dtype.

    Raises
    ------
    ValueError
        If the kernel is larger than the padded image, ``padding="same"`` is
        used with an even kernel, or ``image`` or ``kernel`` contain NaN or inf.

    See Also
    --------
    convolve2d : the same with the kernel flipped.

    Introduced in notebook 01_filtering.
    """
    image = _check_image(image)
    kernel = _check_kernel(kernel)
    kh, kw = kernel.shape
    ph, pw = _pad_amounts(padding, (kh, kw))
    h, w = image.shape[:2]
    if h + 2 * ph < kh or w + 2 * pw < kw:
        fail(ValueError, "kernel", f"no larger than the padded image ({h + 2 * ph}, "
             f"{w + 2 * pw}) (image shape {tuple(image.shape)}, padding={padding!r})",
             f"kernel shape {(kh, kw)}",
             "use a smaller kernel, a larger image, or more padding")
    channels = image.shape[2:]
    check_allocation((h + 2 * ph, w + 2 * pw) + channels, image.dtype, "padding",
                     hint=f"padding={padding!r} adds that many rows and columns on every side; "
                          "1 or 2 is usual, \"same\" keeps the image's size")
    work = (h + 2 * ph - kh + 1) * (w + 2 * pw - kw + 1) * int(np.prod(channels)) * kh * kw
    if work > MAX_MULTIPLY_ADDS:
        fail(ValueError, "kernel", f"small enough for at most {MAX_MULTIPLY_ADDS:.0e} "
             "multiply-adds (the course's limit, a few seconds of work)",
             f"kernel shape {(kh, kw)} on image shape {tuple(image.shape)}, {work:.2e} "
             "multiply-adds",
             "a (KH, KW) kernel costs KH * KW multiply-adds per output pixel; use a smaller "
             "kernel, or shrink the image first with cnnlesson.images.resize")
    pad_width = ((ph, ph), (pw, pw)) + ((0, 0),) * (image.ndim - 2)
    padded = np.pad(image, pad_width) if (ph or pw) else image
    # windows[i, j, (c,) a, b] == padded[i + a, j + b, (c)]: a view, nothing is copied.
    windows = sliding_window_view(padded, (kh, kw), axis=(0, 1))
    return np.einsum("...ab,ab->...", windows, kernel.astype(image.dtype))


def convolve2d(image: np.ndarray, kernel, padding="valid") -> np.ndarray:
    """Convolve ``image`` with ``kernel``: flip the kernel in both axes, then correlate.

    ``convolve2d(image, k) == correlate2d(image, k[::-1, ::-1])``. This is
    convolution as defined in mathematics and signal processing. CNN layers do
    *not* flip: they compute :func:`correlate2d`. The two agree for symmetric
    kernels (blurs, sharpen, Laplacians); for :data:`SOBEL_X` and
    :data:`SOBEL_Y` convolution gives the opposite sign.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) gray or (H, W, C) colour image, finite values.
    kernel : numpy.ndarray or nested list
        (KH, KW) real-valued kernel.
    padding : {"valid", "same"} or int, optional
        As in :func:`correlate2d`.

    Returns
    -------
    numpy.ndarray
        (H', W') or (H', W', C), sizes and dtype as in :func:`correlate2d`.

    Introduced in notebook 02_convolution.
    """
    kernel = _check_kernel(kernel)
    return correlate2d(image, kernel[::-1, ::-1], padding)


# ---------------------------------------------------------------------------
# edge detectors
# ---------------------------------------------------------------------------

def _gray_image(image) -> np.ndarray:
    """A finite float (H, W) image; colour images go through to_grayscale."""
    check_array(image, "image", ndim=(2, 3), layout="(H, W) or (H, W, C)",
                hint="edge detectors work on one image, gray (H, W) or colour (H, W, 3)")
    if image.ndim == 3:
        image = to_grayscale(image)
    return _check_image(image)


def sobel(image: np.ndarray, padding="same", return_components: bool = False):
    """Edge strength with the Sobel kernels: ``sqrt(gx**2 + gy**2)``.

    ``gx = correlate2d(gray, SOBEL_X, padding)`` measures how brightness
    changes to the right, ``gy = correlate2d(gray, SOBEL_Y, padding)``
    downward; the magnitude is large at edges of any direction.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) gray image, or (H, W, 3) / (H, W, 4) colour image, which is
        first converted with :func:`cnnlesson.images.to_grayscale` (integer
        values are not rescaled).
    padding : {"valid", "same"} or int, optional
        As in :func:`correlate2d`; the default "same" keeps the image's size.
        Zero padding makes the border of a bright image look like an edge.
    return_components : bool, optional
        If True, return :class:`SobelResult` ``(magnitude, gx, gy)``
        instead of the magnitude alone.

    Returns
    -------
    numpy.ndarray or SobelResult
        (H', W') magnitude, or a SobelResult of three (H', W') arrays; dtype
        as in :func:`correlate2d`.

    Introduced in notebook 01_filtering.
    """
    if not isinstance(return_components, (bool, np.bool_)):
        fail(TypeError, "return_components", "True or False", describe(return_components))
    gray = _gray_image(image)
    gx = correlate2d(gray, SOBEL_X, padding)
    gy = correlate2d(gray, SOBEL_Y, padding)
    magnitude = np.hypot(gx, gy)
    if return_components:
        return SobelResult(magnitude, gx, gy)
    return magnitude


def gradient_direction(image: np.ndarray, padding="same") -> np.ndarray:
    """Direction in which brightness increases fastest, from the Sobel kernels.

    ``np.arctan2(gy, gx)`` in radians, in [-pi, pi]. Image rows count
    downward, so 0 means "brighter to the right", ``pi / 2`` "brighter
    downward", ``-pi / 2`` "brighter upward" and ``pi`` "brighter to the left".
    Where the image is flat (gx = gy = 0) the direction is meaningless and 0
    is returned; mask it with the magnitude from :func:`sobel`.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) gray or (H, W, 3) / (H, W, 4) colour image, as in :func:`sobel`.
    padding : {"valid", "same"} or int, optional
        As in :func:`correlate2d`.

    Returns
    -------
    numpy.ndarray
        (H', W') angles in radians; dtype as in :func:`correlate2d`.

    Introduced in notebook 01_filtering.
    """
    _, gx, gy = sobel(image, padding, return_components=True)
    return np.arctan2(gy, gx)


def laplacian(image: np.ndarray, padding="same", neighbours: int = 8) -> np.ndarray:
    """How much each pixel differs from its neighbours (a second derivative).

    Zero on flat regions and on straight ramps; large with opposite signs on
    the two sides of an edge, and at fine detail and noise.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) gray image, or (H, W, 3) / (H, W, 4) colour image, which is
        first converted with :func:`cnnlesson.images.to_grayscale`.
    padding : {"valid", "same"} or int, optional
        As in :func:`correlate2d`; the default "same" keeps the image's size.
    neighbours : {8, 4}, optional
        8 uses :data:`LAPLACIAN` (all 8 neighbours, also reacts to diagonal
        detail); 4 uses :data:`LAPLACIAN_4` (the 4 side neighbours only).

    Returns
    -------
    numpy.ndarray
        (H', W'); dtype as in :func:`correlate2d`.

    Introduced in notebook 01_filtering.
    """
    if isinstance(neighbours, (bool, np.bool_)) or not isinstance(neighbours, numbers.Integral):
        fail(TypeError, "neighbours", "the int 4 or 8", describe(neighbours))
    if neighbours not in (4, 8):
        fail(ValueError, "neighbours", "4 or 8", repr(int(neighbours)),
             "8 compares with all surrounding pixels, 4 with the left, right, top and bottom ones")
    gray = _gray_image(image)
    return correlate2d(gray, LAPLACIAN if neighbours == 8 else LAPLACIAN_4, padding)
