"""Where a pass's fetch batches are parsed and classified: in this process, or, for a long backlog, on every core.

With worker processes (agent/classifier/pool.py) the pass keeps a few batches in flight: it
fetches the next batch while the workers parse and classify the ones before, and takes their
results back in order. Fetching, recording and drafting stay in the pass's own process and
thread, one batch after the other, as without workers; only what the workers compute moves.
A pool that breaks (a worker killed) is given up for the rest of the pass: what it held is
classified here instead, so nothing fetched is lost.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import TYPE_CHECKING

from agent.domain import MailSource, RawEmail
from agent.parse import parse_raw

if TYPE_CHECKING:
    from agent.cores import ClassifierPool, Outcome
    from agent.pipeline import Processor

log = logging.getLogger(__name__)

# A backlog this long is worth worker processes that start as copies of this one (milliseconds)...
FORKED_FROM = 200
# ...or, in a process with other threads running, workers that load the pipeline afresh (seconds).
SPAWNED_FROM = 2000
# Batches in flight per worker: one being classified, one waiting, so no worker idles between them.
IN_FLIGHT_PER_WORKER = 2


class Classifying:
    """A pass over one folder's batches, with or without worker processes; close it (or use `with`)."""

    def __init__(self, processor: Processor, folder: str, backlog: int) -> None:
        self.processor = processor
        self.folder = folder
        self.pool: ClassifierPool | None = None
        processes = processor.options.processes
        if processes > 1 and backlog >= _worthwhile() and hasattr(processor.source, "fetch_raw"):
            from agent.cores import ClassifierPool

            self.pool = ClassifierPool(processor.classifier, processor.writer, processes)

    def run(self, batches: Sequence[Sequence[int]]) -> Iterator[list[Outcome]]:
        """Each batch's (email, classification) pairs, in order; an email already recorded comes with KNOWN."""
        if self.pool is None:
            for uids in batches:
                yield self.processor.classify(list(self.processor.source.fetch(self.folder, uids)))
            return
        depth = IN_FLIGHT_PER_WORKER * self.pool.processes
        if self.processor.open_reader is not None:
            yield from self._read_beside(batches, self.processor.open_reader, depth)
            return
        flight: deque[tuple[list[RawEmail], Future[list[Outcome]] | None]] = deque()
        for uids in batches:
            raws = list(self.processor.source.fetch_raw(self.folder, uids))  # type: ignore[attr-defined]
            flight.append((raws, self._submit(raws)))
            if len(flight) >= depth:
                yield self._result(*flight.popleft())
        while flight:
            yield self._result(*flight.popleft())

    def _read_beside(self, batches: Sequence[Sequence[int]], open_reader: Callable[[], MailSource], depth: int) -> Iterator[list[Outcome]]:
        """Fetch on a connection of its own, in a thread, while this one records and drafts: IMAP waits overlap the work.

        The thread only reads (EXAMINE, FETCH BODY.PEEK) and hands over each batch in order; what
        is recorded, and when, is decided here as before.
        """
        handed: queue.Queue[tuple[list[RawEmail], Future[list[Outcome]] | None] | BaseException | None] = queue.Queue(maxsize=depth)
        stop = threading.Event()

        def read() -> None:
            try:
                source = open_reader()
                try:
                    for uids in batches:
                        if stop.is_set():
                            return
                        raws = list(source.fetch_raw(self.folder, uids))  # type: ignore[attr-defined]
                        handed.put((raws, self._submit(raws)))
                finally:
                    source.close()
            except BaseException as exc:  # noqa: BLE001 - handed over, raised in the pass's own thread
                handed.put(exc)
            finally:
                handed.put(None)

        reader = threading.Thread(target=read, name=f"rebound-read-{self.folder}", daemon=True)
        reader.start()
        try:
            while (item := handed.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield self._result(*item)
        finally:
            stop.set()
            while reader.is_alive():  # let a reader blocked on a full queue see the stop
                with contextlib.suppress(queue.Empty):
                    handed.get(timeout=0.1)
            reader.join()

    def _submit(self, raws: list[RawEmail]) -> Future[list[Outcome]] | None:
        """The batch handed to a worker; None when the workers are gone (it is classified here when its turn comes)."""
        pool = self.pool
        if pool is None:
            return None
        try:
            return pool.submit(raws, self.processor.clock())
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down meanwhile: _result says so
            return None

    def _result(self, raws: list[RawEmail], future: Future[list[Outcome]] | None) -> list[Outcome]:
        if future is None:
            self._give_up("a worker could not take a batch")
            return self._here(raws)
        try:
            outcomes = future.result()
        except BrokenProcessPool as exc:
            self._give_up(exc)
            return self._here(raws)
        # Mail already recorded was classified all the same (the workers parse it, so they see its
        # Message-ID first); the pass moves past it without recording it again.
        known = self.processor.store.known_message_ids(self.processor.options.account, [m.message_id for m, _, _ in outcomes])
        return [(mail, None if mail.message_id in known else result, drafted) for mail, result, drafted in outcomes]

    def _here(self, raws: list[RawEmail]) -> list[Outcome]:
        return self.processor.classify([parse_raw(raw) for raw in raws])

    def _give_up(self, why: object) -> None:
        if self.pool is not None:
            log.warning("the classifying processes stopped (%s); classifying the rest of %s here", why, self.folder)
            self.close()

    def close(self) -> None:
        """Stop the workers, if any."""
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.close()

    def __enter__(self) -> Classifying:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _worthwhile() -> int:
    """The backlog from which workers pay for their start."""
    return FORKED_FROM if threading.active_count() == 1 else SPAWNED_FROM
