"""How agent/mailbox.py picks the Drafts and Sent folders from what LIST says (servers: test_servers_integration.py)."""

from __future__ import annotations

from agent.mailbox import DRAFTS_NAMES, SENT_NAMES, Folder, special_folder


def test_special_use_flags_match_in_any_case() -> None:
    # Cyrus lists \drafts and \sent in lower case; IMAP atoms are case-insensitive.
    folders = [Folder("INBOX", (), "."), Folder("INBOX.Kladde", ("\\HasNoChildren", "\\drafts"), "."), Folder("INBOX.Postausgang", ("\\SENT",), ".")]
    assert special_folder(folders, "\\Drafts", DRAFTS_NAMES) == "INBOX.Kladde"
    assert special_folder(folders, "\\Sent", SENT_NAMES) == "INBOX.Postausgang"


def test_the_flag_wins_over_a_common_name() -> None:
    folders = [Folder("Drafts", (), "/"), Folder("Concepts", ("\\Drafts",), "/")]
    assert special_folder(folders, "\\Drafts", DRAFTS_NAMES) == "Concepts"


def test_gmail_layout_and_its_noselect_parent() -> None:
    folders = [
        Folder("INBOX", (), "/"),
        Folder("[Gmail]", ("\\Noselect", "\\HasChildren"), "/"),
        Folder("[Gmail]/Drafts", ("\\Drafts",), "/"),
        Folder("[Gmail]/Sent Mail", ("\\Sent",), "/"),
    ]
    assert special_folder(folders, "\\Drafts", DRAFTS_NAMES) == "[Gmail]/Drafts"
    assert special_folder(folders, "\\Sent", SENT_NAMES) == "[Gmail]/Sent Mail"
    unflagged = [Folder(f.name, tuple(x for x in f.flags if x not in ("\\Drafts", "\\Sent")), f.delimiter) for f in folders]
    assert special_folder(unflagged, "\\Drafts", DRAFTS_NAMES) == "[Gmail]/Drafts"


def test_without_special_use_a_localised_name_under_a_namespace_prefix_is_found() -> None:
    folders = [Folder("INBOX", (), "."), Folder("INBOX.Entwürfe", (), "."), Folder("INBOX.Gesendet", (), ".")]
    assert special_folder(folders, "\\Drafts", DRAFTS_NAMES) == "INBOX.Entwürfe"
    assert special_folder(folders, "\\Sent", SENT_NAMES) == "INBOX.Gesendet"


def test_the_shallowest_folder_of_a_name_wins() -> None:
    folders = [Folder("Projects/Book/Drafts", (), "/"), Folder("INBOX.Drafts", (), "."), Folder("Work/Drafts", (), "/")]
    assert special_folder(folders, "\\Drafts", DRAFTS_NAMES) == "INBOX.Drafts"  # a common full name first
    assert special_folder(folders[::2], "\\Drafts", DRAFTS_NAMES) == "Work/Drafts"


def test_nothing_that_looks_like_drafts() -> None:
    assert special_folder([Folder("INBOX", (), "/"), Folder("Archive", ("\\Archive",), "/")], "\\Drafts", DRAFTS_NAMES) is None
    assert special_folder([Folder("[Gmail]", ("\\Noselect",), "/")], "\\Drafts", ("[Gmail]",)) is None
