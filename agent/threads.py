"""Which of our drafts an incoming email answers: feedback and replies are found by the thread, before anything else.

An employer who answers the reply the user sent (a feedback request, a thank-you) writes in its
thread: In-Reply-To or References name the Message-ID the reply left under (ours, or the one the
user's client gave it), or at least the rejection it answered. Such an email is an answer, never
a new rejection, whatever its words say ("unfortunately the panel felt..."), and gets no draft.
Only when the thread is lost (an employer's system that drops the headers) does a reply from the
very address the user wrote to, under the same subject, count as well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.domain import IncomingEmail
from agent.records import StoredDraft
from agent.store import Store

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|réf|rif|wg|fw|fwd)\s*:\s*)+", re.IGNORECASE)


class Threads:
    """Finds the draft an email answers, for one account."""

    def __init__(self, store: Store, account: str, user_address: str) -> None:
        self.store = store
        self.account = account
        self.user_address = user_address.lower()

    def answered(self, mail: IncomingEmail) -> StoredDraft | None:
        """The draft this email answers, or None for an email that starts something new."""
        return self.lookup([mail]).answered(mail)

    def lookup(self, mails: Sequence[IncomingEmail]) -> ThreadLookup:
        """What answered() needs to know for these emails, read at once: a pass asks it for a whole batch."""
        mails = [m for m in mails if m.from_addr.lower() != self.user_address]
        ids = sorted({i for m in mails for i in (m.in_reply_to, *m.references) if i})
        replies = sorted({m.from_addr for m in mails if m.from_addr and _REPLY_PREFIX.match(m.subject)})
        return ThreadLookup(
            self.user_address,
            self.store.thread_drafts(self.account, ids) if ids else [],
            self.store.sent_drafts_to(self.account, *replies) if replies else [],
        )


class ThreadLookup:
    """Our drafts that a set of emails may answer, and which one each email answers."""

    def __init__(self, user_address: str, in_threads: Sequence[StoredDraft], sent: Sequence[StoredDraft]) -> None:
        self.user_address = user_address
        self.in_threads = in_threads
        self.sent = sent

    def answered(self, mail: IncomingEmail) -> StoredDraft | None:
        """The draft this email answers, or None for an email that starts something new."""
        if mail.from_addr.lower() == self.user_address:
            return None  # the user's own message (a copy to self) answers nobody's draft
        ids = [mail.in_reply_to, *mail.references]
        named = set(ids) - {""}
        drafts = [d for d in self.in_threads if d.message_id in named or d.sent_message_id in named or d.parent_message_id in named]
        found = best_in_thread(drafts, ids)
        if found is not None:
            return found
        if not _REPLY_PREFIX.match(mail.subject) or not mail.from_addr:
            return None
        subject, sender = topic(mail.subject), mail.from_addr.lower()
        same = [d for d in self.sent if d.to.lower() == sender and topic(d.subject) == subject]
        return _preferred(same)


def best_in_thread(drafts: Sequence[StoredDraft], ids: Sequence[str]) -> StoredDraft | None:
    """Of the drafts in a thread, the one the email answers: a draft it names first, else one replying to a message it names."""
    named = set(ids) - {""}
    direct = [d for d in drafts if d.message_id in named or (d.sent_message_id and d.sent_message_id in named)]
    if direct:
        return _preferred(direct)
    # Only the rejection is named (the reply's own Message-ID was dropped): the draft the user sent, else any kept.
    by_parent = [d for d in drafts if d.parent_message_id in named and d.status != "discarded"]
    return _preferred(by_parent)


def _preferred(drafts: Sequence[StoredDraft]) -> StoredDraft | None:
    # A sent draft that asked for feedback is what an answer most likely answers.
    ranked = sorted(drafts, key=lambda d: (d.status != "sent", not d.asks_feedback, -d.id))
    return ranked[0] if ranked else None


def topic(subject: str) -> str:
    """A subject without its Re:/AW:/Fwd: prefixes, for comparing replies with what they answer."""
    return " ".join(_REPLY_PREFIX.sub("", subject).split()).lower()
