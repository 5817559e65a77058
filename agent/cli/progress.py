"""A progress bar for a long pass (a first look at 30 days of mail), on a terminal only.

It appears only once a pass has run PROGRESS_AFTER seconds, so the everyday pass of a few new
emails prints nothing more than before. While it shows, log lines (-v) are printed above it.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any, Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

# A pass that ends sooner shows no bar at all.
PROGRESS_AFTER = 3.0


class PassProgress:
    """The pipeline's progress hook: (folder, done, total) → a bar on stderr, when that is a terminal."""

    def __init__(self, console: Console | None = None, clock: Callable[[], float] = time.monotonic, after: float = PROGRESS_AFTER) -> None:
        self.console = console or Console(stderr=True)
        self.clock = clock
        self.after = after
        self.started = clock()
        self.bar: Progress | None = None
        self._task = TaskID(0)
        self._streams: list[tuple[logging.StreamHandler[Any], IO[str]]] = []

    def __call__(self, folder: str, done: int, total: int) -> None:
        if self.bar is None:
            if not self.console.is_terminal or done >= total or self.clock() - self.started < self.after:
                return
            self._start()
        assert self.bar is not None
        self.bar.update(self._task, description=f"reading {folder}", completed=done, total=total)

    def _start(self) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=self.console, transient=True
        )
        self._task = self.bar.add_task("reading", total=None)
        # The bar sends what is written to sys.stderr above itself; logging's handlers still hold the
        # old stream, so point them at the new one, or every log line would tear the bar apart.
        before = sys.stderr
        ours = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler) and h.stream is before]
        self.bar.start()
        if sys.stderr is not before:
            for handler in ours:
                self._streams.append((handler, before))
                handler.setStream(sys.stderr)

    def close(self) -> None:
        """Take the bar off the screen and give logging its stream back."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        for handler, stream in self._streams:
            handler.setStream(stream)
        self._streams.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
