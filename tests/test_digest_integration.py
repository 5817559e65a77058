"""The weekly digest end to end: a real Dovecot, a real SMTP server (aiosmtpd), and headless Chromium.

The mailbox is filled with the sample recruiter mail and one hostile subject, `rebound once` reads it,
and then the user acts as a user does: sends one draft, deletes another, and gets an answer.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import ANY_USER_PASSWORD
from dovecot import DovecotServer, ImapAccount, _make_certificate
from helpers import Rebound, delete_message, demo_mail, drafts, make_rebound, msgid, parse, rejection, set_header

from agent.config import SmtpSettings
from agent.smtp import DeliveryError, send_smtp

pytestmark = pytest.mark.integration

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
DIGEST_TO = "alex.digest@example.com"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 90
SMTP_USER, SMTP_PASSWORD = "alex", "smtp-secret"


# --- a real SMTP server ---------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    msg: EmailMessage


@dataclass
class Collector:
    """aiosmtpd handler: keeps every message it is given."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parse(envelope.original_content or envelope.content))
            )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers a failure with 535


@dataclass
class SmtpServer:
    host: str
    port: int
    collector: Collector
    ca_file: Path | None = None

    @property
    def messages(self) -> list[Received]:
        with self.collector.lock:
            return list(self.collector.messages)


SmtpFactory = Callable[..., SmtpServer]


