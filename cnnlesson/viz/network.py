"""A diagram of a Sequential network, drawn from the model's own output shapes."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from .._validate import describe, fail
from ._base import check_axes
from .pictures import shape_label

__all__ = ["draw_network", "layer_label"]

# Face colours of the tensor blocks (light tints of the Okabe-Ito palette).
_COLORS = {
    "input": "#d9d9d9",
    "conv": "#9ecae1",
    "pool": "#fdd0a2",
    "avgpool": "#fdd0a2",
    "flatten": "#c7e9c0",
    "linear": "#c7e9c0",
    "other": "#e5e5e5",
}


def layer_label(layer, out_shape) -> str:
    """A short label for a layer, e.g. "conv 3x3 (6)", "max pool 2", "ReLU", "linear (10)".

    Introduced in notebook 05_classifier.
    """
    kind = getattr(layer, "kind", "")
    if kind == "conv":
        kh, kw = layer.kernel_size
        s = f"conv {kh}x{kw} ({out_shape[0]})"
        if layer.stride != 1:
            s += f", stride {layer.stride}"
        if layer.padding:
            s += f", pad {layer.padding}"
        return s
    if kind in ("pool", "avgpool"):
        s = f"{'max' if kind == 'pool' else 'avg'} pool {layer.size}"
        if layer.stride != layer.size:
            s += f", stride {layer.stride}"
        return s
    if kind == "relu":
        return "ReLU"
    if kind == "flatten":
        return "flatten"
    if kind == "linear":
        return f"linear ({out_shape[-1]})"
    describe_fn = getattr(layer, "describe", None)
    return describe_fn() if callable(describe_fn) else type(layer).__name__


def _stages(model, input_shape):
    """Group the layers into drawn stages: shape-keeping ReLUs join the layer before."""
    shapes = model.output_shapes(tuple(input_shape))
    stages = [{"op": None, "names": [], "shape": tuple(input_shape), "kind": "input"}]
    for layer, (name, shape) in zip(model.layers, shapes, strict=True):
        label = layer_label(layer, shape)
        if getattr(layer, "kind", "") == "relu" and stages[-1]["op"] is not None \
                and tuple(shape) == stages[-1]["shape"]:
            stages[-1]["op"] += " + ReLU"
            stages[-1]["names"].append(name)
            continue
        stages.append({"op": label, "names": [name], "shape": tuple(shape),
                       "kind": getattr(layer, "kind", "other")})
    return shapes, stages


def draw_network(ax, model, input_shape):
    """Draw a ``Sequential`` model as a chain of tensor blocks and operations.

    Everything comes from ``model.output_shapes(input_shape)``: each block is
    one layer's output, labelled with its shape ("24x24x6" = height x width x
    channels, "108" for a vector), and each arrow is labelled with the
    operation ("conv 3x3 (6) + ReLU", "max pool 2", "flatten", "linear (10)").
    A ReLU, which keeps the shape, is written on the arrow of the layer before
    it. Block height grows with the spatial size and width with the number of
    channels, so the picture shows maps shrinking while channels grow.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Where to draw (None: a new wide figure).
    model : cnnlesson.model.Sequential
        The network.
    input_shape : tuple of int
        One example's shape (C, H, W), e.g. (3, 26, 26).

    Returns
    -------
    dict
        ``"blocks"`` (list of Rectangle, input first), ``"shape_texts"`` (list
        of Text, the shape labels in the same order), ``"op_texts"`` (list of
        Text on the arrows), ``"arrows"``, ``"shapes"`` (the model's
        ``output_shapes`` list).

    Introduced in notebook 00_start_here.
    """
    if not callable(getattr(model, "output_shapes", None)) or not hasattr(model, "layers"):
        fail(TypeError, "model", "a cnnlesson.model.Sequential", describe(model),
             "build one with Sequential(...) or seed_cnn()")
    shapes, stages = _stages(model, input_shape)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(max(8.0, 2.0 * len(stages)), 4.2), layout="constrained")
    check_axes(ax)

    spatial = [s["shape"][1] for s in stages if len(s["shape"]) == 3]
    max_hw = max(spatial) if spatial else 1
    chans = [s["shape"][0] for s in stages if len(s["shape"]) == 3]
    max_c = max(chans) if chans else 1
    vec = [int(np.prod(s["shape"])) for s in stages if len(s["shape"]) != 3]
    max_v = max(vec) if vec else 1

    step = 2.5
    blocks, shape_texts, op_texts, arrows = [], [], [], []
    fs = 12 if len(stages) <= 8 else 10
    for k, st in enumerate(stages):
        x = k * step
        shp = st["shape"]
        if len(shp) == 3:
            c, h, _ = shp
            height = 0.45 + 2.35 * h / max_hw
            width = 0.2 + 0.4 * np.log1p(c) / np.log1p(max_c)
            nstack = 1 + int(np.ceil(3 * c / max_c))   # more sheets for more channels
        else:
            n = int(np.prod(shp))
            height = 0.45 + 2.35 * np.log1p(n) / np.log1p(max(max_v, max_hw ** 2))
            width, nstack = 0.18, 1
        color = _COLORS.get(st["kind"], _COLORS["other"])
        # a few shifted outlines behind the block suggest a stack of channels
        for d in range(nstack - 1, 0, -1):
            ax.add_patch(Rectangle((x - width / 2 + 0.07 * d, -height / 2 + 0.07 * d), width,
                                   height, fc=color, ec="0.35", lw=0.8, zorder=1))
        block = Rectangle((x - width / 2, -height / 2), width, height, fc=color, ec="0.2",
                          lw=1.2, zorder=2)
        ax.add_patch(block)
        blocks.append(block)
        label = shape_label(shp)
        shape_texts.append(ax.text(x, -1.55, label, ha="center", va="top", fontsize=fs + 1,
                                   fontweight="bold"))
        if k == 0:
            ax.text(x, 1.6, "input", ha="center", va="bottom", fontsize=fs)
        else:
            ax.text(x, 1.6, " + ".join(st["names"]), ha="center", va="bottom", fontsize=fs - 1,
                    color="0.35")
            x0 = (k - 1) * step
            arr = FancyArrowPatch((x0 + 0.5, 0), (x - 0.4, 0), arrowstyle="-|>",
                                  mutation_scale=16, lw=1.5, color="0.25", zorder=3)
            ax.add_patch(arr)
            arrows.append(arr)
            op = st["op"].replace(" + ReLU", "\n+ ReLU")
            op_texts.append(ax.text((x0 + x) / 2 + 0.05, 0.12, op, ha="center", va="bottom",
                                    fontsize=fs - 2, zorder=4,
                                    bbox={"boxstyle": "round,pad=0.2", "fc": "white",
                                          "ec": "none", "alpha": 0.85}))
    ax.set_xlim(-1.0, (len(stages) - 1) * step + 1.0)
    ax.set_ylim(-2.1, 2.0)
    ax.set_aspect("auto")
    ax.axis("off")
    return {"blocks": blocks, "shape_texts": shape_texts, "op_texts": op_texts,
            "arrows": arrows, "shapes": shapes}
