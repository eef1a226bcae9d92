/*
 * gsau.h — C API of gsau, an embeddable recommender engine implementing GSAU
 * (Graph-Sequential Alignment and Uniformity, Cao et al., WWW Companion 2025).
 *
 * Usage (error handling shortened; every call returns a gsau_status, 0 = GSAU_OK):
 *
 *     #include <gsau.h>
 *
 *     gsau_dataset_options opts;
 *     gsau_dataset_options_init(&opts);            // defaults: format auto-detected, no k-core
 *     opts.min_user_interactions = 5;               // RecBole's 5-core, as the paper
 *     opts.min_item_interactions = 5;
 *
 *     gsau_dataset *ds = NULL;
 *     if (gsau_dataset_load(&ds, "beauty.inter", &opts) != GSAU_OK) {
 *         fprintf(stderr, "%s\n", gsau_last_error_message());
 *         return 1;
 *     }
 *     gsau_dataset_stats st;
 *     st.struct_size = sizeof st;
 *     gsau_dataset_stats_get(ds, &st);
 *     printf("%lld users, %lld items\n", (long long)st.n_users, (long long)st.n_items);
 *     gsau_dataset_free(ds);
 *
 * Build: cc app.c $(pkg-config --cflags --libs gsau)
 *    or: cc app.c -I<repo>/include -L<repo>/.build/release -lgsau -Wl,-rpath,<repo>/.build/release
 *
 * Conventions
 *   - Functions are named gsau_<object>_<verb>. Results go to out-parameters, listed first.
 *   - Every fallible call returns a gsau_status: 0 on success, a negative GSAU_E_* code on
 *     failure. Treat any unknown negative code as an error. On failure the thread's last-error
 *     message (gsau_last_error_message) says what was wrong, naming the argument, file, line or id.
 *   - Outputs are left untouched when a call fails; a failed call leaves every handle as it was.
 *   - Handles are opaque. A NULL, freed or foreign handle passed to any call returns
 *     GSAU_E_MISUSE (never a crash). *_free functions accept NULL and freed handles (no-op).
 *   - Option and result structs begin with `uint32_t struct_size`; set it to sizeof(struct) (the
 *     *_init functions do). Fields are only ever appended, and the library reads an appended
 *     field only when struct_size covers it, so a caller that fills a struct itself keeps
 *     working. An *_init function writes the whole current struct, so a struct that grows bumps
 *     GSAU_ABI_VERSION: callers built against the older header keep the older library
 *     (0.2 appended gsau_dataset_options.hold_out: ABI 2; 0.3 gsau_config.graph_score_weight: ABI 3;
 *     0.4 gsau_config.sampled_negatives: ABI 4; 0.5 gsau_config.logit_scale: ABI 5;
 *     0.6 gsau_config.learning_rate_decays and learning_rate_decay: ABI 6).
 *   - Strings are UTF-8 and NUL-terminated.
 *
 * Thread safety
 *   - gsau_last_error_message() is per thread.
 *   - A gsau_dataset is immutable after loading: any number of threads may read it at once.
 *   - A gsau_model is immutable after training or loading: queries on one model may run from any
 *     number of threads at once. gsau_train uses the calling thread and the library's worker threads.
 *   - Matrix products: gsau runs OpenBLAS with ONE thread (openblas_set_num_threads(1) before its
 *     first product) and splits large products over its own threads, which avoids OpenBLAS's idle
 *     workers spinning between calls (a Beauty epoch: 31.0 s -> about 25 s on 2 cores). A program that
 *     shares that OpenBLAS and sets its own thread count afterwards oversubscribes the cores.
 *   - Creating and freeing handles is thread-safe; freeing a handle while another thread still
 *     uses it is a caller error.
 */
#ifndef GSAU_H
#define GSAU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define GSAU_API __declspec(dllimport)
#else
#  define GSAU_API __attribute__((visibility("default")))
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define GSAU_DEPRECATED(hint) __attribute__((deprecated(hint)))
#else
#  define GSAU_DEPRECATED(hint)
#endif

/* ── Versions ──────────────────────────────────────────────────────────────────────────────
 * Compile-time versions with runtime twins. To check that the header matches the loaded
 * library: assert(gsau_abi_version() == GSAU_ABI_VERSION). The ABI version changes only when a
 * change breaks binary compatibility; it is the SONAME suffix (libgsau.so.<ABI>). */
#define GSAU_VERSION_MAJOR 0
#define GSAU_VERSION_MINOR 6
#define GSAU_VERSION_PATCH 0
#define GSAU_VERSION_NUMBER (GSAU_VERSION_MAJOR * 10000 + GSAU_VERSION_MINOR * 100 + GSAU_VERSION_PATCH)
#define GSAU_VERSION_STRING "0.6.0"
#define GSAU_ABI_VERSION 6

