"""agent/store.py on a real SQLite file and a real PostgreSQL database: atomic records, duplicates, failures, draft states."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from agent.domain import Classification, DraftKind, DraftPlan, Extraction, IncomingEmail, Label, Stage
from agent.errors import StoreError
from agent.parse import parse_email
from agent.store import EXCERPT_CHARS, MAX_ATTEMPTS, Cursor, Store

ACCOUNT = "me@imap.example.org"
FOLDER = "INBOX"
VALIDITY = 1234


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "rebound.db"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.engine.dispose()


def mail(uid: int, message_id: str | None = None, **overrides: object) -> IncomingEmail:
    fields: dict[str, object] = {
        "folder": FOLDER,
        "uid": uid,
        "message_id": message_id or f"<m{uid}@acme.example>",
        "subject": f"Message {uid}",
        "from_name": "Rachel Osei",
        "from_addr": "rachel@acme.example",
        "reply_to": "",
        "to": "me@example.org",
        "date": datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(minutes=uid % 100_000),
        "text": "We regret to tell you. " * 100,
    }
    fields.update(overrides)
    return IncomingEmail(**fields)  # type: ignore[arg-type]


def rejection() -> Classification:
    return Classification(
        Label.REJECTION, 0.9, extraction=Extraction(company="Acme", role="Analyst", stage=Stage.INTERVIEW, contact_name="Rachel")
    )


def not_job() -> Classification:
    return Classification(Label.NOT_JOB, 0.97)


def plan(parent: IncomingEmail, kind: DraftKind = DraftKind.THANK_YOU, message_id: str | None = None) -> DraftPlan:
    return DraftPlan(
        kind=kind,
        message_id=message_id or f"<draft-{kind.value}-{parent.uid}@example.org>",
        parent_message_id=parent.message_id,
        to=parent.from_addr,
        subject=f"Re: {parent.subject}",
        raw=b"Subject: Re: x\r\n\r\nThanks\r\n",
    )


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    """Read the database over a connection of its own, outside the store: what is really committed."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


# --- record ---------------------------------------------------------------------------------


def test_record_writes_message_rejection_drafts_and_cursor(store: Store) -> None:
    m = mail(5)
    stored = store.record(
        ACCOUNT, m, rejection(), [plan(m), plan(m, DraftKind.FEEDBACK_REQUEST)], uidvalidity=VALIDITY, drafts_folder="Drafts"
    )
    assert [d.kind for d in stored] == ["thank_you", "feedback_request"]
    assert all(d.status == "pending" and d.folder == "Drafts" and d.parent_message_id == m.message_id for d in stored)
    assert store.cursor(ACCOUNT, FOLDER) == Cursor(VALIDITY, 5)
    [recorded] = store.emails(ACCOUNT)
    assert (recorded.message_id, recorded.label, recorded.company, recorded.stage, recorded.status) == (
        m.message_id,
        "rejection",
        "Acme",
        "interview",
        "processed",
    )
    assert recorded.drafts == ("thank_you", "feedback_request")
    assert rows(store.url, "select company, contact from rejectionrecord") == [("Acme", m.from_addr)]
    assert rows(store.url, "select count(*) from draftrecord") == [(2,)]
    assert rows(store.url, "select last_uid, uidvalidity from foldercursor") == [(5, VALIDITY)]


def test_excerpt_kept_only_for_job_mail(store: Store) -> None:
    store.record(ACCOUNT, mail(1), rejection(), [], uidvalidity=VALIDITY)
    store.record(ACCOUNT, mail(2), not_job(), [], uidvalidity=VALIDITY)
    excerpts = dict(rows(store.url, "select uid, excerpt from emailrecord"))
    assert excerpts[1] == mail(1).text[:EXCERPT_CHARS] and len(str(excerpts[1])) == EXCERPT_CHARS
    assert excerpts[2] == ""
    assert rows(store.url, "select count(*) from rejectionrecord") == [(1,)]


def test_record_is_atomic_with_the_cursor(store: Store) -> None:
    first = mail(5)
    store.record(ACCOUNT, first, rejection(), [plan(first, message_id="<same@example.org>")], uidvalidity=VALIDITY)
    second = mail(6)
    # A draft whose Message-ID clashes (unique column) makes the write fail half-way through.
    with pytest.raises(StoreError):
        store.record(ACCOUNT, second, rejection(), [plan(second, message_id="<same@example.org>")], uidvalidity=VALIDITY)
    # Nothing of the second message was kept, and the cursor did not move past it.
    assert rows(store.url, "select message_id from emailrecord") == [(first.message_id,)]
    assert rows(store.url, "select count(*) from rejectionrecord") == [(1,)]
    assert rows(store.url, "select count(*) from draftrecord") == [(1,)]
    assert store.cursor(ACCOUNT, FOLDER).last_uid == 5  # type: ignore[union-attr]
    assert store.known_message_ids(ACCOUNT, [second.message_id]) == set()
    # The store is still usable: a corrected retry goes through.
    store.record(ACCOUNT, second, rejection(), [plan(second)], uidvalidity=VALIDITY)
    assert store.cursor(ACCOUNT, FOLDER).last_uid == 6  # type: ignore[union-attr]


