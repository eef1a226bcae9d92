"""gsau.GSAU against the real libgsau: fitting from every kind of input, progress and callbacks,
queries (shapes, filters, raw ids), evaluation, checkpoints, errors, lifetime and threads.

Models are tiny (24 users, 20 items, 2 epochs of an 8-wide model), so the module runs in a few
seconds even against a debug build."""

from __future__ import annotations

import csv
import ctypes
import gc
import json
import math
import pathlib
import threading

import numpy as np
import pytest

import gsau
from gsau import GSAU, _capi

TESTS_DIR = pathlib.Path(__file__).resolve().parent
REPO = TESTS_DIR.parent.parent.parent
TINY = REPO / "Tests" / "GSAUTests" / "Fixtures" / "parity" / "tiny.txt"

SMALL = dict(embedding_size=8, inner_size=16, max_sequence_length=8, batch_size=32, epochs=2)


def tiny_histories():
    """{user id: [item ids, oldest first]} of tiny.txt (a user-sequence file)."""
    out = {}
    for line in TINY.read_text().splitlines():
        fields = line.split()
        if fields:
            out[fields[0]] = fields[1:]
    return out


HISTORIES = tiny_histories()
USERS = list(HISTORIES)


def tiny_arrays():
    users, items = [], []
    for u, seq in HISTORIES.items():
        users += [u] * len(seq)
        items += seq
    return users, items


def fit(variant="gsau-rec", data=TINY, **kwargs):
    params = dict(SMALL)
    params.update(kwargs.pop("params", {}))
    return GSAU(variant, **params).fit(data, show_progress=False, **kwargs)


def same_results(a, b, as_str=False):
    """Equal (ids, scores); ``as_str`` compares ids as strings (int64 ids against str ids)."""
    (ia, sa), (ib, sb) = a, b
    assert ia.shape == ib.shape
    if as_str:
        ia, ib = [np.vectorize(str, otypes=[object])(x) if x.size else x for x in (ia, ib)]
    assert list(ia.ravel()) == list(ib.ravel())
    np.testing.assert_array_equal(sa, sb)


# ── Configuration ───────────────────────────────────────────────────────────────────────────

def test_config_defaults_and_effective_values():
    c = GSAU().config
    assert c["variant"] == "gsau-rec"
    assert c["gamma"] == 0.1                       # the variant's default, resolved
    assert c["graph_layers"] == c["transformer_layers"] == 2
    assert (c["embedding_size"], c["heads"], c["inner_size"], c["max_sequence_length"]) == (
        64, 2, 256, 50)
    assert (c["epochs"], c["patience"], c["random_state"], c["batch_size"]) == (300, 10, 2020, 512)
    assert GSAU("directau").config["gamma"] == 0.5
    assert GSAU("gsau-rec", gamma=0.3, graph_layers=3).config["gamma"] == 0.3
    assert GSAU(graph_layers=3).config["graph_layers"] == 3
    seed = GSAU(random_state=None).config["random_state"]
    assert isinstance(seed, int) and 0 <= seed < 2**64


def test_bert4rec_variants_train_save_and_report_their_defaults(tmp_path):
    assert GSAU("bert4rec-u").config["dropout"] == 0.2       # BERT4Rec.yaml
    assert GSAU("bert4rec-u").config["gamma"] == 0.05
    assert GSAU("gsau-rec").config["dropout"] == 0.5
    assert GSAU("bert4rec", dropout=0.1).config["dropout"] == 0.1
    for variant in ("bert4rec", "bert4rec-u", "gsau-rec-bert4rec"):
        with fit(variant) as m:
            ids, scores = m.recommend(USERS[:3], N=5)
            assert ids.shape == (3, 5) and np.all(np.isfinite(scores))
            seq_ids, _ = m.recommend_sequence(HISTORIES[USERS[0]], N=5)
            assert list(seq_ids) == list(ids[0])             # the user's history is the same sequence
            path = tmp_path / (variant + ".gsau")
            m.save(path)
            with GSAU.load(path) as loaded:
                assert loaded.config["variant"] == variant
                assert loaded.config["dropout"] == m.config["dropout"]
                same_results(loaded.recommend(USERS[:3], N=5), (ids, scores))


def default_config():
    cfg = _capi.gsau_config()
    _capi.gsau_config_default(ctypes.byref(cfg))
    return cfg


def test_variants_are_the_librarys():
    names = gsau.variants()
    assert names == [_capi.gsau_variant_name(i).decode()
                     for i in range(_capi.gsau_variant_count())]
    assert len(set(names)) == len(names) and "gsau-rec" in names
    assert _capi.gsau_variant_name(-1) is None
    assert _capi.gsau_variant_name(len(names)) is None
    if GSAU.__doc__ is not None:                                  # the docstring lists them
        assert all('``"%s"``' % v in GSAU.__doc__ for v in names)


