"""The GSAU recommender, with the conventions of ``implicit``: construct with hyperparameters,
``fit`` on interactions, then ``recommend`` / ``similar_items`` (implicit's names and semantics)
and ``recommend_sequence`` with raw ids.

Ids. Users and items are known by their raw ids, which the library stores as strings: ids given
to ``fit`` and to queries become strings the same way (``str`` as is, ``bytes`` decoded as UTF-8,
anything else ``str(id)``, so ``7`` and ``numpy.int64(7)`` are the id ``"7"``). Ids come back in
the type they went in: a model fit on integer ids returns int64 arrays, otherwise arrays of dtype
object holding str (``GSAU.id_types``; ``id_type=`` of ``fit`` and ``load`` chooses). An id the
model does not know raises :class:`gsau.UnknownIDError`, a ``KeyError`` whose message names it.

Examples
--------
>>> import numpy as np
>>> from gsau import GSAU
>>> users = np.array([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
>>> items = np.array([10, 11, 12, 13, 10, 12, 14, 15, 11, 13, 14, 15])
>>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit((users, items),
...                                                             show_progress=False)
>>> ids, scores = model.recommend(1, N=2)
>>> ids.dtype, len(ids)
(dtype('int64'), 2)

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
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np

from . import _capi, _encode_path, _flag, _ids, variants
from ._handle import _ModelHandle, _Owner, _Use
from ._inputs import (_INT32_MAX, _UINT64_MAX, _as_dataset, _f32p, _f64p, _float, _histories,
                      _i32p, _id_list, _indices, _int, _item_index, _known_item, _n, _query,
                      _user_index)
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
    "graph_score_weight": ("graph_score_weight",),
    "sampled_negatives": ("sampled_negatives",),
    "logit_scale": ("logit_scale",),
    "learning_rate_decays": ("learning_rate_decays",),
    "learning_rate_decay": ("learning_rate_decay",),
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


#: Keywords of the 0.1 query methods and their names since 0.2 (implicit's).
_RENAMED: Dict[str, str] = {
    "filter_seen": "filter_already_liked_items",
    "exclude": "filter_items",
    "user_or_users": "userid",
    "items_allowed": "items",
    "item": "itemid",
}

#: id_type= values.
_ID_TYPES = ("int", "str", "auto")


def _refuse_renamed(method: str, kwargs: Dict[str, Any]) -> None:
    """TypeError for keywords ``method`` does not take, naming the new name of a 0.1 keyword."""
    for old in kwargs:
        if old in _RENAMED:
            raise TypeError("%s() has no keyword %r since gsau 0.2: use %r (see 'Migrating from "
                            "0.1' in the binding's README)" % (method, old, _RENAMED[old]))
    raise TypeError("%s() got an unexpected keyword argument %r" % (method, next(iter(kwargs))))


def _id_kinds(id_type: Any, given: Tuple[str, str], h: _ModelHandle) -> Tuple[str, str]:
    """The id kinds of a new model: ``given`` (from the data) when ``id_type`` is None, else
    ``id_type`` ("int", "str" or "auto"; or a dict with keys "user" and "item") checked against
    the model's ids (ValueError naming an id that is not an integer, for "int")."""
    if id_type is None:
        return given
    if isinstance(id_type, str):
        wanted = {"user": id_type, "item": id_type}
    elif isinstance(id_type, dict) and set(id_type) <= {"user", "item"}:
        wanted = {"user": id_type.get("user", given[0]), "item": id_type.get("item", given[1])}
    else:
        raise TypeError("id_type must be 'int', 'str', 'auto' or a dict with keys 'user' and "
                        "'item', not %r" % (id_type,))
    kinds = []
    for what in ("user", "item"):
        choice = wanted[what]
        if choice not in _ID_TYPES:
            raise ValueError("id_type must be one of 'int', 'str', 'auto', got %r" % (choice,))
        if choice == "str":
            kinds.append("str")
            continue
        strings = (h.user_ids() if what == "user" else h.item_ids())[1:]
        try:
            _ids.typed_ids(strings, "int", what)
            kinds.append("int")
        except ValueError:
            if choice == "int":
                raise
            kinds.append("str")
    return kinds[0], kinds[1]


def _params_of(cfg: Any) -> Dict[str, Any]:
    """The constructor's parameters as ``cfg`` sets them."""
    params = {name: getattr(cfg, fields[0]) for name, fields in _C_FIELDS.items()}
    params["variant"] = params["variant"].decode("utf-8")
    return params


