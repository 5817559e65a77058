"""The whole pipeline over a Maildir: the demo mail, the real trained classifier, a real SQLite file."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import mailbox
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agent.classifier import Classifier
from agent.classifier.senders import is_automated
from agent.config import DraftSettings
from agent.demo import DEMO_PROFILE, build_maildir
from agent.domain import Classification, IncomingEmail
from agent.drafts import DraftWriter
from agent.maildir import UIDLIST, MaildirSource, received_dates
from agent.parse import parse_email
from agent.pipeline import PassOptions, PassSummary, Processor, describe
from agent.resources import demo_mail_dir
from agent.store import Store

ACCOUNT = "demo"
DEMO_FILES = sorted(demo_mail_dir().glob("*.eml"))
EXPECTED = json.loads((demo_mail_dir() / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


class Demo:
    """The demo's wiring (agent/demo.py) around a Maildir in tmp_path."""

    def __init__(self, root: Path, classifier: object, style: str = "one", database_url: str = "") -> None:
        self.style = style
        self.maildir = build_maildir(root / "Maildir")
        self.source = MaildirSource(self.maildir)
        self.store = Store(database_url or f"sqlite:///{root / 'rebound.db'}")
        dates = [d for d in received_dates(self.source, "INBOX").values() if d is not None]
        self.now = max(dates) + timedelta(hours=12)
        self.classifier = classifier

    def processor(self, classifier: object | None = None) -> Processor:
        return Processor(
            self.source,
            self.store,
            classifier or self.classifier,  # type: ignore[arg-type]
            DraftWriter(DEMO_PROFILE, DraftSettings(draft_max_age_days=30, style=self.style)),  # type: ignore[arg-type]
            PassOptions(account=ACCOUNT, folders=("INBOX",), since_days=3650),
            clock=lambda: self.now,
        )

    def run(self, classifier: object | None = None) -> PassSummary:
        return self.processor(classifier).run_once()

    @property
    def drafts_box(self) -> mailbox.Maildir:
        return mailbox.Maildir(self.maildir / ".Drafts", factory=None, create=False)

    def draft_messages(self) -> list[tuple[str, email.message.EmailMessage]]:
        box = self.drafts_box
        out = []
        for key in box.iterkeys():
            flags = box.get_message(key).get_flags()
            out.append((flags, email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)))
        return out  # type: ignore[return-value]


def snapshot(maildir: Path) -> dict[str, bytes]:
    """Every message file of the INBOX, by path (the name carries the flags) and content."""
    return {str(p.relative_to(maildir)): p.read_bytes() for sub in ("cur", "new") for p in sorted((maildir / sub).iterdir())}


@pytest.fixture
def demo(tmp_path: Path, classifier: Classifier, database_url: str) -> Demo:
    """The demo on a database of its own: SQLite, then PostgreSQL."""
    return Demo(tmp_path, classifier, database_url=database_url)


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory, classifier: Classifier) -> tuple[Demo, PassSummary]:
    """One pass over the demo mail, shared by the tests that only look at its outcome."""
    shared = Demo(tmp_path_factory.mktemp("demo-once"), classifier)
    return shared, shared.run()


def demo_mail() -> list[IncomingEmail]:
    return [parse_email(p.read_bytes()) for p in DEMO_FILES]


# --- one pass over the demo mail ------------------------------------------------------------


def test_demo_mail_goes_through(done: tuple[Demo, PassSummary]) -> None:
    demo, summary = done
    expected_ids = {m.message_id for m in demo_mail()}
    assert summary.seen == len(DEMO_FILES) == len(expected_ids)
    assert summary.recorded == len(DEMO_FILES)
    assert (summary.failed, summary.duplicates) == (0, 0)
    recorded = demo.store.emails(ACCOUNT)
    assert {r.message_id for r in recorded} == expected_ids
    assert all(r.status == "processed" for r in recorded)
    assert summary.rejections == sum(1 for _, result, _, _ in summary.events if result.is_rejection)
    assert summary.rejections >= 1
    # The cursor ends past the last message.
    cursor = demo.store.cursor(ACCOUNT, "INBOX")
    assert cursor is not None and cursor.last_uid == len(DEMO_FILES)


