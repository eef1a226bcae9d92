"""The gsau package against the real libgsau: versions, diagnostics, datasets, errors, handle
lifetime, library loading, and misuse of the raw C functions."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import pathlib
import pickle
import re
import subprocess
import sys
import threading

import pytest

import gsau
from gsau import _capi, _loader

TESTS_DIR = pathlib.Path(__file__).resolve().parent
REPO = TESTS_DIR.parent.parent.parent
HEADER = TESTS_DIR / ".." / ".." / ".." / "include" / "gsau.h"
BEAUTY_MINI = REPO / "data" / "beauty-mini.txt"
BEAUTY = REPO / "data" / "beauty.txt"
TINY_INTER = REPO / "Tests" / "GSAUTests" / "Fixtures" / "parity" / "tiny.inter"

STATS_KEYS = {"n_users", "n_items", "n_interactions", "n_train_interactions", "n_valid",
              "n_test", "n_sequential_train_examples", "n_rows_read", "n_rows_removed_by_kcore",
              "n_users_dropped_short"}


def header_define(name: str) -> str:
    m = re.search(r"^\s*#\s*define\s+%s\s+(\S+)" % re.escape(name),
                  HEADER.read_text(encoding="utf-8"), re.MULTILINE)
    assert m, "gsau.h has no #define %s" % name
    return m.group(1)


def check_split_invariants(stats):
    """Leave-one-out identities that hold for every dataset."""
    assert set(stats) == STATS_KEYS
    u = stats["n_users"]
    assert stats["n_valid"] == stats["n_test"] == u
    assert stats["n_train_interactions"] == stats["n_interactions"] - 2 * u
    assert stats["n_sequential_train_examples"] == stats["n_interactions"] - 3 * u
    assert all(isinstance(v, int) for v in stats.values())


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ── Versions and diagnostics ────────────────────────────────────────────────────────────────

def test_version_matches_header():
    assert gsau.version() == header_define("GSAU_VERSION_STRING").strip('"')
    assert gsau.abi_version() == int(header_define("GSAU_ABI_VERSION"))
    assert gsau.abi_version() == _loader.EXPECTED_ABI_VERSION
    major, minor, patch = (int(header_define("GSAU_VERSION_" + p)) for p in ("MAJOR", "MINOR", "PATCH"))
    assert _capi.gsau_version_number() == major * 10000 + minor * 100 + patch
    assert gsau.version() == f"{major}.{minor}.{patch}", "the header's version string and numbers agree"
    assert (_capi.GSAU_VERSION_MAJOR, _capi.GSAU_VERSION_MINOR, _capi.GSAU_VERSION_PATCH) == (major, minor, patch)
    assert _capi.GSAU_VERSION_STRING == gsau.version()
    assert gsau.__version__ == gsau.version()
    pyproject = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")
    assert f'version = "{gsau.version()}"' in open(pyproject).read()   # the package's copy of the version


def test_system_info():
    info = gsau.system_info()
    assert set(info) == {"blas_core_name", "blas_threads", "hardware_threads",
                         "blas_generic_fallback"}
    assert isinstance(info["blas_core_name"], str) and info["blas_core_name"]
    assert isinstance(info["blas_threads"], int) and info["blas_threads"] >= 1
    assert info["hardware_threads"] >= 1
    assert isinstance(info["blas_generic_fallback"], bool)


def test_status_strings():
    assert _capi.gsau_status_string(_capi.GSAU_OK) == b"ok"
    assert _capi.gsau_status_string(_capi.GSAU_E_MISUSE) == b"misuse"
    assert _capi.gsau_status_string(_capi.GSAU_E_IO) == b"i/o error"
    assert _capi.gsau_status_string(-12345) == b"unknown status"
    for code in range(-11, 0):
        assert _capi.gsau_status_string(code) not in (None, b"", b"unknown status")


# ── Loading datasets ────────────────────────────────────────────────────────────────────────

def test_beauty_mini():
    with gsau.Dataset.load(str(BEAUTY_MINI)) as ds:
        s = ds.stats
        assert (s["n_users"], s["n_items"], s["n_interactions"]) == (2000, 8017, 24226)
        assert s["n_rows_read"] == 24226
        assert s["n_rows_removed_by_kcore"] == 0 and s["n_users_dropped_short"] == 0
        check_split_invariants(s)
        assert ds.path == str(BEAUTY_MINI)
        assert "2000 users" in repr(ds)
    assert ds.closed


def test_beauty_five_core():
    with gsau.Dataset.load(BEAUTY, min_user_interactions=5, min_item_interactions=5) as ds:
        s = ds.stats
        assert (s["n_users"], s["n_items"], s["n_interactions"]) == (22363, 12101, 198502)
        check_split_invariants(s)
        assert ds.options == {"format": "auto", "min_user_interactions": 5,
                              "min_item_interactions": 5, "short_users": "drop",
                              "hold_out": "leave-one-out"}


def test_tiny_atomic_fixture():
    # Numbers from Tests/GSAUTests/Fixtures/parity/README.md.
    for fmt in ("auto", "atomic"):
        with gsau.Dataset.load(TINY_INTER, format=fmt) as ds:
            s = ds.stats
            assert (s["n_users"], s["n_items"], s["n_interactions"]) == (24, 20, 204)
            assert s["n_train_interactions"] == 156
            assert s["n_sequential_train_examples"] == 132
            check_split_invariants(s)


def test_explicit_sequence_format_matches_auto():
    with gsau.Dataset.load(BEAUTY_MINI, format="sequence") as a, gsau.Dataset.load(BEAUTY_MINI) as b:
        assert a.stats == b.stats


def test_csv_format(tmp_path):
    rows = ["user,item,timestamp"] + ["u%d,i%d,%d" % (u, i, 10 * i) for u in range(3) for i in range(4)]
    p = write(tmp_path, "x.csv", "\n".join(rows) + "\n")
    with gsau.Dataset.load(p, format="csv") as ds:
        assert (ds.stats["n_users"], ds.stats["n_items"], ds.stats["n_interactions"]) == (3, 4, 12)


def test_path_types(tmp_path):
    p = write(tmp_path, "seq.txt", "1 1 2 3\n2 2 3 4\n")
    for given in (p, str(p), os.fsencode(str(p))):
        with gsau.Dataset.load(given) as ds:
            assert ds.stats["n_users"] == 2


def test_non_ascii_path(tmp_path):
    p = write(tmp_path, "données-ü.txt", "1 1 2 3\n")
    with gsau.Dataset.load(p) as ds:
        assert ds.stats["n_users"] == 1


def test_drop_policy_counts_short_users(tmp_path):
    p = write(tmp_path, "short.txt", "a 1 2 3\nshorty 4 5\nb 1 2 3 4\n")
    with gsau.Dataset.load(p) as ds:
        assert ds.stats["n_users"] == 2
        assert ds.stats["n_users_dropped_short"] == 1


# ── Errors ──────────────────────────────────────────────────────────────────────────────────

def test_missing_file(tmp_path):
    missing = tmp_path / "no-such-file.txt"
    with pytest.raises(gsau.GSAUIOError) as info:
        gsau.Dataset.load(missing)
    err = info.value
    assert isinstance(err, OSError) and isinstance(err, gsau.GSAUError)
    assert err.status == _capi.GSAU_E_IO == -3
    assert str(missing) in str(err)
    assert str(err) == err.message
    assert err.message.startswith("gsau_dataset_load: ")


def test_malformed_file(tmp_path):
    p = write(tmp_path, "bad.txt", "1 2 3\n7\n")
    with pytest.raises(gsau.MalformedInputError, match=":2:") as info:
        gsau.Dataset.load(p)
    assert isinstance(info.value, ValueError)
    assert info.value.status == _capi.GSAU_E_MALFORMED_INPUT
    assert "bad.txt:2:" in info.value.message


def test_refuse_policy_names_the_user(tmp_path):
    p = write(tmp_path, "short.txt", "a 1 2 3\nshorty 4 5\nb 1 2 3 4\n")
    with pytest.raises(gsau.MalformedInputError, match="shorty"):
        gsau.Dataset.load(p, short_users="refuse")


@pytest.mark.parametrize("kwargs, exc, pattern", [
    ({"format": "parquet"}, ValueError, "'auto', 'sequence', 'atomic', 'csv'"),
    ({"format": 1}, TypeError, "format must be a str"),
    ({"format": None}, TypeError, "format must be a str"),
    ({"short_users": "keep"}, ValueError, "'drop', 'refuse'"),
    ({"min_user_interactions": -1}, ValueError, "min_user_interactions must be between 0"),
    ({"min_item_interactions": 2**31}, ValueError, "min_item_interactions must be between 0"),
    ({"min_user_interactions": 2.5}, TypeError, "min_user_interactions must be an int"),
    ({"min_user_interactions": True}, TypeError, "min_user_interactions must be an int"),
    ({"min_item_interactions": "5"}, TypeError, "min_item_interactions must be an int"),
])
def test_bad_arguments(kwargs, exc, pattern):
    with pytest.raises(exc, match=re.escape(pattern)):
        gsau.Dataset.load(BEAUTY_MINI, **kwargs)


def test_numpy_integers_are_accepted():
    np = pytest.importorskip("numpy")
    with gsau.Dataset.load(BEAUTY_MINI, min_user_interactions=np.int64(0)) as ds:
        assert ds.stats["n_users"] == 2000


@pytest.mark.parametrize("path, exc, pattern", [
    (123, TypeError, "path must be a str or an os.PathLike, not int"),
    (None, TypeError, "path must be a str or an os.PathLike, not NoneType"),
    ("", ValueError, "path is empty"),
    ("data/x\0.txt", ValueError, "NUL"),
    (b"data/\xffx.txt", ValueError, "not valid UTF-8"),
    (os.fsdecode(b"data/\xffx.txt"), ValueError, "not valid UTF-8"),
    ("data/\ud800x.txt", ValueError, "not valid UTF-8"),
])
def test_bad_paths(path, exc, pattern):
    with pytest.raises(exc, match=pattern):
        gsau.Dataset.load(path)


def test_error_classes():
    cases = [(gsau.InvalidArgumentError, -1, ValueError), (gsau.UnknownIDError, -2, KeyError),
             (gsau.GSAUIOError, -3, OSError), (gsau.MalformedInputError, -4, ValueError),
             (gsau.CorruptFileError, -5, ValueError), (gsau.VersionMismatchError, -6, ValueError),
             (gsau.OutOfMemoryError, -7, MemoryError), (gsau.AbortedError, -8, None),
             (gsau.MisuseError, -9, None), (gsau.NumericalError, -10, None),
             (gsau.InternalError, -11, None)]
    for cls, status, builtin in cases:
        with pytest.raises(cls) as info:
            _capi._check(status, "gsau_test")
        err = info.value
        assert type(err) is cls and isinstance(err, gsau.GSAUError)
        assert err.status == status
        if builtin is not None:
            assert isinstance(err, builtin)
        clone = pickle.loads(pickle.dumps(err))
        assert type(clone) is cls and clone.status == status and str(clone) == str(err)
    with pytest.raises(gsau.GSAUError) as info:
        _capi._check(-99, "gsau_test")
    assert type(info.value) is gsau.GSAUError and info.value.status == -99
    assert _capi._check(0, "gsau_test") == 0


def test_unknown_id_error_str_is_the_message():
    err = gsau.UnknownIDError("gsau_x: unknown user 'u7'", -2)
    assert str(err) == "gsau_x: unknown user 'u7'"  # not KeyError's repr quoting
    assert err.message == str(err) and err.status == -2


def test_check_uses_last_error_message(tmp_path):
    status = _capi.gsau_dataset_load(ctypes.byref(_capi.gsau_dataset_p()),
                                     str(tmp_path / "nope").encode(), None)
    with pytest.raises(gsau.GSAUIOError, match="nope"):
        _capi._check(status, "gsau_dataset_load")
    # With no message recorded (a success cleared it), the status string stands in.
    assert _capi.gsau_system_info_get(ctypes.byref(_capi.sized(_capi.gsau_system_info))) == 0
    with pytest.raises(gsau.MisuseError, match=r"gsau_test failed: misuse \(status -9\)"):
        _capi._check(-9, "gsau_test")


# ── Handle lifetime ─────────────────────────────────────────────────────────────────────────

def test_closed_dataset_raises_value_error():
    ds = gsau.Dataset.load(BEAUTY_MINI)
    ds.close()
    assert ds.closed
    with pytest.raises(ValueError, match="closed"):
        ds.stats
    with pytest.raises(ValueError, match="closed"):
        with ds:
            pass
    ds.close()  # idempotent
    assert "closed" in repr(ds)


def test_context_manager_and_finaliser_free_the_handle():
    with gsau.Dataset.load(BEAUTY_MINI) as ds:
        raw = ds._handle
        assert raw
    assert ds.closed
    st = _capi.sized(_capi.gsau_dataset_stats)
    assert _capi.gsau_dataset_stats_get(raw, ctypes.byref(st)) == _capi.GSAU_E_MISUSE

    ds = gsau.Dataset.load(BEAUTY_MINI)
    raw = ds._handle
    del ds
    gc.collect()
    assert _capi.gsau_dataset_stats_get(raw, ctypes.byref(st)) == _capi.GSAU_E_MISUSE


def test_direct_construction_and_pickling_are_refused():
    with pytest.raises(TypeError, match="Dataset.load"):
        gsau.Dataset()
    with gsau.Dataset.load(BEAUTY_MINI) as ds:
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(ds)


def test_failed_load_leaves_nothing_to_close(tmp_path):
    with pytest.raises(gsau.GSAUIOError):
        gsau.Dataset.load(tmp_path / "missing.txt")
    gc.collect()  # the half-built object's finaliser must not fail or free anything


def test_threads_share_a_dataset():
    with gsau.Dataset.load(BEAUTY_MINI) as ds:
        results, errors = [], []

        def work():
            try:
                for _ in range(20):
                    results.append(ds.stats["n_items"])
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and results == [8017] * 80


# ── Raw C functions: misuse armour and the last-error contract ─────────────────────────────

def test_raw_stats_get_with_null_handle():
    st = _capi.sized(_capi.gsau_dataset_stats)
    assert _capi.gsau_dataset_stats_get(None, ctypes.byref(st)) == _capi.GSAU_E_MISUSE == -9
    assert b"NULL" in _capi.gsau_last_error_message()
    assert st.n_users == 0  # outputs untouched on failure


def test_raw_freed_handle_is_misuse():
    out = _capi.gsau_dataset_p()
    assert _capi.gsau_dataset_load(ctypes.byref(out), str(BEAUTY_MINI).encode(), None) == 0
    raw = out.value
    assert raw
    _capi.gsau_dataset_free(raw)
    st = _capi.sized(_capi.gsau_dataset_stats)
    assert _capi.gsau_dataset_stats_get(raw, ctypes.byref(st)) == -9
    assert _capi.gsau_last_error_message() != b""
    _capi.gsau_dataset_free(raw)  # freeing again is a no-op


def test_raw_foreign_pointer_is_misuse():
    buf = ctypes.create_string_buffer(64)
    st = _capi.sized(_capi.gsau_dataset_stats)
    assert _capi.gsau_dataset_stats_get(ctypes.addressof(buf), ctypes.byref(st)) == -9


def test_raw_free_null_is_a_no_op():
    _capi.gsau_dataset_free(None)


def test_raw_struct_size_checks():
    with gsau.Dataset.load(BEAUTY_MINI) as ds:
        handle = ctypes.c_void_p(ds._handle)
        st = _capi.gsau_dataset_stats()  # struct_size left at 0
        assert _capi.gsau_dataset_stats_get(handle, ctypes.byref(st)) == _capi.GSAU_E_VERSION_MISMATCH == -6
        assert b"struct_size" in _capi.gsau_last_error_message()
        assert st.n_users == 0
        assert _capi.gsau_dataset_stats_get(handle, None) == _capi.GSAU_E_INVALID_ARGUMENT
    info = _capi.gsau_system_info()
    assert _capi.gsau_system_info_get(ctypes.byref(info)) < 0
    assert _capi.gsau_system_info_get(None) == _capi.GSAU_E_INVALID_ARGUMENT


def test_raw_load_argument_checks(tmp_path):
    out = _capi.gsau_dataset_p()
    assert _capi.gsau_dataset_load(None, str(BEAUTY_MINI).encode(), None) == -1
    assert _capi.gsau_dataset_load(ctypes.byref(out), None, None) == -1
    assert b"path" in _capi.gsau_last_error_message()
    opts = _capi.gsau_dataset_options()
    _capi.gsau_dataset_options_init(ctypes.byref(opts))
    assert opts.struct_size == ctypes.sizeof(_capi.gsau_dataset_options)
    assert (opts.format, opts.min_user_interactions, opts.min_item_interactions,
            opts.refuse_short_users) == (_capi.GSAU_FORMAT_AUTO, 0, 0, 0)
    opts.format = 42
    assert _capi.gsau_dataset_load(ctypes.byref(out), str(BEAUTY_MINI).encode(),
                                   ctypes.byref(opts)) == -1
    assert b"format" in _capi.gsau_last_error_message()
    assert out.value is None  # untouched
    _capi.gsau_dataset_options_init(None)  # ignored


def test_last_error_is_empty_after_success_and_per_thread(tmp_path):
    st = _capi.sized(_capi.gsau_dataset_stats)
    assert _capi.gsau_dataset_stats_get(None, ctypes.byref(st)) == -9
    assert _capi.gsau_last_error_message() != b""
    info = _capi.sized(_capi.gsau_system_info)
    assert _capi.gsau_system_info_get(ctypes.byref(info)) == 0
    assert _capi.gsau_last_error_message() == b""

    # A failure on another thread leaves this thread's message alone.
    seen = []

    def fail():
        _capi.gsau_dataset_stats_get(None, ctypes.byref(_capi.sized(_capi.gsau_dataset_stats)))
        seen.append(_capi.gsau_last_error_message())

    t = threading.Thread(target=fail)
    t.start()
    t.join()
    assert seen and b"NULL" in seen[0]
    assert _capi.gsau_last_error_message() == b""


# ── Library loading ─────────────────────────────────────────────────────────────────────────

def _import_in_subprocess(env_value):
    env = dict(os.environ, GSAU_LIBRARY_PATH=env_value,
               PYTHONPATH=os.pathsep.join([str(pathlib.Path(gsau.__file__).parent.parent)]
                                          + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    return subprocess.run([sys.executable, "-c", "import gsau"], env=env, capture_output=True,
                          text=True, timeout=120)


def test_loader_error_lists_tried_paths(tmp_path):
    missing = tmp_path / "nowhere" / "libgsau.so"
    proc = _import_in_subprocess(str(missing))
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr
    assert str(missing) in proc.stderr
    assert "no such file" in proc.stderr
    assert "GSAU_LIBRARY_PATH" in proc.stderr


def test_loader_folder_in_env_var_lists_each_name(tmp_path):
    with pytest.raises(ImportError) as info:
        _loader.load_shared_library(str(tmp_path))
    text = str(info.value)
    for name in _loader.library_file_names():
        assert str(tmp_path / name) in text


def test_loader_searches_package_lib_then_find_library(tmp_path):
    pkg = tmp_path / "site" / "gsau"
    (pkg / "lib").mkdir(parents=True)
    with pytest.raises(ImportError) as info:
        _loader.load_shared_library(None, package_dir=pkg, find_library=lambda name: None)
    text = str(info.value)
    assert str(pkg / "lib" / "libgsau.so") in text
    assert 'find_library("gsau") found nothing' in text

    # A file that is not a shared library: the linker's reason is listed too.
    (pkg / "lib" / "libgsau.so").write_bytes(b"not an ELF file")
    with pytest.raises(ImportError) as info:
        _loader.load_shared_library(None, package_dir=pkg, find_library=lambda name: None)
    assert str(pkg / "lib" / "libgsau.so") in str(info.value)

    # The real library placed in the package's lib/ folder is found there.
    real = _capi._lib._name
    (pkg / "lib" / "libgsau.so").unlink()
    (pkg / "lib" / "libgsau.so").symlink_to(real)
    lib = _loader.load_shared_library(None, package_dir=pkg, find_library=lambda name: None)
    assert lib._name == str(pkg / "lib" / "libgsau.so")


def test_loader_source_tree_build_folders(tmp_path):
    repo = tmp_path / "repo"
    pkg = repo / "bindings" / "python" / "gsau"
    pkg.mkdir(parents=True)
    (repo / "include").mkdir()
    (repo / "include" / "gsau.h").write_text("/* stand-in */\n")
    with pytest.raises(ImportError) as info:
        _loader.load_shared_library(None, package_dir=pkg, find_library=lambda name: None)
    text = str(info.value)
    release = text.index(str(repo / ".build" / "release" / "libgsau.so"))
    debug = text.index(str(repo / ".build" / "debug" / "libgsau.so"))
    assert text.index(str(pkg / "lib" / "libgsau.so")) < release < debug


def test_loader_abi_mismatch_names_both_versions():
    with pytest.raises(ImportError) as info:
        _loader.load_shared_library(_capi._lib._name, expected_abi=99)
    text = str(info.value)
    assert "ABI version %d" % _loader.EXPECTED_ABI_VERSION in text and "ABI version 99" in text


def test_loader_rejects_a_library_that_is_not_gsau():
    libc = ctypes.util.find_library("c")
    if libc is None:
        pytest.skip("no libc found by ctypes.util.find_library")
    with pytest.raises(ImportError, match="gsau_abi_version"):
        _loader.load_shared_library(None, package_dir=pathlib.Path("/nonexistent/gsau"),
                                    find_library=lambda name: libc)
