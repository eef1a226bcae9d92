#!/usr/bin/env bash
# Installs what gsau needs and the machine lacks, each only when absent:
#   - libopenblas-dev (Debian package; provides cblas.h, libopenblas and openblas.pc)
#   - pkg-config (SwiftPM uses it to find OpenBLAS)
#   - patchelf (auditwheel repair sets the RPATH of the wheel's libgsau.so with it)
#   - numpy, pytest and safetensors for the Python binding's tests (pip, user site when not root;
#     safetensors reads the export back in test_export.py)
#   - pandas and numpydoc: the binding's DataFrame tests and its docstring-format check (pip)
#   - wheel and auditwheel for `make wheel` (pip; wheel gives setuptools < 70.1 its bdist_wheel)
#   - ray[data] (pulls pyarrow) and faiss-cpu: the binding's Ray scoring and faiss index tests
#     (pip; about 155 MB to download, 480 MB installed; see docs/SCALING.md)
# Prints what it does; does nothing when everything is present.
set -euo pipefail

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if ! pkg-config --exists openblas 2>/dev/null; then
    need_apt+=(libopenblas-dev)
fi
command -v patchelf >/dev/null 2>&1 || need_apt+=(patchelf)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "install-deps: installing ${need_apt[*]} with apt-get"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if ! $sudo apt-get install -y --no-install-recommends "${need_apt[@]}"; then
        $sudo apt-get update
        $sudo apt-get install -y --no-install-recommends "${need_apt[@]}"
    fi
fi

PYTHON=${PYTHON:-python3}
missing_py=()
for module in numpy pytest safetensors wheel auditwheel pandas numpydoc; do
    "$PYTHON" -c "import $module" >/dev/null 2>&1 || missing_py+=("$module")
done
if [ ${#missing_py[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing_py[*]} with pip"
    user=""
    [ "$(id -u)" -ne 0 ] && user="--user"
    "$PYTHON" -m pip install $user "${missing_py[@]}"
fi

# pip names differ from module names here: ray[data] is checked by importing ray.data and pyarrow.
missing_pip=()
"$PYTHON" -c "import ray.data, pyarrow" >/dev/null 2>&1 || missing_pip+=("ray[data]")
"$PYTHON" -c "import faiss" >/dev/null 2>&1 || missing_pip+=(faiss-cpu)
if [ ${#missing_pip[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing_pip[*]} with pip"
    user=""
    [ "$(id -u)" -ne 0 ] && user="--user"
    "$PYTHON" -m pip install $user "${missing_pip[@]}"
fi