def test_every_variant_resolves_to_what_training_stores(tmp_path):
    for variant in gsau.variants():
        cfg = default_config()
        cfg.variant = variant.encode()
        assert _capi.gsau_config_resolve(ctypes.byref(cfg)) == _capi.GSAU_OK, variant
        assert cfg.variant.decode() == variant
        assert cfg.gamma >= 0 and 0 <= cfg.hidden_dropout < 1
        assert cfg.attention_dropout == cfg.hidden_dropout
        assert cfg.graph_layers == cfg.transformer_layers
        reported = GSAU(variant).config                           # what the binding reports
        assert (reported["gamma"], reported["dropout"], reported["graph_layers"]) == (
            cfg.gamma, cfg.hidden_dropout, cfg.graph_layers), variant
        path = tmp_path / (variant + ".gsau")
        with fit(variant, params=dict(epochs=1)) as m:
            m.save(path)
        model = _capi.gsau_model_p()
        _capi._check(_capi.gsau_model_load(ctypes.byref(model), str(path).encode()), "load")
        try:
            stored = _capi.sized(_capi.gsau_config)
            _capi._check(_capi.gsau_model_config_get(model, ctypes.byref(stored)), "config_get")
            assert stored.variant.decode() == variant
            assert (stored.gamma, stored.hidden_dropout, stored.attention_dropout,
                    stored.graph_layers) == (cfg.gamma, cfg.hidden_dropout,
                                             cfg.attention_dropout, cfg.graph_layers), variant
        finally:
            _capi.gsau_model_free(model)


def test_resolve_keeps_explicit_values():
    c = GSAU("directau", gamma=0.3, dropout=0.1, graph_layers=3, transformer_layers=1).config
    assert (c["gamma"], c["dropout"], c["graph_layers"], c["transformer_layers"]) == (
        0.3, 0.1, 3, 1)
    assert GSAU(transformer_layers=3).config["graph_layers"] == 3   # tied to the SASRec depth


def test_resolve_refuses_bad_configs_and_changes_nothing():
    for variant, embedding_size in ((b"no-such-variant", 64), (b"gsau-rec", 0)):
        cfg = default_config()
        cfg.variant = variant
        cfg.embedding_size = embedding_size
        before = bytes(cfg)
        status = _capi.gsau_config_resolve(ctypes.byref(cfg))
        with pytest.raises(gsau.InvalidArgumentError):
            _capi._check(status, "gsau_config_resolve")
        assert bytes(cfg) == before
    with pytest.raises(gsau.InvalidArgumentError) as unknown:
        GSAU("no-such-variant").config
    message = str(unknown.value)
    assert "no-such-variant" in message and all(v in message for v in gsau.variants())
    with pytest.raises(gsau.InvalidArgumentError, match="embedding_size"):
        GSAU(embedding_size=0).config
    with pytest.raises(gsau.InvalidArgumentError, match="no-such-variant"):
        fit("no-such-variant")                                    # as fit() refuses them


def test_fit_with_a_state_file_resumes_exactly(tmp_path):
    state = tmp_path / "run.state"
    with fit(params=dict(epochs=2)) as straight, fit(params=dict(epochs=1), state_path=state):
        with fit(params=dict(epochs=2), state_path=state, resume=True) as resumed:
            np.testing.assert_array_equal(resumed.item_embeddings(), straight.item_embeddings())
            assert resumed.info["epochs_run"] == 2
        with pytest.raises(gsau.InvalidArgumentError, match="exists"):
            fit(params=dict(epochs=2), state_path=state)
    with pytest.raises(ValueError, match="state_path"):
        fit(resume=True)
    with pytest.raises(gsau.GSAUError):
        fit(state_path=tmp_path / "missing.state", resume=True)


def test_warm_start_from_a_model_or_a_saved_file(rec, tmp_path):
    """Known items keep the saved rows before training (0 epochs are not allowed, so one epoch at a
    learning rate small enough to move nothing visibly), a new user trains, a path works as a model."""
    users, items = tiny_arrays()
    users = users + ["newcomer"] * 3
    items = items + [items[0], items[1], "brand-new"]
    tiny_lr = dict(epochs=1, learning_rate=1e-12)
    with fit(data=(users, items), params=tiny_lr, warm_start=rec) as warm:
        known = [i for i in warm.item_ids if i in set(rec.item_ids)]
        old = dict(zip(rec.item_ids, rec.item_embeddings()[1:]))
        new = dict(zip(warm.item_ids, warm.item_embeddings()[1:]))
        for item in known:
            np.testing.assert_allclose(new[item], old[item], atol=1e-6)
        assert "newcomer" in set(warm.user_ids)
        path = tmp_path / "rec.gsau"
        rec.save(path)
        with fit(data=(users, items), params=tiny_lr, warm_start=path) as from_file:
            np.testing.assert_array_equal(from_file.item_embeddings(), warm.item_embeddings())
    with pytest.raises(gsau.InvalidArgumentError, match="embedding"):
        fit(params=dict(embedding_size=16, epochs=1), warm_start=rec)
    with pytest.raises(ValueError, match="state_path"):
        fit(warm_start=rec, state_path=tmp_path / "s.state")


