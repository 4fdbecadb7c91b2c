"""Machinery shared by the exercise checkers of every notebook.

An exercise in a notebook is a code cell whose answer sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` lines, followed by a call to a checker in :mod:`cnnlesson.checks`. The
checker never raises: it prints one friendly, deterministic line and returns a
:class:`CheckResult`, so Run All always reaches the end of the notebook:

* ``PASS <title>: ...`` for a right answer;
* ``FAIL <title>: <hint>`` for a wrong one (the hint names the usual slip);
* ``ERROR <title>: your code raised <Type>: <message>. Hint: ...`` when the learner's own code
  raised inside the check (one line, no traceback);
* ``[not attempted yet] <title>: ...`` for an answer that is still ``...`` (naming it) or a
  function that still raises ``NotImplementedError`` (the student edition's stubs).

Besides that line, inside a Jupyter kernel every check displays one machine-readable record
(``application/vnd.cnnlesson.check+json``, see :func:`make_record`), which the class report of
:mod:`cnnlesson.classroom` reads.

Checker bodies signal a wrong answer by raising :class:`AssertionError` with the hint, an
unanswered one with :class:`NotAttempted`, and a crash of the learner's code with
:class:`LearnerError` (what :func:`call` raises); the :func:`exercise` decorator turns each
into its line. The ``expect_*`` helpers turn every correct form of an answer (Python or numpy
numbers, 0-d arrays, lists, tuples or arrays) into one canonical value and refuse the wrong
types (strings, complex numbers, floats where a whole number is asked, ragged arrays, ...)
with a hint.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import signal
import sys
import threading
import warnings

import numpy as np

from ._coerce import (  # noqa: F401 - re-exported: the checkers import them from here
    _describe,
    _numeric_array,
    _short,
    _type_hint,
    expect_array,
    expect_close,
    expect_equal,
    expect_int,
    expect_int_tuple,
    expect_number,
    expect_shape,
)
from ._errors import LearnerError, NotAttempted

__all__ = ["exercise", "CheckResult", "NotAttempted", "LearnerError", "expect_array",
           "expect_close", "expect_shape", "expect_equal", "expect_int", "expect_int_tuple",
           "expect_number", "call", "make_record", "emit_record", "RECORD_MIME"]

#: The MIME type of a check's machine-readable record.
RECORD_MIME = "application/vnd.cnnlesson.check+json"

#: The start of the hint shown when a checker itself failed on an answer it did not foresee
#: (a safety net: the tests make sure no known input ends up here).
UNFORESEEN = "the check could not use this answer"

#: Seconds a check may run before it is stopped with an ERROR line. A right answer takes well
#: under a second on the checks' small cases; a learner's loop that never ends does not.
CHECK_TIME_LIMIT = 30.0

_STATUSES = ("pass", "fail", "not_attempted", "error")
_KINDS = ("exercise", "prediction", "quiz")


class CheckResult:
    """What a checker returns: true when the exercise passed.

    It shows nothing when it is the last expression of a notebook cell (the checker has
    already printed its line), so a check cell's output is that line and the record.

    Attributes
    ----------
    passed : bool
        True for a PASS.
    status : str
        ``"pass"``, ``"fail"``, ``"not_attempted"`` or ``"error"``.
    record : dict
        The machine-readable record of the check (see :func:`make_record`); empty when the
        result was made by hand.
    message : str
        The line the checker printed.
    """

    __slots__ = ("passed", "status", "record", "message")

    def __init__(self, passed: bool, status: str | None = None, record: dict | None = None,
                 message: str = ""):
        self.passed = bool(passed)
        self.status = status if status is not None else ("pass" if passed else "not_attempted")
        self.record = dict(record) if record else {}
        self.message = message

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed}, status={self.status!r})"

    def _ipython_display_(self) -> None:
        """Display nothing: the checker's printed line is the whole message."""


# ---------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------

_TITLE_ID = re.compile(r"^\s*(?:exercise|prediction|quiz|question|practice)?\s*"
                       r"(\d+(?:\.\d+)*[a-z]?)\s*:", re.IGNORECASE)


def _title_id(title: str) -> str:
    """``"Exercise 1.2: ..."`` -> ``"1.2"``; a title without a number -> its slug."""
    match = _TITLE_ID.match(title)
    if match:
        return match.group(1)
    head = title.split(":", 1)[0]
    return re.sub(r"[^a-z0-9]+", "-", head.lower()).strip("-")


