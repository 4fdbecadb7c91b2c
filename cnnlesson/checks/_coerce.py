"""Turning a learner's answer into one canonical value, or failing the check with a hint.

Every correct form of an answer passes: Python ints, numpy integer scalars and 0-d arrays
(``np.array(660)``) for a whole number; tuples, lists and 1-D arrays (``np.array([24, 28])``)
for a sequence; lists and arrays of any real dtype for an array. The wrong types are refused
with a hint that names the slip: a string (``"-3"``: "write the number without quotes"), a
complex number, a float where a whole number is asked ("use // for integer division"), a
ragged list, a dict, True/False, None (a forgotten ``return``). ``...`` raises
:class:`NotAttempted`.
"""

from __future__ import annotations

import math
import numbers
import re
import warnings

import numpy as np

from ._errors import NotAttempted

__all__ = ["expect_array", "expect_close", "expect_shape", "expect_equal", "expect_int",
           "expect_int_tuple", "expect_number"]


def _describe(value) -> str:
    """A short description of a value for a hint: ``str '3'``, ``ndarray of shape (2, 3)``."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} (dtype {value.dtype})"
    return f"{type(value).__name__} {_short(value)}"


def _short(value) -> str:
    """``repr(value)`` on one line, at most 60 characters."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a learner's object with a broken __repr__
        text = f"<{type(value).__name__}>"
    lines = text.splitlines() or [""]
    text = lines[0] + (" ..." if len(lines) > 1 else "")
    return text if len(text) <= 60 else text[:57] + "..."


def _type_hint(value, what: str, expected: str) -> str | None:
    """A hint for the usual wrong types (None, strings, complex, dicts), or None."""
    if value is None:
        return (f"{what} is None: did you forget to `return` the result, or to assign "
                "the answer?")
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        if re.fullmatch(r"[\s\d.,+\-eE()\[\]]*\d[\s\d.,+\-eE()\[\]]*", text):
            advice = "that is a string, write the number without quotes"
        else:
            advice = "text in quotes is a string; write the Python value itself, without quotes"
        return f"{what} is the string {_short(text)}, not {expected}: {advice}."
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
        raise AssertionError(f"{what} is {_short(value)}, a truth value; it should be a "
                             "whole number such as 3.")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        whole = np.isfinite(number) and number.is_integer()
        advice = ("use // for integer division (/ always gives a float), or int(...)"
                  if slash_hint else "write it as an int, e.g. int(...)")
        if whole:
            raise AssertionError(f"{what} is {_short(value)}, a float; it should be a whole "
                                 f"number (an int): {advice}.")
        raise AssertionError(f"{what} is {_short(value)}; it should be a whole number (an int)."
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
        raise AssertionError(f"{what} is {_short(value)}, a truth value; it should be a "
                             "number.")
    if not isinstance(value, numbers.Real):
        raise AssertionError(f"{what} should be a number; got {_describe(value)}.")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
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
                                     f"({_short(value)}).")
            raise AssertionError(f"{what} should be {expected}; got {_describe(value)}.")
        items = list(value)
    elif isinstance(value, (tuple, list)):
        items = list(value)
    elif isinstance(value, (numbers.Number, np.generic)):
        raise AssertionError(f"{what} should be {expected}; got one number "
                             f"({_short(value)}).")
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
        raise AssertionError(f"{what} should be an array of numbers; got str {_short(value)}: that "
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
        raise AssertionError(f"{what} is {_short(got)}, which is not right. {hint}".strip())
