"""The opt-in learning-rate decay on a plateau (docs/MODEL.md §6.6) from Python: the constructor
parameters, their checks, a run that goes past the plateau that stops it without, resuming a
stopped run with decays, and save/load."""
import math

import pytest

import gsau
from gsau import GSAU

#: SASRec(u) at a high rate on the tiny data: early stopping ends it after a few epochs.
PLATEAU = dict(variant="sasrec-u", embedding_size=8, inner_size=16, max_sequence_length=8,
               batch_size=32, learning_rate=0.05, patience=1, epochs=60)


def test_a_decayed_run_goes_past_the_plateau_and_save_keeps_it(tiny_path, reloaded):
    defaults = GSAU(embedding_size=8).config
    assert defaults["learning_rate_decays"] == 0, "the default is the paper's constant rate"
    assert defaults["learning_rate_decay"] == 0.1
    plain = GSAU(**PLATEAU).fit(tiny_path, show_progress=False)
    decayed = GSAU(learning_rate_decays=2, learning_rate_decay=0.5, **PLATEAU).fit(tiny_path, show_progress=False)
    assert plain.info["epochs_run"] < 60
    assert decayed.info["epochs_run"] > plain.info["epochs_run"] + 1
    assert decayed.config["learning_rate_decays"] == 2
    assert decayed.config["learning_rate_decay"] == 0.5
    loaded = reloaded(decayed)
    assert loaded.config["learning_rate_decays"] == 2
    assert loaded.config["learning_rate_decay"] == 0.5


def test_a_stopped_run_resumed_with_decays_goes_on_as_a_decayed_run(tiny_path, tmp_path):
    state = tmp_path / "run.state"
    stopped = GSAU(**PLATEAU).fit(tiny_path, show_progress=False, state_path=state)
    straight = GSAU(learning_rate_decays=2, **PLATEAU).fit(tiny_path, show_progress=False)
    resumed = GSAU(learning_rate_decays=2, **PLATEAU).fit(tiny_path, show_progress=False,
                                                          state_path=state, resume=True)
    assert resumed.info["epochs_run"] == straight.info["epochs_run"] > stopped.info["epochs_run"]
    assert (resumed.item_factors == straight.item_factors).all()


def test_bad_values_are_refused():
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="learning_rate_decay"):
            GSAU(learning_rate_decay=bad)
    with pytest.raises(TypeError, match="learning_rate_decays"):
        GSAU(learning_rate_decays=1.5)
    with pytest.raises(ValueError, match="learning_rate_decays"):
        GSAU(learning_rate_decays=-1)
    for kwargs in (dict(learning_rate_decays=1025),
                   dict(learning_rate_decay=0.0), dict(learning_rate_decay=1.0)):
        with pytest.raises(gsau.InvalidArgumentError, match=list(kwargs)[0]):
            GSAU(**kwargs).config
