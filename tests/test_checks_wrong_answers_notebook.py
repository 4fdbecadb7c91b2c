"""A wrong answer never breaks the rest of a notebook: notebooks whose solutions are replaced by
typical wrong answers (and one learner bug) run top to bottom, each check prints its FAIL or
ERROR line, emits its record, and every later cell still runs."""

import json
import re
from pathlib import Path

import pytest

from cnnlesson import classroom
from cnnlesson.checks import RECORD_MIME

ROOT = Path(__file__).resolve().parents[1]

#: notebook -> exercise title (as in the cell's "# Exercise ..." comment) -> the lines that
#: replace its solution block, the id of the check's record and the status it must record.
#: Keyed by title, so the test follows the notebooks as exercises are added or renumbered; a
#: solution block whose title is not listed keeps its solution (and its check must pass). The
#: second block of the Sobel-y cell (lr and steps) has its own entry, SOBEL_SETTINGS.
WRONG = {
    "01_filtering": {
        "Exercise 1.1: one output pixel by hand": (
            ["pixel = np.sum(small[0:3, 1:4] * kernel)  # the window centred on the pixel"],
            "1.1", "fail"),
        "Exercise 1.2: the two-loop filter": (
            ["return image * kernel  # a learner bug: the shapes do not broadcast"],
            "1.2", "error"),
        "Exercise 1.3: a horizontal-edge detector": (
            ["horizontal_kernel = '[[-1], [1]]'  # a string, not an array"], "1.3", "fail"),
        "Exercise 1.4: a kernel that compares neighbours": (
            ["neighbour_kernel = np.array([[0, 0, 0], [1, 0, -1], [0, 0, 0]])",
             "largest_column = 4", "smallest_column = '5'"], "1.4", "fail"),
    },
    "02_convolution": {
        "Exercise 2.1: convolution from a correlation and a flip": (
            ["return filters.correlate2d(image, kernel.T)  # transpose, not the flip"],
            "2.1", "fail"),
        "Exercise 2.2: which kernels does the flip leave unchanged?": (
            ["flip_invariant = {'sobel x', 'sobel y'}"], "2.2", "fail"),
        "Exercise 2.3: choose a geometry for 26 -> 13": (
            ["kernel_size = 3", "stride = 2", "padding = '0'"], "2.3", "fail"),
        "Exercise 2.4: a multi-channel convolution with loops": (
            ["return x  # a learner bug"], "2.4", "fail"),
        "Exercise 2.5: counting parameters": (
            ["params_a, params_b, params_c = 648, 1200.0, 'x'"], "2.5", "fail"),
    },
    "03_pooling": {
        "Exercise 3.1: pooling by hand": (
            ["max_pooled = np.zeros((2, 2))", "avg_pooled = '3'"], "3.1", "fail"),
        "Exercise 3.2: max pooling, forward": (
            ["return x[::size, ::size]  # subsampling, not a maximum"], "3.2", "fail"),
        "Exercise 3.3: which photo rows can move one value?": (
            ["rows_seen = (14, 15)  # the conv rows, not the photo rows",
             "next_rows_seen = (3, 5)"],
            "3.3", "fail"),
    },
    "04_backprop": {
        "Exercise 4.1: the kernel gradient with loops": (
            ["return dout  # the wrong shape"], "4.1", "fail"),
        "Exercise 4.2: a gradient check of your own": (
            ["return np.zeros(x.shape)"], "4.2", "fail"),
        "Exercise 4.3: dL/dX, a full convolution with the flipped kernel": (
            ["return filters.correlate2d(np.pad(dout, 2), kernel)  # no flip, one padding"],
            "4.3", "fail"),
        "Exercise 4.4: the weight gradient of a batch": (
            ["return x.sum(axis=0)[None] / len(x)  # junk"], "4.4", "fail"),
        "Exercise 4.5: max pooling backward, by hand, with a tie": (
            ["dx_by_hand = np.kron(checks.POOL_TIE_DOUT[0, 0], np.ones((2, 2)))"],
            "4.5", "fail"),
        "Exercise 4.6: learn Sobel-y from examples": (
            ["return kernel, 0.0  # no step, and a made-up loss"], "4.6", "fail"),
    },
    "05_classifier": {
        "Exercise 5.2: the gradient of softmax cross-entropy": (
            ["p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)",
             "return p - np.eye(logits.shape[1])[y]  # no 1/N, no max subtraction"],
            "5.2", "fail"),
        "Exercise 5.4: the loss before training": (
            ["loss_before = np.log(10)  # the textbook value, not measured",
             "uniform_loss = '2.3'"], "5.4", "fail"),
        "Exercise 5.6: overfit 50 digits": (
            ["fit(net50, X50, y50, epochs=2, batch_size=10,",
             "    optimizer=SGD(net50.parameters(), lr=1e-4), progress=False)"],
            "5.6", "fail"),
    },
}

