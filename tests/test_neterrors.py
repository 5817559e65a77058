"""agent/neterrors.py: each way a connection fails, said as the setting to check."""

from __future__ import annotations

import errno
import imaplib
import smtplib
import socket
import ssl

import pytest

from agent.config import ImapSettings
from agent.errors import ConnectionLost
from agent.mailbox import ImapMailbox
from agent.neterrors import Endpoint, explain

IMAP_SSL = Endpoint("imap", "mail.example.org", 993, "ssl")
IMAP_STARTTLS = Endpoint("imap", "mail.example.org", 143, "starttls")
SMTP_SSL = Endpoint("smtp", "smtp.example.org", 587, "ssl")


def _not_tls() -> ssl.SSLError:
    err = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
    err.reason = "WRONG_VERSION_NUMBER"
    return err


def _cert(code: int, message: str) -> ssl.SSLCertVerificationError:
    err = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    err.verify_code, err.verify_message = code, message
    return err


@pytest.mark.parametrize(
    ("error", "at", "names"),
    [
        (socket.gaierror(-2, "Name or service not known"), IMAP_SSL, "[imap] host"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), IMAP_SSL, "[imap] port"),
        (_not_tls(), IMAP_SSL, '[imap] security = "starttls"'),
        (_not_tls(), SMTP_SSL, '[smtp] security = "starttls"'),
        (TimeoutError("timed out"), IMAP_STARTTLS, '[imap] security = "ssl"'),
        (TimeoutError("timed out"), IMAP_SSL, "[imap] port"),
        (_cert(20, "unable to get local issuer certificate"), IMAP_SSL, "[imap] tls_ca_file"),
        (_cert(62, "Hostname mismatch, certificate is not valid for 'mail.example.org'."), IMAP_SSL, "[imap] host"),
        (_cert(10, "certificate has expired"), IMAP_SSL, "expired"),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), IMAP_SSL, "[imap] host"),
        (imaplib.IMAP4.error("STARTTLS extension not supported by server."), IMAP_STARTTLS, '[imap] security = "ssl"'),
    ],
)
def test_each_failure_names_the_setting(error: BaseException, at: Endpoint, names: str) -> None:
    said = explain(error, at)
    assert said is not None and names in said and "\n" not in said


def test_a_wrapped_timeout_is_found_in_the_chain() -> None:
    try:
        try:
            raise TimeoutError("timed out")
        except OSError as exc:
            raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from None
    except smtplib.SMTPServerDisconnected as wrapped:
        said = explain(wrapped, Endpoint("smtp", "smtp.example.org", 465, "starttls"))
    assert said is not None and '[smtp] security = "ssl"' in said


def test_other_errors_are_left_alone() -> None:
    assert explain(ValueError("nothing to do with the network"), IMAP_SSL) is None
    assert explain(imaplib.IMAP4.error("NO [AUTHENTICATIONFAILED]"), IMAP_SSL) is None


def test_imap_connect_errors_are_one_line_naming_the_setting() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(ConnectionLost) as refused:
        ImapMailbox(ImapSettings(host="127.0.0.1", port=closed, username="u"), "pw")
    assert "[imap] port" in str(refused.value) and f"127.0.0.1:{closed}" in str(refused.value)
    with pytest.raises(ConnectionLost) as unknown:
        ImapMailbox(ImapSettings(host="no-such-host.invalid", username="u"), "pw")
    assert "[imap] host" in str(unknown.value) and "gaierror" not in str(unknown.value)