def test_bad_config_values():
    with pytest.raises(TypeError, match="embedding_size"):
        GSAU(embedding_size=8.0)
    with pytest.raises(ValueError, match="heads"):
        GSAU(heads=-1)
    with pytest.raises(TypeError, match="variant"):
        GSAU(3)
    with pytest.raises(TypeError):
        GSAU("gsau-rec", 0.1)  # everything but the variant is keyword-only
    # Ranges the library checks: InvalidArgumentError (a ValueError) naming the problem.
    with pytest.raises(ValueError, match="nope"):
        fit("nope")
    with pytest.raises(gsau.InvalidArgumentError):
        fit(params=dict(embedding_size=0))


# ── Fitting from each kind of input ─────────────────────────────────────────────────────────

def test_fit_from_a_path(rec):
    info = rec.info
    assert (info["n_users"], info["n_items"], info["embedding_size"]) == (24, 20, 8)
    assert info["predicts_with_graph"] is False
    assert info["epochs_run"] == 2 and info["best_epoch"] in (0, 1)
    assert 0 <= info["test_recall_at_10"] <= 1
    assert rec.fitted and not rec.stopped_early
    assert sorted(rec.user_ids, key=int) == USERS
    assert sorted(rec.item_ids, key=int) == [str(i) for i in range(1, 21)]


def test_fit_graph_model(graph):
    assert graph.info["predicts_with_graph"] is True
    assert graph.config["variant"] == "directau"


def test_fit_from_arrays_and_dataset_equal_the_file(rec):
    expected = rec.recommend(USERS, N=5)
    users, items = tiny_arrays()
    with fit(data=(users, items)) as m:                         # lists of str, file order
        same_results(m.recommend(USERS, N=5), expected)
    ints = (np.array(users, dtype=np.int64), np.array(items, dtype=np.int32),
            np.arange(len(users), dtype=np.float64))             # integer ids, timestamps
    with fit(data=ints) as m:                                   # int ids come back as int64
        assert m.id_types == {"user": "int", "item": "int"}
        assert m.recommend(USERS, N=5)[0].dtype == np.int64
        same_results(m.recommend(USERS, N=5), expected, as_str=True)
        same_results(m.recommend([int(u) for u in USERS], N=5), expected, as_str=True)
    with gsau.Dataset.from_arrays(users, items) as ds:
        assert ds.stats["n_users"] == 24 and ds.path is None
        with fit(data=ds) as m:
            same_results(m.recommend(USERS, N=5), expected)
        assert not ds.closed                                     # fit does not own it
    with gsau.Dataset.load(TINY) as ds:
        with fit(data=ds) as m:
            same_results(m.recommend(USERS, N=5), expected)
        with pytest.raises(ValueError, match="min_interactions"):
            fit(data=ds, min_interactions=2)


def test_fit_from_csr(rec):
    sparse = pytest.importorskip("scipy.sparse")
    users, items = tiny_arrays()
    # Rows = users, columns = items, values = order keys (here: position in the file).
    m = sparse.csr_matrix((np.arange(1, len(users) + 1, dtype=np.float64),
                           (np.array(users, dtype=int), np.array(items, dtype=int))),
                          shape=(25, 21))
    with fit(data=m) as model:
        assert model.info["n_users"] == 24 and model.info["n_items"] == 20
        same_results(model.recommend(USERS, N=5), rec.recommend(USERS, N=5), as_str=True)
        same_results(model.recommend(3, N=5), rec.recommend("3", N=5), as_str=True)
        assert model.item_ids.dtype == np.int64 and model.user_ids.dtype == np.int64


def test_fit_from_dataframe(rec):
    pd = pytest.importorskip("pandas")
    users, items = tiny_arrays()
    df = pd.DataFrame({"user_id": users, "item_id": items, "timestamp": range(len(users))})
    with fit(data=df) as m:
        same_results(m.recommend(USERS, N=5), rec.recommend(USERS, N=5))
    with pytest.raises(ValueError, match="item"):
        fit(data=pd.DataFrame({"user": users}))


def test_fit_rejects_other_inputs():
    with pytest.raises(TypeError, match="fit"):
        fit(data=[["1", "2"], ["3", "4"]])
    with pytest.raises(ValueError, match="tuple"):
        fit(data=(["1"],))
    with pytest.raises(ValueError, match="same length"):
        fit(data=(["1", "1", "1"], ["1", "2"]))


def test_dataset_from_arrays_validation():
    with pytest.raises(ValueError, match="same length"):
        gsau.Dataset.from_arrays([1, 2], [1])
    with pytest.raises(ValueError, match="empty"):
        gsau.Dataset.from_arrays([], [])
    with pytest.raises(ValueError, match="timestamps"):
        gsau.Dataset.from_arrays([1, 1, 1], [1, 2, 3], timestamps=[1.0, 2.0])
    with pytest.raises(ValueError, match="NUL"):
        gsau.Dataset.from_arrays(["a\0b", "a", "a"], [1, 2, 3])
    with pytest.raises(gsau.InvalidArgumentError):
        gsau.Dataset.from_arrays([1, 1, 1], [1, 2, 3], timestamps=[1.0, math.nan, 2.0])
    with pytest.raises(gsau.MalformedInputError):   # every user is short: nothing left
        gsau.Dataset.from_arrays([1, 1], [1, 2])
    with pytest.raises(ValueError, match="1-dimensional"):
        gsau.Dataset.from_arrays(np.ones((2, 2)), np.ones((2, 2)))
    # Ids of mixed types become strings; timestamps order each user's items.
    with gsau.Dataset.from_arrays(["a", "a", "a", b"b", b"b", b"b"], [3, 2, 1, 1, 2, 3],
                                  timestamps=[3, 2, 1, 1, 2, 3]) as ds:
        assert ds.stats["n_users"] == 2 and ds.stats["n_items"] == 3
        assert "(from arrays)" in repr(ds)


