"""The weekly digest: week maths, weeks by arrival, the plan's rules, the funnel, rendering in en and de, sending once."""

from __future__ import annotations

import email
import email.policy
import itertools
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from agent import cli
from agent.config import DigestSettings, DraftSettings, GoalSettings, ProfileSettings, Settings
from agent.daemon import Daemon, Session
from agent.delivery import DigestService
from agent.digest import Inputs, Reader, WeekDigest, summarise
from agent.domain import Classification, DraftKind, Extraction, Fate, IncomingEmail, Label, Stage
from agent.drafts import DraftWriter
from agent.errors import ConfigError, MailboxError
from agent.ledger import Ledger
from agent.parse import parse_email
from agent.plan import MAX_STEPS
from agent.render import compose, render, search_path, template_env
from agent.resources import templates_dir
from agent.store import RecordedEmail, Store, StoredDraft, ThemeMention
from agent.timing import digest_zone, due_at, week_to_sum_up, weekly_scheduler
from agent.week import Week, parse_week, week_of

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = parse_week("2026-W48", BERLIN)  # Monday 23 to Sunday 29 November 2026
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ACCOUNT = "me@imap.example.org"
LANGUAGES = ("en", "de")
_ids = itertools.count(1)


def at(day: int, hour: int = 12, week: Week = WEEK) -> datetime:
    """A moment `day` days after the week's Monday (negative: weeks before), in UTC."""
    local = datetime.combine(week.start.date() + timedelta(days=day), clock_time(hour), tzinfo=week.zone)
    return local.astimezone(UTC)


# The digest is written on Sunday evening, as the daemon sends it.
SUNDAY_EVENING = at(6, 19)


def mail(label: str, when: datetime | None = None, **fields: Any) -> RecordedEmail:
    n = next(_ids)
    when = when or at(2)
    values: dict[str, Any] = {
        "message_id": f"<m{n}@employer.example>",
        "folder": "INBOX",
        "uid": n,
        "received": when,
        "sender": f"person{n}@employer{n}.example",
        "subject": f"About your application {n}",
        "label": label,
        "confidence": 0.9,
        "uncertain": False,
        "company": f"Company {n}",
        "role": "Analyst",
        "stage": "application" if label == "rejection" else "",
        "status": "processed",
        "error": "",
        "drafts": (),
        "skip_reason": "",
        "id": n,
        "recorded_at": when,
        "in_reply_to": "",
    }
    values.update(fields)
    return RecordedEmail(**values)


def draft(parent: RecordedEmail, kind: str = "reply", *, status: str = "saved", created: datetime | None = None, asks: bool = False) -> StoredDraft:
    n = next(_ids)
    return StoredDraft(
        id=n,
        kind=kind,
        message_id=f"<d{n}@me.example>",
        parent_message_id=parent.message_id,
        raw=b"",
        status=status,
        folder="Drafts",
        uid=n,
        email_id=parent.id,
        to=parent.sender,
        created_at=created or parent.received,
        asks_feedback=asks or kind == "feedback_request",
    )


def said(theme: str, company: str, when: datetime, detail: str = "", evidence: str = "") -> ThemeMention:
    return ThemeMention(theme, detail, evidence or f"{company} said something about {detail or theme}.", "en", company, f"hr@{company.lower()}.example", when, next(_ids))


def digest_of(
    emails: Sequence[RecordedEmail],
    drafts: Sequence[StoredDraft] = (),
    fates: dict[int, Fate] | None = None,
    goals: GoalSettings | None = None,
    themes: Sequence[ThemeMention] = (),
    now: datetime = SUNDAY_EVENING,
    language: str = "en",
) -> WeekDigest:
    fates = fates if fates is not None else {d.id: Fate(d.status) for d in drafts}
    reader = Reader("Alex Morgan", language, goals or GoalSettings(), follow_up_after_days=14)
    return summarise(WEEK, Inputs(emails, drafts, fates, themes), reader, now)


def kinds(d: WeekDigest) -> list[str]:
    return [s.kind for s in d.steps]


def step(d: WeekDigest, kind: str) -> Any:
    return next(s for s in d.steps if s.kind == kind)


def rendered(d: WeekDigest, language: str = "en") -> tuple[str, str, str]:
    """Subject, text (lines joined: wrapping is not what these tests look at) and HTML."""
    subject, text_part, html = render(template_env(search_path(language, templates_dir())), d)
    return subject, " ".join(text_part.split()), html


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the week -------------------------------------------------------------------------------


def test_a_week_runs_from_monday_midnight_in_the_users_zone() -> None:
    assert WEEK.start == datetime(2026, 11, 23, tzinfo=BERLIN)
    assert WEEK.end == datetime(2026, 11, 30, tzinfo=BERLIN)
    assert WEEK.last_day == date(2026, 11, 29)
    assert WEEK.label == "2026-W48"
    # Sunday 23:30 in UTC is already Monday in Berlin: next week there, this week in UTC.
    late_sunday = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert week_of(late_sunday, BERLIN).label == "2026-W49"
    assert week_of(late_sunday, UTC).label == "2026-W48"
    assert not WEEK.holds(late_sunday)
    assert WEEK.holds(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))  # Monday 00:30 in Berlin


def test_iso_weeks_belong_to_the_year_of_their_thursday() -> None:
    assert parse_week("2026-W01", UTC).start.date() == date(2025, 12, 29)
    assert week_of(datetime(2027, 1, 1, tzinfo=UTC), UTC).label == "2026-W53"
    assert WEEK.shifted(-4).label == "2026-W44"
    assert parse_week("2026-W01", UTC).shifted(-1).label == "2025-W52"


