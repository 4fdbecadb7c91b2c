"""The course's data files, shipped inside the wheel as the subpackage ``cnnlesson.data``.

This folder is the files' home in the repository (provenance and licences in
``README.md``); ``pyproject.toml`` maps it to ``cnnlesson.data`` so that an
installed package finds them with ``importlib.resources`` (see
``cnnlesson.datasets.data_path``). Nothing here is meant to be imported.
"""
