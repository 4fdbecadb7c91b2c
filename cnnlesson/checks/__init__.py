"""Exercise checkers for the notebooks: ``from cnnlesson import checks``.

Each notebook's checkers live in their own module (``nb01_filtering`` ...) and are re-exported
here, so a notebook calls ``checks.output_pixel(...)``. Every checker prints one deterministic
``PASS`` line, a "not attempted yet" line for an unanswered student exercise, or raises
:class:`AssertionError` with a hint. See :mod:`cnnlesson.checks._core`.
"""

from ._core import (
    CheckResult,
    NotAttempted,
    call,
    exercise,
    expect_array,
    expect_close,
    expect_equal,
    expect_shape,
)
from .nb01_filtering import *  # noqa: F403
from .nb02_convolution import *  # noqa: F403
from .nb03_pooling import *  # noqa: F403
from .nb04_backprop import *  # noqa: F403
from .nb05_classifier import *  # noqa: F403
from .nb06_inside import *  # noqa: F403

__all__ = ["CheckResult", "NotAttempted", "call", "exercise", "expect_array", "expect_close",
           "expect_equal", "expect_shape"]
