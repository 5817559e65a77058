"""Fault injection against a real Dovecot: Rebound never loses or doubles a message or a draft.

Every scenario runs the real CLI (`rebound once` or `rebound run`) in a subprocess, injects one
fault (a kicked connection, a server restart, SIGKILL, a UIDVALIDITY reset, a refused APPEND,
hostile mail, ...) and then checks the server with plain imaplib and the database with sqlite3.
docs/reliability.md describes each scenario and what these tests measured.

Loopback only; every wait is bounded. REBOUND_FAULT_SEED replays the random kill points.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import pytest
from backlog import BacklogMail, backlog
from dovecot import DovecotFactory, DovecotServer, ImapAccount
from helpers import (
    RECONNECT_TIMEOUT,
    START_TIMEOUT,
    Rebound,
    StartDaemon,
    append_at,
    delete_message,
    drafts,
    imap_sessions,
    make_rebound,
    rejection,
    set_header,
    stop_daemon,
    summary,
    wait_for,
    wait_idle,
)
from hostile import ATTACKER, hostile_mailbox

from agent.store import MAX_ATTEMPTS, Store

pytestmark = pytest.mark.integration

BACKLOG = 160
KILLS = 8
# Long enough for a loaded CI machine to handle the whole backlog after a restart.
BACKLOG_TIMEOUT = 90.0
# Dovecot with the ACL plugin, ACL files re-read on every access (no caching).
ACL_CONF = """
mail_plugins = $mail_plugins acl
protocol imap {
  mail_plugins = $mail_plugins imap_acl
}
plugin {
  acl = vfile:cache_secs=0
}
"""

DraftKey = tuple[str, str]  # (In-Reply-To, kind)


# --- shared ----------------------------------------------------------------------------------


def draft_keys(account: ImapAccount) -> list[DraftKey]:
    """(In-Reply-To, X-Rebound-Draft) of every draft in Drafts, duplicates kept."""
    return sorted((d.in_reply_to, str(d.msg["X-Rebound-Draft"])) for d in drafts(account))


def records(rebound: Rebound) -> int:
    if not rebound.db.exists():
        return 0
    try:
        return int(rebound.query("SELECT COUNT(*) FROM emailrecord")[0][0])
    except sqlite3.OperationalError:
        return 0  # the daemon has not created its tables yet


def assert_exactly_once(rebound: Rebound, account: ImapAccount, mails: list[BacklogMail], reference: list[DraftKey]) -> None:
    """Every email recorded once, processed; Drafts holds exactly the reference drafts, each once."""
    keys = draft_keys(account)
    doubled = {k: n for k, n in Counter(keys).items() if n > 1}
    assert not doubled, f"drafts APPENDed more than once: {doubled}"
    assert set(keys) - set(reference) == set(), "drafts an uninterrupted run did not write"
    assert set(reference) - set(keys) == set(), "drafts lost"
    recorded, expected = rebound.recorded_message_ids(), {m.message_id for m in mails}
    assert recorded == expected, f"not recorded: {sorted(expected - recorded)}; unexpected: {sorted(recorded - expected)}"
    assert rebound.query("SELECT status, COUNT(*) FROM emailrecord GROUP BY status") == [("processed", len(mails))]
    rows = rebound.query("SELECT message_id, status FROM draftrecord")
    assert {status for _, status in rows} == {"saved"}
    assert sorted(mid for mid, _ in rows) == sorted(d.message_id for d in drafts(account))


@dataclass(frozen=True)
class Reference:
    mails: list[BacklogMail]
    drafts: list[DraftKey]


@pytest.fixture(scope="module")
def reference(dovecot: DovecotServer, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The backlog, and the drafts an uninterrupted `rebound once` writes for it."""
    mails = backlog(BACKLOG)
    account = ImapAccount(dovecot, f"reference-{os.getpid()}", _any_password(dovecot))
    seed(account, mails)
    rebound = make_rebound(tmp_path_factory.mktemp("reference"), account)
    started = time.monotonic()
    result = rebound.once(timeout=BACKLOG_TIMEOUT)
    seconds = time.monotonic() - started
    counts = summary(result.stdout)
    keys = draft_keys(account)
    assert (counts["seen"], counts["failed"], counts["drafts"]) == (BACKLOG, 0, len(keys)), result.stderr
    assert len(set(keys)) == len(keys) > 20
    print(f"reference: {BACKLOG} emails, {counts['rejections']} rejections, {len(keys)} drafts in {seconds:.1f} s")
    return Reference(mails, keys)


