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

The explorers of convolution settings (flip, kernel size / stride / padding) live in
:mod:`cnnlesson.explorers`, those of pooling (window, shift) in
:mod:`cnnlesson.pooling_explorers`, the machinery in :mod:`cnnlesson.widget_app`; all are
importable from here.

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

import numpy as np

from ._validate import check_array, check_nonnegative_int, describe, fail
from .explorers import (
    flip_explorer,
    flip_figure,
    geometry_explorer,
    geometry_figure,
    geometry_report,
)
from .pooling_explorers import (
    pooling_explorer,
    pooling_explorer_update,
    shift_changes,
    shift_explorer,
    shift_figure,
)
from .widget_app import STILL_NOTE, WidgetApp

#: The snapshot player's picture width in pixels: at least 1200, so that its kernels can be
#: read when the notebook is projected (the other explorers stay within a notebook cell).
PLAYER_WIDTH_PX = 1300

__all__ = [
    "STILL_NOTE",
    "StillBox",  # noqa: F822 (from widget_app, built on first use, see __getattr__)
    "WidgetApp",
    "convolution_explorer",
    "convolution_explorer_gif",
    "flip_explorer",
    "flip_figure",
    "geometry_explorer",
    "geometry_figure",
    "geometry_report",
    "shift_changes",
    "shift_explorer",
    "shift_figure",
    "convolution_explorer_update",
    "kernel_playground",
    "kernel_playground_update",
    "kernel_playground_figure",
    "pooling_explorer",
    "pooling_explorer_update",
    "snapshot_player",
    "snapshot_player_update",
]


def __getattr__(name):
    if name == "StillBox":  # a VBox subclass, built on first use (imports ipywidgets)
        from .widget_app import StillBox

        return StillBox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    k = np.asarray(kernel, dtype=np.float64)
    return WidgetApp(controls, lambda fig, i, j: _convolution_draw(fig, img, k, i, j),
                     figsize=(12, 8.5),
                     refresh=lambda res, i, j: _convolution_refresh(res, img, k, i, j),
                     dynamic=_convolution_dynamic)


_ROUNDED_NOTE = "(numbers rounded;\nthe sum uses\nexact values)"


def _convolution_draw(fig, img, k, i, j):
    res = convolution_explorer_update(img, k, i, j, fig)
    ax_sum = res["axes"]["sum"]
    if len(ax_sum.texts) == 1:  # the "numbers rounded" note, hidden until needed
        ax_sum.text(0.02, 0.08, _ROUNDED_NOTE, ha="left", va="bottom", fontsize=10,
                    color="0.3", transform=ax_sum.transAxes, visible=False)
    return res


