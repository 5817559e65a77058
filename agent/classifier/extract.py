"""Who, what and where: company, role, contact and stage, from a spaCy Doc and the sender headers.

Rules rather than a trained tagger: employers name themselves in a few dozen recurring constructions
("your application to X", "the team at X", "X Talent Acquisition", the signature block, "X - Role"
subjects), and rules built on those constructions carry over to companies no training set has seen.
Every construction casts a weighted vote. The sender headers only add votes, because much real mail
reaches us as bare subject+body.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from typing import NamedTuple

import spacy
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from agent.classifier.cues import CLIENT_DECIDED, UNNAMED_CLIENT, Cues, company_key, role_key
from agent.classifier.lexicon import WordTable, table, word_list, words
from agent.classifier.orgs import (
    SENTENCE_START,
    ascii_forms,
    clean_org_name,
    department_start,
    is_department,
    is_greeting,
    is_placeholder,
    looks_like_org,
    squash,
    strip_legal,
    valid_org_name,
)
from agent.classifier.role_reader import GROUPS
from agent.classifier.roles import best_role, role_votes
from agent.classifier.senders import (
    PLATFORMS,
    academic_title,
    domain_word,
    is_agency_domain,
    is_automated,
    person_first_name,
    person_name,
    sender_first_name,
    signed_form,
    whole_first_name,
    without_titles,
    writer_name,
)
from agent.classifier.signatures import line_under, org_in_line, signature, signature_start, trim_footer
from agent.classifier.subjects import after_at, subject_parts
from agent.classifier.titles import has_role_word
from agent.classifier.words import Words, lexical, words_of

_CONTENT_STOPS = words("company.words.name_stops")
_RUN_CONNECTORS = words("company.words.name_connectors")
_FOR_HEADS = words("company.words.for_heads")
_NOT_NAME_CAPITALS = frozenset({"I", "I'm", "I've"})
# The first letters met so far that open a run of a name (a capital or a digit), and those that do not.
_OPENS_RUN: set[str] = set()
_OPENS_NO_RUN: set[str] = set()
# A recruitment agency's own name: when it writes about a client it names, the client is the employer.
_AGENCY = WordTable.of("company.words.agency")
# A Dutch or German job title written as one word ('Accountmanager Food'), which a subject can hold in place of the client.
_COMPOUND_ROLES = tuple(words("company.words.compound_roles"))
_WEIGHTS: dict[str, float] = {group: float(weight) for group, weight in table("company.weights").items()}
_SUFFIX_CUES = words("company.words.after_name")
_POSSESSIVE = frozenset({"'s"})  # the words' apostrophes are plain (words_of)
# "Acme's hiring team": a function no person has, so the name before it is an organisation's even when it could be a first name.
_AFTER_POSSESSIVE = words("company.words.after_possessive")
_BEFORE_DECISION = words("company.words.before_decision")
_DECISIONS = words("company.words.decisions")
_ACTS_ON_YOU = WordTable.of("company.words.acts_on_you")
_CASUAL_GREETINGS = words("mail.casual_greetings")
_HONORIFICS = words("names.honorifics")
_DISPLAY_AT = words("company.words.display_at")
# 'Mareike von Plantlab', 'Clémence de Pollen': a person of an organisation, or a surname's particle.
_DISPLAY_OF = words("company.words.display_of")
# A subject line is at most this long; a longer first line is the body's first sentence.
MAX_SUBJECT_CHARS = 120


def _is_agency(name: str) -> bool:
    return _AGENCY.found_in(name)


def _without_possessive(name: str) -> str:
    """"St Elphin's High School" → 'St Elphin High School': how a domain spells a name that holds a possessive."""
    return name.replace("'s ", " ").replace("’s ", " ")


def _person(name: str) -> bool:
    """'Aisha Karim' ('I am working with Aisha Karim'): a candidate an agency writes about, never its client."""
    return bool(person_first_name(name)) and not looks_like_org(name)


def _compound_role(name: str) -> bool:
    return any(len(w) > len(r) and w.endswith(r) for w in word_list(name) for r in _COMPOUND_ROLES)


@dataclass(frozen=True)
class Who:
    """Who wrote, for whom, about which role; with the weight of the evidence behind company and role."""

    company: str
    role: str
    contact_name: str
    human_sender: bool
    company_votes: float
    role_votes: float
    contact_full_name: str = ""
    """The contact's whole name where the sender or the signature spells it ('Dana Whitfield'), for a formal greeting."""
    title_line: str = ""
    """The line under the contact's whole name, where a title may say the gender ('Personalreferentin'): read in the letter's language."""
    contact_title: str = ""
    """'Dr.' or 'Prof.' before the contact's whole name in the sender or signature, else ''."""
    greeting: str = ""
    """The letter's own casual opening word ('hoi', 'salut'), lowercased, else ''."""
    titled_greeting: str = ""
    """The letter's opening word where it greets the candidate by title and surname ('geachte', 'beste'), else ''."""
    via_agency: bool = False
    """A recruiter writes for a client (an agency's domain, 'our client', 'the client has decided'): the decision was not theirs."""
    company_is_agency: bool = False
    """Writing for a client, and the company found is the writer's own firm (its domain spells it, or an agency's word): not the job's employer."""


