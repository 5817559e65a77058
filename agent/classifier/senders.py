"""Who sent a message: a person who can read a reply or a machine that will drop it, and the names they sign with.

Display names, signatures and body text name people and employers in the same few shapes ('Dana Whitfield',
'Harbourline Logistics Talent Acquisition', 'Talent Partner | Nordhavn Bank'), so the name rules live here
and extract.py only decides which names the text points at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache


def word_set(words: str) -> frozenset[str]:
    """A set from a space-separated word list, which keeps long lexicons readable."""
    return frozenset(words.split())


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
    r"careers?|jobs?|recruit(ing|ment|er)?s?|talent|team|hr|human resources|hiring|people|notifications?|no-?reply|acquisition|staffing|via|"
    r"department|office|admissions|support|calendar|services|committee|search|personnel|noreply|info|hello|contact|enquiries|service|customer|"
    r"account|security|billing|orders|receipts|registrar|equipo|[ée]quipe|personeelszaken|personal|personalabteilung|recursos humanos|"
    r"ressources humaines|selecci[óo]n|recrutement|werving|auftrag|im|the|offers?|assessments?|personalb[üu]ro|departamento|ihre?|centre|"
    r"center|hub|unit|desk|portal|direcci[óo]n|gr[üu](ß|ss)e|personeelsdienst|apprenticeships?|screening"
)
# Head nouns of organisation names: a person's name almost never holds one, so they tell 'Vireo Wealth Advisors'
# from 'Gregory Amsel' without a list of the organisations themselves.
ORG_NOUNS = (
    r"inc|llc|llp|ltd|gmbh|ag|bv|nv|sa|sas|srl|plc|corp|co|company|corporation|group|groupe|grupo|holdings|partners|associates|advisors|"
    r"advisers|consulting|consultants|capital|ventures|bank|banking|finance|financial|insurance|assurance|credit union|labs?|studios?|games|media|"
    r"systems|software|technologies|tech|analytics|digital|solutions|health|healthcare|hospital|clinic|medical|dental|care|practice|pharma|bio|"
    r"biosciences|biologics|therapeutics|university|college|school|academy|institute|foundation|trust|society|council|authority|district|"
    r"ministry|agency|library|museum|orchestra|hotels?|restaurant|caf[eé]|bar|bistro|bakery|brewing|brewery|coffee|roasters|foods?|farms?|"
    r"logistics|freight|transport|transit|shipping|airlines?|airways|air|aerospace|daycare|nursery|preschool|kindergarten|motors?|energy|solar|"
    r"power|electric|electrical|construction|contracting|builders|properties|realty|property|management|living|retail|stores?|boutique|design|"
    r"creative|publishing|editorial|books|press|network|international|industries|manufacturing|engineering|robotics|security|telecom|mobility|"
    r"payments?|pay|markets|grocers|cosmetics|textiles|fitness|crew|klinikum|krankenhaus|spedition|universit[äa]t|hochschule|stiftung|verlag|"
    r"landratsamt|elektro|modehaus|cabinet|atelier|librairie|mairie|h[ôo]tel|brasserie|[ée]ditions|bufete|estudio|universidad|minera|banco|"
    r"telecomunicaciones|el[ée]ctricas|ziekenhuis|brouwerij|bakkerij|rederij|installatietechniek|gemeente|provincie|hogeschool|zorggroep|"
    r"supermarkt|havenbedrijf|energie|sparkasse|versicherung(en)?|werke?|maschinenbau|logistik|technik|gruppe|handel|bau|stadtwerke|talleres|taller|"
    r"abogados|hermanos|cl[ií]nica|clinique|kliniek|klinik|instituto|institut|fundaci[óo]n|fondation|stichting|colegio|escuela|[ée]cole|seguros|"
    r"assurances|banque|ayuntamiento|restaurante|panader[ií]a|boulangerie|transportes|construcciones"
)
_ORG_WORDS = re.compile(rf"\b({_FUNCTION_WORDS}|{ORG_NOUNS})\b", re.IGNORECASE)
_ORG_NOUN = re.compile(rf"\b({ORG_NOUNS})\b", re.IGNORECASE)
_TITLES = re.compile(r"^(dr|prof|professor|rev|mr|mrs|ms|mx|miss|sir|dame|coach|chef|fr|pastor)\.?\s+", re.IGNORECASE)
_PARTICLE = re.compile(r"(de|da|di|del|della|der|den|van|von|le|la|du|dos|das|bin|ibn|al|el|ter|ten|op)")
# Capitalised words that open a line but are never a first name.
_NOT_NAMES = word_set("dear hi hello hey thanks thank regards best cheers sincerely warmly unfortunately congratulations candidate applicant "
                      "hiring manager welcome please kind yours sent mum dad")

# Placeholders left in published templates are never a company, a role or a person.
PLACEHOLDER = re.compile(r"[\[\]{}<>%]|\b(company|employer|organi[sz]ation|job|position|agency|client|candidate|recruiter|your|first|hr) ?name\b|"
                         r"\bjob ?title\b|\bxxx\b|\b(company|job|role)_", re.IGNORECASE)
# Capitalised words that open a sentence or clause (en/de/nl/fr/es) but never a company name.
SENTENCE_START = word_set(
    "the we our thank thanks unfortunately dear hi hello hey after please if your you this at in as i it for on with a an and but while although "
    "regards best sincerely kind warm cheers re fwd subject application update status congratulations good great again all everyone team "
    "recruiting careers talent hr human resources mr ms mrs dr to from date sent job position role candidate applicant interview offer yours "
    "many my me today here there unlike given due following regarding company employer organisation organization she he they us re: aw wg tr "
    "let maybe address client ihnen sie ihr ihre wir uns unser unsere du dich dir ich leider vielen danke bitte mit bei ons onze wij u uw jij "
    "helaas bedankt uitnodiging rückfragen nous vous votre notre merci malheureusement nosotros su sus tu gracias lamentablemente nuestro nuestra")
NAME_CONNECTORS = word_set("of and for de du des la le les del y e van der den von und et the am an im da di dos das upon on in at sur lès aan op bij")
EN_ROLES = (
    "engineer|manager|analyst|designer|developer|specialist|coordinator|nurse|associate|intern(ship)?|director|officer|assistant|consultant|"
    "scientist|administrator|technician|representative|lead|head|architect|accountant|advisor|adviser|supervisor|writer|editor|teacher|"
    "lecturer|researcher|planner|clerk|agent|executive|operator|driver|chef|cook|cashier|therapist|pharmacist|paralegal|attorney|counsel|"
    "president|vp|producer|marketer|strategist|recruiter|programmer|tester|owner|fellow|trainee|professor|instructor|tutor|dean|coach|"
    "chaplain|teller|barista|coder|auditor|controller|receptionist|electrician|apprentice|operative|worker|hand|aide|carer|caregiver|"
    "bartender|server|host|installer|merchandiser|bookseller|librarian|curator|crew|partner|principal|sdr|bdr|cfo|cto|ceo|coo|founder|"
    "co-founder|bookkeeper|copywriter|underwriter|trainer|solicitor|agronomist|technologist|picker|packer|cleaner|porter|steward|attendant|"
    "physician|surgeon|dentist|hygienist|midwife|paramedic|carpenter|plumber|welder|mechanic|machinist|fitter|labou?rer|inspector|surveyor|"
    "estimator|buyer|dispatcher|scheduler|adjuster|actuary|economist|statistician|translator|interpreter|photographer|animator|illustrator|"
    "journalist|reporter|counsell?or|psychologist|volunteer|chair")
ROLE_WORDS = re.compile(
    rf"\b({EN_ROLES})s?\b|(leiter|kraft|mitarbeiter|referent|techniker|ingenieur|entwickler|berater|logistiker|pfleger|docent|medewerker|"
    r"verpleegkundige|adviseur|ontwikkelaar|responsable|technicien|ing[ée]nieur|juriste|comptable|commis|serveur|[ée]b[ée]niste|t[ée]cnico|"
    r"ingeniero|abogado|asistente|camarero|profesor|gerente|analista)", re.IGNORECASE)
# Departments and sender functions that trail an employer's name: 'Harbourline Logistics Talent Acquisition'.
DEPARTMENT = re.compile(
    r"\s*(\||-|–|—|:|,|@|\bat\b)?\s*\b((campus|graduate|experienced hire|engineering|nursing|sales|product|design|tech|early careers?|university|"
    r"corporate|global|central|regional|store|retail)\s+)?(careers?|jobs|recruit(ing|ment)( team| services| center| centre)?|talent( acquisition| "
    r"team| partner)?|hiring( team)?|human resources( department)?|hr( team| department)?|resourcing( team)?|people( team| ops| services| "
    r"operations| & culture| and culture)?|notifications?|team|crew|no-?reply|via .+|search committee|early careers?|talent (community|network)|"
    r"candidate experience|assessments?|recruitment (cell|online|desk)|drh|rh|rrhh|personeelsdienst|gesti[óo]n humana|recursos humanos|"
    r"ressources humaines|personalentwicklung|faculty search|personeelszaken|dezernat personal|personalabteilung|service recrutement)\s*$",
    re.IGNORECASE)
_DEPARTMENT_LINE = re.compile(r"(department|dept|office|division|abteilung|departamento|d[ée]partement|service|afdeling|dezernat|servicio|direction|"
                              r"faculty|school) (of|for|de|des|du|für|van|voor)\b|(abteilung|afdeling|dezernat)\b|^(department|departamento|d[ée]partement|division)$|"
                              r"^(human resources|hr|people|recruitment|talent|clinical|select|personnel|staff)\b.*\b(unit|division|branch|board|"
                              r"development|services|office)$", re.IGNORECASE)
LEGAL = re.compile(r",?\s+(inc|llc|ltd|gmbh|plc|corp|co|sa|bv|b\.v|ag|pvt|pty|oy|ab|as|s\.p\.a|spa|srl|sas|eg|nv|kg|se)\.?(\s+(ltd|limited))?\.?$",
                   re.IGNORECASE)
_GENERIC_WORDS = re.compile(
    r"\b(interview|invitation|invite|reminder|confirmation|acknowledg\w*|received|availability|opportunit\w*|assignment|exercise|test|"
    r"assessment|offer|update|status|schedule|reschedul\w*|paused|hold|application|applications|candidature|bewerbung|sollicitatie|"
    r"candidatura|jobs|alert|digest|matches|newsletter|welcome|congratulations|thank|thanks|regards|outcome|results?|feedback|next steps?|"
    r"notice|withdrawal|equal opportunity|eoe|cv|résumé|resume|important|urgent|final|onsite|agenda|calendar|event|part-time|full-time|"
    r"remote|lender|employer|email|coding|share|pre-employment|acquisition|portal|platform|onboarding|confidential|vertraulich|"
    r"vertrouwelijk|confidentiel|confidencial|private|privat|privé|privado|request|anfrage|aanvraag|demande|solicitud)\b", re.IGNORECASE)
_WEEKDAYS = re.compile(r"^((mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|may|june|july|august|september|october|"
                       r"november|december|noon|midnight|reception|building|floor|suite|room|gate|office|department)$|^\S+ \d", re.IGNORECASE)
# Hiring tools and mail hosts: their names and domains say nothing about the employer.
PLATFORMS = word_set(
    "myworkday myworkdaysite myworkdayjobs workday greenhouse lever icims smartrecruiters taleo ashby successfactors bamboohr ashbyhq jobvite "
    "workable workablemail recruitee teamtailor breezy breezyhr jazzhr applytojob personio linkedin indeed glassdoor ziprecruiter monster seek "
    "hackerrank hackerrankforwork codesignal codility testgorilla hirevue sparkhire modernhire docusign hellosign adobesign calendly goodtime "
    "paradox peopleadmin paycomonline governmentjobs zoom teams google softgarden rippling pinpointhq homerun freshteam zohorecruit dayforce "
    "xing stepstone jobalerts android ios online")
_MAIL_HOSTS = PLATFORMS | word_set("gmail googlemail outlook yahoo hotmail icloud proton protonmail example mail email company me live aol btinternet hey")
_NOT_DOMAIN_NAMES = word_set("com org net io co uk de fr nl es eu ca au us careers jobs mail email hire talent recruiting notifications app gov edu "
                             "ac be ar cl se ie za pl")
SEPARATORS = re.compile(r"\s*(?:[|·•/,]|\s[–—-]\s|–|—|\s@\s|\bat\b)\s*")
_ADDRESS = re.compile(r"\d|@|www\.|https?:|\b(street|st|road|rd|avenue|ave|lane|suite|floor|place|square|plaza|boulevard|blvd|drive|way|straße|"
                      r"strasse|rue|calle|paseo|tel|phone|fax|mobile)\b\.?|^[A-Z]{2}$", re.IGNORECASE)


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


def _name_word(word: str) -> bool:
    """'Dana', 'Reyes-Hart', "O'Connell", 'McAllister', 'Zając', or an initial 'J.'."""
    word = re.sub(r"^(O['’]|Mc|Mac|D['’])(?=[A-Z])", "", word.rstrip("."))
    if len(word) == 1:
        return word.isupper()
    parts = word.replace("’", "'").split("-")
    return all(len(p) > 1 and p[0].isupper() and p[1:].replace("'", "").isalpha() and p[1:].islower() for p in parts)


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
    in_local = any(w in local for w in words)
    if _AUTOMATED_DOMAINS.search(domain) or (is_automated(address) and not in_local):
        return ""  # an applicant-tracking system sends under the employer's name, not a person's
    if any(len(w) > 3 and w in domain for w in words) and not in_local:
        return ""  # 'Ocelot Games <jobs@ocelotgames.com>': a mailbox on the name's own domain that is not the person's
    if len(words) == 1 and not local.startswith(words[0][:3]):
        return ""  # a lone word that does not open the mailbox ('Cartwheel <team@cartwheel.so>') is a team or a product
    return first


def squash(text: str) -> str:
    """The comparable core of a name: 'Helix & Vane' and 'helixandvane' are one."""
    return re.sub(r"[^\w]|_", "", text.lower().replace("&", "and"))


@lru_cache(maxsize=4096)  # the same names recur in every email of a thread and in every mention
def clean_org_name(text: str) -> str:
    """An organisation's name without department, legal form or leading article: 'The Quillfeather Team' -> 'Quillfeather'."""
    text = re.sub(r"\s+", " ", text).strip(" \t\n.,;:!?'\"()")
    text = re.sub(r"['’]s$|^(ihr|dein|votre|tu|su|uw|je|your|the|la|el|het)?\s*[\w-]*team (der|von|de|van|at|of|bei)\s+", "", text, flags=re.I)
    prev = None
    while prev != text:
        prev = text
        text = DEPARTMENT.sub("", LEGAL.sub("", text)).strip(" -|,–—")
        text = re.sub(r"^(the|team|at|from|@|your|our|ihre?|uw|votre|(board|trustees|governors) of|personeelsdienst|personalabteilung|human resources|"
                      r"equipo de (talento|selecci[óo]n|rrhh|personas)|secretar[íi]a|comisi[óo]n de selecci[óo]n|[ée]quipe (recrutement|rh)|direction|direcci[óo]n|despacho)\s+|"
                      r"\s+(of|for|de|and|&)$", "", text, flags=re.IGNORECASE)
    return text


