"""agent/drafts: which drafts a rejection gets, what they say, and what they look like on the wire."""

from __future__ import annotations

import base64
import email
import email.policy
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest

from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftKind, Extraction, IncomingEmail, Label, Question, QuestionKind, Situation, Stage
from agent.drafts import MAX_REFERENCES, DraftWriter, reply_subject
from agent.drafts.names import clean_company, clean_role
from agent.errors import ConfigError
from agent.parse import parse_email

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PROFILE = ProfileSettings(name="Alex Morgan", email="alex.morgan@example.org")


def writer(**settings: object) -> DraftWriter:
    return DraftWriter(PROFILE, DraftSettings(**settings))  # type: ignore[arg-type]


def incoming(**overrides: object) -> IncomingEmail:
    fields: dict[str, object] = {
        "folder": "INBOX",
        "uid": 7,
        "message_id": "<parent-7@mail.acme.example>",
        "subject": "Your application for Data Analyst",
        "from_name": "Rachel Osei",
        "from_addr": "rachel.osei@acme.example",
        "reply_to": "",
        "to": "Alex Morgan <alex.morgan@example.org>",
        "date": NOW - timedelta(days=1),
        "text": "We regret to tell you...",
    }
    fields.update(overrides)
    return IncomingEmail(**fields)  # type: ignore[arg-type]


SITUATION_OF = {
    Stage.APPLICATION: Situation.APPLICATION,
    Stage.SCREEN: Situation.AFTER_SCREEN,
    Stage.ASSESSMENT: Situation.AFTER_ASSESSMENT,
    Stage.INTERVIEW: Situation.AFTER_INTERVIEW,
    Stage.FINAL: Situation.AFTER_FINAL,
    Stage.UNKNOWN: Situation.UNKNOWN,
}


def rejection(stage: Stage = Stage.APPLICATION, **extraction: object) -> Classification:
    ex: dict[str, object] = {
        "company": "Acme",
        "role": "Data Analyst",
        "contact_name": "Rachel",
        "stage": stage,
        "situation": SITUATION_OF[stage],
        "situation_sure": stage is not Stage.UNKNOWN,
        "language_sure": True,
        "human_sender": True,
    }
    ex.update(extraction)
    return Classification(label=Label.REJECTION, confidence=0.93, extraction=Extraction(**ex))  # type: ignore[arg-type]


def wire(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def one_draft(
    mail: IncomingEmail, result: Classification | None = None, kind: DraftKind = DraftKind.REPLY, w: DraftWriter | None = None
) -> EmailMessage:
    w = w or writer()
    [plan] = w.plan([kind], mail, result or rejection(), NOW)
    return wire(plan.raw)


# --- subject --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Your application", "Re: Your application"),
        ("Re: Your application", "Re: Your application"),
        ("RE: Your application", "RE: Your application"),
        ("re:Your application", "re:Your application"),
        ("AW: Ihre Bewerbung", "AW: Ihre Bewerbung"),
        ("SV: Din ansökan", "SV: Din ansökan"),
        ("Fwd: Your application", "Re: Fwd: Your application"),
        ("Regarding your application", "Re: Regarding your application"),
        ("  Your\n application  ", "Re: Your application"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_reply_subject_when_empty_uses_role_and_company_in_the_emails_language() -> None:
    subject = one_draft(incoming(subject=""))["Subject"]
    assert subject.startswith("Thank you") and "Data Analyst" in subject and "Acme" in subject
    assert one_draft(incoming(subject=""), rejection(role="", company=""))["Subject"] == "Thank you"
    german = one_draft(incoming(subject=""), rejection(language="de", register="formal"))["Subject"]
    assert "Data Analyst" in german and not german.startswith("Thank")



@pytest.mark.parametrize(
    ("extracted", "named"),
    [
        ("Werkstudent Controlling (m/w/d) – Leipzig", "Werkstudent Controlling"),
        ("Head of Recruitment", "Head of Recruitment"),
        ("Técnica de Selección", "Técnica de Selección"),
        ("Recruitment Coordinator", "Recruitment Coordinator"),
        (".NET Developer", ".NET Developer"),
        # A subject line or a piece of a sentence: a reply would say "my application for the … role".
        ("Rückfrage zu meiner Bewerbung", ""),
        ("Greetings from a fellow Pythonista? Hello", ""),
        ("Site Manager recruitment", ""),
        ("poste pourvu", ""),
        ("Verkoopmedewerker ingetrokken", ""),
        ("Opdracht orderpicker Tilburg gaat niet door", ""),
        ("¿necesitáis ayudante de cocina", ""),
        ("Where we landed on the product designer", ""),
        ("développeur intermédiaire pourrait s'ouvrir", ""),
        # What a subject or a sentence put after the title is trimmed; after a connector it is the title's own word.
        ("Backend Engineer exercise", "Backend Engineer"),
        ("Staff Engineer interview loop", "Staff Engineer"),
        ("DevOps Engineer stopzetten", "DevOps Engineer"),
        ("Head of Post", "Head of Post"),
        ("Software Engineer in Test", "Software Engineer in Test"),
        ("Research Assistant (Fixed-term", "Research Assistant"),
        ("Product Designer @ Cloudberry", "Product Designer"),
    ],
)
def test_a_role_is_named_only_when_it_reads_as_a_title(extracted: str, named: str) -> None:
    assert clean_role(extracted) == named


@pytest.mark.parametrize(
    ("extracted", "named"),
    [
        ("Hubacher Maschinenbau AG", "Hubacher Maschinenbau"),
        ("Kreisklinikum Talheim gGmbH", "Kreisklinikum Talheim"),
        ("Acme GmbH & Co. KG", "Acme"),
        ("Philips N.V.", "Philips"),
        ("Ortega, S.A.", "Ortega"),
        ("Marks & Spencer", "Marks & Spencer"),
        # A form that is also a word, written as a word, and a name that is nothing but forms, stay.
        ("Hotel Spa", "Hotel Spa"),
        ("GmbH & Co. KG", "GmbH & Co. KG"),
    ],
)
def test_a_legal_form_is_left_out_as_a_person_names_the_employer(extracted: str, named: str) -> None:
    # "bei Hubacher Maschinenbau", not "… AG"; and "beim Kreisklinikum Talheim gGmbH" would clash with the article.
    assert clean_company(extracted) == named


@pytest.mark.parametrize(
    ("extracted", "named"),
    [
        ("Harbourline Rail", "Harbourline Rail"),
        ("Booking.com", "Booking.com"),
        ("Civil Engineering Partners", "Civil Engineering Partners"),
        ("Kestrel Recruitment (Leeds", "Kestrel Recruitment"),
        # A sending function or a person: "everyone at Recruitment Hub" thanks nobody who employs.
        ("Recruitment Hub", ""),
        ("Staffing Services", ""),
        ("Personalabteilung", ""),
        ("R. Lindqvist", ""),
    ],
)
def test_a_company_is_named_only_when_it_reads_as_an_employer(extracted: str, named: str) -> None:
    assert clean_company(extracted) == named


def test_a_formal_german_reply_greets_by_whole_name_and_an_informal_one_by_first_name() -> None:
    # "Hallo Rachel" under a Sie-letter from a head teacher reads over-familiar; "Guten Tag Rachel Osei" guesses no gender.
    w = writer()
    formal = rejection(Stage.INTERVIEW, language="de", register="formal", contact_full_name="Rachel Osei")
    assert w.render(DraftKind.REPLY, incoming(), formal).startswith("Guten Tag Rachel Osei,\n")
    informal = rejection(Stage.INTERVIEW, language="de", register="informal", contact_full_name="Rachel Osei")
    assert w.render(DraftKind.REPLY, incoming(), informal).startswith("Hallo Rachel,\n")
    # Only a first name known (a signature of one word): "Hallo Rachel" with Sie would still be over-familiar.
    assert w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="de", register="formal")).startswith("Guten Tag,\n")