@pytest.mark.parametrize("text", ["2026-48", "2026-W4", "W48", "2025-W53", "2026-W00", "next week"])
def test_parse_week_refuses_what_is_not_an_iso_week(text: str) -> None:
    with pytest.raises(ValueError):
        parse_week(text, UTC)


def test_a_week_with_a_clock_change_still_ends_at_midnight() -> None:
    london = ZoneInfo("Europe/London")
    week = parse_week("2026-W43", london)  # summer time ends on Sunday 25 October
    assert week.start.utcoffset() == timedelta(hours=1)
    assert week.end.utcoffset() == timedelta(0)
    assert (week.end.hour, week.end.minute) == (0, 0)
    assert week.end.astimezone(UTC) - week.start.astimezone(UTC) == timedelta(days=7, hours=1)


def test_the_daemon_sums_up_the_week_holding_yesterday() -> None:
    monday_morning = datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)
    assert week_to_sum_up(monday_morning, BERLIN).label == "2026-W48"
    sunday_evening = datetime(2026, 11, 29, 18, 0, tzinfo=BERLIN)
    assert week_to_sum_up(sunday_evening, BERLIN).label == "2026-W48"


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("sunday", "18:00", datetime(2026, 11, 29, 18, 0, tzinfo=BERLIN)),
        ("monday", "08:30", datetime(2026, 11, 30, 8, 30, tzinfo=BERLIN)),  # the Monday after: the week is over
        ("friday", "17:00", datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN)),
    ],
)
def test_due_at_is_the_configured_day_and_time(day: str, clock: str, expected: datetime) -> None:
    assert due_at(WEEK, DigestSettings(day=day, time=clock)) == expected  # type: ignore[arg-type]


def test_digest_zone_names_a_bad_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"\[digest\] timezone: unknown time zone 'Mars/Olympus'"):
        digest_zone("Mars/Olympus")
    assert digest_zone("Asia/Tokyo") == ZoneInfo("Asia/Tokyo")
    monkeypatch.setenv("TZ", "America/Chicago")
    assert digest_zone(None) == ZoneInfo("America/Chicago")


# --- weeks by arrival -----------------------------------------------------------------------


def test_an_email_belongs_to_the_week_it_arrived_in_not_the_week_it_was_read() -> None:
    old = mail("rejection", at(-20), company="Oldfield", recorded_at=at(1))  # a first run read it this week
    new = mail("rejection", at(2), company="Newfield")
    d = digest_of([old, new, mail("application_ack")])
    assert [r.company for r in d.rejections] == ["Newfield"]
    assert d.backlog is not None and (d.backlog.emails, d.backlog.since) == (1, date(2026, 11, 3))
    assert d.mood == "rejections"  # one no this week, not "this week asked a lot of you"
    for language in LANGUAGES:
        subject, text_part, html = rendered(d, language)
        assert "Oldfield" not in text_part + html + subject
        assert "Newfield" in text_part


def test_eight_old_rejections_read_on_a_first_run_do_not_make_a_hard_week() -> None:
    backlog = [mail("rejection", at(-10 - n), recorded_at=at(0)) for n in range(8)]
    d = digest_of([*backlog, mail("application_ack")])
    assert d.rejections == () and d.mood != "hard" and "rest" not in kinds(d)
    assert d.backlog is not None and d.backlog.emails == 8
    # They are counted in the weeks they arrived in.
    assert sum(row.rejections for row in d.weeks) == 8 and d.weeks[-1].rejections == 0


# --- the funnel -----------------------------------------------------------------------------


def test_the_funnel_follows_applications_over_the_weeks_with_data() -> None:
    acme_ack = mail("application_ack", at(-7), company="Acme Ltd")
    acme_no = mail("rejection", at(3), company="Acme", stage="interview")  # 10 days later: an answer, after an interview
    birch_ack = mail("application_ack", at(-6), company="Birch")
    birch_invite = mail("interview", at(-2), company="Birch")  # 4 days later
    cedar_ack = mail("application_ack", at(2), company="Cedar")  # no answer yet
    d = digest_of([acme_ack, acme_no, birch_ack, birch_invite, cedar_ack, mail("offer", at(3), company="Dune")])
    stages = {s.key: (s.count, s.percent) for s in d.funnel.stages}
    assert stages == {"applications": (4, 100), "responses": (3, 75), "interviews": (2, 50), "offers": (1, 25)}
    assert d.funnel.median_days == pytest.approx(7.0)  # 10 and 4 days
    assert d.funnel.since == date(2026, 11, 16) and d.funnel.weeks == 2
    assert [(r.start, r.applications, r.responses) for r in d.weeks] == [(date(2026, 11, 16), 2, 1), (date(2026, 11, 23), 2, 2)]
    assert d.has_history


def test_one_week_of_data_is_not_compared_with_empty_weeks() -> None:
    d = digest_of([mail("application_ack"), mail("rejection")])
    assert len(d.weeks) == 1 and not d.has_history
    for language in LANGUAGES:
        _subject, text_part, _html = rendered(d, language)
        assert ("two weeks of your mail" if language == "en" else "zwei Wochen deiner E-Mails") in text_part
        assert "WEEK BY WEEK" not in text_part and "WOCHE FÜR WOCHE" not in text_part


def test_a_first_week_has_no_funnel_and_no_division_by_zero() -> None:
    d = digest_of([])
    assert d.funnel.since is None and all(s.count == 0 and s.percent == 0 for s in d.funnel.stages)
    assert d.weeks == () and not d.has_history
    for language in LANGUAGES:
        rendered(d, language)


