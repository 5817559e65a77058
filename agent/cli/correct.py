"""Commands that teach Rebound: `correct` and `learn`, and the table `list --corrected` prints."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click
from rich.table import Table
from rich.text import Text

from agent.cli import main, reports_errors, settings_of
from agent.errors import ReboundError

if TYPE_CHECKING:
    from agent.classifier.learn import Figures
    from agent.corrections.records import Correction


@main.command()
@click.argument("message_id")
@click.argument("label")
@click.pass_context
@reports_errors
def correct(ctx: click.Context, message_id: str, label: str) -> None:
    """Say what an email is. LABEL: rejection, not_rejection, or one of the eight labels.

    The email is relabelled; a rejection gets its drafts, an email that is not one loses its
    unsent drafts. Applied at once when no other Rebound runs for this account, else by the
    running one on its next pass. Moving the email into Rebound/Rejection or Rebound/Not a
    rejection does the same from your mail client.
    """
    from agent.corrections.records import Corrections
    from agent.corrections.verdicts import parse_verdict
    from agent.errors import AlreadyRunning, MailboxError
    from agent.pipeline import PassSummary
    from agent.service import App, single_instance
    from agent.store import Store

    try:
        verdict = parse_verdict(label)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="LABEL") from None
    settings = settings_of(ctx)
    records = Corrections(Store(settings.database_url))
    wanted = message_id.strip()
    wanted = wanted if wanted.startswith("<") else f"<{wanted}>"
    record = records.recorded(settings.account, wanted) or records.recorded(settings.account, message_id.strip())
    if record is None:
        raise ReboundError(f"no recorded email has Message-ID {wanted} (`rebound list` shows what Rebound has seen)")
    records.queue(settings.account, record.message_id, verdict, "command", folder=record.folder, uid=record.uid, uidvalidity=record.uidvalidity)
    try:
        with single_instance(settings):
            session = App(settings).connect()
            try:
                summary = session.correct(PassSummary())
            finally:
                session.close()
    except AlreadyRunning:
        click.echo(f"{record.message_id}: queued as {verdict}; the Rebound already running applies it on its next pass")
        return
    except MailboxError as exc:
        raise ReboundError(f"{exc} (the correction is queued: the next pass applies it)") from exc
    done = [c for c in records.listing(settings.account) if c.message_id == record.message_id][-1]
    if done.status == "failed":
        raise ReboundError(f"{record.message_id}: the correction failed: {done.error}")
    drafts = f"; {summary.drafts_saved} draft(s) saved" if summary.drafts_saved else ""
    click.echo(f"{record.message_id}: {done.label_before or 'unseen'} → {done.label_after}" + (f"; {done.outcome}" if done.outcome else "") + drafts)


@main.command()
@click.option("--forget", is_flag=True, help="Delete your personal pipeline: Rebound goes back to the one it ships with.")
@click.pass_context
@reports_errors
def learn(ctx: click.Context, forget: bool) -> None:
    """Teach your own copy of the pipeline every correction so far, and show what it changed.

    The copy is kept beside the database and used from the next pass on, unless the team's
    held-out split says it forgot what it knew.
    """
    from agent.classifier.learn import MAX_HELDOUT_DROP
    from agent.classifier.learn import learn as learn_from
    from agent.classifier.personal import personal_dir
    from agent.corrections.records import Corrections
    from agent.store import Store

    settings = settings_of(ctx)
    out = personal_dir(settings.database_url)
    if forget:
        if out.exists():
            shutil.rmtree(out)
            click.echo(f"{out} deleted: Rebound classifies with the pipeline it ships with again")
        else:
            click.echo("there is no personal pipeline to forget")
        return
    records = Corrections(Store(settings.database_url))
    lessons = records.lessons()
    if not lessons:
        click.echo("nothing to learn yet: move emails into Rebound/Rejection or Rebound/Not a rejection, or use `rebound correct`")
        return
    click.echo(f"learning {len(lessons)} correction(s)…", err=True)
    done = learn_from(
        [lesson for _, lesson in lessons], out, base=settings.classifier.model_path, threshold=settings.classifier.confidence_threshold
    )
    click.echo(
        f"your corrections: {done.right_before} of {done.corrections} right before, {done.right_after} after "
        f"({done.steps} update step(s), rehearsing the team's emails: {done.rehearsed} shipped with Rebound)"
    )
    click.echo(f"team's held-out split ({done.heldout_after.emails} emails): {_change(done.heldout_before, done.heldout_after)}")
    if not done.kept:
        raise ReboundError(
            f"not kept: held-out F1 fell by more than {MAX_HELDOUT_DROP} (corrections that contradict each other, or the team's labels?)"
        )
    records.mark_learned([i for i, _ in lessons])
    click.echo(f"personal pipeline written to {out}; Rebound uses it from its next pass")


def _change(before: Figures, after: Figures) -> str:
    return ", ".join(
        f"{name} {getattr(before, name):.3f} → {getattr(after, name):.3f}" for name in ("precision", "recall", "f1")
    ).replace("f1", "F1")


def print_corrections(rows: Sequence[Correction]) -> None:
    """The table `rebound list --corrected` prints."""
    from agent.report import console

    table = Table("corrected", "from", "subject", "was → now", "how")
    table.add_column("drafts / note", overflow="fold", ratio=2)
    for c in rows:
        before = f"{c.label_before}?" if c.uncertain_before else c.label_before or "unseen"
        now = {"pending": f"{c.verdict} (next pass)", "failed": "failed"}.get(c.status, c.label_after)
        how = f"moved to {c.folder}" if c.origin == "folder" else "rebound correct"
        note = c.error if c.status == "failed" else c.outcome
        if c.learned:
            note = f"{note}\nlearned" if note else "learned"
        cells = [c.created_at.strftime("%Y-%m-%d"), c.sender, c.subject[:60], f"{before} → {now}", how, note]
        table.add_row(*(Text(cell) for cell in cells))  # Text: a stranger's subject is not rich markup
    console.print(table)
    if not rows:
        console.print("no corrections yet: move an email into Rebound/Rejection or Rebound/Not a rejection, or use `rebound correct`")
