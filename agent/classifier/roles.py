"""The job title an email names: from its subject segments and from the constructions that carry a role.

Capitalised words after 'for the', 'position of', 'Role:' and their German, French, Dutch and Spanish
counterparts; loose lowercase titles only where a role word ('Engineer', 'verpleegkundige') backs them.
"""

from __future__ import annotations

import re
from collections import defaultdict

from agent.classifier.senders import (
    EN_ROLES,
    GREETING,
    NAME_CONNECTORS,
    PLACEHOLDER,
    PLATFORMS,
    ROLE_WORDS,
    clean_org_name,
    is_title,
    looks_like_org,
    person_first_name,
    signature_start,
    squash,
    valid_org_name,
)

_GENERIC_SEGMENT = re.compile(
    r"^((re|fwd?|aw|wg|tr)\b|(your |my |the |an? )?(job )?(application|candidacy|interview|update|status|next steps?|thank|feedback|outcome|"
    r"decision|offer|invitation|following up|follow-up|regarding|search update|result|employment|notice|checkride)|(ihre|deine|dein|je|uw|votre|"
    r"ta|tu|su|suite|resultado|r[ée]ponse|respuesta|proceso|terugkoppeling|update)\b|(?-i:[a-z]))", re.IGNORECASE)
_SEGMENT_PREFIX = re.compile(
    r"^((your |my |an? )?(job )?(application|candidacy|interview|sollicitatie|kandidatuur|bewerbung|candidature|candidatura)\s*(for|to|as|als|"
    r"voor|f[üu]r|au poste de|pour|para|de)?|(invitation|update|feedback)( to interview)?\s*(for|on|about|regarding)?( your application)?"
    r"( for| to)?)\s*:?\s+", re.IGNORECASE)
_SEGMENT_TAIL = re.compile(
    r"(\s*\((?:[^)]*(?:req|ref\b|id\b|#|posting|announcement|vacancy|kennziffer|plaza|vacature|nummer)[^)]*|[^)]*\d{3,}[^)]*)\)|\s+\d{4}|"
    r"\s+(position|role|opening|vacancy|search|posting|job|application|interview|feedback|update|outcome|results?|status|notice|review|"
    r"decision|offer|take-home|employment|assessment|checkride))+$", re.IGNORECASE)


def subject_parts(subject: str, known_roles: list[str]) -> list[tuple[str, bool]]:
    """(name, is_role) from a subject like 'Quillfeather - Product Designer' or 'Your application for X at Y'."""
    parts: list[tuple[str, bool]] = []
    for role in sorted(known_roles, key=len, reverse=True):  # a role the body names may hold a dash: 'Agent – Ground Operations'
        if role in subject:
            parts.append((role, True))
            subject = subject.replace(role, " | ")
    for seg in re.split(r"\s+[-–—|:]\s+|:\s+|\s*\|\s*", re.sub(r"^((re|fwd?|aw|wg|tr)\s*:\s*)+", "", subject, flags=re.IGNORECASE)):
        seg = _SEGMENT_TAIL.sub("", _SEGMENT_PREFIX.sub("", seg.strip(" .!?")).strip())
        if not seg or PLACEHOLDER.search(seg) or _GENERIC_SEGMENT.match(seg) or re.search(r"\d{3,}", seg) or (
                " " in seg and person_first_name(seg) and not looks_like_org(seg) and not ROLE_WORDS.search(seg)):  # 'Reference – Chloe Nguyen'
            continue
        head, sep, tail = ([*re.split(r"\s+(at|with|bei|chez|bij)\s+(?=[A-Z])", seg, maxsplit=1), "", ""])[:3]
        if sep and valid_org_name(clean_org_name(tail)):
            parts.append((clean_org_name(tail), False))
            seg = head
        if is_title(seg) or (ROLE_WORDS.search(seg) and not looks_like_org(seg)):
            parts.append((seg, True))
        elif valid_org_name(clean_org_name(seg)):
            parts.append((clean_org_name(seg), False))
    return parts


