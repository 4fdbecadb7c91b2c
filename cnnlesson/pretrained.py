"""The course's trained digit network, shipped as a small weights file.

Notebook 05 trains ``seed_cnn(in_channels=1, seed=0)`` on the 4,000 training
digits with :func:`cnnlesson.train.digits_recipe` (about half a minute).
``data/digits_model.npz`` holds the result of exactly that run (3,118 float32
parameters, 12.5 KB of numbers, written by :meth:`cnnlesson.model.Sequential.save`, no
pickle), made by ``data/make_digits_model.py``. Notebook 06 loads it with
:func:`load_digits_model` instead of training again, so both notebooks talk about
the same network.

Training is deterministic on one machine, but not bit for bit across numpy and
BLAS builds: a different summation order changes the last bits of a result, and
over 3,780 training steps such differences grow. A run elsewhere gives a network
of the same quality (the same test accuracy to within a point, the same answer
on about 99% of the test digits) with somewhat different weights.
``data/make_digits_model.py`` therefore also writes ``digits_model.json`` with
the platform it ran on; the tests demand identical weights on that platform and
equally good, closely matching ones elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._validate import describe, fail
from .datasets import data_path

__all__ = ["DIGITS_MODEL_PATH", "load_digits_model"]

#: Where :func:`load_digits_model` looks by default: ``digits_model.npz`` shipped with the
#: package (``data/`` in the repository, ``cnnlesson/data/`` in an installed wheel).
DIGITS_MODEL_PATH = data_path("digits_model.npz")

_RESTORE_HINT = ("restore it with `git checkout -- data/digits_model.npz` or regenerate it with "
                 "`python data/make_digits_model.py` (about half a minute)")


def load_digits_model(path=None):
    """The digit network of notebook 05, trained by the course's recipe, ready to use.

    Builds ``seed_cnn(in_channels=1, num_classes=10)`` and loads the weights
    that ``data/make_digits_model.py`` saved after training it with
    :func:`cnnlesson.train.train_digits` (seed 0, :func:`~cnnlesson.train.digits_recipe`,
    60 epochs). It reaches about 98% on the 1,000 test digits.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A weights file written by :meth:`~cnnlesson.model.Sequential.save` for this
        architecture. Default: ``data/digits_model.npz`` (:data:`DIGITS_MODEL_PATH`).

    Returns
    -------
    cnnlesson.model.Sequential
        The trained network, float32.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a model file for this network.

    Examples
    --------
    >>> model = load_digits_model()
    >>> model.predict(X_test[:5])                                   # doctest: +SKIP

    Introduced in notebook 05_classifier.
    """
    from .model import seed_cnn

    if path is None:
        path = DIGITS_MODEL_PATH
    elif isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        fail(TypeError, "path", "a str or os.PathLike naming a .npz weights file", describe(path),
             "leave it out to use data/digits_model.npz")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {str(path)!r}. Hint: {_RESTORE_HINT}")
    return seed_cnn(in_channels=1, num_classes=10, seed=0).load(path)
