"""Interactive explorers for the notebooks (ipywidgets 8).

Each explorer is a :class:`WidgetApp`: controls (sliders, menus, number boxes)
above an ``Output`` where a matplotlib figure is redrawn whenever a control
changes. Displaying the app (leave it as the last expression of a cell) shows
it in JupyterLab 4, Notebook 7 and VS Code. The figure is rendered to a PNG and
placed in the ``Output`` widget's own state (``Output.outputs``) rather than
displayed inside a ``with output:`` block: that way it reaches the browser
through the widget alone, and a notebook test (nbval), which has no widget
front end, sees no stray figure in the cell's outputs.

Every explorer's picture is drawn by a plain function that works without a
browser, e.g. :func:`kernel_playground_update`, so the logic can be tested
and reused::

    app = kernel_playground(photo)
    app.controls["preset"].value = "sobel x"   # same as choosing it in the menu
    app.result                                 # the filtered image now shown

A notebook opened before its cells run shows each saved explorer as a still picture
captioned "run this cell to use the controls" (see :class:`StillBox`), not as a line of
text.

Attributes of every app: ``controls`` (dict name -> widget), ``output`` (the
``Output`` widget), ``widget`` (the whole ``VBox``), ``figure`` (the current
matplotlib Figure), ``result`` (what the update function returned for it) and
``error`` (the message shown instead of a picture, or None) and ``redraws``
(how many figures were drawn so far).
"""

from __future__ import annotations

import contextlib

import numpy as np

from ._validate import check_array, check_nonnegative_int, describe, fail

__all__ = [
    "STILL_NOTE",
    "StillBox",  # noqa: F822 (built on first use, see __getattr__)
    "WidgetApp",
    "convolution_explorer",
    "convolution_explorer_update",
    "kernel_playground",
    "kernel_playground_update",
    "kernel_playground_figure",
    "pooling_explorer",
    "pooling_explorer_update",
    "snapshot_player",
    "snapshot_player_update",
]


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
    bundle["text/plain"] = STILL_NOTE
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
        also holds ``text/plain`` = :data:`STILL_NOTE` and ``image/png`` = the first picture
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


