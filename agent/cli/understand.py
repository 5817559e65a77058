"""Commands that show what Rebound understands of an email and would write: `classify`, `draft` and `eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from agent.cli import config_path, main, reports_errors
from agent.config import load_settings


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

    items = _inputs(jsonl, emls)
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
                    "runner_up": result.runner_up.value if result.runner_up else None,
                    "held_back": ex.held_back.value or None,
                    "human_sender": ex.human_sender,
                    "offers_feedback": ex.offers_feedback,
                    "keeps_on_file": ex.keeps_on_file,
                    "situation": ex.situation.value if result.label.value == "rejection" else None,
                    "language": ex.language,
                    "event": {"date": ex.event_date.isoformat(), "kind": ex.event_kind} if ex.event_date else None,
                },
                ensure_ascii=False,
            )
        )


def _threshold(ctx: click.Context) -> float:
    """The configured confidence threshold when a config exists; the default otherwise."""
    from agent.classifier.model import DEFAULT_THRESHOLD

    path = config_path(ctx)
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


def _inputs(jsonl: Path | None, emls: tuple[Path, ...]) -> list[tuple[str, Any]]:
    """(id, IncomingEmail) for --jsonl FILE and for each argument (.eml, or .jsonl rows)."""
    from agent.evaluate import read_jsonl
    from agent.parse import parse_email

    if jsonl is None and not emls:
        raise click.UsageError("give --jsonl FILE or one or more .eml files")
    items: list[tuple[str, Any]] = []
    if jsonl is not None:
        items += [(row.id, row.mail) for row in read_jsonl(jsonl)]
    for path in emls:
        if path.suffix == ".jsonl":  # `rebound draft dev.jsonl` means the rows, not one odd .eml
            items += [(row.id, row.mail) for row in read_jsonl(path)]
        else:
            items.append((str(path), parse_email(path.read_bytes())))
    return items


@main.command()
@click.option(
    "--jsonl",
    "jsonl",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="JSON lines with id, subject, body (and optional from, to, date).",
)
@click.argument("emls", nargs=-1, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
@reports_errors
def draft(ctx: click.Context, jsonl: Path | None, emls: tuple[Path, ...]) -> None:
    """Show what Rebound would write, without a mailbox: one JSON object a line.

    Each line holds id, is_rejection, language, situation, check (what to look at before sending)
    and drafts (kind, language, to, subject, body). Uses [profile] and [drafts] from your config
    when there is one.
    """
    from agent.classifier import Classifier
    from agent.config import DraftSettings, ProfileSettings
    from agent.drafts import DraftWriter
    from agent.preview import preview

    items = _inputs(jsonl, emls)
    path = config_path(ctx)
    settings = load_settings(path) if path.exists() else None
    profile = settings.profile if settings else ProfileSettings(name="Your Name", email="you@example.com")
    writer = DraftWriter(profile, settings.drafts if settings else DraftSettings())
    threshold = settings.classifier.confidence_threshold if settings else _threshold(ctx)
    for line in preview(items, Classifier(threshold=threshold, extract_all=True), writer):
        click.echo(json.dumps(line, ensure_ascii=False))
