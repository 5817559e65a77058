"""Which recorded emails belong to one application, and how far each application got.

An application is what the user applied for at one employer: the acknowledgement, the invitations
and the answer that followed. Emails are joined by their thread first (an email answering
another), then by the employer's name ("Quillfeather" and "Quillfeather Ltd" are one), and an
employer with two roles keeps two applications. Mail that names no employer stands alone under
its sender: a guess that joined two employers would put words in a job centre's form that
the user did not write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from agent.records import RecordedEmail, StoredDraft

# The labels that start or continue an application; recruiters reaching out have not been applied to.
APPLICATION_LABELS = frozenset({"application_ack", "interview", "assessment", "offer", "rejection"})
# What an employer sends back: any of these after the acknowledgement is a response.
RESPONSES = frozenset({"interview", "assessment", "offer", "rejection", "other_job"})
# Stages of a rejection that show an interview happened.
INTERVIEWED = frozenset({"screen", "interview", "final"})
_LEGAL = frozenset(["inc", "inc.", "llc", "ltd", "ltd.", "limited", "gmbh", "plc", "corp", "corp.", "co", "co.", "sa", "bv", "b.v.", "ag", "se", "nv", "kg", "ab", "oy", "as", "srl", "sas", "spa"])
_WORD = re.compile(r"[\w&'+.-]+")


@dataclass(frozen=True)
class Application:
    """One application and everything that came of it, oldest email first."""

    company: str
    role: str
    emails: tuple[RecordedEmail, ...]

    @property
    def first(self) -> RecordedEmail:
        """The email that opened it (the acknowledgement, when there was one)."""
        return self.emails[0]

    @property
    def applied(self) -> datetime:
        """When it started, as far as the mailbox shows: the first email's arrival."""
        assert self.first.received is not None
        return self.first.received

    @property
    def sender(self) -> str:
        """Who wrote about it (the first email from a person, else the first email's sender)."""
        people = [e for e in self.emails if e.human_sender and e.sender]
        return (people[0] if people else self.first).sender

    @property
    def response(self) -> RecordedEmail | None:
        """The employer's first answer after the acknowledgement; an application first seen in an answer is its own response."""
        if self.first.label != "application_ack":
            return self.first
        return next((e for e in self.emails[1:] if e.label in RESPONSES), None)

    @property
    def days_to_response(self) -> float | None:
        """Days from the acknowledgement to the first answer; None without both."""
        answer = self.response
        if answer is None or self.first.label != "application_ack" or answer.received is None:
            return None
        return (answer.received - self.applied).total_seconds() / 86400

    @property
    def interviewed(self) -> bool:
        """Whether it reached an interview (an invitation, or a no that came after one)."""
        return any(e.label == "interview" or (e.label == "rejection" and e.stage in INTERVIEWED) for e in self.emails)

    @property
    def offered(self) -> bool:
        """Whether an offer came."""
        return any(e.label == "offer" for e in self.emails)

    @property
    def outcome(self) -> str:
        """Where it stands: offer, rejection, interview, assessment, application_ack (waiting) or the first label."""
        for label in ("offer", "rejection"):
            if any(e.label == label for e in self.emails):
                return label
        return next((e.label for e in reversed(self.emails) if e.label in APPLICATION_LABELS), self.first.label)

    def arrived_by(self, moment: datetime) -> Application | None:
        """The application as it stood at a moment (its emails up to then), or None if it had not started."""
        emails = tuple(e for e in self.emails if e.received is not None and e.received < moment)
        return Application(self.company, self.role, emails) if emails else None


def applications(emails: Sequence[RecordedEmail], drafts: Sequence[StoredDraft] = ()) -> list[Application]:
    """The applications in these emails (confident job mail only), oldest first."""
    by_message_id = {e.message_id: e for e in emails}
    parent_of_draft = {d.id: d.email_id for d in drafts}
    by_id = {e.id: e for e in emails}
    groups: list[list[RecordedEmail]] = []
    group_of: dict[int, int] = {}
    for e in sorted((e for e in emails if _counts(e)), key=lambda e: (e.received or datetime.min, e.id)):
        parent = by_message_id.get(e.in_reply_to) or by_id.get(parent_of_draft.get(e.answers_draft_id or 0, 0))
        index = group_of.get(parent.id) if parent is not None else None
        if index is None and e.label in APPLICATION_LABELS:
            index = _same_employer(groups, e)
        if index is None:
            if e.label not in APPLICATION_LABELS:
                continue  # an update about nothing recorded (or an answer to a reply whose rejection is gone)
            groups.append([])
            index = len(groups) - 1
        groups[index].append(e)
        group_of[e.id] = index
    return [_application(g) for g in groups]


def _counts(e: RecordedEmail) -> bool:
    return not e.uncertain and (e.label in APPLICATION_LABELS or e.label == "other_job")


def _same_employer(groups: Sequence[Sequence[RecordedEmail]], e: RecordedEmail) -> int | None:
    key = employer_key(e)
    for index in range(len(groups) - 1, -1, -1):  # the newest application at that employer
        group = groups[index]
        if any(_same_key(key, employer_key(other)) for other in group):
            roles = {_words(o.role) for o in group if o.role}
            if e.role and roles and _words(e.role) not in roles:
                continue  # another role at the same employer: another application
            return index
    return None


def employer_key(e: RecordedEmail) -> tuple[str, ...]:
    """The employer's name as words without legal forms, else the sender's address."""
    words = tuple(w for w in _words(e.company) if w not in _LEGAL)
    return words or ("@", e.sender.lower())


def _same_key(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if a[0] == "@" or b[0] == "@":
        return a == b
    shorter, longer = sorted((a, b), key=len)
    return longer[: len(shorter)] == shorter  # "Palantir" and "Palantir Technologies"


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def _application(group: Sequence[RecordedEmail]) -> Application:
    named = [e.company for e in group if e.company]
    roles = [e.role for e in group if e.role]
    return Application(max(named, key=len) if named else "", roles[0] if roles else "", tuple(group))


def median_days_to_response(apps: Iterable[Application]) -> float | None:
    """The median of days to a first answer over the applications that had one."""
    days = [d for a in apps if (d := a.days_to_response) is not None]
    return median(days) if days else None
