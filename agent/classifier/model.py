"""The only place a spaCy pipeline is loaded and run: IncomingEmail in, Classification out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language

import agent.classifier.components  # noqa: F401 - registers the custom factories before load
from agent.classifier.extract import Headers
from agent.classifier.senders import is_automated
from agent.classifier.text import compose
from agent.domain import Classification, Extraction, IncomingEmail, Label
from agent.errors import ClassifierError
from agent.resources import model_dir

log = logging.getLogger(__name__)

# Below this top-label probability an email is recorded as uncertain: no draft, listed for the user.
DEFAULT_THRESHOLD = 0.5
# nlp.pipe batch size: large enough to amortise per-batch overhead, small enough for steady memory.
BATCH_SIZE = 128


def load_pipeline(path: Path | None = None) -> Language:
    """Load the trained pipeline shipped with Rebound (or another one at path)."""
    path = path or model_dir()
    if not (path / "config.cfg").exists():
        raise ClassifierError(f"no trained pipeline at {path}: run `make train` to build it from models/corpus")
    try:
        return spacy.load(path)
    except (OSError, ValueError) as exc:
        raise ClassifierError(f"cannot load the pipeline at {path}: {exc}") from exc


class Classifier:
    """Tells rejections from every other kind of job email, and extracts who, what and where."""

    def __init__(self, path: Path | None = None, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.nlp = load_pipeline(path)
        self.threshold = threshold

    def classify(self, mail: IncomingEmail) -> Classification:
        """Classify one email."""
        return next(self.classify_many([mail]))

    def classify_many(self, mails: Iterable[IncomingEmail], batch_size: int = BATCH_SIZE) -> Iterator[Classification]:
        """Classify emails in batches, in order."""

        def docs() -> Iterator[spacy.tokens.Doc]:
            for mail in mails:
                doc = self.nlp.make_doc(compose(mail.subject, mail.text))
                doc.user_data["headers"] = Headers(mail.from_name, mail.from_addr, mail.reply_to)
                yield doc

        for doc in self.nlp.pipe(docs(), batch_size=batch_size):
            yield self._result(doc)

    def _result(self, doc: spacy.tokens.Doc) -> Classification:
        cats = doc.cats
        top = max(cats, key=cats.__getitem__)
        confidence = float(cats[top])
        extraction = doc.user_data.get("extraction")
        if extraction is None:
            headers: Headers = doc.user_data.get("headers", Headers())
            address = headers.reply_to or headers.from_addr
            extraction = Extraction(human_sender=not is_automated(address) if address else True)
        return Classification(label=Label(top), confidence=confidence, uncertain=confidence < self.threshold, extraction=extraction)
