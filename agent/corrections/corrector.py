"""Applying corrections: the email relabelled, its drafts withdrawn or written, each correction exactly once.

A correction is queued first (by the folder reader or by `rebound correct`) and applied here, in
the pass: the new label, the drafts to write or to take back and the correction's own state are
committed together; the server follows (drafts APPENDed by the ledger, withdrawn drafts deleted
from Drafts). A crash between the two leaves drafts pending or withdrawing, finished on the next pass.

The email stays where the user put it: it is read by UID or found by its Message-ID, never
moved, never flagged. Only Rebound's own drafts are ever deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from agent.classifier import Classifier
from agent.corrections.records import Corrections, Pending, Recorded
from agent.corrections.verdicts import corrected
from agent.domain import DraftPlan, IncomingEmail, Label, MailSource
from agent.drafts import DraftWriter
from agent.errors import ConnectionLost, MailboxError, StoreError
from agent.ledger import WITHDRAWING, Ledger
from agent.store import Store

log = logging.getLogger(__name__)


@dataclass
class Applied:
    """What one round of corrections did."""

    corrected: int = 0
    drafts_saved: int = 0
    drafts_withdrawn: int = 0
    failed: int = 0


class Corrector:
    """Applies the queued corrections of one account against one mail source."""

    def __init__(
        self,
        source: MailSource,
        store: Store,
        classifier: Classifier,
        writer: DraftWriter,
        account: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.source = source
        self.store = store
        self.classifier = classifier
        self.writer = writer
        self.account = account
        self.clock = clock
        self.records = Corrections(store)
        self.ledger = Ledger(source, store, account)

    def apply_pending(self, drafts_folder: str, fetched: Mapping[str, IncomingEmail] | None = None, look_in: Sequence[str] = ()) -> Applied:
        """Apply every queued correction, then bring Drafts in step.

        fetched: emails already read this pass, by Message-ID; look_in: the folders to search for the others.
        """
        done = Applied()
        queued = self.records.pending(self.account)
        if queued:
            # The same pipeline, extracting from every email: a corrected email may not have looked like a rejection at all.
            judge = Classifier(threshold=self.classifier.threshold, extract_all=True, nlp=self.classifier.nlp)
        for correction in queued:
            try:
                mail = (fetched or {}).get(correction.message_id) or self._find(correction, look_in)
                self._apply(correction, mail, judge, drafts_folder)
                done.corrected += 1
            except (MailboxError, StoreError):
                raise  # the connection or the database is gone: the whole pass is retried
            except Exception as exc:  # noqa: BLE001 - one correction that cannot be applied never stops the others
                self.records.fail(correction.id, f"{exc.__class__.__name__}: {exc}")
                log.warning("correction of %s to %s failed: %s: %s", correction.message_id, correction.verdict, exc.__class__.__name__, exc)
                done.failed += 1
        withdrawing = self.store.drafts(self.account, statuses=(WITHDRAWING,))
        if withdrawing:
            done.drafts_withdrawn = self.ledger.withdraw(withdrawing, drafts_folder)
        done.drafts_saved = self.ledger.reconcile(drafts_folder)
        return done

    def _apply(self, correction: Pending, mail: IncomingEmail | None, judge: Classifier, drafts_folder: str) -> None:
        record = self.records.recorded(self.account, correction.message_id)
        found = mail
        if mail is None:
            if record is None:
                raise LookupError(f"{correction.message_id} is not recorded and is not on the server")
            log.info("%s is no longer on the server: relabelled from what was recorded", correction.message_id)
            mail = _from_record(record)
        result = corrected(correction.verdict, judge.classify(mail), judge.scores(mail), record.label if record else "")
        plans: list[DraftPlan] = []
        reason = ""
        check: Sequence[str] = ()
        if result.label is Label.REJECTION and not (record and record.drafts):
            now = self.clock()
            kinds, reason = self.writer.kinds_for(mail, result, now)
            plans = self.writer.plan(kinds, mail, result, now)
            check = self.writer.wording(result).check if plans else ()
        outcome = self.records.apply(
            self.account, correction, found, result, plans, skip_reason=reason, check=check, drafts_folder=drafts_folder
        )
        log.info("%s corrected (%s): %s → %s%s", correction.message_id, correction.origin, record.label if record else "unseen",
                 result.label.value, f"; {outcome}" if outcome else "")

    def _find(self, correction: Pending, look_in: Sequence[str]) -> IncomingEmail | None:
        """The email on the server: where it was last seen, else by its Message-ID in the folders Rebound reads."""
        if correction.folder and correction.uid:
            try:
                if self.source.folder_state(correction.folder).uidvalidity == correction.uidvalidity:
                    mail = self._fetch(correction.folder, correction.uid, correction.message_id)
                    if mail is not None:
                        return mail
            except ConnectionLost:
                raise
            except MailboxError as exc:
                log.debug("%s not read from %s: %s", correction.message_id, correction.folder, exc)
        for folder in dict.fromkeys(f for f in (correction.folder, *look_in) if f):
            try:
                uid = self.source.find_message_id(folder, correction.message_id)
                mail = self._fetch(folder, uid, correction.message_id) if uid is not None else None
            except ConnectionLost:
                raise
            except MailboxError as exc:  # a folder gone, a Message-ID the server cannot search for: look on
                log.debug("%s not searched for in %s: %s", correction.message_id, folder, exc)
                continue
            if mail is not None:
                return mail
        return None

    def _fetch(self, folder: str, uid: int, message_id: str) -> IncomingEmail | None:
        return next((m for m in self.source.fetch(folder, [uid]) if m.message_id == message_id), None)


def _from_record(record: Recorded) -> IncomingEmail:
    """The email as far as it was recorded: enough to reply to it and thread the reply, and its excerpt to read."""
    return IncomingEmail(
        folder=record.folder,
        uid=record.uid,
        message_id=record.message_id,
        subject=record.subject,
        from_name=record.sender_name,
        from_addr=record.sender,
        reply_to=record.reply_to,
        to="",
        date=record.received,
        text=record.excerpt,
        in_reply_to=record.in_reply_to,
    )
