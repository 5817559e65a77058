"""Corrections against a real Dovecot: the Rebound folders, moving mail into them, and `rebound correct`.

The user's side is played with plain imaplib (tests/helpers.py): a mail client moving a message
(UID MOVE) and flagging it; what Rebound did is read back from the server and the SQLite file.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import pytest
from dovecot import DovecotFactory, ImapAccount, MailLayout
from helpers import Rebound, drafts, folders, make_rebound, move, msgid, parse, rejection, summary

pytestmark = pytest.mark.integration

NOT_A_REJECTION = "Rebound/Not a rejection"
REJECTION = "Rebound/Rejection"


def short_decline(message_id: str) -> bytes:
    """A no in three words: too little for the classifier to judge, so Rebound misses it (uncertain, no draft)."""
    msg = EmailMessage()
    msg["From"] = "Jordan Lee <jordan.lee@fenwickhale.com>"
    msg["To"] = "Alex Morgan <alex.morgan@example.com>"
    msg["Subject"] = "Re:"
    msg["Date"] = format_datetime(datetime.now(UTC) - timedelta(minutes=5))
    msg["Message-ID"] = message_id
    msg.set_content("Sorry, no.\n")
    return msg.as_bytes(policy=SMTP)


def label_of(rebound: Rebound, message_id: str) -> tuple[str, int]:
    ((label, uncertain),) = rebound.query("SELECT label, uncertain FROM emailrecord WHERE message_id = ?", [message_id])
    return label, uncertain


def user_draft(parent: str) -> bytes:
    """A reply the user wrote themselves to the same email: not Rebound's, so never touched."""
    msg = EmailMessage()
    msg["From"] = "Alex Morgan <alex.morgan@example.com>"
    msg["To"] = "jordan.lee@fenwickhale.com"
    msg["Subject"] = "Re: my own words"
    msg["Message-ID"] = "<my-own-draft@example.com>"
    msg["In-Reply-To"] = parent
    msg.set_content("Thanks, Jordan.\n")
    return msg.as_bytes(policy=SMTP)


