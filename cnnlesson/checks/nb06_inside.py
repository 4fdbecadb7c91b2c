"""Exercise checkers for notebook 06_inside_the_network.

* :func:`receptive_field_sizes`: Exercise 6.1, how many input pixels one value of each layer sees.
* :func:`cosine`: Exercise 6.2, ``my_cosine(a, b)``, the cosine similarity of two kernels.
* :func:`occlude_patch`: Exercise 6.3, ``my_occlude(x, top, left, patch, fill)``.
* :func:`most_important_patch`: Exercise 6.4, ``most_important_patch(heatmap, stride)``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..explain import cosine_similarity, occlude, receptive_fields
from ..filters import LAPLACIAN, LAPLACIAN_4, SOBEL_X, SOBEL_Y
from ._core import _short, call, exercise, expect_array, expect_int, expect_int_tuple

#: The notebook whose exercises this module checks (the records name it).
NOTEBOOK = "06_inside_the_network"

__all__ = ["receptive_field_sizes", "cosine", "occlude_patch", "most_important_patch"]


# ---------------------------------------------------------------------------
# Exercise 6.1
# ---------------------------------------------------------------------------

_RF_ANSWERS = ("rf_conv1", "rf_pool1", "rf_conv2", "rf_pool2", "rf_conv3")


def _rf_hint(name, got, size_in, jump_in, k):
    right = size_in + (k - 1) * jump_in
    what = "window" if name.startswith("pool") else "kernel"
    if got == right * right:
        return (f"give the side of the square, not its number of pixels: a {right}x{right} "
                f"window is {right}.")
    if got == size_in + (k - 1) and jump_in > 1:
        return (f"after {'one pooling' if jump_in == 2 else 'two poolings'}, neighbouring values "
                f"of the previous layer are {jump_in} input pixels apart, not 1. Its {k} values "
                f"side by side span {size_in} + ({k} - 1) * {jump_in} = {right} pixels.")
    if got in (size_in * k, k * jump_in, k):
        return (f"the {k}x{k} {what} covers {k} neighbouring values of the previous layer; each "
                f"sees {size_in} pixels and they are {jump_in} pixel(s) apart, so together they "
                f"see {size_in} + ({k} - 1) * {jump_in} = {right} pixels (the windows overlap).")
    if got == size_in:
        return (f"{name} combines {k}x{k} values of the layer before, so it sees more than one "
                f"of them: {size_in} + ({k} - 1) * {jump_in} = {right}.")
    return ("size_out = size_in + (k - 1) * jump_in, where jump_in is the distance in input "
            "pixels between neighbouring values of the previous layer (1 at the start, "
            "doubled by each 2x2 pooling).")


@exercise("Exercise 6.1: how much of the digit does one value see?")
def receptive_field_sizes(model, rf_conv1, rf_pool1, rf_conv2, rf_pool2, rf_conv3):
    """Check the side of the input window seen by one value of each layer.

    Compared with :func:`cnnlesson.explain.receptive_fields` of ``model``.

    Parameters
    ----------
    model : cnnlesson.model.Sequential
        The course network, ``seed_cnn(...)``.
    rf_conv1, rf_pool1, rf_conv2, rf_pool2, rf_conv3 : int
        Sides in input pixels (3 means a 3x3 window).

    Introduced in notebook 06_inside_the_network.
    """
    answers = (rf_conv1, rf_pool1, rf_conv2, rf_pool2, rf_conv3)
    try:
        fields = {r.name: r for r in receptive_fields(model)}
    except (TypeError, ValueError) as err:
        raise AssertionError(f"model should be the notebook's network (seed_cnn(...)); "
                             f"{' '.join(str(err).split())[:200]}") from None
    missing = [w.removeprefix("rf_") for w in _RF_ANSWERS
               if w.removeprefix("rf_") not in fields]
    if missing:
        raise AssertionError(f"model has no layer named {', '.join(missing)} before its "
                             "flatten layer; pass the notebook's network `model` "
                             "(seed_cnn(...)), which has conv1, pool1, conv2, pool2, conv3.")
    size_in, jump_in = 1, 1
    for what, value in zip(_RF_ANSWERS, answers, strict=True):
        name = what.removeprefix("rf_")
        rf = fields[name]
        if isinstance(value, (tuple, list)):
            raise AssertionError(f"{what} should be one whole number, the side of the square "
                                 f"(e.g. 3 for a 3x3 window); got {value!r}.")
        value = expect_int(value, what, slash_hint=True)
        if value != rf.size:
            k = (rf.size - size_in) // jump_in + 1
            raise AssertionError(f"{what} = {_short(value)} is not right. Hint: "
                                 + _rf_hint(name, value, size_in, jump_in, k))
        size_in, jump_in = rf.size, rf.jump
    return "3, 4, 8, 10 and 18 pixels: each layer sees a larger part of the digit"


# ---------------------------------------------------------------------------
# Exercise 6.2
# ---------------------------------------------------------------------------

def _cosine_cases():
    rng = np.random.default_rng(62)
    return [
        ("SOBEL_X with itself", SOBEL_X, SOBEL_X),
        ("SOBEL_X with -SOBEL_X (opposite kernels)", SOBEL_X, -SOBEL_X),
        ("SOBEL_X with SOBEL_Y (unrelated kernels)", SOBEL_X, SOBEL_Y),
        ("3 * LAPLACIAN with LAPLACIAN (one is louder)", 3 * LAPLACIAN, LAPLACIAN),
        ("LAPLACIAN with LAPLACIAN_4", LAPLACIAN, LAPLACIAN_4),
        ("two random 3x3 kernels", rng.normal(size=(3, 3)), rng.normal(size=(3, 3))),
        ("two random 5x5 kernels", rng.normal(size=(5, 5)), rng.normal(size=(5, 5))),
        ("two conv1 weight arrays (6, 1, 3, 3)", rng.normal(size=(6, 1, 3, 3)),
         rng.normal(size=(6, 1, 3, 3))),
    ]


def _cosine_hint(a, b, got):
    u, v = a.ravel(), b.ravel()
    dot, na, nb = float(u @ v), float(np.linalg.norm(u)), float(np.linalg.norm(v))
    right = dot / (na * nb)
    if np.isclose(got, dot):
        return ("that is the plain dot product. Divide it by the lengths (norms) of both "
                "kernels, so that the size of the weights does not matter.")
    if np.isclose(got, dot / na) or np.isclose(got, dot / nb):
        return "divide by the norms of *both* kernels: np.linalg.norm(a) * np.linalg.norm(b)."
    if np.isclose(got, dot / (na * na * nb * nb)) or np.isclose(got, dot / (na ** 2 + nb ** 2)):
        return ("the norm is the square root of the sum of squares: "
                "np.sqrt(np.sum(a * a)), or np.linalg.norm(a).")
    if np.isclose(got, abs(right)) and right < 0:
        return ("keep the sign: opposite kernels (one is minus the other) must give -1; "
                "do not take an absolute value.")
    return "cos(a, b) = sum(a * b) / (norm(a) * norm(b)), with sums over every weight."


@exercise("Exercise 6.2: cosine similarity")
def cosine(my_cosine):
    """Check ``my_cosine(a, b)`` on kernel pairs with known answers and random ones.

    Parameters
    ----------
    my_cosine : callable
        ``(a, b) -> float`` for two arrays of the same shape.

    Introduced in notebook 06_inside_the_network.
    """
    cases = _cosine_cases()
    for label, a, b in cases:
        a_in, b_in = np.array(a), np.array(b)
        got = call(my_cosine, a_in, b_in)
        if got is None:
            raise AssertionError("my_cosine returned None; did you forget a `return`?")
        if not (np.array_equal(a_in, a) and np.array_equal(b_in, b)):
            raise AssertionError("my_cosine changed its inputs; compute with new arrays.")
        arr = expect_array(got, "my_cosine's result")
        if arr.size != 1:
            raise AssertionError(
                f"for {label}, my_cosine returned an array of shape {arr.shape}, not one number. "
                "Hint: np.dot on 2-D arrays is a matrix product; use np.sum(a * b), or flatten "
                "the kernels first with a.ravel().")
        value = float(arr.reshape(()))
        if not np.isfinite(value):
            raise AssertionError(f"for {label} my_cosine returned {value}; the cosine of two "
                                 "non-zero kernels is a number between -1 and 1. Hint: check "
                                 "the division by the norms.")
        right = cosine_similarity(a, b)
        if not np.isclose(value, right, rtol=1e-6, atol=1e-9):
            raise AssertionError(f"for {label} the cosine is {right:.4g}; you returned "
                                 f"{value:.4g}. Hint: {_cosine_hint(a, b, value)}")
    return ("opposite kernels give -1, unrelated 0, and scaling a kernel changes nothing "
            f"({len(cases)} pairs)")


# ---------------------------------------------------------------------------
# Exercise 6.3
# ---------------------------------------------------------------------------

def _occlude_cases():
    rng = np.random.default_rng(63)
    x = rng.uniform(0.2, 1.0, size=(2, 7, 9))        # 2 channels, not square, no zeros
    return [
        (x, 1, 2, 3, 0.0),
        (x, 4, 6, 3, 0.0),         # the bottom-right corner: rows 4-6, columns 6-8
        (x, 0, 0, 2, -0.5),        # another fill value
        (x, 2, 5, 1, 0.0),         # a single pixel
        (x[:1].astype(np.float32), 3, 1, 4, 0.0),
    ]


def _occlude_hint(x, top, left, patch, fill, got):
    variants = [
        (occlude(x, left, top, patch, fill) if left + patch <= x.shape[1]
         and top + patch <= x.shape[2] else None,
         "top is the row (axis 1 of a (C, H, W) image) and left the column (axis 2)."),
        (_cover(x, top, left, patch + 1, fill),
         f"the patch covers exactly {patch} rows and {patch} columns: slice "
         "top:top + patch (the end of a slice is not included)."),
        (_cover(x, top, left, patch - 1, fill) if patch > 1 else None,
         f"the patch covers exactly {patch} rows and {patch} columns: slice top:top + patch."),
        (_cover(x, top, left, patch, fill, channels=slice(0, 1)),
         "cover the patch in every channel: x[:, rows, columns]."),
        (_cover(x, top, left, patch, 0.0) if fill != 0 else None,
         "write the `fill` value into the patch, not always 0."),
    ]
    for candidate, hint in variants:
        if candidate is not None and candidate.shape == got.shape and np.allclose(candidate, got):
            return hint
    return "copy x, then set out[:, top:top + patch, left:left + patch] = fill."


def _cover(x, top, left, patch, fill, channels=slice(None)):
    out = x.copy()
    out[channels, top:top + patch, left:left + patch] = fill
    return out


@exercise("Exercise 6.3: cover one patch")
def occlude_patch(my_occlude):
    """Check ``my_occlude(x, top, left, patch, fill)`` against :func:`cnnlesson.explain.occlude`.

    Parameters
    ----------
    my_occlude : callable
        ``(x (C, H, W), top, left, patch, fill) -> (C, H, W)``, a copy of ``x`` with
        ``x[:, top:top + patch, left:left + patch]`` set to ``fill``.

    Introduced in notebook 06_inside_the_network.
    """
    cases = _occlude_cases()
    for x, top, left, patch, fill in cases:
        x_in = x.copy()
        got = call(my_occlude, x_in, top, left, patch, fill)
        if got is None:
            if not np.array_equal(x_in, x):
                raise AssertionError("my_occlude returned None and changed x itself. Hint: "
                                     "make a copy (out = x.copy()), change the copy, return it.")
            raise AssertionError("my_occlude returned None; did you forget a `return`?")
        if not np.array_equal(x_in, x):
            raise AssertionError("my_occlude changed the image it was given. Hint: work on a "
                                 "copy, out = x.copy(); occlusion_map needs the original "
                                 "image again for every patch.")
        got = expect_array(got, "my_occlude's result")
        if got.shape != x.shape:
            raise AssertionError(f"my_occlude should return the whole image, shape {x.shape}; "
                                 f"it returned shape {got.shape}.")
        right = occlude(x, top, left, patch, fill)
        if not np.allclose(got, right):
            raise AssertionError(
                f"for a {x.shape} image with top={top}, left={left}, patch={patch}, fill={fill} "
                "the result is not right. Hint: " + _occlude_hint(x, top, left, patch, fill, got))
    return f"matches explain.occlude on {len(cases)} cases, corners and fill values included"


# ---------------------------------------------------------------------------
# Exercise 6.4
# ---------------------------------------------------------------------------

def _heatmap_cases():
    rng = np.random.default_rng(64)
    tall = rng.uniform(-0.05, 0.1, size=(7, 4))
    tall[5, 1] = 0.6                                   # not square: catches (col, row)
    wide = rng.uniform(-0.05, 0.1, size=(4, 9))
    wide[2, 7] = 0.4
    negative = rng.uniform(-0.02, 0.05, size=(6, 6))
    negative[1, 4] = -0.7                              # covering here *helped*: not the answer
    negative[3, 2] = 0.3
    edge = rng.uniform(0.0, 0.1, size=(5, 5))
    edge[4, 0] = 0.9
    return [(tall, 1), (wide, 1), (negative, 1), (tall, 2), (wide, 3), (edge, 2)]


def _argmax_rc(heat):
    r, c = np.unravel_index(int(np.argmax(heat)), heat.shape)
    return int(r), int(c)


@exercise("Exercise 6.4: where does covering hurt most?")
def most_important_patch(my_most_important_patch):
    """Check ``most_important_patch(heatmap, stride)`` on maps with one clear maximum.

    Parameters
    ----------
    my_most_important_patch : callable
        ``(heatmap (H', W'), stride) -> (top, left)``: the pixel position of the top-left
        corner of the patch whose covering lowered the probability most, i.e. the
        index of the heat map's largest value times ``stride``.

    Introduced in notebook 06_inside_the_network.
    """
    cases = _heatmap_cases()
    for heat, stride in cases:
        h_in = heat.copy()
        got = call(my_most_important_patch, h_in, stride)
        if got is None:
            raise AssertionError("most_important_patch returned None; did you forget a "
                                 "`return`?")
        r, c = _argmax_rc(heat)
        right = (r * stride, c * stride)
        single = got.item() if isinstance(got, np.ndarray) and got.ndim == 0 else got
        if isinstance(single, numbers.Integral) and not isinstance(single, bool):
            raise AssertionError(
                f"you returned one number ({int(single)}): np.argmax gives a position in the "
                "flattened map. Hint: np.unravel_index(np.argmax(heatmap), heatmap.shape) turns "
                "it into (row, column).")
        try:
            got = expect_int_tuple(got, "your answer (top, left)", 2, example="(4, 8)")
        except AssertionError as err:
            raise AssertionError(f"return a pair of whole numbers (top, left). {err}") from None
        if got == right:
            continue
        rn, cn = _argmax_rc(-heat)
        ra, ca = _argmax_rc(np.abs(heat))
        if got == (r, c) and stride > 1:
            hint = (f"({r}, {c}) is the position in the heat map; with stride={stride} the patch "
                    f"starts at pixel ({r} * {stride}, {c} * {stride}).")
        elif got in ((c * stride, r * stride), (c, r)):
            hint = "rows come first: return (row, column), i.e. (top, left)."
        elif (ra, ca) != (r, c) and got in ((ra * stride, ca * stride), (ra, ca)):
            hint = ("that value is large but negative: covering there made the class *more* "
                    "likely. Look for the largest value, not the largest magnitude.")
        elif got in ((rn * stride, cn * stride), (rn, cn)):
            hint = ("that is the smallest value. The heat map holds probability *drops*: the "
                    "largest value is where covering hurt the answer most.")
        else:
            hint = "find the largest value with np.argmax and turn it into (row, column)."
        raise AssertionError(f"for a heat map of shape {heat.shape} and stride={stride} the "
                             f"answer is {right}; you returned {_short(got)}. Hint: {hint}")
    return f"found the most important patch in {len(cases)} heat maps"
