"""The teacher's view of a class: re-run the students' notebooks and report every check.

Usage::

    python -m cnnlesson.classroom report submissions/ -o report/

``submissions/`` holds what the students handed in, in either layout (or both):

* one folder per student, holding that student's notebooks (sub-folders are searched too)::

      submissions/alice/01_filtering.ipynb
      submissions/bob/student/01_filtering.ipynb

* or the notebooks side by side, the student's name before or after the notebook's name::

      submissions/01_filtering-alice.ipynb
      submissions/bob_01_filtering.ipynb

Each notebook is copied into its own temporary folder and run there, top to bottom, in a fresh
kernel of the Python running the report, with a time limit per notebook (``--timeout``)
and at most :data:`MAX_OUTPUT_CHARS` characters of output kept (the checks' records and the
errors are always kept); ``--jobs`` notebooks run at once. The submissions and the course's
notebooks are never modified. ``--no-run`` reads the outputs saved in the notebooks instead
(fast, but only as good as what the student last ran).

Results come from the machine-readable records the checks display
(``application/vnd.cnnlesson.check+json``), never from the printed text. Each student x
exercise gets one status: ``pass``, ``fail`` (with the hint the student saw), ``not_attempted``,
``error`` (the student's code raised before the check, or inside it), ``timeout`` (the notebook
hit the time limit before the check), ``missing`` (the notebook was not handed in),
``malformed`` (not a readable notebook) or ``foreign`` (a notebook that is not from this
course). A notebook from another version of the course is matched by its exercise ids.

The report folder gets ``report.html`` (one self-contained page), ``report.csv`` (one row per
student x exercise) and ``.cnnlesson-report.json`` (marks the folder as the report's own).

Security: the students' code runs with your rights, like any program you start. Run reports
in a throwaway user account or a container that holds nothing else of value.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ._io import atomic_write_text
from ._report_html import report_html
from ._report_inputs import (
    _TITLE,
    RECORD_MIME,
    ReportError,
    Submission,
    _id_key,
    _source,
    course_exercises,
    find_submissions,
    read_records,
    shipped_course_exercises,
)

__all__ = ["STATUSES", "RECORD_MIME", "ReportError", "Row", "Submission", "add_arguments",
           "course_exercises", "find_submissions", "grade", "make_report", "read_records"]

#: Every status a report cell can have, from best to worst.
STATUSES = ("pass", "fail", "not_attempted", "error", "timeout", "missing", "malformed",
            "foreign")
MARKER = ".cnnlesson-report.json"
#: Characters of output kept per re-run notebook (the course's largest, with its figures, has
#: about 3 million); beyond this a student's output is dropped, except the checks' records, so
#: a runaway ``print`` loop cannot fill the teacher's memory before the time limit.
MAX_OUTPUT_CHARS = 50_000_000
_RECORD_STATUSES = ("pass", "fail", "not_attempted", "error")


@dataclass
class Row:
    """One student x exercise of the report (one line of ``report.csv``)."""

    student: str
    notebook: str
    exercise: str
    kind: str = "exercise"
    title: str = ""
    status: str = "not_attempted"
    hint: str = ""
    detail: str = ""
    file: str = ""


@dataclass
class _Graded:
    submission: Submission
    notebook: str = ""
    rows: list = field(default_factory=list)
    seconds: float = 0.0
    problem: str = ""


# ---------------------------------------------------------------------------
# running one notebook
# ---------------------------------------------------------------------------

def _kernel_manager_class():
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class CurrentPython(KernelSpecManager):
        """Every kernel name means the Python running the report (as nbval's current env)."""

        def get_kernel_spec(self, kernel_name):
            return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())

    class Manager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _default_specs(self):
            return CurrentPython(data_dir=self.data_dir)

    return Manager


