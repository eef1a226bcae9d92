"""Raw ids of any Python type as the UTF-8 strings libgsau works with.

The library knows users and items only by string ids. Every place of the binding that passes a
raw id to C goes through :func:`id_str` (one id) or :func:`id_strs` (many), so that the id a
dataset was built from and the id a query uses always map to the same string:

* ``str`` is used as is;
* ``bytes`` / ``numpy.bytes_`` are decoded as UTF-8;
* anything else (``int``, numpy integers, ...) becomes ``str(value)``: ``7`` and
  ``numpy.int64(7)`` are both the id ``"7"``.

Nothing here is public API.
"""

from __future__ import annotations

import ctypes
from typing import Any, List, Sequence, Tuple

import numpy as np


def id_str(value: Any) -> str:
    """The raw id ``value`` as the string the library knows it by."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("id %r is not valid UTF-8" % (value,)) from None
    if isinstance(value, np.generic):
        value = value.item()  # numpy scalars print like the Python value (np.int64(7) -> "7")
    return str(value)


def id_strs(values: Any, name: str) -> List[str]:
    """A 1-D sequence of raw ids (list, tuple, numpy array, pandas Series, ...) as strings."""
    if isinstance(values, (str, bytes)):
        raise TypeError("%s must be a sequence of ids, not a single %s"
                        % (name, type(values).__name__))
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.ndim != 1:
        raise ValueError("%s must be 1-dimensional, got shape %s" % (name, arr.shape))
    if arr.dtype.kind in "iu":          # the common case: integer ids, converted in one go
        return [str(v) for v in arr.tolist()]
    if arr.dtype.kind == "U":
        return arr.tolist()
    return [id_str(v) for v in arr.tolist()]


def encode_id(value: Any, what: str) -> bytes:
    """One raw id as NUL-terminated-safe UTF-8 for a ``const char *`` argument."""
    s = id_str(value)
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
