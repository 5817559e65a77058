"""Shared fixtures: a real Dovecot IMAP server (see tests/dovecot.py).

- ``dovecot``: one server for the whole session (TLS on; ``testuser``/``testpass``,
  and any other user name logs in with :data:`ANY_USER_PASSWORD`).
- ``imap_account``: a fresh, empty user on that server for each test.
- ``dovecot_factory``: start extra servers (other options, or to restart/stop them).

Tests using them get the ``integration`` marker. Without Dovecot they are skipped,
except with ``CI=true``, where a missing server is an error.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dovecot import (
    DovecotFactory,
    DovecotServer,
    ImapAccount,
    dovecot_unavailable_reason,
)
from helpers import Rebound, StartDaemon

ANY_USER_PASSWORD = "rebound-test-password"
_DOVECOT_FIXTURES = frozenset({"dovecot", "imap_account", "dovecot_factory"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "integration: needs real external services (a local Dovecot IMAP server)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _DOVECOT_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _require_dovecot() -> None:
    reason = dovecot_unavailable_reason()
    if reason is None:
        return
    if _in_ci():
        pytest.fail(
            f"CI=true but the Dovecot test server cannot run: {reason}", pytrace=False
        )
    pytest.skip(f"Dovecot test server unavailable: {reason}")


@pytest.fixture(scope="session")
def _dovecot_root() -> Iterator[Path]:
    """Parent folder for server folders.

    Not pytest's tmp_path: under root that lives in a 0700 folder, which Dovecot's
    unprivileged service users cannot traverse.
    """
    root = Path(tempfile.mkdtemp(prefix="rebound-dovecot-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _start(
    root: Path,
    *,
    users: dict[str, str] | None = None,
    tls: bool = True,
    extra_conf: str = "",
    any_user_password: str | None = None,
    separator: str = "/",
    prefix: str = "",
) -> DovecotServer:
    workdir = Path(tempfile.mkdtemp(dir=root, prefix="server-"))
    return DovecotServer.start(
        workdir,
        users=users,
        tls=tls,
        extra_conf=extra_conf,
        any_user_password=any_user_password,
        separator=separator,
        prefix=prefix,
    )


@pytest.fixture(scope="session")
def dovecot(_dovecot_root: Path) -> Iterator[DovecotServer]:
    """A Dovecot shared by the whole session; use ``imap_account`` for mailboxes."""
    _require_dovecot()
    with _start(_dovecot_root, any_user_password=ANY_USER_PASSWORD) as server:
        yield server


@pytest.fixture
def imap_account(dovecot: DovecotServer, request: pytest.FixtureRequest) -> ImapAccount:
    """A user of its own (empty INBOX and special-use folders) on the shared server."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    user = f"{name}-{uuid.uuid4().hex[:8]}"
    return ImapAccount(server=dovecot, user=user, password=ANY_USER_PASSWORD)


@pytest.fixture
def dovecot_factory(_dovecot_root: Path) -> Iterator[DovecotFactory]:
    """Start extra servers (stopped after the test): ``dovecot_factory(tls=False)``."""
    _require_dovecot()
    servers: list[DovecotServer] = []

    def factory(
        *,
        users: dict[str, str] | None = None,
        tls: bool = True,
        extra_conf: str = "",
        any_user_password: str | None = None,
        separator: str = "/",
        prefix: str = "",
    ) -> DovecotServer:
        server = _start(
            _dovecot_root,
            users=users,
            tls=tls,
            extra_conf=extra_conf,
            any_user_password=any_user_password,
            separator=separator,
            prefix=prefix,
        )
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def start_daemon() -> Iterator[StartDaemon]:
    """Start `rebound run`; whatever a test leaves running is killed (by PID) afterwards."""
    procs: list[subprocess.Popen[str]] = []

    def start(rebound: Rebound) -> subprocess.Popen[str]:
        proc = rebound.start("run")
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
