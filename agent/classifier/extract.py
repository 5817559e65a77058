"""Who, what and where: company, role, contact and stage, from a spaCy Doc and the sender headers.

Rules rather than a trained tagger: employers name themselves in a few dozen recurring constructions
("your application to X", "the team at X", "X Talent Acquisition", the signature block, "X - Role"
subjects), and rules built on those constructions carry over to companies no training set has seen.
Every construction casts a weighted vote. The sender headers only add votes, because much real mail
reaches us as bare subject+body.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import product

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from agent.classifier.senders import (
    DEPARTMENT,
    EN_ROLES,
    GREETING,
    LEGAL,
    NAME_CONNECTORS,
    PLACEHOLDER,
    PLATFORMS,
    ROLE_WORDS,
    SENTENCE_START,
    clean_org_name,
    domain_word,
    is_automated,
    is_department,
    is_title,
    looks_like_org,
    org_in_line,
    person_first_name,
    sender_first_name,
    signature,
    signature_start,
    squash,
    trim_footer,
    valid_org_name,
    word_set,
)
from agent.domain import Stage

# spaCy stop words that do start real names ('First Federal Bank', 'Top Rank', 'Front Range').
_CONTENT_STOPS = word_set("first full top front back next last call name part well made move show side own same four five six ten twelve "
                          "fifteen twenty forty fifty sixty hundred bottom fire amount system bill detail interest found serious keep see various "
                          "whole third empty")
_RUN_CONNECTORS = {"&", "of", "and", "de", "von", "van", "der", "la", "le", "du", "del", "'s", "’s", "+", "für"}
_ANON_ORG = (r"(a|an) ([\w,-]+ ){0,6}?(?-i:company|startup|firm|business|contractor|restaurant|brand|producer|manufacturer|non-?profit|ngo|"
             r"organi[sz]ation|charity|fintech|scale-?up|hospital|retailer|insurer|provider|chain|practice|consultancy|employer)s?\b")
# An agency writing about a client it will not name: neither the agency nor the candidate's current employer is the answer.
_ANONYMOUS_CLIENT = re.compile(
    rf"\b(my|our) (\w+ )?clients?\b(?!['’])|\bthe client (has|have|is|was|came|decided|wants|needs|liked|only|would|felt|asked)\b|"
    rf"\b(retained|engaged) by (a|an|the board)\b|confidential search|\bmandate\b|can'?t share the name|"
    rf"\b(recruiting|hiring|searching|looking)\b[^.\n]{{0,60}}?\b(for|with|at) {_ANON_ORG}|\b(supporting|partnering with|working with) {_ANON_ORG}|"
    rf"\b(unse\w+ mandant\w*|(mijn|onze) opdrachtgever|de klant|(notre|mon) client|(nuestro|mi) cliente)\b", re.IGNORECASE)
# Cue phrases before a name, as slots of alternatives ('' makes a slot optional), expanded for a PhraseMatcher: (weight, phrases).
_CUES: dict[str, tuple[float, list[str]]] = {
    "STRONG": (2.0, [
        "applying|applied|application|applications|apply|candidacy / to|at|with / the|", "interest|interested / in / joining|working| / at|for|with|",
        "interest|interested / in / the", "team|teams|everyone|us|here|career|careers|opportunities|opportunity|position|role|opening|job|vacancy|"
        "post|spot|posting|interviewing|interviews|future|programme|program / at|with / the|", "join|joining / us| / at| / the|", "behalf / of / the|",
        "employment|working|work|career / with|at|for / the|", "from|at|with / the| / team|folks|people / at|of", "bei|chez|bij",
        "invited|offer|offers|test|assessment|invitation / by|from", "showed|shown|expressed|showing / in",
        "portez|intérêt|interés|parte|sein / à|au|de|en|du|pour",
        # People introduce themselves by their place: "a recruiter at X", "one of the founders of X".
        "recruiter|recruiters|founder|founders|co-founder|cofounder|ceo|cto|coo / of|at / the|"]),
    "CLIENT": (5.0, ["our|my|the / client|clients / ,|:|"]),  # a named client outweighs the agency that writes
    "WEAK": (1.0, ["at|@ / the|", "with / the"]),
    "PERSONISH": (1.5, ["from"]),  # 'from X' and the rest below also precede people: only an organisation-like X counts
    "CLIENTISH": (3.0, ["heard|hear / back / from", "feedback|news|decision|word / from", "interview|interviews|interviewing / with"]),
    "SUBMIT": (2.0, ["profile|cv|resume|résumé|application|you|details / to|forward|over / to|for| / the|"]),
    "FIELD": (3.0, ["company|employer|department|organisation|organization / :"]),
    "NOT": (-2.5, ["through|via|using", "powered / by"]),
    "CONTACT": (0.0, ["message|note|email / from", "name / is", "this / is"]),
}
_SUFFIX_CUES = {"team", "recruiting", "careers", "talent", "hr", "hiring", "people", "crew"}
_ATS_VERBS = {"decided", "reviewed", "invited", "chosen", "filled", "received", "moved", "selected", "hiring", "closed", "extended", "sent"}


@dataclass(frozen=True)
class Headers:
    """Sender headers the extractor uses beside the text."""

    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""


def _name_runs(doc: Doc) -> list[Span]:
    """Maximal runs of capitalised tokens on one line ('&', 'of', "'s" inside), sentence-initial filler stripped."""
    texts, spaces, caps, filler = [], [], [], []
    for t in doc:
        texts.append(t.text)
        spaces.append(t.whitespace_)
        caps.append(t.text[0].isupper() or t.text[0].isdigit() if t.text[0].isalnum() and t.text not in {"I", "I'm", "I've"} else False)
        filler.append((t.is_stop and t.lower_ not in _CONTENT_STOPS) or t.lower_ in SENTENCE_START)
    runs: list[Span] = []
    i, n = 0, len(doc)
    while i < n:
        if not caps[i]:
            i += 1
            continue
        j = i + 1
        while j < n and "\n" not in spaces[j - 1] and not (texts[j - 1].endswith(".") and filler[j]):
            if caps[j]:
                j += 1
            elif (texts[j] in _RUN_CONNECTORS or (texts[j] == "-" and not spaces[j - 1] and not spaces[j])) and j + 1 < n and caps[j + 1]:
                j += 2
            else:
                break
        start = i
        while start < j and filler[start]:
            start += 1
        if start < j:
            runs.append(doc[start:j])
        i = j
    return runs


@dataclass
class _Ballot:
    """Weighted votes for company names, keyed by their squashed form."""

    votes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    spelled: dict[str, str] = field(default_factory=dict)

    def vote(self, text: str, weight: float) -> str:
        name = clean_org_name(text)
        if not valid_org_name(name):
            return ""
        key = squash(name)
        self.votes[key] += weight / 2 if is_department(name) else weight
        self.spelled.setdefault(key, name)
        return key

    def winner(self, runs: list[Span], domain: str) -> str:
        votes, spelled = self.votes, self.spelled
        for key in list(votes) if domain else []:  # the sender's own domain confirms a name
            first = squash(spelled[key].split()[0])
            if key == domain or (len(key) >= 4 and domain.startswith(key)) or (len(domain) >= 4 and key.startswith(domain)):
                votes[key] += 2.0
            elif len(first) >= 4 and domain.startswith(first):
                votes[key] += 1.0
        if domain and not any(v > 0 for v in votes.values()):
            for run in runs:
                if squash(clean_org_name(run.text)) == domain:
                    self.vote(run.text, 1.0)
        for run in runs:  # every further mention makes a candidate more likely
            if (key := squash(clean_org_name(run.text))) in votes:
                votes[key] += 0.25
        for short in sorted(votes, key=len):  # a short form ('Open Harvest') lends its votes to the full name ('Open Harvest Food Network')
            longer = [k for k in votes if k != short and k.startswith(short) and spelled[k].startswith(spelled[short] + " ") and votes[k] > 0]
            if longer and votes[short] > 0:
                votes[max(longer, key=lambda k: votes[k])] += votes[short]
        best = max(votes, key=lambda k: (votes[k], len(k)), default="")
        return LEGAL.sub("", spelled[best]).strip() if best and votes[best] > 0 else ""


class Extractor:
    """Company, role, contact and stage, from cue phrases matched on the Doc."""

    def __init__(self, vocab: Vocab) -> None:
        # A PhraseMatcher over expanded phrases: the same cues as token patterns at a fraction of the Matcher's cost.
        self.matcher = PhraseMatcher(vocab, attr="LOWER")
        for key, (_weight, specs) in _CUES.items():
            phrases = {" ".join(w for w in combo if w) for spec in specs for combo in product(*(slot.split("|") for slot in spec.split(" / ")))}
            self.matcher.add(key, [Doc(vocab, words=p.split()) for p in sorted(phrases)])

    def __call__(self, doc: Doc, headers: Headers) -> tuple[str, str, str, Stage, bool, bool, bool]:
        """(company, role, contact_name, stage, human_sender, offers_feedback, invites_reapply)."""
        runs = _name_runs(doc)
        ballot = _Ballot()
        inline_contact, named_client = self._cue_votes(doc, runs, ballot)
        text = trim_footer(doc.text)
        first_line = text.partition("\n")[0]
        subject = first_line if "\n\n" in text[:200] and not _NOT_SUBJECT.search(first_line) else ""
        roles = _roles(text, len(subject))
        for name, is_role in _subject_parts(subject, [r for r, v in roles.items() if v >= 1.5]):
            if is_role:
                roles[name] += 2.0
            else:
                ballot.vote(name, 2.0)
        address = headers.reply_to or headers.from_addr
        domain = domain_word(address)
        display = re.sub(r"\s+(at|@|from)\s+", " at ", headers.from_name)  # 'Jess at Cobalt & Rye', 'Careers at Northwind'
        sender = sender_first_name(display.split(" at ")[0] if " at " in display else headers.from_name, address)
        body = text[len(subject): signature_start(text)]

        def known(name: str) -> bool:  # a signature line naming a company the text already voted for, or the sender's domain
            first = squash(name.split()[0]) if name.split() else ""
            return squash(name) in ballot.votes or (" " in name and name in body) or (
                len(first) > 3 and (domain.startswith(first) or any(k.startswith(first) for k in ballot.votes)))

        sig_contact, sig_company = signature(text, known)
        if sig_company:
            ballot.vote(sig_company, 2.0)
        piece = org_in_line(display.rsplit(" at ", 1)[-1]) if display and not sender_first_name(headers.from_name, address) else ""
        # 'HackerRank' or 'Workday' is the tool, not the employer; '[Company] HR <hr@[company].com>' is a template nobody filled in.
        if piece and squash(clean_org_name(piece)) not in PLATFORMS and not PLACEHOLDER.search(headers.from_name + address):
            ballot.vote(piece, 2.5)
        for name in [headers.from_name if sender else "", sig_contact, *filter(ROLE_WORDS.search, roles)]:
            ballot.votes.pop(squash(name), None)
        anonymous = bool(_ANONYMOUS_CLIENT.search(text)) and not named_client
        company = "" if anonymous else ballot.winner(runs, domain)
        low = text.lower()
        return (company, _best_role(roles, company), sender or person_first_name(sig_contact) or inline_contact, stage_of(low),
                not is_automated(address) if address else True, bool(_FEEDBACK.search(low)), bool(_REAPPLY.search(low)))

    def _cue_votes(self, doc: Doc, runs: list[Span], ballot: _Ballot) -> tuple[str, bool]:
        """Votes for names after cue phrases and before department words; returns (name after 'this is', whether a client was named)."""
        starts = {r.start: r for r in runs}
        inline_contact, named_client = "", False
        for match_id, _s, end in self.matcher(doc):
            key = doc.vocab.strings[match_id]
            run = starts.get(end)
            if run is None or doc[run.start - 1].text in "[{<" or (run.end < len(doc) and doc[run.end].text in "]}>"):
                continue
            if key == "CONTACT":
                inline_contact = inline_contact or person_first_name(run.text)
            elif key not in {"PERSONISH", "CLIENTISH"} or not person_first_name(run.text) or looks_like_org(run.text):
                named_client |= bool(ballot.vote(run.text, _CUES[key][0])) and key == "CLIENT"
        for run in runs:
            nxt = doc[run.end].lower_ if run.end < len(doc) else ""
            if nxt in _SUFFIX_CUES or DEPARTMENT.search(run.text) or (nxt in {"'s", "’s"} and (looks_like_org(run.text) or not person_first_name(
                    run.text))):
                ballot.vote(run.text, 1.5)
            elif nxt in {"has", "have", "invited", "is"} and run.end + 1 < len(doc) and doc[run.end + 1].lower_ in _ATS_VERBS:
                ballot.vote(run.text, 1.0)  # 'Fathom Audio has decided', 'Brindle Bicycles has sent you an offer'
        return inline_contact, named_client


_NOT_SUBJECT = re.compile(rf"{GREETING.pattern}|[,:;]$|\.\s|^.{{120}}", re.IGNORECASE)
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


def _subject_parts(subject: str, known_roles: list[str]) -> list[tuple[str, bool]]:
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


def _roles(text: str, subject_len: int) -> dict[str, float]:
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


def _best_role(votes: dict[str, float], company: str) -> str:
    votes = {r: v for r, v in votes.items() if squash(r) not in {squash(company), *PLATFORMS} and not (company and r.endswith(company))}
    for short in sorted(votes, key=len):  # 'Engineering Manager' is a vote for 'Engineering Manager, Platform'
        longer = [r for r in votes if r != short and r.startswith(short) and votes[r] >= 1.5]
        if longer:
            votes[max(longer, key=lambda r: votes[r])] += votes[short]
    return max(votes, key=lambda r: (votes[r], bool(ROLE_WORDS.search(r)), len(r)), default="")


_FINAL = re.compile(
    r"final (round|interview|stage|panel|conversation|step|candidates?)|(other|another|two|three|fellow) finalists?|last (round|stage)|"
    r"on-?site (interview|visit|day|round|loop)s?|(the|your|an|our|you) on-?site\b|reference (check|stage)|"
    r"(whole|full|entire|better part of the|better part of a) day|(all|three|four|five) (interview )?rounds|"
    r"offer (of employment )?(we|that we) (extended|made)|offer we made|(panel|ronda|entretien|gespräch|gesprek) final|\bfinale\b|"
    r"dernier entretien|letzte runde|laatste ronde|geschäftsführung|travel(l)?ing to (meet|visit|see)|interview day|superday|"
    r"trial (shift|day|week)|working interview|journée d'essai|proefdag|meeloopdag|probearbeit|stay-and-play|"
    r"(spend|spent|spending) (the day|a day|\w+day) with us")
# An offer taken back: the candidate had got through every round.
_RESCINDED = re.compile(r"\b(rescind|withdraw|pull(ing)? back|retract|revok)\w*\s(\w+\s){0,3}offers?\b|\boffers?\b[\w\s]{0,40}\b(have|has) been "
                        r"(withdrawn|rescinded|retracted|revoked)|(go ahead|proceed) with (the|your) offer")
# Phone screens are removed first, so that 'telephone interview' counts as a screen and not as an interview.
_SCREENED = re.compile(
    r"(phone|telephone|zoom|teams|intro(ductory)?|initial|screening|first[- ]round|recruiter|quick|short) (screen(ing)?|calls?|chats?|"
    r"interviews?|conversations?)|(on|by) (the )?(tele)?phone|screening (stage|call)|(our|the|your) (call|chat)|first (conversation|call|chat)|"
    r"speaking with (me|\w+ from)|(talk|talking|chat|chatting|speaking|spoke|hopping on) (with|to) (me|us)\b|chatting|lovely (chat|chatting)|"
    r"to chat\b|(a|the|our) (quick )?call with|jumping on a call|telefonat|telefoongesprek|telefonisch|intakegesprek|llamada|appel|"
    r"erstgespräch|eerste gesprek|entrevue téléphonique|échange téléphonique")
_INTERVIEWED = re.compile(
    r"(you|your) (interview(s|ed)?|time (with|interviewing)|conversations? with (the|our) team)|interviewed|after (the|your|our) interview|"
    r"(meeting|met|meet) with|meeting (you|the team|our team)|(great|lovely|nice|good) (to meet|meeting)|you met\b|take-?home|"
    r"technical (interview|round|assessment)|design test|second (round|interview|stage)|speaking with (the|our) team|coming in|"
    r"visit(ing)? (our|the) (office|team)|walking (the|us|our)|presentation|entretien|gespräch|gesprek|"
    r"entrevista|komst|visita|proefles|sollicitatiegesprek|time and (candour|effort) throughout|workshop|interview (on|last|yesterday|this|with)|"
    r"for interviewing|(at|during|in) (the|your|our) interview|(complet\w+|taking part in|sitting|attend\w*) (the |our |your )?(online |video )?"
    r"(assessment|test|exercise|assignment|case)|assessment cent(er|re)|\binterview|conversations? (with (the|our|\w+ and)|in (our|the) office)|"
    r"(visiting|visited|visit to) (the|our) (group|lab|team|office|site)|(your|the) talk\b|(edit|writing|skills|design|coding) test|"
    r"pairing session|portfolio walkthrough|(the|your|our)( [\w-]+)? (exercise|assignment|challenge|test project|task)\b")
_APPLIED = re.compile(r"appl(y|ied|ication|ying)|resume|résumé|\bcv\b|candidacy|profile|submission|portfolio|bewerbung|candidature|"
                      r"sollicitatie|kandidatuur|candidatura|solicitud|currículum|dossier|interest in|spot|opening|position|put you forward")
# Interviews the candidate did not have: 'we will not be inviting you to interview', 'candidates to interview', 'no interview this round'.
_NOT_INTERVIEWED = re.compile(
    r"((not|n't|unable to|no longer|won't|cannot|decided not to|regret that we|no|pass(ing)? on|unsuccessful)\b[\w\s,]{0,40}?\b(invite|inviting|"
    r"invited|progress|proceed|"
    r"move|moving|advance|advancing|offer you|take|taking|shortlist|shortlisted|select|selected|progressing|be setting up|scheduling|schedule|"
    r"continue)[\w\s]{0,30}?(to|for|into|with)? ?(an |the |a |our |your )?(first[- ]round |next |panel |on-?campus )?(interview|next|"
    r"assessment|on-?site|final|stage|round)\w*|(no|any|further) interviews?\b|interview (slots?|schedule|process)|(candidates|applicants|"
    r"people|group|others)( we)? (to |for )?(first-round |an? |the )?interview\w*|cancel\w* [\w\s']{0,20}interview|(moving|move|proceed\w*) "
    r"(on )?to interviews|decided to interview|stage of interviews|for (on-campus|in-person|onsite|first-round|final|panel) interviews|"
    r"\bfinalists for( [\w-]+)?( interviews?)?|to (the|a|our) (next|final|on-?site) (round|stage|conversation|interview)\w*|"
    r"final (decision|selection)|(niet|nicht|pas|no|keine?n?)\b[^.]{0,40}(gesprek|gespräch|entretien|entrevista))")
# A search that was closed or cancelled tells nothing about how far the candidate got.
_CANCELLED = re.compile(
    r"(clos|cancel|withdr[ae]w|paus|freez|eliminat|suspend)\w* (this|the) (search|position|role|vacancy|recruitment|requisition)|"
    r"no longer recruiting|not to fill|(position|role|project|vacancy) (has been |was )?(put )?on hold|(position|role|vacancy) (has been|was|is) "
    r"(closed|cancelled|withdrawn)|stopped the recruitment|no longer (exists|available)|restructur\w*|(freeze|froze|frozen) (all )?hiring|"
    r"hiring freeze|withdraw\w* (our|the|all) (open )?(roles|positions|vacancies)")
_FEEDBACK = re.compile(r"(happy|glad|welcome|able|pleased)( to|,)[\w\s,]{0,40}feedback|feedback[\w\s,]{0,40}(if you('d| would) like|on request|"
                       r"let me know|just ask|reach out)|share (some )?feedback|(if you('d| would) like|if you want)[\w\s,]{0,40}feedback")
_REAPPLY = re.compile(r"re-?apply|apply again|future (openings|opportunities|roles|vacancies)|keep (your|you) .{0,30}(on file|in mind)|"
                      r"talent (pool|community|network)|encourage you to apply")


def stage_of(text: str) -> Stage:
    """How far the application got, from what the rejection says about it."""
    text = text.lower()
    if _RESCINDED.search(text):
        return Stage.FINAL
    scrubbed = _NOT_INTERVIEWED.sub(" ", text)
    if _CANCELLED.search(text):  # a search closed for budget says nothing about progress, unless an interview is mentioned
        return Stage.INTERVIEW if _INTERVIEWED.search(_SCREENED.sub(" ", scrubbed)) else Stage.UNKNOWN
    if _FINAL.search(scrubbed):
        return Stage.FINAL
    screened = _SCREENED.search(scrubbed)
    if _INTERVIEWED.search(_SCREENED.sub(" ", scrubbed)):
        return Stage.INTERVIEW
    if screened:
        return Stage.SCREEN
    return Stage.APPLICATION if _APPLIED.search(text) else Stage.UNKNOWN
