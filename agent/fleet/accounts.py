"""The accounts table: importing mailboxes, listing how each one's watching goes, disabling them, and the workers' notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select, update

from agent.fleet.csvfile import AccountRow
from agent.fleet.vault import Vault
from agent.store import Store
from agent.tables import Account, DraftRecord, utcnow

# Drafts counted as written this week: every state a draft reaches once it was on the server.
WRITTEN = ("saved", "sent", "discarded")
# An error said in `accounts list` is cut to a line.
ERROR_CHARS = 300


@dataclass(frozen=True)
class Imported:
    """What an import did."""

    new: int
    updated: int


@dataclass(frozen=True)
class AccountState:
    """One account as `rebound accounts list` shows it."""

    email: str
    name: str
    imap_host: str
    imap_port: int | None
    security: str
    username: str
    state: str
    """disabled | failing | watching | waiting (no worker holds it now)."""
    worker: str
    last_pass: datetime | None
    last_error: str
    last_error_at: datetime | None
    drafts_this_week: int


@dataclass(frozen=True)
class Mailbox:
    """What a worker needs to watch one account; the password still sealed."""

    id: int
    email: str
    name: str
    imap_host: str
    imap_port: int | None
    security: str
    username: str
    secret: str

    @property
    def key(self) -> str:
        """The name its state is kept under in the database: the same as a single user's config gives it."""
        return f"{self.username}@{self.imap_host}"


def account_key(username: str, host: str) -> str:
    """The name an account's mail, drafts and digests are kept under (Settings.account)."""
    return f"{username}@{host}"


class Accounts:
    """Reads and writes the accounts table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def import_rows(self, rows: Sequence[AccountRow], vault: Vault) -> Imported:
        """Add the new accounts and update the known ones (by email), in one transaction; their passwords sealed."""
        new = updated = 0
        now = utcnow()
        with self.store.session() as s:
            known = {a.email.lower(): a for a in s.exec(select(Account)).all()}
            for row in rows:
                account = known.get(row.email.lower())
                if account is None:
                    if row.password is None:
                        raise _missing_password(row)
                    account = Account(email=row.email, imap_host=row.imap_host, username=row.username, secret="", created_at=now)
                    new += 1
                else:
                    updated += 1
                account.name, account.imap_host, account.imap_port = row.name, row.imap_host, row.imap_port
                account.security, account.username, account.updated_at = row.security, row.username, now
                if row.password is not None:
                    account.secret = vault.seal(row.password)
                s.add(account)
        return Imported(new, updated)

    def listing(self, now: datetime | None = None) -> list[AccountState]:
        """Every account, by address, with its state, its last pass and error, and its drafts this ISO week (UTC)."""
        now = now or datetime.now(UTC)
        monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        with self.store.session() as s:
            accounts = s.exec(select(Account).order_by(col(Account.email))).all()
            counted = select(DraftRecord.account, func.count()).where(
                col(DraftRecord.created_at) >= monday, col(DraftRecord.status).in_(WRITTEN)
            ).group_by(col(DraftRecord.account))
            drafts = {key: int(n) for key, n in s.exec(counted).all()}
        return [_state(a, now, drafts.get(account_key(a.username, a.imap_host), 0)) for a in accounts]

    def set_enabled(self, email: str, enabled: bool) -> bool:
        """Enable or disable the account with this address; False when there is none. A worker drops a disabled one at its next renewal."""
        with self.store.session() as s:
            done = s.exec(  # type: ignore[call-overload]
                update(Account).where(func.lower(Account.email) == email.lower()).values(enabled=enabled, updated_at=utcnow())
            )
            return bool(done.rowcount)

    def mailbox(self, account_id: int) -> Mailbox | None:
        """An enabled account's settings, for the worker that holds it."""
        with self.store.session() as s:
            a = s.get(Account, account_id)
            if a is None or not a.enabled or a.id is None:
                return None
            return Mailbox(a.id, a.email, a.name, a.imap_host, a.imap_port, a.security, a.username, a.secret)

    def passed(self, account_id: int) -> None:
        """A pass went through: the account's last pass is now, and its error is over."""
        self._note(account_id, last_pass_at=utcnow(), last_error="")

    def failed(self, account_id: int, error: str) -> None:
        """A pass or a connection failed, and why."""
        self._note(account_id, last_error=" ".join(error.split())[:ERROR_CHARS], last_error_at=utcnow())

    def _note(self, account_id: int, **values: object) -> None:
        with self.store.session() as s:
            s.exec(update(Account).where(col(Account.id) == account_id).values(**values))  # type: ignore[call-overload]


def _missing_password(row: AccountRow) -> Exception:
    from agent.fleet.csvfile import CsvError

    return CsvError([f"line {row.line}: password: missing for {row.email}, which is not imported yet"])


def _state(a: Account, now: datetime, drafts: int) -> AccountState:
    if not a.enabled:
        state = "disabled"
    elif a.last_error_at is not None and (a.last_pass_at is None or _aware(a.last_error_at) > _aware(a.last_pass_at)):
        state = "failing"
    elif a.lease_expires is not None and _aware(a.lease_expires) > now:
        state = "watching"
    else:
        state = "waiting"
    held = a.lease_expires is not None and _aware(a.lease_expires) > now
    return AccountState(
        email=a.email,
        name=a.name,
        imap_host=a.imap_host,
        imap_port=a.imap_port,
        security=a.security,
        username=a.username,
        state=state,
        worker=(a.lease_owner or "") if held else "",
        last_pass=_aware(a.last_pass_at) if a.last_pass_at else None,
        last_error=a.last_error if state == "failing" else "",
        last_error_at=_aware(a.last_error_at) if a.last_error_at else None,
        drafts_this_week=drafts,
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
