"""gsau: Python binding of the gsau recommender engine (libgsau, a C-ABI shared library).

Examples
--------
>>> import gsau
>>> with gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.txt") as ds:
...     ds.stats["n_users"], ds.stats["n_items"]
(24, 20)
>>> model = gsau.GSAU("gsau-rec", embedding_size=8, inner_size=16, epochs=1).fit(
...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
>>> ids, scores = model.recommend("1", N=10)

See :class:`gsau.GSAU` (module ``gsau.model``) for training and queries.

Importing the package loads libgsau (see ``gsau._loader`` for where it is looked for, and the
``GSAU_LIBRARY_PATH`` environment variable) and raises ImportError if it cannot be found or its
ABI version does not match this binding.

Thread safety: a loaded :class:`Dataset` is immutable, so any number of threads may read it at
once; closing it while another thread still uses it is a caller error.
"""

from __future__ import annotations

import ctypes
import operator
import os
from typing import Any, Dict, List, Mapping, Tuple, Union

import numpy as np

from . import _capi, _ids, errors
from ._handle import _Owner
from .errors import (
    AbortedError,
    CorruptFileError,
    GSAUError,
    GSAUIOError,
    InternalError,
    InvalidArgumentError,
    MalformedInputError,
    MisuseError,
    NumericalError,
    OutOfMemoryError,
    UnknownIDError,
    VersionMismatchError,
)

__version__ = _capi.GSAU_VERSION_STRING   # the header version this binding is written against

__all__ = [
    "__version__",
    "version",
    "abi_version",
    "system_info",
    "memory_limit",
    "set_memory_limit",
    "variants",
    "Dataset",
    "GSAU",
] + [name for name in errors.__all__ if name != "error_class_for_status"]  # the exception classes

PathLike = Union[str, "os.PathLike[str]", bytes, "os.PathLike[bytes]"]

_INT32_MAX = 2**31 - 1

#: Dataset.load(format=...) values and their GSAU_FORMAT_* codes.
FORMATS: Mapping[str, int] = {
    "auto": _capi.GSAU_FORMAT_AUTO,
    "sequence": _capi.GSAU_FORMAT_SEQUENCE,
    "atomic": _capi.GSAU_FORMAT_ATOMIC,
    "csv": _capi.GSAU_FORMAT_CSV,
}

#: Dataset.load(short_users=...) values and their refuse_short_users codes.
SHORT_USER_POLICIES: Mapping[str, int] = {"drop": 0, "refuse": 1}

#: Dataset hold_out= values and their GSAU_HOLD_OUT_* codes.
HOLD_OUTS: Mapping[str, int] = {
    "leave-one-out": _capi.GSAU_HOLD_OUT_LEAVE_ONE_OUT,
    "last": _capi.GSAU_HOLD_OUT_LAST,
    "none": _capi.GSAU_HOLD_OUT_NONE,
}


# ── Library information ─────────────────────────────────────────────────────────────────────

def version() -> str:
    """The loaded library's version string.

    Returns
    -------
    str
        ``GSAU_VERSION_STRING`` of the loaded library, e.g. ``"0.2.0"``.

    Examples
    --------
    >>> import gsau
    >>> gsau.version() == gsau.__version__
    True
    """
    return _capi.gsau_version_string().decode("utf-8")


def abi_version() -> int:
    """The loaded library's ABI version.

    Returns
    -------
    int
        ``GSAU_ABI_VERSION``; importing gsau checks it equals the binding's.

    Examples
    --------
    >>> import gsau
    >>> gsau.abi_version() == gsau._loader.EXPECTED_ABI_VERSION
    True
    """
    return int(_capi.gsau_abi_version())


