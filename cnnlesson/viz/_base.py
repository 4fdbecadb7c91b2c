"""Shared pieces of the course's pictures: style, colour scales, number labels.

Colour conventions used by every picture of the course
------------------------------------------------------
* Photos and other images with values in [0, 1] (or 0..255) are drawn in
  gray on a *fixed* scale (black = 0, white = 1), so a dark picture looks dark.
* Signed numbers (kernel weights, filter responses, gradients) are drawn with
  :data:`SIGNED_CMAP` = ``"RdBu_r"``: zero is white, positive values red,
  negative values blue, on one symmetric scale ``[-m, +m]`` shared by every
  panel of a figure. RdBu is one of ColorBrewer's diverging schemes marked
  safe for colour-blind readers (red-blue stays distinguishable under the
  common red-green deficiencies, unlike red-green maps), it prints and
  projects well, "white = 0 = does nothing" makes an inactive weight vanish,
  and red-for-positive matches the "hot = more" reading of a heat map.
  Each cell's number is also written on it, so nothing depends on colour alone.
"""

from __future__ import annotations

import numbers

import matplotlib as mpl
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, Normalize

from .._validate import check_array, check_finite, describe, fail

__all__ = [
    "SIGNED_CMAP",
    "HIGHLIGHT",
    "COURSE_STYLE",
    "use_course_style",
    "format_number",
    "text_color",
    "symmetric_limit",
]

#: The diverging colormap for signed values (see the module docstring).
SIGNED_CMAP = "RdBu_r"

#: The colour of highlights (sliding window, chosen pixel): a strong orange,
#: visible on gray, red and blue and for colour-blind readers.
HIGHLIGHT = "#ff8c00"

#: Colour for correct / wrong labels (blue / vermilion of the Okabe-Ito palette).
OK_COLOR = "#0072b2"
BAD_COLOR = "#d55e00"

