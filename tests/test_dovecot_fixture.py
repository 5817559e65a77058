"""The Dovecot test server itself: logins, TLS, helpers, restart and kick."""

from __future__ import annotations

import contextlib
import imaplib
import ssl
import time

import pytest
from dovecot import DovecotFactory, DovecotServer, ImapAccount

pytestmark = pytest.mark.integration

MESSAGE = (
    b"From: Recruiter <jobs@example.com>\r\n"
    b"To: me@example.com\r\n"
    b"Subject: Your application\r\n"
    b"Message-ID: <rejection-1@example.com>\r\n"
    b"\r\n"
    b"Unfortunately we decided to move forward with other candidates.\r\n"
)


def _tls_context(account: ImapAccount) -> ssl.SSLContext:
    assert account.ca_file is not None
    return ssl.create_default_context(cafile=str(account.ca_file))


def _dropped(conn: imaplib.IMAP4, timeout: float) -> bool:
    """Does the server close ``conn`` within ``timeout`` seconds?"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn.noop()
        except (imaplib.IMAP4.abort, OSError):
            return True
        time.sleep(0.05)
    return False


def test_login_plain(imap_account: ImapAccount) -> None:
    conn = imaplib.IMAP4(imap_account.host, imap_account.port, timeout=10)
    try:
        assert "STARTTLS" in conn.capabilities
        assert conn.login(imap_account.user, imap_account.password)[0] == "OK"
        status, listing = conn.list()
        assert status == "OK"
        special = b" ".join(line for line in listing if isinstance(line, bytes))
        for flag in (b"\\Drafts", b"\\Sent", b"\\Trash", b"\\Junk", b"\\Archive"):
            assert flag in special
    finally:
        conn.logout()


def test_wrong_password_is_rejected_without_delay(imap_account: ImapAccount) -> None:
    conn = imaplib.IMAP4(imap_account.host, imap_account.port, timeout=10)
    try:
        started = time.monotonic()
        with pytest.raises(imaplib.IMAP4.error):
            conn.login(imap_account.user, "wrong")
        assert time.monotonic() - started < 1.5
    finally:
        conn.shutdown()


def test_starttls_with_ca_file(imap_account: ImapAccount) -> None:
    conn = imaplib.IMAP4(imap_account.host, imap_account.port, timeout=10)
    try:
        conn.starttls(ssl_context=_tls_context(imap_account))
        typ, _ = conn.login(imap_account.user, imap_account.password)
        assert typ == "OK"
    finally:
        conn.logout()


def test_implicit_tls_with_ca_file(imap_account: ImapAccount) -> None:
    assert imap_account.ssl_port is not None
    conn = imaplib.IMAP4_SSL(
        imap_account.host,
        imap_account.ssl_port,
        ssl_context=_tls_context(imap_account),
        timeout=10,
    )
    try:
        typ, _ = conn.login(imap_account.user, imap_account.password)
        assert typ == "OK"
    finally:
        conn.logout()


def test_tls_without_ca_file_fails_verification(imap_account: ImapAccount) -> None:
    assert imap_account.ssl_port is not None
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(
            imap_account.host,
            imap_account.ssl_port,
            ssl_context=ssl.create_default_context(),
            timeout=10,
        )
    conn = imaplib.IMAP4(imap_account.host, imap_account.port, timeout=10)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            conn.starttls(ssl_context=ssl.create_default_context())
    finally:
        with contextlib.suppress(OSError):  # the failed handshake closed the socket
            conn.shutdown()


def test_append_and_read_back(imap_account: ImapAccount) -> None:
    assert imap_account.messages("INBOX") == []
    assert imap_account.flags_of("Drafts") == {}

    imap_account.append("INBOX", MESSAGE, "\\Seen")
    imap_account.append(
        "Drafts", MESSAGE.replace(b"rejection-1", b"draft-1"), "\\Draft"
    )

    assert imap_account.messages("INBOX") == [MESSAGE]
    assert imap_account.flags_of("INBOX") == {"<rejection-1@example.com>": {"\\Seen"}}
    assert imap_account.flags_of("Drafts") == {"<draft-1@example.com>": {"\\Draft"}}
    # Reading did not mark anything \Seen.
    assert imap_account.flags_of("Drafts") == {"<draft-1@example.com>": {"\\Draft"}}
    assert imap_account.uidvalidity("INBOX") == imap_account.uidvalidity("INBOX") > 0


def test_accounts_do_not_share_mailboxes(
    imap_account: ImapAccount, dovecot: DovecotServer
) -> None:
    imap_account.append("INBOX", MESSAGE)
    other = ImapAccount(
        server=dovecot,
        user=imap_account.user + "-other",
        password=imap_account.password,
    )
    assert other.messages("INBOX") == []
    assert len(imap_account.messages("INBOX")) == 1


def test_named_user_from_passwd_file(dovecot: DovecotServer) -> None:
    with dovecot.connect() as conn:
        typ, _ = conn.noop()
        assert typ == "OK"
    with (
        pytest.raises(imaplib.IMAP4.error),
        dovecot.connect(dovecot.user, "not-" + dovecot.password),
    ):
        pass


def test_restart_keeps_mail(dovecot_factory: DovecotFactory) -> None:
    server = dovecot_factory()
    server.append("INBOX", MESSAGE, "\\Flagged")
    uidvalidity = server.uidvalidity("INBOX")
    ports, old_pid = (server.port, server.ssl_port), server.pid

    server.restart()

    assert server.pid != old_pid
    assert (server.port, server.ssl_port) == ports
    assert server.messages("INBOX") == [MESSAGE]
    assert server.flags_of("INBOX") == {"<rejection-1@example.com>": {"\\Flagged"}}
    assert server.uidvalidity("INBOX") == uidvalidity


def test_stop_ends_open_sessions(dovecot_factory: DovecotFactory) -> None:
    server = dovecot_factory()
    conn = imaplib.IMAP4(server.host, server.port, timeout=5)
    conn.login(server.user, server.password)
    server.stop()
    assert not server.running
    with pytest.raises((imaplib.IMAP4.abort, OSError)):  # BYE, then EOF
        conn.noop()
        conn.noop()
    with contextlib.suppress(OSError):
        conn.shutdown()


def test_without_tls(dovecot_factory: DovecotFactory) -> None:
    server = dovecot_factory(tls=False, users={"alice": "secret"})
    assert server.ssl_port is None
    assert server.ca_file is None
    assert (server.user, server.password) == ("alice", "secret")
    conn = imaplib.IMAP4(server.host, server.port, timeout=10)
    try:
        assert "STARTTLS" not in conn.capabilities
        assert conn.login("alice", "secret")[0] == "OK"
    finally:
        conn.logout()


def test_kick_drops_connection(imap_account: ImapAccount) -> None:
    conn = imaplib.IMAP4(imap_account.host, imap_account.port, timeout=5)
    try:
        conn.login(imap_account.user, imap_account.password)
        conn.select("INBOX")
        assert imap_account.user in imap_account.server.doveadm("who")

        imap_account.kick()

        assert _dropped(conn, timeout=5)
    finally:
        with contextlib.suppress(OSError):
            conn.shutdown()
