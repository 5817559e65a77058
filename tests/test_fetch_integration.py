"""FETCH against a real Dovecot: batches capped by bytes, and flag changes by another client mid-fetch.

These drive agent.mailbox.ImapMailbox in-process (to set a small byte budget, and to let another
connection act between two of its commands); the server and what it answers are real.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dovecot import ImapAccount
from helpers import rejection

from agent import mailbox as mailbox_module
from agent.config import ImapSettings
from agent.mailbox import ImapMailbox

pytestmark = pytest.mark.integration


@pytest.fixture
def box(imap_account: ImapAccount) -> Iterator[ImapMailbox]:
    settings = ImapSettings(host=imap_account.host, port=imap_account.port, security="none", username=imap_account.user)
    mailbox = ImapMailbox(settings, imap_account.password)
    yield mailbox
    mailbox.close()


def _fetch_commands(box: ImapMailbox, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, list[object]]]:
    """Record every UID FETCH the mailbox sends: (uid set, items, the answer's data)."""
    seen: list[tuple[str, str, list[object]]] = []
    real = box.box.client.uid

    def uid(command: str, *args: str) -> tuple[str, list[object]]:
        typ, data = real(command, *args)
        if command.upper() == "FETCH":
            seen.append((args[0], args[1], list(data)))
        return typ, data

    monkeypatch.setattr(box.box.client, "uid", uid)
    return seen


def _with_attachment(message_id: str, megabytes: float) -> bytes:
    blob = base64.encodebytes(bytes(range(256)) * int(megabytes * 1024 * 1024 / 256 * 3 / 4)).replace(b"\n", b"\r\n")
    head = (
        f"From: Maren Holt <maren.holt@lindqvistberg.example>\r\nTo: alex.morgan@example.com\r\nSubject: Interview pack\r\n"
        f"Message-ID: {message_id}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    ).encode()
    text = b"--b\r\nContent-Type: text/plain\r\n\r\nThe pack you asked for is attached.\r\n"
    return head + text + b'--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename="p.zip"\r\n\r\n' + blob + b"\r\n--b--\r\n"


def test_a_fetch_is_capped_by_bytes(imap_account: ImapAccount, box: ImapMailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [f"<big-{i}@lindqvistberg.example>" for i in range(6)]
    for message_id in ids:
        imap_account.append("INBOX", _with_attachment(message_id, 1))
    budget = int(2.5 * 1024 * 1024)
    monkeypatch.setattr(mailbox_module, "FETCH_MAX_BYTES", budget, raising=False)
    uids = box.uids_after("INBOX", 0)
    commands = _fetch_commands(box, monkeypatch)

    mails = list(box.fetch("INBOX", uids))

    assert [m.message_id for m in mails] == ids
    assert all("pack you asked for" in m.text and not m.truncated for m in mails)
    sizes = {m.uid: m.size for m in mails}
    bodies = [uid_set for uid_set, items, _ in commands if "BODY" in items.upper() and "HEADER" not in items.upper()]
    assert len(bodies) >= 3, commands
    for uid_set in bodies:
        assert sum(sizes[int(u)] for u in uid_set.split(",")) <= budget, uid_set


@pytest.mark.parametrize("qresync", [False, True], ids=["plain", "qresync"])
def test_flags_changed_by_another_client_mid_fetch_lose_no_message(
    imap_account: ImapAccount, box: ImapMailbox, monkeypatch: pytest.MonkeyPatch, qresync: bool
) -> None:
    if qresync:
        # With QRESYNC on, Dovecot puts the UID in the flag updates it sends unasked, as other
        # servers always do: "* 3 FETCH (UID 7 FLAGS (...) MODSEQ (...))", the shape imap-tools
        # mistook for a message of its own with an empty body.
        typ, _ = box.box.client._simple_command("ENABLE", "QRESYNC")
        assert typ == "OK"
    ids = [f"<flagged-{i}@fenwickhale.com>" for i in range(5)]
    for i, message_id in enumerate(ids):
        imap_account.append("INBOX", rejection(message_id, when=datetime.now(UTC) - timedelta(minutes=10 - i)))
    uids = box.uids_after("INBOX", 0)
    real_sizes = box._sizes

    def sizes_then_the_user_flags_mail(chunk: list[int]) -> object:
        # Rebound has read the sizes and is about to fetch the bodies: the user's phone marks mail read.
        answer = real_sizes(chunk)
        with imap_account.connect() as other:
            other.select("INBOX")
            typ, _ = other.uid("STORE", f"{uids[1]}:{uids[-1]}", "+FLAGS", "(\\Seen \\Flagged)")
            assert typ == "OK"
        return answer

    monkeypatch.setattr(box, "_sizes", sizes_then_the_user_flags_mail)
    commands = _fetch_commands(box, monkeypatch)

    mails = list(box.fetch("INBOX", uids))

    # Dovecot reports the other client's change inside the answer to the body FETCH...
    [(_, _, data)] = [c for c in commands if "BODY" in c[1].upper()]
    unsolicited = [d for d in data if isinstance(d, bytes) and b"FLAGS" in d and b"BODY" not in d]
    assert unsolicited, data
    assert all(b"UID" in d for d in unsolicited) == qresync, unsolicited
    # ...and every message still comes back whole, each once.
    assert [m.message_id for m in mails] == ids
    assert all("Fenwick" in m.text for m in mails), [m.text[:40] for m in mails]


def test_a_read_only_fetch_sets_no_flag(imap_account: ImapAccount, box: ImapMailbox) -> None:
    imap_account.append("INBOX", rejection("<untouched@fenwickhale.com>"))
    list(box.fetch("INBOX", box.uids_after("INBOX", 0)))
    assert imap_account.flags_of("INBOX") == {"<untouched@fenwickhale.com>": set()}
