"""A wrong answer never breaks the rest of a notebook: notebooks whose solutions are replaced by
typical wrong answers (and one learner bug) run top to bottom, each check prints its FAIL or
ERROR line, emits its record, and every later cell still runs."""

import json
from pathlib import Path

import pytest

from cnnlesson import classroom
from cnnlesson.checks import RECORD_MIME

ROOT = Path(__file__).resolve().parents[1]

#: notebook -> the wrong answers, one list of lines per solution block in order, and the
#: status each exercise's check must record.
WRONG = {
    "01_filtering": (
        [
            ["pixel = np.sum(small[0:3, 1:4] * kernel)  # the window centred on the pixel"],
            ["return image * kernel  # a learner bug: the shapes do not broadcast"],
            ["horizontal_kernel = '[[-1], [1]]'  # a string, not an array"],
            ["valid_shape = (26 / 1 - 2, 28)", "same_padding = '3'"],
        ],
        {"1.1": "fail", "1.2": "error", "1.3": "fail", "1.4": "fail"},
    ),
    "04_backprop": (
        [
            ["return dout  # the wrong shape"],
            ["return np.zeros(x.shape)"],
            ["return kernel, 0.0  # no step, and a made-up loss"],
            ["lr_sobel = '0.1'", "steps_sobel = 1500.0"],
        ],
        {"4.1": "fail", "4.2": "fail", "4.6": "fail"},
    ),
}


def _replace_solutions(source: str, answers: list) -> tuple[str, int]:
    """Replace each BEGIN/END block of ``source`` by the next wrong answer; count them."""
    lines, out, used, skipping = source.split("\n"), [], 0, False
    for line in lines:
        stripped = line.strip()
        if stripped == classroom.BEGIN:
            indent = line[:len(line) - len(line.lstrip())]
            out.extend(indent + wrong for wrong in answers[used])
            used += 1
            skipping = True
        elif stripped == classroom.END:
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out), used


def _wrong_edition(path: Path, answers: list):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    used = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and classroom.BEGIN in cell.source:
            cell.source, n = _replace_solutions(cell.source, answers[used:])
            used += n
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    assert used == len(answers), f"{path.name} has {used} solution blocks, not {len(answers)}"
    return nb


@pytest.mark.parametrize("stem", sorted(WRONG))
def test_a_notebook_with_wrong_answers_runs_to_the_end(stem, tmp_path):
    nbclient = pytest.importorskip("nbclient")
    answers, statuses = WRONG[stem]
    nb = _wrong_edition(ROOT / "notebooks" / f"{stem}.ipynb", answers)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError if any cell raised: none may

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Traceback" not in printed
    records = [json.loads(json.dumps(o.data[RECORD_MIME])) for o in outputs
               if o.output_type == "display_data" and RECORD_MIME in o.data]
    assert {r["id"]: r["status"] for r in records} == statuses
    assert all(r["notebook"] == stem and r["kind"] == "exercise" for r in records)
    for record in records:
        word = {"fail": "FAIL", "error": "ERROR"}[record["status"]]
        assert f"{word} {record['title']}: {record['hint']}" in printed
        assert record["hint"]
    # The record has no text/plain twin: JupyterLab shows only the printed line.
    assert all(set(o.data) == {RECORD_MIME} for o in outputs
               if o.output_type == "display_data" and RECORD_MIME in o.data)
    # The lesson cells after the first failed exercise ran and printed or drew as always.
    first_check = min(i for i, c in enumerate(code)
                      if any(RECORD_MIME in o.get("data", {}) for o in c.outputs))
    later = [c for c in code[first_check + 1:] if "checks." not in c.source]
    assert later and all(c.execution_count is not None and c.outputs for c in later[:1])
    assert sum(bool(c.outputs) for c in later) >= 3