def test_drafts_land_in_drafts_folder_flagged_draft(done: tuple[Demo, PassSummary]) -> None:
    demo, summary = done
    drafts = demo.draft_messages()
    assert summary.drafts_saved == len(drafts) >= 1
    assert demo.store.pending_drafts(ACCOUNT) == []
    saved = demo.store.drafts(ACCOUNT, statuses=("saved",))
    assert len(saved) == len(drafts)
    assert all(d.folder == "Drafts" and d.uid is not None for d in saved)
    assert {d.message_id for d in saved} == {msg["Message-ID"].strip() for _, msg in drafts}
    # They are real files in .Drafts/cur, flagged Draft (and Seen, so they don't show as unread).
    files = list((demo.maildir / ".Drafts" / "cur").iterdir())
    assert len(files) == len(drafts)
    for flags, _ in drafts:
        assert "D" in flags and "S" in flags


def test_drafts_answer_human_rejections_only(done: tuple[Demo, PassSummary]) -> None:
    demo, _ = done
    by_id = {m.message_id: m for m in demo_mail()}
    recorded = {r.message_id: r for r in demo.store.emails(ACCOUNT)}
    drafts = demo.draft_messages()
    parents = set()
    for _, msg in drafts:
        parent = msg["In-Reply-To"]
        parents.add(parent)
        assert recorded[parent].label == "rejection" and not recorded[parent].uncertain
        original = by_id[parent]
        assert not is_automated(original.reply_to or original.from_addr), original.from_addr
        assert msg["References"].split()[-1] == parent
        assert msg["X-Rebound-Draft"] == "reply"
        assert msg["From"].addresses[0].addr_spec == DEMO_PROFILE.email
        assert msg["To"].addresses[0].addr_spec == (original.reply_to or original.from_addr)
        assert msg.get_all("Bcc") is None
    # Every recorded rejection without a draft says why.
    for r in recorded.values():
        if r.label == "rejection" and r.message_id not in parents:
            assert r.skip_reason, r.message_id
    # No-reply senders among the demo rejections never get a draft.
    automated_rejections = {
        m.message_id for m in by_id.values() if recorded[m.message_id].label == "rejection" and is_automated(m.reply_to or m.from_addr)
    }
    assert automated_rejections, "the demo mail has automated rejections to check against"
    assert not automated_rejections & parents


def test_human_rejections_from_the_sample_get_one_reply_each(done: tuple[Demo, PassSummary]) -> None:
    demo, _ = done
    names = {parse_email(p.read_bytes()).message_id: p.name for p in DEMO_FILES}
    replies = [names[msg["In-Reply-To"]] for _, msg in demo.draft_messages()]
    assert len(replies) == len(set(replies)), "one draft per rejection"
    thanked = set(replies)
    human_rejections = {name for name, info in EXPECTED.items() if info["label"] == "rejection" and info["human_sender"]}
    # The demo is there to show this: most human rejections are recognised and answered.
    assert len(thanked & human_rejections) >= len(human_rejections) // 2 + 1, (thanked, human_rejections)


def test_demo_mail_files_are_untouched(demo: Demo) -> None:
    # Give some messages flags first, as a mail client would have: they must survive the pass.
    box = mailbox.Maildir(demo.maildir, factory=None, create=False)
    keys = sorted(box.iterkeys())
    for key, flags in ((keys[0], "S"), (keys[3], "FS"), (keys[5], "RS")):
        msg = box.get_message(key)
        msg.set_subdir("cur")
        msg.set_flags(flags)
        box[key] = msg
    before = snapshot(demo.maildir)
    flags_before = {key: (box.get_message(key).get_subdir(), box.get_message(key).get_flags()) for key in box.iterkeys()}
    assert sum(1 for p in before if p.startswith("cur/")) == 3
    demo.run()
    demo.run()
    assert snapshot(demo.maildir) == before
    box = mailbox.Maildir(demo.maildir, factory=None, create=False)
    assert {key: (box.get_message(key).get_subdir(), box.get_message(key).get_flags()) for key in box.iterkeys()} == flags_before
    # Besides the Drafts folder, Rebound only adds its UID list.
    extras = {p.name for p in demo.maildir.iterdir()} - {"cur", "new", "tmp"}
    assert extras == {UIDLIST, ".Drafts"}


