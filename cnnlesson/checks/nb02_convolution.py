"""Exercise checkers for notebook 02_convolution.

* :func:`convolve_by_flip`: Exercise 2.1, ``my_convolve2d(image, kernel)`` from ``correlate2d``
  and a flip.
* :func:`flip_invariant_kernels`: Exercise 2.2, which named kernels the flip leaves unchanged.
* :func:`choose_geometry`: Exercise 2.3, a kernel size, stride and padding that map 26 to 13
  (several answers are right; each is explained).
* :func:`multichannel_conv`: Exercise 2.4, ``my_conv_multichannel(x, w, b)`` with loops.
* :func:`conv_parameter_count`: Exercise 2.5, counting the parameters of conv layers.
* :func:`output_size_formula`: an extra exercise (Exercise 2.1 of an earlier edition),
  ``my_output_size(n, k, stride, padding)``, kept for notebooks that still call it; its
  record's id is ``"extra"``, so the class report does not mix it with today's 2.1.
"""

from __future__ import annotations

import numpy as np

from .. import filters
from ..functional import conv2d_forward, conv_output_size
from ._core import _describe, _short, _type_hint, call, exercise, expect_array, expect_int

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "02_convolution"

__all__ = ["output_size_formula", "multichannel_conv", "conv_parameter_count",
           "convolve_by_flip", "flip_invariant_kernels", "choose_geometry", "geometry_story",
           "flip_invariant_truth"]


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


@exercise("Extra: the output-size formula")
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


@exercise("Exercise 2.4: a multi-channel convolution with loops")
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


@exercise("Exercise 2.5: counting parameters")
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


# ---------------------------------------------------------------------------
# Exercise 2.1: convolution from correlate2d and a flip
# ---------------------------------------------------------------------------

def _flip_cases():
    """Non-square images with random, non-symmetric kernels (square and not)."""
    rng = np.random.default_rng(21)
    return [(rng.normal(size=(h, w)), rng.normal(size=(kh, kw)))
            for (h, w), (kh, kw) in (((7, 9), (3, 3)), ((8, 6), (2, 3)), ((6, 10), (3, 2)),
                                     ((9, 7), (4, 4)), ((5, 5), (1, 3)))]


def _diagnose_flip(image, kernel, got) -> str:
    corr = filters.correlate2d
    candidates = [
        (corr(image, kernel), "This is correlate2d(image, kernel) itself: the flip is "
                              "missing. Convolution first rotates the kernel by 180 degrees."),
        (corr(image, kernel[::-1, :]), "You flipped only the rows (upside down). The flip of "
                                       "convolution reverses both axes: kernel[::-1, ::-1]."),
        (corr(image, kernel[:, ::-1]), "You flipped only the columns (left to right). The flip "
                                       "of convolution reverses both axes: kernel[::-1, ::-1]."),
        (corr(image[::-1, ::-1].copy(), kernel),
         "You flipped the image instead of the kernel; flip the kernel and keep the image."),
    ]
    if kernel.shape[0] == kernel.shape[1]:
        candidates += [
            (corr(image, kernel.T), "You transposed the kernel (kernel.T swaps rows and "
                                    "columns); convolution rotates it by 180 degrees: "
                                    "kernel[::-1, ::-1]."),
            (corr(image, np.rot90(kernel)), "np.rot90(kernel) turns it by only 90 degrees; "
                                            "convolution rotates by 180: np.rot90(kernel, 2)."),
            (corr(image, np.rot90(kernel, -1)), "That turns the kernel by 90 degrees; "
                                                "convolution rotates by 180: "
                                                "np.rot90(kernel, 2)."),
        ]
    elif got.shape == corr(image, kernel.T).shape:
        candidates.append((corr(image, kernel.T), "You transposed the kernel (kernel.T swaps "
                                                  "rows and columns); convolution rotates it "
                                                  "by 180 degrees: kernel[::-1, ::-1]."))
    for candidate, hint in candidates:
        if got.shape == candidate.shape and np.allclose(got, candidate):
            return hint
    return ("my_convolve2d(image, kernel) should be correlate2d(image, the kernel rotated by "
            "180 degrees), i.e. kernel[::-1, ::-1].")


