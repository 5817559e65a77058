"""Schema migrations (agent/schema.py, agent/migrations) on SQLite and PostgreSQL: new databases, the 0.1 release's, and newer ones."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import agent.tables  # noqa: F401  (the models the migrations must produce)
from agent import schema
from agent.domain import Classification, IncomingEmail, Label
from agent.errors import StoreError
from agent.store import Store

RELEASE_0_1 = Path(__file__).parent / "data" / "release-0.1.sql"
# In the order a reference needs: the rows pointed at first.
TABLES = ("foldercursor", "emailrecord", "rejectionrecord", "draftrecord", "digestrecord")
# Columns that a migration renamed since 0.1 (table, old name) → new name.
RENAMED = {("emailrecord", "invites_reapply"): "keeps_on_file"}


def _engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def _moment(value: object) -> object:
    """A time as the UTC wall clock it stands for, however the database hands it back (zoneless or aware)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _dump_rows(url: str) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, by column name, through each column's own type."""
    engine = _engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=TABLES)
        with engine.connect() as db:
            return {
                t: [{k: _moment(v) for k, v in row._mapping.items()} for row in db.execute(meta.tables[t].select().order_by(text("id")))]
                for t in TABLES
            }
    finally:
        engine.dispose()


def _make_release_0_1(url: str, tmp_path: Path) -> None:
    """The database Rebound 0.1's `rebound demo` left: its tables (made by create_all, no version) and its rows."""
    old = tmp_path / "release-0.1.db"
    with sqlite3.connect(old) as db:
        db.executescript(RELEASE_0_1.read_text(encoding="utf-8"))
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        old.rename(url.removeprefix("sqlite:///"))
        return
    # Elsewhere: 0.1's tables are the baseline migration's; 0.1 itself kept no version table.
    engine, dump_engine = _engine(url), _engine(f"sqlite:///{old}")
    with engine.begin() as db, dump_engine.connect() as dump:
        config = Config()
        config.set_main_option("script_location", str(schema.MIGRATIONS))
        config.attributes["connection"] = db
        command.upgrade(config, schema.BASELINE)
        db.execute(text("DROP TABLE alembic_version"))
        source, target = MetaData(), MetaData()
        source.reflect(dump)
        target.reflect(db)
        for table in TABLES:
            # Through SQLAlchemy's types, as 0.1 wrote them: SQLite's 0/1 become booleans, its text times datetimes.
            rows = [dict(row._mapping) for row in dump.execute(source.tables[table].select())]
            db.execute(target.tables[table].insert(), rows)
            # 0.1 inserted its rows one by one, which moved each table's id sequence along.
            db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    engine.dispose()
    dump_engine.dispose()


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    store = Store(database_url)
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert diffs == [], "a table changed without a migration in agent/migrations/versions"
    assert schema.current(store.engine) == schema.head()
    store.engine.dispose()


def test_a_release_0_1_database_is_upgraded_with_every_row(database_url: str, tmp_path: Path) -> None:
    _make_release_0_1(database_url, tmp_path)
    before = _dump_rows(database_url)
    assert all(before[t] for t in TABLES), "the 0.1 database holds rows in every table"
    assert schema.current(_engine(database_url)) is None
    store = Store(database_url)
    assert schema.current(store.engine) == schema.head()
    after = _dump_rows(database_url)
    for table in TABLES:
        kept = [{k: row[RENAMED.get((table, k), k)] for k in old} for old, row in zip(before[table], after[table], strict=True)]
        assert kept == before[table], table  # every row, every value, every time the same moment
    emails = store.emails("demo")
    assert len(emails) == 20 and sum(e.label == "rejection" for e in emails) == 7
    assert len(store.drafts("demo")) == 9 and store.digest_sent("demo", "2025-W46")
    assert sum(d.asks_feedback for d in store.drafts("demo")) == sum(d.kind == "feedback_request" for d in store.drafts("demo"))
    store.engine.dispose()
    Store(database_url).engine.dispose()  # and opening it again changes nothing
    assert _dump_rows(database_url) == after


def test_an_upgraded_release_0_1_database_takes_new_mail(database_url: str, tmp_path: Path) -> None:
    _make_release_0_1(database_url, tmp_path)
    store = Store(database_url)
    new = IncomingEmail(
        folder="INBOX",
        uid=2**32 - 1,
        message_id="<after-the-upgrade@example.org>",
        subject="Hello",
        from_name="",
        from_addr="someone@example.org",
        reply_to="",
        to="",
        date=datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
        text="",
    )
    store.record("demo", new, Classification(Label.NOT_JOB, 0.9), [], uidvalidity=2**32 - 1)
    assert store.known_message_ids("demo", [new.message_id]) == {new.message_id}
    assert store.count_emails("demo") == 21
    store.engine.dispose()


def test_a_database_from_a_newer_rebound_is_refused_with_one_line(database_url: str) -> None:
    Store(database_url).engine.dispose()
    with _engine(database_url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(StoreError) as raised:
        Store(database_url)
    message = str(raised.value)
    assert "\n" not in message and "9999_from_the_future" in message and "newer" in message


def test_rebounds_starting_together_on_postgresql_upgrade_once(postgres_url: str) -> None:
    # The test plays a Rebound on another machine that is in the middle of upgrading the schema.
    other = _engine(postgres_url)
    errors: list[Exception] = []
    with other.connect() as db:
        db.execute(text(f"SELECT pg_advisory_lock({schema.UPGRADE_LOCK})"))
        db.commit()

        def start() -> None:
            try:
                Store(postgres_url).engine.dispose()
            except Exception as exc:  # noqa: BLE001 - handed to the test thread, which asserts there is none
                errors.append(exc)

        starting = threading.Thread(target=start)
        starting.start()
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        deadline = time.monotonic() + 30
        while db.execute(text(waiting)).scalar() == 0 and starting.is_alive() and time.monotonic() < deadline:
            db.rollback()
            time.sleep(0.02)
        assert starting.is_alive(), f"it did not wait for the upgrade under way: {errors}"
        db.rollback()
        with db.begin():
            config = Config()
            config.set_main_option("script_location", str(schema.MIGRATIONS))
            config.attributes["connection"] = db
            command.upgrade(config, "head")
        db.execute(text(f"SELECT pg_advisory_unlock({schema.UPGRADE_LOCK})"))
        db.commit()
        starting.join(timeout=60)
    other.dispose()
    assert not starting.is_alive() and errors == []
    assert schema.current(_engine(postgres_url)) == schema.head()
