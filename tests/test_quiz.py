"""The quiz machinery: accepted answer forms, junk, records (also inside an IPython shell),
questionnaires, markdown, the answer widget driven by clicks, and the command line."""

import contextlib
import io
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson import quiz
from cnnlesson.checks import RECORD_MIME
from cnnlesson.checks import _core as checks_core
from cnnlesson.quiz import _core, _widget
from cnnlesson.quiz.__main__ import main as quiz_main

CHOICE = quiz.question("02.flip_kernels")      # five choices, answer d
INTEGER = quiz.question("01.output_rows")      # a whole number, 8
REAL = quiz.question("01.q6")                  # 0.587 +- 0.0005


def run(function, *args, **kwargs):
    """Call quietly: (result, printed text, emitted records)."""
    records = []
    with mock.patch.object(checks_core, "emit_record", records.append), \
            contextlib.redirect_stdout(io.StringIO()) as out:
        result = function(*args, **kwargs)
    return result, out.getvalue(), records


# ---------------------------------------------------------------------------
# answers in code
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["d", "D", " d ", "d)", "(d)", "D.", "d:", "\td\n",
                                  np.str_("d"), np.array("d")])
def test_every_form_of_the_right_letter_passes(form):
    result, text, records = run(quiz.predict, CHOICE.id, form)
    assert result and result.status == "pass"
    assert text.startswith(f"PASS {CHOICE.full_title}: right, d) ")
    assert CHOICE.why in text
    assert records == [result.record]
    assert records[0] == {"schema": 1, "notebook": "02_convolution", "id": "02.flip_kernels",
                          "kind": "prediction", "title": CHOICE.full_title, "status": "pass",
                          "hint": ""}


@pytest.mark.parametrize("form", [8, np.int64(8), np.int32(8), np.uint8(8), np.array(8)])
def test_every_form_of_a_whole_number_passes(form):
    result, text, _ = run(quiz.predict, INTEGER.id, form)
    assert result.status == "pass", text


@pytest.mark.parametrize("form", [0.587, np.float32(0.587), np.float64(0.5874), np.array(0.587),
                                  np.array([0.587]), 0.5866])
def test_every_form_of_a_real_number_passes_within_the_tolerance(form):
    result, text, _ = run(quiz.ask, REAL.id, form)
    assert result.status == "pass", text
    assert result.record["kind"] == "quiz"


def test_a_number_just_outside_the_tolerance_fails():
    result, text, _ = run(quiz.ask, REAL.id, 0.5876)
    assert result.status == "fail"
    assert REAL.other in text


def test_a_float_for_a_whole_number_is_refused_with_a_hint():
    result, text, records = run(quiz.predict, INTEGER.id, 8.0)
    assert result.status == "fail"
    assert "whole number" in text and records[0]["status"] == "fail"
    assert records[0]["hint"] in text


def test_each_wrong_choice_gets_its_own_explanation():
    seen = set()
    for letter, (choice, explanation) in zip(CHOICE.letters, CHOICE.choices, strict=True):
        if letter == CHOICE.answer:
            continue
        result, text, records = run(quiz.predict, CHOICE.id, letter.upper() + ")")
        assert result.status == "fail"
        assert text == f"FAIL {CHOICE.full_title}: not {letter}) {choice}: {explanation}\n"
        assert records[0]["hint"] == f"not {letter}) {choice}: {explanation}"
        seen.add(explanation)
    assert len(seen) == len(CHOICE.choices) - 1


JUNK = [None, True, False, "", "   ", "z", "f", "ab", "a and b", "b, c", "zero", "hello world",
        "x" * 500, 3.5j, [1], ["b"], ("b",), {"b": 1}, {"b"}, object(), float("nan"),
        float("inf"), np.array([1, 2]), np.array(["b", "c"]), b"b", b"\xff", lambda: "b",
        Ellipsis.__class__, np.nan, -1, 10**100, "🙂", "0", "-3", "8.0"]


@pytest.mark.parametrize("junk", JUNK, ids=[repr(j)[:20] for j in JUNK])
@pytest.mark.parametrize("qid", [CHOICE.id, INTEGER.id, REAL.id])
def test_junk_never_raises_and_never_passes(qid, junk):
    result, text, records = run(quiz.predict, qid, junk)
    assert result.status == "fail", text
    assert text.startswith("FAIL ") and text.count("\n") == 1
    assert len(records) == 1 and records[0]["hint"]
    assert "could not read" not in text, text  # every junk has a named hint


