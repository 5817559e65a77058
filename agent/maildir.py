"""A local Maildir as a mail source: the demo, and people who sync with mbsync or offlineimap."""

from __future__ import annotations

import hashlib
import json
import mailbox
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

from agent.domain import FolderState, IncomingEmail, ServerDraft
from agent.errors import MailboxError
from agent.parse import parse_email, server_draft

UIDLIST = "rebound-uidlist.json"


class MaildirSource:
    """Maildir++ layout: INBOX is the root, other folders are `.Name` subfolders.

    Maildir has no UIDs, so, like Dovecot's dovecot-uidlist, a small file per folder gives each
    message a UID the first time it is seen; the folder's UIDVALIDITY comes from its path.
    """

    def __init__(self, root: Path, drafts_folder: str = "Drafts") -> None:
        if not (root / "cur").is_dir():
            raise MailboxError(f"{root} is not a Maildir (no cur/ folder)")
        self.root = root
        self._drafts = drafts_folder

    def _dir(self, folder: str) -> Path:
        return self.root if folder.upper() == "INBOX" else self.root / f".{folder}"

    def _maildir(self, folder: str, create: bool = False) -> mailbox.Maildir:
        path = self._dir(folder)
        if not path.is_dir() and not create:
            raise MailboxError(f"folder {folder!r} does not exist in {self.root}")
        return mailbox.Maildir(path, factory=None, create=create)

    def _uids(self, folder: str) -> dict[str, int]:
        path = self._dir(folder) / UIDLIST
        known: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
        box = self._maildir(folder)
        new = [k for k in box.iterkeys() if k not in known]
        if new:
            # Maildir file names start with the delivery time, so sorting them assigns UIDs in
            # delivery order, as an IMAP server would.
            new.sort()
            next_uid = max(known.values(), default=0) + 1
            for key in new:
                known[key], next_uid = next_uid, next_uid + 1
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(known))
            tmp.replace(path)
        return known

    def folder_state(self, folder: str) -> FolderState:
        """UIDVALIDITY from the folder's path; UIDNEXT from the UID list."""
        uids = self._uids(folder)
        validity = int(hashlib.sha256(str(self._dir(folder).resolve()).encode()).hexdigest()[:7], 16)
        return FolderState(folder, validity, max(uids.values(), default=0) + 1)

    def uids_after(self, folder: str, last_uid: int) -> list[int]:
        """UIDs above last_uid, ascending."""
        return sorted(u for u in self._uids(folder).values() if u > last_uid)

    def uids_since(self, folder: str, since: date) -> list[int]:
        """UIDs of messages dated on or after a day (by the Date header), ascending."""
        out = []
        for uid, mail in self._read(folder, sorted(self._uids(folder).values())):
            if mail.date is None or mail.date.date() >= since:
                out.append(uid)
        return out

    def message_ids(self, folder: str, uids: Sequence[int]) -> dict[int, str]:
        """The Message-ID of each UID."""
        return {uid: mail.message_id for uid, mail in self._read(folder, uids)}

    def _read(self, folder: str, uids: Sequence[int]) -> Iterator[tuple[int, IncomingEmail]]:
        by_uid = {u: k for k, u in self._uids(folder).items()}
        box = self._maildir(folder)
        for uid in uids:
            key = by_uid.get(uid)
            if key is None:
                continue
            try:
                raw = box.get_bytes(key)
            except KeyError:
                continue  # removed since the UID list was read
            yield uid, parse_email(raw, folder=folder, uid=uid)

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[IncomingEmail]:
        """Read messages by UID; their files and flags are never changed."""
        for _uid, mail in self._read(folder, uids):
            yield mail

    def drafts_folder(self) -> str:
        """The Drafts subfolder, created on first use as mail clients do."""
        self._maildir(self._drafts, create=True)
        return self._drafts

    def sent_folder(self) -> str | None:
        """The Sent subfolder, if there is one."""
        return "Sent" if self._dir("Sent").is_dir() else None

    def trash_folder(self) -> str | None:
        """The Trash subfolder, if there is one."""
        return "Trash" if self._dir("Trash").is_dir() else None

    def append_draft(self, folder: str, raw: bytes) -> int | None:
        """Store a draft with the Draft and Seen flags (Maildir 'D' and 'S')."""
        msg = mailbox.MaildirMessage(raw)
        msg.set_subdir("cur")
        msg.set_flags("DS")
        msg.set_date(time.time())
        self._maildir(folder, create=True).add(msg)
        return max(self._uids(folder).values())

    def append_message(self, folder: str, raw: bytes) -> None:
        """Deliver an unread message into a folder."""
        self._maildir(folder, create=True).add(mailbox.MaildirMessage(raw))

    def remove_draft(self, folder: str, uid: int) -> None:
        """Delete one of Rebound's own drafts by UID."""
        key = {u: k for k, u in self._uids(folder).items()}.get(uid)
        if key is not None:
            self._maildir(folder).discard(key)

    def find_message_id(self, folder: str, message_id: str) -> int | None:
        """UID of the message with this Message-ID in a folder, if any."""
        if not self._dir(folder).is_dir():
            return None
        for uid, mid in self.message_ids(folder, sorted(self._uids(folder).values())).items():
            if mid == message_id:
                return uid
        return None

    def find_replies_to(self, folder: str, message_id: str) -> list[int]:
        """UIDs of the messages answering this Message-ID."""
        if not self._dir(folder).is_dir():
            return []
        return [uid for uid, mail in self._read(folder, sorted(self._uids(folder).values())) if mail.in_reply_to == message_id]

    def find_drafts_for(self, folder: str, parent_message_id: str) -> list[ServerDraft]:
        """Rebound's drafts in a folder that answer this Message-ID."""
        if not self._dir(folder).is_dir():
            return []
        by_uid = {u: k for k, u in self._uids(folder).items()}
        box = self._maildir(folder)
        found = []
        for uid in self.find_replies_to(folder, parent_message_id):
            draft = server_draft(uid, box.get_bytes(by_uid[uid]))
            if draft is not None:
                found.append(draft)
        return found

    def close(self) -> None:
        """Nothing to close: every call opens and closes its own files."""


def received_dates(source: MaildirSource, folder: str) -> dict[int, datetime | None]:
    """Each UID's Date header, for callers that sort or filter by date."""
    return {uid: mail.date for uid, mail in source._read(folder, sorted(source._uids(folder).values()))}