def _any_password(server: DovecotServer) -> str:
    assert server.any_user_password is not None
    return server.any_user_password


def bytes_out(account: ImapAccount) -> list[int]:
    """Bytes the server sent in each finished IMAP session of this user."""
    log = account.server.log_path.read_text(errors="replace")
    return [int(n) for n in re.findall(rf"imap\({re.escape(account.user)}\).*Disconnected:.* out=(\d+)", log)]


def seed(account: ImapAccount, mails: list[BacklogMail]) -> None:
    with account.connect() as conn:
        for mail in mails:
            typ, data = conn.append("INBOX", None, None, mail.raw)
            assert typ == "OK", data


# --- hostile mail ----------------------------------------------------------------------------


def test_hostile_mailbox(tmp_path: Path, imap_account: ImapAccount) -> None:
    hostile = hostile_mailbox()
    for item in hostile:
        imap_account.append("INBOX", item.raw)
    rebound = make_rebound(tmp_path, imap_account)

    started = time.monotonic()
    first = rebound.once(timeout=120)
    seconds = time.monotonic() - started

    counts = summary(first.stdout)
    assert counts["seen"] == len(hostile), first.stderr
    assert counts["failed"] == 0, rebound.query("SELECT message_id, error FROM emailrecord WHERE status = 'failed'")
    assert "Traceback" not in first.stderr
    saved = drafts(imap_account)
    genuine = {h.message_id for h in hostile if h.rejection}
    replied = Counter(d.in_reply_to for d in saved)
    labels = dict(rebound.query("SELECT message_id, label FROM emailrecord"))
    assert set(replied) == genuine, f"drafted {sorted(replied)}, labels {labels}"
    for draft in saved:
        head = draft.raw.split(b"\r\n\r\n", 1)[0]
        assert not re.search(rb"(?im)^bcc:", head), head
        assert draft.msg["Bcc"] is None
        assert ATTACKER not in str(draft.msg["To"])
    assert len(rebound.recorded_message_ids()) == len(hostile)
    # Over the 10 MB cap only headers and the start of the body are fetched: the 20 MB attachment
    # never crosses the wire (Dovecot logs each session's bytes out when it logs out).
    sent = wait_for(lambda: bytes_out(imap_account), 5, "Dovecot to log the session")
    assert max(sent) < 2 * 1024 * 1024, sent
    print(f"hostile mailbox: {len(hostile)} messages, first pass {seconds:.1f} s, {len(saved)} drafts, largest session out {max(sent)} B")

    second = rebound.once()

    assert summary(second.stdout) == {"seen": 0, "rejections": 0, "drafts": 0, "failed": 0}
    assert sorted(d.message_id for d in drafts(imap_account)) == sorted(d.message_id for d in saved)
    assert len(rebound.recorded_message_ids()) == len(hostile)


# --- crashes ---------------------------------------------------------------------------------


@dataclass
class Kill:
    moment: str
    records: int = 0
    pending: int = 0
    pending_on_server: int = 0


def _pending(rebound: Rebound) -> list[str]:
    try:
        return [r[0] for r in rebound.query("SELECT message_id FROM draftrecord WHERE status = 'pending'")]
    except sqlite3.OperationalError:
        return []


def _cursor_started(rebound: Rebound) -> bool:
    try:
        return bool(rebound.query("SELECT COUNT(*) FROM foldercursor")[0][0])
    except sqlite3.OperationalError:
        return False


def wait_done(rebound: Rebound, proc: subprocess.Popen[str], account: ImapAccount, expected: int) -> None:
    """Wait until every email is recorded, no draft is pending and the daemon sits in IDLE."""

    def done() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"rebound run exited with {proc.returncode}:\n{rebound.log}")
        return records(rebound) >= expected and not _pending(rebound)

    try:
        wait_for(done, BACKLOG_TIMEOUT, f"{expected} emails recorded and no draft pending", interval=0.1)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- daemon log ---\n{rebound.log[-5000:]}") from None
    wait_idle(account, proc, rebound, timeout=START_TIMEOUT)


