"""Questions, the answers they accept, and what a learner sees when answering.

A :class:`Question` is either a *prediction* (asked before the cell that reveals the answer)
or a *quiz* question (the questionnaire at the end of a notebook). It has lettered choices,
each wrong one with its own explanation, or a numeric answer with a tolerance and
explanations for the usual wrong numbers. :func:`grade` turns any answer a learner may type
into a :class:`Verdict` and never raises; :func:`report` prints the PASS / FAIL /
not-attempted line and emits the same machine-readable record as the exercise checkers
(:mod:`cnnlesson.checks`), with kind ``"prediction"`` or ``"quiz"``.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass, field

import numpy as np

from ..checks import CheckResult, NotAttempted, expect_int, expect_number, make_record
from ..checks import _core as _checks_core

__all__ = ["Question", "Verdict", "QuizResult", "grade", "report", "LETTERS"]

LETTERS = "abcdefgh"
KINDS = ("prediction", "quiz")
_STEMS = {"00": "00_start_here", "01": "01_filtering", "02": "02_convolution",
          "03": "03_pooling", "04": "04_backprop", "05": "05_classifier",
          "06": "06_inside_the_network"}


@dataclass(frozen=True)
class Question:
    """One prediction prompt or questionnaire question.

    Parameters
    ----------
    id : str
        ``"NN.name"``, e.g. ``"01.flat_laplacian"`` or ``"01.q3"``; ``NN`` is the notebook.
    kind : str
        ``"prediction"`` or ``"quiz"``.
    title : str
        A short name, e.g. ``"the Laplacian on a flat image"``.
    text : str
        The question, in markdown (inline code and ``$...$`` maths allowed).
    why : str
        Why the right answer is right (shown on a PASS and in the teacher's answer).
    choices : tuple of (str, str), optional
        ``(choice text, explanation)`` per letter a, b, c, ...; the explanation of a wrong
        choice says why it is wrong. None for a numeric question.
    answer : str or float
        The right letter, or the right number.
    tol : float, default 0
        Numeric questions: how far from ``answer`` still passes.
    integer : bool, default False
        Numeric questions: a whole number is asked (floats are refused with a hint).
    slips : tuple of (float, str), default ()
        Numeric questions: usual wrong numbers and the explanation of each.
    other : str, default ""
        Numeric questions: the explanation for any other wrong number (a hint, not the
        answer).
    unit : str, default ""
        Numeric questions: what the number counts, e.g. ``"rows"`` (shown in the widget).

    Introduced in notebook 01_filtering.
    """

    id: str
    kind: str
    title: str
    text: str
    why: str
    choices: tuple | None = None
    answer: object = None
    tol: float = 0.0
    integer: bool = False
    slips: tuple = field(default=())
    other: str = ""
    unit: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}.")
        if not re.fullmatch(r"\d\d\.[a-z0-9_]+", self.id):
            raise ValueError(f"id must look like '01.flat_laplacian'; got {self.id!r}.")
        if self.choices is not None:
            if not 2 <= len(self.choices) <= len(LETTERS):
                raise ValueError(f"{self.id}: 2 to {len(LETTERS)} choices; got "
                                 f"{len(self.choices)}.")
            if self.answer not in self.letters:
                raise ValueError(f"{self.id}: answer must be one of {self.letters}; got "
                                 f"{self.answer!r}.")
            for letter, (text, explanation) in zip(self.letters, self.choices, strict=True):
                if not text or not (explanation or letter == self.answer):
                    raise ValueError(f"{self.id}: every choice needs a text, and every wrong "
                                     "one an explanation.")
        else:
            if not isinstance(self.answer, numbers.Real) or isinstance(self.answer, bool):
                raise ValueError(f"{self.id}: a numeric question needs a number as answer.")
            if not self.other:
                raise ValueError(f"{self.id}: a numeric question needs `other`, the hint "
                                 "for a wrong number.")
            for value, _ in self.slips:
                if abs(value - self.answer) <= self.tol:
                    raise ValueError(f"{self.id}: slip {value} would pass.")

    @property
    def letters(self) -> str:
        """The letters of the choices, e.g. ``"abcd"``."""
        return LETTERS[:len(self.choices)] if self.choices else ""

    @property
    def notebook_number(self) -> str:
        """``"01"`` for ``"01.q3"``."""
        return self.id[:2]

    @property
    def notebook(self) -> str:
        """The notebook stem, e.g. ``"01_filtering"``."""
        return _STEMS.get(self.notebook_number, self.notebook_number)

    @property
    def full_title(self) -> str:
        """``"Prediction 01.flat_laplacian: the Laplacian on a flat image"``."""
        word = "Prediction" if self.kind == "prediction" else "Question"
        return f"{word} {self.id}: {self.title}"

    def choice_text(self, letter: str) -> str:
        """The text of choice ``letter``."""
        return self.choices[self.letters.index(letter)][0]

    def explanation(self, letter: str) -> str:
        """The explanation of choice ``letter`` (``why`` for the right one)."""
        if letter == self.answer:
            return self.why
        return self.choices[self.letters.index(letter)][1]

    def answer_text(self) -> str:
        """The right answer as a learner would read it: ``"b) 0"`` or ``"24"``."""
        if self.choices:
            return f"{self.answer}) {self.choice_text(self.answer)}"
        return _format_number(self.answer, self.integer)


def _format_number(value, integer: bool = False) -> str:
    if integer:
        return str(int(value))
    return f"{float(value):.6g}"


@dataclass(frozen=True)
class Verdict:
    """What :func:`grade` decided: ``status`` and the text to show.

    Attributes
    ----------
    status : str
        ``"pass"``, ``"fail"`` or ``"not_attempted"``.
    message : str
        The explanation (for a pass or a wrong answer) or the hint (for junk).
    value : object
        The canonical answer (a letter or a number), None for junk or no answer.
    """

    status: str
    message: str
    value: object = None


_LETTER_FORM = re.compile(r"^\(?\s*([a-z])\s*[\).:]?$")


def _parse_letter(question: Question, answer, what: str):
    """A letter from ``"B"``, ``" b "``, ``"b)"``, ``"(b)"``; raises AssertionError on junk."""
    example = f'"{question.letters[0]}"'
    choices = ", ".join(f'"{c}"' for c in question.letters[:-1]) + f' or "{question.letters[-1]}"'
    if isinstance(answer, np.ndarray) and answer.ndim == 0:
        answer = answer[()]
    if answer is None:
        raise AssertionError(f"{what} is None; write the letter of your choice in quotes, "
                             f"e.g. {what} = {example}.")
    if isinstance(answer, (bool, np.bool_)):
        raise AssertionError(f"{what} is {answer}, a truth value; write the letter of your "
                             f"choice in quotes: {choices}.")
    if isinstance(answer, (numbers.Number, np.generic)) and not isinstance(answer, np.str_):
        raise AssertionError(f"{what} is the number {answer!r}; this question wants the letter "
                             f"of your choice, in quotes: {choices}.")
    if isinstance(answer, (bytes, np.bytes_)):
        raise AssertionError(f"{what} is bytes ({answer!r}); write the letter as an ordinary "
                             f"string in quotes: {choices}.")
    if not isinstance(answer, str):
        kind = type(answer).__name__
        if isinstance(answer, (list, tuple, set, dict, np.ndarray)):
            raise AssertionError(f"{what} is a {kind}; give one letter only, in quotes: "
                                 f"{choices}.")
        raise AssertionError(f"{what} should be a letter in quotes ({choices}); got a {kind}.")
    text = answer.strip().lower()
    if not text:
        raise AssertionError(f"{what} is an empty string; type the letter of your choice "
                             f"between the quotes: {choices}.")
    match = _LETTER_FORM.match(text)
    if match:
        letter = match.group(1)
        if letter in question.letters:
            return letter
        raise AssertionError(f"{what} is {answer!r}, but there is no choice {letter}); choose "
                             f"one of {choices}.")
    one = f"[{question.letters}]"
    if re.fullmatch(rf"{one}([\s,;/&+]*(and\s+)?{one})+", text):
        raise AssertionError(f"{what} is {answer!r}: choose exactly one letter, {choices} "
                             "(only one choice is right).")
    if len(text) > 60:
        answer = answer.strip()[:57] + "..."
    raise AssertionError(f"{what} is {answer!r}; type only the letter of your choice, "
                         f"{choices}, not the text of the choice.")


def _parse_number(question: Question, answer, what: str) -> float:
    if question.integer:
        return float(expect_int(answer, what))
    return expect_number(answer, what)


def grade(question: Question, answer, what: str = "your answer") -> Verdict:
    """Grade one answer; never raises.

    Parameters
    ----------
    question : Question
        The question.
    answer : object
        What the learner wrote: ``...`` (not answered), a letter in any usual form (``"B"``,
        ``" b "``, ``"b)"``), or a number (int, float, numpy scalar, 0-d array).
    what : str, default "your answer"
        How to name the answer in a hint, e.g. ``"my_prediction"``.

    Returns
    -------
    Verdict

    Introduced in notebook 01_filtering.
    """
    if answer is Ellipsis:
        return Verdict("not_attempted", f"`{what}` is still `...`")
    try:
        if question.choices:
            letter = _parse_letter(question, answer, what)
            status = "pass" if letter == question.answer else "fail"
            said = f"{letter}) {question.choice_text(letter)}"
            if status == "pass":
                return Verdict("pass", f"right, {said}. {question.why}", letter)
            return Verdict("fail", f"not {said}: {question.explanation(letter)}", letter)
        value = _parse_number(question, answer, what)
        shown = _format_number(value, question.integer)
        if abs(value - float(question.answer)) <= question.tol + 1e-12:
            return Verdict("pass", f"right, {shown}. {question.why}", value)
        for slip, explanation in question.slips:
            if abs(value - float(slip)) <= question.tol + 1e-12:
                return Verdict("fail", f"not {shown}: {explanation}", value)
        return Verdict("fail", f"not {shown}: {question.other}", value)
    except NotAttempted as err:
        return Verdict("not_attempted", err.what or f"`{what}` is still `...`")
    except AssertionError as err:
        return Verdict("fail", str(err).strip() or "that answer cannot be read.")
    except Exception as err:  # noqa: BLE001 - a learner never sees a traceback
        return Verdict("fail", f"the question could not read this answer "
                               f"({type(err).__name__}); give "
                               + ("one letter in quotes." if question.choices else "one number."))


class QuizResult(CheckResult):
    """What :func:`cnnlesson.quiz.predict` and :func:`cnnlesson.quiz.ask` return.

    A :class:`cnnlesson.checks.CheckResult` (true on a PASS, ``.status``, ``.record``,
    ``.message``) that also holds the question, the verdict and, when the answer was still
    ``...``, the widget shown to answer by clicking.

    Introduced in notebook 01_filtering.
    """

    __slots__ = ("question", "verdict", "widget")

    def __init__(self, question, verdict, record, message, widget=None):
        super().__init__(verdict.status == "pass", verdict.status, record, message)
        self.question = question
        self.verdict = verdict
        self.widget = widget


def line_for(question: Question, verdict: Verdict, howto: str = "") -> str:
    """The one line printed for a verdict."""
    title = question.full_title
    if verdict.status == "pass":
        return f"PASS {title}: {verdict.message}"
    if verdict.status == "fail":
        return f"FAIL {title}: {verdict.message}"
    how = howto or "write your answer instead, then run this cell again"
    return f"[not attempted yet] {title}: {verdict.message}; {how}."


def record_for(question: Question, verdict: Verdict) -> dict:
    """The check record of a verdict (kind ``prediction`` or ``quiz``, id = question id)."""
    hint = verdict.message if verdict.status == "fail" else ""
    record = make_record(question.full_title, verdict.status, hint,
                         notebook=question.notebook, kind=question.kind)
    record["id"] = question.id  # the title's "01.flat_laplacian" is not a numbered id
    return record


def report(question: Question, answer, what: str = "your answer", howto: str = "",
           quiet: bool = False) -> QuizResult:
    """Grade ``answer``, print its line (unless ``quiet``) and emit its record; never raises.

    Introduced in notebook 01_filtering.
    """
    verdict = grade(question, answer, what)
    line = line_for(question, verdict, howto)
    record = record_for(question, verdict)
    if not quiet:
        print(line)
    _checks_core.emit_record(record)
    return QuizResult(question, verdict, record, line)