/* "0.6.0": the library's version. Static storage; never NULL. */
GSAU_API const char *gsau_version_string(void);
/* GSAU_VERSION_NUMBER of the loaded library. */
GSAU_API int32_t gsau_version_number(void);
/* GSAU_ABI_VERSION of the loaded library. */
GSAU_API int32_t gsau_abi_version(void);

/* ── Status codes and errors ───────────────────────────────────────────────────────────── */
typedef int32_t gsau_status;

#define GSAU_OK                   0
#define GSAU_E_INVALID_ARGUMENT  -1  /* a value out of its documented range, or a NULL pointer */
#define GSAU_E_UNKNOWN_ID        -2  /* a user or item id the dataset or model does not know */
#define GSAU_E_IO                -3  /* the OS refused a file operation (missing file, permissions) */
#define GSAU_E_MALFORMED_INPUT   -4  /* a data file does not follow its format (message: file:line) */
#define GSAU_E_CORRUPT_FILE      -5  /* a checkpoint failed validation */
#define GSAU_E_VERSION_MISMATCH  -6  /* a checkpoint or struct of an unsupported version */
#define GSAU_E_OUT_OF_MEMORY     -7  /* the work would need more memory than available or than
                                        gsau_memory_limit allows; refused before allocating */
#define GSAU_E_ABORTED           -8  /* a callback asked to stop */
#define GSAU_E_MISUSE            -9  /* NULL, freed or wrong handle */
#define GSAU_E_NUMERICAL        -10  /* non-finite loss or parameters */
#define GSAU_E_INTERNAL         -11  /* a bug in gsau; please report it with the message */

/* Static text naming a status ("ok", "invalid argument", ...; "unknown status" otherwise). */
GSAU_API const char *gsau_status_string(gsau_status status);

/* The message of the last failed call on this thread, e.g.
 * "gsau_dataset_load: data/x.inter:17: expected 3 tab-separated fields as in the header, found 2".
 * Every gsau_* call that returns a gsau_status clears it on entry, so after a success it is "".
 * Never NULL; library-owned; valid until the next gsau_* call on the same thread. */
GSAU_API const char *gsau_last_error_message(void);

/* ── Diagnostics ───────────────────────────────────────────────────────────────────────── */
typedef struct gsau_system_info {
    uint32_t struct_size;        /* in: sizeof(gsau_system_info) */
    const char *blas_core_name;  /* out: OpenBLAS kernel family, e.g. "Prescott", "SkylakeX" (static) */
    int32_t blas_threads;        /* out: threads one matrix product is split over (OpenBLAS itself: 1) */
    int32_t hardware_threads;    /* out: online CPUs */
    int32_t blas_generic_fallback; /* out: 1 when OpenBLAS runs its generic kernels (see README:
                                      OPENBLAS_CORETYPE), else 0 */
} gsau_system_info;

/* Fills *out (struct_size must be set). GSAU_E_INVALID_ARGUMENT for NULL out,
 * GSAU_E_VERSION_MISMATCH for a struct_size smaller than this struct's first published size. */
GSAU_API gsau_status gsau_system_info_get(gsau_system_info *out);

/* ── Memory limit ──────────────────────────────────────────────────────────────────────────
 * Training, loading a dataset or a model, and batch queries (gsau_model_recommend_batch,
 * gsau_model_score_to_file) estimate what they will allocate from the sizes involved (file size,
 * header counts, configuration, request) and fail with GSAU_E_OUT_OF_MEMORY, before allocating,
 * when it exceeds the memory available now or this process-wide cap; the message names the need
 * and the cap. (The estimates count the large buffers; small ones are left out.)
 *
 * bytes >= 0 sets the cap (0 = none beyond the memory available, the default); bytes < 0 only
 * reads it. Returns the cap in force before the call. Process-wide, like
 * sqlite3_soft_heap_limit64; thread-safe (an atomic). */
GSAU_API int64_t gsau_memory_limit(int64_t bytes);

/* ── Datasets ──────────────────────────────────────────────────────────────────────────────
 * Interactions read from a file, filtered, ordered by time and split leave-one-out:
 * per user, the last item is the test target, the second-to-last the validation target, the
 * rest is training data. Raw ids of any string form map to dense ids (0 = padding). */
typedef struct gsau_dataset gsau_dataset;

#define GSAU_FORMAT_AUTO     0  /* from the file name (.inter, .csv) or the first line */
#define GSAU_FORMAT_SEQUENCE 1  /* one line per user: "user item item ...", oldest item first */
#define GSAU_FORMAT_ATOMIC   2  /* RecBole atomic .inter: tab-separated, header "user_id:token item_id:token [timestamp:float] ..." */
#define GSAU_FORMAT_CSV      3  /* CSV with header naming user, item[, timestamp] columns */

