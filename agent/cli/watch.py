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
    from agent.service import App, single_instance

    settings = settings_of(ctx)
    with single_instance(settings):
        app = App(settings)
        session = app.connect()
        try:
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
@click.option("--uncertain", is_flag=True, help="Only emails the classifier was unsure of.")
@click.option("--failed", is_flag=True, help="Only emails that could not be handled.")
@click.option("--rejections", is_flag=True, help="Only rejections.")
@click.option("--corrected", is_flag=True, help="The corrections you made (Rebound folders and `rebound correct`).")
@click.pass_context
@reports_errors
def list_(ctx: click.Context, uncertain: bool, failed: bool, rejections: bool, corrected: bool) -> None:
    """List recorded emails (all, or only uncertain, failed or rejections), or your corrections."""
    from agent.report import print_emails
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
    print_emails(rows)
