"""agent/digest.py and agent/delivery.py: week maths, funnel, next-step rules, escaping, sending once."""

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
from agent.delivery import (
    DigestService,
    compose,
    digest_zone,
    due_at,
    render,
    subject_line,
    template_env,
    week_to_sum_up,
    weekly_scheduler,
)
from agent.digest import ADVICE, MAX_STEPS, Fate, Week, WeekDigest, parse_week, summarise, week_of
from agent.domain import Classification, DraftKind, Extraction, IncomingEmail, Label, Stage
from agent.drafts import DraftWriter
from agent.errors import ConfigError, MailboxError
from agent.ledger import Ledger
from agent.parse import parse_email
from agent.resources import templates_dir
from agent.store import RecordedEmail, Store, StoredDraft

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = parse_week("2026-W48", BERLIN)  # Monday 23 to Sunday 29 November 2026
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ACCOUNT = "me@imap.example.org"
_ids = itertools.count(1)


def title(key: str) -> str:
    return ADVICE[key][0]


def at(day: int, hour: int = 12, week: Week = WEEK) -> datetime:
    """A moment `day` days after the week's Monday (negative: weeks before), in UTC."""
    local = datetime.combine(week.start.date() + timedelta(days=day), clock_time(hour), tzinfo=week.zone)
    return local.astimezone(UTC)


def mail(label: str, when: datetime | None = None, **fields: Any) -> RecordedEmail:
    n = next(_ids)
    when = when or at(2)
    values: dict[str, Any] = {
        "message_id": f"<m{n}@employer.example>",
        "folder": "INBOX",
        "uid": n,
        "received": when,
        "sender": f"person{n}@employer.example",
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


def draft(parent: RecordedEmail, kind: str = "thank_you", *, status: str = "saved", created: datetime | None = None) -> StoredDraft:
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
        created_at=created or parent.recorded_at,
        asks_feedback=kind == "feedback_request",
    )


def digest_of(
    emails: Sequence[RecordedEmail],
    drafts: Sequence[StoredDraft] = (),
    fates: dict[int, Fate] | None = None,
    goals: GoalSettings | None = None,
) -> WeekDigest:
    fates = fates if fates is not None else {d.id: Fate(d.status) for d in drafts}
    return summarise(WEEK, emails, drafts, fates, goals or GoalSettings(), "Alex Morgan")


def titles(d: WeekDigest) -> list[str]:
    return [s.title for s in d.steps]


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


# --- the funnel -----------------------------------------------------------------------------


def test_funnel_compares_the_week_with_the_average_of_the_four_before() -> None:
    emails = [
        *(mail("application_ack") for _ in range(2)),
        mail("interview"),
        *(mail("rejection") for _ in range(3)),
        mail("rejection", uncertain=True),  # unsure: listed to check, never counted
        *(mail("application_ack", at(-7 * 1)) for _ in range(4)),
        *(mail("application_ack", at(-7 * 3)) for _ in range(4)),
        *(mail("rejection", at(-7 * 4)) for _ in range(2)),
        mail("offer", at(-7 * 5)),  # five weeks back: outside the comparison
        mail("offer", at(7)),  # next week
    ]
    d = digest_of(emails)
    rows = {r.name: r for r in d.funnel}
    assert [r.name for r in d.funnel] == ["Applications acknowledged", "Interviews", "Assessments", "Offers", "Rejections"]
    assert (rows["Applications acknowledged"].now, rows["Applications acknowledged"].average) == (2, 2.0)
    assert (rows["Rejections"].now, rows["Rejections"].average) == (3, 0.5)
    assert (rows["Offers"].now, rows["Offers"].average) == (0, 0.0)
    # Bars are percent of the widest bar (3 rejections this week).
    assert rows["Rejections"].bar_now == 100
    assert rows["Applications acknowledged"].bar_now == rows["Applications acknowledged"].bar_average == 67
    assert rows["Rejections"].bar_average == 17
    assert rows["Assessments"].bar_now == 0
    assert d.has_history
    assert d.counts == {"application_ack": 2, "interview": 1, "rejection": 3}
    assert len(d.rejections) == 3
    assert [u.note for u in d.unsure] == ["a rejection"]


def test_a_first_week_has_no_history_and_no_division_by_zero() -> None:
    d = digest_of([])
    assert not d.has_history
    assert all(r.now == 0 and r.bar_now == 0 for r in d.funnel)


# --- next steps -----------------------------------------------------------------------------


