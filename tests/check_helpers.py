"""Helpers for the checker tests: a check that fails prints one FAIL (or ERROR) line with its
hint, returns a false CheckResult and emits one record, and never raises."""

import contextlib
import io
import re
from unittest import mock

from cnnlesson.checks import _core


@contextlib.contextmanager
def fails(match: str = "", status: str = "fail"):
    """Run a check inside the block; require exactly one FAIL (or ERROR) whose hint matches.

    ``match`` is a regular expression searched in the hint (the text after the title).
    """
    records = []
    with mock.patch.object(_core, "emit_record", records.append), \
            contextlib.redirect_stdout(io.StringIO()) as out:
        yield records
    text = out.getvalue()
    assert len(records) == 1, f"expected one check record, got {records!r}"
    record = records[0]
    assert record["status"] == status, (record, text)
    word = {"fail": "FAIL", "error": "ERROR"}[status]
    assert text.startswith(f"{word} {record['title']}: "), text
    assert text == f"{word} {record['title']}: {record['hint']}\n", text
    assert _core.UNFORESEEN not in record["hint"], record["hint"]
    assert re.search(match, record["hint"]), (match, record["hint"])


def errors(match: str = ""):
    """Like :func:`fails` for a learner's code that raised inside the check."""
    return fails(match, status="error")


def run_quietly(check, *args, **kwargs):
    """Call a check with stdout captured; return (result, printed text, records)."""
    records = []
    with mock.patch.object(_core, "emit_record", records.append), \
            contextlib.redirect_stdout(io.StringIO()) as out:
        result = check(*args, **kwargs)
    return result, out.getvalue(), records
