"""Accounts for many mailboxes (agent/fleet): the CSV import, the sealed passwords, `accounts list`, disable and enable.

The store's parts run on SQLite and on PostgreSQL (database_url); the commands run as the user runs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from agent.domain import Classification, DraftKind, DraftPlan, IncomingEmail, Label
from agent.fleet.accounts import Accounts
from agent.fleet.csvfile import COLUMNS, CsvError, read_accounts
from agent.fleet.settings import FleetSettings, account_settings
from agent.fleet.vault import KEY_ENV, Vault, VaultError, new_key
from agent.store import Store

ROOT = Path(__file__).resolve().parent.parent
HEADER = ",".join(COLUMNS)
ANA = "Ana Lima,ana@example.org,imap.example.org,993,ssl,ana,s3cret-ana"
BEN = "Ben Okafor,ben@example.net,mail.example.net,,starttls,ben@example.net,p4ss,ben"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.engine.dispose()


def write(tmp_path: Path, *lines: str, name: str = "accounts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the file --------------------------------------------------------------------------------


def test_a_file_is_read_row_by_row(tmp_path: Path) -> None:
    rows = read_accounts(write(tmp_path, HEADER, ANA, "Ben Okafor,ben@example.net,mail.example.net,,starttls,ben@example.net,"))
    assert [(r.email, r.imap_host, r.imap_port, r.security, r.username, r.password) for r in rows] == [
        ("ana@example.org", "imap.example.org", 993, "ssl", "ana", "s3cret-ana"),
        ("ben@example.net", "mail.example.net", None, "starttls", "ben@example.net", None),
    ]


def test_every_mistake_in_a_file_is_said_with_its_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "A,not-an-address,imap.example.org,993,ssl,a,pw",
        "B,b@example.org,imap.example.org,99999,ssl,b,pw",
        "C,c@example.org,imap.example.org,143,none,c,pw",
        "D,d@example.org,,993,ssl,d,pw",
        "E,e@example.org,imap.example.org,993,tls,e,pw",
        "F,ANA@example.org,imap.example.org,993,ssl,f,pw",
        ANA,
    )
    with pytest.raises(CsvError) as raised:
        read_accounts(path)
    problems = raised.value.problems
    assert all(p.startswith(f"{path} line ") for p in problems), problems
    said = "\n".join(problems)
    assert "line 2: email: 'not-an-address' is not an email address" in said
    assert "line 3: imap_port:" in said
    assert 'line 4: security = "none"' in said and "loopback" in said
    assert "line 5: imap_host: missing" in said
    assert "line 6: security:" in said
    assert "line 8: email: ana@example.org is also on line 7" in said


def test_a_misspelt_column_is_named_with_what_it_was_meant_to_be(tmp_path: Path) -> None:
    with pytest.raises(CsvError) as raised:
        read_accounts(write(tmp_path, "name,email,imap_hots,imap_port,security,username,password", ANA))
    assert raised.value.problems == [
        f"{tmp_path / 'accounts.csv'} line 1: unknown column 'imap_hots' (did you mean imap_host?)",
        f"{tmp_path / 'accounts.csv'} line 1: missing column(s) imap_host (the columns are {HEADER})",
    ]


# --- the key ---------------------------------------------------------------------------------


def test_passwords_are_sealed_and_opened_only_with_the_key() -> None:
    key = new_key()
    vault = Vault(key)
    token = vault.seal("s3cret-ana")
    assert "s3cret" not in token
    assert vault.open(token, "ana@example.org") == "s3cret-ana"
    with pytest.raises(VaultError, match=r"cannot decrypt the password of ana@example\.org"):
        Vault(new_key()).open(token, "ana@example.org")
    # Rotation: a new key in front seals, the old one behind still opens.
    rotated = Vault(f"{new_key()},{key}")
    assert rotated.open(token, "ana@example.org") == "s3cret-ana"
    with pytest.raises(VaultError):  # what the new key sealed, the old one alone cannot open
        Vault(key).open(rotated.seal("new"), "ana@example.org")


@pytest.mark.parametrize("value", ["", "  ", "not-a-key"])
def test_a_missing_or_malformed_key_is_one_line(value: str) -> None:
    with pytest.raises(VaultError) as raised:
        Vault(value)
    assert "\n" not in str(raised.value) and KEY_ENV in str(raised.value)


# --- the table -------------------------------------------------------------------------------


def test_an_import_adds_then_updates_by_email_and_keeps_a_password_left_empty(tmp_path: Path, store: Store) -> None:
    vault = Vault(new_key())
    accounts = Accounts(store)
    first = accounts.import_rows(read_accounts(write(tmp_path, HEADER, ANA, BEN.rsplit(",", 1)[0])), vault)
    assert (first.new, first.updated) == (2, 0)
    again = read_accounts(write(tmp_path, HEADER, "Ana Lima-Souza,Ana@Example.org,imap2.example.org,993,ssl,ana,", name="again.csv"))
    second = accounts.import_rows(again, vault)
    assert (second.new, second.updated) == (0, 1)
    listed = {a.email: a for a in accounts.listing()}
    assert set(listed) == {"ana@example.org", "ben@example.net"}
    assert (listed["ana@example.org"].name, listed["ana@example.org"].imap_host) == ("Ana Lima-Souza", "imap2.example.org")
    ana = next(m for m in (accounts.mailbox(i) for i in (1, 2)) if m and m.email == "ana@example.org")
    assert vault.open(ana.secret, ana.email) == "s3cret-ana"  # kept: the second file left it empty
    with store.engine.connect() as db:
        secrets = [row[0] for row in db.execute(text("SELECT secret FROM account"))]
    assert secrets and not any("s3cret" in s or "p4ss" in s for s in secrets), "passwords are never stored in clear"


def test_a_new_account_needs_a_password(tmp_path: Path, store: Store) -> None:
    rows = read_accounts(write(tmp_path, HEADER, "Cy,cy@example.org,imap.example.org,993,ssl,cy,"))
    with pytest.raises(CsvError, match=r"password: missing for cy@example\.org"):
        Accounts(store).import_rows(rows, Vault(new_key()))
    assert Accounts(store).listing() == []


def test_the_listing_says_each_accounts_state_and_its_drafts_this_week(tmp_path: Path, store: Store) -> None:
    accounts = Accounts(store)
    accounts.import_rows(read_accounts(write(tmp_path, HEADER, ANA, BEN.rsplit(",", 1)[0], "Cy,cy@example.org,imap.example.org,993,ssl,cy,pw")), Vault(new_key()))
    ids = {a.email: i for i in (1, 2, 3) if (a := accounts.mailbox(i))}
    now = datetime.now(UTC)
    with store.engine.begin() as db:
        db.execute(text("UPDATE account SET lease_owner = 'w1', lease_expires = :t WHERE email = 'ana@example.org'"), {"t": now + timedelta(seconds=60)})
    accounts.passed(ids["ana@example.org"])
    accounts.failed(ids["ben@example.net"], "log in to mail.example.net as ben: the server rejected the username or password")
    assert accounts.set_enabled("CY@example.org", False)
    assert not accounts.set_enabled("nobody@example.org", False)
    # Two drafts for Ana this week (one still pending does not count), one for her last month.
    for n, (status, created) in enumerate([("saved", now), ("sent", now), ("pending", now), ("saved", now - timedelta(days=40))]):
        record_draft(store, "ana@imap.example.org", n, status, created)

    listed = {a.email: a for a in accounts.listing(now)}
    assert {e: a.state for e, a in listed.items()} == {"ana@example.org": "watching", "ben@example.net": "failing", "cy@example.org": "disabled"}
    assert listed["ana@example.org"].worker == "w1" and listed["ana@example.org"].last_pass is not None
    assert listed["ana@example.org"].drafts_this_week == 2
    assert "rejected the username or password" in listed["ben@example.net"].last_error
    accounts.passed(ids["ben@example.net"])
    assert {a.email: a.state for a in accounts.listing(now)}["ben@example.net"] == "waiting"


def record_draft(store: Store, account: str, n: int, status: str, created: datetime) -> None:
    mail = IncomingEmail("INBOX", n + 1, f"<r{n}@acme.example>", "No", "", "hr@acme.example", "", "", created, "Sorry.")
    plan = DraftPlan(DraftKind.REPLY, f"<d{n}@example.org>", mail.message_id, "hr@acme.example", "Re: No", b"raw")
    [draft] = store.record(account, mail, Classification(Label.REJECTION, 0.9), [plan], uidvalidity=1)
    store.set_draft_status(draft.id, status)
    with store.engine.begin() as db:
        db.execute(text("UPDATE draftrecord SET created_at = :t WHERE id = :i"), {"t": created, "i": draft.id})


def test_an_account_is_watched_with_a_single_users_settings_from_its_row(tmp_path: Path) -> None:
    [row] = read_accounts(write(tmp_path, HEADER, ANA))
    fleet = FleetSettings.model_validate(
        {"digest": {"to": "operator@example.com", "day": "friday"}, "worker": {"folders": ["INBOX", "Jobs"], "poll_seconds": 60}}
    )
    from agent.fleet.accounts import Mailbox

    settings = account_settings(fleet, Mailbox(1, row.email, row.name, row.imap_host, row.imap_port, row.security, row.username, "x"), "pw")
    assert settings.account == "ana@imap.example.org"  # the key a single user's config gives the same mailbox
    assert (settings.profile.name, settings.profile.email) == ("Ana Lima", "ana@example.org")
    assert settings.imap.folders == ("INBOX", "Jobs") and settings.imap.poll_seconds == 60
    assert settings.imap.resolve_password("imap") == "pw"
    assert settings.digest.to is None and settings.digest.day == "friday"  # each digest to its own account


# --- the commands ----------------------------------------------------------------------------


def rebound(tmp_path: Path, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {KEY_ENV, "REBOUND_CONFIG"}}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    if key is not None:
        env[KEY_ENV] = key
    return subprocess.run([sys.executable, "-m", "agent", "--config", str(tmp_path / "config.toml"), *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)  # fmt: skip


@pytest.fixture
def configured(tmp_path: Path, database_url: str) -> Path:
    # A worker's config: no [imap] or [profile], the accounts bring their own.
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "{database_url}"\n')
    return tmp_path


def test_import_refuses_without_the_key_in_one_line(configured: Path) -> None:
    result = rebound(configured, "accounts", "import", str(write(configured, HEADER, ANA)))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"rebound: {KEY_ENV} is not set: the accounts' passwords are encrypted with it (`rebound accounts key` makes one)"
    ]


def test_import_list_disable_enable_from_the_command_line(configured: Path) -> None:
    key = rebound(configured, "accounts", "key").stdout.strip()
    imported = rebound(configured, "accounts", "import", str(write(configured, HEADER, ANA, BEN.rsplit(",", 1)[0])), key=key)
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 account(s): 2 new, 0 updated" in imported.stdout and "delete it" in imported.stdout

    assert rebound(configured, "accounts", "disable", "ben@example.net").stdout.strip() == "ben@example.net disabled"
    listed = [json.loads(line) for line in rebound(configured, "accounts", "list", "--json").stdout.splitlines()]
    assert [(a["email"], a["state"], a["drafts_this_week"]) for a in listed] == [("ana@example.org", "waiting", 0), ("ben@example.net", "disabled", 0)]
    assert not any("secret" in a or "password" in a for a in listed)
    table = rebound(configured, "accounts", "list").stdout
    assert "ana@example.org" in table and "never" in table and "1 waiting, 1 disabled" in table

    missing = rebound(configured, "accounts", "enable", "cy@example.org")
    assert missing.returncode == 1 and missing.stderr.strip() == "rebound: no account cy@example.org (`rebound accounts list` shows them)"
    assert rebound(configured, "accounts", "enable", "ben@example.net").returncode == 0


def test_a_bad_file_imports_nothing_and_says_every_mistake(configured: Path) -> None:
    key = new_key()
    path = write(configured, HEADER, ANA, "B,b@example.org,imap.example.org,x,ssl,b,pw", "C,c@example.org,imap.example.org,993,ssl,,pw")
    result = rebound(configured, "accounts", "import", str(path), key=key)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"rebound: {path} line 3: imap_port: 'x' is not a number",
        f"rebound: {path} line 4: username: missing",
    ]
    assert rebound(configured, "accounts", "list", "--json").stdout == ""
