"""What a reply says, in which language, and what the user should check before sending it.

Everything here is decided from the classifier's reading of the email; the words themselves are in
templates/<lang>/. A draft claims only what the email shows, and where Rebound is unsure it leaves
a thing out and says so in a "check" reason, shown in `rebound list` and in the digest, never in
the draft itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.classifier.lexicon import words
from agent.classifier.senders import first_name_words
from agent.config import DraftSettings
from agent.domain import Extraction, QuestionKind, Situation, Stage
from agent.drafts.employer import employer_phrases
from agent.drafts.greetings import reply_greetings, titled_greetings
from agent.drafts.names import clean_company, clean_role

LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French", "nl": "Dutch", "es": "Spanish"}
_MET = {Stage.SCREEN, Stage.ASSESSMENT, Stage.INTERVIEW, Stage.FINAL}
_AFTER_CONTACT = {Situation.AFTER_SCREEN, Situation.AFTER_ASSESSMENT, Situation.AFTER_INTERVIEW, Situation.AFTER_FINAL}
# The search ended for reasons that are not about the candidate: asking "what could I have done
# better" reads oddly, unless the employer offered to say.
_NOT_ABOUT_YOU = {Situation.ROLE_CLOSED, Situation.OFFER_WITHDRAWN, Situation.MISMATCH, Situation.NO_OPENINGS}
# Questions a reply can answer plainly; the others are left to the user.
_PLAIN = {QuestionKind.KEEP_ON_FILE, QuestionKind.FEEDBACK}
_ANSWERED_WITH_A_LINE = {QuestionKind.CALL, QuestionKind.OTHER_ROLE}


@dataclass(frozen=True)
class Wording:
    """The template variables for one rejection's reply, its language, and what to check."""

    language: str
    context: dict[str, Any]
    check: tuple[str, ...]
    ask_feedback: bool


def feedback_wanted(ex: Extraction, settings: DraftSettings) -> bool:
    """Whether the reply asks for feedback, by [drafts] feedback_request and what the email says."""
    policy = settings.feedback_request
    if policy == "never":
        return False
    if ex.gives_feedback and not ex.offers_feedback:
        return False  # the feedback is in the email already: the reply thanks for it
    if ex.offers_feedback:
        return True  # an employer who offers feedback has asked to be asked
    if ex.declines_feedback:
        return False  # "we are unable to share feedback": asking anyway would ignore what they said
    if ex.situation in _NOT_ABOUT_YOU:
        return False
    if policy == "always":
        return True
    return ex.stage in _MET or ex.situation in _AFTER_CONTACT


