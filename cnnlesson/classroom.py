"""Classroom tools: build the student edition of the notebooks, and report on a class.

Usage::

    python -m cnnlesson.classroom student notebooks/ -o student/
    python -m cnnlesson.classroom report submissions/ -o report/

``student`` writes a copy of every notebook in which each ``### BEGIN SOLUTION`` ...
``### END SOLUTION`` block is replaced by a stub, and the outputs of exercise and check cells are
cleared. Everything else (narrative, figures, widgets) is kept, so a student notebook still
reads as a lesson and runs top to bottom: checkers print "not attempted yet" for stubs instead
of a traceback. ``report`` re-runs the students' notebooks and writes a progress report
(:mod:`cnnlesson.report`).

Safety: ``student`` checks every notebook before writing any (a marker that is misspelled, in
the wrong case, unpaired or nested is an error naming the file, the cell and the line); it
refuses an output folder that is, or contains, the source folder, and refuses to overwrite
student notebooks already in the output folder unless ``--force``. Outputs that would reveal an
answer are cleared: those of any cell tagged ``student-clear-output``, and those of any later
cell that uses a name a top-level solution defines. Cells tagged ``teacher-answer`` (the
answers to prediction prompts and questionnaires) are left out.

Stub rules, by where the solution sits:

* inside a function body (indented): ``raise NotImplementedError("<exercise title>")``;
* at top level, an assignment ``name = ...`` becomes ``name = ...  # your answer here``;
* at top level, a ``def`` keeps its signature and gets a ``raise NotImplementedError`` body.

The exercise title is taken from the first ``# Exercise ...`` comment in the cell.
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import json
import re
import sys
import textwrap
from pathlib import Path

from ._io import atomic_write_text

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
#: Cell tag: clear this cell's outputs in the student edition (they reveal an answer).
CLEAR_TAG = "student-clear-output"
# Cells (e.g. the answers to predictions and questionnaires) the student edition leaves out.
ANSWER_TAG = "teacher-answer"
# anything that looks like an attempt at a marker: "# begin solution", "### END SOLUTON",
# "BEGIN SOLUTION", "### END OF SOLUTION", "## solution begin", "x = 1  ### END SOLUTION"
_MARKER_START = re.compile(r"^\s*#*\s*(?:begin|end)[\W_]*(?:of\W+)?(?:the\W+)?(?P<word>[a-z]+)",
                           re.IGNORECASE)
_MARKER_ANYWHERE = re.compile(r"(?:begin|end)[\W_]*(?:of\W+)?(?:the\W+)?solu|"
                              r"^\s*#+\s*solu\w*\W+(?:begin|end)", re.IGNORECASE)


class StudentEditionError(ValueError):
    """The student edition cannot be written; the message lists every problem found."""
_TITLE = re.compile(r"^\s*#\s*(Exercise\b[^\n]*)", re.MULTILINE)


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _stub_for_block(block: str, indent: str, title: str) -> list[str]:
    message = json.dumps(f"{title}: write your answer here")
    if indent:
        return [f"{indent}# {title}: your code here",
                f"{indent}raise NotImplementedError({message})"]
    try:
        tree = ast.parse(textwrap.dedent(block))
    except SyntaxError as err:
        raise ValueError(f"the solution of {title!r} is not valid Python: {err}") from err
    lines: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names = [target] if isinstance(target, ast.Name) else getattr(target, "elts", [])
                for name in names:
                    if isinstance(name, ast.Name):
                        lines.append(f"{name.id} = ...  # your answer here")
        elif isinstance(node, ast.FunctionDef):
            lines.append(f"def {node.name}({ast.unparse(node.args)}):")
            doc = ast.get_docstring(node)
            if doc:
                lines.append(textwrap.indent(json.dumps(doc), "    "))
            lines.append(f"    raise NotImplementedError({message})")
    if not lines:
        lines.append(f"# {title}: your code here")
    return lines


def _looks_like_marker(line: str) -> bool:
    if _MARKER_ANYWHERE.search(line):
        return True
    match = _MARKER_START.match(line)
    if not match:
        return False
    word = match.group("word").lower()
    return word.startswith("sol") or difflib.SequenceMatcher(None, word, "solution").ratio() >= 0.75


def marker_problems(source: str) -> list[tuple[int, str]]:
    """Every problem with the solution markers of one cell's source.

    Parameters
    ----------
    source : str
        The code cell's source.

    Returns
    -------
    list of (int, str)
        ``(line number counted from 1, what is wrong)``; empty when the markers are fine.
    """
    problems: list[tuple[int, str]] = []
    open_line = None
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if open_line is not None:
                problems.append((number, f"{BEGIN} inside the solution block opened on line "
                                         f"{open_line} (nested blocks are not allowed)"))
            open_line = number
        elif stripped == END:
            if open_line is None:
                problems.append((number, f"{END} without a {BEGIN} before it"))
            open_line = None
        elif _looks_like_marker(line):
            problems.append((number, f"{stripped!r} looks like a solution marker but is not "
                                     f"exactly {BEGIN!r} or {END!r} (upper case, three #, "
                                     "nothing else on the line)"))
    if open_line is not None:
        problems.append((open_line, f"{BEGIN} without an {END} after it"))
    return problems


def strip_solutions(source: str) -> str:
    """Replace every solution block of one cell's source by its stub.

    Parameters
    ----------
    source : str
        The code cell's source.

    Returns
    -------
    str
        The source with each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block (markers
        included) replaced by a stub.

    Raises
    ------
    ValueError
        If the markers do not pair up, or a line looks like a marker but is not exactly one.
    """
    problems = marker_problems(source)
    if problems:
        raise ValueError("; ".join(f"line {n}: {msg}" for n, msg in problems))
    match = _TITLE.search(source)
    title = match.group(1).strip() if match else "this exercise"
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            out.extend(_stub_for_block("\n".join(block), indent, title))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    return "\n".join(out)


def _solution_names(source: str) -> set[str]:
    """Names a cell's top-level solution blocks define, and the functions holding a solution."""
    names: set[str] = set()
    block: list[str] | None = None
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN and line == line.lstrip():
            block = []
        elif stripped == END and block is not None:
            try:
                tree = ast.parse("\n".join(block))
            except SyntaxError:
                tree = ast.Module(body=[], type_ignores=[])
            for node in tree.body:
                targets = (node.targets if isinstance(node, ast.Assign)
                           else [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign)
                           else [])
                for target in targets:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    names.add(node.name)
            block = None
        elif block is not None:
            block.append(line)
    try:
        tree = ast.parse(source)  # the markers are comments
    except SyntaxError:
        return names
    lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
                line.strip() == BEGIN for line in lines[node.lineno - 1:node.end_lineno]):
            names.add(node.name)
    return names


