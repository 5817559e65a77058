"""The weekly digest's content: the week's mail, by arrival → rejections, answers, figures and a plan.

Everything here is data; the words are in templates/<lang>/digest*.j2. An email belongs to the
week it arrived in (IMAP INTERNALDATE, in [digest] timezone), so a first run over a month of
backlog does not call four weeks of rejections "this week": older mail read this week is counted
(`Backlog`), placed in its own weeks in the figures, and named nowhere in the week's lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from agent.applications import INTERVIEWED, Application, applications
from agent.config import GoalSettings
from agent.domain import Fate
from agent.funnel import Funnel, WeekRow, funnel, week_rows
from agent.plan import Item, Situation, Step, Theme, next_steps, tally
from agent.records import RecordedEmail, StoredDraft, ThemeMention
from agent.threads import best_in_thread
from agent.week import Week

# A feedback request still unanswered after this long deserves one gentle reminder.
NUDGE_AFTER = timedelta(days=7)
# At this many rejections in a week (or a final-round one), rest is part of the plan.
HARD_WEEK_REJECTIONS = 3
# An unanswered application is listed for a follow-up in the digests of this long after it fell due;
# after that, silence is the answer and the list would only nag.
FOLLOW_UP_WINDOW = timedelta(days=14)
# Feedback themes are tallied over this week and the three before: "this month".
THEME_WEEKS = 4
# Replies still in Drafts are listed while they are this young: older ones the user has decided about.
UNSENT_FOR = timedelta(days=14)
# An invitation's day is worth a step while it is ahead; one without a day, while it is this young.
INVITATION_FRESH = timedelta(days=7)


@dataclass(frozen=True)
class Rejection:
    """One rejection of the week, with what became of the replies drafted for it."""

    company: str
    """'' when the email did not say: the templates then show 'unknown employer' and the sender, never a person's name as a company."""
    sender: str
    role: str
    stage: str
    day: date
    subject: str
    drafts: tuple[tuple[str, str], ...]
    """(kind of draft, what became of it): ('reply', 'sent'); the templates word both."""


@dataclass(frozen=True)
class Mention:
    """An email listed by the digest: an answer to the user, or one the classifier was unsure of."""

    company: str
    sender: str
    subject: str
    day: date
    note: str
    """For an answer: the kind of draft it answered; for an unsure email: the classifier's best guess (a label)."""
    themes: tuple[str, ...] = ()
    """For feedback: the theme keys (or skill names) it pointed to."""
    held_back: str = ""
    """For an unsure email that reads like a rejection but was held back: why (HeldBack's value)."""


@dataclass(frozen=True)
class Backlog:
    """Older mail read this week (a first run, or after downtime): counted, not listed."""

    emails: int
    since: date


@dataclass(frozen=True)
class Goal:
    """Progress on one of the user's weekly goals; done is None where Rebound cannot see it."""

    key: str
    target: float
    done: int | None
    percent: int | None


@dataclass(frozen=True)
class WeekDigest:
    """Everything one week's email shows, ready for the templates."""

    week: Week
    language: str
    user_name: str
    mood: str
    """What the opening line says: hard, replies, rejections, movement or quiet."""
    backlog: Backlog | None
    rejections: tuple[Rejection, ...]
    replies: tuple[Mention, ...]
    unsure: tuple[Mention, ...]
    funnel: Funnel
    weeks: tuple[WeekRow, ...]
    steps: tuple[Step, ...]
    goals: tuple[Goal, ...]
    counts: dict[str, int]
    follow_up_after_days: int

    @property
    def has_history(self) -> bool:
        """Whether there are two weeks of data or more: only then does the digest compare weeks."""
        return len(self.weeks) >= 2


@dataclass(frozen=True)
class Inputs:
    """What summarise reads: the mail (by arrival), the drafts, their fates and the themes of feedback."""

    emails: Sequence[RecordedEmail]
    drafts: Sequence[StoredDraft]
    fates: dict[int, Fate]
    themes: Sequence[ThemeMention] = ()


@dataclass(frozen=True)
class Reader:
    """Who the digest is for, and what they asked of it."""

    name: str
    language: str = "en"
    goals: GoalSettings = field(default_factory=GoalSettings)
    follow_up_after_days: int = 14


