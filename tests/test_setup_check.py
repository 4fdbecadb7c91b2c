"""The setup check of notebook 00: one deterministic line per check, clear fixes when
something is missing or too old."""

import importlib.metadata
import sys
import tomllib
import types
from pathlib import Path

import ipywidgets
import matplotlib.pyplot as plt
import pytest

from cnnlesson import setup_check
from cnnlesson.setup_check import CheckResult

ROOT = Path(__file__).resolve().parents[1]


def test_run_prints_one_deterministic_line_per_check(capsys):
    results = setup_check.run()
    out = capsys.readouterr().out.splitlines()
    assert all(r.ok for r in results), [r.line() for r in results if not r.ok]
    assert out == [
        "ok  Python >= 3.11",
        "ok  numpy",
        "ok  matplotlib",
        "ok  pillow",
        "ok  ipywidgets",
        "ok  jupyterlab",
        "ok  course modules",
        "ok  digits data",
        "ok  course photo",
        "ok  widgets",
        f"All {len(results)} checks passed: you are ready to start.",
    ]


def test_minimum_versions_agree_with_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = {}
    for dep in deps:
        name, _, minimum = dep.partition(">=")
        declared[name.strip().lower()] = minimum.strip()
    assert declared == {dist: minimum for dist, (_, minimum) in
                        setup_check.MINIMUM_VERSIONS.items()}


def test_minimum_python_agrees_with_pyproject():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=" + ".".join(map(str, setup_check.MINIMUM_PYTHON))


@pytest.mark.parametrize(("text", "expected"), [
    ("2.4.0", (2, 4, 0)), ("2.4.0rc1", (2, 4, 0)), ("10", (10,)), ("3.11.2.post1", (3, 11, 2)),
    ("dev", ()),
])
def test_version_tuple(text, expected):
    assert setup_check._version_tuple(text) == expected


def test_old_python_is_a_problem_with_a_fix():
    result = setup_check.check_python((3, 10, 4))
    assert not result.ok
    assert result.line() == (
        "PROBLEM  Python >= 3.11: this kernel runs Python 3.10\n"
        "  fix: install Python 3.11 or newer, create a fresh virtual environment with it, "
        "install the course there and choose that kernel")
    assert setup_check.check_python((3, 11, 0)).ok
    assert setup_check.check_python((4, 0)).ok


def test_missing_package_is_a_problem_with_a_fix():
    result = setup_check.check_package("nopackage", "no_such_module_xyz", "1.0")
    assert not result.ok
    assert result.line().startswith("PROBLEM  nopackage: cannot import no_such_module_xyz")
    assert 'fix: pip install --upgrade "nopackage>=1.0", then restart the kernel' in result.line()


def test_old_package_is_a_problem(monkeypatch):
    monkeypatch.setitem(sys.modules, "fake_old_pkg", types.SimpleNamespace(__version__="1.20.3"))
    result = setup_check.check_package("fake-old", "fake_old_pkg", "1.26")
    assert result == CheckResult("fake-old", False,
                                 "version 1.20.3 is too old; the course needs >= 1.26",
                                 'pip install --upgrade "fake-old>=1.26", then restart the '
                                 "kernel")
    monkeypatch.setitem(sys.modules, "fake_new_pkg", types.SimpleNamespace(__version__="1.26"))
    assert setup_check.check_package("fake-new", "fake_new_pkg", "1.26").ok


def test_package_without_version_is_a_problem(monkeypatch):
    monkeypatch.setitem(sys.modules, "fake_versionless", types.SimpleNamespace())
    result = setup_check.check_package("fake-versionless-dist", "fake_versionless", "1")
    assert not result.ok and "version cannot be found" in result.problem


def test_broken_course_module_is_reported(monkeypatch):
    monkeypatch.setattr(setup_check, "COURSE_MODULES", ("images", "no_such_module"))
    result = setup_check.check_modules()
    assert not result.ok
    assert result.problem.startswith("cannot import cnnlesson.no_such_module (ModuleNotFoundError")
    assert 'pip install -e ".[test]"' in result.fix


def test_missing_data_is_reported(monkeypatch):
    from cnnlesson import datasets

    def missing(path=None):
        raise FileNotFoundError("no digits file at data/digits.npz")

    monkeypatch.setattr(datasets, "load_digits", missing)
    result = setup_check.check_data()
    assert not result.ok
    assert result.problem == "FileNotFoundError: no digits file at data/digits.npz"
    assert "data/digits.npz" in result.fix


