"""Unit tests for the rule-based extractor: spaCy's blank English tokenizer only, no trained pipeline."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
import spacy
from spacy.language import Language

from agent.classifier.extract import Extractor, Headers
from agent.classifier.senders import first_name_gender, is_automated, person_first_name, sender_first_name
from agent.classifier.text import compose
from agent.classifier.titles import title_gender


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("en")


@pytest.fixture(scope="module")
def extractor(nlp: Language) -> Extractor:
    return Extractor(nlp.vocab)


def run(nlp: Language, extractor: Extractor, body: str, subject: str = "", sender: str = "") -> tuple[str, str, str, bool]:
    """Build the Doc and the headers exactly as the product does: (company, role, contact, human sender)."""
    name, addr = parseaddr(sender) if sender else ("", "")
    who = extractor(nlp.make_doc(compose(subject, body)), Headers(name, addr, ""))
    return who.company, who.role, who.contact_name, who.human_sender


def test_application_to_names_the_company(nlp: Language, extractor: Extractor) -> None:
    company, role, *_ = run(nlp, extractor, "Hi Sam,\n\nThank you for your application to Brackenridge Analytics for the Data Engineer role.")
    assert (company, role) == ("Brackenridge Analytics", "Data Engineer")


def test_interest_in_names_the_company(nlp: Language, extractor: Extractor) -> None:
    company, *_ = run(nlp, extractor, "Dear Ana,\n\nThanks for your interest in Lowmoor Housing. Unfortunately we will not be moving forward.")
    assert company == "Lowmoor Housing"


def test_team_at_names_the_company(nlp: Language, extractor: Extractor) -> None:
    company, *_ = run(nlp, extractor, "Hi Jo,\n\nEveryone on the team at Parrish & Vole enjoyed your portfolio, but we chose someone else.")
    assert company == "Parrish & Vole"


def test_department_signature_names_the_company(nlp: Language, extractor: Extractor) -> None:
    body = "Dear Applicant,\n\nWe have decided not to progress your application.\n\nKind regards,\nCorvell Mining Talent Acquisition"
    company, _, contact, *_ = run(nlp, extractor, body)
    assert (company, contact) == ("Corvell Mining", "")


def test_subject_company_dash_role(nlp: Language, extractor: Extractor) -> None:
    company, role, *_ = run(nlp, extractor, "Hi Lee,\n\nWe have filled the position.\n\nThanks,\nThe team", subject="Fenmoor Bank - Senior Analyst")
    assert (company, role) == ("Fenmoor Bank", "Senior Analyst")


def test_subject_application_for_role_at_company(nlp: Language, extractor: Extractor) -> None:
    company, role, *_ = run(nlp, extractor, "Hi Lee,\n\nUnfortunately we went another way.",
                            subject="Your application for Logistics Planner at Tarnhill Freight")
    assert (company, role) == ("Tarnhill Freight", "Logistics Planner")


# A step of the process before the title in a subject line is no part of the job ('Tweede gesprek Data Engineer'),
# and a subject that is a sentence about the job ('Where we landed on the product designer') names no title.
@pytest.mark.parametrize(
    ("subject", "role"),
    [
        ("Re: Tweede gesprek Data Engineer", "Data Engineer"),
        ("Selectieprocedure Operations Manager – uitslag", "Operations Manager"),
        ("Initiativbewerbung Erzieherin", "Erzieherin"),
        ("Zweitgespräch Senior Business Analyst", "Senior Business Analyst"),
        ("RE: Seguimiento entrevista Analista de Nómina", "Analista de Nómina"),
        ("Búsqueda Jefe de Planta", "Jefe de Planta"),
        ("Alternance Technicien réseaux – résultats", "Technicien réseaux"),
        ("About the Project Manager", "Project Manager"),
        ("Where we landed on the Product Designer", ""),
        ("Sobre tu prueba técnica", ""),
    ],
)
def test_a_subjects_process_words_are_no_part_of_the_role(nlp: Language, extractor: Extractor, subject: str, role: str) -> None:
    assert run(nlp, extractor, "Hi Lee,\n\nThanks for your time; we went another way.\n\nBest,\nKim", subject=subject)[1] == role


def test_role_keeps_its_team_suffix(nlp: Language, extractor: Extractor) -> None:
    body = "Dear Priya,\n\nThank you for applying for the Data Analyst, Patient Experience role at Northbay Health."
    company, role, *_ = run(nlp, extractor, body, subject="Data Analyst, Patient Experience")
    assert (company, role) == ("Northbay Health", "Data Analyst, Patient Experience")


@pytest.mark.parametrize("sender", ["Compliance <compliance@harvestlane.com>", "Payroll <payroll@fenmoor.co.uk>", "Admin <admin@tidewater.net>"])
def test_a_function_mailbox_under_its_own_name_is_no_one_to_greet(nlp: Language, extractor: Extractor, sender: str) -> None:
    assert run(nlp, extractor, "Hi Ray,\n\nWe will not be moving forward.\n\nRegards,\nThe team", sender=sender)[2] == ""


@pytest.mark.parametrize(("first", "gender"), [("Regula", "f"), ("Veerle", "f"), ("Lucía", "f"), ("Koen", "m"), ("Sébastien", "m"),
                                               ("Maria", "f"), ("Sebastien", "m"), ("Andrea", ""), ("Jean", ""), ("Kim", ""),
                                               ("Anne", ""), ("Javi", ""), ("Anna-Lena", "f"), ("Hans-Peter", "m"), ("Álvaro", "m")])
def test_a_first_name_gives_the_gender_only_where_it_leaves_no_doubt(first: str, gender: str) -> None:
    assert first_name_gender(first) == gender


def test_ats_display_name_via_greenhouse(nlp: Language, extractor: Extractor) -> None:
    company, _, contact, human = run(nlp, extractor, "Hi Kim,\n\nWe will not be moving forward.",
                                            sender="Ostrava Robotics via Greenhouse <no-reply@us.greenhouse-mail.io>")
    assert (company, contact, human) == ("Ostrava Robotics", "", False)


def test_careers_at_display_name(nlp: Language, extractor: Extractor) -> None:
    company, *_ = run(nlp, extractor, "Hello,\n\nThe role has been filled.", sender="Careers at Wexcombe Foods <careers@wexcombe.com>")
    assert company == "Wexcombe Foods"


def test_hiring_manager_thread_company_from_signature_and_domain(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Maya,\n\nThanks for the chat on Tuesday. We've decided to go with someone more senior.\n\nTom Okafor | Quillfeather"
    company, _, contact, *_ = run(nlp, extractor, body, subject="Re: Thursday", sender="Tom Okafor <tom.okafor@quillfeather.io>")
    assert (company, contact) == ("Quillfeather", "Tom")
    assert run(nlp, extractor, body, subject="Re: Thursday")[:3:2] == ("Quillfeather", "Tom")  # the same without any sender


@pytest.mark.parametrize("placeholder", ["[Company Name]", "{{company}}", "<Company>", "{{company_name}}"])
def test_template_placeholders_are_not_a_company(nlp: Language, extractor: Extractor, placeholder: str) -> None:
    body = f"Dear [Candidate Name],\n\nThank you for your interest in {placeholder}. We will not be moving forward.\n\nRegards,\n{placeholder}"
    assert run(nlp, extractor, body, subject="Your application to " + placeholder)[0] == ""


def test_agency_names_its_client(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Dev,\n\nI've heard back on your application with our client Orchard Robotics, and they won't be progressing.\n\nCheers,\nMia\nBrookline Search"
    company, _, contact, *_ = run(nlp, extractor, body, sender="Mia Hart <mia@brooklinesearch.com>")
    assert (company, contact) == ("Orchard Robotics", "Mia")


def test_agency_signature_does_not_outvote_the_client_it_names(nlp: Language, extractor: Extractor) -> None:
    body = ("Hi Ana,\n\nI've just come off the phone with the team\nat Larchmont Foods. They've decided not to go further this time.\n\n"
            "I have a couple of other clients I'd like to tell you about.\n\nCheers,\nNoel\n\nNoel Grant\nSenior Consultant\nFernhill Search Partners")
    company = run(nlp, extractor, body, subject="Larchmont Foods - feedback", sender="Noel Grant <noel.grant@fernhillsearch.co>")[0]
    assert company == "Larchmont Foods"


def test_agency_with_unnamed_client_gives_no_company(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Dev,\n\nMy client, a fast-growing fintech, has decided not to proceed.\n\nCheers,\nMia\nBrookline Search"
    assert run(nlp, extractor, body, sender="Mia Hart <mia@brooklinesearch.com>")[0] == ""


def test_signature_title_is_not_the_role(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Olu,\n\nThank you for applying for the Staff Accountant position.\n\nBest,\nDana Whitfield\nSenior Recruiter\nHalloway Partners"
    company, role, contact, *_ = run(nlp, extractor, body)
    assert (company, role, contact) == ("Halloway Partners", "Staff Accountant", "Dana")


def test_tool_display_name_is_not_the_employer(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Elif,\n\nYou've been invited by Meridian Bancorp to complete the test \"Quant Developer – C++\"."
    assert run(nlp, extractor, body, sender="HackerRank <support@hackerrankforwork.com>")[0] == "Meridian Bancorp"


def test_hiring_tool_subdomain_names_the_employer(nlp: Language, extractor: Extractor) -> None:
    body = "Guten Tag,\n\nleider können wir Ihre Bewerbung nicht berücksichtigen.\n\nMit freundlichen Grüßen\nStadtwerke Ostertal"
    company, _, contact, *_ = run(nlp, extractor, body, sender="Stadtwerke Ostertal <noreply@stadtwerke-ostertal.softgarden.io>")
    assert (company, contact) == ("Stadtwerke Ostertal", "")


def test_workshop_on_a_mail_host_is_not_a_person(nlp: Language, extractor: Extractor) -> None:
    body = "Hola Luis, gracias por el currículum. La plaza ya está cubierta. Suerte.\n\nPepe"
    company, _, contact, *_ = run(nlp, extractor, body, sender="Talleres Hermanos Ibarra <talleres.ibarra@gmail.com>")
    assert (company, contact) == ("Talleres Hermanos Ibarra", "Pepe")


@pytest.mark.parametrize("display", ["Equipo de Talento Brisamar", "Comisión de Selección Brisamar", "Direction Brisamar"])
def test_team_words_before_the_name_in_other_languages(nlp: Language, extractor: Extractor, display: str) -> None:
    body = "Hola Ana,\n\nNo vamos a seguir adelante con tu candidatura.\n\nSaludos"
    assert run(nlp, extractor, body, sender=f"{display} <empleo@brisamar.es>")[0] == "Brisamar"


def test_the_customer_is_not_an_unnamed_client(nlp: Language, extractor: Extractor) -> None:
    body = "Beste Tim,\n\nHelaas ga je niet door. Anderen vertaalden de case beter naar de klant.\n\nGroet,\nEva Bos\nRecruiter, Zeedijk Bank"
    assert run(nlp, extractor, body, sender="Eva Bos <eva.bos@zeedijkbank.nl>")[0] == "Zeedijk Bank"


def test_role_in_french(nlp: Language, extractor: Extractor) -> None:
    body = "Bonjour Kevin,\n\nNous ne retenons pas votre candidature pour le poste de Chef de rayon frais H/F dans notre magasin."
    assert run(nlp, extractor, body)[1] == "Chef de rayon frais H/F"


def test_lowercase_role_before_job_noun(nlp: Language, extractor: Extractor) -> None:
    assert run(nlp, extractor, "Hi Chloe, we've found someone for the barista spot. Cheers!")[1] == "barista"


def test_contact_from_signature_without_headers(nlp: Language, extractor: Extractor) -> None:
    body = "Hey Theo,\n\nThe team decided to go with the other finalist.\n\nThanks for everything,\nPriyanka\nCEO, Nimbleroot"
    company, _, contact, _ = run(nlp, extractor, body)
    assert (company, contact) == ("Nimbleroot", "Priyanka")


def test_empty_email(nlp: Language, extractor: Extractor) -> None:
    assert run(nlp, extractor, "") == ("", "", "", True)


@pytest.mark.parametrize(
    ("display", "address", "first"),
    [
        ("Sofia Reyes-Hart", "sofia@helixandvane.com", "Sofia"),
        ("Whitfield, Dana", "dana.whitfield@corvell.com", "Dana"),
        ("Femke de Vries", "femke.devries@brightfield.nl", "Femke"),
        ("Kestrel Pay", "talent@kestrelpay.io", ""),
        ("Quillfeather", "no-reply@hire.lever.co", ""),
        ("Skyreach Airways", "skyreach@taleo.net", ""),
        ("Harlan Moss", "hmoss@mossbuilders.com", "Harlan"),
        # A shop's display name at a free-mail address: its first word says what it is, not who.
        ("Heladería Río Frío", "heladeriariofrio@gmail.com", ""),
        ("Bäckerei Obermaier", "baeckerei.obermaier@gmx.de", ""),
        ("Pharmacie Lemaire", "pharmacie.lemaire@orange.fr", ""),
        ("Apotheek De Linde", "apotheekdelinde@hotmail.com", ""),
        ("Lucía Frío", "luciafrio@gmail.com", "Lucía"),
        # A mailbox named for what it does, spelled like a one-word name.
        ("Schulleitung", "schulleitung@gs-lindenweg.de", ""),
        ("Personalmanagement", "personalmanagement@kreis-wetterau.de", ""),
        ("Dienst Personeel", "dienst.personeel@stad-herent.be", ""),
        ("Secretaría", "secretaria@colegiosanblas.es", ""),
    ],
)
def test_sender_first_name(display: str, address: str, first: str) -> None:
    assert sender_first_name(display, address) == first


def test_person_first_name_rejects_organisations() -> None:
    assert person_first_name("Vireo Wealth Advisors") == ""
    assert person_first_name("Prof. Ruth Abernathy") == "Ruth"


def test_is_automated() -> None:
    assert is_automated("no-reply@us.greenhouse-mail.io")
    assert not is_automated("tom.okafor@quillfeather.io")


@pytest.mark.parametrize(
    "body,company,contact",
    [
        ("Hi Sam, thank you for interviewing with us. We have decided to move forward with another candidate. Best, Dana", "", "Dana"),
        ("Hi Sam, thanks for your time. We went with another candidate. Thanks, Dana Patel, Lumio Labs", "Lumio Labs", ""),
    ],
)
def test_a_sign_off_run_into_the_last_line(nlp: Language, extractor: Extractor, body: str, company: str, contact: str) -> None:
    """Flattened mail ends '... Best, Dana': Dana signs, she is not the employer."""
    got_company, _role, got_contact, *_ = run(nlp, extractor, body, subject="Your application")
    assert (got_company, got_contact) == (company, contact)


def test_brackets_and_separators_in_names() -> None:
    """A bracketed aside is not part of a name, and separators split a signature line with its spaces trimmed."""
    from agent.classifier.signatures import split_line

    assert person_first_name("Dana Whitfield (she/her)") == "Dana"
    assert person_first_name("Dana [Recruiting]   Whitfield") == "Dana"
    assert person_first_name("(((( Dana") == ""
    assert split_line("Dana Patel  |  Talent Partner - Nordhavn Bank") == ["Dana Patel", "Talent Partner", "Nordhavn Bank"]
    assert split_line("Careers at Northwind", maxsplit=1) == ["Careers", "Northwind"]


@pytest.mark.parametrize(
    ("sender", "body", "full"),
    [
        # From a person: the display name, in speaking order.
        ("\"Wagner, Felix\" <f.wagner@brandauer-technik.de>", "Sehr geehrter Herr Nguyen,\n\nleider müssen wir Ihnen absagen.\n\nFelix", "Felix Wagner"),
        # From a mailbox: the signature's name.
        ("Schulleitung <schulleitung@gs-lindenweg.de>", "Sehr geehrte Frau Roth,\n\nleider können wir Ihnen die Stelle nicht anbieten.\n\n"
         "Mit freundlichen Grüßen\n\nBernd Krämer\nSchulleiter", "Bernd Krämer"),
        # A first name alone, or an initial for a first name: no whole name to greet with.
        ("Careers <careers@tallyhq.io>", "Hi Sam,\n\nWe went with someone else.\n\nPriya", ""),
        ("K. Osei <k.osei@tallyhq.io>", "Hi Sam,\n\nWe went with someone else.\n\nK. Osei", ""),
    ],
)
def test_contact_full_name(nlp: Language, extractor: Extractor, sender: str, body: str, full: str) -> None:
    name, addr = parseaddr(sender)
    assert extractor(nlp.make_doc(compose("Ihre Bewerbung", body)), Headers(name, addr, "")).contact_full_name == full


@pytest.mark.parametrize(
    ("address", "tail", "human"),
    [
        ("talento@lumbre-moda.es", "Este correo se envió automáticamente. No respondas a este mensaje.", False),
        ("careers@acme.example", "Please do not reply to this email: this mailbox is not monitored.", False),
        ("recrutement@vellmar.fr", "Merci de ne pas répondre à ce message.", False),
        ("bewerbung@halde-technik.de", "Bitte antworten Sie nicht auf diese E-Mail.", False),
        ("dana@acme.example", "Reply any time if you want to talk it through.", True),
    ],
)
def test_a_rejection_that_asks_not_to_be_answered_has_no_one_to_reply_to(address: str, tail: str, human: bool) -> None:
    from agent.classifier import Classifier
    from agent.domain import IncomingEmail

    body = f"Hello,\n\nThank you for applying. Unfortunately we will not move forward with your application.\n\n{tail}"
    result = Classifier().classify(IncomingEmail("INBOX", 1, "<1@x>", "Your application", "", address, "", "", None, body))
    assert result.is_rejection and result.extraction.human_sender is human


@pytest.mark.parametrize(
    ("body", "greeting"),
    [
        ("Hoi Sam,\n\nHelaas is het deze keer niet gelukt.\n\nGroet, Ria", "hoi"),
        ("Salut Léa !\n\nDésolée, ça ne va pas le faire pour le poste.\n\nFred", "salut"),
        ("Beste Sam,\n\nHelaas is het deze keer niet gelukt.\n\nRia", ""),
        ("Dear Sam,\n\nUnfortunately we will not be moving forward.\n\nJo", ""),
    ],
)
def test_a_casual_opening_is_read_for_the_reply_to_answer_in_kind(nlp: Language, extractor: Extractor, body: str, greeting: str) -> None:
    who = extractor(nlp.make_doc(compose("Sollicitatie", body)), Headers("Ria", "ria@bakkerij-smit.nl", ""))
    assert who.greeting == greeting


@pytest.mark.parametrize(
    ("signature", "gender"),
    [
        ("Anna Weber\nPersonalreferentin", "f"),
        ("Jonas Krämer\nSachbearbeiter Personal", "m"),
        ("Lea Brandt\nHR-Fachfrau", "f"),
        ("Kim Berger\nHR Business Partner", ""),  # an English title says nothing
        ("Kim Berger\nPersonalentwicklung", ""),
        # Signing on someone's behalf ("im Auftrag", "in Vertretung") still names the writer.
        ("i. A. Anna Weber\nPersonalreferentin", "f"),
        ("i.V. Jonas Krämer\nSachbearbeiter Personal", "m"),
        ("ppa. Lea Brandt\nHR-Fachfrau", "f"),
        # A German feminine of an English title says it; the English title alone does not ('HR Manager' signs for women too).
        ("Claudia Brandt\nPraxismanagerin", "f"),
        ("Claudia Brandt\nHR Manager", ""),
        ("Dr. Anna Weber\nChefärztin Innere Medizin", "f"),
        ("Dr. med. Jonas Krämer\nOberarzt", "m"),
    ],
)
def test_the_german_title_under_the_name_gives_the_formal_address(nlp: Language, extractor: Extractor, signature: str, gender: str) -> None:
    body = f"Sehr geehrte Frau Roth,\n\nleider können wir Ihnen keine Zusage geben.\n\nMit freundlichen Grüßen\n\n{signature}\nHalde Technik GmbH"
    who = extractor(nlp.make_doc(compose("Ihre Bewerbung", body)), Headers("Halde Technik", "bewerbung@halde-technik.de", ""))
    assert who.contact_full_name and title_gender(who.title_line, "de") == gender
    assert who.contact_title == ("Dr." if signature.startswith("Dr.") else "")  # 'Frau Dr. Weber', as a German letter greets her


# Who signed decides the greeting and whether a reply speaks to one person or to a team: a closing
# ('Gruß', 'LG', 'Herzlich', 'Besos'), a title ('Prof. Dr.', 'Dra.'), a team or an office that signs
# ('Dein Flexteam', 'Talentteam …', 'Coordinación Administrativa') is nobody's first name.
SIGNED = [
    ("Hallo Lukas,\n\nleider haben wir uns für jemand anderen entschieden, die Stelle ist vergeben.\n\nGruß\nThorsten Reinecke\nAutohaus Reinecke",
     "Autohaus Reinecke <service@autohaus-reinecke.de>", "Thorsten"),
    ("Hallo Herr Wegner,\n\ndie Aushilfsstelle ist leider schon vergeben, tut mir leid. Gruß Heike", "Kiosk Ecke Lindenstraße <kiosk@web.de>", "Heike"),
    ("Hi Jana,\n\ndanke für deine Bewerbung, aber der Einsatz am Samstag ist schon voll besetzt.\n\nLG Alina\nLichtblick Promotion",
     "Lichtblick Promotion <einsatz@lichtblick-promotion.de>", "Alina"),
    ("Hallo Tom,\n\nwir haben jemand anderen für die Stelle in der Buchhandlung gefunden. Alles Gute!\n\nHerzlich\nRenate",
     "Buchhandlung Seitenwind <laden@seitenwind-buecher.de>", "Renate"),
    ("Sehr geehrter Herr Wolff,\n\nleider können wir Ihre Bewerbung nicht berücksichtigen.\n\nMit freundlichen Grüßen\nProf. Dr. Annette Weyrich\nInstitut für Geographie",
     "Prof. Dr. Annette Weyrich <annette.weyrich@uni-hallstedt.de>", "Annette"),
    ("Hi Daniel,\n\nleider hat es diesmal nicht geklappt, wir haben den Einsatz anders besetzt.\n\nDein Flexteam", "Dispo Flexteam <dispo@flexteam-personal.de>", ""),
    ("Hoi Sanne,\n\nBedankt voor je sollicitatie. Helaas hebben we gekozen voor een andere kandidaat.\n\nSucces!\nTalentteam Windkracht Nederland",
     "Windkracht Nederland Talent <talent@windkrachtnl.nl>", ""),
    ("Estimada Sra. Ruiz:\n\nLe agradecemos su interés. Lamentablemente hemos elegido otra candidatura.\n\nAtentamente,\nCoordinación Administrativa\nConsultora Quetzal",
     "Consultora Quetzal <contacto@quetzal.mx>", ""),
    ("Bonjour Léa,\n\nMerci pour ta candidature, malheureusement le poste est pourvu.\n\nFamille Zufferey\nHôtel Les Mélèzes", "Hôtel Les Mélèzes <direction@lesmelezes.ch>", ""),
]


@pytest.mark.parametrize(("body", "sender", "contact"), SIGNED)
def test_the_writer_is_a_person_only_when_a_person_signed(nlp: Language, extractor: Extractor, body: str, sender: str, contact: str) -> None:
    assert run(nlp, extractor, body, "Re: Bewerbung", sender)[2] == contact


@pytest.mark.parametrize(
    ("display", "signature", "first"),
    [
        ("Mari Carmen Ruiz", "Mari Carmen", "Mari Carmen"),  # a two-word given name is greeted whole
        ("", "Un saludo,\nMaría José Fernández\nRecursos Humanos", "María José"),
        ("", "Atentamente,\nFdo.: María Ángeles Corral Moreno\nConcejala de Personal", "María Ángeles"),  # 'firmado' before the name
        ("Juan Pérez", "Juan", "Juan"),
        ("María Gómez", "María", "María"),
    ],
)
def test_a_spanish_given_name_of_two_words_is_read_whole(nlp: Language, extractor: Extractor, display: str, signature: str, first: str) -> None:
    body = f"Hola, Lucía:\n\nGracias por tu interés, pero hemos elegido a otra persona.\n\n{signature}"
    address = "mcruiz@pasteleria-ruiz.es" if display else "rrhh@ayuntamiento-villanueva.es"
    who = extractor(nlp.make_doc(compose("Tu candidatura", body)), Headers(display, address, ""))
    assert who.contact_name == first


@pytest.mark.parametrize(
    ("display", "signature", "first", "full"),
    [
        # The header spells the name out; the note is signed with the name its writer goes by, and the reply uses that.
        ("Javier Ruiz", "Javi", "Javi", "Javier Ruiz"),
        ("Guillermo Sanz", "Guille", "Guille", "Guillermo Sanz"),
        ("Beatriz Lorente", "Bea\nEnviado desde mi iPhone", "Bea", "Beatriz Lorente"),
        # A nickname of another shape may be anyone's; a two-word given name is her whole name.
        ("Enrique Mora", "Kike", "Enrique", "Enrique Mora"),
        ("Mari Carmen Ruiz", "Mari", "Mari Carmen", "Mari Carmen Ruiz"),
        ("Juan Pérez", "Juan", "Juan", "Juan Pérez"),
    ],
)
def test_the_reply_greets_the_sender_by_the_name_they_sign_with(
    nlp: Language, extractor: Extractor, display: str, signature: str, first: str, full: str
) -> None:
    body = f"Hola Cata, el cliente me dice que no. Lo siento, seguimos buscando.\n\n{signature}"
    address = display.split()[0].lower() + "@headhuntersur.cl"
    who = extractor(nlp.make_doc(compose("Re: Analista de datos", body)), Headers(display, address, ""))
    assert (who.contact_name, who.contact_full_name) == (first, full)


@pytest.mark.parametrize(
    ("signature", "gender"),
    [
        ("Corinne Jaquet\nChargée de recrutement", "f"),
        ("Sébastien Roux\nDirecteur des ressources humaines", "m"),
        ("Corinne Jaquet\nResponsable RH", ""),  # 'responsable' says nothing
        ("Corinne Jaquet\nAssistant Manager", ""),  # nor an English title
        ("Corinne Jaquet\nChargé(e) de recrutement", ""),  # nor a title written for either
    ],
)
def test_a_french_title_under_the_name_says_the_gender_only_in_a_french_letter(
    nlp: Language, extractor: Extractor, signature: str, gender: str
) -> None:
    body = f"Bonjour Madame Kaddour,\n\nNous ne donnerons pas suite à votre candidature.\n\nCordialement,\n\n{signature}\nBertholet SA"
    who = extractor(nlp.make_doc(compose("Votre candidature", body)), Headers("Bertholet SA", "rh@bertholet.ch", ""))
    assert who.contact_full_name and title_gender(who.title_line, "fr") == gender
    # Read as German, 'Chargée' or 'Directrice' would be taken for masculine nouns; read as English, nothing is said.
    assert title_gender(who.title_line, "en") == ""


@pytest.mark.parametrize(
    ("opening", "titled"),
    [
        ("Geachte heer Veenstra,", "geachte"),
        ("Beste mevrouw Kaddour,", "beste"),
        ("Beste meneer El Amrani,", "beste"),
        ("Beste Ahmed,", ""),
        ("Geachte heer/mevrouw,", ""),  # a form letter greets nobody by name
        ("Hoi Sanne,", ""),
    ],
)
def test_a_greeting_by_title_and_surname_is_read(nlp: Language, extractor: Extractor, opening: str, titled: str) -> None:
    body = f"{opening}\n\nHelaas hebben wij voor een andere kandidaat gekozen.\n\nMet vriendelijke groet,\n\nSandra Lammers\nVeldhoven Photonics"
    who = extractor(nlp.make_doc(compose("Uw sollicitatie", body)), Headers("Sandra Lammers", "s.lammers@veldhovenphotonics.nl", ""))
    assert who.titled_greeting == titled


@pytest.mark.parametrize(
    ("body", "sender", "agency"),
    [
        ("Hi Sara,\n\nthe client has decided not to progress your application for the Data Analyst role.\n\nLeon\nBrookvale Recruitment",
         "Leon Marsh <leon@brookvalerecruitment.co.uk>", True),
        ("Hi Sara,\n\nMy client has reviewed your profile and won't be taking it further.\n\nLisa",
         "Lisa Tran <lisa.tran@kinetic-staffing.com>", True),
        # A firm that is no agency speaks of its own clients too.
        ("Hi Sara,\n\nWe need someone who has presented in front of our clients before, so we won't be moving forward.\n\nTom\nHarlow Advisory",
         "Tom Reid <tom@harlowadvisory.com>", False),
    ],
)
def test_a_recruiter_writing_for_a_client_is_told_from_an_employer(nlp: Language, extractor: Extractor, body: str, sender: str, agency: bool) -> None:
    name, address = parseaddr(sender)
    who = extractor(nlp.make_doc(compose("Your application", body)), Headers(name, address, ""))
    assert who.via_agency is agency


@pytest.mark.parametrize(
    ("body", "sender", "company", "is_agency"),
    [
        # The agency's own name, spelled by its domain: where the job is, it is not.
        ("Sara,\n\nI spoke with the Chair of Wexley Hotels this afternoon. I'm afraid they've decided to appoint the other finalist.\n\n"
         "Regards,\nGareth\n\nGareth Pyke | Partner | Stanhope Search", "Gareth Pyke <gareth.pyke@stanhope-search.com>", "Stanhope Search", True),
        ("Hola Nico:\n\nEl cliente terminó las entrevistas y decidió avanzar con otros dos candidatos.\n\nAbrazo,\nAgustina\nPunto Talento",
         "Agustina Rébora <arebora@puntotalento.com.ar>", "Punto Talento", True),
        # An employer writing for itself is the employer, whatever its name.
        ("Hi Sara,\n\nWe have decided to go with another candidate for the Finance role.\n\nGareth\nStanhope Foods",
         "Gareth Pyke <gareth.pyke@stanhopefoods.com>", "Stanhope Foods", False),
    ],
)
def test_the_agency_that_writes_is_not_where_the_job_is(
    nlp: Language, extractor: Extractor, body: str, sender: str, company: str, is_agency: bool
) -> None:
    name, address = parseaddr(sender)
    who = extractor(nlp.make_doc(compose("Your application", body)), Headers(name, address, ""))
    assert who.company == company
    assert who.company_is_agency is is_agency
