"""Wiring: settings in, a ready Processor (or daemon session) out, one instance per account."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from filelock import Timeout

from agent.classifier import Classifier
from agent.config import Settings
from agent.daemon import Session
from agent.drafts import DraftWriter
from agent.errors import AlreadyRunning
from agent.locks import held, lock_path
from agent.mailbox import ImapMailbox
from agent.pipeline import PassOptions, PassSummary, Processor
from agent.store import Store

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

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if not settings.imap.tls_verify:
            log.warning("[imap] tls_verify = false: the server's certificate is NOT checked; anyone on the path can read your mail")
        self.store = Store(settings.database_url)
        self.classifier = Classifier(settings.classifier.model_path, settings.classifier.confidence_threshold)
        self.writer = DraftWriter(settings.profile, settings.drafts)
        self.options = PassOptions(settings.account, settings.imap.folders, settings.imap.since_days)

    def connect(self) -> ImapSession:
        """Log in and return a session ready for passes."""
        password = self.settings.imap.resolve_password("imap")
        mailbox = ImapMailbox(self.settings.imap, password)
        return ImapSession(self, mailbox)


class ImapSession(Session):
    """One IMAP connection: passes over it, and IDLE (or a plain wait) between them."""

    def __init__(self, app: App, mailbox: ImapMailbox) -> None:
        self.app = app
        self.mailbox = mailbox
        self.processor = Processor(mailbox, app.store, app.classifier, app.writer, app.options)
        self.use_idle = app.settings.imap.idle and mailbox.supports_idle
        log.info(
            "connected to %s as %s (%s)",
            app.settings.imap.host,
            app.settings.imap.username,
            "IDLE" if self.use_idle else f"polling every {app.settings.imap.poll_seconds} s",
        )

    def run_pass(self) -> PassSummary:
        summary = self.processor.run_once()
        if summary.seen or summary.drafts_saved:
            log.info(
                "pass: %d seen, %d recorded, %d rejections, %d drafts saved, %d failed",
                summary.seen,
                summary.recorded,
                summary.rejections,
                summary.drafts_saved,
                summary.failed,
            )
        return summary

    def wait(self, stop: threading.Event, seconds: float) -> None:
        if self.use_idle:
            self.mailbox.wait_for_change(stop, seconds)
        else:
            stop.wait(min(seconds, self.app.settings.imap.poll_seconds))

    def close(self) -> None:
        self.mailbox.close()
