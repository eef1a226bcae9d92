/*
 * stress.c — the C API under misuse and concurrency, for `make check-sanitizers` (built with
 * -fsanitize=address,undefined against a libgsau.so built with AddressSanitizer).
 *
 * 1. Misuse, one thread: NULL, freed, foreign and wrong-kind handles; struct sizes too small;
 *    NULL buffers, k <= 0, capacity too small; ids out of range; files that are missing,
 *    malformed or not checkpoints. Every call's status is checked against the one include/gsau.h
 *    promises, and a failed call must leave its outputs untouched and say why in
 *    gsau_last_error_message().
 * 2. Concurrency: 8 threads query one model at once (single, batch, sequence, similar-items and
 *    id calls), each result compared with the one computed before the threads started, and each
 *    thread's last-error message checked to be its own; meanwhile one thread trains a second
 *    model on its own dataset and another loads the first model's checkpoint, queries it and
 *    frees it, in a loop.
 *
 * Usage: stress DATA WORKDIR   (DATA: a small sequence file, e.g. the parity fixture tiny.txt;
 *                               WORKDIR: an existing folder for the checkpoint it writes)
 * Exit status 0 when every check passed; each failed check is printed with its line.
 */
#include <gsau.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int failures;
static atomic_int checks;
static atomic_int training_done;   /* set by the training thread when it has finished */
static atomic_int query_rounds, load_rounds;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        atomic_fetch_add(&checks, 1);                                                              \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "stress.c:%d: check failed: %s (last error: \"%s\")\n", __LINE__, #cond, \
                    gsau_last_error_message());                                                    \
            atomic_fetch_add(&failures, 1);                                                        \
        }                                                                                          \
    } while (0)

/* A call's status is `expected`; a failure must set a message naming the function, a success
 * must clear it. */
#define EXPECT(call, expected)                                                                     \
    do {                                                                                           \
        gsau_status got_ = (call);                                                                 \
        atomic_fetch_add(&checks, 1);                                                              \
        const char *msg_ = gsau_last_error_message();                                              \
        int ok_ = got_ == (expected) && (got_ == GSAU_OK ? msg_[0] == 0 : strncmp(msg_, "gsau_", 5) == 0); \
        if (!ok_) {                                                                                \
            fprintf(stderr, "stress.c:%d: %s returned %d (%s), expected %d (%s); last error: \"%s\"\n", \
                    __LINE__, #call, got_, gsau_status_string(got_), (expected),                   \
                    gsau_status_string(expected), msg_);                                           \
            atomic_fetch_add(&failures, 1);                                                        \
        }                                                                                          \
    } while (0)

#define K 10
#define QUERY_THREADS 8
#define QUERY_ROUNDS 100   /* at least; query and load threads go on until training has finished */
#define LOAD_ROUNDS 20

static const char *data_path;
static char checkpoint_path[4096];
static gsau_model *shared_model;   /* queried by every query thread */
static int32_t n_users, n_items;
static int32_t ref_items[512][K];  /* reference top-K of users 1..n_users, computed up front */
static float ref_scores[512][K];
static int32_t ref_counts[512];

static void small_config(gsau_config *cfg, const char *variant, int32_t epochs) {
    gsau_config_default(cfg);
    cfg->variant = variant;
    cfg->embedding_size = 8;
    cfg->transformer_layers = 1;
    cfg->heads = 1;
    cfg->inner_size = 16;
    cfg->max_sequence_length = 10;
    cfg->batch_size = 8;
    cfg->epochs = epochs;
}

static gsau_model *train(const char *variant, int32_t epochs, gsau_progress_fn progress, void *user_data) {
    gsau_dataset *ds = NULL;
    EXPECT(gsau_dataset_load(&ds, data_path, NULL), GSAU_OK);
    if (!ds) return NULL;
    gsau_config cfg;
    small_config(&cfg, variant, epochs);
    gsau_model *m = NULL;
    EXPECT(gsau_train(&m, ds, &cfg, progress, user_data), GSAU_OK);
    gsau_dataset_free(ds);
    return m;
}

/* ── 1. misuse ─────────────────────────────────────────────────────────────────────────── */

