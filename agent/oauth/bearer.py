"""The access token an IMAP or SMTP login presents: refreshed before it expires, and once more if refused."""

from __future__ import annotations

import logging
from dataclasses import replace

from agent.errors import SignInRequired
from agent.oauth.client import OAuthClient
from agent.oauth.store import Grant, TokenStore

log = logging.getLogger(__name__)

# Refresh this long before the access token expires: a pass, or a digest, must not run out mid-way.
REFRESH_LEEWAY_SECONDS = 5 * 60


class BearerTokens:
    """One account's tokens as logins need them; each refresh is saved before its token is used."""

    def __init__(self, client: OAuthClient, store: TokenStore, username: str) -> None:
        self.client = client
        self.store = store
        self.username = username

    def _saved(self) -> Grant:
        grant = self.store.load()
        if grant is None:
            raise SignInRequired(f"{self.username} is not signed in yet; run `rebound auth`")
        if grant.client_id != self.client.client_id or grant.token_url != self.client.endpoints.token_url:
            raise SignInRequired(f"{self.username} was signed in with another app registration or provider; run `rebound auth`")
        return grant

    def access_token(self) -> str:
        """A token good for a while yet, refreshed first if it expires within REFRESH_LEEWAY_SECONDS."""
        grant = self._saved()
        if not grant.expires_within(REFRESH_LEEWAY_SECONDS):
            return grant.access_token
        with self.store.locked():
            grant = self._saved()  # another process may have refreshed while we waited for the lock
            if grant.expires_within(REFRESH_LEEWAY_SECONDS):
                grant = self._refresh(grant, "it expires soon")
        return grant.access_token

    def refreshed_token(self, refused: str) -> str:
        """After the server refused `refused`: a new token (or one another process got meanwhile)."""
        with self.store.locked():
            grant = self._saved()
            if grant.access_token == refused:
                grant = self._refresh(grant, "the server refused the last one")
        return grant.access_token

    def _refresh(self, grant: Grant, why: str) -> Grant:
        log.info("refreshing the OAuth2 access token for %s (%s)", self.username, why)
        fresh = self.client.refresh(grant)
        if fresh.refresh_token is None:
            fresh = replace(fresh, refresh_token=grant.refresh_token)
        # At once: when the server rotated the refresh token, the old one is already spent.
        self.store.save(fresh)
        return fresh


def xoauth2(username: str, token: str) -> str:
    """The XOAUTH2 initial response (Google's and Microsoft's SASL mechanism)."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


def oauthbearer(username: str, token: str, host: str, port: int) -> str:
    """The OAUTHBEARER initial response (RFC 7628 §3.1); commas and '=' in the name escaped as RFC 5801 asks."""
    authzid = username.replace("=", "=3D").replace(",", "=2C")
    return f"n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"


class SaslResponder:
    """imaplib/smtplib authobject: the initial response, then the empty answer that ends a failed exchange.

    On failure both mechanisms send an error challenge (a JSON status) that the client must answer
    with an empty line (XOAUTH2) or a lone %x01 (OAUTHBEARER, RFC 7628 §3.2.3) — never the token again.
    """

    def __init__(self, mechanism: str, initial: str) -> None:
        self.initial = initial
        self.closing = "\x01" if mechanism == "OAUTHBEARER" else ""
        self.calls = 0

    def __call__(self, _challenge: bytes | None = None) -> str:
        self.calls += 1
        return self.initial if self.calls == 1 else self.closing

    def as_bytes(self, challenge: bytes) -> bytes:
        """The same for imaplib, which takes bytes (smtplib takes str)."""
        return self(challenge).encode()

    def __repr__(self) -> str:
        return "SaslResponder(...)"
