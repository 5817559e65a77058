"""The command line; the only place that turns errors into messages and exit codes."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from agent import __version__
from agent.config import Settings, find_config, load_settings
from agent.errors import ConfigError, ReboundError

if TYPE_CHECKING:
    from agent.delivery import DigestService
    from agent.store import Store

log = logging.getLogger("agent")

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_CONFIG = 2


def _setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def reports_errors(func: F) -> F:
    """Turn Rebound's errors into one line on stderr and an exit code; never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"rebound: config error: {exc}", err=True)
            sys.exit(EXIT_CONFIG)
        except ReboundError as exc:
            click.echo(f"rebound: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _settings(ctx: click.Context) -> Settings:
    path = find_config(ctx.obj.get("config"))
    return load_settings(path)


@click.group()
@click.version_option(__version__, prog_name="rebound")
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $REBOUND_CONFIG, ./config.toml, then your config folder).",
)
@click.option("-v", "--verbose", count=True, help="-v for progress, -vv for debugging.")
@click.pass_context
def main(ctx: click.Context, config: Path | None, verbose: int) -> None:
    """Rebound watches your mailbox for job rejections and drafts gracious replies for you to send."""
    _setup_logging(verbose)
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


@main.command()
@click.pass_context
@reports_errors
def once(ctx: click.Context) -> None:
    """Handle new mail once, then exit (for cron and for testing)."""
    from agent.service import App, single_instance

    settings = _settings(ctx)
    with single_instance(settings):
        app = App(settings)
        session = app.connect()
        try:
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

    settings = _settings(ctx)
    if not logging.getLogger().isEnabledFor(logging.INFO):
        logging.getLogger().setLevel(logging.INFO)
    stop = threading.Event()
    install_signal_handlers(stop)
    with single_instance(settings):
        app = App(settings)
        daemon = Daemon(app.connect, stop, scheduler=_digest_scheduler(app))
        log.info("rebound %s watching %s", __version__, ", ".join(settings.imap.folders))
        daemon.run()
    log.info("stopped")


def _digest_scheduler(app: Any) -> Any:
    """The daemon's weekly digest job, at [digest] day and time."""
    from agent.delivery import weekly_scheduler

    return weekly_scheduler(_digest_service(app.settings, app.store))


def _digest_service(settings: Settings, store: Store | None = None) -> DigestService:
    from agent.delivery import DigestService
    from agent.mailbox import ImapMailbox
    from agent.store import Store

    def connect() -> ImapMailbox:
        return ImapMailbox(settings.imap, settings.imap.resolve_password("imap"))

    return DigestService(settings, store or Store(settings.database_url), connect)


@main.command()
@click.option(
    "--preview", "preview", type=click.Path(path_type=Path, dir_okay=False), help="Write the digest as HTML to this file; send nothing."
)
@click.option("--send", "send", is_flag=True, help="Send the digest (once a week; see --force).")
@click.option(
    "--week", "week", metavar="YYYY-Www", help="The ISO week to sum up (default: this week, Monday to Sunday in [digest] timezone)."
)
@click.option("--force", is_flag=True, help="With --send: send again even if this week's digest already went out.")
@click.pass_context
@reports_errors
def digest(ctx: click.Context, preview: Path | None, send: bool, week: str | None, force: bool) -> None:
    """Write (--preview) or send (--send) the weekly next-steps digest."""
    if (preview is None) == (not send):
        raise click.UsageError("give exactly one of --preview FILE.html or --send")
    if force and not send:
        raise click.UsageError("--force only makes sense with --send")
    service = _digest_service(_settings(ctx))
    try:
        chosen = service.week(week)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    if preview is not None:
        summary = service.preview(preview, chosen)
        click.echo(
            f"digest for {chosen.label} written to {preview} ({len(summary.rejections)} rejection(s), {len(summary.steps)} next step(s)); nothing sent"
        )
        return
    delivered = service.send(chosen, force=force)
    if delivered is None:
        click.echo(f"digest for {chosen.label} was already sent; nothing sent (use --force to send it again)")
    else:
        click.echo(f"digest for {chosen.label} sent to {delivered.to} via {delivered.via}")


