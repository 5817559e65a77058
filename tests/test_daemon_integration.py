"""`rebound run` end to end: the real daemon in a subprocess, against a real Dovecot.

Nothing here sleeps for a fixed time: each step waits for something observable, such as the
daemon's IMAP session showing IDLE in Dovecot's process title, or a draft appearing in Drafts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dovecot import DovecotFactory, ImapAccount
from helpers import Rebound, drafts, imap_sessions, make_rebound, rejection, wait_for

pytestmark = pytest.mark.integration

# Long enough for a loaded CI machine to start Python, load spaCy and log in.
START_TIMEOUT = 30.0
DRAFT_TIMEOUT = 20.0
RECONNECT_TIMEOUT = 15.0
STOP_TIMEOUT = 2.0

StartDaemon = Callable[[Rebound], subprocess.Popen[str]]


@pytest.fixture
def start_daemon() -> Iterator[StartDaemon]:
    """Start `rebound run`; whatever a test leaves running is killed (by PID) afterwards."""
    procs: list[subprocess.Popen[str]] = []

    def start(rebound: Rebound) -> subprocess.Popen[str]:
        proc = rebound.start("run")
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def daemon_config(tmp_path: Path, account: ImapAccount) -> Rebound:
    return make_rebound(tmp_path, account, imap={"poll_seconds": 10, "idle": True})


def wait_idle(account: ImapAccount, proc: subprocess.Popen[str], rebound: Rebound, *, timeout: float, not_pid: int | None = None) -> int:
    """Wait until the daemon's session sits in IDLE (its first pass is over); the session's PID."""

    def idle() -> int | None:
        if proc.poll() is not None:
            raise AssertionError(f"rebound run exited with {proc.returncode}:\n{rebound.log}")
        pids = [pid for pid, title in imap_sessions(account) if title.endswith(" IDLE]") and pid != not_pid]
        return pids[0] if pids else None

    try:
        return wait_for(idle, timeout, "the daemon to IDLE")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nsessions: {imap_sessions(account)}\n--- daemon log ---\n{rebound.log}") from None


def wait_draft(account: ImapAccount, parent: str, rebound: Rebound) -> None:
    def found() -> bool:
        return any(d.in_reply_to == parent and "\\Draft" in d.flags for d in drafts(account))

    try:
        wait_for(found, DRAFT_TIMEOUT, f"a draft replying to {parent}", interval=0.2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- daemon log ---\n{rebound.log}") from None


def stop(proc: subprocess.Popen[str], rebound: Rebound) -> None:
    """SIGTERM: the daemon must be gone within STOP_TIMEOUT, with exit code 0."""
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    try:
        code = proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"rebound run still running {STOP_TIMEOUT:g} s after SIGTERM\n{rebound.log}") from None
    assert code == 0, f"exit {code} after {time.monotonic() - started:.2f} s\n{rebound.log}"
    assert "Traceback" not in rebound.log, rebound.log


def test_run_drafts_new_mail_at_once_and_stops_on_sigterm(tmp_path: Path, imap_account: ImapAccount, start_daemon: StartDaemon) -> None:
    rebound = daemon_config(tmp_path, imap_account)
    proc = start_daemon(rebound)
    session = wait_idle(imap_account, proc, rebound, timeout=START_TIMEOUT)

    imap_account.append("INBOX", rejection("<daemon-1@fenwickhale.com>"))

    # poll_seconds is 10 and IDLE is re-issued only every 25 minutes: a draft within 20 s that
    # arrives on the same session means IDLE told the daemon about the new mail.
    wait_draft(imap_account, "<daemon-1@fenwickhale.com>", rebound)
    assert wait_idle(imap_account, proc, rebound, timeout=DRAFT_TIMEOUT) == session
    assert rebound.recorded_message_ids() == {"<daemon-1@fenwickhale.com>"}
    assert "reconnecting" not in rebound.log
    stop(proc, rebound)


@pytest.mark.parametrize("drop", ["kick", "kill"])
def test_run_reconnects_after_the_connection_drops(tmp_path: Path, imap_account: ImapAccount, start_daemon: StartDaemon, drop: str) -> None:
    rebound = daemon_config(tmp_path, imap_account)
    proc = start_daemon(rebound)
    first = wait_idle(imap_account, proc, rebound, timeout=START_TIMEOUT)

    if drop == "kick":
        imap_account.kick()  # the server says BYE and closes the connection
    else:
        os.kill(first, signal.SIGKILL)  # the connection just ends: EOF, no BYE

    second = wait_idle(imap_account, proc, rebound, timeout=RECONNECT_TIMEOUT, not_pid=first)
    assert "reconnecting" in rebound.log
    imap_account.append("INBOX", rejection(f"<after-{drop}@fenwickhale.com>"))
    wait_draft(imap_account, f"<after-{drop}@fenwickhale.com>", rebound)
    assert wait_idle(imap_account, proc, rebound, timeout=DRAFT_TIMEOUT) == second
    stop(proc, rebound)


def test_run_survives_a_server_restart(tmp_path: Path, dovecot_factory: DovecotFactory, start_daemon: StartDaemon) -> None:
    server = dovecot_factory()
    account = ImapAccount(server=server, user=server.user, password=server.password)
    rebound = daemon_config(tmp_path, account)
    proc = start_daemon(rebound)
    first = wait_idle(account, proc, rebound, timeout=START_TIMEOUT)

    server.restart()

    wait_idle(account, proc, rebound, timeout=RECONNECT_TIMEOUT, not_pid=first)
    account.append("INBOX", rejection("<after-restart@fenwickhale.com>"))
    wait_draft(account, "<after-restart@fenwickhale.com>", rebound)
    stop(proc, rebound)
