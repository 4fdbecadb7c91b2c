"""The shared checker machinery: PASS / FAIL / ERROR lines that never raise, hints, records,
and unattempted student stubs."""

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


def test_wrong_answer_prints_fail_with_title_and_hint_and_does_not_raise(capsys):
    result = check_double(lambda v: v + 1)
    assert result.passed is False and result.status == "fail" and not result
    line = "FAIL Exercise 0.1: double it: double(2) is not right: got 3, expected 4. multiply by 2"
    assert capsys.readouterr().out == line + "\n"
    assert result.message == line
    assert result.record == {"schema": 1, "notebook": "", "id": "0.1", "kind": "exercise",
                             "title": "Exercise 0.1: double it", "status": "fail",
                             "hint": "double(2) is not right: got 3, expected 4. multiply by 2"}


def test_the_record_of_a_pass_and_of_a_stub(capsys):
    passed = check_double(lambda v: 2 * v)
    assert passed.status == "pass" and passed.record["status"] == "pass"
    assert passed.record["hint"] == ""

    def stub(v):
        raise NotImplementedError

    result = check_double(stub)
    assert result.status == "not_attempted" and result.record["hint"] == ""
    assert capsys.readouterr().out.splitlines()[-1] == (
        "[not attempted yet] Exercise 0.1: double it: stub still raises NotImplementedError; "
        "replace that line with your code, then run this cell again.")


def test_not_attempted_names_the_answer_still_ellipsis(capsys):
    @exercise("Exercise 9.1: two answers")
    def two(first, second):
        return "ok"

    assert two(1, ...).status == "not_attempted"
    assert capsys.readouterr().out == (
        "[not attempted yet] Exercise 9.1: two answers: `second` is still `...`; replace it "
        "with your answer, then run this cell again.\n")
    assert two(first=..., second=[1, ...]).status == "not_attempted"
    assert "`first`, `second` are still `...`" in capsys.readouterr().out


def test_learner_bug_becomes_one_clean_error_line(capsys):
    def buggy(v):
        return v / "2"

    result = check_double(buggy)
    assert result.status == "error" and not result
    out = capsys.readouterr().out
    assert out.startswith("ERROR Exercise 0.1: double it: your buggy raised TypeError: "
                          "unsupported operand")
    assert out.count("\n") == 1 and "Traceback" not in out
    assert out.rstrip().endswith("Hint: Read the message, fix the code and run the cell again.")
    assert result.record["status"] == "error" and "TypeError" in result.record["hint"]


def test_exit_in_a_learners_function_is_an_error_line_not_the_end_of_the_check(capsys):
    import sys

    def quits(v):
        sys.exit("done")

    result = check_double(quits)
    assert result.status == "error"
    out = capsys.readouterr().out
    assert out.startswith("ERROR Exercise 0.1: double it: your quits raised SystemExit: done.")
    assert "return its answer instead" in out

    class Sneaky:
        def __eq__(self, other):
            raise SystemExit(1)

    @exercise("Exercise 9.2: compare")
    def compare(answer):
        assert answer == 3, "not 3"

    result = compare(Sneaky())
    assert result.status == "error" and "SystemExit" in capsys.readouterr().out

    def interrupted(v):
        raise KeyboardInterrupt  # the stop button still stops

    with pytest.raises(KeyboardInterrupt):
        check_double(interrupted)


def test_a_function_that_never_returns_is_stopped_with_an_error_line(capsys, monkeypatch):
    import signal
    import time

    from cnnlesson.checks import _core

    monkeypatch.setattr(_core, "CHECK_TIME_LIMIT", 0.3)

    def endless(v):
        total = 0
        while total < v:  # total never grows
            try:
                total += 0
            except Exception:  # noqa: BLE001 - a learner's catch-all does not swallow the stop
                pass
        return total

    start = time.perf_counter()
    result = check_double(endless)
    assert time.perf_counter() - start < 5
    assert result.status == "error"
    out = capsys.readouterr().out
    assert out.startswith("ERROR Exercise 0.1: double it: your endless raised TimeoutError: "
                          "still running after 0.3 s")
    assert "a counter that is never increased" in out
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0  # no timer left behind
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    assert check_double(lambda v: 2 * v).passed  # the next check runs normally


def test_not_callable_is_reported(capsys):
    result = check_double(3)
    assert result.status == "fail"
    assert "expected a function (written with `def`); got int 3" in capsys.readouterr().out


def test_a_wrong_call_of_the_checker_fails_without_raising(capsys):
    result = check_double()
    assert result.status == "fail"
    assert capsys.readouterr().out.startswith(
        "FAIL Exercise 0.1: double it: call it with the exercise's answers")


