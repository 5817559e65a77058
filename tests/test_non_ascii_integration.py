"""Non-ASCII where mail and mailboxes put it, through the real CLI and a real Dovecot: 8-bit
Message-IDs, sender addresses, folder names (modified UTF-7) and a profile on an IDN domain.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dovecot import ImapAccount
from helpers import delete_message, drafts, make_rebound, rejection, set_header, summary

pytestmark = pytest.mark.integration


def _head(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def _header_line(raw: bytes, name: bytes) -> bytes:
    [line] = [line for line in _head(raw).split(b"\r\n") if line.lower().startswith(name.lower() + b": ")]
    return line.split(b": ", 1)[1]


def test_8bit_message_ids_never_stop_a_pass(tmp_path: Path, imap_account: ImapAccount) -> None:
    # Anyone can send these: a UTF-8 Message-ID (RFC 6532) and one with a bare Latin-1 byte.
    utf8_id = "<absage-müller-1@fenwickhale.com>".encode()
    latin1_id = b"<absage-\xe9-2@fenwickhale.com>"
    imap_account.append("INBOX", rejection("<ID-A@x>").replace(b"<ID-A@x>", utf8_id))
    imap_account.append("INBOX", rejection("<ID-B@x>").replace(b"<ID-B@x>", latin1_id))
    rebound = make_rebound(tmp_path, imap_account)

    first = rebound.once()

    assert summary(first.stdout)["drafts"] == 2, first.stdout + first.stderr
    by_parent = {_header_line(d.raw, b"In-Reply-To"): d for d in drafts(imap_account)}
    # The UTF-8 one is answered byte for byte (threading holds); the Latin-1 byte reads as U+FFFD.
    assert set(by_parent) == {utf8_id, "<absage-\ufffd-2@fenwickhale.com>".encode()}
    assert all(_head(d.raw).count(b"\nTo: ") == 1 for d in by_parent.values())

    # The user deletes one draft and sends the other under a new Message-ID, as clients do; every
    # later pass then searches Sent for replies to these IDs (this raised UnicodeEncodeError).
    deleted = by_parent[utf8_id]
    delete_message(imap_account, "Drafts", deleted.message_id)
    sent = by_parent["<absage-\ufffd-2@fenwickhale.com>".encode()]
    delete_message(imap_account, "Drafts", sent.message_id)
    imap_account.append("Sent", set_header(sent.raw, "Message-ID", "<sent-by-client-1@example.com>"), "\\Seen")
    imap_account.append("INBOX", rejection("<after-the-8bit-ones@fenwickhale.com>"))

    second = rebound.run("once")

    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    assert summary(second.stdout)["drafts"] == 1
    statuses = dict(rebound.query("SELECT message_id, status FROM draftrecord"))
    assert statuses[deleted.message_id] == "discarded"
    assert statuses[sent.message_id] == "sent"
    assert any(d.in_reply_to == "<after-the-8bit-ones@fenwickhale.com>" for d in drafts(imap_account))


def test_a_sender_with_a_non_ascii_address(tmp_path: Path, imap_account: ImapAccount) -> None:
    raw = set_header(rejection("<eai-1@fenwickhale.com>"), "From", "Zoë Bäcker <zoë.bäcker@bücher-haus.example>")
    imap_account.append("INBOX", raw)
    rebound = make_rebound(tmp_path, imap_account)

    result = rebound.once()

    assert summary(result.stdout)["drafts"] == 1, result.stdout + result.stderr
    [draft] = drafts(imap_account)
    # The domain in its xn-- form; the local part has none, so the header is UTF-8 (RFC 6532).
    assert _header_line(draft.raw, b"To").decode() == "Zoë Bäcker <zoë.bäcker@xn--bcher-haus-9db.example>"
    assert _header_line(draft.raw, b"In-Reply-To") == b"<eai-1@fenwickhale.com>"


def test_non_ascii_folder_names(tmp_path: Path, imap_account: ImapAccount) -> None:
    watched, own_drafts = "Bewerbungen/Rückmeldungen", "Entwürfe"
    imap_account.create_folder(watched)
    imap_account.create_folder(own_drafts)
    imap_account.append(watched, rejection("<folder-1@fenwickhale.com>"))
    rebound = make_rebound(tmp_path, imap_account, imap={"folders": ["INBOX", watched], "drafts_folder": own_drafts})

    result = rebound.once()

    assert summary(result.stdout)["drafts"] == 1, result.stdout + result.stderr
    assert [d.in_reply_to for d in drafts(imap_account, own_drafts)] == ["<folder-1@fenwickhale.com>"]
    assert drafts(imap_account) == []  # not in the standard Drafts
    assert imap_account.flags_of(watched) == {"<folder-1@fenwickhale.com>": set()}
    # The watched folders, and the two folders a user moves mail into to correct Rebound.
    cursors = [folder for (folder,) in rebound.query("SELECT folder FROM foldercursor ORDER BY folder")]
    assert cursors == ["Bewerbungen/Rückmeldungen", "INBOX", "Rebound/Not a rejection", "Rebound/Rejection"]
    assert rebound.once().returncode == 0
    assert len(drafts(imap_account, own_drafts)) == 1


def test_a_profile_on_an_idn_domain(tmp_path: Path, imap_account: ImapAccount) -> None:
    imap_account.append("INBOX", rejection("<idn-profile-1@fenwickhale.com>"))
    rebound = make_rebound(tmp_path, imap_account, profile_email="alex@müller-design.example")

    result = rebound.once()

    assert summary(result.stdout)["drafts"] == 1, result.stdout + result.stderr
    assert summary(result.stdout)["failed"] == 0
    [draft] = drafts(imap_account)
    assert _head(draft.raw).isascii()
    assert draft.msg["From"].addresses[0].addr_spec == "alex@xn--mller-design-dlb.example"
    assert draft.message_id.endswith("@xn--mller-design-dlb.example>")
    assert rebound.query("SELECT status FROM draftrecord") == [("saved",)]