static void misuse(void) {
    int32_t items[K], count = -7, user = -7;
    float scores[K];
    const char *id = "untouched";
    gsau_query q;
    gsau_query_init(&q);

    /* NULL handles: every call returns GSAU_E_MISUSE, leaves outputs alone. */
    EXPECT(gsau_model_recommend(NULL, 1, K, NULL, items, scores, &count), GSAU_E_MISUSE);
    CHECK(count == -7);
    EXPECT(gsau_model_similar_items(NULL, 1, K, items, scores, &count), GSAU_E_MISUSE);
    EXPECT(gsau_model_user_index(NULL, "1", &user), GSAU_E_MISUSE);
    CHECK(user == -7);
    EXPECT(gsau_model_item_id(NULL, 1, &id), GSAU_E_MISUSE);
    CHECK(strcmp(id, "untouched") == 0);
    EXPECT(gsau_model_save(NULL, checkpoint_path), GSAU_E_MISUSE);
    gsau_dataset_stats st = {.struct_size = sizeof st};
    EXPECT(gsau_dataset_stats_get(NULL, &st), GSAU_E_MISUSE);
    gsau_model_free(NULL);     /* no-ops */
    gsau_dataset_free(NULL);

    /* A foreign pointer (never created by gsau) and a handle of the wrong kind. */
    int64_t not_a_handle[8] = {0};
    EXPECT(gsau_model_recommend((gsau_model *)(void *)not_a_handle, 1, K, NULL, items, scores, &count), GSAU_E_MISUSE);
    gsau_model_free((gsau_model *)(void *)not_a_handle);   /* ignored, not freed */
    gsau_dataset *ds = NULL;
    EXPECT(gsau_dataset_load(&ds, data_path, NULL), GSAU_OK);
    EXPECT(gsau_model_recommend((gsau_model *)(void *)ds, 1, K, NULL, items, scores, &count), GSAU_E_MISUSE);
    EXPECT(gsau_dataset_stats_get((gsau_dataset *)(void *)shared_model, &st), GSAU_E_MISUSE);

    /* Struct sizes and NULL outputs. */
    st.struct_size = 4;
    EXPECT(gsau_dataset_stats_get(ds, &st), GSAU_E_VERSION_MISMATCH);
    EXPECT(gsau_dataset_stats_get(ds, NULL), GSAU_E_INVALID_ARGUMENT);
    st.struct_size = sizeof st;
    EXPECT(gsau_dataset_stats_get(ds, &st), GSAU_OK);
    CHECK(st.n_users == n_users && st.n_items == n_items);
    gsau_model_info info = {.struct_size = 0};
    EXPECT(gsau_model_info_get(shared_model, &info), GSAU_E_VERSION_MISMATCH);
    gsau_query small = q;
    small.struct_size = 1;
    EXPECT(gsau_model_recommend(shared_model, 1, K, &small, items, scores, &count), GSAU_E_VERSION_MISMATCH);
    gsau_config cfg;
    small_config(&cfg, NULL, 1);
    cfg.struct_size = 8;
    gsau_model *never = (gsau_model *)(void *)not_a_handle;
    EXPECT(gsau_train(&never, ds, &cfg, NULL, NULL), GSAU_E_VERSION_MISMATCH);
    CHECK(never == (gsau_model *)(void *)not_a_handle);
    small_config(&cfg, "no-such-variant", 1);
    EXPECT(gsau_train(&never, ds, &cfg, NULL, NULL), GSAU_E_INVALID_ARGUMENT);
    small_config(&cfg, NULL, 1);
    cfg.embedding_size = -3;
    EXPECT(gsau_train(&never, ds, &cfg, NULL, NULL), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_train(NULL, ds, &cfg, NULL, NULL), GSAU_E_INVALID_ARGUMENT);
    CHECK(never == (gsau_model *)(void *)not_a_handle);

    /* Counts, buffers and capacities. */
    EXPECT(gsau_model_recommend(shared_model, 1, 0, NULL, items, scores, &count), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_recommend(shared_model, 1, -5, NULL, items, scores, &count), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_recommend(shared_model, 1, K, NULL, NULL, scores, &count), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_recommend(shared_model, 1, K, NULL, items, scores, NULL), GSAU_E_INVALID_ARGUMENT);
    CHECK(count == -7);
    float table[4];
    EXPECT(gsau_model_item_embeddings(shared_model, table, 4), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_item_embeddings(shared_model, NULL, 1 << 20), GSAU_E_INVALID_ARGUMENT);
    int32_t users3[3] = {1, 2, 3}, counts3[3];
    EXPECT(gsau_model_recommend_batch(shared_model, users3, 0, K, NULL, items, scores, counts3), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_recommend_batch(shared_model, NULL, 3, K, NULL, items, scores, counts3), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_recommend_sequence(shared_model, NULL, 3, K, NULL, items, scores, &count), GSAU_E_INVALID_ARGUMENT);
    int32_t ks[2] = {10, 0};
    double metrics[8];
    EXPECT(gsau_model_evaluate(shared_model, GSAU_SPLIT_TEST, ks, 2, metrics), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_evaluate(shared_model, 7, ks, 1, metrics), GSAU_E_INVALID_ARGUMENT);

    /* Query filters. */
    q.filter_seen = 2;
    EXPECT(gsau_model_recommend(shared_model, 1, K, &q, items, scores, &count), GSAU_E_INVALID_ARGUMENT);
    gsau_query_init(&q);
    q.n_allowed = 3;   /* allowed_items NULL */
    EXPECT(gsau_model_recommend(shared_model, 1, K, &q, items, scores, &count), GSAU_E_INVALID_ARGUMENT);
    gsau_query_init(&q);
    int32_t bad_filter[2] = {1, n_items + 1};
    q.excluded_items = bad_filter;
    q.n_excluded = 2;
    EXPECT(gsau_model_recommend(shared_model, 1, K, &q, items, scores, &count), GSAU_E_UNKNOWN_ID);
    gsau_query_init(&q);
    q.allowed_items = bad_filter;
    q.n_allowed = 0;   /* non-NULL, empty: no candidates */
    EXPECT(gsau_model_recommend(shared_model, 1, K, &q, items, scores, &count), GSAU_OK);
    CHECK(count == 0);
    count = -7;

    /* Ids out of range. */
    const int32_t bad_users[] = {0, -1, n_users + 1, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof bad_users / sizeof bad_users[0]; i++) {
        EXPECT(gsau_model_recommend(shared_model, bad_users[i], K, NULL, items, scores, &count), GSAU_E_UNKNOWN_ID);
        EXPECT(gsau_model_user_id(shared_model, bad_users[i], &id), GSAU_E_UNKNOWN_ID);
        EXPECT(gsau_model_similar_items(shared_model, bad_users[i] == n_users + 1 ? n_items + 1 : bad_users[i], K,
                                        items, scores, &count), GSAU_E_UNKNOWN_ID);
        EXPECT(gsau_model_item_id(shared_model, bad_users[i] == n_users + 1 ? n_items + 1 : bad_users[i], &id), GSAU_E_UNKNOWN_ID);
    }
    CHECK(count == -7 && strcmp(id, "untouched") == 0);
    int32_t batch_bad[3] = {1, n_users + 5, 2};
    EXPECT(gsau_model_recommend_batch(shared_model, batch_bad, 3, K, NULL, items, scores, counts3), GSAU_E_UNKNOWN_ID);
    int32_t seq_bad[2] = {1, n_items + 1};
    EXPECT(gsau_model_recommend_sequence(shared_model, seq_bad, 2, K, NULL, items, scores, &count), GSAU_E_UNKNOWN_ID);
    EXPECT(gsau_model_user_index(shared_model, "nobody", &user), GSAU_E_UNKNOWN_ID);
    EXPECT(gsau_model_item_index(shared_model, "", &user), GSAU_E_UNKNOWN_ID);
    EXPECT(gsau_model_user_index(shared_model, NULL, &user), GSAU_E_INVALID_ARGUMENT);
    CHECK(user == -7);

    /* Files. */
    gsau_dataset *none = NULL;
    EXPECT(gsau_dataset_load(&none, "no/such/file.txt", NULL), GSAU_E_IO);
    EXPECT(gsau_dataset_load(&none, NULL, NULL), GSAU_E_INVALID_ARGUMENT);
    gsau_model *bad_model = NULL;
    EXPECT(gsau_model_load(&bad_model, data_path), GSAU_E_CORRUPT_FILE);   /* a data file, not a checkpoint */
    CHECK(none == NULL && bad_model == NULL);
    char truncated[4200];
    snprintf(truncated, sizeof truncated, "%s.truncated", checkpoint_path);
    FILE *in = fopen(checkpoint_path, "rb"), *out = fopen(truncated, "wb");
    CHECK(in && out);
    if (in && out) {
        char buf[1000];
        size_t n = fread(buf, 1, sizeof buf, in);
        fwrite(buf, 1, n, out);
    }
    if (in) fclose(in);
    if (out) fclose(out);
    EXPECT(gsau_model_load(&bad_model, truncated), GSAU_E_CORRUPT_FILE);
    CHECK(bad_model == NULL);
    remove(truncated);
    char malformed[4200];
    snprintf(malformed, sizeof malformed, "%s.csv", checkpoint_path);
    out = fopen(malformed, "w");
    CHECK(out != NULL);
    if (out) { fputs("user,item\n1,\"a\n", out); fclose(out); }
    EXPECT(gsau_dataset_load(&none, malformed, NULL), GSAU_E_MALFORMED_INPUT);
    remove(malformed);

    /* Freed handles: use after free is detected, a second free is a no-op. */
    gsau_model *freed = NULL;
    EXPECT(gsau_model_load(&freed, checkpoint_path), GSAU_OK);
    gsau_model_free(freed);
    EXPECT(gsau_model_recommend(freed, 1, K, NULL, items, scores, &count), GSAU_E_MISUSE);
    EXPECT(gsau_model_info_get(freed, &info), GSAU_E_MISUSE);
    gsau_model_free(freed);
    gsau_dataset_free(ds);
    EXPECT(gsau_dataset_stats_get(ds, &st), GSAU_E_MISUSE);
    gsau_dataset_free(ds);
    CHECK(count == -7);

    /* Status strings. */
    CHECK(strcmp(gsau_status_string(GSAU_OK), "ok") == 0);
    CHECK(strcmp(gsau_status_string(-12345), "unknown status") == 0);
}

