"""`rebound worker`: watch the accounts this process holds a lease on, each exactly as `rebound run` watches one.

Every turn (a third of a lease), the worker says it is alive, renews its leases, stops watching the
accounts it lost (disabled, or claimed by another worker after its lease ran out), gives back what
it holds beyond its share, and claims accounts up to its share: the enabled accounts divided by
the workers alive, at most --concurrency. Each account it holds runs the daemon's own loop
(agent/daemon.py) in a thread of its own, with the daemon's session (a connection for passes, one
IDLE connection per watched folder) and the digest on schedule; all of them share one database
engine and one classifier. SIGTERM stops every account after the batch it is recording and
releases the leases at once; SIGKILL releases nothing, and the leases run out.

On SQLite one worker serves every account of the database: a second one is refused.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import Timeout

from agent.classifier import Classifier
from agent.config import Settings
from agent.daemon import Backoff, Daemon
from agent.delivery import DigestService
from agent.errors import AlreadyRunning, ReboundError, StoreError
from agent.fleet.accounts import Accounts
from agent.fleet.fence import Fence, LeasedMailbox
from agent.fleet.leases import Leases
from agent.fleet.settings import FleetSettings, account_settings
from agent.fleet.vault import Vault
from agent.locks import held
from agent.service import App, imap_credentials, single_instance
from agent.store import Store
from agent.timing import weekly_scheduler

log = logging.getLogger(__name__)

# How long SIGTERM waits for the accounts to finish the batch they are recording before the leases go back.
STOP_SECONDS = 20.0
# An account that cannot be set up (its password cannot be decrypted, a setting is refused) is tried again this often.
RETRY_START, RETRY_CAP = 60.0, 15 * 60.0


class AccountApp(App):
    """App for one account of a worker: the worker's store and classifier, and a mailbox that writes only under the lease."""

    def __init__(self, settings: Settings, store: Store, classifier: Classifier, fence: Fence) -> None:
        # One process per core is the worker's way to use them: no classifying processes of its own.
        super().__init__(settings, store=store, classifier=classifier, processes=1)
        self.fence = fence

    def mailbox(self) -> LeasedMailbox:
        return LeasedMailbox(self.settings.imap, imap_credentials(self.settings), self.fence)


class AccountBeats:
    """The daemon's heartbeat, written into the account's row for `rebound accounts list`."""

    def __init__(self, accounts: Accounts, account_id: int) -> None:
        self.accounts = accounts
        self.account_id = account_id

    def starting(self, within: float) -> None:
        pass

    def ok(self, next_within: float) -> None:
        self.accounts.passed(self.account_id)

    def failing(self, error: str, next_within: float) -> None:
        self.accounts.failed(self.account_id, error)


class Runner:
    """One account watched in a thread of its own, until stopped."""

    def __init__(self, worker: Worker, account_id: int) -> None:
        self.worker = worker
        self.account_id = account_id
        self.fence = Fence(f"account {account_id}", worker.lease_seconds)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"rebound-account-{account_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def _run(self) -> None:
        retry = Backoff(start=RETRY_START, cap=RETRY_CAP)
        while not self.stop.is_set():
            try:
                self._watch()
                return
            except Exception as exc:  # noqa: BLE001 - one account's trouble never stops the worker
                said = str(exc) if isinstance(exc, ReboundError) else f"{exc.__class__.__name__}: {exc}"
                delay = retry.next_delay()
                log.error("account %s: %s; trying again in %.0f s", self.account_id, said, delay)
                with contextlib.suppress(StoreError):
                    self.worker.accounts.failed(self.account_id, said)
                self.stop.wait(delay)

    def _watch(self) -> None:
        w = self.worker
        mailbox = w.accounts.mailbox(self.account_id)
        if mailbox is None:
            return  # disabled since it was claimed: the next renewal gives it back
        self.fence.account = threading.current_thread().name = mailbox.email
        settings = account_settings(w.fleet, mailbox, w.vault.open(mailbox.secret, mailbox.email))
        app = AccountApp(settings, w.store, w.classifier, self.fence)
        digest = weekly_scheduler(DigestService(settings, w.store, app.mailbox))
        daemon = Daemon(lambda: app.connect(watch=True, stop=self.stop), self.stop, digest, AccountBeats(w.accounts, self.account_id), patient=True)
        log.info("watching %s (%s on %s)", mailbox.email, mailbox.username, mailbox.imap_host)
        # On SQLite, the lock a single user's `rebound run` takes keeps it and this worker off the same mailbox.
        with single_instance(settings) if w.sqlite else contextlib.nullcontext():
            daemon.run()
        log.info("stopped watching %s", mailbox.email)