def test_same_message_id_handled_once(store: Store) -> None:
    original = mail(3, "<twice@acme.example>")
    assert len(store.record(ACCOUNT, original, rejection(), [plan(original)], uidvalidity=VALIDITY)) == 1
    copy = mail(9, "<twice@acme.example>")  # delivered again, or copied to another folder
    assert store.record(ACCOUNT, copy, rejection(), [plan(copy)], uidvalidity=VALIDITY) == []
    assert rows(store.url, "select count(*) from emailrecord") == [(1,)]
    assert rows(store.url, "select count(*) from rejectionrecord") == [(1,)]
    assert rows(store.url, "select count(*) from draftrecord") == [(1,)]
    assert rows(store.url, "select uid, attempts from emailrecord") == [(3, 1)]
    # The duplicate still moves the cursor past it.
    assert store.cursor(ACCOUNT, FOLDER).last_uid == 9  # type: ignore[union-attr]
    assert store.known_message_ids(ACCOUNT, ["<twice@acme.example>", "<other@x>"]) == {"<twice@acme.example>"}


def test_accounts_are_separate(store: Store) -> None:
    store.record(ACCOUNT, mail(1), rejection(), [], uidvalidity=VALIDITY)
    assert store.known_message_ids("other@imap.example.org", [mail(1).message_id]) == set()
    assert store.count_emails("other@imap.example.org") == 0
    assert store.count_emails(ACCOUNT) == 1


# --- cursor ---------------------------------------------------------------------------------


def test_cursor_only_moves_forward_within_a_uidvalidity(store: Store) -> None:
    assert store.cursor(ACCOUNT, FOLDER) is None
    store.set_cursor(ACCOUNT, FOLDER, VALIDITY, 0)
    store.advance_cursor(ACCOUNT, FOLDER, VALIDITY, 10)
    store.advance_cursor(ACCOUNT, FOLDER, VALIDITY, 4)
    assert store.cursor(ACCOUNT, FOLDER).last_uid == 10  # type: ignore[union-attr]
    store.advance_cursor(ACCOUNT, FOLDER, VALIDITY + 1, 2)
    cursor = store.cursor(ACCOUNT, FOLDER)
    assert (cursor.uidvalidity, cursor.last_uid) == (VALIDITY + 1, 2)  # type: ignore[union-attr]
    store.set_cursor(ACCOUNT, FOLDER, VALIDITY + 1, 0)
    assert store.cursor(ACCOUNT, FOLDER).last_uid == 0  # type: ignore[union-attr]


# --- failures -------------------------------------------------------------------------------


def test_record_failure_counts_attempts_and_gives_up(store: Store) -> None:
    bad = mail(4)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert store.failed_uids(ACCOUNT, FOLDER, VALIDITY) == ([4] if attempt > 1 else [])
        assert store.known_message_ids(ACCOUNT, [bad.message_id]) == set()
        assert store.record_failure(ACCOUNT, bad, f"ValueError: try {attempt}", uidvalidity=VALIDITY) == attempt
    assert store.failed_uids(ACCOUNT, FOLDER, VALIDITY) == []
    # Given up on: not fetched again as new either.
    assert store.known_message_ids(ACCOUNT, [bad.message_id]) == {bad.message_id}
    [row] = store.emails(ACCOUNT, status="failed")
    assert row.error == f"ValueError: try {MAX_ATTEMPTS}"
    assert store.cursor(ACCOUNT, FOLDER).last_uid == 4  # type: ignore[union-attr]


def test_failed_uids_are_per_folder_and_uidvalidity(store: Store) -> None:
    store.record_failure(ACCOUNT, mail(4), "boom", uidvalidity=VALIDITY)
    store.record_failure(ACCOUNT, mail(8, folder="Jobs"), "boom", uidvalidity=VALIDITY)
    assert store.failed_uids(ACCOUNT, FOLDER, VALIDITY) == [4]
    assert store.failed_uids(ACCOUNT, "Jobs", VALIDITY) == [8]
    assert store.failed_uids(ACCOUNT, FOLDER, VALIDITY + 1) == []


