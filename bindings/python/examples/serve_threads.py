"""Serving one loaded model from several threads: the memory a loaded model takes and the query
throughput of 1..T Python threads sharing it (a model is read-only after load, and ctypes releases
the GIL during library calls, so the threads' queries run in parallel).

    python3 bindings/python/examples/serve_threads.py MODEL.gsau [--threads 1 2] [--seconds 5]

Prints the process's resident memory before and after GSAU.load, then, for each thread count,
top-10 queries per second (one user per call, users drawn at random) and, once, the users per
second of the batch call recommend(all users). Linux only (reads /proc/self/status).
"""

import argparse
import threading
import time

import numpy as np

from gsau import GSAU


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def queries_per_second(model: GSAU, users: np.ndarray, threads: int, seconds: float) -> float:
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def worker(t: int) -> None:
        rng = np.random.default_rng(t)
        while time.perf_counter() < stop:
            model.recommend(users[rng.integers(len(users))], N=10)
            counts[t] += 1

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    before = rss_mib()
    model = GSAU.load(args.model)
    after = rss_mib()
    info = model.info
    print("RSS %.0f MiB before GSAU.load, %.0f MiB after (+%.0f MiB): %d users, %d items, "
          "%d parameters" % (before, after, after - before, info["n_users"], info["n_items"],
                             info["n_parameters"]))
    users = model.user_ids
    model.recommend(users[0], N=10)                       # builds the query engine
    print("RSS after the first query: %.0f MiB" % rss_mib())
    for threads in args.threads:
        print("%d thread(s): %.0f top-10 queries/s"
              % (threads, queries_per_second(model, users, threads, args.seconds)))
    start = time.perf_counter()
    model.recommend(users, N=10)
    print("recommend(all %d users): %.0f users/s; RSS now %.0f MiB"
          % (len(users), len(users) / (time.perf_counter() - start), rss_mib()))


if __name__ == "__main__":
    main()
