"""`make bench`: how fast Rebound reads a large mailbox, how soon it drafts, what it costs in memory, and a worker's pace.

Everything runs on this machine: a real Dovecot on 127.0.0.1 (the test suite's, tests/dovecot.py),
and for the worker a real PostgreSQL (tests/postgres.py). The mail is the team's own, generated
from models/corpus (tests/backlog.py, everyday_inbox): about 90% not about jobs. Printed at the
end is one table:

- raw bulk fetch: every message of the mailbox with imap-tools (`fetch(bulk=True)`), best of
  three; the limit a first pass cannot beat, since it reads the same bytes.
- first pass: `rebound once` as a user runs it, over the same mailbox and a fresh database,
  start-up included; messages per second and the share of the raw rate.
- new mail to draft: `rebound run` on a mailbox of its own, rejections APPENDed one at a time
  once it is back in IDLE; p50 and p95 from the APPEND's OK to the draft in Drafts, beside
  Dovecot's own delay from an APPEND to the IDLE notice (measured on a connection of the bench's).
- memory: peak and idle resident memory of the daemon (its whole process tree), and of a worker
  per account it watches (a worker's idle memory with the accounts, less its memory with none).
- a worker over many accounts: one `rebound worker` on PostgreSQL claims them all; accounts
  per minute (first passes done), IMAP connections and database transactions per account.

Sizes: BENCH_COUNT (10,000 messages), BENCH_LATENCY (20 rejections), BENCH_ACCOUNTS (40 accounts
of BENCH_PER_ACCOUNT, 50, messages each). BENCH_ONLY=fetch skips the daemon and the worker.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from backlog import everyday_inbox  # noqa: E402
from dovecot import DovecotServer, ImapAccount, dovecot_unavailable_reason  # noqa: E402
from helpers import imap_sessions, make_rebound, rejection, stop_daemon, summary, wait_for  # noqa: E402

COUNT = int(os.environ.get("BENCH_COUNT", "10000"))
LATENCY = int(os.environ.get("BENCH_LATENCY", "20"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "40"))
PER_ACCOUNT = int(os.environ.get("BENCH_PER_ACCOUNT", "50"))
ONLY = os.environ.get("BENCH_ONLY", "")
PASSWORD = "rebound-bench-password"
# Many accounts hold two connections each: more than Dovecot's default 100 processes.
ROOMY = "default_process_limit = 1000\ndefault_client_limit = 4000\n"
# The daemon's own mailbox for the latency: a first pass of this many messages before it (its peak memory).
LIVE_COUNT = 1000


def main() -> int:
    reason = dovecot_unavailable_reason()
    if reason:
        print(f"Dovecot unavailable: {reason} (`make test` installs it)", file=sys.stderr)
        return 1
    root = Path(tempfile.mkdtemp(prefix="rebound-bench-"))
    root.chmod(0o755)  # Dovecot's unprivileged service users must reach the mail folders
    rows: list[tuple[str, str]] = []
    try:
        with DovecotServer.start(root / "server", tls=False, any_user_password=PASSWORD, extra_conf=ROOMY) as server:
            rows += first_pass(root, server)
            if ONLY != "fetch":
                rows += daemon(root, server)
                rows += worker(root, server)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    rows.append(("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine slows both sides)"))
    print()
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0


# --- the mailbox ------------------------------------------------------------------------------


def fill(account: ImapAccount, raws: list[bytes]) -> None:
    """APPEND every message to INBOX, unread, on one connection: pipelined with LITERAL+ (RFC 7888), a few hundred at a time."""
    with socket.create_connection((account.host, account.port), timeout=60) as sock, sock.makefile("rb") as replies:
        replies.readline()  # the greeting
        sock.sendall(f'a LOGIN "{account.user}" "{account.password}"\r\n'.encode())
        _tagged(replies, {"a"})
        for start in range(0, len(raws), 500):
            tags = {f"m{start + i}" for i in range(len(raws[start : start + 500]))}
            commands = [f"m{start + i} APPEND INBOX {{{len(raw)}+}}\r\n".encode() + raw + b"\r\n" for i, raw in enumerate(raws[start : start + 500])]
            sock.sendall(b"".join(commands))
            _tagged(replies, tags)


def _tagged(replies: Any, tags: set[str]) -> None:
    """Read until every one of these commands is answered; each must be OK."""
    while tags:
        line = replies.readline()
        tag, _, rest = line.decode(errors="replace").partition(" ")
        if tag in tags:
            assert rest.startswith("OK"), line
            tags.discard(tag)


def raw_fetch(account: ImapAccount) -> float:
    """Seconds imap-tools takes to bulk-fetch every message of INBOX (best of three)."""
    from imap_tools import MailBoxUnencrypted

    best = float("inf")
    for _ in range(3):
        with MailBoxUnencrypted(account.host, account.port).login(account.user, account.password, initial_folder="INBOX") as box:
            started = time.perf_counter()
            n = sum(1 for _ in box.fetch(bulk=True, mark_seen=False))
            best = min(best, time.perf_counter() - started)
        assert n == COUNT, n
    return best


def first_pass(root: Path, server: DovecotServer) -> list[tuple[str, str]]:
    account = ImapAccount(server=server, user="bench", password=PASSWORD)
    mails = everyday_inbox(COUNT, tag="bench")
    started = time.perf_counter()
    fill(account, [m.raw for m in mails])
    print(f"{COUNT} messages APPENDed in {time.perf_counter() - started:.1f} s "
          f"({sum(m.label != 'not_job' for m in mails)} about jobs, {sum(m.label == 'rejection' for m in mails)} rejections)", flush=True)  # fmt: skip
    raw = raw_fetch(account)
    print(f"raw bulk fetch: {raw:.2f} s", flush=True)
    rebound = make_rebound(root / "once", account, imap={"since_days": 30})
    cpu = _children_cpu()
    with peak_memory() as peak:
        started = time.perf_counter()
        proc = rebound.start("once")
        peak.pid = proc.pid
        code = proc.wait(timeout=3600)
        took = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    assert code == 0, rebound.log[-3000:]
    said = summary(rebound.log)
    assert said["seen"] == COUNT and said["failed"] == 0, said
    print(f"first pass: {took:.1f} s ({said})", flush=True)
    raw_rate, rate = COUNT / raw, COUNT / took
    return [
        ("raw bulk fetch (imap-tools)", f"{raw_rate:,.0f} messages/s ({COUNT:,} in {raw:.2f} s)"),
        ("first pass, `rebound once`", f"{rate:,.0f} messages/s ({COUNT:,} in {took:.1f} s, start-up included)"),
        ("first pass / raw fetch", f"{rate / raw_rate:.1%}"),
        ("first pass: CPU time", f"{cpu / COUNT * 1000:.2f} ms a message, all processes ({cpu:.1f} s on {os.cpu_count()} cores)"),
        ("first pass: drafts written", f"{said['drafts']} for {said['rejections']} rejections"),
        ("first pass: peak memory", f"{peak.most / 2**20:.0f} MiB (`rebound once` and its classifying processes)"),
    ]


# --- the daemon -------------------------------------------------------------------------------


def daemon(root: Path, server: DovecotServer) -> list[tuple[str, str]]:
    account = ImapAccount(server=server, user="bench-live", password=PASSWORD)
    fill(account, [m.raw for m in everyday_inbox(LIVE_COUNT, tag="bench-live", seed=11)])
    rebound = make_rebound(root / "run", account, imap={"poll_seconds": 600, "idle": True, "since_days": 30})
    with peak_memory() as peak:
        proc = rebound.start("run")
        peak.pid = proc.pid
        try:
            wait_for(lambda: in_idle(account), 600, "the daemon's first pass, then IDLE", interval=0.2)
            time.sleep(2)
            idle = tree_rss(proc.pid)
            latencies, notices = [], []
            for n in range(LATENCY):
                wait_for(lambda: in_idle(account), 60, "the daemon to IDLE")
                parent = f"<bench-push-{n}@fenwickhale.com>"
                with idle_notice(account) as notice:
                    account.append("INBOX", rejection(parent))
                    appended = time.monotonic()
                    wait_for(lambda p=parent: drafted(account, p), 60, f"a draft for {parent}", interval=0.02)
                    latencies.append(time.monotonic() - appended)
                notices.append(notice.after(appended))
                print(f"draft {n + 1:3d}: {latencies[-1]:.2f} s (Dovecot's IDLE notice {notices[-1]:.2f} s)", flush=True)
        finally:
            stop_daemon(proc, rebound)
    return [
        ("new mail to draft, `rebound run`", f"p50 {pct(latencies, 50):.2f} s, p95 {pct(latencies, 95):.2f} s ({LATENCY} rejections, one at a time)"),
        ("Dovecot's own IDLE notice", f"p50 {pct(notices, 50):.2f} s, p95 {pct(notices, 95):.2f} s (mailbox_idle_check_interval = 1 s)"),
        ("daemon memory", f"peak {peak.most / 2**20:.0f} MiB (first pass of {LIVE_COUNT:,}), idle {idle / 2**20:.0f} MiB"),
    ]


def in_idle(account: ImapAccount) -> bool:
    return any(title.endswith(" IDLE]") for _, title in imap_sessions(account))


def drafted(account: ImapAccount, parent: str) -> bool:
    """Whether Drafts holds a draft answering this Message-ID (one SEARCH, not a fetch of every draft)."""
    with account.connect() as conn:
        conn.select('"Drafts"', readonly=True)
        typ, data = conn.uid("SEARCH", None, "HEADER", "In-Reply-To", f'"{parent}"')
        return typ == "OK" and bool(data and data[0] and data[0].split())


class Notice:
    """When an IDLE connection of the bench's heard of new mail (time.monotonic())."""

    at: float | None = None

    def after(self, appended: float) -> float:
        assert self.at is not None, "no IDLE notice"
        return max(0.0, self.at - appended)


