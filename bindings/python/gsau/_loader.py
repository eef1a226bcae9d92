"""Finds and loads libgsau, in the manner of llama-cpp-python's ``load_shared_library``.

Search order:

1. ``GSAU_LIBRARY_PATH``: a library file, or a folder holding one. When this variable is set it
   is the only place searched: a user who names a library must get that library or an error,
   never a different copy found elsewhere.
2. The package's own ``gsau/lib/`` folder (where a wheel bundles the library).
3. The repository's SwiftPM build folders, when the package is imported from the source tree
   (``<repo>/bindings/python/gsau``): ``<repo>/.build/release``, then ``<repo>/.build/debug``.
4. ``ctypes.util.find_library("gsau")`` (the system linker's search path).

On failure ``ImportError`` lists every path tried and why each failed; when a library was found
but OpenBLAS (its one dependency outside libc/libstdc++) could not be loaded, it says which package
to install. A library whose folder holds ``cpu-features.txt`` (the wheel's, built for Haswell-class
CPUs) is skipped, with the reason, on a CPU that lacks a feature listed there. After loading, the library's ``gsau_abi_version()`` must equal
:data:`EXPECTED_ABI_VERSION`, and :data:`loaded_path` holds the path that was loaded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pathlib
import sys
from typing import Callable, List, Optional, Tuple, Union

__all__ = ["EXPECTED_ABI_VERSION", "ENV_VAR", "library_file_names", "candidate_paths",
           "load_shared_library", "loaded_path"]

#: The GSAU_ABI_VERSION this binding was written against (gsau.h).
EXPECTED_ABI_VERSION = 6

#: Environment variable naming a library file or a folder holding one.
ENV_VAR = "GSAU_LIBRARY_PATH"

_PACKAGE_DIR = pathlib.Path(__file__).resolve().parent

#: The path (or bare name) of the library the last successful :func:`load_shared_library` loaded.
loaded_path: Optional[str] = None

_OPENBLAS_HINT = ("libgsau needs OpenBLAS (libopenblas.so.0), which was not found: install it with "
                  "`apt-get install libopenblas0` (Debian/Ubuntu; libopenblas-dev to build gsau), "
                  "`dnf install openblas` (Fedora/RHEL) or `pacman -S openblas`, "
                  "or install the gsau wheel built by `make wheel`, which bundles it")

#: Written by `make wheel` next to the bundled library: the /proc/cpuinfo flags it was built for.
CPU_FEATURES_FILE = "cpu-features.txt"


def _missing_cpu_features(library: str) -> List[str]:
    """The flags listed in ``cpu-features.txt`` beside ``library`` that this CPU lacks."""
    wanted_file = pathlib.Path(library).parent / CPU_FEATURES_FILE
    try:
        wanted = wanted_file.read_text().split()
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), None)
    except OSError:  # no file (a library built for this machine), or no /proc: nothing to check
        return []
    return [] if flags is None else [w for w in wanted if w not in flags]


# (path or name, origin) pairs; origin says where a candidate came from, for the error text.
_Candidate = Tuple[str, str]


def library_file_names(platform: Optional[str] = None) -> List[str]:
    """File names of the library on this platform, preferred first."""
    platform = sys.platform if platform is None else platform
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return ["libgsau.so", "libgsau.so.%d" % EXPECTED_ABI_VERSION]
    if platform == "darwin":
        return ["libgsau.dylib", "libgsau.%d.dylib" % EXPECTED_ABI_VERSION]
    if platform in ("win32", "cygwin"):
        return ["gsau.dll", "libgsau.dll"]
    return ["libgsau.so"]


def _repo_root(package_dir: pathlib.Path) -> Optional[pathlib.Path]:
    """``<repo>`` when ``package_dir`` is ``<repo>/bindings/python/gsau`` in a gsau checkout."""
    root = package_dir.parent.parent.parent
    if (package_dir.parent.name == "python" and package_dir.parent.parent.name == "bindings"
            and (root / "include" / "gsau.h").is_file()):
        return root
    return None


def candidate_paths(env_value: Optional[str] = None,
                    package_dir: Optional[pathlib.Path] = None,
                    find_library: Optional[Callable[[str], Optional[str]]] = None,
                    ) -> Tuple[List[_Candidate], List[str]]:
    """The ordered list of ``(path, origin)`` candidates, plus notes on sources that gave none.

    ``env_value`` is the value of ``GSAU_LIBRARY_PATH`` (``None`` or ``""``: unset). The other
    arguments exist for tests.
    """
    package_dir = _PACKAGE_DIR if package_dir is None else package_dir
    find_library = ctypes.util.find_library if find_library is None else find_library
    names = library_file_names()
    candidates: List[_Candidate] = []
    notes: List[str] = []

    if env_value:
        p = pathlib.Path(env_value).expanduser()
        origin = "%s=%s" % (ENV_VAR, env_value)
        if p.is_dir():
            candidates.extend((str(p / n), origin) for n in names)
        else:  # a file, or a path that does not exist (reported as such when loading)
            candidates.append((str(p), origin))
        notes.append("%s is set, so no other location was searched (unset it to search the "
                     "package's lib/ folder, the source tree's build folders and the system)"
                     % ENV_VAR)
        return candidates, notes

    candidates.extend((str(package_dir / "lib" / n), "package lib/ folder") for n in names)

    repo = _repo_root(package_dir)
    if repo is not None:
        for config in ("release", "debug"):
            candidates.extend((str(repo / ".build" / config / n), "source tree build folder")
                              for n in names)
    else:
        notes.append("not imported from a gsau source tree, so no .build/ folder was searched")

    found = find_library("gsau")
    if found:
        candidates.append((found, 'ctypes.util.find_library("gsau")'))
    else:
        notes.append('ctypes.util.find_library("gsau") found nothing')
    return candidates, notes


def _check_abi(lib: ctypes.CDLL, path: str, expected_abi: int) -> None:
    try:
        fn = lib.gsau_abi_version
    except AttributeError:
        raise ImportError("%s was loaded but does not export gsau_abi_version(): it is not "
                          "libgsau" % path) from None
    fn.argtypes = []
    fn.restype = ctypes.c_int32
    abi = fn()
    if abi != expected_abi:
        raise ImportError(
            "%s has ABI version %d, but this gsau binding expects ABI version %d; rebuild or "
            "reinstall the library and the binding from the same gsau release (or point %s "
            "at a matching library)" % (path, abi, expected_abi, ENV_VAR))


_FROM_ENVIRONMENT = object()


def load_shared_library(env_value: Union[str, None, object] = _FROM_ENVIRONMENT,
                        package_dir: Optional[pathlib.Path] = None,
                        find_library: Optional[Callable[[str], Optional[str]]] = None,
                        expected_abi: int = EXPECTED_ABI_VERSION) -> ctypes.CDLL:
    """Loads libgsau (see the module docstring for the search order) and checks its ABI.

    ``env_value`` defaults to the value of ``GSAU_LIBRARY_PATH``; the arguments exist for tests.
    Raises ImportError listing every candidate tried and why each failed.
    """
    if env_value is _FROM_ENVIRONMENT:
        env_value = os.environ.get(ENV_VAR)
    candidates, notes = candidate_paths(env_value, package_dir, find_library)  # type: ignore[arg-type]

    global loaded_path
    tried: List[str] = []
    missing_openblas = False
    for path, origin in candidates:
        # A bare name (from find_library) is resolved by the dynamic linker; a path must exist.
        is_bare_name = os.sep not in path and not os.path.isabs(path)
        if not is_bare_name and not os.path.exists(path):
            tried.append("%s (%s): no such file" % (path, origin))
            continue
        if not is_bare_name and os.path.isdir(path):
            tried.append("%s (%s): is a folder" % (path, origin))
            continue
        missing = [] if is_bare_name else _missing_cpu_features(path)
        if missing:
            tried.append("%s (%s): built for CPUs with %s, which this CPU lacks (build a wheel for "
                         "any x86-64 CPU with `GSAU_PORTABLE=1 make wheel` after removing "
                         ".build-dist)" % (path, origin, ", ".join(missing)))
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, origin, e))
            missing_openblas = missing_openblas or "libopenblas" in str(e)
            continue
        _check_abi(lib, path, expected_abi)
        loaded_path = path
        return lib

    lines = ["gsau: cannot load the gsau shared library (libgsau). Paths tried:"]
    lines.extend("  - " + t for t in tried)
    if not tried:
        lines.append("  (none)")
    lines.extend("  note: " + n for n in notes)
    if missing_openblas:
        lines.append(_OPENBLAS_HINT + ".")
    lines.append("Build it with `swift build -c release --product gsau` in the gsau repository, "
                 "or set %s to the library file or its folder." % ENV_VAR)
    raise ImportError("\n".join(lines))
