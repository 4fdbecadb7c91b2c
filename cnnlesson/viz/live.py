"""LiveView: watch a network learn while :func:`cnnlesson.train.fit` runs.

In a notebook, one picture is updated in place (an ``IPython.display``
display handle): the loss and accuracy so far (and the validation values
after each epoch, when ``fit`` is given ``validation``), the kernels of one
conv layer (``layer="conv1"``, ``"conv2"`` or ``"conv3"``) drawn as a
filter x input-channel grid, and below each filter its feature map on a
probe image. Outside a notebook it does nothing.

Colour scale
------------
The future is unknown while training, so the scale cannot be "the largest
weight of the run". It starts at twice the largest initial |weight| (twice
the largest initial |response| for the maps) and only ever grows: when a
value outgrows it, it widens by half again, and the picture's text line says
so ("grew at step 340"). Between such steps, colours are comparable from
frame to frame, so growing weights look stronger. ``vmax`` fixes it instead.

Keeping training fast
---------------------
Each refresh draws only the parts that change onto a saved background
("blitting") and sends one PNG, a few milliseconds. On top of that a time
budget holds the cost of all refreshes below ``max_overhead`` (15 %) of the
time spent training: a due refresh is skipped when it would exceed the
budget, so the live view never slows a fast run by more than about that.
The final state is always drawn when training ends.
"""

from __future__ import annotations

import functools
import io
import time
from numbers import Real

import numpy as np

from .._validate import check_finite, check_float_array, check_positive_int, describe, fail
from ..progress import in_notebook
from ..train import Callback

__all__ = ["LiveView", "in_notebook"]

#: Width of the live picture in inches: 1280 px at the default 80 dpi.
LIVE_WIDTH = 16.0

#: How much the live colour scale widens when a value outgrows it.
GROWTH = 1.5


def _ipython_display(obj, display_id=True):
    from IPython.display import display

    return display(obj, display_id=display_id)


def _conv_layers(model) -> list:
    return [layer for layer in getattr(model, "layers", [])
            if isinstance(getattr(getattr(layer, "weight", None), "data", None), np.ndarray)
            and layer.weight.data.ndim == 4]


