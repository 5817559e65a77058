"""agent/daemon.py: backoff, stopping, reconnecting, and jobs that fail, with a fake Session."""

from __future__ import annotations

import itertools
import logging
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
import schedule

from agent import daemon as daemon_module
from agent.daemon import BACKOFF_CAP, Backoff, Daemon, Session, install_signal_handlers
from agent.errors import AuthError, ConfigError, MailboxError, StoreError

JOIN = 5.0  # generous bound for "the thread finished"; the tests assert tighter ones themselves


class Top(random.Random):
    """uniform() always at the top of its range: the ceiling itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


class Bottom(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return a


# --- Backoff --------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap() -> None:
    b = Backoff(rng=Top())
    delays = [b.next_delay() for _ in range(9)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]


def test_backoff_jitter_stays_in_the_upper_half() -> None:
    b = Backoff(rng=Bottom())
    assert [b.next_delay() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]


def test_backoff_is_jittered_and_capped() -> None:
    b = Backoff(rng=random.Random(42))
    for _ in range(6):
        b.next_delay()
    at_cap = [b.next_delay() for _ in range(200)]
    assert all(BACKOFF_CAP / 2 <= d <= BACKOFF_CAP for d in at_cap)
    assert len({round(d, 6) for d in at_cap}) > 150  # not in lock-step with other clients
    assert max(at_cap) <= 30.0


def test_backoff_reset() -> None:
    b = Backoff(rng=Top())
    for _ in range(8):
        b.next_delay()
    b.reset()
    assert b.next_delay() == 1.0
    assert b.next_delay() == 2.0


def test_backoff_survives_a_very_long_outage() -> None:
    # ~1,000 failures at 30 s is about 8 hours of a server being down: the daemon must keep going.
    b = Backoff(rng=Top())
    for _ in range(2000):
        assert b.next_delay() <= BACKOFF_CAP


# --- the loop -------------------------------------------------------------------------------


class FakeSession(Session):
    """A connection that passes and waits as told; every call is recorded."""

    def __init__(self, on_pass: Callable[[FakeSession], None] | None = None, really_wait: bool = True) -> None:
        self.passes = 0
        self.waits: list[float] = []
        self.passed = threading.Event()
        self.closed = threading.Event()
        self.on_pass = on_pass
        self.really_wait = really_wait

    def run_pass(self) -> None:
        self.passes += 1
        self.passed.set()
        if self.on_pass is not None:
            self.on_pass(self)

    def wait(self, stop: threading.Event, seconds: float) -> None:
        self.waits.append(seconds)
        if self.really_wait:
            stop.wait(seconds)

    def close(self) -> None:
        self.closed.set()


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # never leave a daemon thread running after a failed assertion


def start(d: Daemon) -> threading.Thread:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            d.run()
        except BaseException as exc:
            errors.append(exc)
            raise

    thread = threading.Thread(target=target, daemon=True)
    thread.errors = errors  # type: ignore[attr-defined]
    thread.start()
    return thread


def finish(thread: threading.Thread, timeout: float = JOIN) -> None:
    thread.join(timeout)
    assert not thread.is_alive(), "the daemon did not stop"
    assert thread.errors == []  # type: ignore[attr-defined]


def test_stops_within_two_seconds(stop: threading.Event) -> None:
    session = FakeSession()
    d = Daemon(lambda: session, stop)
    thread = start(d)
    assert session.passed.wait(JOIN)
    # The session is now waiting for new mail (for up to 25 minutes).
    started = time.monotonic()
    stop.set()
    thread.join(2.0)
    assert not thread.is_alive()
    assert time.monotonic() - started < 2.0
    assert session.closed.is_set()
    assert session.passes == 1
    assert session.waits == [daemon_module.IDLE_SECONDS]


def test_stop_during_reconnect_backoff(stop: threading.Event) -> None:
    attempts = threading.Event()

    def connect() -> Session:
        attempts.set()
        raise MailboxError("connect: Connection refused")

    d = Daemon(connect, stop)
    d.backoff = Backoff(start=60.0, cap=60.0)  # a long wait: only the stop flag can end it
    thread = start(d)
    assert attempts.wait(JOIN)
    started = time.monotonic()
    stop.set()
    finish(thread, 2.0)
    assert time.monotonic() - started < 2.0


class RecordingBackoff(Backoff):
    def __init__(self) -> None:
        super().__init__(start=0.02, cap=0.05, rng=random.Random(1))
        self.given: list[float] = []

    def next_delay(self) -> float:
        delay = super().next_delay()
        self.given.append(delay)
        return delay


def test_connect_error_retried_after_backoff(stop: threading.Event, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[float] = []
    session = FakeSession(on_pass=lambda s: stop.set())

    def connect() -> Session:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise MailboxError(f"connect: Connection refused (try {len(calls)})")
        return session

    d = Daemon(connect, stop)
    d.backoff = RecordingBackoff()
    with caplog.at_level(logging.WARNING, logger="agent.daemon"):
        finish(start(d))
    assert len(calls) == 3
    assert len(d.backoff.given) == 2
    for (before, after), delay in zip(itertools.pairwise(calls), d.backoff.given, strict=True):
        assert after - before >= delay * 0.9  # waited the backoff before trying again
    assert session.passes == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "try 1" in warnings[0] and "reconnecting in" in warnings[0]


def test_lost_connection_during_pass_reconnects(stop: threading.Event) -> None:
    sessions: list[FakeSession] = []

    def fail_then_stop(s: FakeSession) -> None:
        if len(sessions) == 1:
            raise StoreError("database write failed: OperationalError")
        stop.set()

    def connect() -> Session:
        sessions.append(FakeSession(on_pass=fail_then_stop))
        return sessions[-1]

    d = Daemon(connect, stop)
    d.backoff = RecordingBackoff()
    finish(start(d))
    assert len(sessions) == 2
    assert sessions[0].closed.is_set() and sessions[1].closed.is_set()
    assert len(d.backoff.given) == 1


def test_a_refused_login_at_start_ends_the_run(stop: threading.Event) -> None:
    def connect() -> Session:
        raise AuthError("login: the server rejected the username or password")

    with pytest.raises(AuthError):
        Daemon(connect, stop).run()


def test_a_failing_password_command_at_start_ends_the_run(stop: threading.Event) -> None:
    def connect() -> Session:
        raise ConfigError("[imap] password_command 'pass' failed: CalledProcessError")

    with pytest.raises(ConfigError):
        Daemon(connect, stop).run()


@pytest.mark.parametrize("error", [AuthError("login: rejected"), ConfigError("[imap] password_command 'pass' failed: CalledProcessError")])
def test_after_a_good_start_a_refused_login_is_retried_and_logged_once(
    stop: threading.Event, caplog: pytest.LogCaptureFixture, error: Exception
) -> None:
    calls = 0

    def drop(s: FakeSession) -> None:
        raise MailboxError("connection lost")

    def connect() -> Session:
        nonlocal calls
        calls += 1
        if calls == 1:
            return FakeSession(on_pass=drop)
        if calls == 6:
            stop.set()
        raise error

    d = Daemon(connect, stop)
    d.backoff = RecordingBackoff()
    d.auth_backoff = Backoff(start=0.01, cap=0.02)
    with caplog.at_level(logging.DEBUG, logger="agent.daemon"):
        finish(start(d))
    assert calls == 6
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and str(error) in errors[0].getMessage()
    # A refused login is not a flaky network: it waits on its own, longer backoff.
    assert d.auth_backoff.attempt == 5 and d.backoff.attempt == 1


def test_auth_error_reported_again_after_a_good_login(stop: threading.Event, caplog: pytest.LogCaptureFixture) -> None:
    script = ["ok", "auth", "auth", "ok", "auth", "last"]
    calls = 0

    def drop(s: FakeSession) -> None:
        raise MailboxError("connection lost")

    def connect() -> Session:
        nonlocal calls
        step = script[calls]
        calls += 1
        if step == "ok":
            return FakeSession(on_pass=drop)
        if step == "last":
            stop.set()
        raise AuthError("login: rejected")

    d = Daemon(connect, stop)
    d.backoff = RecordingBackoff()
    d.auth_backoff = Backoff(start=0.01, cap=0.02)
    with caplog.at_level(logging.WARNING, logger="agent.daemon"):
        finish(start(d))
    assert calls == len(script)
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 2


def test_an_unexpected_error_in_a_pass_is_logged_and_retried(stop: threading.Event, caplog: pytest.LogCaptureFixture) -> None:
    sessions: list[FakeSession] = []

    def explode_then_stop(s: FakeSession) -> None:
        if len(sessions) == 1:
            raise UnicodeEncodeError("ascii", "<8-bit-ü@x>", 7, 8, "ordinal not in range(128)")
        stop.set()

    def connect() -> Session:
        sessions.append(FakeSession(on_pass=explode_then_stop))
        return sessions[-1]

    d = Daemon(connect, stop)
    d.backoff = RecordingBackoff()
    with caplog.at_level(logging.INFO, logger="agent.daemon"):
        finish(start(d))
    assert len(sessions) == 2 and sessions[0].closed.is_set()
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "UnicodeEncodeError" in error.getMessage() and error.exc_info is None
    assert any(r.exc_info for r in caplog.records if r.levelno == logging.INFO), "the traceback is there at -v"


def overdue_job(scheduler: schedule.Scheduler, func: Callable[[], None]) -> schedule.Job:
    job = scheduler.every(10).minutes.do(func)
    job.next_run = datetime.now() - timedelta(seconds=1)
    return job


def test_failing_job_does_not_stop_the_loop(stop: threading.Event, caplog: pytest.LogCaptureFixture) -> None:
    ran = 0

    def broken_digest() -> None:
        nonlocal ran
        ran += 1
        raise ValueError("template exploded")

    scheduler = schedule.Scheduler()
    overdue_job(scheduler, broken_digest)
    session = FakeSession(on_pass=lambda s: stop.set() if s.passes >= 3 else None, really_wait=False)
    d = Daemon(lambda: session, stop, scheduler=scheduler)
    with caplog.at_level(logging.ERROR, logger="agent.daemon"):
        finish(start(d))
    assert session.passes == 3
    assert ran == 3  # after every pass: a failure is not rescheduled, so the job stays due
    assert "scheduled job failed" in caplog.text and "template exploded" in caplog.text
    # A job still due makes the wait short instead of a full IDLE period.
    assert all(w <= 1.0 for w in session.waits)


def test_job_that_succeeds_runs_and_sets_the_next_wait(stop: threading.Event) -> None:
    ran = threading.Event()
    scheduler = schedule.Scheduler()
    overdue_job(scheduler, ran.set)
    session = FakeSession(on_pass=lambda s: stop.set() if s.passes >= 2 else None, really_wait=False)
    finish(start(Daemon(lambda: session, stop, scheduler=scheduler)))
    assert ran.is_set()
    # The job is next due in ten minutes, sooner than the IDLE period: the wait is cut to that.
    assert 590 <= session.waits[0] <= 600 < daemon_module.IDLE_SECONDS


def test_mailbox_error_in_a_job_reconnects(stop: threading.Event) -> None:
    def digest_via_imap() -> None:
        raise MailboxError("append digest: connection lost")

    scheduler = schedule.Scheduler()
    overdue_job(scheduler, digest_via_imap)
    sessions: list[FakeSession] = []

    def connect() -> Session:
        sessions.append(FakeSession(on_pass=lambda s: stop.set() if len(sessions) >= 2 else None, really_wait=False))
        return sessions[-1]

    d = Daemon(connect, stop, scheduler=scheduler)
    d.backoff = RecordingBackoff()
    finish(start(d))
    assert len(sessions) == 2 and sessions[0].closed.is_set()


# --- signals --------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_set_the_stop_flag(signum: signal.Signals) -> None:
    old_term, old_int = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    stop = threading.Event()
    try:
        install_signal_handlers(stop)
        os.kill(os.getpid(), signum)
        assert stop.wait(2.0)
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)
