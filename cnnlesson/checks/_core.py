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

import functools
import inspect
import numbers
import re
import sys
import warnings

import numpy as np

__all__ = ["exercise", "CheckResult", "NotAttempted", "LearnerError", "expect_array",
           "expect_close", "expect_shape", "expect_equal", "expect_int", "expect_int_tuple",
           "expect_number", "call", "make_record", "emit_record", "RECORD_MIME"]

#: The MIME type of a check's machine-readable record.
RECORD_MIME = "application/vnd.cnnlesson.check+json"

#: The start of the hint shown when a checker itself failed on an answer it did not foresee
#: (a safety net: the tests make sure no known input ends up here).
UNFORESEEN = "the check could not use this answer"

_STATUSES = ("pass", "fail", "not_attempted", "error")


class NotAttempted(Exception):
    """Raised inside a checker when the learner has not written an answer yet.

    Parameters
    ----------
    what : str, optional
        Which answer is missing, e.g. ``"`same_padding` is still `...`"``.
    """

    def __init__(self, what: str = ""):
        super().__init__(what)
        self.what = what


class LearnerError(Exception):
    """The learner's own code raised inside a check; shown as one clean ``ERROR`` line.

    Parameters
    ----------
    function : str
        The name of the learner's function.
    error : BaseException
        What it raised.
    hint : str, optional
        Advice to show after the error; a generic one when empty.
    """

    def __init__(self, function: str, error: BaseException, hint: str = ""):
        self.function = function
        self.error = error
        self.hint = hint or "Read the message, fix the code and run the cell again."
        super().__init__(self.line())

    def line(self) -> str:
        message = " ".join(str(self.error).split())
        if len(message) > 300:
            message = message[:297] + "..."
        kind = type(self.error).__name__
        what = f"{kind}: {message}" if message else kind
        return f"your {self.function} raised {what}. Hint: {self.hint}"


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
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    message = check(*args, **kwargs)
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
    except Exception as err:  # noqa: BLE001 - a learner's bug: one clean line, not a crash
        raise LearnerError(name, err) from None


# ---------------------------------------------------------------------------
# turning answers into canonical values
# ---------------------------------------------------------------------------

def _describe(value) -> str:
    """A short description of a value for a hint: ``str '3'``, ``ndarray of shape (2, 3)``."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} (dtype {value.dtype})"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _type_hint(value, what: str, expected: str) -> str | None:
    """A hint for the usual wrong types (None, strings, complex, dicts), or None."""
    if value is None:
        return (f"{what} is None: did you forget to `return` the result, or to assign "
                "the answer?")
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return (f"{what} is the string {str(value)!r}, not {expected}: that is a string, "
                "write the number without quotes.")
    if isinstance(value, (complex, np.complexfloating)) or (
            isinstance(value, np.ndarray) and np.iscomplexobj(value)):
        return (f"{what} is complex ({_describe(value)}); the answer is real: drop the "
                "imaginary part (the `j`).")
    if isinstance(value, (dict, set, frozenset)):
        return f"{what} should be {expected}; got a {type(value).__name__}."
    return None


def _unwrap_scalar(value):
    """0-d arrays and 1-element object arrays become their one element."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item() if value.dtype == object else value[()]
    return value


def expect_int(value, what: str = "your answer", *, slash_hint: bool = False) -> int:
    """Turn a whole-number answer into an ``int``, or fail the check with a hint.

    Accepts Python ints, numpy integer scalars and 0-d integer arrays (``np.array(660)``).
    Refuses ``...`` (not attempted), None, strings (``"-3"``), complex numbers, floats
    (``660.0``: "use // for integer division" when ``slash_hint``), booleans and arrays.

    Parameters
    ----------
    value : object
        The learner's answer.
    what : str
        How to name it in a message, e.g. ``"same_padding"``.
    slash_hint : bool, default False
        Mention ``//`` when the answer is a float (for answers computed by a division).

    Returns
    -------
    int

    Introduced in notebook 01_filtering.
    """
    if value is Ellipsis:
        raise NotAttempted(f"`{what}` is still `...`")
    value = _unwrap_scalar(value)
    hint = _type_hint(value, what, "a whole number")
    if hint:
        raise AssertionError(hint)
    if isinstance(value, (bool, np.bool_)):
        raise AssertionError(f"{what} is {value!r}, a truth value; it should be a whole "
                             "number such as 3.")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        whole = np.isfinite(number) and number.is_integer()
        advice = ("use // for integer division (/ always gives a float), or int(...)"
                  if slash_hint else "write it as an int, e.g. int(...)")
        if whole:
            raise AssertionError(f"{what} is {value!r}, a float; it should be a whole number "
                                 f"(an int): {advice}.")
        raise AssertionError(f"{what} is {value!r}; it should be a whole number (an int)."
                             + (" Hint: " + advice + "." if slash_hint else ""))
    if isinstance(value, (list, tuple, np.ndarray)):
        raise AssertionError(f"{what} should be one whole number; got "
                             f"{_describe(value)}.")
    raise AssertionError(f"{what} should be a whole number; got {_describe(value)}.")