def test_the_first_pass_makes_both_folders_and_subscribes_them(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    assert {REJECTION, NOT_A_REJECTION} <= folders(imap_account)
    assert {REJECTION, NOT_A_REJECTION} <= folders(imap_account, subscribed=True)
    rebound.once()  # and a second pass neither makes them again nor fails because they exist
    assert sorted(f for f in folders(imap_account) if f.startswith("Rebound/")) == [NOT_A_REJECTION, REJECTION]


def test_an_email_moved_into_not_a_rejection_loses_its_unsent_draft_and_stays_put(tmp_path: Path, imap_account: ImapAccount) -> None:
    # What Rebound took for a rejection (its words are one) and drafted a reply to; the user says it is not one.
    parent = "<not-really-a-rejection@fenwickhale.com>"
    imap_account.append("INBOX", rejection(parent))
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    assert [d.in_reply_to for d in drafts(imap_account)] == [parent]
    # In Drafts too: the user's own reply to the same email, and a message they flagged \Deleted but did not expunge.
    imap_account.append("Drafts", user_draft(parent), r"\Draft")
    imap_account.append("Drafts", user_draft("<something-else@example.org>").replace(b"my-own-draft", b"flagged-deleted"), r"\Deleted")
    move(imap_account, "INBOX", NOT_A_REJECTION, parent)
    flags_before = imap_account.flags_of(NOT_A_REJECTION)

    result = rebound.once()

    assert "1 correction(s) applied, 1 draft(s) withdrawn" in result.stdout, result.stdout
    left = {d.message_id: d for d in drafts(imap_account)}
    assert set(left) == {"<my-own-draft@example.com>", "<flagged-deleted@example.com>"}
    assert "\\Deleted" in left["<flagged-deleted@example.com>"].flags  # UID EXPUNGE took only Rebound's draft
    assert imap_account.flags_of(NOT_A_REJECTION) == flags_before  # still there, not a flag changed
    assert imap_account.messages("INBOX") == []
    label, uncertain = label_of(rebound, parent)
    assert label != "rejection" and not uncertain
    assert rebound.query("SELECT status FROM draftrecord") == [("withdrawn",)]
    assert rebound.query("SELECT count(*) FROM rejectionrecord") == [(0,)]
    assert rebound.query("SELECT verdict, origin, label_before, status FROM correctionrecord") == [
        ("not_rejection", "folder", "rejection", "applied")
    ]

    again = rebound.once()
    assert summary(again.stdout) == {"seen": 0, "rejections": 0, "drafts": 0, "failed": 0}
    assert "correction" not in again.stdout
    assert imap_account.flags_of(NOT_A_REJECTION) == flags_before


def test_a_missed_rejection_moved_into_rejection_gets_its_draft(tmp_path: Path, imap_account: ImapAccount) -> None:
    parent = "<sorry-no@fenwickhale.com>"
    imap_account.append("INBOX", short_decline(parent))
    rebound = make_rebound(tmp_path, imap_account)
    first = rebound.once()
    assert summary(first.stdout)["drafts"] == 0 and drafts(imap_account) == []
    assert label_of(rebound, parent)[0] != "rejection" or label_of(rebound, parent)[1]  # missed: not a confident rejection
    move(imap_account, "INBOX", REJECTION, parent)
    flags_before = imap_account.flags_of(REJECTION)

    result = rebound.once()

    assert summary(result.stdout)["drafts"] == 1, result.stdout
    (draft,) = drafts(imap_account)
    assert draft.in_reply_to == parent and "\\Draft" in draft.flags
    assert draft.msg["To"].addresses[0].addr_spec == "jordan.lee@fenwickhale.com"
    assert imap_account.flags_of(REJECTION) == flags_before
    assert label_of(rebound, parent) == ("rejection", 0)
    assert rebound.query("SELECT count(*) FROM rejectionrecord") == [(1,)]
    rebound.once()
    assert len(drafts(imap_account)) == 1  # written once


def test_an_email_rebound_never_saw_put_straight_into_rejection_is_recorded_and_drafted(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()  # the folders exist from here on
    parent = "<filed-by-a-rule@fenwickhale.com>"
    imap_account.append(REJECTION, short_decline(parent), r"\Seen")

    rebound.once()

    assert [d.in_reply_to for d in drafts(imap_account)] == [parent]
    assert label_of(rebound, parent) == ("rejection", 0)
    assert imap_account.flags_of(REJECTION) == {parent: {"\\Seen"}}


def test_rebound_correct_withdraws_and_writes_drafts_and_list_shows_it(tmp_path: Path, imap_account: ImapAccount) -> None:
    parent = "<corrected-by-command@fenwickhale.com>"
    imap_account.append("INBOX", rejection(parent))
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    assert len(drafts(imap_account)) == 1

    result = rebound.run("correct", parent.strip("<>"), "not-rejection")

    assert result.returncode == 0, result.stderr
    assert "rejection →" in result.stdout and "withdrawn" in result.stdout, result.stdout
    assert drafts(imap_account) == []
    assert imap_account.messages("INBOX") != []  # the email itself stays where it is
    listed = subprocess.run(
        [sys.executable, "-m", "agent", "--config", str(rebound.config), "list", "--corrected"],
        capture_output=True, text=True, env={**rebound.env, "COLUMNS": "250"}, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    (row,) = [line for line in listed.stdout.splitlines() if "rebound correct" in line]
    assert "rejection → " in row and "rebound correct" in row and "1 unsent draft(s) withdrawn" in row, listed.stdout

    back = rebound.run("correct", parent, "rejection")  # changed their mind: the reply is written again

    assert back.returncode == 0, back.stderr
    assert [d.in_reply_to for d in drafts(imap_account)] == [parent]
    assert rebound.query("SELECT status FROM draftrecord ORDER BY id") == [("withdrawn",), ("saved",)]


def test_rebound_correct_refuses_an_unknown_email_and_a_wrong_label_in_one_line(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    unknown = rebound.run("correct", "<never-seen@example.org>", "rejection")
    assert unknown.returncode == 1 and "no recorded email has Message-ID <never-seen@example.org>" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    wrong = rebound.run("correct", "<never-seen@example.org>", "spam")
    assert wrong.returncode == 2 and "not a label" in wrong.stderr


def test_a_withdrawal_cut_short_is_finished_by_the_next_pass(tmp_path: Path, imap_account: ImapAccount) -> None:
    parent = "<crash-before-delete@fenwickhale.com>"
    imap_account.append("INBOX", rejection(parent))
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    # The correction was committed, then the process died before it deleted the draft.
    assert rebound.execute("UPDATE draftrecord SET status = 'withdrawing'") == 1

    rebound.once()

    assert drafts(imap_account) == []
    assert rebound.query("SELECT status FROM draftrecord") == [("withdrawn",)]


def test_with_the_inbox_prefix_and_dot_separator_the_folders_follow_the_server(tmp_path: Path, dovecot_factory: DovecotFactory) -> None:
    server = dovecot_factory(tls=False, layout=MailLayout(prefix="INBOX.", separator="."))
    account = ImapAccount(server, server.user, server.password)
    parent = "<courier-style@fenwickhale.com>"
    account.append("INBOX", rejection(parent))
    rebound = make_rebound(tmp_path, account)
    rebound.once()
    assert {"INBOX.Rebound.Rejection", "INBOX.Rebound.Not a rejection"} <= folders(account)
    assert [msgid(parse(raw)["In-Reply-To"]) for raw in account.messages("INBOX.Drafts")] == [parent]

    move(account, "INBOX", "INBOX.Rebound.Not a rejection", parent)
    rebound.once()

    assert account.messages("INBOX.Drafts") == []
    assert len(account.messages("INBOX.Rebound.Not a rejection")) == 1
