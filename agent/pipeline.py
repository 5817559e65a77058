"""One pass over a mailbox: fetch → classify → record → draft, each message exactly once."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agent.classifier import Classifier
from agent.classifying import Classifying
from agent.cores import Drafted, Outcome
from agent.domain import Classification, DraftKind, FeedbackPoint, IncomingEmail, Label, MailSource
from agent.drafts import DraftWriter
from agent.errors import MailboxError, StoreError
from agent.ledger import Ledger
from agent.parse import format_address
from agent.placing import Placer
from agent.store import Failed, Handled, Store, StoredDraft
from agent.threads import ThreadLookup, Threads

log = logging.getLogger(__name__)

# Messages fetched, classified and recorded per round trip (and per transaction).
BATCH = 50
# A backlog this long (a first pass) goes in larger batches: each batch costs a commit (a disk sync
# on SQLite), a few lookups and a cursor move whatever its size, and for a long backlog those were
# a third of the recording. A stop (SIGTERM, a lost lease) still waits for one batch at most.
LONG_BACKLOG, LONG_BATCH = 1000, 250

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
    processes: int = 1
    """Processes that parse and classify a long backlog (agent/classifying.py); 1: this one alone."""


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
        self.open_reader: Callable[[], MailSource] | None = None
        """Opens another connection: a long backlog is fetched, and its drafts placed, beside the recording (agent/classifying.py)."""
        self.placer: Placer | None = None
        self.should_stop: Callable[[], bool] = lambda: False
        """Asked between batches: once true, the pass ends after the batch it recorded (what is left, the next pass reads)."""
        self.threads = Threads(store, options.account, writer.profile.email)

    def run_once(self) -> PassSummary:
        """Settle the drafts already written, then handle every new message in every watched folder."""
        summary = PassSummary()
        drafts_folder = self.source.drafts_folder()
        summary.drafts_saved += self.ledger.reconcile(drafts_folder)
        self.check_saved(drafts_folder)
        for folder in self.options.folders:
            if self.should_stop():
                break
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
        size = LONG_BATCH if len(uids) >= LONG_BACKLOG else BATCH
        batches = [uids[start : start + size] for start in range(0, len(uids), size)]
        handled, stopped = 0, False
        with Classifying(self, folder, len(uids)) as classifying, contextlib.ExitStack() as stack:
            if classifying.pool is not None and self.open_reader is not None:
                # A long backlog: its drafts are placed beside the recording (agent/placing.py).
                self.placer = stack.enter_context(Placer(self.open_reader, self.store, self.options.account, drafts_folder))
                stack.callback(setattr, self, "placer", None)
            for outcomes in classifying.run(batches):
                if self.progress is not None:
                    self.progress(folder, handled, len(uids))
                summary.seen += len(outcomes)
                handled += len(outcomes)
                self._batch(outcomes, uidvalidity, drafts_folder, summary)
                if self.should_stop() and handled < len(uids):
                    log.info("%s: stopping after %d of %d new message(s); the rest next time", folder, handled, len(uids))
                    stopped = True
                    break
            if self.placer is not None:
                summary.drafts_saved += self.placer.close()
        if self.progress is not None and uids:
            self.progress(folder, handled, len(uids))
        if considered > 0 and not stopped:
            self.store.advance_cursor(self.options.account, folder, uidvalidity, considered)

    def classify(self, mails: list[IncomingEmail]) -> list[Outcome]:
        """Classify in this process, skipping mail already recorded (it is only moved past)."""
        known = self.store.known_message_ids(self.options.account, [m.message_id for m in mails])
        fresh = [m for m in mails if m.message_id not in known]
        results = iter(self._classify(fresh))
        return [(m, KNOWN if m.message_id in known else next(results), None) for m in mails]

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

    def _batch(self, outcomes: Sequence[Outcome], uidvalidity: int, drafts_folder: str, summary: PassSummary) -> None:
        """Record a fetch batch in one transaction with the cursor, then put its drafts on the server.

        Should the batch's transaction fail, each message is recorded on its own instead, so one
        message the database refuses cannot hold the others back.
        """
        try:
            with self.store.transaction():
                done = self._write(outcomes, uidvalidity, drafts_folder)
        except StoreError as exc:
            log.info("recording %d messages at once failed (%s); recording them one by one", len(outcomes), exc)
            done = [self._one(mail, result, drafted, uidvalidity, drafts_folder) for mail, result, drafted in outcomes]
        for (mail, _result, _drafted), handled in zip(outcomes, done, strict=True):
            self._report(mail, handled, summary)
        drafts = [d for handled in done for d in handled.drafts]
        if self.placer is not None:
            self.placer.hand(drafts)
        else:
            summary.drafts_saved += self.ledger.place_all(drafts, drafts_folder)

    def _write(self, outcomes: Sequence[Outcome], uidvalidity: int, drafts_folder: str) -> list[Done]:
        """Plan every message of the batch and write them with a few statements; inside the batch's transaction."""
        account = self.options.account
        done: list[Done] = [Done("duplicate")] * len(outcomes)
        pending: list[tuple[int, Handled | Failed, BaseException | None]] = []

        def write() -> None:
            written = self.store.record_batch(account, uidvalidity, [entry for _, entry, _ in pending], drafts_folder=drafts_folder)
            for (i, entry, error), w in zip(pending, written, strict=True):
                if isinstance(entry, Failed):
                    done[i] = Done("failed", error=error, attempts=w.attempts)
                elif w.drafts is not None:
                    done[i] = Done("recorded", entry.result, w.drafts, entry.skip_reason)
            pending.clear()

        todo = [(i, mail, result, drafted) for i, (mail, result, drafted) in enumerate(outcomes) if result is not KNOWN]
        if self.placer is not None:  # drafts of ours in these emails' threads, placed first: read as they end up
            self.placer.wait_for(x for _, mail, _, _ in todo for x in (mail.in_reply_to, *mail.references))
        threads = self.threads.lookup([mail for _, mail, _, _ in todo])
        planned: set[str] = set()  # what the drafts planned in this batch, not yet written, are found by in a thread
        for n, (i, mail, result, drafted) in enumerate(todo):
            # An answer looks for our drafts in its thread: one planned earlier in this batch is written first.
            if planned.intersection((mail.in_reply_to, *mail.references)):
                write()
                planned.clear()
                threads = self.threads.lookup([m for _, m, _, _ in todo[n:]])
            entry, error = self._plan(mail, result, drafted, threads)
            pending.append((i, entry, error))
            if isinstance(entry, Handled):
                planned.update(x for plan in entry.drafts for x in (plan.message_id, plan.parent_message_id))
        write()
        self.store.advance_cursor(account, outcomes[0][0].folder, uidvalidity, max(mail.uid for mail, _, _ in outcomes))
        return done

    def _plan(
        self, mail: IncomingEmail, result: Classification | Exception | None, drafted: Drafted | None, threads: ThreadLookup
    ) -> tuple[Handled | Failed, BaseException | None]:
        """What to record for one message: its classification and its drafts, or why it could not be handled.

        drafted: the drafts a worker process wrote ahead, used when the email answers nothing of ours.
        """
        try:
            if isinstance(result, Exception):
                raise result
            assert result is not None
            now = self.clock()
            # The thread first: an answer to a reply the user sent is feedback, whatever its words say.
            answered = threads.answered(mail)
            feedback: tuple[FeedbackPoint, ...] = ()
            kinds: list[DraftKind]
            if answered is not None:
                if result.label is Label.REJECTION:
                    result = Classification(Label.OTHER_JOB, result.confidence, extraction=result.extraction)
                feedback = self.classifier.read_feedback(mail)
                kinds, reason = [], f"an answer to your {answered.kind.replace('_', ' ')} (feedback): nothing to draft"
            elif drafted is not None:
                return Handled(mail, result, drafted.plans, drafted.reason, drafted.check), None
            else:
                kinds, reason = self.writer.kinds_for(mail, result, now)
            plans = self.writer.plan(kinds, mail, result, now)
            check = self.writer.wording(result).check if plans else ()
            return Handled(mail, result, plans, reason, check, answered.id if answered else None, feedback), None
        except (MailboxError, StoreError):
            raise  # the connection or the database is gone: the daemon retries the whole pass
        except Exception as exc:  # noqa: BLE001 - one bad email never stops the others
            return Failed(mail, f"{exc.__class__.__name__}: {exc}"), exc

    def _one(
        self, mail: IncomingEmail, result: Classification | Exception | None, drafted: Drafted | None, uidvalidity: int, drafts_folder: str
    ) -> Done:
        """Record one message in a transaction of its own."""
        account = self.options.account
        if result is KNOWN:
            self.store.advance_cursor(account, mail.folder, uidvalidity, mail.uid)
            return Done("duplicate")
        entry, error = self._plan(mail, result, drafted, self.threads.lookup([mail]))
        if isinstance(entry, Failed):
            attempts = self.store.record_failure(account, mail, entry.error, uidvalidity=uidvalidity)
            return Done("failed", error=error, attempts=attempts)
        stored = self.store.record(
            account,
            mail,
            entry.result,
            entry.drafts,
            uidvalidity=uidvalidity,
            skip_reason=entry.skip_reason,
            check=entry.check,
            drafts_folder=drafts_folder,
            answers=entry.answers,
            feedback=entry.feedback,
        )
        return Done("recorded", entry.result, stored, entry.skip_reason)

    def _report(self, mail: IncomingEmail, handled: Done, summary: PassSummary) -> None:
        """Once its batch is committed: count the message and log it (its drafts go to the server after)."""
        if handled.outcome == "duplicate":
            summary.duplicates += 1
            return
        if handled.outcome == "failed":
            exc = handled.error
            log.warning("%s: failed (attempt %d): %s: %s", describe(mail), handled.attempts, exc.__class__.__name__, exc)
            summary.failed += 1
            return
        result = handled.result
        assert result is not None
        summary.recorded += 1
        summary.rejections += result.is_rejection
        if log.isEnabledFor(logging.INFO):  # describe() costs more than the rest of this for most mail
            log.info(
                "%s: %s (%.2f)%s",
                describe(mail),
                result.label.value,
                result.confidence,
                (f" uncertain, or {result.runner_up.value}" if result.uncertain and result.runner_up else " uncertain" if result.uncertain else "")
                + (f", held back: {result.extraction.held_back.value}" if result.extraction.held_back else ""),
            )
            log.debug("%s is %s", describe(mail), mail.message_id)
        summary.events.append((mail, result, [DraftKind(d.kind).value for d in handled.drafts], handled.reason))


# A message known before it was classified: it is only moved past.
KNOWN = None


@dataclass(frozen=True)
class Done:
    """What recording one message did, reported once its batch is committed."""

    outcome: str  # recorded | duplicate | failed
    result: Classification | None = None
    drafts: Sequence[StoredDraft] = ()
    reason: str = ""
    error: BaseException | None = None
    attempts: int = 0


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
