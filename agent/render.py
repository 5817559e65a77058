"""The digest as an email: its templates in the user's language → text and HTML → one multipart message.

Each language has its own templates (templates/<lang>/digest*.j2), written whole in it; they share
only the data of agent/digest.py. Your own templates come first: <templates_dir>/<lang>/, and for
English also <templates_dir>/ itself, where Rebound 0.1 read them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from agent.addresses import ascii_address
from agent.digest import WeekDigest
from agent.errors import ConfigError
from agent.parse import fold, format_address

TEXT, HTML, SUBJECT = "digest.txt.j2", "digest.html.j2", "digest_subject.txt.j2"


def template_env(search: Sequence[Path]) -> Environment:
    """Jinja2 over these folders; *.html.j2 autoescaped, since company names and subjects come from strangers."""
    return Environment(
        loader=FileSystemLoader([str(p) for p in search]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def search_path(language: str, bundled: Path, mine: Path | None = None) -> list[Path]:
    """Where a language's digest templates are looked for, yours first."""
    own = [mine / language, *([mine] if language == "en" else [])] if mine else []
    return [*own, bundled / language]


def render(env: Environment, digest: WeekDigest) -> tuple[str, str, str]:
    """The subject, the plain-text body and the HTML body."""
    context: dict[str, Any] = {"d": digest}
    # The HTML is rendered with every template escaped, the shared words too: a macro imported from a
    # template that does not escape would hand its output to the HTML as trusted markup. Its own
    # cache, so no template compiled for the text part is reused there.
    html_env = env.overlay(autoescape=True, cache_size=50)
    parts = []
    for name, chosen in ((SUBJECT, env), (TEXT, env), (HTML, html_env)):
        try:
            parts.append(chosen.get_template(name).render(context))
        except TemplateError as exc:
            raise ConfigError(f"template {name}: {exc}") from exc
    subject = fold(parts[0])
    text = "\n".join(line.rstrip() for line in parts[1].split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return subject, text, parts[2]


def compose(
    digest: WeekDigest, subject: str, text: str, html: str, *, sender: str, to: str, now: datetime, message_id: str | None = None
) -> EmailMessage:
    """One multipart/alternative message: text first, HTML last (the part clients prefer); message_id: fixed when it was claimed."""
    msg = EmailMessage()
    sender = ascii_address(fold(sender))  # an IDN domain in its xn-- form, as in drafts
    name, address = parseaddr(fold(to))
    msg["From"] = format_address("Rebound", sender)
    msg["To"] = format_address(name, ascii_address(address)) if address else fold(to)
    msg["Subject"] = fold(subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id or make_msgid("rebound.digest", domain=sender.rsplit("@", 1)[-1])
    # RFC 3834: out-of-office responders must not answer a machine's mail.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Rebound-Digest"] = digest.week.label
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
