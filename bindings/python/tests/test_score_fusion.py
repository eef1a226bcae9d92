"""Opt-in score fusion (docs/MODEL.md §7.5) from Python: the constructor parameter, the choice on
validation, the factor width, and the weight kept by save/load."""
import numpy as np
import pytest

import gsau
from gsau import GSAU


def test_the_weight_is_a_constructor_parameter_and_widens_the_factors(tiny_path):
    plain = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(tiny_path, show_progress=False)
    fused = GSAU(embedding_size=8, inner_size=16, epochs=1, graph_score_weight=1.5).fit(
        tiny_path, show_progress=False)
    assert plain.config["graph_score_weight"] == 0.0
    assert fused.config["graph_score_weight"] == 1.5
    assert plain.info["vector_width"] == 8 and fused.info["vector_width"] == 16
    assert fused.item_factors.shape == (20, 16) and fused.user_factors.shape == (24, 16)
    # The factors reproduce the fused scores.
    u = list(fused.user_ids).index("3")
    ids, scores = fused.recommend("3", N=5, filter_already_liked_items=False)
    by_id = dict(zip(fused.item_ids, fused.item_factors @ fused.user_factors[u]))
    np.testing.assert_allclose([by_id[i] for i in ids], scores, rtol=1e-5, atol=1e-5)


def test_select_graph_score_weight_chooses_on_validation_and_save_keeps_it(tiny_path, tmp_path):
    model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(tiny_path, show_progress=False)
    before = model.evaluate("valid", ks=20)["ndcg@20"]
    trials = model.select_graph_score_weight([0, 2.0])
    assert [w for w, _ in trials] == [0.0, 2.0]
    assert trials[0][1] == before            # weight 0 is the model as trained
    rounded = [round(v, 4) for _, v in trials]
    chosen = 2.0 if rounded[1] > rounded[0] else 0.0
    assert model.config["graph_score_weight"] == chosen
    forced = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(tiny_path, show_progress=False)
    (w, valid), = forced.select_graph_score_weight([2.0])
    assert forced.evaluate("valid", ks=20)["ndcg@20"] == valid
    path = tmp_path / "fused.gsau"
    forced.save(path)
    loaded = GSAU.load(path)
    assert loaded.config["graph_score_weight"] == 2.0
    a, b = forced.recommend("1", N=5), loaded.recommend("1", N=5)
    assert list(a[0]) == list(b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_the_default_ladder_and_refusals(tiny_path):
    model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(tiny_path, show_progress=False)
    trials = model.select_graph_score_weight()
    assert [w for w, _ in trials][0] == 0.0 and len(trials) >= 2
    with pytest.raises(gsau.InvalidArgumentError):
        model.select_graph_score_weight([-1.0])
    with pytest.raises(ValueError):
        model.select_graph_score_weight([])
    with pytest.raises(TypeError):
        model.select_graph_score_weight("0,1")
    graph = GSAU("directau", embedding_size=8, epochs=1).fit(tiny_path, show_progress=False)
    with pytest.raises(gsau.InvalidArgumentError, match="graph_score_weight"):
        graph.select_graph_score_weight([1.0])
    with pytest.raises(gsau.InvalidArgumentError, match="graph_score_weight"):
        GSAU("sasrec", embedding_size=8, epochs=1, graph_score_weight=1.0).fit(tiny_path, show_progress=False)