def _uses(source: str, names: set[str]) -> bool:
    if not names:
        return False
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return any(re.search(rf"\b{re.escape(n)}\b", source) for n in names)
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree))


def student_notebook(nb: dict, name: str = "notebook") -> dict:
    """Return the student edition of one notebook (the input is not modified).

    Parameters
    ----------
    nb : dict
        A notebook as loaded from JSON (nbformat 4).
    name : str
        How to name the notebook in an error message, e.g. its file name.

    Returns
    -------
    dict
        The notebook with solutions stubbed, exercise/check outputs cleared, and the outputs of
        cells that would reveal an answer cleared (tag ``student-clear-output``, or a later cell
        using a name a top-level solution defines).

    Raises
    ------
    StudentEditionError
        If any solution marker is wrong; the message names the notebook, cell and line of each.
    """
    problems = notebook_problems(nb, name)
    if problems:
        raise StudentEditionError("\n".join(problems))
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"]
                   if ANSWER_TAG not in (c.get("metadata", {}).get("tags") or [])]
    clear_next = False
    answers: set[str] = set()
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        is_exercise = BEGIN in src
        tagged = CLEAR_TAG in (cell.get("metadata", {}).get("tags") or [])
        if is_exercise:
            answers |= _solution_names(src)
        if (is_exercise or tagged or (clear_next and "checks." in src)
                or (not is_exercise and _uses(src, answers))):
            if is_exercise:
                cell["source"] = strip_solutions(src)
            cell["outputs"] = []
            cell["execution_count"] = None
        clear_next = is_exercise
    nb.setdefault("metadata", {})["cnnlesson_edition"] = "student"
    return nb


def notebook_problems(nb, name: str = "notebook") -> list[str]:
    """Every solution-marker problem of one notebook, one line each.

    Parameters
    ----------
    nb : dict
        A notebook as loaded from JSON (nbformat 4).
    name : str
        The notebook's file name, used in the messages.

    Returns
    -------
    list of str
        Lines like ``"01_x.ipynb, cell 4 (index 3), line 2: ..."``; empty when all is well.
    """
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return [f"{name}: not a notebook (no list of cells); Hint: open it in Jupyter and "
                "save it again"]
    problems = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        for line, message in marker_problems(_source(cell)):
            problems.append(f"{name}, cell {index + 1} (index {index}), line {line}: {message}")
        if BEGIN in _source(cell) and not marker_problems(_source(cell)):
            try:
                strip_solutions(_source(cell))
            except ValueError as err:
                problems.append(f"{name}, cell {index + 1} (index {index}): {err}")
    return problems


