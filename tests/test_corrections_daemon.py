"""Corrections that teach, end to end: mail moved in a mail client, `rebound learn`, and the running daemon using what it learned.

Portuguese job mail (tests/data/portuguese_mail.json): the shipped pipeline misses its rejections.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import pytest
from dovecot import ImapAccount
from helpers import (
    DRAFT_TIMEOUT,
    START_TIMEOUT,
    StartDaemon,
    drafts,
    make_rebound,
    move,
    stop_daemon,
    wait_draft,
    wait_for,
    wait_idle,
)

pytestmark = pytest.mark.integration

MAIL = json.loads((Path(__file__).parent / "data" / "portuguese_mail.json").read_text(encoding="utf-8"))
LEARN_TIMEOUT = 300  # loading, rehearsing and measuring twice on a loaded two-core machine


def email(message_id: str, subject: str, text: str, sender: str = "Ana Costa <ana.costa@exemplo.pt>") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Alex Morgan <alex.morgan@example.com>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC) - timedelta(minutes=5))
    msg["Message-ID"] = message_id
    msg.set_content(text)
    return msg.as_bytes(policy=SMTP)


def test_mail_moved_into_rebound_rejection_teaches_the_running_daemon(tmp_path: Path, imap_account: ImapAccount, start_daemon: StartDaemon) -> None:
    rebound = make_rebound(tmp_path, imap_account, imap={"poll_seconds": 10, "idle": True})
    proc = start_daemon(rebound)
    wait_idle(imap_account, proc, rebound, timeout=START_TIMEOUT)
    missed = [f"<pt-{i}@exemplo.pt>" for i in range(len(MAIL["corrected"]))]
    for message_id, item in zip(missed, MAIL["corrected"], strict=True):
        imap_account.append("INBOX", email(message_id, item["subject"], item["text"]))
    wait_for(lambda: rebound.recorded_message_ids() >= set(missed), DRAFT_TIMEOUT, "the Portuguese emails to be recorded")
    assert drafts(imap_account) == []  # all missed

    for message_id in missed:
        move(imap_account, "INBOX", "Rebound/Rejection", message_id)
    # Moving mail out of INBOX wakes nobody; the next mail does (else the pass at the next IDLE renewal).
    imap_account.append("INBOX", email("<lunch@example.org>", "Lunch on Friday?", "Are we still on for Friday?", "Sam <sam@example.org>"))
    wait_for(lambda: {d.in_reply_to for d in drafts(imap_account)} == set(missed), DRAFT_TIMEOUT, "a draft for each corrected email")

    learned = rebound.run("learn", timeout=LEARN_TIMEOUT)
    print(learned.stdout)
    assert learned.returncode == 0, learned.stderr
    assert f"{len(missed)} after" in learned.stdout and "personal pipeline written" in learned.stdout
    assert (tmp_path / "rebound-pipeline" / "rebound-learned.json").exists()

    item = MAIL["new"][0]
    imap_account.append("INBOX", email("<pt-new@exemplo.pt>", item["subject"], item["text"], "Sofia Martins <sofia@dados.example.pt>"))
    wait_draft(imap_account, "<pt-new@exemplo.pt>", rebound)
    assert "classifying with your personal pipeline" in rebound.log
    listed = rebound.run("list", "--corrected")
    assert listed.returncode == 0 and "learned" in listed.stdout, listed.stdout

    # From the command line while the daemon runs: queued, and applied by the daemon's next pass.
    queued = rebound.run("correct", "<pt-new@exemplo.pt>", "not_rejection")
    assert queued.returncode == 0 and "applies it on its next pass" in queued.stdout, queued.stdout + queued.stderr
    imap_account.append("INBOX", email("<lunch-2@example.org>", "Lunch next week?", "Same place as always?", "Sam <sam@example.org>"))
    wait_for(lambda: "<pt-new@exemplo.pt>" not in {d.in_reply_to for d in drafts(imap_account)}, DRAFT_TIMEOUT, "the draft to be withdrawn")
    assert len(drafts(imap_account)) == len(missed)
    stop_daemon(proc, rebound)