def test_a_spanish_reply_greets_usted_with_buenos_dias_and_tu_with_hola() -> None:
    # "Hola, Rachel:" above a usted-letter reads too casual to a Spanish recruiter who wrote "Estimado Sr. …".
    w = writer()
    formal = w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="es", register="formal"))
    informal = w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="es", register="informal"))
    assert formal.startswith("Buenos días, Rachel:\n") and informal.startswith("Hola, Rachel:\n")


def test_a_formal_french_or_spanish_reply_greets_by_whole_name_where_it_is_known() -> None:
    # "Bonjour Claire," under a letter that said "Madame Pereira" reads familiar; the whole name guesses no gender.
    w = writer()
    for language, formal_greeting, informal_greeting in (("fr", "Bonjour Rachel Osei,", "Bonjour Rachel,"), ("es", "Buenos días, Rachel Osei:", "Hola, Rachel:")):
        formal = rejection(Stage.INTERVIEW, language=language, register="formal", contact_full_name="Rachel Osei")
        informal = rejection(Stage.INTERVIEW, language=language, register="informal", contact_full_name="Rachel Osei")
        assert w.render(DraftKind.REPLY, incoming(), formal).startswith(formal_greeting + "\n")
        assert w.render(DraftKind.REPLY, incoming(), informal).startswith(informal_greeting + "\n")


def test_an_informal_dutch_or_french_reply_answers_a_casual_greeting_in_kind() -> None:
    # "Hoi Sam," answered "Beste Rachel," reads stiff; a formal letter keeps its greeting whatever it opened with.
    w = writer()
    cases = (("nl", "hoi", "Hoi Rachel,", "Beste Rachel,"), ("nl", "hey", "Hoi Rachel,", "Beste Rachel,"), ("fr", "salut", "Salut Rachel,", "Bonjour Rachel,"),
             ("fr", "coucou", "Salut Rachel,", "Bonjour Rachel,"), ("fr", "hello", "Hello Rachel,", "Bonjour Rachel,"))
    for language, casual, greeting, usual in cases:
        informal = rejection(Stage.INTERVIEW, language=language, register="informal", greeting=casual)
        assert w.render(DraftKind.REPLY, incoming(), informal).startswith(greeting + "\n")
        plain = rejection(Stage.INTERVIEW, language=language, register="informal")
        assert w.render(DraftKind.REPLY, incoming(), plain).startswith(usual + "\n")
        formal = rejection(Stage.INTERVIEW, language=language, register="formal", greeting=casual)
        assert w.render(DraftKind.REPLY, incoming(), formal).startswith({"nl": "Beste Rachel,", "fr": "Bonjour Rachel,"}[language] + "\n")
    # "Hoi … Hartelijke groet" jumps register; "Groeten," after "Hoi", and only then.
    assert "\nGroeten,\n" in w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="nl", register="informal", greeting="hoi"))
    assert "\nHartelijke groet,\n" in w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="nl", register="informal"))
    # "Hallo" is HR's neutral greeting in Dutch: it keeps "Beste".
    assert w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="nl", register="informal", greeting="hallo")).startswith("Beste Rachel,\n")


def test_every_casual_opening_a_reply_answers_is_one_the_classifier_reads() -> None:
    from agent.classifier.lexicon import words
    from agent.drafts.greetings import reply_greetings

    read = words("mail.casual_greetings")
    for language in ("nl", "fr"):
        assert reply_greetings(language) and set(reply_greetings(language)) <= read, language


def test_a_call_offered_is_taken_up_once_in_a_reply_and_the_separate_feedback_request_still_asks() -> None:
    offered = rejection(Stage.INTERVIEW, language="en", gives_feedback=True, offers_feedback=True,
                        questions=(Question(QuestionKind.CALL, "Would a quick call next week help?"),))
    reply = writer().render(DraftKind.REPLY, incoming(), offered)
    assert "go into a little more detail" not in reply and "call" in reply
    separate = DraftWriter(ProfileSettings(name="Sam Lee", email="sam@example.org"), DraftSettings(style="separate"))
    request = separate.render(DraftKind.FEEDBACK_REQUEST, incoming(), offered)
    assert "go into a little more detail" in request


