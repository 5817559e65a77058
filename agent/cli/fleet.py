"""Commands for many mailboxes: `rebound accounts` (import, list, disable, enable, key) and `rebound worker`."""

from __future__ import annotations

import json
import logging
import sys
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from agent.cli import _Group, config_path, main, reports_errors

if TYPE_CHECKING:
    from agent.fleet.accounts import AccountState
    from agent.fleet.settings import FleetSettings

log = logging.getLogger("agent")


def fleet_settings(ctx: click.Context) -> FleetSettings:
    """The config as a worker reads it: the shared sections and [worker]; [imap] and [profile] are a single user's."""
    from agent.config import load_config
    from agent.fleet.settings import FleetSettings

    return load_config(config_path(ctx), FleetSettings)


@main.group(cls=_Group)
def accounts() -> None:
    """The mailboxes workers watch: import them from a CSV file, list how each one goes, disable one."""


@accounts.command(name="import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
@reports_errors
def import_(ctx: click.Context, file: Path) -> None:
    """Add the accounts in FILE (CSV: name,email,imap_host,imap_port,security,username,password); known addresses are updated.

    Passwords are encrypted with REBOUND_SECRET_KEY before they are stored. A password left empty
    keeps the one already imported for that address. A file with a mistake imports nothing.
    """
    from agent.fleet.accounts import Accounts
    from agent.fleet.csvfile import CsvError, read_accounts
    from agent.fleet.vault import KEY_ENV, Vault
    from agent.store import Store

    vault = Vault()  # first: without the key, nothing is read or written
    settings = fleet_settings(ctx)
    try:
        rows = read_accounts(file)
        done = Accounts(Store(settings.database_url)).import_rows(rows, vault)
    except CsvError as exc:
        for problem in exc.problems:
            click.echo(f"rebound: {problem if problem.startswith(str(file)) else f'{file} {problem}'}", err=True)
        sys.exit(1)
    click.echo(f"imported {len(rows)} account(s): {done.new} new, {done.updated} updated; passwords encrypted with {KEY_ENV}")
    if any(r.password for r in rows):
        click.echo(f"{file} still holds the passwords in clear: delete it, or empty its password column (an empty one keeps the stored password)")


@accounts.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, every field.")
@click.pass_context
@reports_errors
def list_accounts(ctx: click.Context, as_json: bool) -> None:
    """Every account: its state, its last pass, its last error and its drafts this week."""
    from agent.fleet.accounts import Accounts
    from agent.store import Store

    rows = Accounts(Store(fleet_settings(ctx).database_url)).listing()
    if as_json:
        for row in rows:
            click.echo(json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(row).items()}, ensure_ascii=False))
        return
    print_accounts(rows)


@accounts.command()
@click.argument("email")
@click.pass_context
@reports_errors
def disable(ctx: click.Context, email: str) -> None:
    """Stop watching the account with this address (the worker that holds it lets it go within a third of a lease)."""
    _enable(ctx, email, False)


@accounts.command()
@click.argument("email")
@click.pass_context
@reports_errors
def enable(ctx: click.Context, email: str) -> None:
    """Watch a disabled account again."""
    _enable(ctx, email, True)


def _enable(ctx: click.Context, email: str, enabled: bool) -> None:
    from agent.errors import InputError
    from agent.fleet.accounts import Accounts
    from agent.store import Store

    if not Accounts(Store(fleet_settings(ctx).database_url)).set_enabled(email, enabled):
        raise InputError(f"no account {email} (`rebound accounts list` shows them)")
    click.echo(f"{email} {'enabled' if enabled else 'disabled'}")


@accounts.command()
def key() -> None:
    """Print a new key for REBOUND_SECRET_KEY (keep it secret, and out of the database's backups)."""
    from agent.fleet.vault import new_key

    click.echo(new_key())


@main.command()
@click.option("--concurrency", type=click.IntRange(min=1), help="Accounts this worker watches at most (default: [worker] concurrency; on SQLite, all).")
@click.option("--lease-seconds", type=click.IntRange(min=5), help="How long a lease lasts unrenewed (default: [worker] lease_seconds, 60).")
@click.pass_context
@reports_errors
def worker(ctx: click.Context, concurrency: int | None, lease_seconds: int | None) -> None:
    """Watch the imported accounts, sharing them with every other worker on the same database, until stopped (SIGTERM)."""
    from agent.daemon import install_signal_handlers
    from agent.fleet.worker import Worker

    settings = fleet_settings(ctx)
    root = logging.getLogger()
    if not root.isEnabledFor(logging.INFO):
        root.setLevel(logging.INFO)
    for handler in root.handlers:  # every account's lines say whose they are: its thread is named after it
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"))
    stop = threading.Event()
    install_signal_handlers(stop)
    Worker(settings, stop, concurrency=concurrency, lease_seconds=lease_seconds).run()


def print_accounts(rows: list[AccountState]) -> None:
    """The table `rebound accounts list` prints."""
    from rich.table import Table

    from agent.report import console

    now = datetime.now(UTC)
    table = Table("account", "state", "last pass", "drafts this week", "last error")
    for row in rows:
        table.add_row(row.email, row.state, _ago(now, row.last_pass), str(row.drafts_this_week), row.last_error)
    console.print(table)
    counts = {state: sum(r.state == state for r in rows) for state in ("watching", "waiting", "failing", "disabled")}
    console.print(", ".join(f"{n} {state}" for state, n in counts.items() if n) or "no accounts (`rebound accounts import FILE.csv`)")


def _ago(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "never"
    seconds = max((now - then).total_seconds(), 0)
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago" if seconds < 172800 else f"{seconds / 86400:.0f} days ago"
