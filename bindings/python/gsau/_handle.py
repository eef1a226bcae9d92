"""The life cycle of library handles: owning one, freeing it exactly once, and never while a call
still uses it.

* :class:`_Owner`: the base of the public objects that own a handle (``Dataset``, ``GSAU``): a
  ``with`` block or garbage collection closes them, and they refuse to be pickled.
* :class:`_ModelHandle`: a ``gsau_model`` pointer with a count of the calls using it, so that
  closing a model while other threads query it frees the pointer when the last query returns.
* :class:`_Use`: one call's use of a model handle, ``with _Use(handle) as h:``.

Nothing here is public API.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Dict, Optional, TypeVar

import numpy as np

from . import _capi, _ids

_O = TypeVar("_O", bound="_Owner")


class _Owner:
    """Mixin of an object owning a library handle. The class defines ``close()`` (idempotent),
    ``_require_open()`` (raises ValueError once closed) and ``_not_picklable`` (the TypeError
    message of pickling)."""

    _not_picklable: str

    def __enter__(self: _O) -> _O:
        self._require_open()  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()  # type: ignore[attr-defined]

    def __del__(self) -> None:
        try:
            self.close()  # type: ignore[attr-defined]
        except Exception:  # never raise from a finaliser (e.g. during interpreter shutdown)
            pass

    def __reduce__(self):
        raise TypeError(self._not_picklable)


class _ModelHandle:
    """A gsau_model pointer (``value``) with a count of the calls using it (see :class:`_Use`),
    so that close() during queries defers the free to the last of them. Also caches data read
    through the handle (info, id tables), which lives as long as the handle."""

    _free = _capi.gsau_model_free  # on the class: usable while modules are torn down

    def __init__(self, value: int, id_kinds: Any = ("str", "str")) -> None:
        self.value: Optional[int] = value
        #: ("int" or "str" for the users' raw ids, the same for the items'): the type queries
        #: give ids back in (see gsau._ids.typed_ids).
        self.id_kinds = tuple(id_kinds)
        self._lock = threading.Lock()
        self._users = 0
        self._closed = False
        self._info: Optional[Dict[str, Any]] = None
        self._item_ids: Optional[np.ndarray] = None
        self._user_ids: Optional[np.ndarray] = None
        self._typed: Dict[str, np.ndarray] = {}
        self._factors: Dict[str, np.ndarray] = {}

    def acquire(self) -> None:
        with self._lock:
            if self._closed:
                raise ValueError("operation on a closed gsau.GSAU model")
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            value = self._take_if_idle()
        if value is not None:
            self._free(value)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            value = self._take_if_idle()
        if value is not None:
            self._free(value)

    def _take_if_idle(self) -> Optional[int]:
        """Under the lock: the handle to free once closed and no call is using it, else None."""
        if not (self._closed and self._users == 0):
            return None
        value, self.value = self.value, None
        return value

    def __del__(self) -> None:
        try:
            if self.value is not None:
                value, self.value = self.value, None
                self._free(value)
        except Exception:
            pass

    # -- cached model data (computed on first use; a race computes it twice, harmlessly) --

    def info(self) -> Dict[str, Any]:
        if self._info is None:
            out = _capi.sized(_capi.gsau_model_info)
            _capi._check(_capi.gsau_model_info_get(self.value, ctypes.byref(out)),
                         "gsau_model_info_get")
            d = _capi.struct_to_dict(out)
            d["predicts_with_graph"] = bool(d["predicts_with_graph"])
            self._info = d
        return self._info

    def _id_table(self, fn: Any, count: int, fn_name: str) -> np.ndarray:
        table = np.empty(count + 1, dtype=object)  # [0] = None: the padding index
        table[0] = None
        raw = ctypes.c_char_p()
        for i in range(1, count + 1):
            _capi._check(fn(self.value, i, ctypes.byref(raw)), fn_name)
            table[i] = raw.value.decode("utf-8", "replace")
        return table

    def item_ids(self) -> np.ndarray:
        if self._item_ids is None:
            self._item_ids = self._id_table(_capi.gsau_model_item_id, self.info()["n_items"],
                                            "gsau_model_item_id")
        return self._item_ids

    def user_ids(self) -> np.ndarray:
        if self._user_ids is None:
            self._user_ids = self._id_table(_capi.gsau_model_user_id, self.info()["n_users"],
                                            "gsau_model_user_id")
        return self._user_ids

    def typed_ids(self, what: str) -> np.ndarray:
        """The raw ids of ``what`` ("user" or "item") by index, in the kind the model records:
        int64 with -1 at index 0 (the padding), or dtype object with None there."""
        table = self._typed.get(what)
        if table is None:
            strings = (self.user_ids() if what == "user" else self.item_ids())[1:]
            kind = self.id_kinds[0 if what == "user" else 1]
            body = _ids.typed_ids(strings, kind, what)
            table = np.empty(len(body) + 1, dtype=body.dtype)
            table[0] = -1 if kind == "int" else None
            table[1:] = body
            self._typed[what] = table
        return table


class _Use:
    """One call's use of a model handle::

        with _Use(handle) as h:      # ValueError when the handle is closed
            _capi.gsau_model_...(h.value, ...)

    Inside the block ``h`` (the handle itself) is not freed, even when another thread closes it
    meanwhile: the free then happens when the last block using it ends."""

    __slots__ = ("_handle",)

    def __init__(self, handle: _ModelHandle) -> None:
        self._handle = handle

    def __enter__(self) -> _ModelHandle:
        self._handle.acquire()
        return self._handle

    def __exit__(self, *exc_info: Any) -> None:
        self._handle.release()
