"""Exercise 3.3 (03_pooling): which photo rows can move one pooled value / one next-conv value."""

import contextlib
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import checks
from cnnlesson import functional as F
from cnnlesson.checks import nb03_receptive as rf


def run(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = checks.receptive_rows(*args)
    return result, out.getvalue()


def _rows_that_move(row, which, seed=0):
    """Photo rows whose scrambling moves row ``row`` of the pooled map (which=0) or of a 3x3
    conv on it (which=1), measured with the package's layers on a random network."""
    rng = np.random.default_rng(seed)
    x = rng.random((1, 3, 26, 26))
    w1, w2 = rng.normal(size=(6, 3, 3, 3)), rng.normal(size=(4, 6, 3, 3))

    def layers(photo):
        m, _ = F.relu_forward(F.conv2d_forward(photo, w1, np.zeros(6))[0])
        p, _ = F.maxpool2d_forward(m, size=2)
        return (p, F.conv2d_forward(p, w2, np.zeros(4))[0])[which][..., row, :]

    ref, moved = layers(x), []
    for r in range(26):
        scrambled = x.copy()
        scrambled[..., r, :] = rng.random((1, 3, 26)) * 5
        if not np.allclose(layers(scrambled), ref):
            moved.append(r)
    return moved


def test_the_answers_are_what_the_layers_do():
    first, last = rf._pooled_rows(rf.RECEPTIVE_POOLED_ROW)
    assert _rows_that_move(rf.RECEPTIVE_POOLED_ROW, 0) == list(range(first, last + 1))
    first, last = rf._next_conv_rows(rf.RECEPTIVE_NEXT_ROW)
    assert _rows_that_move(rf.RECEPTIVE_NEXT_ROW, 1) == list(range(first, last + 1))


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 11), st.integers(0, 9))
def test_the_row_rules_hold_for_every_row(pooled_row, next_row):
    first, last = rf._pooled_rows(pooled_row)
    assert _rows_that_move(pooled_row, 0, seed=pooled_row) == list(range(first, last + 1))
    first, last = rf._next_conv_rows(next_row)
    assert _rows_that_move(next_row, 1, seed=next_row) == list(range(first, last + 1))


@pytest.mark.parametrize("args", [((14, 17), (6, 13)), ([14, 17], np.array([6, 13])),
                                  (np.array([14, 17], dtype=np.int8), (np.int64(6), 13))])
def test_right_answers_pass_in_every_form(args):
    result, out = run(*args)
    assert result.passed and out.startswith("PASS Exercise 3.3: which photo rows")
    assert "14-17 (4 rows)" in out and "6-13 (8 rows)" in out


@pytest.mark.parametrize(("rows", "next_rows", "phrase"), [
    ((7, 10), (6, 13), "with stride 2, pooled row r covers conv rows 2r and 2r + 1"),
    ((14, 15), (6, 13), "those are the conv rows inside the pooling window"),
    ((13, 16), (6, 13), "does not centre its window"),
    ((14, 16), (6, 13), "count again from the last conv row"),
    ((14, 18), (6, 13), "count again from the last conv row"),
    ((17, 14), (6, 13), "first (smaller) row first"),
    ((0, 3), (6, 13), "Combine the two"),
    ((14, 17), (3, 5), "those are the pooled rows it reads"),
    ((14, 17), (3, 8), "starts at photo row 2p, not p"),
    ((14, 17), (6, 11), "pooled row 5 reaches down to photo row 13"),
    ((14, 17), (6, 14), "from the first row of the first"),
    ((14, 17), (13, 6), "first (smaller) row first"),
])
def test_typical_slips_fail_with_their_own_hint(rows, next_rows, phrase):
    result, out = run(rows, next_rows)
    assert result.status == "fail" and out.startswith("FAIL ") and phrase in out, out
    assert "Traceback" not in out


@pytest.mark.parametrize("junk", ["14, 17", (14.0, 17), 14, (14, 17, 18), None, 3 + 0j,
                                  np.array(14), {"a": 1}])
def test_junk_fails_with_a_hint_and_never_raises(junk):
    for args in ((junk, (6, 13)), ((14, 17), junk)):
        result, out = run(*args)
        assert result.status == "fail" and out.startswith("FAIL "), out
        assert len(result.record["hint"]) > 10


def test_the_type_hint_does_not_give_the_answer_away():
    _, out = run("abc", "abc")
    assert "14" not in out and "17" not in out


def test_an_ellipsis_is_not_attempted():
    result, out = run(..., ...)
    assert result.status == "not_attempted" and "`rows_seen`" in out
