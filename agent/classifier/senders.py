"""Who sent a message: a person who can read a reply, or a machine that will drop it."""

from __future__ import annotations

import re

_AUTOMATED_LOCAL = re.compile(
    r"(^|[._+-])(no-?reply|do-?not-?reply|donotreply|noreply|notifications?|notify|alerts?|mailer-daemon|"
    r"postmaster|bounces?|automated|auto-?confirm|system|mailer|news(letter)?|updates?|digest|info-noreply)([._+-]|\d|$)",
    re.IGNORECASE,
)
# Applicant-tracking systems that send on an employer's behalf from addresses nobody reads.
_AUTOMATED_DOMAINS = re.compile(
    r"(myworkday(site)?\.com|greenhouse-mail\.io|greenhouse\.io|hire\.lever\.co|lever\.co|icims\.com|"
    r"smartrecruiters\.com|taleo\.net|successfactors\.(com|eu)|bamboohr\.com|ashbyhq\.com|jobvite\.com|"
    r"workablemail\.com|workable\.com|recruitee\.com|teamtailor-mail\.com|breezy\.hr|jazzhr\.com|"
    r"applytojob\.com|personio\.(de|com)|linkedin\.com|indeed\.com|glassdoor\.com)$",
    re.IGNORECASE,
)
# Words that make a display name a department or a sender function rather than a person.
_FUNCTION_WORDS = (
    r"careers?|jobs?|recruit(ing|ment|er)?s?|talent|team|hr|human resources|hiring|people|notifications?|no-?reply|"
    r"acquisition|staffing|via|department|office|admissions|support|calendar|services|committee|search|personnel|"
    r"noreply|info|hello|contact|enquiries|service|customer|account|security|billing|orders|receipts|registrar|equipo|"
    r"[ée]quipe|personeelszaken|personal|personalabteilung|recursos humanos|ressources humaines|selecci[óo]n|recrutement|"
    r"werving|auftrag|im|the"
)
# Head nouns of organisation names: a person's name almost never contains one, so they tell "Vireo Wealth
# Advisors" from "Gregory Amsel" without a list of the organisations themselves.
ORG_NOUNS = (
    r"inc|llc|llp|ltd|gmbh|ag|bv|nv|sa|sas|srl|plc|corp|co|company|corporation|group|groupe|grupo|holdings|partners|"
    r"associates|advisors|advisers|consulting|consultants|capital|ventures|bank|banking|finance|financial|insurance|"
    r"credit union|labs?|studios?|games|media|systems|software|technologies|tech|analytics|digital|solutions|"
    r"health|healthcare|hospital|clinic|medical|dental|care|pharma|bio|biosciences|biologics|therapeutics|"
    r"university|college|school|academy|institute|foundation|trust|society|council|authority|district|ministry|"
    r"agency|library|museum|orchestra|hotels?|restaurant|caf[eé]|bar|bistro|bakery|brewing|brewery|coffee|roasters|"
    r"foods?|farms?|logistics|freight|transport|transit|shipping|airlines?|air|aerospace|motors?|energy|solar|power|"
    r"electric|electrical|construction|contracting|builders|properties|realty|property|management|living|retail|"
    r"stores?|boutique|design|creative|publishing|books|press|network|international|industries|manufacturing|"
    r"engineering|robotics|security|telecom|mobility|payments?|pay|markets|grocers|cosmetics|textiles|fitness|"
    r"crew|klinikum|krankenhaus|spedition|universit[äa]t|hochschule|stiftung|verlag|cabinet|atelier|librairie|"
    r"mairie|h[ôo]tel|brasserie|[ée]ditions|bufete|estudio|universidad|minera|ziekenhuis|brouwerij|gemeente|"
    r"provincie|hogeschool|zorggroep|supermarkt|havenbedrijf|modehaus|elektro"
)
_ORG_WORDS = re.compile(rf"\b({_FUNCTION_WORDS}|{ORG_NOUNS})\b", re.IGNORECASE)
_ORG_NOUN = re.compile(rf"\b({ORG_NOUNS})\b", re.IGNORECASE)
_TITLES = re.compile(r"^(dr|prof|professor|rev|mr|mrs|ms|mx|miss|sir|dame|coach|chef|fr|pastor)\.?\s+", re.IGNORECASE)
_PARTICLE = re.compile(r"(de|da|di|del|della|der|den|van|von|le|la|du|dos|das|bin|ibn|al|el|ter|ten|op)")
# Capitalised words that open a line but are never a first name.
_NOT_NAMES = {"dear", "hi", "hello", "hey", "thanks", "thank", "regards", "best", "cheers", "sincerely", "warmly", "unfortunately",
              "congratulations", "candidate", "applicant", "hiring", "manager", "welcome", "please", "kind", "yours", "sent", "mum", "dad"}
