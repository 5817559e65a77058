"""What an employer's feedback says to work on: themes and named skills, as a spaCy component.

The lists are data (themes/<lang>.toml, themes/skills.txt; see themes/README.md). Each sentence
of the answer (quoted history cut off) is read for its polarity, praise or gap, and for the
themes it is about; only gaps count. A sentence with no polarity of its own takes the one
before it, so the bullets under "Where the panel wanted more:" count and those under "What went
well:" do not.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from agent.classifier.language import detect_language
from agent.classifier.situation import CueTable, normal_words
from agent.domain import FeedbackPoint

FEEDBACK = "rebound_feedback"
THEMES = Path(__file__).resolve().parent / "themes"
# Words of a named skill after a cue ("Xero Practice Manager"): longer runs are a sentence, not a name.
MAX_SKILL_WORDS = 3
MAX_EVIDENCE_CHARS = 200
# Capitalised words that start sentences or name people, never a skill.
_NOT_NAMES = frozenset(
    ["I", "The", "A", "An", "We", "Our", "Your", "You", "It", "This", "That", "These", "Those", "He", "She", "They", "His", "Her", "Their", "My", "In", "On", "At", "For", "And", "Or", "But", "If", "As", "So", "Ich", "Wir", "Sie", "Ihr", "Ihre", "Ihnen", "Du", "Dein", "Der", "Die", "Das", "Ein", "Eine", "Und", "Oder", "Aber"]
)
_JOINERS = frozenset({"or", "and", ",", "oder", "und", "/"})


@cache
def _tables() -> dict[str, dict[str, dict[str, list[str]]]]:
    return {path.stem: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(THEMES.glob("*.toml"))}


@cache
def _skills() -> tuple[str, ...]:
    lines = (THEMES / "skills.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@Language.factory(FEEDBACK)
def make_feedback_reader(nlp: Language, name: str) -> FeedbackReader:
    """The feedback reader as a pipeline step: doc.user_data['feedback'] holds what it found."""
    return FeedbackReader(nlp)


class FeedbackReader:
    """Reads feedback in any language that has a themes file (English when it has none)."""

    def __init__(self, nlp: Language) -> None:
        self.vocab = nlp.vocab
        self.cues = {lang: CueTable(nlp.vocab, nlp.tokenizer, table) for lang, table in _tables().items()}
        # Words between a cue and the name it introduces ("im Bereich", "im Umgang mit"), per language.
        self.passed_over = {
            lang: frozenset(word for entry in table.get("skill", {}).get("passed_over", []) for word in entry.split("|"))
            for lang, table in _tables().items()
        }
        self.known = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.known.add("skill", [nlp.make_doc(name) for name in _skills()])

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data["feedback"] = self.read(doc)
        return doc

    def read(self, doc: Doc) -> tuple[FeedbackPoint, ...]:
        """The points of one answer, each theme (and each named skill) once, in the order they come."""
        words, sentences, offsets = normal_words(doc)
        if not words:
            return ()
        language = detect_language(words).language
        cues = self.cues.get(language) or self.cues["en"]
        normal = Doc(self.vocab, words=words)
        hits = cues.hits(normal, sentences)
        gaps = _gap_sentences(hits, max(sentences) + 1)
        by_sentence: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for hit, found in hits.items():
            section, _, theme = hit.partition(".")
            if section == "theme":
                for sentence in found & gaps:
                    by_sentence[sentence].append((theme, ""))
        for sentence, name in self._skills(normal, sentences, cues, gaps, language):
            by_sentence[sentence].append(("skill", name))
        named = [d for pairs in by_sentence.values() for t, d in pairs if t == "skill"]
        points: list[FeedbackPoint] = []
        seen: set[tuple[str, str]] = set()
        for sentence in sorted(by_sentence):
            evidence = _sentence_text(doc, words, sentences, offsets, sentence)
            for theme, detail in sorted(by_sentence[sentence], key=lambda p: (p[0] != "skill", p)):
                seen_as = (theme, detail.lower())
                # "Xero" and "Manager" inside "Xero Practice Manager": the longest name stands for them.
                inside = theme == "skill" and any(detail != other and f" {detail} " in f" {other} " for other in named)
                if seen_as not in seen and not inside:
                    seen.add(seen_as)
                    points.append(FeedbackPoint(theme, detail, evidence))
        return tuple(points)

    def _skills(self, doc: Doc, sentences: list[int], cues: CueTable, gaps: set[int], language: str) -> Iterable[tuple[int, str]]:
        """(sentence, name) of the skills named in gap sentences: known names, and capitalised words after a cue."""
        for _id, start, end in self.known(doc):
            if sentences[start] in gaps:
                yield sentences[start], doc[start:end].text
        after = {part for cue in cues.cues if cue.key == "skill.after" for part in cue.parts[:1]}
        passed = self.passed_over.get(language, frozenset())
        for match_id, _start, end in cues.lower(doc):
            if int(doc.vocab.strings[match_id]) in after and end < len(doc) and sentences[end] in gaps:
                # "Kenntnisse im Bereich Controlling": the name is what comes after "Bereich".
                while end < len(doc) and doc[end].lower_ in passed and sentences[end] == sentences[end - 1]:
                    end += 1
                yield from ((sentences[end], name) for name in _names_from(doc, end, sentences))


def _names_from(doc: Doc, start: int, sentences: list[int]) -> list[str]:
    """The capitalised names from here on, within the sentence ('IRIS or Xero Practice Manager' → two names)."""
    names: list[str] = []
    i = start
    sentence = sentences[start] if start < len(doc) else -1

    def same_sentence(i: int) -> bool:
        return i < len(doc) and sentences[i] == sentence

    while same_sentence(i):
        run: list[str] = []
        while same_sentence(i) and len(run) < MAX_SKILL_WORDS and _name_word(doc[i].text, first=not run):
            run.append(doc[i].text)
            i += 1
        if not run:
            break
        names.append(" ".join(run))
        if same_sentence(i) and doc[i].text.lower() in _JOINERS:
            i += 1
            continue
        break
    return names


def _name_word(word: str, *, first: bool) -> bool:
    if word in _NOT_NAMES:
        return False
    if any(c.isupper() for c in word) and any(c.isalpha() for c in word):
        return True
    # "Dynamics 365", "Node .js" after a capitalised word: part of the name; a full stop is not.
    return not first and (word.isdigit() or (word.startswith(".") and word[1:].isalnum()))


def _gap_sentences(hits: dict[str, set[int]], count: int) -> set[int]:
    gap, strength = hits.get("polarity.gap", set()), hits.get("polarity.strength", set())
    out: set[int] = set()
    current = ""
    for sentence in range(count):
        if sentence in gap:
            current = "gap"  # "strong on delivery, but hard to see the results": the gap is the news
        elif sentence in strength:
            current = "strength"
        if current == "gap":
            out.add(sentence)
    return out


def _sentence_text(doc: Doc, words: list[str], sentences: list[int], offsets: list[int], sentence: int) -> str:
    positions = [i for i, s in enumerate(sentences) if s == sentence]
    first, last = positions[0], positions[-1]
    text = " ".join(doc.text[offsets[first] : offsets[last] + len(words[last])].split()).lstrip("-•* ")
    return text if len(text) <= MAX_EVIDENCE_CHARS else text[: MAX_EVIDENCE_CHARS - 1].rsplit(" ", 1)[0] + "…"
