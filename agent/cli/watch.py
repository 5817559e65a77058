"""Commands that work on the mailbox: `once`, `run`, `list`."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import click

from agent import __version__
from agent.cli import main, reports_errors, settings_of

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
    click.echo(
        f"{summary.seen} new message(s), {summary.rejections} rejection(s), {summary.drafts_saved} draft(s) saved, {summary.failed} failed"
    )


@main.command()
@click.pass_context
@reports_errors
def run(ctx: click.Context) -> None:
    """Watch the mailbox until stopped (SIGTERM or Ctrl-C)."""
    from agent.daemon import Daemon, install_signal_handlers
    from agent.service import App, single_instance

    settings = settings_of(ctx)
    if not logging.getLogger().isEnabledFor(logging.INFO):
        logging.getLogger().setLevel(logging.INFO)
    stop = threading.Event()
    install_signal_handlers(stop)
    with single_instance(settings):
        app = App(settings)
        daemon = Daemon(lambda: app.connect(watch=True), stop, scheduler=digest_scheduler(app))
        log.info("rebound %s watching %s", __version__, ", ".join(settings.imap.folders))
        daemon.run()
    log.info("stopped")


def digest_scheduler(app: Any) -> Any:
    """The daemon's weekly digest job, at [digest] day and time."""
    from agent.delivery import weekly_scheduler

    return weekly_scheduler(digest_service(app.settings, app.store))


def digest_service(settings: Settings, store: Store | None = None) -> DigestService:
    """The digest for this config, checking drafts over a fresh IMAP connection."""
    from agent.delivery import DigestService
    from agent.mailbox import ImapMailbox
    from agent.store import Store

    def connect() -> ImapMailbox:
        return ImapMailbox(settings.imap, settings.imap.resolve_password("imap"))

    return DigestService(settings, store or Store(settings.database_url), connect)


@main.command(name="list")
@click.option("--uncertain", is_flag=True, help="Only emails the classifier was unsure of, with its score and the label it might be instead.")
@click.option("--failed", is_flag=True, help="Only emails that could not be handled.")
@click.option("--rejections", is_flag=True, help="Only rejections.")
@click.option("--wide", is_flag=True, help="One line an email, as wide as it needs (the table fits the terminal otherwise).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, every field.")
@click.pass_context
@reports_errors
def list_(ctx: click.Context, uncertain: bool, failed: bool, rejections: bool, wide: bool, as_json: bool) -> None:
    """List recorded emails (all, or only uncertain, failed or rejections)."""
    from agent.report import emails_json, print_emails
    from agent.store import Store

    settings = settings_of(ctx)
    store = Store(settings.database_url)
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
