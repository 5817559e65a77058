"""The job title an email names: read after each role cue, and on a title line of its own.

The cues ('for the … role', 'position of', 'Role:', 'poste de', 'als') are phrase lists in
patterns/<lang>.toml, matched once on the Doc (cues.py); role_reader.py reads the role after each.
What surrounds a role in subjects and title lines ('Interview invitation – ', ' – Round 2',
'Req 4471', 'the') is trimmed with the word lists in [role.words].
"""

from __future__ import annotations

import re
from collections import defaultdict

from agent.classifier.lexicon import phrases, word_list, words
from agent.classifier.orgs import NAME_CONNECTORS, is_greeting, is_placeholder, looks_like_org, squash
from agent.classifier.role_reader import GROUPS, RoleReader
from agent.classifier.senders import PLATFORMS
from agent.classifier.titles import has_role_word

# Longest role a vote is cast for: more is a sentence.
MAX_ROLE_CHARS = 80
# A title line is looked for in the first characters of the body only.
TITLE_LINE_WITHIN = 600
_DASHES = "–—-"
# A title line's role ends before the first of these, at one of the others or at the line's end.
_CLAUSE_END = re.compile(r"[.!?:;,]")
_ROLE_CLOSE = re.compile(r"[ \t,(–—-]")
_REFERENCES = words("role.words.references")
_REFERENCE_STARTS = tuple(_REFERENCES)
_ACADEMIC = tuple(words("role.words.academic"))
_JUNK_AFTER_DASH = frozenset(tuple(word_list(p)) for p in phrases("role.words.junk_after_dash"))
_JUNK_BEFORE_DASH = frozenset(tuple(word_list(p)) for p in phrases("role.words.junk_before_dash"))
_JUNK_LEADING = words("role.words.junk_leading")
_JUNK_TRAILING = words("role.words.junk_trailing")
_JUNK_TRAILING_AFTER = words("role.words.junk_trailing_after")


def _has_phrase_words(text: str, table_: frozenset[tuple[str, ...]]) -> bool:
    ws = word_list(text)
    return any(tuple(ws[i : i + n]) in table_ for i in range(len(ws)) for n in (1, 2, 3) if i + n <= len(ws))


def trim_role(role: str) -> str:
    """A role without what surrounds it in subjects: 'Interview invitation – Data Engineer', 'the 2026 Analyst Programme'."""
    first_dash = next((i for i, c in enumerate(role) if c in _DASHES), -1)
    if 0 < first_dash < len(role) - 1 and role[first_dash - 1].isspace() and role[first_dash + 1].isspace() and _has_phrase_words(
            role[:first_dash], _JUNK_BEFORE_DASH):
        role = role[first_dash + 2 :]
    else:
        head, _, rest = role.partition(" ")
        if head.lower() in _JUNK_LEADING or (len(head) == 4 and head.isdigit()):
            role = rest.lstrip() if rest.strip() else role
        elif head.lower() in _REFERENCES or (head.lower() == "job" and rest.lower().startswith(_REFERENCE_STARTS)):
            ws = role.split()
            k = 2 if head.lower() == "job" and len(ws) > 1 and ws[1].lower() in _REFERENCES else 1
            k += k < len(ws) and ws[k] == "#"
            if k < len(ws) - 1 and any(c.isdigit() for c in ws[k]):
                role = " ".join(ws[k + 1 :])
    for i, c in enumerate(role):  # ' – Interview', ' - Round 2' and all after
        if c in _DASHES and 0 < i < len(role) - 1 and role[i - 1].isspace() and role[i + 1].isspace():
            segment = role[i + 1 :]
            nxt = next((j for j, d in enumerate(segment) if d in _DASHES), len(segment))
            if _has_phrase_words(segment[:nxt], _JUNK_AFTER_DASH):
                return role[:i].rstrip()
    head, _, last = role.rpartition(" ")
    before, _, middle = head.rpartition(" ")
    if middle.lower() in _JUNK_TRAILING_AFTER and before.strip() and last.isalnum():
        return before.rstrip()
    if head.strip() and last.lower() in _JUNK_TRAILING:
        return head.rstrip()
    return role


