"""Animated GIFs that play anywhere (no kernel, no network, no JavaScript).

Frames are drawn with matplotlib's Agg renderer on figures that pyplot does
not know about (so nothing leaks into a notebook's output), turned into one
shared 256-colour palette and written by Pillow. The same inputs give the same
bytes on the same machine: no timestamps, no dithering, no randomness.
"""

from __future__ import annotations

import io
import numbers
import os

import numpy as np

from .._validate import check_positive_int, describe, fail
from ._base import (
    annotate_cells,
    cell_grid,
    check_real_array,
    format_number,
    image_scale,
)
from .snapshots import SnapshotView, snapshot_figsize, snapshot_records
from .windows import window_rectangle

__all__ = ["gif_bytes", "save_gif", "show_gif", "gif_image", "figure_frame",
           "animate_sliding_window", "animate_snapshots", "MAX_GIF_BYTES"]

#: The size every course GIF stays below (checked by the tests).
MAX_GIF_BYTES = 1_000_000


def _agg_figure(figsize, dpi):
    """A Figure drawn by Agg and unknown to pyplot (no leak, no auto-display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_frame(fig) -> np.ndarray:
    """Render a figure and return its pixels.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8 RGB.

    Introduced in notebook 02_convolution.
    """
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()


class _Blitter:
    """Render frames fast: static artists once, the ``dynamic`` ones on top each frame."""

    def __init__(self, fig, dynamic):
        self.fig = fig
        self.dynamic = sorted(dynamic, key=lambda a: a.get_zorder())
        for a in self.dynamic:
            a.set_animated(True)
        fig.canvas.draw()
        self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def frame(self) -> np.ndarray:
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for a in self.dynamic:
            if a.get_visible():
                self.fig.draw_artist(a)
        return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


def _check_frames(frames):
    if isinstance(frames, np.ndarray) and frames.ndim == 4:
        frames = list(frames)
    if not isinstance(frames, (list, tuple)) or not frames:
        fail(TypeError if not isinstance(frames, (list, tuple)) else ValueError, "frames",
             "a non-empty list of (H, W, 3) uint8 images", describe(frames),
             "make frames with figure_frame(fig)")
    shape = None
    out = []
    for k, f in enumerate(frames):
        if not isinstance(f, np.ndarray) or f.dtype != np.uint8 or f.ndim != 3 \
                or f.shape[2] not in (3, 4):
            fail(TypeError, f"frames[{k}]", "an (H, W, 3) uint8 array", describe(f),
                 "make frames with figure_frame(fig)")
        if shape is None:
            shape = f.shape[:2]
        elif f.shape[:2] != shape:
            fail(ValueError, f"frames[{k}]", f"the same size as the first frame {shape}",
                 f"shape {f.shape}", "draw every frame with the same figure")
        out.append(np.ascontiguousarray(f[:, :, :3]))
    return out


def _check_fps(fps):
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not 0 < fps <= 50:
        fail(ValueError, "fps", "a number of frames per second in (0, 50]", describe(fps))
    return float(fps)


def gif_bytes(frames, *, fps=4.0, hold_last=1.5, loop=0) -> bytes:
    """Encode frames as an animated GIF.

    All frames share one 256-colour palette (no dithering), so colours do
    not flicker between frames and the result is deterministic.

    Parameters
    ----------
    frames : list of numpy.ndarray
        (H, W, 3) uint8 RGB frames of one size, e.g. from :func:`figure_frame`.
    fps : float, optional
        Frames per second.
    hold_last : float, optional
        Seconds the last frame stays before the animation starts again.
    loop : int, optional
        0 = repeat forever.

    Returns
    -------
    bytes
        The GIF file.

    Introduced in notebook 02_convolution.
    """
    from PIL import Image

    frames = _check_frames(frames)
    fps = _check_fps(fps)
    if isinstance(hold_last, bool) or not isinstance(hold_last, numbers.Real) or hold_last < 0:
        fail(ValueError, "hold_last", "a number of seconds >= 0", describe(hold_last))
    pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 8)).round().astype(int))
    sample = np.concatenate([frames[k] for k in pick], axis=0)
    if sample.shape[0] * sample.shape[1] > 1_000_000:   # large frames: every 2nd pixel suffices
        sample = np.ascontiguousarray(sample[::2, ::2])
    palette = Image.fromarray(sample).quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    ims = [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE)
           for f in frames]
    ms = int(round(1000 / fps))
    durations = [ms] * len(ims)
    durations[-1] = max(ms, int(round(1000 * hold_last)))
    buf = io.BytesIO()
    ims[0].save(buf, format="GIF", save_all=True, append_images=ims[1:], duration=durations,
                loop=loop, optimize=True, disposal=1)
    return buf.getvalue()


def save_gif(gif, path) -> str:
    """Write GIF bytes (or a list of frames, encoded with :func:`gif_bytes`) to ``path``.

    Returns
    -------
    str
        The path written.

    Introduced in notebook 02_convolution.
    """
    if not isinstance(gif, (bytes, bytearray)):
        gif = gif_bytes(gif)
    if not isinstance(path, (str, os.PathLike)):
        fail(TypeError, "path", "a file name (str or pathlib.Path)", describe(path))
    with open(path, "wb") as fh:
        fh.write(gif)
    return os.fspath(path)


def _gif_data(path_or_bytes) -> bytes:
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data = bytes(path_or_bytes)
    elif isinstance(path_or_bytes, (str, os.PathLike)):
        if not os.path.exists(path_or_bytes):
            fail(ValueError, "path_or_bytes", "an existing GIF file or GIF bytes",
                 f"missing file {os.fspath(path_or_bytes)!r}",
                 "make it first, e.g. animate_sliding_window(image, kernel, path=...)")
        with open(path_or_bytes, "rb") as fh:
            data = fh.read()
    else:
        fail(TypeError, "path_or_bytes", "a file path or GIF bytes", describe(path_or_bytes))
    if not data.startswith((b"GIF87a", b"GIF89a")):
        fail(ValueError, "path_or_bytes", "a GIF (starting with b'GIF8')",
             f"data starting with {data[:6]!r}", "pass what gif_bytes or animate_* returned")
    return data


def gif_image(path_or_bytes):
    """An ``IPython.display.Image`` of a GIF (an ``image/gif`` output when displayed).

    Introduced in notebook 02_convolution.
    """
    from IPython.display import Image

    return Image(data=_gif_data(path_or_bytes), format="gif")


def show_gif(path_or_bytes):
    """Display a GIF inline in a notebook; it plays with no kernel and no network.

    Parameters
    ----------
    path_or_bytes : str, pathlib.Path or bytes
        A GIF file or the bytes returned by :func:`gif_bytes` / ``animate_*``.

    Returns
    -------
    None
        The GIF is displayed with ``IPython.display.display`` (an
        ``image/gif`` output); nothing is returned, so a cell ending with
        ``show_gif(...)`` shows it once. :func:`gif_image` returns the object
        instead.

    Introduced in notebook 01_filtering.
    """
    from IPython.display import display

    display(gif_image(path_or_bytes))


# ---------------------------------------------------------------------------
# the sliding window
# ---------------------------------------------------------------------------

def _frame_positions(n_positions: int, max_frames: int) -> np.ndarray:
    """Indices of the window positions drawn (all of them when they fit)."""
    if n_positions <= max_frames:
        return np.arange(n_positions)
    return np.unique(np.linspace(0, n_positions - 1, max_frames).round().astype(int))


def animate_sliding_window(image, kernel, path=None, *, max_frames=64, fps=4.0, dpi=72,
                           annotate=False):
    """Animate a kernel sliding over a small image, filling the output map.

    Each frame moves the window one step (row by row, left to right) and
    fills in the output pixel it computes; the text under the output gives
    its value. The last frame (held longer) shows the whole output.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) a small grayscale image (e.g. 8x8 to 16x16).
    kernel : numpy.ndarray
        (KH, KW).
    path : str or pathlib.Path, optional
        Also write the GIF there.
    max_frames : int, optional
        With more window positions than this, evenly spaced ones are drawn
        (the output still fills in completely).
    fps : float, optional
        Frames per second.
    dpi : int, optional
        Resolution; the default keeps the GIF well under 1 MB.
    annotate : bool, optional
        Write the input's values in its cells (default False: at GIF
        resolution they are too small to read; the value of each output pixel
        is written under the output).

    Returns
    -------
    bytes
        The GIF; show it with :func:`show_gif`.

    Introduced in notebook 01_filtering.
    """
    from ..filters import correlate2d

    check_real_array(image, "image", ndim=2, layout="(H, W)",
                     hint="use a small grayscale crop, e.g. to_grayscale(photo)[100:112, 80:92]")
    check_real_array(kernel, "kernel", ndim=2, layout="(KH, KW)")
    max_frames = check_positive_int(max_frames, "max_frames")
    dpi = check_positive_int(dpi, "dpi")
    img = np.asarray(image, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    (h, w), (kh, kw) = img.shape, k.shape
    if h > 64 or w > 64:
        fail(ValueError, "image", "at most 64x64 pixels for an animation",
             f"shape {img.shape}", "crop a small piece, e.g. image[:16, :16]")
    if kh > h or kw > w:
        fail(ValueError, "kernel", f"at most the image's size {h}x{w}", f"shape {k.shape}")
    out = correlate2d(img, k, padding="valid")
    oh, ow = out.shape
    fig = _agg_figure((9.0, 4.0), dpi)
    gs = fig.add_gridspec(2, 3, width_ratios=[w, max(kw, 0.5 * w), ow], height_ratios=[1, 0.1])
    ax_in, ax_k, ax_out = (fig.add_subplot(gs[0, c]) for c in range(3))
    ax_text = fig.add_subplot(gs[1, :])
    ax_text.axis("off")
    cmap, lo, hi = image_scale(img)
    im_in = ax_in.imshow(img, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    cell_grid(ax_in, h, w, color="0.75", lw=0.5)
    if annotate:
        annotate_cells(ax_in, img, im_in)
    ax_in.set_title(f"input {h}x{w}")
    rect = window_rectangle(ax_in, 0, 0, kh, kw)
    from .pictures import show_kernel

    show_kernel(ax_k, k, fontsize=12 if max(kh, kw) <= 3 else 9)
    ax_k.set_title("kernel")
    ocmap, olo, ohi = image_scale(out)
    import matplotlib as mpl

    cm = mpl.colormaps[ocmap].with_extremes(bad="white")
    shown = np.full_like(out, np.nan)
    im_out = ax_out.imshow(shown, cmap=cm, vmin=olo, vmax=ohi, interpolation="nearest")
    cell_grid(ax_out, oh, ow, color="0.75", lw=0.5)
    pix = window_rectangle(ax_out, 0, 0, 1, 1)
    ax_out.set_title(f"output {oh}x{ow}")
    label = ax_text.text(0.5, 0.5, "", ha="center", va="center", fontsize=15,
                         transform=ax_text.transAxes)
    fig.suptitle("correlate2d: slide the kernel, multiply, add up")
    grid_out = ax_out.collections[-1]
    blit = _Blitter(fig, [im_out, grid_out, rect, pix, label])
    frames = []
    positions = _frame_positions(oh * ow, max(1, max_frames - 1))
    flat = shown.reshape(-1)
    for p in positions:
        i, j = divmod(int(p), ow)
        flat[: p + 1] = out.reshape(-1)[: p + 1]
        im_out.set_data(shown)
        rect.set_xy((j - 0.5, i - 0.5))
        pix.set_xy((j - 0.5, i - 0.5))
        label.set_text(f"out[{i}, {j}] = {format_number(out[i, j])}")
        frames.append(blit.frame())
    # final frame: the complete output, no window
    im_out.set_data(out)
    rect.set_visible(False)
    pix.set_visible(False)
    label.set_text("done: every position computed")
    frames.append(blit.frame())
    data = gif_bytes(frames, fps=fps, hold_last=2.5)
    if path is not None:
        save_gif(data, path)
    return data


# ---------------------------------------------------------------------------
# training snapshots
# ---------------------------------------------------------------------------

def animate_snapshots(snapshots, layer="conv1", probe_index=0, path=None, *, max_frames=30,
                      fps=3.0, dpi=100, probe=None, vmax=None, fmax=None, numbers=False):
    """Animate how a layer's kernels and a probe image's feature maps change in training.

    One frame per recorded :class:`~cnnlesson.train.Snapshot` (evenly spaced
    ones when there are more than ``max_frames``; the first and last are
    always included), titled with the step, epoch, loss and accuracy. Each
    frame is a :class:`~cnnlesson.viz.SnapshotView`: for conv2 and conv3 a
    grid with one column per filter and one row per input channel (labelled
    "from conv1 filter j", ...), the filters' feature maps below. The colour
    scales are fixed over *all* frames (symmetric, from the largest |weight|
    and |response| of the whole run, or ``vmax`` / ``fmax``) and stated on
    the figure, so growing weights look stronger rather than being
    re-stretched every frame. 1300 px wide at the default ``dpi``. Should
    the GIF exceed :data:`MAX_GIF_BYTES`, every other frame is dropped
    (keeping the first and the last) until it fits.

    Parameters
    ----------
    snapshots : cnnlesson.train.Snapshots or list of Snapshot
        The recorded run.
    layer : str, optional
        A recorded conv layer: "conv1" (default), "conv2", "conv3".
    probe_index : int, optional
        Which probe image's feature maps to show.
    path : str or pathlib.Path, optional
        Also write the GIF there.
    max_frames : int, optional
        At most this many frames.
    fps : float, optional
        Frames per second.
    dpi : int, optional
        Resolution (100: 1300 px wide); the GIF stays under 1 MB.
    probe : numpy.ndarray, optional
        (P, C, H, W) probe images to draw (default: ``snapshots.probe``).
    vmax, fmax : float, optional
        Fixed half-widths of the kernel and map colour scales (default: the
        largest |value| over all frames).
    numbers : bool, optional
        Write each weight in its cell.

    Returns
    -------
    bytes
        The GIF; show it with :func:`show_gif`.

    Introduced in notebook 04_backprop.
    """
    recs = snapshot_records(snapshots)
    max_frames = check_positive_int(max_frames, "max_frames")
    dpi = check_positive_int(dpi, "dpi")
    if probe is None:
        probe = getattr(snapshots, "probe", None)
    fig = _agg_figure(snapshot_figsize(recs, layer), dpi)
    view = SnapshotView(fig, recs, layer, probe_index, probe=probe, vmax=vmax, fmax=fmax,
                        numbers=numbers)
    idx = np.unique(np.linspace(0, len(recs) - 1, min(len(recs), max_frames))
                    .round().astype(int))
    dynamic = [*view.grid.dynamic, view.title]
    blit = _Blitter(fig, dynamic)
    frames = []
    for k in idx:
        view.update(int(k))
        frames.append(blit.frame())
    data = gif_bytes(frames, fps=fps, hold_last=2.0)
    while len(data) > MAX_GIF_BYTES and len(frames) > 2:
        # too big (a tall conv3 grid, many frames): keep every other frame, and the last
        frames = frames[:-1:2] + [frames[-1]]
        data = gif_bytes(frames, fps=fps, hold_last=2.0)
    if path is not None:
        save_gif(data, path)
    return data
