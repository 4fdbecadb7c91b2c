"""Machinery shared by the exercise checkers of every notebook.

An exercise in a notebook is a code cell whose answer sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` lines, followed by a call to a checker in :mod:`cnnlesson.checks`. The
checker prints one friendly, deterministic ``PASS`` line, or raises :class:`AssertionError`
whose message hints at the mistake.

In the student edition (``python -m cnnlesson.classroom student``) a solution inside a function
body becomes ``raise NotImplementedError(...)`` and a top-level answer becomes ``name = ...``.
Checkers recognise both and print a "not attempted yet" line instead of a traceback, so the
rest of the notebook still runs top to bottom.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["exercise", "CheckResult", "NotAttempted", "expect_array", "expect_close",
           "expect_shape", "expect_equal", "call"]


class NotAttempted(Exception):
    """Raised inside a checker when the learner has not written an answer yet."""


class CheckResult:
    """What a checker returns: true when the exercise passed.

    It shows nothing when it is the last expression of a notebook cell (the checker has
    already printed its line), so a check cell's output is exactly that one line.

    Attributes
    ----------
    passed : bool
        True for a PASS, False for an exercise not attempted yet.
    """

    __slots__ = ("passed",)

    def __init__(self, passed: bool):
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed})"

    def _ipython_display_(self) -> None:
        """Display nothing: the checker's printed line is the whole message."""


def _not_attempted_line(title: str) -> str:
    return (f"[not attempted yet] {title}: replace the `...` or the "
            "`raise NotImplementedError` line with your answer, then run this cell again.")


def exercise(title: str):
    """Decorate a checker so that it prints one PASS line or a friendly failure.

    Parameters
    ----------
    title : str
        The exercise's name as the notebook shows it, e.g. ``"Exercise 1.1: one output
        pixel by hand"``.

    Introduced in notebook 00_start_here.
    """

    def decorate(check):
        @functools.wraps(check)
        def run(*args, **kwargs):
            if any(a is Ellipsis for a in args) or any(v is Ellipsis for v in kwargs.values()):
                print(_not_attempted_line(title))
                return CheckResult(False)
            try:
                message = check(*args, **kwargs)
            except NotAttempted:
                print(_not_attempted_line(title))
                return CheckResult(False)
            except AssertionError as err:
                raise AssertionError(f"{title}: not yet. {err}") from None
            line = f"PASS {title}"
            if message:
                line += f": {message}"
            print(line)
            return CheckResult(True)

        run.title = title
        return run

    return decorate


def call(function, *args, **kwargs):
    """Call a learner's function, turning a student-edition stub into :class:`NotAttempted`.

    Any other exception is reported as a failed check naming the function, with the
    original error, so the learner sees what went wrong in their code.
    """
    if function is Ellipsis:
        raise NotAttempted
    if not callable(function):
        raise AssertionError(f"expected a function; got {type(function).__name__}.")
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted from None
    except Exception as err:  # a learner's bug: report it as a hint, not a crash
        name = getattr(function, "__name__", "your function")
        raise AssertionError(
            f"{name} raised {type(err).__name__}: {err}. Read the message, fix the code and "
            "run the cell again."
        ) from err


def expect_array(value, what: str = "your answer", *, ndim: int | None = None,
                 finite: bool = False) -> np.ndarray:
    """Turn a learner's result into a float64 array, or fail the check with a hint.

    ``...`` means not attempted; ``None`` usually means a forgotten ``return``.

    Parameters
    ----------
    value : object
        What the learner's code returned.
    what : str
        How to name it in a message, e.g. ``"my_maxpool's output"``.
    ndim : int, optional
        Required number of axes.
    finite : bool, default False
        Also refuse NaN and infinity.

    Returns
    -------
    numpy.ndarray, float64
    """
    if value is Ellipsis:
        raise NotAttempted
    if value is None:
        raise AssertionError(f"{what} is None: did you forget to `return` the result?")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be an array of numbers; got "
                             f"{type(value).__name__}.") from None
    if ndim is not None and arr.ndim != ndim:
        raise AssertionError(f"{what} should be a {ndim}-D array; it has shape {arr.shape}.")
    if finite and not np.all(np.isfinite(arr)):
        raise AssertionError(f"{what} contains NaN or inf.")
    return arr


def expect_shape(value, shape, what: str = "your answer") -> np.ndarray:
    """Require an array-like of a given shape; return it as an array."""
    if value is Ellipsis:
        raise NotAttempted
    arr = np.asarray(value)
    if arr.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}; it has {arr.shape}.")
    return arr


def expect_close(value, expected, what: str = "your answer", hint: str = "",
                 rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Require numbers or arrays close to the expected ones, with a hint on failure."""
    if value is Ellipsis:
        raise NotAttempted
    expected = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be a number or an array of numbers; got "
                             f"{type(value).__name__}.") from None
    if got.shape != expected.shape:
        raise AssertionError(
            f"{what} should have shape {expected.shape}; it has {got.shape}. {hint}".strip())
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        if got.ndim == 0:
            detail = f"got {float(got):.4g}, expected {float(expected):.4g}."
        else:
            where = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
            detail = (f"the largest difference is at index {tuple(int(i) for i in where)}: "
                      f"got {got[where]:.4g}, expected {expected[where]:.4g}.")
        raise AssertionError(f"{what} is not right: {detail} {hint}".strip())


def expect_equal(value, expected, what: str = "your answer", hint: str = "") -> None:
    """Require exact equality (for integers, tuples, strings)."""
    if value is Ellipsis:
        raise NotAttempted
    if isinstance(expected, tuple) and isinstance(value, list):
        value = tuple(value)
    if isinstance(expected, tuple) and isinstance(value, tuple):
        value = tuple(int(v) if isinstance(v, np.integer) else v for v in value)
    if value != expected:
        raise AssertionError(f"{what} is {value!r}, which is not right. {hint}".strip())
