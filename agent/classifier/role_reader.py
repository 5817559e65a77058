"""Reading a role forward from the end of a cue, in the shape the cue's group names.

The groups and their shapes are data (patterns/common.toml [role.groups], the words in
patterns/<lang>.toml [role.words]; patterns/README.md):

- title: capitalised words joined by connectors ('Head of Sales and Marketing'); a team after a comma
  or a dash only when a role-ending word follows it ('Data Analyst, Patient Experience role'); a
  parenthesis unless it holds a reference ('(m/w/d)', not '(Req 4471)'); a reference number or a
  year before it is passed over ('Req #12345 Senior Accountant');
- loose: up to four words of any case, stopping at a function word ('commis de cuisine');
- als: one or two capitalised words, then a lowercase word or the end of a clause (German, Dutch);
- lowercase: up to two lowercase words and a role noun before a job noun ('the barista spot').

Every read is linear: it moves forward over characters it has not read, a few words at most, and
gives back only whole words (a regular expression with the same shape would backtrack inside them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from agent.classifier.lexicon import COMMON, phrases, table, word_list, words
from agent.classifier.titles import ends_with_role_noun
from agent.errors import PatternError

_WORD_EXTRA = frozenset("'’&+*/-_")
_LOOSE_EXTRA = frozenset("'’*/-_")
_ALS_EXTRA = frozenset("/*-_")
_CODE_EXTRA = frozenset("/-_")
_DASHES = "–—-"
_GENDER_LETTERS = frozenset("mwfdhxv")
# A reference in a parenthesis: a number of four digits or more, or letters and three digits ('HR-204').
_REFERENCE_CODE = re.compile(r"\d{4}|[a-z]-?\d{3}")
_THREE_DIGITS = re.compile(r"\d{3}")
_WORD = re.compile(r"\w+")
_CONNECTORS = sorted(phrases("role.words.connectors"), key=len, reverse=True)
_LOOSE_CONNECTORS = sorted(phrases("role.words.loose_connectors"), key=len, reverse=True)
_ELISIONS = phrases("role.words.elisions")
_LOOSE_STOPS = words("role.words.loose_stops")
_REFERENCES = words("role.words.references")
_NOT_TEAMS = _REFERENCES | words("role.words.not_teams")
_REFERENCE_MARKS = tuple(words("role.words.reference_marks"))
_ACADEMIC_IN = phrases("role.words.academic_in")
_ACADEMIC_CONNECTORS = phrases("role.words.academic_connectors")
_NOT_AFTER_ALS = frozenset(phrases("role.words.not_after_als"))
_NOT_SECOND_AFTER_ALS = frozenset(phrases("role.words.not_second_after_als"))
_AFTER_TEAM = words("role.words.after_team")
_THEN = {key: words(f"role.words.{key}") for key in ("job_nouns", "after_apply_to", "after_lowercase")}


@dataclass(frozen=True)
class Group:
    """How one group of role cues is read (patterns/common.toml [role.groups])."""

    name: str
    weight: float
    cased: bool
    role: str
    then: str = ""
    any_case: bool = False
    line_start: bool = False
    code_before: bool = False
    needs_role_noun: bool = False
    capital: bool = False
    wraps: bool = False


# The shapes a group may read, and the settings' types (a TOML integer is a fine weight).
SHAPES = frozenset({"title", "loose", "als", "lowercase"})
_TYPES: dict[str, tuple[type, ...]] = {"float": (int, float), "bool": (bool,), "str": (str,)}


def read_groups(settings: dict[str, Any], where: str = f"{COMMON} [role.groups]") -> dict[str, Group]:
    """The groups of common.toml [role.groups], checked: PatternError names the group and setting that are wrong."""
    kinds = {f.name: str(f.type) for f in fields(Group) if f.name != "name"}
    groups = {}
    for name, given in settings.items():
        if not isinstance(given, dict):
            raise PatternError(f"{where}: {name}: must be a table of settings ({', '.join(kinds)})")
        for setting, value in given.items():
            if setting not in kinds:
                raise PatternError(f"{where}: {name}.{setting}: no such setting (known: {', '.join(kinds)})")
            if not isinstance(value, _TYPES[kinds[setting]]) or (kinds[setting] == "float" and isinstance(value, bool)):
                raise PatternError(f"{where}: {name}.{setting}: {value!r} is not a {kinds[setting]}")
        missing = [s for s in ("weight", "cased", "role") if s not in given]
        if missing:
            raise PatternError(f"{where}: {name}: missing {', '.join(missing)}")
        if given["role"] not in SHAPES:
            raise PatternError(f"{where}: {name}.role: {given['role']!r} is none of {', '.join(sorted(SHAPES))}")
        if given.get("then", "") not in ("", *_THEN):
            raise PatternError(f"{where}: {name}.then: {given['then']!r} is none of {', '.join(_THEN)}")
        groups[name] = Group(name=name, **given)
    return groups


GROUPS = read_groups(table("role.groups"))


def _gender(text: str) -> bool:
    """'m/w/d', 'H/F', 'm/v', 'm/f/x': the gender marker job ads carry after a title."""
    return len(text) in (3, 5) and all((c.lower() in _GENDER_LETTERS if i % 2 == 0 else c == "/") for i, c in enumerate(text)) and (
        text.islower() or text.isupper())


def _wordchar(c: str) -> bool:
    return c.isalnum() or c == "_"


class RoleReader:
    """Reads roles forward from positions in one email's body."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.n = len(body)

    def spaces(self, p: int, newlines: bool = False) -> int:
        body, n = self.body, self.n
        while p < n and (body[p] in " \t" or (newlines and body[p].isspace())):
            p += 1
        return p

    def run(self, p: int, extra: frozenset[str]) -> int:
        """The end of the run of word characters (and the extra ones) from p."""
        body, n = self.body, self.n
        while p < n and (body[p].isalnum() or body[p] == "_" or body[p] in extra):
            p += 1
        return p

    def word_at(self, p: int) -> str:
        m = _WORD.match(self.body, p)
        return m.group(0) if m else ""

    def title_word(self, p: int, any_case: bool) -> int:
        """End of a capitalised word at p ('Front-End', 'R&D', 'iOS'), or -1."""
        body = self.body
        if p >= self.n:
            return -1
        c = body[p]
        if c.isalpha() and (any_case or c.isupper()):
            return self.run(p + 1, _WORD_EXTRA)
        q = p
        while q < min(p + 3, self.n) and "a" <= body[q] <= "z":
            q += 1
        if q > p and q < self.n and "A" <= body[q] <= "Z":  # 'iOS', 'eCommerce'
            return self.run(q + 1, _WORD_EXTRA)
        return -1

    def number(self, p: int, any_case: bool, ordinal_only: bool = False) -> int:
        """End of '2', '12', '1st' (a word boundary after it), or -1."""
        body, q = self.body, p
        while q < self.n and q - p < 3 and body[q].isdigit():
            q += 1
        if not 1 <= q - p <= 2:
            return -1
        suffix = body[q : q + 2]
        if (suffix.lower() if any_case else suffix) in ("st", "nd", "rd", "th"):
            q += 2
        elif ordinal_only:
            return -1
        return q if q >= self.n or not _wordchar(body[q]) else -1

    def title_ends(self, p: int, any_case: bool) -> list[int]:
        """Where a title starting at p may end, shortest first: after each of its words."""
        first = self.number(p, any_case, ordinal_only=True)
        if first >= 0 and (nxt := self.spaces(first)) > first and self.title_word(nxt, any_case) >= 0:
            p = nxt  # '1st Line Support Engineer'
        end = self.title_word(p, any_case)
        if end < 0:
            return []
        ends = [end]
        while True:
            q = self.spaces(end)
            if q == end:
                break
            nxt = -1
            for conn in _CONNECTORS:
                written = self.body[q : q + len(conn)]
                if (written.lower() == conn.lower() if any_case else written == conn) and (r := self.spaces(q + len(conn))) > q + len(conn):
                    nxt = max(self.title_word(r, any_case), self.number(r, any_case))
                    if nxt >= 0:
                        break
            if nxt < 0:
                nxt = max(self.title_word(q, any_case), self.number(q, any_case))
            if nxt < 0:
                break
            ends.append(nxt)
            end = nxt
        return ends

    def tail_holds(self, p: int, any_case: bool) -> bool:
        """After a team suffix: a parenthesis, a role-ending word ('role', 'at', 'has'), or the end of a clause."""
        body, n = self.body, self.n
        q = self.spaces(p)
        if q >= n or body[q] in "\n(":
            return True
        if body[q] in ".!:;":
            return q + 1 >= n or body[q + 1] in " \t\n"
        r = q + 1 if body[q] == "," else q
        s = self.spaces(r)
        if s == r and not (r == q and q > p):
            return False
        w = self.word_at(s)
        return (w.lower() if any_case else w) in _AFTER_TEAM

    def suffix_ends(self, p: int, any_case: bool) -> list[int]:
        """Ends of a team after a role ('Data Analyst, Patient Experience'), longest first, each followed by its tail."""
        body = self.body
        if body[p : p + 1] == ",":
            q = self.spaces(p + 1)
            if q == p + 1:
                return []
        else:
            q = self.spaces(p)
            if q == p or q >= self.n or body[q] not in _DASHES:
                return []
            r = self.spaces(q + 1)
            if r == q + 1:
                return []
            q = r
        if self.word_at(q).lower() in _NOT_TEAMS or _THREE_DIGITS.search(body[q : self.run(q, frozenset("-"))]):
            return []
        return [e for e in reversed(self.title_ends(q, any_case)) if self.tail_holds(e, any_case)]

    def paren_end(self, p: int, any_case: bool, gender_only: bool = False) -> int:
        """End of a parenthesis after a role that is part of it ('(m/w/d)', '(Remote)'), or -1; gender_only: only '(H/F)', '(m/v)'."""
        body = self.body
        q = self.spaces(p)
        if body[q : q + 1] != "(":
            return -1
        close = body.find(")", q + 1, q + 33)
        content = body[q + 1 : close] if close > 0 else ""
        if not content or "\n" in content or "(" in content:
            return -1
        low = content.lower()
        gender = _gender(content if not any_case else low)
        capital = content[0].isalpha() and (any_case or content[0].isupper()) and not gender_only
        if not (gender or capital):
            return -1
        if "#" in content or _REFERENCE_CODE.search(low) or any(w.startswith(_REFERENCE_MARKS) for w in word_list(low)):
            return -1
        return close + 1

    def after_reference(self, p: int) -> int:
        """Past 'Req #12345, ' or 'Job ID 4471 ' before a role, or p."""
        w = self.word_at(p)
        if w.lower() not in _REFERENCES:
            return p
        q = p + len(w)
        if w.lower() == "job" and self.body[q : q + 3].lower() == " id" and not _wordchar(self.body[q + 3 : q + 4] or " "):
            q += 3
        q = self.spaces(q + (self.body[q : q + 1] == "."))
        q = self.spaces(q + (self.body[q : q + 1] == "#"))
        end = self.run(q, frozenset("-"))
        if not any(c.isdigit() for c in self.body[q:end]):
            return p
        end += self.body[end : end + 1] == ","
        after = self.spaces(end)
        return after if after > end else p

    def after_year(self, p: int) -> int:
        body, q = self.body, p
        while q < self.n and body[q].isdigit():
            q += 1
        after = self.spaces(q)
        return after if q - p == 4 and after > q else p

    def after_code(self, p: int, dash: bool) -> int:
        """Past a code before a role ('Role: 2291 – Data Engineer', 'position #A-12 Nurse'), or p."""
        q = p + (self.body[p : p + 1] == "#")
        end = self.run(q, _CODE_EXTRA)
        if not any(c.isdigit() for c in self.body[q:end]):
            return p
        after = self.spaces(end)
        if dash and self.body[after : after + 1] in tuple(_DASHES):
            after = self.spaces(after + 1)
        return after if after > end or dash else p

    def opens_title(self, p: int, any_case: bool) -> bool:
        """Whether titles() can find anything at p: a digit, a title's first word or a reference opens one.

        Most reads after 'the' or 'as' meet a lowercase word ('the team', 'as soon'); this answers them
        without building the candidates (titles() tries four starts and reads suffixes for each).
        """
        return p < self.n and (self.body[p].isdigit() or self.title_word(p, any_case) >= 0 or self.after_reference(p) != p)

    def titles(self, p: int, any_case: bool) -> Iterator[tuple[int, int]]:
        """(start, end) of the titles that may start at p, in the order a greedy reader prefers them."""
        past_reference = self.after_reference(p)
        starts = dict.fromkeys([self.after_year(past_reference), past_reference, self.after_year(p), p])
        for start in starts:
            for end in reversed(self.title_ends(start, any_case)):
                for stop in [*self.suffix_ends(end, any_case), end]:
                    paren = self.paren_end(stop, any_case)
                    if paren >= 0:
                        yield start, paren
                    yield start, stop

    def loose(self, p: int, capital: bool) -> Iterator[tuple[int, int]]:
        """'commis de cuisine', 'Infirmier(e) de nuit': up to four words, stopping at a function word."""
        for elision in _ELISIONS:
            if self.body[p : p + len(elision)].lower() == elision:
                p += len(elision)
                break
        if capital and not self.body[p : p + 1].isupper():
            return
        end = self.loose_word(p)
        if end < 0:
            return
        for _ in range(3):
            q = self.spaces(end)
            if q == end:
                break
            nxt = self.loose_word(q)
            if nxt < 0:
                for conn in _LOOSE_CONNECTORS:
                    if self.body[q : q + len(conn)].lower() == conn and (conn.endswith(("'", "’")) or not _wordchar(self.body[q + len(conn) : q + len(conn) + 1] or " ")):
                        nxt = self.loose_word(self.spaces(q + len(conn)))
                        break
            if nxt < 0:
                break
            end = nxt
        paren = self.paren_end(end, True, gender_only=True)  # the French title is 'Responsable paie (H/F)'; '(turno de noche)' is no part of it
        yield p, paren if paren >= 0 else end

    def loose_word(self, p: int) -> int:
        body = self.body
        if p >= self.n or not body[p].isalpha():
            return -1
        word, spelled = self.word_at(p).lower(), body[p : self.run(p, frozenset("'’"))].lower()
        if word in _LOOSE_STOPS or spelled in _LOOSE_STOPS:
            return -1
        end = self.run(p + 1, _LOOSE_EXTRA)
        close = body.find(")", end, end + 6)
        if body[end : end + 1] == "(" and close > end + 1 and body[end + 1 : close].isalpha():
            end = close + 1  # 'Infirmier(e)', 'Conseiller(ère)'
        return end

    def als(self, p: int) -> Iterator[tuple[int, int]]:
        """'als Projektleiter', 'als Software-Entwickler (m/w/d)': one or two capitalised words."""
        ends = []
        end = self.capital_word(p, _NOT_AFTER_ALS)
        if end >= 0:
            ends.append(end)
            if self.body[end : end + 1] == " " and (second := self.capital_word(end + 1, _NOT_SECOND_AFTER_ALS)) >= 0:
                ends.append(second)
        for end in reversed(ends):
            paren = self.paren_end(end, False)
            for stop in ([paren] if paren >= 0 else []) + [end]:
                body = self.body
                nxt = body[stop + 1 : stop + 2]
                if (body[stop : stop + 1] == " " and nxt.isalpha() and nxt.islower()) or body[stop : stop + 1] in (".", ",", "!") or (
                        body[stop : stop + 1] == " " and nxt in (".", ",", "!")) or not body[stop:].strip("\n"):
                    yield p, stop

    def capital_word(self, p: int, excluded: frozenset[str]) -> int:
        if p >= self.n or not self.body[p].isupper() or self.word_at(p) in excluded:
            return -1
        end = self.run(p + 1, _ALS_EXTRA)
        return end if end - p >= 2 else -1

    def opens_lowercase(self, p: int) -> bool:
        """Whether lowercase() can find anything at p: its first word starts with a lowercase letter (or follows a line break)."""
        c = self.body[p : p + 1]
        return "a" <= c <= "z" or c.isspace()

    def lowercase(self, p: int) -> Iterator[tuple[int, int]]:
        """'the barista spot', 'the assistant manager job': up to two lowercase words and a role noun."""
        body, q = self.body, p
        for _ in range(3):
            end = body.find(" ", q, q + 40)
            word = body[q:end] if end >= 0 else body[q : q + 40].split()[0] if body[q : q + 40].strip() else ""
            end = q + len(word)
            if not word or not "a" <= word[0] <= "z" or any(c.isspace() for c in word):
                return
            if self.word_at(self.spaces(end, newlines=True)) in _THEN["after_lowercase"] and ends_with_role_noun(word):
                yield p, end
            if body[end : end + 1] != " ":
                return
            q = end + 1

    def then_holds(self, end: int, then: str, any_case: bool) -> int:
        """Whether the words a group needs follow a role; where the match ends (-1 when they do not)."""
        if not then:
            return end
        q = end + (then == "after_apply_to" and self.body[end : end + 1] == ",")
        r = self.spaces(q, newlines=True)
        w = self.word_at(r)
        if r == q or not w or (w.lower() if any_case else w) not in _THEN[then]:
            return -1
        return end if then == "after_apply_to" else r + len(w)

    def read(self, group: Group, cue_end: int) -> tuple[int, int, int] | None:
        """(start, end) of the role after a cue, and where the match ends; None when no role follows."""
        p = self.spaces(cue_end, newlines=group.wraps)
        if p == cue_end and not group.line_start:
            return None
        if group.role == "title":
            start = self.after_code(p, dash=group.line_start) if group.code_before else p  # 'Reference: RDC/26/0041' names no role
            if not self.opens_title(start, group.any_case):
                return None
            candidates: Iterator[tuple[int, int]] = self.titles(start, group.any_case)
        elif group.role == "loose":
            candidates = self.loose(p, group.capital)
        elif group.role == "als":
            candidates = self.als(p)
        else:
            if not self.opens_lowercase(p):
                return None
            candidates = self.lowercase(p)
        for start, end in candidates:
            stop = self.then_holds(end, group.then, group.any_case)
            if stop >= 0:
                return start, end, stop
        return None

    def academic(self, end: int) -> str:
        """' in Computer Science' after 'Lecturer' or 'Professor'."""
        body = self.body
        for word in _ACADEMIC_IN:
            if body[end : end + len(word) + 2] == f" {word} " and (q := end + len(word) + 2) < self.n and "A" <= body[q] <= "Z":
                stop = self.run(q + 1, frozenset("&-"))
                while body[stop : stop + 1] == " ":
                    nxt = stop + 1
                    for conn in _ACADEMIC_CONNECTORS:
                        if body[nxt : nxt + len(conn) + 1] == conn + " ":
                            nxt += len(conn) + 1
                            break
                    if not "A" <= body[nxt : nxt + 1] <= "Z":
                        break
                    stop = self.run(nxt + 1, frozenset("-"))
                return body[end:stop]
        return ""
