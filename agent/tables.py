"""SQLModel tables. Rows stay inside the store; other modules see domain dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class FolderCursor(SQLModel, table=True):
    """How far Rebound has read a folder: mbsync-style state keyed by UIDVALIDITY."""

    __table_args__ = (UniqueConstraint("account", "folder"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(index=True)
    folder: str
    uidvalidity: int
    last_uid: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class EmailRecord(SQLModel, table=True):
    """Every message Rebound has looked at, job-related or not (no body for non-job mail)."""

    __table_args__ = (UniqueConstraint("account", "message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(index=True)
    message_id: str = Field(index=True)
    folder: str
    uid: int
    uidvalidity: int = 0
    received: datetime | None = None
    sender: str = ""
    sender_name: str = ""
    reply_to: str = ""
    subject: str = ""
    label: str = ""
    confidence: float = 0.0
    uncertain: bool = False
    runner_up: str = ""
    """The label on the other side of the rejection line (see Classification.runner_up); "" when none."""
    company: str = ""
    role: str = ""
    stage: str = ""
    contact_name: str = ""
    human_sender: bool = True
    offers_feedback: bool = False
    keeps_on_file: bool = False
    gives_feedback: bool = False
    situation: str = ""
    language: str = ""
    in_reply_to: str = ""
    excerpt: str = ""
    status: str = "processed"  # processed | failed
    error: str = ""
    attempts: int = 0
    recorded_at: datetime = Field(default_factory=utcnow)


class RejectionRecord(SQLModel, table=True):
    """An employer's no, with what Rebound did about it."""

    id: int | None = Field(default=None, primary_key=True)
    email_id: int = Field(foreign_key="emailrecord.id", index=True, unique=True)
    company: str = ""
    role: str = ""
    stage: str = ""
    contact: str = ""
    received: datetime | None = None
    draft_skip_reason: str = ""
    situation: str = ""
    check_reasons: str = "[]"
    """What the user should look at before sending the reply (JSON list of sentences)."""


class DraftRecord(SQLModel, table=True):
    """A reply Rebound prepared. Its Message-ID is fixed before APPEND, so a crash can be reconciled."""

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(index=True)
    email_id: int = Field(foreign_key="emailrecord.id", index=True)
    kind: str
    parent_message_id: str
    message_id: str = Field(index=True, unique=True)
    asks_feedback: bool = False
    """The draft asks for feedback (a feedback request, or a reply that holds one): the digest follows it up."""
    to: str = ""
    subject: str = ""
    raw: bytes = b""
    folder: str = ""
    uid: int | None = None
    status: str = "pending"  # pending | saved | sent | discarded
    created_at: datetime = Field(default_factory=utcnow)
    saved_at: datetime | None = None
    status_checked_at: datetime | None = None


class DigestRecord(SQLModel, table=True):
    """A weekly digest that went out, so the same week is never sent twice."""

    __table_args__ = (UniqueConstraint("account", "week"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str
    week: str
    sent_at: datetime = Field(default_factory=utcnow)
    message_id: str = ""
    via: str = ""
