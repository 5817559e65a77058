"""Who sent a message: a person who can read a reply or a machine that will drop it, and the person's first name.

Display names, addresses and signatures name people in a few shapes ('Dana Whitfield', 'Whitfield,
Dana', 'Prof. Ruth Abernathy'); an address tells a mailbox nobody reads ('no-reply@', a hiring
tool's domain) and the employer's own domain. The words are data: patterns/common.toml [senders]
and patterns/<lang>.toml [names], patterns/README.md.
"""

from __future__ import annotations

import re
import unicodedata

from agent.classifier.lexicon import WordTable, phrases, word_list, words
from agent.classifier.orgs import ascii_forms, squash

# '(she/her)', '[Recruiting]': each match stops at the next bracket, so a run of '(' is read once.
_BRACKETED = re.compile(r"[\(\[][^\(\)\[\]]*[\)\]]")
# A local part nobody reads: one of the words, between separators ('jobs-noreply2@', 'no-reply@').
_AUTOMATED_LOCAL = re.compile(
    r"(?:^|[._+-])(?:" + "|".join(re.escape(w) for w in phrases("senders.automated")) + r")(?:[._+-]|\d|$)", re.IGNORECASE)
_TOOL_DOMAINS = tuple(words("senders.tool_domains"))
PLATFORMS = words("senders.platforms")
_MAIL_HOSTS = PLATFORMS | words("senders.mail_hosts")
_NOT_DOMAIN_NAMES = words("senders.not_domain_words")
_DOMAIN_ENDINGS = phrases("senders.domain_endings")
_DOMAIN_STARTS = phrases("senders.domain_starts")
_ORG_WORDS = WordTable.build([*phrases("org.function_words"), *phrases("org.nouns")])
_TITLES = words("names.titles")
_DOCTORATE_FIELDS = words("names.doctorate_fields")
_DOCTORATE = _DOCTORATE_FIELDS | {"dr"}  # a field follows "Dr." or another field ("Dr. med. dent.")
# A recruitment agency's word opening or closing a domain's name ('brightfieldtalent', 'oree-rh'); a 'stem*' anywhere in it
# ('garrickrecruitment'); a piece that is one only when it stands alone ('rh', not 'rheinfurt'); and endings that only look like one.
_AGENCY_WORDS = [unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode()
                 for w in words("company.words.agency") | words("senders.agency_domain_words") if " " not in w]
_AGENCY_DOMAIN = tuple(w for w in _AGENCY_WORDS if not w.endswith("*"))
_AGENCY_STEMS = tuple(w[:-1] for w in _AGENCY_WORDS if w.endswith("*"))
_AGENCY_PIECES = words("senders.agency_domain_pieces")
_NOT_AGENCY_DOMAIN = tuple(words("senders.not_agency_domain_words"))
_COMPOUND_FIRST_NAMES = phrases("names.compound_first_names")
_PARTICLES = frozenset(phrases("names.particles"))  # lowercase only: 'De Vries' starts with a name
_NOT_NAMES = words("names.not_first_names")


