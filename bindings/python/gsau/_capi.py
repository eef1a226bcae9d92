"""Raw ctypes declarations of the gsau C API (include/gsau.h).

Every ``GSAU_API`` function of gsau.h is declared here, and only here, each under a comment that
repeats its exact C prototype so that drift between the header and this file is easy to review
(tests/test_capi_coverage.py checks both the prototypes and the struct mirrors against gsau.h).

Rules for this module:

* opaque handles (``gsau_dataset *``) are ``c_void_p`` in arguments and results, never the
  default ``int`` (which truncates 64-bit pointers);
* ``const char *`` results are ``c_char_p`` (copied to ``bytes`` at once);
* option and result structs are passed by pointer; their first field ``struct_size`` is filled
  with ``ctypes.sizeof`` (see :func:`sized`), and fields are only ever appended in gsau.h;
* :func:`_check` turns a negative ``gsau_status`` into a typed exception carrying
  ``gsau_last_error_message()``, which must be read right after the failing call on the same
  thread (it is thread-local and cleared by the next gsau_* call).

Nothing here is public API; use the ``gsau`` package instead.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_double, c_float, c_int32, c_int64, c_uint32, c_uint64, c_void_p
from typing import Dict, List, Optional, Type, TypeVar

from . import _loader
from .errors import error_class_for_status

_lib = _loader.load_shared_library()

#: Every function bound below, by C name (used by the coverage test).
BOUND: Dict[str, "ctypes._CFuncPtr"] = {}


def _bind(name: str, argtypes: List[type], restype: Optional[type]):
    fn = getattr(_lib, name)  # AttributeError names the missing symbol: library/header drift
    fn.argtypes = argtypes
    fn.restype = restype
    BOUND[name] = fn
    return fn


# ── Versions ────────────────────────────────────────────────────────────────────────────────

GSAU_VERSION_MAJOR = 0
GSAU_VERSION_MINOR = 6
GSAU_VERSION_PATCH = 0
GSAU_VERSION_NUMBER = GSAU_VERSION_MAJOR * 10000 + GSAU_VERSION_MINOR * 100 + GSAU_VERSION_PATCH
GSAU_VERSION_STRING = "0.6.0"
GSAU_ABI_VERSION = _loader.EXPECTED_ABI_VERSION

# GSAU_API const char *gsau_version_string(void);
gsau_version_string = _bind("gsau_version_string", [], c_char_p)

# GSAU_API int32_t gsau_version_number(void);
gsau_version_number = _bind("gsau_version_number", [], c_int32)

# GSAU_API int32_t gsau_abi_version(void);
gsau_abi_version = _bind("gsau_abi_version", [], c_int32)


# ── Status codes and errors ─────────────────────────────────────────────────────────────────

gsau_status = c_int32

GSAU_OK = 0
GSAU_E_INVALID_ARGUMENT = -1
GSAU_E_UNKNOWN_ID = -2
GSAU_E_IO = -3
GSAU_E_MALFORMED_INPUT = -4
GSAU_E_CORRUPT_FILE = -5
GSAU_E_VERSION_MISMATCH = -6
GSAU_E_OUT_OF_MEMORY = -7
GSAU_E_ABORTED = -8
GSAU_E_MISUSE = -9
GSAU_E_NUMERICAL = -10
GSAU_E_INTERNAL = -11

# GSAU_API const char *gsau_status_string(gsau_status status);
gsau_status_string = _bind("gsau_status_string", [gsau_status], c_char_p)

# GSAU_API const char *gsau_last_error_message(void);
gsau_last_error_message = _bind("gsau_last_error_message", [], c_char_p)


def _decode(raw: Optional[bytes]) -> str:
    return "" if raw is None else raw.decode("utf-8", "replace")


def _check(status: int, fn_name: str) -> int:
    """Returns ``status`` when it is not negative; otherwise raises the matching GSAUError.

    Call it immediately after the C call, on the same thread, with nothing in between that could
    call into gsau: the message is the thread's last error, which the next gsau_* call clears.
    """
    if status >= 0:
        return status
    message = _decode(gsau_last_error_message())
    if not message:
        message = "%s failed: %s (status %d)" % (fn_name, _decode(gsau_status_string(status)),
                                                 status)
    raise error_class_for_status(status)(message, status)


# ── Diagnostics ─────────────────────────────────────────────────────────────────────────────

class gsau_system_info(ctypes.Structure):
    _c_name_ = "gsau_system_info"
    _fields_ = [
        ("struct_size", c_uint32),
        ("blas_core_name", c_char_p),
        ("blas_threads", c_int32),
        ("hardware_threads", c_int32),
        ("blas_generic_fallback", c_int32),
    ]


# GSAU_API gsau_status gsau_system_info_get(gsau_system_info *out);
gsau_system_info_get = _bind("gsau_system_info_get", [POINTER(gsau_system_info)], gsau_status)


# ── Memory limit ────────────────────────────────────────────────────────────────────────────

# GSAU_API int64_t gsau_memory_limit(int64_t bytes);
gsau_memory_limit = _bind("gsau_memory_limit", [c_int64], c_int64)


# ── Datasets ────────────────────────────────────────────────────────────────────────────────

GSAU_FORMAT_AUTO = 0
GSAU_FORMAT_SEQUENCE = 1
GSAU_FORMAT_ATOMIC = 2
GSAU_FORMAT_CSV = 3
GSAU_HOLD_OUT_LEAVE_ONE_OUT = 0
GSAU_HOLD_OUT_LAST = 1
GSAU_HOLD_OUT_NONE = 2

# typedef struct gsau_dataset gsau_dataset;  (opaque: c_void_p)
gsau_dataset_p = c_void_p


class gsau_dataset_options(ctypes.Structure):
    _c_name_ = "gsau_dataset_options"
    _fields_ = [
        ("struct_size", c_uint32),
        ("format", c_int32),
        ("min_user_interactions", c_int32),
        ("min_item_interactions", c_int32),
        ("refuse_short_users", c_int32),
        ("hold_out", c_int32),
    ]


class gsau_dataset_stats(ctypes.Structure):
    _c_name_ = "gsau_dataset_stats"
    _fields_ = [
        ("struct_size", c_uint32),
        ("n_users", c_int64),
        ("n_items", c_int64),
        ("n_interactions", c_int64),
        ("n_train_interactions", c_int64),
        ("n_valid", c_int64),
        ("n_test", c_int64),
        ("n_sequential_train_examples", c_int64),
        ("n_rows_read", c_int64),
        ("n_rows_removed_by_kcore", c_int64),
        ("n_users_dropped_short", c_int64),
    ]


# GSAU_API void gsau_dataset_options_init(gsau_dataset_options *opts);
gsau_dataset_options_init = _bind("gsau_dataset_options_init",
                                  [POINTER(gsau_dataset_options)], None)

# GSAU_API gsau_status gsau_dataset_load(gsau_dataset **out, const char *path, const gsau_dataset_options *opts);
gsau_dataset_load = _bind("gsau_dataset_load",
                          [POINTER(gsau_dataset_p), c_char_p, POINTER(gsau_dataset_options)],
                          gsau_status)

# GSAU_API void gsau_dataset_free(gsau_dataset *ds);
gsau_dataset_free = _bind("gsau_dataset_free", [gsau_dataset_p], None)

# GSAU_API gsau_status gsau_dataset_stats_get(const gsau_dataset *ds, gsau_dataset_stats *out);
gsau_dataset_stats_get = _bind("gsau_dataset_stats_get",
                               [gsau_dataset_p, POINTER(gsau_dataset_stats)], gsau_status)


# GSAU_API gsau_status gsau_dataset_from_arrays(gsau_dataset **out, const char *const *user_ids, const char *const *item_ids, const double *timestamps, int64_t n, const gsau_dataset_options *opts);
gsau_dataset_from_arrays = _bind("gsau_dataset_from_arrays",
                                 [POINTER(gsau_dataset_p), POINTER(c_char_p), POINTER(c_char_p),
                                  POINTER(c_double), c_int64, POINTER(gsau_dataset_options)],
                                 gsau_status)


# GSAU_API gsau_status gsau_dataset_from_int64_arrays(gsau_dataset **out, const int64_t *user_ids, const int64_t *item_ids, const double *timestamps, int64_t n, const gsau_dataset_options *opts);
gsau_dataset_from_int64_arrays = _bind("gsau_dataset_from_int64_arrays",
                                       [POINTER(gsau_dataset_p), POINTER(c_int64), POINTER(c_int64),
                                        POINTER(c_double), c_int64, POINTER(gsau_dataset_options)],
                                       gsau_status)

# ── Models: configuration and training ──────────────────────────────────────────────────────

# typedef struct gsau_model gsau_model;  (opaque: c_void_p)
gsau_model_p = c_void_p


class gsau_config(ctypes.Structure):
    _c_name_ = "gsau_config"
    _fields_ = [
        ("struct_size", c_uint32),
        ("variant", c_char_p),
        ("gamma", c_double),
        ("embedding_size", c_int32),
        ("transformer_layers", c_int32),
        ("graph_layers", c_int32),
        ("heads", c_int32),
        ("inner_size", c_int32),
        ("max_sequence_length", c_int32),
        ("hidden_dropout", c_double),
        ("attention_dropout", c_double),
        ("layer_norm_eps", c_double),
        ("batch_size", c_int32),
        ("learning_rate", c_double),
        ("beta1", c_double),
        ("beta2", c_double),
        ("adam_epsilon", c_double),
        ("weight_decay", c_double),
        ("seed", c_uint64),
        ("epochs", c_int32),
        ("patience", c_int32),
        ("threads", c_int32),
        ("graph_score_weight", c_double),
        ("sampled_negatives", c_int32),
        ("logit_scale", c_double),
        ("learning_rate_decays", c_int32),
        ("learning_rate_decay", c_double),
    ]


# GSAU_API void gsau_config_default(gsau_config *cfg);
gsau_config_default = _bind("gsau_config_default", [POINTER(gsau_config)], None)

# GSAU_API int32_t gsau_variant_count(void);
gsau_variant_count = _bind("gsau_variant_count", [], c_int32)

# GSAU_API const char *gsau_variant_name(int32_t index);
gsau_variant_name = _bind("gsau_variant_name", [c_int32], c_char_p)

# GSAU_API gsau_status gsau_config_resolve(gsau_config *cfg);
gsau_config_resolve = _bind("gsau_config_resolve", [POINTER(gsau_config)], gsau_status)

# typedef int32_t (*gsau_progress_fn)(int32_t epoch, int32_t step, int32_t steps, double loss, double valid_score, void *user_data);
gsau_progress_fn = ctypes.CFUNCTYPE(c_int32, c_int32, c_int32, c_int32, c_double, c_double, c_void_p)

# GSAU_API gsau_status gsau_train(gsau_model **out, const gsau_dataset *ds, const gsau_config *cfg, gsau_progress_fn progress, void *user_data);
gsau_train = _bind("gsau_train",
                   [POINTER(gsau_model_p), gsau_dataset_p, POINTER(gsau_config), gsau_progress_fn,
                    c_void_p], gsau_status)

# GSAU_API gsau_status gsau_train_from(gsau_model **out, const gsau_dataset *ds, const gsau_config *cfg, const gsau_model *start, gsau_progress_fn progress, void *user_data);
gsau_train_from = _bind("gsau_train_from",
                        [POINTER(gsau_model_p), gsau_dataset_p, POINTER(gsau_config), gsau_model_p,
                         gsau_progress_fn, c_void_p], gsau_status)

# GSAU_API gsau_status gsau_train_resumable(gsau_model **out, const gsau_dataset *ds, const gsau_config *cfg, const char *state_path, int32_t resume, gsau_progress_fn progress, void *user_data);
gsau_train_resumable = _bind("gsau_train_resumable",
                             [POINTER(gsau_model_p), gsau_dataset_p, POINTER(gsau_config), c_char_p, c_int32,
                              gsau_progress_fn, c_void_p], gsau_status)

# GSAU_API void gsau_model_free(gsau_model *m);
gsau_model_free = _bind("gsau_model_free", [gsau_model_p], None)


class gsau_model_info(ctypes.Structure):
    _c_name_ = "gsau_model_info"
    _fields_ = [
        ("struct_size", c_uint32),
        ("n_users", c_int64),
        ("n_items", c_int64),
        ("embedding_size", c_int32),
        ("predicts_with_graph", c_int32),
        ("n_parameters", c_int64),
        ("best_epoch", c_int32),
        ("epochs_run", c_int32),
        ("test_recall_at_10", c_double),
        ("test_ndcg_at_10", c_double),
        ("vector_width", c_int32),
    ]


# GSAU_API gsau_status gsau_model_info_get(const gsau_model *m, gsau_model_info *out);
gsau_model_info_get = _bind("gsau_model_info_get", [gsau_model_p, POINTER(gsau_model_info)],
                            gsau_status)

# GSAU_API gsau_status gsau_model_config_get(const gsau_model *m, gsau_config *cfg);
gsau_model_config_get = _bind("gsau_model_config_get", [gsau_model_p, POINTER(gsau_config)], gsau_status)

GSAU_SPLIT_VALIDATION = 0
GSAU_SPLIT_TEST = 1

# GSAU_API gsau_status gsau_model_evaluate(const gsau_model *m, int32_t split, const int32_t *ks, int32_t n_ks, double *out);
gsau_model_evaluate = _bind("gsau_model_evaluate",
                            [gsau_model_p, c_int32, POINTER(c_int32), c_int32, POINTER(c_double)],
                            gsau_status)

# GSAU_API gsau_status gsau_model_select_graph_score_weight(gsau_model **out, const gsau_model *m, const double *candidates, int32_t n, double *valid_out);
gsau_model_select_graph_score_weight = _bind("gsau_model_select_graph_score_weight",
                                             [POINTER(gsau_model_p), gsau_model_p, POINTER(c_double),
                                              c_int32, POINTER(c_double)], gsau_status)

# GSAU_API int32_t gsau_graph_score_weight_ladder(double *out, int32_t capacity);
gsau_graph_score_weight_ladder = _bind("gsau_graph_score_weight_ladder", [POINTER(c_double), c_int32],
                                       c_int32)

# GSAU_API gsau_status gsau_model_item_embeddings(const gsau_model *m, float *out, int64_t capacity);
gsau_model_item_embeddings = _bind("gsau_model_item_embeddings",
                                   [gsau_model_p, POINTER(c_float), c_int64], gsau_status)

# GSAU_API gsau_status gsau_model_user_vectors(const gsau_model *m, const int32_t *users, int32_t n_users, float *out);
gsau_model_user_vectors = _bind("gsau_model_user_vectors",
                                [gsau_model_p, POINTER(c_int32), c_int32, POINTER(c_float)],
                                gsau_status)

# GSAU_API gsau_status gsau_model_item_id(const gsau_model *m, int32_t item, const char **out);
gsau_model_item_id = _bind("gsau_model_item_id", [gsau_model_p, c_int32, POINTER(c_char_p)],
                           gsau_status)

# GSAU_API gsau_status gsau_model_item_index(const gsau_model *m, const char *item_id, int32_t *out);
gsau_model_item_index = _bind("gsau_model_item_index", [gsau_model_p, c_char_p, POINTER(c_int32)],
                              gsau_status)

# GSAU_API gsau_status gsau_model_user_index(const gsau_model *m, const char *user_id, int32_t *out);
gsau_model_user_index = _bind("gsau_model_user_index", [gsau_model_p, c_char_p, POINTER(c_int32)],
                              gsau_status)

# GSAU_API gsau_status gsau_model_user_id(const gsau_model *m, int32_t user, const char **out);
gsau_model_user_id = _bind("gsau_model_user_id", [gsau_model_p, c_int32, POINTER(c_char_p)],
                           gsau_status)


# ── Models: checkpoints ─────────────────────────────────────────────────────────────────────

# GSAU_API gsau_status gsau_model_save(const gsau_model *m, const char *path);
gsau_model_save = _bind("gsau_model_save", [gsau_model_p, c_char_p], gsau_status)

# GSAU_API gsau_status gsau_model_load(gsau_model **out, const char *path);
gsau_model_load = _bind("gsau_model_load", [POINTER(gsau_model_p), c_char_p], gsau_status)

# GSAU_API gsau_status gsau_model_export(const gsau_model *m, const char *path);
gsau_model_export = _bind("gsau_model_export", [gsau_model_p, c_char_p], gsau_status)


# ── Models: queries ─────────────────────────────────────────────────────────────────────────

class gsau_query(ctypes.Structure):
    _c_name_ = "gsau_query"
    _fields_ = [
        ("struct_size", c_uint32),
        ("filter_seen", c_int32),
        ("allowed_items", POINTER(c_int32)),
        ("n_allowed", c_int32),
        ("excluded_items", POINTER(c_int32)),
        ("n_excluded", c_int32),
    ]


# GSAU_API void gsau_query_init(gsau_query *q);
gsau_query_init = _bind("gsau_query_init", [POINTER(gsau_query)], None)

# GSAU_API gsau_status gsau_model_recommend(const gsau_model *m, int32_t user, int32_t k, const gsau_query *q, int32_t *items, float *scores, int32_t *count);
gsau_model_recommend = _bind("gsau_model_recommend",
                             [gsau_model_p, c_int32, c_int32, POINTER(gsau_query), POINTER(c_int32),
                              POINTER(c_float), POINTER(c_int32)], gsau_status)

# GSAU_API gsau_status gsau_model_recommend_sequence(const gsau_model *m, const int32_t *sequence, int32_t length, int32_t k, const gsau_query *q, int32_t *items, float *scores, int32_t *count);
gsau_model_recommend_sequence = _bind("gsau_model_recommend_sequence",
                                      [gsau_model_p, POINTER(c_int32), c_int32, c_int32,
                                       POINTER(gsau_query), POINTER(c_int32), POINTER(c_float),
                                       POINTER(c_int32)], gsau_status)

# GSAU_API gsau_status gsau_model_recommend_batch(const gsau_model *m, const int32_t *users, int32_t n_users, int32_t k, const gsau_query *q, int32_t *items, float *scores, int32_t *counts);
gsau_model_recommend_batch = _bind("gsau_model_recommend_batch",
                                   [gsau_model_p, POINTER(c_int32), c_int32, c_int32,
                                    POINTER(gsau_query), POINTER(c_int32), POINTER(c_float),
                                    POINTER(c_int32)], gsau_status)

# GSAU_API gsau_status gsau_model_similar_items(const gsau_model *m, int32_t item, int32_t k, int32_t *items, float *scores, int32_t *count);
gsau_model_similar_items = _bind("gsau_model_similar_items",
                                 [gsau_model_p, c_int32, c_int32, POINTER(c_int32),
                                  POINTER(c_float), POINTER(c_int32)], gsau_status)


# ── Models: batch scoring to a file ─────────────────────────────────────────────────────────

GSAU_SCORE_JSONL = 0
GSAU_SCORE_CSV = 1

# GSAU_API gsau_status gsau_model_score_to_file(const gsau_model *m, const int32_t *users, int32_t n_users, int32_t k, const gsau_query *q, int32_t format, const char *path);
gsau_model_score_to_file = _bind("gsau_model_score_to_file",
                                 [gsau_model_p, POINTER(c_int32), c_int32, c_int32,
                                  POINTER(gsau_query), c_int32, c_char_p], gsau_status)


# ── Helpers ─────────────────────────────────────────────────────────────────────────────────

_S = TypeVar("_S", bound=ctypes.Structure)


def sized(struct_type: Type[_S]) -> _S:
    """A zeroed instance of a gsau option/result struct with ``struct_size`` set."""
    s = struct_type()
    s.struct_size = ctypes.sizeof(struct_type)
    return s


def struct_to_dict(s: ctypes.Structure) -> Dict[str, object]:
    """The struct's fields except ``struct_size``; ``const char *`` fields decoded to str."""
    out: Dict[str, object] = {}
    for name, _ctype in s._fields_:
        if name == "struct_size":
            continue
        value = getattr(s, name)
        out[name] = _decode(value) if isinstance(value, bytes) else value
    return out


__all__ = [n for n in list(globals()) if n.startswith(("gsau_", "GSAU_"))] + [
    "BOUND", "sized", "struct_to_dict"]
