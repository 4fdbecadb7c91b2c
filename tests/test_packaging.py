"""The project's install files agree with each other and with the README."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _environment_dependencies() -> tuple[set[str], list[str]]:
    conda, pip = set(), []
    in_pip = in_dependencies = False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw.startswith(" "):
            in_dependencies = line == "dependencies:"
            continue
        if not in_dependencies:
            continue
        item = line.strip()
        if item == "- pip:":
            in_pip = True
            continue
        if item.startswith("- "):
            value = item[2:].strip()
            if in_pip and raw.startswith(" " * 6):
                pip.append(value)
            else:
                in_pip = False
                conda.add(_name(value))
    return conda, pip


def test_environment_yml_and_pyproject_name_the_same_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    conda, pip = _environment_dependencies()
    conda -= {"python", "pip"}
    assert conda == runtime, (
        f"environment.yml lists {sorted(conda)} but pyproject.toml lists {sorted(runtime)}: "
        "keep them in step"
    )
    assert pip == ['-e ".[test]"'], f"environment.yml should install the package itself; got {pip}"


def test_environment_yml_pins_the_same_python_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    minimum = re.search(r">=\s*(\d+\.\d+)", project["requires-python"]).group(1)
    text = (ROOT / "environment.yml").read_text()
    assert f"python={minimum}" in text


def test_test_extra_has_the_test_tools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["optional-dependencies"]["test"]}
    assert {"pytest", "nbval", "hypothesis"} <= names


def test_readme_quick_start_matches_ci():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]" && jupyter lab notebooks/' in readme
    assert 'pip install --quiet -e ".[test]"' in ci
    assert "\npytest\n" in readme and "pytest -q" in ci