def _ascii(text: str) -> str:
    """'andrés' → 'andres': an address spells a name without its accents."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# Compared without accents: 'María' and 'Maria', 'Sébastien' and 'Sebastien' are one name.
_FEMININE_FIRST = frozenset(map(_ascii, words("names.feminine_first")))
_MASCULINE_FIRST = frozenset(map(_ascii, words("names.masculine_first")))
# Compound first names without accents, with their number of words: folded once, not per name asked about.
_COMPOUND_FIRST_ASCII = tuple((_ascii(c), len(c.split())) for c in _COMPOUND_FIRST_NAMES)
_NOT_NAME_ENDINGS = tuple(words("names.not_first_name_endings"))
# An ending counts after at least this many letters: 'Talentteam' is a team, 'Team' alone is in not_first_names.
_MIN_COMPOUND_PREFIX = 3
# A surname's prefix before its capital: "O'Connell", 'McAllister', "D'Souza".
_SURNAME_PREFIXES = ("O'", "O’", "Mc", "Mac", "D'", "D’")


def is_automated(address: str) -> bool:
    """True for no-reply, notification and applicant-tracking-system addresses."""
    address = address.strip().lower()
    if "@" not in address:
        return True
    local, _, domain = address.rpartition("@")
    return bool(_AUTOMATED_LOCAL.search(local)) or domain.endswith(_TOOL_DOMAINS)


def _name_word(word: str) -> bool:
    """'Dana', 'Reyes-Hart', "O'Connell", 'McAllister', 'Zając', or an initial 'J.'."""
    word = word.rstrip(".")
    for prefix in _SURNAME_PREFIXES:
        if word.startswith(prefix) and word[len(prefix) : len(prefix) + 1].isupper():
            word = word[len(prefix) :]
            break
    if len(word) == 1:
        return word.isupper()
    parts = word.replace("’", "'").split("-")
    return all(len(p) > 1 and p[0].isupper() and p[1:].replace("'", "").isalpha() and p[1:].islower() for p in parts)


def _without_title(name: str) -> str:
    """'Prof. Ruth Abernathy' → 'Ruth Abernathy'."""
    first, _, rest = name.partition(" ")
    return rest.lstrip() if rest and first.rstrip(".").lower() in _TITLES and first.rstrip(".").isalpha() else name


def _titles_and_name(name: str) -> tuple[list[str], str]:
    """Every title before a name, lowercased, and the name ('Dr. med. Anna Weber' → ['dr', 'med'], 'Anna Weber')."""
    titles: list[str] = []
    while True:
        first, _, rest = name.partition(" ")
        word = first.rstrip(".").lower()
        doctorate = bool(titles) and first.endswith(".") and titles[-1] in _DOCTORATE and word in _DOCTORATE_FIELDS
        if not rest or not word.isalpha() or not (word in _TITLES or doctorate):
            return titles, name
        titles.append(word)
        name = rest.lstrip()


# The academic titles a German letter keeps in its greeting ("Guten Tag Frau Dr. Weber"); the highest one is used
# ("Prof. Dr. Elena Marquardt" is "Frau Prof. Marquardt").
_PROFESSOR = frozenset({"prof", "professor", "professorin"})


def academic_title(name: str) -> str:
    """'Prof.' or 'Dr.' when the titles before a name hold one ('Dr. med. Anna Weber' → 'Dr.'), else ''."""
    titles = set(_titles_and_name(name)[0])
    return "Prof." if titles & _PROFESSOR else "Dr." if "dr" in titles else ""


def without_titles(name: str) -> str:
    """'Prof. Dr. Elena Marquardt' → 'Elena Marquardt', 'Mag. Christian Pichler' → 'Christian Pichler': every title before a name."""
    return _titles_and_name(name)[1]


def person_first_name(display_name: str) -> str:
    """The first name when a display name or signature line looks like a person ('Dana Whitfield'), else ''."""
    first = person_name(display_name).split(" ", 1)[0].rstrip(".")
    return first if len(first) > 1 else ""


def person_name(display_name: str) -> str:
    """The name in speaking order when a display name or signature line looks like a person's ('Whitfield, Dana' → 'Dana Whitfield'), else ''."""
    name = " ".join(_BRACKETED.sub(" ", display_name).split()).strip("\"'")
    if "," in name:  # "Whitfield, Dana"
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}"
    name = without_titles(name)  # 'Prof. Dr. Annette Weyrich', 'Dra. Montserrat Vidal'
    if not name or _ORG_WORDS.found_in(name) or "@" in name or any(c.isdigit() or c in "{}<>[]|/&" for c in name):
        return ""
    parts = name.split()
    first = parts[0].lower() if parts else ""
    if not 1 <= len(parts) <= 4 or parts[0] in _PARTICLES or first in _NOT_NAMES or _office(first):
        return ""
    if not all(_name_word(w) or (i and w in _PARTICLES) for i, w in enumerate(parts)):
        return ""
    return " ".join(parts)


def _office(word: str) -> bool:
    """'talentteam', 'notariskantoor', 'personalamt': a compound whose last part is an office or a team."""
    return any(word.endswith(e) and len(word) - len(e) >= _MIN_COMPOUND_PREFIX for e in _NOT_NAME_ENDINGS)


def whole_first_name(first: str, *names: str) -> str:
    """The first name with its second half where one of the names spells a two-word given name ('Mari' → 'Mari Carmen')."""
    for name in names:
        spoken = person_name(name)
        low = spoken.lower()
        if first and low.startswith(first.lower() + " "):
            for compound in _COMPOUND_FIRST_NAMES:  # longest first: 'maría del carmen' before 'maría'
                if low.startswith(compound) and (len(low) == len(compound) or low[len(compound)] == " "):
                    return spoken[: len(compound)]
    return first


def signed_form(first: str, signature: str) -> str:
    """The short form the sender signs with, where the header spells it out: 'Javier Ruiz' signing 'Javi' is greeted 'Javi'.

    Only a plain prefix of a one-word first name ('Guille' of 'Guillermo', 'Alex' of 'Alexander'): a
    nickname of another shape ('Kike' for 'Enrique') may be anyone's, and 'Mari Carmen' is her whole name.
    """
    signed = person_first_name(signature)
    if " " in first or not 3 <= len(signed) < len(first):
        return first
    return signed if _ascii(first.lower()).startswith(_ascii(signed.lower())) else first


def first_name_gender(first: str) -> str:
    """'f' or 'm' for a first name whose gender is not in doubt ('Regula', 'Koen'), else '' ('Andrea', 'Kim', 'Javi')."""
    name = _ascii(first.lower())
    if name not in _FEMININE_FIRST and name not in _MASCULINE_FIRST and "-" in name:
        name = name.split("-")[0]  # 'Anna-Lena', 'Hans-Peter': the first name decides
    return "f" if name in _FEMININE_FIRST else "m" if name in _MASCULINE_FIRST else ""


def first_name_words(full_name: str) -> int:
    """How many words of a full name are its first name: 2 for 'Ana Belén Torres', 3 for 'María del Carmen Ruiz', else 1."""
    low = _ascii(" ".join(full_name.lower().split()))
    return max((n for c, n in _COMPOUND_FIRST_ASCII if low.startswith(c + " ")), default=1)


