"""TOML configuration → frozen, validated settings; one clear line per mistake."""

from __future__ import annotations

import difflib
import ipaddress
import logging
import os
import re
import shlex
import stat
import subprocess
import tomllib
from pathlib import Path
from typing import Annotated, Literal, TypeVar, get_args

import platformdirs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from agent.errors import ConfigError
from agent.oauth.settings import OAuth2Settings

log = logging.getLogger(__name__)

APP_NAME = "rebound"
ENV_CONFIG = "REBOUND_CONFIG"

Security = Literal["ssl", "starttls", "none"]
Auth = Literal["password", "oauth2"]
M = TypeVar("M", bound=BaseModel)
# A path as a user writes it in a config file: "~/mail/ca.pem" means their home, as in a shell.
UserPath = Annotated[Path, AfterValidator(Path.expanduser)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Credentials(_Section):
    """A password given directly, through an environment variable, or by a command."""

    password: SecretStr | None = None
    password_env: str | None = None
    password_command: str | list[str] | None = None

    @model_validator(mode="after")
    def _one_password_source(self) -> _Credentials:
        given = [k for k in ("password", "password_env", "password_command") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"give only one of password, password_env, password_command (got {', '.join(given)})")
        return self

    def resolve_password(self, section: str) -> str:
        """The password itself, read from wherever the config says it lives."""
        if self.password is not None:
            return self.password.get_secret_value()
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(f"[{section}] password_env: environment variable {self.password_env} is not set")
            return value
        if self.password_command:
            cmd = self.password_command
            argv = shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
            try:
                # No shell: the command is a list of arguments, so nothing in it is interpreted.
                out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
            except (OSError, subprocess.SubprocessError) as exc:
                raise ConfigError(f"[{section}] password_command {argv[0]!r} failed: {type(exc).__name__}") from exc
            # Like mutt, msmtp and isync: the password is the first line. `pass` and other stores
            # print "login:", "url:" and notes after it, which belong to no password.
            password = out.stdout.split("\n", 1)[0].removesuffix("\r")
            if not password:
                raise ConfigError(f"[{section}] password_command {argv[0]!r} printed no password on its first line")
            return password
        raise ConfigError(f"[{section}] password: missing (set password, password_env or password_command)")


class ImapSettings(_Credentials):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Security = "ssl"
    username: str
    folders: tuple[str, ...] = ("INBOX",)
    drafts_folder: str | None = None
    tls_ca_file: UserPath | None = None
    tls_verify: bool = True
    since_days: int = Field(default=30, ge=0)
    poll_seconds: int = Field(default=300, ge=10)
    idle: bool = True
    max_message_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    auth: Auth = "password"
    oauth2: OAuth2Settings | None = None
    correction_folders: bool = True

    @model_validator(mode="after")
    def _plaintext_only_on_loopback(self) -> ImapSettings:
        if self.security == "none" and not _is_loopback(self.host):
            raise ValueError(f'security = "none" sends the password in clear text; only allowed for loopback, not {self.host}')
        return self

    @model_validator(mode="after")
    def _oauth2_table_matches_auth(self) -> ImapSettings:
        if self.auth == "oauth2":
            if self.oauth2 is None:
                raise ValueError('auth: "oauth2" needs an [imap.oauth2] table (provider, client_id)')
            given = [k for k in ("password", "password_env", "password_command") if getattr(self, k)]
            if given:
                raise ValueError(f'auth: "oauth2" signs in with tokens; remove {", ".join(given)}')
        elif self.oauth2 is not None:
            raise ValueError('auth: set auth = "oauth2" to sign in with the [imap.oauth2] table')
        return self

    @property
    def effective_port(self) -> int:
        """The configured port, or the standard one for the security mode."""
        return self.port or (993 if self.security == "ssl" else 143)


class ProfileSettings(_Section):
    name: str
    email: str

    @model_validator(mode="after")
    def _email_has_at(self) -> ProfileSettings:
        if "@" not in self.email:
            raise ValueError(f"email: {self.email!r} is not an email address")
        return self


class DatabaseSettings(_Section):
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _home_in_sqlite_path(cls, url: str | None) -> str | None:
        # "sqlite:///~/rebound.db" would otherwise make a folder named "~" wherever Rebound runs.
        if url and url.startswith("sqlite:///~"):
            return "sqlite:///" + str(Path(url.removeprefix("sqlite:///")).expanduser())
        return url


class DraftSettings(_Section):
    templates_dir: UserPath | None = None
    style: Literal["one", "separate"] = "one"
    thank_you: bool = True
    feedback_request: Literal["after_interview", "always", "never"] = "after_interview"
    draft_max_age_days: int = Field(default=7, ge=0)


class ClassifierSettings(_Section):
    confidence_threshold: float = Field(default=0.55, ge=0.0, le=1.0)
    model_path: UserPath | None = None


class SmtpSettings(_Credentials):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Security = "ssl"
    username: str | None = None
    tls_ca_file: UserPath | None = None
    auth: Auth = "password"

    @model_validator(mode="after")
    def _plaintext_only_on_loopback(self) -> SmtpSettings:
        if self.security == "none" and not _is_loopback(self.host):
            raise ValueError(f'security = "none" is only allowed for loopback, not {self.host}')
        return self

    @property
    def effective_port(self) -> int:
        """The configured port, or the standard one for the security mode."""
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]


class DigestSettings(_Section):
    to: str | None = None
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "sunday"
    time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "18:00"
    timezone: str | None = None
    language: Literal["en", "de"] = "en"
    follow_up_after_days: int = Field(default=14, ge=1, le=365)


class GoalSettings(_Section):
    applications_per_week: int | None = Field(default=None, ge=0)
    networking_contacts_per_week: int | None = Field(default=None, ge=0)
    learning_hours_per_week: float | None = Field(default=None, ge=0)


