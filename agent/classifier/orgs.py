"""What an organisation's name looks like, and the name without what surrounds it.

'Corvell Mining Talent Acquisition', 'The Quillfeather Team' and 'Acme, Inc.' name Corvell Mining,
Quillfeather and Acme; 'Thursday', 'Job Title', 'Store Manager' and 'Mrs J Farrow' name no
organisation. The words these rules look for (organisation nouns, departments, legal forms,
leading and trailing words) are data: patterns/<lang>.toml [org] and [names], patterns/README.md.
Every function here reads one short string, word by word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from agent.classifier.lexicon import WordTable, phrases, word_list, words
from agent.classifier.titles import has_role_word, is_title, leading_title, opens_title, opens_with_role_stem

# Structure, not words: a time of day, two letters in a row, a word that starts with a letter.
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_TWO_LETTERS = re.compile(r"[^\W\d_]{2}")
_WORD_RUN = re.compile(r"\w+")
# What squash drops; compiled once: squash runs on every capitalised run of every email, and re.sub looks its pattern up per call.
_NOT_NAME_CHAR = re.compile(r"[^\w]|_")
_LETTER_WORD = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*")
PLACEHOLDER_CHARS = frozenset("[]{}<>%")
_ORG_NOUNS = WordTable.of("org.nouns")
_NOT_ORG_NAMES = WordTable.of("org.not_names")
_NOT_NAME_STARTS = WordTable.of("org.not_name_starts")
# 'Civil Service Jobs', 'NHS Jobs', 'Arbeitsagentur': the portal a public employer advertises on, never the employer.
_PORTALS = WordTable.of("org.portals").exact
_PLACEHOLDERS = WordTable.of("names.placeholders")
_PLACEHOLDER_STARTS = tuple(words("names.placeholder_starts"))
_GREETINGS = WordTable.of("mail.greetings")
_HONORIFICS = words("names.honorifics")
_FAMILY = words("names.family")
# 'Clinique vétérinaire des Saules': a French or Spanish name goes on in lowercase after these heads.
_LOWERCASE_AFTER = words("org.lowercase_after")
_TIMES_AND_PLACES = words("names.times_and_places")
_TIME_ZONES = words("names.time_zones")
_ROLE_NOUNS = words("role.words.nouns")
_DEPARTMENTS = WordTable.of("org.departments")
_DEPARTMENT_LAST = frozenset(phrase[-1] for phrase in _DEPARTMENTS.exact)
_DEPARTMENT_QUALIFIERS = WordTable.of("org.department_qualifiers")
_DEPARTMENT_VIA = words("org.department_via")
_DEPARTMENT_SEPARATORS = words("org.department_separators")
_DEPARTMENT_HEADS, _DEPARTMENT_LINKS = words("org.department_heads"), words("org.department_head_links")
_DEPARTMENT_STARTS, _DEPARTMENT_ALONE = WordTable.of("org.department_starts"), words("org.department_alone")
_UNIT_STARTS, _UNIT_ENDS = WordTable.of("org.unit_starts"), words("org.unit_ends")
_LEGAL, _LEGAL_AFTER = words("org.legal"), words("org.legal_after")
_LEADING = tuple(p.lower() for p in phrases("org.leading"))
_TRAILING = words("org.trailing")
# A sender function alone ('Personalamt', 'Recrutement', 'Human Resources') names a part of some organisation, not which.
_FUNCTION_ALONE = WordTable.build(_LEADING).exact | _DEPARTMENTS.exact
_TEAM_OWNERS, _TEAM_LINKS = words("org.team_owners"), words("org.team_links")
# Capitalised words that open a sentence or clause (en/de/nl/fr/es) but never a company name.
SENTENCE_START = words("names.sentence_start")
NAME_CONNECTORS = words("names.connectors")
# A job title before an organisation on one line is at most this many words ('Senior Store Manager').
_MAX_TITLE_WORDS = 4


def looks_like_org(name: str) -> bool:
    """True when a name carries an organisation head noun ('Vireo Wealth Advisors', 'Spedition Hollmann')."""
    return _ORG_NOUNS.found_in(name)


def is_placeholder(text: str) -> bool:
    """A template left unfilled: '[Company Name]', '{{company}}', 'Job Title', 'company_name', 'XXX'."""
    if not PLACEHOLDER_CHARS.isdisjoint(text):
        return True
    ws = word_list(text)
    return _PLACEHOLDERS.found_in_words(ws) or any(w.startswith(_PLACEHOLDER_STARTS) for w in ws)


def is_greeting(text: str) -> bool:
    """A line or name that opens with a greeting ('Hi', 'Dear', 'Sehr geehrte', 'Thanks')."""
    return text[:1].isalnum() and _GREETINGS.starts(text)


def squash(text: str) -> str:
    """The comparable core of a name: 'Helix & Vane' and 'helixandvane' are one."""
    return _NOT_NAME_CHAR.sub("", text.lower().replace("&", "and"))


# How a mail domain spells what a name writes with an umlaut or ß: 'Wortbrücke' at wortbruecke.eu.
_GERMAN_SPELLING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@lru_cache(maxsize=4096)
def ascii_forms(key: str) -> tuple[str, ...]:
    """A squashed name as a domain may spell it: itself, without accents ('alizeinterim'), with umlauts spelt out ('wortbruecke')."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    return tuple(dict.fromkeys((key, plain, unicodedata.normalize("NFKD", key.translate(_GERMAN_SPELLING)).encode("ascii", "ignore").decode())))


