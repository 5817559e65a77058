"""The employer's name as a sentence holds it: with the article its first noun asks for, or as it is.

"auprès du Collège Jean-Moulin", "en el Ayuntamiento de Soria", "bei der Stadtverwaltung Halle",
"bij de gemeente Utrecht"; a firm's name stays as it is ("chez Airbus", "bei Siemens", "en
Telefónica", "bij Philips"), elided in French before a vowel ("auprès d'Orange"). The nouns are
data a reviewer can read, in articles.toml beside this module; the templates get the ready phrases
as `employer` (see `employer_phrases`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ARTICLES_FILE = Path(__file__).resolve().parent / "articles.toml"
# A compound's last part counts only after this many letters: "Landratsamt" is an "Amt", "Samt" is not.
MIN_COMPOUND_PREFIX = 3
# Letters a French word elides before ("d'Orange", "l'Université"); h and y only for the listed words.
_FR_VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")
# Trailing marks a first word may carry ("Mairie," in a signature line) that are not part of the noun.
_MARKS = ".,;:"


@dataclass(frozen=True)
class Nouns:
    """One language's table from articles.toml."""

    nouns: dict[str, str]
    compounds: bool = False
    whole_only: frozenset[str] = frozenset()
    second_word: bool = False
    not_after: tuple[str, ...] = ()
    lowercase: frozenset[str] = frozenset()
    elides: tuple[str, ...] = ()
    contract: bool = False
    contract_words: frozenset[str] = frozenset()
    firms: frozenset[str] = frozenset()
    within: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    alone: frozenset[str] = frozenset()
    adjective_endings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Head:
    """The noun that decides the article: which word of the name holds it, and whether it is that whole word."""

    noun: str
    gender: str
    index: int
    whole: bool
    adjective: bool = False
    """The word before the noun is an adjective the article declines: "bei der Deutschen Bank"."""


@cache
def tables() -> dict[str, Nouns]:
    """Every language's nouns, as articles.toml gives them."""
    data = tomllib.loads(ARTICLES_FILE.read_text(encoding="utf-8"))
    return {
        language: Nouns(
            nouns={k.lower(): v for k, v in table["nouns"].items()},
            compounds=table.get("compounds", False),
            whole_only=frozenset(table.get("whole_only", ())),
            second_word=table.get("second_word", False),
            not_after=tuple(table.get("not_after", ())),
            lowercase=frozenset(table.get("lowercase", ())),
            elides=tuple(table.get("elides", ())),
            contract=table.get("contract", False),
            contract_words=frozenset(table.get("contract_words", ())),
            firms=frozenset(table.get("firms", ())),
            within=frozenset(table.get("within", ())),
            articles=frozenset(table.get("articles", ())),
            alone=frozenset(table.get("alone", ())),
            adjective_endings=tuple(table.get("adjective_endings", ())),
        )
        for language, table in data.items()
    }


def head_noun(name: str, table: Nouns) -> Head | None:
    """The table noun that opens the name (or, where the table allows, its second word), if any."""
    words = name.split()
    if words and words[0].lower() in table.articles:
        return None  # the name brings its own: "bij De Bijenkorf"
    if len(words) > 1 and words[0][:1].isupper() and _adjective(words[0].lower(), table.adjective_endings):
        found = _noun(words[1].rstrip(_MARKS).lower(), table, compound=True)  # "Deutsche Bank", "Bayerische Landesbank"
        # The ending must agree with the noun, as an adjective's does ("Städtisches Klinikum"); "Frölicher Versicherung" is a surname.
        if found is not None and words[0].lower().endswith(_AGREEING_ENDING.get(table.nouns[found[0]], "\0")):
            return Head(found[0], table.nouns[found[0]], 1, found[1], adjective=True)
    for index, word in enumerate(words[:2]):
        if index == 1 and (not table.second_word or words[0].lower().endswith(table.not_after)):
            break
        # The second word is the noun itself or nothing: in "Quartiersbüro Südvorstadt" the office is the head.
        found = _noun(word.rstrip(_MARKS).lower(), table, compound=index == 0)
        if found is not None:
            noun, whole = found
            return Head(noun, table.nouns[noun], index, whole)
    return None


