"""The Dockerfile's HEALTHCHECK, run as Docker would run it (there is no Docker engine here: the command is run directly).

Docker runs the HEALTHCHECK's exec-form command in the container, where REBOUND_CONFIG and
XDG_DATA_HOME are the Dockerfile's ENV; exit 0 is healthy, 1 unhealthy, and 2 is reserved.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.config import load_settings
from agent.heartbeat import Heartbeat, grace_for, heartbeat_path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instruction(name: str) -> str:
    """The text of a Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    (found,) = [line for line in joined.splitlines() if line.startswith(name + " ")]
    return found[len(name) + 1 :]


def healthcheck() -> tuple[dict[str, str], list[str]]:
    options, _, command = instruction("HEALTHCHECK").partition(" CMD ")
    flags = dict(opt.removeprefix("--").split("=", 1) for opt in shlex.split(options))
    return flags, json.loads(command)


def env() -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in shlex.split(instruction("ENV")))


def run_healthcheck(tmp_path: Path, config: Path) -> subprocess.CompletedProcess[str]:
    _flags, argv = healthcheck()
    assert argv[0] == "rebound", "the image's entry point"
    variables = {k: v for k, v in os.environ.items() if k != "REBOUND_CONFIG"}
    # The Dockerfile's REBOUND_CONFIG, pointed at this test's file (in the image it is /config/config.toml).
    assert env()["REBOUND_CONFIG"] == "/config/config.toml"
    variables |= {"REBOUND_CONFIG": str(config), "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "agent", *argv[1:]], env=variables, capture_output=True, text=True, timeout=60, check=False)


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[imap]\nhost = "imap.example.org"\nusername = "me"\npassword_env = "X"\npoll_seconds = 60\n'
        '[profile]\nname = "A"\nemail = "a@example.org"\n'  # no [database]: SQLite in XDG_DATA_HOME, i.e. /data
    )
    return path


def test_the_healthcheck_command_follows_the_daemons_heartbeat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path)
    assert run_healthcheck(tmp_path, config).returncode == 1, "no heartbeat yet: unhealthy"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # where the daemon in the container writes it
    settings = load_settings(config)
    path = heartbeat_path(settings)
    assert path.is_relative_to(tmp_path / "data"), "the heartbeat is in the data volume"
    now = time.time()
    Heartbeat(path, grace_for(settings), clock=lambda: now).ok(next_within=60)
    healthy = run_healthcheck(tmp_path, config)
    assert healthy.returncode == 0 and healthy.stdout.startswith("healthy"), healthy.stdout + healthy.stderr
    Heartbeat(path, grace_for(settings), clock=lambda: now - 3600).ok(next_within=60)
    stuck = run_healthcheck(tmp_path, config)
    assert stuck.returncode == 1 and stuck.stdout.startswith("unhealthy: stuck")


def test_the_healthcheck_waits_out_the_first_pass_and_answers_in_time() -> None:
    flags, _argv = healthcheck()
    seconds = {k: int(v.rstrip("sm")) * (60 if v.endswith("m") else 1) for k, v in flags.items()}
    assert seconds["start-period"] >= 120, "the classifier loads and 30 days of mail are read before the first beat"
    assert seconds["timeout"] >= 10, "a Python start on a busy machine"
    assert "HEALTHCHECK" in DOCKERFILE and instruction("USER") == "rebound"
