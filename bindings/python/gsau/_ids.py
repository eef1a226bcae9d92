"""Raw ids of any Python type as the UTF-8 strings libgsau works with.

The library knows users and items only by string ids. Every place of the binding that passes a
raw id to C goes through :func:`id_str` (one id) or :func:`id_strs` (many), so that the id a
dataset was built from and the id a query uses always map to the same string:

* ``str`` is used as is;
* ``bytes`` / ``numpy.bytes_`` are decoded as UTF-8;
* anything else (``int``, numpy integers, ...) becomes ``str(value)``: ``7`` and
  ``numpy.int64(7)`` are both the id ``"7"``;
* a missing id (None, NaN, pandas NA) raises ValueError; float ids with integral values are the
  integers' ids (an array of them with a warning), other floats raise ValueError.

A model also records the *kind* of its ids ("int" or "str", :func:`ids_and_kind`) so that queries
give ids back in the type they went in (:func:`typed_ids`).

Nothing here is public API.
"""

from __future__ import annotations

import ctypes
import warnings
from typing import Any, List, Sequence, Tuple

import numpy as np


_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1

#: The kinds of raw ids a model can give back: "int" (numpy int64 arrays) or "str" (dtype object).
ID_KINDS = ("int", "str")


def _is_missing(value: Any) -> bool:
    """None, a float NaN or a pandas NA/NaT: a missing id, never the id "None" or "nan"."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def _missing_error(name: str, position: Any, value: Any) -> ValueError:
    where = "" if position is None else " at position %d" % position
    return ValueError("%s: a missing id (%r)%s; every interaction needs a user and an item id "
                      "(drop or fill the missing rows first)" % (name, value, where))


def id_str(value: Any, name: str = "id") -> str:
    """The raw id ``value`` as the string the library knows it by. None/NaN raise ValueError; a
    float with an integral value is the integer's id (``3.0`` is ``"3"``), another float raises."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("id %r is not valid UTF-8" % (value,)) from None
    if _is_missing(value):
        raise _missing_error(name, None, value)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s: %r is not an id (a bool)" % (name, value))
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise ValueError("%s: the float %r is not an id; pass ids as int or str" % (name, value))
        return str(int(value))
    if isinstance(value, np.generic):
        value = value.item()  # numpy scalars print like the Python value (np.int64(7) -> "7")
    return str(value)


def _float_ids(arr: np.ndarray, name: str) -> np.ndarray:
    """A float id array as int64 when every value is integral (with a warning), else ValueError."""
    if arr.size == 0:
        return arr.astype(np.int64)    # np.asarray([]) is float64: no ids, nothing to convert
    nan = np.flatnonzero(np.isnan(arr))
    if nan.size:
        raise _missing_error(name, int(nan[0]), arr[nan[0]])
    bad = np.flatnonzero((arr != np.floor(arr)) | (np.abs(arr) >= 2.0**63))
    if bad.size:
        raise ValueError("%s: float ids must have integral values to be read as integer ids; "
                         "found %r at position %d (pass ids as int or str)"
                         % (name, arr[bad[0]], bad[0]))
    warnings.warn("%s: float ids with integral values were converted to integer ids (e.g. %r -> "
                  "%d); pass an integer array to avoid this warning"
                  % (name, arr[0], int(arr[0])),
                  UserWarning, stacklevel=4)
    return arr.astype(np.int64)


def id_strs(values: Any, name: str) -> List[str]:
    """A 1-D sequence of raw ids (list, tuple, numpy array, pandas Series, ...) as strings."""
    return ids_and_kind(values, name)[0]


def ids_and_kind(values: Any, name: str) -> Tuple[List[str], str]:
    """(the raw ids as strings, their kind: "int" when every id is an integer that fits int64,
    else "str"). None/NaN raise ValueError; float ids are converted as :func:`id_str` says."""
    if isinstance(values, (str, bytes)):
        raise TypeError("%s must be a sequence of ids, not a single %s"
                        % (name, type(values).__name__))
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.ndim != 1:
        raise ValueError("%s must be 1-dimensional, got shape %s" % (name, arr.shape))
    if arr.dtype.kind == "f":
        arr = _float_ids(arr, name)
    if arr.dtype.kind == "b":
        raise TypeError("%s: bools are not ids" % name)
    if arr.dtype.kind in "iu":          # the common case: integer ids, converted in one go
        fits = arr.size == 0 or arr.dtype.kind == "i" or int(arr.max()) <= _INT64_MAX
        return [str(v) for v in arr.tolist()], "int" if fits else "str"
    if arr.dtype.kind == "U":
        return arr.tolist(), "str"
    out = []
    all_int = len(arr) > 0
    for i, v in enumerate(arr.tolist()):
        if _is_missing(v):
            raise _missing_error(name, i, v)
        if all_int and not (isinstance(v, int) and not isinstance(v, bool)
                            and _INT64_MIN <= v <= _INT64_MAX):
            all_int = False
        out.append(id_str(v, name))
    return out, "int" if all_int else "str"


def typed_ids(strings: Sequence[str], kind: str, what: str) -> np.ndarray:
    """The model's raw ids (strings, in index order) as the array a query returns: int64 for
    ``kind == "int"`` (ValueError naming an id that is not the decimal form of an int64), else
    dtype object holding str."""
    if kind == "str":
        out = np.empty(len(strings), dtype=object)
        out[:] = list(strings)
        return out
    out = np.empty(len(strings), dtype=np.int64)
    for i, s in enumerate(strings):
        try:
            v = int(s)
        except ValueError:
            v = None
        if v is None or str(v) != s or not _INT64_MIN <= v <= _INT64_MAX:
            raise ValueError("%s id %r is not an integer id (the decimal form of an int64), so "
                             "the ids cannot be given back as integers; use id_type='str'"
                             % (what, s))
        out[i] = v
    return out


def encode_id(value: Any, what: str) -> bytes:
    """One raw id as NUL-terminated-safe UTF-8 for a ``const char *`` argument."""
    s = id_str(value, what)
    if not s:
        raise ValueError("%s id is empty" % what)
    if "\0" in s:
        raise ValueError("%s id %r contains a NUL character" % (what, s))
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("%s id %r cannot be encoded as UTF-8" % (what, s)) from None


def c_string_array(strings: Sequence[str], name: str) -> Tuple[Any, Any]:
    """``(keepalive, pointer)``: a ``const char *const *`` over ``strings``.

    All strings go into one NUL-separated buffer and the pointer table is a numpy array of
    addresses, so no per-string ctypes object is made. Keep ``keepalive`` referenced until the C
    call returns.
    """
    n = len(strings)
    joined = "\0".join(strings)
    if joined.count("\0") != n - 1:
        bad = next(s for s in strings if "\0" in s)
        raise ValueError("%s: id %r contains a NUL character" % (name, bad))
    try:
        blob = (joined + "\0").encode("utf-8")
    except UnicodeEncodeError:
        bad = next(s for s in strings if not _encodable(s))
        raise ValueError("%s: id %r cannot be encoded as UTF-8" % (name, bad)) from None
    buf = np.frombuffer(blob, dtype=np.uint8)
    ends = np.flatnonzero(buf == 0)                 # one NUL after each string
    starts = np.empty(n, dtype=np.uint64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    pointers = starts + np.uint64(buf.ctypes.data)
    return (blob, buf, pointers), pointers.ctypes.data_as(ctypes.POINTER(ctypes.c_char_p))


def _encodable(s: str) -> bool:
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
