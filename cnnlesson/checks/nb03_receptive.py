"""Exercise checker for notebook 03_pooling, section 7 (receptive fields foreshadowed).

* :func:`receptive_rows`: Exercise 3.3, which rows of the photo can move one pooled value and
  one value of the next 3x3 conv layer.

The layers are those of notebook 03: a 3x3 conv without padding (stride 1), then 2x2 max
pooling with stride 2, then another 3x3 conv without padding.
"""

from __future__ import annotations

from ._core import exercise, expect_int_tuple

#: The notebook whose exercise this module checks (the records name it).
NOTEBOOK = "03_pooling"

__all__ = ["RECEPTIVE_POOLED_ROW", "RECEPTIVE_NEXT_ROW", "receptive_rows"]

#: The pooled row asked about (of the 12x12 pooled maps).
RECEPTIVE_POOLED_ROW = 7
#: The row of the next conv layer's output asked about (of its 10x10 maps).
RECEPTIVE_NEXT_ROW = 3


def _pooled_rows(row: int) -> tuple:
    """First and last photo row that pooled row ``row`` depends on (conv 3x3, pool 2x2)."""
    return 2 * row, 2 * row + 1 + 2


def _next_conv_rows(row: int) -> tuple:
    """First and last photo row that row ``row`` of a 3x3 conv on the pooled maps depends on."""
    return _pooled_rows(row)[0], _pooled_rows(row + 2)[1]


def _pooled_hint(got) -> str:
    first, last = got
    right_first, right_last = _pooled_rows(RECEPTIVE_POOLED_ROW)
    if first > last:
        return "give the first (smaller) row first, then the last one."
    if first == RECEPTIVE_POOLED_ROW:
        return (f"pooled row {RECEPTIVE_POOLED_ROW} is not photo row {RECEPTIVE_POOLED_ROW}: "
                f"with stride 2, pooled row r covers conv rows 2r and 2r + 1, here "
                f"{right_first} and {right_first + 1}.")
    if (first, last) == (right_first, right_first + 1):
        return ("those are the conv rows inside the pooling window; each conv row i is computed "
                "from photo rows i, i + 1 and i + 2, so the last photo row is 2 further down.")
    if first == right_first - 1:
        return ("a conv without padding does not centre its window: conv row i reads photo rows "
                "i, i + 1 and i + 2 (not i - 1 to i + 1).")
    if first == right_first and last in (right_last - 1, right_last + 1):
        return (f"count again from the last conv row of the window, {right_first + 1}: it reads "
                "three photo rows starting at itself.")
    return ("pooled row r covers conv rows 2r and 2r + 1; conv row i reads photo rows i to "
            "i + 2. Combine the two.")


def _next_hint(got) -> str:
    first, last = got
    right_first, right_last = _next_conv_rows(RECEPTIVE_NEXT_ROW)
    r = RECEPTIVE_NEXT_ROW
    if first > last:
        return "give the first (smaller) row first, then the last one."
    if (first, last) == (r, r + 2):
        return ("those are the pooled rows it reads; turn each pooled row into photo rows as in "
                "the first answer.")
    if first == r:
        return (f"the next conv's row {r} reads pooled rows {r} to {r + 2}, and pooled row p "
                "starts at photo row 2p, not p.")
    if first == right_first and last < right_last:
        return (f"the last pooled row it reads is {r + 2}, and pooled row {r + 2} reaches down to "
                f"photo row {_pooled_rows(r + 2)[1]}.")
    return (f"the next conv's row {r} reads pooled rows {r}, {r + 1} and {r + 2}; pooled row p "
            "reads photo rows 2p to 2p + 3. The answer spans from the first row of the first to "
            "the last row of the last.")


@exercise("Exercise 3.3: which photo rows can move one value?")
def receptive_rows(rows_seen, next_rows_seen):
    """Check the photo rows that one pooled value and one next-conv value depend on.

    Parameters
    ----------
    rows_seen : tuple of 2 int
        ``(first, last)`` photo rows that pooled row :data:`RECEPTIVE_POOLED_ROW` depends on
        (3x3 conv without padding, then 2x2 max pooling with stride 2); both rows included.
    next_rows_seen : tuple of 2 int
        ``(first, last)`` photo rows that row :data:`RECEPTIVE_NEXT_ROW` of a 3x3 conv (no
        padding) on the pooled maps depends on.

    Introduced in notebook 03_pooling.
    """
    got = expect_int_tuple(rows_seen, "rows_seen", 2, example="(2, 5)")
    if got != _pooled_rows(RECEPTIVE_POOLED_ROW):
        raise AssertionError(f"rows_seen = {got} is not right. Hint: {_pooled_hint(got)}")
    got_next = expect_int_tuple(next_rows_seen, "next_rows_seen", 2, example="(0, 7)")
    if got_next != _next_conv_rows(RECEPTIVE_NEXT_ROW):
        raise AssertionError(f"next_rows_seen = {got_next} is not right. "
                             f"Hint: {_next_hint(got_next)}")
    first, last = got
    first_n, last_n = got_next
    return (f"pooled row {RECEPTIVE_POOLED_ROW} sees photo rows {first}-{last} "
            f"({last - first + 1} rows); the next conv's row {RECEPTIVE_NEXT_ROW} sees rows "
            f"{first_n}-{last_n} ({last_n - first_n + 1} rows)")