def make_record(title: str, status: str, hint: str = "", *, notebook: str = "",
                kind: str = "exercise") -> dict:
    """The machine-readable record of one check (JSON types only, deterministic).

    Parameters
    ----------
    title : str
        The full title, e.g. ``"Exercise 1.2: the two-loop filter"``; the id (``"1.2"``) is
        parsed from it.
    status : str
        ``"pass"``, ``"fail"``, ``"not_attempted"`` or ``"error"``.
    hint : str, default ""
        The hint shown on a fail or an error; ignored (``""``) otherwise.
    notebook : str, default ""
        The stem of the notebook the check belongs to, e.g. ``"01_filtering"``.
    kind : str, default "exercise"
        ``"exercise"``, ``"prediction"`` or ``"quiz"``.

    Returns
    -------
    dict
        ``{"schema": 1, "notebook", "id", "kind", "title", "status", "hint"}``.

    Introduced in notebook 00_start_here.
    """
    if status not in _STATUSES:
        raise ValueError(f"status must be one of {_STATUSES}; got {status!r}. Hint: a check "
                         "either passed, failed, was not attempted or hit an error.")
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}. Hint: an exercise, a "
                         "prediction prompt or a questionnaire (quiz) question.")
    return {"schema": 1, "notebook": str(notebook), "id": _title_id(title), "kind": str(kind),
            "title": str(title), "status": status,
            "hint": str(hint) if status in ("fail", "error") else ""}


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def emit_record(record: dict) -> None:
    """Display ``record`` as a ``application/vnd.cnnlesson.check+json`` output in a kernel.

    Outside a Jupyter kernel (plain Python, tests) it does nothing. The bundle has no
    ``text/plain`` entry, so JupyterLab shows nothing for it.

    Parameters
    ----------
    record : dict
        A record made by :func:`make_record`.

    Introduced in notebook 00_start_here.
    """
    if _in_kernel():
        from IPython.display import display

        display({RECORD_MIME: record}, raw=True)


# ---------------------------------------------------------------------------
# the decorator
# ---------------------------------------------------------------------------

def _not_attempted_line(title: str, what: str = "") -> str:
    if what:
        action = ("replace that line with your code" if "NotImplementedError" in what
                  else "replace it with your answer")
        return f"[not attempted yet] {title}: {what}; {action}, then run this cell again."
    return (f"[not attempted yet] {title}: replace the `...` or the "
            "`raise NotImplementedError` line with your answer, then run this cell again.")


def _contains_ellipsis(value, depth: int = 0) -> bool:
    if value is Ellipsis:
        return True
    if depth < 2 and isinstance(value, (list, tuple)):
        return any(_contains_ellipsis(v, depth + 1) for v in value)
    if depth < 2 and isinstance(value, dict):
        return any(_contains_ellipsis(v, depth + 1) for v in value.values())
    return False


def _missing_answers(signature, args, kwargs):
    """Names of the arguments that are (or contain) ``...``, or None when the call is wrong."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return None
    return [name for name, value in bound.arguments.items() if _contains_ellipsis(value)]


def _describe_missing(names, args_given) -> str:
    if not names:
        return ""
    quoted = ", ".join(f"`{n}`" for n in names)
    if len(names) == 1:
        return f"{quoted} is still `...`"
    return f"{quoted} are still `...`"


class _OutOfTime(BaseException):
    """Raised in the learner's code when the check's time is up. A BaseException, so that
    a learner's ``except Exception:`` inside the endless loop does not swallow it."""


