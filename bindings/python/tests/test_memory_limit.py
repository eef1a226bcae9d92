"""gsau.set_memory_limit / gsau.memory_limit: one process-wide cap that loading, training and
batch queries check before allocating (OutOfMemoryError naming the need and the cap)."""

from __future__ import annotations

import os
import pathlib

import pytest

import gsau
from gsau import GSAU, OutOfMemoryError

from test_model import SMALL, TINY


@pytest.fixture(autouse=True)
def no_limit_after():
    yield
    gsau.set_memory_limit(0)


def test_set_returns_the_previous_cap_and_memory_limit_reads_it():
    assert gsau.memory_limit() == 0
    assert gsau.set_memory_limit(10 << 20) == 0
    assert gsau.memory_limit() == 10 << 20
    assert gsau.set_memory_limit(0) == 10 << 20
    assert gsau.memory_limit() == 0


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (2**63, ValueError), (1.5, TypeError),
                                        ("1G", TypeError), (True, TypeError), (None, TypeError)])
def test_bad_caps_are_refused_and_change_nothing(bad, error):
    gsau.set_memory_limit(12345)
    with pytest.raises(error):
        gsau.set_memory_limit(bad)
    assert gsau.memory_limit() == 12345


def test_loading_and_training_over_the_cap_raise_out_of_memory(tmp_path: pathlib.Path):
    model = GSAU("gsau-rec", **SMALL).fit(str(TINY), show_progress=False)
    path = tmp_path / "m.gsau"
    model.save(path)
    size = os.path.getsize(path)

    gsau.set_memory_limit(size + 64)   # the file fits, its decoded contents do not
    with pytest.raises(OutOfMemoryError) as info:
        GSAU.load(path)
    assert "loading %s needs about" % path in str(info.value)
    assert "the memory limit set is" in str(info.value)
    assert isinstance(info.value, MemoryError)

    gsau.set_memory_limit(os.path.getsize(TINY) + 16)
    with pytest.raises(OutOfMemoryError, match="loading .*tiny.txt needs about"):
        gsau.Dataset.load(TINY)

    gsau.set_memory_limit(1 << 16)
    with pytest.raises(OutOfMemoryError, match="training needs about"):
        GSAU("gsau-rec", **SMALL).fit(str(TINY), show_progress=False)

    gsau.set_memory_limit(0)
    loaded = GSAU.load(path)
    ids, _ = loaded.recommend(["1", "2"], N=3)
    assert ids.shape == (2, 3)
    loaded.close()
    model.close()
