"""Every draft template in every language, with every combination of known and unknown fields and
every situation: clean sentences, no placeholders or gender tags, no claims the email did not make,
and every word known to the language's hunspell dictionary (Debian's hunspell-en-us, -de-de, -fr, -nl, -es)."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache

import pytest

from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftKind, Extraction, Label, Question, QuestionKind, Situation, Stage
from agent.drafts import DraftWriter
from agent.drafts.employer import employer_phrases
from agent.resources import templates_dir

# Every language Rebound ships templates for.
TEMPLATE_LANGUAGES = sorted(p.parent.name for p in templates_dir().glob("*/reply.txt.j2"))

USER = "Alex Morgan"
PROFILE = ProfileSettings(name=USER, email="alex.morgan@example.org")
# Values that come from the email: they are not the template's words, so the spelling check skips them.
NAMES = ["", "Zoë"]
COMPANIES = ["", "Brightwell Health"]
ROLES = ["", "Data Analyst"]
DICTIONARIES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "nl": "nl_NL", "es": "es_ES"}
STAGE_OF = {
    Situation.APPLICATION: Stage.APPLICATION,
    Situation.AFTER_SCREEN: Stage.SCREEN,
    Situation.AFTER_ASSESSMENT: Stage.ASSESSMENT,
    Situation.AFTER_INTERVIEW: Stage.INTERVIEW,
    Situation.AFTER_FINAL: Stage.FINAL,
    Situation.UNKNOWN: Stage.UNKNOWN,
}
# Words for an interview or a conversation, which a reply may only use when the email shows there was one.
MET_WORDS = {
    "en": r"interview|conversation|meeting|speak|spoke|spent with me|met ",
    "de": r"gespräch|interview|kennenlernen|kennengelernt|treffen|getroffen",
    "fr": r"entretien|entrevue|échange|rencontr|conversation|discuté",
    "nl": r"gesprek|interview|kennismaking|ontmoet|gesproken",
    "es": r"entrevista|conversación|reunión|conocer|conocido|hablar",
}
# A stage-based situation before any contact: the reply must not mention meeting anyone.
NO_CONTACT = {Situation.APPLICATION, Situation.UNKNOWN, Situation.NO_OPENINGS}
QUESTIONS = [
    (),
    (Question(QuestionKind.KEEP_ON_FILE, "May we keep your details?"),),
    (Question(QuestionKind.CALL, "Could we have a quick call?"), Question(QuestionKind.OTHER_ROLE, "Would another role interest you?")),
]
BROKEN = [
    (re.compile(r"  "), "two spaces"),
    (re.compile(r" [,.;:!?)](?!\w)"), "a space before punctuation"),
    (re.compile(r"\bknow at\b|\bthe +(role|position)\b(?! \w)|\bthe\s+(at|for|with)\b"), "a hole where a value was"),
    (re.compile(r"[\[\]{}<>%]|\{\{|\bNone\b|\bnull\b"), "a placeholder"),
    (re.compile(r"\([mwfdhvx]/[mwfdhvx]", re.IGNORECASE), "a gender tag"),
    (re.compile(r"^[ \t]+\S|[ \t]+$", re.MULTILINE), "stray whitespace at a line's edge"),
    (re.compile(r"\n\n\n"), "two blank lines"),
    (re.compile(r"[,;:]\s*\n\n(?!\S)|,,|\.\.(?!\.)|\s[–—]\s*$", re.MULTILINE), "a dangling punctuation mark"),
]


def test_every_language_the_classifier_reads_has_templates() -> None:
    assert TEMPLATE_LANGUAGES == ["de", "en", "es", "fr", "nl"]


def writer(**settings: object) -> DraftWriter:
    return DraftWriter(PROFILE, DraftSettings(**settings))  # type: ignore[arg-type]


def result(language: str, situation: Situation, formal: bool, name: str, company: str, role: str, **extra: object) -> Classification:
    stage = STAGE_OF.get(situation, Stage.INTERVIEW if extra.pop("met", False) else Stage.UNKNOWN)
    ex = Extraction(
        company=company,
        role=role,
        contact_name=name,
        stage=stage,
        situation=situation,
        situation_sure=True,
        language=language,
        language_sure=True,
        register="" if language == "en" else ("formal" if formal else "informal"),
        **extra,  # type: ignore[arg-type]
    )
    return Classification(Label.REJECTION, 0.95, extraction=ex)


FLAGS: list[dict[str, object]] = [
    {},
    {"offers_feedback": True},
    {"gives_feedback": True},
    {"gives_feedback": True, "offers_feedback": True},
    {"keeps_on_file": True},
    {"met": True},
    {"via_agency": True},
]
STYLES = {"one": [DraftKind.REPLY], "separate": [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST], "request only": [DraftKind.FEEDBACK_REQUEST]}


def renders(language: str) -> Iterator[tuple[tuple[object, ...], str]]:
    """(what was rendered, the text): every situation and register with every combination of known and
    unknown name, company and role; and every offer, flag and question with all of them known and with
    none known."""
    registers = [True] if language == "en" else [True, False]
    writers = {
        "one": writer(feedback_request="always"),
        "separate": writer(style="separate", feedback_request="always"),
        "request only": writer(style="separate", thank_you=False, feedback_request="always"),
    }
    fields = list(itertools.product(NAMES, COMPANIES, ROLES))
    cases = itertools.chain(
        itertools.product(list(Situation), registers, fields, [{}], [()]),
        itertools.product(list(Situation), registers, [fields[0], fields[-1]], FLAGS[1:], QUESTIONS),
        itertools.product(list(Situation), registers, [fields[0], fields[-1]], [{}], QUESTIONS[1:]),
    )
    for situation, formal, (name, company, role), extra, questions in cases:
        res = result(language, situation, formal, name, company, role, questions=questions, **extra)
        for style, kinds in STYLES.items():
            for kind in kinds:
                where = (language, situation.value, "formal" if formal else "informal", name, company, role, extra, len(questions), style, kind.value)
                yield where, writers[style].render(kind, _mail(), res)
        yield (*where[:-1], "subject"), writers["one"].fallback_subject(res)


def _mail():  # type: ignore[no-untyped-def]
    from agent.domain import IncomingEmail

    return IncomingEmail("INBOX", 1, "<m@x>", "", "Zoë", "zoe@example.com", "", "", None, "")


@cache
def all_renders(language: str) -> list[tuple[tuple[object, ...], str]]:
    return list(renders(language))


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_every_combination_renders_clean_text(language: str) -> None:
    seen = 0
    for where, text in all_renders(language):
        seen += 1
        for pattern, what in BROKEN:
            match = pattern.search(text)
            assert match is None, f"{what} in {where}: …{text[max(match.start() - 40, 0) : match.end() + 40]!r}…"
        if where[-1] == "subject":
            assert text and "\n" not in text, where
            continue
        name, company = where[3], where[4]
        assert text.endswith(USER + "\n"), where
        # A formal German reply greets by whole name only ('Guten Tag Zoë Laurent'); a first name alone would be "Hallo Zoë" to a Sie-letter.
        greets_by_name = name and not (language == "de" and where[2] == "formal")
        assert (name in text) if greets_by_name else True, where
        if company and where[1] not in {"no_openings"}:
            assert company in text, where
    assert seen > 500


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_no_meeting_is_claimed_before_any_contact(language: str) -> None:
    met = re.compile(MET_WORDS[language], re.IGNORECASE)
    for where, text in all_renders(language):
        situation, extra, questions = where[1], where[6], where[7]
        if Situation(situation) in NO_CONTACT and not extra.get("met") and not questions:
            body = text.replace("Zoë", "")
            assert not met.search(body), f"{where}: {met.search(body)!r} in\n{text}"


AGAIN = {"en": r"\bagain\b", "de": r"noch einmal|nochmals", "fr": r"\bencore\b", "nl": r"nogmaals|opnieuw", "es": r"de nuevo|otra vez"}


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_a_feedback_request_sent_alone_does_not_thank_again(language: str) -> None:
    again = re.compile(AGAIN[language], re.IGNORECASE)
    for where, text in all_renders(language):
        if where[-1] == "feedback_request" and where[-2] == "request only":
            assert not again.search(text), f"{where}:\n{text}"


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_no_other_candidates_when_the_role_closed_or_the_offer_was_withdrawn(language: str) -> None:
    others = re.compile(r"candidat|Kandidat|kandidaat|Bewerber|sollicitant", re.IGNORECASE)
    for where, text in all_renders(language):
        if where[1] in {"role_closed", "offer_withdrawn"}:
            assert not others.search(text), f"{where}:\n{text}"


@pytest.mark.parametrize("language", [lang for lang in TEMPLATE_LANGUAGES if lang != "en"])
def test_the_register_shows_in_the_words(language: str) -> None:
    you = {
        "de": (r"\b(Sie|Ihnen|Ihr|Ihre|Ihrem|Ihren)\b", r"\b(du|dich|dir|dein|deine|deinem|deinen)\b"),
        "fr": (r"\b(vous|votre|vos)\b", r"\b(tu|te|toi|ton|ta|tes)\b|\bt['’]"),
        "nl": (r"\b(u|uw)\b", r"\b(je|jij|jou|jouw)\b"),
        "es": (r"\b(usted|le|su|sus)\b", r"\b(tú|te|ti|tu|tus)\b"),
    }[language]
    formal, informal = (re.compile(p, re.IGNORECASE if language != "de" else 0) for p in you)
    for where, text in all_renders(language):
        if where[-1] == "subject":
            continue
        body = text.replace("Zoë", "")
        if where[2] == "formal":
            assert not informal.search(body), f"{where}: {informal.search(body)!r}\n{text}"
        elif not (language == "fr" and not where[3]):  # a team is never tutoyée: its tu-letter gets a plural vous
            assert not formal.search(body), f"{where}: {formal.search(body)!r}\n{text}"


# A reply to an email no person signed ("Ihr Recruiting-Team", "Het recruitmentteam", "El equipo de
# Selección", "L'équipe RH", a mailbox with no name) speaks to a team: in the informal register
# ihr/euch/euer, jullie and the French plural vous, in Spanish the third person plural or words
# with no number. (language, register, words that speak to one person, words a team reply holds
# somewhere among its renders).
TO_ONE_PERSON = {
    ("de", "informal"): (r"\b(du|dich|dir|dein|deine|deinem|deinen|deiner|Dein|Deinen|hast|darfst|findest|denkst)\b", ["euch", "ihr", "eure"]),
    ("nl", "informal"): (r"\b(je|jij|jou|jouw|Je|hebt|wilt|noemde)\b", ["jullie", "Jullie"]),
    ("fr", "informal"): (r"\b(tu|te|toi|ton|ta|tes)\b|\bt['’]|\b(hésite|peux|parles|proposes)\b", ["vous", "votre", "vos"]),
    ("es", "informal"): (r"\b(usted|le|su|sus|tú|te|ti|tu|tus|contigo)\b|\b(dedicó|dedicaste|puede|puedes|pudiera|pudieras|tuviera|tuvieras|menciona|mencionas|dispone|tienes|dude|dudes)\b",
                         ["dedicaron", "pueden"]),
    ("es", "formal"): (r"\b(usted|le|contigo)\b|\b(dedicó|dedicaste|puede|puedes|pudiera|pudieras|tuviera|tuvieras|menciona|mencionas|dispone|tienes|dude|dudes)\b",
                       ["dedicaron", "pueden", "les"]),
}


@pytest.mark.parametrize(("language", "register"), sorted(TO_ONE_PERSON))
def test_a_reply_to_a_team_speaks_to_all_of_them(language: str, register: str) -> None:
    singular, plural = TO_ONE_PERSON[(language, register)]
    to_one = re.compile(singular)
    team_texts = [(where, text) for where, text in all_renders(language) if where[2] == register and not where[3]]
    assert team_texts
    for where, text in team_texts:
        body = text.replace(USER, "")
        assert not to_one.search(body), f"{where}: {to_one.search(body)!r}\n{text}"
    for word in plural:
        assert any(re.search(rf"\b{word}\b", text) for _, text in team_texts), word
    # A person who signed still gets the singular.
    person = [text for where, text in all_renders(language) if where[2] == register and where[3] and where[-1] != "subject"]
    assert any(to_one.search(text) for text in person)


# The closing wishes the employer's whole team well only where the email names an employer (or a team
# signed it): a person writing for no company found may be a family hiring a tutor or a one-woman shop.
TEAM_WISH = {"en": r"everyone at", "de": r"ganze Team", "fr": r"toute l’équipe", "nl": r"hele team|allemaal", "es": r"todo el equipo"}


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_the_whole_team_is_wished_well_only_where_an_employer_is_named(language: str) -> None:
    wish = re.compile(TEAM_WISH[language])
    person = [(where, text) for where, text in all_renders(language) if where[3] and where[-1] != "subject"]
    unnamed = [(where, text) for where, text in person if not where[4]]
    assert unnamed
    for where, text in unnamed:
        assert not wish.search(text), f"{where}\n{text}"
    assert any(wish.search(text) for where, text in person if where[4])


def test_a_german_du_reply_to_a_team_greets_all_of_them() -> None:
    # A bare "Hallo," before "ihr" reads curt; "Hallo zusammen," is how one greets a group one says du to.
    team = [text for where, text in all_renders("de") if where[2] == "informal" and not where[3] and where[-1] != "subject"]
    assert team and all(text.startswith("Hallo zusammen,\n") for text in team)


# "I understand your choice" is wrong where nobody was chosen: the role closed, hiring paused, nothing
# open. Nor may the reply to a no that does not say how far it got (application, unknown, where an
# email about a role that closed is often read) claim a choice or a decision.
NO_CHOICE = {
    "en": r"\b(decision|choice|chose|chosen|other candidates?)\b",
    "de": r"Entscheidung|\bWahl\b|den Ausschlag|entschieden",
    "fr": r"\bchoix\b|décision|retenu",
    "nl": r"keuze|beslissing|doorslag|afweging",
    "es": r"decisión|elección|elegid",
}
NO_ONE_CHOSEN = {"role_closed", "no_openings"}
# Where it lay with nobody, thanks for saying "what it came down to" read as if the candidate fell short.
NOBODYS_FAULT = {"de": r"woran es lag", "nl": r"waar het aan lag"}


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_no_choice_is_claimed_where_no_one_was_chosen(language: str) -> None:
    choice = re.compile(NO_CHOICE[language], re.IGNORECASE)
    # English says "your decision" of a no on the application, which is one; the other languages' letters avoid it there too.
    situations = NO_ONE_CHOSEN if language == "en" else NO_ONE_CHOSEN | {"application", "unknown"}
    fault = re.compile(NOBODYS_FAULT.get(language, r"(?!)"))
    for where, text in all_renders(language):
        if where[1] in situations:
            body = text.replace("Zoë", "")
            assert not choice.search(body), f"{where}: {choice.search(body)!r}\n{text}"
        if where[1] in NO_ONE_CHOSEN:
            assert not fault.search(text), f"{where}: {fault.search(text)!r}\n{text}"


# What a French reply to someone who wrote in tu leaves to office letters, and words that would
# agree with a gender nobody knows ("prévenu(e)", "ravi(e)").
OFFICE_FR = re.compile(r"concernant|attention|ainsi qu|auprès|Bien à toi|Quoi qu’il en soit|je me permets|très bonne continuation", re.IGNORECASE)
# "à propos de le poste": de and à contract before the article of what objet() names ("de le faire" is fine).
UNCONTRACTED_FR = re.compile(r"\b(de|à) le (poste|recrutement)\b")
AGREES_FR = re.compile(r"\b(prévenu|informé|tenu|ravi|content|heureux|heureuse|déçu|touché|partant|intéressé)e?s?\b", re.IGNORECASE)


def test_a_french_tu_draft_is_shorter_than_its_vous_twin_and_reads_like_one() -> None:
    drafts = [(where, text) for where, text in all_renders("fr") if where[-1] != "subject"]
    vous = {repr((*where[:2], *where[3:])): text for where, text in drafts if where[2] == "formal"}
    for where, text in drafts:
        assert not AGREES_FR.search(text), f"{where}: {AGREES_FR.search(text)!r}\n{text}"
        assert not UNCONTRACTED_FR.search(text), f"{where}: {UNCONTRACTED_FR.search(text)!r}\n{text}"
        if where[2] == "informal":
            assert not OFFICE_FR.search(text), f"{where}: {OFFICE_FR.search(text)!r}\n{text}"
            assert len(text) < len(vous[repr((*where[:2], *where[3:]))]), f"{where}: longer than its vous twin\n{text}"


def test_a_french_draft_says_beaucoup_and_jaimerais_once_at_most() -> None:
    for where, text in all_renders("fr"):
        assert text.count("beaucoup") <= 1 and text.count("j’aimerais") <= 1, f"{where}:\n{text}"


# What the tuteo says and vos does not ("contigo", "tienes", "puedes", "mencionas", "a ti").
TUTEO_ONLY = re.compile(r"\b(contigo|tienes|puedes|mencionas|a ti)\b")


def test_a_spanish_reply_to_someone_who_voseaba_says_vos() -> None:
    """'¿Querés pasar?' is answered 'hablar con vos', 'si tenés un momento', in words es_AR's dictionary knows."""
    texts: list[str] = []
    write = writer(feedback_request="always")
    for situation, (name, company, role), extra, questions in itertools.product(
        list(Situation), [("Zoë", "Brightwell Health", "Data Analyst"), ("", "", "")], FLAGS, QUESTIONS
    ):
        vos = write.render(DraftKind.REPLY, _mail(), result("es", situation, False, name, company, role, questions=questions, voseo=True, **extra))
        assert not TUTEO_ONLY.search(vos), f"{situation} {extra} {len(questions)}: {TUTEO_ONLY.search(vos)!r}\n{vos}"
        assert "Un saludo" not in vos  # sounds like Spain where people say vos
        texts.append(vos)
    assert any("con vos" in t for t in texts) and any("tenés" in t for t in texts) and any("mencionás" in t for t in texts)
    if _hunspell() is None:
        if os.environ.get("CI"):
            pytest.fail("hunspell is missing (make system-deps installs it)")
        pytest.skip("hunspell is not installed")
    words = " ".join(set(texts))
    for value in (*NAMES, *COMPANIES, *ROLES, USER):
        if value:
            words = words.replace(value, " ")
    proc = subprocess.run(["hunspell", "-d", "es_AR", "-l"], input=words, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(set(proc.stdout.split())) == []


def _hunspell() -> str | None:
    return shutil.which("hunspell")


@pytest.mark.parametrize("language", TEMPLATE_LANGUAGES)
def test_every_word_is_in_the_languages_dictionary(language: str) -> None:
    if _hunspell() is None:
        if os.environ.get("CI"):
            pytest.fail("hunspell is missing (make system-deps installs it)")
        pytest.skip("hunspell is not installed")
    texts = {text for _, text in all_renders(language)}
    # The values that come from the email, and the user's name, are not the template's words.
    words = " ".join(texts)
    for value in (*NAMES, *COMPANIES, *ROLES, USER):
        if value:
            words = words.replace(value, " ")
    proc = subprocess.run(
        ["hunspell", "-d", DICTIONARIES[language], "-l"], input=words, capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    unknown = sorted(set(proc.stdout.split()))
    assert unknown == [], f"not in the {DICTIONARIES[language]} dictionary: {unknown}"


# The employer's name inside a sentence: firms as they are (elided in French), institutions with
# the article their first noun asks for (agent/drafts/articles.toml). (language, company, role,
# situation, formal, flags, phrases the reply holds, phrases it must not hold.)
EMPLOYER_CASES: list[tuple[str, str, str, Situation, bool, dict[str, object], list[str], list[str]]] = [
    ("fr", "Airbus", "Ingénieur qualité", Situation.AFTER_FINAL, True, {},
     ["au poste d’Ingénieur qualité chez Airbus", "toute l’équipe d’Airbus"], ["de Airbus"]),
    ("fr", "Orange", "", Situation.APPLICATION, True, {}, ["ma candidature auprès d’Orange", "l’équipe d’Orange"], ["de Orange"]),
    ("fr", "Hermès", "Vendeur", Situation.ROLE_CLOSED, True, {"met": True},
     ["le poste de Vendeur chez Hermès", "ce que j’ai pu découvrir de l’entreprise", "l’équipe d’Hermès"], []),
    ("fr", "Sofimeca", "", Situation.NO_OPENINGS, True, {}, ["ma candidature spontanée auprès de Sofimeca", "l’équipe de Sofimeca"], []),
    ("fr", "Sofimeca", "", Situation.NO_OPENINGS, False, {}, ["à toi et à toute l’équipe de Sofimeca"], ["auprès"]),
    ("fr", "Collège Jean-Moulin", "Professeur", Situation.AFTER_INTERVIEW, True, {},
     ["au poste de Professeur au Collège Jean-Moulin", "notre entretien et ce que j’ai pu découvrir du collège", "toute l’équipe du Collège Jean-Moulin"],
     ["chez Collège", "de Collège", "entreprise"]),
    ("fr", "Mairie de Lyon", "Chargé de mission", Situation.ROLE_CLOSED, True, {"met": True},
     ["le poste de Chargé de mission à la Mairie de Lyon", "ce que j’ai pu découvrir de la mairie", "l’équipe de la Mairie de Lyon"],
     ["chez Mairie", "entreprise"]),
    ("fr", "Mairie de Lyon", "", Situation.ROLE_CLOSED, True, {}, ["le recrutement à la Mairie de Lyon"], ["chez"]),
    ("fr", "Mairie de Lyon", "", Situation.ROLE_CLOSED, False, {}, ["toute l’équipe de la Mairie de Lyon"], ["chez", "entreprise"]),
    ("fr", "Université de Lille", "", Situation.AFTER_INTERVIEW, True, {},
     ["ma candidature auprès de l’Université de Lille", "ce que j’ai pu découvrir de l’université", "l’équipe de l’Université de Lille"],
     ["de Université", "entreprise"]),
    ("fr", "Éditions du Seuil", "Assistant éditorial", Situation.AFTER_INTERVIEW, True, {},
     ["au poste d’Assistant éditorial aux Éditions du Seuil", "ce que j’ai pu découvrir de l’entreprise", "toute l’équipe des Éditions du Seuil"],
     ["de Éditions", "chez"]),
    ("fr", "Éditions du Seuil", "Assistant éditorial", Situation.AFTER_INTERVIEW, False, {},
     ["nos échanges et ce que j’ai pu découvrir de l’entreprise", "toute l’équipe des Éditions du Seuil"], ["de Éditions", "chez", "auprès"]),
    ("fr", "Collège Jean-Moulin", "", Situation.ROLE_CLOSED, False, {"met": True},
     ["ce que j’ai pu découvrir du collège", "toute l’équipe du Collège Jean-Moulin"], ["chez", "entreprise"]),
    ("fr", "Hospices civils de Lyon", "", Situation.AFTER_INTERVIEW, True, {},
     ["auprès des Hospices civils de Lyon", "ce que j’ai pu découvrir des Hospices civils de Lyon"], ["entreprise"]),
    ("fr", "Le Petit Bistrot", "Serveur", Situation.AFTER_INTERVIEW, True, {},
     ["au poste de Serveur au Petit Bistrot", "toute l’équipe du Petit Bistrot"], ["chez Le", "de Le"]),
    ("fr", "Les Jardins de Marthe", "", Situation.ROLE_CLOSED, True, {}, ["le recrutement aux Jardins de Marthe"], ["chez Les", "de Les"]),
    ("fr", "Le Goff Immobilier", "Négociateur", Situation.AFTER_INTERVIEW, True, {}, ["au poste de Négociateur chez Le Goff Immobilier"], ["au Goff", "du Goff"]),
    ("fr", "", "", Situation.AFTER_INTERVIEW, True, {}, ["J’ai beaucoup apprécié notre entretien."], ["entreprise", "projets"]),
    # A phone call is no tour of the house: without a name to discover, the formal reply only thanks for the talks.
    ("fr", "", "", Situation.ROLE_CLOSED, True, {"met": True}, ["J’ai beaucoup apprécié nos échanges."], ["entreprise", "découvrir"]),
    ("fr", "", "", Situation.ROLE_CLOSED, False, {"met": True}, ["J’ai vraiment apprécié nos échanges."], ["entreprise", "découvrir"]),
    ("es", "Telefónica", "Analista de datos", Situation.AFTER_FINAL, False, {},
     ["el puesto de Analista de datos en Telefónica", "todo el equipo de Telefónica"], []),
    ("es", "Colegio San José", "Profesor", Situation.AFTER_INTERVIEW, True, {},
     ["el puesto de Profesor en el Colegio San José", "todo el equipo del Colegio San José"], ["en Colegio", "de Colegio", "empresa"]),
    ("es", "Ayuntamiento de Soria", "", Situation.ROLE_CLOSED, True, {},
     ["la situación del puesto en el Ayuntamiento de Soria", "todo el equipo del Ayuntamiento de Soria"], ["en Ayuntamiento", "de Ayuntamiento"]),
    ("es", "Universidad de Salamanca", "", Situation.OFFER_WITHDRAWN, True, {},
     ["lo ocurrido con la oferta de la Universidad de Salamanca", "todo el equipo de la Universidad de Salamanca"], []),
    ("es", "Fundación Mar Abierto", "", Situation.NO_OPENINGS, False, {},
     ["las posibles oportunidades en la Fundación Mar Abierto", "todo el equipo de la Fundación Mar Abierto"], []),
    ("de", "Siemens", "Data Analyst", Situation.ROLE_CLOSED, True, {"met": True},
     ["zur Stelle als Data Analyst bei Siemens", "das ganze Team bei Siemens"], []),
    ("de", "Stadtverwaltung Halle", "", Situation.APPLICATION, True, {},
     ["zu meiner Bewerbung bei der Stadtverwaltung Halle", "das ganze Team bei der Stadtverwaltung Halle"], ["bei Stadtverwaltung", "Unternehmen", "Firma"]),
    ("de", "Universität Bonn", "Wissenschaftliche Hilfskraft", Situation.AFTER_INTERVIEW, False, {},
     ["als Wissenschaftliche Hilfskraft bei der Universität Bonn", "das ganze Team bei der Universität Bonn"], ["bei Universität"]),
    ("de", "Klinikum Niederrhein", "", Situation.OFFER_WITHDRAWN, True, {},
     ["zur Stelle beim Klinikum Niederrhein", "das ganze Team beim Klinikum Niederrhein"], ["bei Klinikum"]),
    ("de", "Stadtwerke Bonn", "", Situation.NO_OPENINGS, True, {}, ["Bewerbung bei den Stadtwerken Bonn"], ["bei Stadtwerke"]),
    ("de", "Jugendwerk Emsaue", "", Situation.MISMATCH, True, {}, ["Bewerbung beim Jugendwerk Emsaue", "das ganze Team beim Jugendwerk Emsaue"], ["bei Jugendwerk"]),
    ("nl", "Philips", "Data Analyst", Situation.APPLICATION, False, {},
     ["mijn sollicitatie als Data Analyst bij Philips", "het hele team van Philips"], []),
    ("nl", "Gemeente Utrecht", "Beleidsmedewerker", Situation.AFTER_INTERVIEW, True, {},
     ["mijn sollicitatie als Beleidsmedewerker bij de gemeente Utrecht", "het hele team van de gemeente Utrecht"],
     ["bij Gemeente", "van Gemeente"]),
    ("nl", "Universiteit Leiden", "", Situation.ROLE_CLOSED, True, {}, ["over de functie bij de Universiteit Leiden", "het hele team van de Universiteit Leiden"], []),
    ("nl", "Ziekenhuis Rivierenland", "", Situation.NO_OPENINGS, False, {},
     ["mijn open sollicitatie bij het Ziekenhuis Rivierenland", "het hele team van het Ziekenhuis Rivierenland"], ["bedrijf"]),
]


# The subject a reply gets when the email had none names the employer as the body does.
SUBJECT_PHRASE = {
    "de": lambda company, role: employer_phrases(company, "de")["bei"] if company else "Rückmeldung",
    "nl": lambda company, role: f"{role} {employer_phrases(company, 'nl')['bij']}" if company and role else company,
}


@pytest.mark.parametrize(("language", "company", "role", "situation", "formal", "flags", "holds", "lacks"), EMPLOYER_CASES)
def test_the_employers_name_reads_as_a_native_writes_it(
    language: str, company: str, role: str, situation: Situation, formal: bool, flags: dict[str, object], holds: list[str], lacks: list[str]
) -> None:
    res = result(language, situation, formal, "Zoë", company, role, **flags)
    for style, kinds in STYLES.items():
        w = writer(style="one" if style == "one" else "separate", thank_you=style != "request only", feedback_request="always")
        # One line, so a phrase is found across the template's line breaks.
        text = " ".join(" ".join(w.render(kind, _mail(), res).split()) for kind in kinds)
        if style == "one":
            if language in SUBJECT_PHRASE:
                subject = w.fallback_subject(res)
                assert SUBJECT_PHRASE[language](company, role) in subject, subject
            for phrase in holds:
                assert phrase in text, f"{phrase!r} not in\n{text}"
        for phrase in lacks:
            assert phrase not in text, f"{phrase!r} in\n{text}"
