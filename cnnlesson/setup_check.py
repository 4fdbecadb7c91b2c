"""Check that a learner's computer is ready for the course.

``cnnlesson.setup_check.run()`` checks Python, the packages the course needs and their minimum
versions, that every module of the course imports, that the digits data and the course photo
are found, and that widgets can be built. It prints one line per check, ``ok  <what>`` or
``PROBLEM  <what>: <what is wrong>`` followed by ``  fix: <what to do>``, and a summary line.
Versions are not printed by :func:`run` (so the output is the same on every computer); use
:func:`versions` to see them.

Also from the command line: ``python -m cnnlesson.setup_check``.
"""

from __future__ import annotations

import base64
import importlib
import importlib.metadata
import io
import re
import sys
from typing import NamedTuple

__all__ = [
    "MINIMUM_PYTHON",
    "MINIMUM_VERSIONS",
    "COURSE_MODULES",
    "CheckResult",
    "check_python",
    "check_package",
    "check_modules",
    "check_data",
    "check_photo",
    "check_widgets",
    "run",
    "versions",
    "brightness_demo",
    "practice_double",
]

#: The oldest Python the course supports.
MINIMUM_PYTHON = (3, 11)

#: Distribution name -> (module to import, oldest supported version). Must agree with the
#: ``dependencies`` of ``pyproject.toml`` (a test checks it).
MINIMUM_VERSIONS: dict[str, tuple[str, str]] = {
    "numpy": ("numpy", "1.26"),
    "matplotlib": ("matplotlib", "3.8"),
    "pillow": ("PIL", "10"),
    "ipywidgets": ("ipywidgets", "8"),
    "jupyterlab": ("jupyterlab", "4"),
}

#: The course's modules, all of which must import.
COURSE_MODULES = ("images", "filters", "functional", "gradcheck", "layers", "model", "optim",
                  "train", "datasets", "viz", "widgets", "checks")

_INSTALL_FIX = ('from the course folder run: pip install -e ".[test]" '
                "(then restart the kernel: Kernel > Restart Kernel)")


class CheckResult(NamedTuple):
    """The outcome of one check.

    Attributes
    ----------
    name : str
        What was checked, e.g. ``"numpy"``.
    ok : bool
        Whether it is fine.
    problem : str
        What is wrong ("" when ok).
    fix : str
        What to do about it ("" when ok).
    """

    name: str
    ok: bool
    problem: str = ""
    fix: str = ""

    def line(self) -> str:
        """The line :func:`run` prints for this check."""
        if self.ok:
            return f"ok  {self.name}"
        text = f"PROBLEM  {self.name}: {self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


def _version_tuple(version: str) -> tuple[int, ...]:
    """Leading numeric release of a version string: ``"2.4.0rc1"`` -> ``(2, 4, 0)``."""
    match = re.match(r"\d+(\.\d+)*", version.strip())
    if not match:
        return ()
    return tuple(int(p) for p in match.group(0).split("."))


def check_python(version_info=None) -> CheckResult:
    """Python must be at least :data:`MINIMUM_PYTHON`.

    Parameters
    ----------
    version_info : tuple of int, optional
        ``(major, minor, ...)``; default ``sys.version_info``.

    Introduced in notebook 00_start_here.
    """
    info = tuple(sys.version_info if version_info is None else version_info)[:2]
    need = ".".join(map(str, MINIMUM_PYTHON))
    name = f"Python >= {need}"
    if info >= MINIMUM_PYTHON:
        return CheckResult(name, True)
    have = ".".join(map(str, info))
    return CheckResult(name, False, f"this kernel runs Python {have}",
                       f"install Python {need} or newer, create a fresh virtual environment with "
                       "it, install the course there and choose that kernel")


