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

from . import _INT32_MAX, Dataset, _capi, _ids

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

def _dataframe_columns(df: Any) -> Tuple[Any, Any, Any]:
    def pick(names: Sequence[str], required: bool) -> Any:
        for n in names:
            if n in df.columns:
                return df[n].to_numpy()
        if required:
            raise ValueError("the DataFrame needs a column named one of %s; it has %s"
                             % (", ".join(repr(n) for n in names), list(df.columns)))
        return None
    return (pick(("user", "user_id", "user_id:token"), True),
            pick(("item", "item_id", "item_id:token"), True),
            pick(("timestamp", "timestamp:float"), False))


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
    """(the dataset, whether it was made here and must be closed after training)."""
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
        return Dataset.from_arrays(*_sparse_columns(data), **kcore), True
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
    return scalar, _ids.id_strs([ids] if scalar else ids, name)


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
    q.filter_seen = 1 if filter_seen else 0
    keep = []
    if allowed is not None:
        # One extra slot: a non-NULL pointer even for an empty list ("no item allowed").
        a = _indices(_item_index, model, _id_list(allowed, "items")[1], extra=1)
        q.allowed_items = a.ctypes.data_as(_i32p)
        q.n_allowed = a.shape[0] - 1
        keep.append(a)
    if excluded is not None:
        e = _indices(_item_index, model, _id_list(excluded, "exclude")[1])
        if e.shape[0] > 0:
            q.excluded_items = e.ctypes.data_as(_i32p)
            q.n_excluded = e.shape[0]
        keep.append(e)
    return q, tuple(keep)
