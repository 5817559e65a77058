"""`rebound worker` against a real Dovecot and a real PostgreSQL (and SQLite): many accounts, several workers, one killed.

The issue's measure: 30 accounts, each its own Dovecot user with its own rejections, three workers on
one PostgreSQL, one of them SIGKILLed while it works. Within two minutes every account's rejections
from a person are drafted exactly once, in that account's Drafts and From that account's address,
and every message is recorded. SIGTERM then gives every lease back at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

import pytest
from dovecot import DovecotFactory, DovecotServer, ImapAccount
from helpers import STOP_TIMEOUT, demo_mail, drafts, rejection, set_header, wait_for
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from agent.fleet.csvfile import COLUMNS
from agent.fleet.vault import KEY_ENV, new_key

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = 30
WORKERS = 3
REJECTIONS = 3  # each account's rejections from a person: one draft each
OTHERS = 5  # and mail that is not about a job, or about one but no rejection
LEASE_SECONDS = 6
DEADLINE = 120.0  # the issue's two minutes, from the workers' start
# Thirty accounts hold a pass connection and an IDLE connection each: more than Dovecot's default 100 processes.
ROOMY = "default_process_limit = 1000\ndefault_client_limit = 4000\n"


@dataclass(frozen=True)
class Mailbox:
    account: ImapAccount
    email: str
    name: str
    rejections: tuple[str, ...]
    seeded: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.account.user}@{self.account.host}"


def seed_mailboxes(server: DovecotServer, count: int) -> list[Mailbox]:
    """Each account its own user, its own rejections (from a person) and other mail: the sample emails that get no draft.

    Only the first rejection and the other mail are in INBOX at first; deliver_rest() brings the rest.
    """
    run = uuid.uuid4().hex[:6]
    others = [m for m in demo_mail() if not m.is_rejection]
    out = []
    for i in range(count):
        account = ImapAccount(server, f"fleet-{run}-{i:02d}", str(server.any_user_password))
        own = tuple(f"<fleet-{run}-{i:02d}-no-{n}@fenwickhale.com>" for n in range(REJECTIONS))
        rest = {f"<fleet-{run}-{i:02d}-{m.name[:2]}@example.org>": m.raw for m in others[i % 7 : i % 7 + OTHERS]}
        mails = [rejection(own[0], subject=f"Your application ({i}.0)")] + [set_header(raw, "Message-ID", mid) for mid, raw in rest.items()]
        deliver(account, mails)
        out.append(Mailbox(account, f"person{i:02d}@example.org", f"Person {i:02d}", own, own + tuple(rest)))
    return out


def deliver(account: ImapAccount, mails: list[bytes]) -> None:
    with account.connect() as conn:
        for raw in mails:
            typ, data = conn.append("INBOX", None, None, raw)
            assert typ == "OK", data


def deliver_rest(mailboxes: list[Mailbox]) -> None:
    """Each account's other rejections, arriving while the workers watch."""
    for i, m in enumerate(mailboxes):
        deliver(m.account, [rejection(mid, subject=f"Your application ({i}.{n})") for n, mid in enumerate(m.rejections) if n])