@dataclass(frozen=True)
class Headers:
    """Sender headers the extractor uses beside the text."""

    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""


class Run(NamedTuple):
    """A run of capitalised words: its tokens [start, end) and its text, as a Span would give them without a Span's cost."""

    start: int
    end: int
    text: str


def _name_runs(doc: Doc) -> list[Run]:
    """Maximal runs of capitalised tokens on one line ('&', 'of', "'s" inside), sentence-initial filler stripped."""
    words = words_of(doc)
    # A token's trailing whitespace is at most one space: a line break is a token of its own, which is never a capital.
    texts, spaced, offsets, text = words.texts, words.spaced, words.offsets, words.text
    # A capital or a digit opens a run: asked once per letter ever seen, then looked up for each word in C.
    initials = list(map(itemgetter(0), texts))
    for c in set(initials).difference(_OPENS_RUN, _OPENS_NO_RUN):
        (_OPENS_RUN if (c.isupper() or c.isdigit()) and c.isalnum() else _OPENS_NO_RUN).add(c)
    caps = list(map(_OPENS_RUN.__contains__, initials))
    for k in compress(range(len(texts)), caps):
        if texts[k] in _NOT_NAME_CAPITALS:
            caps[k] = False
    is_stop, lower = lexical(doc.vocab)

    def filler(k: int) -> bool:
        low = lower(texts[k])
        return low in SENTENCE_START or (is_stop(texts[k]) and low not in _CONTENT_STOPS)

    runs: list[Run] = []
    n, j = len(texts), 0
    for i in compress(range(n), caps):  # a run starts at a capital: the loop visits only those
        if i < j:
            continue  # inside the run before
        j = i + 1
        while j < n and not (texts[j - 1].endswith(".") and filler(j)):
            if caps[j]:
                j += 1
            elif (texts[j] in _RUN_CONNECTORS or (texts[j] == "-" and not spaced[j - 1] and not spaced[j]) or (
                    texts[j] == "for" and lower(texts[j - 1]) in _FOR_HEADS)) and j + 1 < n and caps[j + 1]:
                j += 2
            else:
                break
        start = i
        while start < j and filler(start):
            start += 1
        if start < j:
            runs.append(Run(start, j, text[offsets[start] : offsets[j - 1] + len(texts[j - 1])]))
    return runs


