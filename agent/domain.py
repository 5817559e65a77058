"""The plain, frozen values that flow between modules: fetch → classify → record → draft."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class Label(StrEnum):
    """What a message is about, as far as the job search goes."""

    REJECTION = "rejection"
    APPLICATION_ACK = "application_ack"
    INTERVIEW = "interview"
    ASSESSMENT = "assessment"
    OFFER = "offer"
    RECRUITER_OUTREACH = "recruiter_outreach"
    OTHER_JOB = "other_job"
    NOT_JOB = "not_job"


class Stage(StrEnum):
    """How far the application got before the employer said no."""

    APPLICATION = "application"
    SCREEN = "screen"
    ASSESSMENT = "assessment"
    INTERVIEW = "interview"
    FINAL = "final"
    UNKNOWN = "unknown"


class Situation(StrEnum):
    """The situation a reply to a rejection has to fit."""

    APPLICATION = "application"
    """Turned down on the application alone: no contact beyond applying."""
    AFTER_SCREEN = "after_screen"
    AFTER_ASSESSMENT = "after_assessment"
    AFTER_INTERVIEW = "after_interview"
    AFTER_FINAL = "after_final"
    OFFER_WITHDRAWN = "offer_withdrawn"
    ROLE_CLOSED = "role_closed"
    """Paused, cancelled, frozen or filled internally: the no is not about the candidate."""
    MISMATCH = "mismatch"
    """Overqualified, salary, location or hours: a stated reason outside the candidate's control."""
    NO_OPENINGS = "no_openings"
    """A speculative application with no opening to fill."""
    UNKNOWN = "unknown"
    """A no that does not show how far the application got."""


class HeldBack(StrEnum):
    """Why an email that reads like a rejection holds no employer's no to the user (read from its phrases)."""

    NO = ""
    PROMISED = "promised"
    """The no is not made yet: promised for when the candidate hears nothing ("if you haven't heard by Friday…"), or only
    considered ("is considering withdrawing its offer")."""
    WITHDRAWN = "withdrawn"
    """It answers the candidate's own withdrawal."""
    NOT_A_JOB = "not_a_job"
    """What it turns down is not a job: a manuscript, a volunteer place, a flat, a market stall."""

    @property
    def note(self) -> str:
        """Why no draft, in the user's words (`list`, `demo`, `draft`); '' for NO."""
        return _HELD_BACK_NOTES.get(self, "")


_HELD_BACK_NOTES = {
    HeldBack.PROMISED: "held back: the decision it speaks of is not made yet",
    HeldBack.WITHDRAWN: "held back: it answers your own withdrawal",
    HeldBack.NOT_A_JOB: "held back: what it turns down seems not to be a job",
}


class QuestionKind(StrEnum):
    """What a question in a rejection asks the candidate."""

    KEEP_ON_FILE = "keep_on_file"
    FEEDBACK = "feedback"
    CALL = "call"
    OTHER_ROLE = "other_role"
    OTHER = "other"


@dataclass(frozen=True)
class Question:
    """A question the email asks the candidate, with its words as written."""

    kind: QuestionKind
    text: str


@dataclass(frozen=True)
class IncomingEmail:
    """One message as read from a mailbox, reduced to what Rebound needs."""

    folder: str
    uid: int
    message_id: str
    subject: str
    from_name: str
    from_addr: str
    reply_to: str
    to: str
    date: datetime | None
    text: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    size: int = 0
    truncated: bool = False
    """True when only headers and text parts were fetched (the message was over the size cap)."""
    received: datetime | None = None
    """When the message reached the mailbox (IMAP INTERNALDATE); the Date header is the sender's claim."""
    mailing_list: str = ""
    """The header that shows it came through a mailing list or a bulk send (List-Id, List-Post, Precedence), else ''."""


@dataclass(frozen=True)
class RawEmail:
    """One message as fetched, not yet parsed: what a pass hands to the processes that parse and classify."""

    folder: str
    uid: int
    raw: bytes
    size: int = 0
    received: datetime | None = None
    truncated: bool = False
    """Only the headers and the start of the body were fetched (the message was over the size cap)."""