def strip_legal(text: str) -> str:
    """The name without a trailing legal form: 'Acme, Inc.' → 'Acme', 'Brightfield B.V.' → 'Brightfield'."""
    body = text[:-1] if text.endswith(".") else text
    parts = body.rsplit(None, 1)
    if len(parts) < 2:
        return text
    head, last = parts
    before = head.rsplit(None, 1)
    if last.lower() in _LEGAL_AFTER and len(before) == 2 and _legal(before[1]):
        head = before[0]
    elif len(before) == 2 and _legal(before[1] + last):
        head = before[0]  # a legal form written with a space: 'Jugendwerk Emsaue e. V.'
    elif not _legal(last):
        return text
    return head[:-1] if head.endswith(",") else head


def _legal(word: str) -> bool:
    return (word[:-1] if word.endswith(".") else word).lower() in _LEGAL


@lru_cache(maxsize=4096)
def department_start(text: str) -> int | None:
    """Where a trailing department or sender function starts ('Harbourline Logistics Talent Acquisition'), or None."""
    ws = word_list(text)
    if not ws or (ws[-1] not in _DEPARTMENT_LAST and _DEPARTMENT_VIA.isdisjoint(ws)):
        return None
    found = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD_RUN.finditer(text)]
    ws, clean_end = [w for w, _, _ in found], not text[found[-1][2] :].strip()
    for i, (w, start, end) in enumerate(found):
        rest = tuple(ws[i:])
        if w in _DEPARTMENT_VIA and text[end : end + 1] == " " and text[end + 1 :].strip():  # 'Ostrava Robotics via Greenhouse'
            return _with_separator(text, start, found[i - 1][0] if i else "")
        if clean_end and (rest in _DEPARTMENTS.exact or any(
                rest[:k] in _DEPARTMENT_QUALIFIERS.exact and rest[k:] in _DEPARTMENTS.exact for k in range(1, len(rest)))):
            return _with_separator(text, start, found[i - 1][0] if i else "")
    return None


def _with_separator(text: str, start: int, word_before: str) -> int:
    """Move a department's start back over the separator before it (' - ', ' | ', ' @ ', ' at ')."""
    at = start
    while at and text[at - 1].isspace():
        at -= 1
    if at and text[at - 1] in "|-–—:,@":
        at -= 1
    elif word_before in _DEPARTMENT_SEPARATORS and text[:at].lower().endswith(word_before):
        at -= len(word_before)
    while at and text[at - 1].isspace():
        at -= 1
    return at


def strip_department(text: str) -> str:
    """The name without a trailing department: 'Corvell Mining Talent Acquisition' → 'Corvell Mining'."""
    start = department_start(text)
    return text if start is None else text[:start]


def _drop_team_of(text: str) -> str:
    """'Recruiting-Team der Stadtwerke Ostertal' → 'Stadtwerke Ostertal'; "Acme's" → 'Acme'."""
    if text.endswith(("'s", "’s")):
        text = text[:-2]
    parts = text.split(" ")
    i = 1 if len(parts) > 1 and parts[0].lower() in _TEAM_OWNERS and parts[1].lower().endswith("team") else 0
    if len(parts) > i + 2 and parts[i].lower().endswith("team") and parts[i + 1].lower() in _TEAM_LINKS:
        return " ".join(parts[i + 2 :])
    return text


def _drop_leading_and_trailing(text: str) -> str:
    low = text.lower()
    for lead in _LEADING if low.startswith(_LEADING) else ():
        if low.startswith(lead) and low[len(lead) : len(lead) + 1].isspace():
            text = text[len(lead) :].lstrip()
            break
    head, _, last = text.rpartition(" ")
    return head.rstrip() if head.strip() and last.lower() in _TRAILING else text


def _drop_leading_title(text: str) -> str:
    """'Filiaalmanager Buurtsuper Oosterpark' → 'Buurtsuper Oosterpark', 'Tech Lead Quarrybit' → 'Quarrybit': a title on the name's line."""
    ws = text.split(" ")
    if len(ws) < 2 or not opens_title(ws[0]) or is_placeholder(text):
        return text  # most names; '<Hiring Manager Name>' is a template's hole, and 'Name' no organisation
    for k in range(min(len(ws) - 1, _MAX_TITLE_WORDS), 0, -1):  # the longest title first: 'Tech Lead', not 'Tech'
        rest = " ".join(ws[k:])
        if rest[:1].isupper() and leading_title(" ".join(ws[:k])) and valid_org_name(rest) and not has_role_word(rest) and (
                k < len(ws) - 1 or not _ORG_NOUNS.found_in(rest)):  # 'Accountmanager Food': a sector, not a name
            return rest
    if len(ws) > 2 and opens_with_role_stem(ws[0]):  # 'Jefa de Sala Restaurante El Olivo': the title's noun first, up to an organisation's
        for k in range(1, min(len(ws) - 1, _MAX_TITLE_WORDS + 1)):
            rest = " ".join(ws[k:])
            if ws[k][:1].isupper() and _ORG_NOUNS.found_in(ws[k]) and valid_org_name(rest) and not has_role_word(rest):
                return rest
    return text


