"""Helpers for the integration tests: run the real CLI, seed a real Dovecot, read the real database.

Everything here talks to the server with plain imaplib (through tests/dovecot.py), never through
the code under test, so an assertion cannot share a bug with what it checks.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

from dovecot import ImapAccount, quote_mailbox

REPO = Path(__file__).resolve().parent.parent
DEMO_MAIL = REPO / "agent" / "demo_mail"
PASSWORD_ENV = "REBOUND_TEST_IMAP_PASSWORD"
PROFILE_NAME = "Alex Morgan"
PROFILE_EMAIL = "alex.morgan@example.com"
# A no-reply address: nobody reads what is sent there, so a draft to it would go nowhere.
NO_REPLY = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|mailer-daemon|bounces?)[^@]*@|^[^@]*[-.+]no-?reply@", re.IGNORECASE)

T = TypeVar("T")


# --- the CLI ---------------------------------------------------------------------------------


def rebound_env(tmp_path: Path, password: str | None) -> dict[str, str]:
    """The environment for a CLI run: no REBOUND_CONFIG, HOME and XDG dirs inside tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in {"REBOUND_CONFIG", PASSWORD_ENV} and not k.startswith("XDG_")}
    home = tmp_path / "home"
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
    )
    if password is not None:
        env[PASSWORD_ENV] = password
    return env


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


