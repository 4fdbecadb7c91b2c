"""Print quiz cells for notebook authors.

Usage::

    python -m cnnlesson.quiz plan              # every notebook's cells, and where they go
    python -m cnnlesson.quiz cells 01.q3       # the cells of one prediction
    python -m cnnlesson.quiz cells 01          # the cells of notebook 01's questionnaire
    python -m cnnlesson.quiz insert notebooks/01_filtering.ipynb -o new.ipynb

``plan`` and ``cells`` print to standard output. ``insert`` writes a *new* notebook with the
plan's cells added (it refuses to overwrite its input or any existing file); check it, then
replace the original yourself and re-execute it.
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
    insert = sub.add_parser("insert", help="write a copy of a notebook with the quiz cells "
                                           "inserted")
    insert.add_argument("notebook", help="e.g. notebooks/01_filtering.ipynb")
    insert.add_argument("-o", "--output", required=True, help="the new notebook (must not "
                                                               "exist yet)")
    args = parser.parse_args(argv)
    if args.command == "insert":
        return _insert(args.notebook, args.output)
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


def _insert(source: str, output: str) -> int:
    from pathlib import Path

    import nbformat

    from .._io import atomic_write_text
    from ._plan import with_quiz_cells

    src, dst = Path(source), Path(output)
    if not src.is_file():
        print(f"error: {src} is not a file.", file=sys.stderr)
        return 2
    if dst.exists():
        print(f"error: {dst} exists; this tool never overwrites a file (and never its "
              "input). Choose a new name.", file=sys.stderr)
        return 2
    try:
        nb = nbformat.read(src, as_version=4)
        new = with_quiz_cells(nb, src.stem)
    except Exception as err:  # noqa: BLE001 - one clean line for the author
        print(f"error: {err}", file=sys.stderr)
        return 2
    atomic_write_text(dst, nbformat.writes(new) + "\n")
    added = len(new.cells) - len(nb.cells)
    print(f"wrote {dst}: {added} cells added to {src.name}; re-execute it before committing.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
