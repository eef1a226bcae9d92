#!/usr/bin/env python3
"""Golden record of the engine's numbers: proves that a change of code leaves behaviour unchanged.

    golden.py record  CLI LIB   write Tests/golden/record-<blas core>.json from this build
    golden.py check   CLI LIB   compare this build against the record(s); exit 1 on a difference

CLI is the release gsau-cli, LIB the release libgsau.so. For each variant of VARIANTS the CLI trains
3 epochs on data/beauty-mini.txt (seed 2020, one thread) and saves the model; this script then reads:
  - every epoch's loss terms (unrounded) and validation metrics (the result JSON, 4 decimals);
  - the saved model's validation and test metrics, unrounded (gsau_model_evaluate);
  - the top-10 items and scores of 50 users (gsau_model_recommend, the single-user query path), of
    the same 50 users as one batch of 64 (gsau_model_recommend_batch, the blocked path), and the
    10 items most similar to 5 items;
  - checksums of the final parameters (the checkpoint's tensor blob), the scoring item table and the
    50 users' vectors: sum, sum of |x|, sum of x^2 and a position-weighted sum, in float64.

OpenBLAS picks kernels by CPU, and kernels of different families round differently in the last
bits, which 3 epochs of training amplify. A record is therefore kept per BLAS kernel family
(`record-<core>.json`). `check` compares against the record of this machine's family with
TIGHT tolerances (relative 1e-5: only the documented unification of duplicated arithmetic may move
the last bits), and against the records of other families with LOOSE tolerances that a change of
machine cannot break but a change of behaviour does (see LOOSE).
"""
import ctypes
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "data", "beauty-mini.txt")
VARIANTS = ["gsau-rec", "gsau", "sasrec", "directau", "bert4rec"]
EPOCHS = 3
SEED = 2020
QUERY_USERS = 50
SIMILAR_ITEMS = 5
KS = [5, 10, 20, 50]

# Same kernel family: everything equal up to a relative 1e-5 (absolute 1e-7 near zero).
TIGHT = {"rel": 1e-5, "abs": 1e-7, "metric_abs": 1e-6, "top_overlap": 10}
# Another kernel family: loss terms within 1e-3 relative, metrics within 0.003 absolute (a few of
# 2,000 users crossing a cut-off), top-10 lists sharing at least 7 items, checksums within 1e-2.
LOOSE = {"rel": 1e-2, "loss_rel": 1e-3, "abs": 1e-4, "metric_abs": 3e-3, "top_overlap": 7}


class Query(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("filter_seen", ctypes.c_int32),
                ("allowed_items", ctypes.POINTER(ctypes.c_int32)), ("n_allowed", ctypes.c_int32),
                ("excluded_items", ctypes.POINTER(ctypes.c_int32)), ("n_excluded", ctypes.c_int32)]


def load_library(path):
    lib = ctypes.CDLL(path)
    p, i32, i64 = ctypes.c_void_p, ctypes.c_int32, ctypes.c_int64
    f32p, i32p = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int32)
    sigs = {
        "gsau_model_load": [ctypes.POINTER(p), ctypes.c_char_p],
        "gsau_model_free": [p],
        "gsau_model_evaluate": [p, i32, i32p, i32, ctypes.POINTER(ctypes.c_double)],
        "gsau_model_recommend": [p, i32, i32, ctypes.POINTER(Query), i32p, f32p, i32p],
        "gsau_model_recommend_batch": [p, i32p, i32, i32, ctypes.POINTER(Query), i32p, f32p, i32p],
        "gsau_model_similar_items": [p, i32, i32, i32p, f32p, i32p],
        "gsau_model_item_embeddings": [p, f32p, i64],
        "gsau_model_user_vectors": [p, i32p, i32, f32p],
        "gsau_model_user_index": [p, ctypes.c_char_p, i32p],
        "gsau_model_item_index": [p, ctypes.c_char_p, i32p],
        "gsau_model_item_id": [p, i32, ctypes.POINTER(ctypes.c_char_p)],
    }
    for name, args in sigs.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = None if name == "gsau_model_free" else ctypes.c_int32
    lib.gsau_last_error_message.restype = ctypes.c_char_p
    return lib


def call(lib, name, *args):
    status = getattr(lib, name)(*args)
    if status != 0:
        raise RuntimeError(f"{name}: status {status}: {lib.gsau_last_error_message().decode()}")


def checksum(values):
    s = a = q = w = 0.0
    for k, x in enumerate(values):
        s += x
        a += abs(x)
        q += x * x
        w += x * ((k % 7) + 1)
    return {"count": len(values), "sum": s, "abs_sum": a, "sq_sum": q, "weighted_sum": w}


