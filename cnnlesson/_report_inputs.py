"""What a class report reads: the course's exercises, and the notebooks the students handed in.

See :mod:`cnnlesson.report` for the layouts of a submissions folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RECORD_MIME", "ReportError", "Submission", "course_exercises", "find_submissions",
           "read_records"]

RECORD_MIME = "application/vnd.cnnlesson.check+json"
_COURSE_STEM = re.compile(r"(?<![0-9A-Za-z])(\d\d_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)")
_TITLE = re.compile(r"^[ \t]*#[ \t]*((?:Exercise|Prediction|Quiz)[ \t]+(\d+(?:\.\d+)*[a-z]?)"
                    r"[ \t]*:[^\n]*)", re.MULTILINE | re.IGNORECASE)
_SEP = "-_ .,"


class ReportError(ValueError):
    """The report cannot be made (bad folders, unsafe output); the message says why."""


@dataclass(frozen=True)
class Submission:
    """One notebook handed in by one student."""

    student: str
    path: Path
    notebook: str  # the course notebook's stem it was matched to by name, or its own stem


# ---------------------------------------------------------------------------
# what the course expects, and what was handed in
# ---------------------------------------------------------------------------

def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read_records(nb: dict) -> list[dict]:
    """The check records a notebook's outputs hold, in order.

    Parameters
    ----------
    nb : dict
        A notebook (nbformat 4 dict).

    Returns
    -------
    list of dict
        Every ``application/vnd.cnnlesson.check+json`` payload that has an ``id`` and a
        ``status``, each with ``"cell"`` (the index of the cell that displayed it) added.
    """
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            record = (out.get("data") or {}).get(RECORD_MIME) if isinstance(out, dict) else None
            if isinstance(record, str):
                try:
                    record = json.loads(record)
                except ValueError:
                    continue
            if isinstance(record, dict) and record.get("id") and record.get("status"):
                found.append({**record, "cell": index})
    return found


def course_exercises(course) -> dict[str, list[dict]]:
    """The exercises of each course notebook, in order: ``{stem: [{id, kind, title}, ...]}``.

    Read from the records saved in the course's (executed) notebooks and from the
    ``# Exercise N.k: title`` lines of their code cells.

    Parameters
    ----------
    course : str or pathlib.Path or None
        The folder of the course's notebooks; None gives ``{}``.

    Returns
    -------
    dict
    """
    if course is None or not Path(course).is_dir():
        return {}
    result = {}
    for path in sorted(Path(course).glob("[0-9][0-9]_*.ipynb")):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found: dict[str, dict] = {}
        for record in read_records(nb):
            if record.get("notebook", path.stem) == path.stem:
                found.setdefault(str(record["id"]), {"id": str(record["id"]),
                                                     "kind": record.get("kind", "exercise"),
                                                     "title": record.get("title", "")})
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            for match in _TITLE.finditer(_source(cell)):
                kind = match.group(1).split()[0].lower()
                found.setdefault(match.group(2), {"id": match.group(2), "kind": kind,
                                                  "title": match.group(1).strip()})
        result[path.stem] = sorted(found.values(), key=lambda e: _id_key(e["id"]))
    return result


#: The ``format`` marker of ``course_exercises.json`` (see :func:`shipped_course_exercises`).
COURSE_INDEX_FORMAT = "cnnlesson course exercises 1"
#: The file, in the package's data, that :func:`shipped_course_exercises` reads.
COURSE_INDEX_NAME = "course_exercises.json"


def shipped_course_exercises() -> dict[str, list[dict]]:
    """:func:`course_exercises` of the course's notebooks, as shipped with the package.

    An installed cnnlesson (a wheel, not a checkout) has no ``notebooks/`` folder; the
    class report then takes the list of exercises from ``course_exercises.json``, which
    ``data/make_course_exercises.py`` writes from the notebooks (a test keeps the two
    equal). ``{}`` if the file is missing or unreadable.
    """
    from .datasets import data_path

    try:
        index = json.loads(data_path(COURSE_INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(index, dict) or index.get("format") != COURSE_INDEX_FORMAT:
        return {}
    return index.get("notebooks") or {}


def _id_key(ident: str) -> tuple:
    """``"1.10"`` sorts after ``"1.9"``; non-numeric parts after numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(ident).split("."))


