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

from agent.classifier.roles import best_role, role_votes, subject_parts
from agent.classifier.senders import (
    DEPARTMENT,
    GREETING,
    LEGAL,
    PLACEHOLDER,
    PLATFORMS,
    ROLE_WORDS,
    SENTENCE_START,
    clean_org_name,
    domain_word,
    is_automated,
    is_department,
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
from agent.classifier.words import words_of

# spaCy stop words that do start real names ('First Federal Bank', 'Top Rank', 'Front Range').
_CONTENT_STOPS = word_set("first full top front back next last call name part well made move show side own same four five six ten twelve "
                          "fifteen twenty forty fifty sixty hundred bottom fire amount system bill detail interest found serious keep see various "
                          "whole third empty")
_RUN_CONNECTORS = {"&", "of", "and", "de", "von", "van", "der", "la", "le", "du", "del", "'s", "’s", "+", "für"}
_ANON_ORG = (r"(a|an) ([\w,-]+ ){0,6}?(?-i:company|startup|firm|business|contractor|restaurant|brand|producer|manufacturer|non-?profit|ngo|"
             r"organi[sz]ation|charity|fintech|scale-?up|hospital|retailer|insurer|provider|chain|practice|consultancy|employer)s?\b")
# A recruitment agency's own name: when it writes about a client it names, the client is the employer.
_AGENCY = re.compile(r"\b(search|recruit\w*|staffing|talent|resourcing|headhunt\w*|personnel|personalberatung|werving|uitzend\w*|"
                     r"int[ée]rim|s[ée]lection|selecci[óo]n|placements?)\b", re.IGNORECASE)
# A Dutch or German job title written as one word ('Accountmanager Food'), which a subject can hold in place of the client.
_COMPOUND_ROLE = re.compile(r"\w(manager|medewerker|adviseur|mitarbeiter|leiter|berater|techniker|ingenieur)\b", re.IGNORECASE)
# An agency writing about a client it will not name: neither the agency nor the candidate's current employer is the answer.
_ANONYMOUS_CLIENT = re.compile(
    rf"\b(my|our) (\w+ )?clients?\b(?!['’])|\bthe client (has|have|is|was|came|decided|wants|needs|liked|only|would|felt|asked)\b|"
    rf"\b(retained|engaged) by (a|an|the board)\b|confidential search|\bmandate\b|can'?t share the name|"
    rf"\b(recruiting|hiring|searching|looking)\b[^.\n]{{0,60}}?\b(for|with|at) {_ANON_ORG}|\b(supporting|partnering with|working with) {_ANON_ORG}|"
    rf"\b(unse\w+ mandant\w*|(mijn|onze) opdrachtgever|de klant (heeft|wil|is|zoekt|kiest|koos|gaat)|(notre|mon) client|(nuestro|mi) cliente)\b", re.IGNORECASE)
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
class Who:
    """Who wrote, for whom, about which role; with the weight of the evidence behind company and role."""

    company: str
    role: str
    contact_name: str
    human_sender: bool
    company_votes: float
    role_votes: float


@dataclass(frozen=True)
class Headers:
    """Sender headers the extractor uses beside the text."""

    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""


def _name_runs(doc: Doc) -> list[Span]:
    """Maximal runs of capitalised tokens on one line ('&', 'of', "'s" inside), sentence-initial filler stripped."""
    words = words_of(doc)
    # A token's trailing whitespace is at most one space: a line break is a token of its own, which is never a capital.
    texts, spaced = words.texts, words.spaced
    caps = [(w[0].isupper() or w[0].isdigit()) and w[0].isalnum() and w not in {"I", "I'm", "I've"} for w in texts]

    def filler(k: int) -> bool:  # asked of few tokens: Token attributes cost a crossing into Cython each
        t = doc[k]
        return (t.is_stop and t.lower_ not in _CONTENT_STOPS) or t.lower_ in SENTENCE_START

    runs: list[Span] = []
    i, n = 0, len(doc)
    while i < n:
        if not caps[i]:
            i += 1
            continue
        j = i + 1
        while j < n and not (texts[j - 1].endswith(".") and filler(j)):
            if caps[j]:
                j += 1
            elif (texts[j] in _RUN_CONNECTORS or (texts[j] == "-" and not spaced[j - 1] and not spaced[j])) and j + 1 < n and caps[j + 1]:
                j += 2
            else:
                break
        start = i
        while start < j and filler(start):
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

    def winner(self, runs: list[Span], domain: str) -> tuple[str, float]:
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
        if best and _AGENCY.search(spelled[best]):  # the agency writes, its client decides ('the team at Orchard Robotics')
            clients = [k for k in votes if k != best and votes[k] >= 2.0 and not _AGENCY.search(spelled[k]) and not _COMPOUND_ROLE.search(spelled[k])]
            best = max(clients, key=lambda k: (votes[k], len(k)), default=best)
        return (LEGAL.sub("", spelled[best]).strip(), votes[best]) if best and votes[best] > 0 else ("", 0.0)


class Extractor:
    """Company, role, contact and stage, from cue phrases matched on the Doc."""

    def __init__(self, vocab: Vocab) -> None:
        # A PhraseMatcher over expanded phrases: the same cues as token patterns at a fraction of the Matcher's cost.
        self.matcher = PhraseMatcher(vocab, attr="LOWER")
        for key, (_weight, specs) in _CUES.items():
            phrases = {" ".join(w for w in combo if w) for spec in specs for combo in product(*(slot.split("|") for slot in spec.split(" / ")))}
            self.matcher.add(key, [Doc(vocab, words=p.split()) for p in sorted(phrases)])

    def __call__(self, doc: Doc, headers: Headers) -> Who:
        """Company, role, contact and whether a person wrote, from the Doc and the sender headers."""
        runs = _name_runs(doc)
        ballot = _Ballot()
        inline_contact, named_client = self._cue_votes(doc, runs, ballot)
        text = trim_footer(words_of(doc).text)
        first_line = text.partition("\n")[0]
        subject = first_line if "\n\n" in text[:200] and not _NOT_SUBJECT.search(first_line) else ""
        roles = role_votes(text, len(subject))
        for name, is_role in subject_parts(subject, [r for r, v in roles.items() if v >= 1.5]):
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
        company, company_votes = ("", 0.0) if anonymous else ballot.winner(runs, domain)
        role, role_weight = best_role(roles, company)
        return Who(company, role, sender or person_first_name(sig_contact) or inline_contact, not is_automated(address) if address else True,
                   company_votes, role_weight)

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
