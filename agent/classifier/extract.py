"""Who, what and where: company, role, contact and stage, from a spaCy Doc and the sender headers.

Rules rather than a trained tagger: employers name themselves in a few dozen recurring
constructions ("your application to X", "the team at X", "X Talent Acquisition"), and rules
built on those constructions carry over to companies no training set has seen.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from agent.classifier.senders import is_automated, person_first_name
from agent.domain import Stage

# Placeholders left in published templates are never a company or a role.
PLACEHOLDER = re.compile(r"[\[\]{}<>]|\b(company|employer|organi[sz]ation|job|position) name\b|\bjob title\b|\bxxx\b", re.IGNORECASE)

_SENTENCE_START = {
    "the", "we", "our", "thank", "thanks", "unfortunately", "dear", "hi", "hello", "hey", "after", "please",
    "if", "your", "you", "this", "at", "in", "as", "i", "it", "for", "on", "with", "a", "an", "and", "but",
    "while", "although", "regards", "best", "sincerely", "kind", "warm", "cheers", "re", "fwd", "subject",
    "application", "update", "status", "congratulations", "good", "great", "again", "all", "everyone",
    "team", "recruiting", "careers", "talent", "hr", "human", "resources", "mr", "ms", "mrs", "dr", "to",
    "from", "date", "sent", "job", "position", "role", "candidate", "applicant", "interview", "offer",
    "yours", "many", "my", "me", "today", "here", "there", "unlike", "given", "due", "following", "regarding",
}
_ROLE_WORDS = re.compile(
    r"\b(engineer|manager|analyst|designer|developer|specialist|coordinator|nurse|associate|intern(ship)?|"
    r"director|officer|assistant|consultant|scientist|administrator|technician|representative|lead|head|"
    r"architect|accountant|advisor|adviser|supervisor|writer|editor|teacher|lecturer|researcher|planner|"
    r"clerk|agent|executive|operator|driver|chef|cook|cashier|therapist|pharmacist|paralegal|attorney|"
    r"counsel|president|vp|producer|marketer|strategist|recruiter|programmer|tester|owner|fellow|trainee)s?\b",
    re.IGNORECASE,
)
_ORG_SUFFIX = re.compile(
    r"\s*(\||-|–|—|:)?\s*(careers?|jobs|recruit(ing|ment)( team)?|talent( acquisition| team)?|hiring( team)?|"
    r"human resources|hr( team)?|people( team| ops)?|notifications?|team|no-?reply|via .+)\s*$",
    re.IGNORECASE,
)
_LEGAL = re.compile(r",?\s+(inc|llc|ltd|gmbh|plc|corp|co|sa|bv|ag)\.?$", re.IGNORECASE)
_ATS_DOMAIN_WORDS = {"myworkday", "myworkdaysite", "greenhouse", "lever", "icims", "smartrecruiters", "taleo", "successfactors",
                     "bamboohr", "ashbyhq", "jobvite", "workable", "workablemail", "recruitee", "teamtailor", "breezy",
                     "jazzhr", "applytojob", "personio", "linkedin", "indeed", "glassdoor", "gmail", "outlook", "yahoo",
                     "hotmail", "icloud", "example", "mail", "email", "company"}


@dataclass(frozen=True)
class Headers:
    """Sender headers the extractor uses beside the text."""

    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""


def _name_like(tok_text: str) -> bool:
    return bool(tok_text) and (tok_text[0].isupper() or tok_text[0].isdigit()) and tok_text not in {"I", "I'm", "I've"}


def _connector(tok_text: str) -> bool:
    return tok_text in {"&", "of", "and", "de", "von", "van", "der", "la", "le", "du", "-", "+", "'s"}


def _name_runs(doc: Doc) -> list[Span]:
    """Maximal runs of capitalised tokens (with '&', 'of', 'and' inside), sentence-initial filler stripped."""
    runs: list[Span] = []
    i, n = 0, len(doc)
    while i < n:
        if not _name_like(doc[i].text) or "\n" in doc[i].text:
            i += 1
            continue
        j = i + 1
        while j < n and "\n" not in doc[j - 1].whitespace_ + doc[j].text:
            t = doc[j].text
            if _name_like(t) and not doc[j].is_punct:
                j += 1
            elif _connector(t) and j + 1 < n and _name_like(doc[j + 1].text) and "\n" not in doc[j].whitespace_:
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
    text = text.strip(" \t\n.,;:!?'\"()")
    text = re.sub(r"['’]s$", "", text)
    prev = None
    while prev != text:
        prev = text
        text = _ORG_SUFFIX.sub("", text).strip(" -|,")
        text = re.sub(r"^(the|team|at)\s+", "", text, flags=re.IGNORECASE)
    return text


def _valid_company(text: str) -> bool:
    if not text or len(text) < 2 or len(text) > 60 or PLACEHOLDER.search(text):
        return False
    if _ROLE_WORDS.search(text) and len(text.split()) > 1:
        return False
    return text.lower() not in _SENTENCE_START


def _domain_word(address: str) -> str:
    domain = address.rpartition("@")[2].lower()
    parts = [p for p in domain.split(".") if p not in {"com", "org", "net", "io", "co", "uk", "de", "fr", "nl", "es", "eu", "ca", "au", "us", "careers", "jobs", "mail", "email", "hire", "talent", "recruiting", "notifications", "app"}]
    word = parts[-1] if parts else ""
    word = re.sub(r"[-_]?(careers?|jobs|recruiting|talent|hr|hiring|mail)$", "", word)
    return "" if word in _ATS_DOMAIN_WORDS else word


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class Extractor:
    """Company, role, contact and stage, from cue patterns matched on the Doc."""

    def __init__(self, vocab: Vocab) -> None:
        self.matcher = Matcher(vocab)
        before = {
            "CO_BEFORE": [
                [{"LOWER": {"IN": ["applying", "applied", "application", "applications", "apply"]}}, {"LOWER": {"IN": ["to", "at", "with"]}}],
                [{"LOWER": {"IN": ["interest", "interested"]}}, {"LOWER": "in"}, {"LOWER": {"IN": ["joining", "working"]}, "OP": "?"}, {"LOWER": {"IN": ["at", "for", "with"]}, "OP": "?"}],
                [{"LOWER": {"IN": ["team", "teams", "everyone", "us", "here", "career", "careers", "opportunities", "position", "role", "opening", "job", "interviewing", "time", "interviews", "future"]}}, {"LOWER": {"IN": ["at", "with"]}}],
                [{"LOWER": {"IN": ["join", "joining", "behalf"]}}, {"LOWER": "of", "OP": "?"}],
                [{"LOWER": "employment"}, {"LOWER": {"IN": ["with", "at"]}}],
                [{"LOWER": {"IN": ["from", "at"]}}, {"LOWER": "the", "OP": "?"}, {"LOWER": "team"}, {"LOWER": {"IN": ["at", "of"]}}],
                [{"LOWER": {"IN": ["regards", "best", "sincerely", "thanks", "wishes", "cheers", "warmly"]}}, {"IS_PUNCT": True, "OP": "?"}, {"LOWER": "the", "OP": "?"}],
            ],
            "ROLE_BEFORE": [
                [{"LOWER": {"IN": ["for", "to", "in"]}}, {"LOWER": {"IN": ["the", "our", "a", "an"]}}],
                [{"LOWER": {"IN": ["position", "role"]}}, {"LOWER": "of"}],
                [{"LOWER": {"IN": ["application", "applying", "applied", "candidacy", "interview", "interviewing"]}}, {"LOWER": "for"}],
            ],
        }
        for key, patterns in before.items():
            self.matcher.add(key, patterns)

    def __call__(self, doc: Doc, headers: Headers) -> tuple[str, str, str, Stage, bool, bool, bool]:
        """(company, role, contact_name, stage, human_sender, offers_feedback, invites_reapply)."""
        runs = _name_runs(doc)
        starts = {r.start: r for r in runs}
        votes: dict[str, float] = defaultdict(float)
        spelled: dict[str, str] = {}
        role_votes: dict[str, float] = defaultdict(float)
        for match_id, _s, end in self.matcher(doc):
            key = doc.vocab.strings[match_id]
            run = starts.get(end)
            if run is None:
                continue
            if key == "CO_BEFORE":
                self._vote(votes, spelled, run.text, 2.0)
            elif key == "ROLE_BEFORE" and _ROLE_WORDS.search(run.text):
                role_votes[run.text.strip(" ,.;:")] += 1.0
        for run in runs:
            nxt = doc[run.end].lower_ if run.end < len(doc) else ""
            if nxt in {"team", "recruiting", "careers", "talent", "hr", "'s", "’s", "hiring", "people"}:
                self._vote(votes, spelled, run.text, 1.5)
            if nxt in {"position", "role", "opening", "vacancy", "job"} and _ROLE_WORDS.search(run.text):
                role_votes[run.text.strip(" ,.;:")] += 2.0
        company = self._company(votes, spelled, runs, headers)
        role = self._role(role_votes, doc.text)
        if company and role and _squash(role) == _squash(company):
            role = ""
        contact = person_first_name(headers.from_name) or _signature_name(doc.text, company)
        human = not is_automated(headers.reply_to or headers.from_addr) if (headers.reply_to or headers.from_addr) else True
        text = doc.text.lower()
        return company, role, contact, stage_of(text), human, bool(_FEEDBACK.search(text)), bool(_REAPPLY.search(text))

    @staticmethod
    def _vote(votes: dict[str, float], spelled: dict[str, str], text: str, weight: float) -> None:
        name = _clean_company(text)
        if _valid_company(name):
            votes[_squash(name)] += weight
            spelled.setdefault(_squash(name), name)

    def _company(self, votes: dict[str, float], spelled: dict[str, str], runs: list[Span], headers: Headers) -> str:
        display = _clean_company(re.sub(r"\s+(at|@)\s+", " at ", headers.from_name))
        if " at " in display:  # "Talent Team at Northwind"
            display = _clean_company(display.rsplit(" at ", 1)[1])
        if display and not person_first_name(headers.from_name) and _valid_company(display):
            self._vote(votes, spelled, display, 2.5)
        domain = _domain_word(headers.reply_to or headers.from_addr)
        if domain:
            for key in list(votes):
                if key and (key == domain or domain.startswith(key) or key.startswith(domain)):
                    votes[key] += 2.0
            if not votes:
                for run in runs:
                    if _squash(_clean_company(run.text)) == domain:
                        self._vote(votes, spelled, run.text, 1.0)
        for run in runs:  # every further mention makes a candidate more likely
            key = _squash(_clean_company(run.text))
            if key in votes:
                votes[key] += 0.25
        if not votes:
            return ""
        best = max(votes, key=lambda k: (votes[k], -len(k)))
        return _LEGAL.sub("", spelled[best]).strip()

    @staticmethod
    def _role(role_votes: dict[str, float], text: str) -> str:
        for pattern in _ROLE_PATTERNS:
            for m in pattern.finditer(text):
                role = m.group("role").strip(" ,.;:-–")
                if role and not PLACEHOLDER.search(role) and _ROLE_WORDS.search(role) and len(role) <= 80:
                    role_votes[role] += 1.5
        clean = {r: v for r, v in role_votes.items() if not PLACEHOLDER.search(r)}
        if not clean:
            return ""
        return max(clean, key=lambda r: (clean[r], len(r)))


_ROLE_CHARS = r"[A-Z][\w/&+.'’-]*(?:[ \t]+(?:[A-Z(][\w/&+.()'’-]*|of|and|&|in|for|de|-|–|I{1,3}|IV))*"
_ROLE_PATTERNS = [
    re.compile(rf"(?:for|to|in)\s+(?:the|our|a|an)\s+(?P<role>{_ROLE_CHARS})\s+(?:position|role|opening|vacancy|job|post)\b"),
    re.compile(rf"(?:position|role) of\s+(?P<role>{_ROLE_CHARS})"),
    re.compile(rf"(?:application|applying|applied|candidacy)\s+(?:for|to)\s+(?:the\s+)?(?:position of\s+)?(?P<role>{_ROLE_CHARS})"),
    re.compile(rf"^(?:Re:\s*)?(?:Your application(?: for| to)?:?\s*)?(?P<role>{_ROLE_CHARS})\s+(?:[-–|(]|at|interview|application|position|role)", re.MULTILINE),
]
_SIGNOFF = re.compile(
    r"^\s*(best|best regards|kind regards|warm regards|regards|many thanks|thanks|thank you|sincerely|yours sincerely|"
    r"cheers|warmly|all the best|best wishes|with thanks|respectfully|take care)[,.!]?\s*\n+\s*(?P<name>[^\n]{2,40})$",
    re.IGNORECASE | re.MULTILINE,
)


def _signature_name(text: str, company: str) -> str:
    for m in _SIGNOFF.finditer(text):
        line = m.group("name").strip()
        if company and _squash(company) in _squash(line):
            continue
        first = person_first_name(re.split(r"\s*[|,–-]\s*", line)[0])
        if first and not PLACEHOLDER.search(line):
            return first
    return ""


_FINAL = re.compile(r"final (round|interview|stage|panel|conversation)|on-?site|last (round|stage)|reference (check|stage)|final decision after")
_INTERVIEWED = re.compile(
    r"(you|your) (interview(s|ed)?|time (with|interviewing)|conversations? with (the|our) team)|interviewed|after (the|your|our) interview|"
    r"met with|meeting (with )?(the|our) team|panel|take-?home|technical (interview|round|assessment)|case study|assessment|"
    r"interview process|second (round|interview)|speaking with (the|our) team|coming in|visit(ing)? (our|the) (office|team)"
)
_SCREENED = re.compile(r"phone (screen|call|interview)|screening (call|interview)|our (call|chat|conversation)|initial (call|interview|conversation)|recruiter (call|screen)|introductory call|speaking with me|talking with me|(video|zoom|teams) call")
_APPLIED = re.compile(r"application|applied|applying|resume|résumé|\bcv\b|candidacy|profile|submission")
_NOT_INTERVIEWED = re.compile(r"(invite|inviting|progress|proceed|move|moving|advance|advancing)[\w\s]{0,25}(to|for) (an |the |a )?(interview|next|assessment)")
_FEEDBACK = re.compile(r"(happy|glad|welcome|able|pleased)( to|,)[\w\s,]{0,40}feedback|feedback[\w\s,]{0,40}(if you('d| would) like|on request|let me know|just ask|reach out)|share (some )?feedback")
_REAPPLY = re.compile(r"re-?apply|apply again|future (openings|opportunities|roles|vacancies)|keep (your|you) .{0,30}(on file|in mind)|talent (pool|community|network)|encourage you to apply")


def stage_of(text: str) -> Stage:
    """How far the application got, from what the rejection says about it."""
    if _FINAL.search(text):
        return Stage.FINAL
    scrubbed = _NOT_INTERVIEWED.sub(" ", text)
    interviewed = _INTERVIEWED.search(scrubbed)
    if _SCREENED.search(scrubbed) and not re.search(r"interviews|interviewed|panel|take-?home|met with", scrubbed):
        return Stage.SCREEN
    if interviewed or re.search(r"\binterview", scrubbed):
        return Stage.INTERVIEW
    if _APPLIED.search(text):
        return Stage.APPLICATION
    return Stage.UNKNOWN