LOGIN_LINE = "connected to "


def wait_for_moment(moment: str, rebound: Rebound, proc: subprocess.Popen[str], logins: int, goal: int, rng: random.Random) -> None:
    """Return at the moment a kill should land (or as soon as the daemon has exited by itself)."""

    def reached() -> bool:
        if proc.poll() is not None:
            return True
        if moment == "first look":
            return _cursor_started(rebound) and records(rebound) == 0
        if moment == "after login":
            return rebound.log.count(LOGIN_LINE) > logins
        if moment == "draft pending":
            return records(rebound) >= goal and bool(_pending(rebound))
        return records(rebound) >= goal

    wait_for(reached, BACKLOG_TIMEOUT, f"the moment to kill ({moment})", interval=0.002)
    if moment == "backlog":
        time.sleep(rng.uniform(0, 0.04))
    elif moment in {"after login", "draft pending"}:
        time.sleep(rng.uniform(0, 0.005))


def test_sigkill_at_random_moments_of_a_backlog(
    tmp_path: Path, imap_account: ImapAccount, reference: Reference, start_daemon: StartDaemon
) -> None:
    seed_value = int(os.environ.get("REBOUND_FAULT_SEED") or random.SystemRandom().randrange(2**32))
    print(f"REBOUND_FAULT_SEED={seed_value}")
    rng = random.Random(seed_value)
    # Mail older than since_days comes first: a crash during the first look must not widen it.
    now = datetime.now(UTC)
    old = [rejection(f"<old-{i}@fenwickhale.com>", when=now - timedelta(days=60 + i)) for i in range(5)]
    for i, raw in enumerate(old):
        append_at(imap_account, "INBOX", raw, now - timedelta(days=60 + i))
    seed(imap_account, reference.mails)
    rebound = make_rebound(tmp_path, imap_account)
    # The first kill lands after the first look began and before anything is recorded. Of the
    # others, three land at a random point of the backlog, two while a draft is pending (recorded,
    # APPEND under way or just done), and each of those two is followed by one just after the next
    # login, while that draft is being reconciled. The points of the backlog are random.
    targets = iter(sorted(rng.sample(range(2, BACKLOG - 10), 5)))
    moments: list[tuple[str, int]] = [("first look", 0)]
    for moment in rng.sample(["backlog"] * 3 + ["draft pending"] * 2, 5):
        target = next(targets)
        moments += [(moment, target), ("after login", 0)] if moment == "draft pending" else [(moment, target)]
    assert len(moments) == KILLS
    kills: list[Kill] = []

    # A draft is pending once its email's batch is committed, until it is placed: past the batch holding the
    # last email with a draft, no draft is pending any more.
    drafted = {parent for parent, _kind in reference.drafts}
    last_drafted = max(i for i, m in enumerate(reference.mails, 1) if m.message_id in drafted)
    for moment, target in moments:
        logins = rebound.log.count(LOGIN_LINE)
        if moment == "draft pending" and records(rebound) >= last_drafted and not _pending(rebound):
            moment = "backlog"  # every draft already placed: this kill lands wherever the daemon is
        proc = start_daemon(rebound)
        # A pass records a fetch batch (50 emails) in one transaction, so the count moves in steps: once the
        # last step is taken, a kill lands wherever the daemon is then (placing drafts, or idle).
        last = last_drafted if moment == "draft pending" else BACKLOG
        wait_for_moment(moment, rebound, proc, logins, min(max(target, records(rebound) + 1), last), rng)
        assert proc.poll() is None, f"rebound run exited with {proc.returncode} before the kill\n{rebound.log[-3000:]}"
        proc.kill()
        proc.wait(timeout=10)
        pending = _pending(rebound)
        on_server = {d.message_id for d in drafts(imap_account)}
        kills.append(Kill(moment, records(rebound), len(pending), len(set(pending) & on_server)))

    proc = start_daemon(rebound)
    wait_done(rebound, proc, imap_account, BACKLOG)
    stop_daemon(proc, rebound)

    for kill in kills:
        print(f"kill at {kill.moment}: {kill.records} recorded, {kill.pending} drafts pending ({kill.pending_on_server} already on the server)")
    assert_exactly_once(rebound, imap_account, reference.mails, reference.drafts)
    assert sum(k.pending for k in kills) > 0, "no kill left a draft pending: the test did not exercise reconciliation"


