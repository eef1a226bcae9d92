"""Batch scoring on Ray, end to end: train a GSAU(rec) on data/beauty-mini.txt, save it, score
every user's top-10 on a local Ray cluster (an actor pool of 2, each actor loading the checkpoint
once), write the results to Parquet and check a few rows against model.recommend.

    python3 bindings/python/examples/score_with_ray.py [--data data/beauty-mini.txt]
        [--epochs 1] [--out FOLDER] [--workers 2]

Run from the repository root, with gsau importable (pip install ./bindings/python, or
PYTHONPATH=bindings/python) and Ray installed (pip install "ray[data]"). On a real cluster, call
ray.init(address="auto") instead and put the checkpoint on storage every node reads.
"""

import argparse
import os
import tempfile
import time

import numpy as np
import ray

from gsau import GSAU
from gsau.ray import score_users_with_ray


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/beauty-mini.txt")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", help="a Parquet folder to keep the results in (default: a "
                        "temporary folder, removed at the end)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    model = GSAU("gsau-rec", epochs=args.epochs).fit(args.data, show_progress=False)
    print("trained %d epoch(s) on %s: %d users, %d items"
          % (args.epochs, args.data, model.info["n_users"], model.info["n_items"]))

    # Workers run in their own processes: pass on how this one found gsau and libgsau.so.
    env = {name: os.environ[name] for name in ("PYTHONPATH", "GSAU_LIBRARY_PATH")
           if name in os.environ}
    ray.init(num_cpus=args.workers, include_dashboard=False, runtime_env={"env_vars": env})
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = os.path.join(folder, "model.gsau")
        out = args.out or os.path.join(folder, "top10")
        model.save(checkpoint)
        start = time.perf_counter()
        top = score_users_with_ray(checkpoint, N=10, concurrency=args.workers, batch_size=256)
        top.write_parquet(out)                         # written by the workers
        print("scored on Ray in %.1f s, written to %s" % (time.perf_counter() - start, out))

        rows = ray.data.read_parquet(out).take(3)
        for row in rows:
            ids, scores = model.recommend(row["user"], N=10)
            assert list(row["items"]) == list(ids)
            assert np.array_equal(np.asarray(row["scores"], dtype=np.float32), scores)
            print("user %s: %s ..." % (row["user"], " ".join(row["items"][:5])))
        print("the rows checked equal model.recommend")
    ray.shutdown()


if __name__ == "__main__":
    main()
