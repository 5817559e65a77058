"""`rebound export`: every recorded application as a CSV history, a Bewerbungsnachweis or a work-search log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click

from agent.cli import main, reports_errors, settings_of

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@main.command()
@click.option(
    "--format",
    "form",
    type=click.Choice(["history", "bewerbungsnachweis", "work-search-log"]),
    default="history",
    show_default=True,
    help="history: one row per application with what came of it; bewerbungsnachweis: the German job-centre form; "
    "work-search-log: a US state work-search log.",
)
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), help="Write the table as CSV to this file.")
@click.option("--pdf", "pdf_path", type=click.Path(path_type=Path, dir_okay=False), help="Write the form as PDF to this file.")
@click.option("--since", type=_DAY, help="Only applications from this day on (YYYY-MM-DD).")
@click.option("--until", type=_DAY, help="Only applications up to this day (YYYY-MM-DD).")
@click.pass_context
@reports_errors
def export(ctx: click.Context, form: str, csv_path: Path | None, pdf_path: Path | None, since: datetime | None, until: datetime | None) -> None:
    """Export every recorded application, with its outcome, for yourself or a job centre."""
    from agent.applications import applications
    from agent.export import HISTORY_COLUMNS, bewerbungsnachweis, history_rows, work_search_log, write_csv
    from agent.store import Store
    from agent.timing import digest_zone

    if csv_path is None and pdf_path is None:
        raise click.UsageError("give --csv FILE or --pdf FILE (or both)")
    if form == "history" and pdf_path is not None:
        raise click.UsageError("the history is a CSV; for a PDF choose --format bewerbungsnachweis or work-search-log")
    settings = settings_of(ctx)
    store = Store(settings.database_url)
    zone = digest_zone(settings.digest.timezone)
    now = datetime.now(UTC) + timedelta(days=1)
    apps = applications(store.digest_emails(settings.account, now, now), store.drafts(settings.account))
    first = since.date() if since else date.min
    last = until.date() if until else date.max
    apps = [a for a in apps if first <= a.applied.astimezone(zone).date() <= last]
    period = (
        since.date() if since else min((a.applied.astimezone(zone).date() for a in apps), default=date.today()),
        until.date() if until else date.today(),
    )
    if form == "history":
        rows = history_rows(apps, zone)
        assert csv_path is not None
        write_csv(csv_path, HISTORY_COLUMNS, [[r[c] for c in HISTORY_COLUMNS] for r in rows])
        click.echo(f"{len(rows)} application(s) written to {csv_path}")
        return
    table = (bewerbungsnachweis if form == "bewerbungsnachweis" else work_search_log)(apps, zone, settings.profile.name, period)
    if csv_path is not None:
        write_csv(csv_path, table.header, table.rows)
        click.echo(f"{len(table.rows)} application(s) written to {csv_path}")
    if pdf_path is not None:
        from agent.pdf import write_pdf

        write_pdf(pdf_path, table)
        click.echo(f"{len(table.rows)} application(s) written to {pdf_path}")
