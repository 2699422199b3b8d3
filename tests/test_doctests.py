"""Every doctest in the package's docstrings runs, one test per module.

(pytest's ``--doctest-modules`` would also import ``tests/conftest.py`` and
``tests/browser/conftest.py`` as one module named ``conftest`` and stop; this
collects the package's modules only.)
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hotspots

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(hotspots.__path__, prefix="hotspots.")
    if m.name != "hotspots.__main__"
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_the_package_has_doctests() -> None:
    finder = doctest.DocTestFinder()
    found = sum(
        len([t for t in finder.find(importlib.import_module(name)) if t.examples])
        for name in MODULES
    )
    assert found >= 60  # 68 when this test was written


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
