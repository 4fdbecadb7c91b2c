"""Numerical gradients, to check any backward pass.

A backward pass is a hand-written derivative, and a wrong one still "learns"
(badly). The check is to compare it with a *numerical* gradient: nudge each
input up and down by a tiny ``eps`` and watch how the output moves,

    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)     (central difference)

then measure the gap with :func:`rel_error`. In float64 a correct backward pass
agrees to about 1e-8 or better; a bug gives errors around 1e-2 to 1.

Introduced in notebook 04_backprop.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from cnnlesson._validate import check_array, check_finite, describe, fail

__all__ = ["numerical_gradient", "rel_error", "check_gradient"]

#: Most entries :func:`numerical_gradient` perturbs (2 calls of ``f`` each): more
#: would run for many minutes and look like a hang.
MAX_ENTRIES = 100_000


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray | float], x: np.ndarray,
                       dout: np.ndarray | None = None, eps: float = 1e-5) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``, by central differences.

    Each entry ``x[i]`` is set to ``x[i] + eps`` and to ``x[i] - eps`` in turn
    (``x`` is modified **in place** and restored afterwards, even if ``f``
    raises), so ``f`` must read ``x`` when it is called, e.g.
    ``numerical_gradient(lambda v: conv2d_forward(v, w, b)[0], x, dout)`` for
    the gradient with respect to the input and
    ``numerical_gradient(lambda v: conv2d_forward(x, v, b)[0], w, dout)`` for
    the weights.

    With ``dout`` given, the result is what a backward pass returns when it
    receives ``dout``: the vector-Jacobian product ``dout . df/dx``. The sum is
    taken over ``(f(x + eps) - f(x - eps)) * dout``, so outputs that did not
    move cancel exactly, which keeps rounding noise small.

    Costs ``2 * x.size`` calls of ``f``: use small arrays.

    Parameters
    ----------
    f : callable
        Takes ``x`` and returns an array (any shape) or a scalar.
    x : numpy.ndarray, any shape, float64
        The point where the gradient is taken. Must be float64 and writeable:
        with ``eps = 1e-5`` float32 rounding (about 1e-7 relative) would swamp
        the tiny differences.
    dout : numpy.ndarray or None, shape of ``f(x)``
        Weights of the outputs. ``None`` means all ones (for a scalar ``f``,
        such as a loss, this is just its gradient).
    eps : float, default 1e-5
        Step size, > 0.

    Returns
    -------
    numpy.ndarray, same shape as ``x``, float64
        The numerical gradient.

    Raises
    ------
    TypeError
        If ``f`` returns None (a ``def`` without ``return``), a tuple, or
        something that is not real numbers; if ``x`` is not float64.
    ValueError
        If ``f`` returns NaN or inf (at ``x`` or at a nudged point, which is
        named), ``x`` or ``dout`` hold NaN or inf, or ``x`` has more than
        :data:`MAX_ENTRIES` (100,000) entries.

    Introduced in notebook 04_backprop.
    """
    if not callable(f):
        fail(TypeError, "f", "a function of x", describe(f),
             "pass e.g. lambda x: conv2d_forward(x, w, b)[0]")
    check_array(x, "x", hint="convert it with np.asarray(x, dtype=np.float64)")
    if x.dtype != np.float64:
        fail(TypeError, "x", "a float64 array", f"dtype {x.dtype}",
             "use x.astype(np.float64) (and float64 weights): with eps=1e-5 the rounding "
             "of float32 (about 1e-7 relative) would swamp the differences")
    if not x.flags.writeable:
        fail(ValueError, "x", "a writeable array (it is perturbed in place and restored)",
             "a read-only array", "pass a copy, x.copy()")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        fail(TypeError, "eps", "a positive float", describe(eps), "e.g. eps=1e-5")
    if not (np.isfinite(eps) and eps > 0):
        fail(ValueError, "eps", "a positive finite float", repr(eps), "e.g. eps=1e-5")
    check_finite(x, "x", "the gradient is taken at x, so every entry must be a number")
    if x.size > MAX_ENTRIES:
        fail(ValueError, "x", f"at most {MAX_ENTRIES:,} entries (each costs 2 calls of f)",
             f"shape {tuple(x.shape)} ({x.size:,} entries)",
             "check the gradient on a small example, e.g. a batch of 2 and a few channels")

    def evaluate(where: str) -> np.ndarray:
        value = f(x)
        if value is None:
            fail(TypeError, "f", "a function returning an array or a scalar",
                 "a function returning None",
                 "did you forget `return`? A def needs `return ...`; a lambda returns its "
                 "expression, e.g. lambda x: conv2d_forward(x, w, b)[0]")
        if isinstance(value, tuple):
            fail(TypeError, "f", "a function returning an array or a scalar",
                 f"a function returning a tuple of length {len(value)}",
                 "keep only the output, e.g. lambda x: conv2d_forward(x, w, b)[0]")
        try:
            kind = np.asarray(value).dtype.kind
        except (TypeError, ValueError):  # e.g. a ragged list
            kind = None
        if kind not in ("b", "i", "u", "f"):
            fail(TypeError, "f", "a function returning real numbers (an array or a scalar)",
                 f"a function returning {describe(value)}",
                 "return a numpy array or a float, e.g. the forward output or the loss")
        # A copy: f may return a view of x, which the next perturbation would change.
        out = np.array(value, dtype=np.float64, copy=True)
        if not np.all(np.isfinite(out)):
            fail(ValueError, "f", "a function returning finite values",
                 f"NaN or inf from f {where}",
                 "look for a log of 0, a division by zero or an overflow in f; a NaN would "
                 "make the whole gradient NaN")
        return out

    out_shape = evaluate("at x").shape
    if dout is None:
        weights = np.ones(out_shape)
    else:
        check_array(dout, "dout", hint="dout must be an array shaped like f(x)")
        if dout.shape != out_shape:
            fail(ValueError, "dout", f"of shape {out_shape} (the shape of f(x))",
                 f"shape {tuple(dout.shape)}", "dout weights each output of f")
        if dout.dtype.kind not in ("b", "i", "u", "f"):
            fail(TypeError, "dout", "an array of real numbers", f"dtype {dout.dtype}",
                 "dout is usually np.random.default_rng(0).normal(size=out.shape)")
        weights = np.asarray(dout, dtype=np.float64)
        check_finite(weights, "dout")

    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            plus = evaluate(f"at x{list(index)} + eps")
            x[index] = original - eps
            minus = evaluate(f"at x{list(index)} - eps")
        finally:
            x[index] = original
        grad[index] = np.sum((plus - minus) * weights) / (2 * eps)
    return grad


