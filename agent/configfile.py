"""A new config file from a few answers: what `rebound init` decides, the text it writes, and a write that never clobbers."""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from agent.errors import ReboundError
from agent.presets import Preset, Server

TEMPLATE = "config.toml.j2"
DEFAULT_PASSWORD_ENV = "REBOUND_IMAP_PASSWORD"
# The README sections that say how to register an OAuth2 app, by provider.
OAUTH_README = {"microsoft": "Outlook and Microsoft 365 (OAuth2)", "google": "Gmail and Google Workspace"}
STANDARD_PORTS = {"ssl": 993, "starttls": 143, "none": 143}

Security = Literal["ssl", "starttls", "none"]
Auth = Literal["password", "oauth2"]


class ConfigExists(ReboundError):
    """init would replace a config file the user did not ask to replace."""


@dataclass(frozen=True)
class NewConfig:
    """Everything init writes into the file."""

    email: str
    name: str
    host: str
    port: int
    security: Security
    username: str
    auth: Auth = "password"
    oauth_provider: str = ""
    client_id: str = ""
    password_env: str | None = None
    password_command: tuple[str, ...] | None = None
    password: str | None = field(default=None, repr=False)
    drafts: str = "Drafts"
    smtp: Server | None = None
    preset: Preset | None = None

    @property
    def password_help(self) -> str:
        """What password this provider wants, where there is one to say."""
        return self.preset.password if self.preset and self.auth == "password" else ""

    @property
    def oauth_readme(self) -> str:
        """The README section that says how to get a client ID."""
        return OAUTH_README.get(self.oauth_provider, "OAuth2")


def check_address(text: str) -> str:
    """The address, trimmed; ValueError when it is not one."""
    address = text.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(c.isspace() for c in address):
        raise ValueError(f"{address!r} is not an email address")
    return address


def from_preset(email: str, name: str, preset: Preset, *, auth: Auth | None = None) -> NewConfig:
    """A provider's settings for this address; auth overrides the provider's usual sign-in."""
    chosen = auth or preset.auth
    if chosen == "oauth2" and not preset.oauth_provider:
        raise ValueError(f"{preset.name} offers no OAuth2 sign-in that Rebound has a preset for; use a password")
    return NewConfig(
        email=email,
        name=name,
        host=preset.imap.host,
        port=preset.imap.port,
        security=preset.imap.security,
        username=preset.username_for(email),
        auth=chosen,
        oauth_provider=preset.oauth_provider if chosen == "oauth2" else "",
        drafts=preset.drafts,
        smtp=preset.smtp,
        preset=preset,
    )


def custom(email: str, name: str, host: str, port: int | None = None, security: Security = "ssl") -> NewConfig:
    """A server no preset knows: what the user typed, the standard port for the security mode otherwise."""
    return NewConfig(email=email, name=name, host=host, port=port or STANDARD_PORTS[security], security=security, username=email)


def with_server(config: NewConfig, host: str | None, port: int | None, security: Security | None) -> NewConfig:
    """The config with the server settings the user gave in place of the preset's."""
    changes: dict[str, Any] = {}
    if host:
        changes["host"] = host
    if security:
        changes["security"] = security
        changes["port"] = STANDARD_PORTS[security]
    if port:
        changes["port"] = port
    return replace(config, **changes) if changes else config


def _toml(value: object) -> str:
    """A TOML literal for a string, number, bool or list of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    text = str(value)
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            # TOML basic strings allow no raw control character (a tab would do, but is easy to miss).
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _comment(value: object) -> str:
    """Text safe inside a comment: no line break can end it."""
    return " ".join(str(value).split())


def render(config: NewConfig) -> str:
    """The commented config file for these answers."""
    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).resolve().parent)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # TOML, not HTML: every value goes through the toml filter instead
    )
    env.filters["toml"] = _toml
    env.filters["toml_comment"] = _comment
    text = env.get_template(TEMPLATE).render(c=config)
    tomllib.loads(text)  # the template's own mistake would surface here, not in the user's first run
    return text


def write(path: Path, text: str, *, force: bool = False) -> Path | None:
    """Write the config, readable by its owner only; an existing file only with force (kept as .bak). Returns the backup."""
    if path.exists() and not force:
        raise ConfigExists(f"{path} already exists; nothing written (use --force to replace it, or --config another path)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    backup = None
    # Into a private temporary file first, then renamed: no moment where the file is half written
    # or readable by others, whatever the umask.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if path.exists():
            backup = path.with_name(path.name + ".bak")
            os.replace(path, backup)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return backup