/* ── 2. concurrency ────────────────────────────────────────────────────────────────────── */

static int same_as_reference(int32_t user, const int32_t *items, const float *scores, int32_t count) {
    if (count != ref_counts[user]) return 0;
    return memcmp(items, ref_items[user], sizeof(int32_t) * (size_t)count) == 0 &&
           memcmp(scores, ref_scores[user], sizeof(float) * (size_t)count) == 0;
}

static void *query_thread(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    int32_t items[4 * K], counts[4], count = 0;
    float scores[4 * K];
    gsau_query q;
    gsau_query_init(&q);
    for (int round = 0; round < QUERY_ROUNDS || !atomic_load(&training_done); round++) {
        atomic_fetch_add(&query_rounds, 1);
        seed = seed * 1103515245u + 12345u;
        int32_t user = 1 + (int32_t)((seed >> 8) % (uint32_t)n_users);
        EXPECT(gsau_model_recommend(shared_model, user, K, &q, items, scores, &count), GSAU_OK);
        CHECK(same_as_reference(user, items, scores, count));

        int32_t batch[4] = {user, 1 + (user % n_users), user, n_users};
        EXPECT(gsau_model_recommend_batch(shared_model, batch, 4, K, &q, items, scores, counts), GSAU_OK);
        for (int b = 0; b < 4; b++) CHECK(same_as_reference(batch[b], items + b * K, scores + b * K, counts[b]));

        int32_t sequence[3] = {1 + (int32_t)(seed % (uint32_t)n_items), 1, 2};
        EXPECT(gsau_model_recommend_sequence(shared_model, sequence, 3, K, NULL, items, scores, &count), GSAU_OK);
        CHECK(count == K);
        EXPECT(gsau_model_similar_items(shared_model, sequence[0], K, items, scores, &count), GSAU_OK);
        for (int32_t i = 0; i < count; i++) CHECK(items[i] != sequence[0] && items[i] >= 1 && items[i] <= n_items);

        /* This thread's failure message is its own, whatever the other threads do meanwhile. */
        char raw[64];
        snprintf(raw, sizeof raw, "thread-%u-round-%d", (unsigned)(uintptr_t)arg, round);
        int32_t index = -1;
        EXPECT(gsau_model_user_index(shared_model, raw, &index), GSAU_E_UNKNOWN_ID);
        CHECK(strstr(gsau_last_error_message(), raw) != NULL);
        const char *id = NULL;
        EXPECT(gsau_model_user_id(shared_model, user, &id), GSAU_OK);
        CHECK(id != NULL && gsau_model_user_index(shared_model, id, &index) == GSAU_OK && index == user);
    }
    return NULL;
}

