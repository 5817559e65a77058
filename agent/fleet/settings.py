"""A worker's config: the sections every account shares, and each account's own settings built from its row.

The same file as a single user's, read without its [imap] and [profile] (a worker's accounts bring
their own): [database], [drafts], [classifier], [digest], [smtp] and [goals] apply to every
account, and [worker] says how each account is watched.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from agent.config import (
    ClassifierSettings,
    DatabaseSettings,
    DigestSettings,
    DraftSettings,
    GoalSettings,
    ImapSettings,
    ProfileSettings,
    Settings,
    SmtpSettings,
    UserPath,
    _Section,
    default_data_dir,
)
from agent.fleet.accounts import Mailbox

# A lease long enough to ride out a slow database, short enough that a dead worker's accounts are
# picked up within a minute or two.
LEASE_SECONDS = 60
# Accounts one worker watches at once: each holds an IMAP connection for its passes and one per
# watched folder for IDLE, and a thread for each (docs/scale.md has what they cost).
CONCURRENCY = 100


class WorkerSettings(_Section):
    """[worker]: how a worker watches each of its accounts (the [imap] keys every account shares)."""

    concurrency: int = Field(default=CONCURRENCY, ge=1)
    lease_seconds: int = Field(default=LEASE_SECONDS, ge=5)
    folders: tuple[str, ...] = ("INBOX",)
    since_days: int = Field(default=30, ge=0)
    poll_seconds: int = Field(default=300, ge=10)
    idle: bool = True
    tls_ca_file: UserPath | None = None
    correction_folders: bool = True


class FleetSettings(_Section):
    """What `rebound worker` and `rebound accounts` read from the config file."""

    database: DatabaseSettings = DatabaseSettings()
    drafts: DraftSettings = DraftSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    smtp: SmtpSettings | None = None
    digest: DigestSettings = DigestSettings()
    goals: GoalSettings = GoalSettings()
    worker: WorkerSettings = WorkerSettings()
    # A single user's mailbox, when the file is also theirs (`rebound run`): no part of a worker's.
    imap: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None

    @property
    def database_url(self) -> str:
        """The configured database, else SQLite in the data folder (as Settings.database_url)."""
        return self.database.url or f"sqlite:///{default_data_dir() / 'rebound.db'}"


def account_settings(fleet: FleetSettings, mailbox: Mailbox, password: str) -> Settings:
    """The settings one account is watched with, exactly as a single user's config would give them."""
    worker = fleet.worker
    imap = ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.security,  # type: ignore[arg-type]  # checked on import
        username=mailbox.username,
        password=SecretStr(password),
        folders=worker.folders,
        since_days=worker.since_days,
        poll_seconds=worker.poll_seconds,
        idle=worker.idle,
        tls_ca_file=worker.tls_ca_file,
        correction_folders=worker.correction_folders,
    )
    return Settings(
        imap=imap,
        profile=ProfileSettings(name=mailbox.name or mailbox.email.split("@")[0], email=mailbox.email),
        database=fleet.database,
        drafts=fleet.drafts,
        classifier=fleet.classifier,
        smtp=fleet.smtp,
        # To the account's own address, whatever [digest] to says: each digest is its owner's.
        digest=fleet.digest.model_copy(update={"to": None}),
        goals=fleet.goals,
    )
