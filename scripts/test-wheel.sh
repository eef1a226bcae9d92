#!/usr/bin/env bash
# Installs a gsau wheel (built by `make wheel`) into a fresh virtual environment outside the
# repository and uses it the way a user would: fit / recommend / save / load on the tiny parity
# sample, from a working directory outside the repository, with GSAU_LIBRARY_PATH unset and an
# empty environment. Where `unshare -m` is permitted (root), the run also cannot see the Swift
# toolchain, the repository (so no build folder) or the system's OpenBLAS: each is covered by an
# empty folder in a private mount namespace. The Python check asserts, from /proc/self/maps, that
# the libgsau and OpenBLAS in the process are the ones inside the venv's site-packages.
#
# usage: scripts/test-wheel.sh dist/gsau-<version>-py3-none-<platform>.whl
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 WHEEL" >&2; exit 2; }
wheel=$(readlink -f "$1")
repo=$(cd "$(dirname "$0")/.." && pwd -P)
PYTHON=${PYTHON:-python3}

tmp=$(mktemp -d -t gsau-wheel-test.XXXXXX)   # under $TMPDIR (default /tmp)
trap 'rm -rf "$tmp"' EXIT
case "$tmp/" in "$repo"/*) echo "test-wheel: $tmp is inside the repository" >&2; exit 1;; esac
cp "$repo/Tests/GSAUTests/Fixtures/parity/tiny.txt" "$tmp/tiny.txt"
cd "$tmp"

echo "test-wheel: fresh venv in $tmp, installing $(basename "$wheel") (numpy from the pip cache or PyPI)"
"$PYTHON" -m venv venv
env -u GSAU_LIBRARY_PATH -u PYTHONPATH venv/bin/python -m pip install -q --disable-pip-version-check "$wheel"

site=$(venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
installed="$site/gsau/lib/libgsau.so"
[ -f "$installed" ] || { echo "test-wheel: the wheel did not install $installed" >&2; exit 1; }
if ldd "$installed" | grep -i -E 'swift|libdispatch|BlocksRuntime|Foundation'; then
    echo "test-wheel: the installed libgsau.so needs the Swift runtime" >&2; exit 1
fi
if ! ldd "$installed" | grep -E 'libopenblas.*=> ' | grep -F "$site/" | grep -F '/gsau.libs/' >/dev/null; then
    echo "test-wheel: the installed libgsau.so does not resolve OpenBLAS inside the wheel:" >&2
    ldd "$installed" >&2; exit 1
fi

cat > check.py <<'EOF'
import os, pathlib, sys, sysconfig

repo = sys.argv[1]
assert "GSAU_LIBRARY_PATH" not in os.environ, "GSAU_LIBRARY_PATH is set"
assert not os.getcwd().startswith(repo), "working directory inside the repository"
site = pathlib.Path(sysconfig.get_paths()["platlib"]).resolve()

import gsau
from gsau import _loader

package = pathlib.Path(gsau.__file__).resolve().parent
assert package.parent == site, "gsau imported from %s, not from %s" % (package, site)
assert pathlib.Path(_loader.loaded_path).resolve() == package / "lib" / "libgsau.so", _loader.loaded_path

mapped = sorted({line.split()[-1] for line in open("/proc/self/maps")
                 if len(line.split()) >= 6 and ".so" in line.split()[-1]})
gsau_libs = [p for p in mapped if "libgsau" in os.path.basename(p)]
blas_libs = [p for p in mapped if "openblas" in os.path.basename(p)]
assert gsau_libs == [str(package / "lib" / "libgsau.so")], gsau_libs
# gsau's own (numpy's wheel maps its symbol-prefixed scipy-openblas from numpy.libs/ as well)
bundled_blas = [p for p in blas_libs if p.startswith(str(site / "gsau.libs") + "/")]
assert bundled_blas, blas_libs
assert all(p.startswith(str(site) + "/") for p in blas_libs), "OpenBLAS from outside the venv: %s" % blas_libs
bad = [p for p in mapped if "swift" in p.lower() or "libdispatch" in p or p.startswith(repo + "/")]
assert not bad, "mapped from the toolchain or the repository: %s" % bad

# the wheel records the CPU features its library was built for; a CPU without one is refused
features = package / "lib" / _loader.CPU_FEATURES_FILE
if os.uname().machine == "x86_64" and os.environ.get("GSAU_PORTABLE") != "1":
    assert features.read_text().split() == ["avx2", "fma"], features
fake = pathlib.Path("fake-package")
(fake / "lib").mkdir(parents=True)
(fake / "lib" / "libgsau.so").write_bytes(b"")
(fake / "lib" / _loader.CPU_FEATURES_FILE).write_text("no-such-cpu-flag\n")
try:
    _loader.load_shared_library(None, package_dir=fake, find_library=lambda name: None)
    raise AssertionError("a library needing a CPU flag this CPU lacks was loaded")
except ImportError as e:
    assert "built for CPUs with no-such-cpu-flag, which this CPU lacks" in str(e), str(e)

info = gsau.system_info()
model = gsau.GSAU("gsau-rec", epochs=1, random_state=7)
model.fit("tiny.txt", show_progress=False)
ids, scores = model.recommend("1", N=5, filter_already_liked_items=True)
assert len(ids) == 5 and all(s1 >= s2 for s1, s2 in zip(scores, scores[1:])), (ids, scores)
model.save("tiny.gsau")
model.close()
with gsau.GSAU.load("tiny.gsau") as served:
    ids2, scores2 = served.recommend("1", N=5, filter_already_liked_items=True)
assert list(ids2) == list(ids) and list(scores2) == list(scores), (ids, ids2, scores, scores2)
print("test-wheel: gsau %s from %s" % (gsau.version(), _loader.loaded_path))
print("test-wheel: OpenBLAS %s (core %s), fit 1 epoch on tiny.txt, top-5 for user 1: %s; "
      "save + load give the same list" % (", ".join(os.path.basename(p) for p in bundled_blas),
                                          info["blas_core_name"], " ".join(ids)))
EOF

run=(env -i PATH=/usr/bin:/bin HOME="$tmp" LD_LIBRARY_PATH= GSAU_PORTABLE="${GSAU_PORTABLE:-}" "$tmp/venv/bin/python" check.py "$repo")
hide=("$repo")
swift=$(command -v swift || true)
if [ -n "$swift" ]; then
    toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift")")")")   # <toolchain>/usr/bin/swift
    [ "$toolchain" != / ] && hide+=("$toolchain")
fi
# awk reads all of ldconfig's output (an early exit would end ldconfig by SIGPIPE, and pipefail
# would turn that into a failure of this script).
system_blas=$(ldconfig -p | awk '!found && /libopenblas\.so\.0 .*x86-64|libopenblas\.so\.0 / {print $NF; found = 1}')
if [ -n "$system_blas" ]; then
    blas_dir=$(dirname "$(readlink -f "$system_blas")")
    case "$(basename "$blas_dir")" in *openblas*) hide+=("$blas_dir");; esac   # never a shared lib folder
fi
mkdir empty
if unshare -m true 2>/dev/null; then
    echo "test-wheel: hiding ${hide[*]} (unshare -m + bind-mounted empty folders)"
    unshare -m sh -c 'empty=$1; shift; n=$1; shift
        i=0; while [ $i -lt "$n" ]; do mount --bind "$empty" "$1" || exit 1; shift; i=$((i+1)); done
        exec "$@"' sh "$tmp/empty" "${#hide[@]}" "${hide[@]}" "${run[@]}"
else
    echo "test-wheel: unshare -m is not permitted here: the toolchain stays visible (ldd shows no Swift library; empty environment)"
    "${run[@]}"
fi
echo "test-wheel: ok"