static int32_t count_steps(int32_t epoch, int32_t step, int32_t steps, double loss, double valid, void *user_data) {
    (void)epoch; (void)steps; (void)valid;
    if (step >= 0) { CHECK(isfinite(loss)); (*(int *)user_data)++; }
    return 0;
}

static void *train_thread(void *arg) {
    (void)arg;
    int steps = 0;
    gsau_model *m = train("gsau-rec", 2, count_steps, &steps);
    CHECK(m != NULL && steps > 0);
    gsau_model_info info = {.struct_size = sizeof info};
    EXPECT(gsau_model_info_get(m, &info), GSAU_OK);
    CHECK(info.epochs_run == 2 && info.n_users == n_users);
    int32_t items[K], count = 0;
    float scores[K];
    EXPECT(gsau_model_recommend(m, 1, K, NULL, items, scores, &count), GSAU_OK);
    CHECK(count == K);
    gsau_model_free(m);
    /* A graph-scored model on top: it refuses sequences. */
    m = train("directau", 1, NULL, NULL);
    int32_t sequence[2] = {1, 2};
    EXPECT(gsau_model_recommend_sequence(m, sequence, 2, K, NULL, items, scores, &count), GSAU_E_INVALID_ARGUMENT);
    EXPECT(gsau_model_recommend(m, 1, K, NULL, items, scores, &count), GSAU_OK);
    gsau_model_free(m);
    atomic_store(&training_done, 1);
    return NULL;
}