def test_the_hints_name_the_slip():
    assert "letter of your choice, in quotes" in run(quiz.predict, CHOICE.id, 2)[1]
    assert "no choice z)" in run(quiz.predict, CHOICE.id, "z")[1]
    assert "exactly one letter" in run(quiz.predict, CHOICE.id, "a and b")[1]
    assert "not the text of the choice" in run(quiz.predict, CHOICE.id, "only the Laplacian")[1]
    assert "empty string" in run(quiz.predict, CHOICE.id, " ")[1]
    assert "without quotes" in run(quiz.predict, INTEGER.id, "8")[1]
    assert "None" in run(quiz.predict, CHOICE.id, None)[1]


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=True),
                 st.complex_numbers(), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                 st.binary(max_size=4), st.none(), st.booleans()))
def test_hypothesis_junk_never_raises(answer):
    for q in (CHOICE, INTEGER, REAL):
        verdict = _core.grade(q, answer)
        assert verdict.status in ("pass", "fail")
        assert verdict.message


def test_not_attempted_prints_a_line_shows_the_question_and_records_it():
    result, text, records = run(quiz.predict, CHOICE.id, ...)
    assert result.status == "not_attempted" and not result
    assert text.startswith(f"[not attempted yet] {CHOICE.full_title}: `my_prediction` is "
                           "still `...`; click your answer below")
    assert "  d) identity, both blurs, sharpen and both Laplacians" in text  # outside Jupyter
    assert records[0]["status"] == "not_attempted" and records[0]["hint"] == ""
    assert result.widget is not None


def test_default_answer_is_not_attempted():
    assert run(quiz.ask, "01.q1")[0].status == "not_attempted"


def test_unknown_ids_print_a_hint_and_record_nothing():
    for qid in ("01.nope", "99.q1", None, 3, ["01.q1"]):
        result, text, records = run(quiz.predict, qid, "a")
        assert not result and result.status == "fail"
        assert text.startswith("FAIL: there is no question") and records == []
    assert "01.flat_laplacian" in run(quiz.predict, "01.nope", "a")[1]


def test_a_question_object_can_be_passed_instead_of_its_id():
    assert run(quiz.predict, CHOICE, "d")[0].status == "pass"


def test_questions_are_validated_when_written():
    good = dict(id="01.x", kind="quiz", title="t", text="q", why="w")
    with pytest.raises(ValueError, match="kind"):
        quiz.Question(**{**good, "kind": "exam"}, choices=(("a", "x"), ("b", "")), answer="b")
    with pytest.raises(ValueError, match="id"):
        quiz.Question(**{**good, "id": "one"}, choices=(("a", "x"), ("b", "")), answer="b")
    with pytest.raises(ValueError, match="explanation"):
        quiz.Question(**good, choices=(("a", ""), ("b", "")), answer="b")
    with pytest.raises(ValueError, match="answer"):
        quiz.Question(**good, choices=(("a", "x"), ("b", "")), answer="c")
    with pytest.raises(ValueError, match="slip"):
        quiz.Question(**good, answer=3, slips=((3, "x"),), other="o")
    with pytest.raises(ValueError, match="other"):
        quiz.Question(**good, answer=3)


# ---------------------------------------------------------------------------
# records inside an IPython shell (what a kernel shows and the class report reads)
# ---------------------------------------------------------------------------

@pytest.fixture
def shell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    monkeypatch.setattr(checks_core, "_in_kernel", lambda: True)
    return shell


def _displayed(function, *args):
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        result = function(*args)
    return result, captured


def test_records_are_displayed_in_a_kernel(shell):
    result, captured = _displayed(quiz.predict, "01.flat_laplacian", np.int64(4))
    bundles = [o.data for o in captured.outputs]
    assert bundles == [{RECORD_MIME: result.record}]
    record = bundles[0][RECORD_MIME]
    assert (record["id"], record["kind"], record["status"]) == ("01.flat_laplacian",
                                                                 "prediction", "fail")
    assert record["notebook"] == "01_filtering" and "centre alone" in record["hint"]
    assert captured.stdout.startswith("FAIL Prediction 01.flat_laplacian")


def test_an_unanswered_prediction_displays_its_record_and_the_widget(shell):
    result, captured = _displayed(quiz.predict, "02.stride_size")
    first, second = (o.data for o in captured.outputs)
    assert first == {RECORD_MIME: result.record}
    assert result.record["status"] == "not_attempted"
    assert "application/vnd.jupyter.widget-view+json" in second
    still = second["text/plain"]
    assert still.startswith("Prediction 02.stride_size: stride 2 on a 6-pixel row\n")
    assert still.endswith(_widget.STILL_NOTE) and "VBox" not in still
    assert captured.stdout.count("\n") == 1  # only the not-attempted line is printed