typedef struct gsau_dataset_options {
    uint32_t struct_size;            /* sizeof(gsau_dataset_options) */
    int32_t format;                  /* GSAU_FORMAT_*; default GSAU_FORMAT_AUTO */
    int32_t min_user_interactions;   /* iterative k-core threshold for users; 0 = off (default) */
    int32_t min_item_interactions;   /* iterative k-core threshold for items; 0 = off (default) */
    int32_t refuse_short_users;      /* users with fewer interactions than the hold-out needs (3 for
                                        leave-one-out, 1 otherwise): 0 = drop them and report the
                                        count in gsau_dataset_stats (default), 1 = fail with
                                        GSAU_E_MALFORMED_INPUT naming the user */
    int32_t hold_out;                /* GSAU_HOLD_OUT_*; default GSAU_HOLD_OUT_LEAVE_ONE_OUT. Added in
                                        0.2: a caller passing the 0.1 struct_size gets the default */
} gsau_dataset_options;

/* Which of each user's last interactions are held out of training (docs/MODEL.md §2.2). */
#define GSAU_HOLD_OUT_LEAVE_ONE_OUT 0  /* the paper's: last = test, second-to-last = validation */
#define GSAU_HOLD_OUT_LAST          1  /* last = validation (early stopping), the rest trains; no test */
#define GSAU_HOLD_OUT_NONE          2  /* everything trains; no validation: a fixed number of epochs */

/* Sets defaults (and struct_size). NULL is ignored. */
GSAU_API void gsau_dataset_options_init(gsau_dataset_options *opts);

/* Loads an interaction file. On success *out owns a new dataset, to be freed with
 * gsau_dataset_free. opts may be NULL (defaults).
 * Errors: GSAU_E_INVALID_ARGUMENT (NULL out or path, bad option), GSAU_E_IO (cannot read),
 * GSAU_E_MALFORMED_INPUT (bad content; the message names file and line),
 * GSAU_E_VERSION_MISMATCH (opts->struct_size smaller than the first published size),
 * GSAU_E_OUT_OF_MEMORY (the file and its rows beyond gsau_memory_limit or the memory available). */
GSAU_API gsau_status gsau_dataset_load(gsau_dataset **out, const char *path, const gsau_dataset_options *opts);

/* Frees a dataset. NULL and already-freed handles are ignored. */
GSAU_API void gsau_dataset_free(gsau_dataset *ds);

typedef struct gsau_dataset_stats {
    uint32_t struct_size;                /* in: sizeof(gsau_dataset_stats) */
    int64_t n_users;                     /* real users (padding excluded) */
    int64_t n_items;                     /* real items (padding excluded) */
    int64_t n_interactions;
    int64_t n_train_interactions;        /* graph training rows: sum over users of (n_u - 2) */
    int64_t n_valid;                     /* validation targets (one per user that has one) */
    int64_t n_test;                      /* test targets (one per user in leave-one-out, else 0) */
    int64_t n_sequential_train_examples; /* prefix examples: sum over users of (n_u - 3) */
    int64_t n_rows_read;                 /* interactions in the file */
    int64_t n_rows_removed_by_kcore;
    int64_t n_users_dropped_short;       /* users dropped for having < 3 interactions */
} gsau_dataset_stats;

/* Fills *out with the dataset's statistics (out->struct_size must be set).
 * Errors: GSAU_E_MISUSE (bad handle), GSAU_E_INVALID_ARGUMENT (NULL out),
 * GSAU_E_VERSION_MISMATCH (struct_size smaller than the first published size). */
GSAU_API gsau_status gsau_dataset_stats_get(const gsau_dataset *ds, gsau_dataset_stats *out);

/* Builds a dataset from caller arrays: interaction i is (user_ids[i], item_ids[i]) with optional
 * timestamps[i] (NULL = keep the given order). Ids are raw ids as NUL-terminated strings (any form;
 * use e.g. "%lld" for integer ids). The arrays are copied; the caller keeps ownership.
 * opts may be NULL; its format field is ignored.
 * Errors: GSAU_E_INVALID_ARGUMENT (NULL arrays, n <= 0, an empty or NULL id, a non-finite
 * timestamp), GSAU_E_MALFORMED_INPUT (nothing left after filtering, or a short user under the
 * refuse policy). */
GSAU_API gsau_status gsau_dataset_from_arrays(gsau_dataset **out, const char *const *user_ids,
                                              const char *const *item_ids, const double *timestamps,
                                              int64_t n, const gsau_dataset_options *opts);

/* The same with integer raw ids (e.g. database keys): user_ids[i], item_ids[i] are int64; raw ids
 * are their decimal forms ("42"), so results map back with strtoll. */
