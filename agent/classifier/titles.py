"""What a job title looks like: a role noun ('Engineer', 'verpleegkundige') and how titles start and end.

The nouns are data (role.words.nouns and role.words.stems in patterns/<lang>.toml): English nouns
as whole words, singular or plural; German, Dutch, French and Spanish stems as a word or a compound's
head ('Vertriebsmitarbeiter', 'Pflegefachkraft'), since those languages compound them, but never inside
a word ('Leiterplatten', 'commission').
"""

from __future__ import annotations

from functools import lru_cache

from agent.classifier.lexicon import phrases, word_list, words

_ROLE_NOUNS = words("role.words.nouns")
_ROLE_STEMS = tuple(words("role.words.stems"))
_STEM_WORDS = frozenset(_ROLE_STEMS)
# What may follow a stem in a title: German and Dutch feminine and plural forms, French and Spanish plural and feminine ones.
_STEM_FORMS = tuple(stem + ending for stem in _ROLE_STEMS for ending in words("role.words.stem_endings") | {""})
_TITLE_STARTS = phrases("role.words.title_starts")
# Words no title holds ('Nachfrage zum Stand meiner Bewerbung', 'Where we landed on the product designer').
_NOT_IN_TITLE = words("role.words.not_in_title")
_TITLE_WORDS = words("role.words.title_modifiers") | words("role.words.title_starts")


def has_role_word(text: str) -> bool:
    """A job title's noun in the text: 'Engineer', 'nurses', or a stem as a word or a compound's head ('Vertriebsmitarbeiterin').

    'Vindkraft' and 'Leiterplatten Gruber' hold a stem's letters and no title: a stem counts only as a whole word or at a
    word's end after three letters or more, with an inflection ('-in', '-en', '-s') at most.
    """
    ws = word_list(text)
    if any(w in _ROLE_NOUNS or (w.endswith("s") and w[:-1] in _ROLE_NOUNS) for w in ws):
        return True
    low = text.lower()
    if not any(map(low.__contains__, _ROLE_STEMS)):  # asked of every candidate name and role: most hold no stem, searched in C
        return False
    return any(_stem_head(w) for w in ws)


def _stem_head(word: str) -> bool:
    """'mitarbeiter', 'Vertriebsmitarbeiterinnen', 'docenten': a stem, inflected or not, alone or as the head of a compound."""
    if not word.endswith(_STEM_FORMS):  # most words: one search in C
        return False
    for form in _STEM_FORMS:
        if word.endswith(form):
            k = len(word) - len(form)
            if k == 0 or (k >= 3 and word[:k].isalpha()):
                return True
    return False


def is_role_noun(word: str) -> bool:
    """One word that is a job title's noun, singular or plural ('Engineer', 'Analysts', 'Mitarbeiter')."""
    w = word.lower()
    return w in _ROLE_NOUNS or (w.endswith("s") and w[:-1] in _ROLE_NOUNS) or w in _ROLE_STEMS


def ends_with_role_noun(word: str) -> bool:
    """A lowercase word ending in a role noun ('barista', 'caseworker', 'nurses')."""
    for w in (word[:-1], word) if word.endswith("s") else (word,):
        for k in range(len(w)):
            if w[k:] in _ROLE_NOUNS and (k == 0 or (w[:k].isascii() and w[:k].isalpha())):
                return True
    return False


def is_title(text: str) -> bool:
    """'Store Manager', 'Creative Director', 'Head of Strategy': a job title ends in a singular role noun."""
    last = "".join(c for c in text.split()[-1] if c.isalnum() or c in "_-") if text.split() else ""
    if last and is_role_noun(last) and not last.lower().endswith("s"):
        return True
    if last and _compound_title(last.lower()):
        return True
    low = text.lower()
    return any(low.startswith(w) and not low[len(w) : len(w) + 1].isalnum() for w in _TITLE_STARTS)


def opens_with_role_stem(text: str) -> bool:
    """'Jefa de Sala', 'Técnica …': a French, Spanish or Dutch title opens with its noun, one of role.words.stems as a whole word."""
    first = text.split(None, 1)[0].lower() if text.strip() else ""
    return first in _STEM_WORDS


def opens_title(word: str) -> bool:
    """Whether a title can start with this word: one of its words, a role noun, or a one-word title ('Tech', 'Filiaalmanager')."""
    return word.lower() in _TITLE_WORDS or is_role_noun(word) or leading_title(word)


