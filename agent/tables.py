"""SQLModel tables. Rows stay inside the store; other modules see domain dataclasses."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# IMAP's UIDs and UIDVALIDITY are 32-bit unsigned (RFC 3501), beyond a signed 32-bit INTEGER
# (PostgreSQL's; SQLite's INTEGER holds 64 bits anyway).
IMAP_NUMBER = BigInteger


def utcnow() -> datetime:
    return datetime.now(UTC)


class FolderCursor(SQLModel, table=True):
    """How far Rebound has read a folder: mbsync-style state keyed by UIDVALIDITY."""

    __table_args__ = (UniqueConstraint("account", "folder"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(index=True)
    folder: str
    uidvalidity: int = Field(sa_type=IMAP_NUMBER)
    last_uid: int = Field(default=0, sa_type=IMAP_NUMBER)
    updated_at: datetime = Field(default_factory=utcnow)


class EmailRecord(SQLModel, table=True):
    """Every message Rebound has looked at, job-related or not (no body for non-job mail)."""

    __table_args__ = (UniqueConstraint("account", "message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(index=True)
    message_id: str = Field(index=True)
    folder: str
    uid: int = Field(sa_type=IMAP_NUMBER)
    uidvalidity: int = Field(default=0, sa_type=IMAP_NUMBER)
    received: datetime | None = None
    """When the message reached the mailbox (IMAP INTERNALDATE): the week it belongs to."""
    header_date: datetime | None = None
    """The sender's Date header: their claim, which a backlog or a wrong clock makes days off."""
    sender: str = ""
    sender_name: str = ""
    reply_to: str = ""
    subject: str = ""
    label: str = ""
    confidence: float = 0.0
    uncertain: bool = False
    runner_up: str = ""
    """The label on the other side of the rejection line (see Classification.runner_up); "" when none."""
    held_back: str = ""
    """Why an email that reads like a rejection was held back (HeldBack: promised, withdrawn, not_a_job); "" when it was not."""
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
    answers_draft_id: int | None = None
    """The draft of ours this email answers (found by its thread): feedback or a reply, never a new rejection.

    No foreign key: draftrecord already points here, and SQLite's batch migrations copy tables in
    an order that a reference each way would break."""
    event_date: date | None = None
    """The day an invitation or an assessment names (read from its text), else None."""
    event_kind: str = ""
    """'appointment' (one day named), 'options' (several offered: the earliest is kept) or 'deadline'."""
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
    sent_message_id: str = ""
    """The Message-ID it was sent under, when the user's client gave it a new one: answers thread to that."""
    to: str = ""
    subject: str = ""
    raw: bytes = b""
    folder: str = ""
    uid: int | None = Field(default=None, sa_type=IMAP_NUMBER)
    status: str = "pending"  # pending | saved | sent | discarded
    created_at: datetime = Field(default_factory=utcnow)
    saved_at: datetime | None = None
    status_checked_at: datetime | None = None


class DigestRecord(SQLModel, table=True):
    """A weekly digest: claimed before it is sent, so the same week is never sent twice, by however many workers.

    The row is inserted before sending (the unique constraint lets one claim win) with the digest's
    Message-ID fixed; it says "sent" once the digest went out. One left "sending" by a crash is
    taken over later, and the Message-ID looked for before sending again (agent/delivery.py).
    """

    __table_args__ = (UniqueConstraint("account", "week"),)
    id: int | None = Field(default=None, primary_key=True)
    account: str
    week: str
    sent_at: datetime = Field(default_factory=utcnow)
    message_id: str = ""
    via: str = ""
    status: str = "sent"  # sending | sent
    claimed_at: datetime | None = None
    claimed_by: str = ""


class Account(SQLModel, table=True):
    """A mailbox that workers watch (`rebound accounts import`): where it is, its password sealed, and who holds it.

    A worker holds an account by its lease (agent/fleet/leases.py): lease_owner until lease_expires,
    renewed while the worker lives. last_pass_at and last_error say how its watching goes.
    """

    __table_args__ = (Index("ix_account_lease", "enabled", "lease_expires"),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    """The account's own address: drafts are From it, the digest goes to it; the key a re-import updates by."""
    name: str = ""
    imap_host: str
    imap_port: int | None = None
    security: str = "ssl"
    username: str
    secret: str
    """The IMAP password, encrypted with REBOUND_SECRET_KEY (agent/fleet/vault.py); never stored in clear."""
    enabled: bool = True
    lease_owner: str | None = None
    lease_expires: datetime | None = None
    last_pass_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class FeedbackTheme(SQLModel, table=True):
    """One thing an employer's feedback pointed to: the running tally the digest's plan is built from."""

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(index=True)
    email_id: int = Field(foreign_key="emailrecord.id", index=True)
    theme: str
    """A key of agent/classifier/feedback (system_design, skill, cv, ...)."""
    detail: str = ""
    """For a named skill, its name as the employer wrote it ("Kubernetes")."""
    evidence: str = ""
    """The sentence it was read from, shortened: what the user is reminded of."""
    language: str = ""


class CorrectionRecord(SQLModel, table=True):
    """What the user said an email is, by moving it into a Rebound folder or with `rebound correct`.

    Queued as pending and applied by the next pass (agent/corrections), so a correction made
    while the daemon runs, or cut short by a crash, is applied exactly once. It keeps the email's
    words even for mail that is not about a job: the user handed it over to teach `rebound learn`.
    """

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(index=True)
    message_id: str = Field(index=True)
    verdict: str
    """rejection, not_rejection, or one of the eight labels."""
    origin: str
    """'folder' (moved into a Rebound folder) or 'command' (`rebound correct`)."""
    folder: str = ""
    uid: int = 0
    uidvalidity: int = 0
    """Where the email was when the correction was made, to fetch it again."""
    label_before: str = ""
    uncertain_before: bool = False
    confidence_before: float = 0.0
    label_after: str = ""
    subject: str = ""
    text: str = ""
    status: str = "pending"  # pending | applied | failed
    outcome: str = ""
    """What the correction did to the drafts, in a few words."""
    error: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    applied_at: datetime | None = None
    learned_at: datetime | None = None


class WorkerRecord(SQLModel, table=True):
    """A `rebound worker` that is alive: it says so at every turn, so the workers can share the accounts out evenly."""

    owner: str = Field(primary_key=True)
    """The name its leases carry: host, process and a random part."""
    seen_at: datetime = Field(default_factory=utcnow)
    started_at: datetime = Field(default_factory=utcnow)
    accounts: int = 0