GENERIC_LOCAL = re.compile(rf"^({_FUNCTION_WORDS}|office|admin|team|jobs|work|werkenbij|bewerbung|karriere|rh|rrhh|empleo)\b", re.IGNORECASE)


def _name_word(word: str) -> bool:
    """'Dana', 'Reyes-Hart', "O'Connell", 'McAllister', 'Zając', or an initial 'J.'."""
    word = re.sub(r"^(O['’]|Mc|Mac|D['’])(?=[A-Z])", "", word.rstrip("."))
    if len(word) == 1:
        return word.isupper()
    parts = word.replace("’", "'").split("-")
    return all(len(p) > 1 and p[0].isupper() and p[1:].replace("'", "").isalpha() and p[1:].islower() for p in parts)


def is_automated(address: str) -> bool:
    """True for no-reply, notification and applicant-tracking-system addresses."""
    address = address.strip().lower()
    if "@" not in address:
        return True
    local, _, domain = address.rpartition("@")
    return bool(_AUTOMATED_LOCAL.search(local) or _AUTOMATED_DOMAINS.search(domain))


def looks_like_org(name: str) -> bool:
    """True when a name carries an organisation head noun ('Vireo Wealth Advisors', 'Spedition Hollmann')."""
    return bool(_ORG_NOUN.search(name))


def person_first_name(display_name: str) -> str:
    """The first name when a display name or signature line looks like a person ('Dana Whitfield'), else ''."""
    name = re.sub(r"\s*[\(\[].*?[\)\]]", "", display_name).strip().strip("\"'")
    if "," in name:  # "Whitfield, Dana"
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}"
    name = _TITLES.sub("", name)
    if not name or _ORG_WORDS.search(name) or "@" in name or re.search(r"[\d{}<>\[\]|/&]", name):
        return ""
    words = name.split()
    if not 1 <= len(words) <= 4 or _PARTICLE.fullmatch(words[0]) or words[0].lower() in _NOT_NAMES:
        return ""
    if not all(_name_word(w) or (i and _PARTICLE.fullmatch(w)) for i, w in enumerate(words)):
        return ""
    first = words[0].rstrip(".")
    return first if len(first) > 1 else ""


def sender_first_name(display_name: str, address: str) -> str:
    """person_first_name, cross-checked against the address: 'Kestrel Pay <talent@kestrelpay.io>' is no person."""
    first = person_first_name(display_name)
    if not first or not address:
        return first
    local, _, domain = address.lower().rpartition("@")
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", _TITLES.sub("", display_name)) if len(w) > 2]
    squashed = "".join(words)
    if squashed and squashed in re.sub(r"[^a-z]", "", domain) and not any(w in local for w in words):
        return ""  # the whole display name is the domain: a one-word company
    if is_automated(address) and not any(w in local for w in words):
        return ""  # an applicant-tracking system sends under the employer's name, not a person's
    if GENERIC_LOCAL.match(local) and words and words[0] in domain and words[0] not in local:
        return ""  # "Ocelot Games <jobs@ocelotgames.com>": a function mailbox on the name's own domain
    return first
