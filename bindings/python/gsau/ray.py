"""Batch scoring of a saved model on a Ray cluster (Ray Data), for user bases too large for one
process or one machine's cores.

Ray is imported when :func:`score_users_with_ray` is called, never by ``import gsau``; install it
with ``pip install "ray[data]"`` (or the ``gsau[ray]`` extra). On one machine,
:meth:`gsau.GSAU.score_to_file` is faster: it scores blocks of users with one matrix product each
and uses every core without Ray's overhead.
"""

from __future__ import annotations

from typing import Any, Optional

from . import _flag
from .model import GSAU

__all__ = ["score_users_with_ray"]


class _CheckpointScorer:
    """The ``map_batches`` callable class: each actor loads the checkpoint once, then scores the
    batches it is given, each user with :meth:`GSAU.recommend`."""

    def __init__(self, checkpoint_path: str, user_column: str, N: int,
                 filter_already_liked_items: bool, filter_items: Any, id_type: Any) -> None:
        self._model = GSAU.load(checkpoint_path, id_type=id_type)
        self._user_column = user_column
        self._query = {"N": N, "filter_already_liked_items": filter_already_liked_items,
                       "filter_items": filter_items}

    def __call__(self, batch: Any) -> Any:
        import numpy as np
        import pyarrow as pa

        users = batch.column(self._user_column)
        ids, scores, offsets = [], [], [0]
        # One user at a time (the library's single-user path): a user's result is then the same
        # bits whatever batch Ray put it in. The library's batch call scores blocks of 64 or more
        # users with one matrix product, whose rounding depends on the block's other users.
        for user in users.to_pylist():
            top, sc = self._model.recommend(user, **self._query)
            ids.append(top)
            scores.append(sc)
            offsets.append(offsets[-1] + len(top))
        item_type = pa.int64() if self._model.id_types["item"] == "int" else pa.string()
        flat_ids = np.concatenate(ids) if ids else np.empty(0, dtype=object)
        flat_scores = np.concatenate(scores) if scores else np.empty(0, dtype=np.float32)
        offset_array = pa.array(offsets, type=pa.int32())
        return pa.table({
            "user": users,
            "items": pa.ListArray.from_arrays(offset_array, pa.array(flat_ids, type=item_type)),
            "scores": pa.ListArray.from_arrays(offset_array,
                                               pa.array(flat_scores, type=pa.float32())),
        })


