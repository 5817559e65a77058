"""`rebound demo`: the sample mailbox, no server and no account."""

from __future__ import annotations

from pathlib import Path

import click

from agent.cli import main, reports_errors


@main.command()
@click.option("--keep", type=click.Path(path_type=Path, file_okay=False), help="Keep the demo Maildir and database in this folder.")
@reports_errors
def demo(keep: Path | None) -> None:
    """Run the sample mailbox through the real pipeline: no server, no account."""
    from agent.demo import run_demo

    run_demo(keep)