def role_votes(cues: dict[str, list[tuple[int, int]]], body: str, subject_len: int) -> dict[str, float]:
    """Votes for roles, read after each cue (cue group → (start, end) characters) and on a title line in the body."""
    votes: dict[str, float] = defaultdict(float)
    reader = RoleReader(body)
    for name, found in cues.items():
        group = GROUPS.get(name)
        if group is None:
            continue
        taken = 0
        for cue_start, cue_end in sorted(found, key=lambda c: (c[0], -c[1])):
            if cue_start < taken or cue_end > len(body):
                continue
            if group.line_start and not _at_line_start(body, cue_start):
                continue
            got = reader.read(group, cue_end)
            if got is None:
                continue
            start, end, taken = got
            role = trim_role(body[start:end].strip(" ,.;:-–"))
            if role.lower().endswith(_ACADEMIC):
                role += reader.academic(end)  # 'Lecturer in Computer Science', not 'Lecturer'
            if 1 < len(role) <= MAX_ROLE_CHARS and not is_placeholder(body[max(start - 1, 0) : end + 1]) and (
                    not group.needs_role_noun or has_role_word(role)):
                votes[role] += group.weight
    for line in body[subject_len:TITLE_LINE_WITHIN].split("\n"):
        role = title_line(line)
        if role:
            votes[role] += 1.5
    return votes


def _at_line_start(body: str, p: int) -> bool:
    while p and body[p - 1] in " \t":
        p -= 1
    return not p or body[p - 1] == "\n"


def _reference_follows(text: str, at: int, end: int) -> bool:
    """' - Req 123', ', 4471', ' (ID 12)': a reference after a title line's role at text[at:], or only spaces.

    end: the length of the text without its trailing spaces and tabs. Read in place, not from a
    copy of the rest of the line: title_line asks at every separator of a line.
    """
    if at >= end:
        return True
    q = at
    while q < end and text[q].isspace():
        q += 1
    if q == end or text[q] not in ",(–—-":
        return False
    after = text[q + 1 : end].lstrip().lower()
    return after[:1] in ("#", *"0123456789") or after.startswith(_REFERENCE_STARTS)


def title_line(line: str) -> str:
    """A title on a line of its own: 'Senior Associate – Employment Law', 'Re: Data Analyst, Req 123'."""
    text = line.lstrip(" \t")
    if text[:3].lower() == "re:":
        text = text[3:].lstrip()
    if not "A" <= text[:1] <= "Z":
        return ""
    clause = _CLAUSE_END.search(text)
    stop = clause.start() if clause else len(text)
    role, end = "", len(text.rstrip(" \t"))
    last = min(stop, 61)
    # Only a separator or the line's end can close the role: the places to try, found by one search.
    closes = [m.start() for m in _ROLE_CLOSE.finditer(text, 3, min(last, end - 1) + 1)]
    for r in [*closes, *range(max(end, 3), last + 1)]:
        if r == stop and text[r : r + 1] == "," and not text[r + 1 :].lstrip().lower().startswith(_REFERENCE_STARTS):
            clause2 = _CLAUSE_END.search(text, r + 1)
            stop2 = clause2.start() - (r + 1) if clause2 else len(text) - (r + 1)
            found = next((r + 1 + k for k in range(2, min(stop2, 40) + 1) if _reference_follows(text, r + 1 + k, end)), 0)
            if found:
                role = text[:found]
                break
        if _reference_follows(text, r, end):
            role = text[:r]
            break
    role = trim_role(role.strip())
    if not role or not has_role_word(role) or looks_like_org(role) or is_greeting(role) or is_placeholder(role):
        return ""
    return role if all(w[0].isupper() or w in NAME_CONNECTORS or not w[0].isalpha() for w in role.split()) else ""


def best_role(votes: dict[str, float], company: str) -> tuple[str, float]:
    """The role with the most votes, and its votes; ('', 0.0) when none."""
    votes = {r: v for r, v in votes.items() if squash(r) not in {squash(company), *PLATFORMS} and not (company and r.endswith(company))}
    for short in sorted(votes, key=len):  # 'Engineering Manager' is a vote for 'Engineering Manager, Platform'
        longer = [r for r in votes if r != short and r.startswith(short) and votes[r] >= 1.5]
        if longer:
            votes[max(longer, key=lambda r: votes[r])] += votes[short]
    best = max(votes, key=lambda r: (votes[r], has_role_word(r), len(r)), default="")
    return best, votes.get(best, 0.0)
