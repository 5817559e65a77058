"""agent/drafts/employer.py: the employer's name with the article and preposition its first noun asks for."""

from __future__ import annotations

import pytest

from agent.drafts.employer import employer_phrases, tables

FRENCH = [
    # name, de, chez, le
    ("Airbus", "d’Airbus", "chez Airbus", "Airbus"),
    ("Sofimeca", "de Sofimeca", "chez Sofimeca", "Sofimeca"),
    ("Orange", "d’Orange", "chez Orange", "Orange"),
    ("Hermès", "d’Hermès", "chez Hermès", "Hermès"),
    ("Hachette Livre", "de Hachette Livre", "chez Hachette Livre", "Hachette Livre"),
    ("Yoplait", "de Yoplait", "chez Yoplait", "Yoplait"),
    ("Collège Jean-Moulin", "du Collège Jean-Moulin", "au Collège Jean-Moulin", "le Collège Jean-Moulin"),
    ("Mairie de Lyon", "de la Mairie de Lyon", "à la Mairie de Lyon", "la Mairie de Lyon"),
    ("École des Mines", "de l’École des Mines", "à l’École des Mines", "l’École des Mines"),
    ("Hôpital Nord", "de l’Hôpital Nord", "à l’Hôpital Nord", "l’Hôpital Nord"),
    ("Éditions du Seuil", "des Éditions du Seuil", "aux Éditions du Seuil", "les Éditions du Seuil"),
    ("CHU de Nantes", "du CHU de Nantes", "au CHU de Nantes", "le CHU de Nantes"),
    ("Hydrovanne", "d’Hydrovanne", "chez Hydrovanne", "Hydrovanne"),  # a mute h, as in "l'hydrogène"
    ("Boulangerie Perrin", "de la Boulangerie Perrin", "à la Boulangerie Perrin", "la Boulangerie Perrin"),
    ("Groupe Bertin", "du Groupe Bertin", "au sein du Groupe Bertin", "le Groupe Bertin"),
    # a name that opens with an article and ordinary words is a place: it contracts after "de" and "à"
    ("Le Relais Fleuri", "du Relais Fleuri", "au Relais Fleuri", "Le Relais Fleuri"),
    ("Le Petit Bistrot", "du Petit Bistrot", "au Petit Bistrot", "Le Petit Bistrot"),
    ("Les Jardins de Marthe", "des Jardins de Marthe", "aux Jardins de Marthe", "Les Jardins de Marthe"),
    ("Au Pain Doré", "du Pain Doré", "au Pain Doré", "Au Pain Doré"),
    ("La Belle Équipe", "de La Belle Équipe", "à La Belle Équipe", "La Belle Équipe"),
    ("La Table de Cana", "de La Table de Cana", "à La Table de Cana", "La Table de Cana"),
    # a restaurant called "Chez Mado" already says where: "serveur Chez Mado", "l'équipe de chez Mado"
    ("Chez Mado", "de chez Mado", "Chez Mado", "Chez Mado"),
    # a firm's own name stays after "chez"
    ("La Poste", "de La Poste", "chez La Poste", "La Poste"),
    ("La Redoute", "de La Redoute", "chez La Redoute", "La Redoute"),
    # … but a surname never does: "du Goff Immobilier" is not French
    ("Le Goff Immobilier", "de Le Goff Immobilier", "chez Le Goff Immobilier", "Le Goff Immobilier"),
    ("Le Floch & Fils", "de Le Floch & Fils", "chez Le Floch & Fils", "Le Floch & Fils"),
    ("Le Petit Atelier", "du Petit Atelier", "au Petit Atelier", "Le Petit Atelier"),
    ("Café Lumière", "du Café Lumière", "au Café Lumière", "le Café Lumière"),
    ("Bar du Port", "du Bar du Port", "au Bar du Port", "le Bar du Port"),
    ("Étude Mabillard & Zufferey", "de l’Étude Mabillard & Zufferey", "à l’Étude Mabillard & Zufferey", "l’Étude Mabillard & Zufferey"),
]


@pytest.mark.parametrize(("name", "de", "chez", "le"), FRENCH)
def test_french_names_take_the_article_and_elision_they_ask_for(name: str, de: str, chez: str, le: str) -> None:
    said = employer_phrases(name, "fr")
    assert (said["de"], said["chez"], said["le"]) == (de, chez, le)


def test_a_french_institution_is_told_from_a_firm() -> None:
    assert employer_phrases("Association Les Petits Frères", "fr")["institution"] is True
    assert employer_phrases("Mairie de Lyon", "fr")["institution"] is True
    assert employer_phrases("Éditions du Seuil", "fr")["institution"] is False  # a publisher is a firm
    assert employer_phrases("Airbus", "fr")["institution"] is False
    assert employer_phrases("Hospices civils de Lyon", "fr")["plural"] is True


@pytest.mark.parametrize(
    ("name", "en", "de"),
    [
        ("Telefónica", "en Telefónica", "de Telefónica"),
        ("Colegio San José", "en el Colegio San José", "del Colegio San José"),
        ("Ayuntamiento de Soria", "en el Ayuntamiento de Soria", "del Ayuntamiento de Soria"),
        ("Universidad de Salamanca", "en la Universidad de Salamanca", "de la Universidad de Salamanca"),
        ("Fundación Mar Abierto", "en la Fundación Mar Abierto", "de la Fundación Mar Abierto"),
        ("El Corte Inglés", "en El Corte Inglés", "de El Corte Inglés"),  # the name brings its own article
    ],
)
def test_spanish_names(name: str, en: str, de: str) -> None:
    assert employer_phrases(name, "es") == {"en": en, "de": de}