def test_a_questionnaire_displays_one_record_per_question(shell):
    answers = {"q1": "a", "q2": "d", "q3": "b"}
    result, captured = _displayed(quiz.questionnaire, "02", answers)
    records = [o.data[RECORD_MIME] for o in captured.outputs if RECORD_MIME in o.data]
    assert [r["id"] for r in records] == [f"02.q{k}" for k in range(1, 7)]
    assert {r["kind"] for r in records} == {"quiz"}
    assert [r["status"] for r in records] == ["pass", "pass", "fail"] + ["not_attempted"] * 3
    widgets_shown = [o for o in captured.outputs if "text/plain" in o.data]
    assert len(widgets_shown) == 1 and "Question 02.q4" in widgets_shown[0].data["text/plain"]
    assert "Question 02.q1" not in widgets_shown[0].data["text/plain"]
    assert result.score == 2 and result.total == 6 and not result


# ---------------------------------------------------------------------------
# questionnaires
# ---------------------------------------------------------------------------

def test_a_questionnaire_accepts_every_key_form_and_reports_a_score():
    right = {q.id: q.answer for q in quiz.questions("01", "quiz")}
    keys = {"01.q1": "01.q1", "01.q2": "q2", "01.q3": "Q3", "01.q4": 4, "01.q5": "5",
            "01.q6": " q6 "}
    answers = {keys[qid]: value for qid, value in right.items()}
    result, text, records = run(quiz.questionnaire, "01", answers)
    assert result and result.score == result.total == 6
    assert text.splitlines()[-1] == "Questionnaire 01: 6 of 6 right."
    assert [r["status"] for r in records] == ["pass"] * 6


def test_a_questionnaire_accepts_a_list_in_order():
    right = [q.answer for q in quiz.questions("03", "quiz")]
    result, text, _ = run(quiz.questionnaire, "03", right + ["extra"])
    assert result and "extra ones are ignored" in text


def test_a_questionnaire_with_nothing_answered_prints_one_line():
    result, text, records = run(quiz.questionnaire, "04", {"q1": ..., "q2": ...})
    lines = text.splitlines()
    assert lines[0] == ("[not attempted yet] Questionnaire 04: q1, q2, q3, q4, q5, q6 still "
                        "`...`; click your answers below, or write them in `answers` and run "
                        "this cell again.")
    assert "Questionnaire 04:" not in "\n".join(lines[1:2])  # no score line
    assert [r["status"] for r in records] == ["not_attempted"] * 6
    assert result.widget is not None and len(result.widget.buttons) == 6


@pytest.mark.parametrize("answers", [None, ..., "b", 3, {"q9": "a"}, {None: "a"}, {True: "a"}])
def test_a_questionnaire_never_raises_on_odd_answers(answers):
    result, text, records = run(quiz.questionnaire, "05", answers)
    assert len(records) == 6 and result.score == 0


def test_an_unknown_questionnaire():
    result, text, records = run(quiz.questionnaire, "09", {})
    assert not result and "no questionnaire" in text and records == []


def test_a_wrong_questionnaire_answer_names_the_dict_entry():
    _, text, _ = run(quiz.questionnaire, "01", {"q1": "921600"})
    assert 'answers["q1"] is the string' in text


# ---------------------------------------------------------------------------
# markdown
# ---------------------------------------------------------------------------

def test_markdown_of_a_prediction_is_numbered_with_lettered_choices():
    text = quiz.markdown("02.flip_kernels")
    lines = text.splitlines()
    assert lines[0].startswith("**Prediction 1: predict before you run.** Convolution rotates")
    assert lines[2:] == ["- **a)** only the Laplacian",
                         "- **b)** Sobel x and Sobel y",
                         "- **c)** none: a rotation always changes a kernel",
                         "- **d)** identity, both blurs, sharpen and both Laplacians",
                         "- **e)** all of them: turning a kernel never changes what it is"]
    assert quiz.markdown("02.stride_size").startswith("**Prediction 2: ")
    assert quiz.markdown("01.q4").endswith("*Answer with a number.*")


def test_markdown_of_a_questionnaire_numbers_every_question():
    text = quiz.markdown("03")
    for k in range(1, 7):
        assert f"**{k}.** " in text
    assert "**7.**" not in text and "Prediction" not in text


def test_answer_markdown_gives_the_answer_and_every_wrong_choice():
    text = quiz.answer_markdown("02.flip_kernels")
    assert text.startswith("**Answer to prediction 1: d) identity, both blurs, sharpen and "
                           "both Laplacians.** A kernel survives")
    for letter in "abce":
        assert f"\n- {letter}) " in text
    numeric = quiz.answer_markdown("01.same_corner")
    assert numeric.startswith("**Answer to prediction 3: 5.**")
    assert "\n- 3: that is a pixel on an edge" in numeric
    assert quiz.answer_markdown("06").count("**Answer to question") == 6
    assert quiz.TEACHER_TAG == "teacher-answer"


# ---------------------------------------------------------------------------
# the widget, driven by clicks
# ---------------------------------------------------------------------------

