"""The system keyring as a place for the IMAP password: `rebound init` stores it, password_command reads it back.

Reading goes through `password_command` (python -m keyring get ...), so the config needs no key of
its own for it and the password never touches the file.
"""

from __future__ import annotations

import sys

from agent.errors import ReboundError

KEYRING_SERVICE = "rebound-imap"


class KeyringError(ReboundError):
    """The keyring is missing or refused to store the password."""


def keyring_name() -> str | None:
    """The keyring that would hold the password (e.g. "SecretService Keyring"), or None when there is none that stores."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring install is simply no keyring
        return None
    # keyring falls back to a backend that refuses everything (priority 0) when the machine has none.
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) < 1:
        return None
    return str(getattr(backend, "name", type(backend).__name__))


def keyring_command(username: str) -> tuple[str, ...]:
    """The password_command that prints the stored password: this Python's keyring, so no PATH is needed."""
    return (sys.executable, "-m", "keyring", "get", KEYRING_SERVICE, username)


def store_in_keyring(username: str, password: str) -> tuple[str, ...]:
    """Store the password under ("rebound-imap", username); returns the password_command that reads it."""
    if keyring_name() is None:
        raise KeyringError(
            "no keyring on this machine that stores passwords (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Locker); "
            "use password_env or password_command instead"
        )
    import keyring
    import keyring.errors

    try:
        keyring.set_password(KEYRING_SERVICE, username, password)
    except keyring.errors.KeyringError as exc:
        raise KeyringError(f"the keyring refused to store the password: {exc.__class__.__name__}: {exc}") from None
    return keyring_command(username)
