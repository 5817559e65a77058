"""`rebound run` end to end: the real daemon in a subprocess, against a real Dovecot.

Nothing here sleeps for a fixed time: each step waits for something observable, such as the
daemon's IMAP session showing IDLE in Dovecot's process title, or a draft appearing in Drafts.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from dovecot import DovecotFactory, ImapAccount
from helpers import (
    DRAFT_TIMEOUT,
    RECONNECT_TIMEOUT,
    START_TIMEOUT,
    Rebound,
    StartDaemon,
    make_rebound,
    rejection,
    stop_daemon,
    wait_draft,
    wait_idle,
)

pytestmark = pytest.mark.integration


def daemon_config(tmp_path: Path, account: ImapAccount) -> Rebound:
    return make_rebound(tmp_path, account, imap={"poll_seconds": 10, "idle": True})


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
    stop_daemon(proc, rebound)


@pytest.mark.parametrize("drop", ["kick", "kill"])
def test_run_reconnects_after_the_connection_drops(tmp_path: Path, imap_account: ImapAccount, start_daemon: StartDaemon, drop: str) -> None:
    rebound = daemon_config(tmp_path, imap_account)
    proc = start_daemon(rebound)
    first = wait_idle(imap_account, proc, rebound, timeout=START_TIMEOUT)

    if drop == "kick":
        imap_account.kick()  # the server says BYE and closes the connection
    else:
        os.kill(first, signal.SIGKILL)  # the connection just ends: EOF, no BYE

    wait_idle(imap_account, proc, rebound, timeout=RECONNECT_TIMEOUT, not_pid=first)
    assert "reconnecting" in rebound.log
    imap_account.append("INBOX", rejection(f"<after-{drop}@fenwickhale.com>"))
    wait_draft(imap_account, f"<after-{drop}@fenwickhale.com>", rebound)
    # Watching again (the folder watcher and the pass connection both came back; which session IDLEs is theirs to decide).
    assert wait_idle(imap_account, proc, rebound, timeout=DRAFT_TIMEOUT, not_pid=first) != first
    stop_daemon(proc, rebound)


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
    stop_daemon(proc, rebound)