GSAU_API gsau_status gsau_dataset_from_int64_arrays(gsau_dataset **out, const int64_t *user_ids,
                                                    const int64_t *item_ids, const double *timestamps,
                                                    int64_t n, const gsau_dataset_options *opts);

/* ── Models: configuration and training ──────────────────────────────────────────────────
 * A gsau_model holds a trained model: configuration, id maps, every user's history and the
 * parameters. It is read-only after training or loading. */
typedef struct gsau_model gsau_model;

/* A training configuration. Every member from variant to seed is the configuration field of the same
 * name (the names of checkpoints and of the JSON result; docs/MODEL.md §5); a value outside the
 * field's range is refused naming the field (sizes: embedding_size <= 65536, transformer_layers <=
 * 1024, graph_layers <= 64, heads <= 65536, inner_size and max_sequence_length <= 2^20, batch_size
 * in 2..2^24). epochs, patience and threads are training options. gsau_config_resolve shows what a
 * configuration trains with. */
typedef struct gsau_config {
    uint32_t struct_size;         /* sizeof(gsau_config) */
    const char *variant;          /* NULL = "gsau-rec"; one of gsau_variant_name(0 .. gsau_variant_count()-1)
                                     (docs/MODEL.md §5.1); borrowed for the call only */
    double gamma;                 /* uniformity weight; < 0 = the variant's default (0.1 for GSAU) */
    int32_t embedding_size;       /* 64 */
    int32_t transformer_layers;   /* 2 */
    int32_t graph_layers;         /* LightGCN depth; 0 = transformer_layers (the original ties them) */
    int32_t heads;                /* 2 */
    int32_t inner_size;           /* 256 */
    int32_t max_sequence_length;  /* 50 */
    double hidden_dropout;        /* < 0 = the variant's default (0.5; 0.2 for the BERT4Rec variants) */
    double attention_dropout;     /* < 0 = the variant's default (0.5; 0.2 for the BERT4Rec variants) */
    double layer_norm_eps;        /* 1e-12 */
    int32_t batch_size;           /* 512, for each training stream */
    double learning_rate;         /* 1e-3 (Adam) */
    double beta1;                 /* 0.9 (Adam) */
    double beta2;                 /* 0.999 (Adam) */
    double adam_epsilon;          /* 1e-8 (Adam) */
    double weight_decay;          /* 0 (Adam, L2 added to the gradient as torch.optim.Adam) */
    uint64_t seed;                /* 2020 */
    int32_t epochs;               /* maximum epochs, 300 */
    int32_t patience;             /* early stopping on validation NDCG@20 (4 decimals), 10 */
    int32_t threads;              /* threads a matrix product is split over; 0 = one per CPU */
    /* Appended in 0.3 (read only when struct_size covers it): */
    double graph_score_weight;    /* opt-in score fusion, 0 = off (the paper's scoring): sequence-scored
                                     models with a graph encoder add this weight x the cosine of the
                                     user's and item's LightGCN layer means to every score
                                     (docs/MODEL.md §7.5); gsau_model_select_graph_score_weight
                                     chooses it on validation after training */
    /* Appended in 0.4 (read only when struct_size covers it): */
    int32_t sampled_negatives;    /* opt-in sampled softmax, 0 = off (the full softmax): with K > 0 the
                                     cross-entropy losses (gsau-rec, sasrec, bert4rec and their
                                     ablations) rank each target against K items drawn by training
                                     frequency, shared by the batch, with the log-frequency
                                     correction (docs/MODEL.md §4.8); 0..2^24. Faster on large
                                     catalogues; evaluation still ranks every item */
    /* Appended in 0.5 (read only when struct_size covers it): */
    double logit_scale;           /* opt-in logit scale s, 1 = off (the paper's loss): the normalised
                                     cross-entropy (gsau-rec and its ablations) uses logits
                                     s x (unit sequence vector . item rows), a softmax inverse
                                     temperature (docs/MODEL.md §4.9); finite, > 0; any other value
                                     than 1 is refused for the other variants. Scores and
                                     queries are unchanged */
    /* Appended in 0.6 (read only when struct_size covers them): */
    int32_t learning_rate_decays; /* opt-in learning-rate decay on a plateau, 0 = off (the paper's
                                     constant rate): when early stopping's patience runs out, the
                                     rate is multiplied by learning_rate_decay and training goes
                                     on, at most this many times; the run stops at the plateau
                                     after the last decay (docs/MODEL.md §6.6); 0..1024 */
    double learning_rate_decay;   /* the factor of each decay, 0.1; in (0, 1) */
} gsau_config;

/* Fills *cfg with the defaults above (and struct_size). NULL is ignored. */
GSAU_API void gsau_config_default(gsau_config *cfg);