class Settings(_Section):
    imap: ImapSettings
    profile: ProfileSettings
    database: DatabaseSettings = DatabaseSettings()
    drafts: DraftSettings = DraftSettings()
    classifier: ClassifierSettings = ClassifierSettings()
    smtp: SmtpSettings | None = None
    digest: DigestSettings = DigestSettings()
    goals: GoalSettings = GoalSettings()

    @model_validator(mode="after")
    def _smtp_oauth2_uses_the_accounts_tokens(self) -> Settings:
        if self.smtp is not None and self.smtp.auth == "oauth2" and self.imap.auth != "oauth2":
            raise ValueError('[smtp] auth: "oauth2" reuses the mailbox\'s sign-in: set [imap] auth = "oauth2" and [imap.oauth2] too')
        return self

    @property
    def database_url(self) -> str:
        """The configured database, else SQLite in the user's data directory."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{default_data_dir() / 'rebound.db'}"

    @property
    def account(self) -> str:
        """A stable name for the mailbox, used to key its state in the database."""
        return f"{self.imap.username}@{self.imap.host}"


def default_data_dir() -> Path:
    """Where the database and lock live unless configured otherwise."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def find_config(explicit: Path | None) -> Path:
    """--config, else $REBOUND_CONFIG, else ./config.toml, else the user's config dir."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(ENV_CONFIG):
        return Path(env).expanduser()
    local = Path("config.toml")
    if local.exists():
        return local
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


_PYDANTIC_TAG = re.compile(r"^(function-.*|str|int|float|bool|none|list\[.*\]|tuple\[.*\]|dict\[.*\]|\d+)$")


def _describe(error: dict[str, object]) -> str:
    # Pydantic puts union members ("str", "list[str]") and validator names into the location;
    # the user only needs the section and the key.
    loc = [str(p) for p in error.get("loc", ()) if not _PYDANTIC_TAG.match(str(p))]  # type: ignore[attr-defined]
    msg = str(error.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        msg = "unknown key"
    elif error.get("type") == "missing":
        msg = "missing value"
    head, sep, rest = msg.partition(": ")
    if sep and head.isidentifier() and error.get("type") == "value_error":
        loc, msg = [*loc, head], rest  # a check across keys names the key it is about first
    if not loc:
        return msg
    # Nested tables read as TOML writes them: [imap.oauth2] client_id.
    section, key = (f"[{'.'.join(loc[:-1])}]", loc[-1]) if len(loc) > 1 else ("", loc[0])
    where = f"{section} {key}".strip()
    return f"{where}: {msg}"


def _model_at(loc: list[str], top: type[BaseModel] = Settings) -> type[BaseModel] | None:
    """The settings model of the table at this location (top, Settings unless told, for the top level)."""
    model: type[BaseModel] = top
    for part in loc:
        field = model.model_fields.get(part)
        if field is None:
            return None
        inner = [a for a in (field.annotation, *get_args(field.annotation)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not inner:
            return None
        model = inner[0]
    return model


def _known_keys(loc: list[str], top: type[BaseModel] = Settings) -> list[str]:
    model = _model_at(loc, top)
    return list(model.model_fields) if model else []


def _given(data: dict[str, object], loc: list[str]) -> set[str]:
    """The keys the file sets in the table at this location."""
    table: object = data
    for part in loc:
        table = table.get(part) if isinstance(table, dict) else None
    return set(table) if isinstance(table, dict) else set()


def _problems(errors: list[dict[str, object]], data: dict[str, object], top: type[BaseModel] = Settings) -> list[str]:
    """Every mistake, one line each; an unknown key with the known key it was probably meant to be."""
    # A typo ("hots" for "host") is both an unknown key and a missing one: say it once, as the typo.
    meant: set[tuple[str, ...]] = set()
    lines = []
    for error in sorted(errors, key=lambda e: e.get("type") != "extra_forbidden"):
        loc = [str(p) for p in error.get("loc", ())]  # type: ignore[attr-defined]
        if error.get("type") == "missing" and tuple(loc) in meant:
            continue
        line = _describe(error)
        if error.get("type") == "extra_forbidden" and len(loc) == 1 and isinstance(error.get("input"), dict):
            line = f"[{loc[0]}]: unknown section"
        if error.get("type") == "extra_forbidden" and loc:
            # Only keys the file leaves out: "hots" beside a "host" is no typo of it.
            known = [k for k in _known_keys(loc[:-1], top) if k not in _given(data, loc[:-1])]
            close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
            if close:
                meant.add((*loc[:-1], close[0]))
                shown = f"[{close[0]}]" if len(loc) == 1 else close[0]
                line += f" (did you mean {shown}?)"
        lines.append(line)
    return lines


def load_settings(path: Path) -> Settings:
    """Read and validate the config file; ConfigError names the file and every bad key, one line each."""
    settings = load_config(path, Settings)
    _warn_if_readable_by_others(path, settings)
    return settings


def load_config(path: Path, model: type[M]) -> M:
    """Read a config file and validate it as this model (Settings, or a worker's: agent/fleet/settings.py)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no config file here (copy config.example.toml and edit it)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = _problems([dict(e) for e in exc.errors()], data, model)
        raise ConfigError("\n".join(f"{path}: {p}" for p in problems)) from None


def _warn_if_readable_by_others(path: Path, settings: Settings) -> None:
    holds_password = (
        settings.imap.password is not None
        or (settings.smtp is not None and settings.smtp.password is not None)
        or (settings.imap.oauth2 is not None and settings.imap.oauth2.client_secret is not None)
    )
    if holds_password and path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("%s holds a password and is readable by other users; run: chmod 600 %s", path, path)
