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