def rel_error(a, b, *, floor: float = 1e-8) -> float:
    """Largest elementwise relative error between two arrays.

    ``max over i of |a_i - b_i| / max(|a_i| + |b_i|, floor)``.

    Relative, so that large and small gradients are judged alike. The
    ``floor`` keeps entries where both values are (near) zero from dividing
    by zero: below it the error is measured in absolute terms (scaled by
    ``1/floor``). Two identical arrays give 0; opposite signs give 1.

    Being elementwise, this is a strict measure: a numerical gradient carries
    rounding noise of roughly ``1e-16 * |f| / eps`` in *absolute* terms, so an
    entry that happens to be tiny compared with the others (say 1e-7 when the
    largest is 1) can show a large relative error although the backward pass
    is right. When checking the gradient of a whole network's loss, judge
    such entries in absolute terms by raising ``floor`` to a small fraction
    of the gradient's scale, e.g. ``floor=1e-3 * np.abs(a).max()``.

    Parameters
    ----------
    a, b : array_like, same shape
        Typically an analytic and a numerical gradient.
    floor : float, default 1e-8
        Smallest denominator, > 0.

    Returns
    -------
    float
        The relative error (0.0 for empty arrays). In float64 a correct
        gradient gives about 1e-8 or less.

    Introduced in notebook 04_backprop.
    """
    if isinstance(floor, bool) or not isinstance(floor, numbers.Real) or not floor > 0:
        fail(ValueError, "floor", "a positive float", describe(floor), "e.g. floor=1e-8")
    arrays = []
    for name, value in (("a", a), ("b", b)):
        try:
            kind = np.asarray(value).dtype.kind
        except (TypeError, ValueError):  # e.g. a ragged list
            kind = None
        if kind not in ("b", "i", "u", "f"):
            fail(TypeError, name, "an array of real numbers",
                 describe(value) + (f" of dtype {np.asarray(value).dtype}"
                                    if kind is not None and not isinstance(value, np.ndarray)
                                    else ""),
                 "pass the gradients as numpy float arrays")
        arrays.append(np.asarray(value, dtype=np.float64))
    a, b = arrays
    if a.shape != b.shape:
        raise ValueError(
            f"b must be of the shape of a, {a.shape}; got shape {b.shape}. "
            "Hint: compare a gradient with the gradient of the same array")
    if a.size == 0:
        return 0.0
    diff = np.abs(a - b)
    scale = np.maximum(np.abs(a) + np.abs(b), floor)
    err = np.max(diff / scale)
    if not np.isfinite(err):
        return float("nan") if np.isnan(err) else float("inf")
    return float(err)


def _short(value: float) -> str:
    """``1e-06`` -> ``1e-6``, ``3e-10`` stays: one significant digit."""
    if not np.isfinite(value):
        return str(value)
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def check_gradient(name: str, analytic, numeric, tol: float = 1e-6, *,
                   floor: float = 1e-8, show_value: bool = False) -> bool:
    """Compare an analytic and a numerical gradient and print one line.

    Prints e.g. ``conv2d dw: relative error < 1e-6 -> PASS``. By default a
    passing check prints only the bound, so that the output is the same on
    every machine (notebooks are re-run and compared); a failing check
    prints the error, rounded to one significant digit.

    Parameters
    ----------
    name : str
        A label, e.g. ``"conv2d dw"``.
    analytic, numeric : numpy.ndarray, same shape
        The gradient from the backward pass and from :func:`numerical_gradient`.
    tol : float, default 1e-6
        :func:`rel_error` must be below this to pass.
    floor : float, default 1e-8
        Passed to :func:`rel_error`.
    show_value : bool, default False
        Also print the measured error when it passes (machine dependent).

    Returns
    -------
    bool
        True if the check passed (end the notebook line with ``;`` to hide it).

    Introduced in notebook 04_backprop.
    """
    if not isinstance(name, str):
        fail(TypeError, "name", "a str", describe(name), 'e.g. "conv2d dw"')
    check_array(analytic, "analytic")
    check_array(numeric, "numeric")
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"numeric must be of the shape of analytic, {analytic.shape}; got shape "
            f"{numeric.shape}. Hint: compare two gradients of the same array")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol > 0:
        fail(ValueError, "tol", "a positive float", describe(tol), "e.g. tol=1e-6")
    err = rel_error(analytic, numeric, floor=floor)
    passed = bool(err < tol)
    if passed and not show_value:
        print(f"{name}: relative error < {_short(tol)} -> PASS")
    elif passed:
        print(f"{name}: relative error {_short(err)} -> PASS")
    else:
        print(f"{name}: relative error {_short(err)} (tolerance {_short(tol)}) -> FAIL")
    return passed
