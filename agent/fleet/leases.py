"""Who watches which account: leases in the accounts table, taken with SELECT … FOR UPDATE SKIP LOCKED, no other coordinator.

A worker claims accounts whose lease ran out (or that never had one), setting itself as owner
until now + the lease's length; it renews its leases well before they run out, and releases them
when it stops. A worker that dies (SIGKILL, a lost machine) renews nothing: its leases run out and
other workers claim them. Times are the database's own (PostgreSQL's now()), so workers on
machines whose clocks disagree still agree on when a lease ends; SQLite serves one machine, so
there its clock is the machine's.

SKIP LOCKED lets workers claim at the same moment without waiting on one another: each passes
over the rows another is claiming. (SQLite has no row locks; there one worker serves every
account of the database, see agent/fleet/worker.py.)
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, text
from sqlmodel import Session, col, delete, select, update

from agent.store import Store
from agent.tables import Account, WorkerRecord

log = logging.getLogger(__name__)

# A worker not seen for this many lease lengths is dead (SIGKILL, a lost machine): its row is removed.
FORGOTTEN_AFTER = 10


class Leases:
    """One worker's leases: claimed, renewed and released under its owner name."""

    def __init__(self, store: Store, owner: str, seconds: float) -> None:
        self.store = store
        self.owner = owner
        self.length = timedelta(seconds=seconds)

    def claim(self, limit: int) -> list[int]:
        """Take up to limit enabled accounts that nobody holds (their lease ran out, or there never was one)."""
        if limit <= 0:
            return []
        with self.store.session() as s:
            now = _now(s)
            free = or_(col(Account.lease_expires).is_(None), col(Account.lease_expires) < now)
            picked = s.exec(
                select(Account.id)
                .where(col(Account.enabled).is_(True), free)
                .order_by(col(Account.lease_expires).asc().nulls_first(), col(Account.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            ids = [i for i in picked if i is not None]
            if ids:
                s.exec(  # type: ignore[call-overload]
                    update(Account).where(col(Account.id).in_(ids)).values(lease_owner=self.owner, lease_expires=now + self.length)
                )
        if ids:
            log.debug("claimed %d account(s): %s", len(ids), ids)
        return ids

    def renew(self, ids: Collection[int]) -> set[int]:
        """Push the leases on these accounts further; the ones still ours and enabled (the rest are lost: stop watching them)."""
        if not ids:
            return set()
        with self.store.session() as s:
            now = _now(s)
            mine = (col(Account.id).in_(list(ids)), col(Account.lease_owner) == self.owner, col(Account.enabled).is_(True))
            kept = set(s.exec(select(Account.id).where(*mine).with_for_update()).all())
            if kept:
                s.exec(update(Account).where(col(Account.id).in_(list(kept))).values(lease_expires=now + self.length))  # type: ignore[call-overload]
        return {i for i in kept if i is not None}

    def release(self, ids: Collection[int]) -> None:
        """Give these accounts up at once, for another worker to claim."""
        if not ids:
            return
        with self.store.session() as s:
            s.exec(  # type: ignore[call-overload]
                update(Account)
                .where(col(Account.id).in_(list(ids)), col(Account.lease_owner) == self.owner)
                .values(lease_owner=None, lease_expires=None)
            )


    def present(self, holding: int) -> tuple[int, int]:
        """Say this worker is alive and how many accounts it holds; (workers alive, enabled accounts) to share them out."""
        with self.store.session() as s:
            now = _now(s)
            me = s.get(WorkerRecord, self.owner) or WorkerRecord(owner=self.owner, started_at=now)
            me.seen_at, me.accounts = now, holding
            s.add(me)
            s.flush()
            # A killed worker never leaves: its row goes once it is long dead (not counted meanwhile).
            s.exec(delete(WorkerRecord).where(col(WorkerRecord.seen_at) < now - self.length * FORGOTTEN_AFTER))  # type: ignore[call-overload]
            alive = s.exec(select(func.count()).select_from(WorkerRecord).where(col(WorkerRecord.seen_at) > now - self.length)).one()
            enabled = s.exec(select(func.count()).select_from(Account).where(col(Account.enabled).is_(True))).one()
        return max(int(alive), 1), int(enabled)

    def leave(self) -> None:
        """This worker stops: it no longer counts among those the accounts are shared between."""
        with self.store.session() as s:
            me = s.get(WorkerRecord, self.owner)
            if me is not None:
                s.delete(me)


def _now(s: Session) -> datetime:
    """The database's time on PostgreSQL (one clock for every machine), the machine's on SQLite."""
    if s.get_bind().dialect.name == "postgresql":
        value = s.execute(text("SELECT now()")).scalar_one()
        return value if value.tzinfo else value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
    return datetime.now(UTC)