def test_missing_photo_is_reported(monkeypatch):
    from cnnlesson import images

    def missing(size=None):
        raise FileNotFoundError("grace_hopper.jpg not found")

    monkeypatch.setattr(images, "load_photo", missing)
    result = setup_check.check_photo()
    assert not result.ok and "grace_hopper.jpg" in result.problem
    assert "matplotlib" in result.fix


def test_missing_widget_front_end_is_reported(monkeypatch):
    real_version = importlib.metadata.version

    def version(dist):
        if dist in ("jupyterlab_widgets", "widgetsnbextension"):
            raise importlib.metadata.PackageNotFoundError(dist)
        return real_version(dist)

    monkeypatch.setattr(importlib.metadata, "version", version)
    result = setup_check.check_widgets()
    assert not result.ok
    assert "widgets would show as plain text" in result.problem


def test_run_reports_problems_in_the_summary(monkeypatch, capsys):
    fake = [CheckResult("Python >= 3.11", False, "this kernel runs Python 3.9",
                        "install Python 3.11"), CheckResult("numpy", True)]
    monkeypatch.setattr(setup_check, "_all_checks", lambda: fake)
    assert setup_check.run() == fake
    assert capsys.readouterr().out.splitlines() == [
        "PROBLEM  Python >= 3.11: this kernel runs Python 3.9",
        "  fix: install Python 3.11",
        "ok  numpy",
        "1 problem(s) found: follow the fix lines above, restart the kernel and run this cell "
        "again.",
    ]


def test_versions_lists_python_and_the_packages():
    found = setup_check.versions()
    assert list(found) == ["python", "cnnlesson", *setup_check.MINIMUM_VERSIONS]
    assert found["python"] == ".".join(map(str, sys.version_info[:3]))
    assert found["numpy"] == importlib.metadata.version("numpy")


def test_brightness_demo_builds_a_slider_that_redraws():
    import base64
    import io

    import numpy as np
    from PIL import Image

    def shown(out):
        (output,) = out.outputs
        png = base64.b64decode(output["data"]["image/png"])
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)
        return output["data"]["text/plain"], pixels

    box = setup_check.brightness_demo(np.full((4, 4, 3), 0.5), value=1.0)
    slider, out = box.children
    assert isinstance(slider, ipywidgets.FloatSlider) and isinstance(out, ipywidgets.Output)
    assert slider.description == "brightness" and slider.value == 1.0
    text, before = shown(out)
    assert text == "<photo with brightness 1.00>"
    slider.value = 1.5
    text, after = shown(out)
    assert text == "<photo with brightness 1.50>"
    # The photo is a gray square (0.5) on a white figure; at brightness 1.5 it becomes 0.75.
    def share(pixels, level):
        return np.mean(np.abs(pixels - 255 * level) <= 2)

    assert share(before, 0.5) > 0.3 and share(before, 0.75) < 0.01
    assert share(after, 0.75) > 0.3 and share(after, 0.5) < 0.01
    assert plt.get_fignums() == []  # no pyplot figure left behind


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"value": 2.0}, ValueError, r"value must be a number in \[0, 1.5\]; got 2.0"),
    ({"value": "1"}, ValueError, "value must be a number"),
    ({"photo": [[0.5]]}, TypeError, "photo must be a numpy array"),
])
def test_brightness_demo_refuses_bad_input(kwargs, error, match):
    import numpy as np

    kwargs.setdefault("photo", np.zeros((4, 4)))
    with pytest.raises(error, match=match):
        setup_check.brightness_demo(**kwargs)


def test_practice_double_shows_the_three_outcomes(capsys):
    assert setup_check.practice_double(lambda x: 2 * x).passed is True
    assert capsys.readouterr().out == ("PASS Practice: double a number: double(x) == 2 * x for "
                                       "2, 3, -1.5 and 0\n")

    def stub(x):
        raise NotImplementedError("Practice: write your answer here")

    assert setup_check.practice_double(stub).passed is False
    assert capsys.readouterr().out.startswith("[not attempted yet] Practice: double a number")
    assert setup_check.practice_double(...).passed is False
    capsys.readouterr()
    assert setup_check.practice_double(lambda x: x + 2).status == "fail"
    assert capsys.readouterr().out.startswith(
        "FAIL Practice: double a number: double(3) is not right: got 5, expected 6. Doubling "
        "means multiplying by 2")
