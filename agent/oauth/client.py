"""The only module that imports Authlib: token requests to the provider, answers as plain values.

Authlib builds and parses every request (PKCE challenge, client authentication, the token
response and its errors, keeping the old refresh token when a refresh returns none); this module
adds the RFC 8628 device authorization request, which Authlib's client does not have, and turns
the library's and the network's errors into Rebound's, with no token in any message.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from agent.errors import AuthError, MailboxError, SignInRequired
from agent.oauth.providers import Endpoints
from agent.oauth.store import Grant

log = logging.getLogger(__name__)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
HTTP_TIMEOUT = 30
# RFC 8628 §3.2: the interval to use when the server names none.
DEFAULT_INTERVAL = 5


class OAuthRefused(AuthError):
    """The authorization server answered with an OAuth error (RFC 6749 §5.2, RFC 8628 §3.5)."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class DeviceCode:
    """A device authorization (RFC 8628 §3.2): what to show the user, and what to poll with."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int


class OAuthClient:
    """One app registration talking to one authorization server."""

    def __init__(self, endpoints: Endpoints, client_id: str, client_secret: str | None = None) -> None:
        self.endpoints = endpoints
        self.client_id = client_id
        self.client_secret = client_secret

    def _session(self, *, scope: bool = True, redirect_uri: str | None = None) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self.client_secret,
            # A public client (Microsoft's, no secret) must send none; Google's desktop clients post theirs.
            token_endpoint_auth_method="client_secret_post" if self.client_secret else "none",
            scope=" ".join(self.endpoints.scopes) if scope else None,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=HTTP_TIMEOUT,
        )

    @contextmanager
    def _request(self, what: str, url: str) -> Iterator[None]:
        where = f"{what} at {url}"
        try:
            yield
        except AuthlibBaseError as exc:
            error = str(getattr(exc, "error", "") or "error")
            description = getattr(exc, "description", None)
            said = f"{error}: {description}" if description else error
            if error == "invalid_grant":
                raise SignInRequired(f"{where}: the sign-in has expired or was revoked ({said}); run `rebound auth` to sign in again") from None
            raise OAuthRefused(f"{where}: the server refused ({said})", error) from None
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            raise MailboxError(f"{where}: the server answered HTTP {status}") from None
        except requests.RequestException as exc:
            raise MailboxError(f"{where}: {type(exc).__name__} (is the network up, is the URL right?)") from None
        except ValueError as exc:  # a body that is not the JSON object OAuth promises (a proxy's error page)
            raise MailboxError(f"{where}: not an OAuth answer ({exc})") from None

    def _grant(self, token: dict[str, Any]) -> Grant:
        if not token.get("access_token"):
            raise ValueError("no access_token in the answer")
        if str(token.get("token_type", "bearer")).lower() != "bearer":
            raise AuthError(f"{self.endpoints.token_url}: token type {token.get('token_type')!r} is not a bearer token")
        expires_at = token.get("expires_at")
        return Grant(
            access_token=str(token["access_token"]),
            refresh_token=token.get("refresh_token"),
            expires_at=float(expires_at) if expires_at is not None else None,
            client_id=self.client_id,
            token_url=self.endpoints.token_url,
            scope=str(token.get("scope") or " ".join(self.endpoints.scopes)),
        )

    # -- the device authorization grant (RFC 8628) ---------------------------------------

    def start_device(self) -> DeviceCode:
        """Ask for a device code and a user code (RFC 8628 §3.1)."""
        url = self.endpoints.device_authorization_url
        assert url is not None
        session = self._session()
        with self._request("ask for a sign-in code", url):
            data = {"scope": " ".join(self.endpoints.scopes)}
            resp = session.post(url, data=data, withhold_token=True, auth=session.client_auth(session.token_endpoint_auth_method))
            try:
                body = resp.json()
            except ValueError:
                resp.raise_for_status()
                raise ValueError(f"HTTP {resp.status_code} with no JSON") from None
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            if "error" in body:
                said = f"{body['error']}: {body['error_description']}" if body.get("error_description") else str(body["error"])
                raise OAuthRefused(f"ask for a sign-in code at {url}: the server refused ({said})", str(body["error"]))
            resp.raise_for_status()
            try:
                return DeviceCode(
                    device_code=str(body["device_code"]),
                    user_code=str(body["user_code"]),
                    # Google's endpoint says "verification_url", the RFC "verification_uri".
                    verification_uri=str(body.get("verification_uri") or body["verification_url"]),
                    verification_uri_complete=body.get("verification_uri_complete"),
                    expires_in=int(body.get("expires_in") or 600),
                    interval=max(1, int(body.get("interval") or DEFAULT_INTERVAL)),
                )
            except (KeyError, TypeError) as exc:
                raise ValueError(f"{exc} missing") from None

    def poll_device(self, device: DeviceCode) -> Grant:
        """One poll of the token endpoint (RFC 8628 §3.4); OAuthRefused says pending, slow_down, ..."""
        session = self._session(scope=False)
        url = self.endpoints.token_url
        with self._request("sign in", url):
            return self._grant(session.fetch_token(url, grant_type=DEVICE_GRANT, device_code=device.device_code))

    # -- the authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636) --------------------

    def authorization_url(self, redirect_uri: str, login_hint: str | None = None) -> tuple[str, str, str]:
        """The URL to open in a browser, its state and its PKCE code verifier."""
        url = self.endpoints.authorization_url
        assert url is not None
        verifier = secrets.token_urlsafe(64)  # 86 characters: inside RFC 7636's 43–128
        extra = dict(self.endpoints.authorization_params)
        if login_hint:
            extra.setdefault("login_hint", login_hint)  # Microsoft and Google preselect the account
        uri, state = self._session(redirect_uri=redirect_uri).create_authorization_url(url, code_verifier=verifier, **extra)
        return uri, state, verifier

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> Grant:
        """Trade the authorization code for tokens, proving the PKCE verifier."""
        session = self._session(scope=False, redirect_uri=redirect_uri)
        url = self.endpoints.token_url
        with self._request("sign in", url):
            token = session.fetch_token(url, grant_type="authorization_code", code=code, code_verifier=verifier, redirect_uri=redirect_uri)
            return self._grant(token)

    # -- refresh (RFC 6749 §6) -----------------------------------------------------------

    def refresh(self, grant: Grant) -> Grant:
        """A new access token; the refresh token too when the server rotates it (else the old one is kept)."""
        if not grant.refresh_token:
            raise SignInRequired("the sign-in has no refresh token and its access token has expired; run `rebound auth` to sign in again")
        session = self._session()
        url = self.endpoints.token_url
        started = time.monotonic()
        with self._request("refresh the sign-in", url):
            fresh = self._grant(session.refresh_token(url, refresh_token=grant.refresh_token))
        log.debug("refreshed the access token in %.2f s (refresh token %s)", time.monotonic() - started,
                  "rotated" if fresh.refresh_token != grant.refresh_token else "kept")  # fmt: skip
        return fresh