# --- connections -----------------------------------------------------------------------------


def interrupted_operations(log: str) -> list[str]:
    """What each reconnect interrupted, from the daemon's "...; reconnecting in" warnings."""
    return [m.split(":")[0] for m in re.findall(r"WARNING agent\.daemon: (.*); reconnecting in", log)]


def big_newsletters(count: int, size: int) -> list[BacklogMail]:
    """Large mail under the size cap (fetched whole): a FETCH of a batch holding them takes a while."""
    out = []
    for i in range(count):
        message_id = f"<photo-archive-{i}@camera-club.example>"
        msg = EmailMessage()
        msg["From"] = "Camera Club <newsletter@camera-club.example>"
        msg["To"] = "Alex Morgan <alex.morgan@example.com>"
        msg["Subject"] = f"Photo archive, part {i + 1}"
        msg["Date"] = format_datetime(datetime.now(UTC) - timedelta(minutes=90))
        msg["Message-ID"] = message_id
        msg.set_content("This month's photo walk, full resolution, attached. See you at the next meeting!\n")
        msg.add_attachment(random.Random(i).randbytes(size), maintype="image", subtype="jpeg", filename=f"walk-{i}.jpg")
        out.append(BacklogMail(message_id, "not_job", "big", msg.as_bytes(policy=SMTP)))
    return out


def _in_fetch(account: ImapAccount) -> bool:
    # Dovecot's verbose_proctitle names the command a session is executing, e.g.
    # "imap [user 127.0.0.1 UID FETCH - 8192 bytes waiting]" while the client is not reading.
    return any(" UID FETCH" in title for _pid, title in imap_sessions(account))


def kick_mid_fetch(account: ImapAccount, proc: subprocess.Popen[str], rebound: Rebound) -> None:
    """`doveadm kick` while a FETCH response is half sent.

    Rebound is frozen (SIGSTOP) while its session shows a FETCH; if the session still shows it
    50 ms later, the server is blocked writing a response bigger than the socket buffers, so the
    kick cuts it mid-literal. Otherwise (a small FETCH that already went out) try the next one.
    """
    deadline = time.monotonic() + BACKLOG_TIMEOUT
    while time.monotonic() < deadline:
        wait_for(lambda: _in_fetch(account) or proc.poll() is not None, BACKLOG_TIMEOUT, "a FETCH", interval=0.001)
        assert proc.poll() is None, rebound.log
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            time.sleep(0.05)
            if _in_fetch(account):
                account.kick()
                return
        finally:
            os.kill(proc.pid, signal.SIGCONT)
    raise AssertionError(f"no FETCH to kick into\n{rebound.log}")


def test_connection_dropped_mid_backlog(tmp_path: Path, imap_account: ImapAccount, reference: Reference, start_daemon: StartDaemon) -> None:
    # Six 6 MB newsletters in the second batch of 50: its FETCH response outgrows the socket buffers.
    big = big_newsletters(6, 6 * 1024 * 1024)
    mails = [*reference.mails[:60], *big, *reference.mails[60:]]
    seed(imap_account, mails)
    rebound = make_rebound(tmp_path, imap_account)
    proc = start_daemon(rebound)

    kick_mid_fetch(imap_account, proc, rebound)
    # Then once more, wherever the daemon is once the backlog has moved on.
    wait_for(lambda: records(rebound) >= 130 or proc.poll() is not None, BACKLOG_TIMEOUT, "130 recorded", interval=0.001)
    imap_account.kick()
    wait_done(rebound, proc, imap_account, len(mails))
    stop_daemon(proc, rebound)

    assert_exactly_once(rebound, imap_account, mails, reference.drafts)
    interrupted = interrupted_operations(rebound.log)
    print(f"interrupted: {interrupted}")
    assert len(interrupted) == 2, rebound.log
    assert interrupted[0].startswith("fetch "), interrupted


