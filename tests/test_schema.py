"""Schema migrations (agent/schema.py, agent/migrations): new databases, the 0.1 release's, and newer ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import agent.tables  # noqa: F401  (the models the migrations must produce)
from agent import schema
from agent.errors import StoreError
from agent.store import Store

RELEASE_0_1 = Path(__file__).parent / "data" / "release-0.1.sql"
TABLES = ("foldercursor", "emailrecord", "rejectionrecord", "draftrecord", "digestrecord")


def _dump_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


def test_migrations_build_exactly_the_models_schema(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new.db'}")
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diffs == [], "a table changed without a migration in agent/migrations/versions"
    assert schema.current(store.engine) == schema.head()


def test_a_release_0_1_database_is_upgraded_with_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(RELEASE_0_1.read_text(encoding="utf-8"))
    before = _dump_rows(path)
    assert all(before[t] for t in TABLES), "the 0.1 database holds rows in every table"
    store = Store(f"sqlite:///{path}")
    assert schema.current(store.engine) == schema.head()
    after = _dump_rows(path)
    for table in TABLES:
        kept = [row[: len(before[table][0])] for row in after[table]]  # new columns come last
        assert kept == before[table], table
    emails = store.emails("demo")
    assert len(emails) == 20 and sum(e.label == "rejection" for e in emails) == 7
    assert len(store.drafts("demo")) == 9 and store.digest_sent("demo", "2025-W46")
    Store(f"sqlite:///{path}")  # and opening it again changes nothing
    assert _dump_rows(path) == after


def test_a_database_from_a_newer_rebound_is_refused_with_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    Store(url)
    with create_engine(url).begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(StoreError) as raised:
        Store(url)
    message = str(raised.value)
    assert "\n" not in message and "9999_from_the_future" in message and "newer" in message