# A role: capitalised words joined by 'of', '&', 'to the'; a team after a comma or dash ('Data Analyst, Patient Experience') only when
# a role-ending word follows it; a parenthesis unless it is a reference, a grade or a shift.
_W = r"(?:[A-ZÀ-Ý][\w'’&+*/-]*|[a-z]{1,3}[A-Z][\w-]*)"
_ROLE = rf"(?:{_W}|\d{{1,2}}(?:st|nd|rd|th)[ \t]+(?={_W}))(?:[ \t]+(?:(?:of|and|&|for|to the|to|de|del|des|du|la|y|und|et|van|voor|für)[ \t]+)?(?:{_W}|\d{{1,2}}(?:st|nd|rd|th)?\b))*"
_PAREN = r"(?:[ \t]*\((?!(?i:[^)\n]*(?:req|ref\b|id\b|#|posting|vacancy|job|announcement|\d{4,}|kennziffer|plaza|vacature|fte|grade\b|level|" \
         r"band|[a-z]{1,3}-?\d{3,})))(?:[A-Z][^()\n]{0,30}|[mwfdhx]/[mwfdhx](?:/[mwfdhx])?)\))?"
_TAIL = r"(?=[ \t]*(?:\(|,?[ \t]+(?:role|position|opening|vacancy|post|job|spot|team|at|with|in|here|on|has|have|is|was|will|scheduled|" \
        r"interviews?|process|contract|assignment)\b|[.!:;]?[ \t]*(?:\n|$)|[.!:;][ \t]))"
# 'Req #12345 Senior Accountant', 'Posting #F-2291, Assistant Professor', 'the 2026 Summer Analyst Program'
_REQ = r"(?:(?i:req(?:uisition)?|job(?: id)?|ref(?:erence)?|posting)\.?[ \t]*#?[ \t]*[\w-]*\d[\w-]*,?[ \t]+)?(?:\d{4}[ \t]+)?"
_ROLE_FULL = rf"{_REQ}(?P<role>{_ROLE}(?:(?:,[ \t]+|[ \t]+[–—-][ \t]+)(?!(?i:(?:req|ref|job|id|posting|gs)\b)|[\w-]*\d{{3}}){_ROLE}{_TAIL})?{_PAREN})"
# Romance and Dutch titles run lowercase ('commis de cuisine'): words up to a function word.
_STOP = r"(?:est|ist|is|es|a|ont|wurde|wird|bei|bij|chez|en|in|im|am|at|dans|pour|para|met|zu|con|que|y|und|et|die|der|das|het|les|los|las|el|" \
        r"un|une|ein|eine|een|nuestra|nuestro|notre|onze|ha|heeft|verder|te|se|no|pas|n'a|aan|ingevuld|dus|helaas|niet|tijdelijk|zijn|binnen|" \
        r"prend|sont|wordt|worden|was|werd|geen|de|van|la|le|du|del|d|als|naar|op|inmiddels|al|sprak|ons|zo|ontvangen|snel|à|au|aux|sur|ya|" \
        r"hemos|está|esta|chez|como|con|por|su|tu|selecci[óo]n|selectie|s[ée]lection|recrutement)\b"
_LW = r"[^\W\d_][\w'’*/-]*(?:\([^\W\d_]{1,4}\))?"  # a word, with a gender ending: 'Infirmier(e)', 'Conseiller(ère)'
_LOOSE = rf"(?P<role>(?!{_STOP}){_LW}(?:[ \t]+(?!{_STOP}){_LW}|[ \t]+(?:de|d['’]|en|van|del)[ \t]*(?!{_STOP}){_LW}){{0,3}})"
_ADJ = r"(?:(?:part-time|full-time|new|open|first|remote|temporary|permanent|seasonal|contract|same|current|advertised|upcoming|other)\s+)?"
_TERM = r"(?:position|role|opening|vacancy|job|post|spot|opportunity|programme|program|posting|search|req|shift|gig|assignment|process|" \
        r"interviews?|hire|candidate|scheme|contract|requisition|level|offer)\b"