# ── Progress and callbacks ──────────────────────────────────────────────────────────────────

def test_callback_runs_at_every_epoch():
    calls = []
    with fit(callback=lambda epoch, loss, valid: calls.append((epoch, loss, valid))) as m:
        assert [c[0] for c in calls] == [0, 1]
        assert all(math.isfinite(c[1]) and 0 <= c[2] <= 1 for c in calls)
        assert not m.stopped_early


def test_callback_returning_false_stops_early():
    calls = []

    def stop_after_first(epoch, loss, valid):
        calls.append(epoch)
        return False

    with fit(params=dict(epochs=5), callback=stop_after_first) as m:
        assert calls == [0]
        assert m.stopped_early
        assert m.info["epochs_run"] == 1 and m.info["best_epoch"] == 0
        assert m.recommend("1", N=3)[0].shape == (3,)               # a usable model
    with fit(callback=lambda *a: True) as m:                         # True/None: continue
        assert m.info["epochs_run"] == 2 and not m.stopped_early


def test_exception_in_callback_is_reraised_and_leaves_the_model_unchanged(rec):
    class Boom(Exception):
        pass

    def boom(epoch, loss, valid):
        raise Boom("epoch %d" % epoch)

    m = GSAU(**SMALL)
    with pytest.raises(Boom, match="epoch 0"):
        m.fit(TINY, show_progress=False, callback=boom)
    assert not m.fitted
    with pytest.raises(ValueError, match="not fitted"):
        m.recommend("1")
    m.fit(TINY, show_progress=False)
    before = m.recommend(USERS, N=5)
    with pytest.raises(Boom):
        m.fit(TINY, show_progress=False, callback=boom)
    same_results(m.recommend(USERS, N=5), before)                   # the old model remains
    m.close()
    with pytest.raises(TypeError, match="callable"):
        GSAU(**SMALL).fit(TINY, show_progress=False, callback=3)


def test_show_progress(capsys):
    with GSAU(**SMALL).fit(TINY, show_progress=True):
        pass
    err = capsys.readouterr().err
    try:
        import tqdm  # noqa: F401
    except ImportError:
        assert err.count("epoch") == 2 and "epoch 2/2" in err
    else:
        assert err
    with GSAU(**SMALL).fit(TINY, show_progress=False):
        pass
    assert capsys.readouterr().err == ""


class FakeTqdm:
    """Stands in for tqdm.auto.tqdm, recording how fit() drives it."""
    instances = []

    def __init__(self, total=None, **kwargs):
        self.total, self.kwargs, self.n, self.postfixes, self.closed = total, kwargs, 0, [], False
        FakeTqdm.instances.append(self)

    def update(self, n=1):
        self.n += n

    def set_postfix(self, **kwargs):
        self.postfixes.append(kwargs)

    def close(self):
        self.closed = True


def fake_tqdm_modules(monkeypatch, cls):
    import sys
    import types
    package, auto = types.ModuleType("tqdm"), types.ModuleType("tqdm.auto")
    auto.tqdm = cls
    package.auto = auto
    monkeypatch.setitem(sys.modules, "tqdm", package)
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)


def test_progress_bar_over_steps(monkeypatch, capsys):
    FakeTqdm.instances = []
    fake_tqdm_modules(monkeypatch, FakeTqdm)
    with GSAU(**SMALL).fit(TINY, show_progress=True):
        pass
    [bar] = FakeTqdm.instances
    assert bar.closed and bar.total > 0 and bar.n == bar.total    # steps of both epochs
    assert [p["epoch"] for p in bar.postfixes] == [1, 2]
    assert capsys.readouterr().err == ""                           # no plain lines as well
    FakeTqdm.instances = []
    with GSAU(**SMALL).fit(TINY, show_progress=False):
        pass
    assert FakeTqdm.instances == []


def test_errors_in_the_progress_display_and_interrupts_are_reraised(monkeypatch):
    class BrokenTqdm(FakeTqdm):
        def update(self, n=1):
            raise RuntimeError("display broke")

    fake_tqdm_modules(monkeypatch, BrokenTqdm)
    m = GSAU(**SMALL)
    with pytest.raises(RuntimeError, match="display broke"):
        m.fit(TINY, show_progress=True)
    assert not m.fitted

    def interrupt(epoch, loss, valid):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        m.fit(TINY, show_progress=False, callback=interrupt)
    assert not m.fitted


