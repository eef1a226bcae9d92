/*
 * train_and_save.c — train a GSAU(rec) model on an interaction file and save a checkpoint.
 *
 * Build (from the repository root, after `make build`):
 *   cc -std=c11 -O2 -Wall -Wextra -Iinclude examples/c/train_and_save.c \
 *      -L.build/release -lgsau -Wl,-rpath,"$PWD/.build/release" -o .build/release/train_and_save
 * or, after `make install`:  cc examples/c/train_and_save.c $(pkg-config --cflags --libs gsau)
 *
 * Run:  .build/release/train_and_save DATA MODEL_OUT [EPOCHS] [VARIANT]
 *       e.g. .build/release/train_and_save data/beauty-mini.txt mini.gsau 2
 *
 * Prints one line per epoch from the progress callback; Ctrl-C-style stopping is shown by
 * GSAU_STOP_AFTER_EPOCH=N (the callback returns nonzero after epoch N; the model of the best epoch
 * so far is still saved).
 */
#include <gsau.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct progress_state { int stop_after_epoch; };

static int32_t on_progress(int32_t epoch, int32_t step, int32_t steps, double loss, double valid_score, void *user_data) {
    const struct progress_state *state = user_data;
    if (step >= 0) return 0;  /* per-step call: keep going */
    printf("epoch %d: %d steps, loss %.2f, validation NDCG@20 %.4f\n", epoch, steps, loss, valid_score);
    fflush(stdout);
    return state->stop_after_epoch >= 0 && epoch >= state->stop_after_epoch;
}

static int fail(const char *what, gsau_status st) {
    fprintf(stderr, "%s failed (%s): %s\n", what, gsau_status_string(st), gsau_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATA MODEL_OUT [EPOCHS] [VARIANT]\n", argv[0]);
        return 2;
    }
    gsau_dataset *ds = NULL;
    gsau_status st = gsau_dataset_load(&ds, argv[1], NULL);
    if (st != GSAU_OK) return fail("gsau_dataset_load", st);

    gsau_config cfg;
    gsau_config_default(&cfg);
    cfg.epochs = argc > 3 ? atoi(argv[3]) : 2;
    if (argc > 4) cfg.variant = argv[4];

    struct progress_state state = { -1 };
    const char *stop = getenv("GSAU_STOP_AFTER_EPOCH");
    if (stop) state.stop_after_epoch = atoi(stop);

    gsau_model *model = NULL;
    st = gsau_train(&model, ds, &cfg, on_progress, &state);
    gsau_dataset_free(ds);  /* the model keeps what it needs */
    if (st == GSAU_E_ABORTED) {
        printf("stopped by the callback: %s\n", gsau_last_error_message());
    } else if (st != GSAU_OK) {
        return fail("gsau_train", st);
    }

    gsau_model_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    if ((st = gsau_model_info_get(model, &info)) != GSAU_OK) { gsau_model_free(model); return fail("gsau_model_info_get", st); }
    printf("model: %lld users, %lld items, %lld parameters; best epoch %d of %d; test R@10 %.4f N@10 %.4f\n",
           (long long)info.n_users, (long long)info.n_items, (long long)info.n_parameters, info.best_epoch,
           info.epochs_run, info.test_recall_at_10, info.test_ndcg_at_10);

    if ((st = gsau_model_save(model, argv[2])) != GSAU_OK) { gsau_model_free(model); return fail("gsau_model_save", st); }
    printf("saved %s\n", argv[2]);
    gsau_model_free(model);
    return 0;
}
