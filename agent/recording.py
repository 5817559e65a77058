"""Recording a whole fetch batch at once: a few multi-row statements instead of an ORM round per message.

What a message's record holds is decided in one place, email_values(), for the batch and for
Store.record alike. The batch writes, in the caller's transaction: the messages (new ones in one
INSERT, those that failed before updated), their rejections, feedback themes and drafts, and the
folder's cursor, moved past the batch. A message already recorded as processed (delivered twice,
even twice in the same batch) is only moved past, as Store.record does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlmodel import Session, SQLModel, col

from agent.domain import Classification, DraftPlan, FeedbackPoint, IncomingEmail, Label
from agent.records import StoredDraft
from agent.tables import DraftRecord, EmailRecord, FeedbackTheme, FolderCursor, RejectionRecord, utcnow

# Job mail keeps a short excerpt for the digest; other mail keeps none.
EXCERPT_CHARS = 600


@dataclass(frozen=True)
class Handled:
    """A message classified and planned for: what Store.record takes."""

    mail: IncomingEmail
    result: Classification
    drafts: Sequence[DraftPlan] = ()
    skip_reason: str = ""
    check: Sequence[str] = ()
    answers: int | None = None
    feedback: Sequence[FeedbackPoint] = ()


@dataclass(frozen=True)
class Failed:
    """A message that could not be handled, and why."""

    mail: IncomingEmail
    error: str


@dataclass
class Written:
    """What the batch did with one entry: its drafts (None: it was recorded already), or the failure's attempt count."""

    drafts: list[StoredDraft] | None = field(default_factory=list)
    attempts: int = 0


def arrival(mail: IncomingEmail) -> Any:
    """When a message reached the mailbox (INTERNALDATE), else its Date header, else now; in UTC, as SQLite keeps no zone."""
    return (mail.received or mail.date or utcnow()).astimezone(UTC)


def email_values(mail: IncomingEmail, result: Classification, uidvalidity: int, answers: int | None) -> dict[str, Any]:
    """The columns of a processed message's record (attempts aside)."""
    ex = result.extraction
    return {
        "folder": mail.folder,
        "uid": mail.uid,
        "uidvalidity": uidvalidity,
        "received": arrival(mail),
        "header_date": mail.date.astimezone(UTC) if mail.date else None,
        "sender": mail.from_addr,
        "sender_name": mail.from_name,
        "reply_to": mail.reply_to,
        "subject": mail.subject,
        "in_reply_to": mail.in_reply_to,
        "answers_draft_id": answers,
        "event_date": ex.event_date,
        "event_kind": ex.event_kind,
        "label": result.label.value,
        "confidence": result.confidence,
        "uncertain": result.uncertain,
        "runner_up": result.runner_up.value if result.runner_up else "",
        "held_back": ex.held_back.value,
        "company": ex.company,
        "role": ex.role,
        "stage": ex.stage.value,
        "contact_name": ex.contact_name,
        "human_sender": ex.human_sender,
        "offers_feedback": ex.offers_feedback,
        "keeps_on_file": ex.keeps_on_file,
        "gives_feedback": ex.gives_feedback,
        "situation": ex.situation.value,
        "language": ex.language,
        "excerpt": mail.text[:EXCERPT_CHARS] if result.is_job else "",
        "status": "processed",
        "error": "",
    }


def failure_values(mail: IncomingEmail, error: str, uidvalidity: int) -> dict[str, Any]:
    """The columns of a failed message's record (attempts aside)."""
    return {
        "folder": mail.folder,
        "uid": mail.uid,
        "uidvalidity": uidvalidity,
        "sender": mail.from_addr,
        "sender_name": mail.from_name,
        "subject": mail.subject,
        "received": arrival(mail),
        "header_date": None,
        "status": "failed",
        # The reason may quote the mail, and PostgreSQL's text cannot hold NUL (SQLite's can).
        "error": error.replace("\x00", "\ufffd")[:500],
    }


