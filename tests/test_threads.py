"""agent/threads.py: an answer to one of our drafts is found by its thread first, against a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftKind, Extraction, IncomingEmail, Label, Stage
from agent.drafts import DraftWriter
from agent.store import Store, StoredDraft
from agent.threads import Threads

ACCOUNT = "me@imap.example.org"
ME = "alex@example.org"


def incoming(n: int, **fields: object) -> IncomingEmail:
    values: dict[str, object] = {
        "folder": "INBOX", "uid": n, "message_id": f"<m{n}@acme.example>", "subject": "Your application",
        "from_name": "Rachel", "from_addr": "rachel@acme.example", "reply_to": "", "to": ME,
        "date": datetime.now(UTC), "text": "Unfortunately we will not move forward.",
    }  # fmt: skip
    values.update(fields)
    return IncomingEmail(**values)  # type: ignore[arg-type]


@pytest.fixture
def sent(tmp_path: Path) -> tuple[Store, StoredDraft]:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    rejection = incoming(1)
    result = Classification(Label.REJECTION, 0.95, extraction=Extraction(company="Acme", stage=Stage.INTERVIEW))
    writer = DraftWriter(ProfileSettings(name="Alex Morgan", email=ME), DraftSettings())
    (draft,) = store.record(ACCOUNT, rejection, result, writer.plan([DraftKind.REPLY], rejection, result, datetime.now(UTC)), uidvalidity=1)
    store.set_draft_status(draft.id, "sent", sent_id="<client-1@example.org>")
    return store, draft


def test_an_answer_is_found_by_the_message_id_the_reply_was_sent_under(sent: tuple[Store, StoredDraft]) -> None:
    store, draft = sent
    threads = Threads(store, ACCOUNT, ME)
    answer = incoming(2, subject="Re: Your application", in_reply_to="<client-1@example.org>")
    assert threads.answered(answer) == store.drafts(ACCOUNT)[0]
    by_own_id = incoming(3, subject="Anything", in_reply_to=draft.message_id)
    assert threads.answered(by_own_id) is not None


def test_an_answer_naming_only_the_rejection_in_references_is_found_too(sent: tuple[Store, StoredDraft]) -> None:
    store, _draft = sent
    answer = incoming(4, subject="Feedback", references=("<m1@acme.example>",))
    assert Threads(store, ACCOUNT, ME).answered(answer) is not None


def test_without_a_thread_only_a_re_from_the_address_written_to_under_the_same_subject_counts(sent: tuple[Store, StoredDraft]) -> None:
    store, _draft = sent
    threads = Threads(store, ACCOUNT, ME)
    assert threads.answered(incoming(5, subject="RE: Re: Your application")) is not None
    assert threads.answered(incoming(6, subject="Your application")) is None  # not a reply
    assert threads.answered(incoming(7, subject="Re: Another role")) is None  # another topic
    assert threads.answered(incoming(8, subject="Re: Your application", from_addr="sam@birch.example")) is None


def test_the_users_own_mail_answers_nothing(sent: tuple[Store, StoredDraft]) -> None:
    store, _draft = sent
    own = incoming(9, from_addr=ME, subject="Re: Your application", in_reply_to="<client-1@example.org>")
    assert Threads(store, ACCOUNT, ME).answered(own) is None
