"""The shared checker machinery: PASS lines, hints, and unattempted student stubs."""

import numpy as np
import pytest

from cnnlesson import checks
from cnnlesson.checks import NotAttempted, call, exercise, expect_close, expect_equal, expect_shape


@exercise("Exercise 0.1: double it")
def check_double(fn):
    expect_close(call(fn, 2.0), 4.0, what="double(2)", hint="multiply by 2")
    return "double works"


def test_pass_prints_one_line(capsys):
    assert check_double(lambda v: 2 * v).passed is True
    assert capsys.readouterr().out == "PASS Exercise 0.1: double it: double works\n"


def test_wrong_answer_raises_with_title_and_hint():
    with pytest.raises(AssertionError, match=r"Exercise 0.1: double it: not yet\. double\(2\) is "
                       r"not right: got 3, expected 4\. multiply by 2"):
        check_double(lambda v: v + 1)


def test_student_stub_reports_not_attempted(capsys):
    def stub(v):
        raise NotImplementedError("Exercise 0.1")

    assert check_double(stub).passed is False
    assert capsys.readouterr().out.startswith("[not attempted yet] Exercise 0.1: double it")
    assert check_double(...).passed is False


def test_learner_bug_becomes_a_hint_not_a_crash():
    def buggy(v):
        return v / "2"

    with pytest.raises(AssertionError, match="buggy raised TypeError"):
        check_double(buggy)


def test_not_callable_is_reported():
    with pytest.raises(AssertionError, match="expected a function; got int"):
        check_double(3)


def test_expect_helpers():
    with pytest.raises(AssertionError, match=r"should have shape \(2, 2\); it has \(3,\)"):
        expect_shape([1, 2, 3], (2, 2))
    with pytest.raises(AssertionError, match=r"largest difference is at index \(1, 0\)"):
        expect_close(np.array([[1, 2], [5, 4]]), np.array([[1, 2], [3, 4]]))
    with pytest.raises(AssertionError, match="is 5, which is not right"):
        expect_equal(5, 6)
    expect_equal([24, 24, np.int64(6)], (24, 24, 6))
    with pytest.raises(NotAttempted):
        expect_close(..., 1.0)
    with pytest.raises(AssertionError, match="a number or an array of numbers; got str"):
        expect_close("x", 1.0)


def test_public_names_are_exported():
    assert checks.exercise is exercise


def test_result_is_truthy_and_shows_nothing_as_a_cell_result():
    from IPython.core.formatters import DisplayFormatter

    passed, stub = checks.CheckResult(True), checks.CheckResult(False)
    assert passed and not stub and repr(stub) == "CheckResult(passed=False)"
    # IPython calls _ipython_display_ instead of formatting: the cell shows no "True" line.
    data, _ = DisplayFormatter().format(passed)
    assert data == {}


def test_expect_array_names_the_usual_mistakes():
    from cnnlesson.checks import expect_array

    with pytest.raises(NotAttempted):
        expect_array(..., "out")
    with pytest.raises(AssertionError, match=r"^out is None: did you forget to `return`"):
        expect_array(None, "out")
    with pytest.raises(AssertionError, match="out should be an array of numbers; got str"):
        expect_array("x", "out")
    with pytest.raises(AssertionError, match=r"out should be a 2-D array; it has shape \(3,\)"):
        expect_array([1, 2, 3], "out", ndim=2)
    with pytest.raises(AssertionError, match="out contains NaN or inf"):
        expect_array([1.0, np.nan], "out", finite=True)
    assert expect_array([1, 2], "out").dtype == np.float64
