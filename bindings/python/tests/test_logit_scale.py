"""The opt-in logit scale (docs/MODEL.md §4.9) from Python: the constructor parameter, its checks,
and save/load."""
import math

import numpy as np
import pytest

import gsau
from gsau import GSAU


def test_the_parameter_trains_and_save_keeps_it(tiny_path, reloaded):
    assert GSAU(embedding_size=8).config["logit_scale"] == 1.0, "the default is the paper's loss"
    kwargs = dict(embedding_size=8, inner_size=16, epochs=2)
    model = GSAU(logit_scale=2.5, **kwargs).fit(tiny_path, show_progress=False)
    assert model.config["logit_scale"] == 2.5
    plain = GSAU(**kwargs).fit(tiny_path, show_progress=False)
    assert plain.config["logit_scale"] == 1.0
    assert not np.array_equal(model.item_factors, plain.item_factors), "the scale changes training"
    assert reloaded(model).config["logit_scale"] == 2.5


def test_bad_values_are_refused(tiny_path):
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="logit_scale"):
            GSAU(logit_scale=bad)
    with pytest.raises(TypeError, match="logit_scale"):
        GSAU(logit_scale="2")
    for bad in (0.0, -1.0):
        with pytest.raises(gsau.InvalidArgumentError, match="logit_scale"):
            GSAU(logit_scale=bad).config
    # Only the normalised cross-entropy has logits to scale.
    for variant in ("sasrec", "gsau", "bert4rec", "lightgcn"):
        with pytest.raises(gsau.InvalidArgumentError, match="logit_scale"):
            GSAU(variant, embedding_size=8, inner_size=16, epochs=1, logit_scale=2.0).fit(
                tiny_path, show_progress=False)