def test_a_formal_german_reply_says_frau_or_herr_only_where_the_title_says_it() -> None:
    w = writer()
    stated = rejection(Stage.INTERVIEW, language="de", register="formal", contact_full_name="Rachel Osei", contact_gender="f")
    assert w.render(DraftKind.REPLY, incoming(), stated).startswith("Guten Tag Frau Osei,\n")
    doctor = rejection(Stage.INTERVIEW, language="de", register="formal", contact_full_name="Rachel Osei", contact_gender="f", contact_title="Dr.")
    assert w.render(DraftKind.REPLY, incoming(), doctor).startswith("Guten Tag Frau Dr. Osei,\n")
    particle = rejection(Stage.INTERVIEW, language="de", register="formal", contact_full_name="Rachel von Osei", contact_gender="f")
    assert w.render(DraftKind.REPLY, incoming(), particle).startswith("Guten Tag Frau von Osei,\n")
    # A middle name leaves the surname unsure, and no title leaves the gender unknown: the whole name.
    middle = rejection(Stage.INTERVIEW, language="de", register="formal", contact_full_name="Rachel Ama Osei", contact_gender="f")
    assert w.render(DraftKind.REPLY, incoming(), middle).startswith("Guten Tag Rachel Ama Osei,\n")
    unknown = rejection(Stage.INTERVIEW, language="de", register="formal", contact_full_name="Rachel Osei")
    assert w.render(DraftKind.REPLY, incoming(), unknown).startswith("Guten Tag Rachel Osei,\n")


def test_a_formal_french_reply_says_madame_or_monsieur_only_where_the_title_says_it() -> None:
    w = writer()
    stated = rejection(Stage.INTERVIEW, language="fr", register="formal", contact_name="Corinne", contact_full_name="Corinne Jaquet", contact_gender="f", contact_title="Dr.")
    assert w.render(DraftKind.REPLY, incoming(), stated).startswith("Bonjour Madame Jaquet,\n")  # no "Dr." in a French greeting
    man = rejection(Stage.INTERVIEW, language="fr", register="formal", contact_name="Sébastien", contact_full_name="Sébastien Roux", contact_gender="m")
    assert w.render(DraftKind.REPLY, incoming(), man).startswith("Bonjour Monsieur Roux,\n")
    unknown = rejection(Stage.INTERVIEW, language="fr", register="formal", contact_name="Corinne", contact_full_name="Corinne Jaquet")
    assert w.render(DraftKind.REPLY, incoming(), unknown).startswith("Bonjour Corinne Jaquet,\n")
    informal = rejection(Stage.INTERVIEW, language="fr", register="informal", contact_name="Corinne", contact_full_name="Corinne Jaquet", contact_gender="f")
    assert w.render(DraftKind.REPLY, incoming(), informal).startswith("Bonjour Corinne,\n")


def test_a_formal_dutch_or_spanish_letter_greets_mevrouw_or_sra_where_the_gender_is_known() -> None:
    # "Geachte Veerle Goossens" and "Buenos días, Alicia Ferrándiz:" read like a mail merge to native readers.
    w = writer()
    dutch = rejection(Stage.INTERVIEW, language="nl", register="formal", contact_name="Veerle", contact_full_name="Veerle Goossens",
                      contact_gender="f", titled_greeting="geachte")
    assert w.render(DraftKind.REPLY, incoming(), dutch).startswith("Geachte mevrouw Goossens,\n")
    spanish = rejection(Stage.INTERVIEW, language="es", register="formal", contact_name="Alicia", contact_full_name="Alicia Ferrándiz",
                        contact_gender="f")
    assert w.render(DraftKind.REPLY, incoming(), spanish).startswith("Estimada Sra. Ferrándiz:\n")
    # Two words after the first name: two surnames or a middle name ('Ana Sofía Martínez'), so no guess.
    for full in ("Alicia Ferrándiz Soler", "Ana Sofía Martínez"):
        unsure = rejection(Stage.INTERVIEW, language="es", register="formal", contact_name=full.split()[0], contact_full_name=full, contact_gender="f")
        assert w.render(DraftKind.REPLY, incoming(), unsure).startswith(f"Buenos días, {full}:\n")
    man = rejection(Stage.INTERVIEW, language="es", register="formal", contact_name="Jorge", contact_full_name="Jorge Salazar", contact_gender="m")
    assert w.render(DraftKind.REPLY, incoming(), man).startswith("Estimado Sr. Salazar:\n")
    # A compound first name comes first ('Ana Belén', 'María del Carmen'): the surname after it.
    for full, first in (("Ana Belén Torres", "Ana"), ("Maria del Carmen Ruiz", "Maria")):
        compound = rejection(Stage.INTERVIEW, language="es", register="formal", contact_name=first, contact_full_name=full, contact_gender="f")
        assert w.render(DraftKind.REPLY, incoming(), compound).split("\n")[0] in ("Estimada Sra. Torres:", "Estimada Sra. Ruiz:")
    unknown = rejection(Stage.INTERVIEW, language="es", register="formal", contact_name="Andrea", contact_full_name="Andrea Salazar")
    assert w.render(DraftKind.REPLY, incoming(), unknown).startswith("Buenos días, Andrea Salazar:\n")


def test_a_formal_dutch_letter_that_greets_by_title_is_answered_with_the_whole_name() -> None:
    w = writer()
    titled = rejection(Stage.INTERVIEW, language="nl", register="formal", contact_name="Robert", contact_full_name="Robert Kamphuis",
                       titled_greeting="geachte")
    assert w.render(DraftKind.REPLY, incoming(), titled).startswith("Geachte Robert Kamphuis,\n")
    beste = rejection(Stage.INTERVIEW, language="nl", register="formal", contact_name="Sandra", contact_full_name="Sandra Lammers",
                      titled_greeting="beste")
    assert w.render(DraftKind.REPLY, incoming(), beste).startswith("Beste Sandra Lammers,\n")
    # A letter that greets the candidate by first name, or says je, keeps "Beste Sandra,".
    first = rejection(Stage.INTERVIEW, language="nl", register="formal", contact_name="Sandra", contact_full_name="Sandra Lammers")
    assert w.render(DraftKind.REPLY, incoming(), first).startswith("Beste Sandra,\n")
    je = rejection(Stage.INTERVIEW, language="nl", register="informal", contact_name="Sandra", contact_full_name="Sandra Lammers",
                   titled_greeting="beste")
    assert w.render(DraftKind.REPLY, incoming(), je).startswith("Beste Sandra,\n")