def test_server_restarted_mid_backlog(
    tmp_path: Path, dovecot_factory: DovecotFactory, reference: Reference, start_daemon: StartDaemon
) -> None:
    server = dovecot_factory()
    account = ImapAccount(server=server, user=server.user, password=server.password)
    seed(account, reference.mails)
    rebound = make_rebound(tmp_path, account)
    proc = start_daemon(rebound)

    wait_for(lambda: records(rebound) >= 60 or proc.poll() is not None, BACKLOG_TIMEOUT, "60 emails recorded", interval=0.002)
    server.stop()
    stopped = time.monotonic()
    # Down until the daemon has found it down (connection refused), then up again.
    wait_for(lambda: "refused the connection" in rebound.log, RECONNECT_TIMEOUT, "a refused reconnect", interval=0.05)
    server.restart()
    down = time.monotonic() - stopped
    up = time.monotonic()
    logins = rebound.log.count(LOGIN_LINE)
    wait_for(lambda: rebound.log.count(LOGIN_LINE) > logins, RECONNECT_TIMEOUT, "the daemon to log in again", interval=0.05)
    back = time.monotonic() - up
    wait_done(rebound, proc, account, BACKLOG)
    stop_daemon(proc, rebound)

    assert_exactly_once(rebound, account, reference.mails, reference.drafts)
    interrupted = interrupted_operations(rebound.log)
    print(f"server down {down:.1f} s, daemon back {back:.1f} s after it came up; interrupted: {interrupted}")
    assert len(interrupted) >= 2, rebound.log


# --- what the user does to drafts ------------------------------------------------------------


def move_to_sent(account: ImapAccount, message_id: str, *, new_message_id: str | None = None) -> None:
    """The user sends a draft: a copy lands in Sent (under its own or a new Message-ID), the draft goes."""
    (draft,) = [d for d in drafts(account) if d.message_id == message_id]
    raw = draft.raw if new_message_id is None else set_header(draft.raw, "Message-ID", new_message_id)
    account.append("Sent", raw, r"\Seen")
    delete_message(account, "Drafts", message_id)


def test_drafts_the_user_deleted_or_sent(tmp_path: Path, imap_account: ImapAccount) -> None:
    parents = [f"<user-{name}@fenwickhale.com>" for name in ("deletes", "sends", "sends-anew", "crash-then-sends", "keeps")]
    for parent in parents:
        imap_account.append("INBOX", rejection(parent))
    rebound = make_rebound(tmp_path, imap_account, drafts={"feedback_request": "never"})
    rebound.once()
    by_parent = {d.in_reply_to: d.message_id for d in drafts(imap_account)}
    assert set(by_parent) == set(parents)
    deletes, sends, sends_anew, crash, keeps = (by_parent[p] for p in parents)

    delete_message(imap_account, "Drafts", deletes)
    move_to_sent(imap_account, sends)
    move_to_sent(imap_account, sends_anew, new_message_id="<sent-by-the-mail-client@example.com>")
    # As if Rebound died between APPEND and recording it, and the user sent the draft meanwhile.
    assert rebound.execute("UPDATE draftrecord SET status = 'pending' WHERE message_id = ?", [crash]) == 1
    move_to_sent(imap_account, crash)

    for _ in range(2):
        result = rebound.once()
        assert summary(result.stdout)["drafts"] == 0, result.stderr
        assert [d.message_id for d in drafts(imap_account)] == [keeps]
        status = dict(rebound.query("SELECT message_id, status FROM draftrecord"))
        assert status == {deletes: "discarded", sends: "sent", sends_anew: "sent", crash: "sent", keeps: "saved"}
    assert len(imap_account.messages("Sent")) == 3


# --- what the server does --------------------------------------------------------------------


def create_folder(account: ImapAccount, folder: str) -> None:
    with account.connect() as conn:
        typ, data = conn.create(f'"{folder}"')  # imaplib does not quote names with spaces
        assert typ == "OK", data


def delete_folder(account: ImapAccount, folder: str) -> None:
    with account.connect() as conn:
        typ, data = conn.delete(f'"{folder}"')
        assert typ == "OK", data


