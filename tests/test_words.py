"""agent/classifier/words.py: a Doc's words read in one go are the words its tokens give one by one.

The extraction rules read these instead of Token attributes (agent/classifier/extract.py); any
difference would change an answer, so each is checked against spaCy's own, token by token.
"""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from agent.classifier.words import TEXT, lexical, plain_doc, words_of

TEXTS = [
    "Your application to Orchard Robotics\n\nHi Sam,\n\nThanks for applying. We've decided not to move forward.\n\nBest,\nDana",
    "Ihre Bewerbung bei der Stadtwerke Ostertal GmbH  –  leider  absagen\r\n\n\tMit freundlichen Grüßen",
    "L'entretien d'embauche n'aura pas lieu. ¿Podría usted? İstanbul ıı ſ ǅ ΣΑΣ straße\u2028next",
    "I'm sure THE Team AT acme.io (m/w/d) won't, can't — it's DON'T ’s 's I've 🎉👍🏽 𝐁old",
    "",
    "   \n\n  ",
]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("en")


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("kept", [True, False], ids=["text kept", "text rebuilt"])
def test_words_are_the_tokens_own(nlp: Language, text: str, kept: bool) -> None:
    doc = nlp.make_doc(text)
    if kept:
        doc.user_data[TEXT] = text
    words = words_of(doc)
    assert words.texts == [_plain(t.text) for t in doc]
    assert words.spaced == [bool(t.whitespace_) for t in doc]
    assert words.offsets == [t.idx for t in doc]
    assert words.text == _plain(doc.text)


def _plain(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")


def test_typographic_apostrophes_are_read_plain_and_the_tokens_stay_as_written(nlp: Language) -> None:
    # Outlook, Apple Mail and phones type U+2019; the rules' lists write "'", and read the words once.
    text = "N\u2019hésitez pas, l\u2019entretien n\u2019est qu\u2019à 10 h. \u2018Quoted\u2019 and it\u02bcs, can\u2019t."
    doc = nlp.make_doc(text)
    doc.user_data[TEXT] = text
    words = words_of(doc)
    assert words.text == "N'hésitez pas, l'entretien n'est qu'à 10 h. 'Quoted' and it's, can't."
    assert words.retyped and len(words.text) == len(text)
    assert [t.text for t in plain_doc(doc)] == words.texts
    assert doc.text == text  # what the trained model reads is the email as written
    straight = nlp.make_doc("Thanks, we can't.")
    assert plain_doc(straight) is straight and not words_of(straight).retyped
    assert words_of(doc) is words  # read once, kept on the Doc


@pytest.mark.parametrize("text", TEXTS)
def test_lexical_attributes_are_the_tokens_own(nlp: Language, text: str) -> None:
    is_stop, lower = lexical(nlp.vocab)
    doc = nlp.make_doc(text)
    assert [is_stop(t.text) for t in doc] == [t.is_stop for t in doc]
    assert [lower(t.text) for t in doc] == [t.lower_ for t in doc]
