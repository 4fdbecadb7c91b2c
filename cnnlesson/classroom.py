"""Classroom tools: build the student edition of the notebooks.

Usage::

    python -m cnnlesson.classroom student notebooks/ -o student/

writes a copy of every notebook in which each ``### BEGIN SOLUTION`` ... ``### END SOLUTION``
block is replaced by a stub, and the outputs of exercise and check cells are cleared. Everything
else (narrative, figures, widgets) is kept, so a student notebook still reads as a lesson and
runs top to bottom: checkers print "not attempted yet" for stubs instead of a traceback.

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
import json
import re
import sys
import textwrap
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
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
        If the markers do not pair up.
    """
    match = _TITLE.search(source)
    title = match.group(1).strip() if match else "this exercise"
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if block is not None:
                raise ValueError(f"{title}: {BEGIN} inside another solution block")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if block is None:
                raise ValueError(f"{title}: {END} without a {BEGIN}")
            out.extend(_stub_for_block("\n".join(block), indent, title))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise ValueError(f"{title}: {BEGIN} without an {END}")
    return "\n".join(out)


def student_notebook(nb: dict) -> dict:
    """Return the student edition of one notebook (the input is not modified).

    Parameters
    ----------
    nb : dict
        A notebook as loaded from JSON (nbformat 4).

    Returns
    -------
    dict
        The notebook with solutions stubbed and exercise/check outputs cleared.
    """
    nb = copy.deepcopy(nb)
    clear_next = False
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        is_exercise = BEGIN in src
        if is_exercise or (clear_next and "checks." in src):
            if is_exercise:
                cell["source"] = strip_solutions(src)
            cell["outputs"] = []
            cell["execution_count"] = None
        clear_next = is_exercise
    nb.setdefault("metadata", {})["cnnlesson_edition"] = "student"
    return nb


def build_student_edition(src_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write the student edition of every notebook in ``src_dir`` into ``out_dir``.

    Returns
    -------
    list of pathlib.Path
        The notebooks written.
    """
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    if not src_dir.is_dir():
        raise FileNotFoundError(f"notebook folder {src_dir} does not exist")
    notebooks = sorted(src_dir.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no .ipynb files in {src_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        target = out_dir / path.name
        target.write_text(json.dumps(student_notebook(nb), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlesson.classroom",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    student = sub.add_parser("student", help="write the student edition of the notebooks")
    student.add_argument("notebooks", nargs="?", default="notebooks", help="source folder")
    student.add_argument("-o", "--out", default="student", help="output folder")
    args = parser.parse_args(argv)
    if args.command == "student":
        written = build_student_edition(args.notebooks, args.out)
        print(f"wrote {len(written)} student notebooks to {Path(args.out)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