@main.command()
@click.option("--keep", type=click.Path(path_type=Path, file_okay=False), help="Keep the demo Maildir and database in this folder.")
@reports_errors
def demo(keep: Path | None) -> None:
    """Run the sample mailbox through the real pipeline: no server, no account."""
    from agent.demo import run_demo

    run_demo(keep)


@main.command()
@click.option(
    "--jsonl",
    "jsonl",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSON lines with id, subject, body (and optional from).",
)
@click.argument("emls", nargs=-1, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
@reports_errors
def classify(ctx: click.Context, jsonl: Path | None, emls: tuple[Path, ...]) -> None:
    """Print one JSON object a line: the label and what was extracted.

    EMLS are .eml files, or .jsonl files of labelled emails (as --jsonl takes them).
    """
    from agent.classifier import Classifier
    from agent.evaluate import read_jsonl
    from agent.parse import parse_email

    if jsonl is None and not emls:
        raise click.UsageError("give --jsonl FILE or one or more .eml files")
    items: list[tuple[str, Any]] = []
    if jsonl is not None:
        items += [(row.id, row.mail) for row in read_jsonl(jsonl)]
    for path in emls:
        if path.suffix == ".jsonl":  # `rebound classify dev.jsonl` means the rows, not one odd .eml
            items += [(row.id, row.mail) for row in read_jsonl(path)]
        else:
            items.append((str(path), parse_email(path.read_bytes())))
    classifier = Classifier(threshold=_threshold(ctx), extract_all=True)
    for (item_id, _mail), result in zip(items, classifier.classify_many(m for _, m in items), strict=True):
        ex = result.extraction
        click.echo(
            json.dumps(
                {
                    "id": item_id,
                    "label": "uncertain" if result.uncertain else result.label.value,
                    "is_rejection": result.is_rejection,
                    "confidence": round(result.confidence, 4),
                    "company": ex.company or None,
                    "role": ex.role or None,
                    "stage": ex.stage.value if result.label.value == "rejection" else None,
                    "contact_name": ex.contact_name or None,
                    "top_label": result.label.value,
                    "human_sender": ex.human_sender,
                    "offers_feedback": ex.offers_feedback,
                    "invites_reapply": ex.invites_reapply,
                },
                ensure_ascii=False,
            )
        )


def _threshold(ctx: click.Context) -> float:
    """The configured confidence threshold when a config exists; the default otherwise."""
    from agent.classifier.model import DEFAULT_THRESHOLD

    path = find_config(ctx.obj.get("config"))
    return load_settings(path).classifier.confidence_threshold if path.exists() else DEFAULT_THRESHOLD


@main.command(name="eval")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--show-companies", is_flag=True, help="Also list the company misses.")
@reports_errors
def eval_(file: Path, show_companies: bool) -> None:
    """Rejection precision, recall and F1 on a labelled JSONL file."""
    from agent.classifier import Classifier
    from agent.evaluate import evaluate, read_jsonl
    from agent.report import print_eval

    rows = list(read_jsonl(file))
    report = evaluate(rows, Classifier(extract_all=True).classify_many(r.mail for r in rows))
    print_eval(file, report, show_companies=show_companies)


@main.command(name="list")
@click.option("--uncertain", is_flag=True, help="Only emails the classifier was unsure of.")
@click.option("--failed", is_flag=True, help="Only emails that could not be handled.")
@click.option("--rejections", is_flag=True, help="Only rejections.")
@click.pass_context
@reports_errors
def list_(ctx: click.Context, uncertain: bool, failed: bool, rejections: bool) -> None:
    """List recorded emails (all, or only uncertain, failed or rejections)."""
    from agent.report import print_emails
    from agent.store import Store

    settings = _settings(ctx)
    store = Store(settings.database_url)
    rows = store.emails(settings.account)
    if uncertain:
        rows = [r for r in rows if r.uncertain]
    if failed:
        rows = [r for r in rows if r.status == "failed"]
    if rejections:
        rows = [r for r in rows if r.label == "rejection"]
    print_emails(rows)
