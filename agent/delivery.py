"""The weekly digest out of the door: drafts checked on the server, the content built, previewed or sent once a week.

When it is due is agent/timing.py; the words, agent/render.py and the templates; the SMTP
hand-over, agent/smtp.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.policy import SMTP
from pathlib import Path

from agent.config import Settings
from agent.digest import Inputs, Reader, WeekDigest, summarise
from agent.digest_claim import Claimed, claim_week
from agent.domain import Fate, MailSource
from agent.errors import ConfigError, MailboxError, ReboundError
from agent.funnel import HISTORY_WEEKS
from agent.ledger import Ledger
from agent.render import compose, render, search_path, template_env
from agent.resources import templates_dir
from agent.smtp import send_smtp
from agent.store import Store
from agent.timing import digest_zone, due_at, week_to_sum_up
from agent.week import Week, parse_week, week_of

log = logging.getLogger(__name__)

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
        self.env = template_env(search_path(settings.digest.language, templates_dir(), settings.drafts.templates_dir))
        self.to = settings.digest.to or settings.profile.email

    def week(self, label: str | None = None) -> Week:
        """The week named YYYY-Www, else the current one (the daemon picks its own: see send_due)."""
        return parse_week(label, self.zone) if label else week_of(self.clock(), self.zone)

    def build(self, week: Week, source: MailSource | None) -> WeekDigest:
        """The week's digest; without a mailbox, drafts keep the state last seen."""
        account = self.settings.account
        since, until = week.shifted(-HISTORY_WEEKS).start.astimezone(UTC), week.end.astimezone(UTC)
        emails = self.store.digest_emails(account, since, until)
        drafts = [d for d in self.store.drafts_since(account, since - timedelta(weeks=8)) if d.created_at and d.created_at < until]
        fates = {d.id: Fate(d.status, d.sent_message_id) for d in drafts}
        if source is not None:
            try:
                fates = Ledger(source, self.store, account).settle(drafts, source.drafts_folder())
            except MailboxError as exc:  # a digest with last week's draft states beats no digest
                log.warning("cannot check drafts on the server (%s); showing their state as last seen", exc)
        themes = self.store.feedback_themes(account, since, until)
        digest = self.settings.digest
        reader = Reader(self.settings.profile.name, digest.language, self.settings.goals, digest.follow_up_after_days)
        return summarise(week, Inputs(emails, drafts, fates, themes), reader, self.clock())

    def preview(self, path: Path, week: Week) -> WeekDigest:
        """Write the week's HTML to a file; nothing is sent."""
        source = self._open(required=False)
        try:
            digest = self.build(week, source)
        finally:
            if source is not None:
                source.close()
        _subject, _text, html = render(self.env, digest)
        try:
            path.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise ReboundError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return digest

    def send(self, week: Week, *, force: bool = False) -> Delivered | None:
        """Send the week's digest unless it already went out (or force); None when nothing was sent (agent/digest_claim.py)."""
        with claim_week(self.store, self.settings.account, week.label, self.settings.profile.email, force=force) as claim:
            if claim is None:
                log.info("digest for %s already sent (or being sent); not sending it again", week.label)
                return None
            delivered = self._deliver(week, claim)
            claim.delivered(delivered.message_id, delivered.via)
        log.info("digest for %s sent to %s via %s (%s)", week.label, delivered.to, delivered.via, delivered.message_id)
        return delivered

    def _deliver(self, week: Week, claim: Claimed) -> Delivered:
        source = self._open(required=self.settings.smtp is None)
        try:
            # Delivered into INBOX before a crash cut the send short: recorded, not sent again. (By SMTP there is
            # no looking: it goes again under the same Message-ID, which most mail programs show once.)
            if claim.retaking and source is not None and self.settings.smtp is None and source.find_message_id("INBOX", claim.message_id):
                return Delivered(week.label, self.to, "inbox", claim.message_id)
            digest = self.build(week, source)
            subject, text, html = render(self.env, digest)
            msg = compose(digest, subject, text, html, sender=self.settings.profile.email, to=self.to, now=self.clock(), message_id=claim.message_id)
            if self.settings.smtp is not None:
                from agent.oauth.account import bearer_tokens

                tokens = bearer_tokens(self.settings) if self.settings.smtp.auth == "oauth2" else None
                send_smtp(self.settings.smtp, msg, self.settings.profile.email, self.to, tokens)
                via = "smtp"
            else:
                assert source is not None
                source.append_message("INBOX", msg.as_bytes(policy=SMTP))
                via = "inbox"
        finally:
            if source is not None:
                source.close()
        return Delivered(week.label, self.to, via, claim.message_id)

    def send_due(self) -> Delivered | None:
        """Send the digest if its day and time have come and it has not gone out; for the daemon."""
        now = self.clock()
        week = week_to_sum_up(now, self.zone)
        if now < due_at(week, self.settings.digest) or self.store.digest_sent(self.settings.account, week.label):
            return None
        since = week.shifted(-HISTORY_WEEKS).start.astimezone(UTC)
        recent = [e for e in self.store.digest_emails(self.settings.account, since, week.end.astimezone(UTC)) if e.received and e.received >= since]
        if not recent:
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

