"""The day an invitation or an assessment names, read in the email's language from the tables in calendar/.

Each word becomes a part (WEEKDAY, DAY, MONTH, ...; see calendar/README.md) or nothing, and a
spaCy Matcher finds the language's `orders` in the sequence of parts: the grammar is data, the
matching is linear in the length of the email. A day is resolved against the email's arrival,
so "Thursday" is the Thursday after it and "3 December" the next 3 December.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.util import filter_spans
from spacy.vocab import Vocab

CALENDAR = Path(__file__).resolve().parent / "calendar"
# A day and month with no year that lies behind the arrival is next year's when that is at most this
# far ahead (an email in late December about "5 January"); otherwise it is a day already past.
NEXT_YEAR_WITHIN = timedelta(days=120)
# A deadline cue counts when it ends at most this many words before the day ("by end of day Friday").
DEADLINE_REACH = 3
_NONE = "_"


@dataclass(frozen=True)
class NamedDay:
    """A day an email names: when, and whether it is a deadline."""

    day: date
    deadline: bool


@dataclass(frozen=True)
class Event:
    """What an invitation says about its day: one day, several to choose from, or a deadline."""

    day: date
    kind: str
    """'appointment', 'options' or 'deadline'."""


class _Table:
    """One language's calendar words and orders, compiled into a Matcher over parts."""

    def __init__(self, vocab: Vocab, table: dict[str, Any]) -> None:
        self.words: dict[str, tuple[str, int]] = {}
        for kind, key in (("WEEKDAY", "weekdays"), ("MONTH", "months")):
            for n, spellings in enumerate(table[key]):
                full, *short = spellings.split("|")
                self.words[full] = (kind, n)
                for s in short:
                    self.words.setdefault(s, (f"{kind}_SHORT", n))
        self.fillers = frozenset(table.get("fillers", ()))
        self.ordinals = tuple(sorted(table.get("ordinals", ()), key=len, reverse=True))
        self.numeric = str(table.get("numeric", ""))
        self.relative = {str(k): int(v) for k, v in table.get("relative", {}).items()}
        self.deadline = [tuple(cue.split()) for cue in table.get("deadline", ())]
        self.matcher = Matcher(vocab)
        for n, order in enumerate(table["orders"]):
            self.matcher.add(str(n), [_pattern(order)], greedy="LONGEST")
        self.matcher.add("relative", [[{"ORTH": "RELATIVE"}]])

    def part(self, word: str, following: str) -> tuple[str, int]:
        """The part a lowercased word plays, with its value (weekday or month number, day, year)."""
        if word in self.words:
            return self.words[word]
        if word in self.relative:
            return "RELATIVE", self.relative[word]
        if word in self.fillers:
            return "FILLER", 0
        if word == ".":
            return "DOT", 0
        number = _day_number(word, self.ordinals)
        if number is not None:
            # "2026" is a year; "14" before ":" or "h" is a time, which this reader leaves alone.
            if 1900 <= number <= 2100 and word.isdigit() and len(word) == 4:
                return "YEAR", number
            if 1 <= number <= 31 and following not in {":", "h", "uhr", "am", "pm", "a.m.", "p.m.", "u"}:
                return "DAY", number
        if self.numeric and _numeric(word, self.numeric) is not None:
            return "NUMERIC", 0
        return _NONE, 0


def _pattern(order: str) -> list[dict[str, Any]]:
    pattern: list[dict[str, Any]] = []
    parts = order.split()
    for i, part in enumerate(parts):
        optional = part.endswith("?")
        name = part.rstrip("?")
        # A short form alone ("so", "do", "may") is an everyday word; with a day beside it, a date.
        names = [name, f"{name}_SHORT"] if name in {"WEEKDAY", "MONTH"} and len(parts) > 1 else [name]
        if i:
            pattern.append({"ORTH": "FILLER", "OP": "*"})
        pattern.append({"ORTH": {"IN": names}, **({"OP": "?"} if optional else {})})
    return pattern


def _day_number(word: str, ordinals: Sequence[str]) -> int | None:
    if word.isdigit() and len(word) <= 4:
        return int(word)
    for ending in ordinals:
        if word.endswith(ending) and word[: -len(ending)].isdigit() and len(word) - len(ending) <= 2:
            return int(word[: -len(ending)])
    return None