@dataclass(frozen=True)
class Extraction:
    """Who, what and where, pulled out of a job email."""

    company: str = ""
    role: str = ""
    contact_name: str = ""
    contact_full_name: str = ""
    """First name and surname where the sender or signature spells them; only a formal greeting uses it."""
    contact_gender: str = ""
    """'f' or 'm' where the German title under the contact's name states it ('Personalreferentin'), else ''."""
    contact_title: str = ""
    """'Dr.' or 'Prof.' where the sender or signature puts it before the contact's whole name, else ''."""
    greeting: str = ""
    """The email's own casual opening word ('hoi', 'salut'), lowercased, where it has one: a reply may answer in kind."""
    titled_greeting: str = ""
    """The email's opening word where it greets the candidate by title ('Geachte heer Veenstra' → 'geachte', 'Hi Dr.
    Ali' → 'hi'): a Dutch reply then greets the writer by their whole name, an English one 'Dear Dr. Greer' or 'Dear
    Helen', not by first name alone."""
    via_agency: bool = False
    """A recruiter wrote for a client ('the client has decided'): an English reply thanks for the update, not for 'your decision'."""
    company_is_agency: bool = False
    """Written for a client, and `company` is the recruiter's own firm: the record keeps it, a reply does not place the job there."""
    stage: Stage = Stage.UNKNOWN
    human_sender: bool = True
    offers_feedback: bool = False
    gives_feedback: bool = False
    """The email already holds feedback: the reply thanks for it rather than asking for it."""
    declines_feedback: bool = False
    """The email says feedback cannot be given ('we are unable to share detailed feedback'): the reply does not ask for it."""
    keeps_on_file: bool = False
    """They keep the CV on file, add it to a talent pool or invite the candidate to apply again."""
    situation: Situation = Situation.UNKNOWN
    situation_sure: bool = False
    language: str = "en"
    language_sure: bool = False
    register: str = ""
    """'formal' or 'informal' (Sie/du, vous/tu, u/je, usted/tú); '' for English."""
    voseo: bool = False
    """An informal Spanish email that says vos ('¿querés pasar?', 'tenés'): the reply answers in vos, as its writer speaks."""
    questions: tuple[Question, ...] = ()
    company_sure: bool = True
    """Whether the evidence for the company is strong enough for a reply to name it."""
    role_sure: bool = True
    """Whether the evidence for the role is strong enough for a reply to name it."""
    event_date: date | None = None
    """The day an invitation or an assessment names, read from its text (agent/classifier/dates.py)."""
    event_kind: str = ""
    """'appointment' (one day named), 'options' (several days offered; event_date is the earliest) or 'deadline'."""
    held_back: HeldBack = HeldBack.NO
    """Why the email, though it reads like one, is no employer's no to the user (a no only promised, a reply to
    the candidate's withdrawal, a refusal of something other than a job). Read only where a rejection is
    possible; the classifier then holds the email back as uncertain."""


@dataclass(frozen=True)
class FeedbackPoint:
    """One thing an employer's feedback says to work on: a theme, the skill's name where one is named, and the sentence."""

    theme: str
    detail: str = ""
    evidence: str = ""


@dataclass(frozen=True)
class Classification:
    """The classifier's judgement on one email."""

    label: Label
    confidence: float
    uncertain: bool = False
    extraction: Extraction = field(default_factory=Extraction)
    runner_up: Label | None = None
    """What the email would be had the one judgement that counts, rejection or not, gone the other way:
    with label, the two labels the classifier hesitated between. None when there was nothing to judge."""

    @property
    def is_rejection(self) -> bool:
        """A confident rejection: the only kind Rebound drafts replies for."""
        return self.label is Label.REJECTION and not self.uncertain

    @property
    def is_job(self) -> bool:
        """Whether the email is about the job search at all."""
        return self.label is not Label.NOT_JOB


class DraftKind(StrEnum):
    """The replies Rebound prepares: one reply by default, or the thanks and the request apart."""

    REPLY = "reply"
    THANK_YOU = "thank_you"
    FEEDBACK_REQUEST = "feedback_request"


@dataclass(frozen=True)
class DraftPlan:
    """A reply ready to be saved: its own Message-ID is fixed before it is APPENDed."""

    kind: DraftKind
    message_id: str
    parent_message_id: str
    to: str
    subject: str
    raw: bytes
    asks_feedback: bool = False


@dataclass(frozen=True)
class Fate:
    """What became of one draft: saved (still a draft), sent, discarded or pending; and the Message-ID it left under."""

    status: str
    sent_id: str = ""


@dataclass(frozen=True)
class ServerDraft:
    """A draft of Rebound's found on the server: where it is, its Message-ID, and which kind it is."""

    uid: int
    message_id: str
    kind: str


@dataclass(frozen=True)
class FolderState:
    """What the server says about a folder right now."""

    name: str
    uidvalidity: int
    uidnext: int


class MailSource(Protocol):
    """What the pipeline needs from a mailbox: IMAP in production, a Maildir for the demo."""

    def folder_state(self, folder: str) -> FolderState: ...
    def uids_after(self, folder: str, last_uid: int) -> list[int]: ...
    def uids_since(self, folder: str, since: date) -> list[int]: ...
    def message_ids(self, folder: str, uids: Sequence[int]) -> dict[int, str]: ...
    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[IncomingEmail]: ...
    def drafts_folder(self) -> str: ...
    def sent_folder(self) -> str | None: ...
    def trash_folder(self) -> str | None: ...
    def append_draft(self, folder: str, raw: bytes) -> int | None: ...
    def find_message_id(self, folder: str, message_id: str) -> int | None: ...
    def find_replies_to(self, folder: str, message_id: str) -> list[int]: ...
    def find_drafts_for(self, folder: str, parent_message_id: str) -> list[ServerDraft]: ...
    def append_message(self, folder: str, raw: bytes) -> None: ...
    def remove_draft(self, folder: str, uid: int) -> None: ...
    def close(self) -> None: ...


class RawMailSource(MailSource, Protocol):
    """A mail source that can also hand over messages unparsed, so they are parsed where they are classified."""

    def fetch_raw(self, folder: str, uids: Sequence[int]) -> Iterator[RawEmail]: ...