@lru_cache(maxsize=4096)  # the same names recur in every email of a thread and in every mention
def clean_org_name(text: str) -> str:
    """An organisation's name without department, legal form or leading article: 'The Quillfeather Team' -> 'Quillfeather'."""
    text = " ".join(text.split()).strip(" \t\n.,;:!?'\"()")
    text = _drop_team_of(text)
    prev = None
    while prev != text:
        prev = text
        text = _drop_leading_and_trailing(strip_department(strip_legal(text)).strip(" -|,–—"))
    return _drop_leading_title(text)


def _starts_with_honorific(text: str) -> bool:
    """'Mrs J Farrow', 'Frau Gut', 'Dr. Molina': a person addressed or signing with a title is never the employer."""
    first = text.split(None, 1)[0] if text.strip() else ""
    word = first[:-1] if first.endswith(".") else first
    return word.lower() in _HONORIFICS and text[len(first) : len(first) + 1].isspace()


def _time_or_place(text: str) -> bool:
    """'Thursday', 'Reception', 'June 4', '1 September', '10:30 CET': a when or a where, not a who."""
    head, sep, tail = text.partition(" ")
    if text.lower() in _TIMES_AND_PLACES or (bool(sep) and bool(head) and tail[:1].isdigit()):
        return True
    return any(c.isdigit() for c in text) and not _TIMES_AND_PLACES.isdisjoint(word_list(text))  # '1 September 2026', 'Room 4B'



@lru_cache(maxsize=4096)
def valid_org_name(text: str, title_ok: bool = False) -> bool:
    """A name: capitalised words (and 'of', '&', 'de'), no placeholder, no job title, no department, no time of day, no person."""
    if not text or len(text) > 60 or is_placeholder(text) or _time_or_place(text) or not _TWO_LETTERS.search(text):
        return False
    if _starts_with_honorific(text) or _TIME.search(text) or not _TIME_ZONES.isdisjoint(word_list(text)):
        return False
    first = text.split(None, 1)[0]
    if first.endswith(":"):
        return False  # a quoted header's field ('Van: Jonas Vermeulen', 'De: Diana Bernal'), or a label, never a name
    if first in NAME_CONNECTORS:
        return False  # the tail of a longer phrase ('de Selección' left of 'Equipo de Selección'): a name opens with a capital
    lowercase_ok = first.lower() in _LOWERCASE_AFTER and text.split()[-1][:1].isupper()  # '… des Saules', not 'Office move'
    if not lowercase_ok and any(
            w[0].islower() and w.lower() not in NAME_CONNECTORS and not any("A" <= c <= "Z" for c in w) for w in _LETTER_WORD.findall(text)):
        return False  # a phrase ('where things stand', 'is an Equal Opportunity Employer'), not a name ('7shifts' is)
    last = text.split()[-1].lower()
    plural_head = last.endswith("s") and last[:-1] in _ROLE_NOUNS  # 'Strand Architects', 'Kestrel Tutors'
    role_like = is_title(text) or (has_role_word(text) and not looks_like_org(text) and not plural_head)
    return not (role_like and not title_ok) and text.lower() not in SENTENCE_START and not is_greeting(text) \
        and not _NOT_ORG_NAMES.found_in(text) and not _NOT_NAME_STARTS.starts(text) and _whole_name(tuple(word_list(text)))


def _whole_name(ws: tuple[str, ...]) -> bool:
    """Not a sender function alone ('Recruitment'), a public portal ('NHS Jobs'), a kind of organisation or unit alone ('Council', 'Servicio'),
    nor what a family calls its own ('Mum')."""
    return ws not in _FUNCTION_ALONE and ws not in _PORTALS and not (len(ws) == 1 and (ws in _ORG_NOUNS.exact or ws[0] in _DEPARTMENT_HEADS)) and not (
        ws[:1] and ws[0] in _FAMILY and ws[1:] in {(), ("s",)})  # 'Mum', "Mum's"


def is_department(text: str) -> bool:
    """'Department of Sociology', 'Human Resources Unit': part of an organisation, a weaker answer than the organisation."""
    ws = word_list(text)
    if not ws:
        return False
    if (len(ws) > 1 and ws[0] in _DEPARTMENT_HEADS and ws[1] in _DEPARTMENT_LINKS) or _DEPARTMENT_STARTS.starts(text):
        return True
    if len(ws) == 1 and text.strip().lower() in _DEPARTMENT_ALONE:
        return True
    return _UNIT_STARTS.starts(text) and ws[-1] in _UNIT_ENDS and text.lower().endswith(ws[-1])
