"""The weekly digest's content: the week's mail → rejections, replies, funnel, next steps and goals."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from agent.config import GoalSettings
from agent.domain import Fate
from agent.store import RecordedEmail, StoredDraft

# The funnel compares the week with the average of this many weeks before it.
HISTORY_WEEKS = 4
# A feedback request still unanswered after this long deserves one gentle reminder.
NUDGE_AFTER = timedelta(days=7)
# At this many rejections in a week (or a final-round one), rest comes before any other step.
HARD_WEEK_REJECTIONS = 3
# More steps than this read as a to-do list, not a plan.
MAX_STEPS = 5
FUNNEL: tuple[tuple[str, str], ...] = (
    *(("application_ack", "Applications acknowledged"), ("interview", "Interviews"), ("assessment", "Assessments")),
    *(("offer", "Offers"), ("rejection", "Rejections")),
)
STAGE_NAMES = {"application": "application", "screen": "phone screen", "interview": "interview", "final": "final round"}
GUESSES = {"rejection": "a rejection", "application_ack": "an application confirmation", "interview": "an interview invitation"}
GUESSES |= {"assessment": "an assessment", "offer": "an offer", "recruiter_outreach": "a recruiter reaching out", "other_job": "job mail"}
_AFTER_INTERVIEW = {"screen", "interview", "final"}
_REPLY = re.compile(r"^\s*(re|aw|sv|antw|réf|rif)\s*:", re.IGNORECASE)


# --- the week -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    """Monday 00:00 up to the next Monday 00:00, in the user's time zone."""

    start: datetime

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 (not part of the week)."""
        return _midnight(self.start.date() + timedelta(days=7), self.zone)

    @property
    def zone(self) -> tzinfo:
        """The user's time zone, which the week is counted in."""
        assert self.start.tzinfo is not None
        return self.start.tzinfo

    @property
    def label(self) -> str:
        """The ISO week, e.g. 2026-W48."""
        year, week, _ = self.start.date().isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def last_day(self) -> date:
        """The Sunday."""
        return self.start.date() + timedelta(days=6)

    def shifted(self, weeks: int) -> Week:
        """The week this many weeks later (earlier when negative)."""
        return Week(_midnight(self.start.date() + timedelta(weeks=weeks), self.zone))

    def holds(self, moment: datetime) -> bool:
        """Whether an aware moment falls inside the week."""
        return self.start.astimezone(UTC) <= moment.astimezone(UTC) < self.end.astimezone(UTC)


def _midnight(day: date, zone: tzinfo) -> datetime:
    # Built from the date, not by adding hours, so a DST change inside the week keeps Monday at 00:00.
    return datetime.combine(day, time(), tzinfo=zone)


def week_of(moment: datetime, zone: tzinfo) -> Week:
    """The week holding this moment."""
    day = moment.astimezone(zone).date()
    return Week(_midnight(day - timedelta(days=day.weekday()), zone))


def parse_week(text: str, zone: tzinfo) -> Week:
    """An ISO week written YYYY-Www."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a week like 2026-W48")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"{match[1]} has no week {match[2]}") from None
    return Week(_midnight(monday, zone))


# --- what the digest says -------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """One rejection of the week, with what became of the replies drafted for it."""

    name: str
    """Who said no: the company, else the sender's name, else their address."""
    company: str
    role: str
    stage: str
    day: date
    subject: str
    sender: str
    drafts: tuple[tuple[str, str], ...]
    """(what the draft was, what became of it), e.g. ("Thank-you note", "sent")."""


@dataclass(frozen=True)
class Mention:
    """An email listed by the digest: a reply to the user, or one the classifier was unsure of."""

    name: str
    company: str
    sender: str
    subject: str
    day: date
    note: str


@dataclass(frozen=True)
class FunnelRow:
    """One stage of the funnel: this week against the weekly average of the weeks before."""

    name: str
    now: int
    average: float
    bar_now: int
    bar_average: int
    """Bar lengths in percent of the widest bar in the chart."""