def _out_of_time(signum, frame):
    raise _OutOfTime


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise :class:`_OutOfTime` after ``seconds`` (SIGALRM; a no-op where that cannot work:
    Windows, a thread other than the main one, or a timer someone else already set)."""
    usable = (seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if usable:
        previous = signal.getsignal(signal.SIGALRM)
        usable = signal.getitimer(signal.ITIMER_REAL)[0] == 0
    if not usable:
        yield
        return
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _out_of_time_error(function: str) -> LearnerError:
    return LearnerError(function, TimeoutError(
        f"still running after {CHECK_TIME_LIMIT:g} s, so the check stopped it"),
        "look for a loop whose condition never becomes false (a counter that is never "
        "increased, a while instead of an if) or a function that calls itself forever.")


def exercise(title: str, *, notebook: str | None = None, kind: str = "exercise"):
    """Decorate a checker so that it prints one PASS / FAIL / ERROR / not-attempted line.

    The decorated checker never raises for anything the learner passes: a wrong answer prints
    ``FAIL`` with its hint and returns a false :class:`CheckResult`, so the rest of the
    notebook keeps running. Inside a Jupyter kernel it also displays the check's record.

    Parameters
    ----------
    title : str
        The exercise's name as the notebook shows it, e.g. ``"Exercise 1.1: one output
        pixel by hand"``.
    notebook : str, optional
        The notebook stem for the record; by default the ``NOTEBOOK`` constant of the
        checker's module ("" if it has none).
    kind : str, default "exercise"
        The record's kind: ``"exercise"``, ``"prediction"`` or ``"quiz"``.

    Introduced in notebook 00_start_here.
    """

    def decorate(check):
        stem = notebook
        if stem is None:
            module = sys.modules.get(check.__module__)
            stem = getattr(module, "NOTEBOOK", "") if module is not None else ""
        try:
            signature = inspect.signature(check)
        except (TypeError, ValueError):  # pragma: no cover - every checker is a def
            signature = None

        def finish(status, line, hint=""):
            record = make_record(title, status, hint, notebook=stem, kind=kind)
            print(line)
            emit_record(record)
            return CheckResult(status == "pass", status, record, line)

        @functools.wraps(check)
        def run(*args, **kwargs):
            missing = (_missing_answers(signature, args, kwargs) if signature is not None
                       else [])
            if missing is None:
                hint = (f"call it with the exercise's answers, as written in the notebook: "
                        f"{check.__name__}{signature}.")
                return finish("fail", f"FAIL {title}: {hint}", hint)
            if missing:
                return finish("not_attempted",
                              _not_attempted_line(title, _describe_missing(missing, args)))
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"), \
                        _time_limit(CHECK_TIME_LIMIT):
                    warnings.simplefilter("ignore")
                    message = check(*args, **kwargs)
            except _OutOfTime:  # the time ran out in the checker's own code
                line = _out_of_time_error("code").line()
                return finish("error", f"ERROR {title}: {line}", line)
            except NotAttempted as err:
                return finish("not_attempted", _not_attempted_line(title, err.what))
            except LearnerError as err:
                line = err.line()
                return finish("error", f"ERROR {title}: {line}", line)
            except AssertionError as err:
                hint = str(err).strip() or "that is not the expected answer."
                return finish("fail", f"FAIL {title}: {hint}", hint)
            except (RecursionError, MemoryError) as err:
                hint = (f"{UNFORESEEN} ({type(err).__name__}); check that it is the kind of "
                        "value the exercise asks for.")
                return finish("fail", f"FAIL {title}: {hint}", hint)
            except SystemExit as err:  # the learner's code outside call(), e.g. in __eq__
                line = LearnerError("code", err, "exit() and sys.exit() stop the whole "
                                    "program; return the answer instead.").line()
                return finish("error", f"ERROR {title}: {line}", line)
            except Exception as err:  # noqa: BLE001 - a learner never sees a traceback
                detail = " ".join(str(err).split())[:200]
                hint = (f"{UNFORESEEN} ({type(err).__name__}: {detail}); check that it is the "
                        "kind of value the exercise asks for (a number, a tuple, an array or "
                        "a function).")
                return finish("fail", f"FAIL {title}: {hint}", hint)
            line = f"PASS {title}"
            if message:
                line += f": {message}"
            return finish("pass", line)

        run.title = title
        run.notebook = stem
        return run

    return decorate


def call(function, *args, **kwargs):
    """Call a learner's function, turning a student-edition stub into :class:`NotAttempted`.

    Any other exception becomes a :class:`LearnerError` naming the function, shown by the
    checker as one ``ERROR`` line with the error's type and message.
    """
    if function is Ellipsis:
        raise NotAttempted("the function is still `...`")
    if not callable(function):
        raise AssertionError(f"expected a function (written with `def`); got "
                             f"{_describe(function)}.")
    name = getattr(function, "__name__", "function")
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted(f"{name} still raises NotImplementedError") from None
    except RecursionError as err:
        raise LearnerError(name, err, "a function that calls itself needs a case that stops "
                                      "the recursion.") from None
    except _OutOfTime:
        raise _out_of_time_error(name) from None
    except SystemExit as err:  # exit(), quit() or sys.exit(): it would escape the check
        raise LearnerError(name, err, "exit() and sys.exit() stop the whole program; the "
                                      "function should return its answer instead.") from None
    except Exception as err:  # noqa: BLE001 - a learner's bug: one clean line, not a crash
        raise LearnerError(name, err) from None
