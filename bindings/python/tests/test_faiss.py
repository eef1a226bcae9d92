"""An exact faiss inner-product index (IndexFlatIP) over item_factors, queried with user_factors (a
sequence-scored model's user vectors: the encoder's output for each user's history), serves the
top-10 of model.recommend(..., filter_already_liked_items=False) for every user of a model trained
on data/beauty-mini.txt. faiss sums the dot products in another order than libgsau, so scores
agree within float rounding and ids where no other score is that close (a near-tie may swap).
Skipped without faiss, except under `make test-python` (conftest.optional_module)."""

from __future__ import annotations

import numpy as np
import pytest

from gsau import GSAU

from conftest import optional_module

faiss = optional_module("faiss")

N = 10
#: Scores within this (relative to the row's largest) are ties: faiss's and libgsau's sums of
#: the same 16 products differ by a few float32 ulps (measured: at most 1e-6 relative).
TIE = 1e-5


@pytest.fixture(scope="module")
def model(mini_checkpoint):
    m = GSAU.load(mini_checkpoint)
    yield m
    m.close()


def test_flat_ip_index_serves_recommend(model):
    assert not model.info["predicts_with_graph"]           # scored by the sequence encoder
    items = np.ascontiguousarray(model.item_factors)
    queries = np.ascontiguousarray(model.user_factors)
    assert queries.shape[0] == len(model.user_ids) > 1000
    index = faiss.IndexFlatIP(items.shape[1])
    index.add(items)
    # N + 1 from both, to see whether the N-th score is tied with the next one
    distances, rows = index.search(queries, N + 1)
    served = model.item_ids[rows]
    ids, scores = model.recommend(model.user_ids, N=N + 1, filter_already_liked_items=False)
    np.testing.assert_allclose(distances, scores, rtol=0,
                               atol=TIE * float(np.abs(scores).max()))
    compared = tied = 0
    for u in range(len(ids)):
        tol = TIE * float(np.abs(scores[u]).max())
        for k in range(N):
            near = [j for j in (k - 1, k + 1) if j >= 0 and abs(scores[u, j] - scores[u, k]) <= tol]
            if near:
                tied += 1
                assert served[u, k] in set(ids[u, [k] + near]), (u, k)
            else:
                compared += 1
                assert served[u, k] == ids[u, k], (model.user_ids[u], k)
    assert compared > 0.9 * len(ids) * N, "too few positions without a tie: %d" % compared