@dataclass(frozen=True)
class Step:
    """One next step of the plan."""

    title: str
    detail: str
    names: tuple[str, ...] = ()
    """The companies the step is about (strangers' text: the templates escape it)."""


@dataclass(frozen=True)
class Goal:
    """Progress on one of the user's weekly goals; percent is None where Rebound cannot see it."""

    name: str
    target: str
    done: str
    percent: int | None
    note: str


@dataclass(frozen=True)
class WeekDigest:
    """Everything one week's email shows, ready for the templates."""

    week: Week
    user_name: str
    intro: str
    rejections: tuple[Rejection, ...]
    replies: tuple[Mention, ...]
    unsure: tuple[Mention, ...]
    funnel: tuple[FunnelRow, ...]
    has_history: bool
    steps: tuple[Step, ...]
    goals: tuple[Goal, ...]
    counts: dict[str, int]


# --- summing up -----------------------------------------------------------------------------


def summarise(
    week: Week,
    emails: Sequence[RecordedEmail],
    drafts: Sequence[StoredDraft],
    fates: dict[int, Fate],
    goals: GoalSettings,
    user_name: str,
) -> WeekDigest:
    """The digest of a week from the mail of that week and the four before it, and the drafts written then."""
    by_id = {e.id: e for e in emails}
    answers = _answers(emails, drafts, fates)
    this_week = [e for e in emails if e.recorded_at and week.holds(e.recorded_at)]
    job = [e for e in this_week if e.id not in answers]
    confident = [e for e in job if not e.uncertain]
    counts = Counter(e.label for e in confident)
    rejections = [_rejection(e, drafts, fates, week.zone) for e in confident if e.label == "rejection"]
    replies = []
    for e in (e for e in this_week if e.id in answers):
        parent = by_id.get(answers[e.id].email_id)
        company = (parent.company if parent else "") or e.company  # the name the user knows from the thread
        answering = {"feedback_request": "feedback request", "reply": "reply"}.get(answers[e.id].kind, "thank-you note")
        replies.append(_mention(e, company, f"Replied to your {answering}", week.zone))
    unsure = [_mention(e, e.company, GUESSES.get(e.label, "not job mail"), week.zone) for e in job if e.uncertain]
    funnel, has_history = _funnel(week, [e for e in emails if e.id not in answers])
    sent = [d for d in drafts if fates.get(d.id, Fate(d.status)).status == "sent"]
    sent_this_week = sum(1 for d in sent if d.created_at and week.holds(d.created_at))
    unsent = sorted({r.name for r in rejections if any(s == "still in Drafts" for _, s in r.drafts)})
    answered = {d.id for d in answers.values()}
    # Nudged in exactly one digest: the one for the week in which the request turned a week old.
    waiting = [d for d in sent if d.asks_feedback and d.id not in answered]
    waiting = [d for d in waiting if d.created_at and NUDGE_AFTER <= week.end - d.created_at < NUDGE_AFTER + timedelta(weeks=1)]
    unanswered = sorted({(by_id[d.email_id].company if d.email_id in by_id else "") or d.to for d in waiting})
    hard = len(rejections) >= HARD_WEEK_REJECTIONS or any(r.stage == "final round" for r in rejections)
    steps = next_steps(rejections, replies, counts, unsent, unanswered, goals, hard=hard)
    intro = _intro(len(rejections), hard, bool(replies), counts)
    progress = _goals(goals, counts["application_ack"], sent_this_week)
    return WeekDigest(
        week, user_name, intro, tuple(rejections), tuple(replies), tuple(unsure), funnel, has_history, tuple(steps), progress, dict(counts)
    )


def _day(e: RecordedEmail, zone: tzinfo) -> date:
    if e.received is not None:
        return e.received.date()  # the sender's own date: what the user sees in their mail client
    assert e.recorded_at is not None
    return e.recorded_at.astimezone(zone).date()


def _mention(e: RecordedEmail, company: str, note: str, zone: tzinfo) -> Mention:
    return Mention(company or _name(e), company, _who(e), e.subject, _day(e, zone), note)


