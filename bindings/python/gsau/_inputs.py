"""Input coercion for :class:`gsau.GSAU`: Python arguments as the C arguments libgsau takes.

* numbers: checked and converted to the C ranges (:func:`_int`, :func:`_float`, :func:`_n`);
* training data (a path, a Dataset, arrays, a DataFrame, a sparse matrix) as a gsau.Dataset
  (:func:`_as_dataset`);
* raw user and item ids as int32 arrays of the model's indices, and query filters as a
  ``gsau_query`` (:func:`_indices`, :func:`_query`).

Nothing here is public API.
"""

from __future__ import annotations

import ctypes
import math
import operator
import os
import sys
from typing import Any, List, Sequence, Tuple

import numpy as np

from . import _INT32_MAX, Dataset, _capi, _flag, _ids

_UINT64_MAX = 2**64 - 1

_i32p = ctypes.POINTER(ctypes.c_int32)
_f32p = ctypes.POINTER(ctypes.c_float)
_f64p = ctypes.POINTER(ctypes.c_double)


# ── Numbers ─────────────────────────────────────────────────────────────────────────────────

def _int(name: str, value: Any, lo: int = 0, hi: int = _INT32_MAX) -> int:
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
    v = operator.index(value)
    if not lo <= v <= hi:
        raise ValueError("%s must be between %d and %d, got %d" % (name, lo, hi, v))
    return v


def _float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))
    v = float(value)
    if not math.isfinite(v):
        raise ValueError("%s must be finite, got %r" % (name, v))
    return v


def _n(N: Any, name: str = "N") -> int:
    if isinstance(N, bool) or not hasattr(type(N), "__index__"):
        raise TypeError("%s must be an int, not %s" % (name, type(N).__name__))
    v = operator.index(N)
    if v <= 0:
        raise ValueError("%s must be positive, got %d" % (name, v))
    return v


# ── Training data → gsau.Dataset ────────────────────────────────────────────────────────────

#: DataFrame column names read as users, items and timestamps (the first present of each).
_USER_COLUMNS = ("user", "user_id", "userid", "user_id:token")
_ITEM_COLUMNS = ("item", "item_id", "itemid", "item_id:token")
_TIME_COLUMNS = ("timestamp", "timestamp:float", "time", "ts", "datetime", "date",
                 "event_time", "created_at")


def _time_values(column: Any, name: str) -> np.ndarray:
    """A DataFrame time column as float64 order keys: numbers as they are, datetimes as
    nanoseconds since the epoch (timezone-aware ones in UTC)."""
    dtype = str(getattr(column, "dtype", ""))
    if dtype.startswith("datetime64"):
        if "," in dtype:   # timezone-aware (pandas): the same instants in naive UTC
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        values = np.asarray(column.to_numpy() if hasattr(column, "to_numpy") else column)
        if values.dtype.kind != "M":
            raise ValueError("the time column %r could not be read as datetimes" % name)
        out = values.astype("datetime64[ns]").astype(np.int64).astype(np.float64)
        out[np.isnat(values)] = np.nan
        return out
    values = column.to_numpy() if hasattr(column, "to_numpy") else np.asarray(column)
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("the time column %r holds values that are neither numbers nor datetimes "
                         "(e.g. %r); convert it (pandas.to_datetime) first"
                         % (name, values[0] if len(values) else None)) from None


def _dataframe_columns(df: Any) -> Tuple[Any, Any, Any]:
    """(users, items, timestamps or None) of a DataFrame. A column that looks like a time but is
    not one of the names read raises ValueError naming the columns, rather than being ignored."""
    columns = [str(c) for c in df.columns]

    def pick(names: Sequence[str], what: str) -> Any:
        found = [c for c in df.columns if str(c) in names]
        if len(found) > 1:
            raise ValueError("the DataFrame has more than one %s column (%s); keep one"
                             % (what, ", ".join(repr(str(c)) for c in found)))
        return found[0] if found else None

    user_col, item_col = pick(_USER_COLUMNS, "user"), pick(_ITEM_COLUMNS, "item")
    for col, names in ((user_col, _USER_COLUMNS), (item_col, _ITEM_COLUMNS)):
        if col is None:
            raise ValueError("the DataFrame needs a column named one of %s; it has %s"
                             % (", ".join(repr(n) for n in names), columns))
    time_col = pick(_TIME_COLUMNS, "time")
    if time_col is None:
        timeish = [c for c in columns if c not in (str(user_col), str(item_col)) and (
            any(w in c.lower() for w in ("time", "date", "stamp"))
            or str(getattr(df[c], "dtype", "")).startswith("datetime64"))]
        if timeish:
            raise ValueError("the DataFrame's column %s looks like a time, but gsau reads the "
                             "time from a column named one of %s; rename it (or drop it to use "
                             "the row order as the time order). Columns found: %s"
                             % (", ".join(repr(c) for c in timeish),
                                ", ".join(repr(n) for n in _TIME_COLUMNS), columns))
        timestamps = None
    else:
        timestamps = _time_values(df[time_col], str(time_col))
    return df[user_col].to_numpy(), df[item_col].to_numpy(), timestamps