def rejection_values(email_id: int, entry: Handled) -> dict[str, Any]:
    """The columns of a rejection's own record."""
    ex, mail = entry.result.extraction, entry.mail
    return {
        "email_id": email_id,
        "company": ex.company,
        "role": ex.role,
        "stage": ex.stage.value,
        "contact": mail.reply_to or mail.from_addr,
        "received": arrival(mail),
        "draft_skip_reason": entry.skip_reason,
        "situation": ex.situation.value,
        "check_reasons": json.dumps(list(entry.check), ensure_ascii=False),
    }


# Columns a new email record starts with before email_values() or failure_values() fill it in.
_BLANK_EMAIL: dict[str, Any] = {
    "reply_to": "", "label": "", "confidence": 0.0, "uncertain": False, "runner_up": "", "held_back": "", "company": "", "role": "", "stage": "",
    "contact_name": "", "human_sender": True, "offers_feedback": False, "keeps_on_file": False, "gives_feedback": False,
    "situation": "", "language": "", "in_reply_to": "", "answers_draft_id": None, "event_date": None, "event_kind": "",
    "excerpt": "",
}  # fmt: skip


def write_batch(s: Session, account: str, uidvalidity: int, entries: Sequence[Handled | Failed], drafts_folder: str) -> list[Written]:
    """Record a batch of messages of one folder and move its cursor past them; in the caller's transaction.

    The entries are taken in order, as Store.record and Store.record_failure would take them one
    by one; only the last word on each message is written.
    """
    if not entries:
        return []
    ids = list({e.mail.message_id for e in entries})
    existing: dict[str, int] = {}
    state: dict[str, tuple[str, int]] = {}
    found = select(col(EmailRecord.id), col(EmailRecord.message_id), col(EmailRecord.status), col(EmailRecord.attempts))
    for row_id, mid, status, attempts in s.execute(found.where(col(EmailRecord.account) == account, col(EmailRecord.message_id).in_(ids))).all():
        existing[mid], state[mid] = row_id, (status, attempts)
    out = [Written() for _ in entries]
    final: dict[str, tuple[int, dict[str, Any]]] = {}  # message-id → the entry with the last word, and its columns
    for i, entry in enumerate(entries):
        mid = entry.mail.message_id
        status, attempts = state.get(mid, ("", 0))
        if isinstance(entry, Handled) and status == "processed":
            out[i].drafts = None  # delivered twice: handled once
            continue
        values = (
            email_values(entry.mail, entry.result, uidvalidity, entry.answers)
            if isinstance(entry, Handled)
            else failure_values(entry.mail, entry.error, uidvalidity)
        )
        state[mid] = (values["status"], attempts + 1)
        out[i].attempts = attempts + 1
        final[mid] = (i, values)
    now = utcnow()
    fresh = []
    for mid, (_i, values) in final.items():
        attempts = state[mid][1]
        if mid in existing:  # failed before: this try replaces it
            s.execute(update(EmailRecord).where(col(EmailRecord.id) == existing[mid]).values(**values, attempts=attempts))
        else:
            fresh.append({**_BLANK_EMAIL, **values, "account": account, "message_id": mid, "attempts": attempts, "recorded_at": now})
    email_ids = dict(existing)
    owners = {i for i, _values in final.values()}
    parents = {e.mail.message_id for i, e in enumerate(entries) if i in owners and _has_children(e)}
    table = _table(EmailRecord)  # Core, not the ORM: a batch is one statement, not one round of ORM bookkeeping per row
    childless = [row for row in fresh if row["message_id"] not in parents]
    if childless:
        s.connection().execute(insert(table), childless)
    for row in fresh:  # the few with rows of their own pointing at them (rejections, drafts): their ids are needed
        if row["message_id"] in parents:
            email_ids[row["message_id"]] = s.connection().execute(insert(table).returning(table.c.id), row).scalar_one()
    _write_children(s, account, [(i, e) for i, e in enumerate(entries) if i in owners], email_ids, out, drafts_folder, now)
    _advance(s, account, entries[0].mail.folder, uidvalidity, max(e.mail.uid for e in entries))
    return out


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]  # SQLModel's table models have one