def test_an_english_letter_that_greets_by_title_is_answered_dear() -> None:
    w = writer()
    doctor = rejection(Stage.INTERVIEW, language="en", contact_name="Samuel", contact_full_name="Samuel Greer", contact_title="Dr.",
                       titled_greeting="hi")
    assert w.render(DraftKind.REPLY, incoming(), doctor).startswith("Dear Dr. Greer,\n")
    plain = rejection(Stage.INTERVIEW, language="en", contact_name="Helen", contact_full_name="Helen Cross", titled_greeting="dear")
    assert w.render(DraftKind.REPLY, incoming(), plain).startswith("Dear Helen,\n")
    particle = rejection(Stage.INTERVIEW, language="en", contact_name="Jan", contact_full_name="Jan van der Berg", contact_title="Dr.",
                         titled_greeting="dear")
    assert w.render(DraftKind.REPLY, incoming(), particle).startswith("Dear Dr. van der Berg,\n")
    # "Hi Alex," to a letter that said "Hi Alex" (or "Dear Alex"): the usual greeting.
    casual = rejection(Stage.INTERVIEW, language="en", contact_name="Samuel", contact_full_name="Samuel Greer", contact_title="Dr.")
    assert w.render(DraftKind.REPLY, incoming(), casual).startswith("Hi Samuel,\n")


def test_an_english_reply_to_a_recruiter_does_not_thank_them_for_the_clients_decision() -> None:
    w = writer()
    for stage in (Stage.APPLICATION, Stage.INTERVIEW, Stage.FINAL):
        text = w.render(DraftKind.REPLY, incoming(), rejection(stage, language="en", via_agency=True))
        assert "your decision" not in text and "how things went with the Data Analyst role at Acme" in text, text
        assert "for your help throughout the process" in text
    assert "your decision" in w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="en"))


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_a_reply_to_an_agency_does_not_place_the_job_at_the_agency(language: str) -> None:
    """The record keeps the agency as the company; the reply names the role alone ('the Data Analyst role', not '… at Acme')."""
    w = writer()
    text = w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language=language, via_agency=True, company_is_agency=True))
    assert "Acme" not in text and "Data Analyst" in text, text
    assert "Acme" in w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language=language, via_agency=True))



def test_a_spanish_reply_to_a_recruiter_in_the_americas_closes_saludos() -> None:
    w = writer()
    tu = rejection(Stage.INTERVIEW, language="es", register="informal")
    assert "\nSaludos,\n" in w.render(DraftKind.REPLY, incoming(from_addr="rrhh@tiendaslaceiba.com.mx"), tu)
    assert "\nUn saludo,\n" in w.render(DraftKind.REPLY, incoming(from_addr="rrhh@tiendaslaceiba.es"), tu)


def test_a_formal_spanish_reply_to_a_recruiter_thanks_for_the_decision_not_for_theirs() -> None:
    w = writer()
    agency = w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="es", register="formal", via_agency=True))
    assert "comunicarme la decisión" in agency and "su decisión" not in agency, agency
    assert "comunicarme su decisión" in w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, language="es", register="formal"))


def test_a_german_reply_to_a_swiss_address_writes_ss_for_sharp_s() -> None:
    w = writer()
    result = rejection(Stage.INTERVIEW, language="de", register="formal")
    swiss = w.render(DraftKind.REPLY, incoming(from_addr="r.osei@spital-limmattal.ch"), result)
    german = w.render(DraftKind.REPLY, incoming(from_addr="r.osei@klinikum-nord.de"), result)
    assert "ß" in german and "ß" not in swiss and "Grüsse" in swiss
    assert "\nFreundliche Grüsse\n" in swiss and "\nBeste Grüße\n" in german  # the Swiss closing of a formal letter


def test_a_language_without_templates_gets_english_and_a_check_reason() -> None:
    w = writer()
    result = rejection(Stage.INTERVIEW, language="it")
    assert w.render(DraftKind.REPLY, incoming(), result).startswith("Hi Rachel,")
    assert any(c.startswith("language:") and "English" in c for c in w.wording(result).check)
    assert not any(c.startswith("language:") for c in w.wording(rejection(Stage.INTERVIEW)).check)


def test_draft_subject_header_has_single_re() -> None:
    msg = one_draft(incoming(subject="Re: Your application"))
    assert msg["Subject"] == "Re: Your application"


# --- headers on the wire -----------------------------------------------------------------


def test_threading_headers() -> None:
    parent_refs = ("<root@acme.example>", "<mid@acme.example>")
    mail = incoming(references=parent_refs)
    msg = one_draft(mail)
    assert msg["In-Reply-To"] == mail.message_id
    assert msg["References"].split() == [*parent_refs, mail.message_id]


def test_references_capped_keeping_root_side_recent() -> None:
    refs = tuple(f"<r{n}@acme.example>" for n in range(3 * MAX_REFERENCES))
    mail = incoming(references=refs)
    out = one_draft(mail)["References"].split()
    assert len(out) == MAX_REFERENCES
    assert out[-1] == mail.message_id
    # The most recent ancestors are the ones kept, in order.
    assert out[:-1] == list(refs[-(MAX_REFERENCES - 1) :])


def test_own_message_id_at_profile_domain_and_unique() -> None:
    plans = writer(feedback_request="always").plan([DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST], incoming(), rejection(), NOW)
    ids = [p.message_id for p in plans]
    assert len(set(ids)) == 2
    for plan in plans:
        msg = wire(plan.raw)
        # A long Message-ID may be folded onto its own line (legal FWS): compare the id itself.
        assert msg["Message-ID"].strip() == plan.message_id
        assert re.fullmatch(r"<[^<>@\s]+@example\.org>", plan.message_id)
        assert plan.parent_message_id == incoming().message_id
        assert msg["X-Rebound-Draft"] == plan.kind.value