def summarise(week: Week, data: Inputs, reader: Reader, now: datetime) -> WeekDigest:
    """The digest of a week; `now` is when it is written (a preview mid-week looks ahead from today)."""
    as_of = min(now, week.end)
    by_id = {e.id: e for e in data.emails}
    fates = {d.id: data.fates.get(d.id, Fate(d.status)) for d in data.drafts}
    answers = _answers(data.emails, data.drafts, fates)
    this_week = [e for e in data.emails if e.received is not None and week.holds(e.received)]
    job = [e for e in this_week if e.id not in answers and not e.uncertain]
    counts = Counter(e.label for e in job)
    rejections = [_rejection(e, data.drafts, fates, week) for e in job if e.label == "rejection"]
    themes_by_email: dict[int, list[str]] = {}
    for m in data.themes:
        themes_by_email.setdefault(m.email_id, []).append(m.detail if m.theme == "skill" and m.detail else m.theme)
    replies = []
    for e in (e for e in this_week if e.id in answers):
        parent = by_id.get(answers[e.id].email_id)
        company = (parent.company if parent else "") or e.company  # the name the user knows from the thread
        replies.append(Mention(company, e.sender, e.subject, _day(e, week), answers[e.id].kind, tuple(themes_by_email.get(e.id, ()))))
    # An email held back from being a rejection is listed whatever its next-best label: the user decides, knowing why.
    unsure = [Mention(e.company, e.sender, e.subject, _day(e, week), e.label, held_back=e.held_back)
              for e in this_week if e.uncertain and (e.label != "not_job" or e.held_back)]
    apps = applications([e for e in data.emails if e.received is not None and e.received < week.end], data.drafts)
    first = min((e.received for e in data.emails if e.received is not None), default=None)
    first_day = first.astimezone(week.zone).date() if first else None
    hard = len(rejections) >= HARD_WEEK_REJECTIONS or any(r.stage == "final" for r in rejections)
    sent_this_week = sum(1 for d in data.drafts if fates[d.id].status == "sent" and d.created_at and week.holds(d.created_at))
    theme_start = week.shifted(-(THEME_WEEKS - 1)).start
    situation = Situation(
        themes=tally([m for m in data.themes if theme_start <= m.received < week.end]),
        offers=[_item(e) for e in job if e.label == "offer"],
        interviews=_invitations(data.emails, "interview", as_of, week),
        assessments=_invitations(data.emails, "assessment", as_of, week),
        unsent=_unsent(data.drafts, fates, by_id, as_of),
        follow_ups=_follow_ups(apps, as_of, reader.follow_up_after_days),
        replies=[Item(r.company, r.sender) for r in replies],
        unanswered=_unanswered(data.drafts, fates, answers, by_id, week),
        late_rejections=[Item(r.company, r.sender, r.role) for r in rejections if r.stage in INTERVIEWED],
        early_rejections=[Item(r.company, r.sender, r.role) for r in rejections if r.stage == "application"],
        applications=counts["application_ack"],
        hard=hard,
        by=week.last_day + timedelta(days=7),
    )
    return WeekDigest(
        week=week,
        language=reader.language,
        user_name=reader.name,
        mood=_mood(len(rejections), hard, bool(replies), counts),
        backlog=_backlog(data.emails, week),
        rejections=tuple(rejections),
        replies=tuple(replies),
        unsure=tuple(unsure),
        funnel=funnel(week, apps, first_day),
        weeks=week_rows(week, apps, first_day),
        steps=tuple(next_steps(situation, reader.goals)),
        goals=_goals(reader.goals, counts["application_ack"], sent_this_week),
        counts=dict(counts),
        follow_up_after_days=reader.follow_up_after_days,
    )


def _day(e: RecordedEmail, week: Week) -> date:
    assert e.received is not None
    return e.received.astimezone(week.zone).date()


def _item(e: RecordedEmail, **more: object) -> Item:
    return Item(e.company, e.sender, e.role, **more)  # type: ignore[arg-type]


def _rejection(e: RecordedEmail, drafts: Sequence[StoredDraft], fates: dict[int, Fate], week: Week) -> Rejection:
    mine = tuple((d.kind, fates[d.id].status) for d in drafts if d.email_id == e.id)
    return Rejection(e.company, e.sender, e.role, e.stage if e.stage != "unknown" else "", _day(e, week), e.subject, mine)


def _answers(emails: Sequence[RecordedEmail], drafts: Sequence[StoredDraft], fates: dict[int, Fate]) -> dict[int, StoredDraft]:
    """Emails that answer a draft of ours, by the email's id: as the pipeline found it, else by In-Reply-To."""
    by_id = {d.id: d for d in drafts}
    sent_as = [replace(d, sent_message_id=fates[d.id].sent_id) if fates[d.id].sent_id else d for d in drafts]
    out: dict[int, StoredDraft] = {}
    for e in emails:
        found = by_id.get(e.answers_draft_id or 0) or (best_in_thread(sent_as, [e.in_reply_to]) if e.in_reply_to else None)
        if found is not None and found.email_id != e.id:
            out[e.id] = found
    return out