@dataclass
class _Ballot:
    """Weighted votes for company names, keyed by their squashed form."""

    votes: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    spelled: dict[str, str] = field(default_factory=dict)
    # Names a phrase in the text puts in an employer's place ('your application to X', 'X viewed your application').
    cued: set[str] = field(default_factory=set)
    # Votes that say who writes rather than who employs: the sender's display name and domain.
    writes: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def vote(self, text: str, weight: float) -> str:
        name = clean_org_name(text)
        if not valid_org_name(name):
            return ""
        key = squash(name)
        self.votes[key] += weight / 2 if is_department(name) else weight
        self.spelled.setdefault(key, name)
        return key

    def winner(self, runs: list[Run], domain: str, board: str = "", agency_writes: bool = False, unnamed: bool = False) -> tuple[str, float]:
        """The name with most votes; board: the key of a job board's own name, passed over when the text names another.

        agency_writes: the sender's domain is a recruitment agency's, so the name it confirms is the agency's, not the employer's.
        unnamed: an agency writes of 'the client' or 'one of my clients'; only a name the text puts in an employer's place, and
        that is not the writer's own, is that client ('feedback from Meyer & Koll. The client has decided'); else no one.
        """
        votes, spelled = self.votes, self.spelled
        confirmed: set[str] = set()
        for key in list(votes) if domain else []:  # the sender's own domain confirms a name
            first = squash(spelled[key].split()[0])
            forms = ascii_forms(key) + ascii_forms(squash(_without_possessive(spelled[key])))  # "St Elphin's High" at stelphinhigh
            if any(k == domain or (len(k) >= 4 and domain.startswith(k)) or (len(domain) >= 4 and k.startswith(domain)) for k in forms):
                votes[key] += 2.0
                self.writes[key] += 2.0
                confirmed.add(key)
            elif len(first) >= 4 and domain.startswith(first):
                votes[key] += 1.0
                self.writes[key] += 1.0
                confirmed.add(key)
        if domain and not any(v > 0 for v in votes.values()):
            for run in runs:
                if domain in ascii_forms(squash(clean_org_name(run.text))):
                    self.vote(run.text, 1.0)
        mentions: dict[str, int] = defaultdict(int)
        for run in runs:  # every further mention makes a candidate more likely
            if (key := squash(clean_org_name(run.text))) in votes:
                votes[key] += 0.25
                mentions[key] += 1
        for short in sorted(votes, key=len):  # a short form ('Open Harvest') lends its votes to the full name ('Open Harvest Food Network')
            # "St Elphin" (cut from "at St Elphin's we ...") is the short form of "St Elphin's High School" too, when what follows
            # the possessive names an organisation or the domain spells it ('stelphinhigh'); "Creative Eastshire's Project Grants"
            # is something of Creative Eastshire's
            longer = [k for k in votes if k != short and k.startswith(short) and votes[k] > 0 and (spelled[k].startswith(spelled[short] + " ") or (
                spelled[k].startswith((spelled[short] + "'s ", spelled[short] + "’s ")) and (
                    looks_like_org(spelled[k][len(spelled[short]) + 3 :]) or (k in confirmed and len(domain) > len(short) + 1))))]
            if longer and votes[short] > 0:
                votes[max(longer, key=lambda k: votes[k])] += votes[short]
        best = max(votes, key=lambda k: (votes[k], len(k)), default="")
        if best and best == board:  # 'Hirequay <notifications@hirequay.com>': 'Lumen Dental viewed your application'
            own = squash(spelled[board].split()[0])  # 'Hartwell Hiring Day' is the board's own event, not another employer
            # The text must name the other more than it names the board: a firm's own no-reply mail names the firm throughout.
            named = [k for k in self.cued if k != board and votes[k] >= 2.0 and not k.startswith(own) and votes[k] > votes[board] - self.writes[board]]
            best = max(named, key=lambda k: (votes[k], len(k)), default=best)
        named_agency = bool(best) and _is_agency(spelled[best])
        if named_agency or (agency_writes and best in confirmed):  # the agency writes, its client decides ('the team at Orchard Robotics')
            # An agency known by its domain alone ('Brightfield' at brightfieldtalent.com) gives way only to a name the text
            # puts in an employer's place or names more than once: a lone subject word ('Quick update') is no client.
            clients = [k for k in votes if k != best and votes[k] >= 2.0 and not _is_agency(spelled[k]) and not (agency_writes and k in confirmed)
                       and not _compound_role(spelled[k]) and (named_agency or k in self.cued or mentions[k] >= 2)]
            best = max(clients, key=lambda k: (votes[k], len(k)), default=best)
        # 'Our clients are out in the villages': a firm that is no agency speaks of its own customers.
        unnamed = unnamed and (agency_writes or any(_is_agency(spelled[k]) for k in votes) or any(_is_agency(run.text) for run in runs))
        if unnamed and (best not in self.cued or best in confirmed or _is_agency(spelled[best]) or _person(spelled[best])):
            return "", 0.0
        return (strip_legal(spelled[best]).strip(), votes[best]) if best and votes[best] > 0 else ("", 0.0)


