"""agent/heartbeat.py and `rebound health`: the daemon's beats, and the verdict Docker's HEALTHCHECK reads.

There is no Docker engine on the build machine: the HEALTHCHECK's command (`rebound health`) is
tested here against heartbeat files, and the beats against the daemon loop with a fake session.
"""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from dovecot import ImapAccount
from helpers import START_TIMEOUT, StartDaemon, make_rebound, stop_daemon, wait_idle
from test_daemon import FakeSession, finish, start

from agent.cli import main
from agent.config import load_settings
from agent.daemon import CONNECT_WITHIN, IDLE_SECONDS, Daemon
from agent.errors import AuthError, MailboxError
from agent.heartbeat import Beat, Heartbeat, grace_for, heartbeat_path, read, verdict

GRACE = 900.0  # 3 × the default poll_seconds


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def beat(path: Path, clock: Clock) -> Heartbeat:
    return Heartbeat(path, GRACE, clock)


# --- the verdict --------------------------------------------------------------------------------


def test_no_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    said = verdict(read(tmp_path / "none.json"), 0, tmp_path / "none.json")
    assert not said.healthy and "no heartbeat" in said.reason


def test_a_daemon_that_keeps_its_promise_is_healthy(tmp_path: Path) -> None:
    clock = Clock()
    hb = beat(tmp_path / "hb.json", clock)
    hb.ok(next_within=IDLE_SECONDS)  # about to IDLE for 25 minutes
    clock.now += IDLE_SECONDS + GRACE - 1  # silent all that time, and almost the grace on top
    said = verdict(read(hb.path), clock.now, hb.path)
    assert said.healthy, said


def test_a_silent_daemon_is_stuck_after_its_promise_and_the_grace(tmp_path: Path) -> None:
    clock = Clock()
    hb = beat(tmp_path / "hb.json", clock)
    hb.ok(next_within=300)
    clock.now += 300 + GRACE + 1
    said = verdict(read(hb.path), clock.now, hb.path)
    assert not said.healthy and said.reason.startswith("stuck")


def test_failing_is_healthy_for_the_grace_then_unhealthy(tmp_path: Path) -> None:
    clock = Clock()
    hb = beat(tmp_path / "hb.json", clock)
    hb.ok(next_within=300)
    for _ in range(40):  # a reconnect every 30 s, each failing
        clock.now += 30
        hb.failing("connect to imap.example.org:993 (ssl): refused; check [imap] port", next_within=30 + CONNECT_WITHIN)
        said = verdict(read(hb.path), clock.now, hb.path)
        if clock.now - 1_000_030.0 <= GRACE:
            assert said.healthy and said.reason.startswith("retrying"), said
        else:
            assert not said.healthy and said.reason.startswith("failing for") and "[imap] port" in said.reason, said
    hb.ok(next_within=300)
    assert verdict(read(hb.path), clock.now, hb.path).healthy, "one good pass and it is healthy again"


def test_a_half_written_or_foreign_file_is_no_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "hb.json"
    path.write_text('{"pid": 1, "at":')
    assert read(path) is None
    path.write_text('{"something": "else"}')
    assert read(path) is None


def test_beats_replace_the_file_whole(tmp_path: Path) -> None:
    clock = Clock()
    hb = beat(tmp_path / "deep" / "hb.json", clock)
    hb.starting(CONNECT_WITHIN)
    hb.ok(60)
    assert [p.name for p in hb.path.parent.iterdir()] == ["hb.json"]
    data = json.loads(hb.path.read_text())
    assert data["expected_by"] == clock.now + 60 and data["failing_since"] is None and data["last_ok"] == clock.now


