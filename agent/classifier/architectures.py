"""The text classifiers' architecture: spaCy's bag of n-grams, over lowercased words.

spaCy's TextCatBOW hashes n-grams of ORTH, the word exactly as written, so "Unfortunately, we"
and "unfortunately we" are unrelated features and a capitalised subject line shares nothing with
the same words in the body. Email capitalises freely (subjects, sentence starts, shouting ATS
templates); hashing LOWER lets every phrase learn from all its spellings.

The two classifiers (the 8-way one and the facets) count the same n-grams of the same Docs; the
first to count a Doc's keeps them on it for the second, which halves the counting.
"""

from __future__ import annotations

from typing import Any

from spacy.attrs import LOWER
from spacy.ml.extract_ngrams import forward as count_ngrams
from spacy.ml.models.textcat import build_bow_text_classifier_v3
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model

ARCHITECTURE = "rebound.TextCatBOWLower.v1"
# doc.user_data key (with the n-gram size and attribute): the Doc's n-grams and their counts.
NGRAMS = "rebound.ngrams"


@registry.architectures(ARCHITECTURE)  # type: ignore[untyped-decorator]
def bow_lower(exclusive_classes: bool, ngram_size: int, no_output_layer: bool, length: int = 262144, nO: int | None = None) -> Model:  # type: ignore[type-arg]
    model = build_bow_text_classifier_v3(exclusive_classes, ngram_size, no_output_layer, length, nO)
    for node in model.walk():
        if node.name == "extract_ngrams":
            node.attrs["attr"] = LOWER
            node._func = shared_ngrams
    return model


def shared_ngrams(model: Model, docs: list[Doc], is_train: bool) -> tuple[Any, Any]:  # type: ignore[type-arg]
    """spaCy's n-gram counts of each Doc, counted once per Doc: the same arrays either way.

    is_train says nothing here (thinc's with_cpu asks for an update even to predict); a Doc's
    n-grams are the same in training as in use, and they send no gradient back.
    """
    key = f"{NGRAMS}.{model.attrs['ngram_size']}.{model.attrs['attr']}"
    missing = [doc for doc in docs if key not in doc.user_data]
    if missing:
        (keys, counts, lengths), _ = count_ngrams(model, missing, is_train)
        at = 0
        for doc, n in zip(missing, lengths.tolist(), strict=True):
            doc.user_data[key] = (keys[at : at + n], counts[at : at + n])
            at += n
    ops = model.ops
    each = [doc.user_data[key] for doc in docs]
    lengths = ops.asarray([k.shape[0] for k, _c in each], dtype="int32")
    keys = ops.xp.concatenate([k for k, _c in each])
    counts = ops.asarray(ops.xp.concatenate([c for _k, c in each]), dtype="f")

    def backprop(d_output: Any) -> list[Any]:
        return []

    return (keys, counts, lengths), backprop
