"""The text classifiers' architecture: spaCy's bag of n-grams, over lowercased words.

spaCy's TextCatBOW hashes n-grams of ORTH, the word exactly as written, so "Unfortunately, we"
and "unfortunately we" are unrelated features and a capitalised subject line shares nothing with
the same words in the body. Email capitalises freely (subjects, sentence starts, shouting ATS
templates); hashing LOWER lets every phrase learn from all its spellings.
"""

from __future__ import annotations

from spacy.attrs import LOWER
from spacy.ml.models.textcat import build_bow_text_classifier_v3
from spacy.util import registry
from thinc.api import Model

ARCHITECTURE = "rebound.TextCatBOWLower.v1"


@registry.architectures(ARCHITECTURE)  # type: ignore[untyped-decorator]
def bow_lower(exclusive_classes: bool, ngram_size: int, no_output_layer: bool, length: int = 262144, nO: int | None = None) -> Model:  # type: ignore[type-arg]
    model = build_bow_text_classifier_v3(exclusive_classes, ngram_size, no_output_layer, length, nO)
    for node in model.walk():
        if node.name == "extract_ngrams":
            node.attrs["attr"] = LOWER
    return model