def system_info() -> Dict[str, Any]:
    """Runtime diagnostics of the loaded library.

    Returns
    -------
    dict
        ``blas_core_name`` (str: the OpenBLAS kernel family, e.g. "Haswell"), ``blas_threads``
        (int: threads one matrix product is split over; OpenBLAS itself runs one thread),
        ``hardware_threads`` (int: online CPUs) and ``blas_generic_fallback`` (bool: True when
        OpenBLAS runs its slow generic kernels; see OPENBLAS_CORETYPE in the gsau README).

    Examples
    --------
    >>> import gsau
    >>> sorted(gsau.system_info())
    ['blas_core_name', 'blas_generic_fallback', 'blas_threads', 'hardware_threads']
    """
    info = _capi.sized(_capi.gsau_system_info)
    _capi._check(_capi.gsau_system_info_get(ctypes.byref(info)), "gsau_system_info_get")
    d = _capi.struct_to_dict(info)
    d["blas_generic_fallback"] = bool(d["blas_generic_fallback"])
    return d


def memory_limit() -> int:
    """The process's memory cap in bytes (0: none beyond the memory available).

    Returns
    -------
    int
        What :func:`set_memory_limit` last set (``gsau_memory_limit``), 0 by default.

    Examples
    --------
    >>> import gsau
    >>> gsau.memory_limit()
    0
    """
    return int(_capi.gsau_memory_limit(-1))


def set_memory_limit(bytes: int) -> int:
    """Caps the memory gsau may allocate in this process.

    Training, loading a dataset or a model, and batch queries (``recommend`` for many users,
    ``score_to_file``) estimate what they will allocate before allocating, and raise
    :class:`OutOfMemoryError` (a MemoryError) naming the need and the cap when it exceeds this
    cap or the memory available now. One setting for the whole process (every thread, every
    model), as ``gsau_memory_limit`` in C.

    Parameters
    ----------
    bytes : int
        The cap in bytes; 0 = no cap beyond the memory available (the default).

    Returns
    -------
    int
        The cap in force before the call.

    Raises
    ------
    TypeError, ValueError
        ``bytes`` not an int, or negative.

    Examples
    --------
    >>> import gsau
    >>> gsau.set_memory_limit(2**30)
    0
    >>> gsau.set_memory_limit(0)
    1073741824
    """
    if isinstance(bytes, bool) or not hasattr(type(bytes), "__index__"):
        raise TypeError("bytes must be an int, not %s" % type(bytes).__name__)
    value = operator.index(bytes)
    if not 0 <= value < 2**63:
        raise ValueError("bytes must be between 0 and 2**63 - 1 (0 = no limit), got %d" % value)
    return int(_capi.gsau_memory_limit(value))


def variants() -> List[str]:
    """The names of the model variants the loaded library trains.

    Returns
    -------
    list of str
        A new list, in the library's order, e.g. ``"gsau-rec"``, ``"sasrec"``, ``"directau"``:
        the values :class:`GSAU` takes as ``variant``.

    Examples
    --------
    >>> import gsau
    >>> "gsau-rec" in gsau.variants()
    True
    """
    return [_capi.gsau_variant_name(i).decode("utf-8") for i in range(_capi.gsau_variant_count())]


# ── Argument validation ─────────────────────────────────────────────────────────────────────

def _encode_path(path: PathLike) -> Tuple[Union[str, bytes], bytes]:
    """(the path as given, after os.fspath; its UTF-8 bytes for C)."""
    try:
        p = os.fspath(path)
    except TypeError:
        raise TypeError("path must be a str or an os.PathLike, not %s"
                        % type(path).__name__) from None
    # gsau.h takes UTF-8 paths; the library cannot open a file whose name is not valid UTF-8
    # (it would report a misleading "No such file"), so such names are refused here.
    try:
        raw = p.encode("utf-8") if isinstance(p, str) else bytes(p)
        raw.decode("utf-8")
    except UnicodeError:  # e.g. a str that os.fsdecode made from undecodable bytes
        raise ValueError("path is not valid UTF-8, which gsau requires: %r" % (p,)) from None
    if not raw:
        raise ValueError("path is empty")
    if b"\0" in raw:
        raise ValueError("path contains a NUL character: %r" % (p,))
    return p, raw


