"""A small OAuth 2.0 authorization server on 127.0.0.1, for the tests: real HTTP, real grants.

It speaks what Microsoft's and Google's endpoints speak, and no more:
- ``POST /device_authorization`` (RFC 8628): a device code and a user code; the test "opens"
  ``GET /device?user_code=...`` as the user would, which approves the sign-in.
- ``GET /authorize``: approves at once and redirects to the loopback ``redirect_uri`` with a
  code bound to the PKCE challenge (RFC 7636, S256 only).
- ``POST /token``: the device code, authorization code and refresh token grants. Access tokens
  expire; every refresh rotates the refresh token and revokes the one presented, as Microsoft
  may, so a client that keeps using an old one is caught (``invalid_grant``).
- ``POST /introspect`` (RFC 7662): what Dovecot's ``oauth2`` passdb and the test SMTP server
  ask to decide whether a token is good.

Everything it ever issued is kept in :attr:`OAuthServer.secrets`, so a test can look for any
of them in Rebound's output. Test controls (:meth:`expire_access_tokens`,
:meth:`revoke_refresh_tokens`, :attr:`device_script`) are plain methods, not endpoints.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

HOST = "127.0.0.1"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass
class _Device:
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    approved: bool = False
    denied: bool = False


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str


@dataclass
class _Token:
    user: str
    scope: str
    client_id: str
    expires_at: float
    active: bool = True


@dataclass
class Event:
    """One request the server answered: what it was and how it went."""

    kind: str  # "device", "authorize", "token:<grant>", "introspect"
    ok: bool
    detail: str = ""


@dataclass
class OAuthServer:
    """The server's state; start it with :func:`running_oauth_server`."""

    user: str
    client_id: str = "rebound-test-client"
    client_secret: str | None = None
    access_lifetime: int = 3600
    interval: int = 1
    #: Answers to the next device-code polls before the user's decision counts, e.g.
    #: ["authorization_pending", "slow_down"]; consumed one a poll.
    device_script: list[str] = field(default_factory=list)
    port: int = 0
    events: list[Event] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    _devices: dict[str, _Device] = field(default_factory=dict)
    _codes: dict[str, _Code] = field(default_factory=dict)
    _access: dict[str, _Token] = field(default_factory=dict)
    _refresh: dict[str, _Token] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def endpoints(self) -> dict[str, str]:
        """The `[imap.oauth2]` keys of a provider = "custom" pointing here."""
        return {
            "authorization_url": f"{self.base}/authorize",
            "device_authorization_url": f"{self.base}/device_authorization",
            "token_url": f"{self.base}/token",
        }

    # -- test controls -------------------------------------------------------------------

    def approve(self, user_code: str) -> None:
        """What the user does on the verification page: approve this code."""
        with self._lock:
            found = [d for d in self._devices.values() if d.user_code == user_code]
            assert found, f"no device sign-in with user code {user_code!r}"
            found[0].approved = True

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as if its hour had passed)."""
        with self._lock:
            for token in self._access.values():
                token.expires_at = 0

    def revoke_refresh_tokens(self) -> None:
        """The user revoked the app's access (or the grant expired): every refresh token is dead."""
        with self._lock:
            for token in self._refresh.values():
                token.active = False

    def count(self, kind: str, ok: bool | None = None) -> int:
        return sum(1 for e in self.events if e.kind == kind and (ok is None or e.ok == ok))

    def live_refresh_tokens(self) -> list[str]:
        with self._lock:
            return [t for t, info in self._refresh.items() if info.active]

    # -- issuing -------------------------------------------------------------------------

    def _new(self, prefix: str) -> str:
        value = f"{prefix}-{secrets.token_urlsafe(24)}"
        self.secrets.add(value)
        return value

    def _issue(self, user: str, scope: str, client_id: str) -> dict[str, Any]:
        access, refresh = self._new("at"), self._new("rt")
        self._access[access] = _Token(user, scope, client_id, time.time() + self.access_lifetime)
        self._refresh[refresh] = _Token(user, scope, client_id, float("inf"))
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_lifetime,
            "refresh_token": refresh,
            "scope": scope,
        }

    # -- endpoints (called by the handler with the lock held) ------------------------------

    def device_authorization(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}
        device_code = self._new("dc")
        user_code = f"{secrets.randbelow(10**4):04d}-{secrets.randbelow(10**4):04d}"
        self._devices[device_code] = _Device(user_code, self.client_id, form.get("scope", ""), time.time() + 600)
        self.events.append(Event("device", True))
        return 200, {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": f"{self.base}/device",
            "expires_in": 600,
            "interval": self.interval,
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect.startswith(("http://127.0.0.1:", "http://localhost:")):
            self.events.append(Event("authorize", False, "client or redirect"))
            return 400, {"error": "invalid_request"}
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            self.events.append(Event("authorize", False, "PKCE"))
            return 400, {"error": "invalid_request"}
        code = self._new("code")
        self._codes[code] = _Code(self.client_id, redirect, query["code_challenge"], query.get("scope", ""))
        self.events.append(Event("authorize", True))
        sep = "&" if "?" in redirect else "?"
        return 302, {"Location": f"{redirect}{sep}{urlencode({'code': code, 'state': query.get('state', '')})}"}

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        kind = f"token:{'device' if grant == DEVICE_GRANT else grant}"
        client_id, secret = basic if basic else (form.get("client_id"), form.get("client_secret"))
        if client_id != self.client_id or (self.client_secret is not None and secret != self.client_secret):
            self.events.append(Event(kind, False, "invalid_client"))
            return 401, {"error": "invalid_client"}
        status, body = (
            self._device_token(form)
            if grant == DEVICE_GRANT
            else self._code_token(form)
            if grant == "authorization_code"
            else self._refresh_token(form)
            if grant == "refresh_token"
            else (400, {"error": "unsupported_grant_type"})
        )
        self.events.append(Event(kind, status == 200, body.get("error", "")))
        return status, body

    def _device_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        device = self._devices.get(form.get("device_code", ""))
        if device is None:
            return 400, {"error": "invalid_grant"}
        if device.expires_at < time.time():
            return 400, {"error": "expired_token"}
        if self.device_script:
            return 400, {"error": self.device_script.pop(0)}
        if device.denied:
            return 400, {"error": "access_denied"}
        if not device.approved:
            return 400, {"error": "authorization_pending"}
        del self._devices[form["device_code"]]
        return 200, self._issue(self.user, device.scope, device.client_id)

    def _code_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        code = self._codes.pop(form.get("code", ""), None)
        if code is None or code.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != code.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, self._issue(self.user, code.scope, code.client_id)

    def _refresh_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        old = self._refresh.get(form.get("refresh_token", ""))
        if old is None or not old.active:
            return 400, {"error": "invalid_grant", "error_description": "refresh token revoked or unknown"}
        asked = set(form.get("scope", old.scope).split())
        if not asked <= set(old.scope.split()):
            return 400, {"error": "invalid_scope"}
        old.active = False  # rotation: the token just used is spent
        return 200, self._issue(old.user, old.scope, old.client_id)

    def introspect(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        token = self._access.get(form.get("token", ""))
        if token is None or not token.active or token.expires_at < time.time():
            self.events.append(Event("introspect", False))
            return 200, {"active": False}
        self.events.append(Event("introspect", True))
        return 200, {
            "active": True,
            "username": token.user,
            "scope": token.scope,
            "client_id": token.client_id,
            "exp": int(token.expires_at),
        }


def _handler(server: OAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # the request line carries codes; the tests read events instead

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            parsed = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            return {k: v[0] for k, v in parsed.items()}

        def _basic(self) -> tuple[str, str] | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            with server._lock:
                if url.path == "/authorize":
                    status, headers = server.authorize(query)
                    if status == 302:
                        self.send_response(302)
                        self.send_header("Location", headers["Location"])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self._json(status, headers)
                    return
            if url.path == "/device":
                server.approve(query.get("user_code", ""))
                self._json(200, {"approved": True})
                return
            self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            form = self._form()
            with server._lock:
                if path == "/device_authorization":
                    self._json(*server.device_authorization(form))
                elif path == "/token":
                    self._json(*server.token(form, self._basic()))
                elif path == "/introspect":
                    self._json(*server.introspect(form))
                else:
                    self._json(404, {"error": "not_found"})

    return Handler


@contextmanager
def running_oauth_server(user: str, **options: Any) -> Iterator[OAuthServer]:
    """Serve an :class:`OAuthServer` for ``user`` on 127.0.0.1 (a free port) until the block ends."""
    state = OAuthServer(user=user, **options)
    httpd = ThreadingHTTPServer((HOST, 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, name="oauth-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
