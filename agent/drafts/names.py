"""Role and company as a reply may use them: the words a person would write, or nothing.

An extracted value carries what job boards and applicant-tracking systems add around it — gender
tags ("(m/w/d)"), requisition numbers, locations, contract types — and sometimes a template's
unfilled placeholder. A careful friend writing the reply would drop all of that, and would leave a
value out rather than risk a wrong one.
"""

from __future__ import annotations

import re

from agent.classifier.lexicon import word_list, words
from agent.classifier.titles import has_role_word, holds_no_title

# Longer than this, a "role" is a sentence the extractor picked up, not a title.
MAX_ROLE_CHARS = 60
MAX_COMPANY_CHARS = 50

_PLACEHOLDER = re.compile(r"[\[\]{}<>%]|\$\{|\b(company|employer|job|role|position) ?(name|title)\b", re.IGNORECASE)
# "(m/w/d)", "(w/m/d)", "(h/f)", "(m/v)", "(m/f/d)", "(all genders)", "(gn)", "m/w/d" unbracketed.
_GENDER = re.compile(
    r"\s*\(\s*(?:[mwfdhvx]\s*/\s*[mwfdhvx](?:\s*/\s*[mwfdhvx])?|all genders|alle geschlechter|gn\*?|[mwfdhvx]{2,3}|f/h/x|h/f/x)\s*\)"
    r"|\s+\b[mwfdhv]/[mwfdhvx](?:/[mwfdhvx])?\b"
    # A gendered ending after a stroke, colon or star ('Softwaretester/in', 'Verkäufer:in', 'Técnico/a', 'Serveur/euse'):
    # nobody writes it of themselves, so a reply names the role by its first form.
    r"|(?<=[^\W\d_]{2})(?:/-?|:|\*)(?:innen|in|a|e|fe|euse|frau|ère|rice)\b",
    re.IGNORECASE,
)
_PARENTHESIS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
# "Req ID 48213", "Job #4411", "Ref. PF-ITS-0923", "R-2024-118", "JR1234", "Kennziffer 12/34".
_REQUISITION = re.compile(
    r"\s*[-–—|,:#]?\s*\b(?:req(?:uisition)?|job|ref(?:erence)?|posting|vacancy|stellen|kennziffer|referenz|réf|ref\.|vacature|id|nr|no)\b"
    r"\.?\s*(?:id|no|nr|number|nummer)?\.?\s*[:#]?\s*[A-Z0-9][\w/.-]*\d[\w/.-]*",
    re.IGNORECASE,
)
_CODE = re.compile(r"\s*[-–—|,#]?\s*\b(?=[\w/.-]*\d)[A-Z]{0,5}[-/]?\d[\w/.-]*$")
# A trailing segment after a dash, bar or comma: a team, a place, a contract type.
_SEGMENT = re.compile(r"\s+[-–—|@]\s+|\s*[|·]\s*|,\s+")
# A person with a title ('Mrs J Farrow', 'Frau Gut') is not a company a reply can name.
_HONORIFIC = re.compile(r"^(mr|mrs|ms|miss|mx|dr|prof|frau|herr|mme|madame|monsieur|sr|sra|señor|señora|dhr|mevr|mevrouw)\.?\s", re.IGNORECASE)
# A company made only of these words is a sending function ('Recruitment Hub', 'Staffing Services', 'Personalabteilung').
_FUNCTION_WORDS = words("org.function_words") | words("org.departments") | words("company.words.function_only")
# Words a title never ends with, and the connectors that may stand before such an ending (the words a title never
# holds are asked in titles.holds_no_title, as subject segments are).
_NOT_LAST = words("role.words.not_title_last")
# Words a subject or a sentence puts after a title and a title never ends with ('Backend Engineer exercise', 'Chief of
# Staff conversation', 'DevOps Engineer stopzetten'): trimmed, as often as they repeat, unless a connector stands before.
_PROCESS_LAST = words("role.words.process_last")
_SMALL_WORDS = frozenset({"in", "at", "for", "and", "&", "im", "für", "en", "de", "du", "van", "voor"})
_CONNECTORS = words("role.words.connectors")
# An initial and a surname ("P. Sander"): a person, whatever else the line holds.
_INITIAL = re.compile(r"^[A-Z]\.\s+[A-Z][a-z]")
# A legal form a person leaves out when naming the employer in a sentence: "bei Hubacher Maschinenbau", not "… AG"
# (and not "beim Kreisklinikum Talheim gGmbH", where the article no longer fits).
_LEGAL = frozenset(w.replace(".", "") for w in words("org.legal") | {"ggmbh", "mbh", "limited", "ev", "gbr", "ug", "ohg"})
# Legal forms that are also words ("Hotel Spa", "Day Spa", "Acme Co"): stripped only as a form is written, in capitals
# or with dots ("SpA", "S.A.", "SE", "Co.").
_LEGAL_WORDS = frozenset({"spa", "as", "se", "sa", "co", "ab", "eg", "ag", "sl", "oy", "sac", "pty", "pvt", "sas", "kg"})
_LEADING = re.compile(r"^(the|a|an|our|your|der|die|das|le|la|l'|el|los|las|de|het|een)\s+", re.IGNORECASE)