# ── recommend ───────────────────────────────────────────────────────────────────────────────

def test_recommend_shapes_and_order(rec):
    ids, scores = rec.recommend("1", N=5)
    assert ids.shape == scores.shape == (5,)
    assert ids.dtype == object and scores.dtype == np.float32
    assert all(isinstance(i, str) for i in ids)
    assert np.all(np.diff(scores) <= 0)
    ids2, scores2 = rec.recommend(USERS, N=5)
    assert ids2.shape == scores2.shape == (24, 5)
    for row in scores2:
        assert np.all(np.diff(row) <= 0)
    ids3, _ = rec.recommend(np.array(["1"]), N=5)                   # an array of one: 2-D
    assert ids3.shape == (1, 5)
    ids4, scores4 = rec.recommend([], N=5)
    assert ids4.shape == scores4.shape == (0, 5)
    assert rec.recommend("1", N=1000)[0].shape == (12,)             # 20 items less user 1's 8
    assert rec.recommend("1", N=1000, filter_already_liked_items=False)[0].shape == (20,)
    assert rec.recommend(USERS[:2], N=1000)[0].shape == (2, 20)     # N clamped to n_items


def test_batch_equals_single(rec, graph):
    for model in (rec, graph):
        for kwargs in ({}, {"filter_already_liked_items": False}, {"filter_items": ["1", "2"]}):
            ids, scores = model.recommend(USERS, N=7, **kwargs)
            for b, u in enumerate(USERS):
                one_ids, one_scores = model.recommend(u, N=7, **kwargs)
                n = len(one_ids)
                assert list(ids[b, :n]) == list(one_ids)
                np.testing.assert_array_equal(scores[b, :n], one_scores)


def test_filter_seen_removes_the_users_items(rec, graph):
    for model in (rec, graph):
        for u, history in HISTORIES.items():
            ids, _ = model.recommend(u, N=20, filter_already_liked_items=True)
            assert not set(ids) & set(history)
            assert len(ids) == 20 - len(set(history))


def test_padding_when_filters_leave_fewer_than_N(rec):
    ids, scores = rec.recommend(USERS, N=20, filter_already_liked_items=True)
    assert ids.shape == (24, 20)
    for b, u in enumerate(USERS):
        n = 20 - len(set(HISTORIES[u]))
        assert all(i is not None for i in ids[b, :n])
        assert all(i is None for i in ids[b, n:])
        assert not np.isnan(scores[b, :n]).any() and np.isnan(scores[b, n:]).all()


def test_items_and_exclude(rec):
    ids, _ = rec.recommend("1", N=10, filter_already_liked_items=False, items=["1", "2", "3", 4])
    assert sorted(ids) == ["1", "2", "3", "4"]
    ids, _ = rec.recommend("1", N=10, filter_already_liked_items=False, items=["1", "2", "3"], filter_items=["2"])
    assert sorted(ids) == ["1", "3"]
    ids, _ = rec.recommend("1", N=20, filter_already_liked_items=False, filter_items=np.array([5, 6, 7]))
    assert len(ids) == 17 and not {"5", "6", "7"} & set(ids)
    ids, _ = rec.recommend("1", N=10, filter_already_liked_items=False, items="7")                    # a single id
    assert list(ids) == ["7"]
    ids, scores = rec.recommend("1", N=10, filter_already_liked_items=False, items=[])                 # nothing allowed
    assert ids.shape == scores.shape == (0,)
    full_ids, full_scores = rec.recommend("1", N=20, filter_already_liked_items=False)
    sub_ids, sub_scores = rec.recommend("1", N=20, filter_already_liked_items=False, items=list(full_ids[::2]))
    assert list(sub_ids) == list(full_ids[::2])                      # same scores, same order
    np.testing.assert_array_equal(sub_scores, full_scores[::2])


def test_unknown_ids_raise_key_errors_naming_the_id(rec):
    for call in (lambda: rec.recommend("no-such-user"),
                 lambda: rec.recommend(["1", "no-such-user"]),
                 lambda: rec.recommend("1", items=["no-such-user"]),
                 lambda: rec.recommend("1", filter_items=["no-such-user"]),
                 lambda: rec.similar_items("no-such-user"),
                 lambda: rec.recommend_sequence(["1", "no-such-user"])):
        with pytest.raises(KeyError) as e:
            call()
        assert isinstance(e.value, gsau.UnknownIDError)
        assert "no-such-user" in str(e.value)
    with pytest.raises(KeyError, match="'0'"):
        rec.recommend(0)


def test_bad_N(rec):
    for N in (0, -1):
        for call in (lambda: rec.recommend("1", N=N), lambda: rec.recommend(USERS, N=N),
                     lambda: rec.recommend_sequence(["1"], N=N),
                     lambda: rec.similar_items("1", N=N)):
            with pytest.raises(ValueError, match="N must be positive"):
                call()
    with pytest.raises(TypeError):
        rec.recommend("1", N=2.5)


# ── recommend_sequence, similar_items ───────────────────────────────────────────────────────

