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
``recommend``, ``recommend_sequence``, ``similar_items``, ``evaluate``, ``item_embeddings``,
``score_to_file``, ``save`` and ``export`` at once (but not two writes to the same path), and
they run in parallel (ctypes releases the GIL during library calls). ``fit`` replaces the model
and must not run while other threads use the object. ``close`` while queries run is safe: the
library handle is freed when the last running query returns, and later calls raise ValueError.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import textwrap
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

import numpy as np

from . import _capi, _encode_path, _ids, variants
from ._handle import _ModelHandle, _Owner, _Use
from ._inputs import (_INT32_MAX, _UINT64_MAX, _as_dataset, _f32p, _f64p, _float, _i32p, _id_list,
                      _indices, _int, _is_scalar_id, _item_index, _n, _query, _user_index)
from ._progress import _Progress
from .errors import GSAUError

__all__ = ["GSAU"]

#: evaluate(split=...) names and their GSAU_SPLIT_* codes.
_SPLITS: Dict[str, int] = {
    "test": _capi.GSAU_SPLIT_TEST,
    "valid": _capi.GSAU_SPLIT_VALIDATION,
    "validation": _capi.GSAU_SPLIT_VALIDATION,
}

#: score_to_file(format=...) names and their GSAU_SCORE_* codes.
_SCORE_FORMATS: Dict[str, int] = {
    "jsonl": _capi.GSAU_SCORE_JSONL,
    "csv": _capi.GSAU_SCORE_CSV,
}

#: The metrics gsau_model_evaluate writes for each cut-off, in order.
_METRICS = ("recall", "mrr", "ndcg", "precision")

#: The constructor's parameters in signature order (the keys of GSAU.config), each with the
#: gsau_config fields it sets (``dropout`` sets both dropouts and is read from the hidden one).
_C_FIELDS: Dict[str, Tuple[str, ...]] = {
    "variant": ("variant",),
    "gamma": ("gamma",),
    "embedding_size": ("embedding_size",),
    "transformer_layers": ("transformer_layers",),
    "graph_layers": ("graph_layers",),
    "heads": ("heads",),
    "inner_size": ("inner_size",),
    "max_sequence_length": ("max_sequence_length",),
    "dropout": ("hidden_dropout", "attention_dropout"),
    "layer_norm_eps": ("layer_norm_eps",),
    "batch_size": ("batch_size",),
    "learning_rate": ("learning_rate",),
    "weight_decay": ("weight_decay",),
    "epochs": ("epochs",),
    "patience": ("patience",),
    "random_state": ("seed",),
    "num_threads": ("threads",),
}

#: Parameters of a training run rather than of the model: None for a model from GSAU.load.
_RUN_OPTIONS = ("epochs", "patience", "num_threads")


def _c_config(params: Dict[str, Any]) -> Any:
    """The gsau_config of ``params``. A parameter that is None keeps gsau_config_default's value:
    for ``gamma``, ``graph_layers`` and ``dropout`` that is "the variant's default". (ctypes keeps
    the variant's bytes alive as long as the struct.)"""
    cfg = _capi.gsau_config()
    _capi.gsau_config_default(ctypes.byref(cfg))
    for name, fields in _C_FIELDS.items():
        value = params[name]
        if value is None:
            continue
        if name == "variant":
            value = value.encode("utf-8")
        for field in fields:
            setattr(cfg, field, value)
    return cfg


def _params_of(cfg: Any) -> Dict[str, Any]:
    """The constructor's parameters as ``cfg`` sets them."""
    params = {name: getattr(cfg, fields[0]) for name, fields in _C_FIELDS.items()}
    params["variant"] = params["variant"].decode("utf-8")
    return params


