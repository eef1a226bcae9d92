/*
 * dataset_stats.c — load an interaction file through the gsau C API and print its statistics.
 *
 * Build (from the repository root, after `make build`):
 *   cc -std=c11 -O2 -Wall -Wextra -Iinclude examples/c/dataset_stats.c \
 *      -L.build/release -lgsau -Wl,-rpath,"$PWD/.build/release" -o .build/release/dataset_stats
 * or, after `make install PREFIX=...`:
 *   cc examples/c/dataset_stats.c $(pkg-config --cflags --libs gsau) -o dataset_stats
 *
 * Run:  .build/release/dataset_stats data/beauty.inter 5
 *       (second argument: k-core threshold for users and items; default 0 = none)
 *
 * It also demonstrates the error contract: a missing file, a NULL handle and a freed handle
 * each give a status and a message, never a crash. Exit status 0 when everything behaved.
 */
#include <gsau.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int expect_status(const char *what, gsau_status got, gsau_status want) {
    if (got != want) {
        fprintf(stderr, "FAIL %s: status %d (%s), expected %d (%s); message: %s\n", what, got,
                gsau_status_string(got), want, gsau_status_string(want), gsau_last_error_message());
        return 1;
    }
    printf("  %-28s -> %s: %s\n", what, gsau_status_string(got), gsau_last_error_message());
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [KCORE]\n", argv[0]);
        return 2;
    }
    if (gsau_abi_version() != GSAU_ABI_VERSION) {
        fprintf(stderr, "header ABI %d does not match library ABI %d\n", GSAU_ABI_VERSION, gsau_abi_version());
        return 1;
    }
    printf("gsau %s (header %s)\n", gsau_version_string(), GSAU_VERSION_STRING);

    gsau_system_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if (gsau_system_info_get(&info) != GSAU_OK) {
        fprintf(stderr, "system info: %s\n", gsau_last_error_message());
        return 1;
    }
    printf("BLAS core %s, %d threads, %d hardware threads%s\n", info.blas_core_name, info.blas_threads,
           info.hardware_threads, info.blas_generic_fallback ? " (generic fallback kernels)" : "");

    gsau_dataset_options opts;
    gsau_dataset_options_init(&opts);
    if (argc > 2) {
        opts.min_user_interactions = atoi(argv[2]);
        opts.min_item_interactions = atoi(argv[2]);
    }
    gsau_dataset *ds = NULL;
    gsau_status st = gsau_dataset_load(&ds, argv[1], &opts);
    if (st != GSAU_OK) {
        fprintf(stderr, "load failed (%s): %s\n", gsau_status_string(st), gsau_last_error_message());
        return 1;
    }
    gsau_dataset_stats s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    if (gsau_dataset_stats_get(ds, &s) != GSAU_OK) {
        fprintf(stderr, "stats failed: %s\n", gsau_last_error_message());
        gsau_dataset_free(ds);
        return 1;
    }
    printf("%s: %lld users, %lld items, %lld interactions\n", argv[1], (long long)s.n_users,
           (long long)s.n_items, (long long)s.n_interactions);
    printf("split: %lld train interactions, %lld validation, %lld test; %lld sequential train examples\n",
           (long long)s.n_train_interactions, (long long)s.n_valid, (long long)s.n_test,
           (long long)s.n_sequential_train_examples);
    printf("filtering: %lld rows read, %lld removed by k-core, %lld short users dropped\n",
           (long long)s.n_rows_read, (long long)s.n_rows_removed_by_kcore, (long long)s.n_users_dropped_short);

    /* The error contract. */
    int failures = 0;
    printf("error handling:\n");
    gsau_dataset *missing = NULL;
    failures += expect_status("load missing file", gsau_dataset_load(&missing, "/nonexistent/file.txt", NULL), GSAU_E_IO);
    failures += expect_status("load NULL path", gsau_dataset_load(&missing, NULL, NULL), GSAU_E_INVALID_ARGUMENT);
    failures += expect_status("stats of NULL handle", gsau_dataset_stats_get(NULL, &s), GSAU_E_MISUSE);
    s.struct_size = 4;
    failures += expect_status("stats with old struct_size", gsau_dataset_stats_get(ds, &s), GSAU_E_VERSION_MISMATCH);
    opts.format = 42;
    failures += expect_status("load with bad format", gsau_dataset_load(&missing, argv[1], &opts), GSAU_E_INVALID_ARGUMENT);
    failures += (missing != NULL);
    gsau_dataset_free(ds);
    s.struct_size = sizeof s;
    failures += expect_status("stats of freed handle", gsau_dataset_stats_get(ds, &s), GSAU_E_MISUSE);
    gsau_dataset_free(ds);      /* freeing twice is a no-op */
    gsau_dataset_free(NULL);    /* so is freeing NULL */
    failures += expect_status("a call that succeeds", gsau_system_info_get(&info), GSAU_OK);
    if (strcmp(gsau_last_error_message(), "") != 0) failures++;
    printf(failures ? "%d unexpected results\n" : "all error paths behaved\n", failures);
    return failures ? 1 : 0;
}
