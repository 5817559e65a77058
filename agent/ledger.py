"""Rebound's drafts on the server: placed once, and what became of them, decided in one place.

The server is the source of truth. Before a draft is APPENDed, Drafts is searched for a draft of
Rebound's that already answers the same email (In-Reply-To and X-Rebound-Draft), Sent for a reply
the user already sent, and Trash for one they threw away: so a new or restored database, a second
machine, or a crash between APPEND and commit never doubles a draft, and a database that was lost
finds every draft again. Afterwards each pass (and the digest) asks what became of the drafts
saved earlier: still in Drafts (perhaps under a new UID), sent (found in Sent, agent/sent.py),
or deleted.

Looking one draft up must not stop the pass: a server that chokes on one search (an 8-bit
Message-ID) leaves that draft as it was, logged, and the others go on. Only a lost connection
stops the pass, to be retried by reconnecting.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from agent.domain import Fate, MailSource, ServerDraft
from agent.errors import ConnectionLost
from agent.sent import sent_copies
from agent.store import Store, StoredDraft

log = logging.getLogger(__name__)

# A draft for an email the user said is not a rejection (agent/corrections): WITHDRAWING until it is
# taken out of Drafts, then WITHDRAWN. Neither is "discarded": the user did not throw it away, Rebound did.
WITHDRAWING = "withdrawing"
WITHDRAWN = "withdrawn"
# Every state a draft can be in: a withdrawn draft is still one of ours, never someone else's reply.
_EVERY_STATUS = ("saved", "sent", "discarded", "pending", WITHDRAWING, WITHDRAWN)


class Ledger:
    """The drafts of one account, kept in step with one mail source."""

    def __init__(self, source: MailSource, store: Store, account: str) -> None:
        self.source = source
        self.store = store
        self.account = account

    # --- writing a draft ----------------------------------------------------------------------

    def place(self, draft: StoredDraft, drafts_folder: str, seen: Seen | None = None) -> int:
        """Put a recorded draft on the server unless it (or an answer to the same email) is there already; 1 if APPENDed.

        seen: what place_all() read from the server for many drafts at once, instead of looking for this one alone.
        """
        try:
            if self._found(draft, drafts_folder, seen):
                return 0
        except ConnectionLost:
            raise
        except Exception as exc:  # noqa: BLE001 - one odd email must not stop the pass; it stays pending
            log.warning("cannot look for existing replies to %s (%s: %s); the draft waits for the next pass",
                        draft.parent_message_id, exc.__class__.__name__, exc)
            return 0
        uid = self.source.append_draft(drafts_folder, draft.raw)
        self.store.set_draft_status(draft.id, "saved", folder=drafts_folder, uid=uid)
        log.info("saved a %s draft to %s in %s (uid %s), replying to %s", draft.kind, draft.to or "(no address)", drafts_folder, uid,
                 draft.parent_message_id)
        return 1

    def place_all(self, drafts: Sequence[StoredDraft], drafts_folder: str) -> int:
        """place() for many drafts, with Drafts, Sent and Trash searched once for all of them; how many were APPENDed.

        A first pass writes hundreds of drafts, and looking for each one alone costs six commands
        (three folders opened and searched) besides its APPEND. What the server holds is read
        before any of these drafts is written, which changes nothing: a draft written meanwhile
        is one of ours, and place() never counts our own drafts as the server's answer.
        """
        together = [d for d in drafts if d.parent_message_id and d.parent_message_id.isascii()]
        seen: Seen | None = None
        if len(together) > 1 and hasattr(self.source, "find_drafts_for_each"):
            parents = sorted({d.parent_message_id for d in together})
            try:
                seen = self._look(parents, drafts_folder)
            except ConnectionLost:
                raise
            except Exception as exc:  # noqa: BLE001 - looked for one by one instead
                log.info("cannot look for replies to %d emails at once (%s: %s); looking one by one", len(parents), exc.__class__.__name__, exc)
        return sum(self.place(d, drafts_folder, seen if seen is not None and d in together else None) for d in drafts)

    def _look(self, parents: Sequence[str], drafts_folder: str) -> Seen:
        source: Any = self.source  # an ImapMailbox: the only source with the *_each lookups
        sent, trash = source.sent_folder(), source.trash_folder()
        return Seen(
            drafts=source.find_drafts_for_each(drafts_folder, parents),
            sent=source.replies_to_each(sent, parents) if sent else {},
            trash=source.find_drafts_for_each(trash, parents) if trash else {},
        )

    def _found(self, draft: StoredDraft, drafts_folder: str, seen: Seen | None = None) -> bool:
        """Link the draft to what the server already holds for its email, if anything; True when it needs no APPEND."""
        def known(ids: Sequence[str]) -> set[str]:
            """Which of these Message-IDs are drafts of ours (in any state) other than this one."""
            return self.store.draft_message_ids(self.account, ids) - {draft.message_id}

        parent = draft.parent_message_id
        found = seen.drafts[parent] if seen is not None else self.source.find_drafts_for(drafts_folder, parent)
        ours = known([d.message_id for d in found]) if found else set()
        on_server = [d for d in found if d.message_id not in ours]
        if on_server:
            match = _best(on_server, draft)
            self.store.set_draft_status(draft.id, "saved", folder=drafts_folder, uid=match.uid, message_id=match.message_id)
            log.info("a %s draft answering %s was already in %s (uid %s): linked, not written again", match.kind,
                     draft.parent_message_id, drafts_folder, match.uid)
            return True
        sent = self.source.sent_folder()
        if sent:
            if seen is not None:
                ids = seen.sent[parent]
            else:
                replies = self.source.find_replies_to(sent, parent)
                ids = list(self.source.message_ids(sent, replies).values()) if replies else []
            ours = known(ids) if ids else set()
            copies = [m for m in ids if m not in ours]
            if copies:
                self.store.set_draft_status(draft.id, "sent", folder=sent, message_id=copies[0])
                log.info("%s was already answered from %s: no draft", draft.parent_message_id, sent)
                return True
        trash = self.source.trash_folder()
        binned = (seen.trash[parent] if seen is not None else self.source.find_drafts_for(trash, parent)) if trash else []
        ours = known([d.message_id for d in binned]) if binned else set()
        thrown = [d for d in binned if d.message_id not in ours]
        if thrown:
            self.store.set_draft_status(draft.id, "discarded", folder=trash, message_id=thrown[0].message_id)
            log.info("a draft answering %s is in %s: you deleted it, so it is not written again", draft.parent_message_id, trash)
            return True
        return False

    def reconcile(self, drafts_folder: str) -> int:
        """Finish drafts recorded but not yet on the server (a crash, a refused APPEND); how many were APPENDed."""
        return self.place_all(self.store.pending_drafts(self.account), drafts_folder)

    # --- what became of them ------------------------------------------------------------------

    def settle(self, drafts: Sequence[StoredDraft], drafts_folder: str) -> dict[int, Fate]:
        """What became of each draft: still in Drafts, sent, or deleted; the store learns every change."""
        # A withdrawn draft's fate was decided by a correction, not by what is on the server.
        fates: dict[int, Fate] = {d.id: Fate(d.status) for d in drafts if d.status in ("pending", WITHDRAWING, WITHDRAWN)}
        placed = [d for d in drafts if d.id not in fates]
        if not placed:
            return fates
        # Our own drafts by the UIDs they were saved under: one FETCH of headers, the usual case.
        by_uid = self.source.message_ids(drafts_folder, sorted({d.uid for d in placed if d.uid and d.folder in ("", drafts_folder)}))
        gone = []
        for d in placed:
            if d.uid and by_uid.get(d.uid) == d.message_id:
                fates[d.id] = Fate("saved")
            else:
                gone.append(d)
        if gone and any(d.status != "sent" for d in gone):
            # Only when one seems gone is the whole folder read: a folder deleted and re-created
            # (new UIDVALIDITY, UIDs reused) or a client that re-saved a draft under a new UID.
            everywhere = {mid: uid for uid, mid in self.source.message_ids(drafts_folder, self.source.uids_after(drafts_folder, 0)).items()}
            for d in [d for d in gone if d.message_id in everywhere]:
                fates[d.id] = Fate("saved")
                if d.uid != everywhere[d.message_id]:
                    self.store.set_draft_status(d.id, "saved", folder=drafts_folder, uid=everywhere[d.message_id])
            gone = [d for d in gone if d.message_id not in everywhere]
        fates.update(self._sent_or_deleted(gone))
        for d in drafts:
            fate = fates[d.id]
            if fate.status != d.status:
                self.store.set_draft_status(
                    d.id, fate.status, folder=self.source.sent_folder() if fate.status == "sent" else None, sent_id=fate.sent_id or None
                )
                log.info("draft %s (reply to %s) is now %s", d.message_id, d.parent_message_id, fate.status)
        return fates

    def _sent_or_deleted(self, gone: Sequence[StoredDraft]) -> dict[int, Fate]:
        sent = self.source.sent_folder()
        everyone = self.store.drafts(self.account, statuses=_EVERY_STATUS)
        ours = {d.message_id for d in everyone}
        fates: dict[int, Fate] = {}
        for parent, group in groupby(sorted(gone, key=lambda d: d.parent_message_id), key=lambda d: d.parent_message_id):
            drafts = list(group)
            copies: dict[int, str] = {}
            if sent:
                # A sibling sent earlier competes for the replies in Sent, so its copy is not taken for one of these.
                earlier = [d for d in everyone if d.status == "sent" and d.parent_message_id == parent and d not in drafts]
                try:
                    copies = sent_copies(self.source, sent, [*drafts, *earlier], ours)
                except ConnectionLost:
                    raise
                except Exception as exc:  # noqa: BLE001 - this email's drafts keep their state; the others are settled
                    log.warning("cannot look in %s for replies to %s (%s: %s)", sent, parent, exc.__class__.__name__, exc)
                    for d in drafts:
                        fates[d.id] = Fate(d.status)
                    continue
            for d in drafts:
                # A sent message moved out of Sent was still sent.
                fates[d.id] = Fate("sent", copies[d.id]) if d.id in copies else Fate("sent" if d.status == "sent" else "discarded")
        return fates

    # --- taking drafts back ------------------------------------------------------------------

    def withdraw(self, drafts: Sequence[StoredDraft], drafts_folder: str) -> int:
        """Take Rebound's own unsent drafts out of Drafts (the email was not a rejection); how many were deleted.

        Each is found by its parent's In-Reply-To, its X-Rebound-Draft header and its own
        Message-ID, and only that message is deleted: the user's mail is never touched. One that is
        no longer in Drafts was sent meanwhile (it stays sent) or deleted by the user. A draft whose
        lookup fails stays WITHDRAWING and is tried again on the next pass.
        """
        removed = 0
        for draft in drafts:
            try:
                ours = [s for s in self.source.find_drafts_for(drafts_folder, draft.parent_message_id) if s.message_id == draft.message_id]
                for found in ours:
                    self.source.remove_draft(drafts_folder, found.uid)
                # Without a UID it never reached the server (or did, and was found above): it cannot have been sent.
                status = WITHDRAWN if ours or draft.uid is None else self._sent_or_deleted([draft])[draft.id].status
            except ConnectionLost:
                raise
            except Exception as exc:  # noqa: BLE001 - one odd draft must not stop the pass; it is tried again
                log.warning("cannot take draft %s (reply to %s) out of %s (%s: %s); trying again on the next pass",
                            draft.message_id, draft.parent_message_id, drafts_folder, exc.__class__.__name__, exc)
                continue
            status = "sent" if status == "sent" else WITHDRAWN
            self.store.set_draft_status(draft.id, status, folder=self.source.sent_folder() if status == "sent" else None)
            removed += bool(ours)
            log.info("draft %s (reply to %s) %s", draft.message_id, draft.parent_message_id,
                     "deleted from " + drafts_folder if ours else f"was no longer in {drafts_folder}: now {status}")
        return removed


@dataclass(frozen=True)
class Seen:
    """What Drafts, Sent and Trash hold that answers each of some emails, read at once (Ledger.place_all)."""

    drafts: dict[str, list[ServerDraft]]
    sent: dict[str, list[str]]
    """The Message-IDs of the messages in Sent that answer each email."""
    trash: dict[str, list[ServerDraft]]


def _best(found: Sequence[ServerDraft], draft: StoredDraft) -> ServerDraft:
    """The server's draft that stands for this one: itself (a crash after APPEND), else one of its kind, else any."""
    return next((f for f in found if f.message_id == draft.message_id), None) or next(
        (f for f in found if f.kind == draft.kind), found[0]
    )
