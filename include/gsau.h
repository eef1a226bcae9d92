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
 *     *_init functions do) so the library can grow a struct without breaking old callers. Fields
 *     are only ever appended.
 *   - Strings are UTF-8 and NUL-terminated.
 *
 * Thread safety
 *   - gsau_last_error_message() is per thread.
 *   - A gsau_dataset is immutable after loading: any number of threads may read it at once.
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
#define GSAU_VERSION_MINOR 1
#define GSAU_VERSION_PATCH 0
#define GSAU_VERSION_NUMBER (GSAU_VERSION_MAJOR * 10000 + GSAU_VERSION_MINOR * 100 + GSAU_VERSION_PATCH)
#define GSAU_VERSION_STRING "0.1.0"
#define GSAU_ABI_VERSION 1

/* "0.1.0": the library's version. Static storage; never NULL. */
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
#define GSAU_E_OUT_OF_MEMORY     -7
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
    int32_t blas_threads;        /* out: threads OpenBLAS uses per call */
    int32_t hardware_threads;    /* out: online CPUs */
    int32_t blas_generic_fallback; /* out: 1 when OpenBLAS runs its generic kernels (see README:
                                      OPENBLAS_CORETYPE), else 0 */
} gsau_system_info;

/* Fills *out (struct_size must be set). GSAU_E_INVALID_ARGUMENT for NULL out,
 * GSAU_E_VERSION_MISMATCH for a struct_size smaller than this struct's first published size. */
GSAU_API gsau_status gsau_system_info_get(gsau_system_info *out);

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
    int32_t refuse_short_users;      /* users with < 3 interactions: 0 = drop them and report the
                                        count in gsau_dataset_stats (default), 1 = fail with
                                        GSAU_E_MALFORMED_INPUT naming the user */
} gsau_dataset_options;

/* Sets defaults (and struct_size). NULL is ignored. */
GSAU_API void gsau_dataset_options_init(gsau_dataset_options *opts);

/* Loads an interaction file. On success *out owns a new dataset, to be freed with
 * gsau_dataset_free. opts may be NULL (defaults).
 * Errors: GSAU_E_INVALID_ARGUMENT (NULL out or path, bad option), GSAU_E_IO (cannot read),
 * GSAU_E_MALFORMED_INPUT (bad content; the message names file and line),
 * GSAU_E_VERSION_MISMATCH (opts->struct_size smaller than the first published size). */
GSAU_API gsau_status gsau_dataset_load(gsau_dataset **out, const char *path, const gsau_dataset_options *opts);

/* Frees a dataset. NULL and already-freed handles are ignored. */
GSAU_API void gsau_dataset_free(gsau_dataset *ds);

typedef struct gsau_dataset_stats {
    uint32_t struct_size;                /* in: sizeof(gsau_dataset_stats) */
    int64_t n_users;                     /* real users (padding excluded) */
    int64_t n_items;                     /* real items (padding excluded) */
    int64_t n_interactions;
    int64_t n_train_interactions;        /* graph training rows: sum over users of (n_u - 2) */
    int64_t n_valid;                     /* validation targets (one per user) */
    int64_t n_test;                      /* test targets (one per user) */
    int64_t n_sequential_train_examples; /* prefix examples: sum over users of (n_u - 3) */
    int64_t n_rows_read;                 /* interactions in the file */
    int64_t n_rows_removed_by_kcore;
    int64_t n_users_dropped_short;       /* users dropped for having < 3 interactions */
} gsau_dataset_stats;

/* Fills *out with the dataset's statistics (out->struct_size must be set).
 * Errors: GSAU_E_MISUSE (bad handle), GSAU_E_INVALID_ARGUMENT (NULL out),
 * GSAU_E_VERSION_MISMATCH (struct_size smaller than the first published size). */
GSAU_API gsau_status gsau_dataset_stats_get(const gsau_dataset *ds, gsau_dataset_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* GSAU_H */
