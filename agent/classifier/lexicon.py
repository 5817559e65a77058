"""The extraction rules as data: patterns/<lang>.toml and patterns/common.toml, read once and merged.

A reviewer reads and changes words there (see patterns/README.md), not here. Every language's lists
are merged into one: mail mixes languages (an English subject over a German body, a French
signature), and the extractor reads an email before its language is known. This module only
loads the files and answers "is one of these words in this text": it holds no rules of its own.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

PATTERNS = Path(__file__).resolve().parent / "patterns"
# Words as regular expressions see them (\b...\b): 'no-reply' is the two words 'no' 'reply'.
_WORD = re.compile(r"\w+")
# ' ... ' or ' ...12 ' between the parts of a cue.
_GAPS = re.compile(r" \.\.\.(\d*) ")


def variants(spec: str) -> list[str]:
    """The phrases one entry stands for: 'a|b / c|' → ['a c', 'a', 'b c', 'b'] (see patterns/README.md)."""
    slots = [slot.strip().split("|") for slot in spec.split(" / ")]
    return [" ".join(w.strip() for w in combo if w.strip()) for combo in product(*slots)]


@cache
def _files() -> list[dict[str, Any]]:
    names = ["common.toml", *sorted(p.name for p in PATTERNS.glob("*.toml") if p.name != "common.toml")]
    return [tomllib.loads((PATTERNS / name).read_text(encoding="utf-8")) for name in names]


def _lookup(table: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(table, dict) or part not in table:
            return None
        table = table[part]
    return table


def entries(key: str) -> list[str]:
    """Every language's entries under a dotted key ('org.nouns'), in file order, without repeats."""
    seen: dict[str, None] = {}
    for table in _files():
        found = _lookup(table, key)
        for entry in found if isinstance(found, list) else []:
            seen.setdefault(entry, None)
    return list(seen)


@cache
def phrases(key: str) -> tuple[str, ...]:
    """The entries under a key with their slots expanded, longest first (so a longer phrase wins)."""
    expanded = {p for entry in entries(key) for p in variants(entry) if p}
    return tuple(sorted(expanded, key=lambda p: (-len(p), p)))


@cache
def words(key: str) -> frozenset[str]:
    """The expanded entries under a key, lowercased, as a set of exact strings."""
    return frozenset(p.lower() for p in phrases(key))


def table(key: str) -> dict[str, Any]:
    """A table (settings such as weights) from common.toml."""
    found = _lookup(_files()[0], key)
    return found if isinstance(found, dict) else {}


def cue_parts(key: str, gap: int) -> list[list[tuple[int, list[str]]]]:
    """Each entry under a key as its parts, each with how far after the one before it may start and the phrases it stands for.

    'x ... y': y starts at most gap words after x; 'x ...12 y': at most 12 (patterns/README.md).
    """
    out = []
    for entry in entries(key):
        pieces = _GAPS.split(entry)
        parts = [(0, variants(pieces[0]))]
        for i in range(1, len(pieces), 2):
            parts.append((int(pieces[i]) if pieces[i] else gap, variants(pieces[i + 1])))
        out.append(parts)
    return out


def word_list(text: str) -> list[str]:
    """The words of a text, lowercased, as \\b-bounded regular expressions would see them."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class WordTable:
    """Phrases as word sequences, and 'stem*' entries as prefixes: what a text contains, or starts with."""

    exact: frozenset[tuple[str, ...]]
    prefixes: tuple[str, ...]
    longest: int

    @classmethod
    def of(cls, key: str) -> WordTable:
        return cls.build(phrases(key))

    @classmethod
    def build(cls, items: Iterable[str]) -> WordTable:
        exact, prefixes = set(), []
        for item in items:
            if item.endswith("*"):
                prefixes.append(item[:-1].lower())
            elif split := tuple(word_list(item)):
                exact.add(split)
        return cls(frozenset(exact), tuple(prefixes), max((len(e) for e in exact), default=0))

    def found_in(self, text: str) -> bool:
        """Whether a phrase of the table is among the text's words (or a word starts with a stem)."""
        return self.found_in_words(word_list(text))

    def found_in_words(self, ws: list[str]) -> bool:
        exact, longest = self.exact, self.longest
        for i in range(len(ws)):
            for n in range(1, min(longest, len(ws) - i) + 1):
                if tuple(ws[i : i + n]) in exact:
                    return True
        return bool(self.prefixes) and any(w.startswith(self.prefixes) for w in ws)

    def starts(self, text: str) -> bool:
        """Whether the text's first words are a phrase of the table (or its first word starts with a stem)."""
        ws = word_list(text)
        if any(tuple(ws[:n]) in self.exact for n in range(1, min(self.longest, len(ws)) + 1)):
            return True
        return bool(ws) and bool(self.prefixes) and ws[0].startswith(self.prefixes)
