"""Parsing, classifying and drafting on every core: worker processes, for a pass with a long backlog.

spaCy's text classifiers are CPU-bound Python and C under the GIL, so threads would take turns on
one core; processes do not. Each worker parses a batch of fetched messages, classifies it, and
writes the drafts its rejections would get if they answer nothing of ours (what the pass decides,
as it alone reads the database); it hands back plain frozen values. Fetching, recording and
placing drafts stay in the pass's own process, in order, so exactly-once stays where it was
(agent/pipeline.py, agent/classifying.py).

A process with no other thread (`rebound once`) forks its workers, which share the pipeline it has
already loaded; one that runs other threads (the daemon's IDLE watchers) must not fork, so its
workers start from a fresh interpreter and load the pipeline themselves.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from agent.classifier import Classifier
from agent.config import DraftSettings, ProfileSettings
from agent.domain import Classification, DraftPlan, IncomingEmail, Label, RawEmail
from agent.drafts import DraftWriter
from agent.parse import parse_raw

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Drafted:
    """The drafts a rejection gets when it answers nothing of ours, written ahead (DraftWriter.kinds_for and plan)."""

    reason: str
    plans: tuple[DraftPlan, ...]
    check: tuple[str, ...]


# An email, what the classifier made of it (None: already recorded), and its drafts written ahead.
Outcome = tuple[IncomingEmail, Classification | Exception | None, Drafted | None]

# The worker's own classifier and writer: inherited from the parent (fork), or made by _load (forkserver).
_classifier: Classifier | None = None
_writer: DraftWriter | None = None


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class ClassificationFailed(Exception):
    """A worker could not classify one email; what it raised, said as text (not every exception pickles)."""


def _load(path: Path | None, threshold: float, profile: ProfileSettings, drafts: DraftSettings) -> None:
    global _classifier, _writer
    if _classifier is None:
        _classifier = Classifier(path, threshold)
        _writer = DraftWriter(profile, drafts)


def _work(batch: Sequence[RawEmail], now: datetime) -> list[Outcome]:
    """In a worker: parse and classify a batch, and write its rejections' drafts ahead."""
    assert _classifier is not None
    mails = [parse_raw(raw) for raw in batch]
    results: list[Classification | Exception]
    try:
        results = list(_classifier.classify_many(mails))
    except Exception:  # noqa: BLE001 - find the one message that breaks the batch
        results = []
        for mail in mails:
            try:
                results.append(_classifier.classify(mail))
            except Exception as exc:  # noqa: BLE001
                results.append(_portable(exc))
    return [(mail, result, _drafted(mail, result, now)) for mail, result in zip(mails, results, strict=True)]


def _drafted(mail: IncomingEmail, result: Classification | Exception, now: datetime) -> Drafted | None:
    if _writer is None or not isinstance(result, Classification) or result.label is not Label.REJECTION:
        return None
    try:
        kinds, reason = _writer.kinds_for(mail, result, now)
        plans = tuple(_writer.plan(kinds, mail, result, now))
        return Drafted(reason, plans, tuple(_writer.wording(result).check) if plans else ())
    except Exception:  # noqa: BLE001 - the pass writes them itself, and records what goes wrong
        return None


def _portable(exc: Exception) -> Exception:
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001 - anything that does not cross a pipe is said as text
        return ClassificationFailed(f"{exc.__class__.__name__}: {exc}")
    return exc


class ClassifierPool:
    """Worker processes that parse, classify and draft batches of fetched mail, one batch each at a time."""

    def __init__(self, classifier: Classifier, writer: DraftWriter, processes: int) -> None:
        global _classifier, _writer
        self.processes = processes
        if threading.active_count() == 1:
            # The workers start as copies of this process, pipeline loaded: no second load, shared pages.
            _classifier, _writer = classifier, writer
            self.executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
            # The workers are forked at the first task: now, while this process has no other thread.
            self.executor.submit(int).result()
        else:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])  # spaCy imported once, by the server the workers fork from
            self.executor = ProcessPoolExecutor(
                processes,
                mp_context=context,
                initializer=_load,
                initargs=(classifier.path, classifier.threshold, writer.profile, writer.settings),
            )
        log.debug("classifying on %d worker processes", processes)

    def submit(self, batch: Sequence[RawEmail], now: datetime) -> Future[list[Outcome]]:
        """Parse, classify and draft a batch in a worker; the future's result is in the batch's order."""
        return self.executor.submit(_work, list(batch), now)

    def close(self) -> None:
        """Stop the workers; a batch still under way is dropped (its messages are fetched again next pass)."""
        self.executor.shutdown(wait=True, cancel_futures=True)
