"""The GSAU recommender, in the style of ``implicit``: construct with hyperparameters, ``fit`` on
interactions, then ``recommend`` / ``recommend_sequence`` / ``similar_items`` with raw ids.

    >>> from gsau import GSAU
    >>> model = GSAU("gsau-rec", epochs=50).fit("data/beauty.txt", min_interactions=5)
    >>> ids, scores = model.recommend("42", N=10, filter_seen=True)
    >>> model.save("beauty.gsau")
    >>> same = GSAU.load("beauty.gsau")

Ids. Users and items are known by their raw ids, which the library stores as strings: ids given
to ``fit`` and to queries become strings the same way (``str`` as is, ``bytes`` decoded as UTF-8,
anything else ``str(id)``, so ``7`` and ``numpy.int64(7)`` are the id ``"7"``). Returned item ids
are those strings (numpy arrays of dtype object). An id the model does not know raises
:class:`gsau.UnknownIDError`, a ``KeyError`` whose message names the id.

Thread safety. A fitted or loaded model is read-only: any number of threads may call
``recommend``, ``recommend_sequence``, ``similar_items``, ``evaluate``, ``item_embeddings`` and
``save`` at once, and they run in parallel (ctypes releases the GIL during library calls).
``fit`` replaces the model and must not run while other threads use the object. ``close`` while
queries run is safe: the library handle is freed when the last running query returns, and later
calls raise ValueError.
"""

from __future__ import annotations

import ctypes
import math
import operator
import os
import secrets
import sys
import threading
from typing import Any, Callable, Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

from . import Dataset, _capi, _encode_path, _ids
from .errors import GSAUError

__all__ = ["GSAU"]

_INT32_MAX = 2**31 - 1
_UINT64_MAX = 2**64 - 1

_i32p = ctypes.POINTER(ctypes.c_int32)
_f32p = ctypes.POINTER(ctypes.c_float)
_f64p = ctypes.POINTER(ctypes.c_double)

#: The uniformity weight each variant uses when ``gamma=None`` (mirrors ModelConfig.swift; only
#: used to report the effective config: the library applies its own default).
_DEFAULT_GAMMA: Dict[str, float] = {
    "gsau-rec": 0.1, "gsau": 0.1, "gsau-rec-no-ui": 0.1, "gsau-rec-no-graph": 0.1, "sasrec-u": 0.05, "sasrec": 0.0,
    "directau": 0.5, "graphau": 0.5, "lightgcn": 0.0,
    "bert4rec": 0.0, "bert4rec-u": 0.05, "gsau-rec-bert4rec": 0.1,
}

#: Variants whose dropout default is BERT4Rec's 0.2 instead of 0.5 (mirrors ModelConfig.swift;
#: only used to report the effective config).
_BERT4REC_VARIANTS = ("bert4rec", "bert4rec-u", "gsau-rec-bert4rec")

#: evaluate(split=...) names and their GSAU_SPLIT_* codes.
_SPLITS: Dict[str, int] = {
    "test": _capi.GSAU_SPLIT_TEST,
    "valid": _capi.GSAU_SPLIT_VALIDATION,
    "validation": _capi.GSAU_SPLIT_VALIDATION,
}

#: The metrics gsau_model_evaluate writes for each cut-off, in order.
_METRICS = ("recall", "mrr", "ndcg", "precision")

#: Constructor parameters, in signature order (the keys of GSAU.config).
_PARAMS = ("variant", "gamma", "embedding_size", "transformer_layers", "graph_layers", "heads",
           "inner_size", "max_sequence_length", "dropout", "layer_norm_eps", "batch_size",
           "learning_rate", "weight_decay", "epochs", "patience", "random_state", "num_threads")


# ── Argument checks ─────────────────────────────────────────────────────────────────────────

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


def _is_scalar_id(x: Any) -> bool:
    return isinstance(x, (str, bytes, np.str_, np.bytes_)) or np.ndim(x) == 0


# ── The library handle ──────────────────────────────────────────────────────────────────────