class GSAU(_Owner):
    """A GSAU recommender (Graph-Sequential Alignment and Uniformity) or one of its variants.

    Parameters (defaults as the paper's; ``.config`` returns the effective values)
    ----------
    variant : str
        The model variant (default ``"gsau-rec"``), one of :func:`gsau.variants`:
        {variants}.
        ``"gsau-rec-bert4rec"`` has the BERT4Rec encoder. ``directau``, ``graphau`` and
        ``lightgcn`` score with the graph encoder (they know only their users: no
        :meth:`recommend_sequence`).
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

    _not_picklable = ("a gsau.GSAU model cannot be pickled; use model.save(path) and "
                      "GSAU.load(path)")

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
        ``gamma``, ``dropout`` and ``graph_layers`` resolved by the library to the values
        training uses, ``random_state`` the seed. For a model from :meth:`load` the model's own
        configuration is read from the library; ``epochs``, ``patience`` and ``num_threads``
        (properties of a training run, not of the model) are then None.

        Raises InvalidArgumentError (a ValueError) when the library refuses the configuration
        (an unknown variant, a value out of range; the message names it), as :meth:`fit`
        would."""
        cfg = _c_config(self._params)
        _capi._check(_capi.gsau_config_resolve(ctypes.byref(cfg)), "gsau_config_resolve")
        config = _params_of(cfg)
        config.update((name, self._params[name]) for name in _RUN_OPTIONS)
        return config

    # -- training --

    def fit(self, data: Any, *, show_progress: bool = True,
            callback: Optional[Callable[[int, float, float], Any]] = None,
            min_interactions: int = 0, state_path: Any = None, resume: bool = False,
            warm_start: Any = None, hold_out: str = "leave-one-out") -> "GSAU":
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

        Each user's interactions are ordered by time and split by ``hold_out`` (default
        leave-one-out: last item = test, second-to-last = validation; users with fewer than 3
        interactions are dropped).

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
        warm_start : GSAU or str or os.PathLike or None
            Start from a trained model, or the path of a saved one, whose ids overlap the data's
            (e.g. yesterday's model on today's data): the users and items it knows (matched by
            raw id) and every shared weight start from its values, new users and items as a
            fresh run would; the optimiser starts fresh. The architecture (embedding size,
            layers, ...) must be the same: InvalidArgumentError names the tensor that differs.
            Cannot be combined with ``state_path``.
        hold_out : {"leave-one-out", "last", "none"}
            As in :meth:`Dataset.load` (when ``fit`` reads the data). ``"none"`` trains every
            interaction for exactly ``epochs`` epochs (no validation: ``evaluate`` has no split
            to use); ``"last"`` validates on each user's last item (no test split). Both keep
            users with fewer than 3 interactions, and every user can be queried.

        Raises
        ------
        InvalidArgumentError (a ValueError)
            A configuration value out of range (the message names it) or an unknown variant.
        NumericalError
            The loss became non-finite.
        """
        self._require_open()
        if self._params["epochs"] is None:  # a loaded model: no run options to train with
            raise TypeError("a model from GSAU.load cannot be fitted: create a GSAU with the "
                            "parameters to train with (see config) and fit that")
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable, not %s" % type(callback).__name__)
        min_interactions = _int("min_interactions", min_interactions)
        if resume and state_path is None:
            raise ValueError("resume=True needs state_path")
        if warm_start is not None and state_path is not None:
            raise ValueError("warm_start cannot be combined with state_path")
        start_owned = None
        if warm_start is not None and not isinstance(warm_start, GSAU):
            start_owned = warm_start = GSAU.load(warm_start)
        state_bytes = None if state_path is None else os.fsencode(state_path)
        cfg = _c_config(self._params)
        dataset, owned = _as_dataset(data, min_interactions, hold_out)
        out = _capi.gsau_model_p()
        error: Optional[GSAUError] = None
        try:
            with _Progress(bool(show_progress), callback, self._params["epochs"],
                           self._params["variant"]) as progress:
                if warm_start is not None:
                    called = "gsau_train_from"
                    with _Use(warm_start._fitted_handle()) as start:
                        status = _capi.gsau_train_from(ctypes.byref(out), dataset._require_open(),
                                                       ctypes.byref(cfg), start.value,
                                                       progress.c_function, None)
                elif state_bytes is None:
                    called = "gsau_train"
                    status = _capi.gsau_train(ctypes.byref(out), dataset._require_open(),
                                              ctypes.byref(cfg), progress.c_function, None)
                else:
                    called = "gsau_train_resumable"
                    status = _capi.gsau_train_resumable(ctypes.byref(out), dataset._require_open(),
                                                        ctypes.byref(cfg), state_bytes,
                                                        1 if resume else 0, progress.c_function,
                                                        None)
                try:
                    _capi._check(status, called)  # reads the message first, on this thread
                except GSAUError as e:
                    error = e
        finally:
            if owned:
                dataset.close()
            if start_owned is not None:
                start_owned.close()
        new = _ModelHandle(out.value) if out.value else None
        if progress.error is not None or (error is not None and not (
                status == _capi.GSAU_E_ABORTED and progress.stopped_by_callback)):
            if new is not None:
                new.close()
            progress.reraise()
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
        with _Use(self._fitted_handle()) as h:
            _capi._check(_capi.gsau_model_save(h.value, raw), "gsau_model_save")

    def export(self, path: Any) -> None:
        """Writes the model's scoring tables to ``path`` as a safetensors file, atomically (on
        failure an existing file there is left as it was), for numpy or PyTorch without gsau.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write (conventionally ``*.safetensors``).

        Notes
        -----
        The file holds float32 tensors ``item_vectors`` ``[n_items + 1, embedding_size]`` (as
        :meth:`item_embeddings`; row 0 is the padding item), ``user_vectors``
        ``[n_users + 1, embedding_size]`` (as :meth:`user_vectors`; row 0 is zeros) and, for the
        variants with an output bias (stock ``"bert4rec"``), ``item_bias`` ``[n_items + 1]``, so
        that ``user_vectors[u] @ item_vectors[i] (+ item_bias[i])`` is the score
        :meth:`recommend` ranks by. Its metadata (strings) holds ``user_ids`` and ``item_ids``,
        JSON arrays of the raw ids in row order (row 0 is ``""``), and ``format``
        (``"gsau-export-1"``), ``gsau_version``, ``variant``, ``embedding_size``,
        ``predicts_with_graph`` (``"true"``/``"false"``) and ``score``. It is not a checkpoint:
        :meth:`load` does not read it. See docs/CHECKPOINT.md, "Export".

        Read it with the ``safetensors`` package::

            >>> import json
            >>> from safetensors import safe_open
            >>> from safetensors.numpy import load_file
            >>> t = load_file("model.safetensors")
            >>> with safe_open("model.safetensors", framework="numpy") as f:
            ...     meta = f.metadata()
            >>> items = json.loads(meta["item_ids"])
            >>> u = json.loads(meta["user_ids"]).index("42")
            >>> scores = t["item_vectors"] @ t["user_vectors"][u] + t.get("item_bias", 0)

        Raises
        ------
        GSAUIOError (an OSError)
            The file cannot be written.
        ValueError
            The model is not fitted or is closed; the path is empty or not valid UTF-8.
        """
        _, raw = _encode_path(path)
        with _Use(self._fitted_handle()) as h:
            _capi._check(_capi.gsau_model_export(h.value, raw), "gsau_model_export")

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
        self._set_handle(_ModelHandle(out.value))
        cfg = _capi.sized(_capi.gsau_config)
        _capi._check(_capi.gsau_model_config_get(out.value, ctypes.byref(cfg)),
                     "gsau_model_config_get")
        self._params = _params_of(cfg)
        self._params.update(dict.fromkeys(_RUN_OPTIONS))
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

    def _require_open(self) -> None:
        if self._closed:
            raise ValueError("operation on a closed gsau.GSAU model")

    def _fitted_handle(self) -> _ModelHandle:
        """The current handle, for ``with _Use(...)``; ValueError when closed or not fitted."""
        self._require_open()
        h = self._handle
        if h is None:
            raise ValueError("this gsau.GSAU model is not fitted: call fit() first, or create "
                             "it with GSAU.load(path)")
        return h

    # -- information --

    @property
    def info(self) -> Dict[str, Any]:
        """Model facts (a new dict): ``n_users``, ``n_items``, ``embedding_size``,
        ``predicts_with_graph`` (bool), ``n_parameters``, ``best_epoch`` (0-based; -1 when
        unknown, e.g. a loaded model), ``epochs_run``, ``test_recall_at_10``,
        ``test_ndcg_at_10`` (NaN when not evaluated)."""
        with _Use(self._fitted_handle()) as h:
            return dict(h.info())

    @property
    def item_ids(self) -> np.ndarray:
        """The raw item ids (dtype object, str): ``item_ids[i]`` has item index ``i + 1``, the
        row ``i + 1`` of :meth:`item_embeddings`. A new array each time."""
        with _Use(self._fitted_handle()) as h:
            return h.item_ids()[1:].copy()

    @property
    def user_ids(self) -> np.ndarray:
        """The raw ids of the users the model knows (dtype object, str). A new array."""
        with _Use(self._fitted_handle()) as h:
            return h.user_ids()[1:].copy()

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
        with _Use(self._fitted_handle()) as h:
            _capi._check(_capi.gsau_model_evaluate(h.value, _SPLITS[split],
                                                   k_arr.ctypes.data_as(_i32p), len(k_list),
                                                   out.ctypes.data_as(_f64p)),
                         "gsau_model_evaluate")
        result: Dict[str, float] = {}
        for j, k in enumerate(k_list):
            for m, name in enumerate(_METRICS):
                result["%s@%d" % (name, k)] = float(out[4 * j + m])
        return result

    def item_embeddings(self) -> np.ndarray:
        """The item table used for scoring, float32 ``[n_items + 1, embedding_size]``; row 0 is
        the padding item, row ``i`` the item ``item_ids[i - 1]``."""
        with _Use(self._fitted_handle()) as h:
            info = h.info()
            out = np.empty((info["n_items"] + 1, info["embedding_size"]), dtype=np.float32)
            _capi._check(_capi.gsau_model_item_embeddings(h.value, out.ctypes.data_as(_f32p),
                                                          out.size),
                         "gsau_model_item_embeddings")
            return out

    def user_vectors(self, users: Any) -> np.ndarray:
        """The vectors the given users (raw ids) are scored with, float32
        ``[len(users), embedding_size]`` (1-D for one user): ``recommend``'s score of an item is
        the dot product with its row of :meth:`item_embeddings`. SASRec-scored models: the
        encoder's output for the user's whole history; graph-scored: the user's LightGCN row."""
        with _Use(self._fitted_handle()) as h:
            scalar, names = _id_list(users, "users")
            out = np.empty((len(names), h.info()["embedding_size"]), dtype=np.float32)
            if names:
                idx = _indices(_user_index, h.value, names)
                _capi._check(_capi.gsau_model_user_vectors(h.value, idx.ctypes.data_as(_i32p),
                                                           len(names), out.ctypes.data_as(_f32p)),
                             "gsau_model_user_vectors")
            return out[0] if scalar else out

    # -- queries --

    @staticmethod
    def _width(N: Any, n_items: int) -> int:
        return max(1, min(_n(N), n_items, _INT32_MAX))

    @staticmethod
    def _rank(fn: Any, fn_name: str, args: Tuple[Any, ...], ids: np.ndarray,
              scores: np.ndarray) -> int:
        """``fn(*args, items, scores, &count)``, a query writing one ranked list into the int32
        ``ids`` and float32 ``scores``; returns the count written."""
        count = ctypes.c_int32()
        _capi._check(fn(*args, ids.ctypes.data_as(_i32p), scores.ctypes.data_as(_f32p),
                        ctypes.byref(count)), fn_name)
        return count.value

    @classmethod
    def _ranked(cls, h: _ModelHandle, k: int, fn: Any, fn_name: str,
                *args: Any) -> Tuple[np.ndarray, np.ndarray]:
        """1-D (raw ids, scores) of :meth:`_rank` with ``k`` slots, best first."""
        ids = np.zeros(k, dtype=np.int32)
        scores = np.empty(k, dtype=np.float32)
        n = cls._rank(fn, fn_name, args, ids, scores)
        return h.item_ids()[ids[:n]], scores[:n]

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
        with _Use(self._fitted_handle()) as h:
            k = self._width(N, h.info()["n_items"])
            q, keep = _query(h.value, filter_seen, items, exclude)
            if _is_scalar_id(user_or_users):
                return self._ranked(h, k, _capi.gsau_model_recommend, "gsau_model_recommend",
                                    h.value, _user_index(h.value, user_or_users), k,
                                    ctypes.byref(q))
            users = _ids.id_strs(user_or_users, "users")
            if len(users) > _INT32_MAX:
                raise ValueError("too many users in one call (%d)" % len(users))
            b = len(users)
            ids = np.zeros((b, k), dtype=np.int32)
            scores = np.full((b, k), np.nan, dtype=np.float32)
            if b == 0:
                return h.item_ids()[ids], scores
            idx = _indices(_user_index, h.value, users)
            counts = np.empty(b, dtype=np.int32)
            _capi._check(_capi.gsau_model_recommend_batch(h.value, idx.ctypes.data_as(_i32p), b,
                                                          k, ctypes.byref(q),
                                                          ids.ctypes.data_as(_i32p),
                                                          scores.ctypes.data_as(_f32p),
                                                          counts.ctypes.data_as(_i32p)),
                         "gsau_model_recommend_batch")
            return self._padded(h, ids, scores, counts)

    @staticmethod
    def _padded(h: _ModelHandle, ids: np.ndarray, scores: np.ndarray,
                counts: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        missing = np.arange(ids.shape[1])[None, :] >= counts[:, None]
        if missing.any():
            ids[missing] = 0          # the padding index, which maps to None
            scores[missing] = np.nan
        return h.item_ids()[ids], scores

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
        with _Use(self._fitted_handle()) as h:
            k = self._width(N, h.info()["n_items"])
            seq_ids = _id_list(items, "items")[1]
            if not seq_ids:
                raise ValueError("the item sequence is empty")
            if len(seq_ids) > _INT32_MAX:
                raise ValueError("the item sequence is too long (%d)" % len(seq_ids))
            seq = _indices(_item_index, h.value, seq_ids)
            q, keep = _query(h.value, filter_seen, items_allowed, exclude)
            return self._ranked(h, k, _capi.gsau_model_recommend_sequence,
                                "gsau_model_recommend_sequence", h.value,
                                seq.ctypes.data_as(_i32p), len(seq_ids), k, ctypes.byref(q))

    def similar_items(self, item: Any, N: int = 10) -> Tuple[np.ndarray, np.ndarray]:
        """The ``N`` items most similar to ``item`` (cosine of the scoring item vectors), the
        item itself excluded.

        For one raw item id: 1-D ``(ids, scores)``. For an array of ids: 2-D arrays of shape
        ``(n, min(N, n_items - 1))``, padded with None / NaN as in :meth:`recommend`."""
        with _Use(self._fitted_handle()) as h:
            k = self._width(N, h.info()["n_items"] - 1)
            scalar, names = _id_list(item, "items")
            if scalar:
                return self._ranked(h, k, _capi.gsau_model_similar_items,
                                    "gsau_model_similar_items", h.value,
                                    _item_index(h.value, names[0]), k)
            b = len(names)
            ids = np.zeros((b, k), dtype=np.int32)
            scores = np.full((b, k), np.nan, dtype=np.float32)
            counts = np.zeros(b, dtype=np.int32)
            for r, name in enumerate(names):
                counts[r] = self._rank(_capi.gsau_model_similar_items, "gsau_model_similar_items",
                                       (h.value, _item_index(h.value, name), k), ids[r], scores[r])
            return self._padded(h, ids, scores, counts)

    def score_to_file(self, path: Any, users: Any = None, N: int = 10, filter_seen: bool = False,
                      exclude: Any = None, format: str = "jsonl") -> None:
        """Writes the top-``N`` items of every user (or of ``users``) to a file, with raw ids.

        The library scores the users in blocks and writes each block before scoring the next
        (memory does not grow with the number of users; all cores are used), so this is the way
        to export recommendations for a whole user base. The results are those of
        :meth:`recommend` for the same users and arguments.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write, atomically: a temporary file next to it is renamed over ``path``
            once complete; on any error it is removed and an existing file is left as it was.
        users : raw user ids, optional
            The users to score, in this order (repeated ids are scored again). None (default):
            every user of the model, in the order of :attr:`user_ids`.
        N : int
            Items per user (> 0; larger than the number of items means all of them).
        filter_seen : bool
            Leave out the items in each user's history.
        exclude : raw item ids, optional
            Never recommend these items.
        format : {"jsonl", "csv"}
            ``"jsonl"`` (default): one JSON object per user and line,
            ``{"user": "<id>", "items": ["<id>", ...], "scores": [...]}``, items best first
            (empty lists when the filters leave no candidate). ``"csv"``: the header
            ``user,rank,item,score`` and one row per (user, rank), rank from 1, ids quoted as
            RFC 4180 requires (``csv.reader`` reads them back). Scores are written as the
            shortest decimal that reads back as the same float32.

        Raises
        ------
        UnknownIDError (a KeyError)
            A user or item id the model does not know (the message names it); nothing is
            written.
        GSAUIOError (an OSError)
            The file cannot be written.
        ValueError
            ``N <= 0``, an unknown ``format``, a bad path; the model is not fitted or is closed.
        """
        if not isinstance(format, str) or format not in _SCORE_FORMATS:
            raise ValueError("format must be 'jsonl' or 'csv', got %r" % (format,))
        _, raw = _encode_path(path)
        with _Use(self._fitted_handle()) as h:
            k = self._width(N, h.info()["n_items"])
            q, keep = _query(h.value, filter_seen, None, exclude)
            ptr, n = None, 0
            if users is not None:
                names = _id_list(users, "users")[1]
                if len(names) > _INT32_MAX:
                    raise ValueError("too many users in one call (%d)" % len(names))
                # One extra slot: a non-NULL pointer even for an empty list (no users, not all).
                idx = _indices(_user_index, h.value, names, extra=1)
                ptr, n = idx.ctypes.data_as(_i32p), len(names)
            _capi._check(_capi.gsau_model_score_to_file(h.value, ptr, n, k, ctypes.byref(q),
                                                        _SCORE_FORMATS[format], raw),
                         "gsau_model_score_to_file")

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


if GSAU.__doc__ is not None:  # None under python -OO
    # The variant list of the docstring is the library's (gsau_variant_name).
    GSAU.__doc__ = GSAU.__doc__.replace("        {variants}", textwrap.fill(
        ", ".join('``"%s"``' % v for v in variants()), width=96, initial_indent=" " * 8,
        subsequent_indent=" " * 8, break_on_hyphens=False))