def _invitations(emails: Sequence[RecordedEmail], label: str, as_of: datetime, week: Week) -> list[Item]:
    """Interviews (or assessments) still ahead: their day from the text, soonest first; undated ones if recent."""
    today = as_of.astimezone(week.zone).date()
    out = []
    for e in emails:
        if e.label != label or e.uncertain or e.received is None or e.received >= week.end:
            continue
        if e.event_date is not None and e.event_date >= today:
            out.append(_item(e, day=e.event_date, kind=e.event_kind))
        elif e.event_date is None and as_of - e.received <= INVITATION_FRESH:
            out.append(_item(e))
    return sorted(out, key=lambda i: (i.day is None, i.day or date.max))


def _unsent(drafts: Sequence[StoredDraft], fates: dict[int, Fate], by_id: dict[int, RecordedEmail], as_of: datetime) -> list[Item]:
    out: dict[str, Item] = {}
    for d in drafts:
        if fates[d.id].status in {"saved", "pending"} and d.created_at and as_of - d.created_at <= UNSENT_FOR:
            parent = by_id.get(d.email_id)
            item = Item(parent.company if parent else "", parent.sender if parent else d.to)
            out.setdefault((item.company or item.sender).lower(), item)
    return list(out.values())


def _follow_ups(apps: Sequence[Application], as_of: datetime, after_days: int) -> list[Item]:
    """Acknowledged applications with no answer for after_days, listed for FOLLOW_UP_WINDOW, longest waiting first."""
    due = timedelta(days=after_days)
    out = []
    for app in apps:
        if app.first.label != "application_ack" or app.response is not None:
            continue
        waited = as_of - app.applied
        if due <= waited < due + FOLLOW_UP_WINDOW:
            out.append(Item(app.company, app.sender, app.role, day=app.applied.date(), days=waited.days))
    return sorted(out, key=lambda i: -i.days)


def _unanswered(
    drafts: Sequence[StoredDraft], fates: dict[int, Fate], answers: dict[int, StoredDraft], by_id: dict[int, RecordedEmail], week: Week
) -> list[Item]:
    """Feedback requests sent and unanswered, nudged in one digest only: the week in which they turned a week old."""
    answered = {d.id for d in answers.values()}
    out = []
    for d in drafts:
        if not d.asks_feedback or fates[d.id].status != "sent" or d.id in answered or d.created_at is None:
            continue
        if NUDGE_AFTER <= week.end - d.created_at < NUDGE_AFTER + timedelta(weeks=1):
            parent = by_id.get(d.email_id)
            out.append(Item(parent.company if parent else "", parent.sender if parent else d.to))
    return out


def _backlog(emails: Sequence[RecordedEmail], week: Week) -> Backlog | None:
    older = [e for e in emails if e.recorded_at and week.holds(e.recorded_at) and e.received is not None and e.received < week.start]
    if not older:
        return None
    first = min(e.received for e in older if e.received is not None)
    return Backlog(len(older), first.astimezone(week.zone).date())


def _goals(goals: GoalSettings, applications: int, contacts: int) -> tuple[Goal, ...]:
    out = []
    if goals.applications_per_week:
        out.append(Goal("applications", goals.applications_per_week, applications, _percent(applications, goals.applications_per_week)))
    if goals.networking_contacts_per_week:
        target = goals.networking_contacts_per_week
        out.append(Goal("contacts", target, contacts, _percent(contacts, target)))
    if goals.learning_hours_per_week:
        out.append(Goal("learning", goals.learning_hours_per_week, None, None))
    return tuple(out)


def _percent(done: int, target: float) -> int:
    return min(100, round(100 * done / target)) if target else 100


def _mood(rejections: int, hard: bool, replies: bool, counts: Counter[str]) -> str:
    if hard:
        return "hard"
    if replies:
        return "replies"
    if rejections:
        return "rejections"
    if counts["interview"] or counts["offer"] or counts["assessment"]:
        return "movement"
    return "quiet"


__all__ = ["Backlog", "Goal", "Inputs", "Mention", "Reader", "Rejection", "Step", "Theme", "WeekDigest", "summarise"]