@contextlib.contextmanager
def idle_notice(account: ImapAccount) -> Iterator[Notice]:
    """An IDLE on INBOX beside the daemon's; notice.at is when the server said EXISTS."""
    notice = Notice()
    conn = imaplib.IMAP4(account.host, account.port)
    conn.login(account.user, account.password)
    conn.select("INBOX", readonly=True)
    tag = conn._new_tag().decode()  # type: ignore[attr-defined]
    conn.send(f"{tag} IDLE\r\n".encode())
    assert conn.readline().startswith(b"+"), "IDLE refused"

    def listen() -> None:
        while (line := conn.readline()) and b"EXISTS" not in line:
            pass
        notice.at = time.monotonic()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    try:
        yield notice
        listener.join(timeout=30)
    finally:
        with contextlib.suppress(OSError):
            conn.send(b"DONE\r\n")
            conn.shutdown()


# --- a worker over many accounts --------------------------------------------------------------


def worker(root: Path, server: DovecotServer) -> list[tuple[str, str]]:
    from postgres import PostgresServer, postgres_unavailable_reason
    from sqlalchemy import create_engine, text

    from agent.fleet.csvfile import COLUMNS
    from agent.fleet.vault import KEY_ENV, new_key

    reason = postgres_unavailable_reason()
    if reason:
        return [("worker", f"not measured: PostgreSQL unavailable ({reason})")]
    users = [ImapAccount(server=server, user=f"bench-w{i:03d}", password=PASSWORD) for i in range(ACCOUNTS)]
    for i, account in enumerate(users):
        fill(account, [m.raw for m in everyday_inbox(PER_ACCOUNT, tag=f"bench-w{i:03d}", seed=100 + i)])
    with PostgresServer.start(root) as pg:
        url = pg.create_database("bench")
        home = root / "worker"
        home.mkdir()
        config = home / "config.toml"
        config.write_text(f'[database]\nurl = "{url}"\n\n[worker]\nsince_days = 30\n')
        env = {k: v for k, v in os.environ.items() if k != "REBOUND_CONFIG" and not k.startswith("XDG_")}
        env.update(HOME=str(home), PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", **{KEY_ENV: new_key()})
        cli = [sys.executable, "-m", "agent", "--config", str(config)]
        subprocess.run([*cli, "accounts", "list"], env=env, cwd=home, check=True, capture_output=True)  # creates the tables
        log = home / "worker.log"
        with log.open("w") as out:
            proc = subprocess.Popen([*cli, "worker", "--concurrency", str(ACCOUNTS), "--lease-seconds", "9"],
                                    env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        engine = create_engine(url)

        def scalar(sql: str) -> int:
            with engine.connect() as db:
                return int(db.execute(text(sql)).scalar_one())

        try:
            wait_for(lambda: "watching up to" in log.read_text(), 120, "the worker to start")
            time.sleep(3)
            empty = tree_rss(proc.pid)
            csv = home / "accounts.csv"
            csv.write_text("\n".join([",".join(COLUMNS)] + [
                f"W{a.user},{a.user}@example.org,{a.host},{a.port},none,{a.user},{a.password}" for a in users
            ]) + "\n")  # fmt: skip
            subprocess.run([*cli, "accounts", "import", str(csv)], env=env, cwd=home, check=True, capture_output=True)
            commits = scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'")
            started = time.monotonic()
            with peak_memory() as peak:
                peak.pid = proc.pid
                wait_for(lambda: scalar("SELECT COUNT(*) FROM account WHERE last_pass_at IS NOT NULL") == ACCOUNTS, 1200,
                         "every account's first pass", interval=0.2)  # fmt: skip
                took = time.monotonic() - started
                time.sleep(11)  # PostgreSQL's statistics reach pg_stat_database within 10 s of a connection's last commit
                idle = tree_rss(proc.pid)
                commits = scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'") - commits
            connections = sum(len(imap_sessions(a)) for a in users)
            # Then one new message in every mailbox: what a pass woken by new mail costs the database.
            before = scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'")
            for i, account in enumerate(users):
                fill(account, [m.raw for m in everyday_inbox(1, tag=f"bench-new{i:03d}", seed=500 + i)])
            wait_for(lambda: scalar("SELECT COUNT(*) FROM emailrecord") == ACCOUNTS * (PER_ACCOUNT + 1), 300, "the new mail recorded", interval=0.2)
            time.sleep(11)
            per_new = (scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'") - before) / ACCOUNTS
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            engine.dispose()
    per_account = (idle - empty) / ACCOUNTS
    print(f"worker: {ACCOUNTS} accounts passed over in {took:.1f} s", flush=True)
    return [
        ("worker over many accounts", f"{ACCOUNTS / took * 60:,.0f} accounts/minute ({ACCOUNTS} of {PER_ACCOUNT} messages, first passes, one worker)"),
        ("worker memory", f"{empty / 2**20:.0f} MiB with no account, peak {peak.most / 2**20:.0f} MiB, idle {idle / 2**20:.0f} MiB with {ACCOUNTS}"),
        ("worker memory per account", f"{per_account / 2**20:.1f} MiB idle"),
        ("per account, watching", f"{connections / ACCOUNTS:.0f} IMAP connections; {commits / ACCOUNTS:.0f} database transactions in its first pass and 11 s of watching"),
        ("per account, one new message", f"{per_new:.0f} database transactions (the pass it wakes, with the worker's turns meanwhile)"),
    ]


# --- measuring --------------------------------------------------------------------------------


def _children_cpu() -> float:
    """CPU seconds of every child process ended so far (and of the processes they waited for)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and every process under it (the classifying workers)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = int(fields.get("PPid", "0").strip())
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


class Peak:
    """The most a process tree held, sampled every 50 ms (from when pid is set)."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.most = 0
        self.stop = threading.Event()

    def sample(self) -> None:
        while not self.stop.wait(0.05):
            if self.pid is not None:
                self.most = max(self.most, tree_rss(self.pid))


@contextlib.contextmanager
def peak_memory() -> Iterator[Peak]:
    peak = Peak()
    sampler = threading.Thread(target=peak.sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        peak.stop.set()
        sampler.join()


if __name__ == "__main__":
    sys.exit(main())
