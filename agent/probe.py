"""Step-by-step probes of the IMAP server for `rebound doctor`: name lookup, TCP, then TLS (implicit or STARTTLS).

Each step raises what the socket or ssl module raised, so agent/neterrors.py words it the same
way as a failed `rebound once`; doctor runs them apart to say which step failed.
"""

from __future__ import annotations

import socket
import ssl
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent.neterrors import Endpoint

# An IMAP greeting or tagged reply is short; a server that sends more without a line break is no IMAP server.
MAX_LINE = 8192


class ProtocolError(OSError):
    """The server answered, but not as an IMAP server does at that step."""


class SpeaksTlsAtOnce(ProtocolError):
    """STARTTLS was configured, but the port expects a TLS handshake straight away."""


@dataclass(frozen=True)
class TlsInfo:
    """What the TLS handshake showed."""

    version: str
    subject: str
    not_after: datetime | None


def addresses(at: Endpoint) -> list[str]:
    """The addresses the host name resolves to (raises socket.gaierror)."""
    infos = socket.getaddrinfo(at.host, at.port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def connect(at: Endpoint, timeout: float) -> socket.socket:
    """A TCP connection to the server."""
    return socket.create_connection((at.host, at.port), timeout=timeout)


def tls(at: Endpoint, context: ssl.SSLContext, timeout: float) -> TlsInfo | None:
    """Connect and complete TLS as the config says (implicit or STARTTLS); None for security = "none"."""
    if at.security == "none":
        return None
    with closing(connect(at, timeout)) as sock:
        if at.security == "starttls":
            try:
                _starttls(sock)
            except TimeoutError:
                # Silence after connecting is what an implicit-TLS port does: it waits for our handshake.
                if _handshakes(at, context, timeout):
                    raise SpeaksTlsAtOnce(f"{at.host}:{at.port} expects TLS at once") from None
                raise
        with closing(context.wrap_socket(sock, server_hostname=at.host)) as secure:
            return _info(secure)


def _handshakes(at: Endpoint, context: ssl.SSLContext, timeout: float) -> bool:
    try:
        with closing(connect(at, timeout)) as sock, closing(context.wrap_socket(sock, server_hostname=at.host)):
            return True
    except ssl.SSLCertVerificationError:
        return True  # it spoke TLS; the certificate is the next check's business
    except OSError:
        return False


def _line(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ProtocolError("the server closed the connection")
        data += chunk
        if len(data) > MAX_LINE:
            raise ProtocolError("the server sent an over-long line")
    return data.decode("ascii", errors="replace").rstrip("\r\n")


def _starttls(sock: socket.socket) -> None:
    """Read the IMAP greeting and ask for STARTTLS, a byte at a time so nothing of the TLS handshake is swallowed."""
    greeting = _line(sock)
    if not greeting.startswith("* OK"):
        raise ProtocolError(f"not an IMAP greeting: {greeting[:80]!r}")
    sock.sendall(b"r1 STARTTLS\r\n")
    while not (reply := _line(sock)).startswith("r1 "):
        pass
    if not reply.startswith("r1 OK"):
        raise ProtocolError(f"STARTTLS refused: {reply[3:80]}")


def _info(secure: ssl.SSLSocket) -> TlsInfo:
    cert: dict[str, Any] = dict(secure.getpeercert() or {})
    common = [str(value) for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"]
    names = [str(value) for key, value in cert.get("subjectAltName", ()) if key in ("DNS", "IP Address")]
    not_after = cert.get("notAfter")
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(not_after)), UTC) if not_after else None
    return TlsInfo(version=secure.version() or "TLS", subject=", ".join(names or common), not_after=expires)