def test_application_stage_rejections_call_for_new_materials() -> None:
    one = digest_of([mail("application_ack"), mail("rejection", company="Acme")])
    assert title("materials") not in titles(one)
    two = digest_of([mail("application_ack"), mail("rejection", company="Acme"), mail("rejection", company="Birch")])
    step = next(s for s in two.steps if s.title == title("materials"))
    assert step.names == ("Acme", "Birch")


def test_rejections_after_interviews_call_for_practice_and_feedback() -> None:
    d = digest_of([mail("application_ack"), mail("rejection", stage="interview", company="Acme")])
    step = next(s for s in d.steps if s.title == title("interviews"))
    assert "feedback" in step.detail
    assert step.names == ("Acme",)
    assert d.rejections[0].stage == "interview"


def test_a_week_without_acknowledged_applications_asks_for_some() -> None:
    d = digest_of([mail("interview")], goals=GoalSettings(applications_per_week=5))
    step = next(s for s in d.steps if s.title == title("apply"))
    assert "5 applications" in step.detail
    assert title("apply") not in titles(digest_of([mail("application_ack")]))


def test_a_hard_week_starts_with_rest() -> None:
    hard = digest_of([mail("application_ack"), *(mail("rejection") for _ in range(3))])
    assert titles(hard)[0] == title("rest")
    final = digest_of([mail("application_ack"), mail("rejection", stage="final")])
    assert titles(final)[0] == title("rest")
    gentle = digest_of([mail("application_ack"), mail("rejection")])
    assert title("rest") not in titles(gentle)


def test_a_quiet_week_still_gets_one_step() -> None:
    assert titles(digest_of([mail("application_ack")])) == [title("rhythm")]


def test_steps_are_capped() -> None:
    emails = [mail("offer"), mail("interview"), *(mail("rejection", stage=s) for s in ("application", "application", "interview", "final"))]
    d = digest_of(emails, goals=GoalSettings(networking_contacts_per_week=2, learning_hours_per_week=3))
    assert len(d.steps) == MAX_STEPS
    assert titles(d)[:2] == [title("rest"), title("offer")]


def test_an_unanswered_feedback_request_is_nudged_in_the_week_it_turns_a_week_old() -> None:
    def nudged(sent_on: datetime, answered: bool = False) -> bool:
        parent = mail("rejection", sent_on, stage="interview", company="Acme")
        request = draft(parent, "feedback_request", status="sent")
        emails = [parent, mail("application_ack")]
        if answered:
            emails.append(mail("other_job", in_reply_to=request.message_id))
        return title("nudge") in titles(digest_of(emails, [request]))

    assert not nudged(at(2))  # sent this week: too early
    assert nudged(at(-5))  # sent last Wednesday
    assert not nudged(at(-12))  # nudged in last week's digest already
    assert not nudged(at(-5), answered=True)


# --- replies --------------------------------------------------------------------------------


def test_a_reply_to_a_sent_note_comes_first_and_is_not_counted_as_new_mail() -> None:
    parent = mail("rejection", at(-3), stage="interview", company="Acme", sender="rachel@acme.example")
    request = draft(parent, "feedback_request", status="sent")
    answer = mail("rejection", at(2), company="", sender="rachel@acme.example", in_reply_to="<sent-by-client@me.example>")
    d = digest_of([parent, answer, mail("application_ack")], [request], {request.id: Fate("sent", "<sent-by-client@me.example>")})
    assert [(r.company, r.note) for r in d.replies] == [("Acme", "Replied to your feedback request")]
    assert d.rejections == ()
    assert d.counts.get("rejection", 0) == 0
    assert titles(d)[0] == title("replies")
    _text, html = render(template_env([templates_dir()]), d)
    assert html.index("Replies to you") < html.index("Your next steps") < html.index("Rejections this week")


def test_a_later_re_from_the_person_written_to_is_a_reply_only_once_something_was_sent() -> None:
    parent = mail("rejection", at(0), sender="sam@birch.example", company="Birch")
    note = draft(parent, status="sent")
    answer = mail("not_job", at(3), sender="sam@birch.example", subject="RE: Thank you")
    unrelated = mail("application_ack", at(3), sender="sam@birch.example", subject="Your application")
    assert [r.company for r in digest_of([parent, answer, unrelated], [note]).replies] == ["Birch"]
    unsent = draft(parent, status="saved")
    assert digest_of([parent, answer, unrelated], [unsent]).replies == ()


# --- goals ----------------------------------------------------------------------------------