def test_an_unwritable_heartbeat_never_stops_the_daemon(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a-file").write_text("")
    hb = beat(tmp_path / "a-file" / "hb.json", Clock())
    hb.ok(60)
    hb.failing("x", 60)
    assert sum("cannot write the heartbeat" in r.getMessage() for r in caplog.records) == 1


# --- the daemon beats -----------------------------------------------------------------------------


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_the_daemon_beats_after_each_pass_and_each_failure(tmp_path: Path, stop: threading.Event) -> None:
    path = tmp_path / "hb.json"
    seen: list[Beat] = []
    attempts = iter([MailboxError("connect: refused; check [imap] port"), None, None])

    def after_pass(session: FakeSession) -> None:
        beat_now = read(path)
        assert beat_now is not None
        seen.append(beat_now)
        if session.passes == 2:
            stop.set()

    session = FakeSession(on_pass=after_pass, really_wait=False)

    def connect() -> FakeSession:
        failure = next(attempts)
        if failure is not None:
            raise failure
        return session

    d = Daemon(connect, stop, heartbeat=Heartbeat(path, GRACE))
    d.backoff.start = d.backoff.cap = 0.01
    finish(start(d))
    # Before the first pass the file says "failing" (the refused connect); after it, ok.
    assert seen[0].failing_since is not None and "[imap] port" in seen[0].error
    final = read(path)
    assert final is not None and final.failing_since is None and final.error == "" and final.last_ok is not None
    assert final.expected_by - final.at == pytest.approx(IDLE_SECONDS)


def test_a_refused_login_after_a_good_start_beats_as_failing(tmp_path: Path, stop: threading.Event) -> None:
    path = tmp_path / "hb.json"
    calls = {"n": 0}

    def connect() -> FakeSession:
        calls["n"] += 1
        if calls["n"] == 1:
            return FakeSession(really_wait=False, on_pass=lambda s: (_ for _ in ()).throw(MailboxError("connection lost")))
        stop.set()
        raise AuthError("log in to imap.example.org as me: the server rejected the username or password")

    d = Daemon(connect, stop, heartbeat=Heartbeat(path, GRACE))
    d.backoff.start = d.backoff.cap = 0.01
    finish(start(d))
    final = read(path)
    assert final is not None and final.failing_since is not None and "rejected" in final.error


# --- `rebound health`, the HEALTHCHECK command ------------------------------------------------------


def config(tmp_path: Path, poll_seconds: int = 60) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[imap]\nhost = "imap.example.org"\nusername = "me"\npassword_env = "X"\npoll_seconds = {poll_seconds}\n'
        f'[profile]\nname = "A"\nemail = "a@example.org"\n[database]\nurl = "sqlite:///{tmp_path / "db" / "rebound.db"}"\n'
    )
    return path


def health(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["health", "--config", str(path)], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_health_without_a_heartbeat_is_exit_1(tmp_path: Path) -> None:
    code, out = health(config(tmp_path))
    assert code == 1 and out.startswith("unhealthy: no heartbeat") and out.count("\n") == 1


def test_health_follows_the_heartbeat(tmp_path: Path) -> None:
    path = config(tmp_path, poll_seconds=60)
    settings = load_settings(path)
    assert grace_for(settings) == 180
    now = time.time()
    hb = Heartbeat(heartbeat_path(settings), grace_for(settings), clock=lambda: now)
    hb.ok(next_within=60)
    assert health(path)[0] == 0 and health(path)[1].startswith("healthy: last pass")
    stuck = Heartbeat(heartbeat_path(settings), grace_for(settings), clock=lambda: now - 600)
    stuck.ok(next_within=60)  # promised a beat 9 minutes ago
    code, out = health(path)
    assert code == 1 and out.startswith("unhealthy: stuck")
    failing = Heartbeat(heartbeat_path(settings), grace_for(settings), clock=lambda: now - 400)
    failing.failing("connect to imap.example.org:993 (ssl): no answer; check [imap] host", next_within=30)
    failing.clock = lambda: now
    failing.failing("connect to imap.example.org:993 (ssl): no answer; check [imap] host", next_within=30)
    code, out = health(path)
    assert code == 1 and out.startswith("unhealthy: failing for 7 min") and "[imap] host" in out


def test_health_with_a_broken_config_exits_1_never_2(tmp_path: Path) -> None:
    path = config(tmp_path)
    path.write_text(path.read_text().replace("poll_seconds = 60", "poll_seconds = 1\nhots = 1"))
    code, out = health(path)
    assert code == 1 and out.startswith("unhealthy: config error:") and out.count("\n") == 1


def test_the_heartbeat_lives_beside_the_database(tmp_path: Path) -> None:
    settings = load_settings(config(tmp_path))
    path = heartbeat_path(settings)
    assert path.parent == tmp_path / "db" and path.name.startswith("rebound.db.") and path.name.endswith(".heartbeat.json")
    other = load_settings(config(tmp_path / "other"))
    assert heartbeat_path(other) != path


def test_a_heartbeat_file_holds_no_secret(tmp_path: Path) -> None:
    hb = Heartbeat(tmp_path / "hb.json", GRACE)
    hb.failing("log in to imap.example.org as me: the server rejected the username or password", 60)
    assert set(json.loads(hb.path.read_text())) == {"pid", "at", "expected_by", "grace", "failing_since", "error", "last_ok"}
    assert stat.S_IMODE(hb.path.stat().st_mode) == 0o600


def test_rebound_run_beats_and_rebound_health_reads_it(tmp_path: Path, imap_account: ImapAccount, start_daemon: StartDaemon) -> None:
    rebound = make_rebound(tmp_path, imap_account)
    before = rebound.run("health")
    assert before.returncode == 1 and "no heartbeat" in before.stdout
    proc = start_daemon(rebound)
    wait_idle(imap_account, proc, rebound, timeout=START_TIMEOUT)
    after = rebound.run("health")
    assert after.returncode == 0, after.stdout + rebound.log
    assert after.stdout.startswith("healthy: last pass")
    stop_daemon(proc, rebound)
