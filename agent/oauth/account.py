"""One account's OAuth2 pieces, built from the settings: the client, the token store, the bearer tokens."""

from __future__ import annotations

from pathlib import Path

from agent.config import Settings, default_data_dir
from agent.errors import ConfigError
from agent.oauth.bearer import BearerTokens
from agent.oauth.client import OAuthClient
from agent.oauth.providers import endpoints
from agent.oauth.store import TokenStore


def token_folder(settings: Settings) -> Path:
    """Beside the SQLite database (a Docker volume keeps both), else the data folder."""
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url.removeprefix("sqlite:///")).expanduser().parent
    return default_data_dir()


def oauth_client(settings: Settings) -> OAuthClient:
    """The app registration of [imap.oauth2], talking to its provider."""
    oauth2 = settings.imap.oauth2
    if oauth2 is None:
        raise ConfigError('[imap] auth = "oauth2" needs an [imap.oauth2] table (provider, client_id)')
    return OAuthClient(endpoints(oauth2), oauth2.client_id, oauth2.resolve_client_secret())


def token_store(settings: Settings) -> TokenStore:
    """Where this account's tokens are kept."""
    return TokenStore(settings.account, token_folder(settings))


def bearer_tokens(settings: Settings) -> BearerTokens:
    """The account's tokens for IMAP and SMTP logins."""
    return BearerTokens(oauth_client(settings), token_store(settings), settings.imap.username)