def expect_number(value, what: str = "your answer") -> float:
    """Turn a one-number answer into a finite ``float``, or fail the check with a hint.

    Accepts ints, floats, numpy scalars, 0-d arrays and arrays holding one number. Refuses
    ``...`` (not attempted), None, strings, complex numbers, booleans, NaN and infinity.

    Parameters
    ----------
    value : object
        The learner's answer.
    what : str
        How to name it in a message.

    Returns
    -------
    float

    Introduced in notebook 01_filtering.
    """
    if value is Ellipsis:
        raise NotAttempted(f"`{what}` is still `...`")
    value = _unwrap_scalar(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = _numeric_array(value, what, "one number")
        if arr.size != 1:
            raise AssertionError(f"{what} should be one number; got {_describe(arr)}. Sum "
                                 "or pick a single value (e.g. np.sum(...)).")
        value = arr.reshape(())[()]
    hint = _type_hint(value, what, "a number")
    if hint:
        raise AssertionError(hint)
    if isinstance(value, (bool, np.bool_)):
        raise AssertionError(f"{what} is {value!r}, a truth value; it should be a number.")
    if not isinstance(value, numbers.Real):
        raise AssertionError(f"{what} should be a number; got {_describe(value)}.")
    number = float(value)
    if not np.isfinite(number):
        raise AssertionError(f"{what} is {number}; it should be a finite number.")
    return number


def _numeric_array(value, what: str, expected: str) -> np.ndarray:
    """``value`` as a real numeric array (any shape), refusing strings, complex and ragged."""
    hint = _type_hint(value, what, expected)
    if hint:
        raise AssertionError(hint)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.VisibleDeprecationWarning)
            arr = np.asarray(value)
    except (ValueError, TypeError, np.exceptions.VisibleDeprecationWarning):
        raise AssertionError(f"{what} should be {expected}; its rows have different lengths "
                             f"(a ragged list), so it is not a rectangular array.") from None
    except Exception:  # noqa: BLE001 - an object whose __array__ misbehaves
        raise AssertionError(f"{what} should be {expected}; got {_describe(value)}.") from None
    if arr.dtype == object:
        flat = list(arr.ravel())
        for item in flat:
            item_hint = _type_hint(_unwrap_scalar(item), f"an entry of {what}", "a number")
            if item_hint:
                raise AssertionError(item_hint)
            if isinstance(item, (list, tuple, np.ndarray)):
                raise AssertionError(f"{what} should be {expected}; its rows have different "
                                     "lengths (a ragged list), so it is not a rectangular "
                                     "array.")
            if not isinstance(item, numbers.Number) or isinstance(item, (bool, np.bool_)):
                raise AssertionError(f"{what} should be {expected}; one of its entries is "
                                     f"{_describe(item)}.")
        if any(isinstance(item, numbers.Complex) and not isinstance(item, numbers.Real)
               for item in flat):
            raise AssertionError(_type_hint(1j, what, expected))
    elif arr.dtype.kind in "USV":
        raise AssertionError(f"{what} holds strings ({_describe(arr)}); write the numbers "
                             "without quotes.")
    elif arr.dtype.kind == "b":
        raise AssertionError(f"{what} holds truth values (True/False), not numbers; got "
                             f"{_describe(arr)}.")
    elif arr.dtype.kind in "mM":
        raise AssertionError(f"{what} should be {expected}; got {_describe(arr)}.")
    if np.iscomplexobj(arr):
        raise AssertionError(_type_hint(arr, what, expected))
    return arr


def expect_int_tuple(value, what: str = "your answer", length: int | None = None, *,
                     example: str = "(24, 28)", slash_hint: bool = False) -> tuple:
    """Turn a sequence of whole numbers into a tuple of ``int``, or fail with a hint.

    Accepts tuples, lists and 1-D arrays (``np.array([24, 28])``) of Python or numpy ints.
    Refuses one number (``np.array(3)``), strings, floats (``24.0``), nested or ragged
    sequences, dicts, sets and None.

    Parameters
    ----------
    value : object
        The learner's answer.
    what : str
        How to name it in a message.
    length : int, optional
        The required number of entries.
    example : str, default "(24, 28)"
        An example of the expected form, for the hint.
    slash_hint : bool, default False
        Mention ``//`` for float entries.

    Returns
    -------
    tuple of int

    Introduced in notebook 01_filtering.
    """
    if value is Ellipsis:
        raise NotAttempted(f"`{what}` is still `...`")
    expected = f"a tuple of whole numbers such as {example}"
    hint = _type_hint(value, what, expected)
    if hint:
        raise AssertionError(hint)
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            if value.ndim == 0:
                raise AssertionError(f"{what} should be {expected}; got one number "
                                     f"({value!r}).")
            raise AssertionError(f"{what} should be {expected}; got {_describe(value)}.")
        items = list(value)
    elif isinstance(value, (tuple, list)):
        items = list(value)
    elif isinstance(value, (numbers.Number, np.generic)):
        raise AssertionError(f"{what} should be {expected}; got one number ({value!r}).")
    else:
        raise AssertionError(f"{what} should be {expected}; got {_describe(value)}.")
    if length is not None and len(items) != length:
        raise AssertionError(f"{what} should have {length} entries, like {example}; it has "
                             f"{len(items)}.")
    out = []
    for i, item in enumerate(items):
        if item is Ellipsis:
            raise NotAttempted(f"`{what}` still contains `...`")
        if isinstance(item, (list, tuple)) or (isinstance(item, np.ndarray) and item.ndim):
            raise AssertionError(f"{what} should be {expected}, one number per entry; entry "
                                 f"{i} is {_describe(item)}.")
        out.append(expect_int(item, f"entry {i} of {what}", slash_hint=slash_hint))
    return tuple(out)


