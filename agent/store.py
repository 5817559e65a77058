"""The database: engine, sessions and every query Rebound makes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, create_engine, select

from agent import schema
from agent.domain import Classification, DraftPlan, FeedbackPoint, IncomingEmail, Label
from agent.errors import StoreError
from agent.recording import (
    EXCERPT_CHARS,
    Failed,
    Handled,
    Written,
    arrival,
    draft_values,
    email_values,
    failure_values,
    rejection_values,
    write_batch,
)
from agent.records import Cursor, DigestClaim, RecordedEmail, StoredDraft, ThemeMention, aware, stored_draft
from agent.tables import DigestRecord, DraftRecord, EmailRecord, FeedbackTheme, FolderCursor, RejectionRecord, utcnow

__all__ = ["EXCERPT_CHARS", "Cursor", "Failed", "Handled", "RecordedEmail", "Store", "StoredDraft", "ThemeMention", "Written", "arrival"]

log = logging.getLogger(__name__)

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


class Store:
    """All reads and writes of Rebound's state."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._joined = threading.local()
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
        """One transaction: committed on success, rolled back on any error; inside transaction(), that one."""
        outer: Session | None = getattr(self._joined, "session", None)
        if outer is not None:
            try:
                yield outer
            except SQLAlchemyError as exc:  # transaction() rolls back, and the whole batch with it
                raise StoreError(f"database write failed: {exc.__class__.__name__}") from exc
            return
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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every store call made inside, in this thread, is one transaction: all of it is committed, or none.

        A pass records a whole fetch batch this way (its messages, their drafts and the folder's
        cursor): one commit, so one disk sync, instead of one per message, and still exactly once,
        since the cursor moves in the same commit as what it moves past. Threads keep their own
        (a worker runs many accounts at once on one Store).
        """
        if getattr(self._joined, "session", None) is not None:
            yield  # already inside one
            return
        with self.session() as session:
            self._joined.session = session
            try:
                yield
            finally:
                self._joined.session = None

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
            for name, value in email_values(mail, result, uidvalidity, answers).items():
                setattr(row, name, value)
            row.attempts += 1
            s.add(row)
            s.flush()
            assert row.id is not None
            if result.label is Label.REJECTION:
                s.add(RejectionRecord(**rejection_values(row.id, Handled(mail, result, skip_reason=skip_reason, check=check))))
            for point in feedback:
                s.add(
                    FeedbackTheme(
                        account=account, email_id=row.id, theme=point.theme, detail=point.detail, evidence=point.evidence, language=ex.language
                    )
                )
            stored = []
            for plan in drafts:
                d = DraftRecord(**draft_values(account, row.id, plan, drafts_folder, utcnow()))
                s.add(d)
                s.flush()
                stored.append(stored_draft(d))
            self._advance(s, account, mail.folder, uidvalidity, mail.uid)
            return stored

    def record_batch(self, account: str, uidvalidity: int, entries: Sequence[Handled | Failed], *, drafts_folder: str = "") -> list[Written]:
        """Record a fetch batch of one folder, as record() and record_failure() would one by one, and advance the cursor, atomically."""
        with self.session() as s:
            return write_batch(s, account, uidvalidity, entries, drafts_folder)

    def record_failure(self, account: str, mail: IncomingEmail, error: str, *, uidvalidity: int) -> int:
        """Record a message that could not be handled; the cursor moves on. Returns attempts so far."""
        with self.session() as s:
            row = s.exec(select(EmailRecord).where(EmailRecord.account == account, EmailRecord.message_id == mail.message_id)).first()
            row = row or EmailRecord(account=account, message_id=mail.message_id, folder=mail.folder, uid=mail.uid)
            for name, value in failure_values(mail, error, uidvalidity).items():
                setattr(row, name, value)
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

    def draft_message_ids(self, account: str, among: Sequence[str]) -> set[str]:
        """Which of these Message-IDs are drafts of this account's, in any state."""
        ids = [m for m in among if m]
        if not ids:
            return set()
        with self.session() as s:
            q = select(DraftRecord.message_id).where(DraftRecord.account == account, col(DraftRecord.message_id).in_(ids))
            return set(s.exec(q).all())

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
                    held_back=r.held_back,
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

    def sent_drafts_to(self, account: str, *addresses: str) -> list[StoredDraft]:
        """Drafts the user sent to these addresses."""
        wanted = sorted({a.lower() for a in addresses})
        with self.session() as s:
            q = select(DraftRecord).where(DraftRecord.account == account, DraftRecord.status == "sent", func.lower(DraftRecord.to).in_(wanted))
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
            q = select(DigestRecord).where(DigestRecord.account == account, DigestRecord.week == week, DigestRecord.status == "sent")
            return s.exec(q).first() is not None

    def claim_digest(self, account: str, week: str, message_id: str, by: str, *, stale_after: timedelta, force: bool = False) -> DigestClaim | None:
        """Claim the sending of this week's digest, atomically: None when it was sent, or another claim is under way.

        The first claim inserts the week's row (its unique constraint lets one insert win). A claim
        older than stale_after was cut short (a crash between claim and send): it is taken over,
        keeping its Message-ID, and retaking says so. force claims a week already sent, afresh.
        by must be unique to this claim: taking over is a conditional UPDATE on who held it.
        """
        try:
            with self.session() as s:
                s.add(DigestRecord(account=account, week=week, message_id=message_id, status="sending", claimed_at=utcnow(), claimed_by=by))
            return DigestClaim(message_id, retaking=False)
        except StoreError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
        with self.session() as s:
            row = s.exec(select(DigestRecord).where(DigestRecord.account == account, DigestRecord.week == week)).first()
            if row is None:
                return None  # deleted meanwhile (a released claim): the next try claims it
            stale = row.status == "sending" and (row.claimed_at is None or aware(row.claimed_at) < utcnow() - stale_after)
            if not (force or stale):
                return None
            keep = row.message_id if stale and not force else message_id
            taken = s.exec(  # type: ignore[call-overload]
                update(DigestRecord)
                .where(col(DigestRecord.id) == row.id, col(DigestRecord.claimed_by) == row.claimed_by, col(DigestRecord.status) == row.status)
                .values(status="sending", message_id=keep, claimed_at=utcnow(), claimed_by=by)
            )
            if not taken.rowcount:
                return None
            return DigestClaim(keep, retaking=stale and not force)

    def digest_delivered(self, account: str, week: str, message_id: str, via: str) -> None:
        """The claimed digest went out."""
        with self.session() as s:
            s.exec(  # type: ignore[call-overload]
                update(DigestRecord)
                .where(col(DigestRecord.account) == account, col(DigestRecord.week) == week)
                .values(status="sent", message_id=message_id, via=via, sent_at=utcnow())
            )

    def release_digest(self, account: str, week: str, by: str) -> None:
        """Give a claim up: sending failed, and the next try should claim the week again."""
        with self.session() as s:
            s.exec(  # type: ignore[call-overload]
                delete(DigestRecord).where(
                    col(DigestRecord.account) == account, col(DigestRecord.week) == week,
                    col(DigestRecord.claimed_by) == by, col(DigestRecord.status) == "sending",
                )
            )  # fmt: skip

    def record_digest(self, account: str, week: str, message_id: str, via: str) -> None:
        """Remember that this week's digest went out (replacing an earlier forced send)."""
        with self.session() as s:
            row = s.exec(select(DigestRecord).where(DigestRecord.account == account, DigestRecord.week == week)).first()
            row = row or DigestRecord(account=account, week=week)
            row.message_id, row.via, row.sent_at, row.status = message_id, via, datetime.now(UTC), "sent"
            s.add(row)


