"""A Doc's words, read once: every rule that looks at the words of an email shares them.

Walking a Doc in Python builds a Token object per word, and each attribute read crosses into
Cython: the extraction steps each did it again, and together they cost more than spaCy's
tokenizer. The numbers come out of Doc.to_array in one call and are looked up in the string
store once; the result is kept on the Doc for the other steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.attrs import IDX, IS_STOP, LENGTH, LOWER, ORTH, SPACY
from spacy.tokens import Doc
from spacy.vocab import Vocab

_KEY = "words"
# doc.user_data key: the text the Doc was made from, when whoever made it kept it (agent/classifier/model.py).
TEXT = "text"
# Typographic apostrophes read as the typewriter one for every rule that reads the words, here once:
# "n’hésitez", "l’entretien", "qu’à" match the phrase lists' "n'hésitez", "l'entretien", "qu'à", and
# no list holds a phrase twice. One character for one, so every offset stays where it was. The Doc's
# own tokens, which the trained model reads, stay as written: the model learnt from them as they come.
_TYPOGRAPHIC = "’‘ʼ"
_APOSTROPHES = str.maketrans(dict.fromkeys(_TYPOGRAPHIC, "'"))


@dataclass(frozen=True)
class Words:
    """The texts of a Doc's tokens, whether a space follows each, and where each starts in the text."""

    texts: list[str]
    spaced: list[bool]
    offsets: list[int]
    text: str
    """The Doc's text (Doc.text walks every token to build it), its apostrophes made plain."""
    retyped: bool = False
    """Whether a typographic apostrophe was made plain: the Doc's tokens then differ from texts (see plain_doc)."""

    def span(self, start: int, end: int) -> str:
        """The text of tokens [start, end), as doc[start:end].text gives it without building a Span."""
        return self.text[self.offsets[start] : self.offsets[end - 1] + len(self.texts[end - 1])] if end > start else ""


def words_of(doc: Doc) -> Words:
    """The Doc's words, computed on first use and kept in doc.user_data."""
    found = doc.user_data.get(_KEY)
    if isinstance(found, Words):
        return found
    if len(doc) == 0:
        words = Words([], [], [], "")
    else:
        kept = doc.user_data.get(TEXT)
        offsets, lengths, spaces = doc.to_array([IDX, LENGTH, SPACY]).T.tolist()
        if kept:
            # A token's text is its slice of the text the Doc was made from: slicing a str costs a
            # fraction of a look-up in the string store per token.
            texts = [kept[i : i + n] for i, n in zip(offsets, lengths, strict=True)]
        else:
            strings = doc.vocab.strings
            texts = [strings[o] for o in doc.to_array(ORTH).tolist()]
        spaced = [s == 1 for s in spaces]
        text = kept or "".join(t + " " if s else t for t, s in zip(texts, spaced, strict=True))
        retyped = any(map(text.__contains__, _TYPOGRAPHIC))  # rare: most mail types them straight
        if retyped:
            text, texts = text.translate(_APOSTROPHES), [t.translate(_APOSTROPHES) for t in texts]
        words = Words(texts, spaced, offsets, text, retyped)
    doc.user_data[_KEY] = words
    return words


def plain_doc(doc: Doc) -> Doc:
    """The Doc for a PhraseMatcher: the same tokens, with apostrophes made plain where the email had typographic ones."""
    read = words_of(doc)
    return Doc(doc.vocab, words=read.texts, spaces=read.spaced) if read.retyped else doc


def lexical(vocab: Vocab) -> tuple[Callable[[str], bool], Callable[[str], str]]:
    """is_stop and lower_ of a word's text, as the vocabulary computes them for its lexemes (Token.is_stop, Token.lower_).

    Called on words at hand, they spare building a Token for each word asked about.
    """
    getters = vocab.lex_attr_getters  # type: ignore[attr-defined]  # (spaCy's stubs leave it out)
    return getters[IS_STOP], getters[LOWER]
