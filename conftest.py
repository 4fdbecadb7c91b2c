"""Root pytest configuration, shared by the unit tests and the notebook (nbval) tests."""

import matplotlib

# Headless plotting for the unit tests, in this process only. Not through the MPLBACKEND
# environment variable: nbval's notebook kernels inherit the environment, and with
# MPLBACKEND=Agg ipykernel skips its inline backend, so plt.show() would store no figure.
matplotlib.use("Agg")

# nbval compares every MIME type of a cell's output except a built-in skip list that holds
# image/png but not image/gif. GIF bytes depend on the Pillow and matplotlib builds, like PNGs,
# so they are exempt too; their determinism on one machine is tested in tests/test_viz*.py.
EXTRA_SKIPPED_MIME_TYPES = ("image/gif",)


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        parent = getattr(item, "parent", None)
        skip = getattr(parent, "skip_compare", None)
        if isinstance(skip, tuple) and not set(EXTRA_SKIPPED_MIME_TYPES) <= set(skip):
            parent.skip_compare = skip + EXTRA_SKIPPED_MIME_TYPES