def test_goals_show_progress_where_rebound_can_see_it() -> None:
    parent = mail("rejection")
    sent, kept = draft(parent, status="sent"), draft(parent, "feedback_request", status="saved")
    goals = GoalSettings(applications_per_week=4, networking_contacts_per_week=2, learning_hours_per_week=2.5)
    d = digest_of([parent, mail("application_ack"), mail("application_ack"), mail("application_ack")], [sent, kept], goals=goals)
    progress = {g.name: (g.done, g.target, g.percent) for g in d.goals}
    assert progress == {"Applications": ("3", "4", 75), "Networking contacts": ("1", "2", 50), "Learning": ("", "2.5 h", None)}
    assert digest_of([]).goals == ()


# --- rendering ------------------------------------------------------------------------------


def hostile_digest() -> WeekDigest:
    parent = mail("rejection", company=HOSTILE, role='Analyst "<b>bold</b>"', subject=HOSTILE, sender="x@evil.example")
    unsure = mail("interview", uncertain=True, subject=f"Re: {HOSTILE}", company="A&B <i>Co</i>")
    return digest_of([parent, unsure], [draft(parent)])


def test_strangers_text_is_escaped_in_html_and_kept_in_text() -> None:
    text, html = render(template_env([templates_dir()]), hostile_digest())
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b>bold" not in html and "<i>Co" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "A&amp;B &lt;i&gt;Co&lt;/i&gt;" in html
    assert HOSTILE in text  # plain text is never interpreted
    assert "<html" not in text


def test_the_html_is_made_for_email_clients() -> None:
    source = (templates_dir() / "digest.html.j2").read_text()
    _text, html = render(template_env([templates_dir()]), hostile_digest())
    for forbidden in ("<script", "<style", "<link", "<img", "src=", "url(", "http://", "https://"):
        assert forbidden not in source.lower(), forbidden
    tags = re.findall(r"<[a-z][^>]*>", html.lower())
    assert not [t for t in tags if re.match(r"<(script|style|link|img|iframe|object)\b", t) or re.search(r"\s(src|href|on\w+)=", t)]
    assert 'name="viewport"' in html
    assert "max-width:600px" in html


def test_a_user_template_folder_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("Only {{ d.rejections | length }} today\n")
    text, html = render(template_env([tmp_path, templates_dir()]), hostile_digest())
    assert text == "Only 1 today\n"
    assert "Rejections this week (1)" in html


def test_compose_builds_one_multipart_alternative_message() -> None:
    d = hostile_digest()
    text, html = render(template_env([templates_dir()]), d)
    msg = compose(d, text, html, sender="alex@example.org", to="alex+digest@example.org", now=at(6, 18))
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert parts[1].get_content().count("&lt;script&gt;") >= 1  # type: ignore[attr-defined]
    assert parsed["To"] == "alex+digest@example.org"
    assert parsed["Subject"] == subject_line(d) and "<" not in parsed["Subject"]
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


def test_the_ledger_finds_each_drafts_fate(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
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


def settings_for(tmp_path: Path, **digest: object) -> Settings:
    return Settings.model_validate(
        {
            "imap": {"host": "imap.example.org", "username": "me", "password": "pw"},
            "profile": {"name": "Alex Morgan", "email": "alex@example.org"},
            "database": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
            "digest": {"timezone": "Europe/Berlin", **digest},
        }
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the digest lock lives here
    return tmp_path


def test_without_smtp_the_digest_is_put_in_inbox_once_a_week(home: Path) -> None:
    settings = settings_for(home, to="alex+digest@example.org")
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
    assert [f for _, f in d.rejections[0].drafts] == ["still in Drafts", "still in Drafts"]  # pending: not saved yet
    assert not store.digest_sent(settings.account, d.week.label)


def test_a_mailbox_without_drafts_still_gets_its_digest(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(home)
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


def test_send_due_waits_for_the_hour_and_skips_an_empty_history(home: Path) -> None:
    settings = settings_for(home, day="sunday", time="18:00")
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
        with caplog.at_level(logging.INFO, logger="agent.delivery"):
            scheduler = weekly_scheduler(service)
        (weekly,) = [j for j in scheduler.jobs if j.start_day]
        assert (weekly.start_day, weekly.at_time) == ("monday", clock_time(9, 0))
        assert "weekly digest: monday 09:00, Asia/Tokyo" in caplog.text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_an_unknown_tz_is_said_not_swallowed(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("TZ", "Mars/Olympus")
    with caplog.at_level(logging.WARNING, logger="agent.delivery"):
        assert digest_zone(None) is UTC
    assert "TZ=Mars/Olympus is not a time zone" in caplog.text


def test_the_daemon_runs_the_due_digest_once_and_survives_a_failing_one(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(home, day="sunday", time="18:00")
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
