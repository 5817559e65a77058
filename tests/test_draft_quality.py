"""The drafts Rebound writes for the team's held-out rejections (never trained on), through the real
pipeline: one reply each, in the email's language, and never a word about an interview or a
conversation after a no that came before any."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from agent.classifier import Classifier
from agent.config import DraftSettings, ProfileSettings
from agent.domain import IncomingEmail
from agent.drafts import DraftWriter
from agent.preview import preview

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ProfileSettings(name="Alex Morgan", email="alex.morgan@example.org")
# The words a reply may only use when the email shows the candidate spoke with someone.
MET_WORDS = {
    "en": r"\b(interview\w*|conversations?|meeting|met|speak\w*|spoke|spent with me)\b",
    "de": r"gespräch|interview|kennenlern|kennengelernt|getroffen",
    "fr": r"entretien|entrevue|échange|rencontr|conversation",
    "nl": r"gesprek|interview|kennismaking|ontmoet|gesproken",
    "es": r"entrevista|conversación|reunión|conoc|habl[aeé]",
}
BEFORE_CONTACT = {"application", "unknown", "no_openings"}


def _heldout_rejections() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "models" / "corpus.py")
    assert spec and spec.loader
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    return [
        row
        for row in corpus.read_corpus()
        if row["label"] == "rejection" and int(hashlib.sha256(row["id"].encode()).hexdigest(), 16) % 7 == 0
    ]


@pytest.fixture(scope="module")
def drafted() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    rows = _heldout_rejections()
    # A person sends each one (no From, as `rebound draft` treats it), so every recognised rejection gets its reply.
    items = [(row["id"], IncomingEmail("", n, f"<{row['id']}@corpus>", row["subject"], "", "", "", "", None, row["body"])) for n, row in enumerate(rows)]
    out = preview(items, Classifier(extract_all=True), DraftWriter(PROFILE, DraftSettings()))
    return list(zip(rows, out, strict=True))


def test_the_heldout_split_holds_rejections_in_every_language(drafted: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    assert len(drafted) >= 150
    assert {row["lang"] for row, _ in drafted} == set(MET_WORDS)


def test_exactly_one_draft_per_recognised_rejection(drafted: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    recognised = [line for _, line in drafted if line["is_rejection"]]
    assert len(recognised) >= 0.85 * len(drafted)
    # With no From, only the body can say nobody reads replies ("Please do not reply to this email"): no draft then.
    unanswerable = [line for line in recognised if not line["drafts"] and "asks not to be answered" in (line.get("no_draft") or "")]
    assert len(unanswerable) <= 0.1 * len(recognised), [line["id"] for line in unanswerable]
    answered = [line for line in recognised if line not in unanswerable]
    assert all(len(line["drafts"]) == 1 for line in answered), [line["id"] for line in answered if len(line["drafts"]) != 1]


def test_the_draft_is_in_the_emails_language(drafted: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    wrong = [(row["id"], row["lang"], d["language"]) for row, line in drafted for d in line["drafts"] if d["language"] != row["lang"]]
    assert len(wrong) <= len(drafted) // 100, wrong


def test_no_interview_or_conversation_after_a_no_before_any(drafted: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    claims = []
    for row, line in drafted:
        if row.get("situation") not in BEFORE_CONTACT or "call" in row.get("questions", []):
            continue
        for d in line["drafts"]:
            found = re.search(MET_WORDS[d["language"]], d["body"], re.IGNORECASE)
            if found:
                claims.append((row["id"], found.group(0)))
    assert claims == []


def test_no_placeholder_or_gender_tag_reaches_a_draft(drafted: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    # The subject stays "Re: " + the email's own subject, as mail clients write it, so the reply
    # threads (Gmail groups a conversation by its subject too); the words Rebound writes are checked.
    bad = re.compile(r"[\[\]{}<>]|\([mwfdhvx]/[mwfdhvx]|  | [,.;:!?](?!\w)", re.IGNORECASE)
    found = [(row["id"], m.group(0)) for row, line in drafted for d in line["drafts"] for m in [bad.search(d["body"])] if m]
    assert found == []


# A greeting with no name ("Hallo zusammen,", "Hoi,", "Bonjour,", "Hola:", "Buenos días:") answers an email no
# person signed ("Dein Recruiting-Team", "Het recruitmentteam", "L'équipe RH", a mailbox): the reply
# speaks to the team, never to one person.
TO_ONE = {
    "de": (re.compile(r"^Hallo( zusammen)?,\n"), re.compile(r"\b(du|dich|dir|dein|deine|deinem|deinen|Deinen)\b")),
    "nl": (re.compile(r"^(Hallo|Hoi),\n"), re.compile(r"\b(je|jij|jou|jouw|Je)\b")),
    "fr": (re.compile(r"^Bonjour,\n"), re.compile(r"\b(tu|te|toi|ton|ta|tes)\b|\bt’")),
    "es": (re.compile(r"^(Hola|Buenos días):\n"), re.compile(r"\b(usted|le|te|ti|tu|tus|contigo|dedicó|dedicaste|puedes|tuviera|tuvieras|dude|dudes)\b")),
}


def test_a_reply_to_an_email_nobody_signed_speaks_to_the_team(drafted: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    to_one = []
    for row, line in drafted:
        for d in line["drafts"]:
            nameless, singular = TO_ONE.get(d["language"], (None, None))
            if nameless and singular and nameless.search(d["body"]) and (found := singular.search(d["body"].replace("Alex Morgan", ""))):
                to_one.append((row["id"], found.group(0)))
    assert to_one == []
