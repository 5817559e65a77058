"""The weekly digest out of the door: drafts checked on the server, rendered, sent once a week."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import schedule
from filelock import FileLock, Timeout
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from agent.config import DigestSettings, Settings, SmtpSettings, default_data_dir
from agent.digest import HISTORY_WEEKS, Week, WeekDigest, parse_week, summarise, week_of
from agent.domain import Fate, MailSource
from agent.errors import AlreadyRunning, ConfigError, MailboxError, ReboundError
from agent.ledger import Ledger
from agent.neterrors import Endpoint, explain
from agent.parse import fold, format_address
from agent.resources import templates_dir
from agent.store import Store

log = logging.getLogger(__name__)

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SMTP_TIMEOUT = 60
# A daemon that was down (or offline) at the hour still sends the week's digest within this long.
CATCH_UP_MINUTES = 15
# Long enough for a send already under way (the daemon's, or another command's) to finish.
LOCK_SECONDS = 120


class DeliveryError(ReboundError):
    """The digest could not be handed to the SMTP server."""


# --- when -----------------------------------------------------------------------------------


def digest_zone(name: str | None) -> tzinfo:
    """[digest] timezone, else the machine's own zone, else UTC."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigError(f"[digest] timezone: unknown time zone {name!r} (use a name like Europe/London)") from None
    env = os.environ.get("TZ", "").lstrip(":")
    try:
        if env:
            return ZoneInfo(env)
        with open("/etc/localtime", "rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        if env:
            # Said, not swallowed: a container without time zone data would otherwise send at UTC's 18:00.
            log.warning("TZ=%s is not a time zone this machine knows (is tzdata installed?); the digest uses UTC", env)
        return UTC


def week_to_sum_up(now: datetime, zone: tzinfo) -> Week:
    """The week a digest sent now covers: the one holding yesterday, so a Monday send sums up the week just ended."""
    return week_of(now - timedelta(days=1), zone)


def due_at(week: Week, settings: DigestSettings) -> datetime:
    """When a week's digest is due: its configured day and time, counted from the week's Tuesday to the Monday after."""
    offset = (DAYS.index(settings.day) - 1) % 7 + 1
    hour, minute = (int(p) for p in settings.time.split(":"))
    return datetime.combine(week.start.date() + timedelta(days=offset), time(hour, minute), tzinfo=week.zone)


# --- rendering ------------------------------------------------------------------------------


def template_env(search: Sequence[Path]) -> Environment:
    """Jinja2 over these folders; *.html.j2 autoescaped, since company names and subjects come from strangers."""
    env = Environment(
        loader=FileSystemLoader([str(p) for p in search]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["day"] = _day
    return env


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def period(digest: WeekDigest) -> str:
    """'16–22 Nov 2026', or across months '30 Nov – 6 Dec 2026'."""
    first, last = digest.week.start.date(), digest.week.last_day
    if first.month == last.month:
        return f"{first.day}–{last.day} {last:%b %Y}"
    return f"{first.day} {first:%b}{' ' + str(first.year) if first.year != last.year else ''} – {last.day} {last:%b %Y}"


def subject_line(digest: WeekDigest) -> str:
    """The digest's Subject: our own words and numbers only, never text from incoming mail."""
    steps = len(digest.steps)
    return f"Your week, {period(digest)}: {steps} next step{'s' if steps != 1 else ''}"


def render(env: Environment, digest: WeekDigest) -> tuple[str, str]:
    """The plain-text and HTML bodies."""
    context: dict[str, Any] = {"d": digest, "period": period(digest), "subject": subject_line(digest)}
    parts = []
    for name in ("digest.txt.j2", "digest.html.j2"):
        try:
            parts.append(env.get_template(name).render(context))
        except TemplateError as exc:
            raise ConfigError(f"template {name}: {exc}") from exc
    text = re.sub(r"\n{3,}", "\n\n", parts[0]).strip() + "\n"
    return text, parts[1]


def compose(digest: WeekDigest, text: str, html: str, *, sender: str, to: str, now: datetime) -> EmailMessage:
    """One multipart/alternative message: text first, HTML last (the part clients prefer)."""
    msg = EmailMessage()
    msg["From"] = format_address("Rebound", fold(sender))
    msg["To"] = fold(to)
    msg["Subject"] = fold(subject_line(digest))
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid("rebound.digest", domain=sender.rsplit("@", 1)[-1])
    # RFC 3834: out-of-office responders must not answer a machine's mail.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Rebound-Digest"] = digest.week.label
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


# --- sending --------------------------------------------------------------------------------


def send_smtp(settings: SmtpSettings, msg: EmailMessage, sender: str, to: str) -> None:
    """Hand the message to the SMTP server, certificate verified, for the one recipient only."""
    password = settings.resolve_password("smtp") if settings.username else None
    host, port = settings.host, settings.effective_port
    where = f"send the digest through {host}:{port} ({settings.security})"
    ctx = ssl.create_default_context(cafile=str(settings.tls_ca_file) if settings.tls_ca_file else None)
    try:
        client = (
            smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=ctx)
            if settings.security == "ssl"
            else smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        )
        with client:
            if settings.security == "starttls":
                client.starttls(context=ctx)
            if settings.username and password is not None:
                client.login(settings.username, password)
            # Explicit recipients: the digest goes to the user alone, whatever the headers say.
            client.send_message(msg, from_addr=sender, to_addrs=[parseaddr(to)[1] or to])
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"{where}: the server's TLS certificate was not accepted: {exc.verify_message} (set [smtp] tls_ca_file)"
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{where}: the server rejected the username or password") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{where}: the server refused the recipient {to}") from exc
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        raise DeliveryError(f"{where}: server said {exc.smtp_code} {said}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        said = explain(exc, Endpoint("smtp", host, port, settings.security)) or f"{exc.__class__.__name__}: {exc}"
        raise DeliveryError(f"{where}: {said}") from exc


@dataclass(frozen=True)
class Delivered:
    """A digest that went out."""

    week: str
    to: str
    via: str
    message_id: str


class DigestService:
    """Builds, previews and sends one account's weekly digest."""

    def __init__(
        self, settings: Settings, store: Store, connect: Callable[[], MailSource], clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.settings = settings
        self.store = store
        self.connect = connect
        self.clock = clock
        self.zone = digest_zone(settings.digest.timezone)
        search = [settings.drafts.templates_dir] if settings.drafts.templates_dir else []
        self.env = template_env([*search, templates_dir()])
        self.to = settings.digest.to or settings.profile.email

    def week(self, label: str | None = None) -> Week:
        """The week named YYYY-Www, else the current one (the daemon picks its own: see send_due)."""
        return parse_week(label, self.zone) if label else week_of(self.clock(), self.zone)

    def build(self, week: Week, source: MailSource | None) -> WeekDigest:
        """The week's digest; without a mailbox, drafts keep the state last seen."""
        account = self.settings.account
        since, until = week.shifted(-HISTORY_WEEKS).start.astimezone(UTC), week.end.astimezone(UTC)
        emails = self.store.digest_emails(account, since, until)
        drafts = [d for d in self.store.drafts_since(account, since) if d.created_at and d.created_at < until]
        fates = {d.id: Fate(d.status) for d in drafts}
        if source is not None:
            try:
                fates = Ledger(source, self.store, account).settle(drafts, source.drafts_folder())
            except MailboxError as exc:  # a digest with last week's draft states beats no digest
                log.warning("cannot check drafts on the server (%s); showing their state as last seen", exc)
        return summarise(week, emails, drafts, fates, self.settings.goals, self.settings.profile.name)

    def preview(self, path: Path, week: Week) -> WeekDigest:
        """Write the week's HTML to a file; nothing is sent."""
        source = self._open(required=False)
        try:
            digest = self.build(week, source)
        finally:
            if source is not None:
                source.close()
        _text, html = render(self.env, digest)
        try:
            path.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise ReboundError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return digest

    def send(self, week: Week, *, force: bool = False) -> Delivered | None:
        """Send the week's digest unless it already went out (or force); None when nothing was sent."""
        with self._lock():
            if not force and self.store.digest_sent(self.settings.account, week.label):
                log.info("digest for %s already sent; not sending it again", week.label)
                return None
            source = self._open(required=self.settings.smtp is None)
            try:
                digest = self.build(week, source)
                text, html = render(self.env, digest)
                msg = compose(digest, text, html, sender=self.settings.profile.email, to=self.to, now=self.clock())
                if self.settings.smtp is not None:
                    send_smtp(self.settings.smtp, msg, self.settings.profile.email, self.to)
                    via = "smtp"
                else:
                    assert source is not None
                    source.append_message("INBOX", msg.as_bytes(policy=SMTP))
                    via = "inbox"
            finally:
                if source is not None:
                    source.close()
            message_id = str(msg["Message-ID"])
            self.store.record_digest(self.settings.account, week.label, message_id, via)
            log.info("digest for %s sent to %s via %s (%s)", week.label, self.to, via, message_id)
            return Delivered(week.label, self.to, via, message_id)

    def send_due(self) -> Delivered | None:
        """Send the digest if its day and time have come and it has not gone out; for the daemon."""
        now = self.clock()
        week = week_to_sum_up(now, self.zone)
        if now < due_at(week, self.settings.digest) or self.store.digest_sent(self.settings.account, week.label):
            return None
        since = week.shifted(-HISTORY_WEEKS).start.astimezone(UTC)
        if not self.store.digest_emails(self.settings.account, since, week.end.astimezone(UTC)):
            return None  # freshly installed, or five silent weeks: nothing to sum up
        return self.send(week)

    def _open(self, *, required: bool) -> MailSource | None:
        try:
            return self.connect()
        except (MailboxError, ConfigError) as exc:
            if required:
                raise
            log.warning("cannot check drafts on the server (%s); showing their state as last seen", exc)
            return None

    @contextmanager
    def _lock(self) -> Iterator[None]:
        # The daemon holds the account's lock for its whole life; the digest has its own, so
        # `rebound digest --send` works beside it and the two never send the same week twice.
        key = hashlib.sha256(f"{self.settings.account}|{self.settings.database_url}".encode()).hexdigest()[:16]
        path = default_data_dir() / "locks" / f"digest-{key}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=LOCK_SECONDS)
        except Timeout:
            raise AlreadyRunning(f"another digest send for {self.settings.account} has held {path} for {LOCK_SECONDS} s") from None
        try:
            yield
        finally:
            lock.release()


def weekly_scheduler(service: DigestService, scheduler: schedule.Scheduler | None = None) -> schedule.Scheduler:
    """The daemon's digest jobs: at [digest] day and time, and a catch-up check every CATCH_UP_MINUTES."""
    scheduler = scheduler or schedule.Scheduler()
    now = service.clock().astimezone(service.zone)
    upcoming = due_at(week_of(now, service.zone), service.settings.digest)
    # schedule runs on the machine's clock: the configured moment, in the machine's zone.
    local = upcoming.astimezone()
    getattr(scheduler.every(), DAYS[local.weekday()]).at(local.strftime("%H:%M")).do(_guarded, service)
    log.info("weekly digest: %s %s, %s", service.settings.digest.day, service.settings.digest.time, service.zone)
    scheduler.every(CATCH_UP_MINUTES).minutes.do(_guarded, service)
    return scheduler


def _guarded(service: DigestService) -> None:
    # schedule does not catch a job's exceptions: a failed digest is logged and tried again later.
    try:
        service.send_due()
    except ReboundError as exc:
        log.error("weekly digest not sent: %s; trying again within %d minutes", exc, CATCH_UP_MINUTES)
    except Exception:  # a bug must not stop the daemon from watching the mailbox
        log.exception("weekly digest failed; trying again within %d minutes", CATCH_UP_MINUTES)