# --- next steps -----------------------------------------------------------------------------


def test_the_interview_and_the_assessment_are_named_with_their_days() -> None:
    invite = mail("interview", at(1), company="Quillfeather", event_date=date(2026, 12, 3), event_kind="appointment")
    test = mail("assessment", at(2), company="Corvid Security", event_date=date(2026, 12, 4), event_kind="deadline")
    d = digest_of([invite, test, mail("application_ack")])
    assert step(d, "interview").items[0].day == date(2026, 12, 3)
    assert step(d, "assessment").items[0].kind == "deadline"
    en = rendered(d, "en")[1]
    assert "Prepare for your interview with Quillfeather on Thursday 3 December" in en
    assert "Finish the assessment from Corvid Security by Friday 4 December" in en
    de = rendered(d, "de")[1]
    assert "Bereite dich auf dein Gespräch mit Quillfeather am Donnerstag, 3. Dezember vor" in de
    assert "Schließ den Test von Corvid Security bis Freitag, 4. Dezember ab" in de


def test_an_interview_already_past_is_not_a_next_step_and_one_without_a_day_is_named_without_one() -> None:
    past = mail("interview", at(0), company="Past", event_date=date(2026, 11, 25), event_kind="appointment")
    undated = mail("interview", at(5), company="Undated")
    d = digest_of([past, undated, mail("application_ack")])
    assert [i.company for i in step(d, "interview").items] == ["Undated"]
    assert "Prepare for your interview with Undated" in rendered(d)[1] and "no day named yet" in rendered(d)[1]


def test_applications_with_no_answer_are_listed_for_a_follow_up() -> None:
    due = mail("application_ack", SUNDAY_EVENING - timedelta(days=16), company="Harbor & Vine", role="Operations Analyst")
    young = mail("application_ack", SUNDAY_EVENING - timedelta(days=10), company="Young")
    answered = mail("application_ack", SUNDAY_EVENING - timedelta(days=17), company="Answered")
    answer = mail("rejection", SUNDAY_EVENING - timedelta(days=2), company="Answered")
    stale = mail("application_ack", SUNDAY_EVENING - timedelta(days=40), company="Stale")
    d = digest_of([due, young, answered, answer, stale, mail("application_ack")])
    follow = step(d, "follow_up")
    assert [(i.company, i.days) for i in follow.items] == [("Harbor & Vine", 16)]
    text_part = rendered(d)[1]
    assert "Harbor & Vine, Operations Analyst: acknowledged Fri 13 Nov, 16 days ago" in text_part
    assert "After 14 days without an answer" in text_part


def test_recurring_feedback_leads_the_plan_with_one_time_bound_step() -> None:
    themes = [
        said("skill", "Acme", at(1), "Kubernetes", "You were less confident on Kubernetes networking."),
        said("skill", "Birch", at(3), "kubernetes", "We needed someone who has run Kubernetes in production."),
        said("cv", "Birch", at(3)),
        said("system_design", "Cedar", at(-30)),  # older than this month: not in the tally
    ]
    invite = mail("interview", at(1), company="Quillfeather", event_date=date(2026, 12, 3), event_kind="appointment")
    d = digest_of([invite, mail("application_ack")], themes=themes)
    first = d.steps[0]
    assert first.kind == "theme" and first.theme is not None
    assert (first.theme.detail.lower(), [e.company for e in first.theme.employers]) == ("kubernetes", ["Acme", "Birch"])
    assert first.by == date(2026, 12, 6)
    assert "system_design" not in [s.theme.theme for s in d.steps if s.theme]
    en = rendered(d)[1]
    assert "Two employers this month pointed to Kubernetes" in en and "before Sunday 6 December" in en
    assert "Acme: “You were less confident on Kubernetes networking.”" in en
    de = rendered(d, "de")[1]
    assert "Zwei Arbeitgeber haben dich in den letzten Wochen auf Kubernetes hingewiesen" in de and "bis Sonntag, 6. Dezember" in de


def test_replies_still_in_drafts_are_named() -> None:
    no = mail("rejection", at(1), company="Brightwell Health")
    sent_no = mail("rejection", at(1), company="Fenwick")
    d = digest_of([no, sent_no, mail("application_ack")], [draft(no), draft(sent_no, status="sent")])
    assert step(d, "thank").names == ("Brightwell Health",)
    assert "Send your reply to Brightwell Health" in rendered(d)[1]


def test_a_company_is_never_shown_as_a_persons_name() -> None:
    no = mail("rejection", at(1), company="", sender_name="Rachel Osei", sender="rachel@mail.example")
    d = digest_of([no, mail("application_ack")], [draft(no)])
    for language in LANGUAGES:
        _subject, text_part, html = rendered(d, language)
        assert "Rachel Osei" not in text_part + html
        assert ("unknown employer (rachel@mail.example)" if language == "en" else "unbekannter Arbeitgeber (rachel@mail.example)") in text_part


