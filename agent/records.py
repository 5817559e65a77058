"""What the store hands out: plain frozen records, so SQLModel rows never leave agent/store.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from agent.tables import DraftRecord


@dataclass(frozen=True)
class Cursor:
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class DigestClaim:
    """A week's digest claimed for sending: under this Message-ID; retaking one whose first send was cut short."""

    message_id: str
    retaking: bool


@dataclass(frozen=True)
class StoredDraft:
    """A draft as the store knows it: enough to APPEND it or check on it."""

    id: int
    kind: str
    message_id: str
    parent_message_id: str
    raw: bytes
    status: str
    folder: str
    uid: int | None
    email_id: int = 0
    to: str = ""
    created_at: datetime | None = None
    asks_feedback: bool = False
    sent_message_id: str = ""
    subject: str = ""


@dataclass(frozen=True)
class RecordedEmail:
    """One recorded message, as the CLI and the digest show it."""

    message_id: str
    folder: str
    uid: int
    received: datetime | None
    sender: str
    subject: str
    label: str
    confidence: float
    uncertain: bool
    company: str
    role: str
    stage: str
    status: str
    error: str
    drafts: tuple[str, ...] = ()
    skip_reason: str = ""
    check: tuple[str, ...] = ()
    """What to look at before sending the reply (agent/drafts/wording.py)."""
    id: int = 0
    sender_name: str = ""
    recorded_at: datetime | None = None
    in_reply_to: str = ""
    header_date: datetime | None = None
    """The sender's Date header; `received` is the arrival."""
    answers_draft_id: int | None = None
    """The draft of ours this email answers (found by its thread), else None."""
    event_date: date | None = None
    event_kind: str = ""
    language: str = ""
    human_sender: bool = True
    runner_up: str = ""
    """With label, the two labels the classifier hesitated between ("" when there was nothing to judge)."""
    held_back: str = ""
    """Why an email that reads like a rejection was held back (HeldBack's value), else ""."""


@dataclass(frozen=True)
class ThemeMention:
    """One theme an employer's feedback pointed to, with who said it and when it arrived."""

    theme: str
    detail: str
    evidence: str
    language: str
    company: str
    sender: str
    received: datetime
    email_id: int


def stored_draft(d: DraftRecord) -> StoredDraft:
    assert d.id is not None
    return StoredDraft(
        id=d.id,
        kind=d.kind,
        message_id=d.message_id,
        parent_message_id=d.parent_message_id,
        raw=d.raw,
        status=d.status,
        folder=d.folder,
        uid=d.uid,
        email_id=d.email_id,
        to=d.to,
        created_at=aware(d.created_at),
        asks_feedback=d.asks_feedback,
        sent_message_id=d.sent_message_id,
        subject=d.subject,
    )


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the zone of the UTC times we wrote