def check_package(dist: str, module: str, minimum: str) -> CheckResult:
    """A package must import and be at least version ``minimum``.

    Parameters
    ----------
    dist : str
        Its name on PyPI, e.g. ``"pillow"``.
    module : str
        The module it provides, e.g. ``"PIL"``.
    minimum : str
        The oldest version that works, e.g. ``"10"``.

    Introduced in notebook 00_start_here.
    """
    fix = f'pip install --upgrade "{dist}>={minimum}", then restart the kernel'
    try:
        mod = importlib.import_module(module)
    except ImportError as err:
        return CheckResult(dist, False, f"cannot import {module} ({err})", fix)
    version = getattr(mod, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = None
    if version is None:
        return CheckResult(dist, False, "installed, but its version cannot be found", fix)
    if _version_tuple(version) < _version_tuple(minimum):
        return CheckResult(dist, False, f"version {version} is too old; the course needs "
                                        f">= {minimum}", fix)
    return CheckResult(dist, True)


def check_modules() -> CheckResult:
    """Every module of the course (:data:`COURSE_MODULES`) must import.

    Introduced in notebook 00_start_here.
    """
    failed = []
    for name in COURSE_MODULES:
        try:
            importlib.import_module(f"cnnlesson.{name}")
        except Exception as err:  # any failure at import time is worth reporting
            failed.append(f"cnnlesson.{name} ({type(err).__name__}: {err})")
    if failed:
        return CheckResult("course modules", False, "cannot import " + "; ".join(failed),
                           _INSTALL_FIX)
    return CheckResult("course modules", True)


def check_data() -> CheckResult:
    """The handwritten digits (``data/digits.npz``) must load, 4000 train + 1000 test.

    Introduced in notebook 00_start_here.
    """
    name = "digits data"
    try:
        from .datasets import load_digits

        (x_train, _), (x_test, _) = load_digits()
    except Exception as err:
        return CheckResult(name, False, f"{type(err).__name__}: {err}",
                           "the file data/digits.npz comes with the course; get a fresh copy of "
                           "the course folder (do not edit or move data/)")
    if x_train.shape != (4000, 1, 26, 26) or x_test.shape != (1000, 1, 26, 26):
        return CheckResult(name, False, f"unexpected shapes {x_train.shape} and {x_test.shape}",
                           "get a fresh copy of data/digits.npz from the course folder")
    return CheckResult(name, True)


def check_photo() -> CheckResult:
    """The course photo (matplotlib's ``grace_hopper.jpg``) must load as (600, 512, 3).

    Introduced in notebook 00_start_here.
    """
    name = "course photo"
    try:
        from .images import load_photo

        photo = load_photo()
    except Exception as err:
        return CheckResult(name, False, f"{type(err).__name__}: {err}",
                           "the photo ships with matplotlib: pip install --force-reinstall "
                           "matplotlib")
    if photo.shape != (600, 512, 3):
        return CheckResult(name, False, f"unexpected shape {photo.shape}",
                           "pip install --force-reinstall matplotlib")
    return CheckResult(name, True)


def check_widgets() -> CheckResult:
    """ipywidgets must build a widget, and its browser part must be installed.

    The browser part is ``jupyterlab_widgets`` (JupyterLab) or ``widgetsnbextension``
    (classic Notebook); without it widgets show up as plain text. Whether your browser really
    draws them, only your eyes can tell: see the slider in notebook 00.

    Introduced in notebook 00_start_here.
    """
    name = "widgets"
    fix = 'pip install --upgrade "ipywidgets>=8", then reload the browser page'
    try:
        import ipywidgets

        slider = ipywidgets.IntSlider(value=1, min=0, max=2)
        slider.close()
    except Exception as err:
        return CheckResult(name, False, f"cannot build a widget ({type(err).__name__}: {err})",
                           fix)
    for front_end in ("jupyterlab_widgets", "widgetsnbextension"):
        try:
            importlib.metadata.version(front_end)
            return CheckResult(name, True)
        except importlib.metadata.PackageNotFoundError:
            continue
    return CheckResult(name, False, "the browser part of ipywidgets (jupyterlab_widgets) is "
                                    "missing, so widgets would show as plain text", fix)


def _all_checks() -> list[CheckResult]:
    results = [check_python()]
    results += [check_package(dist, module, minimum)
                for dist, (module, minimum) in MINIMUM_VERSIONS.items()]
    results += [check_modules(), check_data(), check_photo(), check_widgets()]
    return results


def run() -> list[CheckResult]:
    """Run every check, print one line each and a summary; return the results.

    Returns
    -------
    list of CheckResult
        One per check, in the printed order.

    Introduced in notebook 00_start_here.
    """
    results = _all_checks()
    for result in results:
        print(result.line())
    problems = sum(not r.ok for r in results)
    if problems:
        print(f"{problems} problem(s) found: follow the fix lines above, restart the kernel "
              "and run this cell again.")
    else:
        print(f"All {len(results)} checks passed: you are ready to start.")
    return results


def versions() -> dict[str, str]:
    """Versions of Python and of the course's packages, for a bug report.

    Returns
    -------
    dict
        ``{"python": "3.11.9", "numpy": "2.4.0", ...}``; "not installed" when missing.

    Introduced in notebook 00_start_here.
    """
    found = {"python": ".".join(map(str, sys.version_info[:3]))}
    for dist in ("cnnlesson", *MINIMUM_VERSIONS):
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def brightness_demo(photo=None, *, value: float = 1.0):
    """A tiny widget to try out: a slider that sets the brightness of the course photo.

    Moving the slider multiplies every pixel value by the slider's value and redraws the
    picture. It shows how every widget of the course works: you change a control, Python runs
    again and the figure updates.

    Parameters
    ----------
    photo : numpy.ndarray, optional
        (H, W, 3) or (H, W) image with values in [0, 1]; default the course photo at 128x128.
    value : float, keyword-only
        Starting brightness factor, in [0, 1.5].

    Returns
    -------
    ipywidgets.VBox
        The slider above an output area with the picture (a
        :class:`cnnlesson.widgets.StillBox`).

    Introduced in notebook 00_start_here.
    """
    import ipywidgets
    import numpy as np
    from matplotlib.figure import Figure

    from ._validate import check_finite, fail
    from .images import _check_image, load_photo, to_float

    if photo is None:
        photo = load_photo(size=128)
    _check_image(photo, "photo", channels=(1, 3, 4),
                 hint="one picture, (H, W) gray or (H, W, 3) colour, e.g. load_photo(size=128)")
    photo = to_float(photo)   # uint8 0..255 -> 0..1; other dtypes get a clear error
    check_finite(photo, "photo", "NaN or inf cannot be drawn; fix them first")
    if photo.ndim == 3:
        photo = photo[:, :, 0] if photo.shape[2] == 1 else photo[:, :, :3]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or \
            not 0.0 <= value <= 1.5:
        fail(ValueError, "value", "a number in [0, 1.5]", repr(value))
    slider = ipywidgets.FloatSlider(value=float(value), min=0.0, max=1.5, step=0.25,
                                    description="brightness", continuous_update=False)
    out = ipywidgets.Output()

    def draw(*_):
        # The picture is stored in the output area as PNG data (no capture of printed
        # output), so it looks the same in every front end and in saved notebooks.
        fig = Figure(figsize=(3.2, 3.2), dpi=72, layout="constrained")
        ax = fig.subplots()
        ax.imshow(np.clip(photo * slider.value, 0.0, 1.0),
                  cmap=None if photo.ndim == 3 else "gray", vmin=0.0, vmax=1.0,
                  interpolation="nearest")
        ax.set_title(f"pixels x {slider.value:.2f}")
        ax.set_axis_off()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                                 "text/plain": f"<photo with brightness {slider.value:.2f}>"}},)

    slider.observe(draw, names="value")
    draw()
    from .widgets import StillBox  # a VBox saved with a still picture and a note to run it

    return StillBox([slider, out])


def _practice_double(double):
    from .checks import call, expect_close

    for x in (2.0, 3.0, -1.5, 0.0):
        expect_close(call(double, x), 2 * x, what=f"double({x:g})",
                     hint="Doubling means multiplying by 2: return 2 * x.")
    return "double(x) == 2 * x for 2, 3, -1.5 and 0"


def practice_double(double):
    """A practice check (not a course exercise): is ``double(x) == 2 * x``?

    It behaves like every checker of the course: it prints one ``PASS`` line, prints
    ``[not attempted yet] ...`` for a function that raises ``NotImplementedError`` (or for
    ``...``), or prints ``FAIL ...`` with a hint (it never raises).

    Parameters
    ----------
    double : callable
        ``double(x) -> 2 * x`` for a number ``x``.

    Returns
    -------
    bool
        True on PASS, False when not attempted.

    Introduced in notebook 00_start_here.
    """
    from .checks import exercise

    return exercise("Practice: double a number", notebook="00_start_here")(_practice_double)(double)


if __name__ == "__main__":
    sys.exit(0 if all(r.ok for r in run()) else 1)