def _match_stem(stem: str, course_stems) -> str | None:
    """The course notebook a file stem names: exactly, inside a longer name, or by number."""
    for course in sorted(course_stems, key=len, reverse=True):
        if course in stem:
            return course
    match = _COURSE_STEM.search(stem)
    if match:
        number = match.group(1)[:2]
        same = [c for c in course_stems if c[:2] == number]
        if len(same) == 1:
            return same[0]
        return match.group(1)
    return None


def _split_name(stem: str, course_stems) -> tuple[str, str] | None:
    """``01_filtering-alice`` or ``alice_01_filtering`` -> (student, notebook)."""
    for course in sorted(course_stems, key=len, reverse=True):
        if stem.startswith(course) and stem[len(course):len(course) + 1] in set(_SEP):
            return stem[len(course):].strip(_SEP), course
        if stem.endswith(course) and stem[-len(course) - 1:-len(course)] in set(_SEP):
            return stem[:-len(course)].strip(_SEP), course
    match = re.match(r"^(\d\d_[A-Za-z0-9_]+?)[-. ]+(.+)$", stem) or None
    if match:
        return match.group(2).strip(_SEP), match.group(1)
    match = re.match(r"^(.+?)[-_. ]+(\d\d_[A-Za-z0-9_]+)$", stem)
    if match:
        return match.group(1).strip(_SEP), match.group(2)
    return None


def find_submissions(folder, course_stems=()) -> tuple[list[Submission], list[str]]:
    """The notebooks handed in, one per student and notebook, and notes on what was skipped.

    Parameters
    ----------
    folder : str or pathlib.Path
        The submissions folder (layouts: see the module's documentation).
    course_stems : collection of str
        The course notebooks' stems, e.g. ``{"01_filtering"}``, to match file names.

    Returns
    -------
    (list of Submission, list of str)

    Raises
    ------
    ReportError
        If the folder does not exist or holds no notebook.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"submissions must be an existing folder; got {str(folder)!r}, which "
                          f"{'is a file' if folder.exists() else 'does not exist'}. Hint: put "
                          "one folder per student (or files named like 01_filtering-alice.ipynb)"
                          " in one folder")
    notes: list[str] = []
    found: dict[tuple[str, str], list[Path]] = {}

    def hidden(path: Path) -> bool:
        return any(part.startswith(".") for part in path.relative_to(folder).parts)

    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            books = sorted(p for p in path.rglob("*.ipynb") if not hidden(p) and p.is_file())
            if not books:
                notes.append(f"{path.name}/: no notebook inside, skipped")
            for book in books:
                stem = _match_stem(book.stem, course_stems) or book.stem
                found.setdefault((path.name, stem), []).append(book)
        elif path.suffix == ".ipynb":
            split = _split_name(path.stem, course_stems)
            if split is None or not split[0]:
                notes.append(f"{path.name}: cannot tell the student from the file name, "
                             "skipped (use a folder per student, or name it like "
                             "01_filtering-alice.ipynb)")
                continue
            found.setdefault(split, []).append(path)
        else:
            notes.append(f"{path.name}: not a notebook, skipped")
    if not found:
        raise ReportError(f"submissions must hold notebooks; got none in {str(folder)!r}. "
                          "Hint: one folder per student with their .ipynb files inside")
    subs = []
    for (student, stem), paths in sorted(found.items()):
        if len(paths) > 1:
            paths.sort(key=lambda p: (p.stat().st_mtime, str(p)))
            notes.append(f"{student}: {len(paths)} files for {stem}; the newest is used: "
                         f"{paths[-1].relative_to(folder)}")
        subs.append(Submission(student, paths[-1], stem))
    return subs, notes


# ---------------------------------------------------------------------------
