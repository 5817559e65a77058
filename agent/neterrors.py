"""A connection that could not be made, in words: what happened and which setting to check.

Used wherever Rebound connects (IMAP in mailbox.py, SMTP in delivery.py, and `rebound doctor`),
so `gaierror: [Errno -2] Name or service not known` reaches the user as "cannot find the server
imap.exmaple.com; check [imap] host".
"""

from __future__ import annotations

import errno
import imaplib
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

# Where each protocol's server usually listens, by security mode.
PORTS = {"imap": {"ssl": 993, "starttls": 143, "none": 143}, "smtp": {"ssl": 465, "starttls": 587, "none": 25}}
# OpenSSL's reasons for "the other side did not answer with TLS": a plain-text greeting read as a
# TLS record. 3.0 says WRONG_VERSION_NUMBER; later versions name the record layer or its length.
_NOT_TLS = {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL", "HTTP_REQUEST"}
# X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_CERT_HAS_EXPIRED
_HOSTNAME_MISMATCH = 62
_EXPIRED = 10


@dataclass(frozen=True)
class Endpoint:
    """Which server, and which config section names it."""

    section: str  # "imap" | "smtp"
    host: str
    port: int
    security: str

    def key(self, name: str) -> str:
        return f"[{self.section}] {name}"

    @property
    def usual_ports(self) -> str:
        ports = PORTS[self.section]
        return f'{ports["ssl"]} for security = "ssl", {ports["starttls"]} for "starttls"'


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and the ones it was raised from (smtplib wraps a timeout in SMTPServerDisconnected)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def explain(exc: BaseException, at: Endpoint) -> str | None:
    """A sentence for a failed connection that names the setting to check; None when exc is no connection failure."""
    for err in _chain(exc):
        said = _explain_one(err, at)
        if said is not None:
            return said
    return None


def _explain_one(err: BaseException, at: Endpoint) -> str | None:
    where = f"{at.host}:{at.port}"
    if isinstance(err, socket.gaierror):
        return f"cannot find the server {at.host} ({err.strerror or err}); check {at.key('host')}"
    if isinstance(err, ConnectionRefusedError):
        # The same words whether the port is wrong or the server is down (the daemon meets both).
        return f"{where} refused the connection: nothing listens on port {at.port}; the server is down, or {at.key('port')} is wrong ({at.usual_ports})"
    if isinstance(err, ssl.SSLCertVerificationError):
        return _certificate(err, at)
    if isinstance(err, ssl.SSLError) and (err.reason in _NOT_TLS or "WRONG_VERSION_NUMBER" in str(err)):
        ports = PORTS[at.section]
        return (
            f"{where} does not speak TLS from the start: it is a plain or STARTTLS port; "
            f'set {at.key("security")} = "starttls", or {at.key("port")} = {ports["ssl"]} for "ssl"'
        )
    if isinstance(err, ssl.SSLError):
        return f"the TLS handshake with {where} failed ({err.reason or err}); check {at.key('security')} and {at.key('port')} ({at.usual_ports})"
    if isinstance(err, TimeoutError | socket.timeout):
        if at.security == "starttls":
            return (
                f"{where} did not answer in time; if it is an implicit-TLS port ({PORTS[at.section]['ssl']}), "
                f'set {at.key("security")} = "ssl", otherwise check {at.key("host")} and {at.key("port")}'
            )
        return f"no answer from {where} in time; check {at.key('host')} and {at.key('port')} (or a firewall in between)"
    if isinstance(err, OSError) and err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"cannot reach {at.host} ({err.strerror}); check {at.key('host')} and this machine's network connection"
    if isinstance(err, imaplib.IMAP4.error | smtplib.SMTPNotSupportedError) and "STARTTLS" in str(err).upper():
        return f'{where} offers no STARTTLS; set {at.key("security")} = "ssl" and {at.key("port")} = {PORTS[at.section]["ssl"]}'
    return None


def _certificate(err: ssl.SSLCertVerificationError, at: Endpoint) -> str:
    if err.verify_code == _HOSTNAME_MISMATCH:
        return f"the TLS certificate of {at.host} is for another name ({err.verify_message}); check {at.key('host')}"
    if err.verify_code == _EXPIRED:
        return f"the TLS certificate of {at.host} has expired; only the server's administrator can renew it"
    return f"the server's TLS certificate was not accepted: {err.verify_message}; set {at.key('tls_ca_file')} to trust a private CA"
