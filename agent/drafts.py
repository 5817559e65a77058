"""Jinja2 templates → reply drafts: the right identity, the right thread, nothing smuggled in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftKind, DraftPlan, IncomingEmail, Stage
from agent.errors import ConfigError
from agent.parse import fold, format_address
from agent.resources import templates_dir

# Keep threads intact without letting a hostile References header grow without bound.
MAX_REFERENCES = 20
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|réf|rif)\s*:", re.IGNORECASE)
_AFTER_INTERVIEW = {Stage.SCREEN, Stage.INTERVIEW, Stage.FINAL}


class DraftWriter:
    """Renders the thank-you and feedback-request drafts for one user."""

    def __init__(self, profile: ProfileSettings, settings: DraftSettings) -> None:
        self.profile = profile
        self.settings = settings
        search: list[Path] = []
        if settings.templates_dir is not None:
            if not settings.templates_dir.is_dir():
                raise ConfigError(f"[drafts] templates_dir: {settings.templates_dir} is not a folder")
            search.append(settings.templates_dir)
        search.append(templates_dir())
        # Plain-text templates: no HTML escaping, but undefined names are an error, not silence.
        self.env = Environment(
            loader=FileSystemLoader([str(p) for p in search]), undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
        )

    def kinds_for(self, mail: IncomingEmail, result: Classification, now: datetime) -> tuple[list[DraftKind], str]:
        """Which drafts a message deserves, or why it gets none."""
        ex = result.extraction
        if result.label.value != "rejection":
            return [], ""
        if result.uncertain:
            return [], f"uncertain ({result.confidence:.2f}): left for you to check"
        if not (mail.reply_to or mail.from_addr):
            # Garbage that parses to no From at all (found by the hostile-mailbox test) would
            # otherwise get a draft with an empty To.
            return [], "no sender address: nobody to reply to"
        if not ex.human_sender:
            return [], "sent from an automated address: a reply would go nowhere"
        if mail.from_addr and mail.from_addr.lower() == self.profile.email.lower():
            return [], "sent by you"
        max_age = timedelta(days=self.settings.draft_max_age_days)
        # Arrival in the mailbox, not the sender's Date header, says how stale a reply would be.
        arrived = mail.received or mail.date
        if arrived is not None and now - arrived > max_age:
            return [], f"older than {self.settings.draft_max_age_days} days"
        kinds = []
        if self.settings.thank_you:
            kinds.append(DraftKind.THANK_YOU)
        policy = self.settings.feedback_request
        # An employer who offers feedback has asked to be asked, whatever the stage.
        if policy == "always" or (policy == "after_interview" and (ex.stage in _AFTER_INTERVIEW or ex.offers_feedback)):
            kinds.append(DraftKind.FEEDBACK_REQUEST)
        return kinds, "" if kinds else "drafts turned off in [drafts]"

    def render(self, kind: DraftKind, mail: IncomingEmail, result: Classification) -> str:
        """The body text of one draft."""
        ex = result.extraction
        context = {
            "first_name": ex.contact_name,
            "company": ex.company,
            "role": ex.role,
            "stage": ex.stage.value,
            "user_name": self.profile.name,
            "offers_feedback": ex.offers_feedback,
            "invites_reapply": ex.invites_reapply,
        }
        name = f"{kind.value}.txt.j2"
        try:
            text = self.env.get_template(name).render(context)
        except TemplateError as exc:
            raise ConfigError(f"template {name}: {exc}") from exc
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

    def plan(self, kinds: Sequence[DraftKind], mail: IncomingEmail, result: Classification, now: datetime) -> list[DraftPlan]:
        """Build each draft as a complete reply message with its own Message-ID."""
        return [self._message(kind, mail, result, now) for kind in kinds]

    def _message(self, kind: DraftKind, mail: IncomingEmail, result: Classification, now: datetime) -> DraftPlan:
        msg = EmailMessage()
        domain = self.profile.email.rsplit("@", 1)[-1]
        message_id = make_msgid(idstring=f"rebound.{kind.value}", domain=domain)
        to_addr = mail.reply_to or mail.from_addr
        to = format_address(mail.from_name if to_addr == mail.from_addr else "", to_addr)
        subject = reply_subject(mail.subject, result)
        references = [*mail.references[-(MAX_REFERENCES - 1) :], mail.message_id]
        msg["From"] = format_address(self.profile.name, self.profile.email)
        msg["To"] = fold(to)
        msg["Subject"] = fold(subject)
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = message_id
        msg["In-Reply-To"] = fold(mail.message_id)
        msg["References"] = fold(" ".join(references))
        # Marks what Rebound wrote, so it can be found again and never mistaken for the user's own mail.
        msg["X-Rebound-Draft"] = kind.value
        msg.set_content(self.render(kind, mail, result))
        return DraftPlan(
            kind=kind,
            message_id=message_id,
            parent_message_id=mail.message_id,
            to=to_addr,
            subject=subject,
            raw=msg.as_bytes(policy=SMTP),
        )


def reply_subject(subject: str, result: Classification) -> str:
    """'Re: <subject>' as mail clients write it, so the reply joins the thread."""
    subject = fold(subject)
    if not subject:
        ex = result.extraction
        about = " – ".join(p for p in (ex.role, ex.company) if p)
        return f"Thank you{' – ' + about if about else ''}"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"