class _ModelHandle:
    """A gsau_model pointer with a count of the calls using it, so that close() during queries
    defers the free to the last of them. Also caches per-model data (info, item ids)."""

    _free = _capi.gsau_model_free  # on the class: usable while modules are torn down

    def __init__(self, value: int) -> None:
        self.value = value
        self._lock = threading.Lock()
        self._users = 0
        self._closed = False
        self._info: Optional[Dict[str, Any]] = None
        self._item_ids: Optional[np.ndarray] = None
        self._user_ids: Optional[np.ndarray] = None

    def acquire(self) -> ctypes.c_void_p:
        with self._lock:
            if self._closed:
                raise ValueError("operation on a closed gsau.GSAU model")
            self._users += 1
        return ctypes.c_void_p(self.value)

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

    def _take_if_idle(self):
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
            _capi._check(_capi.gsau_model_info_get(ctypes.c_void_p(self.value), ctypes.byref(out)),
                         "gsau_model_info_get")
            d = _capi.struct_to_dict(out)
            d["predicts_with_graph"] = bool(d["predicts_with_graph"])
            self._info = d
        return self._info

    def _id_table(self, fn: Any, count: int, fn_name: str) -> np.ndarray:
        table = np.empty(count + 1, dtype=object)  # [0] = None: the padding index
        table[0] = None
        raw = ctypes.c_char_p()
        handle = ctypes.c_void_p(self.value)
        for i in range(1, count + 1):
            _capi._check(fn(handle, i, ctypes.byref(raw)), fn_name)
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


# ── Training progress ───────────────────────────────────────────────────────────────────────

class _Progress:
    """The Python side of gsau_progress_fn. Never lets an exception reach C: it records it,
    asks the library to stop, and fit() re-raises it once gsau_train has returned."""

    def __init__(self, show: bool, callback: Optional[Callable[..., Any]], epochs: int,
                 desc: str) -> None:
        self.show = show
        self.callback = callback
        self.epochs = epochs
        self.desc = desc
        self.error: Optional[BaseException] = None
        self.stopped_by_callback = False
        self.bar: Any = None
        self.tqdm: Any = None
        if show:
            try:
                from tqdm.auto import tqdm
                self.tqdm = tqdm
            except ImportError:
                self.tqdm = None

    def __call__(self, epoch: int, step: int, steps: int, loss: float, valid_score: float,
                 user_data: Any) -> int:
        if self.error is not None or self.stopped_by_callback:
            return 1
        try:
            if step >= 0:
                if self.tqdm is not None:
                    if self.bar is None:
                        self.bar = self.tqdm(total=steps * self.epochs, desc=self.desc,
                                             unit="step", file=sys.stderr)
                    self.bar.update(1)
                return 0
            if self.bar is not None:
                self.bar.set_postfix(epoch=epoch + 1, loss="%.4g" % loss,
                                     valid="%.4f" % valid_score, refresh=True)
            elif self.show:
                sys.stderr.write("%s: epoch %d/%d  loss %.6g  valid NDCG@20 %.4f\n"
                                 % (self.desc, epoch + 1, self.epochs, loss, valid_score))
                sys.stderr.flush()
            if self.callback is not None:
                result = self.callback(int(epoch), float(loss), float(valid_score))
                if result is not None and not result:
                    self.stopped_by_callback = True
                    return 1
            return 0
        except BaseException as e:  # including KeyboardInterrupt: re-raised by fit()
            self.error = e
            return 1

    def close(self) -> None:
        if self.bar is not None:
            try:
                self.bar.close()
            except Exception:
                pass
            self.bar = None


# ── Input data → gsau.Dataset ───────────────────────────────────────────────────────────────

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


def _as_dataset(data: Any, min_interactions: int) -> Tuple[Dataset, bool]:
    """(the dataset, whether it was made here and must be closed after training)."""
    if isinstance(data, Dataset):
        if min_interactions:
            raise ValueError("min_interactions applies when fit() reads the data; a gsau.Dataset "
                             "is already filtered (pass the thresholds to Dataset.load)")
        return data, False
    kcore = {"min_user_interactions": min_interactions, "min_item_interactions": min_interactions}
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


# ── The model ───────────────────────────────────────────────────────────────────────────────