def test_second_pass_adds_nothing(demo: Demo) -> None:
    first = demo.run()
    drafts_before = sorted(p.name for p in (demo.maildir / ".Drafts" / "cur").iterdir())
    emails_before = demo.store.emails(ACCOUNT)
    second = demo.run()
    assert (second.seen, second.recorded, second.drafts_saved, second.failed) == (0, 0, 0, 0)
    # A restart (a fresh Processor and Store on the same files) adds nothing either.
    demo.store = Store(demo.store.url)
    third = demo.run()
    assert (third.seen, third.recorded, third.drafts_saved) == (0, 0, 0)
    assert sorted(p.name for p in (demo.maildir / ".Drafts" / "cur").iterdir()) == drafts_before
    assert demo.store.emails(ACCOUNT) == emails_before
    assert len(demo.store.drafts(ACCOUNT)) == first.drafts_saved


def test_a_server_without_uidplus_gives_no_draft_uid_and_nothing_is_doubled(demo: Demo) -> None:
    # Without UIDPLUS an APPEND answers a plain OK: Rebound learns no UID for its draft. (Dovecot
    # sends APPENDUID even when it does not advertise UIDPLUS, so this is shown on the Maildir.)
    real_append = demo.source.append_draft

    def append_without_uid(folder: str, raw: bytes) -> int | None:
        real_append(folder, raw)
        return None

    demo.source.append_draft = append_without_uid  # type: ignore[method-assign]
    first = demo.run()
    assert first.drafts_saved > 0
    assert {d.uid for d in demo.store.drafts(ACCOUNT)} == {None}
    second = demo.run()
    assert (second.seen, second.drafts_saved) == (0, 0)
    drafts = demo.store.drafts(ACCOUNT)
    assert {d.status for d in drafts} == {"saved"}
    assert None not in {d.uid for d in drafts}  # found again by Message-ID and remembered by UID
    assert len(list((demo.maildir / ".Drafts" / "cur").iterdir())) == first.drafts_saved


def test_after_a_pass_only_new_mail_is_read(demo: Demo) -> None:
    demo.run()
    # A new message is read and recorded...
    raw = DEMO_FILES[0].read_bytes().replace(b"Message-ID: <demo-01.", b"Message-ID: <again-01.")
    demo.source.append_message("INBOX", raw)
    summary = demo.run()
    assert (summary.seen, summary.recorded, summary.duplicates) == (1, 1, 0)
    assert summary.events[0][0].message_id.startswith("<again-01.")
    # ...a second delivery of a message already handled is read, but handled once.
    demo.source.append_message("INBOX", DEMO_FILES[5].read_bytes())
    summary = demo.run()
    assert (summary.seen, summary.duplicates, summary.recorded, summary.drafts_saved) == (1, 1, 0, 0)
    assert demo.store.count_emails(ACCOUNT) == len(DEMO_FILES) + 1
    cursor = demo.store.cursor(ACCOUNT, "INBOX")
    assert cursor is not None and cursor.last_uid == len(DEMO_FILES) + 2


def test_crash_before_append_is_reconciled(demo: Demo) -> None:
    """Drafts recorded but never APPENDed (a crash in between) are saved by the next pass, once."""

    class CrashingAppend(MaildirSource):
        def append_draft(self, folder: str, raw: bytes) -> int | None:
            raise KeyboardInterrupt  # the process dies here

    real_source = demo.source
    demo.source = CrashingAppend(demo.maildir)
    with pytest.raises(KeyboardInterrupt):
        demo.run()
    pending = demo.store.pending_drafts(ACCOUNT)
    assert len(pending) >= 1
    demo.source = real_source
    summary = demo.run()
    assert demo.store.pending_drafts(ACCOUNT) == []
    ids = [msg["Message-ID"].strip() for _, msg in demo.draft_messages()]
    assert len(ids) == len(set(ids))
    assert {d.message_id for d in pending} <= set(ids)
    assert summary.drafts_saved >= len(pending)


