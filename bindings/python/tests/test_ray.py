"""gsau.ray.score_users_with_ray on a local Ray cluster of 2 CPUs with an actor pool of 2: its rows
are exactly (the same ids, the same float32 bits) what model.recommend returns in this process,
for every user of a model trained on data/beauty-mini.txt (conftest.mini_checkpoint). Skipped without Ray, except under
`make test-python`, which sets GSAU_TESTS_REQUIRE_OPTIONAL=1 (conftest.optional_module)."""

from __future__ import annotations

import doctest
import os
import pathlib

import numpy as np
import pytest

import gsau
import gsau.ray
from gsau import GSAU
from gsau.ray import score_users_with_ray

from conftest import REPO, optional_module
from test_docstrings import doctests

ray = optional_module("ray")
optional_module("pyarrow")

# Ray's own deprecation and pandas warnings are not this package's to fix.
pytestmark = pytest.mark.filterwarnings("ignore::Warning:ray")

@pytest.fixture(scope="module")
def cluster():
    """A local Ray of 2 CPUs, small enough for a 2-core machine: a 100 MB object store, no
    dashboard, worker logs not echoed. The workers import gsau and find libgsau.so as this
    process does (the package's folder on PYTHONPATH, GSAU_LIBRARY_PATH passed on)."""
    env = {"PYTHONPATH": os.pathsep.join(
        [str(pathlib.Path(gsau.__file__).resolve().parent.parent)]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    if "GSAU_LIBRARY_PATH" in os.environ:
        env["GSAU_LIBRARY_PATH"] = os.environ["GSAU_LIBRARY_PATH"]
    ray.init(num_cpus=2, object_store_memory=100 * 2**20, include_dashboard=False,
             log_to_driver=False, runtime_env={"env_vars": env})
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def checkpoint(mini_checkpoint):
    """The beauty-mini checkpoint (conftest) and the model loaded from it in this process."""
    model = GSAU.load(mini_checkpoint)
    yield mini_checkpoint, model
    model.close()


def assert_rows_are_recommend(top, model, **query):
    """Every row of ``top`` (a DataFrame of score_users_with_ray) is model.recommend(user) bit for
    bit: the same ids in the same order, the same float32 scores."""
    assert len(top) > 0
    for user, items, scores in zip(top["user"], top["items"], top["scores"]):
        ids, expected = model.recommend(user, **query)
        assert list(items) == list(ids), "user %r" % (user,)
        got = np.asarray(scores, dtype=np.float32)
        assert got.dtype == expected.dtype and np.array_equal(got, expected), "user %r" % (user,)


def test_every_user_equals_recommend(cluster, checkpoint):
    path, model = checkpoint
    top = score_users_with_ray(path, N=10, concurrency=2, batch_size=128).to_pandas()
    assert top["user"].tolist() == model.user_ids.tolist()     # every user, in user_ids order
    assert_rows_are_recommend(top, model, N=10)


def test_given_users_filters_and_int_ids(cluster, checkpoint):
    path, model = checkpoint
    users = model.user_ids[::7].astype(np.int64)[::-1]           # some users, reversed, as ints
    banned = model.item_ids[:50]
    top = score_users_with_ray(path, users=users, N=5, filter_already_liked_items=False,
                               filter_items=banned, batch_size=64, id_type="int").to_pandas()
    assert top["user"].tolist() == users.tolist()
    as_int = GSAU.load(path, id_type="int")
    assert_rows_are_recommend(top, as_int, N=5, filter_already_liked_items=False,
                              filter_items=banned)
    assert not set(banned.astype(np.int64).tolist()) & {i for row in top["items"] for i in row}
    as_int.close()


def test_users_from_a_ray_dataset(cluster, checkpoint):
    path, model = checkpoint
    users = ray.data.from_items([{"customer": u, "other": 1} for u in model.user_ids[:40]])
    top = score_users_with_ray(path, users=users, N=3, user_column="customer").to_pandas()
    assert sorted(top["user"]) == sorted(model.user_ids[:40])
    assert_rows_are_recommend(top, model, N=3)
    with pytest.raises(ValueError, match="no column 'user'"):
        score_users_with_ray(path, users=users)


def test_unknown_user_fails_the_run(cluster, checkpoint):
    path, _ = checkpoint
    with pytest.raises(Exception, match="unknown id: user 'nobody'"):
        score_users_with_ray(path, users=["nobody"], concurrency=1).to_pandas()


def test_arguments_are_checked_before_ray_runs(checkpoint):
    path, _ = checkpoint
    with pytest.raises(ValueError, match="concurrency must be > 0"):
        score_users_with_ray(path, concurrency=0)
    with pytest.raises(TypeError, match="N must be an int"):
        score_users_with_ray(path, N=2.0)
    with pytest.raises(TypeError, match="filter_already_liked_items"):
        score_users_with_ray(path, filter_already_liked_items="no")


@pytest.mark.parametrize("test", doctests([gsau.ray]), ids=lambda t: t.name)
def test_examples_run(test, cluster, monkeypatch):
    monkeypatch.chdir(REPO)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