def test_an_unforeseen_crash_inside_a_checker_is_a_fail_not_a_traceback(capsys):
    @exercise("Exercise 9.2: crashes")
    def crashes(value):
        return value["key"]

    result = crashes(3)
    assert result.status == "fail"
    assert checks._core.UNFORESEEN in capsys.readouterr().out


def test_the_record_is_displayed_only_inside_a_kernel(monkeypatch):
    shown = []
    monkeypatch.setattr(checks._core, "_in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    check_double(lambda v: 2 * v)
    assert len(shown) == 1
    bundle, raw = shown[0]
    assert raw is True and list(bundle) == ["application/vnd.cnnlesson.check+json"]
    assert bundle[checks.RECORD_MIME]["status"] == "pass"
    monkeypatch.setattr(checks._core, "_in_kernel", lambda: False)
    check_double(lambda v: 2 * v)
    assert len(shown) == 1


def test_in_kernel_is_false_outside_ipython():
    assert checks._core._in_kernel() is False


@pytest.mark.parametrize(("title", "expected"), [
    ("Exercise 1.2: the two-loop filter", "1.2"),
    ("Prediction 3.1: what stays?", "3.1"),
    ("Quiz 6.4: ...", "6.4"),
    ("Practice: double a number", "practice"),
])
def test_record_ids_come_from_the_title(title, expected):
    assert checks.make_record(title, "pass")["id"] == expected


def test_make_record_refuses_an_unknown_status_or_kind():
    with pytest.raises(ValueError, match="status must be one of"):
        checks.make_record("Exercise 1.1: x", "passed")
    with pytest.raises(ValueError, match="kind must be one of"):
        checks.make_record("Exercise 1.1: x", "pass", kind="homework")
    record = checks.make_record("Prediction 2.1: the flip", "fail", "it is symmetric",
                                notebook="02_convolution", kind="prediction")
    assert record == {"schema": 1, "notebook": "02_convolution", "id": "2.1",
                      "kind": "prediction", "title": "Prediction 2.1: the flip",
                      "status": "fail", "hint": "it is symmetric"}


def test_every_course_checker_names_its_notebook():
    import inspect

    ids = {}
    for name in dir(checks):
        fn = getattr(checks, name)
        if callable(fn) and hasattr(fn, "title") and not inspect.isclass(fn):
            ident = checks.make_record(fn.title, "pass")["id"]
            # one record id per exercise of a notebook, or the class report mixes them up
            assert (fn.notebook, ident) not in ids, (name, ids.get((fn.notebook, ident)))
            ids[fn.notebook, ident] = name
            if ident == "extra":  # an exercise of an earlier edition, kept for old copies
                assert fn.title.startswith("Extra: ") and fn.notebook[:3] in {"01_", "02_", "03_"}
                continue
            number = ident.split(".")[0]
            assert fn.notebook.startswith(f"0{number}_"), (name, fn.notebook)


def test_expect_helpers():
    with pytest.raises(AssertionError, match=r"should have shape \(2, 2\); it has \(3,\)"):
        expect_shape([1, 2, 3], (2, 2))
    with pytest.raises(AssertionError, match=r"largest difference is at index \(1, 0\)"):
        expect_close(np.array([[1, 2], [5, 4]]), np.array([[1, 2], [3, 4]]))
    with pytest.raises(AssertionError, match="is 5, which is not right"):
        expect_equal(5, 6)
    expect_equal([24, 24, np.int64(6)], (24, 24, 6))
    expect_equal(np.array([24, 24, 6]), (24, 24, 6))
    expect_equal(np.array(660), 660)
    with pytest.raises(AssertionError, match="that is a string, write the number without"):
        expect_equal("-3", -3)
    with pytest.raises(NotAttempted):
        expect_close(..., 1.0)
    with pytest.raises(AssertionError, match="a number or an array of numbers; got str"):
        expect_close("x", 1.0)


def test_public_names_are_exported():
    assert checks.exercise is exercise


def test_result_is_truthy_and_shows_nothing_as_a_cell_result():
    from IPython.core.formatters import DisplayFormatter

    passed, stub = checks.CheckResult(True), checks.CheckResult(False)
    assert passed and not stub
    assert repr(stub) == "CheckResult(passed=False, status='not_attempted')"
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
    with pytest.raises(AssertionError, match="holds strings"):
        expect_array(["1", "2"], "out")
    with pytest.raises(AssertionError, match="complex"):
        expect_array([1 + 2j, 3], "out")
    with pytest.raises(AssertionError, match="ragged"):
        expect_array([[1, 2], [3]], "out")
    with pytest.raises(AssertionError, match=r"out should be a 2-D array; it has shape \(3,\)"):
        expect_array([1, 2, 3], "out", ndim=2)
    with pytest.raises(AssertionError, match="out contains NaN or inf"):
        expect_array([1.0, np.nan], "out", finite=True)
    assert expect_array([1, 2], "out").dtype == np.float64
