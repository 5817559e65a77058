"""The server is the source of truth for drafts: a lost or new database never doubles a draft.

`rebound once` against a real Dovecot; the database file is deleted between passes, as a lost
Docker volume or a new machine would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dovecot import ImapAccount
from helpers import Rebound, delete_message, drafts, make_rebound, rejection, set_header, summary

pytestmark = pytest.mark.integration


def lose_database(rebound: Rebound) -> None:
    for path in rebound.db.parent.glob(rebound.db.name + "*"):
        path.unlink()


def test_a_fresh_database_over_a_mailbox_with_drafts_adds_none(tmp_path: Path, imap_account: ImapAccount) -> None:
    parents = [f"<lost-db-{i}@fenwickhale.com>" for i in range(3)]
    for parent in parents:
        imap_account.append("INBOX", rejection(parent))
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    before = sorted((d.in_reply_to, d.message_id) for d in drafts(imap_account))
    assert [p for p, _ in before] == sorted(parents)

    lose_database(rebound)
    result = rebound.once()

    assert result.returncode == 0, result.stderr
    assert summary(result.stdout)["drafts"] == 0
    assert sorted((d.in_reply_to, d.message_id) for d in drafts(imap_account)) == before
    # Every draft found again is linked to its record, so the digest still knows what became of it.
    rows = rebound.query("SELECT parent_message_id, message_id, status, uid FROM draftrecord ORDER BY parent_message_id")
    assert [(p, m, s) for p, m, s, _ in rows] == [(p, m, "saved") for p, m in before]
    assert all(uid for *_, uid in rows)


def test_a_reply_already_sent_or_a_draft_thrown_away_is_not_written_again(tmp_path: Path, imap_account: ImapAccount) -> None:
    sent_parent, thrown_parent = "<answered@fenwickhale.com>", "<thrown-away@fenwickhale.com>"
    for parent in (sent_parent, thrown_parent):
        imap_account.append("INBOX", rejection(parent))
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    by_parent = {d.in_reply_to: d for d in drafts(imap_account)}
    # The user sends one draft (the client files it in Sent under its own Message-ID) and moves the other to Trash.
    imap_account.append("Sent", set_header(by_parent[sent_parent].raw, "Message-ID", "<client-sent-1@example.org>"), r"\Seen")
    delete_message(imap_account, "Drafts", by_parent[sent_parent].message_id)
    imap_account.append("Trash", by_parent[thrown_parent].raw, r"\Seen")
    delete_message(imap_account, "Drafts", by_parent[thrown_parent].message_id)

    lose_database(rebound)
    result = rebound.once()

    assert result.returncode == 0, result.stderr
    assert drafts(imap_account) == []
    statuses = dict(rebound.query("SELECT parent_message_id, status FROM draftrecord"))
    assert statuses == {sent_parent: "sent", thrown_parent: "discarded"}


def test_a_poisoned_message_and_a_deleted_draft_do_not_stop_the_next_rejection(tmp_path: Path, imap_account: ImapAccount) -> None:
    # A Message-ID with 8-bit bytes in it: anyone can send one.
    poisoned = rejection("<placeholder@fenwickhale.com>").replace(b"<placeholder@fenwickhale.com>", "<bewerbung-prüfung@fenwickhale.com>".encode())
    imap_account.append("INBOX", poisoned)
    imap_account.append("INBOX", rejection("<ordinary-1@fenwickhale.com>"))
    rebound = make_rebound(tmp_path, imap_account)
    first = rebound.once()
    assert first.returncode == 0, first.stderr
    for d in drafts(imap_account):
        delete_message(imap_account, "Drafts", d.message_id)

    imap_account.append("INBOX", rejection("<ordinary-2@fenwickhale.com>"))
    second = rebound.once()

    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    assert "<ordinary-2@fenwickhale.com>" in {d.in_reply_to for d in drafts(imap_account)}