# (pattern, weight, needs a role word): structural cues stand alone, loose ones need 'Engineer', 'Nurse', ...
_ROLE_PATTERNS: list[tuple[re.Pattern[str], float, bool]] = [
    (re.compile(rf"\b(?:for|to|in|into|of|on|about|from|with)\s+(?:the|our|a|an|this|that|your)\s+{_ADJ}(?:\d{{4}}\s+)?{_ROLE_FULL}\s+{_TERM}"),
     2.0, False),
    (re.compile(rf"\b(?:position|role|post|title|rol|plaza) of\s+(?:a |an )?{_ROLE_FULL}"), 2.0, False),
    (re.compile(rf"\b(?:application|applying|applied|candidacy|apply|interview(?:ing)?|consideration|CV|resume|résumé|portfolio|offer)\s+for\s+"
                rf"(?:the |a |an |our )?(?:position of |role of |post of )?{_ROLE_FULL}"), 1.5, False),
    (re.compile(rf"\b(?:applying|applied|apply|application) to (?:be |become |join as )?(?:a |an |our |the )?{_ROLE_FULL}(?=,?\s+(?:position|role|"
                r"opening|vacancy|job|post|spot|at|with|on|in)\b)"), 1.5, False),
    (re.compile(rf"\b(?:applying|applied|apply) to be (?:a |an |our |the )?(?:next |new |first )?{_ROLE_FULL}"), 1.5, False),
    (re.compile(rf"^[ \t]*(?:Role|Position|Post|Job|Job title|Title|Vacancy|Opening|Interview|Meeting|Event type|Reference|Requisition|Poste|Stelle|Functie|"
                rf"Vacature|Puesto|Cargo|Fonction)[ \t]*:[ \t]*(?:[\w/-]*\d[\w/-]*[ \t]*[-–—]?[ \t]*)?{_ROLE_FULL}", re.MULTILINE | re.IGNORECASE),
     3.0, False),
    (re.compile(rf"\b(?i:the|our|a|an|another|your) {_ADJ}{_ROLE_FULL}\s+{_TERM}"), 1.0, True),
    (re.compile(rf"\b(?:position|role|post|vacancy|requisition|req|job id)[ \t]+(?:#?[\w-]*\d[\w-]*[ \t]+)?{_ROLE_FULL}"), 1.5, True),
    (re.compile(rf"\b(?:as|for|hiring|recruiting|seeking) (?:our |a |an |the )?(?:first |new |next )?{_ROLE_FULL}"), 1.0, True),
    (re.compile(rf"\b(?:Position|Stelle) (?:als )?{_ROLE_FULL}"), 1.5, False),
    (re.compile(r"\bals (?P<role>(?!(?:Ihr|Sie|Dein|Du|Wir|Ich|Ihnen|We|Je|Jij|U)\b)[A-ZÄÖÜ][\w/*-]+(?: (?!(?:Ihr|Ihre|Ihrer|Sie)\b)[A-ZÄÖÜ]"
                rf"[\w/*-]+)?{_PAREN})(?= [a-zäöüß]| ?[.,!]|$)"), 1.0, False),
    (re.compile(rf"\b(?:(?:poste|puesto|cargo|plaza|vacante|posición|functie|rol|plek|fonction|bolsa|convocatoria|proceso)(?:\s+(?:de|van)\s+|"
                rf"\s*d['’]|\s+)|vacature\s+(?:voor\s+)?|(?:sollicitatie|kandidatuur)\s+voor\s+|candidatura\s+para\s+|como\s+(?-i:(?=[A-Z])))"
                rf"(?:(?:de|het|la|le|el)\s+(?:functie|poste|puesto|rol|posición)\s+(?:de\s+|van\s+)?)?{_LOOSE}{_PAREN}", re.IGNORECASE), 1.5, False),
    (re.compile(rf"\b(?:the|a|an|our|for|as) (?P<role>(?:[a-z][\w-]* ){{0,2}}?[a-z]*(?:{EN_ROLES})s?)\s+(?:job|role|position|spot|opening|"
                r"shift|vacancy|post)\b"), 1.0, False),  # 'the barista spot', 'the assistant manager job'
]
_ACADEMIC_IN = re.compile(r" in (?:[A-Z][\w&-]*)(?: (?:and|&|of) [A-Z][\w-]*| [A-Z][\w-]*)*")
_ROLE_LINE = re.compile(r"^[ \t]*(?i:re:\s*)?(?P<role>[A-Z][^\n.!?:;,]{2,60}?(?:,(?!\s*(?i:req|ref|job|id))[^\n.!?:;,]{2,40}?)?)"
                        r"(?:\s*[-–—,(]\s*(?i:req|ref|job|id|#|\d).*)?[ \t]*$", re.MULTILINE)
