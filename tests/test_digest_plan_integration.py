"""The issue's "done when", against a real Dovecot: a mailbox read by `rebound once`, used as a person uses it, then `rebound digest --preview`.

This week: an interview invitation that names its day, an assessment, and two rejections whose
replies the user sends; both employers answer in the thread, each pointing to the same skill.
Before: an application acknowledged 16 days ago with no answer, and a rejection 20 days ago.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import ANY_USER_PASSWORD
from dovecot import DovecotServer, ImapAccount
from helpers import Rebound, append_at, delete_message, demo, drafts, make_rebound, set_header, with_date

pytestmark = pytest.mark.integration

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FEEDBACK = {
    "Fenwick": "Thanks for asking. The panel liked your reporting work. Where we wanted more was Kubernetes: "
    "you hadn't run services on Kubernetes in production, and the role needs that from day one.",
    "Brightwell": "Happy to share. Unfortunately the deciding factor was experience with Kubernetes; "
    "the candidate we chose had run our kind of cluster for two years. Your communication was excellent.",
}


@dataclass
class Mailbox:
    rebound: Rebound
    german: Rebound
    account: ImapAccount
    interview_day: datetime
    answers: list[str]


def _invitation(now: datetime, day: datetime) -> bytes:
    raw = with_date(demo("04").raw, now)
    raw = set_header(raw, "Message-ID", f"<invite-{uuid.uuid4().hex[:8]}@quillfeather.io>")
    when = f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    old = b"We have openings on Thursday 19 November or Friday 20 November, starting\nat either 9:30 or 13:00 Pacific."
    assert old in raw
    return raw.replace(old, f"Your final round is booked for {when}, starting at\n9:30 Pacific.".encode())


def _answer(rejection: bytes, sent_id: str, parent_id: str, text: str, now: datetime) -> bytes:
    raw = set_header(rejection, "Message-ID", f"<answer-{uuid.uuid4().hex[:8]}@employer.example>")
    raw = set_header(raw, "In-Reply-To", sent_id)
    raw = set_header(raw, "References", f"{parent_id} {sent_id}")
    raw = set_header(raw, "Subject", "Re: feedback")
    raw = set_header(raw, "Date", format_datetime(now))
    head, _, _body = raw.partition(b"\n\n")
    quoted = "> Would you be able to share what I could do better?\n"
    body = f"Hi Alex,\n\n{text}\n\nBest wishes\n\nOn {format_datetime(now)}, Alex Morgan <alex.morgan@example.com> wrote:\n{quoted}"
    return head + b"\n\n" + body.encode()


def _build(root: Path, account: ImapAccount) -> Mailbox:
    extra = '\n[digest]\ntimezone = "UTC"\n'
    rebound = make_rebound(root, account, extra=extra)
    german_config = root / "config-de.toml"
    german_config.write_text(rebound.config.read_text().replace('timezone = "UTC"', 'timezone = "UTC"\nlanguage = "de"'))
    german_config.chmod(0o600)
    german = Rebound(root, german_config, rebound.db, rebound.password)

    now = datetime.now(UTC)
    # "This week" is the week holding now; a minute back stays in it except in the first minute of a Monday.
    just_now = max(now - timedelta(minutes=1), datetime.combine((now - timedelta(days=now.weekday())).date(), datetime.min.time(), UTC))
    interview_day = now + timedelta(days=3)
    append_at(account, "INBOX", _invitation(just_now, interview_day), just_now)
    append_at(account, "INBOX", with_date(demo("08").raw, just_now), just_now)
    acknowledged = now - timedelta(days=16)
    append_at(account, "INBOX", with_date(demo("01").raw, acknowledged), acknowledged)
    old_no = now - timedelta(days=20)
    append_at(account, "INBOX", with_date(demo("03").raw, old_no), old_no)
    rejections = {"Fenwick": with_date(demo("12").raw, just_now), "Brightwell": with_date(demo("06").raw, just_now)}
    for raw in rejections.values():
        append_at(account, "INBOX", raw, just_now)
    rebound.once(timeout=180)

    # The user sends both replies from their mail client: a copy in Sent under the client's own
    # Message-ID, the draft gone from Drafts. Then each employer answers in that thread.
    answers = []
    by_parent = {d.in_reply_to: d for d in drafts(account)}
    for name, raw in rejections.items():
        parent = demo("12" if name == "Fenwick" else "06").message_id
        reply = by_parent[parent]
        sent_id = f"<client-{uuid.uuid4().hex[:8]}@example.com>"
        account.append("Sent", set_header(reply.raw, "Message-ID", sent_id), r"\Seen")
        delete_message(account, "Drafts", reply.message_id)
        answer = _answer(raw, sent_id, parent, FEEDBACK[name], just_now)
        append_at(account, "INBOX", answer, just_now)
        answers.append(answer.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].decode().strip())
    rebound.once(timeout=180)
    return Mailbox(rebound, german, account, interview_day, answers)


@pytest.fixture(scope="module")
def mailbox(dovecot: DovecotServer) -> Iterator[Mailbox]:
    root = Path(tempfile.mkdtemp(prefix="rebound-plan-"))
    account = ImapAccount(server=dovecot, user=f"plan-{uuid.uuid4().hex[:8]}", password=ANY_USER_PASSWORD)
    try:
        yield _build(root, account)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _preview(rebound: Rebound, name: str) -> str:
    out = rebound.tmp_path / name
    result = rebound.run("digest", "--preview", str(out), timeout=120)
    assert result.returncode == 0, f"stdout: {result.stdout}\nstderr: {result.stderr}"
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8"))).split())


def test_answers_in_the_thread_are_feedback_and_get_no_draft(mailbox: Mailbox) -> None:
    rows = mailbox.rebound.query("SELECT message_id, label, answers_draft_id FROM emailrecord WHERE message_id IN (?, ?)", mailbox.answers)
    assert len(rows) == 2
    assert all(label != "rejection" and answers is not None for _mid, label, answers in rows), rows
    drafted_for = {parent for (parent,) in mailbox.rebound.query("SELECT parent_message_id FROM draftrecord")}
    assert not drafted_for & set(mailbox.answers)  # nothing drafted in answer to an answer
    themes = mailbox.rebound.query("SELECT theme, detail FROM feedbacktheme")
    assert [t for t in themes if t[0] == "skill"] == [("skill", "Kubernetes"), ("skill", "Kubernetes")], themes
    statuses = mailbox.rebound.query("SELECT status, sent_message_id FROM draftrecord")
    assert [s for s, _ in statuses] == ["sent", "sent"] and all(sid.startswith("<client-") for _, sid in statuses)


def test_the_digest_names_this_weeks_interview_assessment_follow_up_and_feedback(mailbox: Mailbox) -> None:
    text = _preview(mailbox.rebound, "plan.html")
    day = mailbox.interview_day
    assert f"Prepare for your interview with Quillfeather on {DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}" in text
    assert "assessment from Corvid Security" in text
    assert "Harbor & Vine" in text and "16 days ago" in text and "Follow up on an application with no answer" in text
    assert "Two employers this month pointed to Kubernetes" in text
    assert text.index("pointed to Kubernetes") < text.index("Prepare for your interview")  # recurring feedback leads
    assert "Halvorsen" not in text  # the rejection of 20 days ago is named nowhere
    assert "older emails this week" in text  # ...but a first digest says what it covers


def test_the_german_digest_says_the_same_in_german(mailbox: Mailbox) -> None:
    text = _preview(mailbox.german, "plan-de.html")
    day = mailbox.interview_day
    german_months = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember")
    german_days = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
    assert f"Gespräch mit Quillfeather am {german_days[day.weekday()]}, {day.day}. {german_months[day.month - 1]} vor" in text
    assert "Test von Corvid Security" in text and "Harbor & Vine" in text and "vor 16 Tagen" in text
    assert "Zwei Arbeitgeber haben dich in den letzten Wochen auf Kubernetes hingewiesen" in text
    assert "Halvorsen" not in text and "ältere E-Mails" in text
