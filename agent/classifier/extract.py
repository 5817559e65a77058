"""Who, what and where: company, role, contact and stage, from a spaCy Doc and the sender headers.

Rules rather than a trained tagger: employers name themselves in a few dozen recurring
constructions ("your application to X", "the team at X", "X Talent Acquisition", the signature
block, "X - Role" subjects), and rules built on those constructions carry over to companies no
training set has seen. Every construction casts a weighted vote; the sender headers, when there
are any, only add votes, so mail that arrives as bare subject+body still gets an answer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import product

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from agent.classifier.senders import is_automated, looks_like_org, person_first_name, sender_first_name
from agent.domain import Stage

# Placeholders left in published templates are never a company, a role or a person.
PLACEHOLDER = re.compile(
    r"[\[\]{}<>]|\b(company|employer|organi[sz]ation|job|position|agency|client|candidate|recruiter|your|first|hr) ?name\b|"
    r"\bjob ?title\b|\bxxx\b|\b(company|job|role)_",
    re.IGNORECASE,
)
_SENTENCE_START = {
    "the", "we", "our", "thank", "thanks", "unfortunately", "dear", "hi", "hello", "hey", "after", "please",
    "if", "your", "you", "this", "at", "in", "as", "i", "it", "for", "on", "with", "a", "an", "and", "but",
    "while", "although", "regards", "best", "sincerely", "kind", "warm", "cheers", "re", "fwd", "subject",
    "application", "update", "status", "congratulations", "good", "great", "again", "all", "everyone",
    "team", "recruiting", "careers", "talent", "hr", "human", "resources", "mr", "ms", "mrs", "dr", "to",
    "from", "date", "sent", "job", "position", "role", "candidate", "applicant", "interview", "offer",
    "yours", "many", "my", "me", "today", "here", "there", "unlike", "given", "due", "following", "regarding",
    "company", "employer", "organisation", "organization", "she", "he", "they", "us", "re:", "aw", "wg", "tr",
}
_WEEKDAYS = re.compile(r"^((mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july|august|september|october|"
                       r"november|december|noon|midnight|reception|building|floor|suite|room|gate|office|department)$|^\S+ \d", re.IGNORECASE)
_ROLE_WORDS = re.compile(
    r"\b(engineer|manager|analyst|designer|developer|specialist|coordinator|nurse|associate|intern(ship)?|"
    r"director|officer|assistant|consultant|scientist|administrator|technician|representative|lead|head|"
    r"architect|accountant|advisor|adviser|supervisor|writer|editor|teacher|lecturer|researcher|planner|"
    r"clerk|agent|executive|operator|driver|chef|cook|cashier|therapist|pharmacist|paralegal|attorney|"
    r"counsel|president|vp|producer|marketer|strategist|recruiter|programmer|tester|owner|fellow|trainee|"
    r"professor|instructor|tutor|dean|coach|chaplain|teller|barista|coder|auditor|controller|receptionist|"
    r"electrician|apprentice|operative|worker|hand|aide|carer|caregiver|bartender|server|host|courier|"
    r"installer|merchandiser|bookseller|librarian|curator|crew|partner|principal|sdr|bdr|cfo|cto|ceo|coo)s?\b|"
    r"(leiter|kraft|mitarbeiter|referent|techniker|ingenieur|entwickler|berater|logistiker|pfleger|docent|"
    r"medewerker|verpleegkundige|adviseur|ontwikkelaar|responsable|technicien|ing[ée]nieur|juriste|comptable|"
    r"commis|serveur|[ée]b[ée]niste|t[ée]cnico|ingeniero|abogado|asistente|camarero|profesor|gerente|analista)",
    re.IGNORECASE,
)
_DEPARTMENT = re.compile(
    r"\s*(\||-|–|—|:|,|@|\bat\b)?\s*\b((campus|graduate|experienced hire|engineering|nursing|sales|product|design|tech|early careers?|"
    r"university|corporate|global|central|regional|store|retail)\s+)?(careers?|jobs|recruit(ing|ment)( team| services| center| centre)?|"
    r"talent( acquisition| team| partner)?|hiring( team)?|human resources( department)?|hr( team| department)?|resourcing( team)?|"
    r"people( team| ops| services| & culture| and culture)?|notifications?|team|crew|no-?reply|via .+|search committee|"
    r"faculty search|personeelszaken|dezernat personal|personalabteilung|service recrutement)\s*$",
    re.IGNORECASE,
)
_LEGAL = re.compile(r",?\s+(inc|llc|ltd|gmbh|plc|corp|co|sa|bv|ag)\.?$", re.IGNORECASE)
_ATS_DOMAIN_WORDS = {"myworkday", "myworkdaysite", "myworkdayjobs", "greenhouse", "lever", "icims", "smartrecruiters", "taleo",
                     "successfactors", "bamboohr", "ashbyhq", "jobvite", "workable", "workablemail", "recruitee", "teamtailor",
                     "breezy", "jazzhr", "applytojob", "personio", "linkedin", "indeed", "glassdoor", "gmail", "googlemail",
                     "outlook", "yahoo", "hotmail", "icloud", "proton", "protonmail", "example", "mail", "email", "company",
                     "peopleadmin", "paycomonline", "governmentjobs", "google", "calendly", "testgorilla", "codility"}
_SEPARATORS = re.compile(r"\s*(?:[|·•/,]|\s[–—-]\s|–|—|\s@\s|\bat\b)\s*")
_ADDRESS = re.compile(r"\d|@|www\.|https?:|\b(street|st|road|rd|avenue|ave|lane|suite|floor|place|square|plaza|boulevard|blvd|drive|"
                      r"way|straße|strasse|rue|calle|paseo|tel|phone|fax|mobile)\b\.?|^[A-Z]{2}$", re.IGNORECASE)


@dataclass(frozen=True)
class Headers:
    """Sender headers the extractor uses beside the text."""

    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""


def _name_like(tok_text: str) -> bool:
    return bool(tok_text) and (tok_text[0].isupper() or tok_text[0].isdigit()) and tok_text not in {"I", "I'm", "I've"}


def _name_runs(doc: Doc) -> list[Span]:
    """Maximal runs of capitalised tokens on one line ('&', 'of', "'s" inside), sentence-initial filler stripped."""
    runs: list[Span] = []
    i, n = 0, len(doc)
    while i < n:
        if not _name_like(doc[i].text) or doc[i].is_punct or doc[i].is_space:
            i += 1
            continue
        j = i + 1
        while j < n and "\n" not in doc[j - 1].whitespace_ + doc[j].text:
            t = doc[j].text
            if _name_like(t) and not doc[j].is_punct:
                j += 1
            elif (t in {"&", "of", "and", "de", "von", "van", "der", "la", "le", "du", "del", "'s", "’s", "+", "für"}
                  or (t == "-" and not doc[j - 1].whitespace_ and not doc[j].whitespace_)) and j + 1 < n and _name_like(doc[j + 1].text):
                j += 2
            else:
                break
        start = i
        while start < j and doc[start].lower_ in _SENTENCE_START:
            start += 1
        if start < j:
            runs.append(doc[start:j])
        i = j
    return runs


def _clean_company(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" \t\n.,;:!?'\"()")
    text = re.sub(r"['’]s$", "", text)
    prev = None
    while prev != text:
        prev = text
        text = _DEPARTMENT.sub("", text).strip(" -|,–—")
        text = re.sub(r"^(the|team|at|from|@)\s+|\s+(of|for|de|and|&)$", "", text, flags=re.IGNORECASE)
    return text


def _is_title(text: str) -> bool:
    """'Store Manager', 'Creative Director', 'Head of Strategy': a job title ends in a singular role noun."""
    last = re.sub(r"[^\w-]", "", text.split()[-1]) if text.split() else ""
    return bool(re.fullmatch(_ROLE_WORDS.pattern, last, re.IGNORECASE) and not last.lower().endswith("s")) or bool(
        re.match(r"(head|director|vp|chief|co-?founder|founder|managing|senior|junior|lead)\b", text, re.IGNORECASE))


def _valid_company(text: str) -> bool:
    if not text or len(text) < 2 or len(text) > 60 or PLACEHOLDER.search(text) or _WEEKDAYS.search(text):
        return False
    if _is_title(text) or (_ROLE_WORDS.search(text) and not looks_like_org(text) and not _ROLE_WORDS.search(text.split()[-1] + "s")):
        return False
    return text.lower() not in _SENTENCE_START and not text.isdigit()


def _domain_word(address: str) -> str:
    domain = address.rpartition("@")[2].lower()
    parts = [p for p in domain.split(".") if p not in {"com", "org", "net", "io", "co", "uk", "de", "fr", "nl", "es", "eu", "ca", "au", "us",
                                                        "careers", "jobs", "mail", "email", "hire", "talent", "recruiting", "notifications",
                                                        "app", "gov", "edu", "ac", "be", "ar", "cl", "se", "ie", "za", "pl"}]
    word = parts[-1] if parts else ""
    word = re.sub(r"[-_]?(careers?|jobs|recruiting|talent|hr|hiring|mail)$", "", word)
    return "" if word in _ATS_DOMAIN_WORDS else _squash(word)


def _squash(text: str) -> str:
    return re.sub(r"[^\w]|_", "", text.lower().replace("&", "and"))


def _pick_piece(line: str) -> str:
    """The organisation in a signature or display-name line: 'Talent Partner | Nordhavn Bank' -> 'Nordhavn Bank'."""
    pieces = [_clean_company(p) for p in _SEPARATORS.split(line)]
    pieces = [p for p in pieces if _valid_company(p) and not _ADDRESS.search(p)]
    orgs = [p for p in pieces if looks_like_org(p)]
    return orgs[0] if orgs else (pieces[-1] if pieces else "")


# Cue phrases before a name, as slots of alternatives ('' makes a slot optional), expanded for a PhraseMatcher.
_CUES: dict[str, list[str]] = {
    "CO_STRONG": [
        "applying|applied|application|applications|apply|candidacy / to|at|with / the|",
        "interest|interested / in / joining|working| / at|for|with|",
        "interest|interested / in / the",
        "team|teams|everyone|us|here|career|careers|opportunities|opportunity|position|role|opening|job|vacancy|post|spot|posting|interviewing|"
        "interviews|future|programme|program / at|with / the|",
        "join|joining / us| / at| / the|",
        "behalf / of / the|",
        "employment|working|work|career / with|at|for / the|",
        "from|at|with / the| / team|folks|people / at|of",
        "bei|chez|bij",
        "portez|intérêt|interés|parte|sein / à|au|de|en|du|pour",
    ],
    "CLIENT": ["our|my|the / client|clients / ,|:|"],
    "CO_WEAK": ["at|@ / the|", "with / the"],
    "CO_PERSONISH": ["from", "interview|interviews|interviewing / with"],
    "CO_SUBMIT": ["profile|cv|resume|résumé|application|you|details / to|forward|over / to|for| / the|"],
    "CO_FIELD": ["company|employer|department|organisation|organization / :"],
    "NOT_CO": ["through|via|using|on|by"],
    "CONTACT": ["message|note|email / from", "name / is", "this / is"],
}


class Extractor:
    """Company, role, contact and stage, from cue patterns matched on the Doc."""

    def __init__(self, vocab: Vocab) -> None:
        # A PhraseMatcher on expanded phrases: the same cues as token patterns, at a fraction of the Matcher's cost.
        self.matcher = PhraseMatcher(vocab, attr="LOWER")
        for key, specs in _CUES.items():
            phrases = {" ".join(w for w in combo if w) for spec in specs for combo in product(*(slot.split("|") for slot in spec.split(" / ")))}
            self.matcher.add(key, [Doc(vocab, words=p.split()) for p in sorted(phrases)])

    def __call__(self, doc: Doc, headers: Headers) -> tuple[str, str, str, Stage, bool, bool, bool]:
        """(company, role, contact_name, stage, human_sender, offers_feedback, invites_reapply)."""
        runs = _name_runs(doc)
        starts = {r.start: r for r in runs}
        votes: dict[str, float] = defaultdict(float)
        spelled: dict[str, str] = {}
        weights = {"CO_STRONG": 2.0, "CLIENT": 3.0, "CO_WEAK": 1.0, "CO_PERSONISH": 1.5, "CO_SUBMIT": 2.0, "CO_FIELD": 3.0, "NOT_CO": -2.5}
        inline_contact = ""
        for match_id, _s, end in self.matcher(doc):
            key = doc.vocab.strings[match_id]
            run = starts.get(end)
            if run is None or doc[run.start - 1].text in "[{<" or (run.end < len(doc) and doc[run.end].text in "]}>"):
                continue
            if key == "CONTACT":
                inline_contact = inline_contact or person_first_name(run.text)
            elif key != "CO_PERSONISH" or not person_first_name(run.text) or looks_like_org(run.text):
                self._vote(votes, spelled, run.text, weights[key])
        for run in runs:
            nxt = doc[run.end].lower_ if run.end < len(doc) else ""
            if nxt in {"team", "recruiting", "careers", "talent", "hr", "'s", "’s", "hiring", "people", "crew"} or _DEPARTMENT.search(run.text):
                self._vote(votes, spelled, run.text, 1.5)
            elif nxt in {"has", "have", "invited", "is"} and run.end + 1 < len(doc) and doc[run.end + 1].lower_ in _ATS_VERBS:
                self._vote(votes, spelled, run.text, 1.0)
        text = _trim_junk(doc.text)
        first_line = text.partition("\n")[0]
        subject = first_line if "\n\n" in text[:200] and not _NOT_SUBJECT.search(first_line) else ""
        roles = _roles(text, len(subject))
        for name, is_role in _subject_parts(subject, [r for r, v in roles.items() if v >= 1.5]):
            if is_role:
                roles[name] += 2.0
            else:
                self._vote(votes, spelled, name, 2.0)
        address = headers.reply_to or headers.from_addr
        domain = _domain_word(address)
        display = re.sub(r"\s+(at|@|from)\s+", " at ", headers.from_name)
        sender = sender_first_name(display.split(" at ")[0], address) if " at " in display else sender_first_name(headers.from_name, address)
        sig_contact, sig_company = _signature(text, lambda s: _squash(s) in votes or (bool(domain) and _squash(s) == domain))
        if sig_company:
            self._vote(votes, spelled, sig_company, 2.0)
        if display and not sender_first_name(headers.from_name, address):
            self._vote(votes, spelled, _pick_piece(display.rsplit(" at ", 1)[-1]), 2.5)
        for person in (headers.from_name if sender else "", sig_contact):
            votes.pop(_squash(person), None)
        company = self._company(votes, spelled, runs, domain)
        role = _best_role(roles, company)
        contact = sender or person_first_name(sig_contact) or inline_contact
        human = not is_automated(address) if address else True
        low = text.lower()
        return company, role, contact, stage_of(low), human, bool(_FEEDBACK.search(low)), bool(_REAPPLY.search(low))

    @staticmethod
    def _vote(votes: dict[str, float], spelled: dict[str, str], text: str, weight: float) -> None:
        name = _clean_company(text)
        if _valid_company(name):
            votes[_squash(name)] += weight
            spelled.setdefault(_squash(name), name)

    @staticmethod
    def _company(votes: dict[str, float], spelled: dict[str, str], runs: list[Span], domain: str) -> str:
        if domain:
            for key in list(votes):
                if key == domain or (len(key) >= 4 and domain.startswith(key)) or (len(domain) >= 4 and key.startswith(domain)):
                    votes[key] += 2.0
                elif len(first := _squash(spelled[key].split()[0])) >= 4 and domain.startswith(first):
                    votes[key] += 1.0
            if not any(v > 0 for v in votes.values()):
                for run in runs:
                    if _squash(_clean_company(run.text)) == domain:
                        Extractor._vote(votes, spelled, run.text, 1.0)
        for run in runs:  # every further mention makes a candidate more likely
            key = _squash(_clean_company(run.text))
            if key in votes:
                votes[key] += 0.25
        # A short form ("Open Harvest") lends its votes to the full name it starts ("Open Harvest Food Network").
        for short in sorted(votes, key=len):
            longer = [k for k in votes if k != short and k.startswith(short) and spelled[k].startswith(spelled[short] + " ") and votes[k] > 0]
            if longer and votes[short] > 0:
                votes[max(longer, key=lambda k: votes[k])] += votes[short]
        best = max(votes, key=lambda k: (votes[k], len(k)), default="")
        return _LEGAL.sub("", spelled[best]).strip() if best and votes[best] > 0 else ""


_ATS_VERBS = {"decided", "reviewed", "invited", "chosen", "filled", "received", "moved", "selected", "hiring", "closed"}
_W = r"(?:[A-ZÀ-Ý][\w'’&+*/-]*|[a-z]{1,3}[A-Z][\w-]*)"
_CONN = r"(?:of|and|&|for|to the|to|de|del|des|du|la|y|und|et|van|voor|für)"
_ROLE = rf"{_W}(?:[ \t]+(?:{_CONN}[ \t]+)?(?:{_W}|\d{{1,2}}\b))*"
_PAREN = r"(?:[ \t]*\((?![^)\n]*(?:req|ref\b|id\b|#|posting|vacancy|job|announcement|\d{4,}|kennziffer|plaza|vacature|fte))(?:[A-Z][^()\n]{0,30}|" \
         r"[mwfdhx]/[mwfdhx](?:/[mwfdhx])?)\))?"
_TAIL = r"(?=[ \t]*(?:\(|,?[ \t]+(?:role|position|opening|vacancy|post|job|spot|team|at|with|in|here|on|has|have|is|was|will|scheduled|" \
        r"interviews?|process|contract|assignment)\b|[.!:;]?[ \t]*(?:\n|$)|[.!:;][ \t]))"
_ROLE_FULL = rf"(?P<role>{_ROLE}(?:(?:,[ \t]+|[ \t]+[–—-][ \t]+)(?!(?:req|ref|job|id|posting|gs)\b|[\w-]*\d{{3}}){_ROLE}{_TAIL})?{_PAREN})"
_LOOSE = r"(?P<role>[\w'’*/-]+(?:[ \t]+(?!(?:est|ist|is|es|a|ont|wurde|wird|bei|bij|chez|en|in|im|am|at|dans|pour|para|met|zu|con|que|y|und|et|"\
         r"die|der|das|het|les|los|las|el|un|une|ein|eine|een|nuestra|nuestro|notre|onze|ha|heeft|verder|te|se|no|pas|n'a|aan|ingevuld)\b)[\w'’*/-]+){0,4})"
_ADJ = r"(?:(?:part-time|full-time|new|open|first|remote|temporary|permanent|seasonal|contract|same|current|advertised|upcoming|other)\s+)?"
_TERM = r"(?:position|role|opening|vacancy|job|post|spot|opportunity|programme|program|posting|search|req|shift|gig|assignment|process|interviews?|" \
        r"hire|candidate|scheme|contract|requisition|level|offer|team)\b"
# (pattern, weight, needs a role word): structural cues can stand alone, loose ones need 'Engineer', 'Nurse', ...
_ROLE_PATTERNS: list[tuple[re.Pattern[str], float, bool]] = [
    (re.compile(rf"\b(?:for|to|in|into|of|on|about|from|with)\s+(?:the|our|a|an|this|that|your)\s+{_ADJ}(?:\d{{4}}\s+)?{_ROLE_FULL}\s+{_TERM}"), 2.0, False),
    (re.compile(rf"\b(?:position|role|post|title|rol|plaza) of\s+(?:a |an )?{_ROLE_FULL}"), 2.0, False),
    (re.compile(rf"\b(?:application|applying|applied|candidacy|apply|interview(?:ing)?|consideration|CV|resume|résumé|portfolio|offer)\s+for\s+"
                rf"(?:the |a |an |our )?(?:position of |role of |post of )?{_ROLE_FULL}"), 1.5, False),
    (re.compile(rf"\b(?:applying|applied|apply|application) to (?:be |become |join as )?(?:a |an |our |the )?{_ROLE_FULL}(?=\s+(?:position|role|"
                r"opening|vacancy|job|post|spot|at|with|on)\b)"), 1.5, False),
    (re.compile(rf"\b(?:applying|applied|apply) to be (?:a |an |our |the )?{_ROLE_FULL}"), 1.5, False),
    (re.compile(rf"^[ \t]*(?:Role|Position|Post|Job|Job title|Vacancy|Opening|Interview|Event type|Reference|Requisition|Poste|Stelle|Functie|Vacature|"
                rf"Puesto)[ \t]*:[ \t]*(?:[\w/-]*\d[\w/-]*[ \t]*[-–—]?[ \t]*)?{_ROLE_FULL}", re.MULTILINE | re.IGNORECASE), 3.0, False),
    (re.compile(rf"\b(?:the|our|a|an|another|your) {_ADJ}{_ROLE_FULL}\s+{_TERM}"), 1.0, True),
    (re.compile(rf"\b(?:position|role|post|vacancy|requisition|req|job id)[ \t]+(?:#?[\w-]*\d[\w-]*[ \t]+)?{_ROLE_FULL}"), 1.5, True),
    (re.compile(rf"\b(?:as|for|hiring|recruiting|seeking) (?:our |a |an |the )?(?:first |new |next )?{_ROLE_FULL}"), 1.0, True),
    (re.compile(rf"\b(?:als|Position|Stelle) {_ROLE_FULL}"), 1.0, False),
    (re.compile(rf"\b(?:poste d[e'’]|poste|functie(?: van)?|vacature(?: van| voor)?|rol van|sollicitatie voor|kandidatuur voor|puesto de|cargo de|"
                rf"candidatura para|vacante de|plaza de|posición de)\s+(?:(?:de|het|la|le|el) (?:functie|poste|puesto|rol|posición) (?:de |van )?)?"
                rf"{_LOOSE}{_PAREN}", re.IGNORECASE), 1.5, False),
]
_ROLE_LINE = re.compile(r"^[ \t]*(?:re:\s*)?(?P<role>[A-Z][^\n.!?:;,]{2,60}?(?:,[^\n.!?:;,]{2,40}?)?)(?:\s*[-–—,(]\s*(?:req|ref|job|id|#|\d).*)?[ \t]*$",
                        re.MULTILINE | re.IGNORECASE)
_ROLE_JUNK = re.compile(r"\s+[–—-]\s+[^–—-]*\b(interview|call|screen|deep dive|round|chat|assessment|stage|test)\b.*$|^(?:the|our|a|an)\s+|^\d{4}\s+|"
                        r"^(job )?(requisition|req|ref|reference|job id|id)\s*#?\s*\S*\d\S*\s+|"
                        r"\s+(?:programme|program|position|role)$", re.IGNORECASE)
_GENERIC_SEGMENT = re.compile(
    r"^((re|fwd?|aw|wg|tr)\b|(your |my |the |an? )?(job )?(application|candidacy|interview|update|status|next steps?|thank|feedback|outcome|decision|"
    r"offer|invitation|following up|follow-up|regarding|search update|result|employment|notice|checkride)|"
    r"(ihre|deine|dein|je|uw|votre|ta|tu|su|suite|resultado|r[ée]ponse|respuesta|proceso|terugkoppeling|update)\b|(?-i:[a-z]))",
    re.IGNORECASE,
)
_SEGMENT_TAIL = re.compile(
    r"(\s*\((?:[^)]*(?:req|ref\b|id\b|#|posting|announcement|vacancy|kennziffer|plaza|vacature|nummer)[^)]*|[^)]*\d{3,}[^)]*)\)|\s+\d{4}|"
    r"\s+(position|role|opening|vacancy|search|posting|job|application|interview|feedback|update|outcome|results?|status|notice|review|"
    r"decision|offer|take-home|employment|assessment|checkride))+$",
    re.IGNORECASE,
)
_GREETING = re.compile(r"^(hi|hello|hey|dear|hallo|guten|sehr|liebe|lieber|bonjour|ch[eè]re?|madame|monsieur|hola|estimad[oa]|buenos|beste|"
                       r"geachte|hoi|good (morning|afternoon)|thank|thanks|welcome|congratulations)\b", re.IGNORECASE)
_NOT_SUBJECT = re.compile(rf"{_GREETING.pattern}|[,:;]$|\.\s|^.{{120}}", re.IGNORECASE)
_SEGMENT_PREFIX = re.compile(
    r"^((your |my |an? )?(job )?(application|candidacy|interview|sollicitatie|kandidatuur|bewerbung|candidature|candidatura)\s*"
    r"(for|to|as|als|voor|f[üu]r|au poste de|pour|para|de)?|(invitation|update|feedback)( to interview)?\s*(for|on|about|regarding)?( your application)?( for| to)?)\s*:?\s+",
    re.IGNORECASE,
)


def _subject_parts(subject: str, known_roles: list[str]) -> list[tuple[str, bool]]:
    """Company and role named by a subject like 'Quillfeather - Product Designer' or 'Your application for X at Y'."""
    parts: list[tuple[str, bool]] = []
    for role in sorted(known_roles, key=len, reverse=True):  # a role the body names may hold a dash: 'Agent – Ground Operations'
        if role in subject:
            parts.append((role, True))
            subject = subject.replace(role, " | ")
    for seg in re.split(r"\s+[-–—|:]\s+|:\s+|\s*\|\s*", re.sub(r"^((re|fwd?|aw|wg|tr)\s*:\s*)+", "", subject, flags=re.IGNORECASE)):
        seg = _SEGMENT_PREFIX.sub("", seg.strip(" .!?")).strip()
        seg = _SEGMENT_TAIL.sub("", seg)
        if not seg or PLACEHOLDER.search(seg) or _GENERIC_SEGMENT.match(seg) or re.search(r"\d{3,}", seg):
            continue
        head, sep, tail = (re.split(r"\s+(at|with|bei|chez|bij)\s+(?=[A-Z])", seg, maxsplit=1) + ["", ""])[:3]
        if sep and _valid_company(_clean_company(tail)):
            parts.append((_clean_company(tail), False))
            seg = head
        if _is_title(seg) or (_ROLE_WORDS.search(seg) and not looks_like_org(seg)):
            parts.append((seg, True))
        elif _valid_company(_clean_company(seg)):
            parts.append((_clean_company(seg), False))
    return parts


def _roles(text: str, subject_len: int) -> dict[str, float]:
    votes: dict[str, float] = defaultdict(float)
    body = text[: _signature_start(text)]
    for pattern, weight, needs_word in _ROLE_PATTERNS:
        for m in pattern.finditer(body):
            role = _ROLE_JUNK.sub("", m.group("role").strip(" ,.;:-–"))
            if (len(role) > 1 and len(role) <= 80 and not PLACEHOLDER.search(body[max(m.start("role") - 1, 0): m.end("role") + 1])
                    and (not needs_word or _ROLE_WORDS.search(role))):
                votes[role] += weight
    for m in _ROLE_LINE.finditer(body[subject_len:600]):  # a title standing on its own line: 'Post: X' without the colon, 'Re: X, Req 123'
        role = _ROLE_JUNK.sub("", m.group("role").strip())
        if _ROLE_WORDS.search(role) and not looks_like_org(role) and not _GREETING.match(role) and not PLACEHOLDER.search(role):
            votes[role] += 1.5
    return votes


def _best_role(votes: dict[str, float], company: str) -> str:
    votes = {r: v for r, v in votes.items() if _squash(r) != _squash(company) and not (company and r.endswith(company))}
    for short in sorted(votes, key=len):  # "Engineering Manager" is the same vote as "Engineering Manager, Platform"
        longer = [r for r in votes if r != short and r.startswith(short) and votes[r] >= 1.5]
        if longer:
            votes[max(longer, key=lambda r: votes[r])] += votes[short]
    return max(votes, key=lambda r: (votes[r], bool(_ROLE_WORDS.search(r)), len(r)), default="")


_SIGNOFF = re.compile(
    r"^\W*(best|all the best|best wishes|(best|kind|warm|warmest|many) regards|regards|many thanks|thanks|thank you|sincerely|yours|cheers|warmly|"
    r"with (best |warm )?wishes|with thanks|with gratitude|respectfully|take care|talk soon|speak soon|(good|best of) luck|gg|appreciate|"
    r"mit freundlichen gr[üu](ß|ss)en|(freundliche|viele|liebe|beste|herzliche) gr[üu](ß|ss)e|alles gute|(bien )?cordialement|bien à vous|"
    r"salutations|bonne (chance|continuation|journée)|bon courage|(met )?(vriendelijke|hartelijke) groet(en)?|groet(en|jes)?|saludos|un saludo|"
    r"atentamente|reciba un cordial saludo|un abrazo|te deseo lo mejor|namens)\b[^\n]{0,40}$",
    re.IGNORECASE | re.MULTILINE,
)
_JUNK_LINE = re.compile(r"automat|do not (reply|respond)|unsubscribe|confidential|intended|receiving|unmonitored|not monitored|view (message|job)|"
                        r"see (all )?jobs|^on .* wrote|^sent from|^get outlook|^(this|the) (e-?mail|message) (was|is|has)", re.IGNORECASE)


def _trim_junk(text: str) -> str:
    """The text without trailing footers ('Sent from my iPhone', 'This email was sent from an unmonitored mailbox')."""
    paras = text.rstrip().split("\n\n")
    while len(paras) > 1 and _JUNK_LINE.search(paras[-1]) and len(paras[-1]) < 400:
        paras.pop()
    return "\n\n".join(paras)


def _signature_start(text: str) -> int:
    found = list(_SIGNOFF.finditer(text))
    if found and found[-1].start() > len(text) // 3:
        return found[-1].end()
    tail = text.rstrip()
    cut = tail.rfind("\n\n")
    return cut + 2 if cut > len(text) // 3 and len(tail) - cut < 200 else len(text)


def _signature(text: str, known_company: object) -> tuple[str, str]:
    """(writer's name, organisation) from the lines under the sign-off, or from the last short lines."""
    lines = [ln.strip(" \t-–—*>") for ln in text[_signature_start(text):].split("\n")]
    block = [ln for ln in lines if ln and not _JUNK_LINE.search(ln)]
    block = [ln for ln in block[:7] if len(ln) <= 70]
    if not block:
        return "", ""
    name, company = "", ""
    first = _SEPARATORS.split(block[0], maxsplit=1)
    head = _clean_company(first[0]) if first[0].lower().startswith(("the ", "team ")) else first[0]
    if person_first_name(head) and not looks_like_org(head) and not (callable(known_company) and known_company(head)):
        name, block = head, ([first[1]] if len(first) > 1 else []) + block[1:]
    for line in reversed(block):  # the organisation line comes after name and title, before nothing but address and phone
        company = _pick_piece(line) if not _ADDRESS.search(line) or _SEPARATORS.search(line) else ""
        if company:
            break
    return name, company


_FINAL = re.compile(
    r"final (round|interview|stage|panel|conversation|step|candidates?)|(other|another|two|three|fellow) finalists?|on-?site\b|last (round|stage)|"
    r"reference (check|stage)|"
    r"(whole|full|entire|better part of the|better part of a) day|(all|three|four|five|several) rounds|(rescind|withdraw)\w* (the |our |your )?"
    r"(job |conditional )?offer|offer (of employment )?(we|that we) (extended|made)|offer we made|(panel|ronda|entretien|gespräch|gesprek) final|"
    r"\bfinale\b|dernier entretien|letzte runde|laatste ronde|geschäftsführung|travel(l)?ing to (meet|visit|see)|interview day|superday"
)
# Phone screens first, so that 'telephone interview' counts as a screen and not as an interview.
_SCREENED = re.compile(
    r"(phone|telephone|zoom|teams|intro(ductory)?|initial|screening|first[- ]round|recruiter|quick|short) (screen(ing)?|calls?|chats?|interviews?|"
    r"conversations?)|(on|by) (the )?(tele)?phone|screening (stage|call)|(our|the|your) (call|chat)|first (conversation|call|chat)|speaking with (me|\w+ from)|"
    r"(talk|talking|chat|chatting|speaking|spoke|hopping on) (with|to) (me|us)\b|chatting|lovely (chat|chatting)|to chat\b|(a|the|our) (quick )?call with|"
    r"jumping on a call|telefonat|telefoongesprek|telefonisch|intakegesprek|llamada|appel|erstgespräch|eerste gesprek|entrevue téléphonique|"
    r"échange téléphonique"
)
_INTERVIEWED = re.compile(
    r"(you|your) (interview(s|ed)?|time (with|interviewing)|conversations? with (the|our) team)|interviewed|after (the|your|our) interview|"
    r"(meeting|met|meet) with|meeting (you|the team|our team)|(great|lovely|nice|good) (to meet|meeting)|you met\b|take-?home|technical (interview|round|assessment)|design test|"
    r"second (round|interview|stage)|speaking with (the|our) team|coming in|visit(ing)? (our|the) (office|team)|trial (shift|day)|"
    r"journée d'essai|walking (the|us|our)|presentation|entretien|gespräch|gesprek|entrevista|komst|visita|proefles|sollicitatiegesprek|"
    r"time and (candour|effort) throughout|workshop|interview (on|last|yesterday|this|with)|for interviewing|(at|during|in) (the|your|our) interview|"
    r"(complet\w+|taking part in|sitting|attend\w*) (the |our |your )?(online |video )?(assessment|test|exercise|assignment|case)|assessment cent(er|re)"
)
_APPLIED = re.compile(r"appl(y|ied|ication|ying)|resume|résumé|\bcv\b|candidacy|profile|submission|portfolio|bewerbung|candidature|"
                      r"sollicitatie|kandidatuur|candidatura|solicitud|currículum|dossier|interest in|spot|opening|position|put you forward")

_NOT_INTERVIEWED = re.compile(
    r"((not|n't|unable to|no longer|won't|cannot|decided not to|regret that we|no)\b[\w\s,]{0,40}?\b(invite|inviting|invited|progress|proceed|move|"
    r"moving|advance|advancing|offer you|take|taking|shortlist|shortlisted|select|selected|progressing|be setting up|scheduling|schedule|continue)"
    r"[\w\s]{0,30}?(to|for|into|with)? ?(an |the |a |our |your )?(first[- ]round |next |panel |on-?campus )?(interview|next|assessment|on-?site|final|stage|"
    r"round)\w*|(no|any|further) interviews?\b|interview (slots?|schedule|process)|(candidates|applicants|people|group|others)( we)? (to |for )?"
    r"(first-round |an? |the )?interview\w*|cancel\w* [\w\s']{0,20}interview|(moving|move|proceed\w*) (on )?to interviews|decided to interview|"
    r"stage of interviews|for (on-campus|in-person|onsite|first-round|final|panel) interviews|\bfinalists for( [\w-]+)?( interviews?)?|"
    r"to (the|a|our) (next|final|on-?site) (round|stage|conversation|interview)\w*|final (decision|selection)|"
    r"(niet|nicht|pas|no|keine?n?)\b[^.]{0,40}(gesprek|gespräch|entretien|entrevista))"
)
# A search that was closed or cancelled tells nothing about how far the candidate got.
_CANCELLED = re.compile(
    r"(clos|cancel|withdr[ae]w|paus|freez|eliminat|suspend)\w* (this|the) (search|position|role|vacancy|recruitment|requisition)|no longer recruiting|"
    r"not to fill|(position|role|project|vacancy) (has been |was )?(put )?on hold|(position|role|vacancy) (has been|was|is) (closed|cancelled|withdrawn)|"
    r"stopped the recruitment|no longer (exists|available)|restructur\w*|(freeze|froze|frozen) (all )?hiring|hiring freeze|"
    r"withdraw\w* (our|the|all) (open )?(roles|positions|vacancies)"
)


def stage_of(text: str) -> Stage:
    """How far the application got, from what the rejection says about it."""
    text = text.lower()
    scrubbed = _NOT_INTERVIEWED.sub(" ", text)
    if re.search(r"(rescind|withdraw)\w* (the |our |your )?(job |conditional )?offer", text):
        return Stage.FINAL
    if _CANCELLED.search(text):
        return Stage.UNKNOWN
    if _FINAL.search(scrubbed):
        return Stage.FINAL
    screened = _SCREENED.search(scrubbed)
    scrubbed = _SCREENED.sub(" ", scrubbed)
    if _INTERVIEWED.search(scrubbed) or re.search(r"\binterview", scrubbed):
        return Stage.INTERVIEW
    if screened:
        return Stage.SCREEN
    if _APPLIED.search(text):
        return Stage.APPLICATION
    return Stage.UNKNOWN


_FEEDBACK = re.compile(r"(happy|glad|welcome|able|pleased)( to|,)[\w\s,]{0,40}feedback|feedback[\w\s,]{0,40}(if you('d| would) like|on request|let me know|"
                       r"just ask|reach out)|share (some )?feedback|(if you('d| would) like|if you want)[\w\s,]{0,40}feedback")
_REAPPLY = re.compile(r"re-?apply|apply again|future (openings|opportunities|roles|vacancies)|keep (your|you) .{0,30}(on file|in mind)|"
                      r"talent (pool|community|network)|encourage you to apply")