@lru_cache(maxsize=4096)  # asked of every name's first words, which recur across a thread
def leading_title(text: str) -> bool:
    """A title that can stand before an organisation's name on one line: 'Store Manager', 'Tech Lead', 'Filiaalmanager', 'HR-adviseur'.

    Every word a title's (role.words.title_modifiers, title_starts, role nouns), so 'Van Hove Executive Search' keeps its name;
    one word only when it is a compound whose head is a role noun or stem: 'Principal', 'Partner' and 'Host' open real names.
    """
    ws = text.split()
    if len(ws) > 1:
        # 'Head of School', 'Director of Music': what follows 'of' is the title's field, not an organisation
        return is_role_noun(ws[-1]) and all(w in _TITLE_WORDS or is_role_noun(w) for w in word_list(text))
    word = ws[0].lower() if ws else ""
    head = word.rsplit("-", 1)[-1]
    if head != word:
        return is_role_noun(head)  # 'HR-adviseur'
    if word in _STEM_WORDS or (not is_role_noun(word) and _stem_head(word)):
        return True  # 'Coördinator', 'Praktijkhouder', 'Filiaalmanager': a stem is a title, wherever it stands
    return not is_role_noun(word) and _compound_title(word)


def _compound_title(word: str) -> bool:
    """One word that closes in a job title's noun: 'Headteacher', 'Praxismanagerin' (a German feminine form ends in -in)."""
    if word.endswith("s"):
        return False
    return any(_closes_in_role_noun(w) for w in ((word, word[:-2]) if word.endswith("in") else (word,)))


def _closes_in_role_noun(word: str) -> bool:
    """The word is a role noun, or a word of three letters or more before one of five or more ('Cooperative', 'Treuhand' are no titles)."""
    return word in _ROLE_NOUNS or any(
        word[k:] in _ROLE_NOUNS and word[:k].isalpha() for k in range(3, len(word) - 4))


# German titles say the writer's gender: 'Personalreferentin', 'HR-Fachfrau' / 'Personalreferent', 'Kaufmann'.
_FEMININE_TRADES = ("fachfrau", "kauffrau")
_MASCULINE_TRADES = ("fachmann", "kaufmann")
# 'Praxismanagerin': a German feminine of an English title. 'HR Manager' signs for women too, so it has no masculine.
_FEMININE_LOANS = ("managerin",)


# French titles list their gendered forms (agent/classifier/patterns/fr.toml); a German title is read by its ending.
_FRENCH_FEMININE = words("names.feminine_titles")
_FRENCH_MASCULINE = words("names.masculine_titles")


def title_gender(line: str, language: str) -> str:
    """'f' or 'm' when a title in the line is marked for gender in the letter's language ('Schulleiterin',
    'Sachbearbeiter'; 'Chargée de recrutement', 'Directeur RH'), else ''. Only German and French are read: read
    as German, 'Directrice' would look like a masculine noun."""
    if language == "de":
        found = {_gender_of(w) for w in word_list(line)} - {""}
    elif language == "fr":
        line_words = word_list(line)
        if "e" in line_words:
            return ""  # 'Chargé(e) de recrutement', 'Chargé·e': written for either
        found = {"f" if w in _FRENCH_FEMININE else "m" if w in _FRENCH_MASCULINE else "" for w in line_words} - {""}
    else:
        return ""
    return found.pop() if len(found) == 1 else ""  # 'Leiterin … Referent' on one line: no answer


def _gender_of(word: str) -> str:
    if word.endswith(_FEMININE_TRADES + _FEMININE_LOANS):
        return "f"
    if word.endswith(_MASCULINE_TRADES):
        return "m"
    if word.endswith("innen") or not has_role_word(word):
        return ""  # a plural ('Referentinnen') or no German title at all
    if word.endswith("in"):
        return "f"  # 'Personalreferentin', 'Rechtsanwältin': German titles that end in '-in' are feminine
    return "m" if _stem_head(word) else ""


def holds_no_title(text: str) -> bool:
    """Whether the text holds a word no title holds (a pronoun, 'cancelled', a sentence's verb): a sentence or a subject
    line, not a job title. Asked of subject segments before they are voted for and of a role before a reply names it."""
    return not _NOT_IN_TITLE.isdisjoint(word_list(text))
