"""A Doc's words, read once: every rule that looks at the words of an email shares them.

Walking a Doc in Python builds a Token object per word, and each attribute read crosses into
Cython: the extraction steps each did it again, and together they cost more than spaCy's
tokenizer. The numbers come out of Doc.to_array in one call and are looked up in the string
store once; the result is kept on the Doc for the other steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.attrs import IDX, ORTH, SPACY
from spacy.tokens import Doc

_KEY = "words"
# doc.user_data key: the text the Doc was made from, when whoever made it kept it (agent/classifier/model.py).
TEXT = "text"


@dataclass(frozen=True)
class Words:
    """The texts of a Doc's tokens, whether a space follows each, and where each starts in the text."""

    texts: list[str]
    spaced: list[bool]
    offsets: list[int]
    text: str
    """The Doc's text (Doc.text walks every token to build it)."""


def words_of(doc: Doc) -> Words:
    """The Doc's words, computed on first use and kept in doc.user_data."""
    found = doc.user_data.get(_KEY)
    if isinstance(found, Words):
        return found
    if len(doc) == 0:
        words = Words([], [], [], "")
    else:
        array = doc.to_array([ORTH, SPACY, IDX])
        strings = doc.vocab.strings
        texts = [strings[int(o)] for o in array[:, 0]]
        spaced = [bool(s) for s in array[:, 1]]
        text = doc.user_data.get(TEXT) or "".join(t + " " if s else t for t, s in zip(texts, spaced, strict=True))
        words = Words(texts, spaced, [int(i) for i in array[:, 2]], text)
    doc.user_data[_KEY] = words
    return words