def test_personal_mail_is_not_worth_a_second_look() -> None:
    personal = mail("not_job", at(1), uncertain=True, subject="Dinner on Friday?")
    unsure = mail("interview", at(1), uncertain=True, subject="Quick chat?")
    d = digest_of([personal, unsure, mail("application_ack")])
    assert [u.subject for u in d.unsure] == ["Quick chat?"]
    assert "might be an interview invitation" in rendered(d)[1] and "not job mail" not in rendered(d)[1]


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_email_held_back_from_being_a_rejection_is_listed_with_the_reason(language: str) -> None:
    """However unsure its next-best label (here, not job mail), the user sees it and why it got no reply."""
    refusal = mail("not_job", at(1), uncertain=True, subject="Your volunteer application", held_back="not_a_job")
    promised = mail("application_ack", at(2), uncertain=True, subject="We got your application", held_back="promised")
    d = digest_of([refusal, promised, mail("application_ack")])
    assert [u.subject for u in d.unsure] == ["Your volunteer application", "We got your application"]
    _, text_part, html = rendered(d, language)
    expected = {
        "en": ["but of something other than a job, so no reply was drafted", "but the decision it speaks of is not made yet, so no reply was drafted"],
        "de": ["betrifft aber wohl keine Stelle – darum kein Antwortentwurf", "die aber noch nicht feststeht – darum kein Antwortentwurf"],
    }[language]
    for words in expected:
        assert words in text_part and words in visible_text(html)


def test_application_stage_rejections_call_for_new_materials() -> None:
    one = digest_of([mail("application_ack"), mail("rejection", company="Acme")])
    assert "materials" not in kinds(one)
    two = digest_of([mail("application_ack"), mail("rejection", company="Acme"), mail("rejection", company="Birch")])
    assert step(two, "materials").names == ("Acme", "Birch")


def test_rejections_after_interviews_call_for_practice() -> None:
    d = digest_of([mail("application_ack"), mail("rejection", stage="interview", company="Acme")])
    assert step(d, "practice").names == ("Acme",)
    assert d.rejections[0].stage == "interview"


def test_a_week_without_acknowledged_applications_asks_for_some() -> None:
    d = digest_of([mail("interview")], goals=GoalSettings(applications_per_week=5))
    assert step(d, "apply").count == 5 and "5 applications" in rendered(d)[1]
    assert "apply" not in kinds(digest_of([mail("application_ack")]))


def test_a_hard_week_makes_room_for_rest() -> None:
    assert "rest" in kinds(digest_of([mail("application_ack"), *(mail("rejection") for _ in range(3))]))
    assert "rest" in kinds(digest_of([mail("application_ack"), mail("rejection", stage="final")]))
    assert "rest" not in kinds(digest_of([mail("application_ack"), mail("rejection")]))


def test_a_quiet_week_still_gets_one_step() -> None:
    assert kinds(digest_of([mail("application_ack")])) == ["rhythm"]


def test_steps_are_capped() -> None:
    emails = [mail("offer"), mail("interview"), *(mail("rejection", stage=s) for s in ("application", "application", "interview", "final"))]
    d = digest_of(emails, goals=GoalSettings(networking_contacts_per_week=2, learning_hours_per_week=3))
    assert len(d.steps) == MAX_STEPS
    assert kinds(d)[:2] == ["offer", "interview"]


def test_an_unanswered_feedback_request_is_nudged_in_the_week_it_turns_a_week_old() -> None:
    def nudged(sent_on: datetime, answered: bool = False) -> bool:
        parent = mail("rejection", sent_on, stage="interview", company="Acme")
        request = draft(parent, "feedback_request", status="sent")
        emails = [parent, mail("application_ack")]
        if answered:
            emails.append(mail("other_job", in_reply_to=request.message_id))
        return "nudge" in kinds(digest_of(emails, [request]))

    assert not nudged(at(2))  # sent this week: too early
    assert nudged(at(-5))  # sent last Wednesday
    assert not nudged(at(-12))  # nudged in last week's digest already
    assert not nudged(at(-5), answered=True)


# --- replies --------------------------------------------------------------------------------


def test_an_answer_to_a_sent_reply_comes_first_and_is_not_counted_as_new_mail() -> None:
    parent = mail("rejection", at(-3), stage="interview", company="Acme", sender="rachel@acme.example")
    request = draft(parent, "reply", status="sent", asks=True)
    answer = mail("other_job", at(2), company="", sender="rachel@acme.example", answers_draft_id=request.id)
    themes = [said("system_design", "Acme", at(2))]
    themes = [ThemeMention("system_design", "", "The design stayed small.", "en", "Acme", "rachel@acme.example", at(2), answer.id)]
    d = digest_of([parent, answer, mail("application_ack")], [request], themes=themes)
    assert [(r.company, r.note, r.themes) for r in d.replies] == [("Acme", "reply", ("system_design",))]
    assert d.rejections == () and d.counts.get("other_job", 0) == 0
    _subject, text_part, html = rendered(d)
    assert html.index("Replies to you") < html.index("Your next steps") < html.index("Rejections this week")
    assert "Pointed to: system design" in text_part


def test_an_answer_threaded_to_the_sent_copy_is_found_in_an_older_database() -> None:
    parent = mail("rejection", at(-3), company="Acme")
    note = draft(parent, status="sent")
    answer = mail("rejection", at(2), company="", in_reply_to="<client-copy@me.example>")  # recorded before answers were linked
    d = digest_of([parent, answer, mail("application_ack")], [note], {note.id: Fate("sent", "<client-copy@me.example>")})
    assert [r.company for r in d.replies] == ["Acme"] and d.rejections == ()


# --- goals ----------------------------------------------------------------------------------


def test_goals_show_progress_where_rebound_can_see_it() -> None:
    parent = mail("rejection")
    sent, kept = draft(parent, status="sent"), draft(parent, "feedback_request", status="saved")
    goals = GoalSettings(applications_per_week=4, networking_contacts_per_week=2, learning_hours_per_week=2.5)
    d = digest_of([parent, mail("application_ack"), mail("application_ack"), mail("application_ack")], [sent, kept], goals=goals)
    progress = {g.key: (g.done, g.target, g.percent) for g in d.goals}
    assert progress == {"applications": (3, 4, 75), "contacts": (1, 2, 50), "learning": (None, 2.5, None)}
    assert "2,5 Std." in rendered(d, "de")[1] and "2.5 h" in rendered(d, "en")[1]
    assert digest_of([]).goals == ()


