"""The weekly digest: `digest --preview` and `digest --send`."""

from __future__ import annotations

from pathlib import Path

import click

from agent.cli import main, reports_errors, settings_of
from agent.cli.watch import digest_service


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
    service = digest_service(settings_of(ctx))
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
