"""The two Rebound folders: made on first run, then read like watched folders, each with its own cursor.

Moving an email into `Rebound/Rejection` or `Rebound/Not a rejection` is how a user corrects
Rebound from any mail client, as they would correct a spam filter. The names take the server's
namespace prefix and separator (`INBOX.Rebound.Rejection` on a server with the "INBOX." prefix and
"."). A pass reads only what arrived in them since the last one: a UID SEARCH per folder, as for a
watched folder. A first look (and a look after a UIDVALIDITY change or a lost database) reads the
whole folder: everything in it is a correction, and correcting an email twice to the same verdict
changes nothing.
"""

from __future__ import annotations

import logging
from typing import Protocol

from agent.corrections.records import Corrections
from agent.corrections.verdicts import NOT_REJECTION
from agent.domain import IncomingEmail, Label, MailSource
from agent.errors import ConnectionLost, MailboxError
from agent.store import Store

log = logging.getLogger(__name__)

# Where the folders go and what moving an email into each says.
PARENT = "Rebound"
FOLDERS = (("Rejection", Label.REJECTION.value), ("Not a rejection", NOT_REJECTION))
# Emails fetched per round trip.
BATCH = 50


class FolderSource(MailSource, Protocol):
    """A mail source that can make folders (IMAP)."""

    def ensure_folder(self, *path: str) -> str: ...


class CorrectionFolders:
    """The Rebound folders of one mailbox."""

    def __init__(self, source: FolderSource, store: Store, account: str) -> None:
        self.source = source
        self.store = store
        self.account = account
        self.records = Corrections(store)
        self._verdicts: dict[str, str] | None = None

    @property
    def names(self) -> list[str]:
        """The folders' full names on this server, once they are known."""
        return list(self._verdicts or {})

    def read(self) -> dict[str, IncomingEmail]:
        """Queue a correction for every email put into a Rebound folder since the last pass; those emails by Message-ID."""
        try:
            if self._verdicts is None:
                # Once per connection (and again after a failure): CREATE only what is missing.
                self._verdicts = {self.source.ensure_folder(PARENT, leaf): verdict for leaf, verdict in FOLDERS}
        except ConnectionLost:
            raise
        except MailboxError as exc:
            log.warning("cannot make the Rebound folders (%s); moving mail into them corrects nothing until they exist", exc)
            return {}
        found: dict[str, IncomingEmail] = {}
        for folder, verdict in self._verdicts.items():
            try:
                found.update(self._read(folder, verdict))
            except ConnectionLost:
                raise
            except MailboxError as exc:  # deleted or renamed meanwhile: made again on the next pass
                log.warning("cannot read %s (%s); it is made again on the next pass", folder, exc)
                self._verdicts = None
        return found

    def _read(self, folder: str, verdict: str) -> dict[str, IncomingEmail]:
        state = self.source.folder_state(folder)
        cursor = self.store.cursor(self.account, folder)
        fresh = cursor is None or cursor.uidvalidity != state.uidvalidity
        uids = self.source.uids_after(folder, 0 if fresh or cursor is None else cursor.last_uid)
        if fresh and not uids:
            self.store.set_cursor(self.account, folder, state.uidvalidity, max(state.uidnext - 1, 0))
        found: dict[str, IncomingEmail] = {}
        for start in range(0, len(uids), BATCH):
            for mail in self.source.fetch(folder, uids[start : start + BATCH]):
                if self.records.latest_verdict(self.account, mail.message_id) != verdict:
                    self.records.queue(
                        self.account, mail.message_id, verdict, "folder", mail=mail, folder=folder, uid=mail.uid, uidvalidity=state.uidvalidity
                    )
                    found[mail.message_id] = mail
                    log.info("%s put into %s: queued as %s", mail.message_id, folder, verdict)
                self.store.advance_cursor(self.account, folder, state.uidvalidity, mail.uid)
        if uids:
            self.store.advance_cursor(self.account, folder, state.uidvalidity, max(uids))  # past any that vanished meanwhile
        return found