@pytest.fixture
def smtp_factory(tmp_path: Path) -> Iterator[SmtpFactory]:
    """Start aiosmtpd on 127.0.0.1: security "none", "ssl" (implicit TLS) or "starttls"; stopped after the test."""
    controllers: list[Controller] = []

    def start(security: str = "none", *, auth: bool = False) -> SmtpServer:
        collector = Collector()
        port = _free_port()
        kwargs: dict[str, Any] = {}
        ca_file = None
        if security != "none":
            ca_file = _make_certificate(_cert_dir(tmp_path))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(ca_file, ca_file.parent / "key.pem")
            kwargs = {"ssl_context": context} if security == "ssl" else {"tls_context": context, "require_starttls": True}
        if auth:
            kwargs |= {"authenticator": _authenticate, "auth_required": True}
            if security == "ssl":
                kwargs["auth_require_tls"] = False  # aiosmtpd only counts STARTTLS as TLS; implicit TLS is TLS too
        controller = Controller(collector, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return SmtpServer("127.0.0.1", port, collector, ca_file)

    yield start
    for controller in controllers:
        controller.stop()


def _cert_dir(tmp_path: Path) -> Path:
    path = tmp_path / "smtp-tls"
    path.mkdir(exist_ok=True)
    return path


# --- one mailbox, read once, then used the way a person uses it -----------------------------


@dataclass
class Scenario:
    rebound: Rebound
    account: ImapAccount
    rejecting_companies: list[str]
    sent_company: str
    discarded_company: str


def _smtp_toml(server: SmtpServer | None) -> str:
    if server is None:
        return ""
    return f'[smtp]\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'


def _config(tmp_path: Path, account: ImapAccount, smtp: SmtpServer | None = None) -> Rebound:
    extra = _smtp_toml(smtp)
    extra += f'\n[digest]\nto = "{DIGEST_TO}"\ntimezone = "UTC"\n'
    extra += "\n[goals]\napplications_per_week = 5\nnetworking_contacts_per_week = 2\nlearning_hours_per_week = 3\n"
    # Two drafts per rejection, so that one can be sent and its sibling kept.
    return make_rebound(tmp_path, account, extra=extra, drafts={"style": "separate"})


def _build(tmp_path: Path, account: ImapAccount) -> Scenario:
    rebound = _config(tmp_path, account)
    samples = demo_mail()
    for sample in samples:
        account.append("INBOX", sample.raw)
    account.append("INBOX", rejection("<hostile-1@fenwickhale.example>", subject=HOSTILE))
    rebound.once(timeout=180)

    fenwick = next(s for s in samples if s.name.startswith("12"))
    brightwell = next(s for s in samples if s.name.startswith("06"))
    by_parent: dict[str, list[Any]] = {}
    for d in drafts(account):
        by_parent.setdefault(d.in_reply_to, []).append(d)
    # Sent: the user sends Fenwick & Hale's feedback request from their mail client, which files a
    # copy in Sent under a Message-ID of its own and removes the draft.
    feedback = next(d for d in by_parent[fenwick.message_id] if d.msg["X-Rebound-Draft"] == "feedback_request")
    sent_id = f"<client-{uuid.uuid4().hex[:8]}@example.com>"
    account.append("Sent", set_header(feedback.raw, "Message-ID", sent_id), r"\Seen")
    delete_message(account, "Drafts", feedback.message_id)
    # Discarded: every draft for Brightwell Health is deleted unsent.
    for d in by_parent[brightwell.message_id]:
        delete_message(account, "Drafts", d.message_id)
    # Answered: the recruiter replies to what was sent.
    answer = set_header(fenwick.raw, "Message-ID", f"<answer-{uuid.uuid4().hex[:8]}@fenwickhale.com>")
    answer = set_header(answer, "In-Reply-To", sent_id)
    answer = set_header(answer, "Subject", "Re: Feedback on my interview")
    account.append("INBOX", answer)
    rebound.once(timeout=180)

    expected = [s.company for s in samples if s.is_rejection and s.company]
    return Scenario(rebound, account, expected, "Fenwick", "Brightwell Health")


@pytest.fixture(scope="module")
def scenario(dovecot: DovecotServer) -> Iterator[Scenario]:
    """Built once for the module: reading the mailbox loads spaCy, which takes a few seconds."""
    root = Path(tempfile.mkdtemp(prefix="rebound-digest-"))
    account = ImapAccount(server=dovecot, user=f"digest-{uuid.uuid4().hex[:8]}", password=ANY_USER_PASSWORD)
    try:
        yield _build(root, account)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _preview(rebound: Rebound, name: str) -> tuple[Path, str]:
    out = rebound.tmp_path / name
    result = rebound.run("digest", "--preview", str(out), timeout=120)
    assert result.returncode == 0, f"stdout: {result.stdout}\nstderr: {result.stderr}"
    assert "nothing sent" in result.stdout
    return out, out.read_text(encoding="utf-8")


class _Visible(HTMLParser):
    """The document's text and its element names, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(markup: str) -> _Visible:
    parser = _Visible()
    parser.feed(markup)
    parser.close()
    return parser


# --- the tests ------------------------------------------------------------------------------


def test_preview_names_the_rejections_and_escapes_the_mail(scenario: Scenario) -> None:
    before = scenario.rebound.query("SELECT COUNT(*) FROM digestrecord")[0][0]
    _out, markup = _preview(scenario.rebound, "preview.html")
    page = visible(markup)
    text = " ".join(" ".join(page.text).split())

    named = [c for c in scenario.rejecting_companies if c.lower() in text.lower()]
    assert len(named) >= 0.7 * len(scenario.rejecting_companies), f"named {named} of {scenario.rejecting_companies}"
    assert HOSTILE in text  # shown as text...
    assert "script" not in page.tags and "img" not in page.tags  # ...never as markup
    assert not [a for a in page.attrs if a.startswith("on") or a in {"src", "href"}]
    # The user's actions are reflected: the answer first, then what became of each draft.
    assert text.index("Replies to you") < text.index("Your next steps") < text.index("Rejections this week")
    assert "Feedback request: sent" in text and "deleted without sending" in text and "still in Drafts" in text
    states = dict(scenario.rebound.query("SELECT status, COUNT(*) FROM draftrecord GROUP BY status"))
    assert states.get("sent") == 1 and states.get("discarded", 0) >= 1
    assert scenario.rebound.query("SELECT COUNT(*) FROM digestrecord")[0][0] == before  # a preview is not a send


def test_send_delivers_one_multipart_email_once_a_week(scenario: Scenario, smtp_factory: SmtpFactory) -> None:
    smtp = smtp_factory("none")
    rebound = scenario.rebound
    rebound.config.write_text(rebound.config.read_text() + "\n" + _smtp_toml(smtp))
    inbox_before = len(scenario.account.messages("INBOX"))

    first = rebound.run("digest", "--send", timeout=120)
    assert first.returncode == 0, first.stderr
    assert f"sent to {DIGEST_TO} via smtp" in first.stdout
    assert len(smtp.messages) == 1
    got = smtp.messages[0]
    assert got.rcpt_tos == [DIGEST_TO]
    assert got.msg["To"] == DIGEST_TO and "<" not in got.msg["Subject"]
    assert got.msg.get_content_type() == "multipart/alternative"
    parts = list(got.msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    text_part, html_part = (p.get_content() for p in parts)  # type: ignore[attr-defined]
    assert HOSTILE in text_part and "NEXT STEPS" in text_part
    assert HOSTILE not in html_part and html.escape(HOSTILE, quote=False) in html_part

    second = rebound.run("digest", "--send", timeout=120)
    assert second.returncode == 0, second.stderr
    assert "already sent" in second.stdout
    assert len(smtp.messages) == 1
    assert rebound.query("SELECT week, via FROM digestrecord") == [(got.msg["X-Rebound-Digest"], "smtp")]
    assert len(scenario.account.messages("INBOX")) == inbox_before  # SMTP configured: nothing APPENDed

    forced = rebound.run("digest", "--send", "--force", timeout=120)
    assert forced.returncode == 0, forced.stderr
    assert len(smtp.messages) == 2


def test_without_smtp_the_digest_lands_unread_in_inbox(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = _config(tmp_path, imap_account)
    imap_account.append("INBOX", rejection("<plain-1@fenwickhale.example>"))
    rebound.once(timeout=180)
    for attempt in range(2):
        result = rebound.run("digest", "--send", timeout=120)
        assert result.returncode == 0, result.stderr
        assert ("via inbox" if attempt == 0 else "already sent") in result.stdout
    digests = [parse(raw) for raw in imap_account.messages("INBOX") if b"X-Rebound-Digest" in raw]
    assert len(digests) == 1
    assert digests[0].get_content_type() == "multipart/alternative"
    flags = imap_account.flags_of("INBOX")[msgid(digests[0]["Message-ID"])]
    assert "\\Seen" not in flags


@pytest.mark.parametrize("security", ["ssl", "starttls"])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_over_tls_verifies_the_certificate_and_logs_in(smtp_factory: SmtpFactory, security: str) -> None:
    server = smtp_factory(security, auth=True)
    msg = EmailMessage()
    msg["Subject"], msg["To"], msg["From"] = "digest", DIGEST_TO, "alex@example.com"
    msg.set_content("hello")

    def settings(password: str = SMTP_PASSWORD, ca_file: Path | None = server.ca_file) -> SmtpSettings:
        return SmtpSettings(
            host="127.0.0.1", port=server.port, security=security, username=SMTP_USER, password=password, tls_ca_file=ca_file
        )  # type: ignore[arg-type]

    send_smtp(settings(), msg, "alex@example.com", DIGEST_TO)
    assert [m.rcpt_tos for m in server.messages] == [[DIGEST_TO]]
    with pytest.raises(DeliveryError, match="rejected the username or password"):
        send_smtp(settings(password="wrong"), msg, "alex@example.com", DIGEST_TO)
    with pytest.raises(DeliveryError, match="certificate was not accepted"):
        send_smtp(settings(ca_file=None), msg, "alex@example.com", DIGEST_TO)  # a private CA the system does not trust
    assert len(server.messages) == 1


# --- the HTML in a real browser -------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found:
        return found
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail("CI=true but chromium is not installed (apt-get install chromium)", pytrace=False)
    pytest.skip("chromium is not installed (apt-get install chromium)")


def _browser(page: Path, profile: Path, width: int, *action: str) -> subprocess.CompletedProcess[str]:
    args = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--window-size={width},2000", *action, page.as_uri(),
    ]  # fmt: skip
    result = subprocess.run(args, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _shots_dir(tmp_path: Path) -> Path:
    # REBOUND_DIGEST_SHOTS keeps the screenshots for a person to look at.
    keep = os.environ.get("REBOUND_DIGEST_SHOTS")
    path = Path(keep) if keep else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def _in_language(rebound: Rebound, language: str) -> Rebound:
    """The same installation with [digest] language set: the same database, another config file."""
    if language == "en":
        return rebound
    config = rebound.config.with_name(f"config-{language}.toml")
    config.write_text(rebound.config.read_text().replace("[digest]\n", f'[digest]\nlanguage = "{language}"\n', 1))
    config.chmod(0o600)
    return Rebound(rebound.tmp_path, config, rebound.db, rebound.password)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("width", [390, 1200])
def test_chromium_lays_the_digest_out_and_keeps_mail_as_text(scenario: Scenario, tmp_path: Path, width: int, language: str) -> None:
    page, markup = _preview(_in_language(scenario.rebound, language), f"chromium-{language}-{width}.html")
    assert f'<html lang="{language}">' in markup
    shot = _shots_dir(tmp_path) / f"digest-{language}-{width}.png"
    shot.unlink(missing_ok=True)
    shutil.copyfile(page, shot.with_suffix(".html"))
    _browser(page, tmp_path / "profile-shot", width, f"--screenshot={shot}")
    assert _png_size(shot) == (width, 2000)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one

    dom = _browser(page, tmp_path / "profile-dom", width, "--dump-dom").stdout
    rendered = visible(dom)
    assert "script" not in rendered.tags and "img" not in rendered.tags
    assert not [a for a in rendered.attrs if a.startswith("on")]
    assert HOSTILE in " ".join(rendered.text)

    # Layout: a copy of the page (never the email itself) reports whether anything is wider than the window.
    probe = tmp_path / f"probe-{width}.html"
    script = (
        "<script>document.addEventListener('DOMContentLoaded',()=>{const e=document.documentElement;"
        "document.body.setAttribute('data-overflow',String(e.scrollWidth-e.clientWidth));"
        "const c=document.querySelector('table table');document.body.setAttribute('data-card',String(c.getBoundingClientRect().width));});</script>"
    )
    probe.write_text(markup.replace("</head>", script + "</head>", 1), encoding="utf-8")
    probed = _browser(probe, tmp_path / "profile-probe", width, "--dump-dom", "--virtual-time-budget=2000").stdout
    overflow = re.search(r'data-overflow="(-?\d+)"', probed)
    card = re.search(r'data-card="([\d.]+)"', probed)
    assert overflow and card, probed[:500]
    assert int(overflow.group(1)) <= 0, f"the page is {overflow.group(1)} px wider than a {width} px window"
    # One column that fills a phone and stops at 600 px on a desktop.
    assert (float(card.group(1)) > width - 40) if width < 600 else (float(card.group(1)) == 600)
