"""Drafts put on the server beside a long pass: a thread with an IMAP connection of its own.

Placing a draft is IMAP work (Drafts, Sent and Trash searched, then an APPEND) that waits on the
server; recording the next batch is work in this process. With a backlog long enough for worker
processes (agent/classifying.py), a batch's drafts are handed, once its transaction is committed,
to a thread that places them in order through the same Ledger as ever, while the pass records
the next batch. Nothing changes for exactly-once: a draft is handed over only once recorded as
pending, and the Ledger looks on the server before every APPEND; one the thread never reaches (a
crash) is still pending, and the next pass places it.

Only an email in the thread of a draft still in the hands of the thread could read our drafts
differently (pending rather than sent or discarded): the pass waits for such drafts first (wait_for).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType

from agent.domain import MailSource
from agent.ledger import Ledger
from agent.records import StoredDraft
from agent.store import Store

log = logging.getLogger(__name__)


class Placer:
    """Places the drafts handed to it, in order, on a connection of its own; close() (or `with`) waits for the last."""

    def __init__(self, open_source: Callable[[], MailSource], store: Store, account: str, drafts_folder: str) -> None:
        self.open_source = open_source
        self.store = store
        self.account = account
        self.drafts_folder = drafts_folder
        self.placed = 0
        self._handed: queue.Queue[list[StoredDraft] | None] = queue.Queue()
        self._lock = threading.Condition()
        self._in_hand: list[StoredDraft] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="rebound-drafts", daemon=True)
        self._thread.start()

    def hand(self, drafts: Sequence[StoredDraft]) -> None:
        """Drafts recorded (and committed) as pending, to place after those handed before."""
        self._raise()
        if drafts:
            with self._lock:
                self._in_hand.extend(drafts)
            self._handed.put(list(drafts))

    def wait_for(self, message_ids: Iterable[str]) -> None:
        """Until no draft answering (or being) one of these Message-IDs is left to place."""
        wanted = {m for m in message_ids if m}
        with self._lock:
            while self._error is None and any(d.parent_message_id in wanted or d.message_id in wanted for d in self._in_hand):
                self._lock.wait()
        self._raise()

    def close(self) -> int:
        """Wait until every draft handed over is placed; how many were APPENDed. Raises what stopped the thread."""
        self._handed.put(None)
        self._thread.join()
        self._raise()
        return self.placed

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        source: MailSource | None = None
        try:
            source = self.open_source()
            ledger = Ledger(source, self.store, self.account)
            while (drafts := self._handed.get()) is not None:
                self.placed += ledger.place_all(drafts, self.drafts_folder)
                with self._lock:
                    del self._in_hand[: len(drafts)]
                    self._lock.notify_all()
        except BaseException as exc:  # noqa: BLE001 - raised in the pass's own thread, at its next hand() or close()
            with self._lock:
                self._error = exc
                self._lock.notify_all()
        finally:
            if source is not None:
                source.close()

    def __enter__(self) -> Placer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None:
            return  # the pass calls close() itself, to count what was placed
        self._handed.put(None)
        self._thread.join()