def test_uidvalidity_reset(tmp_path: Path, imap_account: ImapAccount) -> None:
    create_folder(imap_account, "Jobs")
    inbox = [rejection(f"<inbox-{i}@fenwickhale.com>") for i in range(3)]
    jobs = [rejection(f"<jobs-{i}@fenwickhale.com>") for i in range(3)]
    for raw in inbox:
        imap_account.append("INBOX", raw)
    for raw in jobs:
        imap_account.append("Jobs", raw)
    rebound = make_rebound(tmp_path, imap_account, imap={"folders": ["INBOX", "Jobs"]})
    rebound.once()
    before = draft_keys(imap_account)
    assert len(before) >= 6
    validity = {f: imap_account.uidvalidity(f) for f in ("INBOX", "Jobs")}

    # INBOX: same messages, same UIDs, a new UIDVALIDITY (doveadm). Jobs: deleted and re-created,
    # the same mail put back newest first, so every UID now points at a different message.
    imap_account.server.doveadm("mailbox", "update", "-u", imap_account.user, "--uid-validity", str(validity["INBOX"] + 1000), "INBOX")
    delete_folder(imap_account, "Jobs")
    create_folder(imap_account, "Jobs")
    for raw in reversed(jobs):
        imap_account.append("Jobs", raw)
    imap_account.append("INBOX", rejection("<inbox-new@fenwickhale.com>"))
    imap_account.append("Jobs", rejection("<jobs-new@fenwickhale.com>"))
    assert all(imap_account.uidvalidity(f) != v for f, v in validity.items())

    result = rebound.once()

    assert summary(result.stdout)["seen"] == 2, result.stderr
    assert result.stderr.count("UIDVALIDITY changed") == 2, result.stderr
    after = draft_keys(imap_account)
    assert len(set(after)) == len(after), "a draft was written twice"
    assert {parent for parent, _ in set(after) - set(before)} == {"<inbox-new@fenwickhale.com>", "<jobs-new@fenwickhale.com>"}
    # The records now point at the new UIDs.
    jobs_uids = dict(rebound.query("SELECT message_id, uid FROM emailrecord WHERE folder = 'Jobs'"))
    assert jobs_uids == {"<jobs-2@fenwickhale.com>": 1, "<jobs-1@fenwickhale.com>": 2, "<jobs-0@fenwickhale.com>": 3, "<jobs-new@fenwickhale.com>": 4}
    assert summary(rebound.once().stdout) == {"seen": 0, "rejections": 0, "drafts": 0, "failed": 0}


def test_drafts_folder_recreated_with_the_same_drafts(tmp_path: Path, imap_account: ImapAccount) -> None:
    """Drafts moved back into a re-created folder (new UIDVALIDITY, UIDs reused) are still ours and still saved."""
    for i in range(3):
        imap_account.append("INBOX", rejection(f"<moved-{i}@fenwickhale.com>"))
    rebound = make_rebound(tmp_path, imap_account)
    rebound.once()
    drafts = imap_account.messages("Drafts")
    assert len(drafts) >= 3
    old_uids = dict(rebound.query("SELECT message_id, uid FROM draftrecord"))

    delete_folder(imap_account, "Drafts")
    create_folder(imap_account, "Drafts")
    for raw in reversed(drafts):  # every UID now holds another draft
        imap_account.append("Drafts", raw, r"\Draft")
    rebound.once()

    assert {r[4] for r in rebound.draft_rows()} == {"saved"}
    new_uids = dict(rebound.query("SELECT message_id, uid FROM draftrecord"))
    assert new_uids != old_uids
    assert sorted(new_uids.values()) == list(range(1, len(drafts) + 1))
    assert len(imap_account.messages("Drafts")) == len(drafts), "a draft was written again"