_ROLE_JUNK = re.compile(r"\s+[–—-]\s+[^–—-]*\b(interview|call|screen|deep dive|round|chat|assessment|stage|test|conversation|meeting)\b.*$|"
                        r"^[^–—-]*\b(interview|call|chat|invitation|conversation|uitnodiging|gesprek|verplaatsing|screen|offer|update|outcome|"
                        r"feedback|application|employment)\b[^–—-]*\s[–—-]\s|"
                        r"\s+(?:opportunity|wanted|for \w+)$|^(?:the|our|a|an)\s+|^\d{4}\s+|^(job )?(requisition|req|ref|reference|job id|id)\s*#?\s*"
                        r"\S*\d\S*\s+|\s+(?:programme|program|position|role)$", re.IGNORECASE)


def role_votes(text: str, subject_len: int) -> dict[str, float]:
    votes: dict[str, float] = defaultdict(float)
    body = text[: signature_start(text)]
    for pattern, weight, needs_word in _ROLE_PATTERNS:
        for m in pattern.finditer(body):
            role = _ROLE_JUNK.sub("", m.group("role").strip(" ,.;:-–"))
            academic = re.search(r"(?i:lecturer|fellow|professor|reader|researcher|teacher|position)$", role)
            if academic and (ext := _ACADEMIC_IN.match(body, m.end("role"))):
                role += ext.group(0)  # 'Lecturer in Computer Science', not 'Lecturer'
            if (1 < len(role) <= 80 and not PLACEHOLDER.search(body[max(m.start("role") - 1, 0): m.end("role") + 1])
                    and (not needs_word or ROLE_WORDS.search(role))):
                votes[role] += weight
    for m in _ROLE_LINE.finditer(body[subject_len:600]):  # a title on its own line: 'Senior Associate – Employment Law', 'Re: X, Req 123'
        role = _ROLE_JUNK.sub("", m.group("role").strip())
        if (ROLE_WORDS.search(role) and not looks_like_org(role) and not GREETING.match(role) and not PLACEHOLDER.search(role)
                and all(w[0].isupper() or w in NAME_CONNECTORS or not w[0].isalpha() for w in role.split())):
            votes[role] += 1.5
    return votes


def best_role(votes: dict[str, float], company: str) -> tuple[str, float]:
    """The role with the most votes, and its votes; ('', 0.0) when none."""
    votes = {r: v for r, v in votes.items() if squash(r) not in {squash(company), *PLATFORMS} and not (company and r.endswith(company))}
    for short in sorted(votes, key=len):  # 'Engineering Manager' is a vote for 'Engineering Manager, Platform'
        longer = [r for r in votes if r != short and r.startswith(short) and votes[r] >= 1.5]
        if longer:
            votes[max(longer, key=lambda r: votes[r])] += votes[short]
    best = max(votes, key=lambda r: (votes[r], bool(ROLE_WORDS.search(r)), len(r)), default="")
    return best, votes.get(best, 0.0)