/* The variants this library trains: gsau_variant_name(i) for i in 0..gsau_variant_count()-1 is a
 * name gsau_config.variant accepts (a static string, never freed); NULL for an index out of range.
 * Hosts list them from here instead of keeping their own table. */
GSAU_API int32_t gsau_variant_count(void);
GSAU_API const char *gsau_variant_name(int32_t index);

/* Resolves *cfg as gsau_train will train it: the variant NULL becomes "gsau-rec", every "the
 * variant's default" marker (gamma < 0, hidden_dropout < 0, attention_dropout < 0, graph_layers 0)
 * becomes the value the engine uses, and the result is validated as gsau_train validates it.
 * On success variant points to a static string; on failure *cfg is left as it was.
 * Errors: GSAU_E_INVALID_ARGUMENT (NULL cfg, unknown variant, a value out of range; the message
 * names it), GSAU_E_VERSION_MISMATCH (cfg->struct_size too small). */
GSAU_API gsau_status gsau_config_resolve(gsau_config *cfg);

/* Progress callback of gsau_train. Called after every optimiser step with step in 0..steps-1 and
 * that step's loss (valid_score = NaN), and at the end of every epoch with step = -1, loss = the
 * epoch's summed loss and valid_score = the rounded validation metric. Return nonzero to stop:
 * training stops cleanly after the current step. Called on the thread that called gsau_train. */
typedef int32_t (*gsau_progress_fn)(int32_t epoch, int32_t step, int32_t steps, double loss,
                                    double valid_score, void *user_data);

/* Trains a model on ds (which the model copies what it needs from; ds may be freed afterwards).
 * progress may be NULL. On GSAU_OK *out owns the model of the best validation epoch, evaluated on
 * the test split (see gsau_model_info); free it with gsau_model_free.
 * When the callback stops training, the call returns GSAU_E_ABORTED and still sets *out to a usable
 * model: the best epoch so far, or the current parameters when no epoch finished.
 * Errors: GSAU_E_MISUSE (bad dataset handle), GSAU_E_INVALID_ARGUMENT (NULL out, a config value out
 * of range; the message names it), GSAU_E_VERSION_MISMATCH (cfg->struct_size too small),
 * GSAU_E_NUMERICAL (the loss became non-finite), GSAU_E_OUT_OF_MEMORY (the run would need more memory
 * than is available now, estimated before anything is allocated; the message gives both figures).
 * cfg->threads > 0 changes the product thread count process-wide (every model's products). */
GSAU_API gsau_status gsau_train(gsau_model **out, const gsau_dataset *ds, const gsau_config *cfg,
                                gsau_progress_fn progress, void *user_data);

/* gsau_train starting from `start`, a trained or loaded model (e.g. yesterday's) whose ids overlap
 * ds's (docs/MODEL.md §6.5): the rows of users and items it knows (matched by raw id) and every
 * shared tensor (transformer, positions, norms) start from its values; new users and items start as
 * a fresh run would; the optimiser starts fresh. cfg must describe the same architecture (the same
 * tensor shapes); start is only read and may be used by other threads meanwhile.
 * Errors as gsau_train, plus GSAU_E_MISUSE (bad start handle), GSAU_E_INVALID_ARGUMENT (the
 * architectures differ; the message names the tensor). */
GSAU_API gsau_status gsau_train_from(gsau_model **out, const gsau_dataset *ds, const gsau_config *cfg,
                                     const gsau_model *start, gsau_progress_fn progress, void *user_data);

/* gsau_train for long runs that must survive interruption. After every epoch the complete training
 * state (parameters, Adam moments, random streams, early-stopping counters, history) is written
 * atomically to state_path. With resume != 0 the run saved there continues from its last completed
 * epoch, giving exactly the numbers of an uninterrupted run (same thread count); it must come from
 * the same config, data and model selection (cfg->epochs may be raised; cfg->patience may be
 * raised too: a run early stopping ended then continues as a run with that patience from the start
 * would have, until the new patience runs out; so may cfg->learning_rate_decays, and before the
 * first decay cfg->learning_rate_decay may change: a stopped run then decays and goes on as a run
 * with those settings from the start would have). With resume == 0,
 * state_path must not exist yet (nothing is overwritten by accident). state_path is borrowed for the
 * call. Errors as gsau_train, plus GSAU_E_INVALID_ARGUMENT (NULL state_path; the file exists and
 * resume == 0; a state file of another run, naming the first difference), GSAU_E_IO (cannot read
 * or write it), GSAU_E_CORRUPT_FILE / GSAU_E_VERSION_MISMATCH (a damaged or foreign state file). */
GSAU_API gsau_status gsau_train_resumable(gsau_model **out, const gsau_dataset *ds, const gsau_config *cfg,
                                          const char *state_path, int32_t resume,
                                          gsau_progress_fn progress, void *user_data);

