"""Corrections without a server: verdicts, the queue and its one-transaction apply, the namespace answer, withdrawn drafts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest

from agent.config import DraftSettings, ProfileSettings
from agent.corrections.records import Corrections
from agent.corrections.verdicts import NOT_REJECTION, VERDICTS, corrected, parse_verdict, satisfied
from agent.domain import Classification, DraftKind, Extraction, IncomingEmail, Label, MailSource
from agent.drafts import DraftWriter
from agent.ledger import WITHDRAWING, WITHDRAWN, Ledger
from agent.mailbox import _PERSONAL_NAMESPACE, _unquote
from agent.store import Store

ACCOUNT = "alex@example.org@imap.example.org"


def mail(n: int, text: str = "Unfortunately we will not move forward with your application.") -> IncomingEmail:
    return IncomingEmail(
        folder="INBOX", uid=n, message_id=f"<m{n}@acme.example>", subject="Your application", from_name="Rachel Osei",
        from_addr="rachel@acme.example", reply_to="", to="alex@example.org", date=datetime.now(UTC), text=text,
    )  # fmt: skip


def rejection(extraction: Extraction | None = None) -> Classification:
    return Classification(Label.REJECTION, 0.95, extraction=extraction or Extraction(company="Acme", role="Analyst"))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'r.db'}")


def writer() -> DraftWriter:
    return DraftWriter(ProfileSettings(name="Alex Morgan", email="alex@example.org"), DraftSettings())


@pytest.mark.parametrize(
    ("typed", "verdict"),
    [("rejection", "rejection"), ("Not-Rejection", NOT_REJECTION), ("not a rejection", NOT_REJECTION), ("not_job", "not_job"),
     (" Application Ack ", "application_ack")],
)  # fmt: skip
def test_what_the_user_types_becomes_a_verdict(typed: str, verdict: str) -> None:
    assert parse_verdict(typed) == verdict


def test_a_word_that_is_no_label_is_refused_with_the_labels() -> None:
    with pytest.raises(ValueError, match=r"not a label.*application_ack"):
        parse_verdict("spam")
    assert len(VERDICTS) == 9


def test_not_a_rejection_keeps_a_label_that_was_not_one_else_takes_the_next_best() -> None:
    scores = {"rejection": 0.7, "application_ack": 0.2, "not_job": 0.1}
    assert corrected(NOT_REJECTION, rejection(), scores, "rejection").label is Label.APPLICATION_ACK
    assert corrected(NOT_REJECTION, rejection(), scores, "interview").label is Label.INTERVIEW
    sure = corrected("rejection", Classification(Label.NOT_JOB, 0.3, uncertain=True, extraction=Extraction(company="Acme")), {})
    assert (sure.label, sure.confidence, sure.uncertain, sure.extraction.company) == (Label.REJECTION, 1.0, False, "Acme")
    assert satisfied(NOT_REJECTION, Classification(Label.OFFER, 0.9)) and not satisfied("rejection", Classification(Label.REJECTION, 0.5, True))


def test_a_queued_correction_is_replaced_by_a_later_word_and_applied_once(store: Store) -> None:
    records = Corrections(store)
    records.queue(ACCOUNT, "<m1@acme.example>", "rejection", "folder", mail=mail(1), folder="Rebound/Rejection", uid=4, uidvalidity=7)
    records.queue(ACCOUNT, "<m1@acme.example>", NOT_REJECTION, "command", folder="INBOX", uid=1, uidvalidity=3)
    (pending,) = records.pending(ACCOUNT)
    assert (pending.verdict, pending.origin, pending.folder) == (NOT_REJECTION, "command", "INBOX")
    assert records.latest_verdict(ACCOUNT, "<m1@acme.example>") == NOT_REJECTION


def test_an_email_never_seen_is_recorded_with_its_drafts_in_one_go(store: Store) -> None:
    records = Corrections(store)
    incoming = mail(2)
    records.queue(ACCOUNT, incoming.message_id, "rejection", "folder", mail=incoming, folder="Rebound/Rejection", uid=9, uidvalidity=5)
    (pending,) = records.pending(ACCOUNT)
    plans = writer().plan([DraftKind.REPLY], incoming, rejection(), datetime.now(UTC))

    outcome = records.apply(ACCOUNT, pending, incoming, corrected("rejection", rejection(), {}), plans, drafts_folder="Drafts")

    assert outcome == "drafted: reply"
    (email,) = store.emails(ACCOUNT)
    assert (email.label, email.uncertain, email.folder, email.uid, email.company) == ("rejection", False, "Rebound/Rejection", 9, "Acme")
    assert [d.status for d in store.pending_drafts(ACCOUNT)] == ["pending"]
    assert records.pending(ACCOUNT) == []
    assert records.apply(ACCOUNT, pending, incoming, corrected("rejection", rejection(), {}), plans) == outcome  # a second apply: nothing more
    assert len(store.drafts(ACCOUNT)) == 1


def test_not_a_rejection_withdraws_unsent_drafts_and_the_rejection_but_not_what_was_sent(store: Store) -> None:
    incoming = mail(3)
    plans = writer().plan([DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST], incoming, rejection(), datetime.now(UTC))
    sent, kept = store.record(ACCOUNT, incoming, rejection(), plans, uidvalidity=1, drafts_folder="Drafts")
    store.set_draft_status(sent.id, "sent")
    store.set_draft_status(kept.id, "saved", uid=5)
    records = Corrections(store)
    records.queue(ACCOUNT, incoming.message_id, NOT_REJECTION, "command", folder="INBOX", uid=3, uidvalidity=1)
    (pending,) = records.pending(ACCOUNT)

    outcome = records.apply(ACCOUNT, pending, None, corrected(NOT_REJECTION, rejection(), {"not_job": 0.6, "other_job": 0.3}, "rejection"))

    assert outcome == "1 unsent draft(s) withdrawn"
    assert {d.id: d.status for d in store.drafts(ACCOUNT, statuses=("sent", WITHDRAWING))} == {sent.id: "sent", kept.id: WITHDRAWING}
    (email,) = store.emails(ACCOUNT)
    assert (email.label, email.skip_reason) == ("not_job", "")
    (listed,) = records.listing(ACCOUNT)
    assert (listed.label_before, listed.label_after, listed.sender, listed.learned) == ("rejection", "not_job", "rachel@acme.example", False)
    ((ident, lesson),) = records.lessons()
    assert (lesson.verdict, lesson.label, lesson.subject) == (NOT_REJECTION, "not_job", "Your application")
    assert lesson.text.startswith("Unfortunately")  # the excerpt, as the email was not fetched again
    records.mark_learned([ident])
    assert records.listing(ACCOUNT)[0].learned


def test_learning_takes_each_emails_latest_word(store: Store) -> None:
    records = Corrections(store)
    incoming = mail(4)
    for verdict in ("rejection", NOT_REJECTION):
        records.queue(ACCOUNT, incoming.message_id, verdict, "folder", mail=incoming, uidvalidity=1)
        (pending,) = records.pending(ACCOUNT)
        records.apply(ACCOUNT, pending, incoming, corrected(verdict, rejection(), {"offer": 0.2}, "rejection"))
    assert [lesson.verdict for _, lesson in records.lessons()] == [NOT_REJECTION]


def test_a_correction_of_an_email_nobody_has_is_refused(store: Store) -> None:
    records = Corrections(store)
    records.queue(ACCOUNT, "<gone@acme.example>", "rejection", "command")
    (pending,) = records.pending(ACCOUNT)
    with pytest.raises(LookupError):
        records.apply(ACCOUNT, pending, None, rejection())
    records.fail(pending.id, "LookupError: gone")
    assert records.listing(ACCOUNT)[0].status == "failed"


@pytest.mark.parametrize(
    ("answer", "prefix", "separator"),
    [(b'(("" "/")) NIL NIL', "", "/"), (b'(("INBOX." ".")) NIL (("#shared." "."))', "INBOX.", "."),
     (b'(("" NIL)) NIL NIL', "", ""), (b'(("" "\\\\")) NIL NIL', "", "\\")],
)  # fmt: skip
def test_the_personal_namespace_is_read_from_the_servers_answer(answer: bytes, prefix: str, separator: str) -> None:
    found = _PERSONAL_NAMESPACE.match(answer)
    assert found is not None
    assert tuple(_unquote(part) for part in found.groups()) == (prefix, separator)


def test_a_withdrawn_draft_keeps_its_state_whatever_the_server_says(store: Store) -> None:
    incoming = mail(5)
    (draft,) = store.record(ACCOUNT, incoming, rejection(), writer().plan([DraftKind.REPLY], incoming, rejection(), datetime.now(UTC)),
                            uidvalidity=1, drafts_folder="Drafts")
    store.set_draft_status(draft.id, WITHDRAWN)
    nowhere = cast(MailSource, object())  # the ledger must not even ask
    fates = Ledger(nowhere, store, ACCOUNT).settle(store.drafts(ACCOUNT, statuses=(WITHDRAWN,)), "Drafts")
    assert fates[draft.id].status == WITHDRAWN