def is_title(text: str) -> bool:
    """'Store Manager', 'Creative Director', 'Head of Strategy': a job title ends in a singular role noun."""
    last = re.sub(r"[^\w-]", "", text.split()[-1]) if text.split() else ""
    return bool(re.fullmatch(ROLE_WORDS.pattern, last, re.IGNORECASE) and not last.lower().endswith("s")) or bool(
        re.match(r"(head|director|vp|chief|co-?founder|founder|managing|senior|junior|lead)\b", text, re.IGNORECASE))


# A person addressed or signing with a title ('Mrs J Farrow', 'Frau Gut', 'Dr. Molina') is never the employer.
HONORIFIC = re.compile(r"^(mr|mrs|ms|miss|mx|dr|prof|frau|herr|hr|fr|mme|madame|monsieur|mlle|m|sr|sra|srta|señor|señora|dhr|mevr|mevrouw|"
                       r"meneer|heer)\.?\s", re.IGNORECASE)
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b(utc|gmt|cet|cest|est|pst|bst)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def valid_org_name(text: str, title_ok: bool = False) -> bool:
    """A name: capitalised words (and 'of', '&', 'de'), no placeholder, no job title, no department, no time of day, no person."""
    if not text or len(text) > 60 or PLACEHOLDER.search(text) or _WEEKDAYS.search(text) or not re.search(r"[^\W\d_]{2}", text):
        return False
    if HONORIFIC.match(text) or _CLOCK.search(text):
        return False
    if any(w[0].islower() and w.lower() not in NAME_CONNECTORS and not re.search(r"[A-Z]", w) for w in re.findall(r"(?<![\w'’-])[^\W\d_][\w'’-]*", text)):  # '7shifts': a word glued to a digit is part of a name
        return False  # a phrase ('where things stand', 'is an Equal Opportunity Employer'), not a name
    plural_head = re.fullmatch(rf"({EN_ROLES})s", text.split()[-1], re.IGNORECASE)  # 'Strand Architects', 'Kestrel Tutors'
    role_like = is_title(text) or (ROLE_WORDS.search(text) and not looks_like_org(text) and not plural_head)
    return not (role_like and not title_ok) and text.lower() not in SENTENCE_START and not GREETING.match(text) \
        and not _GENERIC_WORDS.search(text)


