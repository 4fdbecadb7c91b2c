"""The project's install files agree with each other and with the README."""

import os
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


# ------------------------------------------------------------------------------------------------
# the wheel ships the data (an installed package, not only a checkout, must find it)
# ------------------------------------------------------------------------------------------------

def _shipped_data_files() -> list[str]:
    """Every file of data/ that the wheel must carry (the patterns of pyproject's package-data)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["cnnlesson.data"]
    return sorted({p.name for pat in patterns for p in (ROOT / "data").glob(pat)})


def test_every_package_is_listed_and_data_is_mapped():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "cnnlesson").rglob("__init__.py")}
    assert found | {"cnnlesson.data"} == set(config["packages"]), (
        "a package under cnnlesson/ is missing from [tool.setuptools] packages in pyproject.toml")
    assert config["package-dir"] == {"cnnlesson.data": "data"}
    assert {"digits.npz", "digits_model.npz"} <= set(_shipped_data_files())
    assert (ROOT / "data" / "__init__.py").is_file()


def test_a_built_wheel_installed_in_a_fresh_venv_finds_all_its_data(tmp_path):
    """Build the wheel from a copy of the sources, install it (no editable mode) into a new
    virtualenv without the system's packages, and load everything from another folder.

    The runtime dependencies are not reinstalled (no network, and it would take minutes): a
    .pth file points the new environment at this environment's site-packages *directory*,
    which holds them; .pth files there (such as an editable install of cnnlesson) are not
    processed, so the only cnnlesson the new environment sees is the one from the wheel.
    """
    import shutil
    import site
    import subprocess
    import sys
    import zipfile

    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in ("cnnlesson", "data"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(dist), str(src)], check=True, cwd=tmp_path)
    (wheel,) = dist.glob("cnnlesson-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = _shipped_data_files()
    missing = [n for n in shipped if f"cnnlesson/data/{n}" not in names]
    assert not missing, f"the wheel lacks {missing}"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, cwd=tmp_path)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = [p for p in site.getsitepackages() if "site-packages" in p]
    Path(purelib, "course_dependencies.pth").write_text("\n".join(deps) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = f"""
import json, numpy as np
from importlib.resources import files
import cnnlesson
from cnnlesson import datasets, images
assert cnnlesson.__file__.startswith({purelib!r}), cnnlesson.__file__
assert str(datasets.DIGITS_PATH).startswith({purelib!r}), datasets.DIGITS_PATH
(X, y), (Xt, yt) = datasets.load_digits()
assert X.shape == (4000, 1, 26, 26) and Xt.shape == (1000, 1, 26, 26)
assert images.load_photo().shape == (600, 512, 3)
for name in {shipped!r}:
    path = files("cnnlesson.data") / name
    if name.endswith(".npz"):
        with np.load(path, allow_pickle=False) as npz:
            assert len(npz.files) > 0, name
    elif name.endswith(".json"):
        json.loads(path.read_text())
    else:
        assert path.read_bytes(), name
try:
    from cnnlesson import pretrained
except ImportError:
    pretrained = None
if pretrained is not None and (files("cnnlesson.data") / "digits_model.npz").is_file():
    model = pretrained.load_digits_model()
    assert model.predict(Xt[:8]).shape == (8,)
from cnnlesson import report
assert report._default_course() is None  # no notebooks/ here: the shipped list is used
assert "05_classifier" in report.shipped_course_exercises()
print("ok", len({shipped!r}))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    run = subprocess.run([str(python), "-c", script], cwd=elsewhere, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"ok {len(shipped)}"
