"""The PostgreSQL test server itself: loopback only, a password, one database per test, a clean stop."""

from __future__ import annotations

import os
import socket

import pytest
from postgres import HOST, SUPERUSER, PostgresServer
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

pytestmark = pytest.mark.integration


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_listens_on_loopback_only_without_a_unix_socket(postgres: PostgresServer, postgres_url: str) -> None:
    names = "('listen_addresses', 'unix_socket_directories')"
    settings = dict(_query(postgres_url, f"SELECT name, setting FROM pg_settings WHERE name IN {names}"))
    assert settings == {"listen_addresses": HOST, "unix_socket_directories": ""}
    with socket.create_connection((HOST, postgres.port), timeout=5):
        pass


def test_a_wrong_password_is_refused(postgres: PostgresServer) -> None:
    with pytest.raises(OperationalError, match="password authentication failed"):
        _query(f"postgresql+psycopg://{SUPERUSER}:wrong@{HOST}:{postgres.port}/postgres", "SELECT 1")


def test_runs_as_a_system_user_never_root(postgres: PostgresServer) -> None:
    pid = int((postgres.data / "postmaster.pid").read_text().split()[0])
    owner = os.stat(f"/proc/{pid}").st_uid
    assert owner == (postgres.user.pw_uid if postgres.user else os.geteuid())
    assert owner != 0


def test_each_test_gets_an_empty_database_of_its_own(postgres: PostgresServer, postgres_url: str) -> None:
    assert _query(postgres_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    _query(postgres_url, "CREATE TABLE mine (id int)")
    assert _query(postgres_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(1,)]
    other = postgres.create_database()
    try:
        assert _query(other, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    finally:
        postgres.drop_database(other.rsplit("/", 1)[1])


def test_a_dropped_database_ends_its_connections(postgres: PostgresServer) -> None:
    url = postgres.create_database()
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # the pool keeps this connection open, as a test's Store would
    postgres.drop_database(url.rsplit("/", 1)[1])
    assert _query(postgres.url(), f"SELECT count(*) FROM pg_database WHERE datname = '{url.rsplit('/', 1)[1]}'") == [(0,)]
    engine.dispose()


def test_stop_removes_the_folder_and_frees_the_port(postgres: PostgresServer) -> None:
    server = PostgresServer.start()  # a second one, to stop
    root, port = server.root, server.port
    assert _query(server.url(), "SELECT 1") == [(1,)]
    server.stop()
    assert not root.exists()
    with pytest.raises(OSError):
        socket.create_connection((HOST, port), timeout=2).close()