def _choice(name: str, value: Any, choices: Mapping[str, int]) -> int:
    valid = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError("%s must be a str, one of %s; got %s" % (name, valid, type(value).__name__))
    try:
        return choices[value]
    except KeyError:
        raise ValueError("unknown %s %r; expected one of %s" % (name, value, valid)) from None


def _flag(name: str, value: Any) -> bool:
    """A bool argument: bool or numpy.bool_ only (``"no"``, ``0`` or ``1.0`` raise TypeError)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be a bool (True or False), not %s %r"
                        % (name, type(value).__name__, value))
    return bool(value)


def _sniff_sequence_file(path: Union[str, bytes], auto: bool = False) -> None:
    """Refuses a file read as user sequences whose first lines are plainly another format (a
    RecBole or CSV header, or tab-separated ``user item timestamp`` rows), which the sequence
    reader would take as items. ``auto``: the format is "auto" and the name does not say
    ``.inter`` or ``.csv``; the library then tells headers apart itself, so only the header-less
    rows are checked. Files that cannot be opened are left to the library (OSError)."""
    name = os.fsdecode(path)
    if auto and name.lower().endswith((".inter", ".csv")):
        return
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return
    lines = [ln for ln in head.decode("utf-8", "replace").splitlines() if ln.strip()][:20]
    if not lines or len(head) == (1 << 16) and len(lines) < 2:
        return
    first = lines[0]
    fields = first.split("\t") if "\t" in first else first.split()
    given = "format='auto' reads this file as user sequences" if auto else "format='sequence'"
    if not auto and any(":" in f and f.split(":", 1)[1] in ("token", "float", "token_seq", "float_seq")
           for f in fields):
        raise MalformedInputError(
            "%s: format='sequence', but the first line is a RecBole atomic header (%r); use "
            "format='atomic' or 'auto'" % (os.fsdecode(path), first), _capi.GSAU_E_MALFORMED_INPUT)
    if not auto and "," in first and not any(c.isspace() for c in first.strip()):
        raise MalformedInputError(
            "%s: format='sequence', but the first line is comma-separated (%r); use format='csv' "
            "or 'auto'" % (os.fsdecode(path), first), _capi.GSAU_E_MALFORMED_INPUT)
    rows = [ln.split("\t") for ln in lines]
    if all(len(r) == 3 for r in rows) and all(_timestamp_like(r[2]) for r in rows):
        raise MalformedInputError(
            "%s: %s, but the lines are tab-separated 'user item timestamp' rows (first: %r), "
            "whose timestamps would be read as items; use format='atomic' (with a RecBole "
            "header), 'csv', or Dataset.from_arrays" % (name, given, first),
            _capi.GSAU_E_MALFORMED_INPUT)


def _timestamp_like(field: str) -> bool:
    """A field that reads as a time: a number with a fraction or exponent, or an integer of at
    least 9 digits (Unix seconds since 1973)."""
    f = field.strip()
    try:
        v = float(f)
    except ValueError:
        return False
    if any(c in f for c in ".eE"):
        return True
    return abs(v) >= 1e8


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
    v = operator.index(value)
    if not 0 <= v <= _INT32_MAX:
        raise ValueError("%s must be between 0 and %d (0 = no filter), got %d"
                         % (name, _INT32_MAX, v))
    return v


# ── Dataset ─────────────────────────────────────────────────────────────────────────────────

class Dataset(_Owner):
    """Interactions read from a file, filtered (k-core), ordered by time and split leave-one-out:
    per user the last item is the test target, the second-to-last the validation target, the
    rest is training data.

    Create one with :meth:`Dataset.load` or :meth:`Dataset.from_arrays`. A dataset owns a
    library handle: release it with :meth:`close` or a ``with`` block (garbage collection also
    closes it). Methods of a closed dataset raise ValueError.

    Examples
    --------
    >>> import gsau
    >>> ds = gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.txt")
    >>> ds.stats["n_test"]
    24
    >>> ds.close()
    """

    # Kept on the class so __del__ still works while the interpreter tears modules down.
    _free = _capi.gsau_dataset_free

    _not_picklable = "a gsau.Dataset cannot be pickled or copied; load the file again"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Dataset objects are created with Dataset.load(path, ...) or "
                        "Dataset.from_arrays(users, items, ...)")

    @classmethod
    def load(cls, path: PathLike, format: str = "auto", min_user_interactions: int = 0,
             min_item_interactions: int = 0, short_users: str = "drop",
             hold_out: str = "leave-one-out") -> "Dataset":
        """Loads an interaction file.

        Parameters
        ----------
        path : str or os.PathLike
            The file to read.
        format : {"auto", "sequence", "atomic", "csv"}
            ``"sequence"``: one line per user, ``user item item ...``, oldest item first.
            ``"atomic"``: a RecBole atomic ``.inter`` file (tab-separated, typed header
            ``user_id:token item_id:token [timestamp:float]``). ``"csv"``: CSV with a header
            naming user, item[, timestamp] columns. ``"auto"`` (default): from the file name
            (``.inter``, ``.csv``) or the first line.
        min_user_interactions, min_item_interactions : int
            Iterative k-core thresholds (RecBole's 5-core is 5 and 5); 0 = off (default).
        short_users : {"drop", "refuse"}
            What to do with users left with fewer interactions than the hold-out needs (3 for
            leave-one-out, 1 otherwise): drop them and count them in
            ``stats["n_users_dropped_short"]`` (default), or refuse the file with
            MalformedInputError naming the user.
        hold_out : {"leave-one-out", "last", "none"}
            Which of each user's last interactions are held out of training.
            ``"leave-one-out"`` (default, the paper's): last = test, second-to-last = validation.
            ``"last"``: the last is the validation target (early stopping reads it), everything
            else trains, no test split. ``"none"``: everything trains, no validation (train a
            fixed number of ``epochs``, e.g. the best epoch of a validated run).

        Returns
        -------
        Dataset
            The loaded dataset; its raw ids are strings (``fit`` on it gives string ids back
            unless ``id_type`` says otherwise).

        Raises
        ------
        GSAUIOError (an OSError)
            The file cannot be read.
        MalformedInputError (a ValueError)
            The content does not follow the format; the message names file and line. With
            ``format="sequence"``, also a file whose first line is plainly another format (a
            RecBole or CSV header, tab-separated ``user item timestamp`` rows), rather than
            reading its timestamps as items; with ``format="auto"``, a file without a header
            whose lines are tab-separated ``user item timestamp`` rows.
        TypeError, ValueError
            An argument of the wrong type or out of range.

        Examples
        --------
        >>> import gsau
        >>> with gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.inter") as ds:
        ...     ds.stats["n_users"]
        24
        >>> gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.inter", format="sequence")
        Traceback (most recent call last):
        ...
        gsau.errors.MalformedInputError: ...: format='sequence', but the first line is a RecBole atomic header ...
        """
        given_path, raw_path = _encode_path(path)
        fmt = _choice("format", format, FORMATS)
        if fmt in (_capi.GSAU_FORMAT_SEQUENCE, _capi.GSAU_FORMAT_AUTO):
            _sniff_sequence_file(given_path, auto=fmt == _capi.GSAU_FORMAT_AUTO)
        min_user = _count("min_user_interactions", min_user_interactions)
        min_item = _count("min_item_interactions", min_item_interactions)
        refuse = _choice("short_users", short_users, SHORT_USER_POLICIES)
        held = _choice("hold_out", hold_out, HOLD_OUTS)

        self = cls.__new__(cls)
        self._handle = None  # close() is safe from here on, whatever fails below
        self._path = given_path
        self._id_kinds = ("str", "str")
        self._options = {"format": format, "min_user_interactions": min_user,
                         "min_item_interactions": min_item, "short_users": short_users,
                         "hold_out": hold_out}

        opts = _capi.gsau_dataset_options()
        _capi.gsau_dataset_options_init(ctypes.byref(opts))
        opts.format = fmt
        opts.min_user_interactions = min_user
        opts.min_item_interactions = min_item
        opts.refuse_short_users = refuse
        opts.hold_out = held

        out = _capi.gsau_dataset_p()
        status = _capi.gsau_dataset_load(ctypes.byref(out), raw_path, ctypes.byref(opts))
        if status < 0 and out.value:  # the header promises untouched outputs on failure
            cls._free(out)
        _capi._check(status, "gsau_dataset_load")
        self._handle = out.value
        return self

    @classmethod
    def from_arrays(cls, users: Any, items: Any, timestamps: Any = None,
                    min_user_interactions: int = 0, min_item_interactions: int = 0,
                    short_users: str = "drop", hold_out: str = "leave-one-out") -> "Dataset":
        """Builds a dataset from in-memory interactions: interaction ``i`` is user ``users[i]``
        with item ``items[i]`` at time ``timestamps[i]``.

        Parameters
        ----------
        users, items : array-like of ids, same length
            Raw ids of any type (numpy arrays, lists, pandas Series, ...). Each id becomes a
            string: ``str`` as is, ``bytes`` decoded as UTF-8, anything else ``str(id)`` (so
            ``7`` and ``numpy.int64(7)`` are both the id ``"7"``; use the same ids in queries).
            A model fit on integer ids gives ids back as int64 arrays. A missing id (None, NaN,
            pandas NA) raises ValueError; a float array whose values are all integral is read
            as integer ids, with a warning; other floats raise ValueError.
        timestamps : array-like of float, optional
            The order key of each interaction (converted to float64). ``None`` (default): the
            given order is the time order.
        min_user_interactions, min_item_interactions : int
            As in :meth:`load`.
        short_users : {"drop", "refuse"}
            As in :meth:`load`.
        hold_out : {"leave-one-out", "last", "none"}
            As in :meth:`load`.

        Returns
        -------
        Dataset
            The dataset, which remembers whether each id column was integer (see
            :meth:`gsau.GSAU.fit`).

        Raises
        ------
        ValueError
            Arrays of different lengths, no interactions, a missing or empty id, float ids that
            are not integral, a non-finite timestamp (InvalidArgumentError), or nothing left
            after filtering (MalformedInputError).

        Examples
        --------
        >>> import gsau
        >>> users = [1, 1, 1, 2, 2, 2]
        >>> items = [10, 11, 12, 10, 12, 13]
        >>> with gsau.Dataset.from_arrays(users, items) as ds:
        ...     ds.stats["n_users"], ds.stats["n_items"]
        (2, 4)
        """
        user_strs, user_kind = _ids.ids_and_kind(users, "users")
        item_strs, item_kind = _ids.ids_and_kind(items, "items")
        n = len(user_strs)
        if len(item_strs) != n:
            raise ValueError("users and items must have the same length, got %d and %d"
                             % (n, len(item_strs)))
        if n == 0:
            raise ValueError("no interactions: users and items are empty")
        ts = None
        if timestamps is not None:
            ts = np.ascontiguousarray(timestamps, dtype=np.float64)
            if ts.ndim != 1 or ts.shape[0] != n:
                raise ValueError("timestamps must be 1-dimensional with one value per "
                                 "interaction (%d), got shape %s" % (n, ts.shape))
        min_user = _count("min_user_interactions", min_user_interactions)
        min_item = _count("min_item_interactions", min_item_interactions)
        refuse = _choice("short_users", short_users, SHORT_USER_POLICIES)
        held = _choice("hold_out", hold_out, HOLD_OUTS)
        user_keep, user_p = _ids.c_string_array(user_strs, "users")
        item_keep, item_p = _ids.c_string_array(item_strs, "items")
        ts_p = None if ts is None else ts.ctypes.data_as(ctypes.POINTER(ctypes.c_double))

        self = cls.__new__(cls)
        self._handle = None
        self._path = None
        self._id_kinds = (user_kind, item_kind)
        self._options = {"min_user_interactions": min_user, "min_item_interactions": min_item,
                         "short_users": short_users, "hold_out": hold_out}

        opts = _capi.gsau_dataset_options()
        _capi.gsau_dataset_options_init(ctypes.byref(opts))
        opts.min_user_interactions = min_user
        opts.min_item_interactions = min_item
        opts.refuse_short_users = refuse
        opts.hold_out = held

        out = _capi.gsau_dataset_p()
        status = _capi.gsau_dataset_from_arrays(ctypes.byref(out), user_p, item_p, ts_p, n,
                                                ctypes.byref(opts))
        if status < 0 and out.value:
            cls._free(out)
        _capi._check(status, "gsau_dataset_from_arrays")
        del user_keep, item_keep, ts  # referenced until here: C read them during the call
        self._handle = out.value
        return self

    # -- lifetime --

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called.

        Examples
        --------
        >>> import gsau
        >>> with gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.txt") as ds:
        ...     ds.closed
        False
        >>> ds.closed
        True
        """
        return getattr(self, "_handle", None) is None

    def close(self) -> None:
        """Frees the library handle. Idempotent; later use of the dataset raises ValueError.

        Examples
        --------
        >>> import gsau
        >>> ds = gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.txt")
        >>> ds.close()
        >>> ds.close()
        >>> ds.stats
        Traceback (most recent call last):
        ...
        ValueError: operation on a closed gsau.Dataset
        """
        handle = getattr(self, "_handle", None)
        if handle is None:
            return
        self._handle = None
        self._free(handle)

    def _require_open(self) -> ctypes.c_void_p:
        handle = getattr(self, "_handle", None)
        if handle is None:
            raise ValueError("operation on a closed gsau.Dataset")
        return ctypes.c_void_p(handle)

    # -- queries --

    @property
    def path(self) -> Union[str, bytes, None]:
        """The path the dataset was loaded from, as given to :meth:`load` (after os.fspath);
        ``None`` for a dataset made by :meth:`from_arrays`.

        Examples
        --------
        >>> import gsau
        >>> with gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.txt") as ds:
        ...     ds.path
        'Tests/GSAUTests/Fixtures/parity/tiny.txt'
        """
        return self._path

    @property
    def options(self) -> Dict[str, Any]:
        """The options the dataset was made with, as keyword arguments of :meth:`load` or
        :meth:`from_arrays`.

        Examples
        --------
        >>> import gsau
        >>> with gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.txt",
        ...                        min_user_interactions=3) as ds:
        ...     ds.options["min_user_interactions"], ds.options["hold_out"]
        (3, 'leave-one-out')
        """
        return dict(self._options)

    @property
    def stats(self) -> Dict[str, int]:
        """Statistics of the loaded data (a new dict each time).

        Keys: ``n_users``, ``n_items`` (real ones, padding excluded), ``n_interactions``,
        ``n_train_interactions`` (graph training rows: sum over users of n_u - 2), ``n_valid``,
        ``n_test`` (one target per user each), ``n_sequential_train_examples`` (sum over users
        of n_u - 3), ``n_rows_read`` (interactions in the file), ``n_rows_removed_by_kcore``,
        ``n_users_dropped_short`` (users dropped for having fewer than 3 interactions).

        Examples
        --------
        >>> import gsau
        >>> with gsau.Dataset.load("Tests/GSAUTests/Fixtures/parity/tiny.txt") as ds:
        ...     s = ds.stats
        >>> s["n_users"], s["n_valid"], s["n_test"]
        (24, 24, 24)
        """
        handle = self._require_open()
        st = _capi.sized(_capi.gsau_dataset_stats)
        _capi._check(_capi.gsau_dataset_stats_get(handle, ctypes.byref(st)),
                     "gsau_dataset_stats_get")
        return _capi.struct_to_dict(st)  # type: ignore[return-value]

    def __repr__(self) -> str:
        path = getattr(self, "_path", None)
        name = "(from arrays)" if path is None else repr(path)
        if self.closed:
            return "<gsau.Dataset %s (closed)>" % name
        s = self.stats
        return "<gsau.Dataset %s: %d users, %d items, %d interactions>" % (
            name, s["n_users"], s["n_items"], s["n_interactions"])


# Last: gsau.model uses Dataset and the helpers above.
from .model import GSAU  # noqa: E402
