"""The database's schema version: brought up to date at start, refused when newer than this program.

Migrations are Alembic scripts in agent/migrations, shipped in the package. A database made by
Rebound 0.1 (tables from create_all, no version) is stamped at the baseline and upgraded from there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from agent.errors import StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
# The PostgreSQL advisory lock that one Rebound at a time holds while it reads and upgrades the schema.
UPGRADE_LOCK = 0x5245424F554E44  # "REBOUND"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this program knows."""
    script = ScriptDirectory(str(MIGRATIONS))
    revision = script.get_current_head()
    assert revision is not None
    return revision


def known() -> set[str]:
    """Every revision this program knows, the newest included."""
    return {r.revision for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def current(engine: Engine) -> str | None:
    """The database's revision; None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _one_at_a_time(connection: Connection) -> Iterator[None]:
    """On PostgreSQL, let one Rebound at a time read and upgrade the schema; the others wait, then find it done.

    Workers on several machines start together (all of them, after an upgrade): without the lock two
    would find the old schema and run the same migration, and one would fail on a table the other had
    just made. The lock belongs to the session, as the transactions inside it begin and end. SQLite is
    left as it was: there the race needs two Rebounds opening one new file in the same instant.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql(f"SELECT pg_advisory_lock({UPGRADE_LOCK})")
    connection.commit()
    try:
        yield
    finally:
        try:
            connection.rollback()  # a failed statement leaves the transaction unusable until then
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({UPGRADE_LOCK})")
            connection.commit()
        except SQLAlchemyError:
            pass  # the connection is gone, and with its session the lock


def upgrade(engine: Engine, where: str) -> None:
    """Bring the database to the newest schema, or refuse one written by a newer Rebound."""
    script = ScriptDirectory(str(MIGRATIONS))
    newest = script.get_current_head()
    with engine.connect() as connection, _one_at_a_time(connection):
        found = MigrationContext.configure(connection).get_current_revision()
        if found == newest:
            return
        if found is not None and found not in {r.revision for r in script.walk_revisions()}:
            raise StoreError(
                f"database {where} has schema version {found}, newer than this Rebound knows ({newest}): upgrade Rebound, "
                "or point [database] url at another database"
            )
        connection.rollback()  # end the transaction that reading the version began
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the original, which the foreign keys of
            # the tables pointing at it would refuse; the pragma only takes effect outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config = _config(connection)
                if found is None and inspect(connection).has_table("emailrecord"):
                    command.stamp(config, BASELINE)  # made by Rebound 0.1, before migrations
                    found = BASELINE
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise StoreError(f"database {where}: the upgrade to schema {newest} would break a reference between tables")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    log.info("database %s: schema %s → %s", where, found or "empty", newest)