def _name(e: RecordedEmail) -> str:
    return e.company or e.sender_name or e.sender


def _who(e: RecordedEmail) -> str:
    return f"{e.sender_name} <{e.sender}>" if e.sender_name and e.sender else e.sender or e.sender_name


def _rejection(e: RecordedEmail, drafts: Sequence[StoredDraft], fates: dict[int, Fate], zone: tzinfo) -> Rejection:
    names = {"reply": "Reply", "thank_you": "Thank-you note", "feedback_request": "Feedback request"}
    shown = {"saved": "still in Drafts", "pending": "still in Drafts", "sent": "sent", "discarded": "deleted without sending"}
    mine = [(names.get(d.kind, d.kind), shown.get(fates.get(d.id, Fate(d.status)).status, "")) for d in drafts if d.email_id == e.id]
    return Rejection(_name(e), e.company, e.role, STAGE_NAMES.get(e.stage, ""), _day(e, zone), e.subject, _who(e), tuple(mine))


def _answers(emails: Sequence[RecordedEmail], drafts: Sequence[StoredDraft], fates: dict[int, Fate]) -> dict[int, StoredDraft]:
    """Emails that answer a reply the user sent, by the email's id: threaded to it, or from the person written to."""
    out: dict[int, StoredDraft] = {}
    for d in sorted(drafts, key=lambda d: not d.asks_feedback):  # a draft that asked for feedback is the better match
        fate = fates.get(d.id, Fate(d.status))
        ids = {d.message_id, fate.sent_id} - {""}
        for e in emails:
            threaded = e.in_reply_to in ids
            after = e.recorded_at is not None and d.created_at is not None and e.recorded_at > d.created_at
            later = fate.status == "sent" and after and e.sender == d.to.lower() and e.id != d.email_id and bool(_REPLY.match(e.subject))
            if (threaded or later) and e.id not in out:
                out[e.id] = d
    return out


def _funnel(week: Week, emails: Sequence[RecordedEmail]) -> tuple[tuple[FunnelRow, ...], bool]:
    weeks = [week.shifted(-n) for n in range(HISTORY_WEEKS, -1, -1)]
    counts = [Counter(e.label for e in emails if not e.uncertain and e.recorded_at and w.holds(e.recorded_at)) for w in weeks]
    has_history = any(e.recorded_at and e.recorded_at.astimezone(UTC) < week.start.astimezone(UTC) for e in emails)
    rows = [(name, counts[-1][key], sum(c[key] for c in counts[:-1]) / HISTORY_WEEKS) for key, name in FUNNEL]
    widest = max([1.0, *(max(now, avg) for _, now, avg in rows)])
    return tuple(FunnelRow(name, now, avg, round(100 * now / widest), round(100 * avg / widest)) for name, now, avg in rows), has_history


def _goals(goals: GoalSettings, applications: int, contacts: int) -> tuple[Goal, ...]:
    out = []
    if goals.applications_per_week:
        target = goals.applications_per_week
        out.append(
            Goal("Applications", str(target), str(applications), _percent(applications, target), "counted from acknowledgement emails")
        )
    if goals.networking_contacts_per_week:
        target = goals.networking_contacts_per_week
        note = "the notes you sent through Rebound; add your other conversations"
        out.append(Goal("Networking contacts", str(target), str(contacts), _percent(contacts, target), note))
    if goals.learning_hours_per_week:
        hours = f"{goals.learning_hours_per_week:g} h"
        out.append(Goal("Learning", hours, "", None, "only you know this one: give yourself credit for every hour"))
    return tuple(out)


def _percent(done: int, target: int) -> int:
    return min(100, round(100 * done / target)) if target else 100