#: The wrong answer of the Sobel-y cell's second solution block.
SOBEL_SETTINGS = ["lr_sobel = '0.1'", "steps_sobel = 1500.0"]

_TITLE = re.compile(r"^\s*#\s*(Exercise\b[^\n]*)", re.MULTILINE)


def _replace_solutions(source: str, wrong: dict) -> tuple[str, list]:
    """Replace each BEGIN/END block of ``source`` by the wrong answer for its exercise title;
    return the new source and the titles whose answers were replaced."""
    match = _TITLE.search(source)
    title = match.group(1).strip() if match else ""
    out, replaced, skipping, block = [], [], False, 0
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == classroom.BEGIN:
            answer = None
            if title in wrong:
                answer = wrong[title][0] if block == 0 else (
                    SOBEL_SETTINGS if "Sobel" in title else None)
            if answer is not None and block == 0:
                replaced.append(title)
            block += 1
            if answer is not None:
                indent = line[:len(line) - len(line.lstrip())]
                out.extend(indent + w for w in answer)
                skipping = True
                continue
            out.append(line)
        elif stripped == classroom.END:
            if not skipping:
                out.append(line)
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out), replaced


def _wrong_edition(path: Path, wrong: dict):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    replaced = []
    for cell in nb.cells:
        if cell.cell_type == "code" and classroom.BEGIN in cell.source:
            cell.source, keys = _replace_solutions(cell.source, wrong)
            replaced += keys
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb, replaced


@pytest.mark.parametrize("stem", sorted(WRONG))
def test_a_notebook_with_wrong_answers_runs_to_the_end(stem, tmp_path):
    nbclient = pytest.importorskip("nbclient")
    wrong = WRONG[stem]
    nb, replaced = _wrong_edition(ROOT / "notebooks" / f"{stem}.ipynb", wrong)
    assert len(replaced) >= 3, replaced  # the notebook still has its exercises
    statuses = {wrong[title][1]: wrong[title][2] for title in replaced}
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
    quiz_records = [r for r in records if r["kind"] in ("prediction", "quiz")]
    assert all(r["status"] == "not_attempted" for r in quiz_records), quiz_records  # still `...`
    records = [r for r in records if r["kind"] not in ("prediction", "quiz")]
    got = {r["id"]: r["status"] for r in records}
    assert {i: got.get(i) for i in statuses} == statuses
    assert all(status == "pass" for i, status in got.items() if i not in statuses), got
    assert all(r["notebook"] == stem and r["kind"] == "exercise" for r in records)
    for record in records:
        if record["status"] == "pass":
            continue
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


def test_wrong_answers_replace_blocks_by_title_including_renumbered_cells():
    import ast

    cell = ("# Exercise 1.4: a kernel that compares neighbours\nprint(checks.LINE_IMAGE)\n"
            "### BEGIN SOLUTION\nneighbour_kernel = np.eye(3)\nlargest_column = 3\n"
            "smallest_column = 5\n### END SOLUTION\n"
            "checks.right_minus_left(neighbour_kernel, largest_column, smallest_column)")
    source, replaced = _replace_solutions(cell, WRONG["01_filtering"])
    assert replaced == ["Exercise 1.4: a kernel that compares neighbours"]
    assert "largest_column = 4" in source and "np.eye(3)" not in source
    assert classroom.BEGIN not in source and classroom.END not in source
    ast.parse(source)

    sobel = ("# Exercise 4.6: learn Sobel-y from examples\n"
             "def my_update_step(kernel, x, y_target, lr):\n    ### BEGIN SOLUTION\n"
             "    return kernel - lr, 1.0\n    ### END SOLUTION\n\n\n"
             "### BEGIN SOLUTION\nlr_sobel = 0.1\nsteps_sobel = 1500\n### END SOLUTION\n"
             "checks.learn_sobel_y(my_update_step, lr_sobel, steps_sobel)")
    source, replaced = _replace_solutions(sobel, WRONG["04_backprop"])
    assert replaced == ["Exercise 4.6: learn Sobel-y from examples"]
    assert "    return kernel, 0.0" in source and "lr_sobel = '0.1'" in source
    ast.parse(source)

    unknown = "# Exercise 9.9: new\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n"
    source, replaced = _replace_solutions(unknown, WRONG["04_backprop"])
    assert replaced == [] and source == unknown