class Fleet:
    """Workers run as the operator runs them, on one config and one key."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.key = new_key()
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[database]\nurl = "{database_url}"\n\n[drafts]\nfeedback_request = "never"\n')
        self.procs: list[subprocess.Popen[str]] = []

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "REBOUND_CONFIG" and not k.startswith("XDG_")}
        env.update(HOME=str(self.tmp_path), XDG_DATA_HOME=str(self.tmp_path / "data"), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        env[KEY_ENV] = self.key
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "agent", "--config", str(self.config), *args],
                              capture_output=True, text=True, env=self.env, cwd=self.tmp_path, timeout=60, check=False)  # fmt: skip

    def import_accounts(self, mailboxes: list[Mailbox]) -> None:
        lines = [",".join(COLUMNS)] + [
            f"{m.name},{m.email},{m.account.host},{m.account.port},none,{m.account.user},{m.account.password}" for m in mailboxes
        ]
        path = self.tmp_path / "accounts.csv"
        path.write_text("\n".join(lines) + "\n")
        result = self.run("accounts", "import", str(path))
        assert result.returncode == 0, result.stderr

    def start(self, *args: str) -> subprocess.Popen[str]:
        log = (self.tmp_path / f"worker-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen([sys.executable, "-m", "agent", "--config", str(self.config), "worker", *args],
                                cwd=self.tmp_path, env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        log.close()
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-4000:]}" for p in sorted(self.tmp_path.glob("worker-*.log")))

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture
def fleet(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Fleet]]:
    made: list[Fleet] = []

    def make(database_url: str) -> Fleet:
        made.append(Fleet(tmp_path, database_url))
        return made[-1]

    yield make
    for f in made:
        f.stop_all()


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as db:
            return [tuple(row) for row in db.execute(text(sql))]
    finally:
        engine.dispose()


def done(url: str, mailboxes: list[Mailbox]) -> bool:
    """Every message recorded, and every Drafts folder holding its account's drafts (checked on the server)."""
    recorded = Counter(str(a) for (a,) in query(url, "SELECT account FROM emailrecord WHERE status = 'processed'"))
    if any(recorded[m.key] < len(m.seeded) for m in mailboxes):
        return False
    return all(len(drafts(m.account)) >= len(m.rejections) for m in mailboxes)


def _story(url: str, mailboxes: list[Mailbox], f: Fleet) -> str:
    """What the database and every worker's log say about each email that has more than one draft: to tell why."""
    doubled = {mid for m in mailboxes for mid, n in Counter(d.in_reply_to for d in drafts(m.account)).items() if n > 1}
    rows = query(url, "SELECT id, account, email_id, kind, parent_message_id, message_id, status, folder, uid, created_at, saved_at FROM draftrecord")
    lines = [repr(r) for r in rows if r[4] in doubled]
    for log in sorted(f.tmp_path.glob("worker-*.log")):
        lines += [f"{log.name}: {line}" for line in log.read_text(errors="replace").splitlines() if any(d in line for d in doubled)]
    return "\n".join(lines)


def assert_exactly_once(url: str, mailboxes: list[Mailbox]) -> None:
    rows = query(url, "SELECT account, message_id FROM emailrecord")
    for m in mailboxes:
        assert sorted(mid for a, mid in rows if a == m.key) == sorted(m.seeded), f"{m.email}: every message recorded, once"
        saved = drafts(m.account)
        assert sorted(d.in_reply_to for d in saved) == sorted(m.rejections), f"{m.email}: one draft for each rejection, no more"
        for d in saved:
            name, address = parseaddr(str(d.msg["From"]))
            assert (name, address) == (m.name, m.email), f"a draft in {m.email}'s Drafts is From {d.msg['From']}"
            assert "\\Draft" in d.flags
    statuses = query(url, "SELECT status, COUNT(*) FROM draftrecord GROUP BY status")
    assert statuses == [("saved", ACCOUNTS * REJECTIONS)], statuses


