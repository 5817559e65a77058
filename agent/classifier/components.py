"""Custom spaCy components, registered by name so a saved pipeline can find them on load."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from spacy.language import Language
from spacy.tokens import Doc

from agent.classifier import architectures  # noqa: F401  (registers the classifiers' architecture for spacy.load)
from agent.classifier.dates import DateReader, event_of
from agent.classifier.extract import Extractor, Headers
from agent.classifier.language import detect_language
from agent.classifier.lexicon import WordTable, word_list
from agent.classifier.senders import first_name_gender
from agent.classifier.situation import Reading, SituationReader
from agent.classifier.titles import has_role_word, title_gender
from agent.classifier.words import words_of
from agent.domain import Extraction, Label

EXTRACTOR = "rebound_extractor"
# doc.user_data key: extract from every email, not only from likely rejections.
EXTRACT_ALL = "extract_all"
# Votes a company or a role needs before a reply names it. Measured on the corpus's 1,643
# rejections: a company with fewer than 3 votes (one cue alone) was right only half the time
# (194 of 389), from 3 up 94% (1,194 of 1,268); a role below 2 votes 84%, from 2 up 97%.
SURE_COMPANY_VOTES = 3.0
SURE_ROLE_VOTES = 2.0
# Rejection scores from here up get full extraction: drafts need it, and so do the uncertain
# ones the user is asked to check. Below, the judgement is "not a rejection" and the work is skipped.
EXTRACT_FROM = 0.3
# doc.user_data key: the day the email arrived, which "Thursday" in an invitation is counted from.
ARRIVED = "arrived"
# Job mail the digest names by company, and whose day it reads (the interview on Thursday): extracted too.
NAMED_IN_DIGEST = frozenset({Label.INTERVIEW.value, Label.ASSESSMENT.value, Label.OFFER.value, Label.APPLICATION_ACK.value})
# The labels' names, in Label's order: read per email, where walking the enum costs more than the arithmetic.
LABELS = tuple(label.value for label in Label)


@Language.factory(EXTRACTOR)
def make_extractor(nlp: Language, name: str) -> ExtractorComponent:
    """The extraction step; it learns nothing, so training leaves it as it is."""
    return ExtractorComponent(nlp)


class ExtractorComponent:
    """Fills doc.user_data['extraction'] where it is needed: likely rejections (or every email on request)."""

    def __init__(self, nlp: Language) -> None:
        self.extractor = Extractor(nlp.vocab, nlp.tokenizer)
        self.reader = SituationReader(nlp.vocab, nlp.tokenizer)
        self.dates = DateReader(nlp.vocab)

    def __call__(self, doc: Doc) -> Doc:
        cats = doc.cats
        score = rejection_score(cats) if cats else 0.0
        if cats and not doc.user_data.get(EXTRACT_ALL) and score < EXTRACT_FROM and top_label(cats) not in NAMED_IN_DIGEST:
            return doc  # most mail: the rules cost four times what classifying does
        # What kind of no it is matters only where there may be one; the digest's job mail needs who and when.
        maybe_no = not cats or bool(doc.user_data.get(EXTRACT_ALL)) or score >= EXTRACT_FROM
        extraction = extract(doc, doc.user_data.get("headers", Headers()), self.extractor, self.reader if maybe_no else None)
        arrived: date | None = doc.user_data.get(ARRIVED)
        if arrived is not None and (not cats or top_label(cats) in NAMED_IN_DIGEST):
            event = event_of(self.dates.days(words_of(doc).texts, extraction.language, arrived))
            if event is not None:
                extraction = replace(extraction, event_date=event.day, event_kind=event.kind)
        doc.user_data["extraction"] = extraction
        return doc


# "Please do not reply to this email" sits near the end; reading the last part keeps the check cheap on long mail.
_NO_REPLY = WordTable.of("mail.no_reply")
_NO_REPLY_TAIL = 1500


def extract(doc: Doc, headers: Headers, extractor: Extractor, reader: SituationReader | None) -> Extraction:
    """Everything the rules read from one email: who, what, which language, and (with a reader) what kind of no."""
    who = extractor(doc, headers)
    role, role_sure = who.role, who.role_votes >= SURE_ROLE_VOTES
    if role and not role_sure and not has_role_word(role):
        role = ""  # a stray word on thin evidence ("staat", "Person") is no role at all
    language = detect_language(words_of(doc).texts)
    reading = reader.read(doc, language.language) if reader is not None else Reading()
    return Extraction(
        company=who.company,
        role=role,
        contact_name=who.contact_name,
        contact_full_name=who.contact_full_name,
        contact_gender=_gender(title_gender(who.title_line, language.language), first_name_gender(who.contact_name)),
        contact_title=who.contact_title,
        greeting=who.greeting,
        titled_greeting=who.titled_greeting,
        via_agency=who.via_agency,
        company_is_agency=who.company_is_agency,
        stage=reading.stage,
        # Asked only of a possible rejection (with a reader): it decides whether a reply is drafted.
        human_sender=who.human_sender and not (reader is not None and _NO_REPLY.found_in_words(word_list(words_of(doc).text[-_NO_REPLY_TAIL:]))),
        offers_feedback=reading.offers_feedback,
        gives_feedback=reading.gives_feedback,
        declines_feedback=reading.declines_feedback,
        keeps_on_file=reading.keeps_on_file,
        situation=reading.situation,
        situation_sure=reading.sure,
        language=language.language,
        language_sure=language.sure,
        register=reading.register,
        voseo=reading.voseo,
        questions=reading.questions,
        company_sure=who.company_votes >= SURE_COMPANY_VOTES,
        role_sure=role_sure,
        held_back=reading.held_back,
    )


def _gender(by_title: str, by_name: str) -> str:
    """A title says it ('Chargée de recrutement'), or a first name that leaves no doubt ('Regula'); when the two
    disagree, no one is greeted as Frau or Herr. On the corpus they agree 115 times in 117, and both times they
    disagreed the title was misread ('Vorsitzende der Auswahlkommission' under 'Hannah Wolff')."""
    if by_title and by_name and by_title != by_name:
        return ""
    return by_title or by_name


def top_label(cats: dict[str, float]) -> str:
    """The 8-way classifier's first choice."""
    return max(LABELS, key=lambda lb: cats.get(lb, 0.0))


def rejection_score(cats: dict[str, float]) -> float:
    """P(rejection) as the weakest of three views that must all agree.

    The 8-way classifier must rank "rejection" first, and the facets must find the email both
    about a job and saying no. Each alone errs in its own way: the first on acknowledgements
    that open like a rejection, the facets on refusals of papers or loans and on polite updates.
    Chosen on a validation split (`python models/validate.py`: 1 in 7 of the training emails,
    models trained on the rest, the held-out split untouched; 8,371-email corpus): at 0.55, F1
    0.901 with precision 0.937, against 0.896 / 0.925 when the job facet vetoes only below 0.4,
    0.889 / 0.907 without the job facet, and 0.906 / 0.863 for the 8-way score alone. Precision
    is what a wrong thank-you draft costs, so all three views must agree.
    """
    rejection = cats.get(Label.REJECTION.value, 0.0)
    ranked_first = 1.0 if rejection >= max(cats.get(lb, 0.0) for lb in LABELS) else rejection
    if "job" not in cats:
        return float(ranked_first if ranked_first < 1.0 else rejection)
    return float(min(ranked_first, cats["job"], cats["refusal"]))
