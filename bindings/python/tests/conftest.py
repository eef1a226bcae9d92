"""Shared fixtures of the gsau binding tests.

The tests use an installed ``gsau`` package when there is one (so they also check an
installation) and otherwise the source tree next to this folder. The library is found the way
the package finds it: set GSAU_LIBRARY_PATH to test a particular build.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
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


#: Set by `make test-python` (whose dependencies install Ray and faiss): a missing optional
#: dependency then fails the run instead of skipping its tests.
REQUIRE_OPTIONAL = "GSAU_TESTS_REQUIRE_OPTIONAL"


def optional_module(name: str):
    """Imports an optional test dependency (``ray``, ``faiss``): the module, or a skip of the
    calling test module when it is absent, or a failure when GSAU_TESTS_REQUIRE_OPTIONAL=1."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        if os.environ.get(REQUIRE_OPTIONAL) == "1":
            pytest.fail("%s=1 but %s cannot be imported (%s): run scripts/install-deps.sh"
                        % (REQUIRE_OPTIONAL, name, e), pytrace=False)
        pytest.skip("%s is not installed (scripts/install-deps.sh installs it)" % name,
                    allow_module_level=True)


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


@pytest.fixture(scope="session")
def tiny_path() -> str:
    """The 24-user sequence file the Swift tests train on too."""
    return str(REPO / "Tests/GSAUTests/Fixtures/parity/tiny.txt")


@pytest.fixture
def reloaded(tmp_path):
    """A function that saves a fitted model, loads it back, checks that the loaded model
    recommends what the original does, and returns it."""
    def save_and_load(model):
        from gsau import GSAU
        path = tmp_path / "reloaded.gsau"
        model.save(path)
        loaded = GSAU.load(path)
        assert list(loaded.recommend("1", N=5)[0]) == list(model.recommend("1", N=5)[0])
        return loaded
    return save_and_load


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


@pytest.fixture(scope="session")
def mini_checkpoint(tmp_path_factory):
    """A small GSAU(rec) (sequence-scored) trained 1 epoch on the 2,000 users and 8,017 items of
    data/beauty-mini.txt, saved: the path (test_ray.py, test_faiss.py)."""
    from gsau import GSAU
    path = tmp_path_factory.mktemp("mini") / "mini.gsau"
    with GSAU("gsau-rec", embedding_size=16, inner_size=32, epochs=1).fit(
            str(REPO / "data" / "beauty-mini.txt"), show_progress=False) as model:
        model.save(path)
    return path
