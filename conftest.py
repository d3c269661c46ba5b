"""pytest configuration for ``make test`` (``pytest --nbval-lax tests solutions``).

It sits at the top of the checkout so that it sees both folders: every cell nbval collects
from a notebook runs in a Jupyter kernel, so it gets the ``kernel`` marker, like the tests
that start kernels themselves. ``make test PYTEST_FLAGS="-m 'not kernel'"`` leaves them all out.
"""
import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.kernel)