def test_date_and_from() -> None:
    msg = one_draft(incoming())
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert parseaddr(msg["From"]) == (PROFILE.name, PROFILE.email)


def test_to_is_sender_without_reply_to() -> None:
    mail = incoming()
    [plan] = writer().plan([DraftKind.THANK_YOU], mail, rejection(), NOW)
    assert parseaddr(wire(plan.raw)["To"]) == (mail.from_name, mail.from_addr)
    assert plan.to == mail.from_addr


def test_to_is_reply_to_when_present() -> None:
    mail = incoming(reply_to="recruiting@acme.example")
    [plan] = writer().plan([DraftKind.THANK_YOU], mail, rejection(), NOW)
    to = getaddresses([wire(plan.raw)["To"]])
    assert [addr for _, addr in to] == ["recruiting@acme.example"]
    # The sender's name is not pinned to a different address.
    assert to[0][0] == ""
    assert plan.to == "recruiting@acme.example"


def _mail(*headers: str) -> IncomingEmail:
    head = "\r\n".join(["Message-ID: <list-1@lists.example>", "Subject: Your application", "Date: Tue, 24 Nov 2026 10:00:00 +0000", *headers])
    return parse_email(f"{head}\r\n\r\nWe regret...\r\n".encode())


@pytest.mark.parametrize(
    ("header", "evidence"),
    [
        ("List-Id: Careers at Acme <careers.acme.example>", "List-Id: Careers at Acme <careers.acme.example>"),
        ("List-Post: <mailto:careers@acme.example>", "List-Post: <mailto:careers@acme.example>"),
        ("Precedence: list", "Precedence: list"),
        ("Precedence: Bulk", "Precedence: bulk"),
    ],
)
def test_no_draft_for_mail_through_a_mailing_list(header: str, evidence: str) -> None:
    mail = _mail("From: Rachel Osei <rachel.osei@acme.example>", "Reply-To: careers@acme.example", header)
    assert mail.mailing_list == evidence
    kinds, reason = writer().kinds_for(mail, rejection(), NOW)
    assert kinds == [] and "mailing list" in reason and evidence in reason
    # `rebound draft` says the same instead of showing a reply to the whole list.
    assert writer().kinds_for(mail, rejection(), NOW, preview=True) == ([], reason)


def test_ordinary_precedence_and_unsubscribe_links_are_not_a_list() -> None:
    mail = _mail("From: Rachel Osei <rachel.osei@acme.example>", "Precedence: first-class", "List-Unsubscribe: <mailto:u@acme.example>")
    assert mail.mailing_list == ""
    assert writer().kinds_for(mail, rejection(), NOW) == ([DraftKind.REPLY], "")


def test_reply_to_the_users_own_address_goes_to_the_person_in_from() -> None:
    mail = _mail("From: Rachel Osei <rachel.osei@acme.example>", f"Reply-To: Alex <{PROFILE.email.upper()}>")
    kinds, reason = writer().kinds_for(mail, rejection(), NOW)
    assert (kinds, reason) == ([DraftKind.REPLY], "")
    [plan] = writer().plan(kinds, mail, rejection(), NOW)
    assert getaddresses([wire(plan.raw)["To"]]) == [("Rachel Osei", "rachel.osei@acme.example")]
    assert plan.to == "rachel.osei@acme.example"


def test_reply_to_the_users_own_address_from_a_machine_gets_no_draft() -> None:
    mail = _mail("From: Acme Careers <no-reply@acme.example>", f"Reply-To: {PROFILE.email}")
    kinds, reason = writer().kinds_for(mail, rejection(), NOW)
    assert kinds == [] and "Reply-To is your own address" in reason and "no-reply@acme.example" in reason


def test_mail_sent_by_the_user_with_a_reply_to_is_still_theirs() -> None:
    mail = _mail(f"From: Alex Morgan <{PROFILE.email}>", "Reply-To: rachel.osei@acme.example")
    assert writer().kinds_for(mail, rejection(), NOW) == ([], "sent by you")


def test_non_ascii_names_survive_the_round_trip() -> None:
    mail = incoming(from_name="Zoë Achterberg", subject="Entscheidung – Datenanalyst")
    msg = one_draft(mail, rejection(contact_name="Zoë"))
    assert parseaddr(msg["To"]) == ("Zoë Achterberg", mail.from_addr)
    assert msg["Subject"] == "Re: Entscheidung – Datenanalyst"
    assert "Hi Zoë," in msg.get_content()