def test_recommend_sequence(rec):
    ids, scores = rec.recommend_sequence(["1", "2", "3"], N=5)
    assert ids.shape == scores.shape == (5,)
    assert np.all(np.diff(scores) <= 0)
    # A known user's whole history scores as the user does.
    for u in USERS[:5]:
        same_results(rec.recommend_sequence(HISTORIES[u], N=5), rec.recommend(u, N=5))
    ids, _ = rec.recommend_sequence(["1", "2", "3"], N=20, filter_already_liked_items=True)
    assert len(ids) == 17 and not {"1", "2", "3"} & set(ids)
    ids, _ = rec.recommend_sequence([1, 2], N=5, items=[7, 8, 9], filter_items=[8])
    assert sorted(ids) == ["7", "9"]
    with pytest.raises(ValueError, match="empty"):
        rec.recommend_sequence([])


def test_recommend_sequence_raises_for_graph_models(graph):
    with pytest.raises(ValueError) as e:
        graph.recommend_sequence(["1", "2"])
    assert isinstance(e.value, gsau.InvalidArgumentError)


def test_similar_items(rec, graph):
    for model in (rec, graph):
        for item in model.item_ids:
            ids, scores = model.similar_items(item, N=5)
            assert ids.shape == (5,) and item not in ids
            assert np.all(np.diff(scores) <= 0)
        assert model.similar_items("1", N=100)[0].shape == (19,)
        ids, scores = model.similar_items(["1", "2"], N=4)
        assert ids.shape == scores.shape == (2, 4)
        same_results((ids[1], scores[1]), model.similar_items("2", N=4))


# ── score_to_file ───────────────────────────────────────────────────────────────────────────

def read_score_file(path, fmt, users):
    """[(user, [item ids], [float32 scores])] of a score file; ``users`` is the expected user
    order (CSV has no rows for a user without candidates)."""
    if fmt == "jsonl":
        text = path.read_text(encoding="utf-8")
        assert text == "" or text.endswith("\n")
        rows = []
        for line in text.splitlines():
            obj = json.loads(line)
            assert list(obj) == ["user", "items", "scores"]
            rows.append((obj["user"], obj["items"], [np.float32(x) for x in obj["scores"]]))
        return rows
    with open(path, newline="", encoding="utf-8") as f:
        records = list(csv.reader(f))
    assert records[0] == ["user", "rank", "item", "score"]
    rows = [(u, [], []) for u in users]
    b = -1
    for user, rank, item, score in records[1:]:
        if rank == "1":
            b += 1
            while rows[b][0] != user:
                b += 1
        assert rows[b][0] == user and int(rank) == len(rows[b][1]) + 1
        rows[b][1].append(item)
        rows[b][2].append(np.float32(score))
    return rows


def test_score_to_file_equals_recommend(rec, graph, tmp_path):
    many = [USERS[(7 * i) % len(USERS)] for i in range(300)]        # > one block of 256 users
    for model in (rec, graph):
        for kwargs in ({}, {"filter_already_liked_items": False, "filter_items": ["1", "2"]}):
            for users in (None, many, USERS[:5]):
                listed = list(model.user_ids) if users is None else users
                ids, scores = model.recommend(listed, N=6, **kwargs)
                for fmt in ("jsonl", "csv"):
                    out = tmp_path / ("scores." + fmt)
                    model.score_to_file(out, users=users, N=6, format=fmt, **kwargs)
                    rows = read_score_file(out, fmt, listed)
                    assert [r[0] for r in rows] == listed
                    for b, (user, items, values) in enumerate(rows):
                        n = len(items)
                        assert items == list(ids[b, :n]) and all(i is None for i in ids[b, n:])
                        np.testing.assert_array_equal(np.array(values, dtype=np.float32),
                                                      scores[b, :n])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv", "scores.jsonl"]


def test_score_to_file_filters_and_all_items(rec, tmp_path):
    out = tmp_path / "s.jsonl"
    rec.score_to_file(out, users=["1", "2"], N=1000, filter_already_liked_items=True, filter_items=["3"])
    for user, items, _ in read_score_file(out, "jsonl", ["1", "2"]):
        banned = set(HISTORIES[user]) | {"3"}
        assert not set(items) & banned and len(items) == 20 - len(banned)
    rec.score_to_file(str(out), users=[], format="csv")                  # str path; no users
    assert out.read_text() == "user,rank,item,score\n"


def test_score_to_file_errors_leave_no_file(rec, tmp_path):
    out = tmp_path / "s.jsonl"
    with pytest.raises(gsau.UnknownIDError, match="no-such-user"):
        rec.score_to_file(out, users=["1", "no-such-user"])
    with pytest.raises(KeyError, match="no-such-item"):
        rec.score_to_file(out, filter_items=["no-such-item"])
    with pytest.raises(ValueError, match="format"):
        rec.score_to_file(out, format="parquet")
    with pytest.raises(ValueError):
        rec.score_to_file(out, N=0)
    with pytest.raises(OSError):
        rec.score_to_file(tmp_path / "no-such-folder" / "s.jsonl")
    assert list(tmp_path.iterdir()) == []
    out.write_text("old\n")
    with pytest.raises(KeyError):
        rec.score_to_file(out, users=["no-such-user"])
    assert out.read_text() == "old\n"


