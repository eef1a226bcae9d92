#!/usr/bin/env bash
# Installs what gsau needs and the machine lacks, each only when absent:
#   - libopenblas-dev (Debian package; provides cblas.h, libopenblas and openblas.pc)
#   - pkg-config (SwiftPM uses it to find OpenBLAS)
#   - patchelf (auditwheel repair sets the RPATH of the wheel's libgsau.so with it)
#   - numpy, pytest and safetensors for the Python binding's tests (pip, user site when not root;
#     safetensors reads the export back in test_export.py)
#   - pandas and numpydoc: the binding's DataFrame tests and its docstring-format check (pip)
#   - wheel and auditwheel for `make wheel` (pip; wheel gives setuptools < 70.1 its bdist_wheel)
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