def test_the_same_email_delivered_twice(tmp_path: Path, imap_account: ImapAccount) -> None:
    create_folder(imap_account, "Jobs")
    twice = rejection("<twice@fenwickhale.com>")
    imap_account.append("INBOX", twice)
    imap_account.append("INBOX", twice)  # in the same pass, even the same batch
    imap_account.append("Jobs", twice)  # and in another watched folder
    rebound = make_rebound(tmp_path, imap_account, imap={"folders": ["INBOX", "Jobs"]})
    first = rebound.once()
    once = draft_keys(imap_account)
    assert once and {parent for parent, _ in once} == {"<twice@fenwickhale.com>"}
    assert len(set(once)) == len(once)

    imap_account.append("INBOX", twice)  # and again, on a later pass
    second = rebound.once()

    assert draft_keys(imap_account) == once
    assert rebound.recorded_message_ids() == {"<twice@fenwickhale.com>"}
    assert summary(first.stdout)["seen"] == 3 and summary(second.stdout)["seen"] == 1
    assert len(rebound.draft_rows()) == len(once)


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_append_refused(tmp_path: Path, dovecot_factory: DovecotFactory, start_daemon: StartDaemon) -> None:
    server = dovecot_factory(extra_conf=ACL_CONF)
    account = ImapAccount(server=server, user=server.user, password=server.password)
    parents = ["<refused-1@fenwickhale.com>", "<refused-2@fenwickhale.com>"]
    for parent in parents:
        account.append("INBOX", rejection(parent))
    # Drafts becomes read-only: an ACL without the insert right, so the server answers APPEND with NO.
    rights = ("lookup", "read", "write", "write-seen", "write-deleted", "expunge")
    server.doveadm("acl", "set", "-u", account.user, "Drafts", "owner", *rights)
    rebound = make_rebound(tmp_path, account, drafts={"feedback_request": "never"})

    result = rebound.run("once")

    assert result.returncode == 1, result.stdout + result.stderr
    line = one_line(result.stderr)
    assert "save draft to 'Drafts'" in line and "NOPERM" in line, line
    assert drafts(account) == []
    # Nothing lost: both rejections are recorded (one fetch batch, one transaction) with their drafts pending.
    assert [r[2] for r in rebound.draft_rows()] == parents
    assert {r[4] for r in rebound.draft_rows()} == {"pending"}

    proc = start_daemon(rebound)
    wait_for(lambda: "NOPERM" in rebound.log, START_TIMEOUT, "the daemon to try the APPEND", interval=0.05)
    server.doveadm("acl", "delete", "-u", account.user, "Drafts", "owner")
    wait_done(rebound, proc, account, len(parents))
    stop_daemon(proc, rebound)

    assert draft_keys(account) == sorted((p, "reply") for p in parents)
    assert {r[4] for r in rebound.draft_rows()} == {"saved"}
    print(f"APPEND refused {rebound.log.count('NOPERM')} time(s) by the daemon before the ACL was fixed")


def test_drafts_folder_missing(tmp_path: Path, imap_account: ImapAccount) -> None:
    create_folder(imap_account, "Job Drafts")
    imap_account.append("INBOX", rejection("<no-drafts-folder@fenwickhale.com>"))
    rebound = make_rebound(tmp_path, imap_account, imap={"drafts_folder": "Job Drafts"})
    delete_folder(imap_account, "Job Drafts")

    result = rebound.run("once")

    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "'Job Drafts'" in line and "does not exist" in line and "drafts_folder" in line, line
    assert rebound.recorded_message_ids() == set()

    create_folder(imap_account, "Job Drafts")
    rebound.once()

    assert rebound.recorded_message_ids() == {"<no-drafts-folder@fenwickhale.com>"}
    assert {r[4] for r in rebound.draft_rows()} == {"saved"}
    assert len(imap_account.messages("Job Drafts")) == len(rebound.draft_rows()) > 0


# --- credentials, one instance, the database -------------------------------------------------


def auth_failures(account: ImapAccount) -> int:
    """Logins Dovecot refused for this user (imap-login logs each failed attempt)."""
    log = account.server.log_path.read_text(errors="replace")
    return len(re.findall(rf"auth failed, \d+ attempts.*user=<{re.escape(account.user)}>", log))


def test_a_wrong_password_at_start_ends_run_with_one_line(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account, password="not-the-password")
    result = rebound.run("run", timeout=START_TIMEOUT)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]  # `run` logs its progress; the last line says why it ended
    assert line.startswith("rebound: ") and "rejected" in line and imap_account.user in line, result.stderr
    assert "not-the-password" not in result.stderr + result.stdout
    assert wait_for(lambda: auth_failures(imap_account), 5, "Dovecot to log the failed login") == 1


