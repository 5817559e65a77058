"""How stale a reply would be is judged by arrival in the mailbox, not by the sender's Date header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from dovecot import ImapAccount
from helpers import append_at, drafts, make_rebound, rejection


def test_old_date_header_but_fresh_arrival_is_drafted(tmp_path: Path, imap_account: ImapAccount) -> None:
    now = datetime.now(UTC)
    # Imported or delayed mail: the Date header says 2019, the server received it minutes ago.
    imap_account.append("INBOX", rejection("<dated-2019@fenwickhale.com>", when=datetime(2019, 3, 4, 9, 30, tzinfo=UTC)))
    # Arrived nine days ago (inside since_days = 30, outside draft_max_age_days = 7).
    append_at(imap_account, "INBOX", rejection("<nine-days@fenwickhale.com>", when=now - timedelta(days=9)), now - timedelta(days=9))
    rebound = make_rebound(tmp_path, imap_account)

    result = rebound.once()

    assert result.returncode == 0, result.stderr
    assert rebound.recorded_message_ids() == {"<dated-2019@fenwickhale.com>", "<nine-days@fenwickhale.com>"}
    assert {d.in_reply_to for d in drafts(imap_account)} == {"<dated-2019@fenwickhale.com>"}
    reasons = rebound.query("SELECT draft_skip_reason FROM rejectionrecord WHERE draft_skip_reason != ''")
    assert reasons == [("older than 7 days",)]
