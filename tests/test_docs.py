"""The documentation points at things that exist."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONCEPT_MAP = ROOT / "docs" / "concept-map.md"


def _headings(notebook: Path) -> set[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#"):
                    found.add(line.lstrip("#").strip())
    return found


def _concept_rows():
    rows = []
    for line in CONCEPT_MAP.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| idea") or line.startswith("| ---"):
            continue
        idea, where = line.strip("| ").split(" | ", 1)
        for part in where.split("; "):
            name = re.search(r"\[([0-9]{2}_[a-z_]+\.ipynb)\]", part).group(1)
            sections = re.findall(r'"((?:[^"\\]|\\.)+)"', part)
            rows.append((idea, name, [s.replace('\\"', '"') for s in sections]))
    return rows


ROWS = _concept_rows()


def test_concept_map_covers_every_notebook_of_the_course():
    named = {name for _, name, _ in ROWS}
    assert named == {p.name for p in (ROOT / "notebooks").glob("0[1-6]_*.ipynb")}


@pytest.mark.parametrize(("idea", "name", "sections"), ROWS, ids=[r[0][:40] for r in ROWS])
def test_concept_map_sections_exist(idea, name, sections):
    path = ROOT / "notebooks" / name
    assert path.exists(), f"{name} does not exist"
    assert sections, f"no section named for {idea!r}"
    missing = [s for s in sections if s not in _headings(path)]
    assert not missing, f"{name} has no heading {missing} (concept map row {idea!r})"


def test_readme_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" not in target:
            assert (ROOT / target).exists(), f"README.md links to missing {target}"