def test_a_login_refused_after_a_good_start_is_waited_out_and_said_once(
    tmp_path: Path, imap_account: ImapAccount, start_daemon: StartDaemon
) -> None:
    # The password comes from a command (a password manager); after a good start it begins to give a wrong one.
    secret = tmp_path / "secret.txt"
    secret.write_text(imap_account.password + "\n")
    rebound = make_rebound(tmp_path, imap_account, imap={"password_env": None, "password_command": ["cat", str(secret)]})
    proc = start_daemon(rebound)
    wait_idle(imap_account, proc, rebound, timeout=START_TIMEOUT)
    secret.write_text("not-the-password\n")
    imap_account.kick()  # the server drops every session: the daemon must log in again

    wait_for(lambda: "rejected" in rebound.log, RECONNECT_TIMEOUT, "the new login to be refused", interval=0.05)
    # A refused login after a good start is retried from a minute on: 3 s later it is still waiting, not exited.
    time.sleep(3)
    assert proc.poll() is None, rebound.log
    errors = [line for line in rebound.log.splitlines() if "rejected" in line]
    assert len(errors) == 1 and "ERROR" in errors[0] and "keeps trying" in errors[0], rebound.log
    stop_daemon(proc, rebound)  # SIGTERM ends the long wait at once
    assert "not-the-password" not in rebound.log


def test_two_daemons_on_one_account_and_database(tmp_path: Path, imap_account: ImapAccount, start_daemon: StartDaemon) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    # Another installation (its own HOME, so its own data folder) on the same config and database.
    other = Rebound(tmp_path / "other", rebound.config, rebound.db, rebound.password)
    (tmp_path / "other").mkdir()
    first = start_daemon(rebound)
    wait_idle(imap_account, first, rebound, timeout=START_TIMEOUT)

    attempts = [(rebound, "run"), (other, "run"), (other, "once")]
    with ThreadPoolExecutor(len(attempts)) as pool:
        results = list(pool.map(lambda a: a[0].run(a[1], timeout=30), attempts))
    for (_, command), result in zip(attempts, results, strict=True):
        assert result.returncode == 1, f"{command}: {result.stdout}{result.stderr}"
        line = one_line(result.stderr)
        assert "already running" in line and imap_account.user in line, line
    stop_daemon(first, rebound)
    other.once()  # the lock went with the daemon

    # SQLite in WAL mode (a property of the file) with synchronous=FULL (set on every connection).
    assert rebound.query("PRAGMA journal_mode") == [("wal",)]
    with Store(f"sqlite:///{rebound.db}").engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


# --- a message that keeps failing ------------------------------------------------------------


def test_failing_message_is_retried_a_bounded_number_of_times(tmp_path: Path, imap_account: ImapAccount) -> None:
    # A broken reply template (a user's override) makes every rejection fail; other mail is fine.
    templates = tmp_path / "templates"
    (templates / "en").mkdir(parents=True)
    (templates / "en" / "reply.txt.j2").write_text("Hi {{ first_name }}, {{ no_such_variable }}\n")
    imap_account.append("INBOX", rejection("<fails@fenwickhale.com>"))
    imap_account.append("INBOX", next(m.raw for m in backlog(40, tag="fine") if m.label == "not_job"))
    rebound = make_rebound(tmp_path, imap_account, drafts={"templates_dir": templates, "feedback_request": "never"})

    attempts = []
    for _ in range(MAX_ATTEMPTS + 1):
        counts = summary(rebound.once().stdout)
        attempts.append((counts["seen"], counts["failed"]))
    # Seen and failed on each pass: retried on the next passes, then left alone.
    assert attempts == [(2, 1)] + [(1, 1)] * (MAX_ATTEMPTS - 1) + [(0, 0)]
    [(status, tries, error)] = rebound.query("SELECT status, attempts, error FROM emailrecord WHERE message_id = '<fails@fenwickhale.com>'")
    assert (status, tries) == ("failed", MAX_ATTEMPTS)
    assert "no_such_variable" in error, error
    assert rebound.query("SELECT status, COUNT(*) FROM emailrecord GROUP BY status") == [("failed", 1), ("processed", 1)]
    assert drafts(imap_account) == []

    listed = rebound.run("list", "--failed", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["sender"].startswith("rachel.osei@") and row["status"] == "failed" and "ConfigError" in row["error"], listed.stdout
    table = rebound.run("list", "--failed").stdout
    assert "failed" in table and "ConfigError" in table and "Rachel Osei" in table, table