class LiveView(Callback):
    """A :class:`~cnnlesson.train.Callback` that redraws a live training picture.

    Pass it to ``fit(..., callbacks=[LiveView()])``. In a notebook one image
    is displayed when training starts (the network before training) and
    updated in place every ``every`` optimiser steps: smoothed training
    loss and accuracy so far (and the validation loss and accuracy of each
    finished epoch, when ``fit`` gets
    ``validation``), the kernels of ``layer`` as a grid (a column per
    filter, a row per input channel labelled with its role) and, when
    ``probe`` is given, each filter's feature map (before ReLU) on the probe
    image under its column. Kernel and map colours use symmetric scales
    around 0 that only grow (see the module docstring), written in the
    picture's text line. 1280 px wide at the default ``dpi``. Outside a
    notebook it does nothing.

    Parameters
    ----------
    every : int, optional
        Refresh every ``every`` optimiser steps (20).
    probe : numpy.ndarray, optional
        (C, H, W) one image, or (P, C, H, W) whose first image is used.
    layer : str, optional
        The conv layer to show: "conv1" (default), "conv2", "conv3". With the
        default, a model whose first conv layer has another name shows that one.
    max_overhead : float or None, optional
        Skip refreshes that would make the live view cost more than this
        fraction of the training time (0.15). None: never skip (every
        ``every`` steps, whatever it costs).
    dpi : int, optional
        Resolution of the picture (80: 1280 px wide).
    display : callable, optional
        ``display(obj, display_id=True) -> handle`` with ``handle.update(obj)``;
        default: ``IPython.display.display`` when running in a notebook, and
        nothing otherwise. Tests and benchmarks pass a stub.
    vmax : float, optional
        Fix the kernels' colour scale to [-vmax, vmax] (it never grows).
    numbers : bool, optional
        Write each weight in its cell (slower; readable for conv1).

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
    wmax, fmax : float or None
        The current kernel and map scales of the last run.
    scale_steps : list of int
        Steps at which a scale grew during the last run.
    grid : cnnlesson.viz.layergrid.LayerGrid or None
        The drawn layer (None before drawing or without a conv layer).

    Introduced in notebook 05_classifier.
    """

    #: Seconds the last figure build took, used by the budget (None: not built yet in this
    #: process; then the guess depends on whether matplotlib has loaded its fonts).
    _build_estimate = None

    def __init__(self, every=20, probe=None, *, layer="conv1", max_overhead=0.15, dpi=80,
                 display=None, vmax=None, numbers=False):
        self.every = check_positive_int(every, "every", "refresh every k optimiser steps")
        if probe is not None:
            check_float_array(probe, "probe", ndim=(3, 4), layout="(C, H, W) or (P, C, H, W)",
                              hint="one network input image, e.g. X_test[0]")
            check_finite(probe, "probe")
            probe = probe if probe.ndim == 4 else probe[None]
            probe = probe[:1]
        self.probe = probe
        if not isinstance(layer, str):
            fail(TypeError, "layer", "a conv layer name such as 'conv1' or 'conv2'",
                 describe(layer))
        self.layer = layer
        if max_overhead is not None and (
                isinstance(max_overhead, bool) or not isinstance(max_overhead, Real)
                or not 0 < max_overhead <= 1):
            fail(ValueError, "max_overhead", "a fraction in (0, 1] or None", describe(max_overhead),
                 "0.15 lets drawing take at most 15% of the training time; None never skips")
        self.max_overhead = None if max_overhead is None else float(max_overhead)
        self.dpi = check_positive_int(dpi, "dpi")
        if display is not None and not callable(display):
            fail(TypeError, "display", "a callable like IPython.display.display",
                 describe(display))
        if vmax is not None:
            from ._base import symmetric_limit

            vmax = symmetric_limit(vmax=vmax)
        self.vmax = vmax
        self.numbers = bool(numbers)
        self._display = display
        self.active = False
        self.frames = 0
        self.skipped = 0
        self.render_seconds = 0.0
        self.last_png = None
        self.wmax = self.fmax = None
        self.scale_steps: list[int] = []
        self.grid = None
        self._handle = None
        self._fig = None

    # -- callback methods ------------------------------------------------------------------
    def on_train_begin(self, state) -> None:
        self._conv = self._find_layer(state.model)
        display = self._display
        if display is None and in_notebook():
            display = _ipython_display
        self.active = display is not None
        self.frames = self.skipped = 0
        self.render_seconds = 0.0
        self._handle = None
        self._fig = None
        self.grid = None
        self._frame_cost = 0.0
        self.wmax = self.fmax = None
        self.scale_steps = []
        if not self.active:
            return
        self._display_fn = display
        self._losses: list[float] = []
        self._accs: list[float] = []
        self._total_steps = max(1, state.epochs * state.steps_per_epoch)
        self._model_layers = list(getattr(state.model, "layers", []))
        if self._conv is not None:  # the scales start at twice the initial largest values
            from ._base import symmetric_limit

            self._start_wmax = 2 * symmetric_limit(self._weights())
            self._start_fmax = 2 * symmetric_limit(self._maps()) if self.probe is not None \
                else None
        self._last_step_drawn = -1
        self._val_drawn = 0
        # the first picture, before training: the starting kernels, and a display placed
        # above anything shown later in the same cell (such as fit's progress line)
        self._refresh(state)
        self._t0 = time.perf_counter() - self.render_seconds

    def _find_layer(self, model):
        convs = _conv_layers(model)
        for c in convs:
            if c.name == self.layer:
                return c
        if self.layer == "conv1":  # the default: the first conv layer, whatever its name
            return convs[0] if convs else None
        fail(ValueError, "layer", f"a conv layer of the model {[c.name for c in convs]}",
             repr(self.layer), "see model.summary(...) for the layer names")
        return None  # pragma: no cover

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
        if self.active and (self._last_step_drawn != state.step
                            or self._val_drawn != len(state.history.epoch_val_loss)):
            self._refresh(state)  # the final state, with the last epoch's validation
        if self._fig is not None:
            self._fig = None  # free the figure; the last picture stays displayed

    # -- drawing -----------------------------------------------------------------------------
    def _expected_cost(self) -> float:
        if self._fig is None:  # the first picture also builds the figure
            if LiveView._build_estimate is None:
                return 0.15 if _fonts_loaded() else 0.5
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

    def _weights(self):
        return np.asarray(self._conv.weight.data, dtype=np.float64)

    def _maps(self):
        """The layer's output (before ReLU) on the probe: (F, H, W); caches untouched."""
        x = self.probe.astype(self._conv.weight.data.dtype, copy=False)
        for layer in self._model_layers:
            x = layer.forward(x, keep_cache=False)
            if layer is self._conv:
                break
        return np.asarray(x[0], dtype=np.float64)

    def _build(self, state) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        from .layergrid import MAP_GAP, LayerGrid, channel_roles, previous_conv

        conv = self._conv
        show_maps = conv is not None and self.probe is not None
        w0 = self._weights() if conv is not None else None
        m0 = self._maps() if show_maps else None
        if conv is not None:
            f, c = w0.shape[:2]
            rows = c + (MAP_GAP + 1 if show_maps else 0)
            unit = min(1.0, 0.37 * LIVE_WIDTH / f)
            height = float(np.clip(unit * rows + 1.45, 4.2, 10.0))
        else:
            height = 4.2
        fig = Figure(figsize=(LIVE_WIDTH, height), dpi=self.dpi, layout="none")
        FigureCanvasAgg(fig)
        # inches: the stamped text line on top, then the legend; the x label at the bottom
        top_in, legend_in, bottom_in = 0.45, 0.5, 0.6
        curves_h = min(3.4, height - top_in - legend_in - bottom_in)
        curves_y = bottom_in + (height - top_in - legend_in - bottom_in - curves_h) / 2
        ax_l = fig.add_axes((0.045, curves_y / height, 0.26 if conv is not None else 0.86,
                             curves_h / height))
        spe = max(state.steps_per_epoch, 1)
        epochs = max(int(np.ceil(self._total_steps / spe)), 1)
        ax_l.set_xlim(0, self._total_steps / spe)
        seen = np.asarray(self._losses, dtype=np.float64)
        seen = seen[np.isfinite(seen)]
        top = 1.1 * float(seen.max()) if seen.size else 0.0
        ax_l.set_ylim(0, max(3.0, top))
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
        self._loss_line, = ax_l.plot([], [], color="#0072b2", lw=2, label="training loss")
        self._acc_line, = ax_a.plot([], [], color="#d55e00", lw=2, label="training accuracy")
        self._val_loss_line, = ax_l.plot([], [], color="#0072b2", lw=1.5, ls="--", marker="o",
                                         ms=3, label="validation loss")
        self._val_acc_line, = ax_a.plot([], [], color="#d55e00", lw=1.5, ls="--", marker="o",
                                        ms=3, label="validation accuracy")
        self._ax_l, self._ax_a = ax_l, ax_a
        self._legend_has_val = False
        self._set_legend()
        # The changing text line is stamped with Pillow after rendering: drawing text
        # with matplotlib costs several milliseconds per refresh, Pillow a fraction of one.
        self._title_xy = (int(0.05 * fig.bbox.width), int(0.12 * self.dpi))
        self._title_text = ""
        self._dynamic = [self._loss_line, self._acc_line, self._val_loss_line,
                         self._val_acc_line]
        self.grid = None
        if conv is not None:
            self.wmax = self.vmax if self.vmax is not None else self._start_wmax
            self.fmax = self._start_fmax if show_maps else None
            grid_top = height - top_in - 0.75   # the grid's title, "filter", filter numbers
            ax_g = fig.add_axes((0.47, 0.2 / height, 0.37, (grid_top - 0.2) / height))
            names = [layer.name for layer in _conv_layers(state.model)]
            shapes = {layer.name: layer.weight.data.shape for layer in _conv_layers(state.model)}
            labels = channel_roles(conv.name, c, previous_conv(names, shapes, conv.name))
            self.grid = LayerGrid(ax_g, w0, m0, wmax=self.wmax, fmax=self.fmax,
                                  channel_labels=labels, numbers=self.numbers)
            ax_g.set_title(f"{conv.name}: {f} filter{'s' if f > 1 else ''} x {c} input channel"
                           f"{'s' if c > 1 else ''}", fontsize=12, pad=6)
            cb_h = (grid_top - 0.5) / height
            cax_w = fig.add_axes((0.865, 0.35 / height, 0.01, cb_h))
            fig.colorbar(self.grid.kernel_image, cax=cax_w, label="kernel weight")
            if show_maps:
                cax_m = fig.add_axes((0.93, 0.35 / height, 0.01, cb_h))
                fig.colorbar(self.grid.map_image, cax=cax_m, label="map response")
            self._dynamic += self.grid.dynamic
        for a in self._dynamic:
            a.set_animated(True)
        self._fig = fig
        self._save_background()

    def _set_legend(self):
        lines = [self._loss_line, self._acc_line]
        if self._legend_has_val:
            lines += [self._val_loss_line, self._val_acc_line]
        self._ax_a.legend(lines, [ln.get_label() for ln in lines], loc="lower center",
                          bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=10, frameon=False)

    def _save_background(self):
        """Draw every static artist (axes, labels, colour bars) once and keep the pixels."""
        self._fig.canvas.draw()
        self._background = self._fig.canvas.copy_from_bbox(self._fig.bbox)
        if getattr(self, "_palette", None) is None or self._palette_fig is not self._fig:
            self._palette = _palette_for(self._fig, self._dynamic)
            self._palette_fig = self._fig

    def _grown(self, current, seen):
        """The scale after seeing ``seen`` (largest |value|): unchanged, or widened."""
        if seen <= current:
            return current
        return max(seen, GROWTH * current)

    def _update(self, state) -> None:
        from .results import smooth

        n = len(self._losses)
        spe = max(state.steps_per_epoch, 1)
        text = f"step {state.step}/{self._total_steps}"
        rebuild = False
        if n:
            xs = np.arange(1, n + 1) / spe
            win = max(1, min(self.every, 50))
            sl = smooth(self._losses, win)
            self._loss_line.set_data(xs, sl)
            fin = np.asarray(sl)[np.isfinite(sl)]
            top = float(fin.max()) if fin.size else 0.0
            if top > self._ax_l.get_ylim()[1]:   # rare: a loss above the axis
                self._ax_l.set_ylim(0, 1.15 * top)
                rebuild = True
            self._acc_line.set_data(xs, smooth(self._accs, win))
            text += (f"   loss {np.mean(self._losses[-win:]):.3f}"
                     f"   accuracy {np.mean(self._accs[-win:]):.0%}")
        else:
            text += "   (before training)"
        h = state.history
        self._val_drawn = len(h.epoch_val_loss)
        if h.epoch_val_loss:
            ex = np.arange(1, len(h.epoch_val_loss) + 1)
            self._val_loss_line.set_data(ex, h.epoch_val_loss)
            self._val_acc_line.set_data(ex, h.epoch_val_acc)
            text += f"   validation accuracy {h.epoch_val_acc[-1]:.0%}"
            if not self._legend_has_val:
                self._legend_has_val = True
                self._set_legend()
                rebuild = True
        if self.grid is not None:
            w = self._weights()
            maps = self._maps() if self.grid.map_image is not None else None
            wmax, fmax = self.wmax, self.fmax
            if self.vmax is None:
                wmax = self._grown(wmax, float(np.abs(w).max()))
            if maps is not None:
                fmax = self._grown(fmax, float(np.abs(maps).max()))
            if (wmax, fmax) != (self.wmax, self.fmax):
                self.wmax, self.fmax = wmax, fmax
                self.grid.set_limits(wmax, fmax)
                self.scale_steps.append(state.step)
                rebuild = True
            self.grid.set(w, maps)
            text += f"   |   colour scale: kernels \u00b1{self.wmax:.2g}"
            if maps is not None:
                text += f", maps \u00b1{self.fmax:.2g}"
            text += (f" (grew at step {self.scale_steps[-1]})" if self.scale_steps
                     else " (fixed)" if self.vmax is not None and maps is None
                     else " (fixed until a value outgrows it)")
        if rebuild:
            self._save_background()
        self._title_text = text

    def _render(self) -> bytes:
        from PIL import Image, ImageDraw

        fig = self._fig
        canvas = fig.canvas
        canvas.restore_region(self._background)
        for a in self._dynamic:
            fig.draw_artist(a)
        w, h = canvas.get_width_height()
        im = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        im = im.convert("RGB")
        ImageDraw.Draw(im).text(self._title_xy, self._title_text, fill=(0, 0, 0),
                                font=_title_font(self.dpi))
        # One 256-colour palette made when the figure is built (its pixels plus every
        # colour of the colormap): mapping to it and writing an 8-bit PNG takes a
        # fraction of the time of a full-colour PNG, and makes a smaller picture.
        im = im.quantize(palette=self._palette, dither=Image.Dither.NONE)
        buf = io.BytesIO()
        im.save(buf, format="PNG", compress_level=1)
        return buf.getvalue()