def _numeric(word: str, order: str) -> tuple[int, int, int | None] | None:
    """Day, month and year (or None) of '03.12.2026', '3.12', '3/12/26'; None when it is not such a date."""
    for sep in "./":
        pieces = word.strip(sep).split(sep)
        if len(pieces) in (2, 3) and all(p.isdigit() and 0 < len(p) <= 4 for p in pieces):
            first, second = int(pieces[0]), int(pieces[1])
            day, month = (first, second) if order == "dmy" else (second, first)
            year = int(pieces[2]) if len(pieces) == 3 else None
            if year is not None and year < 100:
                year += 2000
            if 1 <= day <= 31 and 1 <= month <= 12 and len(pieces[0]) <= 2 and len(pieces[1]) <= 2:
                return day, month, year
    return None


@cache
def _tables() -> dict[str, dict[str, Any]]:
    return {path.stem: tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(CALENDAR.glob("*.toml"))}


class DateReader:
    """Finds the days an email names, in any language with a calendar table."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.tables = {lang: _Table(vocab, table) for lang, table in _tables().items()}

    def days(self, words: Sequence[str], language: str, arrived: date) -> list[NamedDay]:
        """Every day named on or after the arrival, in order of appearance."""
        table = self.tables.get(language) or self.tables["en"]
        lower = [w.lower() for w in words]
        parts = [table.part(w, lower[i + 1] if i + 1 < len(lower) else "") for i, w in enumerate(lower)]
        doc = Doc(self.vocab, words=[p[0] for p in parts])
        spans = filter_spans([doc[start:end] for _id, start, end in table.matcher(doc)])
        out = []
        for span in sorted(spans, key=lambda s: s.start):
            day = _resolve([(parts[i], lower[i]) for i in range(span.start, span.end)], table, arrived)
            if day is not None:
                out.append(NamedDay(day, _after_deadline_cue(lower, span.start, table)))
        return out


def _resolve(parts: list[tuple[tuple[str, int], str]], table: _Table, arrived: date) -> date | None:
    values: dict[str, int] = {}
    for (kind, value), word in parts:
        kind = kind.removesuffix("_SHORT")
        if kind == "NUMERIC":
            found = _numeric(word, table.numeric)
            if found is None:
                return None
            values["DAY"], values["MONTH"] = found[0], found[1] - 1
            if found[2] is not None:
                values["YEAR"] = found[2]
        elif kind != "FILLER" and kind != "DOT":
            values.setdefault(kind, value)
    if "RELATIVE" in values:
        return arrived + timedelta(days=values["RELATIVE"])
    if "DAY" in values and "MONTH" in values:
        year = values.get("YEAR", arrived.year)
        try:
            day = date(year, values["MONTH"] + 1, values["DAY"])
        except ValueError:
            return None  # 31 February
        if "YEAR" not in values and day < arrived:
            try:
                later = date(year + 1, values["MONTH"] + 1, values["DAY"])
            except ValueError:
                return None
            return later if later - arrived <= NEXT_YEAR_WITHIN else None  # else a day already past
        return day if day >= arrived else None
    if "WEEKDAY" in values:
        ahead = (values["WEEKDAY"] - arrived.weekday() - 1) % 7 + 1
        return arrived + timedelta(days=ahead)
    return None


def _after_deadline_cue(words: Sequence[str], start: int, table: _Table) -> bool:
    for cue in table.deadline:
        for gap in range(0, DEADLINE_REACH + 1):
            end = start - gap
            if end - len(cue) >= 0 and tuple(words[end - len(cue) : end]) == cue:
                return True
    return False


def event_of(days: Sequence[NamedDay]) -> Event | None:
    """What the named days add up to: one appointment, several options (the earliest kept), or a deadline."""
    meetings = sorted({d.day for d in days if not d.deadline})
    if len(meetings) == 1:
        return Event(meetings[0], "appointment")
    if meetings:
        return Event(meetings[0], "options")
    deadlines = sorted({d.day for d in days if d.deadline})
    return Event(deadlines[0], "deadline") if deadlines else None
