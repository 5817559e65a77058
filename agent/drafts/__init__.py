"""Jinja2 templates → reply drafts: the right words, the right identity, the right thread, nothing smuggled in.

What the reply says is decided in wording.py (and names.py cleans role and company); this module
turns it into complete reply messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime, make_msgid

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined, TemplateError

from agent.addresses import ascii_address, needs_utf8
from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftKind, DraftPlan, IncomingEmail
from agent.drafts.recipient import Recipient, recipient
from agent.drafts.wording import Wording, wording
from agent.errors import ConfigError
from agent.parse import fold, format_address, header_text
from agent.resources import templates_dir

# Keep threads intact without letting a hostile References header grow without bound.
MAX_REFERENCES = 20
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw|réf|rif)\s*:", re.IGNORECASE)
# The country endings of Spanish-speaking America: a recruiter writing from one closes "Saludos,", and so does the reply.
_SPANISH_AMERICAS = (".mx", ".ar", ".co", ".cl", ".pe", ".uy", ".py", ".bo", ".ec", ".ve", ".gt", ".hn", ".sv", ".ni", ".cr", ".pa", ".do", ".cu", ".pr")


class DraftWriter:
    """Renders the reply to a rejection (or, with style = "separate", a thank-you and a feedback request) for one user."""

    def __init__(self, profile: ProfileSettings, settings: DraftSettings) -> None:
        self.profile = profile
        self.settings = settings
        loaders: list[BaseLoader] = []
        if settings.templates_dir is not None:
            if not settings.templates_dir.is_dir():
                raise ConfigError(f"[drafts] templates_dir: {settings.templates_dir} is not a folder")
            mine = str(settings.templates_dir)
            # Your own <lang>/reply.txt.j2 first; a thank_you.txt.j2 at the top, as Rebound 0.1 read
            # it, still replaces the English one.
            loaders += [FileSystemLoader(mine), PrefixLoader({"en": FileSystemLoader(mine)})]
        loaders.append(FileSystemLoader(str(templates_dir())))
        # A language has templates when its folder holds a reply, in your templates or in Rebound's.
        folders = [templates_dir(), *([settings.templates_dir] if settings.templates_dir else [])]
        self.languages = frozenset(p.parent.name for folder in folders for p in folder.glob("*/reply.txt.j2")) | {"en"}
        # Plain-text templates: no HTML escaping, but undefined names are an error, not silence.
        self.env = Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)

    def kinds_for(self, mail: IncomingEmail, result: Classification, now: datetime, *, preview: bool = False) -> tuple[list[DraftKind], str]:
        """Which drafts a message deserves, or why it gets none.

        preview (`rebound draft`): what Rebound would write, whatever the email's age, and for an
        email with no sender as if a person had sent it.
        """
        ex = result.extraction
        if result.label.value != "rejection":
            return [], ""
        if result.uncertain:
            return [], f"uncertain ({result.confidence:.2f}): left for you to check"
        if not ex.human_sender:
            return [], "sent from an automated address, or it asks not to be answered: a reply would go nowhere"
        if mail.mailing_list:
            return [], str(recipient(mail, self.profile.email))
        if preview:
            return self.kinds_by_settings(result)
        to = recipient(mail, self.profile.email)
        if isinstance(to, str):
            return [], to
        max_age = timedelta(days=self.settings.draft_max_age_days)
        # Arrival in the mailbox, not the sender's Date header, says how stale a reply would be.
        arrived = mail.received or mail.date
        if arrived is not None and now - arrived > max_age:
            return [], f"older than {self.settings.draft_max_age_days} days"
        return self.kinds_by_settings(result)

    def kinds_by_settings(self, result: Classification) -> tuple[list[DraftKind], str]:
        """The drafts [drafts] asks for: one reply by default, or a thank-you and a feedback request."""
        ask = self.wording(result).ask_feedback
        if self.settings.style == "one":
            if self.settings.thank_you:
                return [DraftKind.REPLY], ""
            return ([DraftKind.FEEDBACK_REQUEST], "") if ask else ([], "drafts turned off in [drafts]")
        kinds = [DraftKind.THANK_YOU] if self.settings.thank_you else []
        if ask:
            kinds.append(DraftKind.FEEDBACK_REQUEST)
        return kinds, "" if kinds else "drafts turned off in [drafts]"

    def wording(self, result: Classification) -> Wording:
        """What the reply to this rejection says, and what to check before sending it."""
        return wording(result.extraction, self.settings, self.profile.name, self.languages)

    def render(self, kind: DraftKind, mail: IncomingEmail, result: Classification) -> str:
        """The body text of one draft, in the email's language."""
        said = self.wording(result)
        address = (mail.reply_to or mail.from_addr).lower()
        swiss = said.language == "de" and address.endswith((".ch", ".li"))
        # A Swiss letter closes "Freundliche Grüsse" where a German one says "Beste Grüße"; a Mexican or
        # Argentine one "Saludos," where a Spanish one says "Un saludo,".
        americas = said.language == "es" and address.endswith(_SPANISH_AMERICAS)
        text = self._render(f"{said.language}/{kind.value}.txt.j2", {**said.context, "swiss": swiss, "americas": americas})
        if swiss:
            # Swiss and Liechtenstein German write no ß: 'Freundliche Grüsse' to a Zurich recruiter.
            text = text.replace("ß", "ss")
        return text

    def fallback_subject(self, result: Classification) -> str:
        """The subject of a reply to an email that had none, in the email's language."""
        said = self.wording(result)
        return fold(self._render(f"{said.language}/subject.txt.j2", said.context))

    def _render(self, name: str, context: dict[str, object]) -> str:
        try:
            text = self.env.get_template(name).render(context)
        except TemplateError as exc:
            raise ConfigError(f"template {name}: {exc}") from exc
        # Blocks that render empty leave blank lines behind; a paragraph break is one blank line.
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

    def plan(self, kinds: Sequence[DraftKind], mail: IncomingEmail, result: Classification, now: datetime) -> list[DraftPlan]:
        """Build each draft as a complete reply message with its own Message-ID."""
        return [self._message(kind, mail, result, now) for kind in kinds]

    def _message(self, kind: DraftKind, mail: IncomingEmail, result: Classification, now: datetime) -> DraftPlan:
        msg = EmailMessage()
        # Headers carry ASCII domains: a profile on an IDN domain gets its xn-- form in From and in
        # the Message-ID (which has no other way to hold one).
        own = ascii_address(fold(self.profile.email))
        message_id = make_msgid(idstring=f"rebound.{kind.value}", domain=own.rsplit("@", 1)[-1])
        found = recipient(mail, self.profile.email)
        # `rebound draft` previews a reply even to mail with no usable sender.
        to_person = found if isinstance(found, Recipient) else Recipient("", mail.reply_to or mail.from_addr)
        to_addr = ascii_address(fold(to_person.address))
        subject = reply_subject(mail.subject) or self.fallback_subject(result)
        parent = header_text(mail.message_id)
        references = [*(header_text(r) for r in mail.references[-(MAX_REFERENCES - 1) :]), parent]
        msg["From"] = format_address(self.profile.name, own)
        msg["To"] = format_address(header_text(to_person.name), to_addr)
        msg["Subject"] = header_text(subject)
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = message_id
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join(references)
        # Marks what Rebound wrote, so it can be found again and never mistaken for the user's own mail.
        msg["X-Rebound-Draft"] = kind.value
        msg.set_content(self.render(kind, mail, result))
        # A non-ASCII local part or Message-ID has no ASCII spelling: only RFC 6532 (UTF-8) headers
        # carry it unchanged (an encoded word inside an address or a msg-id is not one). Other
        # drafts keep RFC 2047 words, which every client reads.
        utf8 = needs_utf8(own) or needs_utf8(to_addr) or not all(r.isascii() for r in references)
        return DraftPlan(
            kind=kind,
            message_id=message_id,
            parent_message_id=mail.message_id,
            to=to_person.address,
            subject=subject,
            raw=msg.as_bytes(policy=SMTPUTF8 if utf8 else SMTP),
            asks_feedback=kind is DraftKind.FEEDBACK_REQUEST or (kind is DraftKind.REPLY and self.wording(result).ask_feedback),
        )


def reply_subject(subject: str) -> str:
    """'Re: <subject>' as mail clients write it, so the reply joins the thread; '' for an empty subject."""
    subject = fold(subject)
    if not subject:
        return ""
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"
