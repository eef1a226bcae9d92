"""Exceptions raised by the gsau binding.

Every failing C call (a negative ``gsau_status``) becomes one of these. Each exception carries

* ``.status``  -- the C status code (``GSAU_E_*``, a negative int), and
* ``.message`` -- the library's message (``gsau_last_error_message()``), which names the
  function and the offending argument, file:line or id.

The classes also derive from the matching built-in exception where one exists, so callers can
catch ``ValueError``, ``KeyError``, ``OSError`` or ``MemoryError`` without knowing about gsau.
"""

from __future__ import annotations

from typing import Dict, Optional, Type

__all__ = [
    "GSAUError",
    "InvalidArgumentError",
    "UnknownIDError",
    "GSAUIOError",
    "MalformedInputError",
    "CorruptFileError",
    "VersionMismatchError",
    "OutOfMemoryError",
    "AbortedError",
    "MisuseError",
    "NumericalError",
    "InternalError",
    "error_class_for_status",
]


class GSAUError(Exception):
    """Base class of every error reported by the gsau library.

    ``status`` is the C status code (``None`` for errors raised before any C call), ``message``
    the library's text. ``str(err)`` is the message, unchanged.
    """

    #: C status code of this class (``GSAU_E_*``); ``None`` for the base class.
    default_status: Optional[int] = None

    def __init__(self, message: str = "", status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = self.default_status if status is None else status

    def __str__(self) -> str:  # KeyError/OSError would otherwise quote or reformat the message
        return self.message

    def __reduce__(self):  # keep status across pickling (multiprocessing, concurrent.futures)
        return (type(self), (self.message, self.status))


class InvalidArgumentError(GSAUError, ValueError):
    """GSAU_E_INVALID_ARGUMENT: a value out of its documented range, or a NULL pointer."""

    default_status = -1


class UnknownIDError(GSAUError, KeyError):
    """GSAU_E_UNKNOWN_ID: a user or item id the dataset or model does not know."""

    default_status = -2


class GSAUIOError(GSAUError, OSError):
    """GSAU_E_IO: the OS refused a file operation (missing file, permissions)."""

    default_status = -3


class MalformedInputError(GSAUError, ValueError):
    """GSAU_E_MALFORMED_INPUT: a data file does not follow its format (message: file:line)."""

    default_status = -4


class CorruptFileError(GSAUError, ValueError):
    """GSAU_E_CORRUPT_FILE: a checkpoint failed validation (a damaged or foreign file)."""

    default_status = -5


class VersionMismatchError(GSAUError, ValueError):
    """GSAU_E_VERSION_MISMATCH: a checkpoint or struct of an unsupported version."""

    default_status = -6


class OutOfMemoryError(GSAUError, MemoryError):
    """GSAU_E_OUT_OF_MEMORY."""

    default_status = -7


class AbortedError(GSAUError):
    """GSAU_E_ABORTED: a callback asked to stop."""

    default_status = -8


class MisuseError(GSAUError):
    """GSAU_E_MISUSE: a NULL, freed or wrong handle reached the library (a binding bug)."""

    default_status = -9


class NumericalError(GSAUError):
    """GSAU_E_NUMERICAL: non-finite loss or parameters."""

    default_status = -10


class InternalError(GSAUError):
    """GSAU_E_INTERNAL: a bug in gsau; please report it with the message."""

    default_status = -11


_BY_STATUS: Dict[int, Type[GSAUError]] = {
    cls.default_status: cls  # type: ignore[misc]
    for cls in (
        InvalidArgumentError,
        UnknownIDError,
        GSAUIOError,
        MalformedInputError,
        CorruptFileError,
        VersionMismatchError,
        OutOfMemoryError,
        AbortedError,
        MisuseError,
        NumericalError,
        InternalError,
    )
}


def error_class_for_status(status: int) -> Type[GSAUError]:
    """The exception class for a negative status; ``GSAUError`` for codes this binding does not
    know (the header asks callers to treat any unknown negative code as an error)."""
    return _BY_STATUS.get(status, GSAUError)
