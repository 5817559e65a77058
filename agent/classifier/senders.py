"""Who sent a message: a person who can read a reply, or a machine that will drop it."""

from __future__ import annotations

import re

_AUTOMATED_LOCAL = re.compile(
    r"(^|[._+-])(no-?reply|do-?not-?reply|donotreply|noreply|notifications?|notify|alerts?|mailer-daemon|"
    r"postmaster|bounces?|automated|auto-?confirm|system|mailer|news(letter)?|updates?|digest|info-noreply)([._+-]|\d|$)",
    re.IGNORECASE,
)
# Applicant-tracking systems that send on an employer's behalf from addresses nobody reads.
_AUTOMATED_DOMAINS = re.compile(
    r"(myworkday(site)?\.com|greenhouse-mail\.io|greenhouse\.io|hire\.lever\.co|lever\.co|icims\.com|"
    r"smartrecruiters\.com|taleo\.net|successfactors\.(com|eu)|bamboohr\.com|ashbyhq\.com|jobvite\.com|"
    r"workablemail\.com|workable\.com|recruitee\.com|teamtailor-mail\.com|breezy\.hr|jazzhr\.com|"
    r"applytojob\.com|personio\.(de|com)|linkedin\.com|indeed\.com|glassdoor\.com)$",
    re.IGNORECASE,
)
_ORG_WORDS = re.compile(
    r"\b(careers?|jobs?|recruit(ing|ment|er)?s?|talent|team|hr|human resources|hiring|people|notifications?|"
    r"no-?reply|acquisition|staffing|inc|llc|ltd|gmbh|corp|company|group|via|department|office|admissions|support)\b",
    re.IGNORECASE,
)


def is_automated(address: str) -> bool:
    """True for no-reply, notification and applicant-tracking-system addresses."""
    address = address.strip().lower()
    if "@" not in address:
        return True
    local, _, domain = address.rpartition("@")
    return bool(_AUTOMATED_LOCAL.search(local) or _AUTOMATED_DOMAINS.search(domain))


def person_first_name(display_name: str) -> str:
    """The first name when a From display name looks like a person ('Dana Whitfield'), else ''."""
    name = re.sub(r"\s*[\(\[].*?[\)\]]", "", display_name).strip().strip('"')
    if "," in name:  # "Whitfield, Dana"
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}"
    if not name or _ORG_WORDS.search(name) or "@" in name:
        return ""
    words = name.split()
    if not 1 <= len(words) <= 4:
        return ""
    if not all(re.fullmatch(r"[A-ZÀ-Ý][a-zà-ÿ'’-]+\.?|[A-Z]\.?", w) for w in words):
        return ""
    return words[0] if len(words[0]) > 1 else ""