# --- rendering ------------------------------------------------------------------------------


def every_step_digest() -> WeekDigest:
    """A week with every kind of step, and every field unknown somewhere: no template may leave a hole."""
    no_name = mail("rejection", at(1), company="", stage="interview")
    emails = [
        mail("offer", at(1), company=""),
        mail("interview", at(1), company="A", event_date=date(2026, 12, 1), event_kind="options"),
        mail("interview", at(1), company="", role=""),
        mail("assessment", at(2), company="B", event_date=date(2026, 12, 2), event_kind="appointment"),
        mail("assessment", at(2), company="C"),
        mail("application_ack", SUNDAY_EVENING - timedelta(days=15), company="", role=""),
        no_name,
        mail("rejection", at(1), stage="final"),
        mail("rejection", at(1)),
        mail("rejection", at(1), role=""),
    ]
    themes = [said(t, c, at(2), "Kafka" if t == "skill" else "") for t in ("skill", "cv", "salary") for c in ("D", "E")]
    goals = GoalSettings(applications_per_week=3, networking_contacts_per_week=1, learning_hours_per_week=1)
    return digest_of(emails, [draft(no_name)], themes=themes, goals=goals)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_step_reads_whole_in_both_languages(language: str) -> None:
    d = every_step_digest()
    subject, text_part, html = rendered(d, language)
    assert subject.startswith("Your week" if language == "en" else "Deine Woche")
    for part in (text_part, visible_text(html)):
        assert "  ." not in part and " ," not in part and "()" not in part and ": :" not in part
        assert "None" not in part.replace("None this week", "")


@pytest.mark.parametrize("theme", ["skill", "experience", "system_design", "communication", "examples", "leadership", "stakeholders", "portfolio", "cv", "qualification", "culture_fit", "salary"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_theme_has_its_own_words_and_a_deadline(theme: str, language: str) -> None:
    d = digest_of([mail("application_ack")], themes=[said(theme, c, at(2), "Terraform") for c in ("Acme", "Birch")])
    text_part = rendered(d, language)[1]
    assert ("before sunday 6 december" if language == "en" else "bis sonntag, 6. dezember") in text_part.lower()


def hostile_digest() -> WeekDigest:
    parent = mail("rejection", company=HOSTILE, role='Analyst "<b>bold</b>"', subject=HOSTILE, sender="x@evil.example")
    unsure = mail("interview", uncertain=True, subject=f"Re: {HOSTILE}", company="A&B <i>Co</i>")
    themes = [said("skill", HOSTILE, at(2), HOSTILE, HOSTILE), said("skill", "B", at(2), HOSTILE, HOSTILE)]
    return digest_of([parent, unsure], [draft(parent)], themes=themes)


@pytest.mark.parametrize("language", LANGUAGES)
def test_strangers_text_is_escaped_in_html_and_kept_in_text(language: str) -> None:
    subject, text_part, html = rendered(hostile_digest(), language)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b>bold" not in html and "<i>Co" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "A&amp;B &lt;i&gt;Co&lt;/i&gt;" in html
    assert HOSTILE in text_part  # plain text is never interpreted
    assert "<html" not in text_part and "<" not in subject


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_html_is_made_for_email_clients(language: str) -> None:
    source = (templates_dir() / language / "digest.html.j2").read_text()
    _subject, _text, html = rendered(hostile_digest(), language)
    for forbidden in ("<script", "<style", "<link", "<img", "src=", "url(", "http://", "https://"):
        assert forbidden not in source.lower(), forbidden
    tags = re.findall(r"<[a-z][^>]*>", html.lower())
    assert not [t for t in tags if re.match(r"<(script|style|link|img|iframe|object|a)\b", t) or re.search(r"\s(src|href|on\w+)=", t)]
    assert 'name="viewport"' in html and "max-width:600px" in html
    assert f'<html lang="{language}">' in html


def test_names_are_styled_as_text_not_as_links() -> None:
    _subject, _text, html = rendered(every_step_digest())
    accent = "#2f6f62"
    colored = [m.group(1) for m in re.finditer(r"<(?:p|span|td)\b[^>]*[;\"]color:" + accent + r"[^>]*>([^<]*)<", html)]
    assert colored and set(colored) <= {"Rebound", "Rebound &middot; your week"}, colored


def test_no_control_character_reaches_the_digests_headers() -> None:
    d = hostile_digest()
    subject, text, html = render(template_env(search_path("en", templates_dir(), None)), d)
    msg = compose(d, subject, text, html, sender="alex@example.org", to="Alex\x00\x1bMorgan\x7f <alex@example.org>", now=at(6, 18))
    head = msg.as_bytes(policy=email.policy.SMTP).split(b"\r\n\r\n", 1)[0]
    assert not any(re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line) for line in head.split(b"\r\n")), head
    parsed = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    assert parsed["To"].addresses[0].addr_spec == "alex@example.org"  # type: ignore[attr-defined]


def test_a_digest_for_a_profile_on_an_idn_domain_has_ascii_headers() -> None:
    d = hostile_digest()
    subject, text, html = render(template_env(search_path("en", templates_dir(), None)), d)
    msg = compose(d, subject, text, html, sender="alex@müller.example", to="Alex <alex@müller.example>", now=at(6, 18))
    head = msg.as_bytes(policy=email.policy.SMTP).split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    parsed = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    assert parsed["From"].addresses[0].addr_spec == "alex@xn--mller-kva.example"  # type: ignore[attr-defined]
    assert parsed["To"].addresses[0].addr_spec == "alex@xn--mller-kva.example"  # type: ignore[attr-defined]
    assert str(parsed["Message-ID"]).strip().endswith("@xn--mller-kva.example>")


def test_a_user_template_folder_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("Only {{ d.rejections | length }} today\n")  # where Rebound 0.1 read it
    _subject, text_part, html = render(template_env(search_path("en", templates_dir(), tmp_path)), hostile_digest())
    assert text_part == "Only 1 today\n"
    assert "Rejections this week (1)" in html
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "digest.txt.j2").write_text("Nur {{ d.rejections | length }} heute\n")
    assert render(template_env(search_path("de", templates_dir(), tmp_path)), hostile_digest())[1] == "Nur 1 heute\n"


