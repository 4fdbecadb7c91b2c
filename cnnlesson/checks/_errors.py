"""The two signals a checker body raises besides :class:`AssertionError` (a wrong answer):
the learner has not answered yet, or the learner's own code raised."""

from __future__ import annotations

__all__ = ["NotAttempted", "LearnerError"]


class NotAttempted(Exception):
    """Raised inside a checker when the learner has not written an answer yet.

    Parameters
    ----------
    what : str, optional
        Which answer is missing, e.g. ``"`same_padding` is still `...`"``.
    """

    def __init__(self, what: str = ""):
        super().__init__(what)
        self.what = what


class LearnerError(Exception):
    """The learner's own code raised inside a check; shown as one clean ``ERROR`` line.

    Parameters
    ----------
    function : str
        The name of the learner's function.
    error : BaseException
        What it raised.
    hint : str, optional
        Advice to show after the error; a generic one when empty.
    """

    def __init__(self, function: str, error: BaseException, hint: str = ""):
        self.function = function
        self.error = error
        self.hint = hint or "Read the message, fix the code and run the cell again."
        super().__init__(self.line())

    def line(self) -> str:
        message = " ".join(str(self.error).split())
        if len(message) > 300:
            message = message[:297] + "..."
        kind = type(self.error).__name__
        what = f"{kind}: {message}" if message else kind
        return f"your {self.function} raised {what}. Hint: {self.hint}"