def test_failure_then_success(store: Store) -> None:
    m = mail(4)
    store.record_failure(ACCOUNT, m, "ValueError: flaky", uidvalidity=VALIDITY)
    stored = store.record(ACCOUNT, m, rejection(), [plan(m)], uidvalidity=VALIDITY)
    assert len(stored) == 1
    assert store.failed_uids(ACCOUNT, FOLDER, VALIDITY) == []
    assert rows(store.url, "select status, error, attempts from emailrecord") == [("processed", "", 2)]


def test_long_error_is_truncated(store: Store) -> None:
    store.record_failure(ACCOUNT, mail(1), "x" * 5000, uidvalidity=VALIDITY)
    assert len(store.emails(ACCOUNT)[0].error) == 500


# --- drafts ---------------------------------------------------------------------------------


def test_pending_to_saved(store: Store) -> None:
    m = mail(2)
    a, b = store.record(ACCOUNT, m, rejection(), [plan(m), plan(m, DraftKind.FEEDBACK_REQUEST)], uidvalidity=VALIDITY)
    assert [d.id for d in store.pending_drafts(ACCOUNT)] == [a.id, b.id]
    store.set_draft_status(a.id, "saved", folder="Drafts", uid=17)
    assert [d.id for d in store.pending_drafts(ACCOUNT)] == [b.id]
    [saved] = store.drafts(ACCOUNT, statuses=("saved",))
    assert (saved.id, saved.status, saved.folder, saved.uid, saved.raw) == (a.id, "saved", "Drafts", 17, plan(m).raw)
    [(saved_at, checked_at)] = rows(store.url, f"select saved_at, status_checked_at from draftrecord where id = {a.id}")
    assert saved_at is not None and checked_at is not None
    store.set_draft_status(b.id, "sent", folder="Sent")
    assert store.pending_drafts(ACCOUNT) == []
    assert {d.status for d in store.drafts(ACCOUNT)} == {"saved", "sent"}


def test_set_status_of_unknown_draft(store: Store) -> None:
    with pytest.raises(StoreError, match="draft 999"):
        store.set_draft_status(999, "saved")


def test_draft_kinds_keep_their_order_after_a_status_change(store: Store) -> None:
    m = mail(2)
    a, _ = store.record(ACCOUNT, m, rejection(), [plan(m), plan(m, DraftKind.FEEDBACK_REQUEST)], uidvalidity=VALIDITY)
    # PostgreSQL writes an updated row anew (here with a new index entry, as the Message-ID is indexed);
    # without an ORDER BY the kinds come back in the order the rows now lie in.
    store.set_draft_status(a.id, "saved", folder="Drafts", uid=17, message_id="<found-on-the-server@example.org>")
    [recorded] = store.emails(ACCOUNT)
    assert recorded.drafts == ("thank_you", "feedback_request")


def test_mail_without_a_date_comes_first_on_every_database(store: Store) -> None:
    store.record(ACCOUNT, mail(1), not_job(), [], uidvalidity=VALIDITY)
    store.record(ACCOUNT, mail(2, date=None), not_job(), [], uidvalidity=VALIDITY)
    # New mail always has an arrival; a row from Rebound 0.1 may have none.
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE emailrecord SET received = NULL WHERE uid = 2"))
    # SQLite sorts NULL first, PostgreSQL last, unless the query says which.
    assert [e.uid for e in store.emails(ACCOUNT)] == [2, 1]


# --- times, numbers and text as the database keeps them --------------------------------------


def test_recorded_moments_come_back_as_the_same_moments(store: Store) -> None:
    before = datetime.now(UTC)
    m = mail(1)
    [draft] = store.record(ACCOUNT, m, rejection(), [plan(m)], uidvalidity=VALIDITY)
    after = datetime.now(UTC)
    # The test server runs in America/New_York: a time written without care lands hours away.
    [again] = store.drafts_since(ACCOUNT, before - timedelta(seconds=1))
    assert again.id == draft.id and again.created_at is not None
    assert before - timedelta(seconds=1) <= again.created_at <= after + timedelta(seconds=1)
    [seen] = store.digest_emails(ACCOUNT, before - timedelta(seconds=1), after + timedelta(seconds=1))
    assert seen.recorded_at is not None and before - timedelta(seconds=1) <= seen.recorded_at <= after + timedelta(seconds=1)
    assert store.emails(ACCOUNT, since=before - timedelta(seconds=1))
    assert store.emails(ACCOUNT, since=after + timedelta(hours=1)) == []