def test_compose_builds_one_multipart_alternative_message() -> None:
    d = hostile_digest()
    subject, text_part, html = rendered(d)
    msg = compose(d, subject, text_part, html, sender="alex@example.org", to="alex+digest@example.org", now=at(6, 18))
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[1].get_content().count("&lt;script&gt;") >= 1  # type: ignore[attr-defined]
    assert parsed["To"] == "alex+digest@example.org"
    assert parsed["Subject"] == subject and "<" not in parsed["Subject"]
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Rebound-Digest"] == "2026-W48"


# --- drafts on the server -------------------------------------------------------------------


class FakeMailbox:
    """A MailSource with Drafts and Sent held in memory."""

    def __init__(self) -> None:
        self.folders: dict[str, list[bytes]] = {"Drafts": [], "Sent": [], "INBOX": []}
        self.closed = 0

    def drafts_folder(self) -> str:
        return "Drafts"

    def sent_folder(self) -> str | None:
        return "Sent"

    def _find(self, folder: str, header: str, value: str) -> int | None:
        for uid, raw in enumerate(self.folders[folder], 1):
            if getattr(parse_email(raw), header) == value:
                return uid
        return None

    def find_message_id(self, folder: str, message_id: str) -> int | None:
        return self._find(folder, "message_id", message_id)

    def find_replies_to(self, folder: str, message_id: str) -> list[int]:
        return [uid for uid, raw in enumerate(self.folders[folder], 1) if parse_email(raw).in_reply_to == message_id]

    def uids_after(self, folder: str, last_uid: int) -> list[int]:
        return list(range(last_uid + 1, len(self.folders[folder]) + 1))

    def message_ids(self, folder: str, uids: Sequence[int]) -> dict[int, str]:
        return {uid: parse_email(self.folders[folder][uid - 1]).message_id for uid in uids if 0 < uid <= len(self.folders[folder])}

    def fetch(self, folder: str, uids: Sequence[int]) -> Iterator[IncomingEmail]:
        for uid in uids:
            yield parse_email(self.folders[folder][uid - 1], folder=folder, uid=uid)

    def append_message(self, folder: str, raw: bytes) -> None:
        self.folders[folder].append(raw)

    def close(self) -> None:
        self.closed += 1


