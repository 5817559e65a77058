"""What a user can say an email is, and what Rebound makes of it.

Moving an email into `Rebound/Rejection` says "rejection", into `Rebound/Not a rejection` says
"not_rejection"; `rebound correct` also takes any of the eight labels. "Not a rejection" does not
say what the email is instead: Rebound keeps its own next-best label for it (the record's label
when that already was not a rejection).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from agent.domain import Classification, HeldBack, Label

NOT_REJECTION = "not_rejection"
VERDICTS = (Label.REJECTION.value, NOT_REJECTION, *(label.value for label in Label if label is not Label.REJECTION))
# What people type for "not a rejection".
_ALIASES = {"not_a_rejection": NOT_REJECTION, "notrejection": NOT_REJECTION, "no_rejection": NOT_REJECTION}


def parse_verdict(text: str) -> str:
    """A verdict from what the user typed (case, spaces and dashes do not matter); ValueError otherwise."""
    key = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    key = _ALIASES.get(key, key)
    if key not in VERDICTS:
        raise ValueError(f"{text!r} is not a label: give rejection, not_rejection, or one of {', '.join(VERDICTS[2:])}")
    return key


def corrected(verdict: str, seen: Classification, scores: Mapping[str, float], label_before: str = "") -> Classification:
    """The classification a verdict stands for: certain, with what the rules extracted from the email."""
    if verdict == NOT_REJECTION:
        if label_before and label_before != Label.REJECTION.value:
            label = Label(label_before)
        else:
            label = max((lb for lb in Label if lb is not Label.REJECTION), key=lambda lb: scores.get(lb.value, 0.0))
    else:
        label = Label(verdict)
    # The user decided: no reason for holding the email back stands beside a verdict.
    return Classification(label=label, confidence=1.0, uncertain=False, extraction=replace(seen.extraction, held_back=HeldBack.NO))


def satisfied(verdict: str, result: Classification) -> bool:
    """Whether a classification agrees with what the user said."""
    if verdict == Label.REJECTION.value:
        return result.is_rejection
    if verdict == NOT_REJECTION:
        return result.label is not Label.REJECTION
    return result.label.value == verdict


@dataclass(frozen=True)
class Lesson:
    """One corrected email, as `rebound learn` learns from it."""

    subject: str
    text: str
    verdict: str
    label: str
    """The label it was given: the verdict, or for not_rejection the next-best label."""