@dataclass
class Rebound:
    """One Rebound installation: a config file, its database and its home, all under tmp_path."""

    tmp_path: Path
    config: Path
    db: Path
    password: str | None

    @property
    def env(self) -> dict[str, str]:
        return rebound_env(self.tmp_path, self.password)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`python -m agent --config CONFIG ARGS...`, in tmp_path, captured."""
        return subprocess.run(
            [sys.executable, "-m", "agent", "--config", str(self.config), *args],
            cwd=self.tmp_path,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def once(self, *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`rebound once`, which must succeed."""
        result = self.run("once", timeout=timeout)
        assert result.returncode == 0, f"rebound once exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start `rebound ARGS...` in the background; its stderr is added to tmp_path/daemon.log."""
        # Appended, not truncated: a test that restarts the daemon keeps every run's log.
        log = (self.tmp_path / "daemon.log").open("a")
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "agent", "--config", str(self.config), *args],
                cwd=self.tmp_path,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        finally:
            log.close()

    @property
    def log(self) -> str:
        path = self.tmp_path / "daemon.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows from the real SQLite file."""
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            return conn.execute(sql, tuple(params)).fetchall()
        finally:
            conn.close()

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Change the real SQLite file; returns the number of rows changed."""
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            with conn:
                return conn.execute(sql, tuple(params)).rowcount
        finally:
            conn.close()

    def recorded_message_ids(self) -> set[str]:
        return {row[0] for row in self.query("SELECT message_id FROM emailrecord")}

    def draft_rows(self) -> list[tuple[Any, ...]]:
        """(id, kind, parent_message_id, message_id, status) of every recorded draft."""
        return self.query("SELECT id, kind, parent_message_id, message_id, status FROM draftrecord ORDER BY id")


def make_rebound(
    tmp_path: Path,
    account: ImapAccount,
    *,
    security: str = "none",
    port: int | None = None,
    password: str | None = None,
    imap: dict[str, object] | None = None,
    drafts: dict[str, object] | None = None,
    extra: str = "",
    profile_email: str = PROFILE_EMAIL,
) -> Rebound:
    """Write a config for this Dovecot account (plain IMAP on loopback by default)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = tmp_path / "rebound.db"
    imap_keys: dict[str, object] = {
        "host": account.host,
        "port": port if port is not None else account.port,
        "security": security,
        "username": account.user,
        "password_env": PASSWORD_ENV,
        "folders": ["INBOX"],
        "since_days": 30,
        "idle": True,
    }
    imap_keys.update(imap or {})
    imap_keys = {k: v for k, v in imap_keys.items() if v is not None}  # None: leave the key out
    draft_keys: dict[str, object] = {"draft_max_age_days": 7}
    draft_keys.update(drafts or {})
    lines = ["[imap]"]
    # None leaves a key out (e.g. password_env, for a test that gives password_command instead).
    lines += [f"{k} = {_toml_value(v)}" for k, v in imap_keys.items() if v is not None]
    lines += ["", "[profile]", f"name = {_toml_value(PROFILE_NAME)}", f"email = {_toml_value(profile_email)}"]
    lines += ["", "[database]", f"url = {_toml_value('sqlite:///' + str(db))}"]
    lines += ["", "[drafts]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in draft_keys.items()]
    text = "\n".join(lines) + "\n" + extra
    config = tmp_path / "config.toml"
    config.write_text(text)
    config.chmod(0o600)
    return Rebound(tmp_path, config, db, account.password if password is None else password)


# --- mail ------------------------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def msgid(value: object) -> str:
    """A Message-ID header value, unfolded."""
    return " ".join(str(value or "").split())


def set_header(raw: bytes, name: str, value: str) -> bytes:
    """Replace (or add) one header in the header block of a raw message."""
    sep = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    head, _, body = raw.partition(sep)
    pattern = re.compile(rb"^" + re.escape(name.encode()) + rb":.*(?:\r?\n[ \t].*)*$", re.IGNORECASE | re.MULTILINE)
    line = f"{name}: {value}".encode()
    new_head, n = pattern.subn(lambda _m: line, head, count=1)
    if n == 0:
        new_head = head + sep[: len(sep) // 2] + line
    return new_head + sep + body


def with_date(raw: bytes, when: datetime) -> bytes:
    return set_header(raw, "Date", format_datetime(when))


@dataclass(frozen=True)
class DemoMail:
    name: str
    raw: bytes
    message_id: str
    label: str
    company: str | None
    human_sender: bool
    sender: str  # where a reply goes: Reply-To, else From

    @property
    def is_rejection(self) -> bool:
        return self.label == "rejection"


def demo_mail(now: datetime | None = None) -> list[DemoMail]:
    """The 20 sample emails, their Date headers moved to the last few hours (oldest first)."""
    now = now or datetime.now(UTC)
    expected = json.loads((DEMO_MAIL / "expected.json").read_text())
    files = sorted(DEMO_MAIL.glob("*.eml"))
    out = []
    for i, path in enumerate(files):
        # 20 messages, 10 minutes apart, the newest 10 minutes ago: all well inside any window.
        raw = with_date(path.read_bytes(), now - timedelta(minutes=10 * (len(files) - i)))
        msg = parse(raw)
        reply_to = msg["Reply-To"].addresses[0].addr_spec if msg["Reply-To"] else ""
        sender = reply_to or msg["From"].addresses[0].addr_spec
        exp = expected[path.name]
        out.append(DemoMail(path.name, raw, msgid(msg["Message-ID"]), exp["label"], exp["company"], exp["human_sender"], sender.lower()))
    return out


def demo(name_prefix: str) -> DemoMail:
    """One sample email by the start of its file name, e.g. demo("12")."""
    (found,) = [m for m in demo_mail() if m.name.startswith(name_prefix)]
    return found


def rejection(message_id: str, *, subject: str | None = None, when: datetime | None = None) -> bytes:
    """A rejection from a person (sample 12, Fenwick & Hale) under a new Message-ID."""
    raw = with_date(demo("12").raw, when or datetime.now(UTC) - timedelta(minutes=5))
    raw = set_header(raw, "Message-ID", message_id)
    if subject is not None:
        raw = set_header(raw, "Subject", subject)
    return raw


# --- the server ------------------------------------------------------------------------------


def append_at(account: ImapAccount, folder: str, raw: bytes, internal_date: datetime, flags: str = "") -> None:
    """APPEND with a given INTERNALDATE (what SEARCH SINCE looks at), as if received then."""
    with account.connect() as conn:
        typ, data = conn.append(folder, flags or None, imaplib.Time2Internaldate(internal_date), raw)
        assert typ == "OK", data


@dataclass(frozen=True)
class Draft:
    raw: bytes
    msg: EmailMessage
    flags: frozenset[str]

    @property
    def message_id(self) -> str:
        return msgid(self.msg["Message-ID"])

    @property
    def in_reply_to(self) -> str:
        return msgid(self.msg["In-Reply-To"])


def drafts(account: ImapAccount, folder: str = "Drafts") -> list[Draft]:
    """Every message in Drafts (or another folder), with its flags (read without changing any)."""
    flags = account.flags_of(folder)
    out = []
    for raw in account.messages(folder):
        msg = parse(raw)
        out.append(Draft(raw, msg, frozenset(flags.get(msgid(msg["Message-ID"]), set()))))
    return out


def delete_message(account: ImapAccount, folder: str, message_id: str) -> None:
    """Flag the message with this Message-ID \\Deleted and expunge it, as a mail client does."""
    with account.connect() as conn:
        typ, data = conn.select(quote_mailbox(folder))
        assert typ == "OK", data
        typ, data = conn.uid("SEARCH", "HEADER", "Message-ID", message_id)
        assert typ == "OK", data
        uids = data[0].split()
        assert len(uids) == 1, f"{len(uids)} messages with Message-ID {message_id} in {folder}"
        typ, data = conn.uid("STORE", uids[0].decode(), "+FLAGS.SILENT", "(\\Deleted)")
        assert typ == "OK", data
        typ, data = conn.expunge()
        assert typ == "OK", data


def imap_sessions(account: ImapAccount) -> list[tuple[int, str]]:
    """(pid, title) of this user's imap processes on the test server (Dovecot's verbose_proctitle).

    The title says what the session is doing, e.g. ``dovecot-…/imap [user 127.0.0.1 IDLE]``.
    """
    server_pgid = account.server.pid
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(server_pgid) and f"/imap [{account.user} " in title:
            found.append((int(entry.name), title))
    return found


# --- the daemon ------------------------------------------------------------------------------

# Long enough for a loaded CI machine to start Python, load spaCy and log in.
START_TIMEOUT = 30.0
DRAFT_TIMEOUT = 20.0
RECONNECT_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0  # generous for a loaded CI machine; the daemon itself notices SIGTERM within a second

StartDaemon = Callable[[Rebound], subprocess.Popen[str]]


def wait_idle(account: ImapAccount, proc: subprocess.Popen[str], rebound: Rebound, *, timeout: float, not_pid: int | None = None) -> int:
    """Wait until the daemon's session sits in IDLE (its pass is over); the session's PID."""

    def idle() -> int | None:
        if proc.poll() is not None:
            raise AssertionError(f"rebound run exited with {proc.returncode}:\n{rebound.log}")
        pids = [pid for pid, title in imap_sessions(account) if title.endswith(" IDLE]") and pid != not_pid]
        return pids[0] if pids else None

    try:
        return wait_for(idle, timeout, "the daemon to IDLE")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nsessions: {imap_sessions(account)}\n--- daemon log ---\n{rebound.log}") from None


def wait_draft(account: ImapAccount, parent: str, rebound: Rebound) -> None:
    """Wait until a draft replying to parent is in Drafts, flagged \\Draft."""

    def found() -> bool:
        return any(d.in_reply_to == parent and "\\Draft" in d.flags for d in drafts(account))

    try:
        wait_for(found, DRAFT_TIMEOUT, f"a draft replying to {parent}", interval=0.2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- daemon log ---\n{rebound.log}") from None


def stop_daemon(proc: subprocess.Popen[str], rebound: Rebound) -> None:
    """SIGTERM: the daemon must be gone within STOP_TIMEOUT, with exit code 0."""
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    try:
        code = proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"rebound run still running {STOP_TIMEOUT:g} s after SIGTERM\n{rebound.log}") from None
    assert code == 0, f"exit {code} after {time.monotonic() - started:.2f} s\n{rebound.log}"
    assert "Traceback" not in rebound.log, rebound.log


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll until condition() is truthy; its value, or an AssertionError naming what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


_SUMMARY = re.compile(r"(\d+) new message\(s\), (\d+) rejection\(s\), (\d+) draft\(s\) saved, (\d+) failed")


def summary(stdout: str) -> dict[str, int]:
    """The counts `rebound once` prints: seen, rejections, drafts, failed."""
    match = _SUMMARY.search(stdout)
    assert match, f"no summary line in {stdout!r}"
    return dict(zip(("seen", "rejections", "drafts", "failed"), map(int, match.groups()), strict=True))


def move(account: ImapAccount, source: str, target: str, message_id: str) -> None:
    """Move the message with this Message-ID to another folder, as a mail client does (UID MOVE, RFC 6851)."""
    with account.connect() as conn:
        typ, data = conn.select(f'"{source}"')
        assert typ == "OK", data
        typ, data = conn.uid("SEARCH", "HEADER", "Message-ID", message_id)
        assert typ == "OK", data
        uids = data[0].split()
        assert len(uids) == 1, f"{len(uids)} messages with Message-ID {message_id} in {source}"
        typ, data = conn.uid("MOVE", uids[0].decode(), f'"{target}"')
        assert typ == "OK", data


_LIST_LINE = re.compile(r'^\([^)]*\) (?:"[^"]*"|NIL) "?(?P<name>.*?)"?$')


def folders(account: ImapAccount, *, subscribed: bool = False) -> set[str]:
    """The names of the account's folders (LIST, or LSUB for the subscribed ones); plain ASCII names only."""
    with account.connect() as conn:
        typ, data = conn.lsub() if subscribed else conn.list()
        assert typ == "OK", data
    names = set()
    for line in data:
        match = _LIST_LINE.match(line.decode()) if isinstance(line, bytes) else None
        if match:
            names.add(match.group("name"))
    return names
