"""LiveView: watch a network learn while :func:`cnnlesson.train.fit` runs.

In a notebook, one picture is updated in place (an ``IPython.display``
display handle): the loss and accuracy so far, the first conv layer's kernels
and its feature maps on a probe image. Outside a notebook it does nothing.

Keeping training fast
---------------------
Each refresh draws only the parts that change onto a saved background
("blitting") and sends one small PNG, a few milliseconds. On top of that a
time budget holds the cost of all refreshes below ``max_overhead`` (15 %) of
the time spent training: a due refresh is skipped when it would exceed the
budget, so the live view never slows a fast run by more than about that.
The final state is always drawn when training ends.
"""

from __future__ import annotations

import functools
import io
import numbers
import time

import numpy as np

from .._validate import check_finite, check_float_array, check_positive_int, describe, fail
from ..train import Callback
from ._base import SIGNED_CMAP, symmetric_limit
from .snapshots import kernel_blocks, tile_grid

__all__ = ["LiveView", "in_notebook"]


def in_notebook() -> bool:
    """True when running inside a Jupyter kernel (notebook, JupyterLab, VS Code)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of ipywidgets
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def _ipython_display(obj, display_id=True):
    from IPython.display import display

    return display(obj, display_id=display_id)


def _first_conv(model):
    for layer in getattr(model, "layers", []):
        w = getattr(getattr(layer, "weight", None), "data", None)
        if isinstance(w, np.ndarray) and w.ndim == 4:
            return layer
    return None


class LiveView(Callback):
    """A :class:`~cnnlesson.train.Callback` that redraws a live training picture.

    Pass it to ``fit(..., callbacks=[LiveView()])``. In a notebook one image
    is displayed when training starts and updated in place every ``every``
    optimiser steps: smoothed training loss and accuracy so far, the first
    conv layer's kernels and, when ``probe`` is given, that layer's feature
    maps (before ReLU) on the probe image. Kernel and map colours use a
    symmetric scale around 0 whose size is written in the panel title (it
    grows as the weights grow). Outside a notebook it does nothing.

    Parameters
    ----------
    every : int, optional
        Refresh every ``every`` optimiser steps (20).
    probe : numpy.ndarray, optional
        (C, H, W) one image, or (P, C, H, W) whose first image is used.
    max_overhead : float or None, optional
        Skip refreshes that would make the live view cost more than this
        fraction of the training time (0.15). None: never skip (every
        ``every`` steps, whatever it costs).
    dpi : int, optional
        Resolution of the picture.
    display : callable, optional
        ``display(obj, display_id=True) -> handle`` with ``handle.update(obj)``;
        default: ``IPython.display.display`` when running in a notebook, and
        nothing otherwise. Tests and benchmarks pass a stub.

    Attributes
    ----------
    active : bool
        Whether this run draws (set at ``on_train_begin``).
    frames : int
        Number of pictures sent during the last run (including the first and
        the final one).
    skipped : int
        Refreshes skipped to keep within ``max_overhead``.
    render_seconds : float
        Time spent drawing during the last run.
    last_png : bytes or None
        The last picture sent (PNG).

    Introduced in notebook 05_classifier.
    """

    #: Seconds the last figure build took, used by the budget (None: not built yet in this
    #: process; then the guess depends on whether matplotlib has loaded its fonts).
    _build_estimate = None

    def __init__(self, every=20, probe=None, *, max_overhead=0.15, dpi=80, display=None):
        self.every = check_positive_int(every, "every", "refresh every k optimiser steps")
        if probe is not None:
            check_float_array(probe, "probe", ndim=(3, 4), layout="(C, H, W) or (P, C, H, W)",
                              hint="one network input image, e.g. X_test[0]")
            check_finite(probe, "probe")
            probe = probe if probe.ndim == 4 else probe[None]
            probe = probe[:1]
        self.probe = probe
        if max_overhead is not None and (
                isinstance(max_overhead, bool) or not isinstance(max_overhead, numbers.Real)
                or not 0 < max_overhead <= 1):
            fail(ValueError, "max_overhead", "a fraction in (0, 1] or None", describe(max_overhead),
                 "0.15 lets drawing take at most 15% of the training time; None never skips")
        self.max_overhead = None if max_overhead is None else float(max_overhead)
        self.dpi = check_positive_int(dpi, "dpi")
        if display is not None and not callable(display):
            fail(TypeError, "display", "a callable like IPython.display.display",
                 describe(display))
        self._display = display
        self.active = False
        self.frames = 0
        self.skipped = 0
        self.render_seconds = 0.0
        self.last_png = None
        self._handle = None
        self._fig = None

    # -- callback methods ------------------------------------------------------------------
    def on_train_begin(self, state) -> None:
        display = self._display
        if display is None and in_notebook():
            display = _ipython_display
        self.active = display is not None
        self.frames = self.skipped = 0
        self.render_seconds = 0.0
        self._handle = None
        self._fig = None
        self._frame_cost = 0.0
        if not self.active:
            return
        self._display_fn = display
        self._conv = _first_conv(state.model)
        self._losses: list[float] = []
        self._accs: list[float] = []
        self._total_steps = max(1, state.epochs * state.steps_per_epoch)
        self._t0 = time.perf_counter()
        self._last_step_drawn = -1

    def on_batch_end(self, state) -> None:
        if not self.active:
            return
        self._losses.append(float(state.batch_loss))
        self._accs.append(float(state.batch_acc))
        if state.step % self.every:
            return
        if self.max_overhead is not None:
            elapsed = time.perf_counter() - self._t0 - self.render_seconds
            if self.render_seconds + self._expected_cost() > self.max_overhead * elapsed:
                self.skipped += 1
                return
        self._refresh(state)

    def on_train_end(self, state) -> None:
        if self.active and self._last_step_drawn != state.step:
            self._refresh(state)
        if self._fig is not None:
            self._fig = None  # free the figure; the last picture stays displayed

    # -- drawing -----------------------------------------------------------------------------
    def _expected_cost(self) -> float:
        if self._fig is None:  # the first picture also builds the figure
            if LiveView._build_estimate is None:
                return 0.08 if _fonts_loaded() else 0.4
            return LiveView._build_estimate
        return self._frame_cost

    def _refresh(self, state) -> None:
        t = time.perf_counter()
        if self._fig is None:
            self._build(state)
            LiveView._build_estimate = time.perf_counter() - t
        t1 = time.perf_counter()
        self._update(state)
        png = self._render()
        self.last_png = png
        from IPython.display import Image

        img = Image(data=png, format="png")
        if self._handle is None:
            self._handle = self._display_fn(img, display_id=True)
        else:
            self._handle.update(img)
        self.frames += 1
        self._last_step_drawn = state.step
        t2 = time.perf_counter()
        self._frame_cost = t2 - t1
        self.render_seconds += t2 - t

    def _maps(self):
        from ..functional import conv2d_forward

        conv = self._conv
        x = self.probe.astype(conv.weight.data.dtype, copy=False)
        out, _ = conv2d_forward(x, conv.weight.data, conv.bias.data, stride=conv.stride,
                                padding=conv.padding)
        return out[0]

    def _build(self, state) -> None:
        import matplotlib as mpl
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        conv = self._conv
        show_maps = conv is not None and self.probe is not None
        fig = Figure(figsize=(10.0, 3.4), dpi=self.dpi, layout="none")
        FigureCanvasAgg(fig)
        cmap = mpl.colormaps[SIGNED_CMAP].with_extremes(bad="white")
        ax_l = fig.add_axes((0.07, 0.16, 0.36 if conv is not None else 0.84, 0.66))
        epochs = max(int(np.ceil(self._total_steps / max(state.steps_per_epoch, 1))), 1)
        ax_l.set_xlim(0, self._total_steps / max(state.steps_per_epoch, 1))
        seen = np.asarray(self._losses, dtype=np.float64)
        seen = seen[np.isfinite(seen)]
        top = 1.1 * float(seen.max()) if seen.size else 0.0
        ax_l.set_ylim(0, max(2.6, top))
        ax_l.set_xlabel("epoch")
        ax_l.set_ylabel("loss", color="#0072b2")
        ax_l.xaxis.set_major_locator(MaxNLocator(nbins=min(epochs, 6), integer=True))
        ax_a = ax_l.twinx()
        ax_a.set_ylim(0, 1)
        ax_a.set_ylabel("accuracy", color="#d55e00")
        ax_a.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax_l.spines["top"].set_visible(False)
        ax_a.spines["top"].set_visible(False)
        ax_a.spines["right"].set_visible(True)
        ax_l.grid(True, alpha=0.3)
        self._loss_line, = ax_l.plot([], [], color="#0072b2", lw=2)
        self._acc_line, = ax_a.plot([], [], color="#d55e00", lw=2)
        # The changing title line is stamped with Pillow after rendering: drawing text
        # with matplotlib costs several milliseconds per refresh, Pillow a fraction of one.
        self._title_xy = (int(0.07 * fig.bbox.width), int(0.04 * fig.bbox.height))
        self._title_text = ""
        self._dynamic = [self._loss_line, self._acc_line]
        self._kimg = self._mimg = None
        if conv is not None:
            f = conv.weight.data.shape[0]
            self._ncols = int(np.ceil(np.sqrt(1.5 * f)))
            ax_k = fig.add_axes((0.535, 0.04, 0.21, 0.76))
            self._kimg = ax_k.imshow(self._kernel_mosaic(), cmap=cmap, vmin=-1, vmax=1,
                                     interpolation="nearest")
            ax_k.set_axis_off()
            ax_k.set_title(f"{conv.name} kernels", fontsize=12)
            self._dynamic.append(self._kimg)
            if show_maps:
                ax_m = fig.add_axes((0.775, 0.04, 0.21, 0.76))
                self._mimg = ax_m.imshow(self._map_mosaic(), cmap=cmap, vmin=-1, vmax=1,
                                         interpolation="nearest")
                ax_m.set_axis_off()
                ax_m.set_title("feature maps (before ReLU)", fontsize=12)
                self._dynamic.append(self._mimg)
        for a in self._dynamic:
            a.set_animated(True)
        self._fig = fig
        fig.canvas.draw()
        self._background = fig.canvas.copy_from_bbox(fig.bbox)

    def _kernel_mosaic(self):
        w = np.asarray(self._conv.weight.data, dtype=np.float64)
        return tile_grid(kernel_blocks(w), self._ncols, gap=1)

    def _map_mosaic(self):
        return tile_grid(np.asarray(self._maps(), dtype=np.float64), self._ncols, gap=2)

    def _update(self, state) -> None:
        from .results import smooth

        n = len(self._losses)
        spe = max(state.steps_per_epoch, 1)
        text = f"step {state.step}/{self._total_steps}"
        if n:
            xs = np.arange(1, n + 1) / spe
            win = max(1, min(self.every, 50))
            self._loss_line.set_data(xs, smooth(self._losses, win))
            self._acc_line.set_data(xs, smooth(self._accs, win))
            text += (f"   loss {np.mean(self._losses[-win:]):.3f}"
                     f"   accuracy {np.mean(self._accs[-win:]):.0%}")
        else:
            text += "   (before training)"
        if self._kimg is not None:
            km = self._kernel_mosaic()
            m = symmetric_limit(km)
            self._kimg.set_data(km)
            self._kimg.set_clim(-m, m)
            text += f"   |   kernels \u00b1{m:.2g}"
        if self._mimg is not None:
            mm = self._map_mosaic()
            m = symmetric_limit(mm)
            self._mimg.set_data(mm)
            self._mimg.set_clim(-m, m)
            text += f", maps \u00b1{m:.2g}"
        self._title_text = text

    def _render(self) -> bytes:
        from PIL import Image, ImageDraw

        fig = self._fig
        canvas = fig.canvas
        canvas.restore_region(self._background)
        for a in self._dynamic:
            fig.draw_artist(a)
        im = Image.fromarray(np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[:, :, :3]))
        ImageDraw.Draw(im).text(self._title_xy, self._title_text, fill=(0, 0, 0),
                                font=_title_font(self.dpi))
        buf = io.BytesIO()
        im.save(buf, format="PNG", compress_level=1)
        return buf.getvalue()


def _fonts_loaded() -> bool:
    """Whether matplotlib has already drawn text in this process (the first time is slow)."""
    try:
        from matplotlib import font_manager

        return font_manager._get_font.cache_info().currsize > 0
    except AttributeError:  # pragma: no cover - private matplotlib detail changed
        return False


@functools.cache
def _title_font(dpi: int):
    """matplotlib's DejaVu Sans at 13 points, as a Pillow font."""
    from matplotlib import font_manager
    from PIL import ImageFont

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return ImageFont.truetype(path, size=round(13 * dpi / 72))
