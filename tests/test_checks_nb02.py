"""The checkers of notebook 02_convolution: PASS right answers, hint at typical mistakes."""

import math

import numpy as np
import pytest
from check_helpers import fails

from cnnlesson import checks
from cnnlesson.checks.nb02_convolution import OUTPUT_SIZE_CASES
from cnnlesson.functional import conv_output_size

# ---------------------------------------------------------------------------
# Extra: the output-size formula (Exercise 2.1 of an earlier edition)
# ---------------------------------------------------------------------------


def right_size(n, k, stride, padding):
    return (n + 2 * padding - k) // stride + 1


def stub(*args):
    raise NotImplementedError("Exercise")


def test_output_size_cases_cover_floor_and_padding():
    assert any((n + 2 * p - k) % s for n, k, s, p in OUTPUT_SIZE_CASES)
    assert any(p for _, _, _, p in OUTPUT_SIZE_CASES)
    assert all(right_size(*c) == conv_output_size(*c) for c in OUTPUT_SIZE_CASES)


def test_output_size_passes(capsys):
    assert checks.output_size_formula(right_size).passed is True
    assert capsys.readouterr().out.startswith("PASS Extra: the output-size formula")


def test_output_size_with_math_floor_passes(capsys):
    assert checks.output_size_formula(
        lambda n, k, s, p: math.floor((n + 2 * p - k) / s) + 1).passed is True


@pytest.mark.parametrize("wrong, hint", [
    (lambda n, k, s, p: (n + 2 * p - k) // s, r"the \+1 is missing"),
    (lambda n, k, s, p: (n + p - k) // s + 1, "padding was counted once"),
    (lambda n, k, s, p: (n - k) // s + 1, "padding was left out"),
    (lambda n, k, s, p: n + 2 * p - k + 1, "stride was ignored"),
    (lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1, "round \\*down\\*"),
    (lambda n, k, s, p: (n + 2 * p - k + 1) // s, r"\+1 belongs outside"),
    (lambda n, k, s, p: 7, "Recall the recipe"),
])
def test_output_size_wrong_formulas_get_hints(wrong, hint):
    with fails(hint):
        checks.output_size_formula(wrong)


def test_output_size_float_result_is_refused():
    with fails(r"is 24\.0, a float.*use // for integer division"):
        checks.output_size_formula(lambda n, k, s, p: (n + 2 * p - k) / s + 1)


def test_output_size_not_attempted(capsys):
    assert checks.output_size_formula(stub).passed is False
    assert checks.output_size_formula(...).passed is False
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert all(line.startswith("[not attempted yet] Extra: the output-size formula")
               for line in out)


# ---------------------------------------------------------------------------
# Exercise 2.2
# ---------------------------------------------------------------------------


def conv_loops(x, w, b, *, flip=False, bias=True, channel_sum=True, bias_per_channel=False):
    c, h, wd = x.shape
    f, _, kh, kw = w.shape
    k = w[:, :, ::-1, ::-1] if flip else w
    shape = (f, h - kh + 1, wd - kw + 1) if channel_sum else (f, c, h - kh + 1, wd - kw + 1)
    out = np.zeros(shape)
    for g in range(f):
        for i in range(h - kh + 1):
            for j in range(wd - kw + 1):
                prods = x[:, i:i + kh, j:j + kw] * k[g]
                if channel_sum:
                    out[g, i, j] = prods.sum() + (b[g] * (c if bias_per_channel else 1)
                                                  if bias else 0)
                else:
                    out[g, :, i, j] = prods.sum(axis=(1, 2)) + b[g]
    return out


def test_multichannel_passes(capsys):
    assert checks.multichannel_conv(conv_loops).passed is True
    assert capsys.readouterr().out.startswith("PASS Exercise 2.4")


@pytest.mark.parametrize("kwargs, hint", [
    (dict(bias=False), "the bias is missing"),
    (dict(flip=True), "kernel was flipped"),
    (dict(flip=True, bias=False), "flipped and the bias forgotten"),
    (dict(channel_sum=False), "ONE map, so sum the products over the channels"),
    (dict(bias_per_channel=True), "bias was added once per channel"),
])
def test_multichannel_typical_mistakes(kwargs, hint):
    with fails(hint):
        checks.multichannel_conv(lambda x, w, b: conv_loops(x, w, b, **kwargs))


def test_multichannel_first_channel_only():
    with fails("Only the first channel"):
        checks.multichannel_conv(lambda x, w, b: conv_loops(x[:1], w[:, :1], b))


def test_multichannel_channels_last_output():
    with fails("filter axis should come first"):
        checks.multichannel_conv(lambda x, w, b: np.moveaxis(conv_loops(x, w, b), 0, -1))


def test_multichannel_wrong_size_and_none():
    with fails("check your loop ranges"):
        checks.multichannel_conv(lambda x, w, b: conv_loops(x, w, b)[:, :-1])
    with fails("forget `return out`"):
        checks.multichannel_conv(lambda x, w, b: None)


def test_multichannel_input_mutation_is_reported():
    def mutating(x, w, b):
        out = conv_loops(x, w, b)
        x[...] = 0
        return out

    with fails("changed its inputs"):
        checks.multichannel_conv(mutating)


def test_multichannel_not_attempted(capsys):
    assert checks.multichannel_conv(stub).passed is False
    assert checks.multichannel_conv(...).passed is False
    assert capsys.readouterr().out.count("[not attempted yet] Exercise 2.4") == 2


# ---------------------------------------------------------------------------
# Exercise 2.3
# ---------------------------------------------------------------------------


def test_parameter_count_passes(capsys):
    assert checks.conv_parameter_count(660, 1216, 168).passed is True
    assert checks.conv_parameter_count(np.int64(660), np.array(1216), np.int32(168)).passed
    with fails(r"params_b is 1216\.0, a float; it should be a whole number"):
        checks.conv_parameter_count(660, 1216.0, 168)
    with fails("that is a string, write the number without quotes"):
        checks.conv_parameter_count(660, "1216", 168)
    assert capsys.readouterr().out.count("PASS Exercise 2.5") == 2


@pytest.mark.parametrize("answers, hint", [
    ((648, 1216, 168), "params_a is 648.*biases are missing"),
    ((120, 1216, 168), "params_a is 120.*spans every input channel"),
    ((660, 1216 + 16 * 2, 168), "params_b.*one bias per filter, not per channel"),
    ((660, 1216, 672), "params_c.*does not depend on the image size"),
    ((660, 1216, 170), "params_c is 170.*weights per filter"),
])
def test_parameter_count_hints(answers, hint):
    with fails(hint):
        checks.conv_parameter_count(*answers)


def test_parameter_count_non_integer():
    with fails("whole number"):
        checks.conv_parameter_count(660.5, 1216, 168)


def test_parameter_count_not_attempted(capsys):
    assert checks.conv_parameter_count(..., ..., ...).passed is False
    assert checks.conv_parameter_count(660, ..., 168).passed is False
    assert capsys.readouterr().out.count("[not attempted yet] Exercise 2.5") == 2