@exercise("Exercise 2.1: convolution from a correlation and a flip")
def convolve_by_flip(my_convolve2d):
    """Check ``my_convolve2d(image, kernel)`` against :func:`cnnlesson.filters.convolve2d`.

    Tested on non-square images with random, non-symmetric kernels (square and not), so that
    every wrong flip (none, one axis, a transpose, a 90-degree turn) gives another result. The
    learner's function may not call ``filters.convolve2d`` itself.

    Parameters
    ----------
    my_convolve2d : callable
        ``(image (H, W), kernel (KH, KW)) -> (H - KH + 1, W - KW + 1)``, valid padding.

    Introduced in notebook 02_convolution.
    """
    original = filters.convolve2d
    used = []

    def spy(*args, **kwargs):
        used.append(True)
        return original(*args, **kwargs)

    cases = _flip_cases()
    for image, kernel in cases:
        image_in, kernel_in = image.copy(), kernel.copy()
        filters.convolve2d = spy
        try:
            got = call(my_convolve2d, image_in, kernel_in)
        finally:
            filters.convolve2d = original
        if used:
            raise AssertionError("my_convolve2d calls filters.convolve2d, the function it "
                                 "should rebuild; use filters.correlate2d and flip the kernel "
                                 "yourself.")
        if not (np.array_equal(image_in, image) and np.array_equal(kernel_in, kernel)):
            raise AssertionError("my_convolve2d changed its inputs; flip a copy (slicing with "
                                 "[::-1, ::-1] makes a new view, it does not change kernel).")
        got = expect_array(got, "my_convolve2d's output", ndim=2)
        right = original(image, kernel)
        if got.shape == right.shape and np.allclose(got, right):
            continue
        detail = (f"for an image of shape {image.shape} and a kernel of shape {kernel.shape}, "
                  f"your output (shape {got.shape}) differs from filters.convolve2d's (shape "
                  f"{right.shape}).")
        raise AssertionError(f"{detail} {_diagnose_flip(image, kernel, got)}")
    return (f"matches filters.convolve2d on {len(cases)} non-square images with "
            "non-symmetric kernels")


# ---------------------------------------------------------------------------
# Exercise 2.2: which named kernels are unchanged by the flip?
# ---------------------------------------------------------------------------

def _normalise_name(name: str) -> str:
    text = str(name).lower().replace("_", " ").replace("-", " ")
    text = text.replace("(", " ").replace(")", " ")
    return " ".join(text.split())


def _kernel_aliases() -> dict:
    """Every accepted spelling (normalised) -> the display name in :data:`filters.KERNELS`."""
    aliases = {}
    for display, kernel in filters.KERNELS.items():
        aliases[_normalise_name(display)] = display
        for const in filters.__all__:
            value = getattr(filters, const)
            if isinstance(value, np.ndarray) and value is kernel:
                aliases[_normalise_name(const)] = display
    aliases.setdefault("laplacian 4", "laplacian (4-neighbour)")
    aliases.setdefault("laplacian4", "laplacian (4-neighbour)")
    aliases.setdefault("laplacian 4 neighbor", "laplacian (4-neighbour)")
    aliases.setdefault("gaussian", "gaussian blur")
    aliases.setdefault("box", "box blur")
    return aliases


def flip_invariant_truth() -> set:
    """The display names of the kernels of :data:`filters.KERNELS` equal to their flip.

    Introduced in notebook 02_convolution.
    """
    return {name for name, k in filters.KERNELS.items() if np.array_equal(np.flip(k), k)}


_WHY_NOT = {
    "sobel x": "SOBEL_X flipped is -SOBEL_X: its negative column moves to the right, so every "
               "sign changes (convolving with it gives minus the filtered image).",
    "sobel y": "SOBEL_Y flipped is -SOBEL_Y: its negative row moves to the bottom, so every "
               "sign changes.",
}
_WHY = {
    "identity": "the identity's single 1 sits at the centre, which the flip does not move.",
    "box blur": "every entry of the box blur is the same 1/9, so flipping changes nothing.",
    "gaussian blur": "the Gaussian blur is symmetric about its centre (1 2 1 / 2 4 2 / 1 2 1).",
    "sharpen": "sharpen is symmetric about its centre: its four -1s swap places with each other.",
    "laplacian": "the Laplacian's eight -1s around the 8 swap places with each other.",
    "laplacian (4-neighbour)": "the 4-neighbour Laplacian's -1s above/below and left/right "
                               "swap places with each other.",
}


