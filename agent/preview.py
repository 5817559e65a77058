"""`rebound draft`: what Rebound would write for an email, without a mailbox.

The same classifier and the same DraftWriter as the daemon, with two differences a preview needs:
the email's age does not matter, and an email with no sender is taken to come from a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from agent.classifier import Classifier
from agent.domain import IncomingEmail
from agent.drafts import DraftWriter
from agent.parse import parse_email


def preview(items: Iterable[tuple[str, IncomingEmail]], classifier: Classifier, writer: DraftWriter) -> Iterator[dict[str, Any]]:
    """One dict a line for `rebound draft`: id, is_rejection, language, situation, check, drafts."""
    listed = list(items)
    now = datetime.now(UTC)
    for (item_id, mail), result in zip(listed, classifier.classify_many(m for _, m in listed), strict=True):
        ex = result.extraction
        kinds, reason = writer.kinds_for(mail, result, now, preview=True)
        plans = writer.plan(kinds, mail, result, now)
        said = writer.wording(result) if result.is_rejection else None
        yield {
            "id": item_id,
            "is_rejection": result.is_rejection,
            "language": said.language if said else ex.language,
            "situation": ex.situation.value if result.is_rejection else None,
            "check": list(said.check) if said and plans else [],
            "drafts": [
                {"kind": plan.kind.value, "language": said.language if said else "en", "to": plan.to, "subject": plan.subject, "body": body(plan.raw)}
                for plan in plans
            ],
            **({"no_draft": reason} if result.is_rejection and not plans else {}),
            **({"held_back": ex.held_back.note} if ex.held_back else {}),
        }


def body(raw: bytes) -> str:
    """A draft's text as a person reads it: decoded, not quoted-printable."""
    return parse_email(raw).text.replace("\r\n", "\n")
