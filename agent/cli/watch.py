"""Commands that work on the mailbox: `once`, `run` (and `health`, its Docker health check), `list`."""

from __future__ import annotations

import logging
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

from agent import __version__
from agent.cli import config_path, main, reports_errors, settings_of

if TYPE_CHECKING:
    from agent.config import Settings
    from agent.delivery import DigestService
    from agent.store import Store

log = logging.getLogger("agent")


@main.command()
@click.pass_context
@reports_errors
def once(ctx: click.Context) -> None:
    """Handle new mail once, then exit (for cron and for testing)."""
    from agent.cli.progress import PassProgress
    from agent.service import App, single_instance

    settings = settings_of(ctx)
    with single_instance(settings):
        app = App(settings)
        session = app.connect()
        try:
            with PassProgress() as progress:
                session.processor.progress = progress
                summary = session.run_pass()
        finally:
            session.close()
    corrections = f", {summary.corrected} correction(s) applied, {summary.drafts_withdrawn} draft(s) withdrawn" if summary.corrected else ""
    click.echo(
        f"{summary.seen} new message(s), {summary.rejections} rejection(s), {summary.drafts_saved} draft(s) saved, {summary.failed} failed"
        + corrections
    )


@main.command()
@click.pass_context
@reports_errors
def run(ctx: click.Context) -> None:
    """Watch the mailbox until stopped (SIGTERM or Ctrl-C)."""
    from agent.daemon import Daemon, install_signal_handlers
    from agent.heartbeat import Heartbeat, grace_for, heartbeat_path
    from agent.service import App, single_instance

    settings = settings_of(ctx)
    if not logging.getLogger().isEnabledFor(logging.INFO):
        logging.getLogger().setLevel(logging.INFO)
    stop = threading.Event()
    install_signal_handlers(stop)
    with single_instance(settings):
        app = App(settings)
        heartbeat = Heartbeat(heartbeat_path(settings), grace_for(settings))
        daemon = Daemon(lambda: app.connect(watch=True, stop=stop), stop, scheduler=digest_scheduler(app), heartbeat=heartbeat)
        log.info("rebound %s watching %s", __version__, ", ".join(settings.imap.folders))
        daemon.run()
    log.info("stopped")


@main.command()
@click.pass_context
def health(ctx: click.Context) -> None:
    """Exit 0 if `rebound run` is watching, 1 if it is stuck or failing (Docker's HEALTHCHECK).

    Read from the heartbeat the daemon writes; unhealthy after a few poll intervals ([imap]
    poll_seconds) of silence past its last promise, or of failed passes.
    """
    import time

    from agent.config import load_settings
    from agent.errors import ConfigError
    from agent.heartbeat import heartbeat_path, read, verdict

    try:
        settings = load_settings(config_path(ctx))
    except ConfigError as exc:
        # Exit 1, not 2: Docker reserves 2, and a config that does not load is no healthy daemon.
        click.echo("unhealthy: config error: " + "; ".join(str(exc).splitlines()))
        sys.exit(1)
    path = heartbeat_path(settings)
    said = verdict(read(path), time.time(), path)
    click.echo(said.reason if said.healthy else f"unhealthy: {said.reason}")
    sys.exit(0 if said.healthy else 1)


def digest_scheduler(app: Any) -> Any:
    """The daemon's weekly digest job, at [digest] day and time."""
    from agent.timing import weekly_scheduler

    return weekly_scheduler(digest_service(app.settings, app.store))


def digest_service(settings: Settings, store: Store | None = None) -> DigestService:
    """The digest for this config, checking drafts over a fresh IMAP connection."""
    from agent.delivery import DigestService
    from agent.mailbox import ImapMailbox
    from agent.service import imap_credentials
    from agent.store import Store

    def connect() -> ImapMailbox:
        return ImapMailbox(settings.imap, imap_credentials(settings))

    return DigestService(settings, store or Store(settings.database_url), connect)


@main.command(name="list")
@click.option("--uncertain", is_flag=True, help="Only emails the classifier was unsure of, with its score and the label it might be instead.")
@click.option("--failed", is_flag=True, help="Only emails that could not be handled.")
@click.option("--rejections", is_flag=True, help="Only rejections.")
@click.option("--corrected", is_flag=True, help="The corrections you made (Rebound folders and `rebound correct`).")
@click.option("--wide", is_flag=True, help="One line an email, as wide as it needs (the table fits the terminal otherwise).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, every field.")
@click.pass_context
@reports_errors
def list_(ctx: click.Context, uncertain: bool, failed: bool, rejections: bool, corrected: bool, wide: bool, as_json: bool) -> None:
    """List recorded emails (all, or only uncertain, failed or rejections), or your corrections."""
    from agent.report import emails_json, print_emails
    from agent.store import Store

    settings = settings_of(ctx)
    store = Store(settings.database_url)
    if corrected:
        from agent.cli.correct import print_corrections
        from agent.corrections.records import Corrections

        print_corrections(Corrections(store).listing(settings.account))
        return
    rows = store.emails(settings.account)
    if uncertain:
        rows = [r for r in rows if r.uncertain]
    if failed:
        rows = [r for r in rows if r.status == "failed"]
    if rejections:
        rows = [r for r in rows if r.label == "rejection"]
    if as_json:
        for line in emails_json(rows):
            click.echo(line)
        return
    print_emails(rows, wide=wide)