def expect_array(value, what: str = "your answer", *, ndim: int | None = None,
                 finite: bool = False) -> np.ndarray:
    """Turn a learner's result into a float64 array, or fail the check with a hint.

    ``...`` means not attempted; ``None`` usually means a forgotten ``return``. Strings,
    complex numbers, ragged lists and dicts are refused with a hint.

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

    Introduced in notebook 01_filtering.
    """
    if value is Ellipsis:
        raise NotAttempted(f"`{what}` is still `...`")
    if value is None:
        raise AssertionError(f"{what} is None: did you forget to `return` the result?")
    if isinstance(value, (str, bytes)):
        raise AssertionError(f"{what} should be an array of numbers; got str {value!r}: that "
                             "is a string, write the numbers without quotes.")
    if isinstance(value, (dict, set, frozenset)) or callable(value):
        raise AssertionError(f"{what} should be an array of numbers; got "
                             f"{type(value).__name__}.")
    arr = _numeric_array(value, what, "an array of numbers")
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise AssertionError(f"{what} should be an array of numbers; got "
                             f"{_describe(value)}.") from None
    if ndim is not None and arr.ndim != ndim:
        raise AssertionError(f"{what} should be a {ndim}-D array; it has shape {arr.shape}.")
    if finite and not np.all(np.isfinite(arr)):
        raise AssertionError(f"{what} contains NaN or inf.")
    return arr


def expect_shape(value, shape, what: str = "your answer") -> np.ndarray:
    """Require an array-like of a given shape; return it as an array."""
    if value is Ellipsis:
        raise NotAttempted(f"`{what}` is still `...`")
    arr = value if isinstance(value, np.ndarray) else expect_array(value, what)
    if arr.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}; it has {arr.shape}.")
    return arr


def expect_close(value, expected, what: str = "your answer", hint: str = "",
                 rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Require numbers or arrays close to the expected ones, with a hint on failure."""
    if value is Ellipsis:
        raise NotAttempted(f"`{what}` is still `...`")
    expected = np.asarray(expected, dtype=float)
    if value is None:
        raise AssertionError(f"{what} is None: did you forget to `return` the result? "
                             f"{hint}".strip())
    try:
        got = expect_array(value, what)
    except AssertionError:
        raise AssertionError(f"{what} should be a number or an array of numbers; got "
                             f"{type(value).__name__}.") from None
    if got.shape != expected.shape:
        if got.size == 1 and expected.size == 1:
            got = got.reshape(expected.shape)
        else:
            raise AssertionError(
                f"{what} should have shape {expected.shape}; it has {got.shape}. "
                f"{hint}".strip())
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        if got.ndim == 0:
            detail = f"got {float(got):.4g}, expected {float(expected):.4g}."
        else:
            diff = np.abs(got - expected)
            diff[np.isnan(diff)] = np.inf
            where = np.unravel_index(np.argmax(diff), got.shape)
            detail = (f"the largest difference is at index {tuple(int(i) for i in where)}: "
                      f"got {got[where]:.4g}, expected {expected[where]:.4g}.")
        raise AssertionError(f"{what} is not right: {detail} {hint}".strip())


def expect_equal(value, expected, what: str = "your answer", hint: str = "") -> None:
    """Require exact equality (for integers, tuples of integers, strings).

    Integers and tuples of integers accept every correct form (numpy integers, 0-d arrays,
    lists and 1-D arrays) and refuse strings and floats through :func:`expect_int` and
    :func:`expect_int_tuple`.
    """
    if value is Ellipsis:
        raise NotAttempted(f"`{what}` is still `...`")
    if isinstance(expected, bool):
        got = value
    elif isinstance(expected, numbers.Integral):
        got = expect_int(value, what)
    elif isinstance(expected, tuple) and all(isinstance(v, numbers.Integral)
                                             for v in expected):
        got = expect_int_tuple(value, what, example=repr(expected))
    else:
        got = value
    if isinstance(got, np.ndarray) or got != expected:
        raise AssertionError(f"{what} is {got!r}, which is not right. {hint}".strip())
