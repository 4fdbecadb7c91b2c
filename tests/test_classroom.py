"""The student edition: solutions stubbed, outputs cleared, nothing else changed."""

import json

import pytest

from cnnlesson import classroom
from cnnlesson.checks import call, exercise, expect_close

FUNCTION_CELL = '''# Exercise 1.2: write the filter yourself
def my_filter(image, kernel):
    """Correlate image with kernel."""
    ### BEGIN SOLUTION
    out = image * kernel
    return out
    ### END SOLUTION
'''

TOP_LEVEL_CELL = '''# Exercise 2.1: output shape
### BEGIN SOLUTION
shape = (24, 24, 6)
n_params, n_bias = 162, 6
def helper(a, b=2):
    return a + b
print("thinking")
### END SOLUTION
checks.output_shape(shape)
'''


def _nb(*sources):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Title"}]
    for k, src in enumerate(sources, start=1):
        cells.append({"cell_type": "code", "metadata": {}, "source": src, "execution_count": k,
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": "x\n"}]})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_function_body_becomes_raise_with_title():
    out = classroom.strip_solutions(FUNCTION_CELL)
    assert "BEGIN SOLUTION" not in out and "image * kernel" not in out
    assert ('    raise NotImplementedError("Exercise 1.2: write the filter yourself: write your '
            'answer here")') in out
    assert out.startswith("# Exercise 1.2") and '"""Correlate image with kernel."""' in out
    namespace = {}
    exec(out, namespace)
    with pytest.raises(NotImplementedError, match="Exercise 1.2"):
        namespace["my_filter"](1, 2)


def test_top_level_answers_become_ellipsis_and_defs_keep_signature():
    out = classroom.strip_solutions(TOP_LEVEL_CELL)
    assert "shape = ...  # your answer here" in out
    assert "n_params = ...  # your answer here" in out and "n_bias = ..." in out
    assert "def helper(a, b=2):" in out and "thinking" not in out and "162" not in out
    assert out.rstrip().endswith("checks.output_shape(shape)")


@pytest.mark.parametrize("bad", [
    "### BEGIN SOLUTION\nx = 1\n",
    "x = 1\n### END SOLUTION\n",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
])
def test_unpaired_markers_are_refused(bad):
    with pytest.raises(ValueError, match="SOLUTION"):
        classroom.strip_solutions(bad)


def test_student_notebook_clears_exercise_and_check_outputs_only():
    nb = _nb("x = 1", FUNCTION_CELL, "checks.my_filter(my_filter)", "print(2)")
    student = classroom.student_notebook(nb)
    codes = [c for c in student["cells"] if c["cell_type"] == "code"]
    assert codes[0]["outputs"] and codes[3]["outputs"]
    assert codes[1]["outputs"] == [] and codes[2]["outputs"] == []
    assert codes[1]["execution_count"] is None
    assert nb["cells"][2]["outputs"], "the input notebook must not be modified"
    assert student["metadata"]["cnnlesson_edition"] == "student"


def test_checker_reports_stub_as_not_attempted(capsys):
    namespace = {}
    exec(classroom.strip_solutions(FUNCTION_CELL), namespace)

    @exercise("Exercise 1.2: write the filter yourself")
    def check(fn):
        expect_close(call(fn, 2.0, 3.0), 6.0)

    assert check(namespace["my_filter"]).passed is False
    assert "[not attempted yet] Exercise 1.2" in capsys.readouterr().out


def test_build_and_cli(tmp_path, capsys):
    src = tmp_path / "nbs"
    src.mkdir()
    (src / "01_x.ipynb").write_text(json.dumps(_nb(FUNCTION_CELL)))
    assert classroom.main(["student", str(src), "-o", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "01_x.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "image * kernel" not in text
    assert "wrote 1 student notebooks" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no .ipynb files"):
        classroom.build_student_edition(tmp_path / "empty", tmp_path / "o")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        classroom.build_student_edition(tmp_path / "missing", tmp_path / "o")


# ---------------------------------------------------------------------------
# never lose the teacher's or a student's work, never leak a solution (issue 10)
# ---------------------------------------------------------------------------

def _src(tmp_path, *cells, name="01_x.ipynb"):
    src = tmp_path / "nbs"
    src.mkdir(exist_ok=True)
    (src / name).write_text(json.dumps(_nb(*cells)))
    return src


def _snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("out", ["same", "dot", "symlink", "parent", "parent_symlink",
                                 "notebook_file"])
def test_output_that_would_overwrite_the_teachers_notebooks_is_refused(tmp_path, capsys, out):
    src = _src(tmp_path, FUNCTION_CELL)
    target = {"same": src, "dot": src / ".", "parent": tmp_path,
              "notebook_file": src / "01_x.ipynb"}.get(out)
    if out == "symlink":
        target = tmp_path / "link"
        target.symlink_to(src)
    elif out == "parent_symlink":
        target = tmp_path / "up"
        target.symlink_to(tmp_path)
    before = _snapshot(tmp_path)
    assert classroom.main(["student", str(src), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out must") and "Hint" in err and "Traceback" not in err
    assert _snapshot(tmp_path) == before


def test_a_student_file_linking_back_to_a_teacher_notebook_is_refused_even_with_force(tmp_path):
    src = _src(tmp_path, FUNCTION_CELL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "01_x.ipynb").symlink_to(src / "01_x.ipynb")
    before = _snapshot(src)
    with pytest.raises(classroom.StudentEditionError, match="lead back to the teacher"):
        classroom.build_student_edition(src, out, force=True)
    assert _snapshot(src) == before


def test_output_inside_the_source_folder_is_fine(tmp_path):
    src = _src(tmp_path, FUNCTION_CELL)
    written = classroom.build_student_edition(src, src / "student")
    assert [p.name for p in written] == ["01_x.ipynb"]
    assert "image * kernel" in (src / "01_x.ipynb").read_text()


@pytest.mark.parametrize("line", [
    "### BEGIN SOLUTON", "### begin solution", "### Begin Solution", "BEGIN SOLUTION",
    "# BEGIN SOLUTION", "### BEGIN SOLUTION here", "### BEGIN_SOLUTION", "### BEGIN  SOLUTION",
    "## BEGIN SOLUTIONS", "### BEGINSOLUTION", "### BEGIN SOLTUION",
])
def test_misspelled_begin_marker_is_an_error_naming_file_cell_and_line(tmp_path, line):
    cell = f"# Exercise 1.1: x\n{line}\nanswer = 42\n### END SOLUTION\n"
    src = _src(tmp_path, "x = 1", cell)
    (src / "02_ok.ipynb").write_text(json.dumps(_nb(FUNCTION_CELL)))
    out = tmp_path / "out"
    with pytest.raises(classroom.StudentEditionError) as info:
        classroom.build_student_edition(src, out)
    message = str(info.value)
    assert "01_x.ipynb, cell 3 (index 2), line 2:" in message
    assert "nothing was written" in message
    assert not out.exists(), "a good notebook was written although another one failed"


@pytest.mark.parametrize("line", ["### end solution", "### END SOLUTON", "END SOLUTION",
                                  "x = 42  ### END SOLUTION", "### END OF SOLUTION"])
def test_misspelled_end_marker_is_an_error(line):
    cell = f"### BEGIN SOLUTION\nanswer = 42\n{line}\n"
    nb = _nb(cell)
    problems = classroom.notebook_problems(nb, "n.ipynb")
    assert any("cell 2 (index 1), line 3" in p and "looks like a solution marker" in p
               for p in problems), problems
    assert any("line 1: ### BEGIN SOLUTION without an ### END SOLUTION" in p for p in problems)
    with pytest.raises(classroom.StudentEditionError, match="n.ipynb, cell 2"):
        classroom.student_notebook(nb, "n.ipynb")


@pytest.mark.parametrize("cell, where, what", [
    ("x = 1\n### END SOLUTION\n", "line 2", "without a ### BEGIN"),
    ("### BEGIN SOLUTION\nx = 1\n", "line 1", "without an ### END"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "line 2", "nested"),
])
def test_unbalanced_or_nested_pairs_are_errors_with_line(cell, where, what):
    problems = classroom.notebook_problems(_nb(cell), "n.ipynb")
    assert any(f"n.ipynb, cell 2 (index 1), {where}:" in p and what in p for p in problems)


def test_comments_that_merely_mention_begin_or_end_are_fine():
    cell = "# begin smoothing the image\n# end of the loop\n# the solution is below\nx = 1\n"
    assert classroom.notebook_problems(_nb(cell), "n.ipynb") == []


def test_existing_student_notebooks_are_not_overwritten_without_force(tmp_path, capsys):
    src = _src(tmp_path, FUNCTION_CELL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "01_x.ipynb").write_text("a student's work")
    assert classroom.main(["student", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "01_x.ipynb" in err and "--force" in err and "Traceback" not in err
    assert (out / "01_x.ipynb").read_text() == "a student's work"
    assert classroom.main(["student", str(src), "-o", str(out), "--force"]) == 0
    assert "BEGIN SOLUTION" not in (out / "01_x.ipynb").read_text()
    assert [p.name for p in out.iterdir()] == ["01_x.ipynb"]  # no temporary file left


def test_tagged_cells_and_cells_using_an_answer_lose_their_outputs():
    answer = "# Exercise 5.1: shapes\n### BEGIN SOLUTION\nshapes = [(6, 24, 24)]\n" \
             "### END SOLUTION\nchecks.network_shapes(shapes)\n"
    nb = _nb(answer, "print('unrelated')", "model.summary()", "print(shapes)", "print(2)")
    nb["cells"][3]["metadata"]["tags"] = [classroom.CLEAR_TAG]
    student = classroom.student_notebook(nb)
    outputs = [bool(c.get("outputs")) for c in student["cells"] if c["cell_type"] == "code"]
    assert outputs == [False, True, False, False, True]
    assert nb["cells"][3]["outputs"], "the input notebook must not be modified"


def test_teacher_answer_cells_are_left_out_of_the_student_edition():
    nb = _nb("print(1)", "print(2)")
    answer = {"cell_type": "markdown", "metadata": {"tags": [classroom.ANSWER_TAG]},
              "source": "**Answer: (b).** Flat regions give 0."}
    question = {"cell_type": "markdown", "metadata": {}, "source": "**Prediction 1.** ..."}
    nb["cells"][1:1] = [question, answer]
    student = classroom.student_notebook(nb)
    sources = [c["source"] for c in student["cells"]]
    assert question["source"] in sources
    assert not any("Answer: (b)" in str(src) for src in sources)
    assert len(nb["cells"]) == 5, "the input notebook must not be modified"
    assert len(student["cells"]) == 4


def test_cells_using_a_function_that_holds_a_solution_lose_their_outputs():
    nb = _nb(FUNCTION_CELL, "print(my_filter(2, 3))", "print(image)")
    student = classroom.student_notebook(nb)
    assert [bool(c.get("outputs")) for c in student["cells"][1:]] == [False, False, True]


@pytest.mark.parametrize("argv", [
    [],
    ["nonsense"],
    ["student", "--bogus"],
    ["student", "NO_SUCH_FOLDER", "-o", "OUT"],
    ["student", "FILE", "-o", "OUT"],
    ["student", "EMPTY", "-o", "OUT"],
    ["student", "SRC", "-o", "SRC"],
    ["student", "SRC", "-o", "FILE"],
    ["student", "BROKEN", "-o", "OUT"],
    ["student", "SRC", "-o"],
])
def test_cli_misuse_is_a_clear_message_and_exit_code_2(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    _src(tmp_path, FUNCTION_CELL).rename(tmp_path / "SRC")
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "EMPTY").mkdir()
    (tmp_path / "BROKEN").mkdir()
    (tmp_path / "BROKEN" / "a.ipynb").write_text("{ not json")
    before = _snapshot(tmp_path)
    try:
        code = classroom.main(argv)
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err and captured.err.strip()
    assert "error" in captured.err
    assert _snapshot(tmp_path) == before