class Extractor:
    """Company, role, contact and stage, from cue phrases matched on the Doc."""

    def __init__(self, vocab: Vocab, tokenizer: Tokenizer | None = None) -> None:
        """tokenizer: the pipeline's, which the cue phrases are tokenized with (spaCy's English one when not given)."""
        self.cues = Cues(vocab, tokenizer if tokenizer is not None else spacy.blank("en", vocab=vocab).tokenizer)

    def __call__(self, doc: Doc, headers: Headers) -> Who:
        """Company, role, contact and whether a person wrote, from the Doc and the sender headers."""
        hits = self.cues(doc)
        read = words_of(doc)
        runs = _name_runs(doc)
        ballot = _Ballot()
        inline_contact, named_client = self._cue_votes(doc, hits, runs, ballot)
        text = trim_footer(read.text)
        first_line = text.partition("\n")[0]
        subject = first_line if "\n\n" in text[:200] and not _not_subject(first_line) else ""
        sig_start = signature_start(text)
        roles = role_votes(_role_cues(hits, read), text[:sig_start], len(subject))
        for name, is_role in subject_parts(subject, [r for r, v in roles.items() if v >= 1.5]):
            if is_role:
                roles[name] += 2.0
            elif (key := ballot.vote(name, 2.0)) and after_at(subject, name):
                ballot.cued.add(key)  # 'Dispatcher at Tidewater Freight': a job board's subject names the employer so
        address = headers.reply_to or headers.from_addr
        domain = domain_word(address)
        display = _display(headers.from_name, address, domain)  # 'Jess at Cobalt & Rye', 'Careers at Northwind', 'Flo von Radlkurier'
        sender = sender_first_name(display.split(" at ")[0] if " at " in display else headers.from_name, address)
        body = text[len(subject) : sig_start]

        def known(name: str) -> bool:  # a signature line naming a company the text already voted for, or the sender's domain
            first = squash(name.split()[0]) if name.split() else ""
            return squash(name) in ballot.votes or (" " in name and name in body) or (
                len(first) > 3 and (any(domain.startswith(f) for f in ascii_forms(first)) or any(k.startswith(first) for k in ballot.votes)))

        sig_contact, sig_company = signature(text, known, sig_start, domain)
        if sig_company:
            ballot.vote(sig_company, 2.0)
        writer = writer_name(display.split(" at ")[0] if " at " in display else headers.from_name, headers.from_addr)
        piece = org_in_line(display.rsplit(" at ", 1)[-1]) if display and not sender_first_name(display, address) and writer != headers.from_name else ""
        # 'HackerRank' or 'Workday' is the tool, not the employer; '[Company] HR <hr@[company].com>' is a template nobody filled in.
        board = ""
        if piece and squash(clean_org_name(piece)) not in PLATFORMS and not is_placeholder(headers.from_name + address) and (
                key := ballot.vote(piece, 2.5)):
            ballot.writes[key] += 2.5
            # An automated mailbox under its own name's domain is a board or tool that notifies for employers, or the employer itself.
            board = key if is_automated(address) and domain and (key.startswith(domain) or domain.startswith(key)) else ""
        for name in [*filter(has_role_word, roles), headers.from_name if sender else "", *_name_forms([writer, sig_contact, inline_contact])]:
            ballot.votes.pop(squash(name), None)
        speaks_of_client = _unnamed_client(hits, read, len(text))
        unnamed = speaks_of_client and not named_client
        agency_writes = is_agency_domain(address)
        company, company_votes = ballot.winner(runs, domain, board, agency_writes, unnamed)
        # A firm that is no agency speaks of its own clients too: 'our client' says an agency writes only beside an agency's
        # name; 'the client has selected' or 'I can't put you forward' says it anyway.
        via_agency = agency_writes or bool(hits.get(CLIENT_DECIDED)) or (
            (speaks_of_client or named_client) and any(_is_agency(run.text) for run in runs))
        if company and " " not in company and company not in text[len(subject) :] and not _domain_spells(company, domain):
            # One word only the subject holds ('Bestätigung', 'Portfolio', 'Timeline') is what the email is about, not who sent it:
            # on the corpus such a name was the employer 4 times in 32 where a company is labelled, and noise on 129 that name none.
            company, company_votes = "", 0.0
        role, role_weight = best_role(roles, company)
        contact = whole_first_name(sender or person_first_name(sig_contact) or inline_contact, headers.from_name if sender else "", sig_contact)
        named = [headers.from_name if sender else "", sig_contact]
        full = _full_name(contact, *named)
        title = next((t for c in named if full and person_name(c) == full and (t := academic_title(c))), "")
        return Who(company, role, signed_form(contact, sig_contact), not is_automated(address) if address else True, company_votes, role_weight,
                   full, line_under(text, full, sig_start) if full else "", title, *_greetings(body), via_agency,
                   via_agency and bool(company) and (_is_agency(company) or _domain_spells(company, domain)))

    def _cue_votes(self, doc: Doc, hits: dict[str, list[tuple[int, int]]], runs: list[Run], ballot: _Ballot) -> tuple[str, bool]:
        """Votes for names after cue phrases and before department words; returns (name after 'this is', whether a client was named)."""
        starts = {r.start: r for r in runs}
        read, (_is_stop, lower) = words_of(doc), lexical(doc.vocab)
        texts = read.texts
        inline_contact, named_client = "", False
        for group, weight in _WEIGHTS.items():
            for _s, end in hits.get(company_key(group), ()):
                run = starts.get(end)
                if run is None or texts[run.start - 1] in "[{<" or (run.end < len(texts) and texts[run.end] in "]}>"):
                    continue
                if group == "contact":
                    inline_contact = inline_contact or person_first_name(run.text)
                elif group not in {"personish", "clientish"} or not person_first_name(run.text) or looks_like_org(run.text):
                    key = ballot.vote(run.text, weight)
                    named_client |= bool(key) and group == "client"
                    if key and weight >= 2.0:
                        ballot.cued.add(key)
        for run in runs:
            nxt = lower(texts[run.end]) if run.end < len(texts) else ""
            after = lower(texts[run.end + 1]) if nxt in _POSSESSIVE and run.end + 1 < len(texts) else ""
            if (after in _AFTER_POSSESSIVE or (after in _SUFFIX_CUES and (looks_like_org(run.text) or not person_first_name(run.text)))) and (
                    key := ballot.vote(run.text, 2.0)):
                ballot.cued.add(key)  # "Strathmoor Analytics's talent team asked me": whose team it is, the employer
            elif nxt in _SUFFIX_CUES or department_start(run.text) is not None or (nxt in _POSSESSIVE and (
                    looks_like_org(run.text) or not person_first_name(run.text))):
                ballot.vote(run.text, 1.5)
            elif nxt in _BEFORE_DECISION and run.end + 1 < len(texts) and lower(texts[run.end + 1]) in _DECISIONS:
                ballot.vote(run.text, 1.0)  # 'Fathom Audio has decided', 'Brindle Bicycles has sent you an offer'
            elif nxt in _ACTS_ON_YOU.firsts and _ACTS_ON_YOU.starts(read.span(run.end, min(run.end + _ACTS_ON_YOU.longest, len(texts)))) and (
                    looks_like_org(run.text) or not person_first_name(run.text)) and (key := ballot.vote(run.text, 2.0)):
                ballot.cued.add(key)  # 'Pinecroft Dental viewed your application': a job board's notice names the employer so
        return inline_contact, named_client


