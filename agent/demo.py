"""`rebound demo`: the sample mailbox through the real pipeline, with no server and no account."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.classifier import Classifier
from agent.config import DraftSettings, ProfileSettings
from agent.drafts import DraftWriter
from agent.maildir import MaildirSource, received_dates
from agent.parse import parse_email
from agent.pipeline import PassOptions, Processor
from agent.preview import body
from agent.report import email_text, label_text
from agent.resources import demo_mail_dir
from agent.store import Store

DEMO_PROFILE = ProfileSettings(name="Alex Morgan", email="alex.morgan@example.com")


def build_maildir(root: Path) -> Path:
    """A Maildir holding the sample messages, delivered in file order."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for n, eml in enumerate(sorted(demo_mail_dir().glob("*.eml"))):
        target = root / "new" / f"{1_763_000_000 + n}.demo{n:02d}.rebound"
        shutil.copyfile(eml, target)
    return root


def run_demo(keep: Path | None = None, console: Console | None = None) -> None:
    """Build the Maildir, run one pass, print what was recognised and drafted."""
    console = console or Console()
    workdir = keep or Path(tempfile.mkdtemp(prefix="rebound-demo-"))
    maildir = build_maildir(workdir / "Maildir")
    source = MaildirSource(maildir)
    store = Store(f"sqlite:///{workdir / 'rebound.db'}")
    dates = [d for d in received_dates(source, "INBOX").values() if d is not None]
    # The demo mail is dated; pretend it is the morning after the newest message arrived.
    now = max(dates) + timedelta(hours=12)
    writer = DraftWriter(DEMO_PROFILE, DraftSettings(draft_max_age_days=30))
    processor = Processor(
        source,
        store,
        Classifier(),
        writer,
        PassOptions(account="demo", folders=("INBOX",), since_days=3650),
        clock=lambda: now,
    )
    with console.status("Reading the sample mailbox…"):
        summary = processor.run_once()
    table = Table(title="Rebound demo: the sample mailbox", expand=True, show_lines=True)
    # Every cell wraps, none is cut: at 80 columns the label keeps its width and the rest share what is left.
    table.add_column("email", ratio=5, overflow="fold")
    table.add_column("recognised as", min_width=15, overflow="fold")
    table.add_column("company, stage", ratio=3, overflow="fold")
    table.add_column("drafts, or why none", ratio=3, overflow="fold")
    for mail, result, kinds, reason in summary.events:
        label = label_text(result.label.value, uncertain=result.uncertain, confidence=result.confidence,
                           runner_up=result.runner_up.value if result.runner_up else "")  # fmt: skip
        is_rejection = result.label.value == "rejection"
        company = result.extraction.company + (f"\n{result.extraction.stage.value}" if is_rejection else "")
        drafts = ", ".join(k.replace("_", " ") for k in kinds) or reason or result.extraction.held_back.note
        sender = mail.from_name or mail.from_addr
        table.add_row(email_text(None, sender, mail.subject), Text(label), Text(company), Text(drafts), style="bold" if is_rejection else None)
    console.print(table)
    drafts_dir = maildir / ".Drafts"
    console.print(
        f"{summary.seen} emails read, {summary.rejections} rejections recognised, "
        f"{summary.drafts_saved} drafts written to [bold]{drafts_dir}[/] (Maildir, flagged Draft)."
    )
    checks = {mail.message_id: writer.wording(result).check for mail, result, kinds, _ in summary.events if kinds}
    paths = sorted((drafts_dir / "cur").glob("*"))
    for n, path in enumerate(paths, 1):
        draft = parse_email(path.read_bytes())
        console.rule(f"draft {n} of {len(paths)}")
        # As a person reads it in their mail client: decoded headers and text, not MIME.
        console.print(Text(f"To: {draft.to}\nSubject: {draft.subject}\n\n{body(path.read_bytes()).rstrip()}"))
        for reason in checks.get(draft.in_reply_to, ()):
            console.print(Text(f"check: {reason}", style="yellow"))
    console.print(f"Database: {workdir / 'rebound.db'}" + ("" if keep else " (a temporary folder; use --keep DIR to choose)"))