@exercise("Exercise 2.2: which kernels does the flip leave unchanged?")
def flip_invariant_kernels(names):
    """Check the set of named kernels (of :data:`filters.KERNELS`) that equal their flip.

    The truth is computed with ``np.flip``: all kernels but the two Sobel kernels. Names are
    accepted as the display names of :data:`filters.KERNELS` (``"box blur"``) or the
    constants' names (``"BOX_BLUR"``, ``"box_blur"``), in any case, as a set, list or tuple.

    Parameters
    ----------
    names : set of str
        The names of the flip-invariant kernels.

    Introduced in notebook 02_convolution.
    """
    example = "{'identity', 'box blur'}"
    hint = _type_hint(names, "names", f"a set of kernel names such as {example}")
    if isinstance(names, (str, bytes, np.str_)):
        raise AssertionError(f"names should be a set of kernel names such as {example}; got "
                             f"one string {_short(names)}. Put every flip-invariant name in "
                             "the set.")
    if hint and not isinstance(names, (set, frozenset)):
        raise AssertionError(hint)
    if isinstance(names, np.ndarray):
        items = list(names.ravel()) if names.ndim else [names[()]]
    elif isinstance(names, (set, frozenset, list, tuple)):
        items = list(names)
    else:
        raise AssertionError(f"names should be a set of kernel names such as {example}; got "
                             f"{_describe(names)}.")
    if not items:
        raise AssertionError("names is empty; several of the named kernels are unchanged by "
                             "the flip: compare np.flip(k) with k for each k in "
                             "filters.KERNELS.")
    aliases = _kernel_aliases()
    chosen = set()
    for item in items:
        if not isinstance(item, (str, np.str_)):
            raise AssertionError(f"every entry of names should be a kernel's name (a string "
                                 f"such as 'box blur'); one entry is {_describe(item)}.")
        key = _normalise_name(item)
        if key not in aliases:
            known = ", ".join(repr(n) for n in filters.KERNELS)
            raise AssertionError(f"{_short(str(item))} is not one of the named kernels; use the "
                                 f"names of filters.KERNELS: {known}.")
        chosen.add(aliases[key])
    truth = flip_invariant_truth()
    extra = sorted(chosen - truth)
    missing = [n for n in filters.KERNELS if n in truth - chosen]
    if extra:
        raise AssertionError(f"{extra[0]!r} is not unchanged by the flip. "
                             + _WHY_NOT.get(extra[0], "Compare np.flip(k) with k."))
    if missing:
        more = f" ({len(missing)} flip-invariant kernels are missing)" if len(missing) > 1 else ""
        raise AssertionError(f"{missing[0]!r} is missing{more}: {_WHY[missing[0]]} Check each "
                             "kernel with np.array_equal(np.flip(k), k).")
    return (f"{len(truth)} of the {len(filters.KERNELS)} named kernels are symmetric about their "
            "centre, so correlate2d and convolve2d agree on them; only the Sobel kernels change "
            "sign")


# ---------------------------------------------------------------------------
# Exercise 2.3: a geometry that maps 26 to 13
# ---------------------------------------------------------------------------

#: Exercise 2.3's input size and the output size it asks for.
GEOMETRY_IN, GEOMETRY_OUT = 26, 13


def _starts(n: int, k: int, s: int, p: int) -> str:
    """'0, 2, ..., 24' : where the windows start in the padded input."""
    count = (n + 2 * p - k) // s + 1
    if count <= 0:
        return "nowhere"
    last = s * (count - 1)
    if count <= 3:
        return ", ".join(str(s * i) for i in range(count))
    return f"{0}, {s}, ..., {_short(last)}"


