"""implicit's conventions and input hygiene, against the real libgsau:
ids back in the type they went in, recommend/similar_items with implicit's names and filters,
user_items and recalculate_user, user_factors/item_factors; missing and float ids, DataFrame time
columns, format sniffing, bool flags, error classes."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import gsau
from gsau import GSAU

from test_model import HISTORIES, SMALL, TINY, USERS, fit, same_results, tiny_arrays


@pytest.fixture(scope="module")
def ints():
    """A model fit on int64 arrays (the ids of tiny.txt as integers)."""
    users, items = tiny_arrays()
    m = fit(data=(np.array(users, dtype=np.int64), np.array(items, dtype=np.int64)))
    yield m
    m.close()


# ── Ids come back in the type they went in ──────────────────────────────────────────────────

def test_int_ids_round_trip_as_int64(ints, rec, tmp_path):
    assert ints.id_types == {"user": "int", "item": "int"}
    assert rec.id_types == {"user": "str", "item": "str"}           # a file: strings
    ids, scores = ints.recommend(1, N=5)
    assert ids.dtype == np.int64 and scores.dtype == np.float32
    assert ints.item_ids.dtype == np.int64 and ints.user_ids.dtype == np.int64
    assert sorted(ints.user_ids.tolist()) == sorted(int(u) for u in USERS)
    same_results(ints.recommend("1", N=5), ints.recommend(np.int32(1), N=5))   # either type
    assert ints.similar_items(3, N=4)[0].dtype == np.int64
    assert ints.recommend_sequence([1, 2, 3], N=4)[0].dtype == np.int64
    # 2-D padding: -1 and NaN for integer ids, None and NaN for str ids
    ids2, scores2 = ints.recommend(np.array([1, 2]), N=20)
    n1 = 20 - len(set(HISTORIES["1"]))
    assert ids2.dtype == np.int64 and (ids2[0, n1:] == -1).all() and np.isnan(scores2[0, n1:]).all()
    assert all(i is None for i in rec.recommend(["1"], N=20)[0][0, n1:])
    # a checkpoint stores strings: str by default, int on request
    path = tmp_path / "ints.gsau"
    ints.save(path)
    with GSAU.load(path) as loaded:
        assert loaded.id_types == {"user": "str", "item": "str"}
        same_results(loaded.recommend(USERS, N=5), ints.recommend(USERS, N=5), as_str=True)
    for id_type in ("int", "auto"):
        with GSAU.load(path, id_type=id_type) as loaded:
            same_results(loaded.recommend(USERS, N=5), ints.recommend(USERS, N=5))
    with GSAU.load(path, id_type={"item": "int"}) as loaded:
        assert loaded.id_types == {"user": "str", "item": "int"}


def test_id_type_choices(tmp_path):
    users, items = tiny_arrays()
    with fit(data=(users, items)) as m:                               # str lists: str
        assert m.id_types == {"user": "str", "item": "str"}
    with fit(id_type="auto") as m:                                    # a file of integers
        assert m.id_types == {"user": "int", "item": "int"}
    with fit(data=(np.array(users, dtype=np.int64), items), id_type={"item": "str"}) as m:
        assert m.id_types == {"user": "int", "item": "str"}
    named = (["u" + u for u in users], items)
    with fit(data=named, id_type="auto") as m:
        assert m.id_types == {"user": "str", "item": "int"}
        m.save(tmp_path / "named.gsau")
    with pytest.raises(ValueError, match="not an integer id"):
        fit(data=named, id_type="int")
    with pytest.raises(ValueError, match="not an integer id"):
        GSAU.load(tmp_path / "named.gsau", id_type="int")
    with pytest.raises(ValueError, match="id_type"):
        fit(id_type="float")
    with pytest.raises(TypeError, match="id_type"):
        fit(id_type=3)


# ── recommend: implicit's names and semantics ───────────────────────────────────────────────

def test_filter_already_liked_items_defaults_to_true(rec):
    for u, history in HISTORIES.items():
        ids, _ = rec.recommend(u, N=20)
        assert not set(ids) & set(history) and len(ids) == 20 - len(set(history))
    ids, _ = rec.recommend("1", N=20, filter_already_liked_items=False)
    assert len(ids) == 20


def test_array_of_users_gives_2d(rec, graph):
    for model in (rec, graph):
        ids, scores = model.recommend(np.array(USERS[:4]), N=3)
        assert ids.shape == scores.shape == (4, 3)
        for b, u in enumerate(USERS[:4]):
            same_results((ids[b], scores[b]), model.recommend(u, N=3))


def test_filter_items_and_items(rec):
    ids, _ = rec.recommend("2", N=20, filter_items=["1", "3"])
    assert not {"1", "3"} & set(ids) and not set(ids) & set(HISTORIES["2"])
    ids, _ = rec.recommend("2", N=20, items=["1", "3", "7", "8"])       # 7 is user 2's
    assert sorted(ids) == ["1", "3", "8"]
    ids, _ = rec.recommend("2", N=20, items=["1", "3", "8"], filter_items=["3"])   # both at once
    assert sorted(ids) == ["1", "8"]


def test_recalculate_user_equals_recommend_sequence(rec):
    sparse = pytest.importorskip("scipy.sparse")
    history = ["3", "11", "5"]
    expected = rec.recommend_sequence(history, N=6)
    same_results(rec.recommend("1", user_items=history, recalculate_user=True, N=6), expected)
    same_results(rec.recommend("newcomer", user_items=history, recalculate_user=True, N=6),
                 expected)                                            # an unknown user: a label
    # timestamps order the items: here the reverse of the given order
    same_results(rec.recommend("1", user_items=history[::-1], timestamps=[3.0, 2.0, 1.0],
                               recalculate_user=True, N=6), expected)
    same_results(rec.recommend_sequence(history[::-1], timestamps=[3, 2, 1], N=6), expected)
    # a sparse row: values are order keys, larger = later
    row = sparse.csr_matrix(([30.0, 10.0, 20.0], ([0, 0, 0], [5, 3, 11])), shape=(1, 21))
    same_results(rec.recommend("1", user_items=row, recalculate_user=True, N=6), expected)
    # an array of users: one row (or one sequence) each
    rows = sparse.vstack([row, row]).tocsr()
    ids, scores = rec.recommend(["1", "2"], user_items=rows, recalculate_user=True, N=6)
    assert ids.shape == (2, 6)
    same_results((ids[1], scores[1]), expected)
    ids, scores = rec.recommend(["1", "2"], user_items=[history, ["7"]], recalculate_user=True,
                                N=6)
    same_results((ids[0], scores[0]), expected)
    same_results((ids[1], scores[1]), rec.recommend_sequence(["7"], N=6))
    # the filters apply to the given history
    same_results(rec.recommend("1", user_items=history, recalculate_user=True, N=6,
                               filter_already_liked_items=False),
                 rec.recommend_sequence(history, N=6, filter_already_liked_items=False))


def test_user_items_without_recalculation_filters_those_items(rec):
    # Scored from the training history; the items filtered are those of user_items.
    ids, _ = rec.recommend("1", user_items=["9", "10", "no-such-item"], N=20)
    assert not {"9", "10"} & set(ids) and "1" in set(ids) and len(ids) == 18
    full_ids, full_scores = rec.recommend("1", N=20, filter_already_liked_items=False)
    keep = [i for i, x in enumerate(full_ids) if x not in ("9", "10")]
    np.testing.assert_array_equal(_, full_scores[keep])


def test_user_items_errors(rec, graph):
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(ValueError, match="needs user_items"):
        rec.recommend("1", recalculate_user=True)
    with pytest.raises(ValueError, match="one row per user"):
        rec.recommend("1", user_items=sparse.csr_matrix((24, 21)))     # the whole matrix
    with pytest.raises(TypeError, match="timestamps"):
        rec.recommend("1", user_items=sparse.csr_matrix((1, 21)), timestamps=[1.0])
    with pytest.raises(ValueError, match="one value per item"):
        rec.recommend("1", user_items=["1", "2"], timestamps=[1.0], recalculate_user=True)
    with pytest.raises(ValueError, match="one item sequence per user"):
        rec.recommend(["1", "2"], user_items=[["1"]], recalculate_user=True)
    with pytest.raises(KeyError, match="no-such-item"):
        rec.recommend("1", user_items=["1", "no-such-item"], recalculate_user=True)
    with pytest.raises(gsau.InvalidArgumentError):
        graph.recommend("1", user_items=["1", "2"], recalculate_user=True)


def test_renamed_keywords_name_their_new_names(rec, tmp_path):
    for call, new in ((lambda: rec.recommend("1", filter_seen=True), "filter_already_liked_items"),
                      (lambda: rec.recommend("1", exclude=["2"]), "filter_items"),
                      (lambda: rec.recommend_sequence(["1"], items_allowed=["2"]), "'items'"),
                      (lambda: rec.score_to_file(tmp_path / "x", exclude=["2"]), "filter_items")):
        with pytest.raises(TypeError, match=new):
            call()
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        rec.recommend("1", nope=1)


# ── similar_items, factors ──────────────────────────────────────────────────────────────────

def test_similar_items_filters(rec, graph):
    for model in (rec, graph):
        full_ids, full_scores = model.similar_items("3", N=19)
        ids, scores = model.similar_items("3", N=5, filter_items=[full_ids[0], full_ids[2]])
        expected = [i for i in full_ids if i not in (full_ids[0], full_ids[2])][:5]
        assert list(ids) == expected
        allowed = list(full_ids[::3])
        ids, scores = model.similar_items("3", N=100, items=allowed)
        assert list(ids) == allowed                                   # same order, same scores
        np.testing.assert_array_equal(scores, full_scores[::3])
        ids, _ = model.similar_items(["3", "4"], N=3, items=allowed[:2])
        assert ids.shape == (2, 3) and ids[0, 2] is None


def test_factors_reproduce_the_scores(rec, graph, ints):
    for model in (rec, graph, ints):
        U, V = model.user_factors, model.item_factors
        assert U.shape == (24, 8) and V.shape == (20, 8) and U.dtype == V.dtype == np.float32
        np.testing.assert_array_equal(V, model.item_embeddings()[1:])
        users = model.user_ids
        ids, scores = model.recommend(users, N=20, filter_already_liked_items=False)
        column = {item: c for c, item in enumerate(model.item_ids.tolist())}
        for b in range(len(users)):
            dots = V[[column[i] for i in ids[b].tolist()]] @ U[b]
            np.testing.assert_allclose(scores[b], dots, rtol=1e-4, atol=1e-5)
        U[0, 0] = 1e9                                                 # a copy each time
        assert model.user_factors[0, 0] != 1e9


# ── Input hygiene ─────────────────────────────────────────────────────────────────────────

def test_missing_ids_raise():
    for users in (["1", None, "1"], np.array([1.0, np.nan, 1.0]), [1, float("nan"), 1]):
        with pytest.raises(ValueError, match="missing id"):
            gsau.Dataset.from_arrays(users, ["1", "2", "3"])
    with pytest.raises(ValueError, match="missing id"):
        gsau.Dataset.from_arrays(["1"] * 3, ["1", None, "3"])


def test_missing_ids_raise_in_queries(rec):
    with pytest.raises(ValueError, match="missing id"):
        rec.recommend(None)
    with pytest.raises(ValueError, match="missing id"):
        rec.recommend(["1", None])
    with pytest.raises(ValueError, match="missing id"):
        rec.recommend("1", filter_items=[float("nan")])


def test_float_ids_convert_when_integral_else_raise(rec):
    users, items = tiny_arrays()
    with pytest.warns(UserWarning, match="converted to integer ids"):
        with fit(data=(np.array(users, dtype=float), np.array(items, dtype=np.int64))) as m:
            assert m.id_types["user"] == "int"
            same_results(m.recommend(USERS, N=5), rec.recommend(USERS, N=5), as_str=True)
    with pytest.raises(ValueError, match="integral"):
        gsau.Dataset.from_arrays([1.5, 1.5, 1.5], [1, 2, 3])
    with pytest.raises(ValueError, match="float"):
        rec.recommend(1.5)
    same_results(rec.recommend(1.0, N=3), rec.recommend("1", N=3))  # one integral float id
    with pytest.raises(TypeError, match="bool"):
        gsau.Dataset.from_arrays([True, True, True], [1, 2, 3])


def _frame(columns):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(columns)


def test_dataframe_time_columns(rec):
    users, items = tiny_arrays()
    order = np.arange(len(users), dtype=np.float64)
    rows = {"user_id": users, "item_id": items}
    with fit(data=(users, items, -order)) as m:                      # each user's items reversed
        reversed_results = m.recommend(USERS, N=5)
    for name in ("timestamp", "time", "ts", "datetime", "timestamp:float"):
        with fit(data=_frame(dict(rows, **{name: order}))) as m:
            same_results(m.recommend(USERS, N=5), rec.recommend(USERS, N=5))
        with fit(data=_frame(dict(rows, **{name: -order}))) as m:    # the column is read
            same_results(m.recommend(USERS, N=5), reversed_results)
    pd = pytest.importorskip("pandas")
    stamps = pd.to_datetime(1_600_000_000 - order, unit="s")
    with fit(data=_frame(dict(rows, date=stamps))) as m:             # datetimes
        same_results(m.recommend(USERS, N=5), reversed_results)
    with fit(data=_frame(dict(rows, date=stamps.tz_localize("Europe/Paris")))) as m:
        same_results(m.recommend(USERS, N=5), reversed_results)
    for name in ("event_timestamp", "Time", "created"):
        df = _frame(dict(rows, **{name: order if name != "created" else stamps}))
        with pytest.raises(ValueError, match="Columns found") as e:
            fit(data=df)
        assert name in str(e.value)
    with pytest.raises(ValueError, match="more than one time column"):
        fit(data=_frame(dict(rows, time=order, ts=order)))
    with pytest.raises(ValueError, match="neither numbers nor datetimes"):
        fit(data=_frame(dict(rows, time=["a"] * len(users))))
    with fit(data=_frame(dict(rows, rating=np.ones(len(users))))) as m:   # not a time
        same_results(m.recommend(USERS, N=5), rec.recommend(USERS, N=5))


def test_dataframe_nullable_ids_raise():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"user": pd.array([1, None, 1], dtype="Int64"), "item": [1, 2, 3]})
    with pytest.raises(ValueError, match="missing id"):
        fit(data=df)
    df = pd.DataFrame({"user": [1, None, 1], "item": [1, 2, 3]})    # float64 with NaN
    with pytest.raises(ValueError, match="missing id"):
        fit(data=df)


def test_sequence_format_refuses_other_formats(tmp_path, repo):
    atomic = repo / "Tests" / "GSAUTests" / "Fixtures" / "parity" / "tiny.inter"
    with pytest.raises(gsau.MalformedInputError, match="RecBole"):
        gsau.Dataset.load(atomic, format="sequence")
    rows = tmp_path / "rows.txt"
    rows.write_text("".join("%d\t%d\t%d\n" % (u, i, 978300760 + i) for u in (1, 2, 3)
                            for i in (1, 2, 3)))
    with pytest.raises(ValueError, match="timestamp"):
        gsau.Dataset.load(rows, format="sequence")
    with pytest.raises(gsau.MalformedInputError, match="format='auto'.*timestamp"):
        gsau.Dataset.load(rows)                                       # auto would read sequences
    atomic_rows = tmp_path / "rows.inter"                             # the name says otherwise
    atomic_rows.write_text(rows.read_text())
    with pytest.raises(gsau.MalformedInputError) as e:               # the library's own message
        gsau.Dataset.load(atomic_rows)
    assert "format='auto'" not in str(e.value)
    floats = tmp_path / "floats.txt"
    floats.write_text("1\t2\t3.5\n1\t3\t4.5\n")
    with pytest.raises(ValueError, match="timestamp"):
        gsau.Dataset.load(floats, format="sequence")
    csv = tmp_path / "data.txt"
    csv.write_text("user,item\n1,2\n")
    with pytest.raises(ValueError, match="comma"):
        gsau.Dataset.load(csv, format="sequence")
    with gsau.Dataset.load(TINY, format="sequence") as ds:           # a real sequence file
        assert ds.stats["n_users"] == 24
    with gsau.Dataset.load(atomic) as ds:                             # auto: the header decides
        assert ds.stats["n_users"] == 24
    small = tmp_path / "small.txt"                                    # tab-separated items
    small.write_text("1\t2\t3\t4\n2\t5\t6\t7\n")
    gsau.Dataset.load(small, format="sequence").close()
    with pytest.raises(OSError):
        gsau.Dataset.load(tmp_path / "missing.txt", format="sequence")


@pytest.mark.parametrize("value", ["no", 1, 0, 1.0, None, "True"])
def test_flags_must_be_bools(rec, tmp_path, value):
    for call in (lambda: rec.recommend("1", filter_already_liked_items=value),
                 lambda: rec.recommend(["1"], filter_already_liked_items=value),
                 lambda: rec.recommend("1", user_items=["1"], recalculate_user=value),
                 lambda: rec.recommend_sequence(["1"], filter_already_liked_items=value),
                 lambda: rec.score_to_file(tmp_path / "s.jsonl",
                                           filter_already_liked_items=value),
                 lambda: GSAU(**SMALL).fit(TINY, show_progress=value),
                 lambda: GSAU(**SMALL).fit(TINY, show_progress=False, resume=value)):
        with pytest.raises(TypeError, match="bool"):
            call()
    assert not list(tmp_path.iterdir())


def test_numpy_bools_are_flags(rec):
    same_results(rec.recommend("1", N=5, filter_already_liked_items=np.bool_(False)),
                 rec.recommend("1", N=5, filter_already_liked_items=False))


def test_error_classes_fit_python(rec, tmp_path):
    foreign = tmp_path / "foreign.gsau"
    foreign.write_bytes(b"PK\x03\x04 not a gsau checkpoint" * 10)
    with pytest.raises(ValueError) as e:
        GSAU.load(foreign)
    assert isinstance(e.value, gsau.GSAUError)
    with pytest.raises(OSError):
        GSAU.load(tmp_path / "missing.gsau")
    with pytest.raises(OSError):
        gsau.Dataset.load(tmp_path / "missing.txt")


class _Column:
    def __init__(self, values):
        self.values = np.asarray(values)
        self.dtype = self.values.dtype

    def to_numpy(self):
        return self.values


class _Frame:
    """Just what gsau reads of a DataFrame, so the column rules are tested without pandas."""

    def __init__(self, columns):
        self._columns = {k: _Column(v) for k, v in columns.items()}
        self.columns = list(columns)

    def __getitem__(self, name):
        return self._columns[name]


def test_dataframe_column_rules_without_pandas():
    from gsau._inputs import _dataframe_columns
    users, items, times = _dataframe_columns(_Frame({"user": [1, 2], "item": [3, 4],
                                                     "ts": [5, 6]}))
    assert users.tolist() == [1, 2] and items.tolist() == [3, 4]
    assert times.dtype == np.float64 and times.tolist() == [5.0, 6.0]
    stamps = np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[s]")
    _, _, times = _dataframe_columns(_Frame({"user": [1, 2], "item": [3, 4], "datetime": stamps}))
    assert times[1] - times[0] == 86400e9                            # nanoseconds
    assert _dataframe_columns(_Frame({"user_id": [1], "itemid": [2], "rating": [5]}))[2] is None
    with pytest.raises(ValueError, match=r"'event_time_ms'.*Columns found: \['user', 'item', "):
        _dataframe_columns(_Frame({"user": [1], "item": [2], "event_time_ms": [3]}))
    with pytest.raises(ValueError, match="'when'.*Columns found"):
        _dataframe_columns(_Frame({"user": [1], "item": [2], "when": stamps[:1]}))
    with pytest.raises(ValueError, match="needs a column named one of 'item'"):
        _dataframe_columns(_Frame({"user": [1], "product": [2]}))
