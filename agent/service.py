"""Wiring: settings in, a ready Processor (or daemon session) out, one instance per account."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import Timeout

from agent.classifier import Classifier
from agent.classifier.personal import PipelineChoice
from agent.config import Settings
from agent.cores import usable_cores
from agent.corrections.step import CorrectionStep
from agent.daemon import Session
from agent.drafts import DraftWriter
from agent.errors import AlreadyRunning, ClassifierError
from agent.locks import held, lock_path
from agent.mailbox import ImapMailbox
from agent.pipeline import PassOptions, PassSummary, Processor
from agent.store import Store
from agent.watch import Watchers

if TYPE_CHECKING:
    from agent.oauth.bearer import BearerTokens

log = logging.getLogger(__name__)


@contextmanager
def single_instance(settings: Settings) -> Iterator[None]:
    """Hold a lock for this account and database, so two daemons never race on one mailbox."""
    path = lock_path(settings)
    try:
        with held(path, timeout=0):
            yield
    except Timeout:
        raise AlreadyRunning(f"another Rebound is already running for {settings.account} (lock {path})") from None


class App:
    """The long-lived parts, built once per process."""

    def __init__(self, settings: Settings, *, store: Store | None = None, classifier: Classifier | None = None, processes: int | None = None) -> None:
        """store and classifier: shared with other accounts of the same process (a worker's), instead of made here.

        processes: how many may parse and classify a long backlog (every core unless told).
        """
        self.settings = settings
        if not settings.imap.tls_verify:
            log.warning("[imap] tls_verify = false: the server's certificate is NOT checked; anyone on the path can read your mail")
        self.store = store or Store(settings.database_url)
        self.pipelines: PipelineChoice | None = None
        if classifier is None:
            self.pipelines = PipelineChoice(settings.classifier.model_path, settings.database_url)
            self._pipeline = self.pipelines.current()
            classifier = self._load(self._pipeline[0])
        self.classifier = classifier
        self.writer = DraftWriter(settings.profile, settings.drafts)
        processes = usable_cores() if processes is None else processes
        self.options = PassOptions(settings.account, settings.imap.folders, settings.imap.since_days, processes=processes)

    def _load(self, path: Path) -> Classifier:
        threshold = self.settings.classifier.confidence_threshold
        assert self.pipelines is not None
        if path == self.pipelines.base:
            return Classifier(path, threshold)
        try:
            classifier = Classifier(path, threshold)
        except ClassifierError as exc:  # a damaged personal copy must not stop Rebound: the base still works
            log.warning("%s; using %s instead", exc, self.pipelines.base)
            return Classifier(self.pipelines.base, threshold)
        log.info("classifying with your personal pipeline %s (`rebound learn`)", path)
        return classifier

    def refresh_classifier(self) -> Classifier:
        """The classifier, reloaded first if `rebound learn` has written a new personal copy since (one stat a pass)."""
        if self.pipelines is None:
            return self.classifier  # shared: the process that made it keeps it
        current = self.pipelines.current()
        if current != self._pipeline:
            self._pipeline = current
            self.classifier = self._load(current[0])
        return self.classifier

    def mailbox(self) -> ImapMailbox:
        """A new logged-in connection."""
        return ImapMailbox(self.settings.imap, imap_credentials(self.settings))

    def connect(self, *, watch: bool = False, stop: threading.Event | None = None) -> ImapSession:
        """Log in and return a session ready for passes; with watch, one IDLE connection per watched folder too.

        stop: once set, a pass under way ends after the batch it is recording (SIGTERM, a lost lease).
        """
        return ImapSession(self, self.mailbox(), watch=watch, stop=stop)


class ImapSession(Session):
    """One IMAP connection for the passes; between them, the folder watchers' IDLE (or a plain wait)."""

    def __init__(self, app: App, mailbox: ImapMailbox, *, watch: bool = False, stop: threading.Event | None = None) -> None:
        self.app = app
        self.mailbox = mailbox
        self.processor = Processor(mailbox, app.store, app.classifier, app.writer, app.options)
        self.processor.open_reader = app.mailbox
        if stop is not None:
            self.processor.should_stop = stop.is_set
        self.corrections = CorrectionStep(
            mailbox, app.store, app.classifier, app.writer, app.settings.account, app.settings.imap.folders,
            folders=app.settings.imap.correction_folders,
        )
        self.watchers: Watchers | None = None
        if watch and app.settings.imap.idle and mailbox.supports_idle:
            self.watchers = Watchers(app.settings.imap.folders, app.mailbox)
            self.watchers.start()
        log.info(
            "connected to %s as %s (%s)",
            app.settings.imap.host,
            app.settings.imap.username,
            f"IDLE on {', '.join(app.settings.imap.folders)}" if self.watchers else f"polling every {app.settings.imap.poll_seconds} s",
        )

    def run_pass(self) -> PassSummary:
        if self.watchers is not None:
            self.watchers.wake.clear()  # what arrives from now on wakes the next pass
        self.processor.classifier = self.corrections.classifier = self.app.refresh_classifier()
        summary = self.processor.run_once()
        self.correct(summary)
        if summary.seen or summary.drafts_saved or summary.corrected:
            log.info(
                "pass: %d seen, %d recorded, %d rejections, %d drafts saved, %d failed, %d corrected",
                summary.seen,
                summary.recorded,
                summary.rejections,
                summary.drafts_saved,
                summary.failed,
                summary.corrected,
            )
        return summary

    def correct(self, summary: PassSummary) -> PassSummary:
        """The corrections' part of a pass (agent/corrections): what was moved into the Rebound folders, and what is queued."""
        applied = self.corrections.run()
        summary.corrected += applied.corrected
        summary.drafts_saved += applied.drafts_saved
        summary.drafts_withdrawn += applied.drafts_withdrawn
        return summary

    def wait(self, stop: threading.Event, seconds: float) -> None:
        if self.watchers is not None and self.watchers.pushing:
            self.watchers.wait(stop, seconds)
        else:
            stop.wait(min(seconds, self.app.settings.imap.poll_seconds))

    def close(self) -> None:
        if self.watchers is not None:
            self.watchers.close()
        self.mailbox.close()


def imap_credentials(settings: Settings) -> str | BearerTokens:
    """What the IMAP login presents: the password, or the account's OAuth2 tokens."""
    if settings.imap.auth == "oauth2":
        from agent.oauth.account import bearer_tokens

        return bearer_tokens(settings)
    return settings.imap.resolve_password("imap")