static void *load_thread(void *arg) {
    (void)arg;
    int32_t items[K], count = 0;
    float scores[K];
    for (int round = 0; round < LOAD_ROUNDS || !atomic_load(&training_done); round++) {
        atomic_fetch_add(&load_rounds, 1);
        gsau_model *m = NULL;
        EXPECT(gsau_model_load(&m, checkpoint_path), GSAU_OK);
        gsau_model_info info = {.struct_size = sizeof info};
        EXPECT(gsau_model_info_get(m, &info), GSAU_OK);
        CHECK(info.n_users == n_users && info.n_items == n_items);
        int32_t user = 1 + round % n_users;
        EXPECT(gsau_model_recommend(m, user, K, NULL, items, scores, &count), GSAU_OK);
        CHECK(same_as_reference(user, items, scores, count));   /* saved and loaded: same scores */
        gsau_model_free(m);
        gsau_model_free(m);   /* freed: ignored */
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s DATA WORKDIR\n", argv[0]);
        return 2;
    }
    data_path = argv[1];
    snprintf(checkpoint_path, sizeof checkpoint_path, "%s/stress.gsau", argv[2]);

    shared_model = train("gsau-rec", 1, NULL, NULL);
    if (!shared_model) { fprintf(stderr, "stress: cannot train the shared model\n"); return 1; }
    gsau_model_info info = {.struct_size = sizeof info};
    EXPECT(gsau_model_info_get(shared_model, &info), GSAU_OK);
    n_users = (int32_t)info.n_users;
    n_items = (int32_t)info.n_items;
    if (n_users < 4 || n_users >= 512 || n_items <= K) { fprintf(stderr, "stress: DATA must have 4..511 users and more than %d items\n", K); return 1; }
    EXPECT(gsau_model_save(shared_model, checkpoint_path), GSAU_OK);
    for (int32_t u = 1; u <= n_users; u++)
        EXPECT(gsau_model_recommend(shared_model, u, K, NULL, ref_items[u], ref_scores[u], &ref_counts[u]), GSAU_OK);

    misuse();
    int misuse_failures = atomic_load(&failures);
    printf("misuse: %d checks, %d failed\n", atomic_load(&checks), misuse_failures);

    pthread_t queries[QUERY_THREADS], trainer, loader;
    CHECK(pthread_create(&trainer, NULL, train_thread, NULL) == 0);
    CHECK(pthread_create(&loader, NULL, load_thread, NULL) == 0);
    for (uintptr_t t = 0; t < QUERY_THREADS; t++) CHECK(pthread_create(&queries[t], NULL, query_thread, (void *)t) == 0);
    for (int t = 0; t < QUERY_THREADS; t++) pthread_join(queries[t], NULL);
    pthread_join(trainer, NULL);
    pthread_join(loader, NULL);

    gsau_model_free(shared_model);
    EXPECT(gsau_model_info_get(shared_model, &info), GSAU_E_MISUSE);
    remove(checkpoint_path);
    printf("concurrency: %d query threads (%d query rounds in all), 1 training thread, %d load/free rounds: %d failed checks\n",
           QUERY_THREADS, atomic_load(&query_rounds), atomic_load(&load_rounds), atomic_load(&failures) - misuse_failures);
    printf("stress: %d checks, %d failed\n", atomic_load(&checks), atomic_load(&failures));
    return atomic_load(&failures) == 0 ? 0 : 1;
}
