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
from operator import methodcaller
from pathlib import Path
from typing import Any

from agent.errors import PatternError

PATTERNS = Path(__file__).resolve().parent / "patterns"
COMMON = "common.toml"
# Tables of settings rather than of words, read by the code that knows their meaning: common.toml only.
SETTINGS = frozenset({"role.groups", "company.weights"})
# Cue lists whose groups common.toml must weigh: '[role.cues] x' needs '[role.groups] x'.
_GROUPED = {"role.cues": "role.groups", "company.cues": "company.weights"}
# Words as regular expressions see them (\b...\b): 'no-reply' is the two words 'no' 'reply'.
_WORD = re.compile(r"\w+")
# ' ... ' or ' ...12 ' between the parts of a cue.
_GAPS = re.compile(r" \.\.\.(\d*) ")


def variants(spec: str) -> list[str]:
    """The phrases one entry stands for: 'a|b / c|' → ['a c', 'a', 'b c', 'b'] (see patterns/README.md)."""
    slots = [slot.strip().split("|") for slot in spec.split(" / ")]
    return [" ".join(w.strip() for w in combo if w.strip()) for combo in product(*slots)]


def load_patterns(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every file of a patterns folder, common.toml first, each checked; PatternError names the file and key of a mistake."""
    common = folder / COMMON
    if not common.is_file():
        raise PatternError(f"{common}: missing (it says how much each cue counts)")
    paths = [common, *sorted(p for p in folder.glob("*.toml") if p.name != COMMON)]
    files = [(path, _read(path)) for path in paths]
    for path, data in files:
        _check_table(path, data, "")
    for path, data in files:
        for cues, groups in _GROUPED.items():
            known = _lookup(files[0][1], groups)
            for group in _lookup(data, cues) or {}:
                if not isinstance(known, dict) or group not in known:
                    raise PatternError(f"{path}: {cues}.{group}: no such group in {COMMON} [{groups}], which says what it counts for")
    return files


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PatternError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PatternError(f"{path}: not valid TOML: {exc}") from exc


def _check_table(path: Path, data: dict[str, Any], prefix: str) -> None:
    """Lists of non-empty phrases under nested tables; settings tables in common.toml only."""
    for name, value in data.items():
        key = f"{prefix}{name}"
        if key in SETTINGS:
            if path.name != COMMON:
                raise PatternError(f"{path}: {key}: settings belong in {COMMON}, not in a language's file")
            if not isinstance(value, dict):
                raise PatternError(f"{path}: {key}: must be a table")
            for group, weight in value.items() if key == "company.weights" else ():
                if isinstance(weight, bool) or not isinstance(weight, int | float):
                    raise PatternError(f"{path}: {key}.{group}: {weight!r} is not a number of votes")
        elif isinstance(value, dict):
            _check_table(path, value, f"{key}.")
        elif not isinstance(value, list):
            raise PatternError(f"{path}: {key}: must be a list of phrases, not {type(value).__name__} {value!r}")
        else:
            for entry in value:
                if problem := _entry_problem(entry):
                    raise PatternError(f"{path}: {key}: {entry!r}: {problem} (notation: {PATTERNS / 'README.md'})")


def _entry_problem(entry: object) -> str:
    """What is wrong with one list entry, or ''."""
    if not isinstance(entry, str):
        return f"an entry must be a string, not {type(entry).__name__}"
    if not entry.strip():
        return "an empty entry"
    pieces = _GAPS.split(entry)
    for part in pieces[::2]:
        if "..." in part:
            return "'...' joins two parts with a space either side ('x ... y', 'x ...12 y')"
        if not part.strip() or "" in variants(part):
            return "a part that can match nothing (every slot is optional)"
    return ""


@cache
def _files() -> list[dict[str, Any]]:
    return [data for _path, data in load_patterns(PATTERNS)]


def _lookup(table: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(table, dict) or part not in table:
            return None
        table = table[part]
    return table


def entries(key: str) -> list[str]:
    """Every language's entries under a dotted key ('org.nouns'), in file order, without repeats."""
    found = [_lookup(table, key) for table in _files()]
    if all(f is None for f in found):
        raise PatternError(f"{PATTERNS}: no file has the key {key}, which the extractor reads")
    seen: dict[str, None] = {}
    for entry_list in found:
        for entry in entry_list if isinstance(entry_list, list) else []:
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
    """A table of settings (role.groups, company.weights) from common.toml."""
    found = _lookup(_files()[0], key)
    if not isinstance(found, dict):
        raise PatternError(f"{PATTERNS / COMMON}: no table {key}, which the extractor reads")
    return found


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
    firsts: frozenset[str] = frozenset()
    """The first word of each phrase: a text's word that is none of them starts no phrase, and costs one set look-up."""

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
        return cls(frozenset(exact), tuple(prefixes), max((len(e) for e in exact), default=0), frozenset(e[0] for e in exact))

    def found_in(self, text: str) -> bool:
        """Whether a phrase of the table is among the text's words (or a word starts with a stem)."""
        return self.found_in_words(word_list(text))

    def found_in_words(self, ws: list[str]) -> bool:
        exact, longest, firsts = self.exact, self.longest, self.firsts
        for i, w in enumerate(ws):
            if w not in firsts:
                continue
            for n in range(1, min(longest, len(ws) - i) + 1):
                if tuple(ws[i : i + n]) in exact:
                    return True
        return bool(self.prefixes) and any(map(methodcaller("startswith", self.prefixes), ws))

    def starts(self, text: str) -> bool:
        """Whether the text's first words are a phrase of the table (or its first word starts with a stem)."""
        ws = word_list(text)
        if not ws:
            return False
        # Most texts asked about open with a word that opens no phrase: one set look-up answers them.
        if ws[0] in self.firsts and any(tuple(ws[:n]) in self.exact for n in range(1, min(self.longest, len(ws)) + 1)):
            return True
        return bool(self.prefixes) and ws[0].startswith(self.prefixes)