def sender_first_name(display_name: str, address: str) -> str:
    """person_first_name, cross-checked against the address: 'Kestrel Pay <talent@kestrelpay.io>' is no person."""
    first = person_first_name(display_name)
    if not first or not address:
        return first
    local, _, domain = address.lower().rpartition("@")
    names = [w for w in word_list(_without_title(display_name)) if len(w) > 2 and w.isalpha()]
    in_local = any(w in local for w in names)
    if domain.endswith(_TOOL_DOMAINS) or (is_automated(address) and not in_local):
        return ""  # an applicant-tracking system sends under the employer's name, not a person's
    if any(len(w) > 3 and any(f in domain for f in ascii_forms(w)) for w in names) and not in_local:  # 'Wortbrücke' at wortbruecke.eu
        return ""  # 'Ocelot Games <jobs@ocelotgames.com>': a mailbox on the name's own domain that is not the person's
    if len(names) == 1 and not local.startswith(names[0][:3]):
        return ""  # a lone word that does not open the mailbox ('Cartwheel <team@cartwheel.so>') is a team or a product
    return first



def writer_name(display_name: str, address: str) -> str:
    """The display name when it is a person's whom the mailbox is named after ('Andrés Molina <andres@molinabuild.com>'), else ''.

    Looser than sender_first_name, which also asks whether a reply will be read: 'K. Osei <k@tallyhq.io>' and
    'H. Zandstra <h.zandstra@…>' are people whatever their domain holds, and their names are no employer's.
    """
    local, _, domain = address.lower().rpartition("@")
    if not person_first_name(display_name) or domain.endswith(_TOOL_DOMAINS) or is_automated(address) or not PLATFORMS.isdisjoint(domain.split(".")):
        return ""  # 'Ocelot Games', 'Careers', 'Norrland Timber <norrland@teamtailor-mail.com>': a mailbox, not a person
    local = _ascii(local)
    names = [_ascii(w) for w in word_list(_without_title(display_name))]
    if len(names) == 1:  # 'Jordan <j@…>' is a person, 'Cartwheel <team@cartwheel.so>' a team or a product
        return display_name if local in {names[0], names[0][:1]} else ""
    initials = {w[:1] for w in names} | {"".join(w[:1] for w in names)}  # 'h.zandstra', 'k@', 'mg@' for Matthias Gruen
    parts = [p for p in re.split(r"[._+-]", local) if p]
    return display_name if any(w in local for w in names if len(w) > 1) or any(p in initials for p in parts) else ""


def _domain_word_core(part: str) -> str:
    """'acme-careers' → 'acme', 'werkenbij-acme' → 'acme': the mailbox's purpose is not the name."""
    for start in _DOMAIN_STARTS:
        if part.startswith(start) and len(part) > len(start) + 3:
            part = part[len(start) :].lstrip("-_")
            break
    for ending in _DOMAIN_ENDINGS:
        if part.endswith(ending):
            part = part[: -len(ending)]
            return part[:-1] if part.endswith(("-", "_")) else part
    return part


def is_agency_domain(address: str) -> bool:
    """'brightfieldtalent.com', 'oree-rh.fr', 'talentbridge.es': the domain's name opens or closes with a recruitment agency's word."""
    labels = address.rpartition("@")[2].lower().split(".")
    parts = [p for p in labels[:-1] if p not in _NOT_DOMAIN_NAMES]
    if not parts or not _MAIL_HOSTS.isdisjoint(parts) or address.lower().endswith(_TOOL_DOMAINS):
        return False  # a mail host or a hiring tool sends for anyone
    pieces = [p for p in re.split(r"[-_]", parts[-1]) if p]
    return any(p in _AGENCY_PIECES or p.startswith(_AGENCY_DOMAIN) or (p.endswith(_AGENCY_DOMAIN) and not p.endswith(_NOT_AGENCY_DOMAIN))
               or any(stem in p for stem in _AGENCY_STEMS) for p in pieces)


def domain_word(address: str) -> str:
    """'quillfeather' from tom.okafor@quillfeather.io; nothing from mail hosts and hiring tools."""
    labels = address.rpartition("@")[2].lower().split(".")
    # The last label is a country or a kind of organisation ('.uy', '.mx', '.coop', '.at'), never the name; a list of them would never be whole.
    parts = [p for p in labels[:-1] if p not in _NOT_DOMAIN_NAMES] if len(labels) > 1 else labels
    names = [p if p in _MAIL_HOSTS else _domain_word_core(p) for p in parts]
    if len(names) > 1 and names[-1] in PLATFORMS and len(names[-2]) >= 4 and "a" <= names[-2][0] <= "z" and all(
            "a" <= c <= "z" or c == "-" for c in names[-2]):
        return squash(names[-2])  # 'stadtwerke-lindenau.softgarden.io': a hiring tool's subdomain named after the employer
    name = names[-1] if names else ""
    return "" if name in _MAIL_HOSTS else squash(name)