class GSAU(_Owner):
    """A GSAU recommender (Graph-Sequential Alignment and Uniformity) or one of its variants.

    Defaults are the paper's; :attr:`config` returns the effective values.

    Parameters
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
    graph_score_weight : float
        Opt-in score fusion, 0 (default) = the paper's scoring. For sequence-scored variants that
        also train the graph encoder (``gsau-rec``, ``gsau``...): every score gets this weight
        times the cosine of the user's and the item's LightGCN rows added. Training is the same
        either way; :meth:`select_graph_score_weight` chooses the weight on validation after
        :meth:`fit`.
    sampled_negatives : int
        Opt-in sampled softmax, 0 (default) = the full softmax. For the cross-entropy variants
        (``gsau-rec``, ``sasrec``, ``bert4rec``...): each training step ranks every target against
        this many items drawn by training frequency, shared by the batch, with the log-frequency
        correction, instead of against the whole catalogue. Faster on large catalogues;
        evaluation and recommendations still rank every item.
    logit_scale : float
        Opt-in logit scale s, 1 (default) = the paper's loss. For the normalised cross-entropy
        variants (``gsau-rec`` and its ablations; the other variants refuse any value but 1): the
        training logits are s times the unit sequence vector's dot products with the item rows, a
        softmax inverse temperature (finite, > 0). A larger s sharpens the softmax from the start;
        scores and recommendations are computed as without it.
    learning_rate_decays : int
        Opt-in learning-rate decay on a plateau, 0 (default) = the paper's constant rate: when
        early stopping's ``patience`` runs out, the learning rate is multiplied by
        ``learning_rate_decay`` and training goes on, at most this many times (0..1024); the run
        stops at the plateau after the last decay. The best epoch is kept throughout.
    learning_rate_decay : float
        The factor of each decay, in (0, 1) (0.1).

    Attributes
    ----------
    stopped_early : bool
        True when the last :meth:`fit` was stopped by its callback (the model of the best epoch
        so far was kept).

    Examples
    --------
    >>> from gsau import GSAU
    >>> model = GSAU("gsau-rec", embedding_size=8, inner_size=16, epochs=1)
    >>> model.fit("Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
    <gsau.GSAU gsau-rec (24 users, 20 items)>
    >>> model.recommend("1", N=3)[0].shape
    (3,)
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
                 num_threads: int = 0, graph_score_weight: float = 0.0,
                 sampled_negatives: int = 0, logit_scale: float = 1.0,
                 learning_rate_decays: int = 0, learning_rate_decay: float = 0.1) -> None:
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
            "graph_score_weight": _float("graph_score_weight", graph_score_weight),
            "sampled_negatives": _int("sampled_negatives", sampled_negatives),
            "logit_scale": _float("logit_scale", logit_scale),
            "learning_rate_decays": _int("learning_rate_decays", learning_rate_decays),
            "learning_rate_decay": _float("learning_rate_decay", learning_rate_decay),
        }

    # -- configuration --

    @property
    def config(self) -> Dict[str, Any]:
        """The effective configuration (a new dict; keys = the constructor's parameters):
        ``gamma``, ``dropout`` and ``graph_layers`` resolved by the library to the values
        training uses, ``random_state`` the seed. For a model from :meth:`load` the model's own
        configuration is read from the library; ``epochs``, ``patience`` and ``num_threads``
        (properties of a training run, not of the model) are then None.

        Returns
        -------
        dict
            The constructor's parameters and their effective values.

        Raises
        ------
        InvalidArgumentError (a ValueError)
            The library refuses the configuration (an unknown variant, a value out of range;
            the message names it), as :meth:`fit` would.

        Examples
        --------
        >>> from gsau import GSAU
        >>> c = GSAU("directau").config
        >>> c["gamma"], c["graph_layers"]
        (0.5, 2)
        """
        cfg = _c_config(self._params)
        _capi._check(_capi.gsau_config_resolve(ctypes.byref(cfg)), "gsau_config_resolve")
        config = _params_of(cfg)
        config.update((name, self._params[name]) for name in _RUN_OPTIONS)
        return config

    # -- training --

    def fit(self, data: Any, *, show_progress: bool = True,
            callback: Optional[Callable[[int, float, float], Any]] = None,
            min_interactions: int = 0, state_path: Any = None, resume: bool = False,
            warm_start: Any = None, hold_out: str = "leave-one-out",
            id_type: Any = None) -> "GSAU":
        """Trains the model on ``data``; returns ``self``.

        Each user's interactions are ordered by time and split by ``hold_out`` (default
        leave-one-out: last item = test, second-to-last = validation; users with fewer than 3
        interactions are dropped).

        Parameters
        ----------
        data : path, Dataset, tuple of arrays, DataFrame or scipy.sparse matrix
            The interactions, one of:

            * a path (str or os.PathLike): an interaction file, read with :meth:`Dataset.load`
              (format from the name or first line: user-sequence lines, RecBole ``.inter``, CSV);
            * a :class:`gsau.Dataset`;
            * a tuple ``(users, items)`` or ``(users, items, timestamps)`` of equal-length arrays
              (raw ids of any type; no timestamps = the given order is the time order);
            * a pandas DataFrame with columns ``user``/``user_id``, ``item``/``item_id`` and,
              optionally, a time column named ``timestamp``, ``timestamp:float``, ``time``,
              ``ts``, ``datetime``, ``date``, ``event_time`` or ``created_at`` (numbers or
              datetimes); another column that looks like a time raises ValueError naming the
              columns, rather than being ignored;
            * a scipy.sparse matrix, **users x items** (CSR preferred): row ``r`` is the user with
              raw id ``r``, column ``c`` the item with raw id ``c`` (both as ids ``str(r)``,
              ``str(c)`` in queries: ``recommend(3)`` or ``recommend("3")``), and every stored entry
              is an interaction whose value is its order key (e.g. a timestamp). Ties keep the
              stored order, so a 0/1 matrix orders each user's items by column. A matrix cannot
              hold repeated interactions: use arrays for those. (In implicit the values are
              confidences; gsau, a sequential model, reads only the order they give.)

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
            ``epochs`` may be raised, and ``patience`` and ``learning_rate_decays`` too: a run
            early stopping ended then goes on as a run with them from the start would have). A
            file of another run
            raises InvalidArgumentError naming the difference.
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
        id_type : {None, "int", "str", "auto"} or dict
            The type queries give raw ids back in (:attr:`id_types`). None (default): as they
            went in: integer arrays, integer DataFrame columns and sparse matrices give int64
            ids; strings, files and a :class:`gsau.Dataset` loaded from a file give str ids.
            ``"int"``: int64 (ValueError, after training, when an id is not the decimal form of
            an int64); ``"auto"``: int64 when every id is one, else str; ``"str"``: str. A dict
            ``{"user": ..., "item": ...}`` chooses for each.

        Returns
        -------
        GSAU
            ``self``, fitted.

        Raises
        ------
        InvalidArgumentError (a ValueError)
            A configuration value out of range (the message names it) or an unknown variant.
        NumericalError
            The loss became non-finite.

        Examples
        --------
        >>> from gsau import GSAU
        >>> users = ["ann"] * 4 + ["bob"] * 4
        >>> items = ["tea", "cup", "pot", "jar", "tea", "pot", "mug", "jar"]
        >>> epochs = []
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=2).fit(
        ...     (users, items), show_progress=False,
        ...     callback=lambda epoch, loss, valid: epochs.append(epoch))
        >>> epochs, model.id_types
        ([0, 1], {'user': 'str', 'item': 'str'})
        """
        self._require_open()
        if self._params["epochs"] is None:  # a loaded model: no run options to train with
            raise TypeError("a model from GSAU.load cannot be fitted: create a GSAU with the "
                            "parameters to train with (see config) and fit that")
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable, not %s" % type(callback).__name__)
        min_interactions = _int("min_interactions", min_interactions)
        show_progress = _flag("show_progress", show_progress)
        resume = _flag("resume", resume)
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
        kinds = getattr(dataset, "_id_kinds", ("str", "str"))
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
        try:
            new.id_kinds = _id_kinds(id_type, kinds, new)
        except BaseException:
            new.close()
            raise
        self._set_handle(new)
        self.stopped_early = status == _capi.GSAU_E_ABORTED
        return self

    # -- checkpoints --

    def save(self, path: Any) -> None:
        """Saves the model (configuration, id maps, histories, parameters) to a file.

        Parameters
        ----------
        path : str or os.PathLike
            The file, written atomically: on failure an existing file there is left as it was.
            :meth:`load` reads it back (ids as strings unless its ``id_type`` asks otherwise).

        Raises
        ------
        GSAUIOError (an OSError)
            The file cannot be written.
        NumericalError
            Non-finite parameters are refused.

        Examples
        --------
        >>> import os, tempfile
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     model.save(os.path.join(tmp, "tiny.gsau"))
        ...     same = GSAU.load(os.path.join(tmp, "tiny.gsau"))
        >>> same.recommend("1", N=3)[0].tolist() == model.recommend("1", N=3)[0].tolist()
        True
        """
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

        Raises
        ------
        GSAUIOError (an OSError)
            The file cannot be written.
        ValueError
            The model is not fitted or is closed; the path is empty or not valid UTF-8.

        Examples
        --------
        Read it with the ``safetensors`` package:

        >>> import json, os, tempfile
        >>> from safetensors import safe_open
        >>> from safetensors.numpy import load_file
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = os.path.join(tmp, "model.safetensors")
        ...     model.export(path)
        ...     t = load_file(path)
        ...     with safe_open(path, framework="numpy") as f:
        ...         meta = f.metadata()
        >>> u = json.loads(meta["user_ids"]).index("1")
        >>> scores = t["item_vectors"] @ t["user_vectors"][u] + t.get("item_bias", 0)
        >>> scores.shape                            # row 0 is the padding item
        (21,)
        """
        _, raw = _encode_path(path)
        with _Use(self._fitted_handle()) as h:
            _capi._check(_capi.gsau_model_export(h.value, raw), "gsau_model_export")

    @classmethod
    def load(cls, path: Any, id_type: Any = "str") -> "GSAU":
        """Loads a model saved by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            The checkpoint.
        id_type : {"str", "int", "auto"} or dict
            The type queries give raw ids back in. A checkpoint stores ids as strings and does
            not record the type they had in Python, so the default is ``"str"``; ask for
            ``"int"`` (ValueError when an id is not the decimal form of an int64) or ``"auto"``
            (int64 when every id is one) to get integer ids back, e.g. for a model fit on
            integer arrays. As :meth:`fit`'s ``id_type``.

        Returns
        -------
        GSAU
            The model, ready for queries (``fit`` raises TypeError on it).

        Raises
        ------
        GSAUIOError (an OSError)
            The file cannot be read.
        CorruptFileError (a ValueError)
            The file fails validation (the message names the field): damaged or not a gsau
            checkpoint.
        VersionMismatchError (a ValueError)
            A checkpoint format this library does not read.

        Examples
        --------
        >>> import os, tempfile
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     ([1] * 4 + [2] * 4, [5, 6, 7, 8, 5, 7, 8, 9]), show_progress=False)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     model.save(os.path.join(tmp, "m.gsau"))
        ...     as_str = GSAU.load(os.path.join(tmp, "m.gsau"))
        ...     as_int = GSAU.load(os.path.join(tmp, "m.gsau"), id_type="int")
        >>> as_str.item_ids.dtype, as_int.item_ids.dtype
        (dtype('O'), dtype('int64'))
        """
        if id_type is None:
            raise TypeError("id_type must be 'str', 'int', 'auto' or a dict, not None")
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
        self._handle.id_kinds = _id_kinds(id_type, ("str", "str"), self._handle)
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
        """True when the model holds a trained or loaded model (and is not closed).

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1)
        >>> model.fitted
        False
        >>> model.fit("Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False).fitted
        True
        """
        return not self._closed and self._handle is not None

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called.

        Examples
        --------
        >>> from gsau import GSAU
        >>> with GSAU() as model:
        ...     model.closed
        False
        >>> model.closed
        True
        """
        return self._closed

    def close(self) -> None:
        """Frees the library model. Idempotent.

        Queries running in other threads finish first; any later use of this object raises
        ValueError. A ``with`` block or garbage collection also closes it.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> model.close()
        >>> model.recommend("1")
        Traceback (most recent call last):
        ...
        ValueError: operation on a closed gsau.GSAU model
        """
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
        ``test_ndcg_at_10`` (NaN when not evaluated), ``vector_width`` (columns of
        :attr:`item_factors` and :attr:`user_factors`: ``embedding_size``, twice it with
        ``graph_score_weight`` > 0).

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> model.info["n_users"], model.info["n_items"], model.info["embedding_size"]
        (24, 20, 8)
        """
        with _Use(self._fitted_handle()) as h:
            return dict(h.info())

    @property
    def id_types(self) -> Dict[str, str]:
        """The type raw ids come back in, ``{"user": ..., "item": ...}``, each ``"int"`` (numpy
        int64 arrays) or ``"str"`` (dtype object holding str); see ``id_type`` of :meth:`fit`
        and :meth:`load`. Queries take ids of either type (``7`` and ``"7"`` are one id).

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     ([1] * 4 + [2] * 4, list("abcdacde")), show_progress=False)
        >>> model.id_types
        {'user': 'int', 'item': 'str'}
        """
        with _Use(self._fitted_handle()) as h:
            return {"user": h.id_kinds[0], "item": h.id_kinds[1]}

    @property
    def item_ids(self) -> np.ndarray:
        """The raw item ids, int64 or dtype object (:attr:`id_types`): ``item_ids[i]`` is row
        ``i`` of :attr:`item_factors` (row ``i + 1`` of :meth:`item_embeddings`). A new array
        each time.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> sorted(model.item_ids, key=int)[:3]
        ['1', '2', '3']
        """
        with _Use(self._fitted_handle()) as h:
            return h.typed_ids("item")[1:].copy()

    @property
    def user_ids(self) -> np.ndarray:
        """The raw ids of the users the model knows, int64 or dtype object (:attr:`id_types`):
        ``user_ids[i]`` is row ``i`` of :attr:`user_factors`. A new array each time.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     ([7] * 4 + [9] * 4, [1, 2, 3, 4, 1, 3, 4, 5]), show_progress=False)
        >>> sorted(model.user_ids.tolist())
        [7, 9]
        """
        with _Use(self._fitted_handle()) as h:
            return h.typed_ids("user")[1:].copy()

    @property
    def item_factors(self) -> np.ndarray:
        """The item vectors queries score with, float32 ``[n_items, vector_width]``, row ``i``
        for ``item_ids[i]`` (implicit's ``item_factors``; :meth:`item_embeddings` without its
        padding row). A new array each time.

        ``user_factors @ item_factors.T`` is the score matrix :meth:`recommend` ranks by, up to
        float rounding, except for the stock ``"bert4rec"`` variant, which adds a per-item bias
        (see :meth:`export`).

        Examples
        --------
        >>> import numpy as np
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> model.item_factors.shape, model.user_factors.shape
        ((20, 8), (24, 8))
        >>> u = list(model.user_ids).index("1")
        >>> scores = model.item_factors @ model.user_factors[u]
        >>> ids, top = model.recommend("1", N=1, filter_already_liked_items=False)
        >>> bool(np.isclose(scores.max(), top[0], rtol=1e-4, atol=1e-5))
        True
        """
        return self.item_embeddings()[1:]

    @property
    def user_factors(self) -> np.ndarray:
        """The vectors users are scored with, float32 ``[n_users, vector_width]``, row ``i``
        for ``user_ids[i]`` (implicit's ``user_factors``; :meth:`user_vectors` of every user).
        Sequence-scored models encode every user's history the first time (then cached with
        the model); a new array each time. See :attr:`item_factors`.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> model.user_factors.shape
        (24, 8)
        """
        with _Use(self._fitted_handle()) as h:
            table = h._factors.get("user")
            if table is None:
                info = h.info()
                n = info["n_users"]
                idx = np.arange(1, n + 1, dtype=np.int32)
                table = np.empty((n, info["vector_width"]), dtype=np.float32)
                if n:
                    _capi._check(_capi.gsau_model_user_vectors(h.value, idx.ctypes.data_as(_i32p),
                                                               n, table.ctypes.data_as(_f32p)),
                                 "gsau_model_user_vectors")
                h._factors["user"] = table
            return table.copy()

    def evaluate(self, split: str = "test",
                 ks: Iterable[int] = (5, 10, 20, 50)) -> Dict[str, float]:
        """Full-ranking leave-one-out evaluation on the model's own data.

        Parameters
        ----------
        split : {"test", "valid", "validation"}
            The held-out targets to rank.
        ks : int or iterable of int
            The cut-offs (each > 0).

        Returns
        -------
        dict
            ``{"recall@K": ..., "mrr@K": ..., "ndcg@K": ..., "precision@K": ...}`` for each K
            in ``ks`` (means over users, unrounded).

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> sorted(model.evaluate("valid", ks=10))
        ['mrr@10', 'ndcg@10', 'precision@10', 'recall@10']
        """
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

    def select_graph_score_weight(self, candidates: Optional[Iterable[float]] = None
                                  ) -> List[Tuple[float, float]]:
        """Chooses the opt-in score-fusion weight on the validation split alone and switches the
        model to it (see ``graph_score_weight`` in :class:`GSAU`; the parameters do not change).

        Every candidate is evaluated on validation with the model-selection metric (NDCG@20,
        rounded to 4 decimals); the best wins, ties going to the earlier candidate. The test
        split is never read. :meth:`save` keeps the chosen weight.

        Parameters
        ----------
        candidates : iterable of float, optional
            Non-negative weights, tried in order; None = the library's ladder
            (``gsau_graph_score_weight_ladder``: 0, then 0.25 to 8 doubling; 0 first, so the
            paper's scoring wins ties).

        Returns
        -------
        list of (float, float)
            Each candidate with its unrounded validation NDCG@20, in the order tried.

        Raises
        ------
        InvalidArgumentError (a ValueError)
            A negative or non-finite weight, or a model that cannot fuse (graph-scored, or
            without a graph or sequence encoder).

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> trials = model.select_graph_score_weight([0, 1, 4])
        >>> [w for w, _ in trials]
        [0.0, 1.0, 4.0]
        >>> model.config["graph_score_weight"] in (0.0, 1.0, 4.0)
        True
        """
        if candidates is None:
            weights = np.empty(_capi.gsau_graph_score_weight_ladder(None, 0), dtype=np.float64)
            _capi.gsau_graph_score_weight_ladder(weights.ctypes.data_as(_f64p), weights.size)
        else:
            if isinstance(candidates, (str, bytes)):
                raise TypeError("candidates must be numbers, not a string")
            weights = np.ascontiguousarray([_float("each candidate", w) for w in candidates],
                                           dtype=np.float64)
            if weights.size == 0:
                raise ValueError("candidates is empty")
            if weights.size > _INT32_MAX:
                raise ValueError("too many candidates (%d)" % weights.size)
        valid = np.empty(weights.size, dtype=np.float64)
        with _Use(self._fitted_handle()) as h:
            out = _capi.gsau_model_p()
            _capi._check(_capi.gsau_model_select_graph_score_weight(
                ctypes.byref(out), h.value, weights.ctypes.data_as(_f64p), int(weights.size),
                valid.ctypes.data_as(_f64p)), "gsau_model_select_graph_score_weight")
            new = _ModelHandle(out.value, h.id_kinds)
        cfg = _capi.sized(_capi.gsau_config)
        _capi._check(_capi.gsau_model_config_get(new.value, ctypes.byref(cfg)), "gsau_model_config_get")
        self._set_handle(new)
        self._params["graph_score_weight"] = float(cfg.graph_score_weight)
        return [(float(w), float(v)) for w, v in zip(weights.tolist(), valid)]

    def item_embeddings(self) -> np.ndarray:
        """The item table used for scoring, with the padding row, as :meth:`export` writes it.

        Returns
        -------
        numpy.ndarray
            float32 ``[n_items + 1, vector_width]`` (see :attr:`info`); row 0 is the padding item, row ``i`` the
            item ``item_ids[i - 1]`` (:attr:`item_factors` is rows 1 onwards).

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> model.item_embeddings().shape
        (21, 8)
        """
        with _Use(self._fitted_handle()) as h:
            info = h.info()
            out = np.empty((info["n_items"] + 1, info["vector_width"]), dtype=np.float32)
            _capi._check(_capi.gsau_model_item_embeddings(h.value, out.ctypes.data_as(_f32p),
                                                          out.size),
                         "gsau_model_item_embeddings")
            return out

    def user_vectors(self, users: Any) -> np.ndarray:
        """The vectors the given users are scored with (rows of :attr:`user_factors`, computed
        for these users only).

        ``recommend``'s score of an item is the dot product with its row of
        :attr:`item_factors`. SASRec-scored models: the encoder's output for the user's whole
        history; graph-scored: the user's LightGCN row.

        Parameters
        ----------
        users : raw user id, or a 1-D array/list of them

        Returns
        -------
        numpy.ndarray
            float32 ``[len(users), vector_width]`` (see :attr:`info`); 1-D for one user.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> model.user_vectors(["1", "2"]).shape, model.user_vectors("1").shape
        ((2, 8), (8,))
        """
        with _Use(self._fitted_handle()) as h:
            scalar, names = _id_list(users, "users")
            out = np.empty((len(names), h.info()["vector_width"]), dtype=np.float32)
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
    def _one(fn: Any, fn_name: str, args: Tuple[Any, ...],
             k: int) -> Tuple[np.ndarray, np.ndarray]:
        """``fn(*args, items, scores, &count)``, a query writing one ranked list of at most
        ``k`` entries: (int32 item indices, float32 scores), best first."""
        ids = np.zeros(k, dtype=np.int32)
        scores = np.empty(k, dtype=np.float32)
        count = ctypes.c_int32()
        _capi._check(fn(*args, ids.ctypes.data_as(_i32p), scores.ctypes.data_as(_f32p),
                        ctypes.byref(count)), fn_name)
        return ids[:count.value], scores[:count.value]

    @staticmethod
    def _stack(h: _ModelHandle, rows: List[Tuple[np.ndarray, np.ndarray]],
               k: int) -> Tuple[np.ndarray, np.ndarray]:
        """2-D (raw ids, scores) of ranked rows of item indices, padded with the padding id
        (-1 or None) and NaN."""
        ids = np.zeros((len(rows), k), dtype=np.int32)
        scores = np.full((len(rows), k), np.nan, dtype=np.float32)
        for r, (idx, sc) in enumerate(rows):
            ids[r, :len(idx)] = idx
            scores[r, :len(sc)] = sc
        return h.typed_ids("item")[ids], scores

    def _sequence_row(self, h: _ModelHandle, k: int, sequence: List[str], filter_liked: bool,
                      filter_items: Any, items: Any) -> Tuple[np.ndarray, np.ndarray]:
        if not sequence:
            raise ValueError("the item sequence is empty")
        if len(sequence) > _INT32_MAX:
            raise ValueError("the item sequence is too long (%d)" % len(sequence))
        seq = _indices(_item_index, h.value, sequence)
        q, keep = _query(h.value, filter_liked, items, filter_items)
        return self._one(_capi.gsau_model_recommend_sequence, "gsau_model_recommend_sequence",
                         (h.value, seq.ctypes.data_as(_i32p), len(sequence), k,
                          ctypes.byref(q)), k)

    def recommend(self, userid: Any, user_items: Any = None, N: int = 10,
                  filter_already_liked_items: bool = True, filter_items: Any = None,
                  recalculate_user: bool = False, items: Any = None, *,
                  timestamps: Any = None, **renamed: Any) -> Tuple[np.ndarray, np.ndarray]:
        """The top-``N`` items for a user, or for each of an array of users.

        The names and semantics are those of ``implicit``'s ``recommend``, with raw ids in place
        of row numbers. Without ``user_items`` a user is scored from the whole history the model
        was trained on.

        Parameters
        ----------
        userid : raw user id, or a 1-D array/list of them
            The user (1-D results) or users (2-D results, one row each) to recommend for.
        user_items : scipy.sparse matrix, or item ids, optional
            The users' interactions, when they should not be the training history: a sparse
            matrix with **one row per user in** ``userid`` (implicit's ``user_items[userid]``),
            column ``c`` being the item with raw id ``c``; or, without scipy, the raw item ids
            of one user (a list of lists for an array of users), oldest first. Unlike implicit,
            gsau is a sequential model and reads **no confidences**: the values of a sparse
            matrix are only the *order* of the interactions (larger = later; their magnitudes
            weigh nothing, and ties, e.g. in a 0/1 matrix, keep column order, which is rarely
            the real time order). Give real times as the values, or item ids with
            ``timestamps=``. Used for ``filter_already_liked_items`` and, with
            ``recalculate_user=True``, as the history to score from.
        N : int
            Items per user (> 0; larger than the number of items means all of them).
        filter_already_liked_items : bool
            Leave out the items the user already has: those of ``user_items`` when given, else
            the training history. Default True, as in implicit.
        filter_items : raw item ids, optional
            Never return these items.
        recalculate_user : bool
            Score the user from ``user_items`` instead of the training history (the sequence
            path, :meth:`recommend_sequence`): the recent interactions of a known user, or the
            history of a user the model has never seen (``userid`` is then only a label).
            Models that score with the graph encoder (``info["predicts_with_graph"]``) cannot.
        items : raw item ids, optional
            Only rank these items. Unlike implicit, may be combined with ``filter_items``.
        timestamps : array-like of float, optional
            With ``user_items`` given as item ids: the time of each (the same shape), which
            orders them; equal times keep the given order.

        Returns
        -------
        ids : numpy.ndarray
            Raw item ids, best first, in the type the model was fit with: int64 for integer
            ids, else dtype object holding str (see :attr:`id_types`). For one user 1-D, of
            length ``N`` or fewer when the filters leave fewer candidates; for an array of users
            2-D, ``(n_users, min(N, n_items))``, where a row's entries past its results are -1
            (integer ids) or None.
        scores : numpy.ndarray
            float32, non-increasing, the same shape; NaN past a row's results.

        Raises
        ------
        UnknownIDError (a KeyError)
            A user or item id the model does not know (the message names it). Items of
            ``user_items`` the model does not know are ignored when only filtered, and raise
            with ``recalculate_user=True``.
        InvalidArgumentError (a ValueError)
            ``recalculate_user=True`` on a graph-scored model.
        TypeError
            A flag that is not a bool; a keyword of 0.1 (``filter_seen``, ``exclude``: the
            message names the new one).
        ValueError
            ``N <= 0``; ``recalculate_user=True`` without ``user_items``; ``user_items`` of
            another number of users; the model is not fitted or is closed.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> ids, scores = model.recommend("1", N=3)
        >>> ids.shape, scores.dtype
        ((3,), dtype('float32'))
        >>> set(ids) & {"1", "2", "3", "4", "5", "6", "7", "8"}   # user 1's items are filtered
        set()
        >>> model.recommend(["1", "2"], N=3)[0].shape
        (2, 3)
        >>> fresh = model.recommend("1", user_items=["3", "7"], recalculate_user=True, N=3)
        >>> fresh[0].tolist() == model.recommend_sequence(["3", "7"], N=3)[0].tolist()
        True
        """
        if renamed:
            _refuse_renamed("recommend", renamed)
        filter_liked = _flag("filter_already_liked_items", filter_already_liked_items)
        recalc = _flag("recalculate_user", recalculate_user)
        with _Use(self._fitted_handle()) as h:
            k = self._width(N, h.info()["n_items"])
            scalar, users = _id_list(userid, "userid")
            if len(users) > _INT32_MAX:
                raise ValueError("too many users in one call (%d)" % len(users))
            if user_items is None:
                if recalc:
                    raise ValueError("recalculate_user=True needs user_items: the history to "
                                     "recommend from")
                if timestamps is not None:
                    raise ValueError("timestamps= orders user_items, which is not given")
                return self._recommend_known(h, k, scalar, users, filter_liked, filter_items,
                                             items)
            histories = _histories(user_items, timestamps, len(users), scalar)
            extra = [] if filter_items is None else _id_list(filter_items, "filter_items")[1]
            rows = []
            for user, history in zip(users, histories):
                if recalc:
                    rows.append(self._sequence_row(h, k, history, filter_liked, filter_items,
                                                   items))
                    continue
                u = _user_index(h.value, user)
                excluded = extra + ([i for i in history if _known_item(h.value, i)]
                                    if filter_liked else [])
                q, keep = _query(h.value, False, items, excluded)
                rows.append(self._one(_capi.gsau_model_recommend, "gsau_model_recommend",
                                      (h.value, u, k, ctypes.byref(q)), k))
            if scalar:
                return h.typed_ids("item")[rows[0][0]], rows[0][1]
            return self._stack(h, rows, k)

    def _recommend_known(self, h: _ModelHandle, k: int, scalar: bool, users: List[str],
                         filter_liked: bool, filter_items: Any,
                         items: Any) -> Tuple[np.ndarray, np.ndarray]:
        """recommend() from the training histories: the library's single or batch query."""
        q, keep = _query(h.value, filter_liked, items, filter_items)
        if scalar:
            idx, sc = self._one(_capi.gsau_model_recommend, "gsau_model_recommend",
                                (h.value, _user_index(h.value, users[0]), k, ctypes.byref(q)), k)
            return h.typed_ids("item")[idx], sc
        b = len(users)
        ids = np.zeros((b, k), dtype=np.int32)
        scores = np.full((b, k), np.nan, dtype=np.float32)
        if b == 0:
            return h.typed_ids("item")[ids], scores
        idx = _indices(_user_index, h.value, users)
        counts = np.empty(b, dtype=np.int32)
        _capi._check(_capi.gsau_model_recommend_batch(h.value, idx.ctypes.data_as(_i32p), b, k,
                                                      ctypes.byref(q), ids.ctypes.data_as(_i32p),
                                                      scores.ctypes.data_as(_f32p),
                                                      counts.ctypes.data_as(_i32p)),
                     "gsau_model_recommend_batch")
        missing = np.arange(k)[None, :] >= counts[:, None]
        ids[missing] = 0          # the padding index, which maps to -1 / None
        scores[missing] = np.nan
        return h.typed_ids("item")[ids], scores

    def recommend_sequence(self, sequence: Any, N: int = 10,
                           filter_already_liked_items: bool = True, filter_items: Any = None,
                           items: Any = None, *, timestamps: Any = None,
                           **renamed: Any) -> Tuple[np.ndarray, np.ndarray]:
        """The top-``N`` items after a sequence of interactions of a new or anonymous user,
        without retraining (what ``recommend(..., recalculate_user=True)`` runs).

        Parameters
        ----------
        sequence : raw item ids
            The interactions, oldest first (or in any order, with ``timestamps``). Only the last
            ``max_sequence_length`` count.
        N : int
            Items to return (> 0).
        filter_already_liked_items : bool
            Leave out the sequence's items (default True, as :meth:`recommend`).
        filter_items : raw item ids, optional
            Never return these items.
        items : raw item ids, optional
            Only rank these items.
        timestamps : array-like of float, optional
            The time of each item of ``sequence``, which orders them (stable).

        Returns
        -------
        ids, scores : numpy.ndarray
            1-D, as :meth:`recommend` for one user.

        Raises
        ------
        InvalidArgumentError (a ValueError)
            A model that scores with the graph encoder (``info["predicts_with_graph"]``:
            DirectAU, GraphAU, LightGCN), which knows only its users.
        UnknownIDError (a KeyError)
            An item the model does not know.
        ValueError
            An empty sequence; ``N <= 0``.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> ids, scores = model.recommend_sequence(["3", "7", "9"], N=5)
        >>> len(ids), "7" in set(ids)
        (5, False)
        """
        if renamed:
            _refuse_renamed("recommend_sequence", renamed)
        filter_liked = _flag("filter_already_liked_items", filter_already_liked_items)
        with _Use(self._fitted_handle()) as h:
            k = self._width(N, h.info()["n_items"])
            [history] = _histories(sequence, timestamps, 1, True)
            idx, sc = self._sequence_row(h, k, history, filter_liked, filter_items, items)
            return h.typed_ids("item")[idx], sc

    def similar_items(self, itemid: Any, N: int = 10, filter_items: Any = None,
                      items: Any = None, **renamed: Any) -> Tuple[np.ndarray, np.ndarray]:
        """The ``N`` items most similar to an item (cosine of the scoring item vectors), or to
        each of an array of items.

        Parameters
        ----------
        itemid : raw item id, or a 1-D array/list of them
            The item (1-D results) or items (2-D results, one row each).
        N : int
            Items to return per item (> 0).
        filter_items : raw item ids, optional
            Never return these items.
        items : raw item ids, optional
            Only return items among these.

        Returns
        -------
        ids, scores : numpy.ndarray
            As :meth:`recommend`. Unlike implicit, the item itself is never returned.

        Raises
        ------
        UnknownIDError (a KeyError)
            An item id the model does not know.

        Examples
        --------
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> ids, scores = model.similar_items("3", N=4, filter_items=["5"])
        >>> len(ids), "3" in set(ids), "5" in set(ids)
        (4, False, False)
        """
        if renamed:
            _refuse_renamed("similar_items", renamed)
        with _Use(self._fitted_handle()) as h:
            n_items = h.info()["n_items"]
            k = self._width(N, n_items - 1)
            scalar, names = _id_list(itemid, "itemid")
            allowed = None if items is None else set(
                _indices(_item_index, h.value, _id_list(items, "items")[1]).tolist())
            banned = set() if filter_items is None else set(
                _indices(_item_index, h.value, _id_list(filter_items, "filter_items")[1]).tolist())
            filtered = allowed is not None or bool(banned)
            width = max(1, min(n_items - 1, _INT32_MAX)) if filtered else k
            rows = []
            for name in names:
                idx, sc = self._one(_capi.gsau_model_similar_items, "gsau_model_similar_items",
                                    (h.value, _item_index(h.value, name), width), width)
                if filtered:
                    keep = np.array([(allowed is None or i in allowed) and i not in banned
                                     for i in idx.tolist()], dtype=bool)
                    idx, sc = idx[keep][:k], sc[keep][:k]
                rows.append((idx, sc))
            if scalar:
                return h.typed_ids("item")[rows[0][0]], rows[0][1]
            return self._stack(h, rows, k)

    def score_to_file(self, path: Any, users: Any = None, N: int = 10,
                      filter_already_liked_items: bool = True, filter_items: Any = None,
                      format: str = "jsonl", **renamed: Any) -> None:
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
        filter_already_liked_items : bool
            Leave out the items in each user's history (default True, as :meth:`recommend`).
        filter_items : raw item ids, optional
            Never recommend these items.
        format : {"jsonl", "csv"}
            ``"jsonl"`` (default): one JSON object per user and line,
            ``{"user": "<id>", "items": ["<id>", ...], "scores": [...]}``, items best first
            (empty lists when the filters leave no candidate). ``"csv"``: the header
            ``user,rank,item,score`` and one row per (user, rank), rank from 1, ids quoted as
            RFC 4180 requires (``csv.reader`` reads them back). Ids are written as the library
            stores them (strings, also for integer ids). Scores are the shortest decimal that
            reads back as the same float32.

        Raises
        ------
        UnknownIDError (a KeyError)
            A user or item id the model does not know (the message names it); nothing is
            written.
        GSAUIOError (an OSError)
            The file cannot be written.
        ValueError
            ``N <= 0``, an unknown ``format``, a bad path; the model is not fitted or is closed.

        Examples
        --------
        >>> import json, os, tempfile
        >>> from gsau import GSAU
        >>> model = GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
        ...     "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     model.score_to_file(os.path.join(tmp, "top.jsonl"), users=["1", "2"], N=3)
        ...     with open(os.path.join(tmp, "top.jsonl")) as f:
        ...         rows = [json.loads(line) for line in f]
        >>> [(r["user"], len(r["items"])) for r in rows]
        [('1', 3), ('2', 3)]
        """
        if renamed:
            _refuse_renamed("score_to_file", renamed)
        filter_liked = _flag("filter_already_liked_items", filter_already_liked_items)
        if not isinstance(format, str) or format not in _SCORE_FORMATS:
            raise ValueError("format must be 'jsonl' or 'csv', got %r" % (format,))
        _, raw = _encode_path(path)
        with _Use(self._fitted_handle()) as h:
            k = self._width(N, h.info()["n_items"])
            q, keep = _query(h.value, filter_liked, None, filter_items)
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
