"""A fetch batch recorded at once (Store.record_batch) and a week's digest claimed once (Store.claim_digest), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from agent.domain import Classification, DraftKind, DraftPlan, Extraction, IncomingEmail, Label, Stage
from agent.errors import StoreError
from agent.store import Failed, Handled, Store

ACCOUNT = "me@imap.example.org"
VALIDITY = 77


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.engine.dispose()


def mail(uid: int, message_id: str | None = None) -> IncomingEmail:
    return IncomingEmail(
        folder="INBOX", uid=uid, message_id=message_id or f"<b{uid}@acme.example>", subject=f"Message {uid}", from_name="Rachel Osei",
        from_addr="rachel@acme.example", reply_to="", to="me@example.org", date=datetime(2026, 11, 20, 9, 0, tzinfo=UTC), text="Hello " * 50,
    )  # fmt: skip


def handled(m: IncomingEmail, *, drafts: bool = False) -> Handled:
    if not drafts:
        return Handled(m, Classification(Label.NOT_JOB, 0.97))
    result = Classification(Label.REJECTION, 0.9, extraction=Extraction(company="Acme", role="Analyst", stage=Stage.INTERVIEW))
    plan = DraftPlan(DraftKind.THANK_YOU, f"<draft-{m.uid}@example.org>", m.message_id, m.from_addr, f"Re: {m.subject}", b"Subject: Re\r\n\r\nThanks\r\n")
    return Handled(m, result, (plan,), check=("a name",))


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as db:
            return [tuple(r) for r in db.execute(text(sql))]
    finally:
        engine.dispose()


def test_a_batch_records_every_message_its_drafts_and_the_cursor_at_once(store: Store, database_url: str) -> None:
    entries: list[Handled | Failed] = [handled(mail(1)), handled(mail(2), drafts=True), Failed(mail(3), "ValueError: bad"), handled(mail(4))]
    written = store.record_batch(ACCOUNT, VALIDITY, entries, drafts_folder="Drafts")
    assert [len(w.drafts or []) for w in written] == [0, 1, 0, 0]
    assert written[1].drafts and written[1].drafts[0].status == "pending" and written[1].drafts[0].parent_message_id == "<b2@acme.example>"
    assert written[2].attempts == 1
    assert sorted(rows(database_url, "SELECT uid, status FROM emailrecord")) == [(1, "processed"), (2, "processed"), (3, "failed"), (4, "processed")]
    assert rows(database_url, "SELECT company, check_reasons FROM rejectionrecord") == [("Acme", '["a name"]')]
    assert rows(database_url, "SELECT last_uid, uidvalidity FROM foldercursor") == [(4, VALIDITY)]
    assert store.pending_drafts(ACCOUNT) == written[1].drafts


def test_a_batch_moves_past_mail_recorded_before_and_retries_what_failed(store: Store, database_url: str) -> None:
    store.record_batch(ACCOUNT, VALIDITY, [handled(mail(1)), Failed(mail(2), "ValueError: bad")])
    # The same two again (a crash before the cursor was read back), and one delivered twice in this batch.
    again = store.record_batch(ACCOUNT, VALIDITY, [handled(mail(1)), handled(mail(2)), handled(mail(3)), handled(mail(4, "<b3@acme.example>"))])
    assert again[0].drafts is None, "recorded before: only moved past"
    assert again[3].drafts is None, "delivered twice: handled once"
    assert sorted(rows(database_url, "SELECT message_id, status, attempts FROM emailrecord")) == [
        ("<b1@acme.example>", "processed", 1), ("<b2@acme.example>", "processed", 2), ("<b3@acme.example>", "processed", 1),
    ]  # fmt: skip
    assert rows(database_url, "SELECT last_uid FROM foldercursor") == [(4,)]


def test_a_batch_in_a_transaction_that_fails_leaves_nothing_behind(store: Store, database_url: str) -> None:
    with pytest.raises(StoreError), store.transaction():
        store.record_batch(ACCOUNT, VALIDITY, [handled(mail(1), drafts=True), handled(mail(2))])
        store.advance_cursor(ACCOUNT, "INBOX", VALIDITY, 2)
        store.record_batch(ACCOUNT, VALIDITY, [handled(mail(3), drafts=True), handled(mail(3, "<dup@x>"))], drafts_folder="Drafts")
        raise StoreError("the database went away mid-batch")
    assert rows(database_url, "SELECT COUNT(*) FROM emailrecord") == [(0,)]
    assert rows(database_url, "SELECT COUNT(*) FROM draftrecord") == [(0,)]
    assert rows(database_url, "SELECT COUNT(*) FROM foldercursor") == [(0,)], "the cursor moves with what it moves past, or not at all"


# --- the week's digest, claimed once ---------------------------------------------------------

STALE = timedelta(minutes=30)


def test_of_many_claims_at_once_one_wins(store: Store, database_url: str) -> None:
    won: list[str] = []
    start = threading.Barrier(6)

    def claim(n: int) -> None:
        mine = Store(database_url)  # a worker of its own
        start.wait()
        if mine.claim_digest(ACCOUNT, "2026-W48", f"<d{n}@example.org>", f"w{n}", stale_after=STALE) is not None:
            won.append(f"<d{n}@example.org>")
        mine.engine.dispose()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert not store.digest_sent(ACCOUNT, "2026-W48"), "claimed is not sent"
    store.digest_delivered(ACCOUNT, "2026-W48", won[0], "smtp")
    assert store.digest_sent(ACCOUNT, "2026-W48")
    assert store.claim_digest(ACCOUNT, "2026-W48", "<late@example.org>", "w9", stale_after=STALE) is None, "sent: never again"
    forced = store.claim_digest(ACCOUNT, "2026-W48", "<forced@example.org>", "w9", stale_after=STALE, force=True)
    assert forced is not None and forced.message_id == "<forced@example.org>" and not forced.retaking


def test_a_claim_cut_short_is_taken_over_once_stale_under_its_message_id_and_a_failed_one_given_back(store: Store, database_url: str) -> None:
    first = store.claim_digest(ACCOUNT, "2026-W49", "<first@example.org>", "a", stale_after=STALE)
    assert first is not None and not first.retaking
    assert store.claim_digest(ACCOUNT, "2026-W49", "<second@example.org>", "b", stale_after=STALE) is None, "a fresh claim holds"
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as db:  # the claimant crashed long ago
        db.execute(text("UPDATE digestrecord SET claimed_at = :t"), {"t": datetime.now(UTC) - STALE - timedelta(minutes=1)})
    engine.dispose()
    taken = store.claim_digest(ACCOUNT, "2026-W49", "<second@example.org>", "b", stale_after=STALE)
    assert taken is not None and taken.retaking and taken.message_id == "<first@example.org>", "the same digest, looked for before it goes again"
    assert store.claim_digest(ACCOUNT, "2026-W49", "<third@example.org>", "c", stale_after=STALE) is None
    store.release_digest(ACCOUNT, "2026-W49", "a")  # not a's any more: nothing happens
    assert rows(database_url, "SELECT claimed_by FROM digestrecord") == [("b",)]
    store.release_digest(ACCOUNT, "2026-W49", "b")  # b's send failed: the week is free at once
    again = store.claim_digest(ACCOUNT, "2026-W49", "<fourth@example.org>", "d", stale_after=STALE)
    assert again is not None and again.message_id == "<fourth@example.org>"