def _same_or_inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _check_out_dir(src_dir: Path, out_dir: Path, sources: list[Path]) -> None:
    real_src, real_out = src_dir.resolve(), out_dir.resolve()
    if _same_or_inside(real_src, real_out):
        what = "is" if real_src == real_out else "contains"
        raise StudentEditionError(
            f"out must be a folder apart from the teacher's notebooks; got {str(out_dir)!r}, "
            f"which {what} the notebook folder {str(src_dir)!r} ({real_src}): writing there "
            "would overwrite the solutions. Hint: choose a new folder, e.g. -o student/")
    if out_dir.exists() and not out_dir.is_dir():
        raise StudentEditionError(f"out must be a folder; got {str(out_dir)!r}, which is a "
                                  "file. Hint: give a folder name, e.g. -o student/")
    real_sources = {p.resolve() for p in sources}
    for path in sources:
        target = out_dir / path.name
        if target.resolve() in real_sources:
            raise StudentEditionError(
                f"out must not lead back to the teacher's notebooks; {target} is (a link to) "
                f"{target.resolve()}. Hint: remove the link or choose another folder")


def build_student_edition(src_dir: str | Path, out_dir: str | Path, *,
                          force: bool = False) -> list[Path]:
    """Write the student edition of every notebook in ``src_dir`` into ``out_dir``.

    Every notebook is read and checked first; nothing is written if any of them has a wrong
    solution marker. Each file is written atomically (temporary file, then rename).

    Parameters
    ----------
    src_dir : str or pathlib.Path
        Folder of the teacher's notebooks (with solutions).
    out_dir : str or pathlib.Path
        Folder for the student edition; must not be, or contain, ``src_dir``.
    force : bool, default False
        Overwrite student notebooks already in ``out_dir`` (they may hold a student's work).

    Returns
    -------
    list of pathlib.Path
        The notebooks written.

    Raises
    ------
    FileNotFoundError
        If ``src_dir`` does not exist or holds no notebook.
    StudentEditionError
        If the output folder is unsafe, a notebook would be overwritten without ``force``, or a
        notebook is unreadable or has a wrong solution marker.
    """
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    if not src_dir.is_dir():
        raise FileNotFoundError(f"notebook folder {src_dir} does not exist"
                                + (" (it is a file)" if src_dir.exists() else ""))
    notebooks = sorted(p for p in src_dir.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        raise FileNotFoundError(f"no .ipynb files in {src_dir}")
    _check_out_dir(src_dir, out_dir, notebooks)
    editions, problems = [], []
    for path in notebooks:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            problems.append(f"{path.name}: not a readable notebook ({type(err).__name__}: "
                            f"{err}); Hint: open it in Jupyter and save it again")
            continue
        found = notebook_problems(nb, path.name)
        if found:
            problems.extend(found)
            continue
        editions.append((out_dir / path.name, student_notebook(nb, path.name)))
    if problems:
        raise StudentEditionError(
            "nothing was written: fix these solution markers (each must be exactly "
            f"{BEGIN!r} or {END!r} on a line of its own, paired, not nested):\n  "
            + "\n  ".join(problems))
    existing = [target for target, _ in editions if target.exists()]
    if existing and not force:
        raise StudentEditionError(
            f"{len(existing)} student notebook(s) already exist in {out_dir} and may hold a "
            "student's work: " + ", ".join(p.name for p in existing)
            + ". Nothing was written. Hint: choose a new folder, or add --force to overwrite "
            "them")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for target, nb in editions:
        atomic_write_text(target, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        written.append(target)
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnnlesson.classroom",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="write the student edition of the notebooks")
    student.add_argument("notebooks", nargs="?", default="notebooks",
                         help="the teacher's notebook folder (default: notebooks)")
    student.add_argument("-o", "--out", default="student",
                         help="output folder (default: student)")
    student.add_argument("--force", action="store_true",
                         help="overwrite student notebooks already in the output folder")
    from . import report

    report.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m cnnlesson.classroom student|report ...``.

    Returns
    -------
    int
        0 on success, 2 on a misuse or a refused request (the message says why).
    """
    from . import report

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "student":
            written = build_student_edition(args.notebooks, args.out, force=args.force)
            print(f"wrote {len(written)} student notebooks to {Path(args.out)}/")
            return 0
        return args.run_command(args)
    except (StudentEditionError, report.ReportError, FileNotFoundError, NotADirectoryError,
            PermissionError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {err.strerror or err} ({err.filename or ''})", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