def _greetings(body: str) -> tuple[str, str]:
    """How the letter's first line greets the candidate (the first line only: not every line of a long letter).

    (the opening word where it is casual, 'Hoi Sam,' → 'hoi'; the opening word where it greets by title and
    surname, 'Geachte heer Veenstra,' → 'geachte', 'Beste mevrouw Kaddour,' → 'beste'), each '' otherwise.
    """
    line = body.lstrip().partition("\n")[0]
    opening = line.split(maxsplit=1)
    first = opening[0].strip(",!:.").lower() if opening else ""
    words = word_list(line)[:3]
    # 'Geachte heer/mevrouw,' greets nobody by name: a form letter, answered as usual.
    titled = len(words) == 3 and words[1] in _HONORIFICS and words[2] not in _HONORIFICS
    return (first if first in _CASUAL_GREETINGS else "", words[0] if titled else "")


def _full_name(first: str, *candidates: str) -> str:
    """The first candidate that is a person's whole name opening with this first name ('Dana' → 'Dana Whitfield'), else ''."""
    for candidate in candidates:
        name = person_name(candidate)
        words = name.split()
        given = len(first.split())  # 'Mari Carmen Ruiz' opens with a first name of two words
        if first and len(words) > given and " ".join(words[:given]).rstrip(".") == first and all(len(w.rstrip(".")) > 1 for w in words):
            return name
    return ""


