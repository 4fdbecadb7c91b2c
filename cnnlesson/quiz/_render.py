"""Questions as text: markdown for a notebook cell, plain text, and HTML for a widget.

A question is written once, in its bank; notebook authors paste :func:`question_markdown`
into a markdown cell (so the static site and the student edition show it as text) and
:func:`answer_markdown` into a separate cell tagged :data:`TEACHER_TAG`, which the teacher
edition shows and the student edition leaves out.
"""

from __future__ import annotations

import html
import re

__all__ = ["TEACHER_TAG", "question_markdown", "answer_markdown", "question_plain",
           "inline_html"]

#: Cell tag of a markdown cell holding answers: shown in the teacher edition, removed from
#: the student edition.
TEACHER_TAG = "teacher-answer"


def _label(question, number) -> str:
    if question.kind == "prediction":
        return f"Prediction {number}" if number is not None else "Prediction"
    return f"Question {number}" if number is not None else "Question"


def question_markdown(question, number=None) -> str:
    """The question as markdown: a numbered question and its lettered choices.

    Parameters
    ----------
    question : Question
        The question.
    number : int, optional
        Its number in the notebook (predictions) or in the questionnaire.

    Returns
    -------
    str
    """
    if question.kind == "prediction":
        head = f"**{_label(question, number)}: predict before you run.** {question.text}"
    else:
        head = f"**{number}.** {question.text}" if number is not None else question.text
    lines = [head, ""]
    if question.choices:
        lines += [f"- **{letter})** {text}"
                  for letter, (text, _) in zip(question.letters, question.choices, strict=True)]
    else:
        lines.append("*Answer with a number.*")
    return "\n".join(lines)


def answer_markdown(question, number=None) -> str:
    """The right answer, why, and why each wrong choice (or usual wrong number) is wrong.

    Parameters
    ----------
    question : Question
        The question.
    number : int, optional
        Its number, as in :func:`question_markdown`.

    Returns
    -------
    str
    """
    label = _label(question, number).lower()
    lines = [f"**Answer to {label}: {_md_answer(question)}.** {question.why}"]
    if question.choices:
        wrong = [(letter, text, expl) for letter, (text, expl) in
                 zip(question.letters, question.choices, strict=True) if letter != question.answer]
        lines += [""] + [f"- {letter}) {text}: {expl}" for letter, text, expl in wrong]
    elif question.slips:
        from ._core import _format_number

        lines += [""] + [f"- {_format_number(v, question.integer)}: {expl}"
                         for v, expl in question.slips]
    return "\n".join(lines)


def _md_answer(question) -> str:
    return question.answer_text()


_CODE = re.compile(r"`([^`]*)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def plain(text: str) -> str:
    """Markdown emphasis and backticks removed (maths left as written)."""
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return _CODE.sub(r"\1", text)


def question_plain(question, note: str = "") -> str:
    """The question as plain text, with its choices, and an optional note after them.

    Returns
    -------
    str
    """
    lines = [f"{question.full_title}", plain(question.text)]
    if question.choices:
        lines += [f"  {letter}) {plain(text)}"
                  for letter, (text, _) in zip(question.letters, question.choices, strict=True)]
    else:
        lines.append("  (answer with a number)")
    if note:
        lines.append(note)
    return "\n".join(lines)


def inline_html(text: str) -> str:
    """Markdown-lite to HTML: escaped text with `code`, **bold** and *italics* (maths kept)."""
    out = html.escape(text, quote=False)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return _ITALIC.sub(r"<i>\1</i>", out)
