"""The corrections in the database: queued, applied with the email's new label in one transaction, listed, learned from.

The queries live here rather than in agent/store.py, which is about mail as it arrives; they use
its sessions and tables, and the same rules for what is kept (no body for mail that is not about
a job, except the words of an email the user corrected, which `rebound learn` needs).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from agent.corrections.verdicts import Lesson
from agent.domain import Classification, DraftPlan, IncomingEmail, Label
from agent.ledger import WITHDRAWING, WITHDRAWN
from agent.recording import draft_values, email_values
from agent.store import Store
from agent.tables import CorrectionRecord, DraftRecord, EmailRecord, RejectionRecord, utcnow

# An email's words kept for learning: quoted history and footers are cut when it is read
# (agent/classifier/text.py), so the text is kept long enough for that cut to find them.
TEXT_CHARS = 20_000
# Drafts a correction to "not a rejection" takes back: those the user has not sent or thrown away.
UNSENT = ("pending", "saved")


@dataclass(frozen=True)
class Pending:
    """A correction waiting for the next pass."""

    id: int
    message_id: str
    verdict: str
    origin: str
    folder: str
    uid: int
    uidvalidity: int


@dataclass(frozen=True)
class Recorded:
    """What the database knows of an email about to be corrected."""

    message_id: str
    folder: str
    uid: int
    uidvalidity: int
    label: str
    received: datetime | None
    sender: str
    sender_name: str
    reply_to: str
    subject: str
    excerpt: str
    in_reply_to: str
    drafts: int
    """Drafts written for it and not withdrawn (whatever became of them since)."""


@dataclass(frozen=True)
class Correction:
    """One correction, as `rebound list --corrected` shows it."""

    message_id: str
    verdict: str
    origin: str
    folder: str
    label_before: str
    uncertain_before: bool
    label_after: str
    status: str
    outcome: str
    error: str
    created_at: datetime
    sender: str
    subject: str
    learned: bool


class Corrections:
    """Every correction of one database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def queue(
        self,
        account: str,
        message_id: str,
        verdict: str,
        origin: str,
        *,
        mail: IncomingEmail | None = None,
        folder: str = "",
        uid: int = 0,
        uidvalidity: int = 0,
    ) -> int:
        """Queue a correction for the next pass; a correction of the same email still waiting is replaced (the latest word wins)."""
        with self.store.session() as s:
            row = s.exec(
                select(CorrectionRecord).where(
                    CorrectionRecord.account == account, CorrectionRecord.message_id == message_id, CorrectionRecord.status == "pending"
                )
            ).first()
            row = row or CorrectionRecord(account=account, message_id=message_id, verdict=verdict, origin=origin)
            row.verdict, row.origin, row.folder, row.uid, row.uidvalidity = verdict, origin, folder, uid, uidvalidity
            if mail is not None:
                row.subject, row.text = mail.subject, mail.text[:TEXT_CHARS]
            s.add(row)
            s.flush()
            assert row.id is not None
            return row.id

    def pending(self, account: str) -> list[Pending]:
        """Corrections waiting to be applied, oldest first."""
        with self.store.session() as s:
            rows = s.exec(
                select(CorrectionRecord)
                .where(CorrectionRecord.account == account, CorrectionRecord.status == "pending")
                .order_by(col(CorrectionRecord.id))
            ).all()
            return [Pending(r.id or 0, r.message_id, r.verdict, r.origin, r.folder, r.uid, r.uidvalidity) for r in rows]

    def latest_verdict(self, account: str, message_id: str) -> str | None:
        """What the user last said of this email (applied or waiting), if anything."""
        with self.store.session() as s:
            row = s.exec(
                select(CorrectionRecord)
                .where(
                    CorrectionRecord.account == account,
                    CorrectionRecord.message_id == message_id,
                    col(CorrectionRecord.status).in_(["pending", "applied"]),
                )
                .order_by(col(CorrectionRecord.id).desc())
            ).first()
            return row.verdict if row else None

    def recorded(self, account: str, message_id: str) -> Recorded | None:
        """The email as recorded (None if Rebound never saw it), with how many of its drafts still count."""
        with self.store.session() as s:
            row = s.exec(select(EmailRecord).where(EmailRecord.account == account, EmailRecord.message_id == message_id)).first()
            if row is None:
                return None
            statuses = s.exec(select(DraftRecord.status).where(DraftRecord.email_id == row.id)).all()
            return Recorded(
                row.message_id, row.folder, row.uid, row.uidvalidity, row.label, row.received, row.sender, row.sender_name,
                row.reply_to, row.subject, row.excerpt, row.in_reply_to, sum(st not in (WITHDRAWING, WITHDRAWN) for st in statuses),
            )  # fmt: skip

    def apply(
        self,
        account: str,
        correction: Pending,
        mail: IncomingEmail | None,
        result: Classification,
        drafts: Sequence[DraftPlan] = (),
        *,
        skip_reason: str = "",
        check: Sequence[str] = (),
        drafts_folder: str = "",
    ) -> str:
        """Relabel the email (recording it if it is new), write or withdraw its drafts and close the correction, atomically.

        mail: the email as fetched now (None when it could not be found: only the label changes).
        Returns what happened to the drafts, in a few words.
        """
        with self.store.session() as s:
            done = s.get(CorrectionRecord, correction.id)
            if done is None or done.status != "pending":
                return done.outcome if done else ""  # applied by another process meanwhile
            row = s.exec(select(EmailRecord).where(EmailRecord.account == account, EmailRecord.message_id == correction.message_id)).first()
            if row is None:
                if mail is None:
                    raise LookupError(f"{correction.message_id} is not recorded and was not found on the server")
                row = EmailRecord(account=account, message_id=mail.message_id, folder=mail.folder, uid=mail.uid, uidvalidity=correction.uidvalidity)
            else:
                done.label_before, done.uncertain_before, done.confidence_before = row.label, row.uncertain, row.confidence
            if correction.origin == "folder":
                row.folder, row.uid, row.uidvalidity = correction.folder, correction.uid, correction.uidvalidity  # where the user put it
            if mail is not None:
                _describe(row, mail, result)
                if not done.text:
                    done.subject, done.text = mail.subject, mail.text[:TEXT_CHARS]
            elif not done.text:
                done.subject, done.text = row.subject, row.excerpt  # all that is left of an email no longer on the server
            row.label, row.confidence, row.uncertain = result.label.value, result.confidence, result.uncertain
            if not result.is_job:
                row.excerpt = ""
            row.status, row.error = "processed", ""
            s.add(row)
            s.flush()
            assert row.id is not None
            rejection = s.exec(select(RejectionRecord).where(RejectionRecord.email_id == row.id)).first()
            if result.label is Label.REJECTION:
                rejection = rejection or RejectionRecord(email_id=row.id)
                ex = result.extraction
                rejection.company, rejection.role, rejection.stage, rejection.situation = ex.company, ex.role, ex.stage.value, ex.situation.value
                rejection.contact, rejection.received = row.reply_to or row.sender, row.received
                rejection.draft_skip_reason = skip_reason
                rejection.check_reasons = json.dumps(list(check), ensure_ascii=False)
                s.add(rejection)
                for plan in drafts:
                    s.add(DraftRecord(**draft_values(account, row.id, plan, drafts_folder, utcnow())))
                outcome = f"drafted: {', '.join(p.kind.value for p in drafts)}" if drafts else f"no draft: {skip_reason}" if skip_reason else ""
            else:
                if rejection is not None:
                    s.delete(rejection)
                unsent = s.exec(select(DraftRecord).where(DraftRecord.email_id == row.id, col(DraftRecord.status).in_(UNSENT))).all()
                for draft in unsent:
                    draft.status = WITHDRAWING
                    s.add(draft)
                outcome = f"{len(unsent)} unsent draft(s) withdrawn" if unsent else ""
            done.status, done.applied_at, done.label_after, done.outcome, done.error = "applied", utcnow(), result.label.value, outcome, ""
            s.add(done)
            return outcome

    def fail(self, correction_id: int, error: str) -> None:
        """Give up on a correction that cannot be applied; `rebound list --corrected` shows why."""
        with self.store.session() as s:
            row = s.get(CorrectionRecord, correction_id)
            if row is not None:
                row.status, row.error = "failed", error[:500]
                s.add(row)

    def listing(self, account: str) -> list[Correction]:
        """Every correction of an account, oldest first."""
        with self.store.session() as s:
            rows = s.exec(
                select(CorrectionRecord, EmailRecord)
                .join(
                    EmailRecord,
                    (col(EmailRecord.account) == col(CorrectionRecord.account)) & (col(EmailRecord.message_id) == col(CorrectionRecord.message_id)),
                    isouter=True,
                )
                .where(CorrectionRecord.account == account)
                .order_by(col(CorrectionRecord.id))
            ).all()
            return [
                Correction(
                    c.message_id, c.verdict, c.origin, c.folder, c.label_before, c.uncertain_before, c.label_after, c.status, c.outcome,
                    c.error, c.created_at, e.sender if e else "", c.subject or (e.subject if e else ""), c.learned_at is not None,
                )
                for c, e in rows
            ]

    def lessons(self) -> list[tuple[int, Lesson]]:
        """What `rebound learn` learns from: the latest applied correction of every email, every account; with their ids."""
        with self.store.session() as s:
            rows = s.exec(select(CorrectionRecord).where(CorrectionRecord.status == "applied").order_by(col(CorrectionRecord.id))).all()
            latest = {(r.account, r.message_id): r for r in rows}
            return [(r.id or 0, Lesson(r.subject, r.text, r.verdict, r.label_after)) for r in latest.values() if r.subject or r.text]

    def mark_learned(self, ids: Sequence[int]) -> None:
        """Note that these corrections are in the personal pipeline now."""
        with self.store.session() as s:
            for row in s.exec(select(CorrectionRecord).where(col(CorrectionRecord.id).in_(list(ids)))).all():
                row.learned_at = utcnow()
                s.add(row)


# What a correction leaves as it was: where the message is (the correction decides) and its history.
_KEPT = frozenset({"folder", "uid", "uidvalidity", "answers_draft_id", "status", "error"})


def _describe(row: EmailRecord, mail: IncomingEmail, result: Classification) -> None:
    """What Store.record writes of a message, from the email as fetched now (agent/recording.py decides it)."""
    for name, value in email_values(mail, result, row.uidvalidity or 0, None).items():
        if name not in _KEPT:
            setattr(row, name, value)
