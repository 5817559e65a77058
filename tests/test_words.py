"""agent/classifier/words.py: a Doc's words read in one go are the words its tokens give one by one.

The extraction rules read these instead of Token attributes (agent/classifier/extract.py); any
difference would change an answer, so each is checked against spaCy's own, token by token.
"""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from agent.classifier.words import TEXT, lexical, words_of

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
    assert words.texts == [t.text for t in doc]
    assert words.spaced == [bool(t.whitespace_) for t in doc]
    assert words.offsets == [t.idx for t in doc]
    assert words.text == doc.text
    assert words_of(doc) is words  # read once, kept on the Doc


@pytest.mark.parametrize("text", TEXTS)
def test_lexical_attributes_are_the_tokens_own(nlp: Language, text: str) -> None:
    is_stop, lower = lexical(nlp.vocab)
    doc = nlp.make_doc(text)
    assert [is_stop(t.text) for t in doc] == [t.is_stop for t in doc]
    assert [lower(t.text) for t in doc] == [t.lower_ for t in doc]
