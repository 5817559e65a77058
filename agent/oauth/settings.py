"""`[imap.oauth2]`: who signs the user in (a provider preset or any OAuth 2.0 server), and as which app.

Kept apart from agent/config.py so the config module only gains a key; the presets themselves
live in agent/oauth/providers.py.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from agent.errors import ConfigError

Provider = Literal["microsoft", "google", "custom"]


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves the machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_endpoint(key: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
        return  # a local test or a proxy on this machine: nothing crosses the network
    raise ValueError(f"{key}: {url!r} must be an https:// URL (http:// only on loopback)")


class OAuth2Settings(BaseModel):
    """The app registration Rebound signs in with, and the endpoints of the server that issues tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Provider
    client_id: str
    client_secret: SecretStr | None = None
    client_secret_env: str | None = None
    tenant: str | None = None
    # A preset fills in whichever of these are left out; provider = "custom" needs them given.
    authorization_url: str | None = None
    device_authorization_url: str | None = None
    token_url: str | None = None
    scopes: tuple[str, ...] | None = None
    authorization_params: dict[str, str] | None = None
    redirect_uri: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> OAuth2Settings:
        if not self.client_id.strip():
            raise ValueError("client_id: empty (the Application/Client ID of your app registration)")
        if self.client_secret is not None and self.client_secret_env:
            raise ValueError("give only one of client_secret, client_secret_env")
        if self.tenant is not None:
            if self.provider != "microsoft":
                raise ValueError('tenant: only for provider = "microsoft"')
            if not self.tenant or not all(c.isalnum() or c in ".-" for c in self.tenant):
                raise ValueError(f"tenant: {self.tenant!r} is not a tenant (common, organizations, consumers, a domain or a directory ID)")
        if self.provider == "custom":
            if not self.token_url:
                raise ValueError('token_url: missing (provider = "custom" needs token_url, scopes and an authorization or device URL)')
            if not (self.authorization_url or self.device_authorization_url):
                raise ValueError('authorization_url: missing (provider = "custom" needs authorization_url, device_authorization_url or both)')
            if not self.scopes:
                raise ValueError('scopes: missing (provider = "custom" needs the scopes that allow IMAP, and SMTP for the digest)')
        for key in ("authorization_url", "device_authorization_url", "token_url"):
            url = getattr(self, key)
            if url:
                _check_endpoint(key, url)
        if self.redirect_uri is not None:
            parts = urlsplit(self.redirect_uri)
            if parts.scheme != "http" or not parts.hostname or not is_loopback_host(parts.hostname):
                raise ValueError(f"redirect_uri: {self.redirect_uri!r} must be http:// on loopback (http://127.0.0.1 or http://localhost)")
        return self

    def resolve_client_secret(self) -> str | None:
        """The client secret, if the app registration has one (Google's desktop apps do; Microsoft's public clients don't)."""
        if self.client_secret is not None:
            return self.client_secret.get_secret_value()
        if self.client_secret_env:
            value = os.environ.get(self.client_secret_env)
            if value is None:
                raise ConfigError(f"[imap.oauth2] client_secret_env: environment variable {self.client_secret_env} is not set")
            return value
        return None