# --- one message breaks the classifier --------------------------------------------------------


class BreaksOn:
    """The real classifier, except that it raises for one Message-ID."""

    def __init__(self, real: Classifier, bad_id: str) -> None:
        self.real = real
        self.bad_id = bad_id
        self.calls = 0

    def classify(self, mail: IncomingEmail) -> Classification:
        if mail.message_id == self.bad_id:
            raise RuntimeError(f"model blew up on {mail.message_id}")
        return self.real.classify(mail)

    def classify_many(self, mails: Iterable[IncomingEmail]) -> Iterator[Classification]:
        self.calls += 1
        for mail in mails:
            yield self.classify(mail)


def test_failing_classifier_on_one_message(demo: Demo, classifier: Classifier) -> None:
    bad = parse_email(DEMO_FILES[5].read_bytes())
    breaking = BreaksOn(classifier, bad.message_id)
    summary = demo.run(breaking)
    assert breaking.calls == 1
    assert summary.failed == 1
    assert summary.recorded == len(DEMO_FILES) - 1
    [failed] = demo.store.emails(ACCOUNT, status="failed")
    assert failed.message_id == bad.message_id
    assert "RuntimeError" in failed.error and "blew up" in failed.error
    processed = {r.message_id for r in demo.store.emails(ACCOUNT, status="processed")}
    assert processed == {m.message_id for m in demo_mail()} - {bad.message_id}
    uidvalidity = demo.source.folder_state("INBOX").uidvalidity
    assert demo.store.failed_uids(ACCOUNT, "INBOX", uidvalidity) == [failed.uid]
    assert not any(msg["In-Reply-To"] == bad.message_id for _, msg in demo.draft_messages())

    # The next pass retries it; with a working classifier it goes through, and nothing else is redone.
    again = demo.run(classifier)
    assert (again.seen, again.recorded, again.failed) == (1, 1, 0)
    assert demo.store.emails(ACCOUNT, status="failed") == []
    assert demo.store.failed_uids(ACCOUNT, "INBOX", uidvalidity) == []


def test_message_that_keeps_failing_is_given_up(demo: Demo, classifier: Classifier) -> None:
    from agent.store import MAX_ATTEMPTS

    bad = parse_email(DEMO_FILES[2].read_bytes())
    breaking = BreaksOn(classifier, bad.message_id)
    for _ in range(MAX_ATTEMPTS):
        demo.run(breaking)
    assert demo.store.emails(ACCOUNT, status="failed")[0].message_id == bad.message_id
    final = demo.run(breaking)
    assert (final.seen, final.failed) == (0, 0)


def test_clock_is_the_only_notion_of_now(demo: Demo) -> None:
    """Mail older than draft_max_age_days (by the injected clock) gets no drafts."""
    demo.now = demo.now + timedelta(days=365)
    summary = demo.run()
    assert summary.drafts_saved == 0
    rejections = [r for r in demo.store.emails(ACCOUNT) if r.label == "rejection" and not r.uncertain]
    assert rejections
    human = [r for r in rejections if "automated" not in r.skip_reason]
    assert human and all("older than 30 days" in r.skip_reason for r in human)


def test_saved_drafts_are_checked_by_their_own_uids(demo: Demo) -> None:
    """A pass looks up our drafts by UID; the whole Drafts folder is read only when one seems gone."""
    scans: list[str] = []

    class CountingSource(MaildirSource):
        def uids_after(self, folder: str, uid: int) -> list[int]:
            scans.append(folder)
            return super().uids_after(folder, uid)

    demo.source = CountingSource(demo.maildir)
    first = demo.run()
    assert first.drafts_saved >= 2
    drafts = demo.store.drafts(ACCOUNT, statuses=("saved",))
    assert all(d.uid for d in drafts)
    scans.clear()
    demo.processor().check_saved("Drafts")
    assert scans == []
    assert len(demo.store.drafts(ACCOUNT, statuses=("saved",))) == len(drafts)

    # The user deletes one draft: it is looked for everywhere once, then marked discarded.
    box = demo.drafts_box
    victim = next(k for k in box.iterkeys() if box.get_message(k)["Message-ID"].strip() == drafts[0].message_id)
    box.remove(victim)
    demo.processor().check_saved("Drafts")
    assert scans == ["Drafts"]
    assert [d.message_id for d in demo.store.drafts(ACCOUNT, statuses=("discarded",))] == [drafts[0].message_id]
    assert len(demo.store.drafts(ACCOUNT, statuses=("saved",))) == len(drafts) - 1
    scans.clear()
    demo.processor().check_saved("Drafts")
    assert scans == []


