"""Push from every watched folder: one IDLE connection per folder, each waking the daemon's next pass.

IMAP IDLE (RFC 2177) reports changes only for the selected folder, and a connection busy with a
pass hears nothing: so each watched folder gets a connection of its own that does nothing but
IDLE, the way well-kept clients (Thunderbird, mbsync's IMAP IDLE users) watch several folders.
A watcher sets one shared event; the daemon clears it just before a pass, so mail that arrives
*during* a pass leaves it set and the next pass starts at once.

Whenever a watcher (re)enters IDLE it also sets the event: in the moment between two IDLE
commands (every few minutes, and after a reconnect) the server may report new mail in a
response we do not read, and a pass that finds nothing new costs one SEARCH.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from agent.daemon import Backoff
from agent.errors import AuthError, ConfigError, ReboundError
from agent.mailbox import ImapMailbox

log = logging.getLogger(__name__)

# Re-issue IDLE well inside the 29 minutes RFC 2177 allows.
IDLE_SECONDS = 10 * 60
# How long close() waits for a watcher to notice the stop flag (it polls once a second).
JOIN_SECONDS = 5.0


class FolderWatcher(threading.Thread):
    """IDLE on one folder over a connection of its own, until stopped; never raises."""

    def __init__(self, folder: str, connect: Callable[[], ImapMailbox], wake: threading.Event, stop: threading.Event) -> None:
        # Named after the thread that starts it: a worker's account thread is named after the account.
        super().__init__(name=f"{threading.current_thread().name}:idle:{folder}", daemon=True)
        self.folder = folder
        self.connect = connect
        self.wake = wake
        self.stop = stop
        self.idling = threading.Event()
        self.unsupported = threading.Event()
        self.backoff = Backoff()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self._watch()
            except (AuthError, ConfigError):
                # Refused credentials are the daemon's to wait out (logged once, long backoff): wake it
                # so its own connection meets them, and stop here rather than retry a wrong password.
                self.wake.set()
                return
            except ReboundError as exc:
                self.idling.clear()
                delay = self.backoff.next_delay()
                log.info("watching %s: %s; reconnecting in %.0f s", self.folder, exc, delay)
                self.stop.wait(delay)
            except Exception:  # a watcher must never take the daemon down; the passes go on without it
                self.idling.clear()
                delay = self.backoff.next_delay()
                log.warning("watching %s failed unexpectedly; again in %.0f s", self.folder, delay, exc_info=True)
                self.stop.wait(delay)
            if self.unsupported.is_set():
                return

    def _watch(self) -> None:
        box = self.connect()
        try:
            if not box.supports_idle:
                self.unsupported.set()
                return
            while not self.stop.is_set():
                self.idling.set()
                self.backoff.reset()
                # Entering IDLE: mail may have arrived while we were not listening.
                self.wake.set()
                if box.idle(self.folder, self.stop, IDLE_SECONDS):
                    log.debug("new activity in %s", self.folder)
                    self.wake.set()
        finally:
            self.idling.clear()
            box.close()


class Watchers:
    """One FolderWatcher per watched folder, sharing the wake event."""

    def __init__(self, folders: Sequence[str], connect: Callable[[], ImapMailbox]) -> None:
        self.wake = threading.Event()
        self._stop = threading.Event()
        self.threads = [FolderWatcher(folder, connect, self.wake, self._stop) for folder in folders]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    @property
    def pushing(self) -> bool:
        """Whether the server pushes: no watcher found IDLE missing."""
        return not any(t.unsupported.is_set() for t in self.threads)

    def wait(self, stop: threading.Event, seconds: float) -> None:
        """Until a watcher reports a change, stop is set, or seconds pass."""
        remaining = seconds
        while remaining > 0 and not stop.is_set():
            step = min(1.0, remaining)
            if self.wake.wait(step):
                return
            remaining -= step

    def close(self) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(JOIN_SECONDS)
