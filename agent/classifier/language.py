"""Which of Rebound's languages an email is written in, from its function words.

spaCy ships a stop-word list for each language. Function words are frequent in any text of their
language and rare in the others, so counting them tells English, German, French, Dutch and Spanish
apart on a few sentences of email, with no model to load. A word on k of the lists ("de" is
French, Dutch and Spanish) gives each of them 1/k of a vote; the greetings and thanks of email,
which are not stop words, vote too.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import spacy

LANGUAGES = ("en", "de", "fr", "nl", "es")
# Below this many telling words the text is too short to say.
MIN_EVIDENCE = 3
# The winner must have this many times the runner-up's count to be sure.
MARGIN = 2.0
# Common words of one language that are also everyday words of another (English "die", "over",
# "is"; Dutch "door"): they stay out of the tally.
_AMBIGUOUS = frozenset({"die", "over", "is", "in", "door", "me", "have", "son", "mine", "man", "also", "sin", "ha", "be", "as", "so", "to"})
_EMAIL_WORDS = {
    "en": "hi hello thanks thank regards dear best cheers unfortunately",
    "de": "hallo danke vielen dank grüße grüßen freundlichen leider liebe lieber geehrte geehrter herzliche herr frau gruß gruss grüsse",
    "fr": "bonjour merci cordialement salutations madame monsieur malheureusement bien bonne",
    "nl": "hoi hallo bedankt dank groet groeten vriendelijke helaas beste geachte",
    "es": "hola gracias saludos estimado estimada atentamente lamentablemente desafortunadamente cordial un saludo",
}


@dataclass(frozen=True)
class LanguageGuess:
    """The language of a text ('' when none of ours), and whether the evidence was clear."""

    language: str
    sure: bool


def _stop_words(lang: str) -> frozenset[str]:
    # Only the list's own file: importing spacy.lang.fr.stop_words would run spacy.lang.fr's
    # __init__, which builds the French tokenizer's exceptions (2.7 s of start-up for a word list).
    path = Path(spacy.__file__).parent / "lang" / lang / "stop_words.py"
    spec = importlib.util.spec_from_file_location(f"_rebound_stop_words_{lang}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.STOP_WORDS)


@cache
def _votes() -> dict[str, tuple[tuple[str, float], ...]]:
    lists = {lang: set(_stop_words(lang)) | set(_EMAIL_WORDS[lang].split()) for lang in LANGUAGES}
    holders: dict[str, list[str]] = {}
    for lang, known in lists.items():
        for word in known - _AMBIGUOUS:
            holders.setdefault(word, []).append(lang)
    return {word: tuple((lang, 1 / len(langs)) for lang in langs) for word, langs in holders.items()}


def detect_language(words: Iterable[str]) -> LanguageGuess:
    """The language most of the function words vote for; English (unsure) when there are too few to tell."""
    tally: dict[str, float] = {}
    # Most words are no function word: map and filter pass over them in C, the loop sees only the voters.
    for found in filter(None, map(_votes().get, map(str.lower, words))):
        for lang, weight in found:
            tally[lang] = tally.get(lang, 0.0) + weight
    ranked = sorted(tally.items(), key=lambda item: item[1], reverse=True)[:2]
    if not ranked or ranked[0][1] < MIN_EVIDENCE:
        return LanguageGuess("en", False)
    best, count = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return LanguageGuess(best, count >= MARGIN * runner_up)