def _intro(rejections: int, hard: bool, replies: bool, counts: Counter[str]) -> str:
    if hard:
        return "This week asked a lot of you. Here it is in one place, with a few small steps for the next one."
    if replies:
        return "Someone wrote back to you this week; that comes first. Then the week at a glance and what to do next."
    if rejections:
        return "Some answers this week weren't the ones you hoped for. Here is the week at a glance, and a plan for the next."
    if counts["interview"] or counts["offer"] or counts["assessment"]:
        return "Good movement this week. Here is where things stand, and what to do next."
    return "Here is your week at a glance, and a few steps to keep things moving."


# The plan's wording, kept together so it reads in one voice.
ADVICE: dict[str, tuple[str, str]] = {
    "rest": (
        "Look after yourself first",
        "That was a heavy week. Take an evening fully off, move a little, and tell someone you trust how it went. "
        "Resting is part of the search, not a break from it.",
    ),
    "replies": ("Read the answers you got", "Note one concrete thing to change, and send a short thanks: it keeps the door open."),
    "offer": ("Weigh your offer calmly", "Congratulations! Ask for the details in writing, take the time you need, and negotiate."),
    "prepare": (
        "Prepare for what's ahead",
        "You have interviews or assessments lined up. Read up on the team, prepare three stories from your work, "
        "and sleep well the night before.",
    ),
    "thank": ("Send your thank-you notes", "Your replies are waiting in Drafts. A kind word after a no is remembered."),
    "interviews": (
        "Sharpen your interviewing",
        "You got through to interviews, so your profile works. Rehearse the questions that felt hardest out loud, "
        "with a friend or a mock interview, and ask for feedback if you haven't yet.",
    ),
    "materials": (
        "Refresh your resume and cover letter",
        "Several applications stopped at the first screen. Take the postings you want most, mirror their wording "
        "in your resume and letter, and ask someone you trust to read them.",
    ),
    "nudge": (
        "Send one friendly follow-up",
        "A week has gone by without an answer to your feedback request. One short, polite reminder is fine; "
        "if nothing comes back, let it go.",
    ),
    "apply": (
        "Send new applications",
        "No application was acknowledged this week. Block time for {many} to roles you would be glad to get.",
    ),
    "network": (
        "Reach out to people",
        "Get in touch with {people}: a former colleague, someone at a company you admire, or a group in your field.",
    ),
    "learn": ("Make time to learn", "Put {hours} hours in your calendar for a course or a small project that fills a gap you noticed."),
    "rhythm": ("Keep your rhythm", "A quiet week is a good moment to learn something, talk to people in your field, and plan ahead."),
}


def next_steps(
    rejections: Sequence[Rejection],
    replies: Sequence[Mention],
    counts: Counter[str],
    unsent: Sequence[str],
    unanswered: Sequence[str],
    goals: GoalSettings,
    *,
    hard: bool,
) -> list[Step]:
    """The week's plan, chosen by rules from what happened; the most useful first."""
    steps: list[Step] = []

    def add(key: str, names: Sequence[str] = (), **values: object) -> None:
        title, detail = ADVICE[key]
        steps.append(Step(title, detail.format(**values), tuple(names)))

    late = sorted({r.name for r in rejections if r.stage in {STAGE_NAMES[s] for s in _AFTER_INTERVIEW}})
    early = sorted({r.name for r in rejections if r.stage == "application"})
    if hard:
        add("rest")
    if replies:
        add("replies", sorted({r.name for r in replies}))
    if counts["offer"]:
        add("offer")
    if unsent:
        add("thank", unsent)
    if late:
        add("interviews", late)
    if len(early) >= 2:
        add("materials", early)
    if unanswered:
        add("nudge", unanswered)
    if not counts["application_ack"]:
        add("apply", many=f"{goals.applications_per_week} applications" if goals.applications_per_week else "a few applications")
    if counts["interview"] or counts["assessment"]:
        add("prepare")
    if n := goals.networking_contacts_per_week:
        add("network", people=f"{n} {'person' if n == 1 else 'people'}")
    if goals.learning_hours_per_week:
        add("learn", hours=f"{goals.learning_hours_per_week:g}")
    if not steps:
        add("rhythm")
    return steps[:MAX_STEPS]
