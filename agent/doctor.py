"""`rebound doctor`: every setting checked in the order a connection uses them, each with the fix when it fails.

A failed step makes the steps that need it pointless (no TCP without a name, no login without
TLS): those are reported as not checked, and the independent ones (database, model) still run.
"""

from __future__ import annotations

import difflib
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent import probe, schema
from agent.config import Settings, load_settings
from agent.errors import AuthError, ConfigError, MailboxError, ReboundError, SignInRequired
from agent.mailbox import ImapMailbox, ssl_context
from agent.neterrors import Endpoint, explain
from agent.presets import by_imap_server
from agent.service import imap_credentials
from agent.smtp import signed_in

Status = Literal["ok", "fail", "warn", "skip"]
# Per network step: long enough for a slow server, short enough that a dropped packet does not look like a hang.
DEFAULT_TIMEOUT = 10.0
WANTED_CAPABILITIES = ("IDLE", "UIDPLUS", "SPECIAL-USE")


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, how it went, and what to do about it."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def run(path: Path, timeout: float = DEFAULT_TIMEOUT, load_model: Callable[[Path | None], object] | None = None) -> Iterator[Check]:
    """Every check, in order, as it completes."""
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        yield Check("config", "fail", str(exc).replace("\n", "; "), "edit the key named above")
        return
    yield Check("config", "ok", str(path))
    yield from _imap(settings, timeout)
    yield _database(settings)
    yield _model(settings, load_model)
    if settings.smtp is not None:
        yield _smtp(settings, timeout)


# --- IMAP, step by step -----------------------------------------------------------------------


def _imap(settings: Settings, timeout: float) -> Iterator[Check]:
    imap = settings.imap
    at = Endpoint("imap", imap.host, imap.effective_port, imap.security)
    steps = ("DNS", "connect", "TLS", "login", "capabilities", "folders", "Drafts and Sent")
    network = _network(at, lambda: ssl_context(imap), timeout, verify=imap.tls_verify)
    for check in network:
        yield check
        if check.status == "fail":
            yield from _skipped(steps[steps.index(check.name) + 1 :], check.name)
            return
    try:
        mailbox = ImapMailbox(imap, imap_credentials(settings))
    except SignInRequired as exc:
        yield Check("login", "fail", str(exc), "run `rebound auth` to sign in")
        yield from _skipped(steps[4:], "login")
        return
    except ConfigError as exc:
        yield Check("login", "fail", str(exc), "set the password source named above")
        yield from _skipped(steps[4:], "login")
        return
    except AuthError as exc:
        yield Check("login", "fail", str(exc), _login_fix(settings))
        yield from _skipped(steps[4:], "login")
        return
    except MailboxError as exc:
        yield Check("login", "fail", str(exc), "run `rebound doctor` again; if it persists, check the server's status")
        yield from _skipped(steps[4:], "login")
        return
    try:
        yield Check("login", "ok", f"logged in as {imap.username}")
        yield _capabilities(mailbox, imap.poll_seconds)
        yield _folders(mailbox, imap.folders, imap.host)
        yield _drafts_and_sent(mailbox)
    finally:
        mailbox.close()


def _network(at: Endpoint, context: Callable[[], ssl.SSLContext], timeout: float, *, verify: bool = True) -> Iterator[Check]:
    """DNS, TCP connect and TLS for one server."""
    try:
        found = probe.addresses(at)
    except OSError as exc:
        yield Check("DNS", "fail", f"cannot find {at.host}", _fix(exc, at))
        return
    yield Check("DNS", "ok", f"{at.host} → {', '.join(found[:3])}")
    try:
        probe.connect(at, timeout).close()
    except OSError as exc:
        yield Check("connect", "fail", f"cannot connect to {at.host}:{at.port}", _fix(exc, at))
        return
    yield Check("connect", "ok", f"{at.host}:{at.port} accepts connections")
    try:
        info = probe.tls(at, context(), timeout)
    except probe.SpeaksTlsAtOnce:
        yield Check("TLS", "fail", f"{at.host}:{at.port} expects TLS at once, not STARTTLS", f'set {at.key("security")} = "ssl"')
        return
    except probe.ProtocolError as exc:
        yield Check("TLS", "fail", f"{at.host}:{at.port}: {exc}", _fix(exc, at, f"check {at.key('security')} and {at.key('port')}"))
        return
    except OSError as exc:  # ssl.SSLError is one
        yield Check("TLS", "fail", f"TLS with {at.host}:{at.port} failed", _fix(exc, at))
        return
    if info is None:
        yield Check("TLS", "ok", 'none (security = "none", allowed on this machine\'s loopback only)')
    elif not verify:
        yield Check("TLS", "warn", f"{info.version}, certificate NOT checked", f"remove {at.key('tls_verify')} = false")
    else:
        until = f", valid until {info.not_after:%Y-%m-%d}" if info.not_after else ""
        yield Check("TLS", "ok", f"{info.version} ({at.security}), certificate for {info.subject or at.host}{until}")


def _fix(exc: BaseException, at: Endpoint, otherwise: str = "") -> str:
    return explain(exc, at) or otherwise or f"{exc.__class__.__name__}: {exc}; check {at.key('host')} and {at.key('port')}"


def _skipped(names: tuple[str, ...], because: str) -> Iterator[Check]:
    for name in names:
        yield Check(name, "skip", f"not checked ({because} failed)")


def _login_fix(settings: Settings) -> str:
    imap = settings.imap
    preset = by_imap_server(imap.host, imap.effective_port)
    wants = f"; {preset.name} wants {preset.password}" if preset and preset.password else ""
    return f"check [imap] username ({imap.username}) and the password{wants}"