/* Frees a model. NULL and already-freed handles are ignored. */
GSAU_API void gsau_model_free(gsau_model *m);

typedef struct gsau_model_info {
    uint32_t struct_size;         /* in: sizeof(gsau_model_info) */
    int64_t n_users;              /* real users (raw ids known to the model) */
    int64_t n_items;              /* real items; item indices are 1..n_items (0 = padding) */
    int32_t embedding_size;
    int32_t predicts_with_graph;  /* 1: scores from the LightGCN tables; 0: from the sequence encoder */
    int64_t n_parameters;
    int32_t best_epoch;           /* 0-based; -1 when unknown (loaded models, aborted before an epoch) */
    int32_t epochs_run;
    double test_recall_at_10;     /* NaN when not evaluated */
    double test_ndcg_at_10;       /* NaN when not evaluated */
    /* Appended in 0.3 (written only when struct_size covers it): */
    int32_t vector_width;         /* floats per row of gsau_model_item_embeddings and
                                     gsau_model_user_vectors: embedding_size, or twice it for a model
                                     with graph_score_weight > 0 */
} gsau_model_info;

/* Fills *out (struct_size must be set). Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT,
 * GSAU_E_VERSION_MISMATCH. */
GSAU_API gsau_status gsau_model_info_get(const gsau_model *m, gsau_model_info *out);

/* Fills *cfg (struct_size must be set) with the configuration the model was trained with; cfg->variant
 * points to a model-owned string valid until gsau_model_free; epochs, patience and threads are the
 * defaults (they describe a training run, not the model).
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL cfg), GSAU_E_VERSION_MISMATCH. */
GSAU_API gsau_status gsau_model_config_get(const gsau_model *m, gsau_config *cfg);

#define GSAU_SPLIT_VALIDATION 0
#define GSAU_SPLIT_TEST       1

/* Full-ranking evaluation of every user on a split of the model's own data, with the model's
 * protocol (no history masking for SASRec-scored models, history masked for graph-scored ones).
 * For each of the n_ks cut-offs ks[j], writes out[4*j + 0..3] = Recall, MRR, NDCG, Precision
 * (unrounded means over users). out must hold 4 * n_ks doubles.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (bad split, NULL arrays, n_ks <= 0, a K <= 0). */
GSAU_API gsau_status gsau_model_evaluate(const gsau_model *m, int32_t split, const int32_t *ks,
                                         int32_t n_ks, double *out);

/* Opt-in score fusion chosen on validation alone (docs/MODEL.md §7.5): evaluates m with each of the
 * n candidate weights (NULL candidates = the library's ladder, gsau_graph_score_weight_ladder; n is
 * then ignored) on the validation split with the model-selection metric (NDCG@20, rounded to 4
 * decimals; ties go to the earlier candidate, so list 0 first to prefer the paper's scoring) and
 * sets *out to a new model that scores with the best weight (free it with gsau_model_free; m is
 * unchanged). valid_out, when not NULL, receives each candidate's unrounded validation NDCG@20 (n
 * doubles, or as many as the ladder has). The test split is never read. Save the new model to keep the weight.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL out, n <= 0 with candidates, a negative or
 * non-finite weight, a model that cannot fuse: graph-scored or without one of the encoders). */
GSAU_API gsau_status gsau_model_select_graph_score_weight(gsau_model **out, const gsau_model *m,
                                                         const double *candidates, int32_t n,
                                                         double *valid_out);

/* The weights gsau_model_select_graph_score_weight tries when given no candidates (0 first, then a
 * geometric ladder): writes the first min(capacity, count) to out (NULL is allowed when capacity
 * is 0) and returns count. */
GSAU_API int32_t gsau_graph_score_weight_ladder(double *out, int32_t capacity);

/* Copies the item table used for scoring into out, row-major [n_items + 1, vector_width] (row 0 =
 * padding; vector_width from gsau_model_info): the SASRec item embeddings, the LightGCN layer-mean
 * item rows for graph-scored models, or [item embedding, sqrt(w) x unit layer-mean row] with score
 * fusion (docs/MODEL.md §7.5). capacity is the number of floats out can hold.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL out, capacity too small: the message says
 * how many floats are needed). */
GSAU_API gsau_status gsau_model_item_embeddings(const gsau_model *m, float *out, int64_t capacity);

/* The vectors users are scored with, row-major into out [n_users, vector_width]: the sequential
 * encoder's output for each user's whole history (sequence-scored models; with score fusion followed
 * by sqrt(w) x the user's unit layer-mean row) or the user's LightGCN layer-mean row (graph-scored
 * models); score(user, item) = user vector . item vector
 * (gsau_model_item_embeddings), plus a per-item bias for the stock "bert4rec" variant only.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL arrays, n_users <= 0),
 * GSAU_E_UNKNOWN_ID (a user index out of range). */
