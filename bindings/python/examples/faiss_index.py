"""An approximate-nearest-neighbour index from a trained model: a faiss inner-product index over
the item vectors, queried with the users' vectors, serves the same top-N as model.recommend.

    python3 bindings/python/examples/faiss_index.py [--data data/beauty-mini.txt] [--epochs 1]

Run from the repository root, with gsau importable and faiss installed (pip install faiss-cpu).

gsau scores an item for a user by a dot product: score = user vector . item vector, where the item
vectors are model.item_factors and, for a sequence-scored variant such as gsau-rec, a user's
vector is the sequence encoder's output for the user's history (model.user_factors, or
model.user_vectors(ids)). So a maximum-inner-product index over item_factors answers the same
question as model.recommend(..., filter_already_liked_items=False). IndexFlatIP is exact (a
brute-force scan), so it returns recommend's top-N (up to float rounding on near-ties); for a
catalogue too large to scan, swap in an approximate index with the same metric
(faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)), which trades recall for speed.
Leaving out a user's own items (recommend's default) is a filter after the search: ask for N plus
the history's length and drop the user's items.
"""

import argparse
import time

import faiss
import numpy as np

from gsau import GSAU


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/beauty-mini.txt")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("-N", type=int, default=10)
    args = parser.parse_args()

    model = GSAU("gsau-rec", epochs=args.epochs).fit(args.data, show_progress=False)
    items = np.ascontiguousarray(model.item_factors)      # [n_items, d], row i = item_ids[i]
    users = np.ascontiguousarray(model.user_factors)      # [n_users, d], row u = user_ids[u]
    index = faiss.IndexFlatIP(items.shape[1])
    index.add(items)

    start = time.perf_counter()
    scores, rows = index.search(users, args.N)
    elapsed = time.perf_counter() - start
    served = model.item_ids[rows]                          # raw item ids
    print("faiss: top-%d of %d users over %d items in %.3f s"
          % (args.N, len(users), len(items), elapsed))

    start = time.perf_counter()
    ids, expected = model.recommend(model.user_ids, N=args.N, filter_already_liked_items=False)
    print("model.recommend, same users: %.3f s" % (time.perf_counter() - start))
    same = (served == ids).all(axis=1)
    print("identical top-%d lists: %d of %d users; largest score difference %.2g"
          % (args.N, same.sum(), len(same), float(np.abs(scores - expected).max())))


if __name__ == "__main__":
    main()