def _capabilities(mailbox: ImapMailbox, poll_seconds: int) -> Check:
    offered = mailbox.capabilities()
    missing = [c for c in WANTED_CAPABILITIES if c not in offered]
    if not missing:
        return Check("capabilities", "ok", ", ".join(WANTED_CAPABILITIES))
    # None of these is needed; without them Rebound does the same work a slower way.
    consequences = {
        "IDLE": f"new mail is noticed by polling every {poll_seconds} s",
        "UIDPLUS": "drafts are found again by Message-ID after saving",
        "SPECIAL-USE": "Drafts and Sent are found by their names",
    }
    return Check("capabilities", "warn", "no " + ", no ".join(missing) + ": " + "; ".join(consequences[c] for c in missing))


def _folders(mailbox: ImapMailbox, watched: tuple[str, ...], host: str) -> Check:
    names = mailbox.folder_names()
    # INBOX is case-insensitive (RFC 3501); every other name is the server's own.
    known = {n.upper() if n.upper() == "INBOX" else n for n in names}
    missing = [f for f in watched if (f.upper() if f.upper() == "INBOX" else f) not in known]
    if not missing:
        return Check("folders", "ok", "watching " + ", ".join(watched))
    hints = []
    for folder in missing:
        close = difflib.get_close_matches(folder, names, n=1)
        hints.append(f"{folder!r} (did you mean {close[0]!r}?)" if close else repr(folder))
    return Check("folders", "fail", f"not on {host}: " + ", ".join(hints), "fix [imap] folders; the server has " + ", ".join(names[:12]))


def _drafts_and_sent(mailbox: ImapMailbox) -> Check:
    try:
        drafts = mailbox.drafts_folder()
    except MailboxError as exc:
        return Check("Drafts and Sent", "fail", str(exc), '[imap] drafts_folder = "the folder your mail program keeps drafts in"')
    sent = mailbox.sent_folder()
    if sent is None:
        return Check("Drafts and Sent", "warn", f"Drafts: {drafts}; no Sent folder found", "Rebound cannot tell which drafts you sent; nothing to do unless the digest should")
    return Check("Drafts and Sent", "ok", f"Drafts: {drafts}, Sent: {sent}")


# --- the rest ---------------------------------------------------------------------------------


def _database(settings: Settings) -> Check:
    """Writable, and at a schema this Rebound can use, without creating or upgrading anything."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    url = settings.database_url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            parent = next((p for p in path.parents if p.exists()), Path("/"))
            if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
                return Check("database", "ok", f"{path} will be created at the first run")
            return Check("database", "fail", f"cannot create {path}: {parent} is not a writable folder", "fix that, or set [database] url")
        if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
            # SQLite writes its journal beside the database, so the folder must be writable too.
            return Check("database", "fail", f"{path} (or its folder) is not writable by this user", "fix the permissions, or set [database] url")
    try:
        engine = create_engine(url)
        found = schema.current(engine)
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # takes the write lock, changes nothing
            connection.rollback()
        where = engine.url.render_as_string(hide_password=True)
        engine.dispose()
    except SQLAlchemyError as exc:
        return Check("database", "fail", f"cannot open the database: {exc.__class__.__name__}", "check [database] url")
    newest = schema.head()
    if found == newest:
        return Check("database", "ok", f"{where}, schema {found}")
    if found is None:
        return Check("database", "ok", f"{where}, empty: set up at the first run")
    if found in schema.known():
        return Check("database", "ok", f"{where}, schema {found}: upgraded to {newest} at the next run")
    return Check("database", "fail", f"{where} has schema {found}, newer than this Rebound ({newest})", "upgrade Rebound, or set [database] url")


def _model(settings: Settings, load_model: Callable[[Path | None], object] | None) -> Check:
    if load_model is None:
        from agent.classifier.model import load_pipeline

        load_model = load_pipeline
    started = time.monotonic()
    try:
        load_model(settings.classifier.model_path)
    except ReboundError as exc:
        return Check("model", "fail", str(exc), "set [classifier] model_path to a trained pipeline, or remove it")
    where = settings.classifier.model_path or "the pipeline shipped with Rebound"
    return Check("model", "ok", f"{where} loads ({time.monotonic() - started:.1f} s)")


def _smtp(settings: Settings, timeout: float) -> Check:
    """Connect, TLS and log in to the SMTP server; nothing is sent."""
    smtp = settings.smtp
    assert smtp is not None
    at = Endpoint("smtp", smtp.host, smtp.effective_port, smtp.security)
    context = ssl.create_default_context(cafile=str(smtp.tls_ca_file) if smtp.tls_ca_file else None)
    tokens = None
    try:
        if smtp.auth == "oauth2":
            from agent.oauth.account import bearer_tokens

            tokens = bearer_tokens(settings)
        password = smtp.resolve_password("smtp") if smtp.username and tokens is None else None
    except SignInRequired as exc:
        return Check("SMTP", "fail", str(exc), "run `rebound auth` to sign in")
    except ConfigError as exc:
        return Check("SMTP", "fail", str(exc), "set the [smtp] password source named above")
    try:
        with signed_in(smtp, context, password, tokens, timeout) as client:
            client.noop()
    except smtplib.SMTPAuthenticationError:
        return Check("SMTP", "fail", f"{smtp.host} rejected the username or password", "check [smtp] username and its password")
    except (smtplib.SMTPException, OSError) as exc:
        fix = explain(exc, at)
        return Check("SMTP", "fail", f"{smtp.host}:{at.port}: {exc.__class__.__name__}", fix or f"check [smtp] host, port and security ({at.usual_ports})")
    login = f", logged in as {smtp.username}" if smtp.username else ""
    return Check("SMTP", "ok", f"{smtp.host}:{at.port} ({smtp.security}){login}; nothing sent")