def score_users_with_ray(checkpoint_path: Any, users: Any = None, N: int = 10,
                         filter_already_liked_items: bool = True, filter_items: Any = None,
                         concurrency: int = 2, batch_size: int = 1024,
                         user_column: str = "user", id_type: Any = "str") -> Any:
    """The top-``N`` items of every user of a saved model (or of ``users``), scored on Ray.

    Builds a lazy Ray Data pipeline: ``map_batches`` over the users with a pool of
    ``concurrency`` actors, each of which loads the checkpoint once (:meth:`GSAU.load`) and
    scores every user of its batches with :meth:`GSAU.recommend`. Nothing runs until the result
    is consumed (``to_pandas()``, ``write_parquet(...)``, ``iter_batches()``, ...). Ray is
    started as a local cluster if the program has not called ``ray.init`` (Ray Data does this).

    Parameters
    ----------
    checkpoint_path : str or os.PathLike
        A model saved by :meth:`GSAU.save`. Every worker opens this path itself, so on a
        cluster of several machines it must be on storage all of them read at that path.
    users : array-like of raw user ids, ray.data.Dataset or None
        The users to score: None (default) for every user of the model, in the order of
        :attr:`GSAU.user_ids` (the driver loads the checkpoint once to read them); a list or
        array of raw ids; or a Ray Dataset with a column ``user_column`` (e.g. read from
        Parquet on the cluster), whose other columns are dropped.
    N : int
        Items per user (> 0).
    filter_already_liked_items : bool
        Leave out each user's training items (default True, as :meth:`GSAU.recommend`).
    filter_items : raw item ids, optional
        Never recommend these items.
    concurrency : int
        Actors in the pool (> 0), each holding one loaded model and one CPU.
    batch_size : int
        Users per batch handed to an actor (> 0). A list of users is cut into blocks of this
        size, so the actors share the work from the first batch.
    user_column : str
        The column of ``users`` (a Ray Dataset) that holds the user ids.
    id_type : {"str", "int", "auto"} or dict
        As for :meth:`GSAU.load`: the type item ids come back in.

    Returns
    -------
    ray.data.Dataset
        One row per user, in the order given for a list or None (a Ray Dataset as input keeps
        its own context's ``preserve_order`` setting, by default unordered): ``user`` (the id as given, or as
        :attr:`GSAU.user_ids` has it), ``items`` (a list of up to ``N`` raw item ids, best first)
        and ``scores`` (a list of float32, non-increasing). A row is exactly what
        ``GSAU.load(checkpoint_path).recommend(user, N=N, ...)`` returns, the same bits:
        actors score one user at a time, so neither the batching nor the number of workers
        changes a result. A Dataset rather than a DataFrame so that the results of a large user
        base need not fit in the driver (``write_parquet`` writes them from the workers).

    Raises
    ------
    ImportError
        Ray (with Ray Data and pyarrow) is not installed.
    TypeError, ValueError
        An argument of the wrong type or out of range; ``users`` is a Ray Dataset without
        ``user_column``.
    UnknownIDError (a KeyError)
        When the Dataset is consumed: a user or item id the model does not know (Ray raises
        it wrapped in its task error, naming the id).

    Examples
    --------
    >>> import os, tempfile
    >>> from gsau import GSAU
    >>> from gsau.ray import score_users_with_ray
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "tiny.gsau")
    ...     GSAU(embedding_size=8, inner_size=16, epochs=1).fit(
    ...         "Tests/GSAUTests/Fixtures/parity/tiny.txt", show_progress=False).save(path)
    ...     top = score_users_with_ray(path, users=["1", "2", "3"], N=3,
    ...                                batch_size=2).to_pandas()
    >>> top["user"].tolist(), [len(items) for items in top["items"]]
    (['1', '2', '3'], [3, 3, 3])
    """
    for name, value in (("N", N), ("concurrency", concurrency), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("%s must be an int, not %s" % (name, type(value).__name__))
        if value <= 0:
            raise ValueError("%s must be > 0, got %d" % (name, value))
    filter_already_liked_items = _flag("filter_already_liked_items", filter_already_liked_items)
    if not isinstance(user_column, str):
        raise TypeError("user_column must be a str, not %s" % type(user_column).__name__)
    import os

    import pyarrow as pa
    import ray.data

    path = os.fspath(checkpoint_path)
    if users is None:
        with GSAU.load(path, id_type=id_type) as model:
            users = model.user_ids
    if isinstance(users, ray.data.Dataset):
        if user_column not in users.columns():
            raise ValueError("users has no column %r (columns: %s)"
                             % (user_column, users.columns()))
        dataset = users.select_columns([user_column])
    else:
        ids = list(users)
        blocks = [pa.table({user_column: pa.array(ids[start:start + batch_size])})
                  for start in range(0, len(ids), batch_size)]
        dataset = ray.data.from_arrow(blocks or [pa.table({user_column: pa.array([], pa.string())})])
        # Rows in the order given: Ray Data may reorder an actor pool's outputs unless told not to.
        # The setting lives in this Dataset's own copy of the context, not the process's.
        dataset.context.execution_options.preserve_order = True
    return dataset.map_batches(
        _CheckpointScorer, batch_size=batch_size, batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=concurrency), num_cpus=1,
        fn_constructor_args=(path, user_column, N, filter_already_liked_items, filter_items,
                             id_type))