class GSAU:
    """A GSAU recommender (Graph-Sequential Alignment and Uniformity) or one of its variants.

    Parameters (defaults as the paper's; ``.config`` returns the effective values)
    ----------
    variant : str
        ``"gsau-rec"`` (default), ``"gsau"``, ``"sasrec"``, ``"sasrec-u"``, ``"directau"``,
        ``"graphau"``, ``"gsau-rec-no-ui"``, ``"gsau-rec-no-graph"``, ``"lightgcn"``, ``"bert4rec"``,
        ``"bert4rec-u"``, ``"gsau-rec-bert4rec"`` (the BERT4Rec encoder). ``directau``, ``graphau`` and ``lightgcn`` score with the graph
        encoder (they know only their users: no :meth:`recommend_sequence`).
    gamma : float or None
        Uniformity weight; None = the variant's default (0.1 for GSAU, 0.5 for DirectAU).
    embedding_size : int
        Embedding width (64).
    transformer_layers : int
        SASRec blocks (2).
    graph_layers : int or None
        LightGCN depth; None = ``transformer_layers``.
    heads, inner_size, max_sequence_length : int
        Attention heads (2), feed-forward width (256), longest encoded history (50).
    dropout : float, optional
        Hidden and attention dropout; None = the variant's default (0.5; 0.2 for the BERT4Rec
        variants).
    layer_norm_eps : float
        LayerNorm epsilon (1e-12).
    batch_size : int
        Examples per step, for each training stream (512).
    learning_rate, weight_decay : float
        Adam's (1e-3, 0).
    epochs : int
        Maximum epochs (300).
    patience : int
        Early stopping: epochs without a better validation NDCG@20 (10).
    random_state : int or None
        Seed (2020); None = a random seed, drawn once here (see ``config``).
    num_threads : int
        Threads a matrix product is split over; 0 = one per CPU. A process-wide setting (libgsau runs
        OpenBLAS itself with one thread and splits products over its own threads).

    Attributes
    ----------
    stopped_early : bool
        True when the last :meth:`fit` was stopped by its callback (the model of the best epoch
        so far was kept).
    """

    def __init__(self, variant: str = "gsau-rec", *, gamma: Optional[float] = None,
                 embedding_size: int = 64, transformer_layers: int = 2,
                 graph_layers: Optional[int] = None, heads: int = 2, inner_size: int = 256,
                 max_sequence_length: int = 50, dropout: Optional[float] = None,
                 layer_norm_eps: float = 1e-12, batch_size: int = 512,
                 learning_rate: float = 1e-3, weight_decay: float = 0.0, epochs: int = 300,
                 patience: int = 10, random_state: Optional[int] = 2020,
                 num_threads: int = 0) -> None:
        self._handle: Optional[_ModelHandle] = None
        self._closed = False
        self.stopped_early = False
        if not isinstance(variant, str):
            raise TypeError("variant must be a str, not %s" % type(variant).__name__)
        if not variant or "\0" in variant:
            raise ValueError("variant must be a non-empty name, got %r" % (variant,))
        if random_state is None:
            random_state = secrets.randbits(64)
        self._params: Dict[str, Any] = {
            "variant": variant,
            "gamma": None if gamma is None else _float("gamma", gamma),
            "embedding_size": _int("embedding_size", embedding_size),
            "transformer_layers": _int("transformer_layers", transformer_layers),
            "graph_layers": None if graph_layers is None else _int("graph_layers", graph_layers),
            "heads": _int("heads", heads),
            "inner_size": _int("inner_size", inner_size),
            "max_sequence_length": _int("max_sequence_length", max_sequence_length),
            "dropout": None if dropout is None else _float("dropout", dropout),
            "layer_norm_eps": _float("layer_norm_eps", layer_norm_eps),
            "batch_size": _int("batch_size", batch_size),
            "learning_rate": _float("learning_rate", learning_rate),
            "weight_decay": _float("weight_decay", weight_decay),
            "epochs": _int("epochs", epochs),
            "patience": _int("patience", patience),
            "random_state": _int("random_state", random_state, 0, _UINT64_MAX),
            "num_threads": _int("num_threads", num_threads),
        }

    # -- configuration --

    @property
    def config(self) -> Dict[str, Any]:
        """The effective configuration (a new dict; keys = the constructor's parameters):
        ``gamma`` and ``graph_layers`` resolved to the values training uses, ``random_state``
        the seed. For a model from :meth:`load` the model's own configuration is read from the
        library; ``epochs``, ``patience`` and ``num_threads`` (properties of a training run, not
        of the model) are then None."""
        p = dict(self._params)
        if p["variant"] is not None:
            if p["gamma"] is None:
                p["gamma"] = _DEFAULT_GAMMA.get(p["variant"])
            if p["dropout"] is None:
                p["dropout"] = 0.2 if p["variant"] in _BERT4REC_VARIANTS else 0.5
            if p["graph_layers"] is None or p["graph_layers"] == 0:
                p["graph_layers"] = p["transformer_layers"]
        return p

    def _c_config(self) -> Tuple[Any, bytes]:
        p = self._params
        cfg = _capi.gsau_config()
        _capi.gsau_config_default(ctypes.byref(cfg))
        variant = p["variant"].encode("utf-8")
        cfg.variant = variant
        cfg.gamma = -1.0 if p["gamma"] is None else p["gamma"]
        cfg.embedding_size = p["embedding_size"]
        cfg.transformer_layers = p["transformer_layers"]
        cfg.graph_layers = 0 if p["graph_layers"] is None else p["graph_layers"]
        cfg.heads = p["heads"]
        cfg.inner_size = p["inner_size"]
        cfg.max_sequence_length = p["max_sequence_length"]
        cfg.hidden_dropout = -1.0 if p["dropout"] is None else p["dropout"]
        cfg.attention_dropout = cfg.hidden_dropout
        cfg.layer_norm_eps = p["layer_norm_eps"]
        cfg.batch_size = p["batch_size"]
        cfg.learning_rate = p["learning_rate"]
        cfg.weight_decay = p["weight_decay"]
        cfg.seed = p["random_state"]
        cfg.epochs = p["epochs"]
        cfg.patience = p["patience"]
        cfg.threads = p["num_threads"]
        return cfg, variant  # the bytes back cfg.variant: keep them until gsau_train returns

    # -- training --

    def fit(self, data: Any, *, show_progress: bool = True,
            callback: Optional[Callable[[int, float, float], Any]] = None,
            min_interactions: int = 0, state_path: Any = None, resume: bool = False) -> "GSAU":
        """Trains the model on ``data``; returns ``self``.

        ``data`` is one of:

        * a path (str or os.PathLike): an interaction file, read with :meth:`Dataset.load`
          (format from the name or first line: user-sequence lines, RecBole ``.inter``, CSV);
        * a :class:`gsau.Dataset`;
        * a tuple ``(users, items)`` or ``(users, items, timestamps)`` of equal-length arrays
          (raw ids of any type; no timestamps = the given order is the time order);
        * a pandas DataFrame with columns ``user``/``user_id``, ``item``/``item_id`` and,
          optionally, ``timestamp``;
        * a scipy.sparse matrix, **users x items** (CSR preferred): row ``r`` is the user with
          raw id ``r``, column ``c`` the item with raw id ``c`` (both as ids ``str(r)``,
          ``str(c)`` in queries: ``recommend(3)`` or ``recommend("3")``), and every stored entry
          is an interaction whose value is its order key (e.g. a timestamp). Ties keep the
          stored order, so a 0/1 matrix orders each user's items by column. A matrix cannot
          hold repeated interactions: use arrays for those.

        Each user's interactions are ordered by time and split leave-one-out (last item = test,
        second-to-last = validation); users with fewer than 3 interactions are dropped.

        Parameters
        ----------
        show_progress : bool
            A tqdm bar over the optimiser steps when tqdm is installed, else one line per epoch
            on stderr.
        callback : callable(epoch, loss, valid_score) or None
            Called at the end of every epoch with the 0-based epoch, the epoch's summed loss and
            the validation NDCG@20 (rounded to 4 decimals). Returning False (any false value but
            None) stops training: the model of the best epoch so far is kept and
            ``stopped_early`` is set. An exception raised by the callback stops training and is
            re-raised here (the model is left as it was before ``fit``).
        min_interactions : int
            k-core threshold for users and items when ``fit`` reads the data (not for a
            Dataset, which is filtered when loaded); 0 = off.
        state_path : str or os.PathLike or None
            For long runs: the complete training state (parameters, optimizer, random streams,
            early stopping, history) is written atomically to this file after every epoch. The
            file must not exist yet unless ``resume`` is true.
        resume : bool
            Continue the run saved in ``state_path`` from its last completed epoch, with exactly
            the numbers of an uninterrupted run (same data, configuration and thread count;
            ``epochs`` may be raised). A file of another run raises InvalidArgumentError naming
            the difference.

        Raises
        ------
        InvalidArgumentError (a ValueError)
            A configuration value out of range (the message names it) or an unknown variant.
        NumericalError
            The loss became non-finite.
        """
        self._require_not_closed()
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable, not %s" % type(callback).__name__)
        min_interactions = _int("min_interactions", min_interactions)
        if resume and state_path is None:
            raise ValueError("resume=True needs state_path")
        state_bytes = None if state_path is None else os.fsencode(state_path)
        cfg, variant_bytes = self._c_config()
        dataset, owned = _as_dataset(data, min_interactions)
        progress = _Progress(bool(show_progress), callback, self._params["epochs"],
                             self._params["variant"])
        c_progress = _capi.gsau_progress_fn(progress)  # referenced until gsau_train returns
        out = _capi.gsau_model_p()
        error: Optional[GSAUError] = None
        try:
            if state_bytes is None:
                called = "gsau_train"
                status = _capi.gsau_train(ctypes.byref(out), dataset._require_open(),
                                          ctypes.byref(cfg), c_progress, None)
            else:
                called = "gsau_train_resumable"
                status = _capi.gsau_train_resumable(ctypes.byref(out), dataset._require_open(),
                                                    ctypes.byref(cfg), state_bytes, 1 if resume else 0,
                                                    c_progress, None)
            try:
                _capi._check(status, called)  # reads the message first, on this thread
            except GSAUError as e:
                error = e
        finally:
            progress.close()
            if owned:
                dataset.close()
        del c_progress, variant_bytes
        new = _ModelHandle(out.value) if out.value else None
        if progress.error is not None or (error is not None and not (
                status == _capi.GSAU_E_ABORTED and progress.stopped_by_callback)):
            if new is not None:
                new.close()
            if progress.error is not None:
                raise progress.error
            assert error is not None
            raise error
        if new is None:
            raise GSAUError("gsau_train returned status %d without a model" % status, status)
        self._set_handle(new)
        self.stopped_early = status == _capi.GSAU_E_ABORTED
        return self

    # -- checkpoints --

    def save(self, path: Any) -> None:
        """Saves the model (configuration, id maps, histories, parameters) to ``path``
        atomically: on failure an existing file there is left as it was."""
        _, raw = _encode_path(path)
        h = self._acquire()
        try:
            _capi._check(_capi.gsau_model_save(h.acquire_value, raw), "gsau_model_save")
        finally:
            h.release()

    @classmethod
    def load(cls, path: Any) -> "GSAU":
        """Loads a model saved by :meth:`save`.

        Raises GSAUIOError (an OSError) when the file cannot be read, CorruptFileError when it
        fails validation (the message names the field), VersionMismatchError for a checkpoint
        format this library does not read."""
        _, raw = _encode_path(path)
        out = _capi.gsau_model_p()
        status = _capi.gsau_model_load(ctypes.byref(out), raw)
        if status < 0 and out.value:
            _capi.gsau_model_free(out)
        _capi._check(status, "gsau_model_load")
        self = cls.__new__(cls)
        self._handle = None
        self._closed = False
        self.stopped_early = False
        self._params = dict.fromkeys(_PARAMS)
        self._set_handle(_ModelHandle(out.value))
        cfg = _capi.sized(_capi.gsau_config)
        _capi._check(_capi.gsau_model_config_get(ctypes.c_void_p(out.value), ctypes.byref(cfg)),
                     "gsau_model_config_get")
        self._params.update({
            "variant": cfg.variant.decode("utf-8"), "gamma": cfg.gamma,
            "embedding_size": cfg.embedding_size, "transformer_layers": cfg.transformer_layers,
            "graph_layers": cfg.graph_layers, "heads": cfg.heads, "inner_size": cfg.inner_size,
            "max_sequence_length": cfg.max_sequence_length, "dropout": cfg.hidden_dropout,
            "layer_norm_eps": cfg.layer_norm_eps, "batch_size": cfg.batch_size,
            "learning_rate": cfg.learning_rate, "weight_decay": cfg.weight_decay,
            "random_state": cfg.seed})
        return self

    # -- lifetime --

    def _set_handle(self, new: _ModelHandle) -> None:
        old, self._handle = self._handle, new
        if old is not None:
            old.close()

    @property
    def fitted(self) -> bool:
        """True when the model holds a trained or loaded model (and is not closed)."""
        return not self._closed and self._handle is not None

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed

    def close(self) -> None:
        """Frees the library model. Idempotent. Queries running in other threads finish first;
        any later use of this object raises ValueError."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        h, self._handle = self._handle, None
        if h is not None:
            h.close()

    def __enter__(self) -> "GSAU":
        self._require_not_closed()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __reduce__(self):
        raise TypeError("a gsau.GSAU model cannot be pickled; use model.save(path) and "
                        "GSAU.load(path)")

    def _require_not_closed(self) -> None:
        if self._closed:
            raise ValueError("operation on a closed gsau.GSAU model")

    def _acquire(self) -> "_Use":
        """The current handle, marked in use until ``.release()``."""
        self._require_not_closed()
        h = self._handle
        if h is None:
            raise ValueError("this gsau.GSAU model is not fitted: call fit() first, or create "
                             "it with GSAU.load(path)")
        return _Use(h)

    # -- information --

    @property
    def info(self) -> Dict[str, Any]:
        """Model facts (a new dict): ``n_users``, ``n_items``, ``embedding_size``,
        ``predicts_with_graph`` (bool), ``n_parameters``, ``best_epoch`` (0-based; -1 when
        unknown, e.g. a loaded model), ``epochs_run``, ``test_recall_at_10``,
        ``test_ndcg_at_10`` (NaN when not evaluated)."""
        h = self._acquire()
        try:
            return dict(h.handle.info())
        finally:
            h.release()

    @property
    def item_ids(self) -> np.ndarray:
        """The raw item ids (dtype object, str): ``item_ids[i]`` has item index ``i + 1``, the
        row ``i + 1`` of :meth:`item_embeddings`. A new array each time."""
        h = self._acquire()
        try:
            return h.handle.item_ids()[1:].copy()
        finally:
            h.release()

    @property
    def user_ids(self) -> np.ndarray:
        """The raw ids of the users the model knows (dtype object, str). A new array."""
        h = self._acquire()
        try:
            return h.handle.user_ids()[1:].copy()
        finally:
            h.release()

    def evaluate(self, split: str = "test",
                 ks: Iterable[int] = (5, 10, 20, 50)) -> Dict[str, float]:
        """Full-ranking leave-one-out evaluation on the model's own data.

        ``split`` is ``"test"`` or ``"valid"`` (``"validation"``). Returns
        ``{"recall@K": ..., "mrr@K": ..., "ndcg@K": ..., "precision@K": ...}`` for each K in
        ``ks`` (means over users, unrounded)."""
        if not isinstance(split, str) or split not in _SPLITS:
            raise ValueError("split must be 'test' or 'valid', got %r" % (split,))
        if isinstance(ks, (int, np.integer)):
            ks = (ks,)
        k_list = [_n(k, "each of ks") for k in ks]
        if not k_list:
            raise ValueError("ks is empty")
        k_arr = np.ascontiguousarray([min(k, _INT32_MAX) for k in k_list], dtype=np.int32)
        out = np.empty(4 * len(k_list), dtype=np.float64)
        h = self._acquire()
        try:
            _capi._check(_capi.gsau_model_evaluate(h.acquire_value, _SPLITS[split],
                                                   k_arr.ctypes.data_as(_i32p), len(k_list),
                                                   out.ctypes.data_as(_f64p)),
                         "gsau_model_evaluate")
        finally:
            h.release()
        result: Dict[str, float] = {}
        for j, k in enumerate(k_list):
            for m, name in enumerate(_METRICS):
                result["%s@%d" % (name, k)] = float(out[4 * j + m])
        return result

    def item_embeddings(self) -> np.ndarray:
        """The item table used for scoring, float32 ``[n_items + 1, embedding_size]``; row 0 is
        the padding item, row ``i`` the item ``item_ids[i - 1]``."""
        h = self._acquire()
        try:
            info = h.handle.info()
            out = np.empty((info["n_items"] + 1, info["embedding_size"]), dtype=np.float32)
            _capi._check(_capi.gsau_model_item_embeddings(h.acquire_value,
                                                          out.ctypes.data_as(_f32p), out.size),
                         "gsau_model_item_embeddings")
            return out
        finally:
            h.release()

    def user_vectors(self, users: Any) -> np.ndarray:
        """The vectors the given users (raw ids) are scored with, float32
        ``[len(users), embedding_size]`` (1-D for one user): ``recommend``'s score of an item is
        the dot product with its row of :meth:`item_embeddings`. SASRec-scored models: the
        encoder's output for the user's whole history; graph-scored: the user's LightGCN row."""
        h = self._acquire()
        try:
            handle = h.acquire_value
            scalar = _is_scalar_id(users)
            names = _ids.id_strs([users] if scalar else users, "users")
            d = h.handle.info()["embedding_size"]
            out = np.empty((len(names), d), dtype=np.float32)
            if names:
                idx = np.fromiter((self._user_index(handle, u) for u in names), dtype=np.int32,
                                  count=len(names))
                _capi._check(_capi.gsau_model_user_vectors(handle, idx.ctypes.data_as(_i32p),
                                                           len(names), out.ctypes.data_as(_f32p)),
                             "gsau_model_user_vectors")
            return out[0] if scalar else out
        finally:
            h.release()

    # -- id maps --

    @staticmethod
    def _user_index(handle: ctypes.c_void_p, user: Any) -> int:
        out = ctypes.c_int32()
        _capi._check(_capi.gsau_model_user_index(handle, _ids.encode_id(user, "user"),
                                                 ctypes.byref(out)), "gsau_model_user_index")
        return out.value

    @staticmethod
    def _item_index(handle: ctypes.c_void_p, item: Any) -> int:
        out = ctypes.c_int32()
        _capi._check(_capi.gsau_model_item_index(handle, _ids.encode_id(item, "item"),
                                                 ctypes.byref(out)), "gsau_model_item_index")
        return out.value

    def _item_indices(self, handle: ctypes.c_void_p, items: Any, name: str) -> np.ndarray:
        if _is_scalar_id(items):
            items = [items]
        strs = _ids.id_strs(items, name)
        # One extra slot: a non-NULL pointer even for an empty list ("no item allowed").
        out = np.zeros(len(strs) + 1, dtype=np.int32)
        for i, s in enumerate(strs):
            out[i] = self._item_index(handle, s)
        return out

    def _query(self, handle: ctypes.c_void_p, filter_seen: bool, allowed: Any,
               excluded: Any) -> Tuple[Any, Tuple[Any, ...]]:
        q = _capi.gsau_query()
        _capi.gsau_query_init(ctypes.byref(q))
        q.filter_seen = 1 if filter_seen else 0
        keep = []
        if allowed is not None:
            a = self._item_indices(handle, allowed, "items")
            q.allowed_items = a.ctypes.data_as(_i32p)
            q.n_allowed = a.shape[0] - 1
            keep.append(a)
        if excluded is not None:
            e = self._item_indices(handle, excluded, "exclude")
            if e.shape[0] > 1:
                q.excluded_items = e.ctypes.data_as(_i32p)
                q.n_excluded = e.shape[0] - 1
            keep.append(e)
        return q, tuple(keep)

    @staticmethod
    def _width(N: Any, n_items: int) -> int:
        return max(1, min(_n(N), n_items, _INT32_MAX))

    # -- queries --

    def recommend(self, user_or_users: Any, N: int = 10, filter_seen: bool = False,
                  items: Any = None, exclude: Any = None) -> Tuple[np.ndarray, np.ndarray]:
        """The top-``N`` items for a user (or each of an array of users), from the user's whole
        history as seen in training.

        Parameters
        ----------
        user_or_users : raw user id, or a 1-D array/list of them
        N : int
            Items per user (> 0; larger than the number of items means all of them).
        filter_seen : bool
            Leave out the items in the user's history.
        items : raw item ids, optional
            Only rank these items.
        exclude : raw item ids, optional
            Never return these items.

        Returns
        -------
        (ids, scores)
            For one user: 1-D arrays, best first, of length ``N`` or fewer when the filters
            leave fewer candidates; ``ids`` has dtype object (the raw id strings), ``scores``
            float32, non-increasing. For an array of users: 2-D arrays of shape
            ``(n_users, min(N, n_items))``, row ``b`` for ``user_or_users[b]``; entries past a
            row's results (only when filters leave fewer candidates) are ``None`` in ``ids``
            and NaN in ``scores``.

        Raises
        ------
        UnknownIDError (a KeyError)
            A user or item id the model does not know (the message names it).
        ValueError
            ``N <= 0``; the model is not fitted or is closed.
        """
        h = self._acquire()
        try:
            handle = h.acquire_value
            k = self._width(N, h.handle.info()["n_items"])
            q, keep = self._query(handle, filter_seen, items, exclude)
            if _is_scalar_id(user_or_users):
                user = self._user_index(handle, user_or_users)
                ids = np.zeros(k, dtype=np.int32)
                scores = np.empty(k, dtype=np.float32)
                count = ctypes.c_int32()
                _capi._check(_capi.gsau_model_recommend(handle, user, k, ctypes.byref(q),
                                                        ids.ctypes.data_as(_i32p),
                                                        scores.ctypes.data_as(_f32p),
                                                        ctypes.byref(count)),
                             "gsau_model_recommend")
                n = count.value
                return h.handle.item_ids()[ids[:n]], scores[:n]
            users = _ids.id_strs(user_or_users, "users")
            if len(users) > _INT32_MAX:
                raise ValueError("too many users in one call (%d)" % len(users))
            b = len(users)
            ids = np.zeros((b, k), dtype=np.int32)
            scores = np.full((b, k), np.nan, dtype=np.float32)
            if b == 0:
                return h.handle.item_ids()[ids], scores
            idx = np.fromiter((self._user_index(handle, u) for u in users), dtype=np.int32,
                              count=b)
            counts = np.empty(b, dtype=np.int32)
            _capi._check(_capi.gsau_model_recommend_batch(handle, idx.ctypes.data_as(_i32p), b, k,
                                                          ctypes.byref(q),
                                                          ids.ctypes.data_as(_i32p),
                                                          scores.ctypes.data_as(_f32p),
                                                          counts.ctypes.data_as(_i32p)),
                         "gsau_model_recommend_batch")
            return self._padded(h, ids, scores, counts)
        finally:
            h.release()

    @staticmethod
    def _padded(h: "_Use", ids: np.ndarray, scores: np.ndarray,
                counts: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        missing = np.arange(ids.shape[1])[None, :] >= counts[:, None]
        if missing.any():
            ids[missing] = 0          # the padding index, which maps to None
            scores[missing] = np.nan
        return h.handle.item_ids()[ids], scores

    def recommend_sequence(self, items: Any, N: int = 10, filter_seen: bool = False,
                           items_allowed: Any = None, exclude: Any = None
                           ) -> Tuple[np.ndarray, np.ndarray]:
        """The top-``N`` items after a sequence of raw item ids (oldest first) of a new or
        anonymous user, without retraining; only the last ``max_sequence_length`` items count.

        ``filter_seen`` leaves out the sequence's items; ``items_allowed`` / ``exclude`` as
        ``items`` / ``exclude`` of :meth:`recommend`. Returns 1-D ``(ids, scores)``.

        Raises InvalidArgumentError (a ValueError) for models that score with the graph
        encoder (``info["predicts_with_graph"]``: DirectAU, GraphAU), which know only their
        users; UnknownIDError for an unknown item; ValueError for an empty sequence.
        """
        h = self._acquire()
        try:
            handle = h.acquire_value
            k = self._width(N, h.handle.info()["n_items"])
            seq_ids = _ids.id_strs([items] if _is_scalar_id(items) else items, "items")
            if not seq_ids:
                raise ValueError("the item sequence is empty")
            if len(seq_ids) > _INT32_MAX:
                raise ValueError("the item sequence is too long (%d)" % len(seq_ids))
            seq = np.fromiter((self._item_index(handle, s) for s in seq_ids), dtype=np.int32,
                              count=len(seq_ids))
            q, keep = self._query(handle, filter_seen, items_allowed, exclude)
            ids = np.zeros(k, dtype=np.int32)
            scores = np.empty(k, dtype=np.float32)
            count = ctypes.c_int32()
            _capi._check(_capi.gsau_model_recommend_sequence(handle, seq.ctypes.data_as(_i32p),
                                                             len(seq_ids), k, ctypes.byref(q),
                                                             ids.ctypes.data_as(_i32p),
                                                             scores.ctypes.data_as(_f32p),
                                                             ctypes.byref(count)),
                         "gsau_model_recommend_sequence")
            n = count.value
            return h.handle.item_ids()[ids[:n]], scores[:n]
        finally:
            h.release()

    def similar_items(self, item: Any, N: int = 10) -> Tuple[np.ndarray, np.ndarray]:
        """The ``N`` items most similar to ``item`` (cosine of the scoring item vectors), the
        item itself excluded.

        For one raw item id: 1-D ``(ids, scores)``. For an array of ids: 2-D arrays of shape
        ``(n, min(N, n_items - 1))``, padded with None / NaN as in :meth:`recommend`."""
        h = self._acquire()
        try:
            handle = h.acquire_value
            k = self._width(N, h.handle.info()["n_items"] - 1)
            scalar = _is_scalar_id(item)
            names = _ids.id_strs([item] if scalar else item, "items")
            b = len(names)
            ids = np.zeros((b, k), dtype=np.int32)
            scores = np.full((b, k), np.nan, dtype=np.float32)
            counts = np.zeros(b, dtype=np.int32)
            count = ctypes.c_int32()
            for r, name in enumerate(names):
                index = self._item_index(handle, name)
                _capi._check(_capi.gsau_model_similar_items(handle, index, k,
                                                            ids[r].ctypes.data_as(_i32p),
                                                            scores[r].ctypes.data_as(_f32p),
                                                            ctypes.byref(count)),
                             "gsau_model_similar_items")
                counts[r] = count.value
            if scalar:
                n = counts[0]
                return h.handle.item_ids()[ids[0, :n]], scores[0, :n]
            return self._padded(h, ids, scores, counts)
        finally:
            h.release()

    def __repr__(self) -> str:
        if self._closed:
            state = "closed"
        elif self._handle is None:
            state = "not fitted"
        else:
            try:
                i = self.info
                state = "%d users, %d items" % (i["n_users"], i["n_items"])
            except Exception:
                state = "?"
        return "<gsau.GSAU %s (%s)>" % (self._params.get("variant") or "loaded", state)


class _Use:
    """A handle in use by one call (see _ModelHandle.acquire/release)."""

    __slots__ = ("handle", "acquire_value")

    def __init__(self, handle: _ModelHandle) -> None:
        self.acquire_value = handle.acquire()
        self.handle = handle

    def release(self) -> None:
        self.handle.release()