def _run(nb, workdir: Path, timeout: float) -> tuple[str, int | None]:
    """Run ``nb`` in place; return ("", None), ("timeout", cell) or ("died", cell)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + timeout
    running = {"cell": None}

    def timeout_func(cell):
        running["cell"] = cell
        return max(1, int(deadline - time.monotonic() + 0.999))

    class BoundedClient(NotebookClient):
        """Keeps at most MAX_OUTPUT_CHARS of output, and every check record and error."""

        used = 0
        dropped = False

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content") or {}
            data = content.get("data") or {}
            if RECORD_MIME not in data and msg.get("msg_type") != "error":
                size = len(str(content.get("text", ""))) + sum(len(str(v))
                                                               for v in data.values())
                self.used += size
                if self.used > MAX_OUTPUT_CHARS:
                    if not self.dropped:
                        self.dropped = True
                        outs.append(nbformat.v4.new_output(
                            "stream", name="stderr", text=f"[report: more than "
                            f"{MAX_OUTPUT_CHARS:,} characters of output; the rest is dropped]\n"))
                    return None
            return super().output(outs, msg, display_id, cell_index)

    client = BoundedClient(nb, timeout=int(timeout), timeout_func=timeout_func,
                            allow_errors=True, kernel_name="python3", shutdown_kernel="immediate",
                            kernel_manager_class=_kernel_manager_class(), record_timing=False,
                            startup_timeout=120, resources={"metadata": {"path": str(workdir)}})
    env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    try:
        # the kernel's own log lines (not the student's output) would clutter the terminal
        client.execute(cwd=str(workdir), env=env, stderr=subprocess.DEVNULL)
    except CellTimeoutError:
        return "timeout", _cell_index(nb, running["cell"])
    except DeadKernelError:
        return "died", _cell_index(nb, running["cell"])
    return "", None


def _cell_index(nb, cell) -> int | None:
    for i, c in enumerate(nb.cells):
        if c is cell:
            return i
    return None


def _first_line(nb, index) -> str:
    if index is None:
        return ""
    lines = [ln for ln in _source(nb["cells"][index]).splitlines() if ln.strip()]
    return lines[0][:80] if lines else ""


def grade(sub: Submission, expected: dict, *, run: bool = True, timeout: float = 300) -> _Graded:
    """Grade one submission: read (and with ``run``, first re-run) it, one row per exercise.

    Parameters
    ----------
    sub : Submission
        The notebook handed in (never modified: a copy is run).
    expected : dict
        :func:`course_exercises` of the course.
    run : bool, default True
        Re-run the notebook in a fresh kernel; False reads its saved outputs.
    timeout : float, default 300
        Seconds allowed for the whole notebook.

    Returns
    -------
    _Graded
    """
    import nbformat

    start = time.monotonic()
    graded = _Graded(sub, sub.notebook)
    name = str(sub.path.name)
    try:
        nb = nbformat.read(sub.path, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as err:  # not JSON, not a notebook, an unknown format, unreadable
        graded.problem = "malformed"
        detail = f"{name} is not a readable notebook ({type(err).__name__}: {str(err)[:160]})"
        graded.rows = _whole(sub, expected, "malformed", detail)
        return graded
    outcome, stopped = "", None
    if run:
        with tempfile.TemporaryDirectory(prefix="cnnlesson-report-") as tmp:
            workdir = Path(tmp)
            shutil.copy2(sub.path, workdir / sub.path.name)  # the student's file as handed in
            outcome, stopped = _run(nb, workdir, timeout)
    graded.rows, graded.notebook = _classify(sub, nb, expected, outcome, stopped, timeout)
    graded.seconds = time.monotonic() - start
    return graded


def _whole(sub, expected, status, detail, stem=None) -> list[Row]:
    """Rows of one status for every exercise of a notebook (one row if it has none known)."""
    stem = stem or sub.notebook
    exercises = expected.get(stem) or [{"id": "", "kind": "notebook", "title": ""}]
    return [Row(sub.student, stem, e["id"], e["kind"], e["title"], status, "", detail,
                str(sub.path)) for e in exercises]


def _exercise_cells(nb, ident: str) -> list[int]:
    """Indexes of the cells that make up exercise ``ident``: its title cell up to the next."""
    cells = nb["cells"]
    title = re.compile(rf"^[ \t]*#[ \t]*(?:Exercise|Prediction|Quiz)[ \t]+{re.escape(ident)}"
                       r"[ \t]*:", re.MULTILINE | re.IGNORECASE)
    quiz = re.fullmatch(r"(\d+)\.q\d+", ident)
    if quiz:  # questionnaire answers share one cell: "# Questionnaire 01: questions ..."
        title = re.compile(rf"^[ \t]*#[ \t]*Questionnaire[ \t]+{quiz.group(1)}[ \t]*:",
                           re.MULTILINE | re.IGNORECASE)
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and title.search(_source(cell)):
            span = [i]
            for j in range(i + 1, min(i + 4, len(cells))):
                if cells[j].get("cell_type") != "code" or _TITLE.search(_source(cells[j])):
                    break
                span.append(j)
            return span
    return []


def _error_in(nb, indexes) -> str:
    for i in indexes:
        for out in nb["cells"][i].get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out.get('ename', 'Error')}: {str(out.get('evalue', ''))[:200]}"
    return ""


def _classify(sub, nb, expected, outcome, stopped, timeout):
    records = read_records(nb)
    course_stems = set(expected)
    stem = sub.notebook
    if stem not in course_stems:
        # another version of the course: the records' notebook, else the most shared ids
        named = Counter(r.get("notebook") for r in records if r.get("notebook") in course_stems)
        ids = {str(r["id"]) for r in records}
        overlap = {s: len(ids & {e["id"] for e in expected[s]}) for s in course_stems}
        if named:
            stem = named.most_common(1)[0][0]
        elif overlap and max(overlap.values()) > 0:
            stem = max(sorted(overlap), key=overlap.get)
    text = "\n".join(_source(c) for c in nb["cells"])
    if not records and "cnnlesson" not in text:
        detail = f"{sub.path.name} is not a notebook of this course (no cnnlesson checks in it)"
        return _whole(sub, expected, "foreign", detail, stem), stem
    mine = [r for r in records if r.get("notebook") in (stem, "", None)
            or r.get("notebook") not in course_stems]
    latest = {}
    for record in mine:
        latest[str(record["id"])] = record  # a check run twice: its last record counts
    exercises = list(expected.get(stem, []))
    known = {e["id"] for e in exercises}
    exercises += [{"id": i, "kind": r.get("kind", "exercise"), "title": r.get("title", "")}
                  for i, r in latest.items() if i not in known]
    if not exercises:
        return _whole(sub, expected, "not_attempted", "no check ran in this notebook", stem), stem
    rows = []
    for ex in exercises:
        row = Row(sub.student, stem, ex["id"], ex.get("kind", "exercise"), ex.get("title", ""),
                  file=str(sub.path))
        record = latest.get(ex["id"])
        cells = _exercise_cells(nb, ex["id"])
        reached = bool(cells) and stopped is not None and max(cells) < stopped
        if record is not None:
            row.title = record.get("title") or row.title
            row.status = record["status"] if record["status"] in _RECORD_STATUSES else "error"
            row.hint = str(record.get("hint", ""))
            if row.status == "error":
                row.detail = "the student's code raised inside the check"
        elif outcome and not reached:
            row.status = "timeout" if outcome == "timeout" else "error"
            where = (f"cell {stopped + 1} ({_first_line(nb, stopped)!r})" if stopped is not None
                     else "a cell")
            row.detail = (f"the notebook ran out of its {timeout:g} s while {where} was running"
                          if outcome == "timeout" else f"the kernel died while {where} was running")
        else:
            error = _error_in(nb, cells)
            if error:
                row.status, row.hint = "error", error
                row.detail = "the student's code raised before the check"
            elif not cells:
                row.detail = "the exercise's cell is not in the notebook"
            else:
                row.detail = "the check did not run"
        rows.append(row)
    return rows, stem


def _grade_job(args):
    sub, expected, run, timeout = args
    try:
        return grade(sub, expected, run=run, timeout=timeout)
    except Exception as err:  # never lose the whole report to one notebook
        graded = _Graded(sub, sub.notebook, problem="error")
        graded.rows = _whole(sub, expected, "error",
                             f"the report could not run it: {type(err).__name__}: {err}")
        return graded


# ---------------------------------------------------------------------------
# the whole class
# ---------------------------------------------------------------------------

def _default_course() -> Path | None:
    for candidate in (Path("notebooks"), Path(__file__).resolve().parents[1] / "notebooks"):
        if candidate.is_dir() and list(candidate.glob("[0-9][0-9]_*.ipynb")):
            return candidate
    return None


def _check_out(submissions: Path, out: Path, force: bool) -> None:
    real_sub, real_out = submissions.resolve(), out.resolve()
    if real_out == real_sub or real_sub in real_out.parents:
        raise ReportError(f"out must be outside the submissions; got {str(out)!r}, which is "
                          f"{'the' if real_out == real_sub else 'inside the'} submissions folder"
                          f" {str(submissions)!r}. Hint: e.g. -o report/ next to it")
    if out.exists() and not out.is_dir():
        raise ReportError(f"out must be a folder; got {str(out)!r}, which is a file. Hint: give "
                          "a folder name, e.g. -o report/")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()) and not force:
        raise ReportError(f"out must be a new or empty folder, or an earlier report's; got "
                          f"{str(out)!r}, which holds other files. Nothing was written. Hint: "
                          "choose a new folder, or add --force to write report.html and "
                          "report.csv into it (nothing else there is touched)")


class _Progress:
    """A progress bar on one line of a terminal; plain lines when the output is not one."""

    def __init__(self, total: int, stream=None, width: int = 28):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def step(self, label: str) -> None:
        self.done += 1
        if self.tty:
            filled = round(self.width * self.done / max(self.total, 1))
            line = (f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                    f"{label}")[:110]
            self.stream.write(line.ljust(111) + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(f"[{self.done}/{self.total}] {label}\n")
        self.stream.flush()


def _missing_rows(graded: list[_Graded], expected: dict) -> list[Row]:
    handed = {g.notebook for g in graded if g.notebook in expected}
    by_student: dict[str, set] = {}
    for g in graded:
        by_student.setdefault(g.submission.student, set()).add(g.notebook)
    rows = []
    for student, books in sorted(by_student.items()):
        for stem in sorted(handed - books):
            rows += [Row(student, stem, e["id"], e["kind"], e["title"], "missing", "",
                         f"no {stem} notebook handed in") for e in expected[stem]]
    return rows


def _columns(rows: list[Row], expected: dict) -> list[tuple[str, str]]:
    """The report's columns (notebook, exercise id): the course's order, then any others."""
    order = {(stem, e["id"]): k for stem, exercises in expected.items()
             for k, e in enumerate(exercises)}

    def key(col):
        return (col[0], 0, order[col], ()) if col in order else (col[0], 1, 0, _id_key(col[1]))

    return sorted({(r.notebook, r.exercise) for r in rows}, key=key)


def _csv(rows: list[Row]) -> str:
    buffer = io.StringIO()
    names = list(asdict(rows[0]).keys()) if rows else [f for f in Row.__dataclass_fields__]
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))
    return buffer.getvalue()


def make_report(submissions, out, *, course="auto", run=True, timeout=300.0, jobs=None,
                force=False, stream=None, progress_stream=None) -> list[Row]:
    """Grade every submission and write ``report.html`` and ``report.csv`` into ``out``.

    Parameters
    ----------
    submissions : str or pathlib.Path
        The folder of what the students handed in (never modified).
    out : str or pathlib.Path
        The report folder: new, empty, or an earlier report's (else ``force``).
    course : str or pathlib.Path or None, default "auto"
        The course's notebooks (for the list of exercises); "auto" uses ``notebooks/`` of the
        working folder or of the package's checkout, and else (an installed package) the
        list of exercises shipped with the package.
    run : bool, default True
        Re-run each notebook in a fresh kernel; False reads the saved outputs.
    timeout : float, default 300
        Seconds allowed for each notebook.
    jobs : int, optional
        Notebooks run at once (default: the number of cores).
    force : bool, default False
        Write into an existing folder that holds other files.
    stream, progress_stream : file, optional
        Where the summary (default stdout) and the progress bar (default stderr) go.

    Returns
    -------
    list of Row
        Every student x exercise, as in ``report.csv``.

    Raises
    ------
    ReportError
        If a folder is wrong or the output is unsafe.
    """
    stream = stream if stream is not None else sys.stdout
    submissions, out = Path(submissions), Path(out)
    if timeout is None or not timeout > 0:
        raise ReportError(f"timeout must be a positive number of seconds; got {timeout!r}")
    jobs = jobs or os.cpu_count() or 1
    if int(jobs) < 1:
        raise ReportError(f"jobs must be at least 1; got {jobs!r}")
    course_dir = _default_course() if course == "auto" else (Path(course) if course else None)
    if course_dir is not None and not course_dir.is_dir():
        raise ReportError(f"course must be the folder of the course's notebooks; got "
                          f"{str(course_dir)!r}, which is not a folder. Hint: --course notebooks/")
    if course == "auto" and course_dir is None:  # an installed package: no notebooks/
        expected = shipped_course_exercises()
        course_dir = "the exercise list shipped with cnnlesson" if expected else None
    else:
        expected = course_exercises(course_dir)
    subs, notes = find_submissions(submissions, set(expected))
    if run:
        try:
            import ipykernel  # noqa: F401
            import nbclient  # noqa: F401
        except ImportError as err:
            raise ReportError(f"re-running notebooks needs nbclient and ipykernel; {err}. Hint: "
                              'pip install -e ".[test]", or use --no-run') from None
    _check_out(submissions, out, force)

    started = time.monotonic()
    progress = _Progress(len(subs), progress_stream)
    tasks = [(s, expected, run, float(timeout)) for s in subs]
    graded: list[_Graded] = []

    def done(g: _Graded):
        graded.append(g)
        counts = Counter(r.status for r in g.rows)
        progress.step(f"{g.submission.student} {g.notebook}: "
                      + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items())
                      + (f" ({g.seconds:.0f} s)" if run else ""))

    if int(jobs) == 1 or len(tasks) == 1:
        for task in tasks:
            done(_grade_job(task))
    else:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(max_workers=min(int(jobs), len(tasks)),
                                 mp_context=context) as pool:
            try:
                for g in pool.map(_grade_job, tasks):
                    done(g)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    elapsed = time.monotonic() - started

    rows = [r for g in graded for r in g.rows] + _missing_rows(graded, expected)
    columns = _columns(rows, expected)
    position = {c: k for k, c in enumerate(columns)}
    rows.sort(key=lambda r: (r.student.lower(), r.student, position[(r.notebook, r.exercise)]))
    mode = (f"each notebook re-run in a fresh kernel ({sys.executable}), {timeout:g} s per "
            f"notebook, {jobs} at once" if run else
            "read from the outputs saved in the notebooks (--no-run): only as current as the "
            "students' last run")
    meta = {"mode": mode, "run": run, "seconds": round(elapsed, 1), "notes": notes,
            "students": len({r.student for r in rows}), "notebooks": len(subs),
            "submissions": str(submissions), "course": str(course_dir or "")}
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / MARKER, json.dumps({"tool": "python -m cnnlesson.classroom report",
                                                "files": ["report.html", "report.csv"]},
                                               indent=1) + "\n")
    atomic_write_text(out / "report.csv", _csv(rows))
    atomic_write_text(out / "report.html", report_html(rows, columns, meta))
    _summary(rows, columns, meta, out, stream)
    return rows


def _summary(rows, columns, meta, out, stream) -> None:
    w = stream.write
    w(f"report: {meta['students']} students, {meta['notebooks']} notebooks in "
      f"{meta['seconds']:.0f} s; {meta['mode']}\n")
    by_col: dict = {}
    for r in rows:
        by_col.setdefault((r.notebook, r.exercise), Counter())[r.status] += 1
    worst, worst_missing = None, -1
    for col in columns:
        counts = by_col.get(col, Counter())
        label = f"{col[0]} {col[1]}".strip()
        w(f"  {label:<28} " + "  ".join(f"{s.replace('_', ' ')} {counts[s]}" for s in STATUSES
                                          if counts[s]) + "\n")
        not_passed = sum(counts.values()) - counts["pass"]
        if not_passed > worst_missing:
            worst, worst_missing = (label, sum(counts.values())), not_passed
    if worst and worst_missing > 0:
        w(f"  most stuck: {worst[0]} ({worst_missing} of {worst[1]} not passed)\n")
    for note in meta["notes"]:
        w(f"  note: {note}\n")
    w(f"wrote {out / 'report.html'} and {out / 'report.csv'}\n")


# ---------------------------------------------------------------------------
# command line (python -m cnnlesson.classroom report ...)
# ---------------------------------------------------------------------------

def add_arguments(subparsers) -> None:
    """Add the ``report`` command to ``python -m cnnlesson.classroom``'s sub-commands.
    """
    import argparse

    def positive(kind):
        def parse(text):
            try:
                value = kind(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
            if value <= 0:
                raise argparse.ArgumentTypeError(f"must be more than 0; got {text!r}")
            return value
        return parse

    p = subparsers.add_parser("report", help="re-run the students' notebooks and write a "
                                             "progress report (report.html, report.csv)",
                              description="Re-run the students' notebooks and report every "
                                          "check. Student code runs with your rights: use a "
                                          "throwaway account or a container.")
    p.add_argument("submissions", help="folder with one folder (or file) per student")
    p.add_argument("-o", "--out", default="report", help="report folder (default: report)")
    p.add_argument("--course", default="auto",
                   help="folder of the course's notebooks, for the list of exercises "
                        "(default: notebooks/, else the list shipped with cnnlesson)")
    p.add_argument("--timeout", type=positive(float), default=300.0,
                   help="seconds allowed for each notebook (default: 300)")
    p.add_argument("--jobs", type=positive(int), default=None,
                   help=f"notebooks run at once (default: the cores, {os.cpu_count()})")
    p.add_argument("--no-run", dest="run", action="store_false",
                   help="read the outputs saved in the notebooks instead of re-running them")
    p.add_argument("--force", action="store_true",
                   help="write into an existing folder that holds other files")
    p.set_defaults(run_command=_cli)


def _cli(args) -> int:
    try:
        make_report(args.submissions, args.out, course=args.course, run=args.run,
                    timeout=args.timeout, jobs=args.jobs, force=args.force)
    except KeyboardInterrupt:
        print("\ninterrupted: no report written", file=sys.stderr)
        return 130
    return 0