# The nominative ending an adjective takes before a noun of each gender, without an article: "Deutsche Bank",
# "Bayerischer Rundfunk", "Städtisches Klinikum", "Evangelische Kliniken".
_AGREEING_ENDING = {"f": "e", "m": "er", "n": "es", "pl": "e"}


def _adjective(word: str, endings: tuple[str, ...]) -> bool:
    """'städtisches', 'alpenländische', 'deutsche': an ending after a stem of three letters or more ('fischer' is a
    surname); the 'deutsch' endings are the adjective whole."""
    return any(word.endswith(e) and (len(word) - len(e) >= MIN_COMPOUND_PREFIX or e.startswith("deutsch")) for e in endings)


def _noun(word: str, table: Nouns, *, compound: bool) -> tuple[str, bool] | None:
    if not table.compounds:
        part = word.split("-")[0]
        return (part, True) if part in table.nouns else None
    part = word.split("-")[-1]
    if part in table.nouns:
        return part, part == word
    if not compound:
        return None
    # The longest noun the word ends in: "Volkshochschule" is a "Hochschule" before it is a "Schule".
    ends = [
        n for n in table.nouns if n not in table.whole_only and part.endswith(n) and len(part) - len(n) >= MIN_COMPOUND_PREFIX
    ]
    return (max(ends, key=len), False) if ends else None


def employer_phrases(company: str, language: str) -> dict[str, str | bool]:
    """The phrases a template puts the employer in, for this language; every phrase is '' without a company.

    fr: de ("de Sofimeca", "d'Orange", "du Collège X", "de la Mairie de Lyon", "de l'Université X",
        "des Éditions X"), chez ("chez Airbus", "au Collège X", "à la Mairie", "à l'Université",
        "aux Éditions X"), le (the name with its article: "le Collège X", "Airbus"), noun and noun_de
        (its first noun alone, once the name has been said: "le collège", "de l'hôpital"; '' where the
        noun says nothing alone), institution (the name opens with the noun of something that is not
        a firm: a school, a town hall…), plural ("les Hospices civils de Lyon" are "leurs" projets).
    es: en ("en Telefónica", "en el Colegio San José", "en la Universidad X"), de ("de Telefónica",
        "del Ayuntamiento de Soria", "de la Fundación X").
    de: bei ("bei Siemens", "bei der Stadtverwaltung Halle", "beim Klinikum X", "bei den Stadtwerken X"),
        von ("von Siemens", "von der Universität Bonn", "vom Landratsamt X").
    nl: bij ("bij Philips", "bij de gemeente Utrecht", "bij het Antonius Ziekenhuis"), van (likewise).
    """
    table = tables().get(language)
    if table is None:
        return {}
    name = " ".join(company.split())
    head = head_noun(name, table) if name else None
    if language == "fr":
        return _french(name, head, table)
    if language == "es":
        return _spanish(name, head)
    if language == "de":
        return _german(name, head)
    if language == "nl":
        return _dutch(name, head, table)
    return {}


def _common_words(rest: str, table: Nouns) -> bool:
    """Whether what follows 'Le'/'La'/'Les' reads as ordinary words ('Petit Bistrot', 'Thés de Mélusine') rather than a surname ('Goff Immobilier')."""
    words = rest.split()
    first = words[0].lower().strip(_MARKS)
    return first in table.contract_words or first in table.nouns or any(w[:1].islower() for w in words[1:])


# The article a name opens with, and what "de" and "à" make of it before the rest of the name.
_FR_ARTICLES = {"Le": ("du ", "au "), "Au": ("du ", "au "), "Les": ("des ", "aux "), "Aux": ("des ", "aux "), "La": ("de La ", "à La ")}