#: The rcParams set by :func:`use_course_style`.
COURSE_STYLE = {
    "figure.figsize": (9.0, 5.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 16,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "lines.linewidth": 2.2,
    "image.interpolation": "nearest",
    "image.cmap": "gray",
}


def use_course_style() -> dict:
    """Apply the course's matplotlib style (readable on a classroom projector).

    Sets figure size, font sizes, crisp pixel drawing (no smoothing between
    pixels) and gray as the default image colormap. Calling it again changes
    nothing more: it only sets the values in :data:`COURSE_STYLE`.

    Returns
    -------
    dict
        The rcParams that were set (a copy of :data:`COURSE_STYLE`).

    Introduced in notebook 00_start_here.
    """
    mpl.rcParams.update(COURSE_STYLE)
    return dict(COURSE_STYLE)


# ---------------------------------------------------------------------------
# numbers and colours
# ---------------------------------------------------------------------------

def format_number(v: float) -> str:
    """Write a number compactly for a cell label: ``-1``, ``8``, ``0.11``, ``12.5``.

    At most two decimals (one from 10, none from 100), trailing zeros dropped,
    and never ``-0``.

    Introduced in notebook 01_filtering.
    """
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    a = abs(v)
    s = f"{v:.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def text_color(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def symmetric_limit(*arrays, vmax=None) -> float:
    """The half-width ``m`` of the shared symmetric colour scale ``[-m, m]``.

    ``m`` is the largest absolute value over all ``arrays`` (NaN ignored),
    or ``vmax`` when given; 1.0 when everything is zero, so the scale is never
    empty.
    """
    if vmax is not None:
        if isinstance(vmax, bool) or not isinstance(vmax, numbers.Real) \
                or not np.isfinite(vmax) or vmax <= 0:
            fail(ValueError, "vmax", "a positive finite number", describe(vmax),
                 "it is the largest |value| of the colour scale")
        return float(vmax)
    m = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        if a.size and np.any(np.isfinite(a)):
            m = max(m, float(np.nanmax(np.abs(a))))
    return m if m > 0 else 1.0


def color_ramp(color: str, name: str | None = None) -> LinearSegmentedColormap:
    """A colormap from black to ``color`` (e.g. the red channel in shades of red)."""
    return LinearSegmentedColormap.from_list(name or f"black_{color}", ["black", color])


def annotate_cells(ax, values: np.ndarray, image, *, fontsize=None, fmt=format_number):
    """Write each value of a 2-D array in its cell of ``image`` (an AxesImage).

    The text colour is chosen for contrast against the cell's colour. Returns
    the list of Text artists in row-major order.
    """
    cmap = image.get_cmap()
    norm = image.norm
    h, w = values.shape
    if fontsize is None:
        fontsize = cell_fontsize(ax, h, w)
    texts = []
    for r in range(h):
        for c in range(w):
            v = values[r, c]
            if not np.isfinite(v):
                texts.append(ax.text(c, r, "", ha="center", va="center"))
                continue
            col = text_color(cmap(norm(v)))
            texts.append(ax.text(c, r, fmt(v), ha="center", va="center",
                                 fontsize=fontsize, color=col))
    return texts


def cell_fontsize(ax, h: int, w: int, *, lo: float = 6.0, hi: float = 16.0) -> float:
    """A font size that fits a number into one cell of an h x w heat map on ``ax``."""
    fig = ax.get_figure(root=True)   # a SubFigure has no size of its own
    pos = ax.get_position()
    wi, hi_in = fig.get_size_inches()
    cell_pt = min(pos.width * wi / max(w, 1), pos.height * hi_in / max(h, 1)) * 72
    return float(np.clip(cell_pt * 0.30, lo, hi))


def clean_axes(ax) -> None:
    """Remove ticks and tick labels (pictures, not plots) and draw a thin gray frame."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.5")
        spine.set_linewidth(0.8)


def cell_grid(ax, h: int, w: int, color="white", lw=1.0):
    """Draw thin lines between the cells of an h x w image and hide the ticks.

    Returns the LineCollection of the lines.
    """
    clean_axes(ax)
    xs = np.arange(-0.5, w + 0.5, 1.0)
    ys = np.arange(-0.5, h + 0.5, 1.0)
    segs = [[(x, -0.5), (x, h - 0.5)] for x in xs[1:-1]]
    segs += [[(-0.5, y), (w - 0.5, y)] for y in ys[1:-1]]
    from matplotlib.collections import LineCollection

    lc = LineCollection(segs, colors=color, linewidths=lw, zorder=2)
    ax.add_collection(lc, autolim=False)
    return lc


def image_scale(values: np.ndarray):
    """Colormap and limits for an image-like array.

    Signed values get the diverging map on a symmetric scale; values in
    [0, 1] gray on [0, 1]; uint8 gray on [0, 255]; other non-negative values
    gray on [0, max].
    """
    if values.dtype == np.uint8:
        return "gray", 0.0, 255.0
    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    if lo < 0:
        m = symmetric_limit(values)
        return SIGNED_CMAP, -m, m
    if hi <= 1.0:
        return "gray", 0.0, 1.0
    return "gray", 0.0, hi


def signed_norm(m: float) -> Normalize:
    """A Normalize for the symmetric scale [-m, m]."""
    return Normalize(vmin=-m, vmax=m)


def check_real_array(x, name: str, *, ndim, layout: str | None = None, hint: str = ""):
    """Require a numpy array of real numbers (any int/float dtype) with finite values."""
    check_array(x, name, ndim=ndim, layout=layout, hint=hint)
    if x.dtype == np.bool_ or not (np.issubdtype(x.dtype, np.integer)
                                   or np.issubdtype(x.dtype, np.floating)):
        fail(TypeError, name, "an array of real numbers (integer or float)", f"dtype {x.dtype}",
             f"convert it with np.asarray({name}, dtype=np.float32)")
    if x.dtype.kind == "f":
        check_finite(x, name, "NaN or inf cannot be drawn as a colour; fix them first")
    return x


def check_figure(fig, name: str = "fig"):
    """Require a matplotlib Figure (or SubFigure); ``None`` makes a new pyplot figure."""
    from matplotlib.figure import FigureBase

    if not isinstance(fig, FigureBase):
        fail(TypeError, name, "a matplotlib Figure", describe(fig),
             "make one with fig = plt.figure(), or pass None to get a new one")
    return fig


def check_axes(ax, name: str = "ax"):
    """Require a matplotlib Axes."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        fail(TypeError, name, "a matplotlib Axes", describe(ax),
             "make one with fig, ax = plt.subplots()")
    return ax


def new_figure(figsize, fig=None):
    """Return ``fig`` when given (checked), else a new constrained-layout pyplot figure."""
    if fig is None:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, layout="constrained")
    return check_figure(fig)