def as_sent(raw: bytes, message_id: str) -> bytes:
    """What a mail client files in Sent: the draft's text under a new Message-ID."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    del msg["Message-ID"]
    msg["Message-ID"] = message_id
    return msg.as_bytes()


def recorded(store: Store, n: int, stage: Stage = Stage.INTERVIEW, when: datetime | None = None) -> list[StoredDraft]:
    """A rejection from a person, recorded with its two drafts."""
    incoming = IncomingEmail(
        folder="INBOX",
        uid=n,
        message_id=f"<r{n}@acme.example>",
        subject="Your application",
        from_name="Rachel Osei",
        from_addr=f"rachel{n}@acme.example",
        reply_to="",
        to="alex@example.org",
        date=when or datetime.now(UTC),
        text="Unfortunately we will not move forward.",
    )
    result = Classification(
        Label.REJECTION, 0.95, extraction=Extraction(company=f"Acme {n}", role="Analyst", stage=stage, contact_name="Rachel")
    )
    writer = DraftWriter(ProfileSettings(name="Alex Morgan", email="alex@example.org"), DraftSettings(feedback_request="always"))
    plans = writer.plan([DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST], incoming, result, incoming.date or datetime.now(UTC))
    return store.record(ACCOUNT, incoming, result, plans, uidvalidity=1, drafts_folder="Drafts")


def test_the_ledger_finds_each_drafts_fate(database_url: str) -> None:
    store = Store(database_url)
    box = FakeMailbox()
    kept_both = recorded(store, 1)
    sent_feedback = recorded(store, 2)
    sent_thanks = recorded(store, 3)
    for d in store.pending_drafts(ACCOUNT):
        store.set_draft_status(d.id, "saved", folder="Drafts")
    box.folders["Drafts"] += [d.raw for d in kept_both] + [sent_feedback[0].raw]
    box.folders["Sent"].append(as_sent(sent_feedback[1].raw, "<client-1@example.org>"))
    box.folders["Sent"].append(as_sent(sent_thanks[0].raw, "<client-2@example.org>"))
    drafts = store.drafts(ACCOUNT)

    fates = Ledger(box, store, ACCOUNT).settle(drafts, box.drafts_folder())

    by_id = {d.id: d for d in drafts}
    assert [fates[d.id].status for d in kept_both] == ["saved", "saved"]
    assert [fates[d.id] for d in sent_feedback] == [Fate("saved"), Fate("sent", "<client-1@example.org>")]
    # Both drafts were gone from Drafts; the one sent is the one whose words match.
    assert [fates[d.id] for d in sent_thanks] == [Fate("sent", "<client-2@example.org>"), Fate("discarded")]
    assert {d.id: d.status for d in store.drafts(ACCOUNT)} == {i: fates[i].status for i in by_id}

    box.folders["Sent"].clear()  # moved out of Sent later: still sent
    again = Ledger(box, store, ACCOUNT).settle(store.drafts(ACCOUNT), box.drafts_folder())
    assert again[sent_thanks[0].id].status == "sent"


# --- sending once a week --------------------------------------------------------------------


def settings_for(tmp_path: Path, database_url: str = "", **digest: object) -> Settings:
    return Settings.model_validate(
        {
            "imap": {"host": "imap.example.org", "username": "me", "password": "pw"},
            "profile": {"name": "Alex Morgan", "email": "alex@example.org"},
            "database": {"url": database_url or f"sqlite:///{tmp_path / 'r.db'}"},
            "digest": {"timezone": "Europe/Berlin", **digest},
        }
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def test_without_smtp_the_digest_is_put_in_inbox_once_a_week(home: Path, database_url: str) -> None:
    settings = settings_for(home, database_url, to="alex+digest@example.org")
    store = Store(settings.database_url)
    box = FakeMailbox()
    service = DigestService(settings, store, lambda: box)
    recorded(store, 1)
    week = service.week()

    first = service.send(week)
    assert first is not None and (first.via, first.to, first.week) == ("inbox", "alex+digest@example.org", week.label)
    assert len(box.folders["INBOX"]) == 1
    msg = email.message_from_bytes(box.folders["INBOX"][0], policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == "alex+digest@example.org"
    assert service.send(week) is None
    assert len(box.folders["INBOX"]) == 1
    assert service.send(week, force=True) is not None
    assert len(box.folders["INBOX"]) == 2
    assert store.digest_sent(settings.account, week.label)
    assert box.closed == 2  # the refused second send never connected


def test_a_send_under_way_elsewhere_is_met_in_the_database_and_a_failed_one_gives_the_week_back(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(home)
    store = Store(settings.database_url)
    recorded(store, 1)
    box = FakeMailbox()
    week = DigestService(settings, store, lambda: box).week()
    # Another worker (another machine, another home, the same database) has claimed the week and is sending.
    claim = store.claim_digest(settings.account, week.label, "<elsewhere@example.org>", "other-worker", stale_after=timedelta(minutes=30))
    assert claim is not None
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "other-home"))
    assert DigestService(settings, store, lambda: box).send(week) is None
    assert box.folders["INBOX"] == []
    store.release_digest(settings.account, week.label, "other-worker")  # its send failed

    def refused(folder: str, raw: bytes) -> None:
        raise MailboxError("APPEND refused")

    monkeypatch.setattr(box, "append_message", refused)
    with pytest.raises(MailboxError):
        DigestService(settings, store, lambda: box).send(week)
    monkeypatch.undo()
    sent = DigestService(settings, store, lambda: box).send(week)  # the failed send gave the week back at once
    assert sent is not None and len(box.folders["INBOX"]) == 1
    assert not list(home.glob("*.lock")), "no lock file: workers on other machines could not see it"


def test_a_send_cut_short_after_delivery_is_recorded_not_sent_again(home: Path) -> None:
    settings = settings_for(home)
    store = Store(settings.database_url)
    recorded(store, 1)
    box = FakeMailbox()
    service = DigestService(settings, store, lambda: box)
    week = service.week()
    claim = store.claim_digest(settings.account, week.label, "<cut-short@example.org>", "crashed", stale_after=timedelta(minutes=30))
    assert claim is not None
    box.append_message("INBOX", b"Message-ID: <cut-short@example.org>\r\nSubject: digest\r\n\r\nit arrived\r\n")  # then the crash
    with Store(settings.database_url).engine.begin() as db:
        db.execute(text("UPDATE digestrecord SET claimed_at = :t"), {"t": datetime.now(UTC) - timedelta(hours=1)})
    delivered = service.send(week)
    assert delivered is not None and delivered.message_id == "<cut-short@example.org>"
    assert len(box.folders["INBOX"]) == 1, "found in INBOX under the claimed Message-ID: not sent again"
    assert store.digest_sent(settings.account, week.label)


def test_preview_writes_html_and_sends_nothing_even_without_a_mailbox(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(home)
    store = Store(settings.database_url)
    recorded(store, 1)

    def unreachable() -> FakeMailbox:
        raise ConfigError("[imap] password_env: environment variable X is not set")

    out = home / "out.html"
    with caplog.at_level(logging.WARNING):
        d = DigestService(settings, store, unreachable).preview(out, week_of(datetime.now(UTC), BERLIN))
    assert "cannot check drafts" in caplog.text
    assert "Acme 1" in out.read_text()
    assert [f for _, f in d.rejections[0].drafts] == ["pending", "pending"]  # not saved yet: "still in Drafts" to the reader
    assert not store.digest_sent(settings.account, d.week.label)


def test_a_mailbox_without_drafts_still_gets_its_digest(home: Path, database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(home, database_url)
    store = Store(settings.database_url)
    recorded(store, 1)
    box = FakeMailbox()

    def no_drafts() -> str:
        raise MailboxError("no Drafts folder on imap.example.org")

    box.drafts_folder = no_drafts  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING):
        sent = DigestService(settings, store, lambda: box).send(week_of(datetime.now(UTC), BERLIN))
    assert sent is not None and len(box.folders["INBOX"]) == 1
    assert "no Drafts folder" in caplog.text


def test_send_due_waits_for_the_hour_and_skips_an_empty_history(home: Path, database_url: str) -> None:
    settings = settings_for(home, database_url, day="sunday", time="18:00")
    store = Store(settings.database_url)
    box = FakeMailbox()
    now = [datetime(2026, 11, 29, 17, 59, tzinfo=BERLIN)]
    service = DigestService(settings, store, lambda: box, clock=lambda: now[0])
    recorded(store, 1)
    with store.session() as s:
        s.execute(text("UPDATE emailrecord SET recorded_at = '2026-11-25 10:00:00.000000'"))  # a Wednesday
    assert service.send_due() is None
    now[0] = datetime(2026, 11, 29, 18, 0, tzinfo=BERLIN)
    sent = service.send_due()
    assert sent is not None and sent.week == "2026-W48"
    now[0] = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)  # Monday: still the week just ended, already sent
    assert service.send_due() is None
    now[0] = datetime(2027, 3, 7, 18, 0, tzinfo=BERLIN)  # nothing recorded in the five weeks before
    assert service.send_due() is None
    assert len(box.folders["INBOX"]) == 1


def test_the_daemon_job_runs_at_the_configured_moment_and_never_raises(
    home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        settings = settings_for(home, day="monday", time="09:00", timezone="Asia/Tokyo")
        service = DigestService(settings, Store(settings.database_url), FakeMailbox)
        scheduler = weekly_scheduler(service)
        weekly = [j for j in scheduler.jobs if j.start_day]
        assert len(weekly) == 1 and len(scheduler.jobs) == 2
        # Monday 09:00 in Tokyo is Monday 00:00 on this (UTC) machine.
        assert (weekly[0].start_day, weekly[0].at_time) == ("monday", clock_time(0, 0))

        def broken() -> None:
            raise RuntimeError("smtp exploded")

        monkeypatch.setattr(service, "send_due", broken)
        with caplog.at_level(logging.ERROR):
            weekly[0].job_func()
        assert "weekly digest failed" in caplog.text and "smtp exploded" in caplog.text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_tz_alone_sets_the_digest_schedule(home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """In a container, `-e TZ=Asia/Tokyo` with no [digest] timezone: the digest goes out at 09:00 in Tokyo."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        settings = settings_for(home, day="monday", time="09:00", timezone=None)
        service = DigestService(settings, Store(settings.database_url), FakeMailbox)
        assert service.zone == ZoneInfo("Asia/Tokyo")
        with caplog.at_level(logging.INFO, logger="agent.timing"):
            scheduler = weekly_scheduler(service)
        (weekly,) = [j for j in scheduler.jobs if j.start_day]
        assert (weekly.start_day, weekly.at_time) == ("monday", clock_time(9, 0))
        assert "weekly digest: monday 09:00, Asia/Tokyo" in caplog.text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_an_unknown_tz_is_said_not_swallowed(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("TZ", "Mars/Olympus")
    with caplog.at_level(logging.WARNING, logger="agent.timing"):
        assert digest_zone(None) is UTC
    assert "TZ=Mars/Olympus is not a time zone" in caplog.text


def test_the_daemon_runs_the_due_digest_once_and_survives_a_failing_one(home: Path, database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(home, database_url, day="sunday", time="18:00")
    store = Store(settings.database_url)
    recorded(store, 1)
    with store.session() as s:
        s.execute(text("UPDATE emailrecord SET recorded_at = '2026-11-25 10:00:00.000000'"))
    box = FakeMailbox()
    service = DigestService(settings, store, lambda: box, clock=lambda: datetime(2026, 11, 29, 18, 5, tzinfo=BERLIN))
    scheduler = weekly_scheduler(service)
    daemon = Daemon(lambda: Session(), threading.Event(), scheduler=scheduler)

    def make_due() -> None:
        for job in scheduler.jobs:
            job.next_run = datetime.now() - timedelta(seconds=1)

    make_due()
    daemon._run_jobs()  # the weekly job and the catch-up both run: one digest
    assert len(box.folders["INBOX"]) == 1

    with store.session() as s:
        s.execute(text("DELETE FROM digestrecord"))

    def refuse(folder: str, raw: bytes) -> None:
        raise MailboxError("deliver to 'INBOX': connection lost")

    box.append_message = refuse  # type: ignore[method-assign]
    make_due()
    with caplog.at_level(logging.ERROR):
        daemon._run_jobs()  # logged, not raised: the daemon keeps its IMAP session
    assert "weekly digest not sent: deliver to 'INBOX': connection lost" in caplog.text


def test_the_cli_scheduler_uses_the_apps_settings_and_store(home: Path) -> None:
    settings = settings_for(home)

    class AppLike:
        def __init__(self) -> None:
            self.settings = settings
            self.store = Store(settings.database_url)

    assert len(cli.watch.digest_scheduler(AppLike()).jobs) == 2


# --- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of --preview"),
        (["--send", "--preview", "x.html"], "exactly one of --preview"),
        (["--preview", "x.html", "--force"], "--force only makes sense with --send"),
        (["--send", "--week", "2026-48"], "is not a week like 2026-W48"),
    ],
)
def test_digest_command_refuses_bad_arguments(home: Path, args: list[str], message: str) -> None:
    config = home / "config.toml"
    config.write_text(
        '[imap]\nhost = "127.0.0.1"\nport = 1\nsecurity = "none"\nusername = "me"\npassword = "pw"\n'
        f'[profile]\nname = "Alex"\nemail = "alex@example.org"\n[database]\nurl = "sqlite:///{home / "r.db"}"\n'
    )
    config.chmod(0o600)
    result = CliRunner().invoke(cli.main, ["--config", str(config), "digest", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