def test_a_senders_date_comes_back_as_the_same_moment(store: Store) -> None:
    sent = datetime(2026, 11, 20, 23, 30, tzinfo=timezone(timedelta(hours=-7)))
    store.record(ACCOUNT, mail(1, date=sent), not_job(), [], uidvalidity=VALIDITY)
    [recorded] = store.emails(ACCOUNT)
    assert recorded.received == sent and recorded.received.utcoffset() == timedelta(0)


def test_imap_numbers_up_to_32_bits_unsigned(store: Store) -> None:
    # RFC 3501: UIDs and UIDVALIDITY are 32-bit unsigned, beyond PostgreSQL's (signed) integer.
    top = 2**32 - 1
    m = mail(top, date=None)
    [draft] = store.record(ACCOUNT, m, rejection(), [plan(m)], uidvalidity=top)
    store.set_draft_status(draft.id, "saved", folder="Drafts", uid=top)
    assert store.cursor(ACCOUNT, FOLDER) == Cursor(top, top)
    assert [e.uid for e in store.emails(ACCOUNT)] == [top]
    assert store.drafts(ACCOUNT)[0].uid == top
    store.record_failure(ACCOUNT, mail(top - 1, date=None), "boom", uidvalidity=top)
    assert store.failed_uids(ACCOUNT, FOLDER, top) == [top - 1]


def test_nul_characters_in_mail_are_recorded_and_found_again(store: Store) -> None:
    # NUL is legal in SQLite text and refused by PostgreSQL: it must not make a message unrecordable.
    raw = (
        b"From: =?utf-8?q?Rachel=00Osei?= <rachel@acme.example>\r\n"
        b"Subject: =?utf-8?q?Your_application=00?=\r\n"
        b"Message-ID: <nul\x00id@acme.example>\r\n"
        b"Date: Fri, 20 Nov 2026 09:00:00 +0000\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"We regret=00 to tell you.\r\n"
    )
    m = parse_email(raw, folder=FOLDER, uid=7)
    store.record(ACCOUNT, m, rejection(), [plan(m)], uidvalidity=VALIDITY)
    assert store.known_message_ids(ACCOUNT, [m.message_id]) == {m.message_id}
    [recorded] = store.emails(ACCOUNT)
    assert "\x00" not in recorded.subject + recorded.message_id + recorded.sender
    assert store.record_failure(ACCOUNT, mail(8), "ValueError: bad \x00 byte", uidvalidity=VALIDITY) == 1
    assert "\x00" not in store.emails(ACCOUNT, status="failed")[0].error


# --- the database itself --------------------------------------------------------------------


def test_sqlite_is_in_wal_mode(db_path: Path) -> None:
    store = Store(f"sqlite:///{db_path}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    # WAL is a property of the file: another process sees it too.
    assert rows(store.url, "PRAGMA journal_mode") == [("wal",)]


def test_state_survives_reopening(database_url: str) -> None:
    first = Store(database_url)
    m = mail(3)
    first.record(ACCOUNT, m, rejection(), [plan(m)], uidvalidity=VALIDITY)
    first.engine.dispose()
    again = Store(database_url)
    assert again.known_message_ids(ACCOUNT, [m.message_id]) == {m.message_id}
    assert len(again.pending_drafts(ACCOUNT)) == 1
    assert again.cursor(ACCOUNT, FOLDER).last_uid == 3  # type: ignore[union-attr]


def test_unopenable_database_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    # A file where the database folder should be: one StoreError naming it, not a bare OSError.
    with pytest.raises(StoreError, match="cannot open database"):
        Store(f"sqlite:///{blocker / 'rebound.db'}")


def test_an_unreachable_postgresql_is_one_line_without_the_password() -> None:
    pytest.importorskip("psycopg", reason="the postgres extra is not installed (pip install -e '.[dev,postgres]')")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    with pytest.raises(StoreError, match="cannot open database") as raised:
        Store(f"postgresql+psycopg://rebound:s3cret@127.0.0.1:{port}/rebound")
    message = str(raised.value)
    assert "\n" not in message and "s3cret" not in message and "Connection refused" in message


def test_a_missing_database_driver_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the postgres extra were not installed
    with pytest.raises(StoreError, match=r"driver psycopg is not installed .*rebound\[postgres\]") as raised:
        Store("postgresql+psycopg://rebound:s3cret@127.0.0.1/rebound")
    assert "s3cret" not in str(raised.value)


def test_digest_recorded_once_per_week(store: Store) -> None:
    assert not store.digest_sent(ACCOUNT, "2026-W48")
    store.record_digest(ACCOUNT, "2026-W48", "<d1@example.org>", "smtp")
    store.record_digest(ACCOUNT, "2026-W48", "<d2@example.org>", "smtp")
    assert store.digest_sent(ACCOUNT, "2026-W48")
    assert not store.digest_sent(ACCOUNT, "2026-W49")