def test_thirty_accounts_three_workers_one_killed(dovecot_factory: DovecotFactory, postgres_url: str, fleet: Callable[[str], Fleet]) -> None:
    server = dovecot_factory(tls=False, any_user_password="fleet-password", extra_conf=ROOMY)
    mailboxes = seed_mailboxes(server, ACCOUNTS)
    f = fleet(postgres_url)
    f.import_accounts(mailboxes)
    started = time.monotonic()
    workers = [f.start("--lease-seconds", str(LEASE_SECONDS)) for _ in range(WORKERS)]

    # Once each worker holds accounts and every account's first pass is done, more mail arrives in every
    # mailbox, and the worker holding the most accounts is killed at once: amid the passes that mail starts.
    def settled() -> str | None:
        rows = query(postgres_url, "SELECT lease_owner, last_pass_at FROM account")
        held = Counter(str(o).split(":")[1] for o, _ in rows if o is not None)
        return held.most_common(1)[0][0] if len(held) == WORKERS and all(p is not None for _, p in rows) else None

    try:
        pid = wait_for(settled, 60, "every worker holding accounts, every account passed over", interval=0.2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{f.logs()}") from None
    killed = next(w for w in workers if str(w.pid) == pid)
    deliver_rest(mailboxes)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=10)
    orphans = {int(str(i)) for (i,) in query(postgres_url, f"SELECT id FROM account WHERE lease_owner LIKE '%:{killed.pid}:%'")}
    assert orphans, "the killed worker held accounts"

    def finished() -> bool:
        # Its accounts are claimed again once their leases ran out; and then every account is done.
        owners = {int(str(i)): str(o) for i, o in query(postgres_url, "SELECT id, lease_owner FROM account")}
        taken = all(owners[i] != "None" and f":{killed.pid}:" not in owners[i] for i in orphans)
        return taken and done(postgres_url, mailboxes)

    try:
        wait_for(finished, DEADLINE - (time.monotonic() - started), "every account done, the killed worker's taken over", interval=0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{f.run('accounts', 'list').stdout}\n{f.logs()}") from None
    took = time.monotonic() - started
    print(f"{ACCOUNTS} accounts, {WORKERS} workers, one killed holding {len(orphans)} account(s): all drafted in {took:.0f} s")

    try:
        assert_exactly_once(postgres_url, mailboxes)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_story(postgres_url, mailboxes, f)}") from None
    survivors = [w for w in workers if w is not killed]
    # A survivor may be between a lease it gave back (to even out the load) and the next claim: NULL is no owner.
    owners = {str(o).split(":")[1] for (o,) in query(postgres_url, "SELECT lease_owner FROM account") if o is not None}
    assert owners and owners <= {str(w.pid) for w in survivors}, f"the killed worker's accounts went to the others: {owners}"

    for w in survivors:
        w.send_signal(signal.SIGTERM)
    for w in survivors:
        assert w.wait(timeout=STOP_TIMEOUT + 20) == 0, f.logs()
    assert query(postgres_url, "SELECT COUNT(*) FROM account WHERE lease_owner IS NOT NULL") == [(0,)], "SIGTERM gives every lease back"
    # A stopped worker leaves the roll; a killed one stays on it, not counted, until the others prune it.
    assert [str(o).split(":")[1] for (o,) in query(postgres_url, "SELECT owner FROM workerrecord")] == [str(killed.pid)]
    assert "Traceback" not in f.logs()


def test_on_sqlite_one_worker_serves_every_account(dovecot_factory: DovecotFactory, tmp_path: Path, fleet: Callable[[str], Fleet]) -> None:
    server = dovecot_factory(tls=False, any_user_password="fleet-password")
    mailboxes = seed_mailboxes(server, 2)  # a person with two mailboxes
    url = f"sqlite:///{tmp_path / 'rebound.db'}"
    f = fleet(url)
    f.import_accounts(mailboxes)
    first = f.start()
    deliver_rest(mailboxes)
    wait_for(lambda: done(url, mailboxes), 60, "both accounts done", interval=0.2)

    second = f.run("worker")
    assert second.returncode == 1
    assert second.stderr.strip().splitlines()[-1] == f"rebound: another worker already serves {tmp_path / 'rebound.db'}: on SQLite one worker serves every account"
    listed = f.run("accounts", "list", "--json").stdout
    assert listed.count('"state": "watching"') == 2, listed

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=STOP_TIMEOUT + 20) == 0, f.logs()
    assert query(url, "SELECT lease_owner FROM account") == [(None,), (None,)], "SIGTERM gives every lease back"
    rows = query(url, "SELECT account, message_id FROM emailrecord")
    for m in mailboxes:
        assert sorted(mid for a, mid in rows if a == m.key) == sorted(m.seeded)
        assert sorted(d.in_reply_to for d in drafts(m.account)) == sorted(m.rejections)
