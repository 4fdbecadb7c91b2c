"""Pictures, animations and the live training view of the course.

Static figures take an Axes (or a Figure, where they need several axes) first
and return their artists; passing ``None`` makes a new figure. Signed values
(kernels, responses) use the diverging colormap ``"RdBu_r"`` centred on 0 with
one symmetric scale shared by every panel; see :mod:`cnnlesson.viz._base`.
"""
from ._base import COURSE_STYLE, SIGNED_CMAP, format_number, use_course_style
from .animation import (
    MAX_GIF_BYTES,
    animate_sliding_window,
    animate_snapshots,
    figure_frame,
    gif_bytes,
    gif_image,
    save_gif,
    show_gif,
)
from .channels import show_top_patches
from .network import draw_network, layer_label
from .pictures import (
    shape_label,
    show_channels,
    show_conv_weights,
    show_feature_maps,
    show_image,
    show_kernel,
)
from .results import plot_confusion, plot_history, show_misclassified, smooth
from .snapshots import SnapshotView, mosaic, snapshot_figsize, snapshot_records
from .windows import pool2d, show_pool_window, show_window_calculation, window_rectangle

__all__ = [
    "COURSE_STYLE", "SIGNED_CMAP", "MAX_GIF_BYTES", "LiveView", "SnapshotView",
    "animate_sliding_window", "animate_snapshots", "draw_network", "figure_frame",
    "format_number", "gif_bytes", "gif_image", "layer_label", "mosaic", "plot_confusion",
    "plot_history", "pool2d", "save_gif", "shape_label", "show_channels", "show_conv_weights",
    "show_feature_maps", "show_gif", "show_image", "show_kernel", "show_misclassified",
    "show_top_patches",
    "show_pool_window", "show_window_calculation", "smooth", "snapshot_figsize",
    "snapshot_records", "use_course_style", "window_rectangle",
]


def __getattr__(name):
    # LiveView subclasses cnnlesson.train.Callback; import it on first use only.
    if name == "LiveView":
        from .live import LiveView

        return LiveView
    raise AttributeError(f"module 'cnnlesson.viz' has no attribute {name!r}")
