"""The employer named right, and never a person's name: constructions of issue 13 item 4, on spaCy's blank tokenizer."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
import spacy
from spacy.language import Language

from agent.classifier.extract import Extractor, Headers, _display
from agent.classifier.orgs import ascii_forms, clean_org_name, strip_legal, valid_org_name
from agent.classifier.senders import domain_word, is_agency_domain, writer_name
from agent.classifier.signatures import signature
from agent.classifier.text import compose
from agent.classifier.titles import has_role_word


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("en")


@pytest.fixture(scope="module")
def extractor(nlp: Language) -> Extractor:
    return Extractor(nlp.vocab)


def company(nlp: Language, extractor: Extractor, body: str, subject: str = "", sender: str = "") -> str:
    name, addr = parseaddr(sender) if sender else ("", "")
    return extractor(nlp.make_doc(compose(subject, body)), Headers(name, addr, "")).company


@pytest.mark.parametrize(
    ("display", "address", "person"),
    [
        ("Ramón Iturbe", "ramon@iturbe-carpinteria.es", True),  # the address spells the name without its accent
        ("Tobenna Okonkwo", "t@lattice-works.io", True),  # an initial is the whole mailbox
        ("Petra Lindahl", "pl@lindahl-konsult.se", True),  # initials
        ("Abel", "a@quayside-ferries.co", True),
        ("Brackwater", "team@brackwater.app", False),  # one word that does not name the mailbox: a team or a product
        ("Tidemark Freight", "tidemark@myworkday.com", False),  # a hiring tool's mailbox named after the employer
        ("Soren Vale", "no-reply@valehouse.dk", False),
    ],
)
def test_writer_name(display: str, address: str, person: bool) -> None:
    assert bool(writer_name(display, address)) is person


def test_writer_whose_surname_is_in_the_domain_is_not_the_company(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Noor,\n\nWe've had a think and we won't be taking this further. Good luck out there."
    assert company(nlp, extractor, body, "Re: your visit", "Ramón Iturbe <ramon@iturbecarpentry.com>") == ""


def test_first_name_signing_off_is_not_the_company(nlp: Language, extractor: Extractor) -> None:
    body = "Hallo Jonas,\n\nwir haben uns leider für jemand anderen entschieden.\n\nLiebe Grüße\nGesa"
    assert company(nlp, extractor, body, "Re: Bewerbung", "Gesa Wendt <gesa@kornfeld-baeckerei.de>") == ""


def test_initial_and_surname_signing_off_is_not_the_company(nlp: Language, extractor: Extractor) -> None:
    body = "Dear Mr Ilves,\n\nYour papers arrived safely. I shall read them this week.\n\nT. Okonkwo"
    assert company(nlp, extractor, body, "Your application", "Tobenna Okonkwo <t.okonkwo@okonkwo-partners.com>") == ""


def test_family_firm_named_after_the_writer_is_kept(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Sam,\n\nThanks for your interest in Ferreira & Filhos. We have chosen another candidate.\n\nBest,\nLuis Ferreira"
    assert company(nlp, extractor, body, "Your application", "Luis Ferreira <luis@ferreirafilhos.pt>") == "Ferreira & Filhos"


@pytest.mark.parametrize(
    ("signature", "employer"),
    [
        ("Personalamt Landkreis Oberfurt", "Landkreis Oberfurt"),  # a department before the name, in German
        ("Reclutamiento Grupo Olivar", "Grupo Olivar"),
        ("Service recrutement Maison Aubrac", "Maison Aubrac"),
        ("Werving Stichting Duinzicht", "Stichting Duinzicht"),
        ("Ausbildung Sparkasse Ostalb-Ries", "Sparkasse Ostalb-Ries"),  # who trains, of whom
        ("Dienst Personeel Stad Zeelbeek", "Stad Zeelbeek"),
        ("Recruitment Van Dalen Logistics", "Van Dalen Logistics"),
    ],
)
def test_department_before_the_name_is_cut(nlp: Language, extractor: Extractor, signature: str, employer: str) -> None:
    body = f"Dear applicant,\n\nThank you for applying. We have chosen another candidate.\n\nKind regards,\nJana Roth\n{signature}"
    assert company(nlp, extractor, body) == employer


@pytest.mark.parametrize("function", ["Personalamt", "Recrutement", "Reclutamiento", "Human Resources", "Le Service Ressources Humaines"])
def test_a_department_alone_is_no_company(nlp: Language, extractor: Extractor, function: str) -> None:
    body = f"Dear applicant,\n\nThank you for applying. We have chosen another candidate.\n\nKind regards,\n{function}"
    assert company(nlp, extractor, body) == ""


@pytest.mark.parametrize("subject", ["Portfolio", "Timeline", "Bestätigung"])
def test_one_word_only_the_subject_holds_is_no_company(nlp: Language, extractor: Extractor, subject: str) -> None:
    body = "Hi Sam,\n\nThanks for sending it over. We have decided to go with someone else.\n\nDmitri"
    assert company(nlp, extractor, body, subject, "Dmitri Volkov <dmitri@trellisgrid.com>") == ""


def test_one_word_subject_the_domain_spells_is_the_company(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Sam,\n\nThanks for sending it over. We have decided to go with someone else.\n\nDmitri"
    assert company(nlp, extractor, body, "Trellisgrid", "Dmitri Volkov <dmitri@trellisgrid.com>") == "Trellisgrid"


def test_a_sign_off_that_opens_like_a_greeting_is_still_a_sign_off() -> None:
    text = "Re: Bewerbung\n\nHallo Jonas,\n\nwir haben uns leider anders entschieden. Viel Erfolg weiterhin!\n\nLiebe Grüße\nGesa"
    assert signature(text, lambda _name: False) == ("Gesa", "")


def test_a_name_after_a_sign_off_on_one_line_is_the_writer() -> None:
    text = "Update\n\nHoi Bas,\n\nHet wordt helaas niks, we hebben iemand anders gekozen. Succes!\n\nGroet, Rick"
    assert signature(text, lambda _name: False) == ("Rick", "")


def test_organisation_line_above_an_automatic_footer_stays(nlp: Language, extractor: Extractor) -> None:
    body = ("Guten Tag,\n\nIhre Unterlagen sind vollständig bei uns angekommen. Wir melden uns nach Ablauf der Frist.\n\n"
            "Quellbrunn Haustechnik GmbH\nDiese Nachricht wurde automatisch erstellt, bitte antworten Sie nicht darauf.")
    assert company(nlp, extractor, body, "Eingangsbestätigung", "noreply@karriere-portal-qb.de") == "Quellbrunn Haustechnik"


def test_platform_address_above_a_footer_is_still_cut(nlp: Language, extractor: Extractor) -> None:
    body = ("Hi Ines,\n\nYour application for Line Cook was sent.\n\n"
            "Shiftbox Ltd · 14 Mill Road, Leeds\nYou are receiving this email because you applied through us.")
    assert company(nlp, extractor, body, "Application sent", "Shiftbox <noreply@shiftbox.example>") != "Shiftbox Ltd"


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("Kreiswerke Altmoor – Personal <bewerbung@kreiswerke-altmoor.de>", "Kreiswerke Altmoor"),  # 'Personal' is who in the firm, not which firm
        ("Conservas Ribeira – Selección <seleccion@conservasribeira.es>", "Conservas Ribeira"),
        ("Conservas Ribeira · Empleo <empleo@conservasribeira.es>", "Conservas Ribeira"),
    ],
)
def test_a_sender_function_after_the_name_is_not_the_employer(nlp: Language, extractor: Extractor, sender: str, expected: str) -> None:
    body = "Guten Tag,\n\nwir haben Ihre Unterlagen erhalten und prüfen sie in den nächsten Wochen."
    assert company(nlp, extractor, body, "Ihre Unterlagen", sender) == expected


@pytest.mark.parametrize("name", ["Ashdown Private", "Millbrook Tool Share"])
def test_private_and_share_may_close_a_name(name: str) -> None:
    assert valid_org_name(name)


@pytest.mark.parametrize("phrase", ["Private and Confidential", "Share Your Availability"])
def test_private_and_share_opening_a_phrase_name_no_one(phrase: str) -> None:
    assert not valid_org_name(phrase)


def test_writer_signing_on_behalf_is_not_the_company(nlp: Language, extractor: Extractor) -> None:
    body = ("Sehr geehrte Frau Roth,\n\nleider können wir Ihnen die Stelle nicht anbieten.\n\nMit freundlichen Grüßen\nIm Auftrag\n"
            "Henrike Olbers\nAmt für Wasserwirtschaft Sollingen\nReferat 4 – Personal")
    assert company(nlp, extractor, body, "Ihre Bewerbung", "Henrike Olbers <h.olbers@wasser-sollingen.de>") == "Amt für Wasserwirtschaft Sollingen"


def test_a_chair_signing_names_its_university(nlp: Language, extractor: Extractor) -> None:
    body = ("Liebe Frau Sommer,\n\nwir haben uns für eine andere Bewerberin entschieden.\n\nBeste Grüße\nProf. Dr. Anke Lorenz\n"
            "Lehrstuhl für Angewandte Statistik\nUniversität Kaltenbrunn")
    assert company(nlp, extractor, body, "Hilfskraftstelle", "Anke Lorenz <lorenz@uni-kaltenbrunn.de>") == "Universität Kaltenbrunn"


def test_a_unit_of_the_town_hall_is_never_the_employer(nlp: Language, extractor: Extractor) -> None:
    # 'Sachgebiet' opened a name that lost its department word and then stood alone as the employer.
    body = ("Sehr geehrter Herr Brandt,\n\nwir haben uns für andere Bewerberinnen und Bewerber entschieden.\n\nMit freundlichen Grüßen\n"
            "Im Auftrag\n\nMarlene Kühn\nHauptamt – Sachgebiet Personalgewinnung\nMarktstraße 4, 99999 Lindenbrück")
    got = company(nlp, extractor, body, "Ihre Bewerbung", "Gemeinde Lindenbrück – Hauptamt <personal@lindenbrueck.de>")
    assert "Sachgebiet" not in got


@pytest.mark.parametrize("subject", ["Zusage!", "Dienstvertrag", "Gespräch am Dienstag", "Checking in", "Entrevista"])
def test_a_subject_that_says_what_the_message_is_names_no_one(nlp: Language, extractor: Extractor, subject: str) -> None:
    body = "Hi Robin,\n\nlet's talk on Thursday about the next steps.\n\nMaren"
    assert company(nlp, extractor, body, subject, "Maren <maren@gmail.com>") == ""


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Good news", "Hi Tomas,\n\nBexley Dental Care viewed your application for Dental Nurse yesterday.\n\nSee your applications"),
        ("Your application", "Hi Tomas,\n\nYour application to Bexley Dental Care was delivered. Good luck!\n\nSee your applications"),
        ("An update", "Hi Tomas,\n\nThere is an update from Bexley Dental Care on your application.\n\nSee your applications"),
    ],
)
def test_a_job_board_notifying_for_an_employer_names_the_employer(nlp: Language, extractor: Extractor, subject: str, body: str) -> None:
    assert company(nlp, extractor, body, subject, "Jobloft <notifications@jobloft.io>") == "Bexley Dental Care"


def test_an_employers_own_no_reply_mail_keeps_its_name(nlp: Language, extractor: Extractor) -> None:
    body = (
        "Hi Tomas,\n\nThanks for applying to Fennick Foods. Fennick Foods reviews every application by hand.\n"
        "If you have questions at Reception, ask for the duty manager.\n\nFennick Foods Careers"
    )
    assert company(nlp, extractor, body, "Thanks for applying", "Fennick Foods <noreply@fennickfoods.co.uk>") == "Fennick Foods"


@pytest.mark.parametrize(
    "body",
    [
        "Your onsite with Calloway Robotics is confirmed for Monday at 10:00.",
        "Calloway Robotics has scheduled your first interview for Monday at 10:00.",
    ],
)
def test_a_tool_announcing_a_meeting_names_the_employer(nlp: Language, extractor: Extractor, body: str) -> None:
    assert company(nlp, extractor, body, "Interview details", "Slotly <no-reply@slotly.io>") == "Calloway Robotics"


def test_a_person_acting_on_an_application_is_not_the_employer(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Tomas,\n\nMarta viewed your application this morning and will be in touch.\n\nThe Jobloft team"
    assert company(nlp, extractor, body, "Good news", "Jobloft <notifications@jobloft.io>") != "Marta"


@pytest.mark.parametrize(
    ("key", "spelling"),
    [("bodegasmontaña", "bodegasmontana"), ("glasbrücke", "glasbruecke"), ("glasbrücke", "glasbrucke"), ("straße", "strasse")],
)
def test_a_domain_may_spell_a_name_without_its_accents(key: str, spelling: str) -> None:
    assert spelling in ascii_forms(key)


def test_a_name_the_domain_spells_without_accents_is_the_employer(nlp: Language, extractor: Extractor) -> None:
    body = "Hola Marta:\n\nHemos recibido tu candidatura y la revisaremos pronto.\n\nUn saludo,\nPanaderías Almendro"
    assert company(nlp, extractor, body, "Candidatura recibida", "empleo@panaderiasalmendro.es") == "Panaderías Almendro"


@pytest.mark.parametrize("word", ["Headteacher", "Deputy Headteacher", "Praxismanagerin", "Filialleiterin"])
def test_a_title_written_as_one_word_names_no_one(word: str) -> None:
    assert not valid_org_name(word)


@pytest.mark.parametrize("name", ["Prairie Wind Cooperative", "Seetal Treuhand", "Lemarchand"])
def test_a_name_closing_in_a_short_role_noun_is_still_a_name(name: str) -> None:
    assert valid_org_name(name)


@pytest.mark.parametrize("text", ["1 September 2026", "3rd April", "Room 4B"])
def test_a_date_or_a_room_names_no_one(text: str) -> None:
    assert not valid_org_name(text)


@pytest.mark.parametrize(
    ("lines", "domain", "expected"),
    [
        ("Tallow & Wick, Ledbury", "tallowandwick.co.uk", "Tallow & Wick"),  # the town after a comma on the organisation's line
        ("Kornblume – Büro für Gestaltung\nLüneburg · kornblume-studio.de", "kornblume-studio.de", "Kornblume"),  # a town line below
        ("Harewood Cider Press\nLedbury", "harewoodcider.co.uk", "Harewood Cider Press"),
    ],
)
def test_a_town_in_the_signature_is_not_the_employer(nlp: Language, extractor: Extractor, lines: str, domain: str, expected: str) -> None:
    body = f"Hi Sam,\n\nwe have filled the role, sorry to say.\n\nBest wishes,\nMaeve\n\n{lines}"
    assert company(nlp, extractor, body, "The role", f"Maeve Doyle <maeve@{domain}>") == expected


def test_a_writer_whose_name_opens_the_domain_is_not_picked_over_a_town(nlp: Language, extractor: Extractor) -> None:
    body = "Hi Sam,\n\nthe listing below is new this week.\n\nOrla Penhallow\nPenzance"
    assert company(nlp, extractor, body, "New listing", "Orla Penhallow <orla@orlapenhallow.com>") != "Orla Penhallow"


@pytest.mark.parametrize("text", ["De: Lucía Ferrer", "Van: Joost Bakker", "Examiner: P. Allard"])
def test_a_field_label_before_a_name_names_no_organisation(text: str) -> None:
    assert not valid_org_name(text)


def test_an_accented_organisation_line_is_not_taken_for_the_writer(nlp: Language, extractor: Extractor) -> None:
    body = "Bonjour,\n\nvotre profil n'a pas été retenu pour cette mission.\n\nÉlan Intérim – Agence de Roubaix"
    assert company(nlp, extractor, body, "Mission cariste", "Élan Intérim <contact@elan-interim.fr>") == "Élan Intérim"


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("Personeelszaken Gemeente Veldhoven-Oost", "Gemeente Veldhoven-Oost"),
        ("Werken bij Zeilmakerij Grote Wind", "Zeilmakerij Grote Wind"),
        ("P&O Stichting Kinderwerk Duinrand", "Stichting Kinderwerk Duinrand"),
        ("RR. HH. Conservas del Cantábrico", "Conservas del Cantábrico"),
        ("Equipo de Talento de Brasa Viva", "Brasa Viva"),
        ("Dirección de Personas Viñedos Altamar", "Viñedos Altamar"),
        ("Studierendensekretariat Hochschule Auental", "Hochschule Auental"),
        ("Talent Team Harrowgate Foods", "Harrowgate Foods"),
    ],
)
def test_a_sender_function_before_the_organisation_is_cut(display: str, expected: str) -> None:
    assert clean_org_name(display) == expected


@pytest.mark.parametrize("text", ["de Selección", "des", "der Stelle", "in January"])
def test_the_tail_of_a_phrase_opening_with_a_small_connector_names_no_one(text: str) -> None:
    assert not valid_org_name(text)


@pytest.mark.parametrize("name", ["De Gouden Karper", "Van Dalen Logistics", "Talento Norte Consultores"])
def test_a_name_opening_with_a_capitalised_connector_or_a_function_word_of_its_own_stays(name: str) -> None:
    assert valid_org_name(name) and clean_org_name(name) == name


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("marta@quesosdelvalle.com.uy", "quesosdelvalle"),  # a country after a kind: both are suffixes
        ("pedro@panaderiaelsol.mx", "panaderiaelsol"),
        ("ines@huertacomun.coop", "huertacomun"),  # a kind of organisation as the last label
        ("recruitment@northfell.police.uk", "northfell"),  # a second-level label naming a sector
        ("bewerbung@gemeinde-obertal.gv.at", "gemeindeobertal"),
        ("jobs@acme-careers.com", "acme"),
        ("noreply@werkenbijdekorenschuur.nl", "dekorenschuur"),  # 'werken bij' (work at) opens a careers site's domain
        ("noreply@tuincentrum-bloei-werkenbij.nl", "tuincentrumbloei"),
        ("luis@tallerruiz.example.es", "tallerruiz"),  # RFC 2606's 'example' standing in for a real suffix
        ("jane@example.com", ""),  # and alone naming no one
    ],
)
def test_the_domain_word_is_never_a_country_or_a_kind_of_organisation(address: str, expected: str) -> None:
    assert domain_word(address) == expected


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("Fenja von Kistenwerk <fenja@kistenwerk.de>", "Kistenwerk"),  # 'Fenja of Kistenwerk', the domain spells it
        ("Aurélie de Tisserand <aurelie@tisserand-atelier.fr>", "Tisserand"),
    ],
)
def test_a_first_name_of_an_organisation_in_the_display_names_the_organisation(
    nlp: Language, extractor: Extractor, sender: str, expected: str
) -> None:
    body = "Hallo,\n\nwir haben die Stelle leider schon vergeben.\n\nViele Grüße"
    assert company(nlp, extractor, body, "Deine Bewerbung", sender) == expected


@pytest.mark.parametrize("display", ["Ursula von der Leyen", "Anna de Vries", "Mairie de Bréville"])
def test_a_surname_particle_or_a_place_after_a_function_is_not_read_as_at(display: str) -> None:
    assert _display(display, "x@" + display.split()[-1].lower() + ".eu", display.split()[-1].lower()) == display


@pytest.mark.parametrize(
    ("body", "subject", "sender", "expected"),
    [
        ("Hi Ravi,\n\nI'm writing on behalf of our client Quillmere Foods: they have chosen to go ahead with another applicant for the"
         " buyer post.\n\nWarm regards,\nTilly Okoro\nBramblegate Talent", "Buyer post", "Tilly Okoro <tilly@bramblegatetalent.co.uk>",
         "Quillmere Foods"),
        ("Hi Jo,\n\nI heard back from my client, Orla Shipping, this morning: they are not taking your application further.\n\nCheers,\n"
         "Kerry Dunn\nBrightwick Talent", "Following up", "Kerry Dunn <kerry.dunn@brightwicktalent.com>", "Orla Shipping"),
        ("Hi Jo,\n\nStrathmoor Analytics's talent team asked me to let you know that the role has gone to someone else.\n\nBest,\n"
         "Sam Reed\nFoxhollow People", "Your application", "Sam Reed <sam@foxhollowpeople.com>", "Strathmoor Analytics"),
        ("Bonjour Léa,\n\nNotre client, Fromagerie Dubreuil, a retenu une autre candidate pour le poste.\n\nCordialement,\nMarc Vidal\n"
         "Consultant, Orniac RH", "Votre candidature", "Marc Vidal <m.vidal@orniac-rh.fr>", "Fromagerie Dubreuil"),
        ("Beste Tom,\n\nIk sprak vanochtend met onze opdrachtgever, Zeeland Verzekeringen, over jouw tweede gesprek. Ze kiezen voor een"
         " andere kandidaat.\n\nGroet,\nIlse Bakker\nNoordkant Werving", "Terugkoppeling", "Ilse Bakker <ilse@noordkant-werving.nl>",
         "Zeeland Verzekeringen"),
        ("Hallo Herr Brandt,\n\nunser Mandant, die Falkenau Logistik, hat sich für einen anderen Kandidaten entschieden.\n\nBeste Grüße\n"
         "Jana Roth\nRoth Personalberatung", "Rückmeldung", "Jana Roth <j.roth@roth-personal.de>", "Falkenau Logistik"),
        ("Hola Marta:\n\nNuestro cliente, Conservas Ribera, ha decidido seguir con otra candidata.\n\nUn saludo,\nLuis Gil\nGil Talento",
         "Tu candidatura", "Luis Gil <luis@giltalento.es>", "Conservas Ribera"),
        # 'the client' does not hide a client the email names in an employer's place
        ("Hi Dana,\n\nI had word from Harwick & Lowe this morning. The client has decided to go with someone who has more litigation"
         " experience.\n\nBest,\nRosa Diaz\nLedgerline Legal Search", "Harwick & Lowe", "Rosa Diaz <rosa@ledgerlinesearch.com>",
         "Harwick & Lowe"),
        # a studio that is no agency speaks of its own customers: it is still the employer
        ("Hi Theo,\n\nOur largest client has just moved their work in-house, so I cannot hire a designer this spring after all. I am"
         " sorry.\n\nIngrid\nFjordlight Design", "Bad timing", "Ingrid Berg <ingrid@fjordlight-design.no>", "Fjordlight Design"),
        # an agency's unnamed client: neither the agency nor the candidate's current employer
        ("Dear Robert,\n\nI am running a search for one of my clients, a family-owned dairy. Your years at Hollow Creek Farms caught my"
         " eye. Could we talk?\n\nMaggie Voss\nVoss & Tate Executive Search", "Confidential", "Maggie Voss <maggie@vossandtate.com>", ""),
    ],
)
def test_an_agency_writing_about_a_client_it_names_names_the_client(
    nlp: Language, extractor: Extractor, body: str, subject: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, subject, sender) == expected


@pytest.mark.parametrize(
    ("address", "agency"),
    [
        ("kerry@brightwicktalent.com", True),
        ("m.vidal@orniac-rh.fr", True),  # 'rh' standing alone
        ("tom@garrickrecruitment.co.uk", True),
        ("jobs@buehnen-rheinfurt.de", False),  # 'rh' opening a word
        ("lab@alderresearch.org", False),  # 'research' only looks like 'search'
        ("x@fieldingshaw.recruitee.com", False),  # a hiring tool sends for anyone
    ],
)
def test_a_recruitment_agencys_domain(address: str, agency: bool) -> None:
    assert is_agency_domain(address) is agency


def test_a_gig_boards_client_field_names_the_employer(nlp: Language, extractor: Extractor) -> None:
    body = ("Hi Ana,\n\nThe client has hired another freelancer for this job.\n\nJob: Brand refresh for a tea shop\nClient: Mossgate Teas\n"
            "Budget: $800\n\nKeep bidding!")
    assert company(nlp, extractor, body, "Update on your proposal", "Taskorama <notifications@taskorama.io>") == "Mossgate Teas"


@pytest.mark.parametrize(
    ("body", "sender", "expected"),
    [
        ("Beste Sanne,\n\nBedankt voor je sollicitatie. We hebben gekozen voor een andere kandidaat.\n\nMet vriendelijke groet,\nJoost de Wit\n"
         "Filiaalmanager Supermarkt De Linde", "", "Supermarkt De Linde"),
        ("Hallo Frau Kern,\n\nleider haben wir uns für eine andere Bewerberin entschieden.\n\nViele Grüße\nTim Vogt\n"
         "Filialleiter Buchhandlung Seitenwind", "", "Buchhandlung Seitenwind"),
        ("Hola Ana:\n\nGracias por tu interés. Hemos elegido a otra persona.\n\nSaludos,\nPilar Ruiz\nJefa de Sala Restaurante El Olivo", "",
         "Restaurante El Olivo"),
        ("Hi Sam,\n\nThanks for interviewing. We went with someone else.\n\nBest,\nPriya\nTech Lead Quarrybit", "", "Quarrybit"),
        ("Beste Kim,\n\nHelaas kiezen we voor een andere kandidaat.\n\nGroet,\nNoor", "HR-adviseur Thuiszorg Het Anker <noor@hetanker-zorg.nl>",
         "Thuiszorg Het Anker"),
        # a title after a separator was always cut; it stays so
        ("Dear Amir,\n\nWe have decided to offer the job to another applicant.\n\nBest wishes,\nKate Moss\nStore Manager, Hollybrook Garden Centre",
         "", "Hollybrook Garden Centre"),
    ],
)
def test_a_job_title_before_the_organisation_on_one_line_is_cut(
    nlp: Language, extractor: Extractor, body: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, "Your application", sender) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Van Hove Executive Search", "Van Hove Executive Search"),  # 'Executive' is a title's word, 'Van Hove' is not
        ("Principal Financial Group", "Principal Financial Group"),  # one plain role noun opens real names
        ("Head of School", "Head of School"),  # what follows 'of' is the title's field
        ("Accountmanager Food", "Accountmanager Food"),  # a sector after a title, not a name
    ],
)
def test_a_name_that_only_looks_like_a_title_before_a_name_keeps_it(text: str, expected: str) -> None:
    assert clean_org_name(text) == expected


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Vertriebsmitarbeiterin", True),  # a stem as a compound's head, inflected
        ("Pflegefachkraft", True),
        ("Leiterin Kundenservice", True),
        ("Docenten Engels", True),
        ("Technicienne de maintenance", True),
        ("Windkraft Elbtal", False),  # 'Kraft' is power here, not staff
        ("Leiterplatten Gruber", False),  # a stem's letters opening another word
        ("Commission d'attribution", False),  # 'commis' inside 'commission'
        ("Referentie", False),
    ],
)
def test_a_title_stem_counts_as_a_word_or_a_compounds_head(text: str, role: bool) -> None:
    assert has_role_word(text) is role


@pytest.mark.parametrize(
    ("body", "sender", "expected"),
    [
        ("Sehr geehrter Herr Abel,\n\nvielen Dank für Ihre Bewerbung bei Stromkraft Elbtal. Leider müssen wir Ihnen absagen.\n\n"
         "Mit freundlichen Grüßen\nPersonalabteilung", "Stromkraft Elbtal <karriere@stromkraft-elbtal.de>", "Stromkraft Elbtal"),
        ("Hallo Jonas,\n\ndanke für dein Interesse an Leiterplatten Haug. Wir haben die Stelle anderweitig besetzt.\n\nViele Grüße\n"
         "Leiterplatten Haug GmbH", "Leiterplatten Haug <jobs@leiterplatten-haug.de>", "Leiterplatten Haug"),
    ],
)
def test_an_organisation_whose_name_holds_a_stems_letters_is_named(
    nlp: Language, extractor: Extractor, body: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, "Ihre Bewerbung", sender) == expected


@pytest.mark.parametrize(
    ("body", "sender", "expected"),
    [
        ("Dear Ms Rowe,\n\nThank you for your interest in working at St Elphin's. The panel has appointed another candidate.\n\n"
         "Kind regards,\nHR Office\nSt Elphin's High School", "HR <hr@stelphinhigh.sch.uk>", "St Elphin's High School"),
        ("Dear Mr Okoro,\n\nEveryone at St Wilfrid's was glad to meet you, but the governors have appointed another candidate.\n\n"
         "Yours sincerely,\nJ. Pike\nSt Wilfrid's Catholic College", "School Office <office@stwilfrids.org.uk>", "St Wilfrid's Catholic College"),
        ("Dear Holly,\n\nThanks for the day with us. We've offered it to someone else.\n\nMrs Agnew\nDeputy Head, St Oswin's Primary",
         "Fiona Agnew <f.agnew@stoswins.sch.uk>", "St Oswin's Primary"),  # 'St' opening a line is a saint, not a street
        ("Hi Dylan,\n\nThanks for the trial shift. We won't be putting you on the rota.\n\nFergal\nThe Tanner's Arms, Kilkenny",
         "Fergal Brennan <fergal@thetannersarms.ie>", "Tanner's Arms"),  # the domain spells the whole name, not the town
        # a possessive before a function only an organisation has still gives the organisation alone
        ("Hi Jo,\n\nAcme's hiring team asked me to say the role has gone to someone else.\n\nBest,\nSam", "Sam Reed <sam@reedtalentco.com>",
         "Acme"),
    ],
)
def test_a_possessive_inside_a_name_stays_in_it(nlp: Language, extractor: Extractor, body: str, sender: str, expected: str) -> None:
    assert company(nlp, extractor, body, "Your application", sender) == expected


@pytest.mark.parametrize(
    ("body", "subject", "sender", "expected"),
    [
        ("Dear Applicant,\n\nVacancy: Executive Officer - Licensing\nDepartment: Department for Coastal Affairs\n\nThank you for applying. "
         "Unfortunately your application has not been progressed.\n\nThank you for your interest in working for the Civil Service.",
         "Application outcome", "Civil Service Jobs <noreply@csjobs.service.gov.uk>", "Department for Coastal Affairs"),
        ("Dear Ruth Abara,\n\nJob title: Healthcare Assistant\nEmployer: Fenmoor Community NHS Trust\n\nThank you for your application. "
         "The employer will review it after the closing date.", "Your NHS Jobs application", "NHS Jobs <no-reply@jobs.nhs.uk>",
         "Fenmoor Community NHS Trust"),
        # the council's name under 'Please do not reply', not the subject's 'Council'
        ("Dear Applicant,\n\nThank you for applying for the role of Library Assistant. We will review all applications after the closing "
         "date.\n\nPlease do not reply to this email.\nBrackley Borough Council", "Council vacancy - application received",
         "e-Recruitment <erecruitment@brackleybc.gov.uk>", "Brackley Borough Council"),
        ("Your application has been received.\n\nPosition: Records Technician\nAgency: Bureau of Land Records\n\nPlease do not reply to this "
         "message.", "Application received", "Federal Hiring Notifications <notifications@apply-federaljobs.gov>", "Bureau of Land Records"),
        ("Estimada Sra. Gil:\n\nLe informamos de que el proceso selectivo queda suspendido hasta nueva resolución.\n\nAtentamente,\n"
         "Servicio de Recursos Humanos", "Convocatoria de auxiliar administrativo",
         "Ayuntamiento de Villaseca – Recursos Humanos <rrhh@villaseca.es>", "Ayuntamiento de Villaseca"),
        ("Madame,\n\nNous avons le regret de vous informer que votre candidature n'a pas été retenue.\n\nLa Directrice des ressources "
         "humaines", "Votre candidature", "Préfecture du Morvan – Bureau des ressources humaines <pref-rh@morvan.gouv.fr>", "Préfecture du Morvan"),
    ],
)
def test_a_public_employer_is_named_not_the_portal_or_its_office(
    nlp: Language, extractor: Extractor, body: str, subject: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, subject, sender) == expected


@pytest.mark.parametrize("text", ["Civil Service", "NHS Jobs", "Arbeitsagentur", "Council", "Servicio", "Ministère"])
def test_a_portal_or_a_kind_of_organisation_alone_names_no_one(text: str) -> None:
    assert not valid_org_name(clean_org_name(text))


@pytest.mark.parametrize(
    ("body", "sender", "expected"),
    [
        ("Hola Iván:\n\nGracias por venir a la prueba. Al final nos quedamos con otra persona.\n\nLuis\nBrasa Norte – Cuenca",
         "Luis Ruiz <luis@brasanorte.example.es>", "Brasa Norte"),
        ("Beste Mila,\n\nWe hebben gekozen voor een andere kandidaat.\n\nMet vriendelijke groet,\nPetra Smit\nHR-manager\nWarmtenet, Deventer",
         "Petra Smit <p.smit@warmtenet.example.nl>", "Warmtenet"),
    ],
)
def test_the_domain_tells_the_organisation_from_its_town_on_one_line(
    nlp: Language, extractor: Extractor, body: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, "Re: candidatura", sender) == expected


@pytest.mark.parametrize(
    ("body", "subject", "sender", "expected"),
    [
        ("Hi Tess,\n\nBrindlewood Pharmacy just looked at your application for Counter Assistant. Keep your phone handy!\n\nGood luck!",
         "Good news about your application", "Shiftly <notifications@shiftly.com>", "Brindlewood Pharmacy"),
        ("Hi Omar,\n\nYou're all set. Your application has been submitted to Harrow Vale Clinic.\n\nCareerHop · Please do not reply.",
         "Application submitted", "CareerHop <alerts@careerhop.org>", "Harrow Vale Clinic"),
        ("Hi Bea,\n\nThis job is no longer accepting applications. Your application stays on file with the employer.\n\nJobwell",
         "Posting closed: Barista at Moss Grain Roasting", "Jobwell <no-reply@jobwell.com>", "Moss Grain Roasting"),
        # 'at' after no job title names a place, not an employer
        ("Motion detected\n\nCamera: Front Door\n\nView clip in the app.", "Motion detected at Front Door", "Homecam <alerts@homecam.io>",
         "Homecam"),
    ],
)
def test_a_job_boards_notice_names_the_employer_not_the_board(
    nlp: Language, extractor: Extractor, body: str, subject: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, subject, sender) == expected


@pytest.mark.parametrize(
    ("body", "subject", "sender", "expected"),
    [
        ("Hello love,\n\nAre you still coming on Sunday? I've got the beef in.\n\nMum x", "Sunday", "Mum <carol.benn@homewire.net>", ""),
        ("Calum has declined this invitation.\n\nWhen: Thursday 10:00\nOrganiser: you", "Declined: Weekly planning sync",
         "Calum Reid <calum@brackenfold.co.uk>", ""),  # a calendar reply's word, like 'Re:', names no one
        ("Sehr geehrte Frau Lenz,\n\nleider können wir Ihnen keine Stelle anbieten.\n\nMit freundlichen Grüßen\nJana Keller\nRechtsanwältin",
         "Ihre Bewerbung", "", ""),
        ("Sehr geehrter Herr Abt,\n\ndie Kommission hat sich für eine andere Bewerberin entschieden.\n\nMit besten Grüßen\nJonas Wendt\n"
         "Vorsitzender der Auswahlkommission", "Ihre Bewerbung", "Prof. Dr. Jonas Wendt <wendt@hs-auental.de>", ""),
        ("Beste Lotte,\n\nWe hebben gekozen voor een andere kandidaat.\n\nGroet,\nMarieke\nCoördinator Speeltuin De Vlinder", "Je sollicitatie",
         "", "Speeltuin De Vlinder"),
        ("Madame,\n\nVotre candidature n'a pas été retenue.\n\nClaire Roussel\nProfesseure", "Votre candidature", "", ""),
    ],
)
def test_a_person_a_family_word_or_a_title_is_never_the_employer(
    nlp: Language, extractor: Extractor, body: str, subject: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, subject, sender) == expected


@pytest.mark.parametrize(
    ("body", "sender", "expected"),
    [
        ("Bonjour,\n\nNous avons retenu une autre candidature. Bonne continuation.\n\nCordialement",
         "Clinique vétérinaire des Peupliers <accueil@cliniquevet-peupliers.fr>", "Clinique vétérinaire des Peupliers"),
        ("Madame,\n\nVotre candidature n'a pas été retenue.\n\nCordialement,\nLe service des ressources humaines\n"
         "Communauté de communes du Haut-Lignon", "", "Communauté de communes du Haut-Lignon"),
        ("Hallo Tim,\n\nwir haben uns für jemand anderen entschieden.\n\nViele Grüße", "Bäckerei Lindner <info@baeckerei-lindner.de>",
         "Bäckerei Lindner"),
        ("Hallo Frau Graf,\n\nleider können wir Ihnen keinen Praktikumsplatz anbieten.\n\nViele Grüße",
         "Wolkenstück Übersetzungen <praktikum@wolkenstueck.eu>", "Wolkenstück Übersetzungen"),  # the domain spells 'ü' as 'ue'
        ("Beste Sam,\n\nWe hebben iemand anders gevonden.\n\nGroet", "Apotheek Het Anker <apotheek@hetanker-apotheek.nl>", "Apotheek Het Anker"),
        ("Hola Leo:\n\nAl final hemos cogido a otra persona. ¡Suerte!", "Taberna La Parra <tabernalaparra@gmail.com>", "Taberna La Parra"),
    ],
)
def test_an_organisation_in_the_display_name_or_signature_is_named_as_written(
    nlp: Language, extractor: Extractor, body: str, sender: str, expected: str
) -> None:
    assert company(nlp, extractor, body, "Re: candidature", sender) == expected


@pytest.mark.parametrize("text", ["Office move", "Centre de gestion", "Hospital services consultation"])
def test_lowercase_words_after_a_head_make_a_name_only_up_to_a_capitalised_end(text: str) -> None:
    assert not valid_org_name(text)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Re: Warehouse position", "Hi Jay,\n\nSorry, we've filled it.\n\nCheers"),  # the job, before 'position'
        ("Admin role", "Hi Jo,\n\nThanks for coming in, but we went with someone else."),
        ("Quick update", "Hi Sam,\n\nJust a quick note: the team has chosen another candidate."),
        ("Re: Samstag", "Hallo Jana,\n\nklappt leider nicht, wir haben schon jemanden.\n\nLG"),  # a day
        ("Re: Easter", "Hi love,\n\nAre you coming up for Easter?\n\nx"),
    ],
)
def test_a_subject_word_that_says_when_or_which_job_names_no_employer(nlp: Language, extractor: Extractor, subject: str, body: str) -> None:
    assert company(nlp, extractor, body, subject) == ""


@pytest.mark.parametrize(
    ("name", "bare"),
    [
        ("Jugendwerk Emsaue e. V.", "Jugendwerk Emsaue"),  # a legal form written with a space is still one
        ("Tafel Nord e.V.", "Tafel Nord"),
        ("Logisur S.A.", "Logisur"),
        ("Harbour Freight Ltd", "Harbour Freight"),
        ("Emsaue Verein", "Emsaue Verein"),
    ],
)
def test_a_legal_form_is_cut_from_the_name(name: str, bare: str) -> None:
    assert strip_legal(name) == bare
