"""A real, throwaway Dovecot 2.3 IMAP server for integration tests.

Each :class:`DovecotServer` lives in its own folder (config, TLS certificate, Maildirs,
logs), listens on 127.0.0.1 only, on free ports, and runs in the foreground
(``dovecot -F -c CONF``) as a child of the test process, in its own process group, so
``stop()`` ends the master and every process it started, by PID, never by name.

It works as root (mail stored as ``nobody``; the folder and its parents must be
traversable) and as a normal user (everything runs as that user, no chroot).

The helpers (:meth:`DovecotServer.append`, :meth:`~DovecotServer.flags_of`,
:meth:`~DovecotServer.uidvalidity`, :meth:`~DovecotServer.messages`) use plain
:mod:`imaplib` over loopback, independently of the code under test, for assertions.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import email.parser
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

__all__ = [
    "DovecotError",
    "DovecotFactory",
    "DovecotServer",
    "ImapAccount",
    "dovecot_unavailable_reason",
    "find_dovecot",
]

HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
DEFAULT_USERS: dict[str, str] = {"testuser": "testpass"}
#: Where Debian installs the daemon; /usr/sbin is often not on a normal user's PATH.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_SPECIAL_USE = ("Drafts", "Sent", "Trash", "Junk", "Archive")

_running: set[DovecotServer] = set()


class DovecotError(RuntimeError):
    """Dovecot could not be started, stopped or queried."""


def _which(name: str) -> str | None:
    path = os.environ.get("PATH", os.defpath) + os.pathsep + os.pathsep.join(_SBIN_DIRS)
    return shutil.which(name, path=path)


def find_dovecot() -> tuple[str, str] | None:
    """Paths of ``dovecot`` and ``doveadm``, or ``None`` if either is missing."""
    dovecot, doveadm = _which("dovecot"), _which("doveadm")
    if dovecot is None or doveadm is None:
        return None
    return dovecot, doveadm


def dovecot_unavailable_reason() -> str | None:
    """Why a test Dovecot cannot run here (``None`` when it can)."""
    found = find_dovecot()
    if found is None:
        return (
            "the dovecot/doveadm binaries were not found (on Debian/Ubuntu: "
            "apt-get install --no-install-recommends dovecot-imapd openssl)"
        )
    if _which("openssl") is None:
        return "the openssl binary was not found (needed for the test TLS certificate)"
    version = subprocess.run(
        [found[0], "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not version.startswith("2.3."):
        found_version = version or "(unknown version)"
        return f"Dovecot {found_version} found; the test config needs 2.3.x"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _imap_utf7(name: str) -> str:
    """Encode a mailbox name in IMAP's modified UTF-7 (RFC 3501, 5.1.3)."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append(
                "&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _quote_mailbox(name: str) -> str:
    encoded = _imap_utf7(name).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{encoded}"'


def _check(typ: str, data: Sequence[object], what: str) -> None:
    if typ != "OK":
        raise DovecotError(f"{what} failed: {typ} {data!r}")


def _fetch_records(data: Sequence[object]) -> list[tuple[bytes, bytes]]:
    """Group an imaplib FETCH answer into (metadata, literal) pairs, one per message."""
    records: list[tuple[bytes, bytes]] = []
    for item in data:
        if isinstance(item, tuple):
            meta, literal = item
            records.append((bytes(meta), bytes(literal)))
        elif isinstance(item, bytes) and records and item.strip() not in (b"", b")"):
            # Attributes sent after the literal, e.g. b" FLAGS (\\Seen))".
            meta, literal = records[-1]
            records[-1] = (meta + item, literal)
    return records


