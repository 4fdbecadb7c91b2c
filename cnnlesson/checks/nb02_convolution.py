"""Exercise checkers for notebook 02_convolution.

* :func:`output_size_formula`: Exercise 2.1, ``my_output_size(n, k, stride, padding)``.
* :func:`multichannel_conv`: Exercise 2.2, ``my_conv_multichannel(x, w, b)`` with loops.
* :func:`conv_parameter_count`: Exercise 2.3, counting the parameters of conv layers.
"""

from __future__ import annotations

import numpy as np

from ..functional import conv2d_forward, conv_output_size
from ._core import _short, call, exercise, expect_array, expect_int

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "02_convolution"

__all__ = ["output_size_formula", "multichannel_conv", "conv_parameter_count"]


# ---------------------------------------------------------------------------
# Exercise 2.1
# ---------------------------------------------------------------------------

#: (n, k, stride, padding) cases; several have a stride that does not divide n + 2p - k,
#: so the floor matters, and several have padding, so "padding twice" matters.
OUTPUT_SIZE_CASES = (
    (26, 3, 1, 0),
    (24, 2, 2, 0),
    (28, 5, 1, 2),
    (32, 3, 1, 1),
    (7, 3, 2, 0),
    (6, 3, 2, 0),
    (5, 3, 2, 1),
    (10, 4, 3, 0),
    (224, 7, 2, 3),
    (227, 11, 4, 0),
    (9, 2, 2, 0),
    (3, 3, 1, 0),
    (1, 3, 1, 1),
)

#: Typical wrong formulas and the hint each deserves, tried in this order.
_WRONG_OUTPUT_SIZES = (
    (lambda n, k, s, p: (n + 2 * p - k) // s,
     "It looks like the +1 is missing: even when the kernel exactly covers the input "
     "(n + 2p = k) there is one position, so the formula ends with + 1."),
    (lambda n, k, s, p: (n + p - k) // s + 1,
     "It looks like the padding was counted once; p zeros are added on *each* side, so the "
     "padded size is n + 2p."),
    (lambda n, k, s, p: (n - k) // s + 1,
     "It looks like the padding was left out; the padded input has n + 2p pixels per side."),
    (lambda n, k, s, p: n + 2 * p - k + 1,
     "It looks like the stride was ignored; the window moves `stride` pixels at a time, so "
     "divide the free room (n + 2p - k) by the stride."),
    (lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1,
     "It looks like the division rounds up; a window that does not fit completely is dropped, "
     "so round *down* (floor), e.g. with //."),
    (lambda n, k, s, p: (n + 2 * p - k + 1) // s,
     "The +1 belongs outside the division: floor((n + 2p - k) / s) + 1."),
)


def _diagnose_output_size(fn_values: dict) -> str:
    for wrong, hint in _WRONG_OUTPUT_SIZES:
        if all(got == wrong(*case) for case, got in fn_values.items()):
            return hint
    return ("Recall the recipe: pad (n + 2p), subtract the kernel (room left to move), divide "
            "by the stride rounding down, add 1 for the first position.")


@exercise("Exercise 2.1: the output-size formula")
def output_size_formula(my_output_size):
    """Check ``my_output_size(n, k, stride, padding)`` on many cases.

    Parameters
    ----------
    my_output_size : callable
        The learner's function ``(n, k, stride, padding) -> int``.

    Introduced in notebook 02_convolution.
    """
    values = {}
    for case in OUTPUT_SIZE_CASES:
        got = call(my_output_size, *case)
        values[case] = expect_int(got, f"my_output_size{case}'s result", slash_hint=True)
    wrong = {c: v for c, v in values.items() if v != conv_output_size(*c)}
    if wrong:
        case, got = next(iter(wrong.items()))
        n, k, s, p = case
        raise AssertionError(
            f"for n={n}, k={k}, stride={s}, padding={p} you return {_short(got)}; expected "
            f"{conv_output_size(*case)} ({len(wrong)} of {len(values)} cases are wrong). "
            + _diagnose_output_size(values))
    return f"all {len(values)} cases right, including strides that do not divide evenly"


# ---------------------------------------------------------------------------
# Exercise 2.2
# ---------------------------------------------------------------------------

def _reference(x, w, b):
    return conv2d_forward(x[None], w, b)[0][0]


def _multichannel_cases():
    rng = np.random.default_rng(2)
    cases = []
    # (C, H, W), (F, C, KH, KW): non-square inputs and kernels catch swapped axes.
    for (c, h, wd), (f, kh, kw) in (((3, 6, 7), (2, 3, 3)),
                                    ((2, 5, 6), (3, 2, 3)),
                                    ((1, 4, 4), (1, 3, 3)),
                                    ((4, 3, 5), (2, 3, 1))):
        x = rng.standard_normal((c, h, wd))
        w = rng.standard_normal((f, c, kh, kw))
        b = rng.uniform(0.5, 2.0, size=f) * rng.choice([-1.0, 1.0], size=f)
        cases.append((x, w, b))
    return cases


