"""Workers' leases on accounts (agent/fleet/leases.py): on SQLite and PostgreSQL, and against a real PostgreSQL under contention."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from agent.fleet.accounts import Accounts
from agent.fleet.csvfile import AccountRow
from agent.fleet.leases import Leases
from agent.fleet.vault import Vault, new_key
from agent.store import Store

LEASE = 60.0


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.engine.dispose()


def add_accounts(store: Store, n: int) -> list[int]:
    rows = [AccountRow(i + 2, f"P{i}", f"p{i}@example.org", "imap.example.org", 993, "ssl", f"p{i}", "pw") for i in range(n)]
    Accounts(store).import_rows(rows, Vault(new_key()))
    with store.engine.connect() as db:
        return [row[0] for row in db.execute(text("SELECT id FROM account ORDER BY id"))]


def owners(store: Store) -> dict[int, str | None]:
    with store.engine.connect() as db:
        return dict(db.execute(text("SELECT id, lease_owner FROM account")).all())  # type: ignore[arg-type]


def expire(store: Store, ids: list[int]) -> None:
    """As if the worker holding them had stopped renewing a lease length ago."""
    with store.engine.begin() as db:
        for i in ids:
            db.execute(text("UPDATE account SET lease_expires = :t WHERE id = :i"), {"t": datetime.now(UTC) - timedelta(seconds=1), "i": i})


def test_a_worker_claims_up_to_its_limit_and_nobody_else_can_take_them(store: Store) -> None:
    ids = add_accounts(store, 5)
    a, b = Leases(store, "a", LEASE), Leases(store, "b", LEASE)
    first = a.claim(3)
    assert len(first) == 3 and set(first) <= set(ids)
    assert sorted(b.claim(10)) == sorted(set(ids) - set(first))  # only what a does not hold
    assert a.claim(10) == [] and b.claim(10) == []
    assert Counter(owners(store).values()) == {"a": 3, "b": 2}


def test_a_lease_that_runs_out_goes_to_another_worker_and_its_old_holder_loses_it(store: Store) -> None:
    add_accounts(store, 2)
    a, b = Leases(store, "a", LEASE), Leases(store, "b", LEASE)
    held = a.claim(2)
    assert a.renew(held) == set(held)
    expire(store, held[:1])  # a stopped renewing it (killed, frozen, cut off)
    assert b.claim(5) == held[:1]
    assert a.renew(held) == set(held[1:])  # the one b took is lost to a: it must stop watching it


def test_a_lease_run_out_that_nobody_took_is_still_renewed_by_its_holder(store: Store) -> None:
    add_accounts(store, 1)
    a = Leases(store, "a", LEASE)
    held = a.claim(1)
    expire(store, held)
    assert a.renew(held) == set(held)  # no one else held it meanwhile
    assert Leases(store, "b", LEASE).claim(1) == []


def test_released_accounts_are_claimed_at_once_and_disabled_ones_never(store: Store) -> None:
    add_accounts(store, 3)
    a, b = Leases(store, "a", LEASE), Leases(store, "b", LEASE)
    held = a.claim(3)
    assert Accounts(store).set_enabled("p1@example.org", False)
    kept = a.renew(held)
    assert len(kept) == 2, "a disabled account is lost at the next renewal"
    a.release(set(held) - kept)  # what the worker does with a lost one once it stopped
    given, still = sorted(kept)
    a.release([given])
    assert b.claim(5) == [given]  # the disabled one stays unclaimed
    b.release([still])  # releasing what another holds changes nothing
    assert Counter(owners(store).values()) == {"a": 1, "b": 1, None: 1}


def test_workers_say_they_are_alive_to_share_the_accounts(store: Store) -> None:
    add_accounts(store, 4)
    a, b = Leases(store, "a", LEASE), Leases(store, "b", LEASE)
    assert a.present(0) == (1, 4)
    assert b.present(0) == (2, 4)
    b.leave()
    assert a.present(2) == (1, 4)
    with store.engine.begin() as db:  # a worker that died: no word from it for a lease's length
        db.execute(text("INSERT INTO workerrecord (owner, seen_at, started_at, accounts) VALUES ('c', :t, :t, 2)"),
                   {"t": datetime.now(UTC) - timedelta(seconds=LEASE + 1)})  # fmt: skip
    assert a.present(2) == (1, 4)
    with store.engine.begin() as db:  # one long dead leaves the roll at the next worker's turn
        db.execute(text("INSERT INTO workerrecord (owner, seen_at, started_at, accounts) VALUES ('d', :t, :t, 2)"),
                   {"t": datetime.now(UTC) - timedelta(seconds=LEASE * 11)})  # fmt: skip
    assert a.present(2) == (1, 4)
    with store.engine.connect() as db:
        assert sorted(o for (o,) in db.execute(text("SELECT owner FROM workerrecord"))) == ["a", "c"]


# --- PostgreSQL under contention -------------------------------------------------------------


def test_claims_at_the_same_moment_never_share_an_account(postgres_url: str) -> None:
    store = Store(postgres_url)
    ids = add_accounts(store, 200)
    workers = 8
    start = threading.Barrier(workers)

    def claim_all(n: int) -> list[int]:
        mine = Store(postgres_url)  # a process of its own would have its own engine
        leases, got = Leases(mine, f"w{n}", LEASE), []
        start.wait()
        while batch := leases.claim(7):
            got += batch
        mine.engine.dispose()
        return got

    with ThreadPoolExecutor(workers) as pool:
        claimed = list(pool.map(claim_all, range(workers)))
    everyone = [i for got in claimed for i in got]
    assert sorted(everyone) == ids, "every account claimed exactly once"
    assert sum(1 for got in claimed if got) > 1, "the workers did claim side by side"
    held = owners(store)
    assert all(held[i] == f"w{n}" for n, got in enumerate(claimed) for i in got)
    store.engine.dispose()


def test_a_claim_skips_accounts_another_claim_has_locked_instead_of_waiting(postgres_url: str) -> None:
    store = Store(postgres_url)
    ids = add_accounts(store, 4)
    other = create_engine(postgres_url, poolclass=NullPool)
    with other.connect() as db:
        # Another worker in the middle of its claim: two rows locked, its transaction open.
        db.execute(text("SELECT id FROM account WHERE id IN (:a, :b) FOR UPDATE"), {"a": ids[0], "b": ids[1]})
        done: list[list[int]] = []
        claiming = threading.Thread(target=lambda: done.append(Leases(store, "w", LEASE).claim(10)))
        claiming.start()
        claiming.join(timeout=20)
        assert not claiming.is_alive(), "the claim waited for the other worker's lock (no SKIP LOCKED)"
        db.rollback()
    other.dispose()
    assert done == [ids[2:]]
    store.engine.dispose()