def is_department(text: str) -> bool:
    """'Department of Sociology', 'Human Resources Unit': part of an organisation, a weaker answer than the organisation."""
    return bool(_DEPARTMENT_LINE.match(text))


def domain_word(address: str) -> str:
    """'quillfeather' from tom.okafor@quillfeather.io; nothing from mail hosts and hiring tools."""
    parts = [p for p in address.rpartition("@")[2].lower().split(".") if p not in _NOT_DOMAIN_NAMES]
    words = [p if p in _MAIL_HOSTS else re.sub(r"[-_]?(careers?|jobs|recruiting|talent|hr|hiring|mail)$", "", p) for p in parts]
    if len(words) > 1 and words[-1] in PLATFORMS and re.fullmatch(r"[a-z][a-z-]{3,}", words[-2]):
        return squash(words[-2])  # 'stadtwerke-lindenau.softgarden.io': a hiring tool's subdomain named after the employer
    word = words[-1] if words else ""
    return "" if word in _MAIL_HOSTS else squash(word)


def org_in_line(line: str) -> str:
    """The organisation in a signature or display-name line: 'Talent Partner | Nordhavn Bank' -> 'Nordhavn Bank'."""
    raw = [p for p in SEPARATORS.split(line) if p.strip()]
    after_title = len(raw) > 1 and is_title(raw[0].strip())  # 'Metro Editor | The Coastline Courier'
    pieces = [p.strip() for p in raw if valid_org_name(clean_org_name(p), after_title and p == raw[-1]) and not _ADDRESS.search(p)]
    pieces = sorted(pieces, key=lambda p: is_department(clean_org_name(p)))  # stable: departments only when nothing else
    orgs = [p for p in pieces if looks_like_org(p) and not is_department(clean_org_name(p))]
    return orgs[0] if orgs else (pieces[0] if pieces and is_department(clean_org_name(pieces[0])) else pieces[-1] if pieces else "")