def test_clicking_a_wrong_then_the_right_choice():
    box = run(quiz.predict, "02.flip_kernels")[0].widget
    control, button, feedback = box.controls[0], box.buttons[0], box.feedback[0]
    assert control.value is None and feedback.value == ""
    button.click()
    assert "Choose an answer first" in feedback.value
    control.value = "b"
    button.click()
    assert "FAIL" in feedback.value and "Sobel kernels are the ones that do change" in \
        feedback.value
    assert box.verdicts[0].status == "fail"
    control.value = "d"
    button.click()
    assert "PASS" in feedback.value and "survives a half turn" in feedback.value
    assert "my_prediction = &quot;d&quot;" in feedback.value  # how to keep it for the report


def test_the_number_box():
    box = run(quiz.predict, "01.flat_laplacian")[0].widget
    control, button, feedback = box.controls[0], box.buttons[0], box.feedback[0]
    button.click()
    assert "Type a number first" in feedback.value
    control.value = "four"
    button.click()
    assert "Type a number first" in feedback.value
    control.value = " 4 "
    button.click()
    assert "FAIL" in feedback.value and "centre alone" in feedback.value
    control.value = "0,0"
    button.click()
    assert "PASS" in feedback.value and "my_prediction = 0" in feedback.value


def test_a_whole_number_typed_in_the_box_passes():
    box = _widget.quiz_box([INTEGER])
    box.controls[0].value = "8"
    box.buttons[0].click()
    assert box.verdicts[0].status == "pass"
    box.controls[0].value = "8.5"
    box.buttons[0].click()
    assert box.verdicts[0].status == "fail" and "whole number" in box.feedback[0].value


def test_clicks_record_nothing():
    box = quiz.widget("01")
    records = []
    with mock.patch.object(checks_core, "emit_record", records.append):
        box.controls[1].value = "c"
        box.buttons[1].click()
    assert records == [] and box.verdicts[1].status == "pass"


def test_the_questionnaire_widget_and_its_still_text():
    box = quiz.widget("01")
    assert len(box.buttons) == 6
    text = box._repr_mimebundle_()["text/plain"]
    assert text.startswith("Question 01.q1: how many numbers in a photo\nA colour photo has "
                           "shape (600, 512, 3).")
    assert "  c) Sobel y" in text and "**" not in text and "`" not in text
    assert "How many rows does the output have?" in box.children[3].children[0].value


def test_feedback_is_escaped_html():
    q = quiz.Question("01.zz", "quiz", "t", "a <b> question", "because <x>",
                      choices=(("<i>", "no <script>"), ("y", "")), answer="b")
    box = _widget.quiz_box([q], show_text=True)
    box.controls[0].value = "a"
    box.buttons[0].click()
    assert "<script>" not in box.feedback[0].value and "&lt;script&gt;" in box.feedback[0].value
    assert "&lt;b&gt;" in box.children[0].children[0].value


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------

def test_the_plan_names_every_question_and_its_place(capsys):
    assert quiz_main(["plan"]) == 0
    out = capsys.readouterr().out
    for q in quiz.questions():
        assert f'"{q.id[3:]}"' in out if q.kind == "quiz" else f'quiz.predict("{q.id}"' in out
    cells = len(quiz.questions(kind="prediction")) + 6
    assert out.count("Markdown cell, tagged `teacher-answer`") == cells


def test_cells_of_one_question_and_of_a_questionnaire(capsys):
    assert quiz_main(["cells", "02.flip_kernels"]) == 0
    out = capsys.readouterr().out
    assert ('# Prediction 02.flip_kernels: kernels the flip leaves alone\nmy_prediction = ...   '
            '# type the letter of your choice: "a", "b", "c", "d" or "e"\n'
            'quiz.predict("02.flip_kernels", my_prediction)') in out
    assert quiz_main(["cells", "05"]) == 0
    assert 'quiz.questionnaire("05", answers)' in capsys.readouterr().out
    assert quiz_main(["cells", "05.nothing"]) == 2
    assert quiz_main(["cells", "00"]) == 2


def test_the_cell_code_runs_as_written():
    from cnnlesson.quiz import _plan

    namespace = {"quiz": quiz}
    for q in quiz.questions(kind="prediction"):
        run(exec, _plan.prediction_code(q), namespace)
        assert namespace["my_prediction"] is Ellipsis
    for number in ("01", "02", "03", "04", "05", "06"):
        result = run(exec, _plan.questionnaire_code(quiz.questions(number, "quiz")), namespace)
        assert result[0] is None and len(result[2]) == len(quiz.questions(number, "quiz"))


def test_public_functions_say_where_they_are_introduced():
    import inspect

    for name in ("predict", "ask", "questionnaire", "widget", "question", "questions",
                 "markdown", "answer_markdown", "grade", "Question", "QuestionnaireResult"):
        assert "Introduced in notebook 01_filtering." in inspect.getdoc(getattr(quiz, name))
