"""Every cue the extractor looks for, compiled once and matched once per Doc.

The phrase lists of patterns/<lang>.toml ([role.cues], [company.cues], company.words.unnamed_client)
go to two PhraseMatchers, one on lowercased tokens and one on tokens as written (role cues whose
case matters: 'for the' before a capitalised title, 'Stelle' as a German noun). Each phrase is
tokenized as the email is, so 'co-founder' and "can't" match the tokens an email holds. A cue in
parts ('recruiting ... for a ... fintech') matches when each part starts at most GAP tokens after
the one before, in the same sentence. All of it is linear in the length of the email: a
PhraseMatcher costs a few microseconds a Doc, where spaCy's Matcher, calling Python for every
token it tests, costs a few hundred.
"""

from __future__ import annotations

from collections import defaultdict

from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from agent.classifier.lexicon import cue_parts, table
from agent.classifier.words import plain_doc, words_of

UNNAMED_CLIENT = "unnamed_client"
CLIENT_DECIDED = "client_decided"
# Parts of a cue joined by ' ... ' may be this many tokens apart (' ...12 ' says how many).
GAP = 6
# A possessive after a cue ('our client's team') talks about the client's people, not about the client.
_POSSESSIVES = frozenset({"'s"})  # the words' apostrophes are plain (words_of)
_SENTENCE_ENDS = frozenset({".", "!", "?"})


def role_key(group: str) -> str:
    return f"role.{group}"


def company_key(group: str) -> str:
    return f"company.{group}"


class Cues:
    """The compiled cues; calling it on a Doc gives each key's matches as (start, end) token spans."""

    def __init__(self, vocab: Vocab, tokenizer: Tokenizer) -> None:
        self.lower = PhraseMatcher(vocab, attr="LOWER")
        self.cased = PhraseMatcher(vocab, attr="ORTH")
        self._parts: dict[tuple[bool, tuple[str, ...]], str] = {}
        # For each first part: the keys of the cues it opens, and the cues' other parts.
        self._first: dict[str, list[tuple[str, tuple[tuple[int, str], ...]]]] = defaultdict(list)
        self._tokenizer = tokenizer
        for group, settings in table("role.groups").items():
            self._add(role_key(group), f"role.cues.{group}", bool(settings.get("cased")))
        for group in table("company.weights"):
            self._add(company_key(group), f"company.cues.{group}", False)
        self._add(UNNAMED_CLIENT, "company.words.unnamed_client", True)
        self._add(CLIENT_DECIDED, "company.words.client_decided", False)

    def _add(self, key: str, entries: str, cased: bool) -> None:
        for parts in cue_parts(entries, GAP):
            ids = [(gap, self._part(cased, tuple(p for p in part if p))) for gap, part in parts]
            if (key, tuple(ids[1:])) not in self._first[ids[0][1]]:
                self._first[ids[0][1]].append((key, tuple(ids[1:])))

    def _part(self, cased: bool, found: tuple[str, ...]) -> str:
        if (cased, found) not in self._parts:
            label = f"part{len(self._parts)}"
            self._parts[(cased, found)] = label
            (self.cased if cased else self.lower).add(label, [self._tokenizer(phrase) for phrase in found])
        return self._parts[(cased, found)]

    def __call__(self, doc: Doc) -> dict[str, list[tuple[int, int]]]:
        """Each key's matches in the Doc, as token spans."""
        by_part: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        strings = doc.vocab.strings
        matched = plain_doc(doc)  # "can’t share the name" is the list's "can't share the name"
        for matcher in (self.lower, self.cased):
            for match_id, start, end in matcher(matched):
                by_part[strings[match_id]][start].append(end)
        texts = words_of(doc).texts
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for part, hits in by_part.items():
            for key, ids in self._first.get(part, ()):
                for start, ends in hits.items():
                    for end in ends:
                        last = _rest_ends(ids, end, by_part, texts)
                        if last >= 0 and not (key == UNNAMED_CLIENT and last < len(texts) and texts[last] in _POSSESSIVES):
                            found[key].append((start, last))
        return found


def _rest_ends(ids: tuple[tuple[int, str], ...], after: int, by_part: dict[str, dict[int, list[int]]], texts: list[str]) -> int:
    """Where the rest of a cue ends when its parts follow 'after' closely, in the same sentence; -1 when they do not."""
    if not ids:
        return after
    gap, part = ids[0]
    starts = by_part.get(part, {})
    for start in range(after, min(after + gap, len(texts) - 1) + 1):
        if start > after and (texts[start - 1] in _SENTENCE_ENDS or "\n" in texts[start - 1]):
            break
        for end in starts.get(start, ()):
            last = _rest_ends(ids[1:], end, by_part, texts)
            if last >= 0:
                return last
    return -1