# ── evaluate, embeddings ────────────────────────────────────────────────────────────────────

def test_evaluate(rec):
    r = rec.evaluate()
    assert set(r) == {"%s@%d" % (m, k) for m in ("recall", "mrr", "ndcg", "precision")
                      for k in (5, 10, 20, 50)}
    assert all(isinstance(v, float) and 0 <= v <= 1 for v in r.values())
    assert r["recall@10"] == pytest.approx(rec.info["test_recall_at_10"])
    assert r["ndcg@10"] == pytest.approx(rec.info["test_ndcg_at_10"])
    v = rec.evaluate("valid", ks=[20])
    assert set(v) == {"recall@20", "mrr@20", "ndcg@20", "precision@20"}
    assert rec.evaluate("validation", ks=20) == v
    with pytest.raises(ValueError, match="split"):
        rec.evaluate("train")
    with pytest.raises(ValueError):
        rec.evaluate(ks=[10, 0])
    with pytest.raises(ValueError):
        rec.evaluate(ks=[])


def test_item_embeddings(rec, graph):
    for model in (rec, graph):
        e = model.item_embeddings()
        assert e.shape == (21, 8) and e.dtype == np.float32 and e.flags.c_contiguous
        assert np.isfinite(e).all()


def test_user_vectors_score_items(rec, graph):
    for model in (rec, graph):
        items = model.item_embeddings()
        index = {raw: i + 1 for i, raw in enumerate(model.item_ids)}
        vectors = model.user_vectors(USERS)
        assert vectors.shape == (24, 8) and vectors.dtype == np.float32
        np.testing.assert_array_equal(model.user_vectors("2"), vectors[1])
        assert model.user_vectors([]).shape == (0, 8)
        for u, v in zip(USERS, vectors):
            ids, scores = model.recommend(u, N=5)
            expected = items[[index[i] for i in ids]] @ v
            np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-5)
        with pytest.raises(KeyError, match="nobody"):
            model.user_vectors(["1", "nobody"])


# ── Checkpoints ─────────────────────────────────────────────────────────────────────────────

def test_save_load_round_trip(rec, graph, tmp_path):
    for name, model in (("rec", rec), ("graph", graph)):
        path = tmp_path / (name + ".gsau")
        model.save(path)
        with GSAU.load(path) as loaded:
            same_results(loaded.recommend(USERS, N=10), model.recommend(USERS, N=10))
            same_results(loaded.recommend(USERS, N=20, filter_already_liked_items=True),
                         model.recommend(USERS, N=20, filter_already_liked_items=True))
            same_results(loaded.similar_items("3", N=5), model.similar_items("3", N=5))
            assert loaded.evaluate() == model.evaluate()
            np.testing.assert_array_equal(loaded.item_embeddings(), model.item_embeddings())
            assert loaded.info["best_epoch"] == -1
            assert loaded.info["predicts_with_graph"] == model.info["predicts_with_graph"]
            # The model's own configuration comes back from the checkpoint (run options do not).
            for key in ("variant", "gamma", "embedding_size", "inner_size", "max_sequence_length",
                        "batch_size", "learning_rate", "random_state"):
                assert loaded.config[key] == model.config[key], key
            assert loaded.config["epochs"] is None
    with GSAU.load(str(tmp_path / "rec.gsau")) as loaded:   # str paths too
        same_results(loaded.recommend_sequence(["1", "2"], N=5),
                     rec.recommend_sequence(["1", "2"], N=5))


def test_corrupt_and_missing_files(rec, tmp_path):
    path = tmp_path / "m.gsau"
    rec.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(gsau.CorruptFileError):
        GSAU.load(path)
    flipped = bytearray(data)
    flipped[len(data) - 10] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(gsau.CorruptFileError):
        GSAU.load(path)
    with pytest.raises(OSError):
        GSAU.load(tmp_path / "missing.gsau")
    with pytest.raises(OSError):
        rec.save(tmp_path / "no-such-folder" / "m.gsau")


# ── Lifetime ────────────────────────────────────────────────────────────────────────────────

def test_unfitted_and_closed_models_raise_value_errors(tmp_path):
    m = GSAU(**SMALL)
    for call in (lambda: m.recommend("1"), lambda: m.info, lambda: m.evaluate(),
                 lambda: m.save(tmp_path / "x"), lambda: m.item_embeddings()):
        with pytest.raises(ValueError, match="not fitted"):
            call()
    assert "not fitted" in repr(m)
    m.fit(TINY, show_progress=False)
    m.close()
    m.close()                                                       # idempotent
    assert m.closed and not m.fitted and "closed" in repr(m)
    for call in (lambda: m.recommend("1"), lambda: m.recommend_sequence(["1"]),
                 lambda: m.similar_items("1"), lambda: m.info, lambda: m.evaluate(),
                 lambda: m.item_embeddings(), lambda: m.save(tmp_path / "x"),
                 lambda: m.fit(TINY, show_progress=False)):
        with pytest.raises(ValueError, match="closed"):
            call()
    with GSAU(**SMALL) as m2:
        m2.fit(TINY, show_progress=False)
    assert m2.closed
    with pytest.raises(ValueError, match="closed"):
        m2.recommend("1")