def checkpoint_blob(path):
    """The float32 tensor blob of a checkpoint (docs/CHECKPOINT.md: blob from B to size - 4)."""
    raw = open(path, "rb").read()
    header_length = struct.unpack_from("<Q", raw, 12)[0]
    start = 20 + header_length
    start += (64 - start % 64) % 64
    count = (len(raw) - 4 - start) // 4
    return struct.unpack_from(f"<{count}f", raw, start)


def query_users(path):
    """Every 40th user of the data file (the first token of a line), 50 in all."""
    users = [line.split()[0] for line in open(path) if line.strip()]
    return users[::40][:QUERY_USERS]


def run_variant(cli, lib, variant, workdir):
    out_json = os.path.join(workdir, f"{variant}.json")
    out_model = os.path.join(workdir, f"{variant}.gsau")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    subprocess.run([cli, "train", DATA, "--variant", variant, "--epochs", str(EPOCHS), "--seed", str(SEED),
                    "--threads", "1", "--json", out_json, "--save", out_model, "--quiet"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    result = json.load(open(out_json))
    record = {"epochs": [{"loss_mean_terms": e["loss_mean_terms"], "loss_sum": e["loss_sum"], "valid": e["valid"]}
                         for e in result["history"]],
              "best_epoch": result["best_epoch"],
              "parameters": checksum(checkpoint_blob(out_model))}
    model = ctypes.c_void_p()
    call(lib, "gsau_model_load", ctypes.byref(model), out_model.encode())
    try:
        ks = (ctypes.c_int32 * len(KS))(*KS)
        for split, name in ((0, "valid"), (1, "test")):
            out = (ctypes.c_double * (4 * len(KS)))()
            call(lib, "gsau_model_evaluate", model, split, ks, len(KS), out)
            record[f"{name}_unrounded"] = {f"{m}@{k}": out[4 * j + c]
                                          for j, k in enumerate(KS)
                                          for c, m in enumerate(["recall", "mrr", "ndcg", "precision"])}
        users = []
        for raw in query_users(DATA):
            index = ctypes.c_int32()
            call(lib, "gsau_model_user_index", model, raw.encode(), ctypes.byref(index))
            users.append((raw, index.value))

        def item_token(i):
            token = ctypes.c_char_p()
            call(lib, "gsau_model_item_id", model, i, ctypes.byref(token))
            return token.value.decode()

        items, scores, count = (ctypes.c_int32 * 10)(), (ctypes.c_float * 10)(), ctypes.c_int32()
        top = {}
        for raw, index in users:
            call(lib, "gsau_model_recommend", model, index, 10, None, items, scores, ctypes.byref(count))
            top[raw] = [[item_token(items[k]), scores[k]] for k in range(count.value)]
        record["top10"] = top
        # The blocked batch path (64 users or more): the 50 users, then 14 repeats of the first.
        batch = [index for _, index in users] + [users[0][1]] * 14
        n = len(batch)
        b_users = (ctypes.c_int32 * n)(*batch)
        b_items, b_scores, b_counts = (ctypes.c_int32 * (10 * n))(), (ctypes.c_float * (10 * n))(), (ctypes.c_int32 * n)()
        call(lib, "gsau_model_recommend_batch", model, b_users, n, 10, None, b_items, b_scores, b_counts)
        record["top10_batch"] = {raw: [[item_token(b_items[r * 10 + k]), b_scores[r * 10 + k]]
                                       for k in range(b_counts[r])] for r, (raw, _) in enumerate(users)}
        similar = {}
        for r in range(SIMILAR_ITEMS):
            item = top[users[r][0]][0][0]
            index = ctypes.c_int32()
            call(lib, "gsau_model_item_index", model, item.encode(), ctypes.byref(index))
            call(lib, "gsau_model_similar_items", model, index, 10, items, scores, ctypes.byref(count))
            similar[item] = [[item_token(items[k]), scores[k]] for k in range(count.value)]
        record["similar10"] = similar
        capacity = 1 << 22
        table = (ctypes.c_float * capacity)()
        call(lib, "gsau_model_item_embeddings", model, table, capacity)
        width = json.load(open(out_json))["config"]["embedding_size"]
        rows = result["dataset"]["items"] + 1
        record["item_table"] = checksum(table[:rows * width])
        vectors = (ctypes.c_float * (len(users) * width))()
        call(lib, "gsau_model_user_vectors", model, (ctypes.c_int32 * len(users))(*[i for _, i in users]),
             len(users), vectors)
        record["user_vectors"] = checksum(vectors[:])
    finally:
        lib.gsau_model_free(model)
    return record


def record_all(cli, lib):
    with tempfile.TemporaryDirectory() as workdir:
        variants = {v: run_variant(cli, lib, v, workdir) for v in VARIANTS}
        core = json.load(open(os.path.join(workdir, f"{VARIANTS[0]}.json")))["blas_core"]
        return {"data": "data/beauty-mini.txt", "epochs": EPOCHS, "seed": SEED, "threads": 1,
                "blas_core": core, "variants": variants}


class Comparison:
    def __init__(self, tol):
        self.tol, self.failures, self.compared = tol, [], 0

    def number(self, where, want, got, rel=None, abs_=None):
        self.compared += 1
        rel = self.tol["rel"] if rel is None else rel
        abs_ = self.tol["abs"] if abs_ is None else abs_
        if abs(want - got) > max(abs_, rel * abs(want)):
            self.failures.append(f"{where}: recorded {want!r}, now {got!r}")

    def metrics(self, where, want, got):
        for key in want:
            self.number(f"{where}.{key}", want[key], got[key], rel=0, abs_=self.tol["metric_abs"])

    def top(self, where, want, got):
        for user in want:
            w, g = want[user], got[user]
            shared = len({i for i, _ in w} & {i for i, _ in g})
            self.compared += 1
            if shared < min(self.tol["top_overlap"], len(w)):
                self.failures.append(f"{where}[{user}]: {shared} of {len(w)} items shared (recorded {w}, now {g})")
            elif self.tol is TIGHT:
                for k, ((wi, ws), (gi, gs)) in enumerate(zip(w, g)):
                    self.number(f"{where}[{user}][{k}].score", ws, gs)
                    # Only near-ties (recorded scores within the tolerance) may swap places.
                    tied = [wj for wj, sj in w if abs(sj - ws) <= 1e-5 * abs(ws)]
                    if gi != wi and gi not in tied:
                        self.failures.append(f"{where}[{user}][{k}]: item {gi}, recorded {wi}")


def compare(record, now, tol):
    c = Comparison(tol)
    loss_rel = tol.get("loss_rel", tol["rel"])
    for variant, want in record["variants"].items():
        got = now["variants"][variant]
        if len(want["epochs"]) != len(got["epochs"]):
            c.failures.append(f"{variant}: {len(got['epochs'])} epochs, recorded {len(want['epochs'])}")
            continue
        for e, (we, ge) in enumerate(zip(want["epochs"], got["epochs"])):
            for term, value in we["loss_mean_terms"].items():
                if term not in ge["loss_mean_terms"]:
                    c.failures.append(f"{variant} epoch {e}: loss term {term} missing")
                    continue
                c.number(f"{variant} epoch {e} {term}", value, ge["loss_mean_terms"][term], rel=loss_rel)
            extra = set(ge["loss_mean_terms"]) - set(we["loss_mean_terms"])
            if extra:
                c.failures.append(f"{variant} epoch {e}: unexpected loss terms {sorted(extra)}")
            c.metrics(f"{variant} epoch {e} valid", we["valid"], ge["valid"])
        c.metrics(f"{variant} valid", want["valid_unrounded"], got["valid_unrounded"])
        c.metrics(f"{variant} test", want["test_unrounded"], got["test_unrounded"])
        for part in ("parameters", "item_table", "user_vectors"):
            if want[part]["count"] != got[part]["count"]:
                c.failures.append(f"{variant} {part}: {got[part]['count']} values, recorded {want[part]['count']}")
            for key in ("sum", "abs_sum", "sq_sum", "weighted_sum"):
                # A sum of signed values can be near zero: compare it relative to the sum of |x|.
                scale = want[part]["abs_sum"] if key in ("sum", "weighted_sum") else abs(want[part][key])
                c.number(f"{variant} {part}.{key}", want[part][key] / scale, got[part][key] / scale)
        c.top(f"{variant} top10", want["top10"], got["top10"])
        c.top(f"{variant} top10_batch", want["top10_batch"], got["top10_batch"])
        c.top(f"{variant} similar10", want["similar10"], got["similar10"])
    return c


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("record", "check"):
        print(__doc__)
        return 2
    mode, cli, lib_path = sys.argv[1:]
    lib = load_library(lib_path)
    now = record_all(cli, lib)
    core = now["blas_core"]
    if mode == "record":
        path = os.path.join(HERE, f"record-{core}.json")
        with open(path, "w") as f:
            json.dump(now, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"golden: wrote {os.path.relpath(path, ROOT)}")
        return 0
    records = sorted(glob.glob(os.path.join(HERE, "record-*.json")))
    if not records:
        print("golden: no record to compare with")
        return 1
    failed = False
    for path in records:
        record = json.load(open(path))
        tight = record["blas_core"] == core
        c = compare(record, now, TIGHT if tight else LOOSE)
        label = f"{os.path.basename(path)} ({'same kernel family, tight' if tight else 'other kernel family ' + core + ', loose'})"
        if c.failures:
            failed = True
            print(f"golden: {label}: {len(c.failures)} of {c.compared} comparisons differ")
            for line in c.failures[:40]:
                print("  " + line)
        else:
            print(f"golden: {label}: {c.compared} comparisons equal")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