def _has_children(entry: Handled | Failed) -> bool:
    return isinstance(entry, Handled) and bool(entry.result.label is Label.REJECTION or entry.feedback or entry.drafts)


def _write_children(
    s: Session,
    account: str,
    owners: Sequence[tuple[int, Handled | Failed]],
    email_ids: dict[str, int],
    out: list[Written],
    drafts_folder: str,
    now: Any,
) -> None:
    """Rejections, feedback themes and drafts of the entries that own their message's record."""
    rejections, themes, drafts, draft_owner = [], [], [], []
    for i, entry in owners:
        if not isinstance(entry, Handled) or not _has_children(entry):
            continue
        email_id = email_ids[entry.mail.message_id]
        if entry.result.label is Label.REJECTION:
            rejections.append(rejection_values(email_id, entry))
        language = entry.result.extraction.language
        themes += [
            {"account": account, "email_id": email_id, "theme": p.theme, "detail": p.detail, "evidence": p.evidence, "language": language}
            for p in entry.feedback
        ]
        for plan in entry.drafts:
            drafts.append(draft_values(account, email_id, plan, drafts_folder, now))
            draft_owner.append(i)
    connection = s.connection()
    if rejections:
        connection.execute(insert(_table(RejectionRecord)), rejections)
    if themes:
        connection.execute(insert(_table(FeedbackTheme)), themes)
    table = _table(DraftRecord)
    for i, values in zip(draft_owner, drafts, strict=True):
        draft_id = connection.execute(insert(table).returning(table.c.id), values).scalar_one()
        drafts_of = out[i].drafts
        assert drafts_of is not None
        drafts_of.append(
            StoredDraft(
                id=draft_id,
                kind=values["kind"],
                message_id=values["message_id"],
                parent_message_id=values["parent_message_id"],
                raw=values["raw"],
                status="pending",
                folder=drafts_folder,
                uid=None,
                email_id=values["email_id"],
                to=values["to"],
                created_at=now,
                asks_feedback=values["asks_feedback"],
                subject=values["subject"],
            )
        )


def draft_values(account: str, email_id: int, plan: DraftPlan, drafts_folder: str, now: Any) -> dict[str, Any]:
    """The columns of a new draft's record, for the batch, Store.record and a correction alike."""
    return {
        "account": account,
        "email_id": email_id,
        "kind": plan.kind.value,
        "parent_message_id": plan.parent_message_id,
        "message_id": plan.message_id,
        "asks_feedback": plan.asks_feedback,
        "sent_message_id": "",
        "to": plan.to,
        "subject": plan.subject,
        "raw": plan.raw,
        "folder": drafts_folder,
        "uid": None,
        "status": "pending",
        "created_at": now,
        "saved_at": None,
        "status_checked_at": None,
    }


def _advance(s: Session, account: str, folder: str, uidvalidity: int, uid: int) -> None:
    """Move the folder's cursor forward to uid (within one UIDVALIDITY it never moves back)."""
    row = s.execute(select(col(FolderCursor.id), col(FolderCursor.uidvalidity), col(FolderCursor.last_uid)).where(
        col(FolderCursor.account) == account, col(FolderCursor.folder) == folder
    )).first()  # fmt: skip
    if row is None:
        s.execute(insert(FolderCursor).values(account=account, folder=folder, uidvalidity=uidvalidity, last_uid=uid, updated_at=utcnow()))
    elif row.uidvalidity != uidvalidity or uid > row.last_uid:
        s.execute(update(FolderCursor).where(col(FolderCursor.id) == row.id).values(uidvalidity=uidvalidity, last_uid=uid, updated_at=utcnow()))