def _name_forms(people: list[str]) -> list[str]:
    """Each writer's name, whole, by first name and initial ('Miriam', 'W. Thorpe' signing off are no employer).

    The surname alone stays: a family firm is often named after whoever writes ('Lindqvist & Co').
    """
    forms = []
    for name in filter(None, people):
        name = without_titles(name)  # 'Prof. Dr. Elena Marquardt' signs as 'Elena Marquardt'
        words = name.split()
        forms += [name, words[0], f"{words[0][0]}. {words[-1]}"] if person_first_name(name) and not looks_like_org(name) else [name]
    return forms


def _role_cues(hits: dict[str, list[tuple[int, int]]], read: Words) -> dict[str, list[tuple[int, int]]]:
    """The role cues' matches as character spans, by group."""
    offsets, texts = read.offsets, read.texts
    return {name: [(offsets[s], offsets[e - 1] + len(texts[e - 1])) for s, e in hits.get(role_key(name), ())] for name in GROUPS}


def _unnamed_client(hits: dict[str, list[tuple[int, int]]], read: Words, limit: int) -> bool:
    """An agency writing about a client it will not name: neither the agency nor the candidate's current employer is the answer."""
    return any(read.offsets[s] < limit for s, _e in hits.get(UNNAMED_CLIENT, ()))


def _display(from_name: str, address: str = "", domain: str = "") -> str:
    """'Jess from Cobalt & Rye' → 'Jess at Cobalt & Rye'; 'Flo von Radlkurier' → 'Flo at Radlkurier' at radlkurier-muc.de.

    'von', 'de' and 'van' also open surnames ('Ursula von der Leyen') and places ('Mairie de Bréville'): they say 'at' only after
    a lone first name the mailbox opens with, and before what the sender's domain spells.
    """
    parts = from_name.split()
    first = parts[0].rstrip(",").lower() if parts else ""
    of = len(parts) > 2 and parts[1] in _DISPLAY_OF and any(address.startswith(f) for f in ascii_forms(first)) and bool(
        person_first_name(first.title())) and _domain_spells(" ".join(parts[2:]), domain)
    return " ".join("at" if 0 < i < len(parts) - 1 and (w in _DISPLAY_AT or (i == 1 and of)) else w for i, w in enumerate(parts))


def _domain_spells(name: str, domain: str) -> bool:
    """The sender's domain word is the name, opens with it or opens it ('kleinbau.io' at kleinbau.io, 'Radlkurier' at radlkurier-muc)."""
    return len(domain) >= 4 and any(len(f) >= 4 and (domain.startswith(f) or f.startswith(domain)) for f in ascii_forms(squash(name)))


def _not_subject(line: str) -> bool:
    """A first line that is the body's first sentence ('Hi Sam,', 'Thanks for applying. We...'), not a subject."""
    return is_greeting(line) or line.endswith((",", ":", ";")) or len(line) >= MAX_SUBJECT_CHARS or any(
        c == "." and line[i + 1 : i + 2].isspace() for i, c in enumerate(line))
