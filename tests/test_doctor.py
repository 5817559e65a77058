"""`rebound doctor` against a real Dovecot (and aiosmtpd): one line a check, the fix named, exit 1 on any ✗.

The same mistakes through `rebound once` must be one line naming the same setting.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from dovecot import DovecotFactory, ImapAccount
from helpers import Rebound, make_rebound

from agent.doctor import Check, run
from agent.store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def doctor(rebound: Rebound, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, in a process of its own."""
    return rebound.run("doctor", "--timeout", "2", *args)


def lines(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each check's line by its name."""
    out = {}
    for line in proc.stdout.splitlines():
        mark, _, rest = line.partition(" ")
        name, _, _ = rest.partition(": ")
        out[name] = line
        assert mark in "✓✗!-", line
    return out


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Callable[[Rebound], dict[str, Check]]:
    """The same checks in this process (the model left out: test_a_good_config_passes_every_check loads it), by name."""

    def run_checks(rebound: Rebound) -> dict[str, Check]:
        for key, value in rebound.env.items():
            monkeypatch.setenv(key, value)
        return {c.name: c for c in run(rebound.config, timeout=2, load_model=lambda _path: None)}

    return run_checks


Checks = Callable[[Rebound], dict[str, Check]]


def test_a_good_config_passes_every_check(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    proc = doctor(rebound)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = lines(proc)
    assert list(checks) == ["config", "DNS", "connect", "TLS", "login", "capabilities", "folders", "Drafts and Sent", "database", "model"]
    assert all(line.startswith("✓") for line in checks.values()), proc.stdout
    assert "IDLE, UIDPLUS, SPECIAL-USE" in checks["capabilities"]
    assert "Drafts: Drafts, Sent: Sent" in checks["Drafts and Sent"]
    assert not rebound.db.exists(), "doctor creates no database"
    assert imap_account.messages("Drafts") == [], "doctor writes nothing to the mailbox"


def test_implicit_tls_with_the_test_ca(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    assert imap_account.ssl_port is not None
    rebound = make_rebound(tmp_path, imap_account, security="ssl", port=imap_account.ssl_port, imap={"tls_ca_file": imap_account.ca_file})
    found = checks(rebound)
    assert all(c.status == "ok" for c in found.values()), found
    assert "(ssl), certificate for localhost" in found["TLS"].detail


def test_a_wrong_port_exits_1_and_names_the_port(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account, port=free_port())
    proc = doctor(rebound)
    assert proc.returncode == 1
    checks = lines(proc)
    assert checks["connect"].startswith("✗") and "[imap] port" in checks["connect"] and "refused" in checks["connect"]
    assert all(checks[n].startswith("-") for n in ("TLS", "login", "capabilities", "folders", "Drafts and Sent"))
    assert checks["database"].startswith("✓") and checks["model"].startswith("✓"), "the checks that need no server still run"
    once = rebound.run("once")
    assert once.returncode == 1 and once.stderr.count("\n") == 1, once.stderr
    assert "[imap] port" in once.stderr and "Traceback" not in once.stderr and "ConnectionRefusedError" not in once.stderr


def test_ssl_on_a_starttls_port_says_starttls(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account, security="ssl", imap={"tls_ca_file": imap_account.ca_file})
    proc = doctor(rebound)
    assert proc.returncode == 1
    tls = lines(proc)["TLS"]
    assert tls.startswith("✗") and '[imap] security = "starttls"' in tls, tls
    once = rebound.run("once")
    assert once.returncode == 1 and once.stderr.count("\n") == 1
    assert '[imap] security = "starttls"' in once.stderr and "WRONG_VERSION_NUMBER" not in once.stderr


def test_starttls_on_an_implicit_tls_port_says_ssl(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    assert imap_account.ssl_port is not None
    rebound = make_rebound(tmp_path, imap_account, security="starttls", port=imap_account.ssl_port, imap={"tls_ca_file": imap_account.ca_file})
    tls = checks(rebound)["TLS"]
    assert tls.status == "fail" and tls.fix == 'set [imap] security = "ssl"', tls


def test_a_private_ca_not_given_names_tls_ca_file(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    rebound = make_rebound(tmp_path, imap_account, security="starttls")
    tls = checks(rebound)["TLS"]
    assert tls.status == "fail" and "[imap] tls_ca_file" in tls.fix and "self-signed" in tls.fix
    once = rebound.run("once")
    assert once.returncode == 1 and "[imap] tls_ca_file" in once.stderr and once.stderr.count("\n") == 1


def test_an_unknown_host_names_the_host(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    rebound = make_rebound(tmp_path, imap_account, security="starttls", imap={"host": "no-such-host.invalid"})
    found = checks(rebound)
    assert found["DNS"].status == "fail" and "[imap] host" in found["DNS"].fix
    assert [found[n].status for n in ("connect", "TLS", "login")] == ["skip"] * 3


def test_a_wrong_password_fails_login_only(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    found = checks(make_rebound(tmp_path, imap_account, password="wrong"))
    assert found["TLS"].status == "ok" and found["login"].status == "fail" and "[imap] username" in found["login"].fix


def test_a_known_provider_says_which_password_it_wants(tmp_path: Path, imap_account: ImapAccount) -> None:
    from agent.config import load_settings
    from agent.doctor import _login_fix

    rebound = make_rebound(tmp_path, imap_account, security="ssl", port=993, imap={"host": "imap.gmail.com"})
    assert "Gmail wants an app password" in _login_fix(load_settings(rebound.config))


def test_an_unset_password_variable_is_named(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    login = checks(make_rebound(tmp_path, imap_account, imap={"password_env": "REBOUND_NOT_SET_ANYWHERE"}))["login"]
    assert login.status == "fail" and "REBOUND_NOT_SET_ANYWHERE" in login.detail


def test_a_missing_folder_with_a_near_name(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    folders = checks(make_rebound(tmp_path, imap_account, imap={"folders": ["inbox", "Archiv"]}))["folders"]
    assert folders.status == "fail" and "did you mean 'Archive'" in folders.detail and "[imap] folders" in folders.fix
    assert "'inbox'" not in folders.detail, "INBOX is the same folder in any case"


def test_a_drafts_folder_that_does_not_exist(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    drafts = checks(make_rebound(tmp_path, imap_account, imap={"drafts_folder": "Entwürfe"}))["Drafts and Sent"]
    assert drafts.status == "fail" and "[imap] drafts_folder" in drafts.fix


def test_a_server_without_idle_is_a_warning_not_a_failure(tmp_path: Path, dovecot_factory: DovecotFactory, checks: Checks) -> None:
    server = dovecot_factory(extra_conf="imap_capability = IMAP4rev1 LITERAL+ SASL-IR")
    found = checks(make_rebound(tmp_path, ImapAccount(server, server.user, server.password)))
    assert found["capabilities"].status == "warn" and "no IDLE" in found["capabilities"].detail and "polling" in found["capabilities"].detail
    assert all(c.status in ("ok", "warn") for c in found.values()), found


def test_a_database_from_a_newer_rebound(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    Store(f"sqlite:///{rebound.db}")
    with sqlite3.connect(rebound.db) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_future'")
    database = checks(rebound)["database"]
    assert database.status == "fail" and "9999_future" in database.detail and "newer" in database.detail
    with sqlite3.connect(rebound.db) as db:
        db.execute("UPDATE alembic_version SET version_num = '0001'")
    database = checks(rebound)["database"]
    assert database.status == "ok" and "upgraded" in database.detail
    with sqlite3.connect(rebound.db) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",), "doctor upgrades nothing"


def test_a_database_folder_that_cannot_be_made(tmp_path: Path, imap_account: ImapAccount, checks: Checks) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    (tmp_path / "a-file").write_text("")
    rebound.config.write_text(rebound.config.read_text().replace(str(rebound.db), str(tmp_path / "a-file" / "rebound.db")))
    database = checks(rebound)["database"]
    assert database.status == "fail" and "not a writable folder" in database.detail


def test_a_bad_config_is_the_only_line(tmp_path: Path, imap_account: ImapAccount) -> None:
    rebound = make_rebound(tmp_path, imap_account, imap={"poll_seconds": 1, "hots": "x"})
    proc = doctor(rebound)
    assert proc.returncode == 1 and proc.stdout.count("\n") == 1
    assert proc.stdout.startswith("✗ config:") and "[imap] poll_seconds" in proc.stdout and "[imap] hots" in proc.stdout


def test_a_model_that_does_not_load(tmp_path: Path, imap_account: ImapAccount) -> None:
    from agent.config import load_settings
    from agent.doctor import _model

    (tmp_path / "empty-model").mkdir()
    rebound = make_rebound(tmp_path, imap_account, extra=f'\n[classifier]\nmodel_path = "{tmp_path / "empty-model"}"\n')
    model = _model(load_settings(rebound.config), None)
    assert model.status == "fail" and "[classifier] model_path" in model.fix


class _Sink:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        raise AssertionError("doctor must send nothing")


@pytest.fixture
def smtp_port() -> Iterator[int]:
    port = free_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def test_smtp_when_configured(tmp_path: Path, imap_account: ImapAccount, smtp_port: int, checks: Checks) -> None:
    good = make_rebound(tmp_path / "good", imap_account, extra=f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n')
    smtp = checks(good)["SMTP"]
    assert smtp.status == "ok" and "nothing sent" in smtp.detail
    wrong = make_rebound(tmp_path / "wrong", imap_account, extra=f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "ssl"\n')
    smtp = checks(wrong)["SMTP"]
    assert smtp.status == "fail" and '[smtp] security = "starttls"' in smtp.fix
    closed = make_rebound(tmp_path / "closed", imap_account, extra=f'\n[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n')
    assert "[smtp] port" in checks(closed)["SMTP"].fix
