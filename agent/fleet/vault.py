"""Passwords at rest: sealed with Fernet (AES-128-CBC with an HMAC, from `cryptography`) under REBOUND_SECRET_KEY.

The key never touches the database: whoever reads a backup of it reads tokens, not passwords.
REBOUND_SECRET_KEY may hold several keys, comma-separated, newest first: every key opens what it
sealed, and only the first seals, so a key is rotated by putting a new one in front and importing
the accounts again (`rebound accounts import`).
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from agent.errors import ReboundError

KEY_ENV = "REBOUND_SECRET_KEY"


class VaultError(ReboundError):
    """The key to seal or open the accounts' passwords is missing, malformed, or not the one they were sealed with."""


def new_key() -> str:
    """A fresh key for REBOUND_SECRET_KEY."""
    return Fernet.generate_key().decode()


class Vault:
    """Seals and opens the accounts' passwords with the key(s) in REBOUND_SECRET_KEY."""

    def __init__(self, keys: str | None = None) -> None:
        given = os.environ.get(KEY_ENV, "") if keys is None else keys
        parts = [k.strip() for k in given.split(",") if k.strip()]
        if not parts:
            raise VaultError(f"{KEY_ENV} is not set: the accounts' passwords are encrypted with it (`rebound accounts key` makes one)")
        try:
            self.fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except ValueError:
            raise VaultError(f"{KEY_ENV} is not a key Rebound can use (32 url-safe base64 bytes; `rebound accounts key` makes one)") from None

    def seal(self, password: str) -> str:
        """The password as a token to store."""
        return self.fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def open(self, token: str, whose: str) -> str:
        """The password a token holds; VaultError (naming whose it is) when no key in REBOUND_SECRET_KEY sealed it."""
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError, UnicodeError):
            raise VaultError(f"cannot decrypt the password of {whose}: {KEY_ENV} holds no key it was encrypted with") from None
