"""The long-running loop: IDLE or scheduled polling, reconnect with backoff, stop on a signal."""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Protocol

import schedule

from agent.errors import AuthError, ConfigError, MailboxError, ReboundError, SignInRequired, StoreError

log = logging.getLogger(__name__)

# Re-issue IDLE well inside the 29 minutes RFC 2177 allows, so no server logs us out.
IDLE_SECONDS = 25 * 60
# Backoff: doubling from 1 s, capped at 30 s (as EmailEngine does), with jitter so many clients
# don't reconnect in step; reset only once a connection has stayed up this long.
BACKOFF_START = 1.0
BACKOFF_CAP = 30.0
STABLE_AFTER = 60.0
# A login refused after a good start (the server in maintenance, a password command whose agent
# is locked) won't fix itself in seconds: back off from a minute up to a quarter of an hour, so
# the server is not hammered and the account not locked.
AUTH_RETRY_START = 60.0
AUTH_RETRY_CAP = 15 * 60.0
# What the heartbeat allows a connection attempt (TCP, TLS, login) and one pass on top of a wait.
CONNECT_WITHIN = 120.0


@dataclass
class Backoff:
    """Exponential backoff with full jitter."""

    start: float = BACKOFF_START
    cap: float = BACKOFF_CAP
    attempt: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        """The wait before the next try; each call doubles the ceiling up to the cap."""
        # The exponent is bounded: 2**1024 no longer fits a float, and a long outage must not crash the loop.
        ceiling = min(self.cap, self.start * 2 ** min(self.attempt, 64))
        self.attempt += 1
        return float(ceiling / 2 + self.rng.uniform(0, ceiling / 2))

    def reset(self) -> None:
        self.attempt = 0


class Beats(Protocol):
    """Where the daemon says how its watching goes: the heartbeat file (agent/heartbeat.py), or a worker's account row."""

    def starting(self, within: float) -> None: ...
    def ok(self, next_within: float) -> None: ...
    def failing(self, error: str, next_within: float) -> None: ...


class Session(Protocol):
    """What the daemon needs from one connection: a pass, and a way to wait for new mail."""

    def run_pass(self) -> object: ...
    def wait(self, stop: threading.Event, seconds: float) -> None: ...
    def close(self) -> None: ...


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set the stop flag; the loop notices within a second."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


class Daemon:
    """Connect, pass, wait, repeat; after a good start every failure becomes a wait, never an exit.

    Before the first successful login, a refused login or a bad config ends the run (the user is
    there to read the one line that says why); afterwards they are waited out like an outage.
    """

    def __init__(
        self,
        connect: Callable[[], Session],
        stop: threading.Event,
        scheduler: schedule.Scheduler | None = None,
        heartbeat: Beats | None = None,
        *,
        patient: bool = False,
    ) -> None:
        """patient: wait out a refused login or a bad setting from the start, as after a good one (a worker's accounts:
        no one is there to read why the run ended)."""
        self.connect = connect
        self.stop = stop
        self.scheduler = scheduler or schedule.Scheduler()
        self.heartbeat = heartbeat
        self.backoff = Backoff()
        self.auth_backoff = Backoff(start=AUTH_RETRY_START, cap=AUTH_RETRY_CAP)
        self.started = patient
        self._auth_reported = False

    def run(self) -> None:
        """Run until the stop flag is set."""
        self._beat("starting", CONNECT_WITHIN)
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                self._connected_loop(started)
            except (AuthError, ConfigError) as exc:
                # An OAuth2 sign-in that expired is mended from outside (`rebound auth`) while the
                # daemon waits, whenever it happens; a wrong password at start is for the user to fix now.
                if not self.started and not isinstance(exc, SignInRequired):
                    raise
                delay = self.auth_backoff.next_delay()
                self._beat("failing", delay + CONNECT_WITHIN, exc)
                if not self._auth_reported:
                    remedy = getattr(exc, "remedy", "")
                    log.error("%s; Rebound keeps trying (next in %.0f s, at most every %d minutes)%s", exc, delay,
                              AUTH_RETRY_CAP // 60, f"; {remedy}" if remedy else "")
                    self._auth_reported = True
                self.stop.wait(delay)
            except (MailboxError, StoreError) as exc:
                if time.monotonic() - started >= STABLE_AFTER:
                    self.backoff.reset()
                delay = self.backoff.next_delay()
                self._beat("failing", delay + CONNECT_WITHIN, exc)
                log.warning("%s; reconnecting in %.1f s", exc, delay)
                self.stop.wait(delay)
            except Exception as exc:  # a bug or a surprise from a library: logged and retried, never an exit
                delay = self.backoff.next_delay()
                self._beat("failing", delay + CONNECT_WITHIN, exc)
                log.error("unexpected %s: %s; trying again in %.1f s (run with -v for the details)", exc.__class__.__name__, exc, delay)
                log.info("the unexpected error's traceback", exc_info=True)
                self.stop.wait(delay)

    def _connected_loop(self, started: float) -> None:
        session = self.connect()
        self.started = True
        self._auth_reported = False
        self.auth_backoff.reset()
        try:
            while not self.stop.is_set():
                session.run_pass()
                if time.monotonic() - started >= STABLE_AFTER:
                    self.backoff.reset()
                self._run_jobs()
                wait = float(IDLE_SECONDS)
                if self.scheduler.jobs:
                    wait = max(1.0, min(wait, self.scheduler.idle_seconds or wait))
                # Back within the wait and the next pass: the health check allows a few poll intervals on top.
                self._beat("ok", wait)
                session.wait(self.stop, wait)
        finally:
            session.close()

    def _beat(self, state: str, within: float, error: BaseException | None = None) -> None:
        if self.heartbeat is None:
            return
        if state == "ok":
            self.heartbeat.ok(within)
        elif state == "failing":
            # Rebound's own errors are sentences already; anything else needs its name to mean something.
            said = str(error) if isinstance(error, ReboundError) else f"{error.__class__.__name__}: {error}"
            self.heartbeat.failing(said, within)
        else:
            self.heartbeat.starting(within)

    def _run_jobs(self) -> None:
        # schedule does not catch a job's exceptions; one failed job must not stop the daemon.
        try:
            self.scheduler.run_pending()
        except (MailboxError, StoreError):
            raise
        except Exception:
            log.exception("scheduled job failed")