class WidgetApp:
    """Controls plus an output area whose figure is redrawn when a control changes.

    Parameters
    ----------
    controls : dict
        Name -> ipywidgets control with a ``value``; the names are the keyword
        arguments passed to ``draw``.
    draw : callable
        ``draw(fig, **values) -> result``: draws into the empty Figure ``fig``.
    figsize : tuple of float
        Size of each new figure, in inches.
    layout : list of widgets, optional
        How to arrange the controls (default: all in one row).
    title : str, optional
        A line of text above the controls.

    Introduced in notebook 01_filtering.
    """

    def __init__(self, controls, draw, *, figsize=(10, 5), layout=None, title=None):
        import ipywidgets as widgets

        self.controls = dict(controls)
        self._draw = draw
        self._figsize = figsize
        self._hold = 0
        self.figure = None
        self.result = None
        self.error = None
        self.redraws = 0
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
        """Redraw the figure from the controls' values; return the new ``result``."""
        from matplotlib.figure import Figure

        # A plain Figure, not pyplot: it is never auto-displayed by the inline backend.
        self.figure = Figure(figsize=self._figsize, layout="constrained")
        self.redraws += 1
        try:
            self.result = self._draw(self.figure, **self.values)
            self.error = None
        except (ValueError, TypeError) as err:
            if raise_errors:
                raise
            self.error = f"{type(err).__name__}: {err}"
        self.output.outputs = (self._error_output() if self.error else self._figure_output(),)
        return self.result

    def _figure_output(self) -> dict:
        import base64
        import io

        import matplotlib as mpl

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=mpl.rcParams["figure.dpi"],
                            bbox_inches="tight")
        width, height = self.figure.get_size_inches()
        return {"output_type": "display_data", "metadata": {},
                "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                         "text/plain": f"<Figure size {width:g}x{height:g} inches>"}}

    def _error_output(self) -> dict:
        return {"output_type": "stream", "name": "stdout", "text": self.error + "\n"}

    def _repr_mimebundle_(self, **kwargs):
        # the widget view, plus a still picture and a note for a notebook opened unrun
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(controls={list(self.controls)})"


# ---------------------------------------------------------------------------
# convolution explorer
# ---------------------------------------------------------------------------

def _small_gray(image, name="image"):
    from .viz._base import check_real_array

    check_real_array(image, name, ndim=2, layout="(H, W)",
                     hint="use a small grayscale crop, e.g. to_grayscale(photo)[100:110, 80:90]")
    return np.asarray(image, dtype=np.float64)


def convolution_explorer_update(image, kernel, i, j, fig=None):
    """Draw the sliding-window calculation at output position (i, j).

    The plain function behind :func:`convolution_explorer`; see
    :func:`cnnlesson.viz.show_window_calculation`.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) small grayscale image.
    kernel : numpy.ndarray
        (KH, KW).
    i, j : int
        Output position.
    fig : matplotlib.figure.Figure, optional
        Where to draw (None: a new figure).

    Returns
    -------
    dict
        As :func:`cnnlesson.viz.show_window_calculation` (``"sum"``,
        ``"output"``, ``"figure"``, ...).

    Introduced in notebook 02_convolution.
    """
    from .viz import show_window_calculation

    return show_window_calculation(fig, image, kernel, i, j)


def convolution_explorer(image, kernel):
    """Sliders for the window position drive the sliding-window picture.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) a small grayscale image (8x8 to 12x12 reads best).
    kernel : numpy.ndarray
        (KH, KW).

    Returns
    -------
    WidgetApp
        Controls ``"i"`` (output row) and ``"j"`` (output column);
        ``result`` is the dict of :func:`convolution_explorer_update`.

    Introduced in notebook 01_filtering.
    """
    import ipywidgets as widgets

    img = _small_gray(image)
    from .viz._base import check_real_array

    check_real_array(kernel, "kernel", ndim=2, layout="(KH, KW)")
    (h, w), (kh, kw) = img.shape, kernel.shape
    if kh > h or kw > w:
        fail(ValueError, "kernel", f"at most the image's size {h}x{w}", f"shape {kernel.shape}",
             "use a larger crop or a smaller kernel")
    oh, ow = h - kh + 1, w - kw + 1
    style = {"description_width": "initial"}
    controls = {
        "i": widgets.IntSlider(0, 0, oh - 1, description="output row i", style=style,
                               continuous_update=False),
        "j": widgets.IntSlider(0, 0, ow - 1, description="output column j", style=style,
                               continuous_update=False),
    }
    return WidgetApp(controls, lambda fig, i, j: convolution_explorer_update(img, kernel, i, j,
                                                                              fig),
                     figsize=(12, 8.5))


# ---------------------------------------------------------------------------
# kernel playground
# ---------------------------------------------------------------------------

def _playground_image(image):
    from .images import to_float, to_grayscale

    check_array(image, "image", ndim=(2, 3), layout="(H, W) or (H, W, C)",
                hint="a photo, e.g. load_photo()")
    return np.asarray(to_grayscale(to_float(image)), dtype=np.float64)


def kernel_playground_update(image, kernel) -> np.ndarray:
    """Filter a photo with a kernel, as the playground shows it.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) gray or (H, W, 3) colour (made gray first), uint8 or float.
    kernel : numpy.ndarray or nested list
        (KH, KW).

    Returns
    -------
    numpy.ndarray
        (H-KH+1, W-KW+1) float64: ``correlate2d(gray, kernel)`` ("valid").

    Introduced in notebook 01_filtering.
    """
    from .filters import correlate2d

    return correlate2d(_playground_image(image), np.asarray(kernel, dtype=np.float64),
                       padding="valid")


def _filtered_scale(out, kernel):
    """How to show a filtered photo: depends on what the kernel keeps (its sum)."""
    from .viz._base import SIGNED_CMAP, symmetric_limit

    total = float(np.sum(kernel))
    if abs(total - 1.0) < 1e-6:
        return "gray", 0.0, 1.0, "weights sum to 1: brightness kept (gray, 0..1)"
    if abs(total) < 1e-6:
        m = symmetric_limit(out)
        return SIGNED_CMAP, -m, m, "weights sum to 0: only changes show (red +, blue -)"
    lo, hi = float(out.min()), float(out.max())
    return "gray", lo, (hi if hi > lo else lo + 1), f"weights sum to {total:.3g} (gray, min..max)"


def kernel_playground_figure(fig, image, kernel):
    """Draw the photo, the kernel and the filtered photo side by side.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        Where to draw (None: a new figure).
    image : numpy.ndarray
        (H, W) or (H, W, 3).
    kernel : numpy.ndarray
        (KH, KW).

    Returns
    -------
    dict
        ``"figure"``, ``"filtered"`` (the array shown), ``"images"`` (the
        three AxesImage: photo, kernel, filtered), ``"kernel_texts"``.

    Introduced in notebook 01_filtering.
    """
    from .viz import show_image, show_kernel
    from .viz._base import clean_axes, new_figure

    gray = _playground_image(image)
    k = np.asarray(kernel, dtype=np.float64)
    out = kernel_playground_update(gray, k)
    fig = new_figure((13, 4.6), fig)
    gs = fig.add_gridspec(1, 3, width_ratios=[4, 2, 4])
    ax_in, ax_k, ax_out = (fig.add_subplot(gs[0, c]) for c in range(3))
    im_in = show_image(ax_in, gray, "photo (gray)", vmin=0, vmax=1)
    kart = show_kernel(ax_k, k)
    ax_k.set_title(f"kernel (sum {float(k.sum()):.3g})")
    cmap, lo, hi, note = _filtered_scale(out, k)
    im_out = ax_out.imshow(out, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    clean_axes(ax_out)
    ax_out.set_title("filtered")
    ax_out.set_xlabel(note, fontsize="small")
    return {"figure": fig, "filtered": out, "images": [im_in, kart["image"], im_out],
            "kernel_texts": kart["texts"]}


def kernel_playground(image):
    """Choose a preset kernel or type your own 3x3 numbers; see the photo filtered.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) or (H, W, 3) a photo, uint8 or float (shown in gray). About
        200x200 pixels keeps it quick.

    Returns
    -------
    WidgetApp
        Controls ``"preset"`` (menu of :data:`cnnlesson.filters.KERNELS` names
        plus "custom") and ``"k00"`` ... ``"k22"`` (the nine weights, row by
        row). Choosing a preset fills in the nine boxes; editing a box
        switches the menu to "custom". ``result`` is the dict of
        :func:`kernel_playground_figure` (``result["filtered"]`` is the
        filtered image).

    Introduced in notebook 01_filtering.
    """
    import ipywidgets as widgets

    from .filters import KERNELS

    gray = _playground_image(image)
    presets = {name: np.asarray(k, dtype=np.float64) for name, k in KERNELS.items()
               if np.shape(k) == (3, 3)}
    first = "identity" if "identity" in presets else next(iter(presets))
    boxes = {f"k{r}{c}": widgets.FloatText(value=float(presets[first][r, c]), step=0.1,
                                           layout=widgets.Layout(width="80px"))
             for r in range(3) for c in range(3)}
    preset = widgets.Dropdown(options=[*presets, "custom"], value=first, description="preset")
    controls = {"preset": preset, **boxes}
    grid = widgets.GridBox(list(boxes.values()),
                           layout=widgets.Layout(grid_template_columns="repeat(3, 85px)"))

    def draw(fig, preset, **weights):
        k = np.array([[weights[f"k{r}{c}"] for c in range(3)] for r in range(3)])
        return kernel_playground_figure(fig, gray, k)

    layout = [widgets.HBox([preset, widgets.HTML("&nbsp;&nbsp;weights:"), grid])]
    app = WidgetApp(controls, draw, figsize=(13, 4.6), layout=layout)
    app._busy = False

    def on_preset(change):
        if change["new"] == "custom" or app._busy:
            return
        app._busy = True
        try:
            with app.hold():
                k = presets[change["new"]]
                for r in range(3):
                    for c in range(3):
                        boxes[f"k{r}{c}"].value = float(k[r, c])
        finally:
            app._busy = False

    def on_box(change):
        # the box's own observer redraws; the menu (which has no redraw observer) follows
        if not app._busy and preset.value != "custom":
            preset.value = "custom"

    # a preset redraws once, after all nine boxes are filled in (see on_preset)
    preset.unobserve(app._on_change, names="value")
    preset.observe(on_preset, names="value")
    for b in boxes.values():
        b.observe(on_box, names="value")
    return app


# ---------------------------------------------------------------------------
# pooling explorer
# ---------------------------------------------------------------------------

def pooling_explorer_update(x, size, stride, mode="max", i=0, j=0, fig=None):
    """Draw one pooling window of ``x`` and the pooled map.

    The plain function behind :func:`pooling_explorer`; see
    :func:`cnnlesson.viz.show_pool_window`.

    Parameters
    ----------
    x : numpy.ndarray
        (H, W).
    size, stride : int
        Window size and step.
    mode : {"max", "avg"}
    i, j : int
        Output position whose window is outlined.
    fig : matplotlib.figure.Figure, optional

    Returns
    -------
    dict
        As :func:`cnnlesson.viz.show_pool_window` (``"output"`` is the pooled
        (H', W') map, ``"value"`` the outlined output pixel).

    Introduced in notebook 03_pooling.
    """
    from .viz import show_pool_window

    return show_pool_window(fig, x, size, stride, i, j, mode)


def pooling_explorer(x):
    """Sliders for pool size and stride, a max/avg toggle and the window position.

    Parameters
    ----------
    x : numpy.ndarray
        (H, W) a small map or grayscale image (e.g. 8x8 to 16x16).

    Returns
    -------
    WidgetApp
        Controls ``"size"``, ``"stride"``, ``"mode"`` ("max" or "avg"),
        ``"i"`` and ``"j"`` (which window is outlined; their ranges follow
        the pooled map's size). ``result`` is the dict of
        :func:`pooling_explorer_update`.

    Introduced in notebook 03_pooling.
    """
    import ipywidgets as widgets

    a = _small_gray(x, "x")
    h, w = a.shape
    if h < 2 or w < 2:
        fail(ValueError, "x", "at least 2x2", f"shape {a.shape}", "pooling needs a map to shrink")
    top = int(min(h, w, 6))
    style = {"description_width": "initial"}
    size = widgets.IntSlider(min(2, top), 1, top, description="size", style=style,
                             continuous_update=False)
    stride = widgets.IntSlider(min(2, top), 1, 6, description="stride", style=style,
                               continuous_update=False)
    mode = widgets.ToggleButtons(options=["max", "avg"], value="max", description="mode")
    oh = (h - size.value) // stride.value + 1
    ow = (w - size.value) // stride.value + 1
    i = widgets.IntSlider(0, 0, max(oh - 1, 0), description="window row", style=style,
                          continuous_update=False)
    j = widgets.IntSlider(0, 0, max(ow - 1, 0), description="window column", style=style,
                          continuous_update=False)
    controls = {"size": size, "stride": stride, "mode": mode, "i": i, "j": j}
    layout = [widgets.HBox([size, stride, mode]), widgets.HBox([i, j])]
    app = WidgetApp(controls, lambda fig, size, stride, mode, i, j:
                    pooling_explorer_update(a, size, stride, mode, i, j, fig),
                    figsize=(13, 5.2), layout=layout)

    def on_geometry(change):
        n_h = (h - size.value) // stride.value + 1
        n_w = (w - size.value) // stride.value + 1
        with app.hold():
            i.max, j.max = n_h - 1, n_w - 1  # values above the new max are clamped

    for c in (size, stride):
        c.unobserve(app._on_change, names="value")
        c.observe(on_geometry, names="value")
    return app


# ---------------------------------------------------------------------------
# snapshot player
# ---------------------------------------------------------------------------

def snapshot_player_update(snapshots, index, layer="conv1", probe_index=0, fig=None, probe=None,
                           *, vmax=None, fmax=None, numbers=False):
    """Draw a layer's kernels and a probe's feature maps at one recorded moment.

    The plain function behind :func:`snapshot_player`. For conv2 and conv3
    the kernels form a grid (a column per filter, a row per input channel,
    labelled "from conv1 filter j", ...) with each filter's feature map below
    its column. Colour scales are fixed over the whole run (or to ``vmax`` /
    ``fmax``) and stated on the figure.

    Parameters
    ----------
    snapshots : cnnlesson.train.Snapshots or list of Snapshot
    index : int
        Which record (0 = before training).
    layer : str
        A recorded conv layer: "conv1" (default), "conv2", "conv3".
    probe_index : int
    fig : matplotlib.figure.Figure, optional
        Resized to :func:`~cnnlesson.viz.snapshot_figsize` of the layer.
    probe : numpy.ndarray, optional
        (P, C, H, W) probe images (default: ``snapshots.probe``).
    vmax, fmax : float, optional
        Fixed half-widths of the kernel and map colour scales.
    numbers : bool, optional
        Write each weight in its cell.

    Returns
    -------
    cnnlesson.viz.SnapshotView
        With ``figure``, ``kernel_image``, ``map_image``, ``title``, ``grid``.

    Introduced in notebook 06_inside_the_network.
    """
    from .viz import SnapshotView, snapshot_figsize
    from .viz._base import new_figure

    index = check_nonnegative_int(index, "index")
    size = snapshot_figsize(snapshots, layer) if isinstance(layer, str) else (13.0, 5.0)
    if fig is not None:
        fig.set_size_inches(*size)
    fig = new_figure(size, fig)
    view = SnapshotView(fig, snapshots, layer, probe_index, probe=probe, vmax=vmax, fmax=fmax,
                        numbers=numbers)
    view.update(index)
    return view


def snapshot_player(snapshots, layer="conv1", probe_index=0, *, probe=None, vmax=None,
                    fmax=None, numbers=False):
    """A slider (and play button) over training steps, and a layer menu: kernels and maps then.

    Parameters
    ----------
    snapshots : cnnlesson.train.Snapshots or list of Snapshot
        The recorded run.
    layer : str, optional
        The recorded conv layer shown first ("conv1"); the menu offers every
        recorded layer.
    probe_index : int, optional
        Which probe image's feature maps to show.
    probe : numpy.ndarray, optional
        (P, C, H, W) probe images (default: ``snapshots.probe``).
    vmax, fmax : float, optional
        Fixed half-widths of the kernel and map colour scales (default: the
        largest |value| of the run, per layer).
    numbers : bool, optional
        Write each weight in its cell.

    Returns
    -------
    WidgetApp
        Controls ``"index"`` (record number, 0 = before training; a Play
        button is linked to it) and ``"layer"`` (a Dropdown of the recorded
        layers). ``result`` is the :class:`~cnnlesson.viz.SnapshotView` drawn.

    Introduced in notebook 04_backprop.
    """
    import ipywidgets as widgets

    from .viz import snapshot_figsize, snapshot_records

    recs = snapshot_records(snapshots)
    if not isinstance(layer, str):
        fail(TypeError, "layer", "a layer name such as 'conv1'", describe(layer))
    names = list(recs[0].weights)
    if layer not in names:
        fail(ValueError, "layer", f"one of the recorded layers {sorted(names)}", repr(layer),
             "Snapshots(layers=...) chooses which conv layers are recorded")
    if probe is None:
        probe = getattr(snapshots, "probe", None)
    n = len(recs)
    slider = widgets.IntSlider(0, 0, max(n - 1, 0), description="snapshot",
                               continuous_update=False)
    play = widgets.Play(value=0, min=0, max=max(n - 1, 0), interval=700, description="play")
    widgets.jslink((play, "value"), (slider, "value"))
    steps = widgets.Label(f"{n} snapshots, steps {recs[0].step} to {recs[-1].step}")
    menu = widgets.Dropdown(options=names, value=layer, description="layer")

    def draw(fig, index, layer):
        return snapshot_player_update(recs, index, layer, probe_index, fig, probe=probe,
                                      vmax=vmax, fmax=fmax, numbers=numbers)

    return WidgetApp({"index": slider, "layer": menu}, draw,
                     figsize=snapshot_figsize(recs, layer),
                     layout=[widgets.HBox([play, slider, steps, menu])])
