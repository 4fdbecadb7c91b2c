"""cnnlesson: a from-scratch numpy course on how a convolutional network learns to see.

Layouts: single images in the filtering lesson are (H, W) or (H, W, C) as
loaded; batches and activations are NCHW and conv weights (F, C, KH, KW), as in
PyTorch. :func:`cnnlesson.images.hwc_to_chw` and
:func:`cnnlesson.images.chw_to_hwc` are the one place layouts are converted.
"""

__version__ = "0.1.0"
