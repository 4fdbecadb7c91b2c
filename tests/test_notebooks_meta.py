"""Structural checks on the committed notebooks that nbval itself cannot make.

nbval silently skips code cells that were never executed, so a notebook committed half-run
would pass while testing little. These tests make sure every notebook was run top to bottom in
one fresh kernel, that exemptions from output comparison carry a reason, and that every lesson
has the exercises and widgets the course promises.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and _source(c).strip()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_cells_were_executed_once_in_order(path):
    counts = [c.get("execution_count") for c in _code_cells(_load(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..N; re-run the notebook top to "
        "bottom in a fresh kernel and save it"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_stored_errors(path):
    for cell in _code_cells(_load(path)):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name}: a cell stored an error"
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                assert "Warning" not in text, f"{path.name}: a cell stored a warning: {text}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_output_exemption_has_a_reason(path):
    for cell in _code_cells(_load(path)):
        lines = [line.strip() for line in _source(cell).splitlines()]
        for k, line in enumerate(lines):
            if line.lstrip("#").strip() in ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP"):
                reason = lines[k + 1] if k + 1 < len(lines) else ""
                assert reason.startswith("# Reason:") and len(reason.split()) >= 5, (
                    f"{path.name}: {line} must be followed by a '# Reason: ...' line"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_are_marked_and_checked(path):
    cells = _code_cells(_load(path))
    exercises = 0
    for k, cell in enumerate(cells):
        src = _source(cell)
        begins, ends = src.count("### BEGIN SOLUTION"), src.count("### END SOLUTION")
        assert begins == ends, f"{path.name}: BEGIN/END SOLUTION markers do not pair up"
        if begins:
            exercises += 1
            following = src.split("### END SOLUTION")[-1]
            if k + 1 < len(cells):
                following += _source(cells[k + 1])
            assert "checks." in following, (
                f"{path.name}: exercise {exercises} is not followed by a cnnlesson.checks call"
            )
    if path.name != "00_start_here.ipynb":
        assert exercises >= 3, f"{path.name}: has {exercises} exercises; the course promises 3+"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_has_an_interactive_widget(path):
    widget_outputs = [
        out
        for cell in _code_cells(_load(path))
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]
    assert widget_outputs, f"{path.name}: no widget output stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_plot_cells_do_not_rely_on_a_trailing_semicolon(path):
    for cell in _code_cells(_load(path)):
        last = _source(cell).rstrip().splitlines()[-1]
        assert not last.rstrip().endswith(";"), (
            f"{path.name}: end plot cells with plt.show(); nbval ignores a trailing ';'"
        )


def test_readme_course_map_lists_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if p.name not in readme]
    assert not missing, f"README.md's course map does not list {missing}"
