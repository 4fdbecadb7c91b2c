"""Looking inside a trained network: what it reacts to, how its kernels moved, your own images.

Tools of notebook 06_inside_the_network:

* **Occlusion sensitivity** (:func:`occlude`, :func:`occlusion_map`,
  :func:`pixel_importance`): cover one square patch of the input with a
  constant, see how much the probability of a class drops, and repeat for
  every patch position. A large drop means the network needed those pixels
  for its answer. (Defined in :mod:`cnnlesson.occlusion`, re-exported here.)
* **Receptive fields** (:func:`receptive_fields`): how many input pixels one
  value of each layer depends on, and which ones. (Defined in
  :mod:`cnnlesson.receptive`, re-exported here.)
* **Kernel similarity** (:func:`cosine_similarity`, :func:`kernel_drift`,
  :func:`edge_kernel_bank`): how alike two kernels are, whatever their size,
  and how far the first-layer kernels turn away from where they started
  during training, measured on a :class:`cnnlesson.train.Snapshots` record.
  (Defined in :mod:`cnnlesson.kernel_similarity`, re-exported here.)
* **Your own pictures** (:func:`prepare_image`, :func:`predict_image`,
  :func:`classify_upload`, :func:`upload_classifier`): turn a photo or a
  drawing into a 26x26 input that looks like the training data (for digits:
  white ink on a black background, centred, about 20 pixels tall, as in
  MNIST), and ask the network what it sees. (Defined in
  :mod:`cnnlesson.own_images`, re-exported here.)

(The module is called ``explain`` rather than ``inspect`` so that it does not
shadow Python's standard :mod:`inspect` module.)
"""

from __future__ import annotations

from .kernel_similarity import EDGE_BANK_NAMES, cosine_similarity, edge_kernel_bank, kernel_drift
from .occlusion import occlude, occlusion_map, pixel_importance
from .own_images import (
    DIGIT_BOX_FRACTION,
    INK_THRESHOLD,
    MAX_SIDE,
    MIN_CONTRAST,
    Prediction,
    classify_upload,
    predict_image,
    prepare_image,
    read_upload,
    show_prediction,
    upload_classifier,
)
from .receptive import ReceptiveField, receptive_fields

__all__ = [
    "ReceptiveField",
    "receptive_fields",
    "occlude",
    "occlusion_map",
    "pixel_importance",
    "cosine_similarity",
    "kernel_drift",
    "EDGE_BANK_NAMES",
    "edge_kernel_bank",
    "DIGIT_BOX_FRACTION",
    "INK_THRESHOLD",
    "MIN_CONTRAST",
    "MAX_SIDE",
    "prepare_image",
    "Prediction",
    "predict_image",
    "read_upload",
    "classify_upload",
    "show_prediction",
    "upload_classifier",
]
