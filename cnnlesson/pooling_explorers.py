"""Explorers of pooling: one pooling window, and what a small shift of the image changes.

- :func:`pooling_explorer` (notebook 03): pool size, stride, max/avg and the window shown,
  with the pooled map.
- :func:`shift_explorer` / :func:`shift_figure` (notebook 03): slide the image by 0-3 pixels
  and compare a feature map, its max pooling, its average pooling and plain stride-2
  subsampling before and after, with how much each changed (:func:`shift_changes`).

Both are :class:`~cnnlesson.widget_app.WidgetApp` s whose figure is changed in place, so they
answer a control at once; ``pooling_explorer_update`` and ``shift_figure`` draw the same
pictures without a browser.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_nonnegative_int, check_positive_int, fail
from .widget_app import WidgetApp

__all__ = [
    "pooling_explorer",
    "pooling_explorer_update",
    "shift_changes",
    "shift_explorer",
    "shift_figure",
]


def _small_gray(image, name="image"):
    from .viz._base import check_real_array

    check_real_array(image, name, ndim=2, layout="(H, W)",
                     hint="use a small grayscale crop, e.g. to_grayscale(photo)[100:110, 80:90]")
    return np.asarray(image, dtype=np.float64)


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


def _pooling_refresh(res, a, size, stride, mode, i, j) -> dict:
    """Redraw the window and pooled-map panels in place for any setting of the controls."""
    from .viz._base import format_number, image_scale
    from .viz.windows import ANNOTATE_MAX_PIXELS, _draw_map, pool2d, window_rectangle
    from .widget_app import _clear_axes

    h, w = a.shape
    out = pool2d(a, size, stride, mode)
    oh, ow = out.shape
    top, left = i * stride, j * stride
    win = a[top:top + size, left:left + size]
    value = float(out[i, j])
    cmap, lo, hi = image_scale(a)
    res["window"].set_xy((left - 0.5, top - 0.5))
    res["window"].set_width(size)
    res["window"].set_height(size)
    ax_win, ax_out = res["axes"]["window"], res["axes"]["output"]
    _clear_axes(ax_win)
    res["window_image"], wtexts = _draw_map(ax_win, win, cmap=cmap, lo=lo, hi=hi, annotate=True)
    argmax = winner = None
    if mode == "max":
        r, c = np.unravel_index(int(np.argmax(win)), win.shape)
        argmax = (top + int(r), left + int(c))
        winner = window_rectangle(ax_win, int(r), int(c), 1, 1, lw=4)
        res["input_winner"].set_xy((argmax[1] - 0.5, argmax[0] - 0.5))
        wtexts[r * size + c].set_fontweight("bold")
        ax_win.set_title(f"max = {format_number(value)}")
    else:
        ax_win.set_title(f"mean = {format_number(value)}")
    res["input_winner"].set_visible(mode == "max")
    _clear_axes(ax_out)
    res["output_image"], _ = _draw_map(ax_out, out, cmap=cmap, lo=lo, hi=hi,
                                       annotate=h * w <= ANNOTATE_MAX_PIXELS)
    res["pixel"] = window_rectangle(ax_out, i, j, 1, 1)
    ax_out.set_title(f"{mode} pool {size}, stride {stride}: {oh}x{ow}")
    res["figure"]._suptitle.set_text(f"output[{i}, {j}] = {mode} of the {size}x{size} window "
                                     f"at ({top}, {left}) = {format_number(value)}")
    res.update(value=value, output=out, window_values=win, argmax=argmax, winner=winner)
    return res


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
    def draw(fig, size, stride, mode, i, j):
        from .viz.windows import window_rectangle

        res = pooling_explorer_update(a, size, stride, mode, i, j, fig)
        ax_in = res["axes"]["input"]
        if res["argmax"] is not None:  # show_pool_window marks the winner in the input last
            res["input_winner"] = ax_in.patches[-1]
        else:
            res["input_winner"] = window_rectangle(ax_in, 0, 0, 1, 1, lw=1.5)
            res["input_winner"].set_visible(False)
        return res

    app = WidgetApp(controls, draw, figsize=(13, 5.2), layout=layout,
                    refresh=lambda res, **v: _pooling_refresh(res, a, **v),
                    dynamic=lambda res: [res["window"], res["input_winner"],
                                         res["axes"]["window"], res["axes"]["output"],
                                         res["figure"]._suptitle])

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
# shift: where pooling's tolerance comes from
# ---------------------------------------------------------------------------

_SHIFT_METHODS = ("feature map", "max pool 2", "avg pool 2", "every 2nd pixel")


def _shift_inputs(image, kernel, size, max_shift):
    from .viz._base import check_real_array

    check_real_array(image, "image", ndim=2, layout="(H, W)",
                     hint="a grayscale photo, e.g. to_grayscale(load_photo(size=128))")
    check_real_array(kernel, "kernel", ndim=2, layout="(KH, KW)")
    size = check_positive_int(size, "size")
    max_shift = check_nonnegative_int(max_shift, "max_shift")
    img = np.asarray(image, dtype=np.float64)
    if min(img.shape) < size + max_shift:
        fail(ValueError, "image", f"at least {size + max_shift} pixels on each side "
             f"(size {size} + max_shift {max_shift})", f"shape {img.shape}",
             "use a larger image or a smaller size")
    if size > 128:
        fail(ValueError, "size", "at most 128", repr(size), "the picture stays readable")
    return img, np.asarray(kernel, dtype=np.float64), size, max_shift


def _shift_outputs(img, k, size, dy, dx):
    """The crop moved by (dy, dx) and its four outputs: map, max pool, avg pool, subsample."""
    from .filters import correlate2d
    from .viz.windows import pool2d

    crop = img[dy:dy + size, dx:dx + size]
    fmap = np.maximum(correlate2d(crop, k), 0.0)           # ReLU(filter), as in a conv layer
    return crop, [fmap, pool2d(fmap, 2, 2, "max"), pool2d(fmap, 2, 2, "avg"), fmap[::2, ::2]]


def shift_changes(image, kernel, dy, dx, *, size=64) -> dict:
    """How much a small shift changes a feature map, its pooled maps and its subsampling.

    The crop ``image[:size, :size]`` and the crop moved by ``(dy, dx)`` pixels
    (``image[dy:dy+size, dx:dx+size]``) are filtered with ``kernel`` and ReLU; each map
    then goes through max pooling 2x2/2, average pooling 2x2/2 and plain stride-2
    subsampling (every second pixel). The change of an output is
    ``||after - before|| / ||before||`` (0 = unchanged, 1 = as large as the output itself).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) grayscale image, at least ``size + max(dy, dx)`` on each side.
    kernel : numpy.ndarray
        (KH, KW).
    dy, dx : int
        Shift in pixels (down, right), at least 0.
    size : int, optional
        Side of the crop.

    Returns
    -------
    dict
        Method name (``"feature map"``, ``"max pool 2"``, ``"avg pool 2"``,
        ``"every 2nd pixel"``) -> relative change (float).

    Introduced in notebook 03_pooling.
    """
    dy, dx = check_nonnegative_int(dy, "dy"), check_nonnegative_int(dx, "dx")
    img, k, size, _ = _shift_inputs(image, kernel, size, max(dy, dx))
    _, before = _shift_outputs(img, k, size, 0, 0)
    _, after = _shift_outputs(img, k, size, dy, dx)
    return {name: _change(b, a) for name, b, a in zip(_SHIFT_METHODS, before, after,
                                                       strict=True)}


def _change(before, after) -> float:
    norm = float(np.linalg.norm(before))
    return float(np.linalg.norm(after - before)) / norm if norm > 0 else 0.0


def shift_figure(fig, image, kernel, dy=0, dx=1, *, size=64, max_shift=3):
    """A feature map and three ways to halve it, before and after a shift of the image.

    Top row: the crop, its feature map (kernel + ReLU), the map after max pooling 2x2/2,
    after average pooling 2x2/2 and after keeping every second pixel. Bottom row: the
    same for the crop moved by ``(dy, dx)`` pixels, each titled with how much it changed.
    Right: the changes as bars. Pooling over a window (max or average) changes less than
    plain subsampling: the tolerance to small shifts comes from the window.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        Where to draw (None: a new 14x6.4 inch figure).
    image : numpy.ndarray
        (H, W) grayscale image, at least ``size + max_shift`` on each side.
    kernel : numpy.ndarray
        (KH, KW) the filter that makes the feature map.
    dy, dx : int
        Shift (down, right), from 0 to ``max_shift``.
    size : int, optional
        Side of the crop (64-96 shows structure).
    max_shift : int, optional
        Largest shift the picture allows.

    Returns
    -------
    dict
        ``"figure"``, ``"changes"`` (as :func:`shift_changes`), ``"before"`` and
        ``"after"`` (lists of the four outputs), the artists the explorer changes.

    Introduced in notebook 03_pooling.
    """
    from .viz._base import new_figure

    img, k, size, max_shift = _shift_inputs(image, kernel, size, max_shift)
    fig = new_figure((14, 6.4), fig)
    gs = fig.add_gridspec(2, 6, width_ratios=[1, 1, 1, 1, 1, 1.25])
    crop, before = _shift_outputs(img, k, size, 0, 0)
    top = max(float(before[0].max()), 1e-12)
    rows = []
    for r in range(2):
        axes = [fig.add_subplot(gs[r, c]) for c in range(5)]
        ims = [axes[0].imshow(crop, cmap="gray", vmin=0, vmax=1, interpolation="nearest")]
        ims += [ax.imshow(m, cmap="magma", vmin=0, vmax=top, interpolation="nearest")
                for ax, m in zip(axes[1:], before, strict=True)]
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        rows.append({"axes": axes, "images": ims})
    names = ["crop"] + [f"{m}\n{b.shape[0]}x{b.shape[1]}" for m, b in zip(_SHIFT_METHODS, before,
                                                                        strict=True)]
    for ax, name in zip(rows[0]["axes"], names, strict=True):
        ax.set_title(name, fontsize="medium")
    rows[0]["axes"][0].set_ylabel("original", fontsize="medium")
    ax_bar = fig.add_subplot(gs[:, 5])
    bars = ax_bar.barh(range(4), [0, 0, 0, 0], color=["0.6", "#0072b2", "#56b4e9", "#d55e00"])
    ax_bar.set_yticks(range(4), ["map", "max pool", "avg pool", "every 2nd"])
    ax_bar.invert_yaxis()
    ax_bar.set_xlim(0, 2.0)                        # room for the labels right of the bars
    ax_bar.set_xticks([0, 0.5, 1, 1.5])
    ax_bar.set_xlabel("change ||after − before|| / ||before||", fontsize="small")
    bar_texts = [ax_bar.text(0, y, "", va="center", fontsize=11) for y in range(4)]
    res = {"figure": fig, "rows": rows, "bar_axes": ax_bar, "bars": list(bars),
           "bar_texts": bar_texts, "before": before, "top": top, "size": size,
           "suptitle": fig.suptitle("")}
    return _shift_refresh(res, img, k, dy, dx, max_shift)


def _shift_refresh(res, img, k, dy, dx, max_shift):
    from .viz._base import format_number

    for name, v in (("dy", dy), ("dx", dx)):
        v = check_nonnegative_int(v, name)
        if v > max_shift:
            fail(ValueError, name, f"a shift from 0 to {max_shift}", repr(v))
    crop, after = _shift_outputs(img, k, res["size"], dy, dx)
    changes = {n: _change(b, a) for n, b, a in zip(_SHIFT_METHODS, res["before"], after,
                                                   strict=True)}
    row = res["rows"][1]
    row["images"][0].set_data(crop)
    for im, m in zip(row["images"][1:], after, strict=True):
        im.set_data(m)
    for ax, c in zip(row["axes"][1:], changes.values(), strict=True):
        ax.set_title(f"changed {100 * c:.0f}%", fontsize="medium",
                     color="#d55e00" if c == max(changes.values()) and c > 0 else "black")
    row["axes"][0].set_ylabel(f"moved {dy} down, {dx} right", fontsize="medium")
    for bar, text, c in zip(res["bars"], res["bar_texts"], changes.values(), strict=True):
        bar.set_width(c)
        text.set_x(c + 0.03)
        text.set_text(f"{format_number(100 * c)}%")
    res["suptitle"].set_text(f"the image moved by ({dy}, {dx}) pixels: how much does each "
                             "output change?")
    res.update(changes=changes, after=after, shift=(dy, dx))
    return res


def shift_explorer(image, kernel, *, size=64, max_shift=3):
    """Slide the image by 0-3 pixels: which of pooling and subsampling tolerates it?

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) grayscale image, at least ``size + max_shift`` on each side.
    kernel : numpy.ndarray
        (KH, KW) the filter that makes the feature map.
    size : int, optional
        Side of the crop (64-96 shows structure).
    max_shift : int, optional
        Largest shift of the sliders.

    Returns
    -------
    cnnlesson.widget_app.WidgetApp
        Controls ``"dy"`` and ``"dx"`` (the shift); ``result`` is the dict of
        :func:`shift_figure` (``result["changes"]`` holds the four changes).

    Introduced in notebook 03_pooling.
    """
    import ipywidgets as widgets

    from .widget_app import WidgetApp

    img, k, size, max_shift = _shift_inputs(image, kernel, size, max_shift)
    style = {"description_width": "initial"}
    controls = {"dy": widgets.IntSlider(0, 0, max_shift, description="move down (px)",
                                        style=style, continuous_update=False),
                "dx": widgets.IntSlider(0, 0, max_shift, description="move right (px)",
                                        style=style, continuous_update=False)}

    def dynamic(res):
        return [*res["rows"][1]["axes"], res["bar_axes"], res["suptitle"]]

    return WidgetApp(controls,
                     lambda fig, dy, dx: shift_figure(fig, img, k, dy, dx, size=size,
                                                      max_shift=max_shift),
                     figsize=(14, 6.4), dynamic=dynamic,
                     refresh=lambda res, dy, dx: _shift_refresh(res, img, k, dy, dx,
                                                                max_shift))