class Worker:
    """Holds leases on up to its share of the accounts, and watches each one it holds."""

    def __init__(self, fleet: FleetSettings, stop: threading.Event, *, concurrency: int | None = None, lease_seconds: int | None = None) -> None:
        self.fleet = fleet
        self.stop = stop
        self.lease_seconds = float(lease_seconds or fleet.worker.lease_seconds)
        self.vault = Vault()  # before anything else: without the key no account can be watched
        self.store = Store(fleet.database_url)
        self.sqlite = self.store.engine.dialect.name == "sqlite"
        # On SQLite one worker serves every account, unless told otherwise.
        self.concurrency = concurrency or (math.inf if self.sqlite else fleet.worker.concurrency)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.leases = Leases(self.store, self.owner, self.lease_seconds)
        self.accounts = Accounts(self.store)
        self.classifier = Classifier(fleet.classifier.model_path, fleet.classifier.confidence_threshold)
        self.runners: dict[int, Runner] = {}
        self.stopped: dict[int, Runner] = {}
        """Accounts told to stop, held until their thread has ended."""

    @property
    def turn(self) -> float:
        """How often the worker renews: three times a lease, so one slow turn never lets a lease run out."""
        return max(1.0, self.lease_seconds / 3)

    def run(self) -> None:
        """Until stop is set; then every account stops and its lease goes back."""
        with self._only_worker():
            shown = "every" if self.concurrency == math.inf else f"up to {self.concurrency}"
            log.info("worker %s: watching %s account(s), leases of %.0f s", self.owner, shown, self.lease_seconds)
            try:
                while not self.stop.is_set():
                    self.take_turn()
                    self.stop.wait(self.turn)
            finally:
                self.shut_down()

    def take_turn(self) -> None:
        """Renew, give back, claim: one turn of the worker's loop."""
        asked = time.monotonic()
        try:
            for account_id in [i for i, r in self.runners.items() if not r.alive]:
                self._stopping(account_id)  # ended by itself (a bug): given back below, for any worker to take up
            workers, enabled = self.leases.present(len(self.runners))
            kept = self.leases.renew(set(self.runners) | set(self.stopped))
            for account_id in set(self.runners) - kept:
                log.info("account %s: lease lost (disabled, or taken by another worker); stopping it", account_id)
                self._stopping(account_id)
            for account_id in kept:
                (self.runners.get(account_id) or self.stopped[account_id]).fence.renewed(asked)
            share = min(self.concurrency, math.ceil(enabled / workers))
            if len(self.runners) > share + 1:
                # A worker joined: what is beyond this one's share goes back for it to claim.
                extra = sorted(self.runners)[int(share) :]
                log.info("giving back %d account(s) for the %d worker(s) to share", len(extra), workers)
                for account_id in extra:
                    self._stopping(account_id)
            # A stopping account's lease goes back only once its thread has ended: until then it may still write.
            ended = [i for i, r in self.stopped.items() if not r.alive]
            self.leases.release(ended)
            for account_id in ended:
                del self.stopped[account_id]
            for account_id in self.leases.claim(int(share) - len(self.runners)):
                if account_id in self.runners or account_id in self.stopped:
                    # Our own lease ran out (a turn came late) and was taken back: the account's thread is still
                    # here, watching or finishing before it stops. A second one on the same mailbox would write
                    # each new draft twice, so the one there goes on (a stopping one gives the lease back once done).
                    log.info("account %s: lease taken back while its thread still runs; not starting another", account_id)
                    if account_id in self.runners:
                        self.runners[account_id].fence.renewed(asked)
                    continue
                runner = Runner(self, account_id)
                runner.fence.renewed(asked)
                self.runners[account_id] = runner
                runner.start()
        except StoreError as exc:
            # Nothing renewed meanwhile: each account stops writing once its fence is down (agent/fleet/fence.py).
            log.warning("database: %s; trying again in %.0f s", exc, self.turn)

    def _stopping(self, account_id: int) -> None:
        runner = self.runners.pop(account_id)
        runner.stop.set()
        self.stopped[account_id] = runner

    def shut_down(self) -> None:
        """Stop every account (after the batch each is recording), then give every lease back at once."""
        for account_id in list(self.runners):
            self._stopping(account_id)
        deadline = time.monotonic() + STOP_SECONDS
        for runner in self.stopped.values():
            runner.thread.join(max(0.0, deadline - time.monotonic()))
        try:
            self.leases.release(list(self.stopped))
            self.leases.leave()
        except StoreError as exc:
            log.warning("could not give the leases back (%s); they run out within %.0f s", exc, self.lease_seconds)
        log.info("worker %s stopped; %d lease(s) given back", self.owner, len(self.stopped))
        self.stopped.clear()

    @contextlib.contextmanager
    def _only_worker(self) -> Iterator[None]:
        if not self.sqlite:
            yield
            return
        database = self.store.url.removeprefix("sqlite:///")
        try:
            with held(Path(f"{database}.worker.lock"), timeout=0):
                yield
        except Timeout:
            raise AlreadyRunning(f"another worker already serves {database}: on SQLite one worker serves every account") from None