def _french(name: str, head: Head | None, table: Nouns) -> dict[str, str | bool]:
    said: dict[str, str | bool] = {"de": "", "chez": "", "le": "", "noun": "", "noun_de": "", "institution": False, "plural": False}
    if not name:
        return said
    word = name.split()[0].split("-")[0]
    first = word.lower()
    elides = first[:1] in _FR_VOWELS or first.startswith(table.elides)
    if head is None:
        article, _, rest = name.partition(" ")
        if table.contract and rest and article in _FR_ARTICLES and _common_words(rest, table):
            # "de Le Bistrot" and "chez Le Petit Bistrot" are not French: a name that opens with its
            # own article is a place one works at, "du / au Bistrot du Port", "des / aux Beaux Jours",
            # "de / à La Belle Équipe", and a shop called "Au Fournil de Léon" is "au Fournil de Léon".
            de, at = _FR_ARTICLES[article]
            return said | {"de": de + rest, "chez": at + rest, "le": name}
        if article == "Chez" and rest:
            # A restaurant called "Chez Mado" already says where: one works "Chez Mado", with "l'équipe de chez Mado".
            return said | {"de": f"de chez {rest}", "chez": name, "le": name}
        return said | {"de": f"d’{name}" if elides else f"de {name}", "chez": f"chez {name}", "le": name}
    if head.gender == "pl":
        de, a, le = "des ", "aux ", "les "
    elif elides:
        de, a, le = "de l’", "à l’", "l’"
    elif head.gender == "m":
        de, a, le = "du ", "au ", "le "
    else:
        de, a, le = "de la ", "à la ", "la "
    chez = "au sein " + de + name if head.noun in table.within else a + name
    said |= {"de": de + name, "chez": chez, "le": le + name, "institution": head.noun not in table.firms, "plural": head.gender == "pl"}
    if head.noun in table.alone:
        noun = word if word.isupper() else first  # "le CHU", "le collège"
        said |= {"noun": le + noun, "noun_de": de + noun}
    return said


_ES = {"m": ("el", "del"), "f": ("la", "de la"), "m pl": ("los", "de los"), "f pl": ("las", "de las")}


def _spanish(name: str, head: Head | None) -> dict[str, str | bool]:
    if not name:
        return {"en": "", "de": ""}
    if head is None:
        return {"en": f"en {name}", "de": f"de {name}"}
    article, of = _ES[head.gender]
    return {"en": f"en {article} {name}", "de": f"{of} {name}"}


_DE = {"f": ("bei der", "von der"), "m": ("beim", "vom"), "n": ("beim", "vom"), "pl": ("bei den", "von den")}


def _german(name: str, head: Head | None) -> dict[str, str | bool]:
    if not name:
        return {"bei": "", "von": ""}
    if head is None:
        return {"bei": f"bei {name}", "von": f"von {name}"}
    words = name.split()
    if head.adjective:
        # After the dative article the adjective ends in -en whatever the gender: "bei der Deutschen Bank", "beim Städtischen Klinikum".
        first = words[0]
        words[0] = (first[:-2] if first.lower().endswith(("er", "es")) else first[:-1]) + ("EN" if first.isupper() else "en")
    if head.gender == "pl" and not words[head.index].endswith(("n", "s")):
        words[head.index] += "n"  # the dative plural takes an -n unless it ends in -n or -s already: "bei den Stadtwerken"
    name = " ".join(words)
    at, of = _DE[head.gender]
    return {"bei": f"{at} {name}", "von": f"{of} {name}"}


def _dutch(name: str, head: Head | None, table: Nouns) -> dict[str, str | bool]:
    if not name:
        return {"bij": "", "van": ""}
    if head is None:
        return {"bij": f"bij {name}", "van": f"van {name}"}
    if head.index == 0 and head.whole and head.noun in table.lowercase:
        # "de gemeente Utrecht": a common noun before a place name, not part of a name.
        words = name.split()
        words[0] = words[0].lower()
        name = " ".join(words)
    return {"bij": f"bij {head.gender} {name}", "van": f"van {head.gender} {name}"}