def _diagnose_multichannel(x, w, b, got) -> str:
    f, c, kh, kw = w.shape
    right = _reference(x, w, b)
    oh, ow = right.shape[1:]
    if got.shape == (f, c, oh, ow):
        return ("Your output has a channel axis: each filter must turn all C channels into ONE "
                "map, so sum the products over the channels (and the window) at each position.")
    if got.shape == (oh, ow, f):
        return ("The filter axis should come first: return (F, H', W'), e.g. fill "
                "out[f, i, j].")
    if got.shape != right.shape:
        return (f"For x of shape {x.shape} and w of shape {w.shape} the output has shape "
                f"(F, H - KH + 1, W - KW + 1) = {right.shape}; check your loop ranges.")
    flipped = _reference(x, w[:, :, ::-1, ::-1].copy(), b)
    no_bias = right - b[:, None, None]
    candidates = (
        (no_bias, "It looks like the bias is missing: add b[f] once to every value of map f."),
        (right + (c - 1) * b[:, None, None],
         "It looks like the bias was added once per channel; add b[f] only once per output "
         "value, after summing over the channels."),
        (flipped, "It looks like the kernel was flipped: a CNN's 'conv' is a cross-correlation, "
                  "so use w[f] exactly as it is (no [::-1, ::-1])."),
        (flipped - b[:, None, None],
         "It looks like the kernel was flipped and the bias forgotten: use w[f] as it is and "
         "add b[f]."),
        (no_bias / c + b[:, None, None],
         "It looks like you averaged over the channels; a conv layer *sums* them."),
        (_reference(x[:1], w[:, :1].copy(), b),
         "Only the first channel seems to count; sum over all C channels."),
    )
    for candidate, hint in candidates:
        if np.allclose(got, candidate):
            return hint
    return ("out[f, i, j] = b[f] + sum of x[:, i:i+KH, j:j+KW] * w[f] (all channels, the "
            "whole window).")


@exercise("Exercise 2.2: a multi-channel convolution with loops")
def multichannel_conv(my_conv_multichannel):
    """Check ``my_conv_multichannel(x, w, b)`` against :func:`cnnlesson.functional.conv2d_forward`.

    Parameters
    ----------
    my_conv_multichannel : callable
        The learner's function ``(x (C, H, W), w (F, C, KH, KW), b (F,)) -> (F, H', W')``,
        stride 1 and no padding.

    Introduced in notebook 02_convolution.
    """
    cases = _multichannel_cases()
    for x, w, b in cases:
        x_in, w_in, b_in = x.copy(), w.copy(), b.copy()
        got = call(my_conv_multichannel, x_in, w_in, b_in)
        if got is None:
            raise AssertionError("my_conv_multichannel returned None; did you forget "
                                 "`return out`?")
        if not (np.array_equal(x_in, x) and np.array_equal(w_in, w) and np.array_equal(b_in, b)):
            raise AssertionError("my_conv_multichannel changed its inputs; build a new output "
                                 "array instead of writing into x, w or b.")
        got = expect_array(got, "my_conv_multichannel's output")
        right = _reference(x, w, b)
        if got.shape != right.shape or not np.allclose(got, right):
            detail = (f"for x of shape {x.shape} and w of shape {w.shape}, "
                      f"your output (shape {got.shape}) differs from conv2d_forward's "
                      f"(shape {right.shape}).")
            raise AssertionError(f"{detail} {_diagnose_multichannel(x, w, b, got)}")
    return (f"matches functional.conv2d_forward on {len(cases)} inputs "
            "(several channels, non-square kernels)")


# ---------------------------------------------------------------------------
# Exercise 2.3
# ---------------------------------------------------------------------------

def _conv_params(filters, channels, k):
    return filters * (channels * k * k) + filters


@exercise("Exercise 2.3: counting parameters")
def conv_parameter_count(params_a, params_b, params_c):
    """Check three parameter counts.

    Parameters
    ----------
    params_a : int
        A conv layer with 12 filters of 3x3 over 6 input channels, with biases (660).
    params_b : int
        A conv layer with 16 filters of 5x5 over an RGB image, with biases (1216).
    params_c : int
        The first layer of the notebook (6 filters 3x3 over RGB) applied to a 52x52x3 image
        instead of 26x26x3 (168: parameters do not depend on the image size).

    Introduced in notebook 02_convolution.
    """
    answers = (("params_a", params_a, 12, 6, 3), ("params_b", params_b, 16, 3, 5),
               ("params_c", params_c, 6, 3, 3))
    for name, value, f, c, k in answers:
        value = expect_int(value, name)
        right = _conv_params(f, c, k)
        hints = {
            f * c * k * k: "the biases are missing: one bias per filter.",
            f * k * k + f: "each filter spans every input channel: it has C*k*k weights.",
            f * k * k: "each filter has C*k*k weights (all channels), plus one bias.",
            f * (c * k * k + c): "there is one bias per filter, not per channel.",
            c * k * k + 1: "that is one filter; count all of them.",
        }
        if name == "params_c":
            hints[_conv_params(f, c, k) * 4] = (
                "the number of parameters does not depend on the image size: the same "
                "kernels slide over any image (weight sharing).")
        if value != right:
            hint = hints.get(value, "count (weights per filter + 1 bias) x filters; weights "
                                    "per filter = C * KH * KW.")
            raise AssertionError(f"{name} is {_short(value)}, which is not right. {hint}")
    return "660, 1216 and 168 (the same 168 at any image size)"