@dataclass(eq=False)
class DovecotServer:
    """A running (or stopped) throwaway Dovecot; create it with :meth:`start`."""

    workdir: Path
    port: int
    ssl_port: int | None
    ca_file: Path | None
    user: str
    password: str
    users: dict[str, str]
    any_user_password: str | None
    conf_path: Path
    log_path: Path
    dovecot_bin: str
    doveadm_bin: str
    host: str = HOST
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    # -- lifecycle ---------------------------------------------------------------

    @classmethod
    def start(
        cls,
        workdir: Path,
        *,
        users: dict[str, str] | None = None,
        tls: bool = True,
        extra_conf: str = "",
        any_user_password: str | None = None,
        separator: str = "/",
        prefix: str = "",
    ) -> DovecotServer:
        """Write a config into ``workdir`` (created if needed) and start Dovecot.

        ``users`` maps user name to password (passwd-file; default ``testuser``/
        ``testpass``); the first one becomes :attr:`user`/:attr:`password`. With
        ``any_user_password`` *any* user name also logs in with that password and gets
        its own empty Maildir. ``tls=False`` means no STARTTLS, no implicit-TLS port
        and no certificate. ``extra_conf`` is appended verbatim to the generated config.
        ``separator`` and ``prefix`` shape the personal namespace: ``"."`` and ``"INBOX."``
        give Courier-style names such as ``INBOX.Drafts``.
        """
        reason = dovecot_unavailable_reason()
        found = find_dovecot()
        if reason is not None or found is None:
            raise DovecotError(reason or "dovecot not found")
        users = dict(DEFAULT_USERS if users is None else users)
        if not users:
            raise ValueError("users must name at least one user")
        secrets = [*users, *users.values(), any_user_password or "x"]
        if any(not v or re.search(r"[\s:]", v) for v in secrets):
            raise ValueError(
                "user names and passwords must be non-empty, no ':' or space"
            )

        workdir = Path(workdir).resolve()
        for sub in ("run", "state", "log", "mail", "ssl"):
            (workdir / sub).mkdir(parents=True, exist_ok=True)
        port = _free_port()
        ssl_port = _free_port() if tls else None
        ca_file = _make_certificate(workdir / "ssl") if tls else None
        first_user, first_password = next(iter(users.items()))
        server = cls(
            workdir=workdir,
            port=port,
            ssl_port=ssl_port,
            ca_file=ca_file,
            user=first_user,
            password=first_password,
            users=users,
            any_user_password=any_user_password,
            conf_path=workdir / "dovecot.conf",
            log_path=workdir / "log" / "dovecot.log",
            dovecot_bin=found[0],
            doveadm_bin=found[1],
        )
        server._write_config(extra_conf, separator, prefix)
        server._launch()
        return server

    @property
    def pid(self) -> int | None:
        """PID of the Dovecot master process while it runs."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop the master and all its children (SIGTERM, then SIGKILL). Idempotent."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        _running.discard(self)
        # start_new_session=True made the master the leader of its own process group,
        # which its children (imap sessions included) share: SIGTERM reaches them all at
        # once. (The master alone takes ~1 s to stop and leaves imap sessions running.)
        pgid = proc.pid
        _signal_group(pgid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(pgid, signal.SIGKILL)
            proc.wait()
        if not _wait_group_gone(pgid, STOP_TIMEOUT / 2):
            _signal_group(pgid, signal.SIGKILL)
            if not _wait_group_gone(pgid, STOP_TIMEOUT / 2):
                raise DovecotError(
                    f"processes of Dovecot group {pgid} survived SIGKILL"
                )

    def restart(self) -> None:
        """Stop, then start again on the same ports with the same config and mail."""
        self.stop()
        self._launch()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- administration ----------------------------------------------------------

    def doveadm(self, *args: str) -> str:
        """Run ``doveadm -c CONF ARGS...`` and return its standard output."""
        result = subprocess.run(
            [self.doveadm_bin, "-c", str(self.conf_path), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        if result.returncode != 0:
            raise DovecotError(
                f"doveadm {' '.join(args)} exited with {result.returncode}: "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        return result.stdout

    def kick(self, user: str) -> str:
        """Disconnect every IMAP session of ``user`` (``doveadm kick``)."""
        return self.doveadm("kick", user)

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log_path, lines)

    # -- assertion helpers (plain imaplib over loopback) -------------------------

    @contextlib.contextmanager
    def connect(
        self, user: str | None = None, password: str | None = None
    ) -> Iterator[imaplib.IMAP4]:
        """A logged-in plain-IMAP imaplib connection (as :attr:`user` by default)."""
        user, password = self._credentials(user, password)
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            conn.login(user, password)
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: str = "",
        *,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        """APPEND ``raw`` to ``folder`` with ``flags``, e.g. ``r"\\Seen \\Draft"``."""
        with self.connect(user, password) as conn:
            typ, data = conn.append(_quote_mailbox(folder), flags or None, None, raw)
            _check(typ, data, f"APPEND to {folder!r}")

    def flags_of(
        self, folder: str, *, user: str | None = None, password: str | None = None
    ) -> dict[str, set[str]]:
        """Map each message's Message-ID header to its flags, without ``\\Recent``.

        Messages without a Message-ID are left out; of duplicates the highest UID wins.
        """
        result: dict[str, set[str]] = {}
        with self.connect(user, password) as conn:
            if not self._examine(conn, folder):
                return result
            typ, data = conn.uid(
                "FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
            )
            _check(typ, data, f"FETCH flags in {folder!r}")
            parser = email.parser.BytesHeaderParser()
            for meta, literal in _fetch_records(data):
                message_id = parser.parsebytes(literal).get("Message-ID")
                if message_id is None:
                    continue
                flags = {f.decode() for f in imaplib.ParseFlags(meta)} - {"\\Recent"}
                result[" ".join(str(message_id).split())] = flags
        return result

    def uidvalidity(
        self, folder: str, *, user: str | None = None, password: str | None = None
    ) -> int:
        """The folder's UIDVALIDITY."""
        with self.connect(user, password) as conn:
            typ, data = conn.status(_quote_mailbox(folder), "(UIDVALIDITY)")
            _check(typ, data, f"STATUS {folder!r}")
            match = re.search(
                rb"UIDVALIDITY (\d+)",
                b" ".join(d for d in data if isinstance(d, bytes)),
            )
            if match is None:
                raise DovecotError(f"no UIDVALIDITY in STATUS answer {data!r}")
            return int(match.group(1))

    def messages(
        self, folder: str, *, user: str | None = None, password: str | None = None
    ) -> list[bytes]:
        """Every message in ``folder``, raw, in UID order (does not set ``\\Seen``)."""
        with self.connect(user, password) as conn:
            if not self._examine(conn, folder):
                return []
            typ, data = conn.uid("FETCH", "1:*", "(BODY.PEEK[])")
            _check(typ, data, f"FETCH messages in {folder!r}")
            return [literal for _meta, literal in _fetch_records(data)]

    # -- internals ---------------------------------------------------------------

    def _credentials(self, user: str | None, password: str | None) -> tuple[str, str]:
        if user is None:
            return self.user, (self.password if password is None else password)
        if password is not None:
            return user, password
        if user in self.users:
            return user, self.users[user]
        if self.any_user_password is not None:
            return user, self.any_user_password
        raise ValueError(f"no password known for {user!r}")

    @staticmethod
    def _examine(conn: imaplib.IMAP4, folder: str) -> bool:
        """EXAMINE ``folder``; False when it is empty."""
        typ, data = conn.select(_quote_mailbox(folder), readonly=True)
        _check(typ, data, f"EXAMINE {folder!r}")
        return int(data[0] or b"0") > 0

    def _write_config(self, extra_conf: str, separator: str = "/", prefix: str = "") -> None:
        wd = self.workdir
        users_file = wd / "users"
        users_file.write_text(
            "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items())
        )

        if os.geteuid() == 0:
            # Dovecot refuses to store mail as root; the dovecot/dovenull service users
            # must be able to reach the folder (pitfalls 1 and 8 of the reference).
            mail_owner = pwd.getpwnam("nobody")
            uid, gid = mail_owner.pw_uid, mail_owner.pw_gid
            wd.chmod(0o755)
            _check_traversable(wd)
            os.chown(wd / "mail", uid, gid)
            (wd / "mail").chmod(0o700)
            try:
                shutil.chown(users_file, group="dovecot")
                users_file.chmod(0o640)
            except (LookupError, PermissionError):
                users_file.chmod(0o644)
            privileges = "first_valid_uid = 1"
            no_chroot = ""
        else:
            uid, gid = os.getuid(), os.getgid()
            users_file.chmod(0o600)
            me = pwd.getpwuid(uid).pw_name
            try:
                group = grp.getgrgid(gid).gr_name
            except KeyError:
                group = str(gid)
            privileges = (
                f"first_valid_uid = 1\n"
                f"default_internal_user = {me}\n"
                f"default_internal_group = {group}\n"
                f"default_login_user = {me}"
            )
            # chroot() needs root: switch it off wherever Dovecot uses it by default.
            no_chroot = "".join(
                f"service {s} {{\n  chroot =\n}}\n"
                for s in (
                    "anvil",
                    "ipc",
                    "imap-login",
                    "imap-urlauth-login",
                    "old-stats",
                    "aggregator",
                )
            )

        if self.ca_file is not None:
            ssl_block = (
                f"ssl = yes\n"
                f"ssl_cert = <{wd / 'ssl' / 'cert.pem'}\n"
                f"ssl_key = <{wd / 'ssl' / 'key.pem'}"
            )
            if Path("/usr/share/dovecot/dh.pem").is_file():
                ssl_block += "\nssl_dh = </usr/share/dovecot/dh.pem"
            imaps = f"    address = {HOST}\n    port = {self.ssl_port}\n    ssl = yes"
        else:
            ssl_block = "ssl = no"
            imaps = "    port = 0"

        passdbs = (
            "passdb {\n  driver = passwd-file\n"
            f"  args = scheme=PLAIN username_format=%u {users_file}\n}}\n"
        )
        if self.any_user_password is not None:
            passdbs += (
                "passdb {\n  driver = static\n"
                f"  args = password={self.any_user_password}\n}}\n"
            )

        mailboxes = "".join(
            f"  mailbox {name} {{\n"
            f"    special_use = \\{name}\n"
            "    auto = subscribe\n"
            "  }\n"
            for name in _SPECIAL_USE
        )
        conf = f"""\
# Generated by tests/dovecot.py - throwaway test server, loopback only.
instance_name = rebound-test-{self.port}
base_dir = {wd / "run"}
state_dir = {wd / "state"}
log_path = {self.log_path}
protocols = imap
listen = {HOST}
{privileges}
{ssl_block}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
verbose_proctitle = yes
mail_location = maildir:~/Maildir
mail_fsync = never
mailbox_idle_check_interval = 1 secs
login_greeting = Dovecot test server ready.

{passdbs}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={wd / "mail"}/%u
}}

namespace inbox {{
  inbox = yes
  separator = {separator}
  prefix = {prefix}
{mailboxes}}}

protocol imap {{
  mail_max_userip_connections = 200
}}

# No brute-force penalty (2-15 s delays) for tests that use wrong passwords.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}

# imap processes run as the mail user; let them report to the stats service.
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}

service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
{imaps}
  }}
}}
{no_chroot}"""
        if extra_conf:
            conf += f"\n# extra_conf\n{extra_conf}\n"
        self.conf_path.write_text(conf)
        self.conf_path.chmod(0o644)

    def _launch(self) -> None:
        if self.running:
            raise DovecotError(f"Dovecot already running (pid {self.pid})")
        (self.workdir / "run" / "master.pid").unlink(missing_ok=True)
        stderr_path = self.workdir / "log" / "stderr.log"
        with stderr_path.open("ab") as stderr:
            self._proc = subprocess.Popen(
                [self.dovecot_bin, "-F", "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,  # own process group: stop() reaches every child
            )
        _running.add(self)
        try:
            self._wait_ready(stderr_path)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, stderr_path: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        ports = [p for p in (self.port, self.ssl_port) if p is not None]
        last_error = "no attempt"
        while True:
            proc = self._proc
            assert proc is not None
            if proc.poll() is not None:
                last_error = f"dovecot exited with status {proc.returncode}"
                break
            try:
                for port in ports:
                    with socket.create_connection((self.host, port), timeout=0.5):
                        pass
                with socket.create_connection(
                    (self.host, self.port), timeout=2
                ) as sock:
                    greeting = sock.recv(256)
                if greeting.startswith(b"* OK"):
                    return
                last_error = f"unexpected greeting {greeting!r}"
            except OSError as exc:
                last_error = str(exc)
            if time.monotonic() > deadline:
                last_error = f"not ready after {START_TIMEOUT:g} s ({last_error})"
                break
            time.sleep(0.05)
        raise DovecotError(
            f"Dovecot did not come up on {self.host}:{self.port}: {last_error}\n"
            f"--- {self.log_path} ---\n{_tail(self.log_path)}\n"
            f"--- {stderr_path} ---\n{_tail(stderr_path)}"
        )


@dataclass(frozen=True)
class ImapAccount:
    """One user on a :class:`DovecotServer`, with the server's helpers bound to it."""

    server: DovecotServer
    user: str
    password: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def ssl_port(self) -> int | None:
        return self.server.ssl_port

    @property
    def ca_file(self) -> Path | None:
        return self.server.ca_file

    def connect(self) -> contextlib.AbstractContextManager[imaplib.IMAP4]:
        return self.server.connect(self.user, self.password)

    def append(self, folder: str, raw: bytes, flags: str = "") -> None:
        self.server.append(folder, raw, flags, user=self.user, password=self.password)

    def flags_of(self, folder: str) -> dict[str, set[str]]:
        return self.server.flags_of(folder, user=self.user, password=self.password)

    def uidvalidity(self, folder: str) -> int:
        return self.server.uidvalidity(folder, user=self.user, password=self.password)

    def messages(self, folder: str) -> list[bytes]:
        return self.server.messages(folder, user=self.user, password=self.password)

    def kick(self) -> str:
        return self.server.kick(self.user)


class DovecotFactory(Protocol):
    """The ``dovecot_factory`` fixture: starts a server, stopped after the test."""

    def __call__(
        self,
        *,
        users: dict[str, str] | None = None,
        tls: bool = True,
        extra_conf: str = "",
        any_user_password: str | None = None,
        separator: str = "/",
        prefix: str = "",
    ) -> DovecotServer: ...


def _make_certificate(ssl_dir: Path) -> Path:
    """A self-signed certificate for localhost / 127.0.0.1 (reused if present)."""
    cert, key = ssl_dir / "cert.pem", ssl_dir / "key.pem"
    if cert.is_file() and key.is_file():
        return cert
    openssl = _which("openssl")
    if openssl is None:
        raise DovecotError("openssl not found")
    config = ssl_dir / "openssl.cnf"
    config.write_text(
        "[req]\n"
        "distinguished_name = dn\n"
        "x509_extensions = ext\n"
        "prompt = no\n"
        "[dn]\n"
        "CN = localhost\n"
        "[ext]\n"
        "basicConstraints = critical, CA:TRUE\n"
        "keyUsage = critical, digitalSignature, keyCertSign\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid:always\n"
        "subjectAltName = DNS:localhost, IP:127.0.0.1\n"
    )
    result = subprocess.run(
        [openssl, "req", "-x509", "-new", "-nodes", "-days", "3650",
         "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-config", str(config), "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise DovecotError(f"openssl failed: {result.stderr.strip()}")
    key.chmod(0o600)
    cert.chmod(0o644)
    return cert


def _check_traversable(path: Path) -> None:
    """Under root, Dovecot's unprivileged users must be able to reach ``path``."""
    for parent in [path, *path.parents]:
        if not parent.stat().st_mode & 0o001:
            raise DovecotError(
                f"{parent} is not traversable by other users (mode "
                f"{parent.stat().st_mode & 0o777:o}); Dovecot's service users cannot "
                f"reach {path}. Put the server folder under a world-traversable "
                "directory (e.g. tempfile.mkdtemp() in /tmp) or chmod o+x the parents."
            )


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    """Does any process of group ``pgid`` still run? Zombies do not count: orphaned
    children are reaped by PID 1, which may take its time."""
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: zombies count, but reaping is usually prompt
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def _wait_group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@atexit.register
def _stop_all() -> None:
    """Do not leave servers behind if a test run ends without stopping them."""
    for server in list(_running):
        with contextlib.suppress(Exception):
            server.stop()
