"""Print quiz cells for notebook authors.

Usage::

    python -m cnnlesson.quiz plan              # every notebook's cells, and where they go
    python -m cnnlesson.quiz cells 01.q3       # the cells of one prediction
    python -m cnnlesson.quiz cells 01          # the cells of notebook 01's questionnaire

It only prints (to standard output); redirect it to a file of your own.
"""

from __future__ import annotations

import argparse
import sys

from . import _BANKS, question, questions
from ._plan import cell_plan, question_cells, questionnaire_cells


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m cnnlesson.quiz",
                                     description="Print the quiz cells to paste into the "
                                                 "notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plan", help="every notebook's prediction and questionnaire cells")
    cells = sub.add_parser("cells", help="the cells of one question id or one notebook's "
                                         "questionnaire")
    cells.add_argument("what", help="a question id such as 01.flat_laplacian, or 01 ... 06")
    args = parser.parse_args(argv)
    if args.command == "plan":
        sys.stdout.write(cell_plan(_BANKS, questions))
        return 0
    if len(args.what) == 2:
        q_list = questions(args.what, "quiz")
        if not q_list:
            print(f"error: notebook {args.what!r} has no questionnaire; use 01 ... 06.",
                  file=sys.stderr)
            return 2
        print(questionnaire_cells(q_list))
        return 0
    try:
        q = question(args.what)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    same = questions(q.notebook_number, q.kind)
    print(question_cells(q, same.index(q) + 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