def clean_role(role: str) -> str:
    """The job title alone: 'Data Analyst (m/w/d) – Berlin, Req 4411' → 'Data Analyst'; '' when nothing sure is left."""
    if not role or _PLACEHOLDER.search(role):
        return ""
    text = _GENDER.sub("", role)
    text = _REQUISITION.sub("", text)
    text = _PARENTHESIS.sub("", text)
    text = text.split("(", 1)[0]  # a parenthesis the subject line cut off: 'Research Assistant (Fixed-term'
    text = _SEGMENT.split(text, maxsplit=1)[0]
    text = _CODE.sub("", text)
    text = _without_process_words(_LEADING.sub("", " ".join(text.split()))).strip(" -–—|,:;/*#").rstrip(".")
    if not re.match(r"\.[^\W\d_]", text):  # '.NET Developer' keeps its dot
        text = text.lstrip(". -–—|,:;/*#")
    if not text or len(text) > MAX_ROLE_CHARS or not re.search(r"[^\W\d_]{2}", text) or _PLACEHOLDER.search(text) or not _reads_as_title(text):
        return ""
    return text


def _without_process_words(text: str) -> str:
    """'Staff Engineer interview loop' → 'Staff Engineer'; 'Head of Post' and 'Software Engineer in Test' keep their last word
    after a connector, and 'Open position' keeps it where no title would be left."""
    while True:
        head, _, last = text.rpartition(" ")
        before = head.rpartition(" ")[2].lower()
        if not head or last.lower() not in _PROCESS_LAST or before in _CONNECTORS or before in _SMALL_WORDS or not has_role_word(head):
            return text
        text = head


def _reads_as_title(text: str) -> bool:
    """False for a subject line or a piece of a sentence read as a role ('Nachfrage zum Stand meiner Bewerbung', 'pourvu en interne')."""
    found = word_list(text)
    if "?" in text or "¿" in text or holds_no_title(text):
        return False
    return not (len(found) > 1 and found[-1] in _NOT_LAST and found[-2] not in _CONNECTORS)


def clean_company(company: str) -> str:
    """The employer's name as people say it; '' for a placeholder or anything that does not read as a name."""
    if not company or _PLACEHOLDER.search(company) or _HONORIFIC.match(company):
        return ""
    text = _GENDER.sub("", company)
    text = _PARENTHESIS.sub("", text)
    text = text.split("(", 1)[0]  # an aside cut off before its ')': 'Zenith Recruitment (Hong Kong'
    text = " ".join(text.split()).strip(" -–—|,.:;")
    if not text or len(text) > MAX_COMPANY_CHARS or not re.search(r"[^\W\d_]{2}", text):
        return ""
    found = word_list(text)
    if all(w in _FUNCTION_WORDS for w in found) or _INITIAL.match(text):
        return ""  # 'Recruitment Hub' is a mailbox, 'P. Sander' a person: a reply thanking either names no employer
    return _without_legal_form(text)


def _without_legal_form(name: str) -> str:
    """'Hubacher Maschinenbau AG' → 'Hubacher Maschinenbau', 'Acme GmbH & Co. KG' → 'Acme'; 'Hotel Spa' and a name that is
    nothing but forms stay as they are."""
    words_ = name.split()
    while len(words_) > 1 and (_legal_form(words_[-1]) or words_[-1] in ("&", "und", "+")):
        words_.pop()
    kept = " ".join(words_).rstrip(" ,&")
    return kept if kept and not _legal_form(kept.split()[0]) else name


def _legal_form(word: str) -> bool:
    bare = word.strip(",").replace(".", "")
    if bare.lower() not in _LEGAL:
        return False
    return bare.lower() not in _LEGAL_WORDS or "." in word or bare != bare.capitalize()

