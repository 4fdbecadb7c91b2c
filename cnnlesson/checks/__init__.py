"""Exercise checkers for the notebooks: ``from cnnlesson import checks``.

Each notebook's checkers live in their own module (``nb01_filtering`` ...) and are re-exported
here, so a notebook calls ``checks.output_pixel(...)``. Every checker prints one deterministic
line, ``PASS``, ``FAIL`` with a hint, ``ERROR`` (the learner's code raised) or "not attempted
yet", never raises, and returns a :class:`CheckResult` carrying ``.status`` and a
machine-readable ``.record``. See :mod:`cnnlesson.checks._core`.
"""

from ._core import (
    RECORD_MIME,
    CheckResult,
    LearnerError,
    NotAttempted,
    call,
    emit_record,
    exercise,
    expect_array,
    expect_close,
    expect_equal,
    expect_int,
    expect_int_tuple,
    expect_number,
    expect_shape,
    make_record,
)
from .nb01_filtering import *  # noqa: F403
from .nb02_convolution import *  # noqa: F403
from .nb03_pooling import *  # noqa: F403
from .nb03_receptive import *  # noqa: F403
from .nb04_backprop import *  # noqa: F403
from .nb04_gradients import *  # noqa: F403
from .nb05_classifier import *  # noqa: F403
from .nb05_sanity import *  # noqa: F403
from .nb06_inside import *  # noqa: F403

__all__ = ["CheckResult", "LearnerError", "NotAttempted", "RECORD_MIME", "call", "emit_record",
           "exercise", "expect_array", "expect_close", "expect_equal", "expect_int",
           "expect_int_tuple", "expect_number", "expect_shape", "make_record"]
