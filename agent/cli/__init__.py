"""The command line; the only place that turns errors into messages and exit codes.

The commands live in the modules of this package, one group each (setup, auth, watch, understand,
correct, digest, export, demo); they register themselves on `main` when imported at the bottom of this file.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from agent import __version__
from agent.config import Settings, find_config, load_settings
from agent.errors import ConfigError, ReboundError

log = logging.getLogger("agent")

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_CONFIG = 2
CONTEXT = {"help_option_names": ["-h", "--help"]}


def _setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    root = logging.getLogger()
    # Alembic narrates every step (and its plugins, as they load) at INFO; agent/schema.py says in one line what changed.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    elif verbose:
        root.setLevel(level)  # -v given after the command name, once logging was already set up


def reports_errors(func: F) -> F:
    """Turn Rebound's errors into one line on stderr and an exit code; never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            # Every mistake in the file at once, each on a line of its own.
            for line in str(exc).splitlines() or [""]:
                click.echo(f"rebound: config error: {line}", err=True)
            sys.exit(EXIT_CONFIG)
        except ReboundError as exc:
            click.echo(f"rebound: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        ctx.ensure_object(dict)["config"] = value
    return value


def _remember_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> int:
    obj = ctx.ensure_object(dict)
    obj["verbose"] = obj.get("verbose", 0) + value
    if value:
        _setup_logging(obj["verbose"])
    return value


def global_options(func: F) -> F:
    """--config and -v, accepted before the command (`rebound -v once`) and after it (`rebound once -v`)."""
    func = click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path, dir_okay=False),
        expose_value=False,
        callback=_remember_config,
        help="Config file (default: $REBOUND_CONFIG, ./config.toml, then your config folder).",
    )(func)
    return click.option(
        "-v", "--verbose", count=True, expose_value=False, callback=_remember_verbose, help="-v for progress, -vv for debugging."
    )(func)


class _Group(click.Group):
    """Every command gets the global options, so they work on either side of its name."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.context_settings = {**CONTEXT, **cmd.context_settings}
        if cmd.callback is not None and not any(p.name == "config" for p in cmd.params):
            global_options(cmd)  # click.option on a Command appends to its params
        super().add_command(cmd, name)


def config_path(ctx: click.Context) -> Path:
    """The config file this invocation uses: --config wherever it was given, else the usual places."""
    return find_config(ctx.find_root().ensure_object(dict).get("config"))


def settings_of(ctx: click.Context) -> Settings:
    """The validated settings; a ConfigError names the file and the key."""
    return load_settings(config_path(ctx))


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="rebound")
@global_options
@click.pass_context
def main(ctx: click.Context) -> None:
    """Rebound watches your mailbox for job rejections and drafts gracious replies for you to send."""
    ctx.ensure_object(dict)
    _setup_logging(ctx.obj.get("verbose", 0))


from agent.cli import auth, correct, demo, digest, export, fleet, setup, understand, watch  # noqa: E402,F401  (each registers its commands on main)
