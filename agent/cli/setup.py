"""Setting up: `rebound init` writes a config for your address, `rebound doctor` checks every setting in it."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from agent.cli import config_path, main, reports_errors
from agent.config import find_config

if TYPE_CHECKING:
    from agent.configfile import NewConfig

_MARKS = {"ok": "✓", "fail": "✗", "warn": "!", "skip": "-"}


@main.command()
@click.option("--email", help="Your email address (asked for when not given).")
@click.option("--name", help="Your name, as your drafts are signed (asked for when not given).")
@click.option("--non-interactive", is_flag=True, help="Ask nothing: --email and --name are required, the password is read from $REBOUND_IMAP_PASSWORD.")
@click.option("--force", is_flag=True, help="Replace an existing config (the old one is kept as .bak).")
@click.option("--host", help="IMAP server, in place of the provider's (required for a provider Rebound has no preset for).")
@click.option("--port", type=click.IntRange(1, 65535), help="IMAP port (default: the provider's, or 993 for ssl, 143 for starttls).")
@click.option("--security", type=click.Choice(["ssl", "starttls", "none"]), help="TLS from the start (ssl), after STARTTLS, or none (loopback only).")
@click.option("--auth", type=click.Choice(["password", "oauth2"]), help="Sign in with a password or OAuth2 (default: what the provider wants).")
@click.option("--client-id", help="With OAuth2: your app registration's client ID.")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable.")
@click.option("--password-command", metavar="COMMAND", help="Run this command (no shell) to get the password, e.g. 'pass show mail'.")
@click.option("--keyring", "use_keyring", is_flag=True, help="Store the password in the system keyring now (asked for, or read from standard input).")
@click.option("--store-password", is_flag=True, help="Write the password into the config file (asked for, or read from standard input).")
@click.pass_context
@reports_errors
def init(
    ctx: click.Context,
    email: str | None,
    name: str | None,
    non_interactive: bool,
    force: bool,
    host: str | None,
    port: int | None,
    security: str | None,
    auth: str | None,
    client_id: str | None,
    password_env: str | None,
    password_command: str | None,
    use_keyring: bool,
    store_password: bool,
) -> None:
    """Write a commented config for your mailbox, with your provider's settings filled in."""
    from agent import configfile, presets

    path = config_path(ctx)
    if path.exists() and not force:
        raise configfile.ConfigExists(f"{path} already exists; nothing written (use --force to replace it, or --config another path)")
    sources = [f for f, given in (("--password-env", password_env), ("--password-command", password_command),
                                  ("--keyring", use_keyring), ("--store-password", store_password)) if given]  # fmt: skip
    if len(sources) > 1:
        raise click.UsageError(f"give only one of {', '.join(sources)}")
    ask = not non_interactive
    email = _address(email, ask)
    name = _required("name", name, ask, "Your name (your drafts are signed with it)")

    match = presets.find(email)
    click.echo(f"Found: {match.how}" if match.preset else match.how[0].upper() + match.how[1:])
    if match.preset is not None:
        try:
            config = configfile.from_preset(email, name, match.preset, auth=cast("configfile.Auth | None", auth))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--auth") from None
    else:
        if auth == "oauth2":
            raise click.BadParameter('OAuth2 needs a provider preset; write [imap.oauth2] with provider = "custom" by hand (README)', param_hint="--auth")
        if host is None and not ask:
            raise click.UsageError(f"Rebound has no preset for {presets.domain_of(email)}: give --host (and --port, --security)")
        host = host or click.prompt("IMAP server", default=f"imap.{presets.domain_of(email)}")
        security = security or (click.prompt("Security", type=click.Choice(["ssl", "starttls"]), default="ssl") if ask else "ssl")
        config = configfile.custom(email, name, host, port, cast("configfile.Security", security))
    config = configfile.with_server(config, host, port, cast("configfile.Security | None", security))

    if config.auth == "oauth2":
        if client_id is None and ask:
            client_id = click.prompt(
                f"Client ID of your app registration (README, \"{config.oauth_readme}\"; Enter to fill it in later)", default="", show_default=False
            )
        config = replace(config, client_id=(client_id or "").strip())
    else:
        config = _password(config, ask, password_env, password_command, use_keyring, store_password)

    backup = configfile.write(path, configfile.render(config), force=force)
    server = f"{config.host}:{config.port}, {config.security}"
    click.echo(f"Wrote {path} ({match.preset.name + ': ' if match.preset else ''}{server}), readable only by you.")
    if backup is not None:
        click.echo(f"The config it replaces is kept as {backup}.")
    _next_steps(config, path)


