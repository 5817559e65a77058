"""A real, throwaway PostgreSQL server for tests, from Debian's own packages.

:meth:`PostgresServer.start` runs ``initdb`` into a folder of its own and ``pg_ctl start`` with
a config that listens on 127.0.0.1 only, on a free port, with no Unix socket; ``stop()`` runs
``pg_ctl stop`` and removes the folder. As root the server runs as the ``postgres`` system user
(or ``nobody``), because PostgreSQL refuses to run as root; the folder is handed to that user.

Logins use a random password (SCRAM), so a URL in a test is a real, complete one and a message
that leaks it can be caught. :meth:`PostgresServer.create_database` makes one empty database per
test, which is much faster than a cluster per test.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

__all__ = ["PostgresError", "PostgresServer", "find_bindir", "postgres_unavailable_reason"]

HOST = "127.0.0.1"
SUPERUSER = "rebound"
START_TIMEOUT = 30
#: Where Debian's postgresql-NN packages put the server programs (not on PATH).
DEBIAN_ROOT = Path("/usr/lib/postgresql")
#: Set to a folder holding initdb, pg_ctl and postgres to test another build.
BINDIR_ENV = "REBOUND_TEST_PG_BINDIR"
#: System users that may own the cluster when the tests run as root, in order of preference.
RUN_AS = ("postgres", "nobody")

# Settings for a server that lives for one test session. Durability is not under test here (the
# crash tests use SQLite), so syncing to disk only slows the suite down. The zone is deliberately
# not UTC: most production servers run in local time, and a naive/aware datetime mix shows up only
# when the server's zone and the program's clock disagree.
_CONF = """
listen_addresses = '{host}'
port = {port}
unix_socket_directories = ''
max_connections = 200
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'America/New_York'
log_min_messages = warning
"""

_running: set[PostgresServer] = set()


class PostgresError(RuntimeError):
    """PostgreSQL could not be started, stopped or queried."""


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bindir.parent.name)) or (0,)


def find_bindir() -> Path | None:
    """The folder with initdb, pg_ctl and postgres: $REBOUND_TEST_PG_BINDIR, else Debian's newest."""
    if os.environ.get(BINDIR_ENV):
        candidates = [Path(os.environ[BINDIR_ENV])]
    else:
        candidates = sorted((p.parent for p in DEBIAN_ROOT.glob("*/bin/initdb")), key=_version, reverse=True)
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _run_as() -> pwd.struct_passwd | None:
    """The system user to run the server as: None when not root (it runs as us)."""
    if os.geteuid() != 0:
        return None
    for name in RUN_AS:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresError(f"running as root, and none of the system users {', '.join(RUN_AS)} exists to run PostgreSQL as")


def postgres_unavailable_reason() -> str | None:
    """Why a test PostgreSQL cannot run here (None when it can)."""
    try:
        import psycopg  # noqa: F401  (the driver the store uses: the `postgres` extra)
    except ImportError:
        return "the psycopg driver is not installed (pip install -e '.[dev,postgres]', or make test)"
    if find_bindir() is None:
        where = os.environ.get(BINDIR_ENV) or f"{DEBIAN_ROOT}/<version>/bin"
        return f"initdb, pg_ctl and postgres were not found in {where} (on Debian/Ubuntu: apt-get install postgresql)"
    try:
        _run_as()
    except PostgresError as exc:
        return str(exc)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass(eq=False)
class PostgresServer:
    """One running cluster: ``url(dbname)`` for SQLAlchemy, ``create_database()`` per test."""

    root: Path
    port: int
    password: str
    bindir: Path
    user: pwd.struct_passwd | None
    _stopped: bool = field(default=False, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3 driver) for one database of this server."""
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@{HOST}:{self.port}/{dbname}"

    @classmethod
    def start(cls, root: Path | None = None) -> PostgresServer:
        """initdb into a new folder (under ``root``, or the system's temporary folder) and start the server."""
        bindir = find_bindir()
        if bindir is None:
            raise PostgresError(postgres_unavailable_reason() or "no PostgreSQL found")
        user = _run_as()
        folder = Path(tempfile.mkdtemp(prefix="rebound-postgres-", dir=root))
        server = cls(root=folder, port=0, password=secrets.token_urlsafe(18), bindir=bindir, user=user)
        try:
            server._initdb()
            # A free port is only free until someone takes it; another try takes another port.
            for attempt in range(3):
                server.port = _free_port()
                (server.data / "postgresql.auto.conf").write_text(_CONF.format(host=HOST, port=server.port))
                try:
                    server._pg_ctl("start", "-w", "-t", str(START_TIMEOUT), "-l", str(server.log))
                    break
                except PostgresError:
                    if attempt == 2 or "could not bind" not in _tail(server.log):
                        raise
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _running.add(server)
        return server

    def _as_user(self) -> dict[str, Any]:
        """subprocess arguments that drop root to the server's system user."""
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": [], "cwd": self.root}

    def _initdb(self) -> None:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.user is not None:
            # The server's user must own its folder; /tmp itself is traversable by everyone.
            for path in (self.root, pwfile):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        )
        pwfile.unlink()

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), *args)

    def _run(self, program: str, *args: str) -> None:
        # LC_ALL=C: messages we may show stay in English; the server's own locale is set by initdb.
        env = {"PATH": os.defpath, "LC_ALL": "C", "TZ": "UTC"}
        try:
            done = subprocess.run(
                [str(self.bindir / program), *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=START_TIMEOUT + 10,
                check=False,
                **self._as_user(),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise PostgresError(f"{program} failed to run: {exc}") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip()
            raise PostgresError(f"{program} failed (exit {done.returncode}): {detail}\n{_tail(self.log)}")

    def admin(self) -> Any:
        """A psycopg connection to the maintenance database, in autocommit (CREATE DATABASE needs it)."""
        import psycopg

        return psycopg.connect(host=HOST, port=self.port, user=SUPERUSER, password=self.password, dbname="postgres", autocommit=True)

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        name = name or f"t_{secrets.token_hex(6)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending the sessions still connected to it (a test's pooled connections)."""
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are ended) and remove its folder."""
        if self._stopped:
            return
        self._stopped = True
        _running.discard(self)
        try:
            self._pg_ctl("stop", "-m", "fast", "-w")
        except PostgresError:
            self._kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill(self) -> None:
        """Last resort when pg_ctl cannot stop it: the postmaster by the PID in its own pid file."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, 9)
            time.sleep(0.5)  # its backends notice the postmaster is gone and exit on their own

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    # A test run that is interrupted must not leave servers behind (the folder goes with it).
    for server in list(_running):
        server.stop()
