"""The daemon's heartbeat: a small file saying how the watching goes, and the health verdict read from it.

`rebound run` rewrites the file at every turn of its loop: when a pass succeeds, when one fails,
and before each wait, with the moment by which it will be back. `rebound health` (Docker's
HEALTHCHECK) calls the daemon unhealthy when it has been failing, or silent past that moment, for
longer than a few poll intervals: stuck on a connection, or unable to reach the server at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.config import Settings, default_data_dir

log = logging.getLogger(__name__)

# "A few poll intervals": long enough for a reconnect with backoff, short enough to be noticed.
GRACE_POLLS = 3


def heartbeat_path(settings: Settings) -> Path:
    """Where this account's daemon beats: beside its SQLite database (as its lock is), else in the data folder."""
    key = hashlib.sha256(f"{settings.account}|{settings.database_url}".encode()).hexdigest()[:16]
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(f"{db.name}.{key}.heartbeat.json")
    return default_data_dir() / f"heartbeat-{key}.json"


def grace_for(settings: Settings) -> float:
    """How long the daemon may be late or failing before it is unhealthy."""
    return float(GRACE_POLLS * settings.imap.poll_seconds)


@dataclass(frozen=True)
class Beat:
    """What the file holds (times are Unix seconds)."""

    pid: int
    at: float
    """When the daemon last wrote the file."""
    expected_by: float
    """When it will write again at the latest: the end of the wait it was about to start."""
    grace: float
    """How long past expected_by, or how long failing, before it counts as unhealthy."""
    failing_since: float | None = None
    error: str = ""
    last_ok: float | None = None


class Heartbeat:
    """Writes the daemon's beats; a beat that cannot be written is logged once and never stops the daemon."""

    def __init__(self, path: Path, grace: float, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.grace = grace
        self.clock = clock
        self.failing_since: float | None = None
        self.error = ""
        self.last_ok: float | None = None
        self._complained = False

    def starting(self, within: float) -> None:
        """The daemon starts: it will have logged in (or failed) within this many seconds."""
        self._write(within)

    def ok(self, next_within: float) -> None:
        """A pass went through; the next beat comes within this many seconds."""
        self.failing_since, self.error, self.last_ok = None, "", self.clock()
        self._write(next_within)

    def failing(self, error: str, next_within: float) -> None:
        """A pass or a connection failed; the daemon tries again within this many seconds."""
        if self.failing_since is None:
            self.failing_since = self.clock()
        self.error = error
        self._write(next_within)

    def _write(self, within: float) -> None:
        now = self.clock()
        beat = Beat(os.getpid(), now, now + within, self.grace, self.failing_since, self.error[:300], self.last_ok)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written beside and renamed: the health check never reads half a file.
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(beat), f)
            os.replace(tmp, self.path)
        except OSError as exc:
            if not self._complained:
                log.warning("cannot write the heartbeat %s (%s); the health check will call this daemon unhealthy", self.path, exc)
                self._complained = True


@dataclass(frozen=True)
class Verdict:
    """Healthy or not, and why, in one line."""

    healthy: bool
    reason: str


def read(path: Path) -> Beat | None:
    """The last beat, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Beat(**data)
    except (OSError, ValueError, TypeError):
        return None


def verdict(beat: Beat | None, now: float, path: Path) -> Verdict:
    """Unhealthy when the daemon is silent past its promise, or failing, for longer than its grace."""
    if beat is None:
        return Verdict(False, f"no heartbeat in {path}: `rebound run` has not started, or cannot write there")
    late = now - beat.expected_by
    if late > beat.grace:
        return Verdict(False, f"stuck: no heartbeat for {_ago(now - beat.at)} (pid {beat.pid}), {_ago(late)} later than it said")
    if beat.failing_since is not None and now - beat.failing_since > beat.grace:
        return Verdict(False, f"failing for {_ago(now - beat.failing_since)}: {beat.error}")
    if beat.failing_since is not None:
        return Verdict(True, f"retrying for {_ago(now - beat.failing_since)} (unhealthy after {_ago(beat.grace)}): {beat.error}")
    last = f"last pass {_ago(now - beat.last_ok)} ago" if beat.last_ok is not None else "starting"
    return Verdict(True, f"healthy: {last}, next beat within {_ago(max(beat.expected_by - now, 0))}")


def _ago(seconds: float) -> str:
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
