"""Where an account's OAuth2 tokens live: the OS keyring when it works, else a file only its owner can read.

Both are looked at on every load and the newer copy wins, so a keyring that can read but has
stopped accepting writes (a locked collection, a session bus gone under systemd) never hands back
a token older than the one saved to the file meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from agent.errors import MailboxError, ReboundError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "rebound"
FILE_NAME = "rebound-tokens.json"
# Another process (the daemon, `digest --send`) may be refreshing; one refresh takes seconds.
LOCK_SECONDS = 60


@dataclass(frozen=True)
class Grant:
    """What a sign-in or a refresh gave, and for which app: repr never shows a token."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None
    client_id: str
    token_url: str
    scope: str = ""
    saved_at: float = 0.0

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        """Whether the access token is gone (or will be) within this many seconds."""
        if self.expires_at is None:
            return False  # the server gave no lifetime: only its refusal tells (then refreshed once)
        return self.expires_at - seconds <= (time.time() if now is None else now)


def _grant(data: object) -> Grant | None:
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        return None
    try:
        return Grant(**{k: data[k] for k in Grant.__dataclass_fields__ if k in data})
    except TypeError:
        return None


class TokenStore:
    """One account's tokens: saved at once after every refresh, because a rotated refresh token is the only one left."""

    def __init__(self, key: str, folder: Path, *, use_keyring: bool = True) -> None:
        self.key = key
        self.path = folder / FILE_NAME
        self.use_keyring = use_keyring

    # -- the keyring ----------------------------------------------------------------------

    def _keyring(self) -> Any | None:
        """The keyring backend when one that really stores secrets is there, else None."""
        if not self.use_keyring:
            return None
        try:
            import keyring

            backend = keyring.get_keyring()
            # The "fail" and "null" backends (no keyring on this machine) have a priority below 1;
            # the null one would even accept a secret and silently drop it.
            if float(getattr(backend, "priority", 0)) < 1:
                return None
        except Exception as exc:  # noqa: BLE001 - a broken keyring setup must only mean "use the file"
            log.debug("no usable keyring (%s)", type(exc).__name__)
            return None
        return backend

    def _keyring_load(self) -> Grant | None:
        backend = self._keyring()
        if backend is None:
            return None
        try:
            text = backend.get_password(KEYRING_SERVICE, self.key)
        except Exception as exc:  # noqa: BLE001 - backends raise their platform's own errors (D-Bus, Keychain)
            log.debug("cannot read the keyring (%s); using %s", type(exc).__name__, self.path)
            return None
        try:
            return _grant(json.loads(text)) if text else None
        except ValueError:
            return None

    def _keyring_save(self, grant: Grant) -> str | None:
        backend = self._keyring()
        if backend is None:
            return None
        try:
            backend.set_password(KEYRING_SERVICE, self.key, json.dumps(asdict(grant)))
        except Exception as exc:  # noqa: BLE001 - a locked or read-only keyring: fall back to the file
            log.info("the keyring would not store the tokens (%s); using %s instead", type(exc).__name__, self.path)
            return None
        return f"the system keyring ({type(backend).__module__.rsplit('.', 1)[-1]})"

    def _keyring_delete(self) -> None:
        backend = self._keyring()
        if backend is not None:
            with contextlib.suppress(Exception):
                backend.delete_password(KEYRING_SERVICE, self.key)

    # -- the file -------------------------------------------------------------------------

    def _file_all(self) -> dict[str, Any]:
        try:
            mode = self.path.stat().st_mode
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ReboundError(f"cannot read the saved sign-in in {self.path}: {type(exc).__name__}; delete it and run `rebound auth`") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("%s holds sign-in tokens and is open to other users; run: chmod 600 %s", self.path, self.path)
        return data if isinstance(data, dict) else {}

    def _file_write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        # Created 0600 from the start: never a moment in which another user could read it.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise ReboundError(f"cannot save the sign-in to {self.path}: {exc.strerror or exc}") from None

    # -- the store ------------------------------------------------------------------------

    def load(self) -> Grant | None:
        """The newest saved grant for this account, from the keyring or the file."""
        found = [g for g in (self._keyring_load(), _grant(self._file_all().get(self.key))) if g is not None]
        return max(found, key=lambda g: g.saved_at) if found else None

    def save(self, grant: Grant) -> str:
        """Save a grant (stamped now); returns where it went, for the user."""
        stamped = Grant(**{**asdict(grant), "saved_at": time.time()})
        where = self._keyring_save(stamped)
        data = self._file_all()
        if where is not None:
            if data.pop(self.key, None) is not None:
                self._file_write(data)  # one copy only: the keyring's
            return where
        data[self.key] = asdict(stamped)
        self._file_write(data)
        self._keyring_delete()
        return str(self.path)

    def delete(self) -> None:
        """Forget this account's tokens everywhere."""
        self._keyring_delete()
        data = self._file_all()
        if data.pop(self.key, None) is not None:
            self._file_write(data)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the account's refresh lock: two processes refreshing at once would spend one refresh token twice."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path.with_name(f"{self.path.name}.lock")))
        try:
            lock.acquire(timeout=LOCK_SECONDS)
        except Timeout:
            raise MailboxError(f"another Rebound has been refreshing the sign-in for {LOCK_SECONDS} s (lock {lock.lock_file})") from None
        try:
            yield
        finally:
            lock.release()