def _address(email: str | None, ask: bool) -> str:
    from agent.configfile import check_address

    while True:
        if email is None and not ask:
            raise click.UsageError("--email is required with --non-interactive")
        value = email if email is not None else click.prompt("Your email address")
        try:
            return check_address(value)
        except ValueError as exc:
            if not ask:
                raise click.BadParameter(str(exc), param_hint="--email") from None
            click.echo(str(exc), err=True)
            email = None


def _required(option: str, value: str | None, ask: bool, question: str) -> str:
    if value is None and not ask:
        raise click.UsageError(f"--{option} is required with --non-interactive")
    value = value if value is not None else click.prompt(question)
    if not value.strip():
        raise click.BadParameter("may not be empty", param_hint=f"--{option}")
    return value.strip()


def _password(config: NewConfig, ask: bool, env: str | None, command: str | None, use_keyring: bool, store: bool) -> NewConfig:
    """Where the password comes from: a flag, the user's choice, or (asking nothing) $REBOUND_IMAP_PASSWORD."""
    from agent.configfile import DEFAULT_PASSWORD_ENV
    from agent.passwords import keyring_name, store_in_keyring

    if not (env or command or use_keyring or store):
        if not ask:
            env = DEFAULT_PASSWORD_ENV
        else:
            keyring = keyring_name()
            if config.preset is not None and config.password_help:
                click.echo(f"{config.preset.name} wants {config.password_help}.")
            choices = {
                "1": f"an environment variable ({DEFAULT_PASSWORD_ENV}), set where Rebound runs",
                "2": "a command that prints it, e.g. pass show mail/imap",
                **({"3": f"the system keyring ({keyring}), stored now"} if keyring else {}),
                "4": "this config file (readable only by you)",
            }
            click.echo("Where will Rebound find the password?")
            for key, text in choices.items():
                click.echo(f"  {key}. {text}")
            picked = click.prompt("Choice", type=click.Choice(list(choices)), default="1", show_choices=False)
            if picked == "1":
                env = click.prompt("Environment variable", default=DEFAULT_PASSWORD_ENV)
            elif picked == "2":
                command = click.prompt("Command")
            use_keyring, store = picked == "3", picked == "4"
    if env:
        return replace(config, password_env=env.strip())
    if command:
        argv = tuple(shlex.split(command))
        if not argv:
            raise click.BadParameter("empty command", param_hint="--password-command")
        return replace(config, password_command=argv)
    secret = _secret(ask)
    if use_keyring:
        return replace(config, password_command=store_in_keyring(config.username, secret))
    return replace(config, password=secret)


def _secret(ask: bool) -> str:
    # Without a terminal to ask on, the password comes as one line of standard input (never as an argument).
    value = str(click.prompt("Password", hide_input=True)) if ask else sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise click.UsageError("no password given" + ("" if ask else " on standard input"))
    return value


def _next_steps(config: NewConfig, path: Path) -> None:
    given = "" if find_config(None) == path else f" --config {shlex.quote(str(path))}"
    steps = []
    if config.auth == "oauth2":
        if not config.client_id:
            steps.append(f"register an app (README, \"{config.oauth_readme}\") and put its client ID in [imap.oauth2] client_id of {path}")
        steps.append(f"rebound auth{given}      sign in once, in a browser")
    elif config.password_env:
        steps.append(f"export {config.password_env}=...     the password" + (f" ({config.password_help})" if config.password_help else ""))
    if config.preset is not None and config.preset.note and config.auth != "oauth2":
        steps.append(config.preset.note)
    if config.preset is not None and config.preset.tls_ca:
        steps.append(config.preset.tls_ca)
    steps.append(f"rebound doctor{given}    checks every setting, one line each")
    steps.append(f"rebound once -v{given}   reads the last 30 days once and says what it found")
    click.echo("Next:")
    for n, step in enumerate(steps, 1):
        click.echo(f"  {n}. {step}")


@main.command()
@click.option("--timeout", type=click.FloatRange(0.1, 120), default=10.0, show_default=True, help="Seconds to wait for each network step.")
@click.pass_context
@reports_errors
def doctor(ctx: click.Context, timeout: float) -> None:
    """Check every setting, one line each, with the fix for what fails; exit 1 if anything does."""
    from agent.doctor import run

    failed = False
    for check in run(config_path(ctx), timeout):
        failed |= check.status == "fail"
        line = f"{_MARKS[check.status]} {check.name}: {check.detail}"
        if check.fix:
            line += f" → {check.fix}"
        click.echo(line)
    if failed:
        sys.exit(1)
