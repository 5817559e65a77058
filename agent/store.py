"""The database: engine, sessions and every query Rebound makes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, create_engine, select

from agent import schema
from agent.domain import Classification, DraftPlan, FeedbackPoint, IncomingEmail, Label
from agent.errors import StoreError
from agent.records import Cursor, RecordedEmail, StoredDraft, ThemeMention, aware, stored_draft
from agent.tables import DigestRecord, DraftRecord, EmailRecord, FeedbackTheme, FolderCursor, RejectionRecord, utcnow

__all__ = ["Cursor", "RecordedEmail", "Store", "StoredDraft", "ThemeMention"]

log = logging.getLogger(__name__)

# Job mail keeps a short excerpt for the digest; other mail keeps none.
EXCERPT_CHARS = 600
# A message that failed this many times is left alone (and listed) instead of retried.
MAX_ATTEMPTS = 3


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the CLI read while the daemon writes; FULL sync so a commit survives power loss.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def arrival(mail: IncomingEmail) -> datetime:
    """When a message reached the mailbox (INTERNALDATE), else its Date header, else now; in UTC, as SQLite keeps no zone."""
    return (mail.received or mail.date or utcnow()).astimezone(UTC)


class Store:
    """All reads and writes of Rebound's state."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if str(path) != ":memory:":
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot open database {path}: cannot create {path.parent}: {exc.strerror or exc}") from exc
        try:
            self.engine: Engine = create_engine(url)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            schema.upgrade(self.engine, self._safe_url())
        except ImportError as exc:  # SQLAlchemy imports the URL's driver only now
            raise StoreError(
                f"cannot open database {self._safe_url()}: its driver {exc.name or ''} is not installed"
                " (for PostgreSQL: pip install 'rebound[postgres]')"
            ) from exc
        except SQLAlchemyError as exc:
            # One line: libpq puts its hint ("Is the server running ...?") on a line of its own.
            detail = " ".join(str(exc.args[0] if exc.args else "").split())
            raise StoreError(f"cannot open database {self._safe_url()}: {exc.__class__.__name__}: {detail}") from exc

    def _safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True) if hasattr(self, "engine") else self.url.split("@")[-1]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                raise StoreError(f"database write failed: {exc.__class__.__name__}") from exc
            except BaseException:
                session.rollback()
                raise

    # --- folder cursors -------------------------------------------------------------------

    def cursor(self, account: str, folder: str) -> Cursor | None:
        """Where the last pass over this folder stopped, or None on first sight."""
        with self.session() as s:
            row = s.exec(select(FolderCursor).where(FolderCursor.account == account, FolderCursor.folder == folder)).first()
            return Cursor(row.uidvalidity, row.last_uid) if row else None

    def set_cursor(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None:
        """Start (or restart, after a UIDVALIDITY change) a folder's cursor."""
        with self.session() as s:
            self._advance(s, account, folder, uidvalidity, last_uid, force=True)

    def advance_cursor(self, account: str, folder: str, uidvalidity: int, uid: int) -> None:
        """Move past a message that needs nothing more (already recorded, e.g. delivered twice)."""
        with self.session() as s:
            self._advance(s, account, folder, uidvalidity, uid)

    @staticmethod
    def _advance(s: Session, account: str, folder: str, uidvalidity: int, uid: int, *, force: bool = False) -> None:
        row = s.exec(select(FolderCursor).where(FolderCursor.account == account, FolderCursor.folder == folder)).first()
        if row is None:
            s.add(FolderCursor(account=account, folder=folder, uidvalidity=uidvalidity, last_uid=uid))
        elif force or row.uidvalidity != uidvalidity or uid > row.last_uid:
            # Within one UIDVALIDITY the cursor only moves forward; a new UIDVALIDITY starts it afresh.
            row.uidvalidity, row.last_uid, row.updated_at = uidvalidity, uid, utcnow()
            s.add(row)

    # --- messages -------------------------------------------------------------------------

    def known_message_ids(self, account: str, message_ids: Sequence[str]) -> set[str]:
        """Which of these Message-IDs are already recorded as processed (or given up on)."""
        if not message_ids:
            return set()
        with self.session() as s:
            rows = s.exec(
                select(EmailRecord.message_id, EmailRecord.status, EmailRecord.attempts).where(
                    EmailRecord.account == account, col(EmailRecord.message_id).in_(list(message_ids))
                )
            ).all()
            return {mid for mid, status, attempts in rows if status == "processed" or attempts >= MAX_ATTEMPTS}

    def record(
        self,
        account: str,
        mail: IncomingEmail,
        result: Classification,
        drafts: Sequence[DraftPlan],
        *,
        uidvalidity: int,
        skip_reason: str = "",
        check: Sequence[str] = (),
        drafts_folder: str = "",
        answers: int | None = None,
        feedback: Sequence[FeedbackPoint] = (),
    ) -> list[StoredDraft]:
        """Record a message, its rejection and its draft intents, and advance the cursor, atomically.

        answers: the id of the draft of ours this message answers; feedback: what that answer says to work on.
        """
        ex = result.extraction
        with self.session() as s:
            row = s.exec(select(EmailRecord).where(EmailRecord.account == account, EmailRecord.message_id == mail.message_id)).first()
            if row is not None and row.status == "processed":
                self._advance(s, account, mail.folder, uidvalidity, mail.uid)
                return []  # delivered twice: handled once
            row = row or EmailRecord(account=account, message_id=mail.message_id, folder=mail.folder, uid=mail.uid)
            row.folder, row.uid, row.uidvalidity = mail.folder, mail.uid, uidvalidity
            row.received, row.header_date = arrival(mail), mail.date.astimezone(UTC) if mail.date else None
            row.sender, row.sender_name, row.reply_to = mail.from_addr, mail.from_name, mail.reply_to
            row.subject, row.in_reply_to, row.answers_draft_id = mail.subject, mail.in_reply_to, answers
            row.event_date, row.event_kind = ex.event_date, ex.event_kind
            row.label, row.confidence, row.uncertain = result.label.value, result.confidence, result.uncertain
            row.runner_up = result.runner_up.value if result.runner_up else ""
            row.company, row.role, row.stage, row.contact_name = ex.company, ex.role, ex.stage.value, ex.contact_name
            row.human_sender, row.offers_feedback, row.keeps_on_file = ex.human_sender, ex.offers_feedback, ex.keeps_on_file
            row.gives_feedback, row.situation, row.language = ex.gives_feedback, ex.situation.value, ex.language
            row.excerpt = mail.text[:EXCERPT_CHARS] if result.is_job else ""
            row.status, row.error = "processed", ""
            row.attempts += 1
            s.add(row)
            s.flush()
            assert row.id is not None
            if result.label is Label.REJECTION:
                s.add(
                    RejectionRecord(
                        email_id=row.id,
                        company=ex.company,
                        role=ex.role,
                        stage=ex.stage.value,
                        contact=mail.reply_to or mail.from_addr,
                        received=arrival(mail),
                        draft_skip_reason=skip_reason,
                        situation=ex.situation.value,
                        check_reasons=json.dumps(list(check), ensure_ascii=False),
                    )
                )
            for point in feedback:
                s.add(
                    FeedbackTheme(
                        account=account, email_id=row.id, theme=point.theme, detail=point.detail, evidence=point.evidence, language=ex.language
                    )
                )
            stored = []
            for plan in drafts:
                d = DraftRecord(
                    account=account,
                    email_id=row.id,
                    kind=plan.kind.value,
                    parent_message_id=plan.parent_message_id,
                    message_id=plan.message_id,
                    to=plan.to,
                    subject=plan.subject,
                    raw=plan.raw,
                    folder=drafts_folder,
                    asks_feedback=plan.asks_feedback,
                )
                s.add(d)
                s.flush()
                stored.append(stored_draft(d))
            self._advance(s, account, mail.folder, uidvalidity, mail.uid)
            return stored

    def record_failure(self, account: str, mail: IncomingEmail, error: str, *, uidvalidity: int) -> int:
        """Record a message that could not be handled; the cursor moves on. Returns attempts so far."""
        with self.session() as s:
            row = s.exec(select(EmailRecord).where(EmailRecord.account == account, EmailRecord.message_id == mail.message_id)).first()
            row = row or EmailRecord(account=account, message_id=mail.message_id, folder=mail.folder, uid=mail.uid)
            row.folder, row.uid, row.uidvalidity = mail.folder, mail.uid, uidvalidity
            row.sender, row.sender_name, row.subject = mail.from_addr, mail.from_name, mail.subject
            row.received, row.header_date = arrival(mail), None
            # The reason may quote the mail, and PostgreSQL's text cannot hold NUL (SQLite's can).
            row.status, row.error = "failed", error.replace("\x00", "\ufffd")[:500]
            row.attempts += 1
            s.add(row)
            self._advance(s, account, mail.folder, uidvalidity, mail.uid)
            return row.attempts

    def failed_uids(self, account: str, folder: str, uidvalidity: int) -> list[int]:
        """UIDs of failed messages in this folder that still deserve another try."""
        with self.session() as s:
            rows = s.exec(
                select(EmailRecord.uid).where(
                    EmailRecord.account == account,
                    EmailRecord.folder == folder,
                    EmailRecord.uidvalidity == uidvalidity,
                    EmailRecord.status == "failed",
                    EmailRecord.attempts < MAX_ATTEMPTS,
                )
            ).all()
            return sorted(rows)

    def rebind_uids(self, account: str, folder: str, uidvalidity: int, uids_by_message_id: dict[str, int]) -> None:
        """After a UIDVALIDITY reset, point recorded messages at their new UIDs."""
        with self.session() as s:
            for row in s.exec(select(EmailRecord).where(EmailRecord.account == account, EmailRecord.folder == folder)).all():
                if row.message_id in uids_by_message_id:
                    row.uid, row.uidvalidity = uids_by_message_id[row.message_id], uidvalidity
                    s.add(row)

    # --- drafts ---------------------------------------------------------------------------

    def pending_drafts(self, account: str) -> list[StoredDraft]:
        """Drafts recorded but not yet confirmed on the server."""
        with self.session() as s:
            rows = s.exec(
                select(DraftRecord).where(DraftRecord.account == account, DraftRecord.status == "pending").order_by(col(DraftRecord.id))
            ).all()
            return [stored_draft(r) for r in rows]

    def drafts(self, account: str, *, statuses: Sequence[str] = ("saved", "sent", "discarded", "pending")) -> list[StoredDraft]:
        """Every draft in the given states."""
        with self.session() as s:
            rows = s.exec(
                select(DraftRecord)
                .where(DraftRecord.account == account, col(DraftRecord.status).in_(list(statuses)))
                .order_by(col(DraftRecord.id))
            ).all()
            return [stored_draft(r) for r in rows]

    def set_draft_status(
        self,
        draft_id: int,
        status: str,
        *,
        folder: str | None = None,
        uid: int | None = None,
        message_id: str | None = None,
        sent_id: str | None = None,
    ) -> None:
        """Mark a draft saved (with where it landed), sent (sent_id: the Message-ID it left under) or discarded.

        message_id links it to a draft found on the server.
        """
        with self.session() as s:
            row = s.get(DraftRecord, draft_id)
            if row is None:
                raise StoreError(f"draft {draft_id} is not in the database")
            row.status = status
            row.status_checked_at = utcnow()
            if folder is not None:
                row.folder = folder
            if uid is not None:
                row.uid = uid
            if message_id is not None:
                row.message_id = message_id
            if sent_id:
                row.sent_message_id = sent_id
            if status == "saved" and row.saved_at is None:
                row.saved_at = utcnow()
            s.add(row)

    # --- reading back ---------------------------------------------------------------------

    def emails(self, account: str, *, since: datetime | None = None, status: str | None = None) -> list[RecordedEmail]:
        """Recorded messages, oldest first, with the kinds of draft written for each."""
        with self.session() as s:
            q = select(EmailRecord).where(EmailRecord.account == account)
            if since is not None:
                q = q.where(col(EmailRecord.recorded_at) >= since)
            if status is not None:
                q = q.where(EmailRecord.status == status)
            # Mail without a date first, as SQLite sorts NULL by default (PostgreSQL sorts it last).
            rows = s.exec(q.order_by(col(EmailRecord.received).asc().nulls_first(), col(EmailRecord.id))).all()
            ids = [r.id for r in rows]
            kinds: dict[int, list[str]] = {}
            # In the order they were written: PostgreSQL returns unordered rows as they lie, which an update changes.
            drafts = select(DraftRecord.email_id, DraftRecord.kind).where(col(DraftRecord.email_id).in_(ids))
            for email_id, kind in s.exec(drafts.order_by(col(DraftRecord.id))).all():
                kinds.setdefault(email_id, []).append(kind)
            notes = {
                email_id: (reason, tuple(json.loads(check or "[]")))
                for email_id, reason, check in s.exec(
                    select(RejectionRecord.email_id, RejectionRecord.draft_skip_reason, RejectionRecord.check_reasons).where(
                        col(RejectionRecord.email_id).in_(ids)
                    )
                ).all()
            }
            return [
                RecordedEmail(
                    message_id=r.message_id,
                    folder=r.folder,
                    uid=r.uid,
                    received=r.received,
                    sender=r.sender,
                    subject=r.subject,
                    label=r.label,
                    confidence=r.confidence,
                    uncertain=r.uncertain,
                    company=r.company,
                    role=r.role,
                    stage=r.stage,
                    status=r.status,
                    error=r.error,
                    drafts=tuple(kinds.get(r.id or 0, ())),
                    skip_reason=notes.get(r.id or 0, ("", ()))[0],
                    check=notes.get(r.id or 0, ("", ()))[1],
                    id=r.id or 0,
                    sender_name=r.sender_name,
                    recorded_at=aware(r.recorded_at),
                    runner_up=r.runner_up,
                )
                for r in rows
            ]

    def count_emails(self, account: str) -> int:
        """How many messages are recorded for this account."""
        with self.session() as s:
            return int(s.exec(select(func.count()).select_from(EmailRecord).where(EmailRecord.account == account)).one())

    # --- digests --------------------------------------------------------------------------

    def digest_emails(self, account: str, since: datetime, until: datetime) -> list[RecordedEmail]:
        """Every job email that arrived before until, and all mail that arrived or was read since `since`; by arrival.

        Older mail that is not about a job is left out: the digest only needs it to see which weeks Rebound has read.
        """
        names = [f.name for f in fields(RecordedEmail) if f.name not in {"drafts", "skip_reason", "check", "recorded_at", "received"}]
        with self.session() as s:
            q = select(EmailRecord).where(EmailRecord.account == account, EmailRecord.status == "processed")
            q = q.where(col(EmailRecord.recorded_at) < until)
            recent = or_(col(EmailRecord.recorded_at) >= since, col(EmailRecord.received) >= since)
            q = q.where(or_(col(EmailRecord.label) != "not_job", recent))
            rows = s.exec(q.order_by(col(EmailRecord.id))).all()
            out = [
                RecordedEmail(**{n: getattr(r, n) for n in names}, received=aware(r.received or r.recorded_at), recorded_at=aware(r.recorded_at))
                for r in rows
            ]
            return sorted(out, key=lambda e: (e.received or datetime.min.replace(tzinfo=UTC), e.id))

    def thread_drafts(self, account: str, message_ids: Sequence[str]) -> list[StoredDraft]:
        """Our drafts in a thread: those sent or saved under one of these Message-IDs, or replying to one of them."""
        ids = [m for m in message_ids if m]
        if not ids:
            return []
        with self.session() as s:
            q = select(DraftRecord).where(
                DraftRecord.account == account,
                or_(
                    col(DraftRecord.message_id).in_(ids),
                    col(DraftRecord.sent_message_id).in_(ids),
                    col(DraftRecord.parent_message_id).in_(ids),
                ),
            )
            return [stored_draft(r) for r in s.exec(q.order_by(col(DraftRecord.id))).all()]

    def sent_drafts_to(self, account: str, address: str) -> list[StoredDraft]:
        """Drafts the user sent to this address."""
        with self.session() as s:
            q = select(DraftRecord).where(DraftRecord.account == account, DraftRecord.status == "sent", func.lower(DraftRecord.to) == address.lower())
            return [stored_draft(r) for r in s.exec(q.order_by(col(DraftRecord.id))).all()]

    def feedback_themes(self, account: str, since: datetime, until: datetime) -> list[ThemeMention]:
        """The themes read from feedback that arrived in [since, until), with the employer each came from."""
        with self.session() as s:
            rows = s.exec(
                select(FeedbackTheme, EmailRecord)
                .join(EmailRecord, col(FeedbackTheme.email_id) == col(EmailRecord.id))
                .where(FeedbackTheme.account == account)
                .order_by(col(FeedbackTheme.id))
            ).all()
            draft_ids = {e.answers_draft_id for _, e in rows if e.answers_draft_id}
            parents = dict(
                s.exec(
                    select(DraftRecord.id, EmailRecord.company)
                    .join(EmailRecord, col(DraftRecord.email_id) == col(EmailRecord.id))
                    .where(col(DraftRecord.id).in_(draft_ids))
                ).all()
            )
            out = []
            for theme, e in rows:
                received = aware(e.received or e.recorded_at)
                if since <= received < until:
                    company = parents.get(e.answers_draft_id or 0) or e.company  # the name the user knows from the thread
                    out.append(ThemeMention(theme.theme, theme.detail, theme.evidence, theme.language, company, e.sender, received, e.id or 0))
            return out

    def drafts_since(self, account: str, since: datetime) -> list[StoredDraft]:
        """Drafts written since a moment, oldest first."""
        with self.session() as s:
            q = select(DraftRecord).where(DraftRecord.account == account, col(DraftRecord.created_at) >= since)
            return [stored_draft(r) for r in s.exec(q.order_by(col(DraftRecord.created_at), col(DraftRecord.id))).all()]

    def digest_sent(self, account: str, week: str) -> bool:
        """Whether the digest for this ISO week already went out."""
        with self.session() as s:
            return s.exec(select(DigestRecord).where(DigestRecord.account == account, DigestRecord.week == week)).first() is not None

    def record_digest(self, account: str, week: str, message_id: str, via: str) -> None:
        """Remember that this week's digest went out (replacing an earlier forced send)."""
        with self.session() as s:
            row = s.exec(select(DigestRecord).where(DigestRecord.account == account, DigestRecord.week == week)).first()
            row = row or DigestRecord(account=account, week=week)
            row.message_id, row.via, row.sent_at = message_id, via, datetime.now(UTC)
            s.add(row)


