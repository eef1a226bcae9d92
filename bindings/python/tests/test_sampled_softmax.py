"""The opt-in sampled softmax (docs/MODEL.md §4.8) from Python: the constructor parameter, its
checks, save/load, and that it learns about as well as the full softmax on Beauty data."""
import pytest

import gsau
from gsau import GSAU


def test_the_parameter_trains_and_save_keeps_it(tiny_path, reloaded):
    model = GSAU(embedding_size=8, inner_size=16, epochs=2, sampled_negatives=6).fit(
        tiny_path, show_progress=False)
    assert model.config["sampled_negatives"] == 6
    assert GSAU(embedding_size=8).config["sampled_negatives"] == 0, "the default is the full softmax"
    assert reloaded(model).config["sampled_negatives"] == 6


def test_bad_values_are_refused(tiny_path):
    with pytest.raises(ValueError, match="sampled_negatives"):
        GSAU(sampled_negatives=-1)
    with pytest.raises(TypeError, match="sampled_negatives"):
        GSAU(sampled_negatives=2.5)
    # The alignment variants have no softmax to sample.
    with pytest.raises(gsau.InvalidArgumentError, match="sampled_negatives"):
        GSAU("gsau", embedding_size=8, inner_size=16, epochs=1, sampled_negatives=8).fit(
            tiny_path, show_progress=False)


def test_it_learns_nearly_as_well_as_the_full_softmax(repo):
    # Stock SASRec on 2,000 Beauty users (3 epochs, d 32, learning rate 5e-3; the model of the
    # best validation epoch): 256 sampled items per step instead of all 4,000+. Random ranking
    # gives NDCG@20 about 0.002; a wrong sign of the log-frequency correction, or gradients into
    # the wrong item rows, leave validation far behind the full softmax.
    mini = str(repo / "data/beauty-mini.txt")
    valid = {}
    for k in (0, 256):
        model = GSAU("sasrec", embedding_size=32, inner_size=64, learning_rate=5e-3, epochs=3,
                     sampled_negatives=k)
        model.fit(mini, show_progress=False)
        valid[k] = model.evaluate("valid", ks=20)["ndcg@20"]
    print("beauty-mini valid NDCG@20 (best of 3 epochs):", valid)
    assert valid[0] > 0.01
    assert valid[256] > 0.7 * valid[0]
