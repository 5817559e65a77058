"""One pass over a mailbox: fetch → classify → record → draft, each message exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agent.classifier import Classifier
from agent.domain import Classification, DraftKind, FeedbackPoint, IncomingEmail, Label, MailSource
from agent.drafts import DraftWriter
from agent.errors import MailboxError, StoreError
from agent.ledger import Ledger
from agent.parse import format_address
from agent.store import Store
from agent.threads import Threads

log = logging.getLogger(__name__)

# Messages fetched, classified and recorded per round trip.
BATCH = 50

# Told how far a pass is: (folder, messages handled, messages to handle in that folder).
Progress = Callable[[str, int, int], None]


@dataclass
class PassSummary:
    """What one pass did, for the CLI and the logs."""

    seen: int = 0
    recorded: int = 0
    duplicates: int = 0
    rejections: int = 0
    drafts_saved: int = 0
    failed: int = 0
    corrected: int = 0
    drafts_withdrawn: int = 0
    events: list[tuple[IncomingEmail, Classification, list[str], str]] = field(default_factory=list)


@dataclass(frozen=True)
class PassOptions:
    """The settings a pass needs, whatever the source."""

    account: str
    folders: Sequence[str]
    since_days: int = 30


class Processor:
    """Runs passes over a mail source; the store makes every step safe to repeat."""

    def __init__(
        self,
        source: MailSource,
        store: Store,
        classifier: Classifier,
        writer: DraftWriter,
        options: PassOptions,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.progress = progress
        self.store = store
        self.classifier = classifier
        self.writer = writer
        self.options = options
        self.clock = clock
        self.ledger = Ledger(source, store, options.account)
        self.threads = Threads(store, options.account, writer.profile.email)

    def run_once(self) -> PassSummary:
        """Settle the drafts already written, then handle every new message in every watched folder."""
        summary = PassSummary()
        drafts_folder = self.source.drafts_folder()
        summary.drafts_saved += self.ledger.reconcile(drafts_folder)
        self.check_saved(drafts_folder)
        for folder in self.options.folders:
            self._folder(folder, drafts_folder, summary)
        return summary

    def check_saved(self, drafts_folder: str) -> None:
        """Notice the saved drafts the user has since sent or deleted (agent/ledger.py)."""
        self.ledger.settle(self.store.drafts(self.options.account, statuses=("saved",)), drafts_folder)

    def _new_uids(self, folder: str) -> tuple[int, list[int], int]:
        """UIDVALIDITY, the UIDs to handle, and the UID the cursor may move to once they are handled.

        On a first look (and after a UIDVALIDITY change) only mail since since_days is read; the
        older mail below UIDNEXT was considered too, so the cursor moves past it afterwards.
        Otherwise a mailbox whose newest mail is old would be read in full on the next pass.
        """
        state = self.source.folder_state(folder)
        cursor = self.store.cursor(self.options.account, folder)
        since = (self.clock() - timedelta(days=self.options.since_days)).date()
        if cursor is None:
            log.info("first look at %s: reading mail since %s", folder, since)
            uids = self.source.uids_since(folder, since)
            self.store.set_cursor(self.options.account, folder, state.uidvalidity, _below(uids, state.uidnext))
            return state.uidvalidity, uids, state.uidnext - 1
        if cursor.uidvalidity != state.uidvalidity:
            # The server renumbered the folder: re-match what we know by Message-ID, read the rest.
            log.warning("%s: UIDVALIDITY changed (%s → %s); re-matching by Message-ID", folder, cursor.uidvalidity, state.uidvalidity)
            uids = self.source.uids_since(folder, since)
            ids = self.source.message_ids(folder, uids)
            self.store.rebind_uids(self.options.account, folder, state.uidvalidity, {mid: uid for uid, mid in ids.items()})
            self.store.set_cursor(self.options.account, folder, state.uidvalidity, _below(uids, state.uidnext))
            known = self.store.known_message_ids(self.options.account, list(ids.values()))
            return state.uidvalidity, [uid for uid in uids if ids.get(uid) not in known], state.uidnext - 1
        retry = self.store.failed_uids(self.options.account, folder, state.uidvalidity)
        return state.uidvalidity, sorted(set(retry) | set(self.source.uids_after(folder, cursor.last_uid))), 0

    def _folder(self, folder: str, drafts_folder: str, summary: PassSummary) -> None:
        uidvalidity, uids, considered = self._new_uids(folder)
        if uids:
            log.info("%s: %d new message(s)", folder, len(uids))
        else:
            log.debug("%s: nothing new", folder)
        for start in range(0, len(uids), BATCH):
            if self.progress is not None:
                self.progress(folder, start, len(uids))
            mails = list(self.source.fetch(folder, uids[start : start + BATCH]))
            summary.seen += len(mails)
            known = self.store.known_message_ids(self.options.account, [m.message_id for m in mails])
            fresh = []
            for mail in mails:
                if mail.message_id in known:
                    summary.duplicates += 1
                    self.store.advance_cursor(self.options.account, folder, uidvalidity, mail.uid)
                else:
                    fresh.append(mail)
            for mail, result in zip(fresh, self._classify(fresh), strict=True):
                self._handle(mail, result, uidvalidity, drafts_folder, summary)
        if self.progress is not None and uids:
            self.progress(folder, len(uids), len(uids))
        if considered > 0:
            self.store.advance_cursor(self.options.account, folder, uidvalidity, considered)

    def _classify(self, mails: list[IncomingEmail]) -> list[Classification | Exception]:
        try:
            return list(self.classifier.classify_many(mails))
        except Exception:  # noqa: BLE001 - find the one message that breaks the batch
            out: list[Classification | Exception] = []
            for mail in mails:
                try:
                    out.append(self.classifier.classify(mail))
                except Exception as exc:  # noqa: BLE001
                    out.append(exc)
            return out

    def _handle(
        self, mail: IncomingEmail, result: Classification | Exception, uidvalidity: int, drafts_folder: str, summary: PassSummary
    ) -> None:
        account = self.options.account
        try:
            if isinstance(result, Exception):
                raise result
            now = self.clock()
            # The thread first: an answer to a reply the user sent is feedback, whatever its words say.
            answered = self.threads.answered(mail)
            feedback: tuple[FeedbackPoint, ...] = ()
            kinds: list[DraftKind]
            if answered is not None:
                if result.label is Label.REJECTION:
                    result = Classification(Label.OTHER_JOB, result.confidence, extraction=result.extraction)
                feedback = self.classifier.read_feedback(mail)
                kinds, reason = [], f"an answer to your {answered.kind.replace('_', ' ')} (feedback): nothing to draft"
            else:
                kinds, reason = self.writer.kinds_for(mail, result, now)
            plans = self.writer.plan(kinds, mail, result, now)
            check = self.writer.wording(result).check if plans else ()
            stored = self.store.record(
                account,
                mail,
                result,
                plans,
                uidvalidity=uidvalidity,
                skip_reason=reason,
                check=check,
                drafts_folder=drafts_folder,
                answers=answered.id if answered else None,
                feedback=feedback,
            )
        except (MailboxError, StoreError):
            raise  # the connection or the database is gone: the daemon retries the whole pass
        except Exception as exc:  # noqa: BLE001 - one bad email never stops the others
            attempts = self.store.record_failure(account, mail, f"{exc.__class__.__name__}: {exc}", uidvalidity=uidvalidity)
            log.warning("%s: failed (attempt %d): %s: %s", describe(mail), attempts, exc.__class__.__name__, exc)
            summary.failed += 1
            return
        summary.recorded += 1
        summary.rejections += result.is_rejection
        log.info(
            "%s: %s (%.2f)%s",
            describe(mail),
            result.label.value,
            result.confidence,
            f" uncertain, or {result.runner_up.value}" if result.uncertain and result.runner_up else " uncertain" if result.uncertain else "",
        )
        log.debug("%s is %s", describe(mail), mail.message_id)
        for draft in stored:
            summary.drafts_saved += self.ledger.place(draft, drafts_folder)
        summary.events.append((mail, result, [DraftKind(d.kind).value for d in stored], reason))


# Enough of a subject to recognise the email in a log line; the rest is in `rebound list`.
LOG_SUBJECT_CHARS = 80


def describe(mail: IncomingEmail) -> str:
    """An email as a log line names it: where it is, who sent it and what about.

    Sender and subject come from strangers: every control character goes, so no log line can be
    split in two or forged, and the subject is cut short.
    """
    sender = _printable(format_address(mail.from_name, mail.from_addr) or "(no sender)")
    subject = _printable(mail.subject)
    if len(subject) > LOG_SUBJECT_CHARS:
        subject = subject[: LOG_SUBJECT_CHARS - 1] + "…"
    return f"{mail.folder} uid {mail.uid} from {sender} “{subject}”"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else " " for c in text)


def _below(uids: list[int], uidnext: int) -> int:
    """Where a first look starts its cursor: just below the oldest UID it will read.

    Not 0: if Rebound dies before the first look is over, the next pass reads on from the
    cursor, and a cursor at 0 would read the whole folder, years of mail, instead of the
    since_days window (found by SIGKILL during a first look, tests/test_faults.py).
    """
    return min(uids) - 1 if uids else max(uidnext - 1, 0)
