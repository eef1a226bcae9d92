"""Training progress: the Python side of ``gsau_progress_fn``, for one training call::

    with _Progress(show, callback, epochs, desc) as progress:
        status = _capi.gsau_train(..., progress.c_function, None)
    ...
    progress.reraise()

It shows a tqdm bar (or one line per epoch on stderr), calls the user's epoch callback, and never
lets an exception reach C: it records it, asks the library to stop, and ``reraise()`` raises it
once the call has returned.

Nothing here is public API.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Optional

from . import _capi


class _Progress:
    """The progress of one training call; ``c_function`` exists inside the ``with`` block."""

    def __init__(self, show: bool, callback: Optional[Callable[..., Any]], epochs: int,
                 desc: str) -> None:
        self.show = show
        self.callback = callback
        self.epochs = epochs
        self.desc = desc
        self.error: Optional[BaseException] = None
        self.stopped_by_callback = False
        self.c_function: Any = None
        self.bar: Any = None
        self.tqdm: Any = None
        if show:
            try:
                from tqdm.auto import tqdm
                self.tqdm = tqdm
            except ImportError:
                self.tqdm = None

    def __enter__(self) -> "_Progress":
        self.c_function = _capi.gsau_progress_fn(self)  # referenced until the block ends
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.c_function = None
        if self.bar is not None:
            try:
                self.bar.close()
            except Exception:
                pass
            self.bar = None

    def __call__(self, epoch: int, step: int, steps: int, loss: float, valid_score: float,
                 user_data: Any) -> int:
        if self.error is not None or self.stopped_by_callback:
            return 1
        try:
            if step >= 0:
                if self.tqdm is not None:
                    if self.bar is None:
                        self.bar = self.tqdm(total=steps * self.epochs, desc=self.desc,
                                             unit="step", file=sys.stderr)
                    self.bar.update(1)
                return 0
            if self.bar is not None:
                self.bar.set_postfix(epoch=epoch + 1, loss="%.4g" % loss,
                                     valid="%.4f" % valid_score, refresh=True)
            elif self.show:
                sys.stderr.write("%s: epoch %d/%d  loss %.6g  valid NDCG@20 %.4f\n"
                                 % (self.desc, epoch + 1, self.epochs, loss, valid_score))
                sys.stderr.flush()
            if self.callback is not None:
                result = self.callback(int(epoch), float(loss), float(valid_score))
                if result is not None and not result:
                    self.stopped_by_callback = True
                    return 1
            return 0
        except BaseException as e:  # including KeyboardInterrupt: raised again by reraise()
            self.error = e
            return 1

    def reraise(self) -> None:
        """Raises the exception the callback or the display raised during the call, if any."""
        if self.error is not None:
            raise self.error
