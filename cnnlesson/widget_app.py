"""The machinery behind every explorer: :class:`WidgetApp` and :class:`StillBox`.

A :class:`WidgetApp` holds controls (sliders, menus, number boxes) above an ``Output``
widget whose picture follows the controls. The picture is rendered to a PNG and placed in
the ``Output`` widget's own state (``Output.outputs``) rather than displayed inside a
``with output:`` block: that way it reaches the browser through the widget alone, and a
notebook test (nbval), which has no widget front end, sees no stray figure in the cell's
outputs.

Answering at once
-----------------
A response feels instant below about 100 ms. Re-drawing a whole matplotlib figure with a
few hundred numbers written in cells takes several times that, so an explorer may pass a
``refresh`` function that changes only what a control affects (``set_data`` on an image,
``set_text``, ``set_xy`` on a rectangle) and a ``dynamic`` function naming those artists.
The figure is then drawn once, with the dynamic artists left out, into an Agg canvas that
is kept; each interaction restores that background, draws only the dynamic artists on it
and encodes the pixels as a PNG (fast zlib level). Figures are rendered at most
:data:`MAX_WIDTH_PX` pixels wide, about the width of a notebook cell.

A notebook opened before its cells run
--------------------------------------
JupyterLab shows a saved output of a notebook it has not trusted (any notebook it did not
run itself, e.g. every notebook as shipped) in its richest *safe* form. A widget's bundle
used to hold only the widget view and ``text/plain``, so a learner saw the text form
``VBox(children=(FloatSlider(...``. :class:`StillBox` (the box of every app) adds
``image/png``, a still picture of the current figure captioned "run this cell to use the
controls", and a one-line ``text/plain`` note; a running kernel still shows the live widget.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

__all__ = ["MAX_WIDTH_PX", "STILL_NOTE", "StillBox", "WidgetApp", "png_bytes"]  # noqa: F822

#: Widest picture an explorer renders, in pixels (about a notebook cell's width).
MAX_WIDTH_PX = 1000

#: What a saved widget shows before its cell runs (its text form and the caption of its
#: still picture).
STILL_NOTE = "Interactive explorer: run this cell to use its controls."
_STILL_CAPTION = "Still picture saved with the notebook. Run this cell to use the controls."
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _output_pngs(widget, seen=None) -> list:
    """Base64 PNGs held by the ``Output`` widgets inside ``widget``, in display order."""
    import ipywidgets as widgets

    seen = set() if seen is None else seen
    if id(widget) in seen:
        return []
    seen.add(id(widget))
    if isinstance(widget, widgets.Output):
        return [o["data"]["image/png"] for o in widget.outputs
                if isinstance(o.get("data"), dict) and "image/png" in o["data"]]
    found = []
    for child in getattr(widget, "children", ()) or ():
        found.extend(_output_pngs(child, seen))
    return found


def _captioned_png(png_b64: str, caption: str = _STILL_CAPTION) -> str:
    """The base64 PNG with ``caption`` written in a band above it (for a still picture)."""
    import base64
    import io

    from matplotlib import font_manager
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.open(io.BytesIO(base64.b64decode(png_b64))).convert("RGB")
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), 15)
    band = 30
    width = max(picture.width, int(font.getlength(caption)) + 20)
    still = Image.new("RGB", (width, picture.height + band), "white")
    draw = ImageDraw.Draw(still)
    draw.rectangle([0, 0, width - 1, band - 5], fill="#fff4e0")
    draw.text((10, (band - 5) // 2), caption, fill="#5a3b00", font=font, anchor="lm")
    still.paste(picture, (0, band))
    buf = io.BytesIO()
    still.save(buf, format="PNG", optimize=False, compress_level=6)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _still_bundle(widget, bundle: dict) -> dict:
    """Add a one-line note and a still picture to a widget's display bundle.

    JupyterLab shows a saved widget output of a notebook it has not trusted (any notebook
    it did not run itself) in its richest *safe* form; with only ``text/plain`` beside the
    widget view that used to be ``VBox(children=(...``. With ``image/png`` beside it, the
    still picture (captioned: run the cell to use it) shows instead; a running kernel, and
    a trusted notebook with saved widget state, still show the live widget.
    """
    bundle = dict(bundle)
    # a box may carry its own saved text (e.g. a quiz: its questions); else the one-line note
    bundle["text/plain"] = getattr(widget, "still_text", STILL_NOTE)
    pngs = _output_pngs(widget)
    if pngs and _WIDGET_VIEW in bundle:
        bundle["image/png"] = _captioned_png(pngs[0])
    return bundle


def _still_box_class():
    cached = globals().get("StillBox")
    if cached is not None:
        return cached
    import ipywidgets as widgets

    class StillBox(widgets.VBox):
        """A ``VBox`` that is saved with a still picture and a note to run its cell.

        Displayed in a running notebook it is an ordinary ``VBox``. Its display bundle
        also holds ``text/plain`` = its ``still_text`` attribute if set, else
        :data:`STILL_NOTE`, and ``image/png`` = the first picture
        of its ``Output`` widgets with a caption saying to run the cell, which is what a
        freshly opened notebook shows before the cell has run.

        Parameters
        ----------
        children : list of widgets
            As for ``ipywidgets.VBox``.

        Introduced in notebook 00_start_here.
        """

        def _repr_mimebundle_(self, **kwargs):
            return _still_bundle(self, super()._repr_mimebundle_(**kwargs))

    StillBox.__module__ = __name__
    StillBox.__qualname__ = "StillBox"
    globals()["StillBox"] = StillBox
    return StillBox


def __getattr__(name):
    # StillBox subclasses ipywidgets.VBox; built on first use, so importing the module
    # does not import ipywidgets.
    if name == "StillBox":
        return _still_box_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def png_bytes(rgba: np.ndarray, compress_level: int = 1) -> bytes:
    """Encode an (H, W, 4) uint8 canvas buffer as PNG (RGB), quickly.

    Introduced in notebook 01_filtering.
    """
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(
        buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


class WidgetApp:
    """Controls plus an output area whose picture follows the controls.

    Parameters
    ----------
    controls : dict
        Name -> ipywidgets control with a ``value``; the names are the keyword
        arguments passed to ``draw`` and ``refresh``.
    draw : callable
        ``draw(fig, **values) -> result``: draws into the empty Figure ``fig``.
    figsize : tuple of float
        Size of each new figure, in inches.
    layout : list of widgets, optional
        How to arrange the controls (default: all in one row).
    title : str, optional
        A line of text above the controls.
    refresh : callable, optional
        ``refresh(result, **values) -> result or None``: brings the figure drawn by
        ``draw`` up to date in place, changing only the artists listed by ``dynamic``;
        None means it cannot (the figure is then drawn afresh).
    dynamic : callable, optional
        ``dynamic(result) -> list of artists`` (Axes, Text, patches...) that ``refresh``
        may change; everything else is drawn once and reused.
    max_width : float, optional
        Widest picture in pixels (default :data:`MAX_WIDTH_PX`): the figure is rendered at
        the course's dpi or less, so that it is at most this wide.

    Attributes
    ----------
    controls, output, widget, figure, result, error, redraws
        The controls; the ``Output``; the whole box (a :class:`StillBox`); the current
        Figure; what ``draw``/``refresh`` returned; the message shown instead of a picture
        (or None); how many pictures were rendered so far.
    rebuilds : int
        How many times the figure was drawn from scratch.
    timings : list of float
        Seconds each update took in the kernel (computing, drawing and encoding).

    Introduced in notebook 00_start_here.
    """

    def __init__(self, controls, draw, *, figsize=(10, 5), layout=None, title=None,
                 refresh=None, dynamic=None, max_width=MAX_WIDTH_PX):
        import ipywidgets as widgets
        import matplotlib as mpl

        self.controls = dict(controls)
        self._draw = draw
        self._refresh = refresh
        self._dynamic_of = dynamic
        self._figsize = figsize
        self._dpi = float(min(mpl.rcParams["figure.dpi"], max_width / figsize[0]))
        self._hold = 0
        self._canvas = self._background = None
        self._dynamic = []
        self.figure = None
        self.result = None
        self.error = None
        self.redraws = 0
        self.rebuilds = 0
        self.timings = []
        self.output = widgets.Output()
        rows = []
        if title:
            rows.append(widgets.HTML(f"<b>{title}</b>"))
        rows.extend(layout if layout is not None else [widgets.HBox(list(self.controls.values()))])
        rows.append(self.output)
        self.widget = _still_box_class()(rows)
        for w in self.controls.values():
            w.observe(self._on_change, names="value")
        self.update(raise_errors=True)

    @property
    def values(self) -> dict:
        """The current value of every control."""
        return {k: w.value for k, w in self.controls.items()}

    @contextlib.contextmanager
    def hold(self):
        """Change several controls at once with a single redraw at the end."""
        self._hold += 1
        try:
            yield self
        finally:
            self._hold -= 1
        if not self._hold:
            self.update()

    def _on_change(self, change) -> None:
        if not self._hold:
            self.update()

    def update(self, raise_errors: bool = False):
        """Bring the picture up to date with the controls; return the new ``result``."""
        start = time.perf_counter()
        values = self.values
        try:
            refreshed = None
            if self._refresh is not None and self._background is not None:
                refreshed = self._refresh(self.result, **values)
            if refreshed is None:
                self._build(values)
            else:
                self.result = refreshed
            self.error = None
            png = self._render(rebuilt=refreshed is None)
        except (ValueError, TypeError) as err:
            if raise_errors:
                raise
            self.error = f"{type(err).__name__}: {err}"
            self._background = None  # the figure may be half changed: draw afresh next time
        self.redraws += 1
        self.output.outputs = (self._error_output() if self.error else self._figure_output(png),)
        self.timings.append(time.perf_counter() - start)
        return self.result

    def _build(self, values) -> None:
        from matplotlib.figure import Figure

        # A plain Figure, not pyplot: it is never auto-displayed by the inline backend.
        self._background = None
        self.figure = Figure(figsize=self._figsize, dpi=self._dpi, layout="constrained")
        self.rebuilds += 1
        self.result = self._draw(self.figure, **values)
        self._dynamic = list(self._dynamic_of(self.result)) if self._dynamic_of else []

    def _render(self, rebuilt: bool) -> bytes:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = self.figure
        if rebuilt:
            self._canvas = FigureCanvasAgg(fig)
            if self._dynamic:
                # lay out with every artist (the layout leaves animated ones out), then keep
                # the positions and draw the background without the dynamic artists
                self._canvas.draw()
                fig.set_layout_engine("none")
                for artist in self._dynamic:
                    artist.set_animated(True)
            self._canvas.draw()
            if self._dynamic:
                self._background = self._canvas.copy_from_bbox(fig.bbox)
        else:
            self._canvas.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible():
                fig.draw_artist(artist)
        return png_bytes(np.asarray(self._canvas.buffer_rgba()))

    def _figure_output(self, png: bytes) -> dict:
        import base64

        width, height = self.figure.get_size_inches()
        return {"output_type": "display_data", "metadata": {},
                "data": {"image/png": base64.b64encode(png).decode("ascii"),
                         "text/plain": f"<Figure size {width:g}x{height:g} inches>"}}

    def _error_output(self) -> dict:
        return {"output_type": "stream", "name": "stdout", "text": self.error + "\n"}

    def _repr_mimebundle_(self, **kwargs):
        # the widget view, plus a still picture and a note for a notebook opened unrun
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(controls={list(self.controls)})"


def _set_cells(image, texts, values) -> None:
    """Show new ``values`` in a cell map drawn by ``annotate_cells``: same shape and scale.

    Sets the AxesImage's data and each cell's number and its black/white colour.
    """
    from .viz._base import format_number, text_color

    values = np.asarray(values, dtype=np.float64)
    image.set_data(values)
    cmap, norm = image.get_cmap(), image.norm
    for t, v in zip(texts, values.ravel(), strict=False):  # no texts: not annotated
        if np.isfinite(v):
            t.set_text(format_number(v))
            t.set_color(text_color(cmap(norm(v))))
        else:
            t.set_text("")


def _clear_axes(ax) -> None:
    """Empty ``ax`` for a redraw, keeping the position the layout gave it."""
    pos = ax.get_position(original=False)
    ax.clear()
    ax.set_position(pos)
