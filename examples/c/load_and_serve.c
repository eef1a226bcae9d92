/*
 * load_and_serve.c — load a checkpoint and answer top-K queries: one raw user id per line on
 * stdin, one line of "user: item(score) item(score) ..." per query on stdout. Unknown users get an
 * error line and the loop goes on.
 *
 * Build (from the repository root, after `make build`):
 *   cc -std=c11 -O2 -Wall -Wextra -Iinclude examples/c/load_and_serve.c \
 *      -L.build/release -lgsau -Wl,-rpath,"$PWD/.build/release" -o .build/release/load_and_serve
 * or, after `make install`:  cc examples/c/load_and_serve.c $(pkg-config --cflags --libs gsau)
 *
 * Run:  printf '1\n2\nnobody\n' | .build/release/load_and_serve mini.gsau [K] [--filter-seen]
 */
#include <gsau.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [K] [--filter-seen]\n", argv[0]);
        return 2;
    }
    int32_t k = argc > 2 ? atoi(argv[2]) : 10;
    if (k <= 0 || k > 1000) { fprintf(stderr, "K must be in 1..1000\n"); return 2; }

    gsau_model *model = NULL;
    gsau_status st = gsau_model_load(&model, argv[1]);
    if (st != GSAU_OK) {
        fprintf(stderr, "gsau_model_load failed (%s): %s\n", gsau_status_string(st), gsau_last_error_message());
        return 1;
    }
    gsau_query q;
    gsau_query_init(&q);
    q.filter_seen = argc > 3 && strcmp(argv[3], "--filter-seen") == 0;

    int32_t *items = malloc(sizeof(int32_t) * (size_t)k);
    float *scores = malloc(sizeof(float) * (size_t)k);
    if (!items || !scores) { fprintf(stderr, "out of memory\n"); return 1; }
    char line[4096];
    int errors = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        int32_t user = 0, count = 0;
        if ((st = gsau_model_user_index(model, line, &user)) != GSAU_OK ||
            (st = gsau_model_recommend(model, user, k, &q, items, scores, &count)) != GSAU_OK) {
            printf("%s: error (%s): %s\n", line, gsau_status_string(st), gsau_last_error_message());
            errors++;
            continue;
        }
        printf("%s:", line);
        for (int32_t i = 0; i < count; i++) {
            const char *id = NULL;
            if (gsau_model_item_id(model, items[i], &id) != GSAU_OK) { printf(" ?"); continue; }
            printf(" %s(%.3f)", id, scores[i]);
        }
        printf("\n");
    }
    free(items);
    free(scores);
    gsau_model_free(model);
    fprintf(stderr, "%d unknown or failed queries\n", errors);
    return 0;
}