def wording(ex: Extraction, settings: DraftSettings, user_name: str, languages: frozenset[str]) -> Wording:
    """Decide what the reply to this rejection says; languages: those with templates (English among them)."""
    check: list[str] = []
    language = ex.language if ex.language in languages else "en"
    if language != ex.language:
        name = LANGUAGE_NAMES.get(ex.language, ex.language)
        check.append(f"language: the email is in {name}, which Rebound has no templates for yet; the reply is in English")
    elif not ex.language_sure:
        check.append(f"language: not sure which language the email is in; the reply is in {LANGUAGE_NAMES[language]}")
    role, company = clean_role(ex.role), clean_company(ex.company)
    if ex.role and not role:
        check.append(f"role: left out “{ex.role}”, which did not read as a job title")
    elif role and not ex.role_sure:
        check.append(f"role: left out “{role}”, which Rebound was not sure of")
        role = ""
    if company and not ex.company_sure:
        check.append(f"company: left out “{company}”, which Rebound was not sure of")
        company = ""
    elif company and ex.company_is_agency:
        # "the Key Account Manager role at Punto Talento" puts the job at the agency that wrote for its client.
        company = ""
    if not ex.situation_sure:
        check.append("situation: the email does not say how far your application got, so the reply does not mention it")
    ask_feedback = feedback_wanted(ex, settings)
    answers = []
    for question in ex.questions:
        if question.kind in _PLAIN:
            answers.append(question.kind.value)
        elif question.kind in _ANSWERED_WITH_A_LINE:
            answers.append(question.kind.value)
            what = "suggests a call" if question.kind is QuestionKind.CALL else "mentions another role"
            check.append(f"question: the email {what} (“{question.text}”); the reply says you would be glad to, add a time or a detail if you like")
        else:
            check.append(f"question: the email asks “{question.text}”, and the reply does not answer it")
    if QuestionKind.FEEDBACK.value in answers and settings.feedback_request != "never":
        ask_feedback = True
    context = {
        "first_name": ex.contact_name,
        # No person named in the sender or the signature ("Ihr Recruiting-Team", "Het recruitmentteam",
        # a mailbox): the reply goes to a team, and "you" is plural where a language says so (ihr,
        # jullie, a tu-letter's vous, the Spanish third person plural).
        "team": not ex.contact_name,
        # A formal German letter answered "Hallo Felix" sounds over-familiar; the whole name greets without guessing a gender.
        "full_name": ex.contact_full_name if ex.contact_name else "",
        # 'Guten Tag Frau Weber' only where a title under the name or a first name leaves no doubt, and the surname is plain.
        "formal_address": _formal_address(ex) if ex.contact_name else "",
        # 'f' or 'm' where a title or the first name says it: the Spanish "Estimada Sra. …" agrees with it.
        "contact_gender": ex.contact_gender,
        # "Hoi Sam," or "Salut Léa," opened an informal letter: the reply answers in kind ("Hoi Ria,"); '' for the usual greeting.
        "reply_greeting": reply_greetings(language).get(ex.greeting, "") if ex.register == "informal" else "",
        # "Geachte heer Veenstra," or "Hi Dr. Ali," opened the letter: "Geachte Robert Kamphuis," / "Dear Dr. Greer," answer it.
        "titled_greeting": titled_greetings(language).get(ex.titled_greeting, "") if ex.register != "informal" else "",
        "company": company,
        # A recruiter who writes for a client did not decide: the reply thanks for the update, not for their decision.
        "via_agency": ex.via_agency,
        # The name inside a sentence of this language: "auprès du Collège Jean-Moulin", "bei der Universität Bonn".
        "employer": employer_phrases(company, language),
        "role": role,
        "situation": ex.situation.value,
        "stage": ex.stage.value,
        "met": ex.stage in _MET,
        "formal": ex.register != "informal",
        # "¿Querés pasar el lunes?" is answered in vos: "hablar con vos", "si tenés un momento" (Spanish only).
        "voseo": ex.voseo,
        "ask_feedback": ask_feedback,
        "feedback_offered": ex.offers_feedback or QuestionKind.FEEDBACK.value in answers,
        "feedback_given": ex.gives_feedback,
        "keep_on_file": ex.keeps_on_file,
        "answers": tuple(a for a in answers if a != QuestionKind.FEEDBACK.value),
        "user_name": user_name,
        # A feedback request sent beside a thank-you may say "again"; sent alone, it may not.
        "follows_thanks": settings.style == "separate" and settings.thank_you,
    }
    return Wording(language, context, tuple(check), ask_feedback)




# How a formal letter names a woman or a man before the surname, where a title or the first name says which.
_COURTESY = {"de": ("Frau", "Herr"), "fr": ("Madame", "Monsieur"), "nl": ("mevrouw", "heer"), "es": ("Sra.", "Sr.")}


def _formal_address(ex: Extraction) -> str:
    """'Frau Weber', 'Herr von Bülow', 'Madame Jaquet', 'mevrouw De Vries' where the gender is known; '' when a middle
    name makes the surname unsure, or the language has no such address here."""
    parts = ex.contact_full_name.split()
    english = ex.language == "en" and bool(ex.contact_title)  # 'Dr. Greer': an English title says no gender
    if len(parts) < 2 or not (english or (ex.contact_gender and ex.language in _COURTESY)):
        return ""
    rest = parts[1:]
    if ex.language == "es":
        # 'Alicia Ferrándiz' -> 'Sra. Ferrándiz'; 'Ana Belén Torres' and 'María del Carmen Ruiz' carry a compound first
        # name first ('Sra. Torres', 'Sra. Ruiz'). Two words left after the first name give no surname greeting.
        rest = parts[first_name_words(ex.contact_full_name):]
        if len(rest) > 1:
            return ""  # 'Alicia Ferrándiz Soler' or 'Ana Sofía Martínez': two surnames or a middle name, and no way to tell
    if len(rest) > 1 and rest[0] not in words("names.particles"):
        return ""  # 'Anna Maria Weber': which words are the surname?
    if english:
        return f"{ex.contact_title} {' '.join(rest)}"  # 'Dr. van der Berg'
    # 'Frau Dr. Weber': a German letter keeps the title; a French one greets "Madame Weber".
    title = f"{ex.contact_title} " if ex.contact_title and ex.language == "de" else ""
    woman, man = _COURTESY[ex.language]
    if ex.language == "nl" and rest[0][:1].islower():
        rest = [rest[0][:1].upper() + rest[0][1:], *rest[1:]]  # 'mevrouw De Vries': the particle opens the name
    return f"{woman if ex.contact_gender == 'f' else man} {title}{' '.join(rest)}"
