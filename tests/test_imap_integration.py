"""`rebound once` end to end: the real CLI, a real Dovecot, a real SQLite file.

Each test gets its own IMAP user (``imap_account``) and its own config, database and HOME under
tmp_path; what Rebound did is checked on the server with plain imaplib and in the database with
sqlite3, never through Rebound's own code.
"""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dovecot import ImapAccount
from helpers import (
    NO_REPLY,
    PROFILE_EMAIL,
    PROFILE_NAME,
    Rebound,
    append_at,
    delete_message,
    demo,
    demo_mail,
    drafts,
    make_rebound,
    msgid,
    rejection,
    set_header,
    summary,
)

pytestmark = pytest.mark.integration

# The headers a draft is made of; anything else would have been smuggled in from the mail it answers.
DRAFT_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "x-rebound-draft",
    "content-type",
    "content-transfer-encoding",
    "mime-version",
}


def _one_line_error(stderr: str) -> str:
    """The whole of stderr, which must be a single line and no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    return lines[0]


def test_first_pass_over_the_sample_mailbox(tmp_path: Path, imap_account: ImapAccount) -> None:
    mails = demo_mail()
    assert len(mails) == 20
    for mail in mails:
        imap_account.append("INBOX", mail.raw)
    flags_before = imap_account.flags_of("INBOX")
    assert set(flags_before) == {m.message_id for m in mails}
    rebound = make_rebound(tmp_path, imap_account)

    first = rebound.once()

    counts = summary(first.stdout)
    assert counts["seen"] == 20
    assert counts["failed"] == 0, first.stderr
    saved = drafts(imap_account)
    assert counts["drafts"] == len(saved) > 0

    by_id = {m.message_id: m for m in mails}
    for draft in saved:
        assert "\\Draft" in draft.flags, draft.msg
        assert draft.in_reply_to in by_id, f"draft replies to {draft.in_reply_to}, not a seeded message"
        parent = by_id[draft.in_reply_to]
        assert parent.message_id in draft.msg["References"].split()
        (sender,) = draft.msg["From"].addresses
        assert (sender.display_name, sender.addr_spec) == (PROFILE_NAME, PROFILE_EMAIL)
        (to,) = draft.msg["To"].addresses
        assert to.addr_spec.lower() == parent.sender, f"{parent.name}: draft to {to.addr_spec}, reply address {parent.sender}"
        assert not NO_REPLY.search(to.addr_spec), f"{parent.name}: draft to a no-reply address {to.addr_spec}"
        assert {k.lower() for k in draft.msg} <= DRAFT_HEADERS

    replied = {d.in_reply_to for d in saved}
    for mail in mails:
        if mail.is_rejection and mail.human_sender:
            assert mail.message_id in replied, f"no draft for the rejection {mail.name} from {mail.sender}"
        if NO_REPLY.search(mail.sender):
            assert mail.message_id not in replied, f"a draft replies to {mail.name}, sent from {mail.sender}"
    not_rejections = sorted(by_id[mid].name for mid in replied if not by_id[mid].is_rejection)
    assert len(not_rejections) <= 1, f"drafts for mail that is no rejection: {not_rejections}"
    # Each draft was APPENDed once: one per Message-ID, and the database agrees with the server.
    assert len({d.message_id for d in saved}) == len(saved)
    rows = rebound.draft_rows()
    assert sorted(r[3] for r in rows) == sorted(d.message_id for d in saved)
    assert {r[4] for r in rows} == {"saved"}

    assert rebound.recorded_message_ids() == set(by_id)
    assert rebound.query("SELECT DISTINCT status FROM emailrecord") == [("processed",)]
    # Watched folders are only EXAMINEd: not a flag changed, nothing became \Seen.
    flags_after = imap_account.flags_of("INBOX")
    assert flags_after == flags_before
    assert not any("\\Seen" in f for f in flags_after.values())
    # The lock sits beside the database, where any other Rebound on that database meets it.
    assert list(tmp_path.glob("rebound.db.*.lock"))

    second = rebound.once()

    assert summary(second.stdout) == {"seen": 0, "rejections": 0, "drafts": 0, "failed": 0}
    assert sorted(d.message_id for d in drafts(imap_account)) == sorted(d.message_id for d in saved)
    assert rebound.query("SELECT COUNT(*) FROM emailrecord") == [(20,)]
    assert len(rebound.draft_rows()) == len(rows)
    assert imap_account.flags_of("INBOX") == flags_before


def test_hostile_subject_cannot_add_headers(tmp_path: Path, imap_account: ImapAccount) -> None:
    # RFC 2047 subjects that decode to a line break followed by a Bcc "header" (Q and B encodings).
    hostile = {
        "<hostile-q@fenwickhale.com>": "=?utf-8?q?Update=0D=0ABcc:_attacker@example.com?=",
        "<hostile-b@fenwickhale.com>": "=?utf-8?b?" + base64.b64encode(b"Update\r\nBcc: attacker@example.com").decode() + "?=",
    }
    for message_id, subject in hostile.items():
        imap_account.append("INBOX", rejection(message_id, subject=subject))
    rebound = make_rebound(tmp_path, imap_account)

    rebound.once()

    saved = drafts(imap_account)
    assert {d.in_reply_to for d in saved} == set(hostile), "each rejection gets a draft"
    for draft in saved:
        lines = draft.raw.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
        names = {line.split(":", 1)[0].lower() for line in lines if not line[:1].isspace()}
        assert names <= DRAFT_HEADERS, f"unexpected headers {names - DRAFT_HEADERS}"
        assert draft.msg["Bcc"] is None
        assert "attacker" not in str(draft.msg["To"])
        # One line, not even folded: the line break became a space.
        (at,) = [i for i, line in enumerate(lines) if line.lower().startswith("subject:")]
        assert lines[at] == "Subject: Re: Update Bcc: attacker@example.com"
        assert not lines[at + 1][:1].isspace()
        assert str(draft.msg["Subject"]) == "Re: Update Bcc: attacker@example.com"


def test_tls_needs_a_trusted_certificate(tmp_path: Path, imap_account: ImapAccount) -> None:
    ca = imap_account.ca_file
    assert ca is not None and imap_account.ssl_port is not None
    ports = {"ssl": imap_account.ssl_port, "starttls": imap_account.port}
    cases = {
        f"{security}-{trust}": make_rebound(
            tmp_path / f"{security}-{trust}",
            imap_account,
            security=security,
            port=port,
            imap={"tls_ca_file": ca} if trust == "trusted" else {},
        )
        for security, port in ports.items()
        for trust in ("untrusted", "trusted")
    }
    # Four independent installations (own config, database and HOME): run them side by side.
    with ThreadPoolExecutor(len(cases)) as pool:
        results = dict(zip(cases, pool.map(lambda r: r.run("once"), cases.values()), strict=True))

    for name, result in results.items():
        if name.endswith("-untrusted"):
            assert result.returncode == 1, f"{name}: exit {result.returncode}\n{result.stdout}{result.stderr}"
            line = _one_line_error(result.stderr)
            assert "certificate" in line, line
            assert "tls_ca_file" in line, line
            assert result.stdout == ""
        else:
            assert result.returncode == 0, f"{name}: exit {result.returncode}\n{result.stderr}"
            assert summary(result.stdout)["failed"] == 0
            assert "Traceback" not in result.stderr


def test_unknown_config_key_is_named(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    text = rebound.config.read_text()
    assert "\nhost = " in text
    rebound.config.write_text(text.replace("\nhost = ", "\nhots = ", 1))

    result = rebound.run("once")

    assert result.returncode == 2, result.stderr
    line = _one_line_error(result.stderr)
    assert str(rebound.config) in line
    assert "hots" in line
    assert result.stdout == ""
    assert not rebound.db.exists()


def test_wrong_password_is_reported(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account, password="not-the-password")
    imap_account.append("INBOX", rejection("<wrong-password-1@fenwickhale.com>"))

    result = rebound.run("once")

    assert result.returncode == 1, result.stderr
    line = _one_line_error(result.stderr)
    assert imap_account.user in line
    assert "rejected" in line and "password" in line
    assert "not-the-password" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert drafts(imap_account) == []


def test_a_pass_style_password_command_logs_in(tmp_path: Path, imap_account: ImapAccount) -> None:
    # `pass show` prints the password, then "login:", "url:" and notes: only the first line is the password.
    script = tmp_path / "pass-show"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{imap_account.password}' 'login: {imap_account.user}' 'url: imap://{imap_account.host}'\n")
    script.chmod(0o700)
    rebound = make_rebound(tmp_path, imap_account, imap={"password_env": None, "password_command": [str(script)]})
    imap_account.append("INBOX", rejection("<pass-style-1@fenwickhale.com>"))

    result = rebound.once()

    assert summary(result.stdout)["drafts"] == 1, result.stderr
    assert [d.in_reply_to for d in drafts(imap_account)] == ["<pass-style-1@fenwickhale.com>"]


def test_mailing_lists_and_a_reply_to_the_user(tmp_path: Path, imap_account: ImapAccount) -> None:
    through_list = set_header(
        set_header(rejection("<via-list-1@fenwickhale.com>"), "List-Id", "Fenwick Careers <careers.fenwickhale.com>"),
        "Reply-To",
        "careers@fenwickhale.com",
    )
    to_self = set_header(rejection("<reply-to-me-1@fenwickhale.com>"), "Reply-To", f"Alex <{PROFILE_EMAIL.upper()}>")
    imap_account.append("INBOX", through_list)
    imap_account.append("INBOX", to_self)
    rebound = make_rebound(tmp_path, imap_account)

    result = rebound.once()

    assert summary(result.stdout)["rejections"] == 2, result.stdout + result.stderr
    [draft] = drafts(imap_account)
    assert draft.in_reply_to == "<reply-to-me-1@fenwickhale.com>"
    # Not to the user: to the person who wrote (From of sample 12).
    assert [a.addr_spec for a in draft.msg["To"].addresses] == [demo("12").sender]
    reasons = rebound.query(
        "SELECT e.message_id, r.draft_skip_reason FROM rejectionrecord r JOIN emailrecord e ON e.id = r.email_id ORDER BY e.id"
    )
    assert reasons[0][0] == "<via-list-1@fenwickhale.com>"
    assert "mailing list" in reasons[0][1] and "careers.fenwickhale.com" in reasons[0][1]
    assert reasons[1] == ("<reply-to-me-1@fenwickhale.com>", "")


def test_cursor_new_mail_and_the_first_look_window(tmp_path: Path, imap_account: ImapAccount) -> None:
    now = datetime.now(UTC)
    old = now - timedelta(days=60)
    # Received (INTERNALDATE) long before since_days = 30; one above the recent message's UID,
    # as after a move from another folder or an import.
    append_at(imap_account, "INBOX", rejection("<old-1@fenwickhale.com>", when=old), old)
    imap_account.append("INBOX", rejection("<recent-1@fenwickhale.com>"))
    append_at(imap_account, "INBOX", rejection("<old-2@fenwickhale.com>", when=old), old)
    rebound = make_rebound(tmp_path, imap_account, imap={"since_days": 30})

    first = rebound.once()

    assert summary(first.stdout)["seen"] == 1
    assert rebound.recorded_message_ids() == {"<recent-1@fenwickhale.com>"}
    assert {d.in_reply_to for d in drafts(imap_account)} == {"<recent-1@fenwickhale.com>"}

    imap_account.append("INBOX", rejection("<new-1@fenwickhale.com>"))
    second = rebound.once()

    assert summary(second.stdout)["seen"] == 1, second.stderr
    assert rebound.recorded_message_ids() == {"<recent-1@fenwickhale.com>", "<new-1@fenwickhale.com>"}
    assert {d.in_reply_to for d in drafts(imap_account)} == {"<recent-1@fenwickhale.com>", "<new-1@fenwickhale.com>"}


def test_drafts_are_never_appended_twice(tmp_path: Path, imap_account: ImapAccount) -> None:
    imap_account.append("INBOX", rejection("<crash-1@fenwickhale.com>"))
    rebound: Rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    before = drafts(imap_account)
    assert before
    rows = rebound.draft_rows()
    assert [r[0] for r in rows][:1] == [1]
    first_draft_id = rows[0][3]
    assert first_draft_id in {d.message_id for d in before}

    # As if Rebound died between APPEND and recording it: the draft is on the server, the row pending.
    assert rebound.execute("UPDATE draftrecord SET status = 'pending' WHERE id = 1") == 1
    rebound.once()

    after = drafts(imap_account)
    assert sorted(d.message_id for d in after) == sorted(d.message_id for d in before)
    assert rebound.query("SELECT status FROM draftrecord WHERE id = 1") == [("saved",)]

    # The user discards a draft: it stays gone.
    delete_message(imap_account, "Drafts", first_draft_id)
    rebound.once()

    remaining = sorted(d.message_id for d in drafts(imap_account))
    assert remaining == sorted(d.message_id for d in before if d.message_id != first_draft_id)
    assert msgid(first_draft_id) not in remaining