def _sparse_columns(m: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    if m.ndim != 2:
        raise ValueError("the sparse matrix must be 2-dimensional (users x items)")
    csr = m.tocsr() if m.format != "csr" else m
    counts = np.diff(csr.indptr)
    users = np.repeat(np.arange(csr.shape[0], dtype=np.int64), counts)
    items = np.asarray(csr.indices, dtype=np.int64)
    timestamps = np.asarray(csr.data, dtype=np.float64)
    return users, items, timestamps


def _is_sparse(data: Any) -> bool:
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and sp.issparse(data)


def _is_dataframe(data: Any) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(data, pd.DataFrame)


def _as_dataset(data: Any, min_interactions: int, hold_out: str = "leave-one-out") -> Tuple[Dataset, bool]:
    """(the dataset, whether it was made here and must be closed after training). The dataset's
    ``_id_kinds`` is ("int" or "str" for users, the same for items)."""
    if isinstance(data, Dataset):
        if min_interactions or hold_out != "leave-one-out":
            raise ValueError("min_interactions and hold_out apply when fit() reads the data; a "
                             "gsau.Dataset is already split (pass them to Dataset.load)")
        return data, False
    kcore = {"min_user_interactions": min_interactions, "min_item_interactions": min_interactions,
             "hold_out": hold_out}
    if isinstance(data, (str, bytes, os.PathLike)):
        return Dataset.load(data, **kcore), True
    if isinstance(data, tuple):
        if len(data) not in (2, 3):
            raise ValueError("a tuple of data must be (users, items) or (users, items, timestamps),"
                             " got %d elements" % len(data))
        return Dataset.from_arrays(*data, **kcore), True
    if _is_sparse(data):
        ds = Dataset.from_arrays(*_sparse_columns(data), **kcore)
        ds._id_kinds = ("int", "int")   # rows and columns are integer ids, even if all are empty
        return ds, True
    if _is_dataframe(data):
        return Dataset.from_arrays(*_dataframe_columns(data), **kcore), True
    raise TypeError("fit() takes a path, a gsau.Dataset, a tuple (users, items[, timestamps]), a "
                    "pandas DataFrame or a scipy.sparse user x item matrix; got %s"
                    % type(data).__name__)


# ── Raw ids → model indices ─────────────────────────────────────────────────────────────────

def _is_scalar_id(x: Any) -> bool:
    return isinstance(x, (str, bytes, np.str_, np.bytes_)) or np.ndim(x) == 0


def _id_list(ids: Any, name: str) -> Tuple[bool, List[str]]:
    """(whether ``ids`` is one id, the ids as strings): one id or a 1-D array/list of them."""
    scalar = _is_scalar_id(ids)
    if scalar:
        return True, [_ids.id_str(ids, name)]
    return False, _ids.id_strs(ids, name)


def _index(fn: Any, fn_name: str, model: int, raw_id: Any, what: str) -> int:
    out = ctypes.c_int32()
    _capi._check(fn(model, _ids.encode_id(raw_id, what), ctypes.byref(out)), fn_name)
    return out.value


def _user_index(model: int, user: Any) -> int:
    """The index of a raw user id in the model (``model``: a gsau_model pointer)."""
    return _index(_capi.gsau_model_user_index, "gsau_model_user_index", model, user, "user")


def _item_index(model: int, item: Any) -> int:
    """The index of a raw item id in the model (``model``: a gsau_model pointer)."""
    return _index(_capi.gsau_model_item_index, "gsau_model_item_index", model, item, "item")


def _indices(lookup: Any, model: int, ids: Sequence[str], extra: int = 0) -> np.ndarray:
    """``lookup(model, id)`` (:func:`_user_index` or :func:`_item_index`) of each raw id, as
    int32, followed by ``extra`` zeros."""
    out = np.zeros(len(ids) + extra, dtype=np.int32)
    for i, raw_id in enumerate(ids):
        out[i] = lookup(model, raw_id)
    return out


def _query(model: int, filter_seen: bool, allowed: Any,
           excluded: Any) -> Tuple[Any, Tuple[Any, ...]]:
    """(the gsau_query of these filters, the arrays it points to: keep them until the call
    returns). ``allowed`` and ``excluded`` are raw item ids (one or many) or None."""
    q = _capi.gsau_query()
    _capi.gsau_query_init(ctypes.byref(q))
    q.filter_seen = 1 if _flag("filter_already_liked_items", filter_seen) else 0
    keep = []
    if allowed is not None:
        # One extra slot: a non-NULL pointer even for an empty list ("no item allowed").
        a = _indices(_item_index, model, _id_list(allowed, "items")[1], extra=1)
        q.allowed_items = a.ctypes.data_as(_i32p)
        q.n_allowed = a.shape[0] - 1
        keep.append(a)
    if excluded is not None:
        e = _indices(_item_index, model, _id_list(excluded, "filter_items")[1])
        if e.shape[0] > 0:
            q.excluded_items = e.ctypes.data_as(_i32p)
            q.n_excluded = e.shape[0]
        keep.append(e)
    return q, tuple(keep)


def _known_item(model: int, raw_id: str) -> bool:
    """Whether the model knows the raw item id (unknown items cannot be recommended, so a filter
    naming one has nothing to remove)."""
    out = ctypes.c_int32()
    return _capi.gsau_model_item_index(model, _ids.encode_id(raw_id, "item"),
                                       ctypes.byref(out)) == _capi.GSAU_OK


def _histories(user_items: Any, timestamps: Any, n_users: int, scalar: bool) -> List[List[str]]:
    """The item histories of ``recommend(userid, user_items=...)``, one list of raw item ids per
    requested user, oldest first.

    ``user_items`` is a scipy.sparse matrix with one row per requested user (column ``c`` = the
    item with raw id ``c``; the stored values are order keys, larger = later; ties keep column
    order), or item ids: one sequence for one user, a list of sequences for an array of users,
    oldest first unless ``timestamps`` (the same shape) orders them."""
    if _is_sparse(user_items):
        if timestamps is not None:
            raise TypeError("timestamps= goes with user_items given as item ids; the values of a "
                            "sparse user_items matrix are its order keys")
        if user_items.ndim != 2:
            raise ValueError("user_items must be a 2-dimensional sparse matrix")
        csr = user_items.tocsr()
        if csr.shape[0] != n_users:
            raise ValueError("user_items must have one row per user asked for (%d), as "
                             "implicit's user_items[userid]; got %d rows"
                             % (n_users, csr.shape[0]))
        out = []
        for r in range(n_users):
            lo, hi = csr.indptr[r], csr.indptr[r + 1]
            cols = np.asarray(csr.indices[lo:hi], dtype=np.int64)
            vals = np.asarray(csr.data[lo:hi], dtype=np.float64)
            if not np.isfinite(vals).all():
                raise ValueError("user_items row %d holds a non-finite value (the values are "
                                 "order keys)" % r)
            out.append([str(c) for c in cols[np.lexsort((cols, vals))].tolist()])
        return out
    if scalar:
        sequences, stamps = [user_items], [timestamps]
    else:
        if isinstance(user_items, (str, bytes)) or not hasattr(user_items, "__len__"):
            raise TypeError("for an array of users, user_items is a sparse matrix or a list of "
                            "item sequences, one per user")
        sequences = list(user_items)
        stamps = [None] * len(sequences) if timestamps is None else list(timestamps)
        if len(sequences) != n_users or len(stamps) != n_users:
            raise ValueError("user_items (and timestamps) must hold one item sequence per user "
                             "asked for (%d), got %d" % (n_users, len(sequences)))
    out = []
    for seq, ts in zip(sequences, stamps):
        ids = _id_list(seq, "user_items")[1]
        if ts is not None:
            t = np.asarray(ts, dtype=np.float64)
            if t.shape != (len(ids),):
                raise ValueError("timestamps must have one value per item of user_items (%d), "
                                 "got shape %s" % (len(ids), t.shape))
            if not np.isfinite(t).all():
                raise ValueError("timestamps must be finite")
            ids = [ids[i] for i in np.argsort(t, kind="stable").tolist()]
        out.append(ids)
    return out
