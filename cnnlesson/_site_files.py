"""Where the course site writes: only files it created, recorded in a manifest; local MathJax.

The site lists every name it writes in ``.cnnlesson-site.json`` in its output folder before
writing it, and refuses to write over anything that is not listed there, so a rebuild replaces
its own pages and ``mathjax/`` copy and never deletes or overwrites a file of yours.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ._io import atomic_write_text

#: Folder of the site that holds the local MathJax copy.
MATHJAX_DIR = "mathjax"
#: File in the output folder listing what the site created (and so may replace).
MANIFEST = ".cnnlesson-site.json"
_MATHJAX_SKIP = ("docs", "test", "unpacked")


class SiteError(RuntimeError):
    """The site cannot be built (missing notebooks or a missing package); the message says why."""


def mathjax_source() -> Path:
    """The folder of MathJax 2.7 files shipped by ``jupyter-server-mathjax``.

    Raises
    ------
    SiteError
        If the package is not installed.
    """
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise SiteError('the site needs the package jupyter-server-mathjax (a local copy of '
                        'MathJax, so that equations show without a network connection); it is '
                        'not installed. Hint: pip install -e ".[site]"') from None
    static = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (static / "MathJax.js").is_file():
        raise SiteError(f"jupyter-server-mathjax must hold MathJax.js; got none in {static}. "
                        'Hint: reinstall it: pip install --force-reinstall -e ".[site]"')
    return static


def _read_manifest(out_dir: Path) -> set[str]:
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(name) for name in data.get("created", [])}
    except (OSError, ValueError, AttributeError):
        return set()


def _write_manifest(out_dir: Path, created: set[str]) -> None:
    atomic_write_text(out_dir / MANIFEST, json.dumps(
        {"tool": "python -m cnnlesson.site", "created": sorted(created)}, indent=1) + "\n")


def _check_out_dir(out_dir: Path, names: list[str]) -> set[str]:
    """Refuse to write over anything the site did not create; return what it created before."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SiteError(f"out must be a folder; got {str(out_dir)!r}, which is a file. Hint: "
                        "give a folder name, e.g. -o site/")
    own = _read_manifest(out_dir) if out_dir.is_dir() else set()
    foreign = [name for name in names
               if (out_dir / name).exists() or (out_dir / name).is_symlink()
               if name not in own]
    if foreign:
        raise SiteError(
            f"out must not hold files the site did not create; {str(out_dir)!r} already has "
            + ", ".join(repr(n) for n in foreign) + f" (not listed in its {MANIFEST}). Nothing "
            "was changed. Hint: choose a new or empty folder, or move those files away")
    return own


def _copy_mathjax(out_dir: Path) -> Path:
    source = mathjax_source()
    target = out_dir / MATHJAX_DIR
    if target.is_symlink():
        target.unlink()  # our own entry in the manifest, now a link: never follow it
    elif target.exists():
        shutil.rmtree(target)  # only reached when the manifest says the site created it

    def ignore(folder, names):
        skip = set(n for n in names if n in _MATHJAX_SKIP)
        if Path(folder) == source / "localization":
            skip |= {n for n in names if n != "en"}
        if Path(folder) == source / "jax" / "output":
            skip |= {n for n in names if n != "HTML-CSS"}  # SVG: only fonts, no output jax
        return skip

    shutil.copytree(source, target, ignore=ignore)
    return target
