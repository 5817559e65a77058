"""`rebound once` against Dovecot configured like other servers: Courier's and Cyrus' INBOX. namespace,
no SPECIAL-USE, no IDLE or UIDPLUS, Gmail's [Gmail]/ folders, localised names, lower-case flags.

Each test starts its own Dovecot with a MailLayout (tests/dovecot.py), delivers a rejection and a
personal email, runs the real CLI twice (the user "sends" the draft in between) and checks with
plain imaplib: one draft, in the right folder, flagged \\Draft; nothing in any other folder; no flag
changed on the user's mail; the sent draft found in the right Sent folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dovecot import DovecotFactory, ImapAccount, MailLayout
from helpers import delete_message, demo, drafts, make_rebound, rejection, set_header, summary

pytestmark = pytest.mark.integration

NO_FLAGS = ""
LAYOUTS: dict[str, tuple[MailLayout, str, str]] = {
    # layout, the Drafts folder Rebound must use, the Sent folder it must search
    "courier-inbox-prefix": (
        MailLayout(prefix="INBOX.", separator=".", folders=(("Drafts", "\\Drafts"), ("Sent", "\\Sent"), ("Trash", "\\Trash"))),
        "INBOX.Drafts",
        "INBOX.Sent",
    ),
    "no-special-use": (
        MailLayout(prefix="INBOX.", separator=".", folders=(("Drafts", NO_FLAGS), ("Sent", NO_FLAGS)), hide=frozenset({"SPECIAL-USE"})),
        "INBOX.Drafts",
        "INBOX.Sent",
    ),
    "no-idle-no-uidplus-no-special-use": (
        MailLayout(folders=(("Drafts", NO_FLAGS), ("Sent Items", NO_FLAGS)), hide=frozenset({"IDLE", "UIDPLUS", "SPECIAL-USE"})),
        "Drafts",
        "Sent Items",
    ),
    "gmail": (
        MailLayout(
            folders=(
                ("[Gmail]/Drafts", "\\Drafts"),
                ("[Gmail]/Sent Mail", "\\Sent"),
                ("[Gmail]/All Mail", "\\All"),
                ("[Gmail]/Spam", "\\Junk"),
                ("[Gmail]/Trash", "\\Trash"),
            )
        ),
        "[Gmail]/Drafts",
        "[Gmail]/Sent Mail",
    ),
    "localised-flagged": (MailLayout(folders=(("Entwürfe", "\\Drafts"), ("Gesendete Elemente", "\\Sent"))), "Entwürfe", "Gesendete Elemente"),
    "localised-no-special-use": (
        MailLayout(prefix="INBOX.", separator=".", folders=(("Entwürfe", NO_FLAGS), ("Gesendet", NO_FLAGS)), hide=frozenset({"SPECIAL-USE"})),
        "INBOX.Entwürfe",
        "INBOX.Gesendet",
    ),
    # Cyrus lists special-use flags in lower case; names no list of common names holds.
    "cyrus-lower-case-flags": (
        MailLayout(prefix="INBOX.", separator=".", folders=(("Kladde", "\\drafts"), ("Postausgang", "\\sent"))),
        "INBOX.Kladde",
        "INBOX.Postausgang",
    ),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_rebound_once_on_another_servers_layout(name: str, tmp_path: Path, dovecot_factory: DovecotFactory) -> None:
    layout, drafts_folder, sent_folder = LAYOUTS[name]
    server = dovecot_factory(tls=False, layout=layout)
    account = ImapAccount(server=server, user=server.user, password=server.password)
    folders = account.folders()
    assert drafts_folder in folders and sent_folder in folders, folders
    if "lower-case" in name:
        assert "\\drafts" in folders[drafts_folder]  # Dovecot lists the flag as configured
    parent = f"<layout-{name}@fenwickhale.com>"
    account.append("INBOX", rejection(parent))
    personal = demo("16")  # a friend's dinner invitation: no draft
    account.append("INBOX", personal.raw)
    rebound = make_rebound(tmp_path, account)

    first = rebound.once()

    assert summary(first.stdout)["drafts"] == 1, first.stdout + first.stderr
    [draft] = drafts(account, drafts_folder)
    assert draft.in_reply_to == parent
    assert {"\\Draft", "\\Seen"} <= draft.flags
    for folder in folders:
        if folder not in ("INBOX", drafts_folder):
            assert account.messages(folder) == [], f"{folder} was written to"
    assert account.flags_of("INBOX") == {parent: set(), personal.message_id: set()}

    # The user sends the draft: their client files it in Sent and takes it out of Drafts.
    account.append(sent_folder, set_header(draft.raw, "Date", "Tue, 24 Nov 2026 10:00:00 +0000"), "\\Seen")
    delete_message(account, drafts_folder, draft.message_id)
    second = rebound.once()

    assert "Traceback" not in second.stderr
    assert rebound.query("SELECT status, folder FROM draftrecord") == [("sent", sent_folder)]
    assert account.flags_of("INBOX") == {parent: set(), personal.message_id: set()}
    assert drafts(account, drafts_folder) == []