GREETING = re.compile(r"^(hi|hello|hey|dear|hallo|guten|sehr|liebe|lieber|bonjour|ch[eè]re?|madame|monsieur|hola|estimad[oa]|buenos|beste|"
                      r"geachte|hoi|good (morning|afternoon)|thank|thanks|welcome|congratulations)\b", re.IGNORECASE)
_SIGNOFF = re.compile(
    r"^\W*(best|all the best|best wishes|(best|kind|warm|warmest|many) regards|regards|many thanks|thanks|thank you|sincerely|yours|cheers|"
    r"warmly|with (best |warm )?wishes|with thanks|with gratitude|respectfully|take care|talk soon|speak soon|(good|best of) luck|gg|appreciate|"
    r"mit freundlichen gr[üu](ß|ss)en|(freundliche|viele|liebe|beste|herzliche) gr[üu](ß|ss)e|alles gute|(bien )?cordialement|bien à vous|"
    r"salutations|bonne (chance|continuation|journée)|bon courage|(met )?(vriendelijke|hartelijke) groet(en)?|groet(en|jes)?|saludos|un saludo|"
    r"atentamente|cordialmente|reciba un cordial saludo|un abrazo|te deseo lo mejor|namens)\b[^\n]{0,40}$|^[^\n.?:;]{2,40},[ \t]*$",
    re.IGNORECASE | re.MULTILINE)