def _head(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def test_an_8bit_message_id_is_answered_in_utf8_headers() -> None:
    raw = (
        b"From: Rachel Osei <rachel.osei@acme.example>\r\nSubject: Your application\r\n"
        b"Message-ID: <caf\xc3\xa9-42@acme.example>\r\nReferences: <root@acme.example> <l\xe9-41@acme.example>\r\n"
        b"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nWe regret...\r\n"
    )
    mail = parse_email(raw)
    assert mail.message_id == "<café-42@acme.example>"  # as the server decodes it for SEARCH
    assert mail.references == ("<root@acme.example>", "<l\ufffd-41@acme.example>")
    [plan] = writer().plan([DraftKind.REPLY], mail, rejection(), NOW)
    assert b"In-Reply-To: <caf\xc3\xa9-42@acme.example>\r\n" in _head(plan.raw)  # RFC 6532, not an encoded word
    msg = wire(plan.raw)
    assert msg["In-Reply-To"] == "<café-42@acme.example>"
    assert msg["References"].split() == ["<root@acme.example>", "<l\ufffd-41@acme.example>", "<café-42@acme.example>"]
    assert plan.parent_message_id == "<café-42@acme.example>"


def test_a_non_ascii_sender_gets_a_valid_to() -> None:
    raw = (
        "From: José Núñez <josé@exämple.com>\r\nSubject: Tu candidatura\r\nMessage-ID: <m1@exämple.com>\r\n"
        "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nLo sentimos...\r\n"
    ).encode()
    mail = parse_email(raw)
    [plan] = writer().plan([DraftKind.REPLY], mail, rejection(), NOW)
    # The domain in its xn-- form; the local part has no ASCII form, so the header is UTF-8.
    assert "José Núñez <josé@xn--exmple-cua.com>".encode() in _head(plan.raw)
    # Read as a UTF-8 client reads it (Python's own parser keeps 8-bit header bytes as escapes).
    [to_line] = [line for line in _head(plan.raw).decode("utf-8").split("\r\n") if line.startswith("To: ")]
    assert getaddresses([to_line[4:]]) == [("José Núñez", "josé@xn--exmple-cua.com")]


def test_an_idn_sender_domain_is_written_in_ascii() -> None:
    mail = incoming(from_name="Zoë", from_addr="zoe@bücher.example")
    [plan] = writer().plan([DraftKind.REPLY], mail, rejection(), NOW)
    assert _head(plan.raw).isascii()
    assert wire(plan.raw)["To"].addresses[0].addr_spec == "zoe@xn--bcher-kva.example"


def test_a_profile_on_an_idn_domain_gets_valid_from_and_message_id() -> None:
    w = DraftWriter(ProfileSettings(name="Alex Müller", email="alex@müller.example"), DraftSettings())
    [plan] = w.plan([DraftKind.REPLY], incoming(), rejection(), NOW)
    assert _head(plan.raw).isascii()
    msg = wire(plan.raw)
    assert msg["From"].addresses[0].addr_spec == "alex@xn--mller-kva.example"
    assert msg["From"].addresses[0].display_name == "Alex Müller"
    assert plan.message_id.endswith("@xn--mller-kva.example>") and plan.message_id.isascii()
    assert str(msg["Message-ID"]).strip() == plan.message_id
    # Mail the user sent from either spelling of the domain is theirs.
    own = incoming(from_addr="ALEX@xn--mller-kva.example")
    assert w.kinds_for(own, rejection(), NOW) == ([], "sent by you")


def test_plain_ascii_drafts_keep_ascii_headers() -> None:
    [plan] = writer().plan([DraftKind.REPLY], incoming(from_name="Zoë Achterberg", subject="Entscheidung – Datenanalyst"), rejection(), NOW)
    assert _head(plan.raw).isascii()


def _headers_once(msg: EmailMessage) -> None:
    names = [k.lower() for k in msg]
    assert "bcc" not in names and "cc" not in names
    assert len(names) == len(set(names)), names


def _b64(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def test_no_bcc_from_hostile_incoming_bytes() -> None:
    raw = (
        f"From: {_b64('Eve' + chr(10) + 'Bcc: victim@evil.example')} <eve@corp.example>\r\n"
        f"Reply-To: {_b64('Mallory' + chr(13) + chr(10) + 'Cc: victim2@evil.example')} <hr@corp.example>\r\n"
        f"Subject: {_b64('Update' + chr(13) + chr(10) + 'Bcc: victim3@evil.example' + chr(10) + chr(10) + 'injected body')}\r\n"
        "Message-ID: <hostile@corp.example>\r\n"
        "References: <a@corp.example>\r\n <b@corp.example>\r\n"
        "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        "\r\nWe regret...\r\n"
    ).encode()
    mail = parse_email(raw)
    msg = one_draft(mail, kind=DraftKind.FEEDBACK_REQUEST, w=writer(feedback_request="always"))
    _headers_once(msg)
    recipients = [addr for _, addr in getaddresses(msg.get_all("To", []))]
    assert recipients == ["hr@corp.example"]
    assert "victim" not in msg["To"]
    assert "\n" not in msg["Subject"] and msg["Subject"].startswith("Re: Update")
    assert "injected body" not in msg.get_content()
    assert msg["In-Reply-To"] == "<hostile@corp.example>"


def test_no_bcc_even_if_incoming_fields_were_never_folded() -> None:
    # A source other than parse.py could hand over raw values: the writer folds them itself.
    mail = incoming(
        subject="Hello\r\nBcc: victim@evil.example",
        from_name="Eve\nBcc: victim@evil.example",
        message_id="<m@corp.example>\r\nBcc: victim@evil.example",
    )
    msg = one_draft(mail)
    _headers_once(msg)
    assert [addr for _, addr in getaddresses([msg["To"]])] == [mail.from_addr]


def header_block_is_clean(raw: bytes) -> bool:
    """No control byte in a header block but CRLF line ends (and tabs that fold), no bare CR or LF."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    return all(b"\r" not in line and b"\n" not in line and not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line) for line in lines)


def test_control_characters_never_reach_a_drafts_headers() -> None:
    raw = (
        f"From: {_b64('Eve' + chr(0) + chr(27) + '[31mRed')} <eve@corp.example>\r\n"
        f"Subject: {_b64('Offer' + chr(0) + 'letter' + chr(27) + '[2J' + chr(0x7F) + chr(0x85) + chr(0x9B) + 'now')}\r\n"
        "Message-ID: <ctl\x01id@corp.example>\r\n"
        "References: <a\x1b@corp.example>\r\n"
        "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        "\r\nWe regret...\r\n"
    ).encode()
    mail = parse_email(raw)
    [plan] = writer().plan([DraftKind.REPLY], mail, rejection(), NOW)
    assert header_block_is_clean(plan.raw), plan.raw
    msg = wire(plan.raw)
    for name, value in msg.items():
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", str(value)), (name, value)
    assert msg["Subject"] == "Re: Offer letter [2J now"
    assert getaddresses([msg["To"]]) == [("Eve [31mRed", "eve@corp.example")]


def test_a_double_encoded_subject_cannot_add_a_header() -> None:
    # Decoded once by the parser, the Subject still reads as an encoded word of "\nBcc: ...";
    # the email package would decode it again and write the line break raw.
    inner = _b64("\nBcc: victim@evil.example")
    raw = f"From: {_b64(inner)} <eve@corp.example>\r\nSubject: {_b64(inner)}\r\nMessage-ID: <m@corp.example>\r\n\r\nWe regret\r\n"
    mail = parse_email(raw.encode())
    [plan] = writer().plan([DraftKind.REPLY], mail, rejection(), NOW)
    assert header_block_is_clean(plan.raw), plan.raw
    msg = wire(plan.raw)
    _headers_once(msg)
    assert "victim" not in " ".join(k for k in msg)
    assert "\n" not in msg["Subject"] and "\n" not in msg["To"]


def test_control_characters_from_any_source_are_dropped_by_the_writer() -> None:
    mail = incoming(subject="Hello\x00\x1b[0m", from_name="Rachel\x07 Osei", message_id="<m\x00@corp.example>")
    [plan] = writer().plan([DraftKind.REPLY], mail, rejection(), NOW)
    assert header_block_is_clean(plan.raw), plan.raw
    assert wire(plan.raw)["Subject"] == "Re: Hello [0m"


# --- policy ---------------------------------------------------------------------------------


def test_one_reply_per_rejection_by_default() -> None:
    for stage in Stage:
        kinds, reason = writer().kinds_for(incoming(), rejection(stage), NOW)
        assert kinds == [DraftKind.REPLY] and reason == ""


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.APPLICATION, [DraftKind.THANK_YOU]),
        (Stage.UNKNOWN, [DraftKind.THANK_YOU]),
        (Stage.SCREEN, [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]),
        (Stage.ASSESSMENT, [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]),
        (Stage.INTERVIEW, [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]),
        (Stage.FINAL, [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]),
    ],
)
def test_separate_style_keeps_two_drafts_after_interview(stage: Stage, expected: list[DraftKind]) -> None:
    kinds, reason = writer(style="separate").kinds_for(incoming(), rejection(stage), NOW)
    assert kinds == expected and reason == ""


@pytest.mark.parametrize(("stage", "asks"), [(Stage.APPLICATION, False), (Stage.UNKNOWN, False), (Stage.SCREEN, True), (Stage.FINAL, True)])
def test_the_one_reply_asks_for_feedback_after_contact(stage: Stage, asks: bool) -> None:
    text = writer().render(DraftKind.REPLY, incoming(), rejection(stage))
    assert ("feedback" in text or "thoughts on" in text or "few words" in text) == asks, text


def test_offered_feedback_is_taken_up_even_after_an_application_stage_no() -> None:
    result = rejection(Stage.APPLICATION, offers_feedback=True)
    w = writer()
    assert w.wording(result).ask_feedback
    assert "offering to share feedback" in w.render(DraftKind.REPLY, incoming(), result)
    assert "offering" not in w.render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW))
    assert not writer(feedback_request="never").wording(result).ask_feedback
    assert writer(style="separate").kinds_for(incoming(), result, NOW)[0] == [DraftKind.THANK_YOU, DraftKind.FEEDBACK_REQUEST]


def test_feedback_already_given_is_thanked_for_not_asked_for() -> None:
    result = rejection(Stage.INTERVIEW, gives_feedback=True)
    text = writer().render(DraftKind.REPLY, incoming(), result)
    assert "It also helps to know the reasons, so thank you for being open about them" in text and "could have been stronger" not in text
    assert not writer().wording(result).ask_feedback


@pytest.mark.parametrize(
    ("language", "thanks", "asks"),
    [
        ("en", "thank you for being open about them", "could have been stronger"),
        ("de", "woran es lag", "überzeugender"),
        ("fr", "j’y suis sensible", "progresser"),
        ("nl", "waar het aan lag", "beter had kunnen"),
        ("es", "no siempre se hace", "podría mejorar"),
    ],
)
def test_feedback_already_given_is_thanked_for_in_every_language(language: str, thanks: str, asks: str) -> None:
    # One sentence of reason or a page of assessment: the thanks fit both, and nothing asks again. Nor do they promise
    # to act on it: "the other candidate could start earlier" is nothing one can work on.
    text = writer().render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, gives_feedback=True, language=language, register="formal"))
    assert thanks in text and asks not in text
    # Where the thanks already thank for the reasons, the reasons are not thanked for twice.
    mismatch = writer().render(DraftKind.REPLY, incoming(), rejection(Stage.INTERVIEW, situation=Situation.MISMATCH, gives_feedback=True, language=language, register="formal"))
    assert thanks not in mismatch


def test_feedback_the_employer_cannot_give_is_not_asked_for() -> None:
    # "Per company policy, we are unable to share detailed feedback": asking anyway ignores what they said, whatever the policy.
    declined = rejection(Stage.FINAL, declines_feedback=True)
    for policy in ("after_interview", "always"):
        assert not writer(feedback_request=policy).wording(declined).ask_feedback
        assert "feedback" not in writer(feedback_request=policy).render(DraftKind.REPLY, incoming(), declined)
    assert writer().wording(rejection(Stage.FINAL, declines_feedback=True, offers_feedback=True)).ask_feedback


@pytest.mark.parametrize(("language", "register", "first"), [("fr", "formal", "premier"), ("fr", "informal", "premier"), ("es", "formal", "primera"),
                                                        ("es", "informal", "primera"), ("nl", "formal", "eerste")])
def test_a_screening_call_is_no_first_conversation(language: str, register: str, first: str) -> None:
    # Native readers: "notre premier échange", "nuestra primera conversación", "het eerste gesprek" promise talks that never came.
    text = writer().render(DraftKind.REPLY, incoming(), rejection(Stage.SCREEN, situation=Situation.AFTER_SCREEN, language=language, register=register))
    assert first not in text


@pytest.mark.parametrize("situation", [Situation.ROLE_CLOSED, Situation.OFFER_WITHDRAWN])
def test_no_feedback_request_when_the_no_is_not_about_the_candidate(situation: Situation) -> None:
    result = rejection(Stage.INTERVIEW, situation=situation)
    for policy in ("after_interview", "always"):
        assert not writer(feedback_request=policy).wording(result).ask_feedback
        text = writer(feedback_request=policy).render(DraftKind.REPLY, incoming(), result)
        assert "feedback" not in text and "candidate" not in text
    assert writer().wording(rejection(Stage.INTERVIEW, situation=situation, offers_feedback=True)).ask_feedback


@pytest.mark.parametrize("stage", list(Stage))
def test_always_and_never(stage: Stage) -> None:
    assert writer(feedback_request="always", style="separate").kinds_for(incoming(), rejection(stage), NOW)[0] == [
        DraftKind.THANK_YOU,
        DraftKind.FEEDBACK_REQUEST,
    ]
    assert writer(feedback_request="never", style="separate").kinds_for(incoming(), rejection(stage), NOW)[0] == [DraftKind.THANK_YOU]


def test_thank_you_off() -> None:
    assert writer(thank_you=False).kinds_for(incoming(), rejection(Stage.FINAL), NOW)[0] == [DraftKind.FEEDBACK_REQUEST]
    kinds, reason = writer(thank_you=False, feedback_request="never").kinds_for(incoming(), rejection(Stage.FINAL), NOW)
    assert kinds == [] and "turned off" in reason


def test_plain_questions_are_answered_and_others_left_to_the_user() -> None:
    questions = (
        Question(QuestionKind.KEEP_ON_FILE, "May we keep your CV on file?"),
        Question(QuestionKind.CALL, "Are you free for a quick call on Wednesday?"),
        Question(QuestionKind.OTHER, "Which start date would you have preferred?"),
    )
    w = writer()
    result = rejection(Stage.SCREEN, questions=questions)
    text = w.render(DraftKind.REPLY, incoming(), result)
    assert "please do keep my details" in text
    assert "glad to have that call" in text
    check = w.wording(result).check
    assert any("call on Wednesday" in c for c in check)
    assert any("Which start date" in c and "does not answer" in c for c in check)
    assert not any("keep your CV" in c for c in check)
    assert all(c.split(":")[0] not in text for c in check)


@pytest.mark.parametrize("label", [label for label in Label if label is not Label.REJECTION])
def test_no_drafts_for_other_labels(label: Label) -> None:
    result = Classification(label=label, confidence=0.99, extraction=Extraction(company="Acme", stage=Stage.FINAL))
    assert writer(feedback_request="always").kinds_for(incoming(), result, NOW) == ([], "")


def test_no_drafts_for_automated_sender() -> None:
    kinds, reason = writer().kinds_for(incoming(from_addr="no-reply@hire.ats.example"), rejection(human_sender=False), NOW)
    assert kinds == [] and "automated" in reason


def test_no_drafts_when_uncertain() -> None:
    result = replace(rejection(Stage.FINAL), confidence=0.41, uncertain=True)
    kinds, reason = writer().kinds_for(incoming(), result, NOW)
    assert kinds == [] and "uncertain" in reason and "0.41" in reason


def test_no_drafts_for_old_mail() -> None:
    w = writer(draft_max_age_days=7)
    kinds, reason = w.kinds_for(incoming(date=NOW - timedelta(days=7, minutes=1)), rejection(), NOW)
    assert kinds == [] and "7 days" in reason
    assert w.kinds_for(incoming(date=NOW - timedelta(days=6, hours=23)), rejection(), NOW)[0] == [DraftKind.REPLY]
    # Undated mail cannot be too old.
    assert w.kinds_for(incoming(date=None), rejection(), NOW)[0] == [DraftKind.REPLY]
    # A preview (`rebound draft`) shows what would be written whatever the age.
    assert w.kinds_for(incoming(date=NOW - timedelta(days=70)), rejection(), NOW, preview=True)[0] == [DraftKind.REPLY]


def test_age_check_works_for_mail_dated_without_zone() -> None:
    raw = b"From: Rachel <rachel@acme.example>\r\nDate: Mon, 02 Nov 2026 09:00:00 -0000\r\nSubject: s\r\n\r\nno\r\n"
    kinds, reason = writer(draft_max_age_days=7).kinds_for(parse_email(raw), rejection(), NOW)
    assert kinds == [] and "older than 7 days" in reason


def test_no_drafts_for_mail_sent_by_user() -> None:
    kinds, reason = writer().kinds_for(incoming(from_addr="Alex.Morgan@Example.org"), rejection(), NOW)
    assert kinds == [] and "you" in reason


# --- templates ------------------------------------------------------------------------------


def test_rendered_body_is_the_draft_body() -> None:
    result = rejection(Stage.INTERVIEW)
    w = writer()
    msg = one_draft(incoming(), result, DraftKind.REPLY, w)
    assert msg.get_content().replace("\r\n", "\n") == w.render(DraftKind.REPLY, incoming(), result)
    assert msg.get_content_type() == "text/plain"


def test_templates_dir_override_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "reply.txt.j2").write_text("Danke, {{ first_name or 'du' }}! {{ user_name }}\n")
    w = writer(templates_dir=tmp_path)
    german = rejection(Stage.SCREEN, language="de", register="informal")
    assert w.render(DraftKind.REPLY, incoming(), german) == "Danke, Rachel! Alex Morgan\n"
    # Templates not overridden still come from the bundled set.
    english = rejection(Stage.SCREEN)
    assert w.render(DraftKind.REPLY, incoming(), english) == writer().render(DraftKind.REPLY, incoming(), english)


def test_a_thank_you_template_at_the_top_of_templates_dir_still_overrides_the_english_one(tmp_path: Path) -> None:
    (tmp_path / "thank_you.txt.j2").write_text("Custom thanks, {{ first_name or 'friend' }}, from {{ user_name }} to {{ company }}.\n")
    w = writer(templates_dir=tmp_path, style="separate")
    assert w.render(DraftKind.THANK_YOU, incoming(), rejection(Stage.SCREEN)) == "Custom thanks, Rachel, from Alex Morgan to Acme.\n"


def test_templates_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="templates_dir"):
        writer(templates_dir=tmp_path / "missing")


def test_broken_custom_template_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "reply.txt.j2").write_text("Hi {{ firstname }}\n")  # typo: undefined names are errors
    w = writer(templates_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"reply\.txt\.j2"):
        w.render(DraftKind.REPLY, incoming(), rejection())