@pytest.mark.parametrize(
    ("name", "bei", "von"),
    [
        ("Siemens", "bei Siemens", "von Siemens"),
        ("Stadtverwaltung Halle", "bei der Stadtverwaltung Halle", "von der Stadtverwaltung Halle"),
        ("Universität Bonn", "bei der Universität Bonn", "von der Universität Bonn"),
        ("Klinikum Niederrhein", "beim Klinikum Niederrhein", "vom Klinikum Niederrhein"),
        # An adjective before the noun is declined after the article; a surname that ends like one is not.
        ("Alpenländische Versicherung", "bei der Alpenländischen Versicherung", "von der Alpenländischen Versicherung"),
        ("Städtisches Klinikum Karlsruhe", "beim Städtischen Klinikum Karlsruhe", "vom Städtischen Klinikum Karlsruhe"),
        ("Fischer Versicherung", "bei Fischer Versicherung", "von Fischer Versicherung"),
        ("Deutsche Bank", "bei der Deutschen Bank", "von der Deutschen Bank"),
        ("Frölicher Versicherung", "bei Frölicher Versicherung", "von Frölicher Versicherung"),
        ("Landratsamt Harz", "beim Landratsamt Harz", "vom Landratsamt Harz"),
        ("Stadtwerke Bonn", "bei den Stadtwerken Bonn", "von den Stadtwerken Bonn"),
        # a compound takes the gender of its last part
        ("Volkshochschule Neuss", "bei der Volkshochschule Neuss", "von der Volkshochschule Neuss"),
        ("Kreiskrankenhaus Elbtal", "beim Kreiskrankenhaus Elbtal", "vom Kreiskrankenhaus Elbtal"),
        ("Fraunhofer-Institut für Holzforschung", "beim Fraunhofer-Institut für Holzforschung", "vom Fraunhofer-Institut für Holzforschung"),
        # a brand before the noun (an adjective before it is declined, above)
        ("Helios Klinikum Erfurt", "beim Helios Klinikum Erfurt", "vom Helios Klinikum Erfurt"),
        ("Wunderwald Freizeitpark", "beim Wunderwald Freizeitpark", "vom Wunderwald Freizeitpark"),
        # too short to be a compound
        ("Samt & Seide", "bei Samt & Seide", "von Samt & Seide"),
        # surnames, brands and towns end in "-haus", "-bahn", "-stadt": only the whole word counts
        ("Backhaus Consulting", "bei Backhaus Consulting", "von Backhaus Consulting"),
        ("Funkbahn GmbH", "bei Funkbahn GmbH", "von Funkbahn GmbH"),
        ("Ingolstadt Tourismus", "bei Ingolstadt Tourismus", "von Ingolstadt Tourismus"),
        ("Autohaus Kettler", "beim Autohaus Kettler", "vom Autohaus Kettler"),
        ("Tischlerei Brandl", "bei der Tischlerei Brandl", "von der Tischlerei Brandl"),
        # a second word counts only as the noun itself: the head of "Stadtteilbüro Nordviertel" is the office
        ("Stadtteilbüro Nordviertel", "beim Stadtteilbüro Nordviertel", "vom Stadtteilbüro Nordviertel"),
    ],
)
def test_german_names(name: str, bei: str, von: str) -> None:
    assert employer_phrases(name, "de") == {"bei": bei, "von": von}


@pytest.mark.parametrize(
    ("name", "bij", "van"),
    [
        ("Philips", "bij Philips", "van Philips"),
        ("Gemeente Utrecht", "bij de gemeente Utrecht", "van de gemeente Utrecht"),
        ("Provincie Gelderland", "bij de provincie Gelderland", "van de provincie Gelderland"),
        ("Universiteit Leiden", "bij de Universiteit Leiden", "van de Universiteit Leiden"),
        ("Ziekenhuis Rivierenland", "bij het Ziekenhuis Rivierenland", "van het Ziekenhuis Rivierenland"),
        ("Rijksuniversiteit Groningen", "bij de Rijksuniversiteit Groningen", "van de Rijksuniversiteit Groningen"),
        ("Amsterdam UMC", "bij het Amsterdam UMC", "van het Amsterdam UMC"),
        ("De Bijenkorf", "bij De Bijenkorf", "van De Bijenkorf"),
        ("Stichting Duinzicht", "bij Stichting Duinzicht", "van Stichting Duinzicht"),  # written without one
        ("Valkstad Zorg", "bij Valkstad Zorg", "van Valkstad Zorg"),
        ("Stad Gent", "bij de stad Gent", "van de stad Gent"),
    ],
)
def test_dutch_names(name: str, bij: str, van: str) -> None:
    assert employer_phrases(name, "nl") == {"bij": bij, "van": van}


def test_no_company_gives_empty_phrases_and_a_language_without_a_table_none() -> None:
    assert set(employer_phrases("", "de").values()) == {""}
    assert employer_phrases("", "fr")["institution"] is False
    assert employer_phrases("Acme", "en") == {}


def test_the_table_is_lowercase_and_every_gender_is_known() -> None:
    genders = {"fr": {"m", "f", "pl"}, "es": {"m", "f", "m pl", "f pl"}, "de": {"m", "f", "n", "pl"}, "nl": {"de", "het"}}
    for language, table in tables().items():
        assert set(table.nouns.values()) <= genders[language], language
        assert table.firms <= set(table.nouns), language
        assert table.lowercase <= set(table.nouns), language
