"""Shared fixtures of the gsau binding tests.

The tests use an installed ``gsau`` package when there is one (so they also check an
installation) and otherwise the source tree next to this folder. The library is found the way
the package finds it: set GSAU_LIBRARY_PATH to test a particular build.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

TESTS_DIR = pathlib.Path(__file__).resolve().parent
SOURCE_DIR = TESTS_DIR.parent                       # bindings/python
REPO = TESTS_DIR.parent.parent.parent               # the gsau repository

if importlib.util.find_spec("gsau") is None:
    sys.path.insert(0, str(SOURCE_DIR))


def pytest_report_header(config):
    try:
        import gsau
    except ImportError as e:  # reported again, in detail, by the failing tests
        return ["gsau: cannot import: %s" % str(e).splitlines()[0]]
    return ["gsau package: %s" % pathlib.Path(gsau.__file__).parent,
            "gsau library: %s (version %s, ABI %d)" % (gsau._capi._lib._name, gsau.version(),
                                                       gsau.abi_version())]


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


# A small GSAU(rec) and a small DirectAU model (2 epochs on tiny.txt), one per test module.
@pytest.fixture(scope="module")
def rec():
    from test_model import fit
    m = fit("gsau-rec")
    yield m
    m.close()


@pytest.fixture(scope="module")
def graph():
    from test_model import fit
    m = fit("directau")
    yield m
    m.close()
