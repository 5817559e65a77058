"""Where Rebound's lock files live: beside the SQLite database, so every process that uses it meets them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from agent.config import Settings, default_data_dir


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file, when the database is one."""
    url = settings.database_url
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def lock_path(settings: Settings, purpose: str = "") -> Path:
    """The lock file for this account and database ('' for the instance lock, 'digest' for the weekly send).

    Beside the database, not in the data folder: a second Rebound with another HOME (another user,
    a container sharing the volume) on the same database must meet the same lock. (tests/test_faults.py
    found one with its own HOME running alongside the first.) Other databases have no file to sit
    beside, so their locks go to the data folder.
    """
    key = hashlib.sha256(f"{settings.account}|{settings.database_url}".encode()).hexdigest()[:16]
    name = f"{purpose}-{key}" if purpose else key
    db = sqlite_file(settings)
    if db is not None and db.name != ":memory:":
        return db.with_name(f"{db.name}.{name}.lock")
    return default_data_dir() / "locks" / f"{name}.lock"


@contextmanager
def held(path: Path, timeout: float) -> Iterator[None]:
    """Hold the lock at path; filelock.Timeout if another process keeps it past timeout seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    lock.acquire(timeout=timeout)
    try:
        yield
    finally:
        lock.release()
