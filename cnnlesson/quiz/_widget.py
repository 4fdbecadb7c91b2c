"""A small widget to answer questions by clicking: choices (or a number box), Check, feedback.

The box is a :class:`QuizBox`, an ``ipywidgets.VBox`` whose saved display bundle carries the
questions as plain text (``text/plain``), so a notebook opened before its cells run shows the
questions and their choices with a note to run the cell, not ``VBox(children=...``. Clicking
Check shows the PASS / FAIL line with the explanation of the chosen answer; it records
nothing (a record comes only from an answer written in the code cell, which is what a
teacher's report re-runs), and the feedback says how to keep the answer.
"""

from __future__ import annotations

import html

from ._core import grade
from ._render import inline_html, question_plain

__all__ = ["QuizBox", "quiz_box", "STILL_NOTE"]  # noqa: F822 (QuizBox is built on first use)

#: The note under the questions in a saved (not yet run) widget.
STILL_NOTE = ("[Answer buttons: run this cell to use them, or type your answer in the cell "
              "and run it.]")


def _quiz_box_class():
    cached = globals().get("QuizBox")
    if cached is not None:
        return cached
    from cnnlesson import widget_app

    class QuizBox(widget_app.StillBox):
        """A :class:`~cnnlesson.widget_app.StillBox` saved with its questions as plain text
        (its ``still_text``).

        Attributes
        ----------
        questions : list of Question
        controls : list of widgets
            One ``RadioButtons`` (choices) or ``Text`` (numbers) per question.
        buttons : list of ipywidgets.Button
            The Check buttons, one per question.
        feedback : list of ipywidgets.HTML
            Where each question's verdict is written.
        verdicts : list
            The last :class:`Verdict` of each question (None before a click).

        Introduced in notebook 01_filtering.
        """

    QuizBox.__module__ = __name__
    QuizBox.__qualname__ = "QuizBox"
    globals()["QuizBox"] = QuizBox
    return QuizBox


def __getattr__(name):
    if name == "QuizBox":
        return _quiz_box_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_COLOURS = {"pass": "#1a7f37", "fail": "#b3261e", "not_attempted": "#7a5b00"}


def _feedback_html(question, verdict, keep: str) -> str:
    word = {"pass": "PASS", "fail": "FAIL", "not_attempted": "..."}[verdict.status]
    text = (f'<span style="color:{_COLOURS[verdict.status]}; font-weight:bold">{word}</span> '
            f"{inline_html(verdict.message)}")
    if keep and verdict.value is not None:
        answer = (f'"{verdict.value}"' if question.choices
                  else _number_text(verdict.value, question.integer))
        text += (f'<br><span style="color:#57606a">To keep this answer for your teacher\'s '
                 f"report, write <code>{html.escape(keep.format(answer=answer))}</code> in this "
                 "cell instead of <code>...</code> and run it.</span>")
    return f'<div style="line-height:1.4">{text}</div>'


def _number_text(value, integer: bool) -> str:
    return str(int(value)) if integer else f"{float(value):g}"


def _read_number(text: str, integer: bool):
    """The number typed in a box, or None."""
    text = text.strip().replace(",", ".") if isinstance(text, str) else ""
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if integer and number.is_integer():
        return int(number)
    return number


def quiz_box(questions, *, keep: str = "", show_text: bool = False, note: str = STILL_NOTE):
    """A :class:`QuizBox` with one answer control, a Check button and feedback per question.

    Parameters
    ----------
    questions : list of Question
        The questions, in order.
    keep : str, default ""
        How to keep an answer in code, with ``{answer}`` for it (e.g.
        ``'my_prediction = {answer}'``), or one such string per question (a list); ""
        shows no such advice.
    show_text : bool, default False
        Also show each question's text (by default the markdown cell above holds it).
    note : str
        The last line of the saved plain-text version.

    Returns
    -------
    QuizBox

    Introduced in notebook 01_filtering.
    """
    import ipywidgets as widgets

    box_class = _quiz_box_class()
    keeps = list(keep) if isinstance(keep, (list, tuple)) else [keep] * len(questions)
    rows, controls, buttons, feedback = [], [], [], []
    verdicts = [None] * len(questions)
    for k, question in enumerate(questions):
        head = f"<b>{html.escape(question.full_title)}</b>"
        if show_text:
            head += f"<br>{inline_html(question.text)}"
        if question.choices:
            pairs = zip(question.letters, question.choices, strict=True)
            control = widgets.RadioButtons(
                options=[(f"{letter}) {text}", letter) for letter, (text, _) in pairs],
                value=None, layout=widgets.Layout(width="auto"))
        else:
            unit = f" ({question.unit})" if question.unit else ""
            control = widgets.Text(placeholder=f"a number{unit}",
                                   layout=widgets.Layout(width="14em"))
        button = widgets.Button(description="Check", button_style="primary",
                                layout=widgets.Layout(width="7em"))
        out = widgets.HTML(value="")

        def on_click(_, k=k, question=question, control=control, out=out):
            if question.choices:
                answer = control.value
                if answer is None:
                    out.value = "<i>Choose an answer first, then click Check.</i>"
                    return
            else:
                answer = _read_number(control.value, question.integer)
                if answer is None:
                    out.value = "<i>Type a number first (e.g. 24 or 0.5), then click Check.</i>"
                    return
            verdict = grade(question, answer)
            verdicts[k] = verdict
            out.value = _feedback_html(question, verdict, keeps[k])

        button.on_click(on_click)
        rows.append(widgets.VBox([widgets.HTMLMath(value=head), control, button, out],
                                 layout=widgets.Layout(margin="0 0 0.8em 0")))
        controls.append(control)
        buttons.append(button)
        feedback.append(out)
    box = box_class(rows)
    box.questions = list(questions)
    box.controls = controls
    box.buttons = buttons
    box.feedback = feedback
    box.verdicts = verdicts
    box.still_text = "\n\n".join(question_plain(q) for q in questions) + "\n" + note
    return box