# A sign-off run into the last line of a flattened message: '... another candidate. Best, Dana Patel, Lumio Labs'.
_INLINE_SIGNOFF = re.compile(r"(?:^|[.!?]\s+)(?:best|best wishes|(?:best|kind|warm|many) regards|regards|thanks|many thanks|thank you|cheers|"
                             r"sincerely|all the best)[,!]?\s+(?P<sig>(?-i:[A-Z])[^.!?\n]{0,60})$", re.IGNORECASE)
_JUNK_LINE = re.compile(r"automat|do not (reply|respond)|unsubscribe|confidential|intended|receiving|unmonitored|not monitored|"
                        r"view (message|job)|see (all )?jobs|^on .* wrote|^sent from|^get outlook|^(this|the) (e-?mail|message) (was|is|has)",
                        re.IGNORECASE)


def trim_footer(text: str) -> str:
    """The text without trailing footers ('Sent from my iPhone', 'This email was sent from an unmonitored mailbox')."""
    paras = text.rstrip().split("\n\n")
    while len(paras) > 1 and _JUNK_LINE.search(paras[-1]) and len(paras[-1]) < 400:
        paras.pop()
    return "\n\n".join(paras)


def signature_start(text: str) -> int:
    """Where the sign-off block starts: after 'Best regards,' or any short closing line ending in a comma, else the last short paragraph."""
    found = [m for m in _SIGNOFF.finditer(text, len(text) // 3) if not GREETING.match(m.group(0).strip())]
    if found:
        return found[-1].end()
    tail = text.rstrip()
    cut = tail.rfind("\n\n")
    return cut + 2 if cut > len(text) // 3 and len(tail) - cut < 200 else len(text)


def signature(text: str, known_company: Callable[[str], bool]) -> tuple[str, str]:
    """(writer's name, organisation) from the lines under the sign-off, or from the last short lines.

    known_company tells a one-word company ('Quillfeather') from a first name when the rest of the text has named it.
    """
    block = [ln for ln in (ln.strip(" \t-–—*>") for ln in text[signature_start(text):].split("\n")) if ln and not _JUNK_LINE.search(ln)]
    block = [ln for ln in block[:7] if len(ln) <= 70]
    while len(block) > 1 and re.search(r"[.!?,]$", block[0]):  # a closing sentence ('I'm so sorry.') above the name
        block = block[1:]
    if not block:  # 'Appreciate it. Vince', '... – Cobblestone Bakery' or '... Best, Dana' at the end of the last sentence
        m = _INLINE_SIGNOFF.search(text.rstrip()) or re.search(r"(?:[.!?]|\s[–—-])\s+(?P<sig>[A-Z][^\s.!?]+(?: [A-Z&][^\s.!?]*){0,3})\s*$", text.rstrip())
        block = [m.group("sig")] if m else []
    name, company = "", ""
    first = SEPARATORS.split(block[0], maxsplit=1) if block else [""]
    head = clean_org_name(first[0]) if first[0].lower().startswith(("the ", "team ")) else first[0]
    if person_first_name(head) and not looks_like_org(head) and not known_company(head):
        name, block = head, first[1:] + block[1:]
    for line in reversed(block):  # the organisation line comes after name and title, before nothing but address and phone
        if company := org_in_line(line) if not _ADDRESS.search(line) or SEPARATORS.search(line) else "":
            break
    return name, company
