"""Predict-then-run prompts and end-of-notebook questionnaires: ``from cnnlesson import quiz``.

A **prediction** is asked just before the cell that reveals its answer::

    my_prediction = ...   # type the letter of your choice: "a", "b", "c" or "d"
    quiz.predict("01.flat_laplacian", my_prediction)

With ``...`` the cell shows answer buttons (click a choice, then Check); with a letter (or a
number, for a numeric question) it prints ``PASS`` or ``FAIL`` with the explanation of that
answer. A **questionnaire** ends each notebook 01-06; all its answers go in one dict::

    answers = {"q1": ..., "q2": ..., "q3": ..., "q4": ..., "q5": ...}
    quiz.questionnaire("01", answers)

(``quiz.ask("01.q3", "b")`` checks a single question). Every answer written in code prints one
line and, in a Jupyter kernel, displays the same machine-readable record as the exercise
checks (kind ``"prediction"`` or ``"quiz"``, see :mod:`cnnlesson.checks`), which the class
report reads. Nothing here ever raises for what a learner types.

For the static site and the student edition, each question also exists as text:
:func:`markdown` gives a numbered question with lettered choices for a markdown cell, and
:func:`answer_markdown` the answer and explanations for a separate markdown cell tagged
``teacher-answer`` (:data:`TEACHER_TAG`), which the student edition removes.
``python -m cnnlesson.quiz plan`` prints the cells to paste into every notebook.
"""

from __future__ import annotations

from . import nb01, nb02, nb03, nb04, nb05, nb06
from ._core import LETTERS, Question, QuizResult, Verdict, grade, report
from ._render import TEACHER_TAG, question_plain
from ._render import answer_markdown as _answer_md
from ._render import question_markdown as _question_md

__all__ = ["Question", "QuizResult", "QuestionnaireResult", "Verdict", "TEACHER_TAG", "LETTERS",
           "predict", "ask", "questionnaire", "widget", "question", "questions", "markdown",
           "answer_markdown", "grade"]

_BANKS = (nb01, nb02, nb03, nb04, nb05, nb06)
_REGISTRY: dict[str, Question] = {}
for _bank in _BANKS:
    for _q in list(getattr(_bank, "PREDICTIONS", [])) + list(getattr(_bank, "QUESTIONNAIRE", [])):
        if _q.id in _REGISTRY:
            raise ValueError(f"two questions have the id {_q.id!r}")
        _REGISTRY[_q.id] = _q
del _bank, _q


def question(qid: str) -> Question:
    """The question with id ``qid`` (e.g. ``"01.flat_laplacian"``, ``"01.q3"``).

    Raises
    ------
    KeyError
        For an unknown id, listing the known ones of that notebook.

    Introduced in notebook 01_filtering.
    """
    if isinstance(qid, Question):
        return qid
    if isinstance(qid, str) and qid in _REGISTRY:
        return _REGISTRY[qid]
    same = [k for k in _REGISTRY if k[:2] == str(qid)[:2]]
    raise KeyError(f"no question with id {qid!r}; this notebook's ids: {', '.join(same) or 'none'}")


def questions(notebook: str | None = None, kind: str | None = None) -> list[Question]:
    """The questions of one notebook (``"01"``), or of all, in course order; filter by kind.

    Introduced in notebook 01_filtering.
    """
    out = list(_REGISTRY.values())
    if notebook is not None:
        out = [q for q in out if q.notebook_number == str(notebook)[:2]]
    if kind is not None:
        out = [q for q in out if q.kind == kind]
    return out


def _number(q: Question) -> int:
    same = questions(q.notebook_number, q.kind)
    return same.index(q) + 1


def _unknown(qid):
    """None for a known question id; otherwise print why and return a failed result."""
    if isinstance(qid, Question) or (isinstance(qid, str) and qid in _REGISTRY):
        return None
    from ..checks import CheckResult

    prefix = str(qid)[:2] if isinstance(qid, str) else ""
    same = [k for k in _REGISTRY if k[:2] == prefix]
    line = (f"FAIL: there is no question {qid!r}"
            + (f"; this notebook's ids are {', '.join(same)}." if same else
               "; ids look like '01.flat_laplacian' or '01.q3'."))
    print(line)
    return CheckResult(False, "fail", {}, line)


def _show(box, q_list) -> None:
    from ..checks import _core as checks_core

    if box is not None and checks_core._in_kernel():
        from IPython.display import display

        display(box)
    else:
        print("\n\n".join(question_plain(q) for q in q_list))


def _make_box(q_list, keep):
    try:
        from ._widget import quiz_box

        return quiz_box(q_list, keep=keep)
    except Exception:  # noqa: BLE001 - no ipywidgets: the plain text is shown instead
        return None


def predict(qid: str, answer=Ellipsis, *, name: str = "my_prediction"):
    """Check a prediction, or show answer buttons while it is still ``...``; never raises.

    Parameters
    ----------
    qid : str
        The question's id, e.g. ``"01.flat_laplacian"``.
    answer : str or number, default ...
        The letter of the chosen answer in any usual form (``"b"``, ``"B"``, ``" b) "``), or
        a number (int, float, numpy scalar, 0-d array) for a numeric question. ``...`` shows
        the answer buttons (in Jupyter) or the question as text.
    name : str, default "my_prediction"
        The variable the answer is typed in, for the hints.

    Returns
    -------
    QuizResult
        True on a PASS; ``.status``, ``.record``, ``.message``, ``.verdict`` and ``.widget``
        (the answer buttons, or None).

    Introduced in notebook 01_filtering.
    """
    bad = _unknown(qid)
    if bad is not None:
        return bad
    q = question(qid)
    kind = "letter of your choice in quotes" if q.choices else "number"
    howto = f"click your answer below, or type the {kind} instead of `...` and run this cell again"
    result = report(q, answer, what=name, howto=howto)
    if result.status == "not_attempted":
        box = _make_box([q], keep=f"{name} = {{answer}}")
        result.widget = box
        _show(box, [q])
    return result


