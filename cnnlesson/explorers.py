"""Explorers of convolution settings: the kernel flip, and kernel size, stride and padding.

Each explorer is a :class:`~cnnlesson.widget_app.WidgetApp` whose figure is drawn once and
then changed in place (see :mod:`cnnlesson.widget_app`), so it answers a control at once.
Each has a plain figure function that draws the same picture for one setting without a
browser: its static twin in the notebook and on the course site.

- :func:`flip_explorer` / :func:`flip_figure` (notebook 02): correlation and convolution at
  the same window, the kernel and its 180-degree rotation, the two outputs side by side.
- :func:`geometry_explorer` / :func:`geometry_figure` (notebook 02): input size, kernel
  size, stride and padding; the padded input, the windows visited, the output size from the
  formula, and what is wrong with a setting that does not work.

The pooling explorers are in :mod:`cnnlesson.pooling_explorers`.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_nonnegative_int, check_positive_int, describe, fail

__all__ = [
    "flip_explorer",
    "flip_figure",
    "geometry_explorer",
    "geometry_figure",
    "geometry_report",
]


def _set_title(ax, text, **kw):
    ax.set_title(text, **kw)
    return ax.title


# ---------------------------------------------------------------------------
# the flip: correlation and convolution at the same window
# ---------------------------------------------------------------------------

def _flip_inputs(image, kernel):
    from .viz._base import check_real_array

    check_real_array(image, "image", ndim=2, layout="(H, W)",
                     hint="use a small grayscale crop, e.g. to_grayscale(photo)[32:42, 48:58]")
    check_real_array(kernel, "kernel", ndim=2, layout="(KH, KW)")
    img = np.asarray(image, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    (h, w), (kh, kw) = img.shape, k.shape
    if kh > h or kw > w:
        fail(ValueError, "kernel", f"at most the image's size {h}x{w}", f"shape {k.shape}",
             "use a larger crop or a smaller kernel")
    if h * w > 400:
        fail(ValueError, "image", "at most 400 pixels (e.g. 10x10 to 20x20)",
             f"shape {img.shape}", "every pixel gets a number; use a small crop")
    return img, k


def _flip_state(img, k, i, j, flip):
    from .filters import convolve2d, correlate2d

    corr, conv = correlate2d(img, k), convolve2d(img, k)
    oh, ow = corr.shape
    i, j = check_nonnegative_int(i, "i"), check_nonnegative_int(j, "j")
    if i >= oh or j >= ow:
        fail(ValueError, "i, j", f"a position of the {oh}x{ow} output", f"({i}, {j})",
             "the window must fit inside the image")
    used = np.rot90(k, 2) if flip else k
    kh, kw = k.shape
    patch = img[i:i + kh, j:j + kw]
    return {"correlation": corr, "convolution": conv, "used": used, "patch": patch,
            "products": patch * used, "sum": float((patch * used).sum()),
            "corr_value": float(corr[i, j]), "conv_value": float(conv[i, j])}


def flip_figure(fig, image, kernel, i=0, j=0, flip=False):
    """Correlation and convolution of a small image at one window, side by side.

    Top row: the input with the window at output position ``(i, j)``; the correlation
    output ``correlate2d(image, kernel)`` and the convolution output
    ``convolve2d(image, kernel)``, each with that pixel outlined. Bottom row: the kernel,
    the kernel rotated by 180 degrees (what convolution lays on the image), the products of
    the patch with the one in use (``flip``), and both sums.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        Where to draw (None: a new 12x8.2 inch figure).
    image : numpy.ndarray
        (H, W) small grayscale image, at most 400 pixels.
    kernel : numpy.ndarray
        (KH, KW), at most the image's size.
    i, j : int
        Output position of the window.
    flip : bool
        False: the products of correlation (kernel as written); True: of convolution
        (kernel rotated by 180 degrees).

    Returns
    -------
    dict
        ``"figure"``, ``"axes"`` (dict of named Axes), ``"correlation"``,
        ``"convolution"`` (the two output maps), ``"sum"`` (the output pixel of the
        operation in use), ``"corr_value"``, ``"conv_value"``, ``"products"`` ((KH, KW)),
        and the artists the explorer changes.

    Introduced in notebook 02_convolution.
    """
    from .viz._base import HIGHLIGHT, SIGNED_CMAP, image_scale, new_figure, symmetric_limit
    from .viz.pictures import show_kernel
    from .viz.windows import _draw_map, window_rectangle

    img, k = _flip_inputs(image, kernel)
    st = _flip_state(img, k, i, j, bool(flip))
    (h, w), (kh, kw) = img.shape, k.shape
    fig = new_figure((12, 8.2), fig)
    gs = fig.add_gridspec(2, 1, height_ratios=[1.3, 1])
    top, bottom = gs[0].subgridspec(1, 3), gs[1].subgridspec(1, 4)
    ax_in, ax_corr, ax_conv = (fig.add_subplot(top[0, c]) for c in range(3))
    ax_k, ax_kf, ax_prod, ax_sum = (fig.add_subplot(bottom[0, c]) for c in range(4))
    ax_sum.axis("off")

    cmap, lo, hi = image_scale(img)
    _draw_map(ax_in, img, cmap=cmap, lo=lo, hi=hi, annotate=True,
              fontsize=float(np.clip(90 / max(h, w), 6, 11)))
    window = window_rectangle(ax_in, int(i), int(j), kh, kw)
    m = symmetric_limit(st["correlation"], st["convolution"])
    small = h * w <= 144
    size = float(np.clip(90 / max(h, w), 6, 11))
    _draw_map(ax_corr, st["correlation"], cmap=SIGNED_CMAP, lo=-m, hi=m, annotate=small,
              fontsize=size)
    _draw_map(ax_conv, st["convolution"], cmap=SIGNED_CMAP, lo=-m, hi=m, annotate=small,
              fontsize=size)
    ax_corr.set_title("correlation\n(correlate2d)", fontsize="medium")
    ax_conv.set_title("convolution\n(convolve2d)", fontsize="medium")
    px_corr = window_rectangle(ax_corr, int(i), int(j), 1, 1)
    px_conv = window_rectangle(ax_conv, int(i), int(j), 1, 1)
    km = symmetric_limit(k)
    show_kernel(ax_k, k, vmax=km)
    ax_k.set_title("kernel K\n(correlation uses it)", fontsize="medium")
    show_kernel(ax_kf, np.rot90(k, 2), vmax=km)
    ax_kf.set_title("K rotated 180°\n(convolution uses it)", fontsize="medium")
    in_use = [window_rectangle(ax, 0, 0, kh, kw, lw=6) for ax in (ax_k, ax_kf)]
    pm = symmetric_limit(st["products"])
    prod_im, prod_texts = _draw_map(ax_prod, st["products"], cmap=SIGNED_CMAP, lo=-pm, hi=pm,
                                    annotate=True)
    sum_text = ax_sum.text(0.0, 0.5, "", ha="left", va="center", fontsize=13,
                           transform=ax_sum.transAxes, linespacing=1.6,
                           bbox={"boxstyle": "round,pad=0.5", "fc": "white", "ec": HIGHLIGHT,
                                 "lw": 2})
    res = {"figure": fig, "axes": {"input": ax_in, "correlation": ax_corr,
                                   "convolution": ax_conv, "kernel": ax_k, "flipped": ax_kf,
                                   "products": ax_prod, "sum": ax_sum},
           "window": window, "pixels": [px_corr, px_conv], "in_use": in_use,
           "products_image": prod_im, "products_texts": prod_texts, "sum_text": sum_text,
           "input_title": _set_title(ax_in, ""), "products_title": _set_title(ax_prod, ""),
           "suptitle": fig.suptitle("")}
    return _flip_refresh(res, img, k, i, j, flip)


def _flip_refresh(res, img, k, i, j, flip) -> dict:
    from .viz._base import format_number as fmt
    from .viz._base import symmetric_limit
    from .widget_app import _set_cells

    st = _flip_state(img, k, i, j, bool(flip))
    res["window"].set_xy((j - 0.5, i - 0.5))
    for r in res["pixels"]:
        r.set_xy((j - 0.5, i - 0.5))
    res["in_use"][0].set_visible(not flip)
    res["in_use"][1].set_visible(bool(flip))
    pm = symmetric_limit(st["products"])
    res["products_image"].set_clim(-pm, pm)
    _set_cells(res["products_image"], res["products_texts"], st["products"])
    name = "convolution" if flip else "correlation"
    res["input_title"].set_text(f"input {img.shape[0]}x{img.shape[1]}, window at ({i}, {j})")
    res["products_title"].set_text("patch × (K rotated 180°)" if flip else "patch × K")
    res["sum_text"].set_text(f"correlation[{i}, {j}] = {fmt(st['corr_value'])}\n"
                             f"convolution[{i}, {j}] = {fmt(st['conv_value'])}\n"
                             f"in use: {name}\n(sum of the products)")
    res["suptitle"].set_text(f"same window, two operations: {name} gives "
                             f"{fmt(st['sum'])} at ({i}, {j})")
    res.update({key: st[key] for key in ("correlation", "convolution", "sum", "corr_value",
                                          "conv_value", "products")})
    res["flip"] = bool(flip)
    return res


def flip_explorer(image, kernel):
    """Move one window and switch between correlation and convolution (the kernel flip).

    Parameters
    ----------
    image : numpy.ndarray
        (H, W) small grayscale image (10x10 reads best), at most 400 pixels.
    kernel : numpy.ndarray
        (KH, KW).

    Returns
    -------
    cnnlesson.widget_app.WidgetApp
        Controls ``"i"``, ``"j"`` (output position) and ``"flip"`` (False: correlation,
        True: convolution); ``result`` is the dict of :func:`flip_figure`.

    Introduced in notebook 02_convolution.
    """
    import ipywidgets as widgets

    from .widget_app import WidgetApp

    img, k = _flip_inputs(image, kernel)
    oh, ow = img.shape[0] - k.shape[0] + 1, img.shape[1] - k.shape[1] + 1
    style = {"description_width": "initial"}
    controls = {
        "i": widgets.IntSlider(0, 0, oh - 1, description="output row i", style=style,
                               continuous_update=False),
        "j": widgets.IntSlider(0, 0, ow - 1, description="output column j", style=style,
                               continuous_update=False),
        "flip": widgets.ToggleButtons(options=[("correlation (K as written)", False),
                                               ("convolution (K flipped)", True)],
                                      value=False, description="operation", style=style),
    }
    layout = [widgets.HBox([controls["i"], controls["j"]]), controls["flip"]]

    def dynamic(res):
        ax = res["axes"]
        return [res["window"], *res["pixels"], *res["in_use"], ax["products"], ax["sum"],
                res["input_title"], res["suptitle"]]

    return WidgetApp(controls, lambda fig, **v: flip_figure(fig, img, k, **v),
                     figsize=(12, 8.2), layout=layout, dynamic=dynamic,
                     refresh=lambda res, **v: _flip_refresh(res, img, k, **v))


# ---------------------------------------------------------------------------
# kernel size, stride and padding
# ---------------------------------------------------------------------------

def geometry_report(n, kernel, stride, padding) -> dict:
    """Where the windows of one conv axis go, and whether the setting works.

    Parameters
    ----------
    n : int
        Input size (rows or columns), at least 1.
    kernel : int
        Kernel size, at least 1.
    stride : int
        Step between windows, at least 1.
    padding : int
        Zeros added on each side, at least 0.

    Returns
    -------
    dict
        ``"padded"`` (n + 2 * padding), ``"size"`` (output size from the formula
        ``(n + 2p - k) // s + 1``; 0 when no window fits), ``"starts"`` (window start
        positions in padded coordinates), ``"unused"`` (padded positions that no window
        covers, at the far end), ``"valid"`` (bool), ``"problems"`` (list of sentences for
        what is wrong or wasteful), ``"formula"`` (the formula with the numbers filled in).

    Introduced in notebook 02_convolution.
    """
    n = check_positive_int(n, "n")
    kernel = check_positive_int(kernel, "kernel")
    stride = check_positive_int(stride, "stride")
    padding = check_nonnegative_int(padding, "padding")
    padded = n + 2 * padding
    room = padded - kernel
    size = room // stride + 1 if room >= 0 else 0
    starts = [s * stride for s in range(size)]
    covered_to = starts[-1] + kernel if starts else 0
    unused = list(range(covered_to, padded))
    problems = []
    if room < 0:
        problems.append(f"The {kernel}-wide kernel does not fit in the padded input "
                        f"({n} + 2·{padding} = {padded}): there is no output. Use a smaller "
                        "kernel or more padding.")
    if padding >= kernel:
        problems.append(f"Padding {padding} ≥ kernel {kernel}: some windows see only the "
                        "zeros of the padding. Frameworks refuse this (keep p ≤ k // 2).")
    if size and unused:
        real = [u for u in unused if padding <= u < padding + n]
        problems.append(f"(n + 2p − k) = {room} is not a multiple of the stride {stride}: the "
                        f"last {len(unused)} position(s) are never covered"
                        + (f", {len(real)} of them real input pixels, which are ignored."
                           if real else " (only padding)."))
    formula = (f"({n} + 2·{padding} − {kernel}) // {stride} + 1 = {room} // {stride} + 1 = "
               f"{room // stride + 1}" if room >= 0 else
               f"{n} + 2·{padding} − {kernel} = {room} < 0: no window fits")
    return {"padded": padded, "size": size, "starts": starts, "unused": unused,
            "valid": room >= 0 and padding < kernel, "problems": problems, "formula": formula}


def _geometry_draw(ax_in, ax_out, ax_text, n, kernel, stride, padding, window):
    """Draw (into cleared axes) the padded input with its windows, the output and the text."""
    import textwrap

    from matplotlib.patches import Rectangle

    from .viz._base import HIGHLIGHT, cell_grid

    rep = geometry_report(n, kernel, stride, padding)
    p, size = rep["padded"], rep["size"]
    # 0 = padding, 1 = input pixel; shade = how many windows cover the cell
    cover = np.zeros((p, p))
    for top in rep["starts"]:
        for left in rep["starts"]:
            cover[top:top + kernel, left:left + kernel] += 1
    kind = np.zeros((p, p))
    kind[padding:padding + n, padding:padding + n] = 1
    base = np.where(kind == 1, 0.93, 0.72)
    rgb = np.stack([base] * 3, axis=-1)
    if cover.max() > 0:
        tint = cover / cover.max()
        rgb = rgb * (1 - 0.45 * tint[..., None]) + 0.45 * tint[..., None] * \
            np.array([0.55, 0.75, 1.0])
    ax_in.imshow(rgb, interpolation="nearest")
    cell_grid(ax_in, p, p, color="0.55", lw=0.6)
    ax_in.add_patch(Rectangle((padding - 0.5, padding - 0.5), n, n, fill=False,
                              edgecolor="black", lw=2))
    for u in rep["unused"]:
        if padding <= u < padding + n:
            ax_in.axvspan(u - 0.5, u + 0.5, color="#d55e00", alpha=0.25, lw=0)
            ax_in.axhspan(u - 0.5, u + 0.5, color="#d55e00", alpha=0.25, lw=0)
    shown = None
    if size:
        w = min(window, size * size - 1)
        r, c = divmod(w, size)
        top, left = rep["starts"][r], rep["starts"][c]
        shown = (r, c)
        ax_in.add_patch(Rectangle((left - 0.5, top - 0.5), kernel, kernel, fill=False,
                                  edgecolor=HIGHLIGHT, lw=3.5))
    ax_in.set_xlim(-0.5, max(p, 1) - 0.5)
    ax_in.set_ylim(max(p, 1) - 0.5, -0.5)
    ax_in.set_title(f"input {n}x{n}, padding {padding} → {p}x{p}", fontsize="medium")
    ax_in.set_xlabel("gray: padding; blue: covered; red: never used; orange: one window",
                     fontsize="small")
    if size:
        out = np.full((size, size), 0.93)
        ax_out.imshow(np.stack([out] * 3, axis=-1), interpolation="nearest")
        cell_grid(ax_out, size, size, color="0.55", lw=0.8)
        ax_out.add_patch(Rectangle((shown[1] - 0.5, shown[0] - 0.5), 1, 1, fill=False,
                                   edgecolor=HIGHLIGHT, lw=3.5))
        ax_out.set_xlim(-0.5, size - 0.5)
        ax_out.set_ylim(size - 0.5, -0.5)
        ax_out.set_title(f"output {size}x{size}", fontsize="medium")
        ax_out.set_xlabel("orange: the pixel of that window", fontsize="small")
    else:
        ax_out.set_xlim(0, 1)
        ax_out.set_ylim(0, 1)
        ax_out.text(0.5, 0.5, "no output", ha="center", va="center", fontsize=16,
                    color="#d55e00", transform=ax_out.transAxes)
        ax_out.set_title("output", fontsize="medium")
    for ax in (ax_in, ax_out):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
    lines = [f"output size = (n + 2p − k) // s + 1\n  = {rep['formula']}"]
    if rep["problems"]:
        lines += ["\n".join(textwrap.wrap("⚠ " + t, 44)) for t in rep["problems"]]
    else:
        lines.append("Every input pixel is covered; the setting works.")
    ax_text.text(0.0, 1.0, "\n\n".join(lines), ha="left", va="top", fontsize=12,
                 transform=ax_text.transAxes,
                 color="#8a2c00" if rep["problems"] else "black")
    ax_text.axis("off")
    return rep


def geometry_figure(fig, n=7, kernel=3, stride=1, padding=0, window=0):
    """The windows one conv setting visits on an n x n input, and the output size.

    Left: the input with its padding (gray border), every cell shaded by how many windows
    cover it, input pixels that no window reaches marked in orange, and one window
    (number ``window``, row by row) outlined. Middle: the output grid with that window's
    output pixel. Right: the output-size formula with the numbers filled in, and what is
    wrong with the setting, if anything (a kernel that does not fit, padding as large as the
    kernel, a stride that skips the last pixels). Invalid settings are drawn and explained,
    never raised.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or None
        Where to draw (None: a new 13x5.6 inch figure).
    n, kernel, stride, padding : int
        As in :func:`geometry_report` (n at most 16, kernel at most 9, padding at most 4).
    window : int
        Which window to outline, counted row by row from 0 (clamped to the last one).

    Returns
    -------
    dict
        ``"figure"``, ``"axes"`` (``"input"``, ``"output"``, ``"text"``) and ``"report"``
        (the dict of :func:`geometry_report`).

    Introduced in notebook 02_convolution.
    """
    from .viz._base import new_figure

    _check_geometry(n, kernel, stride, padding, window)
    fig = new_figure((13, 5.6), fig)
    gs = fig.add_gridspec(1, 3, width_ratios=[1.25, 1, 1.15])
    axes = {"input": fig.add_subplot(gs[0, 0]), "output": fig.add_subplot(gs[0, 1]),
            "text": fig.add_subplot(gs[0, 2])}
    title = fig.suptitle("")
    rep = _geometry_draw(axes["input"], axes["output"], axes["text"], n, kernel, stride,
                         padding, window)
    title.set_text(_geometry_title(n, kernel, stride, padding, rep))
    return {"figure": fig, "axes": axes, "report": rep, "suptitle": title}


def _geometry_title(n, kernel, stride, padding, rep):
    out = f"{rep['size']}x{rep['size']} output" if rep["size"] else "no output"
    return f"{n}x{n} input, kernel {kernel}, stride {stride}, padding {padding}: {out}"


def _check_geometry(n, kernel, stride, padding, window):
    for name, value, lo, hi in [("n", n, 1, 16), ("kernel", kernel, 1, 9), ("stride", stride, 1, 6),
                                ("padding", padding, 0, 4), ("window", window, 0, 10_000)]:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
                not lo <= value <= hi:
            fail(ValueError, name, f"an int from {lo} to {hi}", describe(value),
                 "the picture draws every cell, so it stays small")


def _geometry_refresh(res, size, kernel, stride, padding, window):
    from .widget_app import _clear_axes

    _check_geometry(size, kernel, stride, padding, window)
    ax = res["axes"]
    for a in ax.values():
        _clear_axes(a)
    res["report"] = _geometry_draw(ax["input"], ax["output"], ax["text"], size, kernel, stride,
                                   padding, window)
    res["suptitle"].set_text(_geometry_title(size, kernel, stride, padding, res["report"]))
    return res


def geometry_explorer(n=7, kernel=3, stride=1, padding=0):
    """Sliders for input size, kernel size, stride and padding: watch the windows and output.

    Parameters
    ----------
    n, kernel, stride, padding : int, optional
        Starting values (n 3-16, kernel 1-9, stride 1-6, padding 0-4).

    Returns
    -------
    cnnlesson.widget_app.WidgetApp
        Controls ``"size"`` (n), ``"kernel"``, ``"stride"``, ``"padding"`` and ``"window"``
        (which window to outline, row by row); ``result`` is the dict of
        :func:`geometry_figure` (``result["report"]["size"]`` is the output size). A setting
        that does not work is explained in the figure, not raised.

    Introduced in notebook 02_convolution.
    """
    import ipywidgets as widgets

    from .widget_app import WidgetApp

    _check_geometry(n, kernel, stride, padding, 0)
    style = {"description_width": "initial"}

    def slider(value, lo, hi, label):
        return widgets.IntSlider(value, lo, hi, description=label, style=style,
                                 continuous_update=False)

    controls = {"size": slider(n, 3, 16, "input size n"),
                "kernel": slider(kernel, 1, 9, "kernel k"),
                "stride": slider(stride, 1, 6, "stride s"),
                "padding": slider(padding, 0, 4, "padding p"),
                "window": slider(0, 0, 255, "window shown")}
    layout = [widgets.HBox([controls["size"], controls["kernel"]]),
              widgets.HBox([controls["stride"], controls["padding"]]), controls["window"]]

    def draw(fig, size, kernel, stride, padding, window):
        return geometry_figure(fig, size, kernel, stride, padding, window)

    app = WidgetApp(controls, draw, figsize=(13, 5.6), layout=layout,
                    dynamic=lambda res: [*res["axes"].values(), res["suptitle"]],
                    refresh=_geometry_refresh)

    def on_geometry(change):
        rep = geometry_report(*(controls[k].value for k in ("size", "kernel", "stride",
                                                             "padding")))
        with app.hold():
            controls["window"].max = max(rep["size"] ** 2 - 1, 0)

    for name in ("size", "kernel", "stride", "padding"):
        controls[name].unobserve(app._on_change, names="value")
        controls[name].observe(on_geometry, names="value")
    on_geometry(None)
    return app
