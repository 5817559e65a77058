"""The loopback redirect of a native app (RFC 8252 §7.3): a one-request web server on this machine."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agent.errors import AuthError

PAGE = (
    "<!doctype html><meta charset=utf-8><title>Rebound</title>"
    "<p style='font:16px sans-serif;margin:3em'>{message} You can close this tab.</p>"
)


class _Server(HTTPServer):
    result: dict[str, str] | None = None
    path: str = "/"


class _V6Server(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request line holds the authorization code: it must not reach stderr

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != self.server.path or not ({"code", "error"} & params.keys()):
            self.send_error(404)  # a favicon, a stray request: keep waiting for the real one
            return
        self.server.result = params
        message = "Rebound is signed in." if "code" in params else "The sign-in did not go through; see the terminal."
        body = PAGE.format(message=message).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LoopbackRedirect:
    """Listen on the redirect URI's loopback address (on a free port unless it names one) for the browser's return.

    It serves from a thread of its own from the start, so a browser that does not return at once
    (a text browser in this terminal, a BROWSER command that waits) still gets its redirect answered.
    """

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        host = parts.hostname or "127.0.0.1"
        server_class = _V6Server if ":" in host else _Server
        # "localhost" is served on 127.0.0.1: browsers that try ::1 first fall back to it.
        bind = "127.0.0.1" if host == "localhost" else host
        try:
            self._server = server_class((bind, parts.port or 0), _Handler)
        except OSError as exc:
            raise AuthError(f"cannot listen on {bind}:{parts.port or 0} for the browser's return ({exc.strerror or exc}); "
                            "free that port or change [imap.oauth2] redirect_uri") from None  # fmt: skip
        self._server.path = parts.path or "/"
        self._server.timeout = 0.2
        port = self._server.server_address[1]
        netloc = f"[{host}]" if ":" in host else host
        # Exactly the registered form plus the port: servers compare it to the registration.
        self.redirect_uri = f"http://{netloc}:{port}{parts.path}"
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="oauth-redirect", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._server.result is None and not self._closing.is_set():
            self._server.handle_request()

    def wait(self, timeout: float) -> dict[str, str]:
        """The query of the redirect (code and state, or error), once the browser comes back."""
        self._thread.join(timeout)
        if self._server.result is None:
            raise AuthError(f"no answer from the browser within {timeout / 60:.0f} minutes; run `rebound auth` again")
        return self._server.result

    def close(self) -> None:
        self._closing.set()
        self._thread.join()
        self._server.server_close()

    def __enter__(self) -> LoopbackRedirect:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