GSAU_API gsau_status gsau_model_user_vectors(const gsau_model *m, const int32_t *users, int32_t n_users, float *out);

/* The raw id of item index `item` (1..n_items) in *out: model-owned, valid until gsau_model_free.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL out), GSAU_E_UNKNOWN_ID (index out of range). */
GSAU_API gsau_status gsau_model_item_id(const gsau_model *m, int32_t item, const char **out);

/* The item index of raw item id `item_id` in *out. Errors: GSAU_E_UNKNOWN_ID when the model does not
 * know it. */
GSAU_API gsau_status gsau_model_item_index(const gsau_model *m, const char *item_id, int32_t *out);

/* The dense index (1..n_users) of raw user id `user_id` in *out.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL), GSAU_E_UNKNOWN_ID (unknown user). */
GSAU_API gsau_status gsau_model_user_index(const gsau_model *m, const char *user_id, int32_t *out);

/* The raw id of user index `user` (1..n_users) in *out: model-owned, valid until gsau_model_free.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL out), GSAU_E_UNKNOWN_ID (out of range). */
GSAU_API gsau_status gsau_model_user_id(const gsau_model *m, int32_t user, const char **out);

/* ── Models: checkpoints ─────────────────────────────────────────────────────────────────────
 * A versioned binary file (docs/CHECKPOINT.md): configuration, id maps, user histories and the
 * parameters, with a CRC32C; no code is executed when loading. gsau_model_export writes the
 * scoring tables alone, in safetensors format, for other tools. */

/* Saves the model to path atomically (temporary file in the same folder, fsync, rename): on
 * failure (a full disk included: GSAU_E_IO) an existing file at path is left as it was, and a
 * process killed while saving leaves the old file or the new one, never a mix.
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL path), GSAU_E_IO (cannot write),
 * GSAU_E_NUMERICAL (non-finite parameters are refused). */
GSAU_API gsau_status gsau_model_save(const gsau_model *m, const char *path);

/* Loads a model saved by gsau_model_save. On success *out owns it (free with gsau_model_free).
 * Errors: GSAU_E_INVALID_ARGUMENT (NULL), GSAU_E_IO, GSAU_E_CORRUPT_FILE (any failed validation:
 * size, offsets, shapes, non-finite values, checksum; the message names the field),
 * GSAU_E_VERSION_MISMATCH (a checkpoint format this library does not read), GSAU_E_OUT_OF_MEMORY
 * (the file, or the sizes its header gives, beyond gsau_memory_limit or the memory available). */
GSAU_API gsau_status gsau_model_load(gsau_model **out, const char *path);

/* Exports the model's scoring tables to path in safetensors format (docs/CHECKPOINT.md, "Export"),
 * atomically as gsau_model_save, for reading without gsau (Python: safetensors.numpy.load_file;
 * PyTorch: safetensors.torch.load_file). F32 tensors, row-major, little-endian:
 *   item_vectors [n_items + 1, embedding_size]  as gsau_model_item_embeddings (row 0 = padding)
 *   user_vectors [n_users + 1, embedding_size]  as gsau_model_user_vectors (row 0 = zeros)
 *   item_bias    [n_items + 1]                  only for variants with an output bias ("bert4rec")
 * so that score(u, i) = user_vectors[u] . item_vectors[i] (+ item_bias[i]) is the score queries
 * rank by. The string metadata holds user_ids and item_ids (JSON arrays of the raw ids in index
 * order; index 0, the padding, is ""), format ("gsau-export-1"), gsau_version, variant,
 * embedding_size, predicts_with_graph ("true"/"false") and score (the formula above, as text).
 * Not a checkpoint: gsau_model_load does not read it. Sequence-scored models encode every user's
 * history once (about 1 s for Beauty's 22,363 users on 2 cores).
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (NULL path; id lists over the 100 MB header
 * limit of safetensors readers), GSAU_E_IO (cannot write). */
GSAU_API gsau_status gsau_model_export(const gsau_model *m, const char *path);

/* ── Models: queries ─────────────────────────────────────────────────────────────────────────
 * Read-only and reentrant: any number of threads may query one model at once. Users and items are
 * dense indices (see gsau_model_user_index / gsau_model_item_index / gsau_model_item_id).
 * Results go to caller buffers of k entries, best first (score descending, ties by item index);
 * *count receives how many were written, which is less than k when fewer candidates remain
 * (0 when a filter removes every item). The padding item is never returned.
 * A sequence-scored model keeps a known user's vector once a single-user query
 * (gsau_model_recommend) or gsau_model_user_vectors has computed it (users x embedding_size
 * floats, about 6 MB for Beauty, allocated with the model handle when gsau_memory_limit allows),
 * so later queries for that user skip the sequence encoder; the results are the same bits either
 * way. Batches use the kept vectors and encode their other users together, keeping none of those. */