def _palette_for(fig, dynamic):
    """A 256-colour palette for the live picture: the static pixels, the colormaps, the lines."""
    import matplotlib as mpl
    from PIL import Image

    rgb = np.asarray(fig.canvas.buffer_rgba())[::3, ::3, :3]   # a sample is enough
    extra = [mpl.colormaps["RdBu_r"](np.linspace(0, 1, 256))[:, :3]]
    for a in dynamic:
        if hasattr(a, "get_cmap"):
            extra.append(a.get_cmap()(np.linspace(0, 1, 256))[:, :3])
        elif hasattr(a, "get_color"):
            c = np.asarray(mpl.colors.to_rgb(a.get_color()))
            extra.append(c + (1 - c) * np.linspace(0, 1, 16)[:, None])  # with its anti-aliasing
    extra.append(np.repeat(np.linspace(0, 1, 64)[:, None], 3, axis=1))  # grays of the text
    ramp = (np.concatenate(extra) * 255).round().astype(np.uint8)
    # the ramps weigh as much as the whole static picture in the palette's choice
    reps = max(1, rgb.shape[0] * rgb.shape[1] // (ramp.shape[0] * 8))
    strip = np.repeat(ramp[None], 8 * reps, axis=0).reshape(-1, 3)
    pixels = np.concatenate([rgb.reshape(-1, 3), strip])
    side = int(np.ceil(np.sqrt(len(pixels))))
    pad = np.full((side * side - len(pixels), 3), 255, dtype=np.uint8)
    square = np.concatenate([pixels, pad]).reshape(side, side, 3)
    return Image.fromarray(square).quantize(256, method=Image.Quantize.MEDIANCUT)


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