def ask(qid: str, answer=Ellipsis, *, name: str = "answer"):
    """Check one questionnaire question (or any question); like :func:`predict`.

    Introduced in notebook 01_filtering.
    """
    return predict(qid, answer, name=name)


class QuestionnaireResult:
    """What :func:`questionnaire` returns: true when every answer is right.

    Attributes
    ----------
    results : list of QuizResult
        One per question, in order.
    score : int
        How many are right.
    total : int
        How many questions.
    widget : QuizBox or None
        The answer buttons of the questions still ``...``.

    Introduced in notebook 01_filtering.
    """

    __slots__ = ("results", "widget")

    def __init__(self, results, widget=None):
        self.results = list(results)
        self.widget = widget

    @property
    def score(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def records(self) -> list[dict]:
        return [r.record for r in self.results]

    def __bool__(self) -> bool:
        return self.score == self.total

    def __repr__(self) -> str:
        return f"QuestionnaireResult(score={self.score}, total={self.total})"

    def _ipython_display_(self) -> None:
        """Display nothing: the lines were printed."""


def _answer_key(key, q_list):
    """``"q3"``, ``"Q3"``, ``3``, ``"3"``, ``"01.q3"`` -> the question ``01.q3`` (or None)."""
    text = str(key).strip().lower() if not isinstance(key, bool) else ""
    ids = {q.id: q for q in q_list}
    if text in ids:
        return ids[text]
    prefix = q_list[0].notebook_number if q_list else ""
    for candidate in (f"{prefix}.{text}", f"{prefix}.q{text}"):
        if candidate in ids:
            return ids[candidate]
    return None


def questionnaire(notebook: str, answers=None):
    """Check a notebook's questionnaire; show answer buttons for the questions still ``...``.

    Parameters
    ----------
    notebook : str
        ``"01"`` ... ``"06"``.
    answers : dict, list or None
        ``{"q1": "b", "q2": 24, ...}`` (keys ``"q1"``, ``1`` or ``"01.q1"``), or the answers
        in order as a list; ``...`` or a missing key means not answered yet. None: nothing
        answered.

    Returns
    -------
    QuestionnaireResult

    Introduced in notebook 01_filtering.
    """
    number = str(notebook).strip()[:2]
    q_list = questions(number, "quiz")
    if not q_list:
        from ..checks import CheckResult

        print(f"FAIL: notebook {notebook!r} has no questionnaire; use '01' ... '06'.")
        return QuestionnaireResult([CheckResult(False, "fail", {}, "")])
    given: dict = {}
    if isinstance(answers, dict):
        for key, value in answers.items():
            q = _answer_key(key, q_list)
            if q is None:
                print(f"Note: `answers` has the key {key!r}, which is not a question here; "
                      f"the keys are {', '.join(repr(x.id[3:]) for x in q_list)}.")
            else:
                given[q.id] = value
    elif isinstance(answers, (list, tuple)):
        if len(answers) > len(q_list):
            print(f"Note: {len(answers)} answers for {len(q_list)} questions; the extra ones "
                  "are ignored.")
        given = {q.id: a for q, a in zip(q_list, answers, strict=False)}
    elif answers is not None and answers is not Ellipsis:
        print(f"Note: `answers` should be a dict such as {{\"q1\": \"b\", \"q2\": 24}}; got a "
              f"{type(answers).__name__}. Nothing was checked.")
    results, open_questions = [], []
    for q in q_list:
        answer = given.get(q.id, Ellipsis)
        key = q.id[3:]
        result = report(q, answer, what=f'answers["{key}"]', quiet=answer is Ellipsis)
        if result.status == "not_attempted":
            open_questions.append(q)
        results.append(result)
    answered = len(q_list) - len(open_questions)
    box = None
    if open_questions:
        keys = ", ".join(q.id[3:] for q in open_questions)
        print(f"[not attempted yet] Questionnaire {number}: {keys} still `...`; click your "
              "answers below, or write them in `answers` and run this cell again.")
        box = _make_box(open_questions,
                        keep=[f'answers["{q.id[3:]}"] = {{answer}}' for q in open_questions])
    if answered:
        score = sum(r.passed for r in results)
        print(f"Questionnaire {number}: {score} of {len(q_list)} right"
              + ("." if answered == len(q_list) else f" ({answered} answered)."))
    if open_questions:
        _show(box, open_questions)
    return QuestionnaireResult(results, box)


def widget(what: str):
    """Answer buttons for one question (``"01.q3"``) or a whole questionnaire (``"01"``).

    Returns
    -------
    QuizBox

    Introduced in notebook 01_filtering.
    """
    from ._widget import quiz_box

    q_list = questions(what, "quiz") if len(str(what)) == 2 else [question(what)]
    return quiz_box(q_list, show_text=True)


def markdown(what: str) -> str:
    """Markdown for a notebook cell: one question (``"01.q3"``), or a questionnaire (``"01"``).

    Introduced in notebook 01_filtering.
    """
    if len(str(what)) == 2:
        return "\n\n".join(_question_md(q, _number(q)) for q in questions(what, "quiz"))
    q = question(what)
    return _question_md(q, _number(q))


def answer_markdown(what: str) -> str:
    """Markdown with the answers and explanations, for a cell tagged ``teacher-answer``.

    Introduced in notebook 01_filtering.
    """
    if len(str(what)) == 2:
        return "\n\n".join(_answer_md(q, _number(q)) for q in questions(what, "quiz"))
    q = question(what)
    return _answer_md(q, _number(q))
