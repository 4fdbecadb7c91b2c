"""One progress display for long work: updated in place, then a one-line summary.

:func:`cnnlesson.train.fit` shows its progress with a :class:`Progress`
(``progress=True``, the default): instead of one printed line per epoch, a
single line (epoch and step, loss, accuracy, validation accuracy, time left)
is redrawn in place, and when training ends it is replaced by a one-line
summary. Where it is drawn depends on where the code runs:

* in a notebook (a Jupyter kernel): an HTML bar in one display output
  (``IPython.display.display(..., display_id=True)``) updated in place; at the
  end the bar is *emptied* and the summary is printed as ordinary text. The
  display output therefore ends exactly as it started (empty), and the cell's
  stored text is only the summary, which holds rounded numbers and no times,
  so nbval compares it like any other output;
* in a terminal (a tty): one line rewritten with ``\\r``, ended by the summary;
* anywhere else (a file, a pipe, a CI log, pytest's capture): one plain line
  per epoch, as a log, since in-place updates would only make a mess there.

Times appear only in the live display, never in the summary or the log lines.
Training code still only records: a Progress writes text, it never plots.
"""

from __future__ import annotations

import html
import math
import sys
import time

__all__ = ["Progress", "in_notebook", "format_epoch_line", "format_summary"]


def in_notebook() -> bool:
    """True when running inside a Jupyter kernel (notebook, JupyterLab, VS Code).

    Introduced in notebook 05_classifier.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of ipywidgets
        return False
    ip = get_ipython()
    return ip is not None and getattr(ip, "kernel", None) is not None


def format_epoch_line(epoch: int, epochs: int, loss: float, acc: float, val=None) -> str:
    """The log line of one finished epoch, rounded so that it is reproducible.

    Parameters
    ----------
    epoch : int
        0-based epoch index (printed 1-based, right-aligned).
    epochs : int
        Number of epochs requested.
    loss, acc : float
        Mean training loss and accuracy (fraction) of the epoch.
    val : (float, float), optional
        Validation loss and accuracy.

    Returns
    -------
    str
        E.g. ``"epoch  3/10  loss 0.23  acc 93%  val_loss 0.25  val_acc 92%"``.

    Introduced in notebook 05_classifier.
    """
    width = len(str(epochs))
    s = f"epoch {epoch + 1:>{width}}/{epochs}  loss {loss:.2f}  acc {acc:.0%}"
    if val is not None:
        s += f"  val_loss {val[0]:.2f}  val_acc {val[1]:.0%}"
    return s


def format_summary(history, epochs: int, steps: int) -> str:
    """The one-line summary left when training ends: rounded numbers, no times.

    Parameters
    ----------
    history : cnnlesson.train.History
        What :func:`~cnnlesson.train.fit` measured.
    epochs : int
        Number of epochs requested.
    steps : int
        Optimiser steps done.

    Returns
    -------
    str
        E.g. ``"trained 60/60 epochs (3,780 steps): loss 0.03  acc 99%  val_loss
        0.07  val_acc 98%"``.

    Introduced in notebook 05_classifier.
    """
    done = len(history.epoch_train_loss)
    s = f"trained {done}/{epochs} epochs ({steps:,} steps)"
    if done:
        s += f": loss {history.epoch_train_loss[-1]:.2f}  acc {history.epoch_train_acc[-1]:.0%}"
        if history.epoch_val_loss:
            s += (f"  val_loss {history.epoch_val_loss[-1]:.2f}"
                  f"  val_acc {history.epoch_val_acc[-1]:.0%}")
    return s


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    m, s = divmod(seconds, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


class _Blank:
    """What the notebook display shows before and after training: nothing."""

    def _repr_html_(self):
        return ""

    def __repr__(self):
        return ""


class _Bar:
    """The notebook display during training: an HTML progress bar and its text line."""

    def __init__(self, fraction: float, text: str):
        self.fraction, self.text = fraction, text

    def _repr_html_(self):
        return (f'<div style="font-family:monospace"><progress value="{self.fraction:.4f}" '
                f'max="1" style="width:18em;vertical-align:middle"></progress> '
                f"{html.escape(self.text)}</div>")

    def __repr__(self):
        return self.text


def _default_display(obj, display_id=True):
    from IPython.display import display

    return display(obj, display_id=display_id)


class Progress:
    """A progress display for :func:`~cnnlesson.train.fit`, updated in place.

    It has the methods of a :class:`~cnnlesson.train.Callback` (``fit``
    appends it after the user's callbacks, so a live view's picture is shown
    above it). Pass ``progress=Progress(...)`` to ``fit`` to choose the mode
    or the stream; ``progress=True`` makes ``Progress()``; ``progress=False``
    shows nothing.

    Parameters
    ----------
    mode : {"auto", "notebook", "terminal", "log"}, optional
        "notebook": an HTML bar in one display output updated in place, emptied
        at the end, then the summary printed. "terminal": one ``\\r``-rewritten
        line, then the summary. "log": one plain line per epoch (no summary).
        "auto" (default): "notebook" in a Jupyter kernel, else "terminal" when
        ``stream`` is a tty, else "log".
    stream : file-like, optional
        Where text goes (default: ``sys.stdout`` at the time of each write).
    display : callable, optional
        ``display(obj, display_id=True) -> handle`` with ``handle.update(obj)``
        for notebook mode (default ``IPython.display.display``). Tests pass a stub.
    interval : float, optional
        Redraw at most every ``interval`` seconds between epoch ends (0.2).
    clock : callable, optional
        Returns seconds (default ``time.perf_counter``); tests pass a fake.

    Attributes
    ----------
    active_mode : str or None
        The mode used by the current or last run.
    updates : int
        Redraws done in the last run.
    summary : str
        The final line of the last run ("" before it ends).

    Introduced in notebook 05_classifier.
    """

    MODES = ("auto", "notebook", "terminal", "log")

    def __init__(self, mode="auto", *, stream=None, display=None, interval=0.2, clock=None):
        from ._validate import describe, fail

        if mode not in self.MODES:
            fail(ValueError, "mode", f"one of {self.MODES}", repr(mode),
                 "'auto' picks the right one for where the code runs")
        if display is not None and not callable(display):
            fail(TypeError, "display", "a callable like IPython.display.display",
                 describe(display))
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) \
                or not math.isfinite(interval) or interval < 0:
            fail(ValueError, "interval", "a number of seconds >= 0", describe(interval))
        self.mode = mode
        self._stream = stream
        self._display = display
        self.interval = float(interval)
        self._clock = clock or time.perf_counter
        self.active_mode = None
        self.updates = 0
        self.summary = ""
        self._handle = None
        self._width = 0

    # -- where to write ----------------------------------------------------------------------
    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    def _choose_mode(self) -> str:
        if self.mode != "auto":
            return self.mode
        if self._display is not None or in_notebook():
            return "notebook"
        isatty = getattr(self.stream, "isatty", None)
        try:
            return "terminal" if isatty is not None and isatty() else "log"
        except (ValueError, OSError):  # a closed or odd stream
            return "log"

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    # -- callback methods --------------------------------------------------------------------
    def on_train_begin(self, state) -> None:
        self.active_mode = self._choose_mode()
        self.updates = 0
        self.summary = ""
        self._width = 0
        self._epochs = state.epochs
        self._total = max(1, state.epochs * state.steps_per_epoch)
        self._spe = max(1, state.steps_per_epoch)
        self._start_step = state.step
        self._t0 = self._clock()
        self._last = -math.inf
        self._loss_sum = self._acc_sum = 0.0
        self._n = 0
        self._handle = None
        if self.active_mode == "notebook":
            show = self._display or _default_display
            self._handle = show(_Blank(), display_id=True)

    def on_epoch_begin(self, state) -> None:
        self._loss_sum = self._acc_sum = 0.0
        self._n = 0

    def on_batch_end(self, state) -> None:
        self._loss_sum += state.batch_loss
        self._acc_sum += state.batch_acc
        self._n += 1
        if self.active_mode == "log":
            return
        now = self._clock()
        if now - self._last >= self.interval:
            self._last = now
            self._show(state, now)

    def on_epoch_end(self, state) -> None:
        h = state.history
        if self.active_mode == "log":
            val = (h.epoch_val_loss[-1], h.epoch_val_acc[-1]) if h.epoch_val_loss else None
            self._write(format_epoch_line(state.epoch, state.epochs, h.epoch_train_loss[-1],
                                          h.epoch_train_acc[-1], val) + "\n")
            return
        now = self._clock()
        self._last = now
        self._show(state, now)

    def on_train_end(self, state) -> None:
        mode = self.active_mode
        self.summary = format_summary(state.history, state.epochs, state.step)
        if mode == "notebook":
            if self._handle is not None:
                self._handle.update(_Blank())
            self._write(self.summary + "\n")
        elif mode == "terminal":
            pad = " " * max(0, self._width - len(self.summary))
            self._write("\r" + self.summary + pad + "\n")

    def end_line(self) -> None:
        """End the live line (training stopped early): in a terminal, move to a new line so
        whatever is printed next does not overwrite the rewritten progress line."""
        if self.active_mode == "terminal" and self._width:
            self._write("\n")
            self._width = 0

    # -- the live line -----------------------------------------------------------------------
    def line(self, state, now=None) -> str:
        """The live text: epoch, step, running loss and accuracy, validation, time left."""
        now = self._clock() if now is None else now
        step = state.step
        width = len(str(self._epochs))
        epoch = min(state.epoch + 1, self._epochs)
        s = (f"epoch {epoch:>{width}}/{self._epochs}  step {step:>{len(str(self._total))}}"
             f"/{self._total}")
        if self._n:
            s += f"  loss {self._loss_sum / self._n:.3f}  acc {self._acc_sum / self._n:.0%}"
        h = state.history
        if h.epoch_val_acc:
            s += f"  val_acc {h.epoch_val_acc[-1]:.0%}"
        done = step - self._start_step
        if done > 0 and step < self._total:
            left = (now - self._t0) / done * (self._total - step)
            s += f"  ~{_duration(left)} left"
        return s

    def _show(self, state, now) -> None:
        text = self.line(state, now)
        self.updates += 1
        if self.active_mode == "notebook":
            if self._handle is not None:
                self._handle.update(_Bar(state.step / self._total, text))
        elif self.active_mode == "terminal":
            frac = state.step / self._total
            filled = int(round(12 * frac))
            bar = "[" + "#" * filled + "-" * (12 - filled) + "] "
            # never wider than the terminal: a wrapped line cannot be rewritten with \r
            full = (bar + text)[:max(20, self._columns() - 1)]
            pad = " " * max(0, self._width - len(full))
            self._width = len(full)
            self._write("\r" + full + pad)

    def _columns(self) -> int:
        import shutil

        return shutil.get_terminal_size((80, 24)).columns

    def __repr__(self) -> str:
        return f"Progress(mode={self.mode!r})"