def geometry_story(n: int, k: int, s: int, p: int) -> str:
    """One line on where the windows of a (kernel, stride, padding) go along an ``n``-pixel axis.

    Introduced in notebook 02_convolution.
    """
    padded = n + 2 * p
    out = (padded - k) // s + 1
    where = f"in the padded {_short(padded)}-pixel input" if p else f"in the {n}-pixel input"
    room = padded - k
    story = (f"windows of {_short(k)} start at {_starts(n, k, s, p)} {where}: "
             f"{_short(out)} of them (floor({_short(room)} / {_short(s)}) + 1)")
    return story


@exercise("Exercise 2.3: choose a geometry for 26 -> 13")
def choose_geometry(kernel_size, stride, padding):
    """Check a kernel size, stride and padding that turn a 26-pixel axis into 13 outputs.

    Every answer with ``floor((26 + 2p - k) / s) + 1 == 13`` in which each window still
    touches the image (p < k, and the last window starts inside the image) passes, and the
    PASS line says why it works, e.g. k=2, s=2, p=0 ("windows of 2 start at 0, 2, ..., 24 in the
    26-pixel input: 13 of them"), k=3, s=2, p=1, k=4, s=2, p=1, k=1, s=2, p=0 or k=14, s=1,
    p=0. A wrong answer is told what it gives instead.

    Parameters
    ----------
    kernel_size : int
        k >= 1.
    stride : int
        s >= 1.
    padding : int
        p >= 0 zeros on each side.

    Introduced in notebook 02_convolution.
    """
    n = GEOMETRY_IN
    k = expect_int(kernel_size, "kernel_size")
    s = expect_int(stride, "stride")
    p = expect_int(padding, "padding")
    if k < 1:
        raise AssertionError(f"kernel_size is {_short(k)}; a kernel has at least 1 pixel.")
    if s < 1:
        raise AssertionError(f"stride is {_short(s)}; the window moves at least 1 pixel at a "
                             "time (stride >= 1).")
    if p < 0:
        raise AssertionError(f"padding is {_short(p)}; padding counts the zeros added on each "
                             "side, so it is 0 or more.")
    if k > n + 2 * p:
        raise AssertionError(f"a kernel of {_short(k)} does not fit in the padded input "
                             f"({n} + 2 x {_short(p)} = {_short(n + 2 * p)} pixels): there is "
                             "no window at all.")
    out = (n + 2 * p - k) // s + 1
    story = geometry_story(n, k, s, p)
    if out != GEOMETRY_OUT:
        if out == GEOMETRY_OUT + 1:
            advice = "one window too many: a larger kernel, or less padding, drops the last one."
        elif out == GEOMETRY_OUT - 1:
            advice = ("one window too few: pad by 1 (or use a smaller kernel) so that a last "
                      "window fits.")
        elif out > GEOMETRY_OUT and s == 1:
            advice = ("with stride 1 the windows overlap almost entirely; stride 2 halves the "
                      "number of windows.")
        else:
            advice = "stride 2 halves the number of windows; then pick k and p so exactly 13 fit."
        raise AssertionError(f"k={_short(k)}, s={_short(s)}, p={_short(p)} gives {_short(out)}, "
                             f"not 13: {story}; {advice}")
    if p >= k:
        raise AssertionError(f"k={k}, s={s}, p={_short(p)} gives 13 on paper, but with padding "
                             f">= the kernel size the first window lies entirely in the zeros "
                             "and sees no pixel of the image; use less padding.")
    last_start = s * (out - 1)
    if last_start >= p + n:
        raise AssertionError(f"k={k}, s={s}, p={p} gives 13 on paper, but the last window "
                             f"(starting at {last_start}) lies entirely in the zeros; use less "
                             "padding.")
    remark = ""
    if s > k:
        remark = (f"; the windows skip {s - k} pixel(s) between them, so part of the image is "
                  "never seen")
    elif s == k and p == 0:
        remark = "; they tile the image exactly, every pixel seen once"
    elif s == 1:
        remark = "; that is a large kernel: stride 2 with a small kernel is cheaper"
    return f"k={k}, s={s}, p={p} works: {story}{remark}"
