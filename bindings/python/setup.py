"""Wheel tagging for the gsau binding; the metadata lives in pyproject.toml.

The Python code is pure (ctypes), so a wheel built from the source tree alone is ``py3-none-any``.
``make wheel`` builds from a staging copy whose ``gsau/lib/`` holds the self-contained
``libgsau.so`` (the ``make dist`` build). Such a wheel is a platform wheel: it installs into
platlib and is tagged ``py3-none-<platform>`` (any Python 3: the package has no extension module,
only a shared library loaded through ctypes), which ``auditwheel repair`` then turns into the
manylinux tag the library's symbol versions allow.
"""

import pathlib

from setuptools import setup
from setuptools.dist import Distribution

try:  # setuptools >= 70.1 has the command itself; before that it came from the wheel package
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:
    from wheel.bdist_wheel import bdist_wheel

_LIB_DIR = pathlib.Path(__file__).resolve().parent / "gsau" / "lib"
_BUNDLES_LIBRARY = any(p.name.startswith(("libgsau.so", "libgsau.dylib", "gsau.dll"))
                       for p in (_LIB_DIR.iterdir() if _LIB_DIR.is_dir() else ()))


class _Distribution(Distribution):
    def has_ext_modules(self):
        return _BUNDLES_LIBRARY or super().has_ext_modules()


class _BdistWheel(bdist_wheel):
    def get_tag(self):
        python, abi, platform = super().get_tag()
        if _BUNDLES_LIBRARY:
            return "py3", "none", platform
        return python, abi, platform


setup(distclass=_Distribution, cmdclass={"bdist_wheel": _BdistWheel})
