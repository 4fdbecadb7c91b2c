"""Every public function says which notebook introduces it, and that is the first one using it."""

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["images", "filters", "functional", "gradcheck", "datasets", "layers", "model", "optim",
           "train", "viz", "widgets", "explain", "kernel_learning", "setup_check", "channels",
           "pretrained"]
INTRO = re.compile(r"Introduced in notebook (\d\d_[a-z_]+)")


def _notebook_code() -> dict[str, str]:
    code = {}
    for path in sorted((ROOT / "notebooks").glob("0[0-6]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code[path.stem] = "\n".join("".join(c["source"]) for c in nb["cells"]
                                    if c["cell_type"] == "code")
    return code


def _public_callables():
    for module_name in MODULES:
        module = importlib.import_module(f"cnnlesson.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if not callable(obj):
                continue
            if isinstance(obj, type) and issubclass(obj, tuple):
                continue  # NamedTuple caches and results are documented by their function
            yield module_name, name, obj


PUBLIC = list(_public_callables())
CODE = _notebook_code()


@pytest.mark.parametrize(("module", "name", "obj"), PUBLIC,
                         ids=[f"{m}.{n}" for m, n, _ in PUBLIC])
def test_docstring_names_the_first_notebook_that_calls_it(module, name, obj):
    doc = inspect.getdoc(obj) or ""
    match = INTRO.search(doc)
    assert match, f"cnnlesson.{module}.{name}: docstring lacks 'Introduced in notebook NN_name.'"
    assert match.group(1) in CODE or not CODE, f"{match.group(1)} is not a notebook"
    call = re.compile(r"(?<![\w.])(?:\w+\.)?" + re.escape(name) + r"\s*\(")
    first = next((nb for nb, src in CODE.items() if call.search(src)), None)
    if first is not None:
        assert match.group(1) == first, (
            f"cnnlesson.{module}.{name} says it is introduced in {match.group(1)}, "
            f"but {first} calls it first")
