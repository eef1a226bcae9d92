"""GSAU.export against the real libgsau: the safetensors file is read back with the ``safetensors``
package alone (no gsau) and its tables reproduce gsau's scores and top-10 lists by a numpy dot
product, for a sequence-scored model (gsau-rec), a graph-scored one (directau) and stock bert4rec
(the one with an item bias).

``safetensors`` is a test requirement (scripts/install-deps.sh installs it): when it is missing,
this module fails to import and the run fails; it is not skipped."""

from __future__ import annotations

import json
import pathlib
import struct

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

import gsau
from gsau import GSAU

TESTS_DIR = pathlib.Path(__file__).resolve().parent
REPO = TESTS_DIR.parent.parent.parent
TINY = REPO / "Tests" / "GSAUTests" / "Fixtures" / "parity" / "tiny.txt"

SMALL = dict(embedding_size=8, inner_size=16, max_sequence_length=8, batch_size=32, epochs=1)

VARIANTS = {"gsau-rec": (False, False), "directau": (True, False), "bert4rec": (False, True)}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def exported(request, tmp_path_factory):
    """(variant, model, path of its export) for each variant, trained once."""
    model = GSAU(request.param, **SMALL).fit(TINY, show_progress=False)
    path = tmp_path_factory.mktemp("export") / ("%s.safetensors" % request.param)
    assert model.export(path) is None
    yield request.param, model, path
    model.close()


def read(path):
    """(tensors, metadata) as the safetensors package reads them."""
    tensors = load_file(str(path))
    with safe_open(str(path), framework="numpy") as f:
        metadata = f.metadata()
        assert sorted(f.keys()) == sorted(tensors)
    return tensors, metadata


def test_tensors_and_metadata(exported):
    variant, model, path = exported
    graph, bias = VARIANTS[variant]
    tensors, meta = read(path)
    info = model.info
    n_users, n_items, d = info["n_users"], info["n_items"], info["embedding_size"]

    assert set(tensors) == {"item_vectors", "user_vectors"} | ({"item_bias"} if bias else set())
    assert all(t.dtype == np.float32 for t in tensors.values())
    assert tensors["item_vectors"].shape == (n_items + 1, d)
    assert tensors["user_vectors"].shape == (n_users + 1, d)
    if bias:
        assert tensors["item_bias"].shape == (n_items + 1,)

    assert meta["format"] == "gsau-export-1"
    assert meta["gsau_version"] == gsau.version()
    assert meta["variant"] == variant
    assert meta["embedding_size"] == str(d)
    assert meta["predicts_with_graph"] == ("true" if graph else "false")
    user_ids, item_ids = json.loads(meta["user_ids"]), json.loads(meta["item_ids"])
    assert user_ids == [""] + list(model.user_ids)
    assert item_ids == [""] + list(model.item_ids)

    # The same vectors the binding's own accessors return.
    np.testing.assert_array_equal(tensors["item_vectors"], model.item_embeddings())
    np.testing.assert_array_equal(tensors["user_vectors"][0], np.zeros(d, np.float32))
    np.testing.assert_array_equal(tensors["user_vectors"][1:], model.user_vectors(user_ids[1:]))


def test_dot_product_reproduces_the_top_10(exported):
    variant, model, path = exported
    tensors, meta = read(path)
    user_ids, item_ids = json.loads(meta["user_ids"]), json.loads(meta["item_ids"])
    W, V = tensors["item_vectors"], tensors["user_vectors"]
    b = tensors.get("item_bias", np.zeros(W.shape[0], np.float32))
    for u in range(1, len(user_ids)):
        scores = W @ V[u] + b
        scores[0] = -np.inf                                      # padding is never recommended
        order = sorted(range(1, len(item_ids)), key=lambda i: (-scores[i], i))[:10]
        ids, gsau_scores = model.recommend(user_ids[u], N=10, filter_already_liked_items=False)
        index = [item_ids.index(i) for i in ids]
        np.testing.assert_allclose(scores[index], gsau_scores, rtol=1e-5, atol=1e-6)
        for rank, (mine, theirs) in enumerate(zip(order, index)):
            # The same list; only items whose scores tie to rounding may swap places.
            assert mine == theirs or abs(scores[mine] - scores[theirs]) < 1e-5, \
                "%s user %s rank %d: numpy %s, gsau %s" % (variant, user_ids[u], rank, item_ids[mine], ids[rank])


def test_file_layout(exported):
    _, _, path = exported
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert (8 + n) % 8 == 0                                      # data 8-byte aligned
    header = raw[8:8 + n].decode("utf-8")
    assert header.startswith("{") and header.rstrip(" ").endswith("}")
    table = json.loads(header)
    spans = sorted(tuple(v["data_offsets"]) for k, v in table.items() if k != "__metadata__")
    assert spans[0][0] == 0 and spans[-1][1] == len(raw) - 8 - n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert all(isinstance(v, str) for v in table["__metadata__"].values())


def test_export_errors(tmp_path, exported):
    _, model, path = exported
    before = path.read_bytes()
    with pytest.raises(gsau.GSAUIOError, match="no-such-folder"):     # an OSError
        model.export(tmp_path / "no-such-folder" / "x.safetensors")
    with pytest.raises(ValueError):
        GSAU("gsau-rec").export(tmp_path / "unfitted.safetensors")
    with pytest.raises(ValueError):
        model.export("")
    assert path.read_bytes() == before
