"""Names in a subject line: 'Quillfeather - Product Designer', 'Your application for X at Y'.

A subject is split into segments at ' - ', ' | ' and ': '; each loses its opening words ('Your
application for') and its trailing ones ('(Req 4471)', '2026', 'update'), and what is left is a
role, a company or nothing. The words are data: patterns/<lang>.toml [role.subject].
"""

from __future__ import annotations

import re

from agent.classifier.lexicon import phrases, word_list, words
from agent.classifier.orgs import clean_org_name, is_placeholder, looks_like_org, valid_org_name
from agent.classifier.senders import person_first_name
from agent.classifier.titles import has_role_word, holds_no_title, is_title

# Separators of subject segments: ' - ', ' | ', ': ', '|'; read with the subject's spaces made single (no quantifier to backtrack).
_SEGMENT_SPLIT = re.compile(r" [-–—|:] |: | ?\| ?")
_THREE_DIGITS = re.compile(r"\d{3}")
_REFERENCE_MARKS = tuple(words("role.words.reference_marks"))
_REPLIES = words("role.subject.replies")
_GENERIC_STARTS = tuple(p.lower() for p in phrases("role.subject.generic"))
_GENERIC_WORDS = words("role.subject.generic_words") | _REPLIES
_PREFIXES = tuple(p.lower() for p in phrases("role.subject.prefixes"))
_TAIL = words("role.subject.tail")
_COMPANY_AFTER = words("role.subject.company_after")
_ROLE_TAIL = words("role.subject.role_tail")


def _segment_prefix_end(seg: str) -> int:
    """Where a subject segment's opening words end ('Application for ', 'Invitation to interview: '), or 0."""
    low = seg.lower()
    for prefix in _PREFIXES if low.startswith(_PREFIXES) else ():
        if low.startswith(prefix):
            q = len(prefix)
            while q < len(seg) and seg[q] in " \t":
                q += 1
            if seg[q : q + 1] == ":":
                r = q + 1
                while r < len(seg) and seg[r].isspace():
                    r += 1
                if r > q + 1:
                    return r
            elif q > len(prefix):
                return q
    return 0


def _without_tail(seg: str) -> str:
    """A segment without its trailing '(Req 4471)', '2026', 'position', 'update' (as often as they repeat)."""
    while True:
        if seg.endswith(")") and (open_ := seg.rfind("(")) >= 0 and ")" not in seg[open_:-1]:
            content = seg[open_ + 1 : -1].lower()
            if "#" in content or _THREE_DIGITS.search(content) or any(w.startswith(_REFERENCE_MARKS) for w in word_list(content)):
                seg = seg[:open_].rstrip()
                continue
        head, _, last = seg.rpartition(" ")
        if head.strip() and ((len(last) == 4 and last.isdigit()) or last.lower() in _TAIL):
            seg = head.rstrip()
            continue
        return seg


def _generic(seg: str) -> bool:
    """'Your application', 'Re:', 'Ihre Bewerbung', 'update on …': a segment that names nothing."""
    ws = word_list(seg)
    return "a" <= seg[:1] <= "z" or (bool(ws) and ws[0] in _GENERIC_WORDS) or seg.lower().startswith(_GENERIC_STARTS)


def _without_replies(subject: str) -> str:
    """'Re: Fwd: X' → 'X'."""
    while True:
        head = subject.lstrip()
        word = head.split(":", 1)[0].strip()
        if ":" not in head or word.lower() not in _REPLIES:
            return subject
        subject = head.split(":", 1)[1].lstrip()


def after_at(subject: str, name: str) -> bool:
    """'Application closed: Dispatcher at Tidewater Freight': a job title, then 'at', then the name, where the employer goes.

    Only after a title: 'Motion detected at Front Door' and 'Piano lesson with Oscar Linden' name a place and a person.
    """
    at = subject.find(name)
    before = subject[:at].split() if at > 0 else []
    return len(before) > 1 and before[-1].lower() in _COMPANY_AFTER and has_role_word(" ".join(before[-4:-1]))


def subject_parts(subject: str, known_roles: list[str]) -> list[tuple[str, bool]]:
    """(name, is_role) from a subject like 'Quillfeather - Product Designer' or 'Your application for X at Y'."""
    parts: list[tuple[str, bool]] = []
    for role in sorted(known_roles, key=len, reverse=True):  # a role the body names may hold a dash: 'Agent – Ground Operations'
        written = role if role in subject else role.rpartition(" (")[0]  # the subject may leave out its '(m/v)'
        if written and written in subject and (written == role or " " in written):
            parts.append((role, True))
            subject = subject.replace(written, " | ")
    for seg in _SEGMENT_SPLIT.split(" ".join(_without_replies(subject).split())):
        seg = seg.strip(" .!?")
        raw = seg[_segment_prefix_end(seg) :].strip()
        seg = _without_tail(raw)
        if seg != raw and " " not in seg and raw[len(seg) :].split()[0].lower() in _ROLE_TAIL and valid_org_name(seg, title_ok=True):
            parts.append((seg, True))  # 'Warehouse position', 'Admin role': the word before 'role' is the job, never the employer
            continue
        if not seg or is_placeholder(seg) or (_generic(seg) and not seg.startswith(tuple(f"{w} " for w in _COMPANY_AFTER))) or _THREE_DIGITS.search(seg) or (
                " " in seg and person_first_name(seg) and not looks_like_org(seg) and not has_role_word(seg)):  # 'Reference – Chloe Nguyen'
            continue
        ws = seg.split()
        at = next((i for i in range(len(ws) - 1) if ws[i] in _COMPANY_AFTER and "A" <= ws[i + 1][0] <= "Z"), -1)
        if at >= 0 and valid_org_name(clean := clean_org_name(" ".join(ws[at + 1 :]))):
            parts.append((clean, False))  # '… at Tarnhill Freight', or '| at Beckett Sloane' where a known role stood
            seg = " ".join(ws[:at])
        if not seg:
            continue
        if (is_title(seg) or (has_role_word(seg) and not looks_like_org(seg))) and not holds_no_title(seg):
            parts.append((seg, True))
        elif valid_org_name(clean_org_name(seg)):
            parts.append((clean_org_name(seg), False))
    return parts