typedef struct gsau_query {
    uint32_t struct_size;           /* sizeof(gsau_query) */
    int32_t filter_seen;            /* 1: exclude the user's items (or the query sequence's items) */
    const int32_t *allowed_items;   /* restrict the candidates to these item indices; NULL = all items
                                       (non-NULL with n_allowed = 0: no candidates) */
    int32_t n_allowed;
    const int32_t *excluded_items;  /* never return these item indices; NULL = none */
    int32_t n_excluded;
} gsau_query;

/* Sets the defaults (no filter) and struct_size. NULL is ignored. */
GSAU_API void gsau_query_init(gsau_query *q);

/* Top-k items for user index `user`, from the user's whole history. q may be NULL (no filter).
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (k <= 0, NULL buffers, bad q),
 * GSAU_E_UNKNOWN_ID (user or a filter item out of range). */
GSAU_API gsau_status gsau_model_recommend(const gsau_model *m, int32_t user, int32_t k, const gsau_query *q,
                                          int32_t *items, float *scores, int32_t *count);

/* Top-k items for an arbitrary item sequence (oldest first; a new or anonymous user, no
 * retraining). Only the last max_sequence_length items are encoded. Models that score with the
 * graph encoder know only their users: GSAU_E_INVALID_ARGUMENT. */
GSAU_API gsau_status gsau_model_recommend_sequence(const gsau_model *m, const int32_t *sequence, int32_t length,
                                                   int32_t k, const gsau_query *q, int32_t *items,
                                                   float *scores, int32_t *count);

/* Top-k for n_users users at once; row b of items/scores (k entries each, so the buffers hold
 * n_users * k) is gsau_model_recommend for users[b]; counts[b] = entries written. Batches of 64 or
 * more users are scored in blocks with one matrix product per block (much faster): their scores
 * equal the single-user call's up to float rounding, so exact near-ties may come out in another
 * order. The last bits depend on which users' vectors the model already keeps (see above) and, for
 * the others, on which users share a block of 256. Smaller batches run the single-user path per
 * user, in parallel. */
GSAU_API gsau_status gsau_model_recommend_batch(const gsau_model *m, const int32_t *users, int32_t n_users,
                                                int32_t k, const gsau_query *q, int32_t *items,
                                                float *scores, int32_t *counts);

/* The k items most similar to item index `item` (cosine of the scoring item vectors), the item
 * itself excluded. */
GSAU_API gsau_status gsau_model_similar_items(const gsau_model *m, int32_t item, int32_t k, int32_t *items,
                                              float *scores, int32_t *count);

/* ── Models: batch scoring to a file ─────────────────────────────────────────────────────── */

#define GSAU_SCORE_JSONL 0  /* one line per user: {"user": "<raw id>", "items": ["<raw id>", ...], "scores": [...]} */
#define GSAU_SCORE_CSV   1  /* header user,rank,item,score; one row per (user, rank), rank from 1 */

/* Writes the top-k items of n_users user indices (users NULL and n_users 0: every user, by index)
 * to the file `path`, with raw user and item ids, in the given order (duplicates are scored
 * again). Users are scored in blocks, each written before the next is scored, so memory does not
 * grow with the number of users; the results are those of gsau_model_recommend_batch for the same
 * list and query. q may be NULL (no filter).
 * Format: GSAU_SCORE_JSONL, one JSON object per user per line (items best first; empty arrays when
 * the filters leave no candidate), or GSAU_SCORE_CSV (RFC 4180: a raw id holding a comma, a quote,
 * CR or LF is quoted, its quotes doubled; a user without candidates has no rows). Lines end with
 * "\n"; text is UTF-8. Scores are the shortest decimal that reads back as the same float
 * (strtof gives the float exactly), e.g. 0.83191574 or 3e-05.
 * The file is written atomically (path.tmp.<pid>.<n> in the same folder, fsync, rename): on any
 * error (a full disk included) the temporary file is removed and an existing file at path is left
 * as it was. Every id is checked before the file is opened. Like a query, it may run while other
 * threads query the same model; two calls writing one path at once each use their own temporary
 * file (the later rename wins).
 * Errors: GSAU_E_MISUSE, GSAU_E_INVALID_ARGUMENT (k <= 0, NULL path, bad format, users NULL with
 * n_users != 0, n_users < 0, bad q), GSAU_E_UNKNOWN_ID (a user or filter item out of range),
 * GSAU_E_IO (cannot write path). */
GSAU_API gsau_status gsau_model_score_to_file(const gsau_model *m, const int32_t *users, int32_t n_users,
                                              int32_t k, const gsau_query *q, int32_t format,
                                              const char *path);

#ifdef __cplusplus
}
#endif

#endif /* GSAU_H */