def test_a_sent_sibling_does_not_make_a_deleted_draft_sent(tmp_path: Path, classifier: Classifier) -> None:
    """Thank-you sent under a new Message-ID, then the feedback request deleted: one sent, one discarded."""
    demo = Demo(tmp_path, classifier, style="separate")
    demo.run()
    drafts = demo.store.drafts(ACCOUNT, statuses=("saved",))
    parent = next(p for p in {d.parent_message_id for d in drafts} if sum(d.parent_message_id == p for d in drafts) == 2)
    thanks, feedback = sorted((d for d in drafts if d.parent_message_id == parent), key=lambda d: d.kind != "thank_you")
    assert (thanks.kind, feedback.kind) == ("thank_you", "feedback_request")
    box = demo.drafts_box

    def take_out(message_id: str) -> bytes:
        key = next(k for k in box.iterkeys() if box.get_message(k)["Message-ID"].strip() == message_id)
        raw = box.get_bytes(key)
        box.remove(key)
        return raw

    # The client sends the thank-you under a Message-ID of its own.
    sent = email.message_from_bytes(take_out(thanks.message_id), policy=email.policy.default)
    sent.replace_header("Message-ID", "<client-sent-1@example.org>")
    demo.source.append_message("Sent", sent.as_bytes())
    demo.processor().check_saved("Drafts")
    status = {d.id: d.status for d in demo.store.drafts(ACCOUNT)}
    assert (status[thanks.id], status[feedback.id]) == ("sent", "saved")

    take_out(feedback.message_id)
    demo.processor().check_saved("Drafts")
    status = {d.id: d.status for d in demo.store.drafts(ACCOUNT)}
    assert (status[thanks.id], status[feedback.id]) == ("sent", "discarded")


# --- what -v says, and the progress hook --------------------------------------------------------


def test_verbose_log_names_each_email_by_sender_and_subject(demo: Demo, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="agent.pipeline"):
        demo.run()
    lines = [r.getMessage() for r in caplog.records if r.name == "agent.pipeline" and " uid " in r.getMessage()]
    assert len(lines) == len(DEMO_FILES)
    assert any("from Zoë Achterberg <zoe.achterberg@brightwellhealth.com>" in line and "“Following up on our call" in line and ": rejection (" in line
               for line in lines), lines  # fmt: skip
    assert all(line.startswith("INBOX uid ") for line in lines)


def test_a_subject_cannot_forge_a_log_line() -> None:
    mail = IncomingEmail("INBOX", 7, "<x@y>", "Offer\r\n2026-01-01 INFO agent: fake line\x1b[31m" + "x" * 200, "Eve\nMallory", "eve@example.org", "", "", None, "")
    said = describe(mail)
    assert "\n" not in said and "\r" not in said and "\x1b" not in said
    assert said.startswith("INBOX uid 7 from ") and said.endswith("…”") and len(said) < 160


def test_the_progress_hook_hears_every_batch(demo: Demo) -> None:
    heard: list[tuple[str, int, int]] = []
    processor = demo.processor()
    processor.progress = lambda folder, done, total: heard.append((folder, done, total))
    processor.run_once()
    total = len(DEMO_FILES)
    assert heard[0] == ("INBOX", 0, total) and heard[-1] == ("INBOX", total, total)
    assert [done for _, done, _ in heard] == sorted(done for _, done, _ in heard)