def convolution_explorer_gif(image, kernel, path=None, *, max_frames=20, fps=1.5):
    """The convolution explorer's picture at successive window positions, as a GIF.

    Each frame shows the input with the window, the output with its pixel, and the step
    itself: the patch, the kernel, their products and the sum. Frames are about 1000 px
    wide, so the numbers can be read; the window visits evenly spaced positions, row by row.

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) small grayscale image (8x8 to 12x12 reads best).
    kernel : numpy.ndarray
        (KH, KW), at most the image's size.
    path : str or pathlib.Path, optional
        Also write the GIF there.
    max_frames : int, optional
        At most this many window positions (2 to 64).
    fps : float, optional
        Frames per second.

    Returns
    -------
    bytes
        The GIF; show it with :func:`cnnlesson.viz.show_gif`.

    Introduced in notebook 01_filtering.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .viz._base import check_real_array
    from .viz.animation import _Blitter, _frame_positions, gif_bytes, save_gif
    from .widget_app import MAX_WIDTH_PX

    img = _small_gray(image)
    check_real_array(kernel, "kernel", ndim=2, layout="(KH, KW)")
    k = np.asarray(kernel, dtype=np.float64)
    if isinstance(max_frames, bool) or not isinstance(max_frames, (int, np.integer)) or \
            not 2 <= max_frames <= 64:
        fail(ValueError, "max_frames", "an int from 2 to 64", describe(max_frames),
             "each frame is a full picture; 20 keeps the GIF near 1 MB")
    (h, w), (kh, kw) = img.shape, k.shape
    if kh > h or kw > w:
        fail(ValueError, "kernel", f"at most the image's size {h}x{w}", f"shape {k.shape}",
             "use a larger crop or a smaller kernel")
    ow = w - kw + 1
    n_positions = (h - kh + 1) * ow
    fig = Figure(figsize=(12, 8.5), dpi=min(mpl.rcParams["figure.dpi"], MAX_WIDTH_PX / 12),
                 layout="constrained")
    FigureCanvasAgg(fig)
    res = _convolution_draw(fig, img, k, 0, 0)
    fig.canvas.draw()                   # lay out with every artist, then keep the positions
    fig.set_layout_engine("none")
    blit = _Blitter(fig, _convolution_dynamic(res))
    frames = []
    for p in _frame_positions(n_positions, min(max_frames, n_positions)):
        i, j = divmod(int(p), ow)
        _convolution_refresh(res, img, k, i, j)
        frames.append(blit.frame())
    data = gif_bytes(frames, fps=fps, hold_last=2.0)
    if path is not None:
        save_gif(data, path)
    return data


def _convolution_dynamic(res) -> list:
    ax = res["axes"]
    return [res["window"], res["pixel"], ax["input"].title, ax["patch"], ax["products"],
            ax["sum"], res["figure"]._suptitle]


def _convolution_refresh(res, img, k, i, j) -> dict:
    """Move the window to (i, j) in place: the parts of the picture that change."""
    from .viz._base import format_number, symmetric_limit
    from .widget_app import _set_cells

    (h, w), (kh, kw) = img.shape, k.shape
    patch = img[i:i + kh, j:j + kw]
    products = patch * k
    total = float(products.sum())
    ax = res["axes"]
    res["window"].set_xy((j - 0.5, i - 0.5))
    res["pixel"].set_xy((j - 0.5, i - 0.5))
    ax["input"].set_title(f"input {h}x{w}, window at ({i}, {j})")
    _set_cells(res["patch_image"], ax["patch"].texts, patch)
    pm = symmetric_limit(products)
    res["products_image"].set_clim(-pm, pm)
    _set_cells(res["products_image"], ax["products"].texts, products)
    res["sum_text"].set_text(f"sum\n= {format_number(total)}")
    shown_sum = sum(float(format_number(p)) for p in products.ravel())
    ax["sum"].texts[1].set_visible(abs(shown_sum - float(format_number(total))) > 1e-9)
    res["figure"]._suptitle.set_text(f"output[{i}, {j}] = sum of patch \u00d7 kernel = "
                                     f"{format_number(total)}")  # text only: position kept
    res.update(sum=total, patch=patch, products=products)
    return res


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


def _playground_refresh(res, gray, k) -> dict:
    """Show a new kernel in place: the kernel panel and the filtered photo."""
    from .viz._base import symmetric_limit
    from .widget_app import _set_cells

    out = kernel_playground_update(gray, k)  # checks the kernel (finite numbers)
    kim, fim = res["images"][1], res["images"][2]
    m = symmetric_limit(k)
    kim.set_clim(-m, m)
    _set_cells(kim, res["kernel_texts"], k)
    kim.axes.set_title(f"kernel (sum {float(k.sum()):.3g})")
    cmap, lo, hi, note = _filtered_scale(out, k)
    fim.set_data(out)
    fim.set_cmap(cmap)
    fim.set_clim(lo, hi)
    fim.axes.set_xlabel(note, fontsize="small")
    res["filtered"] = out
    return res


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

    def refresh(res, preset, **weights):
        k = np.array([[weights[f"k{r}{c}"] for c in range(3)] for r in range(3)])
        return _playground_refresh(res, gray, k)

    layout = [widgets.HBox([preset, widgets.HTML("&nbsp;&nbsp;weights:"), grid])]
    app = WidgetApp(controls, draw, figsize=(13, 4.6), layout=layout, refresh=refresh,
                    dynamic=lambda res: [res["images"][1].axes, res["images"][2].axes])
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

    def refresh(view, index, layer):
        # another moment of the same layer: only the pictures and the title change
        # (fast enough for the Play button); another layer: a new figure
        if view is None or view.layer != layer:
            return None
        view.update(check_nonnegative_int(index, "index"))
        return view

    return WidgetApp({"index": slider, "layer": menu}, draw,
                     figsize=snapshot_figsize(recs, layer),
                     layout=[widgets.HBox([play, slider, steps, menu])],
                     refresh=refresh, dynamic=lambda view: [*view.grid.dynamic, view.title],
                     # wider than the explorers: kernels must read from the back of a classroom
                     max_width=PLAYER_WIDTH_PX)
