"""Build ``data/course_exercises.json``: the exercises of every course notebook.

The class report (``python -m cnnlesson.classroom report``) needs the list of
exercises of each notebook to tell "not attempted" or "missing" from "not an
exercise". In a checkout it reads ``notebooks/``; an installed package (a wheel)
has no notebooks, so it reads this file instead, which ships inside the wheel.

The file holds ``cnnlesson._report_inputs.course_exercises("notebooks")``: for
each notebook, its exercises, predictions and questionnaire questions in order,
``{"id", "kind", "title"}`` each. ``tests/test_report.py`` checks that it still
matches the notebooks; after adding, renaming or removing an exercise, run::

    python data/make_course_exercises.py      # reads notebooks/, rewrites the file

The file is written atomically; an existing file is replaced only if it is one
this script made (its ``format`` marker).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUTPUT = HERE / "course_exercises.json"


def _is_index_file(path: Path, marker: str) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("format") == marker
    except Exception:  # noqa: BLE001 - anything unreadable is "not ours"
        return False


def build(output: Path = DEFAULT_OUTPUT, notebooks: Path = ROOT / "notebooks") -> dict:
    """Write the exercise list of ``notebooks`` to ``output``; return what was written."""
    from cnnlesson._io import atomic_write_text
    from cnnlesson._report_inputs import COURSE_INDEX_FORMAT, course_exercises

    output, notebooks = Path(output), Path(notebooks)
    if output.exists() and not _is_index_file(output, COURSE_INDEX_FORMAT):
        raise SystemExit(f"{output} exists and is not a course exercise list; refusing to "
                         "overwrite it (choose another --output)")
    exercises = course_exercises(notebooks)
    if not exercises:
        raise SystemExit(f"no course notebooks (NN_name.ipynb) in {notebooks}")
    index = {"format": COURSE_INDEX_FORMAT, "made_by": "data/make_course_exercises.py",
             "notebooks": exercises}
    atomic_write_text(output, json.dumps(index, indent=1, ensure_ascii=False) + "\n")
    return index


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    index = build(args.output, args.notebooks)
    counts = ", ".join(f"{stem} {len(items)}" for stem, items in index["notebooks"].items())
    print(f"wrote {args.output}: {counts}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # a plain checkout works without installing the package
    sys.exit(main())