def test_use_defers_the_free_of_a_handle_closed_meanwhile():
    from gsau._handle import _ModelHandle, _Use
    freed = []

    class Recorded(_ModelHandle):
        _free = staticmethod(freed.append)          # the value never reaches the library

    h = Recorded(12345)
    with _Use(h) as outer:
        assert outer is h
        with _Use(h):
            h.close()                               # another thread closes it meanwhile
        assert freed == [] and h.value == 12345     # still in use by the outer block
    assert freed == [12345] and h.value is None     # freed once, by the last user
    with pytest.raises(ValueError, match="closed"):
        with _Use(h):
            pass
    h.close()
    assert freed == [12345]
    h = Recorded(678)
    with pytest.raises(RuntimeError):
        with _Use(h):
            raise RuntimeError
    h.close()                                       # the failed block released its use
    assert freed == [12345, 678]


def test_a_loaded_model_cannot_be_fitted(rec, tmp_path):
    rec.save(tmp_path / "m.gsau")
    with GSAU.load(tmp_path / "m.gsau") as loaded:
        with pytest.raises(TypeError, match="GSAU.load"):
            loaded.fit(TINY, show_progress=False)
        assert loaded.recommend("1", N=3)[0].shape == (3,)


def test_garbage_collection_frees_models():
    for _ in range(3):
        fit()
    gc.collect()  # __del__ of each unreferenced model frees it; nothing to crash


def test_models_cannot_be_pickled(rec):
    import pickle
    with pytest.raises(TypeError, match="save"):
        pickle.dumps(rec)


# ── Threads ─────────────────────────────────────────────────────────────────────────────────

def test_concurrent_queries_equal_single_threaded(rec, graph):
    def work(model):
        out = [model.recommend(u, N=10, filter_already_liked_items=True) for u in USERS]
        out.append(model.recommend(USERS, N=10))
        out += [model.similar_items(i, N=5) for i in ("1", "5", "9")]
        if not model.info["predicts_with_graph"]:
            out.append(model.recommend_sequence(["1", "2", "3"], N=10))
        return out

    for model in (rec, graph):
        expected = work(model)
        results = [None] * 4
        errors = []
        barrier = threading.Barrier(4)

        def run(t):
            try:
                barrier.wait()
                for _ in range(5):
                    results[t] = work(model)
            except BaseException as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        for r in results:
            assert len(r) == len(expected)
            for got, want in zip(r, expected):
                same_results(got, want)


def test_close_while_other_threads_query():
    m = fit()
    stop = threading.Event()
    outcomes = []

    def query():
        while not stop.is_set():
            try:
                m.recommend(USERS, N=5)
            except ValueError as e:          # closed: the only acceptable failure
                outcomes.append(str(e))
                return

    threads = [threading.Thread(target=query) for _ in range(3)]
    for t in threads:
        t.start()
    m.close()
    stop.set()
    for t in threads:
        t.join()
    assert all("closed" in o for o in outcomes)


def test_hold_out_modes_keep_short_users_and_train_without_validation():
    users, items = tiny_arrays()
    users, items = users + ["solo"], items + [items[0]]       # one interaction
    with gsau.Dataset.from_arrays(users, items) as loo:
        assert loo.stats["n_users_dropped_short"] == 1
    with gsau.Dataset.from_arrays(users, items, hold_out="last") as last:
        assert last.stats["n_users"] == 25 and last.stats["n_users_dropped_short"] == 0
        assert last.stats["n_valid"] == 24 and last.stats["n_test"] == 0
    with gsau.Dataset.from_arrays(users, items, hold_out="none") as everything:
        assert everything.stats["n_train_interactions"] == len(users)
        assert everything.stats["n_valid"] == 0
    with fit(data=(users, items), hold_out="none", params=dict(epochs=2)) as model:
        assert model.info["epochs_run"] == 2
        ids, _ = model.recommend("solo", N=3)
        assert len(ids) == 3
        with pytest.raises(gsau.InvalidArgumentError, match="no users to evaluate"):
            model.evaluate("validation")
    with pytest.raises(ValueError, match="hold_out"):
        gsau.Dataset.from_arrays(users, items, hold_out="some")


def test_sizes_no_machine_holds_raise_instead_of_killing_the_interpreter():
    """Refused before allocating: the schema's bounds, then the memory estimate."""
    with pytest.raises(gsau.InvalidArgumentError, match="embedding_size"):
        fit(params=dict(embedding_size=10**6))
    with pytest.raises(gsau.OutOfMemoryError, match="out of memory"):
        fit(params=dict(embedding_size=1 << 16, inner_size=1 << 20, heads=1, epochs=1))
    assert issubclass(gsau.OutOfMemoryError, MemoryError)
