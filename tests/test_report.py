"""The class report: python -m cnnlesson.classroom report SUBMISSIONS -o REPORT_DIR.

``test_class_of_students_on_notebook_01`` re-runs a synthetic class made from the real student
edition of notebook 01 (right answers from the teacher edition, typical wrong answers,
untouched, errors, an infinite loop, a corrupt and a foreign file) and checks the CSV cell by
cell. SLOW: it re-runs 6 notebooks with 3 jobs and a 40 s limit, 60-90 s on a loaded 2-core
machine (deselect with -k "not class"). The other tests use tiny notebooks and take seconds.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from cnnlesson import classroom, report

ROOT = Path(__file__).resolve().parents[1]
NB01 = ROOT / "notebooks" / "01_filtering.ipynb"
MIME = report.RECORD_MIME


def _snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _csv(folder: Path) -> dict:
    with open(folder / "report.csv", newline="", encoding="utf-8") as f:
        return {(r["student"], r["notebook"], r["exercise"]): r for r in csv.DictReader(f)}


def _edit(nb: dict, old: str, new: str) -> dict:
    """Replace ``old`` by ``new`` in the one code cell that holds it."""
    hits = [c for c in nb["cells"] if c["cell_type"] == "code" and old in "".join(c["source"])]
    assert len(hits) == 1, old
    hits[0]["source"] = "".join(hits[0]["source"]).replace(old, new)
    return nb


# ---------------------------------------------------------------------------
# a class on the real notebook 01
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def class_01(tmp_path_factory):
    base = tmp_path_factory.mktemp("class01")
    student_dir = base / "student_edition"
    course = base / "course"
    course.mkdir()
    shutil.copy(NB01, course / NB01.name)
    classroom.build_student_edition(course, student_dir)
    blank = json.loads((student_dir / NB01.name).read_text(encoding="utf-8"))
    teacher = json.loads(NB01.read_text(encoding="utf-8"))
    sub = base / "submissions"

    def put(relative: str, nb):
        path = sub / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")

    def copy(nb):
        return json.loads(json.dumps(nb))

    put("alice/01_filtering.ipynb", teacher)                      # the teacher's answers
    put("bob/student/01_filtering.ipynb", blank)                  # untouched
    carol = copy(blank)                                           # typical wrong answers
    _edit(carol, "pixel = ...  # your answer here",
          "pixel = np.sum(small[1:4, 2:5] * kernel[::-1, ::-1])")   # flipped kernel
    _edit(carol, "neighbour_kernel = ...  # your answer here",            # left minus right
          "neighbour_kernel = np.array([[0, 0, 0], [1, 0, -1], [0, 0, 0]])")
    _edit(carol, "largest_column = ...  # your answer here", "largest_column = 4")
    _edit(carol, "smallest_column = ...  # your answer here", "smallest_column = 6")
    _edit(carol, '"01.output_rows", my_prediction)', '"01.output_rows", 10)')  # forgot KH - 1
    put("01_filtering-carol.ipynb", carol)
    dave = copy(blank)                                            # an infinite loop in 1.3
    _edit(dave, "horizontal_kernel = ...  # your answer here",
          "import time\nwhile True:\n    time.sleep(0.05)")
    _edit(dave, "pixel = ...  # your answer here", "pixel = np.sum(small[1:4, 2:5] * kernel)")
    put("dave_01_filtering.ipynb", dave)
    erin = copy(blank)                                            # errors
    _edit(erin, "horizontal_kernel = ...  # your answer here",
          "horizontal_kernel = np.array([[-1.0], [1.0]]) * oops")  # before the check
    _edit(erin, '"01.output_rows", my_prediction)', '"01.output_rows", 8)')  # right
    _edit(erin, '    raise NotImplementedError("Exercise 1.2: the two-loop filter: write your '
                'answer here")', "    return image[0, 0] / undefined_thing")  # inside the check
    put("erin/01_filtering.ipynb", erin)
    put("frank/01_filtering.ipynb", '{"cells": [{"cell_type": "code", "sou')  # corrupt
    foreign = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hi')")])
    put("gina/01_filtering.ipynb", nbformat.writes(foreign))     # another course's notebook
    before = _snapshot(sub), _snapshot(course)
    out = base / "report"
    lines = []

    class Stream:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass

    rows = report.make_report(sub, out, course=course, timeout=40, jobs=3, stream=Stream(),
                              progress_stream=Stream())
    return {"out": out, "rows": rows, "sub": sub, "course": course, "before": before,
            "printed": "".join(lines)}


EXPECTED_01 = {
    # student: statuses of exercises 1.1, 1.2, 1.3, 1.4
    "alice": ("pass", "pass", "pass", "pass"),
    "bob": ("not_attempted",) * 4,
    "carol": ("fail", "not_attempted", "not_attempted", "fail"),
    "dave": ("pass", "not_attempted", "timeout", "timeout"),
    "erin": ("not_attempted", "error", "error", "not_attempted"),
    "frank": ("malformed",) * 4,
    "gina": ("foreign",) * 4,
}


#: The prediction prompts and questionnaire of notebook 01, columns of the report too.
QUIZ_01 = ("01.output_rows", "01.flat_laplacian", "01.same_corner",
           *(f"01.q{k}" for k in range(1, 7)))


def test_class_csv_cell_by_cell(class_01):
    table = _csv(class_01["out"])
    ids = ("1.1", "1.2", "1.3", "1.4")
    got = {s: tuple(table[(s, "01_filtering", i)]["status"] for i in ids) for s in EXPECTED_01}
    assert got == EXPECTED_01
    assert len(table) == len(EXPECTED_01) * (4 + len(QUIZ_01)), sorted(table)
    quiz = {s: [table[(s, "01_filtering", i)]["status"] for i in QUIZ_01] for s in EXPECTED_01}
    # The teacher edition keeps the predictions and the questionnaire unanswered.
    assert quiz["alice"] == quiz["bob"] == ["not_attempted"] * len(QUIZ_01)
    assert quiz["carol"][0] == "fail" and quiz["erin"][0] == "pass"
    assert quiz["frank"] == ["malformed"] * len(QUIZ_01)
    assert quiz["gina"] == ["foreign"] * len(QUIZ_01)
    assert table[("carol", "01_filtering", "01.output_rows")]["hint"]
    assert {r["title"] for k, r in table.items() if k[2] == "1.2"} == {
        "Exercise 1.2: the two-loop filter"}


def test_class_hints_and_details(class_01):
    table = _csv(class_01["out"])
    carol = table[("carol", "01_filtering", "1.1")]["hint"]
    assert "flipped the kernel" in carol
    assert table[("carol", "01_filtering", "1.4")]["hint"]
    dave = table[("dave", "01_filtering", "1.3")]["detail"]
    assert "40 s" in dave and "# Exercise 1.3" in dave
    before = table[("erin", "01_filtering", "1.3")]
    assert before["hint"].startswith("NameError") and "oops" in before["hint"]
    assert "before the check" in before["detail"]
    inside = table[("erin", "01_filtering", "1.2")]
    assert "undefined_thing" in inside["hint"] and "inside the check" in inside["detail"]
    assert "not a readable notebook" in table[("frank", "01_filtering", "1.1")]["detail"]
    assert "not a notebook of this course" in table[("gina", "01_filtering", "1.1")]["detail"]
    assert table[("alice", "01_filtering", "1.1")]["hint"] == ""


def test_class_submissions_and_course_are_not_modified(class_01):
    assert (_snapshot(class_01["sub"]), _snapshot(class_01["course"])) == class_01["before"]
    assert sorted(p.name for p in class_01["out"].iterdir()) == [
        report.MARKER, "report.csv", "report.html"]


def test_class_html_and_summary(class_01):
    text = (class_01["out"] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<script src" not in text and "<link" not in text
    for student in EXPECTED_01:
        assert f">{student}</td>" in text
    assert text.count('data-status="pass"') == 6  # alice's four, dave's 1.1, erin's prediction
    assert "flipped the kernel" in text
    printed = class_01["printed"]
    assert "7 students" in printed and "re-run in a fresh kernel" in printed
    assert "most stuck:" in printed and "report.html" in printed
    assert "[7/7]" in printed  # progress as plain lines when not a terminal


# ---------------------------------------------------------------------------
# tiny synthetic notebooks (fast)
# ---------------------------------------------------------------------------

def _record(ident, status, hint="", notebook="09_tiny"):
    return {"schema": 1, "notebook": notebook, "id": ident, "kind": "exercise",
            "title": f"Exercise {ident}: t{ident}", "status": status, "hint": hint}


def _tiny(*cells, records=()):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for k, rec in enumerate(records):
        nb.cells[min(k, len(nb.cells) - 1)].outputs.append(
            nbformat.v4.new_output("display_data", data={MIME: rec}))
    return nb


CHECK = ("from cnnlesson.checks import exercise\n"
         "@exercise('Exercise 9.{n}: t9.{n}', notebook='09_tiny')\n"
         "def check_{n}(x):\n"
         "    assert x == 42, 'think of the answer to everything'\n")


def _tiny_course(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = _tiny("# Exercise 9.1: t9.1\nx = 42", "# Exercise 9.2: t9.2\ny = 42",
               records=[_record("9.1", "pass"), _record("9.2", "pass")])
    nbformat.write(nb, folder / "09_tiny.ipynb")
    nbformat.write(_tiny("# Exercise 8.1: t8.1\nz = 1"), folder / "08_other.ipynb")
    return folder


def test_no_run_reads_saved_records_and_reports_missing_notebooks(tmp_path):
    course = _tiny_course(tmp_path / "course")
    sub = tmp_path / "sub"
    (sub / "ann").mkdir(parents=True)
    (sub / "ben").mkdir()
    nbformat.write(_tiny("# Exercise 9.1: t9.1\nx = 1", "# Exercise 9.2: t9.2\ny = 42",
                         records=[_record("9.1", "fail", "think harder"),
                                  _record("9.2", "pass")]), sub / "ann" / "09_tiny.ipynb")
    nbformat.write(_tiny("# Exercise 8.1: t8.1\nz = 1", records=[
        _record("8.1", "pass", notebook="08_other")]), sub / "ben" / "08_other.ipynb")
    nbformat.write(_tiny("print(1)"), sub / "ann" / "notes-ann.ipynb")
    (sub / "readme.txt").write_text("hello")
    rows = report.make_report(sub, tmp_path / "rep", course=course, run=False, jobs=1,
                              stream=sys.stderr, progress_stream=sys.stderr)
    got = {(r.student, r.notebook, r.exercise): (r.status, r.hint) for r in rows}
    assert got[("ann", "09_tiny", "9.1")] == ("fail", "think harder")
    assert got[("ann", "09_tiny", "9.2")] == ("pass", "")
    assert got[("ann", "08_other", "8.1")][0] == "missing"
    assert got[("ben", "09_tiny", "9.1")][0] == "missing"
    assert got[("ben", "09_tiny", "9.2")][0] == "missing"
    assert got[("ben", "08_other", "8.1")] == ("pass", "")
    assert got[("ann", "notes-ann", "")][0] == "foreign"
    text = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "--no-run" in text and "readme.txt: not a notebook, skipped" in text


def test_a_notebook_of_another_course_version_is_matched_by_exercise_id(tmp_path):
    course = _tiny_course(tmp_path / "course")
    sub = tmp_path / "sub"
    (sub / "old").mkdir(parents=True)
    # renamed file, and records from an older course whose notebook had another name
    nbformat.write(_tiny("x", "y", records=[_record("9.2", "pass", notebook="9_tiny_v1"),
                                            _record("9.7", "fail", "gone", notebook="9_tiny_v1")]),
                   sub / "old" / "lesson nine.ipynb")
    rows = report.make_report(sub, tmp_path / "rep", course=course, run=False, jobs=1,
                              stream=sys.stderr, progress_stream=sys.stderr)
    got = {(r.notebook, r.exercise): r.status for r in rows}
    assert got == {("09_tiny", "9.1"): "not_attempted", ("09_tiny", "9.2"): "pass",
                   ("09_tiny", "9.7"): "fail"}


def test_records_of_another_notebook_and_repeated_checks(tmp_path):
    course = _tiny_course(tmp_path / "course")
    sub = tmp_path / "sub"
    (sub / "cy").mkdir(parents=True)
    # a record of another course notebook (a demo) is not counted; the last run of a check is
    nbformat.write(_tiny("x", "y", "z", records=[
        _record("8.1", "pass", notebook="08_other"), _record("9.1", "fail", "no"),
        _record("9.1", "pass")]), sub / "cy" / "09_tiny.ipynb")
    rows = report.make_report(sub, tmp_path / "rep", course=course, run=False, jobs=1,
                              stream=sys.stderr, progress_stream=sys.stderr)
    got = {(r.notebook, r.exercise): r.status for r in rows}
    assert got == {("09_tiny", "9.1"): "pass", ("09_tiny", "9.2"): "not_attempted"}


def test_re_run_with_timeout_error_and_pass_in_parallel(tmp_path):
    course = _tiny_course(tmp_path / "course")
    sub = tmp_path / "sub"
    ok = _tiny(CHECK.format(n=1), CHECK.format(n=2), "# Exercise 9.1: t9.1\ncheck_1(42)",
               "# Exercise 9.2: t9.2\ncheck_2(41)")
    loop = _tiny(CHECK.format(n=1), CHECK.format(n=2), "# Exercise 9.1: t9.1\ncheck_1(oops)",
                 "# Exercise 9.2: t9.2\nwhile True:\n    pass\ncheck_2(42)")
    broken = _tiny(CHECK.format(n=1), CHECK.format(n=2), "1 / 0",
                   "# Exercise 9.1: t9.1\nanswer = missing_name\ncheck_1(answer)")
    for name, nb in (("ok", ok), ("loop", loop), ("broken", broken)):
        (sub / name).mkdir(parents=True)
        nbformat.write(nb, sub / name / "09_tiny.ipynb")
    stored = nbformat.read(sub / "ok" / "09_tiny.ipynb", as_version=4)
    rows = report.make_report(sub, tmp_path / "rep", course=course, timeout=20, jobs=2,
                              stream=sys.stderr, progress_stream=sys.stderr)
    got = {(r.student, r.exercise): r.status for r in rows}
    assert got == {("ok", "9.1"): "pass", ("ok", "9.2"): "fail",
                   ("loop", "9.1"): "error", ("loop", "9.2"): "timeout",
                   ("broken", "9.1"): "error", ("broken", "9.2"): "not_attempted"}
    hints = {(r.student, r.exercise): r.hint for r in rows}
    assert "answer to everything" in hints[("ok", "9.2")]
    assert hints[("broken", "9.1")].startswith("NameError")
    assert nbformat.read(sub / "ok" / "09_tiny.ipynb", as_version=4) == stored


def test_a_runaway_print_loop_is_cut_but_its_checks_still_count(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "MAX_OUTPUT_CHARS", 100_000)
    course = _tiny_course(tmp_path / "course")
    sub = tmp_path / "sub"
    (sub / "eve").mkdir(parents=True)
    seen = []
    real_run = report._run

    def spy(nb, workdir, timeout):
        outcome = real_run(nb, workdir, timeout)
        seen.append(sum(len(str(o.get("text", ""))) for c in nb.cells
                        for o in c.get("outputs", [])))
        seen.append("".join(str(o.get("text", "")) for c in nb.cells
                            for o in c.get("outputs", [])))
        return outcome

    monkeypatch.setattr(report, "_run", spy)
    loud = ("for i in range(3000):\n    print('x' * 100)\n"  # 303,000 characters
            "# Exercise 9.2: t9.2\ncheck_2(42)")
    nbformat.write(_tiny(CHECK.format(n=1), CHECK.format(n=2), loud, "# Exercise 9.1: t9.1\n"
                         "answer = missing_name\ncheck_1(answer)"), sub / "eve" / "09_tiny.ipynb")
    rows = report.make_report(sub, tmp_path / "rep", course=course, timeout=60, jobs=1,
                              stream=sys.stderr, progress_stream=sys.stderr)
    # the record after the flood still counts, and so does the error (kept too)
    assert {r.exercise: r.status for r in rows} == {"9.1": "error", "9.2": "pass"}
    assert seen[0] < 110_000 and "the rest is dropped" in seen[1]


def _make_course_exercises():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_course_exercises",
                                                  ROOT / "data" / "make_course_exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_exercise_list_matches_the_notebooks():
    from cnnlesson._report_inputs import course_exercises, shipped_course_exercises

    shipped = shipped_course_exercises()
    assert shipped == course_exercises(ROOT / "notebooks"), (
        "an exercise was added, renamed or removed: run `python data/make_course_exercises.py`")
    assert [e["id"] for e in shipped["03_pooling"]][:3] == ["3.1", "3.2", "3.3"]


def test_an_installed_package_reports_with_the_shipped_exercise_list(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_default_course", lambda: None)  # a wheel: no notebooks/
    sub = tmp_path / "sub"
    (sub / "fay").mkdir(parents=True)
    nbformat.write(_tiny("# Exercise 3.1: pooling by hand\nx = 1", records=[
        _record("3.1", "pass", notebook="03_pooling")]), sub / "fay" / "03_pooling.ipynb")
    rows = report.make_report(sub, tmp_path / "rep", run=False, jobs=1, stream=sys.stderr,
                              progress_stream=sys.stderr)
    got = {(r.notebook, r.exercise): r.status for r in rows}
    from cnnlesson._report_inputs import shipped_course_exercises

    assert set(got) == {("03_pooling", e["id"]) for e in shipped_course_exercises()["03_pooling"]}
    assert got[("03_pooling", "3.1")] == "pass" and got[("03_pooling", "3.3")] == "not_attempted"


def test_the_exercise_list_script_writes_atomically_and_keeps_foreign_files(tmp_path):
    script = _make_course_exercises()
    out = tmp_path / "course_exercises.json"
    index = script.build(out, ROOT / "notebooks")
    assert json.loads(out.read_text(encoding="utf-8")) == index
    script.build(out, ROOT / "notebooks")  # its own file: replaced
    foreign = tmp_path / "mine.json"
    foreign.write_text('{"my": "notes"}', encoding="utf-8")
    with pytest.raises(SystemExit, match="refusing to overwrite"):
        script.build(foreign, ROOT / "notebooks")
    assert foreign.read_text(encoding="utf-8") == '{"my": "notes"}'
    with pytest.raises(SystemExit, match="no course notebooks"):
        script.build(tmp_path / "new.json", tmp_path)


def test_runs_in_its_own_working_folder(tmp_path, monkeypatch):
    course = _tiny_course(tmp_path / "course")
    sub = tmp_path / "sub"
    (sub / "dee").mkdir(parents=True)
    code = (CHECK.format(n=1) + "import os, pathlib\n"
            "pathlib.Path('litter.txt').write_text('x')\n"
            "# Exercise 9.1: t9.1\ncheck_1(42 if os.listdir('.') == ['09_tiny.ipynb', "
            "'litter.txt'] or sorted(os.listdir('.')) == ['09_tiny.ipynb', 'litter.txt'] "
            "else 0)")
    nbformat.write(_tiny(code), sub / "dee" / "09_tiny.ipynb")
    monkeypatch.chdir(tmp_path)
    rows = report.make_report(sub, tmp_path / "rep", course=course, timeout=30, jobs=1,
                              stream=sys.stderr, progress_stream=sys.stderr)
    assert {r.exercise: r.status for r in rows}["9.1"] == "pass"
    assert not (sub / "dee" / "litter.txt").exists() and not (tmp_path / "litter.txt").exists()


# ---------------------------------------------------------------------------
# layouts and matching
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, student, notebook", [
    ("01_filtering-alice.ipynb", "alice", "01_filtering"),
    ("alice_01_filtering.ipynb", "alice", "01_filtering"),
    ("Alice Smith - 01_filtering.ipynb", "Alice Smith", "01_filtering"),
    ("01_filtering.alice.ipynb", "alice", "01_filtering"),
    ("02_new_name-bob.ipynb", "bob", "02_new_name"),
])
def test_file_names_per_student(tmp_path, name, student, notebook):
    (tmp_path / name).write_text("{}")
    subs, notes = report.find_submissions(tmp_path, {"01_filtering"})
    assert [(s.student, s.notebook) for s in subs] == [(student, notebook)]
    assert notes == []


def test_folder_layout_ignores_checkpoints_and_keeps_the_newest_copy(tmp_path):
    (tmp_path / "amy" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "amy" / ".ipynb_checkpoints" / "01_filtering-checkpoint.ipynb").write_text("{}")
    (tmp_path / "amy" / "01_filtering.ipynb").write_text("{}")
    newer = tmp_path / "amy" / "01_filtering (1).ipynb"
    newer.write_text("{}")
    import os
    os.utime(newer, (2e9, 2e9))
    (tmp_path / "empty").mkdir()
    (tmp_path / "notebook.ipynb").write_text("{}")
    subs, notes = report.find_submissions(tmp_path, {"01_filtering"})
    assert [(s.student, s.notebook, s.path.name) for s in subs] == [
        ("amy", "01_filtering", "01_filtering (1).ipynb")]
    assert any("2 files for 01_filtering" in n for n in notes)
    assert any(n.startswith("empty/: no notebook") for n in notes)
    assert any(n.startswith("notebook.ipynb: cannot tell the student") for n in notes)


# ---------------------------------------------------------------------------
# safety and command-line misuse
# ---------------------------------------------------------------------------

def _minimal(tmp_path):
    course = _tiny_course(tmp_path / "course")
    sub = tmp_path / "sub"
    (sub / "ann").mkdir(parents=True)
    nbformat.write(_tiny("x", records=[_record("9.1", "pass")]), sub / "ann" / "09_tiny.ipynb")
    return course, sub


def test_refuses_to_write_into_submissions_or_a_foreign_folder(tmp_path, capsys):
    course, sub = _minimal(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "grades.xlsx").write_text("precious")
    before = _snapshot(tmp_path)
    for out in (sub, sub / "ann", sub / "report"):
        with pytest.raises(report.ReportError, match="outside the submissions"):
            report.make_report(sub, out, course=course, run=False)
    with pytest.raises(report.ReportError, match="--force"):
        report.make_report(sub, tmp_path / "mine", course=course, run=False)
    assert _snapshot(tmp_path) == before
    report.make_report(sub, tmp_path / "mine", course=course, run=False, force=True,
                       stream=sys.stderr, progress_stream=sys.stderr)
    assert (tmp_path / "mine" / "grades.xlsx").read_text() == "precious"
    # a report folder it made itself is simply updated
    report.make_report(sub, tmp_path / "mine", course=course, run=False,
                       stream=sys.stderr, progress_stream=sys.stderr)
    report.make_report(sub, tmp_path / "new", course=course, run=False,
                       stream=sys.stderr, progress_stream=sys.stderr)
    report.make_report(sub, tmp_path / "new", course=course, run=False,
                       stream=sys.stderr, progress_stream=sys.stderr)


@pytest.mark.parametrize("argv", [
    ["report"],
    ["report", "NOPE", "-o", "OUT"],
    ["report", "FILE", "-o", "OUT"],
    ["report", "EMPTY", "-o", "OUT"],
    ["report", "SUB", "-o", "SUB"],
    ["report", "SUB", "-o", "FILE"],
    ["report", "SUB", "-o", "FOREIGN"],
    ["report", "SUB", "--jobs", "0"],
    ["report", "SUB", "--jobs", "two"],
    ["report", "SUB", "--timeout", "-5"],
    ["report", "SUB", "--course", "NOPE"],
    ["report", "SUB", "--bogus"],
])
def test_cli_misuse_is_a_clear_message_and_exit_code_2(tmp_path, monkeypatch, capsys, argv):
    course, sub = _minimal(tmp_path)
    sub.rename(tmp_path / "SUB")
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "EMPTY").mkdir()
    (tmp_path / "FOREIGN").mkdir()
    (tmp_path / "FOREIGN" / "x.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    try:
        code = classroom.main(argv + ["--course", str(course)] * ("--course" not in argv))
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and "error" in err and "Traceback" not in err
    assert _snapshot(tmp_path) == before


def test_cli_no_run_says_which_mode(tmp_path, monkeypatch, capsys):
    course, sub = _minimal(tmp_path)
    assert classroom.main(["report", str(sub), "-o", str(tmp_path / "r"), "--no-run",
                           "--course", str(course)]) == 0
    out = capsys.readouterr().out
    assert "--no-run" in out and "1 students" in out
    assert "ann,09_tiny,9.1,exercise" in (tmp_path / "r" / "report.csv").read_text()


def test_progress_bar_in_a_terminal_is_one_line():
    class Tty:
        text = ""

        def isatty(self):
            return True

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    tty = Tty()
    bar = report._Progress(3, tty, width=6)
    for label in "abc":
        bar.step(label)
    assert tty.text.count("\r") == 3 and tty.text.count("\n") == 1
    assert "[######] 3/3 c" in tty.text
