"""Which of our drafts the user sent: found in Sent by their own Message-ID, or as a reply that carries their words.

A mail client may send a draft under the Message-ID we gave it or under a new one. Both drafts
of a rejection answer the same email, so a reply found by In-Reply-To is given to the draft
whose words it shares most, and each sent message accounts for one draft only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.domain import MailSource
from agent.parse import parse_email
from agent.store import StoredDraft

_WORD = re.compile(r"[a-z']{3,}")


def sent_copies(source: MailSource, sent: str, drafts: Sequence[StoredDraft], ours: set[str]) -> dict[int, str]:
    """Draft id → Message-ID of its copy in Sent, for the drafts the user sent.

    ours: the Message-IDs of all our drafts, so a draft sent under its own ID is never taken for
    the copy of its sibling.
    """
    copies: dict[int, str] = {}
    by_parent: dict[str, list[StoredDraft]] = {}
    for draft in drafts:
        if source.find_message_id(sent, draft.message_id) is not None:
            copies[draft.id] = draft.message_id
        else:
            by_parent.setdefault(draft.parent_message_id, []).append(draft)
    for parent, left in by_parent.items():
        uids = source.find_replies_to(sent, parent)
        replies = [r for r in source.fetch(sent, uids) if r.message_id not in ours] if uids else []
        words = {d.id: _words(parse_email(d.raw).text) for d in left}
        for reply in replies:
            if not left:
                break
            said = _words(reply.text)
            best = max(left, key=lambda d: _overlap(words[d.id], said))
            copies[best.id] = reply.message_id
            left.remove(best)
    return copies


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))
