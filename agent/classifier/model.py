"""The only place a spaCy pipeline is loaded and run: IncomingEmail in, Classification out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import spacy
from spacy.language import Language

from agent.classifier.components import ARRIVED, EXTRACT_ALL, rejection_score
from agent.classifier.extract import Headers
from agent.classifier.feedback import FEEDBACK
from agent.classifier.senders import is_automated
from agent.classifier.text import compose, strip_history
from agent.classifier.words import TEXT
from agent.domain import Classification, Extraction, FeedbackPoint, HeldBack, IncomingEmail, Label
from agent.errors import ClassifierError
from agent.resources import model_dir

log = logging.getLogger(__name__)

# Below this confidence an email is uncertain: recorded, no draft, listed for the user to check.
# Rejections are called from P >= 0.5, so 0.55 holds back the borderline ones in both directions.
DEFAULT_THRESHOLD = 0.55
# Fewer real words than this (empty, binary or mis-decoded mail) and there is nothing to judge.
MIN_WORDS = 4
# The labels an email may be given besides a rejection, in Label's order (the first of equal scores wins).
# Each with its name: Label.value is a property, slow to read per email.
_OTHER_LABELS = tuple((label, label.value) for label in Label if label is not Label.REJECTION)
# An email the phrase lists hold back (a no only promised, a withdrawal answered, a refusal of something
# other than a job) caps P(rejection) here: not called a rejection, and not surely anything else either
# (1 - 0.49 is below the default threshold), so it is listed for the user to check.
HELD_BACK_CAP = 0.49
# nlp.pipe batch size: large enough to amortise per-batch overhead, small enough for steady memory.
BATCH_SIZE = 128


def load_pipeline(path: Path | None = None) -> Language:
    """Load the trained pipeline shipped with Rebound (or another one at path)."""
    path = path or model_dir()
    if not (path / "config.cfg").exists():
        raise ClassifierError(f"no trained pipeline at {path}: run `make train` to build it from models/corpus")
    try:
        # The config builds spaCy's English tokenizer, which is all the pipeline uses; reading it
        # back from disk would build its ~1,300 special cases a second time (0.1-0.2 s of the
        # load). tests/test_classifier_model.py checks the two are byte for byte the same.
        return spacy.load(path, exclude=["tokenizer"])
    except (OSError, ValueError) as exc:
        raise ClassifierError(f"cannot load the pipeline at {path}: {exc}") from exc


class Classifier:
    """Tells rejections from every other kind of job email, and extracts who, what and where."""

    def __init__(
        self, path: Path | None = None, threshold: float = DEFAULT_THRESHOLD, *, extract_all: bool = False, nlp: Language | None = None
    ) -> None:
        """extract_all: extract from every email, not only from likely rejections (for classify and eval); nlp: a pipeline already loaded."""
        self.nlp = nlp if nlp is not None else load_pipeline(path)
        self.path = path
        """Where the pipeline was loaded from (None: the shipped one, or a pipeline handed over)."""
        self.threshold = threshold
        self.extract_all = extract_all
        self._feedback: Language | None = None

    def classify(self, mail: IncomingEmail) -> Classification:
        """Classify one email."""
        return next(self.classify_many([mail]))

    def classify_many(self, mails: Iterable[IncomingEmail], batch_size: int = BATCH_SIZE) -> Iterator[Classification]:
        """Classify emails in batches, in order."""

        def docs() -> Iterator[spacy.tokens.Doc]:
            for mail in mails:
                text = compose(mail.subject, mail.text)
                doc = self.nlp.make_doc(text)
                doc.user_data[TEXT] = text  # the rules read it; Doc.text would rebuild it token by token
                doc.user_data["headers"] = Headers(mail.from_name, mail.from_addr, mail.reply_to)
                doc.user_data[EXTRACT_ALL] = self.extract_all
                arrived = mail.received or mail.date
                doc.user_data[ARRIVED] = arrived.date() if arrived else None
                yield doc

        for doc in self.nlp.pipe(docs(), batch_size=batch_size):
            yield self._result(doc)

    def read_feedback(self, mail: IncomingEmail) -> tuple[FeedbackPoint, ...]:
        """What an employer's answer says to work on (agent/classifier/feedback.py); its quoted history is not read."""
        if self._feedback is None:
            # Its own small pipeline: feedback is rare, and it needs no classifier, only words.
            self._feedback = spacy.blank("en")
            self._feedback.add_pipe(FEEDBACK)
        doc = self._feedback(strip_history(mail.text.replace("\r\n", "\n")))
        points: tuple[FeedbackPoint, ...] = doc.user_data.get("feedback", ())
        return points

    def _result(self, doc: spacy.tokens.Doc) -> Classification:
        cats = doc.cats
        rejection = rejection_score(cats)
        extraction = doc.user_data.get("extraction")
        # The phrase lists are read from a score well under 0.5: a reason is kept only where it held a no back.
        held = extraction is not None and bool(extraction.held_back) and rejection >= 0.5
        if held:
            rejection = min(rejection, HELD_BACK_CAP)
        elif extraction is not None and extraction.held_back:
            extraction = replace(extraction, held_back=HeldBack.NO)
        best_other = max(_OTHER_LABELS, key=lambda pair: cats.get(pair[1], 0.0))[0]
        runner_up: Label | None
        if _fewer_words_than(doc, MIN_WORDS):
            # A bag of words with nothing in it returns the classifiers' priors at full
            # confidence; empty or garbled mail is no one's decision, so say so.
            label, confidence, runner_up = Label.NOT_JOB, 0.0, None
        elif rejection >= 0.5:
            label, confidence, runner_up = Label.REJECTION, rejection, best_other
        else:
            # Confidence is in the judgement that matters most: that this is not a rejection. A job
            # label needs the job facet to agree, as a rejection needs all three views: short
            # everyday notes ("ok, see you then") spread the 8-way scores thin, and the largest
            # of them is then a job label only because the corpus is mostly job mail.
            if best_other is not Label.NOT_JOB and cats.get("job", 1.0) < 0.5:
                best_other = Label.NOT_JOB
            label, confidence, runner_up = best_other, 1.0 - rejection, Label.REJECTION
        if extraction is None:
            headers: Headers = doc.user_data.get("headers", Headers())
            address = headers.reply_to or headers.from_addr
            extraction = Extraction(human_sender=not is_automated(address) if address else True)
        # Held back is uncertain whatever the threshold (a user's 0.5 would otherwise make the capped 0.51 sure).
        return Classification(
            label=label, confidence=confidence, uncertain=confidence < self.threshold or held, extraction=extraction, runner_up=runner_up
        )

    def scores(self, mail: IncomingEmail) -> dict[str, float]:
        """Every label's score for one email: what else it may be when the user says it is not what it seemed."""
        return dict(self.nlp(compose(mail.subject, mail.text)).cats)


def _fewer_words_than(doc: spacy.tokens.Doc, n: int) -> bool:
    """Whether the Doc holds fewer than n alphabetic words; stops at the n-th, as most mail has them in its subject."""
    seen = 0
    for token in doc:
        if token.is_alpha:
            seen += 1
            if seen >= n:
                return False
    return True
